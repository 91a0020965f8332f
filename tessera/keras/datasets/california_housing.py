"""`keras.datasets.california_housing`: California housing price regression."""
import numpy as np

from ..saving.object_registration import keras_export
from . import _common, _housing

SHA256 = "1a2e3a52e0398de6463aebe6f4a8da34fb21fbb6b934cf88c3425e766f2a1a6f"


@keras_export("keras.datasets.california_housing")
def load_data(version="large", path="california_housing.npz", test_split=0.2, seed=113):
    """Loads the California Housing dataset (20,640 samples, 8 features).

    Args:
        version: "large" (all samples) or "small" (the first 600).
        path: cached file name (relative to `~/.keras/datasets`).
        test_split: fraction of the data reserved as test set.
        seed: seed for shuffling before the split.

    Returns:
        `(x_train, y_train), (x_test, y_test)`.
    """
    if version not in ("small", "large"):
        raise ValueError("Argument `version` must be one of 'small', 'large'. "
                         f"Received: version={version}")
    path = _common.get_file(path, origin=_common.GCS + "california_housing.npz",
                            file_hash=SHA256)
    with np.load(path, allow_pickle=True) as f:
        x, y = f["x"], f["y"]
    if version == "small":
        x, y = x[:600], y[:600]
    return _housing.split(x, y, test_split, seed)

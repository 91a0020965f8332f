"""`keras.datasets.boston_housing`: Boston housing price regression."""
import numpy as np

from ..saving.object_registration import keras_export
from . import _common, _housing

SHA256 = "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5"


@keras_export("keras.datasets.boston_housing")
def load_data(path="boston_housing.npz", test_split=0.2, seed=113):
    """Loads the Boston Housing dataset (506 samples, 13 features, price targets).

    Args:
        path: cached file name (relative to `~/.keras/datasets`).
        test_split: fraction of the data reserved as test set.
        seed: seed for shuffling before the split.

    Returns:
        `(x_train, y_train), (x_test, y_test)`.
    """
    path = _common.get_file(path, origin=_common.GCS + "boston_housing.npz",
                            file_hash=SHA256)
    with np.load(path, allow_pickle=True) as f:
        x, y = f["x"], f["y"]
    return _housing.split(x, y, test_split, seed)

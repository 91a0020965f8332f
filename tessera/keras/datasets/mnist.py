"""`keras.datasets.mnist`: the MNIST handwritten digits."""
import numpy as np

from ..saving.object_registration import keras_export
from . import _common

SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"


@keras_export("keras.datasets.mnist")
def load_data(path="mnist.npz"):
    """Loads the MNIST dataset (60,000 train and 10,000 test 28x28 grayscale digits).

    Args:
        path: file name of the cached `.npz` (relative to `~/.keras/datasets`).

    Returns:
        `(x_train, y_train), (x_test, y_test)`: uint8 arrays of shapes `(N, 28, 28)` and
        `(N,)`.
    """
    path = _common.get_file(path, origin=_common.GCS + "mnist.npz", file_hash=SHA256)
    with np.load(path, allow_pickle=True) as f:
        return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])

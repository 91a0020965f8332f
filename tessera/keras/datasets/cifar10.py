"""`keras.datasets.cifar10`: CIFAR-10 small images, 10 classes."""
import numpy as np

from ..saving.object_registration import keras_export
from . import _cifar

URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
SHA256 = "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"


@keras_export("keras.datasets.cifar10")
def load_data():
    """Loads CIFAR-10 (50,000 train and 10,000 test 32x32 colour images, 10 classes).

    Returns:
        `(x_train, y_train), (x_test, y_test)`: uint8 images `(N, 32, 32, 3)` (channels_last)
        and uint8 labels `(N, 1)`.
    """
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    src = _cifar.read_batches("cifar-10-batches-py-target", "cifar-10-batches-py", URL, SHA256,
                              names)
    xs, ys = [], []
    for n in names[:5]:
        x, y = _cifar.parse(src[n], "labels")
        xs.append(x)
        ys.extend(y)
    x_test, y_test = _cifar.parse(src["test_batch"], "labels")
    x_train = _cifar.to_format(np.concatenate(xs))
    y_train = np.asarray(ys, dtype="uint8").reshape(-1, 1)
    y_test = np.asarray(y_test, dtype="uint8").reshape(-1, 1)
    return (x_train, y_train), (_cifar.to_format(x_test), y_test)

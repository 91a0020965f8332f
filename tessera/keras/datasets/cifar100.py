"""`keras.datasets.cifar100`: CIFAR-100 small images, 100 fine / 20 coarse classes."""
import numpy as np

from ..saving.object_registration import keras_export
from . import _cifar

URL = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
SHA256 = "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7"


@keras_export("keras.datasets.cifar100")
def load_data(label_mode="fine"):
    """Loads CIFAR-100 (50,000 train and 10,000 test 32x32 colour images).

    Args:
        label_mode: "fine" (100 classes) or "coarse" (20 superclasses).

    Returns:
        `(x_train, y_train), (x_test, y_test)`: uint8 images `(N, 32, 32, 3)` (channels_last)
        and labels `(N, 1)`.
    """
    if label_mode not in ("fine", "coarse"):
        raise ValueError('`label_mode` must be one of `"fine"`, `"coarse"`. '
                         f"Received: label_mode={label_mode}.")
    src = _cifar.read_batches("cifar-100-python-target", "cifar-100-python", URL, SHA256,
                              ["train", "test"])
    key = label_mode + "_labels"
    x_train, y_train = _cifar.parse(src["train"], key)
    x_test, y_test = _cifar.parse(src["test"], key)
    return ((_cifar.to_format(x_train), np.asarray(y_train, "int64").reshape(-1, 1)),
            (_cifar.to_format(x_test), np.asarray(y_test, "int64").reshape(-1, 1)))

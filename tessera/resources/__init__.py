"""Data files shipped inside the package: the MNIST test set (10,000 digits) and its notice."""
import gzip
import os

import numpy as np

__all__ = ["load_mnist_sample", "MNIST_DIR"]

MNIST_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mnist")


def _read_idx(path, header, shape):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    data = np.frombuffer(raw, dtype=np.uint8, offset=header)
    return data.reshape(shape)


def load_mnist_sample(directory=None):
    """Loads the shipped MNIST sample: 10,000 handwritten digits with labels.

    Args:
        directory: a folder holding `t10k-images-idx3-ubyte.gz` and
            `t10k-labels-idx1-ubyte.gz` (default: the copy inside the package).

    Returns:
        `(images, labels)`: uint8 arrays of shapes (10000, 28, 28) and (10000,).
        The usual split trains on the first 8,000 and evaluates on the last 2,000.

    MNIST is by Yann LeCun, Corinna Cortes and Christopher J.C. Burges (CC BY-SA 3.0);
    see `mnist/NOTICE`.
    """
    d = directory or MNIST_DIR
    images = os.path.join(d, "t10k-images-idx3-ubyte.gz")
    labels = os.path.join(d, "t10k-labels-idx1-ubyte.gz")
    for p in (images, labels):
        if not os.path.exists(p):
            raise FileNotFoundError(
                f"MNIST sample file {p} is missing: reinstall tessera, or pass the folder "
                "that holds the two .gz files as `directory`.")
    x = _read_idx(images, 16, (-1, 28, 28))
    y = _read_idx(labels, 8, (-1,))
    if len(x) != len(y):
        raise ValueError(f"MNIST sample in {d} is corrupt: {len(x)} images but {len(y)} labels.")
    return x, y

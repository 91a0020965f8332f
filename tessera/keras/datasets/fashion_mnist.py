"""`keras.datasets.fashion_mnist`: Zalando's Fashion-MNIST."""
import gzip
import os

import numpy as np

from ..saving.object_registration import keras_export
from . import _common

FILES = ["train-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz",
         "t10k-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz"]


@keras_export("keras.datasets.fashion_mnist")
def load_data():
    """Loads Fashion-MNIST (60,000 train and 10,000 test 28x28 grayscale clothing images).

    The four gzipped IDX files are cached in `~/.keras/datasets/fashion-mnist`.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: uint8 arrays of shapes `(N, 28, 28)` and
        `(N,)`.
    """
    paths = [_common.get_file(f, origin=_common.GCS + f,
                              cache_subdir=os.path.join("datasets", "fashion-mnist"))
             for f in FILES]
    out = []
    for lab, img in ((paths[0], paths[1]), (paths[2], paths[3])):
        with gzip.open(lab, "rb") as f:
            y = np.frombuffer(f.read(), np.uint8, offset=8)
        with gzip.open(img, "rb") as f:
            x = np.frombuffer(f.read(), np.uint8, offset=16).reshape(len(y), 28, 28)
        out.append((x, y))
    return tuple(out)

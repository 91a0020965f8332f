"""`keras.datasets`: small NumPy datasets (MNIST, CIFAR, IMDB, ...), as Keras 3.

Each submodule has `load_data()`. Files are cached where Keras caches them
(`~/.keras/datasets`, or `$KERAS_HOME/datasets`), so a Keras install's downloads are reused.
"""
from . import (boston_housing, california_housing, cifar10, cifar100,  # noqa: F401
               fashion_mnist, imdb, mnist, reuters)

__all__ = ["boston_housing", "california_housing", "cifar10", "cifar100", "fashion_mnist",
           "imdb", "mnist", "reuters"]

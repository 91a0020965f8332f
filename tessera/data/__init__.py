"""`ts.data`: input pipelines, as TensorFlow's `tf.data`.

    ds = ts.data.Dataset.from_tensor_slices((x, y)).shuffle(1000, seed=0).batch(32)
    ds = ds.prefetch(ts.data.AUTOTUNE)
    for xb, yb in ds:
        ...
"""
from . import experimental
from ._util import AUTOTUNE
from .dataset import (INFINITE_CARDINALITY, UNKNOWN_CARDINALITY, Dataset, DatasetSpec,
                      Iterator)

__all__ = ["Dataset", "DatasetSpec", "Iterator", "AUTOTUNE", "INFINITE_CARDINALITY",
           "UNKNOWN_CARDINALITY", "experimental"]

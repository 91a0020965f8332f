"""`ts.data.experimental`: TensorFlow's experimental tf.data helpers."""
from ._util import AUTOTUNE, INFINITE as INFINITE_CARDINALITY, UNKNOWN as UNKNOWN_CARDINALITY

__all__ = ["AUTOTUNE", "INFINITE_CARDINALITY", "UNKNOWN_CARDINALITY", "assert_cardinality",
           "cardinality"]


def assert_cardinality(expected_cardinality):
    """A transformation for `Dataset.apply` checking that the dataset has exactly
    `expected_cardinality` elements.

    Example:
    >>> ds = ds.apply(ts.data.experimental.assert_cardinality(10))
    """
    def apply(dataset):
        return dataset.assert_cardinality(expected_cardinality)
    return apply


def cardinality(dataset):
    """`dataset.cardinality()`."""
    return dataset.cardinality()

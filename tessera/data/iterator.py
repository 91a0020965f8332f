"""`DatasetSpec` and the `Iterator` returned by `iter(dataset)`."""

__all__ = ["DatasetSpec", "Iterator"]


class DatasetSpec:
    """Describes a Dataset that is itself an element (from `window`), as `tf.data.DatasetSpec`."""

    def __init__(self, element_spec, dataset_shape=()):
        self.element_spec = element_spec
        self.shape = dataset_shape

    def __eq__(self, other):
        return isinstance(other, DatasetSpec) and other.element_spec == self.element_spec

    def __repr__(self):
        return f"DatasetSpec({self.element_spec!r}, TensorShape({list(self.shape)}))"


class Iterator:
    """An iterator over a Dataset, as `tf.data.Iterator` (`next(it)`, `it.get_next()`)."""

    def __init__(self, dataset):
        self._gen = dataset._make_iter()
        self._dataset = dataset

    @property
    def element_spec(self):
        """The element spec of the dataset being iterated."""
        return self._dataset.element_spec

    def __iter__(self):
        return self

    def __next__(self):
        return next(self._gen)

    def get_next(self):
        """The next element; raises `ts.errors.OutOfRangeError` at the end."""
        try:
            return next(self._gen)
        except StopIteration:
            from ..core.errors import OutOfRangeError
            raise OutOfRangeError("End of sequence") from None

    def get_next_as_optional(self):
        try:
            return next(self._gen)
        except StopIteration:
            return None

    def close(self):
        self._gen.close()

    def __del__(self):
        try:
            self._gen.close()
        except Exception:
            pass

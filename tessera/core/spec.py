"""`TensorSpec`: the shape and dtype a function argument or dataset element must have."""
from ..backend import dtypes as _dt
from .shapes import TensorShape

__all__ = ["TensorSpec"]


class TensorSpec:
    """Describes a tensor by shape and dtype, as `tf.TensorSpec`.

    Args:
        shape: a shape; None dimensions match any size.
        dtype: the dtype (default float32).
        name: optional name.

    Example:
    >>> spec = ts.TensorSpec([None, 3], ts.float32)
    >>> spec.is_compatible_with(ts.zeros([2, 3]))
    True
    """

    __slots__ = ("shape", "dtype", "name")

    def __init__(self, shape, dtype="float32", name=None):
        self.shape = TensorShape(shape)
        self.dtype = _dt.as_dtype(dtype)
        self.name = name

    @classmethod
    def from_tensor(cls, tensor, name=None):
        return cls(tensor.shape, tensor.dtype, name)

    def is_compatible_with(self, spec_or_tensor):
        """True when a tensor (or spec) has a compatible shape and the same dtype."""
        shape = getattr(spec_or_tensor, "shape", None)
        dtype = getattr(spec_or_tensor, "dtype", None)
        return self.shape.is_compatible_with(TensorShape(tuple(shape))) and \
            _dt.as_dtype(dtype) == self.dtype

    def __eq__(self, other):
        return isinstance(other, TensorSpec) and other.shape == self.shape and \
            other.dtype == self.dtype and other.name == self.name

    def __hash__(self):
        return hash((tuple(self.shape), self.dtype.name, self.name))

    def __repr__(self):
        return f"TensorSpec(shape={self.shape}, dtype={self.dtype!r}, name={self.name!r})"

"""The `Initializer` base class and the helpers the built-in initializers share."""
import numpy as np

from ...backend import dtypes as _dt
from ...backend import xp as _xp
from ...core.tensor import Tensor, convert_to_tensor
from ..backend import standardize_dtype
from ..saving.object_registration import keras_export

__all__ = ["Initializer"]

_FLOAT_NAMES = ("float16", "bfloat16", "float32", "float64")


@keras_export("keras.initializers")
class Initializer:
    """Initializer base class: all Keras initializers inherit from this class.

    Subclasses implement `__call__(self, shape, dtype=None)`, returning a tensor
    of that shape and dtype, and `get_config()` when their constructor takes
    arguments.

    Example:

    >>> class ExampleRandomNormal(keras.initializers.Initializer):
    ...     def __init__(self, mean, stddev):
    ...         self.mean = mean
    ...         self.stddev = stddev
    ...     def __call__(self, shape, dtype=None, **kwargs):
    ...         return keras.random.normal(shape, mean=self.mean,
    ...                                    stddev=self.stddev, dtype=dtype)
    ...     def get_config(self):
    ...         return {"mean": self.mean, "stddev": self.stddev}
    """

    def __call__(self, shape, dtype=None):
        """Returns a tensor of `shape` and `dtype` initialized as specified.

        Args:
            shape: shape of the tensor.
            dtype: optional dtype of the tensor (default `keras.config.floatx()`).
        """
        raise NotImplementedError(
            f"{type(self).__name__}: Initializer subclasses must implement the "
            "`__call__(shape, dtype=None)` method.")

    def get_config(self):
        """Returns the initializer's configuration as a JSON-serializable dict."""
        return {}

    @classmethod
    def from_config(cls, config):
        """Instantiates an initializer from the dict returned by `get_config()`.

        Example:
        >>> initializer = RandomUniform(-1, 1)
        >>> initializer = RandomUniform.from_config(initializer.get_config())
        """
        return cls(**config)

    def clone(self):
        """A new initializer with the same configuration."""
        return self.__class__.from_config(self.get_config())


# -- helpers -------------------------------------------------------------------------------------
def _shape(owner, shape):
    """`shape` as a tuple of non-negative ints, with an error naming `owner` otherwise."""
    if isinstance(shape, Tensor):
        shape = _xp.to_numpy(shape._a).tolist()
    elif hasattr(shape, "as_list"):
        shape = shape.as_list()
    if isinstance(shape, (int, np.integer)):
        shape = (int(shape),)
    try:
        out = tuple(int(d) for d in shape)
    except (TypeError, ValueError):
        raise ValueError(f"{owner}: `shape` must be a tuple of non-negative ints, got "
                         f"shape={shape!r}.") from None
    if any(d < 0 for d in out):
        raise ValueError(f"{owner}: `shape` has a negative dimension: shape={out}.")
    return out


def _np_dtype(dtype):
    """(standard dtype name, NumPy dtype) for `dtype` (None means floatx)."""
    name = standardize_dtype(dtype)
    return name, _dt.np_dtype(name)


def _float_dtype(owner, dtype):
    name, npd = _np_dtype(dtype)
    if name not in _FLOAT_NAMES:
        raise ValueError(f"{owner} requires a floating-point `dtype`, received dtype={name}. "
                         "Use float16, bfloat16, float32 or float64.")
    return name, npd


def _host(value):
    """A NumPy view of a Python number, array or Tensor."""
    if isinstance(value, Tensor):
        return _xp.to_numpy(value._a)
    return np.asarray(value)


def _scalar(owner, what, value):
    """A Python float from a number or scalar tensor."""
    arr = _host(value)
    if arr.ndim != 0 or arr.dtype.kind not in "iuf":
        raise ValueError(f"{owner}: `{what}` must be a Python number or a scalar tensor, got "
                         f"{what}={value!r}.")
    return float(arr)


def _to_tensor(arr, npd):
    """Wraps the NumPy result as a Tensor of dtype `npd` on the device in scope."""
    return convert_to_tensor(np.array(np.asarray(arr), dtype=npd, order="C"))

"""`Tensor`: an immutable array with a dtype and a device, and conversion to it.

A Tensor holds one backend array (`numpy.ndarray` or `cupy.ndarray`) in `_a`.
Operators (`+`, `@`, `[]`, ...) are attached by the op modules through
`overload`, so that this file does not depend on them.
"""
import numpy as np

from ..backend import dtypes as _dt
from ..backend import device as _device
from ..backend import xp as _xp
from .shapes import TensorShape

__all__ = ["Tensor", "convert_to_tensor", "constant", "to_array", "is_tensor"]

_new = object.__new__
_ndarray = np.ndarray
_from_np = _dt._FROM_NP
_INT32_MIN, _INT32_MAX = -2**31, 2**31 - 1


class Tensor:
    """A multidimensional array of one dtype on one device, as `tf.Tensor`.

    Tensors are made by `ts.constant`, `ts.convert_to_tensor` and by every op.
    They are immutable; `ts.Variable` holds state that changes.

    Attributes:
        shape: a `TensorShape` (compares equal to tuples and lists).
        dtype: a `ts.DType`.
        device: the full device name, e.g. `/job:localhost/replica:0/task:0/device:CPU:0`.
        ndim: the rank.

    Example:
    >>> x = ts.constant([[1., 2.], [3., 4.]])
    >>> (x @ x + 1).numpy()
    array([[ 8., 11.],
           [16., 23.]], dtype=float32)
    """

    __slots__ = ("_a", "_keras_mask", "_keras_logits", "__weakref__")
    _is_variable = False
    __array_priority__ = 100  # NumPy defers `ndarray + Tensor` to Tensor.__radd__

    @property
    def shape(self):
        return TensorShape._fast(self._a.shape)

    def get_shape(self):
        return TensorShape._fast(self._a.shape)

    @property
    def dtype(self):
        return _from_np.get(self._a.dtype) or _dt.as_dtype(self._a.dtype)

    @property
    def ndim(self):
        return self._a.ndim

    @property
    def rank(self):
        return self._a.ndim

    @property
    def device(self):
        a = self._a
        if isinstance(a, (_ndarray, np.generic)):
            return _device.CPU0.name
        return _device.Device("GPU", a.device.id).name

    @property
    def backing_device(self):
        return self.device

    @property
    def name(self):
        raise AttributeError(
            "Tensor.name is meaningless when eager execution is enabled (as in TensorFlow 2).")

    def numpy(self):
        """Returns the value as a NumPy array (a copy when it lives on a GPU)."""
        a = self._a
        if type(a) is _ndarray:
            return a
        if isinstance(a, np.generic):
            return a
        return _xp.to_numpy(a)

    def __array__(self, dtype=None, copy=None):
        a = self._a
        if not isinstance(a, (_ndarray, np.generic)):
            a = _xp.to_numpy(a)
        if dtype is not None and a.dtype != dtype:
            return np.asarray(a.astype(dtype))
        if copy:
            return np.array(a, copy=True)
        return np.asarray(a)

    def ref(self):
        """Returns a hashable reference to this tensor (tensors are not hashable)."""
        return _Ref(self)

    def experimental_ref(self):
        return _Ref(self)

    def __hash__(self):
        raise TypeError("Tensor is unhashable. Instead, use tensor.ref() as the key.")

    def __len__(self):
        if self._a.ndim == 0:
            raise TypeError("len() of a scalar (rank-0) tensor is not defined.")
        return self._a.shape[0]

    def __iter__(self):
        if self._a.ndim == 0:
            raise TypeError("Cannot iterate over a scalar tensor.")
        from ..ops import array as _array
        return iter(_array.unstack(self, axis=0))

    def __bool__(self):
        a = self._a
        if a.size != 1:
            raise ValueError(
                f"The truth value of a tensor of shape {tuple(a.shape)} is ambiguous: "
                "reduce it first with ts.reduce_any(x) or ts.reduce_all(x).")
        return bool(a)

    def __float__(self):
        return float(self._scalar("float"))

    def __int__(self):
        return int(self._scalar("int"))

    def __index__(self):
        if not self.dtype.is_integer:
            raise TypeError(f"Only integer scalar tensors can be used as an index, got {self.dtype.name}.")
        return int(self._scalar("index"))

    def __complex__(self):
        return complex(self._scalar("complex"))

    def _scalar(self, what):
        a = self._a
        if a.size != 1:
            raise TypeError(
                f"{what}() needs a tensor with one element, got shape {tuple(a.shape)}.")
        return _xp.to_numpy(a).reshape(()).item() if a.ndim else _xp.to_numpy(a).item()

    def __format__(self, spec):
        if self._a.ndim == 0:
            return format(_xp.to_numpy(self._a).item(), spec)
        return format(str(self), spec)

    def __repr__(self):
        arr = self.numpy()
        return (f"<tf.Tensor: shape={_shape_str(arr.shape)}, dtype={self.dtype.name}, "
                f"numpy={_np_repr(arr)}>")

    def __str__(self):
        return f"tf.Tensor(\n{_np_str(self.numpy())}, shape={_shape_str(self._a.shape)}, dtype={self.dtype.name})" \
            if self._a.ndim > 1 else \
            f"tf.Tensor({_np_str(self.numpy())}, shape={_shape_str(self._a.shape)}, dtype={self.dtype.name})"

    def __reduce__(self):
        return (constant, (self.numpy(),))

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return _wrap(self._a.copy())

    # TF-style methods that are not operators
    def set_shape(self, shape):
        if not TensorShape(shape).is_compatible_with(self.shape):
            raise ValueError(f"Tensor's shape {self.shape} is not compatible with {TensorShape(shape)}.")

    def cpu(self):
        return _wrap(_xp.to_numpy(self._a))

    def gpu(self, index=0):
        with _device.device(f"/GPU:{index}"):
            return constant(self)


def _shape_str(shape):
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def _np_repr(arr):
    if isinstance(arr, np.generic) or getattr(arr, "ndim", 1) == 0:
        return _scalar_str(arr)
    return repr(arr)


def _scalar_str(arr):
    v = np.asarray(arr).reshape(())[()]
    if isinstance(v, (np.floating, np.integer, np.bool_)):
        return str(v)
    return repr(v)


def _np_str(arr):
    arr = np.asarray(arr)
    if arr.ndim == 0:
        return _scalar_str(arr)
    return np.array2string(arr, separator=" ")


class _Ref:
    """A hashable wrapper around a tensor or variable (from `x.ref()`)."""

    __slots__ = ("_t",)

    def __init__(self, t):
        self._t = t

    def deref(self):
        return self._t

    def __hash__(self):
        return id(self._t)

    def __eq__(self, other):
        return isinstance(other, _Ref) and other._t is self._t

    def __repr__(self):
        return f"<Reference wrapping {self._t!r}>"


def _wrap(a):
    """Wraps a backend array into a Tensor without checks (the fast path)."""
    t = _new(Tensor)
    t._a = a
    return t


def is_tensor(x):
    """True for Tensors and Variables, as `tf.is_tensor`."""
    return isinstance(x, Tensor) or type(x).__name__ == "KerasTensor"


def overload(name, fn):
    """Attaches `fn` to Tensor as method `name` (used by the op modules)."""
    setattr(Tensor, name, fn)


def _python_array(value, dtype):
    """NumPy array from Python data, with TensorFlow's inference rules."""
    if dtype is not None:
        npd = _dt.np_dtype(dtype)
        try:
            arr = np.asarray(value)
        except ValueError as e:
            raise ValueError(f"Cannot convert a ragged nested list to a tensor: {e}. "
                             "Every row must have the same length (pad it).") from None
        if arr.dtype.kind == "f" and npd.kind in "iub" and not np.all(np.isfinite(arr) & (arr == np.round(arr))):
            raise TypeError(
                f"Cannot convert {value!r} to a tensor of dtype {_dt.as_dtype(npd).name}: "
                "it holds non-integer values. Round it first or use a float dtype.")
        return np.asarray(arr, dtype=npd)
    try:
        arr = np.asarray(value)
    except ValueError as e:
        raise ValueError(f"Cannot convert a ragged nested list to a tensor: {e}. "
                         "Every row must have the same length (pad it).") from None
    k = arr.dtype.kind
    if k == "f" and arr.dtype == np.float64:
        return arr.astype(np.float32)
    if k == "i" and arr.dtype == np.int64:
        if arr.size == 0 or (arr.min() >= _INT32_MIN and arr.max() <= _INT32_MAX):
            return arr.astype(np.int32)
        return arr
    if k == "O":
        raise TypeError(f"Cannot convert {value!r} to a tensor: mixed or non-numeric data.")
    if k in "US":
        return arr.astype(object)
    return arr


def _place(arr):
    dev = _device.current()
    if dev.device_type == "CPU":
        return arr
    return dev.xp.asarray(arr)


def to_array(value, dtype=None):
    """Returns the backend array behind `value` (Tensor, Variable, NumPy or Python data)."""
    if isinstance(value, Tensor):
        a = value._a
        if dtype is not None and a.dtype != _dt.np_dtype(dtype):
            raise _dtype_mismatch(_dt.as_dtype(dtype), value.dtype)
        return a
    if isinstance(value, (_ndarray, np.generic)):
        if dtype is not None:
            return _place(np.asarray(value, dtype=_dt.np_dtype(dtype)))
        return _place(value)
    if hasattr(value, "__cuda_array_interface__"):
        return value
    if isinstance(value, (list, tuple)) and value and any(isinstance(v, Tensor) for v in _flat(value)):
        from ..ops import array as _array
        return _array.stack(list(value))._a if dtype is None else \
            _array.stack(list(value))._a.astype(_dt.np_dtype(dtype))
    if hasattr(value, "__tessera_tensor__"):
        return to_array(value.__tessera_tensor__(), dtype)
    if type(value).__name__ == "KerasTensor":
        raise TypeError(
            "A symbolic KerasTensor cannot be converted to a value: it only has a shape. "
            "Use keras.ops functions inside a functional model, or call the model on data.")
    return _place(_python_array(value, dtype))


def _flat(v):
    for x in v:
        if isinstance(x, (list, tuple)):
            yield from _flat(x)
        else:
            yield x


def _dtype_mismatch(want, got):
    return ValueError(
        f"Tensor conversion requested dtype {want.name} for a Tensor of dtype {got.name}. "
        f"Cast it first: ts.cast(x, ts.{want.name}).")


def convert_to_tensor(value, dtype=None, dtype_hint=None, name=None):
    """Converts Python data, NumPy arrays and tensors to a `Tensor`.

    Args:
        value: a Tensor, Variable, NumPy array, Python scalar or nested list.
        dtype: the dtype required. A Tensor of another dtype is an error (cast
            it with `ts.cast`); Python and NumPy data are converted.
        dtype_hint: the dtype to use for Python data when `dtype` is None.
        name: ignored (graph-mode name).

    Returns:
        A `Tensor`. Python floats become float32 and ints int32, as in TensorFlow.
    """
    if type(value) is Tensor:
        if dtype is not None and value._a.dtype != _dt.np_dtype(dtype):
            raise _dtype_mismatch(_dt.as_dtype(dtype), value.dtype)
        return value
    if isinstance(value, Tensor):  # a Variable: read its value
        if dtype is not None and value._a.dtype != _dt.np_dtype(dtype):
            raise _dtype_mismatch(_dt.as_dtype(dtype), value.dtype)
        return value.read_value()
    if dtype is None and dtype_hint is not None and not isinstance(value, (_ndarray, np.generic)):
        try:
            return _wrap(to_array(value, dtype_hint))
        except (TypeError, ValueError):
            pass
    return _wrap(to_array(value, dtype))


def constant(value, dtype=None, shape=None, name="Const"):
    """Creates a constant tensor, as `tf.constant`.

    Args:
        value: a Python scalar, nested list, NumPy array or tensor.
        dtype: the element type; values are cast to it (Python floats default
            to float32, ints to int32).
        shape: optional shape; a scalar value is broadcast to it, other values
            reshaped to it.
        name: ignored.

    Returns:
        A `Tensor`.

    Example:
    >>> ts.constant(0., shape=[2, 2]).numpy()
    array([[0., 0.],
           [0., 0.]], dtype=float32)
    """
    if isinstance(value, Tensor):
        a = value._a
        if dtype is not None and a.dtype != _dt.np_dtype(dtype):
            a = a.astype(_dt.np_dtype(dtype))
        dev = _device.current()
        if dev.device_type == "GPU" or not isinstance(a, (_ndarray, np.generic)):
            a = dev.xp.asarray(a)
    elif isinstance(value, (_ndarray, np.generic)) and dtype is not None:
        a = _place(np.array(value, dtype=_dt.np_dtype(dtype)))
    else:
        a = to_array(value, dtype)
        if a is value:
            a = a.copy()
    if shape is not None:
        shape = tuple(TensorShape(shape))
        xp = _xp.of(a)
        if a.size == 1 and int(np.prod(shape)) != 1:
            a = xp.broadcast_to(a.reshape(()), shape).copy()
        elif a.size == int(np.prod(shape)):
            a = a.reshape(shape)
        else:
            raise TypeError(
                f"Eager execution of tf.constant with unsupported shape: value has "
                f"{a.size} elements, shape is {list(shape)} with {int(np.prod(shape))} elements.")
    return _wrap(a)

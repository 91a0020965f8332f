"""Creating tensors and reading their metadata: zeros, ones, fill, eye, range, cast, shape..."""
import builtins

import numpy as np

from ..backend import dtypes as _dt
from ..backend import xp as _xp
from ..core import errors as _errors
from ..core.tensor import constant, convert_to_tensor
from ._common import Primitive, Tensor, _wrap, t, unary, to_array

__all__ = ["zeros", "ones", "fill", "zeros_like", "ones_like", "eye", "range", "linspace",
           "identity", "cast", "shape", "size", "rank", "broadcast_to", "constant",
           "convert_to_tensor"]


def _shape_arg(shape, opname):
    if isinstance(shape, Tensor):
        shape = _xp.to_numpy(shape._a).tolist()
    if isinstance(shape, (int, np.integer)):
        shape = (int(shape),)
    try:
        out = tuple(int(d) for d in shape)
    except (TypeError, ValueError):
        raise _errors.InvalidArgumentError(
            None, opname, f"{opname}: shape must be a list of ints, got {shape!r}.") from None
    if any(d < 0 for d in out):
        raise _errors.InvalidArgumentError(
            None, opname, f"{opname}: shape {list(out)} has a negative dimension.")
    return out


def zeros(shape, dtype="float32", name=None, layout=None):
    """Creates a tensor of zeros, as `tf.zeros`.

    Args:
        shape: a list/tuple of ints or a 1-D integer tensor.
        dtype: element type (default float32).
    """
    return _wrap(_xp.current().zeros(_shape_arg(shape, "zeros"), dtype=_dt.np_dtype(dtype)))


def ones(shape, dtype="float32", name=None, layout=None):
    """Creates a tensor of ones, as `tf.ones`."""
    return _wrap(_xp.current().ones(_shape_arg(shape, "ones"), dtype=_dt.np_dtype(dtype)))


def fill(dims, value, name=None, layout=None):
    """Creates a tensor of shape `dims` filled with the scalar `value` (its dtype is the value's)."""
    v = to_array(value)
    if v.ndim != 0:
        raise _errors.InvalidArgumentError(None, "Fill", f"fill: value must be a scalar, got shape {v.shape}.")
    xp = _xp.current()
    return _wrap(xp.full(_shape_arg(dims, "fill"), v, dtype=v.dtype))


def zeros_like(input, dtype=None, name=None, layout=None):
    """A tensor of zeros with the shape (and by default dtype) of `input`."""
    a = t(input)._a
    xp = _xp.of(a)
    return _wrap(xp.zeros(a.shape, dtype=_dt.np_dtype(dtype) if dtype is not None else a.dtype))


def ones_like(input, dtype=None, name=None, layout=None):
    """A tensor of ones with the shape (and by default dtype) of `input`."""
    a = t(input)._a
    xp = _xp.of(a)
    return _wrap(xp.ones(a.shape, dtype=_dt.np_dtype(dtype) if dtype is not None else a.dtype))


def eye(num_rows, num_columns=None, batch_shape=None, dtype="float32", name=None):
    """An identity matrix (or a batch of them), as `tf.eye`."""
    xp = _xp.current()
    m = xp.eye(int(num_rows), int(num_columns) if num_columns is not None else None,
               dtype=_dt.np_dtype(dtype))
    if batch_shape is not None:
        bs = _shape_arg(batch_shape, "eye")
        m = xp.broadcast_to(m, bs + m.shape).copy()
    return _wrap(m)


def range(start, limit=None, delta=1, dtype=None, name="range"):
    """A 1-D sequence `start, start+delta, ...` below `limit`, as `tf.range`.

    The dtype is inferred like TensorFlow: int32 for ints, float32 if any
    argument is a float.
    """
    if limit is None:
        start, limit = 0, start
    vals = [to_array(v) if isinstance(v, Tensor) else v for v in (start, limit, delta)]
    vals = [_xp.to_numpy(v).item() if hasattr(v, "dtype") and getattr(v, "ndim", 0) == 0 and not isinstance(v, (int, float)) else v for v in vals]
    if delta == 0:
        raise _errors.InvalidArgumentError(None, "Range", "range: delta must not be zero.")
    if dtype is None:
        if any(isinstance(v, Tensor) for v in (start, limit, delta)):
            dt = [x.dtype for x in (start, limit, delta) if isinstance(x, Tensor)][0]
            npd = dt.np
        elif any(isinstance(v, float) for v in vals):
            npd = np.float32
        else:
            npd = np.int32
    else:
        npd = _dt.np_dtype(dtype)
    return _wrap(_xp.current().arange(vals[0], vals[1], vals[2], dtype=npd))


def linspace(start, stop, num, name=None, axis=0):
    """`num` evenly spaced values from `start` to `stop` inclusive, as `tf.linspace`."""
    s, e = t(start), t(stop)
    dt = s._a.dtype if s._a.dtype.kind == "f" else np.float64 if s._a.dtype == np.int64 else np.float32
    xp = _xp.of(s._a)
    return _wrap(xp.linspace(s._a.astype(dt), e._a.astype(dt), int(num), axis=axis).astype(dt))


_identity = Primitive("Identity")
_identity._fwd = lambda a: a
_identity._grad = lambda g, out, x: g


def identity(input, name=None):
    """Returns a tensor with the same value (a Variable's current value), as `tf.identity`."""
    return _identity(t(input))


def _cast_fwd(a, dtype=None):
    return a.astype(dtype, copy=False)


_cast = Primitive("Cast")
_cast._fwd = _cast_fwd
_cast._grad = lambda g, out, x, dtype=None: cast(g, x.dtype) if x._a.dtype.kind in "fcV" else None


def cast(x, dtype, name=None):
    """Casts `x` to `dtype`, as `tf.cast`.

    Floats cast to integers truncate toward zero; casting to bool tests `!= 0`.
    Gradients flow between floating dtypes only.
    """
    x = t(x)
    npd = _dt.np_dtype(dtype)
    if x._a.dtype == npd:
        return x if not x._is_variable else x.read_value()
    return _cast(x, dtype=npd)


def shape(input, out_type="int32", name=None):
    """The shape of `input` as a 1-D integer tensor, as `tf.shape`."""
    a = t(input)._a
    return _wrap(np.asarray(a.shape, dtype=_dt.np_dtype(out_type)))


def shape_n(input, out_type="int32", name=None):
    return [shape(x, out_type) for x in input]


def size(input, out_type="int32", name=None):
    """The number of elements of `input` as a scalar integer tensor."""
    return _wrap(np.asarray(t(input)._a.size, dtype=_dt.np_dtype(out_type)))


def rank(input, name=None):
    """The rank of `input` as a scalar int32 tensor."""
    return _wrap(np.asarray(t(input)._a.ndim, dtype=np.int32))


def _broadcast_to_fwd(a, shape=None):
    return _xp.of(a).broadcast_to(a, shape)


_broadcast_to = Primitive("BroadcastTo")
_broadcast_to._fwd = _broadcast_to_fwd
_broadcast_to._grad = lambda g, out, x, shape=None: g  # the tape sums back to x's shape


def broadcast_to(input, shape, name=None):
    """Broadcasts `input` to `shape` (NumPy broadcasting rules), as `tf.broadcast_to`."""
    x = t(input)
    shp = _shape_arg(shape, "BroadcastTo")
    try:
        np.broadcast_shapes(x._a.shape, shp)
    except ValueError:
        raise _errors.InvalidArgumentError(
            None, "BroadcastTo",
            f"broadcast_to: cannot broadcast shape {tuple(x._a.shape)} to {shp}: each axis "
            "must be equal or 1, aligned from the right.") from None
    return _broadcast_to(x, shape=shp)

__api__ = {"ts": __all__ + ["shape_n"], "math": []}

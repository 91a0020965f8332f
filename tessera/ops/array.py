"""Array manipulation: reshape, transpose, concat, stack, gather, scatter, where, indexing..."""
import numpy as np

from ..backend import xp as _xp
from ..core import errors as _errors
from ..core.tensor import overload
from ._common import Primitive, Tensor, _wrap, norm_axis, t, xp_of


def _reshape_fwd(a, shape=None):
    return a.reshape(shape)


_reshape = Primitive("Reshape")
_reshape._fwd = _reshape_fwd
_reshape._grad = lambda g, out, x, shape=None: reshape(g, x._a.shape)


def reshape(tensor, shape, name=None):
    """Gives `tensor` a new shape with the same elements; one dimension may be -1.

    Example:
    >>> ts.reshape(ts.range(6), [2, -1]).shape
    TensorShape([2, 3])
    """
    x = t(tensor)
    if isinstance(shape, Tensor):
        shape = _xp.to_numpy(shape._a).tolist()
    if isinstance(shape, (int, np.integer)):
        shape = (int(shape),)
    shape = tuple(-1 if d is None else int(d) for d in shape)
    n = x._a.size
    known = 1
    for d in shape:
        if d != -1:
            known *= d
    if shape.count(-1) > 1 or (shape.count(-1) == 0 and known != n) or (
            shape.count(-1) == 1 and (known == 0 or n % known)):
        raise _errors.InvalidArgumentError(
            None, "Reshape",
            f"reshape: cannot reshape a tensor of shape {tuple(x._a.shape)} ({n} elements) "
            f"into shape {list(shape)}: the element counts differ. Use -1 for the one "
            "dimension to infer.")
    return _reshape(x, shape=shape)


def _stack_fwd(*arrays, axis=0):
    return xp_of(arrays[0]).stack(arrays, axis=axis)


def _stack_grad(g, out, *xs, axis=0):
    return unstack(g, axis=axis)


_stack = Primitive("Pack")
_stack._fwd = _stack_fwd
_stack._grad = _stack_grad


def stack(values, axis=0, name="stack"):
    """Stacks tensors of one shape along a new axis, as `tf.stack`."""
    vals = [t(v) for v in values]
    if not vals:
        raise _errors.InvalidArgumentError(None, "Pack", "stack: needs at least one tensor.")
    shapes = {tuple(v._a.shape) for v in vals}
    if len(shapes) > 1:
        raise _errors.InvalidArgumentError(
            None, "Pack", f"stack: all tensors must have the same shape, got {sorted(shapes)}.")
    dts = {v._a.dtype for v in vals}
    if len(dts) > 1:
        raise _errors.InvalidArgumentError(
            None, "Pack", f"stack: all tensors must have the same dtype, got {sorted(str(d) for d in dts)}. "
            "Cast them to one dtype with ts.cast.")
    nd = vals[0]._a.ndim + 1
    ax = norm_axis(axis, nd, "stack")[0]
    return _stack(*vals, axis=ax)


def _unstack_fwd(a, axis=0, num=None):
    return tuple(xp_of(a).moveaxis(a, axis, 0))


class _Unstack(Primitive):
    __slots__ = ()


def unstack(value, num=None, axis=0, name="unstack"):
    """Splits `value` along `axis` into a list of tensors, as `tf.unstack`."""
    x = t(value)
    if x._a.ndim == 0:
        raise _errors.InvalidArgumentError(None, "Unpack", "unstack: cannot unstack a scalar.")
    ax = norm_axis(axis, x._a.ndim, "unstack")[0]
    n = x._a.shape[ax]
    if num is not None and num != n:
        raise _errors.InvalidArgumentError(None, "Unpack", f"unstack: num={num} but axis {axis} has {n} elements.")
    if n == 1:
        return [_squeeze_axis(x, ax)]
    prim = _UNSTACK.get(n)
    if prim is None:
        prim = _UNSTACK[n] = Primitive(f"Unpack{n}", n_out=n, register=False)
        prim._fwd = _unstack_fwd
        prim._grad = lambda gs, outs, x, axis=0, num=None: stack(gs, axis=axis)
    return list(prim(x, axis=ax))


_UNSTACK = {}


def _squeeze_axis(x, ax):
    shape = list(x._a.shape)
    del shape[ax]
    return reshape(x, shape)


def _where_fwd(c, x, y):
    return xp_of(x).where(c, x, y)


def _where_grad(g, out, c, x, y):
    from .creation import zeros_like
    z = zeros_like(g)
    return None, where(c, g, z), where(c, z, g)


_where3 = Primitive("SelectV2")
_where3._fwd = _where_fwd
_where3._grad = _where_grad


def where(condition, x=None, y=None, name=None):
    """Elements of `x` where `condition` is true, else of `y` (broadcasting), as `tf.where`.

    With only `condition`, returns the coordinates of its true elements as an
    int64 tensor of shape `(num_true, rank)`.
    """
    c = t(condition)
    if x is None and y is None:
        a = c._a
        return _wrap(xp_of(a).argwhere(a).astype(np.int64))
    if x is None or y is None:
        raise ValueError("where: give both x and y, or neither.")
    if c._a.dtype != np.bool_:
        raise _errors.InvalidArgumentError(
            None, "SelectV2", f"where: condition must be bool, got {c.dtype.name}. "
            "Compare first, e.g. ts.where(x > 0, ...).")
    from ._common import coerce_pair
    x, y, xa, ya = coerce_pair("SelectV2", x, y)
    x = x if isinstance(x, Tensor) else _wrap(xa)
    y = y if isinstance(y, Tensor) else _wrap(ya)
    return _where3(c, x, y)

__api__ = {"ts": ["reshape", "stack", "unstack", "where"]}

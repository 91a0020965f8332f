"""Helpers shared by the op families: building unary ops, argument checks."""
import numpy as np

from ..backend import dtypes as _dt
from ..backend import xp as _xp
from ..core import errors as _errors
from ..core.primitive import TAPES, Primitive, binary, coerce_pair, record
from ..core.tensor import Tensor, _wrap, convert_to_tensor, to_array

__all__ = ["unary", "binary", "Primitive", "Tensor", "_wrap", "convert_to_tensor", "to_array",
           "t", "xp_of", "check_float", "check_int", "norm_axis", "TAPES", "record", "coerce_pair"]

_new = object.__new__
FLOAT = "fcV"       # float, complex, bfloat16
REAL_FLOAT = "fV"
NUMERIC = "iufcV"


def t(x, dtype=None):
    """Converts `x` to a Tensor (Variables pass through: the tape snapshots them)."""
    if isinstance(x, Tensor):
        if dtype is not None and x._a.dtype != _dt.np_dtype(dtype):
            return convert_to_tensor(x, dtype)
        return x
    return convert_to_tensor(x, dtype)


def xp_of(a):
    """The array module of backend array `a`."""
    return _xp.of(a)


def check_float(opname, x, kinds=FLOAT):
    """Raises a helpful error unless tensor `x` has a floating dtype."""
    if x._a.dtype.kind not in kinds:
        raise _errors.InvalidArgumentError(
            None, opname,
            f"{opname} expects a floating-point tensor, got {x.dtype.name} "
            f"(shape {tuple(x._a.shape)}). Cast it first: ts.cast(x, ts.float32).")


def check_int(opname, x, what="indices"):
    """Converts `x` to a Tensor and raises a helpful error unless it has an integer dtype."""
    x = t(x)
    if x._a.dtype.kind not in "iu":
        raise _errors.InvalidArgumentError(
            None, opname,
            f"{opname}: {what} must be int32 or int64, got {x.dtype.name}; cast them with "
            f"ts.cast({what}, ts.int32).")
    return x


def unary(name, fn, grad=None, kinds=None, differentiable=True):
    """Registers an elementwise unary primitive and returns its fast eager function.

    Args:
        name: the TensorFlow op name.
        fn: the forward on arrays (e.g. `np.exp`).
        grad: `grad(g, out, x) -> Tensor`, written with Tessera ops.
        kinds: NumPy dtype kinds accepted (e.g. "fcV" for float-only ops);
            others raise an error naming the cast to write.
        differentiable: False for ops like `sign`, `floor` (no gradient flows).

    Returns:
        `(op, primitive)`, where `op(x, name=None)` is the public function.
    """
    prim = Primitive(name, differentiable=differentiable)
    prim._fwd = fn
    prim._grad = grad

    def op(x, name=None):
        if not isinstance(x, Tensor):
            x = convert_to_tensor(x)
        a = x._a
        if kinds is not None and a.dtype.kind not in kinds:
            check_float(prim.name, x, kinds)
        try:
            out = fn(a)
        except (ValueError, TypeError) as e:
            raise _errors.op_failure(prim.name, (a,), e) from None
        res = _new(Tensor)
        res._a = out
        if TAPES:
            record(prim, (x,), res, {})
        return res

    op.__name__ = name
    return op, prim


def norm_axis(axis, ndim, opname="op"):
    """Normalises an int/list/tuple/Tensor axis argument to a tuple of non-negative ints."""
    if axis is None:
        return None
    if isinstance(axis, Tensor):
        axis = _xp.to_numpy(axis._a).tolist()
    if isinstance(axis, (np.integer, int)):
        axis = (int(axis),)
    out = []
    for a in axis:
        a = int(a)
        if not -ndim <= a < max(ndim, 1):
            raise _errors.InvalidArgumentError(
                None, opname,
                f"{opname}: axis {a} is out of range for a tensor of rank {ndim} "
                f"(valid: {-ndim} to {ndim - 1}).")
        out.append(a % ndim if ndim else 0)
    return tuple(out)

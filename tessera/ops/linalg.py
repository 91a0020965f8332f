"""Linear algebra (`ts.linalg`): matmul, tensordot, einsum, inv, det, solve, decompositions."""
import numpy as np

from ..core import errors as _errors
from ..core.tensor import overload
from ._common import FLOAT, Primitive, Tensor, _wrap, check_float, coerce_pair, t, xp_of


def _mt(a):
    return a.swapaxes(-1, -2) if a.ndim >= 2 else a


def _matmul_fwd(a, b, transpose_a=False, transpose_b=False):
    if transpose_a:
        a = _mt(a)
    if transpose_b:
        b = _mt(b)
    return xp_of(a).matmul(a, b)


def _matmul_grad(g, out, a, b, transpose_a=False, transpose_b=False):
    if not transpose_a and not transpose_b:
        return matmul(g, b, transpose_b=True), matmul(a, g, transpose_a=True)
    if transpose_a and not transpose_b:
        return matmul(b, g, transpose_b=True), matmul(a, g)
    if not transpose_a and transpose_b:
        return matmul(g, b), matmul(g, a, transpose_a=True)
    return matmul(b, g, transpose_a=True, transpose_b=True), matmul(g, a, transpose_a=True, transpose_b=True)


_matmul = Primitive("MatMul")
_matmul._fwd = _matmul_fwd
_matmul._grad = _matmul_grad


def matmul(a, b, transpose_a=False, transpose_b=False, adjoint_a=False, adjoint_b=False,
           a_is_sparse=False, b_is_sparse=False, output_type=None, grad_a=False, grad_b=False,
           name=None):
    """Matrix product `a @ b` over the last two axes (batched over the rest), as `tf.matmul`.

    Args:
        a, b: tensors of rank >= 2 with matching inner dimensions.
        transpose_a, transpose_b: transpose the last two axes first.
        adjoint_a, adjoint_b: conjugate-transpose (same as transpose for real dtypes).

    Example:
    >>> ts.matmul(ts.ones([2, 3]), ts.ones([3, 4])).shape
    TensorShape([2, 4])
    """
    a, b, aa, ba = coerce_pair("MatMul", a, b)
    ta = bool(transpose_a or adjoint_a)
    tb = bool(transpose_b or adjoint_b)
    if aa.ndim < 2 or ba.ndim < 2:
        raise _errors.InvalidArgumentError(
            None, "MatMul",
            f"matmul: both inputs need rank >= 2, got shapes {tuple(aa.shape)} and {tuple(ba.shape)}. "
            "Use ts.expand_dims to add an axis, or ts.tensordot for vectors.")
    ka = aa.shape[-2] if ta else aa.shape[-1]
    kb = ba.shape[-1] if tb else ba.shape[-2]
    if ka != kb:
        raise _errors.InvalidArgumentError(
            None, "MatMul",
            f"matmul: inner dimensions differ: a has shape {tuple(aa.shape)}"
            f"{' (transposed)' if ta else ''} and b has shape {tuple(ba.shape)}"
            f"{' (transposed)' if tb else ''}, so {ka} != {kb}. Transpose or reshape an input.")
    if adjoint_a and aa.dtype.kind == "c":
        aa = aa.conj()
    if adjoint_b and ba.dtype.kind == "c":
        ba = ba.conj()
    a = a if isinstance(a, Tensor) else _wrap(aa)
    b = b if isinstance(b, Tensor) else _wrap(ba)
    return _matmul(a, b, transpose_a=ta, transpose_b=tb)


overload("__matmul__", lambda self, other: matmul(self, other))
overload("__rmatmul__", lambda self, other: matmul(other, self))

__api__ = {"ts": ["matmul"], "linalg": ["matmul"], "math": ["matmul"]}

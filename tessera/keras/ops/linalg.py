"""`keras.ops.linalg` (also at `keras.ops` top level): inverses, determinants,
solves and decompositions of (batches of) matrices in the last two axes."""
import numpy as np

import tessera as ts

from .math import qr
from .operation import float_tensor, keras_op, promote

__all__ = ["inv", "det", "solve", "solve_triangular", "cholesky", "norm", "svd", "eigh", "qr",
           "slogdet"]


def _square(opname, x):
    s = tuple(x.shape)
    if len(s) < 2 or s[-1] != s[-2]:
        raise ValueError(f"keras.ops.{opname} expects square matrices in the last two axes, got "
                         f"shape {s}.")


@keras_op("linalg", probe="eye")
def inv(x):
    """The inverse of square matrix `x`."""
    x = float_tensor(x)
    _square("inv", x)
    return ts.linalg.inv(x)


@keras_op("linalg", probe="eye")
def det(x):
    """The determinant of square matrix `x`."""
    x = float_tensor(x)
    _square("det", x)
    return ts.linalg.det(x)


@keras_op("linalg", probe="eye")
def slogdet(x):
    """`(sign, log|det|)` of square matrix `x`."""
    x = float_tensor(x)
    _square("slogdet", x)
    sign, logabs = ts.linalg.slogdet(x)
    return sign, logabs


@keras_op("linalg", tensors=("a", "b"), probe="eye")
def solve(a, b):
    """`x` with `a @ x = b`; a 1-D `b` is a single right-hand side."""
    a, b = promote(float_tensor(a), float_tensor(b))
    _square("solve", a)
    if b.shape.rank == a.shape.rank - 1:
        return ts.squeeze(ts.linalg.solve(a, ts.expand_dims(b, -1)), [-1])
    return ts.linalg.solve(a, b)


@keras_op("linalg", tensors=("a", "b"), probe="eye")
def solve_triangular(a, b, lower=False):
    """`x` with `a @ x = b` for triangular `a` (`lower` says which triangle is used)."""
    a, b = promote(float_tensor(a), float_tensor(b))
    if b.shape.rank == a.shape.rank - 1:
        return ts.squeeze(ts.linalg.triangular_solve(a, ts.expand_dims(b, -1), lower=lower),
                          [-1])
    return ts.linalg.triangular_solve(a, b, lower=lower)


@keras_op("linalg", probe="eye")
def cholesky(x, upper=False):
    """The Cholesky factor of positive-definite `x` (lower, or upper with `upper=True`)."""
    x = float_tensor(x)
    _square("cholesky", x)
    out = ts.linalg.cholesky(x)
    return ts.linalg.adjoint(out) if upper else out


@keras_op("linalg", probe="eye")
def svd(x, full_matrices=True, compute_uv=True):
    """`(u, s, vh)` with `x = u @ diag(s) @ vh`; only `s` when `compute_uv=False`."""
    x = float_tensor(x)
    if not compute_uv:
        return ts.linalg.svd(x, full_matrices=full_matrices, compute_uv=False)
    s, u, v = ts.linalg.svd(x, full_matrices=full_matrices, compute_uv=True)
    return u, s, ts.linalg.adjoint(v)


@keras_op("linalg", probe="eye")
def eigh(x):
    """`(eigenvalues, eigenvectors)` of Hermitian `x` (ascending eigenvalues)."""
    x = float_tensor(x)
    _square("eigh", x)
    w, v = ts.linalg.eigh(x)
    return w, v


def _vector_norm(x, ord, axis, keepdims):
    a = ts.abs(x)
    if ord is None or ord == 2:
        return ts.sqrt(ts.reduce_sum(ts.square(a), axis=axis, keepdims=keepdims))
    if ord == np.inf:
        return ts.reduce_max(a, axis=axis, keepdims=keepdims)
    if ord == -np.inf:
        return ts.reduce_min(a, axis=axis, keepdims=keepdims)
    if ord == 0:
        return ts.reduce_sum(ts.cast(ts.not_equal(a, ts.zeros_like(a)), a.dtype), axis=axis,
                             keepdims=keepdims)
    if ord == 1:
        return ts.reduce_sum(a, axis=axis, keepdims=keepdims)
    if isinstance(ord, str):
        raise ValueError(f"keras.ops.norm: ord={ord!r} is a matrix norm; vector norms take "
                         "a number.")
    p = ts.cast(float(ord), a.dtype)
    return ts.pow(ts.reduce_sum(ts.pow(a, p), axis=axis, keepdims=keepdims), 1.0 / p)


def _matrix_norm(x, ord, axes, keepdims):
    r, c = axes
    nd = x.shape.rank
    a = ts.abs(x)
    if ord in (None, "fro"):
        out = ts.sqrt(ts.reduce_sum(ts.square(a), axis=[r, c], keepdims=keepdims))
        return out
    if ord in (1, -1, np.inf, -np.inf):
        red, pick = (r, c) if ord in (1, -1) else (c, r)
        s = ts.reduce_sum(a, axis=red, keepdims=True)
        f = ts.reduce_max if ord in (1, np.inf) else ts.reduce_min
        out = f(s, axis=pick, keepdims=True)
        return out if keepdims else ts.squeeze(out, [r, c])
    if ord in ("nuc", 2, -2):
        perm = [i for i in range(nd) if i not in (r, c)] + [r, c]
        sv = ts.linalg.svd(ts.transpose(x, perm), compute_uv=False)
        out = ts.reduce_sum(sv, axis=-1) if ord == "nuc" else \
            (ts.reduce_max(sv, axis=-1) if ord == 2 else ts.reduce_min(sv, axis=-1))
        if keepdims:
            for ax in sorted((r, c)):
                out = ts.expand_dims(out, ax)
        return out
    raise ValueError(f"keras.ops.norm: invalid ord {ord!r} for a matrix norm; use None, 'fro', "
                     "'nuc', 1, -1, 2, -2, inf or -inf.")


@keras_op("linalg")
def norm(x, ord=None, axis=None, keepdims=False):
    """A vector or matrix norm, with NumPy's `ord` and `axis` conventions."""
    x = float_tensor(x)
    nd = x.shape.rank
    if axis is None:
        if ord is None:
            out = _vector_norm(ts.reshape(x, [-1]), None, 0, False)
            return ts.reshape(out, [1] * nd) if keepdims else out
        if nd == 1:
            axis = 0
        elif nd == 2:
            axis = (0, 1)
        else:
            raise ValueError("keras.ops.norm: give `axis` when `ord` is set and x has rank "
                             f"{nd} (not 1 or 2).")
    if isinstance(axis, (list, tuple)):
        if len(axis) == 1:
            return _vector_norm(x, ord, int(axis[0]), keepdims)
        if len(axis) == 2:
            return _matrix_norm(x, ord, (axis[0] % nd, axis[1] % nd), keepdims)
        raise ValueError(f"keras.ops.norm: `axis` must be an int or a pair, got {axis!r}.")
    return _vector_norm(x, ord, int(axis), keepdims)


qr = qr

"""Matrix functions and decompositions for `ts.linalg`: inv, det, solve, cholesky, qr, svd, eigh.

The public names are listed in `linalg.py`'s `__api__`. Every gradient is
written with Tessera ops (so second derivatives work):

- inv, det, slogdet, solve, triangular_solve: the usual adjoint formulas;
- cholesky: Murray (2016), returned symmetric, as TensorFlow does;
- qr: for `m >= n` (reduced) and `m < n`, as TensorFlow (not `full_matrices`
  with `m > n`);
- svd, eigh: valid for distinct singular values / eigenvalues; eigh and
  eigvalsh read the lower triangle and return a lower-triangular gradient.
"""
import numpy as np

from ..core import errors as _errors
from ._common import FLOAT, Primitive, Tensor, _wrap, coerce_pair, xp_of
from .array import reshape, where
from .creation import ones_like, zeros_like
from .linalg import (_band, _diag_part, _eye, _float, _set_diag, band_part, diag, diag_part,
                     matmul, matrix_transpose)
from .math import add, divide, equal, greater, log, multiply, negative, subtract
from .reduce import reduce_sum

_T = matrix_transpose


class _LinAlgFail(Exception):
    """Raised by a forward on a singular / non-definite input; the public function reports it."""


def _err(op, msg):
    return _errors.InvalidArgumentError(None, op, msg)


def _square(x, op, fn, what="input"):
    s = tuple(x._a.shape)
    if len(s) < 2 or s[-1] != s[-2]:
        raise _err(op, f"{fn}: {what} must be a square matrix or a batch of them, shape "
                       f"[..., M, M], got shape {s}.")


def _lapack(fn):
    """Runs `fn` on float32 copies of float16/bfloat16 arrays and casts the results back."""
    def run(a, *rest, **attrs):
        dt = a.dtype
        low = dt.kind == "V" or (dt.kind == "f" and dt.itemsize < 4)
        if low:
            a = a.astype(np.float32)
            rest = tuple(r.astype(np.float32) for r in rest)
        try:
            out = fn(a, *rest, **attrs)
        except np.linalg.LinAlgError as e:
            raise _LinAlgFail(str(e)) from None
        if low:
            out = tuple(o.astype(dt) for o in out) if isinstance(out, tuple) else out.astype(dt)
        return out
    return run


def _call(prim, op, why, *args, **attrs):
    try:
        return prim(*args, **attrs)
    except _LinAlgFail as e:
        shapes = " and ".join(str(tuple(a._a.shape)) for a in args)
        raise _err(op, f"{op}: {why} (input shape {shapes}; LAPACK: {e}).") from None


def _unsq2(x):
    """`x[..., None, None]`."""
    return reshape(x, tuple(x._a.shape) + (1, 1))


def _cols(x, start, stop):
    """`x[..., :, start:stop]` as a product with a constant selection matrix."""
    n = x._a.shape[-1]
    if start == 0 and stop == n:
        return x
    return matmul(x, _wrap(xp_of(x._a).eye(n, dtype=x._a.dtype)[:, start:stop]))


def _place_cols(x, start, n):
    """Puts `x`'s columns at `start` in a zero matrix with `n` columns."""
    w = x._a.shape[-1]
    if start == 0 and w == n:
        return x
    return matmul(x, _wrap(xp_of(x._a).eye(n, dtype=x._a.dtype)[start:start + w, :]))


def _recip_diff(e):
    """`F[..., i, j] = 1 / (e_j - e_i)`, zero where the difference is zero (the diagonal)."""
    k = e._a.shape[-1]
    lead = tuple(e._a.shape[:-1])
    d = subtract(reshape(e, lead + (1, k)), reshape(e, lead + (k, 1)))
    zero = equal(d, zeros_like(d))
    return where(zero, zeros_like(d), divide(ones_like(d), where(zero, ones_like(d), d)))


def _lower_sym(ga):
    """The gradient for an op that reads only the lower triangle of a symmetric input."""
    s = band_part(add(ga, _T(ga)), -1, 0)
    return _set_diag(s, multiply(_diag_part(s, k=0), 0.5), k=0)


# ---------------------------------------------------------------------------
# inv, det, slogdet, logdet
# ---------------------------------------------------------------------------
_inv = Primitive("MatrixInverse")
_inv._fwd = _lapack(lambda a: xp_of(a).linalg.inv(a))
_inv._shape = lambda s: tuple(s)   # zero-filled probes would be singular
_inv._grad = lambda g, out, x: negative(matmul(matmul(out, g, transpose_a=True), out,
                                               transpose_b=True))


def inv(input, adjoint=False, name=None):
    """Inverse of each square matrix in `input` (shape `[..., M, M]`), as `tf.linalg.inv`.

    Args:
        adjoint: invert the (conjugate) transpose instead.

    Raises:
        InvalidArgumentError: for a singular matrix.
    """
    x = _float(input, "MatrixInverse", "inv")
    _square(x, "MatrixInverse", "inv")
    if adjoint:
        x = matrix_transpose(x, conjugate=True)
    return _call(_inv, "MatrixInverse", "Input is not invertible (a singular matrix); "
                 "use ts.linalg.pinv for a pseudo-inverse", x)


_det = Primitive("MatrixDeterminant")
_det._fwd = _lapack(lambda a: xp_of(a).linalg.det(a))
_det._grad = lambda g, out, x: multiply(_unsq2(multiply(g, out)), _T(inv(x)))


def det(input, name=None):
    """Determinant of each square matrix in `input` (shape `[..., M, M]`), as `tf.linalg.det`.

    Returns:
        Shape `[...]`.
    """
    x = _float(input, "MatrixDeterminant", "det")
    _square(x, "MatrixDeterminant", "det")
    return _det(x)


def _slogdet_fwd(a):
    sign, logabs = xp_of(a).linalg.slogdet(a)
    return sign, logabs


_slogdet = Primitive("LogMatrixDeterminant", n_out=2)
_slogdet._fwd = _lapack(_slogdet_fwd)
_slogdet._grad = lambda gs, outs, x: multiply(_unsq2(gs[1]), _T(inv(x)))


def slogdet(input, name=None):
    """Sign and log of the absolute determinant of each matrix, as `tf.linalg.slogdet`.

    Returns:
        `(sign, log_abs_determinant)`, each of shape `[...]`; the determinant is
        `sign * exp(log_abs_determinant)`, computed without overflow.
    """
    x = _float(input, "LogMatrixDeterminant", "slogdet")
    _square(x, "LogMatrixDeterminant", "slogdet")
    return _slogdet(x)


def logdet(matrix, name=None):
    """Log-determinant of each Hermitian positive-definite matrix, as `tf.linalg.logdet`.

    Computed as `2 * sum(log(diag(cholesky(matrix))))`.
    """
    chol = cholesky(matrix)
    return multiply(reduce_sum(log(diag_part(chol)), axis=-1), 2.0)


# ---------------------------------------------------------------------------
# cholesky, solve, triangular_solve, cholesky_solve, lstsq, pinv
# ---------------------------------------------------------------------------
def _cholesky_grad(g, out, x):
    n = out._a.shape[-1]
    l_inv = triangular_solve(out, _eye(out, n), lower=True)
    mid = band_part(matmul(out, g, transpose_a=True), -1, 0)
    mid = _set_diag(mid, multiply(_diag_part(mid, k=0), 0.5), k=0)
    ga = matmul(matmul(l_inv, mid, transpose_a=True), l_inv)
    return multiply(add(ga, _T(ga)), 0.5)


_chol = Primitive("Cholesky")
_chol._fwd = _lapack(lambda a: xp_of(a).linalg.cholesky(a))
_chol._grad = _cholesky_grad
_chol._shape = lambda s: tuple(s)


def cholesky(input, name=None):
    """Lower-triangular Cholesky factor `L` (`input = L @ L^T`) of each matrix, as `tf.linalg.cholesky`.

    Only the lower triangle of `input` is read; its gradient is returned
    symmetric, as TensorFlow does.

    Raises:
        InvalidArgumentError: if a matrix is not positive definite.
    """
    x = _float(input, "Cholesky", "cholesky")
    _square(x, "Cholesky", "cholesky")
    return _call(_chol, "Cholesky", "Cholesky decomposition was not successful: the input must "
                 "be symmetric positive definite (add a small multiple of the identity to "
                 "regularize it)", x)


def _check_rhs(op, fn, a, b):
    a, b, aa, ba = coerce_pair(op, a, b)
    a = a if isinstance(a, Tensor) else _wrap(aa)
    b = b if isinstance(b, Tensor) else _wrap(ba)
    if aa.dtype.kind not in FLOAT:
        raise _err(op, f"{fn} expects floating-point tensors, got {a.dtype.name}. "
                       "Cast them first: ts.cast(x, ts.float32).")
    _square(a, op, fn, "matrix")
    if ba.ndim < 2 or ba.shape[-2] != aa.shape[-1]:
        raise _err(op, f"{fn}: rhs must have shape [..., {aa.shape[-1]}, K] to match matrix of "
                       f"shape {tuple(aa.shape)}, got {tuple(ba.shape)}. For a vector rhs, "
                       "add an axis: ts.expand_dims(rhs, -1).")
    try:
        np.broadcast_shapes(aa.shape[:-2], ba.shape[:-2])
    except ValueError:
        raise _err(op, f"{fn}: batch dimensions of matrix {tuple(aa.shape)} and rhs "
                       f"{tuple(ba.shape)} do not broadcast.") from None
    return a, b


def _solve_fwd(a, b, adjoint=False):
    xp = xp_of(a)
    if adjoint:
        a = a.swapaxes(-1, -2).conj()
    lead = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = xp.broadcast_to(a, lead + a.shape[-2:])
    b = xp.broadcast_to(b, lead + b.shape[-2:])
    return xp.linalg.solve(a, b)


def _solve_shape(sa, sb, **attrs):
    return tuple(np.broadcast_shapes(tuple(sa[:-2]), tuple(sb[:-2]))) + tuple(sb[-2:])


def _solve_grad(g, out, a, b, adjoint=False):
    gb = solve(a, g, adjoint=not adjoint)
    ga = matmul(out, gb, transpose_b=True) if adjoint else matmul(gb, out, transpose_b=True)
    return negative(ga), gb


_solve = Primitive("MatrixSolve")
_solve._fwd = _lapack(_solve_fwd)
_solve._grad = _solve_grad
_solve._shape = _solve_shape


def solve(matrix, rhs, adjoint=False, name=None):
    """Solves `matrix @ x = rhs` for `x` (batched), as `tf.linalg.solve`.

    Args:
        matrix: shape `[..., M, M]`.
        rhs: shape `[..., M, K]`.
        adjoint: solve with the (conjugate) transpose of `matrix`.

    Returns:
        `x`, shape `[..., M, K]`.
    """
    a, b = _check_rhs("MatrixSolve", "solve", matrix, rhs)
    return _call(_solve, "MatrixSolve", "Input matrix is not invertible", a, b,
                 adjoint=bool(adjoint))


def _trisolve_fwd(a, b, lower=True, adjoint=False):
    from .linalg import _band_fwd
    a = _band_fwd(a, -1, 0) if lower else _band_fwd(a, 0, -1)
    xp = xp_of(a)
    if xp.any(xp.diagonal(a, axis1=-2, axis2=-1) == 0):
        raise _LinAlgFail("Singular matrix")
    return _solve_fwd(a, b, adjoint=adjoint)


def _trisolve_grad(g, out, a, b, lower=True, adjoint=False):
    gb = triangular_solve(a, g, lower=lower, adjoint=not adjoint)
    ga = matmul(out, gb, transpose_b=True) if adjoint else matmul(gb, out, transpose_b=True)
    ga = _band(negative(ga), lower=-1, upper=0) if lower else _band(negative(ga), lower=0, upper=-1)
    return ga, gb


_trisolve = Primitive("MatrixTriangularSolve")
_trisolve._fwd = _lapack(_trisolve_fwd)
_trisolve._grad = _trisolve_grad
_trisolve._shape = _solve_shape


def triangular_solve(matrix, rhs, lower=True, adjoint=False, name=None):
    """Solves `matrix @ x = rhs` for a triangular `matrix`, as `tf.linalg.triangular_solve`.

    Args:
        matrix: shape `[..., M, M]`; only its lower (`lower=True`) or upper triangle is read.
        rhs: shape `[..., M, K]`.
        lower: which triangle of `matrix` to use.
        adjoint: solve with the (conjugate) transpose of that triangle.
    """
    a, b = _check_rhs("MatrixTriangularSolve", "triangular_solve", matrix, rhs)
    return _call(_trisolve, "MatrixTriangularSolve", "the triangular matrix has a zero on its "
                 "diagonal (it is singular)", a, b, lower=bool(lower), adjoint=bool(adjoint))


def cholesky_solve(chol, rhs, name=None):
    """Solves `A @ x = rhs` given `chol = cholesky(A)`, as `tf.linalg.cholesky_solve`."""
    y = triangular_solve(chol, rhs, lower=True, adjoint=False)
    return triangular_solve(chol, y, lower=True, adjoint=True)


def lstsq(matrix, rhs, l2_regularizer=0.0, fast=True, name=None):
    """Least-squares solution of `matrix @ x = rhs` (batched), as `tf.linalg.lstsq`.

    With `fast=True` it solves the (regularized) normal equations by Cholesky;
    with `fast=False` and no regularizer it uses the SVD pseudo-inverse.

    Args:
        matrix: shape `[..., M, N]`.
        rhs: shape `[..., M, K]`.
        l2_regularizer: adds `l2_regularizer * I` to the Gram matrix.

    Returns:
        Shape `[..., N, K]`.
    """
    a, b, aa, ba = coerce_pair("MatrixSolveLs", matrix, rhs)
    a = a if isinstance(a, Tensor) else _wrap(aa)
    b = b if isinstance(b, Tensor) else _wrap(ba)
    _float(a, "MatrixSolveLs", "lstsq")
    if aa.ndim < 2 or ba.ndim < 2 or aa.shape[-2] != ba.shape[-2]:
        raise _err("MatrixSolveLs", f"lstsq: matrix [..., M, N] and rhs [..., M, K] must share M; "
                                    f"got shapes {tuple(aa.shape)} and {tuple(ba.shape)}.")
    lam = float(np.asarray(l2_regularizer.numpy() if isinstance(l2_regularizer, Tensor)
                           else l2_regularizer))
    if not fast and lam == 0.0:
        return matmul(pinv(a), b)
    m, n = aa.shape[-2:]
    if m >= n:
        gram = matmul(a, a, transpose_a=True)
        if lam:
            gram = add(gram, multiply(_eye(a, n), lam))
        return cholesky_solve(cholesky(gram), matmul(a, b, transpose_a=True))
    gram = matmul(a, a, transpose_b=True)
    if lam:
        gram = add(gram, multiply(_eye(a, m), lam))
    return matmul(a, cholesky_solve(cholesky(gram), b), transpose_a=True)


def pinv(a, rcond=None, validate_args=False, name=None):
    """Moore-Penrose pseudo-inverse of each matrix (via the SVD), as `tf.linalg.pinv`.

    Args:
        a: shape `[..., M, N]`.
        rcond: singular values below `rcond * max(s)` count as zero (default
            `10 * max(M, N) * eps`).
    """
    x = _float(a, "Pinv", "pinv")
    if x._a.ndim < 2:
        raise _err("Pinv", f"pinv: a must have shape [..., M, N], got {tuple(x._a.shape)}.")
    m, n = x._a.shape[-2:]
    if rcond is None:
        rcond = 10.0 * max(m, n) * float(np.finfo(np.float32 if x._a.dtype.itemsize <= 4
                                                 else np.float64).eps)
    s, u, v = svd(x)
    from .linalg import _maxk
    cutoff = multiply(_maxk(s, axis=(s._a.ndim - 1,)), float(rcond))
    keep = greater(s, cutoff)
    s_inv = where(keep, divide(ones_like(s), where(keep, s, ones_like(s))), zeros_like(s))
    lead = tuple(s._a.shape[:-1])
    return matmul(multiply(v, reshape(s_inv, lead + (1, s._a.shape[-1]))), u, transpose_b=True)


# ---------------------------------------------------------------------------
# QR
# ---------------------------------------------------------------------------
def _qr_fwd(a, full_matrices=False):
    q, r = xp_of(a).linalg.qr(a, mode="complete" if full_matrices else "reduced")
    return q, r


def _tsolve_right(x, r):
    """`x @ inv(r)^T` for upper-triangular `r`."""
    return _T(triangular_solve(r, _T(x), lower=False))


def _qr_grad_deep(q, r, dq, dr):
    qdq = matmul(q, dq, transpose_a=True)
    rdr = matmul(r, dr, transpose_b=True)
    low = band_part(add(subtract(qdq, _T(qdq)), subtract(rdr, _T(rdr))), -1, 0)
    ga = matmul(q, add(dr, _tsolve_right(low, r)))
    gb = _tsolve_right(subtract(dq, matmul(q, qdq)), r)
    return add(ga, gb)


def _qr_grad(gs, outs, x, full_matrices=False):
    dq, dr = gs
    q, r = outs
    m, n = x._a.shape[-2:]
    if m >= n:
        if full_matrices and m > n:
            raise _errors.UnimplementedError(
                None, "Qr", f"qr: the gradient for full_matrices=True with more rows than columns "
                            f"(shape {tuple(x._a.shape)}) is not defined (Q's extra columns are "
                            "not unique); use full_matrices=False.")
        return _qr_grad_deep(q, r, dq, dr)
    y, dv = _cols(x, m, n), _cols(dr, m, n)
    dx = _qr_grad_deep(q, _cols(r, 0, m), add(dq, matmul(y, dv, transpose_b=True)),
                       _cols(dr, 0, m))
    return add(_place_cols(dx, 0, n), _place_cols(matmul(q, dv), m, n))


_qr = Primitive("Qr", n_out=2)
_qr._fwd = _lapack(_qr_fwd)
_qr._grad = _qr_grad


def qr(input, full_matrices=False, name=None):
    """QR decomposition of each matrix, as `tf.linalg.qr`.

    Args:
        input: shape `[..., M, N]`.
        full_matrices: if True, `q` is `[..., M, M]` and `r` `[..., M, N]`; otherwise
            with `P = min(M, N)`, `q` is `[..., M, P]` and `r` `[..., P, N]`.

    Returns:
        `(q, r)`: `q` has orthonormal columns and `r` is upper triangular.
    """
    x = _float(input, "Qr", "qr")
    if x._a.ndim < 2:
        raise _err("Qr", f"qr: input must have shape [..., M, N], got {tuple(x._a.shape)}.")
    return _qr(x, full_matrices=bool(full_matrices))


# ---------------------------------------------------------------------------
# SVD
# ---------------------------------------------------------------------------
def _svd_fwd(a, full_matrices=False):
    u, s, vh = xp_of(a).linalg.svd(a, full_matrices=full_matrices)
    v = vh.swapaxes(-1, -2)
    return s, u, (v.conj() if v.dtype.kind == "c" else v)


def _svd_grad_wide(s, u, v, gs, gu, gv, full):
    """The SVD gradient for `m <= n` (`u` is `[m, m]`, `v` is `[n, m]` or `[n, n]`)."""
    m = u._a.shape[-2]
    n, q = v._a.shape[-2:]
    v1, gv1 = _cols(v, 0, m), _cols(gv, 0, m)
    f = _recip_diff(multiply(s, s))
    sm = diag(s)
    j = multiply(f, matmul(u, gu, transpose_a=True))
    k = multiply(f, matmul(v1, gv1, transpose_a=True))
    core = add(add(diag(gs), matmul(add(j, _T(j)), sm)), matmul(sm, add(k, _T(k))))
    grad = matmul(u, matmul(core, v1, transpose_b=True))
    if m < n:
        gv1t = _T(gv1)
        t2 = subtract(gv1t, matmul(matmul(gv1t, v1), v1, transpose_b=True))
        if full and q > m:
            v2, gv2 = _cols(v, m, n), _cols(gv, m, n)
            t2 = subtract(t2, matmul(matmul(v1, gv2, transpose_a=True), v2, transpose_b=True))
        lead = tuple(s._a.shape[:-1])
        u_sinv = divide(u, reshape(s, lead + (1, m)))
        grad = add(grad, matmul(u_sinv, t2))
    return grad


def _svd_grad(gs, outs, x, full_matrices=False):
    m, n = x._a.shape[-2:]
    if full_matrices and abs(m - n) > 1:
        raise _errors.UnimplementedError(
            None, "Svd", f"svd: the gradient with full_matrices=True is only defined when the "
                         f"matrix dimensions differ by at most 1 (got shape {tuple(x._a.shape)}); "
                         "use full_matrices=False.")
    s, u, v = outs
    g_s, g_u, g_v = gs
    if m > n:
        return _T(_svd_grad_wide(s, v, u, g_s, g_v, g_u, full_matrices))
    return _svd_grad_wide(s, u, v, g_s, g_u, g_v, full_matrices)


_svd = Primitive("Svd", n_out=3)
_svd._fwd = _lapack(_svd_fwd)
_svd._grad = _svd_grad


def _svd_values_grad(g, out, x):
    s, u, v = svd(x)
    lead = tuple(s._a.shape[:-1])
    return matmul(multiply(u, reshape(g, lead + (1, s._a.shape[-1]))), v, transpose_b=True)


_svd_values = Primitive("SvdValues")
_svd_values._fwd = _lapack(lambda a: xp_of(a).linalg.svd(a, compute_uv=False))
_svd_values._grad = _svd_values_grad


def svd(tensor, full_matrices=False, compute_uv=True, name=None):
    """Singular value decomposition `tensor = u @ diag(s) @ adjoint(v)`, as `tf.linalg.svd`.

    Note TensorFlow's order and convention: it returns `s, u, v` (not `v^T`).

    Args:
        tensor: shape `[..., M, N]`; let `P = min(M, N)`.
        full_matrices: if True, `u` is `[..., M, M]` and `v` `[..., N, N]`;
            otherwise `u` is `[..., M, P]` and `v` `[..., N, P]`.
        compute_uv: if False, return only `s`.

    Returns:
        `s` (shape `[..., P]`, descending), or `(s, u, v)`.
        Gradients assume distinct non-zero singular values.
    """
    x = _float(tensor, "Svd", "svd")
    if x._a.ndim < 2:
        raise _err("Svd", f"svd: tensor must have shape [..., M, N], got {tuple(x._a.shape)}.")
    if not compute_uv:
        return _call(_svd_values, "Svd", "SVD did not converge", x)
    return _call(_svd, "Svd", "SVD did not converge", x, full_matrices=bool(full_matrices))


# ---------------------------------------------------------------------------
# Symmetric eigendecomposition
# ---------------------------------------------------------------------------
def _eigh_fwd(a):
    e, v = xp_of(a).linalg.eigh(a)
    return e, v


def _eigh_grad(gs, outs, x):
    ge, gv = gs
    e, v = outs
    inner = add(diag(ge), multiply(_recip_diff(e), matmul(v, gv, transpose_a=True)))
    return _lower_sym(matmul(v, matmul(inner, v, transpose_b=True)))


_eigh = Primitive("SelfAdjointEigV2", n_out=2)
_eigh._fwd = _lapack(_eigh_fwd)
_eigh._grad = _eigh_grad


def eigh(tensor, name=None):
    """Eigen-decomposition of each symmetric (Hermitian) matrix, as `tf.linalg.eigh`.

    Only the lower triangle of `tensor` is read.

    Returns:
        `(e, v)`: eigenvalues `[..., N]` in ascending order and eigenvectors
        `[..., N, N]` as columns, so `tensor = v @ diag(e) @ adjoint(v)`.
        Gradients assume distinct eigenvalues.
    """
    x = _float(tensor, "SelfAdjointEigV2", "eigh")
    _square(x, "SelfAdjointEigV2", "eigh", "tensor")
    return _call(_eigh, "SelfAdjointEigV2", "the eigendecomposition did not converge", x)


def _eigvalsh_grad(g, out, x):
    e, v = eigh(x)
    lead = tuple(e._a.shape[:-1])
    vg = multiply(v, reshape(g, lead + (1, e._a.shape[-1])))
    return _lower_sym(matmul(vg, v, transpose_b=True))


_eigvalsh = Primitive("SelfAdjointEigValues")
_eigvalsh._fwd = _lapack(lambda a: xp_of(a).linalg.eigvalsh(a))
_eigvalsh._grad = _eigvalsh_grad


def eigvalsh(tensor, name=None):
    """Eigenvalues (ascending) of each symmetric matrix, as `tf.linalg.eigvalsh`.

    Only the lower triangle of `tensor` is read.
    """
    x = _float(tensor, "SelfAdjointEigValues", "eigvalsh")
    _square(x, "SelfAdjointEigValues", "eigvalsh", "tensor")
    return _call(_eigvalsh, "SelfAdjointEigValues", "the eigendecomposition did not converge", x)

"""Linear algebra (`ts.linalg`): matmul, tensordot, einsum, norms, diagonals, transposes.

Matrix functions and decompositions (inv, det, solve, cholesky, qr, svd, eigh, ...)
live in `linalg_decomp.py`; their public names are re-exported here so that
`__api__` below lists the whole `tf.linalg` family.

Gradients are written with Tessera ops. The gradient of `einsum` is itself an
einsum (one per operand), built by transposing the equation.
"""
import functools
import string
from collections import Counter

import numpy as np

from ..core import errors as _errors
from ..core.tensor import overload
from ._common import FLOAT, Primitive, Tensor, _wrap, coerce_pair, norm_axis, t, xp_of
from .array import reshape, where
from .creation import eye, ones_like, zeros_like
from .math import abs as _abs
from .math import divide, equal, multiply, pow, sqrt
from .reduce import reduce_sum

_LETTERS = string.ascii_letters


def _err(op, msg):
    return _errors.InvalidArgumentError(None, op, msg)


def _shape(x):
    return tuple(x._a.shape)


def _const(like, a):
    """A constant tensor holding array `a` on `like`'s device and dtype."""
    return _wrap(xp_of(like._a).asarray(a, dtype=like._a.dtype))


def _eye(like, n, m=None):
    return _wrap(xp_of(like._a).eye(n, m, dtype=like._a.dtype))


def _float(x, op, fn):
    x = t(x)
    if x._a.dtype.kind not in FLOAT:
        raise _err(op, f"{fn} expects a floating-point tensor, got {x.dtype.name} "
                       f"(shape {_shape(x)}). Cast it first: ts.cast(x, ts.float32).")
    return x


def _rank_at_least(x, n, op, fn, what="input"):
    if x._a.ndim < n:
        raise _err(op, f"{fn}: {what} must have rank >= {n} ([..., M, N] for matrices), got "
                       f"shape {_shape(x)}. Use ts.reshape or ts.expand_dims to add axes.")


# ---------------------------------------------------------------------------
# matmul, matvec
# ---------------------------------------------------------------------------
def _mt(a):
    return a.swapaxes(-1, -2) if a.ndim >= 2 else a


def _matmul_fwd(a, b, transpose_a=False, transpose_b=False):
    if transpose_a:
        a = _mt(a)
    if transpose_b:
        b = _mt(b)
    return xp_of(a).matmul(a, b)


def _matmul_grad(g, out, a, b, transpose_a=False, transpose_b=False, _needs=(True, True)):
    need_a, need_b = _needs
    if not transpose_a and not transpose_b:
        ga = matmul(g, b, transpose_b=True) if need_a else None
        gb = matmul(a, g, transpose_a=True) if need_b else None
    elif transpose_a and not transpose_b:
        ga = matmul(b, g, transpose_b=True) if need_a else None
        gb = matmul(a, g) if need_b else None
    elif not transpose_a and transpose_b:
        ga = matmul(g, b) if need_a else None
        gb = matmul(g, a, transpose_a=True) if need_b else None
    else:
        ga = matmul(b, g, transpose_a=True, transpose_b=True) if need_a else None
        gb = matmul(g, a, transpose_a=True, transpose_b=True) if need_b else None
    return ga, gb


_matmul = Primitive("MatMul")
_matmul._fwd = _matmul_fwd
_matmul._grad = _matmul_grad
_matmul.grad_needs = True


def matmul(a, b, transpose_a=False, transpose_b=False, adjoint_a=False, adjoint_b=False,
           a_is_sparse=False, b_is_sparse=False, output_type=None, grad_a=False, grad_b=False,
           name=None):
    """Matrix product `a @ b` over the last two axes (batched over the rest), as `tf.matmul`.

    Batch dimensions broadcast (`[2, 1, M, K] @ [3, K, N] -> [2, 3, M, N]`).

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
        raise _err("MatMul",
                   f"matmul: both inputs need rank >= 2, got shapes {tuple(aa.shape)} and "
                   f"{tuple(ba.shape)}. Use ts.expand_dims to add an axis, ts.linalg.matvec for "
                   "a matrix times a vector, or ts.tensordot for vectors.")
    ka = aa.shape[-2] if ta else aa.shape[-1]
    kb = ba.shape[-1] if tb else ba.shape[-2]
    if ka != kb:
        raise _err("MatMul",
                   f"matmul: inner dimensions differ: a has shape {tuple(aa.shape)}"
                   f"{' (transposed)' if ta else ''} and b has shape {tuple(ba.shape)}"
                   f"{' (transposed)' if tb else ''}, so {ka} != {kb}. Transpose or reshape an input.")
    try:
        np.broadcast_shapes(aa.shape[:-2], ba.shape[:-2])
    except ValueError:
        raise _err("MatMul",
                   f"matmul: batch dimensions {tuple(aa.shape[:-2])} of a (shape {tuple(aa.shape)}) "
                   f"and {tuple(ba.shape[:-2])} of b (shape {tuple(ba.shape)}) do not broadcast. "
                   "Make them equal or 1.") from None
    a = a if isinstance(a, Tensor) else _wrap(aa)
    b = b if isinstance(b, Tensor) else _wrap(ba)
    if adjoint_a and aa.dtype.kind == "c":
        a, ta = _mtranspose(a, conjugate=True), False
    if adjoint_b and ba.dtype.kind == "c":
        b, tb = _mtranspose(b, conjugate=True), False
    return _matmul(a, b, transpose_a=ta, transpose_b=tb)


overload("__matmul__", lambda self, other: matmul(self, other))
overload("__rmatmul__", lambda self, other: matmul(other, self))


def matvec(a, b, transpose_a=False, adjoint_a=False, a_is_sparse=False, b_is_sparse=False,
           name=None):
    """Matrix-vector product `a @ b` over the last axes (batched), as `tf.linalg.matvec`.

    Args:
        a: shape `[..., M, N]`.
        b: shape `[..., N]` (batch dimensions broadcast with `a`'s).
        transpose_a, adjoint_a: use `a`'s (conjugate) transpose.

    Returns:
        Shape `[..., M]`.
    """
    a, b, aa, ba = coerce_pair("MatVec", a, b)
    a = a if isinstance(a, Tensor) else _wrap(aa)
    b = b if isinstance(b, Tensor) else _wrap(ba)
    _rank_at_least(a, 2, "MatVec", "matvec", "a")
    _rank_at_least(b, 1, "MatVec", "matvec", "b")
    k = aa.shape[-2] if (transpose_a or adjoint_a) else aa.shape[-1]
    if k != ba.shape[-1]:
        raise _err("MatVec", f"matvec: a has shape {tuple(aa.shape)}"
                             f"{' (transposed)' if transpose_a or adjoint_a else ''} but b has "
                             f"shape {tuple(ba.shape)}: {k} != {ba.shape[-1]}. Transpose a or "
                             "reshape b.")
    out = matmul(a, reshape(b, _shape(b) + (1,)), transpose_a=transpose_a, adjoint_a=adjoint_a)
    return reshape(out, _shape(out)[:-1])


# ---------------------------------------------------------------------------
# matrix_transpose / adjoint
# ---------------------------------------------------------------------------
def _mtranspose_fwd(a, conjugate=False):
    a = a.swapaxes(-1, -2)
    return a.conj() if conjugate and a.dtype.kind == "c" else a


_mtranspose = Primitive("MatrixTranspose")
_mtranspose._fwd = _mtranspose_fwd
_mtranspose._grad = lambda g, out, x, conjugate=False: _mtranspose(g, conjugate=conjugate)


def matrix_transpose(a, name="matrix_transpose", conjugate=False):
    """Transposes the last two axes of `a` (a batch of matrices), as `tf.linalg.matrix_transpose`.

    Args:
        a: a tensor of rank >= 2.
        conjugate: also conjugate complex entries (then it is `adjoint`).

    Example:
    >>> ts.linalg.matrix_transpose(ts.ones([5, 2, 3])).shape
    TensorShape([5, 3, 2])
    """
    x = t(a)
    _rank_at_least(x, 2, "MatrixTranspose", "matrix_transpose")
    return _mtranspose(x, conjugate=bool(conjugate))


def adjoint(matrix, name=None):
    """Conjugate transpose of the last two axes, as `tf.linalg.adjoint`."""
    return matrix_transpose(matrix, conjugate=True)


# ---------------------------------------------------------------------------
# einsum and tensordot
# ---------------------------------------------------------------------------
def _einsum_fail(msg, equation):
    return _err("Einsum", f"einsum: {msg} (equation {equation!r}).")


@functools.lru_cache(maxsize=512)
def _einsum_parse(equation, shapes):
    """Rewrites `equation` without '...' and with an explicit output.

    Returns `(canonical, squeeze)`: the equation with one letter per axis and
    an explicit output, and `(operand, new_shape)` pairs for operands whose
    size-1 ellipsis axes broadcast against larger ones (those axes are dropped).
    """
    eq = equation.replace(" ", "")
    parts = eq.split("->")
    if len(parts) > 2:
        raise _einsum_fail("at most one '->' is allowed", equation)
    lhs, rhs = parts[0], (parts[1] if len(parts) == 2 else None)
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        raise _einsum_fail(f"the equation names {len(terms)} operand(s) but {len(shapes)} "
                           "were given", equation)
    for term in terms + ([rhs] if rhs is not None else []):
        rest = term.replace("...", "", 1)
        bad = [c for c in rest if c not in _LETTERS]
        if bad:
            raise _einsum_fail(f"subscripts must be letters with at most one '...' per term; "
                               f"{term!r} contains {''.join(bad)!r}", equation)
    ell_ranks = []
    for i, (term, shp) in enumerate(zip(terms, shapes)):
        n = len(term.replace("...", ""))
        if "..." in term:
            r = len(shp) - n
        else:
            r = 0 if n == len(shp) else -1
        if r < 0:
            raise _einsum_fail(f"operand {i} has shape {tuple(shp)} (rank {len(shp)}) but its "
                               f"subscripts {term!r} name {n} axes; give one letter per axis or "
                               "use '...'", equation)
        ell_ranks.append(r)
    E = max(ell_ranks, default=0)
    used = set(eq)
    fresh = [c for c in _LETTERS if c not in used]
    if len(fresh) < E:
        raise _einsum_fail("too many axes: einsum supports at most 52 distinct labels", equation)
    ell = "".join(fresh[:E])
    new = [term.replace("...", ell[E - r:]) for term, r in zip(terms, ell_ranks)]
    if rhs is None:
        counts = Counter("".join(t_.replace("...", "") for t_ in terms))
        out = ell + "".join(sorted(c for c, k in counts.items() if k == 1))
    elif "..." in rhs:
        out = rhs.replace("...", ell)
    else:
        if E and any(r for r in ell_ranks):
            raise _einsum_fail("the inputs use '...' for some axes but the output does not; "
                               "add '...' to the output (e.g. '...ij->...i')", equation)
        out = rhs
    if len(set(out)) != len(out):
        raise _einsum_fail(f"the output {rhs!r} repeats a label; each output label must be "
                           "unique", equation)
    present = set("".join(new))
    for c in out:
        if c not in present:
            raise _einsum_fail(f"output label {c!r} does not appear in any input", equation)
    sizes, first = {}, {}
    for i, (term, shp) in enumerate(zip(new, shapes)):
        for c, d in zip(term, shp):
            if c in ell:
                if d != 1 and sizes.get(c, 1) == 1:
                    sizes[c] = d
                else:
                    sizes.setdefault(c, d)
                continue
            if c in sizes and sizes[c] != d:
                j, sj = first[c]
                raise _einsum_fail(
                    f"label {c!r} has size {sizes[c]} in operand {j} (shape {tuple(sj)}) but {d} "
                    f"in operand {i} (shape {tuple(shp)}); the axes a label names must have one "
                    "size: fix the equation or reshape an operand", equation)
            sizes[c] = d
            first.setdefault(c, (i, shp))
    squeeze = {}
    for i, (term, shp) in enumerate(zip(new, shapes)):
        keep = []
        for c, d in zip(term, shp):
            if c in ell and d != sizes[c]:
                if d != 1:
                    raise _einsum_fail(
                        f"the '...' axes of the operands do not broadcast: operand {i} "
                        f"(shape {tuple(shp)}) has size {d} where another has {sizes[c]}",
                        equation)
                continue
            keep.append((c, d))
        if len(keep) != len(term):
            new[i] = "".join(c for c, _ in keep)
            squeeze[i] = tuple(d for _, d in keep)
    return ",".join(new) + "->" + out, tuple(squeeze.items())


@functools.lru_cache(maxsize=512)
def _pair_plan(ta, tb, out, sa, sb):
    """How to run `einsum(ta, tb -> out)` as one batched matmul, or None (diagonals)."""
    if len(set(ta)) != len(ta) or len(set(tb)) != len(tb):
        return None
    sum_a = tuple(i for i, c in enumerate(ta) if c not in tb and c not in out)
    ta = "".join(c for i, c in enumerate(ta) if i not in sum_a)
    sum_b = tuple(i for i, c in enumerate(tb) if c not in ta and c not in out)
    tb = "".join(c for i, c in enumerate(tb) if i not in sum_b)
    size = dict(zip(ta, (d for i, d in enumerate(sa) if i not in sum_a)))
    size.update(zip(tb, (d for i, d in enumerate(sb) if i not in sum_b)))
    batch = [c for c in out if c in ta and c in tb]
    lf = [c for c in out if c in ta and c not in tb]
    rf = [c for c in out if c in tb and c not in ta]
    contr = [c for c in ta if c in tb and c not in out]
    prod = lambda cs: int(np.prod([size[c] for c in cs], dtype=np.int64))
    perm_a = tuple(ta.index(c) for c in batch + lf + contr)
    perm_b = tuple(tb.index(c) for c in batch + contr + rf)
    order = batch + lf + rf
    return (sum_a, sum_b, perm_a, (prod(batch), prod(lf), prod(contr)), perm_b,
            (prod(batch), prod(contr), prod(rf)), tuple(size[c] for c in order),
            tuple(order.index(c) for c in out))


def _einsum_fwd(*arrays, equation=None):
    xp = xp_of(arrays[0])
    if len(arrays) == 2 and arrays[0].dtype.kind in "fc":
        lhs, out = equation.split("->")
        ta, tb = lhs.split(",")
        a, b = arrays
        plan = _pair_plan(ta, tb, out, a.shape, b.shape)
        if plan is not None:
            sum_a, sum_b, perm_a, shape_a, perm_b, shape_b, shape_r, perm_r = plan
            if sum_a:
                a = a.sum(axis=sum_a)
            if sum_b:
                b = b.sum(axis=sum_b)
            r = xp.matmul(a.transpose(perm_a).reshape(shape_a), b.transpose(perm_b).reshape(shape_b))
            return r.reshape(shape_r).transpose(perm_r)
    return xp.einsum(equation, *arrays, optimize=len(arrays) > 2)


def _einsum_grad(g, out, *xs, equation=None):
    lhs, rhs = equation.split("->")
    terms = lhs.split(",")
    used = set(equation)
    sizes = {}
    for term, x in zip(terms, xs):
        sizes.update(zip(term, x._a.shape))
    grads = []
    for k, (term, x) in enumerate(zip(terms, xs)):
        if x._a.dtype.kind not in FLOAT:
            grads.append(None)
            continue
        fresh = iter(c for c in _LETTERS if c not in used)
        ops, subs = [g], [rhs]
        for j, (tj, xj) in enumerate(zip(terms, xs)):
            if j != k:
                ops.append(xj)
                subs.append(tj)
        target, seen = [], []
        for c in term:
            if c in seen:  # a repeated label (a diagonal): route it through an identity
                f = next(fresh)
                ops.append(_eye(g, sizes[c]))
                subs.append(c + f)
                target.append(f)
            else:
                seen.append(c)
                target.append(c)
        present = set("".join(subs))
        for c in seen:  # summed only inside this operand: broadcast back with ones
            if c not in present:
                ops.append(_const(g, xp_of(g._a).ones(sizes[c])))
                subs.append(c)
        grads.append(_einsum_p(*ops, equation=",".join(subs) + "->" + "".join(target)))
    return grads


_einsum_p = Primitive("Einsum")
_einsum_p._fwd = _einsum_fwd
_einsum_p._grad = _einsum_grad


def einsum(equation, *inputs, **kwargs):
    """Tensor contraction over the axes named in an Einstein-summation equation, as `tf.einsum`.

    Labels shared between inputs and absent from the output are summed; `...`
    stands for broadcast batch axes; without `->` the output holds the labels
    used once, in alphabetical order (after `...`).

    Args:
        equation: e.g. `'ij,jk->ik'`, `'...ij,...jk'`, `'ii->i'`, `'bhqd,bhkd->bhqk'`.
        *inputs: the operands (one dtype).
        **kwargs: `name`, `optimize` (accepted; the contraction order is chosen internally).

    Example:
    >>> ts.einsum('ij,jk->ik', ts.ones([2, 3]), ts.ones([3, 4])).shape
    TensorShape([2, 4])
    """
    bad = set(kwargs) - {"name", "optimize"}
    if bad:
        raise TypeError(f"einsum got unexpected keyword arguments {sorted(bad)}; it accepts "
                        "name and optimize.")
    if len(inputs) == 1 and isinstance(inputs[0], (list, tuple)) and "," in equation:
        inputs = tuple(inputs[0])
    if not isinstance(equation, str):
        raise TypeError(f"einsum: equation must be a string, got {type(equation).__name__}.")
    if not inputs:
        raise _einsum_fail("needs at least one input tensor", equation)
    xs = [t(x) for x in inputs]
    dts = {x._a.dtype for x in xs}
    if len(dts) > 1:
        desc = ", ".join(f"{x.dtype.name} {_shape(x)}" for x in xs)
        raise _einsum_fail(f"all inputs must have one dtype, got {desc}; cast them with ts.cast",
                           equation)
    canonical, squeeze = _einsum_parse(equation, tuple(_shape(x) for x in xs))
    for i, shp in squeeze:
        xs[i] = reshape(xs[i], shp)
    return _einsum_p(*xs, equation=canonical)


def tensordot(a, b, axes, name=None):
    """Sums the products of `a` and `b` over the given axes, as `tf.tensordot`.

    Args:
        a, b: tensors of one dtype.
        axes: an int N (the last N axes of `a` with the first N of `b`), or a pair
            `[a_axes, b_axes]` of equal-length lists (or ints).

    Returns:
        A tensor with `a`'s free axes followed by `b`'s.

    Example:
    >>> ts.tensordot(ts.ones([2, 3, 4]), ts.ones([4, 3, 5]), [[1, 2], [1, 0]]).shape
    TensorShape([2, 5])
    """
    a, b, aa, ba = coerce_pair("Tensordot", a, b)
    a = a if isinstance(a, Tensor) else _wrap(aa)
    b = b if isinstance(b, Tensor) else _wrap(ba)
    ra, rb = aa.ndim, ba.ndim
    if isinstance(axes, Tensor):
        axes = np.asarray(axes.numpy()).tolist()
    if isinstance(axes, (int, np.integer)):
        n = int(axes)
        if n < 0 or n > min(ra, rb):
            raise _err("Tensordot", f"tensordot: axes={n} must be in [0, min(rank a, rank b)] "
                                    f"for shapes {tuple(aa.shape)} and {tuple(ba.shape)}.")
        ax_a, ax_b = list(range(ra - n, ra)), list(range(n))
    else:
        try:
            ax_a, ax_b = axes
        except (TypeError, ValueError):
            raise _err("Tensordot", f"tensordot: axes must be an int or a pair [a_axes, b_axes], "
                                    f"got {axes!r}.") from None
        ax_a = [ax_a] if isinstance(ax_a, (int, np.integer)) else list(ax_a)
        ax_b = [ax_b] if isinstance(ax_b, (int, np.integer)) else list(ax_b)
        if len(ax_a) != len(ax_b):
            raise _err("Tensordot", f"tensordot: a_axes {ax_a} and b_axes {ax_b} must have the "
                                    "same length.")
        ax_a = list(norm_axis(ax_a, ra, "tensordot")) if ax_a else []
        ax_b = list(norm_axis(ax_b, rb, "tensordot")) if ax_b else []
    for i, j in zip(ax_a, ax_b):
        if aa.shape[i] != ba.shape[j]:
            raise _err("Tensordot", f"tensordot: axis {i} of a (size {aa.shape[i]}) does not match "
                                    f"axis {j} of b (size {ba.shape[j]}); shapes {tuple(aa.shape)} "
                                    f"and {tuple(ba.shape)}. Choose axes of equal size.")
    if len(set(ax_a)) != len(ax_a) or len(set(ax_b)) != len(ax_b):
        raise _err("Tensordot", f"tensordot: repeated axes in {ax_a} / {ax_b}.")
    la = _LETTERS[:ra]
    lb = list(_LETTERS[ra:ra + rb])
    for i, j in zip(ax_a, ax_b):
        lb[j] = la[i]
    lb = "".join(lb)
    out = "".join(c for i, c in enumerate(la) if i not in ax_a) + \
        "".join(c for j, c in enumerate(lb) if j not in ax_b)
    return _einsum_p(a, b, equation=f"{la},{lb}->{out}")


def _move_last(x, axes):
    """`x` with `axes` moved to the end (via einsum, so gradients flow)."""
    nd = x._a.ndim
    order = [i for i in range(nd) if i not in axes] + list(axes)
    if order == list(range(nd)):
        return x
    src = _LETTERS[:nd]
    return _einsum_p(x, equation=src + "->" + "".join(src[i] for i in order))


# ---------------------------------------------------------------------------
# Diagonals, bands, trace
# ---------------------------------------------------------------------------
def _single_k(k, op, fn):
    if isinstance(k, Tensor):
        k = np.asarray(k.numpy()).tolist()
    if isinstance(k, (list, tuple)):
        if len(k) == 2 and k[0] == k[1]:
            return int(k[0])
        if len(k) == 1:
            return int(k[0])
        raise _errors.UnimplementedError(
            None, op, f"{fn}: a band of diagonals k={list(k)} is not supported yet; "
                      "call it once per diagonal with an integer k.")
    return int(k)


def _diag_idx(xp, n, k):
    return xp.arange(n) + max(-k, 0), xp.arange(n) + max(k, 0)


def _diag_fwd(d, k=0, rows=0, cols=0, pad=0):
    xp = xp_of(d)
    n = d.shape[-1]
    out = xp.full(d.shape[:-1] + (rows, cols), pad, dtype=d.dtype)
    i, j = _diag_idx(xp, n, k)
    out[..., i, j] = d
    return out


def _diag_part_fwd(a, k=0):
    xp = xp_of(a)
    r, c = a.shape[-2:]
    n = min(r + min(k, 0), c - max(k, 0))
    i, j = _diag_idx(xp, n, k)
    return a[..., i, j]


_diag = Primitive("MatrixDiagV3")
_diag._fwd = _diag_fwd
_diag._grad = lambda g, out, d, k=0, rows=0, cols=0, pad=0: _diag_part(g, k=k)
_diag_part = Primitive("MatrixDiagPartV3")
_diag_part._fwd = _diag_part_fwd
_diag_part._grad = lambda g, out, x, k=0: _diag(
    g, k=k, rows=x._a.shape[-2], cols=x._a.shape[-1], pad=0)


def diag(diagonal, name="diag", k=0, num_rows=-1, num_cols=-1, padding_value=0,
         align="RIGHT_LEFT"):
    """A batch of matrices with `diagonal` on their k-th diagonal, as `tf.linalg.diag`.

    Args:
        diagonal: shape `[..., N]`.
        k: the diagonal offset (0 main, > 0 above, < 0 below). A band `(k0, k1)`
            with `k0 != k1` is not supported.
        num_rows, num_cols: the output matrix size (-1: the smallest that fits).
        padding_value: the value everywhere else.

    Returns:
        Shape `[..., num_rows, num_cols]`.

    Example:
    >>> ts.linalg.diag(ts.constant([1., 2.])).numpy()
    array([[1., 0.],
           [0., 2.]], dtype=float32)
    """
    d = t(diagonal)
    _rank_at_least(d, 1, "MatrixDiagV3", "diag", "diagonal")
    k = _single_k(k, "MatrixDiagV3", "diag")
    n = d._a.shape[-1]
    rows = int(num_rows) if num_rows is not None else -1
    cols = int(num_cols) if num_cols is not None else -1
    min_r, min_c = n + max(-k, 0), n + max(k, 0)
    if rows == -1 and cols == -1:
        rows = cols = max(min_r, min_c)
    elif rows == -1:
        rows = min_r
    elif cols == -1:
        cols = min_c
    if min(rows - max(-k, 0), cols - max(k, 0)) != n:
        raise _err("MatrixDiagV3", f"diag: a diagonal of length {n} (shape {_shape(d)}) does not "
                                   f"fit as diagonal k={k} of a {rows}x{cols} matrix; choose "
                                   "num_rows/num_cols so the diagonal has exactly that length.")
    if isinstance(padding_value, Tensor):
        padding_value = padding_value.numpy().item()
    return _diag(d, k=k, rows=rows, cols=cols, pad=padding_value)


def diag_part(input, name="diag_part", k=0, padding_value=0, align="RIGHT_LEFT"):
    """The k-th diagonal of each matrix in `input`, as `tf.linalg.diag_part`.

    Args:
        input: shape `[..., M, N]`.
        k: the diagonal offset (an int).

    Returns:
        Shape `[..., min(M + min(k, 0), N - max(k, 0))]`.
    """
    x = t(input)
    _rank_at_least(x, 2, "MatrixDiagPartV3", "diag_part")
    k = _single_k(k, "MatrixDiagPartV3", "diag_part")
    r, c = x._a.shape[-2:]
    if not (-r < k < c) and (r or c):
        raise _err("MatrixDiagPartV3", f"diag_part: k={k} is outside ({-r}, {c}) for a matrix of "
                                       f"shape {_shape(x)}.")
    return _diag_part(x, k=k)


def _set_diag_fwd(a, d, k=0):
    out = a.copy()
    i, j = _diag_idx(xp_of(a), d.shape[-1], k)
    out[..., i, j] = d
    return out


_set_diag = Primitive("MatrixSetDiagV3")
_set_diag._fwd = _set_diag_fwd
_set_diag._grad = lambda g, out, x, d, k=0: (
    _set_diag(g, zeros_like(_diag_part(g, k=k)), k=k), _diag_part(g, k=k))


def set_diag(input, diagonal, name="set_diag", k=0, align="RIGHT_LEFT"):
    """`input` with its k-th diagonal replaced by `diagonal`, as `tf.linalg.set_diag`.

    Args:
        input: shape `[..., M, N]`.
        diagonal: shape `[..., L]` with L the length of that diagonal.
    """
    x, d, xa, da = coerce_pair("MatrixSetDiagV3", input, diagonal)
    x = x if isinstance(x, Tensor) else _wrap(xa)
    d = d if isinstance(d, Tensor) else _wrap(da)
    _rank_at_least(x, 2, "MatrixSetDiagV3", "set_diag")
    k = _single_k(k, "MatrixSetDiagV3", "set_diag")
    r, c = xa.shape[-2:]
    n = min(r + min(k, 0), c - max(k, 0))
    want = tuple(xa.shape[:-2]) + (n,)
    if tuple(da.shape) != want:
        raise _err("MatrixSetDiagV3", f"set_diag: diagonal must have shape {want} for input of "
                                      f"shape {tuple(xa.shape)} and k={k}, got {tuple(da.shape)}.")
    return _set_diag(x, d, k=k)


def _band_mask(xp, r, c, lower, upper):
    i = xp.arange(r)[:, None]
    j = xp.arange(c)[None, :]
    m = xp.ones((r, c), dtype=bool)
    if lower >= 0:
        m &= (i - j) <= lower
    if upper >= 0:
        m &= (j - i) <= upper
    return m


def _band_fwd(a, lower=-1, upper=-1):
    xp = xp_of(a)
    m = _band_mask(xp, a.shape[-2], a.shape[-1], lower, upper)
    return xp.where(m, a, xp.zeros((), dtype=a.dtype))


_band = Primitive("MatrixBandPart")
_band._fwd = _band_fwd
_band._grad = lambda g, out, x, lower=-1, upper=-1: _band(g, lower=lower, upper=upper)


def band_part(input, num_lower, num_upper, name=None):
    """Keeps a band around the diagonal of each matrix and zeroes the rest, as `tf.linalg.band_part`.

    Entry `(i, j)` is kept when `(num_lower < 0 or i - j <= num_lower)` and
    `(num_upper < 0 or j - i <= num_upper)`.

    Example:
    >>> x = ts.ones([3, 3])
    >>> ts.linalg.band_part(x, -1, 0).numpy()   # lower triangle; (0, 0) keeps the diagonal
    array([[1., 0., 0.],
           [1., 1., 0.],
           [1., 1., 1.]], dtype=float32)
    """
    x = t(input)
    _rank_at_least(x, 2, "MatrixBandPart", "band_part")
    lo, up = (int(np.asarray(v.numpy() if isinstance(v, Tensor) else v))
              for v in (num_lower, num_upper))
    return _band(x, lower=lo, upper=up)


def trace(x, name=None):
    """Sum of the main diagonal of each matrix in `x` (shape `[..., M, N]`), as `tf.linalg.trace`."""
    x = t(x)
    _rank_at_least(x, 2, "Trace", "trace")
    return reduce_sum(diag_part(x), axis=-1)


def cross(a, b, name=None):
    """Cross product of 3-vectors along the last axis (batch axes broadcast), as `tf.linalg.cross`."""
    a, b, aa, ba = coerce_pair("Cross", a, b)
    a = a if isinstance(a, Tensor) else _wrap(aa)
    b = b if isinstance(b, Tensor) else _wrap(ba)
    if aa.ndim < 1 or ba.ndim < 1 or aa.shape[-1] != 3 or ba.shape[-1] != 3:
        raise _err("Cross", f"cross: both inputs need a last axis of size 3, got shapes "
                            f"{tuple(aa.shape)} and {tuple(ba.shape)}.")
    eps = np.zeros((3, 3, 3))
    for i, j, k in ((0, 1, 2), (1, 2, 0), (2, 0, 1)):
        eps[i, j, k], eps[i, k, j] = 1, -1
    return einsum("ijk,...j,...k->...i", _const(a, eps), a, b)


# ---------------------------------------------------------------------------
# Norms
# ---------------------------------------------------------------------------
def _max_fwd(a, axis=None):
    return xp_of(a).max(a, axis=axis, keepdims=True)


def _max_grad(g, out, x, axis=None):
    w = where(equal(x, out), ones_like(x), zeros_like(x))
    return divide(multiply(g, w), reduce_sum(w, axis=axis, keepdims=True))


_maxk = Primitive("NormMax")   # reduce_max with keepdims, ties share the gradient
_maxk._fwd = _max_fwd
_maxk._grad = _max_grad

_VECTOR_ORDS = ("euclidean", 1, 2, np.inf)


def norm(tensor, ord="euclidean", axis=None, keepdims=None, name=None):
    """Vector or matrix norm, as `tf.norm` (also `ts.linalg.norm`).

    Args:
        tensor: a floating-point tensor.
        ord: `'euclidean'` (default), `'fro'`, 1, 2, `np.inf`, or any p > 0 for vectors.
            Matrix norms (a 2-tuple `axis`) accept `'euclidean'`/`'fro'` (Frobenius),
            1 (max column sum), 2 (largest singular value) and `np.inf` (max row sum).
        axis: None (the whole tensor as one vector), an int (a batch of vectors), or a
            2-tuple of ints (a batch of matrices).
        keepdims: keep the reduced axes with size 1.

    Example:
    >>> float(ts.norm(ts.constant([3., 4.])))
    5.0
    """
    x = _float(tensor, "Norm", "norm")
    nd = x._a.ndim
    matrix = isinstance(axis, (list, tuple)) and len(axis) == 2
    if matrix:
        axes = norm_axis(axis, nd, "norm")
        if axes[0] == axes[1]:
            raise ValueError(f"norm: 'axis' must be None, an integer, or a tuple of 2 unique "
                             f"integers, got {axis}.")
        if not (isinstance(ord, str) and ord in ("euclidean", "fro")) and ord not in (1, 2, np.inf):
            raise ValueError(f"norm: 'ord' must be a supported matrix norm in ['euclidean', "
                             f"'fro', 1, 2, inf], got {ord!r}.")
    else:
        if axis is None:
            axes = tuple(range(nd))
        elif isinstance(axis, (list, tuple)) and len(axis) != 1:
            raise ValueError(f"norm: 'axis' must be None, an integer, or a tuple of 2 unique "
                             f"integers, got {axis}.")
        else:
            axes = norm_axis(axis, nd, "norm")
        ok = (isinstance(ord, str) and ord == "euclidean") or (
            not isinstance(ord, (str, bool)) and np.isreal(ord) and ord > 0)
        if not ok:
            raise ValueError(f"norm: 'ord' must be a supported vector norm ('euclidean', 1, 2, "
                             f"inf or any p > 0), got {ord!r}. 'fro' needs a 2-tuple axis.")
    if ord in ("euclidean", "fro") or (ord == 2 and not matrix):
        r = sqrt(reduce_sum(multiply(x, x), axis=axes, keepdims=True))
    elif matrix and ord == 2:
        from .linalg_decomp import svd
        s = svd(_move_last(x, axes), compute_uv=False)
        r = _maxk(s, axis=(s._a.ndim - 1,))
        keep = tuple(1 if i in axes else d for i, d in enumerate(x._a.shape))
        r = reshape(r, keep)
    elif matrix:
        sum_ax, max_ax = (axes[0], axes[1]) if ord == 1 else (axes[1], axes[0])
        r = _maxk(reduce_sum(_abs(x), axis=sum_ax, keepdims=True), axis=(max_ax,))
    elif ord == 1:
        r = reduce_sum(_abs(x), axis=axes, keepdims=True)
    elif ord == np.inf:
        r = _maxk(_abs(x), axis=axes)
    else:
        p = float(ord)
        r = pow(reduce_sum(pow(_abs(x), p), axis=axes, keepdims=True), 1.0 / p)
    if not keepdims:
        r = reshape(r, tuple(d for i, d in enumerate(x._a.shape) if i not in axes))
    return r


from .linalg_decomp import (cholesky, cholesky_solve, det, eigh, eigvalsh, inv,  # noqa: E402
                            logdet, lstsq, pinv, qr, slogdet, solve, svd, triangular_solve)

_LINALG = ["matmul", "matvec", "tensordot", "einsum", "norm", "diag", "diag_part", "set_diag",
           "band_part", "trace", "cross", "matrix_transpose", "adjoint", "eye", "inv", "det",
           "slogdet", "logdet", "cholesky", "cholesky_solve", "solve", "triangular_solve",
           "lstsq", "qr", "svd", "eigh", "eigvalsh", "pinv", ("transpose", "matrix_transpose")]
__api__ = {"ts": ["matmul", "tensordot", "einsum", "norm"], "linalg": _LINALG,
           "math": ["matmul"]}

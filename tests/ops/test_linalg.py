"""Tests for ts.linalg: values against NumPy, gradients by finite differences, errors."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tessera as ts
from tessera.core.errors import InvalidArgumentError, UnimplementedError
from tests.gradcheck import check_grad, check_second_order

R = np.random.default_rng(1234)


def rnd(*shape):
    return R.standard_normal(shape)


def spd(n, batch=()):
    a = R.standard_normal(batch + (n, n))
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


def well(n, batch=()):
    """A well-conditioned (diagonally dominant) matrix."""
    return R.standard_normal(batch + (n, n)) * 0.3 + 2 * np.eye(n)


def distinct_sym(n):
    q, _ = np.linalg.qr(R.standard_normal((n, n)))
    return q @ np.diag(np.arange(1, n + 1) * 1.5) @ q.T


def sym(x):
    return (x + ts.linalg.matrix_transpose(x)) * 0.5


# ---------------------------------------------------------------------------
# matmul / matvec
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("ta,tb", [(False, False), (True, False), (False, True), (True, True)])
def test_matmul_transposes_values_and_grad(ta, tb):
    a = rnd(4, 3) if ta else rnd(3, 4)
    b = rnd(5, 4) if tb else rnd(4, 5)
    ref = (a.T if ta else a) @ (b.T if tb else b)
    np.testing.assert_allclose(ts.matmul(a, b, transpose_a=ta, transpose_b=tb).numpy(), ref)
    check_grad(lambda x, y: ts.matmul(x, y, transpose_a=ta, transpose_b=tb), a, b)


def test_matmul_adjoint_is_transpose_for_reals():
    a, b = rnd(4, 3), rnd(5, 4)
    np.testing.assert_allclose(ts.matmul(a, b, adjoint_a=True, adjoint_b=True).numpy(), a.T @ b.T)


def test_matmul_complex_adjoint_conjugates():
    a = (rnd(2, 3) + 1j * rnd(2, 3)).astype(np.complex128)
    b = (rnd(2, 4) + 1j * rnd(2, 4)).astype(np.complex128)
    np.testing.assert_allclose(ts.matmul(a, b, adjoint_a=True).numpy(), a.conj().T @ b)


def test_matmul_batched_and_broadcast_grad():
    a, b = rnd(2, 3, 4), rnd(2, 4, 2)
    np.testing.assert_allclose(ts.matmul(a, b).numpy(), a @ b)
    check_grad(ts.matmul, a, b)
    a, b = rnd(2, 1, 3, 4), rnd(3, 4, 2)      # batch dims broadcast to (2, 3)
    out = ts.matmul(a, b)
    assert out.shape == (2, 3, 3, 2)
    np.testing.assert_allclose(out.numpy(), a @ b)
    check_grad(lambda x, y: ts.matmul(x, y, transpose_b=False), a, b)
    check_grad(lambda x, y: ts.matmul(x, y, transpose_a=True), rnd(2, 1, 4, 3), rnd(4, 2))
    check_grad(lambda x, y: x @ y, rnd(3, 4), rnd(2, 4, 2))


def test_matmul_second_order():
    check_second_order(lambda x, y: ts.matmul(x * x, y), rnd(2, 3), rnd(3, 2))


def test_matmul_operator_and_int():
    a = ts.constant([[1, 2], [3, 4]])
    np.testing.assert_array_equal((a @ a).numpy(), np.array([[7, 10], [15, 22]]))
    assert (a @ a).dtype == ts.int32
    np.testing.assert_allclose((np.eye(2) @ ts.constant(np.ones((2, 2)))).numpy(), np.ones((2, 2)))


def test_matmul_errors():
    with pytest.raises(InvalidArgumentError, match=r"matmul: inner dimensions differ.*\(2, 3\).*\(4, 5\)"):
        ts.matmul(ts.ones([2, 3]), ts.ones([4, 5]))
    with pytest.raises(InvalidArgumentError, match=r"rank >= 2.*matvec"):
        ts.matmul(ts.ones([3]), ts.ones([3, 2]))
    with pytest.raises(InvalidArgumentError, match=r"batch dimensions.*do not broadcast"):
        ts.matmul(ts.ones([2, 2, 3]), ts.ones([3, 3, 2]))
    with pytest.raises(InvalidArgumentError, match=r"ts.cast"):
        ts.matmul(ts.ones([2, 2]), ts.constant([[1, 2], [3, 4]]))


def test_matvec():
    a, b = rnd(2, 3, 4), rnd(4)
    np.testing.assert_allclose(ts.linalg.matvec(a, b).numpy(), a @ b)
    at = rnd(2, 3)
    np.testing.assert_allclose(ts.linalg.matvec(a, at, transpose_a=True).numpy(),
                               np.einsum("bij,bi->bj", a, at))
    check_grad(ts.linalg.matvec, a, rnd(2, 4))
    with pytest.raises(InvalidArgumentError, match=r"matvec: a has shape \(2, 3, 4\).*\(5,\)"):
        ts.linalg.matvec(a, rnd(5))


# ---------------------------------------------------------------------------
# tensordot / einsum
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("sa,sb,axes", [
    ((2, 3, 4), (4, 3, 5), [[1, 2], [1, 0]]),
    ((2, 3), (3, 4), 1),
    ((2, 3), (4,), 0),
    ((3, 4), (3, 4), 2),
    ((2, 3), (3, 2), [1, 0]),
])
def test_tensordot_values_and_grad(sa, sb, axes):
    a, b = rnd(*sa), rnd(*sb)
    np.testing.assert_allclose(ts.tensordot(a, b, axes).numpy(), np.tensordot(a, b, axes),
                               rtol=1e-12, atol=1e-12)
    check_grad(lambda x, y: ts.tensordot(x, y, axes), a, b)


def test_tensordot_errors():
    with pytest.raises(InvalidArgumentError, match=r"tensordot: axis 1 of a \(size 3\).*axis 0 of b \(size 4\)"):
        ts.tensordot(ts.ones([2, 3]), ts.ones([4, 5]), 1)
    with pytest.raises(InvalidArgumentError, match=r"same length"):
        ts.tensordot(ts.ones([2, 3]), ts.ones([3, 5]), [[0, 1], [0]])
    with pytest.raises(InvalidArgumentError, match=r"axes=3"):
        ts.tensordot(ts.ones([2, 3]), ts.ones([3, 5]), 3)


EINSUMS = [
    ("ij,jk->ik", [(3, 4), (4, 2)]),
    ("ij,jk", [(3, 4), (4, 2)]),
    ("ij->ji", [(3, 4)]),
    ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]),
    ("ij->", [(2, 3)]),
    ("i,i->", [(4,), (4,)]),
    ("i,j->ij", [(3,), (2,)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 2)]),
    ("bhqd,bhkd->bhqk", [(2, 2, 3, 4), (2, 2, 5, 4)]),
    ("ijk,jil->kl", [(2, 3, 4), (3, 2, 5)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
    ("...ij,...jk->...ik", [(2, 3, 4), (4, 2)]),
    ("...ij,...jk", [(5, 2, 3), (5, 3, 2)]),
    ("i...j,j->i...", [(2, 3, 4, 5), (5,)]),
    ("...ii->...i", [(2, 3, 3)]),
    ("iij->j", [(3, 3, 2)]),
    ("ij,ij->ij", [(2, 3), (2, 3)]),
    ("ij,kj->", [(2, 3), (4, 3)]),
    ("i,ij->j", [(3,), (3, 2)]),
    ("ab,cd->abcd", [(2, 1), (1, 3)]),
    ("...j,...j->...", [(2, 1, 3), (4, 3)]),
]


@pytest.mark.parametrize("eq,shapes", EINSUMS)
def test_einsum_values_and_grad(eq, shapes):
    xs = [rnd(*s) for s in shapes]
    np.testing.assert_allclose(ts.einsum(eq, *xs).numpy(), np.einsum(eq, *xs), rtol=1e-10,
                               atol=1e-12)
    check_grad(lambda *ts_: ts.einsum(eq, *ts_), *xs)


def test_einsum_second_order():
    check_second_order(lambda x, y: ts.einsum("ij,jk->ik", x * x, y), rnd(2, 3), rnd(3, 2))
    check_second_order(lambda x: ts.einsum("ii,ij->j", x, x), rnd(3, 3))


def test_einsum_broadcasting_size_one_ellipsis_grad():
    a, b = rnd(2, 1, 3, 4), rnd(5, 4, 2)
    out = ts.einsum("...ij,...jk->...ik", a, b)
    assert out.shape == (2, 5, 3, 2)
    np.testing.assert_allclose(out.numpy(), np.einsum("...ij,...jk->...ik", a, b))
    check_grad(lambda x, y: ts.einsum("...ij,...jk->...ik", x, y), a, b)


def test_einsum_int_and_float32():
    a = ts.constant([[1, 2], [3, 4]])
    np.testing.assert_array_equal(ts.einsum("ij,jk->ik", a, a).numpy(), [[7, 10], [15, 22]])
    assert ts.einsum("ij->", ts.ones([2, 3])).dtype == ts.float32


def _unbroadcast(g, shape):
    g = g.sum(axis=tuple(range(g.ndim - len(shape))))
    return g.sum(axis=tuple(i for i, d in enumerate(shape) if d == 1), keepdims=True)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(1, 3), min_size=0, max_size=3),
       st.lists(st.booleans(), min_size=3, max_size=3), st.integers(0, 3))
def test_einsum_ellipsis_broadcast_hypothesis(batch, ones, drop):
    sa = tuple(1 if o else d for d, o in zip(batch, ones)) + (2, 3)
    sb = tuple(batch[min(drop, len(batch)):]) + (3, 2)
    a, b = rnd(*sa), rnd(*sb)
    np.testing.assert_allclose(ts.einsum("...ij,...jk->...ik", a, b).numpy(),
                               np.einsum("...ij,...jk->...ik", a, b), rtol=1e-10, atol=1e-12)
    with ts.GradientTape() as tape:
        x, y = ts.constant(a), ts.constant(b)
        tape.watch([x, y])
        loss = ts.reduce_sum(ts.einsum("...ij,...jk->...ik", x, y))
    gx, gy = tape.gradient(loss, [x, y])
    batch_shape = np.broadcast_shapes(sa[:-2], sb[:-2])
    full = np.broadcast_to(b.sum(-1)[..., None, :], batch_shape + (2, 3))
    np.testing.assert_allclose(gx.numpy(), _unbroadcast(full, sa))
    assert gy.shape == sb


def test_einsum_errors():
    with pytest.raises(InvalidArgumentError, match=r"einsum: label 'j' has size 4 in operand 0 "
                       r"\(shape \(2, 4\)\) but 3 in operand 1 \(shape \(3, 2\)\).*'ij,jk->ik'"):
        ts.einsum("ij,jk->ik", ts.ones([2, 4]), ts.ones([3, 2]))
    with pytest.raises(InvalidArgumentError, match=r"names 2 operand\(s\) but 1 were given"):
        ts.einsum("ij,jk->ik", ts.ones([2, 4]))
    with pytest.raises(InvalidArgumentError, match=r"operand 0 has shape \(2, 4\) \(rank 2\).*'ijk'"):
        ts.einsum("ijk->i", ts.ones([2, 4]))
    with pytest.raises(InvalidArgumentError, match=r"output label 'z'"):
        ts.einsum("ij->z", ts.ones([2, 4]))
    with pytest.raises(InvalidArgumentError, match=r"add '...' to the output"):
        ts.einsum("...ij->ij", ts.ones([3, 2, 4]))
    with pytest.raises(InvalidArgumentError, match=r"do not broadcast"):
        ts.einsum("...i,...i->...", ts.ones([3, 2]), ts.ones([4, 2]))
    with pytest.raises(InvalidArgumentError, match=r"one dtype"):
        ts.einsum("i,i->", ts.ones([2]), ts.constant([1, 2]))
    with pytest.raises(InvalidArgumentError, match=r"repeats a label"):
        ts.einsum("ij->ii", ts.ones([2, 2]))


# ---------------------------------------------------------------------------
# transpose, diagonals, bands, trace
# ---------------------------------------------------------------------------
def test_matrix_transpose_and_adjoint():
    x = rnd(2, 3, 4)
    np.testing.assert_allclose(ts.linalg.matrix_transpose(x).numpy(), np.swapaxes(x, -1, -2))
    np.testing.assert_allclose(ts.linalg.transpose(x).numpy(), np.swapaxes(x, -1, -2))
    c = rnd(2, 3) + 1j * rnd(2, 3)
    np.testing.assert_allclose(ts.linalg.adjoint(c).numpy(), c.conj().T)
    check_grad(ts.linalg.matrix_transpose, x)
    with pytest.raises(InvalidArgumentError, match=r"matrix_transpose.*rank >= 2.*\(3,\)"):
        ts.linalg.matrix_transpose(ts.ones([3]))


@pytest.mark.parametrize("k,nr,nc", [(0, -1, -1), (1, -1, -1), (-2, -1, -1), (1, 3, 6),
                                     (0, 3, 5), (-1, 5, -1)])
def test_diag_values_and_grad(k, nr, nc):
    d = rnd(2, 3)
    out = ts.linalg.diag(d, k=k, num_rows=nr, num_cols=nc, padding_value=7.0).numpy()
    for b in range(2):
        ref_square = np.diag(d[b], k)
        r = ref_square.shape[0] if nr == -1 else nr
        c = ref_square.shape[1] if nc == -1 else nc
        if nr == -1 and nc != -1:
            r = 3 + max(-k, 0)
        if nc == -1 and nr != -1:
            c = 3 + max(k, 0)
        ref = np.full((r, c), 7.0)
        for i in range(3):
            ref[i + max(-k, 0), i + max(k, 0)] = d[b, i]
        assert out[b].shape == (r, c)
        np.testing.assert_allclose(out[b], ref)
    check_grad(lambda x: ts.linalg.diag(x, k=k, num_rows=nr, num_cols=nc), d)


@pytest.mark.parametrize("k", [0, 1, -1, 2])
def test_diag_part_values_and_grad(k):
    x = rnd(2, 3, 4)
    ref = np.stack([np.diag(m, k) for m in x])
    np.testing.assert_allclose(ts.linalg.diag_part(x, k=k).numpy(), ref)
    check_grad(lambda y: ts.linalg.diag_part(y, k=k), x)


def test_diag_errors():
    with pytest.raises(InvalidArgumentError, match=r"diag: a diagonal of length 3.*2x2"):
        ts.linalg.diag(ts.ones([3]), num_rows=2, num_cols=2)
    with pytest.raises(InvalidArgumentError, match=r"diag_part: k=5 is outside"):
        ts.linalg.diag_part(ts.ones([3, 3]), k=5)
    with pytest.raises(UnimplementedError, match=r"band of diagonals"):
        ts.linalg.diag_part(ts.ones([3, 3]), k=(0, 1))


def test_set_diag():
    x, d = rnd(2, 3, 3), rnd(2, 2)
    out = ts.linalg.set_diag(x, d, k=1).numpy()
    ref = x.copy()
    for b in range(2):
        ref[b, [0, 1], [1, 2]] = d[b]
    np.testing.assert_allclose(out, ref)
    check_grad(lambda a, b: ts.linalg.set_diag(a, b, k=1), x, d)
    with pytest.raises(InvalidArgumentError, match=r"set_diag: diagonal must have shape \(2, 3\)"):
        ts.linalg.set_diag(x, rnd(2, 2))


@pytest.mark.parametrize("lo,up", [(-1, 0), (0, -1), (0, 0), (1, 2), (-1, -1)])
def test_band_part(lo, up):
    x = rnd(2, 4, 5)
    i, j = np.arange(4)[:, None], np.arange(5)[None, :]
    m = ((lo < 0) | (i - j <= lo)) & ((up < 0) | (j - i <= up))
    np.testing.assert_allclose(ts.linalg.band_part(x, lo, up).numpy(), np.where(m, x, 0))
    check_grad(lambda y: ts.linalg.band_part(y, lo, up), x)


def test_trace():
    x = rnd(2, 3, 4)
    np.testing.assert_allclose(ts.linalg.trace(x).numpy(), np.trace(x, axis1=-2, axis2=-1))
    check_grad(ts.linalg.trace, x)


def test_cross():
    a, b = rnd(2, 3), rnd(3)
    np.testing.assert_allclose(ts.linalg.cross(a, b).numpy(), np.cross(a, b))
    check_grad(ts.linalg.cross, a, rnd(2, 3))
    with pytest.raises(InvalidArgumentError, match=r"cross: .*size 3.*\(2, 4\)"):
        ts.linalg.cross(ts.ones([2, 4]), ts.ones([2, 4]))


# ---------------------------------------------------------------------------
# norm
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("ord,axis,keepdims", [
    ("euclidean", None, False), ("euclidean", 1, True), (1, 0, False), (2, -1, False),
    (np.inf, 1, False), (3, 1, False), (0.5, None, True), ("fro", (0, 1), False),
    ("euclidean", (1, 2), True), (1, (1, 2), False), (np.inf, (-2, -1), True), (2, (1, 2), False),
    (1, (2, 1), False),
])
def test_norm_values_and_grad(ord, axis, keepdims):
    x = rnd(3, 4) if axis == (0, 1) else rnd(2, 3, 4)
    if axis is None:
        ref = np.linalg.norm(x.ravel(), ord=2 if ord == "euclidean" else ord)
        if keepdims:
            ref = np.reshape(ref, (1,) * x.ndim)
    else:
        npord = {"euclidean": None, "fro": "fro"}.get(ord, ord)
        if isinstance(axis, int) and npord is None:
            npord = 2
        ref = np.linalg.norm(x, ord=npord, axis=axis, keepdims=keepdims)
    out = ts.norm(x, ord=ord, axis=axis, keepdims=keepdims)
    assert out.shape == np.shape(ref)
    np.testing.assert_allclose(out.numpy(), ref, rtol=1e-10)
    check_grad(lambda y: ts.norm(y, ord=ord, axis=axis, keepdims=keepdims), x, rtol=1e-4, atol=1e-6)


def test_norm_aliases_and_dtype():
    assert ts.linalg.norm is ts.norm
    x = ts.constant([3.0, 4.0])
    assert ts.norm(x).dtype == ts.float32
    assert float(ts.norm(x)) == 5.0
    assert float(ts.norm(x, ord=1)) == 7.0
    assert float(ts.norm(x, ord=np.inf)) == 4.0


def test_norm_errors():
    with pytest.raises(ValueError, match=r"'ord' must be a supported vector norm.*'fro'"):
        ts.norm(ts.ones([3]), ord="fro")
    with pytest.raises(ValueError, match=r"supported matrix norm.*3"):
        ts.norm(ts.ones([3, 3]), ord=3, axis=(0, 1))
    with pytest.raises(ValueError, match=r"'axis' must be None, an integer, or a tuple of 2 unique"):
        ts.norm(ts.ones([3, 3]), axis=(0, 0))
    with pytest.raises(ValueError, match=r"vector norm"):
        ts.norm(ts.ones([3]), ord=-1)
    with pytest.raises(InvalidArgumentError, match=r"norm expects a floating-point.*ts.cast"):
        ts.norm(ts.constant([1, 2]))


# ---------------------------------------------------------------------------
# inv, det, slogdet, logdet
# ---------------------------------------------------------------------------
def test_inv_det_slogdet_values():
    x = well(3, (2,))
    np.testing.assert_allclose(ts.linalg.inv(x).numpy(), np.linalg.inv(x), rtol=1e-10)
    np.testing.assert_allclose(ts.linalg.inv(x, adjoint=True).numpy(),
                               np.linalg.inv(np.swapaxes(x, -1, -2)), rtol=1e-10)
    np.testing.assert_allclose(ts.linalg.det(x).numpy(), np.linalg.det(x), rtol=1e-10)
    sign, logabs = ts.linalg.slogdet(-x)
    rs, rl = np.linalg.slogdet(-x)
    np.testing.assert_allclose(sign.numpy(), rs)
    np.testing.assert_allclose(logabs.numpy(), rl, rtol=1e-10)
    p = spd(3)
    np.testing.assert_allclose(ts.linalg.logdet(p).numpy(), np.linalg.slogdet(p)[1], rtol=1e-10)
    f32 = ts.linalg.inv(ts.constant(well(2).astype(np.float32)))
    assert f32.dtype == ts.float32
    h = ts.linalg.det(ts.constant(np.eye(2, dtype=np.float16) * 2))
    assert h.dtype == ts.float16 and float(h) == 4.0


def test_inv_det_slogdet_grads():
    x = well(3, (2,))
    check_grad(ts.linalg.inv, x)
    check_grad(lambda a: ts.linalg.inv(a, adjoint=True), x)
    check_grad(ts.linalg.det, x)
    check_grad(lambda a: ts.linalg.slogdet(a)[1], -x)
    check_grad(lambda a: ts.linalg.logdet(sym(a)), spd(3))
    check_second_order(ts.linalg.det, well(2))


def test_inv_errors():
    with pytest.raises(InvalidArgumentError, match=r"MatrixInverse: Input is not invertible.*pinv"):
        ts.linalg.inv(ts.zeros([2, 2]))
    with pytest.raises(InvalidArgumentError, match=r"inv: input must be a square matrix.*\(2, 3\)"):
        ts.linalg.inv(ts.ones([2, 3]))
    with pytest.raises(InvalidArgumentError, match=r"det expects a floating-point.*ts.cast"):
        ts.linalg.det(ts.constant([[1, 2], [3, 4]]))


# ---------------------------------------------------------------------------
# cholesky, solves, lstsq, pinv
# ---------------------------------------------------------------------------
def test_cholesky_values_grad_errors():
    p = spd(3, (2,))
    np.testing.assert_allclose(ts.linalg.cholesky(p).numpy(), np.linalg.cholesky(p), rtol=1e-10)
    check_grad(lambda a: ts.linalg.cholesky(sym(a)), spd(3))
    check_second_order(lambda a: ts.linalg.cholesky(sym(a)), spd(2))
    with pytest.raises(InvalidArgumentError, match=r"Cholesky decomposition was not successful.*positive definite"):
        ts.linalg.cholesky(-ts.eye(2))


@pytest.mark.parametrize("adjoint", [False, True])
def test_solve(adjoint):
    a, b = well(3, (2,)), rnd(2, 3, 2)
    ref = np.linalg.solve(np.swapaxes(a, -1, -2) if adjoint else a, b)
    np.testing.assert_allclose(ts.linalg.solve(a, b, adjoint=adjoint).numpy(), ref, rtol=1e-10)
    check_grad(lambda x, y: ts.linalg.solve(x, y, adjoint=adjoint), a, b)
    check_grad(lambda x, y: ts.linalg.solve(x, y, adjoint=adjoint), well(3), rnd(2, 3, 2))


def test_solve_errors():
    with pytest.raises(InvalidArgumentError, match=r"solve: rhs must have shape \[..., 3, K\].*\(3,\).*expand_dims"):
        ts.linalg.solve(ts.eye(3), ts.ones([3]))
    with pytest.raises(InvalidArgumentError, match=r"solve: matrix must be a square.*\(2, 3\)"):
        ts.linalg.solve(ts.ones([2, 3]), ts.ones([2, 1]))
    with pytest.raises(InvalidArgumentError, match=r"not invertible"):
        ts.linalg.solve(ts.zeros([2, 2]), ts.ones([2, 1]))


@pytest.mark.parametrize("lower,adjoint", [(True, False), (False, False), (True, True), (False, True)])
def test_triangular_solve(lower, adjoint):
    a, b = well(3, (2,)), rnd(2, 3, 2)
    tri = np.tril(a) if lower else np.triu(a)
    ref = np.linalg.solve(np.swapaxes(tri, -1, -2) if adjoint else tri, b)
    out = ts.linalg.triangular_solve(a, b, lower=lower, adjoint=adjoint)
    np.testing.assert_allclose(out.numpy(), ref, rtol=1e-10)
    check_grad(lambda x, y: ts.linalg.triangular_solve(x, y, lower=lower, adjoint=adjoint), a, b)


def test_cholesky_solve_lstsq_pinv():
    p, b = spd(3), rnd(3, 2)
    c = np.linalg.cholesky(p)
    np.testing.assert_allclose(ts.linalg.cholesky_solve(c, b).numpy(), np.linalg.solve(p, b), rtol=1e-10)
    check_grad(ts.linalg.cholesky_solve, c, b)
    a, y = rnd(5, 3), rnd(5, 2)
    ref = np.linalg.lstsq(a, y, rcond=None)[0]
    np.testing.assert_allclose(ts.linalg.lstsq(a, y).numpy(), ref, rtol=1e-8)
    np.testing.assert_allclose(ts.linalg.lstsq(a, y, fast=False).numpy(), ref, rtol=1e-8)
    lam = 0.5
    np.testing.assert_allclose(ts.linalg.lstsq(a, y, l2_regularizer=lam).numpy(),
                               np.linalg.solve(a.T @ a + lam * np.eye(3), a.T @ y), rtol=1e-10)
    wide = rnd(2, 4)
    np.testing.assert_allclose(ts.linalg.lstsq(wide, rnd(2, 1)).shape, (4, 1))
    check_grad(ts.linalg.lstsq, a, y)
    np.testing.assert_allclose(ts.linalg.pinv(a).numpy(), np.linalg.pinv(a), rtol=1e-8, atol=1e-12)
    with pytest.raises(InvalidArgumentError, match=r"lstsq: .*share M.*\(5, 3\).*\(4, 2\)"):
        ts.linalg.lstsq(a, rnd(4, 2))


# ---------------------------------------------------------------------------
# QR, SVD, eigh
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("shape,full", [((4, 3), False), ((3, 3), False), ((3, 5), False),
                                        ((2, 4, 3), False), ((3, 3), True), ((3, 5), True),
                                        ((4, 3), True)])
def test_qr_values(shape, full):
    x = rnd(*shape)
    q, r = ts.linalg.qr(x, full_matrices=full)
    m, n = shape[-2:]
    p = m if full else min(m, n)
    assert q.shape == shape[:-2] + (m, p) and r.shape == shape[:-2] + (p, n)
    np.testing.assert_allclose((q @ r).numpy(), x, atol=1e-12)
    qq = q.numpy()
    np.testing.assert_allclose(np.swapaxes(qq, -1, -2) @ qq,
                               np.broadcast_to(np.eye(p), qq.shape[:-2] + (p, p)), atol=1e-12)
    np.testing.assert_allclose(r.numpy(), np.triu(r.numpy()))


@pytest.mark.parametrize("shape", [(4, 3), (3, 3), (3, 5), (2, 3, 2)])
def test_qr_grad(shape):
    check_grad(lambda a: list(ts.linalg.qr(a)), rnd(*shape) + np.eye(*shape[-2:]))


def test_qr_grad_full_deep_unimplemented():
    x = ts.constant(rnd(4, 3))
    with ts.GradientTape() as tape:
        tape.watch(x)
        q, r = ts.linalg.qr(x, full_matrices=True)
        loss = ts.reduce_sum(q)
    with pytest.raises(UnimplementedError, match=r"full_matrices=True.*more rows"):
        tape.gradient(loss, x)


@pytest.mark.parametrize("shape,full", [((4, 3), False), ((3, 3), False), ((3, 5), False),
                                        ((2, 4, 3), False), ((4, 3), True), ((3, 5), True)])
def test_svd_values(shape, full):
    x = rnd(*shape)
    s, u, v = ts.linalg.svd(x, full_matrices=full)
    np.testing.assert_allclose(s.numpy(), np.linalg.svd(x, compute_uv=False), rtol=1e-10)
    k = min(shape[-2:])
    us = u.numpy()[..., :, :k] * s.numpy()[..., None, :]
    np.testing.assert_allclose(us @ np.swapaxes(v.numpy()[..., :, :k], -1, -2), x, atol=1e-12)
    m, n = shape[-2:]
    assert u.shape[-1] == (m if full else k) and v.shape[-1] == (n if full else k)
    s2 = ts.linalg.svd(x, compute_uv=False)
    np.testing.assert_allclose(s2.numpy(), s.numpy(), rtol=1e-10)


def _svd_invariants(a, full=False):
    """Sign-invariant functions of the SVD outputs (each column of u, v may flip sign)."""
    s, u, v = ts.linalg.svd(a, full_matrices=full)
    k = s.shape[-1]
    if full:  # compare only the well-defined columns
        u = ts.einsum("...ij,jk->...ik", u, np.eye(u.shape[-1])[:, :k])
        v = ts.einsum("...ij,jk->...ik", v, np.eye(v.shape[-1])[:, :k])
    w = ts.constant(np.linspace(0.5, 1.5, k))
    return [s, u * u, v * v, ts.matmul(u * w, v, transpose_b=True)]


@pytest.mark.parametrize("shape,full", [((4, 3), False), ((3, 3), False), ((3, 5), False),
                                        ((2, 3, 2), False), ((3, 4), True), ((4, 3), True)])
def test_svd_grad(shape, full):
    check_grad(lambda a: _svd_invariants(a, full), rnd(*shape), rtol=1e-4, atol=1e-6)


def test_svd_values_only_grad_and_norm2():
    x = rnd(3, 4)
    check_grad(lambda a: ts.linalg.svd(a, compute_uv=False), x)
    check_second_order(lambda a: ts.linalg.svd(a, compute_uv=False), rnd(3, 2))


def test_svd_full_grad_unimplemented():
    x = ts.constant(rnd(5, 2))
    with ts.GradientTape() as tape:
        tape.watch(x)
        s, u, v = ts.linalg.svd(x, full_matrices=True)
        loss = ts.reduce_sum(s)
    with pytest.raises(UnimplementedError, match=r"at most 1"):
        tape.gradient(loss, x)


def test_eigh_values():
    a = distinct_sym(4)
    e, v = ts.linalg.eigh(a)
    np.testing.assert_allclose(e.numpy(), np.linalg.eigvalsh(a), rtol=1e-10)
    vv = v.numpy()
    np.testing.assert_allclose(vv @ np.diag(e.numpy()) @ vv.T, a, atol=1e-10)
    np.testing.assert_allclose(ts.linalg.eigvalsh(a).numpy(), np.linalg.eigvalsh(a), rtol=1e-10)
    low_only = np.tril(a) + np.triu(rnd(4, 4), 1)   # the upper triangle is ignored
    np.testing.assert_allclose(ts.linalg.eigvalsh(low_only).numpy(), np.linalg.eigvalsh(a), rtol=1e-10)


def test_eigh_grad():
    a = distinct_sym(3) + np.triu(rnd(3, 3), 1)   # non-symmetric: only the lower part counts
    check_grad(lambda x: [ts.linalg.eigh(x)[0], ts.linalg.eigh(x)[1] ** 2], a)
    check_grad(ts.linalg.eigvalsh, a)
    b = np.stack([distinct_sym(3), distinct_sym(3)])
    check_grad(lambda x: [ts.linalg.eigh(sym(x))[0], ts.linalg.eigh(sym(x))[1] ** 2], b)
    check_second_order(ts.linalg.eigvalsh, distinct_sym(2))


def test_decomposition_errors():
    with pytest.raises(InvalidArgumentError, match=r"eigh: tensor must be a square.*\(2, 3\)"):
        ts.linalg.eigh(ts.ones([2, 3]))
    with pytest.raises(InvalidArgumentError, match=r"svd: tensor must have shape \[..., M, N\].*\(3,\)"):
        ts.linalg.svd(ts.ones([3]))
    with pytest.raises(InvalidArgumentError, match=r"qr expects a floating-point.*ts.cast"):
        ts.linalg.qr(ts.constant([[1, 2], [3, 4]]))


def test_namespaces():
    for name in ["matmul", "tensordot", "einsum", "norm"]:
        assert getattr(ts, name) is getattr(ts.linalg, name)
    for name in ["inv", "det", "slogdet", "logdet", "diag", "diag_part", "set_diag", "trace",
                 "band_part", "cholesky", "cholesky_solve", "solve", "triangular_solve", "qr",
                 "svd", "eigh", "eigvalsh", "matrix_transpose", "adjoint", "lstsq", "matvec",
                 "cross", "pinv", "eye"]:
        assert callable(getattr(ts.linalg, name))

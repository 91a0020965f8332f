"""Gather/scatter ops and Tensor.__getitem__ (tessera/ops/indexing.py) against NumPy."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tessera as ts
from tessera.core.errors import InvalidArgumentError
from tests.gradcheck import check_grad, check_second_order

R = np.random.default_rng(1)


def rnd(*shape):
    return R.standard_normal(shape)


def sq(op):
    return lambda *xs: (lambda y: y * y)(op(*xs))


def grad_of(f, a):
    x = ts.constant(np.asarray(a, dtype=np.float64))
    with ts.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    return tape.gradient(y, x).numpy()


# ---------------------------------------------------------------- gather
def _np_gather(p, ind, axis, bd):
    if bd == 0:
        return np.take(p, ind, axis=axis)
    return np.stack([_np_gather(p[i], ind[i], axis - 1, bd - 1) for i in range(p.shape[0])])


@pytest.mark.parametrize("pshape,ishape,axis,bd", [
    ((5,), (3,), 0, 0), ((4, 3), (2, 2), 0, 0), ((2, 5, 3), (4,), 1, 0),
    ((2, 5, 3), (2, 4), 1, 1), ((2, 3, 4, 5), (2, 3, 2), 2, 2), ((2, 3, 4, 5), (2, 6), 3, 1),
    ((2, 3, 4), (2, 3), 2, 1), ((3, 4), (), 1, 0)])
def test_gather_matches_numpy(pshape, ishape, axis, bd):
    p = rnd(*pshape)
    n = pshape[axis]
    ind = R.integers(0, n, size=ishape)
    np.testing.assert_allclose(ts.gather(p, ind, axis=axis, batch_dims=bd).numpy(),
                               _np_gather(p, ind, axis, bd).astype(np.float32))
    check_grad(lambda x: ts.gather(x, ind, axis=axis, batch_dims=bd), p)
    check_second_order(sq(lambda x: ts.gather(x, ind, axis=axis, batch_dims=bd)), p)


def test_gather_defaults_and_duplicate_gradient():
    p = np.arange(12.).reshape(3, 4)
    np.testing.assert_array_equal(ts.gather(p, [2, 0]).numpy(), p[[2, 0]])
    # axis defaults to batch_dims; negative batch_dims counts from the indices' rank
    ind = np.array([[1, 0], [3, 3], [2, 2]])
    np.testing.assert_array_equal(ts.gather(p, ind, batch_dims=-1).numpy(),
                                  np.take_along_axis(p, ind, 1))
    g = grad_of(lambda x: ts.reduce_sum(ts.gather(x, [0, 2, 0, 0])), p)
    np.testing.assert_array_equal(g, [[3] * 4, [0] * 4, [1] * 4])
    assert ts.gather(ts.constant([1, 2, 3]), ts.constant([2], ts.int64)).numpy().tolist() == [3]


def test_gather_gradient_many_duplicates():
    # more than 64 indices takes the sorted-run path on NumPy; compare with np.add.at
    ind = R.integers(0, 7, size=(20, 10))
    w = rnd(20, 10, 3)
    g = grad_of(lambda x: ts.reduce_sum(ts.gather(x, ind) * ts.constant(w)), np.zeros((7, 3)))
    want = np.zeros((7, 3))
    np.add.at(want, ind, w)
    np.testing.assert_allclose(g, want, rtol=1e-12, atol=1e-12)
    check_grad(lambda x: ts.gather(x, ind[:8]), rnd(7, 2))


def test_gather_errors():
    p = ts.zeros([3, 4])
    with pytest.raises(InvalidArgumentError, match=r"indices\[1\] = 3 is not in \[0, 3\)"):
        ts.gather(p, [0, 3])
    with pytest.raises(InvalidArgumentError, match=r"indices\[0\] = -1 is not in \[0, 3\)"):
        ts.gather(p, [-1])
    with pytest.raises(InvalidArgumentError, match="indices must be int32 or int64, got float32"):
        ts.gather(p, [0.5])
    with pytest.raises(InvalidArgumentError, match="axis 2 is out of range"):
        ts.gather(p, [0], axis=2)
    with pytest.raises(InvalidArgumentError, match="must agree on the first 1 axes"):
        ts.gather(p, [[0], [1]], axis=1, batch_dims=1)


# ---------------------------------------------------------------- gather_nd / scatter_nd
def test_gather_nd():
    p = rnd(3, 4, 2)
    ind = np.array([[[0, 1], [2, 3]], [[1, 1], [0, 0]]])
    want = p[ind[..., 0], ind[..., 1]]
    np.testing.assert_allclose(ts.gather_nd(p, ind).numpy(), want.astype(np.float32))
    np.testing.assert_allclose(ts.gather_nd(p, [[2, 1, 0]]).numpy(), [p[2, 1, 0]], rtol=1e-6)
    check_grad(lambda x: ts.gather_nd(x, ind), p)
    check_second_order(sq(lambda x: ts.gather_nd(x, ind)), p)
    dup = np.array([[1], [1], [0]])
    np.testing.assert_array_equal(grad_of(lambda x: ts.gather_nd(x, dup), np.zeros((3, 2))),
                                  [[1, 1], [2, 2], [0, 0]])


def test_gather_nd_batch_dims():
    p = rnd(2, 3, 4)
    ind = np.array([[[1], [0]], [[2], [2]]])          # batch 2, 2 lookups, 1 coordinate
    want = np.stack([p[b][ind[b, :, 0]] for b in range(2)])
    np.testing.assert_allclose(ts.gather_nd(p, ind, batch_dims=1).numpy(), want.astype(np.float32))
    check_grad(lambda x: ts.gather_nd(x, ind, batch_dims=1), p)


def test_gather_nd_errors():
    with pytest.raises(InvalidArgumentError, match=r"indices\[1\] = \[0, 4\] does not index into a "
                                                   r"tensor of shape \[3, 4\]"):
        ts.gather_nd(ts.zeros([3, 4]), [[0, 0], [0, 4]])
    with pytest.raises(InvalidArgumentError, match="hold 3 coordinates .* only 2 axes"):
        ts.gather_nd(ts.zeros([3, 4]), [[0, 0, 0]])


def test_scatter_nd_accumulates():
    got = ts.scatter_nd([[1], [3], [1]], ts.constant([1., 2., 3.]), [5])
    np.testing.assert_array_equal(got.numpy(), [0, 4, 0, 2, 0])
    got = ts.scatter_nd([[0, 1], [2, 0]], ts.constant([[1, 2], [3, 4]]), [3, 2, 2])
    want = np.zeros((3, 2, 2), np.int32)
    want[0, 1], want[2, 0] = [1, 2], [3, 4]
    np.testing.assert_array_equal(got.numpy(), want)
    ind = np.array([[0], [2], [0]])
    check_grad(lambda u: ts.scatter_nd(ind, u, [3, 2]), rnd(3, 2))
    check_second_order(sq(lambda u: ts.scatter_nd(ind, u, [3, 2])), rnd(3, 2))
    with pytest.raises(InvalidArgumentError, match=r"updates have shape \(2,\).*need updates of shape "
                                                   r"\(3,\)"):
        ts.scatter_nd([[0], [1], [2]], ts.constant([1., 2.]), [4])


@pytest.mark.parametrize("op,np_fn", [
    ("update", lambda z, i, u: z.__setitem__(i, u)),
    ("add", lambda z, i, u: np.add.at(z, i, u)),
    ("sub", lambda z, i, u: np.subtract.at(z, i, u)),
    ("max", lambda z, i, u: np.maximum.at(z, i, u)),
    ("min", lambda z, i, u: np.minimum.at(z, i, u))])
def test_tensor_scatter_ops(op, np_fn):
    fn = getattr(ts, f"tensor_scatter_nd_{op}")
    x = rnd(4, 3)
    ind = np.array([[3], [0]])
    upd = rnd(2, 3)
    want = x.copy()
    np_fn(want, (ind[:, 0],), upd)
    np.testing.assert_allclose(fn(x, ind, upd).numpy(), want.astype(np.float32), rtol=1e-6)
    check_grad(lambda a, b: fn(a, ind, b), x, upd)
    check_second_order(sq(lambda a, b: fn(a, ind, b)), x, upd)


def test_tensor_scatter_add_duplicates_and_dtype():
    got = ts.tensor_scatter_nd_add(ts.ones([4]), [[1], [1], [3]], [1., 2., 3.])
    np.testing.assert_array_equal(got.numpy(), [1, 4, 1, 4])
    with pytest.raises(InvalidArgumentError, match="tensor is float32 but updates are int32"):
        ts.tensor_scatter_nd_update(ts.zeros([3]), [[0]], ts.constant([1]))


# ---------------------------------------------------------------- boolean_mask
def test_boolean_mask():
    x = rnd(3, 4, 2)
    m = R.random((3, 4)) > 0.4
    np.testing.assert_allclose(ts.boolean_mask(x, m).numpy(), x[m].astype(np.float32))
    m1 = np.array([True, False, True, True])
    np.testing.assert_allclose(ts.boolean_mask(x, m1, axis=1).numpy(), x[:, m1].astype(np.float32))
    m2 = R.random((4, 2)) > 0.5
    np.testing.assert_allclose(ts.boolean_mask(x, m2, axis=-2).numpy(), x[:, m2].astype(np.float32))
    check_grad(lambda a: ts.boolean_mask(a, m), x)
    with pytest.raises(InvalidArgumentError, match=r"mask of shape \(2,\) must match "
                                                   r"tensor.shape\[0:1\]"):
        ts.boolean_mask(x, [True, False])
    with pytest.raises(InvalidArgumentError, match="mask must be bool"):
        ts.boolean_mask(x, [1, 0, 1])


# ---------------------------------------------------------------- __getitem__
def _slice_strategy(n):
    bound = st.one_of(st.none(), st.integers(-n - 2, n + 2))
    step = st.one_of(st.none(), st.integers(-3, 3).filter(lambda s: s != 0))
    return st.builds(slice, bound, bound, step)


@st.composite
def _shape_and_key(draw):
    shape = draw(st.lists(st.integers(1, 5), min_size=1, max_size=4))
    key = []
    for n in shape[:draw(st.integers(0, len(shape)))]:
        key.append(draw(st.one_of(_slice_strategy(n), st.integers(-n, n - 1))))
    if draw(st.booleans()):
        key.insert(draw(st.integers(0, len(key))), None)
    if draw(st.booleans()):
        key.insert(draw(st.integers(0, len(key))), Ellipsis)
    return shape, tuple(key)


@settings(max_examples=30, deadline=None)
@given(_shape_and_key())
def test_getitem_basic_matches_numpy(case):
    shape, key = case
    a = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)
    try:
        want = a[key]
    except IndexError:  # an Ellipsis moved an int onto a shorter axis: both must refuse
        with pytest.raises(IndexError, match="out of bounds"):
            ts.constant(a)[key]
        return
    got = ts.constant(a)[key]
    assert tuple(got.shape) == want.shape
    np.testing.assert_array_equal(got.numpy(), want)
    # the gradient scatters back: ones where an element was selected
    g = grad_of(lambda x: x[key], a)
    expect = np.zeros_like(a)
    expect[key] = 1
    np.testing.assert_array_equal(g, expect)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(1, 4), min_size=1, max_size=3), st.data())
def test_getitem_fancy_matches_numpy(shape, data):
    a = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)
    ax = data.draw(st.integers(0, len(shape) - 1))
    n = shape[ax]
    idx = data.draw(st.lists(st.integers(-n, n - 1), min_size=0, max_size=5))
    key = (slice(None),) * ax + (np.array(idx, dtype=np.int64),)
    if ax + 1 < len(shape) and data.draw(st.booleans()):
        key = key + (data.draw(st.integers(0, shape[ax + 1] - 1)),)
    np.testing.assert_array_equal(ts.constant(a)[key].numpy(), a[key])
    g = grad_of(lambda x: x[key], a)
    expect = np.zeros_like(a)
    np.add.at(expect, key, 1)
    np.testing.assert_array_equal(g, expect)


def test_getitem_various_keys():
    a = np.arange(60.).reshape(3, 4, 5)
    x = ts.constant(a)
    cases = [
        (1,), (-1, 2), (slice(None, None, -1),), (Ellipsis, 3), (None, 1, None),
        ([2, 0, 2],), (slice(None), [1, 1], 0), (0, slice(None), [4, 0]),
        ([0, 2], slice(None), [1, 3]), (a[..., 0] > 20,), (Ellipsis, np.array([True, False] * 2 + [True])),
        (np.array([[0, 1], [2, 2]]), Ellipsis), (1, a[1] % 2 == 0),
    ]
    for key in cases:
        np.testing.assert_array_equal(x[key].numpy(), a[key], err_msg=str(key))
    assert x[ts.constant(2)].shape == [4, 5]
    np.testing.assert_array_equal(x[ts.constant([2, 0])].numpy(), a[[2, 0]])
    np.testing.assert_array_equal(x[ts.constant([True, False, True])].numpy(), a[[0, 2]])
    np.testing.assert_array_equal(x[ts.constant(1):ts.constant(3), ::2].numpy(), a[1:3, ::2])
    assert x[1, 2, 3].shape == [] and float(x[1, 2, 3]) == a[1, 2, 3]
    assert x[ts.newaxis].shape == [1, 3, 4, 5]


def test_getitem_gradients():
    a = rnd(3, 4)
    check_grad(lambda x: x[1:, ::-2], a)
    check_grad(lambda x: x[[0, 2, 0], 1:3], a)
    check_grad(lambda x: x[x > 0], a)
    check_second_order(sq(lambda x: x[::2, 1]), a)
    check_second_order(sq(lambda x: x[[1, 1, 0]]), a)
    np.testing.assert_array_equal(grad_of(lambda x: x[[0, 0, 2]], np.zeros(3)), [2, 0, 1])


def test_getitem_variable():
    v = ts.Variable([[1., 2.], [3., 4.]])
    with ts.GradientTape() as tape:
        y = v[1, 0] * 2.0 + ts.reduce_sum(v[:, 1])
    np.testing.assert_array_equal(tape.gradient(y, v).numpy(), [[0, 1], [2, 1]])


def test_getitem_errors():
    x = ts.zeros([3, 4])
    with pytest.raises(InvalidArgumentError, match="index 5 is out of bounds for axis 1 with size 4"):
        x[0, 5]
    with pytest.raises(IndexError, match="index -4 is out of bounds for axis 0 with size 3"):
        x[-4]
    with pytest.raises(InvalidArgumentError, match="index 3 is out of bounds for axis 0 with size 3"):
        x[[0, 3]]
    with pytest.raises(InvalidArgumentError, match="too many indices .* has 2 axes but 3"):
        x[0, 0, 0]
    with pytest.raises(InvalidArgumentError, match="single ellipsis"):
        x[..., ...]
    with pytest.raises(InvalidArgumentError, match="step cannot be zero"):
        x[::0]
    with pytest.raises(InvalidArgumentError, match=r"boolean index of shape \(2,\) does not match"):
        x[np.array([True, False])]
    with pytest.raises(TypeError, match="cannot index with a float64 array"):
        x[np.array([0.5])]
    with pytest.raises(TypeError, match="cannot index a tensor with str"):
        x["a"]


def test_add_rows_matches_add_at_with_many_repeats():
    """The sorted multi-pass scatter-add: rows repeated up to dozens of times, onto a nonzero
    target and (zero=True, the first pass assigning) onto zeros."""
    from tessera.ops.indexing import _add_rows
    rng = np.random.default_rng(5)
    for rows in (rng.integers(0, 9, 300), np.zeros(70, np.int64), np.arange(100)[::-1],
                 rng.integers(0, 1000, 500).astype(np.int32)):
        n = int(rows.max()) + 3
        z = rng.standard_normal((n, 4)).astype(np.float32)
        v = rng.standard_normal((rows.size, 4)).astype(np.float32)
        want = z.astype(np.float64)
        np.add.at(want, rows, v.astype(np.float64))
        _add_rows(z, rows, v)
        np.testing.assert_allclose(z, want, rtol=1e-5, atol=1e-5)
        z0 = np.zeros_like(z)
        _add_rows(z0, rows, v, zero=True)
        want0 = np.zeros((n, 4))
        np.add.at(want0, rows, v.astype(np.float64))
        np.testing.assert_allclose(z0, want0, rtol=1e-5, atol=1e-5)

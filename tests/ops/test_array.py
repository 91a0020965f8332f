"""Array manipulation ops (tessera/ops/array.py) against NumPy, with gradient checks."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tessera as ts
from tessera.core.errors import InvalidArgumentError
from tests.gradcheck import check_grad, check_second_order

R = np.random.default_rng(0)


def rnd(*shape):
    return R.standard_normal(shape)


def sq(op):
    """`op(x)**2`: its gradient runs the op's gradient on something that depends on x,
    so check_second_order differentiates the gradient primitive too."""
    return lambda *xs: (lambda y: y * y)(op(*xs))


# ---------------------------------------------------------------- transpose
@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(1, 4), min_size=0, max_size=4), st.randoms(use_true_random=False))
def test_transpose_matches_numpy(shape, rnd_):
    a = np.arange(int(np.prod(shape))).reshape(shape)
    perm = list(range(len(shape)))
    rnd_.shuffle(perm)
    np.testing.assert_array_equal(ts.transpose(a, perm).numpy(), a.transpose(perm))
    np.testing.assert_array_equal(ts.transpose(a).numpy(), a.T)


def test_transpose_conjugate_and_grad():
    c = np.array([[1 + 2j, 3 - 1j]], dtype=np.complex64)
    np.testing.assert_array_equal(ts.transpose(c, conjugate=True).numpy(), c.conj().T)
    np.testing.assert_array_equal(ts.transpose(c).numpy(), c.T)
    check_grad(lambda x: ts.transpose(x, [2, 0, 1]), rnd(2, 3, 4))
    check_second_order(sq(lambda x: ts.transpose(x, [1, 0])), rnd(2, 3))


def test_transpose_bad_perm():
    with pytest.raises(InvalidArgumentError, match=r"perm \[0, 0\] is not a permutation"):
        ts.transpose(ts.zeros([2, 3]), [0, 0])


# ---------------------------------------------------------------- expand_dims / squeeze
def test_expand_dims_and_squeeze():
    x = ts.zeros([2, 3])
    assert ts.expand_dims(x, 0).shape == [1, 2, 3]
    assert ts.expand_dims(x, -1).shape == [2, 3, 1]
    assert ts.expand_dims(x, 2).shape == [2, 3, 1]
    assert ts.expand_dims(x, -3).shape == [1, 2, 3]
    with pytest.raises(InvalidArgumentError, match="axis 3 is out of range.*rank 2"):
        ts.expand_dims(x, 3)
    y = ts.zeros([1, 2, 1, 3, 1])
    assert ts.squeeze(y).shape == [2, 3]
    assert ts.squeeze(y, axis=[0, -1]).shape == [2, 1, 3]
    assert ts.squeeze(y, 2).shape == [1, 2, 3, 1]
    with pytest.raises(InvalidArgumentError, match="cannot squeeze axis 1 .* has length 2"):
        ts.squeeze(y, 1)
    check_grad(lambda a: ts.squeeze(ts.expand_dims(a, 1)), rnd(2, 3))


# ---------------------------------------------------------------- concat / split
def test_concat_values_and_grad():
    a, b, c = rnd(2, 3), rnd(2, 1), rnd(2, 2)
    np.testing.assert_allclose(ts.concat([a, b, c], axis=1).numpy(),
                               np.concatenate([a, b, c], 1).astype(np.float32))
    np.testing.assert_allclose(ts.concat([a, a], -2).numpy(), np.concatenate([a, a], 0), rtol=1e-6)
    check_grad(lambda x, y, z: ts.concat([x, y, z], axis=1), a, b, c)
    check_second_order(sq(lambda x, y: ts.concat([x, y], axis=1)), a, b)
    check_grad(lambda x: ts.concat([x], axis=0), a)


def test_concat_errors():
    with pytest.raises(InvalidArgumentError, match=r"tensor 1 has shape \(3, 3\).*except axis 1"):
        ts.concat([ts.zeros([2, 3]), ts.zeros([3, 3])], axis=1)
    with pytest.raises(InvalidArgumentError, match="int32 but tensor 0 has float32"):
        ts.concat([ts.zeros([2]), ts.constant([1, 2])], 0)


def test_split_variants():
    x = np.arange(20.).reshape(2, 10)
    parts = ts.split(x, 5, axis=1)
    assert len(parts) == 5
    for p, q in zip(parts, np.split(x, 5, axis=1)):
        np.testing.assert_array_equal(p.numpy(), q)
    parts = ts.split(x, [3, -1, 2], axis=1)
    assert [p.shape[1] for p in parts] == [3, 5, 2]
    np.testing.assert_array_equal(parts[1].numpy(), x[:, 3:8])
    assert len(ts.split(x, [10], axis=-1)) == 1
    assert len(ts.split(x, ts.constant([4, 6]), axis=1, num=2)) == 2
    check_grad(lambda v: ts.split(v, [1, 3, 2], axis=1), rnd(2, 6))
    check_grad(lambda v: ts.split(v, 2)[1], rnd(4, 2))          # unused piece gets zeros
    check_second_order(sq(lambda v: ts.split(v, 2, axis=0)[0]), rnd(4, 2))


def test_split_errors():
    x = ts.zeros([2, 10])
    with pytest.raises(InvalidArgumentError, match="length 10, which is not evenly divisible into 3"):
        ts.split(x, 3, axis=1)
    with pytest.raises(InvalidArgumentError, match=r"sizes \[3, 3\] add up to 6, but axis 1"):
        ts.split(x, [3, 3], axis=1)
    with pytest.raises(InvalidArgumentError, match="at most one -1"):
        ts.split(x, [-1, -1], axis=1)
    with pytest.raises(InvalidArgumentError, match="num=3 but 2 sizes"):
        ts.split(x, [5, 5], axis=1, num=3)


# ---------------------------------------------------------------- tile / pad / reverse / roll
def test_tile():
    a = rnd(2, 3)
    np.testing.assert_allclose(ts.tile(a, [2, 3]).numpy(), np.tile(a, (2, 3)).astype(np.float32))
    assert ts.tile(ts.zeros([2, 3]), [0, 1]).shape == [0, 3]
    check_grad(lambda x: ts.tile(x, [3, 2]), a)
    check_second_order(sq(lambda x: ts.tile(x, [2, 1])), rnd(2, 2))
    with pytest.raises(InvalidArgumentError, match=r"multiples \[2\] must hold one .*rank 2"):
        ts.tile(a, [2])


@pytest.mark.parametrize("mode", ["CONSTANT", "REFLECT", "SYMMETRIC", "reflect"])
def test_pad_modes(mode):
    a = rnd(3, 4)
    p = [[1, 2], [2, 0]]
    want = np.pad(a, p, mode={"CONSTANT": "constant", "REFLECT": "reflect",
                              "SYMMETRIC": "symmetric"}[mode.upper()])
    np.testing.assert_allclose(ts.pad(a, p, mode).numpy(), want.astype(np.float32))
    check_grad(lambda x: ts.pad(x, p, mode), a)
    check_second_order(sq(lambda x: ts.pad(x, p, mode)), rnd(3, 3))


def test_pad_constant_values_and_errors():
    x = ts.constant([[1, 2]])
    np.testing.assert_array_equal(ts.pad(x, [[1, 0], [0, 1]], constant_values=7).numpy(),
                                  [[7, 7, 7], [1, 2, 7]])
    with pytest.raises(InvalidArgumentError, match=r"paddings must have shape \[2, 2\]"):
        ts.pad(x, [[1, 1]])
    with pytest.raises(InvalidArgumentError, match="REFLECT padding \\[2, 0\\] of axis 1 is too large"):
        ts.pad(x, [[0, 0], [2, 0]], "REFLECT")
    with pytest.raises(InvalidArgumentError, match="mode must be"):
        ts.pad(x, [[0, 0], [0, 0]], "WRAP")


def test_reverse_and_roll():
    a = np.arange(24.).reshape(2, 3, 4)
    np.testing.assert_array_equal(ts.reverse(a, [0, 2]).numpy(), a[::-1, :, ::-1])
    np.testing.assert_array_equal(ts.reverse(a, [-1]).numpy(), a[..., ::-1])
    np.testing.assert_array_equal(ts.roll(a, 1, 2).numpy(), np.roll(a, 1, 2))
    np.testing.assert_array_equal(ts.roll(a, [2, -1], [0, 2]).numpy(), np.roll(a, (2, -1), (0, 2)))
    np.testing.assert_array_equal(ts.roll(a, [1, 1], [1, 1]).numpy(), np.roll(a, 2, 1))
    check_grad(lambda x: ts.reverse(x, [1]), rnd(2, 3))
    check_grad(lambda x: ts.roll(x, [1, -2], [0, 1]), rnd(3, 4))
    check_second_order(sq(lambda x: ts.roll(x, 1, 0)), rnd(3, 2))
    with pytest.raises(InvalidArgumentError, match="same length"):
        ts.roll(a, [1, 2], 0)


def test_repeat():
    a = np.array([[1, 2], [3, 4]])
    np.testing.assert_array_equal(ts.repeat(a, 2).numpy(), np.repeat(a, 2))
    np.testing.assert_array_equal(ts.repeat(a, [1, 3], axis=0).numpy(), np.repeat(a, [1, 3], 0))
    np.testing.assert_array_equal(ts.repeat(a, 2, axis=-1).numpy(), np.repeat(a, 2, -1))
    check_grad(lambda x: ts.repeat(x, [2, 0, 1], axis=1), rnd(2, 3))
    with pytest.raises(InvalidArgumentError, match="one per element"):
        ts.repeat(a, [1, 2, 3], axis=0)


# ---------------------------------------------------------------- slice / strided_slice
def test_slice():
    a = np.arange(24.).reshape(2, 3, 4)
    np.testing.assert_array_equal(ts.slice(a, [1, 0, 1], [1, -1, 2]).numpy(), a[1:2, :, 1:3])
    np.testing.assert_array_equal(ts.slice(a, [0, 3, 0], [-1, 0, -1]).numpy(), a[:, 3:3])
    check_grad(lambda x: ts.slice(x, [1, 1], [2, -1]), rnd(3, 4))
    check_second_order(sq(lambda x: ts.slice(x, [0, 1], [2, 2])), rnd(2, 3))
    with pytest.raises(InvalidArgumentError, match=r"axis 1 .* has length 3, but begin=2, size=2"):
        ts.slice(a, [0, 2, 0], [1, 2, 1])


def test_strided_slice_masks():
    a = np.arange(120.).reshape(2, 3, 4, 5)
    ss = ts.strided_slice
    np.testing.assert_array_equal(ss(a, [0, 1], [2, 3], [1, 1]).numpy(), a[0:2, 1:3])
    np.testing.assert_array_equal(ss(a, [1, 0, 3], [0, 0, 0], [-1, 1, -2], begin_mask=0,
                                     end_mask=2).numpy(), a[1:0:-1, 0:, 3:0:-2])
    np.testing.assert_array_equal(ss(a, [0, 0, 1], [0, 0, 3], begin_mask=1, end_mask=1,
                                     ellipsis_mask=2).numpy(), a[:, ..., 1:3])
    np.testing.assert_array_equal(ss(a, [1, 0, 2], [2, 0, 3], new_axis_mask=2,
                                     shrink_axis_mask=1).numpy(), a[1, None, 2:3])
    np.testing.assert_array_equal(ss(a, [-1], [0], shrink_axis_mask=1).numpy(), a[-1])
    np.testing.assert_array_equal(ss(a, [0, 0], [9, 9], [2, 2]).numpy(), a[0:9:2, 0:9:2])
    check_grad(lambda x: ss(x, [2, 0], [0, 3], [-1, 2]), rnd(3, 4))
    check_second_order(sq(lambda x: ss(x, [0, 1], [0, 3], begin_mask=1, end_mask=1)), rnd(2, 3))
    with pytest.raises(InvalidArgumentError, match="stride 0 is 0"):
        ss(a, [0], [1], [0])
    with pytest.raises(InvalidArgumentError, match="index 4 is out of bounds for axis 0 with size 2"):
        ss(a, [4], [5], shrink_axis_mask=1)


# ---------------------------------------------------------------- meshgrid
@pytest.mark.parametrize("indexing", ["xy", "ij"])
def test_meshgrid(indexing):
    x, y, z = np.arange(3.), np.arange(2.) + 10, np.arange(4.) - 5
    got = ts.meshgrid(x, y, z, indexing=indexing)
    want = np.meshgrid(x, y, z, indexing=indexing)
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g.numpy(), w)
    check_grad(lambda a, b: ts.meshgrid(a, b, indexing=indexing), rnd(3), rnd(2))
    with pytest.raises(InvalidArgumentError, match="indexing must be"):
        ts.meshgrid(x, indexing="ab")


# ---------------------------------------------------------------- one_hot / sequence_mask
def test_one_hot():
    got = ts.one_hot([0, 2, -1, 5], 3)
    assert got.dtype == ts.float32
    np.testing.assert_array_equal(got.numpy(), [[1, 0, 0], [0, 0, 1], [0, 0, 0], [0, 0, 0]])
    got = ts.one_hot(ts.constant([[1, 0]]), 2, on_value=5, off_value=-1, axis=1)
    assert got.dtype == ts.int32 and got.shape == [1, 2, 2]
    np.testing.assert_array_equal(got.numpy(), [[[-1, 5], [5, -1]]])
    got = ts.one_hot([1], 2, on_value=2, dtype=ts.float64)
    assert got.dtype == ts.float64
    np.testing.assert_array_equal(got.numpy(), [[0., 2.]])
    with pytest.raises(InvalidArgumentError, match="indices must be integers"):
        ts.one_hot([0.5], 3)
    with pytest.raises(InvalidArgumentError, match="off_value must be a scalar of dtype float32"):
        ts.one_hot([0], 3, on_value=1.0, off_value=ts.constant(0))


def test_sequence_mask():
    np.testing.assert_array_equal(ts.sequence_mask([1, 3, 0], 4).numpy(),
                                  [[1, 0, 0, 0], [1, 1, 1, 0], [0, 0, 0, 0]])
    m = ts.sequence_mask(ts.constant([[2], [1]]), dtype=ts.float32)
    assert m.dtype == ts.float32 and m.shape == [2, 1, 2]
    np.testing.assert_array_equal(m.numpy(), [[[1, 1]], [[1, 0]]])


# ---------------------------------------------------------------- unique
def test_unique_first_occurrence_order():
    x = ts.constant([4, 1, 4, 2, 1, 7])
    y, idx = ts.unique(x)
    np.testing.assert_array_equal(y.numpy(), [4, 1, 2, 7])
    np.testing.assert_array_equal(idx.numpy(), [0, 1, 0, 2, 1, 3])
    assert idx.dtype == ts.int32
    r = ts.unique_with_counts(x, out_idx=ts.int64)
    np.testing.assert_array_equal(r.y.numpy(), [4, 1, 2, 7])
    np.testing.assert_array_equal(r.count.numpy(), [2, 2, 1, 1])
    assert r.idx.dtype == ts.int64
    np.testing.assert_array_equal(ts.gather(y, idx).numpy(), x.numpy())
    with pytest.raises(InvalidArgumentError, match="must be 1-D"):
        ts.unique(ts.zeros([2, 2]))


# ---------------------------------------------------------------- stop_gradient & friends
def test_stop_gradient_and_explain():
    x = ts.constant(3.0)
    with ts.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * ts.stop_gradient(x)
        z = ts.stop_gradient(x * 2.0)
    assert float(tape.gradient(y, x)) == 3.0
    assert tape.gradient(z, x) is None
    assert "ts.stop_gradient" in tape.explain(z, x)


def test_identity_n_and_ensure_shape():
    a, b = ts.identity_n([ts.constant([1.]), ts.constant(2)])
    assert a.numpy().tolist() == [1.0] and int(b) == 2
    x = ts.zeros([2, 3])
    assert ts.ensure_shape(x, [None, 3]).shape == [2, 3]
    with pytest.raises(InvalidArgumentError, match=r"shape \[2, 3\], which is not compatible"):
        ts.ensure_shape(x, [2, 4])


# ---------------------------------------------------------------- kept ops, iteration
def test_reshape_stack_unstack_where_and_iteration():
    a = np.arange(6.).reshape(2, 3)
    rows = [r.numpy() for r in ts.constant(a)]
    np.testing.assert_array_equal(np.stack(rows), a)
    assert [r.shape for r in ts.constant(a[:1])] == [[3]]
    with pytest.raises(TypeError, match="scalar"):
        iter(ts.constant(1.0))
    np.testing.assert_array_equal(ts.stack(ts.unstack(a, axis=1), axis=1).numpy(), a)
    np.testing.assert_array_equal(ts.where(a > 2, a, -a).numpy(), np.where(a > 2, a, -a))
    check_grad(lambda x: [r * 2.0 for r in x], rnd(3, 2))

"""Segment reductions and bincount: values vs NumPy loops, TF's empty-segment fills, gradients."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tessera as ts
from tessera.core.errors import InvalidArgumentError
from tests.gradcheck import check_grad, check_second_order, grad_of

m = ts.math


def ref_segment(data, ids, n, fn, fill):
    """Reference: loop over segments (ids shape a prefix of data shape; negative dropped)."""
    data = np.asarray(data)
    ids = np.asarray(ids)
    rest = data.shape[ids.ndim:]
    d = data.reshape((-1,) + rest)
    i = ids.reshape(-1)
    out = np.full((n,) + rest, fill, dtype=np.float64)
    for s in range(n):
        rows = d[i == s]
        if len(rows):
            out[s] = fn(rows, axis=0)
    return out


REF = {"sum": (np.sum, 0), "mean": (np.mean, 0), "max": (np.max, 0), "min": (np.min, 0),
       "prod": (np.prod, 1)}


# ---------------------------------------------------------------------------
# Sorted segment ops
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("kind", sorted(REF))
def test_sorted_segment_values(kind, rng):
    data = rng.standard_normal((6, 3))
    ids = np.array([0, 0, 1, 3, 3, 3])
    got = getattr(m, f"segment_{kind}")(ts.constant(data), ts.constant(ids))
    fn, fill = REF[kind]
    want = ref_segment(data, ids, 4, fn, fill)  # segment 2 is empty: TF fills 0 (1 for prod)
    assert got.shape == (4, 3) and got.dtype == ts.float64
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-12)


def test_segment_examples():
    assert m.segment_sum(ts.constant([1, 2, 3, 4]), ts.constant([0, 0, 2, 2])).numpy().tolist() \
        == [3, 0, 7]
    # integer mean truncates toward zero, keeping int32
    got = m.segment_mean(ts.constant([1, 2, -5, 0]), ts.constant([0, 0, 1, 1]))
    assert got.dtype == ts.int32 and got.numpy().tolist() == [1, -2]
    assert m.segment_max(ts.constant([3, 1]), ts.constant([1, 1])).numpy().tolist() == [0, 3]
    assert m.segment_prod(ts.constant([3., 2.]), ts.constant([1, 1])).numpy().tolist() == [1, 6]
    e = m.segment_sum(ts.zeros([0, 2]), ts.constant([], dtype=ts.int32))
    assert e.shape == (0, 2)


@pytest.mark.parametrize("kind", sorted(REF))
def test_sorted_segment_gradients(kind, rng):
    data = rng.standard_normal((6, 2))
    ids = np.array([0, 0, 1, 3, 3, 3], dtype=np.int32)
    fn = getattr(m, f"segment_{kind}")
    check_grad(lambda d, i: fn(d, i), data, ids)


def test_segment_errors():
    with pytest.raises(InvalidArgumentError, match="not increasing.*unsorted_segment"):
        m.segment_sum(ts.constant([1., 2.]), ts.constant([1, 0]))
    with pytest.raises(InvalidArgumentError, match="non-negative"):
        m.segment_max(ts.constant([1., 2.]), ts.constant([-1, 0]))
    with pytest.raises(InvalidArgumentError, match=r"shape \(3,\) for data shape \(2,\)"):
        m.segment_mean(ts.constant([1., 2.]), ts.constant([0, 0, 1]))
    with pytest.raises(InvalidArgumentError, match="int32 or int64.*ts.cast"):
        m.segment_sum(ts.constant([1., 2.]), ts.constant([0., 1.]))
    with pytest.raises(InvalidArgumentError, match="real numeric data.*bool"):
        m.segment_sum(ts.constant([True]), ts.constant([0]))


# ---------------------------------------------------------------------------
# Unsorted segment ops
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["sum", "max", "min", "prod"])
def test_unsorted_values_and_empty_fill(kind, rng):
    data = rng.standard_normal((5, 3)).astype(np.float32)
    ids = np.array([2, 0, -1, 2, 0])  # -1 dropped; segments 1 and 3 empty
    got = getattr(m, f"unsorted_segment_{kind}")(ts.constant(data), ts.constant(ids), 4)
    fill = {"sum": 0, "prod": 1, "max": np.finfo(np.float32).min,
            "min": np.finfo(np.float32).max}[kind]
    want = ref_segment(data, ids, 4, REF[kind][0], fill)
    assert got.dtype == ts.float32 and got.shape == (4, 3)
    np.testing.assert_allclose(got.numpy(), want.astype(np.float32), rtol=1e-6)


def test_unsorted_max_tf_example_and_int_fill():
    c = ts.constant([[1, 2, 3, 4], [5, 6, 7, 8], [4, 3, 2, 1]])
    got = m.unsorted_segment_max(c, ts.constant([0, 1, 0]), num_segments=3).numpy()
    np.testing.assert_array_equal(got[:2], [[4, 3, 3, 4], [5, 6, 7, 8]])
    assert (got[2] == np.iinfo(np.int32).min).all()
    mn = m.unsorted_segment_min(c, ts.constant([0, 1, 0]), num_segments=3).numpy()
    assert (mn[2] == np.iinfo(np.int32).max).all()


def test_unsorted_mean_and_sqrt_n():
    d = ts.constant([[1., 2.], [3., 4.], [5., 6.]])
    ids = ts.constant([1, 1, 0])
    np.testing.assert_allclose(m.unsorted_segment_mean(d, ids, 3).numpy(),
                               [[5, 6], [2, 3], [0, 0]])
    np.testing.assert_allclose(m.unsorted_segment_sqrt_n(d, ids, 2).numpy(),
                               [[5, 6], [4 / np.sqrt(2), 6 / np.sqrt(2)]], rtol=1e-6)
    # TensorFlow divides with true division: int32 data gives float64
    im = m.unsorted_segment_mean(ts.constant([1, 2, 4]), ts.constant([0, 0, 1]), 2)
    assert im.dtype == ts.float64 and im.numpy().tolist() == [1.5, 4.0]


def test_unsorted_multi_dim_ids():
    data = np.arange(12.0).reshape(2, 3, 2)
    ids = np.array([[0, 2, -1], [1, 2, 0]])
    got = m.unsorted_segment_sum(ts.constant(data), ts.constant(ids), 3)
    assert got.shape == (3, 2)
    np.testing.assert_allclose(got.numpy(), ref_segment(data, ids, 3, np.sum, 0))
    check_grad(lambda d, i: m.unsorted_segment_max(d, i, 3),
               np.random.default_rng(0).standard_normal((2, 3, 2)), ids)


@pytest.mark.parametrize("kind", ["sum", "mean", "max", "min", "prod", "sqrt_n"])
def test_unsorted_gradients(kind, rng):
    data = rng.standard_normal((6, 2))
    ids = np.array([3, 0, -1, 2, 1, 3], dtype=np.int64)
    # segment 4 is empty; max/min would fill it with the dtype's extreme value, which
    # overflows the checker's weighted sum, so they use 4 segments
    n = 4 if kind in ("max", "min") else 5
    fn = getattr(m, f"unsorted_segment_{kind}")
    check_grad(lambda d, i: fn(d, i, n), data, ids)


@pytest.mark.parametrize("kind", ["sum", "mean", "max", "prod"])
def test_unsorted_second_order(kind, rng):
    ids = np.array([1, 0, 1, 1])
    fn = getattr(m, f"unsorted_segment_{kind}")
    check_second_order(lambda d: fn(ts.square(d), ts.constant(ids), 2),
                       rng.uniform(0.5, 2.0, (4, 2)))


def test_max_gradient_split_between_ties():
    g = grad_of(lambda d: m.unsorted_segment_max(d, ts.constant([0, 0, 1, 0]), 2),
                [2.0, 2.0, 5.0, 1.0])
    np.testing.assert_allclose(g, [0.5, 0.5, 1.0, 0.0])
    g = grad_of(lambda d: m.segment_min(d, ts.constant([0, 0, 0])), [1.0, 1.0, 1.0])
    np.testing.assert_allclose(g, [1 / 3] * 3)
    # a dropped row whose value equals 0 (the gathered fill) gets nothing
    g = grad_of(lambda d: m.unsorted_segment_max(d, ts.constant([-1, 0]), 1), [0.0, -1.0])
    np.testing.assert_allclose(g, [0.0, 1.0])


def test_prod_gradient_with_zeros():
    ids = ts.constant([0, 0, 0, 1, 1, 2, 2])
    g = grad_of(lambda d: m.unsorted_segment_prod(d, ids, 3),
                [2.0, 0.0, 3.0, 0.0, 0.0, 4.0, 5.0])
    np.testing.assert_allclose(g, [0, 6, 0, 0, 0, 5, 4])


def test_unsorted_errors():
    d = ts.constant([[1., 2.], [3., 4.]])
    with pytest.raises(InvalidArgumentError, match="segment id 3 is out of range.*num_segments=2"):
        m.unsorted_segment_sum(d, ts.constant([0, 3]), 2)
    with pytest.raises(InvalidArgumentError, match=r"segment_ids shape \(3,\) must be a prefix"):
        m.unsorted_segment_max(d, ts.constant([0, 1, 1]), 2)
    with pytest.raises(InvalidArgumentError, match="num_segments must be >= 0"):
        m.unsorted_segment_min(d, ts.constant([0, 1]), -1)
    with pytest.raises(InvalidArgumentError, match="floating-point.*int32"):
        m.unsorted_segment_sqrt_n(ts.constant([1, 2]), ts.constant([0, 1]), 2)


@settings(max_examples=25, deadline=None)
@given(n_rows=st.integers(0, 8), n_seg=st.integers(0, 5), cols=st.integers(1, 3),
       seed=st.integers(0, 1000))
def test_unsorted_sum_max_random(n_rows, n_seg, cols, seed):
    r = np.random.default_rng(seed)
    data = r.standard_normal((n_rows, cols))
    ids = r.integers(-1, max(n_seg, 1), n_rows) if n_seg else -np.ones(n_rows, dtype=np.int64)
    for kind, fill in [("sum", 0), ("max", np.finfo(np.float64).min), ("prod", 1)]:
        got = getattr(m, f"unsorted_segment_{kind}")(ts.constant(data), ts.constant(ids), n_seg)
        np.testing.assert_allclose(got.numpy(), ref_segment(data, ids, n_seg, REF[kind][0], fill))


# ---------------------------------------------------------------------------
# bincount
# ---------------------------------------------------------------------------
def test_bincount_values():
    v = ts.constant([1, 1, 2, 3, 2, 4, 4, 5])
    c = m.bincount(v)
    assert c.dtype == ts.int32 and c.numpy().tolist() == [0, 2, 2, 1, 2, 1]
    w = m.bincount(v, weights=ts.constant([1, 5, 0, 1, 0, 5, 4, 5]))
    assert w.numpy().tolist() == [0, 6, 0, 1, 9, 5]
    wf = m.bincount(v, weights=ts.constant([0.5] * 8))
    assert wf.dtype == ts.float32 and wf.numpy().tolist() == [0, 1, 1, .5, 1, .5]
    assert m.bincount(v, minlength=8).numpy().tolist() == [0, 2, 2, 1, 2, 1, 0, 0]
    assert m.bincount(v, maxlength=3).numpy().tolist() == [0, 2, 2]
    assert m.bincount(v, dtype=ts.int64).dtype == ts.int64
    assert m.bincount(ts.constant([], dtype=ts.int32)).shape == (0,)
    assert m.bincount(v, binary_output=True).numpy().tolist() == [0, 1, 1, 1, 1, 1]


def test_bincount_axis():
    data = ts.constant(np.array([[1, 2, 3, 0], [0, 0, 1, 2]], dtype=np.int32))
    np.testing.assert_array_equal(m.bincount(data, axis=-1).numpy(),
                                  [[1, 1, 1, 1], [2, 1, 1, 0]])
    np.testing.assert_array_equal(m.bincount(data, axis=-1, binary_output=True).numpy(),
                                  [[1, 1, 1, 1], [1, 1, 1, 0]])
    np.testing.assert_array_equal(m.bincount(data).numpy(), [3, 2, 2, 1])


def test_bincount_errors():
    with pytest.raises(InvalidArgumentError, match="non-negative.*-1"):
        m.bincount(ts.constant([1, -1]))
    with pytest.raises(InvalidArgumentError, match="integer tensor.*float32"):
        m.bincount(ts.constant([1.0]))
    with pytest.raises(InvalidArgumentError, match="mutually exclusive"):
        m.bincount(ts.constant([1]), weights=ts.constant([1.0]), binary_output=True)
    with pytest.raises(InvalidArgumentError, match=r"weights shape \(1,\) must equal arr shape"):
        m.bincount(ts.constant([1, 2]), weights=ts.constant([1.0]))
    with pytest.raises(InvalidArgumentError, match="axis must be None, 0 or -1"):
        m.bincount(ts.constant([[1, 2]]), axis=1)

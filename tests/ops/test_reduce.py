"""Reductions, scans and sorting: values vs NumPy, gradients vs finite differences, errors."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tessera as ts
from tessera.core.errors import InvalidArgumentError
from tests.gradcheck import check_grad, check_second_order, grad_of


@pytest.fixture
def x34(rng):
    return rng.standard_normal((3, 4))


# ---------------------------------------------------------------------------
# Values and axis handling
# ---------------------------------------------------------------------------
NP_REF = {
    "reduce_sum": np.sum, "reduce_mean": np.mean, "reduce_max": np.max, "reduce_min": np.min,
    "reduce_prod": np.prod, "reduce_variance": np.var, "reduce_std": np.std,
    "reduce_logsumexp": lambda a, axis=None, keepdims=False: np.log(
        np.sum(np.exp(a), axis=axis, keepdims=keepdims)),
    "reduce_euclidean_norm": lambda a, axis=None, keepdims=False: np.sqrt(
        np.sum(a * a, axis=axis, keepdims=keepdims)),
}


@pytest.mark.parametrize("name", sorted(NP_REF))
@pytest.mark.parametrize("axis", [None, 0, 1, -1, -2, [0, 1], (1,), [], [-1, 0]])
@pytest.mark.parametrize("keepdims", [False, True])
def test_reduce_values(name, axis, keepdims, x34):
    got = getattr(ts.math, name)(ts.constant(x34), axis=axis, keepdims=keepdims)
    np_axis = tuple(axis) if isinstance(axis, list) else axis
    want = NP_REF[name](x34, axis=np_axis, keepdims=keepdims)
    assert got.shape == np.shape(want)
    assert got.dtype == ts.float64
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-10, atol=1e-12)


def test_top_level_names():
    for n in ["reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_prod",
              "reduce_any", "reduce_all", "reduce_logsumexp", "argmax", "argmin", "cumsum",
              "sort", "argsort"]:
        assert callable(getattr(ts, n))
    assert ts.nn.top_k is ts.math.top_k
    for n in ["reduce_std", "reduce_variance", "reduce_euclidean_norm", "count_nonzero",
              "cumprod", "cumulative_logsumexp", "top_k"]:
        assert callable(getattr(ts.math, n))


def test_axis_as_tensor(x34):
    got = ts.reduce_sum(ts.constant(x34), axis=ts.constant([1]))
    np.testing.assert_allclose(got.numpy(), x34.sum(axis=1))


def test_float32_stays_float32():
    x = ts.constant([[1.5, 2.5], [3.0, 4.0]])
    for fn in [ts.reduce_mean, ts.reduce_max, ts.math.reduce_std, ts.reduce_logsumexp]:
        assert fn(x).dtype == ts.float32


def test_int_mean_truncates_toward_zero():
    assert ts.reduce_mean(ts.constant([1, 2])).numpy() == 1
    assert ts.reduce_mean(ts.constant([-1, -2])).numpy() == -1  # -1.5 -> -1, not -2
    got = ts.reduce_mean(ts.constant([[1, 2, 4], [-7, 0, 0]]), axis=1)
    assert got.dtype == ts.int32
    np.testing.assert_array_equal(got.numpy(), [2, -2])
    assert ts.reduce_mean(ts.constant([250, 250], dtype=ts.uint8)).dtype == ts.uint8


def test_int_reductions_keep_dtype():
    x = ts.constant([[1, 2], [3, 4]], dtype=ts.int64)
    assert ts.reduce_sum(x).dtype == ts.int64
    assert ts.reduce_prod(x).numpy() == 24
    assert ts.reduce_max(x, axis=0).numpy().tolist() == [3, 4]
    n = ts.math.reduce_euclidean_norm(ts.constant([3, 4, 1]))
    assert n.dtype == ts.int32 and n.numpy() == 5  # sqrt(26) truncated


def test_empty_reductions_follow_tf():
    e = ts.zeros([0, 3])
    assert ts.reduce_max(e, axis=0).numpy().tolist() == [-np.inf] * 3
    assert ts.reduce_min(e).numpy() == np.inf
    assert ts.reduce_sum(e).numpy() == 0
    assert ts.reduce_prod(e).numpy() == 1
    assert ts.reduce_logsumexp(e).numpy() == -np.inf
    assert np.isnan(ts.reduce_mean(e).numpy())
    assert ts.reduce_max(ts.zeros([0], ts.int32)).numpy() == np.iinfo(np.int32).min


def test_logsumexp_is_stable():
    x = ts.constant([1000.0, 1000.0, -1000.0])
    np.testing.assert_allclose(ts.reduce_logsumexp(x).numpy(), 1000 + np.log(2), rtol=1e-6)
    y = ts.constant([-np.inf, -np.inf])
    assert ts.reduce_logsumexp(y).numpy() == -np.inf
    z = ts.constant([[np.inf, 1.0]])
    assert ts.reduce_logsumexp(z, axis=1).numpy()[0] == np.inf


def test_any_all():
    b = ts.constant([[True, False], [True, True]])
    assert ts.reduce_any(b, axis=1).numpy().tolist() == [True, True]
    assert ts.reduce_all(b, axis=1).numpy().tolist() == [False, True]
    assert bool(ts.reduce_all(b).numpy()) is False
    assert ts.reduce_any(b, keepdims=True).shape == (1, 1)


def test_count_nonzero():
    x = ts.constant([[0, 1, 2], [0, 0, 3]])
    got = ts.math.count_nonzero(x, axis=1)
    assert got.dtype == ts.int64
    assert got.numpy().tolist() == [2, 1]
    assert ts.math.count_nonzero(ts.constant([0.0, 0.5, -1.0])).numpy() == 2
    assert ts.math.count_nonzero(x, keepdims=True, dtype=ts.int32).shape == (1, 1)
    assert ts.math.count_nonzero(ts.constant([True, False, True])).numpy() == 2


@settings(max_examples=25, deadline=None)
@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=4), data=st.data())
def test_reduce_random_axes(shape, data):
    nd = len(shape)
    axes = data.draw(st.lists(st.integers(-nd, nd - 1), unique_by=lambda a: a % nd, max_size=nd))
    keep = data.draw(st.booleans())
    a = np.random.default_rng(len(shape)).standard_normal(shape)
    for name in ["reduce_sum", "reduce_max", "reduce_mean", "reduce_variance"]:
        got = getattr(ts.math, name)(ts.constant(a), axis=axes, keepdims=keep).numpy()
        want = NP_REF[name](a, axis=tuple(axes), keepdims=keep)
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


# ---------------------------------------------------------------------------
# Gradients
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["reduce_sum", "reduce_mean", "reduce_max", "reduce_min",
                                  "reduce_prod", "reduce_logsumexp", "reduce_variance",
                                  "reduce_std", "reduce_euclidean_norm"])
@pytest.mark.parametrize("axis,keepdims", [(None, False), (1, False), ([0, -1], True), (0, True)])
def test_reduce_gradients(name, axis, keepdims, x34):
    fn = getattr(ts.math, name)
    check_grad(lambda x: fn(x, axis=axis, keepdims=keepdims), x34)


@pytest.mark.parametrize("name", ["reduce_prod", "reduce_logsumexp", "reduce_variance", "reduce_std",
                                  "reduce_euclidean_norm"])
def test_reduce_second_order(name, rng):
    fn = getattr(ts.math, name)
    check_second_order(lambda x: fn(x, axis=1), rng.uniform(0.5, 2.0, (2, 3)))


@pytest.mark.parametrize("name", ["reduce_sum", "reduce_mean", "reduce_max", "reduce_min"])
def test_linear_reductions_second_order(name, rng):
    # their gradient does not depend on x: differentiate through a square to check it composes
    fn = getattr(ts.math, name)
    check_second_order(lambda x: fn(ts.square(x), axis=1), rng.uniform(0.5, 2.0, (2, 3)))


def test_max_gradient_split_evenly_between_ties():
    # TensorFlow divides the gradient between all maximal elements.
    g = grad_of(lambda x: ts.reduce_max(x, axis=1), [[1.0, 3.0, 3.0], [2.0, 0.0, 1.0]])
    np.testing.assert_allclose(g, [[0, 0.5, 0.5], [1, 0, 0]])
    g = grad_of(ts.reduce_min, [2.0, 2.0, 2.0, 5.0])
    np.testing.assert_allclose(g, [1 / 3, 1 / 3, 1 / 3, 0])


def test_prod_gradient_with_zeros():
    g = grad_of(lambda x: ts.reduce_prod(x, axis=1),
                [[2.0, 0.0, 3.0], [0.0, 0.0, 4.0], [1.0, 2.0, 5.0]])
    np.testing.assert_allclose(g, [[0, 6, 0], [0, 0, 0], [10, 5, 2]])
    check_grad(lambda x: ts.reduce_prod(x, axis=0), np.array([[2.0, 0.0], [0.5, 3.0]]))


def test_euclidean_norm_gradient_at_zero_is_zero():
    g = grad_of(ts.math.reduce_euclidean_norm, [0.0, 0.0])
    np.testing.assert_array_equal(g, [0, 0])


def test_logsumexp_gradient_large_inputs():
    g = grad_of(ts.reduce_logsumexp, [1000.0, 1000.0])
    np.testing.assert_allclose(g, [0.5, 0.5])


# ---------------------------------------------------------------------------
# argmax / argmin
# ---------------------------------------------------------------------------
def test_argmax_argmin():
    x = ts.constant([[1, 9, 9], [5, 2, 5]])
    am = ts.argmax(x)  # TF2 default axis=0
    assert am.dtype == ts.int64
    assert am.numpy().tolist() == [1, 0, 0]
    assert ts.argmax(x, axis=1).numpy().tolist() == [1, 0]  # first of ties
    assert ts.math.argmin(x, axis=-1, output_type=ts.int32).dtype == ts.int32
    assert ts.argmin(x, axis=1).numpy().tolist() == [0, 1]


def test_argmax_errors():
    with pytest.raises(InvalidArgumentError, match="axis 2 is out of range.*rank 2"):
        ts.argmax(ts.zeros([2, 3]), axis=2)
    with pytest.raises(InvalidArgumentError, match="output_type must be one of"):
        ts.argmax(ts.zeros([2]), output_type=ts.float32)
    with pytest.raises(InvalidArgumentError, match="empty"):
        ts.argmax(ts.zeros([0, 2]), axis=0)
    with pytest.raises(InvalidArgumentError, match="scalar"):
        ts.argmax(ts.constant(1.0))


def test_argmax_has_no_gradient():
    x = ts.constant([1.0, 2.0])
    with ts.GradientTape() as tape:
        tape.watch(x)
        y = ts.cast(ts.argmax(x), ts.float32)
    assert tape.gradient(y, x) is None


# ---------------------------------------------------------------------------
# Scans
# ---------------------------------------------------------------------------
def _np_scan(a, axis, exclusive, reverse, fn, ident):
    if reverse:
        a = np.flip(a, axis)
    out = fn(a, axis)
    if exclusive:
        pad = np.full_like(np.take(out, [0], axis=axis), ident)
        out = np.concatenate([pad, np.delete(out, -1, axis=axis)], axis=axis)
    if reverse:
        out = np.flip(out, axis)
    return out


SCANS = {
    "cumsum": (np.cumsum, 0),
    "cumprod": (np.cumprod, 1),
    "cumulative_logsumexp": (lambda a, ax: np.logaddexp.accumulate(a, axis=ax), -np.inf),
}


@pytest.mark.parametrize("name", sorted(SCANS))
@pytest.mark.parametrize("axis", [0, 1, -1])
@pytest.mark.parametrize("exclusive", [False, True])
@pytest.mark.parametrize("reverse", [False, True])
def test_scan_values_and_gradients(name, axis, exclusive, reverse, x34):
    fn = getattr(ts.math, name)
    got = fn(ts.constant(x34), axis=axis, exclusive=exclusive, reverse=reverse)
    want = _np_scan(x34, axis, exclusive, reverse, *SCANS[name])
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-10)
    if name == "cumulative_logsumexp" and exclusive:  # the -inf first entry: check exp(out)
        check_grad(lambda x: ts.exp(fn(x, axis=axis, exclusive=True, reverse=reverse)), x34)
    else:
        check_grad(lambda x: fn(x, axis=axis, exclusive=exclusive, reverse=reverse), x34)


def test_cumsum_examples_and_dtype():
    x = ts.constant([1, 2, 3])
    assert ts.cumsum(x).numpy().tolist() == [1, 3, 6]
    assert ts.cumsum(x, exclusive=True).numpy().tolist() == [0, 1, 3]
    assert ts.cumsum(x, reverse=True).numpy().tolist() == [6, 5, 3]
    assert ts.cumsum(x, exclusive=True, reverse=True).numpy().tolist() == [5, 3, 0]
    assert ts.cumsum(x).dtype == ts.int32
    assert ts.math.cumprod(x, exclusive=True).numpy().tolist() == [1, 1, 2]


@pytest.mark.parametrize("exclusive", [False, True])
@pytest.mark.parametrize("reverse", [False, True])
def test_cumprod_gradient_with_zeros(exclusive, reverse):
    for a in ([2.0, 0.0, 3.0, 0.5], [0.0, 1.5, 0.0, 2.0], [1.5, 2.0, -1.0, 0.0]):
        check_grad(lambda x: ts.math.cumprod(x, exclusive=exclusive, reverse=reverse),
                   np.array(a))


def test_cumulative_logsumexp_stable():
    got = ts.math.cumulative_logsumexp(ts.constant([-1000.0, 0.0, 1000.0], ts.float64))
    np.testing.assert_allclose(got.numpy(), [-1000.0, 0.0, 1000.0], rtol=1e-12)


@pytest.mark.parametrize("name", ["cumsum", "cumprod", "cumulative_logsumexp"])
def test_scan_second_order(name, rng):
    fn = getattr(ts.math, name)
    pre = ts.square if name == "cumsum" else ts.identity  # cumsum is linear
    check_second_order(lambda x: fn(pre(x), axis=1, reverse=True), rng.uniform(0.5, 2.0, (2, 3)))


def test_scan_errors():
    with pytest.raises(InvalidArgumentError, match="axis 2 is out of range"):
        ts.cumsum(ts.zeros([2, 2]), axis=2)
    with pytest.raises(InvalidArgumentError, match="single int"):
        ts.cumsum(ts.zeros([2, 2]), axis=[0, 1])
    with pytest.raises(InvalidArgumentError, match="floating-point.*int32.*ts.cast"):
        ts.math.cumulative_logsumexp(ts.constant([1, 2]))


# ---------------------------------------------------------------------------
# sort, argsort, top_k
# ---------------------------------------------------------------------------
def test_sort_and_argsort(x34):
    x = ts.constant(x34)
    np.testing.assert_array_equal(ts.sort(x).numpy(), np.sort(x34, axis=-1))
    np.testing.assert_array_equal(ts.sort(x, axis=0, direction="DESCENDING").numpy(),
                                  -np.sort(-x34, axis=0))
    idx = ts.argsort(x, axis=0)
    assert idx.dtype == ts.int32
    np.testing.assert_array_equal(idx.numpy(), np.argsort(x34, axis=0, kind="stable"))


def test_argsort_ties_keep_original_order_in_both_directions():
    v = ts.constant([1, 2, 1, 2, 0])
    assert ts.argsort(v).numpy().tolist() == [4, 0, 2, 1, 3]
    assert ts.argsort(v, direction="DESCENDING").numpy().tolist() == [1, 3, 0, 2, 4]
    assert ts.argsort(v, direction="DESCENDING", stable=True).numpy().tolist() == [1, 3, 0, 2, 4]
    u = ts.constant([3, 1, 3], dtype=ts.uint8)
    assert ts.sort(u, direction="DESCENDING").numpy().tolist() == [3, 3, 1]


@pytest.mark.parametrize("axis", [0, -1])
@pytest.mark.parametrize("direction", ["ASCENDING", "DESCENDING"])
def test_sort_gradient(axis, direction, x34):
    check_grad(lambda x: ts.sort(x, axis=axis, direction=direction), x34)
    check_second_order(lambda x: ts.sort(ts.square(x), axis=axis, direction=direction), x34)


def test_sort_errors():
    with pytest.raises(InvalidArgumentError, match="direction must be 'ASCENDING' or"):
        ts.sort(ts.zeros([3]), direction="up")
    with pytest.raises(InvalidArgumentError, match="axis 1 is out of range"):
        ts.argsort(ts.zeros([3]), axis=1)
    with pytest.raises(InvalidArgumentError, match="real-valued.*bool"):
        ts.sort(ts.constant([True, False]))


def test_top_k_values():
    r = ts.math.top_k(ts.constant([1, 2, 98, 1, 1, 99, 3, 1, 3, 96, 4, 1]), k=3)
    assert r.values.numpy().tolist() == [99, 98, 96]
    assert r.indices.numpy().tolist() == [5, 2, 9]
    assert r.indices.dtype == ts.int32
    values, indices = r  # unpacks like TF's namedtuple
    assert type(r).__name__ == "TopKV2" and values is r.values
    ties = ts.math.top_k(ts.constant([1, 1, 0, 1, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0]), k=3)
    assert ties.indices.numpy().tolist() == [0, 1, 3]
    x = np.random.default_rng(1).standard_normal((3, 4, 5))
    r = ts.math.top_k(ts.constant(x), k=2, index_type=ts.int64)
    assert r.values.shape == (3, 4, 2) and r.indices.dtype == ts.int64
    np.testing.assert_array_equal(r.values.numpy(), -np.sort(-x, axis=-1)[..., :2])
    assert ts.math.top_k(ts.constant(x)).values.shape == (3, 4, 1)  # default k=1
    assert ts.math.top_k(ts.constant(x), k=0).values.shape == (3, 4, 0)


def test_top_k_gradient_scatters_to_input_positions(x34):
    g = grad_of(lambda x: ts.math.top_k(x, k=2).values, [[1.0, 5.0, 3.0], [9.0, 0.0, 4.0]])
    np.testing.assert_array_equal(g, [[0, 1, 1], [1, 0, 1]])
    check_grad(lambda x: ts.math.top_k(x, k=3).values, x34)
    check_second_order(lambda x: ts.math.top_k(ts.square(x), k=2).values, x34)


def test_top_k_errors():
    with pytest.raises(InvalidArgumentError, match=r"k=5 must be between 0 and .*\(4\)"):
        ts.math.top_k(ts.zeros([2, 4]), k=5)
    with pytest.raises(InvalidArgumentError, match="rank >= 1"):
        ts.math.top_k(ts.constant(1.0))
    with pytest.raises(InvalidArgumentError, match="k must be an int"):
        ts.math.top_k(ts.zeros([3]), k=1.5)


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("axis", [2, -3, [0, 5]])
def test_out_of_range_axis(axis):
    for fn in [ts.reduce_sum, ts.reduce_mean, ts.reduce_max, ts.math.reduce_std,
               ts.reduce_logsumexp]:
        with pytest.raises(InvalidArgumentError, match=r"axis -?\d is out of range.*rank 2"):
            fn(ts.zeros([2, 3]), axis=axis)


def test_reduce_argument_errors():
    with pytest.raises(InvalidArgumentError, match="duplicate"):
        ts.reduce_sum(ts.zeros([2, 3]), axis=[1, -1])
    with pytest.raises(InvalidArgumentError, match="scalar"):
        ts.reduce_sum(ts.constant(1.0), axis=0)
    with pytest.raises(InvalidArgumentError, match="axis must be an int"):
        ts.reduce_sum(ts.zeros([2]), axis=0.5)
    with pytest.raises(InvalidArgumentError,
                       match=r"reduce_any expects a bool tensor, got int32.*ts.cast\(x, ts.bool\)"):
        ts.reduce_any(ts.constant([1, 0]))
    with pytest.raises(InvalidArgumentError, match="floating-point.*int32"):
        ts.math.reduce_variance(ts.constant([1, 2]))
    with pytest.raises(InvalidArgumentError, match="reduce_std expects a floating-point"):
        ts.math.reduce_std(ts.constant([1, 2]))
    with pytest.raises(InvalidArgumentError, match="numeric.*bool"):
        ts.reduce_mean(ts.constant([True]))
    with pytest.raises(InvalidArgumentError, match="dtype must be an integer"):
        ts.math.count_nonzero(ts.zeros([2]), dtype=ts.float32)

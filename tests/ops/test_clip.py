"""Clipping (tessera/ops/clip.py): values against NumPy, gradients, errors."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import tessera as ts
from tessera.core.errors import InvalidArgumentError
from tests.gradcheck import check_grad, check_second_order

RNG = np.random.default_rng(99)


# ---------------------------------------------------------------------------
# clip_by_value
# ---------------------------------------------------------------------------
def test_clip_by_value_values():
    x = ts.constant([-2.0, -0.5, 0.5, 3.0])
    out = ts.clip_by_value(x, -1.0, 1.0)
    assert out.dtype == ts.float32
    np.testing.assert_array_equal(out.numpy(), [-1, -0.5, 0.5, 1])
    i = ts.clip_by_value(ts.constant([-5, 0, 7]), 0, 3)
    assert i.dtype == ts.int32 and i.numpy().tolist() == [0, 0, 3]
    f64 = ts.clip_by_value(ts.constant([1.0, 9.0], ts.float64), 2, 5)
    assert f64.dtype == ts.float64 and f64.numpy().tolist() == [2.0, 5.0]


@settings(max_examples=25, deadline=None)
@given(data=st.data(),
       shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=4))
def test_clip_by_value_broadcast_bounds_match_numpy(data, shapes):
    (s_lo, s_hi), full = shapes
    x = data.draw(hnp.arrays(np.float64, full, elements=st.floats(-5, 5)))
    lo = data.draw(hnp.arrays(np.float64, s_lo, elements=st.floats(-3, 0)))
    hi = data.draw(hnp.arrays(np.float64, s_hi, elements=st.floats(0, 3)))
    got = ts.clip_by_value(ts.constant(x), ts.constant(lo), ts.constant(hi))
    assert tuple(got.shape) == full
    np.testing.assert_array_equal(got.numpy(), np.clip(x, lo, hi))


def test_clip_by_value_gradient_passes_only_where_not_clipped():
    x = ts.constant([-2.0, -0.5, 0.25, 3.0])
    with ts.GradientTape() as tape:
        tape.watch(x)
        y = ts.clip_by_value(x, -1.0, 1.0) * ts.constant([1.0, 2.0, 3.0, 4.0])
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [0, 2, 3, 0])


def test_clip_by_value_gradient_check_all_arguments():
    x = np.array([[-2.0, -0.4, 0.3], [0.9, 2.5, -1.7]])
    lo = np.array([-1.0, -0.5, -0.2])
    hi = np.array([[1.2], [0.6]])
    check_grad(ts.clip_by_value, x, lo, hi)
    check_second_order(lambda a, b, c: ts.square(ts.clip_by_value(a, b, c)), x, lo, hi)


def test_clip_by_value_errors():
    with pytest.raises(InvalidArgumentError, match=r"clip_value_max of shape \(3,\) does not broadcast to t's shape \(2, 1\)"):
        ts.clip_by_value(ts.zeros([2, 1]), 0.0, ts.ones([3]))
    with pytest.raises(InvalidArgumentError, match="ClipByValue: clip_value_min does not match.*float32.*ts.cast"):
        ts.clip_by_value(ts.zeros([2]), ts.constant(0.0, ts.float64), 1.0)
    with pytest.raises(InvalidArgumentError, match="ClipByValue.*Python float 0.5 with a int32"):
        ts.clip_by_value(ts.constant([1, 2]), 0.5, 3)


# ---------------------------------------------------------------------------
# clip_by_norm
# ---------------------------------------------------------------------------
def _np_clip_by_norm(x, c, axes=None):
    n = np.sqrt(np.sum(x * x, axis=axes, keepdims=True))
    return x * c / np.maximum(n, c)


@pytest.mark.parametrize("axes", [None, 0, 1, [0, 1], -1])
def test_clip_by_norm_values(axes):
    x = RNG.normal(size=(3, 4)) * 2
    got = ts.clip_by_norm(ts.constant(x), 1.5, axes=axes)
    np.testing.assert_allclose(got.numpy(), _np_clip_by_norm(x, 1.5, None if axes is None else
                                                             tuple(np.atleast_1d(axes))), rtol=1e-12)
    # small tensors are unchanged
    small = x * 1e-3
    np.testing.assert_allclose(ts.clip_by_norm(ts.constant(small), 1.5, axes=axes).numpy(), small)


def test_clip_by_norm_example_and_dtype():
    out = ts.clip_by_norm(ts.constant([3.0, 4.0]), 1.0)
    assert out.dtype == ts.float32
    np.testing.assert_allclose(out.numpy(), [0.6, 0.8], rtol=1e-6)


def test_clip_by_norm_gradients():
    x = RNG.normal(size=(2, 3)) * 2
    check_grad(lambda a: ts.clip_by_norm(a, 1.0), x)           # clipped
    check_grad(lambda a: ts.clip_by_norm(a, 100.0), x)         # not clipped
    check_grad(lambda a: ts.clip_by_norm(a, 1.0, axes=[1]), x)
    check_second_order(lambda a: ts.clip_by_norm(a, 1.0), x)
    check_grad(lambda a, c: ts.clip_by_norm(a, c), x, np.array(0.8))


def test_clip_by_norm_zero_tensor_has_finite_gradient():
    x = ts.zeros([3])
    with ts.GradientTape() as tape:
        tape.watch(x)
        y = ts.clip_by_norm(x, 1.0)
    g = tape.gradient(y, x).numpy()
    assert np.all(np.isfinite(g))
    np.testing.assert_array_equal(y.numpy(), [0, 0, 0])


def test_clip_by_norm_errors():
    with pytest.raises(InvalidArgumentError, match="ClipByNorm expects a floating-point tensor, got int32.*ts.cast"):
        ts.clip_by_norm(ts.constant([1, 2]), 1.0)
    with pytest.raises(InvalidArgumentError, match=r"clip_norm must be a scalar.*\(2,\)"):
        ts.clip_by_norm(ts.ones([2]), ts.ones([2]))
    with pytest.raises(InvalidArgumentError, match="axis 2 is out of range for a tensor of rank 2"):
        ts.clip_by_norm(ts.ones([2, 2]), 1.0, axes=2)


# ---------------------------------------------------------------------------
# global_norm / clip_by_global_norm
# ---------------------------------------------------------------------------
def test_global_norm_values_and_none_entries():
    a, b = RNG.normal(size=(2, 3)), RNG.normal(size=(4,))
    want = np.sqrt(np.sum(a * a) + np.sum(b * b))
    got = ts.linalg.global_norm([ts.constant(a), None, ts.constant(b)])
    assert got.shape == () and got.dtype == ts.float64
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-12)


def test_global_norm_errors():
    with pytest.raises(TypeError, match="t_list should be a list or tuple"):
        ts.linalg.global_norm(ts.ones([2]))
    with pytest.raises(InvalidArgumentError, match="every entry is None"):
        ts.linalg.global_norm([None])
    with pytest.raises(InvalidArgumentError, match="one dtype.*ts.cast"):
        ts.linalg.global_norm([ts.ones([2]), ts.ones([2], dtype=ts.float64)])


def test_clip_by_global_norm_values():
    a, b = RNG.normal(size=(2, 3)) * 3, RNG.normal(size=(4,)) * 3
    gn = np.sqrt(np.sum(a * a) + np.sum(b * b))
    clipped, norm = ts.clip_by_global_norm([ts.constant(a), None, ts.constant(b)], 1.0)
    assert clipped[1] is None and len(clipped) == 3
    np.testing.assert_allclose(norm.numpy(), gn, rtol=1e-12)
    np.testing.assert_allclose(clipped[0].numpy(), a / gn, rtol=1e-12)
    np.testing.assert_allclose(clipped[2].numpy(), b / gn, rtol=1e-12)
    np.testing.assert_allclose(np.sqrt(sum(np.sum(c.numpy() ** 2) for c in (clipped[0], clipped[2]))), 1.0)
    # below the threshold nothing changes
    same, _ = ts.clip_by_global_norm((ts.constant(a), ts.constant(b)), gn * 2)
    np.testing.assert_allclose(same[0].numpy(), a, rtol=1e-12)


def test_clip_by_global_norm_use_norm_and_float32_example():
    clipped, norm = ts.clip_by_global_norm([ts.constant([3.0]), ts.constant([4.0])], 1.0)
    assert norm.dtype == ts.float32 and float(norm) == 5.0
    np.testing.assert_allclose([float(c[0]) for c in clipped], [0.6, 0.8], rtol=1e-6)
    clipped, norm = ts.clip_by_global_norm([ts.constant([3.0]), ts.constant([4.0])], 1.0, use_norm=10.0)
    assert float(norm) == 10.0
    np.testing.assert_allclose([float(c[0]) for c in clipped], [0.3, 0.4], rtol=1e-6)


def test_clip_by_global_norm_inf_gives_nan():
    clipped, norm = ts.clip_by_global_norm([ts.constant([np.inf, 1.0]), ts.constant([2.0])], 1.0)
    assert np.isinf(norm.numpy())
    assert np.all(np.isnan(clipped[0].numpy())) and np.all(np.isnan(clipped[1].numpy()))


def test_clip_by_global_norm_gradients():
    a, b = RNG.normal(size=(2, 2)) * 2, RNG.normal(size=(3,)) * 2

    def f(x, y):
        c, n = ts.clip_by_global_norm([x, y], 1.5)
        return [c[0], c[1], n]

    check_grad(f, a, b)
    check_second_order(f, a, b)
    check_grad(lambda x, y: ts.linalg.global_norm([x, y]), a, b)


def test_clip_by_global_norm_errors():
    with pytest.raises(TypeError, match="clip_by_global_norm: t_list should be a list or tuple"):
        ts.clip_by_global_norm(ts.ones([2]), 1.0)
    with pytest.raises(InvalidArgumentError, match="clip_norm must be a scalar"):
        ts.clip_by_global_norm([ts.ones([2])], ts.ones([2]))

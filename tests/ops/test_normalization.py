"""Normalization ops: batch_normalization, fused_batch_norm, the fused layer norm, LRN,
space_to_depth / depth_to_space: values against NumPy, gradients by finite differences."""
import numpy as np
import pytest

import tessera as ts
from tessera.ops import normalization as N
from tests.gradcheck import check_grad, check_second_order

rng = np.random.default_rng(0)


def _bn_ref(x, axis, scale, offset, eps):
    axes = tuple(i for i in range(x.ndim) if i != axis % x.ndim)
    m = x.mean(axes, keepdims=True)
    v = ((x - m) ** 2).mean(axes, keepdims=True)
    bs = [1] * x.ndim
    bs[axis] = -1
    return (x - m) / np.sqrt(v + eps) * scale.reshape(bs) + offset.reshape(bs), m.ravel(), v.ravel()


def test_batch_normalization_matches_formula_and_grads():
    x = rng.standard_normal((4, 3))
    m, v = rng.standard_normal(3), rng.uniform(0.5, 2, 3)
    o, s = rng.standard_normal(3), rng.standard_normal(3)
    y = ts.nn.batch_normalization(ts.constant(x), m, v, o, s, 1e-3).numpy()
    np.testing.assert_allclose(y, (x - m) / np.sqrt(v + 1e-3) * s + o, rtol=1e-10)
    y2 = ts.nn.batch_normalization(ts.constant(x), m, v, None, None, 1e-3).numpy()
    np.testing.assert_allclose(y2, (x - m) / np.sqrt(v + 1e-3), rtol=1e-10)
    check_grad(lambda *a: ts.nn.batch_normalization(*a, 1e-3), x, m, v, o, s)


@pytest.mark.parametrize("fmt", ["NHWC", "NCHW"])
def test_fused_batch_norm_training_values(fmt):
    x = rng.standard_normal((3, 4, 5, 2)).astype("float32")
    axis = -1 if fmt == "NHWC" else 1
    c = x.shape[axis]
    s, o = rng.standard_normal(c).astype("float32"), rng.standard_normal(c).astype("float32")
    y, bm, bv = ts.nn.fused_batch_norm(x, s, o, epsilon=1e-3, data_format=fmt)
    ry, rm, rv = _bn_ref(x.astype("float64"), axis, s, o, 1e-3)
    n = x.size // c
    np.testing.assert_allclose(y.numpy(), ry, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(bm.numpy(), rm, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(bv.numpy(), rv * n / (n - 1), rtol=1e-5)  # Bessel-corrected


def test_fused_batch_norm_exponential_avg_and_inference():
    x = rng.standard_normal((2, 3, 3, 2))
    s, o = np.ones(2), np.zeros(2)
    rm, rv = np.array([0.5, -1.0]), np.array([2.0, 3.0])
    _, bm, bv = ts.nn.fused_batch_norm(x, s, o, mean=rm, variance=rv,
                                       exponential_avg_factor=0.1)
    flat = x.reshape(-1, 2)
    np.testing.assert_allclose(bm.numpy(), 0.9 * rm + 0.1 * flat.mean(0), rtol=1e-10)
    np.testing.assert_allclose(bv.numpy(), 0.9 * rv + 0.1 * flat.var(0, ddof=1), rtol=1e-10)
    y, m2, v2 = ts.nn.fused_batch_norm(x, s * 2, o + 1, mean=rm, variance=rv, is_training=False)
    np.testing.assert_allclose(y.numpy(), (x - rm) / np.sqrt(rv + 1e-3) * 2 + 1, rtol=1e-10)
    np.testing.assert_allclose(m2.numpy(), rm)
    np.testing.assert_allclose(v2.numpy(), rv)


def test_fused_batch_norm_float16_and_epsilon_clamp():
    x = rng.standard_normal((2, 2, 2, 3)).astype("float16")
    y, _, _ = ts.nn.fused_batch_norm(x, np.ones(3, "float32"), np.zeros(3, "float32"),
                                     epsilon=0.0)
    assert y.dtype == ts.float16
    ref, _, _ = _bn_ref(x.astype("float64"), -1, np.ones(3), np.zeros(3), 1.001e-5)
    np.testing.assert_allclose(y.numpy().astype("float64"), ref, atol=1e-2)


def test_fused_batch_norm_training_grads():
    x = rng.standard_normal((2, 3, 2, 3))
    s, o = rng.standard_normal(3), rng.standard_normal(3)
    # all three outputs are projected: gradients through the mean and variance too
    check_grad(lambda x, s, o: list(ts.nn.fused_batch_norm(x, s, o)), x, s, o)
    check_grad(lambda x, s, o: ts.nn.fused_batch_norm(x, s, o, data_format="NCHW")[0], x,
               rng.standard_normal(3), rng.standard_normal(3))


def test_fused_batch_norm_training_second_order():
    x = rng.standard_normal((3, 2, 2, 2))
    s, o = rng.standard_normal(2), rng.standard_normal(2)
    # the first gradient does not depend on the offset: differentiate x and scale only
    check_second_order(lambda x, s: list(ts.nn.fused_batch_norm(x, s, o)), x, s)


def test_fused_batch_norm_inference_grads_and_second_order():
    x = rng.standard_normal((2, 2, 2, 3))
    m, v = rng.standard_normal(3), rng.uniform(0.5, 2, 3)
    s, o = rng.standard_normal(3), rng.standard_normal(3)

    def f(x, m, v, s, o):
        return ts.nn.fused_batch_norm(x, s, o, mean=m, variance=v, is_training=False)[0]
    check_grad(f, x, m, v, s, o)
    check_second_order(lambda x, m, v, s: f(x, m, v, s, o), x, m, v, s)


def test_batch_norm_train_without_affine_channels_first_3d():
    x = rng.standard_normal((4, 3, 5))
    y, m, v = N.batch_norm_train(ts.constant(x), axis=1, epsilon=1e-3)
    ry, rm, rv = _bn_ref(x, 1, np.ones(3), np.zeros(3), 1e-3)
    np.testing.assert_allclose(y.numpy(), ry, rtol=1e-10)
    np.testing.assert_allclose(v.numpy(), rv, rtol=1e-10)  # biased variance
    check_grad(lambda x: N.batch_norm_train(x, axis=1)[0], x)


def test_fused_batch_norm_errors():
    with pytest.raises(ts.errors.InvalidArgumentError, match="4-D.*shape \\(2, 3\\)"):
        ts.nn.fused_batch_norm(np.ones((2, 3)), np.ones(3), np.zeros(3))
    with pytest.raises(ts.errors.InvalidArgumentError, match="scale must have shape \\(3,\\)"):
        ts.nn.fused_batch_norm(np.ones((1, 2, 2, 3)), np.ones(4), np.zeros(3))
    with pytest.raises(ts.errors.InvalidArgumentError, match="needs `mean` and `variance`"):
        ts.nn.fused_batch_norm(np.ones((1, 2, 2, 3)), np.ones(3), np.zeros(3),
                               is_training=False)
    with pytest.raises(ts.errors.InvalidArgumentError, match="data_format"):
        ts.nn.fused_batch_norm(np.ones((1, 2, 2, 3)), np.ones(3), np.zeros(3),
                               data_format="HWNC")


def _ln_ref(x, axes, g, b, eps):
    m = x.mean(axes, keepdims=True)
    v = ((x - m) ** 2).mean(axes, keepdims=True)
    return (x - m) / np.sqrt(v + eps) * g + b


@pytest.mark.parametrize("axis", [-1, [1, 2], [1, 3]])
def test_layer_normalization_values_and_grads(axis):
    x = rng.standard_normal((2, 3, 2, 4))
    axes = (3,) if axis == -1 else tuple(axis)
    gshape = tuple(x.shape[a] for a in axes)
    g, b = rng.standard_normal(gshape), rng.standard_normal(gshape)
    bshape = [x.shape[i] if i in axes else 1 for i in range(4)]
    y = N.layer_normalization(ts.constant(x), g, b, axis=axis, epsilon=1e-5).numpy()
    np.testing.assert_allclose(y, _ln_ref(x, axes, g.reshape(bshape), b.reshape(bshape), 1e-5),
                               rtol=1e-9, atol=1e-10)
    check_grad(lambda x, g, b: N.layer_normalization(x, g, b, axis=axis), x, g, b)


def test_layer_normalization_second_order_and_no_affine():
    x = rng.standard_normal((3, 4))
    g, b = rng.standard_normal(4), rng.standard_normal(4)
    check_second_order(lambda x, g: N.layer_normalization(x, g, b), x, g)
    y = N.layer_normalization(ts.constant(x), epsilon=1e-3).numpy()
    np.testing.assert_allclose(y, _ln_ref(x, (1,), 1.0, 0.0, 1e-3), rtol=1e-10)
    check_grad(lambda x: N.layer_normalization(x), x)


def test_layer_normalization_scale_shape_error():
    with pytest.raises(ts.errors.InvalidArgumentError, match="scale of shape \\(5,\\)"):
        N.layer_normalization(np.ones((2, 4)), np.ones(5))


def _lrn_ref(x, r, bias, alpha, beta):
    out = np.empty_like(x)
    c = x.shape[-1]
    for d in range(c):
        s = (x[..., max(0, d - r):d + r + 1] ** 2).sum(-1)
        out[..., d] = x[..., d] / (bias + alpha * s) ** beta
    return out


def test_lrn_values_grads_second_order():
    x = rng.standard_normal((2, 2, 2, 6))
    for kw in ({}, {"depth_radius": 2, "bias": 2.0, "alpha": 0.5, "beta": 0.75}):
        ref = _lrn_ref(x, kw.get("depth_radius", 5), kw.get("bias", 1.0), kw.get("alpha", 1.0),
                       kw.get("beta", 0.5))
        np.testing.assert_allclose(ts.nn.local_response_normalization(x, **kw).numpy(), ref,
                                   rtol=1e-10)
    np.testing.assert_allclose(ts.nn.lrn(x, 1).numpy(), _lrn_ref(x, 1, 1.0, 1.0, 0.5))
    check_grad(lambda x: ts.nn.local_response_normalization(x, 2, 1.5, 0.3, 0.75), x)
    check_second_order(lambda x: ts.nn.local_response_normalization(x, 1, 1.5, 0.3, 0.75),
                       rng.standard_normal((1, 1, 2, 4)))
    with pytest.raises(ts.errors.InvalidArgumentError, match="4-D.*shape \\(2, 6\\)"):
        ts.nn.local_response_normalization(np.ones((2, 6)))


def _s2d_ref(x, b):
    n, h, w, c = x.shape
    out = np.zeros((n, h // b, w // b, b * b * c), x.dtype)
    for i in range(h):
        for j in range(w):
            out[:, i // b, j // b, ((i % b) * b + j % b) * c:((i % b) * b + j % b + 1) * c] = \
                x[:, i, j, :]
    return out


def test_space_to_depth_and_back():
    x = rng.standard_normal((2, 4, 6, 3))
    y = ts.nn.space_to_depth(x, 2)
    np.testing.assert_array_equal(y.numpy(), _s2d_ref(x, 2))
    np.testing.assert_array_equal(ts.nn.depth_to_space(y, 2).numpy(), x)
    nchw = x.transpose(0, 3, 1, 2)
    yc = ts.nn.space_to_depth(nchw, 2, data_format="NCHW").numpy()
    np.testing.assert_array_equal(yc, _s2d_ref(x, 2).transpose(0, 3, 1, 2))
    np.testing.assert_array_equal(ts.nn.depth_to_space(yc, 2, data_format="NCHW").numpy(), nchw)
    check_grad(lambda x: ts.nn.space_to_depth(x, 2), rng.standard_normal((1, 2, 4, 2)))
    check_grad(lambda x: ts.nn.depth_to_space(x, 2), rng.standard_normal((1, 2, 1, 8)))


def test_space_to_depth_errors():
    with pytest.raises(ts.errors.InvalidArgumentError, match="divisible by block_size 2"):
        ts.nn.space_to_depth(np.ones((1, 3, 4, 1)), 2)
    with pytest.raises(ts.errors.InvalidArgumentError, match="divisible by block_size\\*\\*2"):
        ts.nn.depth_to_space(np.ones((1, 2, 2, 6)), 2)
    with pytest.raises(ts.errors.InvalidArgumentError, match="block_size must be at least 2"):
        ts.nn.space_to_depth(np.ones((1, 2, 2, 1)), 1)


def test_layer_normalization_trailing_axes_matrix_vector_backward():
    """Trailing axes with per-feature scale/offset take the GEMV backward (float32 and 64),
    with the forward's saved statistics; a persistent tape may run it twice."""
    x = rng.standard_normal((3, 2, 4, 5))
    g, b = rng.standard_normal((4, 5)), rng.standard_normal((4, 5))
    check_grad(lambda x, g, b: N.layer_normalization(x, g, b, axis=[2, 3]), x, g, b)
    check_grad(lambda x, b: N.layer_normalization(x, None, b, axis=-1), x, b[0])
    x32 = (rng.standard_normal((4, 6, 8)) * 3 + 5).astype(np.float32)
    g32, b32 = (rng.standard_normal(8).astype(np.float32) for _ in range(2))
    w = rng.standard_normal(x32.shape)
    grads = []
    for dt in (np.float32, np.float64):
        xs, gs, bs = (ts.Variable(a.astype(dt)) for a in (x32, g32, b32))
        with ts.GradientTape(persistent=True) as tape:
            y = N.layer_normalization(xs, gs, bs, epsilon=1e-5)
            loss = ts.reduce_sum(y * ts.constant(w.astype(dt)))
        first = [a.numpy() for a in tape.gradient(loss, [xs, gs, bs])]
        again = [a.numpy() for a in tape.gradient(loss, [xs, gs, bs])]
        for a, c in zip(first, again):
            np.testing.assert_array_equal(a, c)
        grads.append(first)
        np.testing.assert_allclose(y.numpy(), _ln_ref(x32.astype(np.float64), (2,), g32, b32, 1e-5),
                                   rtol=1e-4, atol=1e-4)
    for a, c in zip(*grads):
        np.testing.assert_allclose(a, c, rtol=1e-3, atol=1e-3)


def test_layer_normalization_broadcast_scale_takes_general_backward():
    """A scale varying along a non-normalised axis is not per-feature: the general path."""
    x = rng.standard_normal((2, 3, 4))
    g = rng.standard_normal((2, 1, 4))
    b = rng.standard_normal((1, 3, 4))
    y = N.layer_normalization(ts.constant(x), g, b, axis=-1, epsilon=1e-3).numpy()
    np.testing.assert_allclose(y, _ln_ref(x, (2,), g, b, 1e-3), rtol=1e-10)
    check_grad(lambda x, g, b: N.layer_normalization(x, g, b), x, g, b)

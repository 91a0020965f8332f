"""The fused convnet block `conv2d_relu_max_pool` against the separate ops, finite-difference
gradients, second order, and the Sequential fusion of Conv2D(relu) + MaxPooling2D."""
import numpy as np
import pytest

import tessera as ts
from tessera import keras
from tessera.ops import conv_pool
from tests.gradcheck import check_grad, check_second_order

CASES = [  # x shape, kernel (kh, kw, cout), strides, pads, dilations, pool
    ((2, 8, 8, 1), (3, 3, 4), (1, 1), ((0, 0), (0, 0)), (1, 1), (2, 2)),
    ((2, 9, 7, 6), (3, 3, 5), (1, 1), ((0, 0), (0, 0)), (1, 1), (2, 2)),   # odd sizes: floor
    ((1, 10, 9, 3), (3, 2, 4), (2, 1), ((1, 1), (0, 1)), (1, 1), (2, 2)),  # strides, padding
    ((2, 11, 11, 5), (2, 3, 3), (1, 1), ((0, 0), (0, 0)), (2, 1), (3, 3)),  # dilation, 3x3
    ((1, 7, 8, 2), (3, 3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1), (1, 2)),   # uneven window
]


def _separate(x, w, b, strides, pads, dil, pool):
    z = ts.nn.conv2d(x, w, list(strides), [[0, 0]] + [list(p) for p in pads] + [[0, 0]],
                     dilations=list(dil))
    if b is not None:
        z = ts.nn.bias_add(z, b)
    return ts.nn.max_pool2d(ts.nn.relu(z), list(pool), list(pool), "VALID")


def _args(case, rng, dtype="float32"):
    xs, (kh, kw, co), *_ = case
    x = rng.normal(size=xs).astype(dtype)
    w = (rng.normal(size=(kh, kw, xs[-1], co)) * 0.5).astype(dtype)
    b = rng.normal(size=co).astype(dtype) * 0.3
    return x, w, b


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("with_bias", [True, False])
def test_values_match_conv_relu_pool(case, with_bias):
    rng = np.random.default_rng(0)
    x, w, b = _args(case, rng)
    _, _, strides, pads, dil, pool = case
    b = b if with_bias else None
    got = conv_pool.conv2d_relu_max_pool(x, w, b, strides, pads, dil, pool).numpy()
    want = _separate(ts.constant(x), ts.constant(w), None if b is None else ts.constant(b),
                     strides, pads, dil, pool).numpy()
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("case", CASES)
def test_gradients_match_finite_differences(case):
    rng = np.random.default_rng(1)
    x, w, b = _args(case, rng, "float64")
    _, _, strides, pads, dil, pool = case

    def f(x, w, b):
        return conv_pool.conv2d_relu_max_pool(x, w, b, strides, pads, dil, pool)
    check_grad(f, x, w, b)


def test_gradients_equal_the_separate_ops_including_ties():
    """Ties (equal values in a window, common in real images) go to the first maximum in
    row-major window order, as max_pool's gradient does."""
    rng = np.random.default_rng(2)
    x = np.round(rng.random((2, 9, 9, 2)) * 2).astype("float32")   # values 0, 1, 2: many ties
    w = np.ones((2, 2, 2, 3), "float32")
    w[..., 1] = 0.5
    b = np.array([0.0, -1.0, 0.5], "float32")
    xs, ws, bs = ts.Variable(x), ts.Variable(w), ts.Variable(b)
    g = rng.normal(size=(2, 4, 4, 3)).astype("float32")
    with ts.GradientTape(persistent=True) as tape:
        y1 = conv_pool.conv2d_relu_max_pool(xs, ws, bs, (1, 1), ((0, 0), (0, 0)), (1, 1), (2, 2))
        y2 = _separate(xs, ws, bs, (1, 1), ((0, 0), (0, 0)), (1, 1), (2, 2))
    np.testing.assert_array_equal(y1.numpy(), y2.numpy())
    g1 = tape.gradient(y1, [xs, ws, bs], output_gradients=ts.constant(g))
    g2 = tape.gradient(y2, [xs, ws, bs], output_gradients=ts.constant(g))
    for a, c in zip(g1, g2):
        np.testing.assert_allclose(a.numpy(), c.numpy(), rtol=1e-5, atol=1e-5)


def test_second_order_through_the_composite():
    rng = np.random.default_rng(3)
    x, w, _ = _args(CASES[1], rng, "float64")

    def f(x, w):   # piecewise bilinear: d(dx)/dw and d(dw)/dx are the non-zero second terms
        return conv_pool.conv2d_relu_max_pool(x, w, None, (1, 1), ((0, 0), (0, 0)), (1, 1),
                                              (2, 2))
    check_second_order(f, x, w)


def test_bad_geometry_is_a_clear_error():
    with pytest.raises(ValueError, match="conv2d_relu_max_pool"):
        conv_pool.conv2d_relu_max_pool(np.ones((1, 3, 3, 1), "float32"),
                                       np.ones((3, 3, 1, 2), "float32"), pool=(2, 2))


def test_inference_in_chunks_equals_one_pass(monkeypatch):
    rng = np.random.default_rng(4)
    x, w, b = _args(((9, 10, 10, 3), (3, 3, 4), None, None, None, None), rng)
    whole = conv_pool.conv2d_relu_max_pool(x, w, b).numpy()
    monkeypatch.setattr(conv_pool, "_CHUNK_BYTES", 1)   # one image per chunk
    np.testing.assert_array_equal(conv_pool.conv2d_relu_max_pool(x, w, b).numpy(), whole)


def _convnet(**conv_kw):
    return keras.Sequential([
        keras.Input((12, 12, 2)),
        keras.layers.Conv2D(4, 3, activation="relu", **conv_kw),
        keras.layers.MaxPooling2D(),
        keras.layers.Conv2D(5, 3, activation="relu", padding="same"),
        keras.layers.MaxPooling2D(),
        keras.layers.Flatten(),
        keras.layers.Dense(3)])


def test_sequential_fuses_conv_relu_pool_with_identical_results(monkeypatch):
    from tessera.keras.layers import conv_pool_fusion as F
    calls = []
    real = F.call_pair
    monkeypatch.setattr(F, "call_pair", lambda *a: calls.append(1) or real(*a))
    keras.utils.set_random_seed(0)
    model = _convnet()
    x = np.random.default_rng(5).random((6, 12, 12, 2)).astype("float32")
    y = np.array([0, 1, 2, 0, 1, 2])
    model.compile(optimizer="sgd", loss=keras.losses.SparseCategoricalCrossentropy(True))
    clone = keras.models.clone_model(model)
    clone.set_weights(model.get_weights())
    clone.compile(optimizer="sgd", loss=keras.losses.SparseCategoricalCrossentropy(True))
    fused_pred = model.predict(x, verbose=0)
    assert len(calls) == 2                      # both blocks went through the fused op
    fused_loss = model.train_on_batch(x, y)
    monkeypatch.setattr(F, "fusable", lambda *a: False)
    np.testing.assert_allclose(clone.predict(x, verbose=0), fused_pred, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(clone.train_on_batch(x, y), fused_loss, rtol=1e-5)
    for a, b in zip(model.get_weights(), clone.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("change", [
    dict(conv=dict(activation="tanh")), dict(conv=dict(groups=2)),
    dict(pool=dict(strides=1)), dict(pool=dict(padding="same")),
    dict(conv=dict(activity_regularizer="l2"))])
def test_no_fusion_where_the_pair_differs(change):
    from tessera.keras.layers import conv_pool_fusion as F
    conv = keras.layers.Conv2D(4, 3, **{"activation": "relu", **change.get("conv", {})})
    pool = keras.layers.MaxPooling2D(**change.get("pool", {}))
    x = ts.constant(np.ones((1, 8, 8, 2), "float32"))
    pool(conv(x))
    assert not F.fusable(conv, pool, x)
    conv_ok, pool_ok = keras.layers.Conv2D(4, 3, activation="relu"), keras.layers.MaxPooling2D()
    pool_ok(conv_ok(x))
    assert F.fusable(conv_ok, pool_ok, x)


def test_fused_block_reports_bad_inputs_as_the_layer_would():
    model = _convnet()
    with pytest.raises(ValueError, match="conv2d"):
        model(np.ones((1, 12, 12, 3), "float32"))


def test_functional_fuses_a_private_conv_pool_pair_only(monkeypatch):
    from tessera.keras.layers import conv_pool_fusion as F
    calls = []
    real = F.call_pair
    monkeypatch.setattr(F, "call_pair", lambda *a: calls.append(a[0].name) or real(*a))
    inp = keras.Input((10, 10, 2))
    a = keras.layers.Conv2D(3, 3, activation="relu", name="private")(inp)
    pa = keras.layers.MaxPooling2D()(a)
    b = keras.layers.Conv2D(3, 3, activation="relu", name="shared")(inp)
    pb = keras.layers.MaxPooling2D()(b)
    gb = keras.layers.GlobalAveragePooling2D()(b)        # a second consumer of b: no fusion
    out = keras.layers.Concatenate()([keras.layers.Flatten()(pa), keras.layers.Flatten()(pb), gb])
    model = keras.Model(inp, out)
    x = np.random.default_rng(6).random((2, 10, 10, 2)).astype("float32")
    got = model(x).numpy()
    assert calls == ["private"]
    monkeypatch.setattr(F, "fusable", lambda *a: False)
    np.testing.assert_allclose(model(x).numpy(), got, rtol=1e-5, atol=1e-6)

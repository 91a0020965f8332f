"""BatchNormalization, LayerNormalization, GroupNormalization through run_layer_test."""
import numpy as np
import pytest

import tessera as ts
from tessera import keras
from tests.keras.harness import run_layer_test

EPS = 1e-3


def _norm(x, axes, eps):
    m = x.mean(axes, keepdims=True)
    v = ((x - m) ** 2).mean(axes, keepdims=True)
    return (x - m) / np.sqrt(v + eps)


def test_batch_norm_inference_uses_moving_stats():
    run_layer_test(keras.layers.BatchNormalization, init_kwargs={}, input_shape=(4, 3, 5),
                   expected_output_shape=(4, 3, 5),
                   reference_fn=lambda x, w: (x - w["moving_mean"]) / np.sqrt(
                       w["moving_variance"] + EPS) * w["gamma"] + w["beta"],
                   expected_num_trainable_weights=2, expected_num_non_trainable_weights=2,
                   supports_masking=True, rtol=1e-4, atol=1e-5)


def test_batch_norm_training_uses_batch_stats():
    run_layer_test(keras.layers.BatchNormalization, init_kwargs={"axis": 1, "momentum": 0.9},
                   input_shape=(6, 3, 4, 2), call_kwargs={"training": True},
                   expected_output_shape=(6, 3, 4, 2),
                   reference_fn=lambda x: _norm(x.astype("float64"), (0, 2, 3), EPS),
                   expected_num_trainable_weights=2, expected_num_non_trainable_weights=2,
                   rtol=1e-4, atol=1e-4)


def test_batch_norm_moving_statistics_update():
    x = np.random.default_rng(1).standard_normal((8, 5, 3)).astype("float32") * 2 + 1
    bn = keras.layers.BatchNormalization(momentum=0.8)
    bn(x, training=True)
    flat = x.reshape(-1, 3).astype("float64")
    mm = 0.0 * 0.8 + flat.mean(0) * 0.2
    mv = 1.0 * 0.8 + flat.var(0) * 0.2
    np.testing.assert_allclose(bn.moving_mean.numpy(), mm, rtol=1e-5)
    np.testing.assert_allclose(bn.moving_variance.numpy(), mv, rtol=1e-5)
    bn(x, training=True)
    np.testing.assert_allclose(bn.moving_mean.numpy(), mm * 0.8 + flat.mean(0) * 0.2, rtol=1e-5)
    # inference leaves the statistics alone
    before = bn.moving_mean.numpy().copy()
    bn(x, training=False)
    bn(x)
    np.testing.assert_array_equal(bn.moving_mean.numpy(), before)


def test_batch_norm_frozen_runs_in_inference_mode():
    x = np.random.default_rng(2).standard_normal((6, 4)).astype("float32") + 3
    bn = keras.layers.BatchNormalization()
    bn.build((None, 4))
    bn.moving_mean.assign(np.full(4, 0.5, "float32"))
    bn.trainable = False
    assert bn.trainable_weights == [] and len(bn.non_trainable_weights) == 4
    y = bn(x, training=True).numpy()
    np.testing.assert_allclose(y, (x - 0.5) / np.sqrt(1 + EPS), rtol=1e-5)
    np.testing.assert_array_equal(bn.moving_mean.numpy(), np.full(4, 0.5))
    # gradients still reach the inputs of a frozen layer
    xt = ts.constant(x)
    with ts.GradientTape() as tape:
        tape.watch(xt)
        loss = ts.reduce_sum(bn(xt, training=True) * np.arange(4, dtype="float32"))
    np.testing.assert_allclose(tape.gradient(loss, xt).numpy(),
                               np.broadcast_to(np.arange(4) / np.sqrt(1 + EPS), x.shape), rtol=1e-5)


def test_batch_norm_in_model_fit_updates_stats_and_learns():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((64, 4, 4, 2)).astype("float32") * 3 + 2
    y = rng.standard_normal((64, 1)).astype("float32")
    model = keras.Sequential([keras.Input((4, 4, 2)), keras.layers.BatchNormalization(),
                              keras.layers.Flatten(), keras.layers.Dense(1)])
    model.compile("adam", "mse")
    model.fit(x, y, batch_size=64, epochs=3, verbose=0)
    bn = model.layers[0]
    flat = x.reshape(-1, 2)
    mm = np.zeros(2)
    for _ in range(3):
        mm = mm * 0.99 + flat.mean(0) * 0.01
    np.testing.assert_allclose(bn.moving_mean.numpy(), mm, rtol=1e-4)


def test_batch_norm_masked_statistics():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((3, 5, 2)).astype("float32")
    mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1], [1, 0, 0, 0, 0]], bool)
    bn = keras.layers.BatchNormalization(momentum=0.0)
    xt = ts.constant(x)
    xt._keras_mask = ts.constant(mask)
    out = bn(xt, training=True)
    sel = x[mask].astype("float64")
    np.testing.assert_allclose(bn.moving_mean.numpy(), sel.mean(0), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(bn.moving_variance.numpy(), sel.var(0), rtol=1e-4)
    np.testing.assert_allclose(out.numpy(), (x - sel.mean(0)) / np.sqrt(sel.var(0) + EPS),
                               rtol=1e-4, atol=1e-5)
    assert out._keras_mask is not None


def test_batch_norm_float16_and_config_and_errors():
    bn = keras.layers.BatchNormalization(dtype="float16")
    y = bn(np.ones((2, 3), "float16"), training=True)
    assert y.dtype == ts.float16
    cfg = keras.layers.BatchNormalization(axis=1, momentum=0.9).get_config()
    for k in ("axis", "momentum", "epsilon", "center", "scale", "beta_initializer",
              "moving_variance_initializer", "synchronized"):
        assert k in cfg
    assert cfg["momentum"] == 0.9 and cfg["epsilon"] == 1e-3
    with pytest.raises(ValueError, match="Axis 3 is out of bounds for input shape \\(2, 3\\)"):
        keras.layers.BatchNormalization(axis=3)(np.ones((2, 3), "float32"))
    bn = keras.layers.BatchNormalization(center=False, scale=False)
    bn(np.ones((2, 3), "float32"))
    assert bn.trainable_weights == []


def test_layer_norm():
    run_layer_test(keras.layers.LayerNormalization, init_kwargs={"epsilon": 1e-6},
                   input_shape=(2, 3, 4), expected_output_shape=(2, 3, 4),
                   reference_fn=lambda x, w: _norm(x.astype("float64"), (2,), 1e-6) * w["gamma"]
                   + w["beta"], expected_num_trainable_weights=2,
                   expected_num_non_trainable_weights=0, supports_masking=True, rtol=1e-4)


def test_layer_norm_multi_axis_and_rms_scaling():
    run_layer_test(keras.layers.LayerNormalization,
                   init_kwargs={"axis": [1, 2], "center": False,
                                "gamma_initializer": "random_normal"},
                   input_shape=(2, 3, 4), expected_output_shape=(2, 3, 4),
                   reference_fn=lambda x, w: _norm(x.astype("float64"), (1, 2), EPS) * w["gamma"],
                   expected_num_trainable_weights=1, rtol=1e-4, atol=1e-5)
    with pytest.warns(UserWarning, match="deprecated"):
        layer = keras.layers.LayerNormalization(rms_scaling=True)
    x = np.random.default_rng(5).standard_normal((3, 4)).astype("float32")
    y = layer(x).numpy()
    np.testing.assert_allclose(y, x / np.sqrt(x.var(-1, keepdims=True) + EPS), rtol=1e-5)
    assert [v.name for v in layer.weights] == ["gamma"]
    assert layer.get_config()["rms_scaling"] is True


def _gn_ref(x, groups, axis, eps):
    x = np.moveaxis(x.astype("float64"), axis, -1)
    n, c = x.shape[0], x.shape[-1]
    g = x.reshape(x.shape[:-1] + (groups, c // groups))
    axes = tuple(range(1, g.ndim - 2)) + (g.ndim - 1,)
    out = _norm(g, axes, eps).reshape(x.shape)
    return np.moveaxis(out, -1, axis)


def test_group_norm():
    run_layer_test(keras.layers.GroupNormalization, init_kwargs={"groups": 2},
                   input_shape=(2, 3, 3, 4), expected_output_shape=(2, 3, 3, 4),
                   reference_fn=lambda x: _gn_ref(x, 2, -1, EPS),
                   expected_num_trainable_weights=2, rtol=1e-4, atol=1e-5)
    run_layer_test(keras.layers.GroupNormalization,
                   init_kwargs={"groups": -1, "axis": 1, "gamma_initializer": "random_normal",
                                "beta_initializer": "random_normal"},
                   input_shape=(2, 4, 5), expected_output_shape=(2, 4, 5),
                   reference_fn=lambda x, w: _gn_ref(x, 4, 1, EPS) * w["gamma"][:, None]
                   + w["beta"][:, None], rtol=1e-4, atol=1e-5)


def test_group_norm_errors():
    with pytest.raises(ValueError, match="must be a multiple of the number of channels \\(6\\)"):
        keras.layers.GroupNormalization(groups=4)(np.ones((1, 6), "float32"))
    with pytest.raises(ValueError, match="cannot be more than the number of channels"):
        keras.layers.GroupNormalization(groups=8)(np.ones((1, 6), "float32"))
    with pytest.raises(ValueError, match="invalid value for argument `groups`"):
        keras.layers.GroupNormalization(groups=0)

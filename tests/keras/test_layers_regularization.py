"""GaussianNoise, GaussianDropout, AlphaDropout, ActivityRegularization through the harness,
plus their statistics in training mode."""
import numpy as np
import pytest

import tessera as ts
from tessera import keras
from tests.keras.harness import random_inputs, run_layer_test

L = keras.layers


@pytest.mark.parametrize("cls,kwargs", [
    (L.GaussianNoise, {"stddev": 0.5, "seed": 1}),
    (L.GaussianDropout, {"rate": 0.3, "seed": 1}),
    (L.AlphaDropout, {"rate": 0.2, "seed": 1}),
    (L.AlphaDropout, {"rate": 0.2, "noise_shape": (None, 1)}),
])
def test_identity_at_inference(cls, kwargs):
    run_layer_test(cls, kwargs, input_shape=(3, 4), expected_output_shape=(3, 4),
                   reference_fn=lambda x: x, expected_num_trainable_weights=0,
                   supports_masking=True)


@pytest.mark.parametrize("cls,kwargs", [
    (L.GaussianNoise, {"stddev": 0.5}),
    (L.GaussianDropout, {"rate": 0.3}),
    (L.AlphaDropout, {"rate": 0.2}),
])
def test_training_mode_through_harness(cls, kwargs):
    res = run_layer_test(cls, kwargs, input_shape=(3, 4), call_kwargs={"training": True},
                         expected_output_shape=(3, 4))
    assert not np.allclose(res.output, res.inputs)


def test_gaussian_noise_statistics():
    x = np.full((4000, 25), 2.0, "float32")
    y = L.GaussianNoise(0.3, seed=2)(x, training=True).numpy()
    assert abs(y.mean() - 2.0) < 0.01
    assert abs(y.std() - 0.3) < 0.01


def test_gaussian_dropout_statistics():
    x = np.ones((4000, 25), "float32")
    y = L.GaussianDropout(0.2, seed=2)(x, training=True).numpy()
    assert abs(y.mean() - 1.0) < 0.01
    assert abs(y.std() - np.sqrt(0.2 / 0.8)) < 0.01


def test_alpha_dropout_keeps_mean_and_variance():
    x = np.random.default_rng(0).standard_normal((4000, 25)).astype("float32")
    y = L.AlphaDropout(0.3, seed=4)(x, training=True).numpy()
    assert abs(y.mean()) < 0.02 and abs(y.std() - 1.0) < 0.02
    alpha_p = -1.6732632423543772 * 1.0507009873554805
    a = ((1 - 0.3) * (1 + 0.3 * alpha_p ** 2)) ** -0.5
    b = -a * alpha_p * 0.3
    dropped = np.isclose(y, a * alpha_p + b, atol=1e-5)
    assert 0.27 < dropped.mean() < 0.33
    np.testing.assert_allclose(y[~dropped], a * x[~dropped] + b, rtol=1e-5, atol=1e-5)


def test_alpha_dropout_noise_shape():
    x = np.random.default_rng(0).standard_normal((50, 8)).astype("float32")
    y = L.AlphaDropout(0.5, noise_shape=(None, 1), seed=3)(x, training=True).numpy()
    alpha_p = -1.6732632423543772 * 1.0507009873554805
    a = ((1 - 0.5) * (1 + 0.5 * alpha_p ** 2)) ** -0.5
    b = -a * alpha_p * 0.5
    rows = np.all(np.isclose(y, a * alpha_p + b, atol=1e-5), axis=1)
    assert 0 < rows.sum() < 50  # whole rows dropped together


def test_seeded_layers_are_reproducible_with_global_seed():
    x = np.ones((5, 5), "float32")
    try:
        ts.random.set_seed(123)
        a = L.GaussianNoise(0.5, seed=7)(x, training=True).numpy()
        a2 = L.GaussianNoise(0.5, seed=7)(x, training=True).numpy()
        ts.random.set_seed(123)
        b = L.GaussianNoise(0.5, seed=7)(x, training=True).numpy()
    finally:
        ts.random.set_seed(None)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, a2)  # the sequence continues between calls


def test_rate_errors():
    with pytest.raises(ValueError, match="stddev"):
        L.GaussianNoise(1.5)
    with pytest.raises(ValueError, match="rate"):
        L.GaussianDropout(-0.1)
    with pytest.raises(ValueError, match="rate"):
        L.AlphaDropout(2)


def test_configs():
    assert L.GaussianNoise(0.1, seed=3).get_config()["stddev"] == 0.1
    assert L.GaussianDropout(0.1, seed=3).get_config()["seed"] == 3
    cfg = L.AlphaDropout(0.1, noise_shape=(None, 1)).get_config()
    assert {"rate", "seed", "noise_shape"} <= set(cfg)


def test_activity_regularization():
    x = random_inputs((3, 4))
    res = run_layer_test(L.ActivityRegularization, {"l1": 0.1, "l2": 0.01}, input_data=x,
                         expected_output_shape=(3, 4), reference_fn=lambda x: x,
                         expected_num_losses=1, supports_masking=True)
    want = 0.1 * np.abs(x).sum() + 0.01 * (x ** 2).sum()
    np.testing.assert_allclose(float(res.layer.losses[0]), want, rtol=1e-5)
    cfg = res.layer.get_config()
    assert cfg["l1"] == 0.1 and cfg["l2"] == 0.01 and "activity_regularizer" not in cfg


def test_activity_regularization_enters_model_loss():
    inp = keras.Input((4,))
    out = L.ActivityRegularization(l2=1.0)(L.Dense(2, kernel_initializer="ones")(inp))
    model = keras.Model(inp, out)
    x = np.ones((2, 4), "float32")
    model(x)
    np.testing.assert_allclose(float(model.losses[0]), 2 * 2 * 16.0, rtol=1e-6)

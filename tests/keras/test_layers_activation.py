"""Activation layers (ReLU, LeakyReLU, PReLU, ELU, Softmax) through the shared harness."""
import numpy as np
import pytest

import tessera as ts
from tessera import keras
from tests.keras.harness import random_inputs, run_layer_test

L = keras.layers


def _softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


@pytest.mark.parametrize("kwargs", [
    {}, {"max_value": 0.5}, {"negative_slope": 0.1}, {"threshold": 0.3},
    {"max_value": 1.0, "negative_slope": 0.2, "threshold": 0.1},
])
def test_relu(kwargs):
    mv, ns, th = kwargs.get("max_value"), kwargs.get("negative_slope", 0.0), \
        kwargs.get("threshold", 0.0)

    def ref(x):
        y = np.where(x >= th, x, ns * (x - th))
        return np.minimum(y, mv) if mv is not None else y

    run_layer_test(L.ReLU, kwargs, input_shape=(3, 5), expected_output_shape=(3, 5),
                   reference_fn=ref, expected_num_trainable_weights=0, supports_masking=True)


def test_relu_config_keys_and_errors():
    cfg = L.ReLU(max_value=6.0).get_config()
    assert {"max_value", "negative_slope", "threshold"} <= set(cfg)
    with pytest.raises(ValueError, match="max_value"):
        L.ReLU(max_value=-1)
    with pytest.raises(ValueError, match="negative_slope"):
        L.ReLU(negative_slope=-1)
    with pytest.raises(ValueError, match="threshold"):
        L.ReLU(threshold=-1)


def test_leaky_relu():
    run_layer_test(L.LeakyReLU, {}, input_shape=(3, 4), expected_output_shape=(3, 4),
                   reference_fn=lambda x: np.where(x > 0, x, 0.3 * x), supports_masking=True)
    run_layer_test(L.LeakyReLU, {"negative_slope": 0.05}, input_shape=(2, 3, 4),
                   expected_output_shape=(2, 3, 4),
                   reference_fn=lambda x: np.where(x > 0, x, 0.05 * x))


def test_leaky_relu_alpha_alias_and_error():
    assert L.LeakyReLU(alpha=0.2).negative_slope == 0.2
    assert L.LeakyReLU().get_config()["negative_slope"] == 0.3
    with pytest.raises(ValueError, match="negative_slope"):
        L.LeakyReLU(negative_slope=-0.1)


def test_prelu():
    res = run_layer_test(
        L.PReLU, {"alpha_initializer": keras.initializers.Constant(0.25)}, input_shape=(4, 3, 5),
        expected_output_shape=(4, 3, 5),
        reference_fn=lambda x, w: np.where(x >= 0, x, w["alpha"] * x),
        expected_num_trainable_weights=1, expected_num_non_trainable_weights=0)
    assert tuple(res.layer.alpha.shape) == (3, 5)


def test_prelu_shared_axes_and_default_zero_alpha():
    res = run_layer_test(
        L.PReLU, {"shared_axes": [1, 2]}, input_shape=(2, 4, 4, 3),
        expected_output_shape=(2, 4, 4, 3),
        reference_fn=lambda x, w: np.where(x >= 0, x, w["alpha"] * x),
        expected_num_trainable_weights=1)
    assert tuple(res.layer.alpha.shape) == (1, 1, 3)
    assert L.PReLU(shared_axes=1).get_config()["shared_axes"] == [1]
    fresh = L.PReLU()
    fresh(np.ones((2, 3), "float32"))
    np.testing.assert_array_equal(fresh.alpha.numpy(), np.zeros((3,)))


def test_prelu_config_and_regularizer():
    layer = L.PReLU(alpha_regularizer="l2", alpha_constraint="non_neg", shared_axes=[1])
    cfg = layer.get_config()
    assert {"alpha_initializer", "alpha_regularizer", "alpha_constraint", "shared_axes"} <= set(cfg)
    layer(np.ones((2, 3, 4), "float32"))
    assert len(layer.losses) == 1


def test_prelu_input_spec_error():
    layer = L.PReLU(shared_axes=[1])
    layer(np.ones((2, 3, 4), "float32"))
    with pytest.raises(ValueError, match="axis 2"):
        layer(np.ones((2, 3, 5), "float32"))


@pytest.mark.parametrize("alpha", [1.0, 0.5])
def test_elu(alpha):
    run_layer_test(L.ELU, {"alpha": alpha}, input_shape=(3, 4), expected_output_shape=(3, 4),
                   reference_fn=lambda x: np.where(x > 0, x, alpha * (np.exp(x) - 1)),
                   supports_masking=True)
    assert L.ELU(alpha=alpha).get_config()["alpha"] == alpha


@pytest.mark.parametrize("axis", [-1, 1, (1, 2)])
def test_softmax(axis):
    run_layer_test(L.Softmax, {"axis": axis}, input_shape=(2, 3, 4),
                   expected_output_shape=(2, 3, 4),
                   reference_fn=lambda x: _softmax(x, axis=axis if isinstance(axis, int)
                                                   else tuple(axis)),
                   supports_masking=True)


def test_softmax_mask():
    x = random_inputs((2, 4))
    mask = np.array([[1, 1, 0, 1], [0, 1, 1, 1]], dtype=bool)
    out = L.Softmax()(x, mask=mask).numpy()
    want = _softmax(np.where(mask, x, -1e9))
    np.testing.assert_allclose(out, want, rtol=1e-5, atol=1e-7)
    assert np.all(out[~mask] < 1e-6)
    np.testing.assert_allclose(out.sum(-1), 1.0, rtol=1e-6)


def test_softmax_uses_input_mask_automatically():
    x = ts.constant(random_inputs((2, 3)))
    x._keras_mask = ts.constant(np.array([[True, False, True], [True, True, False]]))
    out = L.Softmax()(x).numpy()
    assert out[0, 1] < 1e-6 and out[1, 2] < 1e-6

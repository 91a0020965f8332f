"""Core layers through the shared harness: Dense, EinsumDense, Activation, Flatten, Dropout,
Identity, Lambda, Masking; and the harness itself (it must be able to fail)."""
import numpy as np
import pytest

import tessera as ts
from tessera import keras
from tessera.keras.saving import serialization_lib
from tests.keras.harness import random_inputs, run_layer_test

L = keras.layers


def _relu(x):
    return np.maximum(x, 0)


# -- Dense ---------------------------------------------------------------------------
def test_dense_2d():
    run_layer_test(L.Dense, {"units": 3}, input_shape=(4, 5), expected_output_shape=(4, 3),
                   reference_fn=lambda x, w: x @ w["kernel"] + w["bias"],
                   expected_num_trainable_weights=2, expected_num_non_trainable_weights=0,
                   supports_masking=True)


def test_dense_3d_input_and_activation():
    run_layer_test(L.Dense, {"units": 6, "activation": "relu"}, input_shape=(2, 3, 4),
                   expected_output_shape=(2, 3, 6),
                   reference_fn=lambda x, w: _relu(x @ w["kernel"] + w["bias"]),
                   expected_num_trainable_weights=2)


def test_dense_4d_no_bias_with_regularizer():
    res = run_layer_test(L.Dense, {"units": 2, "use_bias": False, "kernel_regularizer": "l2"},
                         input_shape=(2, 3, 4, 5), expected_output_shape=(2, 3, 4, 2),
                         reference_fn=lambda x, w: x @ w["kernel"],
                         expected_num_trainable_weights=1, expected_num_losses=1)
    k = res.layer.kernel.numpy()
    np.testing.assert_allclose(float(res.layer.losses[0]), 0.01 * np.sum(k ** 2), rtol=1e-5)


# -- EinsumDense ---------------------------------------------------------------------
def test_einsum_dense_as_dense():
    run_layer_test(L.EinsumDense, {"equation": "ab,bc->ac", "output_shape": 4, "bias_axes": "c"},
                   input_shape=(3, 5), expected_output_shape=(3, 4),
                   reference_fn=lambda x, w: x @ w["kernel"] + w["bias"],
                   expected_num_trainable_weights=2)


def test_einsum_dense_3d_with_none_in_output_shape():
    res = run_layer_test(
        L.EinsumDense, {"equation": "abc,cd->abd", "output_shape": (None, 6), "bias_axes": "d",
                        "activation": "relu"},
        input_shape=(2, 3, 5), expected_output_shape=(2, 3, 6),
        reference_fn=lambda x, w: _relu(np.einsum("abc,cd->abd", x, w["kernel"]) + w["bias"]),
        expected_num_trainable_weights=2)
    assert tuple(res.layer.kernel.shape) == (5, 6)
    assert tuple(res.layer.bias.shape) == (6,)


def test_einsum_dense_multi_axis_kernel_and_bias():
    res = run_layer_test(
        L.EinsumDense, {"equation": "abc,cde->abde", "output_shape": (None, 2, 4),
                        "bias_axes": "de"},
        input_shape=(2, 3, 5), expected_output_shape=(2, 3, 2, 4),
        reference_fn=lambda x, w: np.einsum("abc,cde->abde", x, w["kernel"]) + w["bias"],
        expected_num_trainable_weights=2)
    assert tuple(res.layer.kernel.shape) == (5, 2, 4)
    assert tuple(res.layer.bias.shape) == (2, 4)


def test_einsum_dense_left_ellipsis():
    run_layer_test(
        L.EinsumDense, {"equation": "...b,bc->...c", "output_shape": 4},
        input_shape=(2, 3, 5), expected_output_shape=(2, 3, 4),
        reference_fn=lambda x, w: np.einsum("...b,bc->...c", x, w["kernel"]),
        expected_num_trainable_weights=1)


def test_einsum_dense_config_keys():
    cfg = L.EinsumDense("ab,bc->ac", output_shape=4, bias_axes="c").get_config()
    for k in ("output_shape", "equation", "activation", "bias_axes", "kernel_initializer",
              "bias_initializer", "kernel_regularizer", "bias_regularizer",
              "activity_regularizer", "kernel_constraint", "bias_constraint"):
        assert k in cfg
    assert cfg["output_shape"] == (4,)


def test_einsum_dense_bad_equations():
    with pytest.raises(ValueError, match="Invalid einsum equation"):
        L.EinsumDense("ab->b", output_shape=3)(np.ones((2, 3)))
    with pytest.raises(ValueError, match="'z'"):
        L.EinsumDense("ab,bc->az", output_shape=3)(np.ones((2, 3)))
    with pytest.raises(ValueError, match="Bias dimension 'q'"):
        L.EinsumDense("ab,bc->ac", output_shape=3, bias_axes="q")(np.ones((2, 3)))


# -- Activation, Flatten, Dropout ----------------------------------------------------
def test_activation_layer():
    run_layer_test(L.Activation, {"activation": "tanh"}, input_shape=(3, 4),
                   expected_output_shape=(3, 4), reference_fn=np.tanh,
                   expected_num_trainable_weights=0, supports_masking=True)


def test_flatten():
    run_layer_test(L.Flatten, {}, input_shape=(2, 3, 4), expected_output_shape=(2, 12),
                   reference_fn=lambda x: x.reshape(2, -1))


def test_flatten_channels_first():
    run_layer_test(L.Flatten, {"data_format": "channels_first"}, input_shape=(2, 3, 4, 5),
                   expected_output_shape=(2, 60),
                   reference_fn=lambda x: np.transpose(x, (0, 2, 3, 1)).reshape(2, -1))


def test_dropout_inference_is_identity_and_training_scales():
    res = run_layer_test(L.Dropout, {"rate": 0.5, "seed": 3}, input_shape=(4, 8),
                         expected_output_shape=(4, 8), reference_fn=lambda x: x)
    x = np.ones((200, 50), "float32")
    y = res.layer(x, training=True).numpy()
    assert set(np.unique(y)) <= {0.0, 2.0}
    assert 0.4 < (y == 0).mean() < 0.6


# -- Identity ------------------------------------------------------------------------
def test_identity():
    run_layer_test(L.Identity, {}, input_shape=(2, 3), expected_output_shape=(2, 3),
                   reference_fn=lambda x: x, supports_masking=True)


def test_identity_keeps_int_dtype():
    run_layer_test(L.Identity, {}, input_shape=(2, 3), input_dtype="int32",
                   expected_output_shape=(2, 3), expected_output_dtype="int32",
                   reference_fn=lambda x: x)


# -- Lambda --------------------------------------------------------------------------
@keras.saving.register_keras_serializable(package="tessera_tests")
def square_plus(x, offset=0.0):
    return x * x + offset


def test_lambda_named_function():
    run_layer_test(L.Lambda, {"function": square_plus, "arguments": {"offset": 1.0}},
                   input_shape=(2, 3), expected_output_shape=(2, 3),
                   reference_fn=lambda x: x * x + 1.0)


def test_lambda_named_function_config_uses_its_name():
    cfg = L.Lambda(square_plus).get_config()
    assert cfg["function"]["class_name"] == "function"
    assert cfg["function"]["config"] == "tessera_tests>square_plus"  # registered name
    assert cfg["arguments"] == {}
    cfg = L.Lambda(unregistered_double).get_config()
    assert cfg["function"]["config"] == "unregistered_double"
    with pytest.raises(ValueError, match="custom_objects"):
        L.Lambda.from_config(cfg)


def unregistered_double(x):
    return x * 2.0


def test_lambda_unregistered_function_with_custom_objects():
    run_layer_test(L.Lambda, {"function": unregistered_double}, input_shape=(2, 3),
                   expected_output_shape=(2, 3), reference_fn=lambda x: 2 * x,
                   custom_objects={"unregistered_double": unregistered_double})


def test_lambda_python_lambda_round_trip_needs_safe_mode_off():
    layer = L.Lambda(lambda x: x * 3.0 - 1.0)
    cfg = layer.get_config()
    assert cfg["function"]["class_name"] == "__lambda__"
    with pytest.raises(ValueError, match="safe_mode=False"):
        L.Lambda.from_config(cfg)
    revived = L.Lambda.from_config(cfg, safe_mode=False)
    x = np.arange(6, dtype="float32").reshape(2, 3)
    np.testing.assert_allclose(revived(x).numpy(), 3 * x - 1)
    with serialization_lib.SafeModeScope(False):
        revived = L.Lambda.from_config(cfg)
    np.testing.assert_allclose(revived(x).numpy(), 3 * x - 1)
    # through the harness, with the lambda's bytecode allowed
    run_layer_test(L.Lambda, {"function": lambda x: x * 3.0 - 1.0}, input_shape=(2, 3),
                   expected_output_shape=(2, 3), reference_fn=lambda x: 3 * x - 1,
                   safe_mode=False)


def test_lambda_output_shape_tuple_and_callable():
    # a loaded lambda sees only builtins (as in Keras): use operators, not module names
    res = run_layer_test(L.Lambda, {"function": lambda x: x[:, :1] + x[:, 2:],
                                    "output_shape": (1,)},
                         input_shape=(2, 3), expected_output_shape=(2, 1),
                         reference_fn=lambda x: x[:, :1] + x[:, 2:], safe_mode=False)
    assert res.symbolic_output.shape == (None, 1)
    layer = L.Lambda(lambda x: ts.concat([x, x], axis=-1),
                     output_shape=lambda s: s[:-1] + (2 * s[-1],))
    assert layer.compute_output_shape((None, 3)) == (None, 6)
    assert layer(keras.Input((3,))).shape == (None, 6)


def test_lambda_inferred_output_shape_symbolic():
    layer = L.Lambda(lambda x: ts.reshape(x, (-1, 2, 3)))
    assert layer(keras.Input((6,))).shape == (None, 2, 3)


def test_lambda_mask_and_training_arguments():
    seen = {}

    def fn(x, mask=None, training=None):
        seen["mask"], seen["training"] = mask, training
        return x

    layer = L.Lambda(fn, mask=lambda inputs, mask: ts.ones((2,), dtype=ts.bool))
    x = ts.constant(np.ones((2, 3), "float32"))
    x._keras_mask = ts.constant(np.array([True, False]))
    out = layer(x, training=True)
    assert seen["training"] is True
    np.testing.assert_array_equal(seen["mask"].numpy(), [True, False])
    np.testing.assert_array_equal(out._keras_mask.numpy(), [True, True])
    assert layer.supports_masking


def test_lambda_rejects_non_callable():
    with pytest.raises(TypeError, match="callable"):
        L.Lambda(3)


# -- Masking -------------------------------------------------------------------------
def test_masking():
    x = random_inputs((2, 4, 3))
    x[0, 1] = 0.0
    x[1, 3] = 0.0
    x[1, 0, 0] = 0.0  # only one feature zero: not masked

    def ref(x):
        keep = np.any(x != 0.0, axis=-1, keepdims=True)
        return x * keep

    res = run_layer_test(L.Masking, {}, input_data=x, expected_output_shape=(2, 4, 3),
                         reference_fn=ref, supports_masking=True, expected_mask_shape=(2, 4))
    mask = res.layer(x)._keras_mask.numpy()
    np.testing.assert_array_equal(mask, [[True, False, True, True], [True, True, True, False]])


def test_masking_custom_value_propagates_through_dense():
    x = np.ones((1, 3, 2), "float32")
    x[0, 2] = -1.0
    inp = keras.Input((3, 2))
    out = L.Dense(4)(L.Masking(mask_value=-1.0)(inp))
    model = keras.Model(inp, out)
    y = model(x)
    np.testing.assert_array_equal(y._keras_mask.numpy(), [[True, True, False]])
    assert L.Masking(mask_value=-1.0).get_config()["mask_value"] == -1.0


# -- the harness fails when it should ---------------------------------------------------
def test_harness_detects_wrong_reference():
    with pytest.raises(AssertionError):
        run_layer_test(L.Dense, {"units": 2}, input_shape=(3, 4), expected_output_shape=(3, 2),
                       reference_fn=lambda x, w: x @ w["kernel"] + 1.0 + w["bias"],
                       run_training_check=False)


def test_harness_detects_wrong_shape_and_counts():
    with pytest.raises(AssertionError, match="shape"):
        run_layer_test(L.Dense, {"units": 2}, input_shape=(3, 4), expected_output_shape=(3, 3),
                       run_training_check=False)
    with pytest.raises(AssertionError, match="trainable weights"):
        run_layer_test(L.Dense, {"units": 2}, input_shape=(3, 4), expected_output_shape=(3, 2),
                       expected_num_trainable_weights=1, run_training_check=False)


class _NumpyLayer(keras.layers.Layer):
    """Computes with NumPy: no gradient can flow (the harness must say so)."""

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1],), name="w")

    def call(self, x):
        return ts.constant(np.asarray(x) * np.asarray(self.w.numpy()))


def test_harness_detects_missing_gradient():
    with pytest.raises(AssertionError, match="no gradient"):
        run_layer_test(_NumpyLayer, {}, input_shape=(2, 3), expected_output_shape=(2, 3),
                       run_config_check=False, run_symbolic_check=False)


class _BadConfigLayer(keras.layers.Layer):
    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, x):
        return x * self.factor

    def get_config(self):
        cfg = super().get_config()
        cfg["factor"] = self.factor + 1  # wrong on purpose
        return cfg


def test_harness_detects_bad_config():
    with pytest.raises(AssertionError, match="config"):
        run_layer_test(_BadConfigLayer, {}, input_shape=(2, 3), expected_output_shape=(2, 3),
                       custom_objects={"_BadConfigLayer": _BadConfigLayer})


# -- a model mixing the layer families survives a JSON config round trip ---------------
def test_model_of_many_families_round_trips_through_json():
    import json
    inp = keras.Input((6,), dtype="int32")
    h = L.Flatten()(L.Permute((2, 1))(L.Reshape((3, 8))(L.Embedding(10, 4, mask_zero=True)(inp))))
    a, b = L.Dense(5)(h), L.Dense(5)(h)
    m = L.concatenate([L.add([a, b]), L.multiply([a, b])])
    out = L.Dense(1)(L.PReLU()(L.Normalization(mean=0.0, variance=1.0)(m)))
    model = keras.Model(inp, out)
    blob = json.dumps(serialization_lib.serialize_keras_object(model))
    revived = serialization_lib.deserialize_keras_object(json.loads(blob))
    revived.set_weights(model.get_weights())
    x = np.random.default_rng(0).integers(0, 10, (3, 6))
    np.testing.assert_allclose(revived(x).numpy(), model(x).numpy(), rtol=1e-6)
    assert [type(l).__name__ for l in revived.layers] == [type(l).__name__ for l in model.layers]

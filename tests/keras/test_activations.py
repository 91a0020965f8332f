"""keras.activations: values against NumPy, gradients, logits caching, lookup and serialization."""
import math

import numpy as np
import pytest

import tessera as ts
from tessera import keras
from tests.gradcheck import check_grad

A = keras.activations
SELU_A, SELU_S = 1.6732632423543772, 1.0507009873554805
_erf = np.vectorize(math.erf)

# Inputs away from the kinks at 0, +-0.5, +-1, +-3, 6 so finite differences are clean.
X = np.array([[-7.3, -3.4, -2.2, -0.8, -0.3, 0.2, 0.7, 1.3, 2.6, 4.1],
              [-4.6, -1.7, -0.65, -0.1, 0.35, 0.9, 1.8, 3.3, 6.4, 8.2]])


def np_softmax(z, axis=-1):
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def np_sigmoid(z):
    return 1 / (1 + np.exp(-z))


def np_softplus(z):
    return np.logaddexp(0, z)


REFS = {
    "relu": lambda x: np.maximum(x, 0),
    "relu6": lambda x: np.clip(x, 0, 6),
    "leaky_relu": lambda x: np.where(x > 0, x, 0.2 * x),
    "elu": lambda x: np.where(x > 0, x, np.expm1(x)),
    "selu": lambda x: np.where(x > 0, SELU_S * x, SELU_S * SELU_A * np.expm1(x)),
    "celu": lambda x: np.maximum(x, 0) + np.minimum(0, np.expm1(x)),
    "gelu": lambda x: 0.5 * x * (1 + _erf(x / np.sqrt(2))),
    "silu": lambda x: x * np_sigmoid(x),
    "swish": lambda x: x * np_sigmoid(x),
    "hard_silu": lambda x: x * np.clip(x + 3, 0, 6) / 6,
    "hard_swish": lambda x: x * np.clip(x + 3, 0, 6) / 6,
    "mish": lambda x: x * np.tanh(np_softplus(x)),
    "sigmoid": np_sigmoid,
    "hard_sigmoid": lambda x: np.clip(x + 3, 0, 6) / 6,
    "sparse_sigmoid": lambda x: np.clip(0.5 * (x + 1), 0, 1),
    "log_sigmoid": lambda x: -np_softplus(-x),
    "softmax": np_softmax,
    "log_softmax": lambda x: np.log(np_softmax(x)),
    "softplus": np_softplus,
    "softsign": lambda x: x / (np.abs(x) + 1),
    "sparse_plus": lambda x: np.where(x <= -1, 0, np.where(x >= 1, x, (x + 1) ** 2 / 4)),
    "squareplus": lambda x: (x + np.sqrt(x * x + 4)) / 2,
    "tanh": np.tanh,
    "hard_tanh": lambda x: np.clip(x, -1, 1),
    "tanh_shrink": lambda x: x - np.tanh(x),
    "soft_shrink": lambda x: np.where(x > 0.5, x - 0.5, np.where(x < -0.5, x + 0.5, 0)),
    "hard_shrink": lambda x: np.where(np.abs(x) > 0.5, x, 0),
    "exponential": np.exp,
    "linear": lambda x: x,
    "crelu": lambda x: np.concatenate([np.maximum(x, 0), np.maximum(-x, 0)], -1),
    "glu": lambda x: x[:, :5] * np_sigmoid(x[:, 5:]),
}


def test_every_activation_has_a_reference():
    assert set(REFS) | {"threshold"} == set(A.ALL_OBJECTS_DICT)


@pytest.mark.parametrize("name", sorted(REFS))
def test_values_match_numpy(name):
    fn = A.get(name)
    out = fn(ts.constant(X))
    assert out.dtype == ts.float64
    np.testing.assert_allclose(np.asarray(out), REFS[name](X), rtol=1e-10, atol=1e-12)
    out32 = fn(ts.constant(X.astype(np.float32)))
    assert out32.dtype == ts.float32
    np.testing.assert_allclose(np.asarray(out32), REFS[name](X), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", sorted(set(REFS) - {"linear"}))
def test_gradients(name):
    check_grad(A.get(name), X)


def test_relu_options_match_keras_examples():
    x = ts.constant([-10.0, -5.0, 0.0, 5.0, 10.0])
    np.testing.assert_allclose(A.relu(x, negative_slope=0.5).numpy(), [-5, -2.5, 0, 5, 10])
    np.testing.assert_allclose(A.relu(x, max_value=5.0).numpy(), [0, 0, 0, 5, 5])
    np.testing.assert_allclose(A.relu(x, threshold=5.0).numpy(), [0, 0, 0, 0, 10])
    np.testing.assert_allclose(A.relu(x, max_value=6).numpy(), [0, 0, 0, 5, 6])
    # all three: x above the threshold (clipped), slope * (x - threshold) below
    got = A.relu(x, negative_slope=0.5, max_value=5.0, threshold=1.0).numpy()
    np.testing.assert_allclose(got, [-5.5, -3.0, -0.5, 5.0, 5.0])
    check_grad(lambda t: A.relu(t, negative_slope=0.3, max_value=4.0, threshold=0.5), X)


def test_parameterised_activations():
    np.testing.assert_allclose(A.leaky_relu(ts.constant(X), negative_slope=0.05).numpy(),
                               np.where(X > 0, X, 0.05 * X))
    np.testing.assert_allclose(A.elu(ts.constant(X), alpha=0.5).numpy(),
                               np.where(X > 0, X, 0.5 * np.expm1(X)), rtol=1e-12)
    np.testing.assert_allclose(A.celu(ts.constant(X), alpha=2.0).numpy(),
                               np.maximum(X, 0) + np.minimum(0, 2 * np.expm1(X / 2)), rtol=1e-12)
    c = np.sqrt(2 / np.pi)
    approx = 0.5 * X * (1 + np.tanh(c * (X + 0.044715 * X ** 3)))
    np.testing.assert_allclose(A.gelu(ts.constant(X), approximate=True).numpy(), approx,
                               rtol=1e-10)
    np.testing.assert_allclose(A.squareplus(ts.constant(X), b=1).numpy(),
                               (X + np.sqrt(X * X + 1)) / 2)
    np.testing.assert_allclose(A.threshold(ts.constant(X), 0.5, -1.0).numpy(),
                               np.where(X > 0.5, X, -1.0))
    np.testing.assert_allclose(A.soft_shrink(ts.constant(X), threshold=1.0).numpy(),
                               np.where(X > 1, X - 1, np.where(X < -1, X + 1, 0)))
    np.testing.assert_allclose(A.hard_shrink(ts.constant(X), threshold=1.0).numpy(),
                               np.where(np.abs(X) > 1, X, 0))
    check_grad(lambda t: A.elu(t, alpha=0.5), X)
    check_grad(lambda t: A.celu(t, alpha=2.0), X)
    check_grad(lambda t: A.gelu(t, approximate=True), X)


def test_softmax_axes():
    x3 = np.random.default_rng(1).normal(size=(2, 3, 4))
    np.testing.assert_allclose(A.softmax(ts.constant(x3), axis=1).numpy(), np_softmax(x3, 1),
                               rtol=1e-12)
    e = np.exp(x3 - x3.max(axis=(1, 2), keepdims=True))
    ref = e / e.sum(axis=(1, 2), keepdims=True)
    np.testing.assert_allclose(A.softmax(ts.constant(x3), axis=(1, 2)).numpy(), ref, rtol=1e-12)
    np.testing.assert_allclose(A.log_softmax(ts.constant(x3), axis=(1, 2)).numpy(), np.log(ref),
                               rtol=1e-12)
    check_grad(lambda t: A.softmax(t, axis=(1, 2)), x3)
    check_grad(lambda t: A.log_softmax(t, axis=0), x3)
    np.testing.assert_allclose(A.glu(ts.constant(X.T), axis=0).numpy(),
                               (X.T[:5] * np_sigmoid(X.T[5:])), rtol=1e-12)


def test_inputs_lists_ints_and_variables():
    np.testing.assert_allclose(A.relu([-1, 2]).numpy(), [0, 2])
    out = A.sigmoid([0, 1])                               # integers become floatx
    assert out.dtype == ts.float32
    np.testing.assert_allclose(out.numpy(), np_sigmoid(np.array([0.0, 1.0])), rtol=1e-6)
    v = ts.Variable([[1.0, -2.0]])
    with ts.GradientTape() as tape:
        y = ts.reduce_sum(A.mish(v))
    g = tape.gradient(y, v)
    assert g is not None and g.shape == (1, 2)


def test_glu_needs_even_axis():
    with pytest.raises(ValueError, match="glu: the size of axis -1 must be even"):
        A.glu(ts.constant(np.zeros((2, 3))))


@pytest.mark.parametrize("name", ["softmax", "sigmoid"])
def test_logits_attached_when_the_tensor_allows(name):
    x = ts.constant(X)
    out = A.get(name)(x)                                   # never raises
    if "_keras_logits" in getattr(ts.Tensor, "__slots__", ()):
        assert out._keras_logits is x
    else:
        assert getattr(out, "_keras_logits", None) is None


# ---------------------------------------------------------------------------
# Lookup and serialization
# ---------------------------------------------------------------------------
def test_get():
    assert A.get(None) is A.linear
    assert A.get("relu") is A.relu and A.get("swish") is A.silu
    assert A.get("hard_swish") is A.hard_silu
    f = lambda t: t * 2  # noqa: E731
    assert A.get(f) is f
    assert A.get({"module": "keras.activations", "class_name": "function", "config": "tanh",
                  "registered_name": "function"}) is A.tanh
    with pytest.raises(ValueError, match="Could not interpret activation function identifier: "
                                         "'rleu'.*relu"):
        A.get("rleu")
    with pytest.raises(ValueError, match="Could not interpret activation"):
        A.get(3)


@pytest.mark.parametrize("name", sorted(REFS))
def test_serialize_round_trip(name):
    fn = A.get(name)
    s = A.serialize(fn)
    assert s == fn.__name__
    assert A.deserialize(s) is fn
    assert A.get(s) is fn


def test_custom_activation_serialization():
    @keras.saving.register_keras_serializable(package="acttest")
    def my_act(x):
        return x * 3.0

    cfg = A.serialize(my_act)
    assert isinstance(cfg, dict) and cfg["config"] == "acttest>my_act"
    assert A.deserialize(cfg) is my_act
    assert A.deserialize("custom", custom_objects={"custom": my_act}) is my_act

"""Tests for ts.nn activations and losses (tessera/ops/nn.py, tessera/ops/crossentropy.py)."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tessera as ts
from tessera.core.errors import InvalidArgumentError
from tessera.ops import nn as nn_ops
from tests.gradcheck import check_grad, check_second_order

_erf_ref = np.vectorize(math.erf)
SELU_A, SELU_S = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


def np_sigmoid(x):
    return 1 / (1 + np.exp(-x))


def np_softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def np_log_softmax(x, axis=-1):
    return np.log(np_softmax(x, axis))


def gelu_tanh(x):
    return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))


# Points well away from the kinks at 0 and 6, for finite differences.
X = np.array([[-2.3, -0.7, 0.4, 1.9], [3.1, -1.2, 5.2, 0.8]])
X_WIDE = np.array([-7.0, -2.3, -0.6, 0.3, 1.1, 2.9, 6.8, 9.5])

ACTS = {
    "relu": (lambda x: ts.nn.relu(x), lambda x: np.maximum(x, 0)),
    "relu6": (lambda x: ts.nn.relu6(x), lambda x: np.clip(x, 0, 6)),
    "elu": (lambda x: ts.nn.elu(x), lambda x: np.where(x > 0, x, np.exp(x) - 1)),
    "selu": (lambda x: ts.nn.selu(x),
             lambda x: SELU_S * np.where(x > 0, x, SELU_A * (np.exp(x) - 1))),
    "gelu": (lambda x: ts.nn.gelu(x), lambda x: 0.5 * x * (1 + _erf_ref(x / np.sqrt(2)))),
    "gelu_tanh": (lambda x: ts.nn.gelu(x, approximate=True), gelu_tanh),
    "silu": (lambda x: ts.nn.silu(x), lambda x: x * np_sigmoid(x)),
    "swish_beta": (lambda x: ts.nn.swish(x, beta=1.7), lambda x: x * np_sigmoid(1.7 * x)),
    "softplus": (lambda x: ts.nn.softplus(x), lambda x: np.log1p(np.exp(x))),
    "softsign": (lambda x: ts.nn.softsign(x), lambda x: x / (1 + np.abs(x))),
    "leaky_relu": (lambda x: ts.nn.leaky_relu(x), lambda x: np.where(x > 0, x, 0.2 * x)),
    "leaky_relu_01": (lambda x: ts.nn.leaky_relu(x, alpha=0.1),
                      lambda x: np.where(x > 0, x, 0.1 * x)),
    "sigmoid": (lambda x: ts.nn.sigmoid(x), np_sigmoid),
    "tanh": (lambda x: ts.nn.tanh(x), np.tanh),
    "log_sigmoid": (lambda x: ts.math.log_sigmoid(x), lambda x: np.log(np_sigmoid(x))),
}
PIECEWISE_LINEAR = {"relu", "relu6", "leaky_relu", "leaky_relu_01"}


@pytest.mark.parametrize("name", sorted(ACTS))
def test_activation_values(name):
    f, ref = ACTS[name]
    got = f(ts.constant(X_WIDE)).numpy()
    np.testing.assert_allclose(got, ref(X_WIDE), rtol=1e-12, atol=1e-14)
    y32 = f(ts.constant(X_WIDE.astype(np.float32)))
    assert y32.dtype == ts.float32
    np.testing.assert_allclose(y32.numpy(), ref(X_WIDE), rtol=2e-6, atol=1e-6)


@pytest.mark.parametrize("name", sorted(ACTS))
def test_activation_gradients(name):
    check_grad(ACTS[name][0], X)


@pytest.mark.parametrize("name", sorted(ACTS))
def test_activation_second_order(name):
    f = ACTS[name][0]
    if name in PIECEWISE_LINEAR:
        # f'' is 0 a.e. (the path is cut at the comparison); x*f(x) has a nonzero f''.
        check_second_order(lambda x: f(x) * x, X)
    else:
        check_second_order(f, X)


def test_private_erf_is_accurate():
    x = np.linspace(-7, 7, 4001)
    np.testing.assert_allclose(nn_ops._erf_arr(x), _erf_ref(x), rtol=0, atol=5e-15)
    x32 = x.astype(np.float32)
    np.testing.assert_allclose(nn_ops._erf_arr(x32), _erf_ref(x32.astype(np.float64)),
                               rtol=0, atol=2e-7)
    assert nn_ops._erf_arr(np.array([np.inf, -np.inf])).tolist() == [1.0, -1.0]


def test_softplus_log_sigmoid_do_not_overflow():
    x = ts.constant([-1000.0, 0.0, 1000.0])
    np.testing.assert_allclose(ts.nn.softplus(x).numpy(), [0.0, np.log(2), 1000.0])
    np.testing.assert_allclose(ts.math.log_sigmoid(x).numpy(), [-1000.0, -np.log(2), 0.0])
    np.testing.assert_allclose(ts.nn.gelu(x).numpy(), [0.0, 0.0, 1000.0])


def test_relu_keeps_integers_leaky_relu_casts_them():
    r = ts.nn.relu(ts.constant([-3, 4]))
    assert r.dtype == ts.int32 and r.numpy().tolist() == [0, 4]
    assert ts.nn.relu6(ts.constant([-3, 9])).numpy().tolist() == [0, 6]
    lr = ts.nn.leaky_relu(ts.constant([-5, 2]))
    assert lr.dtype == ts.float32
    np.testing.assert_allclose(lr.numpy(), [-1.0, 2.0])


def test_float_only_activations_reject_ints():
    for f in (ts.nn.elu, ts.nn.softplus, ts.nn.gelu, ts.nn.silu):
        with pytest.raises(InvalidArgumentError, match="ts.cast"):
            f(ts.constant([1, 2]))


def test_silu_with_tensor_beta_differentiates_beta():
    x = ts.constant([0.5, -1.5])
    beta = ts.constant(1.3)
    with ts.GradientTape() as tape:
        tape.watch(beta)
        y = ts.reduce_sum(ts.nn.silu(x, beta=beta))
    xv = np.array([0.5, -1.5])
    s = np_sigmoid(1.3 * xv)
    np.testing.assert_allclose(tape.gradient(y, beta).numpy(), np.sum(xv * xv * s * (1 - s)),
                               rtol=1e-5)


def test_namespaces():
    assert ts.nn.swish is ts.nn.silu
    assert ts.math.softplus is ts.nn.softplus
    assert ts.math.softsign is ts.nn.softsign
    assert ts.nn.sigmoid is ts.sigmoid and ts.nn.tanh is ts.tanh
    assert ts.math.softmax is ts.nn.softmax and ts.math.log_softmax is ts.nn.log_softmax
    assert ts.math.l2_normalize is ts.nn.l2_normalize


# --- softmax / log_softmax ----------------------------------------------------------------------
L = np.array([[1.0, -2.0, 0.5, 3.0], [0.2, 0.1, -0.4, 1.5], [-1.0, 2.2, 0.3, 0.0]])


@pytest.mark.parametrize("axis", [None, -1, 0, 1])
def test_softmax_values(axis):
    ax = -1 if axis is None else axis
    np.testing.assert_allclose(ts.nn.softmax(ts.constant(L), axis=axis).numpy(),
                               np_softmax(L, ax), rtol=1e-12)
    np.testing.assert_allclose(ts.nn.log_softmax(ts.constant(L), axis=axis).numpy(),
                               np_log_softmax(L, ax), rtol=1e-12)


def test_softmax_is_stable_for_huge_logits():
    x = ts.constant([[1000.0, 1001.0, -1000.0]])
    s = ts.nn.softmax(x).numpy()
    ls = ts.nn.log_softmax(x).numpy()
    assert np.all(np.isfinite(s)) and np.all(np.isfinite(ls))
    np.testing.assert_allclose(s[0, :2], np_softmax(np.array([0.0, 1.0])), rtol=1e-6)
    np.testing.assert_allclose(ls[0, :2], np_log_softmax(np.array([0.0, 1.0])), rtol=1e-6)
    np.testing.assert_allclose(ls[0, 2], -2001 - np.log1p(np.exp(-1)), rtol=1e-6)


@pytest.mark.parametrize("axis", [-1, 0])
@pytest.mark.parametrize("fn", ["softmax", "log_softmax"])
def test_softmax_gradients(fn, axis):
    f = getattr(ts.nn, fn)
    check_grad(lambda x: f(x, axis=axis), L)
    check_second_order(lambda x: f(x, axis=axis), L)


@settings(max_examples=25, deadline=None)
@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=4), data=st.data())
def test_softmax_any_shape_and_axis(shape, data):
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    x = np.random.default_rng(len(shape)).normal(size=shape) * 3
    s = ts.nn.softmax(ts.constant(x), axis=axis).numpy()
    np.testing.assert_allclose(s, np_softmax(x, axis), rtol=1e-12)
    np.testing.assert_allclose(s.sum(axis=axis), 1.0, rtol=1e-12)
    np.testing.assert_allclose(ts.nn.log_softmax(ts.constant(x), axis=axis).numpy(),
                               np_log_softmax(x, axis), rtol=1e-10, atol=1e-12)


def test_softmax_errors():
    with pytest.raises(InvalidArgumentError, match="axis 2 is out of range.*rank 2"):
        ts.nn.softmax(ts.constant(L), axis=2)
    with pytest.raises(InvalidArgumentError, match="Softmax.*scalar"):
        ts.nn.softmax(ts.constant(1.0))
    with pytest.raises(InvalidArgumentError, match="LogSoftmax.*floating-point.*ts.cast"):
        ts.nn.log_softmax(ts.constant([1, 2]))


# --- bias_add, l2_loss, l2_normalize, moments ---------------------------------------------------
def test_bias_add_formats():
    x = np.arange(2 * 3 * 4 * 5, dtype=np.float64).reshape(2, 3, 4, 5) / 10
    b5, b3 = np.linspace(-1, 1, 5), np.array([0.5, -0.25, 2.0])
    np.testing.assert_allclose(ts.nn.bias_add(ts.constant(x), ts.constant(b5)).numpy(), x + b5)
    np.testing.assert_allclose(ts.nn.bias_add(x, b5, data_format="NHWC").numpy(), x + b5)
    got = ts.nn.bias_add(ts.constant(x), ts.constant(b3), data_format="NCHW").numpy()
    np.testing.assert_allclose(got, x + b3[None, :, None, None])
    x3 = x[:, :, :, 0]
    np.testing.assert_allclose(ts.nn.bias_add(x3, b3, data_format="NCW").numpy(),
                               x3 + b3[None, :, None])


def test_bias_add_gradients():
    rng = np.random.default_rng(1)
    x, b = rng.normal(size=(2, 3, 4)), rng.normal(size=(4,))
    check_grad(lambda x, b: ts.nn.bias_add(x, b), x, b)
    check_grad(lambda x, b: ts.nn.bias_add(x, b, data_format="NCW"), x, rng.normal(size=(3,)))


def test_bias_add_errors():
    x = ts.zeros([2, 3, 4])
    with pytest.raises(InvalidArgumentError, match=r"bias has 3 elements.*4 channels on axis 2"):
        ts.nn.bias_add(x, ts.zeros([3]))
    with pytest.raises(InvalidArgumentError, match="unknown data_format 'HWCN'"):
        ts.nn.bias_add(x, ts.zeros([4]), data_format="HWCN")
    with pytest.raises(InvalidArgumentError, match="bias must be 1-D"):
        ts.nn.bias_add(x, ts.zeros([1, 4]))
    with pytest.raises(InvalidArgumentError, match="float32 but bias is float64.*ts.cast"):
        ts.nn.bias_add(x, ts.constant(np.zeros(4)))
    with pytest.raises(InvalidArgumentError, match="rank >= 2"):
        ts.nn.bias_add(ts.zeros([4]), ts.zeros([4]))


def test_l2_loss():
    x = np.array([[1.0, -2.0], [3.0, 0.5]])
    assert ts.nn.l2_loss(ts.constant(x)).shape == ()
    np.testing.assert_allclose(ts.nn.l2_loss(x).numpy(), np.sum(x ** 2) / 2)
    assert ts.nn.l2_loss(ts.constant(x.astype(np.float32))).dtype == ts.float32
    check_grad(ts.nn.l2_loss, x)
    check_second_order(ts.nn.l2_loss, x)


@pytest.mark.parametrize("axis", [None, 0, 1, [0, 1]])
def test_l2_normalize(axis):
    x = np.array([[1.0, -2.0, 2.0], [3.0, 0.5, -4.0]])
    ax = None if axis is None else tuple(np.atleast_1d(axis))
    ref = x / np.sqrt(np.sum(x ** 2, axis=ax, keepdims=True))
    np.testing.assert_allclose(ts.math.l2_normalize(ts.constant(x), axis=axis).numpy(), ref)
    check_grad(lambda v: ts.nn.l2_normalize(v, axis=axis), x)


def test_l2_normalize_epsilon_and_dim_alias():
    z = ts.nn.l2_normalize(ts.zeros([3]), axis=0).numpy()
    assert np.all(z == 0)
    x = np.array([[3.0, 4.0]])
    np.testing.assert_allclose(ts.nn.l2_normalize(x, dim=1).numpy(), [[0.6, 0.8]])
    np.testing.assert_allclose(ts.nn.l2_normalize(x, axis=1, epsilon=100.0).numpy(),
                               [[0.3, 0.4]])
    with pytest.raises(InvalidArgumentError, match="not both"):
        ts.nn.l2_normalize(x, axis=1, dim=1)


@pytest.mark.parametrize("axes,keepdims", [([0], False), ([0, 2], False), ([1], True),
                                           ([-1], False), ([0, 1, 2], True)])
def test_moments_values(axes, keepdims):
    x = np.random.default_rng(2).normal(size=(3, 4, 5))
    mean, var = ts.nn.moments(ts.constant(x), axes=axes, keepdims=keepdims)
    np.testing.assert_allclose(mean.numpy(), x.mean(axis=tuple(axes), keepdims=keepdims))
    np.testing.assert_allclose(var.numpy(), x.var(axis=tuple(axes), keepdims=keepdims))


def test_moments_gradients_and_float16():
    x = np.random.default_rng(3).normal(size=(3, 4))
    check_grad(lambda v: list(ts.nn.moments(v, axes=[0])), x)
    check_grad(lambda v: list(ts.nn.moments(v, axes=[0, 1], keepdims=True)), x)
    m, v = ts.nn.moments(ts.constant(x.astype(np.float16)), axes=[1])
    assert m.dtype == ts.float16 and v.dtype == ts.float16
    np.testing.assert_allclose(v.numpy(), x.var(axis=1), rtol=2e-3, atol=1e-3)
    with pytest.raises(InvalidArgumentError, match="axis 3 is out of range"):
        ts.nn.moments(ts.constant(x), axes=[3])


# --- dropout ------------------------------------------------------------------------------------
def test_dropout_rate_zero_returns_input():
    x = ts.constant([1.0, 2.0])
    assert ts.nn.dropout(x, rate=0.0) is x


def test_dropout_values_and_rate():
    x = ts.ones([200, 250])
    y = ts.nn.dropout(x, rate=0.3, seed=5).numpy()
    vals = set(np.unique(y).tolist())
    assert vals <= {0.0, np.float32(1 / 0.7)}
    assert abs((y == 0).mean() - 0.3) < 0.01
    assert y.dtype == np.float32


def test_dropout_noise_shape_drops_whole_columns():
    x = ts.constant(np.arange(1, 4 * 10 + 1, dtype=np.float32).reshape(4, 10))
    y = ts.nn.dropout(x, rate=0.5, noise_shape=[1, 10], seed=1).numpy()
    kept = y[0] != 0
    assert np.all((y != 0) == kept[None, :])
    np.testing.assert_allclose(y[:, kept], 2 * x.numpy()[:, kept])
    y2 = ts.nn.dropout(x, rate=0.5, noise_shape=[None, 1], seed=1).numpy()   # None: x's size
    assert np.all((y2 != 0) == (y2[:, :1] != 0))


def test_dropout_seeds_follow_global_seed():
    from tessera.backend import random as brandom
    x = ts.ones([6, 7])
    brandom.set_seed(11)
    a1 = ts.nn.dropout(x, rate=0.5, seed=3).numpy()
    a2 = ts.nn.dropout(x, rate=0.5, seed=3).numpy()
    brandom.set_seed(11)
    b1 = ts.nn.dropout(x, rate=0.5, seed=3).numpy()
    brandom.set_seed(None)
    np.testing.assert_array_equal(a1, b1)
    assert not np.array_equal(a1, a2)      # the sequence continues, as in TensorFlow


def test_dropout_gradient_is_the_mask():
    x = ts.constant(np.random.default_rng(4).normal(size=(5, 6)))
    with ts.GradientTape() as tape:
        tape.watch(x)
        y = ts.nn.dropout(x, rate=0.25, seed=2)
        total = ts.reduce_sum(y)
    g = tape.gradient(total, x).numpy()
    np.testing.assert_allclose(g, (y.numpy() != 0) / 0.75)


def test_dropout_errors():
    x = ts.ones([2, 3])
    with pytest.raises(InvalidArgumentError, match=r"rate must be a scalar float in \[0, 1\)"):
        ts.nn.dropout(x, rate=1.0)
    with pytest.raises(InvalidArgumentError, match=r"\[0, 1\)"):
        ts.nn.dropout(x, rate=-0.1)
    with pytest.raises(InvalidArgumentError, match="floating-point.*ts.cast"):
        ts.nn.dropout(ts.constant([1, 2]), rate=0.5)
    with pytest.raises(InvalidArgumentError, match="not broadcastable"):
        ts.nn.dropout(x, rate=0.5, noise_shape=[2, 2])
    with pytest.raises(InvalidArgumentError, match="rank of x"):
        ts.nn.dropout(x, rate=0.5, noise_shape=[3])


# --- cross-entropies ----------------------------------------------------------------------------
Z = np.array([[0.0, 1.0, 0.3, 1.0], [1.0, 0.0, 0.7, 0.2]])


def test_sigmoid_cross_entropy_values_and_stability():
    x = X
    ref = -Z * np.log(np_sigmoid(x)) - (1 - Z) * np.log(1 - np_sigmoid(x))
    got = ts.nn.sigmoid_cross_entropy_with_logits(labels=ts.constant(Z), logits=ts.constant(x))
    np.testing.assert_allclose(got.numpy(), ref, rtol=1e-12)
    big = ts.nn.sigmoid_cross_entropy_with_logits(
        labels=ts.constant([1.0, 0.0, 1.0]), logits=ts.constant([-200.0, 200.0, 200.0]))
    np.testing.assert_allclose(big.numpy(), [200.0, 200.0, 0.0], atol=1e-6)


def test_sigmoid_cross_entropy_gradients():
    f = lambda z, x: ts.nn.sigmoid_cross_entropy_with_logits(labels=z, logits=x)
    check_grad(f, Z, X)
    check_second_order(f, Z, X)


def test_sigmoid_cross_entropy_errors():
    with pytest.raises(InvalidArgumentError, match="same shape.*labels \\(3,\\).*logits \\(2,\\)"):
        ts.nn.sigmoid_cross_entropy_with_logits(labels=[1.0, 0.0, 1.0], logits=[0.5, 0.1])
    with pytest.raises(InvalidArgumentError, match="labels are int32 but logits are float32"):
        ts.nn.sigmoid_cross_entropy_with_logits(labels=ts.constant([1, 0]), logits=[0.5, 0.1])
    with pytest.raises(InvalidArgumentError, match="labels= and logits= are required"):
        ts.nn.sigmoid_cross_entropy_with_logits(logits=[0.5])


def test_weighted_cross_entropy():
    pw = np.array([0.5, 2.0, 1.0, 3.0])
    ref = -pw * Z * np.log(np_sigmoid(X)) - (1 - Z) * np.log(1 - np_sigmoid(X))
    got = ts.nn.weighted_cross_entropy_with_logits(Z, X, pw).numpy()
    np.testing.assert_allclose(got, ref, rtol=1e-12)
    same = ts.nn.weighted_cross_entropy_with_logits(Z, X, 1.0).numpy()
    np.testing.assert_allclose(same, ts.nn.sigmoid_cross_entropy_with_logits(
        labels=Z, logits=X).numpy(), rtol=1e-12)
    f = lambda z, x, w: ts.nn.weighted_cross_entropy_with_logits(z, x, w)
    check_grad(f, Z, X, pw)
    check_grad(f, Z, X, np.array(2.5))
    with pytest.raises(InvalidArgumentError, match="pos_weight of shape \\(3,\\) does not"):
        ts.nn.weighted_cross_entropy_with_logits(Z, X, np.ones(3))


@settings(max_examples=20, deadline=None)
@given(shape=st.lists(st.integers(1, 3), min_size=1, max_size=3), data=st.data())
def test_weighted_cross_entropy_broadcast_pos_weight(shape, data):
    pshape = [data.draw(st.sampled_from([1, d])) for d in shape][data.draw(
        st.integers(0, len(shape))):]
    rng = np.random.default_rng(len(shape))
    z, x = rng.uniform(size=shape), rng.normal(size=shape) * 2
    pw = rng.uniform(0.5, 3.0, size=pshape)
    ref = -pw * z * np.log(np_sigmoid(x)) - (1 - z) * np.log(1 - np_sigmoid(x))
    got = ts.nn.weighted_cross_entropy_with_logits(z, x, pw).numpy()
    np.testing.assert_allclose(got, ref, rtol=1e-10)
    check_grad(lambda w: ts.nn.weighted_cross_entropy_with_logits(z, x, w), pw)


@pytest.mark.parametrize("axis", [-1, 0])
def test_softmax_cross_entropy(axis):
    lab = np_softmax(np.random.default_rng(5).normal(size=L.shape), axis)
    got = ts.nn.softmax_cross_entropy_with_logits(labels=lab, logits=L, axis=axis)
    ref = -np.sum(lab * np_log_softmax(L, axis), axis=axis)
    assert got.shape == ref.shape
    np.testing.assert_allclose(got.numpy(), ref, rtol=1e-12)
    f = lambda z, x: ts.nn.softmax_cross_entropy_with_logits(labels=z, logits=x, axis=axis)
    check_grad(f, lab, L)
    check_grad(f, Z, X)                   # labels that do not sum to 1
    check_second_order(f, lab, L)


def test_softmax_cross_entropy_stable_and_onehot_gradient():
    logits = ts.constant([[1000.0, 0.0, -1000.0]])
    labels = ts.constant([[0.0, 1.0, 0.0]])
    with ts.GradientTape() as tape:
        tape.watch(logits)
        loss = ts.nn.softmax_cross_entropy_with_logits(labels, logits)
    np.testing.assert_allclose(loss.numpy(), [1000.0])
    g = tape.gradient(loss, logits).numpy()
    np.testing.assert_allclose(g, [[1.0, -1.0, 0.0]], atol=1e-6)


def test_sparse_softmax_cross_entropy_values_and_gradients():
    labels = np.array([3, 0, 1])
    got = ts.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=L)
    ref = -np_log_softmax(L)[np.arange(3), labels]
    np.testing.assert_allclose(got.numpy(), ref, rtol=1e-12)
    onehot = np.eye(4)[labels]
    dense = ts.nn.softmax_cross_entropy_with_logits(onehot, L).numpy()
    np.testing.assert_allclose(got.numpy(), dense, rtol=1e-12)
    lab64 = ts.constant(labels.astype(np.int64))
    f = lambda x: ts.nn.sparse_softmax_cross_entropy_with_logits(lab64, x)
    check_grad(f, L)
    check_second_order(f, L)
    x = ts.constant(L)
    with ts.GradientTape() as tape:
        tape.watch(x)
        loss = ts.nn.sparse_softmax_cross_entropy_with_logits(lab64, x)
    np.testing.assert_allclose(tape.gradient(loss, x).numpy(), np_softmax(L) - onehot,
                               atol=1e-12)


def test_sparse_softmax_cross_entropy_batch_dims():
    rng = np.random.default_rng(6)
    logits = rng.normal(size=(2, 3, 5))
    labels = rng.integers(0, 5, size=(2, 3)).astype(np.int32)
    got = ts.nn.sparse_softmax_cross_entropy_with_logits(labels, logits).numpy()
    ref = -np.take_along_axis(np_log_softmax(logits), labels[..., None], -1)[..., 0]
    np.testing.assert_allclose(got, ref, rtol=1e-12)
    check_grad(lambda x: ts.nn.sparse_softmax_cross_entropy_with_logits(labels, x), logits)


def test_sparse_softmax_cross_entropy_errors():
    logits = ts.constant(L.astype(np.float32))
    onehot = np.eye(4, dtype=np.float32)[[3, 0, 1]]
    with pytest.raises(InvalidArgumentError, match="softmax_cross_entropy_with_logits"):
        ts.nn.sparse_softmax_cross_entropy_with_logits(labels=onehot, logits=logits)
    with pytest.raises(InvalidArgumentError, match="one-hot.*softmax_cross_entropy_with_logits"):
        ts.nn.sparse_softmax_cross_entropy_with_logits(labels=onehot.astype(np.int32),
                                                       logits=logits)
    with pytest.raises(InvalidArgumentError, match=r"label value of 4.*\[0, 4\)"):
        ts.nn.sparse_softmax_cross_entropy_with_logits(labels=[0, 4, 1], logits=logits)
    with pytest.raises(InvalidArgumentError, match=r"label value of -1"):
        ts.nn.sparse_softmax_cross_entropy_with_logits(labels=[0, -1, 1], logits=logits)
    with pytest.raises(InvalidArgumentError, match=r"labels of shape \(2,\).*\(3, 4\)"):
        ts.nn.sparse_softmax_cross_entropy_with_logits(labels=[0, 1], logits=logits)
    with pytest.raises(InvalidArgumentError, match="logits must be floating-point"):
        ts.nn.sparse_softmax_cross_entropy_with_logits(labels=[0], logits=[[1, 2]])


def test_log_poisson_loss():
    z = np.array([0.0, 1.0, 2.0, 5.0, 0.5])
    c = np.array([0.3, -1.2, 0.8, 1.5, -0.1])
    np.testing.assert_allclose(ts.nn.log_poisson_loss(z, c).numpy(), np.exp(c) - z * c)
    zs = np.maximum(z, 1)
    st_ = np.where(z > 1, zs * np.log(zs) - zs + 0.5 * np.log(2 * np.pi * zs), 0)
    full = ts.nn.log_poisson_loss(z, c, compute_full_loss=True).numpy()
    np.testing.assert_allclose(full, np.exp(c) - z * c + st_)
    check_grad(lambda zz, cc: ts.nn.log_poisson_loss(zz, cc, compute_full_loss=True), z + 1.5, c)
    check_grad(lambda cc: ts.nn.log_poisson_loss(z, cc, compute_full_loss=True), c)

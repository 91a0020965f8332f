"""keras.losses: values against NumPy closed forms, gradients, reductions, sample weights,
masks, the fused logits paths, helpful errors, configs and lookup."""
import json
import warnings

import numpy as np
import pytest

import tessera as ts
from tessera import keras
from tests.gradcheck import check_grad

L = keras.losses
EPS = 1e-7


# ---------------------------------------------------------------------------
# NumPy references
# ---------------------------------------------------------------------------
def np_sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def np_softmax(z, axis=-1):
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def np_log_softmax(z, axis=-1):
    s = z - z.max(axis=axis, keepdims=True)
    return s - np.log(np.exp(s).sum(axis=axis, keepdims=True))


def np_bce(t, p):
    p = np.clip(p, EPS, 1 - EPS)
    return -(t * np.log(p) + (1 - t) * np.log(1 - p))


def np_bce_logits(t, z):
    return np.maximum(z, 0) - z * t + np.log1p(np.exp(-np.abs(z)))


def np_l2n(x, axis=-1):
    return x / np.sqrt(np.maximum((x * x).sum(axis=axis, keepdims=True), 1e-12))


def np_huber(t, p, d=1.0):
    e = p - t
    a = np.abs(e)
    return np.where(a <= d, 0.5 * e * e, d * a - 0.5 * d * d).mean(-1)


def np_hinge_labels(t):
    return 2 * t - 1 if np.all((t == 0) | (t == 1)) else t


def np_cce(t, p, axis=-1):
    p = p / p.sum(axis=axis, keepdims=True)
    return -(t * np.log(np.clip(p, EPS, 1 - EPS))).sum(axis=axis)


def np_focal(t, p, gamma=2.0, alpha=0.25, balance=False, logits=False):
    if logits:
        bce = np_bce_logits(t, p)
        p = np_sigmoid(p)
    else:
        bce = np_bce(t, p)
    pt = t * p + (1 - t) * (1 - p)
    out = (1 - pt) ** gamma * bce
    if balance:
        out = (t * alpha + (1 - t) * (1 - alpha)) * out
    return out.mean(-1)


# ---------------------------------------------------------------------------
# Function values
# ---------------------------------------------------------------------------
R = np.random.default_rng(42)
YT = R.uniform(0.1, 1.0, size=(4, 5))
YP = R.uniform(0.1, 1.0, size=(4, 5))
BIN = (R.uniform(size=(4, 5)) > 0.5).astype(np.float64)
SIGN = BIN * 2 - 1
ONEHOT = np.eye(5)[[0, 3, 1, 4]]
PROBS = np_softmax(R.normal(size=(4, 5)))
LOGITS = R.normal(size=(4, 5)) * 2

CASES = {
    "mean_squared_error": (L.mean_squared_error, YT, YP, lambda t, p: ((t - p) ** 2).mean(-1)),
    "mean_absolute_error": (L.mean_absolute_error, YT, YP, lambda t, p: np.abs(t - p).mean(-1)),
    "mean_absolute_percentage_error": (
        L.mean_absolute_percentage_error, YT, YP,
        lambda t, p: 100 * np.abs((t - p) / np.maximum(np.abs(t), EPS)).mean(-1)),
    "mean_squared_logarithmic_error": (
        L.mean_squared_logarithmic_error, YT, YP,
        lambda t, p: ((np.log(p + 1) - np.log(t + 1)) ** 2).mean(-1)),
    "huber": (L.huber, YT * 3, YP, np_huber),
    "log_cosh": (L.log_cosh, YT * 3, YP, lambda t, p: np.log(np.cosh(p - t)).mean(-1)),
    "kl_divergence": (L.kl_divergence, PROBS, np_softmax(LOGITS),
                      lambda t, p: (t * np.log(t / p)).sum(-1)),
    "poisson": (L.poisson, YT, YP, lambda t, p: (p - t * np.log(p + EPS)).mean(-1)),
    "cosine_similarity": (L.cosine_similarity, YT - 0.5, YP - 0.5,
                          lambda t, p: -(np_l2n(t) * np_l2n(p)).sum(-1)),
    "hinge": (L.hinge, SIGN, LOGITS, lambda t, p: np.maximum(1 - t * p, 0).mean(-1)),
    "squared_hinge": (L.squared_hinge, SIGN, LOGITS,
                      lambda t, p: np.maximum(1 - t * p, 0).__pow__(2).mean(-1)),
    "categorical_hinge": (
        L.categorical_hinge, ONEHOT, LOGITS,
        lambda t, p: np.maximum(((1 - t) * p).max(-1) - (t * p).sum(-1) + 1, 0)),
    "binary_crossentropy": (L.binary_crossentropy, BIN, np_sigmoid(LOGITS),
                            lambda t, p: np_bce(t, p).mean(-1)),
    "categorical_crossentropy": (L.categorical_crossentropy, ONEHOT, PROBS, np_cce),
    "binary_focal_crossentropy": (L.binary_focal_crossentropy, BIN, np_sigmoid(LOGITS),
                                  np_focal),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_function_values_match_numpy(name):
    fn, t, p, ref = CASES[name]
    got = fn(ts.constant(t), ts.constant(p))
    assert got.dtype == ts.float64
    np.testing.assert_allclose(got.numpy(), ref(t, p), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name", sorted(CASES))
def test_function_gradients(name):
    fn, t, p, _ = CASES[name]
    check_grad(lambda a, b: fn(a, b), t, p, wrt=[1])


def test_hinge_converts_binary_labels():
    got = L.hinge(BIN, LOGITS).numpy()
    np.testing.assert_allclose(got, np.maximum(1 - SIGN * LOGITS, 0).mean(-1), rtol=1e-6)


def test_function_forms_accept_lists_and_return_float32():
    out = L.mean_squared_error([[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [1.0, 0.0]])
    assert out.dtype == ts.float32
    np.testing.assert_allclose(out.numpy(), [0.5, 0.5])


def test_aliases_are_the_same_functions():
    assert L.mse is L.mean_squared_error and L.MSE is L.mean_squared_error
    assert L.mae is L.mean_absolute_error and L.mape is L.mean_absolute_percentage_error
    assert L.msle is L.mean_squared_logarithmic_error and L.kld is L.kl_divergence


# Reference numbers printed in Keras 3's documentation.
def test_keras_documented_values():
    yt, yp = [0, 1, 0, 0], [-18.6, 0.51, 2.94, -12.8]
    assert float(L.BinaryCrossentropy(from_logits=True)(yt, yp)) == pytest.approx(0.8654, abs=1e-3)
    yt2, yp2 = [[0, 1], [0, 0]], [[-18.6, 0.51], [2.94, -12.8]]
    bce = L.BinaryCrossentropy(from_logits=True)
    assert float(bce(yt2, yp2, sample_weight=[0.8, 0.2])) == pytest.approx(0.243, abs=1e-3)
    assert float(L.BinaryCrossentropy(from_logits=True, reduction="sum")(yt2, yp2)) == \
        pytest.approx(1.730, abs=1e-3)
    focal = L.BinaryFocalCrossentropy(gamma=2, from_logits=True)
    assert float(focal(yt, yp)) == pytest.approx(0.691, abs=1e-3)
    focal = L.BinaryFocalCrossentropy(apply_class_balancing=True, gamma=3, from_logits=True)
    assert float(focal(yt2, yp2, sample_weight=[0.8, 0.2])) == pytest.approx(0.097, abs=1e-3)
    cce = L.CategoricalCrossentropy()
    yt3, yp3 = np.array([[0, 1, 0], [0, 0, 1]]), np.array([[0.05, 0.95, 0], [0.1, 0.8, 0.1]])
    assert float(cce(yt3, yp3)) == pytest.approx(1.177, abs=1e-3)
    weighted = float(cce(yt3, yp3, sample_weight=np.array([0.3, 0.7])))
    assert weighted == pytest.approx(0.814, abs=1e-3)
    assert float(L.SparseCategoricalCrossentropy()([1, 2], yp3)) == pytest.approx(1.177, abs=1e-3)
    np.testing.assert_allclose(
        L.CategoricalFocalCrossentropy(reduction=None)(yt3, yp3).numpy(),
        [3.2058331e-05, 4.6627346e-01], rtol=1e-4)
    assert float(ts.reduce_mean(L.huber([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]]))) == \
        pytest.approx(0.155, abs=1e-3)
    np.testing.assert_allclose(
        L.cosine_similarity([[0., 1.], [1., 1.], [1., 1.]], [[1., 0.], [1., 1.], [-1., -1.]]),
        [0.0, -1.0, 1.0], atol=1e-6)
    yt4 = [[[[1.0], [1.0]], [[0.0], [0.0]]], [[[1.0], [1.0]], [[0.0], [0.0]]]]
    yp4 = [[[[0.0], [1.0]], [[0.0], [1.0]]], [[[0.4], [0.0]], [[0.0], [0.9]]]]
    np.testing.assert_allclose(L.dice(yt4, yp4, axis=(1, 2, 3)).numpy(), [0.5, 0.75757575],
                               rtol=1e-5)
    assert float(L.dice(yt4, yp4)) == pytest.approx(0.6164384, rel=1e-5)


# ---------------------------------------------------------------------------
# Cross-entropies: logits, label smoothing, sparse labels
# ---------------------------------------------------------------------------
def test_binary_crossentropy_from_logits_is_stable_and_exact():
    z = np.array([[-80.0, 0.3, 60.0], [5.0, -2.0, 0.0]])
    t = np.array([[1.0, 0.0, 0.0], [1.0, 1.0, 0.0]])
    got = L.binary_crossentropy(t, z, from_logits=True).numpy()
    np.testing.assert_allclose(got, np_bce_logits(t, z).mean(-1), rtol=1e-12)
    assert np.all(np.isfinite(got))
    check_grad(lambda a, b: L.binary_crossentropy(a, b, from_logits=True), t, z, wrt=[1])


def test_binary_crossentropy_label_smoothing_and_axis():
    ts_ = BIN * (1 - 0.2) + 0.5 * 0.2
    got = L.binary_crossentropy(BIN, np_sigmoid(LOGITS), label_smoothing=0.2).numpy()
    np.testing.assert_allclose(got, np_bce(ts_, np_sigmoid(LOGITS)).mean(-1), rtol=1e-6)
    got0 = L.binary_crossentropy(BIN, np_sigmoid(LOGITS), axis=0).numpy()
    np.testing.assert_allclose(got0, np_bce(BIN, np_sigmoid(LOGITS)).mean(0), rtol=1e-6)


def test_categorical_crossentropy_logits_smoothing_axis():
    got = L.categorical_crossentropy(ONEHOT, LOGITS, from_logits=True).numpy()
    np.testing.assert_allclose(got, -(ONEHOT * np_log_softmax(LOGITS)).sum(-1), rtol=1e-10)
    sm = ONEHOT * 0.9 + 0.1 / 5
    got = L.categorical_crossentropy(ONEHOT, LOGITS, from_logits=True, label_smoothing=0.1)
    np.testing.assert_allclose(got.numpy(), -(sm * np_log_softmax(LOGITS)).sum(-1), rtol=1e-10)
    got = L.categorical_crossentropy(ONEHOT.T, LOGITS.T, from_logits=True, axis=0)
    np.testing.assert_allclose(got.numpy(), -(ONEHOT * np_log_softmax(LOGITS)).sum(-1),
                               rtol=1e-10)
    check_grad(lambda a, b: L.categorical_crossentropy(a, b, from_logits=True), ONEHOT, LOGITS,
               wrt=[1])
    # probabilities that do not sum to one are renormalized, as Keras does
    np.testing.assert_allclose(L.categorical_crossentropy(ONEHOT, PROBS * 3).numpy(),
                               np_cce(ONEHOT, PROBS), rtol=1e-6)
    with pytest.raises(ValueError, match="axis"):
        L.categorical_crossentropy(ONEHOT, PROBS, axis=True)


@pytest.mark.parametrize("labels", [np.array([0, 3, 1, 4]), np.array([[0], [3], [1], [4]]),
                                    np.array([0.0, 3.0, 1.0, 4.0])])
def test_sparse_categorical_crossentropy_label_forms(labels):
    ids = np.array([0, 3, 1, 4])
    ref_p = -np.log(np.clip(PROBS, EPS, 1 - EPS))[np.arange(4), ids]
    np.testing.assert_allclose(L.sparse_categorical_crossentropy(labels, PROBS).numpy(), ref_p,
                               rtol=1e-6)
    ref_l = -np_log_softmax(LOGITS)[np.arange(4), ids]
    got = L.sparse_categorical_crossentropy(labels, LOGITS, from_logits=True).numpy()
    np.testing.assert_allclose(got, ref_l, rtol=1e-10)
    assert float(L.SparseCategoricalCrossentropy(from_logits=True)(labels, LOGITS)) == \
        pytest.approx(ref_l.mean(), rel=1e-5)


def test_sparse_categorical_crossentropy_gradients():
    ids = np.array([0, 3, 1, 4])
    check_grad(lambda a, b: L.sparse_categorical_crossentropy(a, b, from_logits=True), ids,
               LOGITS, wrt=[1])
    check_grad(lambda a, b: L.sparse_categorical_crossentropy(a, b), ids, PROBS, wrt=[1])
    check_grad(lambda a, b: L.sparse_categorical_crossentropy(a, b, from_logits=True,
                                                              ignore_class=3),
               ids, LOGITS, wrt=[1])


def test_sparse_categorical_crossentropy_sequences():
    z = R.normal(size=(2, 3, 4))
    ids = np.array([[0, 1, 3], [2, 2, 0]])
    ref = -np.take_along_axis(np_log_softmax(z), ids[..., None], -1)[..., 0]
    got = L.sparse_categorical_crossentropy(ids, z, from_logits=True).numpy()
    np.testing.assert_allclose(got, ref, rtol=1e-10)


def test_ignore_class_zeroes_and_masks():
    ids = np.array([0, -1, 1, -1])
    z = LOGITS[:, :3]
    per = L.sparse_categorical_crossentropy(ids, z, from_logits=True, ignore_class=-1).numpy()
    ref = -np_log_softmax(z)[np.arange(4), np.maximum(ids, 0)]
    np.testing.assert_allclose(per, np.where(ids >= 0, ref, 0.0), rtol=1e-10)
    loss = L.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1, dtype="float64")
    assert float(loss(ids, z)) == pytest.approx(ref[[0, 2]].mean(), rel=1e-10)
    # with "sum" the ignored entries contribute nothing
    loss = L.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1, reduction="sum",
                                           dtype="float64")
    assert float(loss(ids, z)) == pytest.approx(ref[[0, 2]].sum(), rel=1e-10)


def test_focal_from_logits_matches_numpy_and_gradient():
    got = L.binary_focal_crossentropy(BIN, LOGITS, from_logits=True, gamma=3.0,
                                      apply_class_balancing=True, alpha=0.4).numpy()
    ref = np_focal(BIN, LOGITS, gamma=3.0, alpha=0.4, balance=True, logits=True)
    np.testing.assert_allclose(got, ref, rtol=1e-8)
    check_grad(lambda a, b: L.binary_focal_crossentropy(a, b, from_logits=True), BIN, LOGITS,
               wrt=[1])
    # gamma=0 is plain binary cross-entropy
    np.testing.assert_allclose(
        L.binary_focal_crossentropy(BIN, LOGITS, from_logits=True, gamma=0.0).numpy(),
        np_bce_logits(BIN, LOGITS).mean(-1), rtol=1e-10)


# ---------------------------------------------------------------------------
# The cached-logits path (`_keras_logits`)
# ---------------------------------------------------------------------------
class _TensorWithAttrs(ts.Tensor):
    """A Tensor that accepts extra attributes (stands in for the `_keras_logits` slot)."""


def _with_logits(probs, logits):
    t = object.__new__(_TensorWithAttrs)
    t._a = ts.constant(probs)._a
    t._keras_logits = logits
    return t


def test_cached_sigmoid_logits_are_used():
    z = np.array([[30.0, -40.0, 0.5]])
    t = np.array([[0.0, 1.0, 1.0]])
    zt = ts.constant(z)
    probs = _with_logits(np_sigmoid(z), zt)
    got = L.binary_crossentropy(t, probs).numpy()
    np.testing.assert_allclose(got, np_bce_logits(t, z).mean(-1), rtol=1e-10)
    # without the logits, probabilities are clipped: a very different (capped) value
    clipped = L.binary_crossentropy(t, np_sigmoid(z)).numpy()
    assert abs(clipped[0] - got[0]) > 1.0
    with ts.GradientTape() as tape:
        tape.watch(zt)
        probs = _with_logits(np_sigmoid(z), zt)
        loss = ts.reduce_sum(L.binary_crossentropy(t, probs))
    np.testing.assert_allclose(tape.gradient(loss, zt).numpy(), (np_sigmoid(z) - t) / 3,
                               rtol=1e-10)


def test_cached_softmax_logits_are_used_by_both_categorical_losses():
    z = np.array([[50.0, -50.0, 0.0], [1.0, 2.0, 3.0]])
    p = _with_logits(np_softmax(z), ts.constant(z))
    ids = np.array([1, 0])
    ref = -np_log_softmax(z)[np.arange(2), ids]
    np.testing.assert_allclose(L.sparse_categorical_crossentropy(ids, p).numpy(), ref,
                               rtol=1e-10)
    np.testing.assert_allclose(L.categorical_crossentropy(np.eye(3)[ids], p).numpy(), ref,
                               rtol=1e-10)
    with pytest.warns(UserWarning, match="from_logits=True"):
        L.categorical_crossentropy(np.eye(3)[ids], p, from_logits=True)


def test_cached_logits_of_the_wrong_activation_are_ignored():
    z = np.array([[0.5, -1.0, 2.0]])
    sig = _with_logits(np_sigmoid(z), ts.constant(z))        # sigmoid output, not softmax
    got = L.categorical_crossentropy([[0.0, 0.0, 1.0]], sig).numpy()
    np.testing.assert_allclose(got, np_cce(np.array([[0.0, 0.0, 1.0]]), np_sigmoid(z)),
                               rtol=1e-10)
    soft = _with_logits(np_softmax(z), ts.constant(z))       # softmax output, not sigmoid
    got = L.binary_crossentropy([[0.0, 0.0, 1.0]], soft).numpy()
    np.testing.assert_allclose(got, np_bce(np.array([[0.0, 0.0, 1.0]]), np_softmax(z)).mean(-1),
                               rtol=1e-10)


def test_activation_outputs_feed_the_fused_path_when_supported():
    z = ts.constant([[40.0, -40.0]])
    out = keras.activations.sigmoid(z)
    got = float(L.BinaryCrossentropy()([[0.0, 1.0]], out))
    if getattr(out, "_keras_logits", None) is None:
        pytest.skip("ts.Tensor has no `_keras_logits` slot yet")
    assert got == pytest.approx(40.0, rel=1e-5)


# ---------------------------------------------------------------------------
# Reductions, sample weights, masks
# ---------------------------------------------------------------------------
PER = ((YT - YP) ** 2).mean(-1)


@pytest.mark.parametrize("reduction,expected", [
    ("sum_over_batch_size", PER.mean()), ("mean", PER.mean()), ("sum", PER.sum()),
    ("mean_with_sample_weight", PER.mean())])
def test_reductions(reduction, expected):
    loss = L.MeanSquaredError(reduction=reduction, dtype="float64")
    assert float(loss(YT, YP)) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("reduction", [None, "none"])
def test_no_reduction(reduction):
    out = L.MeanSquaredError(reduction=reduction, dtype="float64")(YT, YP)
    np.testing.assert_allclose(out.numpy(), PER, rtol=1e-12)


def test_invalid_reduction():
    with pytest.raises(ValueError, match="reduction"):
        L.MeanSquaredError(reduction="average")


@pytest.mark.parametrize("sw", [np.array([0.1, 2.0, 0.0, 1.0]),
                                np.array([[0.1], [2.0], [0.0], [1.0]])])
def test_sample_weight_per_sample(sw):
    w = sw.reshape(-1)
    for red, ref in [("sum_over_batch_size", (PER * w).sum() / 4), ("sum", (PER * w).sum()),
                     ("mean_with_sample_weight", (PER * w).sum() / w.sum())]:
        loss = L.MeanSquaredError(reduction=red, dtype="float64")
        assert float(loss(YT, YP, sample_weight=sw)) == pytest.approx(ref, rel=1e-12)
    out = L.MeanSquaredError(reduction=None, dtype="float64")(YT, YP, sample_weight=sw)
    np.testing.assert_allclose(np.asarray(out).reshape(-1), PER * w, rtol=1e-12)


def test_sample_weight_scalar_and_full_shape():
    loss = L.MeanAbsoluteError(dtype="float64", reduction=None)
    seq_t, seq_p = YT.reshape(2, 2, 5), YP.reshape(2, 2, 5)
    per = np.abs(seq_t - seq_p).mean(-1)                       # (2, 2)
    np.testing.assert_allclose(loss(seq_t, seq_p, sample_weight=2.0).numpy(), 2 * per)
    w = np.array([[1.0, 0.0], [0.5, 2.0]])
    np.testing.assert_allclose(loss(seq_t, seq_p, sample_weight=w).numpy(), w * per)
    # per-sample weights for per-timestep losses broadcast over the time axis
    np.testing.assert_allclose(loss(seq_t, seq_p, sample_weight=[1.0, 3.0]).numpy(),
                               per * np.array([[1.0], [3.0]]))
    with pytest.raises(ValueError, match="sample_weight"):
        loss(seq_t, seq_p, sample_weight=np.ones(3))


def test_keras_mask_excludes_entries_from_the_mean():
    t = R.normal(size=(2, 3, 4))
    p = R.normal(size=(2, 3, 4))
    mask = np.array([[True, True, False], [True, False, False]])
    yp = ts.constant(p)
    yp._keras_mask = ts.constant(mask)
    per = ((t - p) ** 2).mean(-1)
    loss = L.MeanSquaredError(dtype="float64")
    assert float(loss(t, yp)) == pytest.approx(per[mask].mean(), rel=1e-12)
    sw = np.array([2.0, 0.5])
    ref = (per * mask * sw[:, None]).sum() / mask.sum()
    assert float(loss(t, yp, sample_weight=sw)) == pytest.approx(ref, rel=1e-12)
    loss = L.MeanSquaredError(dtype="float64", reduction="sum")
    assert float(loss(t, yp)) == pytest.approx(per[mask].sum(), rel=1e-12)


def test_mask_of_all_false_gives_zero():
    yp = ts.constant(YP)
    yp._keras_mask = ts.constant(np.zeros(4, bool))
    assert float(L.MeanSquaredError(dtype="float64")(YT, yp)) == 0.0


def test_loss_dtype_and_gradients_through_the_class():
    loss = L.MeanSquaredError()
    assert loss.dtype == "float32" and loss(YT, YP).dtype == ts.float32
    loss = L.Huber(delta=0.5, dtype="float64")
    check_grad(lambda a, b: loss(a, b, sample_weight=np.array([1.0, 2.0, 0.5, 0.0])),
               YT * 2, YP, wrt=[1])
    scce = L.SparseCategoricalCrossentropy(from_logits=True, dtype="float64")
    check_grad(lambda a, b: scce(a, b), np.array([0, 3, 1, 4]), LOGITS, wrt=[1])


def test_gradient_reaches_a_variable():
    v = ts.Variable(np.zeros((2, 3), np.float32))
    with ts.GradientTape() as tape:
        loss = L.CategoricalCrossentropy(from_logits=True)(np.eye(3)[[0, 2]], v)
    g = tape.gradient(loss, v).numpy()
    np.testing.assert_allclose(g, (np.full((2, 3), 1 / 3) - np.eye(3)[[0, 2]]) / 2, rtol=1e-6)


def test_custom_loss_subclass():
    class Cube(L.Loss):
        def call(self, y_true, y_pred):
            return ts.reduce_mean((y_pred - y_true) ** 3, axis=-1)

    c = Cube()
    assert c.name == "cube"
    assert float(c(np.zeros((2, 2)), np.ones((2, 2)), sample_weight=[1.0, 0.0])) == \
        pytest.approx(0.5)
    with pytest.raises(NotImplementedError, match="call"):
        L.Loss()(YT, YP)


# ---------------------------------------------------------------------------
# Helpful errors
# ---------------------------------------------------------------------------
def test_sparse_rejects_one_hot_labels():
    for call in (lambda: L.sparse_categorical_crossentropy(ONEHOT, PROBS),
                 lambda: L.SparseCategoricalCrossentropy()(ONEHOT, PROBS)):
        with pytest.raises(ValueError, match="looks one-hot: use CategoricalCrossentropy"):
            call()


@pytest.mark.parametrize("labels", [np.array([0, 3, 1, 4]), np.array([[0], [3], [1], [4]])])
def test_categorical_rejects_integer_labels(labels):
    with pytest.raises(ValueError, match="use SparseCategoricalCrossentropy"):
        L.CategoricalCrossentropy()(labels, PROBS)
    with pytest.raises(ValueError, match="integer class ids"):
        L.categorical_crossentropy(labels, PROBS)


def test_sparse_label_errors():
    with pytest.raises(ValueError, match=r"label value of 5.*\[0, 5\).*ignore_class=5"):
        L.sparse_categorical_crossentropy([0, 5, 1, 1], PROBS)
    with pytest.raises(ValueError, match="integer class ids, got the value 0.5"):
        L.sparse_categorical_crossentropy([0.5, 1, 1, 1], PROBS)
    with pytest.raises(ValueError, match=r"shape \(3,\) does not match"):
        L.sparse_categorical_crossentropy([0, 1, 1], PROBS)
    with pytest.raises(ValueError, match="axis=-1"):
        L.sparse_categorical_crossentropy([0, 1, 1, 1], PROBS, axis=0)


def test_shape_mismatch_is_named():
    with pytest.raises(ValueError, match=r"mean_squared_error: y_true of shape \(4, 3\)"):
        L.mean_squared_error(np.zeros((4, 3)), np.zeros((4, 5)))
    with pytest.raises(ValueError, match="binary_crossentropy"):
        L.BinaryCrossentropy()(np.zeros((4, 3)), np.full((4, 5), 0.5))


def test_categorical_single_class_warns():
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        L.categorical_crossentropy(np.ones((3, 1)), np.full((3, 1), 0.7))
    assert any("binary_crossentropy" in str(w.message) for w in rec)


# ---------------------------------------------------------------------------
# Configs, serialization, lookup
# ---------------------------------------------------------------------------
CONFIGS = [
    (L.MeanSquaredError, {}, {"name": "mean_squared_error", "reduction": "sum_over_batch_size"}),
    (L.MeanAbsoluteError, {"reduction": "sum", "name": "m"}, {"name": "m", "reduction": "sum"}),
    (L.MeanAbsolutePercentageError, {}, None),
    (L.MeanSquaredLogarithmicError, {}, None),
    (L.LogCosh, {}, {"name": "log_cosh", "reduction": "sum_over_batch_size"}),
    (L.Hinge, {}, None), (L.SquaredHinge, {}, None), (L.CategoricalHinge, {}, None),
    (L.KLDivergence, {}, {"name": "kl_divergence", "reduction": "sum_over_batch_size"}),
    (L.Poisson, {"reduction": None}, {"name": "poisson", "reduction": None}),
    (L.Huber, {"delta": 2.5}, {"name": "huber_loss", "reduction": "sum_over_batch_size",
                               "delta": 2.5}),
    (L.CosineSimilarity, {"axis": 0}, None),
    (L.BinaryCrossentropy, {"from_logits": True, "label_smoothing": 0.1},
     {"name": "binary_crossentropy", "reduction": "sum_over_batch_size", "from_logits": True,
      "label_smoothing": 0.1, "axis": -1}),
    (L.BinaryFocalCrossentropy, {"apply_class_balancing": True, "alpha": 0.3, "gamma": 1.5},
     {"name": "binary_focal_crossentropy", "reduction": "sum_over_batch_size",
      "from_logits": False, "label_smoothing": 0.0, "axis": -1, "apply_class_balancing": True,
      "alpha": 0.3, "gamma": 1.5}),
    (L.CategoricalCrossentropy, {"label_smoothing": 0.2, "axis": 1},
     {"name": "categorical_crossentropy", "reduction": "sum_over_batch_size",
      "from_logits": False, "label_smoothing": 0.2, "axis": 1}),
    (L.CategoricalFocalCrossentropy, {"gamma": 3.0}, None),
    (L.SparseCategoricalCrossentropy, {"from_logits": True, "ignore_class": 255},
     {"name": "sparse_categorical_crossentropy", "reduction": "sum_over_batch_size",
      "from_logits": True, "ignore_class": 255}),
    (L.Dice, {"axis": (1, 2)}, None), (L.Tversky, {"alpha": 0.7, "beta": 0.3}, None),
]


@pytest.mark.parametrize("cls,kwargs,expected", CONFIGS, ids=[c[0].__name__ for c in CONFIGS])
def test_config_round_trip(cls, kwargs, expected):
    obj = cls(**kwargs)
    cfg = obj.get_config()
    if expected is not None:
        assert cfg == expected
    again = cls.from_config(cfg)
    assert again.get_config() == cfg
    ser = L.serialize(obj)
    assert ser["module"] == "keras.losses" and ser["class_name"] == cls.__name__
    back = L.deserialize(json.loads(json.dumps(ser)))
    # tuples travel as JSON lists
    assert type(back) is cls and json.dumps(back.get_config()) == json.dumps(cfg)


def test_round_tripped_loss_computes_the_same():
    loss = L.Huber(delta=0.3, reduction="sum", dtype="float64")
    back = L.deserialize(L.serialize(loss))
    assert float(back(YT, YP)) == pytest.approx(float(loss(YT, YP)))
    assert float(loss(YT, YP)) == pytest.approx(np_huber(YT, YP, 0.3).sum())


def test_loss_function_wrapper_config():
    w = L.LossFunctionWrapper(L.huber, name="hub", delta=0.4)
    cfg = w.get_config()
    assert cfg == {"name": "hub", "reduction": "sum_over_batch_size", "fn": "huber",
                   "delta": 0.4}
    back = L.LossFunctionWrapper.from_config(cfg)
    assert back.fn is L.huber and back._fn_kwargs == {"delta": 0.4}
    assert float(back(YT, YP)) == pytest.approx(float(w(YT, YP)))


def test_serialize_functions_and_deserialize_names():
    assert L.serialize(L.mean_squared_error) == "mean_squared_error"
    assert L.deserialize("mean_squared_error") is L.mean_squared_error
    assert L.deserialize("mse") is L.mean_squared_error
    assert L.deserialize({"module": "keras.losses", "class_name": "function",
                          "config": "log_cosh", "registered_name": "function"}) is L.log_cosh


@pytest.mark.parametrize("name,target", [
    ("mse", "mean_squared_error"), ("MSE", "mean_squared_error"), ("mae", "mean_absolute_error"),
    ("mape", "mean_absolute_percentage_error"), ("msle", "mean_squared_logarithmic_error"),
    ("kld", "kl_divergence"), ("bce", "binary_crossentropy"),
    ("categorical_crossentropy", "categorical_crossentropy"),
    ("sparse_categorical_crossentropy", "sparse_categorical_crossentropy"),
    ("huber", "huber"), ("hinge", "hinge"), ("poisson", "poisson")])
def test_get_function_names(name, target):
    assert L.get(name) is getattr(L, target)


def test_get_classes_dicts_and_passthrough():
    obj = L.get("CategoricalCrossentropy")
    assert isinstance(obj, L.CategoricalCrossentropy)
    obj = L.get({"class_name": "CategoricalCrossentropy", "config": {"from_logits": True}})
    assert isinstance(obj, L.CategoricalCrossentropy) and obj.from_logits is True
    h = L.Huber()
    assert L.get(h) is h and L.get(L.hinge) is L.hinge and L.get(None) is None
    assert isinstance(L.get(L.Poisson), L.Poisson)
    assert keras.Loss is L.Loss


def test_get_unknown_name_lists_valid_ones():
    with pytest.raises(ValueError, match="Could not interpret loss identifier: 'msee'.*mse"):
        L.get("msee")
    with pytest.raises(ValueError, match="Could not interpret loss identifier"):
        L.get(42)


def test_function_forms_align_ranks():
    got = L.binary_crossentropy([1.0, 0.0, 1.0], [[0.9], [0.2], [0.6]]).numpy()
    np.testing.assert_allclose(got, -np.log([0.9, 0.8, 0.6]), rtol=1e-5)


def test_sparse_categorical_labels_stay_integers_and_floats_still_checked():
    p = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]], "float32")
    for loss in (keras.losses.SparseCategoricalCrossentropy(),
                 keras.losses.LossFunctionWrapper(keras.losses.sparse_categorical_crossentropy)):
        assert loss._integer_targets
        a = float(loss(np.array([0, 2]), p))
        b = float(loss(np.array([0.0, 2.0], "float32"), p))
        assert a == b and abs(a - float(-np.mean(np.log([0.7, 0.6])))) < 1e-6
        with pytest.raises(ValueError, match="integer class ids"):
            loss(np.array([0.5, 2.0], "float32"), p)
    assert not keras.losses.MeanSquaredError()._integer_targets


@pytest.mark.parametrize("from_logits", [False, True])
def test_sparse_ce_fused_mean_matches_per_sample_path(from_logits):
    """The plain `sum_over_batch_size` sparse CE runs as one fused op; its value and
    gradient equal the per-sample losses reduced by the generic path."""
    rng = np.random.default_rng(0)
    z = ts.Variable(rng.standard_normal((13, 7)).astype(np.float32) * 3)
    y = rng.integers(0, 7, (13, 1))
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=from_logits)
    ones = np.ones(13, np.float32)
    out = []
    for sw in (None, ones):        # a sample weight of ones takes the generic path
        with ts.GradientTape() as tape:
            pred = z if from_logits else keras.activations.softmax(z)
            value = loss(y, pred, sample_weight=sw)
        out.append((value.numpy(), tape.gradient(value, z).numpy()))
    (v1, g1), (v2, g2) = out
    np.testing.assert_allclose(v1, v2, rtol=1e-6)
    np.testing.assert_allclose(g1, g2, rtol=1e-5, atol=1e-7)
    p = np.exp(z.numpy() - z.numpy().max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    ref = p.copy()
    ref[np.arange(13), y[:, 0]] -= 1
    np.testing.assert_allclose(g1, ref / 13, rtol=1e-5, atol=1e-7)
    with pytest.raises(ValueError, match="outside the valid range"):
        loss(np.full((13,), 9), keras.activations.softmax(z) if not from_logits else z)


def test_sparse_ce_fused_mean_second_order():
    z = ts.Variable(np.array([[0.3, -1.0, 2.0], [1.0, 0.5, -0.5]], np.float32))
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    with ts.GradientTape() as outer:
        with ts.GradientTape() as inner:
            value = loss(np.array([2, 0]), z)
        g = inner.gradient(value, z)
        s = ts.reduce_sum(g * g)
    h = outer.gradient(s, z)
    # reference by finite differences of sum(g^2) in float64
    def gsq(a):
        p = np.exp(a - a.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        p[[0, 1], [2, 0]] -= 1
        return ((p / 2) ** 2).sum()
    a0 = z.numpy().astype(np.float64)
    fd = np.zeros_like(a0)
    for i in np.ndindex(a0.shape):
        d = np.zeros_like(a0)
        d[i] = 1e-5
        fd[i] = (gsq(a0 + d) - gsq(a0 - d)) / 2e-5
    np.testing.assert_allclose(h.numpy(), fd, rtol=1e-3, atol=1e-5)

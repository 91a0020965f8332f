"""The loss functions (`keras.losses.mean_squared_error`, ...): per-sample losses.

Each takes `(y_true, y_pred, ...)` and returns the losses with the last axis reduced
(shape `[batch_size, d0, .. dN-1]`), written with Tessera ops so gradients flow.
Cross-entropies on logits use the fused stable ops of `ts.nn`; on probabilities they
use the logits a `softmax`/`sigmoid` activation cached on its output
(`_keras_logits`) when present, and otherwise clip the probabilities to
`[epsilon, 1 - epsilon]` as Keras does.
"""
import math
import warnings

import numpy as np

import tessera as ts

from ...ops.crossentropy import sparse_softmax_cross_entropy_mean as _fused_scce_mean
from ...backend import xp as _xp
from .. import config as _config
from ..saving.object_registration import keras_export
from ..activations import activations as _activations
from .loss import _set_attr, squeeze_or_expand_to_same_rank, to_tensor

__all__ = ["mean_squared_error", "mean_absolute_error", "mean_absolute_percentage_error",
           "mean_squared_logarithmic_error", "cosine_similarity", "huber", "log_cosh",
           "kl_divergence", "poisson", "hinge", "squared_hinge", "categorical_hinge",
           "binary_crossentropy", "binary_focal_crossentropy", "categorical_crossentropy",
           "categorical_focal_crossentropy", "sparse_categorical_crossentropy", "dice",
           "tversky"]

_LOG2 = math.log(2.0)


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------
def _eps():
    return _config.epsilon()


def _float_pred(y_pred):
    y_pred = to_tensor(y_pred)
    if not y_pred.dtype.is_floating:
        y_pred = ts.cast(y_pred, _config.floatx())
    return y_pred


def _cast_like(x, ref):
    x = to_tensor(x)
    if x.dtype != ref.dtype:
        x = ts.cast(x, ref.dtype.name)
    return x


def _check_broadcast(fname, y_true, y_pred, exact=False):
    ts_, ps = tuple(y_true.shape), tuple(y_pred.shape)
    if ts_ == ps:
        return
    try:
        ok = not exact and np.broadcast_shapes(ts_, ps) == ps
    except ValueError:
        ok = False
    if not ok:
        need = "the same shape" if exact else "the same shape (or y_true broadcastable to y_pred)"
        raise ValueError(f"{fname}: y_true of shape {ts_} and y_pred of shape {ps} are "
                         f"incompatible: they must have {need}.")


def _prepare(fname, y_true, y_pred, squeeze=True):
    """Converts the inputs (y_true to y_pred's float dtype), aligns their ranks, checks shapes."""
    y_pred = _float_pred(y_pred)
    y_true = _cast_like(y_true, y_pred)
    if squeeze:
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    _check_broadcast(fname, y_true, y_pred)
    return y_true, y_pred


def _mean(x, axis=-1):
    return x if len(x.shape) == 0 else ts.reduce_mean(x, axis=axis)


def _host(a, n):
    """Up to `n` leading values of the backend array `a`, as NumPy float64."""
    return np.asarray(_xp.to_numpy(a.reshape(-1)[:n]), dtype=np.float64)


def _cached_logits(y_pred, kind, axis=-1):
    """The logits a sigmoid/softmax activation cached on `y_pred` (`_keras_logits`), if
    present and if `y_pred` really is `kind` of them (checked on a few entries, so the
    output of a sigmoid is never taken for a softmax's or the other way round)."""
    logits = getattr(y_pred, "_keras_logits", None)
    if logits is None:
        return None
    made = _activations.ACTIVATED.get(id(y_pred))
    if made is not None and made[0]() is y_pred and made[1] is logits and made[2] == kind \
            and (kind == "sigmoid" or made[3] == axis or (isinstance(made[3], int) and
                 isinstance(axis, int) and made[3] % max(1, len(y_pred.shape)) ==
                 axis % max(1, len(y_pred.shape)))):
        return logits   # attached by Keras's own activation of this kind: no check needed
    logits = to_tensor(logits)
    if tuple(logits.shape) != tuple(y_pred.shape) or not logits.dtype.is_floating:
        return None
    if logits.dtype != y_pred.dtype:
        logits = ts.cast(logits, y_pred.dtype.name)
    p, z = y_pred._a, logits._a
    if p.size == 0:
        return logits
    if kind == "sigmoid":
        pv, zv = _host(p, 16), _host(z, 16)
        expect = 1.0 / (1.0 + np.exp(-zv))
    else:
        if p.ndim == 0:
            return None
        ax = axis % p.ndim
        pm = _xp.of(p).moveaxis(p, ax, -1)
        zm = _xp.of(z).moveaxis(z, ax, -1)
        c = pm.shape[-1]
        pv = _host(pm, 2 * c).reshape(-1, c)
        zv = _host(zm, 2 * c).reshape(-1, c)
        e = np.exp(zv - zv.max(axis=-1, keepdims=True))
        expect = e / e.sum(axis=-1, keepdims=True)
    if not np.allclose(pv, expect, rtol=1e-3, atol=1e-5):
        return None
    return logits


def _logits_or_none(y_pred, from_logits, kind, axis, fname):
    """Returns `(logits, from_logits)`: the cached logits replace probabilities."""
    cached = _cached_logits(y_pred, kind, axis)
    if cached is None:
        return y_pred, from_logits
    if from_logits:
        warnings.warn(
            f"`{fname}` received `from_logits=True`, but `y_pred` was produced by a {kind} "
            "activation and thus does not represent logits. Was this intended? Using the "
            "logits the activation received.", stacklevel=3)
    return cached, True


def _clip_probs(p):
    eps = _eps()
    return ts.clip_by_value(p, eps, 1.0 - eps)


def _check_axis(fname, axis):
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise ValueError(f"{fname}: `axis` must be of type `int`. Received: axis={axis!r} of "
                         f"type {type(axis)}")


# ---------------------------------------------------------------------------
# Regression losses
# ---------------------------------------------------------------------------
@keras_export("keras.losses")
def mean_squared_error(y_true, y_pred):
    """Mean squared error per sample: `mean(square(y_true - y_pred), axis=-1)`.

    Returns:
        Losses of shape `[batch_size, d0, .. dN-1]`.
    """
    y_true, y_pred = _prepare("mean_squared_error", y_true, y_pred)
    return _mean(ts.square(y_true - y_pred))


@keras_export("keras.losses")
def mean_absolute_error(y_true, y_pred):
    """Mean absolute error per sample: `mean(abs(y_true - y_pred), axis=-1)`."""
    y_true, y_pred = _prepare("mean_absolute_error", y_true, y_pred)
    return _mean(ts.abs(y_true - y_pred))


@keras_export("keras.losses")
def mean_absolute_percentage_error(y_true, y_pred):
    """Mean absolute percentage error per sample:
    `100 * mean(abs((y_true - y_pred) / maximum(abs(y_true), epsilon)), axis=-1)`."""
    y_true, y_pred = _prepare("mean_absolute_percentage_error", y_true, y_pred)
    diff = ts.abs((y_true - y_pred) / ts.maximum(ts.abs(y_true), _eps()))
    return _mean(diff) * 100.0


@keras_export("keras.losses")
def mean_squared_logarithmic_error(y_true, y_pred):
    """Mean squared logarithmic error per sample:
    `mean(square(log(y_pred + 1) - log(y_true + 1)), axis=-1)`, with values below
    `epsilon` replaced by `epsilon`."""
    y_true, y_pred = _prepare("mean_squared_logarithmic_error", y_true, y_pred)
    eps = _eps()
    first = ts.log(ts.maximum(y_pred, eps) + 1.0)
    second = ts.log(ts.maximum(y_true, eps) + 1.0)
    return _mean(ts.square(first - second))


@keras_export("keras.losses")
def cosine_similarity(y_true, y_pred, axis=-1):
    """Negative cosine similarity along `axis`: `-sum(l2_norm(y_true) * l2_norm(y_pred))`.

    Values lie in [-1, 1]; -1 means the vectors point the same way. A zero vector
    gives 0.
    """
    y_true, y_pred = _prepare("cosine_similarity", y_true, y_pred)
    y_pred = ts.nn.l2_normalize(y_pred, axis=axis)
    y_true = ts.nn.l2_normalize(y_true, axis=axis)
    return -ts.reduce_sum(y_true * y_pred, axis=axis)


@keras_export("keras.losses")
def huber(y_true, y_pred, delta=1.0):
    """Huber loss per sample: `0.5 * x**2` where `|x| <= delta`, else
    `delta * |x| - 0.5 * delta**2`, for `x = y_pred - y_true`, averaged over the last axis.

    Args:
        delta: where the loss changes from quadratic to linear (default 1.0).
    """
    y_true, y_pred = _prepare("huber", y_true, y_pred)
    delta = float(delta)
    error = y_pred - y_true
    abs_error = ts.abs(error)
    quad = ts.square(error) * 0.5
    lin = abs_error * delta - 0.5 * delta * delta
    return _mean(ts.where(abs_error <= delta, quad, lin))


@keras_export("keras.losses")
def log_cosh(y_true, y_pred):
    """Logarithm of the hyperbolic cosine of the error, averaged over the last axis:
    `mean(log(cosh(y_pred - y_true)), axis=-1)`, computed without overflow."""
    y_true, y_pred = _prepare("log_cosh", y_true, y_pred)
    x = y_pred - y_true
    return _mean(x + ts.nn.softplus(x * -2.0) - _LOG2)


# ---------------------------------------------------------------------------
# Probabilistic losses (no logits)
# ---------------------------------------------------------------------------
@keras_export("keras.losses")
def kl_divergence(y_true, y_pred):
    """Kullback-Leibler divergence per sample: `sum(y_true * log(y_true / y_pred), axis=-1)`,
    both clipped to `[epsilon, 1]`."""
    y_true, y_pred = _prepare("kl_divergence", y_true, y_pred)
    eps = _eps()
    y_true = ts.clip_by_value(y_true, eps, 1.0)
    y_pred = ts.clip_by_value(y_pred, eps, 1.0)
    out = y_true * ts.log(y_true / y_pred)
    return out if len(out.shape) == 0 else ts.reduce_sum(out, axis=-1)


@keras_export("keras.losses")
def poisson(y_true, y_pred):
    """Poisson loss per sample: `mean(y_pred - y_true * log(y_pred + epsilon), axis=-1)`."""
    y_true, y_pred = _prepare("poisson", y_true, y_pred)
    return _mean(y_pred - y_true * ts.log(y_pred + _eps()))


# ---------------------------------------------------------------------------
# Hinge losses
# ---------------------------------------------------------------------------
def _hinge_labels(y_true):
    """Binary 0/1 labels become -1/1; other labels are returned unchanged."""
    a = y_true.numpy()
    if a.size and np.all((a == 0) | (a == 1)):
        return y_true * 2.0 - 1.0
    return y_true


@keras_export("keras.losses")
def hinge(y_true, y_pred):
    """Hinge loss per sample: `mean(maximum(1 - y_true * y_pred, 0), axis=-1)`.

    `y_true` should be -1 or 1; binary 0/1 labels are converted to -1/1.
    """
    y_true, y_pred = _prepare("hinge", y_true, y_pred)
    y_true = _hinge_labels(y_true)
    return _mean(ts.maximum(1.0 - y_true * y_pred, 0.0))


@keras_export("keras.losses")
def squared_hinge(y_true, y_pred):
    """Squared hinge loss per sample: `mean(square(maximum(1 - y_true * y_pred, 0)), axis=-1)`.

    `y_true` should be -1 or 1; binary 0/1 labels are converted to -1/1.
    """
    y_true, y_pred = _prepare("squared_hinge", y_true, y_pred)
    y_true = _hinge_labels(y_true)
    return _mean(ts.square(ts.maximum(1.0 - y_true * y_pred, 0.0)))


@keras_export("keras.losses")
def categorical_hinge(y_true, y_pred):
    """Categorical hinge loss per sample: `maximum(neg - pos + 1, 0)` with
    `pos = sum(y_true * y_pred, -1)` and `neg = max((1 - y_true) * y_pred, -1)`.

    `y_true` is one-hot (0/1) or -1/+1 encoded.
    """
    y_true, y_pred = _prepare("categorical_hinge", y_true, y_pred)
    pos = ts.reduce_sum(y_true * y_pred, axis=-1)
    neg = ts.reduce_max((1.0 - y_true) * y_pred, axis=-1)
    return ts.maximum(neg - pos + 1.0, 0.0)


# ---------------------------------------------------------------------------
# Cross-entropies
# ---------------------------------------------------------------------------
def _binary_ce_elementwise(y_true, y_pred, from_logits, fname):
    """Elementwise binary cross-entropy (no reduction)."""
    y_pred, from_logits = _logits_or_none(y_pred, from_logits, "sigmoid", -1, fname)
    if tuple(y_true.shape) != tuple(y_pred.shape):
        y_true = ts.broadcast_to(y_true, tuple(y_pred.shape))
    if from_logits:
        return ts.nn.sigmoid_cross_entropy_with_logits(labels=y_true, logits=y_pred)
    p = _clip_probs(y_pred)
    return -(y_true * ts.log(p) + (1.0 - y_true) * ts.log(1.0 - p))


@keras_export("keras.losses")
def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary cross-entropy, averaged over `axis`.

    Args:
        y_true: 0/1 labels, shape `[batch_size, d0, .. dN]`.
        y_pred: probabilities (or logits with `from_logits=True`), same shape.
        from_logits: whether `y_pred` holds logits (computed with the fused stable op).
        label_smoothing: in [0, 1]: labels become `y * (1 - s) + 0.5 * s`.
        axis: the axis averaged over (default -1).

    Returns:
        Losses of shape `[batch_size, d0, .. dN-1]`.

    Example:
    >>> keras.losses.binary_crossentropy([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])
    array([0.916, 0.714], dtype=float32)
    """
    y_true, y_pred = _prepare("binary_crossentropy", y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    bce = _binary_ce_elementwise(y_true, y_pred, from_logits, "binary_crossentropy")
    return _mean(bce, axis=axis)


@keras_export("keras.losses")
def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=False, alpha=0.25,
                              gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary focal cross-entropy (Lin et al., 2018), averaged over `axis`:
    `focal_factor * bce` with `focal_factor = (1 - p_t) ** gamma` and
    `p_t = y_true * p + (1 - y_true) * (1 - p)`.

    Args:
        apply_class_balancing: also weight class 1 by `alpha` and class 0 by `1 - alpha`.
        alpha: balancing factor for class 1 (default 0.25).
        gamma: focusing parameter (default 2.0; 0 gives plain binary cross-entropy).
        from_logits: whether `y_pred` holds logits.
        label_smoothing: in [0, 1], squeezes labels towards 0.5.
        axis: the axis averaged over (default -1).
    """
    y_true, y_pred = _prepare("binary_focal_crossentropy", y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    z, logits_ok = _logits_or_none(y_pred, from_logits, "sigmoid", -1,
                                   "binary_focal_crossentropy")
    if tuple(y_true.shape) != tuple(y_pred.shape):
        y_true = ts.broadcast_to(y_true, tuple(y_pred.shape))
    if logits_ok:
        bce = ts.nn.sigmoid_cross_entropy_with_logits(labels=y_true, logits=z)
        p = ts.sigmoid(z)
    else:
        p = y_pred
        pc = _clip_probs(p)
        bce = -(y_true * ts.log(pc) + (1.0 - y_true) * ts.log(1.0 - pc))
    p_t = y_true * p + (1.0 - y_true) * (1.0 - p)
    focal = bce if not gamma else ts.pow(ts.maximum(1.0 - p_t, 0.0), float(gamma)) * bce
    if apply_class_balancing:
        weight = y_true * alpha + (1.0 - y_true) * (1.0 - alpha)
        focal = weight * focal
    return _mean(focal, axis=axis)


def _looks_sparse(y_true, y_pred):
    ts_, ps = tuple(y_true.shape), tuple(y_pred.shape)
    return len(ps) >= 1 and ps[-1] > 1 and (ts_ == ps[:-1] or ts_ == ps[:-1] + (1,))


def _categorical_check(fname, y_true, y_pred, sparse_name, sparse_cls):
    if _looks_sparse(y_true, y_pred):
        raise ValueError(
            f"{fname}: y_true of shape {tuple(y_true.shape)} looks like integer class ids "
            f"for y_pred of shape {tuple(y_pred.shape)}: use {sparse_cls} (or {sparse_name}), "
            "or one-hot encode the labels (keras.utils.to_categorical).")
    if len(y_pred.shape) and y_pred.shape[-1] == 1:
        warnings.warn(
            f"In loss {fname}, expected y_pred.shape to be (batch_size, num_classes) with "
            f"num_classes > 1. Received: y_pred.shape={tuple(y_pred.shape)}. Consider using "
            "'binary_crossentropy' if you only have 2 classes.", SyntaxWarning, stacklevel=3)
    _check_broadcast(fname, y_true, y_pred, exact=True)


def _smooth_categorical(y_true, label_smoothing, axis):
    if not label_smoothing:
        return y_true
    num_classes = float(y_true.shape[axis])
    return y_true * (1.0 - label_smoothing) + label_smoothing / num_classes


@keras_export("keras.losses")
def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Categorical cross-entropy between one-hot labels and predictions.

    Args:
        y_true: one-hot (or probability) labels, y_pred's shape.
        y_pred: probabilities (or logits with `from_logits=True`).
        from_logits: whether `y_pred` holds logits (fused stable softmax cross-entropy).
        label_smoothing: in [0, 1]: `0.1` gives `0.1 / num_classes` to non-target
            classes and `0.9 + 0.1 / num_classes` to the target.
        axis: the class axis (default -1).

    Example:
    >>> keras.losses.categorical_crossentropy([[0, 1, 0], [0, 0, 1]],
    ...                                       [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])
    array([0.0513, 2.303], dtype=float32)
    """
    _check_axis("categorical_crossentropy", axis)
    y_pred = _float_pred(y_pred)
    y_true = _cast_like(y_true, y_pred)
    _categorical_check("categorical_crossentropy", y_true, y_pred,
                       "sparse_categorical_crossentropy", "SparseCategoricalCrossentropy")
    y_true = _smooth_categorical(y_true, label_smoothing, axis)
    out, logits = _logits_or_none(y_pred, from_logits, "softmax", axis,
                                  "categorical_crossentropy")
    if logits:
        return ts.nn.softmax_cross_entropy_with_logits(labels=y_true, logits=out, axis=axis)
    p = y_pred / ts.reduce_sum(y_pred, axis=axis, keepdims=True)
    p = _clip_probs(p)
    return -ts.reduce_sum(y_true * ts.log(p), axis=axis)


@keras_export("keras.losses")
def categorical_focal_crossentropy(y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False,
                                   label_smoothing=0.0, axis=-1):
    """Categorical focal cross-entropy: `sum(alpha * (1 - p) ** gamma * -y_true * log(p))`
    over the class axis, with `p` the (normalized, clipped) predicted probabilities.

    Args:
        alpha: weight factor (a number or one per class).
        gamma: focusing parameter (default 2.0).
        from_logits: whether `y_pred` holds logits (softmax is applied first).
        label_smoothing: in [0, 1], as in `categorical_crossentropy`.
        axis: the class axis (default -1).
    """
    _check_axis("categorical_focal_crossentropy", axis)
    y_pred = _float_pred(y_pred)
    y_true = _cast_like(y_true, y_pred)
    _categorical_check("categorical_focal_crossentropy", y_true, y_pred,
                       "sparse_categorical_crossentropy", "SparseCategoricalCrossentropy")
    y_true = _smooth_categorical(y_true, label_smoothing, axis)
    if from_logits:
        y_pred = ts.nn.softmax(y_pred, axis=axis)
    p = y_pred / ts.reduce_sum(y_pred, axis=axis, keepdims=True)
    p = _clip_probs(p)
    cce = -y_true * ts.log(p)
    factor = ts.pow(1.0 - p, float(gamma)) if gamma else ts.ones_like(p)
    if isinstance(alpha, (list, tuple, np.ndarray)) or ts.is_tensor(alpha):
        alpha = _cast_like(alpha, p)
    factor = factor * alpha
    return ts.reduce_sum(factor * cce, axis=axis)


def _integer_labels(fname, y_true):
    """Casts class-id labels to int32, refusing non-integral float values."""
    if y_true.dtype.is_integer:
        return ts.cast(y_true, "int32") if y_true.dtype.name != "int32" else y_true
    if y_true.dtype.is_floating:
        a = y_true.numpy()
        if a.size and not np.all(np.isfinite(a) & (a == np.round(a))):
            bad = a[~(np.isfinite(a) & (a == np.round(a)))].ravel()[0]
            raise ValueError(
                f"{fname}: y_true must hold integer class ids, got the value {bad}. For "
                "probability or one-hot labels use categorical_crossentropy.")
    return ts.cast(y_true, "int32")


def _scce_inputs(y_true, y_pred, ignore_class, axis):
    """Checks and prepares sparse categorical cross-entropy's inputs: returns `(y_pred,
    labels (int32, y_pred's shape minus the class axis), valid (None or the ignore_class
    mask), num_classes)`, raising the errors that name the fix."""
    fname = "sparse_categorical_crossentropy"
    y_pred = _float_pred(y_pred)
    y_true = to_tensor(y_true)
    ps, rank = tuple(y_pred.shape), len(y_pred.shape)
    if rank == 0:
        raise ValueError(f"{fname}: y_pred must have a class dimension (rank >= 1), got a "
                         "scalar.")
    if not (axis == -1 or axis == rank - 1):
        raise ValueError(f"{fname}: only axis=-1 (the last axis) is supported. Received: "
                         f"axis={axis}")
    if tuple(y_true.shape) == ps and ps[-1] > 1:
        raise ValueError(
            f"{fname}: y_true of shape {tuple(y_true.shape)} has y_pred's shape {ps}, so it "
            "looks one-hot: use CategoricalCrossentropy (or categorical_crossentropy), or pass "
            "integer class ids of shape y_pred.shape[:-1].")
    if len(y_true.shape) == rank and y_true.shape[-1] == 1:
        y_true = ts.squeeze(y_true, axis=-1)
    if tuple(y_true.shape) != ps[:-1]:
        raise ValueError(
            f"{fname}: y_true of shape {tuple(y_true.shape)} does not match y_pred of shape "
            f"{ps}: y_true must hold one class id per prediction, with shape {ps[:-1]} "
            f"(or {ps[:-1] + (1,)}).")
    labels = _integer_labels(fname, y_true)
    valid = None
    if ignore_class is not None:
        valid = ts.not_equal(labels, int(ignore_class))
        labels = ts.where(valid, labels, ts.zeros_like(labels))
    num_classes = ps[-1]
    la = labels.numpy()
    if la.size and (la.min() < 0 or la.max() >= num_classes):
        bad = int(la.min()) if la.min() < 0 else int(la.max())
        hint = "" if ignore_class is not None else (
            f" If {bad} marks entries to skip, pass ignore_class={bad}.")
        raise ValueError(
            f"{fname}: received a label value of {bad}, which is outside the valid range "
            f"[0, {num_classes}) for y_pred of shape {ps}.{hint}")
    return y_pred, labels, valid, num_classes


def sparse_categorical_crossentropy_mean(y_true, y_pred, from_logits=False, ignore_class=None,
                                         axis=-1):
    """The mean of `sparse_categorical_crossentropy(...)` over all entries as one fused
    op, or None where that op does not apply (an `ignore_class` mask, another axis, or
    y_pred neither logits nor from a softmax whose logits are known): the loss classes'
    plain mean reduction without weights or masks uses it (`FUSED_MEANS`)."""
    if ignore_class is not None or axis != -1:
        return None
    y_pred, labels, _, _ = _scce_inputs(y_true, y_pred, None, -1)
    out, logits = _logits_or_none(y_pred, from_logits, "softmax", -1,
                                  "sparse_categorical_crossentropy")
    if not logits:
        return None
    return _fused_scce_mean(labels, out)


@keras_export("keras.losses")
def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None,
                                    axis=-1):
    """Cross-entropy between integer class ids and predicted class probabilities.

    Args:
        y_true: class ids (int or integral floats), shape `[batch_size, d0, .. dN]`
            (or with a trailing 1).
        y_pred: probabilities (or logits with `from_logits=True`), shape
            `[batch_size, d0, .. dN, num_classes]`.
        from_logits: whether `y_pred` holds logits (fused stable op).
        ignore_class: optional class id (e.g. -1 or 255, a "void" class) whose entries
            get a zero loss and are masked out of the mean.
        axis: the class axis; only the last axis (-1) is supported.

    Example:
    >>> keras.losses.sparse_categorical_crossentropy([1, 2], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])
    array([0.0513, 2.303], dtype=float32)
    """
    y_pred, labels, valid, num_classes = _scce_inputs(y_true, y_pred, ignore_class, axis)
    fname = "sparse_categorical_crossentropy"
    out, logits = _logits_or_none(y_pred, from_logits, "softmax", -1, fname)
    if logits:
        res = ts.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=out)
    else:
        p = y_pred / ts.reduce_sum(y_pred, axis=-1, keepdims=True)
        p = _clip_probs(p)
        onehot = ts.one_hot(labels, num_classes, dtype=y_pred.dtype)
        res = -ts.reduce_sum(onehot * ts.log(p), axis=-1)
    if valid is not None:
        res = ts.where(valid, res, ts.zeros_like(res))
        _set_attr(res, "_keras_mask", valid)
    return res


# per-sample loss function -> the fused op computing its plain mean (see Loss._fused_mean)
FUSED_MEANS = {sparse_categorical_crossentropy: sparse_categorical_crossentropy_mean}


# ---------------------------------------------------------------------------
# Segmentation losses
# ---------------------------------------------------------------------------
@keras_export("keras.losses")
def dice(y_true, y_pred, axis=None):
    """Dice loss: `1 - 2 * sum(y_true * y_pred) / (sum(y_true) + sum(y_pred) + epsilon)`
    over `axis` (default: all axes)."""
    y_pred = _float_pred(y_pred)
    y_true = _cast_like(y_true, y_pred)
    inter = ts.reduce_sum(y_true * y_pred, axis=axis)
    denom = ts.reduce_sum(y_true, axis=axis) + ts.reduce_sum(y_pred, axis=axis) + _eps()
    return 1.0 - (inter * 2.0) / denom


@keras_export("keras.losses")
def tversky(y_true, y_pred, alpha=0.5, beta=0.5, axis=None):
    """Tversky loss: `1 - TP / (TP + alpha * FP + beta * FN + epsilon)` over `axis`;
    `alpha = beta = 0.5` gives the Dice loss."""
    y_pred = _float_pred(y_pred)
    y_true = _cast_like(y_true, y_pred)
    tp = ts.reduce_sum(y_true * y_pred, axis=axis)
    fp = ts.reduce_sum((1.0 - y_pred) * y_true, axis=axis)
    fn = ts.reduce_sum(y_pred * (1.0 - y_true), axis=axis)
    return 1.0 - tp / (tp + fp * float(alpha) + fn * float(beta) + _eps())

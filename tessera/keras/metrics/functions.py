"""Per-sample metric functions on NumPy arrays, and the public accuracy functions.

The `np_*` functions take array-likes and return NumPy arrays of per-sample (or
per-element) values; the metric classes wrap them. The loss formulas here are the
metrics' own NumPy versions (not differentiable): `keras.losses` holds the
differentiable ones. The public functions (`binary_accuracy`, ...) return Tensors.
"""
import numpy as np

from ...core.tensor import convert_to_tensor
from ..config import epsilon, floatx
from ..saving.object_registration import keras_export
from .metric import squeeze_or_expand_to_same_rank, to_numpy

__all__ = ["binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
           "top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy"]


def _float(x):
    a = to_numpy(x)
    return a if a.dtype.kind == "f" else a.astype(floatx())


def _pair(y_true, y_pred):
    y_pred = _float(y_pred)
    y_true = to_numpy(y_true, y_pred.dtype)
    return squeeze_or_expand_to_same_rank(y_true, y_pred)


def in_top_k(targets, predictions, k):
    """True where `predictions[i, targets[i]]` is among the `k` largest of row i.

    Ties at the k-th place count as in the top k (as `tf.math.in_top_k`); non-finite
    scores and out-of-range targets are never in it.
    """
    predictions = np.asarray(predictions)
    targets = np.asarray(targets).astype(np.int64).reshape(-1)
    n, c = predictions.shape
    valid = (targets >= 0) & (targets < c)
    t = np.where(valid, targets, 0)
    score = predictions[np.arange(n), t]
    higher = np.sum(predictions > score[:, None], axis=-1)
    return valid & np.isfinite(score) & (higher < k)


# -- accuracy ------------------------------------------------------------------------------
def np_accuracy(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    return (y_true == y_pred).astype(floatx())


def np_binary_accuracy(y_true, y_pred, threshold=0.5):
    y_true, y_pred = _pair(y_true, y_pred)
    y_pred = (y_pred > np.asarray(threshold, y_pred.dtype)).astype(y_true.dtype)
    return (y_true == y_pred).astype(floatx())


def np_categorical_accuracy(y_true, y_pred):
    y_true = np.argmax(to_numpy(y_true), axis=-1)
    y_pred = to_numpy(y_pred)
    org_shape = y_true.shape
    reshape = False
    if y_true.ndim == y_pred.ndim:
        y_true = np.squeeze(y_true, -1)
        reshape = True
    matches = (y_true == np.argmax(y_pred, axis=-1)).astype(floatx())
    return matches.reshape(org_shape) if reshape else matches


def np_sparse_categorical_accuracy(y_true, y_pred):
    y_pred = to_numpy(y_pred)
    y_true = to_numpy(y_true)
    org_shape = y_true.shape
    reshape = False
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = np.squeeze(y_true, -1)
        reshape = True
    pred = np.argmax(y_pred, axis=-1).astype(y_true.dtype)
    matches = (y_true == pred).astype(floatx())
    if reshape:
        matches = matches.reshape(org_shape)
    if matches.ndim > 1 and matches.shape[-1] == 1:
        matches = np.squeeze(matches, -1)
    return matches


def _check_k(k, name):
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or k < 1:
        raise ValueError(f"{name}: `k` must be a positive integer; received k={k!r}.")


def np_top_k_categorical_accuracy(y_true, y_pred, k=5):
    _check_k(k, "top_k_categorical_accuracy")
    y_pred = _float(y_pred)
    y_true = np.argmax(to_numpy(y_true), axis=-1)
    org_shape = y_true.shape
    if y_pred.ndim > 2:
        y_pred = y_pred.reshape(-1, y_pred.shape[-1])
    if y_pred.ndim == 1:
        y_pred = y_pred[None]
    matches = in_top_k(y_true.reshape(-1), y_pred, k).astype(floatx())
    return matches.reshape(org_shape) if y_true.ndim > 1 else matches.reshape(org_shape or (1,))


def np_sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    _check_k(k, "sparse_top_k_categorical_accuracy")
    y_pred = to_numpy(y_pred)
    y_true = to_numpy(y_true)
    org_shape = y_true.shape
    if y_pred.ndim > 2:
        y_pred = y_pred.reshape(-1, y_pred.shape[-1])
    flat = y_true.reshape(-1)
    if from_sorted_ids:
        matches = np.any(flat[:, None] == y_pred[:, :k], axis=1)
    else:
        matches = in_top_k(flat, y_pred.astype(floatx()) if y_pred.dtype.kind != "f" else y_pred, k)
    matches = matches.astype(floatx())
    return matches.reshape(org_shape) if y_true.ndim > 1 else matches


# -- regression ----------------------------------------------------------------------------
def np_mean_squared_error(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    return np.mean(np.square(y_true - y_pred), axis=-1)


def np_mean_absolute_error(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    return np.mean(np.abs(y_true - y_pred), axis=-1)


def np_mean_absolute_percentage_error(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    eps = np.asarray(epsilon(), y_pred.dtype)
    diff = np.abs((y_true - y_pred) / np.maximum(np.abs(y_true), eps))
    return 100.0 * np.mean(diff, axis=-1)


def np_mean_squared_logarithmic_error(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    eps = np.asarray(epsilon(), y_pred.dtype)
    first = np.log(np.maximum(y_pred, eps) + 1.0)
    second = np.log(np.maximum(y_true, eps) + 1.0)
    return np.mean(np.square(first - second), axis=-1)


def _l2_normalize(x, axis):
    sq = np.sum(np.square(x), axis=axis, keepdims=True)
    return x / np.sqrt(np.maximum(sq, epsilon()))


def np_cosine_similarity(y_true, y_pred, axis=-1):
    y_true, y_pred = _pair(y_true, y_pred)
    return np.sum(_l2_normalize(y_true, axis) * _l2_normalize(y_pred, axis), axis=axis)


def np_log_cosh(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    x = y_pred - y_true
    return np.mean(x + np.logaddexp(0.0, -2.0 * x) - np.log(2.0), axis=-1).astype(y_pred.dtype)


# -- probabilistic -------------------------------------------------------------------------
def np_binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    y_true, y_pred = _pair(y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        x = y_pred
        bce = np.maximum(x, 0) - x * y_true + np.log1p(np.exp(-np.abs(x)))
    else:
        eps = epsilon()
        p = np.clip(y_pred, eps, 1.0 - eps)
        bce = -(y_true * np.log(p) + (1.0 - y_true) * np.log(1.0 - p))
    return np.mean(bce, axis=axis).astype(y_pred.dtype)


def _log_probs(y_pred, from_logits, axis):
    if from_logits:
        m = np.max(y_pred, axis=axis, keepdims=True)
        z = y_pred - m
        return z - np.log(np.sum(np.exp(z), axis=axis, keepdims=True))
    eps = epsilon()
    p = y_pred / np.sum(y_pred, axis=axis, keepdims=True)
    return np.log(np.clip(p, eps, 1.0 - eps))


def np_categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    y_pred = _float(y_pred)
    y_true = to_numpy(y_true, y_pred.dtype)
    if y_true.shape != y_pred.shape:
        raise ValueError(
            "categorical_crossentropy: y_true and y_pred must have the same shape (one-hot "
            f"targets); received y_true.shape={y_true.shape}, y_pred.shape={y_pred.shape}. "
            "For integer targets use SparseCategoricalCrossentropy.")
    if label_smoothing:
        n = y_pred.shape[axis]
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / n
    return (-np.sum(y_true * _log_probs(y_pred, from_logits, axis), axis=axis)).astype(y_pred.dtype)


def np_sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, axis=-1):
    y_pred = _float(y_pred)
    y_true = to_numpy(y_true)
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = np.squeeze(y_true, -1)
    if axis not in (-1, y_pred.ndim - 1):
        y_pred = np.moveaxis(y_pred, axis, -1)
    if y_true.shape != y_pred.shape[:-1]:
        raise ValueError(
            "sparse_categorical_crossentropy: y_true must hold one integer class per sample; "
            f"received y_true.shape={to_numpy(y_true).shape} for y_pred.shape={y_pred.shape}.")
    logp = _log_probs(y_pred, from_logits, -1)
    idx = y_true.astype(np.int64)
    c = y_pred.shape[-1]
    if np.any((idx < 0) | (idx >= c)):
        raise ValueError(f"sparse_categorical_crossentropy: labels must be in [0, {c}); "
                         f"received values from {idx.min()} to {idx.max()}.")
    return (-np.take_along_axis(logp, idx[..., None], axis=-1)[..., 0]).astype(y_pred.dtype)


def np_kl_divergence(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    eps = epsilon()
    t = np.clip(y_true, eps, 1.0)
    p = np.clip(y_pred, eps, 1.0)
    return np.sum(t * np.log(t / p), axis=-1)


def np_poisson(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    return np.mean(y_pred - y_true * np.log(y_pred + epsilon()), axis=-1)


# -- hinge ---------------------------------------------------------------------------------
def _hinge_labels(y_true):
    if np.all((y_true == 0) | (y_true == 1)):
        return 2.0 * y_true - 1.0
    return y_true


def np_hinge(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    y_true = _hinge_labels(y_true)
    return np.mean(np.maximum(1.0 - y_true * y_pred, 0.0), axis=-1)


def np_squared_hinge(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    y_true = _hinge_labels(y_true)
    return np.mean(np.square(np.maximum(1.0 - y_true * y_pred, 0.0)), axis=-1)


def np_categorical_hinge(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    pos = np.sum(y_true * y_pred, axis=-1)
    neg = np.max((1.0 - y_true) * y_pred, axis=-1)
    return np.maximum(neg - pos + 1.0, 0.0)


# -- public accuracy functions -------------------------------------------------------------
@keras_export("keras.metrics")
def binary_accuracy(y_true, y_pred, threshold=0.5):
    """Element-wise 1.0 where `y_true == (y_pred > threshold)`, else 0.0.

    Example:
    >>> keras.metrics.binary_accuracy([[1], [0]], [[0.6], [0.7]])
    array([1., 0.], dtype=float32)
    """
    return convert_to_tensor(np_binary_accuracy(y_true, y_pred, threshold))


@keras_export("keras.metrics")
def categorical_accuracy(y_true, y_pred):
    """1.0 per sample where the argmax of one-hot `y_true` equals the argmax of `y_pred`.

    Example:
    >>> keras.metrics.categorical_accuracy([[0, 0, 1], [0, 1, 0]],
    ...                                    [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
    array([0., 1.], dtype=float32)
    """
    return convert_to_tensor(np_categorical_accuracy(y_true, y_pred))


@keras_export("keras.metrics")
def sparse_categorical_accuracy(y_true, y_pred):
    """1.0 per sample where the integer label `y_true` equals the argmax of `y_pred`.

    Example:
    >>> keras.metrics.sparse_categorical_accuracy([2, 1], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]])
    array([0., 1.], dtype=float32)
    """
    return convert_to_tensor(np_sparse_categorical_accuracy(y_true, y_pred))


@keras_export("keras.metrics")
def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1.0 per sample where the one-hot target is among the `k` highest predictions.

    Example:
    >>> keras.metrics.top_k_categorical_accuracy([[0, 0, 1], [0, 1, 0]],
    ...                                          [[0.1, 0.9, 0.8], [0.05, 0.95, 0]], k=1)
    array([0., 1.], dtype=float32)
    """
    return convert_to_tensor(np_top_k_categorical_accuracy(y_true, y_pred, k))


@keras_export("keras.metrics")
def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    """1.0 per sample where the integer target is among the `k` highest predictions.

    With `from_sorted_ids=True`, `y_pred` holds class ids sorted by decreasing score
    and the target is looked for among its first `k` entries.

    Example:
    >>> keras.metrics.sparse_top_k_categorical_accuracy([2, 1], [[0.1, 0.9, 0.8],
    ...                                                  [0.05, 0.95, 0]], k=1)
    array([0., 1.], dtype=float32)
    """
    return convert_to_tensor(np_sparse_top_k_categorical_accuracy(y_true, y_pred, k,
                                                                  from_sorted_ids))


FUNCTIONS = {f.__name__: f for f in (binary_accuracy, categorical_accuracy,
                                      sparse_categorical_accuracy, top_k_categorical_accuracy,
                                      sparse_top_k_categorical_accuracy)}

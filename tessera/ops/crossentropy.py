"""Cross-entropy losses of `ts.nn` as fused primitives with numerically stable forwards:
sigmoid, softmax and sparse softmax cross-entropy with logits, the weighted sigmoid form,
log-Poisson, and the private fused sparse cross-entropy mean that Keras's loss uses (with
a compiled forward where the kernels are available). Their gradients are written with
Tessera ops (second derivatives work), or on arrays where no tape records the backward.
"""
import ctypes
import math as _math

import numpy as np

from ..backend import native as _native
from ..backend import xp as _xp
from ..core import primitive as _prim
from ._common import REAL_FLOAT, Primitive, Tensor, _wrap, t, xp_of
from .array import reshape, where
from .creation import ones_like, zeros_like
from .math import (add, divide, exp, greater_equal, less_equal, log, logical_and, multiply,
                   negative, sigmoid, subtract)
from .nn import _class_axis, _err, _log_softmax, _log_softmax_fwd, _softmax, _softplus
from .reduce import reduce_sum

def _labels_logits(opname, labels, logits, same_shape=True):
    x = t(logits)
    if x._a.dtype.kind not in REAL_FLOAT:
        raise _err(opname, f"{opname}: logits must be floating-point, got {x.dtype.name} "
                           f"(shape {tuple(x._a.shape)}). Cast them: ts.cast(logits, ts.float32).")
    z = labels if isinstance(labels, Tensor) else t(labels, x.dtype)
    if z._a.dtype != x._a.dtype:
        raise _err(opname, f"{opname}: labels are {z.dtype.name} but logits are {x.dtype.name}; "
                           f"cast the labels: ts.cast(labels, ts.{x.dtype.name}).")
    if same_shape and tuple(z._a.shape) != tuple(x._a.shape):
        raise _err(opname, f"{opname}: labels and logits must have the same shape, got "
                           f"labels {tuple(z._a.shape)} and logits {tuple(x._a.shape)}.")
    return z, x


def _sigmoid_ce_fwd(z, x):
    return np.maximum(x, 0) - x * z + np.log1p(np.exp(-np.abs(x)))


_sigmoid_ce = Primitive("SigmoidCrossEntropyWithLogits")
_sigmoid_ce._fwd = _sigmoid_ce_fwd
_sigmoid_ce._grad = lambda g, out, z, x: (multiply(g, negative(x)),
                                          multiply(g, subtract(sigmoid(x), z)))


def sigmoid_cross_entropy_with_logits(labels=None, logits=None, name=None):
    """Elementwise logistic loss `-z*log(sigmoid(x)) - (1-z)*log(1-sigmoid(x))` for
    labels `z` and logits `x`, computed stably as `max(x, 0) - x*z + log(1 + exp(-|x|))`.

    Args:
        labels: tensor of the logits' shape and dtype, values in [0, 1].
        logits: float tensor.

    Returns:
        The per-element losses, with the logits' shape.
    """
    if labels is None or logits is None:
        raise _err("SigmoidCrossEntropyWithLogits",
                   "sigmoid_cross_entropy_with_logits: both labels= and logits= are required.")
    z, x = _labels_logits("sigmoid_cross_entropy_with_logits", labels, logits)
    return _sigmoid_ce(z, x)


def _weighted_ce_fwd(z, x, pw):
    log_weight = 1 + (pw - 1) * z
    return (1 - z) * x + log_weight * (np.log1p(np.exp(-np.abs(x))) + np.maximum(-x, 0))


def _weighted_ce_grad(g, out, z, x, pw):
    sp = _softplus(negative(x))
    log_weight = add(multiply(subtract(pw, 1), z), 1)
    dx = subtract(subtract(1, z), multiply(log_weight, sigmoid(negative(x))))
    dz = add(negative(x), multiply(subtract(pw, 1), sp))
    return multiply(g, dz), multiply(g, dx), multiply(g, multiply(z, sp))


_weighted_ce = Primitive("WeightedCrossEntropyWithLogits")
_weighted_ce._fwd = _weighted_ce_fwd
_weighted_ce._grad = _weighted_ce_grad


def weighted_cross_entropy_with_logits(labels, logits, pos_weight, name=None):
    """Sigmoid cross-entropy with the positive term weighted by `pos_weight`:
    `pos_weight * z * -log(sigmoid(x)) + (1 - z) * -log(1 - sigmoid(x))`, stable.

    Args:
        labels: tensor of the logits' shape and dtype.
        logits: float tensor.
        pos_weight: a number or tensor broadcastable to the logits (e.g. per class).
    """
    z, x = _labels_logits("weighted_cross_entropy_with_logits", labels, logits)
    pw = pos_weight if isinstance(pos_weight, Tensor) else t(pos_weight, x.dtype)
    if pw._a.dtype != x._a.dtype:
        raise _err("WeightedCrossEntropyWithLogits",
                   f"weighted_cross_entropy_with_logits: pos_weight is {pw.dtype.name} but "
                   f"logits are {x.dtype.name}; cast it: ts.cast(pos_weight, ts.{x.dtype.name}).")
    try:
        ok = np.broadcast_shapes(pw._a.shape, x._a.shape) == tuple(x._a.shape)
    except ValueError:
        ok = False
    if not ok:
        raise _err("WeightedCrossEntropyWithLogits",
                   f"weighted_cross_entropy_with_logits: pos_weight of shape "
                   f"{tuple(pw._a.shape)} does not broadcast to the logits' shape "
                   f"{tuple(x._a.shape)}.")
    return _weighted_ce(z, x, pw)


def _softmax_ce_fwd(z, x, axis=-1):
    return -(z * _log_softmax_fwd(x, axis)).sum(axis=axis)


def _softmax_ce_grad(g, out, z, x, axis=-1):
    ge = reshape(g, [1 if i == axis else d for i, d in enumerate(x._a.shape)])
    total = reduce_sum(z, axis=axis, keepdims=True)     # 1 for proper distributions
    dx = subtract(multiply(_softmax(x, axis=axis), total), z)
    return multiply(ge, negative(_log_softmax(x, axis=axis))), multiply(ge, dx)


_softmax_ce = Primitive("SoftmaxCrossEntropyWithLogits")
_softmax_ce._fwd = _softmax_ce_fwd
_softmax_ce._grad = _softmax_ce_grad


def softmax_cross_entropy_with_logits(labels, logits, axis=-1, name=None):
    """Cross-entropy between a distribution `labels` and `softmax(logits)` along `axis`:
    `-reduce_sum(labels * log_softmax(logits), axis)`, computed stably (one fused op).

    Args:
        labels: tensor of the logits' shape; each vector along `axis` a probability
            distribution (e.g. one-hot). Gradients flow into labels too.
        logits: float tensor of unscaled log-probabilities.
        axis: the class dimension (default -1).

    Returns:
        The losses, with the logits' shape minus `axis`.
    """
    z, x = _labels_logits("softmax_cross_entropy_with_logits", labels, logits)
    ax = _class_axis(x, axis, "softmax_cross_entropy_with_logits")
    return _softmax_ce(z, x, axis=ax)


def _sparse_ce_fwd(labels, x):
    s = x - x.max(axis=-1, keepdims=True)
    lse = np.log(np.exp(s).sum(axis=-1))
    picked = xp_of(x).take_along_axis(s, labels[..., None].astype(np.intp), axis=-1)[..., 0]
    return lse - picked


def _sparse_ce_mean_fwd(labels, x, _ctx=None):
    """The mean over all entries of `_sparse_ce_fwd` (the same values: the sum divided by
    the count); keeps `softmax(x)` for the backward when a tape records."""
    if x.dtype == np.float32 and labels.dtype == np.int32 and type(x) is np.ndarray \
            and x.ndim >= 1 and x.shape[-1] and x.flags.c_contiguous \
            and labels.flags.c_contiguous and _native.lib() is not None:
        p = np.empty_like(x)
        k = _native.kernel("tessera_sparse_ce_mean_f32", _SCE_ARGS, ctypes.c_double)
        out = k(x.ctypes.data, labels.ctypes.data, p.ctypes.data, labels.size, x.shape[-1])
        if _ctx is not None:
            _ctx["p"] = p
        return np.asarray(out, dtype=np.float32)
    xp = xp_of(x)
    s = x - x.max(axis=-1, keepdims=True)
    e = xp.exp(s)
    tot = e.sum(axis=-1, keepdims=True)
    picked = xp.take_along_axis(s, labels[..., None].astype(np.intp), axis=-1)[..., 0]
    losses = xp.log(tot[..., 0]) - picked
    n = losses.size
    out = xp.sum(losses, dtype=x.dtype)
    out = out / x.dtype.type(n) if n else out * x.dtype.type(0)
    if _ctx is not None:
        _ctx["p"] = xp.divide(e, tot, out=e)
    return xp.asarray(out, dtype=x.dtype)


def _sparse_ce_mean_grad(g, out, labels, x, _ctx=None):
    n = max(1, int(np.prod(labels._a.shape)))
    p = _ctx.get("p") if _ctx is not None else None
    if p is not None and not _prim.recording():
        # on arrays: (softmax - onehot) * g / n
        xp = xp_of(p)
        d = p.copy()
        flat = d.reshape(-1, d.shape[-1])
        flat[xp.arange(flat.shape[0]), labels._a.reshape(-1).astype(np.intp)] -= 1
        d *= g._a / x._a.dtype.type(n)
        return None, _wrap(d)
    oh = _one_hot(labels, depth=x._a.shape[-1], dtype=x._a.dtype)
    return None, multiply(subtract(_softmax(x, axis=x._a.ndim - 1), oh), divide(g, float(n)))


_SCE_ARGS = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_ssize_t,
             ctypes.c_ssize_t]
_sparse_ce_mean = Primitive("SparseSoftmaxCrossEntropyMean", register=False)
_sparse_ce_mean._fwd = _sparse_ce_mean_fwd
_sparse_ce_mean._grad = _sparse_ce_mean_grad


def sparse_softmax_cross_entropy_mean(labels, logits):
    """`reduce_mean(sparse_softmax_cross_entropy_with_logits(labels, logits))` as one op
    with an array backward (Keras's sparse categorical loss uses it). `labels` must be
    already checked: integer, in range, of shape `logits.shape[:-1]`."""
    return _sparse_ce_mean(t(labels), t(logits), _ctx={} if _prim.TAPES else None)


def _one_hot_fwd(labels, depth=1, dtype=np.float32):
    xp = xp_of(labels)
    return (labels[..., None] == xp.arange(depth)).astype(dtype)


_one_hot = Primitive("OneHot", differentiable=False, register=False)   # private helper
_one_hot._fwd = _one_hot_fwd


def _sparse_ce_grad(g, out, labels, x):
    depth = x._a.shape[-1]
    oh = _one_hot(labels, depth=depth, dtype=x._a.dtype)
    ge = reshape(g, tuple(g._a.shape) + (1,))
    return None, multiply(ge, subtract(_softmax(x, axis=x._a.ndim - 1), oh))


_sparse_ce = Primitive("SparseSoftmaxCrossEntropyWithLogits")
_sparse_ce._fwd = _sparse_ce_fwd
_sparse_ce._grad = _sparse_ce_grad


def sparse_softmax_cross_entropy_with_logits(labels, logits, name=None):
    """Cross-entropy between integer class `labels` and `softmax(logits)`:
    `logsumexp(logits, -1) - logits[..., label]`, computed stably (one fused op).

    Args:
        labels: int tensor of shape `logits.shape[:-1]`, values in `[0, num_classes)`.
        logits: float tensor of shape `[..., num_classes]`.

    Returns:
        The losses, with the labels' shape.

    Example:
    >>> loss = ts.nn.sparse_softmax_cross_entropy_with_logits(
    ...     labels=ts.constant([0, 2]), logits=ts.zeros([2, 3]))   # log(3) each
    """
    op = "SparseSoftmaxCrossEntropyWithLogits"
    x = t(logits)
    if x._a.dtype.kind not in REAL_FLOAT:
        raise _err(op, f"sparse_softmax_cross_entropy_with_logits: logits must be floating-point, "
                       f"got {x.dtype.name}. Cast them: ts.cast(logits, ts.float32).")
    z = t(labels)
    ls, xs = tuple(z._a.shape), tuple(x._a.shape)
    if z._a.dtype.kind not in "iu":
        hint = (" They have the logits' shape: for one-hot or probability labels use "
                "ts.nn.softmax_cross_entropy_with_logits (or ts.argmax(labels, -1) first)."
                if ls == xs else " Cast them: ts.cast(labels, ts.int32).")
        raise _err(op, f"sparse_softmax_cross_entropy_with_logits: labels must be integer class "
                       f"indices, got {z.dtype.name} of shape {ls}.{hint}")
    if x._a.ndim == 0:
        raise _err(op, "sparse_softmax_cross_entropy_with_logits: logits must have rank >= 1 "
                       "(a class dimension), got a scalar.")
    if ls != xs[:-1]:
        hint = (" labels have the logits' shape, like one-hot labels: use "
                "ts.nn.softmax_cross_entropy_with_logits for those, or pass class indices "
                "(ts.argmax(labels, axis=-1))." if ls == xs else
                " labels must have shape logits.shape[:-1].")
        raise _err(op, f"sparse_softmax_cross_entropy_with_logits: labels of shape {ls} do not "
                       f"match logits of shape {xs}:{hint}")
    depth = xs[-1]
    if z._a.size:
        la = _xp.to_numpy(z._a)
        lo, hi = int(la.min()), int(la.max())
        if lo < 0 or hi >= depth:
            bad = lo if lo < 0 else hi
            raise _err(op, f"sparse_softmax_cross_entropy_with_logits: received a label value "
                           f"of {bad}, which is outside the valid range of [0, {depth}) for "
                           f"logits of shape {xs}.")
    return _sparse_ce(z, x)


def log_poisson_loss(targets, log_input, compute_full_loss=False, name=None):
    """Poisson negative log-likelihood from log-rates: `exp(c) - z * c` for
    `c = log_input`, `z = targets`. With `compute_full_loss=True`, adds Stirling's
    approximation of `log(z!)`, `z*log(z) - z + 0.5*log(2*pi*z)`, for targets > 1.
    """
    z, c = _labels_logits("log_poisson_loss", targets, log_input)
    loss = subtract(exp(c), multiply(c, z))
    if compute_full_loss:
        small = logical_and(greater_equal(z, 0), less_equal(z, 1))
        zs = where(small, ones_like(z), z)
        stirling = add(subtract(multiply(zs, log(zs)), zs),
                       multiply(log(multiply(zs, 2 * _math.pi)), 0.5))
        loss = add(loss, where(small, zeros_like(z), stirling))
    return loss


__api__ = {
    "nn": ["sigmoid_cross_entropy_with_logits", "softmax_cross_entropy_with_logits",
           "sparse_softmax_cross_entropy_with_logits", "weighted_cross_entropy_with_logits",
           "log_poisson_loss"],
}

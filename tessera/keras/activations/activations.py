"""The activation functions of `keras.activations`, built on `ts.nn` / `ts.math` ops.

`softmax` and `sigmoid` attach their input to the output as `_keras_logits`, so that
cross-entropy losses can use the fused, numerically stable logits path.
"""
import weakref

import tessera as ts

from .. import config as _config
from ..saving.object_registration import keras_export

__all__ = ["relu", "relu6", "leaky_relu", "elu", "selu", "celu", "gelu", "glu", "silu", "swish",
           "hard_silu", "hard_swish", "mish", "sigmoid", "hard_sigmoid", "sparse_sigmoid",
           "log_sigmoid", "softmax", "log_softmax", "softplus", "softsign", "sparse_plus",
           "squareplus", "tanh", "hard_tanh", "tanh_shrink", "soft_shrink", "hard_shrink",
           "threshold", "exponential", "linear", "crelu"]


def _tensor(x):
    """Converts `x` to a Tensor (Variables are read)."""
    return ts.convert_to_tensor(x)


def _float(x):
    """Converts `x` to a floating Tensor (integer inputs are cast to floatx)."""
    x = _tensor(x)
    if not x.dtype.is_floating:
        x = ts.cast(x, _config.floatx())
    return x


# id(output) -> (weakref(output), logits, kind, axis): what produced an attached
# `_keras_logits`, so a loss can trust it without recomputing (see losses/functions.py).
ACTIVATED = {}


def _attach_logits(out, x, kind, axis=-1):
    try:
        out._keras_logits = x
    except AttributeError:   # a Tensor without the `_keras_logits` slot
        return out
    key = id(out)
    try:
        ACTIVATED[key] = (weakref.ref(out, lambda _r, key=key: ACTIVATED.pop(key, None)),
                          x, kind, axis)
    except TypeError:
        pass
    return out


@keras_export("keras.activations")
def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """Rectified linear unit: `max(x, 0)` by default.

    Args:
        x: input tensor.
        negative_slope: slope for values below `threshold` (default 0).
        max_value: the largest value returned (saturation), or None.
        threshold: values below it are damped (or set to zero).

    Example:
    >>> keras.activations.relu([-10., -5., 0., 5., 10.], negative_slope=0.5)
    [-5., -2.5, 0., 5., 10.]
    """
    x = _tensor(x)
    negative_slope = float(negative_slope)
    threshold = float(threshold)
    if negative_slope != 0.0:
        x = _float(x)
        if max_value is None and threshold == 0.0:
            return ts.nn.leaky_relu(x, alpha=negative_slope)
        negative_part = ts.nn.relu(-x + threshold) if threshold != 0.0 else ts.nn.relu(-x)
    clip_max = max_value is not None
    if threshold != 0.0:
        x = _float(x)
        out = x * ts.cast(ts.greater(x, threshold), x.dtype)
    elif max_value is not None and float(max_value) == 6.0:
        out = ts.nn.relu6(x)
        clip_max = False
    else:
        out = ts.nn.relu(x)
    if clip_max:
        out = ts.clip_by_value(out, 0.0, float(max_value))
    if negative_slope != 0.0:
        out = out - negative_part * negative_slope
    return out


@keras_export("keras.activations")
def relu6(x):
    """ReLU capped at 6: `min(max(x, 0), 6)`."""
    return ts.nn.relu6(_tensor(x))


@keras_export("keras.activations")
def leaky_relu(x, negative_slope=0.2):
    """Leaky ReLU: `x` if `x > 0`, else `negative_slope * x`.

    Args:
        negative_slope: slope for negative inputs (default 0.2).
    """
    return ts.nn.leaky_relu(_float(x), alpha=float(negative_slope))


@keras_export("keras.activations")
def elu(x, alpha=1.0):
    """Exponential linear unit: `x` if `x > 0`, else `alpha * (exp(x) - 1)`.

    Args:
        alpha: scale of the negative part (default 1.0).
    """
    x = _float(x)
    if float(alpha) == 1.0:
        return ts.nn.elu(x)
    return ts.where(x > 0, x, ts.math.expm1(ts.minimum(x, 0.0)) * float(alpha))


@keras_export("keras.activations")
def selu(x):
    """Scaled exponential linear unit: `scale * x` if `x > 0`, else
    `scale * alpha * (exp(x) - 1)`, with `alpha=1.67326324` and `scale=1.05070098`.
    Use with the `lecun_normal` initializer."""
    return ts.nn.selu(_float(x))


@keras_export("keras.activations")
def celu(x, alpha=1.0):
    """Continuously differentiable ELU: `max(0, x) + min(0, alpha * (exp(x / alpha) - 1))`.

    Args:
        alpha: the negative saturation value's scale (default 1.0).
    """
    x = _float(x)
    alpha = float(alpha)
    neg = ts.math.expm1(ts.minimum(x, 0.0) / alpha) * alpha
    return ts.nn.relu(x) + ts.minimum(neg, 0.0)


@keras_export("keras.activations")
def gelu(x, approximate=False):
    """Gaussian error linear unit: `x * P(X <= x)` for `X ~ N(0, 1)`, i.e.
    `0.5 * x * (1 + erf(x / sqrt(2)))`; `approximate=True` uses the tanh form."""
    return ts.nn.gelu(_float(x), approximate=bool(approximate))


@keras_export("keras.activations")
def glu(x, axis=-1):
    """Gated linear unit: splits `x` in two halves `a, b` along `axis` and returns
    `a * sigmoid(b)`.

    Args:
        axis: the axis split in two (its size must be even).
    """
    x = _float(x)
    size = x.shape[axis]
    if size % 2:
        raise ValueError(f"glu: the size of axis {axis} must be even, got an input of shape "
                         f"{tuple(x.shape)}.")
    a, b = ts.split(x, 2, axis=axis)
    return a * ts.sigmoid(b)


@keras_export("keras.activations")
def silu(x):
    """Swish / SiLU: `x * sigmoid(x)`."""
    return ts.nn.silu(_float(x))


swish = silu


@keras_export("keras.activations")
def hard_silu(x):
    """Hard SiLU / hard swish: `x * relu6(x + 3) / 6` (0 below -3, `x` above 3)."""
    x = _float(x)
    return x * hard_sigmoid(x)


hard_swish = hard_silu


@keras_export("keras.activations")
def mish(x):
    """Mish: `x * tanh(softplus(x))`."""
    x = _float(x)
    return x * ts.tanh(ts.nn.softplus(x))


@keras_export("keras.activations")
def sigmoid(x):
    """Sigmoid: `1 / (1 + exp(-x))`. The output carries its input as `_keras_logits`
    so cross-entropy losses can work from the logits."""
    x = _float(x)
    return _attach_logits(ts.sigmoid(x), x, "sigmoid")


@keras_export("keras.activations")
def hard_sigmoid(x):
    """Hard sigmoid: `relu6(x + 3) / 6`: 0 for `x <= -3`, 1 for `x >= 3`,
    `x / 6 + 0.5` in between."""
    x = _float(x)
    return ts.nn.relu6(x + 3.0) / 6.0


@keras_export("keras.activations")
def sparse_sigmoid(x):
    """Sparse sigmoid: 0 for `x <= -1`, 1 for `x >= 1`, `0.5 * (x + 1)` in between."""
    x = _float(x)
    return ts.clip_by_value((x + 1.0) * 0.5, 0.0, 1.0)


@keras_export("keras.activations")
def log_sigmoid(x):
    """`log(sigmoid(x))`, computed stably."""
    return ts.math.log_sigmoid(_float(x))


def _softmax_any(x, axis, log=False):
    if isinstance(axis, (list, tuple)):
        axes = [int(a) for a in axis]
        shifted = x - ts.stop_gradient(ts.reduce_max(x, axis=axes, keepdims=True))
        lse = ts.math.log(ts.reduce_sum(ts.exp(shifted), axis=axes, keepdims=True))
        return shifted - lse if log else ts.exp(shifted - lse)
    return ts.nn.log_softmax(x, axis=int(axis)) if log else ts.nn.softmax(x, axis=int(axis))


@keras_export("keras.activations")
def softmax(x, axis=-1):
    """Softmax: `exp(x) / sum(exp(x), axis)`, a probability distribution along `axis`.
    The output carries its input as `_keras_logits` so cross-entropy losses can work
    from the logits.

    Args:
        axis: the axis (or tuple of axes) normalized over (default -1).
    """
    x = _float(x)
    return _attach_logits(_softmax_any(x, axis), x, "softmax", axis)


@keras_export("keras.activations")
def log_softmax(x, axis=-1):
    """Log-softmax: `x - log(sum(exp(x), axis))`, computed stably."""
    return _softmax_any(_float(x), axis, log=True)


@keras_export("keras.activations")
def softplus(x):
    """Softplus: `log(exp(x) + 1)`, without overflow."""
    return ts.nn.softplus(_float(x))


@keras_export("keras.activations")
def softsign(x):
    """Softsign: `x / (abs(x) + 1)`."""
    return ts.nn.softsign(_float(x))


@keras_export("keras.activations")
def sparse_plus(x):
    """SparsePlus: 0 for `x <= -1`, `x` for `x >= 1`, `(x + 1)**2 / 4` in between."""
    x = _float(x)
    mid = ts.square(x + 1.0) * 0.25
    return ts.where(x <= -1.0, ts.zeros_like(x), ts.where(x >= 1.0, x, mid))


@keras_export("keras.activations")
def squareplus(x, b=4):
    """Squareplus: `(x + sqrt(x**2 + b)) / 2`.

    Args:
        b: smoothness (non-negative, default 4).
    """
    x = _float(x)
    return (x + ts.sqrt(ts.square(x) + float(b))) * 0.5


@keras_export("keras.activations")
def tanh(x):
    """Hyperbolic tangent: `(exp(x) - exp(-x)) / (exp(x) + exp(-x))`."""
    return ts.tanh(_float(x))


@keras_export("keras.activations")
def hard_tanh(x):
    """Hard tanh: `x` clipped to [-1, 1]."""
    return ts.clip_by_value(_float(x), -1.0, 1.0)


@keras_export("keras.activations")
def tanh_shrink(x):
    """Tanh shrink: `x - tanh(x)`."""
    x = _float(x)
    return x - ts.tanh(x)


@keras_export("keras.activations")
def soft_shrink(x, threshold=0.5):
    """Soft shrink: `x - threshold` above `threshold`, `x + threshold` below
    `-threshold`, 0 in between."""
    x = _float(x)
    t = float(threshold)
    return ts.where(x > t, x - t, ts.where(x < -t, x + t, ts.zeros_like(x)))


@keras_export("keras.activations")
def hard_shrink(x, threshold=0.5):
    """Hard shrink: `x` where `|x| > threshold`, else 0."""
    x = _float(x)
    return ts.where(ts.abs(x) > float(threshold), x, ts.zeros_like(x))


@keras_export("keras.activations")
def threshold(x, threshold, default_value):
    """`x` where `x > threshold`, else `default_value`."""
    x = _float(x)
    return ts.where(x > float(threshold), x, ts.zeros_like(x) + float(default_value))


@keras_export("keras.activations")
def exponential(x):
    """Exponential: `exp(x)`."""
    return ts.exp(_float(x))


@keras_export("keras.activations")
def linear(x):
    """Linear (identity) activation: returns `x` unchanged."""
    return x


@keras_export("keras.activations")
def crelu(x, axis=-1):
    """Concatenated ReLU: `concat([relu(x), relu(-x)], axis)` (doubles that axis)."""
    x = _tensor(x)
    return ts.concat([ts.nn.relu(x), ts.nn.relu(-x)], axis=axis)


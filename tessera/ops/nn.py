"""Neural-network activations (`ts.nn`): relu ... gelu, softmax, dropout, moments.

Elementwise activations are unary primitives whose gradients are written with
Tessera ops (so second derivatives work). Softmax and log-softmax are single
primitives with analytic gradients. Composites (moments, dropout, l2_normalize) need
no gradient code of their own. The cross-entropies live in `crossentropy.py`.
"""
import math as _math

import numpy as np

from ..backend import xp as _xp
from ..core import errors as _errors
from ._common import (REAL_FLOAT, Primitive, Tensor, _wrap, check_float, norm_axis, t, unary,
                      xp_of)
from .array import reshape, where
from .creation import cast, zeros_like
from .math import (_sigmoid_fwd, abs, add, divide, exp, greater, less, logical_and, maximum,
                   multiply, negative, sigmoid, sqrt, square, squared_difference, subtract,
                   tanh)
from .reduce import reduce_sum

_INT_OR_FLOAT = "iufV"
_SQRT1_2 = 1.0 / _math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / _math.sqrt(2.0 * _math.pi)
_GELU_C = _math.sqrt(2.0 / _math.pi)
_GELU_K = 0.044715
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _err(op, msg):
    return _errors.InvalidArgumentError(None, op, msg)


def _float_tensor(x, opname):
    x = t(x)
    check_float(opname, x, REAL_FLOAT)
    return x


# ---------------------------------------------------------------------------
# A private erf (ts.math.erf lives elsewhere; gelu needs one of its own)
# ---------------------------------------------------------------------------
def _erf_arr(a):
    """erf on arrays, in float64 internally: a Maclaurin series of exp(x^2)*erf(x) (all
    terms positive, no cancellation) for |x| < 2.5, a continued fraction for erfc above.
    Accurate to ~1e-15 in float64 and to float32 rounding otherwise."""
    xp = xp_of(a)
    x = a.astype(np.float64)
    n_series, n_frac = (36, 28) if a.dtype == np.float64 else (25, 15)
    ax = np.abs(x)
    small = np.minimum(ax, 2.5)            # the series, evaluated where it converges fast
    x2 = 2.0 * small * small
    term = small.copy()
    total = small.copy()
    for n in range(1, n_series):
        term = term * x2 / (2 * n + 1)
        total = total + term
    ser = (2.0 / _math.sqrt(_math.pi)) * np.exp(-small * small) * total
    big = np.maximum(ax, 2.5)              # the continued fraction for erfc
    f = big.copy()
    for k in range(n_frac, 0, -1):
        f = big + (0.5 * k) / f
    frac = 1.0 - np.exp(-big * big) / (_math.sqrt(_math.pi) * f)
    out = np.sign(x) * xp.where(ax < 2.5, ser, frac)
    return out.astype(a.dtype, copy=False)


_erf_prim = Primitive("Erf", register=False)   # private: ts.math.erf is another module's
_erf_prim._fwd = _erf_arr
_erf_prim._grad = lambda g, out, x: multiply(g, multiply(exp(negative(square(x))),
                                                         2.0 / _math.sqrt(_math.pi)))


# ---------------------------------------------------------------------------
# Elementwise activations
# ---------------------------------------------------------------------------
def _relu_fwd(a):
    return np.maximum(a, 0)


def _relu_grad(g, out, x):
    return where(greater(x, 0), g, zeros_like(g))


_relu, _ = unary("Relu", _relu_fwd, _relu_grad, kinds=_INT_OR_FLOAT)


def relu(features, name=None):
    """Rectified linear unit: `max(features, 0)`.

    Example:
    >>> ts.nn.relu(ts.constant([-1.0, 2.0])).numpy()
    array([0., 2.], dtype=float32)
    """
    return _relu(features)


def _relu6_fwd(a):
    return np.minimum(np.maximum(a, 0), 6)


def _relu6_grad(g, out, x):
    return where(logical_and(greater(x, 0), less(x, 6)), g, zeros_like(g))


_relu6, _ = unary("Relu6", _relu6_fwd, _relu6_grad, kinds=_INT_OR_FLOAT)


def relu6(features, name=None):
    """Rectified linear 6: `min(max(features, 0), 6)`."""
    return _relu6(features)


def _elu_fwd(a):
    return xp_of(a).where(a > 0, a, np.expm1(np.minimum(a, 0)))


def _elu_grad(g, out, x):
    return where(greater(x, 0), g, multiply(g, add(out, 1)))


_elu, _ = unary("Elu", _elu_fwd, _elu_grad, kinds=REAL_FLOAT)


def elu(features, name=None):
    """Exponential linear unit: `features` if > 0, else `exp(features) - 1`."""
    return _elu(features)


def _selu_fwd(a):
    neg = (_SELU_ALPHA * _SELU_SCALE) * np.expm1(np.minimum(a, 0))
    return xp_of(a).where(a > 0, _SELU_SCALE * a, neg).astype(a.dtype, copy=False)


def _selu_grad(g, out, x):
    return where(greater(x, 0), multiply(g, _SELU_SCALE),
                 multiply(g, add(out, _SELU_SCALE * _SELU_ALPHA)))


_selu, _ = unary("Selu", _selu_fwd, _selu_grad, kinds=REAL_FLOAT)


def selu(features, name=None):
    """Scaled exponential linear unit: `scale * elu-like(features)` with the fixed
    constants alpha=1.6732632..., scale=1.0507009... (self-normalizing networks)."""
    return _selu(features)


def _softplus_fwd(a):
    return np.logaddexp(a.dtype.type(0), a)


_softplus, _ = unary("Softplus", _softplus_fwd, lambda g, out, x: multiply(g, sigmoid(x)),
                     kinds=REAL_FLOAT)


def softplus(features, name=None):
    """Softplus `log(exp(features) + 1)`, computed without overflow."""
    return _softplus(features)


def _softsign_fwd(a):
    return a / (1 + np.abs(a))


_softsign, _ = unary("Softsign", _softsign_fwd,
                     lambda g, out, x: divide(g, square(add(abs(x), 1))), kinds=REAL_FLOAT)


def softsign(features, name=None):
    """Softsign: `features / (abs(features) + 1)`."""
    return _softsign(features)


def _log_sigmoid_fwd(a):
    return -np.logaddexp(a.dtype.type(0), -a)


_log_sigmoid, _ = unary("LogSigmoid", _log_sigmoid_fwd,
                        lambda g, out, x: multiply(g, sigmoid(negative(x))), kinds=REAL_FLOAT)


def log_sigmoid(x, name=None):
    """`log(sigmoid(x))`, computed stably as `-softplus(-x)`."""
    return _log_sigmoid(x)


def _leaky_fwd(a, alpha=0.2):
    return xp_of(a).where(a > 0, a, a * alpha).astype(a.dtype, copy=False)


_leaky = Primitive("LeakyRelu")
_leaky._fwd = _leaky_fwd
_leaky._grad = lambda g, out, x, alpha=0.2: where(greater(x, 0), g, multiply(g, alpha))


def leaky_relu(features, alpha=0.2, name=None):
    """Leaky ReLU: `features` if > 0, else `alpha * features`. Integer inputs are
    cast to float32 first, as in TensorFlow.

    Args:
        features: a tensor.
        alpha: slope for negative inputs (default 0.2).
    """
    x = t(features)
    if x._a.dtype.kind in "iub":
        x = cast(x, "float32")
    check_float("LeakyRelu", x, REAL_FLOAT)
    return _leaky(x, alpha=float(alpha))


def _silu_fwd(a, beta=1.0):
    return a * _sigmoid_fwd(a * beta if beta != 1.0 else a)


def _silu_grad(g, out, x, beta=1.0):
    s = sigmoid(multiply(x, beta))
    return multiply(g, add(s, multiply(multiply(x, beta), multiply(s, subtract(1, s)))))


_silu = Primitive("Silu")
_silu._fwd = _silu_fwd
_silu._grad = _silu_grad


def silu(features, beta=1.0):
    """SiLU / swish: `features * sigmoid(beta * features)` (`ts.nn.swish` is the same).

    Args:
        features: a float tensor.
        beta: a Python number (fused op) or a tensor (differentiable too).
    """
    x = _float_tensor(features, "Silu")
    if isinstance(beta, Tensor):
        return multiply(x, sigmoid(multiply(x, beta)))
    return _silu(x, beta=float(beta))


swish = silu


def _gelu_fwd(a, approximate=False):
    if approximate:
        inner = np.tanh(_GELU_C * (a + _GELU_K * a * a * a))
    else:
        inner = _erf_arr(a * _SQRT1_2)
    return (0.5 * a * (1 + inner)).astype(a.dtype, copy=False)


def _gelu_grad(g, out, x, approximate=False):
    if approximate:
        x2 = square(x)
        th = tanh(multiply(multiply(x, add(multiply(x2, _GELU_K), 1)), _GELU_C))
        dth = subtract(1, square(th))
        du = multiply(add(multiply(x2, 3 * _GELU_K), 1), _GELU_C)
        d = add(multiply(add(th, 1), 0.5), multiply(multiply(x, 0.5), multiply(dth, du)))
    else:
        cdf = multiply(add(_erf_prim(multiply(x, _SQRT1_2)), 1), 0.5)
        pdf = multiply(exp(multiply(square(x), -0.5)), _INV_SQRT_2PI)
        d = add(cdf, multiply(x, pdf))
    return multiply(g, d)


_gelu = Primitive("Gelu")
_gelu._fwd = _gelu_fwd
_gelu._grad = _gelu_grad


def gelu(features, approximate=False, name=None):
    """Gaussian error linear unit: `features * Phi(features)` with Phi the standard
    normal CDF; `approximate=True` uses the tanh approximation
    `0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x**3)))`.
    """
    x = _float_tensor(features, "Gelu")
    return _gelu(x, approximate=bool(approximate))


# ---------------------------------------------------------------------------
# Softmax and log-softmax
# ---------------------------------------------------------------------------
def _softmax_fwd(a, axis=-1):
    e = np.exp(a - a.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _softmax_grad(g, out, x, axis=-1):
    gy = multiply(g, out)
    return subtract(gy, multiply(out, reduce_sum(gy, axis=axis, keepdims=True)))


_softmax = Primitive("Softmax")
_softmax._fwd = _softmax_fwd
_softmax._grad = _softmax_grad


def _log_softmax_fwd(a, axis=-1):
    s = a - a.max(axis=axis, keepdims=True)
    return s - np.log(np.exp(s).sum(axis=axis, keepdims=True))


_log_softmax = Primitive("LogSoftmax")
_log_softmax._fwd = _log_softmax_fwd
_log_softmax._grad = lambda g, out, x, axis=-1: subtract(
    g, multiply(exp(out), reduce_sum(g, axis=axis, keepdims=True)))


def _class_axis(x, axis, opname):
    if x._a.ndim == 0:
        raise _err(opname, f"{opname}: expects a tensor of rank >= 1, got a scalar. "
                           "Give the logits at least one (class) dimension.")
    return norm_axis(-1 if axis is None else axis, x._a.ndim, opname)[0]


def softmax(logits, axis=None, name=None):
    """Softmax `exp(logits) / reduce_sum(exp(logits), axis, keepdims=True)`, stable for
    large logits.

    Args:
        logits: a non-empty float tensor.
        axis: the class dimension (default -1, the last).

    Example:
    >>> ts.nn.softmax(ts.constant([0.0, 0.0])).numpy()
    array([0.5, 0.5], dtype=float32)
    """
    x = _float_tensor(logits, "Softmax")
    return _softmax(x, axis=_class_axis(x, axis, "Softmax"))


def log_softmax(logits, axis=None, name=None):
    """Log-softmax `logits - log(reduce_sum(exp(logits), axis, keepdims=True))`, stable.

    Args:
        logits: a non-empty float tensor.
        axis: the class dimension (default -1, the last).
    """
    x = _float_tensor(logits, "LogSoftmax")
    return _log_softmax(x, axis=_class_axis(x, axis, "LogSoftmax"))


# ---------------------------------------------------------------------------
# bias_add, l2_loss, l2_normalize, moments
# ---------------------------------------------------------------------------
def _bias_add_fwd(a, b, axis=-1):
    if axis == a.ndim - 1:
        return a + b
    return a + b.reshape((-1,) + (1,) * (a.ndim - axis - 1))


def _bias_add_grad(g, out, x, b, axis=-1):
    others = [i for i in range(x._a.ndim) if i != axis]
    return g, reduce_sum(g, axis=others)


_bias_add = Primitive("BiasAdd")
_bias_add._fwd = _bias_add_fwd
_bias_add._grad = _bias_add_grad


def bias_add(value, bias, data_format=None, name=None):
    """Adds the 1-D `bias` along the channel dimension of `value`.

    Args:
        value: a tensor of rank >= 2.
        bias: a 1-D tensor whose length is the number of channels.
        data_format: None or a format ending in "C" ("NHWC", "N...C"): channels last;
            a format starting with "NC" ("NCHW", "NC..."): channels at axis 1.
    """
    x = t(value)
    b = t(bias, x.dtype) if not isinstance(bias, Tensor) else bias
    if b._a.dtype != x._a.dtype:
        raise _err("BiasAdd", f"bias_add: value is {x.dtype.name} but bias is {b.dtype.name}; "
                              f"cast the bias first: ts.cast(bias, ts.{x.dtype.name}).")
    if x._a.ndim < 2:
        raise _err("BiasAdd", f"bias_add: value must have rank >= 2, got shape "
                              f"{tuple(x._a.shape)}.")
    if b._a.ndim != 1:
        raise _err("BiasAdd", f"bias_add: bias must be 1-D, got shape {tuple(b._a.shape)}.")
    fmt = "N...C" if data_format is None else str(data_format)
    if fmt.startswith("NC"):
        axis = 1
    elif fmt.startswith("N") and fmt.endswith("C"):
        axis = x._a.ndim - 1
    else:
        raise _err("BiasAdd", f"bias_add: unknown data_format {data_format!r}; use None, "
                              "'N...C' (e.g. 'NHWC') or 'NC...' (e.g. 'NCHW').")
    if b._a.shape[0] != x._a.shape[axis]:
        raise _err("BiasAdd", f"bias_add: bias has {b._a.shape[0]} elements but value of shape "
                              f"{tuple(x._a.shape)} has {x._a.shape[axis]} channels on axis "
                              f"{axis} (data_format={fmt!r}).")
    return _bias_add(x, b, axis=axis)


def _l2_loss_fwd(a):
    return xp_of(a).asarray((a * a).sum() * 0.5, dtype=a.dtype)


_l2_loss = Primitive("L2Loss")
_l2_loss._fwd = _l2_loss_fwd
_l2_loss._grad = lambda g, out, x: multiply(g, x)


def l2_loss(t, name=None):
    """Half the squared L2 norm, `sum(t ** 2) / 2`, as a scalar."""
    x = _float_tensor(t, "L2Loss")   # `t` is TensorFlow's argument name
    return _l2_loss(x)


def l2_normalize(x, axis=None, epsilon=1e-12, name=None, dim=None):
    """Divides `x` by its L2 norm along `axis`: `x / sqrt(max(sum(x**2, axis), epsilon))`.

    Args:
        x: a float tensor.
        axis: an int or list of ints (all axes when None). `dim` is its old name.
        epsilon: lower bound of the squared norm (avoids dividing by zero).
    """
    if dim is not None:
        if axis is not None:
            raise _err("L2Normalize", "l2_normalize: give `axis` or its deprecated alias "
                                      "`dim`, not both.")
        axis = dim
    v = _float_tensor(x, "L2Normalize")
    ax = norm_axis(axis, v._a.ndim, "l2_normalize")
    sq = reduce_sum(square(v), axis=ax, keepdims=True)
    return divide(v, sqrt(maximum(sq, float(epsilon))))


def moments(x, axes, shift=None, keepdims=False, name=None):
    """Mean and variance of `x` over `axes`.

    Args:
        x: a float tensor.
        axes: ints: the axes to reduce (e.g. [0] for a batch, [0, 1, 2] for NHWC
            batch normalization).
        shift: unused (as in TensorFlow 2).
        keepdims: keep reduced axes with length 1.

    Returns:
        `(mean, variance)`. float16 inputs are reduced in float32 and cast back.
    """
    v = _float_tensor(x, "Moments")
    if axes is None:
        raise _err("Moments", "moments: `axes` is required, e.g. axes=[0].")
    ax = norm_axis(axes, v._a.ndim, "moments")
    y = cast(v, "float32") if v._a.dtype == np.float16 else v
    n = float(np.prod([y._a.shape[i] for i in ax]))
    mean_k = divide(reduce_sum(y, axis=ax, keepdims=True), n)
    var = divide(reduce_sum(squared_difference(y, mean_k), axis=ax, keepdims=keepdims), n)
    mean = mean_k if keepdims else reshape(mean_k, [d for i, d in enumerate(y._a.shape)
                                                    if i not in ax])
    if y is not v:
        mean, var = cast(mean, v.dtype), cast(var, v.dtype)
    return mean, var


# ---------------------------------------------------------------------------
# dropout
# ---------------------------------------------------------------------------
_SEEDED = {}
_UNSEEDED = []


def _generator(seed):
    """The generator dropout draws from: `backend.random.next_rng` (TensorFlow's seed
    rules, honours ts.random.set_seed); a NumPy generator per op seed if it is absent."""
    try:
        from ..backend.random import next_rng
    except ImportError:
        next_rng = None
    if next_rng is not None:
        return next_rng(seed, key="Dropout")
    if seed is None:
        if not _UNSEEDED:
            _UNSEEDED.append(np.random.default_rng())
        return _UNSEEDED[0]
    gen = _SEEDED.get(int(seed))
    if gen is None:
        gen = _SEEDED[int(seed)] = np.random.default_rng(int(seed))
    return gen


def dropout(x, rate, noise_shape=None, seed=None, name=None):
    """Sets each element of `x` to 0 with probability `rate` and scales the others by
    `1 / (1 - rate)`, so the expected sum is unchanged.

    Args:
        x: a float tensor.
        rate: a float in [0, 1): the fraction of elements dropped.
        noise_shape: shape of the keep/drop mask, broadcast to `x` (e.g. `[batch, 1, 1,
            channels]` drops whole feature maps); None entries take `x`'s size.
        seed: a Python int for a reproducible sequence of masks.

    Example:
    >>> y = ts.nn.dropout(ts.ones([2, 4]), rate=0.5, seed=1)   # entries are 0 or 2
    """
    v = t(x)
    if v._a.dtype.kind not in REAL_FLOAT:
        raise _err("Dropout", f"dropout: x must be a floating-point tensor, got {v.dtype.name}. "
                              "Cast it first: ts.cast(x, ts.float32).")
    is_number = not isinstance(rate, Tensor)
    try:
        r = float(_xp.to_numpy(rate._a)) if not is_number else float(rate)
    except (TypeError, ValueError):
        raise _err("Dropout", f"dropout: rate must be a scalar float in [0, 1), got "
                              f"{rate!r}.") from None
    if not 0.0 <= r < 1.0:
        raise _err("Dropout", f"dropout: rate must be a scalar float in [0, 1), got {r}. "
                              "rate is the fraction dropped (TF 1's keep_prob = 1 - rate).")
    if is_number and r == 0.0:
        return v
    shape = tuple(v._a.shape)
    if noise_shape is None:
        ns = shape
    else:
        if isinstance(noise_shape, Tensor):
            noise_shape = _xp.to_numpy(noise_shape._a).tolist()
        ns = tuple(noise_shape)
        if len(ns) != len(shape):
            raise _err("Dropout", f"dropout: noise_shape {list(ns)} must have the rank of x "
                                  f"(shape {shape}).")
        ns = tuple(d if n is None else int(n) for n, d in zip(ns, shape))
        if any(n not in (1, d) for n, d in zip(ns, shape)):
            raise _err("Dropout", f"dropout: noise_shape {list(ns)} is not broadcastable to "
                                  f"x's shape {shape}: each entry must be 1 or x's size.")
    # float32 draws (half the random bits and bandwidth of float64; the keep probability
    # 1 - r is exact to 2^-24); the mask in one multiply
    keep = _generator(seed).random(ns, dtype=np.float32) >= np.float32(r)
    mask = np.multiply(keep, v._a.dtype.type(1.0 / (1.0 - r)), dtype=v._a.dtype)
    xp = xp_of(v._a)
    return multiply(v, _wrap(xp.asarray(mask)))


_ACT = ["relu", "relu6", "elu", "selu", "gelu", "silu", "swish", "softplus", "softsign",
        "leaky_relu", "sigmoid", "tanh", "log_sigmoid"]
__api__ = {
    "nn": [n for n in _ACT if n != "log_sigmoid"] + [
        "softmax", "log_softmax", "bias_add", "dropout", "moments", "l2_loss", "l2_normalize"],
    "math": ["softplus", "softsign", "log_sigmoid", "softmax", "log_softmax", "l2_normalize"],
}

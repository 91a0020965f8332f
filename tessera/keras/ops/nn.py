"""`keras.ops.nn` (also at `keras.ops` top level): activations, one-hot encodings,
cross-entropies, moments and normalisation. Convolution, pooling and attention
ops arrive with a later release and raise a clear error until then."""
import tessera as ts

from .. import activations as _act
from .. import config as _config
from .operation import float_tensor, keras_op, promote, standardize_dtype, tensor

__all__ = []


def _export(fn):
    __all__.append(fn.__name__)
    return fn


def _wrap_activation(name, fn, doc):
    def op(x):
        return fn(float_tensor(x))
    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    op.__module__ = __name__
    globals()[name] = keras_op("nn")(op)
    __all__.append(name)


for _n, _d in [("relu", "Rectified linear unit: `max(x, 0)`."),
               ("relu6", "ReLU capped at 6: `min(max(x, 0), 6)`."),
               ("sigmoid", "Sigmoid: `1 / (1 + exp(-x))`."),
               ("softplus", "Softplus: `log(exp(x) + 1)`."),
               ("softsign", "Softsign: `x / (abs(x) + 1)`."),
               ("silu", "SiLU / swish: `x * sigmoid(x)`."),
               ("log_sigmoid", "`log(sigmoid(x))`, computed stably."),
               ("hard_sigmoid", "Hard sigmoid: `relu6(x + 3) / 6`."),
               ("hard_silu", "Hard SiLU: `x * relu6(x + 3) / 6`."),
               ("selu", "Scaled exponential linear unit."),
               ("sparse_sigmoid", "0 below -1, 1 above 1, `(x + 1) / 2` in between."),
               ("sparse_plus", "0 below -1, `x` above 1, `(x + 1)**2 / 4` in between."),
               ("hard_tanh", "`x` clipped to [-1, 1]."),
               ("tanh_shrink", "`x - tanh(x)`."),
               ("mish", "`x * tanh(softplus(x))`.")]:
    _wrap_activation(_n, getattr(_act, _n), _d)
swish = silu  # noqa: F821
hard_swish = hard_silu  # noqa: F821
__all__ += ["swish", "hard_swish"]


@_export
@keras_op("nn")
def leaky_relu(x, negative_slope=0.2):
    """`x` where positive, `negative_slope * x` elsewhere."""
    return _act.leaky_relu(float_tensor(x), negative_slope=negative_slope)


@_export
@keras_op("nn")
def elu(x, alpha=1.0):
    """`x` where positive, `alpha * (exp(x) - 1)` elsewhere."""
    return _act.elu(float_tensor(x), alpha=alpha)


@_export
@keras_op("nn")
def celu(x, alpha=1.0):
    """Continuously differentiable ELU."""
    return _act.celu(float_tensor(x), alpha=alpha)


@_export
@keras_op("nn")
def gelu(x, approximate=True):
    """Gaussian error linear unit (the tanh approximation by default, as Keras's op)."""
    return _act.gelu(float_tensor(x), approximate=approximate)


@_export
@keras_op("nn")
def glu(x, axis=-1):
    """Gated linear unit: `a * sigmoid(b)` for the two halves `a`, `b` of `x` along `axis`."""
    return _act.glu(float_tensor(x), axis=axis)


@_export
@keras_op("nn")
def soft_shrink(x, threshold=0.5):
    """Shrinks `x` towards zero by `threshold` (zero within it)."""
    return _act.soft_shrink(float_tensor(x), threshold=threshold)


@_export
@keras_op("nn")
def hard_shrink(x, threshold=0.5):
    """`x` where `|x| > threshold`, zero elsewhere."""
    return _act.hard_shrink(float_tensor(x), threshold=threshold)


@_export
@keras_op("nn")
def squareplus(x, b=4):
    """`(x + sqrt(x**2 + b)) / 2`."""
    return _act.squareplus(float_tensor(x), b=b)


@_export
@keras_op("nn")
def threshold(x, threshold, default_value):
    """`x` where `x > threshold`, `default_value` elsewhere."""
    return _act.threshold(float_tensor(x), threshold, default_value)


@_export
@keras_op("nn")
def softmax(x, axis=-1):
    """Softmax over `axis` (an int or a tuple of ints)."""
    return _act.softmax(float_tensor(x), axis=axis)


@_export
@keras_op("nn")
def log_softmax(x, axis=-1):
    """Log-softmax over `axis`."""
    return _act.log_softmax(float_tensor(x), axis=axis)


# -- encodings ----------------------------------------------------------------------------------
@_export
@keras_op("nn")
def one_hot(x, num_classes, axis=-1, dtype=None, sparse=False):
    """One-hot encodes integer `x` into a new axis of size `num_classes` (floatx by default).

    Negative or out-of-range indices give all-zero rows.
    """
    if sparse:
        raise ValueError("keras.ops.one_hot: Tessera has no sparse tensors; pass sparse=False.")
    x = tensor(x)
    if x._a.dtype.kind not in "iu":
        x = ts.cast(x, "int64")
    return ts.one_hot(x, int(num_classes), axis=axis, dtype=standardize_dtype(dtype))


@_export
@keras_op("nn")
def multi_hot(inputs, num_classes=None, axis=-1, dtype=None, sparse=False, **kwargs):
    """Multi-hot encodes the last axis of integer `inputs` (1 for each class present)."""
    if num_classes is None:
        num_classes = kwargs.pop("num_tokens", None)
    if num_classes is None:
        raise ValueError("keras.ops.multi_hot: `num_classes` is required.")
    x = tensor(inputs)
    batched = x.shape.rank > 1
    if not batched:
        x = ts.expand_dims(x, 0)
    oh = one_hot(x, num_classes, axis=axis, dtype=dtype, sparse=sparse)
    red = -2 if axis == -1 else (axis if axis >= 0 else axis - 1)
    out = ts.reduce_max(oh, axis=red)
    return out if batched else ts.squeeze(out, [0])


# -- losses -------------------------------------------------------------------------------------
def _eps(dt):
    return ts.cast(_config.epsilon(), dt)


@_export
@keras_op("nn", tensors=("target", "output"))
def binary_crossentropy(target, output, from_logits=False):
    """Elementwise binary cross-entropy between `target` and `output` (probabilities or logits)."""
    target, output = promote(float_tensor(target), float_tensor(output))
    if tuple(target.shape) != tuple(output.shape):
        raise ValueError("keras.ops.binary_crossentropy: `target` and `output` must have the "
                         f"same shape, got {tuple(target.shape)} and {tuple(output.shape)}.")
    if from_logits:
        return ts.nn.sigmoid_cross_entropy_with_logits(labels=target, logits=output)
    eps = _eps(output.dtype)
    p = ts.clip_by_value(output, eps, 1.0 - eps)
    return -(target * ts.math.log(p) + (1.0 - target) * ts.math.log(1.0 - p))


@_export
@keras_op("nn", tensors=("target", "output"))
def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Cross-entropy between one-hot `target` and `output` over `axis`."""
    target, output = promote(float_tensor(target), float_tensor(output))
    if tuple(target.shape) != tuple(output.shape):
        raise ValueError("keras.ops.categorical_crossentropy: `target` and `output` must have "
                         f"the same shape, got {tuple(target.shape)} and {tuple(output.shape)}.")
    if from_logits:
        logp = ts.nn.log_softmax(output, axis=axis)
        return -ts.reduce_sum(target * logp, axis=axis)
    output = output / ts.reduce_sum(output, axis=axis, keepdims=True)
    eps = _eps(output.dtype)
    p = ts.clip_by_value(output, eps, 1.0 - eps)
    return -ts.reduce_sum(target * ts.math.log(p), axis=axis)


@_export
@keras_op("nn", tensors=("target", "output"))
def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Cross-entropy between integer class `target` and `output` over `axis`."""
    output = float_tensor(output)
    target = tensor(target)
    if target.shape.rank == output.shape.rank and tuple(target.shape)[-1] == 1:
        target = ts.squeeze(target, [-1])
    if target._a.dtype.kind not in "iu":
        target = ts.cast(target, "int64")
    if tuple(target.shape) != tuple(output.shape)[:-1] and axis in (-1, output.shape.rank - 1):
        raise ValueError("keras.ops.sparse_categorical_crossentropy: `target` must have the "
                         "shape of `output` without its last axis, got "
                         f"{tuple(target.shape)} and {tuple(output.shape)}.")
    oh = ts.one_hot(target, tuple(output.shape)[axis], axis=axis, dtype=output.dtype.name)
    return categorical_crossentropy(oh, output, from_logits=from_logits, axis=axis)


# -- statistics ---------------------------------------------------------------------------------
@_export
@keras_op("nn")
def moments(x, axes, keepdims=False, synchronized=False):
    """`(mean, variance)` of `x` over `axes`."""
    x = float_tensor(x)
    axes = [int(a) for a in (axes if isinstance(axes, (list, tuple)) else [axes])]
    return ts.nn.moments(x, axes, keepdims=keepdims)


@_export
@keras_op("nn")
def normalize(x, axis=-1, order=2, epsilon=None):
    """`x` divided by its `order`-norm along `axis` (at least `epsilon`)."""
    x = float_tensor(x)
    if epsilon is None:
        epsilon = _config.epsilon()
    if order == 2:
        sq = ts.reduce_sum(ts.square(x), axis=axis, keepdims=True)
        return x * ts.math.rsqrt(ts.maximum(sq, ts.cast(epsilon, x.dtype)))
    norm = ts.norm(x, ord=order, axis=axis, keepdims=True)
    return x / ts.maximum(norm, ts.cast(epsilon, x.dtype))


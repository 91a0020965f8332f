"""Normalization layers: BatchNormalization, LayerNormalization, GroupNormalization
(as `keras.layers`).

Each calls one fused op of `tessera/ops/normalization.py` (statistics, normalisation,
scale and offset forward, and one backward), so a normalization layer costs one
kernel call forward and one backward in a training step.
"""
import warnings

import numpy as np

from ...ops import normalization as _norm
from ...ops._common import _wrap
from ..saving.object_registration import keras_export
from .input_spec import InputSpec
from .layer import Layer

__all__ = ["BatchNormalization", "LayerNormalization", "GroupNormalization"]

_LOW = ("float16", "bfloat16")


def _serialize(obj):
    from ..saving.serialization_lib import serialize_keras_object
    return serialize_keras_object(obj)


def _getters():
    from .. import constraints, initializers, regularizers
    return initializers.get, regularizers.get, constraints.get


def _to_compute(x):
    """Low-precision inputs are normalised in float32 (as Keras does)."""
    if x.dtype.name in _LOW:
        import tessera as ts
        return ts.cast(x, "float32"), x.dtype.name
    return x, None


def _back(y, dtype):
    if dtype is None:
        return y
    import tessera as ts
    return ts.cast(y, dtype)


def _check_axes(layer, axes, input_shape):
    n = len(input_shape)
    for a in axes:
        if a >= n or a < -n:
            raise ValueError(f"Axis {a} is out of bounds for input shape {tuple(input_shape)} "
                             f"in layer {layer.name!r}. Received: axis={layer.axis}")


class _AffineNorm(Layer):
    """Shared constructor pieces: center/scale, initializers, regularizers, constraints."""

    def _init_affine(self, center, scale, beta_initializer, gamma_initializer,
                     beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint):
        init, reg, con = _getters()
        self.center = center
        self.scale = scale
        self.beta_initializer = init(beta_initializer)
        self.gamma_initializer = init(gamma_initializer)
        self.beta_regularizer = reg(beta_regularizer)
        self.gamma_regularizer = reg(gamma_regularizer)
        self.beta_constraint = con(beta_constraint)
        self.gamma_constraint = con(gamma_constraint)
        self.supports_masking = True

    def _add_gamma_beta(self, shape, gamma=True, beta=True):
        self.gamma = self.add_weight(
            shape=shape, name="gamma", initializer=self.gamma_initializer,
            regularizer=self.gamma_regularizer, constraint=self.gamma_constraint,
            trainable=True, autocast=False) if gamma else None
        self.beta = self.add_weight(
            shape=shape, name="beta", initializer=self.beta_initializer,
            regularizer=self.beta_regularizer, constraint=self.beta_constraint,
            trainable=True, autocast=False) if beta else None

    def _affine_config(self):
        return {
            "center": self.center, "scale": self.scale,
            "beta_initializer": _serialize(self.beta_initializer),
            "gamma_initializer": _serialize(self.gamma_initializer),
            "beta_regularizer": _serialize(self.beta_regularizer),
            "gamma_regularizer": _serialize(self.gamma_regularizer),
            "beta_constraint": _serialize(self.beta_constraint),
            "gamma_constraint": _serialize(self.gamma_constraint),
        }

    def compute_output_shape(self, input_shape):
        axes = self.axis if isinstance(self.axis, (list, tuple)) else [self.axis]
        _check_axes(self, axes, input_shape)
        return tuple(input_shape)


@keras_export("keras.layers")
class BatchNormalization(_AffineNorm):
    """Normalizes its inputs with batch statistics in training and moving averages
    in inference, as `keras.layers.BatchNormalization`.

    In training (`training=True` and the layer trainable) the output is
    `gamma * (x - mean(x)) / sqrt(var(x) + epsilon) + beta` over the batch (every
    axis but `axis`), and the moving statistics are updated:
    `moving_mean = moving_mean * momentum + mean(x) * (1 - momentum)` (the same for
    the variance). Otherwise the moving statistics normalise. A frozen layer
    (`trainable=False`) always runs in inference mode, as in Keras 3.

    Args:
        axis: the features axis (-1 for channels_last, 1 for channels_first).
        momentum: momentum of the moving averages.
        epsilon: added to the variance.
        center, scale: learn `beta` / `gamma`.
        beta_initializer, gamma_initializer, moving_mean_initializer,
        moving_variance_initializer: initializers.
        beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint:
            regularizers and constraints of the learned weights.
        synchronized: accepted (single-process training only).

    Call arguments: `inputs`, `training`, `mask` (a boolean mask of the inputs'
    shape without the feature axis: masked steps do not count in the statistics).

    Example:
    >>> bn = keras.layers.BatchNormalization()
    >>> y = bn(np.random.rand(8, 4), training=True)
    """

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, renorm=False, renorm_clipping=None,
                 renorm_momentum=0.99, synchronized=False, **kwargs):
        super().__init__(**kwargs)
        if renorm:
            raise NotImplementedError(
                "BatchNormalization(renorm=True) is not supported by tessera yet; use "
                "renorm=False.")
        init, _, _ = _getters()
        self.axis = int(axis)
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.synchronized = synchronized
        self.renorm = renorm
        self.renorm_clipping = renorm_clipping
        self.renorm_momentum = renorm_momentum
        self.moving_mean_initializer = init(moving_mean_initializer)
        self.moving_variance_initializer = init(moving_variance_initializer)
        self._init_affine(center, scale, beta_initializer, gamma_initializer, beta_regularizer,
                          gamma_regularizer, beta_constraint, gamma_constraint)
        self.gamma = self.beta = self.moving_mean = self.moving_variance = None

    def build(self, input_shape):
        _check_axes(self, [self.axis], input_shape)
        dim = input_shape[self.axis]
        if dim is None:
            raise ValueError(f"Layer {self.name!r}: the features axis {self.axis} of the input "
                             f"shape {tuple(input_shape)} must be known.")
        shape = (dim,)
        self._add_gamma_beta(shape, gamma=self.scale, beta=self.center)
        self.moving_mean = self.add_weight(shape=shape, name="moving_mean",
                                           initializer=self.moving_mean_initializer,
                                           trainable=False, autocast=False)
        self.moving_variance = self.add_weight(shape=shape, name="moving_variance",
                                               initializer=self.moving_variance_initializer,
                                               trainable=False, autocast=False)
        self.input_spec = InputSpec(ndim=len(input_shape), axes={self.axis: dim})
        self.built = True

    def call(self, inputs, training=None, mask=None):
        if mask is not None and len(mask.shape) != len(inputs.shape) - 1:
            raise ValueError(
                f"BatchNormalization {self.name!r}: the mask should have one dimension less "
                f"than the inputs. Received: mask.shape={tuple(mask.shape)}, "
                f"inputs.shape={tuple(inputs.shape)}")
        x, low = _to_compute(inputs)
        axis = self.axis % len(x.shape)
        if training and self.trainable:
            if mask is None:
                y, mean, var = _norm.batch_norm_train(x, self.gamma, self.beta, axis=axis,
                                                      epsilon=self.epsilon)
            else:
                mean, var = self._masked_moments(x, mask, axis)
                y = _norm.batch_norm_infer(x, mean, var, self.gamma, self.beta, axis=axis,
                                           epsilon=self.epsilon)
            self._update_moving(self.moving_mean, mean)
            self._update_moving(self.moving_variance, var)
        else:
            y = _norm.batch_norm_infer(x, self.moving_mean, self.moving_variance, self.gamma,
                                       self.beta, axis=axis, epsilon=self.epsilon)
        return _back(y, low)

    def _update_moving(self, var, stat):
        m = self.momentum
        a = var._a
        var.assign(_wrap(a * m + stat._a.astype(a.dtype, copy=False) * (1.0 - m)))

    @staticmethod
    def _masked_moments(x, mask, axis):
        import tessera as ts
        nd = len(x.shape)
        axes = [i for i in range(nd) if i != axis]
        w = ts.cast(ts.expand_dims(mask, -1), x.dtype) * ts.ones_like(x)
        total = ts.reduce_sum(w, axes, keepdims=True) + 1e-7
        mean = ts.reduce_sum(x * w, axes, keepdims=True) / total
        var = ts.reduce_sum(ts.square(x - mean) * w, axes, keepdims=True) / total
        return ts.reshape(mean, (-1,)), ts.reshape(var, (-1,))

    def get_config(self):
        base = super().get_config()
        init_ser = _serialize
        base.update({
            "axis": self.axis, "momentum": self.momentum, "epsilon": self.epsilon,
            **self._affine_config(),
            "moving_mean_initializer": init_ser(self.moving_mean_initializer),
            "moving_variance_initializer": init_ser(self.moving_variance_initializer),
            "synchronized": self.synchronized, "renorm": self.renorm,
            "renorm_clipping": self.renorm_clipping, "renorm_momentum": self.renorm_momentum,
        })
        return base


@keras_export("keras.layers")
class LayerNormalization(_AffineNorm):
    """Normalizes each sample over `axis`, as `keras.layers.LayerNormalization`:
    `gamma * (x - mean) / sqrt(var + epsilon) + beta`, statistics per sample.

    Args:
        axis: an int or a list of ints: the axes normalised (and the shape of
            gamma / beta).
        epsilon: added to the variance.
        center, scale: learn `beta` / `gamma`.
        rms_scaling: deprecated in Keras: `x * rsqrt(var + epsilon) * gamma`
            (no centering, no beta).
        beta_initializer, gamma_initializer, beta_regularizer, gamma_regularizer,
        beta_constraint, gamma_constraint: for the learned weights.

    Example:
    >>> ln = keras.layers.LayerNormalization(epsilon=1e-6)
    >>> ln(np.random.rand(2, 5, 8)).shape
    TensorShape([2, 5, 8])
    """

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None, **kwargs):
        rms_scaling = kwargs.pop("rms_scaling", False)
        if rms_scaling:
            warnings.warn("You passed `rms_scaling=True`, which is deprecated in Keras 3: it "
                          "scales by the variance, not the root mean square. Use "
                          "`keras.layers.RMSNormalization` for RMS normalization.")
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)):
            self.axis = [int(a) for a in axis]
        elif isinstance(axis, (int, np.integer)):
            self.axis = int(axis)
        else:
            raise TypeError("Expected an int or a list/tuple of ints for the argument 'axis', "
                            f"but received: {axis!r}")
        self.epsilon = epsilon
        self.rms_scaling = rms_scaling
        self._init_affine(center, scale, beta_initializer, gamma_initializer, beta_regularizer,
                          gamma_regularizer, beta_constraint, gamma_constraint)
        self.autocast = False

    def build(self, input_shape):
        if isinstance(self.axis, (list, tuple)):
            self.axis = sorted(self.axis)
        else:
            self.axis = [self.axis]
        _check_axes(self, self.axis, input_shape)
        shape = tuple(input_shape[a] for a in self.axis)
        if any(d is None for d in shape):
            raise ValueError(f"Layer {self.name!r}: the normalised axes {self.axis} of input shape "
                             f"{tuple(input_shape)} must be known.")
        self._add_gamma_beta(shape, gamma=self.scale or self.rms_scaling,
                             beta=self.center and not self.rms_scaling)
        self.built = True

    def call(self, inputs):
        x, low = _to_compute(inputs)
        if self.rms_scaling:
            import tessera as ts
            nd = len(x.shape)
            axes = [a % nd for a in self.axis]
            _, var = ts.nn.moments(x, axes, keepdims=True)
            y = x * ts.math.rsqrt(var + self.epsilon)
            if self.gamma is not None:
                bshape = [x.shape[i] if i in axes else 1 for i in range(nd)]
                y = y * ts.reshape(self.gamma, bshape)
            return _back(y, low)
        y = _norm.layer_normalization(x, self.gamma, self.beta, axis=self.axis,
                                      epsilon=self.epsilon)
        return _back(y, low)

    def get_config(self):
        base = super().get_config()
        base.update({"axis": self.axis, "epsilon": self.epsilon,
                     "rms_scaling": self.rms_scaling, **self._affine_config()})
        return base


@keras_export("keras.layers")
class GroupNormalization(_AffineNorm):
    """Normalizes each sample over groups of channels, as `keras.layers.GroupNormalization`.

    The channels (along `axis`) are split into `groups`; each sample's group is
    normalised over its channels and every other non-batch axis, then scaled and
    shifted per channel. `groups=-1` is instance normalization; `groups=1` is
    layer normalization over all non-batch axes.

    Args:
        groups: the number of groups (a divisor of the channel count), or -1.
        axis: the channel axis.
        epsilon: added to the variance.
        center, scale, beta_initializer, gamma_initializer, beta_regularizer,
        gamma_regularizer, beta_constraint, gamma_constraint: as in BatchNormalization.
    """

    def __init__(self, groups=32, axis=-1, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None, **kwargs):
        if not isinstance(groups, (int, np.integer)) or (groups <= 0 and groups != -1):
            raise ValueError("Received an invalid value for argument `groups`, expected a "
                             "positive integer (or `-1` for instance normalization). Received: "
                             f"groups={groups}")
        super().__init__(**kwargs)
        self.groups = int(groups)
        self.axis = axis
        self.epsilon = epsilon
        self._init_affine(center, scale, beta_initializer, gamma_initializer, beta_regularizer,
                          gamma_regularizer, beta_constraint, gamma_constraint)
        self.autocast = False

    def build(self, input_shape):
        _check_axes(self, [self.axis], input_shape)
        dim = input_shape[self.axis]
        if dim is None:
            raise ValueError(f"Axis {self.axis} of input tensor should have a defined dimension "
                             f"but the layer received an input with shape {tuple(input_shape)}.")
        if self.groups == -1:
            self.groups = dim
        if dim < self.groups:
            raise ValueError(f"Number of groups ({self.groups}) cannot be more than the number "
                             f"of channels ({dim}).")
        if dim % self.groups != 0:
            raise ValueError(f"Number of groups ({self.groups}) must be a multiple of the number "
                             f"of channels ({dim}).")
        self.input_spec = InputSpec(ndim=len(input_shape), axes={self.axis: dim})
        self._add_gamma_beta((dim,), gamma=self.scale, beta=self.center)
        self.built = True

    def call(self, inputs):
        import tessera as ts
        x, low = _to_compute(inputs)
        shape = list(x.shape)
        nd = len(shape)
        axis = self.axis % nd
        g = self.groups
        gshape = shape[:axis] + [g, shape[axis] // g] + shape[axis + 1:]
        xg = ts.reshape(x, gshape)
        axes = [i for i in range(1, nd + 1) if i != axis]
        pshape = [1] * (nd + 1)
        pshape[axis], pshape[axis + 1] = g, shape[axis] // g
        gamma = ts.reshape(self.gamma, pshape) if self.gamma is not None else None
        beta = ts.reshape(self.beta, pshape) if self.beta is not None else None
        y = _norm.layer_normalization(xg, gamma, beta, axis=axes, epsilon=self.epsilon)
        return _back(ts.reshape(y, shape), low)

    def get_config(self):
        base = super().get_config()
        base.update({"groups": self.groups, "axis": self.axis, "epsilon": self.epsilon,
                     **self._affine_config()})
        return base

"""Activation layers: ReLU, LeakyReLU, PReLU, ELU, Softmax (as `keras.layers`)."""
import tessera as ts
from ..saving.object_registration import keras_export
from .input_spec import InputSpec
from .layer import Layer

__all__ = ["ReLU", "LeakyReLU", "PReLU", "ELU", "Softmax"]


def _serialize(obj):
    from ..saving.serialization_lib import serialize_keras_object
    return serialize_keras_object(obj)


class _Elementwise(Layer):
    """Shared base: the output has the input's shape, masks pass through."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)


@keras_export("keras.layers")
class ReLU(_Elementwise):
    """Rectified linear unit, as `keras.layers.ReLU`.

    `f(x) = max_value` for `x >= max_value`, `x` for `threshold <= x < max_value`,
    `negative_slope * (x - threshold)` otherwise.

    Args:
        max_value: upper bound of the output (None: unbounded); must be >= 0.
        negative_slope: slope for values below `threshold`; must be >= 0.
        threshold: the threshold below which values are damped; must be >= 0.

    Example:
    >>> keras.layers.ReLU(max_value=1.0)(np.array([-1.0, 0.5, 2.0])).numpy()
    array([0. , 0.5, 1. ], dtype=float32)
    """

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        if max_value is not None and max_value < 0.0:
            raise ValueError("max_value of a ReLU layer cannot be a negative value. "
                             f"Received: max_value={max_value}")
        if negative_slope is None or negative_slope < 0.0:
            raise ValueError("negative_slope of a ReLU layer cannot be a negative value. "
                             f"Received: negative_slope={negative_slope}")
        if threshold is None or threshold < 0.0:
            raise ValueError("threshold of a ReLU layer cannot be a negative value. "
                             f"Received: threshold={threshold}")
        self.max_value = max_value
        self.negative_slope = negative_slope
        self.threshold = threshold
        self.built = True

    def call(self, inputs):
        from .. import activations
        return activations.relu(inputs, negative_slope=self.negative_slope,
                                max_value=self.max_value, threshold=self.threshold)

    def get_config(self):
        base = super().get_config()
        base.update({"max_value": self.max_value, "negative_slope": self.negative_slope,
                     "threshold": self.threshold})
        return base


@keras_export("keras.layers")
class LeakyReLU(_Elementwise):
    """Leaky rectified linear unit, as `keras.layers.LeakyReLU`.

    `f(x) = negative_slope * x` for `x < 0`, `x` otherwise.

    Args:
        negative_slope: the slope for negative inputs, >= 0 (default 0.3).
            The Keras 2 name `alpha` is accepted too.

    Example:
    >>> keras.layers.LeakyReLU()(np.array([-1.0, 2.0])).numpy()
    array([-0.3,  2. ], dtype=float32)
    """

    def __init__(self, negative_slope=0.3, **kwargs):
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
        super().__init__(**kwargs)
        if negative_slope is None or negative_slope < 0:
            raise ValueError("The negative_slope value of a Leaky ReLU layer cannot be None or "
                             "negative value. Expected a float. Received: "
                             f"negative_slope={negative_slope}")
        self.negative_slope = negative_slope
        self.built = True

    def call(self, inputs):
        return ts.nn.leaky_relu(inputs, alpha=self.negative_slope)

    def get_config(self):
        base = super().get_config()
        base["negative_slope"] = self.negative_slope
        return base


@keras_export("keras.layers")
class PReLU(_Elementwise):
    """Parametric ReLU, as `keras.layers.PReLU`: `f(x) = x` for `x >= 0`, `alpha * x` otherwise.

    `alpha` is a learned array with the shape of one sample (axes listed in
    `shared_axes` share one value).

    Args:
        alpha_initializer: initializer of `alpha` (default "Zeros").
        alpha_regularizer, alpha_constraint: for `alpha`.
        shared_axes: the axes (1-based, batch axis excluded counting from 1)
            along which alpha is shared, e.g. `[1, 2]` for one alpha per channel
            of a `(batch, height, width, channels)` input.
    """

    def __init__(self, alpha_initializer="Zeros", alpha_regularizer=None, alpha_constraint=None,
                 shared_axes=None, **kwargs):
        super().__init__(**kwargs)
        from .. import constraints, initializers, regularizers
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        if shared_axes is None:
            self.shared_axes = None
        elif not isinstance(shared_axes, (list, tuple)):
            self.shared_axes = [shared_axes]
        else:
            self.shared_axes = list(shared_axes)

    def build(self, input_shape):
        param_shape = list(input_shape[1:])
        if self.shared_axes is not None:
            for i in self.shared_axes:
                if not 1 <= i <= len(param_shape):
                    raise ValueError(
                        f'Layer "{self.name}": shared_axes={self.shared_axes} must name axes '
                        f"1..{len(param_shape)} of inputs of shape {tuple(input_shape)}.")
                param_shape[i - 1] = 1
        if any(d is None for d in param_shape):
            raise ValueError(f'Layer "{self.name}": PReLU needs known sizes on its non-shared '
                             f"axes, got input shape {tuple(input_shape)}; pass shared_axes "
                             "for the unknown ones.")
        self.alpha = self.add_weight(shape=param_shape, name="alpha",
                                     initializer=self.alpha_initializer,
                                     regularizer=self.alpha_regularizer,
                                     constraint=self.alpha_constraint)
        axes = {}
        if self.shared_axes:
            for i in range(1, len(input_shape)):
                if i not in self.shared_axes:
                    axes[i] = input_shape[i]
        self.input_spec = InputSpec(ndim=len(input_shape), axes=axes)
        self.built = True

    def call(self, inputs):
        pos = ts.nn.relu(inputs)
        neg = -self.alpha * ts.nn.relu(-inputs)
        return pos + neg

    def get_config(self):
        base = super().get_config()
        base.update({"alpha_initializer": _serialize(self.alpha_initializer),
                     "alpha_regularizer": _serialize(self.alpha_regularizer),
                     "alpha_constraint": _serialize(self.alpha_constraint),
                     "shared_axes": self.shared_axes})
        return base


@keras_export("keras.layers")
class ELU(_Elementwise):
    """Exponential linear unit, as `keras.layers.ELU`.

    `f(x) = alpha * (exp(x) - 1)` for `x < 0`, `x` otherwise.

    Args:
        alpha: scale of the negative part (default 1.0).
    """

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = alpha
        self.built = True

    def call(self, inputs):
        from .. import activations
        return activations.elu(inputs, alpha=self.alpha)

    def get_config(self):
        base = super().get_config()
        base["alpha"] = self.alpha
        return base


def _large_negative(dtype):
    return -3e4 if dtype == "float16" else -1e9


@keras_export("keras.layers")
class Softmax(_Elementwise):
    """Softmax activation layer, as `keras.layers.Softmax`.

    Args:
        axis: the axis (or list of axes) normalized (default -1).

    Call arguments:
        inputs: the logits.
        mask: optional boolean mask broadcastable to `inputs`; masked positions
            (False) get probability ~0.

    Example:
    >>> keras.layers.Softmax()(np.array([1.0, 2.0, 1.0])).numpy()
    array([0.21194157, 0.5761169 , 0.21194157], dtype=float32)
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = tuple(axis) if isinstance(axis, list) else axis
        self.built = True

    def call(self, inputs, mask=None):
        if mask is not None:
            m = ts.convert_to_tensor(mask)
            adder = (1.0 - ts.cast(m, inputs.dtype)) * _large_negative(inputs.dtype.name)
            inputs = inputs + adder
        axis = self.axis
        if isinstance(axis, (tuple, list)):
            if len(axis) > 1:
                return ts.exp(inputs - ts.reduce_logsumexp(inputs, axis=list(axis),
                                                           keepdims=True))
            axis = axis[0]
        return ts.nn.softmax(inputs, axis=axis)

    def get_config(self):
        base = super().get_config()
        base["axis"] = self.axis
        return base

"""Core layers: Dense, Activation, Flatten, Dropout, ... (one family per file; see DESIGN.md)."""
import numpy as np

import tessera as ts
from ...core import errors as _errors
from ..saving.object_registration import keras_export
from .input_spec import InputSpec
from .layer import Layer

__all__ = ["Dense", "Activation", "Flatten", "Dropout"]


def _serialize(obj):
    from ..saving.serialization_lib import serialize_keras_object
    return serialize_keras_object(obj)


@keras_export("keras.layers")
class Dense(Layer):
    """A densely connected layer: `activation(inputs @ kernel + bias)`, as `keras.layers.Dense`.

    Args:
        units: output size.
        activation: activation name or function (default none: linear).
        use_bias: add a bias vector.
        kernel_initializer, bias_initializer: initializers (glorot_uniform, zeros).
        kernel_regularizer, bias_regularizer, activity_regularizer: regularizers.
        kernel_constraint, bias_constraint: constraints.

    Input shape `(..., input_dim)`; output shape `(..., units)`.

    Example:
    >>> layer = keras.layers.Dense(3, activation="relu")
    >>> layer(np.ones((2, 4))).shape
    TensorShape([2, 3])
    """

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 lora_rank=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        from .. import activations, constraints, initializers, regularizers
        if not isinstance(units, (int, np.integer)) or units <= 0:
            raise ValueError(f"Received an invalid value for `units`, expected a positive "
                             f"integer. Received: units={units!r}")
        if lora_rank:
            raise NotImplementedError("tessera's Dense does not support lora_rank yet.")
        self.units = int(units)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(min_ndim=2)
        self.supports_masking = True

    def build(self, input_shape):
        in_dim = input_shape[-1]
        if in_dim is None:
            raise ValueError(f'Layer "{self.name}": the last dimension of the inputs to Dense '
                             f"must be known, got input shape {tuple(input_shape)}.")
        self.kernel = self.add_weight(name="kernel", shape=(in_dim, self.units),
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        if self.use_bias:
            self.bias = self.add_weight(name="bias", shape=(self.units,),
                                        initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        else:
            self.bias = None
        self.input_spec = InputSpec(min_ndim=2, axes={-1: in_dim})
        self.built = True

    def call(self, inputs, training=None):
        x = ts.matmul(inputs, self.kernel)
        if self.bias is not None:
            x = x + self.bias
        if self.activation is not None:
            x = self.activation(x)
        return x

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        base = super().get_config()
        base.update({
            "units": self.units, "activation": _serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": _serialize(self.kernel_initializer),
            "bias_initializer": _serialize(self.bias_initializer),
            "kernel_regularizer": _serialize(self.kernel_regularizer),
            "bias_regularizer": _serialize(self.bias_regularizer),
            "kernel_constraint": _serialize(self.kernel_constraint),
            "bias_constraint": _serialize(self.bias_constraint),
        })
        if self.activity_regularizer is not None:
            base["activity_regularizer"] = _serialize(self.activity_regularizer)
        return base


@keras_export("keras.layers")
class Activation(Layer):
    """Applies an activation function, as `keras.layers.Activation`.

    Args:
        activation: a name such as "relu", or a function.
    """

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        from .. import activations
        self.supports_masking = True
        self.activation = activations.get(activation)

    def call(self, inputs):
        return self.activation(inputs)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        base = super().get_config()
        base["activation"] = _serialize(self.activation)
        return base


@keras_export("keras.layers")
class Flatten(Layer):
    """Flattens every axis but the batch axis, as `keras.layers.Flatten`.

    Args:
        data_format: "channels_last" (default) or "channels_first" (then the
            channel axis is moved last before flattening, as Keras does).
    """

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        from .. import config
        self.data_format = data_format or config.image_data_format()
        self.input_spec = InputSpec(min_ndim=1)

    def call(self, inputs):
        x = inputs
        if self.data_format == "channels_first" and x.ndim > 2:
            x = ts.transpose(x, [0] + list(range(2, x.ndim)) + [1])
        return ts.reshape(x, (x.shape[0], -1) if x.ndim > 1 else (x.shape[0], 1))

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        n = None if any(d is None for d in rest) else int(np.prod(rest)) if rest else 1
        return (input_shape[0], n)

    def get_config(self):
        base = super().get_config()
        base["data_format"] = self.data_format
        return base


@keras_export("keras.layers")
class Dropout(Layer):
    """Randomly sets a fraction `rate` of inputs to 0 during training, scaling the rest.

    Args:
        rate: fraction to drop, in [0, 1).
        noise_shape: shape of the binary mask (broadcast against the input).
        seed: random seed.

    Only active when called with `training=True` (as inside `fit`).
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= rate <= 1:
            raise ValueError(f"Invalid value received for argument `rate`. Expected a float "
                             f"value between 0 and 1. Received: rate={rate}")
        self.rate = float(rate)
        self.noise_shape = noise_shape
        self.seed = seed
        self.supports_masking = True

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        noise_shape = self.noise_shape
        if noise_shape is not None:
            noise_shape = [inputs.shape[i] if d is None else d for i, d in enumerate(noise_shape)]
        return ts.nn.dropout(inputs, rate=self.rate, noise_shape=noise_shape, seed=self.seed)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        base = super().get_config()
        base.update({"rate": self.rate, "seed": self.seed, "noise_shape": self.noise_shape})
        return base

"""Core layers: Dense, EinsumDense, Activation, Flatten, Dropout, Identity, Lambda, Masking.

One family per file (see DESIGN.md); the other families live in activation.py,
merging.py, reshaping.py, regularization.py, embedding.py and preprocessing.py.
"""
import inspect
import re
import types

import numpy as np

import tessera as ts
from ..saving.object_registration import keras_export
from .input_spec import InputSpec
from ...ops.fused import dense as _fused_dense
from .layer import Layer


def _fusable_activations():
    """`(activations.relu, activations.linear)`, imported once (not at module import:
    activations import layers)."""
    if not _ACTS:
        from .. import activations
        _ACTS.extend((activations.relu, activations.linear))
    return _ACTS


_ACTS = []

__all__ = ["Dense", "EinsumDense", "Activation", "Flatten", "Dropout", "Identity", "Lambda",
           "Masking"]


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
        act = self.activation
        relu, linear = _fusable_activations()
        if act is relu or act is linear or act is None:
            return _fused_dense(inputs, self.kernel, self.bias,
                                "relu" if act is relu else None)
        return act(_fused_dense(inputs, self.kernel, self.bias))

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


# ---------------------------------------------------------------------------
# EinsumDense
# ---------------------------------------------------------------------------
def _analyze_einsum(equation, bias_axes, input_shape, output_shape):
    """Returns `(kernel_shape, bias_shape, full_output_shape)` for an EinsumDense equation.

    The equation has the form `IN,W->OUT` (letters only), optionally with `...`
    at the start of IN and OUT (leading axes elided) or at their end (trailing
    axes elided). The first letter of OUT is the batch axis; `output_shape`
    gives the other output sizes (the elided ones excluded).
    """
    plain = re.sub(r"\.\.\.", "0", equation.replace(" ", ""))
    left = right = False
    m = re.fullmatch(r"([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)", plain)
    if m is None:
        m = re.fullmatch(r"0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)", plain)
        left = m is not None
    if m is None:
        m = re.fullmatch(r"([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0", plain)
        right = m is not None
    if m is None:
        raise ValueError(
            f"Invalid einsum equation '{equation}'. Equations must be in the form "
            "[X],[Y]->[Z], ...[X],[Y]->...[Z], or [X]...,[Y]->[Z]... (e.g. 'ab,bc->ac').")
    in_spec, w_spec, out_spec = m.groups()
    input_shape = tuple(input_shape)
    elided = len(input_shape) - len(in_spec)
    if elided < 0 or (elided > 0 and not (left or right)):
        raise ValueError(
            f"EinsumDense equation '{equation}' expects inputs of rank {len(in_spec)}, but "
            f"received input shape {input_shape}.")
    out = [output_shape] if isinstance(output_shape, (int, np.integer)) else list(output_shape)
    out = [None if d is None else int(d) for d in out]
    out.insert(0, input_shape[0])
    if elided > 0 and left:
        for i in range(1, elided):
            out.insert(1, input_shape[i])
    elif elided > 0:
        out.extend(input_shape[len(input_shape) - elided:])
    if len(out) != len(out_spec) + elided:
        raise ValueError(
            f"EinsumDense equation '{equation}' has {len(out_spec)} output axes but "
            f"output_shape={output_shape!r} (batch axis excluded) gives {len(out) - 1 - elided}: "
            "give one size per output axis after the batch axis.")
    if left:
        in_map = {d: i + elided - len(input_shape) for i, d in enumerate(in_spec)}
        out_map = {d: i + elided - len(out) for i, d in enumerate(out_spec)}
    else:
        in_map = {d: i for i, d in enumerate(in_spec)}
        out_map = {d: i for i, d in enumerate(out_spec)}
    for d in in_spec:
        if d in out_map:
            a, b = input_shape[in_map[d]], out[out_map[d]]
            if a is not None and b is not None and a != b:
                raise ValueError(
                    f"EinsumDense: input shape {input_shape} and output shape {tuple(out)} do "
                    f"not match at the shared dimension '{d}' ({a} vs {b}) of equation "
                    f"'{equation}'.")
            if b is None:
                out[out_map[d]] = a
    for d in out_spec:
        if d not in in_spec and d not in w_spec:
            raise ValueError(
                f"Dimension '{d}' was specified in the output '{out_spec}' but has no "
                f"corresponding dimension in the input spec '{in_spec}' or weight spec "
                f"'{w_spec}' of equation '{equation}'.")
    kernel_shape = []
    for d in w_spec:
        if d in in_map:
            kernel_shape.append(input_shape[in_map[d]])
        elif d in out_map:
            kernel_shape.append(out[out_map[d]])
        else:
            raise ValueError(
                f"Weight dimension '{d}' of equation '{equation}' did not have a match in "
                f"either the input spec '{in_spec}' or the output spec '{out_spec}'. For this "
                "layer, the weight must be fully specified.")
    if any(k is None for k in kernel_shape):
        raise ValueError(f"EinsumDense '{equation}': the kernel shape {kernel_shape} has unknown "
                         f"sizes; the input shape {input_shape} must be known on those axes.")
    bias_shape = None
    if bias_axes is not None:
        for c in bias_axes:
            if c not in out_spec:
                raise ValueError(
                    f"Bias dimension '{c}' was requested, but is not part of the output spec "
                    f"'{out_spec}' of equation '{equation}'.")
        first = min(out_spec.find(c) for c in bias_axes)
        bias_shape = [out[out_map[c]] if c in bias_axes else 1 for c in out_spec[first:]]
        if not left:
            bias_shape.extend([1] * elided)
    return kernel_shape, bias_shape, tuple(out)


@keras_export("keras.layers")
class EinsumDense(Layer):
    """A dense layer of arbitrary dimensionality defined by an einsum equation.

    `outputs = activation(einsum(equation, inputs, kernel) + bias)`, as
    `keras.layers.EinsumDense`.

    Args:
        equation: `"IN,W->OUT"`, e.g. `"ab,bc->ac"` (a Dense layer) or
            `"...b,bc->...c"`; the first output letter is the batch axis.
        output_shape: the output sizes, batch axis (and elided axes) excluded;
            None for an axis whose size is inferred from the input.
        activation: activation name or function (default linear).
        bias_axes: output letters that get a bias (e.g. `"c"`), or None.
        kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
        kernel_constraint, bias_constraint: as in `Dense`.

    Example:
    >>> layer = keras.layers.EinsumDense("abc,cd->abd", output_shape=(None, 64), bias_axes="d")
    >>> layer(np.ones((2, 32, 128))).shape
    TensorShape([2, 32, 64])
    """

    def __init__(self, equation, output_shape, activation=None, bias_axes=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, lora_rank=None, lora_alpha=None, **kwargs):
        super().__init__(**kwargs)
        from .. import activations, constraints, initializers, regularizers
        if lora_rank:
            raise NotImplementedError("tessera's EinsumDense does not support lora_rank yet.")
        self.equation = equation
        if isinstance(output_shape, (int, np.integer)):
            self.partial_output_shape = (int(output_shape),)
        else:
            self.partial_output_shape = tuple(output_shape)
        self.bias_axes = bias_axes
        self.activation = activations.get(activation)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.lora_rank = lora_rank
        self.full_output_shape = None

    def build(self, input_shape):
        kernel_shape, bias_shape, full = _analyze_einsum(
            self.equation, self.bias_axes, input_shape, self.partial_output_shape)
        self.full_output_shape = full
        self.kernel = self.add_weight(name="kernel", shape=kernel_shape,
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        if bias_shape is not None:
            self.bias = self.add_weight(name="bias", shape=bias_shape,
                                        initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        else:
            self.bias = None
        self.input_spec = InputSpec(ndim=len(input_shape))
        self.built = True

    def call(self, inputs, training=None):
        x = ts.einsum(self.equation, inputs, self.kernel)
        if self.bias is not None:
            x = x + self.bias
        if self.activation is not None:
            x = self.activation(x)
        return x

    def compute_output_shape(self, input_shape):
        return _analyze_einsum(self.equation, self.bias_axes, input_shape,
                               self.partial_output_shape)[2]

    def get_config(self):
        base = super().get_config()
        base.update({
            "output_shape": self.partial_output_shape, "equation": self.equation,
            "activation": _serialize(self.activation), "bias_axes": self.bias_axes,
            "kernel_initializer": _serialize(self.kernel_initializer),
            "bias_initializer": _serialize(self.bias_initializer),
            "kernel_regularizer": _serialize(self.kernel_regularizer),
            "bias_regularizer": _serialize(self.bias_regularizer),
            "activity_regularizer": _serialize(self.activity_regularizer),
            "kernel_constraint": _serialize(self.kernel_constraint),
            "bias_constraint": _serialize(self.bias_constraint),
        })
        return base

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        shape = config.get("output_shape")
        if isinstance(shape, dict) and shape.get("class_name") == "__tuple__":
            config["output_shape"] = tuple(shape["config"]["value"])
        return super().from_config(config)


# ---------------------------------------------------------------------------
# Identity, Lambda, Masking
# ---------------------------------------------------------------------------
@keras_export("keras.layers")
class Identity(Layer):
    """Returns its inputs unchanged, as `keras.layers.Identity` (a placeholder layer)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def compute_output_spec(self, inputs, *args, **kwargs):
        from ...core import nest
        from ..models.symbolic import KerasTensor
        return nest.map_structure(lambda t: KerasTensor(t.shape, dtype=t.dtype), inputs)


def _is_python_lambda(fn):
    return isinstance(fn, types.LambdaType) and fn.__name__ == "<lambda>"


def _lambda_refused(arg):
    return ValueError(
        f"Requested the deserialization of a `Lambda` layer whose `{arg}` is a Python lambda. "
        "This loads and runs bytecode from the config, which could execute arbitrary code, "
        "so it is disallowed by default. If you trust the source of the config, pass "
        "`safe_mode=False` to the loading function (or to `Lambda.from_config`), or call "
        "`keras.config.enable_unsafe_deserialization()`.")


@keras_export("keras.layers")
class Lambda(Layer):
    """Wraps an arbitrary expression as a layer, as `keras.layers.Lambda`.

    Write the function with `keras.ops` or Tessera ops so that gradients flow. A
    Lambda holding a Python lambda saves it as bytecode, which loading refuses
    unless `safe_mode=False`; prefer a named function (registered with
    `keras.saving.register_keras_serializable` or passed in `custom_objects`),
    or a subclassed layer.

    Args:
        function: `function(inputs, **arguments)`; it may take `mask` and
            `training` keyword arguments.
        output_shape: the output shape without the batch axis, or a function
            `input_shape -> output_shape`; None infers it by running the function.
        mask: a fixed output mask, or a function `(inputs, mask) -> mask`.
        arguments: a dict of extra keyword arguments for `function`.

    Example:
    >>> layer = keras.layers.Lambda(lambda x: x ** 2)
    >>> layer(np.array([[2.0]])).numpy()
    array([[4.]], dtype=float32)
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(f"Lambda: `function` must be callable, received {function!r} "
                            f"(of type {type(function).__name__}).")
        self.function = function
        self.arguments = dict(arguments) if arguments else {}
        self.supports_masking = mask is not None
        self.mask = mask
        if isinstance(output_shape, list) and all(isinstance(d, (int, type(None)))
                                                  for d in output_shape):
            output_shape = tuple(output_shape)
        self._output_shape = output_shape
        try:
            params = inspect.signature(function).parameters
        except (TypeError, ValueError):
            params = {}
        self._fn_expects_training_arg = "training" in params
        self._fn_expects_mask_arg = "mask" in params
        self.built = True

    def call(self, inputs, mask=None, training=None):
        kwargs = dict(self.arguments)
        if self._fn_expects_mask_arg:
            kwargs["mask"] = mask
        if self._fn_expects_training_arg:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def compute_mask(self, inputs, mask=None):
        if callable(self.mask):
            return self.mask(inputs, mask)
        return self.mask

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            return Layer.compute_output_shape(self, input_shape)
        if callable(self._output_shape):
            return self._output_shape(input_shape)
        from ...core import nest
        batch = nest.flatten(input_shape)[0] if nest.is_nested(input_shape) and \
            nest.is_nested(input_shape[0]) else input_shape[0]
        shape = self._output_shape
        if shape and isinstance(shape[0], (tuple, list)):
            return [(batch,) + tuple(s) for s in shape]
        return (batch,) + tuple(shape)

    def compute_output_spec(self, inputs, mask=None, training=None):
        from ...core import nest
        from ..models.symbolic import KerasTensor, Operation
        if self._output_shape is None:
            return Operation.compute_output_spec(self, inputs, training=training)
        in_shape = nest.map_structure(lambda t: tuple(t.shape), inputs)
        shape = self.compute_output_shape(in_shape)
        dtype = nest.flatten(inputs)[0].dtype
        if isinstance(shape, list) and shape and isinstance(shape[0], (tuple, list)):
            return [KerasTensor(s, dtype=dtype) for s in shape]
        return KerasTensor(shape, dtype=dtype)

    def _function_config(self, fn):
        if _is_python_lambda(fn):
            from ..saving import lambda_serialization
            return {"class_name": "__lambda__",
                    "config": lambda_serialization.serialize_function(fn)}
        if callable(fn):
            return _serialize(fn)
        raise ValueError(f"Lambda: cannot serialize {fn!r} of type {type(fn).__name__}.")

    def get_config(self):
        config = {"function": self._function_config(self.function)}
        if self._output_shape is not None:
            config["output_shape"] = self._function_config(self._output_shape) \
                if callable(self._output_shape) else self._output_shape
        if self.mask is not None:
            config["mask"] = self._function_config(self.mask) if callable(self.mask) \
                else _serialize(self.mask)
        config["arguments"] = _serialize(self.arguments)
        base = super().get_config()
        base.update(config)
        return base

    @classmethod
    def from_config(cls, config, custom_objects=None, safe_mode=None):
        """Rebuilds the layer; a Python lambda in the config needs `safe_mode=False`."""
        from ..saving import lambda_serialization, serialization_lib
        if safe_mode is None:
            safe_mode = serialization_lib.in_safe_mode()
        safe_mode = safe_mode is not False
        config = dict(config)

        def load(key):
            fn_config = config[key]
            if isinstance(fn_config, dict) and fn_config.get("class_name") == "__lambda__":
                if safe_mode:
                    raise _lambda_refused(key)
                return lambda_serialization.deserialize_function(fn_config["config"])
            return serialization_lib.deserialize_keras_object(fn_config,
                                                              custom_objects=custom_objects)

        config["function"] = load("function")
        if "output_shape" in config:
            shape = load("output_shape")
            if isinstance(shape, list) and all(isinstance(d, (int, type(None))) for d in shape):
                shape = tuple(shape)
            config["output_shape"] = shape
        if "mask" in config:
            config["mask"] = load("mask")
        if "arguments" in config:
            config["arguments"] = serialization_lib.deserialize_keras_object(
                config["arguments"], custom_objects=custom_objects)
        return super().from_config(config)


@keras_export("keras.layers")
class Masking(Layer):
    """Masks timesteps whose features all equal `mask_value`, as `keras.layers.Masking`.

    For each timestep of a `(batch, timesteps, features)` input, the timestep
    is masked (skipped by downstream layers that support masking) when every
    feature equals `mask_value`; masked timesteps are also zeroed in the output.

    Args:
        mask_value: the value marking padding (default 0.0).

    Example:
    >>> x = np.array([[[1.0], [0.0]]])
    >>> keras.layers.Masking()(x)._keras_mask.numpy()
    array([[ True, False]])
    """

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        self.mask_value = mask_value
        self.supports_masking = True
        self.built = True

    def compute_mask(self, inputs, mask=None):
        return ts.reduce_any(ts.not_equal(inputs, self.mask_value), axis=-1)

    def call(self, inputs):
        keep = ts.reduce_any(ts.not_equal(inputs, self.mask_value), axis=-1, keepdims=True)
        return inputs * ts.cast(keep, inputs.dtype)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        base = super().get_config()
        base["mask_value"] = self.mask_value
        return base

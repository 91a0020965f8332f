"""Convolution layers: Conv1D/2D/3D and their transposes, as in Keras 3.

`BaseConv` carries what the whole family shares (argument checks, shapes,
padding, the call of the fused convolution op, config); each layer is a short
subclass. Depthwise and separable convolutions live in `conv_depthwise.py`.
The heavy work is `tessera.ops.conv.conv`: one fused kernel call computing
`activation(conv(x, kernel) + bias)` for "relu" and linear activations.
"""
import numpy as np

import tessera as ts
from ...ops import conv as _conv_ops
from ...ops import conv_kernels as _ck
from ..saving.object_registration import keras_export
from .input_spec import InputSpec
from .layer import Layer

__all__ = ["Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose", "Conv2DTranspose",
           "Conv3DTranspose", "DepthwiseConv1D", "DepthwiseConv2D", "SeparableConv1D",
           "SeparableConv2D", "Convolution1D", "Convolution2D", "Convolution3D",
           "Convolution1DTranspose", "Convolution2DTranspose", "Convolution3DTranspose",
           "SeparableConvolution1D", "SeparableConvolution2D"]


def _serialize(obj):
    from ..saving.serialization_lib import serialize_keras_object
    return serialize_keras_object(obj)


def standardize_tuple(value, n, name, allow_zero=False):
    """An int or a sequence of `n` ints as a tuple of `n` positive ints (Keras's rule)."""
    if isinstance(value, dict) and value.get("class_name") == "__tuple__":
        value = value["config"]["value"]
    if isinstance(value, (int, np.integer)):
        value = (int(value),) * n
    msg = (f"The `{name}` argument must be a tuple of {n} integers. Received {name}={value}")
    try:
        value = tuple(int(v) for v in value)
    except (TypeError, ValueError):
        raise ValueError(msg) from None
    if len(value) != n or any(v < 0 or (v == 0 and not allow_zero) for v in value):
        raise ValueError(msg + (", including values <= 0" if len(value) == n else ""))
    return value


def standardize_padding(value, allow_causal=False):
    """"valid" / "same" (and "causal" for 1-D convolutions), lowercased."""
    padding = str(value).lower()
    allowed = ("valid", "same", "causal") if allow_causal else ("valid", "same")
    if padding not in allowed:
        raise ValueError(f"The `padding` argument must be a string in {allowed}. "
                         f"Received: padding={value!r}")
    return padding


def standardize_data_format(value):
    from .. import config
    fmt = (value or config.image_data_format()).lower()
    if fmt not in ("channels_last", "channels_first"):
        raise ValueError("The `data_format` argument must be one of {'channels_first', "
                         f"'channels_last'}}. Received: data_format={value!r}")
    return fmt


class BaseConv(Layer):
    """Shared base of the convolution layers (`keras.layers.Conv`'s arguments).

    Args:
        rank: number of spatial axes (1, 2 or 3).
        filters: number of output channels.
        kernel_size: int or tuple of `rank` ints.
        strides: int or tuple; `strides > 1` cannot be combined with `dilation_rate > 1`.
        padding: "valid", "same" (and "causal" for rank 1).
        data_format: "channels_last" (default, `keras.config.image_data_format()`)
            or "channels_first".
        dilation_rate: int or tuple.
        groups: input and output channels are split into this many groups.
        activation: activation (None: linear); "relu" is fused into the convolution.
        use_bias: add a bias vector.
        kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
        activity_regularizer, kernel_constraint, bias_constraint: as in `Dense`.
    """

    _transpose = False

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, lora_rank=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if lora_rank:
            raise NotImplementedError(f"{type(self).__name__}: tessera does not support "
                                      "lora_rank yet.")
        self._init_common(rank, filters, kernel_size, strides, padding, data_format,
                          dilation_rate, activation, use_bias, bias_initializer,
                          bias_regularizer, bias_constraint)
        from .. import constraints, initializers, regularizers
        self.groups = int(groups)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        if self.groups <= 0:
            raise ValueError(f"{self._who()}: the number of groups must be a positive integer. "
                             f"Received: groups={groups}.")
        if self.filters is not None and self.filters % self.groups:
            raise ValueError(f"{self._who()}: the number of filters must be evenly divisible by "
                             f"the number of groups. Received: groups={self.groups}, "
                             f"filters={self.filters}.")

    # -- shared set-up --------------------------------------------------------
    def _init_common(self, rank, filters, kernel_size, strides, padding, data_format,
                     dilation_rate, activation, use_bias, bias_initializer, bias_regularizer,
                     bias_constraint):
        from .. import activations, constraints, initializers, regularizers
        self.rank = rank
        if filters is not None:
            if not isinstance(filters, (int, np.integer)) or filters <= 0:
                raise ValueError(f"{self._who()}: invalid value for argument `filters`. Expected "
                                 f"a strictly positive value. Received filters={filters}.")
            filters = int(filters)
        self.filters = filters
        self.kernel_size = standardize_tuple(kernel_size, rank, "kernel_size")
        self.strides = standardize_tuple(strides, rank, "strides")
        self.dilation_rate = standardize_tuple(dilation_rate, rank, "dilation_rate")
        self.padding = standardize_padding(padding, allow_causal=(rank == 1 and not self._transpose))
        self.data_format = standardize_data_format(data_format)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.bias_initializer = initializers.get(bias_initializer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.bias_constraint = constraints.get(bias_constraint)
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f"{self._who()}: `strides > 1` not supported in conjunction with "
                             f"`dilation_rate > 1`. Received: strides={self.strides} and "
                             f"dilation_rate={self.dilation_rate}")
        self.input_spec = InputSpec(ndim=rank + 2)

    def _who(self):
        name = getattr(self, "name", None)
        return f'Layer "{name}" ({type(self).__name__})' if name else type(self).__name__

    @property
    def _channel_axis(self):
        return -1 if self.data_format == "channels_last" else 1

    def _in_channels(self, input_shape):
        shape = tuple(input_shape)
        if len(shape) != self.rank + 2:
            raise ValueError(f"{self._who()} expects inputs of rank {self.rank + 2} (batch, "
                             f"{self.rank} spatial axes, channels), got input shape {shape}.")
        c = shape[self._channel_axis]
        if c is None:
            raise ValueError(f"{self._who()}: the channel dimension of the inputs must be known, "
                             f"got input shape {shape}.")
        return int(c)

    def _spatial(self, input_shape):
        s = tuple(input_shape)
        return s[1:-1] if self.data_format == "channels_last" else s[2:]

    def _pads(self, in_sp):
        """(low, high) pairs of the forward convolution for spatial sizes `in_sp`."""
        if self.padding == "valid":
            return ((0, 0),) * self.rank
        if self.padding == "causal":
            return (((self.kernel_size[0] - 1) * self.dilation_rate[0], 0),)
        return _ck.same_pads(in_sp, self.kernel_size, self.strides, self.dilation_rate)

    def _conv_out_spatial(self, in_sp, input_shape):
        out = []
        for i, n in enumerate(in_sp):
            if n is None:
                out.append(None)
                continue
            pads = self._pads((n,) * self.rank)[i]
            o = _ck.out_sizes((n,), (self.kernel_size[i],), (self.strides[i],),
                              (self.dilation_rate[i],), (pads,))[0]
            if o <= 0:
                raise ValueError(
                    f"{self._who()}: the kernel size {self.kernel_size} (dilation_rate "
                    f"{self.dilation_rate}) is larger than the input's spatial shape "
                    f"{tuple(in_sp)} with padding=\"{self.padding}\" (input shape "
                    f"{tuple(input_shape)}). Use padding=\"same\", a smaller kernel_size or a "
                    "larger input.")
            out.append(int(o))
        return tuple(out)

    def _with_spatial(self, input_shape, out_sp, channels):
        if self.data_format == "channels_last":
            return (input_shape[0],) + tuple(out_sp) + (channels,)
        return (input_shape[0], channels) + tuple(out_sp)

    def _act(self):
        """(fused activation name or None, activation to apply afterwards or None)."""
        from .. import activations
        act = self.activation
        if act is activations.relu:
            return "relu", None
        if act is None or act is activations.linear:
            return None, None
        return None, act

    def _add_bias(self, channels):
        if not self.use_bias:
            self.bias = None
            return
        self.bias = self.add_weight(name="bias", shape=(channels,),
                                    initializer=self.bias_initializer,
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint)

    def _set_spec(self, channels):
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={self._channel_axis: channels})

    def _to_last(self, x):
        if self.data_format == "channels_last":
            return x
        return ts.transpose(x, [0] + list(range(2, self.rank + 2)) + [1])

    def _from_last(self, y):
        if self.data_format == "channels_last":
            return y
        return ts.transpose(y, [0, self.rank + 1] + list(range(1, self.rank + 1)))

    def _fused_conv(self, x, kernel, bias, groups=1, strides=None, padding=None, dilations=None):
        """The fused op on a channels-last tensor, with this layer's geometry."""
        fused, after = self._act()
        pads = self._pads(tuple(x.shape[1:-1])) if padding is None else padding
        y = _conv_ops.conv(x, kernel, bias, self.strides if strides is None else strides, pads,
                           "channels_last", self.dilation_rate if dilations is None else dilations,
                           groups=groups, activation=fused, name=self._who())
        return y if after is None else after(y)

    # -- Conv ----------------------------------------------------------------
    def build(self, input_shape):
        c = self._in_channels(input_shape)
        if c % self.groups:
            raise ValueError(f"{self._who()}: the number of input channels must be evenly "
                             f"divisible by the number of groups. Received groups={self.groups}, "
                             f"but the input has {c} channels (full input shape is "
                             f"{tuple(input_shape)}).")
        self.compute_output_shape(input_shape)
        self.kernel = self.add_weight(name="kernel",
                                      shape=self.kernel_size + (c // self.groups, self.filters),
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self._add_bias(self.filters)
        self._set_spec(c)
        self.built = True

    def call(self, inputs):
        y = self._fused_conv(self._to_last(inputs), self.kernel, self.bias, groups=self.groups)
        return self._from_last(y)

    def compute_output_shape(self, input_shape):
        out_sp = self._conv_out_spatial(self._spatial(input_shape), input_shape)
        return self._with_spatial(input_shape, out_sp, self.filters)

    def _base_config(self):
        base = Layer.get_config(self)
        base.update({
            "kernel_size": self.kernel_size, "strides": self.strides, "padding": self.padding,
            "data_format": self.data_format, "dilation_rate": self.dilation_rate,
            "activation": _serialize(self.activation), "use_bias": self.use_bias,
            "bias_initializer": _serialize(self.bias_initializer),
            "bias_regularizer": _serialize(self.bias_regularizer),
            "activity_regularizer": _serialize(self.activity_regularizer),
            "bias_constraint": _serialize(self.bias_constraint)})
        return base

    def get_config(self):
        base = self._base_config()
        base.update({
            "filters": self.filters, "groups": self.groups,
            "kernel_initializer": _serialize(self.kernel_initializer),
            "kernel_regularizer": _serialize(self.kernel_regularizer),
            "kernel_constraint": _serialize(self.kernel_constraint)})
        return base


@keras_export("keras.layers")
class Conv1D(BaseConv):
    """1-D convolution over `(batch, steps, channels)` inputs, as `keras.layers.Conv1D`.

    See `BaseConv` for the arguments; `padding` may also be "causal" (output
    `t` sees only inputs up to `t`).

    >>> keras.layers.Conv1D(4, 3)(np.ones((2, 10, 3))).shape
    TensorShape([2, 8, 4])
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(1, filters, kernel_size, strides, padding, data_format, dilation_rate,
                         groups, activation, use_bias, kernel_initializer, bias_initializer,
                         kernel_regularizer, bias_regularizer, activity_regularizer,
                         kernel_constraint, bias_constraint, **kwargs)


@keras_export("keras.layers")
class Conv2D(BaseConv):
    """2-D convolution over `(batch, height, width, channels)` inputs, as `keras.layers.Conv2D`.

    See `BaseConv` for the arguments.

    >>> keras.layers.Conv2D(32, 3, activation="relu")(np.ones((2, 28, 28, 1))).shape
    TensorShape([2, 26, 26, 32])
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(2, filters, kernel_size, strides, padding, data_format, dilation_rate,
                         groups, activation, use_bias, kernel_initializer, bias_initializer,
                         kernel_regularizer, bias_regularizer, activity_regularizer,
                         kernel_constraint, bias_constraint, **kwargs)


@keras_export("keras.layers")
class Conv3D(BaseConv):
    """3-D convolution over `(batch, depth, height, width, channels)` inputs, as
    `keras.layers.Conv3D`. See `BaseConv` for the arguments."""

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid",
                 data_format=None, dilation_rate=(1, 1, 1), groups=1, activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(3, filters, kernel_size, strides, padding, data_format, dilation_rate,
                         groups, activation, use_bias, kernel_initializer, bias_initializer,
                         kernel_regularizer, bias_regularizer, activity_regularizer,
                         kernel_constraint, bias_constraint, **kwargs)


# --------------------------------------------------------------------------- transposed
class BaseConvTranspose(BaseConv):
    """Shared base of the transposed convolutions (`keras.layers.Conv*DTranspose`).

    Extra argument `output_padding` (int or tuple, each < the stride): extra
    size added at the end of each spatial output axis. The kernel has shape
    `kernel_size + (filters, input_channels)`.
    """

    _transpose = True

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid",
                 output_padding=None, data_format=None, dilation_rate=1, activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(rank, filters, kernel_size, strides, padding, data_format,
                         dilation_rate, 1, activation, use_bias, kernel_initializer,
                         bias_initializer, kernel_regularizer, bias_regularizer,
                         activity_regularizer, kernel_constraint, bias_constraint, **kwargs)
        if output_padding is not None:
            output_padding = standardize_tuple(output_padding, rank, "output_padding",
                                               allow_zero=True)
            for i, (op, s) in enumerate(zip(output_padding, self.strides)):
                if op >= s:
                    raise ValueError(
                        f"{self._who()}: invalid `output_padding` argument. Each value in "
                        f"`output_padding` must be strictly less than the corresponding "
                        f"`strides` value. At index {i}, `output_padding` is {op} and "
                        f"`strides` is {s}. Received: output_padding={output_padding}, "
                        f"strides={self.strides}.")
        self.output_padding = output_padding

    def _transpose_out_spatial(self, in_sp):
        out = []
        for i, n in enumerate(in_sp):
            if n is None:
                out.append(None)
                continue
            k = (self.kernel_size[i] - 1) * self.dilation_rate[i] + 1
            s = self.strides[i]
            op = None if self.output_padding is None else self.output_padding[i]
            if self.padding == "valid":
                out.append((n - 1) * s + k + (max(k, s) - k if op is None else op))
            else:
                out.append(n * s if op is None else (n - 1) * s + k - 2 * (k // 2) + op)
        return tuple(out)

    def build(self, input_shape):
        c = self._in_channels(input_shape)
        self.kernel = self.add_weight(name="kernel", shape=self.kernel_size + (self.filters, c),
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self._add_bias(self.filters)
        self._set_spec(c)
        self.built = True

    def call(self, inputs):
        x = self._to_last(inputs)
        out_sp = self._transpose_out_spatial(tuple(x.shape[1:-1]))
        y = _conv_ops.conv_transpose(x, self.kernel, [x.shape[0], *out_sp, self.filters],
                                     self.strides, self.padding.upper(), "channels_last",
                                     self.dilation_rate, name=self._who())
        if self.bias is not None:
            y = y + self.bias
        return self._from_last(self.activation(y))

    def compute_output_shape(self, input_shape):
        out_sp = self._transpose_out_spatial(self._spatial(input_shape))
        return self._with_spatial(input_shape, out_sp, self.filters)

    def get_config(self):
        base = self._base_config()
        base.update({
            "filters": self.filters, "output_padding": self.output_padding,
            "kernel_initializer": _serialize(self.kernel_initializer),
            "kernel_regularizer": _serialize(self.kernel_regularizer),
            "kernel_constraint": _serialize(self.kernel_constraint)})
        return base


def _transpose_init(rank):
    def __init__(self, filters, kernel_size, strides=(1,) * rank, padding="valid",
                 output_padding=None, data_format=None, dilation_rate=(1,) * rank,
                 activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 **kwargs):
        BaseConvTranspose.__init__(
            self, rank, filters, kernel_size, strides, padding, output_padding, data_format,
            dilation_rate, activation, use_bias, kernel_initializer, bias_initializer,
            kernel_regularizer, bias_regularizer, activity_regularizer, kernel_constraint,
            bias_constraint, **kwargs)
    return __init__


@keras_export("keras.layers")
class Conv1DTranspose(BaseConvTranspose):
    """Transposed 1-D convolution, as `keras.layers.Conv1DTranspose` (see `BaseConvTranspose`)."""
    __init__ = _transpose_init(1)


@keras_export("keras.layers")
class Conv2DTranspose(BaseConvTranspose):
    """Transposed 2-D convolution, as `keras.layers.Conv2DTranspose` (see `BaseConvTranspose`).

    >>> keras.layers.Conv2DTranspose(8, 3, strides=2, padding="same")(np.ones((1, 4, 4, 3))).shape
    TensorShape([1, 8, 8, 8])
    """
    __init__ = _transpose_init(2)


@keras_export("keras.layers")
class Conv3DTranspose(BaseConvTranspose):
    """Transposed 3-D convolution, as `keras.layers.Conv3DTranspose` (see `BaseConvTranspose`)."""
    __init__ = _transpose_init(3)


Convolution1D, Convolution2D, Convolution3D = Conv1D, Conv2D, Conv3D
Convolution1DTranspose, Convolution2DTranspose, Convolution3DTranspose = (
    Conv1DTranspose, Conv2DTranspose, Conv3DTranspose)

from .conv_depthwise import (DepthwiseConv1D, DepthwiseConv2D, SeparableConv1D,  # noqa: E402
                             SeparableConv2D)

SeparableConvolution1D, SeparableConvolution2D = SeparableConv1D, SeparableConv2D

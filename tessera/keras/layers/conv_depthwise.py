"""Depthwise and separable convolution layers (Keras 3), on `conv.BaseConv`.

A depthwise convolution is a grouped convolution with one group per input
channel: its kernel `(*kernel_size, C, depth_multiplier)` is reshaped to
`(*kernel_size, 1, C * depth_multiplier)` and run through the same fused op.
These names are listed in `conv.py`'s `__all__`.
"""
from ...ops.conv import depthwise_as_grouped
from ..saving.object_registration import keras_export
from .conv import BaseConv, _serialize

__all__ = ["DepthwiseConv1D", "DepthwiseConv2D", "SeparableConv1D", "SeparableConv2D"]


def _positive_multiplier(layer, depth_multiplier):
    if not isinstance(depth_multiplier, int) or depth_multiplier <= 0:
        raise ValueError(f"{layer._who()}: invalid value for argument `depth_multiplier`. "
                         f"Expected a strictly positive value. Received "
                         f"depth_multiplier={depth_multiplier}.")
    return depth_multiplier


class BaseDepthwiseConv(BaseConv):
    """Shared base of `DepthwiseConv1D/2D`: each input channel is convolved with its
    own `depth_multiplier` filters; output channels `C * depth_multiplier`.

    Args:
        rank, kernel_size, strides, padding, data_format, dilation_rate,
        activation, use_bias: as in `BaseConv`.
        depth_multiplier: filters per input channel.
        depthwise_initializer, depthwise_regularizer, depthwise_constraint: for
            the kernel `(*kernel_size, C, depth_multiplier)`.
        bias_initializer, bias_regularizer, bias_constraint, activity_regularizer.
    """

    def __init__(self, rank, kernel_size, strides=1, padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        from .. import constraints, initializers, regularizers
        super(BaseConv, self).__init__(activity_regularizer=activity_regularizer, **kwargs)
        self._init_common(rank, None, kernel_size, strides, padding, data_format,
                          dilation_rate, activation, use_bias, bias_initializer,
                          bias_regularizer, bias_constraint)
        self.depth_multiplier = _positive_multiplier(self, depth_multiplier)
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)

    def build(self, input_shape):
        c = self._in_channels(input_shape)
        self.compute_output_shape(input_shape)
        self.kernel = self.add_weight(name="kernel",
                                      shape=self.kernel_size + (c, self.depth_multiplier),
                                      initializer=self.depthwise_initializer,
                                      regularizer=self.depthwise_regularizer,
                                      constraint=self.depthwise_constraint)
        self._add_bias(c * self.depth_multiplier)
        self._set_spec(c)
        self.built = True

    def call(self, inputs):
        x = self._to_last(inputs)
        c = x.shape[-1]
        y = self._fused_conv(x, depthwise_as_grouped(self.kernel), self.bias, groups=c)
        return self._from_last(y)

    def compute_output_shape(self, input_shape):
        c = self._in_channels(input_shape)
        out_sp = self._conv_out_spatial(self._spatial(input_shape), input_shape)
        return self._with_spatial(input_shape, out_sp, c * self.depth_multiplier)

    def get_config(self):
        base = self._base_config()
        base.update({
            "depth_multiplier": self.depth_multiplier,
            "depthwise_initializer": _serialize(self.depthwise_initializer),
            "depthwise_regularizer": _serialize(self.depthwise_regularizer),
            "depthwise_constraint": _serialize(self.depthwise_constraint)})
        return base


@keras_export("keras.layers")
class DepthwiseConv1D(BaseDepthwiseConv):
    """Depthwise 1-D convolution, as `keras.layers.DepthwiseConv1D` (see `BaseDepthwiseConv`).

    >>> keras.layers.DepthwiseConv1D(3, depth_multiplier=2)(np.ones((2, 8, 4))).shape
    TensorShape([2, 6, 8])
    """

    def __init__(self, kernel_size, strides=1, padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(1, kernel_size, strides, padding, depth_multiplier, data_format,
                         dilation_rate, activation, use_bias, depthwise_initializer,
                         bias_initializer, depthwise_regularizer, bias_regularizer,
                         activity_regularizer, depthwise_constraint, bias_constraint, **kwargs)


@keras_export("keras.layers")
class DepthwiseConv2D(BaseDepthwiseConv):
    """Depthwise 2-D convolution, as `keras.layers.DepthwiseConv2D` (see `BaseDepthwiseConv`)."""

    def __init__(self, kernel_size, strides=(1, 1), padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=(1, 1), activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(2, kernel_size, strides, padding, depth_multiplier, data_format,
                         dilation_rate, activation, use_bias, depthwise_initializer,
                         bias_initializer, depthwise_regularizer, bias_regularizer,
                         activity_regularizer, depthwise_constraint, bias_constraint, **kwargs)


class BaseSeparableConv(BaseConv):
    """Shared base of `SeparableConv1D/2D`: a depthwise convolution (no bias) followed
    by a pointwise (1x1) convolution to `filters` channels, bias and activation.

    Args:
        rank, filters, kernel_size, strides, padding, data_format, dilation_rate,
        activation, use_bias: as in `BaseConv` (strides/dilation of the depthwise step).
        depth_multiplier: depthwise filters per input channel.
        depthwise_*, pointwise_*: initializer / regularizer / constraint of the
            kernels `(*kernel_size, C, depth_multiplier)` and
            `(1, ..., C * depth_multiplier, filters)`.
    """

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None,
                 **kwargs):
        from .. import constraints, initializers, regularizers
        super(BaseConv, self).__init__(activity_regularizer=activity_regularizer, **kwargs)
        self._init_common(rank, filters, kernel_size, strides, padding, data_format,
                          dilation_rate, activation, use_bias, bias_initializer,
                          bias_regularizer, bias_constraint)
        self.depth_multiplier = _positive_multiplier(self, depth_multiplier)
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.pointwise_constraint = constraints.get(pointwise_constraint)

    def build(self, input_shape):
        c = self._in_channels(input_shape)
        self.compute_output_shape(input_shape)
        dm = self.depth_multiplier
        self.depthwise_kernel = self.add_weight(
            name="depthwise_kernel", shape=self.kernel_size + (c, dm),
            initializer=self.depthwise_initializer, regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint)
        self.pointwise_kernel = self.add_weight(
            name="pointwise_kernel", shape=(1,) * self.rank + (c * dm, self.filters),
            initializer=self.pointwise_initializer, regularizer=self.pointwise_regularizer,
            constraint=self.pointwise_constraint)
        self._add_bias(self.filters)
        self._set_spec(c)
        self.built = True

    def call(self, inputs):
        from ...ops.conv import conv
        x = self._to_last(inputs)
        c = x.shape[-1]
        pads = self._pads(tuple(x.shape[1:-1]))
        d = conv(x, depthwise_as_grouped(self.depthwise_kernel), None, self.strides, pads,
                 "channels_last", self.dilation_rate, groups=c, name=self._who())
        one = (1,) * self.rank
        y = self._fused_conv(d, self.pointwise_kernel, self.bias, strides=one,
                             padding=((0, 0),) * self.rank, dilations=one)
        return self._from_last(y)

    def compute_output_shape(self, input_shape):
        out_sp = self._conv_out_spatial(self._spatial(input_shape), input_shape)
        return self._with_spatial(input_shape, out_sp, self.filters)

    def get_config(self):
        base = self._base_config()
        base.update({
            "filters": self.filters, "depth_multiplier": self.depth_multiplier,
            "depthwise_initializer": _serialize(self.depthwise_initializer),
            "pointwise_initializer": _serialize(self.pointwise_initializer),
            "depthwise_regularizer": _serialize(self.depthwise_regularizer),
            "pointwise_regularizer": _serialize(self.pointwise_regularizer),
            "depthwise_constraint": _serialize(self.depthwise_constraint),
            "pointwise_constraint": _serialize(self.pointwise_constraint)})
        return base


def _separable_init(rank):
    def __init__(self, filters, kernel_size, strides=(1,) * rank if rank > 1 else 1,
                 padding="valid", data_format=None, dilation_rate=(1,) * rank if rank > 1 else 1,
                 depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None,
                 **kwargs):
        BaseSeparableConv.__init__(
            self, rank, filters, kernel_size, strides, padding, data_format, dilation_rate,
            depth_multiplier, activation, use_bias, depthwise_initializer,
            pointwise_initializer, bias_initializer, depthwise_regularizer,
            pointwise_regularizer, bias_regularizer, activity_regularizer,
            depthwise_constraint, pointwise_constraint, bias_constraint, **kwargs)
    return __init__


@keras_export("keras.layers")
class SeparableConv1D(BaseSeparableConv):
    """Depthwise-separable 1-D convolution, as `keras.layers.SeparableConv1D`
    (see `BaseSeparableConv`)."""
    __init__ = _separable_init(1)


@keras_export("keras.layers")
class SeparableConv2D(BaseSeparableConv):
    """Depthwise-separable 2-D convolution, as `keras.layers.SeparableConv2D`
    (see `BaseSeparableConv`).

    >>> keras.layers.SeparableConv2D(8, 3, depth_multiplier=2)(np.ones((1, 6, 6, 3))).shape
    TensorShape([1, 4, 4, 8])
    """
    __init__ = _separable_init(2)

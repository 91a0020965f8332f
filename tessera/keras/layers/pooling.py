"""Pooling layers: MaxPooling1D/2D/3D, AveragePooling1D/2D/3D and the global poolings.

The windowed poolings call the fused `ts.nn.max_pool` / `ts.nn.avg_pool` ops
(one kernel forward, one backward); the global poolings are reductions.
"""
import numpy as np

import tessera as ts
from ..saving.object_registration import keras_export
from .input_spec import InputSpec
from .layer import Layer

__all__ = ["MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D",
           "AveragePooling2D", "AveragePooling3D", "GlobalMaxPooling1D", "GlobalMaxPooling2D",
           "GlobalMaxPooling3D", "GlobalAveragePooling1D", "GlobalAveragePooling2D",
           "GlobalAveragePooling3D", "MaxPool1D", "MaxPool2D", "MaxPool3D", "AvgPool1D",
           "AvgPool2D", "AvgPool3D", "GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalMaxPool3D",
           "GlobalAvgPool1D", "GlobalAvgPool2D", "GlobalAvgPool3D"]


def standardize_tuple(value, n, name, allow_zero=False):
    """An int or n ints as a tuple of n ints (Keras' argument rule); a clear error otherwise."""
    msg = f"The `{name}` argument must be a tuple of {n} integers. Received {name}={value!r}"
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        out = (int(value),) * n
    else:
        try:
            out = tuple(int(v) for v in value)
        except (TypeError, ValueError):
            raise ValueError(msg) from None
        if len(out) != n:
            raise ValueError(msg)
    if any(v < 0 or (v == 0 and not allow_zero) for v in out):
        raise ValueError(f"{msg}, including values that are not "
                         f"{'>= 0' if allow_zero else '> 0'}.")
    return out


def standardize_data_format(data_format):
    """None -> `keras.config.image_data_format()`; else "channels_last"/"channels_first"."""
    from .. import config
    if data_format is None:
        return config.image_data_format()
    fmt = str(data_format).lower()
    if fmt not in ("channels_first", "channels_last"):
        raise ValueError("The `data_format` argument must be one of {'channels_first', "
                         f"'channels_last'}}. Received: data_format={data_format}")
    return fmt


def spatial_axes(data_format, n):
    """The spatial axes of an (n + 2)-D input in `data_format`."""
    return tuple(range(2, n + 2)) if data_format == "channels_first" else tuple(range(1, n + 1))


class _Pooling(Layer):
    """Shared base of MaxPooling*/AveragePooling*."""

    _dims = 2
    _mode = "max"

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, name=None,
                 **kwargs):
        super().__init__(name=name, **kwargs)
        n = self._dims
        self.pool_size = standardize_tuple(pool_size, n, "pool_size")
        self.strides = standardize_tuple(pool_size if strides is None else strides, n, "strides")
        if not isinstance(padding, str) or padding.lower() not in ("valid", "same"):
            raise ValueError(f"{type(self).__name__}: `padding` must be 'valid' or 'same'. "
                             f"Received: padding={padding!r}")
        self.padding = padding
        self.data_format = standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=n + 2)
        self.built = True

    def call(self, inputs):
        n = self._dims
        if self.data_format == "channels_first":
            fmt = ("NCW", "NCHW", "NCDHW")[n - 1]
        else:
            fmt = ("NWC", "NHWC", "NDHWC")[n - 1]
        op = ts.nn.max_pool if self._mode == "max" else ts.nn.avg_pool
        try:
            return op(inputs, self.pool_size, self.strides, self.padding.upper(), data_format=fmt)
        except ValueError as e:
            self.compute_output_shape(tuple(inputs.shape))  # raises the error in Keras' terms
            raise ValueError(f'Layer "{self.name}" ({type(self).__name__}) cannot pool inputs of '
                             f"shape {tuple(inputs.shape)}: {e}") from None

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        same = self.padding.lower() == "same"
        for ax, k, s in zip(spatial_axes(self.data_format, self._dims), self.pool_size,
                            self.strides):
            d = shape[ax]
            if d is not None:
                shape[ax] = -(-d // s) if same else (d - k) // s + 1
                if shape[ax] < 1:
                    raise ValueError(
                        f'Layer "{self.name}" ({type(self).__name__}): pool_size '
                        f"{self.pool_size} is larger than the "
                        f"input of shape {tuple(input_shape)} (padding='valid'). Use a smaller "
                        "pool_size or padding='same'.")
        return tuple(shape)

    def get_config(self):
        base = super().get_config()
        base.update({"pool_size": self.pool_size, "padding": self.padding,
                     "strides": self.strides, "data_format": self.data_format})
        return base


def _pool_doc(kind, n, cls):
    axes = ("steps",), ("height", "width"), ("dim1", "dim2", "dim3")
    note = "; padded cells are not averaged" if kind == "Average" else ""
    cls.__doc__ = (
        f"""{n}D {kind} pooling, as `keras.layers.{cls.__name__}`.

    Args:
        pool_size: int or tuple of {n} ints: the window size.
        strides: int or tuple of {n} ints (default: `pool_size`).
        padding: "valid" (whole windows only) or "same" (the output has
            `ceil(input / strides)` cells{note}).
        data_format: "channels_last" `(batch, {', '.join(axes[n - 1])}, channels)` (default)
            or "channels_first".
    """)
    return cls


@keras_export("keras.layers")
class MaxPooling1D(_Pooling):
    _dims, _mode = 1, "max"

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, name=None,
                 **kwargs):
        super().__init__(pool_size, strides, padding, data_format, name=name, **kwargs)


@keras_export("keras.layers")
class MaxPooling2D(_Pooling):
    _dims, _mode = 2, "max"

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None,
                 name=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, name=name, **kwargs)


@keras_export("keras.layers")
class MaxPooling3D(_Pooling):
    _dims, _mode = 3, "max"

    def __init__(self, pool_size=(2, 2, 2), strides=None, padding="valid", data_format=None,
                 name=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, name=name, **kwargs)


@keras_export("keras.layers")
class AveragePooling1D(_Pooling):
    _dims, _mode = 1, "average"

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, name=None,
                 **kwargs):
        super().__init__(pool_size, strides, padding, data_format, name=name, **kwargs)


@keras_export("keras.layers")
class AveragePooling2D(_Pooling):
    _dims, _mode = 2, "average"

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, name=None,
                 **kwargs):
        super().__init__(pool_size, strides, padding, data_format, name=name, **kwargs)


@keras_export("keras.layers")
class AveragePooling3D(_Pooling):
    _dims, _mode = 3, "average"

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, name=None,
                 **kwargs):
        super().__init__(pool_size, strides, padding, data_format, name=name, **kwargs)


for _c in (MaxPooling1D, MaxPooling2D, MaxPooling3D):
    _pool_doc("Max", _c._dims, _c)
for _c in (AveragePooling1D, AveragePooling2D, AveragePooling3D):
    _pool_doc("Average", _c._dims, _c)


class _GlobalPooling(Layer):
    """Shared base of the global poolings: a max or mean over every spatial axis."""

    _dims = 2
    _mode = "max"

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        self.keepdims = keepdims
        self.input_spec = InputSpec(ndim=self._dims + 2)
        self.built = True

    def call(self, inputs):
        axes = list(spatial_axes(self.data_format, self._dims))
        if self._mode == "max":
            return ts.reduce_max(inputs, axis=axes, keepdims=self.keepdims)
        return ts.reduce_mean(inputs, axis=axes, keepdims=self.keepdims)

    def compute_output_shape(self, input_shape):
        axes = spatial_axes(self.data_format, self._dims)
        if self.keepdims:
            return tuple(1 if i in axes else d for i, d in enumerate(input_shape))
        return tuple(d for i, d in enumerate(input_shape) if i not in axes)

    def get_config(self):
        base = super().get_config()
        base.update({"data_format": self.data_format, "keepdims": self.keepdims})
        return base


def _global_doc(kind, n, cls):
    cls.__doc__ = (
        f"""Global {kind.lower()} pooling over the {("steps", "height and width",
                                                 "three spatial axes")[n - 1]}, as
    `keras.layers.{cls.__name__}`.

    Args:
        data_format: "channels_last" (default) or "channels_first".
        keepdims: keep the spatial axes with length 1 (default False: output
            `(batch, channels)`).
    """)
    return cls


@keras_export("keras.layers")
class GlobalMaxPooling1D(_GlobalPooling):
    _dims, _mode = 1, "max"


@keras_export("keras.layers")
class GlobalMaxPooling2D(_GlobalPooling):
    _dims, _mode = 2, "max"


@keras_export("keras.layers")
class GlobalMaxPooling3D(_GlobalPooling):
    _dims, _mode = 3, "max"


@keras_export("keras.layers")
class GlobalAveragePooling1D(_GlobalPooling):
    _dims, _mode = 1, "average"

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(data_format=data_format, keepdims=keepdims, **kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return super().call(inputs)
        steps = 1 if self.data_format == "channels_last" else 2
        m = ts.expand_dims(ts.cast(mask, inputs.dtype), 2 if steps == 1 else 1)
        total = ts.reduce_sum(inputs * m, axis=steps, keepdims=self.keepdims)
        return total / ts.reduce_sum(m, axis=steps, keepdims=self.keepdims)

    def compute_mask(self, inputs, previous_mask):
        return None


@keras_export("keras.layers")
class GlobalAveragePooling2D(_GlobalPooling):
    _dims, _mode = 2, "average"


@keras_export("keras.layers")
class GlobalAveragePooling3D(_GlobalPooling):
    _dims, _mode = 3, "average"


for _c in (GlobalMaxPooling1D, GlobalMaxPooling2D, GlobalMaxPooling3D):
    _global_doc("Max", _c._dims, _c)
for _c in (GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalAveragePooling3D):
    _global_doc("Average", _c._dims, _c)
GlobalAveragePooling1D.__doc__ += """
    A mask `(batch, steps)` (e.g. from `Embedding(mask_zero=True)`) excludes
    the masked steps from the mean.
"""

# Keras' aliases.
MaxPool1D, MaxPool2D, MaxPool3D = MaxPooling1D, MaxPooling2D, MaxPooling3D
AvgPool1D, AvgPool2D, AvgPool3D = AveragePooling1D, AveragePooling2D, AveragePooling3D
GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPool3D = (GlobalMaxPooling1D, GlobalMaxPooling2D,
                                                     GlobalMaxPooling3D)
GlobalAvgPool1D, GlobalAvgPool2D, GlobalAvgPool3D = (GlobalAveragePooling1D,
                                                     GlobalAveragePooling2D,
                                                     GlobalAveragePooling3D)

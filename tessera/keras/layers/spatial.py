"""Spatial reshaping layers: UpSampling1D/2D/3D, ZeroPadding1D/2D/3D, Cropping1D/2D/3D,
and SpatialDropout1D/2D/3D (drops whole channels).

All are written with differentiable Tessera ops (broadcast/reshape, `ts.pad`,
slicing, `ts.einsum`), so gradients flow through them.
"""
import numpy as np

import tessera as ts
from ...backend.random import next_rng
from ...ops._common import _wrap, xp_of
from ..saving.object_registration import keras_export
from .input_spec import InputSpec
from .layer import Layer
from .pooling import spatial_axes, standardize_data_format, standardize_tuple

__all__ = ["UpSampling1D", "UpSampling2D", "UpSampling3D", "ZeroPadding1D", "ZeroPadding2D",
           "ZeroPadding3D", "Cropping1D", "Cropping2D", "Cropping3D", "SpatialDropout1D",
           "SpatialDropout2D", "SpatialDropout3D"]


def _pairs(value, n, name):
    """An int, n ints (symmetric) or n pairs, as a tuple of n (before, after) pairs."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        if value < 0:
            raise ValueError(f"`{name}` cannot be negative. Received: {name}={value}.")
        return ((int(value), int(value)),) * n
    if hasattr(value, "__len__") and len(value) == n:
        return tuple(standardize_tuple(v, 2, f"entry {i} of {name}", allow_zero=True)
                     for i, v in enumerate(value))
    raise ValueError(
        f"`{name}` should be an int, a tuple of {n} ints (symmetric per axis) or a tuple of "
        f"{n} tuples of 2 ints ((before, after) per axis). Received: {name}={value!r}.")


def _nearest(x, axes, factors):
    """Repeats every element `factors[i]` times along `axes[i]` (broadcast + reshape)."""
    shape = list(x.shape)
    expanded, target, final = [], [], []
    for i, d in enumerate(shape):
        expanded.append(d)
        target.append(d)
        final.append(d)
        if i in axes:
            f = factors[axes.index(i)]
            expanded.append(1)
            target.append(f)
            final[-1] = d * f
    y = ts.broadcast_to(ts.reshape(x, expanded), target)
    return ts.reshape(y, final)


def _bilinear_matrix(n, f):
    """The `(n * f, n)` matrix of half-pixel-centred linear interpolation (edges clamped),
    as `tf.image.resize(..., "bilinear")` upsamples."""
    src = (np.arange(n * f) + 0.5) / f - 0.5
    lo = np.floor(src)
    w = src - lo
    lo_i = np.clip(lo.astype(np.int64), 0, n - 1)
    hi_i = np.clip(lo.astype(np.int64) + 1, 0, n - 1)
    m = np.zeros((n * f, n))
    rows = np.arange(n * f)
    np.add.at(m, (rows, lo_i), 1.0 - w)
    np.add.at(m, (rows, hi_i), w)
    return m


_LETTERS = "abcdefgh"


def _bilinear(x, axes, factors):
    for ax, f in zip(axes, factors):
        if f == 1:
            continue
        n = x.shape[ax]
        m = ts.constant(_bilinear_matrix(n, f).astype(x.dtype.name))
        spec = _LETTERS[:x.ndim]
        out = spec[:ax] + "z" + spec[ax + 1:]
        x = ts.einsum(f"z{spec[ax]},{spec}->{out}", m, x)
    return x


class _UpSampling(Layer):
    _dims = 2

    def __init__(self, size, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        self.size = standardize_tuple(size, self._dims, "size")
        self.input_spec = InputSpec(ndim=self._dims + 2)
        self.built = True

    def _factors(self):
        return self.size

    def call(self, inputs):
        return _nearest(inputs, spatial_axes(self.data_format, self._dims), self._factors())

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for ax, f in zip(spatial_axes(self.data_format, self._dims), self._factors()):
            shape[ax] = None if shape[ax] is None else shape[ax] * f
        return tuple(shape)

    def get_config(self):
        base = super().get_config()
        base.update({"size": self.size, "data_format": self.data_format})
        return base


@keras_export("keras.layers")
class UpSampling1D(_UpSampling):
    """Repeats each temporal step `size` times, as `keras.layers.UpSampling1D`.

    Args:
        size: the upsampling factor (int).

    Input `(batch, steps, features)`; output `(batch, steps * size, features)`.
    """

    _dims = 1

    def __init__(self, size=2, **kwargs):
        Layer.__init__(self, **kwargs)
        self.size = int(standardize_tuple(size, 1, "size")[0])
        self.data_format = "channels_last"
        self.input_spec = InputSpec(ndim=3)
        self.built = True

    def _factors(self):
        return (self.size,)

    def get_config(self):
        base = Layer.get_config(self)
        base["size"] = self.size
        return base


_INTERPOLATIONS = ("nearest", "bilinear")
_KERAS_ONLY = ("bicubic", "lanczos3", "lanczos5", "area")


@keras_export("keras.layers")
class UpSampling2D(_UpSampling):
    """Upsamples images by repeating (or interpolating) rows and columns, as
    `keras.layers.UpSampling2D`.

    Args:
        size: int or 2 ints: the factors for rows and columns.
        data_format: "channels_last" (default) or "channels_first".
        interpolation: "nearest" (repeat) or "bilinear" (half-pixel-centred, as
            `tf.image.resize`).
    """

    _dims = 2

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(size, data_format, **kwargs)
        self.interpolation = str(interpolation).lower()
        if self.interpolation in _KERAS_ONLY:
            raise NotImplementedError(
                f"UpSampling2D: interpolation={interpolation!r} is not supported by tessera yet; "
                "use 'nearest' or 'bilinear'.")
        if self.interpolation not in _INTERPOLATIONS:
            raise ValueError(f"UpSampling2D: `interpolation` must be one of 'nearest', "
                             f"'bilinear', 'bicubic', 'lanczos3', 'lanczos5'. Received: "
                             f"interpolation={interpolation!r}")

    def call(self, inputs):
        axes = spatial_axes(self.data_format, 2)
        if self.interpolation == "bilinear":
            return _bilinear(inputs, axes, self.size)
        return _nearest(inputs, axes, self.size)

    def get_config(self):
        base = super().get_config()
        base["interpolation"] = self.interpolation
        return base


@keras_export("keras.layers")
class UpSampling3D(_UpSampling):
    """Repeats the three spatial axes of volumes, as `keras.layers.UpSampling3D`.

    Args:
        size: int or 3 ints: the factors for dim1, dim2, dim3.
        data_format: "channels_last" (default) or "channels_first".
    """

    _dims = 3

    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(size, data_format, **kwargs)


class _ZeroPadding(Layer):
    _dims = 2

    def __init__(self, padding, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        if self._dims == 1:
            self.padding = standardize_tuple(padding, 2, "padding", allow_zero=True)
        else:
            self.padding = _pairs(padding, self._dims, "padding")
        self.input_spec = InputSpec(ndim=self._dims + 2)
        self.built = True

    def _pairs(self):
        return (self.padding,) if self._dims == 1 else self.padding

    def call(self, inputs):
        full = [[0, 0] for _ in range(inputs.ndim)]
        for ax, pr in zip(spatial_axes(self.data_format, self._dims), self._pairs()):
            full[ax] = list(pr)
        return ts.pad(inputs, full)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for ax, (b, a) in zip(spatial_axes(self.data_format, self._dims), self._pairs()):
            shape[ax] = None if shape[ax] is None else shape[ax] + b + a
        return tuple(shape)

    def get_config(self):
        base = super().get_config()
        base.update({"padding": self.padding, "data_format": self.data_format})
        return base


@keras_export("keras.layers")
class ZeroPadding1D(_ZeroPadding):
    """Pads the temporal axis with zeros, as `keras.layers.ZeroPadding1D`.

    Args:
        padding: int (both sides) or 2 ints `(before, after)`.
        data_format: "channels_last" `(batch, steps, features)` (default) or "channels_first".
    """

    _dims = 1

    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)


@keras_export("keras.layers")
class ZeroPadding2D(_ZeroPadding):
    """Pads rows and columns of images with zeros, as `keras.layers.ZeroPadding2D`.

    Args:
        padding: int, 2 ints `(rows, cols)` (symmetric) or
            `((top, bottom), (left, right))`.
        data_format: "channels_last" (default) or "channels_first".
    """

    _dims = 2

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)


@keras_export("keras.layers")
class ZeroPadding3D(_ZeroPadding):
    """Pads the three spatial axes of volumes with zeros, as `keras.layers.ZeroPadding3D`.

    Args:
        padding: int, 3 ints (symmetric) or 3 `(before, after)` pairs.
        data_format: "channels_last" (default) or "channels_first".
    """

    _dims = 3

    def __init__(self, padding=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)


class _Cropping(Layer):
    _dims = 2

    def __init__(self, cropping, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        if self._dims == 1:
            self.cropping = standardize_tuple(cropping, 2, "cropping", allow_zero=True)
        else:
            self.cropping = _pairs(cropping, self._dims, "cropping")
        self.input_spec = InputSpec(ndim=self._dims + 2)
        self.built = True

    def _pairs(self):
        return (self.cropping,) if self._dims == 1 else self.cropping

    def _check(self, shape):
        for ax, (b, a) in zip(spatial_axes(self.data_format, self._dims), self._pairs()):
            if shape[ax] is not None and b + a >= shape[ax]:
                raise ValueError(
                    f'Layer "{self.name}" ({type(self).__name__}): cropping {self.cropping} '
                    f"removes all of axis {ax} of the input of shape {tuple(shape)}; each "
                    "(before + after) must be smaller than the axis length.")

    def call(self, inputs):
        shape = tuple(inputs.shape)
        self._check(shape)
        index = [slice(None)] * len(shape)
        for ax, (b, a) in zip(spatial_axes(self.data_format, self._dims), self._pairs()):
            index[ax] = slice(b, shape[ax] - a)
        return inputs[tuple(index)]

    def compute_output_shape(self, input_shape):
        self._check(input_shape)
        shape = list(input_shape)
        for ax, (b, a) in zip(spatial_axes(self.data_format, self._dims), self._pairs()):
            shape[ax] = None if shape[ax] is None else shape[ax] - b - a
        return tuple(shape)

    def get_config(self):
        base = super().get_config()
        base.update({"cropping": self.cropping, "data_format": self.data_format})
        return base


@keras_export("keras.layers")
class Cropping1D(_Cropping):
    """Crops the temporal axis, as `keras.layers.Cropping1D`.

    Args:
        cropping: int (both sides) or 2 ints `(before, after)`.

    Input `(batch, steps, features)`.
    """

    _dims = 1

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(cropping, "channels_last", **kwargs)

    def get_config(self):
        base = super().get_config()
        base.pop("data_format")
        return base


@keras_export("keras.layers")
class Cropping2D(_Cropping):
    """Crops rows and columns of images, as `keras.layers.Cropping2D`.

    Args:
        cropping: int, 2 ints `(rows, cols)` (symmetric) or
            `((top, bottom), (left, right))`.
        data_format: "channels_last" (default) or "channels_first".
    """

    _dims = 2

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)


@keras_export("keras.layers")
class Cropping3D(_Cropping):
    """Crops the three spatial axes of volumes, as `keras.layers.Cropping3D`.

    Args:
        cropping: int, 3 ints (symmetric) or 3 `(before, after)` pairs.
        data_format: "channels_last" (default) or "channels_first".
    """

    _dims = 3

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)


class _SpatialDropout(Layer):
    _dims = 2

    def __init__(self, rate, data_format=None, seed=None, name=None, dtype=None, **kwargs):
        super().__init__(name=name, dtype=dtype, **kwargs)
        if not isinstance(rate, (int, float, np.integer, np.floating)) or not 0 <= rate <= 1:
            raise ValueError(f"Invalid value received for argument `rate`. Expected a float "
                             f"value between 0 and 1. Received: rate={rate}")
        self.rate = rate
        self.seed = seed
        self.data_format = standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=self._dims + 2)
        self.supports_masking = True
        self.built = True

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        shape = tuple(inputs.shape)
        noise = [1] * len(shape)
        noise[0] = shape[0]
        ch = 1 if self.data_format == "channels_first" else len(shape) - 1
        noise[ch] = shape[ch]
        a = inputs._a
        if self.rate >= 1:
            keep = np.zeros(noise, dtype=a.dtype)
        else:
            rng = next_rng(self.seed, key=type(self).__name__)
            keep = (rng.random(noise) >= self.rate).astype(a.dtype)
            keep *= a.dtype.type(1.0 / (1.0 - self.rate))
        return inputs * _wrap(xp_of(a).asarray(keep))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        base = super().get_config()
        base.pop("trainable", None)   # Keras' SpatialDropout takes no `trainable`
        base.update({"rate": self.rate, "seed": self.seed, "dtype": self.dtype})
        if self._dims > 1:
            base["data_format"] = self.data_format
        return base


@keras_export("keras.layers")
class SpatialDropout1D(_SpatialDropout):
    """Dropout of whole feature channels of `(batch, steps, channels)` inputs, as
    `keras.layers.SpatialDropout1D`: during training each (sample, channel) is
    zeroed with probability `rate` and the rest scaled by `1 / (1 - rate)`.

    Args:
        rate: the drop probability, in [0, 1].
        seed: an int for reproducible masks.
    """

    _dims = 1

    def __init__(self, rate, seed=None, name=None, dtype=None, **kwargs):
        super().__init__(rate, None, seed=seed, name=name, dtype=dtype, **kwargs)
        self.data_format = "channels_last"


@keras_export("keras.layers")
class SpatialDropout2D(_SpatialDropout):
    """Dropout of whole feature maps of images, as `keras.layers.SpatialDropout2D`.

    Args:
        rate: the drop probability, in [0, 1].
        data_format: "channels_last" (default) or "channels_first".
        seed: an int for reproducible masks.
    """

    _dims = 2

    def __init__(self, rate, data_format=None, seed=None, name=None, dtype=None, **kwargs):
        super().__init__(rate, data_format, seed=seed, name=name, dtype=dtype, **kwargs)


@keras_export("keras.layers")
class SpatialDropout3D(_SpatialDropout):
    """Dropout of whole feature volumes, as `keras.layers.SpatialDropout3D`.

    Args:
        rate: the drop probability, in [0, 1].
        data_format: "channels_last" (default) or "channels_first".
        seed: an int for reproducible masks.
    """

    _dims = 3

    def __init__(self, rate, data_format=None, seed=None, name=None, dtype=None, **kwargs):
        super().__init__(rate, data_format, seed=seed, name=name, dtype=dtype, **kwargs)

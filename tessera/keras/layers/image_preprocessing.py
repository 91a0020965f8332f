"""Image preprocessing and augmentation layers (as `keras.layers`): Resizing, CenterCrop,
RandomFlip, RandomRotation, RandomZoom, RandomTranslation, RandomContrast.

Inputs are `(batch, height, width, channels)` or a single `(height, width, channels)`
image (channels first with `data_format="channels_first"`). The random layers act
only with `training=True` (as `fit` passes it); otherwise they return their inputs.
Draws come from `tessera.backend.random.next_rng(seed, key=<layer class>)`, so
`keras.utils.set_random_seed` makes them reproducible. Geometric layers sample
through `tessera.ops.image.affine_transform` (differentiable in the images).
"""
import numpy as np

import tessera as ts
from ...backend.random import next_rng
from ...ops import image as _image
from ..saving.object_registration import keras_export
from .layer import Layer

__all__ = ["Resizing", "CenterCrop", "RandomFlip", "RandomRotation", "RandomZoom",
           "RandomTranslation", "RandomContrast"]


def _data_format(data_format):
    if data_format is None:
        from .. import config
        return config.image_data_format()
    df = str(data_format).lower()
    if df not in ("channels_last", "channels_first"):
        raise ValueError("The `data_format` argument must be one of {'channels_first', "
                         f"'channels_last'}}. Received: data_format={data_format!r}")
    return df


class _ImageLayer(Layer):
    """Shared pieces: data format, batching of single images, spatial axes."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = _data_format(data_format)
        self.supports_masking = False
        self.built = True

    def _hw_axes(self, ndim):
        return (ndim - 3, ndim - 2) if self.data_format == "channels_last" else (ndim - 2, ndim - 1)

    def _to_nhwc(self, x):
        """A 4-D channels-last float tensor, and how to undo it."""
        x = ts.convert_to_tensor(x)
        if x.dtype.name != self.compute_dtype:
            x = ts.cast(x, self.compute_dtype)
        nd = len(x.shape)
        if nd not in (3, 4):
            raise ValueError(f"{type(self).__name__} {self.name!r} expects images of rank 3 "
                             f"(H, W, C) or 4 (N, H, W, C), got shape {tuple(x.shape)}.")
        if nd == 3:
            x = ts.expand_dims(x, 0)
        if self.data_format == "channels_first":
            x = ts.transpose(x, (0, 2, 3, 1))
        return x, nd

    def _from_nhwc(self, y, nd):
        if self.data_format == "channels_first":
            y = ts.transpose(y, (0, 3, 1, 2))
        return ts.squeeze(y, 0) if nd == 3 else y

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        base = super().get_config()
        base["data_format"] = self.data_format
        return base


def _check_hw(layer, height, width):
    for what, v in (("height", height), ("width", width)):
        if not isinstance(v, (int, np.integer)) or v <= 0:
            raise ValueError(f"{layer}: `{what}` must be a positive integer, got {v!r}.")


@keras_export("keras.layers")
class Resizing(_ImageLayer):
    """Resizes images to `(height, width)`, as `keras.layers.Resizing`.

    Args:
        height, width: the output size.
        interpolation: "bilinear" (default) or "nearest".
        crop_to_aspect_ratio: first crop the largest centred window with the target
            aspect ratio (no distortion).
        pad_to_aspect_ratio: first pad (with `fill_value`) to the target aspect ratio.
        fill_mode: "constant" (the only mode for padding).
        fill_value: the padding value.
        antialias: widen the bilinear kernel when downsampling.
        data_format: "channels_last" or "channels_first".

    Example:
    >>> keras.layers.Resizing(8, 8)(np.ones((2, 4, 4, 3))).shape
    TensorShape([2, 8, 8, 3])
    """

    def __init__(self, height, width, interpolation="bilinear", crop_to_aspect_ratio=False,
                 pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0,
                 antialias=False, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        _check_hw("Resizing", height, width)
        if interpolation not in ("bilinear", "nearest"):
            raise ValueError(f"Resizing: interpolation {interpolation!r} is not supported by "
                             "tessera; use 'bilinear' or 'nearest'.")
        if crop_to_aspect_ratio and pad_to_aspect_ratio:
            raise ValueError("Only one of `pad_to_aspect_ratio` & `crop_to_aspect_ratio` can "
                             "be `True`.")
        if fill_mode != "constant":
            raise ValueError(f"Resizing: fill_mode must be 'constant', got {fill_mode!r}.")
        self.height, self.width = int(height), int(width)
        self.interpolation = interpolation
        self.crop_to_aspect_ratio = crop_to_aspect_ratio
        self.pad_to_aspect_ratio = pad_to_aspect_ratio
        self.fill_mode = fill_mode
        self.fill_value = fill_value
        self.antialias = antialias

    def call(self, inputs):
        x, nd = self._to_nhwc(inputs)
        y = _resize_nhwc(x, self.height, self.width, self.interpolation,
                         self.crop_to_aspect_ratio, self.pad_to_aspect_ratio, self.fill_value,
                         self.antialias)
        return self._from_nhwc(y, nd)

    def compute_output_shape(self, input_shape):
        s = list(input_shape)
        h, w = self._hw_axes(len(s))
        s[h], s[w] = self.height, self.width
        return tuple(s)

    def get_config(self):
        base = super().get_config()
        base.update({"height": self.height, "width": self.width,
                     "interpolation": self.interpolation,
                     "crop_to_aspect_ratio": self.crop_to_aspect_ratio,
                     "pad_to_aspect_ratio": self.pad_to_aspect_ratio,
                     "fill_mode": self.fill_mode, "fill_value": self.fill_value,
                     "antialias": self.antialias})
        return base


def _resize_nhwc(x, th, tw, interpolation, crop, pad, fill_value, antialias):
    h, w = int(x.shape[1]), int(x.shape[2])
    if crop:
        ch = max(min(h, int(float(w * th) / tw)), 1)
        cw = max(min(w, int(float(h * tw) / th)), 1)
        hs, ws = int(float(h - ch) / 2), int(float(w - cw) / 2)
        x = x[:, hs:hs + ch, ws:ws + cw, :]
    elif pad:
        ph = max(h, int(float(w * th) / tw))
        pw = max(w, int(float(h * tw) / th))
        hs, ws = int(float(ph - h) / 2), int(float(pw - w) / 2)
        x = ts.pad(x, [[0, 0], [hs, ph - h - hs], [ws, pw - w - ws], [0, 0]],
                   constant_values=fill_value)
    if tuple(x.shape[1:3]) == (th, tw):
        return x
    return _image.resize(x, [th, tw], method=interpolation, antialias=antialias)


@keras_export("keras.layers")
class CenterCrop(_ImageLayer):
    """Crops the central `(height, width)` window, as `keras.layers.CenterCrop`.

    Images smaller than the target are resized up to it (after cropping to the
    target's aspect ratio), as Keras does.

    Args:
        height, width: the output size.
        data_format: "channels_last" or "channels_first".
    """

    def __init__(self, height, width, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        _check_hw("CenterCrop", height, width)
        self.height, self.width = int(height), int(width)

    def call(self, inputs):
        x, nd = self._to_nhwc(inputs)
        h, w = int(x.shape[1]), int(x.shape[2])
        if h >= self.height and w >= self.width:
            hs, ws = (h - self.height) // 2, (w - self.width) // 2
            y = x[:, hs:hs + self.height, ws:ws + self.width, :]
        else:
            y = _resize_nhwc(x, self.height, self.width, "bilinear", True, False, 0.0, False)
        return self._from_nhwc(y, nd)

    compute_output_shape = Resizing.compute_output_shape

    def get_config(self):
        base = super().get_config()
        base.update({"height": self.height, "width": self.width})
        return base


class _RandomImageLayer(_ImageLayer):
    def __init__(self, seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.seed = seed

    def _rng(self):
        return next_rng(self.seed, key=type(self).__name__)

    def call(self, inputs, training=True):
        # Keras 3: a direct call augments (training defaults to True); `predict`,
        # `evaluate` and `training=False` pass the images through unchanged
        if not training:
            return inputs
        x, nd = self._to_nhwc(inputs)
        return self._from_nhwc(self._augment(x, self._rng()), nd)

    def get_config(self):
        base = super().get_config()
        base["seed"] = self.seed
        return base


_MODES = ("horizontal", "vertical", "horizontal_and_vertical")


@keras_export("keras.layers")
class RandomFlip(_RandomImageLayer):
    """Randomly flips images during training, as `keras.layers.RandomFlip`.

    Each image is flipped with probability 1/2 (for "horizontal_and_vertical",
    one draw flips it both ways).

    Args:
        mode: "horizontal", "vertical" or "horizontal_and_vertical".
        seed: an int for reproducible draws.
        data_format: "channels_last" or "channels_first".
    """

    def __init__(self, mode="horizontal_and_vertical", seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        if mode not in _MODES:
            raise ValueError(f"RandomFlip layer {self.name} received an unknown mode argument "
                             f"{mode!r}; use one of {list(_MODES)}.")
        self.mode = mode

    def _augment(self, x, rng):
        n = int(x.shape[0])
        flips = rng.uniform(size=(n, 1, 1, 1)) <= 0.5
        cond = ts.constant(np.broadcast_to(flips, tuple(x.shape)))
        if self.mode in ("horizontal", "horizontal_and_vertical"):
            x = ts.where(cond, ts.reverse(x, [2]), x)
        if self.mode in ("vertical", "horizontal_and_vertical"):
            x = ts.where(cond, ts.reverse(x, [1]), x)
        return x

    def get_config(self):
        base = super().get_config()
        base["mode"] = self.mode
        return base


def _factor_pair(layer, factor, name, bound=1.0):
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2:
            raise ValueError(f"{layer}: `{name}` must be a number or a pair (lower, upper), got "
                             f"{factor!r}.")
        lower, upper = sorted(float(f) for f in factor)
    elif isinstance(factor, (int, float, np.integer, np.floating)):
        lower, upper = -abs(float(factor)), abs(float(factor))
    else:
        raise ValueError(f"{layer}: `{name}` must be a number or a pair (lower, upper), got "
                         f"{factor!r}.")
    if bound is not None and (lower <= -bound - 1e-12 or upper > bound):
        raise ValueError(f"{layer}: `{name}` values must lie in [-{bound}, {bound}], got "
                         f"{factor!r}.")
    return lower, upper


class _AffineLayer(_RandomImageLayer):
    """Shared by the geometric augmentations: fill mode, interpolation, sampling."""

    def __init__(self, fill_mode="reflect", interpolation="bilinear", seed=None, fill_value=0.0,
                 data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        if fill_mode not in _image.FILL_MODES:
            raise NotImplementedError(f"Unknown `fill_mode` {fill_mode}. Expected of one "
                                      f"{list(_image.FILL_MODES)}.")
        if interpolation not in _image.INTERPOLATIONS:
            raise NotImplementedError(f"Unknown `interpolation` {interpolation}. Expected of "
                                      f"one {list(_image.INTERPOLATIONS)}.")
        self.fill_mode = fill_mode
        self.interpolation = interpolation
        self.fill_value = fill_value

    def _augment(self, x, rng):
        n, h, w = int(x.shape[0]), int(x.shape[1]), int(x.shape[2])
        tr = self._transforms(rng, n, h, w)
        return _image.affine_transform(x, tr, interpolation=self.interpolation,
                                       fill_mode=self.fill_mode, fill_value=self.fill_value)

    def get_config(self):
        base = super().get_config()
        base.update({"fill_mode": self.fill_mode, "interpolation": self.interpolation,
                     "fill_value": self.fill_value})
        return base


def _about_center(m, h, w):
    """8-number transform rows for the 2x2 maps `m` (N, 2, 2) applied about the image centre."""
    cx, cy = (w - 1) / 2.0, (h - 1) / 2.0
    n = m.shape[0]
    out = np.zeros((n, 8))
    out[:, 0], out[:, 1] = m[:, 0, 0], m[:, 0, 1]
    out[:, 3], out[:, 4] = m[:, 1, 0], m[:, 1, 1]
    out[:, 2] = cx - m[:, 0, 0] * cx - m[:, 0, 1] * cy
    out[:, 5] = cy - m[:, 1, 0] * cx - m[:, 1, 1] * cy
    return out


@keras_export("keras.layers")
class RandomRotation(_AffineLayer):
    """Rotates images by a random angle during training, as `keras.layers.RandomRotation`.

    Args:
        factor: a fraction of a full turn: a float `f` draws the angle in
            `[-f * 360, f * 360]` degrees, a pair `(lower, upper)` in
            `[lower * 360, upper * 360]`. Positive angles turn counter-clockwise.
        fill_mode: "reflect" (default), "wrap", "constant", "nearest" or "mirror".
        interpolation: "bilinear" (default) or "nearest".
        seed: an int for reproducible draws.
        fill_value: the value outside the image for `fill_mode="constant"`.
        data_format: "channels_last" or "channels_first".
    """

    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(fill_mode=fill_mode, interpolation=interpolation, seed=seed,
                         fill_value=fill_value, data_format=data_format, **kwargs)
        self.factor = factor
        self._lower, self._upper = _factor_pair("RandomRotation", factor, "factor", bound=None)

    def _transforms(self, rng, n, h, w):
        theta = np.deg2rad(rng.uniform(self._lower * 360.0, self._upper * 360.0, size=n))
        c, s = np.cos(theta), np.sin(theta)
        m = np.stack([np.stack([c, -s], -1), np.stack([s, c], -1)], 1)
        return _about_center(m, h, w)

    def get_config(self):
        base = super().get_config()
        base["factor"] = self.factor
        return base


@keras_export("keras.layers")
class RandomZoom(_AffineLayer):
    """Zooms images by a random factor during training, as `keras.layers.RandomZoom`.

    Args:
        height_factor: a float `f` draws the vertical zoom in `[1 - f, 1 + f]`, a
            pair `(lower, upper)` in `[1 + lower, 1 + upper]`; values above 1 zoom
            out (the image shrinks), below 1 zoom in.
        width_factor: the same horizontally; None keeps the aspect ratio (the
            vertical draw is used).
        fill_mode, interpolation, seed, fill_value, data_format: as in RandomRotation.
    """

    def __init__(self, height_factor, width_factor=None, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, data_format=None,
                 **kwargs):
        super().__init__(fill_mode=fill_mode, interpolation=interpolation, seed=seed,
                         fill_value=fill_value, data_format=data_format, **kwargs)
        self.height_factor = height_factor
        self.width_factor = width_factor
        self._h = _factor_pair("RandomZoom", height_factor, "height_factor")
        self._w = None if width_factor is None else _factor_pair("RandomZoom", width_factor,
                                                                 "width_factor")

    def _transforms(self, rng, n, h, w):
        zy = 1.0 + rng.uniform(self._h[0], self._h[1], size=n)
        zx = zy if self._w is None else 1.0 + rng.uniform(self._w[0], self._w[1], size=n)
        m = np.zeros((n, 2, 2))
        m[:, 0, 0], m[:, 1, 1] = zx, zy
        return _about_center(m, h, w)

    def get_config(self):
        base = super().get_config()
        base.update({"height_factor": self.height_factor, "width_factor": self.width_factor})
        return base


@keras_export("keras.layers")
class RandomTranslation(_AffineLayer):
    """Shifts images by a random offset during training, as `keras.layers.RandomTranslation`.

    Args:
        height_factor: a fraction of the height: a float `f` draws the vertical
            shift in `[-f, f] * height`, a pair in `[lower, upper] * height`; positive
            values move the image down.
        width_factor: the same horizontally (positive moves right).
        fill_mode, interpolation, seed, fill_value, data_format: as in RandomRotation.
    """

    def __init__(self, height_factor, width_factor, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, data_format=None,
                 **kwargs):
        super().__init__(fill_mode=fill_mode, interpolation=interpolation, seed=seed,
                         fill_value=fill_value, data_format=data_format, **kwargs)
        self.height_factor = height_factor
        self.width_factor = width_factor
        self._h = _factor_pair("RandomTranslation", height_factor, "height_factor")
        self._w = _factor_pair("RandomTranslation", width_factor, "width_factor")

    def _transforms(self, rng, n, h, w):
        dy = rng.uniform(self._h[0], self._h[1], size=n) * h
        dx = rng.uniform(self._w[0], self._w[1], size=n) * w
        out = np.zeros((n, 8))
        out[:, 0] = out[:, 4] = 1.0
        out[:, 2], out[:, 5] = -dx, -dy
        return out

    def get_config(self):
        base = super().get_config()
        base.update({"height_factor": self.height_factor, "width_factor": self.width_factor})
        return base


@keras_export("keras.layers")
class RandomContrast(_RandomImageLayer):
    """Adjusts the contrast of each image by a random factor during training, as
    `keras.layers.RandomContrast`: `(x - mean) * c + mean` per channel (mean over the
    image's pixels), clipped to `value_range`.

    Args:
        factor: a float `f` draws `c` in `[1 - f, 1 + f]`; a pair `(lower, upper)`
            in `[1 - lower, 1 + upper]`.
        value_range: the `(min, max)` range of the pixel values (default (0, 255)).
        seed: an int for reproducible draws.
    """

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        data_format = kwargs.pop("data_format", None)
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        if isinstance(factor, (tuple, list)):
            if len(factor) != 2:
                raise ValueError(f"RandomContrast: `factor` must be a number or a pair, got "
                                 f"{factor!r}.")
            lower, upper = float(factor[0]), float(factor[1])
        elif isinstance(factor, (int, float, np.integer, np.floating)):
            lower = upper = float(factor)
        else:
            raise ValueError(f"RandomContrast: `factor` must be a number or a pair, got "
                             f"{factor!r}.")
        if not (0 <= lower <= 1 and 0 <= upper):
            raise ValueError(f"RandomContrast: `factor` must be in [0, 1], got {factor!r}.")
        self.factor = factor
        self._lower, self._upper = lower, upper
        self.value_range = tuple(value_range)

    def _augment(self, x, rng):
        n = int(x.shape[0])
        c = rng.uniform(1.0 - self._lower, 1.0 + self._upper, size=(n, 1, 1, 1))
        c = ts.constant(c.astype(x.dtype.name))
        mean = ts.reduce_mean(x, [1, 2], keepdims=True)
        y = (x - mean) * c + mean
        lo, hi = self.value_range
        return ts.clip_by_value(y, float(lo), float(hi))

    def get_config(self):
        base = super().get_config()
        base.pop("data_format", None)
        base.update({"factor": self.factor, "value_range": list(self.value_range)})
        return base

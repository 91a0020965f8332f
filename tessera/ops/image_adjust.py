"""`ts.image` adjustments: flips, brightness, contrast, dtype conversion, standardization.

Images are `(..., height, width, channels)`: one image (rank 3) or a batch (rank 4).
Everything is written with Tessera ops, so gradients flow where TensorFlow's do.
"""
import numpy as np

from ..backend import dtypes as _dt
from ..backend import random as _brng
from ..core import errors as _errors
from ..core.tensor import _wrap
from ._common import t

__all__ = ["flip_left_right", "flip_up_down", "random_flip_left_right", "random_flip_up_down",
           "adjust_brightness", "random_brightness", "adjust_contrast", "random_contrast",
           "convert_image_dtype", "per_image_standardization", "rgb_to_grayscale",
           "grayscale_to_rgb"]


def _image(opname, image):
    x = t(image)
    if x._a.ndim not in (3, 4):
        raise _errors.InvalidArgumentError(
            None, opname, f"{opname}: expected an image (height, width, channels) or a batch "
                          f"of them, got shape {tuple(x._a.shape)}.")
    return x


def _flip(opname, image, axis_from_end):
    from .array import reverse
    x = _image(opname, image)
    return reverse(x, [x._a.ndim - axis_from_end])


def flip_left_right(image):
    """Flips an image (or each image of a batch) horizontally, as `tf.image.flip_left_right`."""
    return _flip("flip_left_right", image, 2)


def flip_up_down(image):
    """Flips an image (or each image of a batch) vertically, as `tf.image.flip_up_down`."""
    return _flip("flip_up_down", image, 3)


def _random_flip(opname, image, seed, axis_from_end):
    from .array import reverse, where
    x = _image(opname, image)
    rng = _brng.next_rng(seed, key=opname)
    if x._a.ndim == 3:
        return reverse(x, [0 if axis_from_end == 3 else 1]) if rng.random() < 0.5 else x
    flip = rng.random(x._a.shape[0]) < 0.5
    mask = _wrap(flip.reshape(-1, 1, 1, 1))
    return where(mask, reverse(x, [x._a.ndim - axis_from_end]), x)


def random_flip_left_right(image, seed=None):
    """Flips each image horizontally with probability 1/2, as `tf.image.random_flip_left_right`."""
    return _random_flip("random_flip_left_right", image, seed, 2)


def random_flip_up_down(image, seed=None):
    """Flips each image vertically with probability 1/2, as `tf.image.random_flip_up_down`."""
    return _random_flip("random_flip_up_down", image, seed, 3)


def adjust_brightness(image, delta):
    """Adds `delta` to every pixel (float images), as `tf.image.adjust_brightness`."""
    x = _image("adjust_brightness", image)
    if x._a.dtype.kind != "f":
        return convert_image_dtype(convert_image_dtype(x, "float32") + float(delta), x.dtype,
                                   saturate=True)
    return x + float(delta)


def random_brightness(image, max_delta, seed=None):
    """Adds one delta drawn uniformly from `[-max_delta, max_delta)`, as `tf.image.random_brightness`."""
    if max_delta < 0:
        raise ValueError("random_brightness: max_delta must be non-negative.")
    delta = _brng.next_rng(seed, key="random_brightness").uniform(-max_delta, max_delta)
    return adjust_brightness(image, delta)


def adjust_contrast(images, contrast_factor):
    """`(x - mean) * contrast_factor + mean` per image and channel, as `tf.image.adjust_contrast`."""
    from .reduce import reduce_mean
    x = _image("adjust_contrast", images)
    mean = reduce_mean(x, axis=[-3, -2], keepdims=True)
    return (x - mean) * float(contrast_factor) + mean


def random_contrast(image, lower, upper, seed=None):
    """`adjust_contrast` with a factor drawn uniformly from `[lower, upper)`."""
    if not 0 <= lower < upper:
        raise ValueError("random_contrast: need 0 <= lower < upper.")
    f = _brng.next_rng(seed, key="random_contrast").uniform(lower, upper)
    return adjust_contrast(image, f)


def convert_image_dtype(image, dtype, saturate=False, name=None):
    """Converts between image dtypes, rescaling: integers span [0, MAX], floats [0, 1]."""
    from .creation import cast
    from .clip import clip_by_value
    x = t(image)
    src, dst = x.dtype, _dt.as_dtype(dtype)
    if src == dst:
        return x
    if src.is_floating and dst.is_floating:
        return cast(x, dst)
    if src.is_integer and dst.is_floating:
        return cast(x, dst) * (1.0 / src.max)
    if src.is_floating and dst.is_integer:
        scaled = x * (dst.max + 0.5)
        if saturate:
            scaled = clip_by_value(scaled, 0.0, float(dst.max))
        return cast(scaled, dst)
    a = np.asarray(x._a).astype(np.float64) * (dst.max / src.max)
    return _wrap(np.clip(np.round(a), dst.min, dst.max).astype(dst.np))


def per_image_standardization(image):
    """`(x - mean) / max(std, 1/sqrt(N))` per image, as `tf.image.per_image_standardization`."""
    from .math import maximum, sqrt
    from .reduce import reduce_mean
    x = _image("per_image_standardization", image)
    if x._a.dtype.kind != "f":
        x = convert_image_dtype(x, "float32")
    n = int(np.prod(x._a.shape[-3:]))
    mean = reduce_mean(x, axis=[-3, -2, -1], keepdims=True)
    var = reduce_mean((x - mean) * (x - mean), axis=[-3, -2, -1], keepdims=True)
    return (x - mean) / maximum(sqrt(var), 1.0 / np.sqrt(n))


def rgb_to_grayscale(images):
    """Weighted sum of R, G, B (0.2989, 0.587, 0.114), keeping a channel axis of 1."""
    from .linalg import tensordot
    from .array import expand_dims
    x = t(images)
    w = _wrap(np.array([0.2989, 0.587, 0.114], dtype=x._a.dtype if x._a.dtype.kind == "f"
                       else np.float32))
    xf = x if x._a.dtype.kind == "f" else convert_image_dtype(x, "float32")
    gray = expand_dims(tensordot(xf, w, axes=[[-1], [0]]), -1)
    return gray if x._a.dtype.kind == "f" else convert_image_dtype(gray, x.dtype)


def grayscale_to_rgb(images):
    """Repeats a single channel three times."""
    from .array import concat
    x = t(images)
    return concat([x, x, x], axis=-1)


__api__ = {"image": list(__all__)}

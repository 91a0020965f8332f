"""Image helpers (`load_img`, `img_to_array`, `array_to_img`, `save_img`) and
`image_dataset_from_directory`. Pillow is an optional dependency, imported on use."""
import io
import os

import numpy as np

import tessera as ts

from .. import config as _config
from ..saving.object_registration import keras_export
from . import dataset_utils as du

__all__ = ["load_img", "img_to_array", "array_to_img", "save_img",
           "image_dataset_from_directory"]

ALLOWLIST_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")


def _pil(fn):
    try:
        from PIL import Image
    except ImportError:
        raise ImportError(f"`{fn}` needs Pillow: pip install pillow") from None
    return Image


def _resample(Image, interpolation, fn):
    methods = {"nearest": "NEAREST", "bilinear": "BILINEAR", "bicubic": "BICUBIC",
               "hamming": "HAMMING", "box": "BOX", "lanczos": "LANCZOS", "area": "BOX"}
    if interpolation not in methods:
        raise ValueError(f"{fn}: invalid interpolation {interpolation!r}; supported: "
                         f"{sorted(methods)}.")
    res = getattr(Image, "Resampling", Image)
    return getattr(res, methods[interpolation])


def _data_format(data_format):
    data_format = data_format or _config.image_data_format()
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError(f"Unknown data_format: {data_format}")
    return data_format


@keras_export("keras.utils")
def load_img(path, color_mode="rgb", target_size=None, interpolation="nearest",
             keep_aspect_ratio=False):
    """Loads an image into a PIL Image (needs Pillow).

    Args:
        path: path or file-like object of the image.
        color_mode: "grayscale", "rgb" or "rgba".
        target_size: None or `(height, width)` to resize to.
        interpolation: resampling method ("nearest", "bilinear", "bicubic", ...).
        keep_aspect_ratio: center-crop to the target aspect ratio before resizing.

    Returns:
        A PIL Image.
    """
    Image = _pil("load_img")
    if isinstance(path, io.BytesIO):
        img = Image.open(path)
    elif isinstance(path, (str, os.PathLike, bytes)):
        if isinstance(path, bytes):
            path = path.decode()
        with open(os.fspath(path), "rb") as f:
            img = Image.open(io.BytesIO(f.read()))
    else:
        raise TypeError(f"path should be path-like or io.BytesIO, not {type(path)}")
    if color_mode == "grayscale":
        if img.mode not in ("L", "I;16", "I"):
            img = img.convert("L")
    elif color_mode == "rgba":
        if img.mode != "RGBA":
            img = img.convert("RGBA")
    elif color_mode == "rgb":
        if img.mode != "RGB":
            img = img.convert("RGB")
    else:
        raise ValueError('color_mode must be "grayscale", "rgb", or "rgba"')
    if target_size is not None:
        width_height = (target_size[1], target_size[0])
        if img.size != width_height:
            resample = _resample(Image, interpolation, "load_img")
            if keep_aspect_ratio:
                w, h = img.size
                tw, th = width_height
                crop_h = min(h, (w * th) // tw)
                crop_w = min(w, (h * tw) // th)
                x0, y0 = (w - crop_w) // 2, (h - crop_h) // 2
                img = img.crop((x0, y0, x0 + crop_w, y0 + crop_h))
            img = img.resize(width_height, resample)
    return img


@keras_export("keras.utils")
def img_to_array(img, data_format=None, dtype=None):
    """Converts a PIL Image (or array) to a 3D NumPy array `(H, W, C)` (or channels_first).

    Args:
        img: a PIL Image.
        data_format: "channels_last" or "channels_first" (default: the Keras config).
        dtype: output dtype (default: floatx).
    """
    data_format = _data_format(data_format)
    dtype = dtype or _config.floatx()
    x = np.asarray(img, dtype=dtype)
    if x.ndim == 3:
        if data_format == "channels_first":
            x = x.transpose(2, 0, 1)
    elif x.ndim == 2:
        x = x[None] if data_format == "channels_first" else x[..., None]
    else:
        raise ValueError(f"img_to_array: unsupported image shape {x.shape}; expected a 2D or "
                         "3D image.")
    return x


@keras_export("keras.utils")
def array_to_img(x, data_format=None, scale=True, dtype=None):
    """Converts a 3D array to a PIL Image (needs Pillow).

    Args:
        x: array of shape `(H, W, C)` (or `(C, H, W)` for channels_first), C in 1, 3, 4.
        data_format: "channels_last" or "channels_first" (default: the Keras config).
        scale: rescale values to [0, 255] (min-max) first.
        dtype: dtype used for the conversion (default: floatx).
    """
    Image = _pil("array_to_img")
    data_format = _data_format(data_format)
    x = np.asarray(x, dtype=dtype or _config.floatx())
    if x.ndim != 3:
        raise ValueError("Expected image array to have rank 3 (single image). Got array with "
                         f"shape: {x.shape}")
    if data_format == "channels_first":
        x = x.transpose(1, 2, 0)
    if scale:
        x = x - np.min(x)
        mx = np.max(x)
        if mx != 0:
            x = x / mx
        x = x * 255
    if x.shape[2] == 4:
        return Image.fromarray(x.astype("uint8"), "RGBA")
    if x.shape[2] == 3:
        return Image.fromarray(x.astype("uint8"), "RGB")
    if x.shape[2] == 1:
        if np.max(x) > 255:
            return Image.fromarray(x[:, :, 0].astype("int32"), "I")
        return Image.fromarray(x[:, :, 0].astype("uint8"), "L")
    raise ValueError(f"Unsupported channel number: {x.shape[2]}")


@keras_export("keras.utils")
def save_img(path, x, data_format=None, file_format=None, scale=True, **kwargs):
    """Saves an image stored as a NumPy array to a path or file object (needs Pillow).

    Args:
        path: path or file object.
        x: the image array.
        data_format: "channels_last" or "channels_first".
        file_format: e.g. "png"; None infers it from the file name.
        scale: rescale values to [0, 255] first.
        **kwargs: passed to `PIL.Image.save`.
    """
    data_format = _data_format(data_format)
    img = array_to_img(x, data_format=data_format, scale=scale)
    if img.mode == "RGBA" and (file_format == "jpg" or file_format == "jpeg"):
        img = img.convert("RGB")
    if file_format == "jpg":
        file_format = "jpeg"
    img.save(path, format=file_format, **kwargs)


@keras_export("keras.utils")
def image_dataset_from_directory(directory, labels="inferred", label_mode="int",
                                 class_names=None, color_mode="rgb", batch_size=32,
                                 image_size=(256, 256), shuffle=True, seed=None,
                                 validation_split=None, subset=None, interpolation="bilinear",
                                 follow_links=False, crop_to_aspect_ratio=False,
                                 pad_to_aspect_ratio=False, data_format=None, verbose=True):
    """Builds a `ts.data.Dataset` of images from class subfolders (needs Pillow).

    Supported formats: .bmp, .gif, .jpeg, .jpg, .png. With `directory/a/*.png` and
    `directory/b/*.png`, labels are 0 and 1 (class names sorted alphanumerically).

    Args:
        directory: the data folder.
        labels: "inferred", a list/tuple of integer labels (sorted file order), or None.
        label_mode: "int", "categorical", "binary" or None.
        class_names: explicit order of the class subfolders.
        color_mode: "grayscale", "rgb" or "rgba" (1, 3 or 4 channels).
        batch_size: images per batch (None: unbatched).
        image_size: `(height, width)` images are resized to.
        shuffle: shuffle the files.
        seed: shuffling seed (required with `validation_split` and `shuffle`).
        validation_split: fraction reserved for validation.
        subset: "training", "validation" or "both" (returns `[train_ds, val_ds]`).
        interpolation: resize method.
        follow_links: follow symbolic links.
        crop_to_aspect_ratio: center-crop to `image_size`'s aspect ratio before resizing.
        pad_to_aspect_ratio: pad (with zeros) to the aspect ratio before resizing.
        data_format: "channels_last" or "channels_first".
        verbose: print the number of files found.

    Returns:
        A `ts.data.Dataset` yielding `(images, labels)`, float32 images of shape
        `(batch, height, width, channels)`; it has a `class_names` attribute.
    """
    fn = "image_dataset_from_directory"
    Image = _pil(fn)
    channels = {"rgb": 3, "rgba": 4, "grayscale": 1}.get(color_mode)
    if channels is None:
        raise ValueError(f'{fn}: `color_mode` must be one of {{"rgb", "rgba", "grayscale"}}. '
                         f"Received: color_mode={color_mode}")
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError(f"{fn}: only one of `crop_to_aspect_ratio` and "
                         "`pad_to_aspect_ratio` can be True.")
    data_format = _data_format(data_format)
    resample = _resample(Image, interpolation, fn)
    labels, label_mode = du._check_common(fn, labels, label_mode, class_names, shuffle, seed,
                                          validation_split, subset)
    if seed is None:
        seed = np.random.randint(int(1e6))
    paths, labs, class_names = du._index_directory(directory, labels, ALLOWLIST_FORMATS,
                                                   class_names, shuffle, seed, follow_links,
                                                   verbose)
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError('When passing `label_mode="binary"`, there must be exactly 2 '
                         f"class_names. Received: class_names={class_names}")
    h, w = int(image_size[0]), int(image_size[1])

    def read(p):
        img = load_img(p, color_mode=color_mode)
        if crop_to_aspect_ratio or pad_to_aspect_ratio:
            iw, ih = img.size
            if crop_to_aspect_ratio:
                ch, cw = min(ih, iw * h // w), min(iw, ih * w // h)
                x0, y0 = (iw - cw) // 2, (ih - ch) // 2
                img = img.crop((x0, y0, x0 + cw, y0 + ch))
            else:
                ph, pw = max(ih, -(-iw * h // w)), max(iw, -(-ih * w // h))
                canvas = Image.new(img.mode, (pw, ph))
                canvas.paste(img, ((pw - iw) // 2, (ph - ih) // 2))
                img = canvas
        if img.size != (w, h):
            img = img.resize((w, h), resample)
        return img_to_array(img, data_format=data_format, dtype="float32")

    def make(which):
        p, lb = du._subset(paths, labs, validation_split, which, verbose)
        if not p:
            raise ValueError(f"No images found in directory {directory}. Allowed formats: "
                             f"{ALLOWLIST_FORMATS}")
        images = np.stack([read(f) for f in p])
        if label_mode is None:
            ds = ts.data.Dataset.from_tensor_slices(images)
        else:
            ds = ts.data.Dataset.from_tensor_slices(
                (images, du._encode_labels(lb, label_mode, len(class_names))))
        return du._finish(ds, batch_size, shuffle, seed, class_names, p)
    if subset == "both":
        return [make("training"), make("validation")]
    return make(subset)

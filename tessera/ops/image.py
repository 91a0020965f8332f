"""Image ops: `ts.image.resize` and the affine image transform used by Keras' image
augmentation layers.

Both are linear in the images, so each is a primitive whose gradient is its
adjoint, itself a primitive whose gradient is the forward: gradients of any
order come for free.

* Resizing is separable: one interpolation matrix per spatial axis (TensorFlow 2's
  half-pixel centres; a triangle kernel widened by the scale for `antialias=True`),
  applied with two contractions; "nearest" gathers rows and columns.
* `affine_transform` samples each output pixel at `(a0 x + a1 y + a2, b0 x + b1 y + b2) / k`
  (TensorFlow's 8-number transform rows), with nearest or bilinear sampling and
  the fill modes "reflect", "wrap", "constant", "nearest" and "mirror".
"""
import functools

import numpy as np

from ..backend import xp as _xp
from ..core import errors as _errors
from ._common import Primitive, _wrap, t, xp_of

__all__ = ["resize", "affine_transform", "ResizeMethod"]


def _err(op, msg):
    return _errors.InvalidArgumentError(None, op, msg)


class ResizeMethod:
    """The names of the resize methods, as `tf.image.ResizeMethod`."""
    BILINEAR = "bilinear"
    NEAREST_NEIGHBOR = "nearest"


_METHODS = ("bilinear", "nearest")


# ---------------------------------------------------------------------------
# interpolation matrices
# ---------------------------------------------------------------------------
@functools.lru_cache(maxsize=256)
def _nearest_index(n_in, n_out):
    scale = n_in / n_out
    idx = np.floor((np.arange(n_out) + 0.5) * scale).astype(np.int64)
    return np.minimum(idx, n_in - 1)


@functools.lru_cache(maxsize=256)
def _matrix(n_in, n_out, method, antialias, dtype):
    """The (n_out, n_in) matrix mapping one axis of the input to the output."""
    if method == "nearest":
        m = np.zeros((n_out, n_in), dtype=dtype)
        m[np.arange(n_out), _nearest_index(n_in, n_out)] = 1
        return m
    scale = n_in / n_out
    kscale = max(scale, 1.0) if antialias else 1.0
    center = (np.arange(n_out) + 0.5) * scale
    dist = (np.arange(n_in)[None, :] + 0.5 - center[:, None]) / kscale
    w = np.maximum(0.0, 1.0 - np.abs(dist))
    w /= w.sum(axis=1, keepdims=True)
    return w.astype(dtype)


def _mats(like, h, w, oh, ow, method, antialias):
    xp = xp_of(like)
    mh = _matrix(h, oh, method, antialias, like.dtype.name)
    mw = _matrix(w, ow, method, antialias, like.dtype.name)
    if xp is not np:
        mh, mw = xp.asarray(mh), xp.asarray(mw)
    return mh, mw


def _resize_fwd(x, size=(1, 1), method="bilinear", antialias=False):
    oh, ow = size
    n, h, w, c = x.shape
    if method == "nearest":
        xp = xp_of(x)
        hi, wi = _nearest_index(h, oh), _nearest_index(w, ow)
        if xp is not np:
            hi, wi = xp.asarray(hi), xp.asarray(wi)
        return x.take(hi, axis=1).take(wi, axis=2)
    xp = xp_of(x)
    mh, mw = _mats(x, h, w, oh, ow, method, antialias)
    y = xp.matmul(mh, x.reshape(n, h, w * c)).reshape(n, oh, w, c)
    return xp.einsum("pw,nowc->nopc", mw, y, optimize=True)


def _resize_adj_fwd(g, size=(1, 1), method="bilinear", antialias=False):
    h, w = size
    n, oh, ow, c = g.shape
    xp = xp_of(g)
    mh, mw = _mats(g, h, w, oh, ow, method, antialias)
    y = xp.einsum("pw,nopc->nowc", mw, g, optimize=True)
    return xp.matmul(mh.T, y.reshape(n, oh, w * c)).reshape(n, h, w, c)


_resize = Primitive("ResizeImage")
_resize._fwd = _resize_fwd
_resize_adj = Primitive("ResizeImageGrad")
_resize_adj._fwd = _resize_adj_fwd


@_resize.gradient
def _(g, out, x, size=(1, 1), method="bilinear", antialias=False):
    return (_resize_adj(g, size=tuple(x.shape[1:3]), method=method, antialias=antialias),)


@_resize_adj.gradient
def _(g, out, gy, size=(1, 1), method="bilinear", antialias=False):
    return (_resize(g, size=tuple(gy.shape[1:3]), method=method, antialias=antialias),)


def _target_size(opname, size, h, w, preserve_aspect_ratio):
    try:
        if hasattr(size, "numpy"):
            size = size.numpy()
        oh, ow = (int(v) for v in np.asarray(size).reshape(-1))
    except (TypeError, ValueError):
        raise _err(opname, f"resize: size must be [new_height, new_width], got {size!r}.") from None
    if oh <= 0 or ow <= 0:
        raise _err(opname, f"resize: size must be positive, got {[oh, ow]}.")
    if preserve_aspect_ratio:
        s = min(oh / h, ow / w)
        oh, ow = max(int(np.round(h * s)), 1), max(int(np.round(w * s)), 1)
    return oh, ow


def resize(images, size, method="bilinear", preserve_aspect_ratio=False, antialias=False,
           name=None):
    """Resizes images to `size`, as `tf.image.resize` (TensorFlow 2's half-pixel centres).

    Args:
        images: `(batch, height, width, channels)` or `(height, width, channels)`.
        size: `[new_height, new_width]`.
        method: "bilinear" (default) or "nearest" (`ts.image.ResizeMethod`).
        preserve_aspect_ratio: fit inside `size` keeping the aspect ratio.
        antialias: for "bilinear" downsampling, widen the kernel by the scale
            (an area-like filter) instead of sampling 2 taps.

    Returns:
        The resized images: float32 for "bilinear" (float64 stays float64), the
        input dtype for "nearest".

    Example:
    >>> ts.image.resize(np.ones((1, 4, 4, 3)), [8, 8]).shape
    TensorShape([1, 8, 8, 3])
    """
    opname = "ResizeImage"
    if hasattr(method, "value"):
        method = method.value
    method = {"nearest_neighbor": "nearest"}.get(str(method).lower(), str(method).lower())
    if method not in _METHODS:
        raise _err(opname, f"resize: method {method!r} is not supported; use one of "
                           f"{list(_METHODS)}.")
    x = t(images)
    nd = x._a.ndim
    if nd not in (3, 4):
        raise _err(opname, f"resize: images must be 3-D (H, W, C) or 4-D (N, H, W, C), got "
                           f"shape {tuple(x._a.shape)}.")
    from .array import expand_dims, squeeze
    if nd == 3:
        x = expand_dims(x, 0)
    h, w = x._a.shape[1:3]
    oh, ow = _target_size(opname, size, h, w, preserve_aspect_ratio)
    if method == "bilinear" and x._a.dtype.name not in ("float32", "float64"):
        from .creation import cast
        x = cast(x, "float32")
    if (oh, ow) == (h, w) and method == "nearest":
        y = x
    else:
        y = _resize(x, size=(oh, ow), method=method,
                    antialias=bool(antialias) and method == "bilinear")
    return squeeze(y, 0) if nd == 3 else y


# ---------------------------------------------------------------------------
# affine transform (sampling with fill modes)
# ---------------------------------------------------------------------------
FILL_MODES = ("reflect", "wrap", "constant", "nearest", "mirror")
INTERPOLATIONS = ("nearest", "bilinear")


def _fix_index(i, n, fill_mode):
    """Maps integer indices `i` into [0, n) per fill mode; returns (index, valid)."""
    xp = xp_of(i)
    if fill_mode == "constant":
        valid = (i >= 0) & (i < n)
        return xp.clip(i, 0, n - 1), valid
    if fill_mode == "nearest":
        return xp.clip(i, 0, n - 1), None
    if fill_mode == "wrap":
        return xp.mod(i, n), None
    if fill_mode == "reflect":       # d c b a | a b c d | d c b a
        m = xp.mod(i, 2 * n)
        return xp.where(m >= n, 2 * n - 1 - m, m), None
    if n == 1:                        # mirror: d c b | a b c d | c b a
        return xp.zeros_like(i), None
    m = xp.mod(i, 2 * n - 2)
    return xp.where(m >= n, 2 * n - 2 - m, m), None


def _taps(shape, transforms, interpolation, fill_mode, dtype):
    """For every output pixel, the flat input indices and weights of its taps.

    Returns a list of `(flat_index (N,H,W), weight (N,H,W))`; invalid (constant-fill)
    taps have weight 0 and are listed in the fill weight returned second.
    """
    n, h, w = shape
    xp = xp_of(transforms)
    tr = transforms.astype(np.float64)
    ys, xs = xp.meshgrid(xp.arange(h, dtype=np.float64), xp.arange(w, dtype=np.float64),
                         indexing="ij")
    a = [tr[:, i].reshape(n, 1, 1) for i in range(8)]
    k = a[6] * xs + a[7] * ys + 1.0
    in_x = (a[0] * xs + a[1] * ys + a[2]) / k
    in_y = (a[3] * xs + a[4] * ys + a[5]) / k
    base = (xp.arange(n) * (h * w)).reshape(n, 1, 1)
    if interpolation == "nearest":
        corners = [(xp.floor(in_y + 0.5).astype(np.int64), xp.floor(in_x + 0.5).astype(np.int64),
                    None)]
    else:
        y0 = xp.floor(in_y)
        x0 = xp.floor(in_x)
        wy, wx = in_y - y0, in_x - x0
        y0, x0 = y0.astype(np.int64), x0.astype(np.int64)
        corners = [(y0, x0, (1 - wy) * (1 - wx)), (y0, x0 + 1, (1 - wy) * wx),
                   (y0 + 1, x0, wy * (1 - wx)), (y0 + 1, x0 + 1, wy * wx)]
    taps = []
    fill_w = xp.zeros((n, h, w), dtype=np.float64)
    for iy, ix, wt in corners:
        wt = xp.ones((n, h, w), dtype=np.float64) if wt is None else wt
        iy, vy = _fix_index(iy, h, fill_mode)
        ix, vx = _fix_index(ix, w, fill_mode)
        if vy is not None:
            valid = vy & vx
            fill_w += xp.where(valid, 0.0, wt)
            wt = xp.where(valid, wt, 0.0)
        taps.append((base + iy * w + ix, wt.astype(dtype)))
    return taps, fill_w.astype(dtype)


def _affine_fwd(images, transforms, interpolation="bilinear", fill_mode="reflect",
                fill_value=0.0):
    n, h, w, c = images.shape
    taps, fill_w = _taps((n, h, w), transforms, interpolation, fill_mode, images.dtype)
    flat = images.reshape(n * h * w, c)
    out = None
    for idx, wt in taps:
        v = flat[idx] * wt[..., None]
        out = v if out is None else out + v
    if fill_mode == "constant" and fill_value != 0:
        out += fill_w[..., None] * fill_value
    return out


def _affine_adj_fwd(g, transforms, interpolation="bilinear", fill_mode="reflect",
                    fill_value=0.0):
    xp = xp_of(g)
    n, h, w, c = g.shape
    taps, _ = _taps((n, h, w), transforms, interpolation, fill_mode, g.dtype)
    size = n * h * w * c
    chan = xp.arange(c)
    total = xp.zeros(size, dtype=np.float64)
    for idx, wt in taps:
        flat_idx = (idx[..., None] * c + chan).reshape(-1)
        total += xp.bincount(flat_idx, weights=(g * wt[..., None]).reshape(-1).astype(np.float64),
                             minlength=size)
    return total.astype(g.dtype).reshape(n, h, w, c)


_affine = Primitive("ImageProjectiveTransformV3")
_affine._fwd = _affine_fwd
_affine_adj = Primitive("ImageProjectiveTransformV3Grad")
_affine_adj._fwd = _affine_adj_fwd


@_affine.gradient
def _(g, out, images, transforms, interpolation="bilinear", fill_mode="reflect",
      fill_value=0.0):
    return (_affine_adj(g, transforms, interpolation=interpolation, fill_mode=fill_mode), None)


@_affine_adj.gradient
def _(g, out, gy, transforms, interpolation="bilinear", fill_mode="reflect", fill_value=0.0):
    return (_affine(g, transforms, interpolation=interpolation, fill_mode=fill_mode), None)


def affine_transform(images, transform, interpolation="bilinear", fill_mode="constant",
                     fill_value=0.0, data_format="channels_last"):
    """Applies projective transforms to images (as `keras.ops.image.affine_transform`).

    Args:
        images: `(N, H, W, C)` or `(H, W, C)` (channels first with
            `data_format="channels_first"`).
        transform: `(8,)` or `(N, 8)` rows `[a0, a1, a2, b0, b1, b2, c0, c1]`: the
            output pixel `(x, y)` samples the input at
            `((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k)`, `k = c0 x + c1 y + 1`.
        interpolation: "nearest" or "bilinear".
        fill_mode: "reflect", "wrap", "constant", "nearest" or "mirror": how points
            outside the input are filled.
        fill_value: the value outside the input for "constant".
    """
    opname = "ImageProjectiveTransformV3"
    if interpolation not in INTERPOLATIONS:
        raise _err(opname, f"affine_transform: interpolation must be one of "
                           f"{list(INTERPOLATIONS)}, got {interpolation!r}.")
    if fill_mode not in FILL_MODES:
        raise _err(opname, f"affine_transform: fill_mode must be one of {list(FILL_MODES)}, "
                           f"got {fill_mode!r}.")
    from .array import expand_dims, squeeze, transpose
    x = t(images)
    nd = x._a.ndim
    if nd not in (3, 4):
        raise _err(opname, f"affine_transform: images must be 3-D or 4-D, got shape "
                           f"{tuple(x._a.shape)}.")
    if x._a.dtype.kind != "f":
        from .creation import cast
        x = cast(x, "float32")
    if nd == 3:
        x = expand_dims(x, 0)
    if data_format == "channels_first":
        x = transpose(x, (0, 2, 3, 1))
    tr = np.asarray(_xp.to_numpy(t(transform)._a), dtype=np.float64)
    if tr.ndim == 1:
        tr = np.broadcast_to(tr, (x._a.shape[0], 8))
    if tr.shape != (x._a.shape[0], 8):
        raise _err(opname, f"affine_transform: transform must have shape (8,) or "
                           f"({x._a.shape[0]}, 8), got {tr.shape}.")
    xp = xp_of(x._a)
    trt = _wrap(xp.asarray(np.ascontiguousarray(tr)))
    y = _affine(x, trt, interpolation=interpolation, fill_mode=fill_mode,
                fill_value=float(fill_value))
    if data_format == "channels_first":
        y = transpose(y, (0, 3, 1, 2))
    return squeeze(y, 0) if nd == 3 else y


__api__ = {"image": ["resize", "ResizeMethod"]}

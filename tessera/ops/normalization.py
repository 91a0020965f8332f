"""Normalization ops: batch normalization (plain and fused), layer normalization,
local response normalization, space_to_depth / depth_to_space.

The heavy ones are fused primitives with a hand-written backward on arrays:

* `FusedBatchNormTrain`: batch statistics + normalisation in one op; outputs
  `(y, batch_mean, batch_variance)` (biased variance); its backward gives dx,
  dscale and doffset in one pass over the data.
* `FusedBatchNormInfer`: `x * k + b` with per-channel `k`, `b` from given statistics.
* `FusedLayerNorm`: normalisation over given axes + broadcast scale/offset (used by
  Keras' LayerNormalization and GroupNormalization).
* `LRN`: local response normalization over the depth axis.

When an outer tape records a backward (second derivatives), the backward is
composed of differentiable Tessera ops instead.
"""
import ctypes

import numpy as np

from ..backend import native as _native
from ..core import errors as _errors
from ..core import primitive as _prim
from ._common import Primitive, Tensor, _wrap, t, xp_of

__all__ = ["batch_normalization", "fused_batch_norm", "layer_normalization",
           "local_response_normalization", "space_to_depth", "depth_to_space",
           "batch_norm_train", "batch_norm_infer"]


def _err(op, msg):
    return _errors.InvalidArgumentError(None, op, msg)


# ---------------------------------------------------------------------------
# per-channel reductions on a (A, C) or (A, C, B) view
# ---------------------------------------------------------------------------
def _chan_view(a, axis):
    """`a` viewed as (A, C) when `axis` is last, else (A, C, B); and the broadcast
    shape of a per-channel vector against that view."""
    s = a.shape
    c = s[axis]
    lead = int(np.prod(s[:axis], dtype=np.int64))
    tail = int(np.prod(s[axis + 1:], dtype=np.int64))
    if tail == 1:
        return a.reshape(lead, c), (c,)
    return a.reshape(lead, c, tail), (c, 1)


def _csum(v):
    xp = xp_of(v)
    if v.ndim == 2:
        return xp.ones(v.shape[0], dtype=v.dtype) @ v
    a, c, b = v.shape
    return (v.reshape(a * c, b) @ xp.ones(b, dtype=v.dtype)).reshape(a, c).sum(0)


def _cdot(u, v):
    xp = xp_of(u)
    if u.ndim == 2:
        return xp.einsum("ij,ij->j", u, v)
    return xp.einsum("icj,icj->c", u, v)


def _bshape(ndim, axis, c):
    shape = [1] * ndim
    shape[axis] = c
    return tuple(shape)


# ---------------------------------------------------------------------------
# fused batch norm, training mode
# ---------------------------------------------------------------------------
def _bn_params(params, has_scale, has_offset):
    it = iter(params)
    scale = next(it) if has_scale else None
    offset = next(it) if has_offset else None
    return scale, offset


def _bn_train_fwd(x, *params, axis=-1, epsilon=1e-3, has_scale=True, has_offset=True):
    scale, offset = _bn_params(params, has_scale, has_offset)
    xp = xp_of(x)
    axis = axis % x.ndim
    v, shp = _chan_view(x, axis)
    n = x.size // x.shape[axis]
    mean = _csum(v) / n
    xc = v - mean.reshape(shp)
    var = _cdot(xc, xc) / n
    k = 1.0 / xp.sqrt(var + epsilon)
    if has_scale:
        k = k * scale
    xc *= k.reshape(shp)
    if has_offset:
        xc += offset.reshape(shp)
    return xc.reshape(x.shape), mean.astype(x.dtype, copy=False), var.astype(x.dtype, copy=False)


def _bn_train_grad(gs, outs, x, *params, axis=-1, epsilon=1e-3, has_scale=True,
                   has_offset=True):
    g, gm, gv = gs
    if _prim.recording():
        return _bn_train_grad_composite(g, gm, gv, x, params, axis, epsilon, has_scale,
                                        has_offset)
    scale, _ = _bn_params([p._a for p in params], has_scale, has_offset)
    xa, ga = x._a, g._a
    xp = xp_of(xa)
    axis = axis % xa.ndim
    mean, var = outs[1]._a, outs[2]._a
    v, shp = _chan_view(xa, axis)
    gvw, _ = _chan_view(ga, axis)
    n = xa.size // xa.shape[axis]
    inv = 1.0 / xp.sqrt(var + epsilon)
    k = inv * scale if has_scale else inv
    xc = v - mean.reshape(shp)
    dbeta = _csum(gvw)
    dgamma = _cdot(gvw, xc) * inv          # sum(g * xhat)
    c1 = -(k * inv * dgamma) / n
    c0 = -(k * dbeta) / n
    gma, gva = gm._a, gv._a
    if xp.any(gva):
        c1 = c1 + 2.0 * gva / n
    if xp.any(gma):
        c0 = c0 + gma / n
    xc *= c1.reshape(shp)
    xc += gvw * k.reshape(shp)
    xc += c0.reshape(shp)
    out = [_wrap(xc.reshape(xa.shape))]
    if has_scale:
        out.append(_wrap(dgamma.astype(xa.dtype, copy=False)))
    if has_offset:
        out.append(_wrap(dbeta.astype(xa.dtype, copy=False)))
    return tuple(out)


def _bn_train_grad_composite(g, gm, gv, x, params, axis, epsilon, has_scale, has_offset):
    from .array import reshape
    from .math import rsqrt
    from .reduce import reduce_mean, reduce_sum
    ndim = len(x.shape)
    axis = axis % ndim
    c = x.shape[axis]
    axes = [i for i in range(ndim) if i != axis]
    bs = _bshape(ndim, axis, c)
    n = float(np.prod([x.shape[i] for i in axes]))
    scale, _ = _bn_params(params, has_scale, has_offset)
    mean = reduce_mean(x, axes, keepdims=True)
    xc = x - mean
    var = reduce_mean(xc * xc, axes, keepdims=True)
    inv = rsqrt(var + epsilon)
    xhat = xc * inv
    dbeta = reduce_sum(g, axes, keepdims=True)
    dgamma = reduce_sum(g * xhat, axes, keepdims=True)
    k = inv * reshape(scale, bs) if has_scale else inv
    dx = k * (g - dbeta / n - xhat * (dgamma / n))
    dx = dx + reshape(gm, bs) / n + xc * (reshape(gv, bs) * (2.0 / n))
    out = [dx]
    if has_scale:
        out.append(reshape(dgamma, (c,)))
    if has_offset:
        out.append(reshape(dbeta, (c,)))
    return tuple(out)


_bn_train = Primitive("FusedBatchNormTrain", n_out=3)
_bn_train._fwd = _bn_train_fwd
_bn_train._grad = _bn_train_grad


# ---------------------------------------------------------------------------
# fused batch norm, inference mode (given statistics)
# ---------------------------------------------------------------------------
def _bn_infer_fwd(x, mean, var, *params, axis=-1, epsilon=1e-3, has_scale=True,
                  has_offset=True):
    scale, offset = _bn_params(params, has_scale, has_offset)
    xp = xp_of(x)
    axis = axis % x.ndim
    v, shp = _chan_view(x, axis)
    k = 1.0 / xp.sqrt(var + epsilon)
    if has_scale:
        k = k * scale
    b = -mean * k
    if has_offset:
        b = b + offset
    y = v * k.reshape(shp)
    y += b.reshape(shp)
    return y.reshape(x.shape)


def _bn_infer_grad(g, out, x, mean, var, *params, axis=-1, epsilon=1e-3, has_scale=True,
                   has_offset=True, _needs=None):
    nparams = 3 + has_scale + has_offset
    needs = _needs or (True,) * nparams
    if _prim.recording():
        return _bn_infer_grad_composite(g, x, mean, var, params, axis, epsilon, has_scale,
                                        has_offset, needs)
    scale, _ = _bn_params([p._a for p in params], has_scale, has_offset)
    xa, ga, ma, va = x._a, g._a, mean._a, var._a
    xp = xp_of(xa)
    axis = axis % xa.ndim
    v, shp = _chan_view(xa, axis)
    gw, _ = _chan_view(ga, axis)
    inv = 1.0 / xp.sqrt(va + epsilon)
    k = inv * scale if has_scale else inv
    gx = _wrap((gw * k.reshape(shp)).reshape(xa.shape)) if needs[0] else None
    need_sum = needs[1] or (has_offset and needs[-1])
    need_dot = needs[2] or (has_scale and needs[3])
    gsum = _csum(gw) if need_sum else None
    gdot = _cdot(gw, v - ma.reshape(shp)) if need_dot else None   # sum(g * (x - mean))
    res = [gx, _wrap(-gsum * k) if needs[1] else None,
           _wrap(gdot * k * inv * inv * -0.5) if needs[2] else None]
    if has_scale:
        res.append(_wrap(gdot * inv) if needs[3] else None)
    if has_offset:
        res.append(_wrap(gsum) if needs[-1] else None)
    return tuple(res)


def _bn_infer_grad_composite(g, x, mean, var, params, axis, epsilon, has_scale, has_offset,
                             needs):
    from .array import reshape
    from .math import rsqrt
    from .reduce import reduce_sum
    ndim = len(x.shape)
    axis = axis % ndim
    c = x.shape[axis]
    axes = [i for i in range(ndim) if i != axis]
    bs = _bshape(ndim, axis, c)
    scale, _ = _bn_params(params, has_scale, has_offset)
    inv = rsqrt(var + epsilon)
    k = inv * scale if has_scale else inv
    gx = g * reshape(k, bs)
    gsum = reduce_sum(g, axes)
    gdot = reduce_sum(g * (x - reshape(mean, bs)), axes)
    res = [gx, -gsum * k, gdot * k * inv * inv * -0.5]
    if has_scale:
        res.append(gdot * inv)
    if has_offset:
        res.append(gsum)
    return tuple(r if nd else None for r, nd in zip(res, needs))


_bn_infer = Primitive("FusedBatchNormInfer")
_bn_infer._fwd = _bn_infer_fwd
_bn_infer._grad = _bn_infer_grad
_bn_infer.grad_needs = True


def _check_param(opname, what, p, x, c):
    if p is None:
        return None
    p = t(p)
    if p._a.dtype != x._a.dtype:
        from .creation import cast
        p = cast(p, x.dtype)
    if tuple(p._a.shape) != (c,):
        raise _err(opname, f"{opname}: {what} must have shape ({c},) (the channel dimension of "
                           f"x, shape {tuple(x._a.shape)}), got shape {tuple(p._a.shape)}.")
    return p


def batch_norm_train(x, scale=None, offset=None, axis=-1, epsilon=1e-3):
    """Fused training-mode batch normalization over every axis but `axis`.

    Args:
        x: a floating-point tensor.
        scale, offset: per-channel tensors of shape `(x.shape[axis],)`, or None.
        axis: the channel axis.
        epsilon: added to the variance.

    Returns:
        `(y, batch_mean, batch_variance)`; the variance is the biased (population)
        variance that normalised `x`.
    """
    x = t(x)
    ndim = x._a.ndim
    if not -ndim <= axis < ndim:
        raise _err("FusedBatchNorm", f"batch_norm: axis {axis} is out of range for x of shape "
                                     f"{tuple(x._a.shape)}.")
    axis %= ndim
    c = x._a.shape[axis]
    scale = _check_param("FusedBatchNorm", "scale", scale, x, c)
    offset = _check_param("FusedBatchNorm", "offset", offset, x, c)
    params = [p for p in (scale, offset) if p is not None]
    return _bn_train(x, *params, axis=axis, epsilon=float(epsilon),
                     has_scale=scale is not None, has_offset=offset is not None)


def batch_norm_infer(x, mean, variance, scale=None, offset=None, axis=-1, epsilon=1e-3):
    """Fused inference-mode batch normalization with given per-channel statistics:
    `(x - mean) * rsqrt(variance + epsilon) * scale + offset`."""
    x = t(x)
    ndim = x._a.ndim
    axis %= ndim
    c = x._a.shape[axis]
    mean = _check_param("FusedBatchNorm", "mean", mean, x, c)
    variance = _check_param("FusedBatchNorm", "variance", variance, x, c)
    scale = _check_param("FusedBatchNorm", "scale", scale, x, c)
    offset = _check_param("FusedBatchNorm", "offset", offset, x, c)
    params = [p for p in (scale, offset) if p is not None]
    return _bn_infer(x, mean, variance, *params, axis=axis, epsilon=float(epsilon),
                     has_scale=scale is not None, has_offset=offset is not None)


def batch_normalization(x, mean, variance, offset, scale, variance_epsilon, name=None):
    """Batch normalization with given statistics, as `tf.nn.batch_normalization`:
    `(x - mean) * scale / sqrt(variance + variance_epsilon) + offset`.

    `mean`, `variance`, `offset` and `scale` broadcast against `x` (e.g. the
    `keepdims=True` outputs of `ts.nn.moments`); `offset` and `scale` may be None.

    Example:
    >>> m, v = ts.nn.moments(x, axes=[0])
    >>> y = ts.nn.batch_normalization(x, m, v, None, None, 1e-3)
    """
    from .math import rsqrt
    x = t(x)
    inv = rsqrt(t(variance, x.dtype) + variance_epsilon)
    if scale is not None:
        inv = inv * t(scale, x.dtype)
    shift = -t(mean, x.dtype) * inv
    if offset is not None:
        shift = shift + t(offset, x.dtype)
    return x * inv + shift


_FORMATS = {"NHWC": -1, "NDHWC": -1, "NCHW": 1, "NCDHW": 1}


def fused_batch_norm(x, scale, offset, mean=None, variance=None, epsilon=0.001,
                     data_format="NHWC", is_training=True, name=None,
                     exponential_avg_factor=1.0):
    """Batch normalization of a 4-D or 5-D tensor in one fused op, as
    `tf.compat.v1.nn.fused_batch_norm`.

    Args:
        x: input of rank 4 (or 5).
        scale, offset: per-channel tensors.
        mean, variance: per-channel statistics; required for inference
            (`is_training=False`); in training they are the running averages blended
            with the batch statistics when `exponential_avg_factor` is below 1.
        epsilon: added to the variance (at least 1.001e-5, as TensorFlow clamps it).
        data_format: "NHWC"/"NDHWC" (channels last) or "NCHW"/"NCDHW".
        is_training: normalise with the batch's statistics (True) or the given ones.
        exponential_avg_factor: the weight of the batch statistics in the returned ones.

    Returns:
        `(y, batch_mean, batch_var)`. In training the variance returned is the
        unbiased (Bessel-corrected) batch variance; in inference `mean` and
        `variance` are returned as given.
    """
    opname = "FusedBatchNorm"
    x = t(x)
    if data_format not in _FORMATS:
        raise _err(opname, f"fused_batch_norm: data_format must be one of {sorted(_FORMATS)}, "
                           f"got {data_format!r}.")
    if x._a.ndim not in (4, 5):
        raise _err(opname, f"fused_batch_norm: x must be a 4-D (or 5-D) tensor, got shape "
                           f"{tuple(x._a.shape)}; use ts.nn.batch_normalization for other "
                           "ranks.")
    axis = _FORMATS[data_format] % x._a.ndim
    epsilon = max(float(epsilon), 1.001e-5)
    orig = x.dtype
    low = x._a.dtype.name in ("float16", "bfloat16")
    if low:
        from .creation import cast
        x = cast(x, "float32")
    if is_training:
        y, bm, bv = batch_norm_train(x, scale, offset, axis=axis, epsilon=epsilon)
        n = x._a.size // x._a.shape[axis]
        bv = bv * (n / max(n - 1, 1))
        if exponential_avg_factor != 1.0:
            if mean is None or variance is None:
                raise _err(opname, "fused_batch_norm: exponential_avg_factor != 1 needs the "
                                   "running `mean` and `variance`.")
            f = float(exponential_avg_factor)
            bm = t(mean, x.dtype) * (1.0 - f) + bm * f
            bv = t(variance, x.dtype) * (1.0 - f) + bv * f
    else:
        if mean is None or variance is None:
            raise _err(opname, "fused_batch_norm: is_training=False needs `mean` and `variance` "
                               "(the population statistics).")
        y = batch_norm_infer(x, mean, variance, scale, offset, axis=axis, epsilon=epsilon)
        bm, bv = t(mean, x.dtype), t(variance, x.dtype)
    if low:
        from .creation import cast
        y = cast(y, orig)
    return y, bm, bv


# ---------------------------------------------------------------------------
# fused layer norm (normalise over `axes`, broadcast scale / offset)
# ---------------------------------------------------------------------------
_GEMV_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _rowmean(v):
    """Means of the rows of a 2-D array: a matrix-vector product for float32/64 (several
    times faster than `mean(axis=1)` on short rows)."""
    if v.dtype in _GEMV_DTYPES:
        xp = xp_of(v)
        return xp.matmul(v, xp.full(v.shape[1], 1.0 / v.shape[1], dtype=v.dtype))[:, None]
    return v.mean(axis=1, keepdims=True)


def _ln_stats(x, axes, epsilon):
    """`(x - mean, 1 / sqrt(var + epsilon))` over `axes` (a fresh array, broadcastable)."""
    xp = xp_of(x)
    nd = x.ndim
    trailing = axes == tuple(range(nd - len(axes), nd))
    if trailing:
        k = int(np.prod(x.shape[nd - len(axes):], dtype=np.int64))
        v = x.reshape(-1, k)
        xc = v - _rowmean(v)
        var = xp.einsum("ij,ij->i", xc, xc)[:, None] / k
        inv = 1.0 / xp.sqrt(var + epsilon)
        return xc.reshape(x.shape), inv.reshape(x.shape[:nd - len(axes)] + (1,) * len(axes))
    mean = x.mean(axis=axes, keepdims=True)
    xc = x - mean
    var = (xc * xc).mean(axis=axes, keepdims=True)
    return xc, 1.0 / xp.sqrt(var + epsilon)


_P, _N = ctypes.c_void_p, ctypes.c_ssize_t
_LN_FWD = ("tessera_layernorm_fwd_f32", [_P, _P, _P, _P, _P, _P, _N, _N, ctypes.c_float])
_LN_BWD = ("tessera_layernorm_bwd_f32", [_P, _P, _P, _P, _P, _P, _P, _P, _N, _N])
_F32 = np.dtype(np.float32)
_ptr = _native.ptr


def _ln_native(x, axes, params):
    """Whether the compiled row-wise kernels take this layer norm: float32 C-contiguous
    NumPy arrays, trailing axes, per-feature scale / offset."""
    return _native.takes(x, *params) and _ln_rowwise(x, axes, params)

def _ln_fwd_native(x, scale, offset, axes, epsilon, keep):
    nd = x.ndim
    k = x.size // max(1, int(np.prod(x.shape[:nd - len(axes)], dtype=np.int64))) \
        if x.size else 0
    rows = x.size // k if k else 0
    y = np.empty_like(x)
    xhat = np.empty_like(x) if keep else None
    inv = np.empty(x.shape[:nd - len(axes)] + (1,) * len(axes), x.dtype) if keep else None
    _native.kernel(*_LN_FWD)(x.ctypes.data, _ptr(scale), _ptr(offset), y.ctypes.data,
                             _ptr(xhat), _ptr(inv), rows, k, epsilon)
    return y, xhat, inv


def _ln_fwd(x, *params, axes=(-1,), epsilon=1e-3, has_scale=True, has_offset=True, _ctx=None):
    scale, offset = _bn_params(params, has_scale, has_offset)
    if x.size and _ln_native(x, axes, params):
        y, xhat, inv = _ln_fwd_native(x, scale, offset, axes, epsilon, _ctx is not None)
        if _ctx is not None:
            _ctx["saved"] = (xhat, inv)
        return y
    xhat, inv = _ln_stats(x, axes, epsilon)
    xhat *= inv
    if _ctx is not None:      # a tape records: keep xhat and inv for the backward
        _ctx["saved"] = (xhat, inv)
        y = xhat * scale if has_scale else xhat.copy()
    else:
        y = xhat
        if has_scale:
            y *= scale
    if has_offset:
        y += offset
    return y


def _reduce_to(a, shape):
    """Sums `a` over the axes where `shape` (same rank) is 1."""
    axes = tuple(i for i, (s, d) in enumerate(zip(shape, a.shape)) if s == 1 and d != 1)
    return a.sum(axis=axes, keepdims=True) if axes else a


def _ln_rowwise(x, axes, params):
    """True when the normalised axes are the trailing ones, the dtype is float32/64 and
    scale / offset vary only along those axes: the backward then reduces with GEMVs."""
    nd = x.ndim
    if axes != tuple(range(nd - len(axes), nd)) or x.dtype not in _GEMV_DTYPES:
        return False
    tail = x.shape[nd - len(axes):]
    return all(tuple(p.shape) == (1,) * (nd - len(axes)) + tuple(tail) for p in params)


def _ln_grad(g, out, x, *params, axes=(-1,), epsilon=1e-3, has_scale=True, has_offset=True,
             _ctx=None, _needs=None):
    needs = _needs or (True,) * (1 + has_scale + has_offset)
    if _prim.recording():
        return _ln_grad_composite(g, x, params, axes, epsilon, has_scale, has_offset, needs)
    scale, offset = _bn_params([p._a for p in params], has_scale, has_offset)
    ga = g._a
    saved = _ctx.get("saved") if _ctx is not None else None
    xa = x._a
    if xa.size and _ln_native(xa, axes, [p._a for p in params]) and \
            type(ga) is np.ndarray and ga.dtype == _F32 and ga.shape == xa.shape:
        if saved is None or type(saved[0]) is not np.ndarray:
            _, xhat, inv = _ln_fwd_native(xa, scale, offset, axes, epsilon, True)
        else:
            xhat, inv = saved
        ga = np.ascontiguousarray(ga)
        k = xhat.size // inv.size
        dx = np.empty_like(ga) if needs[0] else None
        ds = np.empty(k, ga.dtype) if has_scale and needs[1] else None
        do = np.empty(k, ga.dtype) if has_offset and needs[-1] else None
        scratch = np.empty(k, ga.dtype)     # (referenced until the call returns)
        _native.kernel(*_LN_BWD)(ga.ctypes.data, xhat.ctypes.data, inv.ctypes.data,
                                 _ptr(scale), _ptr(dx), _ptr(ds), _ptr(do),
                                 scratch.ctypes.data, inv.size, k)
        res = [None if dx is None else _wrap(dx)]
        if has_scale:
            res.append(None if ds is None else _wrap(ds.reshape(scale.shape)))
        if has_offset:
            res.append(None if do is None else _wrap(do.reshape(offset.shape)))
        return tuple(res)
    if saved is not None:
        xhat, inv = saved     # read-only: a persistent tape may run the backward again
        own = False
    else:
        xhat, inv = _ln_stats(x._a, axes, epsilon)
        xhat *= inv
        own = True
    if _ln_rowwise(x._a, axes, [p._a for p in params]):
        return _ln_grad_gemv(ga, xhat, inv, scale, axes, has_scale, has_offset, needs)
    res = [None]
    if has_scale:
        res.append(_wrap(_reduce_to(ga * xhat, scale.shape)) if needs[1] else None)
    if has_offset:
        res.append(_wrap(_reduce_to(ga, offset.shape)) if needs[-1] else None)
    if needs[0]:
        gh = ga * scale if has_scale else ga.copy()
        m1 = gh.mean(axis=axes, keepdims=True)
        m2 = (gh * xhat).mean(axis=axes, keepdims=True)
        if own:
            xhat *= m2
        else:
            xhat = xhat * m2
        gh -= xhat
        gh -= m1
        gh *= inv
        res[0] = _wrap(gh)
    return tuple(res)


def _ln_grad_gemv(ga, xhat, inv, scale, axes, has_scale, has_offset, needs):
    """`_ln_grad` for trailing axes with per-feature scale / offset, on `(rows, k)` views:
    every reduction is a matrix-vector product (dx = inv * (g s - mean(g s) - xhat mean(g s
    xhat)), with `mean(g s xhat) = (g xhat) @ s / k`)."""
    xp = xp_of(ga)
    shape = ga.shape
    k = int(np.prod(shape[len(shape) - len(axes):], dtype=np.int64))
    g2 = ga.reshape(-1, k)
    xh2 = xhat.reshape(-1, k)
    gx2 = g2 * xh2                                     # g * xhat
    res = [None]
    pshape = (1,) * (len(shape) - len(axes)) + tuple(shape[len(shape) - len(axes):])
    if has_scale or has_offset:
        ones = xp.ones(g2.shape[0], dtype=ga.dtype)
        if has_scale:
            res.append(_wrap(xp.matmul(ones, gx2).reshape(pshape)) if needs[1] else None)
        if has_offset:
            res.append(_wrap(xp.matmul(ones, g2).reshape(pshape)) if needs[-1] else None)
    if needs[0]:
        s = scale.reshape(k) if has_scale else xp.ones(k, dtype=ga.dtype)
        sk = s / ga.dtype.type(k)
        m1 = xp.matmul(g2, sk)[:, None]                # mean(g * s)
        m2 = xp.matmul(gx2, sk)[:, None]               # mean(g * s * xhat)
        dx = g2 * s if has_scale else g2.copy()
        xp.multiply(xh2, m2, out=gx2)
        dx -= gx2
        dx -= m1
        dx *= inv.reshape(-1, 1)
        res[0] = _wrap(dx.reshape(shape))
    return tuple(res)


def _ln_grad_composite(g, x, params, axes, epsilon, has_scale, has_offset, needs):
    from .math import rsqrt
    from .reduce import reduce_mean, reduce_sum
    scale, offset = _bn_params(params, has_scale, has_offset)
    axes = list(axes)
    mean = reduce_mean(x, axes, keepdims=True)
    xc = x - mean
    inv = rsqrt(reduce_mean(xc * xc, axes, keepdims=True) + epsilon)
    xhat = xc * inv
    gh = g * scale if has_scale else g
    dx = inv * (gh - reduce_mean(gh, axes, keepdims=True)
                - xhat * reduce_mean(gh * xhat, axes, keepdims=True))

    def red(v, shape):
        ax = [i for i, (s, d) in enumerate(zip(shape, v.shape)) if s == 1 and d != 1]
        return reduce_sum(v, ax, keepdims=True) if ax else v
    res = [dx if needs[0] else None]
    if has_scale:
        res.append(red(g * xhat, tuple(scale.shape)) if needs[1] else None)
    if has_offset:
        res.append(red(g, tuple(offset.shape)) if needs[-1] else None)
    return tuple(res)


_ln = Primitive("FusedLayerNorm")
_ln._fwd = _ln_fwd
_ln._grad = _ln_grad
_ln.grad_needs = True


def layer_normalization(x, scale=None, offset=None, axis=-1, epsilon=1e-3):
    """Fused normalisation of `x` over `axis` (an int or a list of axes), then
    `* scale + offset`.

    `scale` and `offset` have the shape of `x` along `axis` (Keras' gamma/beta
    layout) or any shape of x's rank that broadcasts against it.

    Example:
    >>> y = layer_normalization(x, gamma, beta, axis=-1, epsilon=1e-6)
    """
    x = t(x)
    nd = x._a.ndim
    axes = [axis] if isinstance(axis, (int, np.integer)) else list(axis)
    for a in axes:
        if not -nd <= a < nd:
            raise _err("FusedLayerNorm", f"layer_normalization: axis {a} is out of range for x "
                                         f"of shape {tuple(x._a.shape)}.")
    axes = tuple(sorted(a % nd for a in axes))
    bshape = tuple(x._a.shape[i] if i in axes else 1 for i in range(nd))

    def prep(p, what):
        if p is None:
            return None
        p = t(p, x.dtype)
        shp = tuple(p._a.shape)
        if len(shp) != nd:
            if int(np.prod(shp, dtype=np.int64)) != int(np.prod(bshape, dtype=np.int64)):
                raise _err("FusedLayerNorm",
                           f"layer_normalization: {what} of shape {shp} does not match x of shape "
                           f"{tuple(x._a.shape)} normalised over axes {list(axes)} (expected "
                           f"{tuple(x._a.shape[i] for i in axes)}).")
            from .array import reshape
            p = reshape(p, bshape)
        return p
    scale, offset = prep(scale, "scale"), prep(offset, "offset")
    params = [p for p in (scale, offset) if p is not None]
    ctx = {} if _prim.TAPES else None
    return _ln(x, *params, axes=axes, epsilon=float(epsilon), has_scale=scale is not None,
               has_offset=offset is not None, _ctx=ctx)


# ---------------------------------------------------------------------------
# local response normalization
# ---------------------------------------------------------------------------
def _window_sum(a, r):
    """`out[..., d] = sum(a[..., d-r : d+r+1])` (clipped at the edges), on arrays."""
    out = a.copy()
    c = a.shape[-1]
    for k in range(1, min(r, c - 1) + 1):
        out[..., k:] += a[..., :c - k]
        out[..., :c - k] += a[..., k:]
    return out


def _window_sum_t(v, r):
    """`_window_sum` with differentiable Tessera ops."""
    from .array import pad
    c = v.shape[-1]
    rr = min(r, c - 1)
    nd = len(v.shape)
    p = pad(v, [[0, 0]] * (nd - 1) + [[rr, rr]])
    out = v
    for k in range(1, rr + 1):
        out = out + p[..., rr - k:rr - k + c] + p[..., rr + k:rr + k + c]
    return out


def _lrn_fwd(x, depth_radius=5, bias=1.0, alpha=1.0, beta=0.5):
    base = _window_sum(x * x, depth_radius)
    base *= alpha
    base += bias
    return x * base ** -beta


def _lrn_grad(g, out, x, depth_radius=5, bias=1.0, alpha=1.0, beta=0.5):
    if _prim.recording():
        base = _window_sum_t(x * x, depth_radius) * alpha + bias
        tt = g * x * base ** (-beta - 1.0)
        return (g * base ** -beta - (2.0 * alpha * beta) * x * _window_sum_t(tt, depth_radius),)
    xa, ga = x._a, g._a
    base = _window_sum(xa * xa, depth_radius)
    base *= alpha
    base += bias
    p = base ** (-beta - 1.0)           # base^(-beta-1)
    tt = ga * xa * p
    ws = _window_sum(tt, depth_radius)
    ws *= xa * (-2.0 * alpha * beta)
    p *= base                           # base^(-beta)
    ws += ga * p
    return (_wrap(ws),)


_lrn = Primitive("LRN")
_lrn._fwd = _lrn_fwd
_lrn._grad = _lrn_grad


def local_response_normalization(input, depth_radius=5, bias=1.0, alpha=1.0, beta=0.5,
                                 name=None):
    """Local response normalization over the last (depth) axis of a 4-D tensor, as
    `tf.nn.local_response_normalization` (alias `ts.nn.lrn`):

        sqr_sum[a, b, c, d] = sum(input[a, b, c, d - depth_radius : d + depth_radius + 1] ** 2)
        output = input / (bias + alpha * sqr_sum) ** beta
    """
    x = t(input)
    if x._a.ndim != 4:
        raise _err("LRN", f"local_response_normalization: input must be 4-D (NHWC), got shape "
                          f"{tuple(x._a.shape)}.")
    if x._a.dtype.kind != "f":
        raise _err("LRN", f"local_response_normalization: input must be floating point, got "
                          f"{x.dtype.name}; cast it with ts.cast(input, ts.float32).")
    if int(depth_radius) < 0:
        raise _err("LRN", f"local_response_normalization: depth_radius must be >= 0, got "
                          f"{depth_radius}.")
    return _lrn(x, depth_radius=int(depth_radius), bias=float(bias), alpha=float(alpha),
                beta=float(beta))


# ---------------------------------------------------------------------------
# space_to_depth / depth_to_space (reshapes and transposes: differentiable as composites)
# ---------------------------------------------------------------------------
def _block_args(opname, x, block_size, data_format):
    x = t(x)
    if data_format not in ("NHWC", "NCHW"):
        raise _err(opname, f"{opname}: data_format must be 'NHWC' or 'NCHW', got "
                           f"{data_format!r}.")
    if x._a.ndim != 4:
        raise _err(opname, f"{opname}: input must be 4-D ({data_format}), got shape "
                           f"{tuple(x._a.shape)}.")
    b = int(block_size)
    if b < 2:
        raise _err(opname, f"{opname}: block_size must be at least 2, got {block_size}.")
    return x, b


def space_to_depth(input, block_size, data_format="NHWC", name=None):
    """Moves `block_size x block_size` spatial blocks into the depth axis, as
    `tf.nn.space_to_depth`: `(N, H, W, C) -> (N, H/b, W/b, b*b*C)`; the depth index
    is `(row_in_block * b + col_in_block) * C + c`."""
    from .array import reshape, transpose
    x, b = _block_args("space_to_depth", input, block_size, data_format)
    if data_format == "NHWC":
        n, h, w, c = x._a.shape
    else:
        n, c, h, w = x._a.shape
    if h % b or w % b:
        raise _err("SpaceToDepth", f"space_to_depth: height {h} and width {w} of input shape "
                                   f"{tuple(x._a.shape)} must be divisible by block_size {b}.")
    if data_format == "NHWC":
        y = reshape(x, (n, h // b, b, w // b, b, c))
        return reshape(transpose(y, (0, 1, 3, 2, 4, 5)), (n, h // b, w // b, b * b * c))
    y = reshape(x, (n, c, h // b, b, w // b, b))
    return reshape(transpose(y, (0, 3, 5, 1, 2, 4)), (n, b * b * c, h // b, w // b))


def depth_to_space(input, block_size, data_format="NHWC", name=None):
    """The inverse of `space_to_depth`, as `tf.nn.depth_to_space`:
    `(N, H, W, b*b*C) -> (N, H*b, W*b, C)`."""
    from .array import reshape, transpose
    x, b = _block_args("depth_to_space", input, block_size, data_format)
    if data_format == "NHWC":
        n, h, w, d = x._a.shape
    else:
        n, d, h, w = x._a.shape
    if d % (b * b):
        raise _err("DepthToSpace", f"depth_to_space: the depth {d} of input shape "
                                   f"{tuple(x._a.shape)} must be divisible by block_size**2 = "
                                   f"{b * b}.")
    c = d // (b * b)
    if data_format == "NHWC":
        y = reshape(x, (n, h, w, b, b, c))
        return reshape(transpose(y, (0, 1, 3, 2, 4, 5)), (n, h * b, w * b, c))
    y = reshape(x, (n, b, b, c, h, w))
    return reshape(transpose(y, (0, 3, 4, 1, 5, 2)), (n, c, h * b, w * b))


__api__ = {
    "nn": ["batch_normalization", "fused_batch_norm", "local_response_normalization",
           ("lrn", "local_response_normalization"), "space_to_depth", "depth_to_space"],
    "ts": ["space_to_depth", "depth_to_space"],
}

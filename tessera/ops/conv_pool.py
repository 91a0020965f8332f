"""The classic convnet block as one op: `relu(max_pool(conv2d(x, w)) + b)`.

`conv2d_relu_max_pool` computes what `Conv2D(activation="relu")` followed by a
`MaxPooling2D` with non-overlapping windows (pool size equal to the strides,
"valid") computes; `keras.Sequential` calls it for such a pair of layers.
Channels-last, one group.

Why one op is faster than two: the im2col rows are ordered pool-member-major,
`(ph, pw, N, PH, PW)`, so the convolution's GEMM writes each member of every
pooling window as one contiguous `(N*PH*PW, C_out)` block, and the maximum
over a window is `ph*pw - 1` calls on contiguous blocks (in NHWC the members
of a window sit `C` floats apart, so a separate pooling op loops over runs of
`C` elements). Bias and ReLU commute with the maximum and are applied to the
pooled output only; conv outputs the pool drops (an odd last row or column)
are never computed; the ReLU mask of the backward is taken on the pooled
output. The backward routes the gradient to each window's first maximum (in
row-major window order, as `max_pool` does) with the comparisons the forward
kept, then runs the filter-gradient GEMM on the same im2col buffer and, when
the input needs a gradient, one GEMM and one slice-add per kernel offset.

Under an outer recording tape (second derivatives) the gradient is composed of
the differentiable `conv`, `max_pool`, `relu` ops instead.

With the compiled kernels (`backend/native.py`, `kernels/conv.c`) and float32 NumPy
arrays, the passes between the GEMMs are one compiled pass each: im2col; the maximum
over the members with bias and ReLU, recording each output's winning member as one
byte (instead of `ph*pw - 1` boolean arrays); the masked, routed gradient; and the
input gradient's col2im after ONE GEMM to all patch gradients (instead of one per
kernel offset). The other GEMMs are the NumPy code's, in BLAS. Results are
bit-identical to the NumPy code except the bias gradient (summed in float64) and
the input gradient where BLAS rounds the one GEMM differently from the per-offset
ones (with OpenBLAS: for inputs of one channel, whose per-offset products are GEMVs).

For small patches (K = kh*kw*C_in <= `_DIRECT_MAX_K`, e.g. a first layer's 3x3x1), whose
im2col + GEMM + pooling is bound by memory (the GEMM output is ph*pw times the pooled
output), compiled DIRECT kernels read the input itself: the forward computes each
window's members' conv outputs (summed as BLAS's GEMM kernels sum them: with OpenBLAS
the same values), their maximum, winner, bias and ReLU in one pass and keeps no
patches; the backward computes the filter and bias gradients from the input, the pooled
gradient and the winners in one pass (the routed gradient never stored; the filter
gradient summed in another order than the GEMM's, so equal to rounding), and the input
gradient, when asked for, as above.
"""
import ctypes

import numpy as np

from ..backend import native as _native
from ..backend import xp as _xp
from ..core import primitive as _prim
from . import conv_kernels as _k
from ._common import Primitive, _wrap, t

__all__ = ["conv2d_relu_max_pool"]

_NARROW_C = 4   # up to this many input channels, im2col is built transposed (K, rows)


def _pooled_sizes(x_shape, w_shape, strides, dilations, pads, pool):
    oh, ow = _k.out_sizes(x_shape[1:3], w_shape[:2], strides, dilations, pads)
    return oh // pool[0], ow // pool[1]


def _member_view(xpad, w_shape, strides, dilations, pool, ph_, pw_):
    """The patches, `(ph, pw, N, PH, PW, kh, kw, C)`, as a strided view of `xpad`."""
    xp = _xp.of(xpad)
    s0, s1, s2, s3 = xpad.strides
    (sh, sw), (dh, dw), (ph, pw) = strides, dilations, pool
    shape = (ph, pw, xpad.shape[0], ph_, pw_) + tuple(w_shape[:2]) + (xpad.shape[-1],)
    st = (sh * s1, sw * s2, s0, ph * sh * s1, pw * sw * s2, dh * s1, dw * s2, s3)
    return xp.lib.stride_tricks.as_strided(xpad, shape, st)


def _im2col(x, w_shape, strides, dilations, pads, pool, ph_, pw_):
    """`(cols, narrow)`: `(P*M, K)` rows in pool-member-major order, or for few input
    channels the transposed `(K, P*M)` buffer (`narrow`), whose copy runs along rows."""
    xp = _xp.of(x)
    view = _member_view(_k._pad(x, pads), w_shape, strides, dilations, pool, ph_, pw_)
    c = x.shape[-1]
    if c <= _NARROW_C:
        buf = xp.empty(view.shape[5:] + view.shape[:5], x.dtype)
        xp.copyto(buf, view.transpose(5, 6, 7, 0, 1, 2, 3, 4))
        return buf.reshape(-1, int(np.prod(view.shape[:5]))), True
    buf = xp.empty(view.shape, x.dtype)
    xp.copyto(buf, view)
    return buf.reshape(int(np.prod(view.shape[:5])), -1), False


_CHUNK_BYTES = 4 << 20   # im2col buffer per chunk of images when no backward needs it


def _fwd(x, w, b=None, strides=(1, 1), dilations=(1, 1), pads=((0, 0), (0, 0)), pool=(2, 2),
         _ctx=None):
    xp = _xp.of(x)
    n, co = x.shape[0], w.shape[-1]
    ph_, pw_ = _pooled_sizes(x.shape, w.shape, strides, dilations, pads, pool)
    per_image = pool[0] * pool[1] * ph_ * pw_ * w[..., 0].size * x.dtype.itemsize
    step = max(1, _CHUNK_BYTES // max(1, per_image))
    native = _native_on(x, w, b, pool=pool)
    if native and w[..., 0].size <= _DIRECT_MAX_K:   # small patches: no im2col, no GEMM
        return _native_direct_fwd(x, w, b, strides, dilations, pads, pool, ph_, pw_, _ctx)
    if _ctx is None and n > step:
        # inference: images in chunks, so the patches of a chunk stay in cache
        y = xp.empty((n, ph_, pw_, co), x.dtype)
        for s in range(0, n, step):
            if native:
                _native_fwd(x[s:s + step], w, b, strides, dilations, pads, pool, ph_, pw_,
                            None, y[s:s + step])
            else:
                y[s:s + step] = _fwd(x[s:s + step], w, b, strides, dilations, pads, pool)
        return y
    if native:
        return _native_fwd(x, w, b, strides, dilations, pads, pool, ph_, pw_, _ctx)
    p, m = pool[0] * pool[1], n * ph_ * pw_
    cols, narrow = _im2col(x, w.shape, strides, dilations, pads, pool, ph_, pw_)
    w2 = w.reshape(-1, co)
    z = (xp.matmul(cols.T, w2) if narrow else _k._mm(cols, w2)).reshape(p, m, co)
    record = _ctx is not None
    wins = []
    y = xp.empty((m, co), x.dtype)
    if p == 1:
        y[...] = z[0]
    for j in range(1, p):
        prev = z[0] if j == 1 else y
        if record:   # "member j beat every earlier member" (strict: ties keep the first)
            wins.append(xp.greater(z[j], prev))
        xp.maximum(prev, z[j], out=y)
    if b is not None:
        y += b
    xp.maximum(y, 0, out=y)
    if record:
        _ctx["saved"] = (cols, narrow, wins)
    return y.reshape(n, ph_, pw_, co)


def _route(g, y, wins, p, xp):
    """The pooled gradient `g (M, C)`, masked where the ReLU output `y` is 0, sent to each
    window's winning member: `(P, M, C)`, plus the masked gradient's column sums (the
    bias gradient). Member 0's block is the running remainder, updated in place."""
    dz = xp.empty((p,) + g.shape, g.dtype)
    rem = dz[0]
    xp.multiply(g, y > 0, out=rem)
    db = xp.matmul(xp.ones(rem.shape[0], rem.dtype), rem)
    for j in range(p - 1, 0, -1):
        xp.multiply(rem, wins[j - 1], out=dz[j])
        rem -= dz[j]
    return dz, db


def _input_grad(dz, w, x_shape, strides, dilations, pads, pool, ph_, pw_, xp):
    """The input gradient from the conv-output gradient `dz (P*M, C_out)` (member-major).

    `dz` is first put in spatial order `(N, ph*PH, pw*PW, C_out)` (one pass over the
    smallest array involved); then per kernel offset one GEMM gives that offset's patch
    gradients as a contiguous `(N, OH, OW, C)` block, added to the input positions it
    touched (a strided window of the padded input).
    """
    (sh, sw), (dh, dw), (ph, pw) = strides, dilations, pool
    kh, kw, c, co = w.shape
    n, hh, ww, _ = x_shape
    (pt, pb), (pl, pr) = pads
    oh, ow = ph * ph_, pw * pw_
    dsp = xp.empty((n, ph_, ph, pw_, pw, co), dz.dtype)
    xp.copyto(dsp, dz.reshape(ph, pw, n, ph_, pw_, co).transpose(2, 3, 0, 4, 1, 5))
    dsp = dsp.reshape(-1, co)
    dxpad = xp.zeros((n, hh + pt + pb, ww + pl + pr, c), dz.dtype)
    blk = xp.empty((dsp.shape[0], c), dz.dtype)
    for u in range(kh):
        rows = slice(u * dh, u * dh + sh * (oh - 1) + 1, sh)
        for v in range(kw):
            xp.matmul(dsp, w[u, v].T, out=blk)
            tgt = dxpad[:, rows, slice(v * dw, v * dw + sw * (ow - 1) + 1, sw)]
            xp.add(tgt, blk.reshape(n, oh, ow, c), out=tgt)
    return dxpad[:, pt:pt + hh, pl:pl + ww]


def _grad(g, out, x, w, b=None, strides=(1, 1), dilations=(1, 1), pads=((0, 0), (0, 0)),
          pool=(2, 2), _ctx=None, _needs=(True, True, True)):
    need_x, need_w = _needs[0], _needs[1]
    need_b = b is not None and len(_needs) > 2 and _needs[2]
    if _prim.recording():
        return _grad_composite(g, x, w, b, strides, dilations, pads, pool, need_x, need_w,
                               need_b)
    xa, wa = x._a, w._a
    xp = _xp.of(xa)
    co = wa.shape[-1]
    ph_, pw_ = _pooled_sizes(xa.shape, wa.shape, strides, dilations, pads, pool)
    p = pool[0] * pool[1]
    saved = _ctx.get("saved") if _ctx else None
    if saved is None:   # the forward ran without a tape: compute what it would have kept
        ctx = {}
        _fwd(xa, wa, None if b is None else b._a, strides, dilations, pads, pool, _ctx=ctx)
        saved = ctx["saved"]
    cols, narrow, wins = saved
    y2 = out._a.reshape(-1, co)
    g2 = g._a.reshape(-1, co)
    native = not isinstance(wins, list)   # the compiled forward's winners (uint8 array)
    if native and not _native_on(g2, y2, wa):
        native = False    # kernels turned off since the forward: the same routing in NumPy
        wins = [wins.reshape(-1, co) == j for j in range(1, p)]
    if cols is None and not native:   # the direct forward kept no patches
        cols, narrow = _im2col(xa, wa.shape, strides, dilations, pads, pool, ph_, pw_)
    if cols is None:   # the direct kernels: dw (and db) from x and the pooled gradient
        dw2 = db2 = None
        if need_w or need_b:
            dw2, db2 = _native_direct_grad(xa, g2, y2, wins, wa.shape, strides, dilations,
                                           pads, pool, ph_, pw_)
        dz = _native_route(g2, y2, wins, p)[0].reshape(-1, co) if need_x else None
    else:
        dz, db2 = (_native_route if native else _route)(g2, y2, wins, p, xp)
        dz = dz.reshape(-1, co)
        dw2 = _k._tall_gemm(cols.T if narrow else cols, dz) if need_w else None
    db = _wrap(db2) if need_b else None
    dw = _wrap(dw2.reshape(wa.shape)) if need_w else None
    dx = None
    if need_x:
        args = (dz, wa, xa.shape, strides, dilations, pads, pool, ph_, pw_, xp)
        dx = _wrap((_native_input_grad if native else _input_grad)(*args))
    return (dx, dw) if b is None else (dx, dw, db)


def _composite(x, w, b, strides, dilations, pads, pool):
    from . import conv as _conv_ops
    from .nn import relu
    from .pooling import max_pool
    z = _conv_ops.conv(x, w, None, list(strides), [list(p) for p in pads], "NHWC",
                       list(dilations))
    y = max_pool(z, list(pool), list(pool), "VALID", data_format="NHWC")
    return relu(y if b is None else y + b)


def _grad_composite(g, x, w, b, strides, dilations, pads, pool, need_x, need_w, need_b):
    from ..core.autodiff import GradientTape
    ins = [x, w] + ([] if b is None else [b])
    with GradientTape() as tape:
        for v in ins:
            tape.watch(v)
        y = _composite(x, w, b, strides, dilations, pads, pool)
    grads = tape.gradient(y, ins, output_gradients=g)
    keep = [need_x, need_w] + ([] if b is None else [need_b])
    return tuple(gr if k else None for gr, k in zip(grads, keep))


_OP = Primitive("FusedConv2DReluMaxPool")
_OP._fwd = _fwd
_OP._grad = _grad
_OP.grad_needs = True


def conv2d_relu_max_pool(x, filters, bias=None, strides=(1, 1), pads=((0, 0), (0, 0)),
                         dilations=(1, 1), pool=(2, 2)):
    """`relu(max_pool(conv2d(x, filters) + bias))` with non-overlapping pooling windows.

    Args:
        x: `(N, H, W, C)` float tensor (channels-last).
        filters: `(kh, kw, C, C_out)`.
        bias: `(C_out,)` or None.
        strides, dilations: of the convolution, `(sh, sw)` / `(dh, dw)`.
        pads: the convolution's explicit `((top, bottom), (left, right))` padding.
        pool: the pooling window, equal to its strides; "valid" (trailing rows and
            columns that do not fill a window are dropped, as `max_pool` does).

    Returns:
        `(N, OH // ph, OW // pw, C_out)` where `(OH, OW)` is the convolution's output size.
    """
    x, w = t(x), t(filters)
    attrs = dict(strides=tuple(int(s) for s in strides),
                 dilations=tuple(int(d) for d in dilations),
                 pads=tuple((int(lo), int(hi)) for lo, hi in pads),
                 pool=tuple(int(q) for q in pool))
    ph_, pw_ = _pooled_sizes(tuple(x._a.shape), tuple(w._a.shape), attrs["strides"],
                             attrs["dilations"], attrs["pads"], attrs["pool"])
    if len(x._a.shape) != 4 or x._a.shape[-1] != w._a.shape[-2] or ph_ < 1 or pw_ < 1:
        raise ValueError(f"conv2d_relu_max_pool: input shape {tuple(x._a.shape)} and filters "
                         f"shape {tuple(w._a.shape)} do not give a pooled output with the "
                         f"window {attrs['pool']}.")
    ins = (x, w) if bias is None else (x, w, t(bias))
    return _OP(*ins, **attrs, _ctx={} if _prim.TAPES else None)   # the backward's workspace


# --------------------------------------------------------------------------- compiled path
_F32 = np.dtype(np.float32)
_P, _N = ctypes.c_void_p, ctypes.c_ssize_t
_IM2COL = ("tessera_im2col_pool_f32", [_P, _P] + [_N] * 16)
_IM2COL_T = ("tessera_im2col_pool_t_f32", [_P, _P] + [_N] * 16)
_POOL_FWD = ("tessera_pool_fwd_f32", [_P, _P, _P, _P] + [_N] * 5)
_ROUTE = ("tessera_pool_route_f32", [_P, _P, _P, _P, _P] + [_N] * 5)
_COL2IM = ("tessera_col2im_pool_f32", [_P, _P, _P] + [_N] * 18)


def _native_on(*arrays, pool=(1, 1)):
    """Whether the compiled kernels are loaded and may take these arrays (float32 NumPy
    arrays; None entries are skipped) and pooling windows (a member's index is a byte)."""
    if pool[0] * pool[1] > 256 or _native.lib() is None:
        return False
    return all(a is None or (type(a) is np.ndarray and a.dtype == _F32) for a in arrays)


def _native_im2col(x, w_shape, strides, dilations, pads, pool, ph_, pw_):
    """`_im2col` by the compiled kernel (the same buffer, bit-identical)."""
    xpad = np.ascontiguousarray(_k._pad(x, pads))
    n, hp, wp, c = xpad.shape
    kh, kw = w_shape[:2]
    rows, k = pool[0] * pool[1] * n * ph_ * pw_, kh * kw * c
    narrow = c <= _NARROW_C
    cols = np.empty((k, rows) if narrow else (rows, k), _F32)
    _native.kernel(*(_IM2COL_T if narrow else _IM2COL))(
        xpad.ctypes.data, cols.ctypes.data, n, hp, wp, c, kh, kw, *strides, *dilations,
        *pool, ph_, pw_, 0, n)
    return cols, narrow


def _native_fwd(x, w, b, strides, dilations, pads, pool, ph_, pw_, ctx, out=None):
    """`_fwd` on one batch (or chunk) with the compiled im2col and pooling (bit-identical;
    the same GEMM): the maximum over the members, bias and ReLU in one pass into `out`
    (or a new array); with `ctx` (a backward will follow) the winners (`uint8`, the member
    each output's gradient goes to) are recorded and kept there with the patches."""
    n, co = x.shape[0], w.shape[-1]
    p, m = pool[0] * pool[1], n * ph_ * pw_
    cols, narrow = _native_im2col(x, w.shape, strides, dilations, pads, pool, ph_, pw_)
    w2 = w.reshape(-1, co)
    z = np.ascontiguousarray(np.matmul(cols.T, w2) if narrow else _k._mm(cols, w2))
    b = None if b is None else np.ascontiguousarray(b)
    y = np.empty((n, ph_, pw_, co), _F32) if out is None else out
    arg = np.empty((m, co), np.uint8) if ctx is not None else None
    _native.kernel(*_POOL_FWD)(z.ctypes.data, y.ctypes.data,
                               None if arg is None else arg.ctypes.data,
                               None if b is None else b.ctypes.data, p, m, co, 0, m)
    if ctx is not None:
        ctx["saved"] = (cols, narrow, arg)
    return y


_DIRECT_MAX_K = 32   # patches of up to this many values (kh*kw*C_in) take the direct kernels
_DIRECT = ("tessera_conv_pool_direct_f32", [_P] * 5 + [_N] * 16)
_DIRECT_GRAD = ("tessera_conv_pool_direct_grad_f32", [_P] * 6 + [_N] * 16)


def _direct_args(x, w_shape, strides, dilations, pads, pool, ph_, pw_):
    """The padded input and the geometry arguments shared by the direct kernels."""
    xpad = np.ascontiguousarray(_k._pad(x, pads))
    _, hp, wp, c = xpad.shape
    return xpad, (hp, wp, c, *w_shape[:2], *strides, *dilations, *pool, ph_, pw_, w_shape[-1])


def _native_direct_fwd(x, w, b, strides, dilations, pads, pool, ph_, pw_, ctx):
    """`_native_fwd` for small patches by ONE compiled pass over the input: the conv
    outputs of each window's members (dot products of length K, summed in BLAS's order:
    the same values), their maximum, winner, bias and ReLU. The patches are not built; the
    backward gets `(None, None, arg)` and computes the filter gradient from `x`."""
    n, co = x.shape[0], w.shape[-1]
    m = n * ph_ * pw_
    xpad, geo = _direct_args(x, w.shape, strides, dilations, pads, pool, ph_, pw_)
    wpad = np.zeros((w[..., 0].size, -(-co // 32) * 32), _F32)   # 32-channel tiles
    wpad[:, :co] = w.reshape(-1, co)
    b = None if b is None else np.ascontiguousarray(b)
    y = np.empty((n, ph_, pw_, co), _F32)
    arg = np.empty((m, co), np.uint8) if ctx is not None else None
    _native.kernel(*_DIRECT)(xpad.ctypes.data, wpad.ctypes.data,
                             None if b is None else b.ctypes.data, y.ctypes.data,
                             None if arg is None else arg.ctypes.data, *geo, 0, m)
    if ctx is not None:
        ctx["saved"] = (None, None, arg)
    return y


def _native_direct_grad(x, g, y, arg, w_shape, strides, dilations, pads, pool, ph_, pw_):
    """`(dw, db)` of the direct path from the input and the pooled gradient `g (M, C_out)`
    (routed by `arg` and masked by the ReLU output `y` as `_native_route` does, the
    routed gradient never stored); summed in float64 over runs of 64 windows."""
    xpad, geo = _direct_args(x, w_shape, strides, dilations, pads, pool, ph_, pw_)
    g, y = np.ascontiguousarray(g), np.ascontiguousarray(y)
    m, co = g.shape
    dw = np.zeros((int(np.prod(w_shape[:3])), co), np.float64)
    db = np.zeros(co, np.float64)
    _native.kernel(*_DIRECT_GRAD)(xpad.ctypes.data, g.ctypes.data, y.ctypes.data,
                                  arg.ctypes.data, dw.ctypes.data, db.ctypes.data, *geo, 0, m)
    return dw.astype(_F32), db.astype(_F32)


def _native_route(g, y, arg, p, xp=None):
    """`_route` by the compiled kernel; bit-identical but for the bias gradient (the
    column sums accumulated in float64)."""
    g, y = np.ascontiguousarray(g), np.ascontiguousarray(y)
    m, co = g.shape
    dz = np.empty((p, m, co), _F32)
    db = np.zeros(co, np.float64)
    _native.kernel(*_ROUTE)(g.ctypes.data, y.ctypes.data, arg.ctypes.data, dz.ctypes.data,
                            db.ctypes.data, p, m, co, 0, m)
    return dz, db.astype(_F32)


def _native_input_grad(dz, w, x_shape, strides, dilations, pads, pool, ph_, pw_, xp=None):
    """`_input_grad` as ONE GEMM to the patch gradients `(P*M, K*C)` (the dot products of
    the NumPy code's per-offset GEMMs) and the compiled col2im, which sums each input
    position's patch gradients in the NumPy code's order."""
    kh, kw, c, co = w.shape
    n, h, wd, _ = (int(v) for v in x_shape)
    gc = np.matmul(dz, w.reshape(-1, co).T)
    dx = np.empty((n, h, wd, c), _F32)
    work = np.empty(wd * kw + kh, np.intp)
    _native.kernel(*_COL2IM)(gc.ctypes.data, dx.ctypes.data, work.ctypes.data, n, h, wd, c,
                             kh, kw, *strides, *dilations, pads[0][0], pads[1][0], *pool,
                             ph_, pw_, 0, n * h)
    return dx


__api__ = {}

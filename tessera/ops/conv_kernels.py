"""Array kernels of the N-D convolution (channels-last), used by `ops/conv.py`.

Layout: inputs `(N, *spatial, C)`, filters `(*kernel, C // groups, C_out)`.
Attributes shared by every kernel: `strides`, `dilations` (tuples, one per
spatial axis), `pads` (one `(low, high)` pair per spatial axis) and `groups`.

* forward: im2col builds ONE contiguous `(M, K*C [+1])` buffer from a strided
  view of the (padded) input, then ONE GEMM with the reshaped filter; a column
  of ones carries the bias through the same GEMM (and gives its gradient for
  free in the filter-gradient GEMM). Bias and ReLU are fused in place.
* input gradient: ONE GEMM `g @ W.T` to the patch gradients `(M, K*C)`,
  then K strided slice-adds (col2im), no `np.add.at`.
* filter gradient: `cols.T @ g` on the im2col buffer, which the forward keeps
  (keyed by its output array) when a gradient tape is active; the backward
  hands it back to the pool (a second backward through the same output
  recomputes it).

Large temporary buffers are recycled through the pools of `ops/_buffers.py` (shared
with the pooling, recurrent and gather kernels), so a training loop does not page-fault
fresh memory every step.
"""
import itertools
import weakref

import numpy as np

from ..backend import xp as _xp
from ._buffers import _ON_REUSE, _give, _prod, _take, out_buffer, release_buffers  # noqa: F401

__all__ = ["same_pads", "out_sizes", "conv_forward", "conv_backward", "input_grad",
           "filter_grad"]


# --------------------------------------------------------------------------- geometry
def same_pads(in_sp, k_sp, strides, dilations):
    """TensorFlow's SAME padding: output size ceil(n / s), the extra pad at the end."""
    pads = []
    for n, k, s, d in zip(in_sp, k_sp, strides, dilations):
        total = max((-(-n // s) - 1) * s + (k - 1) * d + 1 - n, 0)
        pads.append((total // 2, total - total // 2))
    return tuple(pads)


def out_sizes(in_sp, k_sp, strides, dilations, pads):
    """Output spatial sizes (may be <= 0 when the dilated kernel exceeds the padded input)."""
    return tuple((n + lo + hi - (k - 1) * d - 1) // s + 1
                 for n, k, s, d, (lo, hi) in zip(in_sp, k_sp, strides, dilations, pads))


# im2col buffers kept from a forward for the backward: id(output array) -> entry
_SAVED = {}


def _save(out, cols, has_ones, pooled):
    key = id(out)

    def _drop(_ref, key=key):
        ent = _SAVED.pop(key, None)
        if ent is not None and ent[3]:
            _give(ent[1])

    try:
        _SAVED[key] = (weakref.ref(out, _drop), cols, has_ones, pooled)
    except TypeError:  # an array type without weak references: recompute in the backward
        if pooled:
            _give(cols)


def _forget(key):
    ent = _SAVED.pop(key, None)
    if ent is not None and ent[3]:
        _give(ent[1])


_ON_REUSE.append(_forget)


def _pop_saved(out):
    """`(cols, has_ones, pooled)` kept by the forward that made `out`, or None. The entry
    is removed: a second backward through the same output (persistent tape) recomputes."""
    ent = _SAVED.get(id(out))
    if ent is not None and ent[0]() is out:
        del _SAVED[id(out)]
        return ent[1], ent[2], ent[3]
    return None


# --------------------------------------------------------------------------- im2col
def _strides_of(shape, itemsize):
    st, acc = [], itemsize
    for n in reversed(shape):
        st.append(acc)
        acc *= n
    return tuple(reversed(st))


def _pad(x, pads):
    if not any(lo or hi for lo, hi in pads):
        return x
    xp = _xp.of(x)
    return xp.pad(x, ((0, 0),) + tuple(pads) + ((0, 0),))


def _trivial(k_sp, strides, pads, groups):
    return (groups == 1 and all(k == 1 for k in k_sp) and all(s == 1 for s in strides)
            and not any(lo or hi for lo, hi in pads))


def im2col(x, k_sp, strides, dilations, pads, groups, ones=False):
    """Patches of `x` as one contiguous buffer.

    Returns `(cols, out_sp, pooled)`: `cols` is `(M, K*C [+1])` for one group
    (the extra column of ones when `ones`), `(G, M, K*Cg)` for several;
    `pooled` says whether `cols` came from the pool (and may go back to it).
    """
    xp = _xp.of(x)
    n, c = x.shape[0], x.shape[-1]
    in_sp = x.shape[1:-1]
    o_sp = out_sizes(in_sp, k_sp, strides, dilations, pads)
    m = n * _prod(o_sp)
    kp = _prod(k_sp)
    if _trivial(k_sp, strides, pads, groups) and not ones:
        return xp.ascontiguousarray(x).reshape(m, c), o_sp, False
    xpad = _pad(x, pads)
    st = xpad.strides
    nd = len(k_sp)
    cg = c // groups
    v_shape = (n,) + o_sp + tuple(k_sp) + (groups, cg)
    v_str = ((st[0],) + tuple(st[1 + i] * strides[i] for i in range(nd))
             + tuple(st[1 + i] * dilations[i] for i in range(nd)) + (st[-1] * cg, st[-1]))
    view = xp.lib.stride_tricks.as_strided(xpad, v_shape, v_str)
    isz = x.dtype.itemsize
    if groups == 1 and c <= _NARROW_C:
        return _im2col_narrow(xpad, k_sp, strides, dilations, o_sp, m, ones), o_sp, True
    if groups == 1:
        width = kp * c + (1 if ones else 0)
        cols = _take(xp, (m, width), x.dtype)
        row = width * isz
        d_str = (_strides_of((n,) + o_sp, row) + _strides_of(tuple(k_sp) + (1, c), isz))
        dst = xp.lib.stride_tricks.as_strided(cols, v_shape, d_str)
        xp.copyto(dst, view)
        if ones:
            cols[:, -1] = 1
        return cols, o_sp, True
    cols = _take(xp, (groups, m, kp * cg), x.dtype)
    dst = cols.reshape((groups, n) + o_sp + tuple(k_sp) + (cg,))
    xp.copyto(dst, xp.moveaxis(view, -2, 0))
    return cols, o_sp, True


# A few input channels (a first layer: 1 for grey, 3 for RGB) make a patch row of only
# K*C values, which a strided copy fills a few bytes at a time. Such buffers are built
# transposed instead, `(K*C [+1], M)`, one long strided copy per (offset, channel), and
# handed out as their `.T` view `(M, K*C [+1])` (BLAS reads either layout).
_NARROW_C = 4


def _im2col_narrow(xpad, k_sp, strides, dilations, o_sp, m, ones):
    xp = _xp.of(xpad)
    n, c = xpad.shape[0], xpad.shape[-1]
    kp = _prod(k_sp)
    buf = _take(xp, (kp * c + (1 if ones else 0), m), xpad.dtype)
    rows = buf.reshape((buf.shape[0], n) + tuple(o_sp))
    for i, k in enumerate(itertools.product(*[range(v) for v in k_sp])):
        sl = (slice(None),) + tuple(slice(ki * d, ki * d + s * (o - 1) + 1, s)
                                    for ki, d, s, o in zip(k, dilations, strides, o_sp))
        for ch in range(c):
            rows[i * c + ch] = xpad[sl + (ch,)]
    if ones:
        buf[-1] = 1
    return buf.T


# --------------------------------------------------------------------------- forward
def conv_forward(x, w, b=None, strides=None, dilations=None, pads=None, groups=1,
                 activation=None, save=False):
    """`activation(conv(x, w) + b)` on arrays; keeps the im2col buffer when `save`."""
    xp = _xp.of(x)
    k_sp = w.shape[:-2]
    cout = w.shape[-1]
    ones = b is not None and groups == 1 and not _trivial(k_sp, strides, pads, groups)
    cols, o_sp, pooled = im2col(x, k_sp, strides, dilations, pads, groups, ones)
    if groups == 1:
        w2 = w.reshape(-1, cout)
        if ones:
            w2 = xp.concatenate([w2, b.reshape(1, cout)], axis=0)
        out2 = _mm(cols, w2, out_buffer(xp, (cols.shape[0], cout), w2.dtype))
        if b is not None and not ones:
            out2 += b
    else:
        kp, cg, cog = _prod(k_sp), w.shape[-2], cout // groups
        wg = w.reshape(kp, cg, groups, cog).transpose(2, 0, 1, 3).reshape(groups, kp * cg, cog)
        og = xp.matmul(cols, wg)                       # (G, M, Cog)
        out2 = xp.ascontiguousarray(og.transpose(1, 0, 2)).reshape(-1, cout)
        if b is not None:
            out2 += b
    if activation == "relu":
        xp.maximum(out2, 0, out=out2)
    out = out2.reshape((x.shape[0],) + o_sp + (cout,))
    if save:
        _save(out, cols, ones, pooled)
    elif pooled:
        _give(cols)
    return out


# --------------------------------------------------------------------------- backward
def conv_backward(g, out, x, w, has_b, strides, dilations, pads, groups, activation,
                  need_x, need_w, need_b):
    """Gradients `(dx, dw, db)` of the fused convolution (None where not needed)."""
    xp = _xp.of(g)
    cout = w.shape[-1]
    g2 = g.reshape(-1, cout)
    masked = activation == "relu"
    if masked:  # into pooled buffers: the masked gradient lives only in this function
        keep = _take(xp, g2.shape, xp.bool_)
        xp.greater(out.reshape(-1, cout), 0, out=keep)
        gz = _take(xp, g2.shape, g2.dtype)
        xp.multiply(g2, keep, out=gz)
        _give(keep)
        g2 = gz
    dw = db = None
    if need_w or (need_b and has_b):
        k_sp = w.shape[:-2]
        if need_w:
            hit = _pop_saved(out)
            if hit is None:
                ones = has_b and groups == 1 and not _trivial(k_sp, strides, pads, groups)
                cols, _, pooled = im2col(x, k_sp, strides, dilations, pads, groups, ones)
            else:
                cols, ones, pooled = hit
            dw, db_col = _filter_gemm(cols, g2, w.shape, groups, ones)
            if pooled:
                _give(cols)
            if need_b and has_b:
                db = db_col if db_col is not None else g2.sum(axis=0)
        elif need_b and has_b:
            db = g2.sum(axis=0)
    dx = input_grad(g2, w, x.shape, strides, dilations, pads, groups) if need_x else None
    if masked:
        _give(g2)
    return dx, dw, db


# GEMMs with a small K*N (first layers: 9 taps, few channels) are memory-bound; as one call
# OpenBLAS threads them, and on a busy machine each call can then wait a whole scheduler
# time slice for its second thread. Cut into row chunks of one batched call, each piece is
# small enough to run single-threaded: as fast when the machine is idle, robust when not.
_SMALL_KN = 1024
_CHUNKS = {}


def _row_chunk(m):
    """A divisor of `m` between 64 and 512 (0 when there is none, or `m` is small)."""
    r = _CHUNKS.get(m)
    if r is None:
        r = 0
        if m >= 4096:
            for c in range(512, 63, -1):
                if m % c == 0:
                    r = c
                    break
        _CHUNKS[m] = r
    return r


def _mm(a, b, out=None):
    """`a (M, K) @ b (..., K, N)`, chunked over rows when K*N is small; into `out`
    (C-contiguous) if given, for a 2-D `b`."""
    xp = _xp.of(a)
    m, k = a.shape
    r = _row_chunk(m) if k * b.shape[-1] <= _SMALL_KN else 0
    if out is not None and (b.ndim != 2 or out.dtype != xp.result_type(a, b)):
        out = None
    if not r:
        return xp.matmul(a, b) if out is None else xp.matmul(a, b, out=out)
    n = b.shape[-1]
    if b.ndim == 2:
        if out is not None:
            xp.matmul(a.reshape(-1, r, k), b, out=out.reshape(-1, r, n))
            return out
        return xp.matmul(a.reshape(-1, r, k), b).reshape(m, n)
    lead = b.shape[:-2]
    out = xp.matmul(a.reshape(-1, r, k), b.reshape(lead + (1, k, n)))
    return out.reshape(lead + (m, n))


def _tall_gemm(a, b):
    """`a.T @ b` for tall `a (M, K)`, `b (M, N)`; summed over row chunks when K*N is small."""
    xp = _xp.of(a)
    m, k = a.shape
    n = b.shape[1]
    r = _row_chunk(m) if k * n <= _SMALL_KN else 0
    if not r:
        return xp.matmul(a.T, b)
    parts = xp.matmul(a.reshape(-1, r, k).transpose(0, 2, 1), b.reshape(-1, r, n))
    return parts.sum(axis=0)


def _filter_gemm(cols, g2, w_shape, groups, ones):
    xp = _xp.of(g2)
    if groups == 1:
        dwe = _tall_gemm(cols, g2)
        if ones:
            return dwe[:-1].reshape(w_shape), dwe[-1]
        return dwe.reshape(w_shape), None
    cout = w_shape[-1]
    cog = cout // groups
    kp, cg = _prod(w_shape[:-2]), w_shape[-2]
    gg = g2.reshape(-1, groups, cog).transpose(1, 0, 2)      # (G, M, Cog)
    dwg = xp.matmul(cols.transpose(0, 2, 1), gg)             # (G, K*Cg, Cog)
    dw = dwg.reshape(groups, kp, cg, cog).transpose(1, 2, 0, 3).reshape(w_shape)
    return xp.ascontiguousarray(dw), None


def filter_grad(x, g, w_shape, strides, dilations, pads, groups):
    """The filter gradient `conv_backprop_filter(x, g)` on arrays."""
    k_sp = tuple(w_shape[:-2])
    cols, _, pooled = im2col(x, k_sp, strides, dilations, pads, groups)
    dw, _ = _filter_gemm(cols, g.reshape(-1, w_shape[-1]), tuple(w_shape), groups, False)
    if pooled:
        _give(cols)
    return dw


def input_grad(g, w, x_shape, strides, dilations, pads, groups):
    """The input gradient `conv_backprop_input(g, w)` (a transposed convolution) on arrays."""
    xp = _xp.of(g)
    x_shape = tuple(int(v) for v in x_shape)
    n, in_sp, c = x_shape[0], x_shape[1:-1], x_shape[-1]
    k_sp = tuple(w.shape[:-2])
    kp, cout = _prod(k_sp), w.shape[-1]
    cg, cog = c // groups, cout // groups
    o_sp = out_sizes(in_sp, k_sp, strides, dilations, pads)
    g2 = g.reshape(-1, cout)
    if _trivial(k_sp, strides, pads, groups):
        return xp.matmul(g2, w.reshape(c, cout).T).reshape(x_shape)
    m = g2.shape[0]
    if groups == 1 and kp * c * cout > _SMALL_KN:
        # kernel-offset-major patch gradients (K, M, C): each offset's block is
        # contiguous, so the K slice-adds below stream through memory instead of
        # reading C values out of every (K*C)-long row
        wt = xp.ascontiguousarray(w.reshape(kp, c, cout).transpose(0, 2, 1))   # (K, Cout, C)
        buf = dck = _take(xp, (kp, m, c), g.dtype)
        xp.matmul(g2, wt, out=dck)
        dck = dck.reshape((kp, n) + o_sp + (c,))
        groups_major = True
    elif groups == 1:
        # ONE GEMM to the patch gradients (M, K*C): one BLAS call (K separate threaded
        # calls each pay a thread hand-off, ruinous on a busy machine)
        w2t = w.reshape(kp * c, cout).T
        buf = None
        dck = _mm(g2, w2t)
        dck = dck.reshape((n,) + o_sp + k_sp + (c,))
        groups_major = False
    else:
        groups_major = False
        gg = g2.reshape(-1, groups, cog).transpose(1, 0, 2)                  # (G, M, Cog)
        wt = xp.ascontiguousarray(w.reshape(kp, cg, groups, cog).transpose(0, 2, 3, 1))
        buf = dck = _take(xp, (kp, groups, m, cg), g.dtype)
        xp.matmul(gg, wt, out=dck)
    p_sp = tuple(s + lo + hi for s, (lo, hi) in zip(in_sp, pads))
    padded = any(lo or hi for lo, hi in pads)
    dxp = (_take if padded else out_buffer)(xp, (n,) + p_sp + (c,), g.dtype)
    # stride 1: the first offset covers the box [0, o) of every axis, so it is copied in
    # and only the rest is zeroed (one pass less over the gradient)
    copy_first = groups_major and all(s == 1 for s in strides)
    if copy_first:
        for ax, o in enumerate(o_sp):
            dxp[(slice(None),) * (1 + ax) + (slice(o, None),)] = 0
    else:
        dxp.fill(0)
    dxv = dxp.reshape((n,) + p_sp + (groups, cg))
    inner = (slice(None),) * (1 + len(k_sp))
    for i, k in enumerate(itertools.product(*[range(v) for v in k_sp])):
        sl = (slice(None),) + tuple(
            slice(ki * d, ki * d + s * (o - 1) + 1, s)
            for ki, d, s, o in zip(k, dilations, strides, o_sp))
        if copy_first and i == 0:
            dxp[sl] = dck[0]
        elif groups_major:
            dxp[sl] += dck[i]
        elif groups == 1:
            dxp[sl] += dck[inner + k]
        else:
            dxv[sl] += xp.moveaxis(dck[i].reshape((groups, n) + o_sp + (cg,)), 0, -2)
    if buf is not None:
        _give(buf)
    if padded:
        crop = (slice(None),) + tuple(slice(lo, lo + s) for s, (lo, _) in zip(in_sp, pads))
        dx = out_buffer(xp, x_shape, g.dtype)
        xp.copyto(dx, dxp[crop])
        _give(dxp)
        return dx
    return dxp

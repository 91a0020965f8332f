"""Pooling: `ts.nn.max_pool*`, `ts.nn.avg_pool*`, `ts.nn.pool`, as fused primitives.

Each pooling op is one primitive whose forward and backward run on arrays:

* non-overlapping windows (strides == window, no padding, no dilation; VALID
  floors odd sizes) reshape the input to `(N, H/kh, kh, W/kw, kw, C)` and
  reduce the window axes, forward and backward;
* every other case (overlapping windows, SAME padding, dilations) loops over
  the kernel offsets (9 for a 3x3 window), each a strided view of the input.

Max pooling sends the gradient to the first maximum of each window (row-major
order inside the window, as TensorFlow does when values tie). On the reshape path
under a recording tape, the forward keeps the outcome of its pairwise comparisons
(a tournament, see `_tournament`) so the backward is two passes per window axis. SAME average
pooling divides by the number of real (unpadded) cells, as TensorFlow does.

The gradients are themselves primitives (`MaxPoolGrad`, `MaxPoolGradGrad`,
`AvgPoolGrad`), linear in the incoming gradient and each other's adjoints, so
second derivatives flow through a nested tape.
"""
import itertools
import weakref

import numpy as np

from ..core import errors as _errors
from ..core import primitive as _prim
from . import _buffers as _bufs
from ._common import Primitive, Tensor, t, xp_of

__all__ = ["max_pool", "max_pool1d", "max_pool2d", "max_pool3d", "avg_pool", "avg_pool1d",
           "avg_pool2d", "avg_pool3d", "pool"]

_pyslice = slice


# ---------------------------------------------------------------------------
# Geometry: attrs are `ksize`, `strides`, `dilations` (one int per spatial axis),
# `pads` (a (before, after) pair per spatial axis) and `axes` (the spatial axes).
# ---------------------------------------------------------------------------
def _out_sizes(shape, ksize, strides, pads, axes, dilations):
    out = []
    for ax, k, s, (pb, pa), d in zip(axes, ksize, strides, pads, dilations):
        n = shape[ax]
        out.append(None if n is None else (n + pb + pa - (k - 1) * d - 1) // s + 1)
    return out


def _is_fast(ksize, strides, pads, dilations):
    """Non-overlapping windows without padding: the reshape path applies."""
    return (all(k == s for k, s in zip(ksize, strides)) and not any(p for pr in pads for p in pr)
            and all(d == 1 for d in dilations))


def _split(a, axes, ksize, outs):
    """A view of `a` cropped to whole windows, each spatial axis split into (out, k).

    Returns the view and the positions of the window axes in it.
    """
    index = [_pyslice(None)] * a.ndim
    for ax, k, o in zip(axes, ksize, outs):
        index[ax] = _pyslice(0, o * k)
    v = a[tuple(index)]
    shape, win = [], []
    for i, n in enumerate(v.shape):
        if i in axes:
            j = axes.index(i)
            shape += [outs[j], ksize[j]]
            win.append(len(shape) - 1)
        else:
            shape.append(n)
    return v.reshape(shape), win


def _window_shape(shape6, win):
    """`shape6` with every window axis set to 1 (the output, broadcastable)."""
    return tuple(1 if i in win else n for i, n in enumerate(shape6))


def _reduce_windows(v, win, op, xp):
    """Reduces the window axes of the split view `v` with the binary ufunc `op`."""
    for shift, ax in enumerate(win):
        ax -= shift
        k = v.shape[ax]
        pre = (_pyslice(None),) * ax
        if k == 1:
            v = v[pre + (0,)]
            continue
        acc = op(v[pre + (0,)], v[pre + (1,)])
        for j in range(2, k):
            op(acc, v[pre + (j,)], out=acc)
        v = acc
    return v


def _offset_views(ndim, ksize, strides, pads, axes, dilations, outs):
    """Index tuples of the strided view of the padded input for every kernel offset,
    in row-major window order."""
    for offs in itertools.product(*[range(k) for k in ksize]):
        index = [_pyslice(None)] * ndim
        for ax, j, s, d, o in zip(axes, offs, strides, dilations, outs):
            start = j * d
            index[ax] = _pyslice(start, start + s * (o - 1) + 1, s)
        yield tuple(index)


def _pad(a, pads, axes, value):
    if not any(p for pr in pads for p in pr):
        return a
    widths = [(0, 0)] * a.ndim
    for ax, pr in zip(axes, pads):
        widths[ax] = pr
    return xp_of(a).pad(a, widths, mode="constant", constant_values=value)


def _unpad(a, shape, pads, axes):
    if not any(p for pr in pads for p in pr):
        return a
    index = [_pyslice(None)] * a.ndim
    for ax, (pb, _) in zip(axes, pads):
        index[ax] = _pyslice(pb, pb + shape[ax])
    return a[tuple(index)]


def _lowest(dtype):
    dtype = np.dtype(dtype)
    if dtype.kind in "iu":
        return np.iinfo(dtype).min
    return -np.inf


def _counts(shape, ksize, strides, pads, axes, dilations, outs):
    """The number of real (unpadded) cells in each window, broadcastable to the output;
    a Python number when every window is full."""
    if not any(p for pr in pads for p in pr):
        return float(np.prod(ksize))
    total = np.ones([1] * len(shape))
    for ax, k, s, (pb, _), d, o in zip(axes, ksize, strides, pads, dilations, outs):
        pos = np.arange(o)[:, None] * s - pb + np.arange(k)[None, :] * d
        c = ((pos >= 0) & (pos < shape[ax])).sum(axis=1).astype(np.float64)
        bshape = [1] * len(shape)
        bshape[ax] = o
        total = total * c.reshape(bshape)
    return total


def _first_max_masks(xpad, y, index_iter):
    """Yields `(index, mask)` per kernel offset: where that offset holds the window's
    first maximum (ties go to the earliest offset, as in TensorFlow)."""
    taken = None
    for index in index_iter:
        e = xpad[index] == y
        if taken is None:
            taken = e.copy()
        else:
            xp_of(e).greater(e, taken, out=e)   # e & ~taken
            taken |= e
        yield index, e


# ---------------------------------------------------------------------------
# Max pooling
# ---------------------------------------------------------------------------
def _max_pool_fwd(x, ksize=(), strides=(), pads=(), axes=(), dilations=()):
    xp = xp_of(x)
    outs = _out_sizes(x.shape, ksize, strides, pads, axes, dilations)
    if _is_fast(ksize, strides, pads, dilations):
        if all(k == 1 for k in ksize):
            return x.copy()
        v, win = _split(x, axes, ksize, outs)
        record = bool(_prim.TAPES) and x.dtype.kind == "f"
        y, stages = _tournament(v, win, xp, record)
        if record:
            _save_stages(x, y, stages)
        return y
    xpad = _pad(x, pads, axes, _lowest(x.dtype))
    acc = None
    for index in _offset_views(x.ndim, ksize, strides, pads, axes, dilations, outs):
        if acc is None:
            acc = xpad[index].copy()
        else:
            xp.maximum(acc, xpad[index], out=acc)
    return acc


# Non-overlapping windows under a recording tape: the forward reduces the window axes as
# a tournament (last window axis first) and keeps, per step, where the challenger beat the
# running maximum strictly; the backward then routes `g` back through those comparisons
# (two passes per window axis) instead of comparing every cell with the output again.
# A strict `>` keeps the earlier cell on ties: the first maximum in row-major window order.
_STAGES = {}   # id(y) -> (weakref(y), weakref(x), stages)


def _tournament(v, win, xp, record=True):
    """`(y, stages)`: the window maximum of the split view `v` and, when `record`, per
    reduced window axis (last first), `(ax, k, wins)` with `wins[j - 1]` = "cell j beat
    cells < j"."""
    stages = []
    temp = None
    for n, ax in enumerate(reversed(win)):
        k = v.shape[ax]
        pre = (_pyslice(None),) * ax
        if k == 1:
            v = v[pre + (0,)]
            stages.append((ax, 1, ()))
            continue
        shape = v.shape[:ax] + v.shape[ax + 1:]
        last = all(v.shape[a] == 1 for a in win[:-1 - n])
        acc = (_bufs.out_buffer if last else _bufs._take)(xp, shape, v.dtype)
        wins = []
        for j in range(1, k):
            prev = v[pre + (0,)] if j == 1 else acc
            if record:
                wins.append(xp.greater(v[pre + (j,)], prev,
                                       out=_bufs.out_buffer(xp, shape, np.bool_)))
            xp.maximum(prev, v[pre + (j,)], out=acc)
        stages.append((ax, k, wins))
        if temp is not None:
            _bufs._give(temp)
        temp = None if last else acc
        v = acc
    if temp is not None:      # cannot happen: the last reduction writes an output buffer
        v = v.copy()
        _bufs._give(temp)
    return v, stages


_bufs._ON_REUSE.append(lambda key: _STAGES.pop(key, None))


def _save_stages(x, y, stages):
    key = id(y)

    def _drop(_ref, key=key):
        _STAGES.pop(key, None)

    try:
        _STAGES[key] = (weakref.ref(y, _drop), weakref.ref(x), stages)
    except TypeError:  # arrays without weak references: the backward compares instead
        pass


def _saved_stages(x, y):
    ent = _STAGES.get(id(y))
    if ent is not None and ent[0]() is y and ent[1]() is x:
        return ent[2]
    return None


def _route(g, stages, dv, xp):
    """Sends `g` back through the tournament `stages` into the split view `dv`."""
    d = g
    for n, (ax, k, wins) in enumerate(reversed(stages)):
        last = n == len(stages) - 1
        pre = (_pyslice(None),) * ax
        if last:
            tgt = dv
        else:
            shape = d.shape[:ax] + (k,) + d.shape[ax:]
            tgt = _bufs._take(xp, shape, g.dtype)
        if k == 1:
            tgt[pre + (0,)] = d
            if d is not g:
                _bufs._give(d)
            d = tgt
            continue
        rem = d
        for j in range(k - 1, 0, -1):
            out_j = tgt[pre + (j,)]
            xp.multiply(rem, wins[j - 1], out=out_j)
            if j == 1:
                xp.subtract(rem, out_j, out=tgt[pre + (0,)])
            elif rem is d:
                rem = rem - out_j
            else:
                rem -= out_j
        if d is not g:
            _bufs._give(d)
        d = tgt


def _max_pool_grad_fwd(x, y, g, ksize=(), strides=(), pads=(), axes=(), dilations=()):
    """dL/dx: `g` routed to the first maximum of each window."""
    xp = xp_of(x)
    outs = list(y.shape[ax] for ax in axes)
    if _is_fast(ksize, strides, pads, dilations):
        v, win = _split(x, axes, ksize, outs)
        whole = all(o * k == x.shape[ax] for ax, k, o in zip(axes, ksize, outs))
        dx = _bufs.out_buffer(xp, x.shape, g.dtype)
        if not whole:
            dx.fill(0)
        dv, _ = _split(dx, axes, ksize, outs)
        stages = _saved_stages(x, y)
        if stages is not None:
            _route(g, stages, dv, xp)
            return dx
        taken = None
        for n_left, offs in enumerate(itertools.product(*[range(k) for k in ksize]),
                                      1 - int(np.prod(ksize))):
            index = [_pyslice(None)] * v.ndim
            for ax, j in zip(win, offs):
                index[ax] = j
            index = tuple(index)
            e = v[index] == y
            if taken is None:
                taken = e
            else:
                xp.greater(e, taken, out=e)   # e & ~taken: the first maximum wins ties
                if n_left:
                    taken |= e
            xp.multiply(e, g, out=dv[index])
        return dx
    xpad = _pad(x, pads, axes, _lowest(x.dtype))
    dxp = xp.zeros(xpad.shape, dtype=g.dtype)
    views = _offset_views(x.ndim, ksize, strides, pads, axes, dilations, outs)
    for index, mask in _first_max_masks(xpad, y, views):
        dxp[index] += mask * g
    return _unpad(dxp, x.shape, pads, axes)


def _max_pool_grad_grad_fwd(x, y, h, ksize=(), strides=(), pads=(), axes=(), dilations=()):
    """The adjoint of MaxPoolGrad: `h` read at the first maximum of each window."""
    xp = xp_of(x)
    outs = list(y.shape[ax] for ax in axes)
    xpad = _pad(x, pads, axes, _lowest(x.dtype))
    hpad = _pad(h, pads, axes, 0)
    out = xp.zeros(y.shape, dtype=h.dtype)
    views = _offset_views(x.ndim, ksize, strides, pads, axes, dilations, outs)
    for index, mask in _first_max_masks(xpad, y, views):
        out += mask * hpad[index]
    return out


def _pool_shape(shape, ksize=(), strides=(), pads=(), axes=(), dilations=(), **_):
    shape = list(shape)
    for ax, o in zip(axes, _out_sizes(shape, ksize, strides, pads, axes, dilations)):
        shape[ax] = o
    return tuple(shape)


_max_pool = Primitive("MaxPool")
_max_pool._fwd = _max_pool_fwd
_max_pool._shape = _pool_shape
_max_pool._grad = lambda g, out, x, **a: _max_pool_grad(x, out, g, **a)

_max_pool_grad = Primitive("MaxPoolGrad")
_max_pool_grad._fwd = _max_pool_grad_fwd
_max_pool_grad._shape = lambda xs, ys, gs, **a: tuple(xs)
_max_pool_grad._grad = lambda g, out, x, y, gy, **a: (None, None, _max_pool_grad_grad(x, y, g, **a))

_max_pool_grad_grad = Primitive("MaxPoolGradGrad")
_max_pool_grad_grad._fwd = _max_pool_grad_grad_fwd
_max_pool_grad_grad._shape = lambda xs, ys, hs, **a: tuple(ys)
_max_pool_grad_grad._grad = lambda g, out, x, y, h, **a: (None, None, _max_pool_grad(x, y, g, **a))


# ---------------------------------------------------------------------------
# Average pooling
# ---------------------------------------------------------------------------
def _avg_pool_fwd(x, ksize=(), strides=(), pads=(), axes=(), dilations=()):
    xp = xp_of(x)
    outs = _out_sizes(x.shape, ksize, strides, pads, axes, dilations)
    if _is_fast(ksize, strides, pads, dilations):
        if all(k == 1 for k in ksize):
            return x.copy()
        v, win = _split(x, axes, ksize, outs)
        acc = _reduce_windows(v, win, xp.add, xp)
        acc *= x.dtype.type(1.0 / np.prod(ksize))
        return acc
    xpad = _pad(x, pads, axes, 0)
    acc = None
    for index in _offset_views(x.ndim, ksize, strides, pads, axes, dilations, outs):
        if acc is None:
            acc = xpad[index].copy()
        else:
            acc += xpad[index]
    cnt = _counts(x.shape, ksize, strides, pads, axes, dilations, outs)
    if isinstance(cnt, float):
        acc *= x.dtype.type(1.0 / cnt)
    else:
        acc /= xp.asarray(cnt, dtype=x.dtype)
    return acc


def _avg_pool_grad_fwd(g, shape=(), ksize=(), strides=(), pads=(), axes=(), dilations=()):
    """dL/dx of average pooling for an input of `shape`: each window's `g / count`
    spread over its cells."""
    xp = xp_of(g)
    outs = list(g.shape[ax] for ax in axes)
    cnt = _counts(shape, ksize, strides, pads, axes, dilations, outs)
    gs = g * g.dtype.type(1.0 / cnt) if isinstance(cnt, float) else g / xp.asarray(cnt, g.dtype)
    if _is_fast(ksize, strides, pads, dilations):
        dx = xp.zeros(shape, dtype=g.dtype)
        dv, win = _split(dx, axes, ksize, outs)
        gs6 = gs.reshape(_window_shape(dv.shape, win))
        if dv.size == dx.size:
            return xp.broadcast_to(gs6, dv.shape).reshape(shape)
        dv[...] = gs6
        return dx
    pshape = list(shape)
    for ax, (pb, pa) in zip(axes, pads):
        pshape[ax] += pb + pa
    dxp = xp.zeros(pshape, dtype=g.dtype)
    for index in _offset_views(len(shape), ksize, strides, pads, axes, dilations, outs):
        dxp[index] += gs
    return _unpad(dxp, shape, pads, axes)


_avg_pool = Primitive("AvgPool")
_avg_pool._fwd = _avg_pool_fwd
_avg_pool._shape = _pool_shape
_avg_pool._grad = lambda g, out, x, **a: _avg_pool_grad(g, shape=tuple(x._a.shape), **a)

_avg_pool_grad = Primitive("AvgPoolGrad")
_avg_pool_grad._fwd = _avg_pool_grad_fwd
_avg_pool_grad._shape = lambda gs, shape=(), **a: tuple(shape)
_avg_pool_grad._grad = lambda g, out, gy, shape=(), **a: _avg_pool(g, **a)


# ---------------------------------------------------------------------------
# Argument handling
# ---------------------------------------------------------------------------
_FORMATS = {1: ("NWC", "NCW"), 2: ("NHWC", "NCHW"), 3: ("NDHWC", "NCDHW")}


def _err(op, msg):
    return _errors.InvalidArgumentError(None, op, msg)


def _channels_first(op, data_format, n):
    if data_format is None:
        return False
    fmt = str(data_format).upper()
    if fmt == "NCHW_VECT_C":
        raise _errors.UnimplementedError(None, op, f"{op}: data_format NCHW_VECT_C is not "
                                         "supported; use NHWC or NCHW.")
    last, first = _FORMATS[n]
    if fmt in ("CHANNELS_LAST", last):
        return False
    if fmt in ("CHANNELS_FIRST", first):
        return True
    raise _err(op, f"{op}: data_format must be {last!r} (channels last) or {first!r} (channels "
               f"first) for {n}-D pooling, got {data_format!r}.")


def _per_axis(op, what, v, n, cfirst, allow_zero=False):
    """`ksize` / `strides` / `dilations`: an int, or a list of 1, n or n + 2 ints."""
    if isinstance(v, Tensor):
        v = np.asarray(v.numpy()).tolist()
    if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
        v = [int(v)]
    try:
        v = [int(d) for d in v]
    except (TypeError, ValueError):
        raise _err(op, f"{op}: {what} must be an int or a list of ints, got {v!r}.") from None
    if len(v) == 1:
        v = v * n
    elif len(v) == n + 2:
        outer = (v[0], v[1]) if cfirst else (v[0], v[-1])
        if outer != (1, 1):
            raise _err(op, f"{op}: {what} {v} pools over the batch or channel axis, which is not "
                       f"supported; give 1 there (or pass only the {n} spatial values).")
        v = v[2:] if cfirst else v[1:-1]
    elif len(v) != n:
        raise _err(op, f"{op}: {what} must have 1, {n} or {n + 2} entries for an input of rank "
                   f"{n + 2}, got {v}.")
    if any(d < (0 if allow_zero else 1) for d in v):
        raise _err(op, f"{op}: {what} must be positive, got {v}.")
    return tuple(v)


def _explicit_pads(op, padding, n, cfirst):
    try:
        p = [[int(a), int(b)] for a, b in padding]
    except (TypeError, ValueError):
        p = None
    if p is None or len(p) != n + 2 or any(a < 0 or b < 0 for a, b in p):
        raise _err(op, f"{op}: padding must be 'VALID', 'SAME' or an explicit list of {n + 2} "
                   f"non-negative [before, after] pairs (one per axis), got {padding!r}.")
    outer = (p[0], p[1]) if cfirst else (p[0], p[-1])
    if any(a or b for a, b in outer):
        raise _err(op, f"{op}: explicit padding {p} pads the batch or channel axis; give [0, 0] "
                   "there.")
    return tuple(tuple(r) for r in (p[2:] if cfirst else p[1:-1]))


def _prepare(op, input, ksize, strides, padding, data_format, n, dilations=None, explicit=False):
    x = t(input)
    shape = tuple(x._a.shape)
    if n is None:
        n = len(shape) - 2
        if n not in (1, 2, 3):
            raise _err(op, f"{op}: the input must have rank 3, 4 or 5 (batch, 1 to 3 spatial "
                       f"axes, channels), got shape {shape}.")
    if len(shape) != n + 2:
        raise _err(op, f"{op}: expects a {n + 2}-D input (batch, {n} spatial axes, channels), got "
                   f"shape {shape}. Add the missing batch or channel axis with ts.expand_dims.")
    if x._a.dtype.kind not in "fiuV":
        raise _err(op, f"{op}: expects a numeric tensor, got {x.dtype.name}.")
    cfirst = _channels_first(op, data_format, n)
    axes = tuple(range(2, n + 2)) if cfirst else tuple(range(1, n + 1))
    k = _per_axis(op, "ksize", ksize, n, cfirst)
    s = _per_axis(op, "strides", strides, n, cfirst)
    d = (1,) * n if dilations is None else _per_axis(op, "dilations", dilations, n, cfirst)
    if any(di > 1 for di in d) and any(si > 1 for si in s):
        raise _err(op, f"{op}: dilations {list(d)} > 1 need strides of 1, got strides {list(s)}.")
    if isinstance(padding, str) and padding.upper() in ("VALID", "SAME"):
        pads = []
        for ax, ki, si, di in zip(axes, k, s, d):
            if padding.upper() == "VALID":
                pads.append((0, 0))
            else:
                o = -(-shape[ax] // si)
                total = max((o - 1) * si + (ki - 1) * di + 1 - shape[ax], 0)
                pads.append((total // 2, total - total // 2))
        pads = tuple(pads)
    elif explicit and not isinstance(padding, str):
        pads = _explicit_pads(op, padding, n, cfirst)
    else:
        allowed = "'VALID', 'SAME' or explicit [before, after] pairs" if explicit else \
            "'VALID' or 'SAME'"
        raise _err(op, f"{op}: padding must be {allowed}, got {padding!r}.")
    outs = _out_sizes(shape, k, s, pads, axes, d)
    if any(o < 1 for o in outs):
        raise _err(op, f"{op}: the window {list(k)} (dilations {list(d)}) does not fit the input "
                   f"of shape {shape} with padding {padding!r} (output sizes {outs}). Use a "
                   "smaller window or padding='SAME'.")
    return x, dict(ksize=k, strides=s, pads=pads, axes=axes, dilations=d)


def _max(op, input, ksize, strides, padding, data_format, n):
    x, attrs = _prepare(op, input, ksize, strides, padding, data_format, n, explicit=True)
    return _max_pool(x, **attrs)


def _avg(op, input, ksize, strides, padding, data_format, n):
    x, attrs = _prepare(op, input, ksize, strides, padding, data_format, n)
    if x._a.dtype.kind not in "fV":
        raise _err(op, f"{op}: expects a floating-point tensor, got {x.dtype.name} (shape "
                   f"{tuple(x._a.shape)}). Cast it first: ts.cast(x, ts.float32).")
    return _avg_pool(x, **attrs)


# ---------------------------------------------------------------------------
# Public ops
# ---------------------------------------------------------------------------
def max_pool(input, ksize, strides, padding, data_format=None, name=None):
    """Max pooling over 1 to 3 spatial axes (from the input's rank), as `tf.nn.max_pool`.

    Args:
        input: a tensor of rank N + 2: `(batch, *spatial, channels)` or, with a
            channels-first `data_format`, `(batch, channels, *spatial)`.
        ksize: the window size: an int, or a list of 1, N or N + 2 ints.
        strides: the window stride, in the same forms.
        padding: "VALID" (only whole windows), "SAME" (the output has
            `ceil(size / stride)` cells; padded cells never win) or an explicit
            list of `[before, after]` pairs, one per axis.
        data_format: "NWC"/"NHWC"/"NDHWC" (default) or "NCW"/"NCHW"/"NCDHW".

    Ties inside a window send the gradient to the first maximum.

    Example:
    >>> x = ts.reshape(ts.range(16.0), [1, 4, 4, 1])
    >>> ts.nn.max_pool(x, 2, 2, "VALID")[0, :, :, 0].numpy()
    array([[ 5.,  7.],
           [13., 15.]], dtype=float32)
    """
    return _max("MaxPool", input, ksize, strides, padding, data_format, None)


def max_pool1d(input, ksize, strides, padding, data_format="NWC", name=None):
    """1-D max pooling of `(batch, width, channels)` inputs, as `tf.nn.max_pool1d`.
    See `max_pool` for the arguments."""
    return _max("MaxPool1D", input, ksize, strides, padding, data_format, 1)


def max_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None):
    """2-D max pooling of `(batch, height, width, channels)` inputs, as `tf.nn.max_pool2d`.
    See `max_pool` for the arguments."""
    return _max("MaxPool2D", input, ksize, strides, padding, data_format, 2)


def max_pool3d(input, ksize, strides, padding, data_format="NDHWC", name=None):
    """3-D max pooling of `(batch, depth, height, width, channels)` inputs, as
    `tf.nn.max_pool3d`. See `max_pool` for the arguments."""
    return _max("MaxPool3D", input, ksize, strides, padding, data_format, 3)


def avg_pool(input, ksize, strides, padding, data_format=None, name=None):
    """Average pooling over 1 to 3 spatial axes (from the input's rank), as `tf.nn.avg_pool`.

    Args:
        input: a float tensor of rank N + 2 (see `max_pool`).
        ksize, strides: an int, or a list of 1, N or N + 2 ints.
        padding: "VALID" or "SAME"; with SAME, each window averages only its
            real (unpadded) cells.
        data_format: "NWC"/"NHWC"/"NDHWC" (default) or "NCW"/"NCHW"/"NCDHW".

    Example:
    >>> x = ts.reshape(ts.range(4.0), [1, 2, 2, 1])
    >>> ts.nn.avg_pool(x, 2, 2, "VALID").numpy().ravel()
    array([1.5], dtype=float32)
    """
    return _avg("AvgPool", input, ksize, strides, padding, data_format, None)


def avg_pool1d(input, ksize, strides, padding, data_format="NWC", name=None):
    """1-D average pooling, as `tf.nn.avg_pool1d`. See `avg_pool` for the arguments."""
    return _avg("AvgPool1D", input, ksize, strides, padding, data_format, 1)


def avg_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None):
    """2-D average pooling, as `tf.nn.avg_pool2d`. See `avg_pool` for the arguments."""
    return _avg("AvgPool2D", input, ksize, strides, padding, data_format, 2)


def avg_pool3d(input, ksize, strides, padding, data_format="NDHWC", name=None):
    """3-D average pooling, as `tf.nn.avg_pool3d`. See `avg_pool` for the arguments."""
    return _avg("AvgPool3D", input, ksize, strides, padding, data_format, 3)


def pool(input, window_shape, pooling_type, strides=None, padding="VALID", data_format=None,
         dilations=None, name=None):
    """Max or average pooling with optional dilated windows, as `tf.nn.pool`.

    Args:
        input: a tensor of rank N + 2 (N = `len(window_shape)`).
        window_shape: N ints.
        pooling_type: "MAX" or "AVG".
        strides: N ints (default 1); must be 1 where dilations exceed 1.
        padding: "VALID" or "SAME".
        data_format: channels last (default, e.g. "NHWC") or first ("NCHW").
        dilations: N ints (default 1): the gap between window taps.
    """
    try:
        n = len(window_shape)
    except TypeError:
        raise _err("Pool", f"pool: window_shape must be a list of ints, got {window_shape!r}.") \
            from None
    kind = str(pooling_type).upper()
    if kind not in ("MAX", "AVG"):
        raise _err("Pool", f"pool: pooling_type must be 'MAX' or 'AVG', got {pooling_type!r}.")
    op = "MaxPool" if kind == "MAX" else "AvgPool"
    x, attrs = _prepare(op, input, window_shape, 1 if strides is None else strides, padding,
                        data_format, n, dilations=dilations)
    if kind == "AVG" and x._a.dtype.kind not in "fV":
        raise _err(op, f"pool: AVG pooling expects a floating-point tensor, got {x.dtype.name}.")
    return (_max_pool if kind == "MAX" else _avg_pool)(x, **attrs)


__api__ = {"nn": ["max_pool", "max_pool1d", "max_pool2d", "max_pool3d", "avg_pool",
                  "avg_pool1d", "avg_pool2d", "avg_pool3d", "pool"]}

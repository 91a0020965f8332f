"""Indexing: gather, gather_nd, scatter_nd, tensor_scatter_nd_*, boolean_mask, one_hot,
unique, sequence_mask and `Tensor[...]`.

Every gather has an adjoint scatter-add primitive as its gradient, whose own
gradient is the gather again, so gradients of any order work and duplicate
indices accumulate.
"""
import builtins
from collections import namedtuple

import ctypes

import numpy as np

from ..backend import native as _native
from ..backend import xp as _xp
from ..core import errors as _errors
from ..core.tensor import overload
from ._common import Primitive, Tensor, _wrap, check_int, t, xp_of
from .array import _err, _ints, _strided, reshape
from ._buffers import out_buffer as _out_buffer

_pyslice = builtins.slice


class IndexOutOfRangeError(_errors.InvalidArgumentError, IndexError):
    """An index outside an axis (also an IndexError, for Python's sequence protocols)."""


def _add_at(z, index, v):
    """`z[index] += v`, accumulating repeated indices (NumPy's `add.at`, CuPy's scatter_add)."""
    xp = xp_of(z)
    if xp is np:
        np.add.at(z, index, v)
    else:  # pragma: no cover - GPU only
        import cupyx
        cupyx.scatter_add(z, index, v)


def _add_rows(z, rows, v, zero=False):
    """`z[rows] += v` for 1-D `rows` on NumPy, accumulating repeated rows (`zero`: z is
    all zeros, so the first pass may assign).

    Sorts once, then adds in passes over distinct rows: the first occurrence of
    every row in one fancy-indexed `+=`, then the second occurrences, ... (a
    handful of passes for embedding gradients; several times faster than
    `np.add.at` or a `reduceat` over the sorted rows)."""
    order = np.argsort(rows, kind="stable")
    sr = rows[order]
    idx = None                  # positions (into sr / order) still to add; None: all
    while True:
        r = sr if idx is None else sr[idx]
        first = np.empty(r.shape[0], dtype=bool)
        first[:1] = True
        np.not_equal(r[1:], r[:-1], out=first[1:])
        if idx is None:
            src = v[order[first]]
            if zero:
                z[r[first]] = src
            else:
                z[r[first]] += src
        else:
            z[r[first]] += v[order[idx[first]]]
        rest = ~first
        if not rest.any():
            return
        idx = np.flatnonzero(rest) if idx is None else idx[rest]


_SCATTER = ("tessera_scatter_rows_f32",
            [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p,
             ctypes.c_ssize_t, ctypes.c_ssize_t])


def _scatter_native(z, rows, vals):
    """`_add_rows(z, rows, vals, zero=True)` by the compiled kernel (bit-identical); False
    where it does not apply (kernels off, not float32 C-contiguous NumPy)."""
    if vals.dtype != np.float32 or not _native.takes(z):
        return False
    r = np.ascontiguousarray(rows, dtype=np.int64)
    v = np.ascontiguousarray(vals)
    seen = np.zeros(z.shape[0], np.uint8)
    _native.kernel(*_SCATTER)(z.ctypes.data, r.ctypes.data, v.ctypes.data, seen.ctypes.data,
                              r.size, z.size // max(1, z.shape[0]))
    return True


def _dev(xp, index):
    """Moves the NumPy index arrays inside `index` onto `xp`'s device."""
    if xp is np:
        return index
    return tuple(xp.asarray(i) if isinstance(i, np.ndarray) else i for i in index)


def _check_range(op, ia, n, what="indices"):
    """Raises TensorFlow's error for the first entry of `ia` outside `[0, n)`."""
    if ia.size == 0:
        return
    a = _xp.to_numpy(ia)
    bad = (a < 0) | (a >= n)
    if bad.any():
        pos = np.unravel_index(int(np.argmax(bad)), a.shape)
        where = ",".join(str(int(p)) for p in pos)
        raise IndexOutOfRangeError(
            None, op, f"{op}: {what}[{where}] = {int(a[pos])} is not in [0, {n}); indices must "
            f"index into the gathered axis of length {n} (negative indices are not allowed).")


def _int_indices(op, indices):
    return check_int(op, indices, "indices")


# ---------------------------------------------------------------------------
# gather (GatherV2) and its adjoint
# ---------------------------------------------------------------------------
def _batched(a_shape, ind_shape, axis, bd):
    """Shapes for a batched gather: batch B, middle axes, the gathered length, the rest."""
    B = tuple(a_shape[:bd])
    mid = tuple(a_shape[bd:axis])
    rest = tuple(a_shape[axis + 1:])
    return B, mid, a_shape[axis], rest, tuple(ind_shape[bd:])


def _gather_fwd(a, ind, axis=0, batch_dims=0):
    xp = xp_of(a)
    if xp is not np:  # pragma: no cover - GPU only
        ind = xp.asarray(ind)
    if batch_dims == 0:
        return xp.take(a, ind, axis=axis)
    B, mid, n, rest, I = _batched(a.shape, ind.shape, axis, batch_dims)
    bp = int(np.prod(B))
    a2 = xp.moveaxis(a.reshape((bp,) + mid + (n,) + rest), len(mid) + 1, 1)   # (bp, n, mid, rest)
    bidx = xp.arange(bp).reshape((bp,) + (1,) * len(I))
    r = a2[bidx, ind.reshape((bp,) + I)]                                        # (bp, I, mid, rest)
    ni, nm = len(I), len(mid)
    perm = (0,) + tuple(range(1 + ni, 1 + ni + nm)) + tuple(range(1, 1 + ni)) + \
        tuple(range(1 + ni + nm, r.ndim))
    return r.transpose(perm).reshape(B + mid + I + rest)


def _gather_grad_fwd(g, ind, shape=(), axis=0, batch_dims=0):
    xp = xp_of(g)
    if xp is not np:  # pragma: no cover - GPU only
        ind = xp.asarray(ind)
    if batch_dims == 0:
        if axis == 0 and xp is np and ind.size > 64:
            # a dense embedding-table gradient: a recycled buffer, zeroed in one pass, page-
            # faults no fresh memory each step (see ops/_buffers.py)
            z = _out_buffer(xp, shape, g.dtype)
            z.fill(0)
            rows = ind.reshape(-1)
            vals = g.reshape((-1,) + tuple(shape[1:]))
            if not _scatter_native(z, rows, vals):
                _add_rows(z, rows, vals, zero=True)
        else:
            z = xp.zeros(shape, dtype=g.dtype)
            _add_at(z, (_pyslice(None),) * axis + (ind,), g)
        return z
    B, mid, n, rest, I = _batched(shape, ind.shape, axis, batch_dims)
    bp = int(np.prod(B))
    ni, nm = len(I), len(mid)
    g2 = g.reshape((bp,) + mid + I + rest)
    perm = (0,) + tuple(range(1 + nm, 1 + nm + ni)) + tuple(range(1, 1 + nm)) + \
        tuple(range(1 + ni + nm, g2.ndim))
    z = xp.zeros((bp, n) + mid + rest, dtype=g.dtype)
    bidx = xp.arange(bp).reshape((bp,) + (1,) * ni)
    _add_at(z, (bidx, ind.reshape((bp,) + I)), g2.transpose(perm))
    return xp.moveaxis(z, 1, nm + 1).reshape(shape)


_gather = Primitive("GatherV2")
_gather._fwd = _gather_fwd
_gather._grad = lambda g, out, x, ind, axis=0, batch_dims=0: (
    _gather_grad(g, ind, shape=tuple(x._a.shape), axis=axis, batch_dims=batch_dims), None)
_gather_grad = Primitive("GatherV2Grad")   # scatter-add: the adjoint of GatherV2
_gather_grad._fwd = _gather_grad_fwd
_gather_grad._grad = lambda g, out, gy, ind, shape=(), axis=0, batch_dims=0: (
    _gather(g, ind, axis=axis, batch_dims=batch_dims), None)


def gather(params, indices, validate_indices=None, axis=None, batch_dims=0, name=None):
    """Takes slices of `params` along `axis` at `indices`, as `tf.gather`.

    The output shape is `params.shape[:axis] + indices.shape[batch_dims:] +
    params.shape[axis + 1:]`. The gradient sums over repeated indices.

    Args:
        params: the tensor to gather from.
        indices: int32/int64 indices in `[0, params.shape[axis])`.
        validate_indices: deprecated, ignored (indices are always checked).
        axis: the axis to gather along; default `batch_dims`.
        batch_dims: the number of leading batch axes `params` and `indices` share.

    Example:
    >>> ts.gather(ts.constant([[1, 2], [3, 4], [5, 6]]), [2, 0]).numpy()
    array([[5, 6],
           [1, 2]], dtype=int32)
    """
    x = t(params)
    ind = _int_indices("GatherV2", indices)
    nd, ni = x._a.ndim, ind._a.ndim
    bd = int(batch_dims)
    if bd < 0:
        bd += ni
    if not 0 <= bd <= ni:
        raise _err("GatherV2", f"gather: batch_dims={batch_dims} is out of range for indices of "
                   f"rank {ni} (shape {tuple(ind._a.shape)}).")
    ax = bd if axis is None else _ints(axis, "GatherV2", "axis")[0]
    if nd == 0 or not -nd <= ax < nd:
        raise _err("GatherV2", f"gather: axis {ax} is out of range for params of shape "
                   f"{tuple(x._a.shape)} (rank {nd}).")
    ax %= nd
    if ax < bd:
        raise _err("GatherV2", f"gather: axis ({ax}) must be at least batch_dims ({bd}).")
    if tuple(x._a.shape[:bd]) != tuple(ind._a.shape[:bd]):
        raise _err("GatherV2", f"gather: with batch_dims={bd}, params shape {tuple(x._a.shape)} "
                   f"and indices shape {tuple(ind._a.shape)} must agree on the first {bd} axes.")
    _check_range("GatherV2", ind._a, x._a.shape[ax])
    return _gather(x, ind, axis=ax, batch_dims=bd)


# ---------------------------------------------------------------------------
# gather_nd / scatter_nd (each other's gradient)
# ---------------------------------------------------------------------------
def _nd_index(ind):
    return tuple(ind[..., k] for k in range(ind.shape[-1]))


def _gather_nd_fwd(a, ind):
    k = ind.shape[-1]
    if k == 0:
        return xp_of(a).broadcast_to(a, ind.shape[:-1] + a.shape).copy()
    return a[_nd_index(ind) + (Ellipsis,)]


def _scatter_nd_fwd(ind, upd, shape=()):
    z = xp_of(upd).zeros(shape, dtype=upd.dtype)
    _scatter_into(z, ind, upd, "add")
    return z


def _scatter_into(z, ind, upd, how):
    k = ind.shape[-1]
    if k == 0:
        flat = upd.reshape((-1,) + z.shape)
        if how == "update":
            if flat.shape[0]:
                z[...] = flat[-1]
        elif how == "add":
            z += flat.sum(0)
        elif how == "sub":
            z -= flat.sum(0)
        else:
            z[...] = getattr(xp_of(z), how)(z, getattr(flat, "max" if how == "maximum" else "min")(0)) \
                if flat.shape[0] else z
        return
    idx = _nd_index(ind)
    if how == "update":
        z[idx] = upd
    elif how == "add":
        _add_at(z, idx, upd)
    elif how == "sub":
        _add_at(z, idx, -upd)
    elif xp_of(z) is np:
        getattr(np, how).at(z, idx, upd)
    else:  # pragma: no cover - GPU only
        import cupyx
        getattr(cupyx, "scatter_max" if how == "maximum" else "scatter_min")(z, idx, upd)


_gather_nd = Primitive("GatherNd")
_gather_nd._fwd = _gather_nd_fwd
_gather_nd._grad = lambda g, out, x, ind: (_scatter_nd(ind, g, shape=tuple(x._a.shape)), None)
_scatter_nd = Primitive("ScatterNd")
_scatter_nd._fwd = _scatter_nd_fwd
_scatter_nd._grad = lambda g, out, ind, upd, shape=(): (None, _gather_nd(g, ind))


def _check_nd(op, shape, ind):
    """Validates `indices` of shape (..., K) against a tensor of `shape`."""
    if ind._a.ndim == 0:
        raise _err(op, f"{op}: indices must have rank >= 1 (their last axis holds coordinates), "
                   "got a scalar.")
    k = ind._a.shape[-1]
    if k > len(shape):
        raise _err(op, f"{op}: indices of shape {tuple(ind._a.shape)} hold {k} coordinates per "
                   f"entry, but the tensor of shape {tuple(shape)} has only {len(shape)} axes.")
    if ind._a.size and k:
        a = _xp.to_numpy(ind._a).reshape(-1, k)
        bad = ((a < 0) | (a >= np.asarray(shape[:k]))).any(axis=1)
        if bad.any():
            i = int(np.argmax(bad))
            pos = ",".join(str(int(p)) for p in np.unravel_index(i, ind._a.shape[:-1]))
            raise IndexOutOfRangeError(
                None, op, f"{op}: indices[{pos}] = {a[i].tolist()} does not index into a tensor of "
                f"shape {list(shape)}: each coordinate must be in [0, length) of its axis.")


def gather_nd(params, indices, batch_dims=0, name=None):
    """Gathers slices of `params` addressed by the last axis of `indices`, as `tf.gather_nd`.

    `indices` of shape `batch + I + [K]` picks `params[..., i1, ..., iK]`; the output
    has shape `batch + I + params.shape[batch_dims + K:]`.

    Example:
    >>> ts.gather_nd(ts.constant([[1, 2], [3, 4]]), [[1, 0], [0, 1]]).numpy()
    array([3, 2], dtype=int32)
    """
    x = t(params)
    ind = _int_indices("GatherNd", indices)
    bd = int(batch_dims)
    if bd:
        if bd < 0 or bd >= ind._a.ndim or tuple(x._a.shape[:bd]) != tuple(ind._a.shape[:bd]):
            raise _err("GatherNd", f"gather_nd: batch_dims={bd} needs params {tuple(x._a.shape)} and "
                       f"indices {tuple(ind._a.shape)} to share their first {bd} axes (and indices "
                       "to have a coordinate axis after them).")
        a = _xp.to_numpy(ind._a)
        grids = np.meshgrid(*[np.arange(d) for d in a.shape[:-1]], indexing="ij")[:bd]
        coords = [g[..., None].astype(a.dtype) for g in grids]
        ind = _wrap(xp_of(ind._a).asarray(np.concatenate(coords + [a], axis=-1)))
    _check_nd("GatherNd", x._a.shape, ind)
    return _gather_nd(x, ind)


def _check_updates(op, shape, ind, upd):
    k = ind._a.shape[-1]
    want = tuple(ind._a.shape[:-1]) + tuple(shape[k:])
    if tuple(upd._a.shape) != want:
        raise _err(op, f"{op}: updates have shape {tuple(upd._a.shape)}, but indices of shape "
                   f"{tuple(ind._a.shape)} into a tensor of shape {tuple(shape)} need updates of "
                   f"shape {want} (indices.shape[:-1] + shape[{k}:]).")


def scatter_nd(indices, updates, shape, name=None):
    """A zero tensor of `shape` with `updates` added at `indices`, as `tf.scatter_nd`.

    Repeated indices add up.

    Example:
    >>> ts.scatter_nd([[1], [3], [1]], ts.constant([1., 2., 3.]), [5]).numpy()
    array([0., 4., 0., 2., 0.], dtype=float32)
    """
    ind = _int_indices("ScatterNd", indices)
    upd = t(updates)
    shp = tuple(_ints(shape, "ScatterNd", "shape"))
    _check_nd("ScatterNd", shp, ind)
    _check_updates("ScatterNd", shp, ind, upd)
    return _scatter_nd(ind, upd, shape=shp)


def _tensor_scatter_fwd(how):
    def fwd(a, ind, upd):
        z = a.copy()
        _scatter_into(z, ind, upd, how)
        return z
    return fwd


def _ts_update_grad(g, out, x, ind, upd):
    from .creation import zeros_like
    return tensor_scatter_nd_update(g, ind, zeros_like(upd)), None, _gather_nd(g, ind)


def _ts_minmax_grad(g, out, x, ind, upd):
    from .creation import zeros_like
    from .math import equal, where_
    zg = zeros_like(g)
    gx = where_(equal(out, x), g, zg)
    gu = where_(equal(_gather_nd(out, ind), upd), _gather_nd(g, ind), zeros_like(upd))
    return gx, None, gu


def _neg_gather(g, ind):
    from .math import negative
    return negative(_gather_nd(g, ind))


_TS = {}
for _name, _how, _grad in (
        ("TensorScatterUpdate", "update", _ts_update_grad),
        ("TensorScatterAdd", "add", lambda g, out, x, ind, upd: (g, None, _gather_nd(g, ind))),
        ("TensorScatterSub", "sub", lambda g, out, x, ind, upd: (g, None, _neg_gather(g, ind))),
        ("TensorScatterMax", "maximum", _ts_minmax_grad),
        ("TensorScatterMin", "minimum", _ts_minmax_grad)):
    _p = _TS[_name] = Primitive(_name)
    _p._fwd = _tensor_scatter_fwd(_how)
    _p._grad = _grad


def _tensor_scatter(opname, tensor, indices, updates):
    x = t(tensor)
    ind = _int_indices(opname, indices)
    upd = t(updates)
    if isinstance(updates, Tensor) and upd._a.dtype != x._a.dtype:
        raise _err(opname, f"{opname}: tensor is {x.dtype.name} but updates are {upd.dtype.name}; "
                   "cast them to one dtype with ts.cast.")
    if upd._a.dtype != x._a.dtype:
        upd = t(updates, x.dtype)
    _check_nd(opname, x._a.shape, ind)
    _check_updates(opname, x._a.shape, ind, upd)
    return _TS[opname](x, ind, upd)


def tensor_scatter_nd_update(tensor, indices, updates, name=None):
    """A copy of `tensor` with the slices at `indices` replaced by `updates`, as
    `tf.tensor_scatter_nd_update`.

    Example:
    >>> ts.tensor_scatter_nd_update(ts.zeros([4]), [[0], [2]], [5., 6.]).numpy()
    array([5., 0., 6., 0.], dtype=float32)
    """
    return _tensor_scatter("TensorScatterUpdate", tensor, indices, updates)


def tensor_scatter_nd_add(tensor, indices, updates, name=None):
    """A copy of `tensor` with `updates` added at `indices` (repeats add up), as
    `tf.tensor_scatter_nd_add`."""
    return _tensor_scatter("TensorScatterAdd", tensor, indices, updates)


def tensor_scatter_nd_sub(tensor, indices, updates, name=None):
    """A copy of `tensor` with `updates` subtracted at `indices`, as `tf.tensor_scatter_nd_sub`."""
    return _tensor_scatter("TensorScatterSub", tensor, indices, updates)


def tensor_scatter_nd_max(tensor, indices, updates, name=None):
    """A copy of `tensor` holding `max(tensor, updates)` at `indices`, as `tf.tensor_scatter_nd_max`."""
    return _tensor_scatter("TensorScatterMax", tensor, indices, updates)


def tensor_scatter_nd_min(tensor, indices, updates, name=None):
    """A copy of `tensor` holding `min(tensor, updates)` at `indices`, as `tf.tensor_scatter_nd_min`."""
    return _tensor_scatter("TensorScatterMin", tensor, indices, updates)


# ---------------------------------------------------------------------------
# boolean_mask
# ---------------------------------------------------------------------------
def boolean_mask(tensor, mask, axis=None, name="boolean_mask"):
    """Keeps the entries of `tensor` where the boolean `mask` is true, as `tf.boolean_mask`.

    `mask` (rank k) must match `tensor.shape[axis:axis + k]`; those k axes become
    one axis holding the selected entries.

    Example:
    >>> ts.boolean_mask(ts.constant([[1, 2], [3, 4], [5, 6]]), [True, False, True]).numpy()
    array([[1, 2],
           [5, 6]], dtype=int32)
    """
    x = t(tensor)
    m = t(mask)
    if m._a.dtype != np.bool_:
        raise _err("BooleanMask", f"boolean_mask: mask must be bool, got {m.dtype.name}; compare "
                   "first, e.g. ts.boolean_mask(x, x > 0).")
    k = m._a.ndim
    shape = tuple(x._a.shape)
    ax = 0 if axis is None else _ints(axis, "BooleanMask", "axis")[0]
    if ax < 0:
        ax += len(shape)
    if k == 0 or ax < 0 or ax + k > len(shape) or shape[ax:ax + k] != tuple(m._a.shape):
        raise _err("BooleanMask", f"boolean_mask: mask of shape {tuple(m._a.shape)} must match "
                   f"tensor.shape[{ax}:{ax + k}] of the tensor of shape {shape} (and have rank >= 1).")
    x = reshape(x, shape[:ax] + (-1,) + shape[ax + k:]) if k != 1 else x
    sel = np.flatnonzero(_xp.to_numpy(m._a)).astype(np.int64)
    return _gather(x, _wrap(xp_of(x._a).asarray(sel)), axis=ax, batch_dims=0)


# ---------------------------------------------------------------------------
# one_hot, sequence_mask, unique
# ---------------------------------------------------------------------------
def _one_hot_fwd(indices, depth=1, on_value=1, off_value=0, axis=-1, dtype=None):
    xp = xp_of(indices)
    hot = indices[..., None] == xp.arange(depth, dtype=indices.dtype)
    out = xp.where(hot, xp.asarray(on_value, dtype=dtype), xp.asarray(off_value, dtype=dtype))
    return out if axis == -1 else xp.moveaxis(out, -1, axis)


_one_hot = Primitive("OneHot", differentiable=False)
_one_hot._fwd = _one_hot_fwd


def one_hot(indices, depth, on_value=None, off_value=None, axis=None, dtype=None, name=None):
    """One-hot encoding: `on_value` where the position equals the index, as `tf.one_hot`.

    Args:
        indices: an integer tensor; out-of-range indices give a row of `off_value`.
        depth: the length of the new axis.
        on_value, off_value: scalars (default 1 and 0).
        axis: where the new axis goes (default -1, last).
        dtype: output dtype; default the dtype of `on_value`/`off_value`, else float32.

    Example:
    >>> ts.one_hot([0, 2], 3).numpy()
    array([[1., 0., 0.],
           [0., 0., 1.]], dtype=float32)
    """
    from ..backend import dtypes as _dt
    idx = t(indices)
    if idx._a.dtype.kind not in "iu":
        raise _err("OneHot", f"one_hot: indices must be integers, got {idx.dtype.name}; cast them "
                   "with ts.cast(indices, ts.int32).")
    depth = _ints(depth, "OneHot", "depth")
    if len(depth) != 1 or depth[0] < 0:
        raise _err("OneHot", f"one_hot: depth must be a non-negative int, got {depth}.")
    from ..core.tensor import convert_to_tensor
    hint = None if dtype is None else _dt.as_dtype(dtype)
    vals = [None if v is None else convert_to_tensor(v, dtype_hint=hint) for v in (on_value, off_value)]
    given = [v for v in vals if v is not None]
    npd = _dt.np_dtype(dtype) if dtype is not None else given[0]._a.dtype if given else np.dtype(np.float32)
    for v, what in zip(vals, ("on_value", "off_value")):
        if v is not None and (v._a.ndim != 0 or v._a.dtype != npd):
            raise _err("OneHot", f"one_hot: {what} must be a scalar of dtype "
                       f"{_dt.as_dtype(npd).name} (the dtype argument or the other value's), got "
                       f"{v.dtype.name} of shape {tuple(v._a.shape)}.")
    on = 1 if vals[0] is None else _xp.to_numpy(vals[0]._a).item()
    off = 0 if vals[1] is None else _xp.to_numpy(vals[1]._a).item()
    nd = idx._a.ndim + 1
    ax = -1 if axis is None else int(axis)
    if not -1 <= ax < nd:
        raise _err("OneHot", f"one_hot: axis {ax} is out of range for an output of rank {nd} "
                   f"(valid: -1 to {nd - 1}).")
    return _one_hot(idx, depth=depth[0], on_value=on, off_value=off,
                    axis=-1 if ax == nd - 1 else ax, dtype=npd)


def sequence_mask(lengths, maxlen=None, dtype="bool", name=None):
    """A mask of the first `lengths[i]` positions of each row, as `tf.sequence_mask`.

    Returns a tensor of shape `lengths.shape + [maxlen]` whose entry `[..., j]`
    is `j < lengths[...]`; `maxlen` defaults to `max(lengths)`.

    Example:
    >>> ts.sequence_mask([1, 3], 4).numpy()
    array([[ True, False, False, False],
           [ True,  True,  True, False]])
    """
    from ..backend import dtypes as _dt
    ln = t(lengths)
    if ln._a.dtype.kind not in "iu":
        raise _err("SequenceMask", f"sequence_mask: lengths must be integers, got {ln.dtype.name}.")
    a = ln._a
    xp = xp_of(a)
    if maxlen is None:
        m = int(a.max()) if a.size else 0
    else:
        m = _ints(maxlen, "SequenceMask", "maxlen")
        if len(m) != 1:
            raise _err("SequenceMask", f"sequence_mask: maxlen must be a scalar, got {maxlen!r}.")
        m = m[0]
    mask = xp.arange(max(m, 0)) < a[..., None]
    return _wrap(mask.astype(_dt.np_dtype(dtype), copy=False))


Unique = namedtuple("Unique", ["y", "idx"])
UniqueWithCounts = namedtuple("UniqueWithCounts", ["y", "idx", "count"])


def _unique(x, out_idx, opname):
    from ..backend import dtypes as _dt
    x = t(x)
    if x._a.ndim != 1:
        raise _err(opname, f"{opname.lower()}: x must be 1-D, got shape {tuple(x._a.shape)}; "
                   "flatten it with ts.reshape(x, [-1]).")
    a = _xp.to_numpy(x._a)
    _, first, inv, counts = np.unique(a, return_index=True, return_inverse=True, return_counts=True)
    order = np.argsort(first, kind="stable")           # unique values by first occurrence
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    dt = _dt.np_dtype(out_idx)
    y = gather(x, _wrap(first[order].astype(np.int64)))
    return y, _wrap(rank[inv.reshape(-1)].astype(dt)), _wrap(counts[order].astype(dt))


def unique(x, out_idx="int32", name=None):
    """The distinct values of 1-D `x` in order of first occurrence, as `tf.unique`.

    Returns:
        `Unique(y, idx)`: `y` the distinct values, `idx` the position in `y` of each
        element of `x` (so `ts.gather(y, idx)` rebuilds `x`).

    Example:
    >>> y, idx = ts.unique(ts.constant([1, 1, 2, 4, 4, 4, 7, 8, 8]))
    >>> y.numpy(), idx.numpy()
    (array([1, 2, 4, 7, 8], dtype=int32), array([0, 0, 1, 2, 2, 2, 3, 4, 4], dtype=int32))
    """
    y, idx, _ = _unique(x, out_idx, "Unique")
    return Unique(y, idx)


def unique_with_counts(x, out_idx="int32", name=None):
    """Like `unique`, plus `count`: how often each distinct value occurs, as `tf.unique_with_counts`."""
    return UniqueWithCounts(*_unique(x, out_idx, "UniqueWithCounts"))


# ---------------------------------------------------------------------------
# Tensor.__getitem__
# ---------------------------------------------------------------------------
def _index_gather_fwd(a, index=()):
    return a[_dev(xp_of(a), index)]


def _index_scatter_fwd(g, shape=(), index=()):
    z = xp_of(g).zeros(shape, dtype=g.dtype)
    _add_at(z, _dev(xp_of(g), index), g)
    return z


_fancy = Primitive("IndexGather")            # NumPy advanced indexing
_fancy._fwd = _index_gather_fwd
_fancy._grad = lambda g, out, x, index=(): _fancy_grad(g, shape=tuple(x._a.shape), index=index)
_fancy_grad = Primitive("IndexScatterAdd")   # its adjoint: accumulates repeated indices
_fancy_grad._fwd = _index_scatter_fwd
_fancy_grad._grad = lambda g, out, gy, shape=(), index=(): _fancy(g, index=index)


def _index_gather(x, index):
    """Internal: `x[index]` for a prepared NumPy index tuple of in-range arrays."""
    return _fancy(x, index=index)


_KEY_HELP = ("Valid indices are ints, slices, ..., ts.newaxis (None), and integer or boolean "
             "tensors, lists or NumPy arrays.")


def _as_index_array(k, op):
    """Converts a list/array/Tensor index to a NumPy int or bool array."""
    if isinstance(k, Tensor):
        a = _xp.to_numpy(k._a)
    else:
        a = np.asarray(k)
        if a.size == 0 and a.dtype.kind == "f":
            a = a.astype(np.int64)
    if a.dtype.kind not in "iub":
        raise TypeError(f"{op}: cannot index with a {a.dtype} array. {_KEY_HELP}")
    return a


def _int(v, op):
    if isinstance(v, Tensor):
        if v._a.ndim != 0 or v._a.dtype.kind not in "iu":
            raise TypeError(f"{op}: slice bounds must be integer scalars, got a {v.dtype.name} "
                            f"tensor of shape {tuple(v._a.shape)}.")
        return int(_xp.to_numpy(v._a))
    if v is None:
        return None
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)):
        raise TypeError(f"{op}: slice bounds must be ints or None, got {v!r}.")
    return int(v)


def _oob(op, ax, i, n):
    return IndexOutOfRangeError(
        None, op, f"{op}: index {i} is out of bounds for axis {ax} with size {n} "
        f"(valid: {-n} to {n - 1}).")


def _getitem(x, key, op="StridedSlice"):
    """`x[key]` with NumPy semantics, raising clear errors; used by `__getitem__` and
    `strided_slice`."""
    if not isinstance(key, tuple):
        key = (key,)
    shape = x._a.shape
    items = []
    consumed = 0
    ell = 0
    for k in key:
        if k is None:
            items.append(("new", None))
        elif k is Ellipsis:
            ell += 1
            items.append(("ell", None))
        elif isinstance(k, builtins.slice):
            step = _int(k.step, op)
            if step == 0:
                raise _err(op, f"{op}: slice step cannot be zero.")
            items.append(("slice", _pyslice(_int(k.start, op), _int(k.stop, op), step)))
            consumed += 1
        elif isinstance(k, (bool, np.bool_)):
            raise TypeError(f"{op}: cannot index with the bool {k!r}. {_KEY_HELP}")
        elif isinstance(k, (int, np.integer)):
            items.append(("int", int(k)))
            consumed += 1
        elif isinstance(k, Tensor) and k._a.ndim == 0 and k._a.dtype.kind in "iu":
            items.append(("int", int(_xp.to_numpy(k._a))))
            consumed += 1
        elif isinstance(k, (Tensor, np.ndarray, list, tuple)):
            a = _as_index_array(k, op)
            if a.dtype == np.bool_:
                if a.ndim == 0:
                    raise TypeError(f"{op}: cannot index with a scalar bool. {_KEY_HELP}")
                items.append(("mask", a))
                consumed += a.ndim
            else:
                items.append(("arr", a))
                consumed += 1
        else:
            raise TypeError(f"{op}: cannot index a tensor with {type(k).__name__} {k!r}. {_KEY_HELP}")
    if ell > 1:
        raise _err(op, f"{op}: an index can only have a single ellipsis ('...').")
    if consumed > len(shape):
        raise IndexOutOfRangeError(
            None, op, f"{op}: too many indices for a tensor of shape {tuple(shape)}: it has "
            f"{len(shape)} axes but {consumed} were indexed.")
    fill = [("slice", _pyslice(None))] * (len(shape) - consumed)
    if ell:
        i = next(j for j, it in enumerate(items) if it[0] == "ell")
        items[i:i + 1] = fill
    out = []
    advanced = False
    ax = 0
    for kind, v in items:
        if kind == "new":
            out.append(None)
            continue
        n = shape[ax] if ax < len(shape) else 0
        if kind == "slice":
            out.append(v)
        elif kind == "int":
            if not -n <= v < n:
                raise _oob(op, ax, v, n)
            out.append(v + n if v < 0 else v)
        elif kind == "arr":
            if v.size and (v.min() < -n or v.max() >= n):
                bad = v[(v < -n) | (v >= n)].flat[0]
                raise _oob(op, ax, int(bad), n)
            out.append(np.where(v < 0, v + n, v).astype(np.intp))
            advanced = True
        else:  # mask
            want = tuple(shape[ax:ax + v.ndim])
            if v.shape != want:
                raise _err(op, f"{op}: boolean index of shape {v.shape} does not match the "
                           f"indexed axes {ax}..{ax + v.ndim - 1} of shape {want} (tensor shape "
                           f"{tuple(shape)}).")
            out.extend(v.nonzero())
            advanced = True
            ax += v.ndim
            continue
        ax += 1
    index = tuple(out)
    if advanced:
        return _fancy(x, index=index)
    return _strided(x, index=index)


def _tensor_getitem(self, key):
    """`tensor[key]`: NumPy-style basic and advanced indexing (differentiable).

    Supports ints (negative count from the end), slices with steps, `...`,
    `ts.newaxis`, integer lists/arrays/tensors (gathers, like NumPy fancy
    indexing) and boolean masks. Out-of-range integers raise an error naming
    the axis, the index and the axis length.
    """
    return _getitem(self, key)


overload("__getitem__", _tensor_getitem)

__api__ = {"ts": ["gather", "gather_nd", "scatter_nd", "tensor_scatter_nd_update",
                  "tensor_scatter_nd_add", "tensor_scatter_nd_sub", "tensor_scatter_nd_max",
                  "tensor_scatter_nd_min", "boolean_mask", "one_hot", "sequence_mask", "unique",
                  "unique_with_counts"]}

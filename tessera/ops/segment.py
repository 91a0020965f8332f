"""Segment reductions and bincount (`ts.math.segment_sum`, `unsorted_segment_max`, ...).

A segment op reduces the rows of `data` that share a segment id. Sorted ops
(`segment_*`) take 1-D, non-decreasing ids and output `max(id) + 1` rows;
unsorted ops take ids of any order whose shape is a prefix of `data.shape`,
drop rows with a negative id, and output `num_segments` rows. Empty segments
are filled as TensorFlow does: 0 for sums and means, 1 for products, 0 for the
sorted max/min and the lowest/highest value of the dtype for the unsorted ones.
"""
import numpy as np

from ..backend import dtypes as _dt
from ..backend import xp as _xp
from ..core import errors as _errors
from . import array as _arr
from . import creation as _cr
from . import math as _m
from ._common import Primitive, Tensor, _wrap, check_int, t, xp_of

_INT_TO_FLOAT = {1: np.float32, 2: np.float32, 4: np.float64, 8: np.float64}


def _err(op, msg):
    return _errors.InvalidArgumentError(None, op, msg)


# ---------------------------------------------------------------------------
# Kernels on arrays
# ---------------------------------------------------------------------------
def _flatten(data, ids):
    """`data` as `(len(ids.ravel()),) + rest`, ids flattened, negative ids dropped."""
    rest = data.shape[ids.ndim:]
    d = data.reshape((-1,) + rest)
    i = ids.reshape(-1)
    if i.size and bool((i < 0).any()):
        keep = i >= 0
        d, i = d[keep], i[keep]
    return d, i, rest


def _seg_reduce(data, ids, n, ufunc, fill):
    xp = xp_of(data)
    d, i, rest = _flatten(data, ids)
    out = xp.full((n,) + rest, fill, dtype=data.dtype)
    if i.size == 0:
        return out
    if i.size > 1 and not bool((i[1:] >= i[:-1]).all()):
        order = xp.argsort(i, kind="stable")
        d, i = d[order], i[order]
    starts = xp.flatnonzero(xp.concatenate([xp.ones(1, dtype=bool), i[1:] != i[:-1]]))
    out[i[starts]] = ufunc.reduceat(d, starts, axis=0)
    return out


def _counts(ids, n):
    """Number of rows in each of the `n` segments (negative ids dropped)."""
    i = ids.reshape(-1)
    i = i[i >= 0]
    return xp_of(ids).bincount(i.astype(np.int64), minlength=n)[:n]


def _sum_fwd(data, ids, num_segments=0):
    return _seg_reduce(data, ids, num_segments, np.add, 0)


def _prod_fwd(data, ids, num_segments=0):
    return _seg_reduce(data, ids, num_segments, np.multiply, 1)


def _fill(dt, sorted_, high):
    if sorted_:
        return 0
    if dt.kind in "fV":
        return np.finfo(dt).max if high else np.finfo(dt).min  # numeric_limits, not inf
    return np.iinfo(dt).max if high else np.iinfo(dt).min


def _max_fwd(data, ids, num_segments=0, sorted_=False):
    return _seg_reduce(data, ids, num_segments, np.maximum, _fill(data.dtype, sorted_, False))


def _min_fwd(data, ids, num_segments=0, sorted_=False):
    return _seg_reduce(data, ids, num_segments, np.minimum, _fill(data.dtype, sorted_, True))


def _mean_fwd(data, ids, num_segments=0):
    s = _sum_fwd(data, ids, num_segments)
    c = _counts(ids, num_segments).reshape((-1,) + (1,) * (s.ndim - 1))
    c = xp_of(c).maximum(c, 1).astype(s.dtype)
    if s.dtype.kind in "iu":  # integer division truncating toward zero, as TF's kernel
        q = s // c
        if s.dtype.kind == "i":
            q = q + ((s % c != 0) & (s < 0)).astype(s.dtype)
        return q
    return (s / c).astype(s.dtype, copy=False)


def _gather_fwd(g, ids):
    """Rows `g[ids]` (zeros where an id is negative): the adjoint of the segment sum."""
    xp = xp_of(g)
    safe = xp.where(ids >= 0, ids, 0)
    out = g[safe]
    if ids.size and bool((ids < 0).any()):
        out = out * (ids >= 0).reshape(ids.shape + (1,) * (g.ndim - 1)).astype(g.dtype)
    return out


# ---------------------------------------------------------------------------
# Gradients (Tessera ops on Tensors)
# ---------------------------------------------------------------------------
def _gather(g, ids):
    return _seg_gather(g, ids)


def _valid(ids, like):
    """1 where the id is kept (non-negative), 0 where dropped, shaped to broadcast on `like`."""
    a = ids._a
    v = (a >= 0).astype(like._a.dtype).reshape(a.shape + (1,) * (like._a.ndim - a.ndim))
    return _wrap(v)


def _sum_grad(g, out, data, ids, num_segments=0):
    return _gather(g, ids), None


def _mean_grad(g, out, data, ids, num_segments=0):
    c = _counts(ids._a, num_segments)
    c = xp_of(c).maximum(c, 1).astype(g._a.dtype).reshape((-1,) + (1,) * (g._a.ndim - 1))
    return _gather(_m.divide(g, _wrap(c)), ids), None


def _extreme_grad(g, out, data, ids, num_segments=0, sorted_=False):
    # The gradient goes to the selected elements, split evenly between ties (as TF).
    valid = _valid(ids, data)
    ind = _m.multiply(_cr.cast(_m.equal(data, _gather(out, ids)), data.dtype), valid)
    num = _usum(ind, ids, num_segments=num_segments)
    denom = _m.add(_gather(num, ids), _m.subtract(1.0, valid))
    return _m.multiply(_m.divide(ind, denom), _gather(g, ids)), None


def _prod_grad(g, out, data, ids, num_segments=0):
    # Exact with zeros: product of the other members of the segment.
    zero = _m.equal(data, _cr.zeros_like(data))
    nz = _usum(_cr.cast(zero, data.dtype), ids, num_segments=num_segments)
    safe = _arr.where(zero, _cr.ones_like(data), data)
    prod_nz = _uprod(safe, ids, num_segments=num_segments)
    one_zero = _cr.cast(_m.equal(nz, _cr.ones_like(nz)), data.dtype)
    at_zero = _gather(_m.multiply(prod_nz, one_zero), ids)
    elsewhere = _m.divide(_gather(out, ids), safe)
    return _m.multiply(_gather(g, ids), _arr.where(zero, at_zero, elsewhere)), None


def _prim(name, fwd, grad):
    p = Primitive(name)
    p._fwd, p._grad = fwd, grad
    return p


_usum = _prim("UnsortedSegmentSum", _sum_fwd, _sum_grad)
_ssum = _prim("SegmentSum", _sum_fwd, _sum_grad)
_uprod = _prim("UnsortedSegmentProd", _prod_fwd, _prod_grad)
_sprod = _prim("SegmentProd", _prod_fwd, _prod_grad)
_umax = _prim("UnsortedSegmentMax", _max_fwd, _extreme_grad)
_smax = _prim("SegmentMax", _max_fwd, _extreme_grad)
_umin = _prim("UnsortedSegmentMin", _min_fwd, _extreme_grad)
_smin = _prim("SegmentMin", _min_fwd, _extreme_grad)
_smean = _prim("SegmentMean", _mean_fwd, _mean_grad)
_seg_gather = _prim("SegmentGather", _gather_fwd,
                    lambda gg, out, g, ids: (_usum(gg, ids, num_segments=g._a.shape[0]), None))


# ---------------------------------------------------------------------------
# Argument checks and the public functions
# ---------------------------------------------------------------------------
_NUMERIC = "iufV"


def _check_data(data, opname, kinds=_NUMERIC):
    x = t(data)
    if x._a.dtype.kind not in kinds:
        what = "a floating-point" if kinds == "fV" else "a real numeric"
        raise _err(opname, f"{opname} expects {what} data tensor, got {x.dtype.name} "
                           f"(shape {tuple(x._a.shape)}). Cast it first: ts.cast(data, ts.float32).")
    return x


def _check_ids(ids, opname):
    return check_int(opname, ids, "segment_ids")


def _sorted_args(data, segment_ids, opname):
    x = _check_data(data, opname)
    s = _check_ids(segment_ids, opname)
    a = _xp.to_numpy(s._a)
    if a.ndim != 1 or x._a.ndim == 0 or a.shape[0] != x._a.shape[0]:
        raise _err(opname, f"{opname}: segment_ids must be a 1-D tensor with one id per row of "
                           f"data: got segment_ids shape {tuple(a.shape)} for data shape "
                           f"{tuple(x._a.shape)}.")
    if a.size and a.min() < 0:
        raise _err(opname, f"{opname}: segment_ids must be non-negative, got {int(a.min())}. "
                           "Use the unsorted_segment_* ops to drop rows with negative ids.")
    if a.size > 1 and not (a[1:] >= a[:-1]).all():
        raise _err(opname, f"{opname}: segment_ids are not increasing: {a.tolist()[:20]}. "
                           "Sort them, or use the unsorted_segment_* ops.")
    n = int(a[-1]) + 1 if a.size else 0
    return x, s, n


def _unsorted_args(data, segment_ids, num_segments, opname, kinds=_NUMERIC):
    x = _check_data(data, opname, kinds)
    s = _check_ids(segment_ids, opname)
    if isinstance(num_segments, Tensor):
        num_segments = _xp.to_numpy(num_segments._a)
    try:
        n = int(num_segments)
    except (TypeError, ValueError):
        raise _err(opname, f"{opname}: num_segments must be a scalar int, "
                           f"got {num_segments!r}.") from None
    if n < 0:
        raise _err(opname, f"{opname}: num_segments must be >= 0, got {n}.")
    ds, ss = tuple(x._a.shape), tuple(s._a.shape)
    if ds[:len(ss)] != ss:
        raise _err(opname, f"{opname}: segment_ids shape {ss} must be a prefix of data shape "
                           f"{ds}.")
    a = _xp.to_numpy(s._a)
    if a.size and a.max() >= n:
        raise _err(opname, f"{opname}: segment id {int(a.max())} is out of range for "
                           f"num_segments={n}; ids must be < num_segments (negative ids are "
                           "dropped).")
    return x, s, n


def segment_sum(data, segment_ids, name=None):
    """Sums the rows of `data` that share a (sorted) segment id, as `tf.math.segment_sum`.

    Args:
        data: a numeric tensor.
        segment_ids: 1-D int tensor, one non-decreasing id per row of `data`.

    Returns:
        Shape `[max(segment_ids) + 1] + data.shape[1:]`; empty segments are 0.

    Example:
    >>> ts.math.segment_sum(ts.constant([1, 2, 3, 4]), ts.constant([0, 0, 2, 2])).numpy()
    array([3, 0, 7], dtype=int32)
    """
    x, s, n = _sorted_args(data, segment_ids, "SegmentSum")
    return _ssum(x, s, num_segments=n)


def segment_mean(data, segment_ids, name=None):
    """Mean of the rows of `data` sharing a (sorted) segment id, as `tf.math.segment_mean`.

    Integer data stays integer (division truncates). Empty segments are 0.

    Example:
    >>> ts.math.segment_mean(ts.constant([1., 2., 4.]), ts.constant([0, 0, 1])).numpy()
    array([1.5, 4. ], dtype=float32)
    """
    x, s, n = _sorted_args(data, segment_ids, "SegmentMean")
    return _smean(x, s, num_segments=n)


def segment_max(data, segment_ids, name=None):
    """Maximum of the rows sharing a (sorted) segment id, as `tf.math.segment_max`.

    Empty segments are 0; the gradient is split evenly between ties.
    """
    x, s, n = _sorted_args(data, segment_ids, "SegmentMax")
    return _smax(x, s, num_segments=n, sorted_=True)


def segment_min(data, segment_ids, name=None):
    """Minimum of the rows sharing a (sorted) segment id, as `tf.math.segment_min`.

    Empty segments are 0; the gradient is split evenly between ties.
    """
    x, s, n = _sorted_args(data, segment_ids, "SegmentMin")
    return _smin(x, s, num_segments=n, sorted_=True)


def segment_prod(data, segment_ids, name=None):
    """Product of the rows sharing a (sorted) segment id, as `tf.math.segment_prod`.

    Empty segments are 1.
    """
    x, s, n = _sorted_args(data, segment_ids, "SegmentProd")
    return _sprod(x, s, num_segments=n)


def unsorted_segment_sum(data, segment_ids, num_segments, name=None):
    """Sums rows of `data` by segment id, in any order, as `tf.math.unsorted_segment_sum`.

    Args:
        data: a numeric tensor.
        segment_ids: int tensor whose shape is a prefix of `data.shape`; rows
            with a negative id are dropped; ids must be < `num_segments`.
        num_segments: number of output rows.

    Returns:
        Shape `[num_segments] + data.shape[segment_ids.ndim:]`; empty segments are 0.

    Example:
    >>> ts.math.unsorted_segment_sum(ts.constant([1, 2, 3]), ts.constant([1, 0, 1]), 2).numpy()
    array([2, 4], dtype=int32)
    """
    x, s, n = _unsorted_args(data, segment_ids, num_segments, "UnsortedSegmentSum")
    return _usum(x, s, num_segments=n)


def unsorted_segment_prod(data, segment_ids, num_segments, name=None):
    """Product of rows by segment id, as `tf.math.unsorted_segment_prod` (empty segments: 1)."""
    x, s, n = _unsorted_args(data, segment_ids, num_segments, "UnsortedSegmentProd")
    return _uprod(x, s, num_segments=n)


def unsorted_segment_max(data, segment_ids, num_segments, name=None):
    """Maximum of rows by segment id, as `tf.math.unsorted_segment_max`.

    Empty segments hold the lowest finite value of the dtype (TF's
    `numeric_limits<T>::lowest()`); the gradient is split evenly between ties.

    Example:
    >>> c = ts.constant([[1, 2, 3, 4], [5, 6, 7, 8], [4, 3, 2, 1]])
    >>> ts.math.unsorted_segment_max(c, ts.constant([0, 1, 0]), num_segments=2).numpy()
    array([[4, 3, 3, 4],
           [5, 6, 7, 8]], dtype=int32)
    """
    x, s, n = _unsorted_args(data, segment_ids, num_segments, "UnsortedSegmentMax")
    return _umax(x, s, num_segments=n, sorted_=False)


def unsorted_segment_min(data, segment_ids, num_segments, name=None):
    """Minimum of rows by segment id, as `tf.math.unsorted_segment_min`.

    Empty segments hold the largest finite value of the dtype.
    """
    x, s, n = _unsorted_args(data, segment_ids, num_segments, "UnsortedSegmentMin")
    return _umin(x, s, num_segments=n, sorted_=False)


def _segment_n(s, n, like, opname):
    c = _counts(s._a, n)
    c = xp_of(c).maximum(c, 1).reshape((-1,) + (1,) * (like._a.ndim - s._a.ndim))
    return c


def unsorted_segment_mean(data, segment_ids, num_segments, name=None):
    """Mean of rows by segment id, as `tf.math.unsorted_segment_mean` (empty segments: 0).

    As in TensorFlow, the sum is divided with true division, so integer data
    gives a float result (int32 -> float64).
    """
    x, s, n = _unsorted_args(data, segment_ids, num_segments, "UnsortedSegmentMean")
    summed = _usum(x, s, num_segments=n)
    c = _segment_n(s, n, x, "UnsortedSegmentMean")
    return _m.divide(summed, _wrap(c.astype(x._a.dtype)))


def unsorted_segment_sqrt_n(data, segment_ids, num_segments, name=None):
    """Sum of rows by segment id divided by sqrt(count), as `tf.math.unsorted_segment_sqrt_n`."""
    x, s, n = _unsorted_args(data, segment_ids, num_segments, "UnsortedSegmentSqrtN", "fV")
    summed = _usum(x, s, num_segments=n)
    c = _segment_n(s, n, x, "UnsortedSegmentSqrtN")
    return _m.divide(summed, _wrap(xp_of(c).sqrt(c.astype(x._a.dtype))))


# ---------------------------------------------------------------------------
# bincount
# ---------------------------------------------------------------------------
def _bincount_fwd(arr, weights, size=0, dtype=None, binary=False, per_row=False,
                  weighted=False):
    xp = xp_of(arr)
    col = arr.astype(np.int64)
    rows = col.shape[0] if per_row else 1
    flat = col + (xp.arange(rows, dtype=np.int64) * size)[:, None] if per_row else col
    keep = col.reshape(-1) < size  # values >= maxlength are skipped
    flat = flat.reshape(-1)[keep]
    total = rows * size
    if binary:
        out = xp.zeros(total, dtype=dtype)
        out[flat] = 1
    elif weighted:
        w = weights.reshape(-1)[keep].astype(np.float64)
        out = xp.bincount(flat, weights=w, minlength=total)[:total].astype(dtype)
    else:
        out = xp.bincount(flat, minlength=total)[:total].astype(dtype)
    return out.reshape(rows, size) if per_row else out


_bincount = Primitive("DenseBincount", differentiable=False)
_bincount._fwd = _bincount_fwd


def bincount(arr, weights=None, minlength=None, maxlength=None, dtype="int32", name=None,
             axis=None, binary_output=False):
    """Counts the occurrences of each value in an integer tensor, as `tf.math.bincount`.

    Args:
        arr: a tensor of non-negative ints.
        weights: if given, same shape as `arr`: each value adds its weight
            instead of 1, and the output takes the weights' dtype.
        minlength: the output has at least this many bins (padded with zeros).
        maxlength: the output has at most this many bins; larger values are skipped.
        dtype: output dtype when `weights` is None (default int32).
        axis: None or 0 counts over all elements; -1 counts each row of a
            rank-2 `arr` separately (output `[rows, bins]`).
        binary_output: output 1 for bins that occur instead of counts.

    Returns:
        Bins `[0, max(arr) + 1)`, clipped to `[minlength, maxlength]`.

    Example:
    >>> ts.math.bincount(ts.constant([1, 1, 2, 3, 2, 4, 4, 5])).numpy()
    array([0, 2, 2, 1, 2, 1], dtype=int32)
    """
    op = "DenseBincount"
    x = t(arr)
    if x._a.dtype.kind not in "iu":
        raise _err(op, f"bincount: arr must be an integer tensor, got {x.dtype.name}. "
                       "Cast it: ts.cast(arr, ts.int32).")
    if axis not in (None, 0, -1):
        raise _err(op, f"bincount: axis must be None, 0 or -1, got {axis!r}.")
    per_row = axis == -1 and x._a.ndim > 1
    if per_row and x._a.ndim != 2:
        raise _err(op, f"bincount: axis=-1 needs a rank-2 arr, got shape {tuple(x._a.shape)}.")
    a = _xp.to_numpy(x._a)
    if a.size and a.min() < 0:
        raise _err(op, f"bincount: arr must be non-negative, got the value {int(a.min())}.")
    if weights is not None and binary_output:
        raise _err(op, "bincount: weights and binary_output are mutually exclusive; "
                       "pass only one of them.")
    size = int(a.max()) + 1 if a.size else 0
    if minlength is not None:
        size = max(size, int(minlength))
    if maxlength is not None:
        if int(maxlength) < 0:
            raise _err(op, f"bincount: maxlength must be >= 0, got {maxlength}.")
        size = min(size, int(maxlength))
    if weights is not None:
        w = t(weights)
        if w._a.dtype.kind not in "iufV":
            raise _err(op, f"bincount: weights must be numeric, got {w.dtype.name}.")
        if tuple(w._a.shape) != tuple(x._a.shape):
            raise _err(op, f"bincount: weights shape {tuple(w._a.shape)} must equal arr shape "
                           f"{tuple(x._a.shape)}.")
        out_dt = w._a.dtype
    else:
        w = _wrap(xp_of(x._a).zeros((0,), dtype=np.float32))
        out_dt = _dt.np_dtype(dtype)
    return _bincount(x, w, size=size, dtype=out_dt, binary=bool(binary_output),
                     per_row=per_row, weighted=weights is not None)


_MATH = ["segment_sum", "segment_mean", "segment_max", "segment_min", "segment_prod",
         "unsorted_segment_sum", "unsorted_segment_mean", "unsorted_segment_max",
         "unsorted_segment_min", "unsorted_segment_prod", "unsorted_segment_sqrt_n", "bincount"]
__api__ = {"math": _MATH}

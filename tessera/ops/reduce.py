"""Reductions, scans and sorting: reduce_sum/mean/max/..., argmax, cumsum, top_k, sort.

Every reduction takes `axis` (int, list, tuple, negative, 1-D tensor or None
for all axes) and `keepdims`, as in TensorFlow. Gradients are written with
Tessera ops, so they are themselves differentiable. Segment reductions live in
`ops/segment.py`.
"""
import collections

import numpy as np

from ..backend import dtypes as _dt
from ..core import errors as _errors
from . import array as _arr
from . import creation as _cr
from . import math as _m
from ._common import FLOAT, NUMERIC, Primitive, Tensor, _wrap, norm_axis, t, xp_of

REAL = "iufV"          # real numbers: what max/min/sort/argmax accept
_INT_TO_FLOAT = {1: np.float32, 2: np.float32, 4: np.float64, 8: np.float64}


def _err(op, msg):
    return _errors.InvalidArgumentError(None, op, msg)


_PUBLIC = {}  # TF op name -> public function name, for messages


def _keep_shape(shape, axes):
    """The shape a reduction with keepdims=True has (for broadcasting gradients back)."""
    return tuple(1 if i in axes else d for i, d in enumerate(shape))


def _axes(x, axis, opname):
    """Validated reduction axes (tuple of non-negative ints) or None for all."""
    if axis is None:
        return None
    opname = _PUBLIC.get(opname, opname)
    nd = x._a.ndim
    if isinstance(axis, Tensor):
        if axis._a.dtype.kind not in "iu":
            raise _err(opname, f"{opname}: axis must be an integer tensor, got {axis.dtype.name}.")
    else:
        items = axis if isinstance(axis, (list, tuple)) else [axis]
        for a in items:
            if isinstance(a, (bool, np.bool_)) or not isinstance(a, (int, np.integer)):
                raise _err(opname, f"{opname}: axis must be an int or a list of ints, got "
                                   f"{axis!r}.")
    ax = norm_axis(axis, nd, opname)
    if nd == 0 and ax:
        raise _err(opname, f"{opname}: axis {axis!r} is out of range for a scalar (rank 0); "
                           "use axis=None.")
    if len(set(ax)) != len(ax):
        raise _err(opname, f"{opname}: axis {list(axis) if not isinstance(axis, Tensor) else ax} "
                           "contains a duplicate dimension.")
    return ax


def _check_kind(x, kinds, opname, what):
    if x._a.dtype.kind not in kinds:
        opname = _PUBLIC.get(opname, opname)
        fix = "ts.cast(x, ts.bool)" if kinds == "b" else "ts.cast(x, ts.float32)"
        raise _err(opname, f"{opname} expects {what} tensor, got {x.dtype.name} "
                           f"(shape {tuple(x._a.shape)}). Cast it first: {fix}.")


def _count(shape, axis):
    n = 1
    for i in (range(len(shape)) if axis is None else axis):
        n *= shape[i]
    return n


def _kept(g, shape, axis, keepdims):
    """`g` (a reduction result) reshaped to keep the reduced axes with length 1."""
    if keepdims:
        return g
    return _arr.reshape(g, _keep_shape(shape, tuple(range(len(shape))) if axis is None else axis))


def _back(g, x, axis, keepdims):
    """The reduction gradient `g` broadcast back to the shape of `x`."""
    shape = tuple(x._a.shape)
    return _cr.broadcast_to(_kept(g, shape, axis, keepdims), shape)


def _reduction(name, fwd, grad, kinds, what, public, differentiable=True):
    prim = Primitive(name, differentiable=differentiable)
    _PUBLIC[name] = public
    prim._fwd = fwd
    prim._grad = grad

    def op(input_tensor, axis=None, keepdims=False, name=None):
        x = t(input_tensor)
        if x._a.dtype.kind not in kinds:
            _check_kind(x, kinds, prim.name, what)
        return prim(x, axis=_axes(x, axis, prim.name), keepdims=bool(keepdims))

    return op, prim


# ---------------------------------------------------------------------------
# Sum, mean, prod
# ---------------------------------------------------------------------------
def _sum_fwd(a, axis=None, keepdims=False):
    if a.dtype == np.bool_:
        a = a.astype(np.int32)
    return xp_of(a).sum(a, axis=axis, keepdims=keepdims, dtype=a.dtype)


def _sum_grad(g, out, x, axis=None, keepdims=False):
    return _back(g, x, axis, keepdims)


_sum = Primitive("Sum")
_sum._fwd = _sum_fwd
_sum._grad = _sum_grad
_PUBLIC["Sum"] = "reduce_sum"


def reduce_sum(input_tensor, axis=None, keepdims=False, name=None):
    """Sum of elements across `axis` (all axes when None), as `tf.reduce_sum`.

    Args:
        input_tensor: the tensor to reduce.
        axis: an int, a list of ints, or None for all axes.
        keepdims: keep reduced axes with length 1.

    Example:
    >>> ts.reduce_sum(ts.constant([[1, 2], [3, 4]]), axis=0).numpy()
    array([4, 6], dtype=int32)
    """
    x = t(input_tensor)
    return _sum(x, axis=_axes(x, axis, "Sum"), keepdims=bool(keepdims))


def _mean_fwd(a, axis=None, keepdims=False):
    xp = xp_of(a)
    if a.dtype.kind in "fcV":
        if a.size == 0:  # NaN for an empty mean (0 / 0), quietly, as TensorFlow
            with np.errstate(invalid="ignore", divide="ignore"):
                s = xp.sum(a, axis=axis, keepdims=keepdims, dtype=a.dtype)
                return (s / a.dtype.type(_count(a.shape, axis))).astype(a.dtype, copy=False)
        return xp.mean(a, axis=axis, keepdims=keepdims).astype(a.dtype, copy=False)
    # TensorFlow keeps integer means integer: the sum divided with truncation toward zero.
    s = xp.sum(a, axis=axis, keepdims=keepdims, dtype=a.dtype)
    n = _count(a.shape, axis)
    if n == 0:
        return xp.zeros_like(s)
    q = s // n
    if a.dtype.kind == "i":
        q = q + ((s % n != 0) & (s < 0)).astype(a.dtype)
    return q.astype(a.dtype, copy=False)


def _mean_grad(g, out, x, axis=None, keepdims=False):
    n = _count(x._a.shape, axis)
    return _m.multiply(_back(g, x, axis, keepdims), 1.0 / max(n, 1))


reduce_mean, _mean = _reduction("Mean", _mean_fwd, _mean_grad, NUMERIC, "a numeric",
                                "reduce_mean")
reduce_mean.__doc__ = """Mean of elements across `axis`, as `tf.reduce_mean`.

    Integer tensors keep their dtype: the mean is the sum divided with
    truncation toward zero, as in TensorFlow (`reduce_mean([1, 2]) == 1`).

    Args:
        input_tensor: a numeric tensor.
        axis: an int, a list of ints, or None for all axes.
        keepdims: keep reduced axes with length 1.

    Example:
    >>> ts.reduce_mean(ts.constant([[1., 2.], [3., 4.]]), axis=1).numpy()
    array([1.5, 3.5], dtype=float32)
    """


def _prod_fwd(a, axis=None, keepdims=False):
    return xp_of(a).prod(a, axis=axis, keepdims=keepdims, dtype=a.dtype)


def _prod_grad(g, out, x, axis=None, keepdims=False):
    # d prod / d x_i = product of the others; exact with zeros (none, one or several).
    shape = tuple(x._a.shape)
    zero = _m.equal(x, _cr.zeros_like(x))
    nzeros = reduce_sum(_cr.cast(zero, x.dtype), axis, keepdims=True)
    safe = _arr.where(zero, _cr.ones_like(x), x)
    prod_nz = reduce_prod(safe, axis, keepdims=True)
    one_zero = _cr.cast(_m.equal(nzeros, _cr.ones_like(nzeros)), x.dtype)
    at_zero = _cr.broadcast_to(_m.multiply(prod_nz, one_zero), shape)
    elsewhere = _m.divide(_cr.broadcast_to(_kept(out, shape, axis, keepdims), shape), safe)
    return _m.multiply(_back(g, x, axis, keepdims), _arr.where(zero, at_zero, elsewhere))


reduce_prod, _prod = _reduction("Prod", _prod_fwd, _prod_grad, NUMERIC, "a numeric",
                                "reduce_prod")
reduce_prod.__doc__ = """Product of elements across `axis`, as `tf.reduce_prod`.

    Example:
    >>> ts.reduce_prod(ts.constant([[1., 2.], [3., 4.]]), axis=0).numpy()
    array([3., 8.], dtype=float32)
    """


# ---------------------------------------------------------------------------
# Max, min (gradient shared evenly between ties, as TensorFlow does)
# ---------------------------------------------------------------------------
def _lowest(dt):
    return -np.inf if dt.kind in "fV" else np.iinfo(dt).min


def _highest(dt):
    return np.inf if dt.kind in "fV" else np.iinfo(dt).max


def _extreme_fwd(fn, empty):
    def fwd(a, axis=None, keepdims=False):
        xp = xp_of(a)
        if a.size == 0:  # TensorFlow: the reduction's identity (-inf / lowest for max)
            return getattr(xp, fn)(a, axis=axis, keepdims=keepdims, initial=empty(a.dtype))
        return getattr(xp, fn)(a, axis=axis, keepdims=keepdims)
    return fwd


def _extreme_grad(g, out, x, axis=None, keepdims=False):
    shape = tuple(x._a.shape)
    y = _kept(out, shape, axis, keepdims)
    ind = _cr.cast(_m.equal(x, _cr.broadcast_to(y, shape)), x.dtype)
    num = reduce_sum(ind, axis, keepdims=True)
    return _m.multiply(_m.divide(ind, num), _back(g, x, axis, keepdims))


reduce_max, _max = _reduction("Max", _extreme_fwd("max", _lowest), _extreme_grad, REAL,
                              "a real-valued", "reduce_max")
reduce_max.__doc__ = """Maximum of elements across `axis`, as `tf.reduce_max`.

    The gradient goes to the maximal elements, split evenly between ties (as in
    TensorFlow). An empty reduction gives -inf (the lowest value for integers).

    Example:
    >>> ts.reduce_max(ts.constant([[1., 5.], [3., 4.]]), axis=1).numpy()
    array([5., 4.], dtype=float32)
    """
reduce_min, _min = _reduction("Min", _extreme_fwd("min", _highest), _extreme_grad, REAL,
                              "a real-valued", "reduce_min")
reduce_min.__doc__ = """Minimum of elements across `axis`, as `tf.reduce_min`.

    The gradient goes to the minimal elements, split evenly between ties.

    Example:
    >>> ts.reduce_min(ts.constant([[1., 5.], [3., 4.]]), axis=1).numpy()
    array([1., 3.], dtype=float32)
    """


# ---------------------------------------------------------------------------
# Logical reductions
# ---------------------------------------------------------------------------
reduce_any, _ = _reduction("Any", lambda a, axis=None, keepdims=False: xp_of(a).any(
    a, axis=axis, keepdims=keepdims), None, "b", "a bool", "reduce_any", differentiable=False)
reduce_any.__doc__ = """Logical "or" of a bool tensor across `axis`, as `tf.reduce_any`.

    Example:
    >>> ts.reduce_any(ts.constant([[True, False], [False, False]]), axis=1).numpy()
    array([ True, False])
    """
reduce_all, _ = _reduction("All", lambda a, axis=None, keepdims=False: xp_of(a).all(
    a, axis=axis, keepdims=keepdims), None, "b", "a bool", "reduce_all", differentiable=False)
reduce_all.__doc__ = """Logical "and" of a bool tensor across `axis`, as `tf.reduce_all`.

    Example:
    >>> ts.reduce_all(ts.constant([[True, False], [True, True]]), axis=1).numpy()
    array([False,  True])
    """


# ---------------------------------------------------------------------------
# logsumexp, variance, std, euclidean norm
# ---------------------------------------------------------------------------
def _lse_fwd(a, axis=None, keepdims=False):
    xp = xp_of(a)
    if a.size == 0:
        m = xp.max(a, axis=axis, keepdims=True, initial=-np.inf)
    else:
        m = xp.max(a, axis=axis, keepdims=True)
    m = xp.where(xp.isfinite(m), m, xp.zeros_like(m))
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        s = xp.sum(xp.exp(a - m), axis=axis, keepdims=True)
        out = xp.log(s) + m
    if not keepdims:
        out = xp.squeeze(out, axis=axis) if axis is not None else out.reshape(())
    return out.astype(a.dtype, copy=False)


def _lse_grad(g, out, x, axis=None, keepdims=False):
    # softmax(x) = exp(x - m) / sum(exp(x - m)) for any constant m; m = the finite max keeps
    # it accurate (exp(x - out) loses digits when out is large).
    xa = x._a
    xp = xp_of(xa)
    m = xp.max(xa, axis=axis, keepdims=True) if xa.size else xp.zeros(
        _keep_shape(xa.shape, axis if axis is not None else tuple(range(xa.ndim))), xa.dtype)
    m = _wrap(xp.where(xp.isfinite(m), m, xp.zeros_like(m)))
    e = _m.exp(_m.subtract(x, m))
    soft = _m.divide(e, reduce_sum(e, axis, keepdims=True))
    return _m.multiply(_back(g, x, axis, keepdims), soft)


reduce_logsumexp, _lse = _reduction("ReduceLogSumExp", _lse_fwd, _lse_grad, "fV",
                                    "a floating-point", "reduce_logsumexp")
reduce_logsumexp.__doc__ = """`log(sum(exp(x)))` across `axis`, computed stably, as `tf.reduce_logsumexp`.

    The maximum is subtracted before exponentiating, so large inputs do not
    overflow: `reduce_logsumexp([1000., 1000.]) == 1000 + log(2)`.

    Example:
    >>> float(ts.reduce_logsumexp(ts.constant([0., 0.])))  # log(2)
    0.6931...
    """


def _var_fwd(a, axis=None, keepdims=False):
    xp = xp_of(a)
    if a.size == 0:
        return _mean_fwd(a, axis, keepdims)  # NaN, quietly
    return xp.var(a, axis=axis, keepdims=keepdims).astype(a.dtype, copy=False)


def _var_grad(g, out, x, axis=None, keepdims=False):
    n = _count(x._a.shape, axis)
    mean = reduce_mean(x, axis, keepdims=True)
    return _m.multiply(_back(g, x, axis, keepdims),
                       _m.multiply(_m.subtract(x, mean), 2.0 / max(n, 1)))


_var_op, _var = _reduction("ReduceVariance", _var_fwd, _var_grad, "fV", "a floating-point",
                               "reduce_variance")


def reduce_variance(input_tensor, axis=None, keepdims=False, name=None):
    """Population variance (divides by N) across `axis`, as `tf.math.reduce_variance`.

    Args:
        input_tensor: a floating-point tensor.
        axis: an int, a list of ints, or None for all axes.
        keepdims: keep reduced axes with length 1.

    Example:
    >>> float(ts.math.reduce_variance(ts.constant([1., 2., 3., 4.])))
    1.25
    """
    return _var_call(input_tensor, axis, keepdims, "reduce_variance")


def _var_call(input_tensor, axis, keepdims, public):
    x = t(input_tensor)
    _check_kind(x, "fV", public, "a floating-point")
    return _var(x, axis=_axes(x, axis, public), keepdims=bool(keepdims))


def reduce_std(input_tensor, axis=None, keepdims=False, name=None):
    """Population standard deviation across `axis`, as `tf.math.reduce_std`.

    Example:
    >>> float(ts.math.reduce_std(ts.constant([1., 3.])))
    1.0
    """
    return _m.sqrt(_var_call(input_tensor, axis, keepdims, "reduce_std"))


def _enorm_fwd(a, axis=None, keepdims=False):
    xp = xp_of(a)
    if a.dtype.kind in "iu":  # TensorFlow: integer sqrt of the integer sum of squares
        s = xp.sum(a * a, axis=axis, keepdims=keepdims, dtype=a.dtype)
        return xp.sqrt(s.astype(np.float64)).astype(a.dtype)
    if a.dtype.kind == "c":
        return xp.sqrt(xp.sum((a * a.conj()).real, axis=axis, keepdims=keepdims)).astype(a.dtype)
    return xp.sqrt(xp.sum(a * a, axis=axis, keepdims=keepdims))


def _enorm_grad(g, out, x, axis=None, keepdims=False):
    shape = tuple(x._a.shape)
    y = _cr.broadcast_to(_kept(out, shape, axis, keepdims), shape)
    zero = _m.equal(y, _cr.zeros_like(y))
    safe = _arr.where(zero, _cr.ones_like(y), y)
    return _m.multiply(_back(g, x, axis, keepdims),
                       _arr.where(zero, _cr.zeros_like(x), _m.divide(x, safe)))


reduce_euclidean_norm, _enorm = _reduction("EuclideanNorm", _enorm_fwd, _enorm_grad, NUMERIC,
                                           "a numeric", "reduce_euclidean_norm")
reduce_euclidean_norm.__doc__ = """`sqrt(sum(x ** 2))` across `axis`, as `tf.math.reduce_euclidean_norm`.

    Integer tensors give an integer result (the square root truncated), as in
    TensorFlow. The gradient at a zero norm is taken as 0.

    Example:
    >>> float(ts.math.reduce_euclidean_norm(ts.constant([3., 4.])))
    5.0
    """


def _count_nonzero_fwd(a, axis=None, keepdims=False, dtype=None):
    return xp_of(a).sum(a != 0, axis=axis, keepdims=keepdims, dtype=dtype)


_count_nz = Primitive("CountNonzero", differentiable=False)
_count_nz._fwd = _count_nonzero_fwd
_PUBLIC["CountNonzero"] = "count_nonzero"


def count_nonzero(input, axis=None, keepdims=None, dtype="int64", name=None):
    """Number of non-zero elements across `axis`, as `tf.math.count_nonzero`.

    Args:
        input: a numeric or bool tensor.
        axis: an int, a list of ints, or None for all axes.
        keepdims: keep reduced axes with length 1 (None means False).
        dtype: the integer output dtype (default int64).

    Example:
    >>> ts.math.count_nonzero(ts.constant([[0, 1], [2, 3]]), axis=1).numpy()
    array([1, 2])
    """
    x = t(input)
    npd = _dt.np_dtype(dtype)
    if np.dtype(npd).kind not in "iu":
        raise _err("CountNonzero", f"count_nonzero: dtype must be an integer type, got {dtype}.")
    _check_kind(x, "biufcV", "CountNonzero", "a numeric or bool")
    return _count_nz(x, axis=_axes(x, axis, "CountNonzero"), keepdims=bool(keepdims), dtype=npd)


# ---------------------------------------------------------------------------
# argmax / argmin
# ---------------------------------------------------------------------------
_INDEX_TYPES = ("int16", "uint16", "int32", "int64")


def _arg_fn(name, fn):
    prim = Primitive(name, differentiable=False)
    prim._fwd = lambda a, axis=0, output_type=None: getattr(xp_of(a), fn)(
        a, axis=axis).astype(output_type)

    def op(input, axis=None, output_type="int64", name=None):
        x = t(input)
        _check_kind(x, REAL + "b", name_, "a real-valued")
        odt = _dt.as_dtype(output_type)
        if odt.name not in _INDEX_TYPES:
            raise _err(name_, f"{name_}: output_type must be one of {', '.join(_INDEX_TYPES)}, "
                              f"got {odt.name}.")
        if axis is None:
            axis = 0
        if isinstance(axis, Tensor):
            axis = int(np.asarray(axis._a))
        nd = x._a.ndim
        if nd == 0:
            raise _err(name_, f"{name_}: input must have rank >= 1, got a scalar.")
        ax = _axes(x, axis, name_)
        if len(ax) != 1:
            raise _err(name_, f"{name_}: axis must be a single int, got {axis!r}.")
        if x._a.shape[ax[0]] == 0:
            raise _err(name_, f"{name_}: reduction axis {axis} is empty in shape "
                              f"{tuple(x._a.shape)}.")
        return prim(x, axis=ax[0], output_type=odt.np)

    name_ = name
    return op


argmax = _arg_fn("ArgMax", "argmax")
argmax.__doc__ = """Index of the largest value along `axis`, as `tf.math.argmax`.

    Ties resolve to the smallest index. `axis=None` means axis 0 (TensorFlow 2).

    Args:
        input: a real-valued tensor of rank >= 1.
        axis: the axis to reduce (default 0).
        output_type: int32 or int64 (default).

    Example:
    >>> ts.argmax(ts.constant([[1, 9], [5, 2]]), axis=1).numpy()
    array([1, 0])
    """
argmin = _arg_fn("ArgMin", "argmin")
argmin.__doc__ = """Index of the smallest value along `axis`, as `tf.math.argmin`.

    Example:
    >>> ts.argmin(ts.constant([[1, 9], [5, 2]]), axis=1).numpy()
    array([0, 1])
    """


# ---------------------------------------------------------------------------
# Scans: cumsum, cumprod, cumulative_logsumexp
# ---------------------------------------------------------------------------
def _scan(a, axis, exclusive, reverse, accumulate, identity):
    xp = xp_of(a)
    if reverse:
        a = xp.flip(a, axis)
    out = accumulate(a)
    if exclusive and a.shape[axis] > 0:
        pad_shape = list(a.shape)
        pad_shape[axis] = 1
        keep = [slice(None)] * a.ndim
        keep[axis] = slice(0, -1)
        out = xp.concatenate([xp.full(pad_shape, identity, dtype=out.dtype), out[tuple(keep)]],
                             axis=axis)
    if reverse:
        out = xp.flip(out, axis)
    return out


def _cumsum_fwd(a, axis=0, exclusive=False, reverse=False):
    return _scan(a, axis, exclusive, reverse,
                 lambda v: xp_of(v).cumsum(v, axis=axis, dtype=v.dtype), 0)


def _cumprod_fwd(a, axis=0, exclusive=False, reverse=False):
    return _scan(a, axis, exclusive, reverse,
                 lambda v: xp_of(v).cumprod(v, axis=axis, dtype=v.dtype), 1)


def _cumlse_fwd(a, axis=0, exclusive=False, reverse=False):
    with np.errstate(invalid="ignore"):
        return _scan(a, axis, exclusive, reverse,
                     lambda v: xp_of(v).logaddexp.accumulate(v, axis=axis), -np.inf)


def _cumsum_grad(g, out, x, axis=0, exclusive=False, reverse=False):
    return _cumsum(g, axis=axis, exclusive=exclusive, reverse=not reverse)


def _cumprod_grad(g, out, x, axis=0, exclusive=False, reverse=False):
    # Away from zeros: d/dx_k = (reverse cumsum of g * out)_k / x_k. With zeros, only the
    # first zero along the scan gets a gradient: the scan of g times the cumprod taken with
    # that zero replaced by 1.
    kw = dict(axis=axis, exclusive=exclusive)
    zero = _cr.cast(_m.equal(x, _cr.zeros_like(x)), x.dtype)
    before = _cumsum(zero, axis=axis, exclusive=True, reverse=reverse)
    first = _m.multiply(zero, _cr.cast(_m.equal(before, _cr.zeros_like(before)), x.dtype))
    safe = _m.add(x, zero)  # zeros replaced by 1
    a = _m.divide(_cumsum(_m.multiply(g, out), reverse=not reverse, **kw), safe)
    prod1 = _cumprod(_m.add(x, first), reverse=reverse, **kw)
    b = _cumsum(_m.multiply(g, prod1), reverse=not reverse, **kw)
    return _m.add(_m.multiply(a, _m.subtract(1.0, zero)), _m.multiply(b, first))


def _cumlse_grad(g, out, x, axis=0, exclusive=False, reverse=False):
    # d out_j / d x_k = exp(x_k - out_j); the sum over j is a reverse log-space scan of the
    # positive and negative parts of g (TensorFlow's formulation). A very negative finite
    # stand-in for log(0) keeps the second derivative finite.
    lo = float(np.finfo(x._a.dtype).min) / 4
    kw = dict(axis=axis, exclusive=exclusive, reverse=not reverse)
    zeros = _cr.zeros_like(g)
    ones = _cr.ones_like(g)
    floor = _m.add(zeros, lo)
    pos = _m.greater(g, zeros)
    neg = _m.less(g, zeros)
    log_pos = _arr.where(pos, _m.log(_arr.where(pos, g, ones)), floor)
    log_neg = _arr.where(neg, _m.log(_arr.where(neg, _m.negative(g), ones)), floor)
    safe_out = _m.maximum(out, floor)
    out_pos = _cumlse(_m.subtract(log_pos, safe_out), **kw)
    out_neg = _cumlse(_m.subtract(log_neg, safe_out), **kw)
    return _m.subtract(_m.exp(_m.add(out_pos, x)), _m.exp(_m.add(out_neg, x)))


_cumsum = Primitive("Cumsum")
_cumsum._fwd, _cumsum._grad = _cumsum_fwd, _cumsum_grad
_cumprod = Primitive("Cumprod")
_cumprod._fwd, _cumprod._grad = _cumprod_fwd, _cumprod_grad
_cumlse = Primitive("CumulativeLogsumexp")
_cumlse._fwd, _cumlse._grad = _cumlse_fwd, _cumlse_grad
_PUBLIC.update(Cumsum="cumsum", Cumprod="cumprod", CumulativeLogsumexp="cumulative_logsumexp",
               ArgMax="argmax", ArgMin="argmin", TopKV2="top_k")


def _scan_op(prim, x, axis, exclusive, reverse, kinds, what):
    x = t(x)
    _check_kind(x, kinds, prim.name, what)
    if x._a.ndim == 0:
        raise _err(prim.name, f"{prim.name}: input must have rank >= 1, got a scalar.")
    if isinstance(axis, Tensor):
        axis = int(np.asarray(axis._a))
    ax = _axes(x, axis, prim.name)
    if ax is None or len(ax) != 1:
        raise _err(prim.name, f"{prim.name}: axis must be a single int, got {axis!r}.")
    return prim(x, axis=ax[0], exclusive=bool(exclusive), reverse=bool(reverse))


def cumsum(x, axis=0, exclusive=False, reverse=False, name=None):
    """Cumulative sum along `axis`, as `tf.math.cumsum`.

    Args:
        x: a numeric tensor.
        axis: the axis to scan (default 0).
        exclusive: output `[0, a, a + b]` instead of `[a, a + b, a + b + c]`.
        reverse: scan from the end: `[a + b + c, b + c, c]`.

    Example:
    >>> ts.cumsum(ts.constant([1, 2, 3]), exclusive=True).numpy()
    array([0, 1, 3], dtype=int32)
    """
    return _scan_op(_cumsum, x, axis, exclusive, reverse, NUMERIC, "a numeric")


def cumprod(x, axis=0, exclusive=False, reverse=False, name=None):
    """Cumulative product along `axis`, as `tf.math.cumprod`.

    `exclusive` and `reverse` work as in `cumsum` (exclusive starts with 1).
    The gradient is exact also where `x` has zeros.

    Example:
    >>> ts.math.cumprod(ts.constant([1, 2, 3]), reverse=True).numpy()
    array([6, 6, 3], dtype=int32)
    """
    return _scan_op(_cumprod, x, axis, exclusive, reverse, NUMERIC, "a numeric")


def cumulative_logsumexp(x, axis=0, exclusive=False, reverse=False, name=None):
    """Cumulative `log(sum(exp(x)))` along `axis`, computed stably, as `tf.math.cumulative_logsumexp`.

    Exclusive scans start with -inf (the log of an empty sum).

    Example:
    >>> ts.math.cumulative_logsumexp(ts.constant([0., 0.])).numpy()  # [0, log 2]
    array([0.       , 0.6931472], dtype=float32)
    """
    return _scan_op(_cumlse, x, axis, exclusive, reverse, "fV", "a floating-point")


# ---------------------------------------------------------------------------
# Sorting: sort, argsort, top_k
# ---------------------------------------------------------------------------
def _flat_index(idx, n):
    """Flat positions into a `[..., n]` array of last-axis indices `idx` (shape `[..., k]`)."""
    xp = xp_of(idx)
    rows = int(np.prod(idx.shape[:-1], dtype=np.int64))
    k = idx.shape[-1]
    base = (xp.arange(rows, dtype=np.int64) * n).reshape(rows, 1)
    return (idx.reshape(rows, k).astype(np.int64) + base).reshape(-1)


def _take_fwd(a, idx, axis=-1):
    xp = xp_of(a)
    a = xp.moveaxis(a, axis, -1)
    idx = xp.moveaxis(idx, axis, -1)
    out = a.reshape(-1)[_flat_index(idx, a.shape[-1])].reshape(idx.shape)
    return xp.moveaxis(out, -1, axis)


def _put_fwd(g, idx, axis=-1, n=0):
    xp = xp_of(g)
    g = xp.moveaxis(g, axis, -1)
    idx = xp.moveaxis(idx, axis, -1)
    out = xp.zeros(idx.shape[:-1] + (n,), dtype=g.dtype)
    out.reshape(-1)[_flat_index(idx, n)] = g.reshape(-1)
    return xp.moveaxis(out, -1, axis)


# Gather/scatter along one axis with indices distinct within each slice (a selection of a
# permutation): each is the other's gradient.
_take_along = Primitive("TakeAlongAxis")
_take_along._fwd = _take_fwd
_take_along._grad = lambda g, out, a, idx, axis=-1: (
    _put_along(g, idx, axis=axis, n=a._a.shape[axis]), None)
_put_along = Primitive("PutAlongAxis")
_put_along._fwd = _put_fwd
_put_along._grad = lambda gg, out, g, idx, axis=-1, n=0: (_take_along(gg, idx, axis=axis), None)


def _argsort_arr(a, axis, descending):
    """Stable argsort; descending keeps equal elements in their original order, as TF."""
    xp = xp_of(a)
    if not descending:
        return xp.argsort(a, axis=axis, kind="stable")
    n = a.shape[axis]
    rev = xp.argsort(xp.flip(a, axis), axis=axis, kind="stable")
    return xp.flip(n - 1 - rev, axis)


def _sort_args(values, axis, direction, opname):
    x = t(values)
    _check_kind(x, REAL, opname, "a real-valued")
    if x._a.ndim == 0:
        raise _err(opname, f"{opname}: values must have rank >= 1, got a scalar.")
    if not isinstance(direction, str) or direction.upper() not in ("ASCENDING", "DESCENDING"):
        raise _err(opname, f"{opname}: direction must be 'ASCENDING' or 'DESCENDING', "
                           f"got {direction!r}.")
    if isinstance(axis, Tensor):
        axis = int(np.asarray(axis._a))
    ax = _axes(x, axis, opname)
    if ax is None or len(ax) != 1:
        raise _err(opname, f"{opname}: axis must be a single int, got {axis!r}.")
    return x, ax[0], direction.upper() == "DESCENDING"


def argsort(values, axis=-1, direction="ASCENDING", stable=False, name=None):
    """Indices that sort `values` along `axis`, as `tf.argsort` (int32).

    The sort is always stable: equal elements keep their original order, in
    both directions.

    Example:
    >>> ts.argsort(ts.constant([3., 1., 2.])).numpy()
    array([1, 2, 0], dtype=int32)
    """
    x, ax, desc = _sort_args(values, axis, direction, "argsort")
    return _wrap(_argsort_arr(x._a, ax, desc).astype(np.int32))


def sort(values, axis=-1, direction="ASCENDING", name=None):
    """Sorts `values` along `axis`, as `tf.sort`.

    Args:
        values: a real-valued tensor of rank >= 1.
        axis: the axis to sort (default -1).
        direction: 'ASCENDING' or 'DESCENDING'.

    Example:
    >>> ts.sort(ts.constant([3., 1., 2.]), direction="DESCENDING").numpy()
    array([3., 2., 1.], dtype=float32)
    """
    x, ax, desc = _sort_args(values, axis, direction, "sort")
    idx = _wrap(_argsort_arr(x._a, ax, desc))
    return _take_along(x, idx, axis=ax)


TopKV2 = collections.namedtuple("TopKV2", ["values", "indices"])


def top_k(input, k=1, sorted=True, index_type="int32", name=None):
    """The `k` largest entries along the last axis and their indices, as `tf.math.top_k`.

    Equal values resolve to the lower index first. The gradient of `values`
    flows back to the input positions the values came from.

    Args:
        input: a real-valued tensor of rank >= 1 whose last axis has >= k entries.
        k: number of entries to keep.
        sorted: results in descending order (always the case here).
        index_type: dtype of `indices` (default int32).

    Returns:
        A namedtuple `(values, indices)`, both of shape `input.shape[:-1] + [k]`.

    Example:
    >>> ts.math.top_k(ts.constant([1, 5, 3, 5]), k=2).indices.numpy()
    array([1, 3], dtype=int32)
    """
    x = t(input)
    _check_kind(x, REAL, "TopKV2", "a real-valued")
    if isinstance(k, Tensor):
        k = int(np.asarray(k._a))
    if isinstance(k, (bool, np.bool_)) or not isinstance(k, (int, np.integer)):
        raise _err("TopKV2", f"top_k: k must be an int, got {k!r}.")
    if x._a.ndim == 0:
        raise _err("TopKV2", "top_k: input must have rank >= 1, got a scalar.")
    n = x._a.shape[-1]
    if not 0 <= k <= n:
        raise _err("TopKV2", f"top_k: k={k} must be between 0 and the size of the last axis "
                             f"({n}) of input shape {tuple(x._a.shape)}.")
    odt = _dt.as_dtype(index_type)
    if odt.name not in _INDEX_TYPES:
        raise _err("TopKV2", f"top_k: index_type must be one of {', '.join(_INDEX_TYPES)}, "
                             f"got {odt.name}.")
    idx = _argsort_arr(x._a, -1, True)[..., :int(k)]
    values = _take_along(x, _wrap(idx), axis=-1)
    return TopKV2(values, _wrap(idx.astype(odt.np)))


_TS = ["reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_prod", "reduce_any",
       "reduce_all", "reduce_logsumexp", "argmax", "argmin", "cumsum", "sort", "argsort"]
__api__ = {
    "ts": _TS,
    "math": [n for n in _TS if n not in ("sort", "argsort")] + [
        "reduce_std", "reduce_variance", "reduce_euclidean_norm", "count_nonzero", "cumprod",
        "cumulative_logsumexp", "top_k"],
    "nn": ["top_k"],
}

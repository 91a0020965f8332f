"""`keras.ops` NumPy-style operations, part 1: elementwise math, comparisons, reductions.

Each function takes tensors, arrays, lists or scalars, follows Keras 3's
argument names and dtype rules, and is written with Tessera ops so gradients
flow. Called on KerasTensors it records a node instead (see `operation.py`).
Shape manipulation, creation and indexing ops are in `numpy_array.py`.
"""
import builtins
import math as _math

import numpy as np

import tessera as ts

from ...core.tensor import Tensor
from .. import config as _config
from .operation import alias, float_tensor, keras_op, promote, standardize_dtype, tensor

__all__ = []


def _export(fn):
    __all__.append(fn.__name__)
    return fn


def _axes(axis):
    if axis is None:
        return None
    if isinstance(axis, (list, tuple)):
        return [int(a) for a in axis]
    return int(axis)


# -- unary elementwise --------------------------------------------------------------------------
def _unary(name, fn, doc, to_float=True):
    def op(x):
        return fn(float_tensor(x) if to_float else tensor(x))
    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    op.__module__ = __name__
    public = keras_op("numpy")(op)
    globals()[name] = public
    __all__.append(name)
    return public


def _int_keep(fn):
    """For ops that keep integer dtypes (bools become int32)."""
    def f(x):
        if x._a.dtype.kind == "b":
            x = ts.cast(x, "int32")
        return fn(x)
    return f


def _log_base(b):
    return lambda x: ts.math.log(x) / ts.cast(_math.log(b), x.dtype)


def _ceil(x):
    return ts.math.ceil(x)


_UNARY = [
    ("arccos", ts.math.acos, "Trigonometric inverse cosine, elementwise."),
    ("arcsin", ts.math.asin, "Inverse sine, elementwise."),
    ("arctan", ts.math.atan, "Trigonometric inverse tangent, elementwise."),
    ("arccosh", ts.math.acosh, "Inverse hyperbolic cosine, elementwise."),
    ("arcsinh", ts.math.asinh, "Inverse hyperbolic sine, elementwise."),
    ("arctanh", ts.math.atanh, "Inverse hyperbolic tangent, elementwise."),
    ("cos", ts.math.cos, "Cosine, elementwise."),
    ("cosh", ts.math.cosh, "Hyperbolic cosine, elementwise."),
    ("sin", ts.math.sin, "Sine, elementwise."),
    ("sinh", ts.math.sinh, "Hyperbolic sine, elementwise."),
    ("tan", ts.math.tan, "Tangent, elementwise."),
    ("tanh", ts.math.tanh, "Hyperbolic tangent, elementwise."),
    ("exp", ts.math.exp, "The exponential `e**x`, elementwise."),
    ("expm1", ts.math.expm1, "`exp(x) - 1`, elementwise, accurate for small `x`."),
    ("log", ts.math.log, "Natural logarithm, elementwise."),
    ("log1p", ts.math.log1p, "`log(1 + x)`, elementwise, accurate for small `x`."),
    ("log2", _log_base(2.0), "Base-2 logarithm, elementwise."),
    ("log10", _log_base(10.0), "Base-10 logarithm, elementwise."),
    ("sqrt", ts.math.sqrt, "Non-negative square root, elementwise."),
    ("reciprocal", ts.math.reciprocal, "`1 / x`, elementwise."),
    ("ceil", _ceil, "The ceiling of each element (integers become floatx)."),
    ("floor", ts.math.floor, "The floor of each element (integers become floatx)."),
]
for _n, _f, _d in _UNARY:
    _unary(_n, _f, _d)

_KEEP = [
    ("negative", ts.math.negative, "Numerical negative, elementwise."),
    ("absolute", ts.math.abs, "Absolute value, elementwise (`keras.ops.abs` is the same)."),
    ("square", ts.math.square, "`x * x`, elementwise."),
    ("sign", ts.math.sign, "-1, 0 or 1 by the sign of each element."),
]
for _n, _f, _d in _KEEP:
    _unary(_n, _int_keep(_f), _d, to_float=False)
abs = alias(absolute, "abs")  # noqa: F821  (made by _unary above)
__all__.append("abs")
for _n, _f, _d in [("conj", ts.math.conj, "The complex conjugate, elementwise."),
                   ("real", ts.math.real, "The real part of each element."),
                   ("imag", ts.math.imag, "The imaginary part of each element.")]:
    _unary(_n, _f, _d, to_float=False)


@_export
@keras_op("numpy")
def isfinite(x):
    """True where `x` is neither infinite nor NaN."""
    x = tensor(x)
    if x._a.dtype.kind not in "fcV":
        return ts.ones_like(x, dtype="bool")
    return ts.math.is_finite(x)


@_export
@keras_op("numpy")
def isinf(x):
    """True where `x` is positive or negative infinity."""
    x = tensor(x)
    if x._a.dtype.kind not in "fcV":
        return ts.zeros_like(x, dtype="bool")
    return ts.math.is_inf(x)


@_export
@keras_op("numpy")
def isnan(x):
    """True where `x` is NaN."""
    x = tensor(x)
    if x._a.dtype.kind not in "fcV":
        return ts.zeros_like(x, dtype="bool")
    return ts.math.is_nan(x)


@_export
@keras_op("numpy")
def round(x, decimals=0):
    """Rounds to `decimals` decimals, halves to even (as NumPy)."""
    x = tensor(x)
    if x._a.dtype.kind in "iub":
        if decimals >= 0:
            return x
        f = 10 ** (-decimals)
        return ts.cast(ts.math.round(ts.cast(x, "float64") / f) * f, x.dtype)
    if decimals == 0:
        return ts.math.round(x)
    f = ts.cast(10.0 ** decimals, x.dtype)
    return ts.math.round(x * f) / f


@_export
@keras_op("numpy")
def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    """Replaces NaN with `nan` and infinities with `posinf` / `neginf` (default: dtype extremes)."""
    x = tensor(x)
    if x._a.dtype.kind not in "fV":
        return x
    info = np.finfo(np.float32 if x._a.dtype.kind == "V" else x._a.dtype)
    posinf = info.max if posinf is None else posinf
    neginf = info.min if neginf is None else neginf
    c = lambda v: ts.cast(v, x.dtype)  # noqa: E731
    x = ts.where(ts.math.is_nan(x), c(ts.fill(ts.shape(x), nan)), x)
    x = ts.where(x == c(np.inf), c(ts.fill(ts.shape(x), posinf)), x)
    return ts.where(x == c(-np.inf), c(ts.fill(ts.shape(x), neginf)), x)


# -- binary elementwise -------------------------------------------------------------------------
def _binary(name, fn, doc, to_float=False, out_bool=False):
    def op(x1, x2):
        if type(x1) is Tensor and type(x2) is Tensor and x1._a.dtype == x2._a.dtype:
            a, b = x1, x2  # the common case, kept cheap
        else:
            a, b = promote(x1, x2)
        if to_float and a._a.dtype.kind not in "fcV":
            a, b = ts.cast(a, _config.floatx()), ts.cast(b, _config.floatx())
        return fn(a, b)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    op.__module__ = __name__
    public = keras_op("numpy", tensors=("x1", "x2"))(op)
    globals()[name] = public
    __all__.append(name)
    return public


def _bool_ok(fn):
    def f(a, b):
        if a._a.dtype.kind == "b":
            return ts.cast(fn(ts.cast(a, "int32"), ts.cast(b, "int32")), "bool")
        return fn(a, b)
    return f


def _logaddexp(a, b):
    m = ts.maximum(a, b)
    with np.errstate(invalid="ignore"):  # -inf - -inf: handled below
        d = -ts.abs(a - b)
    d = ts.where(ts.math.is_nan(d), ts.zeros_like(d), d)
    return m + ts.math.log1p(ts.exp(d))


def _power(a, b):
    return ts.pow(a, b)


_BINARY = [
    ("add", _bool_ok(ts.add), "`x1 + x2`, elementwise with broadcasting.", False, False),
    ("subtract", ts.subtract, "`x1 - x2`, elementwise with broadcasting.", False, False),
    ("multiply", _bool_ok(ts.multiply), "`x1 * x2`, elementwise with broadcasting.", False,
     False),
    ("divide", ts.math.truediv, "`x1 / x2` (true division: integers give floatx).", True, False),
    ("true_divide", ts.math.truediv, "Same as `divide`.", True, False),
    ("floor_divide", ts.math.floordiv, "The largest integer `<= x1 / x2`, elementwise.", False,
     False),
    ("mod", ts.math.floormod, "The remainder of floor division (sign of `x2`), elementwise.",
     False, False),
    ("power", _power, "`x1 ** x2`, elementwise.", False, False),
    ("maximum", ts.maximum, "The elementwise maximum.", False, False),
    ("minimum", ts.minimum, "The elementwise minimum.", False, False),
    ("arctan2", ts.math.atan2, "`arctan(x1 / x2)` choosing the quadrant, elementwise.", True,
     False),
    ("logaddexp", _logaddexp, "`log(exp(x1) + exp(x2))`, computed stably.", True, False),
    ("equal", ts.equal, "`x1 == x2`, elementwise.", False, True),
    ("not_equal", ts.not_equal, "`x1 != x2`, elementwise.", False, True),
    ("greater", ts.greater, "`x1 > x2`, elementwise.", False, True),
    ("greater_equal", ts.greater_equal, "`x1 >= x2`, elementwise.", False, True),
    ("less", ts.less, "`x1 < x2`, elementwise.", False, True),
    ("less_equal", ts.less_equal, "`x1 <= x2`, elementwise.", False, True),
]
for _n, _f, _d, _fl, _b in _BINARY:
    _binary(_n, _f, _d, _fl, _b)


def _logical(name, fn, doc):
    def op(x1, x2):
        return fn(ts.cast(tensor(x1), "bool"), ts.cast(tensor(x2), "bool"))
    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    op.__module__ = __name__
    globals()[name] = keras_op("numpy", tensors=("x1", "x2"))(op)
    __all__.append(name)


_logical("logical_and", ts.logical_and, "Elementwise logical AND (inputs are cast to bool).")
_logical("logical_or", ts.logical_or, "Elementwise logical OR (inputs are cast to bool).")
_logical("logical_xor", ts.logical_xor, "Elementwise logical XOR (inputs are cast to bool).")


@_export
@keras_op("numpy")
def logical_not(x):
    """Elementwise logical NOT (the input is cast to bool)."""
    return ts.logical_not(ts.cast(tensor(x), "bool"))


@_export
@keras_op("numpy", tensors=("x1", "x2"))
def isclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    """True where `|x1 - x2| <= atol + rtol * |x2|`, elementwise."""
    a, b = promote(x1, x2)
    a, b = np.asarray(a), np.asarray(b)
    return ts.convert_to_tensor(np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan))


@_export
@keras_op("numpy")
def clip(x, x_min, x_max):
    """Limits the values of `x` to `[x_min, x_max]` (bools become int32)."""
    x = tensor(x)
    if x._a.dtype.kind == "b":
        x = ts.cast(x, "int32")
    lo = ts.cast(tensor(x_min), x.dtype)
    hi = ts.cast(tensor(x_max), x.dtype)
    return ts.minimum(ts.maximum(x, lo), hi)


# -- products -----------------------------------------------------------------------------------
@_export
@keras_op("numpy", tensors=("x1", "x2"))
def matmul(x1, x2):
    """Matrix product of two tensors (batched, with NumPy's 1-D rules)."""
    a, b = promote(x1, x2)
    if a._a.dtype.kind == "b":
        a, b = ts.cast(a, "int32"), ts.cast(b, "int32")
    squeeze = []
    if a.shape.rank == 1:
        a = ts.expand_dims(a, 0)
        squeeze.append(-2)
    if b.shape.rank == 1:
        b = ts.expand_dims(b, -1)
        squeeze.append(-1)
    if a.shape.rank > 2 or b.shape.rank > 2:
        ra, rb = a.shape.rank, b.shape.rank
        batch = np.broadcast_shapes(tuple(a.shape)[:-2], tuple(b.shape)[:-2])
        if tuple(a.shape)[:-2] != batch:
            a = ts.broadcast_to(a, batch + tuple(a.shape)[-2:])
        if tuple(b.shape)[:-2] != batch:
            b = ts.broadcast_to(b, batch + tuple(b.shape)[-2:])
        del ra, rb
    out = ts.matmul(a, b)
    if squeeze:
        out = ts.squeeze(out, axis=squeeze if len(squeeze) == 1 else [-2, -1])
    return out


@_export
@keras_op("numpy", tensors=("x1", "x2"))
def dot(x1, x2):
    """NumPy's `dot`: scalars multiply, 1-D/2-D take matrix products, N-D contract the last
    axis of `x1` with the second-to-last of `x2`."""
    a, b = promote(x1, x2)
    if a.shape.rank == 0 or b.shape.rank == 0:
        return a * b
    if b.shape.rank == 1:
        return ts.tensordot(a, b, axes=[[a.shape.rank - 1], [0]])
    return ts.tensordot(a, b, axes=[[a.shape.rank - 1], [b.shape.rank - 2]])


@_export
@keras_op("numpy", tensors=("x1", "x2"))
def tensordot(x1, x2, axes=2):
    """Sum of products over `axes` (an int, or two lists of axes)."""
    a, b = promote(x1, x2)
    return ts.tensordot(a, b, axes=axes)


@_export
@keras_op("numpy", tensors=("x1", "x2"))
def vdot(x1, x2):
    """The dot product of the two tensors flattened (conjugating `x1`)."""
    a, b = promote(x1, x2)
    a = ts.reshape(a, [-1])
    if a._a.dtype.kind == "c":
        a = ts.math.conj(a)
    return ts.reduce_sum(a * ts.reshape(b, [-1]))


@_export
@keras_op("numpy", tensors=("x1", "x2"))
def outer(x1, x2):
    """The outer product of the two tensors flattened."""
    a, b = promote(x1, x2)
    return ts.reshape(a, [-1, 1]) * ts.reshape(b, [1, -1])


@_export
@keras_op("numpy", tensors=("x1", "x2"))
def cross(x1, x2, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """The cross product of 3-vectors (2-vectors are padded with a zero z)."""
    a, b = promote(x1, x2)
    if axis is not None:
        axisa = axisb = axisc = axis
    a = _moveaxis(a, axisa, -1)
    b = _moveaxis(b, axisb, -1)
    two = tuple(a.shape)[-1] == 2 and tuple(b.shape)[-1] == 2
    if tuple(a.shape)[-1] == 2:
        a = ts.pad(a, [[0, 0]] * (a.shape.rank - 1) + [[0, 1]])
    if tuple(b.shape)[-1] == 2:
        b = ts.pad(b, [[0, 0]] * (b.shape.rank - 1) + [[0, 1]])
    shape = np.broadcast_shapes(tuple(a.shape), tuple(b.shape))
    a, b = ts.broadcast_to(a, shape), ts.broadcast_to(b, shape)
    out = ts.linalg.cross(a, b)
    if two:
        return out[..., 2]
    return _moveaxis(out, -1, axisc)


def _moveaxis(x, source, destination):
    n = x.shape.rank
    s, d = source % n, destination % n
    if s == d:
        return x
    perm = [i for i in builtins.range(n) if i != s]
    perm.insert(d, s)
    return ts.transpose(x, perm)


@_export
@keras_op("numpy", tensors=("operands",))
def einsum(subscripts, *operands, **kwargs):
    """Einstein summation over `operands` as described by `subscripts`."""
    ops = promote(*operands) if len(operands) > 1 else [tensor(operands[0])]
    return ts.einsum(subscripts, *ops)


# -- reductions ---------------------------------------------------------------------------------
def _sum_dtype(x):
    k = x.dtype.name
    if k in ("bool", "int8", "int16"):
        return ts.cast(x, "int32")
    if k in ("uint8", "uint16"):
        return ts.cast(x, "uint32")
    return x


@_export
@keras_op("numpy")
def sum(x, axis=None, keepdims=False):
    """Sum of elements over `axis` (all axes by default)."""
    return ts.reduce_sum(_sum_dtype(tensor(x)), axis=_axes(axis), keepdims=keepdims)


@_export
@keras_op("numpy")
def prod(x, axis=None, keepdims=False, dtype=None):
    """Product of elements over `axis`."""
    x = tensor(x)
    x = _sum_dtype(x) if dtype is None else ts.cast(x, standardize_dtype(dtype))
    return ts.reduce_prod(x, axis=_axes(axis), keepdims=keepdims)


@_export
@keras_op("numpy")
def mean(x, axis=None, keepdims=False):
    """Arithmetic mean over `axis` (integers give floatx)."""
    return ts.reduce_mean(float_tensor(x), axis=_axes(axis), keepdims=keepdims)


@_export
@keras_op("numpy")
def var(x, axis=None, keepdims=False):
    """Variance over `axis` (population variance, `ddof=0`)."""
    return ts.math.reduce_variance(float_tensor(x), axis=_axes(axis), keepdims=keepdims)


@_export
@keras_op("numpy")
def std(x, axis=None, keepdims=False):
    """Standard deviation over `axis` (`ddof=0`)."""
    return ts.math.reduce_std(float_tensor(x), axis=_axes(axis), keepdims=keepdims)


def _extreme(fn, x, axis, keepdims, initial, pick):
    x = tensor(x)
    out = fn(x, axis=_axes(axis), keepdims=keepdims)
    if initial is not None:
        out = pick(out, ts.cast(initial, out.dtype))
    return out


@_export
@keras_op("numpy")
def max(x, axis=None, keepdims=False, initial=None):
    """Maximum over `axis`; `initial` is a lower bound for the result."""
    return _extreme(ts.reduce_max, x, axis, keepdims, initial, ts.maximum)


@_export
@keras_op("numpy")
def min(x, axis=None, keepdims=False, initial=None):
    """Minimum over `axis`; `initial` is an upper bound for the result."""
    return _extreme(ts.reduce_min, x, axis, keepdims, initial, ts.minimum)


@_export
@keras_op("numpy")
def all(x, axis=None, keepdims=False):
    """True if every element over `axis` is truthy."""
    return ts.reduce_all(ts.cast(tensor(x), "bool"), axis=_axes(axis), keepdims=keepdims)


@_export
@keras_op("numpy")
def any(x, axis=None, keepdims=False):
    """True if some element over `axis` is truthy."""
    return ts.reduce_any(ts.cast(tensor(x), "bool"), axis=_axes(axis), keepdims=keepdims)


@_export
@keras_op("numpy")
def count_nonzero(x, axis=None):
    """The number of non-zero elements over `axis`, as int32."""
    x = tensor(x)
    return ts.cast(ts.reduce_sum(ts.cast(ts.not_equal(x, ts.zeros_like(x)), "int32"),
                                 axis=_axes(axis)), "int32")


@_export
@keras_op("numpy", tensors=("x", "weights"))
def average(x, axis=None, weights=None):
    """The (weighted) average over `axis`; 1-D `weights` apply along a single `axis`."""
    x = float_tensor(x)
    if weights is None:
        return ts.reduce_mean(x, axis=_axes(axis))
    x, w = promote(x, float_tensor(weights))
    if w.shape.rank == 1 and x.shape.rank > 1:
        if axis is None or isinstance(axis, (list, tuple)):
            raise ValueError("keras.ops.average: 1-D `weights` need a single int `axis`; got "
                             f"axis={axis!r} for x of shape {tuple(x.shape)}.")
        shape = [1] * x.shape.rank
        shape[int(axis)] = -1
        w = ts.reshape(w, shape)
    ax = _axes(axis)
    return ts.reduce_sum(x * w, axis=ax) / ts.reduce_sum(w * ts.ones_like(x), axis=ax)


@_export
@keras_op("numpy")
def argmax(x, axis=None, keepdims=False):
    """Indices (int32) of the maxima over `axis` (of the flattened tensor when None)."""
    return _arg(ts.argmax, x, axis, keepdims)


@_export
@keras_op("numpy")
def argmin(x, axis=None, keepdims=False):
    """Indices (int32) of the minima over `axis` (of the flattened tensor when None)."""
    return _arg(ts.argmin, x, axis, keepdims)


def _arg(fn, x, axis, keepdims):
    x = tensor(x)
    if x._a.dtype.kind == "b":
        x = ts.cast(x, "int32")
    if axis is None:
        out = fn(ts.reshape(x, [-1]), axis=0, output_type="int32")
        if keepdims:
            out = ts.reshape(out, [1] * x.shape.rank)
        return out
    out = fn(x, axis=int(axis), output_type="int32")
    return ts.expand_dims(out, int(axis)) if keepdims else out


@_export
@keras_op("numpy")
def cumsum(x, axis=None, dtype=None):
    """Cumulative sum along `axis` (of the flattened tensor when None)."""
    return _cum(ts.math.cumsum, x, axis, dtype)


@_export
@keras_op("numpy")
def cumprod(x, axis=None, dtype=None):
    """Cumulative product along `axis` (of the flattened tensor when None)."""
    return _cum(ts.math.cumprod, x, axis, dtype)


def _cum(fn, x, axis, dtype):
    x = tensor(x)
    x = _sum_dtype(x) if dtype is None else ts.cast(x, standardize_dtype(dtype))
    if axis is None:
        x, axis = ts.reshape(x, [-1]), 0
    return fn(x, axis=int(axis))


@_export
@keras_op("numpy")
def median(x, axis=None, keepdims=False):
    """The median over `axis` (all axes by default)."""
    return quantile(x, 0.5, axis=axis, keepdims=keepdims)


@_export
@keras_op("numpy", tensors=("x", "q"))
def quantile(x, q, axis=None, method="linear", keepdims=False):
    """The `q`-th quantile(s) over `axis`; `q` in [0, 1], scalar or 1-D (prepended axis).

    `method` is one of "linear", "lower", "higher", "midpoint", "nearest".
    """
    if method not in ("linear", "lower", "higher", "midpoint", "nearest"):
        raise ValueError(f"keras.ops.quantile: unknown method {method!r}; use 'linear', "
                         "'lower', 'higher', 'midpoint' or 'nearest'.")
    x = float_tensor(x)
    nd = x.shape.rank
    ax = list(builtins.range(nd)) if axis is None else \
        [a % nd for a in (axis if isinstance(axis, (list, tuple)) else [axis])]
    keep = [i for i in builtins.range(nd) if i not in ax]
    xt = ts.transpose(x, keep + ax) if keep + ax != list(builtins.range(nd)) else x
    kept_shape = [tuple(x.shape)[i] for i in keep]
    xt = ts.reshape(xt, kept_shape + [-1])
    n = tuple(xt.shape)[-1]
    s = ts.sort(xt, axis=-1)
    qa = np.asarray(q, dtype=np.float64)
    pos = qa * (n - 1)
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, n - 1)
    frac = pos - lo
    if method == "lower":
        hi, frac = lo, frac * 0
    elif method == "higher":
        lo = hi = np.ceil(pos).astype(np.int64)
        frac = frac * 0
    elif method == "nearest":
        lo = hi = np.round(pos).astype(np.int64)
        frac = frac * 0
    elif method == "midpoint":
        hi = np.ceil(pos).astype(np.int64)
        frac = np.where(hi > lo, 0.5, 0.0)
    flat_lo, flat_hi = lo.reshape(-1), hi.reshape(-1)
    a = ts.gather(s, flat_lo, axis=s.shape.rank - 1)
    b = ts.gather(s, flat_hi, axis=s.shape.rank - 1)
    f = ts.cast(frac.reshape(-1), s.dtype)
    out = a + (b - a) * f  # [..., len(q)]
    out = ts.transpose(out, [out.shape.rank - 1] + list(builtins.range(out.shape.rank - 1)))
    if keepdims:
        full = [1 if i in ax else d for i, d in enumerate(tuple(x.shape))]
        out = ts.reshape(out, [-1] + full)
    if qa.ndim == 0:
        out = ts.reshape(out, tuple(out.shape)[1:])
    return out


@_export
@keras_op("numpy")
def ndim(x):
    """The number of dimensions of `x`."""
    return tensor(x).shape.rank


@_export
@keras_op("numpy")
def size(x):
    """The number of elements of `x`."""
    return int(np.prod(tuple(tensor(x).shape), dtype=np.int64))


# `keras.ops.numpy` also holds the shape, creation and indexing ops (kept in their own file).
from . import numpy_array as _numpy_array  # noqa: E402
from .numpy_array import *  # noqa: E402,F401,F403

__all__ += _numpy_array.__all__

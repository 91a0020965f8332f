"""Elementwise math: arithmetic, comparisons, logic and unary functions (`ts.math`).

Binary ops broadcast like NumPy; the tape sums a gradient back to an input's
shape (`_autodiff_support.unbroadcast`), so gradients here are written for
equal shapes.
"""
import numpy as np

from ..core import errors as _errors
from ..core.tensor import overload
from ._common import (FLOAT, NUMERIC, REAL_FLOAT, Primitive, Tensor, _wrap, binary, check_float,
                      coerce_pair, record, t, unary, xp_of, TAPES)

# ---------------------------------------------------------------------------
# Binary arithmetic (the eager hot path: built by `binary`)
# ---------------------------------------------------------------------------
_add = Primitive("AddV2")
_add._fwd = np.add
_add._grad = lambda g, out, x, y: (g, g)
add = binary(_add, np.add)

_sub = Primitive("Sub")
_sub._fwd = np.subtract
_sub._grad = lambda g, out, x, y: (g, negative(g))
subtract = binary(_sub, np.subtract)

_mul = Primitive("Mul")
_mul._fwd = np.multiply
_mul._grad = lambda g, out, x, y: (multiply(g, _cj(y)), multiply(g, _cj(x)))
multiply = binary(_mul, np.multiply)

# TensorFlow's true division turns integers into floats: int8/16 -> float32, else float64.
_INT_TO_FLOAT = {1: np.float32, 2: np.float32, 4: np.float64, 8: np.float64}


def _truediv_fwd(x, y):
    if x.dtype.kind in "iub":
        ft = _INT_TO_FLOAT[x.dtype.itemsize]
        return np.true_divide(x, y, dtype=ft)
    return np.true_divide(x, y)


_div = Primitive("RealDiv")
_div._fwd = _truediv_fwd
_div._grad = lambda g, out, x, y: (divide(g, _cj(y)), negative(multiply(g, _cj(divide(out, y)))))
divide = binary(_div, _truediv_fwd)
truediv = divide


def _floordiv_fwd(x, y):
    return np.floor_divide(x, y)


_floordiv = Primitive("FloorDiv", differentiable=False)
_floordiv._fwd = _floordiv_fwd
floordiv = binary(_floordiv, _floordiv_fwd)

_floormod = Primitive("FloorMod")
_floormod._fwd = np.mod
_floormod._grad = lambda g, out, x, y: (g, negative(multiply(g, floor(divide(x, y))))) \
    if x._a.dtype.kind in "fV" else (None, None)
floormod = binary(_floormod, np.mod)
mod = floormod
truncatemod = binary(Primitive("TruncateMod", differentiable=False), np.fmod)


def _pow_grad(g, out, x, y):
    if x._a.dtype.kind not in FLOAT:
        return None, None
    gx = multiply(g, _cj(multiply(y, pow(x, subtract(y, 1)))))
    if x._a.dtype.kind == "c":
        return gx, multiply(g, _cj(multiply(out, log(x))))
    pos = greater(x, 0)
    safe_log = where_(pos, log(where_(pos, x, ones_like_(x))), zeros_like_(x))
    return gx, multiply(g, multiply(out, safe_log))


_pow = Primitive("Pow")
_pow._fwd = np.power
_pow._grad = _pow_grad
pow = binary(_pow, np.power)

_maximum = Primitive("Maximum")
_maximum._fwd = np.maximum
_maximum._grad = lambda g, out, x, y: _minmax_grad(g, greater_equal(x, y))
maximum = binary(_maximum, np.maximum)

_minimum = Primitive("Minimum")
_minimum._fwd = np.minimum
_minimum._grad = lambda g, out, x, y: _minmax_grad(g, less_equal(x, y))
minimum = binary(_minimum, np.minimum)


def _minmax_grad(g, mask):
    z = zeros_like_(g)
    return where_(mask, g, z), where_(mask, z, g)


def _sqdiff_fwd(x, y):
    d = np.subtract(x, y)
    return np.multiply(d, d, out=d) if isinstance(d, np.ndarray) else d * d


_sqdiff = Primitive("SquaredDifference")
_sqdiff._fwd = _sqdiff_fwd
_sqdiff._grad = lambda g, out, x, y: (lambda d: (d, negative(d)))(multiply(g, multiply(subtract(x, y), 2)))
squared_difference = binary(_sqdiff, _sqdiff_fwd)

# ---------------------------------------------------------------------------
# Comparisons and logic (no gradient)
# ---------------------------------------------------------------------------


def _nondiff_binary(name, fn):
    return binary(Primitive(name, differentiable=False), fn)


equal = _nondiff_binary("Equal", np.equal)
not_equal = _nondiff_binary("NotEqual", np.not_equal)
less = _nondiff_binary("Less", np.less)
less_equal = _nondiff_binary("LessEqual", np.less_equal)
greater = _nondiff_binary("Greater", np.greater)
greater_equal = _nondiff_binary("GreaterEqual", np.greater_equal)


def _bool_binary(name, fn):
    op = _nondiff_binary(name, fn)

    def logical(x, y, name=None):
        x, y, xa, ya = coerce_pair(name or op.__name__, x, y)
        if xa.dtype.kind != "b":
            raise _errors.InvalidArgumentError(
                None, op.__name__,
                f"{op.__name__} expects bool tensors, got {x.dtype.name if isinstance(x, Tensor) else xa.dtype}. "
                "Compare first (e.g. x > 0) or cast: ts.cast(x, ts.bool).")
        return op(x, y)

    logical.__name__ = op.__name__
    return logical


logical_and = _bool_binary("LogicalAnd", np.logical_and)
logical_or = _bool_binary("LogicalOr", np.logical_or)
logical_xor = _bool_binary("LogicalXor", np.logical_xor)
logical_not, _ = unary("LogicalNot", np.logical_not, kinds="b", differentiable=False)
bitwise_and = _nondiff_binary("BitwiseAnd", np.bitwise_and)
bitwise_or = _nondiff_binary("BitwiseOr", np.bitwise_or)
bitwise_xor = _nondiff_binary("BitwiseXor", np.bitwise_xor)
invert, _ = unary("Invert", np.invert, kinds="biu", differentiable=False)

# ---------------------------------------------------------------------------
# Unary functions: the pattern for the rest of the family
# ---------------------------------------------------------------------------
negative, _ = unary("Neg", np.negative, lambda g, out, x: negative(g), kinds=NUMERIC)
neg = negative
exp, _ = unary("Exp", np.exp, lambda g, out, x: multiply(g, _cj(out)), kinds=FLOAT)
log, _ = unary("Log", np.log, lambda g, out, x: divide(g, _cj(x)), kinds=FLOAT)
square, _ = unary("Square", np.square, lambda g, out, x: multiply(g, multiply(_cj(x), 2)),
                  kinds=NUMERIC)
sqrt, _ = unary("Sqrt", np.sqrt, lambda g, out, x: divide(multiply(g, 0.5), _cj(out)), kinds=FLOAT)
tanh, _ = unary("Tanh", np.tanh,
                lambda g, out, x: multiply(g, _cj(subtract(1, multiply(out, out)))), kinds=FLOAT)


def _sigmoid_fwd(a):
    # stable for large |a|: exp(-|a|) never overflows
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1 / (1 + e), e / (1 + e)).astype(a.dtype, copy=False)


sigmoid, _ = unary("Sigmoid", _sigmoid_fwd,
                   lambda g, out, x: multiply(g, multiply(out, subtract(1, out))), kinds=REAL_FLOAT)
abs, _ = unary("Abs", np.abs, lambda g, out, x: multiply(g, sign(x)), kinds=NUMERIC)
sign, _ = unary("Sign", np.sign, kinds=NUMERIC, differentiable=False)
floor, _ = unary("Floor", np.floor, kinds=REAL_FLOAT, differentiable=False)


# ---------------------------------------------------------------------------
# More unary functions. Gradients follow TensorFlow's complex convention,
# g * conj(f'(x)); `_cj` is the identity on real tensors.
# ---------------------------------------------------------------------------
def _cj(x):
    """conj(x) for a complex tensor, `x` itself otherwise."""
    return conj(x) if x._a.dtype.kind == "c" else x


def _ewdoc(what, tfname, accepts="a floating-point or complex tensor", extra=""):
    return (f"Computes {what} element-wise, as `tf.{tfname}`.\n\n"
            f"    Args:\n        x: {accepts}.\n        name: unused (TensorFlow compatibility).\n\n"
            f"    Returns:\n        A tensor of `x`'s shape and dtype.\n{extra}")


def _u(name, fn, deriv, doc, kinds=FLOAT):
    """An elementwise op whose gradient is `g * conj(deriv(out, x))` (no gradient if None)."""
    grad = None if deriv is None else (lambda g, out, x: multiply(g, _cj(deriv(out, x))))
    op, _ = unary(name, fn, grad, kinds=kinds, differentiable=deriv is not None)
    op.__doc__ = doc
    return op


expm1 = _u("Expm1", np.expm1, lambda out, x: add(out, 1),
           _ewdoc("`exp(x) - 1`, accurate for small `x`", "math.expm1"))
log1p = _u("Log1p", np.log1p, lambda out, x: reciprocal(add(x, 1)),
           _ewdoc("`log(1 + x)`, accurate for small `x`", "math.log1p"))
sin = _u("Sin", np.sin, lambda out, x: cos(x), _ewdoc("the sine", "math.sin"))
cos = _u("Cos", np.cos, lambda out, x: negative(sin(x)), _ewdoc("the cosine", "math.cos"))
tan = _u("Tan", np.tan, lambda out, x: add(square(out), 1), _ewdoc("the tangent", "math.tan"))
sinh = _u("Sinh", np.sinh, lambda out, x: cosh(x), _ewdoc("the hyperbolic sine", "math.sinh"))
cosh = _u("Cosh", np.cosh, lambda out, x: sinh(x), _ewdoc("the hyperbolic cosine", "math.cosh"))
asin = _u("Asin", np.arcsin, lambda out, x: rsqrt(subtract(1, square(x))),
          _ewdoc("the inverse sine (NaN outside [-1, 1] for real inputs)", "math.asin"))
acos = _u("Acos", np.arccos, lambda out, x: negative(rsqrt(subtract(1, square(x)))),
          _ewdoc("the inverse cosine (NaN outside [-1, 1] for real inputs)", "math.acos"))
atan = _u("Atan", np.arctan, lambda out, x: reciprocal(add(square(x), 1)),
          _ewdoc("the inverse tangent", "math.atan"))
asinh = _u("Asinh", np.arcsinh, lambda out, x: reciprocal(cosh(out)),
           _ewdoc("the inverse hyperbolic sine", "math.asinh"))
acosh = _u("Acosh", np.arccosh, lambda out, x: reciprocal(sinh(out)),
           _ewdoc("the inverse hyperbolic cosine (NaN below 1 for real inputs)", "math.acosh"))
atanh = _u("Atanh", np.arctanh, lambda out, x: reciprocal(subtract(1, square(x))),
           _ewdoc("the inverse hyperbolic tangent", "math.atanh"))

# erf without SciPy. For |x| < 2.5 a series of positive terms (no cancellation):
#   erf(x) = 2/sqrt(pi) * x * exp(-x^2) * sum_k (2x^2)^k / (1*3*...*(2k+1)),
# beyond it the continued fraction
#   erfc(x) = exp(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))).
# 33 terms of each give ~1e-15 relative error on both sides of the split.
_SQRT_PI = float(np.sqrt(np.pi))
_ERF_SPLIT = 2.5
_ERF_TERMS = 33
_ERF_COEF = [1.0]
for _k in range(1, _ERF_TERMS):
    _ERF_COEF.append(_ERF_COEF[-1] * 2.0 / (2 * _k + 1))


def _erf_series(x):
    x2 = x * x
    acc = x2 * _ERF_COEF[-1]
    for c in _ERF_COEF[-2:0:-1]:
        acc += c
        acc *= x2
    acc += 1.0
    return (2.0 / _SQRT_PI) * x * np.exp(-x2) * acc


def _erfc_fraction(x):
    d = x.copy()
    for k in range(_ERF_TERMS, 0, -1):
        np.divide(k / 2.0, d, out=d)
        d += x
    return np.exp(-x * x) / (_SQRT_PI * d)


def _erf_both(a, complement):
    xp = xp_of(a)
    x = xp.asarray(a, dtype=np.float64).reshape(a.shape)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        small = xp.abs(x) < _ERF_SPLIT          # NaN goes to the fraction, which keeps it
        out = xp.empty(x.shape, dtype=np.float64)
        es = _erf_series(x[small])
        big = ~small
        xb = x[big]
        cb = _erfc_fraction(xp.abs(xb))          # erfc(|x|)
        neg = xb < 0
        if complement:
            out[small] = 1.0 - es
            out[big] = xp.where(neg, 2.0 - cb, cb)
        else:
            out[small] = es
            out[big] = xp.where(neg, cb - 1.0, 1.0 - cb)
    return out.astype(a.dtype, copy=False)


def _erf_deriv(out, x):
    return multiply(exp(negative(square(x))), 2.0 / _SQRT_PI)


erf = _u("Erf", lambda a: _erf_both(a, False), _erf_deriv,
         _ewdoc("the Gauss error function `2/sqrt(pi) * integral_0^x exp(-t^2) dt`", "math.erf",
                "a floating-point tensor"), kinds=REAL_FLOAT)
erfc = _u("Erfc", lambda a: _erf_both(a, True), lambda out, x: negative(_erf_deriv(out, x)),
          _ewdoc("the complementary error function `1 - erf(x)`, accurate in the tails",
                 "math.erfc", "a floating-point tensor"), kinds=REAL_FLOAT)


def _int_or(fn):
    return lambda a: a if a.dtype.kind in "iu" else fn(a)


ceil = _u("Ceil", _int_or(np.ceil), None,
          _ewdoc("the smallest integer not less than `x`", "math.ceil",
                 "a floating-point or integer tensor (integers are returned unchanged)"),
          kinds="iufV")
round = _u("Round", _int_or(np.rint), None,
           _ewdoc("the nearest integer, rounding halves to even (banker's rounding)", "math.round",
                  "a floating-point or integer tensor (integers are returned unchanged)",
                  "\n    Example:\n    >>> ts.round(ts.constant([0.5, 1.5, 2.5, -1.5])).numpy()\n"
                  "    array([ 0.,  2.,  2., -2.], dtype=float32)\n"), kinds="iufV")
rint = _u("Rint", np.rint, None, _ewdoc("the nearest integer, rounding halves to even",
                                         "math.rint", "a floating-point tensor"), kinds=REAL_FLOAT)


def _reciprocal_fwd(a):
    if a.dtype.kind == "i":   # C-style integer 1/x, as TensorFlow: 0 unless |x| == 1
        xp = xp_of(a)
        if bool((a == 0).any()):
            raise ValueError("integer division by zero")
        return xp.where((a == 1) | (a == -1), a, xp.zeros((), a.dtype))
    return np.reciprocal(a)


reciprocal = _u("Reciprocal", _reciprocal_fwd, lambda out, x: negative(square(out)),
                _ewdoc("`1 / x`", "math.reciprocal", "a numeric tensor (integers divide like C)"),
                kinds="ifcV")
rsqrt = _u("Rsqrt", lambda a: np.reciprocal(np.sqrt(a)),
           lambda out, x: multiply(multiply(out, square(out)), -0.5),
           _ewdoc("`1 / sqrt(x)`", "math.rsqrt"))
is_nan = _u("IsNan", np.isnan, None, _ewdoc("whether each element is NaN", "math.is_nan",
                                             "a floating-point tensor").replace(
    "of `x`'s shape and dtype", "of `x`'s shape with dtype bool"), kinds=REAL_FLOAT)
is_inf = _u("IsInf", np.isinf, None, _ewdoc("whether each element is +inf or -inf", "math.is_inf",
                                             "a floating-point tensor").replace(
    "of `x`'s shape and dtype", "of `x`'s shape with dtype bool"), kinds=REAL_FLOAT)
is_finite = _u("IsFinite", np.isfinite, None,
               _ewdoc("whether each element is finite (not NaN or inf)", "math.is_finite",
                      "a floating-point tensor").replace(
                   "of `x`'s shape and dtype", "of `x`'s shape with dtype bool"), kinds=REAL_FLOAT)


# ---------------------------------------------------------------------------
# Complex parts
# ---------------------------------------------------------------------------
_real = Primitive("Real")
_real._fwd = lambda a: xp_of(a).real(a)
_real._grad = lambda g, out, x: complex(g, zeros_like_(g))
_imag = Primitive("Imag")
_imag._fwd = lambda a: xp_of(a).imag(a)
_imag._grad = lambda g, out, x: complex(zeros_like_(g), g)
_conj = Primitive("Conj")
_conj._fwd = np.conjugate
_conj._grad = lambda g, out, x: conj(g)


def _numeric_or_raise(x, opname):
    if x._a.dtype.kind not in NUMERIC:
        raise _errors.InvalidArgumentError(
            None, opname, f"{opname} expects a numeric tensor, got {x.dtype.name} "
            f"(shape {tuple(x._a.shape)}).")


def real(input, name=None):
    """Returns the real part of a complex tensor (a real tensor is returned as is), as
    `tf.math.real`. complex64 gives float32, complex128 float64."""
    x = t(input)
    if x._a.dtype.kind == "c":
        return _real(x)
    _numeric_or_raise(x, "Real")
    return x


def imag(input, name=None):
    """Returns the imaginary part of a complex tensor (zeros for a real one), as `tf.math.imag`."""
    x = t(input)
    if x._a.dtype.kind == "c":
        return _imag(x)
    _numeric_or_raise(x, "Imag")
    return zeros_like_(x)


def conj(x, name=None):
    """Returns the complex conjugate (a real tensor is returned as is), as `tf.math.conj`."""
    x = t(x)
    if x._a.dtype.kind == "c":
        return _conj(x)
    _numeric_or_raise(x, "Conj")
    return x


def _complex_fwd(re, im):
    return re + im * np.asarray(1j, dtype=np.complex64 if re.dtype == np.float32 else np.complex128)


_complex = Primitive("Complex")
_complex._fwd = _complex_fwd
_complex._grad = lambda g, out, re, im: (real(g), imag(g))
_complex_op = binary(_complex, _complex_fwd)


def complex(real, imag, name=None):
    """Builds `real + 1j * imag` from two float tensors (broadcasting), as `tf.complex`.

    float32 inputs give complex64, float64 inputs complex128.
    """
    re, im, ra, ia = coerce_pair("Complex", real, imag)
    if ra.dtype not in (np.float32, np.float64):
        raise _errors.InvalidArgumentError(
            None, "Complex", f"complex expects float32 or float64 real and imag parts, got "
            f"{ra.dtype} (shapes {tuple(ra.shape)} and {tuple(ia.shape)}). Cast them first: "
            "ts.cast(x, ts.float32).")
    return _complex_op(re if isinstance(re, Tensor) else _wrap(ra),
                       im if isinstance(im, Tensor) else _wrap(ia))


# ---------------------------------------------------------------------------
# More binary functions
# ---------------------------------------------------------------------------
def _checked_binary(prim, fn, kinds, what):
    """A `binary` op that first rejects dtypes outside `kinds` with a helpful error."""
    fast = binary(prim, fn)
    opname = prim.name

    def op(x, y, name=None):
        x, y, xa, ya = coerce_pair(opname, x, y)
        if xa.dtype.kind not in kinds:
            raise _errors.InvalidArgumentError(
                None, opname, f"{opname} expects {what} tensors, got {xa.dtype} (shapes "
                f"{tuple(xa.shape)} and {tuple(ya.shape)}). Cast first: ts.cast(x, ts.float32).")
        return fast(x if isinstance(x, Tensor) else _wrap(xa), y if isinstance(y, Tensor) else _wrap(ya))

    op.__name__ = opname
    return op


def _quiet(fn):
    def run(x, y):
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return fn(x, y)
    return run


def _atan2_grad(g, out, y, x):
    r = add(square(x), square(y))
    return multiply(g, divide(x, r)), negative(multiply(g, divide(y, r)))


_atan2 = Primitive("Atan2")
_atan2._fwd = np.arctan2
_atan2._grad = _atan2_grad
_atan2_op = _checked_binary(_atan2, np.arctan2, REAL_FLOAT, "floating-point")


def atan2(y, x, name=None):
    """Computes the angle of the point `(x, y)`, `arctan(y / x)` in the right quadrant
    (range [-pi, pi]), element-wise with broadcasting, as `tf.math.atan2`."""
    return _atan2_op(y, x)


def _zero_where(cond, v):
    xp = xp_of(v)
    return xp.where(cond, xp.zeros((), v.dtype), v)


_div_no_nan_fwd = _quiet(lambda x, y: _zero_where(y == 0, x / y))
_div_no_nan = Primitive("DivNoNan")
_div_no_nan._fwd = _div_no_nan_fwd
_div_no_nan._grad = lambda g, out, x, y: (
    divide_no_nan(g, _cj(y)),
    multiply(g, divide_no_nan(divide_no_nan(negative(_cj(x)), _cj(y)), _cj(y))))
divide_no_nan = _checked_binary(_div_no_nan, _div_no_nan_fwd, FLOAT, "floating-point or complex")
divide_no_nan.__doc__ = """Computes `x / y`, but 0 wherever `y == 0` (even if `x` is NaN or 0),
    as `tf.math.divide_no_nan`. Broadcasts; float or complex inputs of one dtype.

    Example:
    >>> ts.math.divide_no_nan(ts.constant([3., 0.]), ts.constant([2., 0.])).numpy()
    array([1.5, 0. ], dtype=float32)
    """

_mul_no_nan_fwd = _quiet(lambda x, y: _zero_where(y == 0, x * y))
_mul_no_nan = Primitive("MulNoNan")
_mul_no_nan._fwd = _mul_no_nan_fwd
_mul_no_nan._grad = lambda g, out, x, y: (multiply_no_nan(g, _cj(y)), multiply_no_nan(_cj(x), g))
multiply_no_nan = _checked_binary(_mul_no_nan, _mul_no_nan_fwd, FLOAT, "floating-point or complex")
multiply_no_nan.__doc__ = """Computes `x * y`, but 0 wherever `y == 0` (even if `x` is NaN or
    inf), as `tf.math.multiply_no_nan`. Broadcasts; float or complex inputs of one dtype."""


def _nonzero(x):
    return where_(not_equal(x, 0), ones_like_(x), zeros_like_(x))


_xlogy_fwd = _quiet(lambda x, y: _zero_where(x == 0, x * np.log(y)))
_xlogy = Primitive("Xlogy")
_xlogy._fwd = _xlogy_fwd
_xlogy._grad = lambda g, out, x, y: (multiply(g, xlogy(_nonzero(x), y)), multiply(g, xdivy(x, y)))
xlogy = _checked_binary(_xlogy, _xlogy_fwd, FLOAT, "floating-point or complex")
xlogy.__doc__ = """Computes `x * log(y)`, but 0 wherever `x == 0` (even if `y` is 0 or NaN),
    as `tf.math.xlogy`. Broadcasts; float or complex inputs of one dtype."""

_xdivy_fwd = _quiet(lambda x, y: _zero_where(x == 0, x / y))
_xdivy = Primitive("Xdivy")
_xdivy._fwd = _xdivy_fwd
_xdivy._grad = lambda g, out, x, y: (multiply(g, xdivy(_nonzero(x), y)),
                                     multiply(g, xdivy(negative(x), square(y))))
xdivy = _checked_binary(_xdivy, _xdivy_fwd, FLOAT, "floating-point or complex")
xdivy.__doc__ = """Computes `x / y`, but 0 wherever `x == 0` (even if `y` is 0), as
    `tf.math.xdivy`. Broadcasts; float or complex inputs of one dtype."""

_xlog1py_fwd = _quiet(lambda x, y: _zero_where(x == 0, x * np.log1p(y)))
_xlog1py = Primitive("Xlog1py")
_xlog1py._fwd = _xlog1py_fwd
_xlog1py._grad = lambda g, out, x, y: (multiply(g, xlog1py(_nonzero(x), y)),
                                       multiply(g, xdivy(x, add(y, 1))))
xlog1py = _checked_binary(_xlog1py, _xlog1py_fwd, FLOAT, "floating-point or complex")
xlog1py.__doc__ = """Computes `x * log1p(y)`, but 0 wherever `x == 0`, as `tf.math.xlog1py`."""


def reciprocal_no_nan(x, name=None):
    """Computes `1 / x`, but 0 where `x == 0`, as `tf.math.reciprocal_no_nan`."""
    x = t(x)
    check_float("ReciprocalNoNan", x)
    return divide_no_nan(ones_like_(x), x)


def _add_n_fwd(*arrays):
    if len(arrays) == 1:
        return arrays[0]
    out = np.add(arrays[0], arrays[1])
    for a in arrays[2:]:
        out += a
    return out


_add_n = Primitive("AddN")
_add_n._fwd = _add_n_fwd
_add_n._grad = lambda g, out, *xs: tuple(g for _ in xs)


def add_n(inputs, name=None):
    """Adds a list of tensors of one shape and dtype element-wise, as `tf.math.add_n`.

    Args:
        inputs: a non-empty list of tensors (no broadcasting between them).

    Returns:
        Their sum, with the inputs' shape and dtype.

    Example:
    >>> ts.add_n([ts.constant([1, 2]), ts.constant([10, 20]), ts.constant([5, 5])]).numpy()
    array([16, 27], dtype=int32)
    """
    if isinstance(inputs, Tensor) or not isinstance(inputs, (list, tuple)) or not inputs:
        raise _errors.InvalidArgumentError(
            None, "AddN", "add_n: inputs must be a non-empty list of tensors with the same "
            f"shape and dtype, got {type(inputs).__name__}"
            f"{' (empty)' if isinstance(inputs, (list, tuple)) else ''}.")
    vals = [t(v) for v in inputs]
    sig = {(tuple(v._a.shape), v._a.dtype) for v in vals}
    if len(sig) > 1:
        desc = ", ".join(f"{tuple(v._a.shape)} {v.dtype.name}" for v in vals)
        raise _errors.InvalidArgumentError(
            None, "AddN", f"add_n: all inputs must have the same shape and dtype (add_n does not "
            f"broadcast), got {desc}. Use ts.broadcast_to or ts.cast first, or ts.add for two "
            "broadcastable tensors.")
    if vals[0]._a.dtype.kind not in NUMERIC:
        raise _errors.InvalidArgumentError(
            None, "AddN", f"add_n expects numeric tensors, got {vals[0].dtype.name}.")
    return _add_n(*vals)


# ---------------------------------------------------------------------------
# Small helpers used by gradients here (avoid import cycles with creation/array)
# ---------------------------------------------------------------------------
def where_(c, x, y):
    from .array import where
    return where(c, x, y)


def ones_like_(x):
    from .creation import ones_like
    return ones_like(x)


def zeros_like_(x):
    from .creation import zeros_like
    return zeros_like(x)


# ---------------------------------------------------------------------------
# Python operators on Tensor
# ---------------------------------------------------------------------------
def _r(fn):
    return lambda self, other: fn(other, self)


def _eq(self, other):
    if other is None or isinstance(other, (str, bytes)):
        return False
    try:
        return equal(self, other)
    except (ValueError, TypeError):
        return False


def _ne(self, other):
    if other is None or isinstance(other, (str, bytes)):
        return True
    try:
        return not_equal(self, other)
    except (ValueError, TypeError):
        return True


for _name, _fn in {
    "__add__": add, "__radd__": _r(add), "__sub__": subtract, "__rsub__": _r(subtract),
    "__mul__": multiply, "__rmul__": _r(multiply), "__truediv__": divide,
    "__rtruediv__": _r(divide), "__floordiv__": floordiv, "__rfloordiv__": _r(floordiv),
    "__mod__": floormod, "__rmod__": _r(floormod), "__pow__": pow, "__rpow__": _r(pow),
    "__neg__": negative, "__abs__": abs, "__pos__": lambda self: self,
    "__lt__": less, "__le__": less_equal, "__gt__": greater, "__ge__": greater_equal,
    "__eq__": _eq, "__ne__": _ne,
    "__and__": bitwise_and, "__rand__": _r(bitwise_and), "__or__": bitwise_or,
    "__ror__": _r(bitwise_or), "__xor__": bitwise_xor, "__rxor__": _r(bitwise_xor),
    "__invert__": invert,
}.items():
    overload(_name, _fn)

_ARITH = ["add", "subtract", "multiply", "divide", "truediv", "floordiv", "floormod", "mod",
          "truncatemod", "pow", "maximum", "minimum", "squared_difference", "equal", "not_equal",
          "less", "less_equal", "greater", "greater_equal", "logical_and", "logical_or",
          "logical_xor", "logical_not", "negative", "exp", "log", "square", "sqrt", "tanh",
          "sigmoid", "abs", "sign", "floor"]
# New in TensorFlow 2's top level (tf.X) as well as tf.math.X:
_TS_TOO = ["sin", "cos", "tan", "sinh", "cosh", "asin", "acos", "atan", "asinh", "acosh", "atanh",
           "atan2", "round", "add_n"]
_MATH_ONLY = ["expm1", "log1p", "erf", "erfc", "ceil", "rint", "reciprocal", "reciprocal_no_nan",
              "rsqrt", "is_nan", "is_inf", "is_finite", "divide_no_nan", "multiply_no_nan",
              "xlogy", "xdivy", "xlog1py", "real", "imag", "conj"]
__api__ = {
    "ts": _ARITH + _TS_TOO + ["complex"],
    "math": _ARITH + _TS_TOO + _MATH_ONLY,
    "bitwise": [("bitwise_and", "bitwise_and"), ("bitwise_or", "bitwise_or"),
                ("bitwise_xor", "bitwise_xor"), ("invert", "invert")],
}

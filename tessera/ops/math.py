"""Elementwise math: arithmetic, comparisons, logic and unary functions (`ts.math`).

Binary ops broadcast like NumPy; the tape sums a gradient back to an input's
shape (`_autodiff_support.unbroadcast`), so gradients here are written for
equal shapes.
"""
import numpy as np

from ..core import errors as _errors
from ..core.tensor import overload
from ._common import (FLOAT, NUMERIC, REAL_FLOAT, Primitive, Tensor, _wrap, binary, check_float,
                      coerce_pair, record, t, unary, TAPES)

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
_mul._grad = lambda g, out, x, y: (multiply(g, y), multiply(g, x))
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
_div._grad = lambda g, out, x, y: (divide(g, y), negative(multiply(g, divide(out, y))))
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
    gx = multiply(g, multiply(y, pow(x, subtract(y, 1))))
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
exp, _ = unary("Exp", np.exp, lambda g, out, x: multiply(g, out), kinds=FLOAT)
log, _ = unary("Log", np.log, lambda g, out, x: divide(g, x), kinds=FLOAT)
square, _ = unary("Square", np.square, lambda g, out, x: multiply(g, multiply(x, 2)), kinds=NUMERIC)
sqrt, _ = unary("Sqrt", np.sqrt, lambda g, out, x: divide(multiply(g, 0.5), out), kinds=FLOAT)
tanh, _ = unary("Tanh", np.tanh,
                lambda g, out, x: multiply(g, subtract(1, multiply(out, out))), kinds=FLOAT)


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
__api__ = {
    "ts": _ARITH,
    "math": _ARITH,
    "bitwise": [("bitwise_and", "bitwise_and"), ("bitwise_or", "bitwise_or"),
                ("bitwise_xor", "bitwise_xor"), ("invert", "invert")],
}

"""`ts.debugging` and `ts.print`: assertions on values and shapes, numeric checks.

Every assertion runs eagerly: it returns None (or its input, where TensorFlow
does) when the condition holds and raises `ts.errors.InvalidArgumentError`
otherwise, with a message that shows the offending values or shapes and the
`message` argument first.
"""
import sys
import warnings

import numpy as np

from . import _api
from .backend import dtypes as _dt
from .backend import xp as _xp
from .core import errors as _errors
from .core.primitive import Primitive, coerce_pair
from .core.tensor import Tensor, convert_to_tensor

__all__ = ["print", "Assert", "assert_equal", "assert_none_equal", "assert_near",
           "assert_less", "assert_less_equal", "assert_greater", "assert_greater_equal",
           "assert_positive", "assert_negative", "assert_non_negative", "assert_non_positive",
           "assert_rank", "assert_rank_at_least", "assert_rank_in", "assert_scalar",
           "assert_shapes", "assert_type", "assert_integer", "assert_same_float_dtype",
           "assert_proper_iterable", "assert_all_finite", "check_numerics", "is_numeric_tensor",
           "is_non_decreasing", "is_strictly_increasing", "enable_check_numerics",
           "disable_check_numerics", "set_log_device_placement", "get_log_device_placement"]

_print = print
_state = {"check_numerics": False, "log_placement": False, "warned": False}


class AssertTypeError(_errors.InvalidArgumentError, TypeError):
    """A dtype assertion failed (TensorFlow raises TypeError; this is both)."""


def print(*inputs, output_stream=None, summarize=3, sep=" ", end="\n", name=None):
    """Prints tensors and Python values, as `tf.print` (NumPy-style summarised arrays).

    Args:
        *inputs: tensors and other values.
        output_stream: `sys.stdout` (default), `sys.stderr`, or a file path
            prefixed with `file://`.
        summarize: items printed at each end of each axis (-1 prints all).
        sep, end: as for Python's `print`.
    """
    parts = []
    for x in inputs:
        if isinstance(x, Tensor):
            a = _xp.to_numpy(x._a)
            if a.ndim == 0:
                parts.append(str(a.item()))
            else:
                thr = sys.maxsize if summarize is None or summarize < 0 else 2 * summarize
                parts.append(np.array2string(a, separator=" ", threshold=thr,
                                             edgeitems=max(summarize or 3, 1)))
        else:
            parts.append(str(x))
    text = sep.join(parts) + end
    stream = output_stream if output_stream is not None else sys.stdout
    if isinstance(stream, str):
        if stream.startswith("file://"):
            with open(stream[len("file://"):], "a") as f:
                f.write(text)
            return
        stream = {"stdout": sys.stdout, "stderr": sys.stderr}.get(stream, sys.stdout)
    stream.write(text)


# -- helpers ------------------------------------------------------------------
def _fail(message, text, cls=_errors.InvalidArgumentError):
    head = f"{message}\n" if message else ""
    return cls(None, "Assert", head + text)


def _np(x):
    """NumPy array of `x` (Tensor, Variable, array or Python data)."""
    if isinstance(x, Tensor):
        return _xp.to_numpy(x._a)
    return _xp.to_numpy(convert_to_tensor(x)._a)


def _desc(a):
    return f"shape={tuple(a.shape)} dtype={_dt.from_numpy(a.dtype).name}"


def _n(summarize):
    return 3 if summarize is None else (sys.maxsize if summarize < 0 else int(summarize))


def _fmt(a, n=None):
    a = np.asarray(a)
    if n is not None:
        a = a.ravel()[:n]
    return np.array2string(a, separator=" ", threshold=1000)


def _report(offending, arrays, summarize, what="different"):
    """Lines listing the first offending indices, their values, and the first elements."""
    n = _n(summarize)
    bad = np.argwhere(offending)
    k = min(n, len(bad))
    lines = [f"Indices of first {k} {what} values (of {len(bad)}):", _fmt(bad[:k])]
    idx = tuple(bad[:k].T)
    for label, full, a in arrays:
        lines += [f"Corresponding {label} values:", _fmt(full[idx] if full.ndim else full[()])]
    for label, _, a in arrays:
        lines += [f"First {min(n, a.size)} elements of {label} ({_desc(a)}):", _fmt(a, n)]
    return "\n".join(lines)


def _binary(opname, sym, cmp, x, y, message, summarize, ordered):
    x, y, xa, ya = coerce_pair(opname, x, y)
    xa, ya = _xp.to_numpy(xa), _xp.to_numpy(ya)
    if ordered and (xa.dtype.kind in "cOb" or ya.dtype.kind in "cOb"):
        raise _errors.InvalidArgumentError(
            None, opname, f"{opname}: x {sym} y needs real numbers, got {_desc(xa)}. "
            "Compare the real parts (ts.math.real) or cast to a real dtype.")
    try:
        bx, by = np.broadcast_arrays(xa, ya)
    except ValueError:
        raise _errors.InvalidArgumentError(
            None, opname, f"{opname}: x ({_desc(xa)}) and y ({_desc(ya)}) are not "
            "broadcastable: each axis must be equal or 1, aligned from the right.") from None
    if bx.size == 0:
        return None
    ok = cmp(bx, by)
    if ok.all():
        return None
    raise _fail(message, f"Condition x {sym} y did not hold.\n"
                + _report(~ok, [("x", bx, xa), ("y", by, ya)], summarize))


def _unary(opname, sym, cmp, x, message, summarize):
    xa = _np(x)
    if xa.dtype.kind not in "iuf":
        raise _errors.InvalidArgumentError(
            None, opname, f"{opname} needs a real numeric tensor, got {_desc(xa)}.")
    if xa.size == 0:
        return None
    ok = cmp(xa)
    if ok.all():
        return None
    raise _fail(message, f"Condition x {sym} did not hold element-wise.\n"
                + _report(~ok, [("x", xa, xa)], summarize, "offending"))


# -- value comparisons ----------------------------------------------------------
def assert_equal(x, y, message=None, summarize=None, name=None):
    """Asserts `x == y` element-wise (with broadcasting), as `tf.debugging.assert_equal`.

    Args:
        x, y: tensors of one dtype (Python scalars take the other's dtype).
        message: text put first in the error.
        summarize: how many entries to show (default 3, -1 for all).

    Raises:
        InvalidArgumentError: listing the first different indices and values.

    Example:
    >>> ts.debugging.assert_equal(ts.constant([1, 2]), 2)
    Traceback (most recent call last):
    InvalidArgumentError: Condition x == y did not hold. ...
    """
    return _binary("assert_equal", "==", np.equal, x, y, message, summarize, False)


def assert_none_equal(x, y, message=None, summarize=None, name=None):
    """Asserts `x != y` for every element, as `tf.debugging.assert_none_equal`."""
    return _binary("assert_none_equal", "!=", np.not_equal, x, y, message, summarize, False)


def assert_less(x, y, message=None, summarize=None, name=None):
    """Asserts `x < y` element-wise, as `tf.debugging.assert_less`."""
    return _binary("assert_less", "<", np.less, x, y, message, summarize, True)


def assert_less_equal(x, y, message=None, summarize=None, name=None):
    """Asserts `x <= y` element-wise, as `tf.debugging.assert_less_equal`."""
    return _binary("assert_less_equal", "<=", np.less_equal, x, y, message, summarize, True)


def assert_greater(x, y, message=None, summarize=None, name=None):
    """Asserts `x > y` element-wise, as `tf.debugging.assert_greater`."""
    return _binary("assert_greater", ">", np.greater, x, y, message, summarize, True)


def assert_greater_equal(x, y, message=None, summarize=None, name=None):
    """Asserts `x >= y` element-wise, as `tf.debugging.assert_greater_equal`."""
    return _binary("assert_greater_equal", ">=", np.greater_equal, x, y, message, summarize, True)


def assert_positive(x, message=None, summarize=None, name=None):
    """Asserts `x > 0` element-wise, as `tf.debugging.assert_positive`."""
    return _unary("assert_positive", "> 0", lambda a: a > 0, x, message, summarize)


def assert_negative(x, message=None, summarize=None, name=None):
    """Asserts `x < 0` element-wise, as `tf.debugging.assert_negative`."""
    return _unary("assert_negative", "< 0", lambda a: a < 0, x, message, summarize)


def assert_non_negative(x, message=None, summarize=None, name=None):
    """Asserts `x >= 0` element-wise, as `tf.debugging.assert_non_negative`."""
    return _unary("assert_non_negative", ">= 0", lambda a: a >= 0, x, message, summarize)


def assert_non_positive(x, message=None, summarize=None, name=None):
    """Asserts `x <= 0` element-wise, as `tf.debugging.assert_non_positive`."""
    return _unary("assert_non_positive", "<= 0", lambda a: a <= 0, x, message, summarize)


def _eps(npd):
    if npd.name == "bfloat16":
        return 2.0 ** -7
    return float(np.finfo(npd).eps)


def assert_near(x, y, rtol=None, atol=None, message=None, summarize=None, name=None):
    """Asserts `|x - y| <= atol + rtol * |y|` element-wise, as `tf.debugging.assert_near`.

    Args:
        x, y: float or complex tensors of one dtype.
        rtol, atol: tolerances; both default to `10 * eps` of the dtype
            (about 1.2e-6 for float32, 2.2e-15 for float64).
        message: text put first in the error.
        summarize: how many entries to show (default 3, -1 for all).

    Raises:
        InvalidArgumentError: showing the tolerances, the largest difference and
            the values.
    """
    x, y, xa, ya = coerce_pair("assert_near", x, y)
    xa, ya = _xp.to_numpy(xa), _xp.to_numpy(ya)
    if xa.dtype.kind not in "fcV":
        raise _errors.InvalidArgumentError(
            None, "assert_near", f"assert_near needs float or complex tensors, got {_desc(xa)}. "
            "Use ts.debugging.assert_equal for integers, or cast with ts.cast(x, ts.float32).")
    eps = _eps(xa.dtype)
    rtol = 10 * eps if rtol is None else float(_np(rtol))
    atol = 10 * eps if atol is None else float(_np(atol))
    try:
        wide = np.complex128 if "c" in (xa.dtype.kind, ya.dtype.kind) else np.float64
        bx, by = np.broadcast_arrays(xa.astype(wide), ya.astype(wide))
    except ValueError:
        raise _errors.InvalidArgumentError(
            None, "assert_near", f"assert_near: x ({_desc(xa)}) and y ({_desc(ya)}) are not "
            "broadcastable: each axis must be equal or 1, aligned from the right.") from None
    if bx.size == 0:
        return None
    diff = np.abs(bx - by)
    with np.errstate(invalid="ignore"):
        ok = diff <= atol + rtol * np.abs(by)
    if ok.all():
        return None
    worst = np.unravel_index(np.nanargmax(np.where(ok, -np.inf, np.nan_to_num(diff, nan=np.inf))),
                             diff.shape)
    text = (f"x and y not equal to tolerance rtol = {rtol:g}, atol = {atol:g}.\n"
            f"Largest difference {diff[worst]:g} at index {tuple(int(i) for i in worst)} "
            f"(x = {np.broadcast_to(xa, bx.shape)[worst]}, "
            f"y = {np.broadcast_to(ya, by.shape)[worst]}).\n"
            + _report(~ok, [("x", bx.astype(xa.dtype), xa), ("y", by.astype(ya.dtype), ya)],
                      summarize))
    raise _fail(message, text)


def Assert(condition, data, summarize=None, name=None):
    """Raises when `condition` is False, printing `data`, as `tf.debugging.Assert`.

    Args:
        condition: a boolean scalar (tensor or Python bool).
        data: a list of tensors or values shown in the error.
        summarize: entries shown of each tensor (default 3, -1 for all).
    """
    c = _np(condition)
    if c.dtype.kind != "b" or c.size != 1:
        raise _errors.InvalidArgumentError(
            None, "Assert", f"Assert: condition must be a boolean scalar, got {_desc(c)}.")
    if bool(c.reshape(())):
        return None
    n = _n(summarize)
    shown = [_fmt(_np(d), n) if isinstance(d, (Tensor, np.ndarray)) else str(d) for d in data]
    raise _errors.InvalidArgumentError(
        None, "Assert", "assertion failed: [" + "] [".join(shown) + "]")


# -- shapes, ranks, dtypes --------------------------------------------------------
def _shape_of(x):
    if isinstance(x, Tensor):
        return tuple(x._a.shape)
    if isinstance(x, np.ndarray):
        return x.shape
    return tuple(convert_to_tensor(x)._a.shape)


def _int_rank(rank, opname):
    r = _np(rank)
    if r.dtype.kind not in "iu" or r.ndim != 0:
        raise _errors.InvalidArgumentError(
            None, opname, f"{opname}: rank must be an integer scalar, got {_desc(r)}.")
    return int(r)


def _xname(x):
    name = getattr(x, "_name", None) if getattr(x, "_is_variable", False) else None
    return str(name) if name else "x"


def assert_rank(x, rank, message=None, name=None):
    """Asserts that `x` has rank `rank`, as `tf.debugging.assert_rank`.

    Raises:
        InvalidArgumentError (a ValueError): naming the rank and shape received.
    """
    r = _int_rank(rank, "assert_rank")
    shape = _shape_of(x)
    if len(shape) != r:
        raise _fail(message, f"Tensor {_xname(x)} must have rank {r}. Received rank "
                    f"{len(shape)}, shape {shape}.")
    return None


def assert_rank_at_least(x, rank, message=None, name=None):
    """Asserts that `x` has rank `rank` or more, as `tf.debugging.assert_rank_at_least`."""
    r = _int_rank(rank, "assert_rank_at_least")
    shape = _shape_of(x)
    if len(shape) < r:
        raise _fail(message, f"Tensor {_xname(x)} must have rank at least {r}. Received rank "
                    f"{len(shape)}, shape {shape}.")
    return None


def assert_rank_in(x, ranks, message=None, name=None):
    """Asserts that the rank of `x` is one of `ranks`, as `tf.debugging.assert_rank_in`."""
    rs = [_int_rank(r, "assert_rank_in") for r in ranks]
    shape = _shape_of(x)
    if len(shape) not in rs:
        raise _fail(message, f"Tensor {_xname(x)} must have rank in {tuple(rs)}. Received rank "
                    f"{len(shape)}, shape {shape}.")
    return None


def assert_scalar(tensor, message=None, name=None):
    """Asserts that `tensor` is a scalar and returns it, as `tf.debugging.assert_scalar`."""
    t = convert_to_tensor(tensor)
    if t.ndim != 0:
        raise _fail(message, f"Expected scalar shape, saw shape: {tuple(t.shape)}.")
    return t


def _parse_spec(spec, label):
    if isinstance(spec, (str, bytes)) or not hasattr(spec, "__iter__"):
        raise _errors.InvalidArgumentError(
            None, "assert_shapes", f"assert_shapes: the shape for {label} must be an iterable "
            f"such as ('N', 3), got {spec!r}.")
    spec = list(spec)
    inner = bool(spec) and (spec[0] is Ellipsis or spec[0] == "*")
    if inner:
        spec = spec[1:]
    dims = []
    for d in spec:
        if d is None or d == ".":
            dims.append(None)
            continue
        if isinstance(d, (bool, np.bool_)):
            raise _errors.InvalidArgumentError(
                None, "assert_shapes", f"assert_shapes: bad size entry {d!r} for {label}.")
        try:
            dims.append(int(d) if isinstance(d, (int, np.integer)) or str(d).lstrip("-").isdigit()
                        else ("sym", d))
        except (TypeError, ValueError):
            dims.append(("sym", d))
    return inner, dims


def assert_shapes(shapes, data=None, summarize=None, message=None, name=None):
    """Asserts shapes and the relations between their dimensions, as `tf.debugging.assert_shapes`.

    Args:
        shapes: a list of `(tensor, shape)` pairs (or a dict). A shape lists
            sizes: an int is an exact size; a string such as `'N'` is a symbol
            that must have the same size everywhere it appears; `None` or `'.'`
            is any size; a leading `...` or `'*'` allows any number of outer
            dimensions. Scalars and the shape `()` count as shape `(1,)`.
        data: values appended to the error message.
        summarize: entries of the offending tensor shown (default 3).
        message: text put first in the error.

    Raises:
        InvalidArgumentError: naming the tensor, the dimension, the size expected,
            where that size was set, and the shape received.

    Example:
    >>> x, y = ts.zeros([10, 3]), ts.ones([10, 7])
    >>> ts.debugging.assert_shapes([(x, ('N', 'Q')), (y, ('N', 'D'))])
    """
    items = list(shapes.items()) if isinstance(shapes, dict) else list(shapes)
    bound = {}
    n = _n(summarize)
    for i, item in enumerate(items):
        try:
            x, spec = item
        except (TypeError, ValueError):
            raise _errors.InvalidArgumentError(
                None, "assert_shapes", "assert_shapes: shapes must be (tensor, shape) pairs, "
                f"entry {i} is {item!r}.") from None
        if isinstance(x, Tensor) or not hasattr(x, "deref"):
            t = x
        else:
            t = x.deref()
        label = f"{_xname(t)} (entry {i})" if _xname(t) != "x" else f"entry {i}"
        inner, dims = _parse_spec(spec, label)
        shape = _shape_of(t)
        actual = shape if shape else (1,)
        if not dims and not inner:
            dims = [1]
        extra = ""
        if data is not None:
            extra = "\n" + " ".join(_fmt(_np(d), n) if isinstance(d, (Tensor, np.ndarray))
                                    else str(d) for d in data)
        else:
            extra = f"\nFirst {n} elements of the tensor: {_fmt(_np(t), n)}"
        if (len(actual) < len(dims)) if inner else (len(actual) != len(dims)):
            want = f"at least {len(dims)}" if inner else str(len(dims))
            raise _fail(message, f"Tensor {label} must have rank {want}. Received rank "
                        f"{len(shape)}, shape {shape}. Specified shape: {tuple(spec)}." + extra)
        offset = len(actual) - len(dims)
        for j, d in enumerate(dims):
            got = actual[offset + j]
            if d is None:
                continue
            if isinstance(d, tuple):
                sym = d[1]
                if sym in bound:
                    size, where = bound[sym]
                    if got != size:
                        raise _fail(message, f"Tensor {label} dimension {offset + j} must have "
                                    f"size {size} (symbol {sym!r}, specified by {where}). Received "
                                    f"size {got}, shape {shape}." + extra)
                else:
                    bound[sym] = (got, f"{label} dimension {offset + j}")
            elif got != d:
                raise _fail(message, f"Tensor {label} dimension {offset + j} must have size {d}. "
                            f"Received size {got}, shape {shape}." + extra)
    return None


def assert_type(tensor, tf_type, message=None, name=None):
    """Asserts that `tensor` has dtype `tf_type`, as `tf.debugging.assert_type`.

    Raises:
        AssertTypeError (both InvalidArgumentError and TypeError, as TensorFlow
        raises TypeError): naming both dtypes.
    """
    want = _dt.as_dtype(tf_type)
    got = tensor.dtype if isinstance(tensor, Tensor) else convert_to_tensor(tensor).dtype
    if got != want:
        raise _fail(message, f"{_xname(tensor)} must be of type {want.name}; got {got.name}. "
                    f"Cast it with ts.cast(x, ts.{want.name}) if that is intended.",
                    AssertTypeError)
    return None


def assert_integer(x, message=None, name=None):
    """Asserts that `x` has an integer dtype, as `tf.debugging.assert_integer`."""
    got = x.dtype if isinstance(x, Tensor) else convert_to_tensor(x).dtype
    if not got.is_integer:
        raise _fail(message, f"Expected an integer tensor, {_xname(x)} has dtype {got.name}.",
                    AssertTypeError)
    return None


def assert_same_float_dtype(tensors=None, dtype=None):
    """Checks that all `tensors` (and `dtype`) share one float dtype and returns it.

    Returns float32 when neither gives a dtype, as `tf.debugging.assert_same_float_dtype`.
    """
    found = _dt.as_dtype(dtype) if dtype is not None else None
    for x in tensors or ():
        d = x.dtype if isinstance(x, Tensor) else convert_to_tensor(x).dtype
        if found is None:
            found = d
        elif d != found:
            raise AssertTypeError(None, "assert_same_float_dtype",
                                  f"Expected dtype {found.name} for every tensor, got {d.name}.")
    if found is None:
        return _dt.float32
    if not found.is_floating:
        raise AssertTypeError(None, "assert_same_float_dtype",
                              f"Expected a floating dtype, got {found.name}.")
    return found


def assert_proper_iterable(values):
    """Raises TypeError unless `values` is a list-like iterable (not a tensor, array or string)."""
    if isinstance(values, (Tensor, np.ndarray, str, bytes)) or not hasattr(values, "__iter__"):
        raise TypeError(f"Expected argument 'values' to be a proper iterable (list, tuple, "
                        f"generator), got {type(values).__name__}.")


# -- numerics ---------------------------------------------------------------------
_check = Primitive("CheckNumerics")
_check._fwd = lambda a, message="": a
_check._grad = lambda g, out, x, message="": check_numerics(
    g, "Not a number (NaN) or infinity (Inf) values detected in gradient. " + message)


def check_numerics(tensor, message, name=None):
    """Checks `tensor` for NaN and Inf and returns it, as `tf.debugging.check_numerics`.

    The gradient passes through and is checked the same way.

    Args:
        tensor: a float (or complex) tensor.
        message: text included in the error.

    Raises:
        InvalidArgumentError: "`message` : Tensor had NaN values" (or Inf, or both),
            with how many and where the first one is.
    """
    x = tensor if isinstance(tensor, Tensor) else convert_to_tensor(tensor)
    a = x._a
    if a.dtype.kind not in "fcV":
        raise _errors.InvalidArgumentError(
            None, "CheckNumerics", f"CheckNumerics expects a floating-point tensor, got "
            f"{x.dtype.name} (shape {tuple(a.shape)}); integer tensors cannot hold NaN or Inf.")
    xp = _xp.of(a)
    if a.dtype.kind == "V":
        a = a.astype(np.float32)
    if not bool(xp.all(xp.isfinite(a))):
        h = _xp.to_numpy(a)
        nan, inf = np.isnan(h), np.isinf(h)
        kinds = " and ".join(k for k, m in (("Inf", inf), ("NaN", nan)) if m.any())
        first = np.argwhere(~np.isfinite(h))[0] if h.ndim else ()
        raise _errors.InvalidArgumentError(
            None, "CheckNumerics",
            f"{message} : Tensor had {kinds} values ({int(nan.sum())} NaN, {int(inf.sum())} Inf "
            f"of {h.size} elements; first at index {tuple(int(i) for i in first)}; "
            f"{_desc(h)}).")
    return _check(x, message=str(message))


def assert_all_finite(x, message, name=None):
    """Returns `x` after checking it holds no NaN or Inf, as `tf.debugging.assert_all_finite`."""
    return check_numerics(x, message)


def is_numeric_tensor(tensor):
    """True when `tensor` is a Tensor of a numeric dtype (not bool or string)."""
    return isinstance(tensor, Tensor) and tensor._a.dtype.kind in "iufcV"


def is_non_decreasing(x, name=None):
    """True (a bool tensor) when the flattened `x` never decreases."""
    a = _np(x).ravel()
    return convert_to_tensor(np.bool_(a.size < 2 or bool(np.all(a[1:] >= a[:-1]))))


def is_strictly_increasing(x, name=None):
    """True (a bool tensor) when the flattened `x` strictly increases."""
    a = _np(x).ravel()
    return convert_to_tensor(np.bool_(a.size < 2 or bool(np.all(a[1:] > a[:-1]))))


def enable_check_numerics(stack_height_limit=30, path_length_limit=50):
    """Asks for NaN/Inf checks on every op output, as `tf.debugging.enable_check_numerics`.

    Not implemented yet: Tessera only sets a flag (see `is_check_numerics_enabled`)
    and warns once; ops do not check their outputs. Call `check_numerics` on the
    tensors you suspect instead.
    """
    _state["check_numerics"] = True
    if not _state["warned"]:
        _state["warned"] = True
        warnings.warn("ts.debugging.enable_check_numerics only sets a flag: Tessera does not "
                      "check every op's output yet. Use ts.debugging.check_numerics(x, msg) on "
                      "the tensors you suspect.", UserWarning, stacklevel=2)


def disable_check_numerics():
    """Clears the flag set by `enable_check_numerics`."""
    _state["check_numerics"] = False


def is_check_numerics_enabled():
    """True after `enable_check_numerics()` (until `disable_check_numerics()`)."""
    return _state["check_numerics"]


def set_log_device_placement(enabled):
    """Records the flag (Tessera does not log op placement yet)."""
    _state["log_placement"] = bool(enabled)


def get_log_device_placement():
    """The flag set by `set_log_device_placement`."""
    return _state["log_placement"]


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    raise _api.missing("debugging", name)

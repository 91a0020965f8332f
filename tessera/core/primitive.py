"""The op registry: one `Primitive` per operation, read by eager dispatch and the tape.

A primitive has a name, a forward computation on backend arrays, an optional
shape rule and a gradient written with Tessera ops on Tensors (so gradients
are themselves differentiable)::

    matmul = Primitive("MatMul")

    @matmul.forward
    def _(a, b, transpose_a=False, transpose_b=False):
        ...                                    # arrays in, array out

    @matmul.gradient
    def _(g, out, a, b, transpose_a=False, transpose_b=False):
        return matmul(g, b, transpose_b=True), matmul(a, g, transpose_a=True)

Calling the primitive with Tensors (or anything convertible) and keyword
attributes runs the forward and, only while a `GradientTape` is recording,
records the call. Heavy fused ops (convolution, attention, ...) are primitives
whose gradient calls a second primitive holding the hand-written backward.
"""
import numpy as np

from ..backend import dtypes as _dt
from ..backend import xp as _xp
from . import errors as _errors
from .tensor import Tensor, _wrap, to_array

__all__ = ["Primitive", "REGISTRY", "record", "tapes_active"]

REGISTRY = {}
# The active gradient tapes, innermost last. Read on every op call: keep it a list.
TAPES = []
_new = object.__new__
_ndarray = np.ndarray
_DIFF_KINDS = "fcV"  # float, complex, and bfloat16 (a 'V' NumPy dtype)


class Primitive:
    """One registered operation: forward, gradient and shape rule.

    Args:
        name: the TensorFlow op name (e.g. `"MatMul"`), unique in `REGISTRY`.
        n_out: number of outputs; above 1 the forward returns a tuple of arrays
            and the gradient receives a list of output gradients.
        differentiable: False for ops with no gradient (argmax, comparisons):
            the tape notes them as the reason a gradient is None.
    """

    __slots__ = ("name", "n_out", "differentiable", "_fwd", "_grad", "_shape", "grad_needs")

    def __init__(self, name, n_out=1, differentiable=True, register=True):
        self.name = name
        self.n_out = n_out
        self.differentiable = differentiable
        self._fwd = None
        self._grad = None
        self._shape = None
        # When True, the gradient is called with `_needs=(bool, ...)`: which inputs
        # need a gradient, so that it can skip the others (e.g. dX of a first layer).
        self.grad_needs = False
        if register:
            if name in REGISTRY:
                raise ValueError(f"Primitive {name!r} is registered twice.")
            REGISTRY[name] = self

    def forward(self, fn):
        """Decorator: sets the forward (backend arrays in, array or tuple out)."""
        self._fwd = fn
        return fn

    def gradient(self, fn):
        """Decorator: sets the gradient `fn(g, out, *inputs, **attrs)`.

        `g` and `out` are Tensors (lists of them for several outputs); it returns
        one gradient (Tensor or None) per input.
        """
        self._grad = fn
        return fn

    def shape(self, fn):
        """Decorator: sets the shape rule `fn(*input_shapes, **attrs) -> shape(s)`."""
        self._shape = fn
        return fn

    def infer_shape(self, *specs, **attrs):
        """Output shape(s) for input `(shape, dtype)` specs, for graph tracing.

        Uses the registered shape rule, else runs the forward on zero-filled
        arrays of those shapes.
        """
        if self._shape is not None:
            return self._shape(*[s for s, _ in specs], **attrs)
        arrays = [np.zeros(s, dtype=_dt.np_dtype(d)) for s, d in specs]
        out = self._fwd(*arrays, **attrs)
        if self.n_out == 1:
            return tuple(np.shape(out))
        return tuple(tuple(np.shape(o)) for o in out)

    def __call__(self, *inputs, **attrs):
        arrays = [x._a if isinstance(x, Tensor) else to_array(x) for x in inputs]
        try:
            out = self._fwd(*arrays, **attrs)
        except (ValueError, TypeError, IndexError) as e:
            raise _errors.op_failure(self.name, arrays, e) from None
        if self.n_out == 1:
            res = _new(Tensor)
            res._a = out
        else:
            res = tuple(_wrap(o) for o in out)
        if TAPES:
            record(self, tuple(x if isinstance(x, Tensor) else _wrap(a)
                               for x, a in zip(inputs, arrays)), res, attrs)
        return res

    def __repr__(self):
        return f"<Primitive {self.name}>"


def tapes_active():
    """True while at least one GradientTape is recording."""
    return bool(TAPES)


def recording():
    """True when a tape is recording right now, i.e. a backward being computed is itself
    taped (second derivatives): fused ops then build their gradient from differentiable
    ops instead of running it on arrays."""
    return any(tp._recording for tp in TAPES)


def _is_diff(t):
    return t._a.dtype.kind in _DIFF_KINDS


def record(prim, inputs, outputs, attrs):
    """Records an op call on every recording tape that watches one of its inputs.

    Trainable variables read by the op are watched automatically by tapes made
    with `watch_accessed_variables=True`. Variables are recorded through a
    snapshot of their current value, so later assignments do not change the
    gradient.
    """
    for tape in TAPES:
        if not tape._recording:
            continue
        watched = tape._watched
        hit = False
        for x in inputs:
            if id(x) in watched:
                hit = True
            elif x._is_variable and tape._watch_accessed and x.trainable:
                tape._watch_variable(x)
                hit = True
        if not hit:
            continue
        multi = type(outputs) is tuple
        outs = outputs if multi else (outputs,)
        if not prim.differentiable or prim._grad is None or not any(_is_diff(o) for o in outs):
            tape._note_cut(inputs, prim, outs)
            continue
        ids = []
        ins = []
        alias = tape._alias
        for x in inputs:
            if x._is_variable:
                snap = x.value_snapshot()
                sid = id(snap)
                if sid not in alias:
                    alias[sid] = id(x)
                    watched.add(sid)
                ins.append(snap)
                ids.append(id(x))
            else:
                ins.append(x)
                ids.append(alias.get(id(x), id(x)))
        tape._records.append((prim, tuple(ins), tuple(ids), outputs, attrs))
        for o in outs:
            if _is_diff(o):
                watched.add(id(o))


def binary(prim, fn):
    """Builds the fast eager function for an elementwise binary primitive.

    The returned `op(x, y, name=None)` applies TensorFlow's dtype rules (a
    Python scalar takes the tensor's dtype; two tensors of different dtypes are
    an error naming the cast to write), calls `fn` on the arrays, and records on
    the tape only when one is active. `prim`'s forward must be `fn`.
    """
    opname = prim.name

    def op(x, y, name=None):
        if type(x) is Tensor and type(y) is Tensor:
            xa = x._a
            ya = y._a
            if xa.dtype is not ya.dtype and xa.dtype != ya.dtype:
                raise dtype_mismatch(opname, xa, ya)
        else:
            x, y, xa, ya = coerce_pair(opname, x, y)
        try:
            out = fn(xa, ya)
        except (ValueError, TypeError) as e:
            raise _errors.op_failure(opname, (xa, ya), e) from None
        res = _new(Tensor)
        res._a = out
        if TAPES:
            record(prim, (x if isinstance(x, Tensor) else _wrap(xa),
                          y if isinstance(y, Tensor) else _wrap(ya)), res, {})
        return res

    op.__name__ = opname
    return op


def dtype_mismatch(opname, xa, ya):
    a, b = _dt.from_numpy(xa.dtype).name, _dt.from_numpy(ya.dtype).name
    return _errors.InvalidArgumentError(
        None, opname,
        f"{opname}: cannot combine a {a} tensor (shape {tuple(xa.shape)}) with a {b} tensor "
        f"(shape {tuple(ya.shape)}): TensorFlow's dtype rules require equal dtypes. "
        f"Cast one first, e.g. ts.cast(y, ts.{a}).")


def _scalar_array(v, like, opname):
    """A Python scalar converted to the dtype of the array it meets."""
    kind = like.dtype.kind
    if isinstance(v, float):
        if kind in "iub":
            raise _errors.InvalidArgumentError(
                None, opname,
                f"{opname}: cannot combine the Python float {v!r} with a "
                f"{_dt.from_numpy(like.dtype).name} tensor without losing its fraction. "
                "Cast the tensor first: ts.cast(x, ts.float32).")
    elif isinstance(v, complex) and kind != "c":
        raise _errors.InvalidArgumentError(
            None, opname, f"{opname}: cannot combine a complex scalar with a "
            f"{_dt.from_numpy(like.dtype).name} tensor; cast it to ts.complex64 first.")
    xp = np if isinstance(like, (_ndarray, np.generic)) else _xp.of(like)
    try:
        return xp.asarray(v, dtype=like.dtype)
    except OverflowError:
        raise _errors.InvalidArgumentError(
            None, opname, f"{opname}: {v!r} does not fit in {_dt.from_numpy(like.dtype).name}; "
            "cast the tensor to a wider dtype first.") from None


_PY_SCALARS = (int, float, bool, complex)


def coerce_pair(opname, x, y):
    """Converts two operands of a binary op to arrays of one dtype (TensorFlow's rules).

    Returns `(x, y, x_array, y_array)`; x and y stay Tensors where they were.
    """
    xt, yt = isinstance(x, Tensor), isinstance(y, Tensor)
    if xt and yt:
        xa, ya = x._a, y._a
    elif xt:
        xa = x._a
        ya = _scalar_array(y, xa, opname) if isinstance(y, _PY_SCALARS) else _other(y, xa)
    elif yt:
        ya = y._a
        xa = _scalar_array(x, ya, opname) if isinstance(x, _PY_SCALARS) else _other(x, ya)
    else:
        xa = to_array(x)
        ya = _scalar_array(y, xa, opname) if isinstance(y, _PY_SCALARS) else to_array(y)
    if xa.dtype != ya.dtype:
        raise dtype_mismatch(opname, xa, ya)
    return x, y, xa, ya


def _other(v, like):
    """A non-scalar, non-Tensor operand: NumPy arrays keep their dtype, lists take `like`'s."""
    if isinstance(v, (_ndarray, np.generic)):
        k, lk = v.dtype.kind, like.dtype.kind
        if v.dtype != like.dtype and (k == lk or (k in "iu" and lk in "iufc") or (k == "f" and lk == "c")):
            return to_array(v, _dt.from_numpy(like.dtype))
        return to_array(v)
    if isinstance(v, (list, tuple)):
        try:
            return to_array(v, _dt.from_numpy(like.dtype))
        except (TypeError, ValueError):
            return to_array(v)
    return to_array(v)

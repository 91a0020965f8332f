"""`Variable`: the only mutable state; and `Module`, which finds variables in attributes."""
import numpy as np

from ..backend import dtypes as _dt
from ..backend import xp as _xp
from . import primitive as _prim
from .shapes import TensorShape
from .tensor import Tensor, _wrap, to_array, _np_repr, _shape_str

__all__ = ["Variable", "Module", "VariableSynchronization", "VariableAggregation"]


class VariableSynchronization:
    AUTO = 0
    NONE = 1
    ON_WRITE = 2
    ON_READ = 3


class VariableAggregation:
    NONE = 0
    SUM = 1
    MEAN = 2
    ONLY_FIRST_REPLICA = 3


_READ = _prim.Primitive("ReadVariableOp")
_READ.forward(lambda a: a)
_READ.gradient(lambda g, out, v: g)


class Variable(Tensor):
    """A tensor whose value changes through `assign`, as `tf.Variable`.

    Args:
        initial_value: a tensor, array, Python value, or a callable returning one.
        trainable: whether `GradientTape` watches it automatically (default True).
        name: its name (shown as `name:0`).
        dtype: cast the initial value to this dtype.
        shape: the allowed shape; `None` dimensions allow assignments of other sizes.
        constraint: optional function applied by optimizers after each update.

    Example:
    >>> v = ts.Variable([1.0, 2.0], name="v")
    >>> v.assign_add([1.0, 1.0]).numpy()
    array([2., 3.], dtype=float32)
    """

    __slots__ = ("_trainable", "_name", "_shape_spec", "_constraint", "synchronization",
                 "aggregation", "_opt_slots", "_snap")
    _is_variable = True

    def __init__(self, initial_value=None, trainable=None, validate_shape=True,
                 caching_device=None, name=None, variable_def=None, dtype=None,
                 import_scope=None, constraint=None,
                 synchronization=VariableSynchronization.AUTO,
                 aggregation=VariableAggregation.NONE, shape=None,
                 experimental_enable_variable_lifting=True):
        if initial_value is None:
            raise ValueError("ts.Variable needs an initial_value (a tensor, array or callable).")
        if callable(initial_value) and not isinstance(initial_value, Tensor):
            initial_value = initial_value()
        if isinstance(initial_value, Tensor):
            a = initial_value._a
            if dtype is not None and a.dtype != _dt.np_dtype(dtype):
                a = a.astype(_dt.np_dtype(dtype))
        else:
            a = to_array(initial_value, dtype)
        xp = _xp.of(a)
        self._a = xp.array(a, copy=True)
        if synchronization == VariableSynchronization.ON_READ and trainable:
            raise ValueError("Synchronization ON_READ variables cannot be trainable.")
        self._trainable = True if trainable is None else bool(trainable)
        self._name = name if name else "Variable"
        if shape is None:
            spec = TensorShape._fast(self._a.shape)
        else:
            spec = TensorShape(shape)
            if spec.rank is None:
                spec = None
        self._shape_spec = spec
        if self._shape_spec is not None and not self._shape_spec.is_compatible_with(self._a.shape):
            raise ValueError(
                f"Variable {self._name!r}: initial value of shape {tuple(self._a.shape)} does not "
                f"match the shape {self._shape_spec} given.")
        self._constraint = constraint
        self.synchronization = synchronization
        self.aggregation = aggregation
        self._opt_slots = None
        self._snap = None

    # -- identity ---------------------------------------------------------
    @property
    def name(self):
        return self._name if self._name.endswith(":0") else self._name + ":0"

    @property
    def trainable(self):
        return self._trainable

    @property
    def constraint(self):
        return self._constraint

    @property
    def handle(self):
        return self

    def __hash__(self):
        raise TypeError("Variable is unhashable. Instead, use variable.ref() as the key.")

    def __repr__(self):
        arr = self.numpy()
        return (f"<tf.Variable '{self.name}' shape={_shape_str(arr.shape)} "
                f"dtype={self.dtype.name}, numpy={_np_repr(arr)}>")

    def __deepcopy__(self, memo):
        return Variable(self._a.copy(), trainable=self._trainable, name=self._name,
                        constraint=self._constraint)

    def __reduce__(self):
        return (Variable, (self.numpy(), self._trainable, True, None, self._name))

    # -- reading ----------------------------------------------------------
    def value(self):
        """Returns the current value as a Tensor (recorded as a read when a tape is active)."""
        if _prim.TAPES:
            return _READ(self)
        return _wrap(self._a)

    def read_value(self):
        """Returns the current value as a Tensor (recorded as a read when a tape is active)."""
        if _prim.TAPES:
            return _READ(self)
        return _wrap(self._a)

    def value_snapshot(self):
        """The current value as a Tensor, without recording: the tape's view of this variable.

        The same Tensor is returned until the variable's array changes, so every tape
        sees one identity for one value (needed for higher-order gradients).
        """
        s = self._snap
        if s is None or s._a is not self._a:
            s = self._snap = _wrap(self._a)
        return s

    def numpy(self):
        return _xp.to_numpy(self._a)

    # -- writing ----------------------------------------------------------
    def _check_new(self, value, what):
        a = value._a if isinstance(value, Tensor) else to_array(value, _dt.from_numpy(self._a.dtype)) \
            if not isinstance(value, np.ndarray) else value
        if a.dtype != self._a.dtype:
            if isinstance(value, Tensor):
                raise TypeError(
                    f"Variable {self.name!r} ({self.dtype.name}): cannot {what} a "
                    f"{_dt.from_numpy(a.dtype).name} value. Cast it: ts.cast(value, ts.{self.dtype.name}).")
            a = a.astype(self._a.dtype)
        return a

    def assign(self, value, use_locking=None, name=None, read_value=True):
        """Sets the value; the shape must match the variable's. Returns the variable."""
        a = self._check_new(value, "assign")
        if tuple(a.shape) != tuple(self._a.shape):
            spec = self._shape_spec
            if not (spec is None or (not spec.is_fully_defined() and spec.is_compatible_with(a.shape))):
                raise ValueError(
                    f"Cannot assign a value of shape {tuple(a.shape)} to variable {self.name!r} "
                    f"of shape {tuple(self._a.shape)}. Reshape the value, or create the variable "
                    "with shape=ts.TensorShape(None) to allow any shape.")
        xp = _xp.of(self._a)
        self._a = xp.array(a, dtype=self._a.dtype, copy=True)
        return self if read_value else None

    def assign_add(self, delta, use_locking=None, name=None, read_value=True):
        """Adds `delta` to the value (shapes must match). Returns the variable."""
        a = self._check_new(delta, "assign_add")
        if tuple(a.shape) != tuple(self._a.shape) and a.size != 1:
            raise ValueError(f"assign_add: shape {tuple(a.shape)} does not match variable "
                             f"{self.name!r} of shape {tuple(self._a.shape)}.")
        new = self._a + a
        self._a = new if new.ndim else _xp.of(new).asarray(new)
        return self if read_value else None

    def assign_sub(self, delta, use_locking=None, name=None, read_value=True):
        """Subtracts `delta` from the value (shapes must match). Returns the variable."""
        a = self._check_new(delta, "assign_sub")
        if tuple(a.shape) != tuple(self._a.shape) and a.size != 1:
            raise ValueError(f"assign_sub: shape {tuple(a.shape)} does not match variable "
                             f"{self.name!r} of shape {tuple(self._a.shape)}.")
        new = self._a - a
        self._a = new if new.ndim else _xp.of(new).asarray(new)
        return self if read_value else None

    def scatter_nd_update(self, indices, updates, name=None):
        """Sets the elements at `indices` (as `tf.tensor_scatter_nd_update`)."""
        idx = _xp.to_numpy(to_array(indices)).astype(np.int64)
        new = self._a.copy()
        new[tuple(np.moveaxis(idx, -1, 0))] = self._check_new(updates, "scatter into")
        self._a = new
        return self

    def scatter_update(self, sparse_delta, use_locking=False, name=None):
        """Sets rows `sparse_delta.indices` to `sparse_delta.values` (an IndexedSlices)."""
        new = self._a.copy()
        new[_xp.to_numpy(to_array(sparse_delta.indices))] = self._check_new(sparse_delta.values, "scatter into")
        self._a = new
        return self


class Module:
    """A container of variables and sub-modules, as `tf.Module`.

    Variables, modules and lists/tuples/dicts of them assigned as attributes
    are found by `variables`, `trainable_variables` and `submodules`.

    Example:
    >>> class Linear(ts.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.w = ts.Variable(ts.ones([2, 2]))
    >>> len(Linear().trainable_variables)
    1
    """

    def __init__(self, name=None):
        self._module_name = name or _snake(type(self).__name__)

    @property
    def name(self):
        return getattr(self, "_module_name", _snake(type(self).__name__))

    @property
    def name_scope(self):
        from contextlib import nullcontext
        return nullcontext(self.name)

    def _walk(self):
        seen = {id(self)}
        out = []

        def visit(x):
            if isinstance(x, Variable) or isinstance(x, Module):
                if id(x) in seen:
                    return
                seen.add(id(x))
                out.append(x)
                if isinstance(x, Module):
                    for k in sorted(vars(x)):
                        visit(vars(x)[k])
            elif isinstance(x, dict):
                for k in list(x):
                    visit(x[k])
            elif isinstance(x, (list, tuple)):
                for v in x:
                    visit(v)

        for k in sorted(vars(self)):
            visit(vars(self)[k])
        return out

    @property
    def variables(self):
        """All variables of this module and its sub-modules (no duplicates)."""
        return tuple(x for x in self._walk() if isinstance(x, Variable))

    @property
    def trainable_variables(self):
        """The trainable variables of this module and its sub-modules."""
        return tuple(x for x in self._walk() if isinstance(x, Variable) and x.trainable)

    @property
    def non_trainable_variables(self):
        return tuple(x for x in self._walk() if isinstance(x, Variable) and not x.trainable)

    @property
    def submodules(self):
        """All modules reachable from this one's attributes."""
        return tuple(x for x in self._walk() if isinstance(x, Module))

    @classmethod
    def with_name_scope(cls, method):
        return method


def _snake(name):
    out = []
    for i, c in enumerate(name):
        if c.isupper() and i and not name[i - 1].isupper():
            out.append("_")
        out.append(c.lower())
    return "".join(out)

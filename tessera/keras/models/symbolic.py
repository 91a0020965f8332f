"""The symbolic side of the functional API: `KerasTensor`, `Node`, `Operation`.

Calling an `Operation` (a layer, or a `keras.ops` function) on `KerasTensor`s
records a `Node` linking its inputs to new `KerasTensor` outputs instead of
computing anything. A `Functional` model later replays the nodes on data.
Output shapes come from `compute_output_spec`, which by default runs the
operation on small zero-filled tensors (unknown dimensions filled with two
different sizes, to tell which output dimensions follow them).
"""
import numpy as np

from ...backend import dtypes as _dt
from ...core import nest
from ...core.shapes import TensorShape
from ...core.tensor import Tensor

__all__ = ["KerasTensor", "Node", "Operation", "any_symbolic", "is_keras_tensor"]

_PROBE_SIZES = (7, 11)


class KerasTensor:
    """A symbolic tensor: a shape (with None for unknown sizes) and a dtype, no values.

    Made by `keras.Input` and by calling layers on other KerasTensors.

    Attributes:
        shape: a tuple, None for unknown dimensions.
        dtype: the dtype name, e.g. `"float32"`.
        name: a name, from `keras.Input(name=...)` or the producing layer.
    """

    __slots__ = ("shape", "dtype", "name", "sparse", "_keras_history", "_keras_mask_spec",
                 "__weakref__")

    def __init__(self, shape, dtype="float32", sparse=False, name=None, record_history=True):
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = _dt.as_dtype(dtype).name
        self.sparse = sparse
        self.name = name
        self._keras_history = None
        self._keras_mask_spec = None

    @property
    def ndim(self):
        return len(self.shape)

    def __repr__(self):
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, name={self.name}>"

    def __hash__(self):
        return id(self)

    def __bool__(self):
        raise TypeError("A symbolic KerasTensor has no truth value: it holds no data. Use "
                        "keras.ops functions (e.g. keras.ops.where) inside a functional model.")

    def __len__(self):
        if not self.shape or self.shape[0] is None:
            raise TypeError("len() of a KerasTensor with an unknown first dimension is undefined.")
        return self.shape[0]

    def __iter__(self):
        raise TypeError("A symbolic KerasTensor cannot be iterated: it holds no data.")

    def numpy(self):
        raise ValueError("A symbolic KerasTensor has no value: call the model on real data "
                         "(model(x) or model.predict(x)) to get numbers.")

    def __array__(self, *a, **k):
        raise TypeError("A symbolic KerasTensor cannot be converted to a NumPy array: it holds "
                        "no data. Use keras.ops functions on it inside a functional model.")

    # Operators build keras.ops nodes (the functions live in tessera.keras.ops).
    def _op(self, name, *args):
        from .. import ops
        return getattr(ops, name)(*args)

    def __add__(self, o): return self._op("add", self, o)
    def __radd__(self, o): return self._op("add", o, self)
    def __sub__(self, o): return self._op("subtract", self, o)
    def __rsub__(self, o): return self._op("subtract", o, self)
    def __mul__(self, o): return self._op("multiply", self, o)
    def __rmul__(self, o): return self._op("multiply", o, self)
    def __truediv__(self, o): return self._op("divide", self, o)
    def __rtruediv__(self, o): return self._op("divide", o, self)
    def __floordiv__(self, o): return self._op("floor_divide", self, o)
    def __pow__(self, o): return self._op("power", self, o)
    def __rpow__(self, o): return self._op("power", o, self)
    def __matmul__(self, o): return self._op("matmul", self, o)
    def __rmatmul__(self, o): return self._op("matmul", o, self)
    def __neg__(self): return self._op("negative", self)
    def __abs__(self): return self._op("absolute", self)
    def __lt__(self, o): return self._op("less", self, o)
    def __le__(self, o): return self._op("less_equal", self, o)
    def __gt__(self, o): return self._op("greater", self, o)
    def __ge__(self, o): return self._op("greater_equal", self, o)
    def __getitem__(self, key): return self._op("get_item", self, key)


def is_keras_tensor(x):
    return isinstance(x, KerasTensor)


def any_symbolic(args, kwargs=None):
    """True when a KerasTensor appears anywhere in `args` (and `kwargs`)."""
    for x in nest.flatten(args):
        if isinstance(x, KerasTensor):
            return True
    if kwargs:
        for x in nest.flatten(kwargs):
            if isinstance(x, KerasTensor):
                return True
    return False


class Node:
    """One call of an operation in a functional graph: its arguments and outputs."""

    __slots__ = ("operation", "call_args", "call_kwargs", "outputs", "arguments")

    def __init__(self, operation, call_args, call_kwargs, outputs):
        self.operation = operation
        self.call_args = call_args
        self.call_kwargs = call_kwargs
        self.outputs = nest.flatten(outputs)
        self.arguments = [x for x in nest.flatten((call_args, call_kwargs)) if isinstance(x, KerasTensor)]
        node_index = len(operation._inbound_nodes)
        operation._inbound_nodes.append(self)
        for i, t in enumerate(self.outputs):
            if isinstance(t, KerasTensor):
                t._keras_history = (operation, node_index, i)
        for t in self.arguments:
            if t._keras_history is not None:
                t._keras_history[0]._outbound_nodes.append(self)

    @property
    def input_tensors(self):
        return self.arguments

    @property
    def parent_nodes(self):
        out = []
        for t in self.arguments:
            op, idx, _ = t._keras_history
            out.append(op._inbound_nodes[idx])
        return out

    @property
    def is_input(self):
        return not self.arguments


def _probe_value(spec, size):
    shape = tuple(size if d is None else d for d in spec.shape)
    return _zeros(shape, _dt.np_dtype(spec.dtype))


def _zeros(shape, dt):
    from ...core.tensor import _wrap
    return _wrap(np.zeros(shape, dtype=dt))


class Operation:
    """Base of everything that can be called on KerasTensors (layers and keras.ops).

    Subclasses implement `call`; `__call__` dispatches to `symbolic_call` when an
    argument is a KerasTensor.
    """

    def __init__(self, name=None):
        self.name = name or type(self).__name__.lower()
        self._inbound_nodes = []
        self._outbound_nodes = []

    def __call__(self, *args, **kwargs):
        if any_symbolic(args, kwargs):
            return self.symbolic_call(*args, **kwargs)
        return self.call(*args, **kwargs)

    def call(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must implement call().")

    def symbolic_call(self, *args, **kwargs):
        outputs = self.compute_output_spec(*args, **kwargs)
        Node(self, args, kwargs, outputs)
        return outputs

    def compute_output_spec(self, *args, **kwargs):
        """Returns KerasTensors describing the outputs for symbolic inputs.

        The default runs `call` twice on zero-filled tensors, filling unknown
        dimensions with two different sizes; an output dimension that follows
        them is unknown (None).
        """
        results = []
        for size in _PROBE_SIZES:
            concrete = nest.map_structure(
                lambda x: _probe_value(x, size) if isinstance(x, KerasTensor) else x, (args, kwargs))
            results.append(self._probe_call(*concrete[0], **concrete[1]))
        flat_a, flat_b = nest.flatten(results[0]), nest.flatten(results[1])
        specs = []
        for a, b in zip(flat_a, flat_b):
            if a is None:
                specs.append(None)
                continue
            sa, sb = tuple(a.shape), tuple(b.shape)
            shape = tuple(da if da == db else None for da, db in zip(sa, sb))
            specs.append(KerasTensor(shape, dtype=a.dtype.name if hasattr(a.dtype, "name") else a.dtype))
        return nest.pack_sequence_as(results[0], specs)

    def _probe_call(self, *args, **kwargs):
        return self.call(*args, **kwargs)

    def get_config(self):
        return {"name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    @property
    def input(self):
        return self._inbound_nodes[0].call_args[0] if self._inbound_nodes else None

    @property
    def output(self):
        if not self._inbound_nodes:
            raise AttributeError(f"Layer {self.name!r} has never been called on a symbolic input, "
                                 "so it has no defined output.")
        outs = self._inbound_nodes[0].outputs
        return outs[0] if len(outs) == 1 else outs

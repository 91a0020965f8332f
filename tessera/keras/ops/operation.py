"""The mechanism that makes every `keras.ops` function work on KerasTensors.

`@keras_op("numpy")` wraps an eager function (Tensors in, Tensors out, written
with Tessera ops so gradients flow). Called on data, the wrapper calls the
function directly (one cheap scan of the arguments). Called with a KerasTensor
anywhere in its arguments, it builds an `Operation` instead: an instance of a
class made once per function (`Exp`, `GetItem`, `Sum`, ... as Keras 3 names them)
whose config holds the non-tensor arguments, and returns
`op.symbolic_call(*tensor_arguments)`, which records a `Node` for functional
models. Output specs come from probe runs on small filled tensors, or from an
explicit `spec` rule where a probe would be wrong (data-dependent shapes).

Also here: the dtype helpers shared by the ops (Keras 3's promotion rules,
conversion of inputs to Tensors).
"""
import inspect

import numpy as np

import tessera as ts

from ...backend import dtypes as _dt
from ...core import nest
from ...core.tensor import Tensor
from .. import config as _config
from ..models.symbolic import KerasTensor, Node, Operation, any_symbolic
from ..saving import object_registration as _reg

__all__ = ["keras_op", "KerasOpOperation", "Operation", "tensor", "float_tensor", "promote",
           "result_type", "standardize_dtype", "any_symbolic"]

_PROBE_SIZES = (7, 11)
_PARAM = inspect.Parameter


# -- dtypes ------------------------------------------------------------------------------------
def standardize_dtype(dtype):
    """The dtype's name (`"float32"`); None gives `keras.config.floatx()`."""
    if dtype is None:
        return _config.floatx()
    if isinstance(dtype, str):
        return _dt.as_dtype(dtype).name
    if type(dtype).__name__ == "DTypePolicy":
        return dtype.compute_dtype
    if isinstance(dtype, type) and dtype in (bool, int, float):
        return {bool: "bool", int: "int32", float: _config.floatx()}[dtype]
    return _dt.as_dtype(dtype).name


def _join(a, b):
    """Keras 3's promotion of two (strong) dtype names."""
    if a == b:
        return a
    if a == "bool":
        return b
    if b == "bool":
        return a
    ka, kb = np.dtype(_dt.np_dtype(a)).kind, np.dtype(_dt.np_dtype(b)).kind
    fa, fb = ka in "fcV", kb in "fcV"
    if fa and not fb:
        return a
    if fb and not fa:
        return b
    if {a, b} == {"float16", "bfloat16"}:
        return "float32"
    if "bfloat16" in (a, b):
        other = b if a == "bfloat16" else a
        return other
    return np.promote_types(_dt.np_dtype(a), _dt.np_dtype(b)).name


def result_type(*dtypes):
    """The dtype Keras 3 computes in for operands of `dtypes`.

    Entries may be dtype names or the Python types `bool`, `int`, `float` (weak
    types: a Python scalar takes the dtype of the tensor it meets, except that a
    float scalar meeting an integer tensor gives `floatx`).
    """
    strong = [standardize_dtype(d) for d in dtypes if not (isinstance(d, type) and
                                                            d in (bool, int, float))]
    weak = {d for d in dtypes if isinstance(d, type) and d in (bool, int, float)}
    if not strong:
        if float in weak:
            return _config.floatx()
        return "int32" if int in weak else "bool"
    out = strong[0]
    for d in strong[1:]:
        out = _join(out, d)
    kind = np.dtype(_dt.np_dtype(out)).kind
    if float in weak and kind in "biu":
        return _config.floatx()
    if int in weak and kind == "b":
        return "int32"
    return out


def tensor(x, dtype=None):
    """Converts `x` to a Tensor (of `dtype` if given); Tensors and Variables pass through."""
    if isinstance(x, Tensor):
        if dtype is not None:
            dtype = standardize_dtype(dtype)
            if x.dtype.name != dtype:
                return ts.cast(x, dtype)
        return x
    if isinstance(x, KerasTensor):
        raise TypeError("A KerasTensor reached an eager keras.ops function: it holds no data.")
    if dtype is not None:
        return ts.convert_to_tensor(np.asarray(x, dtype=_dt.np_dtype(standardize_dtype(dtype))))
    return ts.convert_to_tensor(x)


def float_tensor(x):
    """`x` as a Tensor with a floating (or complex) dtype: integers and bools become floatx."""
    x = tensor(x)
    if x._a.dtype.kind not in "fcV":
        x = ts.cast(x, _config.floatx())
    return x


def _weak(x):
    if isinstance(x, (bool, np.bool_)):
        return bool
    if isinstance(x, (int, np.integer)) and not isinstance(x, np.generic):
        return int
    if isinstance(x, float) and not isinstance(x, np.generic):
        return float
    return None


def promote(*xs, dtype=None):
    """Converts operands to Tensors of one common dtype (Keras 3's rules)."""
    if dtype is None:
        if all(isinstance(x, Tensor) for x in xs):
            names = [x.dtype.name for x in xs]
            if all(n == names[0] for n in names):
                return list(xs)
        tens = [None if _weak(x) is not None else tensor(x) for x in xs]
        dtype = result_type(*[_weak(x) if t is None else t.dtype.name for x, t in zip(xs, tens)])
    else:
        tens = [None if _weak(x) is not None else tensor(x) for x in xs]
        dtype = standardize_dtype(dtype)
    out = []
    for x, t in zip(xs, tens):
        if t is None:
            out.append(ts.convert_to_tensor(np.asarray(x, dtype=_dt.np_dtype(dtype))))
        elif t.dtype.name != dtype:
            out.append(ts.cast(t, dtype))
        else:
            out.append(t)
    return out


# -- the Operation made for each keras.ops function ---------------------------------------------
class KerasOpOperation(Operation):
    """A `keras.ops` function called on KerasTensors: one node in a functional graph.

    The config holds the call's non-tensor arguments (plus `name`); the node's
    call arguments are the rest, in signature order.
    """

    _fn = None
    _sig = None
    _spec = None
    _probe = "zeros"

    def __init__(self, name=None, **config):
        if name is None:
            from ..layers.layer import unique_name
            name = unique_name(_snake(type(self).__name__))
        super().__init__(name=name)
        self._config = config
        self._tensor_names = tuple(p for p in self._sig.parameters if p not in config)

    def _arguments(self, args, kwargs):
        arguments = dict(self._config)
        arguments.update(zip(self._tensor_names, args))
        arguments.update(kwargs)
        return arguments

    def call(self, *args, **kwargs):
        a, k = _split_call(self._sig, self._arguments(args, kwargs))
        return type(self)._fn(*a, **k)

    def compute_output_spec(self, *args, **kwargs):
        if self._spec is not None:
            a, k = _split_call(self._sig, self._arguments(args, kwargs))
            return type(self)._spec(*a, **k)
        results = []
        for size in _PROBE_SIZES:
            concrete = nest.map_structure(
                lambda x: _probe_value(x, size, self._probe) if isinstance(x, KerasTensor) else x,
                (list(args), kwargs))
            with np.errstate(all="ignore"):  # zero-filled probes may divide by zero
                results.append(self.call(*concrete[0], **concrete[1]))
        flat_a, flat_b = nest.flatten(results[0]), nest.flatten(results[1])
        specs = []
        for a, b in zip(flat_a, flat_b):
            if a is None:
                specs.append(None)
                continue
            a, b = tensor(a), tensor(b)
            sa, sb = tuple(a.shape), tuple(b.shape)
            shape = tuple(da if da == db else None for da, db in zip(sa, sb))
            specs.append(KerasTensor(shape, dtype=a.dtype.name))
        return nest.pack_sequence_as(results[0], specs)

    def symbolic_call(self, *args, **kwargs):
        outputs = self.compute_output_spec(*args, **kwargs)
        Node(self, args, kwargs, outputs)
        return outputs

    def get_config(self):
        config = {"name": self.name}
        config.update(self._config)
        return config


def _snake(name):
    out = []
    for i, c in enumerate(name):
        if c.isupper() and i and not name[i - 1].isupper():
            out.append("_")
        out.append(c.lower())
    return "".join(out)


def _camel(name):
    return "".join(w[:1].upper() + w[1:] for w in name.split("_"))


def _probe_value(spec, size, kind):
    shape = tuple(size if d is None else d for d in spec.shape)
    npd = _dt.np_dtype(spec.dtype)
    a = np.zeros(shape, dtype=npd)
    if kind == "eye" and len(shape) >= 2:  # well-conditioned matrices for linalg probes
        a = a + np.eye(shape[-2], shape[-1], dtype=np.float64).astype(npd)
    elif kind == "ones":
        a = np.ones(shape, dtype=npd)
    return ts.convert_to_tensor(a)


def _split_call(sig, arguments):
    """Positional and keyword arguments for `fn` from a {parameter: value} mapping."""
    args, kwargs = [], {}
    for p in sig.parameters.values():
        if p.name not in arguments:
            continue
        v = arguments[p.name]
        if p.kind in (_PARAM.POSITIONAL_ONLY, _PARAM.POSITIONAL_OR_KEYWORD):
            args.append(v)
        elif p.kind is _PARAM.VAR_POSITIONAL:
            args.extend(v)
        elif p.kind is _PARAM.KEYWORD_ONLY:
            kwargs[p.name] = v
        else:
            kwargs.update(v)
    return args, kwargs


def _has_kt(value):
    t = type(value)
    if t is KerasTensor:
        return True
    if t is list or t is tuple or t is dict:
        return any_symbolic(value)
    return False


def _symbolic(cls, args, kwargs):
    ba = cls._sig.bind(*args, **kwargs)
    ba.apply_defaults()
    config, tensors = {}, []
    first = True
    for p in cls._sig.parameters.values():
        v = ba.arguments.get(p.name)
        is_tensor_param = p.name in cls._tensor_params or (first and not cls._tensor_params)
        first = False
        if is_tensor_param or _has_kt(v) or p.kind in (_PARAM.VAR_POSITIONAL,
                                                        _PARAM.VAR_KEYWORD) and _has_kt(v):
            tensors.append(v)
        else:
            config[p.name] = v
    op = cls(**config)
    return op.symbolic_call(*tensors)


def _register(obj, name):
    """Makes `obj` findable by deserialization under Keras's `keras.ops` module.

    Written to the exact (module, name) table only: registering the by-name
    table too would let `"relu"` or `"Add"` resolve to an op instead of an
    activation or a layer.
    """
    _reg._BUILTIN[("keras.ops", name)] = obj


def keras_op(family, tensors=(), spec=None, probe="zeros", class_name=None):
    """Decorator: makes an eager `keras.ops` function symbolic-aware.

    Args:
        family: Keras's source module of the op ("numpy", "core", "nn", "math",
            "linalg"): the saved config names `keras.src.ops.<family>`.
        tensors: the parameter names that are tensor inputs of the node (default:
            the first parameter). Any other argument holding a KerasTensor joins them.
        spec: optional `spec(*args, **kwargs) -> KerasTensor(s)`, the output spec
            rule, for ops whose probe run would give a wrong shape.
        probe: "zeros" (default), "ones" or "eye": what fills probe inputs.
        class_name: the Operation class name (default: CamelCase of the function name).
    """
    if isinstance(tensors, str):
        tensors = (tensors,)

    def deco(fn):
        cname = class_name or _camel(fn.__name__)
        cls = type(cname, (KerasOpOperation,), {
            "_fn": staticmethod(fn), "_sig": inspect.signature(fn),
            "_spec": None if spec is None else staticmethod(spec), "_probe": probe,
            "_tensor_params": tuple(tensors), "_keras_module": f"keras.src.ops.{family}",
            "__module__": fn.__module__,
            "__doc__": f"The Operation behind `keras.ops.{fn.__name__}` in functional models."})
        _register(cls, cname)

        def wrapper(*args, **kwargs):
            for a in args:
                t = type(a)
                if t is KerasTensor or (t is list or t is tuple) and any_symbolic(a):
                    return _symbolic(cls, args, kwargs)
            if kwargs:
                for a in kwargs.values():
                    if _has_kt(a):
                        return _symbolic(cls, args, kwargs)
            return fn(*args, **kwargs)

        wrapper.__name__ = fn.__name__
        wrapper.__qualname__ = fn.__name__
        wrapper.__doc__ = fn.__doc__
        wrapper.__module__ = fn.__module__
        wrapper.__wrapped__ = fn
        wrapper.__signature__ = cls._sig
        wrapper._keras_module = "keras.ops"
        wrapper.operation_class = cls
        _register(wrapper, fn.__name__)
        return wrapper
    return deco


def alias(fn, name):
    """A second public name for a `keras_op` function (e.g. `abs` for `absolute`)."""
    _register(fn, name)
    return fn

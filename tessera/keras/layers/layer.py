"""`Layer`: the base class of every Keras layer (and of models).

A layer owns variables (`add_weight`), builds itself on first call from the
input shape (`build`), computes in `call`, and tracks the sublayers and
variables assigned to its attributes (also inside lists and dicts).
"""
import collections
import inspect
import re
import threading

import numpy as np

from ...backend import dtypes as _dt
from ...core import nest
from ...core.tensor import Tensor, convert_to_tensor
from ...core.variable import Variable as _TSVariable
from ...ops.creation import cast as _cast
from .. import config as _config
from ..models.symbolic import KerasTensor, Operation, any_symbolic
from ..saving.object_registration import keras_export
from .input_spec import InputSpec, assert_input_compatibility

__all__ = ["Layer", "unique_name", "reset_uids"]

_UIDS = collections.defaultdict(int)
# Bumped whenever a layer, variable or container is assigned to a layer attribute, a
# layer is created or a weight added: caches of the layer tree compare against it.
_VERSION = [0]
_TRACKED_TYPES = (list, tuple, dict)
_ANY_LOSS = [False]
_ANY_REG = [False]
_ctx = threading.local()
_MISSING = object()
_SKIP_ATTRS = frozenset(("_inbound_nodes", "_outbound_nodes", "_auto_config", "input_spec",
                         "_call_info", "_build_shapes"))


def _snake(name):
    """`Conv2D` -> `conv2d`, `MaxPooling2D` -> `max_pooling2d`, as Keras names layers."""
    s = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", s).lower()


def unique_name(base):
    """`dense`, then `dense_1`, `dense_2`... (reset by `keras.backend.clear_session`)."""
    n = _UIDS[base]
    _UIDS[base] += 1
    return base if n == 0 else f"{base}_{n}"


def reset_uids():
    _UIDS.clear()


def _policy_name(dtype):
    if dtype is None:
        return None
    if isinstance(dtype, dict):  # a serialized DTypePolicy
        cfg = dtype.get("config", {})
        return cfg.get("name", "float32")
    name = getattr(dtype, "name", None)
    if type(dtype).__name__ == "DTypePolicy":
        return dtype.name
    if name is not None and not isinstance(dtype, str):
        return name
    if dtype == "mixed_float16":
        return "float16"
    if dtype == "mixed_bfloat16":
        return "bfloat16"
    return _dt.as_dtype(dtype).name


class _CallInfo:
    """What a layer class's `call` accepts, computed once per class."""

    __slots__ = ("has_training", "has_mask", "first_arg", "arg_names", "accepts_kwargs",
                 "training_default")

    def __init__(self, call):
        sig = inspect.signature(call)
        params = list(sig.parameters.values())
        if params and params[0].name == "self":  # `call` read from the class: unbound
            params = params[1:]
        self.arg_names = [p.name for p in params]
        self.has_training = "training" in sig.parameters
        self.training_default = sig.parameters["training"].default if self.has_training else None
        self.has_mask = "mask" in sig.parameters
        self.accepts_kwargs = any(p.kind == p.VAR_KEYWORD for p in params)
        self.first_arg = params[0].name if params else None


@keras_export("keras.layers")
class Layer(Operation):
    """The base class of all layers, as `keras.layers.Layer`.

    Subclass it, create weights in `build(input_shape)` with `add_weight`, and
    compute in `call(inputs, training=None, mask=None)`. Calling the layer builds
    it once, checks `input_spec`, passes `training` down to sublayers, and
    handles masks.

    Args:
        trainable: whether its weights are updated by training.
        name: a unique name (default: the snake_case class name, `dense_1`...).
        dtype: the dtype of its weights and computations (default floatx).
        activity_regularizer: a regularizer applied to the outputs (added to `losses`).

    Example:
    >>> class Linear(keras.layers.Layer):
    ...     def __init__(self, units=4):
    ...         super().__init__()
    ...         self.units = units
    ...     def build(self, input_shape):
    ...         self.w = self.add_weight(shape=(input_shape[-1], self.units))
    ...     def call(self, x):
    ...         return x @ self.w
    """

    def __new__(cls, *args, **kwargs):
        obj = super().__new__(cls)
        try:
            bound = inspect.signature(cls.__init__).bind(None, *args, **kwargs)
            cfg = dict(bound.arguments)
            cfg.pop(next(iter(cfg)))  # self
            for k, p in inspect.signature(cls.__init__).parameters.items():
                if p.kind == p.VAR_KEYWORD and k in cfg:
                    cfg.update(cfg.pop(k))
                elif p.kind == p.VAR_POSITIONAL and k in cfg:
                    cfg = None
                    break
        except (TypeError, ValueError):
            cfg = None
        obj._auto_config = cfg
        return obj

    def __init__(self, *, activity_regularizer=None, trainable=True, dtype=None, autocast=True,
                 name=None, **kwargs):
        input_shape = kwargs.pop("input_shape", None)
        batch_input_shape = kwargs.pop("batch_input_shape", None)
        input_dim = kwargs.pop("input_dim", None)
        batch_size = kwargs.pop("batch_size", None)
        kwargs.pop("input_length", None)
        if kwargs:
            raise TypeError(f"Unrecognized keyword arguments passed to {type(self).__name__}: "
                            f"{kwargs}")
        if input_shape is not None and not isinstance(input_shape, (tuple, list)):
            raise ValueError(
                f"{type(self).__name__}: input_shape={input_shape!r} is not a tuple. A 1-D "
                f"shape needs a trailing comma: write input_shape=({input_shape},).")
        if input_dim is not None and input_shape is None:
            input_shape = (input_dim,)
        if batch_input_shape is not None:
            self._input_shape_arg = tuple(batch_input_shape)
        elif input_shape is not None:
            self._input_shape_arg = (batch_size,) + tuple(input_shape)
        else:
            self._input_shape_arg = None
        _VERSION[0] += 1
        Operation.__init__(self, name=name or unique_name(_snake(type(self).__name__)))
        if not isinstance(self.name, str) or "/" in self.name:
            raise ValueError(f"Layer name {self.name!r} must be a string without '/'.")
        self.built = False
        self._trainable = bool(trainable)
        self._dtype = _policy_name(dtype)
        self.autocast = autocast
        self._own_weights = []
        self._regularized = []
        self._losses = []
        self.input_spec = None
        self._build_shapes = None
        self._call_info = _call_info(type(self))
        from .. import regularizers
        self.activity_regularizer = regularizers.get(activity_regularizer)

    # -- dtype ---------------------------------------------------------------
    @property
    def dtype(self):
        """The dtype of the layer's weights (a name such as "float32")."""
        return self._dtype or _config.floatx()

    @property
    def compute_dtype(self):
        return self._dtype or _config.floatx()

    @property
    def variable_dtype(self):
        return self.dtype

    @property
    def dtype_policy(self):
        from ..backend import DTypePolicy
        return DTypePolicy(self.dtype)

    # -- weights -------------------------------------------------------------
    def add_weight(self, shape=None, initializer=None, dtype=None, trainable=True, autocast=True,
                   regularizer=None, constraint=None, aggregation="none",
                   overwrite_with_gradient=False, name=None):
        """Creates a weight variable owned by this layer.

        Args:
            shape: the shape (default `()`).
            initializer: name, class instance or callable (default "glorot_uniform"
                for floats, "zeros" otherwise).
            dtype: default the layer's dtype.
            trainable: whether training updates it.
            regularizer: a regularizer whose value joins `layer.losses`.
            constraint: applied by optimizers after each update.
            name: the variable's name (its `path` is `"<layer>/<name>"`).

        Returns:
            The new `keras.Variable`.
        """
        from .. import constraints, initializers, regularizers
        from ..backend import Variable
        shape = () if shape is None else tuple(int(d) for d in shape)
        dtype = _policy_name(dtype) or self.dtype
        if initializer is None:
            initializer = "glorot_uniform" if _dt.as_dtype(dtype).is_floating else "zeros"
        init = initializers.get(initializer)
        name = name or f"variable_{len(self._own_weights)}"
        v = Variable(init, shape=shape, dtype=dtype, trainable=trainable, autocast=autocast,
                     aggregation=aggregation, name=name)
        v.path = f"{self.name}/{name}"
        v._constraint = constraints.get(constraint)
        v.overwrite_with_gradient = overwrite_with_gradient
        self._own_weights.append(v)
        _VERSION[0] += 1
        reg = regularizers.get(regularizer)
        if reg is not None:
            _ANY_REG[0] = True
            self._regularized.append((v, reg))
        return v

    def __setattr__(self, name, value):
        if isinstance(value, (Operation, _TSVariable) + _TRACKED_TYPES):
            _VERSION[0] += 1
        object.__setattr__(self, name, value)

    def _own_variables(self):
        cache = self.__dict__.get("_own_vars_cache")
        if cache is not None and cache[0] == _VERSION[0]:
            return cache[1]
        out = self._scan_own_variables()
        self.__dict__["_own_vars_cache"] = (_VERSION[0], out)
        return out

    def _scan_own_variables(self):
        out = list(self._own_weights)
        seen = {id(v) for v in out}
        for k, val in self.__dict__.items():
            if k in _SKIP_ATTRS:
                continue
            _collect(val, _TSVariable, out, seen)
        return out

    def _sublayers(self):
        out, seen = [], {id(self)}
        for k, val in self.__dict__.items():
            if k in _SKIP_ATTRS:
                continue
            _collect(val, Layer, out, seen)
        return out

    def _flatten_layers(self, include_self=True, recursive=True):
        if include_self and recursive:
            cache = self.__dict__.get("_flat_cache")
            if cache is not None and cache[0] == _VERSION[0]:
                return cache[1]
            out = self._scan_layers(True, True)
            self.__dict__["_flat_cache"] = (_VERSION[0], out)
            return out
        return self._scan_layers(include_self, recursive)

    def _scan_layers(self, include_self, recursive):
        out = [self] if include_self else []
        seen = {id(self)}
        stack = list(reversed(self._sublayers()))
        while stack:
            layer = stack.pop()
            if id(layer) in seen:
                continue
            seen.add(id(layer))
            out.append(layer)
            if recursive:
                stack.extend(reversed(layer._sublayers()))
        return out

    def _all_variables(self):
        out, seen = [], set()
        for layer in self._flatten_layers():
            for v in layer._own_variables():
                if id(v) not in seen:
                    seen.add(id(v))
                    out.append(v)
        return out

    @property
    def weights(self):
        """All weights: this layer's (in creation order), then its sublayers'."""
        return self._all_variables()

    @property
    def variables(self):
        return self._all_variables()

    @property
    def trainable_weights(self):
        """The weights that training updates (none when the layer is frozen)."""
        out, seen = [], set()
        for layer in self._flatten_layers():
            if not layer._trainable:
                continue
            for v in layer._own_variables():
                if v.trainable and id(v) not in seen:
                    seen.add(id(v))
                    out.append(v)
        return out

    trainable_variables = trainable_weights

    @property
    def non_trainable_weights(self):
        """The weights that training does not update (all of them when frozen)."""
        train = {id(v) for v in self.trainable_weights}
        return [v for v in self._all_variables() if id(v) not in train]

    non_trainable_variables = non_trainable_weights

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        """Freezes (False) or unfreezes this layer and all its sublayers."""
        for layer in self._flatten_layers():
            layer._trainable = bool(value)

    @property
    def layers(self):
        return self._flatten_layers(include_self=False, recursive=False)

    def get_weights(self):
        """The weights' values as a list of NumPy arrays."""
        return [np.array(v.numpy()) for v in self.weights]

    def set_weights(self, weights):
        """Sets the weights from a list of arrays, in the order of `get_weights()`."""
        params = self.weights
        if len(params) != len(weights):
            raise ValueError(
                f'Layer "{self.name}" expects {len(params)} weight arrays, but received '
                f"{len(weights)}. Pass the list that get_weights() returns.")
        for v, w in zip(params, weights):
            w = np.asarray(w)
            if tuple(w.shape) != tuple(v.shape):
                raise ValueError(
                    f'Layer "{self.name}" weight {v.path} has shape {tuple(v.shape)}, but the '
                    f"provided weight has shape {w.shape}.")
            v.assign(w.astype(v._a.dtype, copy=False))

    def count_params(self):
        """The total number of scalars in the weights (the layer must be built)."""
        if not self.built:
            raise ValueError(
                f'You tried to call `count_params` on layer "{self.name}", but the layer '
                "isn't built. Build it first by calling it on data or with build(input_shape).")
        return int(sum(int(np.prod(v.shape)) for v in self.weights))

    # -- losses --------------------------------------------------------------
    def add_loss(self, loss):
        """Adds a scalar loss tensor (e.g. a regularization term) to `layer.losses`."""
        _ANY_LOSS[0] = True
        self._losses.append(loss)

    @property
    def losses(self):
        """Losses added during the last call plus the weight regularization losses."""
        out = []
        if not _ANY_LOSS[0] and not _ANY_REG[0]:
            return out
        for layer in self._flatten_layers():
            out.extend(layer._losses)
            for v, reg in layer._regularized:
                out.append(reg(v))
        return out

    def _clear_losses(self):
        if not _ANY_LOSS[0]:
            return
        for layer in self._flatten_layers():
            if layer._losses:
                layer._losses = []

    # -- building ------------------------------------------------------------
    def build(self, input_shape):
        """Creates the layer's weights for inputs of `input_shape` (override it)."""
        self.built = True

    def build_from_config(self, config):
        """Builds from the `build_config` a saved config holds."""
        if not config:
            return
        if "input_shape" in config:
            shape = config["input_shape"]
            self.build(_to_shape(shape))
        elif "shapes_dict" in config:
            self.build(**{k: _to_shape(v) for k, v in config["shapes_dict"].items()})
        self.built = True

    def get_build_config(self):
        if self._build_shapes is None:
            return None
        if len(self._build_shapes) == 1 and "input_shape" in self._build_shapes:
            return {"input_shape": self._build_shapes["input_shape"]}
        return {"shapes_dict": self._build_shapes}

    def _maybe_build(self, args, kwargs):
        if self.built:
            return
        first = args[0] if args else kwargs.get(self._call_info.first_arg)
        shapes = nest.map_structure(lambda x: tuple(x.shape) if hasattr(x, "shape") else None, first)
        sig = inspect.signature(self.build).parameters
        names = list(sig)
        if len(names) <= 1 or names[0] == "input_shape":
            self._build_shapes = {"input_shape": shapes}
            self.build(shapes)
        else:
            given = dict(zip(self._call_info.arg_names, args))
            given.update(kwargs)
            bshapes = {}
            for n in names:
                arg = n[:-len("_shape")] if n.endswith("_shape") else n
                if arg in given and given[arg] is not None:
                    bshapes[n] = nest.map_structure(
                        lambda x: tuple(x.shape) if hasattr(x, "shape") else None, given[arg])
            self._build_shapes = bshapes
            self.build(**bshapes)
        self.built = True

    # -- calling -------------------------------------------------------------
    def __call__(self, *args, **kwargs):
        if args:
            args = (_convert_inputs(args[0], self),) + args[1:]
        eager = len(args) == 1 and type(args[0]) is Tensor and \
            all(v is None or type(v) is bool for v in kwargs.values())
        if not eager and any_symbolic(args, kwargs):
            return self._symbolic_layer_call(args, kwargs)
        info = self._call_info
        outer_training = getattr(_ctx, "training", _MISSING)
        training = kwargs.get("training", _MISSING)
        if training is _MISSING or training is None:
            training = None if outer_training is _MISSING else outer_training
        if info.has_training:
            if training is not None:
                kwargs["training"] = training
            elif "training" in kwargs and kwargs["training"] is None:
                del kwargs["training"]
        elif "training" in kwargs and not info.accepts_kwargs:
            del kwargs["training"]
        mask = None
        if args:
            mask = _mask_of(args[0])
        if info.has_mask and kwargs.get("mask") is None and mask is not None:
            kwargs["mask"] = mask
        spec = self.input_spec
        if args and spec is not None:
            x0 = args[0]
            # a spec is checked once per input shape and dtype (re-checked if it is replaced)
            done = self.__dict__.get("_spec_checked")
            if type(x0) is not Tensor or done is None or done[0] is not spec or \
                    done[1] != x0._a.shape or done[2] != x0._a.dtype:
                assert_input_compatibility(spec, x0, self.name)
                if type(x0) is Tensor:
                    self.__dict__["_spec_checked"] = (spec, x0._a.shape, x0._a.dtype)
        outermost = outer_training is _MISSING
        if outermost:
            self._clear_losses()
        if not self.built:
            self._maybe_build(args, kwargs)
            if args and self.input_spec is not None:
                assert_input_compatibility(self.input_spec, args[0], self.name)
        _ctx.training = training
        try:
            outputs = self.call(*args, **kwargs)
        finally:
            if outermost:
                del _ctx.training
            else:
                _ctx.training = outer_training
        if self.activity_regularizer is not None:
            for o in nest.flatten(outputs):
                if isinstance(o, Tensor):
                    self.add_loss(self.activity_regularizer(o))
        if self.supports_masking or type(self).compute_mask is not Layer.compute_mask:
            in_mask = kwargs.get("mask", mask)
            out_mask = self.compute_mask(args[0] if args else None, in_mask)
            if out_mask is not None:
                _set_mask(outputs, out_mask)
        return outputs

    def _symbolic_layer_call(self, args, kwargs):
        if not self.built:
            self._maybe_build_symbolic(args, kwargs)
        if args and self.input_spec is not None:
            assert_input_compatibility(self.input_spec, args[0], self.name)
        outputs = self.compute_output_spec(*args, **kwargs)
        from ..models.symbolic import Node
        Node(self, args, kwargs, outputs)
        return outputs

    def _maybe_build_symbolic(self, args, kwargs):
        self._maybe_build(args, kwargs)

    def call(self, *args, **kwargs):
        """The layer's computation (override it)."""
        raise NotImplementedError(
            f"Layer {type(self).__name__} does not have a `call()` method implemented.")

    def _probe_call(self, *args, **kwargs):
        saved = self._losses
        try:
            return Layer.__call__(self, *args, **kwargs)
        finally:
            self._losses = saved

    def compute_output_spec(self, *args, **kwargs):
        if type(self).compute_output_shape is not Layer.compute_output_shape and args:
            first = args[0]
            try:
                shape = self.compute_output_shape(
                    nest.map_structure(lambda x: tuple(x.shape), first))
            except NotImplementedError:
                shape = None
            if shape is not None and not nest.is_nested(first) and _is_shape(shape):
                return KerasTensor(shape, dtype=self.compute_dtype if first.dtype in (
                    "float16", "float32", "float64", "bfloat16") else first.dtype)
        return Operation.compute_output_spec(self, *args, **kwargs)

    def compute_output_shape(self, input_shape):
        """The output shape for `input_shape` (the default runs the layer on zeros)."""
        spec = Operation.compute_output_spec(
            self, KerasTensor(input_shape, dtype=self.compute_dtype))
        return nest.map_structure(lambda s: s.shape, spec)

    def compute_mask(self, inputs, previous_mask):
        """The output mask (default: the input mask if `supports_masking`, else None)."""
        return previous_mask if self.supports_masking else None

    # -- config --------------------------------------------------------------
    def get_config(self):
        """The layer's constructor arguments, as a JSON-able dict (Keras 3 keys)."""
        config = {"name": self.name, "trainable": self.trainable,
                  "dtype": {"module": "keras", "class_name": "DTypePolicy",
                            "config": {"name": self.dtype}, "registered_name": None}}
        cls = type(self)
        if cls.get_config is Layer.get_config and cls.__init__ is not Layer.__init__:
            if self._auto_config is None:
                raise NotImplementedError(
                    f"Layer {cls.__name__} has arguments in __init__ that are not plain values; "
                    "override get_config() to return them (and from_config() if needed).")
            from ..saving.serialization_lib import serialize_keras_object
            extra = {k: v for k, v in self._auto_config.items() if k not in config}
            try:
                extra = {k: serialize_keras_object(v) for k, v in extra.items()}
            except TypeError as e:
                raise NotImplementedError(
                    f"Layer {cls.__name__}: cannot record its constructor arguments "
                    f"automatically ({e}); override get_config().") from None
            config.update(extra)
        return config

    @classmethod
    def from_config(cls, config):
        """Creates a layer from `get_config()`'s output."""
        config = dict(config)
        if isinstance(config.get("dtype"), dict):
            config["dtype"] = _policy_name(config["dtype"])
        try:
            return cls(**config)
        except TypeError as e:
            raise TypeError(f"Error when deserializing class '{cls.__name__}' using config="
                            f"{config}.\n\nException encountered: {e}") from None

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


_CALL_INFO = {}


def _call_info(cls):
    info = _CALL_INFO.get(cls)
    if info is None:
        info = _CALL_INFO[cls] = _CallInfo(cls.call)
    return info


def _collect(val, kind, out, seen, depth=0):
    if isinstance(val, kind):
        if id(val) not in seen:
            seen.add(id(val))
            out.append(val)
    elif isinstance(val, (list, tuple)) and depth < 4:
        for x in val:
            _collect(x, kind, out, seen, depth + 1)
    elif isinstance(val, dict) and depth < 4:
        for x in val.values():
            _collect(x, kind, out, seen, depth + 1)


def _to_shape(s):
    if isinstance(s, dict) and s.get("class_name") == "__tuple__":
        s = s["config"]["value"]
    if isinstance(s, (list, tuple)) and s and isinstance(s[0], (list, tuple, dict)):
        return [_to_shape(x) for x in s]
    return tuple(s) if s is not None else None


def _is_shape(s):
    return isinstance(s, (tuple, list)) and all(d is None or isinstance(d, (int, np.integer)) for d in s)


_NP_DTYPES = {}   # dtype name -> NumPy dtype (None where NumPy has no such name)


def _same_dtype(dt, name):
    """`dt.name == name` without NumPy's slow `dtype.name` property."""
    want = _NP_DTYPES.get(name, False)
    if want is False:
        try:
            want = _dt.np_dtype(name)
        except (TypeError, ValueError):
            want = None
        _NP_DTYPES[name] = want
    return dt == want if want is not None else dt.name == name


def _convert_inputs(x, layer):
    """NumPy/Python inputs become tensors; floats are cast to the layer's compute dtype."""
    if isinstance(x, (Tensor, KerasTensor)):
        if layer.autocast and isinstance(x, Tensor) and x._a.dtype.kind == "f":
            want = layer.compute_dtype
            if not _same_dtype(x._a.dtype, want) and layer._convert_float_inputs:
                return _cast(x, want)
        return x
    if isinstance(x, np.ndarray):
        if x.dtype.kind == "f" and layer.autocast and layer._convert_float_inputs:
            return convert_to_tensor(x.astype(layer.compute_dtype, copy=False))
        return convert_to_tensor(x)
    if isinstance(x, (list, tuple, dict)):
        return nest.map_structure(lambda v: _convert_inputs(v, layer) if v is not None else v, x)
    return x


Layer._convert_float_inputs = True
Layer.supports_masking = False


def _mask_of(x):
    if isinstance(x, Tensor):
        return getattr(x, "_keras_mask", None)
    if isinstance(x, (list, tuple)):
        masks = [getattr(v, "_keras_mask", None) if isinstance(v, Tensor) else None for v in x]
        return None if all(m is None for m in masks) else masks
    return None


def _set_mask(outputs, mask):
    flat = nest.flatten(outputs)
    masks = nest.flatten(mask) if isinstance(mask, (list, tuple)) else [mask] * len(flat)
    for o, m in zip(flat, masks):
        if isinstance(o, Tensor) and m is not None:
            try:
                o._keras_mask = m
            except AttributeError:
                pass

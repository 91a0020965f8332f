"""`Functional`: a model defined by a graph of layer calls on `keras.Input`s."""
from ...core import nest
from ...core.tensor import Tensor, convert_to_tensor
from ...ops.creation import cast as _cast
from ..saving.object_registration import keras_export
from ..layers import conv_pool_fusion as _fusion
from .model import Model
from .symbolic import KerasTensor

__all__ = ["Functional"]


def _map_graph(inputs, outputs):
    """Returns the nodes needed to compute `outputs` from `inputs`, in execution order."""
    input_ids = {id(t) for t in inputs}
    order, state = [], {}

    def visit(node):
        key = id(node)
        if state.get(key) == 2:
            return
        if state.get(key) == 1:
            raise ValueError("The functional graph has a cycle.")
        state[key] = 1
        for t in node.arguments:
            if id(t) in input_ids:
                continue
            if t._keras_history is None:
                raise ValueError(f"Tensor {t} was not produced by a Keras layer.")
            op, idx, _ = t._keras_history
            parent = op._inbound_nodes[idx]
            if parent.is_input:
                raise ValueError(
                    f"Graph disconnected: cannot obtain value for tensor {t} at layer "
                    f'"{op.name}". It comes from an Input that is not among the model\'s inputs: '
                    "add it to `inputs`.")
            visit(parent)
        state[key] = 2
        order.append(node)

    for t in outputs:
        if not isinstance(t, KerasTensor) or t._keras_history is None:
            raise ValueError(
                f"All `outputs` of a functional model must be KerasTensors produced by layers "
                f"called on keras.Input tensors; got {t!r}.")
        if id(t) in input_ids:
            continue
        op, idx, _ = t._keras_history
        node = op._inbound_nodes[idx]
        if node.is_input:
            raise ValueError(f"Graph disconnected: output {t} comes from an Input that is not "
                             "among the model's inputs.")
        visit(node)
    return order


def _operation_order(inputs, outputs):
    """The operations of a functional graph in Keras 3's order (its `map_graph`).

    Deepest first, where an operation's depth is the longest path from it to an output,
    ties broken by the order a depth-first walk from the outputs first meets them. Keras
    names the weight groups of a `.keras` file by this order ("dense", "dense_1", ...), so
    it must match for files to be interchangeable.
    """
    input_ids = {id(t) for t in inputs}
    finished, index, ops, post = set(), {}, {}, []

    def visit(t):
        if t._keras_history is None:
            return
        op, idx, _ = t._keras_history
        node = op._inbound_nodes[idx]
        if id(node) in finished:
            return
        if not node.is_input and id(t) in input_ids:
            finished.add(id(node))
            return
        index.setdefault(id(op), len(index))
        ops[id(op)] = op
        if not node.is_input:
            for a in node.arguments:
                visit(a)
        finished.add(id(node))
        post.append(node)

    for t in outputs:
        visit(t)
    node_depth, op_depth = {}, {}
    for node in reversed(post):
        d = max(node_depth.setdefault(id(node), 0), op_depth.get(id(node.operation), 0))
        op_depth[id(node.operation)] = node_depth[id(node)] = d
        for p in node.parent_nodes:
            node_depth[id(p)] = max(d + 1, node_depth.get(id(p), 0))
    for t in inputs:   # an input no output depends on
        op = t._keras_history[0]
        if id(op) not in op_depth:
            op_depth[id(op)] = 0
            ops[id(op)] = op
            index.setdefault(id(op), len(index))
    return sorted(ops.values(), key=lambda op: (-op_depth[id(op)], index[id(op)]))


@keras_export("keras.models", "Functional")
class Functional(Model):
    """A model built from `keras.Input`s and layer calls: `keras.Model(inputs, outputs)`.

    Args:
        inputs: a KerasTensor, or a list or dict of them.
        outputs: a KerasTensor, or a list or dict of them.
        name: the model's name.

    Example:
    >>> a = keras.Input((4,), name="a"); b = keras.Input((2,), name="b")
    >>> h = keras.layers.Concatenate()([a, b])
    >>> model = keras.Model({"a": a, "b": b}, keras.layers.Dense(1)(h))
    """

    def __init__(self, inputs, outputs, name=None, trainable=True, **kwargs):
        if isinstance(inputs, dict):
            for k, t in inputs.items():
                if isinstance(t, KerasTensor) and t.name != k:
                    t.name = k
        flat_in = nest.flatten(inputs)
        flat_out = nest.flatten(outputs)
        for t in flat_in:
            if not isinstance(t, KerasTensor):
                raise ValueError(f"All `inputs` of a functional model must be keras.Input "
                                 f"tensors; got {t!r}.")
        nodes = _map_graph(flat_in, flat_out)
        Model.__init__(self, name=name, trainable=trainable, **kwargs)
        self._inputs_struct = inputs
        self._outputs_struct = outputs
        self._inputs = flat_in
        self._outputs = flat_out
        self._nodes = nodes
        self._operations = _operation_order(flat_in, flat_out)
        self.built = True

    # -- structure -----------------------------------------------------------
    @property
    def layers(self):
        return [op for op in self._operations if hasattr(op, "weights")]

    def _sublayers(self):
        return self.layers

    @property
    def inputs(self):
        return self._inputs

    @property
    def outputs(self):
        return self._outputs

    @property
    def input(self):
        return self._inputs_struct

    @property
    def output(self):
        return self._outputs_struct

    @property
    def input_shape(self):
        s = nest.map_structure(lambda t: t.shape, self._inputs_struct)
        return s

    @property
    def output_shape(self):
        return nest.map_structure(lambda t: t.shape, self._outputs_struct)

    # -- running -------------------------------------------------------------
    def _standardize_inputs(self, inputs):
        if isinstance(inputs, dict) and not isinstance(self._inputs_struct, dict):
            names = [t.name for t in self._inputs]
            missing = [n for n in names if n not in inputs]
            if missing:
                raise ValueError(f'Model "{self.name}" expects inputs named {names}, but the dict '
                                 f"has keys {sorted(inputs)}: missing {missing}.")
            flat = [inputs[n] for n in names]
        elif isinstance(self._inputs_struct, dict):
            if not isinstance(inputs, dict):
                flat = nest.flatten(inputs)
            else:
                missing = [k for k in self._inputs_struct if k not in inputs]
                if missing:
                    raise ValueError(f'Model "{self.name}" expects input keys '
                                     f"{sorted(self._inputs_struct)}; missing {missing}.")
                flat = nest.flatten({k: inputs[k] for k in self._inputs_struct})
        else:
            flat = nest.flatten(inputs)
        if len(flat) != len(self._inputs):
            raise ValueError(
                f'Model "{self.name}" expects {len(self._inputs)} input(s), but it received '
                f"{len(flat)} input tensors. Inputs received: {[_desc(x) for x in flat]}")
        out = []
        for spec, x in zip(self._inputs, flat):
            if not isinstance(x, (Tensor, KerasTensor)):
                x = convert_to_tensor(x, dtype=spec.dtype) if not hasattr(x, "dtype") else \
                    convert_to_tensor(x)
            if isinstance(x, Tensor) and x.dtype.name != spec.dtype:
                if x._a.dtype.kind in "fiub" and spec.dtype in ("float16", "float32", "float64",
                                                                "bfloat16", "int32", "int64"):
                    x = _cast(x, spec.dtype)
            if isinstance(x, Tensor):
                shape = tuple(x.shape)
                if len(shape) != len(spec.shape):
                    hint = " Add the batch axis: x[None]." if len(shape) == len(spec.shape) - 1 else ""
                    raise ValueError(
                        f'Input "{spec.name}" of model "{self.name}" expects shape {spec.shape} '
                        f"(ndim {len(spec.shape)}), but received shape {shape}.{hint}")
            out.append(x)
        return out

    def call(self, inputs, training=None, mask=None):
        values = self._standardize_inputs(inputs)
        tensors = {id(kt): v for kt, v in zip(self._inputs, values)}
        pairs = self._fusable_pairs()
        done = set()
        for node in self._nodes:
            if id(node) in done:
                continue
            args, kwargs = nest.map_structure(
                lambda x: tensors[id(x)] if isinstance(x, KerasTensor) else x,
                (node.call_args, node.call_kwargs))
            pool = pairs.get(id(node))
            if pool is not None and _fusion.fusable(node.operation, pool.operation, args[0]):
                # Conv2D(relu) whose only consumer is a MaxPooling2D: one fused op
                tensors[id(pool.outputs[0])] = _fusion.call_pair(node.operation, pool.operation,
                                                                 args[0])
                done.add(id(pool))
                continue
            outs = node.operation(*args, **kwargs)
            for kt, v in zip(node.outputs, nest.flatten(outs)):
                tensors[id(kt)] = v
        return nest.pack_sequence_as(self._outputs_struct, [tensors[id(t)] for t in self._outputs])

    def _fusable_pairs(self):
        """`{id(conv node): pool node}` for the Conv2D -> MaxPooling2D pairs whose conv output
        feeds nothing else (checked once; `call` then asks `conv_pool_fusion.fusable`)."""
        pairs = self.__dict__.get("_conv_pool_pairs")
        if pairs is not None:
            return pairs
        Conv2D, MaxPooling2D = _fusion.Conv2D, _fusion.MaxPooling2D
        users = {}
        for node in self._nodes:
            for a in node.arguments:
                users.setdefault(id(a), []).append(node)
        outputs = {id(t) for t in self._outputs}
        pairs = {}
        for node in self._nodes:
            if type(node.operation) is not Conv2D or len(node.outputs) != 1 or \
                    len(node.call_args) != 1 or node.call_kwargs:
                continue
            out = node.outputs[0]
            nxt = users.get(id(out), [])
            if id(out) in outputs or len(nxt) != 1:
                continue
            pool = nxt[0]
            if type(pool.operation) is MaxPooling2D and len(pool.call_args) == 1 and \
                    pool.call_args[0] is out and not pool.call_kwargs:
                pairs[id(node)] = pool
        self.__dict__["_conv_pool_pairs"] = pairs   # not model state: no attribute tracking
        return pairs

    def compute_output_spec(self, inputs, training=None, mask=None):
        return nest.map_structure(lambda t: KerasTensor(t.shape, t.dtype), self._outputs_struct)

    def build(self, input_shape):
        self.built = True

    # -- config --------------------------------------------------------------
    def get_config(self):
        from .functional_config import functional_config
        return functional_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from .functional_config import functional_from_config
        return functional_from_config(cls, config, custom_objects)


def _desc(x):
    return f"shape={tuple(getattr(x, 'shape', ()))}" if hasattr(x, "shape") else type(x).__name__

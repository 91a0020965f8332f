"""A functional model's config in Keras 3's grammar: layers with inbound nodes.

Each layer entry is the layer's serialized form plus `"name"` and
`"inbound_nodes"`: a list of `{"args": [...], "kwargs": {...}}` in which a tensor
is `{"class_name": "__keras_tensor__", "config": {"shape", "dtype",
"keras_history": [layer_name, node_index, tensor_index]}}`. Node indices count
only the calls that belong to this model.
"""
from ...core import nest
from ..saving.serialization_lib import deserialize_keras_object, serialize_keras_object
from .symbolic import KerasTensor

__all__ = ["functional_config", "functional_from_config"]


def _local_node_index(model_nodes_ids, op, global_idx):
    kept = [i for i, n in enumerate(op._inbound_nodes) if id(n) in model_nodes_ids or not n.arguments]
    return kept.index(global_idx) if global_idx in kept else 0


def functional_config(model):
    """The Keras 3 config dict of a Functional model."""
    node_ids = {id(n) for n in model._nodes}
    for t in model._inputs:
        node_ids.add(id(t._keras_history[0]._inbound_nodes[t._keras_history[1]]))

    def history(t):
        op, idx, ti = t._keras_history
        return [op.name, _local_node_index(node_ids, op, idx), ti]

    def ser_arg(x):
        if isinstance(x, KerasTensor):
            return {"class_name": "__keras_tensor__",
                    "config": {"shape": list(x.shape), "dtype": x.dtype, "keras_history": history(x)}}
        return serialize_keras_object(x)

    layers = []
    for op in model._operations:
        entry = serialize_keras_object(op)
        entry["name"] = op.name
        entry.pop("compile_config", None)
        nodes = []
        for n in op._inbound_nodes:
            if id(n) not in node_ids or not n.arguments:
                continue
            args = nest.map_structure(ser_arg, list(n.call_args))
            kwargs = {k: nest.map_structure(ser_arg, v) for k, v in n.call_kwargs.items()}
            nodes.append({"args": args, "kwargs": kwargs})
        entry["inbound_nodes"] = nodes
        layers.append(entry)

    def io(struct):
        if isinstance(struct, dict):
            return {k: history(v) for k, v in struct.items()}
        if isinstance(struct, KerasTensor):
            return [history(struct)]
        return [history(t) for t in nest.flatten(struct)]

    return {"name": model.name, "trainable": model.trainable, "layers": layers,
            "input_layers": io(model._inputs_struct), "output_layers": io(model._outputs_struct)}


def _is_history(v):
    return isinstance(v, list) and len(v) == 3 and isinstance(v[0], str) and \
        isinstance(v[1], int) and isinstance(v[2], int)


def functional_from_config(cls, config, custom_objects=None):
    """Rebuilds a Functional model by re-calling each layer on rebuilt KerasTensors."""
    created = {}       # layer name -> layer
    produced = {}      # (layer name, node index, tensor index) -> KerasTensor
    pending = []
    for entry in config["layers"]:
        layer_conf = {k: v for k, v in entry.items() if k not in ("inbound_nodes", "name", "build_config")}
        layer = deserialize_keras_object(layer_conf, custom_objects=custom_objects)
        name = entry.get("name", layer.name)
        created[name] = layer
        if entry["class_name"] == "InputLayer":
            produced[(name, 0, 0)] = layer._input_tensor
        for i, node in enumerate(entry.get("inbound_nodes", [])):
            pending.append((name, i, node))

    def resolve(x):
        if isinstance(x, dict) and x.get("class_name") == "__keras_tensor__":
            key = tuple(x["config"]["keras_history"])
            if key not in produced:
                raise KeyError(key)
            return produced[key]
        if isinstance(x, dict) and "class_name" in x:
            return deserialize_keras_object(x, custom_objects=custom_objects)
        if isinstance(x, list) and len(x) and _is_history(x) and x[0] in created and \
                tuple(x) in produced:
            return produced[tuple(x)]
        if isinstance(x, list):
            return [resolve(v) for v in x]
        if isinstance(x, dict):
            return {k: resolve(v) for k, v in x.items()}
        return x

    progress = True
    while pending and progress:
        progress = False
        rest = []
        for name, i, node in pending:
            try:
                if isinstance(node, dict):
                    args = resolve(node.get("args", []))
                    kwargs = resolve(node.get("kwargs", {}))
                else:  # legacy Keras 2 node: [[layer, node, tensor, kwargs], ...]
                    ins = [produced[(n[0], n[1], n[2])] for n in node]
                    args, kwargs = ([ins[0] if len(ins) == 1 else ins],
                                    node[0][3] if len(node[0]) > 3 else {})
            except KeyError:
                rest.append((name, i, node))
                continue
            out = created[name](*args, **kwargs)
            for ti, t in enumerate(nest.flatten(out)):
                produced[(name, i, ti)] = t
            progress = True
        pending = rest
    if pending:
        raise ValueError(f"Could not rebuild the functional graph: layers "
                         f"{sorted({p[0] for p in pending})} have inputs that are never produced.")

    def io(struct):
        if isinstance(struct, dict):
            return {k: produced[tuple(v)] for k, v in struct.items()}
        if _is_history(struct):
            return produced[tuple(struct)]
        items = [produced[tuple(v)] for v in struct]
        return items[0] if len(items) == 1 else items

    from .functional import Functional
    target = cls if issubclass(cls, Functional) else Functional
    return target(io(config["input_layers"]), io(config["output_layers"]), name=config.get("name"),
                  trainable=config.get("trainable", True))

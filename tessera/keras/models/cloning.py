"""`clone_model` and `model_from_json`: new models from another's config."""
import json

from ..saving.serialization_lib import deserialize_keras_object, serialize_keras_object

__all__ = ["clone_model", "model_from_json"]


def clone_model(model, input_tensors=None, clone_function=None, call_function=None,
                recursive=False, **kwargs):
    """A new model with the same architecture and freshly initialised weights."""
    if input_tensors is not None or call_function is not None:
        raise NotImplementedError("tessera's clone_model does not support input_tensors or "
                                  "call_function yet.")
    config = serialize_keras_object(model)
    config.pop("compile_config", None)
    return deserialize_keras_object(config)


def model_from_json(json_string, custom_objects=None):
    """Rebuilds a model (untrained) from `model.to_json()`."""
    return deserialize_keras_object(json.loads(json_string), custom_objects=custom_objects)

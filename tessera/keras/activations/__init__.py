"""`keras.activations`: activation functions and `get` / `serialize` / `deserialize`.

    keras.activations.get("relu")          # the function relu
    keras.activations.get(None)            # linear
    keras.activations.serialize(keras.activations.gelu)   # "gelu"
"""
import types

from ..saving import serialization_lib
from ..saving.object_registration import get_registered_name, get_registered_object, keras_export
from .activations import (celu, crelu, elu, exponential, gelu, glu, hard_shrink,  # noqa: F401
                          hard_sigmoid, hard_silu, hard_swish, hard_tanh, leaky_relu, linear,
                          log_sigmoid, log_softmax, mish, relu, relu6, selu, sigmoid, silu,
                          soft_shrink, softmax, softplus, softsign, sparse_plus, sparse_sigmoid,
                          squareplus, swish, tanh, tanh_shrink, threshold)

ALL_OBJECTS = {
    relu, leaky_relu, relu6, softmax, celu, elu, selu, softplus, softsign, squareplus,
    soft_shrink, sparse_plus, silu, gelu, glu, tanh, tanh_shrink, threshold, sigmoid,
    sparse_sigmoid, exponential, hard_sigmoid, hard_silu, hard_tanh, hard_shrink, linear, mish,
    log_softmax, log_sigmoid, crelu,
}
ALL_OBJECTS_DICT = {fn.__name__: fn for fn in ALL_OBJECTS}
ALL_OBJECTS_DICT["swish"] = silu
ALL_OBJECTS_DICT["hard_swish"] = hard_silu


@keras_export("keras.activations")
def serialize(activation):
    """Serializes an activation: a built-in function becomes its name (`"relu"`); a
    registered custom function or a callable object becomes a config dict.

    Example:
    >>> keras.activations.serialize(keras.activations.relu)
    'relu'
    """
    if isinstance(activation, types.FunctionType) and \
            ALL_OBJECTS_DICT.get(activation.__name__) is activation:
        return activation.__name__
    config = serialization_lib.serialize_keras_object(activation)
    if isinstance(activation, types.FunctionType):
        if isinstance(config, str):
            # another family's built-in function (e.g. a loss): keep its name
            return config
        config = dict(config)
        config["config"] = get_registered_name(activation)
        return config
    if not isinstance(config, dict) or "config" not in config:
        raise ValueError(
            f"Unknown activation function {activation!r} cannot be serialized: use the name "
            "of a built-in activation or register it with "
            "@keras.saving.register_keras_serializable().")
    return config


@keras_export("keras.activations")
def deserialize(config, custom_objects=None):
    """Returns the activation function a name or config describes.

    Args:
        config: a name such as `"relu"` or a config dict from `serialize`.
        custom_objects: `{name: function}` for user-defined activations.
    """
    return serialization_lib.deserialize_keras_object(
        config, module_objects=ALL_OBJECTS_DICT, custom_objects=custom_objects)


@keras_export("keras.activations")
def get(identifier):
    """Returns an activation function from an identifier.

    Args:
        identifier: None (returns `linear`), a name (`"relu"`), a config dict, or a
            callable (returned unchanged).

    Raises:
        ValueError: for an unknown name (the message lists the valid ones) or a value
            that is neither a name, a dict nor a callable.
    """
    if identifier is None:
        return linear
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = ALL_OBJECTS_DICT.get(identifier)
        if obj is None:
            obj = get_registered_object(identifier)
        if obj is None:
            raise ValueError(
                f"Could not interpret activation function identifier: {identifier!r}. "
                f"Valid names: {', '.join(sorted(ALL_OBJECTS_DICT))}; or pass a callable.")
    else:
        obj = identifier
    if callable(obj):
        return obj
    raise ValueError(f"Could not interpret activation function identifier: {identifier!r}: "
                     "expected a name, a config dict or a callable.")


__all__ = sorted(ALL_OBJECTS_DICT) + ["get", "serialize", "deserialize"]

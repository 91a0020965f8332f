"""`keras.regularizers`: weight penalties (`"l2"`, `L1L2(l1=1e-5, l2=1e-4)`, ...)."""
import inspect

from ..saving import object_registration as _reg
from ..saving import serialization_lib as _serialization
from ..saving.object_registration import keras_export
from .regularizers import L1, L1L2, L2, OrthogonalRegularizer, Regularizer

__all__ = ["Regularizer", "L1", "L2", "L1L2", "OrthogonalRegularizer", "l1", "l2", "l1_l2",
           "orthogonal_regularizer", "get", "serialize", "deserialize"]

# Keras 3's aliases: the snake_case names are the classes themselves.
l1 = L1
l2 = L2
l1_l2 = L1L2
orthogonal_regularizer = OrthogonalRegularizer

ALL_OBJECTS_DICT = {
    "Regularizer": Regularizer, "L1": L1, "L2": L2, "L1L2": L1L2,
    "OrthogonalRegularizer": OrthogonalRegularizer,
    "regularizer": Regularizer, "l1": L1, "l2": L2, "l1l2": L1L2,
    "orthogonal_regularizer": OrthogonalRegularizer,
}


@keras_export("keras.regularizers")
def serialize(regularizer):
    """Returns the regularizer's configuration as a Python dict (Keras 3's format)."""
    return _serialization.serialize_keras_object(regularizer)


@keras_export("keras.regularizers")
def deserialize(config, custom_objects=None):
    """Returns a Keras regularizer built from its configuration (dict or name)."""
    return _serialization.deserialize_keras_object(
        config, module_objects=ALL_OBJECTS_DICT, custom_objects=custom_objects)


def _unknown(identifier):
    return ValueError(
        f"Could not interpret regularizer identifier: {identifier!r}. Use a Regularizer "
        "instance, a config dict, a callable, or one of the names 'l1', 'l2', 'l1_l2', "
        "'orthogonal_regularizer' (or the class names L1, L2, L1L2, OrthogonalRegularizer).")


@keras_export("keras.regularizers")
def get(identifier):
    """Retrieves a Keras regularizer from an identifier.

    Args:
        identifier: None, a name (`"l1"`, `"l2"`, `"L1L2"`; `"l1_l2"` gives
            `L1L2(l1=0.01, l2=0.01)`), a config dict, a Regularizer class
            (instantiated with its defaults) or a callable.

    Returns:
        A regularizer (or the callable given), None for None.

    Example:
    >>> keras.regularizers.get("l2")(keras.ops.ones((2, 2)))  # 0.04
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        if identifier == "l1_l2":  # the documented string default of L1L2
            return L1L2(l1=0.01, l2=0.01)
        obj = _reg.get_registered_object(identifier, None, ALL_OBJECTS_DICT)
        if obj is None:
            raise _unknown(identifier)
    else:
        obj = identifier
    if callable(obj):
        if inspect.isclass(obj):
            obj = obj()
        return obj
    raise _unknown(identifier)

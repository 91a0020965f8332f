"""`keras.constraints`: projections of weights after each update (`"max_norm"`, `NonNeg()`, ...)."""
import inspect

from ..saving import object_registration as _reg
from ..saving import serialization_lib as _serialization
from ..saving.object_registration import keras_export
from .constraints import Constraint, MaxNorm, MinMaxNorm, NonNeg, UnitNorm

__all__ = ["Constraint", "MaxNorm", "MinMaxNorm", "NonNeg", "UnitNorm", "max_norm",
           "min_max_norm", "non_neg", "unit_norm", "get", "serialize", "deserialize"]

# Keras 3's aliases: the snake_case names are the classes themselves.
max_norm = MaxNorm
min_max_norm = MinMaxNorm
non_neg = NonNeg
unit_norm = UnitNorm

ALL_OBJECTS_DICT = {
    "Constraint": Constraint, "MaxNorm": MaxNorm, "MinMaxNorm": MinMaxNorm, "NonNeg": NonNeg,
    "UnitNorm": UnitNorm,
    "constraint": Constraint, "max_norm": MaxNorm, "min_max_norm": MinMaxNorm,
    "non_neg": NonNeg, "unit_norm": UnitNorm,
}


@keras_export("keras.constraints")
def serialize(constraint):
    """Returns the constraint's configuration as a Python dict (Keras 3's format)."""
    return _serialization.serialize_keras_object(constraint)


@keras_export("keras.constraints")
def deserialize(config, custom_objects=None):
    """Returns a Keras constraint built from its configuration (dict or name)."""
    return _serialization.deserialize_keras_object(
        config, module_objects=ALL_OBJECTS_DICT, custom_objects=custom_objects)


def _unknown(identifier):
    return ValueError(
        f"Could not interpret constraint identifier: {identifier!r}. Use a Constraint "
        "instance, a config dict, a callable, or one of the names 'max_norm', "
        "'min_max_norm', 'non_neg', 'unit_norm' (or MaxNorm, MinMaxNorm, NonNeg, UnitNorm).")


@keras_export("keras.constraints")
def get(identifier):
    """Retrieves a Keras constraint from an identifier.

    Args:
        identifier: None, a name (`"max_norm"`, `"NonNeg"`), a config dict, a
            Constraint class (instantiated with its defaults) or a callable.

    Returns:
        A constraint (or the callable given), None for None.

    Example:
    >>> keras.constraints.get("non_neg")
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
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

"""`keras.initializers`: how layers fill their weights (`"glorot_uniform"`, `HeNormal()`, ...)."""
import inspect

from ..saving import object_registration as _reg
from ..saving import serialization_lib as _serialization
from ..saving.object_registration import keras_export
from .constant_initializers import STFT, Constant, Identity, Ones, Zeros
from .initializer import Initializer
from .random_initializers import (GlorotNormal, GlorotUniform, HeNormal, HeUniform, LecunNormal,
                                  LecunUniform, Orthogonal, RandomNormal, RandomUniform,
                                  TruncatedNormal, VarianceScaling, compute_fans)

__all__ = ["Initializer", "Constant", "Zeros", "Ones", "Identity", "IdentityInitializer", "STFT",
           "STFTInitializer", "RandomNormal", "RandomUniform", "TruncatedNormal",
           "VarianceScaling", "GlorotNormal", "GlorotUniform", "HeNormal", "HeUniform",
           "LecunNormal", "LecunUniform", "Orthogonal", "OrthogonalInitializer", "constant",
           "zeros", "ones", "identity", "stft", "random_normal", "random_uniform",
           "truncated_normal", "variance_scaling", "glorot_normal", "glorot_uniform",
           "he_normal", "he_uniform", "lecun_normal", "lecun_uniform", "orthogonal", "get",
           "serialize", "deserialize"]

# Keras 3's aliases: the snake_case names are the classes themselves.
IdentityInitializer = identity = Identity
STFTInitializer = stft = STFT
OrthogonalInitializer = orthogonal = Orthogonal
constant = Constant
zeros = Zeros
ones = Ones
random_normal = RandomNormal
random_uniform = RandomUniform
truncated_normal = TruncatedNormal
variance_scaling = VarianceScaling
glorot_normal = GlorotNormal
glorot_uniform = GlorotUniform
he_normal = HeNormal
he_uniform = HeUniform
lecun_normal = LecunNormal
lecun_uniform = LecunUniform

_CLASSES = (Initializer, Constant, Zeros, Ones, Identity, STFT, RandomNormal, RandomUniform,
            TruncatedNormal, VarianceScaling, GlorotNormal, GlorotUniform, HeNormal, HeUniform,
            LecunNormal, LecunUniform, Orthogonal)

# Every name a string identifier or a config's class_name may use.
ALL_OBJECTS_DICT = {cls.__name__: cls for cls in _CLASSES}
ALL_OBJECTS_DICT.update({
    "initializer": Initializer, "constant": Constant, "zeros": Zeros, "ones": Ones,
    "identity": Identity, "IdentityInitializer": Identity, "identity_initializer": Identity,
    "stft": STFT, "STFTInitializer": STFT, "stft_initializer": STFT,
    "random_normal": RandomNormal, "random_uniform": RandomUniform,
    "truncated_normal": TruncatedNormal, "variance_scaling": VarianceScaling,
    "glorot_normal": GlorotNormal, "glorot_uniform": GlorotUniform, "he_normal": HeNormal,
    "he_uniform": HeUniform, "lecun_normal": LecunNormal, "lecun_uniform": LecunUniform,
    "orthogonal": Orthogonal, "OrthogonalInitializer": Orthogonal,
    "orthogonal_initializer": Orthogonal,
    # Keras's short aliases
    "uniform": RandomUniform, "normal": RandomNormal, "one": Ones, "zero": Zeros,
})


@keras_export("keras.initializers")
def serialize(initializer):
    """Returns the initializer's configuration as a Python dict (Keras 3's format)."""
    return _serialization.serialize_keras_object(initializer)


@keras_export("keras.initializers")
def deserialize(config, custom_objects=None):
    """Returns a Keras initializer built from its configuration (dict or name)."""
    return _serialization.deserialize_keras_object(
        config, module_objects=ALL_OBJECTS_DICT, custom_objects=custom_objects)


def _unknown(identifier):
    return ValueError(
        f"Could not interpret initializer identifier: {identifier!r}. Use an Initializer "
        "instance, a class, a config dict or one of the names "
        "'glorot_uniform', 'glorot_normal', 'he_normal', 'he_uniform', 'lecun_normal', "
        "'lecun_uniform', 'random_normal', 'random_uniform', 'truncated_normal', "
        "'variance_scaling', 'orthogonal', 'identity', 'zeros', 'ones', 'constant'; register "
        "custom initializers with keras.saving.register_keras_serializable().")


@keras_export("keras.initializers")
def get(identifier):
    """Retrieves a Keras initializer from an identifier.

    Args:
        identifier: None, a name (`"glorot_uniform"`, `"Ones"`; case-sensitive),
            a config dict `{"class_name": ..., "config": ...}`, an Initializer
            class (instantiated with its defaults) or a callable.

    Returns:
        An initializer instance (or the callable given), None for None.

    Example:
    >>> keras.initializers.get("he_normal")
    >>> keras.initializers.get({"class_name": "Constant", "config": {"value": 3.0}})
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

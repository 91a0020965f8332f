"""`keras.optimizers`: the optimizers and `get` / `serialize` / `deserialize`, as in Keras 3.

>>> opt = keras.optimizers.get("adam")          # Adam with its defaults
>>> opt = keras.optimizers.Adam(learning_rate=1e-3)
>>> opt.apply_gradients(zip(grads, model.trainable_variables))

Learning-rate schedules are in `keras.optimizers.schedules`.
"""
from ..saving import serialization_lib
from . import schedules
from .adam import Adam, Adamax, AdamW, Nadam
from .adaptive import Adadelta, Adafactor, Adagrad, Ftrl, RMSprop
from .base_optimizer import Optimizer
from .loss_scale_optimizer import LossScaleOptimizer
from .sgd import SGD, Lion

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "Adamax", "Nadam", "RMSprop", "Adagrad",
           "Adadelta", "Ftrl", "Adafactor", "Lion", "LossScaleOptimizer", "schedules", "get", "serialize",
           "deserialize"]

ALL_OBJECTS = (Optimizer, Adam, SGD, RMSprop, Adadelta, AdamW, Adagrad, Adamax, Adafactor,
               Nadam, Ftrl, Lion, LossScaleOptimizer)
ALL_OBJECTS_DICT = {cls.__name__.lower(): cls for cls in ALL_OBJECTS}


def serialize(optimizer):
    """Returns the optimizer's config as a dict (`module`, `class_name`, `config`, ...)."""
    return serialization_lib.serialize_keras_object(optimizer)


def deserialize(config, custom_objects=None):
    """Rebuilds an optimizer from its config dict; built-in class names are matched
    case-insensitively (`"Adam"`, `"adam"`)."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError("keras.optimizers.deserialize: expected a config dict with a "
                         f"'class_name' key (as returned by serialize()). Received: {config!r}")
    config = dict(config)
    cname = config["class_name"]
    if isinstance(cname, str) and cname.lower() in ALL_OBJECTS_DICT:
        config["class_name"] = cname.lower()
    return serialization_lib.deserialize_keras_object(
        config, module_objects=ALL_OBJECTS_DICT, custom_objects=custom_objects)


def get(identifier):
    """Returns an optimizer from a name (`"adam"`, `"sgd"`, ...), a config dict, or an
    `Optimizer` instance (returned unchanged). None gives None."""
    if identifier is None:
        return None
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        if identifier.lower() not in ALL_OBJECTS_DICT:
            from ..saving import object_registration as reg
            if reg.get_registered_object(identifier) is None:
                raise ValueError(
                    f"Could not interpret optimizer identifier: {identifier!r}. Known "
                    f"optimizers: {sorted(k for k in ALL_OBJECTS_DICT if k not in ('optimizer', 'lossscaleoptimizer'))}; "
                    "or pass an Optimizer instance.")
        obj = deserialize({"class_name": identifier, "config": {}})
    else:
        obj = identifier
    if isinstance(obj, Optimizer):
        return obj
    raise ValueError(f"Could not interpret optimizer identifier: {identifier!r}")

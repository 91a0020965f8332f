"""`keras.saving`: serialization of Keras objects and the `.keras` / `.weights.h5` files."""
from .object_registration import (CustomObjectScope, custom_object_scope, get_custom_objects,  # noqa: F401
                                  get_registered_name, get_registered_object,
                                  register_keras_serializable)
from .serialization_lib import deserialize_keras_object, serialize_keras_object  # noqa: F401
from .saving_api import load_model, load_weights, save_model, save_weights  # noqa: F401,E402

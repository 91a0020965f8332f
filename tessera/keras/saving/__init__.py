"""`keras.saving`: serialization of Keras objects (file formats come with a later issue)."""
from .object_registration import (CustomObjectScope, custom_object_scope, get_custom_objects,  # noqa: F401
                                  get_registered_name, get_registered_object,
                                  register_keras_serializable)
from .serialization_lib import deserialize_keras_object, serialize_keras_object  # noqa: F401

"""`ts.image`: TensorFlow's `tf.image` namespace (the ops themselves live in `tessera/ops/`)."""
from . import _api as __api

globals().update(__api.collect("image"))


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    raise __api.missing("image", name)

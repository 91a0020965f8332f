"""`ts.math`: TensorFlow's `tf.math` namespace (the ops themselves live in `tessera/ops/`)."""
from . import _api as __api

globals().update(__api.collect("math"))


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    raise __api.missing("math", name)

"""`ts.nn`: TensorFlow's `tf.nn` namespace (the ops themselves live in `tessera/ops/`)."""
from . import _api as __api

globals().update(__api.collect("nn"))


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    raise __api.missing("nn", name)

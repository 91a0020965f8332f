"""`ts.bitwise`: TensorFlow's `tf.bitwise` namespace (the ops themselves live in `tessera/ops/`)."""
from . import _api as __api

globals().update(__api.collect("bitwise"))


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    raise __api.missing("bitwise", name)

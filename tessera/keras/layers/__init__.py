"""`keras.layers`: every layer class, and `Input`."""
from .input_spec import InputSpec  # noqa: F401
from .layer import Layer  # noqa: F401
from .input_layer import Input, InputLayer  # noqa: F401
from .core import *  # noqa: F401,F403
from . import _families as _f

globals().update(_f.collect())


def __getattr__(name):
    from ... import _api
    if name.startswith("__"):
        raise AttributeError(name)
    raise _api.missing("keras.layers", name)

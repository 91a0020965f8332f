"""`keras.ops`: Keras 3's backend-agnostic operations, on Tessera.

Every function works eagerly on tensors, arrays, lists and scalars (returning
Tensors, differentiable under `ts.GradientTape`), and symbolically on
KerasTensors, where it records a node of a functional model:

    x = keras.Input((3,))
    y = keras.ops.exp(x) * 2
    model = keras.Model(x, y)

Families: `keras.ops.numpy` (NumPy-style), `keras.ops.nn`, `keras.ops.linalg`,
plus core (`cast`, `cond`, `scatter`, ...) and math (`logsumexp`, `top_k`, ...)
functions at the top level.
"""
from ... import _api as _tsapi
from ..models.symbolic import KerasTensor, Operation, any_symbolic, is_keras_tensor  # noqa: F401
from . import core, linalg, math, nn, numpy  # noqa: F401
from .core import *  # noqa: F401,F403
from .linalg import *  # noqa: F401,F403
from .math import *  # noqa: F401,F403
from .nn import *  # noqa: F401,F403
from .numpy import *  # noqa: F401,F403
from .operation import result_type  # noqa: F401

def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    raise _tsapi.missing("keras.ops", name)

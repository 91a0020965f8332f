"""Tessera: a deep-learning platform with TensorFlow's and Keras's API, on NumPy (and CuPy).

    import tessera as ts
    x = ts.constant([[1., 2.], [3., 4.]])
    with ts.GradientTape() as tape:
        tape.watch(x)
        y = ts.reduce_sum(x * x)
    tape.gradient(y, x)

Heavy submodules (keras, data, distribute, ...) load on first use, so
`import tessera` stays fast and prints nothing.
"""
import importlib as _importlib
import os as _os
import sys as _sys
import warnings as _warnings

from ._version import __version__
from .backend.dtypes import (DType, as_dtype, bfloat16, bool_ as bool, complex64, complex128,
                             double, float16, float32, float64, half, int8, int16, int32, int64,
                             string, uint8, uint16, uint32, uint64)
from .backend.device import device
from .core.shapes import TensorShape
from .core.tensor import Tensor, constant, convert_to_tensor, is_tensor
from .core.spec import TensorSpec
from .core.variable import Module, Variable, VariableAggregation, VariableSynchronization
from .core.autodiff import GradientTape, UnconnectedGradients, custom_gradient
from .core import errors
from .core import nest
from . import _api

globals().update(_api.collect("ts"))

from . import math, linalg, nn, random, bitwise, dtypes, config, debugging  # noqa: E402
from .core.function import function  # noqa: E402
from .debugging import (print, Assert, assert_equal, assert_greater, assert_less,  # noqa: E402
                        assert_rank)

# NaN and Inf are values, as in TensorFlow: NumPy's RuntimeWarnings raised inside
# Tessera's own kernels are silenced (only those; user code keeps its warnings).
_warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"tessera\.ops\.")

if _os.environ.get("TESSERA_MALLOC_TUNING", "1") != "0" and _sys.platform == "linux":
    from .backend import cpu as _cpu
    _cpu.tune_malloc()   # freed large arrays stay for reuse (see backend/cpu.py)

newaxis = None
__all__ = [n for n in dir() if not n.startswith("_")]

_LAZY = {
    "keras": "tessera.keras",
    "data": "tessera.data",
    "distribute": "tessera.distribute",
    "summary": "tessera.summary",
    "compat": "tessera.compat",
    "train": "tessera.train",
    "saved_model": "tessera.saved_model",
    "experimental": "tessera.experimental",
    "image": "tessera.image",
    "signal": "tessera.signal",
    "sparse": "tessera.sparse",
    "strings": "tessera.strings",
    "io": "tessera.io",
    "autograph": "tessera.autograph",
    "test": "tessera.test",
    "sysconfig": "tessera.sysconfig",
    "lite": "tessera.lite",
    "types": "tessera.types",
    "estimator": "tessera.estimator",
    "feature_column": "tessera.feature_column",
    "raw_ops": "tessera.raw_ops",
    "quantization": "tessera.quantization",
    "ragged": "tessera.ragged",
    "audio": "tessera.audio",
    "tpu": "tessera.tpu",
    "xla": "tessera.xla",
    "mixed_precision": "tessera.mixed_precision",
    "version": "tessera.version",
}


def __getattr__(name):
    target = _LAZY.get(name)
    if target is not None:
        try:
            mod = _importlib.import_module(target)
        except ModuleNotFoundError as e:
            if e.name == target:
                raise _api.missing("", name) from None
            raise
        globals()[name] = mod
        return mod
    if name.startswith("__"):
        raise AttributeError(name)
    raise _api.missing("", name)

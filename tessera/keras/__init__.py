"""`tessera.keras`: the Keras 3 API on Tessera (`from tessera import keras`).

Submodules load on first use, so `import tessera.keras` stays cheap.
"""
import importlib as _importlib

from .. import _api as _tsapi
from .. import __version__ as _tsversion  # noqa: F401

__version__ = "3.15.0"

_SUBMODULES = {"layers", "models", "losses", "metrics", "optimizers", "callbacks",
               "initializers", "regularizers", "constraints", "activations", "ops", "random",
               "config", "backend", "utils", "saving", "datasets", "applications",
               "preprocessing", "mixed_precision", "export", "tree", "quantizers", "dtype_policies",
               "distribution", "wrappers", "visualization", "legacy"}
_ATTRS = {
    "Model": ("models", "Model"), "Sequential": ("models", "Sequential"),
    "Input": ("layers", "Input"), "InputSpec": ("layers", "InputSpec"),
    "Layer": ("layers", "Layer"), "Loss": ("losses", "Loss"), "Metric": ("metrics", "Metric"),
    "Optimizer": ("optimizers", "Optimizer"), "Initializer": ("initializers", "Initializer"),
    "Regularizer": ("regularizers", "Regularizer"), "Constraint": ("constraints", "Constraint"),
    "Variable": ("backend", "Variable"), "KerasTensor": ("backend", "KerasTensor"),
    "Function": ("models", "Functional"), "Operation": ("ops", "Operation"),
    "DTypePolicy": ("backend", "DTypePolicy"), "name_scope": ("backend", "name_scope"),
    "device": ("backend", "device"), "StatelessScope": ("backend", "StatelessScope"),
    "version": ("backend", "version"),
}


def __getattr__(name):
    if name in _SUBMODULES:
        try:
            mod = _importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as e:
            if e.name == f"{__name__}.{name}":
                raise _tsapi.missing("keras", name) from None
            raise
        globals()[name] = mod
        return mod
    if name in _ATTRS:
        modname, attr = _ATTRS[name]
        mod = __getattr__(modname)
        obj = getattr(mod, attr)
        globals()[name] = obj
        return obj
    if name.startswith("__"):
        raise AttributeError(name)
    raise _tsapi.missing("keras", name)

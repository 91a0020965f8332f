"""`keras.models`: Model, Sequential, the functional API, and model (de)serialization.

The classes load on first access (the layer base class imports this package's
`symbolic` module, so importing them eagerly here would be circular).
"""
import importlib as _importlib

_LAZY = {"Model": ".model", "Sequential": ".sequential", "Functional": ".functional",
         "clone_model": ".cloning", "model_from_json": ".cloning"}


def __getattr__(name):
    mod = _LAZY.get(name)
    if mod is None:
        from ... import _api
        if name.startswith("__"):
            raise AttributeError(name)
        raise _api.missing("keras.models", name)
    value = getattr(_importlib.import_module(mod, __name__), name)
    globals()[name] = value
    return value


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Loads a model saved with `model.save` (the .keras format comes with a later release)."""
    from .. import saving
    return saving.load_model(filepath, custom_objects=custom_objects, compile=compile,
                             safe_mode=safe_mode)


def save_model(model, filepath, overwrite=True, **kwargs):
    from .. import saving
    return saving.save_model(model, filepath, overwrite=overwrite, **kwargs)

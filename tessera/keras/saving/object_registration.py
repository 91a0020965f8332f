"""The registry of serializable objects: built-in Keras names and user registrations.

Built-in classes and functions are registered with `keras_export("keras.layers")`
under Keras 3's public module name, so that configs written by Tessera name
`"module": "keras.layers"` exactly as Keras does and configs written by Keras
find Tessera's classes.
"""
import threading

__all__ = ["keras_export", "register_keras_serializable", "get_registered_object",
           "get_registered_name", "get_custom_objects", "CustomObjectScope",
           "custom_object_scope", "builtin"]

_BUILTIN = {}          # (module, name) -> object
_BUILTIN_BY_NAME = {}  # name -> [(module, object)]
_GLOBAL_CUSTOM = {}    # registered name ("package>Name") -> object
_GLOBAL_NAMES = {}     # object -> registered name
_scope = threading.local()


def keras_export(module, name=None):
    """Decorator registering a built-in class or function under Keras's public `module`.

    Example: `@keras_export("keras.layers") class Dense(Layer): ...`
    """
    def deco(obj):
        n = name or obj.__name__
        obj._keras_module = module
        _BUILTIN[(module, n)] = obj
        _BUILTIN_BY_NAME.setdefault(n, []).append((module, obj))
        return obj
    return deco


_FAMILIES = ("layers", "losses", "metrics", "optimizers", "initializers", "regularizers",
             "constraints", "activations", "models", "callbacks", "random", "ops")
_loaded = [False]


def _load_builtins():
    """Imports every Keras family once, so that all built-ins are registered."""
    if _loaded[0]:
        return
    _loaded[0] = True
    import importlib
    for fam in _FAMILIES:
        importlib.import_module(f"tessera.keras.{fam}")
    for mod in ("optimizers.schedules", "models.sequential", "models.functional"):
        importlib.import_module(f"tessera.keras.{mod}")


def builtin(name, module=None):
    """Looks up a built-in object by class/function name (and module prefix, if given)."""
    _load_builtins()
    if module is not None:
        obj = _BUILTIN.get((module, name))
        if obj is not None:
            return obj
        for m, o in _BUILTIN_BY_NAME.get(name, ()):
            if m.startswith(module) or module.startswith(m):
                return o
        return None
    hits = _BUILTIN_BY_NAME.get(name)
    return hits[0][1] if hits else None


def register_keras_serializable(package="Custom", name=None):
    """Registers a class or function so saved configs can refer to it as `package>name`.

    Example:
    >>> @keras.saving.register_keras_serializable(package="my_package")
    ... class MyLayer(keras.layers.Layer):
    ...     pass
    """
    def deco(obj):
        n = name or obj.__name__
        key = f"{package}>{n}"
        if isinstance(obj, type) and not hasattr(obj, "get_config"):
            raise ValueError(f"Cannot register {obj.__name__}: classes need a get_config() method.")
        _GLOBAL_CUSTOM[key] = obj
        _GLOBAL_NAMES[obj] = key
        return obj
    return deco


def get_registered_name(obj):
    """The name `obj` is saved under: `package>Name` if registered, else its own name."""
    if obj in _GLOBAL_NAMES:
        return _GLOBAL_NAMES[obj]
    return getattr(obj, "__name__", type(obj).__name__)


def _scoped():
    out = {}
    for d in getattr(_scope, "stack", ()):
        out.update(d)
    return out


def get_registered_object(name, custom_objects=None, module_objects=None):
    """Finds a class or function by name in the custom-object scopes, the custom objects
    given, the registered objects and `module_objects`; None if absent."""
    scoped = _scoped()
    if name in scoped:
        return scoped[name]
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    if name in _GLOBAL_CUSTOM:
        return _GLOBAL_CUSTOM[name]
    if module_objects and name in module_objects:
        return module_objects[name]
    return None


def get_custom_objects():
    """The global dict of registered custom objects (editable, as in Keras)."""
    return _GLOBAL_CUSTOM


class CustomObjectScope:
    """Context manager making `custom_objects` visible to deserialization, as in Keras.

    Example:
    >>> with keras.saving.CustomObjectScope({"MyLayer": MyLayer}):
    ...     model = keras.models.load_model("m.keras")
    """

    def __init__(self, custom_objects=None, *more):
        self.custom_objects = dict(custom_objects or {})
        for m in more:
            self.custom_objects.update(m)

    def __enter__(self):
        if not hasattr(_scope, "stack"):
            _scope.stack = []
        _scope.stack.append(self.custom_objects)
        return self

    def __exit__(self, *exc):
        _scope.stack.pop()
        return False


custom_object_scope = CustomObjectScope

"""`serialize_keras_object` / `deserialize_keras_object`, with Keras 3's config grammar.

A serialized object is a dict `{"module", "class_name", "config", "registered_name"}`
(plus `"build_config"` / `"compile_config"` for layers and models); built-in
functions serialize to their name. Plain values (numbers, strings, lists, dicts,
None) pass through; tuples become `{"class_name": "__tuple__", "config": {"value": [...]}}`
as in Keras.
"""
import inspect
import types

import numpy as np

from . import object_registration as reg

__all__ = ["serialize_keras_object", "deserialize_keras_object", "SafeModeScope",
           "in_safe_mode"]

_safe = [True]


class SafeModeScope:
    """Context manager setting whether loading may run code from the file (Lambda bytecode)."""

    def __init__(self, safe_mode=True):
        self.safe_mode = safe_mode

    def __enter__(self):
        self._prev = _safe[0]
        _safe[0] = self.safe_mode if self.safe_mode is not None else self._prev
        return self

    def __exit__(self, *exc):
        _safe[0] = self._prev
        return False


def in_safe_mode():
    return _safe[0]


def _public_module(obj):
    m = getattr(obj, "_keras_module", None)
    if m is not None and (isinstance(obj, type) and obj.__dict__.get("_keras_module") is not None
                          or not isinstance(obj, type)):
        return m
    return getattr(obj, "__module__", None)


def serialize_keras_object(obj):
    """Returns the JSON-able config dict (or plain value) that describes `obj`."""
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, (np.integer, np.floating, np.bool_)):
        return obj.item()
    if isinstance(obj, bytes):
        return {"class_name": "__bytes__", "config": {"value": obj.decode("utf-8")}}
    if isinstance(obj, np.ndarray) or hasattr(obj, "_a") and hasattr(obj, "numpy"):
        arr = np.asarray(obj)
        return {"class_name": "__numpy__", "config": {"value": arr.tolist(), "dtype": str(arr.dtype)}}
    if isinstance(obj, tuple):
        return {"class_name": "__tuple__", "config": {"value": [serialize_keras_object(x) for x in obj]}}
    if isinstance(obj, list):
        return [serialize_keras_object(x) for x in obj]
    if isinstance(obj, dict):
        return {k: serialize_keras_object(v) for k, v in obj.items()}
    if isinstance(obj, type(reg)):  # a module
        raise TypeError(f"Cannot serialize the module {obj.__name__}.")
    if hasattr(obj, "name") and type(obj).__name__ == "DType":
        return obj.name
    if isinstance(obj, types.FunctionType) or inspect.isbuiltin(obj):
        if getattr(obj, "_keras_module", None) is not None and obj.__name__ != "<lambda>":
            return obj.__name__
        registered = reg._GLOBAL_NAMES.get(obj)
        if registered is not None:
            return {"module": obj.__module__, "class_name": "function", "config": registered,
                    "registered_name": "function"}
        if obj.__name__ == "<lambda>":
            from . import lambda_serialization as ls
            return {"class_name": "__lambda__", "config": ls.serialize_function(obj)}
        return {"module": obj.__module__, "class_name": "function", "config": obj.__name__,
                "registered_name": "function"}
    get_config = getattr(obj, "get_config", None)
    if get_config is None:
        raise TypeError(f"Cannot serialize {obj!r}: it has no get_config() method.")
    cls = type(obj)
    config = get_config()
    out = {"module": _public_module(cls), "class_name": cls.__name__,
           "config": serialize_keras_object(config) if not isinstance(config, dict)
           else {k: _inner(v) for k, v in config.items()},
           "registered_name": reg._GLOBAL_NAMES.get(cls)}
    build_config = getattr(obj, "get_build_config", None)
    if build_config is not None:
        bc = build_config()
        if bc is not None:
            out["build_config"] = _inner(bc)
    compile_config = getattr(obj, "get_compile_config", None)
    if compile_config is not None:
        cc = compile_config()
        if cc is not None:
            out["compile_config"] = serialize_keras_object(cc)
    return out


def _inner(v):
    """A value inside a config: tuples become lists (as in Keras's JSON), objects serialize."""
    if isinstance(v, tuple):
        return [_inner(x) for x in v]
    if isinstance(v, list):
        return [_inner(x) for x in v]
    if isinstance(v, dict) and "class_name" not in v:
        return {k: _inner(x) for k, x in v.items()}
    return serialize_keras_object(v)


def _decode_plain(v):
    """Decodes `__tuple__` / `__numpy__` wrappers anywhere inside a config."""
    if isinstance(v, dict):
        cname = v.get("class_name")
        if cname == "__tuple__":
            return tuple(_decode_plain(x) for x in v["config"]["value"])
        if cname == "__numpy__":
            return np.array(v["config"]["value"], dtype=v["config"]["dtype"])
        return {k: _decode_plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_decode_plain(x) for x in v]
    return v


def _call_from_config(from_config, inner, custom_objects):
    if "custom_objects" in inspect.signature(from_config).parameters:
        return from_config(inner, custom_objects=custom_objects)
    return from_config(inner)


def _accepted_args(cls):
    names = set()
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        try:
            names.update(p for p in inspect.signature(init).parameters if p != "self")
        except (TypeError, ValueError):
            pass
    return names


def _drop_unknown_unset(cls, inner):
    """`inner` without keys the constructors do not know whose value is unset (None, empty).

    Returns None when there is nothing to drop, or when an unknown key has a real value
    (that file uses a feature this version does not have).
    """
    known = _accepted_args(cls) | {"input_shape", "batch_input_shape", "input_dim", "batch_size"}
    unknown = [k for k in inner if k not in known]
    if not unknown or any(inner[k] not in (None, {}, [], False) for k in unknown):
        return None
    return {k: v for k, v in inner.items() if k not in unknown}


def _resolve(class_name, module, registered_name, custom_objects, module_objects):
    if registered_name:
        obj = reg.get_registered_object(registered_name, custom_objects, module_objects)
        if obj is not None:
            return obj
    obj = reg.get_registered_object(class_name, custom_objects, module_objects)
    if obj is not None:
        return obj
    if module:
        m = module.replace("tessera.keras", "keras")
        if m.startswith("keras.src."):
            m = "keras." + m.split(".")[2]
        obj = reg.builtin(class_name, m)
        if obj is not None:
            return obj
    return reg.builtin(class_name)


def deserialize_keras_object(config, custom_objects=None, safe_mode=True, module_objects=None,
                             **kwargs):
    """Rebuilds an object from what `serialize_keras_object` returned.

    Args:
        config: the dict (or a plain name such as `"relu"`).
        custom_objects: `{name: class_or_function}` for user objects.
        safe_mode: refuse to load Python bytecode (a lambda) from the config.
        module_objects: extra `{name: object}` to search (used by `*.get()`).
    """
    if config is None or isinstance(config, (bool, int, float, np.ndarray, tuple)):
        return config
    if isinstance(config, str):
        obj = _resolve(config, None, None, custom_objects, module_objects)
        if obj is None:
            raise ValueError(f"Could not interpret the name {config!r}: it is not a built-in "
                             "Keras object nor a registered custom object. Pass it in "
                             "custom_objects or register it with "
                             "keras.saving.register_keras_serializable().")
        return obj
    if isinstance(config, list):
        return [deserialize_keras_object(c, custom_objects, safe_mode, module_objects) for c in config]
    if not isinstance(config, dict):
        raise TypeError(f"Could not deserialize {config!r}: expected a dict or a name.")
    cname = config.get("class_name")
    if cname == "__tuple__":
        return tuple(deserialize_keras_object(c, custom_objects, safe_mode, module_objects)
                     for c in config["config"]["value"])
    if cname == "__numpy__":
        return np.array(config["config"]["value"], dtype=config["config"]["dtype"])
    if cname == "__bytes__":
        return config["config"]["value"].encode("utf-8")
    if cname == "__lambda__":
        if safe_mode and _safe[0]:
            raise ValueError(
                "Requested the deserialization of a Python lambda, which loads and runs "
                "bytecode from the file: refused because safe_mode=True. If you trust the "
                "file, pass safe_mode=False to the loading function.")
        from . import lambda_serialization as ls
        return ls.deserialize_function(config["config"])
    if cname is None:
        return {k: deserialize_keras_object(v, custom_objects, safe_mode, module_objects)
                if isinstance(v, dict) and "class_name" in v else v for k, v in config.items()}
    inner = config.get("config")
    if cname == "function":
        fname = inner
        obj = _resolve(fname, config.get("module"), fname, custom_objects, module_objects)
        if obj is None:
            raise ValueError(f"Unknown function {fname!r}: pass it in custom_objects or "
                             "register it with keras.saving.register_keras_serializable().")
        return obj
    cls = _resolve(cname, config.get("module"), config.get("registered_name"), custom_objects,
                   module_objects)
    if cls is None:
        raise TypeError(
            f"Could not locate class {cname!r} (module {config.get('module')!r}). Make sure "
            "custom classes are decorated with @keras.saving.register_keras_serializable() "
            "or passed in custom_objects.")
    if not isinstance(inner, dict):
        return cls(inner) if inner is not None else cls()
    inner = _decode_plain(inner)
    from_config = getattr(cls, "from_config", None)
    with reg.CustomObjectScope(custom_objects or {}), SafeModeScope(safe_mode if not safe_mode else None):
        if from_config is not None:
            try:
                try:
                    obj = _call_from_config(from_config, inner, custom_objects)
                except TypeError:
                    # a newer Keras may write keys this version lacks; unset ones are harmless
                    trimmed = _drop_unknown_unset(cls, inner)
                    if trimmed is None:
                        raise
                    obj = _call_from_config(from_config, trimmed, custom_objects)
            except TypeError as e:
                raise TypeError(f"{cname}.from_config() could not rebuild the object from its "
                                f"config: {e}. A custom class whose constructor takes other "
                                "arguments must define get_config()/from_config().") from e
        else:
            obj = cls(**inner)
        bc = config.get("build_config")
        if bc and hasattr(obj, "build_from_config"):
            obj.build_from_config(bc)
        cc = config.get("compile_config")
        if cc and hasattr(obj, "compile_from_config"):
            obj.compile_from_config(cc)
    return obj

"""Python functions stored as bytecode (Lambda layers): only loaded with safe_mode=False."""
import base64
import marshal
import types

__all__ = ["serialize_function", "deserialize_function"]


def serialize_function(fn):
    """Returns `{"code": base64 marshal of fn.__code__, "defaults": ..., "closure": ...}`."""
    code = base64.b64encode(marshal.dumps(fn.__code__)).decode("ascii")
    closure = [c.cell_contents for c in fn.__closure__] if fn.__closure__ else None
    return {"code": code, "defaults": fn.__defaults__, "closure": closure}


def deserialize_function(config, globs=None):
    """Rebuilds a function from `serialize_function`'s output (runs code from the file)."""
    code = marshal.loads(base64.b64decode(config["code"]))
    closure = config.get("closure")
    cells = tuple(types.CellType(c) for c in closure) if closure else None
    if globs is None:
        import numpy as np
        import tessera
        from tessera import keras
        globs = {"__builtins__": __builtins__, "np": np, "numpy": np, "ts": tessera,
                 "tf": tessera, "tessera": tessera, "keras": keras, "ops": keras.ops}
    return types.FunctionType(code, globs, code.co_name,
                              tuple(config["defaults"]) if config.get("defaults") else None, cells)

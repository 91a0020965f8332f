"""Running TensorFlow and Keras programs unchanged, and `tf.compat`.

`alias()` installs an import hook so that, in this process,

    import tensorflow as tf            # -> tessera
    import tensorflow.math             # -> tessera.math (any tessera submodule)
    from tensorflow import keras       # -> tessera.keras
    import keras, tf_keras             # -> tessera.keras
    from keras import layers           # -> tessera.keras.layers

all resolve to Tessera's own modules (the very same module objects, so
`tf.constant is tessera.constant`). `unalias()` removes the hook and the
aliases. `tessera run script.py` calls `alias()` before running the script.

Names Tessera lacks raise a clear error ("tessera has no tf.foo yet"); the
TensorFlow 1 API (`tf.compat.v1`) is not supported and says so; `tf.compat.v2`
is Tessera itself.
"""
import importlib
import importlib.machinery
import os
import sys
import warnings

from . import _api

__all__ = ["alias", "unalias", "is_aliased", "as_bytes", "as_text", "as_str", "as_str_any",
           "path_to_str", "dimension_value", "forward_compatible"]

# `tessera.compat` is a package with no files, so that `tensorflow.compat.v1` and
# `tensorflow.compat.v2` can be imported (through the hook).
__path__ = []

_PREFIXES = (("tensorflow", "tessera"), ("tf_keras", "tessera.keras"), ("keras", "tessera.keras"))
_V1_TEXT = (
    "tessera does not support the TensorFlow 1 API (tf.compat.v1: sessions, placeholders, "
    "tf.compat.v1.layers, ...). Port the program to TensorFlow 2 style (eager tensors, "
    "tf.function, Keras), or keep running it with TensorFlow. tf.compat.v2 is supported.")
_KERAS_TEXT = (
    "tessera has no keras yet: the Keras API (tessera.keras) is not part of this build, so "
    "'{name}' cannot be imported. The tensor API (tf.constant, tf.GradientTape, tf.nn, ...) "
    "works; use it, or run Keras programs with TensorFlow for now.")


class CompatV1Error(_api.MissingSymbol):
    """Raised on `tf.compat.v1`: Tessera supports only the TensorFlow 2 API."""


class AliasImportError(ModuleNotFoundError):
    """An aliased import (`import tensorflow.foo`, `import keras`) that Tessera cannot serve."""


def _real_name(fullname):
    """Maps an aliased module name to Tessera's, or None when it is not aliased."""
    for alias_, real in _PREFIXES:
        if fullname == alias_ or fullname.startswith(alias_ + "."):
            name = real + fullname[len(alias_):]
            break
    else:
        if fullname.startswith("tessera.compat."):
            name = fullname
        else:
            return None
    for v in ("tessera.compat.v1", "tessera.compat.v2"):
        if name == v or name.startswith(v + "."):
            return name if v.endswith("v1") else "tessera" + name[len(v):]
    return name


def _has_keras():
    """True when the `tessera.keras` package exists (checked now, never hard-coded)."""
    if "tessera.keras" in sys.modules and sys.modules["tessera.keras"] is not None:
        return True
    import tessera
    return importlib.machinery.PathFinder.find_spec("tessera.keras", tessera.__path__) is not None


def _in_from_import():
    """True when the import being resolved comes straight from a `from pkg import name`."""
    f = sys._getframe(2)
    while f is not None and f.f_code.co_filename.startswith("<frozen importlib"):
        if f.f_code.co_name == "_handle_fromlist":
            return True
        f = f.f_back
    return False


def _tf_spelling(real):
    """`tessera.math.foo` -> (`math`, `foo`) for `_api.missing`."""
    parts = real.split(".")[1:]
    return ".".join(parts[:-1]), parts[-1]


class _AliasLoader:
    """Hands back an already-imported Tessera module under the aliased name."""

    def __init__(self, module):
        self.module = module
        self.spec = getattr(module, "__spec__", None)

    def create_module(self, spec):
        return self.module

    def exec_module(self, module):
        # The import system set `__spec__` to the alias's spec: restore Tessera's own.
        if self.spec is not None:
            module.__spec__ = self.spec


class _AliasFinder:
    """The `sys.meta_path` finder installed by `alias()`."""

    def find_spec(self, fullname, path=None, target=None):
        real = _real_name(fullname)
        if real is None:
            if fullname.startswith("tessera.") and fullname.count(".") == 1 and _in_from_import():
                return self._from_tessera(fullname)
            return None
        if real == "tessera.compat.v1" or real.startswith("tessera.compat.v1."):
            # (the name must differ from `tessera.compat.v1`, or `from ... import v1` hides it)
            raise AliasImportError(_V1_TEXT, name="tensorflow.compat.v1")
        if real == "tessera.python" or real.startswith("tessera.python."):
            raise AliasImportError(
                f"'{fullname}' is TensorFlow's private implementation; tessera does not provide "
                "it. Use the public API (tf.*, tf.keras.*) instead.", name=fullname)
        if (real == "tessera.keras" or real.startswith("tessera.keras.")) and not _has_keras():
            raise AliasImportError(_KERAS_TEXT.format(name=fullname), name=fullname)
        try:
            module = importlib.import_module(real)
        except ModuleNotFoundError as e:
            if e.name is not None and (real == e.name or real.startswith(e.name + ".")) \
                    and e.name.startswith("tessera."):
                ns, leaf = _tf_spelling(e.name)
                raise AliasImportError(str(_api.missing(ns, leaf)), name=fullname) from None
            raise
        is_pkg = getattr(module, "__path__", None) is not None
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader(module), is_package=is_pkg)

    @staticmethod
    def _from_tessera(fullname):
        # `from tensorflow import X` looks for the submodule `tessera.X` once the
        # attribute is missing; answer with the clear error rather than Python's
        # "cannot import name 'X' from 'tessera'".
        import tessera
        if importlib.machinery.PathFinder.find_spec(fullname, tessera.__path__) is not None:
            return None
        leaf = fullname.split(".", 1)[1]
        if leaf == "keras":
            raise AliasImportError(_KERAS_TEXT.format(name="tensorflow.keras"), name="keras")
        raise AliasImportError(str(_api.missing("", leaf)), name="tensorflow." + leaf)


_finder = None


def is_aliased():
    """True while `alias()` is in effect."""
    return _finder is not None and _finder in sys.meta_path


def _aliased_modules():
    return [n for n in list(sys.modules) if _real_name(n) is not None
            and not n.startswith("tessera.")]


def alias():
    """Makes `import tensorflow`, `import keras` and `import tf_keras` load Tessera.

    Installs a finder at the front of `sys.meta_path`; calling it twice is
    harmless. Modules of those names imported earlier (a real TensorFlow) are
    replaced for later imports, with a warning, since objects made by them do
    not mix with Tessera's.

    Example:
    >>> import tessera.compat
    >>> tessera.compat.alias()
    >>> import tensorflow as tf
    >>> tf.reduce_sum(tf.constant([1., 2.])).numpy()
    3.0
    """
    global _finder
    if is_aliased():
        return
    stale = [n for n in _aliased_modules()
             if not getattr(sys.modules[n], "__name__", "").startswith("tessera")]
    if stale:
        warnings.warn(
            f"tessera.compat.alias(): {', '.join(sorted(stale)[:3])} was imported before the "
            "alias; later imports get Tessera. Call alias() first (or use `tessera run`).",
            RuntimeWarning, stacklevel=2)
        for n in stale:
            del sys.modules[n]
    _finder = _AliasFinder()
    sys.meta_path.insert(0, _finder)


def unalias():
    """Removes the hook installed by `alias()` and forgets the aliased modules."""
    global _finder
    if _finder is not None and _finder in sys.meta_path:
        sys.meta_path.remove(_finder)
    _finder = None
    for n in _aliased_modules():
        m = sys.modules.get(n)
        if m is None or getattr(m, "__name__", "").startswith("tessera"):
            sys.modules.pop(n, None)


# -- tf.compat's own functions ------------------------------------------------------
def as_bytes(bytes_or_text, encoding="utf-8"):
    """Converts `bytes`, `bytearray` or `str` to `bytes`, as `tf.compat.as_bytes`."""
    if isinstance(bytes_or_text, bytearray):
        return bytes(bytes_or_text)
    if isinstance(bytes_or_text, str):
        return bytes_or_text.encode(encoding)
    if isinstance(bytes_or_text, bytes):
        return bytes_or_text
    raise TypeError(f"Expected binary or unicode string, got {bytes_or_text!r}")


def as_text(bytes_or_text, encoding="utf-8"):
    """Converts `bytes` or `str` to `str`, as `tf.compat.as_text`."""
    if isinstance(bytes_or_text, str):
        return bytes_or_text
    if isinstance(bytes_or_text, (bytes, bytearray)):
        return bytes(bytes_or_text).decode(encoding)
    raise TypeError(f"Expected binary or unicode string, got {bytes_or_text!r}")


as_str = as_text


def as_str_any(value, encoding="utf-8"):
    """`as_str` for bytes, `str(value)` for anything else."""
    if isinstance(value, (bytes, bytearray)):
        return as_text(value, encoding)
    return str(value)


def path_to_str(path):
    """Converts a path-like object to `str`; other values pass through."""
    if isinstance(path, os.PathLike):
        return os.fspath(path)
    return path


def dimension_value(dimension):
    """The int (or None) of a dimension, as `tf.compat.dimension_value`."""
    if dimension is None or isinstance(dimension, int):
        return dimension
    value = getattr(dimension, "value", dimension)
    return None if value is None else int(value)


def forward_compatible(year, month, day):
    """True: Tessera has no forward-compatibility window (always the newest behaviour)."""
    return True


def __getattr__(name):
    if name == "v1":
        raise CompatV1Error(_V1_TEXT)
    if name == "v2":
        import tessera
        return tessera
    if name.startswith("__"):
        raise AttributeError(name)
    raise _api.missing("compat", name)

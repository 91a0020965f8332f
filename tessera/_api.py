"""Builds the public namespaces (`ts`, `ts.math`, `ts.nn`, ...) from the op modules.

Each module in `ops/` declares `__api__ = {"ts": [...], "math": [...], ...}`:
the names it contributes to each namespace. Namespace modules call `collect`.
"""
import importlib

OP_MODULES = ("creation", "math", "unary", "reduce", "array", "indexing", "linalg", "nn",
              "random", "clip", "segment", "fused", "conv", "pooling", "crossentropy",
              "normalization", "image", "image_adjust", "rnn", "attention")


class MissingSymbol(AttributeError):
    """Raised for a TensorFlow/Keras name Tessera does not implement yet."""


def collect(namespace):
    """Returns `{name: object}` for every op declared in `namespace` by the op modules."""
    out = {}
    for modname in OP_MODULES:
        try:
            mod = importlib.import_module(f"tessera.ops.{modname}")
        except ModuleNotFoundError as e:
            if e.name == f"tessera.ops.{modname}":
                continue
            raise
        for name in getattr(mod, "__api__", {}).get(namespace, ()):
            if isinstance(name, tuple):  # (public name, attribute name)
                out[name[0]] = getattr(mod, name[1])
            else:
                out[name] = getattr(mod, name)
    return out


def missing(namespace, name):
    """The error for `tf.<namespace>.<name>` that Tessera lacks."""
    full = f"tf.{namespace}.{name}" if namespace else f"tf.{name}"
    return MissingSymbol(
        f"tessera has no {full} yet. See the README's list of supported APIs, or open an "
        "issue naming the function you need.")

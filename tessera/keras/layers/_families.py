"""Gathers the public layer classes of every family module (each declares `__all__`)."""
import importlib

FAMILIES = ("core", "activation", "merging", "reshaping", "regularization", "embedding",
            "preprocessing", "normalization_core", "conv", "pooling", "normalization",
            "recurrent", "attention", "image_preprocessing", "spatial", "wrappers",
            "conv_lstm", "rnn_cells")


def collect():
    out = {}
    for fam in FAMILIES:
        try:
            mod = importlib.import_module(f"tessera.keras.layers.{fam}")
        except ModuleNotFoundError as e:
            if e.name == f"tessera.keras.layers.{fam}":
                continue
            raise
        for name in getattr(mod, "__all__", ()):
            out[name] = getattr(mod, name)
    return out

"""Reading legacy HDF5 files (`model.save("m.h5")` in Keras 2, or in Keras 3's legacy mode).

A full-model file holds the architecture as JSON in the root attribute `model_config`
and the weights under `model_weights/<layer name>`, each layer group listing its
arrays in the attribute `weight_names`. A weights-only file has the layer groups at
its root. Reading only: Tessera writes the `.keras` and `.weights.h5` formats.
"""
import json
import warnings

import numpy as np

from .serialization_lib import deserialize_keras_object

__all__ = ["is_legacy_h5", "load_legacy_model", "load_legacy_weights"]


def _text(v):
    return v.decode("utf-8") if isinstance(v, bytes) else str(v)


def is_legacy_h5(filepath):
    """True when `filepath` is an HDF5 file in the legacy layout (has `layer_names`)."""
    import h5py
    try:
        with h5py.File(filepath, "r") as f:
            return "layer_names" in f.attrs or ("model_weights" in f and
                                                "layer_names" in f["model_weights"].attrs)
    except OSError:
        return False


def _layers_with_weights(model):
    layers = model.layers if hasattr(model, "layers") else [model]
    return [layer for layer in layers if layer.weights]


def _read_weights(group, model, filepath, skip_mismatch):
    names = [_text(n) for n in group.attrs["layer_names"]]
    saved = [(n, [_text(w) for w in group[n].attrs.get("weight_names", [])]) for n in names]
    saved = [(n, ws) for n, ws in saved if len(ws)]
    layers = _layers_with_weights(model)
    if len(saved) != len(layers):
        raise ValueError(
            f"Weight file {filepath} holds weights for {len(saved)} layers "
            f"({[n for n, _ in saved]}), but the model has {len(layers)} layers with weights "
            f"({[l.name for l in layers]}): the architectures differ.")
    for (name, weight_names), layer in zip(saved, layers):
        arrays = [np.asarray(group[name][w]) for w in weight_names]
        expected = [tuple(v.shape) for v in layer.weights]
        got = [a.shape for a in arrays]
        if expected != got:
            msg = (f"Weight file {filepath}: layer {name!r} has weights of shapes {got}, but "
                   f"layer {layer.name!r} of the model expects {expected}.")
            if skip_mismatch:
                warnings.warn(msg + " Skipping it (skip_mismatch=True).", stacklevel=3)
                continue
            raise ValueError(msg)
        layer.set_weights(arrays)


def load_legacy_weights(model, filepath, skip_mismatch=False):
    """Loads a legacy `.h5` weights (or full-model) file into `model`, layer by layer in order."""
    import h5py
    with h5py.File(filepath, "r") as f:
        group = f["model_weights"] if "model_weights" in f else f
        if "layer_names" not in group.attrs:
            raise ValueError(f"{filepath} is not a Keras HDF5 weights file: it has no "
                             "`layer_names` attribute.")
        _read_weights(group, model, filepath, skip_mismatch)


def load_legacy_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Rebuilds a model from a legacy full-model `.h5` file (architecture, weights, and the
    compile configuration when it can be read)."""
    import h5py
    with h5py.File(filepath, "r") as f:
        if "model_config" not in f.attrs:
            raise ValueError(f"{filepath} holds no model configuration (`model_config`): it is "
                             "a weights-only file; build the model and call load_weights().")
        config = json.loads(_text(f.attrs["model_config"]))
        model = deserialize_keras_object(config, custom_objects=custom_objects,
                                         safe_mode=safe_mode)
        if "model_weights" in f:
            _read_weights(f["model_weights"], model, filepath, skip_mismatch=False)
        training = f.attrs.get("training_config")
    if compile and training is not None:
        try:
            tc = json.loads(_text(training))
            opt = tc.get("optimizer_config")
            optimizer = deserialize_keras_object(opt) if isinstance(opt, dict) else "rmsprop"
            model.compile(optimizer=optimizer, loss=tc.get("loss"),
                          metrics=tc.get("metrics"), loss_weights=tc.get("loss_weights"))
        except (TypeError, ValueError, KeyError) as e:
            warnings.warn(f"{filepath}: the model was loaded but its training configuration "
                          f"could not be restored ({e}); call compile() yourself.", stacklevel=2)
    return model

"""`keras.saving.save_model` / `load_model` / `save_weights` / `load_weights`, as in Keras 3."""
import os

from . import saving_lib
from .object_registration import keras_export

__all__ = ["save_model", "load_model", "save_weights", "load_weights"]


def _path(filepath, what):
    if isinstance(filepath, os.PathLike):
        filepath = os.fspath(filepath)
    if not isinstance(filepath, str):
        raise ValueError(f"{what}: `filepath` must be a path (str or pathlib.Path). "
                         f"Received: filepath={filepath!r}")
    return filepath


@keras_export("keras.saving")
def save_model(model, filepath, overwrite=True, zipped=None, **kwargs):
    """Saves a model as a `.keras` zip (config, compile config, weights, optimizer state).

    Args:
        model: the `keras.Model` to save.
        filepath: a path ending in `.keras`.
        overwrite: whether to replace an existing file (else raise).
        zipped: must be `True` or `None` (unzipped saving is not supported).

    Example:
    >>> model.save("model.keras")
    >>> restored = keras.saving.load_model("model.keras")
    """
    filepath = _path(filepath, "save_model")
    if kwargs.pop("save_format", None) not in (None, "keras"):
        raise ValueError("save_model: only the native `.keras` format is supported.")
    if kwargs:
        raise ValueError(f"save_model: unknown arguments {sorted(kwargs)}.")
    if zipped is False:
        raise ValueError("save_model: zipped=False is not supported; use zipped=True.")
    if not filepath.endswith(".keras"):
        raise ValueError("Invalid filepath extension for saving. Please add the `.keras` "
                         f"extension at the end of the filepath. Received: filepath={filepath}")
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"save_model: {filepath} already exists and overwrite=False.")
    saving_lib.save_model(model, filepath)


@keras_export("keras.saving")
def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Loads a model saved with `model.save("x.keras")` (by Tessera or Keras 3).

    Args:
        filepath: path to the `.keras` file.
        custom_objects: `{name: class_or_function}` for custom objects in the config.
        compile: whether to compile the model with its saved compile config.
        safe_mode: refuse to run Python bytecode stored in the file (Lambda layers).
    """
    filepath = _path(filepath, "load_model")
    if not os.path.exists(filepath):
        raise ValueError(f"File not found: filepath={filepath}. Please ensure the file is an "
                         "accessible `.keras` zip file.")
    if filepath.endswith((".h5", ".hdf5")):
        from . import legacy_h5
        return legacy_h5.load_legacy_model(filepath, custom_objects=custom_objects,
                                           compile=compile, safe_mode=safe_mode)
    return saving_lib.load_model(filepath, custom_objects=custom_objects, compile=compile,
                                 safe_mode=safe_mode)


@keras_export("keras.saving")
def save_weights(model, filepath, overwrite=True, **kwargs):
    """Saves the model's weights to a `.weights.h5` file (Keras 3's layout)."""
    filepath = _path(filepath, "save_weights")
    if kwargs:
        raise ValueError(f"save_weights: unknown arguments {sorted(kwargs)}.")
    if not filepath.endswith(".weights.h5"):
        raise ValueError("The filename must end in `.weights.h5`. "
                         f"Received: filepath={filepath}")
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"save_weights: {filepath} already exists and overwrite=False.")
    saving_lib.save_weights_only(model, filepath)


@keras_export("keras.saving")
def load_weights(model, filepath, skip_mismatch=False, **kwargs):
    """Loads weights saved by `save_weights` (`.weights.h5`) or from a `.keras` file."""
    filepath = _path(filepath, "load_weights")
    if kwargs:
        raise ValueError(f"load_weights: unknown arguments {sorted(kwargs)}.")
    if filepath.endswith((".h5", ".hdf5")):
        from . import legacy_h5
        if legacy_h5.is_legacy_h5(filepath):
            return legacy_h5.load_legacy_weights(model, filepath, skip_mismatch=skip_mismatch)
    if not filepath.endswith((".weights.h5", ".keras")):
        raise ValueError("File format not supported: filepath="
                         f"{filepath}. Tessera reads `.keras`, `.weights.h5` and legacy Keras "
                         "`.h5` files.")
    saving_lib.load_weights_only(model, filepath, skip_mismatch=skip_mismatch)

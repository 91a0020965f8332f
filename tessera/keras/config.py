"""`keras.config`: floatx, epsilon, image data format, and the backend's name."""
from .. import config as _tsconfig

__all__ = ["floatx", "set_floatx", "epsilon", "set_epsilon", "image_data_format",
           "set_image_data_format", "backend", "enable_unsafe_deserialization",
           "disable_traceback_filtering", "enable_traceback_filtering",
           "is_traceback_filtering_enabled"]

_state = {"epsilon": 1e-7, "image_data_format": "channels_last", "unsafe": False}


def floatx():
    """The default float dtype of weights and computations, `"float32"` unless changed."""
    return _tsconfig.floatx()


def set_floatx(value):
    """Sets the default float dtype: "float16", "bfloat16", "float32" or "float64"."""
    _tsconfig.set_floatx(value)


def epsilon():
    """The fuzz factor used in numeric expressions (default 1e-7)."""
    return _state["epsilon"]


def set_epsilon(value):
    _state["epsilon"] = float(value)


def image_data_format():
    """`"channels_last"` (default) or `"channels_first"`."""
    return _state["image_data_format"]


def set_image_data_format(data_format):
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"Unknown data_format {data_format!r}: use 'channels_last' or 'channels_first'.")
    _state["image_data_format"] = data_format


def backend():
    """The name of the backend: `"tessera"`."""
    return "tessera"


def enable_unsafe_deserialization():
    """Allows loading Lambda layers' bytecode everywhere (as safe_mode=False)."""
    from .saving import serialization_lib
    serialization_lib._safe[0] = False


def disable_traceback_filtering():
    return None


def enable_traceback_filtering():
    return None


def is_traceback_filtering_enabled():
    return False

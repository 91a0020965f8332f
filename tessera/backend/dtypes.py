"""Tessera dtypes: `ts.float32` and friends, `ts.as_dtype`, and the promotion rules.

A `DType` wraps a NumPy dtype. bfloat16 comes from the optional `ml_dtypes`
package and is resolved only when first used, so importing Tessera never
imports it.
"""
import numpy as np

__all__ = ["DType", "as_dtype"]


class DType:
    """A tensor element type, as `tf.DType`.

    Attributes:
        name: the TensorFlow name (`"float32"`, `"int64"`, `"bool"`, ...).
        as_numpy_dtype: the NumPy scalar type.
        is_floating, is_integer, is_unsigned, is_bool, is_complex: kind flags.
        min, max: the representable range.
        size: bytes per element.

    Example:
    >>> ts.float32.is_floating
    True
    >>> ts.as_dtype("int32") == ts.int32
    True
    """

    __slots__ = ("name", "_np", "_kind")

    def __init__(self, name, np_dtype, kind):
        self.name = name
        self._np = np_dtype
        self._kind = kind

    @property
    def np(self):
        """The `numpy.dtype` (resolving bfloat16 through ml_dtypes)."""
        if self._np is None:
            try:
                import ml_dtypes
            except ImportError:
                raise TypeError(
                    "bfloat16 needs the optional package ml_dtypes: "
                    "`pip install ml_dtypes`, or use ts.float16 / ts.float32."
                ) from None
            self._np = np.dtype(ml_dtypes.bfloat16)
            _FROM_NP[self._np] = self
        return self._np

    @property
    def as_numpy_dtype(self):
        return self.np.type

    @property
    def is_floating(self):
        return self._kind == "f"

    @property
    def is_integer(self):
        return self._kind in "iu"

    @property
    def is_unsigned(self):
        return self._kind == "u"

    @property
    def is_bool(self):
        return self._kind == "b"

    @property
    def is_complex(self):
        return self._kind == "c"

    @property
    def is_numeric(self):
        return self._kind in "fiuc"

    @property
    def base_dtype(self):
        return self

    @property
    def real_dtype(self):
        if self._kind == "c":
            return float32 if self.name == "complex64" else float64
        return self

    @property
    def size(self):
        return self.np.itemsize

    @property
    def min(self):
        if self._kind == "f":
            return float(np.finfo(self.np).min) if self.name != "bfloat16" else -3.3895313892515355e38
        if self._kind in "iu":
            return int(np.iinfo(self.np).min)
        if self._kind == "b":
            return False
        raise TypeError(f"{self.name} has no min")

    @property
    def max(self):
        if self._kind == "f":
            return float(np.finfo(self.np).max) if self.name != "bfloat16" else 3.3895313892515355e38
        if self._kind in "iu":
            return int(np.iinfo(self.np).max)
        if self._kind == "b":
            return True
        raise TypeError(f"{self.name} has no max")

    def is_compatible_with(self, other):
        return self == other

    def __eq__(self, other):
        if other is self:
            return True
        if other is None:
            return False
        try:
            return as_dtype(other) is self
        except TypeError:
            return False

    def __ne__(self, other):
        return not self.__eq__(other)

    def __hash__(self):
        return hash(self.name)

    def __repr__(self):
        return f"tf.{self.name}"

    def __str__(self):
        return f"<dtype: '{self.name}'>"

    def __reduce__(self):
        return (as_dtype, (self.name,))


_FROM_NP = {}
_BY_NAME = {}


def _make(name, np_type, kind):
    dt = DType(name, np.dtype(np_type) if np_type is not None else None, kind)
    _BY_NAME[name] = dt
    if dt._np is not None:
        _FROM_NP[dt._np] = dt
    return dt


float16 = _make("float16", np.float16, "f")
float32 = _make("float32", np.float32, "f")
float64 = _make("float64", np.float64, "f")
bfloat16 = _make("bfloat16", None, "f")
int8 = _make("int8", np.int8, "i")
int16 = _make("int16", np.int16, "i")
int32 = _make("int32", np.int32, "i")
int64 = _make("int64", np.int64, "i")
uint8 = _make("uint8", np.uint8, "u")
uint16 = _make("uint16", np.uint16, "u")
uint32 = _make("uint32", np.uint32, "u")
uint64 = _make("uint64", np.uint64, "u")
bool_ = _make("bool", np.bool_, "b")
complex64 = _make("complex64", np.complex64, "c")
complex128 = _make("complex128", np.complex128, "c")
string = _make("string", np.object_, "O")

half = float16
double = float64

_ALIASES = {"float": float32, "double": float64, "half": float16, "int": int32,
            "long": int64, "bool_": bool_}


def as_dtype(type_value):
    """Converts a name, NumPy dtype, Python type or `DType` to a `DType`.

    Args:
        type_value: e.g. `"float32"`, `np.float32`, `np.dtype("int64")`, `float`,
            `bool` or a `ts.DType`.

    Returns:
        The matching `DType`.

    Raises:
        TypeError: when the value names no dtype Tessera supports.
    """
    if isinstance(type_value, DType):
        return type_value
    dt = _FROM_NP.get(type_value) if not isinstance(type_value, (str, type)) else None
    if dt is not None:
        return dt
    if isinstance(type_value, str):
        dt = _BY_NAME.get(type_value) or _ALIASES.get(type_value)
        if dt is not None:
            return dt
        if type_value == "bfloat16":
            return bfloat16
    if type_value is float:
        return float32
    if type_value is int:
        return int32
    if type_value is bool:
        return bool_
    if type_value is complex:
        return complex128
    if type_value is str or type_value is bytes:
        return string
    dtype_attr = getattr(type_value, "dtype", None)
    if isinstance(dtype_attr, DType):
        return dtype_attr
    try:
        npd = np.dtype(type_value)
    except TypeError:
        npd = None
    if npd is not None:
        dt = _FROM_NP.get(npd)
        if dt is not None:
            return dt
        if npd.name == "bfloat16":
            bfloat16.np  # registers
            return bfloat16
        if npd.kind in "SUO":
            return string
    raise TypeError(
        f"Cannot convert {type_value!r} to a tessera dtype. Use one of: "
        + ", ".join(sorted(_BY_NAME)) + "."
    )


def from_numpy(npd):
    """Returns the `DType` of a NumPy dtype (fast path used by `Tensor.dtype`)."""
    dt = _FROM_NP.get(npd)
    if dt is None:
        return as_dtype(npd)
    return dt


def np_dtype(dtype):
    """Returns the NumPy dtype for anything `as_dtype` accepts (None stays None)."""
    if dtype is None:
        return None
    if isinstance(dtype, DType):
        return dtype.np
    return as_dtype(dtype).np


ALL = tuple(_BY_NAME.values())

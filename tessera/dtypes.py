"""`ts.dtypes`: dtype objects and `as_dtype`."""
from .backend.dtypes import (DType, as_dtype, bfloat16, bool_ as bool, complex64, complex128,  # noqa: F401
                             double, float16, float32, float64, half, int8, int16, int32, int64,
                             string, uint8, uint16, uint32, uint64)
from .ops.creation import cast  # noqa: F401,E402
from .ops.math import complex  # noqa: F401,E402

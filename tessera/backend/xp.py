"""THE NumPy/CuPy switch.

Every op reaches its array library through this module: `of(array)` gives the
module an array belongs to, `current()` the module of the device in scope.
NumPy ufuncs dispatch to CuPy through `__array_ufunc__`, so elementwise kernels
written with `numpy` functions run on either.
"""
import numpy as np

from . import cuda

numpy = np
_ndarray = np.ndarray
_generic = np.generic


def of(a):
    """Returns the array module (`numpy` or `cupy`) that owns array `a`."""
    if type(a) is _ndarray or isinstance(a, (_generic, _ndarray)):
        return np
    cp = cuda.cupy_or_none()
    if cp is not None and isinstance(a, cp.ndarray):
        return cp
    return np


def of_many(*arrays):
    """Returns the array module shared by `arrays` (NumPy unless one is on a GPU)."""
    for a in arrays:
        if not isinstance(a, (_generic, _ndarray)) and hasattr(a, "__cuda_array_interface__"):
            return of(a)
    return np


def current():
    """Returns the array module of the device in scope (`ts.device`)."""
    from . import device
    return device.current().xp


def to_numpy(a):
    """Returns `a` as a NumPy array (copying from the GPU when needed)."""
    if isinstance(a, (_ndarray, _generic)):
        return np.asarray(a)
    get = getattr(a, "get", None)
    if get is not None:
        return get()
    return np.asarray(a)

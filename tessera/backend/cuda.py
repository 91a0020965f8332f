"""The CuPy side of the backend: the only module (with xp.py) that imports cupy.

CuPy is an optional extra (`pip install tessera[gpu]`); nothing here is imported
until a GPU device is asked for.
"""
_cupy = None
_checked = False


def cupy_or_none():
    """Returns the `cupy` module when it imports and sees a GPU, else None."""
    global _cupy, _checked
    if not _checked:
        _checked = True
        try:
            import cupy
            if cupy.cuda.runtime.getDeviceCount() > 0:
                _cupy = cupy
        except Exception:  # no cupy, no driver, no device
            _cupy = None
    return _cupy


def device_count():
    """Number of CUDA devices CuPy can see (0 without cupy or a GPU)."""
    cp = cupy_or_none()
    if cp is None:
        return 0
    return cp.cuda.runtime.getDeviceCount()

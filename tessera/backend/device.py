"""Devices: `/CPU:0` (NumPy) and `/GPU:N` (CuPy), and the `ts.device` scope."""
import re
import threading

import numpy as np

from . import cuda

__all__ = ["Device", "device", "current", "parse"]


class Device:
    """A place where tensors live.

    Attributes:
        device_type: `"CPU"` or `"GPU"`.
        index: the device number.
        xp: the array module (`numpy` or `cupy`).
    """

    __slots__ = ("device_type", "index")

    def __init__(self, device_type, index=0):
        self.device_type = device_type
        self.index = index

    @property
    def xp(self):
        if self.device_type == "GPU":
            cp = cuda.cupy_or_none()
            if cp is None:
                raise RuntimeError(
                    "No GPU is available: install the GPU extra with "
                    "`pip install tessera[gpu]` on a machine with an NVIDIA GPU, "
                    "or run on '/CPU:0'.")
            cp.cuda.Device(self.index).use()
            return cp
        return np

    @property
    def name(self):
        return f"/job:localhost/replica:0/task:0/device:{self.device_type}:{self.index}"

    def __eq__(self, other):
        return isinstance(other, Device) and other.device_type == self.device_type \
            and other.index == self.index

    def __hash__(self):
        return hash((self.device_type, self.index))

    def __repr__(self):
        return f"Device('{self.device_type}:{self.index}')"


CPU0 = Device("CPU", 0)
_local = threading.local()
_soft_placement = [True]

_SPEC = re.compile(r"^(?:/job:\w+)?(?:/replica:\d+)?(?:/task:\d+)?/?(?:device:)?"
                   r"(?P<type>cpu|gpu|CPU|GPU)(?::(?P<idx>\d+))?$")


def parse(spec):
    """Parses `'/CPU:0'`, `'/GPU:1'`, `'gpu'`, a full TF device name or a `Device`."""
    if isinstance(spec, Device):
        return spec
    if spec is None or spec == "":
        return current()
    m = _SPEC.match(str(spec).strip())
    if not m:
        raise ValueError(
            f"Cannot parse device {spec!r}: write '/CPU:0' or '/GPU:0'.")
    return Device(m.group("type").upper(), int(m.group("idx") or 0))


def _stack():
    s = getattr(_local, "stack", None)
    if s is None:
        s = _local.stack = []
    return s


def current():
    """Returns the `Device` in scope (CPU:0 outside any `ts.device` block)."""
    s = getattr(_local, "stack", None)
    return s[-1] if s else CPU0


def resolve(dev):
    """Applies soft placement: a GPU that is absent falls back to CPU when enabled."""
    if dev.device_type == "GPU" and dev.index >= cuda.device_count():
        if _soft_placement[0]:
            return CPU0
        raise RuntimeError(
            f"Device /GPU:{dev.index} is not available ({cuda.device_count()} GPUs "
            "seen). Install `tessera[gpu]` on a machine with an NVIDIA GPU, or call "
            "ts.config.set_soft_device_placement(True) to fall back to the CPU.")
    return dev


class device:
    """Context manager placing new tensors on a device, as `tf.device`.

    Args:
        device_name: `"/CPU:0"`, `"/GPU:0"` or a full TensorFlow device name.

    Example:
    >>> with ts.device("/CPU:0"):
    ...     x = ts.ones([2])

    Without a GPU, `/GPU:N` falls back to the CPU (TensorFlow's soft device
    placement) unless `ts.config.set_soft_device_placement(False)` was called.
    """

    def __init__(self, device_name):
        self._dev = resolve(parse(device_name))

    def __enter__(self):
        _stack().append(self._dev)
        return self

    def __exit__(self, *exc):
        _stack().pop()
        return False

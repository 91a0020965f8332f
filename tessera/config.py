"""`ts.config`: devices, threading, eager/graph switches, floatx and determinism.

Environment variables read here: `TESSERA_FLOATX` (default float32).
"""
import os
import types as _types

from .backend import cuda as _cuda
from .backend import device as _device

__all__ = ["list_physical_devices", "list_logical_devices", "get_visible_devices",
           "set_visible_devices", "run_functions_eagerly", "functions_run_eagerly",
           "set_soft_device_placement", "get_soft_device_placement", "threading",
           "experimental", "floatx", "set_floatx", "PhysicalDevice", "LogicalDevice",
           "set_host_allocator_caching", "host_allocator_caching", "set_native_kernels",
           "native_kernels"]

_state = {"floatx": os.environ.get("TESSERA_FLOATX", "float32"), "eager": False,
          "intra": 0, "inter": 0, "deterministic": False}


class PhysicalDevice:
    """A device Tessera can use, as `tf.config.PhysicalDevice`."""

    __slots__ = ("name", "device_type")

    def __init__(self, name, device_type):
        self.name = name
        self.device_type = device_type

    def __eq__(self, other):
        return isinstance(other, PhysicalDevice) and other.name == self.name

    def __hash__(self):
        return hash(self.name)

    def __repr__(self):
        return f"PhysicalDevice(name='{self.name}', device_type='{self.device_type}')"


LogicalDevice = PhysicalDevice


def list_physical_devices(device_type=None):
    """Lists the CPU and (with the `gpu` extra and an NVIDIA GPU) the GPUs.

    Args:
        device_type: "CPU" or "GPU" to filter, or None for all.
    """
    devs = [PhysicalDevice("/physical_device:CPU:0", "CPU")]
    devs += [PhysicalDevice(f"/physical_device:GPU:{i}", "GPU") for i in range(_cuda.device_count())]
    if device_type is not None:
        devs = [d for d in devs if d.device_type == str(device_type).upper()]
    return devs


def list_logical_devices(device_type=None):
    """As `list_physical_devices`, with logical names (`/device:CPU:0`)."""
    return [LogicalDevice(d.name.replace("/physical_device:", "/device:"), d.device_type)
            for d in list_physical_devices(device_type)]


def get_visible_devices(device_type=None):
    return list_physical_devices(device_type)


def set_visible_devices(devices, device_type=None):
    """Accepted for compatibility; restricting GPUs is done with CUDA_VISIBLE_DEVICES."""
    return None


def run_functions_eagerly(run_eagerly):
    """Makes `ts.function` run its Python function eagerly (always the case for now)."""
    _state["eager"] = bool(run_eagerly)


def functions_run_eagerly():
    """True when `run_functions_eagerly(True)` was called."""
    return _state["eager"]


def set_soft_device_placement(enabled):
    """When True (default), `ts.device('/GPU:0')` without a GPU places tensors on the CPU."""
    _device._soft_placement[0] = bool(enabled)


def get_soft_device_placement():
    return _device._soft_placement[0]


def floatx():
    """The default float dtype name for Keras layers (`"float32"`)."""
    return _state["floatx"]


def set_floatx(value):
    """Sets the default float dtype name: "float16", "bfloat16", "float32" or "float64"."""
    if value not in ("float16", "bfloat16", "float32", "float64"):
        raise ValueError(f"Unknown floatx {value!r}: use float16, bfloat16, float32 or float64.")
    _state["floatx"] = value


# -- threading: mapped onto the BLAS thread pool ------------------------------
def _blas_set_threads(n):
    try:
        import threadpoolctl
        threadpoolctl.threadpool_limits(n, user_api="blas")
        return True
    except ImportError:
        pass
    from .backend.cpu import blas_threads
    control = blas_threads()
    if control is None:
        return False
    control[1](int(n))
    return True


def _set_intra(num_threads):
    _state["intra"] = int(num_threads)
    if num_threads:
        _blas_set_threads(int(num_threads))


def _set_inter(num_threads):
    _state["inter"] = int(num_threads)


threading = _types.SimpleNamespace(
    set_intra_op_parallelism_threads=_set_intra,
    get_intra_op_parallelism_threads=lambda: _state["intra"],
    set_inter_op_parallelism_threads=_set_inter,
    get_inter_op_parallelism_threads=lambda: _state["inter"],
)
threading.__doc__ = ("`ts.config.threading`: intra-op threads set the BLAS (OpenBLAS/MKL) thread "
                     "pool; 0 means the library's default. Inter-op threads are recorded only.")


def _enable_op_determinism():
    """Tessera's CPU ops are deterministic already; recorded for `is_op_determinism_enabled`."""
    _state["deterministic"] = True


def _set_memory_growth(device, enable):
    return None


def set_host_allocator_caching(enabled):
    """Tessera extension: whether freed large host arrays stay in the process for reuse.

    On by default on Linux/glibc (set `TESSERA_MALLOC_TUNING=0` before importing to start
    with it off): `malloc` keeps up to 512 MB of freed memory instead of returning it to
    the system, so a training step's large temporaries do not page-fault fresh memory in
    every step. Off: glibc's defaults. Returns whether the setting could be applied.
    """
    from .backend import cpu
    return cpu.tune_malloc(bool(enabled))


def set_native_kernels(enabled):
    """Tessera extension: whether fused compiled CPU kernels may be used.

    Some updates (the Adam family's, for one) run as one compiled pass over memory
    instead of a dozen NumPy passes, with bit-identical results. The kernels are built
    on first use with the machine's C compiler into `~/.cache/tessera` (or
    `$TESSERA_CACHE_DIR`); without a compiler Tessera uses its NumPy code. On by default;
    `TESSERA_NATIVE=0` in the environment starts with them off.
    """
    from .backend import native
    native.set_enabled(enabled)


def native_kernels():
    """A one-line status of the compiled CPU kernels: in use (and where), off, or why not."""
    from .backend import native
    return native.status()


def host_allocator_caching():
    """Whether `set_host_allocator_caching` is in effect."""
    from .backend import cpu
    return cpu.malloc_tuned()


experimental = _types.SimpleNamespace(
    enable_op_determinism=_enable_op_determinism,
    disable_op_determinism=lambda: _state.__setitem__("deterministic", False),
    is_op_determinism_enabled=lambda: _state["deterministic"],
    set_memory_growth=_set_memory_growth,
    get_memory_growth=lambda device: True,
    list_physical_devices=list_physical_devices,
    set_visible_devices=set_visible_devices,
    get_visible_devices=get_visible_devices,
    enable_tensor_float_32_execution=lambda enabled: None,
    tensor_float_32_execution_enabled=lambda: False,
)

optimizer = _types.SimpleNamespace(set_jit=lambda enabled: None, get_jit=lambda: "",
                                   set_experimental_options=lambda options: None,
                                   get_experimental_options=lambda: {})

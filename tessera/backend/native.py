"""Optional compiled CPU kernels: one pass where NumPy needs many.

NumPy runs one pass over memory per ufunc call, so an update such as Adam's (about
twelve ufunc calls per variable) is bound by those passes, not by arithmetic. The
kernels in `kernels/*.c` do such work in one pass; where they use only + - * / and
sqrt they run the same float32 operations in the same order as the NumPy code
(bit-identical results). They are compiled together on
first use with the machine's C compiler (`cc`, or `$CC`) into a per-user cache
(`$TESSERA_CACHE_DIR`, else `$XDG_CACHE_HOME/tessera`, else `~/.cache/tessera`) and
loaded with `ctypes`; nothing is compiled at install or import time.

Where no compiler is found or compiling fails, Tessera uses its NumPy code, which
gives the same results more slowly; `status()` says which is in use and why.
`TESSERA_NATIVE=0` in the environment, or `ts.config.set_native_kernels(False)`,
turns the kernels off.
"""
import hashlib
import os
import platform
import shutil
import subprocess
import sys
import tempfile

import numpy as np

__all__ = ["lib", "kernel", "takes", "ptr", "status", "set_enabled", "enabled", "SOURCES"]

_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "kernels")
SOURCES = sorted(os.path.join(_DIR, f) for f in os.listdir(_DIR) if f.endswith(".c"))
_HEADERS = sorted(os.path.join(_DIR, f) for f in os.listdir(_DIR) if f.endswith(".h"))
_ARCHS = (["-march=native", "-mprefer-vector-width=512"], ["-march=native"], [])
_FLAGS = ["-O3", "-std=c99", "-fPIC", "-shared", "-ffp-contract=off", "-fno-math-errno"]
_state = {"lib": None, "tried": False, "reason": "not loaded yet", "path": None,
          "enabled": os.environ.get("TESSERA_NATIVE", "1").strip().lower()
          not in ("0", "false", "no", "off")}


def enabled():
    """Whether the compiled kernels may be used (they may still be unavailable)."""
    return _state["enabled"]


def set_enabled(flag):
    """Turns the compiled kernels on or off for this process (the NumPy code otherwise)."""
    _state["enabled"] = bool(flag)


def lib():
    """The loaded kernel library (a `ctypes.CDLL`), or None where disabled or unavailable.

    The first call compiles (once per machine and source version) and loads it.
    """
    if not _state["enabled"]:
        return None
    if not _state["tried"]:
        _state["tried"] = True
        try:
            _state["lib"] = _load()
            _state["reason"] = "loaded"
        except Exception as e:   # no compiler, a failed build, an unloadable file
            _state["lib"] = None
            _state["reason"] = str(e) or type(e).__name__
    return _state["lib"]


def kernel(name, argtypes, restype=None):
    """The compiled function `name` with its ctypes `argtypes` (and `restype`, default
    none) declared, or None where the
    kernels are off or unavailable. Declared once; cheap to call every step.

    Example: `f = native.kernel("tessera_adam_f32", [...])`, then `if f is not None: f(...)`.
    """
    h = lib()
    if h is None:
        return None
    f = _declared.get(name)
    if f is None:
        f = getattr(h, name)
        f.restype = restype
        f.argtypes = argtypes
        _declared[name] = f
    return f


_declared = {}
_F32 = np.dtype(np.float32)


def takes(*arrays):
    """Whether the kernels are loaded and every array (None entries skipped) is a
    C-contiguous float32 NumPy array, the only kind they take."""
    if lib() is None:
        return False
    for a in arrays:
        if a is not None and (type(a) is not np.ndarray or a.dtype != _F32
                              or not a.flags.c_contiguous):
            return False
    return True


def ptr(a):
    """The data address of array `a` for a kernel argument (None stays None). The caller
    keeps `a` referenced until the call returns."""
    return None if a is None else a.ctypes.data


def status():
    """A one-line description: whether compiled kernels are in use, where, or why not."""
    if not _state["enabled"]:
        return "off (TESSERA_NATIVE=0 or ts.config.set_native_kernels(False)); NumPy kernels"
    if lib() is not None:
        return f"on ({_state['path']})"
    return f"unavailable, NumPy kernels in use: {_state['reason']}"


def _cache_dir():
    d = os.environ.get("TESSERA_CACHE_DIR")
    if not d:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"),
                                                                 ".cache")
        d = os.path.join(base, "tessera")
    os.makedirs(d, mode=0o700, exist_ok=True)
    return d


def _cpu_id():
    """What the compiled code depends on besides its source: the CPU's features."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith(("flags", "Features")):
                    return line
    except OSError:
        pass
    return platform.processor()


def _compiler():
    want = os.environ.get("CC")
    if want:
        cc = shutil.which(want)
        if not cc:
            raise RuntimeError(f"the C compiler CC={want!r} was not found")
        return cc
    cc = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if not cc:
        raise RuntimeError("no C compiler found (install gcc, or set CC to one)")
    return cc


def _load():
    import ctypes
    if sys.platform == "win32":
        raise RuntimeError("compiled kernels are built on Linux and macOS only")
    src = b""
    for path in SOURCES + _HEADERS:
        with open(path, "rb") as f:
            src += f.read()
    cc = _compiler()
    key = hashlib.sha256(b"\0".join([src, cc.encode(), repr((_FLAGS, _ARCHS)).encode(),
                                     platform.machine().encode(),
                                     _cpu_id().encode()])).hexdigest()[:20]
    path = os.path.join(_cache_dir(), f"kernels-{key}.so")
    if not os.path.exists(path):
        _build(cc, path)
    try:
        handle = ctypes.CDLL(path)
    except OSError:            # a damaged cached file: build it again, once
        _build(cc, path)
        handle = ctypes.CDLL(path)
    if handle.tessera_kernels_version() != 1:
        raise RuntimeError(f"{path} is not this version's kernel library")
    _state["path"] = path
    return handle


def _build(cc, path):
    """Compiles kernels/*.c into `path` (written under a temporary name, then renamed, so
    processes building at the same time never load a half-written file)."""
    fd, tmp = tempfile.mkstemp(suffix=".so", dir=os.path.dirname(path))
    os.close(fd)
    try:
        errors = ""
        # 512-bit vectors where the CPU has them (the kernels are bandwidth- or
        # instruction-bound); some compilers lack -march=native
        for arch in _ARCHS:
            r = subprocess.run([cc, *_FLAGS, *arch, *SOURCES, "-o", tmp, "-lm"],
                               capture_output=True, text=True, timeout=120)
            if r.returncode == 0:
                os.replace(tmp, path)
                return
            errors = (r.stderr or r.stdout).strip()[-400:]
        raise RuntimeError(f"compiling {_DIR}/*.c with {cc} failed: {errors}")
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)

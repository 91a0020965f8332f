"""CPU-specific helpers: control of the BLAS library's thread pool."""
_found = []   # [(get_num_threads, set_num_threads) or None], looked up once


def blas_threads():
    """`(get, set)` functions of the loaded OpenBLAS's thread count, or None if not found.

    NumPy's wheels bundle OpenBLAS (as `scipy_openblas`); the functions are looked up
    in the shared libraries this process has loaded, without importing anything.
    """
    if not _found:
        _found.append(None)
        try:
            import ctypes
            with open("/proc/self/maps") as f:
                libs = sorted({ln.split()[-1] for ln in f if "blas" in ln.lower()})
            for path in libs:
                try:
                    lib = ctypes.CDLL(path)
                except OSError:
                    continue
                for pre, suf in (("scipy_openblas", "64_"), ("scipy_openblas", ""),
                                 ("openblas", "64_"), ("openblas", "")):
                    get = getattr(lib, f"{pre}_get_num_threads{suf}", None)
                    set_ = getattr(lib, f"{pre}_set_num_threads{suf}", None)
                    if get is not None and set_ is not None:
                        _found[0] = (get, set_)
                        return _found[0]
        except (OSError, AttributeError):  # no /proc (not Linux) or an unusual BLAS
            pass
    return _found[0]

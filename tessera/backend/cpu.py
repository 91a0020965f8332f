"""CPU-specific helpers: control of the BLAS library's thread pool, two-thread splits."""
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


# glibc's malloc returns freed memory above M_TRIM_THRESHOLD to the system and serves
# requests above M_MMAP_THRESHOLD with fresh mappings, so by default every large array a
# training step allocates is page-faulted in anew (a fresh 10 MB embedding gradient costs
# ~2 ms of faults). Raising both keeps freed arrays in the process for the next step, as
# the frameworks' own caching allocators do (+18% on workload W4, +4-9% on W3).
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
MALLOC_KEEP_BYTES = 512 << 20      # free memory kept for reuse (the trim threshold)
MALLOC_MMAP_BYTES = 256 << 20      # arrays at least this large still get their own mapping
_malloc = {"tuned": None}


def tune_malloc(enable=True):
    """Makes glibc's `malloc` keep freed large blocks for reuse (`enable=False`: glibc's
    defaults again). Returns True when applied; False off glibc (other C libraries are left
    alone). Tessera calls it on import unless `TESSERA_MALLOC_TUNING=0` is set.
    """
    try:
        import ctypes
        libc = ctypes.CDLL("libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    trim, mmap = (MALLOC_KEEP_BYTES, MALLOC_MMAP_BYTES) if enable else (128 << 10, 128 << 10)
    ok = bool(mallopt(_M_MMAP_THRESHOLD, mmap)) and bool(mallopt(_M_TRIM_THRESHOLD, trim))
    _malloc["tuned"] = bool(enable and ok)
    return ok


def malloc_tuned():
    """Whether `tune_malloc` is in effect."""
    return bool(_malloc["tuned"])



_worker = []


def two_cores():
    """Whether work may be split over two threads: the BLAS pool has two or more threads."""
    bt = blas_threads()
    return bt is not None and bt[0]() >= 2


def run_pair(first, second):
    """Runs `first()` on a persistent worker thread and `second()` on this one, with the
    BLAS pool set to one thread meanwhile (each half's GEMMs then run on its own core, and
    no BLAS worker spins against them); returns `(first(), second())`.

    For two halves of large work that releases the GIL (BLAS, big NumPy calls, the
    compiled kernels): one hand-off per call, so only worth it for halves of a millisecond
    or more. Exceptions propagate (after both halves have finished).
    """
    if not _worker:
        from concurrent.futures import ThreadPoolExecutor
        _worker.append(ThreadPoolExecutor(1, thread_name_prefix="tessera-worker"))
    bt = blas_threads()
    n = bt[0]() if bt is not None else None
    if bt is not None:
        bt[1](1)
    try:
        fut = _worker[0].submit(first)
        try:
            b = second()
        finally:
            a = fut.result()
    finally:
        if bt is not None:
            bt[1](n)
    return a, b

"""Recycled large arrays for the kernels (convolution, pooling, recurrent, gather).

Two pools:

* `_take` / `_give`: scratch buffers a kernel hands back explicitly when done.
* `out_buffer`: arrays a kernel returns. Large results allocated afresh every step
  page-fault new memory; the pool keeps a reference to each array it handed out and hands
  it out again only once nothing else refers to it (its reference count is back to the
  pool's own), so an array the caller still holds, or a view of it, is never reused.
"""
import sys

import numpy as np

from ..backend import xp as _xp


def _prod(xs):
    p = 1
    for v in xs:
        p *= int(v)
    return p


_POOL = {}
_POOL_KEYS_MAX = 24


def _take(xp, shape, dtype):
    lst = _POOL.get((xp, shape, np.dtype(dtype)))
    if lst:
        return lst.pop()
    return xp.empty(shape, dtype)


def _give(a):
    if a.ndim == 2 and not a.flags.c_contiguous:   # a transposed (narrow im2col) buffer
        a = a.T
    key = (_xp.of(a), a.shape, a.dtype)
    lst = _POOL.get(key)
    if lst is None:
        if len(_POOL) >= _POOL_KEYS_MAX:
            _POOL.clear()
        lst = _POOL[key] = []
    if len(lst) < 2:
        lst.append(a)


# Output buffers: arrays these kernels return (convolution and pooling outputs, their
# gradients) are big, and a fresh allocation each step page-faults in new memory. The
# pool keeps a reference to the arrays it handed out and hands one out again only once
# nothing else refers to it (its reference count is back to the pool's own), so an
# array the caller still holds, or views of it, is never reused.
_OUTS = {}
_OUTS_PER_KEY = 4
_OUT_MIN_BYTES = 1 << 18
_ON_REUSE = []          # callbacks(id) dropping data kept about a reused array


def _refs(lst, i):
    return sys.getrefcount(lst[i])


_FREE_REFS = _refs([np.empty(1)], 0)


def out_buffer(xp, shape, dtype):
    """An uninitialised array for a kernel's result (recycled once unreferenced)."""
    dtype = np.dtype(dtype)
    shape = tuple(int(v) for v in shape)
    if _prod(shape) * dtype.itemsize < _OUT_MIN_BYTES:
        return xp.empty(shape, dtype)
    key = (xp, shape, dtype)
    lst = _OUTS.get(key)
    if lst is None:
        if len(_OUTS) >= _POOL_KEYS_MAX:
            _OUTS.clear()
        lst = _OUTS[key] = []
    for i in range(len(lst)):
        if _refs(lst, i) <= _FREE_REFS:
            a = lst[i]
            for f in _ON_REUSE:
                f(id(a))
            return a
    a = xp.empty(shape, dtype)
    if len(lst) < _OUTS_PER_KEY:
        lst.append(a)
    return a


def release_buffers():
    """Drops every recycled buffer (the memory returns once callers drop their arrays)."""
    _OUTS.clear()
    _POOL.clear()

"""The few ops the tape itself needs (seeds, accumulation, unbroadcasting)."""
import numpy as np

from ..core.tensor import _wrap, convert_to_tensor
from .array import reshape, stack
from .creation import ones_like, zeros, zeros_like
from .math import add
from .reduce import reduce_sum

__all__ = ["ones_like", "zeros_like", "zeros", "add", "reshape", "stack", "unbroadcast",
           "convert", "one_hot_seed", "batch_one_hot_seed"]


def unbroadcast(g, shape):
    """Sums gradient `g` over the axes along which an input of `shape` was broadcast."""
    gshape = tuple(g._a.shape)
    shape = tuple(shape)
    lead = len(gshape) - len(shape)
    axes = list(range(lead))
    for i, d in enumerate(shape):
        if d == 1 and gshape[lead + i] != 1:
            axes.append(lead + i)
    if axes:
        g = reduce_sum(g, axis=axes, keepdims=True)
    if tuple(g._a.shape) != shape:
        g = reshape(g, shape)
    return g


def convert(x, dtype):
    return convert_to_tensor(x, dtype=dtype)


def one_hot_seed(target, i):
    a = np.zeros(target._a.size, dtype=target._a.dtype)
    a[i] = 1
    return _wrap(a.reshape(target._a.shape))


def batch_one_hot_seed(target, j):
    shape = target._a.shape
    a = np.zeros((shape[0], int(np.prod(shape[1:]))), dtype=target._a.dtype)
    a[:, j] = 1
    return _wrap(a.reshape(shape))

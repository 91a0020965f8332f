"""Reductions and scans: reduce_sum/mean/max/..., argmax, cumsum, top_k, sort, segment ops."""
import numpy as np

from ..core import errors as _errors
from ._common import FLOAT, NUMERIC, Primitive, Tensor, _wrap, check_float, norm_axis, t, xp_of


def _keep_shape(shape, axes):
    """The shape a reduction with keepdims=True has (for broadcasting gradients back)."""
    return tuple(1 if i in axes else d for i, d in enumerate(shape))


def _sum_fwd(a, axis=None, keepdims=False):
    if a.dtype == np.bool_:
        a = a.astype(np.int32)
    return xp_of(a).sum(a, axis=axis, keepdims=keepdims, dtype=a.dtype)


def _sum_grad(g, out, x, axis=None, keepdims=False):
    from .array import reshape
    from .creation import broadcast_to
    shape = x._a.shape
    axes = tuple(range(len(shape))) if axis is None else axis
    if not keepdims:
        g = reshape(g, _keep_shape(shape, axes))
    return broadcast_to(g, shape)


_sum = Primitive("Sum")
_sum._fwd = _sum_fwd
_sum._grad = _sum_grad


def reduce_sum(input_tensor, axis=None, keepdims=False, name=None):
    """Sum of elements across `axis` (all axes when None), as `tf.reduce_sum`.

    Args:
        input_tensor: the tensor to reduce.
        axis: an int, a list of ints, or None for all axes.
        keepdims: keep reduced axes with length 1.

    Example:
    >>> ts.reduce_sum(ts.constant([[1, 2], [3, 4]]), axis=0).numpy()
    array([4, 6], dtype=int32)
    """
    x = t(input_tensor)
    return _sum(x, axis=norm_axis(axis, x._a.ndim, "reduce_sum"), keepdims=bool(keepdims))

__api__ = {"ts": ["reduce_sum"], "math": ["reduce_sum"]}

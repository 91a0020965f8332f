"""Clipping: clip_by_value, clip_by_norm, clip_by_global_norm and global_norm.

All four are composites of differentiable ops (minimum/maximum, reduce_sum,
sqrt, where), so their gradients, second derivatives included, come from
those ops: no gradient code lives here.
"""
import collections.abc

import numpy as np

from ..core import errors as _errors
from ._common import Tensor, _wrap, coerce_pair, norm_axis
from ._common import t as _t
from . import math as _m

__all__ = ["clip_by_value", "clip_by_norm", "clip_by_global_norm", "global_norm"]


def _operand(opname, x, v, what):
    """`v` as a Tensor of `x`'s dtype (Python scalars convert; other dtypes are an error)."""
    try:
        _, v, _, va = coerce_pair(opname, x, v)
    except _errors.InvalidArgumentError as e:
        raise _errors.InvalidArgumentError(
            None, opname, f"{opname}: {what} does not match the {x.dtype.name} tensor of shape "
            f"{tuple(x._a.shape)}: {e.message}") from None
    return v if isinstance(v, Tensor) else _wrap(va)


def _check_float(opname, x):
    if x._a.dtype.kind not in "fV":
        raise _errors.InvalidArgumentError(
            None, opname, f"{opname} expects a floating-point tensor, got {x.dtype.name} "
            f"(shape {tuple(x._a.shape)}). Cast it first: ts.cast(t, ts.float32).")


def clip_by_value(t, clip_value_min, clip_value_max, name=None):
    """Clips values to `[clip_value_min, clip_value_max]`, as `tf.clip_by_value`.

    The gradient flows to `t` where it was not clipped (and to the bound that
    was hit where it was).

    Args:
        t: a numeric tensor.
        clip_value_min: scalar or tensor broadcastable to `t`'s shape.
        clip_value_max: scalar or tensor broadcastable to `t`'s shape.

    Returns:
        A tensor of `t`'s shape and dtype.

    Raises:
        InvalidArgumentError: if a bound would broadcast the result beyond
            `t`'s shape, or its dtype differs from `t`'s.

    Example:
    >>> ts.clip_by_value(ts.constant([-2., 0.5, 3.]), -1., 1.).numpy()
    array([-1. ,  0.5,  1. ], dtype=float32)
    """
    x = _t(t)
    if x._a.dtype.kind not in "iufV":
        raise _errors.InvalidArgumentError(
            None, "ClipByValue", f"clip_by_value expects a numeric tensor, got {x.dtype.name}.")
    lo = _operand("ClipByValue", x, clip_value_min, "clip_value_min")
    hi = _operand("ClipByValue", x, clip_value_max, "clip_value_max")
    shape = tuple(x._a.shape)
    for v, what in ((lo, "clip_value_min"), (hi, "clip_value_max")):
        vs = tuple(v._a.shape)
        try:
            ok = np.broadcast_shapes(shape, vs) == shape
        except ValueError:
            ok = False
        if not ok:
            raise _errors.InvalidArgumentError(
                None, "ClipByValue",
                f"clip_by_value: {what} of shape {vs} does not broadcast to t's shape {shape} "
                "without enlarging the result. Give a scalar or a tensor broadcastable to t.")
    return _m.maximum(_m.minimum(x, hi), lo)


def _clip_norm_operand(opname, x, clip_norm):
    c = _operand(opname, x, clip_norm, "clip_norm")
    if c._a.ndim != 0:
        raise _errors.InvalidArgumentError(
            None, opname, f"{opname}: clip_norm must be a scalar (0-D), got shape "
            f"{tuple(c._a.shape)}.")
    return c


def clip_by_norm(t, clip_norm, axes=None, name=None):
    """Rescales `t` so that its L2 norm is at most `clip_norm`, as `tf.clip_by_norm`.

    Computes `t * clip_norm / max(l2norm(t, axes), clip_norm)`; with `axes`, each
    slice along the remaining axes is clipped separately. A zero tensor stays
    zero (with a finite gradient).

    Args:
        t: a floating-point tensor.
        clip_norm: a positive scalar.
        axes: None (the whole tensor) or the axes to compute the norm over.

    Returns:
        The clipped tensor, of `t`'s shape and dtype.

    Example:
    >>> ts.clip_by_norm(ts.constant([3., 4.]), 1.).numpy()
    array([0.6, 0.8], dtype=float32)
    """
    from .reduce import reduce_sum
    x = _t(t)
    _check_float("ClipByNorm", x)
    c = _clip_norm_operand("ClipByNorm", x, clip_norm)
    ax = norm_axis(axes, x._a.ndim, "clip_by_norm")
    l2sum = reduce_sum(_m.multiply(x, x), axis=ax, keepdims=True)
    pos = _m.greater(l2sum, 0)
    # sqrt only where positive, so the gradient at a zero tensor stays finite
    safe = _m.where_(pos, l2sum, _m.ones_like_(l2sum))
    l2norm = _m.where_(pos, _m.sqrt(safe), l2sum)
    return _m.divide(_m.multiply(x, c), _m.maximum(l2norm, c))


def _tensor_list(opname, t_list):
    if isinstance(t_list, (str, bytes, Tensor)) or not isinstance(t_list, collections.abc.Sequence):
        raise TypeError(f"{opname}: t_list should be a list or tuple of tensors, got "
                        f"{type(t_list).__name__}.")
    return [None if v is None else _t(v) for v in t_list]


def _global_norm(vals, opname):
    from .reduce import reduce_sum
    present = [v for v in vals if v is not None]
    if not present:
        raise _errors.InvalidArgumentError(
            None, opname, f"{opname}: t_list holds no tensors (every entry is None).")
    dts = {v._a.dtype for v in present}
    if len(dts) > 1:
        raise _errors.InvalidArgumentError(
            None, opname, f"{opname}: all tensors must have one dtype, got "
            f"{sorted(str(d) for d in dts)}. Cast them first, e.g. ts.cast(g, ts.float32).")
    _check_float(opname, present[0])
    total = None
    for v in present:
        s = reduce_sum(_m.multiply(v, v))
        total = s if total is None else _m.add(total, s)
    return _m.sqrt(total)


def global_norm(t_list, name=None):
    """The global L2 norm `sqrt(sum(reduce_sum(t**2) for t in t_list))`, as
    `tf.linalg.global_norm`. None entries are ignored.

    Args:
        t_list: a list or tuple of floating-point tensors of one dtype (or None).

    Returns:
        A scalar tensor.

    Raises:
        TypeError: if `t_list` is not a list or tuple.
    """
    return _global_norm(_tensor_list("global_norm", t_list), "global_norm")


def clip_by_global_norm(t_list, clip_norm, use_norm=None, name=None):
    """Scales a list of tensors so that their global norm is at most `clip_norm`, as
    `tf.clip_by_global_norm`.

    Each tensor becomes `t * clip_norm / max(global_norm, clip_norm)`. None entries
    stay None. If the global norm is inf or NaN every entry becomes NaN, to signal
    the problem.

    Args:
        t_list: a list or tuple of floating-point tensors (or None).
        clip_norm: a positive scalar.
        use_norm: optional precomputed global norm (a scalar).

    Returns:
        `(list_clipped, global_norm)`.

    Example:
    >>> clipped, norm = ts.clip_by_global_norm([ts.constant([3.]), ts.constant([4.])], 1.)
    >>> float(norm), [float(c[0]) for c in clipped]
    (5.0, [0.6000000238418579, 0.800000011920929])
    """
    vals = _tensor_list("clip_by_global_norm", t_list)
    if use_norm is None:
        norm = _global_norm(vals, "clip_by_global_norm")
    else:
        present = [v for v in vals if v is not None]
        like = present[0] if present else _t(use_norm)
        norm = _operand("clip_by_global_norm", like, use_norm, "use_norm")
    c = _clip_norm_operand("clip_by_global_norm", norm, clip_norm)
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = _m.multiply(c, _m.minimum(_m.reciprocal(norm), _m.reciprocal(c)))
        scale = _m.add(scale, _m.subtract(norm, norm))  # NaN when the norm is inf or NaN
    out = []
    for v in vals:
        if v is None:
            out.append(None)
            continue
        if v._a.dtype != scale._a.dtype:
            raise _errors.InvalidArgumentError(
                None, "clip_by_global_norm", f"clip_by_global_norm: tensor of dtype "
                f"{v.dtype.name} does not match the norm's dtype {scale.dtype.name}. Cast it first.")
        out.append(_m.multiply(v, scale))
    return out, norm


__api__ = {"ts": ["clip_by_value", "clip_by_norm", "clip_by_global_norm"],
           "linalg": ["global_norm"]}

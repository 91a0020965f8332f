"""Fused ops used by Keras layers: one kernel call forward, a hand-written backward.

`dense(x, kernel, bias, activation)` is `activation(x @ kernel + bias)` with the
activation applied in place ("relu" or None). Its backward runs on arrays; when
an outer tape is recording the backward (second derivatives), it is composed of
differentiable Tessera ops instead.
"""
import ctypes

import numpy as np

from ..backend import native as _native
from ..core import primitive as _prim
from ._common import Primitive, Tensor, _wrap, t, xp_of

__all__ = ["dense"]

_FUSED_ACTIVATIONS = (None, "relu")
_GEMV_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
_P, _N = ctypes.c_void_p, ctypes.c_ssize_t
_BIAS_RELU = ("tessera_bias_relu_f32", [_P, _P, _N, _N, ctypes.c_int])
_RELU_GRAD = ("tessera_relu_grad_f32", [_P, _P, _P, _N])


def _dense_fwd(x, w, b=None, activation=None):
    if x.ndim > 2:  # one GEMM over all leading axes (a batched matmul is several times slower)
        y = xp_of(x).matmul(x.reshape(-1, x.shape[-1]), w).reshape(x.shape[:-1] + w.shape[-1:])
    else:
        y = xp_of(x).matmul(x, w)
    if (b is not None or activation == "relu") and _native.takes(y, w, b):
        # one pass instead of two (bit-identical)
        _native.kernel(*_BIAS_RELU)(y.ctypes.data, _native.ptr(b),
                                    y.size // y.shape[-1], y.shape[-1], activation == "relu")
        return y
    if b is not None:
        y += b
    if activation == "relu":
        np.maximum(y, 0, out=y)
    return y


def _dense_grad(g, out, x, w, b=None, activation=None, _needs=(True, True, True)):
    need_x, need_w = _needs[0], _needs[1]
    need_b = b is not None and _needs[2]
    if _prim.recording():
        return _dense_grad_composite(g, out, x, w, b, activation, need_x, need_w, need_b)
    ga = g._a
    if activation == "relu":
        oa = out._a
        if ga.shape == oa.shape and _native.takes(ga, oa):
            gm = np.empty_like(ga)
            _native.kernel(*_RELU_GRAD)(gm.ctypes.data, ga.ctypes.data, oa.ctypes.data, ga.size)
            ga = gm
        else:
            ga = ga * (oa > 0)
    xa, wa = x._a, w._a
    units = wa.shape[-1]
    g2 = ga.reshape(-1, units)
    gx = _wrap((g2 @ wa.T).reshape(xa.shape)) if need_x else None
    gw = _wrap(xa.reshape(-1, xa.shape[-1]).T @ g2) if need_w else None
    if need_b:   # column sums as a matrix-vector product (faster than sum(axis=0))
        gb = _wrap(xp_of(g2).ones(g2.shape[0], dtype=g2.dtype) @ g2
                   if g2.dtype in _GEMV_DTYPES else g2.sum(axis=0))
    else:
        gb = None
    return (gx, gw, gb) if b is not None else (gx, gw)


def _dense_grad_composite(g, out, x, w, b, activation, need_x, need_w, need_b):
    from .array import reshape, where
    from .creation import zeros_like
    from .linalg import matmul
    from .math import greater
    from .reduce import reduce_sum
    if activation == "relu":
        g = where(greater(out, 0), g, zeros_like(g))
    units = w.shape[-1]
    g2 = reshape(g, (-1, units))
    gx = reshape(matmul(g2, w, transpose_b=True), x.shape) if need_x else None
    gw = matmul(reshape(x, (-1, x.shape[-1])), g2, transpose_a=True) if need_w else None
    gb = reduce_sum(g2, axis=0) if need_b else None
    return (gx, gw, gb) if b is not None else (gx, gw)


_dense = Primitive("FusedDense")
_dense._fwd = _dense_fwd
_dense._grad = _dense_grad
_dense.grad_needs = True


def dense(x, kernel, bias=None, activation=None):
    """`activation(x @ kernel + bias)` in one fused op; `activation` is None or "relu".

    Args:
        x: inputs `(..., in)`.
        kernel: `(in, units)`.
        bias: `(units,)` or None.
        activation: None or "relu" (other activations: apply them afterwards).
    """
    if activation not in _FUSED_ACTIVATIONS:
        raise ValueError(f"dense: fused activation must be None or 'relu', got {activation!r}.")
    x, kernel = t(x), t(kernel)
    if x._a.dtype != kernel._a.dtype:
        from .linalg import matmul
        return matmul(x, kernel)  # raises the dtype error with its explanation
    if x._a.shape[-1] != kernel._a.shape[0]:
        from .linalg import matmul
        return matmul(x, kernel)  # raises the shape error with its explanation
    if bias is None:
        return _dense(x, kernel, activation=activation)
    return _dense(x, kernel, t(bias), activation=activation)


__api__ = {}

"""`keras.ops.math`: logsumexp, top-k, segment reductions, erf, rsqrt, qr, sequences."""
import numpy as np

import tessera as ts

from .operation import float_tensor, keras_op, tensor

__all__ = ["logsumexp", "top_k", "in_top_k", "segment_sum", "segment_max", "erf", "erfinv",
           "rsqrt", "qr", "extract_sequences", "logdet"]


@keras_op("math")
def logsumexp(x, axis=None, keepdims=False):
    """`log(sum(exp(x)))` over `axis`, computed stably."""
    ax = list(axis) if isinstance(axis, (list, tuple)) else axis
    return ts.reduce_logsumexp(float_tensor(x), axis=ax, keepdims=keepdims)


@keras_op("math")
def top_k(x, k, sorted=True):
    """`(values, indices)` of the `k` largest entries along the last axis."""
    out = ts.math.top_k(tensor(x), k=int(k), sorted=sorted)
    return out[0], out[1]


@keras_op("math", tensors=("targets", "predictions"))
def in_top_k(targets, predictions, k):
    """True where `targets[i]` is among the `k` largest of `predictions[i]` (ties count in)."""
    p = np.asarray(tensor(predictions))
    t = np.asarray(tensor(targets)).astype(np.int64)
    target_vals = np.take_along_axis(p, t[:, None], axis=1)
    larger = (p > target_vals).sum(axis=1)
    ok = (larger < int(k)) & np.isfinite(target_vals[:, 0])
    return ts.convert_to_tensor(ok)


def _segment(fn, data, segment_ids, num_segments):
    data = tensor(data)
    ids = tensor(segment_ids)
    if ids._a.dtype.kind not in "iu":
        ids = ts.cast(ids, "int32")
    if num_segments is None:
        host = np.asarray(ids)
        num_segments = int(host.max()) + 1 if host.size else 0
    return fn(data, ids, int(num_segments))


@keras_op("math", tensors=("data", "segment_ids"))
def segment_sum(data, segment_ids, num_segments=None, sorted=False):
    """Sums of the rows of `data` that share a segment id (empty segments give 0)."""
    return _segment(ts.math.unsorted_segment_sum, data, segment_ids, num_segments)


@keras_op("math", tensors=("data", "segment_ids"))
def segment_max(data, segment_ids, num_segments=None, sorted=False):
    """Maxima of the rows of `data` sharing a segment id (empty segments: the dtype's lowest)."""
    return _segment(ts.math.unsorted_segment_max, data, segment_ids, num_segments)


@keras_op("math")
def erf(x):
    """The Gauss error function, elementwise."""
    return ts.math.erf(float_tensor(x))


_ERFINV_SMALL = [2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087,
                 -0.00125372503, -0.00417768164, 0.246640727, 1.50140941]
_ERFINV_BIG = [-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
               -0.0076224613, 0.00943887047, 1.00167406, 2.83297682]


@np.errstate(all="ignore")
def _erfinv_np(a):
    """erfinv on float64 arrays: Giles' approximation, then two Newton steps on erf."""
    w = -np.log((1.0 - a) * (1.0 + a))
    small = w < 5.0
    ws, wb = w - 2.5, np.sqrt(np.where(small, 5.0, w)) - 3.0
    ps, pb = np.zeros_like(a), np.zeros_like(a)
    for c in _ERFINV_SMALL:
        ps = ps * ws + c
    for c in _ERFINV_BIG:
        pb = pb * wb + c
    y = np.where(small, ps, pb) * a
    for _ in range(2):
        e = np.asarray(ts.math.erf(ts.constant(y)))
        y = y - (e - a) / (2.0 / np.sqrt(np.pi) * np.exp(-y * y))
    return np.where(a == 1.0, np.inf, np.where(a == -1.0, -np.inf, y))


@keras_op("math")
def erfinv(x):
    """The inverse error function, elementwise (defined on [-1, 1])."""
    x = float_tensor(x)

    @ts.custom_gradient
    def _erfinv(v):
        host = np.asarray(v)
        out = ts.constant(_erfinv_np(host.astype(np.float64)).astype(host.dtype))

        def grad(g):
            return g * ts.cast(np.sqrt(np.pi) / 2.0, out.dtype) * ts.exp(ts.square(out))
        return out, grad
    return _erfinv(x)


@keras_op("math")
def rsqrt(x):
    """`1 / sqrt(x)`, elementwise."""
    return ts.math.rsqrt(float_tensor(x))


@keras_op("math", probe="eye")
def qr(x, mode="reduced"):
    """`(q, r)` of the QR decomposition; `mode` is "reduced" or "complete"."""
    if mode not in ("reduced", "complete"):
        raise ValueError(f"keras.ops.qr: mode must be 'reduced' or 'complete', got {mode!r}.")
    q, r = ts.linalg.qr(float_tensor(x), full_matrices=(mode == "complete"))
    return q, r


@keras_op("math")
def extract_sequences(x, sequence_length, sequence_stride):
    """Frames of `sequence_length` samples every `sequence_stride` along the last axis."""
    x = tensor(x)
    n = tuple(x.shape)[-1]
    count = 1 + (n - sequence_length) // sequence_stride
    idx = (np.arange(count)[:, None] * sequence_stride + np.arange(sequence_length)[None, :])
    return ts.gather(x, idx, axis=x.shape.rank - 1)


@keras_op("math", probe="eye")
def logdet(x):
    """The log of the determinant of a (batch of) Hermitian positive-definite matrices."""
    return ts.linalg.logdet(float_tensor(x))

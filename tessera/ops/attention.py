"""Fused scaled dot-product attention (`ts.nn.scaled_dot_product_attention`).

One primitive computes `softmax(q k^T * scale + bias, masked) @ v` for all
batch elements and heads with two batched matmuls and an in-place softmax; its
backward runs on arrays (the softmax backward fused as
`dS = P * (dP - sum(dP * P))`) from the attention weights `P` kept by the
forward. When an outer tape records the backward (second derivatives), the
gradient is composed of differentiable Tessera ops instead.

Layout: `query (B, T, N, H)`, `key (B, S, N, H)`, `value (B, S, N, Hv)`, as
`keras.ops.dot_product_attention`; the attention weights are `(B, N, T, S)`.
"""
import math

import ctypes

import numpy as np

from ..backend import cpu as _cpu
from ..backend import native as _native
from ..core import errors as _errors
from ..core import primitive as _prim
from ._common import Primitive, Tensor, _wrap, t, xp_of

__all__ = ["scaled_dot_product_attention"]

_OP = "scaled_dot_product_attention"


def _err(msg):
    return _errors.InvalidArgumentError(None, "ScaledDotProductAttention", f"{_OP}: {msg}")


def _neg(dtype):
    """The logit given to masked positions (Keras' large negative number)."""
    return dtype.type(-3e4 if dtype == np.float16 else -1e9)


# ---------------------------------------------------------------------------
# Array kernels
#
# The weights are kept transposed, `PT (B, N, S, T)`, so that the softmax's
# reductions run over axis -2 (elementwise over contiguous rows: vectorized)
# rather than along short rows. k and v are read as head-major views
# `(B, N, S, H)` (BLAS takes their strides), q as a pre-scaled copy; the
# backward reuses all three and the weights.
# ---------------------------------------------------------------------------
def _unpack(extra, names):
    d = dict(zip(names, extra))
    return d.get("bias"), d.get("mask"), d.get("drop")


def _split(inputs, packed):
    """`(q, k, v, extra)` from the op's inputs; packed: one `(B, T, 3, N, H)` input."""
    if packed:
        qkv = inputs[0]
        return qkv[:, :, 0], qkv[:, :, 1], qkv[:, :, 2], inputs[1:]
    return inputs[0], inputs[1], inputs[2], inputs[3:]


def _heads(x, xp, scale=None):
    """`(B, T, N, H)` -> `(B, N, T, H)`: a view when BLAS can read it (unit inner
    stride), else a contiguous copy; always a (scaled) copy when `scale` is given."""
    if scale == 1.0:
        scale = None
    if scale is None and x.strides[-1] == x.itemsize:
        return x.transpose(0, 2, 1, 3)
    B, T, N, H = x.shape
    out = xp.empty((B, N, T, H), dtype=x.dtype)
    if scale is None:
        out[...] = x.transpose(0, 2, 1, 3)
    else:
        xp.multiply(x.transpose(0, 2, 1, 3), x.dtype.type(scale), out=out)
    return out


def _bounded(qh, kh, bias, mask):
    """True when every logit is provably within +-_EXP_SAFE (Cauchy-Schwarz: |q.k| <= |q||k|),
    so the softmax may skip subtracting the row maximum (it is shift-invariant) without
    overflow or underflow. Rows with every key masked still take the exact path."""
    if bias is not None or qh.dtype.itemsize < 4:
        return False
    if mask is not None and not bool(mask.any(axis=-1).all()):
        return False
    xp = xp_of(qh)
    qn = float(xp.einsum("...h,...h->...", qh, qh).max())
    kn = float(xp.einsum("...h,...h->...", kh, kh).max())
    return qn * kn < _EXP_SAFE * _EXP_SAFE


_EXP_SAFE = 60.0
_P, _N = ctypes.c_void_p, ctypes.c_ssize_t
_SOFTMAX_COLS = ("tessera_softmax_cols_f32", [_P, _N, _N, _N, ctypes.c_int, _P])
_SOFTMAX_COLS_BWD = ("tessera_softmax_cols_bwd_f32", [_P, _P, _P, _N, _N, _N])


def _native_ok(*arrays):
    """Whether the compiled kernels take these (non-empty, matrix-stacked) arrays."""
    return _native.takes(*arrays) and all(a.ndim >= 2 and a.size for a in arrays)


def _weights_t(qh, kh, bias, mask):
    """The transposed attention weights `PT (B, N, S, T)`, softmax over axis -2, in place."""
    xp = xp_of(qh)
    lt = xp.matmul(kh, qh.swapaxes(-1, -2))
    if bias is not None:
        lt += bias.swapaxes(-1, -2)
    if mask is not None:
        xp.copyto(lt, _neg(lt.dtype), where=~mask.swapaxes(-1, -2))
    if _native_ok(lt):
        # one compiled pass per column block: max, exp and the normalisation
        S, T = lt.shape[-2:]
        scratch = np.empty(2 * T, np.float32)     # (referenced until the call returns)
        _native.kernel(*_SOFTMAX_COLS)(lt.ctypes.data, lt.size // (S * T), S, T, 1,
                                       scratch.ctypes.data)
        return lt
    if not _bounded(qh, kh, bias, mask):
        lt -= lt.max(axis=-2, keepdims=True)
    xp.exp(lt, out=lt)
    s = lt.sum(axis=-2, keepdims=True)
    xp.reciprocal(s, out=s)
    lt *= s
    return lt


def _forward(q, k, v, extra, names, scale, out=None):
    """Returns `(out (B, T, N, Hv), PT, qh, kh, vh)` (`out` written in place when given)."""
    xp = xp_of(q)
    bias, mask, drop = _unpack(extra, names)
    qh, kh, vh = _heads(q, xp, scale), _heads(k, xp), _heads(v, xp)
    pt = _weights_t(qh, kh, bias, mask)
    ptd = pt * drop.swapaxes(-1, -2) if drop is not None else pt
    B, T, N, _ = q.shape
    if out is None:
        out = xp.empty((B, T, N, v.shape[-1]), dtype=v.dtype)
    xp.matmul(ptd.swapaxes(-1, -2), vh, out=out.transpose(0, 2, 1, 3))
    return out, pt, qh, kh, vh


# ---------------------------------------------------------------------------
# Batch parts: two threads, cache-sized chunks
#
# The attention matmuls are many small GEMMs (one per batch element and head),
# which a multi-threaded BLAS runs no faster (often much slower, when the cores are
# shared) than one thread, and the softmax is single-threaded NumPy. With a BLAS
# pool of two or more threads, the batch is split in two halves computed on two
# Python threads (NumPy releases the GIL) with the BLAS pool set to one thread
# meanwhile: about 1.7x faster on two cores. Large batches are further cut into
# chunks whose logits fit in L2, so the softmax passes do not stream from memory.
# Every part gives bit-identical results to the whole batch.
# ---------------------------------------------------------------------------
_PAR_MIN = 1 << 20     # B*N*T*S*H multiply-adds below which one thread is used
_CHUNK_BYTES = 1 << 21  # logits per batch chunk: about a core's L2 cache


def _plan(B, per_item, work, xp):
    """Batch slices grouped per thread (one or two groups), or None for one whole-batch call.

    Two groups (two threads) when the BLAS pool has two or more threads and the work is
    large; each group is cut into chunks whose logits (`per_item` bytes per batch element)
    fit in a core's L2 cache, so the softmax passes run in cache (large inference batches).
    """
    par = False
    if xp is np and B >= 2 and work >= _PAR_MIN:
        par = _cpu.two_cores()
    chunk = max(1, _CHUNK_BYTES // max(1, per_item))
    if not par and chunk >= B:
        return None
    bounds = [0, B // 2, B] if par else [0, B]
    groups = []
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        n = -(-(hi - lo) // chunk)                       # chunks of about equal size
        cuts = [lo + (hi - lo) * i // n for i in range(n + 1)]
        groups.append([slice(c0, c1) for c0, c1 in zip(cuts[:-1], cuts[1:])])
    return groups


def _run_groups(fn, groups):
    """`[fn(sl) for sl in group]` for every group, two groups on two threads (BLAS single-
    threaded meanwhile); returns the results in slice order."""
    if len(groups) == 1:
        return [fn(sl) for sl in groups[0]]
    first, second = _cpu.run_pair(lambda: [fn(sl) for sl in groups[0]],
                                  lambda: [fn(sl) for sl in groups[1]])
    return first + second


def _batch_slice(a, sl, B):
    """`a[sl]` along the batch axis when `a` (an extra input broadcast to `(B, N, T, S)`)
    has one, else `a` (broadcast over the batch)."""
    return a[sl] if a.ndim == 4 and a.shape[0] == B else a


def _sdpa_fwd(*inputs, names=(), scale=1.0, packed=False, _ctx=None):
    q, k, v, extra = _split(inputs, packed)
    B, T, N, H = q.shape
    S = k.shape[1]
    groups = None if "bias" in names else _plan(B, N * T * S * q.dtype.itemsize,
                                                B * N * T * S * H, xp_of(q))
    if groups is None:
        out, pt, qh, kh, vh = _forward(q, k, v, extra, names, scale)
        if _ctx is not None:
            _ctx["saved"] = (pt, qh, kh, vh)
        return out
    out = xp_of(q).empty((B, T, N, v.shape[-1]), dtype=v.dtype)

    def run(sl):
        ex = [_batch_slice(a, sl, B) for a in extra]
        saved = _forward(q[sl], k[sl], v[sl], ex, names, scale, out=out[sl])[1:]
        return saved if _ctx is not None else None
    saved = _run_groups(run, groups)
    if _ctx is not None:
        _ctx["saved"] = ("parts", groups, saved)
    return out


def _sdpa_scores_fwd(q, k, v, *extra, names=(), scale=1.0):
    out, pt, _, _, _ = _forward(q, k, v, extra, names, scale)
    return out, pt.swapaxes(-1, -2)


def _bwd_arrays(g, gp, saved, drop, scale, outs, need_b, o=None):
    """Gradients on arrays into `outs = (dq, dk, dv)` (arrays `(B, T, N, .)` or None).

    `o` is the attention output `(B, T, N, Hv)` when known: the softmax backward's row
    sums `sum_s dP * P` then equal `sum_h dO * O` (as `O = P V` and `dP = dO V^T`, dropout
    included), a pass over the small output instead of the `(T, S)` weights.
    Returns dbias (the logits' gradient `(B, N, T, S)`) when `need_b`.
    """
    pt, qh, kh, vh = saved
    xp = xp_of(g)
    dq, dk, dv = outs
    gh = _heads(g, xp)                                # (B, N, T, Hv)
    if dv is not None:
        ptd = pt * drop.swapaxes(-1, -2) if drop is not None else pt
        xp.matmul(ptd, gh, out=dv.transpose(0, 2, 1, 3))
    if dq is None and dk is None and not need_b:
        return None
    dst = xp.matmul(vh, gh.swapaxes(-1, -2))          # dP^T (B, N, S, T)
    if drop is not None:
        dst *= drop.swapaxes(-1, -2)
    if gp is not None:
        dst += gp.swapaxes(-1, -2)
    if o is not None and gp is None:
        r = xp.einsum("btnh,btnh->bnt", g, o)
    else:
        r = xp.einsum("...st,...st->...t", dst, pt)
    if _native_ok(dst, pt, r) and dst.shape == pt.shape:
        S, T = dst.shape[-2:]
        _native.kernel(*_SOFTMAX_COLS_BWD)(dst.ctypes.data, pt.ctypes.data, r.ctypes.data,
                                           dst.size // (S * T), S, T)
    else:
        dst -= r[..., None, :]
        dst *= pt                                     # dS = P * (dP - sum(dP * P))
    if dq is not None:
        dqh = dq.transpose(0, 2, 1, 3)
        xp.matmul(dst.swapaxes(-1, -2), kh, out=dqh)
        if scale != 1.0:
            dqh *= dq.dtype.type(scale)
    if dk is not None:
        xp.matmul(dst, qh, out=dk.transpose(0, 2, 1, 3))   # qh is pre-scaled
    return dst.swapaxes(-1, -2) if need_b else None


def _grad_buffers(inputs, packed, needs):
    """Output arrays for dq, dk, dv (views of one packed buffer when `packed`)."""
    xp = xp_of(inputs[0])
    if packed:
        qkv = inputs[0]
        d = xp.empty(qkv.shape, dtype=qkv.dtype)
        return d, (d[:, :, 0], d[:, :, 1], d[:, :, 2])
    return None, tuple(xp.empty(x.shape, dtype=x.dtype) if n else None
                       for x, n in zip(inputs[:3], needs[:3]))


# ---------------------------------------------------------------------------
# Composite (differentiable) backward, used for second derivatives
# ---------------------------------------------------------------------------
def _composite_grads(g, gp, q, k, v, extra, names, scale):
    """`(dq, dk, dv, dbias)` written with Tessera ops (the weights recomputed)."""
    from .array import transpose, where
    from .creation import broadcast_to
    from .linalg import matmul
    from .math import add, multiply, subtract
    from .nn import softmax
    from .reduce import reduce_sum
    bias, mask, drop = _unpack(extra, names)
    qt = transpose(q, [0, 2, 1, 3])
    kt = transpose(k, [0, 2, 1, 3])
    vt = transpose(v, [0, 2, 1, 3])
    sc = _wrap(np.asarray(scale, dtype=q._a.dtype))
    logits = matmul(multiply(qt, sc), kt, transpose_b=True)
    if bias is not None:
        logits = add(logits, bias)
    if mask is not None:
        neg = _wrap(np.full(logits._a.shape, _neg(logits._a.dtype)))
        logits = where(broadcast_to(mask, logits.shape), logits, neg)
    p = softmax(logits, axis=-1)
    pd = multiply(p, drop) if drop is not None else p
    gt = transpose(g, [0, 2, 1, 3])
    dv = transpose(matmul(pd, gt, transpose_a=True), [0, 2, 1, 3])
    dp = matmul(gt, vt, transpose_b=True)
    if drop is not None:
        dp = multiply(dp, drop)
    if gp is not None:
        dp = add(dp, gp)
    ds = multiply(p, subtract(dp, reduce_sum(multiply(dp, p), axis=-1, keepdims=True)))
    dq = multiply(transpose(matmul(ds, kt), [0, 2, 1, 3]), sc)
    dk = multiply(transpose(matmul(ds, qt, transpose_a=True), [0, 2, 1, 3]), sc)
    return dq, dk, dv, (ds if bias is not None else None)


def _extra_grads(names, db):
    return tuple(db if n == "bias" else None for n in names)


def _sdpa_grad(g, out, *inputs, names=(), scale=1.0, packed=False, _ctx=None, _needs=None):
    needs = tuple(_needs) if _needs is not None else (True,) * len(inputs)
    if packed:
        needs = (needs[0],) * 3 + needs[1:]
    need_b = "bias" in names and needs[3 + names.index("bias")]
    if _prim.recording():
        from .array import stack
        q, k, v, extra = _split_tensors(inputs, packed)
        dq, dk, dv, db = _composite_grads(g, None, q, k, v, extra, names, scale)
        head = (stack([dq, dk, dv], axis=2),) if packed else (dq, dk, dv)
        return head + _extra_grads(names, db if need_b else None)
    arrays = [x._a for x in inputs]
    q, k, v, extra = _split(arrays, packed)
    _, _, drop = _unpack(extra, names)
    saved = _ctx.get("saved") if _ctx is not None else None
    B = q.shape[0]
    if saved is None:
        _, pt, qh, kh, vh = _forward(q, k, v, extra, names, scale)
        saved = (pt, qh, kh, vh)
    packed_buf, outs = _grad_buffers(arrays, packed, needs)
    oa = out._a
    if isinstance(saved[0], str):  # the forward ran on batch parts (never with a bias)
        _, groups, parts = saved
        ga = g._a
        slices = [sl for grp in groups for sl in grp]
        index = {(sl.start, sl.stop): i for i, sl in enumerate(slices)}

        def run(sl):
            dr = None if drop is None else _batch_slice(drop, sl, B)
            _bwd_arrays(ga[sl], None, parts[index[(sl.start, sl.stop)]], dr, scale,
                        tuple(None if o is None else o[sl] for o in outs), False, oa[sl])
        _run_groups(run, groups)
        db = None
    else:
        db = _bwd_arrays(g._a, None, saved, drop, scale, outs, need_b, oa)
    w = lambda a: None if a is None else _wrap(a)  # noqa: E731
    head = (w(packed_buf),) if packed else tuple(w(a) for a in outs)
    return head + _extra_grads(names, w(db))


def _split_tensors(inputs, packed):
    if packed:
        from .array import unstack
        q, k, v = unstack(inputs[0], axis=2)
        return q, k, v, inputs[1:]
    return inputs[0], inputs[1], inputs[2], inputs[3:]


def _sdpa_scores_grad(gs, outs, q, k, v, *extra, names=(), scale=1.0):
    g, gp = gs
    if _prim.recording():
        dq, dk, dv, db = _composite_grads(g, gp, q, k, v, extra, names, scale)
        return (dq, dk, dv) + _extra_grads(names, db)
    arrays = [x._a for x in extra]
    _, _, drop = _unpack(arrays, names)
    xp = xp_of(q._a)
    qh, kh, vh = _heads(q._a, xp, scale), _heads(k._a, xp), _heads(v._a, xp)
    saved = (outs[1]._a.swapaxes(-1, -2), qh, kh, vh)
    grads = tuple(xp.empty(x._a.shape, dtype=x._a.dtype) for x in (q, k, v))
    db = _bwd_arrays(g._a, gp._a, saved, drop, scale, grads, "bias" in names)
    return tuple(_wrap(a) for a in grads) + _extra_grads(names, None if db is None else _wrap(db))


_sdpa = Primitive("ScaledDotProductAttention")
_sdpa._fwd = _sdpa_fwd
_sdpa._grad = _sdpa_grad
_sdpa.grad_needs = True

_sdpa_scores = Primitive("ScaledDotProductAttentionWithScores", n_out=2)
_sdpa_scores._fwd = _sdpa_scores_fwd
_sdpa_scores._grad = _sdpa_scores_grad


@_sdpa.shape
def _(*shapes, names=(), scale=1.0, packed=False, _ctx=None):
    if packed:
        b, t_, _, n, h = shapes[0]
        return (b, t_, n, h)
    q, v = shapes[0], shapes[2]
    return tuple(q[:-1]) + (v[-1],)


@_sdpa_scores.shape
def _(q, k, v, *extra, names=(), scale=1.0):
    return (tuple(q[:-1]) + (v[-1],), (q[0], q[2], q[1], k[1]))


# ---------------------------------------------------------------------------
# Public function
# ---------------------------------------------------------------------------
def _check_inputs(q, k, v):
    for what, x in (("query", q), ("key", k), ("value", v)):
        if x._a.dtype.kind not in "fV":
            raise _err(f"{what} must be a floating-point tensor, got {x.dtype.name} (shape "
                       f"{tuple(x._a.shape)}). Cast it first: ts.cast({what}, ts.float32).")
    if not (q._a.dtype == k._a.dtype == v._a.dtype):
        raise _err(f"query, key and value must have one dtype, got {q.dtype.name}, "
                   f"{k.dtype.name} and {v.dtype.name}; cast them to one dtype.")
    rank = q._a.ndim
    if rank not in (3, 4) or k._a.ndim != rank or v._a.ndim != rank:
        raise _err(f"query, key and value must all be rank 4 (batch, seq, heads, dim) or rank 3 "
                   f"(batch, seq, dim), got shapes {tuple(q._a.shape)}, {tuple(k._a.shape)} and "
                   f"{tuple(v._a.shape)}.")
    qs, ks, vs = q._a.shape, k._a.shape, v._a.shape
    ok = (qs[0] == ks[0] == vs[0] and ks[1] == vs[1] and qs[-1] == ks[-1]
          and (rank == 3 or qs[2] == ks[2] == vs[2]))
    if not ok:
        raise _err(f"incompatible shapes query {tuple(qs)}, key {tuple(ks)}, value {tuple(vs)}: "
                   "expected query (B, T, N, H), key (B, S, N, H), value (B, S, N, Hv) (same "
                   "batch B and heads N, key and value the same length S, query and key the "
                   "same depth H).")


def _as_mask(mask, full, xp):
    m = mask._a if isinstance(mask, Tensor) else xp.asarray(mask)
    if m.dtype != np.bool_:
        m = m != 0
    try:
        if np.broadcast_shapes(m.shape, full) != full:
            raise ValueError
    except ValueError:
        raise _err(f"mask of shape {tuple(m.shape)} does not broadcast to the attention "
                   f"weights' shape {full} (batch, heads, query length, key length). Give it "
                   "shape (B, 1, T, S), (B, N, T, S) or (T, S).") from None
    return m


def scaled_dot_product_attention(query, key, value, bias=None, mask=None, scale=None,
                                 is_causal=False, dropout_rate=0.0, seed=None,
                                 return_attention_scores=False, flash_attention=None, name=None):
    """Scaled dot-product attention as one fused op.

    Computes `softmax(query @ key^T * scale + bias) @ value` per batch element
    and head. It mirrors `keras.ops.dot_product_attention` (same layout and
    argument names) and `torch.nn.functional.scaled_dot_product_attention`.

    Args:
        query: `(B, T, N, H)` (batch, query length, heads, depth); rank 3
            `(B, T, H)` is one head (then masks and biases may be `(B, T, S)` and
            the scores are `(B, T, S)`).
        key: `(B, S, N, H)`.
        value: `(B, S, N, Hv)`.
        bias: optional float tensor added to the logits, broadcastable to
            `(B, N, T, S)`; it gets a gradient.
        mask: optional boolean tensor broadcastable to `(B, N, T, S)`: True
            where a query position may attend to a key position.
        scale: the logits' scale (default `1 / sqrt(H)`).
        is_causal: apply a causal mask (query `i` attends keys `j <= i`).
        dropout_rate: fraction of the attention weights dropped (the others
            are scaled by `1 / (1 - rate)`); draws through
            `tessera.backend.random.next_rng`.
        seed: a Python int making the dropout reproducible.
        return_attention_scores: also return the attention weights
            `(B, N, T, S)` (after softmax, before dropout).
        flash_attention: accepted for Keras compatibility; must be None or False.

    Returns:
        The output `(B, T, N, Hv)`, and the weights when
        `return_attention_scores=True`.

    Example:
    >>> q = ts.ones([2, 5, 4, 8])
    >>> ts.nn.scaled_dot_product_attention(q, q, q).shape
    TensorShape([2, 5, 4, 8])
    """
    if flash_attention:
        raise _err("flash_attention=True is not supported on this backend; pass None or False.")
    q, k, v = t(query), t(key), t(value)
    _check_inputs(q, k, v)
    rank3 = q._a.ndim == 3
    if rank3:  # one head: (B, T, H) -> (B, T, 1, H); (B, T, S) masks/biases -> (B, 1, T, S)
        from .array import expand_dims
        q, k, v = expand_dims(q, 2), expand_dims(k, 2), expand_dims(v, 2)
        if bias is not None and len(getattr(bias, "shape", ())) == 3:
            bias = expand_dims(t(bias, q.dtype) if not isinstance(bias, Tensor) else bias, 1)
        if mask is not None and len(getattr(mask, "shape", np.shape(mask))) == 3:
            mask = (mask._a if isinstance(mask, Tensor) else np.asarray(mask))[:, None]
    B, T, N, H = q._a.shape
    S = k._a.shape[1]
    sc = float(scale) if scale is not None else 1.0 / math.sqrt(H)
    names, extra = _extras(q, (B, N, T, S), bias, mask, is_causal, dropout_rate, seed)
    if return_attention_scores:
        out, p = _sdpa_scores(q, k, v, *extra, names=names, scale=sc)
    else:
        ctx = {} if _prim.TAPES else None
        out = _sdpa(q, k, v, *extra, names=names, scale=sc, _ctx=ctx)
    if rank3:
        from .array import squeeze
        out = squeeze(out, 2)
        if return_attention_scores:
            p = squeeze(p, 1)
    return (out, p) if return_attention_scores else out


def _extras(q, full, bias, mask, is_causal, dropout_rate, seed):
    """The op's extra inputs (bias, combined boolean mask, dropout multipliers) and names."""
    xp = xp_of(q._a)
    B, N, T, S = full
    names, extra = [], []
    if bias is not None:
        b = t(bias, q.dtype) if not isinstance(bias, Tensor) else bias
        if b._a.dtype != q._a.dtype:
            raise _err(f"bias is {b.dtype.name} but query is {q.dtype.name}; cast the bias.")
        try:
            ok = np.broadcast_shapes(tuple(b._a.shape), full) == full
        except ValueError:
            ok = False
        if not ok:
            raise _err(f"bias of shape {tuple(b._a.shape)} does not broadcast to the attention "
                       f"logits' shape {full} (batch, heads, query length, key length).")
        names.append("bias")
        extra.append(b)
    keep = None
    if mask is not None:
        keep = _as_mask(mask, full, xp)
    if is_causal:
        tri = xp.tri(T, S, dtype=bool)
        keep = tri if keep is None else xp.logical_and(keep, tri)
    if keep is not None:
        names.append("mask")
        extra.append(_wrap(keep))
    rate = float(dropout_rate or 0.0)
    if not 0.0 <= rate < 1.0:
        raise _err(f"dropout_rate must be in [0, 1), got {dropout_rate!r}.")
    if rate > 0.0:
        from ..backend.random import next_rng
        rng = next_rng(seed, key="scaled_dot_product_attention")
        kept = rng.random(full, dtype=np.float32) >= rate
        drop = xp.asarray(kept.astype(q._a.dtype))
        drop *= q._a.dtype.type(1.0 / (1.0 - rate))
        names.append("drop")
        extra.append(_wrap(drop))
    return tuple(names), extra


def packed_self_attention(qkv, mask=None, scale=None, is_causal=False, dropout_rate=0.0,
                          seed=None):
    """Self-attention on packed projections `qkv (B, T, 3, N, H)` (query, key, value).

    The same computation as `scaled_dot_product_attention(q, k, v, ...)` with
    the three projections coming from one matmul; its gradient is one packed
    array. Used by `keras.layers.MultiHeadAttention` for self-attention.
    Returns `(B, T, N, H)`.
    """
    qkv = t(qkv)
    if qkv._a.ndim != 5 or qkv._a.shape[2] != 3:
        raise _err(f"packed qkv must have shape (B, T, 3, N, H), got {tuple(qkv._a.shape)}.")
    B, T, _, N, H = qkv._a.shape
    sc = float(scale) if scale is not None else 1.0 / math.sqrt(H)
    names, extra = _extras(qkv, (B, N, T, T), None, mask, is_causal, dropout_rate, seed)
    ctx = {} if _prim.TAPES else None
    return _sdpa(qkv, *extra, names=names, scale=sc, packed=True, _ctx=ctx)


__api__ = {"nn": ["scaled_dot_product_attention"]}

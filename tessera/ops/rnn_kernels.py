"""Array kernels of the fused recurrent ops (SimpleRNN, LSTM, GRU): whole sequences.

Everything here works on backend arrays. The GRU and SimpleRNN kernels take `xt`
`(T, B, D)` time-major in processing order (already reversed for `go_backwards`);
the LSTM kernels take the batch-major `x (B, T, D)` as it comes and a `reverse`
flag. LSTM and GRU keep their gate pre-activations gate-major (`(G, T, B, H)`),
so every gate operation of a step is one call on a contiguous block. `m` is None
or a boolean `(T, B, 1)` array in processing order (True = the step is used). A
forward precomputes the input projection of every step with GEMMs, then loops
over time with one small GEMM per step; it fills a workspace dict that the
backward reads. The backward loops back over time once and finishes with one
GEMM per weight.

Sigmoids are computed as `0.5 * tanh(0.5 z) + 0.5`, with the factor 0.5 folded
into (copies of) the weights, so one `tanh` call covers all gates of a step.
Masked steps copy the previous state (`np.copyto(..., where=...)`); the
backward splits the state gradient into the part that flows through the cell
(mask True) and the part that passes straight to the previous step.

With the compiled kernels on (`backend/native.py`) and float32 NumPy arrays, the LSTM
runs each step's elementwise work as one C call (`kernels/lstm.c`) beside the step's
recurrent GEMM; the workspace is the same, so either path's backward reads either
path's forward. Results match the NumPy path to float32 rounding (not bit for bit).
"""
import contextlib
import ctypes
import platform
import sys

import numpy as np

from ..backend import native as _native
from ._common import xp_of
from ._buffers import out_buffer as _buf

__all__ = ["lstm_forward", "lstm_backward", "gru_forward", "gru_backward",
           "simple_forward", "simple_backward", "flush_denormals"]


def _fenv():
    """(fegetenv, fesetenv) of the C library on x86-64 Linux (glibc), else None."""
    if sys.platform != "linux" or platform.machine() not in ("x86_64", "AMD64"):
        return None
    try:
        libm = ctypes.CDLL("libm.so.6")
        return libm.fegetenv, libm.fesetenv
    except (OSError, AttributeError):
        return None


_FENV = _fenv()


@contextlib.contextmanager
def flush_denormals():
    """Within the block, the calling thread flushes subnormal floats to zero (SSE
    FTZ and DAZ bits), as TensorFlow does in its CPU kernels. Gradients that fade
    over hundreds of time steps otherwise reach subnormal values, on which every
    arithmetic operation is ~30x slower. A no-op off x86-64 Linux."""
    if _FENV is None:
        yield
        return
    get, put = _FENV
    env = (ctypes.c_ubyte * 32)()     # glibc's x86-64 fenv_t: MXCSR at byte 28
    if get(env) != 0:
        yield
        return
    new = (ctypes.c_ubyte * 32).from_buffer_copy(env)
    mx = int.from_bytes(bytes(new[28:32]), "little") | 0x8040
    new[28:32] = list(mx.to_bytes(4, "little"))
    put(new)
    try:
        yield
    finally:
        put(env)


def _mask_floats(m, dt):
    if m is None:
        return None, None
    mf = m.astype(dt)
    return mf, 1 - mf


def _split_mask(dh, mf, nmf, s, pas):
    """dh -> (the part through the cell, in place) and pas (the part passed through)."""
    xp = xp_of(dh)
    xp.multiply(dh, nmf[s], out=pas)
    xp.multiply(dh, mf[s], out=dh)


# ---------------------------------------------------------------------------
# LSTM. Keras gate order in the weights: i, f, c (candidate g), o. Inside: i, f, o, g.
# ---------------------------------------------------------------------------
def _lstm_perm(xp, H):
    return xp.concatenate([xp.arange(0, 2 * H), xp.arange(3 * H, 4 * H), xp.arange(2 * H, 3 * H)])


_P, _N = ctypes.c_void_p, ctypes.c_ssize_t
_LSTM_FWD = ("tessera_lstm_fwd_step_f32", [_P, _N, _N, _N, _P, _P, _P, _P, _P, _P, _P, _P,
                                           _N, _N])
_LSTM_BWD = ("tessera_lstm_bwd_step_f32", [_P, _P, _P, _P, _P, _P, _P, _P, _N, _N, _P, _P,
                                           _P, _N, _N, _N])


def _native_kernel(spec, *arrays):
    """The compiled kernel `spec` where every array (or None) is a C-contiguous float32
    NumPy array, else None (then the NumPy code runs)."""
    return _native.kernel(*spec) if _native.takes(*arrays) else None


_ptr = _native.ptr


def _gate_major(xp, w, H):
    """`(rows, G*H)` weights in the inner gate order -> `(G, rows, H)`, one block per gate."""
    return xp.ascontiguousarray(w.reshape(w.shape[0], -1, H).transpose(1, 0, 2))


def lstm_forward(x, h0, c0, k, r, b, m, reverse=False, keep=True, sequences=True):
    """Runs an LSTM over the batch-major `x (B, T, D)` (from its end when `reverse`);
    returns the workspace (`Hs`, `Cs` are `(T+1, B, H)` in processing order).

    The input projections of all steps are computed per gate by one batched GEMM that
    reads `x` in place (no transposed copy) into `A (4, T, B, H)`: gate-major, so a
    step's pre-activations are four contiguous `(B, H)` blocks (i, f, o, g) and every
    gate operation is one call on contiguous memory. The compiled step kernels read any
    layout, so there one GEMM computes `A` batch-major, `(B, T, 4, H)` (then
    `ws["A_batch_major"]` is True). `keep=False` (inference) keeps no per-step cell
    activations, and then with `sequences=False` only the last states (the returned
    `Hs`, `Cs` hold two steps; `[-1]` is the last).
    """
    xp = xp_of(x)
    B, T, D = x.shape
    H = r.shape[0]
    dt = x.dtype
    perm = _lstm_perm(xp, H)
    scale = xp.ones((4 * H,), dt)
    scale[:3 * H] = 0.5
    kc = xp.ascontiguousarray(k[:, perm] * scale)         # (D, 4H)
    rp = _gate_major(xp, r[:, perm] * scale, H)           # (4, H, H)
    bp = None if b is None else (b[perm] * scale).reshape(4, 1, H)
    kern = _native_kernel(_LSTM_FWD, kc, bp) if type(x) is np.ndarray and dt == np.float32 \
        else None
    # big workspaces are recycled (once unreferenced), not page-faulted in every step
    if kern is not None:
        A = _buf(xp, (B, T, 4, H), dt)
        xp.matmul(x.reshape(B * T, D), kc, out=A.reshape(B * T, 4 * H))
    else:
        A = _buf(xp, (4, T, B, H), dt)
        kp = _gate_major(xp, kc, H)                       # (4, D, H)
        xtm = x.transpose(1, 0, 2)                        # a view: T GEMMs with lda = T*D
        for g in range(4):
            xp.matmul(xtm, kp[g], out=A[g])
    TC = _buf(xp, (T, B, H), dt) if keep else xp.empty((1, B, H), dt)
    ring = not keep and not sequences        # two state buffers, used in turn
    n = 2 if ring else T + 1
    Hs = _buf(xp, (n, B, H), dt) if n > 2 else xp.empty((n, B, H), dt)
    Cs = _buf(xp, (n, B, H), dt) if n > 2 else xp.empty((n, B, H), dt)
    Hs[0] = h0
    Cs[0] = c0
    rec = xp.empty((4, B, H), dt)
    if kern is not None:
        _lstm_forward_native(kern, A, Hs, Cs, TC, rec, rp, bp, m, reverse, keep, ring)
    else:
        _lstm_forward_numpy(A, Hs, Cs, TC, rec, rp, bp, m, reverse, keep, ring)
    if ring and T % 2 == 0:   # the last states are in buffer 0: make them `[-1]`
        Hs, Cs = Hs[::-1], Cs[::-1]
    return {"A": A, "A_batch_major": kern is not None, "Hs": Hs, "Cs": Cs, "TC": TC,
            "perm": perm, "reverse": reverse}


def _a_layout(A, batch_major):
    """(bytes from one time step to the next, gate stride, row stride (in floats))."""
    if batch_major:
        B, T, _, H = A.shape
        return 16 * H, H, T * 4 * H
    _, T, B, H = A.shape
    return 4 * B * H, T * B * H, H


def _lstm_forward_native(kern, A, Hs, Cs, TC, rec, rp, bp, m, reverse, keep, ring):
    """lstm_forward's loop with one compiled call per step (tessera_lstm_fwd_step_f32);
    `A` batch-major."""
    B, T, _, H = A.shape
    n = B * H * 4                                            # bytes of one (B, H) block
    step, gs, lda = _a_layout(A, True)
    pf = -4 * H if reverse else 4 * H                        # the next step's row (floats)
    bias = np.zeros((4, H), np.float32) if bp is None else np.ascontiguousarray(bp)
    mu = None if m is None else np.ascontiguousarray(m, dtype=bool).view(np.uint8)
    pa, pr, pb, ph, pc, pt = (_ptr(v) for v in (A, rec, bias, Hs, Cs, TC))
    pm = None if mu is None else _ptr(mu)
    matmul = np.matmul
    for s in range(T):
        i0, i1 = (s & 1, ~s & 1) if ring else (s, s + 1)
        matmul(Hs[i0], rp, out=rec)
        kern(pa + (T - 1 - s if reverse else s) * step, gs, lda, pf if s < T - 1 else 0, pr,
             pb, ph + i0 * n, pc + i0 * n, ph + i1 * n, pc + i1 * n,
             pt + s * n if keep else None, None if pm is None else pm + s * B, B, H)


def _lstm_forward_numpy(A, Hs, Cs, TC, rec, rp, bp, m, reverse, keep, ring):
    xp = xp_of(A)
    _, T, B, H = A.shape
    tmp = xp.empty((B, H), A.dtype)
    matmul, tanh, multiply, add, copyto = xp.matmul, xp.tanh, xp.multiply, xp.add, xp.copyto
    for s in range(T):
        a = A[:, T - 1 - s if reverse else s]
        hp, cp = (Hs[s & 1], Cs[s & 1]) if ring else (Hs[s], Cs[s])
        h, c = (Hs[~s & 1], Cs[~s & 1]) if ring else (Hs[s + 1], Cs[s + 1])
        matmul(hp, rp, out=rec)
        if bp is not None:   # here, on a small block in cache, not in a pass over all of A
            add(rec, bp, out=rec)
        add(a, rec, out=a)
        tanh(a, out=a)
        sg = a[:3]
        multiply(sg, 0.5, out=sg)
        add(sg, 0.5, out=sg)
        multiply(a[1], cp, out=c)
        multiply(a[0], a[3], out=tmp)
        add(c, tmp, out=c)
        tc = TC[s if keep else 0]
        tanh(c, out=tc)
        multiply(a[2], tc, out=h)
        if m is not None:
            keep_prev = ~m[s]
            copyto(h, hp, where=keep_prev)
            copyto(c, cp, where=keep_prev)


def lstm_backward(ws, gyt, dh, dc, x, k, r, has_bias, m, need_x=True):
    """Backward through time. `gyt` is None or the `(T, B, H)` gradient reaching each
    step's hidden state from the outputs (processing order); `dh`, `dc` the gradients of
    the last states (modified in place). Returns `(dx, dh0, dc0, dk, dr, db)`, `dx`
    batch-major like `x`."""
    xp = xp_of(x)
    A, Hs, Cs, TC, perm = ws["A"], ws["Hs"], ws["Cs"], ws["TC"], ws["perm"]
    rev = ws["reverse"]
    B, T, D = x.shape
    H = r.shape[0]
    dt = x.dtype
    # dz2: the gate pre-activation gradients, batch-major, in time order (B, T, 4, H)
    dz2 = _buf(xp, (B, T, 4, H), dt)
    rp = r[:, perm]
    if type(dh) is np.ndarray and r.dtype == np.float32:   # the compiled path's layouts
        gyt, dh, dc = (None if a is None else np.ascontiguousarray(a) for a in (gyt, dh, dc))
    kern = _native_kernel(_LSTM_BWD, A, TC, Cs, dz2, gyt, dh, dc)
    if kern is not None and rp.dtype == np.float32:
        _lstm_backward_native(kern, A, ws.get("A_batch_major", False), Cs, TC, dz2, rp, gyt,
                              dh, dc, m, rev)
    else:
        if ws.get("A_batch_major", False):
            A = A.transpose(2, 1, 0, 3)                   # a gate-major view
        _lstm_backward_numpy(A, Cs, TC, dz2, rp, gyt, dh, dc, m, rev)
    # batch-major, in time order, columns in `perm` order: one GEMM each
    dz2 = dz2.reshape(B * T, 4 * H)
    hb = xp.ascontiguousarray((Hs[T - 1::-1] if rev else Hs[:T]).transpose(1, 0, 2))
    inv = xp.argsort(perm)
    dk = xp.matmul(xp.ascontiguousarray(x).reshape(B * T, D).T, dz2)[:, inv]
    dr = xp.matmul(hb.reshape(B * T, H).T, dz2)[:, inv]
    db = dz2.sum(axis=0)[inv] if has_bias else None
    dx = xp.matmul(dz2, k[:, perm].T).reshape(B, T, D) if need_x else None
    return dx, dh, dc, dk, dr, db


def _lstm_backward_native(kern, A, batch_major, Cs, TC, dz2, rperm, gyt, dh, dc, m, rev):
    """lstm_backward's loop with one compiled call (tessera_lstm_bwd_step_f32) and the
    recurrent GEMMs per step, writing the gate gradients straight into dz2."""
    B, T, _, H = dz2.shape
    n = B * H * 4
    step, gs, lda = _a_layout(A, batch_major)
    rt = np.ascontiguousarray(_gate_major(np, rperm, H).transpose(0, 2, 1))  # (4, H, H)
    mu = None if m is None else np.ascontiguousarray(m, dtype=bool).view(np.uint8)
    ph = np.empty((B, H), np.float32)
    rec = np.empty((4, B, H), np.float32)
    pdh, pdc, pph, prec, pa, pt, pc, pz = (_ptr(v) for v in (dh, dc, ph, rec, A, TC, Cs, dz2))
    pg = None if gyt is None else _ptr(gyt)
    pm = None if mu is None else _ptr(mu)
    dzt = dz2.transpose(1, 2, 0, 3)                          # (T, 4, B, H) views
    matmul = np.matmul
    for s in range(T - 1, -1, -1):
        tt = T - 1 - s if rev else s     # A and dz2 are in time order, the rest in steps
        kern(pdh, pdc, None if s == T - 1 else prec, None if pg is None else pg + s * n,
             None if pm is None else pm + s * B,
             None if pm is None or s == T - 1 else pm + (s + 1) * B, pph,
             pa + tt * step, gs, lda, pt + s * n, pc + s * n, pz + tt * 4 * H * 4, T * 4 * H,
             B, H)
        matmul(dzt[tt], rt, out=rec)
    if T:
        np.sum(rec, axis=0, out=dh)
        if m is not None:   # rows masked at the first step pass their gradient by
            np.copyto(dh, ph, where=~mu[0].view(bool))


def _lstm_backward_numpy(A, Cs, TC, dz2, rperm, gyt, dh, dc, m, rev):
    xp = xp_of(A)
    _, T, B, H = A.shape
    dt = A.dtype
    rt = xp.ascontiguousarray(_gate_major(xp, rperm, H).transpose(0, 2, 1))  # (4, H, H)
    dZ = _buf(xp, (4, T, B, H), dt)
    tmp = xp.empty((B, H), dt)
    tmp2 = xp.empty((B, H), dt)
    fac = xp.empty((4, B, H), dt)
    rec = xp.empty((4, B, H), dt)
    shift = xp.zeros((4, 1, 1), dt)
    shift[3] = 1
    mf, nmf = _mask_floats(m, dt)
    ph = xp.empty((B, H), dt) if m is not None else None
    pc = xp.empty((B, H), dt) if m is not None else None
    matmul, multiply, add, subtract = xp.matmul, xp.multiply, xp.add, xp.subtract
    for s in range(T - 1, -1, -1):
        if gyt is not None:
            add(dh, gyt[s], out=dh)
        if m is not None:
            _split_mask(dh, mf, nmf, s, ph)
            _split_mask(dc, mf, nmf, s, pc)
        tt = T - 1 - s if rev else s     # A and dZ are in time order, the rest in steps
        a = A[:, tt]
        dz = dZ[:, tt]
        tc = TC[s]
        multiply(dh, tc, out=dz[2])                   # d o
        multiply(dh, a[2], out=tmp)
        xp.square(tc, out=tmp2)
        subtract(1, tmp2, out=tmp2)
        multiply(tmp, tmp2, out=tmp)
        add(dc, tmp, out=dc)                          # total d c_t
        multiply(dc, a[3], out=dz[0])                 # d i = dc * g
        multiply(dc, Cs[s], out=dz[1])                # d f = dc * c_{t-1}
        multiply(dc, a[0], out=dz[3])                 # d g = dc * i
        multiply(dc, a[1], out=dc)                    # d c_{t-1}
        add(a, shift, out=fac)                        # [s, 1 + g]
        multiply(dz, fac, out=dz)
        subtract(1, a, out=fac)                       # [1 - s, 1 - g]
        multiply(dz, fac, out=dz)                     # s (1 - s), 1 - g^2
        matmul(dz, rt, out=rec)
        xp.sum(rec, axis=0, out=dh)
        if m is not None:
            add(dh, ph, out=dh)
            add(dc, pc, out=dc)
    xp.copyto(dz2, dZ.transpose(2, 1, 0, 3))


# ---------------------------------------------------------------------------
# GRU. Keras gate order: z (update), r (reset), h (candidate).
# reset_after=True: bias (2, 3H) = input bias, recurrent bias.
# ---------------------------------------------------------------------------
def gru_forward(xt, h0, k, r, b, m, reset_after=True):
    """Runs a GRU over `xt`; returns the workspace (`Hs` is `(T+1, B, H)`).

    Gate-major inside (as the LSTM): `A (3, T, B, H)` holds each step's z, r and
    candidate as contiguous `(B, H)` blocks, first filled with the input projections.
    With the compiled kernels (float32, reset_after=True) `A` is a `(3, T, B, H)` view of
    time-major rows `(T, B, 3, H)` (one GEMM), and only `P[2]` is written (the only part
    of `P` a backward reads).
    """
    xp = xp_of(xt)
    T, B, D = xt.shape
    H = r.shape[0]
    dt = xt.dtype
    H2 = 2 * H
    scale = xp.ones((3 * H,), dt)
    scale[:H2] = 0.5
    if reset_after and type(xt) is np.ndarray and dt == np.float32 and _f32(h0, k, r, b):
        kern = _native_kernel(_GRU_FWD)
        if kern is not None:
            return _gru_forward_native(kern, xt, h0, k, r, b, m, scale)
    kp = _gate_major(xp, k * scale, H)                   # (3, D, H)
    A = _buf(xp, (3, T, B, H), dt)                       # z, r, candidate
    x2 = xt.reshape(T * B, D)
    for g in range(3):
        xp.matmul(x2, kp[g], out=A[g].reshape(T * B, H))
    brh = None
    if b is not None:
        if reset_after:
            bi = b[0].copy()
            bi[:H2] += b[1][:H2]
            A += (bi * scale).reshape(3, 1, 1, H)
            brh = b[1][H2:]
        else:
            A += (b * scale).reshape(3, 1, 1, H)
    Hs = _buf(xp, (T + 1, B, H), dt)
    Hs[0] = h0
    tmp = xp.empty((B, H), dt)
    matmul, tanh, multiply, add, subtract, copyto = (xp.matmul, xp.tanh, xp.multiply, xp.add,
                                                     xp.subtract, xp.copyto)
    if reset_after:
        rs = _gate_major(xp, r * scale, H)               # (3, H, H)
        P = _buf(xp, (3, T, B, H), dt)                   # h_{t-1} @ R (+ candidate's bias)
    else:
        rzr = _gate_major(xp, r[:, :H2] * 0.5, H)        # (2, H, H)
        rh_k = xp.ascontiguousarray(r[:, H2:])
        P = _buf(xp, (T, B, H), dt)                      # r * h_{t-1}
        pz = xp.empty((2, B, H), dt)
    for s in range(T):
        a = A[:, s]
        zr, hh = a[:2], a[2]
        hp = Hs[s]
        if reset_after:
            p = P[:, s]
            matmul(hp, rs, out=p)
            add(zr, p[:2], out=zr)
        else:
            matmul(hp, rzr, out=pz)
            add(zr, pz, out=zr)
        tanh(zr, out=zr)
        multiply(zr, 0.5, out=zr)
        add(zr, 0.5, out=zr)
        if reset_after:
            rh = p[2]
            if brh is not None:
                add(rh, brh, out=rh)
            multiply(a[1], rh, out=tmp)
        else:
            multiply(a[1], hp, out=P[s])
            matmul(P[s], rh_k, out=tmp)
        add(hh, tmp, out=hh)
        tanh(hh, out=hh)
        subtract(hp, hh, out=tmp)
        multiply(tmp, a[0], out=tmp)
        add(hh, tmp, out=Hs[s + 1])
        if m is not None:
            copyto(Hs[s + 1], hp, where=~m[s])
    return {"A": A, "Hs": Hs, "P": P}


def _rows_of_gates(xp, Z, T, B, H):
    """`(G, T, B, H)` gate-major -> `(T*B, G*H)` rows (one copy)."""
    g = Z.shape[0]
    out = _buf(xp, (T, B, g, H), Z.dtype)
    xp.copyto(out, Z.transpose(1, 2, 0, 3))
    return out.reshape(T * B, g * H)


def gru_backward(ws, gyt, dh, xt, k, r, has_bias, m, reset_after=True, need_x=True):
    """Backward through time of `gru_forward`. Returns `(dxt, dh0, dk, dr, db)`."""
    xp = xp_of(xt)
    A, Hs, P = ws["A"], ws["Hs"], ws["P"]
    T, B, D = xt.shape
    H = r.shape[0]
    dt = xt.dtype
    H2 = 2 * H
    if reset_after and type(dh) is np.ndarray and dt == np.float32:
        gyt, dh = (None if a is None else np.ascontiguousarray(a) for a in (gyt, dh))
        kern = _native_kernel(_GRU_BWD, Hs, P[2], gyt, dh) if _f32(xt, k, r, A) else None
        if kern is not None and A.strides[3] == 4 and min(A.strides) >= 0:
            return _gru_backward_native(kern, A, Hs, P, gyt, dh, xt, k, r, has_bias, m,
                                        need_x)
    dX = _buf(xp, (3, T, B, H), dt)
    tmp = xp.empty((B, H), dt)
    dhz = xp.empty((B, H), dt)
    f2 = xp.empty((2, B, H), dt)
    mf, nmf = _mask_floats(m, dt)
    ph = xp.empty((B, H), dt) if m is not None else None
    matmul, multiply, add, subtract, copyto = (xp.matmul, xp.multiply, xp.add, xp.subtract,
                                               xp.copyto)
    if reset_after:
        dRec = _buf(xp, (3, T, B, H), dt)
        rt = xp.ascontiguousarray(_gate_major(xp, r, H).transpose(0, 2, 1))        # (3, H, H)
        rec = xp.empty((3, B, H), dt)
    else:
        rzr_t = xp.ascontiguousarray(_gate_major(xp, r[:, :H2], H).transpose(0, 2, 1))
        rh_t = xp.ascontiguousarray(r[:, H2:].T)
        drh = xp.empty((B, H), dt)
        rec = xp.empty((2, B, H), dt)
    for s in range(T - 1, -1, -1):
        if gyt is not None:
            add(dh, gyt[s], out=dh)
        if m is not None:
            _split_mask(dh, mf, nmf, s, ph)
        a = A[:, s]
        z, rg, hh = a[0], a[1], a[2]
        hp = Hs[s]
        dx = dX[:, s]
        multiply(dh, z, out=dhz)                      # d h_{t-1} (direct)
        subtract(hp, hh, out=tmp)
        multiply(dh, tmp, out=dx[0])                  # d z
        subtract(dh, dhz, out=dh)                     # d candidate
        xp.square(hh, out=tmp)
        subtract(1, tmp, out=tmp)
        dph = dx[2]
        multiply(dh, tmp, out=dph)                    # d candidate pre-activation
        if reset_after:
            drec = dRec[:, s]
            multiply(dph, rg, out=drec[2])
            multiply(dph, P[2, s], out=dx[1])
        else:
            matmul(dph, rh_t, out=drh)
            multiply(drh, hp, out=dx[1])
        zr = a[:2]
        xp.square(zr, out=f2)
        subtract(zr, f2, out=f2)
        multiply(dx[:2], f2, out=dx[:2])
        if reset_after:
            copyto(drec[:2], dx[:2])
            matmul(drec, rt, out=rec)
            xp.sum(rec, axis=0, out=dh)
        else:
            matmul(dx[:2], rzr_t, out=rec)
            xp.sum(rec, axis=0, out=dh)
            multiply(drh, rg, out=tmp)
            add(dh, tmp, out=dh)
        add(dh, dhz, out=dh)
        if m is not None:
            add(dh, ph, out=dh)
    dx2 = _rows_of_gates(xp, dX, T, B, H)
    hprev = Hs[:T].reshape(T * B, H)
    dk = xp.matmul(xt.reshape(T * B, D).T, dx2)
    if reset_after:
        drec2 = _rows_of_gates(xp, dRec, T, B, H)
        dr = xp.matmul(hprev.T, drec2)
        db = xp.stack([dx2.sum(axis=0), drec2.sum(axis=0)]) if has_bias else None
    else:
        dr = xp.concatenate([xp.matmul(hprev.T, dx2[:, :H2]),
                             xp.matmul(P.reshape(T * B, H).T, dx2[:, H2:])], axis=1)
        db = dx2.sum(axis=0) if has_bias else None
    dxt = xp.matmul(dx2, k.T).reshape(T, B, D) if need_x else None
    return dxt, dh, dk, dr, db


_GRU_FWD = ("tessera_gru_fwd_step_f32", [_P, _N, _N, _P, _P, _P, _P, _P, _P, _N, _N])
_GRU_BWD = ("tessera_gru_bwd_step_f32", [_P, _P, _P, _P, _P, _N, _N, _P, _P, _P, _N, _P, _N,
                                         _N, _N])


def _f32(*arrays):
    """Whether every array (or None) is a float32 NumPy array (any layout)."""
    return all(a is None or (type(a) is np.ndarray and a.dtype == np.float32) for a in arrays)


def _gru_forward_native(kern, xt, h0, k, r, b, m, scale):
    """gru_forward (reset_after=True) with one compiled call per step
    (tessera_gru_fwd_step_f32) beside the step's recurrent GEMM `(B, H) @ (H, 3H)`."""
    T, B, D = xt.shape
    H = r.shape[0]
    kc = np.ascontiguousarray(k * scale)                 # (D, 3H)
    rc = np.ascontiguousarray(r * scale)                 # (H, 3H)
    At = _buf(np, (T, B, 3, H), np.float32)              # time-major rows
    np.matmul(xt.reshape(T * B, D), kc, out=At.reshape(T * B, 3 * H))
    bias = np.zeros((4, H), np.float32)
    if b is not None:
        bias[:2] = ((b[0, :2 * H] + b[1, :2 * H]) * scale[:2 * H]).reshape(2, H)
        bias[2] = b[0, 2 * H:]
        bias[3] = b[1, 2 * H:]
    P = _buf(np, (3, T, B, H), np.float32)               # only P[2] is written
    Hs = _buf(np, (T + 1, B, H), np.float32)
    Hs[0] = h0
    rec = np.empty((B, 3 * H), np.float32)
    mu = None if m is None else np.ascontiguousarray(m, dtype=bool).view(np.uint8)
    n = B * H * 4                                        # bytes of one (B, H) block
    step = B * 3 * H * 4
    pa, prec, pb, ph, pp = (_ptr(v) for v in (At, rec, bias, Hs, P[2]))
    pm = None if mu is None else _ptr(mu)
    matmul = np.matmul
    for s in range(T):
        matmul(Hs[s], rc, out=rec)
        kern(pa + s * step, H, 3 * H, prec, pb, ph + s * n, ph + (s + 1) * n, pp + s * n,
             None if pm is None else pm + s * B, B, H)
    return {"A": At.transpose(2, 0, 1, 3), "Hs": Hs, "P": P}


def _gru_backward_native(kern, A, Hs, P, gyt, dh, xt, k, r, has_bias, m, need_x):
    """gru_backward (reset_after=True) with one compiled call per step
    (tessera_gru_bwd_step_f32) and one GEMM `(B, 3H) @ (3H, H)`; the gate gradients go
    straight into `(T, B, 3H)` rows. Reads either path's workspace (any `A` layout)."""
    T, B, D = xt.shape
    H = r.shape[0]
    gs, st, lda = (v // 4 for v in A.strides[:3])
    dx2 = _buf(np, (T, B, 3 * H), np.float32)
    dr2 = _buf(np, (T, B, 3 * H), np.float32)
    rt = np.ascontiguousarray(r.T)                       # (3H, H)
    rec = np.empty((B, H), np.float32)
    mu = None if m is None else np.ascontiguousarray(m, dtype=bool).view(np.uint8)
    P2 = P[2]
    n = B * H * 4
    step = B * 3 * H * 4
    pa, pdh, prec, phs, pp, px, pr = (_ptr(v) for v in (A, dh, rec, Hs, P2, dx2, dr2))
    pg = None if gyt is None else _ptr(gyt)
    pm = None if mu is None else _ptr(mu)
    matmul = np.matmul
    for s in range(T - 1, -1, -1):
        kern(pdh, None if s == T - 1 else prec, None if pg is None else pg + s * n,
             None if pm is None else pm + s * B, pa + s * st * 4, gs, lda, phs + s * n,
             pp + s * n, px + s * step, 3 * H, pr + s * step, 3 * H, B, H)
        matmul(dr2[s], rt, out=rec)
    if T:
        np.add(dh, rec, out=dh)
    dx2 = dx2.reshape(T * B, 3 * H)
    dr2 = dr2.reshape(T * B, 3 * H)
    dk = np.matmul(xt.reshape(T * B, D).T, dx2)
    dr = np.matmul(Hs[:T].reshape(T * B, H).T, dr2)
    db = np.stack([dx2.sum(axis=0), dr2.sum(axis=0)]) if has_bias else None
    dxt = np.matmul(dx2, k.T).reshape(T, B, D) if need_x else None
    return dxt, dh, dk, dr, db


# ---------------------------------------------------------------------------
# SimpleRNN: h_t = act(x_t @ K + h_{t-1} @ R + b), act in tanh / relu / linear.
# ---------------------------------------------------------------------------
SIMPLE_ACTIVATIONS = ("tanh", "relu", "linear")


def simple_forward(xt, h0, k, r, b, m, activation="tanh"):
    """Runs a SimpleRNN over `xt`; returns the workspace (`Hs`, and `A` the unmasked
    new states)."""
    xp = xp_of(xt)
    T, B, D = xt.shape
    H = r.shape[0]
    dt = xt.dtype
    xw = xp.matmul(xt.reshape(T * B, D), k).reshape(T, B, H)
    if b is not None:
        xw += b
    Hs = xp.empty((T + 1, B, H), dt)
    Hs[0] = h0
    A = xp.empty((T, B, H), dt) if m is not None else None
    for s in range(T):
        a = A[s] if m is not None else Hs[s + 1]
        xp.matmul(Hs[s], r, out=a)
        xp.add(a, xw[s], out=a)
        if activation == "tanh":
            xp.tanh(a, out=a)
        elif activation == "relu":
            xp.maximum(a, 0, out=a)
        if m is not None:
            xp.copyto(Hs[s + 1], xp.where(m[s], a, Hs[s]))
    return {"Hs": Hs, "A": A}


def simple_backward(ws, gyt, dh, xt, k, r, has_bias, m, activation="tanh", need_x=True):
    """Backward through time of `simple_forward`. Returns `(dxt, dh0, dk, dr, db)`."""
    xp = xp_of(xt)
    Hs, A = ws["Hs"], ws["A"]
    T, B, D = xt.shape
    H = r.shape[0]
    dt = xt.dtype
    dP = xp.empty((T, B, H), dt)
    tmp = xp.empty((B, H), dt)
    rt = xp.ascontiguousarray(r.T)
    mf, nmf = _mask_floats(m, dt)
    ph = xp.empty((B, H), dt) if m is not None else None
    for s in range(T - 1, -1, -1):
        if gyt is not None:
            xp.add(dh, gyt[s], out=dh)
        if m is not None:
            _split_mask(dh, mf, nmf, s, ph)
        hn = A[s] if m is not None else Hs[s + 1]
        dp = dP[s]
        if activation == "tanh":
            xp.multiply(hn, hn, out=tmp)
            xp.subtract(1, tmp, out=tmp)
            xp.multiply(dh, tmp, out=dp)
        elif activation == "relu":
            xp.multiply(dh, hn > 0, out=dp)
        else:
            xp.copyto(dp, dh)
        xp.matmul(dp, rt, out=dh)
        if m is not None:
            xp.add(dh, ph, out=dh)
    dp2 = dP.reshape(T * B, H)
    dk = xp.matmul(xt.reshape(T * B, D).T, dp2)
    dr = xp.matmul(Hs[:T].reshape(T * B, H).T, dp2)
    db = dp2.sum(axis=0) if has_bias else None
    dxt = xp.matmul(dp2, k.T).reshape(T, B, D) if need_x else None
    return dxt, dh, dk, dr, db

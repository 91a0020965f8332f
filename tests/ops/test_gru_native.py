"""The compiled GRU step kernels (`kernels/gru.c`, used by `tessera.ops.rnn_kernels` for
reset_after=True) against the NumPy code: forward workspaces, states and every gradient
of `gru_backward`, to float32 tolerances (the kernels' tanh differs from NumPy's in the
last bits), with masks, no bias, output gradients or none, either path's workspace read
by either backward; the fused op with go_backwards / return_sequences /
zero_output_for_mask; and the Keras GRU layer end to end."""
import numpy as np
import pytest

import tessera as ts
from tessera.backend import native
from tessera.ops import rnn
from tessera.ops import rnn_kernels as K

pytestmark = pytest.mark.skipif(native.lib() is None,
                                reason=f"compiled kernels: {native.status()}")

TOL = dict(rtol=1e-5, atol=1e-6)


def _data(T, B, D, H, seed, bias=True, masked=False, reset_after=True):
    rng = np.random.default_rng(seed)
    f = lambda *s, sc=1.0: (rng.normal(size=s) * sc).astype(np.float32)
    xt, h0 = f(T, B, D), f(B, H, sc=0.5)
    k, r = f(D, 3 * H, sc=0.6), f(H, 3 * H, sc=0.5)
    b = None
    if bias:
        b = f(2, 3 * H, sc=0.5) if reset_after else f(3 * H, sc=0.5)
    m = None
    if masked:   # (T, B, 1) in processing order; whole rows, first and last steps off too
        m = rng.random((T, B, 1)) < 0.7
        m[0, 0] = m[-1, 1 % B] = False
    return xt, h0, k, r, b, m


def _forward(on, kernels, args, reset_after=True):
    kernels(on)
    with K.flush_denormals():
        return K.gru_forward(*args, reset_after=reset_after)


def _backward(on, kernels, ws, args, gyt, dh, reset_after=True):
    xt, _, k, r, b, m = args
    kernels(on)
    with K.flush_denormals():
        return K.gru_backward(ws, None if gyt is None else gyt.copy(), dh.copy(), xt, k, r,
                              b is not None, m, reset_after=reset_after)


def _close(got, want, **tol):
    np.testing.assert_allclose(got, want, **(tol or TOL))


@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("T", [1, 7])
def test_forward_matches_numpy(kernels, monkeypatch, masked, bias, T):
    args = _data(T, 5, 4, 8, seed=T, bias=bias, masked=masked)
    calls = []
    fwd = K._gru_forward_native
    monkeypatch.setattr(K, "_gru_forward_native", lambda *a: calls.append(1) or fwd(*a))
    want = _forward(False, kernels, args)
    got = _forward(True, kernels, args)
    assert len(calls) == 1                               # the two paths ran
    assert got["Hs"].shape == want["Hs"].shape and got["A"].shape == want["A"].shape
    _close(got["Hs"], want["Hs"])
    _close(got["A"], want["A"])                          # what the backward reads
    _close(got["P"][2], want["P"][2])
    if masked:   # masked steps copy the previous state exactly
        off = ~args[5][:, :, 0]
        for s in range(T):
            np.testing.assert_array_equal(got["Hs"][s + 1][off[s]], got["Hs"][s][off[s]])


@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("with_gy", [False, True])
@pytest.mark.parametrize("bias", [True, False])
def test_backward_matches_numpy(kernels, monkeypatch, masked, with_gy, bias):
    T, B, D, H = 9, 4, 5, 16
    args = _data(T, B, D, H, seed=1, bias=bias, masked=masked)
    rng = np.random.default_rng(2)
    gyt = rng.normal(size=(T, B, H)).astype(np.float32) if with_gy else None
    dh = rng.normal(size=(B, H)).astype(np.float32)
    ws = {on: _forward(on, kernels, args) for on in (False, True)}
    calls = []
    bwd = K._gru_backward_native
    monkeypatch.setattr(K, "_gru_backward_native", lambda *a: calls.append(1) or bwd(*a))
    want = _backward(False, kernels, ws[False], args, gyt, dh)
    got = _backward(True, kernels, ws[True], args, gyt, dh)
    # either path's backward reads either path's workspace (gate-major or row layout of A)
    mixed = [_backward(True, kernels, ws[False], args, gyt, dh),
             _backward(False, kernels, ws[True], args, gyt, dh)]
    assert len(calls) == 2
    for g, w, x, y in zip(got, want, *mixed):
        if w is None:
            assert g is None and x is None and y is None
            continue
        assert g.shape == w.shape and g.dtype == np.float32
        for v in (g, x, y):
            _close(v, w, rtol=1e-5, atol=1e-5)


def test_backward_against_float64(kernels):
    """The float32 compiled path against the float64 NumPy path (the one checked by
    finite differences in test_rnn.py)."""
    T, B, D, H = 12, 3, 4, 8
    args = _data(T, B, D, H, seed=3, masked=True)
    rng = np.random.default_rng(4)
    gyt = rng.normal(size=(T, B, H)).astype(np.float32)
    dh = rng.normal(size=(B, H)).astype(np.float32)
    got = _backward(True, kernels, _forward(True, kernels, args), args, gyt, dh)
    a64 = [a if a is None or a.dtype == bool else a.astype(np.float64) for a in args]
    want = _backward(False, kernels, _forward(False, kernels, a64), a64,
                     gyt.astype(np.float64), dh.astype(np.float64))
    for g, w in zip(got, want):
        assert g.dtype == np.float32
        _close(g, w, rtol=1e-4, atol=2e-5)


def test_zero_steps(kernels):
    args = _data(0, 3, 4, 5, seed=8)
    dh = np.ones((3, 5), np.float32)
    for on in (False, True):
        ws = _forward(on, kernels, args)
        _close(ws["Hs"][-1], args[1], rtol=0, atol=0)
        dxt, dh0, dk, dr, db = _backward(on, kernels, ws, args, None, dh)
        _close(dh0, dh, rtol=0, atol=0)
        assert dxt.shape == (0, 3, 4) and not dk.any() and not dr.any() and not db.any()


def test_reset_before_and_float64_use_numpy(kernels, monkeypatch):
    """reset_after=False and non-float32 dtypes run the NumPy code, unchanged."""
    monkeypatch.setattr(K, "_gru_forward_native", None)
    monkeypatch.setattr(K, "_gru_backward_native", None)
    args = _data(5, 3, 4, 6, seed=6, masked=True, reset_after=False)
    dh = np.ones((3, 6), np.float32)
    out = {}
    for on in (False, True):
        ws = _forward(on, kernels, args, reset_after=False)
        out[on] = [ws["Hs"]] + list(_backward(on, kernels, ws, args, None, dh, False))
    for g, w in zip(out[True], out[False]):
        np.testing.assert_array_equal(g, w)
    a64 = [a if a is None or a.dtype == bool else a.astype(np.float64) for a in
           _data(5, 3, 4, 6, seed=6)]
    ws = _forward(True, kernels, a64)
    assert ws["Hs"].dtype == np.float64
    _backward(True, kernels, ws, a64, None, dh.astype(np.float64))


def test_nonfinite_and_saturation(kernels):
    """Large pre-activations saturate (no NaN from the clamps); NaN inputs propagate."""
    xt, h0, k, r, b, _ = _data(3, 2, 3, 4, seed=5)
    xt = xt * 1e4
    want = _forward(False, kernels, (xt, h0, k, r, b, None))["Hs"]
    got = _forward(True, kernels, (xt, h0, k, r, b, None))["Hs"]
    assert np.isfinite(got).all()
    _close(got, want, atol=1e-6)
    xt[1, 0, 0] = np.nan
    Hs = _forward(True, kernels, (xt, h0, k, r, b, None))["Hs"]
    assert np.isnan(Hs[2:, 0]).all() and np.isfinite(Hs[:, 1]).all()


@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("zero_output_for_mask", [False, True])
def test_fused_op_matches(kernels, go_backwards, return_sequences, zero_output_for_mask):
    """rnn.gru (the fused op: reversal, masks, outputs) and its tape gradients."""
    rng = np.random.default_rng(9)
    B, T, D, H = 4, 6, 3, 5
    f = lambda *s: ts.constant((rng.normal(size=s) * 0.5).astype(np.float32))
    x, h0, k, r, b = f(B, T, D), f(B, H), f(D, 3 * H), f(H, 3 * H), f(2, 3 * H)
    mask = ts.constant(rng.random((B, T)) < 0.7)
    gy = rng.normal(size=(B, T, H) if return_sequences else (B, H)).astype(np.float32)
    out = {}
    for on in (False, True):
        kernels(on)
        with ts.GradientTape() as tape:
            for v in (x, h0, k, r, b):
                tape.watch(v)
            y, h = rnn.gru(x, h0, k, r, b, mask=mask, go_backwards=go_backwards,
                           return_sequences=return_sequences,
                           zero_output_for_mask=zero_output_for_mask)
            loss = ts.reduce_sum(y * gy) + ts.reduce_sum(h * h)
        out[on] = [y.numpy(), h.numpy()] + [g.numpy() for g in
                                             tape.gradient(loss, [x, h0, k, r, b])]
    for g, w in zip(out[True], out[False]):
        _close(g, w, rtol=1e-5, atol=1e-5)

"""The compiled LSTM step kernels (`kernels/lstm.c`, used by `tessera.ops.rnn_kernels`)
against the NumPy code: forward workspaces, last states and every gradient of
`lstm_backward`, to float32 tolerances (the kernels' tanh differs from NumPy's in the last
bits), with masks, reverse, keep, sequences and no bias; and the kernels' tanh itself
against a float64 reference."""
import ctypes

import numpy as np
import pytest

import tessera as ts
from tessera import keras
from tessera.backend import native
from tessera.ops import rnn_kernels as K

pytestmark = pytest.mark.skipif(native.lib() is None,
                                reason=f"compiled kernels: {native.status()}")

TOL = dict(rtol=1e-5, atol=1e-6)


def _data(B, T, D, H, seed, bias=True, masked=False):
    rng = np.random.default_rng(seed)
    f = lambda *s, sc=1.0: (rng.normal(size=s) * sc).astype(np.float32)
    x, h0, c0 = f(B, T, D), f(B, H, sc=0.5), f(B, H, sc=0.5)
    k, r = f(D, 4 * H, sc=0.6), f(H, 4 * H, sc=0.5)
    b = f(4 * H, sc=0.5) if bias else None
    m = None
    if masked:   # (T, B, 1) in processing order; whole rows, first and last steps off too
        m = rng.random((T, B, 1)) < 0.7
        m[0, 0] = m[-1, 1 % B] = False
    return x, h0, c0, k, r, b, m


def _forward(on, kernels, args, **kw):
    kernels(on)
    with K.flush_denormals():
        return K.lstm_forward(*args, **kw)


def _backward(on, kernels, ws, args, gyt, dh, dc):
    x, _, _, k, r, b, m = args
    kernels(on)
    with K.flush_denormals():
        return K.lstm_backward(ws, None if gyt is None else gyt.copy(), dh.copy(), dc.copy(),
                               x, k, r, b is not None, m)


def _close(got, want, **tol):
    np.testing.assert_allclose(got, want, **(tol or TOL))


@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("keep,sequences", [(True, True), (True, False), (False, True),
                                            (False, False)])
@pytest.mark.parametrize("T", [6, 7])   # the ring buffer ends in either slot
def test_forward_matches_numpy(kernels, masked, reverse, keep, sequences, T):
    args = _data(5, T, 4, 8, seed=T, masked=masked)
    kw = dict(reverse=reverse, keep=keep, sequences=sequences)
    want = _forward(False, kernels, args, **kw)
    got = _forward(True, kernels, args, **kw)
    assert got["A_batch_major"] and not want["A_batch_major"]   # the two paths ran
    assert got["Hs"].shape == want["Hs"].shape
    _close(got["Hs"], want["Hs"])
    _close(got["Cs"], want["Cs"])
    if keep:   # what the backward reads: the activations and tanh(c)
        _close(got["A"].transpose(2, 1, 0, 3), want["A"])
        _close(got["TC"], want["TC"])
    if masked and sequences:   # masked steps copy the previous states exactly
        off = ~args[6][:, :, 0]
        for s in range(T):
            for S in (got["Hs"], got["Cs"]):
                np.testing.assert_array_equal(S[s + 1][off[s]], S[s][off[s]])


@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("with_gy", [False, True])
@pytest.mark.parametrize("bias", [True, False])
def test_backward_matches_numpy(kernels, monkeypatch, masked, reverse, with_gy, bias):
    B, T, D, H = 4, 9, 5, 16
    args = _data(B, T, D, H, seed=1, bias=bias, masked=masked)
    rng = np.random.default_rng(2)
    gyt = rng.normal(size=(T, B, H)).astype(np.float32) if with_gy else None
    dh, dc = (rng.normal(size=(B, H)).astype(np.float32) for _ in range(2))
    ws = {}
    for on in (False, True):
        ws[on] = _forward(on, kernels, args, reverse=reverse)
    calls = []
    native_bwd = K._lstm_backward_native
    monkeypatch.setattr(K, "_lstm_backward_native", lambda *a: calls.append(1) or native_bwd(*a))
    want = _backward(False, kernels, ws[False], args, gyt, dh, dc)
    got = _backward(True, kernels, ws[True], args, gyt, dh, dc)
    # either path's backward reads either path's workspace (gate- or batch-major A)
    mixed = [_backward(True, kernels, ws[False], args, gyt, dh, dc),
             _backward(False, kernels, ws[True], args, gyt, dh, dc)]
    assert len(calls) == 2
    for g, w, x, y in zip(got, want, *mixed):
        if w is None:
            assert g is None and x is None and y is None
            continue
        for v in (g, x, y):
            _close(v, w, rtol=1e-5, atol=1e-5)


def test_backward_against_float64(kernels):
    """The float32 compiled path against the float64 NumPy path (the one checked by
    finite differences in test_rnn.py)."""
    B, T, D, H = 3, 12, 4, 8
    args = _data(B, T, D, H, seed=3, masked=True)
    rng = np.random.default_rng(4)
    gyt = rng.normal(size=(T, B, H)).astype(np.float32)
    dh, dc = (rng.normal(size=(B, H)).astype(np.float32) for _ in range(2))
    got = _backward(True, kernels, _forward(True, kernels, args), args, gyt, dh, dc)
    a64 = [a if a is None or a.dtype == bool else a.astype(np.float64) for a in args]
    ws64 = _forward(False, kernels, a64)
    want = _backward(False, kernels, ws64, a64, gyt.astype(np.float64),
                     dh.astype(np.float64), dc.astype(np.float64))
    for g, w in zip(got, want):
        assert g.dtype == np.float32
        _close(g, w, rtol=1e-4, atol=2e-5)


def test_nonfinite_and_saturation(kernels):
    """Large pre-activations saturate (no NaN from the clamps); NaN inputs propagate."""
    x, h0, c0, k, r, b, _ = _data(2, 3, 3, 4, seed=5)
    x = x * 1e4
    for on in (False, True):
        ws = _forward(on, kernels, (x, h0, c0, k, r, b, None))
        assert np.isfinite(ws["Hs"]).all()
        if on:
            _close(ws["Hs"], want, atol=1e-6)
        want = ws["Hs"]
    x[0, 1, 0] = np.nan
    ws = _forward(True, kernels, (x, h0, c0, k, r, b, None))
    assert np.isnan(ws["Hs"][2:, 0]).all() and np.isfinite(ws["Hs"][:, 1]).all()


def test_float64_and_noncontiguous_fall_back(kernels):
    """Other dtypes run the NumPy code (the compiled kernels are float32 only)."""
    args = _data(2, 4, 3, 4, seed=6)
    a64 = [a if a is None else a.astype(np.float64) for a in args]
    kernels(True)
    ws = K.lstm_forward(*a64)
    assert ws["Hs"].dtype == np.float64
    kernels(False)
    _close(K.lstm_forward(*a64)["Hs"], ws["Hs"], rtol=0, atol=0)


@pytest.mark.parametrize("cell", ["LSTM", "GRU"])
def test_recurrent_layer_trains_the_same(kernels, cell):
    """Keras LSTM / GRU end to end (fused op, masking via Embedding(mask_zero),
    go_backwards): a training step's loss and gradients with and without the kernels."""
    rng = np.random.default_rng(7)
    tok = rng.integers(1, 50, size=(8, 11))
    tok[:3, -4:] = 0                      # padded: masked steps
    y = rng.integers(0, 2, size=(8, 1)).astype(np.float32)
    layer = getattr(keras.layers, cell)
    out = {}
    for on in (False, True):
        kernels(on)
        keras.utils.set_random_seed(0)
        model = keras.Sequential([keras.layers.Embedding(50, 6, mask_zero=True),
                                  layer(7, return_sequences=True),
                                  layer(5, go_backwards=True),
                                  keras.layers.Dense(1)])
        model(tok[:1])
        with ts.GradientTape() as tape:
            loss = ts.reduce_mean(ts.square(model(tok) - y))
        grads = tape.gradient(loss, model.trainable_variables)
        out[on] = [loss.numpy()] + [g.numpy() if hasattr(g, "numpy") else
                                    np.asarray(ts.convert_to_tensor(g)) for g in grads]
    for g, w in zip(out[True], out[False]):
        _close(g, w, rtol=1e-5, atol=1e-6)


# the kernels' tanh ------------------------------------------------------------------
def _tanh(x):
    f = native.kernel("tessera_tanh_f32", [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_ssize_t])
    x = np.ascontiguousarray(x, np.float32)
    y = np.empty_like(x)
    f(x.ctypes.data, y.ctypes.data, x.size)
    return y


def test_tanh_accuracy():
    # a sample of every binade from the smallest subnormal to 12, and beyond to the max
    bits = np.arange(0, np.float32(12).view(np.uint32), 241, dtype=np.uint32)
    x = np.concatenate([bits.view(np.float32),
                        np.geomspace(12, np.finfo(np.float32).max, 10000).astype(np.float32)])
    y = _tanh(x)
    ref = np.tanh(x.astype(np.float64))
    ulp = np.spacing(np.abs(ref).astype(np.float32)).astype(np.float64)
    assert np.abs(y - ref).max() < 1e-6
    assert (np.abs(y - ref) / ulp).max() <= 7   # 5 with fused multiply-adds
    assert (np.abs(y) <= 1).all()
    np.testing.assert_array_equal(_tanh(-x), -y)          # odd, exactly
    np.testing.assert_array_equal(y[x >= 9.1], 1)         # saturates exactly


def test_tanh_special_values():
    x = np.array([np.inf, -np.inf, np.nan, 0.0, -0.0, 3e38, -3e38, 1e-30, -1e-45], np.float32)
    y = _tanh(x)
    np.testing.assert_array_equal(y[[0, 1, 5, 6]], [1, -1, 1, -1])
    assert np.isnan(y[2])
    assert y[3] == 0 and not np.signbit(y[3]) and y[4] == 0 and np.signbit(y[4])
    np.testing.assert_array_equal(y[7:], x[7:])

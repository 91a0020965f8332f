"""The compiled kernels of the fused convnet block (`kernels/conv.c`, used by
`tessera.ops.conv_pool`) against its NumPy code: bit-identical values and gradients where
the kernels only copy, compare and add (the GEMMs are the same calls), the bias gradient
(summed in float64) to a tolerance. The direct kernels of small patches (K = kh*kw*C_in <=
`_DIRECT_MAX_K`) sum each conv output in BLAS's order (the same values) but the filter
gradient in another: that one to a tolerance, and everything exact on integer data."""
import functools

import numpy as np
import pytest

import tessera as ts
from tessera import keras
from tessera.backend import native
from tessera.ops import conv_pool as cp

pytestmark = pytest.mark.skipif(native.lib() is None,
                                reason=f"compiled kernels: {native.status()}")

VALID = ((0, 0), (0, 0))
CASES = [  # x shape, filters shape, strides, pads, dilations, pool
    ((16, 28, 28, 1), (3, 3, 1, 32), (1, 1), VALID, (1, 1), (2, 2)),     # W2 block 1
    ((16, 13, 13, 32), (3, 3, 32, 64), (1, 1), VALID, (1, 1), (2, 2)),   # W2 block 2 (drops)
    ((3, 9, 7, 6), (3, 3, 6, 5), (1, 1), VALID, (1, 1), (2, 2)),         # odd: floor both
    ((2, 10, 9, 3), (3, 2, 3, 4), (2, 1), ((1, 1), (0, 1)), (1, 1), (2, 2)),  # strides, pads
    ((2, 11, 11, 5), (2, 3, 5, 3), (1, 1), VALID, (2, 1), (3, 3)),       # dilation, 3x3
    ((1, 7, 8, 2), (3, 3, 2, 3), (1, 1), ((1, 1), (1, 1)), (1, 1), (1, 2)),   # uneven window
    ((2, 12, 10, 7), (1, 1, 7, 9), (1, 1), VALID, (1, 1), (2, 2)),       # 1x1 kernel
    ((2, 9, 9, 2), (3, 3, 2, 4), (2, 2), ((0, 1), (1, 0)), (1, 2), (1, 1)),   # pool 1x1
]


def _data(case, rng, ties=False):
    xs, ws = case[0], case[1]
    if ties:   # small integers: exact convolutions, many equal values in a window
        x = rng.integers(0, 3, xs).astype(np.float32)
        w = rng.integers(-1, 2, ws).astype(np.float32)
        b = rng.integers(-2, 3, ws[-1]).astype(np.float32)
    else:
        x = rng.normal(size=xs).astype(np.float32)
        w = (rng.normal(size=ws) * 0.4).astype(np.float32)
        b = (rng.normal(size=ws[-1]) * 0.3).astype(np.float32)
    return x, w, b


def _run(case, x, w, b, g):
    """`(y, dx, dw, db)` of the fused op for the upstream gradient `g`."""
    _, _, strides, pads, dil, pool = case
    xs, ws = ts.Variable(x), ts.Variable(w)
    bs = None if b is None else ts.Variable(b)
    with ts.GradientTape() as tape:
        y = cp.conv2d_relu_max_pool(xs, ws, bs, strides, pads, dil, pool)
    grads = tape.gradient(y, [xs, ws] + ([] if b is None else [bs]),
                          output_gradients=ts.constant(g))
    return [y.numpy()] + [v.numpy() for v in grads]


def _bits_equal(a, b):
    assert a.shape == b.shape and a.dtype == b.dtype
    np.testing.assert_array_equal(a.view(np.uint32), b.view(np.uint32))


def _out_shape(case):
    x_shape, w_shape, strides, pads, dil, pool = case
    ph_, pw_ = cp._pooled_sizes(x_shape, w_shape, strides, dil, pads, pool)
    return (x_shape[0], ph_, pw_, w_shape[-1])


def _is_direct(case):
    return int(np.prod(case[1][:3])) <= cp._DIRECT_MAX_K


@functools.lru_cache(maxsize=None)
def _blas_sums_like_direct():
    """Whether this machine's BLAS sums a dot product's K terms in order with fused
    multiply-adds, as the direct kernels do (OpenBLAS's kernels here do): then outputs of
    the direct path are compared bit for bit, else to rounding (CI machines differ)."""
    case = DIRECT_CASES[0]
    x, w, b = _data(case, np.random.default_rng(123), False)
    before, saved = native.enabled(), cp._DIRECT_MAX_K
    try:
        native.set_enabled(True)
        y, _ = _direct_y_arg(case, x, w, b, train=False)
        cp._DIRECT_MAX_K = 0
        y_gemm, _ = _direct_y_arg(case, x, w, b, train=False)
    finally:
        native.set_enabled(before)
        cp._DIRECT_MAX_K = saved
    return np.array_equal(y.view(np.uint32), y_gemm.view(np.uint32))


def _y_equal(a, b):
    """Outputs that may come from the direct kernels: bit for bit where BLAS sums alike."""
    if _blas_sums_like_direct():
        _bits_equal(a, b)
    else:
        _close(a, b)


def _close(a, b, rtol=1e-5):
    """Equal up to float32 rounding of sums (relative to the largest value; NaN = NaN)."""
    scale = np.nanmax(np.abs(b[np.isfinite(b)]), initial=1.0)
    np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol * scale)


@pytest.fixture(params=[True, False], ids=["direct", "gemm"])
def direct(request, monkeypatch):
    """With (the default) and without the direct kernels of small patches."""
    if not request.param:
        monkeypatch.setattr(cp, "_DIRECT_MAX_K", 0)
    return request.param


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("with_bias", [True, False])
def test_values_and_gradients_match_numpy_path(kernels, direct, case, ties, with_bias):
    rng = np.random.default_rng(0)
    x, w, b = _data(case, rng, ties)
    b = b if with_bias else None
    g = rng.normal(size=_out_shape(case)).astype(np.float32)
    kernels(True)
    fast = _run(case, x, w, b, g)
    kernels(False)
    slow = _run(case, x, w, b, g)
    _y_equal(fast[0], slow[0])                       # y
    if direct and _is_direct(case):                  # dw: summed in another order
        _close(fast[2], slow[2])
    else:                                            # the same GEMM on the same data
        _bits_equal(fast[2], slow[2])
    # dx: one GEMM instead of one per kernel offset, whose roundings BLAS need not keep
    # (the order of the sums is checked exactly below)
    np.testing.assert_allclose(fast[1], slow[1], rtol=1e-5, atol=1e-5)
    if with_bias:
        np.testing.assert_allclose(fast[3], slow[3], rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("case", CASES[:4])
def test_im2col_is_bit_identical(kernels, case):
    kernels(True)
    rng = np.random.default_rng(1)
    x, w, _ = _data(case, rng)
    x_shape, w_shape, strides, pads, dil, pool = case
    ph_, pw_ = cp._pooled_sizes(x_shape, w_shape, strides, dil, pads, pool)
    got, narrow = cp._native_im2col(x, w_shape, strides, dil, pads, pool, ph_, pw_)
    want, narrow_np = cp._im2col(x, w_shape, strides, dil, pads, pool, ph_, pw_)
    assert narrow == narrow_np
    _bits_equal(np.ascontiguousarray(got), np.ascontiguousarray(want))


def _numpy_pool(z, b):
    """The NumPy path's pooling of `z (P, M, C)` (as in `conv_pool._fwd`)."""
    y = z[0].copy()
    wins = []
    for j in range(1, z.shape[0]):
        wins.append(np.greater(z[j], y))
        np.maximum(y, z[j], out=y)
    if b is not None:
        y += b
    np.maximum(y, 0, out=y)
    return y, wins


@pytest.mark.parametrize("p", [1, 2, 4, 9])
def test_pooling_and_routing_kernels_bit_identical_with_special_values(kernels, p):
    """NaN, infinities, signed zeros and ties: the maximum, the winners and the routed
    gradient have the NumPy path's bits."""
    kernels(True)
    rng = np.random.default_rng(2)
    m, co = 37, 11
    special = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.0, 2.0], np.float32)
    z = rng.choice(special, size=(p, m, co)).astype(np.float32)
    b = rng.choice(np.array([0.0, -0.0, 1.0, -1.0, np.nan], np.float32), co)
    g = rng.choice(special, size=(m, co)).astype(np.float32)
    y = np.empty((m, co), np.float32)
    arg = np.empty((m, co), np.uint8)
    native.kernel(*cp._POOL_FWD)(z.ctypes.data, y.ctypes.data, arg.ctypes.data, b.ctypes.data,
                                 p, m, co, 0, m)
    with np.errstate(invalid="ignore"):
        y_np, wins = _numpy_pool(z, b)
        dz_np, db_np = cp._route(g, y_np, wins, p, np)
        dz, db = cp._native_route(g, y, arg, p)
        _bits_equal(y, y_np)
        _bits_equal(dz, dz_np)
        np.testing.assert_allclose(db, db_np, rtol=1e-6)


def test_input_gradient_sums_in_the_numpy_order(kernels):
    """With one non-zero per row of the conv-output gradient every GEMM product is exact,
    so the input gradients differ only by the order of their sums: it must be the same."""
    kernels(True)
    rng = np.random.default_rng(3)
    for case in CASES:
        x_shape, w_shape, strides, pads, dil, pool = case
        ph_, pw_ = cp._pooled_sizes(x_shape, w_shape, strides, dil, pads, pool)
        p, co = pool[0] * pool[1], w_shape[-1]
        rows = p * x_shape[0] * ph_ * pw_
        dz = np.zeros((rows, co), np.float32)
        dz[np.arange(rows), rng.integers(0, co, rows)] = rng.normal(size=rows)
        w = rng.normal(size=w_shape).astype(np.float32)
        args = (dz, w, x_shape, strides, dil, pads, pool, ph_, pw_)
        _bits_equal(cp._native_input_grad(*args), np.ascontiguousarray(cp._input_grad(*args, np)))


def test_backward_after_switching_kernels_off(kernels):
    """A forward with the kernels and its backward without them (or the other way)."""
    case = CASES[1]
    rng = np.random.default_rng(4)
    x, w, b = _data(case, rng, ties=True)
    g = rng.normal(size=_out_shape(case)).astype(np.float32)
    kernels(False)
    want = _run(case, x, w, b, g)
    for first in (True, False):
        xs, ws, bs = ts.Variable(x), ts.Variable(w), ts.Variable(b)
        kernels(first)
        with ts.GradientTape() as tape:
            y = cp.conv2d_relu_max_pool(xs, ws, bs)
        kernels(not first)
        got = tape.gradient(y, [xs, ws, bs], output_gradients=ts.constant(g))
        np.testing.assert_allclose(got[0].numpy(), want[1], rtol=1e-5, atol=1e-5)
        _bits_equal(got[1].numpy(), want[2])
        np.testing.assert_allclose(got[2].numpy(), want[3], rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("size", [16, 17])   # 256 members (the most a byte indexes), 289
def test_large_pooling_windows(kernels, size):
    case = ((2, size + 2, size + 2, 2), (3, 3, 2, 3), (1, 1), VALID, (1, 1), (size, size))
    rng = np.random.default_rng(7)
    x, w, b = _data(case, rng, ties=True)
    g = rng.normal(size=_out_shape(case)).astype(np.float32)
    kernels(True)
    fast = _run(case, x, w, b, g)
    kernels(False)
    slow = _run(case, x, w, b, g)
    _bits_equal(fast[0], slow[0])
    _close(fast[2], slow[2])   # the direct kernels sum in another order
    np.testing.assert_allclose(fast[1], slow[1], rtol=1e-5, atol=1e-5)


def test_inference_chunks_and_float64_fallback(kernels, direct, monkeypatch):
    rng = np.random.default_rng(5)
    x, w, b = _data(((9, 10, 10, 3), (3, 3, 3, 4)), rng)
    kernels(False)
    want = cp.conv2d_relu_max_pool(x, w, b).numpy()
    kernels(True)
    monkeypatch.setattr(cp, "_CHUNK_BYTES", 1)      # one image per chunk
    _y_equal(cp.conv2d_relu_max_pool(x, w, b).numpy(), want)
    y64 = cp.conv2d_relu_max_pool(x.astype(np.float64), w.astype(np.float64), b.astype(np.float64))
    assert y64.dtype == ts.float64                  # NumPy code for other dtypes
    np.testing.assert_allclose(y64.numpy(), want, rtol=1e-5, atol=1e-5)


def test_w2_convnet_training_step_matches_numpy(kernels):
    """The classic Keras MNIST convnet: predictions and one step of training."""
    rng = np.random.default_rng(6)
    x = rng.random((32, 28, 28, 1), dtype=np.float32)
    y = rng.integers(0, 10, 32)

    def model():
        keras.utils.set_random_seed(0)
        m = keras.Sequential([
            keras.Input((28, 28, 1)),
            keras.layers.Conv2D(32, (3, 3), activation="relu"), keras.layers.MaxPooling2D(),
            keras.layers.Conv2D(64, (3, 3), activation="relu"), keras.layers.MaxPooling2D(),
            keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
        m.compile(optimizer=keras.optimizers.Adam(1e-3),
                  loss="sparse_categorical_crossentropy")
        return m

    out = {}
    for flag in (True, False):
        kernels(flag)
        m = model()
        pred = m.predict(x, batch_size=16, verbose=0)
        loss = m.train_on_batch(x, y)
        out[flag] = (pred, loss, m.get_weights())
    _y_equal(out[True][0], out[False][0])
    np.testing.assert_allclose(out[True][1], out[False][1], rtol=1e-6)
    for a, c in zip(out[True][2], out[False][2]):
        np.testing.assert_allclose(a, c, rtol=1e-4, atol=1e-6)


# ---------------------------------------------------------------- direct kernels, small K
DIRECT_CASES = [  # x shape, filters shape, strides, pads, dilations, pool
    ((6, 28, 28, 1), (3, 3, 1, 32), (1, 1), VALID, (1, 1), (2, 2)),      # W2 block 1
    ((5, 11, 9, 2), (3, 3, 2, 20), (1, 1), VALID, (1, 1), (2, 2)),       # drops a row and col
    ((3, 14, 13, 3), (3, 3, 3, 40), (1, 1), ((1, 1), (1, 1)), (1, 1), (2, 2)),  # SAME, 32+8
    ((2, 17, 16, 1), (5, 5, 1, 7), (2, 1), ((2, 2), (0, 1)), (1, 1), (2, 3)),   # strides
    ((2, 15, 15, 2), (4, 4, 2, 64), (1, 1), VALID, (1, 1), (3, 3)),      # K = 32, 3x3 pool
    ((3, 12, 12, 3), (2, 2, 3, 1), (1, 2), VALID, (2, 1), (1, 1)),       # dilation, 1 channel
    ((1, 9, 10, 3), (1, 1, 3, 33), (1, 1), VALID, (1, 1), (2, 2)),       # 1x1 kernel
    ((2, 19, 19, 1), (3, 3, 1, 8), (1, 1), VALID, (1, 1), (16, 16)),     # 256 members
    ((3, 12, 11, 1), (3, 3, 1, 40), (1, 1), ((1, 1), (1, 1)), (1, 1), (2, 2)),  # K = 9, 32+8
]


def _direct_y_arg(case, x, w, b, train=True):
    """The compiled forward's `y` and winners `arg` (direct kernels or im2col + GEMM)."""
    x_shape, w_shape, strides, pads, dil, pool = case
    ph_, pw_ = cp._pooled_sizes(x_shape, w_shape, strides, dil, pads, pool)
    ctx = {} if train else None
    y = cp._fwd(x, w, b, strides, dil, pads, pool, _ctx=ctx)
    return y, (ctx["saved"] if train else None)


@pytest.mark.parametrize("case", DIRECT_CASES)
@pytest.mark.parametrize("ties", [False, True])
def test_direct_forward_matches_gemm_path(kernels, monkeypatch, case, ties):
    """The conv outputs are summed in BLAS's order (with fused multiply-adds where the CPU
    has them), so values and winners are those of im2col + GEMM, bit for bit."""
    kernels(True)
    assert _is_direct(case)
    rng = np.random.default_rng(8)
    x, w, b = _data(case, rng, ties)
    y, (cols, _, arg) = _direct_y_arg(case, x, w, b)
    assert cols is None and arg.dtype == np.uint8           # the direct path ran
    y_inf, _ = _direct_y_arg(case, x, w, None, train=False)
    monkeypatch.setattr(cp, "_DIRECT_MAX_K", 0)
    y_gemm, (cols, _, arg_gemm) = _direct_y_arg(case, x, w, b)
    assert cols is not None
    if ties:    # integer data: exact sums in any order, so the same values and winners
        _bits_equal(y, y_gemm)
        np.testing.assert_array_equal(arg, arg_gemm)
        _bits_equal(y_inf, _direct_y_arg(case, x, w, None, train=False)[0])
    else:       # bit-identical where BLAS sums like the direct kernels (see above)
        _y_equal(y, y_gemm)
        _y_equal(y_inf, _direct_y_arg(case, x, w, None, train=False)[0])


@pytest.mark.parametrize("case", DIRECT_CASES)
@pytest.mark.parametrize("ties", [False, True])
def test_direct_gradients_match_numpy_path(kernels, case, ties):
    rng = np.random.default_rng(9)
    x, w, b = _data(case, rng, ties)
    g = rng.normal(size=_out_shape(case)).astype(np.float32)
    if ties:
        g = rng.integers(-3, 4, _out_shape(case)).astype(np.float32)
    kernels(True)
    fast = _run(case, x, w, b, g)
    kernels(False)
    slow = _run(case, x, w, b, g)
    (_bits_equal if ties else _close)(fast[0], slow[0])
    if ties:   # exact sums: the same winners, gradients equal in any order
        for a, c in zip(fast[1:], slow[1:]):
            _bits_equal(a, c)
    else:
        for a, c in zip(fast[1:], slow[1:]):
            _close(a, c)


@pytest.mark.parametrize("case", DIRECT_CASES[:3])
def test_direct_path_without_input_gradient(kernels, case):
    """A first layer: the input is data (not watched); filter and bias gradients only."""
    rng = np.random.default_rng(10)
    x, w, b = _data(case, rng)
    g = rng.normal(size=_out_shape(case)).astype(np.float32)
    out = {}
    for flag in (True, False):
        kernels(flag)
        ws, bs = ts.Variable(w), ts.Variable(b)
        with ts.GradientTape() as tape:
            y = cp.conv2d_relu_max_pool(ts.constant(x), ws, bs, *case[2:])
        out[flag] = [y.numpy()] + [v.numpy() for v in tape.gradient(
            y, [ws, bs], output_gradients=ts.constant(g))]
    _y_equal(out[True][0], out[False][0])
    _close(out[True][1], out[False][1])
    np.testing.assert_allclose(out[True][2], out[False][2], rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("case", [DIRECT_CASES[0], DIRECT_CASES[3]])
def test_direct_path_with_nan_and_inf(kernels, case):
    """NaN and infinities in the input: the same NaN outputs, winners and gradients (NaN
    reaches the filter gradient through the zero products, as in the GEMM)."""
    rng = np.random.default_rng(11)
    x, w, b = _data(case, rng)
    flat = x.reshape(-1)
    idx = rng.choice(flat.size, 6, replace=False)
    flat[idx[:3]], flat[idx[3:5]], flat[idx[5]] = np.nan, np.inf, -np.inf
    g = rng.normal(size=_out_shape(case)).astype(np.float32)
    with np.errstate(invalid="ignore"):
        kernels(True)
        fast = _run(case, x, w, b, g)
        kernels(False)
        slow = _run(case, x, w, b, g)
    assert np.isnan(fast[0]).any() and np.isnan(fast[2]).any()
    _y_equal(fast[0], slow[0])
    for a, c in zip(fast[1:], slow[1:]):
        np.testing.assert_array_equal(np.isnan(a), np.isnan(c))
        _close(a, c)


@pytest.mark.parametrize("first", [True, False])
def test_direct_backward_after_switching_kernels(kernels, first):
    """A direct forward and a NumPy backward (the patches built then), or the other way."""
    case = DIRECT_CASES[1]
    rng = np.random.default_rng(12)
    x, w, b = _data(case, rng, ties=True)
    g = rng.integers(-3, 4, _out_shape(case)).astype(np.float32)
    kernels(False)
    want = _run(case, x, w, b, g)
    xs, ws, bs = ts.Variable(x), ts.Variable(w), ts.Variable(b)
    kernels(first)
    with ts.GradientTape() as tape:
        y = cp.conv2d_relu_max_pool(xs, ws, bs, *case[2:])
    kernels(not first)
    got = tape.gradient(y, [xs, ws, bs], output_gradients=ts.constant(g))
    for a, c in zip(got, want[1:]):
        _bits_equal(a.numpy(), c)

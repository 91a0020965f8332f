"""The optional compiled CPU kernels (tessera/backend/native.py): same results as the
NumPy code, and a clean fallback where they cannot be built."""
import os
import subprocess
import sys

import numpy as np
import pytest

import tessera as ts
from tessera.backend import native
from tessera.keras import optimizers

needs_native = pytest.mark.skipif(native.lib() is None,
                                  reason=f"compiled kernels: {native.status()}")


def _train(opt_factory, shapes, steps=12, seed=0):
    rng = np.random.default_rng(seed)
    vs = [ts.Variable(rng.standard_normal(s).astype(np.float32), name=f"v{i}")
          for i, s in enumerate(shapes)]
    opt = opt_factory()
    for _ in range(steps):
        gs = [ts.constant(rng.standard_normal(s).astype(np.float32)) for s in shapes]
        opt.apply_gradients(zip(gs, vs))
    return [v.numpy() for v in vs] + [s.numpy() for s in opt.variables]


@needs_native
@pytest.mark.parametrize("amsgrad", [False, True])
def test_adam_kernel_bit_identical_to_numpy(kernels, amsgrad):
    shapes = [(300, 500), (7,), (3, 4, 5)]   # one large (chunked in NumPy), two small
    make = lambda: optimizers.Adam(3e-2, amsgrad=amsgrad)  # noqa: E731
    kernels(True)
    fast = _train(make, shapes)
    kernels(False)
    slow = _train(make, shapes)
    assert len(fast) == len(slow)
    for a, b in zip(fast, slow):
        assert a.dtype == b.dtype and np.array_equal(a, b)


@needs_native
def test_adam_kernel_matches_closed_form(kernels):
    kernels(True)
    rng = np.random.default_rng(3)
    w0 = rng.standard_normal((40, 30)).astype(np.float64)
    v = ts.Variable(w0.astype(np.float32))
    opt = optimizers.Adam(0.01, beta_1=0.8, beta_2=0.99, epsilon=1e-6)
    m = np.zeros_like(w0)
    s = np.zeros_like(w0)
    w = w0.copy()
    for t in range(1, 6):
        g = rng.standard_normal(w0.shape)
        opt.apply_gradients([(ts.constant(g.astype(np.float32)), v)])
        m = 0.8 * m + 0.2 * g
        s = 0.99 * s + 0.01 * g * g
        w -= 0.01 * np.sqrt(1 - 0.99 ** t) / (1 - 0.8 ** t) * m / (np.sqrt(s) + 1e-6)
    np.testing.assert_allclose(v.numpy(), w, rtol=1e-4, atol=1e-5)


@needs_native
def test_adam_kernel_propagates_nan_like_numpy(kernels):
    make = lambda: optimizers.Adam(0.1, amsgrad=True)  # noqa: E731
    out = []
    for flag in (True, False):
        kernels(flag)
        v = ts.Variable(np.ones(6, np.float32))
        opt = make()
        opt.apply_gradients([(ts.constant(np.array([1, np.nan, -1, np.inf, 0, 2],
                                                   np.float32)), v)])
        out.append([v.numpy()] + [s.numpy() for s in opt.variables])
    for a, b in zip(*out):
        np.testing.assert_array_equal(a, b)   # NaN positions equal too


def test_float64_and_non_contiguous_use_numpy_path(kernels):
    kernels(True)
    v = ts.Variable(np.ones((4, 3)), dtype="float64")
    opt = optimizers.Adam(0.1)
    opt.apply_gradients([(ts.constant(np.full((4, 3), 0.5)), v)])
    np.testing.assert_allclose(v.numpy(), 0.9, rtol=1e-6)


def _run(code, **env):
    e = dict(os.environ)
    e["TESSERA_NATIVE"] = "1"     # (the suite itself may run with the kernels off)
    e.update(env)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=e, timeout=300)


_TRAIN = ("import numpy as np, tessera as ts\n"
          "from tessera.keras import optimizers\n"
          "v = ts.Variable(np.ones(5, np.float32)); o = optimizers.Adam(0.1)\n"
          "o.apply_gradients([(ts.constant(np.ones(5, np.float32)), v)])\n"
          "print(ts.config.native_kernels()); print(float(v.numpy()[0]))\n")


def test_missing_compiler_falls_back_to_numpy(tmp_path):
    r = _run(_TRAIN, CC="no-such-compiler-xyz", TESSERA_CACHE_DIR=str(tmp_path))
    assert r.returncode == 0, r.stderr
    status, value = r.stdout.strip().splitlines()
    assert "unavailable" in status and "no-such-compiler-xyz" in status
    assert abs(float(value) - 0.9) < 1e-6
    assert not list(tmp_path.glob("*.so"))


def test_disabled_by_environment(tmp_path):
    r = _run(_TRAIN, TESSERA_NATIVE="0", TESSERA_CACHE_DIR=str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("off")
    assert not list(tmp_path.glob("*.so"))


@needs_native
def test_build_into_cache_and_rebuild_damaged_file(tmp_path):
    r = _run(_TRAIN, TESSERA_CACHE_DIR=str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("on (") and str(tmp_path) in r.stdout
    (so,) = tmp_path.glob("kernels-*.so")
    so.write_bytes(b"not a shared library")
    r = _run(_TRAIN, TESSERA_CACHE_DIR=str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("on (")
    assert so.stat().st_size > 1000
    assert not [p for p in tmp_path.iterdir() if p != so]   # no temporary files left


def test_config_switch_reports_status(kernels):
    ts.config.set_native_kernels(False)
    assert ts.config.native_kernels().startswith("off")
    ts.config.set_native_kernels(True)
    assert ts.config.native_kernels().split()[0] in ("on", "unavailable,")


@needs_native
def test_adam_sees_replaced_arrays(kernels):
    """The compiled step caches pointers: arrays replaced between steps (a restore, a
    load) must be picked up, never written through a stale pointer."""
    kernels(True)
    shapes = [(64, 32), (32,)]

    def run(replace):
        rng = np.random.default_rng(7)
        vs = [ts.Variable(rng.standard_normal(s).astype(np.float32)) for s in shapes]
        opt = optimizers.Adam(0.05)
        for step in range(6):
            gs = [ts.constant(rng.standard_normal(s).astype(np.float32)) for s in shapes]
            opt.apply_gradients(zip(gs, vs))
            if replace and step == 2:
                for x in list(vs) + list(opt.variables):
                    x._a = x._a.copy()
        return [v.numpy() for v in vs] + [s.numpy() for s in opt.variables]

    for a, b in zip(run(False), run(True)):
        assert np.array_equal(a, b)


def test_optimizer_with_kernels_stays_copyable(kernels):
    import copy
    kernels(True)
    v = ts.Variable(np.ones(5, np.float32))
    opt = optimizers.Adam(0.1)
    opt.apply_gradients([(ts.constant(np.ones(5, np.float32)), v)])
    clone = copy.deepcopy(opt)
    assert int(clone.iterations.numpy()) == 1
    np.testing.assert_array_equal(clone.variables[1].numpy(), opt.variables[1].numpy())


@needs_native
@pytest.mark.parametrize("activation,bias", [("relu", True), ("relu", False), (None, True)])
def test_dense_kernels_bit_identical(kernels, activation, bias):
    from tessera.ops import fused
    rng = np.random.default_rng(1)
    x = rng.standard_normal((33, 20)).astype(np.float32)
    x[0, :3] = [np.nan, np.inf, -np.inf]
    x[2] = -0.0                          # outputs of -0.0 (+ a zero bias): ReLU gives +0.0
    w = rng.standard_normal((20, 17)).astype(np.float32)
    b = rng.standard_normal(17).astype(np.float32) if bias else None
    dy = rng.standard_normal((33, 17)).astype(np.float32)
    dy[1, 0] = np.inf
    out = []
    for flag in (True, False):
        kernels(flag)
        xs, ws = ts.constant(x), ts.Variable(w)
        bs = ts.Variable(b) if bias else None
        with ts.GradientTape() as tape:
            tape.watch(xs)
            y = fused.dense(xs, ws, bs, activation)
        srcs = [xs, ws] + ([bs] if bias else [])
        out.append([y.numpy()] + [gr.numpy() for gr in tape.gradient(y, srcs, output_gradients=ts.constant(dy))])
    for a, b_ in zip(*out):
        np.testing.assert_array_equal(a, b_)
        assert np.array_equal(np.signbit(a), np.signbit(b_))


@needs_native
def test_sparse_ce_mean_kernel_matches_numpy(kernels):
    from tessera.ops import crossentropy as nn_ops
    rng = np.random.default_rng(2)
    x = (rng.standard_normal((37, 11)) * 20).astype(np.float32)
    x[3] = 1e30                       # equal huge logits: a uniform row
    labels = rng.integers(0, 11, 37).astype(np.int32)
    out = []
    for flag in (True, False):
        kernels(flag)
        xs = ts.Variable(x)
        with ts.GradientTape() as tape:
            value = nn_ops.sparse_softmax_cross_entropy_mean(ts.constant(labels), xs)
        out.append((value.numpy(), tape.gradient(value, xs).numpy()))
    np.testing.assert_allclose(out[0][0], out[1][0], rtol=1e-6)
    np.testing.assert_allclose(out[0][1], out[1][1], rtol=1e-5, atol=1e-8)
    assert out[0][0].dtype == np.float32 and out[0][0].shape == ()


@needs_native
@pytest.mark.parametrize("scale,offset", [(True, True), (True, False), (False, True),
                                          (False, False)])
def test_layer_norm_kernels_match_numpy(kernels, scale, offset):
    from tessera.ops import normalization as norm
    rng = np.random.default_rng(4)
    x = (rng.standard_normal((3, 5, 37)) * 4 + 2).astype(np.float32)
    s = rng.standard_normal(37).astype(np.float32) if scale else None
    b = rng.standard_normal(37).astype(np.float32) if offset else None
    dy = rng.standard_normal(x.shape).astype(np.float32)
    out = []
    for flag in (True, False):
        kernels(flag)
        xs = ts.Variable(x)
        ss = ts.Variable(s) if scale else None
        bs = ts.Variable(b) if offset else None
        with ts.GradientTape() as tape:
            y = norm.layer_normalization(xs, ss, bs, axis=-1, epsilon=1e-5)
        srcs = [v for v in (xs, ss, bs) if v is not None]
        out.append([y.numpy()] + [g.numpy() for g in
                                  tape.gradient(y, srcs, output_gradients=ts.constant(dy))])
    for a, b_ in zip(*out):
        np.testing.assert_allclose(a, b_, rtol=2e-5, atol=2e-5)


@needs_native
@pytest.mark.parametrize("masked,big", [(False, False), (True, False), (False, True)])
def test_attention_softmax_kernels_match_numpy(kernels, masked, big):
    """The compiled column softmax (forward) and its backward step give the NumPy path's
    values and gradients (masked keys, fully masked rows, large logits included)."""
    from tessera.ops import attention
    rng = np.random.default_rng(5)
    B, T, S, N, H = 3, 6, 7, 2, 4
    q = (rng.standard_normal((B, T, N, H)) * (30 if big else 1)).astype(np.float32)
    k = (rng.standard_normal((B, S, N, H)) * (30 if big else 1)).astype(np.float32)
    v = rng.standard_normal((B, S, N, H)).astype(np.float32)
    mask = None
    if masked:
        mask = rng.random((B, N, T, S)) > 0.3
        mask[0, 0, 2] = False                      # a query that sees no key
    dy = rng.standard_normal((B, T, N, H)).astype(np.float32)
    out = []
    for flag in (True, False):
        kernels(flag)
        qs, ks, vs = ts.Variable(q), ts.Variable(k), ts.Variable(v)
        with ts.GradientTape() as tape:
            y = attention.scaled_dot_product_attention(
                qs, ks, vs, mask=None if mask is None else ts.constant(mask))
        out.append([y.numpy()] + [g.numpy() for g in tape.gradient(
            y, [qs, ks, vs], output_gradients=ts.constant(dy))])
    for a, b in zip(*out):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4 if big else 1e-5)


@needs_native
def test_vectorised_exp_accuracy():
    import ctypes
    f = native.kernel("tessera_exp_f32", [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_ssize_t])
    rng = np.random.default_rng(0)
    x = np.concatenate([np.linspace(-100, 100, 400001, dtype=np.float32),
                        rng.uniform(-88, 89, 200000).astype(np.float32),
                        np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 88.72, 88.73, -87.33,
                                  -87.34], np.float32)])
    y = np.empty_like(x)
    f(x.ctypes.data, y.ctypes.data, x.size)
    with np.errstate(all="ignore"):
        ref = np.exp(x.astype(np.float64))
    normal = np.isfinite(ref) & (ref >= np.finfo(np.float32).tiny) & \
        (ref <= np.finfo(np.float32).max)
    rel = np.abs(y[normal] - ref[normal]) / ref[normal]
    assert rel.max() < 3 * 2.0 ** -24                     # within 3 ulp
    assert np.isnan(y[np.isnan(x)]).all()
    assert (y[ref > np.finfo(np.float32).max] == np.inf).all()
    assert (y[ref < np.finfo(np.float32).tiny] == 0).all()   # flushed, never negative
    assert set(y[x == 0].tolist()) == {1.0}


@needs_native
def test_embedding_gradient_scatter_bit_identical(kernels):
    """The embedding-table gradient (repeated rows, signed zeros) equals the NumPy path's."""
    rng = np.random.default_rng(9)
    table = ts.Variable(rng.standard_normal((50, 6)).astype(np.float32))
    ids = rng.integers(0, 50, (8, 30)).astype(np.int32)
    dy = rng.standard_normal((8, 30, 6)).astype(np.float32)
    dy[0, :5] = -0.0
    out = []
    for flag in (True, False):
        kernels(flag)
        with ts.GradientTape() as tape:
            y = ts.gather(table, ts.constant(ids))
        out.append(tape.gradient(y, table, output_gradients=ts.constant(dy)))
    a, b = (np.asarray(ts.convert_to_tensor(g).numpy()) for g in out)
    assert np.array_equal(a.view(np.uint32), b.view(np.uint32))
    ref = np.zeros((50, 6), np.float64)
    np.add.at(ref, ids.reshape(-1), dy.reshape(-1, 6))
    np.testing.assert_allclose(a, ref, rtol=1e-5, atol=1e-6)

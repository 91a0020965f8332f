"""Tessera's implementations of the reference workloads W1-W4 (../shared/bench/workloads.md).

Each workload follows the spec exactly: the same synthetic data (seeds and generators as
`peers/common.py`), model, batch size, warm-up and timed windows and inference protocol
as the Keras peers (`peers/keras_common.py`), written with `tessera.keras` and `fit`.
W5 (eager overhead) lives in `eager_overhead.py`.

`run(name, scale=1.0)` runs one workload in this process and returns its result dict;
`scale` < 1 shrinks the sample counts / step counts (for smoke tests; timings of a
scaled run are not comparable). `python -m benchmarks.workloads --worker W2` runs one
workload in a fresh interpreter and prints `RESULT {json}` with its peak memory
(`ru_maxrss` of that process), which is how `compare.py` runs them.
"""
import argparse
import json
import os
import resource
import statistics
import sys
import time

import numpy as np

# ---------------------------------------------------------------------------
# The spec (identical to peers/common.py; tests/test_benchmarks.py checks it)
# ---------------------------------------------------------------------------
W1 = dict(n=60_000, batch=128, warmup_epochs=1, timed_epochs=2, infer_batch=1024, seed=0)
W2 = dict(batch=128, warmup_steps=10, timed_steps=100, infer_batch=1024, infer_n=10_240,
          seed=1)
W3 = dict(vocab=20_000, emb=128, units=64, seqlen=200, batch=64, warmup_steps=3,
          timed_steps=30, infer_batch=256, seed=2)
W4 = dict(vocab=20_000, d=128, heads=4, key_dim=32, ff=256, seqlen=128, batch=32,
          warmup_steps=3, timed_steps=50, infer_batch=256, seed=3)
THREADS = int(os.environ.get("BENCH_THREADS", "2"))
VARIANT = "tessera keras.fit"
WORKLOADS = ("W1", "W2", "W3", "W4")


def _flops():
    """FLOP per sample (1 MAC = 2 FLOP; GEMM / convolution only), as in the spec."""
    w1 = [(784, 512), (512, 256), (256, 10)]
    f1 = sum(2 * i * o for i, o in w1)
    c1, c2, d2 = 26 * 26 * 32 * 9, 11 * 11 * 64 * 9 * 32, 1600 * 10
    f2 = 2 * (c1 + c2 + d2)
    e, u, t = W3["emb"], W3["units"], W3["seqlen"]
    f3 = 2 * (t * 4 * u * (e + u) + u)
    d, t4, ff, h, kd = W4["d"], W4["seqlen"], W4["ff"], W4["heads"], W4["key_dim"]
    f4 = 2 * (t4 * (3 * d * h * kd + h * kd * d) + 2 * h * t4 * t4 * kd
              + t4 * 2 * d * ff + d * 2)
    return {"W1": dict(forward=f1, train=f1 + f1 + sum(2 * i * o for i, o in w1[1:])),
            "W2": dict(forward=f2, train=f2 + f2 + 2 * (c2 + d2)),
            "W3": dict(forward=f3, train=3 * f3),
            "W4": dict(forward=f4, train=3 * f4)}


FLOPS = _flops()


class NotAvailable(RuntimeError):
    """A workload needs a Tessera layer that does not exist yet."""


# ---------------------------------------------------------------------------
# Data: np.random.default_rng(seed), x drawn first, then y (peers/common.py)
# ---------------------------------------------------------------------------
def data_w1(n=W1["n"]):
    rng = np.random.default_rng(W1["seed"])
    x = rng.random((n, 784), dtype=np.float32)
    return x, rng.integers(0, 10, size=n).astype(np.int64)


def data_w2(n=W2["batch"] * W2["timed_steps"]):
    rng = np.random.default_rng(W2["seed"])
    x = rng.random((n, 28, 28, 1), dtype=np.float32)
    return x, rng.integers(0, 10, size=n).astype(np.int64)


def data_w3(n=W3["batch"] * W3["timed_steps"]):
    rng = np.random.default_rng(W3["seed"])
    x = rng.integers(0, W3["vocab"], size=(n, W3["seqlen"])).astype(np.int32)
    return x, rng.integers(0, 2, size=n).astype(np.float32)


def data_w4(n=W4["batch"] * W4["timed_steps"]):
    rng = np.random.default_rng(W4["seed"])
    x = rng.integers(0, W4["vocab"], size=(n, W4["seqlen"])).astype(np.int32)
    return x, rng.integers(0, 2, size=n).astype(np.int64)


# ---------------------------------------------------------------------------
# Models (as peers/keras_common.py)
# ---------------------------------------------------------------------------
def _layers(*names):
    """The named keras.layers classes, or NotAvailable naming every missing one."""
    from tessera import keras
    found, missing = [], []
    for n in names:
        try:
            found.append(getattr(keras.layers, n))
        except AttributeError:
            missing.append(f"keras.layers.{n}")
    if missing:
        raise NotAvailable(f"not available: Tessera has no {', '.join(missing)} yet")
    return found


def build_w1():
    from tessera import keras
    (Dense,) = _layers("Dense")
    return keras.Sequential([keras.Input((784,)), Dense(512, activation="relu"),
                             Dense(256, activation="relu"), Dense(10, activation="softmax")])


def build_w2():
    from tessera import keras
    Conv2D, MaxPooling2D, Flatten, Dropout, Dense = _layers(
        "Conv2D", "MaxPooling2D", "Flatten", "Dropout", "Dense")
    return keras.Sequential([
        keras.Input((28, 28, 1)),
        Conv2D(32, (3, 3), activation="relu"), MaxPooling2D((2, 2)),
        Conv2D(64, (3, 3), activation="relu"), MaxPooling2D((2, 2)),
        Flatten(), Dropout(0.5), Dense(10, activation="softmax")])


def build_w3():
    from tessera import keras
    Embedding, LSTM, Dense = _layers("Embedding", "LSTM", "Dense")
    return keras.Sequential([keras.Input((W3["seqlen"],), dtype="int32"),
                             Embedding(W3["vocab"], W3["emb"]), LSTM(W3["units"]),
                             Dense(1, activation="sigmoid")])


def _token_and_position_embedding():
    from tessera import keras
    (Embedding,) = _layers("Embedding")

    class TokenAndPositionEmbedding(keras.layers.Layer):
        """Token embedding plus a learned embedding of the position 0..maxlen-1."""

        def __init__(self, maxlen, vocab, d, **kw):
            super().__init__(**kw)
            self.maxlen = maxlen
            self.tok = Embedding(vocab, d)
            self.pos = Embedding(maxlen, d)

        def call(self, x):
            return self.tok(x) + self.pos(keras.ops.arange(0, self.maxlen, 1))

    return TokenAndPositionEmbedding


def build_w4():
    from tessera import keras
    MHA, LayerNormalization, Dense, GAP1D = _layers(
        "MultiHeadAttention", "LayerNormalization", "Dense", "GlobalAveragePooling1D")
    p = W4
    inp = keras.Input((p["seqlen"],), dtype="int32")
    x = _token_and_position_embedding()(p["seqlen"], p["vocab"], p["d"])(inp)
    a = MHA(num_heads=p["heads"], key_dim=p["key_dim"])(x, x)
    x1 = LayerNormalization(epsilon=1e-6)(x + a)
    f = Dense(p["d"])(Dense(p["ff"], activation="relu")(x1))
    x2 = LayerNormalization(epsilon=1e-6)(x1 + f)
    out = Dense(2, activation="softmax")(GAP1D()(x2))
    return keras.Model(inp, out)


# ---------------------------------------------------------------------------
# The fit protocol
# ---------------------------------------------------------------------------
class _Timer:
    """Wall time and process CPU time (user + sys) of a block."""

    def __enter__(self):
        self.t0, self.c0 = time.perf_counter(), _cpu()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.t0
        self.util = (_cpu() - self.c0) / self.wall if self.wall > 0 else float("nan")


def _cpu():
    t = os.times()
    return t.user + t.system


def _sync(model):
    np.asarray(model.trainable_variables[0].numpy()).sum()


def _compiled(model, loss):
    from tessera import keras
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss=loss)
    return model


def _infer_sps(model, x, batch):
    """Samples/s of `predict` over x: one untimed pass, median of 3 timed passes."""
    model.predict(x, batch_size=batch, verbose=0)
    times = []
    for _ in range(3):
        with _Timer() as t:
            model.predict(x, batch_size=batch, verbose=0)
        times.append(t.wall)
    return len(x) / statistics.median(times)


def result(workload, train_sps, infer_sps, util, **extra):
    """The result dict, with the same keys as the peers' `RESULT` lines."""
    f = FLOPS[workload]
    r = dict(workload=workload, variant=VARIANT, train_sps=round(train_sps, 2),
             train_gflops=round(train_sps * f["train"] / 1e9, 3),
             infer_sps=round(infer_sps, 2),
             infer_gflops=round(infer_sps * f["forward"] / 1e9, 3), cpu_util=round(util, 2))
    r.update(extra)
    return r


def _scaled(count, scale, least=1):
    return max(least, int(round(count * scale)))


def run_w1(scale=1.0):
    """W1: warm-up `fit` of one epoch, then a timed `fit` of two epochs (shuffled)."""
    from tessera import keras
    p = W1
    n = _scaled(p["n"], scale, p["batch"])
    x, y = data_w1(n)
    keras.utils.set_random_seed(0)
    m = _compiled(build_w1(), "sparse_categorical_crossentropy")
    with _Timer() as tw:
        m.fit(x, y, batch_size=p["batch"], epochs=p["warmup_epochs"], shuffle=True, verbose=0)
        _sync(m)
    with _Timer() as t:
        m.fit(x, y, batch_size=p["batch"], epochs=p["timed_epochs"], shuffle=True, verbose=0)
        _sync(m)
    train = n * p["timed_epochs"] / t.wall
    return result("W1", train, _infer_sps(m, x, p["infer_batch"]), t.util,
                  warmup_s=round(tw.wall, 2), n=n)


def _fit_steps(workload, model, x, y, batch, warmup_steps, infer_x, infer_batch):
    """Warm-up `fit` on the first `warmup_steps` batches, then one timed shuffled epoch."""
    n_warm = batch * warmup_steps
    with _Timer() as tw:
        model.fit(x[:n_warm], y[:n_warm], batch_size=batch, epochs=1, shuffle=True, verbose=0)
        _sync(model)
    with _Timer() as t:
        model.fit(x, y, batch_size=batch, epochs=1, shuffle=True, verbose=0)
        _sync(model)
    return result(workload, len(x) / t.wall, _infer_sps(model, infer_x, infer_batch), t.util,
                  warmup_s=round(tw.wall, 2), timed_steps=len(x) // batch)


def _run_steps(workload, spec, data, build, loss, scale, infer_n=None):
    from tessera import keras
    steps = _scaled(spec["timed_steps"], scale)
    x, y = data(spec["batch"] * steps)
    keras.utils.set_random_seed(0)
    model = _compiled(build(), loss)
    infer_x = x if infer_n is None else x[:min(len(x), _scaled(infer_n, scale))]
    return _fit_steps(workload, model, x, y, spec["batch"], _scaled(spec["warmup_steps"], scale),
                      infer_x, spec["infer_batch"])


def run_w2(scale=1.0):
    return _run_steps("W2", W2, data_w2, build_w2, "sparse_categorical_crossentropy", scale,
                      infer_n=W2["infer_n"])


def run_w3(scale=1.0):
    return _run_steps("W3", W3, data_w3, build_w3, "binary_crossentropy", scale)


def run_w4(scale=1.0):
    return _run_steps("W4", W4, data_w4, build_w4, "sparse_categorical_crossentropy", scale)


RUNS = {"W1": run_w1, "W2": run_w2, "W3": run_w3, "W4": run_w4}


def run(workload, scale=1.0):
    """Runs one workload ("W1".."W4") in this process; returns its result dict.

    Raises NotAvailable when Tessera lacks a layer the workload needs.
    """
    if workload not in RUNS:
        raise ValueError(f"unknown workload {workload!r}: expected one of {', '.join(RUNS)}")
    return RUNS[workload](scale)


def peak_rss_mb():
    """High-water mark of this process's resident memory, in MiB."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 2**20 if sys.platform == "darwin" else rss / 2**10


def _thread_limit():
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:      # OpenBLAS's default on this machine is already 2 threads
        return None
    return threadpool_limits(THREADS)


def worker(workload, scale=1.0):
    """Body of `--worker`: runs one workload, adds peak memory, prints `RESULT {json}`."""
    limits = _thread_limit()  # noqa: F841 (kept alive for the run)
    try:
        r = run(workload, scale)
    except NotAvailable as e:
        r = dict(workload=workload, variant=VARIANT, error=str(e))
    r["peak_rss_mb"] = round(peak_rss_mb(), 1)
    print("RESULT " + json.dumps(r), flush=True)
    return r


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--worker", required=True, choices=WORKLOADS,
                   help="the workload to run in this process")
    p.add_argument("--scale", type=float, default=1.0,
                   help="shrink sample/step counts (smoke tests; not comparable timings)")
    args = p.parse_args(argv)
    worker(args.worker, args.scale)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""W1: the MNIST-sized MLP trained with `fit` (../shared/bench/workloads.md), beside peers.

Run: `python -m benchmarks.w1_mlp [--peer-python PY ...] [--rounds N]`.
Tessera and each installed peer alternate, one after the other in one command, for N
rounds; the table gives medians and Tessera/peer ratios (higher is better for Tessera).
"""
import argparse
import statistics
import sys
import time

import numpy as np

from . import peers

N, BATCH, INFER_BATCH = 60_000, 128, 1024
TRAIN_FLOP, INFER_FLOP = 2_407_424, 1_070_080


def data():
    rng = np.random.default_rng(0)
    x = rng.random((N, 784), dtype=np.float32)
    y = rng.integers(0, 10, size=N).astype(np.int64)
    return x, y


def run_tessera():
    """Tessera's W1 with Keras `fit`; returns {"train_sps", "infer_sps"}."""
    from tessera import keras
    x, y = data()
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(512, activation="relu"),
                              keras.layers.Dense(256, activation="relu"),
                              keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy")
    model.fit(x, y, batch_size=BATCH, epochs=1, shuffle=True, verbose=0)
    t0 = time.perf_counter()
    model.fit(x, y, batch_size=BATCH, epochs=2, shuffle=True, verbose=0)
    np.asarray(model.weights[0].numpy()).sum()
    train = 2 * N / (time.perf_counter() - t0)
    model.predict(x, batch_size=INFER_BATCH, verbose=0)
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        model.predict(x, batch_size=INFER_BATCH, verbose=0)
        times.append(time.perf_counter() - t0)
    return {"train_sps": train, "infer_sps": N / statistics.median(times)}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--peer-python", action="append", default=[])
    p.add_argument("--rounds", type=int, default=1)
    p.add_argument("--peers", default="torch,tensorflow,keras_jax")
    args = p.parse_args(argv)
    candidates = [sys.executable] + args.peer_python
    rows = {"tessera": []}
    for _ in range(args.rounds):
        rows["tessera"].append(run_tessera())
        for peer in args.peers.split(","):
            for r in peers.run_peer(peer, ["W1"], candidates):
                rows.setdefault(f"{peer}:{r['variant']}", []).append(r)
    print(f"W1 MLP, batch {BATCH}: training and inference samples/s (median of {args.rounds})")
    t = {k: statistics.median(r[k] for r in rows["tessera"]) for k in ("train_sps", "infer_sps")}
    print(f"{'':34s}{'train/s':>10s}{'GFLOP/s':>9s}{'infer/s':>10s}{'T/peer train':>14s}{'T/peer infer':>14s}")
    print(f"{'tessera (keras fit)':34s}{t['train_sps']:10.0f}{t['train_sps'] * TRAIN_FLOP / 1e9:9.1f}"
          f"{t['infer_sps']:10.0f}")
    for name, rs in rows.items():
        if name == "tessera":
            continue
        tr = [r["train_sps"] for r in rs if "train_sps" in r]
        inf = [r["infer_sps"] for r in rs if "infer_sps" in r]
        tr_m = statistics.median(tr) if tr else None
        inf_m = statistics.median(inf) if inf else None
        print(f"{name:34s}{tr_m or 0:10.0f}{(tr_m or 0) * TRAIN_FLOP / 1e9:9.1f}{inf_m or 0:10.0f}"
              f"{t['train_sps'] / tr_m if tr_m else float('nan'):14.2f}"
              f"{t['infer_sps'] / inf_m if inf_m else float('nan'):14.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

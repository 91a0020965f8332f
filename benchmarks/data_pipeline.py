"""Input-pipeline throughput, and `fit` on a Dataset against `fit` on arrays.

Run: `python -m benchmarks.data_pipeline [--peer-python /tmp/tfvenv/bin/python] [--json FILE]`.

The pipeline is the usual MNIST-style one,

    Dataset.from_tensor_slices((x, y)).shuffle(10000)
        .map(augment, num_parallel_calls=AUTOTUNE).batch(128).prefetch(AUTOTUNE)

on synthetic 60000x28x28 float32 images, where `augment` is a random left-right flip and a
brightness jitter written with tensor ops (`where`, `reverse`, `random.uniform`,
`clip_by_value`). Reported:

  * batches/second iterating the pipeline (with and without the augment map);
  * seconds for one epoch of `fit` of a small MLP on the arrays (`fit(x, y, batch_size=128,
    shuffle=True)`), on the pipeline without the map and on the pipeline with it, and the
    ratio dataset/arrays (the target for the pipeline without the map: at most 1.10).

TensorFlow's tf.data runs the same code (`tf` is TensorFlow instead of Tessera) in the
interpreter given with `--peer-python`, in a subprocess. Each figure is the median of
`--repeats` runs after one warm-up.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _framework(name):
    if name == "tessera":
        import tessera as tf
        from tessera import keras
    else:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        import tensorflow as tf
        keras = tf.keras
    return tf, keras


def make_data(n, seed=0):
    """Synthetic MNIST-sized images in [0, 1) and integer labels 0..9."""
    rng = np.random.default_rng(seed)
    x = rng.random((n, 28, 28), dtype=np.float32)
    y = rng.integers(0, 10, size=n).astype(np.int64)
    return x, y


def make_pipeline(tf, x, y, batch_size=128, augment=True, shuffle_buffer=10000):
    """The benchmarked pipeline, built with `tf` (TensorFlow or Tessera)."""
    def aug(im, label):
        im = tf.where(tf.random.uniform(()) < 0.5, tf.reverse(im, axis=[1]), im)
        im = tf.clip_by_value(im + tf.random.uniform((), -0.1, 0.1), 0.0, 1.0)
        return im, label

    ds = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(shuffle_buffer)
    if augment:
        ds = ds.map(aug, num_parallel_calls=tf.data.AUTOTUNE)
    return ds.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def make_model(keras):
    model = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(),
                              keras.layers.Dense(128, activation="relu"),
                              keras.layers.Dense(10)])
    model.compile(optimizer="adam",
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def _median_s(fn, repeats):
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def run(framework="tessera", n=60000, batch_size=128, repeats=3, fit=True):
    """All figures for one framework, as a dict."""
    tf, keras = _framework(framework)
    x, y = make_data(n)
    n_batches = -(-n // batch_size)
    out = {"framework": framework, "n": n, "batch_size": batch_size}

    def iterate(ds):
        def go():
            k = 0
            for _ in ds:
                k += 1
            assert k == n_batches, (k, n_batches)
        return go

    for key, augment in (("batches_per_s_augment", True), ("batches_per_s_plain", False)):
        ds = make_pipeline(tf, x, y, batch_size, augment=augment)
        out[key] = n_batches / _median_s(iterate(ds), repeats)
    if fit:
        model = make_model(keras)
        plain = make_pipeline(tf, x, y, batch_size, augment=False)
        augd = make_pipeline(tf, x, y, batch_size, augment=True)
        out["fit_arrays_s"] = _median_s(
            lambda: model.fit(x, y, batch_size=batch_size, epochs=1, shuffle=True, verbose=0),
            repeats)
        out["fit_dataset_plain_s"] = _median_s(lambda: model.fit(plain, epochs=1, verbose=0),
                                               repeats)
        out["fit_dataset_augment_s"] = _median_s(lambda: model.fit(augd, epochs=1, verbose=0),
                                                 repeats)
        out["ratio_plain"] = out["fit_dataset_plain_s"] / out["fit_arrays_s"]
        out["ratio_augment"] = out["fit_dataset_augment_s"] / out["fit_arrays_s"]
    return out


def run_peer(python, n, batch_size, repeats, fit, timeout=3000):
    """Runs `run("tensorflow", ...)` in `python`; returns its dict or None."""
    cmd = [python, os.path.abspath(__file__), "--framework", "tensorflow", "--n", str(n),
           "--batch-size", str(batch_size), "--repeats", str(repeats), "--result-line"]
    if not fit:
        cmd.append("--no-fit")
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                       env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))
    for line in r.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    print(f"[tensorflow] failed (exit {r.returncode}):\n{r.stderr[-1500:]}", file=sys.stderr)
    return None


ROWS = (("batches/s, shuffle+map+batch+prefetch", "batches_per_s_augment", "{:.1f}"),
        ("batches/s, shuffle+batch+prefetch", "batches_per_s_plain", "{:.1f}"),
        ("fit 1 epoch on arrays (s)", "fit_arrays_s", "{:.2f}"),
        ("fit 1 epoch on Dataset, no map (s)", "fit_dataset_plain_s", "{:.2f}"),
        ("fit 1 epoch on Dataset, augment (s)", "fit_dataset_augment_s", "{:.2f}"),
        ("ratio Dataset/arrays, no map", "ratio_plain", "{:.2f}"),
        ("ratio Dataset/arrays, augment", "ratio_augment", "{:.2f}"))


def table(results):
    """The figures as a plain-text table, one column per framework."""
    names = [r["framework"] for r in results]
    w = max(len(r[0]) for r in ROWS)
    lines = [f"{'':{w}}  " + "  ".join(f"{nm:>12}" for nm in names)]
    for label, key, fmt in ROWS:
        if not any(key in r for r in results):
            continue
        cells = [(fmt.format(r[key]) if key in r else "-") for r in results]
        lines.append(f"{label:{w}}  " + "  ".join(f"{c:>12}" for c in cells))
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--framework", choices=("tessera", "tensorflow"), default="tessera")
    p.add_argument("--n", type=int, default=60000, help="number of images")
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--no-fit", action="store_true", help="measure only the pipeline")
    p.add_argument("--peer-python", action="append", default=[],
                   help="an interpreter with TensorFlow, to run tf.data beside Tessera")
    p.add_argument("--json", help="write the figures to this file")
    p.add_argument("--result-line", action="store_true", help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.framework == "tessera" and ROOT not in sys.path:
        sys.path.insert(0, ROOT)
    res = run(a.framework, a.n, a.batch_size, a.repeats, fit=not a.no_fit)
    if a.result_line:
        print("RESULT " + json.dumps(res))
        return 0
    results = [res]
    for py in a.peer_python:
        peer = run_peer(py, a.n, a.batch_size, a.repeats, not a.no_fit)
        if peer is not None:
            results.append(peer)
    print(f"Input pipeline: {a.n} x 28x28 float32 images, batch {a.batch_size}, "
          f"median of {a.repeats}")
    print(table(results))
    if "ratio_plain" in res:
        ok = res["ratio_plain"] <= 1.10
        print(f"target (Tessera fit on Dataset, no map, <= 1.10 x arrays): "
              f"{'met' if ok else 'NOT met'} ({res['ratio_plain']:.2f})")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())

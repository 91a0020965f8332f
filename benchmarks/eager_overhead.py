"""W5: eager per-op overhead, tape-step cost and import time, beside NumPy and installed peers.

Run: `python -m benchmarks.eager_overhead` (add `--json FILE` to save the figures).
Follows ../shared/bench/workloads.md, W5: median of 5 repeats of a Python loop
(10,000 iterations for the add, 2,000 for the gradient) after 10 warm-up calls.
PyTorch and TensorFlow are measured when installed (in this interpreter or one given
with `--peer-python`), in the same run; each framework runs in a fresh interpreter.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

N_OPS, N_GRAD, REPEATS, WARMUP = 10_000, 2_000, 5, 10


def _median_us(fn, n):
    for _ in range(WARMUP):
        fn()
    times = []
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        times.append((time.perf_counter() - t0) / n * 1e6)
    return statistics.median(times)


def bench_numpy():
    a = np.ones(10, np.float32)
    b = np.ones(10, np.float32)
    return {"a + b": _median_us(lambda: a + b, N_OPS),
            "add()": _median_us(lambda: np.add(a, b), N_OPS)}


def bench_tessera():
    import tessera as ts
    a = ts.constant(np.ones(10, np.float32))
    b = ts.constant(np.ones(10, np.float32))
    out = {"a + b": _median_us(lambda: a + b, N_OPS),
           "add()": _median_us(lambda: ts.add(a, b), N_OPS)}
    with ts.GradientTape() as tape:
        tape.watch(a)
        out["a + b (recording tape)"] = _median_us(lambda: a + b, N_OPS)
    v = ts.Variable(3.0)

    def step_var():
        with ts.GradientTape() as t:
            y = v * v
        return t.gradient(y, v)

    c = ts.constant(3.0)

    def step_const():
        with ts.GradientTape() as t:
            t.watch(c)
            y = c * c
        return t.gradient(y, c)

    out["tape step d(x*x)/dx, Variable"] = _median_us(step_var, N_GRAD)
    out["tape step d(x*x)/dx, watched constant"] = _median_us(step_const, N_GRAD)
    return out


def bench_torch():
    import torch
    torch.set_num_threads(2)
    a = torch.ones(10)
    b = torch.ones(10)
    out = {"a + b": _median_us(lambda: a + b, N_OPS),
           "add()": _median_us(lambda: torch.add(a, b), N_OPS)}
    x = torch.tensor(3.0, requires_grad=True)

    def step():
        y = x * x
        return torch.autograd.grad(y, x)

    out["tape step d(x*x)/dx, Variable"] = _median_us(step, N_GRAD)
    return out


def bench_tensorflow():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf
    a = tf.ones(10)
    b = tf.ones(10)
    out = {"a + b": _median_us(lambda: a + b, N_OPS),
           "add()": _median_us(lambda: tf.add(a, b), N_OPS)}
    v = tf.Variable(3.0)

    def step():
        with tf.GradientTape() as t:
            y = v * v
        return t.gradient(y, v)

    out["tape step d(x*x)/dx, Variable"] = _median_us(step, N_GRAD)
    c = tf.constant(3.0)

    def step_const():
        with tf.GradientTape() as t:
            t.watch(c)
            y = c * c
        return t.gradient(y, c)

    out["tape step d(x*x)/dx, watched constant"] = _median_us(step_const, N_GRAD)
    return out


def import_time(module, repeats=5, python=None):
    """Median wall time of `import module` in a fresh interpreter (seconds)."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    code = ("import time, sys; t = time.perf_counter(); import {m}; "
            "sys.stdout.write(str(time.perf_counter() - t))").format(m=module)
    env = dict(os.environ, PYTHONPATH=root + os.pathsep + os.environ.get("PYTHONPATH", ""),
               TF_CPP_MIN_LOG_LEVEL="3")
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # measure as installed: with .pyc files
    subprocess.run([python or sys.executable, "-c", f"import {module}"], capture_output=True, env=env)
    vals = []
    for _ in range(repeats):
        r = subprocess.run([python or sys.executable, "-c", code], capture_output=True,
                           text=True, env=env)
        if r.returncode != 0:
            return None
        vals.append(float(r.stdout.strip().splitlines()[-1]))
    return statistics.median(vals)


BENCHES = {"numpy": bench_numpy, "tessera": bench_tessera, "torch": bench_torch,
           "tensorflow": bench_tensorflow}


def _interpreter_for(module, candidates):
    """The first interpreter among `candidates` that can import `module`, or None."""
    for py in candidates:
        r = subprocess.run([py, "-c", f"import {module}"], capture_output=True,
                           env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))
        if r.returncode == 0:
            return py
    return None


def _run_worker(py, name):
    """Runs one framework's measurements in a fresh interpreter and returns its dict."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, PYTHONPATH=root + os.pathsep + os.environ.get("PYTHONPATH", ""),
               TF_CPP_MIN_LOG_LEVEL="3")
    r = subprocess.run([py, "-m", "benchmarks.eager_overhead", "--worker", name],
                       capture_output=True, text=True, env=env, cwd=root)
    if r.returncode != 0:
        print(f"[{name}] failed:\n{r.stderr[-2000:]}", file=sys.stderr)
        return None
    return json.loads(r.stdout.strip().splitlines()[-1])


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--json", help="write the results to this file")
    p.add_argument("--peer-python", action="append", default=[],
                   help="another interpreter (e.g. a virtual environment with torch or "
                        "tensorflow) to measure peers in; may be repeated")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        print(json.dumps(BENCHES[args.worker]()))
        return 0
    candidates = [sys.executable] + args.peer_python
    results, imports = {}, {}
    for name in ("numpy", "tessera", "torch", "tensorflow"):
        py = sys.executable if name in ("numpy", "tessera") else _interpreter_for(name, candidates)
        if py is None:
            continue
        res = _run_worker(py, name)
        if res is not None:
            results[name] = res
            imports[name] = import_time(name, repeats=5 if name in ("numpy", "tessera") else 3,
                                        python=py)
    rows = sorted({k for r in results.values() for k in r}, key=lambda k: (k.startswith("tape"), k))
    fws = list(results)
    print("W5 eager overhead, microseconds per call (median of 5)")
    print(f"{'':42s}" + "".join(f"{f:>12s}" for f in fws))
    for row in rows:
        print(f"{row:42s}" + "".join(
            f"{results[f][row]:12.2f}" if row in results[f] else f"{'-':>12s}" for f in fws))
    base = results["numpy"]["a + b"]
    t = results["tessera"]
    print(f"\nTessera overhead over NumPy for a + b: {t['a + b'] - base:.2f} us per op")
    step = "tape step d(x*x)/dx, Variable"
    for peer in ("torch", "tensorflow"):
        if peer in results:
            print(f"Tessera / {peer} time: a + b {t['a + b'] / results[peer]['a + b']:.2f}x, "
                  f"tape step {t[step] / results[peer][step]:.2f}x")
    print("\nimport time, seconds (median, fresh interpreter)")
    for k, v in imports.items():
        print(f"  {k:12s} {v:.3f}" if v is not None else f"  {k:12s} failed")
    if imports.get("tessera") is not None and imports.get("numpy") is not None:
        print(f"  tessera adds {imports['tessera'] - imports['numpy']:.3f} s to numpy's import")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"ops_us": results, "import_s": imports}, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Tessera beside TensorFlow, PyTorch and Keras-on-JAX on the reference workloads W1-W5.

Run: `python -m benchmarks.compare [--only W1,W2] [--rounds N] [--peer-python PY ...]
[--peers torch,tensorflow,keras_jax] [--json FILE]`.

Every measurement runs in a fresh process, one after the other (never two at once):
per round and per workload, Tessera (`benchmarks/workloads.py`, W5 via
`eager_overhead.py`) and then each installed peer (its script in
../shared/bench/peers, run in whichever interpreter imports it: this one or one given
with `--peer-python`). The table gives the median over rounds of training and inference
samples/s, achieved GFLOP/s (FLOP counts of the workloads spec), the peak resident memory
of the process that ran the workload (`ru_maxrss`), and Tessera/peer ratios (above 1:
Tessera is faster). W5 is reported in microseconds per call. See docs/benchmarks.md.
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading

import numpy as np

from . import peers, workloads

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ALL = ("W1", "W2", "W3", "W4", "W5")
# Peer-only variants that are not in the peers' default plan (workload, peer).
EXTRAS = {"W1ctl": ("W1", "tensorflow"), "W1ctl_xla": ("W1", "tensorflow"),
          "W1fit_xla": ("W1", "tensorflow"), "W1compile": ("W1", "torch")}
PEER_MODULES = {name: module for name, (_, module) in peers.SCRIPTS.items()}


def run_process(cmd, env=None, cwd=None, timeout=3600):
    """Runs `cmd`; returns (returncode, stdout, stderr, peak RSS of that process in MiB).

    The peak is the child's own `ru_maxrss` (from `os.wait4`), the same figure the
    process would read with `resource.getrusage(RUSAGE_SELF)` at its end.
    """
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, cwd=cwd, text=True)
        killer = threading.Timer(timeout, proc.kill)
        killer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            killer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        rss = usage.ru_maxrss / (2**20 if sys.platform == "darwin" else 2**10)
        return proc.returncode, out.read(), err.read(), rss


def parse_results(stdout):
    """The dicts of the `RESULT {json}` lines in a script's output."""
    return [json.loads(line[len("RESULT "):]) for line in stdout.splitlines()
            if line.startswith("RESULT ")]


def _env(**extra):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""),
               TF_CPP_MIN_LOG_LEVEL="3")
    env.update(extra)
    return env


def run_tessera(workload, scale=1.0, python=None):
    """Runs Tessera's `workload` in a fresh interpreter; returns its result dicts."""
    py = python or sys.executable
    if workload == "W5":
        rows = []
        for fw in ("tessera", "numpy"):
            rc, out, err, rss = run_process([py, "-m", "benchmarks.eager_overhead", "--worker", fw],
                                            env=_env(), cwd=ROOT)
            if rc != 0:
                rows.append(dict(workload="W5", framework=fw, variant="eager overhead",
                                 error=f"failed (exit {rc}): {err.strip()[-300:]}"))
                continue
            for label, us in json.loads(out.strip().splitlines()[-1]).items():
                rows.append(dict(workload="W5", framework=fw, variant=label,
                                 us_per_op=round(us, 3), peak_rss_mb=round(rss, 1)))
        return rows
    rc, out, err, rss = run_process([py, "-m", "benchmarks.workloads", "--worker", workload,
                                     "--scale", repr(scale)], env=_env(), cwd=ROOT)
    res = parse_results(out)
    if not res:
        res = [dict(workload=workload, variant=workloads.VARIANT,
                    error=f"failed (exit {rc}): {err.strip()[-300:]}")]
    for r in res:
        r["framework"] = "tessera"
        r.setdefault("peak_rss_mb", round(rss, 1))
    return res


def run_peer(peer, names, python, peers_dir=None, timeout=3600):
    """Runs peer script `peer` for the variants `names` (e.g. ["W1", "W1ctl"]) in `python`.

    Returns its result dicts, each with `framework` and the process's `peak_rss_mb`.
    """
    script = os.path.join(peers_dir or peers.PEERS_DIR, peers.SCRIPTS[peer][0])
    extra = {"KERAS_BACKEND": "jax"} if peer == "keras_jax" else {}
    rc, out, err, rss = run_process([python, script, "--only", ",".join(names)],
                                    env=_env(**extra), cwd=os.path.dirname(script),
                                    timeout=timeout)
    res = parse_results(out)
    if rc != 0 and not res:
        res = [dict(workload=names[0][:2], variant="", error=f"failed (exit {rc}): "
                    + (err.strip().splitlines() or [""])[-1][-300:])]
    for r in res:
        r["framework"] = peer
        r["peak_rss_mb"] = round(rss, 1)
    return res


def _plan(only):
    """(workloads, {workload: {peer: [peer variant names]}}) for `--only`."""
    tokens = [t.strip() for t in only.split(",") if t.strip()]
    bad = [t for t in tokens if t not in ALL and t not in EXTRAS]
    if bad:
        raise SystemExit(f"compare: unknown workload(s) {', '.join(bad)} in --only; expected "
                         f"some of {', '.join(ALL + tuple(EXTRAS))}")
    wls = sorted({t if t in ALL else EXTRAS[t][0] for t in tokens})
    extras = {wl: {} for wl in wls}
    for t in tokens:
        if t in EXTRAS:
            extras[EXTRAS[t][0]].setdefault(EXTRAS[t][1], []).append(t)
    return wls, extras


def _median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def summarize(records):
    """Median over rounds per (workload, framework, variant)."""
    groups = {}
    for r in records:
        groups.setdefault((r["workload"], r["framework"], r.get("variant", "")), []).append(r)
    rows = []
    for (wl, fw, var), rs in groups.items():
        row = dict(workload=wl, framework=fw, variant=var, rounds=len(rs))
        for k in ("train_sps", "train_gflops", "infer_sps", "infer_gflops", "peak_rss_mb",
                  "us_per_op"):
            m = _median([r.get(k) for r in rs])
            if m is not None:
                row[k] = m
        errors = [r["error"] for r in rs if "error" in r]
        if errors and "train_sps" not in row and "us_per_op" not in row:
            row["error"] = errors[0]
        rows.append(row)
    return rows


def _fmt(v, spec):
    """`v` formatted with `spec` (e.g. "10.0f"), or a right-aligned "-" of the same width."""
    return format(v, spec) if v is not None else "-".rjust(int(spec.split(".")[0]))


def _w5_kind(label):
    s = label.replace(" ", "")
    if "recording" in s:
        return None
    if "grad" in s or "tape" in s.lower() or "backward" in s:
        return "tape step d(x*x)/dx, Variable"
    if "add(" in s:
        return "add()"
    if "a+b" in s:
        return "a + b"
    return None


def print_table(rows, file=None):
    """Prints the summary rows: W1-W4 in samples/s with ratios, then W5 in microseconds."""
    file = file or sys.stdout
    w14 = [r for r in rows if r["workload"] != "W5"]
    if w14:
        print(f"{'workload':9s}{'framework / variant':52s}{'train/s':>10s}{'GFLOP/s':>9s}"
              f"{'infer/s':>10s}{'peak MB':>9s}{'T/peer train':>14s}{'T/peer infer':>14s}",
              file=file)
    for wl in sorted({r["workload"] for r in w14}):
        group = [r for r in w14 if r["workload"] == wl]
        tess = next((r for r in group if r["framework"] == "tessera"), {})
        for r in sorted(group, key=lambda r: r["framework"] != "tessera"):
            name = f"{r['framework']}: {r['variant'].replace('tessera ', '')}"[:51]
            if "error" in r:
                print(f"{wl:9s}{name:52s}{r['error'][:110]}", file=file)
                continue
            ratios = ""
            if r is not tess:
                for k in ("train_sps", "infer_sps"):
                    a, b = tess.get(k), r.get(k)
                    ratios += f"{a / b:13.2f}x" if a and b else f"{'-':>14s}"
            print(f"{wl:9s}{name:52s}{_fmt(r.get('train_sps'), '10.0f')}"
                  f"{_fmt(r.get('train_gflops'), '9.1f')}{_fmt(r.get('infer_sps'), '10.0f')}"
                  f"{_fmt(r.get('peak_rss_mb'), '9.0f')}{ratios}", file=file)
    w5 = [r for r in rows if r["workload"] == "W5"]
    if w5:
        if w14:
            print(file=file)
        print("W5 eager overhead, microseconds per call (median of 5 loops); "
              "peer/T: the peer's time over Tessera's (above 1: Tessera is faster)", file=file)
        tess = {r["variant"]: r.get("us_per_op") for r in w5 if r["framework"] == "tessera"}
        for r in sorted(w5, key=lambda r: (r["framework"] != "tessera", r["framework"] != "numpy")):
            name = f"{r['framework']}: {r['variant']}"[:63]
            if "error" in r:
                print(f"{name:64s}{r['error'][:100]}", file=file)
                continue
            ratio = ""
            ref = tess.get(_w5_kind(r["variant"]) or "")
            if r["framework"] != "tessera" and ref and r.get("us_per_op"):
                ratio = f"{r['us_per_op'] / ref:12.2f}x"
            print(f"{name:64s}{r['us_per_op']:10.2f}{ratio}", file=file)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--only", default=",".join(ALL),
                   help="comma-separated workloads (W1..W5), plus peer-only variants "
                        f"({', '.join(EXTRAS)})")
    p.add_argument("--rounds", type=int, default=1, help="alternating rounds (median reported)")
    p.add_argument("--peer-python", action="append", nargs="+", default=[], metavar="PY",
                   help="interpreters (e.g. virtual environments) to look for peers in")
    p.add_argument("--peers", default="torch,tensorflow,keras_jax",
                   help="peers to run, comma-separated ('' for Tessera alone)")
    p.add_argument("--json", help="write every measurement and the summary to this file")
    p.add_argument("--scale", type=float, default=1.0,
                   help="shrink Tessera's sample/step counts (smoke tests only: the timings "
                        "are then not comparable with the peers')")
    args = p.parse_args(argv)
    wls, extras = _plan(args.only)
    candidates = [sys.executable] + [py for group in args.peer_python for py in group]
    pythons, notes = {}, []
    for peer in [s for s in args.peers.split(",") if s]:
        if peer not in peers.SCRIPTS:
            raise SystemExit(f"compare: unknown peer {peer!r}; expected some of "
                             f"{', '.join(peers.SCRIPTS)}")
        if not os.path.exists(os.path.join(peers.PEERS_DIR, peers.SCRIPTS[peer][0])):
            notes.append(f"{peer}: skipped, its script is not in {peers.PEERS_DIR}")
            continue
        py = peers.find_python(PEER_MODULES[peer], candidates)
        if py is None:
            notes.append(f"{peer}: not installed in any interpreter given (see --peer-python)")
        else:
            pythons[peer] = py
    records = []
    for rnd in range(args.rounds):
        for wl in wls:
            batch = run_tessera(wl, args.scale)
            for peer, py in pythons.items():
                batch += run_peer(peer, [wl] + extras[wl].get(peer, []), py)
            for r in batch:
                r["round"] = rnd
            records += batch
    rows = summarize(records)
    print(f"Reference workloads ({', '.join(wls)}), median of {args.rounds} round(s); "
          f"{os.cpu_count()} cores, Python {platform.python_version()}, NumPy {np.__version__}"
          + (f"; Tessera scaled by {args.scale} (not comparable)" if args.scale != 1 else ""))
    for n in notes:
        print("  " + n)
    print_table(rows)
    if args.json:
        meta = dict(python=platform.python_version(), numpy=np.__version__, nproc=os.cpu_count(),
                    machine=platform.machine(), rounds=args.rounds, scale=args.scale,
                    peers=pythons, notes=notes)
        with open(args.json, "w") as f:
            json.dump(dict(meta=meta, results=records, summary=rows), f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())

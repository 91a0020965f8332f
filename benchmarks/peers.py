"""Running the peers' reference scripts (../shared/bench/peers) and reading their results.

Each peer script prints `RESULT {json}` lines; a peer runs in whichever interpreter can
import it (this one, or one passed with `--peer-python`, e.g. a virtual environment).
"""
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PEERS_DIR = os.path.join(ROOT, "..", "shared", "bench", "peers")
SCRIPTS = {"torch": ("bench_torch.py", "torch"), "tensorflow": ("bench_tf_keras.py", "tensorflow"),
           "keras_jax": ("bench_keras_jax.py", "jax")}


def find_python(module, candidates):
    """The first interpreter among `candidates` that imports `module`, or None."""
    for py in candidates:
        r = subprocess.run([py, "-c", f"import {module}"], capture_output=True,
                           env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))
        if r.returncode == 0:
            return py
    return None


def run_peer(peer, only, candidates, timeout=3000):
    """Runs one peer's script for the workloads in `only`; returns its RESULT dicts."""
    script, module = SCRIPTS[peer]
    path = os.path.join(PEERS_DIR, script)
    if not os.path.exists(path):
        return []
    py = find_python(module, candidates)
    if py is None:
        return []
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    if peer == "keras_jax":
        env["KERAS_BACKEND"] = "jax"
    r = subprocess.run([py, path, "--only", ",".join(only)], capture_output=True, text=True,
                       env=env, timeout=timeout, cwd=PEERS_DIR)
    out = []
    for line in r.stdout.splitlines():
        if line.startswith("RESULT "):
            res = json.loads(line[len("RESULT "):])
            res["peer"] = peer
            out.append(res)
    if r.returncode != 0 and not out:
        print(f"[{peer}] failed:\n{r.stderr[-1500:]}", file=sys.stderr)
    return out

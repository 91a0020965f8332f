"""W1: the MNIST-sized MLP trained with `fit` (../shared/bench/workloads.md), beside peers.

Run: `python -m benchmarks.w1_mlp [--peer-python PY ...] [--rounds N] [--json FILE]`,
the same as `python -m benchmarks.compare --only W1 ...`: Tessera (benchmarks/workloads.py)
and each installed peer alternate, each in a fresh process, for N rounds; the table gives
medians and Tessera/peer ratios (higher is better for Tessera).
"""
import sys

from . import compare, workloads


def run_tessera(scale=1.0):
    """Tessera's W1 in this process; returns its result dict (train_sps, infer_sps, ...)."""
    return workloads.run("W1", scale)


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if any(a == "--only" or a.startswith("--only=") for a in argv):
        raise SystemExit("w1_mlp: runs W1 only; use `python -m benchmarks.compare --only ...`")
    return compare.main(["--only", "W1"] + argv)


if __name__ == "__main__":
    sys.exit(main())

"""Smoke tests of the benchmark suite (benchmarks/): tiny workloads, no timing assertions."""
import importlib.util
import json
import math
import os
import sys
import textwrap

import numpy as np
import pytest

from benchmarks import compare, w1_mlp, workloads
from tests.conftest import ROOT

PEERS_COMMON = os.path.join(ROOT, "..", "shared", "bench", "peers", "common.py")
SCALES = {"W1": 0.005, "W2": 0.01, "W3": 0.01, "W4": 0.01}
KEYS = ("workload", "variant", "train_sps", "train_gflops", "infer_sps", "infer_gflops",
        "cpu_util")


@pytest.mark.skipif(not os.path.exists(PEERS_COMMON), reason="../shared/bench/peers is absent")
def test_spec_and_data_match_the_peers_common_module():
    spec = importlib.util.spec_from_file_location("peers_common", PEERS_COMMON)
    common = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(common)
    assert workloads.FLOPS == common.FLOPS
    for name in ("W1", "W2", "W3", "W4"):
        ours, theirs = getattr(workloads, name), getattr(common, name)
        assert {k: ours[k] for k in theirs} == theirs, name
        assert set(ours) - set(theirs) <= {"infer_batch"}   # W3/W4: keras_common's 256
        a = getattr(workloads, "data_" + name.lower())()
        b = getattr(common, "data_" + name.lower())()
        for u, v in zip(a, b):
            assert u.dtype == v.dtype and np.array_equal(u, v), name


@pytest.mark.parametrize("name", ["W1", "W2", "W3", "W4"])
def test_workload_runs_tiny(name):
    try:
        r = workloads.run(name, scale=SCALES[name])
    except workloads.NotAvailable as e:
        assert "not available" in str(e) and "keras.layers." in str(e)
        pytest.skip(str(e))
    assert set(KEYS) <= set(r)
    assert r["workload"] == name and r["variant"] == workloads.VARIANT
    for k in ("train_sps", "train_gflops", "infer_sps", "infer_gflops"):
        assert r[k] > 0 and math.isfinite(r[k]), k


def test_missing_layer_is_reported_as_not_available(monkeypatch, capsys):
    with pytest.raises(workloads.NotAvailable, match=r"keras\.layers\.NoSuchLayer"):
        workloads._layers("Dense", "NoSuchLayer")

    def missing(scale):
        workloads._layers("NoSuchLayer")

    monkeypatch.setitem(workloads.RUNS, "W2", missing)
    r = workloads.worker("W2")
    assert r["error"].startswith("not available") and r["peak_rss_mb"] > 0
    assert json.loads(capsys.readouterr().out.split("RESULT ", 1)[1]) == r
    rows = compare.summarize([dict(r, framework="tessera")])
    compare.print_table(rows)
    assert "not available: Tessera has no keras.layers.NoSuchLayer" in capsys.readouterr().out


def test_fresh_process_reports_peak_memory():
    (r,) = compare.run_tessera("W1", scale=SCALES["W1"])
    assert r["framework"] == "tessera" and r["peak_rss_mb"] > 10
    assert r["train_sps"] > 0 and r["infer_sps"] > 0


FAKE_PEER = textwrap.dedent("""
    import json, sys
    import numpy as np
    block = np.ones(64 * 2**20 // 8)          # touch 64 MiB: the peak must show it
    only = sys.argv[sys.argv.index("--only") + 1].split(",")
    for w in only:
        if w == "W5":
            for v, us in (("fake a+b (10,)", 1.0), ("fake autograd.grad d(x*x)/dx", 20.0)):
                print("RESULT " + json.dumps(dict(workload="W5", variant=v, us_per_op=us)))
        else:
            print("RESULT " + json.dumps(dict(workload=w[:2], variant="fake loop", train_sps=100.0,
                                              train_gflops=0.1, infer_sps=1000.0,
                                              infer_gflops=1.0, argv=only)))
""")


@pytest.fixture
def fake_peers(tmp_path, monkeypatch):
    (tmp_path / "bench_torch.py").write_text(FAKE_PEER)
    (tmp_path / "bench_tf_keras.py").write_text("raise SystemExit('never run')\n")
    monkeypatch.setattr(compare.peers, "PEERS_DIR", str(tmp_path))
    monkeypatch.setattr(compare.peers, "find_python",
                        lambda module, candidates: sys.executable if module == "torch" else None)
    return tmp_path


def test_run_peer_reads_results_and_peak_memory(fake_peers):
    res = compare.run_peer("torch", ["W1", "W1compile"], sys.executable)
    assert [r["workload"] for r in res] == ["W1", "W1"]
    assert res[0]["argv"] == ["W1", "W1compile"] and res[0]["framework"] == "torch"
    assert res[0]["peak_rss_mb"] >= 64


def test_compare_table_with_a_peer(fake_peers, tmp_path, capsys):
    out_json = tmp_path / "out.json"
    assert compare.main(["--only", "W1,W5", "--scale", str(SCALES["W1"]), "--peers",
                         "torch,tensorflow,keras_jax", "--json", str(out_json)]) == 0
    out = capsys.readouterr().out
    assert "tessera: keras.fit" in out and "torch: fake loop" in out
    assert "tensorflow: not installed" in out and "keras_jax: skipped" in out
    assert "W5 eager overhead" in out and "tessera: a + b" in out and "numpy: a + b" in out
    data = json.loads(out_json.read_text())
    rows = {(r["workload"], r["framework"]): r for r in data["summary"]}
    assert rows[("W1", "tessera")]["peak_rss_mb"] > 0 and rows[("W1", "torch")]["train_sps"] == 100
    ratio = rows[("W1", "tessera")]["train_sps"] / 100
    assert f"{ratio:13.2f}x" in out
    assert {r["framework"] for r in data["results"] if r["workload"] == "W5"} == {
        "tessera", "numpy", "torch"}


def test_compare_rejects_unknown_workloads():
    with pytest.raises(SystemExit, match="unknown workload.*W9"):
        compare.main(["--only", "W1,W9"])


def test_w1_mlp_command_still_works(capsys):
    assert w1_mlp.main(["--scale", str(SCALES["W1"]), "--peers", ""]) == 0
    assert "tessera: keras.fit" in capsys.readouterr().out

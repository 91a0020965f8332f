"""Exact resumption: a run SIGKILLed mid-training and re-run with BackupAndRestore ends with
bit-identical weights and optimizer state to an uninterrupted run."""
import os
import subprocess
import sys

import numpy as np
import pytest

SCRIPT = os.path.join(os.path.dirname(__file__), "resume_script.py")


def _run(backup_dir, out, kill_at, save_freq):
    return subprocess.run([sys.executable, SCRIPT, str(backup_dir), str(out), str(kill_at),
                           str(save_freq)], capture_output=True, text=True, timeout=300)


def _load(path):
    with np.load(path) as f:
        arrays = [f[k] for k in sorted(f.files, key=lambda k: int(k.split("_")[1]))]
    return int(arrays[0]), arrays[1:]


@pytest.mark.parametrize("save_freq,kill_at,expected_rerun_steps", [
    (1, 5, 7),          # killed mid-epoch (epoch 2, batch 2 of 3): resume at batch 3
    ("epoch", 7, 6),    # killed after the first batch of epoch 3: redo epoch 3 and 4
    (2, 11, 2),         # backup every 2 batches: last backup after step 10
])
def test_killed_run_resumes_bit_for_bit(tmp_path, save_freq, kill_at, expected_rerun_steps):
    full = _run(tmp_path / "full_backup", tmp_path / "full.npz", -1, save_freq)
    assert full.returncode == 0, full.stderr
    full_steps, full_arrays = _load(tmp_path / "full.npz")
    assert full_steps == 12
    assert not os.listdir(tmp_path / "full_backup")  # deleted when training completed

    killed = _run(tmp_path / "backup", tmp_path / "part.npz", kill_at, save_freq)
    assert killed.returncode == -9, (killed.returncode, killed.stderr)  # really SIGKILLed
    assert not (tmp_path / "part.npz").exists()
    assert os.listdir(tmp_path / "backup") == ["latest.checkpoint.h5"]

    resumed = _run(tmp_path / "backup", tmp_path / "part.npz", -1, save_freq)
    assert resumed.returncode == 0, resumed.stderr
    steps, arrays = _load(tmp_path / "part.npz")
    assert steps == expected_rerun_steps  # it resumed instead of starting over
    assert len(arrays) == len(full_arrays) == 14  # 4 weights + iteration, lr, 2x4 Adam slots
    for a, b in zip(arrays, full_arrays):
        assert a.dtype == b.dtype and np.array_equal(a, b)
    assert int(arrays[4]) == 12  # optimizer iterations


def test_restart_without_backup_differs_from_resumed(tmp_path):
    """Control: the first 5 steps alone do not give the final weights (the test can fail)."""
    killed = _run(tmp_path / "b", tmp_path / "p.npz", 5, 1)
    assert killed.returncode == -9
    full = _run(tmp_path / "f", tmp_path / "f.npz", -1, 1)
    _, full_arrays = _load(tmp_path / "f.npz")
    import h5py
    with h5py.File(tmp_path / "b" / "latest.checkpoint.h5") as f:
        kernel = f["model/layers/dense/vars/0"][()]
        iters = f["model/optimizer/vars/0"][()]
    assert int(iters) == 5
    assert not np.array_equal(kernel, full_arrays[0])

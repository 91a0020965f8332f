"""Runs each example in examples/ with tiny settings: it must finish and print an accuracy."""
import os
import re
import subprocess
import sys

import pytest

from tests.conftest import ROOT

EXAMPLES = {
    "mnist_convnet.py": (["--epochs", "1", "--train-samples", "512"],
                         ("Conv2D", "MaxPooling2D")),
    "lstm_text_classifier.py": (["--epochs", "1", "--samples", "256"], ("LSTM",)),
    "transformer_text_classifier.py": (["--epochs", "1", "--samples", "256"],
                                       ("MultiHeadAttention", "LayerNormalization",
                                        "GlobalAveragePooling1D")),
}


def _missing(names):
    from tessera import keras
    return [n for n in names if not hasattr(keras.layers, n)]


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_example_runs_and_prints_accuracy(name, tmp_path):
    args, needs = EXAMPLES[name]
    missing = _missing(needs)
    if missing:
        pytest.skip(f"tessera has no keras.layers.{', keras.layers.'.join(missing)} yet")
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    r = subprocess.run([sys.executable, os.path.join(ROOT, "examples", name)] + args,
                       capture_output=True, text=True, cwd=tmp_path, env=env, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    m = re.search(r"Test accuracy: (\d+\.\d+)", r.stdout)
    assert m, r.stdout[-2000:]
    assert 0.0 <= float(m.group(1)) <= 1.0


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_example_has_epochs_option(name):
    r = subprocess.run([sys.executable, os.path.join(ROOT, "examples", name), "--help"],
                       capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.returncode == 0 and "--epochs" in r.stdout

import gzip
import os
import subprocess
import sys

import numpy as np
import pytest

from tessera.resources import load_mnist_sample, MNIST_DIR
from tests.conftest import MNIST_DIR as SHARED_MNIST, ROOT


def test_shipped_mnist_sample():
    x, y = load_mnist_sample()
    assert x.shape == (10000, 28, 28) and x.dtype == np.uint8
    assert y.tolist()[:10] == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert os.path.exists(os.path.join(MNIST_DIR, "NOTICE"))


@pytest.mark.skipif(not os.path.isdir(SHARED_MNIST), reason="../shared/data/mnist is absent")
def test_shipped_sample_equals_shared_copy():
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        with gzip.open(os.path.join(SHARED_MNIST, name)) as a, \
                gzip.open(os.path.join(MNIST_DIR, name)) as b:
            assert a.read() == b.read()


def test_missing_sample_error_says_what_to_do(tmp_path):
    with pytest.raises(FileNotFoundError, match="reinstall tessera"):
        load_mnist_sample(str(tmp_path))


def test_raw_demo_reaches_92_percent_with_fixed_seed():
    from tessera import demo
    acc = demo.train(epochs=5, seed=0, verbose=False)
    assert acc >= 0.92
    assert demo.train(epochs=1, seed=3, verbose=False) == demo.train(epochs=1, seed=3, verbose=False)


def test_tessera_demo_command_prints_accuracy():
    r = subprocess.run([sys.executable, "-m", "tessera", "demo", "--epochs", "2"],
                       capture_output=True, text=True, cwd=ROOT, timeout=120,
                       env=dict(os.environ, PYTHONPATH=ROOT))
    assert r.returncode == 0, r.stderr
    assert "test accuracy:" in r.stdout and "Epoch 2/2" in r.stdout
    assert "Total params: 34,826" in r.stdout and "Conv2D" in r.stdout  # the convnet summary
    acc = float(r.stdout.split("test accuracy:")[1].split()[0])
    assert acc > 0.9


def test_keras_mlp_demo_reaches_95_percent_with_fixed_seed():
    from tessera import demo
    assert demo.train_keras(epochs=8, seed=0, verbose=0) >= 0.95


def test_convnet_demo_reaches_97_percent_with_fixed_seed():
    from tessera import demo
    assert demo.train_convnet(epochs=4, seed=0, verbose=0) >= 0.97

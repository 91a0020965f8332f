import os
import sys

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

MNIST_DIR = os.path.join(ROOT, "..", "shared", "data", "mnist")


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture
def kernels():
    """Switches Tessera's compiled kernels on/off (`kernels(True)`); restores the setting
    afterwards."""
    from tessera.backend import native
    before = native.enabled()
    yield native.set_enabled
    native.set_enabled(before)


try:  # hypothesis runs the same examples every time, so CI is reproducible
    from hypothesis import settings

    settings.register_profile("tessera", derandomize=True, deadline=None)
    settings.load_profile("tessera")
except ImportError:
    pass

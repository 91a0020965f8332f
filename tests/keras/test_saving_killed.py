"""A process killed while saving never leaves a broken file where a good one was."""
import os
import signal
import subprocess
import sys
import time

import numpy as np

from tessera import keras

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

SAVER = """
import sys
import numpy as np
from tessera import keras
path = sys.argv[1]
model = keras.Sequential([keras.Input((512,)), keras.layers.Dense(2048), keras.layers.Dense(2048)])
print("ready", flush=True)
i = 0
while True:  # keep overwriting the file until killed
    for v in model.weights:
        v.assign(np.full(v.shape, float(i), "float32"))
    model.save(path)
    i += 1
"""


def test_killed_while_saving_leaves_a_loadable_file(tmp_path):
    path = str(tmp_path / "m.keras")
    good = keras.Sequential([keras.Input((512,)), keras.layers.Dense(2048), keras.layers.Dense(2048)])
    good.save(path)
    script = tmp_path / "saver.py"
    script.write_text(SAVER)
    env = dict(os.environ, PYTHONPATH=ROOT)
    for delay in (0.3, 0.7, 1.1):
        proc = subprocess.Popen([sys.executable, str(script), path], stdout=subprocess.PIPE,
                                env=env, cwd=str(tmp_path))
        assert proc.stdout.readline().strip() == b"ready"
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        assert proc.returncode == -signal.SIGKILL
        loaded = keras.models.load_model(path)  # the previous or the new file, whole
        w = loaded.get_weights()
        assert len(w) == 4 and w[0].shape == (512, 2048)
        values = {float(a.flat[0]) for a in w}
        assert len(values) == 1 or good.get_weights()[0].flat[0] == w[0].flat[0]
    # a killed writer may leave its hidden temporary file behind, never a visible partial one
    visible = sorted(n for n in os.listdir(tmp_path) if not n.startswith("."))
    assert visible == ["m.keras", "saver.py"]

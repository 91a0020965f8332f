"""Optional: files are interchangeable with the real Keras 3, in both directions.

Runs when Keras 3 is importable, either in this interpreter or in the one named by the
environment variable `TESSERA_KERAS_PYTHON` (e.g. a virtual environment with `pip install
keras`); Keras runs with its NumPy backend (`KERAS_BACKEND=numpy`), in a subprocess. Skips
otherwise: CI does not install Keras.
"""
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from tessera import keras


def _keras_python():
    for py in (os.environ.get("TESSERA_KERAS_PYTHON"), sys.executable):
        if not py:
            continue
        probe = subprocess.run([py, "-c", "import keras; assert keras.__version__[0] == '3'"],
                               capture_output=True, env={**os.environ, "KERAS_BACKEND": "numpy"})
        if probe.returncode == 0:
            return py
    pytest.skip("Keras 3 is not importable (set TESSERA_KERAS_PYTHON to an interpreter that "
                "has it to run this test)")


def _run_keras(py, code, tmp_path):
    env = {**os.environ, "KERAS_BACKEND": "numpy", "PYTHONPATH": ""}
    res = subprocess.run([py, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                         env=env, cwd=str(tmp_path), timeout=600)
    assert res.returncode == 0, res.stderr[-3000:]


def _model():
    """A model touching the common layer families and a compiled optimizer."""
    img = keras.Input((8, 8, 3), name="img")
    seq = keras.Input((6,), dtype="int32", name="seq")
    h = keras.layers.Conv2D(4, 3, padding="same", activation="relu")(img)
    h = keras.layers.BatchNormalization()(h)
    h = keras.layers.MaxPooling2D()(h)
    h = keras.layers.Flatten()(h)
    e = keras.layers.Embedding(20, 5)(seq)
    e = keras.layers.LSTM(7)(e)
    g = keras.layers.GRU(3, return_sequences=True)(keras.layers.Embedding(20, 4)(seq))
    g = keras.layers.GlobalAveragePooling1D()(keras.layers.LayerNormalization()(g))
    z = keras.layers.Concatenate()([h, e, g])
    z = keras.layers.Dropout(0.2)(keras.layers.Dense(16, activation="gelu")(z))
    out = keras.layers.Dense(3, activation="softmax", name="cls")(z)
    model = keras.Model([img, seq], out)
    model.compile(optimizer=keras.optimizers.Adam(2e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def _inputs(rng):
    return [rng.random((5, 8, 8, 3), dtype=np.float32),
            rng.integers(0, 20, (5, 6)).astype(np.int32)]


def test_tessera_file_loads_in_keras_with_identical_predictions(tmp_path):
    py = _keras_python()
    rng = np.random.default_rng(0)
    model = _model()
    x = _inputs(rng)
    model.fit(x, np.array([0, 1, 2, 1, 0]), epochs=2, verbose=0)   # moving stats, Adam slots
    model.save(str(tmp_path / "t.keras"))
    np.save(tmp_path / "x0.npy", x[0])
    np.save(tmp_path / "x1.npy", x[1])
    np.save(tmp_path / "ref.npy", model.predict(x, verbose=0))
    _run_keras(py, """
        import keras, numpy as np
        m = keras.models.load_model("t.keras")
        x = [np.load("x0.npy"), np.load("x1.npy")]
        np.testing.assert_allclose(m.predict(x, verbose=0), np.load("ref.npy"),
                                   rtol=1e-5, atol=1e-6)
        assert int(m.optimizer.iterations) == 2, m.optimizer.iterations
    """, tmp_path)


def test_keras_file_loads_in_tessera_with_identical_predictions(tmp_path):
    py = _keras_python()
    _run_keras(py, """
        import keras, numpy as np
        rng = np.random.default_rng(1)
        img = keras.Input((8, 8, 3), name="img")
        seq = keras.Input((6,), dtype="int32", name="seq")
        h = keras.layers.Conv2D(4, 3, padding="same", activation="relu")(img)
        h = keras.layers.BatchNormalization()(h)
        h = keras.layers.Flatten()(keras.layers.MaxPooling2D()(h))
        e = keras.layers.LSTM(7)(keras.layers.Embedding(20, 5)(seq))
        g = keras.layers.GRU(3, return_sequences=True)(keras.layers.Embedding(20, 4)(seq))
        g = keras.layers.GlobalAveragePooling1D()(keras.layers.LayerNormalization()(g))
        z = keras.layers.Concatenate()([h, e, g])
        z = keras.layers.Dropout(0.2)(keras.layers.Dense(16, activation="gelu")(z))
        out = keras.layers.Dense(3, activation="softmax", name="cls")(z)
        m = keras.Model([img, seq], out)
        m.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        bn = m.layers[[l.name for l in m.layers].index(
            [l.name for l in m.layers if "batch_normalization" in l.name][0])]
        bn.moving_mean.assign(rng.random(4).astype("float32"))   # non-trivial statistics
        bn.moving_variance.assign(rng.random(4).astype("float32") + 0.5)
        x = [rng.random((5, 8, 8, 3), dtype=np.float32),
             rng.integers(0, 20, (5, 6)).astype(np.int32)]
        m.save("k.keras")
        np.save("x0.npy", x[0]); np.save("x1.npy", x[1])
        np.save("ref.npy", m.predict(x, verbose=0))
    """, tmp_path)
    m = keras.models.load_model(str(tmp_path / "k.keras"))
    x = [np.load(tmp_path / "x0.npy"), np.load(tmp_path / "x1.npy")]
    np.testing.assert_allclose(m.predict(x, verbose=0), np.load(tmp_path / "ref.npy"),
                               rtol=1e-5, atol=1e-6)

"""The `.keras` and `.weights.h5` files: round trips, Keras 3 layout, errors, atomic writes."""
import io
import json
import os
import subprocess
import sys
import zipfile

import h5py
import numpy as np
import pytest

from tessera import keras
from tessera.keras.saving import saving_lib

RNG = np.random.default_rng(0)


def _pred(model, x):
    out = model.predict(x, verbose=0)
    if isinstance(out, (list, tuple)):
        return [np.asarray(o) for o in out]
    return np.asarray(out)


def _close(a, b):
    if isinstance(a, list):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            np.testing.assert_allclose(x, y, rtol=1e-6, atol=1e-6)
    else:
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)


def _sequential():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(6, activation="relu"),
                              keras.layers.BatchNormalization(), keras.layers.Dense(2)])
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    return model


def _functional():
    a = keras.Input((4,), name="a")
    b = keras.Input((3,), name="b")
    h = keras.layers.Concatenate()([keras.layers.Dense(5)(a), b])
    o1 = keras.layers.Dense(1, name="reg")(h)
    o2 = keras.layers.Dense(3, activation="softmax", name="cls")(h)
    model = keras.Model([a, b], [o1, o2])
    model.compile(optimizer="adam", loss=["mse", "categorical_crossentropy"])
    return model


@keras.saving.register_keras_serializable(package="test_saving")
class MLP(keras.Model):
    def __init__(self, units=5, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.hidden = keras.layers.Dense(units, activation="tanh")
        self.out = keras.layers.Dense(2)

    def call(self, x):
        return self.out(self.hidden(x))

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def test_sequential_round_trip_and_keras_layout(tmp_path):
    model = _sequential()
    x, y = RNG.normal(size=(8, 4)).astype("float32"), RNG.normal(size=(8, 2)).astype("float32")
    model.fit(x, y, epochs=1, verbose=0)
    path = str(tmp_path / "seq.keras")
    model.save(path)
    with zipfile.ZipFile(path) as z:
        assert set(z.namelist()) == {"metadata.json", "config.json", "model.weights.h5"}
        meta = json.loads(z.read("metadata.json"))
        config = json.loads(z.read("config.json"))
        h5 = h5py.File(io.BytesIO(z.read("model.weights.h5")), "r")
    assert set(meta) == {"keras_version", "date_saved"} and meta["keras_version"].startswith("3.")
    assert config["class_name"] == "Sequential" and config["compile_config"]["loss"] == "mse"
    # Keras 3's H5 layout: groups by snake-cased class name, made unique per container
    assert h5["layers/dense/vars"].attrs["name"] == model.layers[0].name
    np.testing.assert_array_equal(h5["layers/dense/vars/0"][()], np.asarray(model.layers[0].kernel))
    assert h5["layers/dense_1/vars/0"].shape == (6, 2)
    assert len(h5["layers/batch_normalization/vars"]) == 4
    assert h5["optimizer/vars"].attrs["name"] == model.optimizer.name
    assert int(h5["optimizer/vars/0"][()]) == 1  # iterations
    assert len(h5["vars"]) == 0
    h5.close()
    loaded = keras.models.load_model(path)
    assert type(loaded) is type(model)
    _close(_pred(loaded, x), _pred(model, x))
    assert loaded.optimizer.get_config() == model.optimizer.get_config()


def test_functional_two_inputs_two_outputs(tmp_path):
    model = _functional()
    x = [RNG.normal(size=(6, 4)).astype("float32"), RNG.normal(size=(6, 3)).astype("float32")]
    path = tmp_path / "f.keras"
    keras.saving.save_model(model, path)
    loaded = keras.saving.load_model(path)
    _close(_pred(loaded, x), _pred(model, x))
    assert [l.name for l in loaded.layers] == [l.name for l in model.layers]
    with zipfile.ZipFile(path) as z:
        config = json.loads(z.read("config.json"))
    assert config["module"] == "keras.src.models.functional"


def test_subclassed_registered_model(tmp_path):
    model = MLP(units=7)
    x = RNG.normal(size=(5, 3)).astype("float32")
    model(x)
    path = str(tmp_path / "mlp.keras")
    model.save(path)
    with zipfile.ZipFile(path) as z:
        h5 = h5py.File(io.BytesIO(z.read("model.weights.h5")), "r")
        assert h5["hidden/vars/0"].shape == (3, 7) and h5["out/vars/0"].shape == (7, 2)
        h5.close()
    loaded = keras.models.load_model(path)
    assert isinstance(loaded, MLP) and loaded.units == 7
    _close(_pred(loaded, x), _pred(model, x))


def test_optimizer_state_resumes_training(tmp_path):
    x, y = RNG.normal(size=(16, 4)).astype("float32"), RNG.normal(size=(16, 2)).astype("float32")

    def build():
        keras.utils.set_random_seed(3)
        m = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3), keras.layers.Dense(2)])
        m.compile(optimizer=keras.optimizers.Adam(0.05), loss="mse")
        return m

    ref = build()
    for _ in range(3):
        ref.train_on_batch(x, y)
    model = build()
    for _ in range(2):
        model.train_on_batch(x, y)
    path = str(tmp_path / "opt.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    assert int(np.asarray(loaded.optimizer.iterations)) == 2
    assert float(np.asarray(loaded.optimizer.learning_rate)) == pytest.approx(0.05)
    loaded.train_on_batch(x, y)
    for a, b in zip(loaded.get_weights(), ref.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    # loading without compiling drops the optimizer
    assert keras.models.load_model(path, compile=False).optimizer is None


def test_weights_only_round_trip_and_errors(tmp_path):
    model = _sequential()
    x = RNG.normal(size=(3, 4)).astype("float32")
    path = str(tmp_path / "w.weights.h5")
    model.save_weights(path)
    with h5py.File(path, "r") as f:
        assert "layers/dense/vars/0" in f
    other = _sequential()
    other.load_weights(path)
    _close(_pred(other, x), _pred(model, x))
    with pytest.raises(ValueError, match=r"\.weights\.h5"):
        model.save_weights(str(tmp_path / "w.h5"))
    with pytest.raises(FileExistsError, match="overwrite=False"):
        model.save_weights(path, overwrite=False)
    wrong = keras.Sequential([keras.Input((4,)), keras.layers.Dense(5),
                              keras.layers.BatchNormalization(), keras.layers.Dense(2)])
    with pytest.raises(ValueError, match=r"shape \(4, 5\).*w\.weights\.h5|w\.weights\.h5.*shape"):
        wrong.load_weights(path)
    with pytest.warns(UserWarning, match="skip_mismatch"):
        wrong.load_weights(path, skip_mismatch=True)


def test_lambda_safe_mode(tmp_path):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Lambda(lambda t: t * 2.0 + 1.0)])
    path = str(tmp_path / "lam.keras")
    model.save(path)
    with pytest.raises(ValueError, match="safe_mode"):
        keras.models.load_model(path)
    loaded = keras.models.load_model(path, safe_mode=False)
    x = np.ones((2, 3), "float32")
    _close(_pred(loaded, x), x * 2.0 + 1.0)


def test_corrupt_truncated_foreign_files(tmp_path):
    model = _sequential()
    path = tmp_path / "good.keras"
    model.save(str(path))
    data = path.read_bytes()
    trunc = tmp_path / "trunc.keras"
    trunc.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="trunc.keras"):
        keras.models.load_model(str(trunc))
    foreign = tmp_path / "foreign.keras"
    foreign.write_text("hello, not a zip")
    with pytest.raises(ValueError, match="foreign.keras.*not a zip"):
        keras.models.load_model(str(foreign))
    nocfg = tmp_path / "nocfg.keras"
    with zipfile.ZipFile(nocfg, "w") as z:
        z.writestr("other.txt", "x")
    with pytest.raises(ValueError, match="nocfg.keras.*config.json"):
        keras.models.load_model(str(nocfg))
    badh5 = tmp_path / "badh5.keras"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(badh5, "w") as z:
        z.writestr("metadata.json", src.read("metadata.json"))
        z.writestr("config.json", src.read("config.json"))
        z.writestr("model.weights.h5", src.read("model.weights.h5")[:100])
    with pytest.raises(ValueError, match="badh5.keras.*HDF5"):
        keras.models.load_model(str(badh5))
    badw = tmp_path / "bad.weights.h5"
    badw.write_bytes(b"\x00" * 64)
    with pytest.raises(ValueError, match="bad.weights.h5.*HDF5"):
        model.load_weights(str(badw))
    with pytest.raises(ValueError, match="File not found"):
        keras.models.load_model(str(tmp_path / "missing.keras"))
    with pytest.raises(ValueError, match="extension"):
        model.save(str(tmp_path / "m.h5x"))


def test_atomic_write_keeps_previous_file(tmp_path, monkeypatch):
    model = _sequential()
    path = tmp_path / "atomic.keras"
    wpath = tmp_path / "atomic.weights.h5"
    model.save(str(path))
    model.save_weights(str(wpath))
    before, wbefore = path.read_bytes(), wbefore_bytes(wpath)

    def boom(*a, **k):
        raise OSError("disk full (injected)")
    monkeypatch.setattr(saving_lib, "write_weights", boom)
    with pytest.raises(OSError, match="injected"):
        model.save(str(path))
    with pytest.raises(OSError, match="injected"):
        model.save_weights(str(wpath))
    assert path.read_bytes() == before and wbefore_bytes(wpath) == wbefore
    assert sorted(os.listdir(tmp_path)) == ["atomic.keras", "atomic.weights.h5"]  # no temp left
    monkeypatch.undo()
    keras.models.load_model(str(path))


def wbefore_bytes(p):
    return p.read_bytes()

"""Reading legacy HDF5 model and weights files (the layout Keras 2 and Keras 3's legacy
mode write: `model_config` JSON + `model_weights/<layer>` groups with `weight_names`)."""
import json

import h5py
import numpy as np
import pytest

from tessera import keras


def _model():
    keras.utils.set_random_seed(0)
    return keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"),
                             keras.layers.BatchNormalization(),
                             keras.layers.Dense(3, activation="softmax")])


def _write_legacy(model, path, with_config=True):
    """Writes `model` in the legacy layout (as Keras's legacy h5 writer does)."""
    with h5py.File(path, "w") as f:
        if with_config:
            cfg = {"class_name": "Sequential", "config": model.get_config()}
            f.attrs["model_config"] = json.dumps(cfg)
            f.attrs["training_config"] = json.dumps(
                {"loss": "sparse_categorical_crossentropy", "metrics": None,
                 "optimizer_config": {"class_name": "Adam",
                                      "config": {"learning_rate": 0.01}}})
            g = f.create_group("model_weights")
        else:
            g = f
        layers = [l for l in model.layers if l.weights]
        g.attrs["layer_names"] = np.array([l.name.encode() for l in model.layers], dtype=object)
        for layer in model.layers:
            lg = g.create_group(layer.name)
            names = [f"{layer.name}/{v.path.split('/')[-1]}:0".encode() for v in layer.weights]
            lg.attrs["weight_names"] = np.array(names, dtype=object)
            for n, v in zip(names, layer.weights):
                lg.create_dataset(n.decode(), data=v.numpy())
        assert layers


def test_legacy_full_model_file_loads_with_identical_predictions(tmp_path):
    model = _model()
    for v in model.weights:  # distinctive values, BN statistics included
        v.assign(np.random.default_rng(len(v.path)).normal(size=v.shape).astype("float32") ** 2)
    x = np.random.default_rng(1).random((5, 4)).astype("float32")
    path = str(tmp_path / "m.h5")
    _write_legacy(model, path)
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-6)
    assert loaded.optimizer is not None and abs(float(loaded.optimizer.learning_rate) - 0.01) < 1e-9


def test_legacy_weights_file_into_a_built_model(tmp_path):
    model = _model()
    path = str(tmp_path / "w.h5")
    _write_legacy(model, path, with_config=False)
    other = _model()
    for v in other.weights:
        v.assign(np.zeros(v.shape, "float32"))
    other.load_weights(path)
    for a, b in zip(other.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_legacy_errors_name_the_file(tmp_path):
    model = _model()
    path = str(tmp_path / "w.h5")
    _write_legacy(model, path, with_config=False)
    with pytest.raises(ValueError, match=r"w\.h5 holds no model configuration"):
        keras.models.load_model(path)
    small = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8)])
    with pytest.raises(ValueError, match=r"w\.h5 holds weights for 3 layers"):
        small.load_weights(path)

import json
import os
import tempfile

import numpy as np
import pytest

import tessera as ts
from tessera import keras


def _two_in_two_out():
    a = keras.Input((4,), name="a")
    b = keras.Input((3,), name="b")
    shared = keras.layers.Dense(5, activation="relu", name="shared")
    ha, hb = shared(keras.layers.Dense(5, name="pa")(a)), shared(keras.layers.Dense(5, name="pb")(b))
    merged = keras.layers.Concatenate(name="cat")([ha, hb])
    out1 = keras.layers.Dense(1, name="reg")(merged)
    out2 = keras.layers.Dense(3, activation="softmax", name="cls")(merged)
    return keras.Model([a, b], [out1, out2], name="two")


def test_functional_structure_and_call():
    model = _two_in_two_out()
    assert [l.name for l in model.layers] == ["a", "b", "pa", "pb", "shared", "cat", "reg", "cls"]
    assert model.get_layer("shared") is model.layers[4] and model.get_layer(index=2).name == "pa"
    with pytest.raises(ValueError, match="No such layer"):
        model.get_layer("nope")
    r, c = model([np.ones((2, 4)), np.ones((2, 3))])
    assert r.shape == (2, 1) and c.shape == (2, 3)
    np.testing.assert_allclose(np.sum(c.numpy(), axis=1), [1, 1], rtol=1e-5)
    # dict input keyed by input names also works
    r2, _ = model({"a": np.ones((2, 4)), "b": np.ones((2, 3))})
    np.testing.assert_allclose(r2.numpy(), r.numpy())


def test_functional_trains_with_two_inputs_and_two_outputs():
    keras.utils.set_random_seed(0)
    model = _two_in_two_out()
    rng = np.random.default_rng(0)
    xa, xb = rng.normal(size=(256, 4)), rng.normal(size=(256, 3))
    y1 = xa[:, :1] + xb[:, :1]
    y2 = (xa[:, 0] > 0).astype("int32") + (xb[:, 0] > 0).astype("int32")
    model.compile(optimizer=keras.optimizers.Adam(0.01),
                  loss={"reg": "mse", "cls": "sparse_categorical_crossentropy"},
                  metrics={"cls": ["accuracy"]})
    hist = model.fit([xa, xb], {"reg": y1, "cls": y2}, epochs=15, batch_size=32, verbose=0)
    h = hist.history
    assert h["loss"][-1] < h["loss"][0] * 0.5
    assert "reg_loss" in h and "cls_loss" in h and "cls_accuracy" in h
    assert h["cls_accuracy"][-1] > 0.8


def test_nested_models_and_dict_outputs():
    inner = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4)], name="inner")
    x = keras.Input((3,), name="x")
    h = inner(x)
    model = keras.Model(x, {"y": keras.layers.Dense(1, name="y")(h), "z": h})
    out = model(np.ones((2, 3)))
    assert set(out) == {"y", "z"} and out["z"].shape == (2, 4)
    assert len(model.weights) == 4 and inner in model.layers


def test_graph_disconnected_error():
    a, b = keras.Input((2,)), keras.Input((2,))
    out = keras.layers.Add()([a, b])
    with pytest.raises(ValueError, match="Graph disconnected"):
        keras.Model(a, out)


def test_functional_config_round_trip_and_json():
    model = _two_in_two_out()
    cfg = model.get_config()
    assert cfg["input_layers"] == [["a", 0, 0], ["b", 0, 0]]
    assert cfg["output_layers"] == [["reg", 0, 0], ["cls", 0, 0]]
    shared = [l for l in cfg["layers"] if l["name"] == "shared"][0]
    assert len(shared["inbound_nodes"]) == 2
    clone = keras.Model.from_config(json.loads(json.dumps(cfg)))
    clone.set_weights(model.get_weights())
    x = [np.ones((2, 4)), np.ones((2, 3))]
    for p, q in zip(model(x), clone(x)):
        np.testing.assert_allclose(p.numpy(), q.numpy(), rtol=1e-6)
    again = keras.models.model_from_json(model.to_json())
    assert [l.name for l in again.layers] == [l.name for l in model.layers]


def test_sequential_add_pop_and_deferred_build():
    model = keras.Sequential()
    model.add(keras.layers.Dense(8, activation="relu"))
    model.add(keras.layers.Dense(2))
    assert not model.built
    out = model(np.ones((3, 5)))
    assert model.built and out.shape == (3, 2) and len(model.weights) == 4
    popped = model.pop()
    assert popped.units == 2 and len(model.layers) == 1
    with pytest.raises(ValueError, match="instances of `keras.Layer`"):
        model.add("dense")


def test_sequential_input_shape_on_first_layer_and_config():
    model = keras.Sequential([keras.layers.Dense(4, input_shape=(6,)), keras.layers.Dense(1)])
    assert model.built and model.output_shape == (None, 1)
    clone = keras.Sequential.from_config(model.get_config())
    clone.set_weights(model.get_weights())
    x = np.ones((2, 6))
    np.testing.assert_allclose(clone(x).numpy(), model(x).numpy(), rtol=1e-6)


def test_subclassed_model_with_custom_train_step():
    class Custom(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(1)
            self.steps = 0

        def call(self, x):
            return self.dense(x)

        def train_step(self, data):
            x, y = data
            self.steps += 1
            with ts.GradientTape() as tape:
                pred = self(x, training=True)
                loss = ts.reduce_mean(ts.square(pred - y))
            grads = tape.gradient(loss, self.trainable_variables)
            self.optimizer.apply(grads, self.trainable_variables)
            return {"my_loss": loss}

    model = Custom()
    model.compile(optimizer=keras.optimizers.SGD(0.1))
    x = np.random.default_rng(1).normal(size=(64, 2)).astype("float32")
    y = x @ np.array([[1.0], [-2.0]], np.float32)
    h = model.fit(x, y, epochs=20, batch_size=16, verbose=0)
    assert model.steps == 80
    assert h.history["my_loss"][-1] < 0.05 * h.history["my_loss"][0]


def test_model_build_for_subclassed():
    class M(keras.Model):
        def __init__(self):
            super().__init__()
            self.d = keras.layers.Dense(3)

        def call(self, x):
            return self.d(x)

    m = M()
    m.build((None, 4))
    assert m.built and m.count_params() == 15


def test_configs_from_a_newer_keras_with_unset_extra_keys_load():
    from tessera.keras.saving.serialization_lib import (deserialize_keras_object,
                                                        serialize_keras_object)
    cfg = serialize_keras_object(keras.layers.Dense(3, name="d"))
    cfg["config"]["quantization_config"] = None          # written by Keras 3.15
    cfg["config"]["kernel_initializer"]["config"]["input_axes"] = None
    layer = deserialize_keras_object(cfg)
    assert layer.units == 3 and layer.name == "d"
    cfg["config"]["quantization_config"] = {"mode": "int8"}   # a feature tessera lacks
    with pytest.raises(TypeError, match="quantization_config"):
        deserialize_keras_object(cfg)


def test_functional_layer_order_is_keras_order():
    """`model.layers` follows Keras 3's graph order (deepest first, ties in the order a walk
    from the outputs meets them; inputs where their depth puts them). `.keras` weight
    groups are named in this order, so files only interchange with Keras if it matches
    (expected lists printed by Keras 3.15 for the same graphs)."""
    a = keras.Input((4,), name="a")
    b = keras.Input((3,), name="b")
    h = keras.layers.Concatenate(name="cat")([keras.layers.Dense(5, name="d1")(a), b])
    m = keras.Model([a, b], [keras.layers.Dense(1, name="reg")(h),
                             keras.layers.Dense(2, name="cls")(keras.layers.Dense(3, name="d2")(h))])
    assert [layer.name for layer in m.layers] == ["a", "d1", "b", "cat", "d2", "reg", "cls"]
    seq = keras.Input((6,), dtype="int32", name="seq")
    img = keras.Input((5,), name="img")
    x = keras.layers.LSTM(7, name="lstm")(keras.layers.Embedding(20, 5, name="e5")(seq))
    g = keras.layers.GlobalAveragePooling1D(name="gap")(keras.layers.GRU(
        3, return_sequences=True, name="gru")(keras.layers.Embedding(20, 4, name="e4")(seq)))
    z = keras.layers.Concatenate(name="z")([keras.layers.Dense(2, name="di")(img), x, g])
    m2 = keras.Model([img, seq], keras.layers.Dense(1, name="out")(z))
    assert [layer.name for layer in m2.layers] == \
        ["seq", "e4", "img", "e5", "gru", "di", "lstm", "gap", "z", "out"]
    path = os.path.join(tempfile.mkdtemp(), "m2.keras")
    m2.save(path)
    again = keras.models.load_model(path)
    assert [layer.name for layer in again.layers] == [layer.name for layer in m2.layers]

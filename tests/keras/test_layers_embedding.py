"""Embedding through the shared harness: lookup, mask_zero, weights=, LoRA, training."""
import numpy as np
import pytest

import tessera as ts
from tessera import keras
from tests.keras.harness import run_layer_test

L = keras.layers


def test_embedding_2d_ids():
    res = run_layer_test(L.Embedding, {"input_dim": 10, "output_dim": 4}, input_shape=(3, 5),
                         input_dtype="int32", expected_output_shape=(3, 5, 4),
                         reference_fn=lambda x, w: w["embeddings"][x],
                         expected_num_trainable_weights=1, expected_num_non_trainable_weights=0,
                         supports_masking=False)
    assert res.layer.embeddings.path.endswith("/embeddings")


def test_embedding_int64_and_1d_ids():
    run_layer_test(L.Embedding, {"input_dim": 7, "output_dim": 3}, input_shape=(6,),
                   input_dtype="int64", int_high=7, expected_output_shape=(6, 3),
                   reference_fn=lambda x, w: w["embeddings"][x])


def test_embedding_float_ids_are_cast():
    layer = L.Embedding(5, 2)
    out = layer(np.array([[1.0, 4.0]], "float32"))
    np.testing.assert_allclose(out.numpy(), layer.embeddings.numpy()[[[1, 4]]])


def test_embedding_mask_zero():
    x = np.array([[1, 0, 3, 0], [0, 2, 2, 9]], "int32")
    res = run_layer_test(L.Embedding, {"input_dim": 10, "output_dim": 2, "mask_zero": True},
                         input_data=x, expected_output_shape=(2, 4, 2),
                         reference_fn=lambda x, w: w["embeddings"][x], supports_masking=True,
                         expected_mask_shape=(2, 4))
    np.testing.assert_array_equal(res.layer(x)._keras_mask.numpy(), x != 0)
    np.testing.assert_array_equal(res.layer.compute_mask(ts.constant(x)).numpy(), x != 0)
    assert res.layer.compute_mask(ts.constant(x)) is not None
    assert L.Embedding(3, 2).compute_mask(ts.constant(x)) is None


def test_embedding_mask_reaches_downstream_layer_in_model():
    inp = keras.Input((4,), dtype="int32")
    out = L.Dense(3)(L.Embedding(10, 2, mask_zero=True)(inp))
    model = keras.Model(inp, out)
    y = model(np.array([[1, 0, 2, 0]], "int32"))
    np.testing.assert_array_equal(y._keras_mask.numpy(), [[True, False, True, False]])


def test_embedding_initial_weights():
    w = np.arange(12, dtype="float32").reshape(6, 2)
    layer = L.Embedding(6, 2, weights=w)
    assert layer.built
    np.testing.assert_array_equal(layer(np.array([[5, 0]])).numpy(), w[[[5, 0]]])
    layer2 = L.Embedding(6, 2, weights=[w])
    np.testing.assert_array_equal(layer2.embeddings.numpy(), w)


def test_embedding_gradient_is_scatter_add():
    layer = L.Embedding(5, 3, embeddings_initializer="ones")
    ids = np.array([[1, 1, 4]], "int32")
    with ts.GradientTape() as tape:
        loss = ts.reduce_sum(layer(ids))
    g = np.asarray(tape.gradient(loss, layer.embeddings))
    want = np.zeros((5, 3))
    want[1] = 2
    want[4] = 1
    np.testing.assert_array_equal(g, want)


def test_embedding_config_keys_and_regularizer():
    layer = L.Embedding(10, 4, embeddings_regularizer="l2", mask_zero=True)
    cfg = layer.get_config()
    for k in ("input_dim", "output_dim", "embeddings_initializer", "embeddings_regularizer",
              "activity_regularizer", "embeddings_constraint", "mask_zero"):
        assert k in cfg, k
    assert "lora_rank" not in cfg
    layer(np.array([[1, 2]]))
    assert len(layer.losses) == 1


def test_embedding_lora():
    res = run_layer_test(L.Embedding, {"input_dim": 8, "output_dim": 4, "lora_rank": 2},
                         input_shape=(3, 5), input_dtype="int32", int_high=8,
                         expected_output_shape=(3, 5, 4),
                         reference_fn=lambda x, w: (w["embeddings"] + w["lora_embeddings_a"] @
                                                    w["lora_embeddings_b"])[x],
                         expected_num_trainable_weights=2, expected_num_non_trainable_weights=1)
    assert res.layer.get_config()["lora_rank"] == 2


def test_embedding_errors():
    with pytest.raises(ValueError, match="input_dim"):
        L.Embedding(0, 3)
    with pytest.raises(ValueError, match="output_dim"):
        L.Embedding(3, "4")
    with pytest.raises(Exception, match="not in \\[0, 5\\)"):
        L.Embedding(5, 2)(np.array([[1, 5]]))


def test_embedding_learns_in_sequential():
    model = keras.Sequential([keras.Input((3,), dtype="int32"), L.Embedding(20, 4),
                              L.Flatten(), L.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    x = np.random.default_rng(0).integers(0, 20, (32, 3)).astype("int32")
    y = (x.sum(1, keepdims=True) / 30.0).astype("float32")
    h = model.fit(x, y, epochs=15, batch_size=32, verbose=0).history["loss"]
    assert h[-1] < h[0]

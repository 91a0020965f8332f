"""The layer errors users meet daily, checked by message content."""
import numpy as np
import pytest

from tessera import keras

L = keras.layers


def _mnist_model():
    return keras.Sequential([keras.Input((784,)), L.Dense(10, name="hidden"),
                             L.Dense(1, name="head")])


def test_dense_fed_wrong_feature_count_through_model():
    model = _mnist_model()
    with pytest.raises(ValueError) as e:
        model(np.ones((2, 100), "float32"))
    msg = str(e.value)
    assert '"hidden"' in msg and "784" in msg and "(2, 100)" in msg


def test_dense_fed_wrong_feature_count_standalone():
    layer = L.Dense(4, name="proj")
    layer(np.ones((2, 784), "float32"))
    with pytest.raises(ValueError) as e:
        layer(np.ones((2, 100), "float32"))
    msg = str(e.value)
    assert '"proj"' in msg and "784" in msg and "(2, 100)" in msg


def test_dense_wrong_features_in_fit():
    model = _mnist_model()
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError) as e:
        model.fit(np.ones((8, 100), "float32"), np.ones((8, 1), "float32"), verbose=0)
    assert "784" in str(e.value) and "100" in str(e.value)


def test_sample_without_batch_axis_suggests_x_none():
    model = _mnist_model()
    with pytest.raises(ValueError, match=r"x\[None\]"):
        model(np.ones((784,), "float32"))


def test_sample_without_batch_axis_in_functional_model():
    inp = keras.Input((28, 28))
    model = keras.Model(inp, L.Dense(3)(L.Flatten()(inp)))
    with pytest.raises(ValueError, match=r"x\[None\]") as e:
        model(np.ones((28, 28), "float32"))
    assert "(28, 28)" in str(e.value)


def test_layer_fed_sample_without_batch_axis_suggests_x_none():
    layer = L.RepeatVector(2, name="rep")
    with pytest.raises(ValueError, match=r"x\[None\]") as e:
        layer(np.ones((5,), "float32"))
    assert '"rep"' in str(e.value)


@pytest.mark.parametrize("cls,kwargs", [(L.Dense, {"units": 2}), (L.Flatten, {}),
                                        (L.Reshape, {"target_shape": (3,)})])
def test_input_shape_int_suggests_tuple(cls, kwargs):
    with pytest.raises(ValueError, match=r"input_shape=\(3,\)"):
        cls(input_shape=3, **kwargs)


def test_input_shape_tuple_builds_sequential():
    model = keras.Sequential([L.Dense(2, input_shape=(3,))])
    assert model.output_shape == (None, 2)


def test_concatenate_mismatch_in_functional_model():
    a, b = keras.Input((3, 4)), keras.Input((5, 6))
    with pytest.raises(ValueError) as e:
        L.Concatenate(name="joined")([a, b])
    msg = str(e.value)
    assert '"joined"' in msg and "(None, 3, 4)" in msg and "(None, 5, 6)" in msg


def test_embedding_out_of_range_index_names_the_range():
    layer = L.Embedding(10, 2)
    with pytest.raises(Exception, match=r"10"):
        layer(np.array([[3, 12]]))

"""Reshape, Permute, RepeatVector through the shared harness."""
import numpy as np
import pytest

from tessera import keras
from tests.keras.harness import run_layer_test

L = keras.layers


@pytest.mark.parametrize("target,in_shape,out_shape", [
    ((3, 4), (2, 12), (2, 3, 4)),
    ((-1,), (2, 3, 4), (2, 12)),
    ((2, -1, 3), (5, 12), (5, 2, 2, 3)),
])
def test_reshape(target, in_shape, out_shape):
    run_layer_test(L.Reshape, {"target_shape": target}, input_shape=in_shape,
                   expected_output_shape=out_shape,
                   reference_fn=lambda x: x.reshape((x.shape[0],) + out_shape[1:]))


def test_reshape_symbolic_unknown_and_config():
    assert L.Reshape((-1, 2))(keras.Input((None, 4))).shape == (None, None, 2)
    assert L.Reshape((3, 4)).get_config()["target_shape"] == (3, 4)


def test_reshape_errors():
    with pytest.raises(ValueError) as e:
        L.Reshape((5,), name="rs")(np.ones((2, 12)))
    assert '"rs"' in str(e.value) and "(2, 12)" in str(e.value) and "(5,)" in str(e.value)
    with pytest.raises(ValueError, match="at most one unknown"):
        L.Reshape((-1, -1))
    with pytest.raises(ValueError, match=r"\(5,\)"):
        L.Reshape(5)
    with pytest.raises(ValueError, match="unchanged"):
        L.Reshape((5, -1))(keras.Input((12,)))


@pytest.mark.parametrize("dims,in_shape", [((2, 1), (2, 3, 4)), ((3, 1, 2), (2, 3, 4, 5))])
def test_permute(dims, in_shape):
    out = (in_shape[0],) + tuple(in_shape[d] for d in dims)
    run_layer_test(L.Permute, {"dims": dims}, input_shape=in_shape, expected_output_shape=out,
                   reference_fn=lambda x: np.transpose(x, (0,) + dims))


def test_permute_errors():
    with pytest.raises(ValueError, match="consecutive and start from 1"):
        L.Permute((0, 1))
    with pytest.raises(ValueError, match="ndim=3"):
        L.Permute((2, 1))(np.ones((2, 3, 4, 5)))


def test_repeat_vector():
    run_layer_test(L.RepeatVector, {"n": 3}, input_shape=(2, 5), expected_output_shape=(2, 3, 5),
                   reference_fn=lambda x: np.repeat(x[:, None, :], 3, axis=1))
    assert L.RepeatVector(4).get_config()["n"] == 4


def test_repeat_vector_errors():
    with pytest.raises(TypeError, match="integer"):
        L.RepeatVector(2.5)
    with pytest.raises(ValueError, match="expected ndim=2"):
        L.RepeatVector(2)(np.ones((2, 3, 4)))

"""Merging layers (Add ... Dot) and their functional forms, through the shared harness."""
import numpy as np
import pytest

import tessera as ts
from tessera import keras
from tests.keras.harness import random_inputs, run_layer_test

L = keras.layers

ELEMENTWISE = [
    (L.Add, lambda xs: sum(xs)),
    (L.Multiply, lambda xs: np.prod(np.stack(np.broadcast_arrays(*xs)), axis=0)),
    (L.Average, lambda xs: sum(xs) / len(xs)),
    (L.Maximum, lambda xs: np.maximum.reduce(np.broadcast_arrays(*xs))),
    (L.Minimum, lambda xs: np.minimum.reduce(np.broadcast_arrays(*xs))),
]


@pytest.mark.parametrize("cls,ref", ELEMENTWISE, ids=lambda v: getattr(v, "__name__", ""))
def test_elementwise_three_inputs(cls, ref):
    run_layer_test(cls, {}, input_shape=[(2, 3, 4)] * 3, expected_output_shape=(2, 3, 4),
                   reference_fn=ref, expected_num_trainable_weights=0, supports_masking=True)


@pytest.mark.parametrize("cls,ref", ELEMENTWISE, ids=lambda v: getattr(v, "__name__", ""))
def test_elementwise_broadcasting(cls, ref):
    # (2, 1, 4) with (2, 3, 4): size-1 axes broadcast
    run_layer_test(cls, {}, input_shape=[(2, 1, 4), (2, 3, 4)], expected_output_shape=(2, 3, 4),
                   reference_fn=ref)


def test_add_different_ranks_inserts_axes_after_batch():
    a, b = random_inputs([(2, 4), (2, 3, 4)])
    out = L.Add()([a, b]).numpy()
    np.testing.assert_allclose(out, a[:, None, :] + b, rtol=1e-6)
    assert L.Add().compute_output_shape([(None, 4), (None, 3, 4)]) == (None, 3, 4)


def test_subtract():
    run_layer_test(L.Subtract, {}, input_shape=[(3, 5), (3, 5)], expected_output_shape=(3, 5),
                   reference_fn=lambda xs: xs[0] - xs[1])
    with pytest.raises(ValueError, match="exactly 2 inputs"):
        L.Subtract()([np.ones((2, 3))] * 3)


@pytest.mark.parametrize("axis,shapes,out", [
    (-1, [(2, 3), (2, 4)], (2, 7)),
    (1, [(2, 3, 4), (2, 5, 4)], (2, 8, 4)),
    (-1, [(2, 3, 1), (2, 3, 2), (2, 3, 3)], (2, 3, 6)),
])
def test_concatenate(axis, shapes, out):
    run_layer_test(L.Concatenate, {"axis": axis}, input_shape=shapes, expected_output_shape=out,
                   reference_fn=lambda xs: np.concatenate(xs, axis=axis), supports_masking=True)
    assert L.Concatenate(axis=axis).get_config()["axis"] == axis


def test_concatenate_symbolic_with_unknown_axis():
    a = keras.Input((None, 3))
    b = keras.Input((5, 3))
    assert L.Concatenate(axis=1)([a, b]).shape == (None, None, 3)


def test_concatenate_masks():
    a = ts.constant(np.ones((2, 3, 2), "float32"))
    b = ts.constant(np.ones((2, 3, 2), "float32"))
    a._keras_mask = ts.constant(np.array([[True, False, True], [False, False, True]]))
    out = L.Concatenate(axis=1)([a, b])
    np.testing.assert_array_equal(out._keras_mask.numpy(),
                                  [[True, False, True, True, True, True],
                                   [False, False, True, True, True, True]])


def test_add_masks_are_anded():
    a = ts.constant(np.ones((1, 3, 2), "float32"))
    b = ts.constant(np.ones((1, 3, 2), "float32"))
    a._keras_mask = ts.constant(np.array([[True, True, False]]))
    b._keras_mask = ts.constant(np.array([[False, True, True]]))
    out = L.Add()([a, b])
    np.testing.assert_array_equal(out._keras_mask.numpy(), [[False, True, False]])


@pytest.mark.parametrize("axes,shapes,out,ref", [
    (1, [(3, 4), (3, 4)], (3, 1), lambda xs: np.sum(xs[0] * xs[1], axis=1, keepdims=True)),
    (-1, [(3, 4), (3, 4)], (3, 1), lambda xs: np.sum(xs[0] * xs[1], axis=1, keepdims=True)),
    ((2, 1), [(2, 3, 4), (2, 4, 5)], (2, 3, 5), lambda xs: xs[0] @ xs[1]),
    ([1, 1], [(2, 3, 4), (2, 3, 5)], (2, 4, 5),
     lambda xs: np.einsum("bij,bik->bjk", xs[0], xs[1])),
])
def test_dot(axes, shapes, out, ref):
    run_layer_test(L.Dot, {"axes": axes}, input_shape=shapes, expected_output_shape=out,
                   reference_fn=ref)


def test_dot_normalize_is_cosine_similarity():
    def ref(xs):
        a = xs[0] / np.linalg.norm(xs[0], axis=1, keepdims=True)
        b = xs[1] / np.linalg.norm(xs[1], axis=1, keepdims=True)
        return np.sum(a * b, axis=1, keepdims=True)

    res = run_layer_test(L.Dot, {"axes": 1, "normalize": True}, input_shape=[(4, 6), (4, 6)],
                         expected_output_shape=(4, 1), reference_fn=ref)
    assert np.all(np.abs(res.output) <= 1 + 1e-6)
    cfg = L.Dot(axes=(1, 1), normalize=True).get_config()
    assert cfg["axes"] == [1, 1] and cfg["normalize"] is True


def test_dot_errors():
    with pytest.raises(ValueError, match=r"axis values 4 \(at axis 1\) != 5 \(at axis 1\)"):
        L.Dot(axes=1)([np.ones((2, 4)), np.ones((2, 5))])
    with pytest.raises(ValueError, match="list of 2 inputs"):
        L.Dot(axes=1)([np.ones((2, 4))] * 3)
    with pytest.raises(ValueError, match="two elements"):
        L.Dot(axes=[1, 2, 3])


def test_functional_forms():
    a, b = keras.Input((4,)), keras.Input((4,))
    outs = {
        "add": L.add([a, b]), "subtract": L.subtract([a, b]), "multiply": L.multiply([a, b]),
        "average": L.average([a, b]), "maximum": L.maximum([a, b]),
        "minimum": L.minimum([a, b]), "concatenate": L.concatenate([a, b], axis=-1),
        "dot": L.dot([a, b], axes=1),
    }
    model = keras.Model([a, b], list(outs.values()))
    xa, xb = random_inputs([(3, 4), (3, 4)])
    got = dict(zip(outs, model([xa, xb])))
    want = {"add": xa + xb, "subtract": xa - xb, "multiply": xa * xb,
            "average": (xa + xb) / 2, "maximum": np.maximum(xa, xb),
            "minimum": np.minimum(xa, xb), "concatenate": np.concatenate([xa, xb], -1),
            "dot": np.sum(xa * xb, 1, keepdims=True)}
    for k in want:
        np.testing.assert_allclose(got[k].numpy(), want[k], rtol=1e-5, atol=1e-6, err_msg=k)
    assert outs["concatenate"].shape == (None, 8)
    assert outs["dot"].shape == (None, 1)


def test_merge_in_trained_model():
    a, b = keras.Input((3,)), keras.Input((3,))
    h = L.concatenate([L.Dense(4)(a), L.Dense(4)(b)])
    out = L.Dense(1)(L.add([h, h]))
    model = keras.Model([a, b], out)
    model.compile(optimizer="adam", loss="mse")
    xa, xb = random_inputs([(16, 3), (16, 3)])
    y = (xa.sum(1, keepdims=True) - xb.sum(1, keepdims=True)).astype("float32")
    hist = model.fit([xa, xb], y, epochs=10, batch_size=16, verbose=0).history["loss"]
    assert hist[-1] < hist[0]


# -- errors ----------------------------------------------------------------------------
def test_concatenate_mismatch_error_names_layer_and_shapes():
    with pytest.raises(ValueError) as e:
        L.Concatenate(name="cat")([np.ones((2, 3, 4)), np.ones((2, 5, 6))])
    msg = str(e.value)
    assert '"cat"' in msg and "(2, 3, 4)" in msg and "(2, 5, 6)" in msg
    assert "except for the concatenation axis" in msg


def test_concatenate_mismatch_symbolic():
    with pytest.raises(ValueError, match="matching shapes"):
        L.Concatenate(axis=1)([keras.Input((3, 4)), keras.Input((5, 6))])


def test_add_incompatible_shapes_error():
    with pytest.raises(ValueError) as e:
        L.Add(name="adder")([np.ones((2, 3)), np.ones((2, 4))])
    msg = str(e.value)
    assert '"adder"' in msg and "(3,)" in msg and "(4,)" in msg


def test_merge_needs_a_list():
    with pytest.raises(ValueError, match="list of inputs"):
        L.Add()(np.ones((2, 3)))


def test_merge_batch_size_mismatch():
    with pytest.raises(ValueError, match="different batch sizes"):
        L.Multiply()([np.ones((2, 3)), np.ones((3, 3))])

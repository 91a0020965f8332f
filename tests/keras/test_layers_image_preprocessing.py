"""Image preprocessing layers through run_layer_test, and the random layers' training
behaviour against NumPy references."""
import numpy as np
import pytest

import tessera as ts
from tessera import keras
from tessera.ops import image
from tests.keras.harness import run_layer_test
from tests.ops.test_image import _affine_ref, _bilinear_ref


def test_resizing():
    run_layer_test(keras.layers.Resizing, init_kwargs={"height": 6, "width": 3},
                   input_shape=(2, 4, 5, 3), expected_output_shape=(2, 6, 3, 3),
                   reference_fn=lambda x: _bilinear_ref(x.astype("float64"), 6, 3), rtol=1e-5)
    run_layer_test(keras.layers.Resizing,
                   init_kwargs={"height": 2, "width": 2, "interpolation": "nearest",
                                "data_format": "channels_first"},
                   input_shape=(2, 3, 4, 4), expected_output_shape=(2, 3, 2, 2),
                   reference_fn=lambda x: x[:, :, 1::2, 1::2])


def test_resizing_crop_and_pad_to_aspect_ratio():
    x = np.arange(2 * 4 * 8 * 1, dtype="float32").reshape(2, 4, 8, 1)
    y = keras.layers.Resizing(4, 4, crop_to_aspect_ratio=True)(x).numpy()
    np.testing.assert_allclose(y, x[:, :, 2:6])
    y = keras.layers.Resizing(8, 8, pad_to_aspect_ratio=True, fill_value=-1.0)(x).numpy()
    padded = np.full((2, 8, 8, 1), -1.0, "float32")
    padded[:, 2:6] = x
    np.testing.assert_allclose(y, padded)
    y = keras.layers.Resizing(2, 4)(x[0]).numpy()   # a single image
    np.testing.assert_allclose(y, _bilinear_ref(x[:1].astype("float64"), 2, 4)[0], rtol=1e-6)
    with pytest.raises(ValueError, match="Only one of"):
        keras.layers.Resizing(2, 2, crop_to_aspect_ratio=True, pad_to_aspect_ratio=True)
    with pytest.raises(ValueError, match="interpolation 'lanczos3' is not supported"):
        keras.layers.Resizing(2, 2, interpolation="lanczos3")


def test_center_crop():
    run_layer_test(keras.layers.CenterCrop, init_kwargs={"height": 3, "width": 2},
                   input_shape=(2, 6, 5, 2), expected_output_shape=(2, 3, 2, 2),
                   reference_fn=lambda x: x[:, 1:4, 1:3])
    # smaller than the target: resized up, as Keras does
    y = keras.layers.CenterCrop(4, 4)(np.ones((1, 2, 2, 1), "float32"))
    assert tuple(y.shape) == (1, 4, 4, 1)
    with pytest.raises(ValueError, match="rank 3 .* or 4"):
        keras.layers.CenterCrop(1, 1)(np.ones((2, 2), "float32"))


RANDOM_LAYERS = [
    (keras.layers.RandomFlip, {"seed": 1}),
    (keras.layers.RandomRotation, {"factor": 0.2, "seed": 1}),
    (keras.layers.RandomZoom, {"height_factor": 0.3, "seed": 1}),
    (keras.layers.RandomTranslation, {"height_factor": 0.2, "width_factor": 0.2, "seed": 1}),
    (keras.layers.RandomContrast, {"factor": 0.5, "seed": 1}),
]


@pytest.mark.parametrize("cls,kwargs", RANDOM_LAYERS)
def test_random_layers_are_identity_in_inference(cls, kwargs):
    run_layer_test(cls, init_kwargs=kwargs, input_shape=(2, 5, 4, 3),
                   call_kwargs={"training": False}, expected_output_shape=(2, 5, 4, 3),
                   reference_fn=lambda x: x)


@pytest.mark.parametrize("cls,kwargs", RANDOM_LAYERS)
def test_random_layers_in_training_are_seeded_and_differentiable(cls, kwargs):
    x = np.random.default_rng(0).uniform(0, 255, (3, 6, 5, 2)).astype("float32")
    ts.random.set_seed(7)
    a = cls(**kwargs)(x, training=True).numpy()
    ts.random.set_seed(7)
    b = cls(**kwargs)(x, training=True).numpy()
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, x)
    xt = ts.constant(x)
    with ts.GradientTape() as tape:
        tape.watch(xt)
        loss = ts.reduce_sum(cls(**kwargs)(xt, training=True))
    g = tape.gradient(loss, xt)
    assert g is not None and np.all(np.isfinite(g.numpy()))


def _draws(layer, x):
    """Runs `layer` in training with a recording generator; returns (output, draws)."""
    real = np.random.default_rng(11)
    seen = []

    class Recorder:
        def uniform(self, low=0.0, high=1.0, size=None):
            v = real.uniform(low, high, size)
            seen.append(v)
            return v
    layer._rng = lambda: Recorder()
    return layer(x, training=True).numpy(), seen


def test_random_flip_reference():
    x = np.random.default_rng(1).standard_normal((6, 3, 4, 1)).astype("float32")
    for mode in ("horizontal", "vertical", "horizontal_and_vertical"):
        y, (u,) = _draws(keras.layers.RandomFlip(mode), x)
        flip = u.reshape(-1) <= 0.5
        want = x.copy()
        if "horizontal" in mode:
            want[flip] = want[flip][:, :, ::-1]
        if "vertical" in mode:
            want[flip] = want[flip][:, ::-1]
        np.testing.assert_array_equal(y, want)
    with pytest.raises(ValueError, match="unknown mode argument 'diagonal'"):
        keras.layers.RandomFlip("diagonal")


def test_random_rotation_reference():
    x = np.random.default_rng(2).standard_normal((2, 5, 6, 1)).astype("float32")
    layer = keras.layers.RandomRotation(0.25, fill_mode="constant", fill_value=1.0)
    y, (deg,) = _draws(layer, x)
    assert np.all(np.abs(deg) <= 90)
    th = np.deg2rad(deg)
    cx, cy = 2.5, 2.0
    tr = []
    for t in th:
        c, s = np.cos(t), np.sin(t)
        tr.append([c, -s, cx - c * cx + s * cy, s, c, cy - s * cx - c * cy, 0, 0])
    want = _affine_ref(x.astype("float64"), np.array(tr), "bilinear", "constant", 1.0)
    np.testing.assert_allclose(y, want, rtol=1e-4, atol=1e-4)


def test_random_rotation_quarter_turn_is_exact():
    x = np.arange(9, dtype="float32").reshape(1, 3, 3, 1)
    layer = keras.layers.RandomRotation((0.25, 0.25), interpolation="nearest")
    y = layer(x, training=True).numpy()[0, :, :, 0]
    np.testing.assert_allclose(y, np.rot90(x[0, :, :, 0], 1), atol=1e-5)  # counter-clockwise


def test_random_zoom_and_translation_reference():
    x = np.random.default_rng(3).standard_normal((2, 6, 5, 1)).astype("float32")
    y, (zy,) = _draws(keras.layers.RandomZoom(0.4, fill_mode="nearest"), x)
    z = 1.0 + zy
    cx, cy = 2.0, 2.5
    tr = np.array([[zi, 0, cx - zi * cx, 0, zi, cy - zi * cy, 0, 0] for zi in z])
    np.testing.assert_allclose(y, _affine_ref(x.astype("float64"), tr, "bilinear", "nearest", 0),
                               rtol=1e-4, atol=1e-4)
    y, (dy, dx) = _draws(keras.layers.RandomTranslation(0.3, (-0.2, 0.1), fill_mode="wrap"), x)
    tr = np.array([[1, 0, -a * 5, 0, 1, -b * 6, 0, 0] for a, b in zip(dx, dy)])
    np.testing.assert_allclose(y, _affine_ref(x.astype("float64"), tr, "bilinear", "wrap", 0),
                               rtol=1e-4, atol=1e-4)
    assert np.all((dx >= -0.2) & (dx <= 0.1))
    with pytest.raises(ValueError, match="height_factor"):
        keras.layers.RandomZoom(1.5)
    with pytest.raises(NotImplementedError, match="Unknown `fill_mode` edge"):
        keras.layers.RandomZoom(0.1, fill_mode="edge")


def test_random_contrast_reference():
    x = np.random.default_rng(4).uniform(0, 255, (3, 4, 4, 2)).astype("float32")
    y, (c,) = _draws(keras.layers.RandomContrast(0.5), x)
    assert np.all((c >= 0.5) & (c <= 1.5))
    m = x.mean((1, 2), keepdims=True)
    np.testing.assert_allclose(y, np.clip((x - m) * c + m, 0, 255), rtol=1e-4, atol=1e-3)
    cfg = keras.layers.RandomContrast(0.2, value_range=(0, 1), seed=3).get_config()
    assert cfg["factor"] == 0.2 and cfg["value_range"] == [0, 1] and cfg["seed"] == 3


def test_random_layers_in_a_model_predict_is_identity():
    x = np.random.default_rng(5).standard_normal((4, 6, 6, 1)).astype("float32")
    model = keras.Sequential([keras.Input((6, 6, 1)), keras.layers.RandomFlip(),
                              keras.layers.RandomRotation(0.1), keras.layers.RandomZoom(0.1)])
    np.testing.assert_allclose(model.predict(x, verbose=0), x)


def test_affine_layers_channels_first_unbatched():
    x = np.random.default_rng(6).standard_normal((2, 5, 5)).astype("float32")  # (C, H, W)
    layer = keras.layers.RandomTranslation((0.2, 0.2), (0.0, 0.0), fill_mode="constant",
                                           data_format="channels_first", seed=2)
    y = layer(x, training=True).numpy()
    assert y.shape == (2, 5, 5)
    want = image.affine_transform(x.transpose(1, 2, 0), [1, 0, 0, 0, 1, -1.0, 0, 0],
                                  fill_mode="constant").numpy().transpose(2, 0, 1)
    np.testing.assert_allclose(y, want, atol=1e-5)


def test_random_layer_direct_call_augments_like_keras3():
    """Keras 3: `call(data, training=True)`: a direct call (and a model called directly)
    augments; predict and training=False pass the images through."""
    x = np.arange(48, dtype="float32").reshape(1, 4, 4, 3)
    layer = keras.layers.RandomFlip("horizontal", seed=3)
    flipped = [not np.array_equal(layer(x).numpy(), x) for _ in range(12)]
    assert any(flipped) and not all(flipped)
    assert np.array_equal(layer(x, training=False).numpy(), x)
    model = keras.Sequential([keras.Input((4, 4, 3)), keras.layers.RandomFlip("horizontal",
                                                                               seed=3)])
    assert any(not np.array_equal(model(x).numpy(), x) for _ in range(12))
    assert all(np.array_equal(model.predict(x, verbose=0), x) for _ in range(6))

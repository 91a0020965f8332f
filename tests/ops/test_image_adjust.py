import numpy as np
import pytest

import tessera as ts
from tests.gradcheck import check_grad


def test_flips_match_numpy():
    x = np.arange(2 * 3 * 4 * 1, dtype=np.float32).reshape(2, 3, 4, 1)
    np.testing.assert_array_equal(ts.image.flip_left_right(x).numpy(), x[:, :, ::-1])
    np.testing.assert_array_equal(ts.image.flip_up_down(x).numpy(), x[:, ::-1])
    np.testing.assert_array_equal(ts.image.flip_left_right(x[0]).numpy(), x[0, :, ::-1])


def test_random_flip_flips_whole_images_and_is_seeded():
    x = np.random.default_rng(0).random((64, 3, 4, 2)).astype(np.float32)
    ts.random.set_seed(3)
    out = ts.image.random_flip_left_right(x, seed=1).numpy()
    flipped = [np.array_equal(o, xi[:, ::-1]) for o, xi in zip(out, x)]
    kept = [np.array_equal(o, xi) for o, xi in zip(out, x)]
    assert all(f or k for f, k in zip(flipped, kept)) and 10 < sum(flipped) < 54
    ts.random.set_seed(3)
    np.testing.assert_array_equal(ts.image.random_flip_left_right(x, seed=1).numpy(), out)


def test_brightness_contrast_and_standardization():
    x = np.random.default_rng(1).random((2, 4, 4, 3))
    np.testing.assert_allclose(ts.image.adjust_brightness(x, 0.25).numpy(), x + 0.25)
    mean = x.mean(axis=(1, 2), keepdims=True)
    np.testing.assert_allclose(ts.image.adjust_contrast(x, 2.0).numpy(), (x - mean) * 2 + mean)
    m = x.mean(axis=(1, 2, 3), keepdims=True)
    s = np.maximum(x.std(axis=(1, 2, 3), keepdims=True), 1 / np.sqrt(48))
    np.testing.assert_allclose(ts.image.per_image_standardization(x).numpy(), (x - m) / s,
                               rtol=1e-10)
    out = ts.image.random_brightness(x, 0.1, seed=2).numpy() - x
    assert np.allclose(out, out.flat[0]) and abs(out.flat[0]) <= 0.1
    check_grad(lambda v: ts.image.adjust_contrast(v, 1.5), x[:1, :2, :2])


def test_convert_image_dtype_and_grayscale():
    u8 = np.array([[[0], [255]]], dtype=np.uint8)
    f = ts.image.convert_image_dtype(u8, ts.float32).numpy()
    np.testing.assert_allclose(f, [[[0.0], [1.0]]])
    back = ts.image.convert_image_dtype(f, ts.uint8).numpy()
    np.testing.assert_array_equal(back, u8)
    rgb = np.random.default_rng(2).random((2, 2, 3))
    np.testing.assert_allclose(ts.image.rgb_to_grayscale(rgb).numpy()[..., 0],
                               rgb @ np.array([0.2989, 0.587, 0.114]))
    assert ts.image.grayscale_to_rgb(np.ones((2, 2, 1))).shape == (2, 2, 3)


def test_image_rank_error():
    with pytest.raises(ts.errors.InvalidArgumentError, match=r"height, width, channels"):
        ts.image.flip_left_right(np.ones((3, 4)))

"""Rescaling, Normalization (adapt), CategoryEncoding, UnitNormalization through the harness."""
import numpy as np
import pytest

from tessera import keras
from tests.keras.harness import random_inputs, run_layer_test

L = keras.layers


# -- Rescaling -------------------------------------------------------------------------
def test_rescaling():
    run_layer_test(L.Rescaling, {"scale": 0.5, "offset": -1.0}, input_shape=(2, 3, 4),
                   expected_output_shape=(2, 3, 4), reference_fn=lambda x: x * 0.5 - 1.0,
                   expected_num_trainable_weights=0, supports_masking=True)


def test_rescaling_uint8_images():
    x = np.random.default_rng(0).integers(0, 256, (2, 4, 4, 3)).astype("uint8")
    run_layer_test(L.Rescaling, {"scale": 1.0 / 255}, input_data=x,
                   expected_output_shape=(2, 4, 4, 3),
                   reference_fn=lambda x: x.astype("float32") / 255.0, rtol=1e-6)


def test_rescaling_per_channel_scale_array():
    scale = np.array([1.0, 2.0, 3.0], "float32")
    res = run_layer_test(L.Rescaling, {"scale": scale, "offset": 1.0}, input_shape=(2, 5, 3),
                         expected_output_shape=(2, 5, 3), reference_fn=lambda x: x * scale + 1)
    assert res.layer.get_config()["scale"]["class_name"] == "__numpy__"


# -- Normalization -----------------------------------------------------------------------
def test_normalization_adapt_array():
    data = np.random.default_rng(1).normal(3.0, 2.0, (200, 4)).astype("float32")
    layer = L.Normalization()
    layer.adapt(data)
    np.testing.assert_allclose(layer.adapt_mean.numpy(), data.mean(0), rtol=1e-5)
    np.testing.assert_allclose(layer.adapt_variance.numpy(), data.var(0), rtol=1e-4)
    assert int(layer.count.numpy()) == 200
    out = layer(data).numpy()
    np.testing.assert_allclose(out.mean(0), 0, atol=1e-4)
    np.testing.assert_allclose(out.std(0), 1, atol=1e-3)
    assert len(layer.non_trainable_weights) == 3 and not layer.trainable_weights


def test_normalization_adapt_batches_equals_full():
    data = np.random.default_rng(2).normal(-1.0, 3.0, (100, 3, 2)).astype("float32")
    full = L.Normalization(axis=-1)
    full.adapt(data)
    batched = L.Normalization(axis=-1)
    batched.adapt(iter([data[:10], data[10:45], data[45:]]))
    np.testing.assert_allclose(batched.adapt_mean.numpy(), data.mean((0, 1)), rtol=1e-5)
    np.testing.assert_allclose(batched.adapt_variance.numpy(), data.var((0, 1)), rtol=1e-4)
    np.testing.assert_allclose(full.adapt_mean.numpy(), batched.adapt_mean.numpy(), rtol=1e-5)


class _PairDataset:
    """Looks like a batched dataset of (x, y) pairs (ts.data's `as_numpy_iterator`)."""

    def __init__(self, x, batch):
        self.x, self.batch = x, batch

    def as_numpy_iterator(self):
        for i in range(0, len(self.x), self.batch):
            yield self.x[i:i + self.batch], np.zeros(len(self.x[i:i + self.batch]))


def test_normalization_adapt_dataset():
    data = np.random.default_rng(3).normal(size=(64, 5)).astype("float32")
    ds = _PairDataset(data, 16)
    layer = L.Normalization()
    layer.adapt(ds)
    np.testing.assert_allclose(layer.adapt_mean.numpy(), data.mean(0), rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("axis,keep,reduce", [(-1, (4,), (0, 1)), ((1, 2), (3, 4), (0,)),
                                               (None, (), (0, 1, 2))])
def test_normalization_axes_through_harness(axis, keep, reduce):
    data = np.random.default_rng(4).normal(2.0, 1.5, (6, 3, 4)).astype("float32")
    mean = data.mean(reduce, keepdims=True)
    var = data.var(reduce, keepdims=True)
    kwargs = {"axis": axis, "mean": mean.reshape(keep), "variance": var.reshape(keep)}
    run_layer_test(L.Normalization, kwargs, input_data=data, expected_output_shape=(6, 3, 4),
                   reference_fn=lambda x: (x - mean) / np.sqrt(var),
                   expected_num_trainable_weights=0, expected_num_non_trainable_weights=0,
                   rtol=1e-4, atol=1e-5)


def test_normalization_adapted_through_harness_weights():
    # unadapted layer: weights mean=0, var=1 -> identity; config round trip copies weights
    run_layer_test(L.Normalization, {}, input_shape=(5, 3), expected_output_shape=(5, 3),
                   reference_fn=lambda x, w: (x - w["mean"]) / np.sqrt(w["variance"]),
                   expected_num_trainable_weights=0, expected_num_non_trainable_weights=3)


def test_normalization_invert():
    mean, var = np.array([1.0, 2.0]), np.array([4.0, 9.0])
    run_layer_test(L.Normalization, {"mean": mean, "variance": var, "invert": True},
                   input_shape=(3, 2), expected_output_shape=(3, 2),
                   reference_fn=lambda x: x * np.sqrt(var) + mean)
    x = random_inputs((3, 2))
    fwd = L.Normalization(mean=mean, variance=var)
    inv = L.Normalization(mean=mean, variance=var, invert=True)
    np.testing.assert_allclose(inv(fwd(x)).numpy(), x, rtol=1e-5, atol=1e-6)


def test_normalization_scalar_mean_broadcasts():
    layer = L.Normalization(mean=2.0, variance=4.0)
    x = np.array([[2.0, 4.0, 6.0]], "float32")
    np.testing.assert_allclose(layer(x).numpy(), [[0.0, 1.0, 2.0]])


def test_normalization_config_keys():
    cfg = L.Normalization(axis=1, mean=[1.0], variance=[2.0]).get_config()
    assert cfg["axis"] == (1,) and cfg["mean"] == [1.0] and cfg["variance"] == [2.0]
    assert cfg["invert"] is False
    cfg = L.Normalization().get_config()
    assert cfg["mean"] is None and cfg["variance"] is None


def test_normalization_errors():
    with pytest.raises(ValueError, match="both `mean` and `variance`"):
        L.Normalization(mean=1.0)
    with pytest.raises(ValueError, match=r"range \[-ndim, ndim\)"):
        L.Normalization(axis=3).build((None, 4))
    layer = L.Normalization()
    layer.adapt(np.ones((4, 3)))
    with pytest.raises(ValueError, match="size 3"):
        layer.adapt(np.ones((4, 5)))


def test_normalization_in_model_after_adapt():
    data = np.random.default_rng(5).normal(10.0, 5.0, (64, 3)).astype("float32")
    norm = L.Normalization()
    norm.adapt(data)
    model = keras.Sequential([keras.Input((3,)), norm, L.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    y = data.sum(1, keepdims=True) / 30.0
    h = model.fit(data, y, epochs=10, batch_size=64, verbose=0).history["loss"]
    assert h[-1] < h[0]
    assert not norm.trainable_weights or all(v.path.endswith("kernel") for v in
                                            model.trainable_weights if "normalization" in v.path)


# -- CategoryEncoding --------------------------------------------------------------------
def test_category_encoding_one_hot():
    x = np.array([3, 2, 0, 1], "int32")
    run_layer_test(L.CategoryEncoding, {"num_tokens": 4, "output_mode": "one_hot"},
                   input_data=x, expected_output_shape=(4, 4), expected_output=np.eye(4)[x],
                   run_training_check=False)


def test_category_encoding_one_hot_trailing_one_axis():
    x = np.array([[3], [1]], "int32")
    run_layer_test(L.CategoryEncoding, {"num_tokens": 5, "output_mode": "one_hot"},
                   input_data=x, expected_output_shape=(2, 5), expected_output=np.eye(5)[[3, 1]])


def test_category_encoding_multi_hot():
    x = np.array([[0, 1], [0, 0], [1, 2], [3, 1]], "int32")
    want = np.array([[1, 1, 0, 0], [1, 0, 0, 0], [0, 1, 1, 0], [0, 1, 0, 1]], "float32")
    run_layer_test(L.CategoryEncoding, {"num_tokens": 4}, input_data=x,
                   expected_output_shape=(4, 4), expected_output=want)


def test_category_encoding_count_with_weights():
    x = np.array([[0, 1], [0, 0], [1, 2], [3, 1]], "int32")
    run_layer_test(L.CategoryEncoding, {"num_tokens": 4, "output_mode": "count"}, input_data=x,
                   expected_output_shape=(4, 4),
                   expected_output=np.array([[1, 1, 0, 0], [2, 0, 0, 0], [0, 1, 1, 0],
                                             [0, 1, 0, 1]], "float32"))
    w = np.array([[.1, .2], [.1, .1], [.2, .3], [.4, .2]], "float32")
    out = L.CategoryEncoding(4, output_mode="count")(x, count_weights=w).numpy()
    np.testing.assert_allclose(out, [[.1, .2, 0, 0], [.2, 0, 0, 0], [0, .2, .3, 0],
                                     [0, .2, 0, .4]], rtol=1e-6)


def test_category_encoding_config_and_errors():
    cfg = L.CategoryEncoding(num_tokens=3, output_mode="count").get_config()
    assert cfg["num_tokens"] == 3 and cfg["output_mode"] == "count"
    with pytest.raises(ValueError, match="num_tokens must be set"):
        L.CategoryEncoding()
    with pytest.raises(ValueError, match="Unknown arg for output_mode"):
        L.CategoryEncoding(3, output_mode="tf_idf")
    with pytest.raises(ValueError, match="0 <= values < num_tokens"):
        L.CategoryEncoding(3)(np.array([[0, 3]]))
    with pytest.raises(ValueError, match="count_weights"):
        L.CategoryEncoding(3)(np.array([[0, 1]]), count_weights=np.ones((1, 2)))
    assert L.CategoryEncoding(3, output_mode="binary").output_mode == "multi_hot"


# -- UnitNormalization -------------------------------------------------------------------
@pytest.mark.parametrize("axis", [-1, 1, [1, 2]])
def test_unit_normalization(axis):
    ax = tuple(axis) if isinstance(axis, list) else axis

    def ref(x):
        return x / np.sqrt(np.maximum(np.sum(x * x, axis=ax, keepdims=True), 1e-12))

    res = run_layer_test(L.UnitNormalization, {"axis": axis}, input_shape=(2, 3, 4),
                         expected_output_shape=(2, 3, 4), reference_fn=ref,
                         supports_masking=True)
    norms = np.sqrt(np.sum(res.output ** 2, axis=ax))
    np.testing.assert_allclose(norms, 1.0, rtol=1e-5)


def test_unit_normalization_axis_type_error():
    with pytest.raises(TypeError, match="axis"):
        L.UnitNormalization(axis="last")

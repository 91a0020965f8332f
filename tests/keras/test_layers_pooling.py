import itertools

import numpy as np
import pytest

import tessera as ts
from tessera import keras
from tests.keras.harness import run_layer_test

L = keras.layers


def np_pool(x, pool, strides, padding, mode, channels_first=False):
    """NumPy loops over output cells; SAME skips padded cells (avg divides by real cells)."""
    if channels_first:
        x = np.moveaxis(x, 1, -1)
    sp = x.shape[1:-1]
    outs, before = [], []
    for n, k, s in zip(sp, pool, strides):
        if padding == "valid":
            outs.append((n - k) // s + 1)
            before.append(0)
        else:
            o = -(-n // s)
            outs.append(o)
            before.append(max((o - 1) * s + k - n, 0) // 2)
    out = np.zeros((x.shape[0], *outs, x.shape[-1]), dtype=np.float64)
    for o in itertools.product(*[range(v) for v in outs]):
        index = [slice(None)]
        for oi, s, b, k, n in zip(o, strides, before, pool, sp):
            start = oi * s - b
            index.append(slice(max(start, 0), min(start + k, n)))
        w = x[tuple(index)]
        axes = tuple(range(1, len(sp) + 1))
        out[(slice(None), *o)] = w.max(axis=axes) if mode == "max" else w.mean(axis=axes)
    return np.moveaxis(out, -1, 1) if channels_first else out


POOLS = [  # class, input shape, kwargs, expected output shape
    (L.MaxPooling1D, (2, 7, 3), {}, (2, 3, 3)),
    (L.MaxPooling1D, (2, 7, 3), {"pool_size": 3, "strides": 1, "padding": "same"}, (2, 7, 3)),
    (L.MaxPooling2D, (2, 5, 6, 3), {}, (2, 2, 3, 3)),
    (L.MaxPooling2D, (2, 5, 6, 3), {"pool_size": (3, 2), "strides": (2, 1), "padding": "same"},
     (2, 3, 6, 3)),
    (L.MaxPooling3D, (1, 4, 5, 4, 2), {}, (1, 2, 2, 2, 2)),
    (L.MaxPooling3D, (1, 4, 5, 4, 2), {"pool_size": 3, "strides": 2, "padding": "same"},
     (1, 2, 3, 2, 2)),
    (L.AveragePooling1D, (2, 7, 3), {"pool_size": 2}, (2, 3, 3)),
    (L.AveragePooling1D, (2, 7, 3), {"pool_size": 3, "strides": 2, "padding": "same"},
     (2, 4, 3)),
    (L.AveragePooling2D, (2, 5, 6, 3), {"pool_size": 2}, (2, 2, 3, 3)),
    (L.AveragePooling2D, (2, 5, 6, 3), {"pool_size": 3, "strides": 2, "padding": "same"},
     (2, 3, 3, 3)),
    (L.AveragePooling3D, (1, 4, 5, 4, 2), {"pool_size": 2}, (1, 2, 2, 2, 2)),
    (L.AveragePooling3D, (1, 4, 5, 4, 2), {"pool_size": (2, 3, 2), "padding": "same"},
     (1, 2, 2, 2, 2)),
]


@pytest.mark.parametrize("cls,shape,kwargs,out_shape", POOLS)
def test_pooling_layers(cls, shape, kwargs, out_shape):
    n = len(shape) - 2
    mode = "max" if cls.__name__.startswith("Max") else "avg"
    pool = kwargs.get("pool_size", 2)
    pool = (pool,) * n if isinstance(pool, int) else pool
    strides = kwargs.get("strides", pool)
    strides = (strides,) * n if isinstance(strides, int) else strides
    padding = kwargs.get("padding", "valid")
    res = run_layer_test(
        cls, init_kwargs=kwargs, input_shape=shape, expected_output_shape=out_shape,
        reference_fn=lambda x: np_pool(x, pool, strides, padding, mode),
        expected_num_trainable_weights=0, expected_num_non_trainable_weights=0)
    cfg = res.layer.get_config()
    assert cfg["pool_size"] == tuple(pool) and cfg["strides"] == tuple(strides)
    assert cfg["padding"] == padding and cfg["data_format"] == "channels_last"


@pytest.mark.parametrize("cls", [L.MaxPooling2D, L.AveragePooling2D])
def test_pooling_channels_first(cls):
    mode = "max" if cls is L.MaxPooling2D else "avg"
    run_layer_test(
        cls, init_kwargs={"pool_size": (2, 3), "padding": "same", "data_format": "channels_first"},
        input_shape=(2, 3, 5, 7), expected_output_shape=(2, 3, 3, 3),
        reference_fn=lambda x: np_pool(x, (2, 3), (2, 3), "same", mode, channels_first=True))


def test_w2_shapes_odd_input_floors():
    x = np.random.default_rng(0).standard_normal((4, 11, 11, 8)).astype("float32")
    y = L.MaxPooling2D()(x)
    assert y.shape == (4, 5, 5, 8)
    np.testing.assert_allclose(y.numpy(), np_pool(x, (2, 2), (2, 2), "valid", "max"))


def test_pooling_trains_in_a_model():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((16, 8, 8, 1)).astype("float32")
    y = rng.integers(0, 2, 16)
    model = keras.Sequential([keras.Input((8, 8, 1)), L.Dense(4, activation="relu"),
                              L.MaxPooling2D(), L.AveragePooling2D(2), L.Flatten(),
                              L.Dense(2, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy")
    h = model.fit(x, y, epochs=8, batch_size=16, verbose=0)
    assert h.history["loss"][-1] < h.history["loss"][0]


GLOBALS = [
    (L.GlobalMaxPooling1D, (2, 5, 3), "max"), (L.GlobalMaxPooling2D, (2, 4, 5, 3), "max"),
    (L.GlobalMaxPooling3D, (2, 3, 4, 2, 3), "max"), (L.GlobalAveragePooling1D, (2, 5, 3), "avg"),
    (L.GlobalAveragePooling2D, (2, 4, 5, 3), "avg"),
    (L.GlobalAveragePooling3D, (2, 3, 4, 2, 3), "avg"),
]


@pytest.mark.parametrize("cls,shape,mode", GLOBALS)
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_global_pooling(cls, shape, mode, keepdims, data_format):
    n = len(shape) - 2
    axes = tuple(range(2, n + 2)) if data_format == "channels_first" else tuple(range(1, n + 1))
    ch = shape[1] if data_format == "channels_first" else shape[-1]
    if keepdims:
        out = tuple(1 if i in axes else d for i, d in enumerate(shape))
    else:
        out = (shape[0], ch)

    def ref(x):
        return x.max(axis=axes, keepdims=keepdims) if mode == "max" else \
            x.mean(axis=axes, keepdims=keepdims)

    res = run_layer_test(cls, init_kwargs={"keepdims": keepdims, "data_format": data_format},
                         input_shape=shape, expected_output_shape=out, reference_fn=ref)
    assert res.layer.get_config()["keepdims"] == keepdims


def test_global_average_pooling_1d_mask_excludes_masked_steps():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((3, 5, 4)).astype("float32")
    mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1], [1, 0, 1, 0, 0]], dtype=bool)
    want = np.stack([x[i][mask[i]].mean(axis=0) for i in range(3)])
    layer = L.GlobalAveragePooling1D()
    assert layer.supports_masking
    got = layer(x, mask=ts.constant(mask))
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-6)
    assert getattr(got, "_keras_mask", None) is None
    # channels_first: the mask still runs over the steps axis
    got = L.GlobalAveragePooling1D(data_format="channels_first")(
        np.moveaxis(x, 1, 2), mask=ts.constant(mask))
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-6)
    # the mask arrives from an Embedding with mask_zero=True
    tokens = np.array([[3, 4, 0, 0], [5, 0, 0, 0]])
    emb = L.Embedding(10, 4, mask_zero=True)
    out = L.GlobalAveragePooling1D()(emb(tokens))
    table = emb.embeddings.numpy()
    want = np.stack([table[[3, 4]].mean(0), table[[5]].mean(0)])
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-6)


def test_aliases():
    assert L.MaxPool2D is L.MaxPooling2D and L.AvgPool1D is L.AveragePooling1D
    assert L.GlobalAvgPool2D is L.GlobalAveragePooling2D
    assert L.GlobalMaxPool3D is L.GlobalMaxPooling3D


def test_pooling_errors():
    with pytest.raises(ValueError, match="padding"):
        L.MaxPooling2D(padding="full")
    with pytest.raises(ValueError, match="pool_size"):
        L.MaxPooling2D(pool_size=(2, 2, 2))
    with pytest.raises(ValueError, match="data_format"):
        L.AveragePooling2D(2, data_format="nhwc")
    with pytest.raises(ValueError, match=r"max_pool.*\(2, 3, 3, 1\).*padding='same'"):
        L.MaxPooling2D(pool_size=4, name="max_pool")(np.zeros((2, 3, 3, 1), "float32"))
    with pytest.raises(ValueError, match=r"expected ndim=4|ndim"):
        L.MaxPooling2D()(np.zeros((2, 3, 3), "float32"))

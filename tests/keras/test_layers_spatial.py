import numpy as np
import pytest

import tessera as ts
from tessera import keras
from tests.keras.harness import run_layer_test

L = keras.layers


def spatial(data_format, n):
    return list(range(2, n + 2)) if data_format == "channels_first" else list(range(1, n + 1))


# ---------------------------------------------------------------------------
# UpSampling
# ---------------------------------------------------------------------------
def test_upsampling1d():
    res = run_layer_test(L.UpSampling1D, init_kwargs={"size": 3}, input_shape=(2, 4, 3),
                         expected_output_shape=(2, 12, 3),
                         reference_fn=lambda x: np.repeat(x, 3, axis=1))
    assert res.layer.get_config()["size"] == 3


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_upsampling2d_nearest(data_format):
    shape = (2, 3, 4, 5) if data_format == "channels_last" else (2, 5, 3, 4)
    a, b = spatial(data_format, 2)

    def ref(x):
        out = np.empty(tuple(d * {a: 2, b: 3}.get(i, 1) for i, d in enumerate(x.shape)), x.dtype)
        for i in range(out.shape[a]):
            for j in range(out.shape[b]):
                src = [slice(None)] * 4
                dst = [slice(None)] * 4
                src[a], src[b], dst[a], dst[b] = i // 2, j // 3, i, j
                out[tuple(dst)] = x[tuple(src)]
        return out

    want = (2, 6, 12, 5) if data_format == "channels_last" else (2, 5, 6, 12)
    run_layer_test(L.UpSampling2D, init_kwargs={"size": (2, 3), "data_format": data_format},
                   input_shape=shape, expected_output_shape=want, reference_fn=ref)


def np_bilinear(x, fh, fw):
    """Half-pixel-centred bilinear upsampling of NHWC `x` (TF's resize), by loops."""
    n, h, w, c = x.shape
    out = np.zeros((n, h * fh, w * fw, c))

    def taps(o, f, size):
        src = (o + 0.5) / f - 0.5
        lo = int(np.floor(src))
        t = src - lo
        return min(max(lo, 0), size - 1), min(max(lo + 1, 0), size - 1), t

    for i in range(h * fh):
        y0, y1, ty = taps(i, fh, h)
        for j in range(w * fw):
            x0, x1, tx = taps(j, fw, w)
            top = x[:, y0, x0] * (1 - tx) + x[:, y0, x1] * tx
            bottom = x[:, y1, x0] * (1 - tx) + x[:, y1, x1] * tx
            out[:, i, j] = top * (1 - ty) + bottom * ty
    return out


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_upsampling2d_bilinear(data_format):
    cf = data_format == "channels_first"
    run_layer_test(
        L.UpSampling2D,
        init_kwargs={"size": (3, 2), "data_format": data_format, "interpolation": "bilinear"},
        input_shape=(2, 2, 3, 4) if cf else (2, 3, 4, 2),
        expected_output_shape=(2, 2, 9, 8) if cf else (2, 9, 8, 2),
        reference_fn=(lambda x: np.moveaxis(np_bilinear(np.moveaxis(x, 1, -1), 3, 2), -1, 1))
        if cf else (lambda x: np_bilinear(x, 3, 2)))


def test_upsampling2d_interpolation_errors():
    with pytest.raises(NotImplementedError, match="bicubic.*'nearest' or 'bilinear'"):
        L.UpSampling2D(interpolation="bicubic")
    with pytest.raises(ValueError, match="interpolation"):
        L.UpSampling2D(interpolation="cubic-ish")


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_upsampling3d(data_format):
    shape = (1, 2, 3, 2, 2) if data_format == "channels_last" else (1, 2, 2, 3, 2)
    axes = spatial(data_format, 3)

    def ref(x):
        for ax, f in zip(axes, (2, 1, 3)):
            x = np.repeat(x, f, axis=ax)
        return x

    want = list(shape)
    for ax, f in zip(axes, (2, 1, 3)):
        want[ax] *= f
    run_layer_test(L.UpSampling3D, init_kwargs={"size": (2, 1, 3), "data_format": data_format},
                   input_shape=shape, expected_output_shape=tuple(want), reference_fn=ref)


# ---------------------------------------------------------------------------
# ZeroPadding and Cropping
# ---------------------------------------------------------------------------
def np_pad(x, pairs, axes):
    widths = [(0, 0)] * x.ndim
    for ax, p in zip(axes, pairs):
        widths[ax] = p
    return np.pad(x, widths)


def np_crop(x, pairs, axes):
    index = [slice(None)] * x.ndim
    for ax, (b, a) in zip(axes, pairs):
        index[ax] = slice(b, x.shape[ax] - a)
    return x[tuple(index)]


PADS = [  # class, dims, argument, standardized pairs
    (1, 2, ((2, 2),)), (1, (1, 3), ((1, 3),)),
    (2, 1, ((1, 1), (1, 1))), (2, (1, 2), ((1, 1), (2, 2))),
    (2, ((0, 1), (2, 3)), ((0, 1), (2, 3))),
    (3, 1, ((1, 1),) * 3), (3, (1, 0, 2), ((1, 1), (0, 0), (2, 2))),
    (3, ((0, 1), (1, 0), (2, 1)), ((0, 1), (1, 0), (2, 1))),
]
SHAPES = {1: (2, 6, 3), 2: (2, 6, 7, 6), 3: (1, 5, 4, 6, 5)}


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("n,arg,pairs", PADS)
def test_zero_padding(n, arg, pairs, data_format):
    cls = {1: L.ZeroPadding1D, 2: L.ZeroPadding2D, 3: L.ZeroPadding3D}[n]
    axes = spatial(data_format, n)
    shape = SHAPES[n]
    want = list(shape)
    for ax, (b, a) in zip(axes, pairs):
        want[ax] += b + a
    res = run_layer_test(cls, init_kwargs={"padding": arg, "data_format": data_format},
                         input_shape=shape, expected_output_shape=tuple(want),
                         reference_fn=lambda x: np_pad(x, pairs, axes))
    cfg = res.layer.get_config()["padding"]
    assert cfg == (pairs[0] if n == 1 else pairs)


@pytest.mark.parametrize("n,arg,pairs", PADS)
def test_cropping(n, arg, pairs):
    cls = {1: L.Cropping1D, 2: L.Cropping2D, 3: L.Cropping3D}[n]
    for data_format in (["channels_last"] if n == 1 else ["channels_last", "channels_first"]):
        axes = spatial(data_format, n)
        shape = SHAPES[n]
        want = list(shape)
        for ax, (b, a) in zip(axes, pairs):
            want[ax] -= b + a
        kwargs = {"cropping": arg}
        if n > 1:
            kwargs["data_format"] = data_format
        res = run_layer_test(cls, init_kwargs=kwargs, input_shape=shape,
                             expected_output_shape=tuple(want),
                             reference_fn=lambda x: np_crop(x, pairs, axes))
        assert res.layer.get_config()["cropping"] == (pairs[0] if n == 1 else pairs)
    if n == 1:
        assert "data_format" not in res.layer.get_config()


def test_padding_and_cropping_errors():
    with pytest.raises(ValueError, match="padding"):
        L.ZeroPadding2D(padding=(1, 2, 3))
    with pytest.raises(ValueError, match="cannot be negative"):
        L.ZeroPadding3D(padding=-1)
    with pytest.raises(ValueError, match="cropping"):
        L.Cropping2D(cropping=((1, 2, 3), (0, 0)))
    with pytest.raises(ValueError, match=r"crop.*removes all of axis 1.*\(2, 4, 5, 1\)"):
        L.Cropping2D(cropping=((2, 2), (0, 0)))(np.zeros((2, 4, 5, 1), "float32"))


# ---------------------------------------------------------------------------
# SpatialDropout
# ---------------------------------------------------------------------------
DROPS = [(L.SpatialDropout1D, (4, 6, 8), {}), (L.SpatialDropout2D, (4, 5, 6, 8), {}),
         (L.SpatialDropout2D, (4, 8, 5, 6), {"data_format": "channels_first"}),
         (L.SpatialDropout3D, (4, 3, 4, 2, 8), {}),
         (L.SpatialDropout3D, (4, 8, 3, 4, 2), {"data_format": "channels_first"})]


@pytest.mark.parametrize("cls,shape,kwargs", DROPS)
def test_spatial_dropout_is_identity_at_inference(cls, shape, kwargs):
    res = run_layer_test(cls, init_kwargs={"rate": 0.5, "seed": 3, **kwargs}, input_shape=shape,
                         expected_output_shape=shape, reference_fn=lambda x: x)
    cfg = res.layer.get_config()
    assert cfg["rate"] == 0.5 and cfg["seed"] == 3 and "trainable" not in cfg


@pytest.mark.parametrize("cls,shape,kwargs", DROPS)
def test_spatial_dropout_drops_whole_channels(cls, shape, kwargs):
    layer = cls(0.5, seed=1, **kwargs)
    x = np.random.default_rng(0).uniform(1, 2, shape).astype("float32")
    y = layer(x, training=True).numpy()
    ratio = y / x
    ch = 1 if kwargs.get("data_format") == "channels_first" else len(shape) - 1
    # one value per (sample, channel): 0 (dropped) or 1 / (1 - rate)
    per = np.moveaxis(ratio, ch, 1).reshape(shape[0], shape[ch], -1)
    np.testing.assert_allclose(per, per[:, :, :1] * np.ones_like(per), rtol=1e-6)
    vals = np.unique(np.round(per[:, :, 0], 5))
    assert set(vals) <= {0.0, 2.0} and len(vals) == 2
    # gradients flow through the kept channels only
    xt = ts.constant(x)
    with ts.GradientTape() as tape:
        tape.watch(xt)
        out = layer(xt, training=True)
    g = tape.gradient(out, xt).numpy()
    assert set(np.unique(np.round(g, 5))) <= {0.0, 2.0}


def test_spatial_dropout_seeds():
    x = np.ones((8, 3, 16), "float32")
    ts.random.set_seed(5)
    a = L.SpatialDropout1D(0.5, seed=7)(x, training=True).numpy()
    ts.random.set_seed(5)
    b = L.SpatialDropout1D(0.5, seed=7)(x, training=True).numpy()
    np.testing.assert_array_equal(a, b)
    layer = L.SpatialDropout1D(0.5, seed=7)
    c, d = layer(x, training=True).numpy(), layer(x, training=True).numpy()
    assert not np.array_equal(c, d)
    np.testing.assert_array_equal(L.SpatialDropout1D(0.0)(x, training=True).numpy(), x)
    with pytest.raises(ValueError, match="rate"):
        L.SpatialDropout2D(1.5)

"""Convolution layers through the shared harness, each against a direct-loop NumPy reference."""
import numpy as np
import pytest

from tessera import keras
from tests.keras.harness import run_layer_test
from tests.ops.test_conv import ref_conv, ref_conv_transpose, same

L = keras.layers
TOL = dict(rtol=1e-4, atol=1e-4)


def _relu(v):
    return np.maximum(v, 0)


def _cl(x):  # channels_first -> channels_last
    return np.moveaxis(x, 1, -1)


def _cf(y):  # channels_last -> channels_first
    return np.moveaxis(y, -1, 1)


# --------------------------------------------------------------------------- Conv
def test_conv2d_relu_valid():
    run_layer_test(
        L.Conv2D, init_kwargs={"filters": 4, "kernel_size": 3, "activation": "relu"},
        input_shape=(2, 7, 6, 3), expected_output_shape=(2, 5, 4, 4),
        reference_fn=lambda x, w: _relu(ref_conv(x, w["kernel"]) + w["bias"]),
        expected_num_trainable_weights=2, expected_num_non_trainable_weights=0, **TOL)


def test_conv2d_same_strides_channels_first_tanh():
    kw = {"filters": 3, "kernel_size": (3, 2), "strides": 2, "padding": "same",
          "data_format": "channels_first", "activation": "tanh"}

    def ref(x, w):
        pads = (same(7, 3, 2), same(6, 2, 2))
        return _cf(np.tanh(ref_conv(_cl(x), w["kernel"], (2, 2), pads=pads) + w["bias"]))

    run_layer_test(L.Conv2D, init_kwargs=kw, input_shape=(2, 2, 7, 6),
                   expected_output_shape=(2, 3, 4, 3), reference_fn=ref, **TOL)


def test_conv2d_groups_dilation_no_bias():
    kw = {"filters": 6, "kernel_size": 2, "groups": 2, "dilation_rate": 2, "use_bias": False}
    run_layer_test(L.Conv2D, init_kwargs=kw, input_shape=(2, 6, 6, 4),
                   expected_output_shape=(2, 4, 4, 6),
                   reference_fn=lambda x, w: ref_conv(x, w["kernel"], dilations=(2, 2), groups=2),
                   expected_num_trainable_weights=1, **TOL)


@pytest.mark.parametrize("padding,strides,out_len", [
    ("valid", 1, 7), ("same", 2, 5), ("causal", 1, 9)])
def test_conv1d(padding, strides, out_len):
    kw = {"filters": 4, "kernel_size": 3, "strides": strides, "padding": padding}

    def ref(x, w):
        pads = {"valid": ((0, 0),), "same": (same(9, 3, strides),), "causal": ((2, 0),)}[padding]
        return ref_conv(x, w["kernel"], (strides,), pads=pads) + w["bias"]

    run_layer_test(L.Conv1D, init_kwargs=kw, input_shape=(2, 9, 3),
                   expected_output_shape=(2, out_len, 4), reference_fn=ref, **TOL)


def test_conv1d_causal_does_not_look_ahead():
    layer = L.Conv1D(2, 3, padding="causal", dilation_rate=2)
    x = np.random.default_rng(0).standard_normal((1, 10, 2)).astype("float32")
    y0 = np.asarray(layer(x))
    x2 = x.copy()
    x2[:, 6:] += 1.0
    y1 = np.asarray(layer(x2))
    np.testing.assert_allclose(y0[:, :6], y1[:, :6], rtol=1e-6)
    assert not np.allclose(y0[:, 6:], y1[:, 6:])


def test_conv3d():
    run_layer_test(
        L.Conv3D, init_kwargs={"filters": 2, "kernel_size": (2, 3, 2), "padding": "same"},
        input_shape=(2, 3, 4, 4, 2), expected_output_shape=(2, 3, 4, 4, 2),
        reference_fn=lambda x, w: ref_conv(x, w["kernel"], pads=(same(3, 2, 1), same(4, 3, 1),
                                                                 same(4, 2, 1))) + w["bias"],
        **TOL)


# --------------------------------------------------------------------------- transposed
@pytest.mark.parametrize("padding,strides,output_padding,out_sp", [
    ("valid", 2, None, (9, 9)), ("same", 2, None, (8, 8)), ("valid", 2, 1, (10, 10)),
    ("same", 3, 1, (11, 11)), ("valid", 1, None, (6, 6))])
def test_conv2d_transpose(padding, strides, output_padding, out_sp):
    kw = {"filters": 3, "kernel_size": 3, "strides": strides, "padding": padding,
          "output_padding": output_padding}

    def ref(x, w):
        pads = ((0, 0),) * 2 if padding == "valid" else tuple(same(n, 3, strides) for n in out_sp)
        return ref_conv_transpose(x, w["kernel"], out_sp, (strides,) * 2, pads) + w["bias"]

    run_layer_test(L.Conv2DTranspose, init_kwargs=kw, input_shape=(2, 4, 4, 2),
                   expected_output_shape=(2, *out_sp, 3), reference_fn=ref, **TOL)


def test_conv1d_transpose_and_conv3d_transpose_channels_first():
    run_layer_test(
        L.Conv1DTranspose, init_kwargs={"filters": 2, "kernel_size": 3, "strides": 2,
                                        "activation": "relu"},
        input_shape=(2, 5, 3), expected_output_shape=(2, 11, 2),
        reference_fn=lambda x, w: _relu(ref_conv_transpose(x, w["kernel"], (11,), (2,),
                                                           ((0, 0),)) + w["bias"]), **TOL)
    run_layer_test(
        L.Conv3DTranspose, init_kwargs={"filters": 2, "kernel_size": 2, "strides": 2,
                                        "padding": "same", "data_format": "channels_first"},
        input_shape=(1, 3, 2, 3, 2), expected_output_shape=(1, 2, 4, 6, 4),
        reference_fn=lambda x, w: _cf(ref_conv_transpose(
            _cl(x), w["kernel"], (4, 6, 4), (2, 2, 2), ((0, 0),) * 3) + w["bias"]), **TOL)


# --------------------------------------------------------------------------- depthwise
def _depthwise_ref(x, k, **kw):
    c, m = k.shape[-2], k.shape[-1]
    return ref_conv(x, k.reshape(k.shape[:-2] + (1, c * m)), groups=c, **kw)


def test_depthwise_conv2d():
    kw = {"kernel_size": 3, "depth_multiplier": 2, "strides": 2, "padding": "same",
          "activation": "relu"}
    run_layer_test(
        L.DepthwiseConv2D, init_kwargs=kw, input_shape=(2, 6, 5, 3),
        expected_output_shape=(2, 3, 3, 6),
        reference_fn=lambda x, w: _relu(_depthwise_ref(
            x, w["kernel"], strides=(2, 2), pads=(same(6, 3, 2), same(5, 3, 2))) + w["bias"]),
        expected_num_trainable_weights=2, **TOL)


def test_depthwise_conv1d_channels_first():
    kw = {"kernel_size": 2, "dilation_rate": 2, "data_format": "channels_first"}
    run_layer_test(
        L.DepthwiseConv1D, init_kwargs=kw, input_shape=(2, 3, 8),
        expected_output_shape=(2, 3, 6),
        reference_fn=lambda x, w: _cf(_depthwise_ref(_cl(x), w["kernel"], dilations=(2,))
                                      + w["bias"]), **TOL)


def test_separable_conv2d_and_1d():
    def ref2(x, w):
        d = _depthwise_ref(x, w["depthwise_kernel"])
        return ref_conv(d, w["pointwise_kernel"]) + w["bias"]

    run_layer_test(
        L.SeparableConv2D, init_kwargs={"filters": 4, "kernel_size": 3, "depth_multiplier": 2},
        input_shape=(2, 6, 6, 3), expected_output_shape=(2, 4, 4, 4), reference_fn=ref2,
        expected_num_trainable_weights=3, **TOL)

    def ref1(x, w):
        d = _depthwise_ref(x, w["depthwise_kernel"], pads=(same(7, 3, 1),))
        return np.tanh(ref_conv(d, w["pointwise_kernel"]) + w["bias"])

    run_layer_test(
        L.SeparableConv1D, init_kwargs={"filters": 3, "kernel_size": 3, "padding": "same",
                                        "activation": "tanh"},
        input_shape=(2, 7, 2), expected_output_shape=(2, 7, 3), reference_fn=ref1, **TOL)


# --------------------------------------------------------------------------- config, model
def test_config_keys_match_keras():
    cfg = L.Conv2D(8, 3).get_config()
    for k in ("filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate",
              "groups", "activation", "use_bias", "kernel_initializer", "bias_initializer",
              "kernel_regularizer", "bias_regularizer", "activity_regularizer",
              "kernel_constraint", "bias_constraint"):
        assert k in cfg
    assert cfg["kernel_size"] == (3, 3) and cfg["data_format"] == "channels_last"
    assert "output_padding" in L.Conv2DTranspose(8, 3).get_config()
    assert "depthwise_initializer" in L.DepthwiseConv2D(3).get_config()
    assert "pointwise_constraint" in L.SeparableConv2D(4, 3).get_config()


def test_mnist_convnet_trains():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 64)
    x = rng.random((64, 12, 12, 1), dtype=np.float32) * 0.5
    x[y == 1, :6] += 0.5  # class 1: bright top half
    x[y == 0, 6:] += 0.5
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((12, 12, 1)), L.Conv2D(8, 3, activation="relu"),
                              L.Conv2D(8, 3, activation="relu"), L.Flatten(), L.Dense(2)])
    model.compile(optimizer=keras.optimizers.Adam(0.01),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    h = model.fit(x, y, batch_size=16, epochs=6, verbose=0)
    assert h.history["loss"][-1] < h.history["loss"][0] * 0.5
    assert (np.argmax(model.predict(x, verbose=0), axis=1) == y).mean() > 0.9


# --------------------------------------------------------------------------- errors
def test_errors_name_the_layer_and_shapes():
    with pytest.raises(ValueError, match=r'Layer "small" \(Conv2D\): the kernel size \(5, 5\).*'
                                         r'larger.*\(1, 3, 3, 2\)'):
        L.Conv2D(2, 5, name="small")(np.ones((1, 3, 3, 2), "float32"))
    with pytest.raises(ValueError, match=r'Input 0 of layer "rank".*expected ndim=4.*\(3, 3, 2\)'):
        L.Conv2D(2, 2, name="rank")(np.ones((3, 3, 2), "float32"))
    with pytest.raises(ValueError, match=r'Layer "grp" \(Conv2D\): the number of filters must '
                                         r'be evenly divisible.*groups=3, filters=8'):
        L.Conv2D(8, 3, groups=3, name="grp")
    with pytest.raises(ValueError, match=r'Layer "grp2" \(Conv1D\): the number of input '
                                         r'channels.*groups=2.*3 channels.*\(1, 5, 3\)'):
        L.Conv1D(4, 2, groups=2, name="grp2")(np.ones((1, 5, 3), "float32"))
    with pytest.raises(ValueError, match=r"`strides > 1` not supported in conjunction with "
                                         r"`dilation_rate > 1`"):
        L.Conv2D(2, 3, strides=2, dilation_rate=2)
    with pytest.raises(ValueError, match=r"padding"):
        L.Conv2D(2, 3, padding="causal")
    with pytest.raises(ValueError, match=r"output_padding.*strictly less"):
        L.Conv2DTranspose(2, 3, strides=2, output_padding=2)
    with pytest.raises(ValueError, match=r'Input 0 of layer "c".*axis -1.*value 2'):
        layer = L.Conv2D(2, 2, name="c")
        layer(np.ones((1, 4, 4, 2), "float32"))
        layer(np.ones((1, 4, 4, 3), "float32"))

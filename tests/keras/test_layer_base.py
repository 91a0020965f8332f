import numpy as np
import pytest

import tessera as ts
from tessera import keras


def test_unique_default_names():
    keras.backend.clear_session()
    a, b = keras.layers.Dense(2), keras.layers.Dense(2)
    assert (a.name, b.name) == ("dense", "dense_1")
    keras.backend.clear_session()
    assert keras.layers.Dense(2).name == "dense"


def test_build_once_and_weights():
    calls = []

    class Lin(keras.layers.Layer):
        def __init__(self, units=3, **kwargs):
            super().__init__(**kwargs)
            self.units = units

        def build(self, input_shape):
            calls.append(input_shape)
            self.w = self.add_weight(shape=(input_shape[-1], self.units), name="w")
            self.b = self.add_weight(shape=(self.units,), initializer="zeros", name="b",
                                     trainable=False)

        def call(self, x):
            return ts.matmul(x, self.w) + self.b

    layer = Lin()
    x = np.ones((2, 4), np.float32)
    out = layer(x)
    layer(x)
    assert calls == [(2, 4)] and out.shape == (2, 3)
    assert [v.path for v in layer.weights] == [f"{layer.name}/w", f"{layer.name}/b"]
    assert len(layer.trainable_weights) == 1 and len(layer.non_trainable_weights) == 1
    assert layer.count_params() == 15
    np.testing.assert_allclose(out.numpy(), x @ layer.w.numpy(), rtol=1e-6)


def test_tracking_sublayers_in_lists_and_dicts_and_freezing():
    class Block(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.stack = [keras.layers.Dense(4), keras.layers.Dense(4)]
            self.heads = {"a": keras.layers.Dense(1)}
            self.scale = keras.Variable(np.ones(()), name="scale")

        def call(self, x):
            for layer in self.stack:
                x = layer(x)
            return self.heads["a"](x) * self.scale

    blk = Block()
    blk(np.ones((2, 3), np.float32))
    assert len(blk.weights) == 7
    blk.stack[0].trainable = False
    assert len(blk.trainable_weights) == 5
    blk.trainable = False
    assert blk.trainable_weights == [] and len(blk.non_trainable_weights) == 7
    assert all(not l.trainable for l in blk._flatten_layers())


def test_count_params_unbuilt_error():
    with pytest.raises(ValueError, match="isn't built"):
        keras.layers.Dense(3).count_params()


def test_add_loss_and_regularizer_losses_reset_each_call():
    class L(keras.layers.Layer):
        def call(self, x):
            self.add_loss(ts.reduce_sum(x))
            return x

    layer = L()
    layer(np.ones(3, np.float32))
    layer(np.ones(3, np.float32))
    assert len(layer.losses) == 1 and float(layer.losses[0]) == 3.0
    d = keras.layers.Dense(2, kernel_regularizer=keras.regularizers.L2(0.5))
    d(np.ones((1, 2), np.float32))
    assert len(d.losses) == 1
    np.testing.assert_allclose(float(d.losses[0]), 0.5 * np.sum(d.kernel.numpy() ** 2), rtol=1e-5)


def test_training_argument_propagates_to_sublayers():
    seen = []

    class Probe(keras.layers.Layer):
        def call(self, x, training=None):
            seen.append(training)
            return x

    class Outer(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.p = Probe()

        def call(self, x):
            return self.p(x)

    o = Outer()
    o(np.ones(1, np.float32), training=True)
    o(np.ones(1, np.float32), training=False)
    o(np.ones(1, np.float32))
    assert seen == [True, False, None]


def test_input_spec_error_names_layer_and_shapes():
    model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(10, name="classifier")])
    with pytest.raises(ValueError, match=r'layer "classifier".*axis -1.*784.*\(32, 100\)'):
        model.layers[0](np.ones((32, 100), np.float32))
    with pytest.raises(ValueError, match=r"x\[None\]"):
        model(np.ones(784, np.float32))


def test_input_shape_int_suggests_tuple():
    with pytest.raises(ValueError, match=r"input_shape=\(3,\)"):
        keras.layers.Dense(2, input_shape=3)
    with pytest.raises(ValueError, match=r"shape=\(3,\)"):
        keras.Input(shape=3)


def test_unrecognized_kwargs():
    with pytest.raises(TypeError, match="Unrecognized keyword arguments passed to Dense"):
        keras.layers.Dense(2, foo=1)


def test_automatic_get_config_for_custom_layer():
    class Scale(keras.layers.Layer):
        def __init__(self, factor, offset=0.0, **kwargs):
            super().__init__(**kwargs)
            self.factor, self.offset = factor, offset

        def call(self, x):
            return x * self.factor + self.offset

    layer = Scale(2.0, offset=1.0, name="scale")
    cfg = layer.get_config()
    assert cfg["factor"] == 2.0 and cfg["offset"] == 1.0 and cfg["name"] == "scale"
    clone = Scale.from_config(cfg)
    np.testing.assert_allclose(clone(np.ones(2, np.float32)).numpy(), [3.0, 3.0])


def test_custom_layer_with_object_args_needs_get_config():
    class Holder(keras.layers.Layer):
        def __init__(self, thing):
            super().__init__()
            self.thing = thing

        def call(self, x):
            return x

    with pytest.raises(NotImplementedError, match="get_config"):
        Holder(object()).get_config()


def test_float64_inputs_are_cast_to_layer_dtype():
    d = keras.layers.Dense(2)
    out = d(np.ones((1, 3)))  # float64 NumPy data
    assert out.dtype == ts.float32


def test_masks_flow_from_embedding_like_layer():
    class MaskZero(keras.layers.Layer):
        def call(self, x):
            return ts.cast(x, "float32")

        def compute_mask(self, inputs, previous_mask=None):
            return ts.not_equal(inputs, 0)

    class UsesMask(keras.layers.Layer):
        def call(self, x, mask=None):
            self.got = mask
            return x

    m, u = MaskZero(), UsesMask()
    u(m(np.array([[1, 0, 2]])))
    np.testing.assert_array_equal(u.got.numpy(), [[True, False, True]])


def test_get_set_weights_errors():
    d = keras.layers.Dense(2)
    d.build((None, 3))
    with pytest.raises(ValueError, match="expects 2 weight arrays"):
        d.set_weights([np.ones((3, 2))])
    with pytest.raises(ValueError, match=r"shape \(3, 2\).*\(2, 2\)"):
        d.set_weights([np.ones((2, 2)), np.ones(2)])


def test_input_spec_still_checked_after_a_successful_call():
    """The spec check is remembered per input shape and dtype only: another shape, or a
    replaced spec, is checked again."""
    layer = keras.layers.Dense(3)
    ok = np.ones((2, 4), "float32")
    layer(ok)
    layer(ok)
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 4"):
        layer(np.ones((2, 5), "float32"))
    layer.input_spec = keras.layers.InputSpec(ndim=3)
    with pytest.raises(ValueError, match="expected ndim=3"):
        layer(ok)

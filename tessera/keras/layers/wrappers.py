"""Layer wrappers: Bidirectional and TimeDistributed, as in Keras 3."""
import copy

import tessera as ts
from ..saving import serialization_lib
from ..saving.object_registration import keras_export
from .layer import Layer

__all__ = ["Bidirectional", "TimeDistributed"]

_MERGE_MODES = ("sum", "mul", "ave", "concat", None)


def _renamed_copy(layer, prefix, go_backwards=None):
    config = serialization_lib.serialize_keras_object(layer)
    name = layer.name[len(prefix):] if layer.name.startswith(prefix) else layer.name
    config["config"]["name"] = prefix + name
    if go_backwards is not None:
        config["config"]["go_backwards"] = go_backwards
    return serialization_lib.deserialize_keras_object(config)


@keras_export("keras.layers")
class Bidirectional(Layer):
    """Runs an RNN forwards and backwards and merges the outputs, as `keras.layers.Bidirectional`.

    Args:
        layer: an RNN layer (LSTM, GRU, SimpleRNN, RNN...); a fresh copy named
            `forward_<name>` runs forwards.
        merge_mode: "concat" (default), "sum", "mul", "ave", or None (a list of
            the two outputs).
        backward_layer: optional layer for the backward direction (its
            `go_backwards` must differ from `layer`'s); default: a copy of `layer`
            with `go_backwards=True`, named `backward_<name>`.

    With `return_sequences`, the backward outputs are flipped back into time
    order before merging, and masked steps output zeros. `initial_state`: the
    first half of the list goes to the forward layer, the rest to the backward one.
    """

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError("Please initialize `Bidirectional` layer with a "
                             f"`keras.layers.Layer` instance. Received: {layer}")
        if backward_layer is not None and not isinstance(backward_layer, Layer):
            raise ValueError("`backward_layer` need to be a `keras.layers.Layer` instance. "
                             f"Received: {backward_layer}")
        if merge_mode not in _MERGE_MODES:
            raise ValueError(f"Invalid merge mode. Received: {merge_mode}. Merge mode should be "
                             'one of {"sum", "mul", "ave", "concat", None}')
        super().__init__(**kwargs)
        self.forward_layer = _renamed_copy(layer, "forward_")
        if backward_layer is None:
            self.backward_layer = _renamed_copy(layer, "backward_",
                                                go_backwards=not layer.go_backwards)
        else:
            self.backward_layer = backward_layer
        self._verify()
        for sub in (self.forward_layer, self.backward_layer):
            if getattr(sub, "zero_output_for_mask", None) is not None:
                sub.zero_output_for_mask = sub.return_sequences
        self.merge_mode = merge_mode
        if weights:
            n = len(weights)
            self._initial_weights = (weights[:n // 2], weights[n // 2:])
        else:
            self._initial_weights = None
        self.stateful = layer.stateful
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.supports_masking = True
        self.input_spec = layer.input_spec

    def _verify(self):
        f, b = self.forward_layer, self.backward_layer
        if f.go_backwards == b.go_backwards:
            raise ValueError("Forward layer and backward layer should have different "
                             f"`go_backwards` value. Received: forward_layer.go_backwards "
                             f"{f.go_backwards}, backward_layer.go_backwards={b.go_backwards}")
        for a in ("stateful", "return_sequences", "return_state"):
            if getattr(f, a) != getattr(b, a):
                raise ValueError(
                    "Forward layer and backward layer are expected to have the same value for "
                    f'attribute "{a}", got "{getattr(f, a)}" for forward layer and '
                    f'"{getattr(b, a)}" for backward layer')

    def build(self, input_shape):
        for sub in (self.forward_layer, self.backward_layer):
            if not sub.built:
                sub.build(input_shape)
                sub.built = True
        if self._initial_weights is not None:
            self.forward_layer.set_weights(self._initial_weights[0])
            self.backward_layer.set_weights(self._initial_weights[1])
            self._initial_weights = None
        self.built = True

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        out = self.forward_layer.compute_output_shape(sequences_shape)
        states = ()
        if self.return_state:
            out, states = out[0], tuple(out[1:])
        if self.merge_mode == "concat":
            out = tuple(out[:-1]) + (None if out[-1] is None else 2 * out[-1],)
        elif self.merge_mode is None:
            out = [tuple(out), tuple(out)]
        if self.return_state:
            if self.merge_mode is None:
                return tuple(out) + states + states
            return (tuple(out),) + states + states
        return tuple(out) if self.merge_mode is not None else out

    def call(self, sequences, initial_state=None, mask=None, training=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        kw = {}
        if self.forward_layer._call_info.has_training:
            kw["training"] = training
        if self.forward_layer._call_info.has_mask and mask is not None:
            kw["mask"] = mask
        fstate = bstate = None
        if initial_state is not None:
            half = len(initial_state) // 2
            fstate, bstate = list(initial_state[:half]), list(initial_state[half:])
        y = self.forward_layer(sequences, initial_state=fstate, **kw)
        y_rev = self.backward_layer(sequences, initial_state=bstate, **kw)
        states = ()
        if self.return_state:
            states = tuple(y[1:]) + tuple(y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        if self.return_sequences:
            y_rev = ts.reverse(y_rev, [1])
        if self.merge_mode == "concat":
            out = ts.concat([y, y_rev], axis=-1)
        elif self.merge_mode == "sum":
            out = y + y_rev
        elif self.merge_mode == "ave":
            out = (y + y_rev) / 2
        elif self.merge_mode == "mul":
            out = y * y_rev
        else:
            out = (y, y_rev)
        if self.return_state:
            if self.merge_mode is None:
                return out + states
            return (out,) + states
        return out

    def compute_mask(self, _, mask):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        if self.return_sequences:
            out = mask if self.merge_mode else [mask, mask]
        else:
            out = None if self.merge_mode else [None, None]
        if self.return_state:
            n = len(self.forward_layer.state_size) * 2 if hasattr(self.forward_layer,
                                                                   "state_size") else 2
            return (out if isinstance(out, list) else [out]) + [None] * n
        return out

    @property
    def states(self):
        f, b = self.forward_layer.states, self.backward_layer.states
        return tuple(f + b) if f and b else None

    def reset_state(self):
        if not self.stateful:
            raise AttributeError("Layer must be stateful.")
        self.forward_layer.reset_state()
        self.backward_layer.reset_state()

    reset_states = reset_state

    def get_config(self):
        base = super().get_config()
        base["merge_mode"] = self.merge_mode
        base["layer"] = serialization_lib.serialize_keras_object(self.forward_layer)
        base["backward_layer"] = serialization_lib.serialize_keras_object(self.backward_layer)
        return base

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = copy.deepcopy(config)
        if isinstance(config.get("dtype"), dict):
            config["dtype"] = config["dtype"].get("config", {}).get("name")
        config["layer"] = serialization_lib.deserialize_keras_object(
            config["layer"], custom_objects=custom_objects)
        back = config.pop("backward_layer", None)
        if back is not None:
            config["backward_layer"] = serialization_lib.deserialize_keras_object(
                back, custom_objects=custom_objects)
        return cls(**config)


@keras_export("keras.layers")
class TimeDistributed(Layer):
    """Applies `layer` to every temporal slice of the input, as `keras.layers.TimeDistributed`.

    Args:
        layer: a layer; it sees inputs of shape `(batch * timesteps, ...)`.

    Input `(batch, timesteps, ...)`; output `(batch, timesteps, ...)` with the
    layer's per-step output shape.
    """

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError("Please initialize `TimeDistributed` layer with a "
                             f"`keras.layers.Layer` instance. Received: {layer}")
        super().__init__(**kwargs)
        self.layer = layer
        self.supports_masking = True

    def _inner_shape(self, input_shape):
        if len(input_shape) < 3:
            raise ValueError("`TimeDistributed` Layer should be passed an `input_shape` with at "
                             f"least 3 dimensions, received: {tuple(input_shape)}")
        return (input_shape[0],) + tuple(input_shape[2:])

    def build(self, input_shape):
        inner = self._inner_shape(tuple(input_shape))
        if not self.layer.built:
            self.layer.build(inner)
            self.layer.built = True
        self.built = True

    def compute_output_shape(self, input_shape):
        out = self.layer.compute_output_shape(self._inner_shape(tuple(input_shape)))
        return (out[0], input_shape[1]) + tuple(out[1:])

    def call(self, inputs, training=None, mask=None):
        shape = tuple(inputs.shape)
        b, t = shape[0], shape[1]
        x = ts.reshape(inputs, (b * t,) + shape[2:])
        kw = {}
        if self.layer._call_info.has_training:
            kw["training"] = training
        if mask is not None and self.layer._call_info.has_mask:
            m = mask[0] if isinstance(mask, (list, tuple)) else mask
            kw["mask"] = ts.reshape(m, (b * t,) + tuple(m.shape[2:]))
        y = self.layer(x, **kw)
        return ts.reshape(y, (b, t) + tuple(y.shape[1:]))

    def compute_mask(self, inputs, mask):
        return mask

    def get_config(self):
        base = super().get_config()
        base["layer"] = serialization_lib.serialize_keras_object(self.layer)
        return base

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        if isinstance(config.get("dtype"), dict):
            config["dtype"] = config["dtype"].get("config", {}).get("name")
        config["layer"] = serialization_lib.deserialize_keras_object(
            config["layer"], custom_objects=custom_objects)
        return cls(**config)

"""RNN cells: SimpleRNNCell, LSTMCell, GRUCell and StackedRNNCells, as in Keras 3.

A cell computes one time step, `call(inputs, states, training=False) ->
(output, new_states)`, with differentiable Tessera ops; `keras.layers.RNN(cell)`
runs it over a sequence. The SimpleRNN, LSTM and GRU layers hold one of these
cells (their weights live on it) and run the whole sequence with a fused op
when they can.
"""
import numpy as np

import tessera as ts
from ...ops import rnn_composite as _C
from ..saving import serialization_lib
from ..saving.object_registration import keras_export
from .layer import Layer

__all__ = ["SimpleRNNCell", "LSTMCell", "GRUCell", "StackedRNNCells"]


def _ser(obj):
    return serialization_lib.serialize_keras_object(obj)


def _check_units(cls, units):
    if not isinstance(units, (int, np.integer)) or units <= 0:
        raise ValueError(f"{cls}: received an invalid value for argument `units`, expected a "
                         f"positive integer, got {units!r}.")
    return int(units)


class DropoutRNNCell:
    """Mixin: one dropout mask for the inputs and one for the recurrent state, drawn once
    per sequence (reset by the RNN layer after each call), as Keras' `DropoutRNNCell`."""

    def get_dropout_mask(self, step_input):
        if getattr(self, "_dropout_mask", None) is None and self.dropout > 0:
            ones = ts.ones_like(step_input)
            self._dropout_mask = ts.stop_gradient(
                _keras_random().dropout(ones, self.dropout, seed=self.seed_generator))
        return getattr(self, "_dropout_mask", None)

    def get_recurrent_dropout_mask(self, step_state):
        if getattr(self, "_recurrent_dropout_mask", None) is None and self.recurrent_dropout > 0:
            ones = ts.ones_like(step_state)
            self._recurrent_dropout_mask = ts.stop_gradient(
                _keras_random().dropout(ones, self.recurrent_dropout, seed=self.seed_generator))
        return getattr(self, "_recurrent_dropout_mask", None)

    def reset_dropout_mask(self):
        self._dropout_mask = None

    def reset_recurrent_dropout_mask(self):
        self._recurrent_dropout_mask = None


def _keras_random():
    from .. import random
    return random


class _Cell(Layer, DropoutRNNCell):
    """Shared constructor arguments and weights of the three cells."""

    _GATES = 1

    def __init__(self, units, activation="tanh", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        from .. import activations, constraints, initializers, regularizers
        self.units = _check_units(type(self).__name__, units)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = min(1.0, max(0.0, float(dropout)))
        self.recurrent_dropout = min(1.0, max(0.0, float(recurrent_dropout)))
        self.seed = seed
        self.seed_generator = _keras_random().SeedGenerator(seed)
        self.output_size = self.units

    def build(self, input_shape):
        n = self._GATES * self.units
        self.kernel = self.add_weight(shape=(input_shape[-1], n), name="kernel",
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(shape=(self.units, n), name="recurrent_kernel",
                                                initializer=self.recurrent_initializer,
                                                regularizer=self.recurrent_regularizer,
                                                constraint=self.recurrent_constraint)
        if self.use_bias:
            self.bias = self.add_weight(shape=self._bias_shape(), name="bias",
                                        initializer=self._bias_init(),
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        else:
            self.bias = None
        self.built = True

    def _bias_shape(self):
        return (self._GATES * self.units,)

    def _bias_init(self):
        return self.bias_initializer

    def _dropped(self, inputs, h, training):
        if training and 0 < self.dropout < 1:
            inputs = inputs * self.get_dropout_mask(inputs)
        if training and 0 < self.recurrent_dropout < 1:
            h = h * self.get_recurrent_dropout_mask(h)
        return inputs, h

    def get_initial_state(self, batch_size=None):
        sizes = self.state_size if isinstance(self.state_size, (list, tuple)) else [self.state_size]
        return [ts.zeros((batch_size, d), dtype=self.compute_dtype) for d in sizes]

    def get_config(self):
        base = super().get_config()
        base.update({
            "units": self.units, "activation": _ser(self.activation), "use_bias": self.use_bias,
            "kernel_initializer": _ser(self.kernel_initializer),
            "recurrent_initializer": _ser(self.recurrent_initializer),
            "bias_initializer": _ser(self.bias_initializer),
            "kernel_regularizer": _ser(self.kernel_regularizer),
            "recurrent_regularizer": _ser(self.recurrent_regularizer),
            "bias_regularizer": _ser(self.bias_regularizer),
            "kernel_constraint": _ser(self.kernel_constraint),
            "recurrent_constraint": _ser(self.recurrent_constraint),
            "bias_constraint": _ser(self.bias_constraint),
            "dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout,
            "seed": self.seed,
        })
        return base


def _first(states):
    return states[0] if isinstance(states, (list, tuple)) else states


@keras_export("keras.layers")
class SimpleRNNCell(_Cell):
    """Cell of the fully-connected RNN: `h = activation(x @ kernel + h_prev @ recurrent_kernel
    + bias)`, as `keras.layers.SimpleRNNCell`.

    Args:
        units: size of the output and state.
        activation: default "tanh".
        use_bias, kernel_initializer ("glorot_uniform"), recurrent_initializer
        ("orthogonal"), bias_initializer ("zeros"), *_regularizer, *_constraint.
        dropout, recurrent_dropout: fractions dropped from the inputs / the state.
        seed: seed of the dropout masks.
    """

    def __init__(self, units, activation="tanh", **kwargs):
        super().__init__(units, activation=activation, **kwargs)
        self.state_size = self.units

    def call(self, sequence, states, training=False):
        h = _first(states)
        x, hd = self._dropped(sequence, h, training)
        out = _C.simple_step(x, hd, self.kernel, self.recurrent_kernel, self.bias, self.activation)
        return out, ([out] if isinstance(states, (list, tuple)) else out)


@keras_export("keras.layers")
class LSTMCell(_Cell):
    """Cell of the LSTM layer (gate order i, f, c, o), as `keras.layers.LSTMCell`.

    Args:
        units: size of the output and of each state (h and c).
        activation: default "tanh"; recurrent_activation: default "sigmoid".
        unit_forget_bias: add 1 to the forget-gate bias at initialisation (default True).
        Others as in `SimpleRNNCell`.

    Call returns `(h, [h, c])`.
    """

    _GATES = 4

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid",
                 unit_forget_bias=True, **kwargs):
        kwargs.pop("implementation", None)
        super().__init__(units, activation=activation, **kwargs)
        from .. import activations
        self.recurrent_activation = activations.get(recurrent_activation)
        self.unit_forget_bias = unit_forget_bias
        self.state_size = [self.units, self.units]

    def _bias_init(self):
        if not self.unit_forget_bias:
            return self.bias_initializer
        from .. import initializers
        base, units = self.bias_initializer, self.units

        def init(shape, dtype=None):
            return ts.concat([ts.convert_to_tensor(base((units,), dtype=dtype)),
                              ts.convert_to_tensor(initializers.get("ones")((units,), dtype=dtype)),
                              ts.convert_to_tensor(base((2 * units,), dtype=dtype))], axis=0)
        return init

    def call(self, inputs, states, training=False):
        h, c = states[0], states[1]
        x, hd = self._dropped(inputs, h, training)
        h, c = _C.lstm_step(x, hd, c, self.kernel, self.recurrent_kernel, self.bias,
                            self.activation, self.recurrent_activation)
        return h, [h, c]

    def get_config(self):
        base = super().get_config()
        base["recurrent_activation"] = _ser(self.recurrent_activation)
        base["unit_forget_bias"] = self.unit_forget_bias
        return base


@keras_export("keras.layers")
class GRUCell(_Cell):
    """Cell of the GRU layer (gate order z, r, h), as `keras.layers.GRUCell`.

    Args:
        units: size of the output and state.
        activation: default "tanh"; recurrent_activation: default "sigmoid".
        reset_after: apply the reset gate after the recurrent matmul (default
            True, with a `(2, 3 * units)` bias: input and recurrent parts).
        Others as in `SimpleRNNCell`.
    """

    _GATES = 3

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid",
                 reset_after=True, **kwargs):
        super().__init__(units, activation=activation, **kwargs)
        from .. import activations
        self.recurrent_activation = activations.get(recurrent_activation)
        self.reset_after = reset_after
        self.state_size = self.units

    def _bias_shape(self):
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def call(self, inputs, states, training=False):
        h = _first(states)
        x, hd = self._dropped(inputs, h, training)
        if hd is not h:
            # Keras applies the recurrent dropout to the recurrent matmul input only
            out = _gru_dropped_step(self, x, h, hd)
        else:
            out = _C.gru_step(x, h, self.kernel, self.recurrent_kernel, self.bias,
                              self.reset_after, self.activation, self.recurrent_activation)
        return out, ([out] if isinstance(states, (list, tuple)) else out)

    def get_config(self):
        base = super().get_config()
        base["recurrent_activation"] = _ser(self.recurrent_activation)
        base["reset_after"] = self.reset_after
        return base


def _gru_dropped_step(cell, x, h, hd):
    """A GRU step whose recurrent projections read the dropped-out state `hd`."""
    u = cell.units
    xw = ts.matmul(x, cell.kernel)
    b = cell.bias
    if b is not None:
        xw = xw + (b[0] if cell.reset_after else b)
    xz, xr, xh = ts.split(xw, 3, axis=-1)
    act, ract = cell.activation, cell.recurrent_activation
    if cell.reset_after:
        rec = ts.matmul(hd, cell.recurrent_kernel)
        if b is not None:
            rec = rec + b[1]
        rz, rr, rh = ts.split(rec, 3, axis=-1)
        z, r = ract(xz + rz), ract(xr + rr)
        hh = act(xh + r * rh)
    else:
        rz, rr = ts.split(ts.matmul(hd, cell.recurrent_kernel[:, :2 * u]), 2, axis=-1)
        z, r = ract(xz + rz), ract(xr + rr)
        hh = act(xh + ts.matmul(r * hd, cell.recurrent_kernel[:, 2 * u:]))
    return z * h + (1 - z) * hh


@keras_export("keras.layers")
class StackedRNNCells(Layer):
    """Stacks RNN cells so that they behave as one cell, as `keras.layers.StackedRNNCells`.

    Args:
        cells: a list of cells; each one's output is the next one's input.

    Its `state_size` is the list of the cells' state sizes; its states are a
    list with one entry (a list of tensors) per cell.
    """

    def __init__(self, cells, **kwargs):
        super().__init__(**kwargs)
        for cell in cells:
            if "call" not in dir(cell) or not hasattr(cell, "state_size"):
                raise ValueError("StackedRNNCells: every cell needs a `call` method and a "
                                 f"`state_size` attribute; got {cell!r}.")
        self.cells = list(cells)

    @property
    def state_size(self):
        return [c.state_size for c in self.cells]

    @property
    def output_size(self):
        last = self.cells[-1]
        out = getattr(last, "output_size", None)
        if out is None:
            s = last.state_size
            out = s[0] if isinstance(s, (list, tuple)) else s
        return out

    def get_initial_state(self, batch_size=None):
        out = []
        for cell in self.cells:
            fn = getattr(cell, "get_initial_state", None)
            if fn is not None:
                st = fn(batch_size=batch_size)
            else:
                s = cell.state_size
                st = [ts.zeros((batch_size, d), dtype=self.compute_dtype)
                      for d in (s if isinstance(s, (list, tuple)) else [s])]
            out.append(st if isinstance(st, (list, tuple)) else [st])
        return out

    def build(self, input_shape):
        shape = tuple(input_shape)
        for cell in self.cells:
            if isinstance(cell, Layer) and not cell.built:
                cell.build(shape)
                cell.built = True
            out = getattr(cell, "output_size", None)
            if out is None:
                s = cell.state_size
                out = s[0] if isinstance(s, (list, tuple)) else s
            shape = shape[:-1] + (out,)
        self.built = True

    def call(self, inputs, states, training=False):
        new_states = []
        x = inputs
        for cell, st in zip(self.cells, states):
            st = list(st) if isinstance(st, (list, tuple)) else [st]
            kw = {"training": training} if isinstance(cell, Layer) and \
                cell._call_info.has_training else {}
            x, new = cell(x, st, **kw)
            new_states.append(list(new) if isinstance(new, (list, tuple)) else [new])
        return x, new_states

    def get_config(self):
        base = super().get_config()
        base["cells"] = [_ser(c) for c in self.cells]
        return base

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        cells = [serialization_lib.deserialize_keras_object(c, custom_objects=custom_objects)
                 for c in config.pop("cells")]
        return cls(cells, **config)


"""Recurrent layers: RNN (any cell, step by step), SimpleRNN, LSTM, GRU, as in Keras 3.

`RNN(cell)` runs a cell's `call(inputs, states)` over the time axis with
differentiable Tessera ops. SimpleRNN, LSTM and GRU hold a cell (their weights
live on it) and run the whole sequence with one fused op from
`tessera.ops.rnn` whenever the configuration allows it (LSTM/GRU: tanh and
sigmoid; SimpleRNN: tanh, relu or linear; no recurrent dropout while
training); otherwise they fall back to the step loop.
"""
import numpy as np

import tessera as ts
from ...core import nest
from ...ops import rnn as _rnn
from ...ops import rnn_composite as _C
from ..saving import serialization_lib
from ..saving.object_registration import keras_export
from .input_spec import InputSpec
from .layer import Layer
from .rnn_cells import GRUCell, LSTMCell, SimpleRNNCell, StackedRNNCells

__all__ = ["RNN", "SimpleRNN", "LSTM", "GRU"]


class _StateHolder:
    """Holds a stateful RNN's state variables out of the layer's weights (as Keras does)."""

    def __init__(self, variables):
        self.variables = variables


def _flat_sizes(state_size):
    return [int(s) for s in nest.flatten(state_size)]


@keras_export("keras.layers")
class RNN(Layer):
    """Base class for recurrent layers: runs `cell` over the time axis, as `keras.layers.RNN`.

    Args:
        cell: an RNN cell (`call(inputs, states) -> (output, new_states)` and a
            `state_size`), or a list of cells (stacked with `StackedRNNCells`).
        return_sequences: return every step's output (default: only the last).
        return_state: also return the final states.
        go_backwards: process the sequence from its end; the returned sequence
            is then reversed.
        stateful: reuse each batch's final states as the next batch's initial
            states (needs a fixed batch size; `reset_states()` zeroes them).
        unroll: accepted for compatibility, ignored.
        zero_output_for_mask: masked steps output zeros instead of the previous output.

    Call arguments: `sequences` `(batch, timesteps, features)`, `initial_state`
    (a list of tensors), `mask` `(batch, timesteps)` bool, `training`.
    """

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, zero_output_for_mask=False, **kwargs):
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        if "call" not in dir(cell):
            raise ValueError(f"Argument `cell` should have a `call` method. Received: cell={cell}")
        if getattr(cell, "state_size", None) is None:
            raise ValueError("The RNN cell should have a `state_size` attribute (single integer "
                             f"or list of integers, one per state). Received: cell={cell}")
        super().__init__(**kwargs)
        self.zero_output_for_mask = zero_output_for_mask
        self.cell = cell
        self.return_sequences = return_sequences
        self.return_state = return_state
        self.go_backwards = go_backwards
        self.stateful = stateful
        self.unroll = unroll
        self.supports_masking = True
        self.input_spec = None
        self._state_holder = None

    # -- shapes and masks ----------------------------------------------------
    @property
    def state_size(self):
        s = self.cell.state_size
        return list(s) if isinstance(s, (list, tuple)) else [s]

    def _output_size(self):
        out = getattr(self.cell, "output_size", None)
        return out if out is not None else _flat_sizes(self.cell.state_size)[0]

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        b, t = sequences_shape[0], sequences_shape[1]
        out = (b, t, self._output_size()) if self.return_sequences else (b, self._output_size())
        if self.return_state:
            return (out,) + tuple((b, s) for s in _flat_sizes(self.cell.state_size))
        return out

    def compute_mask(self, _, mask):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        out = mask if self.return_sequences else None
        if self.return_state:
            return [out] + [None] * len(_flat_sizes(self.cell.state_size))
        return out

    # -- building and states ---------------------------------------------------
    def build(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) < 3:
            raise ValueError(f'Layer "{self.name}" expects inputs of shape (batch, timesteps, '
                             f"features), got {input_shape}.")
        if isinstance(self.cell, Layer) and not self.cell.built:
            self.cell.build((input_shape[0],) + input_shape[2:])
            self.cell.built = True
        if self.stateful:
            if input_shape[0] is None:
                raise ValueError(
                    f'Layer "{self.name}": when using `stateful=True` in a RNN, the batch size '
                    f"must be static. Found dynamic batch size: sequence.shape={input_shape}. "
                    "Pass batch_size=... (or batch_shape) to the model's Input.")
            self._create_state_variables(input_shape[0])
        self.built = True

    def _create_state_variables(self, batch_size):
        init = nest.flatten(self.get_initial_state(batch_size))
        self._state_holder = _StateHolder(
            [ts.Variable(np.asarray(v), trainable=False, name="rnn_state") for v in init])

    @property
    def states(self):
        """The state variables of a stateful layer (None otherwise)."""
        return None if self._state_holder is None else list(self._state_holder.variables)

    def get_initial_state(self, batch_size):
        fn = getattr(self.cell, "get_initial_state", None)
        if fn is not None:
            st = fn(batch_size=batch_size)
            return list(st) if isinstance(st, (list, tuple)) else [st]
        return [ts.zeros((batch_size, d), dtype=self.compute_dtype) for d in self.state_size]

    def reset_state(self, states=None):
        """Zeroes the states of a stateful layer (or sets them to `states`)."""
        if self._state_holder is None:
            if self.stateful:
                return
            raise AttributeError(f'Layer "{self.name}" must be stateful to reset its states.')
        values = None if states is None else nest.flatten(states)
        for i, v in enumerate(self._state_holder.variables):
            if values is None:
                v.assign(np.zeros(tuple(v.shape), dtype=v._a.dtype))
            else:
                new = np.asarray(values[i], dtype=v._a.dtype)
                if new.shape != tuple(v.shape):
                    raise ValueError(f'Layer "{self.name}": state {i} has shape '
                                     f"{tuple(v.shape)}, got a value of shape {new.shape}.")
                v.assign(new)

    reset_states = reset_state

    # -- calling ----------------------------------------------------------------
    def _initial_states(self, sequences, initial_state):
        if initial_state is None:
            if self.stateful and self._state_holder is not None:
                return [ts.convert_to_tensor(np.array(v.numpy()))
                        for v in self._state_holder.variables]
            return nest.flatten(self.get_initial_state(sequences.shape[0]))
        flat = [ts.convert_to_tensor(s) for s in nest.flatten(initial_state)]
        want = _flat_sizes(self.cell.state_size)
        if len(flat) != len(want):
            raise ValueError(f'Layer "{self.name}" expects {len(want)} initial states, got '
                             f"{len(flat)}.")
        dt = self.compute_dtype
        return [ts.cast(s, dt) if s.dtype.name != dt else s for s in flat]

    def _finish(self, output, states):
        if self.stateful and self._state_holder is not None:
            for v, s in zip(self._state_holder.variables, states):
                v.assign(ts.stop_gradient(s))
        if self.return_state:
            return (output,) + tuple(states)
        return output

    def call(self, sequences, initial_state=None, mask=None, training=False):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        states = self._initial_states(sequences, initial_state)
        output, states = self._step_loop(sequences, states, mask, training)
        return self._finish(output, states)

    def _step_loop(self, sequences, flat_states, mask, training):
        cell = self.cell
        structure = self.get_initial_state(1) if isinstance(cell, StackedRNNCells) else \
            [None] * len(flat_states)
        kw = {}
        if isinstance(cell, Layer) and cell._call_info.has_training:
            kw["training"] = training
        single = not isinstance(cell.state_size, (list, tuple))
        if isinstance(cell, Layer) and not cell.built:
            cell.build((sequences.shape[0],) + tuple(sequences.shape[2:]))
            cell.built = True

        def step(x, st):
            packed = nest.pack_sequence_as(structure, list(st))
            if single and not isinstance(cell, StackedRNNCells):
                packed = list(packed)
            out, new = cell(x, packed, **kw) if isinstance(cell, Layer) else cell.call(x, packed)
            return out, nest.flatten(new)

        try:
            return _C.run_sequence(step, sequences, flat_states, mask, self.go_backwards,
                                   self.return_sequences, self.zero_output_for_mask)
        finally:
            for c in getattr(cell, "cells", [cell]):
                if hasattr(c, "reset_dropout_mask"):
                    c.reset_dropout_mask()
                    c.reset_recurrent_dropout_mask()

    # -- config ------------------------------------------------------------------
    def get_config(self):
        base = super().get_config()
        base.update({"return_sequences": self.return_sequences, "return_state": self.return_state,
                     "go_backwards": self.go_backwards, "stateful": self.stateful,
                     "unroll": self.unroll, "zero_output_for_mask": self.zero_output_for_mask,
                     "cell": serialization_lib.serialize_keras_object(self.cell)})
        return base

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        if isinstance(config.get("dtype"), dict):
            config["dtype"] = config["dtype"].get("config", {}).get("name")
        cell = serialization_lib.deserialize_keras_object(config.pop("cell"),
                                                          custom_objects=custom_objects)
        return cls(cell, **config)


# Constructor arguments the three layers pass to their cell.
_CELL_ARGS = ("kernel_initializer", "recurrent_initializer", "bias_initializer",
              "kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
              "kernel_constraint", "recurrent_constraint", "bias_constraint")


class _FusedRNN(RNN):
    """Shared code of SimpleRNN, LSTM and GRU: a cell built from the layer's
    arguments, properties forwarding to it, the fused path."""

    _CELL = None
    _CELL_NAME = None

    def __init__(self, units, cell_kwargs, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, use_cudnn="auto",
                 activity_regularizer=None, **kwargs):
        if use_cudnn not in ("auto", True, False):
            raise ValueError("Invalid valid received for argument `use_cudnn`. Expected one of "
                             f"{{'auto', True, False}}. Received: use_cudnn={use_cudnn}")
        cell = self._CELL(units, dtype=kwargs.get("dtype"), trainable=kwargs.get("trainable", True),
                          name=self._CELL_NAME, **cell_kwargs)
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         activity_regularizer=activity_regularizer, **kwargs)
        self.input_spec = InputSpec(ndim=3)
        self.use_cudnn = use_cudnn

    def __getattr__(self, name):
        # units, activation, kernel_initializer, dropout ... live on the cell
        if name.startswith("_") or name in ("cell",):
            raise AttributeError(name)
        cell = self.__dict__.get("cell")
        if cell is not None and name in _FORWARDED:
            return getattr(cell, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def call(self, sequences, initial_state=None, mask=None, training=False):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        states = self._initial_states(sequences, initial_state)
        cell = self.cell
        if not self._fusable() or (training and cell.recurrent_dropout > 0):
            output, states = self._step_loop(sequences, states, mask, training)
            return self._finish(output, states)
        x = sequences
        if training and 0 < cell.dropout < 1:
            keep = cell.get_dropout_mask(x[:, 0, :])
            cell.reset_dropout_mask()
            x = x * ts.expand_dims(keep, 1)
        if mask is not None:
            mask = ts.cast(mask, "bool")
        out = self._fused(x, states, mask)
        output, new_states = out[0], list(out[1:])
        return self._finish(output, new_states)

    def _common(self):
        return dict(go_backwards=self.go_backwards, return_sequences=self.return_sequences,
                    zero_output_for_mask=self.zero_output_for_mask)

    def get_config(self):
        from .rnn_cells import _ser
        base = RNN.get_config(self)
        del base["cell"]
        cfg = self.cell.get_config()
        for k in ("name", "trainable", "dtype"):
            cfg.pop(k, None)
        base.update(cfg)
        base["activity_regularizer"] = _ser(self.activity_regularizer)
        return base

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        if isinstance(config.get("dtype"), dict):
            config["dtype"] = config["dtype"].get("config", {}).get("name")
        return cls(**config)


_FORWARDED = frozenset(("units", "activation", "recurrent_activation", "use_bias",
                        "unit_forget_bias", "reset_after", "dropout", "recurrent_dropout",
                        "seed") + _CELL_ARGS)


def _is(fn, name):
    from .. import activations
    return fn is getattr(activations, name)


@keras_export("keras.layers")
class SimpleRNN(_FusedRNN):
    """Fully-connected RNN whose output is fed back as input, as `keras.layers.SimpleRNN`.

    Args:
        units: size of the output.
        activation: default "tanh" ("tanh", "relu" and "linear" run fused).
        use_bias, kernel_initializer ("glorot_uniform"), recurrent_initializer
        ("orthogonal"), bias_initializer ("zeros"), *_regularizer, *_constraint,
        activity_regularizer, dropout, recurrent_dropout, seed: as in `SimpleRNNCell`.
        return_sequences, return_state, go_backwards, stateful, unroll: as in `RNN`.

    Example:
    >>> keras.layers.SimpleRNN(4)(np.ones((32, 10, 8), "float32")).shape
    TensorShape([32, 4])
    """

    _CELL = SimpleRNNCell
    _CELL_NAME = "simple_rnn_cell"

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, seed=None, **kwargs):
        loc = dict(locals())
        cell_kwargs = {k: loc[k] for k in _CELL_ARGS + ("activation", "use_bias", "dropout",
                                                        "recurrent_dropout", "seed")}
        super().__init__(units, cell_kwargs, return_sequences=return_sequences,
                         return_state=return_state, go_backwards=go_backwards, stateful=stateful,
                         unroll=unroll, activity_regularizer=activity_regularizer, **kwargs)

    def _act_name(self):
        for name in _rnn.FUSED_SIMPLE_ACTIVATIONS:
            if _is(self.cell.activation, name):
                return name
        return None

    def _fusable(self):
        return self._act_name() is not None

    def _fused(self, x, states, mask):
        c = self.cell
        return _rnn.simple_rnn(x, states[0], c.kernel, c.recurrent_kernel, c.bias, mask=mask,
                               activation=self._act_name(), **self._common())


@keras_export("keras.layers")
class LSTM(_FusedRNN):
    """Long Short-Term Memory layer (Hochreiter 1997), as `keras.layers.LSTM`.

    Args:
        units: size of the output and states.
        activation: default "tanh"; recurrent_activation: default "sigmoid"
            (this pair runs as one fused op; others step by step).
        unit_forget_bias: add 1 to the forget-gate bias at initialisation (default True).
        use_bias, initializers (recurrent: "orthogonal"), regularizers,
        constraints, dropout, recurrent_dropout, seed: as in `LSTMCell`.
        return_sequences, return_state, go_backwards, stateful, unroll: as in `RNN`.
        use_cudnn: accepted ("auto", True, False); there is no cuDNN path.

    With `return_state=True` it returns `[output, h, c]`.

    Example:
    >>> keras.layers.LSTM(4, return_sequences=True)(np.ones((32, 10, 8), "float32")).shape
    TensorShape([32, 10, 4])
    """

    _CELL = LSTMCell
    _CELL_NAME = "lstm_cell"

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, seed=None, return_sequences=False,
                 return_state=False, go_backwards=False, stateful=False, unroll=False,
                 use_cudnn="auto", **kwargs):
        kwargs.pop("implementation", None)
        loc = dict(locals())
        cell_kwargs = {k: loc[k] for k in _CELL_ARGS + (
            "activation", "recurrent_activation", "use_bias", "unit_forget_bias", "dropout",
            "recurrent_dropout", "seed")}
        super().__init__(units, cell_kwargs, return_sequences=return_sequences,
                         return_state=return_state, go_backwards=go_backwards, stateful=stateful,
                         unroll=unroll, use_cudnn=use_cudnn,
                         activity_regularizer=activity_regularizer, **kwargs)

    def _fusable(self):
        c = self.cell
        return _is(c.activation, "tanh") and _is(c.recurrent_activation, "sigmoid")

    def _fused(self, x, states, mask):
        c = self.cell
        return _rnn.lstm(x, states[0], states[1], c.kernel, c.recurrent_kernel, c.bias,
                         mask=mask, **self._common())


@keras_export("keras.layers")
class GRU(_FusedRNN):
    """Gated Recurrent Unit (Cho et al. 2014), as `keras.layers.GRU`.

    Args:
        units: size of the output and state.
        activation: default "tanh"; recurrent_activation: default "sigmoid"
            (this pair runs as one fused op; others step by step).
        reset_after: apply the reset gate after the recurrent matmul (default
            True: the bias is `(2, 3 * units)`, input and recurrent parts).
        use_bias, initializers, regularizers, constraints, dropout,
        recurrent_dropout, seed: as in `GRUCell`.
        return_sequences, return_state, go_backwards, stateful, unroll: as in `RNN`.
        use_cudnn: accepted; there is no cuDNN path.
    """

    _CELL = GRUCell
    _CELL_NAME = "gru_cell"

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, reset_after=True,
                 use_cudnn="auto", **kwargs):
        loc = dict(locals())
        cell_kwargs = {k: loc[k] for k in _CELL_ARGS + (
            "activation", "recurrent_activation", "use_bias", "dropout", "recurrent_dropout",
            "seed", "reset_after")}
        super().__init__(units, cell_kwargs, return_sequences=return_sequences,
                         return_state=return_state, go_backwards=go_backwards, stateful=stateful,
                         unroll=unroll, use_cudnn=use_cudnn,
                         activity_regularizer=activity_regularizer, **kwargs)

    def _fusable(self):
        c = self.cell
        return _is(c.activation, "tanh") and _is(c.recurrent_activation, "sigmoid")

    def _fused(self, x, states, mask):
        c = self.cell
        return _rnn.gru(x, states[0], c.kernel, c.recurrent_kernel, c.bias, mask=mask,
                        reset_after=c.reset_after, **self._common())

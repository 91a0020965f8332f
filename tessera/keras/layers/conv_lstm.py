"""ConvLSTM2D: an LSTM whose input and recurrent transformations are convolutions.

The input convolution of every time step runs as one batched `ts.nn.conv2d`
over `(batch * timesteps, rows, cols, channels)`; the recurrent convolution
(stride 1, "same" padding, as in Keras) runs once per step. Everything is
built from differentiable Tessera ops.
"""
import numpy as np

import tessera as ts
from ...ops import rnn_composite as _C
from ..saving import serialization_lib
from ..saving.object_registration import keras_export
from .input_spec import InputSpec
from .layer import Layer

__all__ = ["ConvLSTM2D"]


def _pair(v, name):
    if isinstance(v, int):
        return (v, v)
    v = tuple(int(a) for a in v)
    if len(v) != 2:
        raise ValueError(f"ConvLSTM2D: `{name}` must be an int or a pair of ints, got {v}.")
    return v


def _out_len(n, k, s, d, padding):
    if n is None:
        return None
    eff = (k - 1) * d + 1
    return -(-n // s) if padding == "same" else (n - eff) // s + 1


@keras_export("keras.layers")
class ConvLSTM2D(Layer):
    """2-D convolutional LSTM, as `keras.layers.ConvLSTM2D`.

    Args:
        filters: number of output channels (the size of h and c).
        kernel_size: int or pair; strides (1), padding ("valid"/"same"),
            data_format (channels_last default), dilation_rate (1): of the input
            convolution. The recurrent convolution uses stride 1 and "same".
        activation ("tanh"), recurrent_activation ("sigmoid"), use_bias,
        kernel_initializer, recurrent_initializer ("orthogonal"), bias_initializer,
        unit_forget_bias (True), *_regularizer, *_constraint, dropout,
        recurrent_dropout, seed, return_sequences, return_state, go_backwards,
        stateful: as in `LSTM`.

    Input `(batch, time, rows, cols, channels)`; output `(batch, new_rows,
    new_cols, filters)` (with `return_sequences`, a time axis after the batch).
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        from .. import activations, config, constraints, initializers, regularizers
        if stateful:
            raise NotImplementedError("ConvLSTM2D: stateful=True is not supported by tessera yet; "
                                      "pass the last states back with initial_state=... instead.")
        self.filters = int(filters)
        self.kernel_size = _pair(kernel_size, "kernel_size")
        self.strides = _pair(strides, "strides")
        self.dilation_rate = _pair(dilation_rate, "dilation_rate")
        self.padding = str(padding).lower()
        if self.padding not in ("valid", "same"):
            raise ValueError(f"ConvLSTM2D: padding must be 'valid' or 'same', got {padding!r}.")
        self.data_format = data_format or config.image_data_format()
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.unit_forget_bias = unit_forget_bias
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = float(dropout)
        self.recurrent_dropout = float(recurrent_dropout)
        self.seed = seed
        self.return_sequences = return_sequences
        self.return_state = return_state
        self.go_backwards = go_backwards
        self.stateful = stateful
        self.supports_masking = True
        self.input_spec = InputSpec(ndim=5)

    def _cl(self, shape):
        """The input shape in channels_last order."""
        shape = tuple(shape)
        if self.data_format == "channels_first":
            return shape[:2] + shape[3:] + (shape[2],)
        return shape

    def build(self, input_shape):
        b, t, rows, cols, ch = self._cl(input_shape)
        if ch is None:
            raise ValueError(f'Layer "{self.name}": the channel dimension of the inputs must be '
                             f"known, got input shape {tuple(input_shape)}.")
        kh, kw = self.kernel_size
        f = self.filters
        self.kernel = self.add_weight(shape=(kh, kw, ch, 4 * f), name="kernel",
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(shape=(kh, kw, f, 4 * f), name="recurrent_kernel",
                                                initializer=self.recurrent_initializer,
                                                regularizer=self.recurrent_regularizer,
                                                constraint=self.recurrent_constraint)
        if self.use_bias:
            init = self.bias_initializer
            if self.unit_forget_bias:
                base = self.bias_initializer

                def init(shape, dtype=None):
                    v = np.asarray(base((4 * f,), dtype=dtype)).copy()
                    v[f:2 * f] += 1
                    return v
            self.bias = self.add_weight(shape=(4 * f,), name="bias", initializer=init,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        else:
            self.bias = None
        self.built = True

    def _state_shape(self, shape_cl):
        b, _, rows, cols, _ = shape_cl
        (kh, kw), (sh, sw), (dh, dw) = self.kernel_size, self.strides, self.dilation_rate
        return (b, _out_len(rows, kh, sh, dh, self.padding), _out_len(cols, kw, sw, dw, self.padding),
                self.filters)

    def compute_output_shape(self, input_shape):
        cl = self._cl(input_shape)
        st = self._state_shape(cl)
        out = st[:1] + (cl[1],) + st[1:] if self.return_sequences else st
        if self.data_format == "channels_first":
            out = out[:-3] + (out[-1],) + out[-3:-1]
            st = st[:1] + (st[-1],) + st[1:-1]
        return (out, st, st) if self.return_state else out

    def call(self, inputs, initial_state=None, mask=None, training=False):
        if mask is not None:
            raise NotImplementedError("ConvLSTM2D: masking is not supported by tessera yet; "
                                      "remove the mask (e.g. the Masking layer) before it.")
        x = inputs
        if self.data_format == "channels_first":
            x = ts.transpose(x, [0, 1, 3, 4, 2])
        b, t = int(x.shape[0]), int(x.shape[1])
        if training and 0 < self.dropout < 1:
            from .. import random
            keep = random.dropout(ts.ones((b,) + tuple(x.shape[2:]), dtype=x.dtype), self.dropout,
                                  seed=self.seed)
            x = x * ts.expand_dims(keep, 1)
        flat = ts.reshape(x, (b * t,) + tuple(x.shape[2:]))
        xc = ts.nn.conv2d(flat, self.kernel, strides=self.strides, padding=self.padding.upper(),
                          dilations=self.dilation_rate)
        if self.bias is not None:
            xc = xc + self.bias
        xc = ts.reshape(xc, (b, t) + tuple(xc.shape[1:]))
        if initial_state is None:
            z = ts.zeros((b,) + tuple(xc.shape[2:4]) + (self.filters,), dtype=x.dtype)
            states = [z, z]
        else:
            states = [ts.convert_to_tensor(s) for s in initial_state]
            if self.data_format == "channels_first":
                states = [ts.transpose(s, [0, 2, 3, 1]) for s in states]
        rk, act, ract = self.recurrent_kernel, self.activation, self.recurrent_activation
        rdrop = None
        if training and 0 < self.recurrent_dropout < 1:
            from .. import random
            rdrop = random.dropout(ts.ones_like(states[0]), self.recurrent_dropout, seed=self.seed)

        def step(zx, st):
            h, c = st
            hin = h * rdrop if rdrop is not None else h
            zz = zx + ts.nn.conv2d(hin, rk, strides=1, padding="SAME")
            zi, zf, zg, zo = ts.split(zz, 4, axis=-1)
            c = ract(zf) * c + ract(zi) * act(zg)
            h = ract(zo) * act(c)
            return h, [h, c]

        out, states = _C.run_sequence(step, xc, states, None, self.go_backwards,
                                      self.return_sequences)
        if self.data_format == "channels_first":
            perm = [0, 1, 4, 2, 3] if self.return_sequences else [0, 3, 1, 2]
            out = ts.transpose(out, perm)
            states = [ts.transpose(s, [0, 3, 1, 2]) for s in states]
        if self.return_state:
            return (out,) + tuple(states)
        return out

    def compute_mask(self, _, mask):
        return None

    def get_config(self):
        ser = serialization_lib.serialize_keras_object
        base = super().get_config()
        base.update({
            "filters": self.filters, "kernel_size": self.kernel_size, "strides": self.strides,
            "padding": self.padding, "data_format": self.data_format,
            "dilation_rate": self.dilation_rate, "activation": ser(self.activation),
            "recurrent_activation": ser(self.recurrent_activation), "use_bias": self.use_bias,
            "kernel_initializer": ser(self.kernel_initializer),
            "recurrent_initializer": ser(self.recurrent_initializer),
            "bias_initializer": ser(self.bias_initializer),
            "unit_forget_bias": self.unit_forget_bias,
            "kernel_regularizer": ser(self.kernel_regularizer),
            "recurrent_regularizer": ser(self.recurrent_regularizer),
            "bias_regularizer": ser(self.bias_regularizer),
            "activity_regularizer": ser(self.activity_regularizer),
            "kernel_constraint": ser(self.kernel_constraint),
            "recurrent_constraint": ser(self.recurrent_constraint),
            "bias_constraint": ser(self.bias_constraint),
            "dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout,
            "seed": self.seed, "return_sequences": self.return_sequences,
            "return_state": self.return_state, "go_backwards": self.go_backwards,
            "stateful": self.stateful,
        })
        return base

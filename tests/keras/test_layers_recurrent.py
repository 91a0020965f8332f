"""Recurrent layers: SimpleRNN, LSTM, GRU, RNN(cell), the cells, Bidirectional,
TimeDistributed, ConvLSTM2D — each through run_layer_test with a NumPy step loop."""
import numpy as np
import pytest

import tessera as ts
from tessera import keras
from tests.keras.harness import run_layer_test
from tests.ops.test_rnn import gru_step_np, lstm_step_np, ref_loop, simple_step_np

L = keras.layers
B, T, D = 3, 5, 4


def lstm_ref(x, w, **kw):
    return ref_loop(lstm_step_np(w["kernel"], w["recurrent_kernel"], w.get("bias")), x,
                    [np.zeros((x.shape[0], w["recurrent_kernel"].shape[0]))] * 2, **kw)


def gru_ref(x, w, reset_after=True, **kw):
    return ref_loop(gru_step_np(w["kernel"], w["recurrent_kernel"], w.get("bias"), reset_after),
                    x, [np.zeros((x.shape[0], w["recurrent_kernel"].shape[0]))], **kw)


def simple_ref(x, w, act="tanh", **kw):
    return ref_loop(simple_step_np(w["kernel"], w["recurrent_kernel"], w.get("bias"), act), x,
                    [np.zeros((x.shape[0], w["recurrent_kernel"].shape[0]))], **kw)


# ----------------------------------------------------------------------------- layers
@pytest.mark.parametrize("return_sequences", [False, True])
def test_lstm(return_sequences):
    r = run_layer_test(L.LSTM, {"units": 3, "return_sequences": return_sequences},
                       input_shape=(B, T, D),
                       expected_output_shape=(B, T, 3) if return_sequences else (B, 3),
                       reference_fn=lambda x, w: lstm_ref(
                           x, w, return_sequences=return_sequences)[0],
                       expected_num_trainable_weights=3, expected_num_non_trainable_weights=0,
                       supports_masking=True)
    w = r.layer.get_weights()
    np.testing.assert_array_equal(w[2], [0] * 3 + [1] * 3 + [0] * 6)   # unit_forget_bias
    np.testing.assert_allclose(w[1] @ w[1].T, np.eye(3), atol=1e-5)   # orthogonal rows


def test_lstm_return_state_go_backwards_no_bias():
    run_layer_test(L.LSTM, {"units": 2, "return_state": True, "go_backwards": True,
                            "use_bias": False},
                   input_shape=(B, T, D), expected_output_shape=[(B, 2), (B, 2), (B, 2)],
                   reference_fn=lambda x, w: lstm_ref(x, w, go_backwards=True,
                                                      return_sequences=False),
                   expected_num_trainable_weights=2,
                   run_training_check=False)  # the harness fits single-output models only


@pytest.mark.parametrize("reset_after", [True, False])
def test_gru(reset_after):
    run_layer_test(L.GRU, {"units": 3, "reset_after": reset_after, "return_sequences": True,
                           "bias_initializer": "random_normal"},
                   input_shape=(B, T, D), expected_output_shape=(B, T, 3),
                   reference_fn=lambda x, w: gru_ref(x, w, reset_after)[0],
                   expected_num_trainable_weights=3)


@pytest.mark.parametrize("act", ["tanh", "relu", "sigmoid"])
def test_simple_rnn(act):
    ref_act = {"tanh": "tanh", "relu": "relu"}.get(act)

    def ref(x, w):
        if ref_act is None:   # sigmoid: runs step by step (not fused)
            k, rk, b = w["kernel"], w["recurrent_kernel"], w["bias"]
            h = np.zeros((x.shape[0], 3))
            for t in range(x.shape[1]):
                h = 1 / (1 + np.exp(-(x[:, t] @ k + h @ rk + b)))
            return h
        return simple_ref(x, w, ref_act, return_sequences=False)[0]
    run_layer_test(L.SimpleRNN, {"units": 3, "activation": act}, input_shape=(B, T, D),
                   expected_output_shape=(B, 3), reference_fn=ref,
                   expected_num_trainable_weights=3)


def test_rnn_with_builtin_cells_matches_fused_layers():
    x = np.random.default_rng(1).standard_normal((B, T, D)).astype("float32")
    for cell, layer in [(L.LSTMCell(3), L.LSTM(3, return_sequences=True)),
                        (L.GRUCell(3), L.GRU(3, return_sequences=True)),
                        (L.SimpleRNNCell(3), L.SimpleRNN(3, return_sequences=True))]:
        rnn = L.RNN(cell, return_sequences=True)
        rnn(x)
        layer(x)
        layer.set_weights(rnn.get_weights())
        np.testing.assert_allclose(rnn(x).numpy(), layer(x).numpy(), rtol=1e-5, atol=1e-6)


class MinimalRNNCell(L.Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
        self.recurrent_kernel = self.add_weight(shape=(self.units, self.units),
                                                name="recurrent_kernel")

    def call(self, inputs, states):
        out = ts.matmul(inputs, self.kernel) + ts.matmul(states[0], self.recurrent_kernel)
        return out, [out]

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def test_rnn_custom_cell():
    def ref(x, w):
        h = np.zeros((x.shape[0], 3))
        outs = []
        for t in range(x.shape[1]):
            h = x[:, t] @ w["kernel"] + h @ w["recurrent_kernel"]
            outs.append(h)
        return np.stack(outs, 1)
    run_layer_test(L.RNN, {"cell": MinimalRNNCell(3), "return_sequences": True},
                   input_shape=(B, T, D), expected_output_shape=(B, T, 3), reference_fn=ref,
                   custom_objects={"MinimalRNNCell": MinimalRNNCell},
                   run_config_check=False, run_symbolic_check=False, run_training_check=False)


def test_stacked_cells():
    def ref(x, w):
        k1, r1, b1 = w["kernel"], w["recurrent_kernel"], w["bias"]
        ks = [v for key, v in w.items() if key.endswith("kernel")]
        h1 = simple_ref(x, {"kernel": k1, "recurrent_kernel": r1, "bias": b1})[0]
        w2 = {"kernel": ks[2], "recurrent_kernel": ks[3],
              "bias": [v for key, v in w.items() if key.endswith("bias")][1]}
        return lstm_ref(h1, w2, return_sequences=False)[0]
    run_layer_test(L.RNN, {"cell": [L.SimpleRNNCell(3), L.LSTMCell(2)]}, input_shape=(B, T, D),
                   expected_output_shape=(B, 2), reference_fn=ref,
                   expected_num_trainable_weights=6)


def test_cells_single_step():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((B, D)).astype("float32")
    h = rng.standard_normal((B, 3)).astype("float32")
    cell = L.LSTMCell(3)
    out, (h1, c1) = cell(x, [h, h])
    w = {"kernel": cell.kernel.numpy(), "recurrent_kernel": cell.recurrent_kernel.numpy(),
         "bias": cell.bias.numpy()}
    want = lstm_step_np(w["kernel"], w["recurrent_kernel"], w["bias"])(x, [h, h])
    np.testing.assert_allclose(out.numpy(), want[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(c1.numpy(), want[1][1], rtol=1e-5, atol=1e-6)
    gcell = L.GRUCell(3, reset_after=False)
    out, new = gcell(x, h)
    want = gru_step_np(gcell.kernel.numpy(), gcell.recurrent_kernel.numpy(), gcell.bias.numpy(),
                       False)(x, [h])
    np.testing.assert_allclose(out.numpy(), want[0], rtol=1e-5, atol=1e-6)
    assert cell.state_size == [3, 3] and gcell.state_size == 3
    assert L.LSTMCell.from_config(cell.get_config()).get_config() == cell.get_config()


# ----------------------------------------------------------------------------- masking
MASK = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1], [0, 1, 1, 0, 1]], dtype=bool)


@pytest.mark.parametrize("cls,ref", [(L.LSTM, lstm_ref), (L.GRU, gru_ref),
                                     (L.SimpleRNN, simple_ref)])
def test_masking(cls, ref):
    x = np.random.default_rng(3).standard_normal((B, T, D)).astype("float32")
    layer = cls(3, return_sequences=True)
    out = layer(x, mask=MASK)
    w = {v.name.split("/")[-1]: v.numpy().astype(np.float64) for v in layer.weights}
    want = ref(x.astype(np.float64), w, mask=MASK)[0]
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-5, atol=1e-6)
    assert np.asarray(out._keras_mask).tolist() == MASK.tolist()
    # the step-by-step path (recurrent dropout off, same weights) agrees
    rnn = L.RNN(type(layer.cell).from_config(layer.cell.get_config()), return_sequences=True)
    rnn(x)
    rnn.set_weights(layer.get_weights())
    np.testing.assert_allclose(rnn(x, mask=MASK).numpy(), want, rtol=1e-5, atol=1e-6)


def test_mask_from_embedding_reaches_lstm():
    tokens = np.array([[3, 4, 0, 0], [5, 0, 0, 0]], dtype="int32")
    inp = keras.Input((4,), dtype="int32")
    emb = L.Embedding(10, 3, mask_zero=True)
    lstm = L.LSTM(2)
    model = keras.Model(inp, lstm(emb(inp)))
    got = model(tokens).numpy()
    e = emb.embeddings.numpy()
    w = {v.name.split("/")[-1]: v.numpy().astype(np.float64) for v in lstm.weights}
    want = lstm_ref(e[tokens].astype(np.float64), w, mask=tokens != 0, return_sequences=False)[0]
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    # the padded positions do not change the result
    alt = tokens.copy()
    np.testing.assert_allclose(model(alt).numpy(), got, rtol=1e-6)


# ----------------------------------------------------------------------------- states
def test_initial_state_and_return_state():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((B, T, D)).astype("float32")
    h0, c0 = (rng.standard_normal((B, 3)).astype("float32") for _ in range(2))
    layer = L.LSTM(3, return_state=True)
    y, h, c = layer(x, initial_state=[h0, c0])
    w = {v.name.split("/")[-1]: v.numpy().astype(np.float64) for v in layer.weights}
    want = ref_loop(lstm_step_np(w["kernel"], w["recurrent_kernel"], w["bias"]), x, [h0, c0],
                    return_sequences=False)
    for g, r in zip((y, h, c), want):
        np.testing.assert_allclose(g.numpy(), r, rtol=1e-5, atol=1e-6)
    # symbolic initial states in a functional model
    xi, hi, ci = keras.Input((T, D)), keras.Input((3,)), keras.Input((3,))
    model = keras.Model([xi, hi, ci], L.GRU(3)(xi, initial_state=[hi]))
    assert model([x, h0, c0]).shape == (B, 3)
    with pytest.raises(ValueError, match="expects 2 initial states, got 1"):
        layer(x, initial_state=[h0])


def test_stateful_keeps_states_between_batches():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 6, D)).astype("float32")
    layer = L.SimpleRNN(3, stateful=True)
    inp = keras.Input(batch_shape=(2, 3, D))
    keras.Model(inp, layer(inp))
    a = layer(x[:, :3]).numpy()
    b = layer(x[:, 3:]).numpy()
    whole = L.SimpleRNN(3)
    whole(x)
    whole.set_weights(layer.get_weights())
    np.testing.assert_allclose(b, whole(x).numpy(), rtol=1e-5, atol=1e-6)
    assert len(layer.states) == 1 and layer.weights == layer.trainable_weights
    layer.reset_states()
    np.testing.assert_allclose(layer(x[:, :3]).numpy(), a, rtol=1e-6)
    with pytest.raises(ValueError, match="batch size must be static"):
        L.LSTM(2, stateful=True)(keras.Input((3, D)))


def test_go_backwards_reverses():
    x = np.random.default_rng(6).standard_normal((B, T, D)).astype("float32")
    fwd = L.GRU(3, return_sequences=True)
    bwd = L.GRU(3, return_sequences=True, go_backwards=True)
    fwd(x)
    bwd(x)
    bwd.set_weights(fwd.get_weights())
    np.testing.assert_allclose(bwd(x).numpy(), fwd(x[:, ::-1].copy()).numpy(), rtol=1e-5,
                               atol=1e-6)


# ----------------------------------------------------------------------------- dropout
def test_dropout_and_recurrent_dropout_training_only():
    x = np.random.default_rng(7).standard_normal((B, T, D)).astype("float32")
    for kw in ({"dropout": 0.5}, {"recurrent_dropout": 0.5}):
        layer = L.LSTM(3, seed=1, **kw)
        plain = L.LSTM(3)
        y = layer(x)
        plain(x)
        plain.set_weights(layer.get_weights())
        np.testing.assert_allclose(y.numpy(), plain(x).numpy(), rtol=1e-6)  # inference: no-op
        yt = layer(x, training=True)
        assert not np.allclose(yt.numpy(), y.numpy())
        with ts.GradientTape() as tape:
            loss = ts.reduce_sum(layer(x, training=True))
        assert all(g is not None for g in tape.gradient(loss, layer.trainable_weights))


# ----------------------------------------------------------------------------- wrappers
@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave", None])
def test_bidirectional_merge_modes(merge_mode):
    def ref(x, w):
        ws = list(w.values())
        fw = {"kernel": ws[0], "recurrent_kernel": ws[1], "bias": ws[2]}
        bw = {"kernel": ws[3], "recurrent_kernel": ws[4], "bias": ws[5]}
        y = lstm_ref(x, fw)[0]
        yr = lstm_ref(x, bw, go_backwards=True)[0][:, ::-1]
        return {"concat": lambda: np.concatenate([y, yr], -1), "sum": lambda: y + yr,
                "mul": lambda: y * yr, "ave": lambda: (y + yr) / 2,
                None: lambda: [y, yr]}[merge_mode]()
    shape = (B, T, 6) if merge_mode == "concat" else (B, T, 3)
    run_layer_test(L.Bidirectional, {"layer": L.LSTM(3, return_sequences=True),
                                     "merge_mode": merge_mode},
                   input_shape=(B, T, D),
                   expected_output_shape=[shape, shape] if merge_mode is None else shape,
                   reference_fn=ref, expected_num_trainable_weights=6,
                   run_training_check=merge_mode is not None)  # harness: one output only


def test_bidirectional_mask_state_and_backward_layer():
    x = np.random.default_rng(8).standard_normal((B, T, D)).astype("float32")
    bi = L.Bidirectional(L.GRU(3, return_sequences=True), merge_mode="sum")
    y = bi(x, mask=MASK).numpy()
    assert np.all(y[~MASK] == 0)                                     # zero output at masked
    assert bi.forward_layer.name.startswith("forward_")
    out = L.Bidirectional(L.LSTM(2, return_state=True))(x)
    assert [tuple(o.shape) for o in out] == [(B, 4)] + [(B, 2)] * 4
    custom = L.Bidirectional(L.LSTM(2), backward_layer=L.SimpleRNN(2, go_backwards=True))
    assert custom(x).shape == (B, 4)
    with pytest.raises(ValueError, match="different `go_backwards`"):
        L.Bidirectional(L.LSTM(2), backward_layer=L.LSTM(2))
    with pytest.raises(ValueError, match="Invalid merge mode"):
        L.Bidirectional(L.LSTM(2), merge_mode="max")


def test_time_distributed():
    run_layer_test(L.TimeDistributed, {"layer": L.Dense(2)}, input_shape=(B, T, D),
                   expected_output_shape=(B, T, 2),
                   reference_fn=lambda x, w: x @ w["kernel"] + w["bias"],
                   expected_num_trainable_weights=2)
    with pytest.raises(ValueError, match="at least 3 dimensions"):
        L.TimeDistributed(L.Dense(2))(np.ones((2, 3), "float32"))


# ----------------------------------------------------------------------------- W3-like
def test_embedding_lstm_classifier_learns():
    rng = np.random.default_rng(9)
    x = rng.integers(1, 50, (64, 12)).astype("int32")
    y = (x[:, -1] > 25).astype("float32")
    model = keras.Sequential([keras.Input((12,), dtype="int32"), L.Embedding(50, 8),
                              L.LSTM(8), L.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(0.02), loss="binary_crossentropy")
    h = model.fit(x, y, batch_size=32, epochs=15, verbose=0).history["loss"]
    assert h[-1] < 0.5 * h[0]


def test_layer_errors():
    with pytest.raises(ValueError, match="positive integer"):
        L.LSTM(0)
    with pytest.raises(ValueError, match="use_cudnn"):
        L.GRU(2, use_cudnn="yes")
    with pytest.raises(ValueError, match=r"expected ndim=3|ndim"):
        L.LSTM(2)(np.ones((2, 3), "float32"))


# ----------------------------------------------------------------------------- ConvLSTM2D
def _conv_same_or_valid(x, k, padding, stride=1):
    """Naive NHWC cross-correlation (the NumPy reference)."""
    kh, kw, _, f = k.shape
    if padding == "same":
        ph, pw = kh - 1, kw - 1
        x = np.pad(x, ((0, 0), (ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2), (0, 0)))
    b, h, w, _ = x.shape
    oh, ow = (h - kh) // stride + 1, (w - kw) // stride + 1
    out = np.zeros((b, oh, ow, f))
    for i in range(oh):
        for j in range(ow):
            patch = x[:, i * stride:i * stride + kh, j * stride:j * stride + kw, :]
            out[:, i, j] = np.tensordot(patch, k, axes=([1, 2, 3], [0, 1, 2]))
    return out


def conv_lstm_ref(x, w, padding="valid", return_sequences=False):
    k, rk, bias = w["kernel"], w["recurrent_kernel"], w["bias"]
    f = rk.shape[-1] // 4
    h = c = None
    outs = []
    for t in range(x.shape[1]):
        z = _conv_same_or_valid(x[:, t], k, padding) + bias
        if h is None:
            h = c = np.zeros(z.shape[:-1] + (f,))
        z = z + _conv_same_or_valid(h, rk, "same")
        i, fg, g, o = (z[..., n * f:(n + 1) * f] for n in range(4))
        c = 1 / (1 + np.exp(-fg)) * c + 1 / (1 + np.exp(-i)) * np.tanh(g)
        h = 1 / (1 + np.exp(-o)) * np.tanh(c)
        outs.append(h)
    return np.stack(outs, 1) if return_sequences else h


@pytest.mark.parametrize("padding,return_sequences", [("valid", False), ("same", True)])
def test_conv_lstm2d(padding, return_sequences):
    rows = 5 if padding == "same" else 3
    shape = (2, 3, rows, rows, 2) if return_sequences else (2, rows, rows, 2)
    run_layer_test(L.ConvLSTM2D, {"filters": 2, "kernel_size": 3, "padding": padding,
                                  "return_sequences": return_sequences},
                   input_shape=(2, 3, 5, 5, 3),
                   expected_output_shape=shape,
                   reference_fn=lambda x, w: conv_lstm_ref(x, w, padding, return_sequences),
                   expected_num_trainable_weights=3, rtol=1e-4, atol=1e-5)


def test_conv_lstm2d_channels_first_and_state():
    x = np.random.default_rng(10).standard_normal((2, 3, 3, 5, 5)).astype("float32")
    layer = L.ConvLSTM2D(2, 3, data_format="channels_first", return_state=True)
    out, h, c = layer(x)
    assert tuple(out.shape) == (2, 2, 3, 3) and tuple(c.shape) == (2, 2, 3, 3)
    w = {v.name.split("/")[-1]: v.numpy().astype(np.float64) for v in layer.weights}
    want = conv_lstm_ref(x.transpose(0, 1, 3, 4, 2).astype(np.float64), w)
    np.testing.assert_allclose(out.numpy(), want.transpose(0, 3, 1, 2), rtol=1e-4, atol=1e-5)
    assert layer.compute_output_shape(x.shape) == ((2, 2, 3, 3),) * 3

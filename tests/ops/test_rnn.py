"""Fused recurrent ops (tessera.ops.rnn): values against NumPy step loops, gradients by
finite differences, masks, go_backwards, second order, errors."""
import numpy as np
import pytest

import tessera as ts
from tessera.ops import rnn
from tests.gradcheck import check_grad, check_second_order


def sig(z):
    return 1 / (1 + np.exp(-z))


# NumPy references (a straightforward step loop, Keras semantics) -----------------
def ref_loop(step, x, states, mask=None, go_backwards=False, return_sequences=True,
             zero_output_for_mask=False):
    B, T, _ = x.shape
    order = range(T - 1, -1, -1) if go_backwards else range(T)
    states = [np.array(s, dtype=np.float64) for s in states]
    prev = None
    outs = []
    for t in order:
        out, new = step(x[:, t], states)
        if mask is not None:
            m = mask[:, t][:, None]
            new = [np.where(m, n, s) for n, s in zip(new, states)]
            if prev is None:
                prev = np.zeros_like(out)
            out = np.where(m, out, 0 * out if zero_output_for_mask else prev)
        states = new
        prev = out
        outs.append(out)
    y = np.stack(outs, axis=1) if return_sequences else prev
    return [y] + states


def lstm_step_np(k, r, b):
    def step(x, st):
        h, c = st
        z = x @ k + h @ r + (0 if b is None else b)
        H = r.shape[0]
        i, f, g, o = sig(z[:, :H]), sig(z[:, H:2 * H]), np.tanh(z[:, 2 * H:3 * H]), sig(z[:, 3 * H:])
        c = f * c + i * g
        h = o * np.tanh(c)
        return h, [h, c]
    return step


def gru_step_np(k, r, b, reset_after):
    def step(x, st):
        h = st[0]
        H = r.shape[0]
        xw = x @ k
        if b is not None:
            xw = xw + (b[0] if reset_after else b)
        if reset_after:
            rec = h @ r + (0 if b is None else b[1])
            z = sig(xw[:, :H] + rec[:, :H])
            rg = sig(xw[:, H:2 * H] + rec[:, H:2 * H])
            hh = np.tanh(xw[:, 2 * H:] + rg * rec[:, 2 * H:])
        else:
            z = sig(xw[:, :H] + h @ r[:, :H])
            rg = sig(xw[:, H:2 * H] + h @ r[:, H:2 * H])
            hh = np.tanh(xw[:, 2 * H:] + (rg * h) @ r[:, 2 * H:])
        h = z * h + (1 - z) * hh
        return h, [h]
    return step


def simple_step_np(k, r, b, act):
    f = {"tanh": np.tanh, "relu": lambda v: np.maximum(v, 0), "linear": lambda v: v}[act]

    def step(x, st):
        h = f(x @ k + st[0] @ r + (0 if b is None else b))
        return h, [h]
    return step


def data(B=3, T=5, D=4, H=3, gates=4, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((B, T, D)).astype(dtype)
    k = (rng.standard_normal((D, gates * H)) * 0.5).astype(dtype)
    r = (rng.standard_normal((H, gates * H)) * 0.5).astype(dtype)
    h0 = (rng.standard_normal((B, H)) * 0.5).astype(dtype)
    c0 = (rng.standard_normal((B, H)) * 0.5).astype(dtype)
    return rng, x, k, r, h0, c0


MASK = np.array([[1, 1, 0, 1, 0], [0, 0, 1, 1, 1], [0, 0, 0, 0, 0]], dtype=bool)


# Values ---------------------------------------------------------------------------
@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("use_mask", [False, True])
@pytest.mark.parametrize("zero_output", [False, True])
def test_lstm_values(go_backwards, return_sequences, use_mask, zero_output):
    rng, x, k, r, h0, c0 = data()
    b = rng.standard_normal(12)
    mask = MASK if use_mask else None
    got = rnn.lstm(x, h0, c0, k, r, b, mask=mask, go_backwards=go_backwards,
                   return_sequences=return_sequences, zero_output_for_mask=zero_output)
    want = ref_loop(lstm_step_np(k, r, b), x, [h0, c0], mask, go_backwards, return_sequences,
                    zero_output)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g.numpy(), w, rtol=1e-10, atol=1e-12)


def test_lstm_float32_no_bias():
    rng, x, k, r, h0, c0 = data(dtype=np.float32)
    y, h, c = rnn.lstm(x, h0, c0, k, r)
    want = ref_loop(lstm_step_np(k.astype(np.float64), r.astype(np.float64), None),
                    x.astype(np.float64), [h0, c0])
    assert y.dtype == ts.float32
    np.testing.assert_allclose(y.numpy(), want[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(c.numpy(), want[2], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("reset_after", [True, False])
@pytest.mark.parametrize("use_mask", [False, True])
@pytest.mark.parametrize("go_backwards", [False, True])
def test_gru_values(reset_after, use_mask, go_backwards):
    rng, x, k, r, h0, _ = data(gates=3)
    b = rng.standard_normal((2, 9) if reset_after else (9,))
    mask = MASK if use_mask else None
    got = rnn.gru(x, h0, k, r, b, mask=mask, reset_after=reset_after, go_backwards=go_backwards)
    want = ref_loop(gru_step_np(k, r, b, reset_after), x, [h0], mask, go_backwards)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g.numpy(), w, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("act", ["tanh", "relu", "linear"])
@pytest.mark.parametrize("use_mask", [False, True])
def test_simple_values(act, use_mask):
    rng, x, k, r, h0, _ = data(gates=1)
    b = rng.standard_normal(3)
    mask = MASK if use_mask else None
    got = rnn.simple_rnn(x, h0, k, r, b, mask=mask, activation=act, return_sequences=False)
    want = ref_loop(simple_step_np(k, r, b, act), x, [h0], mask, return_sequences=False)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g.numpy(), w, rtol=1e-10, atol=1e-12)


# Gradients --------------------------------------------------------------------------
@pytest.mark.parametrize("go_backwards,use_mask,return_sequences",
                         [(False, False, True), (True, True, True), (False, True, False)])
def test_lstm_grad(go_backwards, use_mask, return_sequences):
    rng, x, k, r, h0, c0 = data(T=4)
    b = rng.standard_normal(12)
    mask = MASK[:, :4] if use_mask else None
    check_grad(lambda *a: list(rnn.lstm(*a, mask=mask, go_backwards=go_backwards,
                                        return_sequences=return_sequences)),
               x, h0, c0, k, r, b)


@pytest.mark.parametrize("reset_after", [True, False])
@pytest.mark.parametrize("use_mask", [False, True])
def test_gru_grad(reset_after, use_mask):
    rng, x, k, r, h0, _ = data(T=4, gates=3)
    b = rng.standard_normal((2, 9) if reset_after else (9,))
    mask = MASK[:, :4] if use_mask else None
    check_grad(lambda *a: list(rnn.gru(*a, mask=mask, reset_after=reset_after)),
               x, h0, k, r, b)


@pytest.mark.parametrize("act", ["tanh", "relu", "linear"])
def test_simple_grad(act):
    rng, x, k, r, h0, _ = data(T=4, gates=1)
    b = rng.standard_normal(3)
    check_grad(lambda *a: list(rnn.simple_rnn(*a, activation=act, mask=MASK[:, :4],
                                              go_backwards=True)),
               x, h0, k, r, b)


def test_lstm_grad_without_bias_and_one_output():
    _, x, k, r, h0, c0 = data(T=3)
    check_grad(lambda *a: rnn.lstm(*a, return_sequences=False)[0], x, h0, c0, k, r)


def test_second_order_composite():
    rng, x, k, r, h0, c0 = data(B=2, T=3, D=2, H=2)
    b = rng.standard_normal(8)
    check_second_order(lambda x, k, r, b: rnn.lstm(x, h0, c0, k, r, b, return_sequences=False)[0],
                       x, k, r, b)
    _, x, k, r, h0, _ = data(B=2, T=3, D=2, H=2, gates=3)
    check_second_order(lambda x, k: rnn.gru(x, h0, k, r, mask=MASK[:2, :3])[0], x, k)


def test_fused_backward_matches_composite_float32():
    # the array backward and the composite one agree on a W3-like shape
    rng, x, k, r, h0, c0 = data(B=4, T=30, D=8, H=6, dtype=np.float32)
    b = rng.standard_normal(24).astype(np.float32)
    xs = [ts.constant(v) for v in (x, h0, c0, k, r, b)]
    with ts.GradientTape() as tape:
        for v in xs:
            tape.watch(v)
        y = rnn.lstm(*xs, return_sequences=False)[0]
        loss = ts.reduce_sum(y * y)
    fused = tape.gradient(loss, xs)
    from tessera.ops import rnn_composite as C

    def step(xt, st):
        h, c = C.lstm_step(xt, st[0], st[1], xs[3], xs[4], xs[5])
        return h, [h, c]
    with ts.GradientTape() as tape:
        for v in xs:
            tape.watch(v)
        y, _ = C.run_sequence(step, xs[0], [xs[1], xs[2]], return_sequences=False)
        loss = ts.reduce_sum(y * y)
    comp = tape.gradient(loss, xs)
    for a, c in zip(fused, comp):
        np.testing.assert_allclose(a.numpy(), c.numpy(), rtol=2e-4, atol=1e-5)


# Errors -------------------------------------------------------------------------------
def test_errors_name_op_and_shapes():
    _, x, k, r, h0, c0 = data()
    with pytest.raises(ts.errors.InvalidArgumentError, match=r"lstm: inputs must be 3-D"):
        rnn.lstm(x[:, 0], h0, c0, k, r)
    with pytest.raises(ts.errors.InvalidArgumentError, match=r"lstm: kernel has shape \(5, 12\)"):
        rnn.lstm(x, h0, c0, np.zeros((5, 12)), r)
    with pytest.raises(ts.errors.InvalidArgumentError, match=r"initial state 1 has shape"):
        rnn.lstm(x, h0, c0[:2], k, r)
    with pytest.raises(ts.errors.InvalidArgumentError, match=r"gru: bias has shape \(9,\), "
                                                             r"expected \(2, 9\)"):
        rnn.gru(x, h0, k[:, :9], r[:, :9], np.zeros(9))
    with pytest.raises(ts.errors.InvalidArgumentError, match=r"mask has shape \(3, 4\)"):
        rnn.lstm(x, h0, c0, k, r, mask=np.ones((3, 4), bool))
    with pytest.raises(ts.errors.InvalidArgumentError, match=r"share the dtype"):
        rnn.lstm(x, h0, c0, k.astype(np.float32), r)
    with pytest.raises(ValueError, match=r"simple_rnn: activation must be one of"):
        rnn.simple_rnn(x, h0, k[:, :3], r[:, :3], activation="elu")


@pytest.mark.parametrize("T", [4, 5])
@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("masked", [False, True])
def test_lstm_inference_path_equals_training_path(T, go_backwards, masked):
    """Without a tape the LSTM keeps no per-step activations (and, returning only the last
    output, only two state buffers): results must equal the taped path and the reference."""
    rng = np.random.default_rng(T)
    B, D, H = 3, 4, 5
    x = rng.normal(size=(B, T, D)).astype("float32")
    k, r = (rng.normal(size=s).astype("float32") * 0.5 for s in ((D, 4 * H), (H, 4 * H)))
    b = rng.normal(size=4 * H).astype("float32")
    h0, c0 = (rng.normal(size=(B, H)).astype("float32") for _ in range(2))
    mask = rng.random((B, T)) > 0.3 if masked else None
    args = [ts.constant(a) for a in (x, h0, c0, k, r, b)]
    for seq in (False, True):
        plain = rnn.lstm(*args, mask=None if mask is None else ts.constant(mask),
                         go_backwards=go_backwards, return_sequences=seq)
        with ts.GradientTape() as tape:
            tape.watch(args[0])
            taped = rnn.lstm(*args, mask=None if mask is None else ts.constant(mask),
                             go_backwards=go_backwards, return_sequences=seq)
        ref = ref_loop(lstm_step_np(k, r, b), x, [h0, c0], mask, go_backwards, seq)
        for p, q, want in zip(plain, taped, ref):
            np.testing.assert_array_equal(p.numpy(), q.numpy())
            np.testing.assert_allclose(p.numpy(), want, rtol=1e-4, atol=1e-5)

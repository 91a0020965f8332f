"""Recurrent steps written with differentiable Tessera ops (on Tensors).

Used where speed does not matter and differentiability of everything does:
the RNN cells (`keras.layers.LSTMCell` ...), the generic `keras.layers.RNN`
loop, and the second-order (composite) backward of the fused ops in `rnn.py`.
"""
__all__ = ["lstm_step", "gru_step", "simple_step", "run_sequence"]


def _ops():
    import tessera as ts
    return ts


def lstm_step(x, h, c, kernel, recurrent_kernel, bias=None, activation=None,
              recurrent_activation=None):
    """One LSTM step (Keras gate order i, f, c, o). Returns `(h, c)`."""
    ts = _ops()
    act = activation or ts.tanh
    ract = recurrent_activation or ts.sigmoid
    z = ts.matmul(x, kernel) + ts.matmul(h, recurrent_kernel)
    if bias is not None:
        z = z + bias
    zi, zf, zg, zo = ts.split(z, 4, axis=-1)
    i, f, o = ract(zi), ract(zf), ract(zo)
    c = f * c + i * act(zg)
    return o * act(c), c


def gru_step(x, h, kernel, recurrent_kernel, bias=None, reset_after=True, activation=None,
             recurrent_activation=None):
    """One GRU step (Keras gate order z, r, h). `bias` is `(2, 3H)` when `reset_after`."""
    ts = _ops()
    act = activation or ts.tanh
    ract = recurrent_activation or ts.sigmoid
    units = recurrent_kernel.shape[0]
    xw = ts.matmul(x, kernel)
    if bias is not None:
        xw = xw + (bias[0] if reset_after else bias)
    xz, xr, xh = ts.split(xw, 3, axis=-1)
    if reset_after:
        rec = ts.matmul(h, recurrent_kernel)
        if bias is not None:
            rec = rec + bias[1]
        rz, rr, rh = ts.split(rec, 3, axis=-1)
        z = ract(xz + rz)
        r = ract(xr + rr)
        hh = act(xh + r * rh)
    else:
        rk_zr = recurrent_kernel[:, :2 * units]
        rk_h = recurrent_kernel[:, 2 * units:]
        rz, rr = ts.split(ts.matmul(h, rk_zr), 2, axis=-1)
        z = ract(xz + rz)
        r = ract(xr + rr)
        hh = act(xh + ts.matmul(r * h, rk_h))
    return z * h + (1 - z) * hh


def simple_step(x, h, kernel, recurrent_kernel, bias=None, activation=None):
    """One SimpleRNN step: `activation(x @ kernel + h @ recurrent_kernel + bias)`."""
    ts = _ops()
    z = ts.matmul(x, kernel) + ts.matmul(h, recurrent_kernel)
    if bias is not None:
        z = z + bias
    return z if activation is None else activation(z)


def run_sequence(step, inputs, states, mask=None, go_backwards=False, return_sequences=True,
                 zero_output_for_mask=False):
    """Runs `step(x_t, states) -> (output, new_states)` over axis 1 of `inputs`.

    Keras semantics: a masked step keeps the previous states and outputs the
    previous output (zeros before the first unmasked step), or zeros when
    `zero_output_for_mask`. Outputs are in processing order (reversed when
    `go_backwards`). Returns `(outputs or last output, final states)`.
    """
    ts = _ops()
    xs = ts.unstack(inputs, axis=1)
    ms = None
    if mask is not None:
        ms = ts.unstack(ts.expand_dims(ts.cast(mask, "bool"), -1), axis=1)
    order = range(len(xs) - 1, -1, -1) if go_backwards else range(len(xs))
    states = list(states)
    outs = []
    prev = None
    for t in order:
        out, new = step(xs[t], states)
        new = list(new)
        if ms is not None:
            m = ms[t]
            new = [ts.where(m, n, s) for n, s in zip(new, states)]
            if prev is None:
                prev = ts.zeros_like(out)
            out = ts.where(m, out, ts.zeros_like(out) if zero_output_for_mask else prev)
        states = new
        prev = out
        if return_sequences:
            outs.append(out)
    if return_sequences:
        return ts.stack(outs, axis=1), states
    return prev, states

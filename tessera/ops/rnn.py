"""Fused recurrent ops: a whole sequence of SimpleRNN, LSTM or GRU in one primitive.

    outputs, h, c = lstm(x, h0, c0, kernel, recurrent_kernel, bias)
    outputs, h = gru(x, h0, kernel, recurrent_kernel, bias, reset_after=True)
    outputs, h = simple_rnn(x, h0, kernel, recurrent_kernel, bias, activation="tanh")

Inputs are batch-major `(batch, timesteps, features)`; weights use Keras'
layouts and gate orders (LSTM i, f, c, o; GRU z, r, h; `unit_forget_bias` is a
matter of the initial bias). The forward computes the input projection of
all steps with one GEMM and loops over time with one small GEMM per step; the
backward (hand-written, on arrays, in `rnn_kernels.py`) loops back over time
once and computes each weight gradient with one GEMM.

Masking follows Keras: `mask` `(batch, timesteps)` bool; a masked step keeps
the previous states and outputs the previous output (zeros before the first
unmasked step), or zeros with `zero_output_for_mask=True`. With
`go_backwards=True` the sequence is processed from the end and the outputs
come in processing order (reversed), as in Keras.

Second derivatives: when an outer tape records the backward, the gradient is
recomputed by a composite of differentiable ops (a step loop from
`rnn_composite.py`, differentiated by a nested tape), so it can itself be
differentiated. It is slow (thousands of small ops) but exact.
"""
from ..core import errors as _errors
from ..core import primitive as _prim
from . import rnn_kernels as _k
from ._common import Primitive, _wrap, t, xp_of

__all__ = ["lstm", "gru", "simple_rnn", "FUSED_SIMPLE_ACTIVATIONS"]

FUSED_SIMPLE_ACTIVATIONS = _k.SIMPLE_ACTIVATIONS


# ---------------------------------------------------------------------------
# Shared plumbing: layout, masks, outputs.
# ---------------------------------------------------------------------------
def _to_time_major(x, go_backwards):
    xp = xp_of(x)
    if go_backwards:
        x = x[:, ::-1]
    return xp.ascontiguousarray(x.transpose(1, 0, 2))


def _mask_time_major(m, go_backwards):
    if m is None:
        return None
    xp = xp_of(m)
    m = m.astype(bool, copy=False)
    if go_backwards:
        m = m[:, ::-1]
    return xp.ascontiguousarray(m.T)[:, :, None]


def _factor(m3, zero_output):
    """Per-step output factor (T, B, 1): the mask itself, or 'some step used so far'."""
    if m3 is None:
        return None
    if zero_output:
        return m3
    return xp_of(m3).logical_or.accumulate(m3, axis=0)


def _outputs(Hs, F, return_sequences, dtype):
    xp = xp_of(Hs)
    if return_sequences:
        seq = Hs[1:] if F is None else Hs[1:] * F.astype(dtype)
        return xp.ascontiguousarray(seq.transpose(1, 0, 2))
    if F is None:
        return Hs[-1].copy()
    return Hs[-1] * F[-1].astype(dtype)


def _out_grads(gy, F, return_sequences, dtype):
    """(gyt (T,B,H) time-major or None, extra gradient of the last hidden state)."""
    xp = xp_of(gy)
    if return_sequences:
        gyt = gy.transpose(1, 0, 2)
        gyt = xp.ascontiguousarray(gyt) if F is None else gyt * F.astype(dtype)
        return gyt, None
    return None, (gy if F is None else gy * F[-1].astype(dtype))


def _dx_batch_major(dxt, go_backwards):
    xp = xp_of(dxt)
    dx = dxt.transpose(1, 0, 2)
    if go_backwards:
        dx = dx[:, ::-1]
    return xp.ascontiguousarray(dx)


def _check(opname, x, states, kernel, recurrent_kernel, bias, mask, gates, bias_shape):
    xs = tuple(x._a.shape)
    if len(xs) != 3:
        raise _errors.InvalidArgumentError(
            None, opname, f"{opname}: inputs must be 3-D (batch, timesteps, features), got "
            f"shape {xs}. Add a time axis with ts.expand_dims(x, 1) for a single step.")
    if x._a.dtype.kind != "f":
        raise _errors.InvalidArgumentError(
            None, opname, f"{opname}: inputs must be floating-point, got {x.dtype.name}; cast "
            "them first: ts.cast(x, ts.float32).")
    B, T, D = xs
    units = recurrent_kernel._a.shape[0]
    want = {"kernel": (D, gates * units), "recurrent_kernel": (units, gates * units)}
    got = {"kernel": tuple(kernel._a.shape), "recurrent_kernel": tuple(recurrent_kernel._a.shape)}
    if bias is not None:
        want["bias"] = bias_shape(units)
        got["bias"] = tuple(bias._a.shape)
    for i, s in enumerate(states):
        want[f"initial state {i}"] = (B, units)
        got[f"initial state {i}"] = tuple(s._a.shape)
    for name in want:
        if got[name] != want[name]:
            raise _errors.InvalidArgumentError(
                None, opname, f"{opname}: {name} has shape {got[name]}, expected {want[name]} "
                f"for inputs of shape {xs} and {units} units.")
    arrays = [x] + list(states) + [kernel, recurrent_kernel] + ([bias] if bias is not None else [])
    for a in arrays[1:]:
        if a._a.dtype != x._a.dtype:
            raise _errors.InvalidArgumentError(
                None, opname, f"{opname}: all inputs and weights must share the dtype of the "
                f"inputs ({x.dtype.name}), got {a.dtype.name}; cast them first.")
    if mask is not None and tuple(mask._a.shape) != (B, T):
        raise _errors.InvalidArgumentError(
            None, opname, f"{opname}: mask has shape {tuple(mask._a.shape)}, expected "
            f"(batch, timesteps) = {(B, T)}.")


def _run(prim, inputs, attrs):
    # the backward's workspace (an attribute the tape keeps), made only under a tape
    return prim(*inputs, **attrs, _ws={} if _prim.TAPES else None)


def _composite_grad(kind, gs, ins, attrs):
    """Gradients of the sequence op by a nested tape over the differentiable step loop."""
    from ..core.autodiff import GradientTape
    diff = [x for x in ins if x._a.dtype.kind == "f"]
    with GradientTape() as tape:
        for x in diff:
            tape.watch(x)
        outs = _composite_forward(kind, ins, attrs)
    grads = iter(tape.gradient(list(outs), diff, output_gradients=list(gs)))
    return [next(grads) if x._a.dtype.kind == "f" else None for x in ins]


def _composite_forward(kind, ins, attrs):
    from . import rnn_composite as C
    ins = list(ins)
    x = ins.pop(0)
    n_states = 2 if kind == "lstm" else 1
    states = ins[:n_states]
    k, r = ins[n_states:n_states + 2]
    rest = ins[n_states + 2:]
    b = rest.pop(0) if attrs["has_bias"] else None
    m = rest.pop(0) if attrs["has_mask"] else None
    if kind == "lstm":
        def step(xt, st):
            h, c = C.lstm_step(xt, st[0], st[1], k, r, b)
            return h, [h, c]
    elif kind == "gru":
        def step(xt, st):
            h = C.gru_step(xt, st[0], k, r, b, reset_after=attrs["reset_after"])
            return h, [h]
    else:
        import tessera as ts
        act = {"tanh": ts.tanh, "relu": ts.nn.relu, "linear": None}[attrs["activation"]]

        def step(xt, st):
            h = C.simple_step(xt, st[0], k, r, b, act)
            return h, [h]
    y, states = C.run_sequence(step, x, states, m, attrs["go_backwards"],
                               attrs["return_sequences"], attrs["zero_output_for_mask"])
    return [y] + list(states)


# ---------------------------------------------------------------------------
# LSTM
# ---------------------------------------------------------------------------
def _lstm_fwd(x, h0, c0, k, r, *rest, has_bias=True, has_mask=False, go_backwards=False,
              return_sequences=True, zero_output_for_mask=False, _ws=None):
    rest = list(rest)
    b = rest.pop(0) if has_bias else None
    m = rest.pop(0) if has_mask else None
    m3 = _mask_time_major(m, go_backwards)
    with _k.flush_denormals():
        ws = _k.lstm_forward(x, h0, c0, k, r, b, m3, reverse=go_backwards,
                             keep=_ws is not None, sequences=return_sequences)
    F = _factor(m3, zero_output_for_mask)
    y = _outputs(ws["Hs"], F, return_sequences, x.dtype)
    if _ws is not None:
        _ws.update(ws, x=x, m3=m3, F=F)
    return y, ws["Hs"][-1].copy(), ws["Cs"][-1].copy()


def _lstm_grad(gs, outs, x, h0, c0, k, r, *rest, _ws=None, **attrs):
    if _prim.recording():
        return _composite_grad("lstm", gs, (x, h0, c0, k, r) + rest, attrs)
    if not _ws:
        _ws = {}
        _lstm_fwd(x._a, h0._a, c0._a, k._a, r._a, *[v._a for v in rest], _ws=_ws, **attrs)
    gy, gh, gc = (g._a for g in gs)
    dt = x._a.dtype
    gyt, glast = _out_grads(gy, _ws["F"], attrs["return_sequences"], dt)
    dh = gh.astype(dt, copy=True)
    if glast is not None:
        dh += glast
    dc = gc.astype(dt, copy=True)
    with _k.flush_denormals():
        dx, dh0, dc0, dk, dr, db = _k.lstm_backward(_ws, gyt, dh, dc, _ws["x"], k._a, r._a,
                                                    attrs["has_bias"], _ws["m3"])
    out = [_wrap(dx), _wrap(dh0), _wrap(dc0), _wrap(dk), _wrap(dr)]
    if attrs["has_bias"]:
        out.append(_wrap(db))
    if attrs["has_mask"]:
        out.append(None)
    return out


_LSTM = Primitive("FusedLSTM", n_out=3)
_LSTM._fwd = _lstm_fwd
_LSTM._grad = _lstm_grad


def lstm(inputs, initial_h, initial_c, kernel, recurrent_kernel, bias=None, mask=None,
         go_backwards=False, return_sequences=True, zero_output_for_mask=False):
    """Runs an LSTM (tanh activation, sigmoid gates) over a whole sequence, fused.

    Args:
        inputs: `(batch, timesteps, features)`.
        initial_h, initial_c: `(batch, units)` initial hidden and carry states.
        kernel: `(features, 4 * units)`, Keras gate order i, f, c, o.
        recurrent_kernel: `(units, 4 * units)`.
        bias: `(4 * units,)` or None.
        mask: None or `(batch, timesteps)` bool (True = use the step).
        go_backwards: process the sequence from its end (outputs come reversed).
        return_sequences: return every step's output `(batch, timesteps, units)`;
            else only the last output `(batch, units)`.
        zero_output_for_mask: masked steps output zeros instead of the previous output.

    Returns:
        `(outputs, h, c)`: the outputs and the final states.

    Second derivatives are supported through a slow composite (see the module
    docstring).
    """
    x, h0, c0, k, r = t(inputs), t(initial_h), t(initial_c), t(kernel), t(recurrent_kernel)
    b = t(bias) if bias is not None else None
    m = t(mask) if mask is not None else None
    _check("lstm", x, (h0, c0), k, r, b, m, 4, lambda u: (4 * u,))
    ins = [x, h0, c0, k, r] + ([b] if b is not None else []) + ([m] if m is not None else [])
    attrs = dict(has_bias=b is not None, has_mask=m is not None, go_backwards=bool(go_backwards),
                 return_sequences=bool(return_sequences),
                 zero_output_for_mask=bool(zero_output_for_mask))
    return _run(_LSTM, ins, attrs)


# ---------------------------------------------------------------------------
# GRU and SimpleRNN (one state)
# ---------------------------------------------------------------------------
def _one_state_fwd(kernel_fwd, extra):
    def fwd(x, h0, k, r, *rest, has_bias=True, has_mask=False, go_backwards=False,
            return_sequences=True, zero_output_for_mask=False, _ws=None, **kw):
        rest = list(rest)
        b = rest.pop(0) if has_bias else None
        m = rest.pop(0) if has_mask else None
        xt = _to_time_major(x, go_backwards)
        m3 = _mask_time_major(m, go_backwards)
        with _k.flush_denormals():
            ws = kernel_fwd(xt, h0, k, r, b, m3, kw[extra])
        F = _factor(m3, zero_output_for_mask)
        y = _outputs(ws["Hs"], F, return_sequences, x.dtype)
        if _ws is not None:
            _ws.update(ws, xt=xt, m3=m3, F=F)
        return y, ws["Hs"][-1].copy()
    return fwd


def _one_state_grad(kind, fwd, kernel_bwd, extra):
    def grad(gs, outs, x, h0, k, r, *rest, _ws=None, **attrs):
        if _prim.recording():
            return _composite_grad(kind, gs, (x, h0, k, r) + rest, attrs)
        if not _ws:
            _ws = {}
            fwd(x._a, h0._a, k._a, r._a, *[v._a for v in rest], _ws=_ws, **attrs)
        gy, gh = (g._a for g in gs)
        dt = x._a.dtype
        gyt, glast = _out_grads(gy, _ws["F"], attrs["return_sequences"], dt)
        dh = gh.astype(dt, copy=True)
        if glast is not None:
            dh += glast
        with _k.flush_denormals():
            dxt, dh0, dk, dr, db = kernel_bwd(_ws, gyt, dh, _ws["xt"], k._a, r._a,
                                              attrs["has_bias"], _ws["m3"], attrs[extra])
        out = [_wrap(_dx_batch_major(dxt, attrs["go_backwards"])), _wrap(dh0), _wrap(dk),
               _wrap(dr)]
        if attrs["has_bias"]:
            out.append(_wrap(db))
        if attrs["has_mask"]:
            out.append(None)
        return out
    return grad


_gru_fwd = _one_state_fwd(_k.gru_forward, "reset_after")
_GRU = Primitive("FusedGRU", n_out=2)
_GRU._fwd = _gru_fwd
_GRU._grad = _one_state_grad("gru", _gru_fwd, _k.gru_backward, "reset_after")

_simple_fwd = _one_state_fwd(_k.simple_forward, "activation")
_SIMPLE = Primitive("FusedSimpleRNN", n_out=2)
_SIMPLE._fwd = _simple_fwd
_SIMPLE._grad = _one_state_grad("simple", _simple_fwd, _k.simple_backward, "activation")


def _one_state(opname, prim, gates, bias_shape, inputs, initial_h, kernel,
               recurrent_kernel, bias, mask, go_backwards, return_sequences,
               zero_output_for_mask, **extra):
    x, h0, k, r = t(inputs), t(initial_h), t(kernel), t(recurrent_kernel)
    b = t(bias) if bias is not None else None
    m = t(mask) if mask is not None else None
    _check(opname, x, (h0,), k, r, b, m, gates, bias_shape)
    ins = [x, h0, k, r] + ([b] if b is not None else []) + ([m] if m is not None else [])
    attrs = dict(has_bias=b is not None, has_mask=m is not None, go_backwards=bool(go_backwards),
                 return_sequences=bool(return_sequences),
                 zero_output_for_mask=bool(zero_output_for_mask), **extra)
    return _run(prim, ins, attrs)


def gru(inputs, initial_h, kernel, recurrent_kernel, bias=None, mask=None, reset_after=True,
        go_backwards=False, return_sequences=True, zero_output_for_mask=False):
    """Runs a GRU (tanh activation, sigmoid gates) over a whole sequence, fused.

    Args:
        inputs: `(batch, timesteps, features)`.
        initial_h: `(batch, units)`.
        kernel: `(features, 3 * units)`, Keras gate order z, r, h.
        recurrent_kernel: `(units, 3 * units)`.
        bias: `(2, 3 * units)` (input and recurrent biases) when `reset_after`,
            else `(3 * units,)`; or None.
        mask, go_backwards, return_sequences, zero_output_for_mask: as in `lstm`.
        reset_after: apply the reset gate after the recurrent matmul (Keras 3's
            default, cuDNN-compatible) or before it.

    Returns:
        `(outputs, h)`.
    """
    shape = (lambda u: (2, 3 * u)) if reset_after else (lambda u: (3 * u,))
    return _one_state("gru", _GRU, 3, shape, inputs, initial_h, kernel,
                      recurrent_kernel, bias, mask, go_backwards, return_sequences,
                      zero_output_for_mask, reset_after=bool(reset_after))


def simple_rnn(inputs, initial_h, kernel, recurrent_kernel, bias=None, mask=None,
               activation="tanh", go_backwards=False, return_sequences=True,
               zero_output_for_mask=False):
    """Runs a fully-connected RNN over a whole sequence, fused:
    `h_t = activation(x_t @ kernel + h_{t-1} @ recurrent_kernel + bias)`.

    Args:
        activation: "tanh", "relu" or "linear".
        Others as in `lstm` (kernel `(features, units)`, bias `(units,)`).

    Returns:
        `(outputs, h)`.
    """
    if activation not in FUSED_SIMPLE_ACTIVATIONS:
        raise ValueError(f"simple_rnn: activation must be one of {FUSED_SIMPLE_ACTIVATIONS}, "
                         f"got {activation!r}; run other activations step by step with "
                         "keras.layers.RNN(keras.layers.SimpleRNNCell(...)).")
    return _one_state("simple_rnn", _SIMPLE, 1, lambda u: (u,), inputs, initial_h,
                      kernel, recurrent_kernel, bias, mask, go_backwards, return_sequences,
                      zero_output_for_mask, activation=activation)


__api__ = {}

"""Convolutions: `ts.nn.conv1d/2d/3d`, `convolution`, the transposed convolutions,
`depthwise_conv2d` and `separable_conv2d`, all over ONE N-D implementation.

Three primitives, closed under differentiation (as TensorFlow's Conv2D,
Conv2DBackpropInput and Conv2DBackpropFilter):

* `FusedConv(x, w[, b])`: `activation(conv(x, w) + b)`, activation None or
  "relu". Its gradient runs on arrays (`conv_kernels.conv_backward`, reusing
  the forward's im2col buffer, skipping what `_needs` says no input wants);
  when an outer tape records the backward, it is composed of the three
  primitives instead, so second derivatives work.
* `ConvBackpropInput(g, w)`: the input gradient, i.e. the transposed
  convolution (`conv2d_transpose` calls it directly).
* `ConvBackpropFilter(x, g)`: the filter gradient.

Internally everything is channels-last with filters `(*kernel, C_in // groups,
C_out)` and attributes `strides`, `dilations`, `pads` (`(low, high)` per
spatial axis) and `groups`; channels-first inputs are transposed around it.
"""
import numpy as np

from ..backend import xp as _xp
from ..core import errors as _errors
from ..core import primitive as _prim
from . import conv_kernels as _k
from ._common import Primitive, Tensor, _wrap, t

__all__ = ["conv1d", "conv2d", "conv3d", "convolution", "conv1d_transpose", "conv2d_transpose",
           "conv3d_transpose", "conv_transpose", "depthwise_conv2d", "separable_conv2d",
           "atrous_conv2d", "atrous_conv2d_transpose", "conv"]


def _shape_of(x):
    return tuple(int(v) for v in x._a.shape)


# --------------------------------------------------------------------------- primitives
def _conv_fwd(x, w, b=None, strides=(), dilations=(), pads=(), groups=1, activation=None):
    return _k.conv_forward(x, w, b, strides, dilations, pads, groups, activation,
                           save=bool(_prim.TAPES))


def _conv_grad(g, out, x, w, b=None, strides=(), dilations=(), pads=(), groups=1,
               activation=None, _needs=(True, True, True)):
    need_x, need_w = _needs[0], _needs[1]
    need_b = b is not None and len(_needs) > 2 and _needs[2]
    if _prim.recording():
        return _conv_grad_composite(g, out, x, w, b, strides, dilations, pads, groups,
                                    activation, need_x, need_w, need_b)
    dx, dw, db = _k.conv_backward(g._a, out._a, x._a, w._a, b is not None, strides, dilations,
                                  pads, groups, activation, need_x, need_w, need_b)
    res = (None if dx is None else _wrap(dx), None if dw is None else _wrap(dw))
    return res + ((None if db is None else _wrap(db)),) if b is not None else res


def _conv_grad_composite(g, out, x, w, b, strides, dilations, pads, groups, activation,
                         need_x, need_w, need_b):
    from .array import where
    from .creation import zeros_like
    from .math import greater
    from .reduce import reduce_sum
    if activation == "relu":
        g = where(greater(out, 0), g, zeros_like(g))
    attrs = dict(strides=strides, dilations=dilations, pads=pads, groups=groups)
    gx = _bprop_input(g, w, input_shape=_shape_of(x), **attrs) if need_x else None
    gw = _bprop_filter(x, g, filter_shape=_shape_of(w), **attrs) if need_w else None
    res = (gx, gw)
    if b is not None:
        gb = reduce_sum(g, axis=list(range(len(g.shape) - 1))) if need_b else None
        res = res + (gb,)
    return res


def _conv_shape(xs, ws, bs=None, strides=(), dilations=(), pads=(), groups=1, activation=None):
    o = _k.out_sizes(xs[1:-1], ws[:-2], strides, dilations, pads)
    return (xs[0],) + o + (ws[-1],)


_conv = Primitive("FusedConv")
_conv._fwd = _conv_fwd
_conv._grad = _conv_grad
_conv._shape = _conv_shape
_conv.grad_needs = True


def _bi_fwd(g, w, input_shape=(), strides=(), dilations=(), pads=(), groups=1):
    return _k.input_grad(g, w, input_shape, strides, dilations, pads, groups)


def _bi_grad(h, out, g, w, input_shape=(), strides=(), dilations=(), pads=(), groups=1,
             _needs=(True, True)):
    attrs = dict(strides=strides, dilations=dilations, pads=pads, groups=groups)
    dg = _conv(h, w, **attrs) if _needs[0] else None
    dw = _bprop_filter(h, g, filter_shape=_shape_of(w), **attrs) if _needs[1] else None
    return dg, dw


_bprop_input = Primitive("ConvBackpropInput")
_bprop_input._fwd = _bi_fwd
_bprop_input._grad = _bi_grad
_bprop_input._shape = lambda gs, ws, input_shape=(), **_: tuple(input_shape)
_bprop_input.grad_needs = True


def _bf_fwd(x, g, filter_shape=(), strides=(), dilations=(), pads=(), groups=1):
    return _k.filter_grad(x, g, filter_shape, strides, dilations, pads, groups)


def _bf_grad(h, out, x, g, filter_shape=(), strides=(), dilations=(), pads=(), groups=1,
             _needs=(True, True)):
    attrs = dict(strides=strides, dilations=dilations, pads=pads, groups=groups)
    dx = _bprop_input(g, h, input_shape=_shape_of(x), **attrs) if _needs[0] else None
    dg = _conv(x, h, **attrs) if _needs[1] else None
    return dx, dg


_bprop_filter = Primitive("ConvBackpropFilter")
_bprop_filter._fwd = _bf_fwd
_bprop_filter._grad = _bf_grad
_bprop_filter._shape = lambda xs, gs, filter_shape=(), **_: tuple(filter_shape)
_bprop_filter.grad_needs = True


# --------------------------------------------------------------------------- arguments
_FORMATS = {1: ("NWC", "NCW"), 2: ("NHWC", "NCHW"), 3: ("NDHWC", "NCDHW")}


def _err(opname, msg):
    return _errors.InvalidArgumentError(None, opname, f"{opname}: {msg}")


def _channels_first(opname, data_format, nd):
    if data_format is None:
        return False
    df = str(data_format)
    if df in ("channels_last", "channels_first"):
        return df == "channels_first"
    if nd in _FORMATS and df in _FORMATS[nd]:
        return df.startswith("NC")
    if df.startswith("N") and len(df) == nd + 2 and df[1] == "C":
        return True
    if df.startswith("N") and len(df) == nd + 2 and df[-1] == "C":
        return False
    want = " or ".join(repr(f) for f in _FORMATS.get(nd, ("N...C", "NC...")))
    raise _err(opname, f"data_format must be {want} for {nd}-D convolution, got {data_format!r}.")


def _ints(value):
    if isinstance(value, Tensor):
        value = _xp.to_numpy(value._a).tolist()
    if isinstance(value, (int, np.integer)):
        return [int(value)]
    return [int(v) for v in value]


def _spatial(opname, what, value, nd, cf, default=1):
    """strides / dilations: an int, or a list of 1, nd or nd + 2 ints (TF's forms)."""
    if value is None:
        return (default,) * nd
    vals = _ints(value)
    if len(vals) == 1:
        vals = vals * nd
    elif len(vals) == nd + 2:
        outer = (vals[0], vals[1]) if cf else (vals[0], vals[-1])
        if outer != (1, 1):
            raise _err(opname, f"{what} in the batch and channel dimensions must be 1, got "
                               f"{what}={vals}.")
        vals = vals[2:] if cf else vals[1:-1]
    elif len(vals) != nd:
        raise _err(opname, f"{what} must be an int or a list of 1, {nd} or {nd + 2} ints, got "
                           f"{what}={vals}.")
    if any(v < 1 for v in vals):
        raise _err(opname, f"{what} must be positive, got {what}={vals}.")
    return tuple(vals)


def _pads(opname, padding, in_sp, k_sp, strides, dilations, cf):
    """Padding "SAME"/"VALID" or an explicit list of (low, high) pairs (one per axis)."""
    nd = len(in_sp)
    if isinstance(padding, str):
        p = padding.upper()
        if p == "VALID":
            return ((0, 0),) * nd
        if p == "SAME":
            return _k.same_pads(in_sp, k_sp, strides, dilations)
        raise _err(opname, f"padding must be 'SAME', 'VALID' or a list of (low, high) pairs, "
                           f"got {padding!r}.")
    pairs = [tuple(int(v) for v in _ints(p)) for p in padding]
    if len(pairs) == nd + 2:
        outer = [pairs[0], pairs[1]] if cf else [pairs[0], pairs[-1]]
        if any(p != (0, 0) for p in outer):
            raise _err(opname, f"explicit padding of the batch and channel dimensions must be "
                               f"0, got padding={pairs}.")
        pairs = pairs[2:] if cf else pairs[1:-1]
    if len(pairs) != nd or any(len(p) != 2 or min(p) < 0 for p in pairs):
        raise _err(opname, f"explicit padding must be {nd + 2} (or {nd}) non-negative "
                           f"(low, high) pairs, got padding={padding!r}.")
    return tuple(pairs)


def _to_last(x, nd):
    from .array import transpose
    return transpose(x, [0] + list(range(2, nd + 2)) + [1])


def _to_first(y, nd):
    from .array import transpose
    return transpose(y, [0, nd + 1] + list(range(1, nd + 1)))


def _check_float_pair(opname, x, w):
    if x._a.dtype.kind not in "fV" or x._a.dtype != w._a.dtype:
        raise _err(opname, f"input and filters must have the same floating-point dtype, got "
                           f"{x.dtype.name} (shape {_shape_of(x)}) and {w.dtype.name} "
                           f"(shape {_shape_of(w)}). Cast them first, e.g. ts.cast(x, ts.float32).")


# --------------------------------------------------------------------------- the N-D op
def conv(input, filters, bias=None, strides=1, padding="VALID", data_format=None,
         dilations=None, groups=None, activation=None, name=None):
    """N-D convolution with fused bias and activation (the kernel behind every conv).

    Args:
        input: `(N, *spatial, C)` (channels-last) or `(N, C, *spatial)`.
        filters: `(*kernel, C // groups, C_out)`.
        bias: `(C_out,)` or None.
        strides, dilations: int or list (TF's forms).
        padding: "SAME", "VALID" or explicit `(low, high)` pairs.
        data_format: None / "channels_last" / "NHWC"-style, or channels-first forms.
        groups: None infers `C // filters.shape[-2]`.
        activation: None or "relu" (fused in place).
        name: the op or layer name used in error messages.
    """
    opname = name or "convolution"
    x, w = t(input), t(filters)
    wr = len(w._a.shape)
    nd = wr - 2
    if nd < 1:
        raise _err(opname, f"filters must have rank >= 3 (*kernel, in_channels, out_channels), "
                           f"got shape {_shape_of(w)}.")
    if len(x._a.shape) != nd + 2:
        raise _err(opname, f"a {nd}-D convolution expects an input of rank {nd + 2} (batch, "
                           f"{nd} spatial axes, channels), got input shape {_shape_of(x)} "
                           f"with filters of shape {_shape_of(w)}.")
    _check_float_pair(opname, x, w)
    cf = _channels_first(opname, data_format, nd)
    xs = _shape_of(x)
    in_sp, c = (xs[2:], xs[1]) if cf else (xs[1:-1], xs[-1])
    ws = _shape_of(w)
    k_sp, cin_f, cout = ws[:-2], ws[-2], ws[-1]
    if groups is None:
        groups = c // cin_f if cin_f and c % cin_f == 0 else 0
    if not groups or c != cin_f * groups or cout % groups:
        raise _err(opname, f"the input has {c} channels (input shape {xs}) but the filters "
                           f"(shape {ws}) take {cin_f} input channels per group; the input's "
                           f"channels must equal filters.shape[-2] * groups and the "
                           f"{cout} output channels must be divisible by the groups.")
    st = _spatial(opname, "strides", strides, nd, cf)
    dl = _spatial(opname, "dilations", dilations, nd, cf)
    pads = _pads(opname, padding, in_sp, k_sp, st, dl, cf)
    o_sp = _k.out_sizes(in_sp, k_sp, st, dl, pads)
    if any(o <= 0 for o in o_sp):
        eff = tuple((k - 1) * d + 1 for k, d in zip(k_sp, dl))
        raise _err(opname, f"the kernel {tuple(k_sp)} (dilated size {eff}) is larger than the "
                           f"padded input {tuple(n + lo + hi for n, (lo, hi) in zip(in_sp, pads))}"
                           f" (input shape {xs}); use padding='SAME' (\"same\"), a smaller "
                           f"kernel or a larger input.")
    if activation not in (None, "relu"):
        raise _err(opname, f"the fused activation must be None or 'relu', got {activation!r}.")
    if cf:
        x = _to_last(x, nd)
    attrs = dict(strides=st, dilations=dl, pads=pads, groups=groups, activation=activation)
    if bias is None:
        y = _conv(x, w, **attrs)
    else:
        b = t(bias)
        if _shape_of(b) != (cout,) or b._a.dtype != x._a.dtype:
            raise _err(opname, f"bias must have shape ({cout},) and dtype {x.dtype.name}, got "
                               f"shape {_shape_of(b)} and dtype {b.dtype.name}.")
        y = _conv(x, w, b, **attrs)
    return _to_first(y, nd) if cf else y


def convolution(input, filters, strides=None, padding="VALID", data_format=None,
                dilations=None, name=None):
    """N-D convolution (`tf.nn.convolution`): rank of `filters` minus 2 spatial axes.

    Args:
        input: `(N, *spatial, C)` or channels-first per `data_format`.
        filters: `(*kernel, C, C_out)`.
        strides, dilations: int or list of N ints.
        padding: "VALID" or "SAME".
        data_format: None (channels last) or e.g. "NCHW".

    >>> ts.nn.convolution(ts.ones((1, 5, 5, 1)), ts.ones((3, 3, 1, 2))).shape
    TensorShape([1, 3, 3, 2])
    """
    return conv(input, filters, None, strides, padding, data_format, dilations,
                name=name or "convolution")


def conv1d(input, filters, stride, padding, data_format="NWC", dilations=None, name=None):
    """1-D convolution (`tf.nn.conv1d`): input `(N, W, C)`, filters `(K, C, C_out)`."""
    _rank(name or "conv1d", filters, 3)
    return conv(input, filters, None, stride, padding, data_format, dilations,
                name=name or "conv1d")


def conv2d(input, filters, strides, padding, data_format="NHWC", dilations=None, name=None):
    """2-D convolution (`tf.nn.conv2d`): input `(N, H, W, C)`, filters `(KH, KW, C, C_out)`.

    Args:
        strides, dilations: int or list of 1, 2 or 4 ints.
        padding: "SAME", "VALID", or explicit `[[0, 0], [top, bottom], [left, right], [0, 0]]`.
        data_format: "NHWC" or "NCHW".
    """
    _rank(name or "conv2d", filters, 4)
    return conv(input, filters, None, strides, padding, data_format, dilations,
                name=name or "conv2d")


def conv3d(input, filters, strides, padding, data_format="NDHWC", dilations=None, name=None):
    """3-D convolution (`tf.nn.conv3d`): input `(N, D, H, W, C)`, filters `(KD, KH, KW, C, C_out)`."""
    _rank(name or "conv3d", filters, 5)
    return conv(input, filters, None, strides, padding, data_format, dilations,
                name=name or "conv3d")


def _rank(opname, filters, r):
    s = tuple(np.shape(filters._a if isinstance(filters, Tensor) else filters))
    if len(s) != r:
        raise _err(opname, f"filters must have rank {r}, got shape {s}.")


def atrous_conv2d(value, filters, rate, padding, name=None):
    """Dilated 2-D convolution (`tf.nn.atrous_conv2d`): `conv2d` with `dilations=rate`."""
    return conv2d(value, filters, 1, padding, "NHWC", rate, name=name or "atrous_conv2d")


# --------------------------------------------------------------------------- transposed
def conv_transpose(input, filters, output_shape, strides, padding="SAME", data_format=None,
                   dilations=None, name=None):
    """Transposed N-D convolution (`tf.nn.conv_transpose`), the gradient of `convolution`.

    Args:
        input: `(N, *spatial_in, C_in)` (or channels-first).
        filters: `(*kernel, C_out, C_in)`.
        output_shape: the full output shape `(N, *spatial_out, C_out)` (in
            `data_format` order), or just the spatial sizes.
        strides, dilations, padding, data_format: as for `convolution`, the
            convolution of the output that this op transposes.
    """
    opname = name or "conv_transpose"
    x, w = t(input), t(filters)
    nd = len(w._a.shape) - 2
    if nd < 1 or len(x._a.shape) != nd + 2:
        raise _err(opname, f"expects input of rank filters.rank = {nd + 2}, got input shape "
                           f"{_shape_of(x)} and filters shape {_shape_of(w)}.")
    _check_float_pair(opname, x, w)
    cf = _channels_first(opname, data_format, nd)
    xs, ws = _shape_of(x), _shape_of(w)
    in_sp, cin = (xs[2:], xs[1]) if cf else (xs[1:-1], xs[-1])
    k_sp, cout = ws[:-2], ws[-2]
    if ws[-1] != cin:
        raise _err(opname, f"the input has {cin} channels (shape {xs}) but filters.shape[-1] is "
                           f"{ws[-1]} (filters shape {ws}, laid out (*kernel, out_channels, "
                           f"in_channels)).")
    osh = _ints(output_shape)
    if len(osh) == nd + 2:
        o_sp, oc = (tuple(osh[2:]), osh[1]) if cf else (tuple(osh[1:-1]), osh[-1])
        if oc != cout or osh[0] != xs[0]:
            raise _err(opname, f"output_shape {osh} must have batch size {xs[0]} and {cout} "
                               f"channels (filters.shape[-2]); filters shape {ws}.")
    elif len(osh) == nd:
        o_sp = tuple(osh)
    else:
        raise _err(opname, f"output_shape must have {nd + 2} (or {nd}) entries, got {osh}.")
    st = _spatial(opname, "strides", strides, nd, cf)
    dl = _spatial(opname, "dilations", dilations, nd, cf)
    pads = _pads(opname, padding, o_sp, k_sp, st, dl, cf)
    back = _k.out_sizes(o_sp, k_sp, st, dl, pads)
    if tuple(back) != tuple(in_sp):
        raise _err(opname, f"output_shape {tuple(osh)} is inconsistent with the input shape {xs}: "
                           f"a convolution of that output with kernel {tuple(k_sp)}, strides "
                           f"{st} and padding {padding!r} gives spatial size {tuple(back)}, "
                           f"not {tuple(in_sp)}.")
    if cf:
        x = _to_last(x, nd)
    y = _bprop_input(x, w, input_shape=(xs[0],) + o_sp + (cout,), strides=st, dilations=dl,
                     pads=pads, groups=1)
    return _to_first(y, nd) if cf else y


def conv1d_transpose(input, filters, output_shape, strides, padding="SAME", data_format="NWC",
                     dilations=None, name=None):
    """Transposed 1-D convolution (`tf.nn.conv1d_transpose`); filters `(K, C_out, C_in)`."""
    _rank(name or "conv1d_transpose", filters, 3)
    return conv_transpose(input, filters, output_shape, strides, padding, data_format,
                          dilations, name=name or "conv1d_transpose")


def conv2d_transpose(input, filters, output_shape, strides, padding="SAME", data_format="NHWC",
                     dilations=None, name=None):
    """Transposed 2-D convolution (`tf.nn.conv2d_transpose`); filters `(KH, KW, C_out, C_in)`.

    >>> y = ts.nn.conv2d_transpose(ts.ones((1, 2, 2, 3)), ts.ones((3, 3, 4, 3)),
    ...                            output_shape=[1, 4, 4, 4], strides=2)
    >>> y.shape
    TensorShape([1, 4, 4, 4])
    """
    _rank(name or "conv2d_transpose", filters, 4)
    return conv_transpose(input, filters, output_shape, strides, padding, data_format,
                          dilations, name=name or "conv2d_transpose")


def conv3d_transpose(input, filters, output_shape, strides, padding="SAME",
                     data_format="NDHWC", dilations=None, name=None):
    """Transposed 3-D convolution (`tf.nn.conv3d_transpose`); filters `(KD, KH, KW, C_out, C_in)`."""
    _rank(name or "conv3d_transpose", filters, 5)
    return conv_transpose(input, filters, output_shape, strides, padding, data_format,
                          dilations, name=name or "conv3d_transpose")


def atrous_conv2d_transpose(value, filters, output_shape, rate, padding, name=None):
    """Transposed dilated 2-D convolution (`tf.nn.atrous_conv2d_transpose`)."""
    return conv2d_transpose(value, filters, output_shape, 1, padding, "NHWC", rate,
                            name=name or "atrous_conv2d_transpose")


# --------------------------------------------------------------------------- depthwise
def depthwise_as_grouped(filters):
    """`(*kernel, C, M)` depthwise filters as grouped-conv filters `(*kernel, 1, C * M)`."""
    from .array import reshape
    s = _shape_of(filters)
    return reshape(filters, s[:-2] + (1, s[-2] * s[-1]))


def depthwise_conv2d(input, filter, strides, padding, data_format=None, dilations=None,
                     name=None):
    """Depthwise 2-D convolution (`tf.nn.depthwise_conv2d`).

    Each input channel `c` is convolved with `filter[:, :, c, :]` (`M` =
    channel multiplier outputs); output channel `c * M + m`.

    Args:
        input: `(N, H, W, C)` (or NCHW).
        filter: `(KH, KW, C, M)`.
        strides: int or list of 1, 2 or 4 ints.
        padding: "SAME", "VALID" or explicit pairs.
        dilations: the rate, int or list of 1 or 2 ints.
    """
    opname = name or "depthwise_conv2d"
    _rank(opname, filter, 4)
    f = t(filter)
    x = t(input)
    c = _shape_of(x)[1 if _channels_first(opname, data_format, 2) else -1]
    if _shape_of(f)[2] != c:
        raise _err(opname, f"the input has {c} channels (shape {_shape_of(x)}) but the filter "
                           f"shape {_shape_of(f)} expects {_shape_of(f)[2]} (filter layout "
                           "(KH, KW, in_channels, channel_multiplier)).")
    return conv(x, depthwise_as_grouped(f), None, strides, padding, data_format, dilations,
                groups=c, name=opname)


def separable_conv2d(input, depthwise_filter, pointwise_filter, strides, padding,
                     data_format=None, dilations=None, name=None):
    """Depthwise 2-D convolution followed by a 1x1 convolution (`tf.nn.separable_conv2d`).

    Args:
        depthwise_filter: `(KH, KW, C, M)`.
        pointwise_filter: `(1, 1, C * M, C_out)`.
        strides, padding, dilations: of the depthwise step.
    """
    opname = name or "separable_conv2d"
    y = depthwise_conv2d(input, depthwise_filter, strides, padding, data_format, dilations,
                         name=opname)
    return conv(y, pointwise_filter, None, 1, "VALID", data_format, None, groups=1,
                name=opname)


__api__ = {"nn": ["conv1d", "conv2d", "conv3d", "convolution", "conv1d_transpose",
                  "conv2d_transpose", "conv3d_transpose", "conv_transpose", "depthwise_conv2d",
                  "separable_conv2d", "atrous_conv2d", "atrous_conv2d_transpose"]}

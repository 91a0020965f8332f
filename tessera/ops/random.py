"""Random numbers: `ts.random.normal`, `uniform`, the stateless ops and `ts.random.Generator`.

The numbers come from NumPy's Philox generator (see `tessera/backend/random.py`,
which holds every seed and counter). The streams follow TensorFlow's seed rules
but are not bit-identical to TensorFlow's. Random ops are not differentiable:
their samples are constants, except that, as in TensorFlow, gradients flow to
tensor-valued `mean`/`stddev`/`minval`/`maxval`/`beta` through the affine
transform applied to the samples.
"""
import enum
import threading
import types

import numpy as np

from ..backend import device as _device
from ..backend import dtypes as _dt
from ..backend import random as _brng
from ..backend import xp as _xp
from ..core import errors as _errors
from ..core.variable import Module, Variable
from ._common import TAPES, Tensor, _wrap, convert_to_tensor

__all__ = ["set_seed", "normal", "uniform", "truncated_normal", "shuffle", "categorical", "gamma",
           "poisson", "stateless_normal", "stateless_uniform", "stateless_truncated_normal",
           "stateless_categorical", "stateless_gamma", "stateless_poisson", "stateless_binomial",
           "split", "fold_in", "create_rng_state", "Algorithm", "Generator",
           "get_global_generator", "set_global_generator", "experimental",
           "random_normal_initializer", "random_uniform_initializer"]

_INT_NAMES = ("int32", "int64", "uint32", "uint64")
_FLOAT_NAMES = ("float16", "bfloat16", "float32", "float64")


def _err(opname, msg):
    return _errors.InvalidArgumentError(None, opname, f"{opname}: {msg}")


# -- argument checks --------------------------------------------------------------------------
def _shape(opname, shape):
    if isinstance(shape, Tensor):
        shape = _xp.to_numpy(shape._a).tolist()
    elif hasattr(shape, "as_list"):
        shape = shape.as_list()
    if isinstance(shape, (int, np.integer)):
        shape = [int(shape)]
    try:
        out = tuple(int(d) for d in shape)
    except (TypeError, ValueError):
        raise _err(opname, f"shape must be a list of non-negative ints or a 1-D int tensor, "
                           f"got {shape!r}.") from None
    if any(d < 0 for d in out):
        raise _err(opname, f"shape {list(out)} has a negative dimension.")
    return out


def _dtype(opname, dtype, allowed):
    try:
        dt = _dt.as_dtype(dtype)
    except TypeError as e:
        raise _err(opname, str(e)) from None
    if dt.name not in allowed:
        raise _err(opname, f"dtype {dt.name} is not supported; use one of {', '.join(allowed)}.")
    return dt.np


def _seed(opname, seed):
    if seed is None:
        return None
    if isinstance(seed, Tensor):
        a = _xp.to_numpy(seed._a)
        if a.ndim == 0 and a.dtype.kind in "iu":
            return int(a)
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        return int(seed)
    raise _err(opname, f"seed must be a Python int or None, got {seed!r}. For a shape-[2] "
                       "seed use the ts.random.stateless_* ops.")


def _stateless_seed(opname, seed):
    try:
        a = _xp.to_numpy(convert_to_tensor(seed)._a)
    except (TypeError, ValueError):
        a = np.asarray(None)
    if a.shape != (2,) or a.dtype.kind not in "iu":
        raise _err(opname, f"seed must be a shape-[2] int32 or int64 tensor such as [1, 2]; got "
                           f"shape {list(a.shape)} and dtype {a.dtype}.")
    return a


def _alg(opname, alg):
    if alg is None or alg in ("auto_select", "philox", Algorithm.PHILOX, Algorithm.AUTO_SELECT,
                              1, 3):
        return Algorithm.PHILOX.value
    if alg in ("threefry", Algorithm.THREEFRY, 2):
        raise _errors.UnimplementedError(
            None, opname, f"{opname}: the ThreeFry algorithm is not implemented; use "
                          "alg='philox' or 'auto_select'.")
    raise _err(opname, f"unknown RNG algorithm {alg!r}; use 'philox' or 'auto_select'.")


def _param(opname, v, npd, what):
    """A distribution parameter: a Tensor of dtype `npd` stays a Tensor, else a NumPy array."""
    if isinstance(v, Tensor):
        if v._a.dtype != npd:
            name = _dt.from_numpy(npd).name
            raise _err(opname, f"{what} has dtype {v.dtype.name} but the output dtype is {name}; "
                               f"cast it first: ts.cast({what}, ts.{name}).")
        return v
    try:
        a = np.asarray(v)
        if a.dtype.kind not in "iufb":
            raise TypeError
        if npd.kind in "iu" and a.dtype.kind == "f" and not np.all(a == np.round(a)):
            raise _err(opname, f"{what}={v!r} is not an integer but the dtype is {npd}.")
        return a.astype(npd)
    except (TypeError, ValueError, OverflowError):
        raise _err(opname, f"{what} must be a number or a tensor, got {v!r}.") from None


def _host(p):
    return _xp.to_numpy(p._a) if isinstance(p, Tensor) else p


def _place(arr):
    dev = _device.current()
    return arr if dev.device_type == "CPU" else dev.xp.asarray(arr)


def _is_const(p, value):
    return not isinstance(p, Tensor) and p.ndim == 0 and p == value


def _affine(base, scale, shift, npd, divide=False):
    """`base * scale + shift` (or `base / scale + shift`) on the device in scope.

    With a recording tape and a Tensor parameter the arithmetic uses Tessera
    ops, so gradients reach `scale` and `shift` as in TensorFlow.
    """
    from . import math as _m
    out = _place(base)
    if TAPES and (isinstance(scale, Tensor) or isinstance(shift, Tensor)):
        res = _wrap(out)
        if not _is_const(scale, 1):
            st = scale if isinstance(scale, Tensor) else _wrap(_place(scale))
            res = _m.divide(res, st) if divide else _m.multiply(res, st)
        if not _is_const(shift, 0):
            res = _m.add(res, shift if isinstance(shift, Tensor) else _wrap(_place(shift)))
        return res
    xp = _xp.of(out)
    if not _is_const(scale, 1):
        s = scale._a if isinstance(scale, Tensor) else xp.asarray(scale)
        out = out / s if divide else out * s
    if not _is_const(shift, 0):
        out = out + (shift._a if isinstance(shift, Tensor) else xp.asarray(shift))
    return _wrap(out.astype(npd, copy=False))


# -- the ops, written once over a "draw" function ----------------------------------------------
# `draw(fn)` obtains a NumPy Generator, returns `fn(rng)` and commits any state change.
def _global_draw(opname, seed):
    seed = _seed(opname, seed)
    return lambda fn: fn(_brng.next_rng(seed, key=opname))


def _stateless_draw(opname, seed):
    s = _stateless_seed(opname, seed)
    return lambda fn: fn(_brng.stateless_rng(s))


def _normal(opname, draw, shape, mean, stddev, dtype, truncated=False):
    shape = _shape(opname, shape)
    npd = _dtype(opname, dtype, _FLOAT_NAMES)
    mean = _param(opname, mean, npd, "mean")
    stddev = _param(opname, stddev, npd, "stddev")
    sampler = _brng.trunc_normal if truncated else _brng.std_normal
    return _affine(draw(lambda rng: sampler(rng, shape, npd)), stddev, mean, npd)


def _uniform(opname, draw, shape, minval, maxval, dtype, full_range_ok=False):
    shape = _shape(opname, shape)
    npd = _dtype(opname, dtype, _FLOAT_NAMES + _INT_NAMES)
    if npd.kind in "iu":
        name = _dt.from_numpy(npd).name
        if minval is None and maxval is None and full_range_ok:
            return _wrap(_place(draw(lambda rng: _brng.int_uniform(rng, shape, None, None, npd))))
        if maxval is None or minval is None:
            raise _err(opname, f"an integer dtype ({name}) needs both minval and maxval, e.g. "
                               f"minval=0, maxval=10 (maxval is excluded)"
                               + (", or both None for the full range." if full_range_ok else "."))
        lo, hi = (_host(_param(opname, v, npd, w)) for v, w in ((minval, "minval"), (maxval, "maxval")))
        if lo.ndim or hi.ndim:
            raise _err(opname, f"for integer dtypes minval and maxval must be scalars, got shapes "
                               f"{list(lo.shape)} and {list(hi.shape)}.")
        if not lo < hi:
            raise _err(opname, f"need minval < maxval, got minval={lo} and maxval={hi}.")
        lo, hi = int(lo), int(hi)
        return _wrap(_place(draw(lambda rng: _brng.int_uniform(rng, shape, lo, hi, npd))))
    lo = _param(opname, 0 if minval is None else minval, npd, "minval")
    hi = _param(opname, 1 if maxval is None else maxval, npd, "maxval")
    if isinstance(lo, Tensor) or isinstance(hi, Tensor):
        from . import math as _m
        width = _m.subtract(hi if isinstance(hi, Tensor) else _wrap(_place(hi)),
                            lo if isinstance(lo, Tensor) else _wrap(_place(lo)))
        if not TAPES:
            width = _xp.to_numpy(width._a)
    else:
        width = (hi - lo).astype(npd)
    return _affine(draw(lambda rng: _brng.uniform01(rng, shape, npd)), width, lo, npd)


def _logits(opname, logits, num_samples, dtype):
    x = logits if isinstance(logits, Tensor) else convert_to_tensor(logits)
    if x._a.dtype.kind not in "fV":
        raise _err(opname, f"logits must be a float tensor, got {x.dtype.name}; cast it: "
                           "ts.cast(logits, ts.float32).")
    if x._a.ndim != 2:
        raise _err(opname, f"logits must be 2-D [batch_size, num_classes], got shape "
                           f"{list(x._a.shape)}.")
    if x._a.shape[1] == 0:
        raise _err(opname, "logits has no classes (num_classes is 0).")
    n = _xp.to_numpy(num_samples._a).item() if isinstance(num_samples, Tensor) else num_samples
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise _err(opname, f"num_samples must be a non-negative int, got {num_samples!r}.")
    npd = _dtype(opname, "int64" if dtype is None else dtype, ("int32", "int64"))
    return x, int(n), npd


def _categorical(draw, x, n, npd):
    lg = _xp.to_numpy(x._a)
    out = draw(lambda rng: _brng.categorical(rng, lg, n, npd))
    return _wrap(_xp.of(x._a).asarray(out))


def _positive(opname, p, what, strict=True):
    a = _host(p)
    if np.any(a <= 0 if strict else a < 0) or np.any(np.isnan(a)):
        raise _err(opname, f"{what} must be {'positive' if strict else 'non-negative'}, got {a!r}.")
    return a


def _gamma(opname, draw, shape, alpha, beta, dtype, stateless):
    shape = _shape(opname, shape)
    npd = _dtype(opname, dtype, _FLOAT_NAMES)
    a = _positive(opname, _param(opname, alpha, npd, "alpha"), "alpha")
    b = None if beta is None else _param(opname, beta, npd, "beta")
    if b is not None:
        _positive(opname, b, "beta")
    pshape = np.broadcast_shapes(a.shape, () if b is None else _host(b).shape)
    if stateless:
        try:
            a = np.broadcast_to(a, shape)
            np.broadcast_shapes(shape, pshape)
        except ValueError:
            raise _err(opname, f"alpha/beta of shape {list(pshape)} do not broadcast to the "
                               f"output shape {list(shape)}.") from None
        size = shape
    else:
        size = shape + pshape
        a = np.broadcast_to(a, pshape)
    wd = _brng.work(npd)
    s = draw(lambda rng: np.asarray(rng.standard_gamma(a.astype(wd), size=size, dtype=wd)))
    s = s.astype(npd)
    if b is None:
        return _wrap(_place(np.maximum(s, np.finfo(wd).tiny).astype(npd)))
    out = _affine(s, b, np.zeros((), npd), npd, divide=True)
    from . import math as _m
    return _m.maximum(out, _wrap(_place(np.asarray(np.finfo(wd).tiny, dtype=npd))))


def _poisson(opname, draw, shape, lam, dtype, stateless):
    shape = _shape(opname, shape)
    npd = _dtype(opname, dtype, ("float16", "float32", "float64", "int32", "int64"))
    lam = lam if isinstance(lam, Tensor) else _param(opname, lam, np.dtype(np.float64), "lam")
    lam = _positive(opname, lam, "lam", strict=False).astype(np.float64)
    if stateless:
        try:
            lam = np.broadcast_to(lam, shape)
        except ValueError:
            raise _err(opname, f"lam of shape {list(lam.shape)} does not broadcast to the output "
                               f"shape {list(shape)}.") from None
        size = shape
    else:
        size = shape + lam.shape
    return _wrap(_place(draw(lambda rng: np.asarray(rng.poisson(lam, size=size))).astype(npd)))


def _binomial(opname, draw, shape, counts, probs, npd):
    shape = _shape(opname, shape)
    c = np.asarray(_host(counts) if isinstance(counts, Tensor) else counts, dtype=np.float64)
    p = np.asarray(_host(probs) if isinstance(probs, Tensor) else probs, dtype=np.float64)
    if np.any(c < 0) or np.any(c != np.round(c)):
        raise _err(opname, f"counts must be non-negative integers, got {c!r}.")
    if np.any((p < 0) | (p > 1)):
        raise _err(opname, f"probs must lie in [0, 1], got {p!r}.")
    try:
        c, p = np.broadcast_to(c, shape).astype(np.int64), np.broadcast_to(p, shape)
    except ValueError:
        raise _err(opname, f"counts {list(c.shape)} and probs {list(p.shape)} must broadcast to "
                           f"the output shape {list(shape)}.") from None
    return _wrap(_place(draw(lambda rng: np.asarray(rng.binomial(c, p, size=shape))).astype(npd)))


# -- stateful ops (global seed) ----------------------------------------------------------------
def set_seed(seed):
    """Sets the global random seed, as `tf.random.set_seed`.

    With a global seed and no op-level `seed`, every random op call gets its
    own op seed from a stream determined by the global seed: a program gives
    the same sequence on every run, and calling `set_seed` again restarts it.
    An op-level `seed` without a global seed uses a fixed default global seed.
    `set_seed(None)` returns to non-deterministic numbers.

    Example:
    >>> ts.random.set_seed(5)
    >>> a = ts.random.uniform([2])
    >>> ts.random.set_seed(5)
    >>> bool(ts.reduce_all(a == ts.random.uniform([2])))
    True
    """
    try:
        _brng.set_seed(seed)
    except TypeError as e:
        raise _err("set_seed", str(e)) from None


def normal(shape, mean=0.0, stddev=1.0, dtype="float32", seed=None, name=None):
    """Outputs random values from a normal distribution, as `tf.random.normal`.

    Args:
        shape: 1-D int list or tensor, the output shape.
        mean: the mean (a scalar or a tensor broadcasting against `shape`).
        stddev: the standard deviation.
        dtype: float16, bfloat16, float32 or float64.
        seed: a Python int: with `ts.random.set_seed` it makes the sequence repeatable.

    Returns:
        A tensor of `shape` and `dtype`.

    Example:
    >>> ts.random.normal([2, 3], mean=1.0, stddev=0.1, seed=1).shape
    TensorShape([2, 3])
    """
    return _normal("RandomStandardNormal", _global_draw("RandomStandardNormal", seed),
                   shape, mean, stddev, dtype)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype="float32", seed=None, name=None):
    """Normal values, re-drawn when more than 2 standard deviations from the mean.

    As `tf.random.truncated_normal`; arguments as `normal`. Every value lies in
    `[mean - 2 * stddev, mean + 2 * stddev]`.
    """
    return _normal("TruncatedNormal", _global_draw("TruncatedNormal", seed), shape, mean,
                   stddev, dtype, truncated=True)


def uniform(shape, minval=0, maxval=None, dtype="float32", seed=None, name=None):
    """Outputs random values uniform in `[minval, maxval)`, as `tf.random.uniform`.

    Args:
        shape: the output shape.
        minval: the lower bound (included), default 0.
        maxval: the upper bound (excluded); default 1 for floats, required for ints.
        dtype: float16, bfloat16, float32, float64, int32, int64, uint32 or uint64.
        seed: a Python int for a repeatable sequence.

    Raises:
        InvalidArgumentError: an integer dtype without `maxval`, or `minval >= maxval`.

    Example:
    >>> x = ts.random.uniform([4], minval=5, maxval=10, dtype=ts.int32)
    >>> bool(ts.reduce_all((x >= 5) & (x < 10)))
    True
    """
    return _uniform("RandomUniform", _global_draw("RandomUniform", seed), shape, minval, maxval,
                    dtype)


def shuffle(value, seed=None, name=None):
    """Randomly shuffles a tensor along its first dimension, as `tf.random.shuffle`.

    Example:
    >>> sorted(ts.random.shuffle([1, 2, 3]).numpy().tolist())
    [1, 2, 3]
    """
    x = value if isinstance(value, Tensor) else convert_to_tensor(value)
    if x._a.ndim == 0:
        raise _err("RandomShuffle", "value must be at least 1-D, got a scalar.")
    return _shuffle(_global_draw("RandomShuffle", seed), x)


def _shuffle(draw, x):
    perm = draw(lambda rng: rng.permutation(x._a.shape[0]))
    xp = _xp.of(x._a)
    return _wrap(xp.take(x._a, xp.asarray(perm), axis=0))


def categorical(logits, num_samples, dtype=None, seed=None, name=None):
    """Draws class indices from categorical distributions, as `tf.random.categorical`.

    Args:
        logits: 2-D float tensor `[batch_size, num_classes]` of unnormalised
            log-probabilities (`-inf` marks an impossible class).
        num_samples: the number of samples per row.
        dtype: int32 or int64 (default int64).
        seed: a Python int.

    Returns:
        An int tensor `[batch_size, num_samples]`.

    Example:
    >>> ts.random.categorical(ts.math.log([[0.5, 0.5]]), 5).shape
    TensorShape([1, 5])
    """
    x, n, npd = _logits("Multinomial", logits, num_samples, dtype)
    return _categorical(_global_draw("Multinomial", seed), x, n, npd)


def gamma(shape, alpha, beta=None, dtype="float32", seed=None, name=None):
    """Draws from Gamma(alpha, beta) (beta is the rate), as `tf.random.gamma`.

    The output shape is `shape + broadcast(alpha, beta).shape`. Gradients flow
    to a tensor `beta`, not to `alpha`.
    """
    return _gamma("RandomGamma", _global_draw("RandomGamma", seed), shape, alpha, beta, dtype,
                  stateless=False)


def poisson(shape, lam, dtype="float32", seed=None, name=None):
    """Draws from Poisson(lam), as `tf.random.poisson`; output shape `shape + lam.shape`."""
    return _poisson("RandomPoissonV2", _global_draw("RandomPoissonV2", seed), shape, lam, dtype,
                    stateless=False)


# -- stateless ops -------------------------------------------------------------------------------
def stateless_normal(shape, seed, mean=0.0, stddev=1.0, dtype="float32", name=None,
                     alg="auto_select"):
    """Normal values determined only by `seed` (shape [2] ints), as `tf.random.stateless_normal`.

    The same seed gives the same numbers on every call, whatever the global seed.

    Example:
    >>> a = ts.random.stateless_normal([3], seed=[1, 2])
    >>> b = ts.random.stateless_normal([3], seed=[1, 2])
    >>> bool(ts.reduce_all(a == b))
    True
    """
    _alg("StatelessRandomNormalV2", alg)
    return _normal("StatelessRandomNormalV2", _stateless_draw("StatelessRandomNormalV2", seed),
                   shape, mean, stddev, dtype)


def stateless_truncated_normal(shape, seed, mean=0.0, stddev=1.0, dtype="float32", name=None,
                               alg="auto_select"):
    """As `stateless_normal`, re-drawing values more than 2 standard deviations out."""
    op = "StatelessTruncatedNormalV2"
    _alg(op, alg)
    return _normal(op, _stateless_draw(op, seed), shape, mean, stddev, dtype, truncated=True)


def stateless_uniform(shape, seed, minval=0, maxval=None, dtype="float32", name=None,
                      alg="auto_select"):
    """Uniform values in `[minval, maxval)` determined only by `seed`.

    As `tf.random.stateless_uniform`. For integer dtypes give both bounds, or
    `minval=None, maxval=None` for integers over the dtype's full range.
    """
    op = "StatelessRandomUniformV2"
    _alg(op, alg)
    return _uniform(op, _stateless_draw(op, seed), shape, minval, maxval, dtype,
                    full_range_ok=True)


def stateless_categorical(logits, num_samples, seed, dtype="int64", name=None):
    """As `categorical`, determined only by `seed`, as `tf.random.stateless_categorical`."""
    x, n, npd = _logits("StatelessMultinomial", logits, num_samples, dtype)
    return _categorical(_stateless_draw("StatelessMultinomial", seed), x, n, npd)


def stateless_gamma(shape, seed, alpha, beta=None, dtype="float32", name=None):
    """Gamma(alpha, beta) samples of `shape` (alpha and beta broadcast to it), determined by `seed`."""
    op = "StatelessRandomGammaV2"
    return _gamma(op, _stateless_draw(op, seed), shape, alpha, beta, dtype, stateless=True)


def stateless_poisson(shape, seed, lam, dtype="int32", name=None):
    """Poisson(lam) samples of `shape` (lam broadcasts to it), determined by `seed`."""
    op = "StatelessRandomPoisson"
    return _poisson(op, _stateless_draw(op, seed), shape, lam, dtype, stateless=True)


def stateless_binomial(shape, seed, counts, probs, output_dtype="int32", name=None):
    """Binomial(counts, probs) samples of `shape`, determined by `seed`."""
    op = "StatelessRandomBinomial"
    npd = _dtype(op, output_dtype, ("float16", "float32", "float64", "int32", "int64"))
    return _binomial(op, _stateless_draw(op, seed), shape, counts, probs, npd)


def split(seed, num=2, alg="auto_select"):
    """Splits a shape-[2] seed into `num` new seeds (a `[num, 2]` tensor), as `tf.random.split`.

    Example:
    >>> ts.random.split([1, 2], num=3).shape
    TensorShape([3, 2])
    """
    _alg("StatelessSplit", alg)
    s = _stateless_seed("StatelessSplit", seed)
    num = int(_host(num)) if isinstance(num, Tensor) else num
    if isinstance(num, bool) or not isinstance(num, (int, np.integer)) or num < 0:
        raise _err("StatelessSplit", f"num must be a non-negative int, got {num!r}.")
    return _wrap(_brng.new_seeds(_brng.stateless_rng(s, tag=_brng.TAG_SPLIT), (int(num), 2), s.dtype))


def fold_in(seed, data, alg="auto_select"):
    """Folds the integer `data` into a shape-[2] seed, giving a new seed, as `tf.random.fold_in`."""
    _alg("StatelessFoldIn", alg)
    s = _stateless_seed("StatelessFoldIn", seed)
    d = _host(data) if isinstance(data, Tensor) else np.asarray(data)
    if d.ndim != 0 or d.dtype.kind not in "iu":
        raise _err("StatelessFoldIn", f"data must be a scalar integer, got {data!r}.")
    rng = _brng.stateless_rng(s, tag=_brng.TAG_FOLD, extra=int(d))
    return _wrap(_brng.new_seeds(rng, (2,), s.dtype))


def _stateless_shuffle(value, seed, alg="auto_select"):
    """Shuffles `value` along its first axis, determined only by `seed`."""
    _alg("StatelessShuffle", alg)
    x = value if isinstance(value, Tensor) else convert_to_tensor(value)
    if x._a.ndim == 0:
        raise _err("StatelessShuffle", "value must be at least 1-D, got a scalar.")
    return _shuffle(_stateless_draw("StatelessShuffle", seed), x)


# -- Generator ---------------------------------------------------------------------------------
class Algorithm(enum.Enum):
    """RNG algorithms, as `tf.random.Algorithm` (only PHILOX is implemented)."""
    PHILOX = 1
    THREEFRY = 2
    AUTO_SELECT = 3


def create_rng_state(seed, alg):
    """A Philox state vector (int64, length 3) from an int or vector seed, as TensorFlow lays it out.

    An int seed fills the state's words little-endian from the lowest 64 bits:
    `create_rng_state(1234, "philox")` is `[1234, 0, 0]`.
    """
    _alg("create_rng_state", alg)
    if isinstance(seed, Tensor):
        seed = _host(seed)
    arr = np.asarray(seed)
    if arr.dtype.kind not in "iu" or arr.ndim > 1:
        raise _err("create_rng_state", f"seed must be an int or a 1-D int vector, got {seed!r}.")
    out = np.zeros(3, dtype=np.uint64)
    if arr.ndim == 0:
        v, i = int(arr) % (1 << 192), 0
        while v and i < 3:
            out[i], v, i = v & ((1 << 64) - 1), v >> 64, i + 1
    else:
        vals = arr.ravel().tolist()[:3]
        out[:len(vals)] = [int(x) & ((1 << 64) - 1) for x in vals]
    return out.view(np.int64)


def _state_vector(opname, state):
    a = _host(state) if isinstance(state, Tensor) else np.asarray(state)
    if a.shape != (3,) or a.dtype.kind not in "iu":
        raise _err(opname, f"a Philox state is an int64 vector of length 3 "
                           f"[counter_lo, counter_hi, key], got {state!r}.")
    return a.astype(np.uint64).view(np.int64) if a.dtype.kind == "u" else a.astype(np.int64)


class Generator(Module):
    """A random-number generator with its own state, as `tf.random.Generator`.

    The state (a non-trainable int64 Variable, `state`) advances on every draw;
    generators never affect, and are not affected by, `ts.random.set_seed` or
    the op-level seeds. Create one with `Generator.from_seed(seed)` or
    `Generator.from_non_deterministic_state()`.

    Example:
    >>> g = ts.random.Generator.from_seed(1234)
    >>> x = g.normal(shape=[2, 3])
    >>> g.reset_from_seed(1234)
    >>> bool(ts.reduce_all(x == g.normal(shape=[2, 3])))
    True
    """

    def __init__(self, copy_from=None, state=None, alg=None):
        super().__init__(name="generator")
        if copy_from is not None:
            if state is not None:
                raise _err("Generator", "give either copy_from or state, not both.")
            st, alg = copy_from._host_state(), copy_from._alg
        elif state is not None:
            st, alg = _state_vector("Generator", state), _alg("Generator", alg)
        else:
            raise _err("Generator", "needs copy_from or state; use "
                                    "ts.random.Generator.from_seed(seed) or "
                                    "ts.random.Generator.from_non_deterministic_state().")
        self._alg = alg
        self._lock = threading.Lock()
        with _device.device("/CPU:0"):
            self._state_var = Variable(st, trainable=False, name="StateVar")

    @classmethod
    def from_seed(cls, seed, alg=None):
        """A generator whose stream is determined by `seed` (an int or int vector)."""
        _alg("Generator.from_seed", alg)
        try:
            key = _brng.scramble_seed(_host(seed) if isinstance(seed, Tensor) else seed)
        except TypeError:
            raise _err("Generator.from_seed", f"seed must be an int, got {seed!r}.") from None
        return cls(state=np.array([0, 0, key], dtype=np.uint64).view(np.int64), alg=alg)

    @classmethod
    def from_non_deterministic_state(cls, alg=None):
        """A generator seeded from the operating system's entropy."""
        return cls(state=_brng.entropy_state(), alg=alg)

    @classmethod
    def from_state(cls, state, alg):
        """A generator starting at `state` ([counter_lo, counter_hi, key])."""
        return cls(state=state, alg=alg)

    @classmethod
    def from_key_counter(cls, key, counter, alg):
        """A generator from a key (int) and a counter (two ints)."""
        return cls(state=_key_counter("Generator.from_key_counter", key, counter), alg=alg)

    @property
    def state(self):
        """The state Variable, int64 `[counter_lo, counter_hi, key]`."""
        return self._state_var

    @property
    def algorithm(self):
        return self._alg

    @property
    def key(self):
        """The key part of the state (a scalar int64 tensor)."""
        return _wrap(self._host_state()[2:3].reshape(()))

    def _host_state(self):
        return _xp.to_numpy(self._state_var._a).copy()

    def _draw(self, fn):
        with self._lock:
            rng = _brng.philox_from_state(self._host_state())
            out = fn(rng)
            self._state_var.assign(_brng.state_of(rng))
        return out

    def reset(self, state):
        """Sets the state to `state`."""
        self._state_var.assign(_state_vector("Generator.reset", state))

    def reset_from_seed(self, seed):
        """Restarts the generator as `Generator.from_seed(seed)` would."""
        self.reset(Generator.from_seed(seed)._host_state())

    def reset_from_key_counter(self, key, counter):
        self.reset(_key_counter("Generator.reset_from_key_counter", key, counter))

    def skip(self, delta):
        """Advances the counter by `delta` blocks of random bits (four 64-bit words each)."""
        st = self._host_state().view(np.uint64)
        c = (int(st[0]) | (int(st[1]) << 64)) + int(delta)
        c %= 1 << 128
        st[0], st[1] = c & ((1 << 64) - 1), c >> 64
        self._state_var.assign(st.view(np.int64))

    def normal(self, shape, mean=0.0, stddev=1.0, dtype="float32", name=None):
        """Normal values; arguments as `ts.random.normal`."""
        return _normal("Generator.normal", self._draw, shape, mean, stddev, dtype)

    def truncated_normal(self, shape, mean=0.0, stddev=1.0, dtype="float32", name=None):
        """Normal values within 2 standard deviations of the mean."""
        return _normal("Generator.truncated_normal", self._draw, shape, mean, stddev, dtype,
                       truncated=True)

    def uniform(self, shape, minval=0, maxval=None, dtype="float32", name=None):
        """Uniform values in `[minval, maxval)`; integer dtypes need both bounds, or
        `minval=None, maxval=None` for the full range."""
        return _uniform("Generator.uniform", self._draw, shape, minval, maxval, dtype,
                        full_range_ok=True)

    def uniform_full_int(self, shape, dtype="uint64", name=None):
        """Integers uniform over the whole range of `dtype`."""
        return _uniform("Generator.uniform_full_int", self._draw, shape, None, None, dtype,
                        full_range_ok=True)

    def binomial(self, shape, counts, probs, dtype="int32", name=None):
        """Binomial(counts, probs) samples of `shape`."""
        npd = _dtype("Generator.binomial", dtype, ("float16", "float32", "float64", "int32",
                                                   "int64"))
        return _binomial("Generator.binomial", self._draw, shape, counts, probs, npd)

    def make_seeds(self, count=1):
        """`count` seeds for stateless ops, as an int64 tensor of shape `[2, count]`."""
        return _wrap(self._draw(lambda rng: _brng.new_seeds(rng, (2, int(count)), np.int64)))

    def split(self, count=1):
        """`count` new independent generators (this one's state advances)."""
        seeds = self.make_seeds(count).numpy()
        return [Generator.from_seed(seeds[:, i].tolist(), self._alg) for i in range(int(count))]

    def __getstate__(self):  # copy.deepcopy / pickle: the lock is not copied
        return {k: v for k, v in self.__dict__.items() if k != "_lock"}

    def __setstate__(self, d):
        self.__dict__.update(d, _lock=threading.Lock())

    def __repr__(self):
        return f"<ts.random.Generator state={self._host_state().tolist()}>"


def _key_counter(opname, key, counter):
    k = int(_host(key)) if isinstance(key, Tensor) else int(np.asarray(key))
    c = (_host(counter) if isinstance(counter, Tensor) else np.asarray(counter)).ravel()
    if c.size != 2:
        raise _err(opname, f"a Philox counter has 2 ints, got {counter!r}.")
    return np.array([int(c[0]) & (2**64 - 1), int(c[1]) & (2**64 - 1), k & (2**64 - 1)],
                    dtype=np.uint64).view(np.int64)


def _make_global(seed):
    if seed is None:
        return Generator.from_non_deterministic_state()
    return Generator.from_seed([seed, 0x676C6F62])  # "glob": apart from from_seed(seed)


def get_global_generator():
    """The global `Generator`, created on first use, as `tf.random.get_global_generator`.

    It starts from the global seed when `ts.random.set_seed` was called (and
    `set_seed` restarts it), otherwise from OS entropy; one installed with
    `set_global_generator` is kept until replaced.
    """
    return _brng.global_generator(_make_global)


def set_global_generator(generator):
    """Replaces the global generator, as `tf.random.set_global_generator`."""
    if not isinstance(generator, Generator):
        raise _err("set_global_generator", f"expected a ts.random.Generator, got "
                                           f"{type(generator).__name__}.")
    _brng.set_global_generator(generator)


# -- TF2 top-level initializers ----------------------------------------------------------------
from .random_init import random_normal_initializer, random_uniform_initializer  # noqa: E402


experimental = types.SimpleNamespace(
    Algorithm=Algorithm, Generator=Generator, create_rng_state=create_rng_state,
    get_global_generator=get_global_generator, set_global_generator=set_global_generator,
    stateless_split=split, stateless_fold_in=fold_in, stateless_shuffle=_stateless_shuffle)
experimental.__doc__ = "`ts.random.experimental`, as `tf.random.experimental`."

__api__ = {
    "ts": ["random_normal_initializer", "random_uniform_initializer"],
    "random": [n for n in __all__ if n not in ("random_normal_initializer",
                                               "random_uniform_initializer")],
}

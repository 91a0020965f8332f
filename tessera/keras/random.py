"""`keras.random`: random tensors and `SeedGenerator`, with Keras 3's seed rules.

The `seed` argument of every function accepts:

- an int: the same numbers on every call (the draw is a pure function of it);
- a `keras.random.SeedGenerator`: new numbers on every call, reproducible from
  the generator's own seed (its state variable advances by one per draw);
- None: the global random stream (reproducible after
  `keras.utils.set_random_seed` / `ts.random.set_seed`).
"""
import numpy as np

import tessera as ts

from ..backend import random as _brng
from ..core.tensor import Tensor
from .backend import Variable
from .backend import standardize_dtype as _std_dtype
from .saving.object_registration import keras_export

__all__ = ["SeedGenerator", "normal", "uniform", "randint", "truncated_normal", "dropout",
           "shuffle", "categorical", "gamma", "binomial", "beta"]

_UIDS = {}


def _auto_name(base):
    n = _UIDS.get(base, 0)
    _UIDS[base] = n + 1
    return base if n == 0 else f"{base}_{n}"


@keras_export("keras.random")
class SeedGenerator:
    """Generates a new seed on every draw, from a state variable (Keras 3's `SeedGenerator`).

    Pass it as the `seed` of `keras.random` functions (or of random initializers
    and layers) to get different, reproducible numbers on each call.

    Args:
        seed: an int, or None to pick one from the global random stream.
        name: the generator's name (default "seed_generator").

    Example:
    >>> gen = keras.random.SeedGenerator(seed=42)
    >>> a = keras.random.normal((2,), seed=gen)
    >>> b = keras.random.normal((2,), seed=gen)   # different from a
    """

    def __init__(self, seed=None, name=None, **kwargs):
        kwargs.pop("backend", None)
        if kwargs:
            raise ValueError(f"SeedGenerator: unrecognized keyword arguments: {kwargs}")
        self.name = name or _auto_name("seed_generator")
        self._initial_seed = seed
        if seed is None:
            seed = int(_brng.next_rng(None, key="keras.random.SeedGenerator").integers(1, 10 ** 9))
        if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
            raise ValueError(f"SeedGenerator: argument `seed` must be an integer. "
                             f"Received: seed={seed!r}")
        self.state = Variable(np.array([int(seed) & 0xFFFFFFFF, 0], dtype=np.uint32), shape=(2,),
                              dtype="uint32", trainable=False, name="seed_generator_state")

    def next(self, ordered=True):
        """Returns the current state (a shape-[2] seed) and advances it."""
        value = np.array(self.state._a, copy=True)
        new = value.copy()
        if ordered:
            new[1] = np.uint32((int(new[1]) + 1) & 0xFFFFFFFF)
        else:
            new = ((value.astype(np.int64) + 1) * 5387 % 933199).astype(np.uint32)
        self.state.assign(new)
        return ts.convert_to_tensor(value)

    def get_config(self):
        return {"seed": self._initial_seed}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<SeedGenerator name={self.name}, state={np.asarray(self.state._a).tolist()}>"


def _rng(seed, key):
    """The NumPy generator for one draw, by Keras 3's seed rules."""
    if seed is None:
        return _brng.next_rng(None, key=f"keras.random.{key}")
    if isinstance(seed, SeedGenerator):
        pair = np.asarray(seed.next()).astype(np.int64)
        return _brng.stateless_rng(pair)
    if isinstance(seed, (bool, np.bool_)):
        pass
    elif isinstance(seed, (int, np.integer)):
        return _brng.stateless_rng([int(seed), 0])
    elif isinstance(seed, (Tensor, np.ndarray, list, tuple)):
        a = np.asarray(seed)
        if a.shape == (2,) and a.dtype.kind in "iu":
            return _brng.stateless_rng(a.astype(np.int64))
    raise ValueError("Argument `seed` must be either an integer or an instance of "
                     f"`SeedGenerator`. Received: seed={seed!r} (of type {type(seed)})")


def _shape(shape, fname):
    if isinstance(shape, (int, np.integer)):
        shape = (shape,)
    try:
        out = tuple(int(d) for d in shape)
    except TypeError:
        raise ValueError(f"keras.random.{fname}: `shape` must be a tuple of ints, got "
                         f"{shape!r}.") from None
    if any(d < 0 for d in out):
        raise ValueError(f"keras.random.{fname}: `shape` must not be negative, got {shape!r}.")
    return out


def _float_dtype(dtype, fname):
    dt = _std_dtype(dtype)
    npd = ts.as_dtype(dt).as_numpy_dtype
    if np.dtype(npd).kind not in "fV":
        raise ValueError(f"keras.random.{fname}: `dtype` must be a floating dtype, got {dt!r}.")
    return dt, np.dtype(npd)


def _out(arr, dt):
    return ts.cast(ts.convert_to_tensor(np.asarray(arr)), dt)


@keras_export("keras.random")
def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Samples from a normal distribution with `mean` and `stddev` (floatx by default)."""
    dt, npd = _float_dtype(dtype, "normal")
    x = _brng.std_normal(_rng(seed, "normal"), _shape(shape, "normal"), npd)
    return _out(x * np.asarray(stddev, npd) + np.asarray(mean, npd), dt)


@keras_export("keras.random")
def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Samples uniformly from `[minval, maxval)` (floatx by default)."""
    dt = _std_dtype(dtype)
    if np.dtype(ts.as_dtype(dt).as_numpy_dtype).kind not in "fV":
        raise ValueError("keras.random.uniform requires a floating point `dtype`; use "
                         f"keras.random.randint for integers. Received: dtype={dt}")
    npd = np.dtype(ts.as_dtype(dt).as_numpy_dtype)
    u = _brng.uniform01(_rng(seed, "uniform"), _shape(shape, "uniform"), _brng.work(npd))
    lo, hi = np.asarray(minval, u.dtype), np.asarray(maxval, u.dtype)
    return _out(lo + (hi - lo) * u, dt)


@keras_export("keras.random")
def randint(shape, minval, maxval, dtype="int32", seed=None):
    """Random integers in `[minval, maxval)`."""
    dt = _std_dtype(dtype)
    npd = np.dtype(ts.as_dtype(dt).as_numpy_dtype)
    if npd.kind not in "iu":
        raise ValueError("keras.random.randint requires an integer `dtype`. "
                         f"Received: dtype={dt}")
    if int(maxval) <= int(minval):
        raise ValueError(f"keras.random.randint: maxval ({maxval}) must be greater than minval "
                         f"({minval}).")
    x = _brng.int_uniform(_rng(seed, "randint"), _shape(shape, "randint"), int(minval),
                          int(maxval), npd)
    return ts.convert_to_tensor(x)


@keras_export("keras.random")
def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Normal samples re-drawn until within two standard deviations of `mean`."""
    dt, npd = _float_dtype(dtype, "truncated_normal")
    x = _brng.trunc_normal(_rng(seed, "truncated_normal"), _shape(shape, "truncated_normal"),
                           npd)
    return _out(x * np.asarray(stddev, npd) + np.asarray(mean, npd), dt)


@keras_export("keras.random")
def dropout(inputs, rate, noise_shape=None, seed=None):
    """Zeros entries of `inputs` with probability `rate` and scales the rest by `1/(1-rate)`.

    `noise_shape` (None entries take the input's size) makes the mask broadcast,
    e.g. `(batch, 1, features)` drops whole features for every timestep.
    """
    x = ts.convert_to_tensor(inputs)
    if not x.dtype.is_floating:
        x = ts.cast(x, _std_dtype(None))
    rate = float(rate)
    if not 0.0 <= rate < 1.0:
        raise ValueError(f"keras.random.dropout: `rate` must be in [0, 1), got {rate}.")
    shape = tuple(x.shape)
    if noise_shape is None:
        ns = shape
    else:
        ns = tuple(shape[i] if d is None else int(d) for i, d in enumerate(noise_shape))
    if rate == 0.0:
        return x
    u = _brng.uniform01(_rng(seed, "dropout"), ns, np.dtype(np.float32))
    keep = (u >= rate).astype(np.float64) / (1.0 - rate)
    return x * ts.cast(ts.convert_to_tensor(keep), x.dtype)


@keras_export("keras.random")
def shuffle(x, axis=0, seed=None):
    """`x` with its slices along `axis` randomly permuted."""
    x = ts.convert_to_tensor(x)
    n = tuple(x.shape)[axis]
    perm = _rng(seed, "shuffle").permutation(n)
    return ts.gather(x, perm, axis=axis % x.shape.rank)


@keras_export("keras.random")
def categorical(logits, num_samples, dtype="int32", seed=None):
    """`num_samples` class indices per row of 2-D `logits` (unnormalised log-probabilities)."""
    lg = np.asarray(ts.convert_to_tensor(logits))
    if lg.ndim != 2:
        raise ValueError("keras.random.categorical: `logits` should be a 2-D tensor of shape "
                         f"(batch_size, num_classes). Received: logits.shape={lg.shape}")
    npd = np.dtype(ts.as_dtype(_std_dtype(dtype)).as_numpy_dtype)
    return ts.convert_to_tensor(_brng.categorical(_rng(seed, "categorical"), lg,
                                                  int(num_samples), npd))


@keras_export("keras.random")
def gamma(shape, alpha, dtype=None, seed=None):
    """Samples from the gamma distribution with concentration `alpha` (scale 1)."""
    dt, npd = _float_dtype(dtype, "gamma")
    x = _rng(seed, "gamma").standard_gamma(np.asarray(alpha, np.float64),
                                           size=_shape(shape, "gamma"))
    return _out(x.astype(_brng.work(npd)), dt)


@keras_export("keras.random")
def binomial(shape, counts, probabilities, dtype=None, seed=None):
    """Samples from binomial distributions with `counts` trials and success `probabilities`."""
    dt = _std_dtype(dtype)
    x = _rng(seed, "binomial").binomial(np.asarray(counts).astype(np.int64),
                                        np.asarray(probabilities, np.float64),
                                        size=_shape(shape, "binomial"))
    return _out(x.astype(np.float64), dt)


@keras_export("keras.random")
def beta(shape, alpha, beta, dtype=None, seed=None):
    """Samples from beta distributions with parameters `alpha` and `beta`."""
    dt, npd = _float_dtype(dtype, "beta")
    x = _rng(seed, "beta").beta(np.asarray(alpha, np.float64), np.asarray(beta, np.float64),
                                size=_shape(shape, "beta"))
    return _out(x.astype(_brng.work(npd)), dt)

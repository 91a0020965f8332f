"""Random initializers: normal, truncated normal, uniform, variance scaling and orthogonal.

Seeds follow Keras 3: an initializer seeded with an integer, or unseeded
(`seed=None`), returns the same values on every call; an unseeded one picks its
integer seed when it is created, from Tessera's global random stream, so
`ts.random.set_seed(s)` / `keras.utils.set_random_seed(s)` make it
reproducible. A seed generator (an object with a `next()` method returning a
shape-[2] integer seed, like `keras.random.SeedGenerator`) gives new values on
every call.
"""
import math

import numpy as np

from ...backend import random as _brng
from ..saving import serialization_lib
from ..saving.object_registration import keras_export
from .initializer import Initializer, _float_dtype, _host, _scalar, _shape, _to_tensor

__all__ = ["RandomNormal", "TruncatedNormal", "RandomUniform", "VarianceScaling", "GlorotNormal",
           "GlorotUniform", "HeNormal", "HeUniform", "LecunNormal", "LecunUniform", "Orthogonal",
           "compute_fans"]

# The standard deviation of a standard normal truncated to [-2, 2].
_TRUNC_STDDEV = 0.87962566103423978


def _default_seed():
    """An integer seed from the global stream (reproducible after `ts.random.set_seed`)."""
    return int(_brng.next_rng(None, key="keras.initializers").integers(1, 10 ** 9))


class RandomInitializer(Initializer):
    """Base of the random initializers: holds and validates the `seed`."""

    def __init__(self, seed=None):
        self._init_seed = seed
        if seed is None:
            seed = _default_seed()
        elif isinstance(seed, dict):
            seed = serialization_lib.deserialize_keras_object(seed)
        if isinstance(seed, (int, np.integer)) and not isinstance(seed, (bool, np.bool_)):
            seed = int(seed)
        elif not callable(getattr(seed, "next", None)):
            raise ValueError(
                f"{type(self).__name__}: the `seed` argument should be an instance of "
                f"`keras.random.SeedGenerator()` or an integer. Received: seed={seed!r}")
        self.seed = seed

    def _rng(self):
        """The NumPy generator for one call."""
        if isinstance(self.seed, int):
            return _brng.rng_from_seed(self.seed)
        return _brng.stateless_rng(np.asarray(_host(self.seed.next())).astype(np.int64))

    def _normal(self, shape, mean, stddev, dtype, truncated=False):
        owner = f"{type(self).__name__} initializer"
        shape = _shape(owner, shape)
        _, npd = _float_dtype(owner, dtype)
        mean = _scalar(owner, "mean", mean)
        stddev = _scalar(owner, "stddev", stddev)
        sampler = _brng.trunc_normal if truncated else _brng.std_normal
        z = sampler(self._rng(), shape, _brng.work(npd))
        return _to_tensor(z * z.dtype.type(stddev) + z.dtype.type(mean), npd)

    def _uniform(self, shape, minval, maxval, dtype):
        owner = f"{type(self).__name__} initializer"
        shape = _shape(owner, shape)
        _, npd = _float_dtype(owner, dtype)
        lo = _scalar(owner, "minval", minval)
        hi = _scalar(owner, "maxval", maxval)
        u = _brng.uniform01(self._rng(), shape, _brng.work(npd))
        out = u * u.dtype.type(hi - lo) + u.dtype.type(lo)
        if hi > lo:  # rounding must not reach the excluded upper bound
            out = np.minimum(out, np.nextafter(out.dtype.type(hi), out.dtype.type(lo)))
        return _to_tensor(out, npd)

    def get_config(self):
        return {"seed": serialization_lib.serialize_keras_object(self._init_seed)}


@keras_export("keras.initializers")
class RandomNormal(RandomInitializer):
    """Random normal initializer: samples from a normal distribution.

    Args:
        mean: a Python scalar or scalar tensor, the mean of the values.
        stddev: a Python scalar or scalar tensor, their standard deviation.
        seed: a Python integer or a `keras.random.SeedGenerator`. An initializer
            seeded with an integer or `None` (unseeded) produces the same values
            across calls; use a `SeedGenerator` to get different values each call.

    Example:
    >>> initializer = keras.initializers.RandomNormal(mean=0.0, stddev=1.0)
    >>> values = initializer(shape=(2, 2))
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean = mean
        self.stddev = stddev
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        return self._normal(shape, self.mean, self.stddev, dtype)

    def get_config(self):
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


@keras_export("keras.initializers")
class TruncatedNormal(RandomInitializer):
    """Truncated normal initializer: values beyond two standard deviations are re-drawn.

    Args:
        mean: a Python scalar or scalar tensor, the mean of the values.
        stddev: a Python scalar or scalar tensor, the standard deviation of the
            normal distribution before truncation.
        seed: a Python integer or a `keras.random.SeedGenerator` (see `RandomNormal`).

    Example:
    >>> initializer = keras.initializers.TruncatedNormal(mean=0., stddev=1.)
    >>> values = initializer(shape=(2, 2))
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean = mean
        self.stddev = stddev
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        return self._normal(shape, self.mean, self.stddev, dtype, truncated=True)

    def get_config(self):
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


@keras_export("keras.initializers")
class RandomUniform(RandomInitializer):
    """Random uniform initializer: samples uniformly from `[minval, maxval)`.

    Args:
        minval: a Python scalar or scalar tensor, the lower bound (inclusive).
        maxval: a Python scalar or scalar tensor, the upper bound (exclusive).
        seed: a Python integer or a `keras.random.SeedGenerator` (see `RandomNormal`).

    Example:
    >>> initializer = keras.initializers.RandomUniform(minval=0.0, maxval=1.0)
    >>> values = initializer(shape=(2, 2))
    """

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval = minval
        self.maxval = maxval
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        return self._uniform(shape, self.minval, self.maxval, dtype)

    def get_config(self):
        return {**super().get_config(), "minval": self.minval, "maxval": self.maxval}


def compute_fans(shape):
    """Computes the number of input and output units for a weight shape.

    A 2-D kernel `(fan_in, fan_out)` gives its dimensions; a convolution kernel
    `(*spatial, input_depth, depth)` multiplies both by the receptive field
    size `prod(spatial)`; a 1-D shape gives its length for both.

    Args:
        shape: integer shape tuple.

    Returns:
        `(fan_in, fan_out)`, two Python ints.
    """
    shape = tuple(shape)
    if len(shape) < 1:
        fan_in = fan_out = 1
    elif len(shape) == 1:
        fan_in = fan_out = shape[0]
    elif len(shape) == 2:
        fan_in, fan_out = shape
    else:
        receptive_field = 1
        for d in shape[:-2]:
            receptive_field *= d
        fan_in = shape[-2] * receptive_field
        fan_out = shape[-1] * receptive_field
    return int(fan_in), int(fan_out)


@keras_export("keras.initializers")
class VarianceScaling(RandomInitializer):
    """Initializer that adapts its scale to the shape of the tensor it fills.

    With a normal distribution (`"truncated_normal"` or `"untruncated_normal"`)
    samples have mean zero and standard deviation (after truncation)
    `sqrt(scale / n)`; with `"uniform"` they lie in `[-limit, limit]` with
    `limit = sqrt(3 * scale / n)`. `n` is the number of input units
    (`mode="fan_in"`), output units (`"fan_out"`) or their average (`"fan_avg"`).

    Args:
        scale: scaling factor (positive float).
        mode: one of `"fan_in"`, `"fan_out"`, `"fan_avg"`.
        distribution: one of `"truncated_normal"`, `"untruncated_normal"`,
            `"uniform"` (`"normal"` means `"truncated_normal"`).
        seed: a Python integer or a `keras.random.SeedGenerator` (see `RandomNormal`).

    Example:
    >>> initializer = keras.initializers.VarianceScaling(
    ...     scale=0.1, mode="fan_in", distribution="uniform")
    >>> values = initializer(shape=(2, 2))
    """

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None):
        if scale <= 0.0:
            raise ValueError(f"{type(self).__name__}: argument `scale` must be a positive float. "
                             f"Received: scale={scale}")
        allowed_modes = ("fan_in", "fan_out", "fan_avg")
        if mode not in allowed_modes:
            raise ValueError(f"{type(self).__name__}: invalid `mode` argument: {mode!r}. "
                             f"Please use one of {allowed_modes}.")
        distribution = str(distribution).lower()
        if distribution == "normal":
            distribution = "truncated_normal"
        allowed = ("uniform", "truncated_normal", "untruncated_normal")
        if distribution not in allowed:
            raise ValueError(f"{type(self).__name__}: invalid `distribution` argument: "
                             f"{distribution!r}. Please use one of {allowed}.")
        self.scale = scale
        self.mode = mode
        self.distribution = distribution
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        shape = _shape(f"{type(self).__name__} initializer", shape)
        scale = float(self.scale)
        fan_in, fan_out = compute_fans(shape)
        if self.mode == "fan_in":
            scale /= max(1.0, fan_in)
        elif self.mode == "fan_out":
            scale /= max(1.0, fan_out)
        else:
            scale /= max(1.0, (fan_in + fan_out) / 2.0)
        if self.distribution == "truncated_normal":
            return self._normal(shape, 0.0, math.sqrt(scale) / _TRUNC_STDDEV, dtype,
                                truncated=True)
        if self.distribution == "untruncated_normal":
            return self._normal(shape, 0.0, math.sqrt(scale), dtype)
        limit = math.sqrt(3.0 * scale)
        return self._uniform(shape, -limit, limit, dtype)

    def get_config(self):
        return {**super().get_config(), "scale": self.scale, "mode": self.mode,
                "distribution": self.distribution}


class _FixedVarianceScaling(VarianceScaling):
    """A VarianceScaling with fixed arguments, configured by its seed alone."""

    _args = (1.0, "fan_in", "truncated_normal")

    def __init__(self, seed=None):
        scale, mode, distribution = self._args
        super().__init__(scale=scale, mode=mode, distribution=distribution, seed=seed)

    def get_config(self):
        return {"seed": serialization_lib.serialize_keras_object(self._init_seed)}


@keras_export("keras.initializers")
class GlorotUniform(_FixedVarianceScaling):
    """The Glorot (Xavier) uniform initializer.

    Samples uniformly within `[-limit, limit]`, `limit = sqrt(6 / (fan_in + fan_out))`.

    Args:
        seed: a Python integer or a `keras.random.SeedGenerator` (see `RandomNormal`).

    Example:
    >>> initializer = keras.initializers.GlorotUniform()
    >>> values = initializer(shape=(2, 2))
    """

    _args = (1.0, "fan_avg", "uniform")


@keras_export("keras.initializers")
class GlorotNormal(_FixedVarianceScaling):
    """The Glorot (Xavier) normal initializer.

    Samples a truncated normal centred on 0 with `stddev = sqrt(2 / (fan_in + fan_out))`.

    Args:
        seed: a Python integer or a `keras.random.SeedGenerator` (see `RandomNormal`).

    Example:
    >>> initializer = keras.initializers.GlorotNormal()
    >>> values = initializer(shape=(2, 2))
    """

    _args = (1.0, "fan_avg", "truncated_normal")


@keras_export("keras.initializers")
class LecunNormal(_FixedVarianceScaling):
    """The LeCun normal initializer: a truncated normal with `stddev = sqrt(1 / fan_in)`.

    Args:
        seed: a Python integer or a `keras.random.SeedGenerator` (see `RandomNormal`).

    Example:
    >>> initializer = keras.initializers.LecunNormal()
    >>> values = initializer(shape=(2, 2))
    """

    _args = (1.0, "fan_in", "truncated_normal")


@keras_export("keras.initializers")
class LecunUniform(_FixedVarianceScaling):
    """The LeCun uniform initializer: uniform in `[-limit, limit]`, `limit = sqrt(3 / fan_in)`.

    Args:
        seed: a Python integer or a `keras.random.SeedGenerator` (see `RandomNormal`).

    Example:
    >>> initializer = keras.initializers.LecunUniform()
    >>> values = initializer(shape=(2, 2))
    """

    _args = (1.0, "fan_in", "uniform")


@keras_export("keras.initializers")
class HeNormal(_FixedVarianceScaling):
    """The He normal initializer: a truncated normal with `stddev = sqrt(2 / fan_in)`.

    Args:
        seed: a Python integer or a `keras.random.SeedGenerator` (see `RandomNormal`).

    Example:
    >>> initializer = keras.initializers.HeNormal()
    >>> values = initializer(shape=(2, 2))
    """

    _args = (2.0, "fan_in", "truncated_normal")


@keras_export("keras.initializers")
class HeUniform(_FixedVarianceScaling):
    """The He uniform initializer: uniform in `[-limit, limit]`, `limit = sqrt(6 / fan_in)`.

    Args:
        seed: a Python integer or a `keras.random.SeedGenerator` (see `RandomNormal`).

    Example:
    >>> initializer = keras.initializers.HeUniform()
    >>> values = initializer(shape=(2, 2))
    """

    _args = (2.0, "fan_in", "uniform")


@keras_export("keras.initializers")
@keras_export("keras.initializers", name="OrthogonalInitializer")
class Orthogonal(RandomInitializer):
    """Initializer that generates an orthogonal matrix.

    A 2-D shape gets the Q factor of the QR decomposition of a normal random
    matrix: orthonormal rows if it has fewer rows than columns, orthonormal
    columns otherwise. A shape of more dimensions is filled as the matrix
    `(shape[0] * ... * shape[-2], shape[-1])` and reshaped.

    Also available as `keras.initializers.OrthogonalInitializer` and `orthogonal`.

    Args:
        gain: multiplicative factor applied to the orthogonal matrix.
        seed: a Python integer or a `keras.random.SeedGenerator` (see `RandomNormal`).

    Example:
    >>> initializer = keras.initializers.Orthogonal()
    >>> values = initializer(shape=(2, 2))
    """

    def __init__(self, gain=1.0, seed=None):
        self.gain = gain
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        shape = _shape("Orthogonal initializer", shape)
        if len(shape) < 2:
            raise ValueError("The tensor to initialize must be at least two-dimensional. "
                             f"Received: shape={shape} of rank {len(shape)}.")
        _, npd = _float_dtype("Orthogonal initializer", dtype)
        rows = 1
        for d in shape[:-1]:
            rows *= d
        cols = shape[-1]
        flat = (max(rows, cols), min(rows, cols))
        a = _brng.std_normal(self._rng(), flat, _brng.work(npd)).astype(np.float64)
        q, r = np.linalg.qr(a)
        q = q * np.sign(np.diag(r))  # makes the decomposition unique (uniform over O(n))
        if rows < cols:
            q = q.T
        return _to_tensor(_scalar("Orthogonal initializer", "gain", self.gain)
                          * q.reshape(shape), npd)

    def get_config(self):
        return {**super().get_config(), "gain": self.gain}

"""Regularization layers: GaussianNoise, GaussianDropout, AlphaDropout, ActivityRegularization.

(Dropout lives in core.py; SpatialDropout1D/2D/3D in their own module.) The random
layers act only when called with `training=True` (as inside `fit`) and draw
from `tessera.backend.random.next_rng(seed, key=...)`, so `keras.utils.set_random_seed`
/ `ts.random.set_seed` make them reproducible.
"""
import numpy as np

from ...backend.random import next_rng
from ...ops._common import _wrap, xp_of
from ..saving.object_registration import keras_export
from .layer import Layer

__all__ = ["GaussianNoise", "GaussianDropout", "AlphaDropout", "ActivityRegularization"]


def _check_rate(rate, what="rate"):
    if not isinstance(rate, (int, float, np.integer, np.floating)) or not 0 <= rate <= 1:
        raise ValueError(f"Invalid value received for argument `{what}`. Expected a float value "
                         f"between 0 and 1. Received: {what}={rate}")


def _noise(inputs, shape, draw):
    """A tensor of noise `draw(rng, shape)` with `inputs`' dtype, on `inputs`' device."""
    arr = np.asarray(draw(shape)).astype(inputs._a.dtype, copy=False)
    return _wrap(xp_of(inputs._a).asarray(arr))


class _RandomLayer(Layer):
    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.supports_masking = True
        self.built = True

    def _rng(self):
        return next_rng(self.seed, key=f"{type(self).__name__}")

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)


@keras_export("keras.layers")
class GaussianNoise(_RandomLayer):
    """Adds zero-centred Gaussian noise during training, as `keras.layers.GaussianNoise`.

    Args:
        stddev: the noise's standard deviation, in [0, 1].
        seed: an int for reproducible noise.
    """

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        _check_rate(stddev, "stddev")
        self.stddev = stddev

    def call(self, inputs, training=False):
        if training and self.stddev > 0:
            rng = self._rng()
            return inputs + _noise(inputs, tuple(inputs.shape),
                                   lambda s: rng.normal(0.0, self.stddev, size=s))
        return inputs

    def get_config(self):
        base = super().get_config()
        base.update({"stddev": self.stddev, "seed": self.seed})
        return base


@keras_export("keras.layers")
class GaussianDropout(_RandomLayer):
    """Multiplies the inputs by Gaussian noise of mean 1 during training, as
    `keras.layers.GaussianDropout`; the noise's stddev is `sqrt(rate / (1 - rate))`.

    Args:
        rate: the drop probability (as in Dropout), in [0, 1].
        seed: an int for reproducible noise.
    """

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        _check_rate(rate)
        self.rate = rate

    def call(self, inputs, training=False):
        if training and 0 < self.rate < 1:
            std = float(np.sqrt(self.rate / (1.0 - self.rate)))
            rng = self._rng()
            return inputs * _noise(inputs, tuple(inputs.shape),
                                   lambda s: rng.normal(1.0, std, size=s))
        return inputs

    def get_config(self):
        base = super().get_config()
        base.update({"rate": self.rate, "seed": self.seed})
        return base


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


@keras_export("keras.layers")
class AlphaDropout(_RandomLayer):
    """Dropout that keeps the inputs' mean and variance, for SELU networks, as
    `keras.layers.AlphaDropout`.

    Dropped values are set to the SELU saturation value `-alpha * scale`, then
    an affine transform restores the mean and variance.

    Args:
        rate: the drop probability, in [0, 1].
        noise_shape: the shape of the keep/drop mask (None entries: the input's size).
        seed: an int for reproducible masks.
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        _check_rate(rate)
        self.rate = rate
        self.noise_shape = tuple(noise_shape) if noise_shape is not None else None

    def call(self, inputs, training=False):
        if not (training and self.rate > 0):
            return inputs
        shape = tuple(inputs.shape)
        if self.noise_shape is not None:
            shape = tuple(d if n is None else int(n) for n, d in zip(self.noise_shape, shape))
        alpha_p = -_SELU_ALPHA * _SELU_SCALE
        rng = self._rng()
        kept = _noise(inputs, shape, lambda s: rng.random(s) >= self.rate)
        a = ((1 - self.rate) * (1 + self.rate * alpha_p ** 2)) ** -0.5
        b = -a * alpha_p * self.rate
        x = inputs * kept + alpha_p * (1.0 - kept)
        return a * x + b

    def get_config(self):
        base = super().get_config()
        base.update({"rate": self.rate, "seed": self.seed, "noise_shape": self.noise_shape})
        return base


@keras_export("keras.layers")
class ActivityRegularization(Layer):
    """Returns its input unchanged and adds `l1 * sum(|x|) + l2 * sum(x**2)` to the
    layer's losses, as `keras.layers.ActivityRegularization`.

    Args:
        l1, l2: the regularization factors (default 0).
    """

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        from ..regularizers import L1L2
        super().__init__(activity_regularizer=L1L2(l1=l1, l2=l2), **kwargs)
        self.l1 = l1
        self.l2 = l2
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        base = super().get_config()
        base.pop("activity_regularizer", None)
        base.update({"l1": self.l1, "l2": self.l2})
        return base

"""`ts.random_normal_initializer` and `ts.random_uniform_initializer` (TF's initializer objects)."""
from .random import _global_draw, _normal, _seed, _stateless_draw, _uniform

__all__ = ["random_normal_initializer", "random_uniform_initializer"]


class _RandomInit:
    def __call__(self, shape, dtype="float32", **kwargs):
        if self.seed is None:
            return self._sample(_global_draw(self._op, None), shape, dtype)
        return self._sample(_stateless_draw(self._op, [self.seed, 0]), shape, dtype)

    def get_config(self):
        return dict(self._config)

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class random_normal_initializer(_RandomInit):
    """Initializer drawing from N(mean, stddev), as `tf.random_normal_initializer`.

    With a `seed`, every call returns the same values.
    """

    _op = "random_normal_initializer"

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean, self.stddev, self.seed = mean, stddev, _seed(self._op, seed)
        self._config = {"mean": mean, "stddev": stddev, "seed": seed}

    def _sample(self, draw, shape, dtype):
        return _normal(self._op, draw, shape, self.mean, self.stddev, dtype)


class random_uniform_initializer(_RandomInit):
    """Initializer drawing uniformly from [minval, maxval), as `tf.random_uniform_initializer`."""

    _op = "random_uniform_initializer"

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval, self.maxval, self.seed = minval, maxval, _seed(self._op, seed)
        self._config = {"minval": minval, "maxval": maxval, "seed": seed}

    def _sample(self, draw, shape, dtype):
        return _uniform(self._op, draw, shape, self.minval, self.maxval, dtype)

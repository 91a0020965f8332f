"""Weight constraints: projections applied to a weight after each optimizer update."""
import tessera as ts

from .. import config as _config
from ..saving.object_registration import keras_export

__all__ = ["Constraint", "MaxNorm", "MinMaxNorm", "NonNeg", "UnitNorm"]


def _tensor(w):
    """A Tensor for `w` (a Variable is read, NumPy data converted)."""
    return ts.convert_to_tensor(w)


def _norms(w, axis):
    return ts.sqrt(ts.reduce_sum(ts.square(w), axis=axis, keepdims=True))


@keras_export("keras.constraints")
class Constraint:
    """Base class for weight constraints.

    A constraint works like a stateless function: `__call__(w)` returns the
    projection of weight `w` (e.g. normalized or clipped). Layers take them as
    `kernel_constraint` / `bias_constraint` and apply them after each update.

    Example:
    >>> class NonNegative(keras.constraints.Constraint):
    ...     def __call__(self, w):
    ...         return w * keras.ops.cast(keras.ops.greater_equal(w, 0.), dtype=w.dtype)
    >>> layer = keras.layers.Dense(4, kernel_constraint=NonNegative())
    """

    def __call__(self, w):
        """Returns the projected weight (the base class returns `w` unchanged)."""
        return w

    def get_config(self):
        """Returns the constraint's configuration as a JSON-serializable dict."""
        return {}

    @classmethod
    def from_config(cls, config):
        """Instantiates a constraint from the dict returned by `get_config()`."""
        from ..saving.serialization_lib import deserialize_keras_object
        # Values such as a tuple `axis` come back as serialized dicts: decode them.
        return cls(**{k: deserialize_keras_object(v) if isinstance(v, dict) else v
                      for k, v in config.items()})


@keras_export("keras.constraints")
class MaxNorm(Constraint):
    """Constrains the weights incident to each hidden unit to have a norm at most `max_value`.

    Also available as `keras.constraints.max_norm`.

    Args:
        max_value: the maximum norm of the incoming weights.
        axis: integer (or list of integers), the axis along which norms are
            computed. For a `Dense` kernel `(input_dim, output_dim)` use 0; for a
            `Conv2D` kernel `(rows, cols, input_depth, output_depth)` use
            `[0, 1, 2]`.

    Example:
    >>> layer = keras.layers.Dense(4, kernel_constraint=keras.constraints.MaxNorm(2.0))
    """

    def __init__(self, max_value=2, axis=0):
        self.max_value = max_value
        self.axis = axis

    def __call__(self, w):
        w = _tensor(w)
        norms = _norms(w, self.axis)
        desired = ts.clip_by_value(norms, 0, self.max_value)
        return w * (desired / (_config.epsilon() + norms))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


@keras_export("keras.constraints")
class NonNeg(Constraint):
    """Constrains the weights to be non-negative (negative entries become 0).

    Also available as `keras.constraints.non_neg`.

    Example:
    >>> layer = keras.layers.Dense(4, kernel_constraint=keras.constraints.NonNeg())
    """

    def __call__(self, w):
        w = _tensor(w)
        return w * ts.cast(ts.greater_equal(w, 0.0), dtype=w.dtype)


@keras_export("keras.constraints")
class UnitNorm(Constraint):
    """Constrains the weights incident to each hidden unit to have unit norm.

    Also available as `keras.constraints.unit_norm`.

    Args:
        axis: integer (or list of integers), the axis along which norms are
            computed (0 for a `Dense` kernel, `[0, 1, 2]` for a `Conv2D` kernel).

    Example:
    >>> layer = keras.layers.Dense(4, kernel_constraint=keras.constraints.UnitNorm())
    """

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        w = _tensor(w)
        return w / (_config.epsilon() + _norms(w, self.axis))

    def get_config(self):
        return {"axis": self.axis}


@keras_export("keras.constraints")
class MinMaxNorm(Constraint):
    """Constrains the norm of the weights incident to each hidden unit to `[min_value, max_value]`.

    Weights are rescaled towards
    `(1 - rate) * norm + rate * clip(norm, min_value, max_value)`: `rate=1.0`
    enforces the bounds strictly, a smaller rate moves towards them gradually.

    Also available as `keras.constraints.min_max_norm`.

    Args:
        min_value: the minimum norm of the incoming weights.
        max_value: the maximum norm of the incoming weights.
        rate: the rate of enforcement.
        axis: integer (or list of integers), the axis along which norms are
            computed (0 for a `Dense` kernel, `[0, 1, 2]` for a `Conv2D` kernel).

    Example:
    >>> constraint = keras.constraints.MinMaxNorm(min_value=0.5, max_value=1.0)
    """

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value = min_value
        self.max_value = max_value
        self.rate = rate
        self.axis = axis

    def __call__(self, w):
        w = _tensor(w)
        norms = _norms(w, self.axis)
        desired = (self.rate * ts.clip_by_value(norms, self.min_value, self.max_value)
                   + (1 - self.rate) * norms)
        return w * (desired / (_config.epsilon() + norms))

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate,
                "axis": self.axis}

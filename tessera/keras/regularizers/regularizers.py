"""Weight regularizers: penalties added to the loss, written with Tessera ops (differentiable)."""
import math

import numpy as np

import tessera as ts
from .. import config as _config
from ..saving.object_registration import keras_export

__all__ = ["Regularizer", "L1L2", "L1", "L2", "OrthogonalRegularizer", "validate_float_arg"]


def _tensor(x):
    return x if isinstance(x, ts.Tensor) else ts.convert_to_tensor(x)


@keras_export("keras.regularizers")
class Regularizer:
    """Regularizer base class: a penalty computed from a weight (or activity) tensor.

    Layers take `kernel_regularizer`, `bias_regularizer` and
    `activity_regularizer`; their penalties are summed into the loss the model
    minimizes (`layer.losses`). Any function from a tensor to a scalar tensor
    can serve as a regularizer; subclasses implement `__call__(x)` and
    `get_config()`.

    Example:
    >>> class L2Regularizer(keras.regularizers.Regularizer):
    ...     def __init__(self, l2=0.):
    ...         self.l2 = l2
    ...     def __call__(self, x):
    ...         return self.l2 * keras.ops.sum(keras.ops.square(x))
    ...     def get_config(self):
    ...         return {"l2": float(self.l2)}
    """

    def __call__(self, x):
        """Computes the regularization penalty of tensor `x` (0 for the base class)."""
        return 0.0

    @classmethod
    def from_config(cls, config):
        """Creates a regularizer from the dict returned by `get_config()`."""
        return cls(**config)

    def get_config(self):
        """Returns the regularizer's configuration as a JSON-serializable dict."""
        raise NotImplementedError(f"{self} does not implement get_config()")


def validate_float_arg(value, name):
    """Checks that a penalty factor is a finite non-negative number; returns it as float."""
    ok = isinstance(value, (float, int, np.floating, np.integer)) and not isinstance(value, bool)
    if not ok or math.isinf(value) or math.isnan(value) or value < 0:
        raise ValueError(f"Invalid value for argument {name}: expected a non-negative float. "
                         f"Received: {name}={value!r}")
    return float(value)


@keras_export("keras.regularizers")
class L1L2(Regularizer):
    """A regularizer applying both L1 and L2 penalties.

    `loss = l1 * reduce_sum(abs(x)) + l2 * reduce_sum(square(x))`

    Also available as `keras.regularizers.l1_l2`. The string identifier
    `"l1_l2"` gives `L1L2(l1=0.01, l2=0.01)`.

    Args:
        l1: float, L1 regularization factor.
        l2: float, L2 regularization factor.

    Example:
    >>> dense = keras.layers.Dense(3, kernel_regularizer=keras.regularizers.L1L2(0.01, 0.02))
    """

    def __init__(self, l1=0.0, l2=0.0):
        l1 = 0.0 if l1 is None else l1
        l2 = 0.0 if l2 is None else l2
        validate_float_arg(l1, name="l1")
        validate_float_arg(l2, name="l2")
        self.l1 = l1
        self.l2 = l2

    def __call__(self, x):
        x = _tensor(x)
        reg = ts.zeros([], dtype=x.dtype)
        if self.l1:
            reg = reg + float(self.l1) * ts.reduce_sum(ts.abs(x))
        if self.l2:
            reg = reg + float(self.l2) * ts.reduce_sum(ts.square(x))
        return reg

    def get_config(self):
        return {"l1": float(self.l1), "l2": float(self.l2)}


@keras_export("keras.regularizers")
class L1(Regularizer):
    """A regularizer applying an L1 penalty: `loss = l1 * reduce_sum(abs(x))`.

    Also available as `keras.regularizers.l1`; the string `"l1"` uses `l1=0.01`.

    Args:
        l1: float, L1 regularization factor.

    Example:
    >>> dense = keras.layers.Dense(3, kernel_regularizer="l1")
    """

    def __init__(self, l1=0.01):
        l1 = 0.01 if l1 is None else l1
        validate_float_arg(l1, name="l1")
        self.l1 = l1

    def __call__(self, x):
        return float(self.l1) * ts.reduce_sum(ts.abs(_tensor(x)))

    def get_config(self):
        return {"l1": float(self.l1)}


@keras_export("keras.regularizers")
class L2(Regularizer):
    """A regularizer applying an L2 penalty: `loss = l2 * reduce_sum(square(x))`.

    Also available as `keras.regularizers.l2`; the string `"l2"` uses `l2=0.01`.

    Args:
        l2: float, L2 regularization factor.

    Example:
    >>> dense = keras.layers.Dense(3, kernel_regularizer="l2")
    """

    def __init__(self, l2=0.01):
        l2 = 0.01 if l2 is None else l2
        validate_float_arg(l2, name="l2")
        self.l2 = l2

    def __call__(self, x):
        return float(self.l2) * ts.reduce_sum(ts.square(_tensor(x)))

    def get_config(self):
        return {"l2": float(self.l2)}


def _l2_normalize(x, axis):
    """`x / ||x||` along `axis`, as Keras's `ops.normalize` (inverse norm capped at 1/epsilon)."""
    sq = ts.reduce_sum(ts.square(x), axis=axis, keepdims=True)
    inv = ts.minimum(ts.math.rsqrt(sq), 1.0 / _config.epsilon())
    return x * inv


@keras_export("keras.regularizers")
class OrthogonalRegularizer(Regularizer):
    """Regularizer encouraging the rows (or columns) of a 2-D weight to be orthogonal.

    The penalty is `factor` times half the mean absolute dot product between
    distinct L2-normalized rows (`mode="rows"`) or columns (`mode="columns"`).

    Also available as `keras.regularizers.orthogonal_regularizer`.

    Args:
        factor: float, the regularization factor.
        mode: `"rows"` or `"columns"`.

    Example:
    >>> regularizer = keras.regularizers.OrthogonalRegularizer(factor=0.01)
    >>> layer = keras.layers.Dense(units=4, kernel_regularizer=regularizer)
    """

    def __init__(self, factor=0.01, mode="rows"):
        validate_float_arg(factor, name="factor")
        self.factor = factor
        if mode not in ("rows", "columns"):
            raise ValueError('Invalid value for argument `mode`. Expected one of {"rows", '
                             f'"columns"}}. Received: mode={mode!r}')
        self.mode = mode

    def __call__(self, inputs):
        x = _tensor(inputs)
        if len(x.shape) != 2:
            raise ValueError("Inputs to OrthogonalRegularizer must have rank 2. Received: "
                             f"inputs.shape={tuple(x.shape)}")
        if self.mode == "rows":
            x = _l2_normalize(x, axis=1)
            product = ts.matmul(x, ts.transpose(x))
            size = int(x.shape[0])
        else:
            x = _l2_normalize(x, axis=0)
            product = ts.matmul(ts.transpose(x), x)
            size = int(x.shape[1])
        off_diag = product * ts.convert_to_tensor(1.0 - np.eye(size), dtype=x.dtype)
        num_pairs = size * (size - 1.0) / 2.0
        return float(self.factor) * 0.5 * ts.reduce_sum(ts.abs(off_diag)) / num_pairs

    def get_config(self):
        return {"factor": float(self.factor), "mode": self.mode}

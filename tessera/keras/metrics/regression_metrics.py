"""Regression metrics: MSE, RMSE, MAE, MAPE, MSLE, cosine similarity, log-cosh."""
import numpy as np

from ..saving.object_registration import keras_export
from . import functions as F
from .metric import Mean, MeanMetricWrapper, divide_no_nan, read, squeeze_or_expand_to_same_rank, \
    to_numpy

__all__ = ["MeanSquaredError", "RootMeanSquaredError", "MeanAbsoluteError",
           "MeanAbsolutePercentageError", "MeanSquaredLogarithmicError", "CosineSimilarity",
           "LogCoshError"]


class _NameDtypeConfig:
    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


@keras_export("keras.metrics")
class MeanSquaredError(_NameDtypeConfig, MeanMetricWrapper):
    """Mean of `square(y_true - y_pred)` over the last axis, averaged over samples.

    Example:
    >>> m = keras.metrics.MeanSquaredError()
    >>> m.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]])
    >>> m.result()
    0.25
    """

    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(fn=F.np_mean_squared_error, name=name, dtype=dtype)
        self._direction = "down"


@keras_export("keras.metrics")
class MeanAbsoluteError(_NameDtypeConfig, MeanMetricWrapper):
    """Mean of `abs(y_true - y_pred)` over the last axis, averaged over samples.

    Example:
    >>> m = keras.metrics.MeanAbsoluteError()
    >>> m.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]])
    >>> m.result()
    0.25
    """

    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(fn=F.np_mean_absolute_error, name=name, dtype=dtype)
        self._direction = "down"


@keras_export("keras.metrics")
class MeanAbsolutePercentageError(_NameDtypeConfig, MeanMetricWrapper):
    """`100 * mean(abs((y_true - y_pred) / y_true))`, the denominator floored at epsilon.

    Example:
    >>> m = keras.metrics.MeanAbsolutePercentageError()
    >>> m.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]])
    >>> m.result()
    250000000.0
    """

    def __init__(self, name="mean_absolute_percentage_error", dtype=None):
        super().__init__(fn=F.np_mean_absolute_percentage_error, name=name, dtype=dtype)
        self._direction = "down"


@keras_export("keras.metrics")
class MeanSquaredLogarithmicError(_NameDtypeConfig, MeanMetricWrapper):
    """Mean of `square(log(y_true + 1) - log(y_pred + 1))`.

    Example:
    >>> m = keras.metrics.MeanSquaredLogarithmicError()
    >>> m.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]])
    >>> m.result()
    0.12011322
    """

    def __init__(self, name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(fn=F.np_mean_squared_logarithmic_error, name=name, dtype=dtype)
        self._direction = "down"


@keras_export("keras.metrics")
class CosineSimilarity(_NameDtypeConfig, MeanMetricWrapper):
    """Mean cosine similarity between labels and predictions along `axis`.

    Args:
        name: the metric's name.
        dtype: its dtype.
        axis: the axis along which the similarity is computed (default -1).

    Example:
    >>> m = keras.metrics.CosineSimilarity(axis=1)
    >>> m.update_state([[0., 1.], [1., 1.]], [[1., 0.], [1., 1.]])
    >>> m.result()
    0.49999997
    """

    def __init__(self, name="cosine_similarity", dtype=None, axis=-1):
        super().__init__(fn=F.np_cosine_similarity, name=name, dtype=dtype, axis=axis)
        self._direction = "up"


@keras_export("keras.metrics")
class LogCoshError(_NameDtypeConfig, MeanMetricWrapper):
    """Mean of `log(cosh(y_pred - y_true))` over the last axis, averaged over samples.

    Example:
    >>> m = keras.metrics.LogCoshError()
    >>> m.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]])
    >>> m.result()
    0.10844523
    """

    def __init__(self, name="logcosh", dtype=None):
        super().__init__(fn=F.np_log_cosh, name=name, dtype=dtype)
        self._direction = "down"


@keras_export("keras.metrics")
class RootMeanSquaredError(Mean):
    """Square root of the (weighted) mean of `square(y_true - y_pred)` over all elements.

    Example:
    >>> m = keras.metrics.RootMeanSquaredError()
    >>> m.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]])
    >>> m.result()
    0.5
    """

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "down"

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = to_numpy(y_true, self.dtype)
        y_pred = to_numpy(y_pred, self.dtype)
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return super().update_state(np.square(y_pred - y_true), sample_weight=sample_weight)

    def result(self):
        return self._out(np.sqrt(divide_no_nan(read(self.total), read(self.count))))

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}

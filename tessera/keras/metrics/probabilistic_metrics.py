"""Probabilistic (cross-entropy, KL, Poisson) and hinge metrics: means of per-sample losses.

They compute the losses with their own NumPy formulas (not differentiable, cheaper
than `keras.losses`), with the same clipping and label conventions.
"""
from ..saving.object_registration import keras_export
from . import functions as F
from .metric import MeanMetricWrapper

__all__ = ["BinaryCrossentropy", "CategoricalCrossentropy", "SparseCategoricalCrossentropy",
           "KLDivergence", "Poisson", "Hinge", "SquaredHinge", "CategoricalHinge"]


class _Simple(MeanMetricWrapper):
    _np_fn = None
    _default_name = None

    def __init__(self, name=None, dtype=None):
        super().__init__(fn=type(self)._np_fn, name=name or self._default_name, dtype=dtype)
        self._direction = "down"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


@keras_export("keras.metrics")
class KLDivergence(_Simple):
    """Kullback-Leibler divergence `sum(y_true * log(y_true / y_pred))` per sample.

    Example:
    >>> m = keras.metrics.KLDivergence()
    >>> m.update_state([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])
    >>> m.result()
    0.45814306
    """
    _np_fn = staticmethod(F.np_kl_divergence)

    def __init__(self, name="kl_divergence", dtype=None):
        super().__init__(name=name, dtype=dtype)


@keras_export("keras.metrics")
class Poisson(_Simple):
    """Poisson metric `mean(y_pred - y_true * log(y_pred + epsilon))` per sample.

    Example:
    >>> m = keras.metrics.Poisson()
    >>> m.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]])
    >>> m.result()
    0.49999997
    """
    _np_fn = staticmethod(F.np_poisson)

    def __init__(self, name="poisson", dtype=None):
        super().__init__(name=name, dtype=dtype)


@keras_export("keras.metrics")
class Hinge(_Simple):
    """Hinge metric `mean(maximum(1 - y_true * y_pred, 0))`; 0/1 labels become -1/1.

    Example:
    >>> m = keras.metrics.Hinge()
    >>> m.update_state([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])
    >>> m.result()
    1.3
    """
    _np_fn = staticmethod(F.np_hinge)

    def __init__(self, name="hinge", dtype=None):
        super().__init__(name=name, dtype=dtype)


@keras_export("keras.metrics")
class SquaredHinge(_Simple):
    """Squared hinge metric `mean(square(maximum(1 - y_true * y_pred, 0)))`.

    Example:
    >>> m = keras.metrics.SquaredHinge()
    >>> m.update_state([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])
    >>> m.result()
    1.86
    """
    _np_fn = staticmethod(F.np_squared_hinge)

    def __init__(self, name="squared_hinge", dtype=None):
        super().__init__(name=name, dtype=dtype)


@keras_export("keras.metrics")
class CategoricalHinge(_Simple):
    """Categorical hinge metric `maximum(max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1, 0)`.

    Example:
    >>> m = keras.metrics.CategoricalHinge()
    >>> m.update_state([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])
    >>> m.result()
    1.4000001
    """
    _np_fn = staticmethod(F.np_categorical_hinge)

    def __init__(self, name="categorical_hinge", dtype=None):
        super().__init__(name=name, dtype=dtype)


@keras_export("keras.metrics")
class BinaryCrossentropy(MeanMetricWrapper):
    """Mean binary cross-entropy between labels and predictions.

    Args:
        name: the metric's name.
        dtype: its dtype.
        from_logits: whether `y_pred` holds logits rather than probabilities.
        label_smoothing: in [0, 1]; labels become `y * (1 - ls) + 0.5 * ls`.

    Example:
    >>> m = keras.metrics.BinaryCrossentropy()
    >>> m.update_state([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])
    >>> m.result()
    0.81492424
    """

    def __init__(self, name="binary_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0):
        super().__init__(fn=F.np_binary_crossentropy, name=name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self._direction = "down"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "from_logits": self.from_logits,
                "label_smoothing": self.label_smoothing}


@keras_export("keras.metrics")
class CategoricalCrossentropy(MeanMetricWrapper):
    """Mean categorical cross-entropy between one-hot labels and predictions.

    Args:
        name: the metric's name.
        dtype: its dtype.
        from_logits: whether `y_pred` holds logits rather than probabilities.
        label_smoothing: in [0, 1]; labels become `y * (1 - ls) + ls / num_classes`.
        axis: the class axis (default -1).

    Example:
    >>> m = keras.metrics.CategoricalCrossentropy()
    >>> m.update_state([[0, 1, 0], [0, 0, 1]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])
    >>> m.result()
    1.1769392
    """

    def __init__(self, name="categorical_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0, axis=-1):
        super().__init__(fn=F.np_categorical_crossentropy, name=name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis
        self._direction = "down"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "from_logits": self.from_logits,
                "label_smoothing": self.label_smoothing, "axis": self.axis}


@keras_export("keras.metrics")
class SparseCategoricalCrossentropy(MeanMetricWrapper):
    """Mean categorical cross-entropy between integer labels and predictions.

    Args:
        name: the metric's name.
        dtype: its dtype.
        from_logits: whether `y_pred` holds logits rather than probabilities.
        axis: the class axis (default -1).

    Example:
    >>> m = keras.metrics.SparseCategoricalCrossentropy()
    >>> m.update_state([1, 2], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])
    >>> m.result()
    1.1769392
    """

    def __init__(self, name="sparse_categorical_crossentropy", dtype=None, from_logits=False,
                 axis=-1):
        super().__init__(fn=F.np_sparse_categorical_crossentropy, name=name, dtype=dtype,
                         from_logits=from_logits, axis=axis)
        self.from_logits = from_logits
        self.axis = axis
        self._direction = "down"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "from_logits": self.from_logits,
                "axis": self.axis}

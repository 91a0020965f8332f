"""Accuracy metrics, and `resolve_accuracy` (which one `metrics=["accuracy"]` means)."""
from ..saving.object_registration import keras_export
from . import functions as F
from .metric import MeanMetricWrapper, to_snake_case

__all__ = ["Accuracy", "BinaryAccuracy", "CategoricalAccuracy", "SparseCategoricalAccuracy",
           "TopKCategoricalAccuracy", "SparseTopKCategoricalAccuracy", "resolve_accuracy"]


@keras_export("keras.metrics")
class Accuracy(MeanMetricWrapper):
    """How often predictions equal labels exactly.

    Args:
        name: the metric's name.
        dtype: its dtype.

    Example:
    >>> m = keras.metrics.Accuracy()
    >>> m.update_state([[1], [2], [3], [4]], [[0], [2], [3], [4]])
    >>> m.result()
    0.75
    """

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(fn=F.np_accuracy, name=name, dtype=dtype)
        self._direction = "up"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


@keras_export("keras.metrics")
class BinaryAccuracy(MeanMetricWrapper):
    """How often predictions match binary labels, a prediction being 1 above `threshold`.

    Args:
        name: the metric's name.
        dtype: its dtype.
        threshold: the probability above which a prediction counts as 1 (in (0, 1)).

    Example:
    >>> m = keras.metrics.BinaryAccuracy()
    >>> m.update_state([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]])
    >>> m.result()
    0.75
    """

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        if threshold is not None and not (0 < threshold < 1):
            raise ValueError("BinaryAccuracy: invalid value for argument `threshold`. Expected a "
                             f"value in interval (0, 1). Received: threshold={threshold}")
        super().__init__(fn=F.np_binary_accuracy, name=name, dtype=dtype, threshold=threshold)
        self.threshold = threshold
        self._direction = "up"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "threshold": self.threshold}


@keras_export("keras.metrics")
class CategoricalAccuracy(MeanMetricWrapper):
    """How often the argmax of the predictions equals the argmax of one-hot labels.

    Args:
        name: the metric's name.
        dtype: its dtype.

    Example:
    >>> m = keras.metrics.CategoricalAccuracy()
    >>> m.update_state([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
    >>> m.result()
    0.5
    """

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(fn=F.np_categorical_accuracy, name=name, dtype=dtype)
        self._direction = "up"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


@keras_export("keras.metrics")
class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often the argmax of the predictions equals integer labels.

    Args:
        name: the metric's name.
        dtype: its dtype.

    Example:
    >>> m = keras.metrics.SparseCategoricalAccuracy()
    >>> m.update_state([[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]])
    >>> m.result()
    0.5
    """

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(fn=F.np_sparse_categorical_accuracy, name=name, dtype=dtype)
        self._direction = "up"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


@keras_export("keras.metrics")
class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the one-hot target is among the top `k` predictions.

    Args:
        k: how many of the highest predictions count (default 5).
        name: the metric's name.
        dtype: its dtype.

    Example:
    >>> m = keras.metrics.TopKCategoricalAccuracy(k=1)
    >>> m.update_state([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
    >>> m.result()
    0.5
    """

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        F._check_k(k, "TopKCategoricalAccuracy")
        super().__init__(fn=F.np_top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        self.k = k
        self._direction = "up"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "k": self.k}


@keras_export("keras.metrics")
class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the integer target is among the top `k` predictions.

    Args:
        k: how many of the highest predictions count (default 5).
        name: the metric's name.
        dtype: its dtype.
        from_sorted_ids: when True, `y_pred` holds class ids sorted by decreasing score
            (e.g. the output of a retrieval layer) instead of scores.

    Example:
    >>> m = keras.metrics.SparseTopKCategoricalAccuracy(k=1)
    >>> m.update_state([2, 1], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
    >>> m.result()
    0.5
    """

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None,
                 from_sorted_ids=False):
        F._check_k(k, "SparseTopKCategoricalAccuracy")
        super().__init__(fn=F.np_sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=k,
                         from_sorted_ids=from_sorted_ids)
        self.k = k
        self.from_sorted_ids = from_sorted_ids
        self._direction = "up"

    def get_config(self):
        config = {"name": self.name, "dtype": self.dtype, "k": self.k}
        if self.from_sorted_ids:
            config["from_sorted_ids"] = True
        return config


_BINARY_LOSSES = {"binary_crossentropy", "bce", "binary_focal_crossentropy", "hinge",
                  "squared_hinge"}
_SPARSE_LOSSES = {"sparse_categorical_crossentropy", "sparse_categorical_focal_crossentropy"}
_CATEGORICAL_LOSSES = {"categorical_crossentropy", "cce", "categorical_focal_crossentropy",
                       "categorical_hinge"}


def _loss_key(loss):
    if loss is None:
        return None
    if isinstance(loss, str):
        return to_snake_case(loss) if loss not in ("BCE", "CCE") else loss.lower()
    if isinstance(loss, dict):  # a serialized loss
        return _loss_key(loss.get("class_name") if loss.get("class_name") != "function"
                         else loss.get("config"))
    fn = getattr(loss, "fn", None) or getattr(loss, "_fn", None)
    if isinstance(loss, type):
        return to_snake_case(loss.__name__)
    if hasattr(loss, "__name__"):  # a function
        return to_snake_case(loss.__name__)
    key = to_snake_case(type(loss).__name__)  # a Loss instance
    if key == "loss_function_wrapper" and fn is not None:
        return _loss_key(fn)
    return key


def resolve_accuracy(loss_name_or_obj, y_true_shape, y_pred_shape):
    """Returns the accuracy class that `metrics=["accuracy"]` means for this loss and data.

    The loss decides first: a binary loss (`binary_crossentropy`, `hinge`, ...) gives
    `BinaryAccuracy`, `sparse_categorical_crossentropy` gives
    `SparseCategoricalAccuracy`, a categorical loss (`categorical_crossentropy`, ...)
    gives `CategoricalAccuracy`. Otherwise the shapes decide, as Keras 3 does: a last
    `y_pred` dimension of 1 means binary; `y_true` of lower rank than `y_pred`, or a last
    `y_true` dimension of 1 against a wider `y_pred`, means sparse; else categorical.

    Args:
        loss_name_or_obj: the compiled loss (name, function, `Loss` instance, class or
            config dict) or None.
        y_true_shape: the targets' shape (a tuple; None entries allowed except last).
        y_pred_shape: the predictions' shape.

    Returns:
        One of `BinaryAccuracy`, `SparseCategoricalAccuracy`, `CategoricalAccuracy` (a
        class: instantiate it with `name="accuracy"` or the user's string).

    Example:
    >>> keras.metrics.resolve_accuracy("sparse_categorical_crossentropy", (32,), (32, 10))
    <class '...SparseCategoricalAccuracy'>
    """
    key = _loss_key(loss_name_or_obj)
    if key in _BINARY_LOSSES:
        return BinaryAccuracy
    if key in _SPARSE_LOSSES:
        return SparseCategoricalAccuracy
    if key in _CATEGORICAL_LOSSES:
        return CategoricalAccuracy
    y_true_shape = tuple(y_true_shape) if y_true_shape is not None else ()
    y_pred_shape = tuple(y_pred_shape) if y_pred_shape is not None else ()
    pred_last = y_pred_shape[-1] if y_pred_shape else 1
    true_last = y_true_shape[-1] if y_true_shape else 1
    if pred_last == 1 or len(y_pred_shape) <= 1:
        return BinaryAccuracy
    if len(y_true_shape) < len(y_pred_shape) or (true_last == 1 and pred_last not in (None, 1)):
        return SparseCategoricalAccuracy
    return CategoricalAccuracy

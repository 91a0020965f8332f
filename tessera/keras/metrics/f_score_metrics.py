"""F-scores: `FBetaScore` and `F1Score`."""
import numpy as np

from ..config import epsilon
from ..saving.object_registration import keras_export
from .metric import Metric, add, read, to_numpy

__all__ = ["FBetaScore", "F1Score"]


@keras_export("keras.metrics")
class FBetaScore(Metric):
    """The F-beta score `(1 + beta^2) * precision * recall / (beta^2 * precision + recall)`.

    Works on 2-D data `(batch_size, num_classes)` (multi-class or multi-label).

    Args:
        average: `None` (one score per class), `"micro"` (global counts), `"macro"`
            (unweighted mean of the class scores) or `"weighted"` (mean weighted by each
            class's number of true instances).
        beta: a Python float > 0 (weight of recall).
        threshold: a Python float in (0, 1]: predictions above it count as 1. If None,
            the largest prediction of each row counts as 1 (others 0).
        name: the metric's name.
        dtype: its dtype.

    Example:
    >>> metric = keras.metrics.FBetaScore(beta=2.0, threshold=0.5)
    >>> y_true = np.array([[1, 1, 1], [1, 0, 0], [1, 1, 0]], np.int32)
    >>> y_pred = np.array([[0.2, 0.6, 0.7], [0.2, 0.6, 0.6], [0.6, 0.8, 0.0]], np.float32)
    >>> metric.update_state(y_true, y_pred)
    >>> metric.result()
    array([0.3846154 , 0.90909094, 0.8333334 ], dtype=float32)
    """

    def __init__(self, average=None, beta=1.0, threshold=None, name="fbeta_score", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        if average not in (None, "micro", "macro", "weighted"):
            raise ValueError("Invalid `average` argument value. Expected one of: "
                             "{None, 'micro', 'macro', 'weighted'}. "
                             f"Received: average={average}")
        if not isinstance(beta, float):
            raise ValueError("Invalid `beta` argument value. It should be a Python float. "
                             f"Received: beta={beta} of type '{type(beta)}'")
        if beta <= 0.0:
            raise ValueError(f"Invalid `beta` argument value. It should be > 0. Received: beta={beta}")
        if threshold is not None:
            if not isinstance(threshold, float):
                raise ValueError("Invalid `threshold` argument value. It should be a Python "
                                 f"float. Received: threshold={threshold} of type "
                                 f"'{type(threshold)}'")
            if threshold > 1.0 or threshold <= 0.0:
                raise ValueError("Invalid `threshold` argument value. It should verify "
                                 f"0 < threshold <= 1. Received: threshold={threshold}")
        self.average = average
        self.beta = beta
        self.threshold = threshold
        self.axis = None if average == "micro" else 0
        self._built = False

    def _build(self, y_true_shape, y_pred_shape):
        if len(y_pred_shape) != 2 or len(y_true_shape) != 2:
            raise ValueError(f"{type(self).__name__} expects 2D inputs with shape (batch_size, "
                             f"output_dim). Received input shapes: y_pred.shape={y_pred_shape} "
                             f"and y_true.shape={y_true_shape}.")
        shape = () if self.average == "micro" else (y_pred_shape[-1],)
        for attr in ("true_positives", "false_positives", "false_negatives",
                     "intermediate_weights"):
            setattr(self, attr, self.add_variable(shape=shape, initializer="zeros",
                                                  dtype=self.dtype, name=attr))
        self._num_classes = y_pred_shape[-1]
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Accumulates the per-class (or global) counts of this batch."""
        y_true = to_numpy(y_true, self.dtype)
        y_pred = to_numpy(y_pred, self.dtype)
        if not self._built:
            self._build(y_true.shape, y_pred.shape)
        if y_pred.ndim != 2 or y_true.shape != y_pred.shape or y_pred.shape[-1] != self._num_classes:
            raise ValueError(f"{type(self).__name__} {self.name!r} expects y_true and y_pred of "
                             f"shape (batch_size, {self._num_classes}); received "
                             f"y_true.shape={y_true.shape}, y_pred.shape={y_pred.shape}.")
        if self.threshold is None:
            top = np.max(y_pred, axis=-1, keepdims=True)
            pred = (y_pred >= top) & (np.abs(y_pred) > 1e-9)
        else:
            pred = y_pred > self.threshold
        pred = pred.astype(np.float64)
        y_true = y_true.astype(np.float64)
        sw = None
        if sample_weight is not None:
            sw = to_numpy(sample_weight, np.float64)
            if sw.ndim == 2 and sw.shape[-1] == 1:
                sw = sw[:, 0]
            if sw.ndim != 1 or sw.shape[0] != y_pred.shape[0]:
                raise ValueError(f"{type(self).__name__}: sample_weight must have one weight per "
                                 f"sample, shape ({y_pred.shape[0]},); received {sw.shape}.")

        def wsum(v):
            if sw is not None:
                v = v * sw[:, None]
            return np.sum(v, axis=self.axis)

        add(self.true_positives, wsum(pred * y_true))
        add(self.false_positives, wsum(pred * (1 - y_true)))
        add(self.false_negatives, wsum((1 - pred) * y_true))
        add(self.intermediate_weights, wsum(y_true))

    def result(self):
        if not self._built:
            return self._out(0.0)
        eps = epsilon()
        tp = read(self.true_positives).astype(self.dtype)
        fp = read(self.false_positives).astype(self.dtype)
        fn = read(self.false_negatives).astype(self.dtype)
        precision = tp / (tp + fp + eps)
        recall = tp / (tp + fn + eps)
        b2 = self.beta ** 2
        f = precision * recall / (b2 * precision + recall + eps) * (1 + b2)
        if self.average == "weighted":
            w = read(self.intermediate_weights).astype(self.dtype)
            f = np.sum(f * (w / (np.sum(w) + eps)))
        elif self.average is not None:
            f = np.mean(f)
        return self._out(f)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "average": self.average,
                "beta": self.beta, "threshold": self.threshold}


@keras_export("keras.metrics")
class F1Score(FBetaScore):
    """The F1 score `2 * precision * recall / (precision + recall)` (F-beta with beta=1).

    Args:
        average: `None`, `"micro"`, `"macro"` or `"weighted"` (see `FBetaScore`).
        threshold: predictions above it count as 1; None: the row's largest counts.
        name: the metric's name.
        dtype: its dtype.

    Example:
    >>> metric = keras.metrics.F1Score(threshold=0.5)
    >>> y_true = np.array([[1, 1, 1], [1, 0, 0], [1, 1, 0]], np.int32)
    >>> y_pred = np.array([[0.2, 0.6, 0.7], [0.2, 0.6, 0.6], [0.6, 0.8, 0.0]], np.float32)
    >>> metric.update_state(y_true, y_pred)
    >>> metric.result()
    array([0.5      , 0.8      , 0.6666667], dtype=float32)
    """

    def __init__(self, average=None, threshold=None, name="f1_score", dtype=None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self):
        config = super().get_config()
        del config["beta"]
        return config

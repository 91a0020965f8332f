"""`keras.callbacks.MonitorCallback`: shared logic of callbacks watching one metric."""
import warnings

import numpy as np

from ..saving.object_registration import keras_export
from .callback import Callback

__all__ = ["MonitorCallback"]

# Metric names (without "val_") whose improvement is an increase / a decrease.
_UP_WORDS = ("acc", "auc", "precision", "recall", "iou", "f1", "fbeta", "r2",
             "true_positives", "true_negatives", "sensitivity", "specificity",
             "cosine_similarity")
_DOWN_WORDS = ("loss", "error", "crossentropy", "hinge", "divergence", "poisson",
               "logcosh", "log_cosh", "false_positives", "false_negatives")
_DOWN_NAMES = {"mse", "mae", "mape", "msle", "rmse", "kld", "kl_divergence"}


def _iter_metrics(metrics, depth=0):
    """Yields metric objects, looking inside containers that hold a `metrics` list."""
    if depth > 4:
        return
    for m in metrics or ():
        inner = getattr(m, "metrics", None)
        if isinstance(inner, (list, tuple)) and inner is not metrics:
            yield from _iter_metrics(inner, depth + 1)
        yield m


def infer_direction(monitor, model=None):
    """`"up"`, `"down"` or None: whether the metric named `monitor` improves upward.

    Uses, in order: `"loss"`; the `_direction` of a model metric of that name (as
    Keras 3); then the metric's name (accuracy/AUC/precision/... go up; losses,
    errors and crossentropies go down).
    """
    name = monitor[4:] if monitor.startswith("val_") else monitor
    if name == "loss":
        return "down"
    try:
        metrics = list(getattr(model, "metrics", None) or ()) if model is not None else []
    except Exception:  # e.g. a model whose metrics are not built yet
        metrics = []
    for m in _iter_metrics(metrics):
        if getattr(m, "name", None) == name and getattr(m, "_direction", None) in ("up", "down"):
            return m._direction
    lowered = name.lower()
    if lowered in _DOWN_NAMES or any(w in lowered for w in _DOWN_WORDS):
        return "down"
    if any(w in lowered for w in _UP_WORDS):
        return "up"
    return None


def to_float(value):
    """A logged value (float, NumPy scalar, scalar Tensor) as a Python float."""
    try:
        return float(np.asarray(value))
    except (TypeError, ValueError):
        raise TypeError(f"Expected a scalar number for the monitored metric; received "
                        f"{value!r} of type {type(value).__name__}.") from None


@keras_export("keras.callbacks")
class MonitorCallback(Callback):
    """Base class for callbacks that monitor a quantity and evaluate improvements.

    Subclassed by `EarlyStopping`-like callbacks; not meant to be used directly.

    Args:
        monitor: Quantity to be monitored. Defaults to `"val_loss"`.
        mode: One of `{"auto", "min", "max"}`. In `"auto"` mode the direction is
            inferred from the name of the monitored quantity.
        baseline: Initial "best" value of the monitored quantity; `None` (default)
            uses the first monitored value.
        min_delta: Minimum change that counts as an improvement. Defaults to `0`.

    Raises:
        ValueError: if `mode="auto"` and the direction cannot be inferred.
    """

    def __init__(self, monitor="val_loss", mode="auto", baseline=None, min_delta=0):
        super().__init__()
        if mode not in ("auto", "min", "max"):
            warnings.warn(f"{type(self).__name__} mode '{mode}' is unknown, fallback to auto "
                          "mode.", stacklevel=2)
            mode = "auto"
        self.monitor = monitor
        self.mode = mode
        self.best = baseline
        self.min_delta = abs(min_delta)
        self.monitor_op = None

    def _direction_or_raise(self):
        if self.mode == "min":
            return "down"
        if self.mode == "max":
            return "up"
        direction = infer_direction(self.monitor, self.model)
        if direction is None:
            raise ValueError(
                f"{type(self).__name__} callback received monitor={self.monitor}, but Keras "
                "isn't able to automatically determine whether that metric should be "
                "maximized or minimized. Pass `mode='max'` in order to monitor based on the "
                "highest metric value, or pass `mode='min'` in order to use the lowest value.")
        return direction

    def _set_monitor_op(self):
        if self._direction_or_raise() == "down":
            self.monitor_op = np.less
            self.min_delta = -abs(self.min_delta)
        else:
            self.monitor_op = np.greater
            self.min_delta = abs(self.min_delta)
        if self.best is None:
            self.best = np.inf if self.monitor_op is np.less else -np.inf

    def _is_improvement(self, monitor_value, reference_value):
        if reference_value is None:
            return True
        return bool(self.monitor_op(monitor_value - self.min_delta, reference_value))

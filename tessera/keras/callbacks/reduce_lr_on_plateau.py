"""`keras.callbacks.ReduceLROnPlateau`."""
import warnings

import numpy as np

from ..saving.object_registration import keras_export
from ..utils.progbar import _print_msg
from .callback import Callback
from .monitor_callback import infer_direction, to_float

__all__ = ["ReduceLROnPlateau"]


def _optimizer_of(callback):
    model = callback.model
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or not hasattr(optimizer, "learning_rate"):
        raise ValueError(
            f"{type(callback).__name__} needs a model whose `optimizer` has a "
            f"`learning_rate`; received model={model!r} with optimizer={optimizer!r}. "
            "Compile the model with an optimizer before calling `fit`.")
    return optimizer


@keras_export("keras.callbacks")
class ReduceLROnPlateau(Callback):
    """Reduce learning rate when a metric has stopped improving.

    Models often benefit from reducing the learning rate by a factor of 2-10 once
    learning stagnates. This callback monitors a quantity and if no improvement is
    seen for `patience` epochs, multiplies the learning rate by `factor`.

    Args:
        monitor: String. Quantity to be monitored.
        factor: Float. Factor by which the learning rate is reduced:
            `new_lr = lr * factor`. Must be below 1.
        patience: Integer. Number of epochs with no improvement after which the
            learning rate is reduced.
        verbose: Integer. 0: quiet, 1: update messages.
        mode: String. One of `{"auto", "min", "max"}`. `"auto"` infers the direction
            from the name of the monitored quantity (accuracy-like names: max;
            otherwise min).
        min_delta: Float. Threshold for measuring the new optimum, to only focus on
            significant changes.
        cooldown: Integer. Number of epochs to wait before resuming normal operation
            after the learning rate has been reduced.
        min_lr: Float. Lower bound on the learning rate.

    Example:

    >>> reduce_lr = keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.2,
    ...                                               patience=5, min_lr=0.001)
    >>> model.fit(x_train, y_train, callbacks=[reduce_lr])
    """

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto",
                 min_delta=1e-4, cooldown=0, min_lr=0.0, **kwargs):
        super().__init__()
        if kwargs:
            warnings.warn(f"ReduceLROnPlateau ignores unknown arguments: {sorted(kwargs)}.",
                          stacklevel=2)
        if factor >= 1.0:
            raise ValueError("ReduceLROnPlateau does not support a factor >= 1.0. "
                             f"Received factor={factor}")
        self.monitor = monitor
        self.factor = factor
        self.min_lr = min_lr
        self.min_delta = min_delta
        self.patience = patience
        self.verbose = verbose
        self.cooldown = cooldown
        self.cooldown_counter = 0
        self.wait = 0
        self.best = 0
        self.mode = mode
        self.monitor_op = None
        self._reset()

    def _reset(self):
        """Resets the wait and cooldown counters (and the best value)."""
        if self.mode not in ("auto", "min", "max"):
            warnings.warn(f"Learning rate reduction mode {self.mode} is unknown, fallback to "
                          "auto mode.", stacklevel=2)
            self.mode = "auto"
        if self.mode == "auto":
            self.monitor_op = None  # resolved at the first epoch end, once metrics exist
            self.best = None
        else:
            self._set_monitor_op("up" if self.mode == "max" else "down")
        self.cooldown_counter = 0
        self.wait = 0

    def _set_monitor_op(self, direction):
        if direction == "up":
            self.monitor_op = lambda a, b: np.greater(a, b + self.min_delta)
            self.best = -np.inf
        else:
            self.monitor_op = lambda a, b: np.less(a, b - self.min_delta)
            self.best = np.inf

    def on_train_begin(self, logs=None):
        self._reset()

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        optimizer = _optimizer_of(self)
        logs["learning_rate"] = to_float(optimizer.learning_rate)
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(
                f"Learning rate reduction is conditioned on metric `{self.monitor}` which is "
                f"not available. Available metrics are: {','.join(list(logs.keys()))}.",
                stacklevel=2)
            return
        current = to_float(current)
        if self.monitor_op is None:
            self._set_monitor_op(infer_direction(self.monitor, self.model) or "down")

        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0

        if self.monitor_op(current, self.best):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience:
                old_lr = to_float(optimizer.learning_rate)
                if old_lr > np.float32(self.min_lr):
                    new_lr = max(old_lr * self.factor, self.min_lr)
                    optimizer.learning_rate = new_lr
                    if self.verbose > 0:
                        _print_msg(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing "
                                   f"learning rate to {new_lr}.")
                    self.cooldown_counter = self.cooldown
                    self.wait = 0

    def in_cooldown(self):
        """Whether the callback is in its cooldown period after a reduction."""
        return self.cooldown_counter > 0

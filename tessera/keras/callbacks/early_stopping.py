"""`keras.callbacks.EarlyStopping`."""
import warnings

import numpy as np

from ..saving.object_registration import keras_export
from ..utils.progbar import _print_msg
from .monitor_callback import MonitorCallback, to_float

__all__ = ["EarlyStopping"]


@keras_export("keras.callbacks")
class EarlyStopping(MonitorCallback):
    """Stop training when a monitored metric has stopped improving.

    At the end of every epoch, `fit()` checks whether the monitored quantity improved
    (by more than `min_delta`); after `patience` epochs without improvement it sets
    `model.stop_training = True`.

    Args:
        monitor: Quantity to be monitored. Defaults to `"val_loss"`.
        min_delta: Minimum change in the monitored quantity to qualify as an
            improvement: an absolute change of less than `min_delta` counts as no
            improvement. Defaults to `0`.
        patience: Number of epochs with no improvement after which training is
            stopped. Defaults to `0`.
        verbose: 0 (silent) or 1 (prints a message when the callback acts).
        mode: One of `{"auto", "min", "max"}`. `"auto"` infers the direction from the
            name of the monitored quantity. Defaults to `"auto"`.
        baseline: Baseline value for the monitored quantity. If not `None`, training
            stops if the model doesn't show improvement over the baseline.
        restore_best_weights: Whether to restore the model weights from the epoch with
            the best value of the monitored quantity at the end of training (an epoch
            is restored whatever its performance relative to `baseline`). Defaults to
            `False`.
        start_from_epoch: Number of epochs to wait before starting to monitor
            improvement (a warm-up period). Defaults to `0`.

    Example:

    >>> callback = keras.callbacks.EarlyStopping(monitor="loss", patience=3)
    >>> history = model.fit(x, y, epochs=10, callbacks=[callback], verbose=0)
    """

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto",
                 baseline=None, restore_best_weights=False, start_from_epoch=0):
        if mode not in ("auto", "min", "max"):
            warnings.warn(f"EarlyStopping mode {mode} is unknown, fallback to auto mode.",
                          stacklevel=2)
            mode = "auto"
        super().__init__(monitor=monitor, mode=mode, baseline=None, min_delta=min_delta)
        self.patience = patience
        self.verbose = verbose
        self.baseline = baseline
        self.min_delta = abs(min_delta)
        self.wait = 0
        self.stopped_epoch = 0
        self.restore_best_weights = restore_best_weights
        self.best_weights = None
        self.best_epoch = 0
        self.best = None
        self.start_from_epoch = start_from_epoch

    def _set_monitor_op(self):
        # Unlike the base class, `best` stays None: the first monitored value is the best.
        if self._direction_or_raise() == "down":
            self.monitor_op = np.less
            self.min_delta = -abs(self.min_delta)
        else:
            self.monitor_op = np.greater
            self.min_delta = abs(self.min_delta)

    def on_train_begin(self, logs=None):
        # Allow instances to be re-used.
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_weights = None
        self.best_epoch = 0

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()  # delayed until the model's metrics exist
        current = self.get_monitor_value(logs)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            # Until something improves, the current weights are the best ones.
            self.best_weights = self._copy_weights()
            self.best_epoch = epoch

        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self._copy_weights()
            # Restart the count only when beating both the baseline and the best.
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return

        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            _print_msg(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                _print_msg("Restoring model weights from the end of the best epoch: "
                           f"{self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)

    def get_monitor_value(self, logs):
        """The monitored value from `logs` as a float (warns and returns None if absent)."""
        logs = logs or {}
        value = logs.get(self.monitor)
        if value is None:
            warnings.warn(
                f"Early stopping conditioned on metric `{self.monitor}` which is not "
                f"available. Available metrics are: {','.join(list(logs.keys()))}",
                stacklevel=2)
            return None
        return to_float(value)

    def _copy_weights(self):
        return [np.array(w, copy=True) for w in self.model.get_weights()]

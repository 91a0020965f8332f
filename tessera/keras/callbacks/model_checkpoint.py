"""`keras.callbacks.ModelCheckpoint`: saves the model or its weights during training."""
import os
import warnings

import numpy as np

from ..saving.object_registration import keras_export
from ..utils.progbar import _print_msg
from .monitor_callback import MonitorCallback, to_float

__all__ = ["ModelCheckpoint"]


@keras_export("keras.callbacks")
class ModelCheckpoint(MonitorCallback):
    """Callback to save the Keras model or model weights at some frequency.

    Args:
        filepath: where to save; it may hold named formatting options filled
            from `epoch` (1-based) and the keys of `logs`, e.g.
            `"model.{epoch:02d}-{val_loss:.2f}.keras"`. It must end in `.keras`
            (whole model) or, with `save_weights_only=True`, in `.weights.h5`.
        monitor: the metric name to monitor (e.g. `"val_loss"`, `"val_accuracy"`).
        verbose: 0 silent, 1 prints a message when the callback saves.
        save_best_only: save only when the monitored metric improves (the file
            is overwritten unless `filepath` varies with the epoch).
        mode: one of `{"auto", "min", "max"}`: whether a smaller or larger value
            is better (`"auto"` infers it from the metric's name).
        save_weights_only: save only the weights (`model.save_weights`).
        save_freq: `"epoch"` saves after each epoch; an int saves every that many
            batches.
        initial_value_threshold: the initial "best" value of the metric; only
            better values trigger saving when `save_best_only=True`.

    Example:
    >>> cb = keras.callbacks.ModelCheckpoint("/tmp/ckpt/best.keras", monitor="val_accuracy",
    ...                                      mode="max", save_best_only=True)
    >>> model.fit(x, y, epochs=10, validation_split=0.2, callbacks=[cb])
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 save_weights_only=False, mode="auto", save_freq="epoch",
                 initial_value_threshold=None):
        if mode not in ("auto", "min", "max"):
            warnings.warn(f"ModelCheckpoint mode '{mode}' is unknown, fallback to auto mode.",
                          stacklevel=2)
            mode = "auto"
        super().__init__(monitor=monitor, mode=mode, baseline=initial_value_threshold)
        self.verbose = verbose
        self.filepath = os.fspath(filepath)
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.save_freq = save_freq
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen = 0
        self._current_epoch = 0
        if save_freq != "epoch" and (isinstance(save_freq, bool) or
                                     not isinstance(save_freq, (int, np.integer)) or save_freq < 1):
            raise ValueError(f"Unrecognized save_freq: {save_freq}. Expected save_freq to be "
                             "'epoch' or a positive integer (a number of batches).")
        if save_weights_only:
            if not self.filepath.endswith(".weights.h5"):
                raise ValueError(
                    "When using `save_weights_only=True` in `ModelCheckpoint`, the filepath "
                    "provided must end in `.weights.h5` (Keras weights format). Received: "
                    f"filepath={self.filepath}")
        elif not self.filepath.endswith(".keras"):
            raise ValueError(
                "The filepath provided must end in `.keras` (Keras model format). Received: "
                f"filepath={self.filepath}")

    def on_train_begin(self, logs=None):
        if self.monitor_op is None and self.save_best_only:
            self._set_monitor_op()

    def on_train_batch_end(self, batch, logs=None):
        if self._should_save_on_batch(batch):
            self._save_model(epoch=self._current_epoch, batch=batch, logs=logs)

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._save_model(epoch=epoch, batch=None, logs=logs)

    def _should_save_on_batch(self, batch):
        if self.save_freq == "epoch":
            return False
        if batch <= self._last_batch_seen:  # a new epoch started
            add_batches = batch + 1
        else:
            add_batches = batch - self._last_batch_seen
        self._batches_seen_since_last_saving += add_batches
        self._last_batch_seen = batch
        if self._batches_seen_since_last_saving >= self.save_freq:
            self._batches_seen_since_last_saving = 0
            return True
        return False

    def _save_model(self, epoch, batch, logs):
        logs = {k: to_float(v) for k, v in (logs or {}).items()}
        filepath = self._get_file_path(epoch, batch, logs)
        dirname = os.path.dirname(filepath)
        if dirname:
            os.makedirs(dirname, exist_ok=True)
        if self.save_best_only:
            if self.monitor_op is None:
                self._set_monitor_op()
            current = logs.get(self.monitor)
            if current is None:
                warnings.warn(f"Can save best model only with {self.monitor} available, "
                              "skipping.", stacklevel=2)
                return
            if not self._is_improvement(current, self.best):
                if self.verbose > 0:
                    _print_msg(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from "
                               f"{self.best:.5f}")
                return
            if self.verbose > 0:
                _print_msg(f"\nEpoch {epoch + 1}: {self.monitor} improved from "
                           f"{self.best:.5f} to {current:.5f}, saving model to {filepath}")
            self.best = current
        elif self.verbose > 0:
            _print_msg(f"\nEpoch {epoch + 1}: saving model to {filepath}")
        if self.save_weights_only:
            self.model.save_weights(filepath, overwrite=True)
        else:
            self.model.save(filepath, overwrite=True)

    def _get_file_path(self, epoch, batch, logs):
        try:
            if batch is None or "batch" in logs:
                return self.filepath.format(epoch=epoch + 1, **logs)
            return self.filepath.format(epoch=epoch + 1, batch=batch + 1, **logs)
        except KeyError as e:
            raise KeyError(f'Failed to format this callback filepath: "{self.filepath}". '
                           f"Reason: {e!r} is not among the logged values "
                           f"{sorted(logs)} (nor epoch/batch).") from e

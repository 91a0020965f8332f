"""`keras.callbacks.LearningRateScheduler`."""
import numbers

import numpy as np

from ..saving.object_registration import keras_export
from ..utils.progbar import _print_msg
from .callback import Callback
from .monitor_callback import to_float

__all__ = ["LearningRateScheduler"]


def _as_learning_rate(value):
    if isinstance(value, (bool, np.bool_, str, bytes)) or value is None:
        ok = False
    elif isinstance(value, numbers.Real):
        ok = True
    else:
        try:
            arr = np.asarray(value)
            ok = arr.shape == () and arr.dtype.kind in "iuf"
        except Exception:
            ok = False
    if not ok:
        raise ValueError("The output of the `schedule` function should be a float. "
                         f"Got: {value!r}")
    return float(np.asarray(value))


@keras_export("keras.callbacks")
class LearningRateScheduler(Callback):
    """Learning rate scheduler.

    At the beginning of every epoch, this callback gets the learning rate from
    `schedule(epoch, lr)` (epoch 0-based, `lr` the current learning rate as a float;
    a one-argument `schedule(epoch)` is also accepted) and sets it on the optimizer.

    Args:
        schedule: A function taking an epoch index (integer, from 0) and the current
            learning rate (float), and returning the new learning rate (float).
        verbose: Integer. 0: quiet, 1: log update messages.

    Example:

    >>> def scheduler(epoch, lr):
    ...     return lr if epoch < 10 else lr * float(np.exp(-0.1))
    >>> callback = keras.callbacks.LearningRateScheduler(scheduler)
    >>> history = model.fit(x, y, epochs=15, callbacks=[callback], verbose=0)
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        if not callable(schedule):
            raise ValueError("LearningRateScheduler: `schedule` must be a callable "
                             f"`schedule(epoch, lr) -> lr`. Received: {schedule!r}")
        self.schedule = schedule
        self.verbose = verbose

    def _update_optimizer_lr(self, optimizer, epoch):
        if not hasattr(optimizer, "learning_rate"):
            raise ValueError('Optimizer must have a "learning_rate" attribute.')
        current = to_float(optimizer.learning_rate)
        try:
            learning_rate = self.schedule(epoch, current)
        except TypeError as two_arg_error:  # the older one-argument API
            try:
                learning_rate = self.schedule(epoch)
            except TypeError:
                raise two_arg_error from None
        learning_rate = _as_learning_rate(learning_rate)
        optimizer.learning_rate = learning_rate
        return learning_rate

    def on_epoch_begin(self, epoch, logs=None):
        optimizer = getattr(self.model, "optimizer", None)
        if hasattr(optimizer, "optimizers"):
            for idx, opt in enumerate(optimizer.optimizers):
                lr = self._update_optimizer_lr(opt, epoch)
                if self.verbose > 0:
                    _print_msg(f"\nEpoch {epoch + 1}: LearningRateScheduler setting "
                               f"{opt.name}_{idx} learning rate to {lr}.")
        else:
            lr = self._update_optimizer_lr(optimizer, epoch)
            if self.verbose > 0:
                _print_msg(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning "
                           f"rate to {lr}.")

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        optimizer = getattr(self.model, "optimizer", None)
        if hasattr(optimizer, "optimizers"):
            for idx, opt in enumerate(optimizer.optimizers):
                logs[f"learning_rate_{opt.name}_{idx}"] = to_float(opt.learning_rate)
        elif optimizer is not None:
            logs["learning_rate"] = to_float(optimizer.learning_rate)

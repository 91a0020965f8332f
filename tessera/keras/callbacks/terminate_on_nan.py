"""`keras.callbacks.TerminateOnNaN`."""
import numpy as np

from ..saving.object_registration import keras_export
from ..utils.progbar import _print_msg
from .callback import Callback

__all__ = ["TerminateOnNaN"]


@keras_export("keras.callbacks")
class TerminateOnNaN(Callback):
    """Callback that terminates training when a NaN or Inf loss is encountered.

    By default training stops gracefully (`model.stop_training = True`, so every
    callback's `on_train_end()` still runs). With `raise_error=True` a `RuntimeError`
    is raised at once instead, skipping the other callbacks' cleanup.

    Args:
        raise_error: Boolean, default `False`. Whether to raise instead of stopping.

    Example:

    >>> model.fit(x, y, callbacks=[keras.callbacks.TerminateOnNaN()])
    """

    def __init__(self, raise_error=False):
        super().__init__()
        self.raise_error = raise_error

    def on_batch_end(self, batch, logs=None):
        logs = logs or {}
        loss = logs.get("loss")
        if loss is None:
            return
        value = np.asarray(loss, dtype=np.float64)
        if np.isnan(value).any() or np.isinf(value).any():
            if self.raise_error:
                raise RuntimeError(f"NaN or Inf loss encountered at batch {batch}. Loss value: "
                                   f"{loss}. Terminating training immediately.")
            _print_msg(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True

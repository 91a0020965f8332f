"""`keras.callbacks.History`: records the epoch logs; returned by `fit`."""
from ..saving.object_registration import keras_export
from .callback import Callback

__all__ = ["History"]


@keras_export("keras.callbacks")
class History(Callback):
    """Callback that records events into a `History` object.

    It is added automatically to every `fit()` call, which returns it. Its `history`
    attribute maps each log key (e.g. `"loss"`, `"val_accuracy"`) to the list of
    its per-epoch values, and `epoch` lists the epoch indices seen.

    Example:

    >>> history = model.fit(x, y, epochs=3, verbose=0)
    >>> history.history["loss"]   # three floats
    """

    def __init__(self):
        super().__init__()
        self.history = {}
        self.epoch = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        self.epoch.append(epoch)
        for key, value in logs.items():
            self.history.setdefault(key, []).append(value)
        # Keep the model pointing at the latest state.
        if self.model is not None:
            self.model.history = self

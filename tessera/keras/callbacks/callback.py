"""`keras.callbacks.Callback`: the base class of everything `fit` calls back into."""
from ..saving.object_registration import keras_export

__all__ = ["Callback"]


@keras_export("keras.callbacks")
class Callback:
    """Base class used to build new callbacks.

    Callbacks are passed to `fit()`, `evaluate()` and `predict()` to hook into the
    stages of training, evaluation and inference. Subclass it and override the
    `on_*` methods of interest.

    Attributes:
        params: Dict of training parameters (`verbose`, `epochs`, `steps`).
        model: The `Model` being trained (set by `set_model`).

    Example:

    >>> class StopAtLoss(keras.callbacks.Callback):
    ...     def on_epoch_end(self, epoch, logs=None):
    ...         if logs["loss"] < 0.1:
    ...             self.model.stop_training = True

    In a custom training loop, wrap the callbacks in a `keras.callbacks.CallbackList`
    and call its `on_*` methods at the matching places.
    """

    params = None
    _model = None

    def __init__(self):
        self.params = None
        self._model = None

    def set_params(self, params):
        """Stores the training parameters dict (`verbose`, `epochs`, `steps`)."""
        self.params = params

    def set_model(self, model):
        """Stores the model the callback acts on."""
        self._model = model

    @property
    def model(self):
        """The model the callback acts on (set by `set_model`)."""
        return self._model

    def on_batch_begin(self, batch, logs=None):
        """A backwards compatibility alias for `on_train_batch_begin`."""

    def on_batch_end(self, batch, logs=None):
        """A backwards compatibility alias for `on_train_batch_end`."""

    def on_epoch_begin(self, epoch, logs=None):
        """Called at the start of an epoch (training only).

        Args:
            epoch: Integer, index of the epoch (0-based).
            logs: Dict; currently empty.
        """

    def on_epoch_end(self, epoch, logs=None):
        """Called at the end of an epoch (training only).

        Args:
            epoch: Integer, index of the epoch (0-based).
            logs: Dict of the epoch's metric results, with validation results
                prefixed `val_`, e.g. `{"loss": 0.2, "accuracy": 0.7, "val_loss": 0.3}`.
        """

    def on_train_batch_begin(self, batch, logs=None):
        """Called at the beginning of a training batch in `fit`.

        Args:
            batch: Integer, index of the batch within the epoch.
            logs: Dict; currently empty.
        """
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        """Called at the end of a training batch in `fit`.

        Args:
            batch: Integer, index of the batch within the epoch.
            logs: Dict of the metric results aggregated up to this batch.
        """
        self.on_batch_end(batch, logs=logs)

    def on_test_batch_begin(self, batch, logs=None):
        """Called at the beginning of a batch in `evaluate` (and of a validation batch
        in `fit`)."""

    def on_test_batch_end(self, batch, logs=None):
        """Called at the end of a batch in `evaluate` (and of a validation batch in
        `fit`); `logs` holds the metric results aggregated up to this batch."""

    def on_predict_batch_begin(self, batch, logs=None):
        """Called at the beginning of a batch in `predict`."""

    def on_predict_batch_end(self, batch, logs=None):
        """Called at the end of a batch in `predict`; `logs` holds the batch outputs."""

    def on_train_begin(self, logs=None):
        """Called at the beginning of training."""

    def on_train_end(self, logs=None):
        """Called at the end of training; `logs` holds the last epoch's results."""

    def on_test_begin(self, logs=None):
        """Called at the beginning of evaluation or validation."""

    def on_test_end(self, logs=None):
        """Called at the end of evaluation or validation; `logs` holds the results."""

    def on_predict_begin(self, logs=None):
        """Called at the beginning of prediction."""

    def on_predict_end(self, logs=None):
        """Called at the end of prediction."""

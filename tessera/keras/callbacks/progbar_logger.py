"""`keras.callbacks.ProgbarLogger`: prints the progress bar during fit/evaluate/predict."""
from ..saving.object_registration import keras_export
from ..utils.progbar import Progbar, _print_msg
from .callback import Callback

__all__ = ["ProgbarLogger"]


@keras_export("keras.callbacks")
class ProgbarLogger(Callback):
    """Callback that prints metrics to stdout.

    `fit`, `evaluate` and `predict` add it automatically when `verbose` is not 0. It
    prints `Epoch i/N` at the start of each epoch (when `epochs > 1`), then a live bar
    (`verbose=1`) or one line per epoch (`verbose=2`). Validation inside `fit` is
    silent; its `val_*` results appear on the epoch's final line.

    Args:
        pinned: Boolean, whether to print the epoch header at the top of the terminal
            (ANSI cursor-home), so the bar stays pinned there. Defaults to `False`.
    """

    def __init__(self, pinned=False):
        super().__init__()
        self.seen = 0
        self.progbar = None
        self.target = None
        self.verbose = 1
        self.epochs = 1
        self.pinned = pinned
        self._called_in_fit = False

    def set_params(self, params):
        params = params or {}
        verbose = params.get("verbose", 1)
        if verbose == "auto":
            verbose = 1
        self.verbose = verbose
        self.epochs = params.get("epochs", 1) or 1
        self.target = params.get("steps")

    def on_train_begin(self, logs=None):
        # Validation runs inside fit are silent: their results show on the epoch line.
        self._called_in_fit = True

    def on_train_end(self, logs=None):
        self._called_in_fit = False

    def on_test_begin(self, logs=None):
        if not self._called_in_fit:
            self._reset_progbar()
            self._maybe_init_progbar()

    def on_predict_begin(self, logs=None):
        self._reset_progbar()
        self._maybe_init_progbar()

    def on_epoch_begin(self, epoch, logs=None):
        self._reset_progbar()
        self._maybe_init_progbar()
        if self.verbose and self.epochs > 1:
            prefix = "\033[H\033[K" if self.pinned else ""
            _print_msg(f"{prefix}Epoch {epoch + 1}/{self.epochs}")

    def on_train_batch_end(self, batch, logs=None):
        self._update_progbar(batch, logs)

    def on_test_batch_end(self, batch, logs=None):
        if not self._called_in_fit:
            self._update_progbar(batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        self._update_progbar(batch, None)  # predictions are not metrics

    def on_epoch_end(self, epoch, logs=None):
        self._finalize_progbar(logs)

    def on_test_end(self, logs=None):
        if not self._called_in_fit:
            self._finalize_progbar(logs)

    def on_predict_end(self, logs=None):
        self._finalize_progbar(logs)

    def _reset_progbar(self):
        self.seen = 0
        self.progbar = None

    def _maybe_init_progbar(self):
        if self.progbar is None:
            # The trainer passes running averages, so every value is shown as received.
            self.progbar = Progbar(target=self.target, verbose=self.verbose,
                                   stateless_metrics=(), unit_name="step")

    def _update_progbar(self, batch, logs=None):
        self._maybe_init_progbar()
        self.seen = batch + 1  # one-based count of steps done
        if self.verbose == 1:
            self.progbar.update(self.seen, list((logs or {}).items()), finalize=False)

    def _finalize_progbar(self, logs):
        self._maybe_init_progbar()
        if self.target is None:
            self.target = self.seen
            self.progbar.target = self.seen
        self.progbar.update(self.target, list((logs or {}).items()), finalize=True)

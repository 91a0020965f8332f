"""`keras.callbacks.CallbackList`: calls a list of callbacks together."""
import numpy as np

from ..saving.object_registration import keras_export
from .callback import Callback
from .history import History
from .progbar_logger import ProgbarLogger

__all__ = ["CallbackList"]


def _flatten(items):
    if isinstance(items, (list, tuple)):
        out = []
        for item in items:
            out.extend(_flatten(item))
        return out
    return [items]


def _scalar_to_float(value):
    """A 0-d array, NumPy scalar or scalar Tensor as a Python float; else unchanged."""
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    if isinstance(value, np.generic) or (hasattr(value, "shape") and tuple(value.shape) == ()):
        try:
            arr = np.asarray(value)
            if arr.dtype.kind in "biuf":
                return float(arr)
        except Exception:
            pass
    return value


def _pythonify_logs(logs):
    """Flattens nested dicts and turns scalar values into floats, keys sorted (as Keras)."""
    result = {}
    for key, value in sorted(logs.items()):
        if isinstance(value, dict):
            result.update(_pythonify_logs(value))
        else:
            try:
                value = float(value)
            except Exception:
                pass
            result[key] = value
    return result


@keras_export("keras.callbacks")
class CallbackList(Callback):
    """Container abstracting a list of callbacks, calling them all at once.

    Args:
        callbacks: List of `Callback` instances (nested lists are flattened).
        add_history: Whether to add a `History` callback if none is in `callbacks`.
        add_progbar: Whether to add a `ProgbarLogger` if none is in `callbacks`.
        model: The `Model` these callbacks act on.
        **params: Passed to each callback's `set_params` (e.g. `verbose`, `epochs`,
            `steps`).

    Example:

    >>> callbacks = keras.callbacks.CallbackList([my_callback], model=model,
    ...                                          verbose=0, epochs=2, steps=10)
    >>> callbacks.on_train_begin()
    """

    def __init__(self, callbacks=None, add_history=False, add_progbar=False, model=None,
                 **params):
        super().__init__()
        self.callbacks = _flatten(callbacks) if callbacks is not None else []
        for cb in self.callbacks:
            self._check(cb)
        self._add_default_callbacks(add_history, add_progbar)
        self.set_model(model)
        self.set_params(params)

    @staticmethod
    def _check(cb):
        if not isinstance(cb, Callback) and not (
                hasattr(cb, "set_model") and hasattr(cb, "on_epoch_end")):
            raise TypeError(
                "CallbackList: every item of `callbacks` must be a "
                f"`keras.callbacks.Callback` instance. Received: {cb!r} of type "
                f"{type(cb).__name__}. Subclass `keras.callbacks.Callback` or wrap plain "
                "functions in `keras.callbacks.LambdaCallback`.")

    def _add_default_callbacks(self, add_history, add_progbar):
        self._history = None
        self._progbar = None
        for cb in self.callbacks:
            if isinstance(cb, ProgbarLogger):
                self._progbar = cb
            elif isinstance(cb, History):
                self._history = cb
        if self._history is None and add_history:
            self._history = History()
            self.callbacks.append(self._history)
        if self._progbar is None and add_progbar:
            self._progbar = ProgbarLogger()
            self.callbacks.append(self._progbar)

    def append(self, callback):
        """Adds `callback` at the end of the list (giving it the model and params)."""
        self._check(callback)
        self.callbacks.append(callback)
        if self.model is not None:
            callback.set_model(self.model)
        if self.params:
            callback.set_params(self.params)

    def __iter__(self):
        return iter(self.callbacks)

    def __len__(self):
        return len(self.callbacks)

    def set_params(self, params):
        self.params = params
        if params:
            for cb in self.callbacks:
                cb.set_params(params)

    def set_model(self, model):
        if model is None:
            return
        super().set_model(model)
        if self._history is not None:
            model.history = self._history
        for cb in self.callbacks:
            cb.set_model(model)

    # ------------------------------------------------------------- hooks
    def _call(self, hook, *args, **kwargs):
        for cb in self.callbacks:
            getattr(cb, hook)(*args, **kwargs)

    def on_batch_begin(self, batch, logs=None):
        self._call("on_batch_begin", batch, logs=logs or {})

    def on_batch_end(self, batch, logs=None):
        self._call("on_batch_end", batch, logs=_pythonify_logs(logs or {}))

    def on_epoch_begin(self, epoch, logs=None):
        self._call("on_epoch_begin", epoch, logs or {})

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        for key in list(logs):  # in place: callbacks may add keys the caller sees
            logs[key] = _scalar_to_float(logs[key])
        self._call("on_epoch_end", epoch, logs)

    def on_train_batch_begin(self, batch, logs=None):
        self._call("on_train_batch_begin", batch, logs=logs or {})

    def on_train_batch_end(self, batch, logs=None):
        self._call("on_train_batch_end", batch, logs=_pythonify_logs(logs or {}))

    def on_test_batch_begin(self, batch, logs=None):
        self._call("on_test_batch_begin", batch, logs=logs or {})

    def on_test_batch_end(self, batch, logs=None):
        self._call("on_test_batch_end", batch, logs=_pythonify_logs(logs or {}))

    def on_predict_batch_begin(self, batch, logs=None):
        self._call("on_predict_batch_begin", batch, logs=logs or {})

    def on_predict_batch_end(self, batch, logs=None):
        self._call("on_predict_batch_end", batch, logs=logs or {})

    def on_train_begin(self, logs=None):
        self._call("on_train_begin", logs or {})

    def on_train_end(self, logs=None):
        self._call("on_train_end", logs or {})

    def on_test_begin(self, logs=None):
        self._call("on_test_begin", logs or {})

    def on_test_end(self, logs=None):
        self._call("on_test_end", logs or {})

    def on_predict_begin(self, logs=None):
        self._call("on_predict_begin", logs or {})

    def on_predict_end(self, logs=None):
        self._call("on_predict_end", logs or {})

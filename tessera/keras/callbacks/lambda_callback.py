"""`keras.callbacks.LambdaCallback`."""
from ..saving.object_registration import keras_export
from .callback import Callback

__all__ = ["LambdaCallback"]

_HOOKS = sorted(name for name in vars(Callback) if name.startswith("on_"))


@keras_export("keras.callbacks")
class LambdaCallback(Callback):
    """Callback for creating simple, custom callbacks on-the-fly.

    The functions are called with the same arguments as the `Callback` methods:
    `on_epoch_begin`/`on_epoch_end` get `(epoch, logs)`, `on_train_begin`/
    `on_train_end` get `(logs)`, `on_train_batch_begin`/`on_train_batch_end` get
    `(batch, logs)` (logs by keyword).

    Args:
        on_epoch_begin: called at the beginning of every epoch.
        on_epoch_end: called at the end of every epoch.
        on_train_begin: called at the beginning of model training.
        on_train_end: called at the end of model training.
        on_train_batch_begin: called at the beginning of every train batch.
        on_train_batch_end: called at the end of every train batch.
        **kwargs: Any other `Callback` method, as `method_name=function`, e.g.
            `on_test_end=fn`.

    Example:

    >>> batch_print_callback = keras.callbacks.LambdaCallback(
    ...     on_train_batch_begin=lambda batch, logs: print(batch))
    """

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None,
                 on_train_end=None, on_train_batch_begin=None, on_train_batch_end=None,
                 **kwargs):
        super().__init__()
        unknown = sorted(k for k in kwargs if k not in _HOOKS)
        if unknown:
            raise TypeError(f"LambdaCallback: unknown hook(s) {unknown}. Valid hooks are: "
                            f"{', '.join(_HOOKS)}.")
        hooks = dict(kwargs, on_epoch_begin=on_epoch_begin, on_epoch_end=on_epoch_end,
                     on_train_begin=on_train_begin, on_train_end=on_train_end,
                     on_train_batch_begin=on_train_batch_begin,
                     on_train_batch_end=on_train_batch_end)
        for name, fn in hooks.items():
            if fn is None:
                continue
            if not callable(fn):
                raise TypeError(f"LambdaCallback: `{name}` must be callable. Received: {fn!r}")
            setattr(self, name, fn)

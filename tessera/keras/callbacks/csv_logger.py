"""`keras.callbacks.CSVLogger`."""
import collections.abc
import csv
import os

import numpy as np

from ..saving.object_registration import keras_export
from .callback import Callback

__all__ = ["CSVLogger"]


def _cell(value):
    if isinstance(value, str):
        return value
    if isinstance(value, collections.abc.Iterable) and not (
            isinstance(value, np.ndarray) and value.ndim == 0):
        return f"[{', '.join(map(str, value))}]"
    return value


@keras_export("keras.callbacks")
class CSVLogger(Callback):
    """Callback that streams epoch results to a CSV file.

    Writes one row per epoch: an `epoch` column followed by the log keys in sorted
    order (plus any `val_*` metric the model declares but has not reported yet,
    written as `NA`). 1-D values are written as `[a, b, ...]`.

    Args:
        filename: Filename of the CSV file, e.g. `"run/log.csv"`.
        separator: String used to separate elements in the CSV file.
        append: Boolean. `True`: append if the file exists (useful to continue
            training). `False`: overwrite an existing file.

    Example:

    >>> csv_logger = keras.callbacks.CSVLogger("training.log")
    >>> model.fit(x_train, y_train, callbacks=[csv_logger])
    """

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        try:
            self.filename = os.fspath(filename)
        except TypeError:
            raise TypeError("CSVLogger: `filename` must be a path (str or os.PathLike). "
                            f"Received: {filename!r}") from None
        if not isinstance(separator, str) or len(separator) != 1:
            raise ValueError("CSVLogger: `separator` must be a one-character string. "
                             f"Received: {separator!r}")
        self.sep = separator
        self.append = append
        self.writer = None
        self.keys = None
        self.append_header = True
        self.csv_file = None

    def on_train_begin(self, logs=None):
        if self.append:
            if os.path.exists(self.filename):
                with open(self.filename, "r") as f:
                    self.append_header = not bool(len(f.readline()))
            mode = "a"
        else:
            mode = "w"
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
        self.csv_file = open(self.filename, mode)
        self.writer = None
        self.keys = None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.csv_file is None or self.csv_file.closed:
            raise RuntimeError("CSVLogger: `on_epoch_end` was called before `on_train_begin` "
                               "(the file is not open). Pass the callback to `fit()`, or "
                               "call `on_train_begin()` first in a custom loop.")
        if self.keys is None:
            self.keys = sorted(logs.keys())
            # Reserve columns for the validation metrics the model will report.
            expected = getattr(self.model, "metrics_names", None) or []
            for name in expected:
                if isinstance(name, str) and name.startswith("val_") and name not in self.keys:
                    self.keys.append(name)
        if self.writer is None:
            class _Dialect(csv.excel):
                delimiter = self.sep

            self.writer = csv.DictWriter(self.csv_file, fieldnames=["epoch"] + self.keys,
                                         dialect=_Dialect)
            if self.append_header:
                self.writer.writeheader()
        row = {"epoch": epoch}
        row.update((key, _cell(logs.get(key, "NA"))) for key in self.keys)
        self.writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs=None):
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
        self.writer = None

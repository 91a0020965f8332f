"""`keras.callbacks.BackupAndRestore`: resumes an interrupted `fit` exactly where it stopped."""
import os

import numpy as np

from ..saving.object_registration import keras_export
from .callback import Callback

__all__ = ["BackupAndRestore"]

_LATEST = "latest.checkpoint"
_PREVIOUS = "previous.checkpoint"


def _to_json(x):
    """NumPy-free copy of a bit generator state (arrays become tagged lists)."""
    if isinstance(x, dict):
        return {k: _to_json(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_to_json(v) for v in x]
    if isinstance(x, np.ndarray):
        return {"__ndarray__": x.tolist(), "dtype": str(x.dtype)}
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, np.floating):
        return float(x)
    return x


def _from_json(x):
    if isinstance(x, dict):
        if "__ndarray__" in x:
            return np.array(x["__ndarray__"], dtype=x["dtype"])
        return {k: _from_json(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_from_json(v) for v in x]
    return x


def _global_rng_state():
    from ...backend import random as r
    st = r._state
    return {"seed": st["seed"], "op_count": st["op_count"],
            "kernels": [[k[0], k[1], k[2], n] for k, n in st["kernels"].items()],
            "entropy": _to_json(r._entropy_rng.bit_generator.state),
            "numpy": _to_json(np.random.get_state(legacy=False))}


def _set_global_rng_state(state):
    from ...backend import random as r
    with r._lock:
        r._state["seed"] = state["seed"]
        r._state["op_count"] = state["op_count"]
        r._state["kernels"] = {(k, g, s): n for k, g, s, n in state["kernels"]}
    r._entropy_rng.bit_generator.state = _from_json(state["entropy"])
    np.random.set_state(_from_json(state["numpy"]))


@keras_export("keras.callbacks")
class BackupAndRestore(Callback):
    """Callback to back up and restore the training state.

    At the end of each epoch (or every `save_freq` batches) it writes the
    model's weights, the optimizer's state, the epoch and step reached, the
    random-number state and the shuffling generator to one checkpoint file in
    `backup_dir` (atomically). When `fit` runs again after an interruption, the
    callback restores all of it and training continues from the saved epoch and
    step, giving exactly the result of an uninterrupted run. The backup is
    deleted when training finishes (with `delete_checkpoint=True`).

    Args:
        backup_dir: the directory holding the backup; use a different one per run.
        save_freq: `"epoch"` (back up after every epoch), an int (every that
            many batches), or `False` (never back up).
        double_checkpoint: also keep the previous backup, used when the latest
            one cannot be read.
        delete_checkpoint: delete the backup once training completes.

    Example:
    >>> cb = keras.callbacks.BackupAndRestore(backup_dir="/tmp/backup")
    >>> model.fit(x, y, epochs=10, callbacks=[cb])   # interrupted, then run again
    """

    def __init__(self, backup_dir, save_freq="epoch", double_checkpoint=False,
                 delete_checkpoint=True):
        super().__init__()
        if not backup_dir:
            raise ValueError("Empty `backup_dir` argument passed: BackupAndRestore needs a "
                             "directory to write its backup to.")
        if save_freq is not False and save_freq != "epoch" and (
                isinstance(save_freq, bool) or not isinstance(save_freq, (int, np.integer))
                or save_freq < 1):
            raise ValueError("Invalid value for argument `save_freq`. Received: "
                             f"save_freq={save_freq}. Expected either 'epoch' or a positive "
                             "integer value.")
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = save_freq
        self.double_checkpoint = double_checkpoint
        self.delete_checkpoint = delete_checkpoint
        self._latest = os.path.join(self.backup_dir, _LATEST)
        self._previous = os.path.join(self.backup_dir, _PREVIOUS)
        self._batches_seen_since_last_saving = 0
        self._current_epoch = 0
        self._epoch_shuffle_state = None

    def _checkpoint(self):
        from ...train import Checkpoint
        return Checkpoint(model=self.model)

    def on_train_begin(self, logs=None):
        from ...train.checkpoint import _file_of
        candidates = [self._latest] + ([self._previous] if self.double_checkpoint else [])
        for path in candidates:
            if not os.path.exists(_file_of(path)):
                continue
            try:
                _, meta = self._checkpoint()._read(path)
            except (ValueError, OSError):
                if path is candidates[-1]:
                    raise
                continue
            self._restore_state(meta.get("extra") or {})
            return

    def _restore_state(self, state):
        if not state:
            return
        if "rng" in state:
            _set_global_rng_state(state["rng"])
        rng = getattr(self.model, "_fit_shuffle_rng", None)
        if rng is not None and state.get("shuffle") is not None:
            rng.bit_generator.state = _from_json(state["shuffle"])
        self.model._initial_epoch = int(state["epoch"])
        self.model._initial_step = int(state.get("step", 0))
        self._current_epoch = int(state["epoch"])

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch
        rng = getattr(self.model, "_fit_shuffle_rng", None)
        self._epoch_shuffle_state = None if rng is None else _to_json(rng.bit_generator.state)

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq == "epoch" or self.save_freq is False:
            return
        self._batches_seen_since_last_saving += 1
        if self._batches_seen_since_last_saving >= self.save_freq:
            self._batches_seen_since_last_saving = 0
            # Resuming regenerates this epoch's order from its starting state, then skips.
            self._save(self._current_epoch, batch + 1, self._epoch_shuffle_state)

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            rng = getattr(self.model, "_fit_shuffle_rng", None)
            self._save(epoch + 1, 0, None if rng is None else _to_json(rng.bit_generator.state))

    def _save(self, epoch, step, shuffle_state):
        from ...train.checkpoint import _file_of
        state = {"epoch": int(epoch), "step": int(step), "shuffle": shuffle_state,
                 "rng": _global_rng_state()}
        os.makedirs(self.backup_dir, exist_ok=True)
        if self.double_checkpoint and os.path.exists(_file_of(self._latest)):
            os.replace(_file_of(self._latest), _file_of(self._previous))
        self._checkpoint()._write_file(_file_of(self._latest), extra_json=state)

    def on_train_end(self, logs=None):
        from ...train.checkpoint import _file_of
        if not self.delete_checkpoint:
            return
        for path in (self._latest, self._previous):
            if os.path.exists(_file_of(path)):
                os.remove(_file_of(path))

"""Trains a small model with BackupAndRestore; optionally SIGKILLs itself after a given step.

Usage: python resume_script.py BACKUP_DIR OUT_NPZ KILL_AT SAVE_FREQ
(KILL_AT: global step after which the process kills itself, -1 for never;
SAVE_FREQ: "epoch" or an int).
"""
import os
import signal
import sys

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))

import numpy as np  # noqa: E402

import tessera as ts  # noqa: E402
from tessera import keras  # noqa: E402


class KillAt(keras.callbacks.Callback):
    def __init__(self, at):
        super().__init__()
        self.at = at
        self.seen = 0

    def on_train_batch_end(self, batch, logs=None):
        self.seen += 1
        if self.seen == self.at:
            os.kill(os.getpid(), signal.SIGKILL)


def main():
    backup_dir, out, kill_at, save_freq = sys.argv[1:5]
    save_freq = save_freq if save_freq == "epoch" else int(save_freq)
    ts.random.set_seed(1234)
    data = np.random.default_rng(0)
    x = data.normal(size=(24, 5)).astype("float32")
    y = data.normal(size=(24, 1)).astype("float32")
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dropout(0.3), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    cbs = [keras.callbacks.BackupAndRestore(backup_dir, save_freq=save_freq)]
    counter = KillAt(-1)
    cbs.append(counter)
    if int(kill_at) > 0:
        cbs.append(KillAt(int(kill_at)))
    model.fit(x, y, batch_size=8, epochs=4, shuffle=True, verbose=0, callbacks=cbs)
    np.savez(out, np.array(counter.seen), *[np.asarray(v) for v in model.weights],
             *[np.asarray(v) for v in model.optimizer.variables])


if __name__ == "__main__":
    main()

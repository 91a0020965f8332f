"""keras.callbacks.ModelCheckpoint and BackupAndRestore (in-process behaviour)."""
import os

import numpy as np
import pytest

import tessera as ts
from tessera import keras


def _model():
    ts.random.set_seed(0)
    m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    m.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse", metrics=["mae"])
    return m


def _data(n=16):
    r = np.random.default_rng(0)
    x = r.normal(size=(n, 3)).astype("float32")
    return x, (x @ np.array([[1.0], [-2.0], [0.5]])).astype("float32")


class Feed(keras.callbacks.Callback):
    """Replaces the logged val_loss with a scripted sequence (to test save_best_only)."""

    def __init__(self, values):
        super().__init__()
        self.values = values

    def on_epoch_end(self, epoch, logs=None):
        logs["val_loss"] = self.values[epoch]
        logs["score"] = -self.values[epoch]


def test_filepath_formatting_every_epoch(tmp_path):
    x, y = _data()
    pattern = str(tmp_path / "m.{epoch:02d}-{loss:.2f}.weights.h5")
    m = _model()
    hist = m.fit(x, y, epochs=3, verbose=0, callbacks=[
        keras.callbacks.ModelCheckpoint(pattern, monitor="loss", save_weights_only=True)])
    expected = sorted(f"m.{e + 1:02d}-{loss:.2f}.weights.h5"
                      for e, loss in enumerate(hist.history["loss"]))
    assert sorted(os.listdir(tmp_path)) == expected
    last = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    last.load_weights(str(tmp_path / [e for e in expected if e.startswith("m.03")][0]))
    np.testing.assert_array_equal(np.asarray(last.weights[0]), np.asarray(m.weights[0]))


@pytest.mark.parametrize("mode,monitor,values,saved_epochs", [
    ("min", "val_loss", [3.0, 2.0, 2.5, 1.0, 1.5], [1, 2, 4]),
    ("auto", "val_loss", [3.0, 2.0, 2.5, 1.0, 1.5], [1, 2, 4]),
    ("max", "val_loss", [3.0, 2.0, 2.5, 4.0, 1.5], [1, 4]),
    ("auto", "score", [3.0, 2.0, 2.5, 1.0, 1.5], None),  # direction unknown: error
])
def test_save_best_only_monitor_mode(tmp_path, mode, monitor, values, saved_epochs):
    x, y = _data()
    cb = keras.callbacks.ModelCheckpoint(str(tmp_path / "best-{epoch}.keras"), monitor=monitor,
                                         mode=mode, save_best_only=True)
    if saved_epochs is None:
        with pytest.raises(ValueError, match="mode='max'"):
            _model().fit(x, y, epochs=5, verbose=0, callbacks=[Feed(values), cb])
        return
    _model().fit(x, y, epochs=5, verbose=0, callbacks=[Feed(values), cb])
    assert sorted(os.listdir(tmp_path)) == sorted(f"best-{e}.keras" for e in saved_epochs)
    best = min(values[e - 1] for e in saved_epochs) if mode != "max" else \
        max(values[e - 1] for e in saved_epochs)
    assert cb.best == best


def test_initial_value_threshold_and_overwrite(tmp_path):
    x, y = _data()
    path = str(tmp_path / "best.keras")
    cb = keras.callbacks.ModelCheckpoint(path, save_best_only=True, initial_value_threshold=1.0,
                                         verbose=1)
    m = _model()
    m.fit(x, y, epochs=3, verbose=0, callbacks=[Feed([3.0, 2.0, 1.5]), cb])
    assert not os.path.exists(path)
    m.fit(x, y, epochs=3, verbose=0, callbacks=[Feed([0.9, 2.0, 0.5]), cb])
    assert os.listdir(tmp_path) == ["best.keras"] and cb.best == 0.5
    loaded = keras.models.load_model(path)
    np.testing.assert_array_equal(np.asarray(loaded.weights[0]), np.asarray(m.weights[0]))


def test_missing_monitor_warns_and_skips(tmp_path):
    x, y = _data()
    cb = keras.callbacks.ModelCheckpoint(str(tmp_path / "b.keras"), save_best_only=True)
    with pytest.warns(UserWarning, match="val_loss available"):
        _model().fit(x, y, epochs=1, verbose=0, callbacks=[cb])
    assert os.listdir(tmp_path) == []


def test_save_freq_batches(tmp_path):
    x, y = _data(16)
    cb = keras.callbacks.ModelCheckpoint(str(tmp_path / "e{epoch}-b{batch}.weights.h5"),
                                         save_weights_only=True, save_freq=3)
    _model().fit(x, y, batch_size=4, epochs=2, verbose=0, callbacks=[cb])  # 8 batches
    assert sorted(os.listdir(tmp_path)) == ["e1-b3.weights.h5", "e2-b2.weights.h5"]


def test_checkpoint_errors(tmp_path):
    with pytest.raises(ValueError, match=r"must end in `\.keras`"):
        keras.callbacks.ModelCheckpoint(str(tmp_path / "m.h5"))
    with pytest.raises(ValueError, match=r"must end in `\.weights\.h5`"):
        keras.callbacks.ModelCheckpoint(str(tmp_path / "m.keras"), save_weights_only=True)
    with pytest.raises(ValueError, match="Unrecognized save_freq"):
        keras.callbacks.ModelCheckpoint(str(tmp_path / "m.keras"), save_freq="batch")
    cb = keras.callbacks.ModelCheckpoint(str(tmp_path / "{nope}.keras"), monitor="loss")
    x, y = _data()
    with pytest.raises(KeyError, match="Failed to format this callback filepath"):
        _model().fit(x, y, epochs=1, verbose=0, callbacks=[cb])
    with pytest.raises(ValueError, match="Empty `backup_dir`"):
        keras.callbacks.BackupAndRestore("")
    with pytest.raises(ValueError, match="save_freq"):
        keras.callbacks.BackupAndRestore(str(tmp_path), save_freq="sometimes")


class _Interrupt(keras.callbacks.Callback):
    def __init__(self, at_epoch):
        super().__init__()
        self.at_epoch = at_epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.at_epoch:
            raise RuntimeError("interrupted")


def test_backup_and_restore_in_process(tmp_path):
    x, y = _data()
    ref = _model()
    ref.fit(x, y, batch_size=4, epochs=4, verbose=0)

    m = _model()
    backup = keras.callbacks.BackupAndRestore(str(tmp_path / "bk"))
    with pytest.raises(RuntimeError, match="interrupted"):
        m.fit(x, y, batch_size=4, epochs=4, verbose=0, callbacks=[backup, _Interrupt(2)])
    assert os.listdir(tmp_path / "bk") == ["latest.checkpoint.h5"]
    m2 = _model()  # a fresh model: everything comes from the backup
    seen = []
    rec = keras.callbacks.LambdaCallback(on_epoch_begin=lambda e, logs: seen.append(e))
    m2.fit(x, y, batch_size=4, epochs=4, verbose=0, callbacks=[backup, rec])
    assert seen == [2, 3]
    for a, b in zip(ref.weights + ref.optimizer.variables, m2.weights + m2.optimizer.variables):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert os.listdir(tmp_path / "bk") == []  # delete_checkpoint=True


def test_backup_kept_with_delete_checkpoint_false(tmp_path):
    x, y = _data()
    cb = keras.callbacks.BackupAndRestore(str(tmp_path), delete_checkpoint=False,
                                          double_checkpoint=True)
    _model().fit(x, y, epochs=2, verbose=0, callbacks=[cb])
    assert sorted(os.listdir(tmp_path)) == ["latest.checkpoint.h5", "previous.checkpoint.h5"]
    # A later fit resumes at epoch 2 and has nothing left to do up to epochs=2.
    seen = []
    rec = keras.callbacks.LambdaCallback(on_epoch_begin=lambda e, logs: seen.append(e))
    _model().fit(x, y, epochs=3, verbose=0, callbacks=[cb, rec])
    assert seen == [2]


def test_registered_names():
    from tessera.keras.saving.object_registration import get_registered_name
    assert get_registered_name(keras.callbacks.ModelCheckpoint) == "ModelCheckpoint"

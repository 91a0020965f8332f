"""Tests for keras.callbacks and keras.utils.Progbar, driving the hooks as `fit` does."""
import os

import numpy as np
import pytest

from tessera import keras
from tessera.keras import callbacks as cbks
from tessera.keras.utils import progbar as progbar_mod
from tessera.keras.utils.progbar import Progbar

BAR = "\u2501" * 20


# ----------------------------------------------------------------- fakes and drivers
class FakeOptimizer:
    def __init__(self, lr=0.1, name="sgd"):
        self._lr = lr
        self.name = name

    @property
    def learning_rate(self):
        return self._lr

    @learning_rate.setter
    def learning_rate(self, value):
        self._lr = float(value)


class FakeModel:
    def __init__(self, lr=0.1, metrics_names=()):
        self.stop_training = False
        self.optimizer = FakeOptimizer(lr)
        self.weights = [np.zeros((2,)), np.zeros((1, 3))]
        self.metrics_names = list(metrics_names)
        self.history = None

    def get_weights(self):
        return [w.copy() for w in self.weights]

    def set_weights(self, weights):
        self.weights = [np.array(w) for w in weights]


def run_fit(callbacks, epoch_logs, model=None, on_epoch=None):
    """Mimics fit's epoch loop; returns (model, number of epochs run)."""
    model = model or FakeModel()
    cl = cbks.CallbackList(callbacks, model=model, verbose=0, epochs=len(epoch_logs), steps=1)
    model.stop_training = False
    cl.on_train_begin()
    ran = 0
    for epoch, logs in enumerate(epoch_logs):
        cl.on_epoch_begin(epoch)
        if on_epoch is not None:
            on_epoch(model, epoch)
        cl.on_epoch_end(epoch, dict(logs))
        ran += 1
        if model.stop_training:
            break
    cl.on_train_end()
    return model, ran


class FakeClock:
    def __init__(self, t=100.0):
        self.t = t

    def __call__(self):
        return self.t


@pytest.fixture
def clock(monkeypatch):
    c = FakeClock()
    monkeypatch.setattr(progbar_mod, "_now", c)
    return c


# ----------------------------------------------------------------- Callback / CallbackList
class Recorder(cbks.Callback):
    def __init__(self, log):
        super().__init__()
        self.log = log

    def __getattribute__(self, name):
        if name.startswith("on_"):
            log = object.__getattribute__(self, "log")

            def hook(*args, **kwargs):
                log.append((name,) + args + tuple(sorted(kwargs.items())))
            return hook
        return object.__getattribute__(self, name)


def test_callback_base_hooks_and_attributes():
    cb = cbks.Callback()
    assert cb.model is None and cb.params is None
    m = FakeModel()
    cb.set_model(m)
    cb.set_params({"epochs": 3})
    assert cb.model is m and cb.params == {"epochs": 3}
    for hook in ["on_train_begin", "on_train_end", "on_test_begin", "on_test_end",
                 "on_predict_begin", "on_predict_end"]:
        assert getattr(cb, hook)({}) is None
    for hook in ["on_epoch_begin", "on_epoch_end", "on_batch_begin", "on_batch_end",
                 "on_train_batch_begin", "on_train_batch_end", "on_test_batch_begin",
                 "on_test_batch_end", "on_predict_batch_begin", "on_predict_batch_end"]:
        assert getattr(cb, hook)(0, logs={}) is None
    with pytest.raises(AttributeError):
        cb.model = m  # read-only, as in Keras


def test_train_batch_hooks_fall_back_to_legacy_batch_hooks():
    seen = []

    class Legacy(cbks.Callback):
        def on_batch_begin(self, batch, logs=None):
            seen.append(("begin", batch))

        def on_batch_end(self, batch, logs=None):
            seen.append(("end", batch, logs["loss"]))

    cl = cbks.CallbackList([Legacy()])
    cl.on_train_batch_begin(4)
    cl.on_train_batch_end(4, {"loss": np.float32(0.5)})
    assert seen == [("begin", 4), ("end", 4, 0.5)]


def test_callback_list_hook_order_and_arguments():
    log = []
    a, b = Recorder(log), Recorder(log)
    model = FakeModel()
    cl = cbks.CallbackList([a, [b]], model=model, verbose=0, epochs=1, steps=2)
    assert cl.callbacks == [a, b]
    cl.on_train_begin()
    cl.on_epoch_begin(0)
    cl.on_train_batch_begin(0)
    cl.on_train_batch_end(0, {"loss": 1.0})
    cl.on_test_begin()
    cl.on_test_batch_begin(0)
    cl.on_test_batch_end(0, {"loss": 2.0})
    cl.on_test_end({"loss": 2.0})
    cl.on_epoch_end(0, {"loss": 1.0, "val_loss": 2.0})
    cl.on_train_end({"loss": 1.0})
    cl.on_predict_begin()
    cl.on_predict_batch_begin(0)
    cl.on_predict_batch_end(0, {"outputs": 1})
    cl.on_predict_end()
    names = [entry[0] for entry in log[::2]]
    assert names == ["on_train_begin", "on_epoch_begin", "on_train_batch_begin",
                     "on_train_batch_end", "on_test_begin", "on_test_batch_begin",
                     "on_test_batch_end", "on_test_end", "on_epoch_end", "on_train_end",
                     "on_predict_begin", "on_predict_batch_begin", "on_predict_batch_end",
                     "on_predict_end"]
    assert log[::2] == log[1::2]  # both callbacks, in list order, same arguments
    assert ("on_epoch_end", 0, {"loss": 1.0, "val_loss": 2.0}) in log
    assert ("on_train_batch_end", 0, ("logs", {"loss": 1.0})) in log
    assert ("on_train_begin", {}) in log


def test_callback_list_params_model_history_progbar():
    model = FakeModel()
    user = cbks.Callback()
    cl = cbks.CallbackList([user], add_history=True, add_progbar=True, model=model,
                           verbose=2, epochs=5, steps=7)
    assert len(cl.callbacks) == 3
    assert isinstance(cl.callbacks[1], cbks.History)
    assert isinstance(cl.callbacks[2], cbks.ProgbarLogger)
    assert model.history is cl.callbacks[1]
    for cb in cl.callbacks:
        assert cb.model is model
    assert user.params == {"verbose": 2, "epochs": 5, "steps": 7}
    pl = cl.callbacks[2]
    assert (pl.verbose, pl.epochs, pl.target) == (2, 5, 7)
    # Existing History/ProgbarLogger instances are reused, not duplicated.
    h, p = cbks.History(), cbks.ProgbarLogger()
    cl2 = cbks.CallbackList([h, p], add_history=True, add_progbar=True, model=model,
                            verbose=1, epochs=1, steps=1)
    assert cl2.callbacks == [h, p] and model.history is h
    # append() hands over model and params.
    extra = cbks.Callback()
    cl2.append(extra)
    assert extra.model is model and extra.params["steps"] == 1


def test_callback_list_rejects_non_callbacks():
    with pytest.raises(TypeError, match="must be a `keras.callbacks.Callback` instance"):
        cbks.CallbackList([lambda epoch, logs: None])


def test_callback_list_pythonifies_batch_logs_and_keeps_epoch_logs_identity():
    got = {}

    class Grab(cbks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            got["batch"] = logs

        def on_epoch_end(self, epoch, logs=None):
            got["epoch"] = logs
            logs["extra"] = 1.0

    cl = cbks.CallbackList([Grab()])
    cl.on_train_batch_end(0, {"loss": np.float32(0.25), "acc": np.array(0.5),
                              "out": {"a_loss": np.float64(1.5)}})
    assert got["batch"] == {"a_loss": 1.5, "acc": 0.5, "loss": 0.25}
    assert list(got["batch"]) == ["acc", "loss", "a_loss"]  # sorted, nested dict inlined
    assert all(type(v) is float for v in got["batch"].values())
    epoch_logs = {"loss": np.float32(0.125), "tag": "x"}
    cl.on_epoch_end(0, epoch_logs)
    assert got["epoch"] is epoch_logs and epoch_logs["extra"] == 1.0
    assert type(epoch_logs["loss"]) is float and epoch_logs["tag"] == "x"


# ----------------------------------------------------------------- History
def test_history_records_epochs_and_sets_model_history():
    h = cbks.History()
    model, ran = run_fit([h], [{"loss": 0.5, "acc": 0.1}, {"loss": 0.4, "acc": 0.2}])
    assert ran == 2
    assert h.epoch == [0, 1]
    assert h.history == {"loss": [0.5, 0.4], "acc": [0.1, 0.2]}
    assert model.history is h


# ----------------------------------------------------------------- EarlyStopping
def losses(*values, key="val_loss"):
    return [{key: v, "loss": v} for v in values]


def test_early_stopping_patience():
    es = cbks.EarlyStopping(patience=2)
    _, ran = run_fit([es], losses(1.0, 0.9, 0.95, 0.96, 0.97, 0.98))
    assert ran == 4 and es.stopped_epoch == 3
    assert es.best == 0.9 and es.best_epoch == 1
    es0 = cbks.EarlyStopping(monitor="loss", patience=0)
    _, ran = run_fit([es0], losses(1.0, 0.9, 0.95, 0.5))
    assert ran == 3 and es0.stopped_epoch == 2
    never = cbks.EarlyStopping(patience=1)
    _, ran = run_fit([never], losses(5, 4, 3, 2, 1))
    assert ran == 5 and never.stopped_epoch == 0


def test_early_stopping_min_delta():
    vals = losses(1.0, 0.95, 0.92, 0.91)
    strict = cbks.EarlyStopping(min_delta=0.1, patience=1)
    _, ran = run_fit([strict], vals)
    assert ran == 2 and strict.stopped_epoch == 1
    assert strict.min_delta == -0.1  # negative in "min" mode, as Keras stores it
    loose = cbks.EarlyStopping(min_delta=0.01, patience=1)
    _, ran = run_fit([loose], vals)
    assert ran == 4  # every step improves by more than 0.01 until 0.92 -> 0.91
    assert loose.wait == 1
    neg = cbks.EarlyStopping(min_delta=-0.1)
    assert neg.min_delta == 0.1  # abs() taken


def test_early_stopping_modes_auto_max_and_errors():
    acc = [{"val_accuracy": v} for v in (0.5, 0.6, 0.55, 0.54)]
    es = cbks.EarlyStopping(monitor="val_accuracy", patience=1)
    _, ran = run_fit([es], acc)
    assert es.monitor_op is np.greater and ran == 3 and es.best == 0.6
    es_min = cbks.EarlyStopping(monitor="val_accuracy", mode="min", patience=0)
    _, ran = run_fit([es_min], acc)
    assert ran == 2  # 0.6 is no improvement when minimizing
    for name in ("val_auc", "acc", "precision"):
        e = cbks.EarlyStopping(monitor=name)
        run_fit([e], [{name: 0.5}])
        assert e.monitor_op is np.greater, name
    for name in ("val_mae", "mean_squared_error", "val_sparse_categorical_crossentropy"):
        e = cbks.EarlyStopping(monitor=name)
        run_fit([e], [{name: 0.5}])
        assert e.monitor_op is np.less, name
    with pytest.raises(ValueError, match="mode='max'"):
        run_fit([cbks.EarlyStopping(monitor="widgets")], [{"widgets": 1.0}])
    with pytest.warns(UserWarning, match="EarlyStopping mode bogus is unknown"):
        e = cbks.EarlyStopping(mode="bogus")
    assert e.mode == "auto"


def test_early_stopping_uses_model_metric_direction():
    class Metric:
        name = "widgets"
        _direction = "up"

    class Container:
        metrics = [Metric()]

    model = FakeModel()
    model.metrics = [Container()]
    e = cbks.EarlyStopping(monitor="val_widgets")
    run_fit([e], [{"val_widgets": 1.0}], model=model)
    assert e.monitor_op is np.greater


def test_early_stopping_baseline():
    vals = losses(0.6, 0.55, 0.56, 0.4)
    with_base = cbks.EarlyStopping(baseline=0.5, patience=2)
    _, ran = run_fit([with_base], vals)
    assert ran == 3 and with_base.stopped_epoch == 2
    without = cbks.EarlyStopping(patience=2)
    _, ran = run_fit([without], vals)
    assert ran == 4
    # Beating the baseline resets the wait as usual.
    beaten = cbks.EarlyStopping(baseline=0.5, patience=1)
    _, ran = run_fit([beaten], losses(0.45, 0.44, 0.46, 0.47))
    assert ran == 3


def test_early_stopping_start_from_epoch():
    vals = losses(1, 2, 3, 4, 5)
    late = cbks.EarlyStopping(patience=0, start_from_epoch=2)
    _, ran = run_fit([late], vals)
    assert ran == 4 and late.stopped_epoch == 3 and late.best == 3
    early = cbks.EarlyStopping(patience=0)
    _, ran = run_fit([early], vals)
    assert ran == 2


def test_early_stopping_restore_best_weights(capsys):
    def step(model, epoch):  # training changes the weights each epoch
        model.weights = [np.full((2,), float(epoch)), np.full((1, 3), -float(epoch))]

    es = cbks.EarlyStopping(patience=2, restore_best_weights=True, verbose=1)
    model, ran = run_fit([es], losses(1.0, 0.5, 0.7, 0.8, 0.1), on_epoch=step)
    assert ran == 4 and es.best_epoch == 1
    np.testing.assert_array_equal(model.weights[0], np.full((2,), 1.0))
    np.testing.assert_array_equal(model.weights[1], np.full((1, 3), -1.0))
    out = capsys.readouterr().out
    assert out == ("Epoch 4: early stopping\n"
                   "Restoring model weights from the end of the best epoch: 2.\n")
    # Without the option the final weights stay.
    es2 = cbks.EarlyStopping(patience=2)
    model, _ = run_fit([es2], losses(1.0, 0.5, 0.7, 0.8), on_epoch=step)
    np.testing.assert_array_equal(model.weights[0], np.full((2,), 3.0))


def test_early_stopping_restores_first_monitored_epoch_even_below_baseline():
    def step(model, epoch):
        model.weights = [np.full((2,), float(epoch))]

    es = cbks.EarlyStopping(patience=2, baseline=0.1, restore_best_weights=True)
    model, ran = run_fit([es], losses(0.5, 0.6, 0.7, 0.8), on_epoch=step)
    # Epoch 0 improves on "nothing yet" but not on the baseline, so the wait keeps
    # counting: 1 after epoch 0, 2 after epoch 1 -> stop.
    assert ran == 2 and es.best_epoch == 0
    np.testing.assert_array_equal(model.weights[0], np.zeros(2))


def test_early_stopping_missing_metric_warns_and_is_reusable():
    es = cbks.EarlyStopping(patience=0)
    with pytest.warns(UserWarning, match=r"Early stopping conditioned on metric `val_loss` "
                                         r"which is not available. Available metrics are: "
                                         r"loss,acc"):
        _, ran = run_fit([es], [{"loss": 1.0, "acc": 0.5}] * 3)
    assert ran == 3
    _, ran = run_fit([es], losses(1.0, 2.0))
    assert ran == 2 and es.stopped_epoch == 1
    _, ran = run_fit([es], losses(3.0, 2.0, 1.0))  # state reset by on_train_begin
    assert ran == 3 and es.stopped_epoch == 0 and es.best == 1.0


# ----------------------------------------------------------------- ReduceLROnPlateau
def lr_trace(cb, values, lr=0.1, key="val_loss"):
    trace = []
    model = FakeModel(lr=lr)
    cl = cbks.CallbackList([cb], model=model, verbose=0, epochs=len(values), steps=1)
    cl.on_train_begin()
    for epoch, v in enumerate(values):
        cl.on_epoch_begin(epoch)
        logs = {key: v}
        cl.on_epoch_end(epoch, logs)
        trace.append(model.optimizer.learning_rate)
    cl.on_train_end()
    return trace, logs


def test_reduce_lr_on_plateau_patience_and_cooldown():
    flat = [1.0] * 6
    trace, logs = lr_trace(cbks.ReduceLROnPlateau(factor=0.5, patience=1), flat)
    np.testing.assert_allclose(trace, [0.1, 0.05, 0.025, 0.0125, 0.00625, 0.003125])
    assert logs["learning_rate"] == pytest.approx(0.00625)  # lr before this epoch's cut
    trace, _ = lr_trace(cbks.ReduceLROnPlateau(factor=0.5, patience=1, cooldown=2), flat)
    np.testing.assert_allclose(trace, [0.1, 0.05, 0.05, 0.025, 0.025, 0.0125])
    trace, _ = lr_trace(cbks.ReduceLROnPlateau(factor=0.5, patience=2), flat)
    np.testing.assert_allclose(trace, [0.1, 0.1, 0.05, 0.05, 0.025, 0.025])
    # Improvements (by more than min_delta) reset the wait.
    trace, _ = lr_trace(cbks.ReduceLROnPlateau(factor=0.5, patience=1),
                        [1.0, 0.9, 0.8, 0.79995, 0.7])
    np.testing.assert_allclose(trace, [0.1, 0.1, 0.1, 0.05, 0.05])


def test_reduce_lr_on_plateau_min_lr_and_max_mode(capsys):
    trace, _ = lr_trace(cbks.ReduceLROnPlateau(factor=0.1, patience=1, min_lr=0.005),
                        [1.0] * 5)
    np.testing.assert_allclose(trace, [0.1, 0.01, 0.005, 0.005, 0.005])
    cb = cbks.ReduceLROnPlateau(monitor="val_accuracy", factor=0.5, patience=1, verbose=1)
    trace, _ = lr_trace(cb, [0.5, 0.6, 0.7, 0.65], key="val_accuracy")
    np.testing.assert_allclose(trace, [0.1, 0.1, 0.1, 0.05])
    assert capsys.readouterr().out == ("\nEpoch 4: ReduceLROnPlateau reducing learning rate "
                                       "to 0.05.\n")
    trace, _ = lr_trace(cbks.ReduceLROnPlateau(monitor="val_accuracy", mode="min",
                                               factor=0.5, patience=1),
                        [0.5, 0.6, 0.7, 0.65], key="val_accuracy")
    np.testing.assert_allclose(trace, [0.1, 0.05, 0.025, 0.0125])


def test_reduce_lr_on_plateau_errors_and_warnings():
    with pytest.raises(ValueError, match="factor >= 1.0. Received factor=1.5"):
        cbks.ReduceLROnPlateau(factor=1.5)
    with pytest.warns(UserWarning, match="Learning rate reduction is conditioned on metric "
                                         "`val_loss`"):
        lr_trace(cbks.ReduceLROnPlateau(), [1.0], key="loss")
    with pytest.warns(UserWarning, match="mode nope is unknown"):
        cbks.ReduceLROnPlateau(mode="nope")


# ----------------------------------------------------------------- LearningRateScheduler
def test_learning_rate_scheduler(capsys):
    def schedule(epoch, lr):
        return lr if epoch < 2 else lr * 0.5

    cb = cbks.LearningRateScheduler(schedule, verbose=1)
    model = FakeModel(lr=0.2)
    cl = cbks.CallbackList([cb], model=model)
    seen, logs_seen = [], []
    for epoch in range(4):
        cl.on_epoch_begin(epoch)
        seen.append(model.optimizer.learning_rate)
        logs = {"loss": 1.0}
        cl.on_epoch_end(epoch, logs)
        logs_seen.append(logs["learning_rate"])
    np.testing.assert_allclose(seen, [0.2, 0.2, 0.1, 0.05])
    np.testing.assert_allclose(logs_seen, seen)
    out = capsys.readouterr().out
    assert "\nEpoch 3: LearningRateScheduler setting learning rate to 0.1.\n" in out
    # The one-argument form, and NumPy/Tensor outputs.
    cb1 = cbks.LearningRateScheduler(lambda epoch: 0.01 * (epoch + 1))
    m1 = FakeModel()
    cb1.set_model(m1)
    cb1.on_epoch_begin(2)
    assert m1.optimizer.learning_rate == pytest.approx(0.03)
    cb2 = cbks.LearningRateScheduler(lambda epoch, lr: np.float32(lr) * np.exp(-0.1))
    cb2.set_model(m1)
    cb2.on_epoch_begin(0)
    assert m1.optimizer.learning_rate == pytest.approx(0.03 * np.exp(-0.1), rel=1e-6)


def test_learning_rate_scheduler_errors():
    m = FakeModel()
    bad = cbks.LearningRateScheduler(lambda epoch, lr: "fast")
    bad.set_model(m)
    with pytest.raises(ValueError, match="should be a float. Got: 'fast'"):
        bad.on_epoch_begin(0)
    with pytest.raises(ValueError, match="must be a callable"):
        cbks.LearningRateScheduler(0.1)
    inner = cbks.LearningRateScheduler(lambda epoch, lr: lr + "x")
    inner.set_model(m)
    with pytest.raises(TypeError, match="unsupported operand"):
        inner.on_epoch_begin(0)  # the schedule's own error is not masked


# ----------------------------------------------------------------- TerminateOnNaN
@pytest.mark.parametrize("bad", [float("nan"), float("inf"), np.float32("-inf")])
def test_terminate_on_nan(bad, capsys):
    model = FakeModel()
    cl = cbks.CallbackList([cbks.TerminateOnNaN()], model=model)
    cl.on_train_batch_end(0, {"loss": 1.0})
    assert not model.stop_training
    cl.on_train_batch_end(3, {"loss": bad})
    assert model.stop_training
    assert capsys.readouterr().out == "Batch 3: Invalid loss, terminating training\n"
    strict = cbks.CallbackList([cbks.TerminateOnNaN(raise_error=True)], model=FakeModel())
    with pytest.raises(RuntimeError, match="NaN or Inf loss encountered at batch 7"):
        strict.on_train_batch_end(7, {"loss": bad})


# ----------------------------------------------------------------- CSVLogger
def read_rows(path):
    with open(path, newline="") as f:
        return f.read().splitlines()


def test_csv_logger_contents(tmp_path):
    path = tmp_path / "log.csv"
    logger = cbks.CSVLogger(path)
    run_fit([logger], [{"val_loss": 0.5, "loss": 0.25, "acc": 0.75},
                       {"val_loss": 0.125, "loss": 0.0625, "acc": 1.0}])
    assert read_rows(path) == ["epoch,acc,loss,val_loss", "0,0.75,0.25,0.5",
                               "1,1.0,0.0625,0.125"]
    assert logger.csv_file.closed
    # append=True continues the file without a second header.
    more = cbks.CSVLogger(str(path), append=True)
    run_fit([more], [{"val_loss": 0.1, "loss": 0.2, "acc": 0.3}])
    assert read_rows(path)[-2:] == ["1,1.0,0.0625,0.125", "0,0.3,0.2,0.1"]
    assert len(read_rows(path)) == 4
    # append=False overwrites.
    run_fit([cbks.CSVLogger(path)], [{"loss": 9.0}])
    assert read_rows(path) == ["epoch,loss", "0,9.0"]


def test_csv_logger_separator_arrays_and_missing_validation(tmp_path):
    path = os.path.join(tmp_path, "log.tsv")
    model = FakeModel(metrics_names=["loss", "val_loss"])
    run_fit([cbks.CSVLogger(path, separator="\t")],
            [{"loss": 0.5, "vec": np.array([1, 2])}, {"loss": 0.4, "vec": [3, 4],
                                                      "val_loss": 0.3}], model=model)
    assert read_rows(path) == ["epoch\tloss\tvec\tval_loss", "0\t0.5\t[1, 2]\tNA",
                               "1\t0.4\t[3, 4]\t0.3"]
    with pytest.raises(ValueError, match="one-character string"):
        cbks.CSVLogger(path, separator="::")


# ----------------------------------------------------------------- LambdaCallback
def test_lambda_callback():
    calls = []
    cb = cbks.LambdaCallback(
        on_epoch_begin=lambda epoch, logs: calls.append(("eb", epoch)),
        on_epoch_end=lambda epoch, logs: calls.append(("ee", epoch, logs["loss"])),
        on_train_begin=lambda logs: calls.append(("tb",)),
        on_train_end=lambda logs: calls.append(("te",)),
        on_train_batch_begin=lambda batch, logs: calls.append(("bb", batch)),
        on_train_batch_end=lambda batch, logs: calls.append(("be", batch, logs["loss"])),
        on_test_end=lambda logs: calls.append(("test_end", logs)))
    cl = cbks.CallbackList([cb], model=FakeModel())
    cl.on_train_begin()
    cl.on_epoch_begin(0)
    cl.on_train_batch_begin(0)
    cl.on_train_batch_end(0, {"loss": np.float32(2.0)})
    cl.on_test_end({"loss": 3.0})
    cl.on_epoch_end(0, {"loss": 1.5})
    cl.on_train_end()
    assert calls == [("tb",), ("eb", 0), ("bb", 0), ("be", 0, 2.0), ("test_end", {"loss": 3.0}),
                     ("ee", 0, 1.5), ("te",)]
    cbks.LambdaCallback().on_epoch_end(0, {})  # unset hooks are no-ops
    with pytest.raises(TypeError, match=r"unknown hook\(s\) \['on_epoc_end'\]"):
        cbks.LambdaCallback(on_epoc_end=print)
    with pytest.raises(TypeError, match="`on_epoch_end` must be callable"):
        cbks.LambdaCallback(on_epoch_end=3)


# ----------------------------------------------------------------- Progbar
def test_progbar_verbose1_running_and_final_lines(clock, capsys):
    bar = Progbar(10)
    for step in range(1, 11):
        clock.t += 0.5
        bar.update(step, [("accuracy", 0.8125), ("loss", 0.4321)])
        if step == 3:
            out = capsys.readouterr().out
            # per step excludes step 1: (1.5 - 0.5) / 2 = 0.5s -> ETA 7 * 0.5 = 3s
            assert out.endswith("\r 3/10 " + BAR + " 3s 500ms/step - accuracy: 0.8125 - "
                                "loss: 0.4321")
    out = capsys.readouterr().out
    final = out.split("\r")[-1]
    assert final == "10/10 " + BAR + " 5s 500ms/step - accuracy: 0.8125 - loss: 0.4321\n"


def test_progbar_time_formats(clock, capsys):
    bar = Progbar(100, interval=0)
    clock.t += 10
    bar.update(1)
    clock.t += 10
    bar.update(2)  # 98 steps * 10s = 980s
    assert capsys.readouterr().out.endswith(f"\r  2/100 {BAR} 16:20 10s/step")
    clock.t += 4000
    bar.update(3)  # (4010 / 2) s/step * 97
    assert capsys.readouterr().out.endswith(f"54:01:25 2005s/step")
    fast = Progbar(5, verbose=2)
    for step in range(1, 6):
        clock.t += 2e-5
        fast.update(step)
    assert capsys.readouterr().out == "5/5 - 0s - 20us/step\n"


def test_progbar_averages_stateless_metrics_and_pads(clock, capsys):
    bar = Progbar(4, interval=0)
    clock.t += 1
    bar.update(1, [("loss", 1.0)])
    clock.t += 1
    bar.update(3, [("loss", 3.0)])  # weighted by 2 steps: (1 + 3 * 2) / 3
    assert capsys.readouterr().out.endswith("loss: 2.3333")
    stateful = Progbar(4, interval=0, stateful_metrics=["loss"])
    stateful.update(1, [("loss", 1.0), ("acc", 1.0)])
    stateful.update(2, [("loss", 3.0), ("acc", 0.0)])
    assert capsys.readouterr().out.endswith("loss: 3.0000 - acc: 0.5000")
    all_stateful = Progbar(4, interval=0, stateless_metrics=())
    all_stateful.update(1, [("loss", 1.0)])
    all_stateful.update(2, [("loss", 3.0), ("tiny", 1e-5)])
    out = capsys.readouterr().out
    assert out.endswith("loss: 3.0000 - tiny: 1.0000e-05")
    # A shorter redraw is padded with spaces to wipe the previous one.
    shrink = Progbar(4, interval=0, stateless_metrics=())
    shrink.update(1, [("a_long_metric_name", 1.0)])
    first = capsys.readouterr().out
    shrink._values_order.clear()
    shrink._values.clear()
    shrink.update(2)
    second = capsys.readouterr().out
    assert len(second) == len(first) and second.endswith(" " * 10)


def test_progbar_interval_unknown_target_and_add(clock, capsys):
    bar = Progbar(10, interval=1.0)
    clock.t += 0.1
    bar.update(1)
    clock.t += 0.1
    bar.update(2)  # within the interval: not drawn
    assert capsys.readouterr().out.count("\r") == 1
    clock.t += 2
    bar.add(3)
    assert bar._seen_so_far == 5
    assert capsys.readouterr().out.startswith("\r 5/10 ")
    unknown = Progbar(None, interval=0)
    clock.t += 1
    unknown.update(3, [("loss", 0.5)])
    assert capsys.readouterr().out == "\r      3/Unknown 1s 333ms/step - loss: 0.5000"
    silent = Progbar(3, verbose=0)
    silent.update(3, [("loss", 1.0)])
    assert capsys.readouterr().out == ""


def test_progbar_verbose2_prints_one_line_at_the_end(clock, capsys):
    bar = Progbar(469, verbose=2)
    for step in range(1, 470):
        clock.t += 0.004
        bar.update(step, [("loss", 0.1)])
    clock.t += 0.1
    bar.update(469, [("loss", 0.1), ("val_loss", 0.2)], finalize=True)
    out = capsys.readouterr().out
    assert out.count("\n") == 2  # the automatic finalize at 469, then the explicit one
    assert out.splitlines()[-1] == "469/469 - 2s - 4ms/step - loss: 0.1000 - val_loss: 0.2000"


def test_progbar_argument_errors():
    with pytest.raises(ValueError, match="not both"):
        Progbar(3, stateful_metrics=["a"], stateless_metrics=["b"])
    with pytest.raises(ValueError, match="`target` must be an integer"):
        Progbar("ten")
    with pytest.raises(ValueError, match="`verbose` must be 0, 1 or 2"):
        Progbar(3, verbose=5)


# ----------------------------------------------------------------- ProgbarLogger
def drive_fit(verbose, epochs=2, steps=3, validation=True):
    model = FakeModel()
    cl = cbks.CallbackList(None, add_history=True, add_progbar=True, model=model,
                           verbose=verbose, epochs=epochs, steps=steps)
    cl.on_train_begin()
    for epoch in range(epochs):
        cl.on_epoch_begin(epoch)
        for batch in range(steps):
            cl.on_train_batch_begin(batch)
            progbar_mod._now.t += 0.5
            cl.on_train_batch_end(batch, {"loss": 0.5 - 0.1 * batch, "accuracy": 0.25 * batch})
        logs = {"accuracy": 0.5, "loss": 0.3}
        if validation:
            cl.on_test_begin()
            for batch in range(2):
                cl.on_test_batch_end(batch, {"loss": 9.0})
            cl.on_test_end({"loss": 0.4, "accuracy": 0.45})
            logs.update(val_accuracy=0.45, val_loss=0.4)
        cl.on_epoch_end(epoch, logs)
    cl.on_train_end(logs)
    return model


def test_progbar_logger_verbose1(clock, capsys):
    model = drive_fit(verbose=1)
    out = capsys.readouterr().out
    lines = out.split("\n")
    assert lines[0] == "Epoch 1/2"
    assert "9.0000" not in out  # validation inside fit is silent
    final = lines[1].split("\r")[-1]
    assert final == ("3/3 " + BAR + " 2s 500ms/step - accuracy: 0.5000 - loss: 0.3000 - "
                     "val_accuracy: 0.4500 - val_loss: 0.4000")
    # Running values are shown as received (the trainer already averages them).
    assert "\r1/3 " + "\u2501" * 20 + " 1s 500ms/step - accuracy: 0.0000e+00 - loss: 0.5000" \
        in lines[1]
    assert "accuracy: 0.2500 - loss: 0.4000" in lines[1]
    assert lines[2] == "Epoch 2/2"
    assert model.history.history["val_loss"] == [0.4, 0.4]


def test_progbar_logger_verbose2_and_single_epoch(clock, capsys):
    drive_fit(verbose=2)
    assert capsys.readouterr().out == (
        "Epoch 1/2\n3/3 - 2s - 500ms/step - accuracy: 0.5000 - loss: 0.3000 - "
        "val_accuracy: 0.4500 - val_loss: 0.4000\n"
        "Epoch 2/2\n3/3 - 2s - 500ms/step - accuracy: 0.5000 - loss: 0.3000 - "
        "val_accuracy: 0.4500 - val_loss: 0.4000\n")
    drive_fit(verbose=2, epochs=1, validation=False)
    assert capsys.readouterr().out == "3/3 - 2s - 500ms/step - accuracy: 0.5000 - loss: 0.3000\n"
    drive_fit(verbose=0)
    assert capsys.readouterr().out == ""


def test_progbar_logger_unknown_steps_and_evaluate(clock, capsys):
    model = FakeModel()
    cl = cbks.CallbackList(None, add_progbar=True, model=model, verbose=2, epochs=1,
                           steps=None)
    cl.on_train_begin()
    cl.on_epoch_begin(0)
    for batch in range(4):
        clock.t += 1
        cl.on_train_batch_end(batch, {"loss": 1.0})
    cl.on_epoch_end(0, {"loss": 1.0})
    cl.on_train_end()
    assert capsys.readouterr().out == "4/4 - 4s - 1s/step - loss: 1.0000\n"
    # evaluate(): no on_train_begin, so the test hooks draw the bar.
    ev = cbks.CallbackList(None, add_progbar=True, model=model, verbose=1, epochs=1, steps=2)
    ev.on_test_begin()
    for batch in range(2):
        clock.t += 0.25
        ev.on_test_batch_end(batch, {"loss": 0.5})
    ev.on_test_end({"loss": 0.5})
    out = capsys.readouterr().out
    assert out.split("\r")[-1] == "2/2 " + BAR + " 0s 250ms/step - loss: 0.5000\n"
    # predict(): no metrics shown.
    pr = cbks.CallbackList(None, add_progbar=True, model=model, verbose=1, epochs=1, steps=1)
    pr.on_predict_begin()
    pr.on_predict_batch_end(0, {"outputs": np.ones(3)})
    pr.on_predict_end()
    assert capsys.readouterr().out.split("\r")[-1] == "1/1 " + BAR + " 0s 0s/step\n"


def test_public_names_and_registration():
    from tessera.keras.saving.object_registration import builtin
    for name in ["Callback", "CallbackList", "History", "ProgbarLogger", "EarlyStopping",
                 "ReduceLROnPlateau", "LearningRateScheduler", "TerminateOnNaN", "CSVLogger",
                 "LambdaCallback", "MonitorCallback"]:
        obj = getattr(keras.callbacks, name)
        assert obj._keras_module == "keras.callbacks"
        assert builtin(name, "keras.callbacks") is obj
    assert Progbar._keras_module == "keras.utils"
    assert issubclass(cbks.EarlyStopping, cbks.MonitorCallback)

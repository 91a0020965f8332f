import gc
import os
import resource

import numpy as np
import pytest

import tessera as ts
from tessera import keras
from tests.conftest import MNIST_DIR


def _data(n=512, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 8)).astype("float32")
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).astype("int32")
    return x, y


def _model(seed=0):
    keras.utils.set_random_seed(seed)
    return keras.Sequential([keras.Input((8,)), keras.layers.Dense(16, activation="relu"),
                             keras.layers.Dense(2, activation="softmax")])


def test_fit_evaluate_predict():
    x, y = _data()
    model = _model()
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    h = model.fit(x, y, epochs=5, batch_size=32, validation_split=0.25, verbose=0)
    assert set(h.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert len(h.history["loss"]) == 5 and h.history["loss"][-1] < h.history["loss"][0]
    loss, acc = model.evaluate(x, y, verbose=0)
    assert acc > 0.85
    d = model.evaluate(x, y, verbose=0, return_dict=True)
    assert set(d) == {"loss", "accuracy"} and abs(d["loss"] - loss) < 1e-6
    p = model.predict(x, batch_size=100, verbose=0)
    assert p.shape == (512, 2)
    np.testing.assert_allclose(p, model(x).numpy(), rtol=1e-5, atol=1e-6)
    assert model.metrics_names == ["loss", "accuracy"]


def test_same_seed_same_training():
    x, y = _data()
    results = []
    for _ in range(2):
        model = _model(seed=3)
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        keras.utils.set_random_seed(3)
        model.fit(x, y, epochs=2, batch_size=64, verbose=0)
        results.append(model.get_weights())
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)


def test_train_test_predict_on_batch():
    x, y = _data(64)
    model = _model()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    out = model.train_on_batch(x, y)
    assert isinstance(out, list) and len(out) == 2
    d = model.test_on_batch(x, y, return_dict=True)
    assert set(d) == {"loss", "accuracy"}
    assert model.predict_on_batch(x).shape == (64, 2)


def test_callbacks_fire_in_keras_order():
    events = []

    class Rec(keras.callbacks.Callback):
        def __getattribute__(self, name):
            if name.startswith("on_"):
                def hook(*args, **kwargs):
                    events.append(name)
                return hook
            return super().__getattribute__(name)

    x, y = _data(64)
    model = _model()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    model.fit(x, y, epochs=1, batch_size=32, validation_data=(x, y), callbacks=[Rec()], verbose=0)
    assert events == ["on_train_begin", "on_epoch_begin", "on_train_batch_begin",
                      "on_train_batch_end", "on_train_batch_begin", "on_train_batch_end",
                      "on_test_begin", "on_test_batch_begin", "on_test_batch_end",
                      "on_test_batch_begin", "on_test_batch_end", "on_test_end",
                      "on_epoch_end", "on_train_end"]


def test_early_stopping_restores_best_weights():
    x, y = _data(128)
    model = _model()
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="sparse_categorical_crossentropy")
    snapshots = []

    class Snap(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            snapshots.append((logs["val_loss"], [w.copy() for w in self.model.get_weights()]))

    noisy = np.random.default_rng(5).integers(0, 2, 128)  # validation labels that do not fit
    es = keras.callbacks.EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
    model.fit(x, y, epochs=30, batch_size=32, validation_data=(x, noisy), callbacks=[Snap(), es],
              verbose=0)
    assert len(snapshots) < 30  # stopped early
    best = min(snapshots, key=lambda s: s[0])
    for a, b in zip(model.get_weights(), best[1]):
        np.testing.assert_array_equal(a, b)


def test_sample_weight_and_class_weight_change_the_loss():
    x, y = _data(64)
    model = _model()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    base = model.evaluate(x, y, verbose=0)
    half = model.evaluate(x, y, sample_weight=np.full(64, 0.5), verbose=0)
    assert abs(half - 0.5 * base) < 1e-5
    h = model.fit(x, y, class_weight={0: 1.0, 1: 3.0}, epochs=1, verbose=0)
    assert np.isfinite(h.history["loss"][0])


def test_generator_and_pydataset_inputs():
    x, y = _data(96)

    def gen():
        while True:
            for i in range(0, 96, 32):
                yield x[i:i + 32], y[i:i + 32]

    class DS(keras.utils.PyDataset):
        def __len__(self):
            return 3

        def __getitem__(self, i):
            return x[i * 32:(i + 1) * 32], y[i * 32:(i + 1) * 32]

    model = _model()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    h1 = model.fit(gen(), steps_per_epoch=3, epochs=2, verbose=0)
    h2 = model.fit(DS(workers=2), epochs=2, verbose=0)
    assert len(h1.history["loss"]) == 2 and len(h2.history["loss"]) == 2
    assert model.predict(DS(), verbose=0).shape == (96, 2)
    with pytest.raises(ValueError, match="y must not be given"):
        model.fit(gen(), y, steps_per_epoch=1)


def test_errors_users_meet():
    x, y = _data(32)
    model = _model()
    with pytest.raises(RuntimeError, match="compile"):
        model.fit(x, y)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    onehot = np.eye(2)[y]
    with pytest.raises(ValueError, match="CategoricalCrossentropy"):
        model.fit(x, onehot, verbose=0)
    with pytest.raises(ValueError, match="different numbers of samples"):
        model.fit(x, y[:10], verbose=0)
    with pytest.raises(ValueError, match=r"one sample of shape \(8,\).*x\[None\]"):
        model.predict(x[0])


def test_verbose_progress_bar_output(capsys):
    x, y = _data(64)
    model = _model()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=2, batch_size=32, verbose=1)
    out = capsys.readouterr().out
    assert "Epoch 1/2" in out and "Epoch 2/2" in out and "2/2" in out
    assert "loss:" in out and "accuracy:" in out and "step" in out
    model.fit(x, y, epochs=2, batch_size=32, verbose=2)
    lines = [l for l in capsys.readouterr().out.splitlines() if l.startswith("2/2")]
    assert len(lines) == 2 and " - loss: " in lines[0]


def _rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def test_no_memory_growth_across_repeated_fits():
    x, y = _data(64)

    def once():
        model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(8, activation="relu"),
                                  keras.layers.Dense(2, activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
        model.fit(x, y, epochs=1, batch_size=32, verbose=0)

    for _ in range(20):  # warm up caches and allocator
        once()
    gc.collect()
    before = _rss_mb()
    for _ in range(200):
        once()
    gc.collect()
    assert _rss_mb() - before < 20


@pytest.mark.skipif(not os.path.isdir(MNIST_DIR), reason="../shared/data/mnist is absent")
def test_mlp_on_real_mnist_reaches_95_percent():
    from tessera.resources import load_mnist_sample
    images, labels = load_mnist_sample(MNIST_DIR)
    x = images.reshape(-1, 784).astype("float32") / 255.0
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(128, activation="relu"),
                              keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x[:8000], labels[:8000], epochs=8, batch_size=64, verbose=0)
    _, acc = model.evaluate(x[8000:], labels[8000:], verbose=0)
    assert acc >= 0.95

"""ts.train.Checkpoint, CheckpointManager and latest_checkpoint."""
import os

import h5py
import numpy as np
import pytest

import tessera as ts
from tessera import keras


def _model(seed=0):
    ts.random.set_seed(seed)
    m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="tanh"),
                          keras.layers.Dense(2)])
    m.compile(optimizer=keras.optimizers.Adam(0.05), loss="mse")
    return m


def _data():
    r = np.random.default_rng(1)
    return r.normal(size=(16, 3)).astype("float32"), r.normal(size=(16, 2)).astype("float32")


def test_save_restore_model_and_optimizer_then_training_continues_identically(tmp_path):
    x, y = _data()
    a = _model(0)
    a.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    ckpt = ts.train.Checkpoint(model=a, optimizer=a.optimizer)
    path = ckpt.save(str(tmp_path / "ckpt"))
    assert path == str(tmp_path / "ckpt-1")
    assert os.path.exists(path + ".h5")

    b = _model(99)  # different initial weights, optimizer not built yet
    assert not np.array_equal(np.asarray(a.weights[0]), np.asarray(b.weights[0]))
    status = ts.train.Checkpoint(model=b, optimizer=b.optimizer).restore(path)
    status.assert_consumed()
    for va, vb in zip(a.weights + a.optimizer.variables, b.weights + b.optimizer.variables):
        np.testing.assert_array_equal(np.asarray(va), np.asarray(vb))
    assert int(np.asarray(b.optimizer.iterations)) == 4
    # Adam's moments were restored: one more identical step keeps them identical.
    a.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    b.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    for va, vb in zip(a.weights, b.weights):
        np.testing.assert_array_equal(np.asarray(va), np.asarray(vb))


def test_keys_are_object_paths_and_file_is_single_hdf5(tmp_path):
    m = _model()
    m.fit(*_data(), epochs=1, verbose=0)
    step = ts.Variable(7, dtype="int64")
    path = ts.train.Checkpoint(model=m, step=step).write(str(tmp_path / "w"))
    assert path == str(tmp_path / "w") and os.listdir(tmp_path) == ["w.h5"]
    with h5py.File(path + ".h5") as f:
        keys = []
        f.visititems(lambda k, o: keys.append(k) if isinstance(o, h5py.Dataset) else None)
        assert "model/layers/dense/vars/0" in keys and "model/optimizer/vars/0" in keys
        assert f["step"][()] == 7
        np.testing.assert_array_equal(f["model/layers/dense_1/vars/1"][()],
                                      np.asarray(m.layers[1].bias))


def test_module_variables_and_nested_checkpoints(tmp_path):
    class Net(ts.Module):
        def __init__(self):
            super().__init__()
            self.w = ts.Variable(np.arange(6.0).reshape(2, 3))
            self.parts = [ts.Variable([1.0, 2.0])]
    net, v = Net(), ts.Variable(3.0)
    outer = ts.train.Checkpoint(inner=ts.train.Checkpoint(net=net), v=v)
    path = outer.write(str(tmp_path / "n"))
    net.w.assign(np.zeros((2, 3)))
    net.parts[0].assign([0.0, 0.0])
    v.assign(0.0)
    outer.read(path).assert_consumed()
    np.testing.assert_array_equal(net.w.numpy(), np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(net.parts[0].numpy(), [1.0, 2.0])
    assert float(v.numpy()) == 3.0
    with h5py.File(path + ".h5") as f:
        assert "inner/net/w" in f and "inner/net/parts/0" in f


def test_partial_restore_status(tmp_path):
    a, b = ts.Variable(1.0), ts.Variable(2.0)
    path = ts.train.Checkpoint(a=a, b=b).write(str(tmp_path / "p"))
    a2 = ts.Variable(0.0)
    status = ts.train.Checkpoint(a=a2).read(path)
    assert float(a2.numpy()) == 1.0
    with pytest.raises(AssertionError, match="b"):
        status.assert_consumed()
    status.expect_partial()
    status.assert_existing_objects_matched()
    c = ts.Variable(5.0)
    status = ts.train.Checkpoint(a=a2, c=c).read(path)
    with pytest.raises(AssertionError, match="missing"):
        status.assert_existing_objects_matched()


def test_shape_mismatch_and_missing_file_errors(tmp_path):
    path = ts.train.Checkpoint(v=ts.Variable(np.zeros(3))).write(str(tmp_path / "s"))
    with pytest.raises(ValueError, match=r"'v'.*shape \(4,\).*shape \(3,\)"):
        ts.train.Checkpoint(v=ts.Variable(np.zeros(4))).read(path)
    with pytest.raises(FileNotFoundError, match="latest_checkpoint"):
        ts.train.Checkpoint(v=ts.Variable(1.0)).restore(str(tmp_path / "nope"))
    with pytest.raises(ValueError, match="trackable.*'n'"):
        ts.train.Checkpoint(n=3)


def test_save_numbering_and_latest_checkpoint(tmp_path):
    v = ts.Variable(0.0)
    ckpt = ts.train.Checkpoint(v=v)
    assert ts.train.latest_checkpoint(str(tmp_path)) is None
    paths = []
    for i in range(3):
        v.assign(float(i))
        paths.append(ckpt.save(str(tmp_path / "c")))
    assert paths == [str(tmp_path / f"c-{i}") for i in (1, 2, 3)]
    assert ckpt.save_counter == 3
    assert ts.train.latest_checkpoint(str(tmp_path)) == paths[-1]
    fresh = ts.train.Checkpoint(v=v)
    fresh.restore(paths[0]).assert_consumed()
    assert float(v.numpy()) == 0.0 and fresh.save_counter == 1
    assert fresh.save(str(tmp_path / "c")) == paths[1]  # numbering continues from the file


def test_manager_max_to_keep(tmp_path):
    v = ts.Variable(0.0)
    ckpt = ts.train.Checkpoint(v=v)
    mgr = ts.train.CheckpointManager(ckpt, str(tmp_path / "run"), max_to_keep=2)
    assert mgr.latest_checkpoint is None and mgr.checkpoints == []
    saved = []
    for i in range(4):
        v.assign(float(i))
        saved.append(mgr.save())
    d = str(tmp_path / "run")
    assert saved == [os.path.join(d, f"ckpt-{i}") for i in (1, 2, 3, 4)]
    assert mgr.checkpoints == saved[-2:]
    assert sorted(os.listdir(d)) == ["checkpoint", "ckpt-3.h5", "ckpt-4.h5"]
    assert mgr.latest_checkpoint == saved[-1] == ts.train.latest_checkpoint(d)
    assert mgr.save(checkpoint_number=10) == os.path.join(d, "ckpt-10")
    assert mgr.checkpoints == [saved[-1], os.path.join(d, "ckpt-10")]
    # A new manager on the directory picks up the kept checkpoints.
    mgr2 = ts.train.CheckpointManager(ts.train.Checkpoint(v=v), d, max_to_keep=2)
    assert mgr2.checkpoints == mgr.checkpoints
    v.assign(-1.0)
    assert mgr2.restore_or_initialize() == os.path.join(d, "ckpt-10")
    assert float(v.numpy()) == 3.0
    with pytest.raises(ValueError, match="max_to_keep"):
        ts.train.CheckpointManager(ckpt, d, max_to_keep=0)


def test_write_is_atomic_on_failure(tmp_path, monkeypatch):
    v = ts.Variable(1.0)
    path = ts.train.Checkpoint(v=v).write(str(tmp_path / "a"))
    real = h5py.Group.create_dataset
    calls = []

    def failing(self, name, *args, **kwargs):  # fails half-way through writing the file
        calls.append(name)
        if len(calls) == 2:
            raise OSError("disk full")
        return real(self, name, *args, **kwargs)
    monkeypatch.setattr(h5py.Group, "create_dataset", failing)
    with pytest.raises(OSError, match="disk full"):
        ts.train.Checkpoint(v=ts.Variable(2.0), w=ts.Variable(3.0)).write(path)
    monkeypatch.undo()
    assert len(calls) == 2
    assert os.listdir(tmp_path) == ["a.h5"]  # no temporary file left, old file intact
    v.assign(0.0)
    ts.train.Checkpoint(v=v).read(path).assert_consumed()
    assert float(v.numpy()) == 1.0

"""keras.utils data utilities: pad_sequences, timeseries/split datasets, directory datasets."""
import os

import numpy as np
import pytest

import tessera as ts
from tessera import keras

U = keras.utils


# -- pad_sequences -------------------------------------------------------------------------
def test_pad_sequences_defaults_pre():
    out = U.pad_sequences([[1], [2, 3], [4, 5, 6]])
    np.testing.assert_array_equal(out, [[0, 0, 1], [0, 2, 3], [4, 5, 6]])
    assert out.dtype == np.int32


def test_pad_sequences_post_and_truncating():
    seqs = [[1, 2, 3, 4], [5]]
    np.testing.assert_array_equal(U.pad_sequences(seqs, maxlen=2), [[3, 4], [0, 5]])
    np.testing.assert_array_equal(U.pad_sequences(seqs, maxlen=2, truncating="post"),
                                  [[1, 2], [0, 5]])
    np.testing.assert_array_equal(
        U.pad_sequences(seqs, maxlen=3, padding="post", truncating="post", value=-1),
        [[1, 2, 3], [5, -1, -1]])


def test_pad_sequences_float_and_sample_shape():
    out = U.pad_sequences([[[1.5, 2]], [[3, 4], [5, 6]]], dtype="float32")
    assert out.shape == (2, 2, 2) and out.dtype == np.float32
    np.testing.assert_allclose(out[0], [[0, 0], [1.5, 2]])


def test_pad_sequences_strings_and_errors():
    out = U.pad_sequences([["a"], ["b", "c"]], dtype=object, value="")
    assert out.tolist() == [["", "a"], ["b", "c"]]
    with pytest.raises(ValueError, match="Padding type"):
        U.pad_sequences([[1]], padding="middle")
    with pytest.raises(ValueError, match="Truncating type"):
        U.pad_sequences([[1]], truncating="x")
    with pytest.raises(ValueError, match="not compatible"):
        U.pad_sequences([[1]], value="x")
    with pytest.raises(ValueError, match="non-iterable"):
        U.pad_sequences([1, 2])


# -- timeseries_dataset_from_array ---------------------------------------------------------
def test_timeseries_windows_and_targets():
    data = np.arange(20)
    ds = U.timeseries_dataset_from_array(data, data * 10, sequence_length=4, sequence_stride=2,
                                         sampling_rate=2, batch_size=3)
    assert isinstance(ds, ts.data.Dataset)
    xs, ys = zip(*ds.as_numpy_iterator())
    x, y = np.concatenate(xs), np.concatenate(ys)
    n = 20 - (4 - 1) * 2
    starts = np.arange(0, n, 2)
    np.testing.assert_array_equal(x, starts[:, None] + np.arange(4) * 2)
    np.testing.assert_array_equal(y, starts * 10)
    assert xs[0].shape == (3, 4)


def test_timeseries_start_end_index_no_targets_unbatched():
    data = np.arange(30).reshape(15, 2)
    ds = U.timeseries_dataset_from_array(data, None, 3, start_index=2, end_index=10,
                                         batch_size=None)
    out = list(ds.as_numpy_iterator())
    assert len(out) == 8 - 2
    np.testing.assert_array_equal(out[0], data[2:5])
    np.testing.assert_array_equal(out[-1], data[7:10])


def test_timeseries_shuffle_is_seeded_permutation():
    data = np.arange(50)
    a = [x for x, _ in U.timeseries_dataset_from_array(
        data, data, 5, shuffle=True, seed=3, batch_size=None).as_numpy_iterator()]
    b = [x for x, _ in U.timeseries_dataset_from_array(
        data, data, 5, shuffle=True, seed=3, batch_size=None).as_numpy_iterator()]
    np.testing.assert_array_equal(a, b)
    firsts = sorted(int(x[0]) for x in a)
    assert firsts == list(range(46)) and [int(x[0]) for x in a] != firsts


def test_timeseries_errors():
    with pytest.raises(ValueError, match="same number of time"):
        U.timeseries_dataset_from_array(np.arange(10), np.arange(9), 2)
    with pytest.raises(ValueError, match="sampling_rate"):
        U.timeseries_dataset_from_array(np.arange(10), None, 2, sampling_rate=0)
    with pytest.raises(ValueError, match="sequence_stride"):
        U.timeseries_dataset_from_array(np.arange(10), None, 2, sequence_stride=0)
    with pytest.raises(ValueError, match="start_index"):
        U.timeseries_dataset_from_array(np.arange(10), None, 2, start_index=10)


# -- split_dataset -------------------------------------------------------------------------
def test_split_arrays_fraction_and_int():
    x, y = np.arange(10), np.arange(10) * 2
    left, right = U.split_dataset((x, y), left_size=0.8)
    assert len(left) == 8 and len(right) == 2
    ry = [int(b) for _, b in right.as_numpy_iterator()]
    assert ry == [16, 18]
    left, right = U.split_dataset(x, right_size=3)
    assert [int(v) for v in right.as_numpy_iterator()] == [7, 8, 9]
    left, right = U.split_dataset(x, left_size=2, right_size=3)
    assert len(left) == 2 and len(right) == 3


def test_split_shuffle_and_dataset_input():
    x = np.arange(20)
    l1, r1 = U.split_dataset(x, left_size=0.5, shuffle=True, seed=7)
    l2, _ = U.split_dataset(x, left_size=0.5, shuffle=True, seed=7)
    a = [int(v) for v in l1.as_numpy_iterator()]
    assert a == [int(v) for v in l2.as_numpy_iterator()]
    assert sorted(a + [int(v) for v in r1.as_numpy_iterator()]) == list(range(20))
    assert a != list(range(10))
    ds = ts.data.Dataset.from_tensor_slices((np.ones((6, 2)), np.arange(6)))
    left, right = U.split_dataset(ds, left_size=4)
    assert len(left) == 4 and [int(b) for _, b in right.as_numpy_iterator()] == [4, 5]


def test_split_errors():
    with pytest.raises(ValueError, match="left_size"):
        U.split_dataset(np.arange(5))
    with pytest.raises(ValueError, match="should be at most"):
        U.split_dataset(np.arange(5), left_size=3, right_size=3)
    with pytest.raises(ValueError, match="range"):
        U.split_dataset(np.arange(5), left_size=1.5)
    with pytest.raises(TypeError, match="dataset"):
        U.split_dataset("abc", left_size=1)


# -- text_dataset_from_directory -----------------------------------------------------------
@pytest.fixture
def text_dir(tmp_path):
    for c, n in (("neg", 3), ("pos", 2)):
        (tmp_path / c).mkdir()
        for i in range(n):
            (tmp_path / c / f"{i}.txt").write_text(f"{c} text {i}")
    (tmp_path / "pos" / "ignored.csv").write_text("x")
    return tmp_path


def _all(ds):
    xs, ys = zip(*ds.as_numpy_iterator())
    return np.concatenate(xs), np.concatenate(ys)


def test_text_dataset_inferred_labels(text_dir, capsys):
    ds = U.text_dataset_from_directory(str(text_dir), batch_size=2, shuffle=False)
    assert "Found 5 files belonging to 2 classes." in capsys.readouterr().out
    assert ds.class_names == ["neg", "pos"]
    x, y = _all(ds)
    assert [t.decode() for t in x] == ["neg text 0", "neg text 1", "neg text 2",
                                       "pos text 0", "pos text 1"]
    np.testing.assert_array_equal(y, [0, 0, 0, 1, 1])


def test_text_dataset_label_modes_and_max_length(text_dir):
    ds = U.text_dataset_from_directory(str(text_dir), label_mode="categorical", shuffle=False,
                                       max_length=3, verbose=False)
    x, y = _all(ds)
    assert set(t.decode() for t in x) == {"neg", "pos"}
    np.testing.assert_array_equal(y, np.eye(2)[[0, 0, 0, 1, 1]])
    ds = U.text_dataset_from_directory(str(text_dir), label_mode="binary", shuffle=False,
                                       verbose=False)
    _, y = _all(ds)
    assert y.shape == (5, 1) and y.dtype == np.float32
    ds = U.text_dataset_from_directory(str(text_dir), labels=None, batch_size=None,
                                       shuffle=False, verbose=False)
    assert len(list(ds)) == 5


def test_text_dataset_validation_split(text_dir):
    tr, va = U.text_dataset_from_directory(str(text_dir), validation_split=0.4, subset="both",
                                           seed=1, verbose=False)
    xt, _ = _all(tr)
    xv, _ = _all(va)
    assert len(xt) == 3 and len(xv) == 2 and not set(xt) & set(xv)
    with pytest.raises(ValueError, match="seed"):
        U.text_dataset_from_directory(str(text_dir), validation_split=0.2, subset="training")
    with pytest.raises(ValueError, match="subset"):
        U.text_dataset_from_directory(str(text_dir), validation_split=0.2, subset="test",
                                      seed=1)
    with pytest.raises(ValueError, match="label_mode"):
        U.text_dataset_from_directory(str(text_dir), label_mode="sparse")


def test_text_dataset_class_names_and_missing_dir(text_dir, tmp_path):
    ds = U.text_dataset_from_directory(str(text_dir), class_names=["pos", "neg"],
                                       shuffle=False, verbose=False)
    _, y = _all(ds)
    np.testing.assert_array_equal(y, [0, 0, 1, 1, 1])
    with pytest.raises(ValueError, match="Could not find directory"):
        U.text_dataset_from_directory(str(tmp_path / "nope"))


# -- images (Pillow optional) --------------------------------------------------------------
def test_image_helpers_need_pillow_message(monkeypatch):
    import builtins
    real = builtins.__import__

    def fake(name, *a, **k):
        if name == "PIL" or name.startswith("PIL."):
            raise ImportError("no PIL")
        return real(name, *a, **k)
    monkeypatch.setattr(builtins, "__import__", fake)
    with pytest.raises(ImportError, match="needs Pillow: pip install pillow"):
        U.array_to_img(np.zeros((2, 2, 3)))
    with pytest.raises(ImportError, match="needs Pillow"):
        U.image_dataset_from_directory("/nonexistent")


def test_img_to_array_without_pillow():
    a = U.img_to_array(np.arange(6).reshape(2, 3))
    assert a.shape == (2, 3, 1) and a.dtype == np.float32
    a = U.img_to_array(np.zeros((2, 3, 3)), data_format="channels_first")
    assert a.shape == (3, 2, 3)


def test_image_roundtrip_and_directory(tmp_path):
    pytest.importorskip("PIL")
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (6, 8, 3)).astype("uint8")
    U.save_img(str(tmp_path / "a.png"), img, scale=False)
    back = U.img_to_array(U.load_img(str(tmp_path / "a.png")))
    np.testing.assert_array_equal(back, img)
    assert U.img_to_array(U.load_img(str(tmp_path / "a.png"), color_mode="grayscale")).shape \
        == (6, 8, 1)
    assert U.load_img(str(tmp_path / "a.png"), target_size=(3, 4)).size == (4, 3)
    root = tmp_path / "imgs"
    for ci, c in enumerate(("cat", "dog")):
        (root / c).mkdir(parents=True)
        for i in range(3):
            U.save_img(str(root / c / f"{i}.png"), np.full((5, 5, 3), ci * 100 + i, "uint8"),
                       scale=False)
    ds = U.image_dataset_from_directory(str(root), image_size=(5, 5), batch_size=4,
                                        shuffle=False, verbose=False)
    assert ds.class_names == ["cat", "dog"]
    x, y = _all(ds)
    assert x.shape == (6, 5, 5, 3) and x.dtype == np.float32
    np.testing.assert_array_equal(y, [0, 0, 0, 1, 1, 1])
    np.testing.assert_allclose(x[:, 0, 0, 0], [0, 1, 2, 100, 101, 102])
    tr, va = U.image_dataset_from_directory(str(root), image_size=(2, 2), subset="both",
                                            validation_split=0.5, seed=0,
                                            color_mode="grayscale", label_mode="categorical",
                                            verbose=False)
    xt, yt = _all(tr)
    assert xt.shape == (3, 2, 2, 1) and yt.shape == (3, 2)

"""keras.datasets: parsing of fake cache files in a temporary KERAS_HOME (never the network)."""
import gzip
import hashlib
import io
import json
import os
import pickle
import tarfile
import urllib.error

import numpy as np
import pytest

from tessera import keras
from tessera.keras.datasets import _common

D = keras.datasets


def sha256(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def md5(path):
    return hashlib.md5(open(path, "rb").read()).hexdigest()


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))

    def no_network(origin, dest):
        raise urllib.error.URLError("network disabled in tests")
    monkeypatch.setattr(_common, "_download", no_network)
    d = tmp_path / "datasets"
    d.mkdir()
    return d


def test_mnist_parses_cached_npz(home, monkeypatch):
    rng = np.random.default_rng(0)
    arrs = dict(x_train=rng.integers(0, 256, (5, 28, 28), dtype="uint8"),
                y_train=np.arange(5, dtype="uint8"),
                x_test=rng.integers(0, 256, (2, 28, 28), dtype="uint8"),
                y_test=np.array([7, 8], "uint8"))
    np.savez(home / "mnist.npz", **arrs)
    monkeypatch.setattr(D.mnist, "SHA256", sha256(home / "mnist.npz"))
    (x, y), (xt, yt) = D.mnist.load_data()
    np.testing.assert_array_equal(x, arrs["x_train"])
    np.testing.assert_array_equal(yt, [7, 8])


def test_hash_mismatch_redownloads_then_errors(home, monkeypatch):
    np.savez(home / "mnist.npz", x_train=np.zeros(1))
    calls = []

    def fake_download(origin, dest):
        calls.append(origin)
        with open(dest, "wb") as f:
            f.write(b"corrupted")
    monkeypatch.setattr(_common, "_download", fake_download)
    with pytest.raises(ValueError, match="corrupted file.*sha256"):
        D.mnist.load_data()
    assert calls == ["https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"]


def test_offline_error_names_url_and_path(home):
    with pytest.raises(OSError) as e:
        D.mnist.load_data()
    msg = str(e.value)
    assert "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz" in msg
    assert str(home / "mnist.npz") in msg and "offline" in msg


def test_keras_home_default_is_dot_keras(monkeypatch, tmp_path):
    monkeypatch.delenv("KERAS_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert _common.keras_cache_root() == os.path.join(str(tmp_path), ".keras")


def test_get_file_md5_and_extract(home, tmp_path, monkeypatch):
    src = tmp_path / "payload.txt"
    src.write_text("hello")
    buf = tmp_path / "a.tar.gz"
    with tarfile.open(buf, "w:gz") as t:
        t.add(src, arcname="inner/payload.txt")

    def fake_download(origin, dest):
        with open(dest, "wb") as f:
            f.write(buf.read_bytes())
    monkeypatch.setattr(_common, "_download", fake_download)
    p = keras.utils.get_file("thing", origin="http://x/a.tar.gz", file_hash=md5(buf),
                             extract=True)
    assert p == str(home / "thing")
    assert open(os.path.join(p, "inner", "payload.txt")).read() == "hello"
    assert keras.utils.validate_file(str(home / "thing_archive"), md5(buf))
    assert not keras.utils.validate_file(str(home / "thing_archive"), "0" * 64)


def test_fashion_mnist_idx_gz(home):
    sub = home / "fashion-mnist"
    sub.mkdir()
    imgs = np.arange(3 * 28 * 28, dtype="uint32").astype("uint8").reshape(3, 28, 28)
    for prefix, n in (("train", 3), ("t10k", 3)):
        with gzip.open(sub / f"{prefix}-labels-idx1-ubyte.gz", "wb") as f:
            f.write(b"\0" * 8 + bytes(range(n)))
        with gzip.open(sub / f"{prefix}-images-idx3-ubyte.gz", "wb") as f:
            f.write(b"\0" * 16 + imgs.tobytes())
    (x, y), (xt, yt) = D.fashion_mnist.load_data()
    np.testing.assert_array_equal(x, imgs)
    np.testing.assert_array_equal(yt, [0, 1, 2])


def _cifar_tar(path, inner, members):
    with tarfile.open(path, "w:gz") as t:
        for name, obj in members.items():
            data = pickle.dumps(obj)
            info = tarfile.TarInfo(f"{inner}/{name}")
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))


def test_cifar10_from_tar_archive(home, monkeypatch):
    rng = np.random.default_rng(1)
    members, xs, ys = {}, [], []
    for i in range(1, 6):
        x = rng.integers(0, 256, (2, 3072), dtype="uint8")
        members[f"data_batch_{i}"] = {b"data": x, b"labels": [i, i + 1]}
        xs.append(x)
        ys += [i, i + 1]
    xt = rng.integers(0, 256, (3, 3072), dtype="uint8")
    members["test_batch"] = {b"data": xt, b"labels": [0, 9, 4]}
    archive = home / "cifar-10-batches-py-target_archive"
    _cifar_tar(archive, "cifar-10-batches-py", members)
    monkeypatch.setattr(D.cifar10, "SHA256", sha256(archive))
    (x, y), (x2, y2) = D.cifar10.load_data()
    assert x.shape == (10, 32, 32, 3) and y.shape == (10, 1) and y.dtype == np.uint8
    expect = np.concatenate(xs).reshape(10, 3, 32, 32).transpose(0, 2, 3, 1)
    np.testing.assert_array_equal(x, expect)
    np.testing.assert_array_equal(y[:, 0], ys)
    np.testing.assert_array_equal(y2[:, 0], [0, 9, 4])
    # wrong hash: archive rejected, then the (disabled) download reports the URL
    monkeypatch.setattr(D.cifar10, "SHA256", "0" * 64)
    with pytest.raises(OSError, match="cifar-10-python.tar.gz"):
        D.cifar10.load_data()


def test_cifar100_extracted_folder_and_label_mode(home):
    folder = home / "cifar-100-python"
    folder.mkdir()
    for name, n in (("train", 4), ("test", 2)):
        with open(folder / name, "wb") as f:
            pickle.dump({b"data": np.zeros((n, 3072), "uint8"),
                         b"fine_labels": list(range(n)), b"coarse_labels": [1] * n}, f)
    (x, y), (xt, yt) = D.cifar100.load_data()
    assert x.shape == (4, 32, 32, 3) and y[:, 0].tolist() == [0, 1, 2, 3]
    (_, y), _ = D.cifar100.load_data(label_mode="coarse")
    assert y[:, 0].tolist() == [1] * 4
    with pytest.raises(ValueError, match="label_mode"):
        D.cifar100.load_data(label_mode="medium")


def _seq_npz(path, **arrs):
    out = {}
    for k, v in arrs.items():
        if k.startswith("x"):
            a = np.empty(len(v), dtype=object)
            a[:] = v
            out[k] = a
        else:
            out[k] = np.asarray(v)
    np.savez(path, **out)


def test_imdb_processing(home, monkeypatch):
    xtr = [[1, 2, 3], [4, 5], [6]]
    xte = [[7, 8, 9, 10], [2]]
    _seq_npz(home / "imdb.npz", x_train=xtr, y_train=[0, 1, 0], x_test=xte, y_test=[1, 1])
    monkeypatch.setattr(D.imdb, "SHA256", sha256(home / "imdb.npz"))
    (x, y), (xt, yt) = D.imdb.load_data(seed=5)
    # closed form: Keras's shuffle (one RandomState, train then test), start_char, index_from
    rng = np.random.RandomState(5)
    i = np.arange(3)
    rng.shuffle(i)
    j = np.arange(2)
    rng.shuffle(j)
    assert [list(s) for s in x] == [[1] + [w + 3 for w in xtr[k]] for k in i]
    np.testing.assert_array_equal(y, np.array([0, 1, 0])[i])
    # Keras quirk kept: with num_words=None the largest index itself becomes oov_char
    top = 13
    assert [list(s) for s in xt] == [[1] + [w + 3 if w + 3 < top else 2 for w in xte[k]]
                                     for k in j]
    (x, _), (xt, _) = D.imdb.load_data(num_words=7, skip_top=2, oov_char=2, start_char=1,
                                       index_from=3, seed=5)
    assert all(w == 2 or 2 <= w < 7 for s in list(x) + list(xt) for w in s)
    (x, _), _ = D.imdb.load_data(num_words=7, oov_char=None, index_from=0, start_char=None,
                                 seed=5)
    assert sorted(map(list, x)) == sorted([[1, 2, 3], [4, 5], [6]])
    (x, _), (xt, _) = D.imdb.load_data(maxlen=4)  # keeps lengths < 4 (start_char counted)
    assert sorted(len(s) for s in x) == [2, 3] and [len(s) for s in xt] == [2]
    with pytest.raises(ValueError, match="maxlen"):
        D.imdb.load_data(maxlen=1)
    with open(home / "imdb_word_index.json", "w") as f:
        json.dump({"the": 1, "movie": 2}, f)
    monkeypatch.setattr(D.imdb, "WORD_INDEX_MD5", md5(home / "imdb_word_index.json"))
    assert D.imdb.get_word_index() == {"the": 1, "movie": 2}


def test_reuters_split(home, monkeypatch):
    xs = [[i, i + 1] for i in range(1, 11)]
    _seq_npz(home / "reuters.npz", x=xs, y=list(range(10)))
    monkeypatch.setattr(D.reuters, "SHA256", sha256(home / "reuters.npz"))
    (x, y), (xt, yt) = D.reuters.load_data(test_split=0.3, seed=2, start_char=None,
                                           index_from=0)
    assert len(x) == 7 and len(xt) == 3
    idx = np.arange(10)
    np.random.RandomState(2).shuffle(idx)
    np.testing.assert_array_equal(np.concatenate([y, yt]), idx)
    assert [list(s) for s in x] == [xs[k] for k in idx[:7]]


@pytest.mark.parametrize("mod,n,f", [("boston_housing", 20, 13), ("california_housing", 700, 8)])
def test_housing(home, monkeypatch, mod, n, f):
    m = getattr(D, mod)
    x = np.arange(n * f, dtype="float64").reshape(n, f)
    y = np.arange(n, dtype="float64")
    np.savez(home / f"{mod}.npz", x=x, y=y)
    monkeypatch.setattr(m, "SHA256", sha256(home / f"{mod}.npz"))
    (a, b), (c, d) = m.load_data(test_split=0.25, seed=4)
    idx = np.arange(n)
    np.random.RandomState(4).shuffle(idx)
    k = int(n * 0.75)
    np.testing.assert_array_equal(b, y[idx[:k]])
    np.testing.assert_array_equal(c, x[idx[k:]])
    if mod == "california_housing":
        (a, _), (c, _) = m.load_data(version="small")
        assert len(a) + len(c) == 600
        with pytest.raises(ValueError, match="version"):
            m.load_data(version="medium")

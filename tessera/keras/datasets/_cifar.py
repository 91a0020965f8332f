"""Shared CIFAR reader: the pickled python batches, in a folder or inside the tar.gz."""
import os
import pickle
import tarfile

import numpy as np

from .. import config as _config
from . import _common


def _decode(d):
    return {(k.decode("utf8") if isinstance(k, bytes) else k): v for k, v in d.items()}


def load_batch(fpath_or_obj, label_key="labels"):
    """Parses one CIFAR pickle batch into `(data (N, 3, 32, 32) uint8, labels list)`."""
    if isinstance(fpath_or_obj, (str, os.PathLike)):
        with open(fpath_or_obj, "rb") as f:
            d = pickle.load(f, encoding="bytes")
    else:
        d = pickle.load(fpath_or_obj, encoding="bytes")
    d = _decode(d)
    data = np.asarray(d["data"], dtype="uint8")
    return data.reshape(data.shape[0], 3, 32, 32), list(d[label_key])


def read_batches(dirname, inner, url, sha256, names):
    """Reads CIFAR batches `names` from the Keras cache (downloading if needed).

    Looks, in order, for an extracted folder left by Keras 3 (`<dirname>-target/<inner>`)
    or Keras 2 (`<inner>`), then downloads/validates the archive and reads it in place.
    """
    datadir = os.path.join(_common.keras_cache_root(), "datasets")
    for folder in (os.path.join(datadir, dirname, inner), os.path.join(datadir, inner)):
        if all(os.path.isfile(os.path.join(folder, n)) for n in names):
            return {n: os.path.join(folder, n) for n in names}
    archive = None
    for cand in (os.path.join(datadir, dirname + "_archive"),
                 os.path.join(datadir, inner + ".tar.gz")):
        if os.path.isfile(cand) and _common.validate_file(cand, sha256):
            archive = cand
            break
    if archive is None:
        archive = _common.get_file(dirname + "_archive", origin=url, file_hash=sha256)
    out = {}
    with tarfile.open(archive) as t:
        for n in names:
            try:
                m = t.extractfile(f"{inner}/{n}")
            except KeyError:
                raise ValueError(f"CIFAR archive {archive} has no member {inner}/{n}; the "
                                 "file is not the expected dataset.") from None
            out[n] = _LoadedBytes(m.read())
    return out


class _LoadedBytes:
    def __init__(self, data):
        self.data = data


def parse(source, label_key):
    if isinstance(source, _LoadedBytes):
        import io
        return load_batch(io.BytesIO(source.data), label_key)
    return load_batch(source, label_key)


def to_format(x):
    if _config.image_data_format() == "channels_last":
        return x.transpose(0, 2, 3, 1)
    return x

"""Shared download/cache machinery for `keras.datasets` (Keras's `get_file` cache layout)."""
import hashlib
import os
import shutil
import tarfile
import urllib.error
import urllib.request
import zipfile

from ..saving.object_registration import keras_export

__all__ = ["get_file", "keras_cache_root", "validate_file", "resolve_hasher"]

GCS = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"


def keras_cache_root():
    """The Keras cache root: `$KERAS_HOME`, else `~/.keras` (falls back to `/tmp/.keras`)."""
    if "KERAS_HOME" in os.environ:
        return os.path.expanduser(os.environ["KERAS_HOME"])
    base = os.path.join(os.path.expanduser("~"), ".keras")
    if os.path.isdir(base) and not os.access(base, os.W_OK):
        base = os.path.join("/tmp", ".keras")
    return base


def resolve_hasher(algorithm, file_hash=None):
    """Picks sha256 or md5 as Keras does ("auto": a 64-hex-digit hash means sha256)."""
    if algorithm in ("sha256",) or (algorithm == "auto" and file_hash is not None
                                    and len(file_hash) == 64):
        return "sha256"
    if algorithm in ("auto", "md5"):
        return "md5"
    raise ValueError(f"get_file: unsupported hash_algorithm {algorithm!r}; use 'auto', "
                     "'sha256' or 'md5'.")


def _hash_file(path, algorithm, chunk_size=65535):
    h = hashlib.sha256() if algorithm == "sha256" else hashlib.md5()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            h.update(chunk)
    return h.hexdigest()


@keras_export("keras.utils")
def validate_file(fpath, file_hash, algorithm="auto", chunk_size=65535):
    """Returns whether the file at `fpath` has the expected sha256/md5 `file_hash`."""
    algorithm = resolve_hasher(algorithm, file_hash)
    return str(_hash_file(fpath, algorithm, chunk_size)) == str(file_hash)


def _download(origin, dest):
    """Fetches `origin` into `dest` (tests monkeypatch this; it raises OSError offline)."""
    tmp = dest + ".part"
    with urllib.request.urlopen(origin, timeout=60) as r, open(tmp, "wb") as f:
        shutil.copyfileobj(r, f)
    os.replace(tmp, dest)


def _extract(archive, into):
    if tarfile.is_tarfile(archive):
        with tarfile.open(archive) as t:
            for m in t.getmembers():
                target = os.path.realpath(os.path.join(into, m.name))
                if not target.startswith(os.path.realpath(into)):
                    raise ValueError(f"get_file: archive {archive} has an unsafe member "
                                     f"{m.name!r}.")
            t.extractall(into)
    elif zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as z:
            z.extractall(into)
    else:
        raise ValueError(f"get_file: {archive} is neither a tar nor a zip archive.")


@keras_export("keras.utils")
def get_file(fname=None, origin=None, untar=False, md5_hash=None, file_hash=None,
             cache_subdir="datasets", hash_algorithm="auto", extract=False,
             archive_format="auto", cache_dir=None, force_download=False):
    """Downloads a file from a URL if it is not already in the Keras cache.

    Files go to `cache_dir/cache_subdir/fname` (default `~/.keras/datasets`, or
    `$KERAS_HOME/datasets`), so files an existing Keras install downloaded are reused.
    With `extract=True`, the archive is stored as `fname + "_archive"` and extracted into
    the folder `fname`, whose path is returned.

    Args:
        fname: file name in the cache (default: the last part of `origin`).
        origin: the URL to download from.
        file_hash: expected sha256 or md5 hash of the downloaded file.
        cache_subdir: subfolder of the cache (an absolute path is used as is).
        hash_algorithm: "auto", "sha256" or "md5".
        extract: extract the tar/zip archive after download.
        cache_dir: cache root (default `$KERAS_HOME` or `~/.keras`).
        force_download: download even if the file is cached.

    Returns:
        The path of the downloaded file (or of the extracted folder).

    Raises:
        ValueError: the file's hash does not match `file_hash`.
        OSError: the file could not be downloaded (e.g. offline); the message says which URL
            to fetch by hand and where to put it.
    """
    if origin is None:
        raise ValueError('get_file: please specify the "origin" argument (URL of the file '
                         "to download).")
    if fname is None:
        fname = os.path.basename(origin.split("?")[0])
    fname = os.fspath(fname)
    root = keras_cache_root() if cache_dir is None else os.path.expanduser(cache_dir)
    datadir = os.path.join(root, cache_subdir)
    os.makedirs(datadir, exist_ok=True)
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    extract = extract or untar
    fpath = os.path.join(datadir, fname)
    download_target = fpath + "_archive" if extract else fpath
    if extract and os.path.exists(fpath) and not force_download:
        return fpath

    need = force_download or not os.path.exists(download_target)
    if not need and file_hash is not None and not validate_file(download_target, file_hash,
                                                                hash_algorithm):
        need = True  # corrupted or outdated: fetch again, as Keras does
    if need:
        try:
            _download(origin, download_target)
        except (OSError, urllib.error.URLError, ValueError) as e:
            if os.path.exists(download_target + ".part"):
                os.remove(download_target + ".part")
            raise OSError(
                f"Could not download {fname!r} from {origin} ({type(e).__name__}: {e}). "
                f"If this machine is offline, download {origin} by hand and save it as "
                f"{download_target}.") from e
        if file_hash is not None and not validate_file(download_target, file_hash,
                                                       hash_algorithm):
            algo = resolve_hasher(hash_algorithm, file_hash)
            raise ValueError(
                f"Incomplete or corrupted file detected at {download_target}: its {algo} "
                f"hash does not match the expected value {file_hash}. Delete the file and "
                f"download {origin} again.")
    if extract:
        tmp = fpath + ".extracting"
        if os.path.exists(tmp):
            shutil.rmtree(tmp)
        os.makedirs(tmp)
        _extract(download_target, tmp)
        if os.path.isdir(fpath):
            shutil.rmtree(fpath)
        os.replace(tmp, fpath)
        return fpath
    return fpath


def dataset_file(path, name, sha, origin=None):
    """`get_file` for a dataset file stored at `GCS + name` (the path may be renamed)."""
    return get_file(path, origin=origin or GCS + name, file_hash=sha)

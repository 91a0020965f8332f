"""Turning what `fit` / `evaluate` / `predict` receive into batches.

In-memory data (NumPy arrays, tensors, lists/dicts of them) is sliced into
mini-batches, shuffled each epoch; Python generators, `keras.utils.PyDataset`
and any iterable yielding batches are passed through.
"""
import math

import numpy as np

from ...core import nest
from ...core.tensor import Tensor, _wrap

__all__ = ["unpack_x_y_sample_weight", "pack_x_y_sample_weight", "get_adapter",
           "train_validation_split", "ArrayAdapter", "IterableAdapter"]


def unpack_x_y_sample_weight(data):
    """Splits a batch into `(x, y, sample_weight)` (missing parts are None), as Keras."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) == 1:
        return data[0], None, None
    if len(data) == 2:
        return data[0], data[1], None
    if len(data) == 3:
        return data
    raise ValueError(
        "Data is expected to be in format `x`, `(x,)`, `(x, y)`, or `(x, y, sample_weight)`, "
        f"found a tuple of {len(data)} elements.")


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    if y is None:
        return (x,)
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)


def _to_numpy(x):
    if x is None:
        return None
    if isinstance(x, Tensor):
        return np.asarray(x)
    if isinstance(x, np.ndarray):
        return x
    if isinstance(x, (list, tuple)) and x and all(isinstance(v, (np.ndarray, Tensor)) for v in x):
        return type(x)(_to_numpy(v) for v in x)
    if isinstance(x, dict):
        return {k: _to_numpy(v) for k, v in x.items()}
    if hasattr(x, "to_numpy"):  # pandas
        return x.to_numpy()
    return np.asarray(x)


def _is_array_like(x):
    if x is None:
        return True
    if isinstance(x, (np.ndarray, Tensor)):
        return True
    if isinstance(x, (list, tuple)):
        return all(isinstance(v, (np.ndarray, Tensor)) for v in x) and len(x) > 0 or \
            (len(x) > 0 and not isinstance(x[0], (list, tuple, dict)) and _numeric_list(x))
    if isinstance(x, dict):
        return all(isinstance(v, (np.ndarray, Tensor, list)) for v in x.values())
    return hasattr(x, "to_numpy") or hasattr(x, "__array__")


def _numeric_list(x):
    try:
        return np.asarray(x).dtype.kind in "fiub"
    except (ValueError, TypeError):
        return False


def _num_samples(struct):
    sizes = {int(a.shape[0]) for a in nest.flatten(struct) if a is not None}
    if len(sizes) > 1:
        raise ValueError(
            f"Data cardinality is ambiguous: the arrays have different numbers of samples "
            f"{sorted(sizes)}. Make sure all arrays contain the same number of samples.")
    if not sizes:
        raise ValueError("No data was given: pass x (and y) as arrays.")
    return sizes.pop()


class ArrayAdapter:
    """Batches in-memory arrays; a fresh shuffle each epoch when `shuffle` is true."""

    def __init__(self, x, y=None, sample_weight=None, batch_size=None, steps=None, shuffle=False,
                 class_weight=None):
        self.x = _to_numpy(x)
        self.y = _to_numpy(y)
        self.sw = _to_numpy(sample_weight)
        if class_weight is not None:
            if self.y is None:
                raise ValueError("class_weight needs targets y.")
            cw = _class_weights(self.y, class_weight)
            self.sw = cw if self.sw is None else self.sw * cw
        self.n = _num_samples((self.x, self.y, self.sw))
        self.batch_size = int(batch_size or 32)
        self.shuffle = shuffle
        self.num_batches = math.ceil(self.n / self.batch_size)
        if steps is not None:
            self.num_batches = min(self.num_batches, int(steps)) if steps <= self.num_batches \
                else int(steps)
        self.epoch = 0

    def __len__(self):
        return self.num_batches

    def _slice(self, struct, idx):
        if struct is None:
            return None
        return nest.map_structure(lambda a: _wrap(np.ascontiguousarray(a[idx])) if a is not None else None, struct)

    def batches(self, rng=None):
        """Yields `(x, y, sample_weight)` batches of Tensors for one epoch."""
        if self.shuffle:
            order = (rng or np.random).permutation(self.n)
        else:
            order = None
        bs = self.batch_size
        for b in range(self.num_batches):
            start = (b * bs) % self.n
            stop = min(start + bs, self.n)
            idx = order[start:stop] if order is not None else slice(start, stop)
            yield (self._slice(self.x, idx), self._slice(self.y, idx), self._slice(self.sw, idx))


class IterableAdapter:
    """Passes through a generator, PyDataset, ts.data.Dataset or other iterable of batches."""

    def __init__(self, data, steps=None):
        self.data = data
        self.steps = steps
        n = None
        if hasattr(data, "__len__"):
            try:
                n = len(data)
            except TypeError:  # an infinite or unknown-length dataset
                n = None
        self._finite = n is not None
        self.num_batches = steps if steps is not None else n
        self._iterator = None

    def __len__(self):
        return self.num_batches

    def batches(self, rng=None):
        data = self.data
        if hasattr(data, "on_epoch_begin"):
            pass
        if hasattr(data, "__getitem__") and hasattr(data, "__len__") and not isinstance(data, (list, tuple)):
            it = (data[i] for i in range(len(data)))
        elif self.steps is not None and self._iterator is not None:
            it = self._iterator
        else:
            it = iter(data)
            if self.steps is not None and not self._finite:
                self._iterator = it  # one iterator continues across epochs, as in Keras
        count = 0
        for batch in it:
            x, y, sw = unpack_x_y_sample_weight(batch)
            yield (_tensors(x), _tensors(y), _tensors(sw))
            count += 1
            if self.steps is not None and count >= self.steps:
                break
        if hasattr(data, "on_epoch_end"):
            data.on_epoch_end()


def _tensors(struct):
    if struct is None:
        return None
    return nest.map_structure(
        lambda a: a if isinstance(a, Tensor) or a is None else _wrap(np.asarray(a)), struct)


def _class_weights(y, class_weight):
    y = np.asarray(y)
    if y.ndim > 1 and y.shape[-1] > 1:
        cls = np.argmax(y, axis=-1)
    else:
        cls = y.reshape(y.shape[0], -1)[:, 0].astype(np.int64)
    w = np.ones(len(cls), dtype=np.float32)
    for k, v in class_weight.items():
        w[cls == int(k)] = v
    return w


def get_adapter(x, y=None, sample_weight=None, batch_size=None, steps=None, shuffle=False,
                class_weight=None):
    """Chooses the adapter for the data `fit`/`evaluate`/`predict` received."""
    if _is_array_like(x):
        return ArrayAdapter(x, y, sample_weight, batch_size, steps, shuffle, class_weight)
    if y is not None:
        raise ValueError(
            "When x is a generator, a Dataset or a PyDataset, y must not be given: the "
            "data must yield (x, y) batches itself.")
    if class_weight is not None:
        raise ValueError("class_weight is only supported with array inputs in tessera.")
    if batch_size is not None and hasattr(x, "__iter__") and not hasattr(x, "__len__"):
        pass
    if not hasattr(x, "__iter__") and not hasattr(x, "__getitem__"):
        raise ValueError(f"Unrecognized data type: x={x!r} (of type {type(x).__name__}). Pass "
                         "NumPy arrays, tensors, a generator, a PyDataset or a ts.data.Dataset.")
    return IterableAdapter(x, steps)


def train_validation_split(arrays, validation_split):
    """Splits arrays into the first `1 - validation_split` and the last part, as Keras."""
    x, y, sw = arrays
    n = _num_samples(tuple(a for a in (_to_numpy(x), _to_numpy(y), _to_numpy(sw)) if a is not None))
    split = int(math.floor(n * (1.0 - validation_split)))
    if split == 0 or split == n:
        raise ValueError(f"validation_split={validation_split} leaves no samples for training "
                         f"or validation out of {n} samples.")

    def cut(a, sl):
        a = _to_numpy(a)
        return None if a is None else nest.map_structure(lambda v: v[sl], a)

    return ((cut(x, slice(0, split)), cut(y, slice(0, split)), cut(sw, slice(0, split))),
            (cut(x, slice(split, n)), cut(y, slice(split, n)), cut(sw, slice(split, n))))

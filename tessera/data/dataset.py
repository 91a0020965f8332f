"""`ts.data.Dataset`: TensorFlow's input pipelines (tf.data) on NumPy.

A Dataset is a recipe: each Python iteration (`for x in ds`) runs it afresh.
Elements are nested structures (tuples, dicts) of `ts.Tensor`s.

    ds = ts.data.Dataset.from_tensor_slices((x, y)).shuffle(100, seed=1).batch(32)
    model.fit(ds, epochs=2)
"""
import glob as _glob
import os
import pickle
import tempfile
import threading

import numpy as np

from ..backend import random as _random
from ..core import nest
from ..core.errors import InvalidArgumentError, NotFoundError
from ..core.spec import TensorSpec
from ..core.tensor import Tensor, _wrap, constant
from . import _util as U
from ._util import AUTOTUNE, INFINITE, UNKNOWN

__all__ = ["Dataset", "DatasetSpec", "AUTOTUNE", "INFINITE_CARDINALITY", "UNKNOWN_CARDINALITY"]

INFINITE_CARDINALITY = INFINITE
UNKNOWN_CARDINALITY = UNKNOWN


from .iterator import DatasetSpec, Iterator  # noqa: E402


def _as_dataset(x, what):
    if not isinstance(x, Dataset):
        raise TypeError(f"{what} must be a ts.data.Dataset, got {type(x).__name__}: {x!r}.")
    return x


def _check_count(count, what):
    c = int(np.asarray(count._a if isinstance(count, Tensor) else count))
    if c < -1:
        raise ValueError(f"{what} must be >= -1 (-1 meaning all), got {c}.")
    return c


class Dataset(U._DatasetLike):
    """A sequence of elements, each a nested structure of Tensors, as `tf.data.Dataset`.

    Build one with a source (`from_tensor_slices`, `from_tensors`, `from_generator`, `range`,
    `list_files`, `zip`) and chain transformations (`map`, `shuffle`, `batch`, `prefetch`, ...).
    Iterate it with `for element in ds`, `ds.as_numpy_iterator()`, or pass it to `model.fit`.

    Example:
    >>> ds = ts.data.Dataset.range(6).map(lambda x: x * 2).batch(4)
    >>> [b.numpy().tolist() for b in ds]
    [[0, 2, 4, 6], [8, 10]]
    """

    def __init__(self, make_iter, cardinality=UNKNOWN, element_spec=None, spec_fn=None):
        self._make_iter_fn = make_iter
        self._card = cardinality
        self._spec = element_spec
        self._spec_fn = spec_fn
        self._spec_lock = threading.Lock()
        # Fast path for in-memory data: `(element, flat_arrays, make_index_iter)` when every
        # element is `element`'s structure filled with `a[i]` for the indices the iterator
        # yields (from_tensor_slices, and shuffles of it). `batch` then gathers whole
        # batches with one fancy index per array instead of stacking elements one by one.
        self._slices = None

    # -- plumbing ------------------------------------------------------------------------
    def _make_iter(self):
        return iter(self._make_iter_fn())

    def _spec_known(self):
        return self._spec is not None or self._spec_fn is not None

    @property
    def element_spec(self):
        """The nested `ts.TensorSpec` structure of one element."""
        with self._spec_lock:
            if self._spec is None:
                if self._spec_fn is not None:
                    self._spec = self._spec_fn()
                else:  # derived from the first element (a traced function's output in TF)
                    for element in self._make_iter():
                        self._spec = U.spec_of(element)
                        break
                    else:
                        raise ValueError("The element_spec of an empty Dataset whose elements "
                                         "come from a function is unknown.")
            return self._spec

    def spec_for_window(self):
        return DatasetSpec(self.element_spec)

    def _derived(self, make_iter, cardinality=UNKNOWN, element_spec=None, spec_fn=None):
        return Dataset(make_iter, cardinality, element_spec, spec_fn)

    def _same_spec(self):
        return (lambda: self.element_spec)

    def __iter__(self):
        return Iterator(self)

    def __len__(self):
        c = self._card
        if c == INFINITE:
            raise TypeError("The dataset is infinite.")
        if c == UNKNOWN:
            raise TypeError("The dataset length is unknown.")
        return int(c)

    def __bool__(self):
        return True

    def __repr__(self):
        try:
            spec = self.element_spec
        except Exception:
            spec = "unknown"
        return f"<Dataset element_spec={spec}>"

    def cardinality(self):
        """The number of elements as an int64 scalar tensor; `ts.data.INFINITE_CARDINALITY`
        (-1) or `ts.data.UNKNOWN_CARDINALITY` (-2) when infinite or unknown."""
        return constant(np.int64(self._card))

    def as_numpy_iterator(self):
        """Iterates the elements as nested NumPy values (strings as bytes), as TF does."""
        def conv(t):
            a = np.asarray(t._a)
            if a.dtype.kind in "OUS":
                if a.ndim == 0:
                    v = a.item()
                    return v.encode() if isinstance(v, str) else bytes(v)
                return np.vectorize(lambda s: s.encode() if isinstance(s, str) else s,
                                    otypes=[object])(a)
            return a[()] if a.ndim == 0 else a
        for element in self:
            yield nest.map_structure(conv, element)

    # -- sources ---------------------------------------------------------------------------
    @staticmethod
    def from_tensor_slices(tensors, name=None):
        """A Dataset of the slices of `tensors` along their first dimension.

        Args:
            tensors: a nested structure (tuple, dict) of arrays with the same first dimension.
        """
        element = U.to_element(tensors)
        flat = [np.asarray(t._a) for t in nest.flatten(element)]
        if any(a.ndim == 0 for a in flat):
            raise ValueError("from_tensor_slices: every component needs at least one dimension "
                             "to slice; got a scalar. Use `from_tensors` for a single element.")
        sizes = {a.shape[0] for a in flat}
        if len(sizes) > 1:
            raise ValueError(f"from_tensor_slices: all components must have the same size in the "
                             f"first dimension, got sizes {[a.shape[0] for a in flat]}.")
        n = flat[0].shape[0]
        spec = nest.map_structure(lambda t: TensorSpec(t.shape[1:], t.dtype), element)

        ds = Dataset(None, n, spec)
        ds._slices = (element, flat, lambda: np.arange(n))
        ds._make_iter_fn = ds._slice_elements
        return ds

    def _slice_elements(self):
        element, flat, make_indices = self._slices
        for i in make_indices().tolist():
            yield nest.pack_sequence_as(element, [_wrap(np.asarray(a[i])) for a in flat])

    @staticmethod
    def from_tensors(tensors, name=None):
        """A Dataset with the single element `tensors`."""
        element = U.to_element(tensors)
        return Dataset(lambda: iter([element]), 1, U.spec_of(element))

    @staticmethod
    def from_generator(generator, output_types=None, output_shapes=None, args=None,
                       output_signature=None, name=None):
        """A Dataset whose elements a Python generator yields.

        Args:
            generator: a callable returning an iterator (called anew for each iteration,
                with `*args`).
            output_signature: a nested structure of `ts.TensorSpec` for one element.
            output_types, output_shapes: the deprecated form of `output_signature`.
            args: arguments for `generator` (converted to NumPy values).
        """
        if not callable(generator):
            raise TypeError(f"`generator` must be a callable (a generator function), got "
                            f"{type(generator).__name__}. Pass the function, not its result.")
        if output_signature is None:
            if output_types is None:
                raise TypeError("from_generator needs `output_signature` (a structure of "
                                "ts.TensorSpec) or `output_types`.")
            if output_shapes is None:
                output_shapes = nest.map_structure(lambda _: None, output_types)
            output_signature = nest.map_structure(
                lambda t, s: TensorSpec(s, t), output_types, output_shapes)
        for s in nest.flatten(output_signature):
            if not isinstance(s, TensorSpec):
                raise TypeError(f"output_signature must contain ts.TensorSpec objects, got "
                                f"{type(s).__name__}: {s!r}.")
        call_args = tuple(np.asarray(a._a) if isinstance(a, Tensor) else a for a in (args or ()))

        def gen():
            for value in generator(*call_args):
                try:
                    nest.assert_same_structure(output_signature, value) if \
                        nest.is_nested(output_signature) else None
                except ValueError:
                    raise TypeError(f"`generator` yielded an element that did not match the "
                                    f"expected structure {output_signature!r}: {value!r}.") \
                        from None
                vals = nest.flatten(value) if nest.is_nested(output_signature) else [value]
                out = []
                for v, s in zip(vals, nest.flatten(output_signature)):
                    try:
                        t = U.to_tensor(np.asarray(v._a if isinstance(v, Tensor) else v),
                                        dtype=s.dtype)
                    except (TypeError, ValueError) as e:
                        raise TypeError(f"`generator` yielded an element that could not be "
                                        f"converted to the expected type {s.dtype.name}: "
                                        f"{v!r} ({e}).") from None
                    if not s.shape.is_compatible_with(t.shape):
                        raise TypeError(f"`generator` yielded an element of shape "
                                        f"{list(t.shape)} where an element of shape "
                                        f"{s.shape} was expected.")
                    out.append(t)
                yield nest.pack_sequence_as(output_signature, out)
        return Dataset(gen, UNKNOWN, output_signature)

    @staticmethod
    def range(*args, dtype="int64", name=None):
        """`range(stop)`, `range(start, stop[, step])` as a Dataset of scalars (int64)."""
        if not 1 <= len(args) <= 3:
            raise TypeError(f"Dataset.range takes 1 to 3 positional arguments, got {len(args)}.")
        r = range(*[int(a) for a in args])
        from ..backend.dtypes import as_dtype
        dt = as_dtype(dtype)
        npdt = dt.as_numpy_dtype

        def gen():
            for v in r:
                yield _wrap(np.asarray(v, dtype=npdt))
        return Dataset(gen, len(r), TensorSpec([], dt))

    @staticmethod
    def zip(*datasets, name=None):
        """Zips datasets (a tuple/dict of Datasets, or several as arguments) element-wise."""
        if len(datasets) == 1 and not isinstance(datasets[0], Dataset):
            structure = datasets[0]
        else:
            structure = tuple(datasets)
        flat = nest.flatten(structure)
        for d in flat:
            _as_dataset(d, "Dataset.zip's inputs")
        cards = [d._card for d in flat]
        if cards and all(c == INFINITE for c in cards):
            card = INFINITE
        elif UNKNOWN in cards:
            card = UNKNOWN
        else:
            card = min(c for c in cards if c >= 0) if cards else 0

        def gen():
            its = [d._make_iter() for d in flat]
            try:
                while True:
                    parts = []
                    for it in its:
                        try:
                            parts.append(next(it))
                        except StopIteration:
                            return
                    yield nest.pack_sequence_as(structure, parts)
            finally:
                for it in its:
                    getattr(it, "close", lambda: None)()
        return Dataset(gen, card, spec_fn=lambda: nest.pack_sequence_as(
            structure, [d.element_spec for d in flat]))

    @staticmethod
    def list_files(file_pattern, shuffle=None, seed=None, name=None):
        """A Dataset of the file names matching a glob pattern (or a list of patterns).

        Args:
            shuffle: shuffle the names (default True); sorted order otherwise.
            seed: the shuffle seed.
        """
        if isinstance(file_pattern, Tensor):
            file_pattern = np.asarray(file_pattern._a).tolist()
        patterns = [file_pattern] if isinstance(file_pattern, (str, bytes)) else list(file_pattern)
        patterns = [p.decode() if isinstance(p, bytes) else str(p) for p in patterns]
        names = sorted({f for p in patterns for f in _glob.glob(p)})
        if not names:
            raise InvalidArgumentError(f"Expected 'file_pattern' argument to match at least one "
                                       f"file, but no files matched {patterns!r}.")
        ds = Dataset.from_tensor_slices(np.array(names, dtype=object))
        if shuffle is None or shuffle:
            ds = ds.shuffle(len(names), seed=seed)
        return ds

    # -- transformations -------------------------------------------------------------------
    def map(self, map_func, num_parallel_calls=None, deterministic=None, name=None):
        """Applies `map_func` to each element (a tuple element is unpacked into arguments).

        Args:
            num_parallel_calls: None (calls run in the consuming thread), an int (that many
                worker threads, each mapping runs of consecutive elements) or
                `ts.data.AUTOTUNE`: the first pass times a few hundred elements mapped in
                the consuming thread and on worker threads and keeps the faster (a Python
                function holds the GIL, so threads only help functions that release it,
                such as large NumPy work or file reads). The output order is the input
                order either way.
        """
        if not callable(map_func):
            raise TypeError(f"map_func must be callable, got {type(map_func).__name__}.")
        autotune = num_parallel_calls is not None and \
            int(np.asarray(num_parallel_calls)) == AUTOTUNE
        workers = 0 if num_parallel_calls is None else U.num_workers(num_parallel_calls)
        tuned = {}   # AUTOTUNE's choice, measured on the first pass and kept

        def apply(element):
            return U.to_element(U.call_fn(map_func, element))

        def gen():
            it = self._make_iter()
            if autotune:
                yield from U.autotuned_map(it, apply, workers, tuned)
            elif workers == 0:
                for element in it:
                    yield apply(element)
            else:
                yield from U.parallel_map(it, apply, workers)
        return self._derived(gen, self._card)

    def filter(self, predicate, name=None):
        """Keeps the elements for which `predicate` returns True (a scalar bool)."""
        def gen():
            for element in self._make_iter():
                keep = U.call_fn(predicate, element)
                k = np.asarray(keep._a if isinstance(keep, Tensor) else keep)
                if k.shape != () or k.dtype != np.bool_:
                    raise ValueError(f"`predicate` must return a scalar boolean tensor, got "
                                     f"dtype {k.dtype} and shape {list(k.shape)}.")
                if bool(k):
                    yield element
        return self._derived(gen, UNKNOWN if self._card != INFINITE else INFINITE,
                             spec_fn=self._same_spec())

    def _batched_card(self, batch_size, drop_remainder):
        c = self._card
        if c < 0:
            return c
        return c // batch_size if drop_remainder else -(-c // batch_size)

    def _batched_spec(self, batch_size, drop_remainder, shapes=None):
        dim = batch_size if drop_remainder else None
        spec = self.element_spec

        def one(s, shape=None):
            inner = list(s.shape) if shape is None else \
                [None if (d is None or int(d) < 0) else int(d) for d in shape]
            return TensorSpec([dim] + inner, s.dtype)
        if shapes is None:
            return nest.map_structure(one, spec)
        flat = [one(s, shp) for s, shp in zip(nest.flatten(spec), U.flatten_up_to(spec, shapes))]
        return nest.pack_sequence_as(spec, flat)

    def _gather_batches(self, batch_size, drop_remainder):
        """The in-memory fast path of `batch`: whole batches gathered by index."""
        element, flat, make_indices = self._slices

        def gather():
            order = make_indices()
            stop = len(order) - len(order) % batch_size if drop_remainder else len(order)
            for start in range(0, stop, batch_size):
                ix = order[start:start + batch_size]
                yield nest.pack_sequence_as(element, [_wrap(a[ix]) for a in flat])
        return gather

    def batch(self, batch_size, drop_remainder=False, num_parallel_calls=None,
              deterministic=None, name=None):
        """Stacks `batch_size` consecutive elements into one (the last may be smaller unless
        `drop_remainder`)."""
        batch_size = _positive(batch_size, "batch_size")
        if self._slices is not None:
            return self._derived(self._gather_batches(batch_size, drop_remainder),
                                 self._batched_card(batch_size, drop_remainder),
                                 spec_fn=lambda: self._batched_spec(batch_size, drop_remainder))

        def gen():
            buf = []
            for element in self._make_iter():
                buf.append(element)
                if len(buf) == batch_size:
                    yield U.stack(buf)
                    buf = []
            if buf and not drop_remainder:
                yield U.stack(buf)
        return self._derived(gen, self._batched_card(batch_size, drop_remainder),
                             spec_fn=lambda: self._batched_spec(batch_size, drop_remainder))

    def padded_batch(self, batch_size, padded_shapes=None, padding_values=None,
                     drop_remainder=False, name=None):
        """Batches elements of different shapes, padding each to `padded_shapes` (unknown
        dimensions: the longest in the batch) with `padding_values` (default 0 / "")."""
        batch_size = _positive(batch_size, "batch_size")
        if self._slices is not None:
            return self._derived(self._gather_batches(batch_size, drop_remainder),
                                 self._batched_card(batch_size, drop_remainder),
                                 spec_fn=lambda: self._batched_spec(batch_size, drop_remainder))

        def gen():
            buf = []
            for element in self._make_iter():
                buf.append(element)
                if len(buf) == batch_size:
                    yield U.pad_stack(buf, padded_shapes, padding_values)
                    buf = []
            if buf and not drop_remainder:
                yield U.pad_stack(buf, padded_shapes, padding_values)

        def spec():
            if padded_shapes is None:
                return nest.map_structure(
                    lambda s: TensorSpec([batch_size if drop_remainder else None] +
                                         [None] * len(s.shape), s.dtype), self.element_spec)
            return self._batched_spec(batch_size, drop_remainder, padded_shapes)
        return self._derived(gen, self._batched_card(batch_size, drop_remainder), spec_fn=spec)

    def unbatch(self, name=None):
        """Splits each element along its first dimension into several elements."""
        def gen():
            for element in self._make_iter():
                yield from U.unstack(element)
        return self._derived(gen, INFINITE if self._card == INFINITE else UNKNOWN,
                             spec_fn=lambda: nest.map_structure(
                                 lambda s: TensorSpec(list(s.shape)[1:], s.dtype),
                                 self.element_spec))

    def rebatch(self, batch_size, drop_remainder=False, name=None):
        """Re-batches already batched elements into batches of `batch_size`."""
        return self.unbatch().batch(batch_size, drop_remainder=drop_remainder)

    def shuffle(self, buffer_size, seed=None, reshuffle_each_iteration=None, name=None):
        """Shuffles with a buffer of `buffer_size` elements, as TF: the buffer is filled, then
        each output is a random buffer slot, refilled from the input.

        Args:
            seed: an int for a reproducible order (combined with the global seed).
            reshuffle_each_iteration: a new order for each iteration (default True).
        """
        buffer_size = int(np.asarray(buffer_size._a if isinstance(buffer_size, Tensor)
                                     else buffer_size))
        if buffer_size == AUTOTUNE:
            buffer_size = 1024
        if buffer_size < 1:
            raise ValueError(f"shuffle: buffer_size must be positive, got {buffer_size}.")
        reshuffle = True if reshuffle_each_iteration is None else bool(reshuffle_each_iteration)
        if seed is None:
            key = [int(v) for v in _random.next_rng(None, "ShuffleDataset").integers(
                0, 2 ** 63, size=2)]
        else:
            gs = _random.global_seed()
            key = [int(gs if gs is not None else _random.DEFAULT_GRAPH_SEED) & (2 ** 64 - 1),
                   int(seed) & (2 ** 64 - 1)]
        epoch = [0]
        lock = threading.Lock()

        def rng_for_pass():
            with lock:
                e = epoch[0]
                if reshuffle:
                    epoch[0] += 1
            return np.random.Generator(np.random.Philox(key=key, counter=[e, 0, 0, 0]))

        if self._slices is not None:  # shuffle indices, not elements (same buffer semantics)
            element, flat, parent_indices = self._slices
            out = self._derived(None, self._card, spec_fn=self._same_spec())
            out._slices = (element, flat,
                           lambda: U.shuffle_order(parent_indices(), buffer_size,
                                                   rng_for_pass()))
            out._make_iter_fn = out._slice_elements
            return out

        def gen():
            rng = rng_for_pass()
            yield from U.shuffle(self._make_iter(), buffer_size, rng)
        return self._derived(gen, self._card, spec_fn=self._same_spec())

    def repeat(self, count=None, name=None):
        """Repeats the dataset `count` times (None or -1: forever)."""
        count = -1 if count is None else _check_count(count, "repeat's count")

        def gen():
            n = 0
            while count < 0 or n < count:
                empty = True
                for element in self._make_iter():
                    empty = False
                    yield element
                n += 1
                if empty:
                    return
        c = self._card
        if count == 0 or c == 0:
            card = 0
        elif count < 0:
            card = INFINITE if c != UNKNOWN else UNKNOWN
        else:
            card = c * count if c >= 0 else c
        return self._derived(gen, card, spec_fn=self._same_spec())

    def take(self, count, name=None):
        """The first `count` elements (-1: all)."""
        count = _check_count(count, "take's count")

        def gen():
            if count == 0:
                return
            for i, element in enumerate(self._make_iter()):
                yield element
                if count >= 0 and i + 1 >= count:
                    return
        c = self._card
        if count < 0:
            card = c
        elif c == INFINITE:
            card = count
        elif c == UNKNOWN:
            card = UNKNOWN
        else:
            card = min(c, count)
        return self._derived(gen, card, spec_fn=self._same_spec())

    def skip(self, count, name=None):
        """All but the first `count` elements (-1: skips everything)."""
        count = _check_count(count, "skip's count")

        def gen():
            if count < 0:
                for _ in self._make_iter():
                    pass
                return
            for i, element in enumerate(self._make_iter()):
                if i >= count:
                    yield element
        c = self._card
        if c == INFINITE:
            card = 0 if count < 0 else INFINITE
        elif c == UNKNOWN:
            card = UNKNOWN
        else:
            card = 0 if count < 0 else max(0, c - count)
        return self._derived(gen, card, spec_fn=self._same_spec())

    def prefetch(self, buffer_size, name=None):
        """Prepares up to `buffer_size` elements ahead on a background thread
        (`ts.data.AUTOTUNE`: a small buffer chosen by Tessera)."""
        size = int(np.asarray(buffer_size._a if isinstance(buffer_size, Tensor) else buffer_size))
        if size == AUTOTUNE:
            size = 2
        if size < 0:
            raise ValueError(f"prefetch: buffer_size must be >= 0 or AUTOTUNE, got {size}.")

        def gen():
            if size == 0:
                yield from self._make_iter()
            else:
                yield from U.prefetch(self._make_iter, size)
        return self._derived(gen, self._card, spec_fn=self._same_spec())

    def cache(self, filename="", name=None):
        """Caches the elements after the first complete iteration: in memory (`filename=""`)
        or in the file `filename` (a pickle written atomically, read by later iterations and
        later programs)."""
        filename = os.fspath(filename) if filename else ""
        store = {}

        def from_numpy(e):
            return nest.map_structure(lambda a: _wrap(a), e)

        def gen():
            if not filename:
                if "elements" in store:
                    yield from store["elements"]
                    return
                seen = []
                for element in self._make_iter():
                    seen.append(element)
                    yield element
                store["elements"] = seen
                return
            if os.path.exists(filename):
                with open(filename, "rb") as f:
                    data = pickle.load(f)
                if not isinstance(data, dict) or data.get("format") != "tessera.data.cache/1":
                    raise ValueError(f"cache: {filename!r} exists but is not a Tessera dataset "
                                     f"cache file; remove it or choose another filename.")
                for e in data["elements"]:
                    yield from_numpy(e)
                return
            seen = []
            for element in self._make_iter():
                seen.append(nest.map_structure(lambda t: np.asarray(t._a), element))
                yield element
            d = os.path.dirname(os.path.abspath(filename))
            os.makedirs(d, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".tscache-", dir=d)
            try:
                with os.fdopen(fd, "wb") as f:
                    pickle.dump({"format": "tessera.data.cache/1", "elements": seen}, f,
                                protocol=pickle.HIGHEST_PROTOCOL)
                os.replace(tmp, filename)
            except BaseException:
                if os.path.exists(tmp):
                    os.remove(tmp)
                raise
        return self._derived(gen, self._card, spec_fn=self._same_spec())

    def interleave(self, map_func, cycle_length=None, block_length=None,
                   num_parallel_calls=None, deterministic=None, name=None):
        """Maps each element to a Dataset and interleaves them: `cycle_length` open at once,
        `block_length` consecutive elements from each in turn."""
        cycle = U.num_workers(AUTOTUNE) if cycle_length in (None, AUTOTUNE) \
            else _positive(cycle_length, "cycle_length")
        block = 1 if block_length is None else _positive(block_length, "block_length")

        def open_fn(element):
            d = U.call_fn(map_func, element)
            if not isinstance(d, Dataset):
                raise TypeError(f"The interleave/flat_map function must return a "
                                f"ts.data.Dataset, got {type(d).__name__}.")
            return d._make_iter()

        def gen():
            yield from U.interleave(self._make_iter(), open_fn, cycle, block)
        return self._derived(gen, INFINITE if self._card == INFINITE else UNKNOWN)

    def flat_map(self, map_func, name=None):
        """Maps each element to a Dataset and concatenates them in order."""
        return self.interleave(map_func, cycle_length=1, block_length=1)

    def concatenate(self, dataset, name=None):
        """This dataset's elements followed by `dataset`'s (same structure and dtypes)."""
        _as_dataset(dataset, "concatenate's dataset")

        def gen():
            yield from self._make_iter()
            yield from dataset._make_iter()
        a, b = self._card, dataset._card
        if INFINITE in (a, b):
            card = INFINITE
        elif UNKNOWN in (a, b):
            card = UNKNOWN
        else:
            card = a + b

        def spec():
            sa, sb = self.element_spec, dataset.element_spec
            try:
                nest.assert_same_structure(sa, sb)
            except ValueError:
                raise TypeError(f"concatenate: the datasets have different element "
                                f"structures: {sa} and {sb}.") from None

            def merge(x, y):
                if x.dtype != y.dtype:
                    raise TypeError(f"concatenate: the datasets have different dtypes "
                                    f"{x.dtype.name} and {y.dtype.name}.")
                xs, ys = list(x.shape), list(y.shape)
                if len(xs) != len(ys):
                    return TensorSpec(None, x.dtype)
                return TensorSpec([p if p == q else None for p, q in zip(xs, ys)], x.dtype)
            return nest.map_structure(merge, sa, sb)
        if self._spec_known() and dataset._spec_known():
            spec()  # fail early on mismatched datasets, as TF does
        return self._derived(gen, card, spec_fn=spec)

    def enumerate(self, start=0, name=None):
        """Pairs each element with its index: `(index, element)` with int64 indices."""
        start = int(start)
        idx = Dataset.range(start, np.iinfo(np.int64).max)
        idx._card = INFINITE
        return Dataset.zip((idx, self))

    def window(self, size, shift=None, stride=1, drop_remainder=False, name=None):
        """Groups elements into windows, each a (nested structure of) Dataset(s) of up to
        `size` elements, starting every `shift` elements, taking every `stride`-th one."""
        size = _positive(size, "size")
        shift = size if shift is None else _positive(shift, "shift")
        stride = _positive(stride, "stride")
        span = (size - 1) * stride + 1

        def make_window(elements):
            structure = elements[0]
            flats = [nest.flatten(e) for e in elements]
            parts = []
            for c in range(len(flats[0])):
                comp = [f[c] for f in flats]
                parts.append(Dataset(lambda comp=comp: iter(comp), len(comp),
                                     TensorSpec(comp[0].shape, comp[0].dtype)))
            return nest.pack_sequence_as(structure, parts)

        def gen():
            it = self._make_iter()
            buf, base, done, start = [], 0, False, 0  # buf[0] is element number `base`
            while True:
                while not done and base + len(buf) < start + span:
                    try:
                        buf.append(next(it))
                    except StopIteration:
                        done = True
                picks = [buf[i - base] for i in range(start, start + span, stride)
                         if i - base < len(buf)]
                if not picks or (drop_remainder and len(picks) < size):
                    return
                yield make_window(picks)
                start += shift
                drop = min(len(buf), start - base)
                del buf[:drop]
                base += drop
        c = self._card
        if c < 0:
            card = c
        elif drop_remainder:
            card = 0 if c < span else (c - span) // shift + 1
        else:
            card = -(-c // shift)
        return self._derived(gen, card, spec_fn=lambda: nest.map_structure(
            lambda s: DatasetSpec(s), self.element_spec))

    def shard(self, num_shards, index, name=None):
        """Every `num_shards`-th element, starting at `index`."""
        num_shards = _positive(num_shards, "num_shards")
        index = int(index)
        if not 0 <= index < num_shards:
            raise InvalidArgumentError(f"shard: index must be in [0, num_shards) = "
                                       f"[0, {num_shards}), got index={index}.")

        def gen():
            for i, element in enumerate(self._make_iter()):
                if i % num_shards == index:
                    yield element
        c = self._card
        card = c if c < 0 else (c // num_shards + (1 if index < c % num_shards else 0))
        return self._derived(gen, card, spec_fn=self._same_spec())

    def apply(self, transformation_func):
        """Returns `transformation_func(self)` (which must return a Dataset)."""
        out = transformation_func(self)
        if not isinstance(out, Dataset):
            raise TypeError(f"apply: `transformation_func` must return a ts.data.Dataset, got "
                            f"{type(out).__name__}.")
        return out

    def reduce(self, initial_state, reduce_func, name=None):
        """Folds the elements: `state = reduce_func(state, element)`; returns the final state."""
        state = U.to_element(initial_state)
        for element in self:
            state = U.to_element(reduce_func(state, element))
        return state

    def assert_cardinality(self, expected_cardinality):
        """Checks while iterating that the dataset has exactly `expected_cardinality` elements
        (and reports that cardinality)."""
        expected = int(np.asarray(expected_cardinality._a if isinstance(
            expected_cardinality, Tensor) else expected_cardinality))

        def gen():
            n = 0
            for element in self._make_iter():
                n += 1
                if expected >= 0 and n > expected:
                    raise InvalidArgumentError(
                        f"Input dataset was expected to contain {expected} elements but "
                        f"contained at least {n} elements.")
                yield element
            if expected == INFINITE or (expected >= 0 and n < expected):
                raise InvalidArgumentError(
                    f"Input dataset was expected to contain "
                    f"{'an infinite number of' if expected == INFINITE else expected} elements "
                    f"but contained only {n} elements.")
        return self._derived(gen, expected, spec_fn=self._same_spec())


def _positive(v, what):
    n = int(np.asarray(v._a if isinstance(v, Tensor) else v))
    if n < 1:
        raise ValueError(f"{what} must be a positive integer, got {v!r}.")
    return n

"""Helpers shared by `ts.data`: element conversion, specs, batching and the iterator kernels."""
import itertools
import os
import queue
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ..core import nest
from ..core.errors import InvalidArgumentError
from ..core.spec import TensorSpec
from ..core.tensor import Tensor, _wrap, convert_to_tensor

AUTOTUNE = -1
INFINITE = -1
UNKNOWN = -2


def to_tensor(x, dtype=None):
    """One component of an element as a Tensor."""
    if isinstance(x, Tensor) and dtype is None:
        return x
    return convert_to_tensor(x, dtype=dtype)


def to_element(struct):
    """A user value (nested tuples/dicts of arrays, scalars, tensors) as an element of Tensors."""
    if isinstance(struct, dict):
        return type(struct)((k, to_element(v)) for k, v in struct.items())
    if isinstance(struct, tuple):  # tf.data treats lists as tensors, tuples as structures
        items = [to_element(v) for v in struct]
        return type(struct)(*items) if hasattr(struct, "_fields") else tuple(items)
    return to_tensor(struct)


def arr(t):
    return np.asarray(t._a) if isinstance(t, Tensor) else np.asarray(t)


def spec_of(element):
    """The nested `TensorSpec` structure describing one element."""
    def one(t):
        if isinstance(t, _DatasetLike):
            return t.spec_for_window()
        return TensorSpec(t.shape, t.dtype)
    return nest.map_structure(one, element)


class _DatasetLike:  # marker base so spec_of recognises nested Datasets
    def spec_for_window(self):
        raise NotImplementedError


def call_fn(fn, element):
    """Calls a user function the way tf.data does: a plain tuple is unpacked into arguments."""
    if type(element) is tuple:
        return fn(*element)
    return fn(element)


def stack(elements, what="batch"):
    """Stacks a list of elements (same structure) into one batched element."""
    first = elements[0]
    flats = [nest.flatten(e) for e in elements]
    out = []
    for c in range(len(flats[0])):
        arrs = [arr(f[c]) for f in flats]
        shape0 = arrs[0].shape
        for i, a in enumerate(arrs[1:], 1):
            if a.shape != shape0:
                raise InvalidArgumentError(
                    f"Cannot {what} tensors with different shapes in component {c}. First element "
                    f"had shape {list(shape0)} and element {i} had shape {list(a.shape)}. Use "
                    "`padded_batch` (or `ragged_batch`) to batch elements of different shapes.")
        out.append(_wrap(np.stack(arrs)))
    return nest.pack_sequence_as(first, out)


def flatten_up_to(structure, value):
    """Flattens `value` following `structure`'s nesting (lists and shapes in `value` are
    leaves); a non-nested `value` is broadcast to every leaf of `structure`."""
    if not nest.is_nested(structure):
        return [value]
    if isinstance(value, dict) and isinstance(structure, dict):
        return [v for k in sorted(structure) for v in flatten_up_to(structure[k], value[k])]
    if isinstance(value, tuple) and isinstance(structure, (tuple, list)):
        if len(value) != len(structure):
            raise ValueError(f"{value!r} does not match the element structure {structure!r}.")
        return [v for s, x in zip(structure, value) for v in flatten_up_to(s, x)]
    return [value] * len(nest.flatten(structure))


def pad_stack(elements, padded_shapes, padding_values):
    """Pads each component to `padded_shapes` (None dims: the batch's longest) and stacks."""
    first = elements[0]
    flats = [nest.flatten(e) for e in elements]
    n = len(flats[0])
    shapes = flatten_up_to(first, padded_shapes)
    values = flatten_up_to(first, padding_values)
    if len(shapes) != n or len(values) != n:
        raise ValueError(
            f"padded_batch: padded_shapes/padding_values must match the element structure "
            f"({n} components), got {padded_shapes!r} and {padding_values!r}.")
    out = []
    for c in range(n):
        arrs = [arr(f[c]) for f in flats]
        rank = arrs[0].ndim
        target = shapes[c]
        if target is None:
            target = [None] * rank
        target = list(np.asarray(target).reshape(-1)) if not isinstance(target, (list, tuple)) \
            else list(target)
        target = [None if (d is None or int(d) < 0) else int(d) for d in target]
        if len(target) != rank:
            raise ValueError(f"padded_batch: padded shape {target} for component {c} does not "
                             f"match the rank {rank} of its elements.")
        full = []
        for d in range(rank):
            longest = max(a.shape[d] for a in arrs)
            if target[d] is None:
                full.append(longest)
            else:
                if longest > target[d]:
                    raise InvalidArgumentError(
                        f"Attempted to pad to a smaller size than the input element: component "
                        f"{c} has size {longest} in dimension {d} but the padded shape is "
                        f"{target[d]}.")
                full.append(target[d])
        pv = values[c]
        if pv is None:
            pv = "" if arrs[0].dtype.kind in "OUS" else 0
        pv = arr(pv) if isinstance(pv, Tensor) else pv
        dtype = arrs[0].dtype
        res = np.full([len(arrs)] + full, pv, dtype=dtype)
        for i, a in enumerate(arrs):
            res[(i,) + tuple(slice(0, s) for s in a.shape)] = a
        out.append(_wrap(res))
    return nest.pack_sequence_as(first, out)


def unstack(element):
    """Splits a batched element into its rows."""
    flat = [arr(t) for t in nest.flatten(element)]
    if any(a.ndim == 0 for a in flat):
        raise InvalidArgumentError("Cannot unbatch an element with a scalar component: every "
                                   "component needs a leading batch dimension.")
    n = flat[0].shape[0]
    if any(a.shape[0] != n for a in flat):
        raise InvalidArgumentError(f"Cannot unbatch: the components have different batch sizes "
                                   f"{[a.shape[0] for a in flat]}.")
    for i in range(n):
        yield nest.pack_sequence_as(element, [_wrap(np.asarray(a[i])) for a in flat])


def num_workers(num_parallel_calls):
    if num_parallel_calls is None:
        return 1
    n = int(num_parallel_calls)
    if n == AUTOTUNE:
        return max(2, min(8, os.cpu_count() or 2))
    if n < 1:
        raise ValueError(f"num_parallel_calls must be a positive int or ts.data.AUTOTUNE, "
                         f"got {num_parallel_calls}.")
    return n


_MAP_CHUNK = 32     # elements per task of a parallel map
_TRIAL_CHUNKS = 4   # chunks timed each way by autotuned_map


def parallel_map(it, fn, workers, chunk=_MAP_CHUNK, control=None):
    """Applies `fn` on a thread pool, yielding in input order.

    Each task maps `chunk` consecutive elements: a Python map function holds the GIL, and
    handing single elements between threads would cost more than the calls themselves
    (with tasks of one element, two threads ran 3x slower than none). `2 * workers` tasks
    are in flight, so functions that release the GIL (large NumPy work, I/O) overlap.
    Setting `control["stop"]` makes it stop taking elements from `it`, deliver what is in
    flight and return, leaving `it` open where it stopped.
    """
    def run(elements):
        out = []
        for e in elements:
            try:
                out.append(fn(e))
            except BaseException as exc:  # the elements before it are still delivered
                return out, exc
        return out, None

    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="tessera-data-map")
    pending = []
    stopped = False
    try:
        while True:
            stopped = control is not None and control.get("stop", False)
            elements = [] if stopped else list(itertools.islice(it, chunk))
            if elements:
                pending.append(pool.submit(run, elements))
            if pending and (len(pending) >= 2 * workers or not elements):
                out, exc = pending.pop(0).result()
                yield from out
                if exc is not None:
                    raise exc  # the function's own exception, with its traceback
            elif not elements:
                return
    finally:
        for f in pending:
            f.cancel()
        pool.shutdown(wait=False)
        close = getattr(it, "close", None)
        if close is not None and not stopped:
            close()


def autotuned_map(it, fn, workers, tuned):
    """`parallel_map` or an inline map, whichever runs faster here (`ts.data.AUTOTUNE`).

    On the first pass, `_TRIAL_CHUNKS` chunks are mapped inline and as many on `workers`
    threads; the wall time per element of each trial (the consumer's own work included, so
    GIL contention counts) decides, and the choice is kept in `tuned` for later passes.
    """
    choice = tuned.get("workers")
    if choice is not None:
        yield from (parallel_map(it, fn, choice) if choice else (fn(e) for e in it))
        return
    n = _TRIAL_CHUNKS * _MAP_CHUNK
    t0 = time.perf_counter()
    for e in itertools.islice(it, n):
        yield fn(e)
    inline = (time.perf_counter() - t0) / n
    control = {}
    t0 = time.perf_counter()
    for k, out in enumerate(parallel_map(it, fn, workers, control=control)):
        yield out
        if k + 1 == n:
            threaded = (time.perf_counter() - t0) / n
            tuned["workers"] = workers if threaded < 0.8 * inline else 0
            control["stop"] = not tuned["workers"]
    if control.get("stop"):
        for e in it:   # the threads lost: the rest of the pass inline
            yield fn(e)


_DONE = object()


class _Raised:
    __slots__ = ("exc",)

    def __init__(self, exc):
        self.exc = exc


def prefetch(make_iter, size):
    """Runs the upstream iterator on a background thread, at most `size` elements ahead."""
    q = queue.Queue(maxsize=max(1, size))
    stop = threading.Event()

    def put(item):
        while not stop.is_set():
            try:
                q.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def produce():
        it = None
        try:
            it = make_iter()
            for element in it:
                if not put(element):
                    return
            put(_DONE)
        except BaseException as e:  # handed to the consumer, which re-raises it
            put(_Raised(e))
        finally:
            close = getattr(it, "close", None)
            if close is not None:
                try:
                    close()
                except Exception:
                    pass

    thread = threading.Thread(target=produce, name="tessera-data-prefetch", daemon=True)
    thread.start()
    try:
        while True:
            item = q.get()
            if item is _DONE:
                return
            if isinstance(item, _Raised):
                raise item.exc
            yield item
    finally:
        stop.set()
        thread.join(timeout=5)


def interleave(input_it, open_fn, cycle_length, block_length):
    """TensorFlow's interleave schedule: `cycle_length` open iterators, `block_length` each."""
    slots = [None] * cycle_length
    num_open = 0
    end_of_input = False
    idx = 0
    block = 0
    while not end_of_input or num_open > 0:
        cur = slots[idx]
        if cur is not None:
            try:
                element = next(cur)
            except StopIteration:
                slots[idx] = None
                num_open -= 1
                idx, block = (idx + 1) % cycle_length, 0
                continue
            block += 1
            if block == block_length:
                idx, block = (idx + 1) % cycle_length, 0
            yield element
        elif not end_of_input:
            try:
                src = next(input_it)
            except StopIteration:
                end_of_input = True
                continue
            slots[idx] = open_fn(src)
            num_open += 1
        else:
            idx, block = (idx + 1) % cycle_length, 0


def shuffle_order(order, buffer_size, rng):
    """`shuffle` applied to a sequence known in full (an index array), vectorised.

    Returns the same permutation as `shuffle(iter(order), buffer_size, rng)` with the same
    generator: the steady-state slot draws share one bound and are drawn in one call; the
    element emitted at step `j` is whatever the last earlier step wrote into slot `d[j]`
    (or the slot's initial element), found with one stable sort instead of a Python loop.
    """
    order = np.asarray(order, dtype=np.int64)
    n, size = len(order), buffer_size
    if n <= size:
        return order[_drain(np.arange(n), rng)]
    k = n - size
    d = rng.integers(size, size=k)
    by_slot = np.argsort(d, kind="stable")   # steps grouped by slot, in step order
    slots = d[by_slot]
    first = np.ones(k, dtype=bool)
    first[1:] = slots[1:] != slots[:-1]
    prev_step = np.empty(k, dtype=np.int64)   # the previous step that wrote the same slot
    prev_step[0] = -1
    prev_step[1:] = by_slot[:-1]
    emitted = np.empty(k, dtype=np.int64)
    emitted[by_slot] = np.where(first, slots, size + prev_step)
    last = np.ones(k, dtype=bool)              # the final write into each slot
    last[:-1] = first[1:]
    final = np.arange(size)
    final[slots[last]] = size + by_slot[last]
    return order[np.concatenate([emitted, _drain(final, rng)])]


def _drain(buf, rng):
    """Empties a shuffle buffer as `shuffle` does: a random slot out, the last slot into it."""
    buf = buf.tolist()
    out = []
    for i in rng.integers(np.arange(len(buf), 0, -1)).tolist() if buf else ():
        out.append(buf[i])
        buf[i] = buf[-1]
        buf.pop()
    return np.asarray(out, dtype=np.int64)


def shuffle(it, buffer_size, rng):
    """TensorFlow's shuffle buffer: fill, then emit a random slot and refill it."""
    buf = []
    for element in it:
        if len(buf) < buffer_size:
            buf.append(element)
            continue
        i = int(rng.integers(len(buf)))
        out = buf[i]
        buf[i] = element
        yield out
    while buf:
        i = int(rng.integers(len(buf)))
        out = buf[i]
        buf[i] = buf[-1]
        buf.pop()
        yield out

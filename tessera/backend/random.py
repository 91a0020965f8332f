"""Seeds and random-number state: the only place Tessera keeps global RNG state.

Everything random in Tessera (the `ts.random` ops, dropout, Keras initializers,
dataset shuffling) gets its NumPy `Generator` from here, so that
`ts.random.set_seed` makes a whole program reproducible.

TensorFlow's seed rules (see `tf.random.set_seed`), as implemented by `next_rng`:

1. no global seed, no op seed: fresh randomness (from the OS) on every call
   and every run;
2. global seed set, no op seed: every call gets its own op seed from a counter
   that `set_seed` resets, so a program repeats its sequence run after run;
3. op seed set, no global seed: the global seed defaults to
   `DEFAULT_GRAPH_SEED`, so the sequence is the same in every run;
4. both set: both determine the sequence.

In cases 3 and 4 the same (op name, op seed) pair called again continues its
own sequence (TensorFlow's per-kernel counter), and `set_seed` restarts it.

All generators are NumPy's counter-based Philox: the stream is a pure function
of a 128-bit key and a 256-bit counter, which makes stateless ops and
`ts.random.Generator` states cheap to express. Arrays come out on the CPU; the
callers move them to the device in scope.
"""
import threading
import zlib

import numpy as np

__all__ = ["DEFAULT_GRAPH_SEED", "set_seed", "get_seed", "global_seed", "next_rng",
           "rng_from_seed", "stateless_rng", "philox_from_state", "state_of",
           "scramble_seed", "global_generator", "set_global_generator",
           "get_global_generator_slot", "std_normal", "trunc_normal", "uniform01", "int_uniform",
           "new_seeds", "categorical"]

DEFAULT_GRAPH_SEED = 87654321
_MASK64 = (1 << 64) - 1
_MAXINT31 = (1 << 31) - 1

# Domain tags written into counter word 2 so that unrelated streams never share a key+counter.
TAG_SEEDED = 1      # op seed given (per-kernel counters)
TAG_UNSEEDED = 2    # op seed picked from the global seed's counter
TAG_STATELESS = 3   # stateless ops: the shape-[2] seed is the key
TAG_SPLIT = 4       # stateless_split
TAG_FOLD = 5        # stateless_fold_in
TAG_SEED_RNG = 6    # rng_from_seed

_lock = threading.Lock()
_state = {
    "seed": None,          # the global seed (int) or None
    "op_count": 0,         # ops drawn without an op seed since set_seed
    "kernels": {},         # (key, global seed, op seed) -> calls so far
    "generator": None,     # the global ts.random.Generator (set by ops/random.py)
    "generator_auto": False,  # True when the generator above was made automatically
}
_entropy_rng = np.random.Generator(np.random.Philox())  # seeded from the OS


def _u64(v):
    return int(v) & _MASK64


def _check_int(seed, what="seed"):
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        # Scalar tensors and 0-d arrays carry an int as well.
        try:
            arr = np.asarray(seed)
        except Exception:
            arr = None
        if arr is None or arr.ndim != 0 or arr.dtype.kind not in "iu":
            raise TypeError(f"{what} must be a Python int or None, got {seed!r}.")
        seed = arr.item()
    return int(seed)


def set_seed(seed):
    """Sets (or with None clears) the global seed and restarts every seeded sequence.

    Args:
        seed: a Python int, or None for non-deterministic behaviour.
    """
    seed = None if seed is None else _check_int(seed)
    with _lock:
        _state["seed"] = seed
        _state["op_count"] = 0
        _state["kernels"] = {}
        if _state["generator_auto"]:
            _state["generator"] = None
            _state["generator_auto"] = False


def global_seed():
    """The global seed set by `set_seed`, or None."""
    return _state["seed"]


def get_seed(op_seed):
    """TensorFlow's `(global seed, op seed)` pair for an op-level seed (both None: random).

    Picks the next op seed from the global seed's stream when only the global
    seed is set (advancing it), and uses `DEFAULT_GRAPH_SEED` when only the op
    seed is set.
    """
    op_seed = None if op_seed is None else _check_int(op_seed)
    with _lock:
        gs = _state["seed"]
        if gs is None:
            return (None, None) if op_seed is None else (DEFAULT_GRAPH_SEED, op_seed)
        if op_seed is None:
            n = _state["op_count"]
            _state["op_count"] = n + 1
            return gs, _op_seed_from_count(gs, n)
        return gs, op_seed


def _op_seed_from_count(gs, n):
    gen = np.random.Generator(np.random.Philox(key=[_u64(gs), _u64(n)],
                                               counter=[0, 0, TAG_UNSEEDED, 0]))
    return int(gen.integers(0, _MAXINT31))


def _philox(key0, key1, counter):
    return np.random.Generator(np.random.Philox(key=[_u64(key0), _u64(key1)], counter=counter))


def next_rng(seed=None, key=""):
    """A NumPy `Generator` for one random op, following TensorFlow's seed rules.

    This is the helper every random draw in Tessera goes through (random ops,
    dropout, Keras initializers, shuffling): call it once per op call and draw
    all of that call's numbers from the returned generator.

    Args:
        seed: the op-level seed (a Python int) or None.
        key: a name for the drawing site, e.g. the op name ("RandomStandardNormal",
            "dropout"). Calls with the same `key` and `seed` continue one sequence
            (the second call gives new numbers, as TensorFlow's kernel counter
            does); different keys with the same seed give independent sequences.

    Returns:
        A `numpy.random.Generator`. With no global seed and no op seed it draws
        from OS entropy; otherwise it is fully determined by the global seed,
        the op seed (or the number of unseeded ops drawn since `set_seed`), `key`
        and the number of earlier calls with the same key and seed.

    Example:
    >>> rng = next_rng(seed=None, key="dropout")
    >>> mask = rng.random((4, 4), dtype=np.float32) >= 0.5
    """
    op_seed = None if seed is None else _check_int(seed)
    with _lock:
        gs = _state["seed"]
        if gs is None and op_seed is None:
            return _entropy_rng
        if op_seed is None:
            n = _state["op_count"]
            _state["op_count"] = n + 1
            return _philox(gs, n, [0, 0, TAG_UNSEEDED, zlib.crc32(key.encode())])
        if gs is None:
            gs = DEFAULT_GRAPH_SEED
        k = (key, gs, op_seed)
        calls = _state["kernels"].get(k, 0)
        _state["kernels"][k] = calls + 1
    return _philox(gs, op_seed, [0, calls, TAG_SEEDED, zlib.crc32(key.encode())])


def rng_from_seed(seed):
    """A fresh `Generator` determined only by the int `seed` (no global state involved).

    For initializers that must return the same values on every call when given
    a seed (Keras 3's rule for integer seeds).
    """
    return _philox(_check_int(seed), 0, [0, 0, TAG_SEED_RNG, 0])


def _seed_pair(seed):
    s = np.asarray(seed)
    if s.shape != (2,) or s.dtype.kind not in "iu":
        raise ValueError(f"a stateless seed must be a shape-[2] integer tensor, got {seed!r}.")
    return int(s[0]), int(s[1])


def stateless_rng(seed, tag=TAG_STATELESS, extra=0):
    """The `Generator` of a stateless op: a pure function of the shape-[2] `seed`.

    Args:
        seed: two integers (a list, NumPy array of shape [2]).
        tag: a domain tag keeping different uses of one seed apart (sampling,
            split, fold_in).
        extra: an extra integer mixed into the stream (fold_in's data).
    """
    s0, s1 = _seed_pair(seed)
    return _philox(s0, s1, [0, _u64(extra), tag, 0])


def scramble_seed(seed):
    """Mixes an int (or a sequence of ints) into a 64-bit key, for `Generator.from_seed`."""
    if isinstance(seed, (list, tuple, np.ndarray)):
        words = [_u64(v) for v in np.asarray(seed).ravel().tolist()]
    else:
        words = [_u64(_check_int(seed))]
    ss = np.random.SeedSequence(words or [0])
    return int(ss.generate_state(1, dtype=np.uint64)[0])


def entropy_state():
    """Three random 64-bit words from the OS: a non-deterministic Philox state."""
    return np.random.SeedSequence().generate_state(3, dtype=np.uint64).astype(np.int64)


# -- samplers: NumPy generator in, NumPy array out (the ops move results to the device) ------------
_F16, _F32, _F64 = np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64)


def work(npd):
    """The dtype NumPy samples in for output dtype `npd` (float32 for float16/bfloat16)."""
    return npd if npd in (_F32, _F64) else _F32


def std_normal(rng, shape, npd):
    """Standard normal samples of `shape` and dtype `npd`."""
    return np.asarray(rng.standard_normal(shape, dtype=work(npd))).astype(npd, copy=False)


def trunc_normal(rng, shape, npd):
    """Standard normal samples re-drawn until all lie within [-2, 2]."""
    wd = work(npd)
    x = np.asarray(rng.standard_normal(shape, dtype=wd))
    flat = x.reshape(-1)
    bad = np.flatnonzero(np.abs(flat) > 2)
    while bad.size:  # resample values more than 2 standard deviations out
        flat[bad] = rng.standard_normal(bad.size, dtype=wd)
        bad = bad[np.abs(flat[bad]) > 2]
    return x.astype(npd, copy=False)


def uniform01(rng, shape, npd):
    """Uniform samples in [0, 1) of float dtype `npd`."""
    if npd in (_F32, _F64):
        return np.asarray(rng.random(shape, dtype=npd))
    bits = 11 if npd == _F16 else 8  # significant bits of float16 / bfloat16: stays below 1
    u = np.floor(np.asarray(rng.random(shape, dtype=np.float32)) * (1 << bits)) / (1 << bits)
    return u.astype(npd)


def int_uniform(rng, shape, lo, hi, npd):
    """Integers in [lo, hi) of dtype `npd`; `lo=None` gives the dtype's full range."""
    if lo is None:
        return new_seeds(rng, shape, npd)
    return np.asarray(rng.integers(lo, hi, size=shape, dtype=npd))


def new_seeds(rng, shape, npd):
    """Integers over the whole range of integer dtype `npd` (seeds for stateless ops)."""
    info = np.iinfo(npd)
    return np.asarray(rng.integers(info.min, info.max, size=shape, dtype=npd, endpoint=True))


def categorical(rng, logits, num_samples, npd):
    """`[batch, num_samples]` class indices drawn from each row of 2-D `logits` (inverse CDF)."""
    lg = np.asarray(logits, dtype=np.float64)
    b, c = lg.shape
    m = np.max(lg, axis=1, keepdims=True)
    cdf = np.cumsum(np.exp(lg - np.where(np.isfinite(m), m, 0)), axis=1)
    u = rng.random((b, num_samples))
    out = np.empty((b, num_samples), dtype=npd)
    for i in range(b):  # the first class whose cumulative mass exceeds u * total
        out[i] = np.searchsorted(cdf[i], u[i] * cdf[i, -1], side="right")
    np.minimum(out, c - 1, out=out)
    return out


# -- ts.random.Generator states ------------------------------------------------------------------
# A Generator's state is TensorFlow's Philox layout, an int64 vector [counter_lo, counter_hi, key];
# it maps onto NumPy's Philox as counter=[lo, hi, 0, 0], key=[key, GEN_KEY1].
GEN_KEY1 = 0x5445535345524100  # "TESSERA\0": keeps Generator streams apart from the others


def philox_from_state(state):
    """A NumPy `Generator` positioned at a `ts.random.Generator` state [counter_lo, counter_hi, key]."""
    s = np.asarray(state).astype(np.int64).view(np.uint64)
    return np.random.Generator(np.random.Philox(
        key=[int(s[2]), GEN_KEY1], counter=[int(s[0]), int(s[1]), 0, 0]))


def state_of(gen):
    """The state after drawing from a generator made by `philox_from_state`.

    Continuing from it never reuses a block of random bits (a partly used block
    is skipped).
    """
    st = gen.bit_generator.state["state"]
    c, k = st["counter"], st["key"]
    return np.array([c[0], c[1], k[0]], dtype=np.uint64).view(np.int64)


# -- the global ts.random.Generator (its class lives in ops/random.py) -------------------------
def get_global_generator_slot():
    """`(generator or None, made_automatically)` for `ts.random.get_global_generator`."""
    return _state["generator"], _state["generator_auto"]


def global_generator(make):
    """Returns the global generator, creating it with `make(seed_or_None)` on first use.

    The generator made automatically starts from the global seed when one is
    set (so it is reproducible), otherwise from OS entropy. `set_seed` discards
    an automatically made generator; one installed with `set_global_generator`
    is kept.
    """
    with _lock:
        g = _state["generator"]
        if g is None:
            g = make(_state["seed"])
            _state["generator"] = g
            _state["generator_auto"] = True
        return g


def set_global_generator(generator):
    """Installs `generator` as the global generator (kept across `set_seed`)."""
    with _lock:
        _state["generator"] = generator
        _state["generator_auto"] = False

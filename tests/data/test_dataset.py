import os
import pickle
import threading
import time
import traceback

import numpy as np
import pytest

import tessera as ts
from tessera import keras

D = ts.data.Dataset


def vals(ds):
    return [np.asarray(v).tolist() for v in ds.as_numpy_iterator()]


# -- sources --------------------------------------------------------------------------------
def test_from_tensor_slices_nested_and_spec():
    x = np.arange(6, dtype=np.float32).reshape(3, 2)
    y = np.array([0, 1, 2])
    ds = D.from_tensor_slices((x, {"b": y}))
    els = list(ds)
    assert len(els) == 3 and len(ds) == 3
    np.testing.assert_array_equal(els[1][0].numpy(), x[1])
    assert int(els[2][1]["b"]) == 2
    sx, sy = ds.element_spec
    assert sx == ts.TensorSpec([2], ts.float32) and sy["b"].shape == ts.TensorShape([])
    assert ds.cardinality().numpy() == 3
    with pytest.raises(ValueError, match="same size in the first dimension"):
        D.from_tensor_slices((np.zeros(3), np.zeros(4)))


def test_from_tensors_range_zip_concatenate():
    ds = D.from_tensors(([1, 2], 3.0))
    (a, b), = list(ds.as_numpy_iterator())
    assert a.tolist() == [1, 2] and b == 3.0
    assert vals(D.range(2, 10, 3)) == [2, 5, 8]
    assert D.range(5).element_spec.dtype == ts.int64
    z = D.zip(D.range(3), D.range(10, 20))
    assert vals(z) == [[0, 10], [1, 11], [2, 12]] and len(z) == 3
    zd = D.zip({"a": D.range(2), "b": D.range(5, 7)})
    assert [dict((k, int(v)) for k, v in e.items()) for e in zd] == [{"a": 0, "b": 5},
                                                                       {"a": 1, "b": 6}]
    c = D.range(3).concatenate(D.range(7, 9))
    assert vals(c) == [0, 1, 2, 7, 8] and len(c) == 5
    with pytest.raises(TypeError, match="dtypes"):
        D.range(3).concatenate(D.from_tensor_slices(np.zeros(2, np.float32)))


def test_from_generator_signature_and_args():
    def gen(n):
        for i in range(int(n)):
            yield np.full([i + 1], i), i * 1.5

    sig = (ts.TensorSpec([None], ts.int32), ts.TensorSpec([], ts.float32))
    ds = D.from_generator(gen, output_signature=sig, args=(3,))
    out = list(ds)
    assert [o[0].numpy().tolist() for o in out] == [[0], [1, 1], [2, 2, 2]]
    assert out[1][0].dtype == ts.int32 and out[2][1].dtype == ts.float32
    assert ds.element_spec == sig
    assert ds.cardinality().numpy() == ts.data.UNKNOWN_CARDINALITY
    with pytest.raises(TypeError, match="length is unknown"):
        len(ds)
    bad = D.from_generator(lambda: iter([np.zeros(3)]),
                           output_signature=ts.TensorSpec([2], ts.float32))
    with pytest.raises(TypeError, match="shape"):
        list(bad)
    with pytest.raises(TypeError, match="callable"):
        D.from_generator(gen(2), output_signature=sig)


def test_list_files(tmp_path):
    for n in "cab":
        (tmp_path / f"{n}.txt").write_text(n)
    (tmp_path / "z.csv").write_text("z")
    pat = str(tmp_path / "*.txt")
    names = [os.path.basename(v.decode()) for v in D.list_files(pat, shuffle=False)
             .as_numpy_iterator()]
    assert names == ["a.txt", "b.txt", "c.txt"]
    s1 = vals(D.list_files(pat, seed=3))
    s2 = vals(D.list_files(pat, seed=3))
    assert s1 == s2 and sorted(s1) == sorted(vals(D.list_files(pat, shuffle=False)))
    with pytest.raises(ts.errors.InvalidArgumentError, match="match at least one file"):
        D.list_files(str(tmp_path / "*.nope"))


# -- transformations ------------------------------------------------------------------------
def test_map_filter_unpacking():
    ds = D.from_tensor_slices((np.arange(5), np.arange(5) * 10))
    m = ds.map(lambda a, b: a + b).filter(lambda s: s % 2 == 0)
    assert vals(m) == [0, 22, 44]
    d = D.from_tensor_slices({"a": np.arange(3)}).map(lambda e: e["a"] * 2)
    assert vals(d) == [0, 2, 4]
    assert D.range(4).map(lambda x: x).cardinality().numpy() == 4
    with pytest.raises(ValueError, match="scalar boolean"):
        list(D.range(3).filter(lambda x: x))


def test_parallel_map_keeps_order_and_uses_threads():
    threads = set()

    def f(x):
        threads.add(threading.current_thread().name)
        time.sleep(0.002 * (5 - int(x) % 5))  # later elements finish first
        return x * x
    out = vals(D.range(100).map(f, num_parallel_calls=4))
    assert out == [i * i for i in range(100)]
    assert any("tessera-data-map" in t for t in threads)


@pytest.mark.parametrize("autotune", [ts.data.AUTOTUNE, ts.data.experimental.AUTOTUNE])
def test_autotuned_map_keeps_order_and_picks_threads_for_gil_free_work(autotune):
    """AUTOTUNE times the first elements inline and on threads: a function that waits
    without the GIL (here sleep) runs about twice as fast on two threads, so threads win;
    the output order is the input order throughout the switch."""
    threads = []

    def f(x):
        threads.append(threading.current_thread().name)
        time.sleep(0.002)
        return x * 3
    n = 2 * 2 * 4 * 32 + 37   # both trials, then more
    assert vals(D.range(n).map(f, num_parallel_calls=autotune)) == [3 * i for i in range(n)]
    assert not any("tessera-data-map" in t for t in threads[:128])   # the inline trial
    assert all("tessera-data-map" in t for t in threads[-100:])      # threads were kept


def test_autotuned_map_on_python_work_keeps_order_and_errors():
    ds = D.range(700).map(lambda x: x + 1, num_parallel_calls=ts.data.AUTOTUNE)
    assert vals(ds) == list(range(1, 701)) and vals(ds) == list(range(1, 701))

    def bad(x):
        if int(x) == 500:
            raise KeyError("boom-at-500")
        return x
    got = []
    with pytest.raises(KeyError, match="boom-at-500"):
        for v in D.range(700).map(bad, num_parallel_calls=ts.data.AUTOTUNE):
            got.append(int(v))
    assert got == list(range(500))


def _user_fn_that_fails(x):
    raise KeyError("boom-in-user-code")


@pytest.mark.parametrize("npc", [None, 3])
def test_map_error_shows_user_traceback(npc):
    ds = D.range(3).map(_user_fn_that_fails, num_parallel_calls=npc).prefetch(1)
    with pytest.raises(KeyError, match="boom-in-user-code") as info:
        list(ds)
    names = [fr.name for fr in traceback.extract_tb(info.value.__traceback__)]
    assert "_user_fn_that_fails" in names


def test_batch_and_drop_remainder():
    ds = D.from_tensor_slices((np.arange(7), np.arange(7.0))).batch(3)
    b = list(ds)
    assert [x.numpy().tolist() for x, _ in b] == [[0, 1, 2], [3, 4, 5], [6]]
    assert len(ds) == 3 and ds.element_spec[0].shape.as_list() == [None]
    dd = D.range(7).batch(3, drop_remainder=True)
    assert vals(dd) == [[0, 1, 2], [3, 4, 5]] and len(dd) == 2
    assert dd.element_spec.shape.as_list() == [3]
    ragged = D.from_generator(lambda: iter([np.zeros(2), np.zeros(3)]),
                              output_signature=ts.TensorSpec([None], ts.float64))
    with pytest.raises(ts.errors.InvalidArgumentError, match="different shapes"):
        list(ragged.batch(2))
    with pytest.raises(ValueError, match="batch_size"):
        D.range(3).batch(0)


def test_padded_batch():
    ds = D.range(1, 5).map(lambda x: ts.fill([x], x))
    out = vals(ds.padded_batch(2))
    assert out == [[[1, 0], [2, 2]], [[3, 3, 3, 0], [4, 4, 4, 4]]]
    out = vals(ds.padded_batch(2, padded_shapes=[5], padding_values=ts.constant(-1, ts.int64)))
    assert out[0] == [[1, -1, -1, -1, -1], [2, 2, -1, -1, -1]]
    with pytest.raises(ts.errors.InvalidArgumentError, match="smaller size"):
        list(ds.padded_batch(2, padded_shapes=[2]))


def test_unbatch_rebatch():
    ds = D.range(7).batch(3)
    assert vals(ds.unbatch()) == list(range(7))
    assert vals(ds.rebatch(2)) == [[0, 1], [2, 3], [4, 5], [6]]
    assert ds.unbatch().element_spec.shape.as_list() == []


def test_shuffle_buffer_semantics_and_determinism():
    ds = D.range(20).shuffle(5, seed=7, reshuffle_each_iteration=True)
    e1, e2 = vals(ds), vals(ds)
    assert sorted(e1) == list(range(20)) and e1 != e2
    again = D.range(20).shuffle(5, seed=7)
    assert vals(again) == e1 and vals(again) == e2  # same seed: the same epoch sequence
    fixed = D.range(20).shuffle(5, seed=7, reshuffle_each_iteration=False)
    assert vals(fixed) == vals(fixed)
    # buffer semantics: output i is one of the first i + buffer_size inputs
    for i, v in enumerate(e1):
        assert v < i + 5
    assert vals(D.range(5).shuffle(1, seed=0)) == [0, 1, 2, 3, 4]
    # repeat after shuffle reshuffles each repetition
    r = vals(D.range(10).shuffle(10, seed=1).repeat(2))
    assert sorted(r[:10]) == list(range(10)) and r[:10] != r[10:]
    ts.random.set_seed(5)
    a = vals(D.range(10).shuffle(10))
    ts.random.set_seed(5)
    b = vals(D.range(10).shuffle(10))
    assert a == b


def test_repeat_take_skip_cardinality():
    assert vals(D.range(3).repeat(2)) == [0, 1, 2, 0, 1, 2]
    inf = D.range(3).repeat()
    assert inf.cardinality().numpy() == ts.data.INFINITE_CARDINALITY
    with pytest.raises(TypeError, match="infinite"):
        len(inf)
    t = inf.take(7)
    assert vals(t) == [0, 1, 2, 0, 1, 2, 0] and len(t) == 7
    assert vals(D.range(5).skip(2)) == [2, 3, 4] and len(D.range(5).skip(2)) == 3
    assert vals(D.range(5).take(-1)) == list(range(5))
    assert vals(D.range(5).skip(-1)) == [] and len(D.range(5).skip(10)) == 0
    assert D.range(10).filter(lambda x: x > 3).cardinality().numpy() == -2


def test_prefetch_thread_stops_on_early_exit():
    def alive():
        return [t for t in threading.enumerate() if t.name == "tessera-data-prefetch"]
    before = len(alive())
    ds = D.range(1000000).prefetch(3)
    for i, x in enumerate(ds):
        if i == 5:
            break
    del x
    deadline = time.time() + 3
    while len(alive()) > before and time.time() < deadline:
        time.sleep(0.01)
    assert len(alive()) == before
    assert vals(D.range(50).map(lambda x: x + 1).prefetch(ts.data.AUTOTUNE)) == \
        list(range(1, 51))

    def bad():
        yield 1
        raise RuntimeError("gen failed")
    with pytest.raises(RuntimeError, match="gen failed"):
        list(D.from_generator(bad, output_signature=ts.TensorSpec([], ts.int32)).prefetch(2))


def test_cache_memory_and_file(tmp_path):
    calls = []

    def f(x):
        calls.append(int(x))
        return x * 3
    ds = D.range(4).map(f).cache()
    assert vals(ds) == [0, 3, 6, 9] and vals(ds) == [0, 3, 6, 9]
    assert calls == [0, 1, 2, 3]
    path = str(tmp_path / "sub" / "c.cache")
    calls.clear()
    fds = D.range(4).map(lambda x: (f(x), ts.cast(x, ts.float32))).cache(path)
    first = vals(fds)
    assert os.path.exists(path) and calls == [0, 1, 2, 3]
    assert not [p for p in os.listdir(tmp_path / "sub") if p.startswith(".tscache")]
    again = D.range(4).map(lambda x: (f(x), ts.cast(x, ts.float32))).cache(path)
    assert vals(again) == first and calls == [0, 1, 2, 3]
    assert list(again)[1][1].dtype == ts.float32
    with open(path, "rb") as fh:
        assert pickle.load(fh)["format"] == "tessera.data.cache/1"
    # an interrupted first pass writes nothing
    p2 = str(tmp_path / "partial.cache")
    for i, _ in enumerate(D.range(10).cache(p2)):
        if i == 2:
            break
    assert not os.path.exists(p2)


def test_interleave_and_flat_map():
    ds = D.range(1, 6).interleave(lambda x: D.from_tensors(x).repeat(6), cycle_length=2,
                                  block_length=4)
    assert vals(ds) == [1, 1, 1, 1, 2, 2, 2, 2, 1, 1, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 3, 3, 4,
                        4, 5, 5, 5, 5, 5, 5]
    fm = D.range(1, 4).flat_map(lambda x: D.range(x))
    assert vals(fm) == [0, 0, 1, 0, 1, 2]
    with pytest.raises(TypeError, match="must return a ts.data.Dataset"):
        list(D.range(2).flat_map(lambda x: x))


def test_enumerate_window_shard_apply_reduce():
    e = list(D.from_tensor_slices(np.array([7, 8])).enumerate(start=5))
    assert [(int(i), int(v)) for i, v in e] == [(5, 7), (6, 8)]
    assert e[0][0].dtype == ts.int64
    w = [vals(x) for x in D.range(7).window(3, shift=2)]
    assert w == [[0, 1, 2], [2, 3, 4], [4, 5, 6], [6]]
    w = [vals(x) for x in D.range(7).window(3, shift=2, drop_remainder=True)]
    assert w == [[0, 1, 2], [2, 3, 4], [4, 5, 6]]
    assert len(D.range(7).window(3, shift=2, drop_remainder=True)) == 3
    w = [vals(x) for x in D.range(10).window(3, shift=3, stride=2, drop_remainder=True)]
    assert w == [[0, 2, 4], [3, 5, 7]]
    tw = list(D.from_tensor_slices((np.arange(4), np.arange(4) * 2)).window(2))
    assert vals(tw[1][1]) == [4, 6]
    flat = D.range(6).window(2).flat_map(lambda w: w.batch(2))
    assert vals(flat) == [[0, 1], [2, 3], [4, 5]]
    s = D.range(10).shard(3, 1)
    assert vals(s) == [1, 4, 7] and len(s) == 3
    with pytest.raises(ts.errors.InvalidArgumentError, match="index"):
        D.range(10).shard(3, 3)
    assert vals(D.range(5).apply(lambda d: d.skip(3))) == [3, 4]
    total = D.range(5).reduce(np.int64(0), lambda s, x: s + x)
    assert int(total) == 10
    st = D.from_tensor_slices(np.arange(1.0, 4.0, dtype=np.float32)).reduce((0.0, 1.0),
                                                           lambda s, x: (s[0] + x, s[1] * x))
    assert float(st[0]) == 6.0 and float(st[1]) == 6.0


def test_assert_cardinality():
    gen = D.from_generator(lambda: iter(range(3)), output_signature=ts.TensorSpec([], ts.int64))
    ok = gen.apply(ts.data.experimental.assert_cardinality(3))
    assert len(ok) == 3 and vals(ok) == [0, 1, 2]
    with pytest.raises(ts.errors.InvalidArgumentError, match="expected to contain 5"):
        list(gen.apply(ts.data.experimental.assert_cardinality(5)))
    with pytest.raises(ts.errors.InvalidArgumentError, match="at least 3"):
        list(gen.apply(ts.data.experimental.assert_cardinality(2)))


def test_iterator_get_next_and_errors():
    it = iter(D.range(2))
    assert int(it.get_next()) == 0 and int(next(it)) == 1
    with pytest.raises(ts.errors.OutOfRangeError):
        it.get_next()
    with pytest.raises(TypeError, match="must be a ts.data.Dataset"):
        D.range(2).concatenate([1, 2])
    with pytest.raises(ValueError, match="buffer_size"):
        D.range(2).shuffle(0)


# -- Keras integration ----------------------------------------------------------------------
def _model():
    m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    m.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    return m


def test_keras_fit_evaluate_predict_with_dataset():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3)).astype(np.float32)
    y = (x @ np.array([[1.0], [-2.0], [0.5]], np.float32) + 0.3).astype(np.float32)
    ds = D.from_tensor_slices((x, y)).shuffle(64, seed=0).batch(16).prefetch(2)
    m = _model()
    h = m.fit(ds, epochs=30, verbose=0)
    assert h.history["loss"][-1] < 0.05 * h.history["loss"][0]
    loss = m.evaluate(D.from_tensor_slices((x, y)).batch(16), verbose=0)
    w, b = m.layers[-1].get_weights() if hasattr(m.layers[-1], "get_weights") else (None, None)
    pred_np = x @ np.asarray(w) + np.asarray(b)
    assert np.isclose(loss, np.mean((pred_np - y) ** 2), rtol=1e-4)
    p = m.predict(D.from_tensor_slices(x).batch(10), verbose=0)
    np.testing.assert_allclose(np.asarray(p), pred_np, rtol=1e-5, atol=1e-5)
    p1 = m.predict(D.from_tensor_slices((x,)).batch(10), verbose=0)
    np.testing.assert_allclose(np.asarray(p1), pred_np, rtol=1e-5, atol=1e-5)


def test_keras_fit_infinite_dataset_with_steps_and_validation():
    x = np.linspace(0, 1, 24, dtype=np.float32).reshape(8, 3)
    y = x.sum(1, keepdims=True)
    m = _model()
    h = m.fit(D.from_tensor_slices((x, y)).repeat().batch(4), epochs=2, steps_per_epoch=3,
              validation_data=D.from_tensor_slices((x, y)).batch(4), verbose=0)
    assert len(h.history["loss"]) == 2 and len(h.history["val_loss"]) == 2
    assert all(np.isfinite(h.history["loss"]))


def test_in_memory_fast_path_matches_element_path():
    """from_tensor_slices -> shuffle -> batch gathers whole batches by index; the result
    must equal the element-by-element path (here forced by an identity map)."""
    x = np.arange(50 * 3, dtype=np.float32).reshape(50, 3)
    y = np.arange(50)
    shuffled = ts.data.Dataset.from_tensor_slices((x, y)).shuffle(16, seed=7)
    mapped = (ts.data.Dataset.from_tensor_slices((x, y)).map(lambda a, b: (a, b))
              .shuffle(16, seed=7))
    assert shuffled._slices is not None and mapped._slices is None
    fast, slow = shuffled.batch(8), mapped.batch(8)
    for (fa, fb), (sa, sb) in zip(fast, slow):
        np.testing.assert_array_equal(fa.numpy(), sa.numpy())
        np.testing.assert_array_equal(fb.numpy(), sb.numpy())
    assert len(list(fast)) == 7 and sorted(np.concatenate([b.numpy() for _, b in fast])) == list(y)
    dropped = ts.data.Dataset.from_tensor_slices(x).batch(8, drop_remainder=True)
    assert [tuple(b.shape) for b in dropped] == [(8, 3)] * 6


def test_vectorised_index_shuffle_equals_buffer_shuffle():
    """`shuffle_order` (the in-memory fast path) emits exactly what the element-by-element
    TensorFlow buffer shuffle emits with the same generator, for every buffer size."""
    from tessera.data import _util as U
    for n, size in [(1, 1), (7, 3), (50, 16), (50, 50), (50, 80), (300, 1), (1000, 97)]:
        for seed in range(3):
            order = np.arange(n) * 10 + 5
            fast = U.shuffle_order(order, size, np.random.Generator(np.random.Philox(seed)))
            slow = list(U.shuffle(iter(order.tolist()), size,
                                  np.random.Generator(np.random.Philox(seed))))
            assert fast.tolist() == slow and sorted(slow) == order.tolist()
    assert U.shuffle_order(np.arange(0), 4, np.random.default_rng(0)).tolist() == []

"""Tests for ts.random: seeds, distributions, stateless ops, Generator, errors."""
import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tessera as ts
from tessera.backend import random as brng
from tessera.core.errors import InvalidArgumentError, UnimplementedError
from tests.gradcheck import check_grad

try:  # bfloat16 needs the optional ml_dtypes package
    import ml_dtypes  # noqa: F401
    _BF16 = (ts.bfloat16,)
except ImportError:
    _BF16 = ()

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(autouse=True)
def _clean_rng_state():
    saved = dict(brng._state)
    brng.set_seed(None)
    yield
    brng._state.update(saved)
    brng.set_seed(None)


def _run(code):
    out = subprocess.run([sys.executable, "-c", "import tessera as ts\n" + code],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout


# -- seeds: reproducibility across processes ------------------------------------------------------
_PROGRAM = """
ts.random.set_seed(1234)
vals = [ts.random.normal([3]), ts.random.uniform([3]), ts.random.uniform([3], maxval=100, dtype=ts.int64),
        ts.random.truncated_normal([3]), ts.random.shuffle(ts.range(6)), ts.random.normal([2], seed=7),
        ts.random.categorical([[0.0, 1.0, 2.0]], 5), ts.random.get_global_generator().normal([2])]
print(repr([v.numpy().tolist() for v in vals]))
"""


def test_global_seed_same_numbers_in_fresh_processes():
    first, second = _run(_PROGRAM), _run(_PROGRAM)
    assert first == second
    assert len(eval(first)) == 8


def test_op_seed_alone_is_reproducible_across_processes():
    code = "print(ts.random.uniform([4], seed=3).numpy().tolist(), ts.random.uniform([4], seed=3).numpy().tolist())"
    a, b = _run(code), _run(code)
    assert a == b
    first, second = eval(a.replace("] [", "], ["))
    assert first != second  # the same op seed continues its sequence within a program


def test_no_seed_differs_across_processes():
    code = "print(ts.random.normal([4]).numpy().tolist())"
    assert _run(code) != _run(code)


def test_set_seed_restarts_the_sequence():
    ts.random.set_seed(5)
    a1, a2 = ts.random.uniform([4]).numpy(), ts.random.uniform([4]).numpy()
    b1 = ts.random.uniform([3], maxval=3, dtype=ts.int32, seed=10).numpy()
    b2 = ts.random.uniform([3], maxval=3, dtype=ts.int32, seed=10).numpy()
    assert not np.array_equal(a1, a2)
    ts.random.set_seed(5)
    np.testing.assert_array_equal(ts.random.uniform([4]).numpy(), a1)
    np.testing.assert_array_equal(ts.random.uniform([4]).numpy(), a2)
    np.testing.assert_array_equal(ts.random.uniform([3], maxval=3, dtype=ts.int32, seed=10).numpy(), b1)
    np.testing.assert_array_equal(ts.random.uniform([3], maxval=3, dtype=ts.int32, seed=10).numpy(), b2)


def test_different_seeds_differ():
    ts.random.set_seed(1)
    a = ts.random.normal([8]).numpy()
    ts.random.set_seed(2)
    b = ts.random.normal([8]).numpy()
    assert not np.allclose(a, b)
    ts.random.set_seed(1)
    c, d = ts.random.normal([8], seed=1).numpy(), ts.random.normal([8], seed=2).numpy()
    assert not np.allclose(c, d)
    # the global seed changes what an op seed gives
    ts.random.set_seed(3)
    assert not np.allclose(ts.random.normal([8], seed=1).numpy(), c)


def test_set_seed_none_is_nondeterministic():
    ts.random.set_seed(4)
    ts.random.set_seed(None)
    assert not np.allclose(ts.random.normal([8]).numpy(), ts.random.normal([8]).numpy())
    assert brng.global_seed() is None


def test_next_rng_helper_follows_the_rules():
    assert brng.next_rng() is brng.next_rng()  # both unset: the shared entropy stream
    brng.set_seed(9)
    a = brng.next_rng(key="dropout").random(4)
    b = brng.next_rng(key="dropout").random(4)
    assert not np.allclose(a, b)
    brng.set_seed(9)
    np.testing.assert_array_equal(brng.next_rng(key="dropout").random(4), a)
    x = brng.next_rng(seed=1, key="x").random(4)
    y = brng.next_rng(seed=1, key="y").random(4)
    assert not np.allclose(x, y)  # different keys: independent sequences
    np.testing.assert_array_equal(brng.rng_from_seed(3).random(3), brng.rng_from_seed(3).random(3))
    with pytest.raises(TypeError, match="seed must be a Python int"):
        brng.next_rng(seed=1.5)


# -- distributions -------------------------------------------------------------------------------
def test_normal_moments_and_dtypes():
    x = ts.random.normal([200000], mean=3.0, stddev=2.0, seed=1)
    assert x.dtype == ts.float32 and x.shape == (200000,)
    v = x.numpy()
    assert abs(v.mean() - 3.0) < 0.03 and abs(v.std() - 2.0) < 0.03
    for dt in (ts.float16, ts.float64) + _BF16:
        y = ts.random.normal([2, 3], dtype=dt)
        assert y.dtype == dt and y.shape == (2, 3)
    # a tensor mean broadcasts
    m = ts.random.normal([50000, 2], mean=ts.constant([-5.0, 5.0]), seed=2).numpy()
    np.testing.assert_allclose(m.mean(0), [-5.0, 5.0], atol=0.05)


def test_uniform_float_bounds_and_moments():
    x = ts.random.uniform([100000], minval=-2.0, maxval=3.0, seed=4).numpy()
    assert x.dtype == np.float32
    assert x.min() >= -2.0 and x.max() < 3.0
    assert abs(x.mean() - 0.5) < 0.03 and abs(x.var() - 25 / 12) < 0.05
    for dt in (ts.float16,) + _BF16:
        y = ts.random.uniform([20000], dtype=dt).numpy().astype(np.float32)
        assert y.min() >= 0.0 and y.max() < 1.0 and abs(y.mean() - 0.5) < 0.02


def test_uniform_int_within_range():
    x = ts.random.uniform([20000], minval=-3, maxval=4, dtype=ts.int32, seed=5).numpy()
    assert x.dtype == np.int32
    assert x.min() == -3 and x.max() == 3
    counts = np.bincount(x + 3)
    assert counts.min() > 20000 / 7 * 0.9
    y = ts.random.uniform([10], maxval=2**40, dtype=ts.int64)
    assert y.dtype == ts.int64 and np.all((y.numpy() >= 0) & (y.numpy() < 2**40))


def test_truncated_normal_is_bounded():
    x = ts.random.truncated_normal([100000], mean=1.0, stddev=0.5, seed=6).numpy()
    assert x.min() >= 0.0 and x.max() <= 2.0
    assert abs(x.mean() - 1.0) < 0.01
    assert abs(x.std() - 0.5 * 0.87962566) < 0.01  # std of N(0,1) truncated to [-2, 2]
    assert np.all(np.abs(ts.random.truncated_normal([1000], dtype=ts.float16).numpy()) <= 2)


def test_shuffle_is_a_permutation_of_rows():
    v = np.arange(30).reshape(10, 3)
    s = ts.random.shuffle(ts.constant(v), seed=1).numpy()
    assert s.shape == (10, 3)
    assert sorted(map(tuple, s.tolist())) == sorted(map(tuple, v.tolist()))
    np.testing.assert_array_equal(s[:, 1] - s[:, 0], np.ones(10))  # rows stay whole
    perms = {tuple(ts.random.shuffle(ts.range(8)).numpy()) for _ in range(5)}
    assert len(perms) > 1


def test_categorical_follows_probabilities():
    p = np.array([[0.2, 0.5, 0.3], [0.0, 0.0, 1.0]])
    with np.errstate(divide="ignore"):
        logits = ts.constant(np.log(p).astype(np.float32))
    s = ts.random.categorical(logits, 30000, seed=3)
    assert s.dtype == ts.int64 and s.shape == (2, 30000)
    v = s.numpy()
    np.testing.assert_allclose(np.bincount(v[0], minlength=3) / 30000, p[0], atol=0.015)
    assert np.all(v[1] == 2)  # -inf logits are never drawn
    assert ts.random.categorical([[1.0, 1.0]], 4, dtype=ts.int32).dtype == ts.int32


def test_gamma_and_poisson_moments():
    g = ts.random.gamma([40000], alpha=[2.0, 5.0], beta=2.0, seed=1)
    assert g.shape == (40000, 2)
    np.testing.assert_allclose(g.numpy().mean(0), [1.0, 2.5], rtol=0.03)
    np.testing.assert_allclose(g.numpy().var(0), [0.5, 1.25], rtol=0.06)
    p = ts.random.poisson([40000], lam=[1.0, 4.0], seed=2)
    assert p.shape == (40000, 2) and p.dtype == ts.float32
    np.testing.assert_allclose(p.numpy().mean(0), [1.0, 4.0], rtol=0.03)
    assert ts.random.poisson([3], 2.0, dtype=ts.int64).dtype == ts.int64


@settings(max_examples=20, deadline=None)
@given(st.lists(st.integers(0, 4), min_size=0, max_size=3))
def test_output_shapes(shape):
    for op in (ts.random.normal, ts.random.uniform, ts.random.truncated_normal):
        assert op(shape).shape == tuple(shape)
    assert ts.random.stateless_normal(shape, seed=[1, 2]).shape == tuple(shape)
    assert ts.random.get_global_generator().uniform(shape).shape == tuple(shape)


# -- gradients reach tensor-valued parameters ------------------------------------------------------
def test_gradients_to_parameters():
    seed = [4, 2]
    check_grad(lambda m, s: ts.random.stateless_normal([3, 2], seed, mean=m, stddev=s, dtype=ts.float64),
               np.array([0.5, -1.0]), np.array([1.5, 2.0]))
    check_grad(lambda m, s: ts.random.stateless_truncated_normal([4], seed, mean=m, stddev=s,
                                                                  dtype=ts.float64),
               np.array(0.3), np.array(1.2))
    check_grad(lambda lo, hi: ts.random.stateless_uniform([3, 2], seed, minval=lo, maxval=hi,
                                                           dtype=ts.float64),
               np.array([0.0, 1.0]), np.array([2.0, 5.0]))
    check_grad(lambda b: ts.random.stateless_gamma([5, 2], seed, alpha=[1.0, 3.0], beta=b,
                                                    dtype=ts.float64),
               np.array([0.5, 2.0]))


def test_samples_themselves_are_constants():
    x = ts.Variable([1.0, 2.0])
    with ts.GradientTape(persistent=True) as tape:
        y = ts.random.shuffle(x, seed=1)
        z = ts.reduce_sum(ts.random.normal([2], seed=1))
    assert tape.gradient(y, x) is None
    assert tape.gradient(z, x) is None


# -- stateless ops ---------------------------------------------------------------------------------
def test_stateless_reproducible_and_independent_of_global_state():
    ops = [lambda s: ts.random.stateless_normal([5], seed=s),
           lambda s: ts.random.stateless_uniform([5], seed=s),
           lambda s: ts.random.stateless_uniform([5], seed=s, minval=0, maxval=9, dtype=ts.int64),
           lambda s: ts.random.stateless_truncated_normal([5], seed=s),
           lambda s: ts.random.stateless_categorical([[0.0, 1.0, 2.0]], 6, seed=s),
           lambda s: ts.random.stateless_gamma([5], seed=s, alpha=2.0),
           lambda s: ts.random.stateless_poisson([5], seed=s, lam=3.0),
           lambda s: ts.random.stateless_binomial([5], seed=s, counts=10, probs=0.3),
           lambda s: ts.random.experimental.stateless_shuffle(ts.range(6), seed=s)]
    for op in ops:
        a = op([1, 2]).numpy()
        ts.random.set_seed(77)
        ts.random.normal([3])
        b = op(ts.constant([1, 2])).numpy()
        np.testing.assert_array_equal(a, b)
        c = op(np.array([1, 3], dtype=np.int64)).numpy()
        assert not np.array_equal(a, c) or a.size == 0
        ts.random.set_seed(None)


def test_stateless_reproducible_across_processes():
    code = "print(ts.random.stateless_normal([4], seed=[7, 8]).numpy().tolist())"
    assert _run(code) == _run(code)


def test_stateless_distributions():
    x = ts.random.stateless_normal([100000], seed=[3, 4], mean=1.0, stddev=3.0).numpy()
    assert abs(x.mean() - 1.0) < 0.05 and abs(x.std() - 3.0) < 0.05
    u = ts.random.stateless_uniform([100000], seed=[3, 4], minval=2.0, maxval=4.0).numpy()
    assert u.min() >= 2.0 and u.max() < 4.0 and abs(u.mean() - 3.0) < 0.01
    t = ts.random.stateless_truncated_normal([10000], seed=[3, 4]).numpy()
    assert np.abs(t).max() <= 2.0
    full = ts.random.stateless_uniform([1000], seed=[1, 1], minval=None, maxval=None, dtype=ts.uint32)
    assert full.dtype == ts.uint32 and full.numpy().max() > 2**31
    b = ts.random.stateless_binomial([20000], seed=[1, 2], counts=[10.0], probs=[0.25]).numpy()
    assert abs(b.mean() - 2.5) < 0.05 and b.min() >= 0 and b.max() <= 10


def test_split_and_fold_in():
    s = ts.random.split([1, 2], num=3)
    assert s.shape == (3, 2) and s.dtype == ts.int32
    np.testing.assert_array_equal(s.numpy(), ts.random.split([1, 2], num=3).numpy())
    assert len({tuple(r) for r in s.numpy().tolist()}) == 3
    assert ts.random.split(np.array([1, 2], dtype=np.int64)).dtype == ts.int64
    f1, f2 = ts.random.fold_in([1, 2], 1).numpy(), ts.random.fold_in([1, 2], 2).numpy()
    assert f1.shape == (2,) and not np.array_equal(f1, f2)
    np.testing.assert_array_equal(f1, ts.random.experimental.stateless_fold_in([1, 2], 1).numpy())


# -- Generator ------------------------------------------------------------------------------------
def test_generator_from_seed_reset_and_state():
    g = ts.random.Generator.from_seed(1234)
    s0 = g.state.numpy().copy()
    assert g.state.dtype == ts.int64 and g.state.shape == (3,) and not g.state.trainable
    a = g.normal([2, 3]).numpy()
    assert not np.array_equal(g.state.numpy(), s0)
    b = g.normal([2, 3]).numpy()
    assert not np.allclose(a, b)
    g.reset_from_seed(1234)
    np.testing.assert_array_equal(g.normal([2, 3]).numpy(), a)
    h = ts.random.Generator.from_seed(1234)
    np.testing.assert_array_equal(h.normal([2, 3]).numpy(), a)
    h.reset(s0)
    np.testing.assert_array_equal(h.normal([2, 3]).numpy(), a)
    assert not np.allclose(ts.random.Generator.from_seed(1235).normal([2, 3]).numpy(), a)
    # generators ignore the global seed
    ts.random.set_seed(3)
    np.testing.assert_array_equal(ts.random.Generator.from_seed(1234).normal([2, 3]).numpy(), a)


def test_generator_draws_continue_without_overlap():
    g = ts.random.Generator.from_seed(5)
    joint = ts.random.Generator.from_seed(5).uniform([8], dtype=ts.float64).numpy()
    first, second = g.uniform([4], dtype=ts.float64).numpy(), g.uniform([4], dtype=ts.float64).numpy()
    np.testing.assert_array_equal(np.concatenate([first, second]), joint)
    g.skip(10)
    assert not np.isin(g.uniform([4], dtype=ts.float64).numpy(), joint).any()


def test_generator_distributions_and_copy():
    g = ts.random.Generator.from_seed(7)
    n = g.normal([50000], mean=2.0, stddev=0.5).numpy()
    assert abs(n.mean() - 2.0) < 0.01 and abs(n.std() - 0.5) < 0.01
    t = g.truncated_normal([20000]).numpy()
    assert np.abs(t).max() <= 2.0
    u = g.uniform([10000], minval=3, maxval=6, dtype=ts.int32).numpy()
    assert set(np.unique(u).tolist()) == {3, 4, 5}
    full = g.uniform_full_int([5])
    assert full.dtype == ts.uint64
    b = g.binomial([1000], counts=5, probs=0.5)
    assert b.dtype == ts.int32 and 0 <= b.numpy().min() and b.numpy().max() <= 5
    c = ts.random.Generator(copy_from=g)
    np.testing.assert_array_equal(c.normal([4]).numpy(), g.normal([4]).numpy())
    k = ts.random.Generator.from_key_counter(key=9, counter=[0, 0], alg="philox")
    assert int(k.key.numpy()) == 9
    np.testing.assert_array_equal(ts.random.create_rng_state(1234, "philox"), [1234, 0, 0])


def test_generator_make_seeds_and_split():
    g = ts.random.Generator.from_seed(1)
    seeds = g.make_seeds(4)
    assert seeds.shape == (2, 4) and seeds.dtype == ts.int64
    a = ts.random.stateless_normal([3], seed=seeds[:, 0])
    assert a.shape == (3,)
    children = g.split(3)
    outs = [c.normal([4]).numpy() for c in children]
    assert len(children) == 3 and not np.allclose(outs[0], outs[1])
    g2 = ts.random.Generator.from_seed(1)
    g2.make_seeds(4)
    np.testing.assert_array_equal(g2.split(3)[0].normal([4]).numpy(), outs[0])
    assert len(g.variables) == 1  # a tf.Module: checkpoints find its state


def test_global_generator():
    ts.random.set_seed(11)
    a = ts.random.get_global_generator().normal([3]).numpy()
    ts.random.set_seed(11)  # restarts the generator made from the seed
    np.testing.assert_array_equal(ts.random.get_global_generator().normal([3]).numpy(), a)
    mine = ts.random.Generator.from_seed(2)
    ts.random.set_global_generator(mine)
    assert ts.random.get_global_generator() is mine
    ts.random.set_seed(12)
    assert ts.random.get_global_generator() is mine  # an installed generator is kept
    assert ts.random.experimental.get_global_generator() is mine


def test_top_level_initializers():
    init = ts.random_normal_initializer(mean=1.0, stddev=0.01, seed=3)
    a, b = init([4, 4]), init([4, 4])
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert abs(a.numpy().mean() - 1.0) < 0.02
    u = ts.random_uniform_initializer(minval=2.0, maxval=3.0)([100], dtype=ts.float64).numpy()
    assert u.dtype == np.float64 and u.min() >= 2.0 and u.max() < 3.0
    assert ts.random_uniform_initializer.from_config(
        ts.random_uniform_initializer(seed=1).get_config()).seed == 1


# -- errors ---------------------------------------------------------------------------------------
def test_errors_have_helpful_messages():
    with pytest.raises(InvalidArgumentError, match=r"RandomUniform: an integer dtype \(int32\) needs both minval and maxval"):
        ts.random.uniform([3], dtype=ts.int32)
    with pytest.raises(InvalidArgumentError, match="need minval < maxval, got minval=5 and maxval=5"):
        ts.random.uniform([3], minval=5, maxval=5, dtype=ts.int64)
    with pytest.raises(InvalidArgumentError, match="dtype string is not supported; use one of float16"):
        ts.random.normal([3], dtype=ts.string)
    with pytest.raises(InvalidArgumentError, match="dtype int32 is not supported"):
        ts.random.normal([3], dtype=ts.int32)
    with pytest.raises(InvalidArgumentError, match=r"shape \[2, -1\] has a negative dimension"):
        ts.random.normal([2, -1])
    with pytest.raises(InvalidArgumentError, match="shape must be a list of non-negative ints"):
        ts.random.normal("abc")
    with pytest.raises(InvalidArgumentError, match="seed must be a Python int or None, got 1.5"):
        ts.random.normal([2], seed=1.5)
    with pytest.raises(InvalidArgumentError, match=r"seed must be a shape-\[2\] int32 or int64 tensor"):
        ts.random.stateless_normal([2], seed=5)
    with pytest.raises(InvalidArgumentError, match=r"seed must be a shape-\[2\]"):
        ts.random.stateless_uniform([2], seed=[1.0, 2.0])
    with pytest.raises(InvalidArgumentError, match=r"mean has dtype float64 but the output dtype is float32; cast"):
        ts.random.normal([2], mean=ts.constant(1.0, dtype=ts.float64))
    with pytest.raises(InvalidArgumentError, match=r"logits must be 2-D \[batch_size, num_classes\], got shape \[3\]"):
        ts.random.categorical([1.0, 2.0, 3.0], 2)
    with pytest.raises(InvalidArgumentError, match="logits must be a float tensor, got int32"):
        ts.random.categorical([[1, 2]], 2)
    with pytest.raises(InvalidArgumentError, match="num_samples must be a non-negative int"):
        ts.random.categorical([[1.0, 2.0]], -1)
    with pytest.raises(InvalidArgumentError, match="value must be at least 1-D"):
        ts.random.shuffle(3.0)
    with pytest.raises(InvalidArgumentError, match="alpha must be positive"):
        ts.random.gamma([2], alpha=-1.0)
    with pytest.raises(InvalidArgumentError, match="lam must be non-negative"):
        ts.random.poisson([2], lam=-1.0)
    with pytest.raises(InvalidArgumentError, match="probs must lie in"):
        ts.random.stateless_binomial([2], [1, 2], counts=3, probs=1.5)
    with pytest.raises(UnimplementedError, match="ThreeFry algorithm is not implemented"):
        ts.random.stateless_normal([2], seed=[1, 2], alg="threefry")
    with pytest.raises(InvalidArgumentError, match="Generator: needs copy_from or state; use ts.random.Generator.from_seed"):
        ts.random.Generator()
    with pytest.raises(InvalidArgumentError, match=r"Philox state is an int64 vector of length 3"):
        ts.random.Generator(state=[1, 2])
    with pytest.raises(InvalidArgumentError, match="expected a ts.random.Generator"):
        ts.random.set_global_generator(3)
    with pytest.raises(InvalidArgumentError, match="set_seed: seed must be a Python int"):
        ts.random.set_seed("x")
    g = ts.random.Generator.from_seed(0)
    s = g.state.numpy().copy()
    with pytest.raises(InvalidArgumentError, match="Generator.uniform: an integer dtype"):
        g.uniform([2], maxval=3, minval=None, dtype=ts.int32)
    np.testing.assert_array_equal(g.state.numpy(), s)  # a rejected call draws nothing

"""keras.random: seed rules (int, SeedGenerator, None), distributions' moments and ranges,
dropout/shuffle semantics, SeedGenerator state and config, errors."""
import numpy as np
import pytest

import tessera as ts
from tessera import keras
from tessera.keras import random as kr

DRAWS = [
    ("normal", lambda s: kr.normal((4, 3), seed=s)),
    ("uniform", lambda s: kr.uniform((4, 3), seed=s)),
    ("randint", lambda s: kr.randint((4, 3), 0, 100, seed=s)),
    ("truncated_normal", lambda s: kr.truncated_normal((4, 3), seed=s)),
    ("dropout", lambda s: kr.dropout(np.ones((4, 3), np.float32), 0.5, seed=s)),
    ("shuffle", lambda s: kr.shuffle(np.arange(12), seed=s)),
    ("categorical", lambda s: kr.categorical(np.zeros((2, 5), np.float32), 6, seed=s)),
    ("gamma", lambda s: kr.gamma((4, 3), 2.0, seed=s)),
    ("binomial", lambda s: kr.binomial((4, 3), 10, 0.5, seed=s)),
    ("beta", lambda s: kr.beta((4, 3), 2.0, 3.0, seed=s)),
]


@pytest.mark.parametrize("name,draw", DRAWS, ids=[d[0] for d in DRAWS])
def test_seed_rules(name, draw):
    a, b = np.asarray(draw(1234)), np.asarray(draw(1234))
    np.testing.assert_array_equal(a, b)                      # int seed: same every call
    c = np.asarray(draw(99))
    assert not np.array_equal(a, c)
    g1, g2 = kr.SeedGenerator(7), kr.SeedGenerator(7)
    x1, x2 = np.asarray(draw(g1)), np.asarray(draw(g1))
    assert not np.array_equal(x1, x2)                        # a generator advances
    np.testing.assert_array_equal(x1, np.asarray(draw(g2)))  # ... reproducibly
    np.testing.assert_array_equal(x2, np.asarray(draw(g2)))


def test_unseeded_uses_global_stream():
    ts.random.set_seed(5)
    a = [np.asarray(kr.normal((3,))), np.asarray(kr.uniform((3,)))]
    ts.random.set_seed(5)
    b = [np.asarray(kr.normal((3,))), np.asarray(kr.uniform((3,)))]
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(a[0], np.asarray(kr.normal((3,))))
    ts.random.set_seed(None)


def test_seed_generator_state_and_config():
    g = kr.SeedGenerator(seed=42)
    assert g.state.dtype == "uint32" and not g.state.trainable
    np.testing.assert_array_equal(np.asarray(g.next()), [42, 0])
    np.testing.assert_array_equal(np.asarray(g.next()), [42, 1])
    np.testing.assert_array_equal(np.asarray(g.state), [42, 2])
    assert g.get_config() == {"seed": 42}
    g2 = kr.SeedGenerator.from_config(g.get_config())
    np.testing.assert_array_equal(np.asarray(g2.state), [42, 0])
    np.testing.assert_array_equal(np.asarray(kr.normal((3,), seed=42)),
                                  np.asarray(kr.normal((3,), seed=kr.SeedGenerator(42))))
    assert kr.SeedGenerator().get_config() == {"seed": None}
    assert keras.random.SeedGenerator is kr.SeedGenerator
    # random initializers accept a SeedGenerator and give new values per call
    init = keras.initializers.RandomNormal(seed=kr.SeedGenerator(3))
    assert not np.array_equal(np.asarray(init((4,))), np.asarray(init((4,))))


def test_distributions():
    n = kr.normal((20000,), mean=2.0, stddev=3.0, seed=0)
    assert n.dtype == "float32" and abs(float(np.mean(n)) - 2) < 0.1
    assert abs(float(np.std(n)) - 3) < 0.1
    assert kr.normal((2,), dtype="float64", seed=0).dtype == "float64"
    u = np.asarray(kr.uniform((20000,), minval=-2.0, maxval=4.0, seed=1))
    assert u.min() >= -2 and u.max() < 4 and abs(u.mean() - 1) < 0.1
    r = np.asarray(kr.randint((5000,), 3, 7, seed=2))
    assert r.dtype == np.int32 and set(np.unique(r)) == {3, 4, 5, 6}
    assert kr.randint((2,), 0, 5, dtype="int64", seed=0).dtype == "int64"
    t = np.asarray(kr.truncated_normal((20000,), mean=1.0, stddev=0.5, seed=3))
    assert t.min() >= 0.0 and t.max() <= 2.0
    gm = np.asarray(kr.gamma((20000,), 3.0, seed=4))
    assert abs(gm.mean() - 3.0) < 0.1 and gm.dtype == np.float32
    bn = np.asarray(kr.binomial((20000,), 10, 0.3, seed=5))
    assert abs(bn.mean() - 3.0) < 0.1 and bn.dtype == np.float32
    bt = np.asarray(kr.beta((20000,), 2.0, 6.0, seed=6))
    assert abs(bt.mean() - 0.25) < 0.01 and bt.min() > 0 and bt.max() < 1
    c = np.asarray(kr.categorical(np.log(np.array([[0.1, 0.9], [1.0, 1e-9]], np.float32)),
                                  4000, seed=7))
    assert c.shape == (2, 4000) and c.dtype == np.int32
    assert abs(c[0].mean() - 0.9) < 0.03 and c[1].sum() == 0


def test_dropout_and_shuffle():
    x = np.ones((200, 50), np.float32)
    y = np.asarray(kr.dropout(x, 0.25, seed=1))
    assert set(np.unique(y)) <= {0.0, np.float32(1 / 0.75)}
    assert abs((y == 0).mean() - 0.25) < 0.02
    z = np.asarray(kr.dropout(x, 0.5, noise_shape=(None, 1), seed=2))
    assert np.all((z == z[:, :1]))                                # one decision per row
    np.testing.assert_array_equal(np.asarray(kr.dropout(x, 0.0)), x)
    # gradient flows to the kept entries, scaled
    v = ts.Variable(np.ones((4, 4), np.float32))
    with ts.GradientTape() as tape:
        out = ts.reduce_sum(kr.dropout(v, 0.5, seed=3))
    g = np.asarray(tape.gradient(out, v))
    np.testing.assert_allclose(g, np.asarray(kr.dropout(np.ones((4, 4), np.float32), 0.5,
                                                        seed=3)))
    s = np.asarray(kr.shuffle(np.arange(10), seed=4))
    assert sorted(s.tolist()) == list(range(10)) and s.tolist() != list(range(10))
    m = np.arange(12).reshape(3, 4)
    s1 = np.asarray(kr.shuffle(m, axis=1, seed=5))
    assert sorted(s1[0].tolist()) == [0, 1, 2, 3]
    np.testing.assert_array_equal(s1, m[:, s1[0]])            # one permutation of columns


def test_errors():
    with pytest.raises(ValueError, match="must be either an integer or an instance of"):
        kr.normal((2,), seed="abc")
    with pytest.raises(ValueError, match="argument `seed` must be an integer"):
        kr.SeedGenerator(seed=1.5)
    with pytest.raises(ValueError, match="floating point `dtype`"):
        kr.uniform((2,), dtype="int32")
    with pytest.raises(ValueError, match="integer `dtype`"):
        kr.randint((2,), 0, 3, dtype="float32")
    with pytest.raises(ValueError, match="`rate` must be in"):
        kr.dropout(np.ones(3), 1.0)
    with pytest.raises(ValueError, match="2-D tensor"):
        kr.categorical(np.zeros(3), 2)
    with pytest.raises(ValueError, match="unrecognized keyword"):
        kr.SeedGenerator(1, foo=2)

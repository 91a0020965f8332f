"""keras.constraints against NumPy closed forms, configs and get()."""
import json

import numpy as np
import pytest

import tessera as ts
from tessera import keras
from tessera.keras import constraints as C

EPS = 1e-7


@pytest.fixture
def w(rng):
    return rng.standard_normal((6, 4)) * 2.0


def _norms(w, axis):
    return np.sqrt((w ** 2).sum(axis=tuple(np.atleast_1d(axis)), keepdims=True))


def test_base_constraint_is_identity(w):
    assert C.Constraint()(w) is w
    assert C.Constraint().get_config() == {}


@pytest.mark.parametrize("axis", [0, 1, [0, 1, 2]])
def test_max_norm(rng, axis):
    w = rng.standard_normal((3, 3, 4, 5)) if axis == [0, 1, 2] else rng.standard_normal((6, 5))
    w = w * 1.5
    out = C.MaxNorm(max_value=1.3, axis=axis)(w)
    assert isinstance(out, ts.Tensor)
    n = _norms(w, axis)
    np.testing.assert_allclose(out.numpy(), w * np.minimum(n, 1.3) / (EPS + n), rtol=1e-10)
    assert (_norms(out.numpy(), axis) <= 1.3 + 1e-6).all()
    assert (_norms(w, axis) > 1.3).any()  # the test really clips something


def test_max_norm_defaults(w):
    c = C.MaxNorm()
    assert (c.max_value, c.axis) == (2, 0)
    out = c(w).numpy()
    untouched = _norms(w, 0)[0] <= 2
    np.testing.assert_allclose(out[:, untouched], w[:, untouched], rtol=1e-6)


@pytest.mark.parametrize("rate", [1.0, 0.3])
def test_min_max_norm(w, rate):
    c = C.MinMaxNorm(min_value=2.0, max_value=3.0, rate=rate, axis=1)
    n = _norms(w, 1)
    desired = rate * np.clip(n, 2.0, 3.0) + (1 - rate) * n
    np.testing.assert_allclose(c(w).numpy(), w * desired / (EPS + n), rtol=1e-10)
    if rate == 1.0:
        got = _norms(c(w).numpy(), 1)
        assert (got >= 2.0 - 1e-6).all() and (got <= 3.0 + 1e-6).all()


def test_min_max_norm_defaults():
    c = C.MinMaxNorm()
    assert (c.min_value, c.max_value, c.rate, c.axis) == (0.0, 1.0, 1.0, 0)


def test_non_neg(w):
    out = C.NonNeg()(w)
    np.testing.assert_array_equal(out.numpy(), np.where(w >= 0, w, 0.0))
    assert out.dtype == ts.float64
    assert C.NonNeg()(w.astype(np.float32)).dtype == ts.float32


@pytest.mark.parametrize("axis", [0, 1, [0, 1]])
def test_unit_norm(rng, axis):
    w = rng.standard_normal((4, 5, 3))
    out = C.UnitNorm(axis=axis)(w).numpy()
    np.testing.assert_allclose(out, w / (EPS + _norms(w, axis)), rtol=1e-10)
    np.testing.assert_allclose(_norms(out, axis), 1.0, rtol=1e-6)


def test_accepts_variables_and_tensors(w):
    v = ts.Variable(w)
    np.testing.assert_allclose(C.UnitNorm()(v).numpy(), C.UnitNorm()(w).numpy())
    np.testing.assert_allclose(C.MaxNorm(1.0)(ts.constant(w)).numpy(), C.MaxNorm(1.0)(w).numpy())


@pytest.mark.parametrize("c,cfg", [
    (C.MaxNorm(3, axis=1), {"max_value": 3, "axis": 1}),
    (C.MinMaxNorm(0.5, 2.0, 0.7, axis=[0, 1]),
     {"min_value": 0.5, "max_value": 2.0, "rate": 0.7, "axis": [0, 1]}),
    (C.NonNeg(), {}),
    (C.UnitNorm(axis=-1), {"axis": -1}),
])
def test_config_round_trip(c, cfg, rng):
    assert c.get_config() == cfg
    back = type(c).from_config(c.get_config())
    assert back.get_config() == cfg
    ser = json.loads(json.dumps(C.serialize(c)))
    assert ser["module"] == "keras.constraints" and ser["class_name"] == type(c).__name__
    again = C.deserialize(ser)
    assert type(again) is type(c) and again.get_config() == cfg
    w = rng.standard_normal((3, 4, 2))
    np.testing.assert_allclose(again(w).numpy(), c(w).numpy())


def test_tuple_axis_round_trips():
    c = C.deserialize(json.loads(json.dumps(C.serialize(C.MaxNorm(axis=(0, 1))))))
    assert tuple(c.axis) == (0, 1)
    assert c(np.ones((2, 2, 3))).shape == (2, 2, 3)


@pytest.mark.parametrize("name,cls", [
    ("max_norm", C.MaxNorm), ("MaxNorm", C.MaxNorm), ("min_max_norm", C.MinMaxNorm),
    ("MinMaxNorm", C.MinMaxNorm), ("non_neg", C.NonNeg), ("NonNeg", C.NonNeg),
    ("unit_norm", C.UnitNorm), ("UnitNorm", C.UnitNorm),
])
def test_get_by_name(name, cls):
    assert type(C.get(name)) is cls


def test_get_other_identifiers():
    assert C.get(None) is None
    inst = C.MaxNorm(4)
    assert C.get(inst) is inst
    assert type(C.get(C.NonNeg)) is C.NonNeg
    got = C.get({"class_name": "MaxNorm", "config": {"max_value": 5, "axis": 1}})
    assert (got.max_value, got.axis) == (5, 1)

    def clip(w):
        return w
    assert C.get(clip) is clip
    assert C.max_norm is C.MaxNorm and C.min_max_norm is C.MinMaxNorm
    assert C.non_neg is C.NonNeg and C.unit_norm is C.UnitNorm
    assert keras.Constraint is C.Constraint


def test_get_unknown():
    with pytest.raises(ValueError, match="Could not interpret constraint identifier: 'nonneg'"):
        C.get("nonneg")
    with pytest.raises(ValueError, match="Could not interpret constraint identifier: 3"):
        C.get(3)

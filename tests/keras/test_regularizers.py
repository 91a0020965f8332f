"""keras.regularizers against NumPy closed forms, their gradients, configs and get();
also keras.utils.to_categorical / normalize (numerical_utils)."""
import json

import numpy as np
import pytest

import tessera as ts
from tessera import keras
from tessera.keras import regularizers as R
from tessera.keras.utils.numerical_utils import normalize, to_categorical
from tests.gradcheck import check_grad


@pytest.fixture
def x(rng):
    return rng.standard_normal((5, 4))


def _orth_np(w, factor, mode):
    if mode == "columns":
        w = w.T
    n = w / np.linalg.norm(w, axis=1, keepdims=True)
    p = n @ n.T
    k = p.shape[0]
    off = np.abs(p * (1 - np.eye(k))).sum()
    return factor * 0.5 * off / (k * (k - 1) / 2)


# -- values ---------------------------------------------------------------------------------------
def test_l1(x):
    out = R.L1(0.3)(x)
    assert isinstance(out, ts.Tensor) and out.shape == ()
    np.testing.assert_allclose(out.numpy(), 0.3 * np.abs(x).sum(), rtol=1e-12)
    assert R.L1().l1 == 0.01 and R.L1(None).l1 == 0.01


def test_l2(x):
    np.testing.assert_allclose(R.L2(0.2)(x).numpy(), 0.2 * (x ** 2).sum(), rtol=1e-12)
    assert R.L2().l2 == 0.01
    np.testing.assert_allclose(R.L2(2.0)(np.ones((5, 5), np.float32)).numpy(), 50.0)


def test_l1l2(x):
    out = R.L1L2(l1=0.1, l2=0.05)(x)
    np.testing.assert_allclose(out.numpy(), 0.1 * np.abs(x).sum() + 0.05 * (x ** 2).sum(),
                               rtol=1e-12)
    assert out.dtype == ts.float64
    zero = R.L1L2()(x)
    assert zero.shape == () and float(zero.numpy()) == 0.0 and zero.dtype == ts.float64
    assert (R.L1L2(None, None).l1, R.L1L2(None, None).l2) == (0.0, 0.0)


def test_dtype_follows_input(x):
    assert R.L2(0.1)(x.astype(np.float32)).dtype == ts.float32
    assert R.L1(0.1)(ts.constant(x)).dtype == ts.float64


@pytest.mark.parametrize("mode", ["rows", "columns"])
def test_orthogonal_regularizer(x, mode):
    out = R.OrthogonalRegularizer(factor=0.3, mode=mode)(x)
    np.testing.assert_allclose(out.numpy(), _orth_np(x, 0.3, mode), rtol=1e-10)


def test_orthogonal_regularizer_zero_for_orthogonal_rows():
    q = np.linalg.qr(np.random.default_rng(1).standard_normal((6, 6)))[0]
    assert abs(float(R.OrthogonalRegularizer(1.0)(q[:3]).numpy())) < 1e-10
    # parallel rows give the maximum penalty: each pair appears twice in the product, so
    # factor * 0.5 * (2 * pairs) / pairs = factor
    w = np.tile([[1.0, 2.0, 3.0]], (4, 1))
    np.testing.assert_allclose(R.OrthogonalRegularizer(0.7)(w).numpy(), 0.7, rtol=1e-10)


def test_base_regularizer():
    assert R.Regularizer()(np.ones(3)) == 0.0
    with pytest.raises(NotImplementedError, match="does not implement get_config"):
        R.Regularizer().get_config()


# -- gradients ------------------------------------------------------------------------------------
@pytest.mark.parametrize("reg", [R.L1(0.3), R.L2(0.2), R.L1L2(0.1, 0.4),
                                 R.OrthogonalRegularizer(0.5, "rows"),
                                 R.OrthogonalRegularizer(0.5, "columns")],
                         ids=["l1", "l2", "l1l2", "orth_rows", "orth_cols"])
def test_gradients(reg, x):
    check_grad(lambda t: reg(t), x)


def test_gradient_closed_form_and_variable(x):
    v = ts.Variable(x)
    with ts.GradientTape() as tape:
        loss = R.L1L2(0.1, 0.05)(v)
    g = tape.gradient(loss, v)
    np.testing.assert_allclose(g.numpy(), 0.1 * np.sign(x) + 0.1 * x, rtol=1e-12)


# -- validation -----------------------------------------------------------------------------------
@pytest.mark.parametrize("bad", [-0.1, float("nan"), float("inf"), "0.1"])
def test_invalid_factors(bad):
    with pytest.raises(ValueError, match="Invalid value for argument l1"):
        R.L1(bad)
    with pytest.raises(ValueError, match="Invalid value for argument l2"):
        R.L1L2(l1=0.0, l2=bad)
    with pytest.raises(ValueError, match="Invalid value for argument factor"):
        R.OrthogonalRegularizer(factor=bad)


def test_orthogonal_regularizer_errors():
    with pytest.raises(ValueError, match="mode.*Received: mode='diag'"):
        R.OrthogonalRegularizer(mode="diag")
    with pytest.raises(ValueError, match=r"must have rank 2.*\(2, 3, 4\)"):
        R.OrthogonalRegularizer()(np.ones((2, 3, 4)))


# -- configs and get ------------------------------------------------------------------------------
@pytest.mark.parametrize("reg,cfg", [
    (R.L1(0.2), {"l1": 0.2}), (R.L2(0.3), {"l2": 0.3}),
    (R.L1L2(0.1, 0.2), {"l1": 0.1, "l2": 0.2}),
    (R.OrthogonalRegularizer(0.4, "columns"), {"factor": 0.4, "mode": "columns"}),
])
def test_config_round_trip(reg, cfg, x):
    assert reg.get_config() == cfg
    back = type(reg).from_config(reg.get_config())
    np.testing.assert_allclose(back(x).numpy(), reg(x).numpy())
    ser = json.loads(json.dumps(R.serialize(reg)))
    assert ser["module"] == "keras.regularizers" and ser["class_name"] == type(reg).__name__
    again = R.deserialize(ser)
    assert type(again) is type(reg) and again.get_config() == cfg
    assert type(R.get(ser)) is type(reg)


@pytest.mark.parametrize("name,cls,cfg", [
    ("l1", R.L1, {"l1": 0.01}), ("L1", R.L1, {"l1": 0.01}), ("l2", R.L2, {"l2": 0.01}),
    ("L2", R.L2, {"l2": 0.01}), ("l1_l2", R.L1L2, {"l1": 0.01, "l2": 0.01}),
    ("L1L2", R.L1L2, {"l1": 0.0, "l2": 0.0}),
    ("orthogonal_regularizer", R.OrthogonalRegularizer, {"factor": 0.01, "mode": "rows"}),
    ("OrthogonalRegularizer", R.OrthogonalRegularizer, {"factor": 0.01, "mode": "rows"}),
])
def test_get_by_name(name, cls, cfg):
    obj = R.get(name)
    assert type(obj) is cls and obj.get_config() == cfg


def test_get_other_identifiers():
    assert R.get(None) is None
    inst = R.L2(0.5)
    assert R.get(inst) is inst
    assert type(R.get(R.L1)) is R.L1

    def fn(w):
        return 0.0
    assert R.get(fn) is fn
    assert R.l1 is R.L1 and R.l2 is R.L2 and R.l1_l2 is R.L1L2
    assert R.orthogonal_regularizer is R.OrthogonalRegularizer


def test_get_unknown():
    with pytest.raises(ValueError, match="Could not interpret regularizer identifier: 'l3'"):
        R.get("l3")
    with pytest.raises(ValueError, match="Could not interpret regularizer identifier: 1.5"):
        R.get(1.5)


def test_keras_regularizer_attribute():
    assert keras.Regularizer is R.Regularizer


# -- keras.utils.to_categorical / normalize -------------------------------------------------------
def test_to_categorical_numpy():
    out = to_categorical([0, 2, 1, 2])
    assert isinstance(out, np.ndarray) and out.dtype == np.float64
    np.testing.assert_array_equal(out, np.eye(3)[[0, 2, 1, 2]])
    out = to_categorical(np.array([[1], [3]]), num_classes=5)
    assert out.shape == (2, 5)  # the (N, 1) column is squeezed
    np.testing.assert_array_equal(out, np.eye(5)[[1, 3]])
    out = to_categorical(np.array([[0, 1], [1, 0]]))
    assert out.shape == (2, 2, 2)
    np.testing.assert_array_equal(to_categorical(np.array([1.0, 0.0])), [[0, 1], [1, 0]])


def test_to_categorical_tensor():
    out = to_categorical(ts.constant([[2], [0]]), num_classes=3)
    assert isinstance(out, ts.Tensor) and out.shape == (2, 3)
    np.testing.assert_array_equal(out.numpy(), [[0, 0, 1], [1, 0, 0]])
    np.testing.assert_array_equal(to_categorical(ts.constant([1, 0])).numpy(), [[0, 1], [1, 0]])


def test_to_categorical_errors():
    with pytest.raises(ValueError, match=r"to_categorical: class indices must lie in \[0, 2\)"):
        to_categorical([0, 3], num_classes=2)
    with pytest.raises(ValueError, match="num_classes"):
        to_categorical([])


def test_normalize_numpy():
    x = np.array([[3.0, 4.0], [0.0, 0.0]])
    out = normalize(x)
    assert isinstance(out, np.ndarray)
    np.testing.assert_allclose(out, [[0.6, 0.8], [0.0, 0.0]])
    np.testing.assert_allclose(normalize(x, axis=0), [[1.0, 1.0], [0.0, 0.0]])
    np.testing.assert_allclose(normalize(x, order=1), [[3 / 7, 4 / 7], [0, 0]])


def test_normalize_tensor(rng):
    x = rng.standard_normal((3, 5))
    out = normalize(ts.constant(x), axis=1)
    assert isinstance(out, ts.Tensor)
    np.testing.assert_allclose(out.numpy(), x / np.linalg.norm(x, axis=1, keepdims=True))
    np.testing.assert_allclose(normalize(ts.constant(x), axis=0, order=3).numpy(),
                               x / (np.abs(x) ** 3).sum(0, keepdims=True) ** (1 / 3))
    np.testing.assert_allclose(normalize(ts.constant(x), order=1).numpy(),
                               x / np.abs(x).sum(-1, keepdims=True))
    check_grad(lambda t: normalize(t, axis=-1), x)
    with pytest.raises(ValueError, match="`order` must be an int >= 1.*0.5"):
        normalize(ts.constant(x), order=0.5)

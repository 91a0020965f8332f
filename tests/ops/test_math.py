"""Elementwise math (tessera/ops/math.py): values against NumPy, gradients, dtype rules."""
import math
import operator

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import tessera as ts
from tessera.core.errors import InvalidArgumentError
from tests.gradcheck import check_grad, check_second_order

RNG = np.random.default_rng(1234)


def _u(lo, hi, shape=(2, 3)):
    return RNG.uniform(lo, hi, size=shape)


# ---------------------------------------------------------------------------
# Unary functions: values, dtype, gradients
# ---------------------------------------------------------------------------
# name, NumPy reference, domain of test inputs
UNARY = [
    ("expm1", np.expm1, (-2, 2)),
    ("log1p", np.log1p, (-0.5, 2)),
    ("sin", np.sin, (-3, 3)),
    ("cos", np.cos, (-3, 3)),
    ("tan", np.tan, (-1.2, 1.2)),
    ("tanh", np.tanh, (-2, 2)),
    ("sinh", np.sinh, (-2, 2)),
    ("cosh", np.cosh, (-2, 2)),
    ("asin", np.arcsin, (-0.8, 0.8)),
    ("acos", np.arccos, (-0.8, 0.8)),
    ("atan", np.arctan, (-3, 3)),
    ("asinh", np.arcsinh, (-3, 3)),
    ("acosh", np.arccosh, (1.2, 3)),
    ("atanh", np.arctanh, (-0.8, 0.8)),
    ("erf", np.vectorize(math.erf), (-3, 3)),
    ("erfc", np.vectorize(math.erfc), (-3, 3)),
    ("reciprocal", np.reciprocal, (0.5, 2)),
    ("rsqrt", lambda a: 1 / np.sqrt(a), (0.5, 2)),
    ("sigmoid", lambda a: 1 / (1 + np.exp(-a)), (-3, 3)),
    ("exp", np.exp, (-2, 2)),
    ("log", np.log, (0.5, 3)),
    ("sqrt", np.sqrt, (0.5, 3)),
    ("square", np.square, (-2, 2)),
]


@pytest.mark.parametrize("name,ref,dom", UNARY, ids=[u[0] for u in UNARY])
def test_unary_values_and_dtype(name, ref, dom):
    fn = getattr(ts.math, name)
    x = _u(*dom, shape=(3, 4))
    out64 = fn(ts.constant(x))
    assert out64.dtype == ts.float64
    np.testing.assert_allclose(out64.numpy(), ref(x), rtol=1e-12, atol=1e-14)
    out32 = fn(ts.constant(x.astype(np.float32)))
    assert out32.dtype == ts.float32 and out32.shape == (3, 4)
    np.testing.assert_allclose(out32.numpy(), ref(x), rtol=2e-6, atol=1e-6)


@pytest.mark.parametrize("name,ref,dom", UNARY, ids=[u[0] for u in UNARY])
def test_unary_gradients(name, ref, dom):
    fn = getattr(ts.math, name)
    x = _u(*dom)
    check_grad(fn, x)
    check_second_order(fn, x)


def test_top_level_names_follow_tensorflow():
    for n in ["sin", "cos", "tan", "sinh", "cosh", "asin", "acos", "atan", "asinh", "acosh",
              "atanh", "atan2", "round", "add_n", "complex"]:
        assert callable(getattr(ts, n)), n
    assert ts.sin is ts.math.sin and ts.add_n is ts.math.add_n
    for n in ["expm1", "log1p", "erf", "erfc", "ceil", "reciprocal", "rsqrt", "is_nan", "is_inf",
              "is_finite", "divide_no_nan", "multiply_no_nan", "xlogy", "xdivy", "real", "imag",
              "conj"]:
        assert callable(getattr(ts.math, n)), n


def test_unary_accepts_python_values_and_rejects_ints():
    np.testing.assert_allclose(ts.sin(1.0).numpy(), math.sin(1.0), rtol=1e-6)
    assert ts.math.expm1([0.5]).dtype == ts.float32
    with pytest.raises(InvalidArgumentError, match=r"Sin expects a floating-point tensor, got int32.*ts.cast"):
        ts.sin(ts.constant([1, 2]))
    with pytest.raises(InvalidArgumentError, match="Erf expects a floating-point"):
        ts.math.erf(ts.constant([1 + 2j]))


def test_trig_complex_gradient_uses_conjugate():
    # TensorFlow's convention: d/dz of a real loss sums g * conj(f'(z)).
    z = ts.constant(np.array([0.3 + 0.4j, -1.0 + 0.2j]))
    with ts.GradientTape() as tape:
        tape.watch(z)
        y = ts.math.sin(z)
    g = tape.gradient(y, z).numpy()
    np.testing.assert_allclose(g, np.conj(np.cos(z.numpy())), rtol=1e-12)


def test_erf_accuracy_float64_wide_range():
    x = np.concatenate([np.linspace(-8, 8, 4001), np.geomspace(1e-300, 1e-3, 50),
                        -np.geomspace(1e-300, 1e-3, 50), np.linspace(2.4, 2.6, 201),
                        np.linspace(8, 26, 200)])
    got = ts.math.erf(ts.constant(x)).numpy()
    ref = np.array([math.erf(v) for v in x])
    np.testing.assert_allclose(got, ref, rtol=1e-13, atol=0)
    gotc = ts.math.erfc(ts.constant(x)).numpy()
    refc = np.array([math.erfc(v) for v in x])
    np.testing.assert_allclose(gotc, refc, rtol=1e-9, atol=0)  # tails are relative too


def test_erf_special_values_and_float32():
    v = ts.constant([np.nan, np.inf, -np.inf, 0.0, -0.0, 40.0, -40.0])
    e = ts.math.erf(v).numpy()
    assert np.isnan(e[0]) and list(e[1:]) == [1, -1, 0, 0, 1, -1]
    assert np.signbit(e[4])
    c = ts.math.erfc(v).numpy()
    assert np.isnan(c[0]) and list(c[1:]) == [0, 2, 1, 1, 0, 2]
    x = np.linspace(-5, 5, 1001).astype(np.float32)
    got = ts.math.erf(ts.constant(x))
    assert got.dtype == ts.float32
    np.testing.assert_allclose(got.numpy(), [math.erf(float(v)) for v in x], rtol=1e-7, atol=1e-30)
    assert ts.math.erf(ts.constant(0.5, ts.float64)).numpy() == pytest.approx(math.erf(0.5), rel=1e-15)


def test_round_is_bankers_and_keeps_ints():
    x = ts.constant([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4, -2.6])
    np.testing.assert_array_equal(ts.round(x).numpy(), [0, 2, 2, -0.0, -2, -2, 2, -3])
    assert ts.round(x).dtype == ts.float32
    i = ts.round(ts.constant([3, -4]))
    assert i.dtype == ts.int32 and i.numpy().tolist() == [3, -4]
    np.testing.assert_array_equal(ts.math.rint(ts.constant([0.5, 1.5])).numpy(), [0, 2])


def test_ceil_floor():
    v = [-1.7, -1.5, -0.2, 0.2, 1.5, 1.7, 2.0]
    np.testing.assert_array_equal(ts.math.ceil(v).numpy(), np.ceil(np.float32(v)))
    np.testing.assert_array_equal(ts.floor(v).numpy(), np.floor(np.float32(v)))
    assert ts.math.ceil(ts.constant([1, 2])).dtype == ts.int32


def test_rounding_ops_have_no_gradient():
    x = ts.constant([0.3, 1.7])
    with ts.GradientTape(persistent=True) as tape:
        tape.watch(x)
        ys = [ts.round(x), ts.math.ceil(x), ts.floor(x), ts.sign(x)]
    for y in ys:
        assert tape.gradient(y, x) is None


def test_reciprocal_rsqrt():
    np.testing.assert_allclose(ts.math.reciprocal(ts.constant([2.0, -4.0])).numpy(), [0.5, -0.25])
    np.testing.assert_allclose(ts.math.rsqrt(ts.constant([4.0, 0.25])).numpy(), [0.5, 2.0])
    r = ts.math.reciprocal(ts.constant([1, -1, 2, -3]))
    assert r.dtype == ts.int32 and r.numpy().tolist() == [1, -1, 0, 0]  # C integer division
    with pytest.raises(InvalidArgumentError, match="Reciprocal.*division by zero"):
        ts.math.reciprocal(ts.constant([0, 1]))
    np.testing.assert_array_equal(
        ts.math.reciprocal_no_nan(ts.constant([2.0, 0.0])).numpy(), [0.5, 0.0])


def test_is_nan_inf_finite():
    x = ts.constant([1.0, np.nan, np.inf, -np.inf, 0.0])
    assert ts.math.is_nan(x).numpy().tolist() == [False, True, False, False, False]
    assert ts.math.is_inf(x).numpy().tolist() == [False, False, True, True, False]
    assert ts.math.is_finite(x).numpy().tolist() == [True, False, False, False, True]
    assert ts.math.is_nan(x).dtype == ts.bool
    with pytest.raises(InvalidArgumentError, match="IsNan expects a floating-point tensor, got int32"):
        ts.math.is_nan(ts.constant([1]))


# ---------------------------------------------------------------------------
# New binary functions
# ---------------------------------------------------------------------------
def test_atan2():
    y, x = _u(-2, 2), _u(0.3, 2) * np.sign(_u(-1, 1))
    np.testing.assert_allclose(ts.atan2(ts.constant(y), ts.constant(x)).numpy(), np.arctan2(y, x))
    check_grad(ts.atan2, y, x)
    check_second_order(ts.atan2, y, x)
    check_grad(ts.atan2, _u(-2, 2, (2, 1)), _u(0.5, 2, (3,)))  # broadcasting
    with pytest.raises(InvalidArgumentError, match="Atan2 expects floating-point"):
        ts.atan2(ts.constant([1]), ts.constant([2]))


def test_divide_and_multiply_no_nan_values():
    x = ts.constant([3.0, np.nan, 0.0, np.inf, 1.0])
    y = ts.constant([2.0, 0.0, 0.0, 0.0, np.inf])
    np.testing.assert_array_equal(ts.math.divide_no_nan(x, y).numpy(), [1.5, 0, 0, 0, 0])
    np.testing.assert_array_equal(ts.math.multiply_no_nan(x, y).numpy(), [6, 0, 0, 0, np.inf])
    # broadcasting with a Python scalar denominator of zero
    np.testing.assert_array_equal(ts.math.divide_no_nan(ts.constant([[1.0, 2.0]]), 0.0).numpy(), [[0, 0]])
    with pytest.raises(InvalidArgumentError, match="DivNoNan expects floating-point or complex tensors, got int32"):
        ts.math.divide_no_nan(ts.constant([1]), ts.constant([0]))


def test_divide_no_nan_gradient_is_zero_at_zero_denominator():
    x = ts.constant([1.0, 2.0])
    y = ts.constant([0.0, 4.0])
    with ts.GradientTape() as tape:
        tape.watch([x, y])
        z = ts.math.divide_no_nan(x, y)
    gx, gy = tape.gradient(z, [x, y])
    np.testing.assert_allclose(gx.numpy(), [0.0, 0.25])
    np.testing.assert_allclose(gy.numpy(), [0.0, -2.0 / 16])


def _nonzero(shape, lo=0.5, hi=2.0):
    return _u(lo, hi, shape) * np.where(RNG.uniform(size=shape) < 0.5, -1, 1)


@pytest.mark.parametrize("sx,sy", [((2, 3), (2, 3)), ((2, 1), (1, 3)), ((3,), (2, 3))])
def test_no_nan_ops_gradients(sx, sy):
    x, y = _nonzero(sx), _nonzero(sy)
    for f in (ts.math.divide_no_nan, ts.math.multiply_no_nan, ts.math.xdivy):
        check_grad(f, x, y)
        check_second_order(f, x, y)
    check_grad(ts.math.xlogy, x, np.abs(y))
    check_second_order(ts.math.xlogy, x, np.abs(y))
    check_grad(ts.math.xlog1py, x, np.abs(y))
    check_second_order(ts.math.xlog1py, x, np.abs(y))


def test_xlogy_xdivy_values():
    x = ts.constant([0.0, 0.0, 2.0, 3.0])
    y = ts.constant([0.0, np.nan, 4.0, 0.5])
    np.testing.assert_allclose(ts.math.xlogy(x, y).numpy(), [0, 0, 2 * np.log(4), 3 * np.log(0.5)], rtol=1e-6)
    np.testing.assert_allclose(ts.math.xdivy(x, y).numpy(), [0, 0, 0.5, 6.0], rtol=1e-6)
    np.testing.assert_allclose(ts.math.xlog1py(x, y).numpy(), [0, 0, 2 * np.log(5), 3 * np.log(1.5)],
                               rtol=1e-6)
    # as in TensorFlow, the gradient w.r.t. x is xlogy(x != 0, y): 0 where x == 0
    a, b = ts.constant([0.0]), ts.constant([2.0])
    with ts.GradientTape() as tape:
        tape.watch(a)
        z = ts.math.xlogy(a, b)
    np.testing.assert_allclose(tape.gradient(z, a).numpy(), [0.0])


# ---------------------------------------------------------------------------
# add_n
# ---------------------------------------------------------------------------
def test_add_n_values_and_gradient():
    a, b, c = _u(-1, 1), _u(-1, 1), _u(-1, 1)
    np.testing.assert_allclose(ts.add_n([a, b, c]).numpy(), a + b + c)
    one = ts.constant([1.0, 2.0])
    np.testing.assert_array_equal(ts.add_n([one]).numpy(), [1.0, 2.0])
    assert ts.add_n([ts.constant([1, 2]), ts.constant([3, 4])]).numpy().tolist() == [4, 6]
    check_grad(lambda x, y, z: ts.add_n([x, y, z, x]), a, b, c)
    check_second_order(lambda x, y: ts.add_n([x * y, y]), a, b)


def test_add_n_errors():
    with pytest.raises(InvalidArgumentError, match=r"same shape and dtype .*\(2,\) float32, \(3,\) float32"):
        ts.add_n([ts.zeros([2]), ts.zeros([3])])
    with pytest.raises(InvalidArgumentError, match="float32.*float64.*ts.cast"):
        ts.add_n([ts.zeros([2]), ts.zeros([2], dtype=ts.float64)])
    with pytest.raises(InvalidArgumentError, match="non-empty list"):
        ts.add_n([])


# ---------------------------------------------------------------------------
# Complex parts
# ---------------------------------------------------------------------------
def test_complex_real_imag_conj():
    z = ts.complex(ts.constant([1.0, -2.0]), ts.constant([3.0, 0.5]))
    assert z.dtype == ts.complex64
    np.testing.assert_array_equal(z.numpy(), [1 + 3j, -2 + 0.5j])
    assert ts.math.real(z).dtype == ts.float32
    np.testing.assert_array_equal(ts.math.real(z).numpy(), [1, -2])
    np.testing.assert_array_equal(ts.math.imag(z).numpy(), [3, 0.5])
    np.testing.assert_array_equal(ts.math.conj(z).numpy(), [1 - 3j, -2 - 0.5j])
    r = ts.constant([1.0, 2.0])
    assert ts.math.real(r) is r and ts.math.conj(r) is r
    np.testing.assert_array_equal(ts.math.imag(r).numpy(), [0, 0])
    assert ts.complex(ts.constant(1.0, ts.float64), ts.constant(2.0, ts.float64)).dtype == ts.complex128
    with pytest.raises(InvalidArgumentError, match="complex expects float32 or float64"):
        ts.complex(ts.constant([1]), ts.constant([2]))


def test_complex_gradients_through_real_functions():
    def f(a, b):
        z = ts.complex(a, b)
        w = z * z * ts.math.conj(z) + ts.math.exp(z)
        return ts.math.real(w) + 2.0 * ts.math.imag(w)

    a, b = _u(-1, 1), _u(-1, 1)
    check_grad(f, a, b)
    check_second_order(f, a, b)


# ---------------------------------------------------------------------------
# Existing binary ops: gradients with broadcasting
# ---------------------------------------------------------------------------
SHAPES = [((2, 3), (2, 3)), ((2, 3), (3,)), ((2, 1), (1, 3)), ((), (2, 2)), ((2, 1, 3), (4, 1))]


def _away_from_ties(x, y):
    """Shifts y so that no element of broadcast(x, y) is a tie (max/min are kinks there)."""
    xb, yb = np.broadcast_arrays(x, y)
    while np.min(np.abs(xb - yb)) < 0.1:
        y = y + 0.37
        xb, yb = np.broadcast_arrays(x, y)
    return y


BINARY = {
    "add": (ts.add, (-2, 2), (-2, 2)),
    "subtract": (ts.subtract, (-2, 2), (-2, 2)),
    "multiply": (ts.multiply, (-2, 2), (-2, 2)),
    "divide": (ts.divide, (-2, 2), (0.5, 2)),
    "pow": (ts.pow, (0.5, 2), (-1.5, 1.5)),
    "maximum": (ts.maximum, (-2, 2), (-2, 2)),
    "minimum": (ts.minimum, (-2, 2), (-2, 2)),
    "squared_difference": (ts.math.squared_difference, (-2, 2), (-2, 2)),
}


@pytest.mark.parametrize("sx,sy", SHAPES)
@pytest.mark.parametrize("opname", list(BINARY))
def test_binary_gradients_broadcasting(opname, sx, sy):
    fn, dx, dy = BINARY[opname]
    x, y = _u(*dx, sx), _u(*dy, sy)
    if opname in ("maximum", "minimum"):
        y = _away_from_ties(x, y)
    check_grad(fn, x, y)
    # piecewise-linear ops have no second derivative of their own: square the result so
    # the nested tape must differentiate their gradient with respect to its incoming g
    check_second_order(lambda a, b: fn(a, b) * fn(a, b), x, y)
    if opname in ("multiply", "divide", "pow", "squared_difference"):
        check_second_order(fn, x, y)
    if opname not in ("pow", "divide"):
        check_grad(fn, y, x)  # the broadcast operand on the left


@pytest.mark.parametrize("sx,sy", SHAPES)
def test_floormod_gradient_broadcasting(sx, sy):
    # y in {+-1, +-2} and x = 2k + f with f in (0.2, 0.8): x / y stays away from the jumps
    x = 2.0 * RNG.integers(-2, 3, size=sx) + RNG.uniform(0.2, 0.8, size=sx)
    y = RNG.choice([-2.0, -1.0, 1.0, 2.0], size=sy)
    np.testing.assert_allclose(ts.math.floormod(ts.constant(x), ts.constant(y)).numpy(), np.mod(x, y))
    check_grad(ts.math.floormod, x, y)
    check_second_order(lambda a, b: ts.square(ts.math.floormod(a, b)), x, y)


def test_floormod_values_and_gradient_fixed():
    x = np.array([[2.3, -1.7, 5.4], [-4.2, 0.6, 3.9]])
    y = np.array([1.5, -1.3, 2.2])
    np.testing.assert_allclose(ts.math.floormod(ts.constant(x), ts.constant(y)).numpy(), np.mod(x, y))
    check_grad(ts.math.floormod, x, y)
    check_second_order(lambda a, b: ts.square(ts.math.floormod(a, b)), x, y)


def test_divide_gradient_vs_closed_form():
    x, y = ts.constant([[1.0, 2.0]]), ts.constant([[4.0], [0.5]])
    with ts.GradientTape() as tape:
        tape.watch([x, y])
        z = ts.reduce_sum(x / y)
    gx, gy = tape.gradient(z, [x, y])
    np.testing.assert_allclose(gx.numpy(), [[1 / 4 + 2, 1 / 4 + 2]])
    np.testing.assert_allclose(gy.numpy(), [[-3 / 16], [-3 / 0.25]])


# ---------------------------------------------------------------------------
# Python operators against NumPy (hypothesis-generated broadcastable shapes)
# ---------------------------------------------------------------------------
_shapes2 = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=4)


def _draw(data, shape, dtype, lo, hi):
    if dtype.kind == "f":
        return data.draw(hnp.arrays(dtype, shape, elements=st.floats(lo, hi, width=dtype.itemsize * 8)))
    return data.draw(hnp.arrays(dtype, shape, elements=st.integers(lo, hi)))


ARITH_OPS = [("+", operator.add, np.add), ("-", operator.sub, np.subtract),
             ("*", operator.mul, np.multiply), ("/", operator.truediv, np.true_divide),
             ("//", operator.floordiv, np.floor_divide), ("%", operator.mod, np.mod),
             ("**", operator.pow, np.power)]


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int32, np.int64])
@pytest.mark.parametrize("sym,pyop,npop", ARITH_OPS, ids=[o[0] for o in ARITH_OPS])
@settings(max_examples=15, deadline=None)
@given(data=st.data(), shapes=_shapes2)
def test_arithmetic_operators_match_numpy(sym, pyop, npop, dtype, data, shapes):
    dt = np.dtype(dtype)
    (sx, sy), _ = shapes
    if sym == "**":
        x = _draw(data, sx, dt, 1, 4) if dt.kind == "i" else _draw(data, sx, dt, 0.25, 4)
        y = _draw(data, sy, dt, 0, 3) if dt.kind == "i" else _draw(data, sy, dt, -2, 2)
    elif sym in ("/", "//", "%"):
        x = _draw(data, sx, dt, -50, 50)
        y = _draw(data, sy, dt, 1, 9) * np.where(_draw(data, sy, np.dtype(np.int8), 0, 1) > 0, 1, -1).astype(dt)
        if dt.kind == "f":
            y = y + dt.type(0.5)
    else:
        x, y = _draw(data, sx, dt, -50, 50), _draw(data, sy, dt, -50, 50)
    got = pyop(ts.constant(x), ts.constant(y))
    want = npop(x, y)
    if sym == "/" and dt.kind == "i":
        want = np.true_divide(x, y, dtype=np.float64)   # TensorFlow's truediv
    assert got.dtype.name == want.dtype.name
    assert tuple(got.shape) == want.shape
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-5 if dt == np.float32 else 1e-12)
    # reflected operators with a Python scalar on the left
    s = 3 if dt.kind == "i" else 1.5
    if sym not in ("/", "//", "%") and sym != "**":
        np.testing.assert_allclose(pyop(s, ts.constant(y)).numpy(), npop(dt.type(s), y),
                                   rtol=1e-5 if dt == np.float32 else 1e-12)


CMP_OPS = [operator.lt, operator.le, operator.gt, operator.ge, operator.eq, operator.ne]


@settings(max_examples=25, deadline=None)
@given(data=st.data(), shapes=_shapes2)
def test_comparisons_and_unary_operators_match_numpy(data, shapes):
    (sx, sy), _ = shapes
    dt = np.dtype(np.float32)
    x, y = _draw(data, sx, dt, -3, 3), _draw(data, sy, dt, -3, 3)
    y = np.where(data.draw(hnp.arrays(np.bool_, sy)), y, 1.0).astype(dt)  # some equal entries
    tx, ty = ts.constant(x), ts.constant(y)
    for op in CMP_OPS:
        got = op(tx, ty)
        assert got.dtype == ts.bool
        np.testing.assert_array_equal(got.numpy(), op(x, y))
    np.testing.assert_array_equal((-tx).numpy(), -x)
    np.testing.assert_array_equal(abs(tx).numpy(), np.abs(x))
    np.testing.assert_array_equal((+tx).numpy(), x)


@settings(max_examples=25, deadline=None)
@given(data=st.data(), shapes=_shapes2)
def test_bool_operators_match_numpy(data, shapes):
    (sx, sy), _ = shapes
    x, y = data.draw(hnp.arrays(np.bool_, sx)), data.draw(hnp.arrays(np.bool_, sy))
    tx, ty = ts.constant(x), ts.constant(y)
    for op in (operator.and_, operator.or_, operator.xor):
        got = op(tx, ty)
        assert got.dtype == ts.bool
        np.testing.assert_array_equal(got.numpy(), op(x, y))
    np.testing.assert_array_equal((~tx).numpy(), ~x)
    np.testing.assert_array_equal(ts.logical_and(tx, ty).numpy(), x & y)


def test_operators_with_python_scalars_and_reflection():
    x = ts.constant([1.0, 2.0, 4.0])
    np.testing.assert_allclose((2 - x).numpy(), [1, 0, -2])
    np.testing.assert_allclose((2 / x).numpy(), [2, 1, 0.5])
    np.testing.assert_allclose((2 ** x).numpy(), [2, 4, 16])
    np.testing.assert_allclose((7 % x).numpy(), [0, 1, 3])
    np.testing.assert_allclose((7 // x).numpy(), [7, 3, 1])
    assert (x == None) is False and (x != "a") is True  # noqa: E711


# ---------------------------------------------------------------------------
# dtype rules
# ---------------------------------------------------------------------------
def test_float_tensor_with_python_int_keeps_dtype():
    for dt in (ts.float32, ts.float64, ts.float16):
        x = ts.constant([1.5, 2.5], dtype=dt)
        for y in (x + 1, 2 * x, x - 3, x / 2, x ** 2):
            assert y.dtype == dt
    np.testing.assert_allclose((ts.constant([1.5]) + 1).numpy(), [2.5])


def test_int_tensor_with_python_float_is_an_error():
    x = ts.constant([1, 2])
    with pytest.raises(InvalidArgumentError, match=r"Python float 0\.5 with a int32 tensor.*ts.cast"):
        x + 0.5
    with pytest.raises(InvalidArgumentError, match="ts.cast"):
        0.5 * x
    assert (x + 1).dtype == ts.int32


def test_mixed_float_dtypes_is_an_error_naming_cast():
    a, b = ts.constant([1.0], ts.float32), ts.constant([1.0], ts.float64)
    for op in (operator.add, operator.sub, operator.mul, operator.truediv, operator.pow):
        with pytest.raises(InvalidArgumentError, match=r"float32.*float64.*ts\.cast"):
            op(a, b)
    with pytest.raises(InvalidArgumentError, match=r"ts\.cast"):
        ts.maximum(a, b)
    with pytest.raises(InvalidArgumentError, match=r"ts\.cast"):
        ts.math.xlogy(a, b)


def test_integer_true_division_gives_float64():
    a, b = ts.constant([1, 7], ts.int32), ts.constant([2, 2], ts.int32)
    q = a / b
    assert q.dtype == ts.float64
    np.testing.assert_array_equal(q.numpy(), [0.5, 3.5])
    assert (ts.constant([3], ts.int16) / ts.constant([2], ts.int16)).dtype == ts.float32
    assert (a // b).dtype == ts.int32 and (a // b).numpy().tolist() == [0, 3]


def test_broadcast_shape_error_names_op_and_shapes():
    with pytest.raises(InvalidArgumentError, match=r"AddV2.*\(2, 3\).*\(4,\).*broadcastable"):
        ts.zeros([2, 3]) + ts.zeros([4])

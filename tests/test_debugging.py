"""ts.debugging: assertions (messages checked by content), check_numerics and its gradient."""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tessera as ts
from tessera.core.errors import InvalidArgumentError
from tessera import debugging as dbg
from tests.gradcheck import check_grad, check_second_order


# -- value comparisons ------------------------------------------------------------
def test_assert_equal_passes_and_broadcasts():
    assert dbg.assert_equal(ts.constant([1, 2]), [1, 2]) is None
    assert dbg.assert_equal(ts.constant([[3, 3], [3, 3]]), 3) is None
    assert dbg.assert_equal(ts.zeros([0, 2]), ts.ones([0, 2])) is None


def test_assert_equal_message_shows_indices_values_and_message():
    with pytest.raises(InvalidArgumentError) as ei:
        dbg.assert_equal(ts.constant([1, 2, 3]), [1, 5, 4], message="labels differ")
    text = str(ei.value)
    assert text.startswith("labels differ\n")
    assert "Condition x == y did not hold." in text
    assert "Indices of first 2 different values (of 2):\n[[1]\n [2]]" in text
    assert "Corresponding x values:\n[2 3]" in text
    assert "Corresponding y values:\n[5 4]" in text
    assert "First 3 elements of x (shape=(3,) dtype=int32):\n[1 2 3]" in text


def test_assert_equal_summarize_limits_entries():
    with pytest.raises(InvalidArgumentError, match=r"first 1 different values \(of 10\)"):
        dbg.assert_equal(ts.zeros([10]), ts.ones([10]), summarize=1)
    with pytest.raises(InvalidArgumentError, match=r"First 10 elements of x"):
        dbg.assert_equal(ts.zeros([10]), ts.ones([10]), summarize=-1)


def test_assert_equal_shape_and_dtype_errors():
    with pytest.raises(InvalidArgumentError, match=r"x \(shape=\(3,\).*y \(shape=\(2,\).* not broadcastable"):
        dbg.assert_equal(ts.zeros([3]), ts.zeros([2]))
    with pytest.raises(InvalidArgumentError, match="ts.cast"):
        dbg.assert_equal(ts.constant([1, 2]), ts.constant([1.0, 2.0]))


@pytest.mark.parametrize("fn,x,y,ok", [
    (dbg.assert_less, [1, 2], [2, 3], True), (dbg.assert_less, [1, 2], [2, 2], False),
    (dbg.assert_less_equal, [1, 2], [2, 2], True), (dbg.assert_less_equal, [3, 2], [2, 2], False),
    (dbg.assert_greater, [3, 4], [2, 3], True), (dbg.assert_greater, [3, 3], [2, 3], False),
    (dbg.assert_greater_equal, [2, 3], [2, 3], True), (dbg.assert_greater_equal, [1], [2], False),
    (dbg.assert_none_equal, [1, 2], [2, 1], True), (dbg.assert_none_equal, [1, 2], [0, 2], False),
])
def test_ordering_asserts(fn, x, y, ok):
    x, y = ts.constant(x), ts.constant(y)
    if ok:
        assert fn(x, y) is None
    else:
        sym = {"assert_less": "<", "assert_less_equal": "<=", "assert_greater": ">",
               "assert_greater_equal": ">=", "assert_none_equal": "!="}[fn.__name__]
        with pytest.raises(InvalidArgumentError, match="my msg") as ei:
            fn(x, y, message="my msg")
        assert f"Condition x {sym} y did not hold." in str(ei.value)


def test_ordering_rejects_complex():
    z = ts.constant(np.array([1 + 1j], np.complex64))
    with pytest.raises(InvalidArgumentError, match="real numbers"):
        dbg.assert_less(z, z)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(-5, 5), min_size=1, max_size=8), st.integers(-5, 5))
def test_assert_less_agrees_with_numpy(xs, bound):
    x = ts.constant(xs)
    if all(v < bound for v in xs):
        assert dbg.assert_less(x, bound) is None
    else:
        with pytest.raises(InvalidArgumentError) as ei:
            dbg.assert_less(x, bound)
        n_bad = sum(v >= bound for v in xs)
        assert f"(of {n_bad})" in str(ei.value)


@pytest.mark.parametrize("fn,good,bad,cond", [
    (dbg.assert_positive, [1.0, 2.0], [1.0, 0.0], "x > 0"),
    (dbg.assert_negative, [-1.0], [-1.0, 0.0], "x < 0"),
    (dbg.assert_non_negative, [0.0, 2.0], [0.0, -2.0], "x >= 0"),
    (dbg.assert_non_positive, [0, -2], [0, 2], "x <= 0"),
])
def test_sign_asserts(fn, good, bad, cond):
    assert fn(ts.constant(good)) is None
    with pytest.raises(InvalidArgumentError) as ei:
        fn(ts.constant(bad), message="weights")
    text = str(ei.value)
    assert text.startswith("weights\n")
    assert f"Condition {cond} did not hold element-wise." in text
    assert "Indices of first 1 offending values (of 1):\n[[1]]" in text


def test_assert_non_negative_variable_and_empty():
    assert dbg.assert_non_negative(ts.Variable([0.0, 1.0])) is None
    assert dbg.assert_positive(ts.zeros([0])) is None
    with pytest.raises(InvalidArgumentError, match="real numeric"):
        dbg.assert_positive(ts.constant([True]))


# -- assert_near --------------------------------------------------------------------
def test_assert_near_default_tolerances_follow_dtype():
    x32 = ts.constant([1.0, 2.0])
    assert dbg.assert_near(x32, ts.constant([1.0, 2.0 * (1 + 1e-7)])) is None
    with pytest.raises(InvalidArgumentError, match=r"rtol = 1.19209e-06, atol = 1.19209e-06"):
        dbg.assert_near(x32, ts.constant([1.0, 2.0 * (1 + 1e-5)]))
    x64 = ts.constant(np.array([1.0], np.float64))
    with pytest.raises(InvalidArgumentError, match=r"rtol = 2.22045e-15"):
        dbg.assert_near(x64, ts.constant(np.array([1.0 + 1e-13])))
    assert dbg.assert_near(x64, ts.constant(np.array([1.0 + 1e-13])), rtol=1e-12) is None


def test_assert_near_message_and_atol():
    x = ts.constant([0.0, 1.0, 5.0])
    y = ts.constant([0.05, 1.0, 4.0])
    assert dbg.assert_near(x, y, atol=1.5) is None
    with pytest.raises(InvalidArgumentError) as ei:
        dbg.assert_near(x, y, rtol=0.0, atol=0.1, message="check")
    text = str(ei.value)
    assert text.startswith("check\n")
    assert "not equal to tolerance rtol = 0, atol = 0.1" in text
    assert "Largest difference 1 at index (2,) (x = 5.0, y = 4.0)" in text


def test_assert_near_nan_fails_and_int_rejected():
    with pytest.raises(InvalidArgumentError, match="not equal to tolerance"):
        dbg.assert_near(ts.constant([np.nan]), ts.constant([np.nan]))
    with pytest.raises(InvalidArgumentError, match="assert_equal for integers"):
        dbg.assert_near(ts.constant([1]), ts.constant([1]))


def test_assert_near_complex():
    z = ts.constant(np.array([1 + 1j], np.complex128))
    assert dbg.assert_near(z, z) is None
    with pytest.raises(InvalidArgumentError):
        dbg.assert_near(z, ts.constant(np.array([1 + 2j])))


# -- ranks, shapes, types -----------------------------------------------------------
def test_assert_rank_family():
    x = ts.zeros([2, 3])
    assert dbg.assert_rank(x, 2) is None
    assert dbg.assert_rank(x, ts.constant(2)) is None
    with pytest.raises(InvalidArgumentError, match=r"must have rank 3. Received rank 2, shape \(2, 3\)"):
        dbg.assert_rank(x, 3)
    with pytest.raises(ValueError, match="^oops\n"):
        dbg.assert_rank(x, 1, message="oops")
    assert dbg.assert_rank_at_least(x, 1) is None
    with pytest.raises(InvalidArgumentError, match=r"rank at least 3. Received rank 2"):
        dbg.assert_rank_at_least(x, 3)
    assert dbg.assert_rank_in(x, [1, 2]) is None
    with pytest.raises(InvalidArgumentError, match=r"rank in \(0, 1\)"):
        dbg.assert_rank_in(x, [0, 1])
    with pytest.raises(InvalidArgumentError, match="integer scalar"):
        dbg.assert_rank(x, 1.5)
    assert float(dbg.assert_scalar(ts.constant(3.0))) == 3.0
    with pytest.raises(InvalidArgumentError, match=r"Expected scalar shape, saw shape: \(2, 3\)"):
        dbg.assert_scalar(x)


def test_assert_rank_names_variable():
    v = ts.Variable([1.0], name="w")
    with pytest.raises(InvalidArgumentError, match="Tensor w must have rank 2"):
        dbg.assert_rank(v, 2)


def test_assert_shapes_tf_docs_example():
    x, y = ts.zeros([10, 3]), ts.ones([10, 7])
    param = ts.Variable([1.0, 2.0, 3.0])
    assert dbg.assert_shapes([(x, ("N", "Q")), (y, ("N", "D")), (param, ("Q",)),
                              (1.0, ())]) is None
    with pytest.raises(InvalidArgumentError) as ei:
        dbg.assert_shapes([(x, ("N", "D")), (y, ("N", "D"))], message="bad batch")
    text = str(ei.value)
    assert text.startswith("bad batch\n")
    assert ("entry 1 dimension 1 must have size 3 (symbol 'D', specified by entry 0 "
            "dimension 1). Received size 7, shape (10, 7).") in text


def test_assert_shapes_explicit_wildcards_prefix_and_dict():
    x = ts.zeros([4, 5, 6])
    assert dbg.assert_shapes([(x, (4, None, "."))]) is None
    assert dbg.assert_shapes([(x, ("4", 5, 6))]) is None
    assert dbg.assert_shapes([(x, (..., "C")), (ts.zeros([6]), ("*", "C"))]) is None
    assert dbg.assert_shapes({ts.zeros([2]).ref(): ("B",)}) is None
    with pytest.raises(InvalidArgumentError, match=r"dimension 0 must have size 5. Received size 4"):
        dbg.assert_shapes([(x, (5, 5, 6))])
    with pytest.raises(InvalidArgumentError, match=r"must have rank 2. Received rank 3"):
        dbg.assert_shapes([(x, ("A", "B"))])
    with pytest.raises(InvalidArgumentError, match=r"must have rank at least 4"):
        dbg.assert_shapes([(x, (..., 1, 1, 1, 1))])
    with pytest.raises(InvalidArgumentError, match="must be an iterable"):
        dbg.assert_shapes([(x, "NHW")])


def test_assert_shapes_scalars_count_as_length_one():
    assert dbg.assert_shapes([(ts.zeros([1]), ()), (ts.constant(2.0), ("N",)),
                              (ts.zeros([1]), ("N",))]) is None
    with pytest.raises(InvalidArgumentError, match="must have size 1"):
        dbg.assert_shapes([(ts.zeros([2]), ())])


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(1, 4), min_size=1, max_size=3), st.integers(1, 4))
def test_assert_shapes_symbol_agreement(dims, n):
    a = ts.zeros(dims)
    b = ts.zeros([n])
    if dims[0] == n:
        assert dbg.assert_shapes([(a, ["N"] + ["."] * (len(dims) - 1)), (b, ["N"])]) is None
    else:
        with pytest.raises(InvalidArgumentError, match=f"must have size {dims[0]}"):
            dbg.assert_shapes([(a, ["N"] + ["."] * (len(dims) - 1)), (b, ["N"])])


def test_assert_type_and_integer():
    assert dbg.assert_type(ts.constant([1.0]), ts.float32) is None
    assert dbg.assert_type(ts.constant([1]), "int32") is None
    with pytest.raises(TypeError, match=r"must be of type float64; got float32") as ei:
        dbg.assert_type(ts.constant([1.0]), ts.float64, message="need doubles")
    assert isinstance(ei.value, InvalidArgumentError)
    assert str(ei.value).startswith("need doubles\n")
    assert dbg.assert_integer(ts.constant([1])) is None
    with pytest.raises(TypeError, match="integer tensor.*float32"):
        dbg.assert_integer(ts.constant([1.0]))


def test_assert_same_float_dtype_and_proper_iterable():
    assert dbg.assert_same_float_dtype([ts.zeros([1]), ts.ones([2])]) == ts.float32
    assert dbg.assert_same_float_dtype() == ts.float32
    with pytest.raises(TypeError, match="Expected dtype float32"):
        dbg.assert_same_float_dtype([ts.zeros([1]), ts.constant(np.zeros(1))])
    with pytest.raises(TypeError, match="floating"):
        dbg.assert_same_float_dtype([ts.constant([1])])
    dbg.assert_proper_iterable([1, 2])
    with pytest.raises(TypeError, match="proper iterable"):
        dbg.assert_proper_iterable(ts.zeros([2]))
    with pytest.raises(TypeError):
        dbg.assert_proper_iterable("abc")


def test_Assert():
    assert dbg.Assert(ts.constant(True), [ts.constant([1, 2])]) is None
    with pytest.raises(InvalidArgumentError, match=r"assertion failed: \[x is\] \[\[1 2\]\]"):
        dbg.Assert(ts.reduce_sum(ts.constant([1, 2])) > 5, ["x is", ts.constant([1, 2])])
    with pytest.raises(InvalidArgumentError, match="boolean scalar"):
        dbg.Assert(ts.constant([True, False]), [])


# -- numerics -----------------------------------------------------------------------
def test_check_numerics_passes_value_through():
    x = ts.constant([[1.0, 2.0]])
    out = dbg.check_numerics(x, "ok")
    np.testing.assert_array_equal(out.numpy(), [[1.0, 2.0]])
    assert out.dtype == ts.float32


@pytest.mark.parametrize("vals,kind", [([1.0, np.nan], "NaN"), ([np.inf, 1.0], "Inf"),
                                       ([np.inf, np.nan], "Inf and NaN")])
def test_check_numerics_messages(vals, kind):
    with pytest.raises(InvalidArgumentError) as ei:
        dbg.check_numerics(ts.constant(vals), "after layer 3")
    text = str(ei.value)
    assert text.startswith(f"after layer 3 : Tensor had {kind} values")
    assert "of 2 elements" in text


def test_check_numerics_first_index_and_int():
    x = np.ones((2, 3), np.float64)
    x[1, 2] = -np.inf
    with pytest.raises(InvalidArgumentError, match=r"0 NaN, 1 Inf of 6 elements; first at index \(1, 2\)"):
        dbg.check_numerics(ts.constant(x), "m")
    with pytest.raises(InvalidArgumentError, match="integer tensors cannot hold NaN"):
        dbg.check_numerics(ts.constant([1]), "m")


def test_assert_all_finite():
    x = ts.constant([1.0])
    np.testing.assert_array_equal(dbg.assert_all_finite(x, "fine").numpy(), [1.0])
    with pytest.raises(InvalidArgumentError, match="^loss : Tensor had NaN values"):
        dbg.assert_all_finite(ts.constant([np.nan]), "loss")


def test_check_numerics_gradient():
    check_grad(lambda x: dbg.check_numerics(x, "m") * x, np.array([0.5, -1.5, 2.0]))
    check_second_order(lambda x: dbg.check_numerics(x, "m") * x, np.array([0.5, -1.5]))


def test_check_numerics_checks_the_gradient():
    x = ts.constant([1.0, 2.0])
    with ts.GradientTape() as tape:
        tape.watch(x)
        y = dbg.check_numerics(x, "pre-activation")
    with pytest.raises(InvalidArgumentError,
                       match=r"detected in gradient. pre-activation : Tensor had Inf values"):
        tape.gradient(y, x, output_gradients=ts.constant([1.0, np.inf]))


def test_is_numeric_tensor_and_monotonic():
    assert dbg.is_numeric_tensor(ts.constant([1.0]))
    assert dbg.is_numeric_tensor(ts.Variable([1]))
    assert not dbg.is_numeric_tensor(ts.constant([True]))
    assert not dbg.is_numeric_tensor(np.zeros(2))
    assert bool(dbg.is_non_decreasing(ts.constant([1, 1, 2])))
    assert not bool(dbg.is_strictly_increasing(ts.constant([1, 1, 2])))
    assert bool(dbg.is_strictly_increasing([[1, 2], [3, 4]]))
    assert not bool(dbg.is_non_decreasing([3, 2]))


def test_enable_check_numerics_is_a_flag_and_says_so():
    dbg._state["warned"] = False
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        dbg.enable_check_numerics()
        dbg.enable_check_numerics()
    assert dbg.is_check_numerics_enabled()
    assert len(w) == 1 and "only sets a flag" in str(w[0].message)
    dbg.disable_check_numerics()
    assert not dbg.is_check_numerics_enabled()
    dbg.set_log_device_placement(True)
    assert dbg.get_log_device_placement()
    dbg.set_log_device_placement(False)


def test_namespace_and_missing_names():
    assert ts.debugging.assert_equal is dbg.assert_equal
    with pytest.raises(AttributeError, match=r"tessera has no tf.debugging.foo_bar yet"):
        ts.debugging.foo_bar
    assert not hasattr(ts.debugging, "experimental_thing")

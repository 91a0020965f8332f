import numpy as np
import pytest

import tessera as ts


def test_constant_infers_tf_dtypes():
    assert ts.constant(1.5).dtype == ts.float32
    assert ts.constant(3).dtype == ts.int32
    assert ts.constant(True).dtype == ts.bool
    assert ts.constant([1, 2**40]).dtype == ts.int64
    assert ts.constant(np.zeros(3)).dtype == ts.float64  # NumPy keeps its dtype
    assert ts.constant([1, 2], dtype=ts.float16).dtype == ts.float16


def test_constant_shape_broadcasts_scalar_and_reshapes():
    np.testing.assert_array_equal(ts.constant(7, shape=[2, 3]).numpy(), np.full((2, 3), 7))
    assert ts.constant([1, 2, 3, 4], shape=(2, 2)).shape == (2, 2)
    with pytest.raises(TypeError, match="4 elements"):
        ts.constant([1, 2, 3, 4], shape=(3,))


def test_shape_dtype_device_ndim():
    x = ts.zeros([2, 3])
    assert x.shape == (2, 3) and x.shape == [2, 3]
    assert x.shape.as_list() == [2, 3]
    assert x.ndim == 2 and len(x) == 2
    assert x.dtype == ts.float32 and x.dtype == np.float32 and x.dtype == "float32"
    assert x.device.endswith("device:CPU:0")


def test_numpy_and_asarray_share_memory():
    a = np.arange(6, dtype=np.float32)
    x = ts.convert_to_tensor(a)
    assert np.shares_memory(np.asarray(x), x.numpy())
    assert np.asarray(x).dtype == np.float32


def test_python_conversions():
    assert float(ts.constant(2.5)) == 2.5
    assert int(ts.constant(3)) == 3
    assert bool(ts.constant(True)) is True
    assert [1, 2, 3][ts.constant(1)] == 2
    with pytest.raises(ValueError, match="ambiguous"):
        bool(ts.constant([1, 2]))
    with pytest.raises(TypeError, match="scalar"):
        len(ts.constant(1.0))


def test_iteration_yields_rows():
    rows = list(ts.constant([[1, 2], [3, 4]]))
    assert len(rows) == 2
    np.testing.assert_array_equal(rows[1].numpy(), [3, 4])


def test_repr_matches_tensorflow():
    assert repr(ts.constant([1.0, 2.0])) == \
        "<tf.Tensor: shape=(2,), dtype=float32, numpy=array([1., 2.], dtype=float32)>"
    assert repr(ts.constant(3)) == "<tf.Tensor: shape=(), dtype=int32, numpy=3>"
    assert str(ts.constant(6.0)) == "tf.Tensor(6.0, shape=(), dtype=float32)"


def test_tensors_are_unhashable_but_have_refs():
    x = ts.constant(1.0)
    with pytest.raises(TypeError, match="ref"):
        hash(x)
    d = {x.ref(): 1}
    assert d[x.ref()] == 1 and x.ref().deref() is x


def test_operators_against_numpy():
    a = np.array([[1.5, -2.0], [3.0, 4.0]], np.float32)
    b = np.array([2.0, -3.0], np.float32)
    x, y = ts.constant(a), ts.constant(b)
    for got, want in [(x + y, a + b), (x - y, a - b), (x * y, a * b), (x / y, a / b),
                      (x // y, a // b), (x % y, a % b), (abs(x), abs(a)), (-x, -a),
                      (x ** 2, a ** 2), (x @ x, a @ a), (2 - x, 2 - a), (1 / x, 1 / a),
                      (x < y, a < b), (x >= y, a >= b), (x == y, a == b), (x != y, a != b)]:
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-6)


def test_numpy_on_the_left_defers_to_tensor():
    out = np.ones(2, np.float32) + ts.constant([1.0, 2.0])
    assert isinstance(out, ts.Tensor)
    np.testing.assert_array_equal(out.numpy(), [2, 3])


def test_bool_operators():
    p, q = ts.constant([True, False]), ts.constant([True, True])
    np.testing.assert_array_equal((p & q).numpy(), [True, False])
    np.testing.assert_array_equal((p | q).numpy(), [True, True])
    np.testing.assert_array_equal((p ^ q).numpy(), [False, True])
    np.testing.assert_array_equal((~p).numpy(), [False, True])


def test_dtype_rules():
    f = ts.constant([1.0, 2.0])
    np.testing.assert_array_equal((f + 1).numpy(), [2, 3])
    assert (f + 1).dtype == ts.float32 and (f * 2.5).dtype == ts.float32
    i = ts.constant([1, 2])
    assert (i + 1).dtype == ts.int32
    with pytest.raises(ts.errors.InvalidArgumentError, match=r"ts.cast\(x, ts.float32\)"):
        i + 1.5
    with pytest.raises(ts.errors.InvalidArgumentError, match="float32 tensor.*float64 tensor.*ts.cast"):
        f + ts.constant(np.ones(2))
    assert (i / i).dtype == ts.float64  # TensorFlow's truediv on int32


def test_shape_mismatch_error_names_op_shapes_and_fix():
    with pytest.raises(ts.errors.InvalidArgumentError) as e:
        ts.add(ts.ones([2, 3]), ts.ones([4]))
    msg = str(e.value)
    assert "AddV2" in msg and "(2, 3)" in msg and "(4,)" in msg and "broadcast" in msg
    assert e.value.__cause__ is None  # not a chained NumPy traceback


def test_matmul_error_names_inner_dimensions():
    with pytest.raises(ts.errors.InvalidArgumentError, match=r"3 != 4.*Transpose or reshape"):
        ts.matmul(ts.ones([2, 3]), ts.ones([4, 5]))


def test_convert_to_tensor_dtype_conflict():
    with pytest.raises(ValueError, match=r"requested dtype int32.*ts.cast"):
        ts.convert_to_tensor(ts.constant(1.0), dtype=ts.int32)
    assert ts.convert_to_tensor([1, 2], dtype_hint=ts.float32).dtype == ts.float32
    assert ts.convert_to_tensor(3, dtype=ts.int64).dtype == ts.int64


def test_ragged_list_error():
    with pytest.raises(ValueError, match="same length"):
        ts.constant([[1, 2], [3]])


def test_is_tensor_and_pickle():
    import pickle
    x = ts.constant([1, 2])
    assert ts.is_tensor(x) and not ts.is_tensor(np.ones(2))
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(x)).numpy(), [1, 2])

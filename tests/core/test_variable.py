import numpy as np
import pytest

import tessera as ts


def test_variable_basics():
    v = ts.Variable([1.0, 2.0], name="v")
    assert v.name == "v:0" and v.trainable and v.shape == (2,) and v.dtype == ts.float32
    assert repr(v) == "<tf.Variable 'v:0' shape=(2,) dtype=float32, numpy=array([1., 2.], dtype=float32)>"
    assert v.assign([3.0, 4.0]) is v
    np.testing.assert_array_equal(v.numpy(), [3, 4])
    np.testing.assert_array_equal(v.assign_add([1.0, 1.0]).numpy(), [4, 5])
    np.testing.assert_array_equal(v.assign_sub([4.0, 4.0]).numpy(), [0, 1])
    np.testing.assert_array_equal(v.read_value().numpy(), [0, 1])
    np.testing.assert_array_equal((v + 1).numpy(), [1, 2])
    np.testing.assert_array_equal(ts.matmul(ts.ones([1, 2]), ts.reshape(v, [2, 1])).numpy(), [[1]])


def test_variable_callable_initial_value_and_dtype():
    v = ts.Variable(lambda: ts.ones([2]), dtype=ts.float64)
    assert v.dtype == ts.float64
    assert ts.Variable(1).dtype == ts.int32


def test_assign_checks_shape_and_dtype():
    v = ts.Variable(ts.zeros([2, 2]), name="w")
    with pytest.raises(ValueError, match=r"shape \(3,\).*'w:0'.*\(2, 2\)"):
        v.assign(ts.zeros([3]))
    with pytest.raises(TypeError, match=r"ts.cast\(value, ts.float32\)"):
        v.assign(ts.zeros([2, 2], ts.int32))
    w = ts.Variable(ts.zeros([2]), shape=ts.TensorShape(None))
    w.assign(ts.zeros([5]))
    assert w.shape == (5,)


def test_assign_does_not_change_earlier_reads():
    v = ts.Variable([1.0])
    snapshot = v.value()
    v.assign([5.0])
    assert snapshot.numpy()[0] == 1.0


def test_variable_requires_initial_value():
    with pytest.raises(ValueError, match="initial_value"):
        ts.Variable()


def test_module_finds_variables_in_attributes_lists_and_dicts():
    class Inner(ts.Module):
        def __init__(self):
            super().__init__()
            self.w = ts.Variable(1.0, name="w")

    class Outer(ts.Module):
        def __init__(self):
            super().__init__()
            self.inner = Inner()
            self.items = [ts.Variable(2.0, name="a"), {"b": ts.Variable(3.0, name="b", trainable=False)}]
            self.alias = self.inner.w  # counted once

    m = Outer()
    assert sorted(v.name for v in m.variables) == ["a:0", "b:0", "w:0"]
    assert sorted(v.name for v in m.trainable_variables) == ["a:0", "w:0"]
    assert len(m.submodules) == 1 and m.name == "outer"

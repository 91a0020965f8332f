import numpy as np
import pytest

import tessera as ts


def test_variable_watched_automatically():
    v = ts.Variable(3.0)
    with ts.GradientTape() as tape:
        y = v * v
    assert float(tape.gradient(y, v)) == 6.0
    assert tape.watched_variables()[0] is v


def test_constant_needs_watch():
    x = ts.constant(3.0)
    with ts.GradientTape() as tape:
        y = x * x
    assert tape.gradient(y, x) is None
    with ts.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    assert float(tape.gradient(y, x)) == 6.0


def test_non_persistent_tape_used_once():
    x = ts.Variable(1.0)
    with ts.GradientTape() as tape:
        y = x * 2
    tape.gradient(y, x)
    with pytest.raises(RuntimeError, match="persistent=True"):
        tape.gradient(y, x)


def test_persistent_tape_and_nested_sources():
    a, b = ts.Variable(2.0), ts.Variable(3.0)
    with ts.GradientTape(persistent=True) as tape:
        y = a * b
        z = a * a
    g = tape.gradient(y, {"a": a, "list": [b]})
    assert float(g["a"]) == 3.0 and float(g["list"][0]) == 2.0
    assert float(tape.gradient(z, a)) == 4.0


def test_non_scalar_target_is_summed_and_output_gradients():
    x = ts.constant([1.0, 2.0, 3.0])
    with ts.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), [2, 4, 6])
    np.testing.assert_allclose(
        tape.gradient(y, x, output_gradients=ts.constant([1.0, 0.0, 2.0])).numpy(), [2, 0, 12])


def test_broadcast_gradients_are_reduced():
    x = ts.Variable(ts.ones([3, 4]))
    b = ts.Variable(ts.ones([4]))
    with ts.GradientTape() as tape:
        y = ts.reduce_sum(x * b + b)
    gx, gb = tape.gradient(y, [x, b])
    assert gx.shape == (3, 4) and gb.shape == (4,)
    np.testing.assert_allclose(gb.numpy(), [6, 6, 6, 6])


def test_unconnected_gradients():
    x, z = ts.Variable(1.0), ts.Variable(2.0)
    with ts.GradientTape(persistent=True) as tape:
        y = x * 3
    assert tape.gradient(y, z) is None
    assert float(tape.gradient(y, z, unconnected_gradients=ts.UnconnectedGradients.ZERO)) == 0.0
    assert float(tape.gradient(y, z, unconnected_gradients="zero")) == 0.0


def test_integer_sources_give_none():
    i = ts.constant(3)
    with ts.GradientTape() as tape:
        tape.watch(i)
        y = i * i
    assert tape.gradient(y, i) is None


def test_higher_order_derivatives():
    x = ts.Variable(2.0)
    with ts.GradientTape() as t3:
        with ts.GradientTape() as t2:
            with ts.GradientTape() as t1:
                y = x * x * x
            d1 = t1.gradient(y, x)
        d2 = t2.gradient(d1, x)
    d3 = t3.gradient(d2, x)
    assert (float(d1), float(d2), float(d3)) == (12.0, 12.0, 6.0)


def test_stop_recording_and_reset():
    x = ts.Variable(2.0)
    with ts.GradientTape(persistent=True) as tape:
        with tape.stop_recording():
            y = x * x
        z = x * 3
    assert tape.gradient(y, x) is None
    assert float(tape.gradient(z, x)) == 3.0
    with ts.GradientTape() as tape:
        a = x * x
        tape.reset()
        b = x * 5
    assert float(tape.gradient(b, x)) == 5.0


def test_watch_accessed_variables_false():
    v = ts.Variable(1.0)
    with ts.GradientTape(watch_accessed_variables=False) as tape:
        y = v * 2
    assert tape.gradient(y, v) is None
    with ts.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(v)
        y = v * 2
    assert float(tape.gradient(y, v)) == 2.0


def test_non_trainable_variable_not_watched():
    v = ts.Variable(1.0, trainable=False)
    with ts.GradientTape() as tape:
        y = v * 2
    assert tape.gradient(y, v) is None


def test_assign_after_use_keeps_recorded_value():
    v = ts.Variable(2.0)
    with ts.GradientTape() as tape:
        y = v * v
        v.assign(10.0)
    assert float(tape.gradient(y, v)) == 4.0


def test_jacobian_and_batch_jacobian():
    x = ts.constant([[1.0, 2.0], [3.0, 4.0]])
    with ts.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
    j = tape.jacobian(y, x)
    assert j.shape == (2, 2, 2, 2)
    want = np.zeros((2, 2, 2, 2))
    for i in range(2):
        for k in range(2):
            want[i, k, i, k] = 2 * x.numpy()[i, k]
    np.testing.assert_allclose(j.numpy(), want)
    bj = tape.batch_jacobian(y, x)
    assert bj.shape == (2, 2, 2)
    np.testing.assert_allclose(bj.numpy(), [np.diag(2 * x.numpy()[0]), np.diag(2 * x.numpy()[1])])


def test_custom_gradient():
    @ts.custom_gradient
    def clipped_identity(x):
        def grad(upstream):
            return upstream * 0.5
        return ts.identity(x) * 1.0, grad

    x = ts.constant(3.0)
    with ts.GradientTape() as tape:
        tape.watch(x)
        y = clipped_identity(x) * 4
    assert float(y) == 12.0
    assert float(tape.gradient(y, x)) == 2.0


def test_custom_gradient_with_variables():
    w = ts.Variable(2.0)

    @ts.custom_gradient
    def scale(x):
        def grad(upstream, variables=None):
            return upstream * w, [upstream * x * 10]
        return x * w, grad

    x = ts.constant(3.0)
    with ts.GradientTape() as tape:
        tape.watch(x)
        y = scale(x)
    gx, gw = tape.gradient(y, [x, w])
    assert float(gx) == 2.0 and float(gw) == 30.0


def test_explain_names_each_disconnected_source():
    w = ts.Variable([1.0, 2.0], name="w")
    frozen = ts.Variable(1.0, name="frozen", trainable=False)
    c = ts.constant(2.0)
    unused = ts.Variable(5.0, name="unused")
    k = ts.Variable([1.0, 2.0], name="k")
    s = ts.Variable(1.0, name="s")
    with ts.GradientTape(persistent=True) as tape:
        idx = ts.cast(w, ts.int32)        # integer cast cuts the path
        y = ts.cast(idx, ts.float32) * frozen * c + ts.stop_gradient(s) + ts.reduce_sum(k)
    text = tape.explain(y, [w, frozen, c, unused, s, k])
    lines = text.splitlines()
    assert "Cast" in lines[0] and "floating-point" in lines[0] and "'w:0'" in lines[0]
    assert "non-trainable" in lines[1]
    assert "tape.watch(x)" in lines[2]
    assert "never read" in lines[3]
    assert "stop_gradient" in lines[4]
    assert "connected" in lines[5]
    assert tape.gradient(y, [w, frozen, c, unused, s]) == [None] * 5


def test_gradient_of_argmax_path_is_none_and_explained():
    x = ts.Variable([1.0, 3.0, 2.0])
    with ts.GradientTape(persistent=True) as tape:
        i = ts.argmax(x)
        y = ts.cast(i, ts.float32) * 2.0
    assert tape.gradient(y, x) is None
    assert "ArgMax" in tape.explain(y, x)


def test_watch_rejects_non_tensors():
    with ts.GradientTape() as tape:
        with pytest.raises(ValueError, match="ts.constant"):
            tape.watch([1.0, 2.0])

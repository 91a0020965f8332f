import numpy as np
import pytest

import tessera as ts
from tessera.ops.fused import dense
from tests.gradcheck import check_grad, check_second_order


@pytest.mark.parametrize("activation", [None, "relu"])
@pytest.mark.parametrize("shape", [(4, 3), (2, 5, 3)])
def test_dense_values_and_gradients(activation, shape):
    rng = np.random.default_rng(0)
    x, w, b = rng.normal(size=shape), rng.normal(size=(3, 2)), rng.normal(size=(2,))
    out = dense(ts.constant(x), ts.constant(w), ts.constant(b), activation).numpy()
    ref = x @ w + b
    if activation == "relu":
        ref = np.maximum(ref, 0)
    np.testing.assert_allclose(out, ref, rtol=1e-12)
    check_grad(lambda x, w, b: dense(x, w, b, activation), x, w, b)
    check_grad(lambda x, w: dense(x, w, None, activation), x, w)


def test_dense_second_order_uses_composite_backward():
    rng = np.random.default_rng(1)
    check_second_order(lambda x, w, b: dense(x, w, b, "relu") ** 2,
                       rng.normal(size=(3, 3)), rng.normal(size=(3, 2)), rng.normal(size=(2,)))


def test_dense_skips_input_gradient_when_not_needed():
    x = ts.constant(np.ones((2, 3)))
    w = ts.Variable(np.ones((3, 2)))
    with ts.GradientTape() as tape:
        y = dense(x, w)
    assert tape.gradient(y, w).shape == (3, 2)


def test_dense_errors():
    with pytest.raises(ts.errors.InvalidArgumentError, match="inner dimensions"):
        dense(ts.ones([2, 3]), ts.ones([4, 2]))
    with pytest.raises(ValueError, match="fused activation"):
        dense(ts.ones([2, 3]), ts.ones([3, 2]), activation="tanh")


@pytest.mark.parametrize("dtype", ["float16", "float32"])
def test_dense_bias_gradient_is_column_sum(dtype):
    """float32/64 sum the bias gradient with a matrix-vector product, float16 with sum."""
    rng = np.random.default_rng(2)
    x = ts.constant(rng.normal(size=(3, 4, 3)).astype(dtype))
    w = ts.Variable(rng.normal(size=(3, 5)).astype(dtype))
    b = ts.Variable(np.zeros(5, dtype))
    g = rng.normal(size=(3, 4, 5)).astype(dtype)
    with ts.GradientTape() as tape:
        y = dense(x, w, b)
        loss = ts.reduce_sum(y * ts.constant(g))
    gb = tape.gradient(loss, b).numpy()
    assert gb.dtype == np.dtype(dtype)
    np.testing.assert_allclose(gb, g.astype(np.float64).sum(axis=(0, 1)), rtol=2e-2, atol=2e-2)

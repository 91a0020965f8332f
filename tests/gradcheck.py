"""The shared finite-difference gradient checker (float64), used for every differentiable op.

    from tests.gradcheck import check_grad, check_second_order
    check_grad(lambda x, y: ts.multiply(x, y), x_np, y_np)

`f` takes Tensors and returns a Tensor (or a list of them). The checker
projects the output onto fixed random weights to get a scalar, computes the
tape's gradient with respect to every float argument, and compares it with
central differences.
"""
import numpy as np

import tessera as ts


def _scalarize(out, rng_seed=0):
    outs = out if isinstance(out, (list, tuple)) else [out]
    total = None
    for i, o in enumerate(outs):
        if o is None or o.dtype.name not in ("float64", "float32", "float16"):
            continue
        w = np.random.default_rng(rng_seed + i).uniform(0.5, 1.5, size=tuple(o.shape))
        term = ts.reduce_sum(o * ts.constant(w.astype(o.dtype.name)))
        total = term if total is None else total + term
    return total


def _loss_value(f, arrays):
    res = _scalarize(f(*[ts.constant(a) for a in arrays]))
    return float(res.numpy())


def numeric_grad(f, arrays, i, eps=1e-6):
    """Central-difference gradient of the projected output w.r.t. arrays[i]."""
    base = [np.array(a, dtype=np.float64, copy=True) if np.asarray(a).dtype.kind == "f" else a
            for a in arrays]
    x = base[i]
    g = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        idx = it.multi_index
        old = x[idx]
        x[idx] = old + eps
        up = _loss_value(f, base)
        x[idx] = old - eps
        down = _loss_value(f, base)
        x[idx] = old
        g[idx] = (up - down) / (2 * eps)
    return g


def tape_grad(f, arrays):
    """The tape's gradients of the projected output w.r.t. every float argument."""
    xs = [ts.constant(np.asarray(a)) for a in arrays]
    with ts.GradientTape() as tape:
        for x in xs:
            if x.dtype.is_floating:
                tape.watch(x)
        loss = _scalarize(f(*xs))
    grads = tape.gradient(loss, xs)
    return [None if g is None else g.numpy() for g in grads]


def check_grad(f, *arrays, eps=1e-6, rtol=1e-4, atol=1e-6, wrt=None):
    """Asserts the tape's gradient of `f` matches finite differences (float64 inputs).

    Args:
        f: function of Tensors returning a Tensor or list of Tensors.
        *arrays: NumPy inputs; float ones are differentiated (cast to float64).
        wrt: indices of the arguments to check (default: every float one).
    """
    arrays = [np.asarray(a, dtype=np.float64) if np.asarray(a).dtype.kind == "f" else np.asarray(a)
              for a in arrays]
    analytic = tape_grad(f, arrays)
    idxs = wrt if wrt is not None else [i for i, a in enumerate(arrays) if a.dtype.kind == "f"]
    for i in idxs:
        num = numeric_grad(f, arrays, i, eps)
        got = analytic[i]
        assert got is not None, f"gradient for argument {i} is None"
        np.testing.assert_allclose(got, num, rtol=rtol, atol=atol,
                                   err_msg=f"gradient of argument {i} differs from finite differences")


def check_second_order(f, *arrays, eps=1e-5, rtol=1e-3, atol=1e-5):
    """Checks second derivatives: the gradient (from a nested tape) of `f` is itself
    differentiated and compared with finite differences of that gradient."""
    arrays = [np.asarray(a, dtype=np.float64) for a in arrays]

    def first_grad(*xs):
        with ts.GradientTape() as inner:
            for x in xs:
                inner.watch(x)
            loss = _scalarize(f(*xs), rng_seed=7)
        gs = inner.gradient(loss, list(xs))
        return [g for g in gs if g is not None]

    check_grad(first_grad, *arrays, eps=eps, rtol=rtol, atol=atol)


def grad_of(f, x):
    """The tape's gradient of `f(x)` with respect to the NumPy array `x`, as NumPy."""
    x = ts.constant(x)
    with ts.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    return tape.gradient(y, x).numpy()

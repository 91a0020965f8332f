import itertools

import numpy as np
import pytest

import tessera as ts
from tests.gradcheck import check_grad, check_second_order


# ---------------------------------------------------------------------------
# NumPy reference: loops over output cells, channels last.
# ---------------------------------------------------------------------------
def same_pads(sizes, k, s, d=None):
    d = d or [1] * len(sizes)
    out = []
    for n, ki, si, di in zip(sizes, k, s, d):
        o = -(-n // si)
        total = max((o - 1) * si + (ki - 1) * di + 1 - n, 0)
        out.append((total // 2, total - total // 2))
    return out


def ref_pool(x, k, s, pads, mode, d=None):
    """Pools channels-last `x`; `pads` are (before, after) per spatial axis; padded cells
    are skipped (max ignores them, avg does not count them)."""
    sp = x.shape[1:-1]
    d = d or [1] * len(sp)
    outs = [(n + pb + pa - (ki - 1) * di - 1) // si + 1
            for n, ki, si, (pb, pa), di in zip(sp, k, s, pads, d)]
    out = np.zeros((x.shape[0], *outs, x.shape[-1]), dtype=np.float64)
    for o in itertools.product(*[range(v) for v in outs]):
        taps = []
        for j in itertools.product(*[range(ki) for ki in k]):
            p = [oi * si - pb + ji * di for oi, si, (pb, _), ji, di in zip(o, s, pads, j, d)]
            if all(0 <= pi < n for pi, n in zip(p, sp)):
                taps.append(x[(slice(None), *p, slice(None))])
        taps = np.stack(taps)
        out[(slice(None), *o, slice(None))] = taps.max(0) if mode == "max" else taps.mean(0)
    return out


def to_first(a):
    return np.moveaxis(a, -1, 1)


FIRST = {1: "NCW", 2: "NCHW", 3: "NCDHW"}
OPS = {("max", 1): ts.nn.max_pool1d, ("max", 2): ts.nn.max_pool2d, ("max", 3): ts.nn.max_pool3d,
       ("avg", 1): ts.nn.avg_pool1d, ("avg", 2): ts.nn.avg_pool2d, ("avg", 3): ts.nn.avg_pool3d}

CASES = [  # shape (channels last), ksize, strides
    ((2, 7, 3), [3], [2]),
    ((2, 8, 2), [2], [2]),
    ((2, 5, 6, 3), [2, 3], [1, 2]),
    ((2, 6, 6, 2), [2, 2], [2, 2]),       # non-overlapping: the reshape path
    ((2, 7, 5, 2), [2, 2], [2, 2]),       # odd sizes: VALID floors
    ((2, 5, 5, 2), [3, 3], [2, 2]),       # overlapping
    ((1, 4, 5, 3, 2), [2, 2, 3], [2, 1, 2]),
    ((1, 4, 4, 4, 2), [2, 2, 2], [2, 2, 2]),
]


@pytest.mark.parametrize("mode", ["max", "avg"])
@pytest.mark.parametrize("padding", ["VALID", "SAME"])
@pytest.mark.parametrize("shape,k,s", CASES)
def test_values_against_numpy_loops(shape, k, s, padding, mode):
    x = np.random.default_rng(0).standard_normal(shape)
    n = len(shape) - 2
    pads = same_pads(shape[1:-1], k, s) if padding == "SAME" else [(0, 0)] * n
    want = ref_pool(x, k, s, pads, mode)
    got = OPS[mode, n](x, k, s, padding).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-12)
    generic = (ts.nn.max_pool if mode == "max" else ts.nn.avg_pool)(x, k, s, padding)
    np.testing.assert_allclose(generic.numpy(), want, rtol=1e-12)
    first = OPS[mode, n](to_first(x), k, s, padding, data_format=FIRST[n]).numpy()
    np.testing.assert_allclose(first, to_first(want), rtol=1e-12)


@pytest.mark.parametrize("mode", ["max", "avg"])
@pytest.mark.parametrize("padding", ["VALID", "SAME"])
@pytest.mark.parametrize("shape,k,s", [CASES[0], CASES[2], CASES[4], CASES[5], CASES[6]])
def test_gradients_finite_differences(shape, k, s, padding, mode):
    x = np.random.default_rng(1).standard_normal(shape)
    op = OPS[mode, len(shape) - 2]
    check_grad(lambda a: op(a, k, s, padding), x)


@pytest.mark.parametrize("mode", ["max", "avg"])
def test_gradients_channels_first(mode):
    x = np.random.default_rng(2).standard_normal((2, 2, 5, 4))
    op = OPS[mode, 2]
    check_grad(lambda a: op(a, [3, 2], [2, 1], "SAME", data_format="NCHW"), x)
    check_grad(lambda a: op(a, 2, 2, "VALID", data_format="NCHW"), x)


@pytest.mark.parametrize("k,s,padding", [(2, 2, "VALID"), (3, 2, "SAME"), (2, 1, "VALID")])
def test_second_order(k, s, padding):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 5, 4, 2))
    check_second_order(lambda a: ts.nn.max_pool2d(a, k, s, padding) ** 2, x)
    check_second_order(lambda a: ts.nn.avg_pool2d(a, k, s, padding) ** 2, x)


def test_max_pool_grad_of_grad_is_linear_in_upstream():
    # d/dg <dx(g), h> = MaxPoolGradGrad(h): the gradient w.r.t. the upstream gradient.
    rng = np.random.default_rng(4)
    x = ts.constant(rng.standard_normal((1, 4, 4, 1)))
    g = ts.constant(rng.standard_normal((1, 2, 2, 1)))
    h = rng.standard_normal((1, 4, 4, 1))
    with ts.GradientTape() as outer:
        outer.watch(g)
        with ts.GradientTape() as inner:
            inner.watch(x)
            y = ts.nn.max_pool2d(x, 2, 2, "VALID")
        dx = inner.gradient(y, x, output_gradients=g)
        s = ts.reduce_sum(dx * h)
    got = outer.gradient(s, g).numpy()
    xa = x.numpy()[0, :, :, 0]
    want = np.zeros((2, 2))
    for i, j in itertools.product(range(2), range(2)):
        w = xa[2 * i:2 * i + 2, 2 * j:2 * j + 2]
        a, b = np.unravel_index(np.argmax(w), (2, 2))
        want[i, j] = h[0, 2 * i + a, 2 * j + b, 0]
    np.testing.assert_allclose(got[0, :, :, 0], want)


def _grad(f, x):
    x = ts.constant(x)
    with ts.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    return tape.gradient(y, x).numpy()


def test_ties_route_the_gradient_to_the_first_maximum():
    x = np.zeros((1, 4, 4, 1))
    g = _grad(lambda a: ts.nn.max_pool2d(a, 2, 2, "VALID"), x)[0, :, :, 0]
    np.testing.assert_array_equal(g, [[1, 0, 1, 0], [0, 0, 0, 0], [1, 0, 1, 0], [0, 0, 0, 0]])
    # SAME, overlapping: the first real cell of each window wins (padding never does).
    g = _grad(lambda a: ts.nn.max_pool2d(a, 3, 1, "SAME"), x)[0, :, :, 0]
    np.testing.assert_array_equal(g, [[4, 2, 2, 0], [2, 1, 1, 0], [2, 1, 1, 0], [0, 0, 0, 0]])
    # a tie inside one window of real data: only the first position gets it
    x = np.array([1.0, 3.0, 3.0, 2.0]).reshape(1, 4, 1)
    g = _grad(lambda a: ts.nn.max_pool1d(a, 4, 4, "VALID"), x)
    np.testing.assert_array_equal(g.ravel(), [0, 1, 0, 0])


def test_same_average_excludes_padding():
    x = np.ones((1, 3, 3, 1), dtype=np.float32)
    y = ts.nn.avg_pool2d(x, 2, 2, "SAME").numpy()
    np.testing.assert_array_equal(y, np.ones((1, 2, 2, 1)))


def test_explicit_padding_for_max_pool():
    x = np.random.default_rng(5).standard_normal((2, 4, 5, 3))
    got = ts.nn.max_pool2d(x, 3, 2, [[0, 0], [1, 2], [2, 0], [0, 0]]).numpy()
    np.testing.assert_allclose(got, ref_pool(x, [3, 3], [2, 2], [(1, 2), (2, 0)], "max"))
    check_grad(lambda a: ts.nn.max_pool2d(a, 3, 2, [[0, 0], [1, 2], [2, 0], [0, 0]]), x)


@pytest.mark.parametrize("kind", ["MAX", "AVG"])
@pytest.mark.parametrize("padding", ["VALID", "SAME"])
def test_pool_with_dilations(kind, padding):
    x = np.random.default_rng(6).standard_normal((2, 7, 6, 2))
    k, d = [3, 2], [2, 3]
    pads = same_pads(x.shape[1:-1], k, [1, 1], d) if padding == "SAME" else [(0, 0), (0, 0)]
    want = ref_pool(x, k, [1, 1], pads, kind.lower(), d)
    got = ts.nn.pool(x, k, kind, padding=padding, dilations=d)
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-12)
    check_grad(lambda a: ts.nn.pool(a, k, kind, padding=padding, dilations=d), x)


def test_ksize_and_strides_forms():
    x = np.random.default_rng(7).standard_normal((2, 6, 6, 3)).astype(np.float32)
    a = ts.nn.max_pool2d(x, 2, 2, "VALID").numpy()
    for k, s in [([2, 2], [2, 2]), ([1, 2, 2, 1], [1, 2, 2, 1]), ([2], [2])]:
        np.testing.assert_array_equal(ts.nn.max_pool2d(x, k, s, "VALID").numpy(), a)
    nc = ts.nn.max_pool2d(to_first(x), [1, 1, 2, 2], [1, 1, 2, 2], "VALID", "NCHW").numpy()
    np.testing.assert_array_equal(nc, to_first(a))


def test_dtypes():
    x = np.arange(32).reshape(1, 4, 4, 2)
    for dt in ("int32", "int64", "float16", "float32"):
        y = ts.nn.max_pool2d(ts.constant(x.astype(dt)), 2, 2, "SAME")
        assert y.dtype.name == dt
        np.testing.assert_array_equal(y.numpy(), ref_pool(x, [2, 2], [2, 2], [(0, 0)] * 2, "max"))
    y = ts.nn.max_pool2d(ts.constant(x.astype("int32")), 3, 1, "SAME")
    np.testing.assert_array_equal(y.numpy(), ref_pool(x, [3, 3], [1, 1], [(1, 1)] * 2, "max"))
    assert ts.nn.avg_pool2d(x.astype("float32"), 2, 2, "VALID").dtype.name == "float32"


def test_infer_shape_for_graphs():
    from tessera.ops.pooling import _max_pool
    attrs = dict(ksize=(2, 2), strides=(2, 2), pads=((0, 0), (0, 0)), axes=(1, 2),
                 dilations=(1, 1))
    assert _max_pool.infer_shape(((None, 11, 11, 64), "float32"), **attrs) == (None, 5, 5, 64)


def test_errors_name_the_op_shapes_and_fix():
    x = ts.ones([2, 4, 4, 3])
    with pytest.raises(ts.errors.InvalidArgumentError, match=r"MaxPool2D.*4-D input.*\(2, 4, 3\)"):
        ts.nn.max_pool2d(ts.ones([2, 4, 3]), 2, 2, "VALID")
    with pytest.raises(ts.errors.InvalidArgumentError, match=r"ksize must have 1, 2 or 4 entries"):
        ts.nn.max_pool2d(x, [2, 2, 2], 2, "VALID")
    with pytest.raises(ts.errors.InvalidArgumentError, match=r"padding must be 'VALID' or 'SAME'"):
        ts.nn.avg_pool2d(x, 2, 2, "FULL")
    with pytest.raises(ts.errors.InvalidArgumentError, match=r"does not fit the input of shape "
                                                             r"\(2, 4, 4, 3\).*padding='SAME'"):
        ts.nn.max_pool2d(x, 5, 1, "VALID")
    with pytest.raises(ts.errors.InvalidArgumentError, match=r"floating-point.*ts.cast"):
        ts.nn.avg_pool2d(ts.ones([1, 2, 2, 1], dtype=ts.int32), 2, 2, "VALID")
    with pytest.raises(ts.errors.InvalidArgumentError, match=r"data_format must be 'NHWC'"):
        ts.nn.max_pool2d(x, 2, 2, "VALID", data_format="NWC")
    with pytest.raises(ts.errors.InvalidArgumentError, match=r"batch or channel axis"):
        ts.nn.max_pool2d(x, [2, 2, 2, 2], 1, "VALID")
    with pytest.raises(ts.errors.InvalidArgumentError, match=r"rank 3, 4 or 5"):
        ts.nn.max_pool(ts.ones([2, 3]), 2, 2, "VALID")
    with pytest.raises(ts.errors.InvalidArgumentError, match=r"strides must be positive"):
        ts.nn.max_pool2d(x, 2, 0, "VALID")
    with pytest.raises(ts.errors.InvalidArgumentError, match=r"pooling_type"):
        ts.nn.pool(x, [2, 2], "MIN")


# ---------------------------------------------------------------------------
# The recorded tournament (non-overlapping windows under a tape) and output buffers
# ---------------------------------------------------------------------------
def ref_first_max_grad(x, k, g):
    """dL/dx of VALID non-overlapping max pooling by loops: `g` to the first maximum in
    row-major window order."""
    sp = x.shape[1:-1]
    outs = [n // ki for n, ki in zip(sp, k)]
    dx = np.zeros_like(x)
    for b in range(x.shape[0]):
        for o in itertools.product(*[range(v) for v in outs]):
            for c in range(x.shape[-1]):
                best, arg = None, None
                for off in itertools.product(*[range(ki) for ki in k]):
                    pos = tuple(oi * ki + j for oi, ki, j in zip(o, k, off))
                    v = x[(b,) + pos + (c,)]
                    if best is None or v > best:
                        best, arg = v, pos
                dx[(b,) + arg + (c,)] += g[(b,) + o + (c,)]
    return dx


@pytest.mark.parametrize("shape,k", [((2, 8, 9, 3), (2, 2)), ((2, 9, 7, 2), (3, 3)),
                                     ((3, 7, 2), (2,)), ((2, 4, 6, 5, 2), (2, 3, 2)),
                                     ((2, 6, 6, 2), (1, 2)), ((2, 6, 5, 2), (3, 1))])
def test_recorded_tournament_routes_ties_to_the_first_maximum(shape, k):
    rng = np.random.default_rng(11)
    x = rng.integers(0, 3, size=shape).astype(np.float32)   # many ties
    xt = ts.constant(x)
    with ts.GradientTape() as tape:
        tape.watch(xt)
        y = ts.nn.max_pool(xt, list(k), list(k), "VALID")
        loss = ts.reduce_sum(y * ts.constant(np.arange(1.0, 1 + np.prod(y.shape),
                                                        dtype=np.float32).reshape(y.shape)))
    from tessera.ops import pooling as P
    assert P._saved_stages(xt._a, y._a) is not None      # the recorded path is taken
    dx = tape.gradient(loss, xt).numpy()
    g = np.arange(1.0, 1 + np.prod(y.shape), dtype=np.float32).reshape(y.shape)
    np.testing.assert_array_equal(y.numpy(), ref_pool(x.astype(np.float64), k, k,
                                                      [(0, 0)] * len(k), "max"))
    np.testing.assert_array_equal(dx, ref_first_max_grad(x, k, g))


def test_max_pool_gradient_without_recorded_forward_matches_recorded():
    from tessera.ops import pooling as P
    rng = np.random.default_rng(3)
    x = np.maximum(rng.standard_normal((2, 6, 7, 3)), 0).astype(np.float32)
    a = dict(ksize=(2, 2), strides=(2, 2), pads=((0, 0), (0, 0)), axes=(1, 2),
             dilations=(1, 1))
    y = P._max_pool_fwd(x, **a)                       # no tape: nothing recorded
    assert P._saved_stages(x, y) is None
    g = rng.standard_normal(y.shape).astype(np.float32)
    plain = P._max_pool_grad_fwd(x, y, g, **a).copy()
    np.testing.assert_array_equal(plain, ref_first_max_grad(x, (2, 2), g))
    np.testing.assert_array_equal(_grad(lambda t_: ts.reduce_sum(
        ts.nn.max_pool2d(t_, 2, 2, "VALID") * g), x), plain)


def test_pooled_outputs_are_never_reused_while_held():
    rng = np.random.default_rng(4)
    x1 = rng.standard_normal((64, 32, 32, 16)).astype(np.float32)    # outputs >= 1 MiB
    x2 = rng.standard_normal(x1.shape).astype(np.float32)
    y1 = ts.nn.max_pool2d(x1, 2, 2, "VALID")
    keep = y1.numpy()[:, 0]                 # a view of the output array
    ref1 = keep.copy()
    del y1
    y2 = ts.nn.max_pool2d(x2, 2, 2, "VALID")
    np.testing.assert_array_equal(keep, ref1)
    np.testing.assert_array_equal(y2.numpy(), x2.reshape(64, 16, 2, 16, 2, 16).max(axis=(2, 4)))
    # under a tape, with the first output dropped: the gradient of the second is exact
    del keep
    xt = ts.constant(x1)
    with ts.GradientTape() as tape:
        tape.watch(xt)
        y = ts.nn.max_pool2d(xt, 2, 2, "VALID")
    z = ts.nn.max_pool2d(x2, 2, 2, "VALID")            # may reuse a free buffer
    dx = tape.gradient(y, xt).numpy()
    up = np.repeat(np.repeat(y.numpy(), 2, axis=1), 2, axis=2)      # no ties in x1
    np.testing.assert_array_equal(dx, (x1 == up).astype(np.float32))
    assert z.shape == y.shape

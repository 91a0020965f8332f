"""Convolution ops: values against a direct-loop NumPy reference, gradients by finite
differences (first and second order), the transposed / depthwise / separable forms, errors."""
import itertools

import numpy as np
import pytest

import tessera as ts
from tessera.ops.conv import conv
from tests.gradcheck import check_grad, check_second_order


# --------------------------------------------------------------------------- references
def ref_conv(x, w, strides=None, dilations=None, pads=None, groups=1):
    """Direct loop convolution, channels-last, filters (*k, C/groups, C_out)."""
    nd = x.ndim - 2
    strides = strides or (1,) * nd
    dilations = dilations or (1,) * nd
    pads = pads or ((0, 0),) * nd
    x = np.pad(x, ((0, 0),) + tuple(pads) + ((0, 0),))
    c, k, co = x.shape[-1], w.shape[:-2], w.shape[-1]
    cg, cog = c // groups, co // groups
    o = [(x.shape[1 + i] - (k[i] - 1) * dilations[i] - 1) // strides[i] + 1 for i in range(nd)]
    out = np.zeros((x.shape[0], *o, co))
    for oi in itertools.product(*[range(v) for v in o]):
        for ki in itertools.product(*[range(v) for v in k]):
            pos = tuple(oi[i] * strides[i] + ki[i] * dilations[i] for i in range(nd))
            patch = x[(slice(None),) + pos]
            for g in range(groups):
                out[(slice(None),) + oi + (slice(g * cog, (g + 1) * cog),)] += (
                    patch[:, g * cg:(g + 1) * cg] @ w[ki][:, g * cog:(g + 1) * cog])
    return out


def same(n, k, s, d=1):
    total = max((-(-n // s) - 1) * s + (k - 1) * d + 1 - n, 0)
    return (total // 2, total - total // 2)


def ref_conv_transpose(x, w, out_sp, strides, pads):
    """Scatter form of the transposed convolution; w is (*k, C_out, C_in)."""
    nd = x.ndim - 2
    k = w.shape[:-2]
    full = tuple(n + lo + hi for n, (lo, hi) in zip(out_sp, pads))
    y = np.zeros((x.shape[0], *full, w.shape[-2]))
    for ii in itertools.product(*[range(v) for v in x.shape[1:-1]]):
        for ki in itertools.product(*[range(v) for v in k]):
            pos = tuple(ii[i] * strides[i] + ki[i] for i in range(nd))
            y[(slice(None),) + pos] += x[(slice(None),) + ii] @ w[ki].T
    crop = (slice(None),) + tuple(slice(lo, lo + n) for n, (lo, _) in zip(out_sp, pads))
    return y[crop]


rng = np.random.default_rng(0)


def rnd(*shape):
    return rng.standard_normal(shape)


# --------------------------------------------------------------------------- forward values
@pytest.mark.parametrize("strides,padding,dil", [
    (1, "VALID", 1), (2, "VALID", 1), (1, "SAME", 1), (2, "SAME", 1), ([2, 1], "SAME", 1),
    (1, "SAME", 2), (1, "VALID", [2, 1])])
def test_conv2d_values(strides, padding, dil):
    x, w = rnd(2, 7, 6, 3), rnd(3, 2, 3, 4)
    s = (strides, strides) if isinstance(strides, int) else tuple(strides)
    d = (dil, dil) if isinstance(dil, int) else tuple(dil)
    pads = ((0, 0), (0, 0)) if padding == "VALID" else (same(7, 3, s[0], d[0]), same(6, 2, s[1], d[1]))
    got = ts.nn.conv2d(x, w, strides, padding, dilations=dil).numpy()
    np.testing.assert_allclose(got, ref_conv(x, w, s, d, pads), rtol=1e-10, atol=1e-10)


def test_conv2d_nchw_float32_and_explicit_padding():
    x, w = rnd(2, 3, 6, 5).astype("float32"), rnd(3, 3, 3, 2).astype("float32")
    got = ts.nn.conv2d(x, w, [1, 1, 1, 1], [[0, 0], [0, 0], [1, 2], [0, 1]], data_format="NCHW")
    assert got.dtype == ts.float32
    want = ref_conv(x.transpose(0, 2, 3, 1), w, pads=((1, 2), (0, 1))).transpose(0, 3, 1, 2)
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-4, atol=1e-4)


def test_conv1d_conv3d_and_convolution():
    x, w = rnd(2, 9, 3), rnd(3, 3, 4)
    np.testing.assert_allclose(ts.nn.conv1d(x, w, 2, "SAME").numpy(),
                               ref_conv(x, w, (2,), pads=(same(9, 3, 2),)), atol=1e-10)
    ncw = ts.nn.conv1d(x.transpose(0, 2, 1), w, 1, "VALID", data_format="NCW").numpy()
    np.testing.assert_allclose(ncw, ref_conv(x, w).transpose(0, 2, 1), atol=1e-10)
    x3, w3 = rnd(1, 4, 5, 4, 2), rnd(2, 3, 2, 2, 3)
    np.testing.assert_allclose(ts.nn.conv3d(x3, w3, [1, 1, 2, 1, 1], "VALID").numpy(),
                               ref_conv(x3, w3, (1, 2, 1)), atol=1e-10)
    ncdhw = ts.nn.conv3d(x3.transpose(0, 4, 1, 2, 3), w3, 1, "SAME", data_format="NCDHW").numpy()
    want = ref_conv(x3, w3, pads=(same(4, 2, 1), same(5, 3, 1), same(4, 2, 1)))
    np.testing.assert_allclose(ncdhw, want.transpose(0, 4, 1, 2, 3), atol=1e-10)
    np.testing.assert_allclose(ts.nn.convolution(x3, w3, padding="VALID").numpy(),
                               ref_conv(x3, w3), atol=1e-10)


def test_grouped_conv_and_fused_bias_relu():
    x, w, b = rnd(2, 5, 5, 4), rnd(3, 3, 2, 6), rnd(6)
    np.testing.assert_allclose(ts.nn.conv2d(x, w, 1, "VALID").numpy(),
                               ref_conv(x, w, groups=2), atol=1e-10)
    got = conv(x, w[:, :, :, :], b, padding="SAME", groups=2, activation="relu").numpy()
    want = np.maximum(ref_conv(x, w, pads=((1, 1), (1, 1)), groups=2) + b, 0)
    np.testing.assert_allclose(got, want, atol=1e-10)


def test_depthwise_and_separable():
    x, f, p = rnd(2, 6, 5, 3), rnd(3, 3, 3, 2), rnd(1, 1, 6, 4)
    grouped = f.reshape(3, 3, 1, 6)
    want = ref_conv(x, grouped, (2, 2), pads=(same(6, 3, 2), same(5, 3, 2)), groups=3)
    got = ts.nn.depthwise_conv2d(x, f, [1, 2, 2, 1], "SAME").numpy()
    np.testing.assert_allclose(got, want, atol=1e-10)
    # channel c * M + m uses filter[:, :, c, m]
    one = ref_conv(x[..., 1:2], f[:, :, 1:2, 0:1], (2, 2), pads=(same(6, 3, 2), same(5, 3, 2)))
    np.testing.assert_allclose(got[..., 2:3], one, atol=1e-10)
    sep = ts.nn.separable_conv2d(x, f, p, [1, 2, 2, 1], "SAME").numpy()
    np.testing.assert_allclose(sep, ref_conv(want, p), atol=1e-10)
    dil = ts.nn.depthwise_conv2d(x, f, [1, 1, 1, 1], "VALID", dilations=[2, 1]).numpy()
    np.testing.assert_allclose(dil, ref_conv(x, grouped, dilations=(2, 1), groups=3), atol=1e-10)


def test_atrous_conv2d_and_transpose():
    x, w = rnd(1, 7, 7, 2), rnd(3, 3, 2, 2)
    y = ts.nn.atrous_conv2d(x, w, 2, "VALID").numpy()
    np.testing.assert_allclose(y, ref_conv(x, w, dilations=(2, 2)), atol=1e-10)
    b = rnd(*y.shape)
    back = ts.nn.atrous_conv2d_transpose(b, w, [1, 7, 7, 2], 2, "VALID").numpy()
    np.testing.assert_allclose(np.sum(y * b), np.sum(x * back), rtol=1e-10)


@pytest.mark.parametrize("padding,strides,out_sp", [
    ("VALID", 2, (7, 9)), ("SAME", 2, (6, 8)), ("VALID", 1, (5, 6)), ("SAME", 3, (7, 9))])
def test_conv2d_transpose_values(padding, strides, out_sp):
    k = (3, 2)
    in_sp = tuple((n - k[i]) // strides + 1 if padding == "VALID" else -(-n // strides)
                  for i, n in enumerate(out_sp))
    x, w = rnd(2, *in_sp, 3), rnd(*k, 4, 3)
    got = ts.nn.conv2d_transpose(x, w, [2, *out_sp, 4], strides, padding).numpy()
    pads = ((0, 0), (0, 0)) if padding == "VALID" else tuple(
        same(n, kk, strides) for n, kk in zip(out_sp, k))
    np.testing.assert_allclose(got, ref_conv_transpose(x, w, out_sp, (strides,) * 2, pads),
                               atol=1e-10)


def test_conv_transpose_is_adjoint_of_conv_1d_3d_and_nchw():
    # <conv(a, w), b> == <a, conv_transpose(b, w)>
    for nd, fn, tfn in [(1, ts.nn.conv1d, ts.nn.conv1d_transpose),
                        (3, ts.nn.conv3d, ts.nn.conv3d_transpose)]:
        a = rnd(2, *([5] * nd), 3)
        w = rnd(*([2] * nd), 3, 4)
        y = fn(a, w, 2, "SAME").numpy()
        b = rnd(*y.shape)
        back = tfn(b, w, list(a.shape), 2, "SAME").numpy()
        np.testing.assert_allclose(np.sum(y * b), np.sum(a * back), rtol=1e-10)
    a, w = rnd(1, 2, 6, 6), rnd(3, 3, 2, 3)
    y = ts.nn.conv2d(a, w, 2, "VALID", data_format="NCHW").numpy()
    b = rnd(*y.shape)
    back = ts.nn.conv2d_transpose(b, w, [1, 2, 6, 6], 2, "VALID", data_format="NCHW").numpy()
    assert back.shape == (1, 2, 6, 6)
    np.testing.assert_allclose(np.sum(y * b), np.sum(a * back), rtol=1e-10)


# --------------------------------------------------------------------------- gradients
@pytest.mark.parametrize("kw", [
    dict(strides=1, padding="VALID"), dict(strides=2, padding="SAME"),
    dict(strides=1, padding="SAME", dilations=2), dict(strides=[1, 2], padding=[[1, 0], [0, 2]])])
def test_conv2d_grad(kw):
    x, w = rnd(2, 5, 5, 2), rnd(3, 2, 2, 3)
    check_grad(lambda a, b: ts.nn.conv2d(a, b, **kw), x, w)


def test_fused_conv_grad_bias_relu_groups():
    x, w, b = rnd(2, 4, 5, 4), rnd(2, 3, 2, 4), rnd(4)
    check_grad(lambda a, f, c: conv(a, f, c, padding="SAME", activation="relu", groups=2),
               x, w, b)
    check_grad(lambda a, f, c: conv(a, f, c, strides=2, padding="VALID", activation="relu"),
               rnd(2, 5, 5, 2), rnd(2, 2, 2, 3), rnd(3))


def test_conv1d_3d_nchw_depthwise_separable_grads():
    check_grad(lambda a, b: ts.nn.conv1d(a, b, 2, "SAME"), rnd(2, 7, 2), rnd(3, 2, 3))
    check_grad(lambda a, b: ts.nn.conv3d(a, b, 1, "VALID"), rnd(1, 3, 4, 3, 2), rnd(2, 2, 2, 2, 2))
    check_grad(lambda a, b: ts.nn.conv2d(a, b, 1, "SAME", data_format="NCHW"),
               rnd(1, 2, 4, 4), rnd(3, 3, 2, 2))
    check_grad(lambda a, b: ts.nn.depthwise_conv2d(a, b, [1, 1, 1, 1], "SAME"),
               rnd(1, 4, 4, 2), rnd(3, 3, 2, 2))
    check_grad(lambda a, b, c: ts.nn.separable_conv2d(a, b, c, [1, 2, 2, 1], "VALID"),
               rnd(1, 5, 5, 2), rnd(2, 2, 2, 1), rnd(1, 1, 2, 3))


def test_conv_transpose_grad():
    check_grad(lambda a, b: ts.nn.conv2d_transpose(a, b, [1, 5, 5, 2], 2, "SAME"),
               rnd(1, 3, 3, 3), rnd(3, 3, 2, 3))
    check_grad(lambda a, b: ts.nn.conv1d_transpose(a, b, [2, 7, 2], 2, "VALID"),
               rnd(2, 3, 2), rnd(3, 2, 2))


def test_second_order():
    check_second_order(lambda a, b: conv(a, b, padding="SAME", strides=2),
                       rnd(1, 4, 4, 2), rnd(2, 2, 2, 2))
    check_second_order(lambda a, b: conv(a, b, np.ones(2), activation="relu", groups=2),
                       rnd(1, 4, 3, 2), rnd(2, 2, 1, 2))
    check_second_order(lambda a, b: ts.nn.conv1d_transpose(a, b, [1, 5, 2], 2, "SAME"),
                       rnd(1, 3, 2), rnd(2, 2, 2))


def test_input_gradient_skipped_when_not_needed():
    x, w = ts.constant(rnd(2, 5, 5, 2)), ts.Variable(rnd(3, 3, 2, 3))
    with ts.GradientTape() as tape:
        y = ts.reduce_sum(ts.nn.conv2d(x, w, 1, "VALID"))
    gx, gw = tape.gradient(y, [x, w])
    assert gx is None
    want = ref_conv(x.numpy(), np.ones((3, 3, 2, 3)))  # d/dw of sum: patch sums
    assert gw.shape == (3, 3, 2, 3) and np.isfinite(gw.numpy()).all() and want.size


def test_repeated_training_steps_reuse_buffers():
    x = rnd(4, 8, 8, 3).astype("float32")
    w = ts.Variable(rnd(3, 3, 3, 5).astype("float32"))
    b = ts.Variable(np.zeros(5, "float32"))
    grads = []
    for _ in range(3):
        with ts.GradientTape() as tape:
            y = ts.reduce_sum(conv(x, w, b, activation="relu") ** 2)
        grads.append([g.numpy() for g in tape.gradient(y, [w, b])])
    for g in grads[1:]:
        np.testing.assert_allclose(g[0], grads[0][0], rtol=1e-5)
        np.testing.assert_allclose(g[1], grads[0][1], rtol=1e-5)


# --------------------------------------------------------------------------- errors
def test_errors_name_op_and_shapes():
    x = rnd(1, 2, 2, 3)
    with pytest.raises(ValueError, match=r"conv2d: the kernel \(3, 3\).*larger.*\(1, 2, 2, 3\)"):
        ts.nn.conv2d(x, rnd(3, 3, 3, 2), 1, "VALID")
    with pytest.raises(ValueError, match=r"conv2d: the input has 3 channels.*\(3, 3, 4, 2\)"):
        ts.nn.conv2d(rnd(1, 5, 5, 3), rnd(3, 3, 4, 2), 1, "VALID")
    with pytest.raises(ValueError, match=r"conv2d: a 2-D convolution expects an input of rank 4"):
        ts.nn.conv2d(rnd(5, 5, 3), rnd(3, 3, 3, 2), 1, "VALID")
    with pytest.raises(ValueError, match=r"conv2d: padding must be 'SAME', 'VALID'"):
        ts.nn.conv2d(rnd(1, 5, 5, 3), rnd(3, 3, 3, 2), 1, "FULL")
    with pytest.raises(ValueError, match=r"conv2d: strides in the batch and channel"):
        ts.nn.conv2d(rnd(1, 5, 5, 3), rnd(3, 3, 3, 2), [2, 1, 1, 1], "VALID")
    with pytest.raises(ValueError, match=r"conv2d: input and filters must have the same"):
        ts.nn.conv2d(rnd(1, 5, 5, 3).astype("float32"), rnd(3, 3, 3, 2), 1, "VALID")
    with pytest.raises(ValueError, match=r"conv2d_transpose: output_shape .* inconsistent"):
        ts.nn.conv2d_transpose(rnd(1, 3, 3, 2), rnd(3, 3, 4, 2), [1, 9, 9, 4], 2, "SAME")
    with pytest.raises(ValueError, match=r"conv1d: filters must have rank 3"):
        ts.nn.conv1d(rnd(1, 5, 3), rnd(3, 3, 3, 2), 1, "VALID")


def test_persistent_tape_second_gradient_recomputes_patches():
    x = ts.constant(rnd(2, 6, 6, 2))
    w, b = ts.Variable(rnd(3, 3, 2, 3)), ts.Variable(rnd(3))
    with ts.GradientTape(persistent=True) as tape:
        y = ts.reduce_sum(conv(x, w, b, activation="relu") * 2.0)
    first = [g.numpy() for g in tape.gradient(y, [w, b])]
    second = [g.numpy() for g in tape.gradient(y, [w, b])]
    for a, c in zip(first, second):
        np.testing.assert_allclose(a, c, rtol=1e-12)
    mask = (ref_conv(x.numpy(), w.numpy()) + b.numpy()) > 0
    np.testing.assert_allclose(first[1], 2.0 * mask.sum(axis=(0, 1, 2)), rtol=1e-12)


# --------------------------------------------------------------------------- buffers
@pytest.mark.parametrize("c", [1, 3])
def test_narrow_im2col_matches_the_row_layout(c):
    """Few input channels build the patch buffer transposed; both layouts agree,
    forward and backward (with bias, SAME padding, strides)."""
    from tessera.ops import conv_kernels as K
    rng = np.random.default_rng(7)
    x = rng.standard_normal((3, 9, 8, c))
    w = rng.standard_normal((3, 2, c, 4))
    b = rng.standard_normal(4)
    geo = ((2, 1), (1, 1), ((1, 1), (0, 1)), 1)
    got, g = [], None
    old = K._NARROW_C
    assert c <= old
    try:
        for narrow in (old, 0):
            K._NARROW_C = narrow
            out = K.conv_forward(x, w, b, *geo, activation="relu", save=True)
            g = rng.standard_normal(out.shape) if g is None else g
            got.append((out.copy(), *K.conv_backward(g, out, x, w, True, *geo, "relu",
                                                     True, True, True)))
    finally:
        K._NARROW_C = old
    for a, r in zip(got[0], got[1]):
        np.testing.assert_allclose(a, r, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(got[0][0], np.maximum(
        ref_conv(x, w, (2, 1), None, ((1, 1), (0, 1))) + b, 0), rtol=1e-10, atol=1e-12)


def test_conv_outputs_held_by_the_caller_are_not_overwritten():
    rng = np.random.default_rng(8)
    x1 = rng.standard_normal((32, 20, 20, 3)).astype(np.float32)
    x2 = rng.standard_normal(x1.shape).astype(np.float32)
    w = rng.standard_normal((3, 3, 3, 64)).astype(np.float32)        # outputs > 1 MiB
    y1 = ts.nn.conv2d(x1, w, 1, "SAME")
    v = y1.numpy()[1:]
    ref = v.copy()
    del y1
    y2 = ts.nn.conv2d(x2, w, 1, "SAME")
    np.testing.assert_array_equal(v, ref)
    del v
    y3 = ts.nn.conv2d(x1, w, 1, "SAME")
    assert not np.shares_memory(y2.numpy(), y3.numpy())
    np.testing.assert_allclose(y3.numpy()[1:], ref, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("strides,dilations,pads", [
    ((1, 1), (1, 1), ((0, 0), (0, 0))), ((1, 1), (2, 1), ((2, 1), (1, 1))),
    ((2, 1), (1, 1), ((1, 1), (0, 1)))])
def test_input_grad_offset_major_path_matches_reference(strides, dilations, pads):
    """Big K*C*C_out takes the offset-major GEMM (stride 1: first offset copied in, the
    rest of the gradient zeroed); it agrees with the row-major path and the loop reference."""
    from tessera.ops import conv_kernels as K
    rng = np.random.default_rng(9)
    x_shape = (2, 9, 8, 16)
    w = rng.standard_normal((3, 3, 16, 16))
    o = K.out_sizes(x_shape[1:3], (3, 3), strides, dilations, pads)
    g = rng.standard_normal((2,) + o + (16,))
    assert 9 * 16 * 16 > K._SMALL_KN
    big = K.input_grad(g, w, x_shape, strides, dilations, pads, 1).copy()
    old = K._SMALL_KN
    try:
        K._SMALL_KN = 10 ** 9
        rows = K.input_grad(g, w, x_shape, strides, dilations, pads, 1)
    finally:
        K._SMALL_KN = old
    np.testing.assert_allclose(big, rows, rtol=1e-10, atol=1e-10)
    # adjoint identity against the loop reference: <conv(x), g> == <x, dx>
    x = rng.standard_normal(x_shape)
    lhs = np.sum(ref_conv(x, w, strides, dilations, pads) * g)
    np.testing.assert_allclose(lhs, np.sum(x * big), rtol=1e-9)

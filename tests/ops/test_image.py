"""Image ops: resize (TF2 half-pixel centres) and affine_transform, against NumPy loops."""
import numpy as np
import pytest

import tessera as ts
from tessera.ops import image
from tests.gradcheck import check_grad, check_second_order

rng = np.random.default_rng(0)


def _bilinear_ref(x, oh, ow):
    n, h, w, c = x.shape
    out = np.zeros((n, oh, ow, c))
    for i in range(oh):
        fy = (i + 0.5) * h / oh - 0.5
        y0 = int(np.floor(fy))
        ly = fy - y0
        ya, yb = min(max(y0, 0), h - 1), min(max(y0 + 1, 0), h - 1)
        for j in range(ow):
            fx = (j + 0.5) * w / ow - 0.5
            x0 = int(np.floor(fx))
            lx = fx - x0
            xa, xb = min(max(x0, 0), w - 1), min(max(x0 + 1, 0), w - 1)
            top = x[:, ya, xa] * (1 - lx) + x[:, ya, xb] * lx
            bot = x[:, yb, xa] * (1 - lx) + x[:, yb, xb] * lx
            out[:, i, j] = top * (1 - ly) + bot * ly
    return out


def _nearest_ref(x, oh, ow):
    n, h, w, c = x.shape
    out = np.zeros((n, oh, ow, c), x.dtype)
    for i in range(oh):
        for j in range(ow):
            out[:, i, j] = x[:, min(int(np.floor((i + 0.5) * h / oh)), h - 1),
                             min(int(np.floor((j + 0.5) * w / ow)), w - 1)]
    return out


def _antialias_ref(x, oh, ow):
    def weights(n_in, n_out):
        s = n_in / n_out
        ks = max(s, 1.0)
        m = np.zeros((n_out, n_in))
        for o in range(n_out):
            for i in range(n_in):
                m[o, i] = max(0.0, 1 - abs((i + 0.5 - (o + 0.5) * s) / ks))
            m[o] /= m[o].sum()
        return m
    return np.einsum("oh,pw,nhwc->nopc", weights(x.shape[1], oh), weights(x.shape[2], ow), x)


@pytest.mark.parametrize("size", [(3, 4), (9, 13), (5, 7), (2, 3), (10, 2)])
def test_resize_bilinear_and_nearest(size):
    x = rng.standard_normal((2, 5, 7, 3))
    np.testing.assert_allclose(image.resize(x, size).numpy(), _bilinear_ref(x, *size),
                               rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(image.resize(x, size, method="nearest").numpy(),
                                  _nearest_ref(x, *size))
    np.testing.assert_allclose(image.resize(x, size, antialias=True).numpy(),
                               _antialias_ref(x, *size), rtol=1e-10, atol=1e-12)


def test_resize_dtypes_rank3_and_aspect_ratio():
    xi = rng.integers(0, 255, (4, 6, 1)).astype("uint8")
    y = image.resize(xi, [8, 12])
    assert y.dtype == ts.float32 and tuple(y.shape) == (8, 12, 1)
    np.testing.assert_allclose(y.numpy(), _bilinear_ref(xi[None].astype("float64"), 8, 12)[0],
                               rtol=1e-5)
    yn = image.resize(xi, [2, 3], method=image.ResizeMethod.NEAREST_NEIGHBOR)
    assert yn.dtype == ts.uint8
    np.testing.assert_array_equal(yn.numpy(), _nearest_ref(xi[None], 2, 3)[0])
    assert tuple(image.resize(np.zeros((1, 100, 50, 1)), [20, 20],
                              preserve_aspect_ratio=True).shape) == (1, 20, 10, 1)
    assert tuple(image.resize(np.zeros((1, 10, 15, 1)), [4, 4],
                              preserve_aspect_ratio=True).shape) == (1, 3, 4, 1)
    assert tuple(image.resize(np.zeros((1, 10, 15, 1)), ts.constant([4, 5])).shape) == (1, 4, 5, 1)


def test_resize_grads():
    x = rng.standard_normal((1, 3, 4, 2))
    check_grad(lambda x: image.resize(x, [5, 3]), x)
    check_grad(lambda x: image.resize(x, [2, 6], method="nearest"), x)
    check_grad(lambda x: image.resize(x, [2, 2], antialias=True), x)
    # resize is linear: the second derivative of a product exercises the adjoint's gradient
    check_second_order(lambda x: image.resize(x, [4, 3]) * image.resize(x, [4, 3]), x)


def test_resize_errors():
    with pytest.raises(ts.errors.InvalidArgumentError, match="method 'bicubic' is not supported"):
        image.resize(np.zeros((1, 2, 2, 1)), [3, 3], method="bicubic")
    with pytest.raises(ts.errors.InvalidArgumentError, match="3-D .* or 4-D .*shape \\(2, 2\\)"):
        image.resize(np.zeros((2, 2)), [3, 3])
    with pytest.raises(ts.errors.InvalidArgumentError, match="size must be positive"):
        image.resize(np.zeros((1, 2, 2, 1)), [0, 3])


def _fix(i, n, mode):
    if mode == "constant":
        return i if 0 <= i < n else None
    if mode == "nearest":
        return min(max(i, 0), n - 1)
    if mode == "wrap":
        return i % n
    if mode == "reflect":
        m = i % (2 * n)
        return m if m < n else 2 * n - 1 - m
    m = i % (2 * n - 2)
    return m if m < n else 2 * n - 2 - m


def _affine_ref(x, tr, interpolation, mode, fill):
    n, h, w, c = x.shape
    out = np.zeros_like(x)
    for b in range(n):
        a0, a1, a2, b0, b1, b2, c0, c1 = tr[b]
        for yy in range(h):
            for xx in range(w):
                k = c0 * xx + c1 * yy + 1
                sx, sy = (a0 * xx + a1 * yy + a2) / k, (b0 * xx + b1 * yy + b2) / k
                if interpolation == "nearest":
                    taps = [(int(np.floor(sy + 0.5)), int(np.floor(sx + 0.5)), 1.0)]
                else:
                    y0, x0 = int(np.floor(sy)), int(np.floor(sx))
                    wy, wx = sy - y0, sx - x0
                    taps = [(y0, x0, (1 - wy) * (1 - wx)), (y0, x0 + 1, (1 - wy) * wx),
                            (y0 + 1, x0, wy * (1 - wx)), (y0 + 1, x0 + 1, wy * wx)]
                acc = np.zeros(c)
                for ty, tx, wt in taps:
                    fy, fx = _fix(ty, h, mode), _fix(tx, w, mode)
                    acc += wt * (fill if fy is None or fx is None else x[b, fy, fx])
                out[b, yy, xx] = acc
    return out


@pytest.mark.parametrize("mode", ["reflect", "wrap", "constant", "nearest", "mirror"])
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_affine_transform_fill_modes(mode, interpolation):
    x = rng.standard_normal((2, 5, 4, 2))
    th = 0.4
    tr = np.array([[np.cos(th), -np.sin(th), 1.3, np.sin(th), np.cos(th), -0.7, 0, 0],
                   [1.2, 0.0, -2.6, 0.0, 0.8, 3.1, 0.0, 0.0]])
    got = image.affine_transform(x, tr, interpolation, mode, fill_value=0.5).numpy()
    np.testing.assert_allclose(got, _affine_ref(x, tr, interpolation, mode, 0.5), rtol=1e-10,
                               atol=1e-12)


def test_affine_transform_identity_channels_first_and_grads():
    x = rng.standard_normal((3, 4, 2))
    ident = [1, 0, 0, 0, 1, 0, 0, 0]
    np.testing.assert_allclose(image.affine_transform(x, ident).numpy(), x)
    xc = x.transpose(2, 0, 1)
    tr = [1, 0, 1, 0, 1, 0, 0, 0]
    got = image.affine_transform(xc, tr, data_format="channels_first").numpy()
    np.testing.assert_allclose(got, image.affine_transform(x, tr).numpy().transpose(2, 0, 1))
    xs = rng.standard_normal((1, 3, 3, 1))
    tr2 = [0.9, 0.2, 0.3, -0.1, 1.1, -0.4, 0, 0]
    check_grad(lambda x: image.affine_transform(x, tr2, fill_mode="reflect"), xs)
    check_grad(lambda x: image.affine_transform(x, tr2, fill_mode="constant", fill_value=2.0), xs)
    check_second_order(lambda x: image.affine_transform(x, tr2) ** 2, xs)
    with pytest.raises(ts.errors.InvalidArgumentError, match="fill_mode must be one of"):
        image.affine_transform(x, ident, fill_mode="edge")

"""keras.ops: eager values against NumPy, symbolic use in functional models, gradients,
dtype rules, errors and the Operation config round trip."""
import json

import numpy as np
import pytest

import tessera as ts
from tessera import keras
from tessera.keras import ops
from tessera.keras.models.symbolic import KerasTensor
from tests.gradcheck import check_grad

R = np.random.default_rng(0)
A = R.standard_normal((3, 4)).astype(np.float32)
B = R.standard_normal((3, 4)).astype(np.float32)
P = R.uniform(0.1, 0.9, (3, 4)).astype(np.float32)      # in (0, 1)
G = R.uniform(1.1, 3.0, (3, 4)).astype(np.float32)      # > 1
V = R.standard_normal(5).astype(np.float32)
M = R.standard_normal((4, 4)).astype(np.float32)
SPD = (M @ M.T + 4 * np.eye(4)).astype(np.float32)
I = np.array([[3, -1, 0], [2, 5, -4]], dtype=np.int32)


def _np(x):
    if isinstance(x, (list, tuple)):
        return [_np(v) for v in x]
    return np.asarray(x)


def close(got, want, tol=1e-5):
    got = _np(got)
    if isinstance(want, (list, tuple)):
        assert len(got) == len(want)
        for g, w in zip(got, want):
            close(g, w, tol)
        return
    want = np.asarray(want)
    assert got.shape == want.shape, (got.shape, want.shape)
    if want.dtype.kind in "fc":
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol)
    else:
        np.testing.assert_array_equal(got, want)


# -- unary elementwise -----------------------------------------------------------------------------
UNARY = [("abs", np.abs, A), ("absolute", np.abs, A), ("arccos", np.arccos, P),
         ("arcsin", np.arcsin, P), ("arctan", np.arctan, A), ("arccosh", np.arccosh, G),
         ("arcsinh", np.arcsinh, A), ("arctanh", np.arctanh, P), ("ceil", np.ceil, A),
         ("cos", np.cos, A), ("cosh", np.cosh, A), ("exp", np.exp, A), ("expm1", np.expm1, A),
         ("floor", np.floor, A), ("log", np.log, G), ("log10", np.log10, G),
         ("log1p", np.log1p, P), ("log2", np.log2, G), ("negative", np.negative, A),
         ("reciprocal", np.reciprocal, G), ("sign", np.sign, A), ("sin", np.sin, A),
         ("sinh", np.sinh, A), ("sqrt", np.sqrt, G), ("square", np.square, A),
         ("tan", np.tan, P), ("tanh", np.tanh, A), ("round", np.round, A * 3),
         ("isfinite", np.isfinite, A), ("isnan", np.isnan, A), ("isinf", np.isinf, A),
         ("conj", np.conj, A), ("real", np.real, A), ("ravel", np.ravel, A),
         ("copy", np.copy, A), ("transpose", np.transpose, A), ("logical_not",
                                                                  np.logical_not, I),
         ("sort", np.sort, A), ("argsort", np.argsort, A), ("flip", np.flip, A)]


@pytest.mark.parametrize("name,ref,x", UNARY, ids=[u[0] for u in UNARY])
def test_unary_values(name, ref, x):
    close(getattr(ops, name)(x), ref(x), 1e-5)


def test_unary_int_dtypes():
    assert ops.exp(I).dtype == "float32" and ops.sqrt([4]).dtype == "float32"
    assert ops.abs(I).dtype == "int32" and ops.square(I).dtype == "int32"
    assert ops.floor(I).dtype == "float32"
    close(ops.round(np.array([0.5, 1.5, 2.5, 1.26]), decimals=1), np.round([0.5, 1.5, 2.5, 1.26],
                                                                             1))
    close(ops.nan_to_num(np.array([np.nan, np.inf, -np.inf, 1.0]), nan=7.0, posinf=9.0),
          np.nan_to_num(np.array([np.nan, np.inf, -np.inf, 1.0]), nan=7.0, posinf=9.0))


# -- binary elementwise ----------------------------------------------------------------------------
BINARY = ["add", "subtract", "multiply", "divide", "true_divide", "maximum", "minimum", "power",
          "arctan2", "logaddexp", "equal", "not_equal", "greater", "greater_equal", "less",
          "less_equal", "floor_divide", "mod"]


@pytest.mark.parametrize("name", BINARY)
def test_binary_values(name):
    ref = getattr(np, name)
    a, b = (np.abs(A) + 0.5, B) if name == "power" else (A, B)
    if name in ("floor_divide", "mod"):
        b = np.abs(B) + 0.5
    close(getattr(ops, name)(a, b), ref(a, b), 1e-4)
    close(getattr(ops, name)(a, b[0]), ref(a, b[0]), 1e-4)  # broadcasting


def test_binary_dtype_promotion():
    x = np.array([1, 2], np.int32)
    assert ops.add(x, 1).dtype == "int32"
    assert ops.add(x, 1.5).dtype == "float32"
    assert ops.multiply(np.float16([1, 2]), 2.0).dtype == "float16"
    assert ops.add(np.float32([1]), np.float64([1])).dtype == "float64"
    assert ops.add(x, np.float16([1, 1])).dtype == "float16"
    assert ops.divide(x, x).dtype == "float32"
    assert ops.floor_divide(np.array([7, -7]), 2).dtype == "int64"
    close(ops.floor_divide(np.array([7, -7]), 2), np.array([3, -4]))
    close(ops.isclose([1.0, 2.0], [1.0 + 1e-9, 2.1]), [True, False])
    close(ops.logaddexp(np.float32([-np.inf]), np.float32([-np.inf])), np.float32([-np.inf]))
    for name in ("logical_and", "logical_or", "logical_xor"):
        close(getattr(ops, name)(I, [[1, 0, 1], [0, 0, 1]]),
              getattr(np, name)(I, [[1, 0, 1], [0, 0, 1]]))


def test_clip_and_where():
    close(ops.clip(A, -0.5, 0.5), np.clip(A, -0.5, 0.5))
    assert ops.clip(np.array([True, False]), 0, 1).dtype == "int32"
    close(ops.where(A > 0, A, B), np.where(A > 0, A, B))
    close(ops.where(A > 0, A, 0.0), np.where(A > 0, A, 0.0))
    close(ops.where(I), [np.int32(v) for v in np.nonzero(I)])
    close(ops.nonzero(I), [v.astype(np.int32) for v in np.nonzero(I)])


# -- reductions ------------------------------------------------------------------------------------
RED = [("sum", np.sum), ("prod", np.prod), ("mean", np.mean), ("max", np.max), ("min", np.min),
       ("var", np.var), ("std", np.std), ("median", np.median), ("all", np.all),
       ("any", np.any), ("count_nonzero", np.count_nonzero)]


@pytest.mark.parametrize("name,ref", RED, ids=[r[0] for r in RED])
@pytest.mark.parametrize("axis", [None, 0, 1, (0, 1)])
def test_reductions(name, ref, axis):
    x = np.round(A * 2) if name in ("all", "any", "count_nonzero") else A
    got = getattr(ops, name)(x, axis=axis)
    close(got, ref(x, axis=axis), 1e-5)
    if name not in ("count_nonzero",):
        close(getattr(ops, name)(x, axis=axis, keepdims=True), ref(x, axis=axis, keepdims=True),
              1e-5)


def test_reduction_extras():
    assert ops.sum(np.array([True, True])).dtype == "int32"
    assert ops.mean(I).dtype == "float32"
    close(ops.max(A, axis=1, initial=10.0), np.max(A, axis=1, initial=10.0))
    close(ops.argmax(A), np.argmax(A).astype(np.int32))
    close(ops.argmin(A, axis=1), np.argmin(A, axis=1).astype(np.int32))
    close(ops.argmax(A, axis=0, keepdims=True), np.argmax(A, axis=0, keepdims=True))
    close(ops.cumsum(A, axis=1), np.cumsum(A, axis=1))
    close(ops.cumsum(A), np.cumsum(A))
    close(ops.cumprod(A, axis=0), np.cumprod(A, axis=0))
    w = np.float32([1, 2, 3, 4])
    close(ops.average(A, axis=1, weights=w), np.average(A, axis=1, weights=w))
    close(ops.average(A), np.average(A))
    for q, method in [(0.3, "linear"), ([0.1, 0.5, 0.9], "linear"), (0.3, "lower"),
                      (0.3, "higher"), (0.3, "nearest"), (0.3, "midpoint")]:
        close(ops.quantile(A, q, axis=1, method=method),
              np.quantile(A, q, axis=1, method=method), 1e-5)
    close(ops.quantile(A, 0.4, axis=0, keepdims=True), np.quantile(A, 0.4, axis=0, keepdims=True))
    assert ops.ndim(A) == 2 and ops.size(A) == 12
    close(ops.logsumexp(A, axis=1), np.log(np.exp(A).sum(axis=1)))


# -- products --------------------------------------------------------------------------------------
def test_products():
    close(ops.matmul(A, B.T), A @ B.T)
    x3 = R.standard_normal((2, 3, 4)).astype(np.float32)
    close(ops.matmul(x3, B.T), x3 @ B.T)
    close(ops.matmul(V[:4], M), V[:4] @ M)
    close(ops.matmul(M, V[:4]), M @ V[:4])
    close(ops.dot(A, B.T), np.dot(A, B.T))
    close(ops.dot(A, V[:4]), np.dot(A, V[:4]))
    close(ops.dot(x3, M), np.dot(x3, M), 1e-4)
    close(ops.dot(2.0, A), 2 * A)
    close(ops.tensordot(A, B, axes=2), np.tensordot(A, B, axes=2), 1e-4)
    close(ops.tensordot(A, B.T, axes=1), np.tensordot(A, B.T, axes=1))
    close(ops.vdot(A, B), np.vdot(A, B), 1e-4)
    close(ops.outer(V, V[:3]), np.outer(V, V[:3]))
    close(ops.cross(A[:, :3], B[:, :3]), np.cross(A[:, :3], B[:, :3]))
    close(ops.cross(A[:, :2], B[:, :2]), A[:, 0] * B[:, 1] - A[:, 1] * B[:, 0])
    close(ops.einsum("ij,kj->ik", A, B), np.einsum("ij,kj->ik", A, B), 1e-5)
    close(ops.einsum("ii", M), np.einsum("ii", M), 1e-5)


# -- creation --------------------------------------------------------------------------------------
def test_creation():
    close(ops.zeros((2, 3)), np.zeros((2, 3), np.float32))
    close(ops.ones(3, dtype="int32"), np.ones(3, np.int32))
    close(ops.empty((2,)), np.zeros(2, np.float32))
    close(ops.full((2, 2), 7), np.full((2, 2), 7, np.int32))
    close(ops.full((2, 2), 0.5), np.full((2, 2), 0.5, np.float32))
    close(ops.full_like(A, 2), np.full_like(A, 2))
    close(ops.zeros_like(I), np.zeros_like(I))
    close(ops.ones_like(A, dtype="float64"), np.ones_like(A, np.float64))
    close(ops.eye(3, 4, k=1), np.eye(3, 4, k=1, dtype=np.float32))
    close(ops.identity(3), np.eye(3, dtype=np.float32))
    close(ops.tri(3, 4, k=-1), np.tri(3, 4, k=-1, dtype=np.float32))
    close(ops.arange(5), np.arange(5, dtype=np.int32))
    close(ops.arange(1.0, 2.0, 0.25), np.arange(1.0, 2.0, 0.25, dtype=np.float32))
    close(ops.linspace(0, 1, 5), np.linspace(0, 1, 5, dtype=np.float32))
    close(ops.linspace(0, 1, 4, endpoint=False), np.linspace(0, 1, 4, endpoint=False,
                                                            dtype=np.float32))
    close(ops.logspace(0, 2, 3), np.logspace(0, 2, 3, dtype=np.float32))
    close(ops.array([[1, 2]], dtype="float32"), np.array([[1, 2]], np.float32))
    close(ops.meshgrid(V[:2], V[:3]), np.meshgrid(V[:2], V[:3]))
    close(ops.meshgrid(V[:2], V[:3], indexing="ij"), np.meshgrid(V[:2], V[:3], indexing="ij"))
    assert ops.zeros((1,)).dtype == "float32"


# -- shapes, joining, indexing ---------------------------------------------------------------------
X3 = R.standard_normal((2, 3, 4)).astype(np.float32)
SHAPE_CASES = [
    ("reshape", lambda: ops.reshape(A, (4, -1)), lambda: A.reshape(4, -1)),
    ("broadcast_to", lambda: ops.broadcast_to(V[:4], (3, 4)), lambda: np.broadcast_to(V[:4],
                                                                                        (3, 4))),
    ("expand_dims", lambda: ops.expand_dims(A, 1), lambda: np.expand_dims(A, 1)),
    ("expand_dims2", lambda: ops.expand_dims(A, (0, -1)), lambda: np.expand_dims(A, (0, -1))),
    ("squeeze", lambda: ops.squeeze(A[:, None]), lambda: np.squeeze(A[:, None])),
    ("squeeze_axis", lambda: ops.squeeze(A[None, :, None], axis=2),
     lambda: np.squeeze(A[None, :, None], axis=2)),
    ("transpose", lambda: ops.transpose(X3, (2, 0, 1)), lambda: np.transpose(X3, (2, 0, 1))),
    ("moveaxis", lambda: ops.moveaxis(X3, 0, -1), lambda: np.moveaxis(X3, 0, -1)),
    ("moveaxis2", lambda: ops.moveaxis(X3, [0, 1], [2, 0]), lambda: np.moveaxis(X3, [0, 1],
                                                                                 [2, 0])),
    ("swapaxes", lambda: ops.swapaxes(X3, 0, 2), lambda: np.swapaxes(X3, 0, 2)),
    ("flip", lambda: ops.flip(X3, axis=1), lambda: np.flip(X3, axis=1)),
    ("roll", lambda: ops.roll(A, 2), lambda: np.roll(A, 2)),
    ("roll_axis", lambda: ops.roll(A, -1, axis=1), lambda: np.roll(A, -1, axis=1)),
    ("tile", lambda: ops.tile(A, (2, 1)), lambda: np.tile(A, (2, 1))),
    ("tile_rank", lambda: ops.tile(V, (2, 2)), lambda: np.tile(V, (2, 2))),
    ("repeat", lambda: ops.repeat(A, 2, axis=1), lambda: np.repeat(A, 2, axis=1)),
    ("repeat_flat", lambda: ops.repeat(A, 2), lambda: np.repeat(A, 2)),
    ("pad", lambda: ops.pad(A, ((1, 0), (2, 1))), lambda: np.pad(A, ((1, 0), (2, 1)))),
    ("pad_int", lambda: ops.pad(A, 1, constant_values=3.0), lambda: np.pad(A, 1,
                                                                          constant_values=3.0)),
    ("pad_reflect", lambda: ops.pad(A, ((1, 1), (2, 2)), mode="reflect"),
     lambda: np.pad(A, ((1, 1), (2, 2)), mode="reflect")),
    ("pad_symmetric", lambda: ops.pad(A, ((1, 1), (2, 2)), mode="symmetric"),
     lambda: np.pad(A, ((1, 1), (2, 2)), mode="symmetric")),
    ("concatenate", lambda: ops.concatenate([A, B], axis=1), lambda: np.concatenate([A, B], 1)),
    ("append", lambda: ops.append(A, B), lambda: np.append(A, B)),
    ("append_axis", lambda: ops.append(A, B, axis=0), lambda: np.append(A, B, axis=0)),
    ("stack", lambda: ops.stack([A, B], axis=1), lambda: np.stack([A, B], axis=1)),
    ("hstack", lambda: ops.hstack([A, B]), lambda: np.hstack([A, B])),
    ("hstack1", lambda: ops.hstack([V, V]), lambda: np.hstack([V, V])),
    ("vstack", lambda: ops.vstack([A, B]), lambda: np.vstack([A, B])),
    ("vstack1", lambda: ops.vstack([V, V]), lambda: np.vstack([V, V])),
    ("split", lambda: ops.split(A, 2, axis=1), lambda: np.split(A, 2, axis=1)),
    ("split_idx", lambda: ops.split(A, [1, 3], axis=1), lambda: np.split(A, [1, 3], axis=1)),
    ("get_item", lambda: ops.get_item(X3, (slice(None), 1, slice(0, 3, 2))),
     lambda: X3[:, 1, 0:3:2]),
    ("get_item_fancy", lambda: ops.get_item(A, np.array([2, 0])), lambda: A[[2, 0]]),
    ("take", lambda: ops.take(A, [[0, 2], [1, -1]], axis=1), lambda: np.take(A, [[0, 2],
                                                                                  [1, -1]], 1)),
    ("take_flat", lambda: ops.take(A, [5, 0]), lambda: np.take(A, [5, 0])),
    ("take_along_axis", lambda: ops.take_along_axis(A, np.argsort(A, 1), axis=1),
     lambda: np.take_along_axis(A, np.argsort(A, 1), axis=1)),
    ("take_along_axis0", lambda: ops.take_along_axis(A, np.array([[2, 0, 1, 0]]), axis=0),
     lambda: np.take_along_axis(A, np.array([[2, 0, 1, 0]]), axis=0)),
    ("diag_vec", lambda: ops.diag(V[:3], k=1), lambda: np.diag(V[:3], k=1)),
    ("diag_mat", lambda: ops.diag(M, k=-1), lambda: np.diag(M, k=-1)),
    ("diagonal", lambda: ops.diagonal(X3, offset=1, axis1=1, axis2=2),
     lambda: np.diagonal(X3, offset=1, axis1=1, axis2=2)),
    ("trace", lambda: ops.trace(M), lambda: np.trace(M)),
    ("trace3", lambda: ops.trace(X3, offset=-1, axis1=1, axis2=2),
     lambda: np.trace(X3, offset=-1, axis1=1, axis2=2)),
    ("tril", lambda: ops.tril(X3, k=1), lambda: np.tril(X3, k=1)),
    ("triu", lambda: ops.triu(M, k=-1), lambda: np.triu(M, k=-1)),
    ("diff", lambda: ops.diff(A), lambda: np.diff(A)),
    ("diff2", lambda: ops.diff(A, n=2, axis=0), lambda: np.diff(A, n=2, axis=0)),
    ("sort_axis0", lambda: ops.sort(A, axis=0), lambda: np.sort(A, axis=0)),
    ("argsort_axis0", lambda: ops.argsort(A, axis=0), lambda: np.argsort(A, axis=0)),
]


@pytest.mark.parametrize("name,got,want", SHAPE_CASES, ids=[c[0] for c in SHAPE_CASES])
def test_shape_ops(name, got, want):
    close(got(), want(), 1e-5)


# -- core ------------------------------------------------------------------------------------------
def test_core():
    assert ops.cast(A, "int32").dtype == "int32"
    assert ops.convert_to_tensor([1.0, 2.0]).dtype == "float32"
    assert ops.convert_to_tensor([1, 2], dtype="float64").dtype == "float64"
    assert isinstance(ops.convert_to_numpy(ops.ones(2)), np.ndarray)
    assert ops.shape(A) == (3, 4) and ops.dtype(I) == "int32"
    assert ops.is_tensor(ops.ones(1)) and not ops.is_tensor(A)
    close(ops.saturate_cast(np.float32([-300, 5.7, 300]), "uint8"), np.uint8([0, 5, 255]))
    assert ops.cond(True, lambda: 1, lambda: 2) == 1
    assert ops.cond(ops.less(2, 1), lambda: 1, lambda: 2) == 2
    assert ops.fori_loop(0, 5, lambda i, v: v + i, 0) == 10
    close(ops.while_loop(lambda i, s: i < 4, lambda i, s: (i + 1, s * 2), (0, 1.0)), [4, 16.0])
    assert ops.while_loop(lambda i: i < 10, lambda i: i + 3, 0) == 12
    assert ops.while_loop(lambda i: i < 10, lambda i: i + 1, 0, maximum_iterations=3) == 3
    carry, ys = ops.scan(lambda c, x: (c + x, c * x), 0.0, np.float32([1, 2, 3]))
    close(carry, 6.0)
    close(ys, np.float32([0, 2, 9]))
    carry, ys = ops.scan(lambda c, x: (c + x, c), 0.0, np.float32([1, 2, 3]), reverse=True)
    close(ys, np.float32([5, 3, 0]))
    close(ops.map(lambda x: x * 2, A), A * 2)
    close(ops.scatter([[0, 1], [2, 2], [0, 1]], np.float32([1, 2, 3]), (3, 3)),
          np.array([[0, 4, 0], [0, 0, 0], [0, 0, 2]], np.float32))
    close(ops.scatter_update(np.zeros((2, 3), np.float32), [[1, 2]], np.float32([5])),
          np.array([[0, 0, 0], [0, 0, 5]], np.float32))
    close(ops.slice(A, (1, 1), (2, 2)), A[1:3, 1:3])
    want = A.copy()
    want[1:3, 0:2] = 9
    close(ops.slice_update(A, (1, 0), np.full((2, 2), 9, np.float32)), want)
    close(ops.unstack(A, axis=1), [A[:, i] for i in range(4)])
    close(ops.stop_gradient(A), A)


# -- nn --------------------------------------------------------------------------------------------
def _sig(x):
    return 1 / (1 + np.exp(-x))


def _softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


NN = [("relu", lambda x: np.maximum(x, 0)), ("relu6", lambda x: np.clip(x, 0, 6)),
      ("sigmoid", _sig), ("softplus", lambda x: np.log1p(np.exp(x))),
      ("softsign", lambda x: x / (1 + np.abs(x))), ("silu", lambda x: x * _sig(x)),
      ("swish", lambda x: x * _sig(x)), ("log_sigmoid", lambda x: np.log(_sig(x))),
      ("leaky_relu", lambda x: np.where(x > 0, x, 0.2 * x)),
      ("hard_sigmoid", lambda x: np.clip(x / 6 + 0.5, 0, 1)),
      ("hard_silu", lambda x: x * np.clip(x / 6 + 0.5, 0, 1)),
      ("elu", lambda x: np.where(x > 0, x, np.expm1(x))),
      ("selu", lambda x: 1.0507009873554805 * np.where(x > 0, x, 1.6732632423543772 *
                                                       np.expm1(x))),
      ("gelu", lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))),
      ("softmax", _softmax), ("log_softmax", lambda x: np.log(_softmax(x)))]


@pytest.mark.parametrize("name,ref", NN, ids=[n[0] for n in NN])
def test_nn_activations(name, ref):
    close(getattr(ops, name)(A * 4), ref(A * 4), 1e-5)
    close(getattr(ops.nn, name)(A), ref(A), 1e-5)


def test_nn_extras():
    close(ops.softmax(A, axis=0), _softmax(A, axis=0), 1e-6)
    close(ops.leaky_relu(A, negative_slope=0.5), np.where(A > 0, A, 0.5 * A))
    close(ops.elu(A, alpha=2.0), np.where(A > 0, A, 2 * np.expm1(A)), 1e-6)
    close(ops.one_hot(np.array([0, 2, -1]), 3), np.array([[1, 0, 0], [0, 0, 1], [0, 0, 0]],
                                                         np.float32))
    close(ops.one_hot([1, 0], 2, axis=0, dtype="int32"), np.array([[0, 1], [1, 0]], np.int32))
    close(ops.multi_hot([[0, 2], [1, 1]], 4), np.array([[1, 0, 1, 0], [0, 1, 0, 0]], np.float32))
    close(ops.multi_hot([0, 2], 3), np.array([1, 0, 1], np.float32))
    eps = 1e-7
    t = (P > 0.5).astype(np.float32)
    pc = np.clip(P, eps, 1 - eps)
    close(ops.binary_crossentropy(t, P), -(t * np.log(pc) + (1 - t) * np.log(1 - pc)), 1e-5)
    close(ops.binary_crossentropy(t, A, from_logits=True),
          -(t * np.log(_sig(A)) + (1 - t) * np.log(1 - _sig(A))), 1e-5)
    oh = np.eye(4, dtype=np.float32)[[0, 3, 1]]
    sm = _softmax(A)
    close(ops.categorical_crossentropy(oh, sm), -(oh * np.log(sm)).sum(-1), 1e-5)
    close(ops.categorical_crossentropy(oh, A, from_logits=True), -(oh * np.log(sm)).sum(-1),
          1e-5)
    close(ops.sparse_categorical_crossentropy(np.array([0, 3, 1]), A, from_logits=True),
          -(oh * np.log(sm)).sum(-1), 1e-5)
    close(ops.sparse_categorical_crossentropy(np.array([[0], [3], [1]]), sm),
          -(oh * np.log(sm)).sum(-1), 1e-5)
    mean, var = ops.moments(A, axes=[0])
    close(mean, A.mean(0))
    close(var, A.var(0))
    close(ops.normalize(A), A / np.linalg.norm(A, axis=-1, keepdims=True), 1e-5)
    close(ops.normalize(A, axis=0, order=1), A / np.abs(A).sum(0, keepdims=True), 1e-5)


# -- math and linalg -------------------------------------------------------------------------------
def test_math():
    vals, idx = ops.top_k(A, 2)
    close(vals, -np.sort(-A, axis=1)[:, :2])
    close(idx, np.argsort(-A, axis=1)[:, :2].astype(np.int32))
    close(ops.in_top_k(np.array([0, 1, 2]), A, 2),
          [(A[i] > A[i, t]).sum() < 2 for i, t in enumerate([0, 1, 2])])
    ids = np.array([0, 0, 2])
    close(ops.segment_sum(A, ids), np.stack([A[0] + A[1], np.zeros(4), A[2]]).astype(np.float32))
    close(ops.segment_sum(A, ids, num_segments=4)[3], np.zeros(4, np.float32))
    close(ops.segment_max(A, ids)[0], np.maximum(A[0], A[1]))
    import math
    close(ops.erf(A), np.vectorize(math.erf)(A).astype(np.float32), 1e-6)
    close(ops.erf(ops.erfinv(np.float32([-0.9, -0.3, 0.0, 0.5, 0.99]))),
          np.float32([-0.9, -0.3, 0.0, 0.5, 0.99]), 1e-5)
    close(ops.rsqrt(G), 1 / np.sqrt(G), 1e-6)
    q, r = ops.qr(A)
    close(ops.matmul(q, r), A, 1e-5)
    assert tuple(ops.qr(A, mode="complete")[0].shape) == (3, 3)
    close(ops.extract_sequences(np.arange(10.0), 4, 3),
          np.array([[0, 1, 2, 3], [3, 4, 5, 6], [6, 7, 8, 9]], np.float64))


def test_linalg():
    close(ops.inv(SPD), np.linalg.inv(SPD), 1e-4)
    close(ops.det(SPD), np.linalg.det(SPD), 1e-2)
    close(ops.linalg.det(M), np.linalg.det(M), 1e-4)
    close(ops.solve(SPD, A.T), np.linalg.solve(SPD, A.T), 1e-4)
    close(ops.solve(SPD, V[:4]), np.linalg.solve(SPD, V[:4]), 1e-4)
    close(ops.cholesky(SPD), np.linalg.cholesky(SPD), 1e-4)
    close(ops.cholesky(SPD, upper=True), np.linalg.cholesky(SPD).T, 1e-4)
    u, s, vh = ops.svd(A, full_matrices=False)
    close(s, np.linalg.svd(A, compute_uv=False), 1e-5)
    close(ops.matmul(ops.multiply(u, s), vh), A, 1e-5)
    assert tuple(ops.svd(A)[2].shape) == (4, 4)
    w, v = ops.eigh(SPD)
    close(w, np.linalg.eigh(SPD)[0], 1e-4)
    close(ops.matmul(SPD, v), ops.multiply(v, w), 1e-3)
    lt = np.tril(SPD)
    close(ops.solve_triangular(lt, V[:4], lower=True), np.linalg.solve(lt, V[:4]), 1e-4)
    for ordv, axis in [(None, None), (None, 1), (1, 0), (np.inf, 1), (-np.inf, 1), (0, 1),
                       (3, 1), ("fro", None), ("nuc", None), (1, None), (np.inf, None),
                       (2, (0, 1)), (-2, (0, 1)), (-1, (1, 0))]:
        close(ops.norm(A, ord=ordv, axis=axis), np.linalg.norm(A, ord=ordv, axis=axis), 1e-4)
    close(ops.norm(A, axis=1, keepdims=True), np.linalg.norm(A, axis=1, keepdims=True), 1e-5)
    close(ops.norm(A, ord="nuc", axis=(0, 1), keepdims=True),
          np.linalg.norm(A, ord="nuc", axis=(0, 1), keepdims=True), 1e-4)
    sign, logdet = ops.linalg.slogdet(M)
    close(sign * ops.exp(logdet), np.linalg.det(M), 1e-3)


# -- symbolic use in functional models -------------------------------------------------------------
def test_functional_model_with_ops():
    x = keras.Input((3,))
    y = ops.exp(x) * 2
    assert isinstance(y, KerasTensor) and y.shape == (None, 3)
    z = ops.concatenate([y, ops.sum(x, axis=-1, keepdims=True)], axis=-1)
    z = ops.where(z > 1.0, z, -z)
    model = keras.Model(x, [z, ops.mean(x, axis=1), x[:, 1:] - 1.0])
    data = R.standard_normal((5, 3)).astype(np.float32)
    out = model(data)
    e = np.concatenate([np.exp(data) * 2, data.sum(-1, keepdims=True)], -1)
    close(out[0], np.where(e > 1, e, -e), 1e-5)
    close(out[1], data.mean(1), 1e-6)
    close(out[2], data[:, 1:] - 1, 1e-6)
    assert model.outputs[0].shape == (None, 4) and model.outputs[1].shape == (None,)


def test_symbolic_specs():
    x = keras.Input((4, 6), batch_size=None)
    assert ops.reshape(x, (-1, 3)).shape == (None, 3)
    assert ops.reshape(x, (2, 12)).shape == (2, 12)
    assert ops.transpose(x, (0, 2, 1)).shape == (None, 6, 4)
    assert ops.matmul(x, ops.ones((6, 2))).shape == (None, 4, 2)
    assert ops.argmax(x, axis=-1).dtype == "int32"
    parts = ops.split(x, 3, axis=2)
    assert len(parts) == 3 and parts[0].shape == (None, 4, 2)
    v, i = ops.top_k(x, 2)
    assert v.shape == (None, 4, 2) and i.dtype == "int32"
    assert ops.inv(keras.Input((3, 3))).shape == (None, 3, 3)
    u, s, vh = ops.svd(keras.Input((3, 5)), full_matrices=False)
    assert s.shape == (None, 3) and vh.shape == (None, 3, 5)
    assert ops.nonzero(x)[0].shape == (None,)
    assert ops.shape(x) == (None, 4, 6)
    assert ops.dtype(x) == "float32"
    assert ops.cast(x, "int32").dtype == "int32"
    assert ops.ndim(x).shape == ()
    assert (x @ ops.ones((6, 2))).shape == (None, 4, 2)
    assert (-x).shape == x.shape and abs(x).shape == x.shape


def test_symbolic_multi_input_and_nn():
    a, b = keras.Input((4,), name="a"), keras.Input((4,), name="b")
    logits = ops.matmul(a, ops.ones((4, 3))) + ops.expand_dims(ops.sum(b, axis=-1), -1)
    probs = ops.softmax(logits)
    loss = ops.categorical_crossentropy(ops.one_hot(ops.argmax(b, axis=-1), 3), probs)
    model = keras.Model([a, b], [probs, loss])
    da, db = A[:, :4], B[:, :4]
    p, l = model([da, db])
    lg = da @ np.ones((4, 3), np.float32) + db.sum(-1, keepdims=True)
    close(p, _softmax(lg), 1e-5)
    assert tuple(np.asarray(l).shape) == (3,)


def test_functional_config_round_trip():
    x = keras.Input((3,))
    y = ops.clip(ops.sum(ops.exp(x), axis=-1, keepdims=True), 0.0, 5.0)
    y2 = ops.exp(y)
    model = keras.Model(x, y2)
    config = model.get_config()
    names = [layer["class_name"] for layer in config["layers"]]
    assert "Exp" in names and "Sum" in names and "Clip" in names
    entry = next(layer for layer in config["layers"] if layer["class_name"] == "Sum")
    assert entry["module"] == "keras.src.ops.numpy"
    assert entry["config"]["axis"] == -1 and entry["config"]["keepdims"] is True
    exp_names = [layer["name"] for layer in config["layers"] if layer["class_name"] == "Exp"]
    assert len(set(exp_names)) == 2   # unique names for the two exp nodes
    json.dumps(config)
    clone = keras.Model.from_config(json.loads(json.dumps(config)))
    data = R.standard_normal((2, 3)).astype(np.float32)
    close(clone(data), model(data), 1e-6)


def test_operation_class_round_trip():
    op = ops.sum.operation_class(axis=1, keepdims=False)
    again = type(op).from_config(op.get_config())
    assert again.get_config() == op.get_config()
    close(again(A), A.sum(1))


# -- gradients -------------------------------------------------------------------------------------
def test_gradients_through_ops():
    x = ts.Variable(np.float64([[0.5, -1.0], [2.0, 0.3]]))
    with ts.GradientTape() as tape:
        y = ops.sum(ops.square(ops.exp(x)) * ops.tanh(x)) + ops.mean(ops.take(x, [1], axis=1))
    g = tape.gradient(y, x)
    xn = np.asarray(x)
    want = np.exp(2 * xn) * (2 * np.tanh(xn) + 1 - np.tanh(xn) ** 2)
    want[:, 1] += 0.5
    close(g, want, 1e-6)


GRAD_CASES = [
    ("logaddexp", lambda a, b: ops.logaddexp(a, b)),
    ("divide", lambda a, b: ops.divide(a, ops.exp(b))),
    ("quantile", lambda a, b: ops.quantile(a + b, 0.3, axis=1)),
    ("take_along_axis", lambda a, b: ops.take_along_axis(a * b, np.array([[1, 0, 2, 1]] * 3),
                                                         axis=1)),
    ("diagonal_trace", lambda a, b: ops.trace(ops.matmul(a, ops.transpose(b)))),
    ("tril", lambda a, b: ops.tril(a, k=1) * b),
    ("norm", lambda a, b: ops.norm(a, axis=1) + ops.norm(b, ord="fro")),
    ("cross", lambda a, b: ops.cross(a[:, :3], b[:, :3])),
    ("slice_update", lambda a, b: ops.slice_update(a, (1, 1), b[:2, :2])),
    ("softmax_ce", lambda a, b: ops.categorical_crossentropy(ops.softmax(b), ops.softmax(a))),
    ("bce_logits", lambda a, b: ops.binary_crossentropy(ops.sigmoid(b), a, from_logits=True)),
    ("logsumexp", lambda a, b: ops.logsumexp(a * b, axis=0)),
    ("diff_pad", lambda a, b: ops.diff(ops.pad(a, ((1, 0), (0, 1)), mode="reflect") * b[0, 0])),
    ("average", lambda a, b: ops.average(a, axis=1, weights=ops.exp(b[0]))),
    ("erfinv", lambda a, b: ops.erfinv(ops.tanh(a) * 0.5) * b),
]


@pytest.mark.parametrize("name,f", GRAD_CASES, ids=[c[0] for c in GRAD_CASES])
def test_gradcheck(name, f):
    a = R.standard_normal((3, 4))
    b = R.standard_normal((3, 4))
    check_grad(f, a, b)


def test_linalg_gradients():
    spd = SPD.astype(np.float64)
    check_grad(lambda m: ops.inv(m) + ops.det(m), spd)
    check_grad(lambda m, b: ops.solve(m, b), spd, A.T.astype(np.float64))


# -- errors ----------------------------------------------------------------------------------------
def test_errors():
    with pytest.raises(AttributeError, match="keras.ops.conv"):
        ops.conv
    with pytest.raises(AttributeError, match="keras.ops.max_pool"):
        ops.max_pool
    with pytest.raises(ValueError, match="mode must be one of"):
        ops.pad(A, 1, mode="wrap")
    with pytest.raises(ValueError, match="cannot be split into 3"):
        ops.split(A, 3, axis=1)
    with pytest.raises(ValueError, match="square matrices"):
        ops.inv(A)
    with pytest.raises(ValueError, match="unknown method"):
        ops.quantile(A, 0.5, method="bogus")
    with pytest.raises(ValueError, match="same shape"):
        ops.binary_crossentropy(A, A[:, :2])
    with pytest.raises(ValueError, match="`x1` and `x2` must be given together"):
        ops.where(A > 0, A)
    with pytest.raises(ValueError, match="symbolic KerasTensor"):
        ops.convert_to_numpy(keras.Input((2,)))
    with pytest.raises(ValueError, match="invalid ord"):
        ops.norm(A, ord=3, axis=(0, 1))

"""ts.nn.scaled_dot_product_attention: values against a NumPy formula, gradients (first and
second order), masks, causal attention, scores, dropout, the packed self-attention path, errors."""
import numpy as np
import pytest

import tessera as ts
from tessera.ops.attention import packed_self_attention
from tests.gradcheck import check_grad, check_second_order

sdpa = ts.nn.scaled_dot_product_attention


def ref_attention(q, k, v, bias=None, mask=None, scale=None, causal=False):
    """Straight formula on (B, T, N, H) inputs: returns (out (B, T, N, Hv), P (B, N, T, S))."""
    scale = 1.0 / np.sqrt(q.shape[-1]) if scale is None else scale
    B, T, N, _ = q.shape
    S = k.shape[1]
    logits = np.zeros((B, N, T, S))
    for b in range(B):
        for n in range(N):
            logits[b, n] = q[b, :, n, :] @ k[b, :, n, :].T * scale
    if bias is not None:
        logits = logits + bias
    keep = np.ones((B, N, T, S), dtype=bool)
    if mask is not None:
        keep &= np.broadcast_to(mask, keep.shape)
    if causal:
        keep &= np.tril(np.ones((T, S), dtype=bool))
    logits = np.where(keep, logits, -1e9)
    e = np.exp(logits - logits.max(axis=-1, keepdims=True))
    p = e / e.sum(axis=-1, keepdims=True)
    out = np.zeros((B, T, N, v.shape[-1]))
    for b in range(B):
        for n in range(N):
            out[b, :, n, :] = p[b, n] @ v[b, :, n, :]
    return out, p


def _qkv(seed=0, B=2, T=3, S=4, N=2, H=3, Hv=2):
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(B, T, N, H)), rng.normal(size=(B, S, N, H)),
            rng.normal(size=(B, S, N, Hv)))


def test_values_match_formula():
    q, k, v = _qkv()
    out = sdpa(ts.constant(q), ts.constant(k), ts.constant(v)).numpy()
    np.testing.assert_allclose(out, ref_attention(q, k, v)[0], rtol=1e-10, atol=1e-12)


def test_float32_values_and_dtype():
    q, k, v = (a.astype("float32") for a in _qkv(1, B=3, T=5, S=6, N=4, H=8, Hv=8))
    out = sdpa(q, k, v)
    assert out.dtype == ts.float32
    np.testing.assert_allclose(out.numpy(), ref_attention(q, k, v)[0], rtol=1e-5, atol=1e-6)


def test_bias_mask_scale_and_scores():
    q, k, v = _qkv(2)
    rng = np.random.default_rng(3)
    bias = rng.normal(size=(1, 2, 3, 4))
    mask = rng.random((2, 1, 3, 4)) > 0.4
    mask[..., 0] = True  # every row attends somewhere
    out, p = sdpa(ts.constant(q), ts.constant(k), ts.constant(v), bias=ts.constant(bias),
                  mask=mask, scale=0.7, return_attention_scores=True)
    want, wp = ref_attention(q, k, v, bias, mask, scale=0.7)
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(p.numpy(), wp, rtol=1e-10, atol=1e-12)
    assert np.all(p.numpy()[~np.broadcast_to(mask, wp.shape)] == 0)


def test_padding_mask_ignores_padded_keys():
    q, k, v = _qkv(4)
    valid = np.array([[True, True, False, False], [True, True, True, False]])
    out = sdpa(q, k, v, mask=valid[:, None, None, :]).numpy()
    # Changing the padded keys and values changes nothing.
    k2, v2 = k.copy(), v.copy()
    k2[0, 2:], v2[0, 2:], k2[1, 3], v2[1, 3] = 9.0, -9.0, 5.0, 7.0
    out2 = sdpa(q, k2, v2, mask=valid[:, None, None, :]).numpy()
    np.testing.assert_allclose(out, out2, rtol=1e-12)
    np.testing.assert_allclose(out, ref_attention(q, k, v, mask=valid[:, None, None, :])[0],
                               rtol=1e-10)


def test_causal():
    q, k, v = _qkv(5, T=4, S=4)
    out, p = sdpa(q, k, v, is_causal=True, return_attention_scores=True)
    want, wp = ref_attention(q, k, v, causal=True)
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-10)
    np.testing.assert_allclose(p.numpy(), wp, rtol=1e-10, atol=1e-14)
    assert np.all(np.triu(p.numpy()[0, 0], 1) == 0)
    # The first query sees only the first key.
    np.testing.assert_allclose(out.numpy()[:, 0], v[:, 0], rtol=1e-12)


def test_rank3_inputs_are_one_head():
    q, k, v = _qkv(6, N=1)
    mask = np.random.default_rng(0).random((2, 3, 4)) > 0.3
    mask[..., 1] = True
    out, p = sdpa(q[:, :, 0], k[:, :, 0], v[:, :, 0], mask=mask, return_attention_scores=True)
    want, wp = ref_attention(q, k, v, mask=mask[:, None])
    assert tuple(out.shape) == (2, 3, 2) and tuple(p.shape) == (2, 3, 4)
    np.testing.assert_allclose(out.numpy(), want[:, :, 0], rtol=1e-10)
    np.testing.assert_allclose(p.numpy(), wp[:, 0], rtol=1e-10)


def test_gradients_plain():
    check_grad(lambda q, k, v: sdpa(q, k, v), *_qkv(7))


def test_gradients_bias_and_mask():
    q, k, v = _qkv(8)
    bias = np.random.default_rng(1).normal(size=(2, 1, 3, 4))
    mask = np.random.default_rng(2).random((2, 2, 3, 4)) > 0.3
    mask[..., 0] = True
    check_grad(lambda q, k, v, b: sdpa(q, k, v, bias=b, mask=mask, scale=0.5), q, k, v, bias)


def test_gradients_causal_and_scores_output():
    q, k, v = _qkv(9, T=4, S=4)
    check_grad(lambda q, k, v: sdpa(q, k, v, is_causal=True), q, k, v)
    check_grad(lambda q, k, v: list(sdpa(q, k, v, is_causal=True, return_attention_scores=True)),
               q, k, v)
    check_grad(lambda q, k, v: sdpa(q, k, v, return_attention_scores=True)[1], q, k, v)


def test_gradients_rank3():
    q, k, v = (a[:, :, 0] for a in _qkv(10, N=1))
    check_grad(lambda q, k, v: sdpa(q, k, v, is_causal=True), q, k, v)


def test_second_order():
    q, k, v = _qkv(11)
    bias = np.random.default_rng(3).normal(size=(1, 2, 3, 4))
    mask = np.ones((1, 1, 3, 4), dtype=bool)
    mask[..., 3] = False
    check_second_order(lambda q, k, v, b: sdpa(q, k, v, bias=b, mask=mask), q, k, v, bias)
    check_second_order(lambda q, k, v: sdpa(q, k, v, return_attention_scores=True)[0], q, k, v)


def test_only_needed_gradients_and_none_for_mask():
    q, k, v = (ts.constant(a) for a in _qkv(12))
    m = ts.constant(np.ones((1, 1, 3, 4), dtype=bool))
    with ts.GradientTape() as tape:
        tape.watch(v)
        out = sdpa(q, k, v, mask=m)
    gv = tape.gradient(out, v)
    _, p = ref_attention(q.numpy(), k.numpy(), v.numpy())
    want = np.einsum("bnts,btnh->bsnh", p, np.ones(tuple(out.shape)))
    np.testing.assert_allclose(gv.numpy(), want, rtol=1e-10)


def test_packed_self_attention_matches_unpacked():
    rng = np.random.default_rng(13)
    qkv = rng.normal(size=(2, 5, 3, 2, 4))
    mask = rng.random((2, 1, 5, 5)) > 0.3
    mask[..., 0] = True
    out = packed_self_attention(ts.constant(qkv), mask=mask, is_causal=True).numpy()
    want = ref_attention(qkv[:, :, 0], qkv[:, :, 1], qkv[:, :, 2], mask=mask, causal=True)[0]
    np.testing.assert_allclose(out, want, rtol=1e-10)
    check_grad(lambda a: packed_self_attention(a, mask=mask), qkv)
    check_second_order(lambda a: packed_self_attention(a, is_causal=True), qkv[:1, :3])


def _dropped_weights(rate, seed):
    """Runs attention with one-hot values, so the output is the dropped weights (B, T, N, S)."""
    q, k, _ = _qkv(14, S=4)
    v = np.broadcast_to(np.eye(4)[None, :, None, :], (2, 4, 2, 4)).copy()
    out, p = sdpa(q, k, v, dropout_rate=rate, seed=seed, return_attention_scores=True)
    return out.numpy(), p.numpy().transpose(0, 2, 1, 3)


def test_dropout_drops_and_rescales_weights():
    ts.random.set_seed(5)
    out, p = _dropped_weights(0.5, seed=3)
    kept = out != 0
    assert 0 < kept.mean() < 1
    np.testing.assert_allclose(out[kept], p[kept] * 2.0, rtol=1e-12)
    # The scores returned are the weights before dropout.
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=1e-12)
    # Same global and op seed: same mask; the next call draws a new one.
    ts.random.set_seed(5)
    again, _ = _dropped_weights(0.5, seed=3)
    np.testing.assert_array_equal(again, out)
    other, _ = _dropped_weights(0.5, seed=3)
    assert not np.array_equal(other, out)


def test_dropout_gradient():
    q, k, v = _qkv(15)

    def f(q, k, v):
        ts.random.set_seed(1)  # the same dropout mask on every evaluation
        return sdpa(q, k, v, dropout_rate=0.3, seed=2)

    check_grad(f, q, k, v)


def test_errors_name_the_op_shapes_and_fix():
    q, k, v = _qkv(16)
    with pytest.raises(ts.errors.InvalidArgumentError, match=r"scaled_dot_product_attention.*"
                       r"query \(2, 3, 2, 3\), key \(2, 5, 2, 3\)"):
        sdpa(q, np.zeros((2, 5, 2, 3)), v)
    with pytest.raises(ts.errors.InvalidArgumentError, match=r"mask of shape \(3, 3\) does not "
                       r"broadcast.*\(2, 2, 3, 4\)"):
        sdpa(q, k, v, mask=np.ones((3, 3), dtype=bool))
    with pytest.raises(ts.errors.InvalidArgumentError, match="floating-point.*ts.cast"):
        sdpa(q.astype("int32"), k, v)
    with pytest.raises(ts.errors.InvalidArgumentError, match=r"rank 4 \(batch, seq, heads, dim\)"):
        sdpa(q[0, 0], k[0, 0], v[0, 0])
    with pytest.raises(ts.errors.InvalidArgumentError, match=r"dropout_rate must be in \[0, 1\)"):
        sdpa(q, k, v, dropout_rate=1.0)
    with pytest.raises(ts.errors.InvalidArgumentError, match="bias of shape"):
        sdpa(q, k, v, bias=np.zeros((5, 5)))


def test_exposed_in_nn_namespace_with_docstring():
    assert ts.nn.scaled_dot_product_attention is sdpa
    assert "keras.ops.dot_product_attention" in sdpa.__doc__


@pytest.mark.parametrize("size", [0.1, 100.0])
def test_small_and_huge_logits_float32(size):
    # Small logits take the softmax without the max subtraction, huge ones the exact path.
    q, k, v = (a.astype("float32") for a in _qkv(17, T=4, S=5))
    q = q * np.float32(size)
    mask = np.ones((2, 2, 4, 5), dtype=bool)
    mask[0, 0, 1] = False  # a fully masked row: uniform weights, as Keras' large negative fill
    out, p = sdpa(q, k, v, mask=mask, return_attention_scores=True)
    want, wp = ref_attention(q.astype("float64"), k, v, mask=mask)
    assert np.all(np.isfinite(out.numpy()))
    np.testing.assert_allclose(p.numpy(), wp, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-4, atol=1e-5)
    out2 = sdpa(q, k, v, is_causal=True)
    np.testing.assert_allclose(out2.numpy(), ref_attention(q.astype("float64"), k, v,
                                                           causal=True)[0], rtol=1e-4, atol=1e-5)


@pytest.fixture
def blas(monkeypatch):
    """A fake BLAS thread control (count in blas[0]); the parts path forced for any size."""
    from tessera.backend import cpu
    from tessera.ops import attention as A
    n = [2]
    monkeypatch.setattr(A, "_PAR_MIN", 0)
    monkeypatch.setattr(cpu, "blas_threads", lambda: (lambda: n[0], lambda k: n.__setitem__(0, k)))
    return n


@pytest.mark.parametrize("threads,chunk_bytes", [(2, 1 << 30), (2, 600), (1, 600)])
def test_batch_parts_match_whole_batch(blas, monkeypatch, threads, chunk_bytes):
    """Two threads (halves), cache-sized chunks, or both: results equal the whole batch's."""
    from tessera.ops import attention as A
    blas[0] = threads
    rng = np.random.default_rng(21)
    qkv = rng.normal(size=(5, 6, 3, 2, 4))
    mask = rng.random((5, 1, 6, 6)) > 0.3
    mask[..., 0] = True
    w = rng.normal(size=(5, 6, 2, 4))
    for kw in (dict(), dict(mask=mask), dict(mask=mask[0, 0], is_causal=True),
               dict(dropout_rate=0.3, seed=4)):
        res = []
        for split in (True, False):
            monkeypatch.setattr(A, "_PAR_MIN", 0 if split else 1 << 62)
            monkeypatch.setattr(A, "_CHUNK_BYTES", chunk_bytes if split else 1 << 62)
            ts.random.set_seed(1)   # the same dropout draws for both runs
            a = ts.Variable(qkv)
            with ts.GradientTape() as tape:
                out = packed_self_attention(a, **kw)
                loss = ts.reduce_sum(out * ts.constant(w))
            res.append((out.numpy(), tape.gradient(loss, a).numpy()))
            res.append(packed_self_attention(ts.constant(qkv), **kw).numpy() if not kw.get(
                "dropout_rate") else res[-1][0])   # no tape: nothing saved
        np.testing.assert_allclose(res[0][0], res[2][0], rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(res[0][1], res[2][1], rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(res[1], res[3], rtol=1e-12, atol=1e-12)
    assert blas[0] == threads   # the BLAS thread count is restored
    monkeypatch.setattr(A, "_PAR_MIN", 0)
    monkeypatch.setattr(A, "_CHUNK_BYTES", chunk_bytes)
    want = ref_attention(qkv[:, :, 0], qkv[:, :, 1], qkv[:, :, 2], mask=mask)[0]
    out = packed_self_attention(ts.constant(qkv), mask=mask).numpy()
    np.testing.assert_allclose(out, want, rtol=1e-10)
    check_grad(lambda a: packed_self_attention(a, mask=mask[:3, :, :4, :4]), qkv[:3, :4])
    q, k, v = _qkv(22, B=3)
    check_grad(lambda q, k, v: sdpa(q, k, v), q, k, v)


def test_blas_thread_control_found_or_none():
    from tessera.backend.cpu import blas_threads
    bt = blas_threads()
    if bt is not None:
        n = bt[0]()
        assert n >= 1
        bt[1](n)

"""Attention layers: MultiHeadAttention, Attention, AdditiveAttention (values against NumPy,
weights as Keras 3 builds them, masks, causal masks, scores, attention_axes, dropout, the
shared harness)."""
import numpy as np
import pytest

import tessera as ts
from tessera import keras
from tests.keras.harness import run_layer_test

L = keras.layers


def _softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _w(w, name):
    """A weight from the harness' dict by its sublayer/name suffix (the first one is bare)."""
    for key, val in w.items():
        if key.endswith(name):
            return val
    return w[name.split("/")[-1]]


def mha_ref(q, v, k, w, mask=None, causal=False, use_bias=True):
    """NumPy multi-head attention on (B, T, D) inputs; `w` maps names to weights."""
    wq, wk, wv, wo = (_w(w, f"{n}/kernel") for n in ("query", "key", "value", "attention_output"))
    Q = np.einsum("btd,dnh->btnh", q, wq)
    K = np.einsum("bsd,dnh->bsnh", k, wk)
    V = np.einsum("bsd,dnh->bsnh", v, wv)
    if use_bias:
        Q, K, V = Q + _w(w, "query/bias"), K + _w(w, "key/bias"), V + _w(w, "value/bias")
    logits = np.einsum("btnh,bsnh->bnts", Q, K) / np.sqrt(wq.shape[-1])
    keep = np.ones(logits.shape, dtype=bool)
    if mask is not None:
        keep &= np.asarray(mask)[:, None]
    if causal:
        keep &= np.tril(np.ones(logits.shape[-2:], dtype=bool))
    p = _softmax(np.where(keep, logits, -1e9))
    out = np.einsum("btnh,nhe->bte", np.einsum("bnts,bsnh->btnh", p, V), wo)
    if use_bias:
        out = out + _w(w, "attention_output/bias")
    return out, p


def _weights(layer):
    return {("kernel" if i == 0 else v.path): v.numpy() for i, v in enumerate(layer.weights)}


class SelfMHA(L.MultiHeadAttention):
    """Self-attention on one input, for the harness."""

    def build(self, query_shape, value_shape=None, key_shape=None):
        super().build(query_shape, query_shape)

    def call(self, inputs, training=None):
        return super().call(inputs, inputs, training=training)

    def compute_output_shape(self, input_shape, value_shape=None, key_shape=None):
        return super().compute_output_shape(input_shape, value_shape or input_shape)

    def compute_output_spec(self, inputs, training=None):
        return super().compute_output_spec(inputs, inputs)


class CrossMHA(L.MultiHeadAttention):
    """Cross-attention on `[query, value]`, for the harness."""

    def _maybe_build(self, args, kwargs):
        if not self.built:
            self.build(tuple(args[0][0].shape), tuple(args[0][1].shape))

    def call(self, inputs, training=None):
        return super().call(inputs[0], inputs[1], training=training)

    def compute_output_shape(self, input_shape, value_shape=None, key_shape=None):
        if value_shape is None:
            input_shape, value_shape = input_shape
        return super().compute_output_shape(input_shape, value_shape)

    def compute_output_spec(self, inputs, training=None):
        return super().compute_output_spec(inputs[0], inputs[1])


# -- MultiHeadAttention -------------------------------------------------------------------
def test_mha_weights_as_keras_builds_them():
    mha = L.MultiHeadAttention(num_heads=4, key_dim=3, value_dim=5)
    mha(np.zeros((2, 6, 8), "float32"), np.zeros((2, 7, 10), "float32"))
    got = [(v.path.split("/")[-2] + "/" + v.name.split("/")[-1].split(":")[0], tuple(v.shape))
           for v in mha.weights]
    assert got == [("query/kernel", (8, 4, 3)), ("query/bias", (4, 3)),
                   ("key/kernel", (10, 4, 3)), ("key/bias", (4, 3)),
                   ("value/kernel", (10, 4, 5)), ("value/bias", (4, 5)),
                   ("attention_output/kernel", (4, 5, 8)), ("attention_output/bias", (8,))]
    assert [lay.name for lay in (mha.query_dense, mha.key_dense, mha.value_dense,
                                 mha.output_dense)] == ["query", "key", "value", "attention_output"]
    assert isinstance(mha.query_dense, L.EinsumDense)
    assert mha.query_dense.equation == "abc,cde->abde"
    assert mha.output_dense.equation == "abcd,cde->abe"


def test_mha_config_keys_match_keras():
    cfg = L.MultiHeadAttention(2, 4, output_shape=6, attention_axes=1).get_config()
    for key in ("num_heads", "key_dim", "value_dim", "dropout", "use_bias", "output_shape",
                "attention_axes", "kernel_initializer", "bias_initializer", "kernel_regularizer",
                "bias_regularizer", "activity_regularizer", "kernel_constraint",
                "bias_constraint", "seed", "name", "trainable", "dtype"):
        assert key in cfg
    assert cfg["output_shape"] == (6,) and cfg["attention_axes"] == (1,) and cfg["value_dim"] == 4


def test_mha_self_attention_harness():
    run_layer_test(SelfMHA, {"num_heads": 2, "key_dim": 3}, input_shape=(2, 5, 4),
                   expected_output_shape=(2, 5, 4),
                   reference_fn=lambda x, w: mha_ref(x, x, x, w)[0],
                   expected_num_trainable_weights=8, expected_num_non_trainable_weights=0,
                   custom_objects={"SelfMHA": SelfMHA}, rtol=1e-4, atol=1e-5)


def test_mha_cross_attention_harness_value_dim_output_shape_no_bias():
    def ref(x, w):
        q, v = x
        wq, wk, wv = (_w(w, f"{n}/kernel") for n in ("query", "key", "value"))
        wo = _w(w, "attention_output/kernel")
        Q, K, V = (np.einsum("btd,dnh->btnh", a, b) for a, b in ((q, wq), (v, wk), (v, wv)))
        p = _softmax(np.einsum("btnh,bsnh->bnts", Q, K) / np.sqrt(3))
        return np.einsum("btnh,nhe->bte", np.einsum("bnts,bsnh->btnh", p, V), wo)

    res = run_layer_test(CrossMHA, {"num_heads": 2, "key_dim": 3, "value_dim": 4,
                                    "output_shape": 7, "use_bias": False},
                         input_shape=[(2, 3, 4), (2, 6, 5)], expected_output_shape=(2, 3, 7),
                         reference_fn=ref, expected_num_trainable_weights=4,
                         custom_objects={"CrossMHA": CrossMHA}, rtol=1e-4, atol=1e-5)
    assert tuple(res.layer.output_dense.kernel.shape) == (2, 4, 7)


def test_mha_values_with_key_and_scores():
    rng = np.random.default_rng(0)
    q, v, k = (rng.normal(size=s).astype("float32") for s in ((2, 3, 4), (2, 5, 6), (2, 5, 7)))
    mha = L.MultiHeadAttention(num_heads=3, key_dim=2)
    out, scores = mha(q, v, key=k, return_attention_scores=True)
    want, wp = mha_ref(q, v, k, _weights(mha))
    assert tuple(scores.shape) == (2, 3, 3, 5)
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(scores.numpy(), wp, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("self_attention", [True, False])
def test_mha_attention_mask_and_causal(self_attention):
    rng = np.random.default_rng(1)
    x = ts.constant(rng.normal(size=(2, 5, 4)).astype("float32"))
    v = x if self_attention else ts.constant(rng.normal(size=(2, 5, 4)).astype("float32"))
    amask = rng.random((2, 5, 5)) > 0.3
    amask[..., 0] = True
    mha = L.MultiHeadAttention(num_heads=2, key_dim=3)
    out = mha(x, v, attention_mask=amask, use_causal_mask=True)
    want, _ = mha_ref(x.numpy(), v.numpy(), v.numpy(), _weights(mha), mask=amask, causal=True)
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-4, atol=1e-5)


def test_mha_keras_masks_from_embedding_propagate():
    tokens = np.array([[3, 5, 2, 0, 0], [7, 1, 0, 0, 0]])
    emb = L.Embedding(10, 4, mask_zero=True)
    x = emb(tokens)
    mha = L.MultiHeadAttention(num_heads=2, key_dim=3)
    out = mha(x, x)
    valid = tokens != 0
    # Keras: query mask [B, T, 1] & value mask [B, 1, S]
    want, _ = mha_ref(x.numpy(), x.numpy(), x.numpy(), _weights(mha),
                      mask=valid[:, :, None] & valid[:, None, :])
    np.testing.assert_allclose(out.numpy()[valid], want[valid], rtol=1e-4, atol=1e-5)
    np.testing.assert_array_equal(out._keras_mask.numpy(), valid)
    # Padded keys do not matter.
    x2 = ts.constant(np.where(valid[..., None], x.numpy(), 7.0).astype("float32"))
    x2._keras_mask = ts.constant(valid)
    out2 = mha(x, x2)
    np.testing.assert_allclose(out2.numpy()[valid], out.numpy()[valid], rtol=1e-5)
    # Explicit value_mask, and the mask through a functional model.
    out3 = mha(ts.constant(x.numpy()), ts.constant(x.numpy()), value_mask=valid)
    np.testing.assert_allclose(out3.numpy()[valid], mha_ref(
        x.numpy(), x.numpy(), x.numpy(), _weights(mha), mask=np.broadcast_to(
            valid[:, None, :], (2, 5, 5)))[0][valid], rtol=1e-4, atol=1e-5)
    inp = keras.Input((5,), dtype="int32")
    e = emb(inp)
    model = keras.Model(inp, mha(e, e))
    np.testing.assert_allclose(model(tokens).numpy()[valid], out.numpy()[valid], rtol=1e-5)


def test_mha_attention_axes_2d():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(2, 3, 4, 5)).astype("float32")
    mha = L.MultiHeadAttention(num_heads=2, key_dim=3, attention_axes=(1, 2))
    out, scores = mha(x, x, return_attention_scores=True)
    w = _weights(mha)
    wq, wk, wv, wo = (_w(w, f"{n}/kernel") for n in ("query", "key", "value", "attention_output"))
    Q = np.einsum("bxyd,dnh->bxynh", x, wq) + _w(w, "query/bias")
    K = np.einsum("bxyd,dnh->bxynh", x, wk) + _w(w, "key/bias")
    V = np.einsum("bxyd,dnh->bxynh", x, wv) + _w(w, "value/bias")
    logits = np.einsum("bxynh,buvnh->bnxyuv", Q, K) / np.sqrt(3)
    p = _softmax(logits.reshape(2, 2, 3, 4, 12)).reshape(logits.shape)
    o = np.einsum("bnxyuv,buvnh->bxynh", p, V)
    want = np.einsum("bxynh,nhe->bxye", o, wo) + _w(w, "attention_output/bias")
    assert tuple(scores.shape) == (2, 2, 3, 4, 3, 4)
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(scores.numpy(), p, rtol=1e-4, atol=1e-6)
    # Attention over axis 2 only: axis 1 acts as a batch axis.
    mha2 = L.MultiHeadAttention(num_heads=2, key_dim=3, attention_axes=2)
    out2, s2 = mha2(x, x, return_attention_scores=True)
    w = _weights(mha2)
    wq, wk, wv, wo = (_w(w, f"{n}/kernel") for n in ("query", "key", "value", "attention_output"))
    Q, K, V = (np.einsum("bxyd,dnh->bxynh", x, m) for m in (wq, wk, wv))
    p = _softmax(np.einsum("bxynh,bxvnh->bxnyv", Q, K) / np.sqrt(3))
    want = np.einsum("bxynh,nhe->bxye", np.einsum("bxnyv,bxvnh->bxynh", p, V), wo)
    assert tuple(s2.shape) == (2, 3, 2, 4, 4)
    np.testing.assert_allclose(out2.numpy(), want, rtol=1e-4, atol=1e-5)


def test_mha_dropout_only_in_training():
    x = np.random.default_rng(3).normal(size=(2, 6, 4)).astype("float32")
    mha = L.MultiHeadAttention(num_heads=2, key_dim=3, dropout=0.5, seed=1)
    ref = L.MultiHeadAttention(num_heads=2, key_dim=3)
    ref(x, x)
    mha(x, x)
    ref.set_weights(mha.get_weights())
    np.testing.assert_allclose(mha(x, x).numpy(), ref(x, x).numpy(), rtol=1e-6)
    np.testing.assert_allclose(mha(x, x, training=False).numpy(), ref(x, x).numpy(), rtol=1e-6)
    assert not np.allclose(mha(x, x, training=True).numpy(), ref(x, x).numpy())
    xt = ts.constant(x)  # the same tensor twice: the packed self-attention path
    np.testing.assert_allclose(mha(xt, xt).numpy(), ref(x, x).numpy(), rtol=1e-5, atol=1e-6)
    assert not np.allclose(mha(xt, xt, training=True).numpy(), ref(x, x).numpy())


def test_mha_symbolic_scores_and_gradients_through_model():
    inp = keras.Input((5, 4))
    out, scores = L.MultiHeadAttention(2, 3)(inp, inp, return_attention_scores=True)
    assert out.shape == (None, 5, 4) and scores.shape == (None, 2, 5, 5)
    model = keras.Model(inp, [out, scores])
    o, s = model(np.ones((3, 5, 4), "float32"))
    assert tuple(o.shape) == (3, 5, 4) and tuple(s.shape) == (3, 2, 5, 5)


def test_mha_errors():
    with pytest.raises(ValueError, match="All dimensions of `value` and `key`"):
        L.MultiHeadAttention(2, 3)(np.ones((1, 2, 4)), np.ones((1, 3, 4)), key=np.ones((1, 4, 4)))
    with pytest.raises(ValueError, match="`num_heads` must be a positive integer"):
        L.MultiHeadAttention(0, 3)
    with pytest.raises(ValueError, match="flash_attention"):
        L.MultiHeadAttention(2, 3, flash_attention=True)


# -- Attention / AdditiveAttention ---------------------------------------------------------
def attention_ref(q, v, k=None, scale=1.0, mode="dot", concat_w=1.0, v_mask=None,
                  causal=False):
    k = v if k is None else k
    if mode == "dot":
        scores = np.einsum("btd,bsd->bts", q, k) * scale
    else:
        scores = concat_w * np.tanh(scale * (q[:, :, None] + k[:, None])).sum(-1)
    if v_mask is not None:
        scores = scores - 1e9 * (~v_mask[:, None, :])
    if causal:
        scores = np.where(np.tril(np.ones(scores.shape[-2:], bool)), scores, -1e9)
    p = _softmax(scores)
    return p @ v, p


@pytest.mark.parametrize("use_scale", [False, True])
@pytest.mark.parametrize("score_mode", ["dot", "concat"])
def test_attention_harness(use_scale, score_mode):
    def ref(x, w):
        return attention_ref(x[0], x[1], scale=w.get("scale", 1.0), mode=score_mode,
                             concat_w=w.get("concat_score_weight", 1.0))[0]

    n_weights = int(use_scale) + int(score_mode == "concat")
    run_layer_test(L.Attention, {"use_scale": use_scale, "score_mode": score_mode},
                   input_shape=[(2, 3, 4), (2, 5, 4)], expected_output_shape=(2, 3, 4),
                   reference_fn=ref, expected_num_trainable_weights=n_weights,
                   supports_masking=True, rtol=1e-4, atol=1e-5)


def test_attention_with_key_masks_causal_and_scores():
    rng = np.random.default_rng(4)
    q, v, k = (rng.normal(size=s).astype("float32") for s in ((2, 4, 3), (2, 4, 5), (2, 4, 3)))
    q_mask = np.array([[1, 1, 1, 0], [1, 1, 0, 0]], dtype=bool)
    v_mask = np.array([[1, 1, 0, 0], [1, 1, 1, 0]], dtype=bool)
    layer = L.Attention()
    out, p = layer([q, v, k], mask=[q_mask, v_mask], return_attention_scores=True,
                   use_causal_mask=True)
    want, wp = attention_ref(q, v, k, v_mask=v_mask, causal=True)
    np.testing.assert_allclose(out.numpy(), want * q_mask[..., None], rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(p.numpy(), wp, rtol=1e-4, atol=1e-6)
    assert out.shape == (2, 4, 5)
    np.testing.assert_array_equal(out._keras_mask.numpy(), q_mask)


def test_attention_dropout_only_in_training_and_errors():
    rng = np.random.default_rng(5)
    q = rng.normal(size=(2, 3, 4)).astype("float32")
    v = rng.normal(size=(2, 6, 4)).astype("float32")
    layer = L.Attention(dropout=0.5, seed=2)
    np.testing.assert_allclose(layer([q, v]).numpy(), attention_ref(q, v)[0], rtol=1e-5)
    assert not np.allclose(layer([q, v], training=True).numpy(), attention_ref(q, v)[0])
    with pytest.raises(ValueError, match="must be called on a list of inputs"):
        layer(q)
    with pytest.raises(ValueError, match="score_mode"):
        L.Attention(score_mode="add")


def test_additive_attention_harness():
    def ref(x, w):
        q, v = x
        return (_softmax((np.tanh(q[:, :, None] + v[:, None]) * w["scale"]).sum(-1)) @ v)

    res = run_layer_test(L.AdditiveAttention, {}, input_shape=[(2, 3, 4), (2, 5, 4)],
                         expected_output_shape=(2, 3, 4), reference_fn=ref,
                         expected_num_trainable_weights=1, rtol=1e-4, atol=1e-5)
    assert tuple(res.layer.scale.shape) == (4,)
    assert "score_mode" not in res.layer.get_config()


def test_additive_attention_no_scale_with_mask():
    rng = np.random.default_rng(6)
    q = rng.normal(size=(2, 3, 4)).astype("float32")
    v = rng.normal(size=(2, 5, 4)).astype("float32")
    v_mask = np.array([[1, 1, 1, 0, 0], [1, 0, 0, 0, 0]], dtype=bool)
    out = L.AdditiveAttention(use_scale=False)([q, v], mask=[None, v_mask])
    scores = np.tanh(q[:, :, None] + v[:, None]).sum(-1) - 1e9 * (~v_mask[:, None, :])
    np.testing.assert_allclose(out.numpy(), _softmax(scores) @ v, rtol=1e-4, atol=1e-6)

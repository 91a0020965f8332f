"""Attention layers: MultiHeadAttention, Attention, AdditiveAttention.

All three run the fused `ts.nn.scaled_dot_product_attention` (masked softmax,
dropout and the weighted sum of values in one op with a hand-written
backward). MultiHeadAttention keeps Keras 3's structure: `EinsumDense`
sublayers named `query`, `key`, `value` and `attention_output` own the
weights (query kernel `(dim, num_heads, key_dim)` ...), and the projections
run as fused dense matmuls on those kernels.
"""
import math

import numpy as np

import tessera as ts
from ...ops.attention import packed_self_attention as _packed
from ...ops.attention import scaled_dot_product_attention as _sdpa
from ...ops.fused import dense as _dense
from ..saving.object_registration import keras_export
from .core import EinsumDense
from .layer import Layer, _convert_inputs

__all__ = ["MultiHeadAttention", "Attention", "AdditiveAttention"]

_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _serialize(obj):
    from ..saving.serialization_lib import serialize_keras_object
    return serialize_keras_object(obj)


def _mask_array(m):
    """A Keras mask (Tensor, array or None) as a boolean NumPy-like array."""
    if m is None:
        return None
    a = m._a if isinstance(m, ts.Tensor) else np.asarray(m)
    return a if a.dtype == np.bool_ else a != 0


def _proj_equation(free_dims, bound_dims, output_dims):
    """Keras' projection equation, e.g. `abc,cde->abde` (and its bias axes)."""
    i = _LETTERS[:free_dims]
    b = _LETTERS[free_dims:free_dims + bound_dims]
    o = _LETTERS[free_dims + bound_dims:free_dims + bound_dims + output_dims]
    return f"{i}{b},{b}{o}->{i}{o}", o, len(i) + len(o)


def _clone(obj):
    return None if obj is None else obj.__class__.from_config(obj.get_config())


def _symbolic_tensor(shape, dtype):
    from ..models.symbolic import KerasTensor
    return KerasTensor(shape, dtype=dtype)


# ---------------------------------------------------------------------------
# MultiHeadAttention
# ---------------------------------------------------------------------------
@keras_export("keras.layers")
class MultiHeadAttention(Layer):
    """Multi-head attention ("Attention is all you need"), as `keras.layers.MultiHeadAttention`.

    Projects `query`, `key` and `value` to `num_heads` heads, attends with
    scaled dot products, and projects the concatenated heads back.

    Args:
        num_heads: number of attention heads.
        key_dim: size of each head for query and key.
        value_dim: size of each head for value (default `key_dim`).
        dropout: dropout rate on the attention weights (training only).
        use_bias: whether the projections have biases.
        output_shape: the output's feature shape (default the query's last dim).
        attention_axes: axes attended over (default all but batch, heads, features).
        flash_attention: accepted for Keras compatibility (None or False).
        kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
        activity_regularizer, kernel_constraint, bias_constraint: for the projections.
        seed: seed of the dropout.

    Call arguments:
        query `(B, T, dim)`, value `(B, S, dim)`, key (default value);
        query_mask / value_mask / key_mask (default: the inputs' Keras masks),
        attention_mask `(B, T, S)` boolean; return_attention_scores; training;
        use_causal_mask.

    Returns:
        `(B, T, E)`, and the scores `(B, num_heads, T, S)` when
        `return_attention_scores=True`.

    Example:
    >>> mha = keras.layers.MultiHeadAttention(num_heads=2, key_dim=4)
    >>> mha(np.ones((1, 3, 8)), np.ones((1, 5, 8))).shape
    TensorShape([1, 3, 8])
    """

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True,
                 output_shape=None, attention_axes=None, flash_attention=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        from .. import constraints, initializers, regularizers
        self.supports_masking = True
        for what, val in (("num_heads", num_heads), ("key_dim", key_dim)):
            if not isinstance(val, (int, np.integer)) or val <= 0:
                raise ValueError(f"MultiHeadAttention: `{what}` must be a positive integer, "
                                 f"received {what}={val!r}.")
        self._num_heads = int(num_heads)
        self._key_dim = int(key_dim)
        self._value_dim = int(value_dim) if value_dim else self._key_dim
        self._dropout = float(dropout)
        self._use_bias = use_bias
        if output_shape:
            if isinstance(output_shape, (int, np.integer)):
                output_shape = (int(output_shape),)
            try:
                output_shape = tuple(output_shape)
            except TypeError:
                raise ValueError(f"Invalid `output_shape`: {output_shape}. When specified, the "
                                 "`output_shape` should be of type tuple, list, or int.") from None
        self._output_shape = output_shape or None
        if flash_attention:
            raise ValueError("MultiHeadAttention: flash_attention=True is not supported by "
                             "tessera's CPU backend; pass None or False.")
        self._flash_attention = False
        self._kernel_initializer = initializers.get(kernel_initializer)
        self._bias_initializer = initializers.get(bias_initializer)
        self._kernel_regularizer = regularizers.get(kernel_regularizer)
        self._bias_regularizer = regularizers.get(bias_regularizer)
        self._activity_regularizer = regularizers.get(activity_regularizer)
        self._kernel_constraint = constraints.get(kernel_constraint)
        self._bias_constraint = constraints.get(bias_constraint)
        if isinstance(attention_axes, (int, np.integer)):
            attention_axes = (int(attention_axes),)
        elif attention_axes is not None and not isinstance(attention_axes, (list, tuple)):
            raise ValueError("`attention_axes` must be an int, list, or tuple."
                             f"Received: attention_axes={attention_axes}")
        self._attention_axes = None if attention_axes is None else tuple(attention_axes)
        self.seed = seed
        self._inverse_sqrt_key_dim = 1.0 / math.sqrt(float(self._key_dim))

    num_heads = property(lambda self: self._num_heads)
    key_dim = property(lambda self: self._key_dim)
    value_dim = property(lambda self: self._value_dim)
    dropout = property(lambda self: self._dropout)
    use_bias = property(lambda self: self._use_bias)
    attention_axes = property(lambda self: self._attention_axes)
    query_dense = property(lambda self: self._query_dense)
    key_dense = property(lambda self: self._key_dense)
    value_dense = property(lambda self: self._value_dense)
    output_dense = property(lambda self: self._output_dense)

    def get_config(self):
        base = super().get_config()
        base.update({
            "num_heads": self._num_heads, "key_dim": self._key_dim,
            "value_dim": self._value_dim, "dropout": self._dropout,
            "use_bias": self._use_bias, "output_shape": self._output_shape,
            "attention_axes": self._attention_axes,
            "kernel_initializer": _serialize(self._kernel_initializer),
            "bias_initializer": _serialize(self._bias_initializer),
            "kernel_regularizer": _serialize(self._kernel_regularizer),
            "bias_regularizer": _serialize(self._bias_regularizer),
            "activity_regularizer": _serialize(self._activity_regularizer),
            "kernel_constraint": _serialize(self._kernel_constraint),
            "bias_constraint": _serialize(self._bias_constraint),
            "seed": self.seed,
        })
        return base

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("output_shape", "attention_axes"):
            val = config.get(key)
            if isinstance(val, dict) and val.get("class_name") == "__tuple__":
                config[key] = tuple(val["config"]["value"])
            elif isinstance(val, list):
                config[key] = tuple(val)
        return super().from_config(config)

    # -- building ------------------------------------------------------------
    def _sub_kwargs(self):
        return dict(kernel_initializer=_clone(self._kernel_initializer),
                    bias_initializer=_clone(self._bias_initializer),
                    kernel_regularizer=self._kernel_regularizer,
                    bias_regularizer=self._bias_regularizer,
                    kernel_constraint=self._kernel_constraint,
                    bias_constraint=self._bias_constraint, dtype=self.dtype)

    def _proj(self, rank, heads_dim, name, shape):
        eq, bias_axes, out_rank = _proj_equation(rank - 1, 1, 2)
        layer = EinsumDense(eq, output_shape=[None] * (out_rank - 3) + [self._num_heads, heads_dim],
                            bias_axes=bias_axes if self._use_bias else None, name=name,
                            **self._sub_kwargs())
        layer.build(shape)
        return layer

    def build(self, query_shape, value_shape, key_shape=None):
        key_shape = value_shape if key_shape is None else key_shape
        query_shape, value_shape, key_shape = tuple(query_shape), tuple(value_shape), \
            tuple(key_shape)
        if value_shape[1:-1] != key_shape[1:-1]:
            raise ValueError("All dimensions of `value` and `key`, except the last one, must be "
                             f"equal. Received: value_shape={value_shape} and "
                             f"key_shape={key_shape}")
        if len(query_shape) < 3 or len(value_shape) != len(query_shape):
            raise ValueError(
                f'MultiHeadAttention "{self.name}": query and value must have the same rank '
                f">= 3, (batch, ..., features); received query_shape={query_shape} and "
                f"value_shape={value_shape}.")
        for what, s in (("query", query_shape), ("key", key_shape), ("value", value_shape)):
            if s[-1] is None:
                raise ValueError(f'MultiHeadAttention "{self.name}": the last dimension of '
                                 f"`{what}` must be known, got shape {s}.")
        rank = len(query_shape)
        self._query_dense = self._proj(rank, self._key_dim, "query", query_shape)
        self._key_dense = self._proj(rank, self._key_dim, "key", key_shape)
        self._value_dense = self._proj(rank, self._value_dim, "value", value_shape)
        out_rank = rank + 1
        if self._attention_axes is None:
            axes = tuple(range(1, out_rank - 2))
        else:
            axes = tuple(a if a >= 0 else (out_rank - 1) + a for a in self._attention_axes)
            if any(not 1 <= a < out_rank - 2 for a in axes):
                raise ValueError(
                    f'MultiHeadAttention "{self.name}": attention_axes={self._attention_axes} '
                    f"must name axes of the query other than the batch and feature axes "
                    f"(query shape {query_shape}).")
        self._attention_axes = tuple(sorted(axes))
        out_shape = self._output_shape or (query_shape[-1],)
        eq, bias_axes, o_rank = _proj_equation(rank - 1, 2, len(out_shape))
        self._output_dense = EinsumDense(
            eq, output_shape=[None] * (o_rank - 1 - len(out_shape)) + list(out_shape),
            bias_axes=bias_axes if self._use_bias else None, name="attention_output",
            **self._sub_kwargs())
        self._output_dense.build(tuple(query_shape[:-1]) + (self._num_heads, self._value_dim))
        self.built = True

    def _maybe_build(self, args, kwargs):
        # Maps call(query, value, key) to build(query_shape, value_shape, key_shape).
        if self.built:
            return
        given = dict(zip(("query", "value", "key"), args))
        given.update({k: kwargs[k] for k in ("query", "value", "key") if k in kwargs})
        shapes = {f"{k}_shape": tuple(v.shape) for k, v in given.items() if v is not None}
        self._build_shapes = shapes
        self.build(**shapes)
        self.built = True

    # -- computing -----------------------------------------------------------
    def _project(self, x, layer, heads_dim, scale=None):
        kernel, bias = layer.kernel, layer.bias
        d = x.shape[-1]
        n = self._num_heads * heads_dim
        kernel = ts.reshape(kernel, (d, n))
        bias = None if bias is None else ts.reshape(bias, (n,))
        if scale is not None:  # the logits' scale folded into the (small) query weights
            kernel = kernel * scale
            bias = None if bias is None else bias * scale
        y = _dense(x, kernel, bias)
        if self._activity_regularizer is not None:
            self.add_loss(self._activity_regularizer(y if scale is None else y / scale))
        return ts.reshape(y, tuple(x.shape[:-1]) + (self._num_heads, heads_dim))

    def _project_qkv(self, x):
        """Self-attention: the three projections as one matmul, `(B, T, 3, N, H)`."""
        d, n = x.shape[-1], self._num_heads * self._key_dim
        layers = (self._query_dense, self._key_dense, self._value_dense)
        s = self._inverse_sqrt_key_dim  # the logits' scale, folded into the query weights
        kernels = [ts.reshape(lay.kernel, (d, n)) for lay in layers]
        kernel = ts.concat([kernels[0] * s] + kernels[1:], axis=1)
        bias = None
        if self._use_bias:
            biases = [ts.reshape(lay.bias, (n,)) for lay in layers]
            bias = ts.concat([biases[0] * s] + biases[1:], axis=0)
        y = _dense(x, kernel, bias)
        return ts.reshape(y, tuple(x.shape[:-1]) + (3, self._num_heads, self._key_dim))

    def _project_output(self, o):
        layer = self._output_dense
        kernel = layer.kernel
        out = tuple(kernel.shape[2:])
        n_in, n_out = self._num_heads * self._value_dim, int(np.prod(out))
        y = _dense(ts.reshape(o, tuple(o.shape[:-2]) + (n_in,)), ts.reshape(kernel, (n_in, n_out)),
                   None if layer.bias is None else ts.reshape(layer.bias, (n_out,)))
        if len(out) != 1:
            y = ts.reshape(y, tuple(o.shape[:-2]) + out)
        if self._activity_regularizer is not None:
            self.add_loss(self._activity_regularizer(y))
        return y

    def _attention_mask(self, query, value, query_mask, value_mask, key_mask, attention_mask):
        """Combines the masks as Keras does: query [B, T, 1] & value/key [B, 1, S] & given."""
        mask = None
        if query_mask is not None:
            mask = _mask_array(query_mask)[..., None]
        for m in (value_mask, key_mask):
            if m is not None:
                m = _mask_array(m)[..., None, :]
                mask = m if mask is None else mask & m
        if attention_mask is not None:
            a = _mask_array(attention_mask)
            mask = a if mask is None else a & mask
        return mask

    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
             attention_mask=None, return_attention_scores=False, training=None,
             use_causal_mask=False):
        value = _convert_inputs(value, self)
        key = value if key is None else _convert_inputs(key, self)
        q_mask = query_mask if query_mask is not None else getattr(query, "_keras_mask", None)
        if value_mask is None:
            value_mask = getattr(value, "_keras_mask", None)
        if key_mask is None and key is not value:
            key_mask = getattr(key, "_keras_mask", None)
        mask = self._attention_mask(query, value, q_mask, value_mask, key_mask, attention_mask)
        rate = self._dropout if (training and self._dropout > 0) else 0.0
        same = key is value and (value is query or (isinstance(value, ts.Tensor) and
                                                    value._a is query._a))
        if (same and not return_attention_scores and self._key_dim == self._value_dim
                and self._attention_axes == (1,) and len(query.shape) == 3
                and self._activity_regularizer is None):
            if mask is not None and mask.ndim == 3:
                mask = mask[:, None]
            o = _packed(self._project_qkv(query), mask=mask, scale=1.0,
                        is_causal=use_causal_mask, dropout_rate=rate, seed=self.seed)
            return self._finish(self._project_output(o), q_mask, None, False)
        q = self._project(query, self._query_dense, self._key_dim, self._inverse_sqrt_key_dim)
        k = self._project(key, self._key_dense, self._key_dim)
        v = self._project(value, self._value_dense, self._value_dim)
        o, scores = self._compute_attention(q, k, v, mask, rate, return_attention_scores,
                                            use_causal_mask)
        return self._finish(self._project_output(o), q_mask, scores, return_attention_scores)

    def _finish(self, out, q_mask, scores, return_attention_scores):
        if q_mask is not None:
            try:
                out._keras_mask = q_mask if isinstance(q_mask, ts.Tensor) else ts.constant(q_mask)
            except AttributeError:
                pass
        return (out, scores) if return_attention_scores else out

    def _compute_attention(self, q, k, v, mask, rate, return_scores, causal):
        """Attention over the projected `q (B, ..., N, H)`, `k`, `v` (attention_axes aware)."""
        rank = len(q.shape)
        axes = self._attention_axes
        kw = dict(scale=1.0, dropout_rate=rate, seed=self.seed,
                  return_attention_scores=return_scores)
        if axes == (1,) and rank == 4:
            if mask is not None:
                mask = mask[:, None] if mask.ndim == 3 else mask
            res = _sdpa(q, k, v, mask=mask, is_causal=causal, **kw)
            return res if return_scores else (res, None)
        # General case: move the attention axes next to the heads axis and flatten them.
        other = [a for a in range(1, rank - 2) if a not in axes]
        perm = [0] + other + list(axes) + [rank - 2, rank - 1]
        qs, ks = tuple(q.shape), tuple(k.shape)
        lead = (qs[0],) + tuple(qs[a] for a in other)
        tq = tuple(qs[a] for a in axes)
        tk = tuple(ks[a] for a in axes)
        nb, n = int(np.prod(lead)), self._num_heads

        def flat(x, t_dims):
            x = ts.transpose(x, perm)
            return ts.reshape(x, (nb, int(np.prod(t_dims)), n, x.shape[-1]))

        if causal:
            tri = np.tri(qs[1], ks[1], dtype=bool)[None]
            mask = tri if mask is None else mask & tri
        if mask is not None:
            n_attn = len(axes)
            srank = 1 + len(other) + 1 + 2 * n_attn
            while mask.ndim < srank:
                mask = np.expand_dims(mask, -2 * n_attn - 1)
            heads = mask.shape[-2 * n_attn - 1]
            mask = np.broadcast_to(mask, lead + (heads,) + tq + tk)
            mask = mask.reshape((nb, heads, int(np.prod(tq)), int(np.prod(tk))))
        res = _sdpa(flat(q, tq), flat(k, tk), flat(v, tk), mask=mask, **kw)
        o, p = res if return_scores else (res, None)
        o = ts.reshape(o, lead + tq + (n, v.shape[-1]))
        o = ts.transpose(o, list(np.argsort(perm)))
        if p is not None:
            p = ts.reshape(p, lead + (n,) + tq + tk)
        return o, p

    def compute_mask(self, inputs, previous_mask):
        return None  # `call` puts the query's mask on the attention output only

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        query_shape = tuple(query_shape)
        if value_shape is not None:
            value_shape = tuple(value_shape)
            key_shape = value_shape if key_shape is None else tuple(key_shape)
            if value_shape[1:-1] != key_shape[1:-1]:
                raise ValueError("All dimensions of `value` and `key`, except the last one, "
                                 f"must be equal. Received: value_shape={value_shape} and "
                                 f"key_shape={key_shape}")
        if self._output_shape:
            return query_shape[:-1] + tuple(self._output_shape)
        return query_shape

    def compute_output_spec(self, query, value, key=None, query_mask=None, value_mask=None,
                            key_mask=None, attention_mask=None, return_attention_scores=False,
                            training=None, use_causal_mask=False):
        out = _symbolic_tensor(self.compute_output_shape(
            query.shape, value.shape, None if key is None else key.shape), self.compute_dtype)
        if not return_attention_scores:
            return out
        qs, vs = tuple(query.shape), tuple(value.shape)
        axes = self._attention_axes or tuple(range(1, len(qs) - 1))
        other = tuple(qs[a] for a in range(1, len(qs) - 1) if a not in axes)
        shape = (qs[0],) + other + (self._num_heads,) + tuple(qs[a] for a in axes) + \
            tuple(vs[a] for a in axes)
        return out, _symbolic_tensor(shape, self.compute_dtype)


# ---------------------------------------------------------------------------
# Attention and AdditiveAttention
# ---------------------------------------------------------------------------
@keras_export("keras.layers")
class Attention(Layer):
    """Dot-product (Luong-style) attention, as `keras.layers.Attention`.

    Args:
        use_scale: learn a scalar `scale` multiplying the scores.
        score_mode: "dot" (`query . key`) or "concat" (`sum(tanh(query + key))`,
            times a learned `concat_score_weight`).
        dropout: dropout rate on the attention weights (training only).
        seed: seed of the dropout.

    Call arguments:
        inputs: `[query (B, Tq, dim), value (B, Tv, dim)]` or `[query, value, key]`.
        mask: `[query_mask (B, Tq), value_mask (B, Tv)]` (default: the inputs'
            Keras masks); the output is zero where the query is masked.
        return_attention_scores: also return the weights `(B, Tq, Tv)` (before dropout).
        training, use_causal_mask.

    Returns:
        `(B, Tq, dim)` (and the scores).

    Example:
    >>> q, v = np.ones((2, 3, 4)), np.ones((2, 5, 4))
    >>> keras.layers.Attention()([q, v]).shape
    TensorShape([2, 3, 4])
    """

    def __init__(self, use_scale=False, score_mode="dot", dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.use_scale = use_scale
        self.score_mode = score_mode
        self.dropout = dropout
        self.seed = seed
        self.supports_masking = True
        if self.score_mode not in ("dot", "concat"):
            raise ValueError("Invalid value for argument score_mode. Expected one of {'dot', "
                             f"'concat'}}. Received: score_mode={score_mode}")

    def build(self, input_shape):
        self._validate_inputs(input_shape)
        self.scale = None
        self.concat_score_weight = None
        if self.use_scale:
            self.scale = self.add_weight(name="scale", shape=(), initializer="ones",
                                         dtype=self.dtype, trainable=True)
        if self.score_mode == "concat":
            self.concat_score_weight = self.add_weight(
                name="concat_score_weight", shape=(), initializer="ones", dtype=self.dtype,
                trainable=True)
        self.built = True

    def _calculate_scores(self, query, key):
        """`(B, Tq, Tv)` scores, or None when the fused dot product computes them."""
        if self.score_mode == "dot":
            return None
        q = ts.expand_dims(query, -2)
        k = ts.expand_dims(key, -3)
        x = q + k if self.scale is None else self.scale * (q + k)
        return self.concat_score_weight * ts.reduce_sum(ts.tanh(x), axis=-1)

    def _attend(self, q, k, v, scores, v_mask, training, return_scores, causal):
        mask = None
        if v_mask is not None:
            mask = _mask_array(v_mask)[:, None, :]
        rate = self.dropout if (training and self.dropout > 0) else 0.0
        kw = dict(mask=mask, is_causal=causal, dropout_rate=rate, seed=self.seed,
                  return_attention_scores=return_scores)
        if scores is None:  # dot: scores = (q * scale) . k, computed inside the fused op
            if self.scale is not None:
                q = q * self.scale
            return _sdpa(q, k, v, scale=1.0, **kw)
        # concat / additive: the scores enter the fused op as its bias (q . k = 0).
        b, tq, tv = scores.shape
        zq = ts.zeros((b, tq, 1), dtype=v.dtype)
        zk = ts.zeros((b, tv, 1), dtype=v.dtype)
        return _sdpa(zq, zk, v, bias=scores, scale=1.0, **kw)

    def call(self, inputs, mask=None, training=False, return_attention_scores=False,
             use_causal_mask=False):
        self._validate_inputs(inputs, mask)
        q = inputs[0]
        v = inputs[1]
        k = inputs[2] if len(inputs) > 2 else v
        q_mask = mask[0] if mask else None
        v_mask = mask[1] if mask else None
        scores = self._calculate_scores(q, k)
        res = self._attend(q, k, v, scores, v_mask, training, return_attention_scores,
                           use_causal_mask)
        out, weights = res if return_attention_scores else (res, None)
        if q_mask is not None:
            out = out * ts.constant(_mask_array(q_mask)[..., None].astype(out.dtype.name))
        return (out, weights) if return_attention_scores else out

    def compute_mask(self, inputs, mask=None):
        self._validate_inputs(inputs, mask)
        if mask is None or mask[0] is None:
            return None
        return ts.convert_to_tensor(mask[0])

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0][:-1]) + (input_shape[1][-1],)

    def compute_output_spec(self, inputs, mask=None, training=False,
                            return_attention_scores=False, use_causal_mask=False):
        shapes = [tuple(x.shape) for x in inputs]
        out = _symbolic_tensor(self.compute_output_shape(shapes), self.compute_dtype)
        if not return_attention_scores:
            return out
        return out, _symbolic_tensor(shapes[0][:-1] + (shapes[1][-2],), self.compute_dtype)

    def _validate_inputs(self, inputs, mask=None):
        name = type(self).__name__
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(f"{name} layer must be called on a list of inputs, namely "
                             f"[query, value] or [query, value, key]. Received: inputs={inputs}.")
        if len(inputs) < 2 or len(inputs) > 3:
            raise ValueError(f"{name} layer accepts inputs list of length 2 or 3, namely "
                             "[query, value] or [query, value, key]. Received length: "
                             f"{len(inputs)}.")
        if mask is not None:
            if not isinstance(mask, (list, tuple)):
                raise ValueError(f"{name} layer mask must be a list, namely [query_mask, "
                                 f"value_mask]. Received: mask={mask}.")
            if len(mask) < 2 or len(mask) > 3:
                raise ValueError(f"{name} layer accepts mask list of length 2 or 3. Received: "
                                 f"inputs={inputs}, mask={mask}.")

    def get_config(self):
        base = super().get_config()
        base.update({"use_scale": self.use_scale, "score_mode": self.score_mode,
                     "dropout": self.dropout})
        return base


@keras_export("keras.layers")
class AdditiveAttention(Attention):
    """Additive (Bahdanau-style) attention, as `keras.layers.AdditiveAttention`.

    Scores are `sum(scale * tanh(query + key), axis=-1)` with a learned
    `scale` vector of size `dim` (when `use_scale`).

    Args:
        use_scale: learn the `scale` vector (default True).
        dropout: dropout rate on the attention weights (training only).

    Call arguments and returns: as `Attention`.

    Example:
    >>> q, v = np.ones((2, 3, 4)), np.ones((2, 5, 4))
    >>> keras.layers.AdditiveAttention()([q, v]).shape
    TensorShape([2, 3, 4])
    """

    def __init__(self, use_scale=True, dropout=0.0, **kwargs):
        super().__init__(use_scale=use_scale, dropout=dropout, **kwargs)

    def build(self, input_shape):
        self._validate_inputs(input_shape)
        dim = input_shape[0][-1]
        self.scale = None
        self.concat_score_weight = None
        if self.use_scale:
            self.scale = self.add_weight(name="scale", shape=(dim,),
                                         initializer="glorot_uniform", dtype=self.dtype,
                                         trainable=True)
        self.built = True

    def _calculate_scores(self, query, key):
        q = ts.expand_dims(query, -2)
        k = ts.expand_dims(key, -3)
        th = ts.tanh(q + k)
        if self.scale is not None:
            th = th * self.scale
        return ts.reduce_sum(th, axis=-1)

    def get_config(self):
        base = super().get_config()
        del base["score_mode"]
        return base

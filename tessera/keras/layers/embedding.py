"""`Embedding`: turns integer indices into dense vectors (as `keras.layers.Embedding`)."""
import warnings

import numpy as np

import tessera as ts
from ..saving.object_registration import keras_export
from .layer import Layer

__all__ = ["Embedding"]


def _serialize(obj):
    from ..saving.serialization_lib import serialize_keras_object
    return serialize_keras_object(obj)


@keras_export("keras.layers")
class Embedding(Layer):
    """Turns non-negative integers (indices) into dense vectors of size `output_dim`.

    The lookup is a `ts.gather`, whose gradient is a scatter-add into the rows
    that were looked up.

    Args:
        input_dim: the vocabulary size (largest index + 1).
        output_dim: the size of each vector.
        embeddings_initializer: initializer of the `(input_dim, output_dim)`
            matrix (default "uniform").
        embeddings_regularizer, embeddings_constraint: for that matrix.
        mask_zero: whether index 0 is padding: then the layer outputs a mask
            `inputs != 0` that downstream layers (RNNs, attention) use, and
            index 0 cannot be a real token (`input_dim` = vocabulary + 1).
        weights: an initial `(input_dim, output_dim)` matrix.
        lora_rank: if set, the matrix is frozen and a trainable low-rank delta
            `lora_embeddings_a @ lora_embeddings_b` of that rank is learned.

    Input shape `(batch, ...)` of integers; output shape `(batch, ..., output_dim)`.

    Example:
    >>> layer = keras.layers.Embedding(1000, 64)
    >>> layer(np.random.randint(1000, size=(32, 10))).shape
    TensorShape([32, 10, 64])
    """

    _convert_float_inputs = False

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform",
                 embeddings_regularizer=None, embeddings_constraint=None, mask_zero=False,
                 weights=None, lora_rank=None, lora_alpha=None, **kwargs):
        if kwargs.pop("input_length", None) is not None:
            warnings.warn("Argument `input_length` is deprecated. Just remove it.")
        if kwargs.get("quantization_config", 0) is None:
            kwargs.pop("quantization_config")
        super().__init__(**kwargs)
        from .. import constraints, initializers, regularizers
        for what, v in (("input_dim", input_dim), ("output_dim", output_dim)):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v <= 0:
                raise ValueError(f"Embedding: `{what}` must be a positive integer. Received: "
                                 f"{what}={v!r}")
        self.input_dim = int(input_dim)
        self.output_dim = int(output_dim)
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = mask_zero
        self.supports_masking = mask_zero
        self.autocast = False
        self.lora_rank = lora_rank
        self.lora_alpha = lora_alpha if lora_alpha is not None else lora_rank
        self.lora_enabled = False
        if weights is not None:
            self.build()
            if not (isinstance(weights, list) and len(weights) == 1):
                weights = [weights]
            self.set_weights(weights)

    def build(self, input_shape=None):
        if self.built:
            return
        self._embeddings = self.add_weight(
            shape=(self.input_dim, self.output_dim), initializer=self.embeddings_initializer,
            name="embeddings", regularizer=self.embeddings_regularizer,
            constraint=self.embeddings_constraint, trainable=True)
        self.built = True
        if self.lora_rank:
            self.enable_lora(self.lora_rank, lora_alpha=self.lora_alpha)

    @property
    def embeddings(self):
        """The embedding matrix (with the LoRA delta added when LoRA is enabled)."""
        if not self.built:
            raise AttributeError("You must build the layer before accessing `embeddings`.")
        if self.lora_enabled:
            return self._embeddings + (self.lora_alpha / self.lora_rank) * ts.matmul(
                self.lora_embeddings_a, self.lora_embeddings_b)
        return self._embeddings

    def enable_lora(self, rank, lora_alpha=None, a_initializer="he_uniform",
                    b_initializer="zeros"):
        """Freezes the embeddings and adds a trainable low-rank delta of rank `rank`."""
        from .. import initializers
        if self.embeddings_constraint:
            raise ValueError("Lora is incompatible with embedding constraints. In order to "
                             "enable lora on this layer, remove the `embeddings_constraint` "
                             "argument.")
        if not self.built:
            raise ValueError("Cannot enable lora on a layer that isn't yet built.")
        if self.lora_enabled:
            raise ValueError("lora is already enabled. This can only be done once per layer.")
        self.lora_embeddings_a = self.add_weight(
            name="lora_embeddings_a", shape=(self.input_dim, rank),
            initializer=initializers.get(a_initializer), regularizer=self.embeddings_regularizer)
        self.lora_embeddings_b = self.add_weight(
            name="lora_embeddings_b", shape=(rank, self.output_dim),
            initializer=initializers.get(b_initializer), regularizer=self.embeddings_regularizer)
        self._embeddings.trainable = False
        self.lora_enabled = True
        self.lora_rank = rank
        self.lora_alpha = lora_alpha if lora_alpha is not None else rank

    def call(self, inputs):
        if inputs.dtype.name not in ("int32", "int64"):
            inputs = ts.cast(inputs, "int32")
        out = ts.gather(self.embeddings, inputs)
        if out.dtype.name != self.compute_dtype:
            out = ts.cast(out, self.compute_dtype)
        return out

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        return ts.not_equal(inputs, 0)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.output_dim,)

    def compute_output_spec(self, inputs, *args, **kwargs):
        from ..models.symbolic import KerasTensor
        return KerasTensor(self.compute_output_shape(inputs.shape), dtype=self.compute_dtype)

    def get_config(self):
        base = super().get_config()
        base.update({
            "input_dim": self.input_dim, "output_dim": self.output_dim,
            "embeddings_initializer": _serialize(self.embeddings_initializer),
            "embeddings_regularizer": _serialize(self.embeddings_regularizer),
            "activity_regularizer": _serialize(self.activity_regularizer),
            "embeddings_constraint": _serialize(self.embeddings_constraint),
            "mask_zero": self.mask_zero,
        })
        if self.lora_rank:
            base["lora_rank"] = self.lora_rank
            base["lora_alpha"] = self.lora_alpha
        return base

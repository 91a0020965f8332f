"""Reshaping layers: Reshape, Permute, RepeatVector (Flatten lives in core.py)."""
import numpy as np

import tessera as ts
from ..saving.object_registration import keras_export
from .input_spec import InputSpec
from .layer import Layer

__all__ = ["Reshape", "Permute", "RepeatVector"]


def _tuple_config(value):
    if isinstance(value, dict) and value.get("class_name") == "__tuple__":
        return tuple(value["config"]["value"])
    return tuple(value)


@keras_export("keras.layers")
class Reshape(Layer):
    """Reshapes each sample to `target_shape`, as `keras.layers.Reshape`.

    Args:
        target_shape: the shape of one sample (batch axis excluded); one entry
            may be -1, inferred from the input's size.

    Example:
    >>> keras.layers.Reshape((3, -1))(np.ones((2, 12))).shape
    TensorShape([2, 3, 4])
    """

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        if isinstance(target_shape, (int, np.integer)):
            raise ValueError(f"Reshape: target_shape={target_shape!r} is an int, not a tuple. "
                             f"Write target_shape=({target_shape},).")
        target_shape = tuple(int(d) for d in target_shape)
        if sum(1 for d in target_shape if d == -1) > 1:
            raise ValueError("There must be at most one unknown dimension (-1) in target_shape. "
                             f"Received: target_shape={target_shape}.")
        if any(d < -1 or d == 0 for d in target_shape):
            raise ValueError(f"Reshape: every entry of target_shape must be positive or -1. "
                             f"Received: target_shape={target_shape}.")
        self.target_shape = target_shape
        self.built = True

    def _resolve(self, input_shape):
        rest = tuple(input_shape[1:])
        target = list(self.target_shape)
        known = int(np.prod([d for d in target if d != -1])) if target else 1
        if any(d is None for d in rest):
            return (input_shape[0],) + tuple(None if d == -1 else d for d in target)
        total = int(np.prod(rest)) if rest else 1
        if -1 in target:
            if known == 0 or total % known:
                raise self._size_error(input_shape)
            target[target.index(-1)] = total // known
        elif total != known:
            raise self._size_error(input_shape)
        return (input_shape[0],) + tuple(target)

    def _size_error(self, input_shape):
        return ValueError(
            f'Layer "{self.name}" (Reshape): the total size of the tensor must be unchanged. '
            f"Received: input_shape={tuple(input_shape)}, target_shape={self.target_shape} "
            f"({int(np.prod([d for d in input_shape[1:] if d is not None]))} values per sample "
            "cannot take that shape).")

    def compute_output_shape(self, input_shape):
        return self._resolve(input_shape)

    def call(self, inputs):
        shape = self._resolve(tuple(inputs.shape))
        return ts.reshape(inputs, (inputs.shape[0],) + shape[1:])

    def get_config(self):
        base = super().get_config()
        base["target_shape"] = self.target_shape
        return base

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["target_shape"] = _tuple_config(config["target_shape"])
        return super().from_config(config)


@keras_export("keras.layers")
class Permute(Layer):
    """Permutes the non-batch axes of the input, as `keras.layers.Permute`.

    Args:
        dims: a permutation of `1..rank-1` (1-based; the batch axis 0 is fixed),
            e.g. `(2, 1)` swaps the first and second axes after the batch axis.

    Example:
    >>> keras.layers.Permute((2, 1))(np.ones((2, 10, 64))).shape
    TensorShape([2, 64, 10])
    """

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        self.dims = tuple(int(d) for d in dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError("Invalid permutation argument `dims` for Permute Layer. The set of "
                             "indices in `dims` must be consecutive and start from 1. Received "
                             f"dims={dims}")
        self.input_spec = InputSpec(ndim=len(self.dims) + 1)
        self.built = True

    def call(self, inputs):
        return ts.transpose(inputs, (0,) + self.dims)

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + tuple(input_shape[d] for d in self.dims)

    def get_config(self):
        base = super().get_config()
        base["dims"] = self.dims
        return base

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["dims"] = _tuple_config(config["dims"])
        return super().from_config(config)


@keras_export("keras.layers")
class RepeatVector(Layer):
    """Repeats a `(batch, features)` input `n` times: output `(batch, n, features)`.

    Args:
        n: the number of repetitions.
    """

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
            raise TypeError(f"Expected an integer value for `n`, got {type(n)}.")
        self.n = int(n)
        self.input_spec = InputSpec(ndim=2)
        self.built = True

    def call(self, inputs):
        return ts.tile(ts.expand_dims(inputs, 1), [1, self.n, 1])

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self):
        base = super().get_config()
        base["n"] = self.n
        return base

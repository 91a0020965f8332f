"""Preprocessing layers: Rescaling, Normalization (with `adapt`), CategoryEncoding,
UnitNormalization (as `keras.layers`)."""
import numpy as np

import tessera as ts
from ...core.tensor import Tensor
from ..saving.object_registration import keras_export
from .layer import Layer

__all__ = ["Rescaling", "Normalization", "CategoryEncoding", "UnitNormalization"]


def _serialize(obj):
    from ..saving.serialization_lib import serialize_keras_object
    return serialize_keras_object(obj)


@keras_export("keras.layers")
class Rescaling(Layer):
    """Rescales inputs: `inputs * scale + offset`, as `keras.layers.Rescaling`.

    Integer inputs (e.g. uint8 images) are cast to the layer's dtype first.

    Args:
        scale: a float, or an array broadcast against the input (e.g. per channel).
        offset: a float or array (default 0).

    Example:
    >>> keras.layers.Rescaling(1.0 / 255)(np.array([[0, 255]], dtype="uint8")).numpy()
    array([[0., 1.]], dtype=float32)
    """

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale
        self.offset = offset
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        dtype = self.compute_dtype
        scale = ts.constant(np.asarray(self.scale, dtype=dtype))
        offset = ts.constant(np.asarray(self.offset, dtype=dtype))
        x = inputs if inputs.dtype.name == dtype else ts.cast(inputs, dtype)
        return x * scale + offset

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def compute_output_spec(self, inputs, *args, **kwargs):
        from ..models.symbolic import KerasTensor
        return KerasTensor(inputs.shape, dtype=self.compute_dtype)

    def get_config(self):
        base = super().get_config()
        base.update({"scale": _serialize(self.scale), "offset": _serialize(self.offset)})
        return base

    @classmethod
    def from_config(cls, config):
        from ..saving.serialization_lib import deserialize_keras_object
        config = dict(config)
        config["scale"] = deserialize_keras_object(config["scale"])
        config["offset"] = deserialize_keras_object(config.get("offset", 0.0))
        return super().from_config(config)


def _scalar_zero(shape, dtype=None):
    # (not "zeros": keeps the 0-d shape whatever the initializers module does with scalars)
    return ts.constant(np.zeros(shape, dtype=dtype or "int64"))


def _batches(data):
    """Yields NumPy batches from an array, tensor or list (one batch), a `ts.data.Dataset`
    or any other iterable of batches (arrays, or `(x, y)` pairs whose `x` is used)."""
    if isinstance(data, (np.ndarray, Tensor, list)):
        yield np.asarray(data)
        return
    if hasattr(data, "as_numpy_iterator"):
        data = data.as_numpy_iterator()
    for b in data:
        if isinstance(b, tuple):
            b = b[0]
        yield np.asarray(b)


@keras_export("keras.layers")
class Normalization(Layer):
    """Normalizes inputs to mean 0 and variance 1: `(x - mean) / sqrt(var)`, as
    `keras.layers.Normalization`.

    The mean and variance are given, or computed from data with `adapt(data)`
    (then stored as the non-trainable weights `mean`, `variance`, `count`).

    Args:
        axis: the axis (or axes) kept: one mean/variance per index of them
            (default -1, per feature); None for a single scalar mean/variance.
        mean, variance: fixed statistics (both or neither), broadcast to the
            kept axes.
        invert: apply the inverse transform `x * sqrt(var) + mean` instead.

    Example:
    >>> layer = keras.layers.Normalization()
    >>> layer.adapt(np.array([[0.0, 10.0], [2.0, 30.0]]))
    >>> layer(np.array([[1.0, 20.0]])).numpy()
    array([[0., 0.]], dtype=float32)
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        if axis is None:
            axis = ()
        elif isinstance(axis, (int, np.integer)):
            axis = (int(axis),)
        else:
            axis = tuple(axis)
        self.axis = axis
        self.input_mean = mean
        self.input_variance = variance
        self.invert = invert
        self.supports_masking = True
        self.mean = None
        self.variance = None
        if (mean is not None) != (variance is not None):
            raise ValueError("When setting values directly, both `mean` and `variance` must be "
                             f"set. Received: mean={mean} and variance={variance}")

    def build(self, input_shape):
        if input_shape is None:
            return
        input_shape = tuple(input_shape)
        ndim = len(input_shape)
        if any(a < -ndim or a >= ndim for a in self.axis):
            raise ValueError("All `axis` values must be in the range [-ndim, ndim). Received "
                             f"inputs with ndim={ndim}, while axis={self.axis}")
        self._keep_axis = tuple(sorted(a % ndim for a in self.axis))
        for d in self._keep_axis:
            if input_shape[d] is None:
                raise ValueError(
                    f"All `axis` values to be kept must have a known shape. Received "
                    f"axis={self.axis}, inputs.shape={input_shape}, with unknown axis at "
                    f"index {d}")
        self._reduce_axis = tuple(d for d in range(ndim) if d not in self._keep_axis)
        self._broadcast_shape = [input_shape[d] if d in self._keep_axis else 1
                                 for d in range(ndim)]
        shape = tuple(input_shape[d] for d in self._keep_axis)
        self._mean_and_var_shape = shape
        if self.input_mean is None:
            self.adapt_mean = self.add_weight(name="mean", shape=shape, initializer="zeros",
                                              trainable=False)
            self.adapt_variance = self.add_weight(name="variance", shape=shape,
                                                  initializer="ones", trainable=False)
            self.count = self.add_weight(name="count", shape=(), dtype="int64",
                                         initializer=_scalar_zero, trainable=False)
            self.built = True
            self.finalize_state()
        else:
            dt = self.compute_dtype
            mean = np.broadcast_to(np.asarray(self.input_mean, dtype=dt), shape) \
                if np.ndim(self.input_mean) <= len(shape) else np.asarray(self.input_mean, dt)
            var = np.broadcast_to(np.asarray(self.input_variance, dtype=dt), shape) \
                if np.ndim(self.input_variance) <= len(shape) else np.asarray(self.input_variance, dt)
            self.mean = ts.constant(np.reshape(mean, self._broadcast_shape))
            self.variance = ts.constant(np.reshape(var, self._broadcast_shape))
            self.built = True

    def adapt(self, data):
        """Computes the mean and variance of `data` along the reduced axes.

        Args:
            data: a NumPy array or tensor, a `ts.data.Dataset`, or an iterable of
                batches (arrays, or `(x, y)` pairs whose `x` is used).
        """
        total = None
        count = 0
        mean = var = None
        for batch in _batches(data):
            batch = batch.astype(np.float64)
            if not self.built:
                self.build((None,) + batch.shape[1:])
            elif self.input_mean is not None:
                raise ValueError(f'Layer "{self.name}": adapt() cannot be used when `mean` and '
                                 "`variance` were given to the constructor.")
            shape = batch.shape
            for d in self._keep_axis:
                if shape[d] != self._broadcast_shape[d]:
                    raise ValueError(
                        f'Layer "{self.name}": adapt() received data of shape {shape}, but '
                        f"the layer was built for size {self._broadcast_shape[d]} on axis {d}.")
            n = int(np.prod([shape[d] for d in self._reduce_axis])) if self._reduce_axis else 1
            if n == 0:
                continue
            b_mean = batch.mean(axis=self._reduce_axis)
            b_var = batch.var(axis=self._reduce_axis)
            if mean is None:
                mean, var, count = b_mean, b_var, n
            else:  # Chan et al.'s parallel combination of (mean, var, count)
                tot = count + n
                delta = b_mean - mean
                new_mean = mean + delta * n / tot
                var = (var * count + b_var * n + delta ** 2 * count * n / tot) / tot
                mean, count = new_mean, tot
            total = count
        if total is None:
            raise ValueError(f'Layer "{self.name}": adapt() received no data.')
        self.adapt_mean.assign(np.reshape(mean, self._mean_and_var_shape).astype(
            self.adapt_mean._a.dtype))
        self.adapt_variance.assign(np.reshape(var, self._mean_and_var_shape).astype(
            self.adapt_variance._a.dtype))
        self.count.assign(np.asarray(count, dtype=np.int64))
        self.finalize_state()

    def finalize_state(self):
        if self.input_mean is not None or not self.built:
            return
        self.mean = None  # read from the weights at call time (they may be set_weights'd)

    def _stats(self):
        if self.input_mean is not None:
            return self.mean, self.variance
        shape = self._broadcast_shape
        return (ts.reshape(ts.cast(self.adapt_mean, self.compute_dtype), shape),
                ts.reshape(ts.cast(self.adapt_variance, self.compute_dtype), shape))

    def call(self, inputs):
        if not self.built:
            raise ValueError("You must call `.build(input_shape)` on the layer before using it.")
        mean, variance = self._stats()
        x = inputs if inputs.dtype.name == self.compute_dtype else ts.cast(inputs,
                                                                          self.compute_dtype)
        from .. import config
        if self.invert:
            return mean + x * ts.maximum(ts.sqrt(variance), config.epsilon())
        return (x - mean) / ts.maximum(ts.sqrt(variance), config.epsilon())

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def compute_output_spec(self, inputs, *args, **kwargs):
        from ..models.symbolic import KerasTensor
        return KerasTensor(inputs.shape, dtype=self.compute_dtype)

    def get_config(self):
        base = super().get_config()
        base.update({"axis": self.axis, "invert": self.invert,
                     "mean": np.array(self.input_mean).tolist(),
                     "variance": np.array(self.input_variance).tolist()})
        return base

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        axis = config.get("axis")
        if isinstance(axis, dict) and axis.get("class_name") == "__tuple__":
            config["axis"] = tuple(axis["config"]["value"])
        elif isinstance(axis, list):
            config["axis"] = tuple(axis)
        return super().from_config(config)


@keras_export("keras.layers")
class CategoryEncoding(Layer):
    """Encodes integer features as one-hot, multi-hot or count vectors, as
    `keras.layers.CategoryEncoding`.

    Args:
        num_tokens: the number of categories; inputs must be in `[0, num_tokens)`.
        output_mode: "multi_hot" (default; 1 for each category present in the
            last axis), "one_hot" (one vector per input value), or "count"
            (how many times each category appears, optionally weighted).
        sparse: must be False (sparse outputs are not supported).

    Call arguments:
        inputs: integer indices; a 1-D input is one sample for "multi_hot" and
            "count", and a batch of single values for "one_hot".
        count_weights: weights of the same shape as `inputs`, for "count".

    Example:
    >>> layer = keras.layers.CategoryEncoding(num_tokens=4, output_mode="one_hot")
    >>> layer([3, 2, 0, 1]).numpy()[0]
    array([0., 0., 0., 1.], dtype=float32)
    """

    _convert_float_inputs = False

    def __init__(self, num_tokens=None, output_mode="multi_hot", sparse=False, **kwargs):
        super().__init__(**kwargs)
        if output_mode == "binary":
            output_mode = "multi_hot"
        if output_mode not in ("count", "one_hot", "multi_hot"):
            raise ValueError(f"Unknown arg for output_mode: {output_mode}. Expected one of "
                             "'multi_hot', 'one_hot', 'count'.")
        if num_tokens is None:
            raise ValueError("num_tokens must be set to use this layer. If the number of tokens "
                             "is not known beforehand, use the IntegerLookup layer instead.")
        if num_tokens < 1:
            raise ValueError(f"`num_tokens` must be >= 1. Received: num_tokens={num_tokens}.")
        if sparse:
            raise NotImplementedError("CategoryEncoding(sparse=True): tessera has no sparse "
                                      "tensors; use sparse=False.")
        self.num_tokens = int(num_tokens)
        self.output_mode = output_mode
        self.sparse = sparse
        self.built = True

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if not input_shape:
            return (self.num_tokens,)
        if self.output_mode == "one_hot" and (input_shape[-1] != 1 or len(input_shape) == 1):
            return input_shape + (self.num_tokens,)
        return input_shape[:-1] + (self.num_tokens,)

    def compute_output_spec(self, inputs, count_weights=None, **kwargs):
        from ..models.symbolic import KerasTensor
        return KerasTensor(self.compute_output_shape(inputs.shape), dtype=self.compute_dtype)

    def call(self, inputs, count_weights=None):
        if count_weights is not None and self.output_mode != "count":
            raise ValueError("`count_weights` is not used when `output_mode` is not `'count'`. "
                             f"Received `count_weights={count_weights}`.")
        x = np.asarray(inputs)
        if x.dtype.kind == "f":
            if not np.all(x == np.round(x)):
                raise ValueError(f'Layer "{self.name}" (CategoryEncoding) expects integer '
                                 "category indices, received non-integer values.")
        x = x.astype(np.int64)
        if x.size and (x.min() < 0 or x.max() >= self.num_tokens):
            raise ValueError(
                f'Layer "{self.name}" (CategoryEncoding): input values must be in the range '
                f"0 <= values < num_tokens with num_tokens={self.num_tokens}; received values "
                f"in [{x.min()}, {x.max()}].")
        if x.ndim == 0:
            x = x[None]
        if x.ndim > 2 and self.output_mode != "one_hot":
            raise ValueError(
                "When output_mode is not `'int'`, maximum supported output rank is 2. Received "
                f"output_mode {self.output_mode} and input shape {x.shape}, which would result "
                f"in output rank {x.ndim}.")
        dt = self.compute_dtype
        eye = np.eye(self.num_tokens, dtype=dt)
        if self.output_mode == "one_hot":
            if x.ndim > 1 and x.shape[-1] == 1:
                x = x[..., 0]
            return ts.constant(eye[x])
        hot = eye[x]  # (..., n, num_tokens)
        if self.output_mode == "multi_hot":
            out = hot.max(axis=-2) if x.shape[-1] else np.zeros(x.shape[:-1] + (self.num_tokens,), dt)
        else:
            if count_weights is not None:
                w = np.asarray(count_weights, dtype=dt)
                if w.shape != x.shape:
                    w = np.broadcast_to(w, x.shape)
                hot = hot * w[..., None]
            out = hot.sum(axis=-2)
        return ts.constant(out.astype(dt))

    def get_config(self):
        base = super().get_config()
        base.update({"num_tokens": self.num_tokens, "output_mode": self.output_mode})
        return base


@keras_export("keras.layers")
class UnitNormalization(Layer):
    """Scales each input to unit L2 norm along `axis`, as `keras.layers.UnitNormalization`.

    Args:
        axis: the axis or list of axes normalized (default -1).

    Example:
    >>> keras.layers.UnitNormalization()(np.array([[3.0, 4.0]])).numpy()
    array([[0.6, 0.8]], dtype=float32)
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)):
            self.axis = list(axis)
        elif isinstance(axis, (int, np.integer)):
            self.axis = int(axis)
        else:
            raise TypeError("Invalid value for `axis` argument: expected an int or a list/tuple "
                            f"of ints. Received: axis={axis}")
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        return ts.nn.l2_normalize(inputs, axis=self.axis, epsilon=1e-12)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        base = super().get_config()
        base["axis"] = self.axis
        return base

"""`keras.Input` and `InputLayer`: the entry points of a functional model."""
from ...backend import dtypes as _dt
from .. import config as _config
from ..models.symbolic import KerasTensor, Node
from ..saving.object_registration import keras_export
from .layer import Layer, _policy_name

__all__ = ["InputLayer", "Input"]


def _check_shape(shape, what):
    if shape is None:
        return None
    if isinstance(shape, int):
        raise ValueError(
            f"{what}={shape!r} is an int, not a shape tuple. A 1-D shape needs a trailing "
            f"comma: write {what}=({shape},).")
    return tuple(None if d is None else int(d) for d in shape)


@keras_export("keras.layers")
class InputLayer(Layer):
    """The layer a functional model's input comes from (made by `keras.Input`).

    Args:
        shape: the shape of one sample, without the batch axis.
        batch_size: optional fixed batch size.
        dtype: the input's dtype (default floatx).
        sparse, ragged: not supported (must be False).
        batch_shape: the full shape, batch axis included (instead of `shape`).
        input_tensor: an existing KerasTensor to wrap.
        name: the layer's name.
    """

    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None,
                 input_tensor=None, optional=False, name=None, ragged=None, **kwargs):
        if "input_shape" in kwargs:
            shape = kwargs.pop("input_shape")
        if "batch_input_shape" in kwargs:
            batch_shape = kwargs.pop("batch_input_shape")
        super().__init__(name=name, dtype=dtype, **kwargs)
        if sparse or ragged:
            raise ValueError("tessera does not support sparse or ragged inputs; pass dense arrays.")
        shape = _check_shape(shape, "shape")
        batch_shape = _check_shape(batch_shape, "batch_shape")
        if shape is not None and batch_shape is not None:
            raise ValueError("Give InputLayer either `shape` or `batch_shape`, not both.")
        if input_tensor is not None:
            batch_shape = tuple(input_tensor.shape)
        elif batch_shape is None:
            if shape is None:
                raise ValueError("InputLayer needs a `shape` (the shape of one sample, e.g. "
                                 "shape=(784,)) or a `batch_shape`.")
            batch_shape = (batch_size,) + shape
        self._batch_shape = batch_shape
        self._input_dtype = _dt.as_dtype(_policy_name(dtype) or _config.floatx()).name
        self.optional = optional
        self.built = True
        if input_tensor is None:
            input_tensor = KerasTensor(batch_shape, dtype=self._input_dtype, name=self.name)
            Node(self, (), {}, input_tensor)
        self._input_tensor = input_tensor

    @property
    def batch_shape(self):
        return self._batch_shape

    @property
    def dtype(self):
        return self._input_dtype

    def call(self):
        return self._input_tensor

    def get_config(self):
        return {"batch_shape": list(self._batch_shape), "dtype": self._input_dtype,
                "sparse": False, "ragged": False, "name": self.name, "optional": self.optional}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if "batch_input_shape" in config:
            config["batch_shape"] = config.pop("batch_input_shape")
        if isinstance(config.get("dtype"), dict):
            config["dtype"] = _policy_name(config["dtype"])
        return cls(**config)


@keras_export("keras.layers")
def Input(shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None, name=None,
          tensor=None, optional=False, ragged=None):
    """Creates a symbolic input for a functional model, as `keras.Input`.

    Args:
        shape: the shape of one sample, without the batch axis, e.g. `(784,)`.
        batch_size: optional fixed batch size.
        dtype: the data's dtype (default floatx; use "int32" for token ids).
        batch_shape: the full shape including the batch axis.
        name: a name for the input (dict inputs are matched by it).

    Returns:
        A `KerasTensor`.

    Example:
    >>> x = keras.Input(shape=(784,))
    >>> y = keras.layers.Dense(10)(x)
    >>> model = keras.Model(x, y)
    """
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, sparse=sparse,
                       batch_shape=batch_shape, name=name, input_tensor=tensor, optional=optional,
                       ragged=ragged)
    return layer._input_tensor

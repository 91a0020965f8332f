"""`keras.backend`: the Keras variable, symbolic tensors and backend utilities."""
import numpy as np

from .. import backend as _unused  # noqa: F401  (keeps `tessera.backend` loaded)
from ..backend import dtypes as _dt
from ..core.variable import Variable as _TSVariable
from ..core.tensor import Tensor, convert_to_tensor
from . import config as _config

__all__ = ["Variable", "floatx", "epsilon", "image_data_format", "clear_session",
           "is_keras_tensor", "standardize_dtype", "backend"]

floatx = _config.floatx
epsilon = _config.epsilon
image_data_format = _config.image_data_format
set_floatx = _config.set_floatx
set_epsilon = _config.set_epsilon
set_image_data_format = _config.set_image_data_format
backend = _config.backend


def standardize_dtype(dtype):
    """Returns the dtype's name (`"float32"`), defaulting to floatx for None."""
    if dtype is None:
        return floatx()
    if hasattr(dtype, "name") and not isinstance(dtype, str):
        if type(dtype).__name__ == "DTypePolicy":
            return dtype.variable_dtype
        return _dt.as_dtype(dtype).name if type(dtype).__name__ != "DType" else dtype.name
    return _dt.as_dtype(dtype).name


class Variable(_TSVariable):
    """A Keras 3 variable (`keras.Variable`): a `ts.Variable` with Keras's constructor.

    Args:
        initializer: an initial value (array, tensor) or an initializer (callable
            taking `(shape, dtype)`).
        shape: required when `initializer` is callable.
        dtype: defaults to `keras.config.floatx()` for callables.
        trainable: whether gradients update it.
        name: its name; `path` is `"<layer name>/<name>"` once a layer owns it.

    Unlike `tf.Variable`, `value` is a property (Keras 3), not a method.
    """

    __slots__ = ("path", "_autocast", "_overwrite_with_gradient")

    def __init__(self, initializer, shape=None, dtype=None, trainable=True, autocast=True,
                 aggregation="none", synchronization="auto", name=None):
        if isinstance(initializer, str):
            from . import initializers
            initializer = initializers.get(initializer)
        if callable(initializer) and not isinstance(initializer, (Tensor, np.ndarray)):
            if shape is None:
                raise ValueError(
                    f"Variable {name!r}: an initializer was given, so `shape` is required.")
            dt = standardize_dtype(dtype)
            value = initializer(tuple(int(d) for d in shape), dtype=dt)
        else:
            value = initializer
            dt = standardize_dtype(dtype)  # None -> floatx, as Keras 3
        super().__init__(value, trainable=trainable, name=name or "variable", dtype=dt)
        if shape is not None and tuple(self._a.shape) != tuple(int(d) for d in shape):
            raise ValueError(
                f"Variable {name!r}: initial value has shape {tuple(self._a.shape)}, expected "
                f"{tuple(shape)}.")
        self.path = name or "variable"
        self._autocast = autocast
        self._overwrite_with_gradient = False

    @property
    def name(self):
        return self._name

    @property
    def value(self):
        """The current value as a Tensor."""
        return self.read_value()

    @property
    def overwrite_with_gradient(self):
        return self._overwrite_with_gradient

    @overwrite_with_gradient.setter
    def overwrite_with_gradient(self, v):
        self._overwrite_with_gradient = bool(v)

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, v):
        self._trainable = bool(v)

    def __repr__(self):
        return (f"<Variable path={self.path}, shape={tuple(self._a.shape)}, "
                f"dtype={self.dtype.name}, value={np.asarray(self.numpy())!r}>")

    def __hash__(self):  # Keras 3 variables are hashable by identity
        return id(self)

    def __eq__(self, other):
        return super().__eq__(other)


def __getattr__(name):
    if name == "KerasTensor":
        from .models.symbolic import KerasTensor
        return KerasTensor
    if name == "DTypePolicy":
        return DTypePolicy
    if name.startswith("__"):
        raise AttributeError(name)
    from .. import _api
    raise _api.missing("keras.backend", name)


class DTypePolicy:
    """A dtype policy (`keras.DTypePolicy`): Tessera computes and stores in one dtype."""

    def __init__(self, name=None):
        self.name = name or floatx()
        if self.name.startswith("mixed_"):
            raise NotImplementedError("tessera does not support mixed precision policies yet; "
                                      "use a single dtype such as 'float32'.")

    @property
    def compute_dtype(self):
        return self.name

    @property
    def variable_dtype(self):
        return self.name

    def get_config(self):
        return {"name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f'<DTypePolicy "{self.name}">'


def is_keras_tensor(x):
    """True for the symbolic tensors of the functional API."""
    return type(x).__name__ == "KerasTensor"


def clear_session(free_memory=True):
    """Resets the automatic layer names (`dense`, `dense_1`, ...) and the global state."""
    from .layers import layer as _layer
    _layer.reset_uids()
    import gc
    if free_memory:
        gc.collect()


def int_shape(x):
    return tuple(x.shape)


def convert_to_numpy(x):
    return np.asarray(x)


def cast(x, dtype):
    from ..ops.creation import cast as _cast
    return _cast(x, dtype)

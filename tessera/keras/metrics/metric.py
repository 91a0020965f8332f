"""`keras.metrics.Metric`, the reduction metrics (`Mean`, `Sum`, `MeanMetricWrapper`) and
the NumPy helpers every metric shares.

Metrics are not differentiated: they run once per batch inside `fit`, so they
compute on NumPy arrays and keep their state in non-trainable `keras.Variable`s.
"""
import re

import numpy as np

from ...core.tensor import Tensor, convert_to_tensor
from ..backend import Variable, standardize_dtype
from ..config import floatx
from ..saving import serialization_lib
from ..saving.object_registration import keras_export

__all__ = ["Metric", "Mean", "Sum", "MeanMetricWrapper"]

_NAME_UIDS = {}


def to_snake_case(name):
    """`"TopKCategoricalAccuracy"` -> `"top_k_categorical_accuracy"`, as Keras names objects."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def auto_name(prefix):
    """A unique snake-case name: `false_positives`, then `false_positives_1`, ..."""
    prefix = to_snake_case(prefix)
    n = _NAME_UIDS.get(prefix, 0)
    _NAME_UIDS[prefix] = n + 1
    return prefix if n == 0 else f"{prefix}_{n}"


# -- NumPy helpers -------------------------------------------------------------------------
def to_numpy(x, dtype=None):
    """A NumPy array from a Tensor, Variable, NumPy array or Python data."""
    if isinstance(x, np.ndarray):
        a = x
    elif isinstance(x, Tensor):
        a = np.asarray(x.numpy())
    else:
        a = np.asarray(x)
        if a.dtype == object:
            raise TypeError(f"Metrics expect numeric arrays or tensors; received {type(x).__name__}: "
                            f"{x!r}")
    if dtype is not None and a.dtype != dtype:
        a = a.astype(dtype)
    return a


def read(v):
    """The NumPy value of a state variable (no copy on the CPU)."""
    a = v._a
    return a if isinstance(a, np.ndarray) else v.numpy()


def write(v, value):
    """Sets a state variable to a NumPy value (a new array, so earlier reads stay valid)."""
    a = v._a
    if isinstance(a, np.ndarray):
        value = np.asarray(value, dtype=a.dtype)
        if value.shape != a.shape:
            value = np.broadcast_to(value, a.shape)
        v._a = np.array(value, dtype=a.dtype, copy=True)
    else:  # a device array: let the Variable move the value there
        v.assign(np.broadcast_to(np.asarray(value, dtype=v.dtype.name), a.shape))


def add(v, delta):
    write(v, read(v) + np.asarray(delta, dtype=np.float64))


def divide_no_nan(a, b):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(b == 0, 0.0, a / np.where(b == 0, 1.0, b))
    return out


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1=True):
    """Makes ranks equal when they differ by a trailing dimension of size 1 (Keras's rule)."""
    r1, r2 = x1.ndim, x2.ndim
    if r1 == r2:
        return x1, x2
    if r1 == r2 + 1 and x1.shape[-1] == 1:
        if r2 == 1 and expand_rank_1:
            x2 = x2[..., None]
        else:
            x1 = np.squeeze(x1, -1)
    if r2 == r1 + 1 and x2.shape[-1] == 1:
        if r1 == 1 and expand_rank_1:
            x1 = x1[..., None]
        else:
            x2 = np.squeeze(x2, -1)
    return x1, x2


def reduce_to_samplewise_values(values, sample_weight, reduce_fn, dtype):
    """Weights `values` and reduces them to one value per sample (Keras's metric rule).

    Returns `(values, sample_weight)`: `values` of rank <= 1, weighted; `sample_weight`
    broadcast to the values (or None).
    """
    values = to_numpy(values, dtype)
    if sample_weight is not None:
        sample_weight = to_numpy(sample_weight, dtype)
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        w_ndim, v_ndim = sample_weight.ndim, values.ndim
        if v_ndim > w_ndim:
            values = reduce_fn(values, axis=tuple(range(w_ndim, v_ndim)))
        try:
            sample_weight = np.broadcast_to(sample_weight, values.shape)
        except ValueError:
            raise ValueError(
                f"sample_weight of shape {sample_weight.shape} cannot be broadcast to the "
                f"per-sample values of shape {values.shape}. Pass one weight per sample "
                "(shape (batch_size,)) or weights of the values' shape.") from None
        values = values * sample_weight
        if w_ndim > 1:
            sample_weight = reduce_fn(sample_weight, axis=tuple(range(1, w_ndim)))
    if values.ndim > 1:
        values = reduce_fn(values, axis=tuple(range(1, values.ndim)))
    return values, sample_weight


# -- Metric --------------------------------------------------------------------------------
@keras_export("keras.metrics")
class Metric:
    """Encapsulates metric logic and state (`keras.metrics.Metric`).

    Subclasses create state in `__init__` with `add_variable`, accumulate it in
    `update_state(y_true, y_pred, sample_weight=None)`, and compute the value in
    `result()`. Calling the metric updates it and returns the result.

    Args:
        dtype: the dtype of the metric's computations and state (default floatx).
        name: the metric's name (default: the class name in snake case).

    Example:
    >>> class BinaryTruePositives(keras.metrics.Metric):
    ...     def __init__(self, name="binary_true_positives", **kwargs):
    ...         super().__init__(name=name, **kwargs)
    ...         self.true_positives = self.add_variable(shape=(), initializer="zeros",
    ...                                                 name="true_positives")
    ...     def update_state(self, y_true, y_pred, sample_weight=None):
    ...         ...
    ...     def result(self):
    ...         return self.true_positives
    """

    def __init__(self, dtype=None, name=None):
        self.name = name or auto_name(self.__class__.__name__)
        if isinstance(dtype, dict):  # a serialized DTypePolicy, as newer Keras files hold
            dtype = (dtype.get("config") or {}).get("name") or dtype.get("name")
        if isinstance(dtype, str) and dtype.startswith("mixed_"):
            dtype = dtype[len("mixed_"):]  # a mixed policy: its compute dtype, as Keras
        self._dtype = standardize_dtype(dtype if dtype is not None else floatx())
        self._metrics = []
        self._variables = []

    def __setattr__(self, name, value):
        if isinstance(value, Metric) and name not in ("_metrics", "_variables"):
            ms = self.__dict__.get("_metrics")
            if ms is not None and not any(m is value for m in ms):
                ms.append(value)
        object.__setattr__(self, name, value)

    def _check_super_called(self):
        if "_variables" not in self.__dict__:
            raise RuntimeError(
                f"You forgot to call `super().__init__()` in the `__init__()` method of "
                f"{type(self).__name__}. Call it first: `super().__init__(name=name, dtype=dtype)`.")

    @property
    def dtype(self):
        """The dtype of the metric's state and result, e.g. `"float32"`."""
        return self._dtype

    @property
    def variables(self):
        """The state variables of this metric and of the metrics it holds."""
        out = list(self.__dict__.get("_variables", ()))
        for m in self.__dict__.get("_metrics", ()):
            out.extend(m.variables)
        return out

    def add_variable(self, shape, initializer, dtype=None, aggregation="sum", name=None):
        """Creates a non-trainable state variable (a `keras.Variable`) owned by this metric.

        Args:
            shape: its shape, e.g. `()` or `(num_thresholds,)`.
            initializer: `"zeros"`, `"ones"`, an initializer or a callable `(shape, dtype)`.
            dtype: defaults to the metric's dtype.
            aggregation: how replicas combine it (`"sum"`, `"mean"`, ...).
            name: the variable's name.
        """
        self._check_super_called()
        shape = tuple(int(d) for d in shape)
        dtype = standardize_dtype(dtype or self.dtype)
        if isinstance(initializer, str) and initializer in ("zeros", "Zeros"):
            value = np.zeros(shape, dtype=dtype)
        elif isinstance(initializer, str) and initializer in ("ones", "Ones"):
            value = np.ones(shape, dtype=dtype)
        else:
            if isinstance(initializer, (str, dict)):
                from .. import initializers
                initializer = initializers.get(initializer)
            if not callable(initializer):
                raise ValueError(f"Metric {self.name!r}: add_variable() needs an initializer "
                                 f"(a name such as 'zeros' or a callable); received {initializer!r}.")
            value = np.asarray(initializer(shape, dtype=dtype), dtype=dtype)
        v = Variable(value, dtype=dtype, trainable=False, aggregation=aggregation,
                     name=name or "variable")
        v.path = f"{self.name.replace('/', '>')}/{name or 'variable'}"
        self._variables.append(v)
        return v

    def add_weight(self, shape=(), initializer=None, dtype=None, name=None):
        """Same as `add_variable` (kept for compatibility); default initializer zeros."""
        return self.add_variable(shape, initializer or "zeros", dtype=dtype, name=name)

    def update_state(self, *args, **kwargs):
        """Accumulates statistics for the metric. Subclasses implement it."""
        raise NotImplementedError(f"{type(self).__name__} must implement update_state().")

    def result(self):
        """Computes the current value from the state. Subclasses implement it."""
        raise NotImplementedError(f"{type(self).__name__} must implement result().")

    def reset_state(self):
        """Sets every state variable to zero (call it between epochs)."""
        for v in self.variables:
            write(v, 0)

    def __call__(self, *args, **kwargs):
        """Updates the state with the arguments of `update_state`, returns `result()`."""
        self._check_super_called()
        self.update_state(*args, **kwargs)
        return self.result()

    def _out(self, value):
        """A result value as a Tensor of the metric's dtype."""
        return convert_to_tensor(np.asarray(value, dtype=self.dtype))

    def get_config(self):
        """The metric's configuration: `{"name", "dtype"}` plus subclass arguments."""
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"

    __str__ = __repr__


# -- reduction metrics ---------------------------------------------------------------------
def _np_sum(x, axis=None):
    return np.sum(x, axis=axis)


def _np_mean(x, axis=None):
    return np.mean(x, axis=axis)


@keras_export("keras.metrics")
class Sum(Metric):
    """Computes the (weighted) sum of the given values.

    Args:
        name: the metric's name.
        dtype: its dtype.

    Example:
    >>> m = keras.metrics.Sum()
    >>> m.update_state([1, 3, 5, 7])
    >>> m.result()
    16.0
    """

    def __init__(self, name="sum", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(shape=(), initializer="zeros", dtype=self.dtype,
                                       name="total")

    def update_state(self, values, sample_weight=None):
        values, _ = reduce_to_samplewise_values(values, sample_weight, _np_sum, self.dtype)
        add(self.total, np.sum(values, dtype=np.float64))

    def result(self):
        return self._out(read(self.total))


@keras_export("keras.metrics")
class Mean(Metric):
    """Computes the (weighted) mean of the given values.

    With `sample_weight`, the result is `sum(values * weights) / sum(weights)`.

    Args:
        name: the metric's name.
        dtype: its dtype.

    Example:
    >>> m = keras.metrics.Mean()
    >>> m.update_state([1, 3, 5, 7])
    >>> m.result()
    4.0
    >>> m.reset_state()
    >>> m.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
    >>> m.result()
    2.0
    """

    def __init__(self, name="mean", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(shape=(), initializer="zeros", dtype=self.dtype,
                                       name="total")
        self.count = self.add_variable(shape=(), initializer="zeros", dtype=self.dtype,
                                       name="count")

    def update_state(self, values, sample_weight=None):
        if type(values) is Tensor and type(sample_weight) in (int, float) and \
                type(values._a) is np.ndarray and values._a.ndim == 0:
            # one scalar (a batch's loss) with a scalar weight, as fit's loss tracker
            # passes them: the general path's arithmetic without its array plumbing
            dt = np.dtype(self.dtype).type
            w = dt(sample_weight)
            add(self.total, np.float64(dt(values._a) * w))
            add(self.count, np.float64(w))
            return
        values, sample_weight = reduce_to_samplewise_values(values, sample_weight, _np_mean,
                                                            self.dtype)
        add(self.total, np.sum(values, dtype=np.float64))
        if sample_weight is not None:
            n = np.sum(sample_weight, dtype=np.float64)
        elif values.ndim >= 1:
            n = values.shape[0]
        else:
            n = 1
        add(self.count, n)

    def result(self):
        t, c = read(self.total), read(self.count)
        if t.ndim == 0 and c.ndim == 0:   # divide_no_nan on two scalars, in float64
            c = float(c)
            return self._out(0.0 if c == 0.0 else float(t) / c)
        return self._out(divide_no_nan(t, c))


@keras_export("keras.metrics")
class MeanMetricWrapper(Mean):
    """Wraps a stateless function `fn(y_true, y_pred, **kwargs)` into a mean metric.

    Each batch's per-sample values are averaged (weighted by `sample_weight`) across
    all batches seen since the last `reset_state()`.

    Args:
        fn: the function to wrap, returning one value per sample (or per element).
        name: the metric's name.
        dtype: its dtype.
        **kwargs: passed to `fn` on every call.

    Example:
    >>> def mse(y_true, y_pred):
    ...     return ((np.asarray(y_true) - np.asarray(y_pred)) ** 2).mean(axis=-1)
    >>> m = keras.metrics.MeanMetricWrapper(fn=mse)
    """

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        if not callable(fn):
            raise ValueError(f"MeanMetricWrapper: `fn` must be callable; received {fn!r}.")
        super().__init__(name=name, dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def update_state(self, y_true, y_pred, sample_weight=None):
        values = self._fn(y_true, y_pred, **self._fn_kwargs)
        return super().update_state(values, sample_weight=sample_weight)

    def get_config(self):
        base = {"name": self.name, "dtype": self.dtype}
        config = {"fn": serialization_lib.serialize_keras_object(self._fn)}
        config.update(serialization_lib.serialize_keras_object(self._fn_kwargs))
        return {**base, **config}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if "fn" in config:
            config["fn"] = _deserialize_fn(config["fn"])
        return cls(**config)


def _deserialize_fn(fn):
    if callable(fn):
        return fn
    if isinstance(fn, str):
        from . import functions
        obj = functions.FUNCTIONS.get(fn)
        if obj is not None:
            return obj
        try:
            from .. import losses
            obj = getattr(losses, fn, None)
        except ImportError:
            obj = None
        if obj is not None:
            return obj
    return serialization_lib.deserialize_keras_object(fn)

"""The `Loss` base class and the reduction machinery shared by every loss (Keras 3 semantics).

`Loss.__call__(y_true, y_pred, sample_weight=None)` converts both inputs to the
loss's dtype, calls `call()` for per-sample losses, merges the Keras mask of
`y_pred` (and of the losses) into the sample weights, and reduces.
"""
import math

import numpy as np

import tessera as ts

from ...core.tensor import Tensor
from ...core.variable import Variable as _TSVariable
from .. import config as _config
from ..saving.object_registration import keras_export

__all__ = ["Loss", "standardize_reduction", "squeeze_or_expand_to_same_rank",
           "reduce_values", "reduce_weighted_values", "apply_mask", "to_tensor"]

_REDUCTIONS = ("sum_over_batch_size", "sum", None, "none", "mean", "mean_with_sample_weight")


# ---------------------------------------------------------------------------
# Small helpers (also used by the loss functions)
# ---------------------------------------------------------------------------
def _set_attr(t, name, value):
    """Sets a Keras side attribute (`_keras_mask`, `_keras_logits`) where the tensor allows."""
    try:
        setattr(t, name, value)
    except AttributeError:
        pass


def _dtype_name(dtype):
    """Standardizes a dtype argument (None -> floatx; a DTypePolicy -> its compute dtype)."""
    if dtype is None:
        return _config.floatx()
    if not isinstance(dtype, str):
        compute = getattr(dtype, "compute_dtype", None)
        if compute is not None:
            return ts.as_dtype(compute).name
    return ts.as_dtype(dtype).name


def to_tensor(x, dtype=None):
    """Converts `x` to a Tensor (cast to `dtype` if given), keeping `_keras_logits`
    and `_keras_mask` across a cast. Tensors of the right dtype pass through unchanged."""
    if isinstance(x, Tensor):
        out = x.read_value() if isinstance(x, _TSVariable) else x
        if dtype is not None and out.dtype.name != dtype:
            logits = getattr(x, "_keras_logits", None)
            mask = getattr(x, "_keras_mask", None)
            out = ts.cast(out, dtype)
            if logits is not None:
                _set_attr(out, "_keras_logits", to_tensor(logits, dtype))
            if mask is not None:
                _set_attr(out, "_keras_mask", mask)
        return out
    return ts.convert_to_tensor(x, dtype=dtype)


def _shape(x):
    return tuple(x.shape)


def standardize_reduction(reduction):
    """Checks `reduction` is one Keras 3 accepts and returns it."""
    if reduction not in _REDUCTIONS:
        raise ValueError(
            "Invalid value for argument `reduction`. Expected one of "
            "'sum_over_batch_size', 'sum', 'mean', 'mean_with_sample_weight', 'none' or None. "
            f"Received: reduction={reduction!r}")
    return reduction


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1=True):
    """Squeezes or expands the last dimension of one tensor when the ranks differ by
    exactly one and that dimension is 1 (Keras's rule)."""
    r1, r2 = len(x1.shape), len(x2.shape)
    if r1 == r2:
        return x1, x2
    if r1 == r2 + 1 and x1.shape[-1] == 1:
        if r2 == 1 and expand_rank_1:
            x2 = ts.expand_dims(x2, -1)
        else:
            x1 = ts.squeeze(x1, axis=-1)
    if r2 == r1 + 1 and x2.shape[-1] == 1:
        if r1 == 1 and expand_rank_1:
            x1 = ts.expand_dims(x1, -1)
        else:
            x2 = ts.squeeze(x2, axis=-1)
    return x1, x2


def _align_weights(values, weights, who="loss"):
    """Brings `weights` to a shape that broadcasts against `values`: Keras's
    squeeze/expand rule first; weights matching the leading dimensions of `values`
    (per-sample weights `(N,)` for losses `(N, T)`) get trailing axes; otherwise the
    weights must broadcast to the values' shape."""
    values, weights = squeeze_or_expand_to_same_rank(values, weights)
    vs, ws = _shape(values), _shape(weights)
    if 0 < len(ws) < len(vs) and vs[:len(ws)] == ws:
        # weights index the leading (sample) axes: broadcast them over the others
        return values, ts.reshape(weights, ws + (1,) * (len(vs) - len(ws)))
    try:
        ok = np.broadcast_shapes(vs, ws) == vs
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(
            f"{who}: sample_weight (or mask) of shape {ws} cannot be applied to the per-sample "
            f"losses of shape {vs}. Pass one weight per sample (shape {vs[:1]}), or weights "
            f"with the losses' shape {vs}.")
    return values, weights


def _num_elements(x):
    return math.prod(_shape(x))


def reduce_values(values, sample_weight=None, reduction="sum_over_batch_size"):
    """Reduces weighted per-sample losses to a scalar ("none"/None: returned as is)."""
    if reduction is None or reduction == "none" or _shape(values) in ((), (0,)):
        return values
    loss = ts.reduce_sum(values)
    if reduction in ("sum_over_batch_size", "mean", "mean_with_sample_weight"):
        if reduction == "mean_with_sample_weight" and sample_weight is not None:
            total_w = ts.reduce_sum(ts.broadcast_to(sample_weight, _shape(values)))
            loss = ts.math.divide_no_nan(loss, ts.cast(total_w, loss.dtype))
        else:
            n = _num_elements(values)
            loss = loss / float(n) if n > 0 else loss * 0.0
    return loss


def apply_mask(sample_weight, mask, dtype, reduction, who="loss"):
    """Merges a boolean mask into the sample weights. For the averaging reductions,
    unmasked entries are scaled by `total / valid` so the mean divides by the number of
    unmasked entries."""
    if mask is None:
        return sample_weight
    mask = ts.cast(to_tensor(mask), dtype)
    if reduction in ("mean", "sum_over_batch_size"):
        total = float(_num_elements(mask))
        valid = ts.reduce_sum(mask)
        mask = mask * ts.math.divide_no_nan(ts.constant(total, dtype=dtype), valid)
    if sample_weight is not None:
        sample_weight = ts.cast(sample_weight, dtype) if sample_weight.dtype.name != dtype \
            else sample_weight
        mask, sample_weight = _align_weights(mask, sample_weight, who)
        return sample_weight * mask
    return mask


def reduce_weighted_values(values, sample_weight=None, mask=None,
                           reduction="sum_over_batch_size", dtype=None, who="loss"):
    """Applies sample weights and a mask to `values`, then reduces (Keras 3 semantics)."""
    reduction = standardize_reduction(reduction)
    values = to_tensor(values, dtype)
    if sample_weight is not None:
        sample_weight = to_tensor(sample_weight, values.dtype.name)
    sample_weight = apply_mask(sample_weight, mask, values.dtype.name, reduction, who)
    if sample_weight is not None:
        values, sample_weight = _align_weights(values, sample_weight, who)
        values = values * sample_weight
    return reduce_values(values, sample_weight, reduction)


def _auto_name(class_name):
    """`MeanSquaredError` -> `mean_squared_error`, as Keras names unnamed objects."""
    out = []
    for i, c in enumerate(class_name):
        if c.isupper() and i and (not class_name[i - 1].isupper()
                                  or (i + 1 < len(class_name) and class_name[i + 1].islower())):
            out.append("_")
        out.append(c.lower())
    return "".join(out)


def _deserialize_values(config):
    from ..saving import serialization_lib
    return {k: (serialization_lib.deserialize_keras_object(v)
                if isinstance(v, dict) and "class_name" in v else v)
            for k, v in config.items()}


# ---------------------------------------------------------------------------
# The base class
# ---------------------------------------------------------------------------
@keras_export("keras.losses")
class Loss:
    """Loss base class: subclass it and implement `call(y_true, y_pred)`.

    Args:
        name: optional name for the loss instance.
        reduction: how per-sample losses are reduced: `"sum_over_batch_size"`
            (default) and `"mean"` average over all entries, `"sum"` sums,
            `"mean_with_sample_weight"` divides the weighted sum by the sum of the
            weights, `"none"` / `None` return the per-sample losses.
        dtype: the dtype of the loss's computations (default `keras.config.floatx()`;
            a `DTypePolicy` contributes its compute dtype).

    Example:
    >>> class MeanSquaredError(keras.losses.Loss):
    ...     def call(self, y_true, y_pred):
    ...         return ts.reduce_mean(ts.square(y_pred - y_true), axis=-1)
    """

    _integer_targets = False   # True: integer y_true is passed on as is (class ids)

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        self.name = name or _auto_name(type(self).__name__)
        self.reduction = standardize_reduction(reduction)
        self._dtype = _dtype_name(dtype)

    @property
    def dtype(self):
        """The dtype of the loss's computations, e.g. `"float32"`."""
        return self._dtype

    def __call__(self, y_true, y_pred, sample_weight=None):
        """Computes the reduced loss.

        Args:
            y_true: ground-truth values.
            y_pred: predictions; a `_keras_mask` attribute on it masks entries out.
            sample_weight: optional weights: a scalar, one weight per sample, or
                weights of the per-sample losses' shape.
        """
        in_mask = getattr(y_pred, "_keras_mask", None)
        y_pred = to_tensor(y_pred, self.dtype)
        y_true = to_tensor(y_true)
        if not (self._integer_targets and y_true.dtype.is_integer):
            y_true = to_tensor(y_true, self.dtype)   # class ids stay integers (no round trip)
        if sample_weight is None and in_mask is None and \
                self.reduction in ("sum_over_batch_size", "mean"):
            fused = self._fused_mean(y_true, y_pred)   # the mean as one op, where one exists
            if fused is not None:
                return fused
        losses = self.call(y_true, y_pred)
        out_mask = getattr(losses, "_keras_mask", None)
        if in_mask is not None and out_mask is not None:
            mask = ts.logical_and(ts.cast(to_tensor(in_mask), "bool"),
                                  ts.cast(to_tensor(out_mask), "bool"))
        else:
            mask = in_mask if in_mask is not None else out_mask
        return reduce_weighted_values(losses, sample_weight=sample_weight, mask=mask,
                                      reduction=self.reduction, dtype=self.dtype,
                                      who=f"{type(self).__name__} {self.name!r}")

    def _fused_mean(self, y_true, y_pred):
        """The mean of the per-sample losses as one fused op, or None to have `call` and
        the reduction compute it (the default)."""
        return None

    def call(self, y_true, y_pred):
        """Returns the per-sample losses; implemented by subclasses."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement call(y_true, y_pred), returning the "
            "per-sample losses.")

    def get_config(self):
        """Returns the loss's config: `{"name", "reduction"}` plus subclass arguments."""
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config):
        """Rebuilds the loss from `get_config()`'s output (serialized values such as
        tuples are restored)."""
        return cls(**_deserialize_values(config))

    def _obj_type(self):
        return "Loss"

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r} reduction={self.reduction!r}>"

"""The loss classes (`keras.losses.MeanSquaredError`, ...): `LossFunctionWrapper`
subclasses around the functions of `functions.py`, with Keras 3's signatures and configs."""
from ..saving import serialization_lib
from ..saving.object_registration import keras_export
from . import functions as F
from .loss import Loss, _deserialize_values, squeeze_or_expand_to_same_rank

__all__ = ["LossFunctionWrapper", "MeanSquaredError", "MeanAbsoluteError",
           "MeanAbsolutePercentageError", "MeanSquaredLogarithmicError", "CosineSimilarity",
           "Huber", "LogCosh", "Hinge", "SquaredHinge", "CategoricalHinge", "KLDivergence",
           "Poisson", "BinaryCrossentropy", "BinaryFocalCrossentropy",
           "CategoricalCrossentropy", "CategoricalFocalCrossentropy",
           "SparseCategoricalCrossentropy", "Dice", "Tversky"]


@keras_export("keras.losses")
class LossFunctionWrapper(Loss):
    """Wraps a loss function `fn(y_true, y_pred, **kwargs)` into a `Loss`.

    Args:
        fn: the loss function, returning per-sample losses.
        reduction: see `Loss`.
        name: optional name for the loss instance.
        dtype: the dtype of the loss's computations.
        **kwargs: extra keyword arguments passed to `fn`.

    Example:
    >>> loss = keras.losses.LossFunctionWrapper(keras.losses.huber, delta=2.0)
    """

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        if not callable(fn):
            raise TypeError(f"LossFunctionWrapper: `fn` must be callable, received {fn!r}.")
        self.fn = fn
        self._fn_kwargs = kwargs
        if fn is F.sparse_categorical_crossentropy:
            self._integer_targets = True   # class ids are not cast to floats and back

    def _fused_mean(self, y_true, y_pred):
        fused = F.FUSED_MEANS.get(self.fn)
        if fused is None:
            return None
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return fused(y_true, y_pred, **self._fn_kwargs)

    def call(self, y_true, y_pred):
        """Aligns the ranks of `y_true` and `y_pred`, then calls the wrapped function."""
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        config = super().get_config()
        config["fn"] = serialization_lib.serialize_keras_object(self.fn)
        config.update(serialization_lib.serialize_keras_object(self._fn_kwargs))
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if "fn" in config:
            fn = config["fn"]
            if isinstance(fn, (str, dict)):
                from . import ALL_OBJECTS_DICT
                config["fn"] = serialization_lib.deserialize_keras_object(
                    fn, module_objects=ALL_OBJECTS_DICT)
        return cls(**_deserialize_values(config))

    def __repr__(self):
        return f"<LossFunctionWrapper({self.fn}, kwargs={self._fn_kwargs})>"


class _KwargsLoss(LossFunctionWrapper):
    """A built-in loss class over one loss function: its constructor arguments are the
    function's keyword arguments, kept as attributes, and its config is Keras's
    `{"name", "reduction"}` plus those arguments."""

    def __init__(self, fn, name=None, reduction="sum_over_batch_size", dtype=None, **kwargs):
        super().__init__(fn, name=name, reduction=reduction, dtype=dtype, **kwargs)
        for k, v in kwargs.items():
            setattr(self, k, v)

    def get_config(self):
        return {**Loss.get_config(self), **self._fn_kwargs}


class _Simple(_KwargsLoss):
    """A loss without arguments: its config is just `{"name", "reduction"}`."""

    _fn = None
    _default_name = None

    def __init__(self, reduction="sum_over_batch_size", name=None, dtype=None):
        super().__init__(type(self)._fn, name=name or self._default_name, reduction=reduction,
                         dtype=dtype)


def _simple(cls_name, fn, default_name, doc):
    cls = type(cls_name, (_Simple,), {"_fn": staticmethod(fn), "_default_name": default_name,
                                      "__doc__": doc, "__module__": __name__})

    def __init__(self, reduction="sum_over_batch_size", name=default_name, dtype=None):
        _Simple.__init__(self, reduction=reduction, name=name, dtype=dtype)

    __init__.__qualname__ = f"{cls_name}.__init__"
    cls.__init__ = __init__
    return keras_export("keras.losses")(cls)


_ARGS = """
    Args:
        reduction: `"sum_over_batch_size"` (default), `"sum"`, `"mean"`,
            `"mean_with_sample_weight"`, `"none"` or `None` (see `keras.losses.Loss`).
        name: optional name for the loss instance (default `"{name}"`).
        dtype: the dtype of the loss's computations (default `keras.config.floatx()`).
"""

MeanSquaredError = _simple(
    "MeanSquaredError", F.mean_squared_error, "mean_squared_error",
    "Computes the mean of squares of errors: `loss = mean(square(y_true - y_pred))`.\n"
    + _ARGS.format(name="mean_squared_error"))
MeanAbsoluteError = _simple(
    "MeanAbsoluteError", F.mean_absolute_error, "mean_absolute_error",
    "Computes the mean of absolute errors: `loss = mean(abs(y_true - y_pred))`.\n"
    + _ARGS.format(name="mean_absolute_error"))
MeanAbsolutePercentageError = _simple(
    "MeanAbsolutePercentageError", F.mean_absolute_percentage_error,
    "mean_absolute_percentage_error",
    "Computes `loss = 100 * mean(abs((y_true - y_pred) / y_true))`.\n"
    + _ARGS.format(name="mean_absolute_percentage_error"))
MeanSquaredLogarithmicError = _simple(
    "MeanSquaredLogarithmicError", F.mean_squared_logarithmic_error,
    "mean_squared_logarithmic_error",
    "Computes `loss = mean(square(log(y_true + 1) - log(y_pred + 1)))`.\n"
    + _ARGS.format(name="mean_squared_logarithmic_error"))
LogCosh = _simple(
    "LogCosh", F.log_cosh, "log_cosh",
    "Computes the logarithm of the hyperbolic cosine of the prediction error:\n"
    "`loss = mean(log(cosh(y_pred - y_true)), axis=-1)`.\n" + _ARGS.format(name="log_cosh"))
Hinge = _simple(
    "Hinge", F.hinge, "hinge",
    "Computes `loss = maximum(1 - y_true * y_pred, 0)`; 0/1 labels become -1/1.\n"
    + _ARGS.format(name="hinge"))
SquaredHinge = _simple(
    "SquaredHinge", F.squared_hinge, "squared_hinge",
    "Computes `loss = square(maximum(1 - y_true * y_pred, 0))`; 0/1 labels become -1/1.\n"
    + _ARGS.format(name="squared_hinge"))
CategoricalHinge = _simple(
    "CategoricalHinge", F.categorical_hinge, "categorical_hinge",
    "Computes `loss = maximum(neg - pos + 1, 0)` with `neg = max((1 - y_true) * y_pred)`\n"
    "and `pos = sum(y_true * y_pred)`.\n" + _ARGS.format(name="categorical_hinge"))
KLDivergence = _simple(
    "KLDivergence", F.kl_divergence, "kl_divergence",
    "Computes the Kullback-Leibler divergence `loss = y_true * log(y_true / y_pred)`,\n"
    "both clipped to `[epsilon, 1]`.\n" + _ARGS.format(name="kl_divergence"))
Poisson = _simple(
    "Poisson", F.poisson, "poisson",
    "Computes the Poisson loss `loss = y_pred - y_true * log(y_pred)`.\n"
    + _ARGS.format(name="poisson"))


@keras_export("keras.losses")
class CosineSimilarity(_KwargsLoss):
    """Computes the negative cosine similarity between `y_true` and `y_pred`:
    `loss = -sum(l2_norm(y_true) * l2_norm(y_pred))` along `axis`.

    Args:
        axis: the axis along which the similarity is computed (default -1).
        reduction, name, dtype: see `keras.losses.Loss`.

    Example:
    >>> keras.losses.CosineSimilarity()([[0., 1.], [1., 1.]], [[1., 0.], [1., 1.]])
    """

    def __init__(self, axis=-1, reduction="sum_over_batch_size", name="cosine_similarity",
                 dtype=None):
        super().__init__(F.cosine_similarity, name=name, reduction=reduction, dtype=dtype,
                         axis=axis)


@keras_export("keras.losses")
class Huber(_KwargsLoss):
    """Computes the Huber loss: `0.5 * x**2` for `|x| <= delta`, else
    `delta * |x| - 0.5 * delta**2`, with `x = y_pred - y_true`.

    Args:
        delta: where the loss changes from quadratic to linear (default 1.0).
        reduction, name, dtype: see `keras.losses.Loss`.
    """

    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss",
                 dtype=None):
        super().__init__(F.huber, name=name, reduction=reduction, dtype=dtype, delta=delta)


@keras_export("keras.losses")
class BinaryCrossentropy(_KwargsLoss):
    """Cross-entropy for binary (0 or 1) labels.

    Args:
        from_logits: whether `y_pred` holds logits (recommended: the fused stable op is
            used). By default `y_pred` holds probabilities.
        label_smoothing: in [0, 1]; labels are squeezed towards 0.5.
        axis: the axis averaged over (default -1).
        reduction, name, dtype: see `keras.losses.Loss`.

    Example:
    >>> bce = keras.losses.BinaryCrossentropy(from_logits=True)
    >>> bce([0, 1, 0, 0], [-18.6, 0.51, 2.94, -12.8])   # 0.865
    """

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="binary_crossentropy", dtype=None):
        super().__init__(F.binary_crossentropy, name=name, reduction=reduction, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)


@keras_export("keras.losses")
class BinaryFocalCrossentropy(_KwargsLoss):
    """Focal cross-entropy for binary labels (Lin et al., 2018): down-weights easy
    examples by `(1 - p_t) ** gamma`.

    Args:
        apply_class_balancing: also weight class 1 by `alpha`, class 0 by `1 - alpha`.
        alpha: balancing factor for class 1 (default 0.25).
        gamma: focusing parameter (default 2.0).
        from_logits: whether `y_pred` holds logits.
        label_smoothing: in [0, 1]; labels are squeezed towards 0.5.
        axis: the axis averaged over (default -1).
        reduction, name, dtype: see `keras.losses.Loss`.
    """

    def __init__(self, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False,
                 label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="binary_focal_crossentropy", dtype=None):
        super().__init__(F.binary_focal_crossentropy, name=name, reduction=reduction,
                         dtype=dtype, apply_class_balancing=apply_class_balancing, alpha=alpha,
                         gamma=gamma, from_logits=from_logits, label_smoothing=label_smoothing,
                         axis=axis)


@keras_export("keras.losses")
class CategoricalCrossentropy(_KwargsLoss):
    """Cross-entropy between one-hot labels and predicted class probabilities.

    For integer class ids use `SparseCategoricalCrossentropy`.

    Args:
        from_logits: whether `y_pred` holds logits (fused stable softmax cross-entropy).
        label_smoothing: in [0, 1]; `0.1` gives `0.1 / num_classes` to non-target
            classes and `0.9 + 0.1 / num_classes` to the target.
        axis: the class axis (default -1).
        reduction, name, dtype: see `keras.losses.Loss`.

    Example:
    >>> cce = keras.losses.CategoricalCrossentropy()
    >>> cce([[0, 1, 0], [0, 0, 1]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])   # 1.177
    """

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_crossentropy", dtype=None):
        super().__init__(F.categorical_crossentropy, name=name, reduction=reduction, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)


@keras_export("keras.losses")
class CategoricalFocalCrossentropy(_KwargsLoss):
    """Alpha-balanced focal cross-entropy for one-hot labels:
    `sum(alpha * (1 - p) ** gamma * -y_true * log(p))` over the classes.

    Args:
        alpha: weight factor (a number or one per class; default 0.25).
        gamma: focusing parameter (default 2.0).
        from_logits: whether `y_pred` holds logits.
        label_smoothing: in [0, 1], as in `CategoricalCrossentropy`.
        axis: the class axis (default -1).
        reduction, name, dtype: see `keras.losses.Loss`.
    """

    def __init__(self, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_focal_crossentropy",
                 dtype=None):
        super().__init__(F.categorical_focal_crossentropy, name=name, reduction=reduction,
                         dtype=dtype, alpha=alpha, gamma=gamma, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)


@keras_export("keras.losses")
class SparseCategoricalCrossentropy(_KwargsLoss):
    """Cross-entropy between integer class ids and predicted class probabilities.

    `y_true` has shape `[batch_size]` (or `[batch_size, 1]`), `y_pred`
    `[batch_size, num_classes]`. For one-hot labels use `CategoricalCrossentropy`.

    Args:
        from_logits: whether `y_pred` holds logits (fused stable op).
        ignore_class: optional class id whose entries are ignored (zero loss, masked
            out of the mean), e.g. a "void" class -1 or 255 in segmentation maps.
        reduction, name, dtype: see `keras.losses.Loss`.

    Example:
    >>> scce = keras.losses.SparseCategoricalCrossentropy()
    >>> scce([1, 2], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])   # 1.177
    """

    def __init__(self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size",
                 name="sparse_categorical_crossentropy", dtype=None):
        super().__init__(F.sparse_categorical_crossentropy, name=name, reduction=reduction,
                         dtype=dtype, from_logits=from_logits, ignore_class=ignore_class)


@keras_export("keras.losses")
class Dice(_KwargsLoss):
    """Computes the Dice loss `1 - 2 * sum(y_true * y_pred) / (sum(y_true) + sum(y_pred))`.

    Args:
        reduction, name, dtype: see `keras.losses.Loss`.
        axis: the axes the sums run over (default None: all).
    """

    def __init__(self, reduction="sum_over_batch_size", name="dice", axis=None, dtype=None):
        super().__init__(F.dice, name=name, reduction=reduction, dtype=dtype, axis=axis)


@keras_export("keras.losses")
class Tversky(_KwargsLoss):
    """Computes the Tversky loss `1 - TP / (TP + alpha * FP + beta * FN)`.

    Args:
        alpha: weight of false positives (default 0.5).
        beta: weight of false negatives (default 0.5).
        reduction, name, dtype: see `keras.losses.Loss`.
        axis: the axes the sums run over (default None: all).
    """

    def __init__(self, alpha=0.5, beta=0.5, reduction="sum_over_batch_size", name="tversky",
                 axis=None, dtype=None):
        super().__init__(F.tversky, name=name, reduction=reduction, dtype=dtype, alpha=alpha,
                         beta=beta, axis=axis)


"""`keras.metrics`: stateful metrics, metric functions, and `get` / `serialize` / `deserialize`.

Metrics compute on NumPy arrays (they are not differentiated) and keep their state in
non-trainable `keras.Variable`s. The loss functions that Keras also exposes here
(`keras.metrics.mean_squared_error`, ...) are `keras.losses`'s, looked up on first use.
"""
import inspect as _inspect

from ..saving import serialization_lib as _ser
from .accuracy_metrics import (Accuracy, BinaryAccuracy, CategoricalAccuracy,  # noqa: F401
                               SparseCategoricalAccuracy, SparseTopKCategoricalAccuracy,
                               TopKCategoricalAccuracy, resolve_accuracy)
from .confusion_metrics import (AUC, FalseNegatives, FalsePositives, Precision,  # noqa: F401
                                Recall, TrueNegatives, TruePositives)
from .f_score_metrics import F1Score, FBetaScore  # noqa: F401
from .functions import (binary_accuracy, categorical_accuracy,  # noqa: F401
                        sparse_categorical_accuracy, sparse_top_k_categorical_accuracy,
                        top_k_categorical_accuracy)
from .metric import Mean, MeanMetricWrapper, Metric, Sum, to_snake_case
from .probabilistic_metrics import (BinaryCrossentropy, CategoricalCrossentropy,  # noqa: F401
                                    CategoricalHinge, Hinge, KLDivergence, Poisson,
                                    SparseCategoricalCrossentropy, SquaredHinge)
from .regression_metrics import (CosineSimilarity, LogCoshError, MeanAbsoluteError,  # noqa: F401
                                 MeanAbsolutePercentageError, MeanSquaredError,
                                 MeanSquaredLogarithmicError, RootMeanSquaredError)

ALL_OBJECTS = {
    Metric, Mean, Sum, MeanMetricWrapper,
    MeanSquaredError, RootMeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError, CosineSimilarity, LogCoshError,
    AUC, FalseNegatives, FalsePositives, Precision, Recall, TrueNegatives, TruePositives,
    Hinge, SquaredHinge, CategoricalHinge,
    KLDivergence, Poisson, BinaryCrossentropy, CategoricalCrossentropy,
    SparseCategoricalCrossentropy,
    Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy,
    TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy,
    F1Score, FBetaScore,
}
ALL_OBJECTS_DICT = {cls.__name__: cls for cls in ALL_OBJECTS}
ALL_OBJECTS_DICT.update({to_snake_case(cls.__name__): cls for cls in ALL_OBJECTS})
ALL_OBJECTS_DICT.update({
    "bce": BinaryCrossentropy, "BCE": BinaryCrossentropy,
    "mse": MeanSquaredError, "MSE": MeanSquaredError,
    "mae": MeanAbsoluteError, "MAE": MeanAbsoluteError,
    "mape": MeanAbsolutePercentageError, "MAPE": MeanAbsolutePercentageError,
    "msle": MeanSquaredLogarithmicError, "MSLE": MeanSquaredLogarithmicError,
})

_FUNCTIONS = {f.__name__: f for f in (binary_accuracy, categorical_accuracy,
                                      sparse_categorical_accuracy, top_k_categorical_accuracy,
                                      sparse_top_k_categorical_accuracy)}

# Loss functions Keras 3 also exports under keras.metrics; they come from keras.losses.
_LOSS_FUNCTIONS = ("binary_crossentropy", "binary_focal_crossentropy", "categorical_crossentropy",
                   "categorical_focal_crossentropy", "categorical_hinge", "hinge", "huber",
                   "kl_divergence", "log_cosh", "mean_absolute_error",
                   "mean_absolute_percentage_error", "mean_squared_error",
                   "mean_squared_logarithmic_error", "poisson", "sparse_categorical_crossentropy",
                   "squared_hinge")

__all__ = sorted(c.__name__ for c in ALL_OBJECTS) + sorted(_FUNCTIONS) \
    + ["get", "serialize", "deserialize", "resolve_accuracy"]


def __getattr__(name):
    if name in _LOSS_FUNCTIONS:
        from .. import losses
        fn = getattr(losses, name, None)
        if fn is None:
            raise AttributeError(f"keras.metrics.{name} is keras.losses.{name}, which is not "
                                 "available in this build of keras.losses.")
        return fn
    raise AttributeError(f"module 'keras.metrics' has no attribute {name!r}")


def serialize(metric):
    """Returns the Keras config dict of a metric (or a metric function's name).

    Example:
    >>> keras.metrics.serialize(keras.metrics.AUC())["class_name"]
    'AUC'
    """
    return _ser.serialize_keras_object(metric)


def deserialize(config, custom_objects=None):
    """Rebuilds a metric (or metric function) from `serialize`'s output.

    Args:
        config: a config dict, or the name of a metric function.
        custom_objects: `{name: class_or_function}` for user-defined metrics.
    """
    return _ser.deserialize_keras_object(config, module_objects={**ALL_OBJECTS_DICT, **_FUNCTIONS},
                                         custom_objects=custom_objects)


def get(identifier):
    """Retrieves a metric from a name, a config dict, a class, an instance or a function.

    Names resolve as in Keras 3: class names (`"AUC"`), their snake case (`"auc"`,
    `"binary_accuracy"`, `"precision"`) and the abbreviations `"mse"`, `"mae"`,
    `"mape"`, `"msle"`, `"bce"` give a new metric instance; a class is instantiated;
    functions and instances are returned as they are. As in Keras 3, `"accuracy"` here
    is the exact-match `Accuracy` and `"acc"` is unknown: `compile(metrics=["accuracy"])`
    must pick the accuracy that fits the loss and data *before* calling `get` (see
    `resolve_accuracy`).

    Example:
    >>> keras.metrics.get("mse")
    <MeanSquaredError name=mean_squared_error>
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = ALL_OBJECTS_DICT.get(identifier)
        if obj is None:
            obj = _FUNCTIONS.get(identifier)
        if obj is None:
            hint = (" The trainer resolves 'accuracy'/'acc' from the loss; outside compile(), "
                    "use keras.metrics.resolve_accuracy() or name the accuracy metric."
                    if identifier.lower() == "acc" else "")
            raise ValueError(f"Could not interpret metric identifier: {identifier!r}. Use a "
                             "metric class name such as 'AUC' or 'MeanSquaredError', its snake "
                             f"case ('auc', 'mean_squared_error'), or 'mse'/'mae'.{hint}")
    else:
        obj = identifier
    if callable(obj):
        if _inspect.isclass(obj):
            obj = obj()
        return obj
    raise ValueError(f"Could not interpret metric identifier: {identifier!r}")

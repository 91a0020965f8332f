"""`keras.losses`: loss classes, loss functions, and `get` / `serialize` / `deserialize`.

    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    value = loss(y_true, logits, sample_weight=w)
    keras.losses.get("mse")        # the function mean_squared_error
    keras.losses.get("Huber")      # a Huber() instance
"""
import inspect

from ..saving import serialization_lib
from ..saving.object_registration import get_registered_object, keras_export
from .functions import (binary_crossentropy, binary_focal_crossentropy,  # noqa: F401
                        categorical_crossentropy, categorical_focal_crossentropy,
                        categorical_hinge, cosine_similarity, dice, hinge, huber, kl_divergence,
                        log_cosh, mean_absolute_error, mean_absolute_percentage_error,
                        mean_squared_error, mean_squared_logarithmic_error, poisson,
                        sparse_categorical_crossentropy, squared_hinge, tversky)
from .loss import Loss, reduce_weighted_values  # noqa: F401
from .losses import (BinaryCrossentropy, BinaryFocalCrossentropy,  # noqa: F401
                     CategoricalCrossentropy, CategoricalFocalCrossentropy, CategoricalHinge,
                     CosineSimilarity, Dice, Hinge, Huber, KLDivergence, LogCosh,
                     LossFunctionWrapper, MeanAbsoluteError, MeanAbsolutePercentageError,
                     MeanSquaredError, MeanSquaredLogarithmicError, Poisson,
                     SparseCategoricalCrossentropy, SquaredHinge, Tversky)

# Short aliases (Keras 2 / legacy names), the same function objects.
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence = kl_divergence
logcosh = log_cosh
bce = BCE = binary_crossentropy

ALL_OBJECTS = {
    Loss, LossFunctionWrapper, KLDivergence, Poisson, BinaryCrossentropy,
    BinaryFocalCrossentropy, CategoricalCrossentropy, CategoricalFocalCrossentropy,
    SparseCategoricalCrossentropy, MeanSquaredError, MeanAbsoluteError,
    MeanAbsolutePercentageError, MeanSquaredLogarithmicError, CosineSimilarity, LogCosh, Huber,
    Hinge, SquaredHinge, CategoricalHinge, Dice, Tversky,
    kl_divergence, poisson, binary_crossentropy, binary_focal_crossentropy,
    categorical_crossentropy, categorical_focal_crossentropy, sparse_categorical_crossentropy,
    mean_squared_error, mean_absolute_error, mean_absolute_percentage_error,
    mean_squared_logarithmic_error, cosine_similarity, log_cosh, huber, hinge, squared_hinge,
    categorical_hinge, dice, tversky,
}
ALL_OBJECTS_DICT = {obj.__name__: obj for obj in ALL_OBJECTS}
ALL_OBJECTS_DICT.update({
    "bce": binary_crossentropy, "BCE": binary_crossentropy,
    "kld": kl_divergence, "KLD": kl_divergence,
    "mae": mean_absolute_error, "MAE": mean_absolute_error,
    "mse": mean_squared_error, "MSE": mean_squared_error,
    "mape": mean_absolute_percentage_error, "MAPE": mean_absolute_percentage_error,
    "msle": mean_squared_logarithmic_error, "MSLE": mean_squared_logarithmic_error,
    "logcosh": log_cosh, "kullback_leibler_divergence": kl_divergence,
})


@keras_export("keras.losses")
def serialize(loss):
    """Serializes a loss function or `Loss` instance (Keras 3's config format).

    Example:
    >>> keras.losses.serialize(keras.losses.Huber())["class_name"]
    'Huber'
    """
    return serialization_lib.serialize_keras_object(loss)


@keras_export("keras.losses")
def deserialize(name, custom_objects=None):
    """Rebuilds a loss function or `Loss` instance from `serialize`'s output (or a name).

    Args:
        name: the config dict or a loss name such as `"mse"`.
        custom_objects: `{name: class_or_function}` for user-defined losses.
    """
    return serialization_lib.deserialize_keras_object(
        name, module_objects=ALL_OBJECTS_DICT, custom_objects=custom_objects)


@keras_export("keras.losses")
def get(identifier):
    """Returns a loss function or `Loss` instance from an identifier.

    Args:
        identifier: None, a name (`"mse"`, `"categorical_crossentropy"`,
            `"CategoricalCrossentropy"`), a config dict, a `Loss` instance or class,
            or a function.

    Returns:
        The loss function (for function names), a `Loss` instance (for class
        names, configs and classes), the callable itself, or None.

    Example:
    >>> keras.losses.get("categorical_crossentropy")   # the function
    >>> keras.losses.get("CategoricalCrossentropy")    # an instance
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = ALL_OBJECTS_DICT.get(identifier)
        if obj is None:
            obj = get_registered_object(identifier)
        if obj is None:
            raise ValueError(
                f"Could not interpret loss identifier: {identifier!r}. Valid names: "
                f"{', '.join(sorted(ALL_OBJECTS_DICT))}; or pass a Loss instance, a "
                "function, or a name registered with "
                "keras.saving.register_keras_serializable().")
    else:
        obj = identifier
    if callable(obj):
        if inspect.isclass(obj):
            obj = obj()
        return obj
    raise ValueError(f"Could not interpret loss identifier: {identifier!r}: expected a name, a "
                     "config dict, a Loss instance or a function.")


__all__ = sorted(n for n in globals() if not n.startswith("_") and n not in (
    "inspect", "serialization_lib", "get_registered_object", "keras_export", "functions",
    "loss", "losses"))

"""`keras.utils.to_categorical` and `keras.utils.normalize`."""
import numpy as np

import tessera as ts

from .. import config as _config
from ..saving.object_registration import keras_export

__all__ = ["to_categorical", "normalize"]


@keras_export("keras.utils")
def to_categorical(x, num_classes=None):
    """Converts a class vector (integers) to a binary class matrix (one-hot).

    A trailing dimension of size 1 is dropped first, so labels of shape `(N, 1)`
    give `(N, num_classes)`.

    Args:
        x: array-like of class values, integers from 0 to `num_classes - 1`.
        num_classes: total number of classes; None infers `max(x) + 1`.

    Returns:
        A binary matrix with the class axis last: a float64 NumPy array for
        NumPy or Python input, a float32 Tensor for Tensor input.

    Example:
    >>> keras.utils.to_categorical([0, 1, 2, 3], num_classes=4)
    array([[1., 0., 0., 0.],
           [0., 1., 0., 0.],
           [0., 0., 1., 0.],
           [0., 0., 0., 1.]])
    """
    if isinstance(x, ts.Tensor):
        x = ts.convert_to_tensor(x)
        if x.dtype.is_floating:
            x = ts.cast(x, ts.int64)
        shape = tuple(x.shape)
        if len(shape) > 1 and shape[-1] == 1:
            x = ts.reshape(x, shape[:-1])
        if not num_classes:
            num_classes = int(np.max(x.numpy())) + 1 if int(np.prod(shape)) else 0
        return ts.one_hot(x, int(num_classes))
    try:
        x = np.array(x, dtype="int64")
    except (TypeError, ValueError):
        raise ValueError("to_categorical: `x` must hold integer class indices, got "
                         f"{x!r}.") from None
    input_shape = x.shape
    if input_shape and input_shape[-1] == 1 and len(input_shape) > 1:
        input_shape = tuple(input_shape[:-1])
    x = x.reshape(-1)
    if not num_classes:
        if x.size == 0:
            raise ValueError("to_categorical: `x` is empty, so `num_classes` cannot be "
                             "inferred; pass num_classes.")
        num_classes = int(np.max(x)) + 1
    num_classes = int(num_classes)
    if x.size and (x.min() < 0 or x.max() >= num_classes):
        raise ValueError(f"to_categorical: class indices must lie in [0, {num_classes}) for "
                         f"num_classes={num_classes}, got values from {x.min()} to {x.max()}.")
    categorical = np.zeros((x.shape[0], num_classes))
    categorical[np.arange(x.shape[0]), x] = 1
    return categorical.reshape(input_shape + (num_classes,))


@keras_export("keras.utils")
def normalize(x, axis=-1, order=2):
    """Normalizes an array to unit norm along `axis`.

    A NumPy array gives a NumPy array (zero vectors stay zero); a Tensor (or
    other data) gives a Tensor computed with differentiable Tessera ops, as
    `keras.ops.normalize`.

    Args:
        x: array to normalize.
        axis: axis along which to normalize.
        order: normalization order (e.g. `order=2` for the L2 norm).

    Returns:
        A normalized copy of the array.

    Example:
    >>> keras.utils.normalize(np.array([[3.0, 4.0]]))
    array([[0.6, 0.8]])
    """
    if isinstance(x, np.ndarray):
        norm = np.atleast_1d(np.linalg.norm(x, order, axis))
        norm[norm == 0] = 1
        # (Keras writes `axis or -1`, which also turns axis=0 into -1; only None means -1 here.)
        return x / np.expand_dims(norm, -1 if axis is None else axis)
    if isinstance(order, bool) or not isinstance(order, (int, np.integer)) or order < 1:
        raise ValueError("normalize: argument `order` must be an int >= 1. Received: "
                         f"order={order!r}")
    x = ts.convert_to_tensor(x)
    if len(x.shape) == 0:
        x = ts.expand_dims(x, 0)
    eps = _config.epsilon()
    if order == 2:
        inv = ts.math.rsqrt(ts.reduce_sum(ts.square(x), axis=axis, keepdims=True))
        return x * ts.minimum(inv, 1.0 / eps)
    if order == 1:
        norm = ts.reduce_sum(ts.abs(x), axis=axis, keepdims=True)
    else:
        p = float(order)
        norm = ts.pow(ts.reduce_sum(ts.pow(ts.abs(x), p), axis=axis, keepdims=True), 1.0 / p)
    return x / ts.maximum(norm, eps)

"""Merging layers: Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot,
and their functional forms (`keras.layers.add(...)` etc.)."""
import tessera as ts
from ..saving.object_registration import keras_export
from .layer import Layer

__all__ = ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Dot",
           "add", "subtract", "multiply", "average", "maximum", "minimum", "concatenate", "dot"]


def _is_shape_list(s):
    return isinstance(s, (list, tuple)) and len(s) > 0 and all(
        x is None or isinstance(x, (list, tuple)) for x in s)


class Merge(Layer):
    """Base of the element-wise merging layers: inputs are a list of tensors whose
    shapes broadcast (the batch axis must agree); inputs of lower rank get axes
    inserted after the batch axis."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def _merge_function(self, inputs):
        raise NotImplementedError

    def _elemwise_shape(self, shape1, shape2):
        if shape1 is None or shape2 is None:
            return None
        if len(shape1) < len(shape2):
            return self._elemwise_shape(shape2, shape1)
        if not shape2:
            return tuple(shape1)
        out = list(shape1[:len(shape1) - len(shape2)])
        for i, j in zip(shape1[len(shape1) - len(shape2):], shape2):
            if i is None or j is None:
                out.append(None)
            elif i == 1:
                out.append(j)
            elif j == 1:
                out.append(i)
            elif i != j:
                raise ValueError(
                    f'Layer "{self.name}" ({type(self).__name__}): inputs have incompatible '
                    f"shapes. Received shapes {tuple(shape1)} and {tuple(shape2)} (batch axis "
                    "excluded): each axis must match or be 1.")
            else:
                out.append(i)
        return tuple(out)

    def _check_list(self, input_shape):
        if not _is_shape_list(input_shape):
            raise ValueError(
                f'A merge layer ("{self.name}", {type(self).__name__}) should be called on a '
                f"list of inputs. Received: input_shape={input_shape} (not a list of shapes).")
        if len(input_shape) < 1:
            raise ValueError(
                f'A merge layer ("{self.name}") should be called on a list of at least 1 '
                f"input. Got {len(input_shape)} inputs.")

    def build(self, input_shape):
        self._check_list(input_shape)
        batch = {s[0] for s in input_shape if s} - {None}
        if len(batch) > 1:
            raise ValueError(
                f'Layer "{self.name}" ({type(self).__name__}) cannot merge tensors with '
                f"different batch sizes. Received tensors with shapes "
                f"{[tuple(s) for s in input_shape]}.")
        out = None if input_shape[0] is None else tuple(input_shape[0][1:])
        for s in input_shape[1:]:
            out = self._elemwise_shape(out, None if s is None else tuple(s[1:]))
        self._reshape_required = not (None not in input_shape and
                                      len({len(s) for s in input_shape}) == 1)
        self.built = True

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(f'A merge layer ("{self.name}") should be called on a list of '
                             f"inputs. Received: inputs={inputs} (not a list of tensors).")
        if self._reshape_required:
            nd = max(len(x.shape) for x in inputs)
            xs = []
            for x in inputs:
                for _ in range(nd - len(x.shape)):
                    x = ts.expand_dims(x, axis=1)
                xs.append(x)
            inputs = xs
        return self._merge_function(list(inputs))

    def compute_output_shape(self, input_shape):
        self._check_list(input_shape)
        out = None if input_shape[0] is None else tuple(input_shape[0][1:])
        for s in input_shape[1:]:
            out = self._elemwise_shape(out, None if s is None else tuple(s[1:]))
        batches = {s[0] for s in input_shape if s is not None} - {None}
        batch = next(iter(batches)) if len(batches) == 1 else None
        return (batch,) + out

    def compute_mask(self, inputs, mask=None):
        if mask is None:
            return None
        if not isinstance(mask, (list, tuple)):
            raise ValueError(f"`mask` should be a list. Received: mask={mask}")
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(f"`inputs` should be a list. Received: inputs={inputs}")
        if len(mask) != len(inputs):
            raise ValueError("The lists `inputs` and `mask` should have the same length. "
                             f"Received: inputs={len(inputs)} tensors, mask={len(mask)}")
        masks = [ts.expand_dims(ts.convert_to_tensor(m), 0) for m in mask if m is not None]
        if not masks:
            return None
        return ts.reduce_all(ts.concat(masks, axis=0), axis=0)


def _reduce(fn, xs):
    out = xs[0]
    for x in xs[1:]:
        out = fn(out, x)
    return out


@keras_export("keras.layers")
class Add(Merge):
    """Adds a list of inputs element-wise (shapes broadcast), as `keras.layers.Add`.

    Example:
    >>> keras.layers.Add()([np.ones((2, 3)), np.ones((2, 3))]).shape
    TensorShape([2, 3])
    """

    def _merge_function(self, inputs):
        return _reduce(ts.add, inputs)


@keras_export("keras.layers")
class Subtract(Merge):
    """Subtracts the second input from the first, as `keras.layers.Subtract` (exactly 2 inputs)."""

    def build(self, input_shape):
        super().build(input_shape)
        if len(input_shape) != 2:
            raise ValueError(f'A `Subtract` layer ("{self.name}") should be called on exactly 2 '
                             f"inputs. Received: input_shape={input_shape}")

    def _merge_function(self, inputs):
        if len(inputs) != 2:
            raise ValueError(f'A `Subtract` layer ("{self.name}") should be called on exactly 2 '
                             f"inputs. Received: {len(inputs)} inputs.")
        return ts.subtract(inputs[0], inputs[1])


@keras_export("keras.layers")
class Multiply(Merge):
    """Multiplies a list of inputs element-wise, as `keras.layers.Multiply`."""

    def _merge_function(self, inputs):
        return _reduce(ts.multiply, inputs)


@keras_export("keras.layers")
class Average(Merge):
    """Averages a list of inputs element-wise, as `keras.layers.Average`."""

    def _merge_function(self, inputs):
        return _reduce(ts.add, inputs) / float(len(inputs))


@keras_export("keras.layers")
class Maximum(Merge):
    """The element-wise maximum of a list of inputs, as `keras.layers.Maximum`."""

    def _merge_function(self, inputs):
        return _reduce(ts.maximum, inputs)


@keras_export("keras.layers")
class Minimum(Merge):
    """The element-wise minimum of a list of inputs, as `keras.layers.Minimum`."""

    def _merge_function(self, inputs):
        return _reduce(ts.minimum, inputs)


@keras_export("keras.layers")
class Concatenate(Merge):
    """Concatenates a list of inputs along `axis`, as `keras.layers.Concatenate`.

    All inputs must have the same shape except along `axis`.

    Args:
        axis: the concatenation axis (default -1).

    Example:
    >>> keras.layers.Concatenate()([np.ones((2, 3)), np.ones((2, 4))]).shape
    TensorShape([2, 7])
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis
        self._reshape_required = False

    def _mismatch(self, input_shape):
        return ValueError(
            f'A `Concatenate` layer ("{self.name}") requires inputs with matching shapes except '
            f"for the concatenation axis (axis={self.axis}). Received: input_shape="
            f"{[tuple(s) for s in input_shape]}")

    def build(self, input_shape):
        self._check_list(input_shape)
        if len(input_shape) < 1:
            raise ValueError(self._mismatch(input_shape))
        shapes = [tuple(s) for s in input_shape if s is not None]
        if len({len(s) for s in shapes}) > 1:
            raise self._mismatch(input_shape)
        if shapes:
            nd = len(shapes[0])
            axis = self.axis % nd if nd else 0
            for i in range(nd):
                if i == axis:
                    continue
                sizes = {s[i] for s in shapes} - {None}
                if len(sizes) > 1:
                    raise self._mismatch(input_shape)
        self.built = True

    def _merge_function(self, inputs):
        return ts.concat(inputs, axis=self.axis)

    def compute_output_shape(self, input_shape):
        self._check_list(input_shape)
        shapes = [tuple(s) for s in input_shape]
        out = list(shapes[0])
        axis = self.axis % len(out)
        for s in shapes[1:]:
            if out[axis] is None or s[axis] is None:
                out[axis] = None
            else:
                out[axis] += s[axis]
            for i in range(len(out)):
                if i != axis and out[i] is None:
                    out[i] = s[i]
        return tuple(out)

    def compute_mask(self, inputs, mask=None):
        if mask is None:
            return None
        if not isinstance(mask, (list, tuple)) or len(mask) != len(inputs):
            raise ValueError(f"`mask` should be a list of {len(inputs)} masks (one per input), "
                             f"received: mask={mask}")
        if all(m is None for m in mask):
            return None
        masks = []
        for x, m in zip(inputs, mask):
            if m is None:
                masks.append(ts.ones(tuple(x.shape), dtype=ts.bool))
            elif len(m.shape) < len(x.shape):
                masks.append(ts.broadcast_to(ts.expand_dims(m, -1), tuple(x.shape)))
            else:
                masks.append(ts.convert_to_tensor(m))
        return ts.reduce_any(ts.concat(masks, axis=self.axis), axis=-1)

    def get_config(self):
        base = super().get_config()
        base["axis"] = self.axis
        return base


def _dot_axes(axes, n1, n2):
    if isinstance(axes, int):
        return [axes % n1, axes % n2] if axes < 0 else [axes, axes]
    return [a % n if a < 0 else a for a, n in zip(axes, (n1, n2))]


def _batch_dot(x, y, axes):
    """Keras's batch_dot: contracts x[axes[0]] with y[axes[1]], keeping the batch axis."""
    letters = "bcdefghijklmnopqrstuvwxyzACDEFGHIJKLMNOPQRSTUVWXYZ"
    nx, ny = len(x.shape), len(y.shape)
    sx = ["a"] + [letters[i] for i in range(nx - 1)]
    sy = ["a"] + [letters[nx - 1 + i] for i in range(ny - 1)]
    sy[axes[1]] = sx[axes[0]]
    out = [c for i, c in enumerate(sx) if i != axes[0]] + \
          [c for i, c in enumerate(sy) if i not in (0, axes[1])]
    r = ts.einsum(f"{''.join(sx)},{''.join(sy)}->{''.join(out)}", x, y)
    if len(r.shape) == 1:
        r = ts.expand_dims(r, 1)
    return r


@keras_export("keras.layers")
class Dot(Merge):
    """The dot product of two inputs along given axes, per sample, as `keras.layers.Dot`.

    For inputs of shapes `(batch, n)` and `(batch, n)` with `axes=1` the output
    has shape `(batch, 1)`.

    Args:
        axes: an int or a pair of ints: the axis of each input to contract
            (the batch axis 0 cannot be used).
        normalize: L2-normalize the inputs along `axes` first, so the result
            is the cosine similarity.
    """

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(axes, int):
            if not isinstance(axes, (list, tuple)):
                raise TypeError(f"Invalid type for argument `axes`: it should be a list or an "
                                f"int. Received: axes={axes}")
            if len(axes) != 2:
                raise ValueError(f"Invalid format for argument `axes`: it should contain two "
                                 f"elements. Received: axes={axes}")
            if not isinstance(axes[0], int) or not isinstance(axes[1], int):
                raise ValueError(f"Invalid format for argument `axes`: list elements should be "
                                 f"integers. Received: axes={axes}")
        self.axes = list(axes) if isinstance(axes, tuple) else axes
        self.normalize = normalize
        self.supports_masking = True
        self._reshape_required = False

    def build(self, input_shape):
        if not _is_shape_list(input_shape) or len(input_shape) != 2:
            raise ValueError(f'A `Dot` layer ("{self.name}") should be called on a list of 2 '
                             f"inputs. Received: input_shape={input_shape}")
        s1, s2 = tuple(input_shape[0]), tuple(input_shape[1])
        if s1 is None or s2 is None:
            return
        axes = _dot_axes(self.axes, len(s1), len(s2))
        if s1[axes[0]] is not None and s2[axes[1]] is not None and s1[axes[0]] != s2[axes[1]]:
            raise ValueError(
                f'Layer "{self.name}" (Dot): incompatible input shapes: axis values '
                f"{s1[axes[0]]} (at axis {axes[0]}) != {s2[axes[1]]} (at axis {axes[1]}). "
                f"Full input shapes: {s1}, {s2}")
        self.built = True

    def _merge_function(self, inputs):
        if len(inputs) != 2:
            raise ValueError(f'A `Dot` layer ("{self.name}") should be called on exactly 2 '
                             f"inputs. Received: inputs={inputs}")
        x1, x2 = inputs
        axes = _dot_axes(self.axes, len(x1.shape), len(x2.shape))
        if 0 in axes:
            raise ValueError(f'Layer "{self.name}" (Dot): axes={self.axes} includes the batch '
                             "axis 0, which cannot be contracted.")
        if self.normalize:
            x1 = ts.nn.l2_normalize(x1, axis=axes[0])
            x2 = ts.nn.l2_normalize(x2, axis=axes[1])
        return _batch_dot(x1, x2, axes)

    def compute_output_shape(self, input_shape):
        if not _is_shape_list(input_shape) or len(input_shape) != 2:
            raise ValueError(f'A `Dot` layer ("{self.name}") should be called on a list of 2 '
                             f"inputs. Received: input_shape={input_shape}")
        s1, s2 = list(input_shape[0]), list(input_shape[1])
        axes = _dot_axes(self.axes, len(s1), len(s2))
        s1.pop(axes[0])
        s2.pop(axes[1])
        s2.pop(0)
        out = s1 + s2
        if len(out) == 1:
            out += [1]
        return tuple(out)

    def compute_mask(self, inputs, mask=None):
        return None

    def get_config(self):
        base = super().get_config()
        base.update({"axes": self.axes, "normalize": self.normalize})
        return base


def _functional(cls, inputs, kwargs):
    return cls(**kwargs)(inputs)


@keras_export("keras.layers")
def add(inputs, **kwargs):
    """Functional form of `Add`: `keras.layers.add([x1, x2])`."""
    return _functional(Add, inputs, kwargs)


@keras_export("keras.layers")
def subtract(inputs, **kwargs):
    """Functional form of `Subtract`: `keras.layers.subtract([x1, x2])`."""
    return _functional(Subtract, inputs, kwargs)


@keras_export("keras.layers")
def multiply(inputs, **kwargs):
    """Functional form of `Multiply`."""
    return _functional(Multiply, inputs, kwargs)


@keras_export("keras.layers")
def average(inputs, **kwargs):
    """Functional form of `Average`."""
    return _functional(Average, inputs, kwargs)


@keras_export("keras.layers")
def maximum(inputs, **kwargs):
    """Functional form of `Maximum`."""
    return _functional(Maximum, inputs, kwargs)


@keras_export("keras.layers")
def minimum(inputs, **kwargs):
    """Functional form of `Minimum`."""
    return _functional(Minimum, inputs, kwargs)


@keras_export("keras.layers")
def concatenate(inputs, axis=-1, **kwargs):
    """Functional form of `Concatenate`: `keras.layers.concatenate([x1, x2], axis=-1)`."""
    return Concatenate(axis=axis, **kwargs)(inputs)


@keras_export("keras.layers")
def dot(inputs, axes=-1, **kwargs):
    """Functional form of `Dot`: `keras.layers.dot([x1, x2], axes=1)`."""
    return Dot(axes=axes, **kwargs)(inputs)

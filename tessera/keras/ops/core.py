"""`keras.ops` core operations: dtypes and conversion, control flow, scatter and slicing."""
import numpy as np

import tessera as ts

from ...core import nest
from ...core.tensor import Tensor
from ..models.symbolic import KerasTensor
from .operation import keras_op, standardize_dtype, tensor

__all__ = ["cast", "saturate_cast", "convert_to_tensor", "convert_to_numpy", "shape", "dtype",
           "is_tensor", "stop_gradient", "cond", "switch", "fori_loop", "while_loop", "scan",
           "map", "vectorized_map", "scatter", "scatter_update", "slice", "slice_update",
           "unstack", "custom_gradient"]


@keras_op("core")
def cast(x, dtype):
    """`x` converted to `dtype`."""
    return tensor(x, standardize_dtype(dtype))


@keras_op("core")
def saturate_cast(x, dtype):
    """`x` converted to `dtype`, clipping values to the new dtype's range first."""
    x = tensor(x)
    dt = standardize_dtype(dtype)
    npd = ts.as_dtype(dt).as_numpy_dtype
    if np.dtype(npd).kind in "iu":
        info = np.iinfo(npd)
        lo, hi = float(info.min), float(info.max)
        if x._a.dtype.kind in "iu":
            src = np.iinfo(x._a.dtype)
            lo, hi = max(lo, src.min), min(hi, src.max)
            return ts.cast(ts.clip_by_value(x, ts.cast(lo, x.dtype), ts.cast(hi, x.dtype)), dt)
        return ts.cast(ts.clip_by_value(x, ts.cast(lo, x.dtype), ts.cast(hi, x.dtype)), dt)
    return ts.cast(x, dt)


def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    """Converts `x` (array, list, scalar, tensor) to a Tensor, of `dtype` if given."""
    if sparse:
        raise ValueError("keras.ops.convert_to_tensor: Tessera has no sparse tensors; pass "
                         "sparse=None or False.")
    if isinstance(x, KerasTensor):
        return x if dtype is None else cast(x, dtype)
    return tensor(x, None if dtype is None else standardize_dtype(dtype))


def convert_to_numpy(x):
    """`x` as a NumPy array."""
    if isinstance(x, KerasTensor):
        raise ValueError("keras.ops.convert_to_numpy: a symbolic KerasTensor has no value; "
                         "call the model on data to get numbers.")
    if isinstance(x, Tensor):
        return np.asarray(x.numpy())
    return np.asarray(x)


def shape(x):
    """The shape of `x` as a tuple (None for unknown dimensions of a KerasTensor)."""
    if isinstance(x, KerasTensor):
        return x.shape
    if hasattr(x, "shape") and not isinstance(x, (list, tuple)):
        return tuple(None if d is None else int(d) for d in x.shape)
    return tuple(np.shape(x))


def dtype(x):
    """The dtype name of `x` (e.g. `"float32"`)."""
    if isinstance(x, KerasTensor):
        return x.dtype
    return tensor(x).dtype.name


def is_tensor(x):
    """True for Tessera tensors (and variables); False for NumPy arrays and Python values."""
    return isinstance(x, Tensor)


@keras_op("core")
def stop_gradient(variable):
    """`variable`'s value, through which no gradient flows."""
    return ts.stop_gradient(tensor(variable))


def cond(pred, true_fn, false_fn):
    """`true_fn()` if `pred` holds, else `false_fn()` (evaluated eagerly)."""
    if isinstance(pred, KerasTensor):
        raise ValueError("keras.ops.cond: `pred` is a symbolic KerasTensor; use "
                         "keras.ops.where inside functional models.")
    return true_fn() if bool(np.asarray(pred)) else false_fn()


def switch(index, branches, *operands):
    """Calls `branches[index](*operands)` (the index is clamped to the valid range)."""
    i = int(np.clip(int(np.asarray(index)), 0, len(branches) - 1))
    return branches[i](*operands)


def fori_loop(lower, upper, body_fun, init_val):
    """`val = body_fun(i, val)` for `i` in `range(lower, upper)`; returns the final `val`."""
    val = init_val
    for i in range(int(np.asarray(lower)), int(np.asarray(upper))):
        val = body_fun(i, val)
    return val


def while_loop(cond, body, loop_vars, maximum_iterations=None):
    """Runs `loop_vars = body(*loop_vars)` while `cond(*loop_vars)` holds.

    `loop_vars` is a tuple/list (unpacked into the calls) or a single value.
    """
    is_tuple = isinstance(loop_vars, (tuple, list))
    vals = tuple(loop_vars) if is_tuple else (loop_vars,)
    n = 0
    while (maximum_iterations is None or n < maximum_iterations) and \
            bool(np.asarray(cond(*vals))):
        out = body(*vals)
        vals = tuple(out) if is_tuple else (out,)
        if len(vals) != (len(loop_vars) if is_tuple else 1):
            raise ValueError("keras.ops.while_loop: `body` must return as many values as "
                             f"`loop_vars` has ({len(loop_vars) if is_tuple else 1}), got "
                             f"{len(vals)}.")
        n += 1
    return type(loop_vars)(vals) if is_tuple else vals[0]


def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    """Loops `carry, y = f(carry, x)` over the leading axis of `xs`.

    Returns `(final carry, ys stacked along a new leading axis)`.
    """
    if xs is None:
        if length is None:
            raise ValueError("keras.ops.scan: give `xs` or `length`.")
        n = int(length)
        items = [None] * n
    else:
        flat = [tensor(x) for x in nest.flatten(xs)]
        n = int(flat[0].shape[0]) if length is None else int(length)
        items = [nest.pack_sequence_as(xs, [x[i] for x in flat]) for i in range(n)]
    order = range(n - 1, -1, -1) if reverse else range(n)
    carry, ys = init, [None] * n
    for i in order:
        carry, y = f(carry, items[i])
        ys[i] = y
    if n == 0 or ys[0] is None:
        return carry, None
    flat_ys = [nest.flatten(y) for y in ys]
    stacked = [ts.stack([tensor(fy[j]) for fy in flat_ys], axis=0)
               for j in range(len(flat_ys[0]))]
    return carry, nest.pack_sequence_as(ys[0], stacked)


def map(f, xs):
    """Applies `f` to each slice of `xs` along the leading axis and stacks the results."""
    return scan(lambda c, x: (c, f(x)), None, xs)[1]


def vectorized_map(function, elements):
    """`function` mapped over the leading axis of `elements` (a loop, stacked)."""
    return map(function, elements)


@keras_op("core", tensors=("indices", "values"))
def scatter(indices, values, shape):
    """A zero tensor of `shape` with `values` added at `indices` (duplicates accumulate)."""
    values = tensor(values)
    idx = np.asarray(tensor(indices)).astype(np.int64)
    return ts.scatter_nd(idx, values, [int(d) for d in shape])


@keras_op("core", tensors=("inputs", "indices", "updates"))
def scatter_update(inputs, indices, updates):
    """`inputs` with the entries (or slices) at `indices` replaced by `updates`."""
    inputs = tensor(inputs)
    updates = tensor(updates, inputs.dtype.name)
    idx = np.asarray(tensor(indices)).astype(np.int64)
    return ts.tensor_scatter_nd_update(inputs, idx, updates)


@keras_op("core", tensors=("inputs",))
def slice(inputs, start_indices, shape):
    """The block of `inputs` of size `shape` starting at `start_indices`."""
    start = [int(s) for s in np.asarray(tensor(start_indices) if isinstance(start_indices, Tensor)
                                        else start_indices).tolist()]
    return ts.slice(tensor(inputs), start, [int(s) for s in shape])


@keras_op("core", tensors=("inputs", "updates"))
def slice_update(inputs, start_indices, updates):
    """`inputs` with the block starting at `start_indices` replaced by `updates`."""
    inputs = tensor(inputs)
    updates = tensor(updates, inputs.dtype.name)
    start = [int(s) for s in np.asarray(start_indices).tolist()]
    full, part = tuple(inputs.shape), tuple(updates.shape)
    pads = [[s, f - s - p] for s, f, p in zip(start, full, part)]
    if any(a < 0 or b < 0 for a, b in pads):
        raise ValueError(f"keras.ops.slice_update: updates of shape {part} starting at "
                         f"{start} do not fit in inputs of shape {full}.")
    mask = np.zeros(full, dtype=bool)
    mask[tuple(np.s_[s:s + p] for s, p in zip(start, part))] = True
    return ts.where(ts.convert_to_tensor(mask), ts.pad(updates, pads), inputs)


@keras_op("core")
def unstack(x, num=None, axis=0):
    """Splits `x` along `axis` into a list of tensors."""
    x = tensor(x)
    return list(ts.unstack(x, num=num, axis=axis))


def custom_gradient(f):
    """Decorator: `f` returns `(output, grad_fn)`; as `ts.custom_gradient`."""
    return ts.custom_gradient(f)

"""`keras.ops` NumPy-style operations, part 2: creation, shapes, joining, indexing, sorting."""
import builtins

import numpy as np

import tessera as ts

from .. import config as _config
from ..models.symbolic import KerasTensor
from .operation import keras_op, promote, standardize_dtype, tensor

__all__ = []


def _export(fn):
    __all__.append(fn.__name__)
    return fn


def _shape(shape):
    if isinstance(shape, (int, np.integer)):
        return [int(shape)]
    return [int(d) for d in (np.asarray(shape).tolist() if hasattr(shape, "_a") else shape)]


def _scalar_dtype(v):
    if isinstance(v, (bool, np.bool_)):
        return "bool"
    if isinstance(v, (int, np.integer)) and not isinstance(v, np.generic):
        return "int32"
    if isinstance(v, float):
        return _config.floatx()
    return tensor(v).dtype.name


# -- creation -----------------------------------------------------------------------------------
@_export
def zeros(shape, dtype=None):
    """A tensor of `shape` filled with zeros (dtype defaults to floatx)."""
    return ts.zeros(_shape(shape), dtype=standardize_dtype(dtype))


@_export
def ones(shape, dtype=None):
    """A tensor of `shape` filled with ones (dtype defaults to floatx)."""
    return ts.ones(_shape(shape), dtype=standardize_dtype(dtype))


@_export
def empty(shape, dtype=None):
    """A tensor of `shape` (filled with zeros: Tessera never hands out uninitialised memory)."""
    return zeros(shape, dtype)


@_export
@keras_op("numpy", tensors=("fill_value",))
def full(shape, fill_value, dtype=None):
    """A tensor of `shape` filled with `fill_value` (dtype inferred from it by default)."""
    dt = standardize_dtype(dtype) if dtype is not None else _scalar_dtype(fill_value)
    v = tensor(fill_value, dt)
    return ts.broadcast_to(v, _shape(shape))


@_export
@keras_op("numpy", tensors=("x", "fill_value"))
def full_like(x, fill_value, dtype=None):
    """A tensor shaped like `x` filled with `fill_value` (dtype of `x` by default)."""
    x = tensor(x)
    dt = standardize_dtype(dtype) if dtype is not None else x.dtype.name
    return ts.broadcast_to(tensor(fill_value, dt), tuple(x.shape))


@_export
@keras_op("numpy")
def zeros_like(x, dtype=None):
    """Zeros shaped like `x` (dtype of `x` by default)."""
    x = tensor(x)
    return ts.zeros_like(x, dtype=None if dtype is None else standardize_dtype(dtype))


@_export
@keras_op("numpy")
def ones_like(x, dtype=None):
    """Ones shaped like `x` (dtype of `x` by default)."""
    x = tensor(x)
    return ts.ones_like(x, dtype=None if dtype is None else standardize_dtype(dtype))


@_export
def eye(N, M=None, k=0, dtype=None):
    """A 2-D tensor with ones on the `k`-th diagonal (dtype defaults to floatx)."""
    return ts.convert_to_tensor(np.eye(int(N), None if M is None else int(M), k=int(k),
                                       dtype=ts.as_dtype(standardize_dtype(dtype)).as_numpy_dtype))


@_export
def identity(n, dtype=None):
    """The `n x n` identity matrix (dtype defaults to floatx)."""
    return eye(n, dtype=dtype)


@_export
def tri(N, M=None, k=0, dtype=None):
    """Ones at and below the `k`-th diagonal, zeros above (dtype defaults to floatx)."""
    return ts.convert_to_tensor(np.tri(int(N), None if M is None else int(M), k=int(k),
                                       dtype=ts.as_dtype(standardize_dtype(dtype)).as_numpy_dtype))


@_export
def arange(start, stop=None, step=1, dtype=None):
    """Evenly spaced values in `[start, stop)`; ints give int32, floats floatx by default."""
    if dtype is None:
        kinds = [type(v) for v in (start, stop, step) if v is not None]
        dtype = _config.floatx() if float in kinds or builtins.any(
            isinstance(v, (np.floating, float)) for v in (start, stop, step)) else "int32"
    dtype = standardize_dtype(dtype)
    if stop is None:
        start, stop = 0, start
    return ts.convert_to_tensor(np.arange(start, stop, step).astype(
        ts.as_dtype(dtype).as_numpy_dtype))


@_export
def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    """`num` evenly spaced values from `start` to `stop` (floatx by default)."""
    out, step = np.linspace(np.asarray(start), np.asarray(stop), int(num), endpoint=endpoint,
                            retstep=True, axis=axis)
    dt = ts.as_dtype(standardize_dtype(dtype)).as_numpy_dtype
    out = ts.convert_to_tensor(out.astype(dt))
    return (out, ts.convert_to_tensor(np.asarray(step).astype(dt))) if retstep else out


@_export
def logspace(start, stop, num=50, endpoint=True, base=10, dtype=None, axis=0):
    """`num` values spaced evenly on a log scale, `base**start` to `base**stop`."""
    out = np.logspace(np.asarray(start), np.asarray(stop), int(num), endpoint=endpoint,
                      base=base, axis=axis)
    return ts.convert_to_tensor(out.astype(ts.as_dtype(standardize_dtype(dtype)).as_numpy_dtype))


@_export
@keras_op("numpy")
def array(x, dtype=None):
    """A tensor holding `x` (converted to `dtype` if given)."""
    return tensor(x, dtype)


@_export
@keras_op("numpy")
def copy(x):
    """A copy of `x`."""
    return ts.identity(tensor(x))


@_export
@keras_op("numpy", tensors=("xs",))
def meshgrid(*x, indexing="xy"):
    """Coordinate grids from 1-D tensors; `indexing` is "xy" (Cartesian) or "ij" (matrix)."""
    if indexing not in ("xy", "ij"):
        raise ValueError(f"keras.ops.meshgrid: indexing must be 'xy' or 'ij', got {indexing!r}.")
    return list(ts.meshgrid(*promote(*x), indexing=indexing)) if len(x) > 1 else \
        [tensor(x[0])]


# -- shapes -------------------------------------------------------------------------------------
def _reshape_spec(x, newshape):
    new = _shape(newshape)
    known = [d for d in x.shape]
    if -1 in new:
        if None in known:
            new = [None if d == -1 else d for d in new]
        else:
            rest = int(np.prod([d for d in new if d != -1]))
            total = int(np.prod(known))
            if rest == 0 or total % rest:
                raise ValueError(f"keras.ops.reshape: cannot reshape shape {x.shape} into "
                                 f"{tuple(newshape)}.")
            new = [total // rest if d == -1 else d for d in new]
    return KerasTensor(tuple(new), x.dtype)


@_export
@keras_op("numpy", spec=_reshape_spec)
def reshape(x, newshape):
    """Gives `x` a new shape (one dimension may be -1)."""
    return ts.reshape(tensor(x), _shape(newshape))


@_export
@keras_op("numpy")
def ravel(x):
    """`x` flattened to 1-D."""
    return ts.reshape(tensor(x), [-1])


@_export
@keras_op("numpy")
def broadcast_to(x, shape):
    """Broadcasts `x` to `shape`."""
    return ts.broadcast_to(tensor(x), _shape(shape))


@_export
@keras_op("numpy")
def expand_dims(x, axis):
    """Inserts length-1 axes at `axis` (an int or a tuple of ints)."""
    x = tensor(x)
    if isinstance(axis, (list, tuple)):
        n = x.shape.rank + len(axis)
        ax = sorted(a % n for a in axis)
        shape = list(x.shape)
        for a in ax:
            shape.insert(a, 1)
        return ts.reshape(x, shape)
    return ts.expand_dims(x, int(axis))


@_export
@keras_op("numpy")
def squeeze(x, axis=None):
    """Removes length-1 axes (all of them, or those in `axis`)."""
    x = tensor(x)
    if axis is None:
        return ts.squeeze(x)
    return ts.squeeze(x, axis=list(axis) if isinstance(axis, (list, tuple)) else [int(axis)])


@_export
@keras_op("numpy")
def transpose(x, axes=None):
    """Permutes the axes (reverses them by default)."""
    return ts.transpose(tensor(x), perm=None if axes is None else list(axes))


@_export
@keras_op("numpy")
def moveaxis(x, source, destination):
    """Moves axes `source` to positions `destination` (ints or sequences)."""
    x = tensor(x)
    n = x.shape.rank
    src = [s % n for s in (source if isinstance(source, (list, tuple)) else [source])]
    dst = [d % n for d in (destination if isinstance(destination, (list, tuple))
                           else [destination])]
    if len(src) != len(dst):
        raise ValueError("keras.ops.moveaxis: `source` and `destination` must have the same "
                         f"number of elements, got {source!r} and {destination!r}.")
    order = [i for i in builtins.range(n) if i not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return ts.transpose(x, order)


@_export
@keras_op("numpy")
def swapaxes(x, axis1, axis2):
    """Interchanges two axes."""
    x = tensor(x)
    perm = list(builtins.range(x.shape.rank))
    a, b = axis1 % len(perm), axis2 % len(perm)
    perm[a], perm[b] = perm[b], perm[a]
    return ts.transpose(x, perm)


@_export
@keras_op("numpy")
def flip(x, axis=None):
    """Reverses the order of elements along `axis` (all axes by default)."""
    x = tensor(x)
    n = x.shape.rank
    ax = list(builtins.range(n)) if axis is None else \
        [a % n for a in (axis if isinstance(axis, (list, tuple)) else [axis])]
    return ts.reverse(x, ax) if ax else x


@_export
@keras_op("numpy")
def roll(x, shift, axis=None):
    """Rolls elements by `shift` along `axis` (over the flattened tensor when None)."""
    x = tensor(x)
    if axis is None:
        return ts.reshape(ts.roll(ts.reshape(x, [-1]), shift, 0), tuple(x.shape))
    return ts.roll(x, shift, axis)


@_export
@keras_op("numpy")
def tile(x, repeats):
    """Repeats `x` `repeats` times along each axis (NumPy's rules for rank differences)."""
    x = tensor(x)
    reps = [int(r) for r in (repeats if isinstance(repeats, (list, tuple)) else [repeats])]
    n = builtins.max(len(reps), x.shape.rank)
    if x.shape.rank < n:
        x = ts.reshape(x, [1] * (n - x.shape.rank) + list(x.shape))
    reps = [1] * (n - len(reps)) + reps
    return ts.tile(x, reps)


@_export
@keras_op("numpy", tensors=("x", "repeats"))
def repeat(x, repeats, axis=None):
    """Repeats each element `repeats` times (over the flattened tensor when axis is None)."""
    x = tensor(x)
    if axis is None:
        x, axis = ts.reshape(x, [-1]), 0
    return ts.repeat(x, repeats, axis=int(axis))


@_export
@keras_op("numpy")
def pad(x, pad_width, mode="constant", constant_values=None):
    """Pads `x`; `pad_width` is an int, a `(before, after)` pair, or one pair per axis.

    Modes "constant", "reflect" and "symmetric" are supported.
    """
    x = tensor(x)
    modes = {"constant": "CONSTANT", "reflect": "REFLECT", "symmetric": "SYMMETRIC"}
    if mode not in modes:
        raise ValueError(f"keras.ops.pad: mode must be one of {sorted(modes)}, got {mode!r}.")
    if constant_values is not None and mode != "constant":
        raise ValueError("keras.ops.pad: `constant_values` only applies with mode='constant', "
                         f"got mode={mode!r}.")
    pw = np.broadcast_to(np.asarray(pad_width, dtype=np.int64), (x.shape.rank, 2)).tolist()
    return ts.pad(x, pw, mode=modes[mode], constant_values=0 if constant_values is None
                  else constant_values)


# -- joining and splitting ----------------------------------------------------------------------
@_export
@keras_op("numpy", tensors=("xs",))
def concatenate(xs, axis=0):
    """Joins tensors along an existing axis."""
    ts_ = promote(*xs)
    if axis is None:
        ts_, axis = [ts.reshape(t, [-1]) for t in ts_], 0
    return ts.concat(ts_, axis=int(axis))


@_export
@keras_op("numpy", tensors=("x1", "x2"))
def append(x1, x2, axis=None):
    """`x2` appended to `x1` along `axis` (both flattened when None)."""
    return concatenate([x1, x2], axis=axis)


@_export
@keras_op("numpy")
def stack(x, axis=0):
    """Joins tensors along a new axis."""
    return ts.stack(promote(*x), axis=int(axis))


@_export
@keras_op("numpy")
def hstack(xs):
    """Stacks horizontally: along axis 1 (axis 0 for 1-D tensors)."""
    ts_ = promote(*xs)
    return ts.concat(ts_, axis=0 if ts_[0].shape.rank == 1 else 1)


@_export
@keras_op("numpy")
def vstack(xs):
    """Stacks vertically: along axis 0 (1-D tensors become rows)."""
    ts_ = [t if t.shape.rank > 1 else ts.reshape(t, [1, -1]) for t in promote(*xs)]
    return ts.concat(ts_, axis=0)


@_export
@keras_op("numpy")
def split(x, indices_or_sections, axis=0):
    """Splits `x` into equal sections (an int) or at the given indices (a list)."""
    x = tensor(x)
    n = tuple(x.shape)[axis]
    if isinstance(indices_or_sections, (int, np.integer)):
        k = int(indices_or_sections)
        if n % k:
            raise ValueError(f"keras.ops.split: axis {axis} of length {n} cannot be split into "
                             f"{k} equal sections; pass a list of split indices instead.")
        return list(ts.split(x, k, axis=axis))
    bounds = [0] + [int(i) for i in indices_or_sections] + [n]
    sizes = [builtins.max(0, builtins.min(b, n) - builtins.min(a, n))
             for a, b in zip(bounds[:-1], bounds[1:])]
    return list(ts.split(x, sizes, axis=axis))


# -- indexing -----------------------------------------------------------------------------------
def _key_value(k):
    if isinstance(k, tuple):
        return tuple(_key_value(v) for v in k)
    return k


@_export
@keras_op("numpy")
def get_item(x, key):
    """`x[key]`: NumPy basic and advanced indexing."""
    return tensor(x)[_key_value(key)]


@_export
@keras_op("numpy", tensors=("x", "indices"))
def take(x, indices, axis=None):
    """Elements of `x` at `indices` along `axis` (of the flattened tensor when None)."""
    x = tensor(x)
    if axis is None:
        x, axis = ts.reshape(x, [-1]), 0
    idx = np.asarray(tensor(indices)).astype(np.int64)
    n = tuple(x.shape)[axis]
    idx = np.where(idx < 0, idx + n, idx)
    return ts.gather(x, idx, axis=int(axis))


@_export
@keras_op("numpy", tensors=("x", "indices"))
def take_along_axis(x, indices, axis=None):
    """Picks values from `x` at `indices` along `axis` (indices broadcast on other axes)."""
    x = tensor(x)
    idx = np.asarray(tensor(indices)).astype(np.int64)
    if axis is None:
        x, axis = ts.reshape(x, [-1]), 0
    nd = x.shape.rank
    axis = axis % nd
    xs, ishape = list(x.shape), list(idx.shape)
    xo = xs[:axis] + xs[axis + 1:]
    io = ishape[:axis] + ishape[axis + 1:]
    other = list(np.broadcast_shapes(tuple(xo), tuple(io)))
    xt = other[:axis] + [xs[axis]] + other[axis:]
    if xt != xs:
        x = ts.broadcast_to(x, xt)
    idx = np.broadcast_to(idx, other[:axis] + [ishape[axis]] + other[axis:])
    idx = np.where(idx < 0, idx + xs[axis], idx)
    grid = list(np.ogrid[tuple(builtins.slice(0, d) for d in idx.shape)])
    grid[axis] = idx
    return x[tuple(grid)]


@_export
@keras_op("numpy", tensors=("condition", "x1", "x2"))
def where(condition, x1=None, x2=None):
    """Elements of `x1` where `condition` holds, else of `x2`; alone, `nonzero(condition)`."""
    if x1 is None and x2 is None:
        return nonzero(condition)
    if x1 is None or x2 is None:
        raise ValueError("keras.ops.where: `x1` and `x2` must be given together (or neither).")
    c = ts.cast(tensor(condition), "bool")
    a, b = promote(x1, x2)
    shape = np.broadcast_shapes(tuple(c.shape), tuple(a.shape), tuple(b.shape))
    return ts.where(ts.broadcast_to(c, shape), ts.broadcast_to(a, shape),
                    ts.broadcast_to(b, shape))


def _nonzero_spec(x):
    return tuple(KerasTensor((None,), "int32") for _ in builtins.range(len(x.shape)))


@_export
@keras_op("numpy", spec=_nonzero_spec)
def nonzero(x):
    """A tuple of int32 index tensors, one per axis, of the non-zero elements."""
    return tuple(ts.convert_to_tensor(i.astype(np.int32)) for i in np.nonzero(np.asarray(
        tensor(x))))


@_export
@keras_op("numpy")
def diag(x, k=0):
    """A 1-D `x` on the `k`-th diagonal of a square matrix, or the `k`-th diagonal of a 2-D `x`."""
    x = tensor(x)
    if x.shape.rank == 1:
        n = tuple(x.shape)[0] + builtins.abs(k)
        rows = np.arange(tuple(x.shape)[0]) + builtins.max(-k, 0)
        cols = rows + k
        z = ts.zeros([n, n], dtype=x.dtype)
        return ts.tensor_scatter_nd_update(z, np.stack([rows, cols], axis=1), x)
    if x.shape.rank != 2:
        raise ValueError(f"keras.ops.diag: x must be 1-D or 2-D, got shape {tuple(x.shape)}.")
    return diagonal(x, offset=k)


@_export
@keras_op("numpy")
def diagonal(x, offset=0, axis1=0, axis2=1):
    """The `offset` diagonal over axes `axis1`, `axis2` (placed last, as NumPy does)."""
    x = tensor(x)
    nd = x.shape.rank
    a1, a2 = axis1 % nd, axis2 % nd
    perm = [i for i in builtins.range(nd) if i not in (a1, a2)] + [a1, a2]
    xt = ts.transpose(x, perm)
    n, m = tuple(xt.shape)[-2:]
    rows = np.arange(builtins.max(0, -offset), n)
    cols = rows + offset
    ok = (cols >= 0) & (cols < m)
    rows, cols = rows[ok], cols[ok]
    return xt[(Ellipsis, rows, cols)]


@_export
@keras_op("numpy")
def trace(x, offset=0, axis1=0, axis2=1):
    """Sum along the `offset` diagonal over axes `axis1`, `axis2`."""
    d = diagonal(x, offset=offset, axis1=axis1, axis2=axis2)
    d = ts.cast(d, "int32") if d.dtype.name in ("bool", "int8", "int16") else d
    return ts.reduce_sum(d, axis=-1)


def _band(x, k, lower):
    x = tensor(x)
    n, m = tuple(x.shape)[-2:]
    mask = np.tri(n, m, k=k, dtype=bool) if lower else ~np.tri(n, m, k=k - 1, dtype=bool)
    return ts.where(ts.broadcast_to(ts.convert_to_tensor(mask), tuple(x.shape)), x,
                    ts.zeros_like(x))


@_export
@keras_op("numpy")
def tril(x, k=0):
    """The lower triangle of (the last two axes of) `x`: zeros above the `k`-th diagonal."""
    return _band(x, k, True)


@_export
@keras_op("numpy")
def triu(x, k=0):
    """The upper triangle of (the last two axes of) `x`: zeros below the `k`-th diagonal."""
    return _band(x, k, False)


@_export
@keras_op("numpy")
def diff(a, n=1, axis=-1):
    """The `n`-th discrete difference along `axis`."""
    a = tensor(a)
    if a._a.dtype.kind == "b":
        out = a
        for _ in builtins.range(n):
            hi = _slice_axis(out, axis, 1, None)
            lo = _slice_axis(out, axis, 0, -1)
            out = ts.not_equal(hi, lo)
        return out
    for _ in builtins.range(n):
        a = _slice_axis(a, axis, 1, None) - _slice_axis(a, axis, 0, -1)
    return a


def _slice_axis(x, axis, start, stop):
    key = [builtins.slice(None)] * x.shape.rank
    key[axis] = builtins.slice(start, stop)
    return x[tuple(key)]


# -- sorting ------------------------------------------------------------------------------------
@_export
@keras_op("numpy")
def sort(x, axis=-1):
    """Sorted copy of `x` along `axis` (ascending)."""
    x = tensor(x)
    if axis is None:
        x, axis = ts.reshape(x, [-1]), -1
    if x._a.dtype.kind == "b":
        return ts.cast(ts.sort(ts.cast(x, "int32"), axis=axis), "bool")
    return ts.sort(x, axis=axis)


@_export
@keras_op("numpy")
def argsort(x, axis=-1):
    """Indices (int32) that sort `x` along `axis` (stable, ascending)."""
    x = tensor(x)
    if axis is None:
        x, axis = ts.reshape(x, [-1]), -1
    a = np.asarray(x)
    return ts.convert_to_tensor(np.argsort(a, axis=axis, kind="stable").astype(np.int32))

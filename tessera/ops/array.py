"""Array manipulation: reshape, transpose, concat, split, stack, tile, pad, slices, where...

Gather/scatter ops and `Tensor.__getitem__` live in `ops/indexing.py`.
"""
import builtins

import numpy as np

from ..backend import xp as _xp
from ..core import errors as _errors
from ..core.tensor import overload
from ._common import Primitive, Tensor, _wrap, norm_axis, t, xp_of

_pyslice = builtins.slice


def _reshape_fwd(a, shape=None):
    return a.reshape(shape)


_reshape = Primitive("Reshape")
_reshape._fwd = _reshape_fwd
_reshape._grad = lambda g, out, x, shape=None: reshape(g, x._a.shape)


def reshape(tensor, shape, name=None):
    """Gives `tensor` a new shape with the same elements; one dimension may be -1.

    Example:
    >>> ts.reshape(ts.range(6), [2, -1]).shape
    TensorShape([2, 3])
    """
    x = t(tensor)
    if isinstance(shape, Tensor):
        shape = _xp.to_numpy(shape._a).tolist()
    if isinstance(shape, (int, np.integer)):
        shape = (int(shape),)
    shape = tuple(-1 if d is None else int(d) for d in shape)
    n = x._a.size
    known = 1
    for d in shape:
        if d != -1:
            known *= d
    if shape.count(-1) > 1 or (shape.count(-1) == 0 and known != n) or (
            shape.count(-1) == 1 and (known == 0 or n % known)):
        raise _errors.InvalidArgumentError(
            None, "Reshape",
            f"reshape: cannot reshape a tensor of shape {tuple(x._a.shape)} ({n} elements) "
            f"into shape {list(shape)}: the element counts differ. Use -1 for the one "
            "dimension to infer.")
    return _reshape(x, shape=shape)


def _stack_fwd(*arrays, axis=0):
    return xp_of(arrays[0]).stack(arrays, axis=axis)


def _stack_grad(g, out, *xs, axis=0):
    return unstack(g, axis=axis)


_stack = Primitive("Pack")
_stack._fwd = _stack_fwd
_stack._grad = _stack_grad


def stack(values, axis=0, name="stack"):
    """Stacks tensors of one shape along a new axis, as `tf.stack`."""
    vals = [t(v) for v in values]
    if not vals:
        raise _errors.InvalidArgumentError(None, "Pack", "stack: needs at least one tensor.")
    shapes = {tuple(v._a.shape) for v in vals}
    if len(shapes) > 1:
        raise _errors.InvalidArgumentError(
            None, "Pack", f"stack: all tensors must have the same shape, got {sorted(shapes)}.")
    dts = {v._a.dtype for v in vals}
    if len(dts) > 1:
        raise _errors.InvalidArgumentError(
            None, "Pack", f"stack: all tensors must have the same dtype, got {sorted(str(d) for d in dts)}. "
            "Cast them to one dtype with ts.cast.")
    nd = vals[0]._a.ndim + 1
    ax = norm_axis(axis, nd, "stack")[0]
    return _stack(*vals, axis=ax)


def _unstack_fwd(a, axis=0, num=None):
    return tuple(xp_of(a).moveaxis(a, axis, 0))


class _Unstack(Primitive):
    __slots__ = ()


def unstack(value, num=None, axis=0, name="unstack"):
    """Splits `value` along `axis` into a list of tensors, as `tf.unstack`."""
    x = t(value)
    if x._a.ndim == 0:
        raise _errors.InvalidArgumentError(None, "Unpack", "unstack: cannot unstack a scalar.")
    ax = norm_axis(axis, x._a.ndim, "unstack")[0]
    n = x._a.shape[ax]
    if num is not None and num != n:
        raise _errors.InvalidArgumentError(None, "Unpack", f"unstack: num={num} but axis {axis} has {n} elements.")
    if n == 1:
        return [_squeeze_axis(x, ax)]
    prim = _UNSTACK.get(n)
    if prim is None:
        prim = _UNSTACK[n] = Primitive(f"Unpack{n}", n_out=n, register=False)
        prim._fwd = _unstack_fwd
        prim._grad = lambda gs, outs, x, axis=0, num=None: stack(gs, axis=axis)
    return list(prim(x, axis=ax))


_UNSTACK = {}


def _squeeze_axis(x, ax):
    shape = list(x._a.shape)
    del shape[ax]
    return reshape(x, shape)


def _where_fwd(c, x, y):
    return xp_of(x).where(c, x, y)


def _where_grad(g, out, c, x, y):
    from .creation import zeros_like
    z = zeros_like(g)
    return None, where(c, g, z), where(c, z, g)


_where3 = Primitive("SelectV2")
_where3._fwd = _where_fwd
_where3._grad = _where_grad


def where(condition, x=None, y=None, name=None):
    """Elements of `x` where `condition` is true, else of `y` (broadcasting), as `tf.where`.

    With only `condition`, returns the coordinates of its true elements as an
    int64 tensor of shape `(num_true, rank)`.
    """
    c = t(condition)
    if x is None and y is None:
        a = c._a
        return _wrap(xp_of(a).argwhere(a).astype(np.int64))
    if x is None or y is None:
        raise ValueError("where: give both x and y, or neither.")
    if c._a.dtype != np.bool_:
        raise _errors.InvalidArgumentError(
            None, "SelectV2", f"where: condition must be bool, got {c.dtype.name}. "
            "Compare first, e.g. ts.where(x > 0, ...).")
    from ._common import coerce_pair
    x, y, xa, ya = coerce_pair("SelectV2", x, y)
    x = x if isinstance(x, Tensor) else _wrap(xa)
    y = y if isinstance(y, Tensor) else _wrap(ya)
    return _where3(c, x, y)



# ---------------------------------------------------------------------------
# Argument helpers
# ---------------------------------------------------------------------------
def _err(op, msg):
    return _errors.InvalidArgumentError(None, op, msg)


def _ints(v, op, what):
    """A static list of ints from an int, list, NumPy array or integer Tensor."""
    if isinstance(v, Tensor):
        if v._a.dtype.kind not in "iu":
            raise _err(op, f"{op}: {what} must be integers, got a {v.dtype.name} tensor.")
        v = _xp.to_numpy(v._a).tolist()
    elif isinstance(v, np.ndarray):
        if v.size and v.dtype.kind not in "iu":
            raise _err(op, f"{op}: {what} must be integers, got dtype {v.dtype}.")
        v = v.tolist()
    if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
        return [int(v)]
    try:
        out = []
        for d in v:
            if isinstance(d, (list, tuple)):
                out.append(_ints(d, op, what))
            elif isinstance(d, bool) or not isinstance(d, (int, np.integer)):
                raise TypeError
            else:
                out.append(int(d))
        return out
    except TypeError:
        raise _err(op, f"{op}: {what} must be an int or a list of ints, got {v!r}.") from None


def _inverse_perm(perm):
    inv = [0] * len(perm)
    for i, p in enumerate(perm):
        inv[p] = i
    return tuple(inv)


# ---------------------------------------------------------------------------
# transpose, expand_dims, squeeze
# ---------------------------------------------------------------------------
def _transpose_fwd(a, perm=None, conjugate=False):
    out = a.transpose(perm)
    return out.conj() if conjugate else out


_transpose = Primitive("Transpose")
_transpose._fwd = _transpose_fwd
_transpose._grad = lambda g, out, x, perm=None, conjugate=False: _transpose(
    g, perm=_inverse_perm(perm), conjugate=conjugate)


def transpose(a, perm=None, conjugate=False, name="transpose"):
    """Permutes the axes of `a`: output axis i is input axis `perm[i]`, as `tf.transpose`.

    Args:
        a: a tensor.
        perm: a permutation of `range(rank)`; default reverses the axes.
        conjugate: also conjugate complex values (a conjugate transpose).

    Example:
    >>> ts.transpose(ts.zeros([2, 3, 4]), perm=[0, 2, 1]).shape
    TensorShape([2, 4, 3])
    """
    x = t(a)
    nd = x._a.ndim
    p = tuple(range(nd - 1, -1, -1)) if perm is None else tuple(_ints(perm, "Transpose", "perm"))
    if sorted(d % nd if nd and -nd <= d < nd else d for d in p) != list(range(nd)):
        raise _err("Transpose", f"transpose: perm {list(p)} is not a permutation of the "
                   f"{nd} axes of a tensor of shape {tuple(x._a.shape)}; give each of "
                   f"0..{nd - 1} exactly once.")
    p = tuple(d % nd for d in p)
    return _transpose(x, perm=p, conjugate=bool(conjugate) and x._a.dtype.kind == "c")


def expand_dims(input, axis, name=None):
    """Inserts an axis of length 1 at position `axis`, as `tf.expand_dims`.

    Args:
        input: a tensor.
        axis: an int in `[-rank - 1, rank]`; negative counts from the end.

    Example:
    >>> ts.expand_dims(ts.zeros([2, 3]), -1).shape
    TensorShape([2, 3, 1])
    """
    x = t(input)
    ax = _ints(axis, "ExpandDims", "axis")
    nd = x._a.ndim
    if len(ax) != 1 or not -nd - 1 <= ax[0] <= nd:
        raise _err("ExpandDims", f"expand_dims: axis {axis!r} is out of range for a tensor of "
                   f"rank {nd} (valid: a single int from {-nd - 1} to {nd}).")
    a = ax[0] + nd + 1 if ax[0] < 0 else ax[0]
    shape = list(x._a.shape)
    shape.insert(a, 1)
    return reshape(x, shape)


def squeeze(input, axis=None, name=None):
    """Removes axes of length 1 (all of them, or those in `axis`), as `tf.squeeze`.

    Example:
    >>> ts.squeeze(ts.zeros([1, 2, 1, 3]), axis=[0]).shape
    TensorShape([2, 1, 3])
    """
    x = t(input)
    shape = x._a.shape
    if axis is None:
        axes = [i for i, d in enumerate(shape) if d == 1]
    else:
        axes = norm_axis(_ints(axis, "Squeeze", "axis"), len(shape), "squeeze")
        for i in axes:
            if shape[i] != 1:
                raise _err("Squeeze", f"squeeze: cannot squeeze axis {i} of a tensor of shape "
                           f"{tuple(shape)}: it has length {shape[i]}, not 1.")
    return reshape(x, [d for i, d in enumerate(shape) if i not in axes])


# ---------------------------------------------------------------------------
# concat and split
# ---------------------------------------------------------------------------
def _concat_fwd(*arrays, axis=0):
    return xp_of(arrays[0]).concatenate(arrays, axis=axis)


_concat = Primitive("ConcatV2")
_concat._fwd = _concat_fwd
_concat._grad = lambda g, out, *xs, axis=0: _split_sizes(g, [x._a.shape[axis] for x in xs], axis)


def concat(values, axis, name="concat"):
    """Joins tensors along an existing axis, as `tf.concat`.

    All tensors need the same dtype and rank, and equal lengths on every other axis.

    Example:
    >>> ts.concat([ts.zeros([2, 3]), ts.ones([2, 1])], axis=1).shape
    TensorShape([2, 4])
    """
    if isinstance(values, Tensor):
        values = unstack(values)
    vals = [t(v) for v in values]
    if not vals:
        raise _err("ConcatV2", "concat: needs at least one tensor.")
    nd = vals[0]._a.ndim
    if nd == 0:
        raise _err("ConcatV2", "concat: cannot concatenate scalars; use ts.stack to make a vector.")
    ax = norm_axis(_ints(axis, "ConcatV2", "axis"), nd, "concat")[0]
    s0, d0 = vals[0]._a.shape, vals[0]._a.dtype
    for i, v in enumerate(vals[1:], 1):
        s = v._a.shape
        if v._a.dtype != d0:
            raise _err("ConcatV2", f"concat: tensor {i} has dtype {v.dtype.name} but tensor 0 has "
                       f"{vals[0].dtype.name}; cast them to one dtype with ts.cast.")
        if len(s) != nd or any(a != b for j, (a, b) in enumerate(zip(s, s0)) if j != ax):
            raise _err("ConcatV2", f"concat: tensor {i} has shape {tuple(s)} but tensor 0 has shape "
                       f"{tuple(s0)}; all dimensions except axis {ax} must be equal.")
    return _concat(*vals, axis=ax)


def _splitv_fwd(a, sizes=(), axis=0):
    idx = np.cumsum(sizes)[:-1].tolist()
    return tuple(xp_of(a).split(a, idx, axis=axis))


# n_out=2 stands for "a tuple of outputs": the call returns one tensor per size.
_splitv = Primitive("SplitV", n_out=2)
_splitv._fwd = _splitv_fwd
_splitv._grad = lambda gs, outs, x, sizes=(), axis=0: _concat(*gs, axis=axis)


def _split_sizes(x, sizes, axis):
    if len(sizes) == 1:
        from .creation import identity
        return [identity(x)]
    return list(_splitv(x, sizes=tuple(sizes), axis=axis))


def split(value, num_or_size_splits, axis=0, num=None, name="split"):
    """Splits `value` along `axis` into several tensors, as `tf.split`.

    Args:
        value: the tensor to split.
        num_or_size_splits: an int (that many equal pieces; it must divide the
            axis length) or a list of piece sizes, one of which may be -1.
        axis: the axis to split.
        num: the number of pieces, when it cannot be read from the sizes.

    Returns:
        A list of tensors.

    Example:
    >>> [p.shape[1] for p in ts.split(ts.zeros([2, 10]), [3, -1, 2], axis=1)]
    [3, 5, 2]
    """
    x = t(value)
    nd = x._a.ndim
    ax = norm_axis(_ints(axis, "SplitV", "axis"), nd, "split")[0]
    n = x._a.shape[ax]
    if isinstance(num_or_size_splits, (int, np.integer)) or (
            isinstance(num_or_size_splits, (Tensor, np.ndarray)) and np.ndim(num_or_size_splits) == 0):
        k = int(num_or_size_splits) if not isinstance(num_or_size_splits, Tensor) else \
            _ints(num_or_size_splits, "Split", "num_or_size_splits")[0]
        if k <= 0 or n % k:
            raise _err("Split", f"split: axis {ax} of shape {tuple(x._a.shape)} has length {n}, "
                       f"which is not evenly divisible into {k} pieces. Pass a list of sizes instead.")
        sizes = [n // k] * k
    else:
        sizes = _ints(num_or_size_splits, "SplitV", "num_or_size_splits")
        if sizes.count(-1) > 1 or any(s < -1 for s in sizes):
            raise _err("SplitV", f"split: sizes {sizes} may hold at most one -1 and no other "
                       "negative size.")
        known = sum(s for s in sizes if s != -1)
        if -1 in sizes:
            if known > n:
                raise _err("SplitV", f"split: sizes {sizes} add up to more than the length {n} "
                           f"of axis {ax} (shape {tuple(x._a.shape)}).")
            sizes[sizes.index(-1)] = n - known
        elif known != n:
            raise _err("SplitV", f"split: sizes {sizes} add up to {known}, but axis {ax} of shape "
                       f"{tuple(x._a.shape)} has length {n}. Make them add up, or use -1 for one.")
    if num is not None and int(num) != len(sizes):
        raise _err("SplitV", f"split: num={num} but {len(sizes)} sizes were given.")
    if not sizes:
        raise _err("SplitV", "split: needs at least one piece.")
    return _split_sizes(x, sizes, ax)


# ---------------------------------------------------------------------------
# tile, pad, reverse, roll
# ---------------------------------------------------------------------------
def _tile_fwd(a, multiples=()):
    return xp_of(a).tile(a, multiples)


def _tile_grad(g, out, x, multiples=()):
    from .reduce import reduce_sum
    shape = x._a.shape
    inter = [v for m, d in zip(multiples, shape) for v in (m, d)]
    return reduce_sum(reshape(g, inter), axis=list(range(0, 2 * len(shape), 2)))


_tile = Primitive("Tile")
_tile._fwd = _tile_fwd
_tile._grad = _tile_grad


def tile(input, multiples, name=None):
    """Repeats `input` `multiples[i]` times along each axis i, as `tf.tile`.

    Example:
    >>> ts.tile(ts.constant([[1, 2]]), [2, 3]).numpy()
    array([[1, 2, 1, 2, 1, 2],
           [1, 2, 1, 2, 1, 2]], dtype=int32)
    """
    x = t(input)
    m = _ints(multiples, "Tile", "multiples")
    if len(m) != x._a.ndim or any(v < 0 for v in m):
        raise _err("Tile", f"tile: multiples {m} must hold one non-negative int per axis of the "
                   f"input of shape {tuple(x._a.shape)} (rank {x._a.ndim}).")
    return _tile(x, multiples=tuple(m))


def _pad_fwd(a, paddings=(), constant_values=0):
    return xp_of(a).pad(a, paddings, mode="constant", constant_values=constant_values)


_pad = Primitive("PadV2")
_pad._fwd = _pad_fwd
_pad._grad = lambda g, out, x, paddings=(), constant_values=0: _strided(
    g, index=tuple(_pyslice(b, b + n) for (b, _), n in zip(paddings, x._a.shape)))


def pad(tensor, paddings, mode="CONSTANT", constant_values=0, name=None):
    """Pads a tensor, as `tf.pad`.

    Args:
        tensor: the tensor to pad.
        paddings: an int tensor/list of shape `[rank, 2]`: for each axis, how many
            values to add before and after.
        mode: `"CONSTANT"`, `"REFLECT"` (mirror without the edge; padding must be
            below the axis length) or `"SYMMETRIC"` (mirror with the edge; at most
            the axis length). Case-insensitive.
        constant_values: the scalar used in CONSTANT mode, of the tensor's dtype.

    Example:
    >>> ts.pad(ts.constant([[1, 2]]), [[1, 0], [0, 1]]).numpy()
    array([[0, 0, 0],
           [1, 2, 0]], dtype=int32)
    """
    x = t(tensor)
    shape = x._a.shape
    p = _ints(paddings, "Pad", "paddings")
    if len(p) != len(shape) or any(not isinstance(r, list) or len(r) != 2 for r in p) or \
            any(v < 0 for r in p for v in r):
        raise _err("Pad", f"pad: paddings must have shape [{len(shape)}, 2] (a non-negative "
                   f"[before, after] pair per axis of the input of shape {tuple(shape)}), got {paddings!r}.")
    mode = str(mode).upper()
    if mode == "CONSTANT":
        cv = constant_values
        if isinstance(cv, Tensor):
            cv = _xp.to_numpy(cv._a)
        cv = np.asarray(cv)
        if cv.size != 1:
            raise _err("PadV2", f"pad: constant_values must be a scalar, got shape {cv.shape}.")
        if cv.dtype.kind == "f" and x._a.dtype.kind in "iub" and cv.item() != int(cv.item()):
            raise _err("PadV2", f"pad: constant_values {cv.item()!r} does not fit the "
                       f"{x.dtype.name} tensor; cast the tensor first.")
        return _pad(x, paddings=tuple(tuple(r) for r in p), constant_values=cv.astype(x._a.dtype).item())
    if mode not in ("REFLECT", "SYMMETRIC"):
        raise _err("MirrorPad", f"pad: mode must be 'CONSTANT', 'REFLECT' or 'SYMMETRIC', got {mode!r}.")
    off = 1 if mode == "REFLECT" else 0
    for i, ((b, a), n) in enumerate(zip(p, shape)):
        if b > n - off or a > n - off:
            raise _err("MirrorPad", f"pad: {mode} padding {[b, a]} of axis {i} is too large for "
                       f"length {n} (shape {tuple(shape)}); at most {n - off} per side.")
    if not any(b or a for b, a in p):
        return reshape(x, shape)
    np_mode = "reflect" if off else "symmetric"
    key = np.ix_(*[np.pad(np.arange(n), r, mode=np_mode) for r, n in zip(p, shape)])
    from .indexing import _index_gather
    return _index_gather(x, tuple(key))


def _reverse_fwd(a, axis=()):
    return xp_of(a).flip(a, axis=axis)


_reverse = Primitive("ReverseV2")
_reverse._fwd = _reverse_fwd
_reverse._grad = lambda g, out, x, axis=(): _reverse(g, axis=axis)


def reverse(tensor, axis, name=None):
    """Reverses the order of elements along the given axes, as `tf.reverse`.

    Example:
    >>> ts.reverse(ts.constant([[1, 2], [3, 4]]), axis=[1]).numpy()
    array([[2, 1],
           [4, 3]], dtype=int32)
    """
    x = t(tensor)
    axes = norm_axis(_ints(axis, "ReverseV2", "axis"), x._a.ndim, "reverse")
    if len(set(axes)) != len(axes):
        raise _err("ReverseV2", f"reverse: axis {list(axes)} names an axis twice.")
    return _reverse(x, axis=axes)


def _roll_fwd(a, shift=(), axis=()):
    return xp_of(a).roll(a, shift, axis)


_roll = Primitive("Roll")
_roll._fwd = _roll_fwd
_roll._grad = lambda g, out, x, shift=(), axis=(): _roll(g, shift=tuple(-s for s in shift), axis=axis)


def roll(input, shift, axis, name=None):
    """Rolls elements along axes: element i moves to `(i + shift) % n`, as `tf.roll`.

    `shift` and `axis` are ints or equal-length lists; shifts on a repeated axis add up.

    Example:
    >>> ts.roll(ts.constant([0, 1, 2, 3]), shift=1, axis=0).numpy()
    array([3, 0, 1, 2], dtype=int32)
    """
    x = t(input)
    s = _ints(shift, "Roll", "shift")
    axes = norm_axis(_ints(axis, "Roll", "axis"), x._a.ndim, "roll")
    if len(s) != len(axes):
        raise _err("Roll", f"roll: shift {s} and axis {list(axes)} must have the same length.")
    return _roll(x, shift=tuple(s), axis=axes)


def repeat(input, repeats, axis=None, name=None):
    """Repeats each element `repeats` times along `axis`, as `tf.repeat`.

    Args:
        input: a tensor.
        repeats: an int, or a list with one count per element along `axis`.
        axis: the axis; None flattens the input first.

    Example:
    >>> ts.repeat(ts.constant([1, 2]), [2, 3], axis=0).numpy()
    array([1, 1, 2, 2, 2], dtype=int32)
    """
    x = t(input)
    if axis is None:
        x = reshape(x, [-1])
        axis = 0
    ax = norm_axis(_ints(axis, "Repeat", "axis"), x._a.ndim, "repeat")[0]
    r = _ints(repeats, "Repeat", "repeats")
    n = x._a.shape[ax]
    if len(r) not in (1, n) or any(v < 0 for v in r):
        raise _err("Repeat", f"repeat: repeats {r} must be one non-negative int or one per element "
                   f"({n}) along axis {ax} of shape {tuple(x._a.shape)}.")
    from .indexing import gather
    return gather(x, _wrap(np.repeat(np.arange(n, dtype=np.int64), r)), axis=ax)


# ---------------------------------------------------------------------------
# slice and strided_slice
# ---------------------------------------------------------------------------
def _strided_fwd(a, index=()):
    return a[index + (Ellipsis,)]


def _strided_grad_fwd(g, shape=(), index=()):
    z = xp_of(g).zeros(shape, dtype=g.dtype)
    z[index + (Ellipsis,)] = g
    return z


_strided = Primitive("StridedSlice")
_strided._fwd = _strided_fwd
_strided._grad = lambda g, out, x, index=(): _strided_grad(g, shape=tuple(x._a.shape), index=index)
_slice = Primitive("Slice")
_slice._fwd = _strided_fwd
_slice._grad = _strided._grad
_strided_grad = Primitive("StridedSliceGrad")
_strided_grad._fwd = _strided_grad_fwd
_strided_grad._grad = lambda g, out, x, shape=(), index=(): _strided(g, index=index)


def slice(input_, begin, size, name=None):
    """Extracts the block starting at `begin` with extent `size`, as `tf.slice`.

    A size of -1 takes everything to the end of that axis.

    Example:
    >>> ts.slice(ts.reshape(ts.range(12), [3, 4]), [1, 1], [2, -1]).numpy()
    array([[ 5,  6,  7],
           [ 9, 10, 11]], dtype=int32)
    """
    x = t(input_)
    shape = x._a.shape
    b = _ints(begin, "Slice", "begin")
    s = _ints(size, "Slice", "size")
    if len(b) != len(shape) or len(s) != len(shape):
        raise _err("Slice", f"slice: begin {b} and size {s} need one entry per axis of the input "
                   f"of shape {tuple(shape)}.")
    index = []
    for i, (bi, si, n) in enumerate(zip(b, s, shape)):
        e = n if si == -1 else bi + si
        if bi < 0 or bi > n or si < -1 or e > n:
            raise _err("Slice", f"slice: axis {i} of shape {tuple(shape)} has length {n}, but "
                       f"begin={bi}, size={si} asks for [{bi}, {e}). Keep 0 <= begin <= begin + size "
                       "<= length (size -1 means to the end).")
        index.append(_pyslice(bi, e))
    return _slice(x, index=tuple(index))


def _bits(mask, i):
    return (int(mask) >> i) & 1


def strided_slice(input_, begin, end, strides=None, begin_mask=0, end_mask=0, ellipsis_mask=0,
                  new_axis_mask=0, shrink_axis_mask=0, var=None, name=None):
    """Python-style slicing `input_[begin:end:strides]` per axis, as `tf.strided_slice`.

    Bit i of a mask applies to entry i of `begin`/`end`/`strides`: `begin_mask`
    and `end_mask` ignore that begin/end (take the full range), `ellipsis_mask`
    makes the entry `...`, `new_axis_mask` makes it `ts.newaxis`, and
    `shrink_axis_mask` takes the single index `begin[i]` (dropping the axis).

    Example:
    >>> x = ts.reshape(ts.range(12), [3, 4])
    >>> ts.strided_slice(x, [0, 3], [3, 0], [2, -1]).numpy()   # x[0:3:2, 3:0:-1]
    array([[ 3,  2,  1],
           [11, 10,  9]], dtype=int32)
    """
    x = t(input_)
    b = _ints(begin, "StridedSlice", "begin")
    e = _ints(end, "StridedSlice", "end")
    s = [1] * len(b) if strides is None else _ints(strides, "StridedSlice", "strides")
    if not len(b) == len(e) == len(s):
        raise _err("StridedSlice", f"strided_slice: begin {b}, end {e} and strides {s} must have "
                   "the same length.")
    key = []
    for i in range(len(b)):
        if _bits(ellipsis_mask, i):
            key.append(Ellipsis)
        elif _bits(new_axis_mask, i):
            key.append(None)
        elif _bits(shrink_axis_mask, i):
            key.append(b[i])
        else:
            if s[i] == 0:
                raise _err("StridedSlice", f"strided_slice: stride {i} is 0; strides must be non-zero.")
            key.append(_pyslice(None if _bits(begin_mask, i) else b[i],
                                      None if _bits(end_mask, i) else e[i], s[i]))
    from .indexing import _getitem
    return _getitem(x, tuple(key), "StridedSlice")


# ---------------------------------------------------------------------------
# meshgrid
# ---------------------------------------------------------------------------
def meshgrid(*args, **kwargs):
    """Coordinate grids from 1-D coordinate vectors, as `tf.meshgrid`.

    Args:
        *args: N tensors (flattened to 1-D) of lengths n1, ..., nN.
        indexing: `"xy"` (Cartesian, default: the first two output axes are
            swapped, shape `(n2, n1, n3, ...)`) or `"ij"` (matrix, `(n1, ..., nN)`).

    Returns:
        A list of N tensors, all of the grid's shape.

    Example:
    >>> X, Y = ts.meshgrid(ts.constant([1, 2, 3]), ts.constant([4, 5]))
    >>> X.shape
    TensorShape([2, 3])
    """
    indexing = kwargs.pop("indexing", "xy")
    kwargs.pop("name", None)
    if kwargs:
        raise TypeError(f"meshgrid: unexpected keyword arguments {sorted(kwargs)}.")
    if indexing not in ("xy", "ij"):
        raise _err("Meshgrid", f"meshgrid: indexing must be 'xy' or 'ij', got {indexing!r}.")
    from .creation import broadcast_to
    vecs = [reshape(t(a), [-1]) for a in args]
    n = len(vecs)
    out_shape = [v._a.shape[0] for v in vecs]
    pos = list(range(n))
    if indexing == "xy" and n > 1:
        out_shape[0], out_shape[1] = out_shape[1], out_shape[0]
        pos[0], pos[1] = 1, 0
    res = []
    for v, p in zip(vecs, pos):
        shp = [1] * n
        shp[p] = v._a.shape[0]
        res.append(broadcast_to(reshape(v, shp), out_shape))
    return res


# ---------------------------------------------------------------------------
# stop_gradient, identity_n, ensure_shape
# ---------------------------------------------------------------------------
_stop_gradient = Primitive("StopGradient", differentiable=False)
_stop_gradient._fwd = lambda a: a


def stop_gradient(input, name=None):
    """Returns `input` unchanged but blocks gradients through it, as `tf.stop_gradient`.

    Example:
    >>> x = ts.constant(2.0)
    >>> with ts.GradientTape() as tape:
    ...     tape.watch(x)
    ...     y = x * ts.stop_gradient(x)
    >>> float(tape.gradient(y, x))
    2.0
    """
    return _stop_gradient(t(input))


def identity_n(input, name=None):
    """Returns a list of identities of the tensors in `input`, as `tf.identity_n`."""
    from .creation import identity
    return [identity(v) for v in input]


def ensure_shape(x, shape, name=None):
    """Returns `x` after checking its shape is compatible with `shape` (None = any), as
    `tf.ensure_shape`; raises InvalidArgumentError otherwise."""
    from ..core.shapes import TensorShape
    from .creation import identity
    x = t(x)
    want = TensorShape(shape)
    if not want.is_compatible_with(TensorShape(tuple(x._a.shape))):
        raise _err("EnsureShape", f"ensure_shape: the tensor has shape {list(x._a.shape)}, which is "
                   f"not compatible with the expected shape {want}.")
    return identity(x)


__api__ = {"ts": ["reshape", "stack", "unstack", "where", "transpose", "expand_dims", "squeeze",
                  "concat", "split", "tile", "pad", "reverse", "roll", "repeat", "slice",
                  "strided_slice", "meshgrid", "stop_gradient", "identity_n", "ensure_shape"]}

"""`ts.nest`: flatten and rebuild nested structures of lists, tuples and dicts.

Dicts are traversed in sorted key order, as `tf.nest` does; namedtuples keep
their type.
"""

__all__ = ["flatten", "pack_sequence_as", "map_structure", "is_nested", "assert_same_structure"]


def is_nested(x):
    """True for lists, tuples (namedtuples too) and dicts."""
    return isinstance(x, (list, tuple, dict))


def _children(x):
    if isinstance(x, dict):
        return [x[k] for k in _sorted_keys(x)]
    return list(x)


def _sorted_keys(d):
    try:
        return sorted(d)
    except TypeError:
        return list(d)


def flatten(structure, expand_composites=False):
    """Returns the leaves of `structure` as a flat list (a non-nested value gives `[value]`)."""
    if not is_nested(structure):
        return [structure]
    out = []
    _walk(structure, out)
    return out


def _walk(x, out):
    # a module-level recursive helper: a nested closure that calls itself would form a
    # reference cycle holding `out` (and every tensor in it) until the garbage collector ran
    for c in _children(x):
        if is_nested(c):
            _walk(c, out)
        else:
            out.append(c)


def pack_sequence_as(structure, flat_sequence, expand_composites=False):
    """Rebuilds `structure`'s nesting with the leaves taken from `flat_sequence`."""
    flat_sequence = list(flat_sequence)
    if not is_nested(structure):
        if len(flat_sequence) != 1:
            raise ValueError(f"Structure is a single value but {len(flat_sequence)} values were given.")
        return flat_sequence[0]
    it = iter(flat_sequence)
    result = _build(structure, it)
    if next(it, _END) is not _END:
        raise ValueError("Too many values for the structure.")
    return result


def _build(x, it):
    if isinstance(x, dict):
        vals = {k: _build(x[k], it) for k in _sorted_keys(x)}
        return type(x)((k, vals[k]) for k in x) if type(x) is not dict else {k: vals[k] for k in x}
    if isinstance(x, (list, tuple)):
        items = [_build(c, it) for c in x]
        if isinstance(x, tuple) and hasattr(x, "_fields"):
            return type(x)(*items)
        return type(x)(items)
    try:
        return next(it)
    except StopIteration:
        raise ValueError("Too few values for the structure.") from None


_END = object()


def map_structure(func, *structures, **kwargs):
    """Applies `func` to corresponding leaves of the structures and rebuilds the first's nesting."""
    if not structures:
        raise ValueError("map_structure needs at least one structure.")
    for s in structures[1:]:
        assert_same_structure(structures[0], s)
    flats = [flatten(s) for s in structures]
    return pack_sequence_as(structures[0], [func(*xs) for xs in zip(*flats)])


def assert_same_structure(nest1, nest2, check_types=True, expand_composites=False):
    """Raises ValueError when the two structures do not nest the same way."""
    if _sig(nest1) != _sig(nest2):
        raise ValueError(f"The two structures don't have the same nested structure: {nest1!r} vs {nest2!r}.")


def _sig(x):
    if isinstance(x, dict):
        return ("dict", tuple((k, _sig(x[k])) for k in _sorted_keys(x)))
    if isinstance(x, (list, tuple)):
        return ("seq", tuple(_sig(c) for c in x))
    return "leaf"

"""`TensorShape`: a tuple of dimensions (ints, or None when unknown)."""

__all__ = ["TensorShape", "as_shape"]


def _dim(d):
    if d is None:
        return None
    v = getattr(d, "value", d)  # tf.compat.v1 Dimension-like objects
    if v is None:
        return None
    try:
        i = int(v)
    except (TypeError, ValueError):
        raise TypeError(f"A shape dimension must be an int or None, got {d!r}.") from None
    if i != v or i < -1:
        raise ValueError(f"A shape dimension must be a non-negative int or None, got {d!r}.")
    return None if i == -1 else i


class TensorShape(tuple):
    """The shape of a tensor, as `tf.TensorShape`.

    It compares equal to tuples and lists with the same dimensions and indexes
    like a tuple. An unknown dimension is None; an unknown rank is
    `TensorShape(None)`.

    Example:
    >>> s = ts.TensorShape([2, 3])
    >>> s == (2, 3), s.as_list(), s.rank, s.num_elements()
    (True, [2, 3], 2, 6)
    """

    __slots__ = ()

    def __new__(cls, dims=()):
        if dims is None:
            self = tuple.__new__(cls, ())
            return _UnknownRank()
        if isinstance(dims, TensorShape):
            return dims
        if isinstance(dims, int):
            dims = (dims,)
        return tuple.__new__(cls, (_dim(d) for d in dims))

    @classmethod
    def _fast(cls, tup):
        return tuple.__new__(cls, tup)

    @property
    def rank(self):
        return len(self)

    ndims = rank

    @property
    def dims(self):
        return list(self)

    def as_list(self):
        """Returns the dimensions as a list."""
        return list(self)

    def num_elements(self):
        """Returns the number of elements, or None if a dimension is unknown."""
        n = 1
        for d in self:
            if d is None:
                return None
            n *= d
        return n

    def is_fully_defined(self):
        return all(d is not None for d in self)

    def is_compatible_with(self, other):
        """True when `other` could be the same shape (None matches any dimension)."""
        other = as_shape(other)
        if isinstance(other, _UnknownRank):
            return True
        if len(other) != len(self):
            return False
        return all(a is None or b is None or a == b for a, b in zip(self, other))

    def assert_is_compatible_with(self, other):
        if not self.is_compatible_with(other):
            raise ValueError(f"Shapes {self} and {as_shape(other)} are incompatible.")

    def merge_with(self, other):
        """Combines the known dimensions of two compatible shapes."""
        other = as_shape(other)
        if isinstance(other, _UnknownRank):
            return self
        self.assert_is_compatible_with(other)
        return TensorShape([a if a is not None else b for a, b in zip(self, other)])

    def concatenate(self, other):
        other = as_shape(other)
        if isinstance(other, _UnknownRank):
            return other
        return TensorShape(tuple(self) + tuple(other))

    def with_rank(self, rank):
        if len(self) != rank:
            raise ValueError(f"Shape {self} must have rank {rank}.")
        return self

    def __getitem__(self, key):
        r = tuple.__getitem__(self, key)
        if isinstance(key, slice):
            return TensorShape._fast(r)
        return r

    def __eq__(self, other):
        if isinstance(other, _UnknownRank):
            return False
        if isinstance(other, (tuple, list)):
            return tuple(self) == tuple(_dim(d) if d is not None else None for d in other)
        return NotImplemented

    def __ne__(self, other):
        r = self.__eq__(other)
        return r if r is NotImplemented else not r

    __hash__ = tuple.__hash__

    def __add__(self, other):
        return self.concatenate(other)

    def __radd__(self, other):
        return as_shape(other).concatenate(self)

    def __repr__(self):
        return f"TensorShape({list(self)})"

    def __str__(self):
        if len(self) == 1:
            return f"({self[0]},)"
        return "(" + ", ".join(str(d) for d in self) + ")"

    def __reduce__(self):
        return (TensorShape, (list(self),))


class _UnknownRank(TensorShape):
    """A shape whose rank is unknown (`TensorShape(None)`)."""

    def __new__(cls):
        return tuple.__new__(cls, ())

    rank = ndims = property(lambda self: None)
    dims = property(lambda self: None)

    def as_list(self):
        raise ValueError("as_list() is not defined on an unknown TensorShape.")

    def num_elements(self):
        return None

    def is_fully_defined(self):
        return False

    def is_compatible_with(self, other):
        return True

    def merge_with(self, other):
        return as_shape(other)

    def __eq__(self, other):
        return isinstance(other, _UnknownRank)

    __hash__ = tuple.__hash__

    def __repr__(self):
        return "TensorShape(None)"

    __str__ = lambda self: "<unknown>"


def as_shape(shape):
    """Converts a tuple, list, `TensorShape` or None to a `TensorShape`."""
    if isinstance(shape, TensorShape):
        return shape
    return TensorShape(shape)

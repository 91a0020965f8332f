"""Errors with TensorFlow's names (`ts.errors.InvalidArgumentError`, ...).

Every error a user can cause names the op or layer, the shapes and dtypes
involved, and what to do about it.
"""

__all__ = ["OpError", "InvalidArgumentError", "NotFoundError", "UnimplementedError",
           "OutOfRangeError", "ResourceExhaustedError", "FailedPreconditionError",
           "UnknownError", "InternalError", "AbortedError", "CancelledError",
           "AlreadyExistsError", "PermissionDeniedError", "UnavailableError",
           "DeadlineExceededError", "DataLossError", "UnauthenticatedError"]


class OpError(Exception):
    """Base of the errors an operation raises, as `tf.errors.OpError`.

    Attributes:
        message: the text.
        op: the op's name, or None.
    """

    def __init__(self, node_def=None, op=None, message=None, *args):
        if message is None and node_def is not None and op is None and not args:
            message, node_def = node_def, None
        super().__init__(message)
        self.message = message
        self.op = op
        self.node_def = node_def


class InvalidArgumentError(OpError, ValueError):
    """An op got an argument of the wrong shape, dtype or value."""


class NotFoundError(OpError):
    """A file or resource was not found."""


class UnimplementedError(OpError, NotImplementedError):
    """Tessera does not implement this feature (yet); the message names it."""


class OutOfRangeError(OpError):
    """An iterator ran out of elements, or an index is out of range."""


class ResourceExhaustedError(OpError):
    """Memory or another resource ran out."""


class FailedPreconditionError(OpError):
    """The system is not in a state the op needs (e.g. an uninitialized value)."""


class UnknownError(OpError):
    """An error without a better category."""


class InternalError(OpError):
    """Tessera broke an invariant of its own: please report it."""


class AbortedError(OpError):
    """The operation was aborted."""


class CancelledError(OpError):
    """The operation was cancelled."""


class AlreadyExistsError(OpError):
    """The entity to create exists already."""


class PermissionDeniedError(OpError):
    """The caller may not run this operation."""


class UnavailableError(OpError):
    """The service is not available right now."""


class DeadlineExceededError(OpError):
    """The deadline passed before the operation finished."""


class DataLossError(OpError):
    """Data was lost or corrupted."""


class UnauthenticatedError(OpError):
    """The request has no valid credentials."""


def describe(a):
    """`shape=(2, 3) dtype=float32` for an array-like, for messages."""
    shape = getattr(a, "shape", ())
    dt = getattr(a, "dtype", type(a).__name__)
    name = getattr(dt, "name", dt)
    return f"shape={tuple(shape)} dtype={name}"


def op_failure(op_name, arrays, exc):
    """Turns a NumPy error raised inside op `op_name` into an InvalidArgumentError.

    The message names the op, every input's shape and dtype, NumPy's reason and
    the usual fix.
    """
    parts = ", ".join(f"input {i}: {describe(a)}" for i, a in enumerate(arrays))
    reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    hint = ""
    low = reason.lower()
    if "broadcast" in low or "shapes" in low or "shape mismatch" in low:
        hint = (" Shapes must be equal or broadcastable (each axis equal or 1, "
                "aligned from the right); reshape or expand_dims an input to fix it.")
    elif "aligned" in low or "mismatch in its core dimension" in low:
        hint = " The inner dimensions must agree: transpose or reshape an input."
    elif "ufunc" in low or "cast" in low or "dtype" in low:
        hint = " Cast the inputs to one dtype first, e.g. ts.cast(x, ts.float32)."
    return InvalidArgumentError(
        None, op_name, f"{op_name} failed on {parts}: {reason}.{hint}")

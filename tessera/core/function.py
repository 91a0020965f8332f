"""`ts.function`: accepts TensorFlow's arguments; runs the function eagerly for now.

The graph compiler is not built yet: a `ts.function` calls the Python function
directly on every call, which gives the same results as TensorFlow's traced
graph for programs without Python side effects that depend on tracing.
"""
import functools

from . import errors as _errors

__all__ = ["function", "Function"]


class Function:
    """A callable returned by `ts.function` (runs eagerly; see the module docstring).

    Attributes:
        python_function: the wrapped Python function.
        input_signature: the `input_signature` given, or None.
    """

    def __init__(self, fn, input_signature=None, autograph=True, jit_compile=None,
                 reduce_retracing=False, experimental_implements=None,
                 experimental_autograph_options=None, experimental_attributes=None,
                 experimental_relax_shapes=None, experimental_compile=None,
                 experimental_follow_type_hints=None):
        self.python_function = fn
        self.input_signature = input_signature
        self.autograph = autograph
        self.jit_compile = jit_compile
        self.reduce_retracing = reduce_retracing
        functools.update_wrapper(self, fn)

    def __call__(self, *args, **kwargs):
        if self.input_signature is not None:
            _check_signature(self.python_function.__name__, self.input_signature, args)
        return self.python_function(*args, **kwargs)

    def __get__(self, instance, owner):
        if instance is None:
            return self
        bound = functools.partial(self.__call__, instance)
        functools.update_wrapper(bound, self.python_function)
        return bound

    def get_concrete_function(self, *args, **kwargs):
        """Returns a callable for these arguments (the eager function itself for now)."""
        return functools.partial(self.python_function)

    def experimental_get_tracing_count(self):
        return 0


def _check_signature(name, signature, args):
    from .tensor import to_array
    if len(args) != len(signature):
        raise TypeError(f"{name} takes {len(signature)} positional arguments per its "
                        f"input_signature, got {len(args)}.")
    for i, (spec, a) in enumerate(zip(signature, args)):
        shape = getattr(spec, "shape", None)
        if shape is None:
            continue
        got = tuple(to_array(a).shape)
        if not shape.is_compatible_with(got):
            raise _errors.InvalidArgumentError(
                None, name, f"{name}: argument {i} has shape {got}, which does not match the "
                f"input_signature's TensorSpec shape {shape}.")


def function(func=None, input_signature=None, autograph=True, jit_compile=None,
             reduce_retracing=False, experimental_implements=None,
             experimental_autograph_options=None, experimental_attributes=None,
             experimental_relax_shapes=None, experimental_compile=None,
             experimental_follow_type_hints=None):
    """Decorator compiling a function into a graph in TensorFlow; in Tessera, for now,
    it runs the function eagerly (the graph compiler is not built yet).

    Accepts TensorFlow's arguments (`input_signature`, `reduce_retracing`,
    `jit_compile`, `autograph`); `input_signature` shapes are checked.

    Example:
    >>> @ts.function
    ... def f(x):
    ...     return x * 2
    >>> f(ts.constant(1.0)).numpy()
    2.0
    """
    kw = dict(input_signature=input_signature, autograph=autograph, jit_compile=jit_compile,
              reduce_retracing=reduce_retracing)
    if func is None:
        return lambda f: Function(f, **kw)
    return Function(func, **kw)

"""Automatic differentiation: `GradientTape`, `custom_gradient`, `UnconnectedGradients`.

A tape records each op call whose inputs it watches (see `primitive.record`).
`gradient` walks the records backwards, calling each primitive's gradient,
which is written with Tessera ops: an outer tape records those ops too, which
gives second and higher derivatives.
"""
import enum
import functools
import inspect

from . import nest
from .primitive import TAPES, Primitive, record
from .tensor import Tensor, _wrap

__all__ = ["GradientTape", "custom_gradient", "UnconnectedGradients", "stop_recording"]

_ops = None


def _load_ops():
    global _ops
    if _ops is None:
        from ..ops import _autodiff_support as m
        _ops = m
    return _ops


class UnconnectedGradients(enum.Enum):
    """What `gradient` returns for a source the target does not depend on."""

    NONE = "none"
    ZERO = "zero"


class GradientTape:
    """Records operations for automatic differentiation, as `tf.GradientTape`.

    Args:
        persistent: if True, `gradient` may be called several times; otherwise
            the tape's records are freed after the first call.
        watch_accessed_variables: if True, trainable variables read inside the
            tape are watched automatically; tensors must be watched explicitly.

    Example:
    >>> x = ts.constant(3.0)
    >>> with ts.GradientTape() as t:
    ...     t.watch(x)
    ...     y = x * x
    >>> float(t.gradient(y, x))
    6.0

    Nest tapes for higher derivatives; call `explain(target, sources)` to learn
    why a gradient is None.
    """

    def __init__(self, persistent=False, watch_accessed_variables=True):
        self._persistent = persistent
        self._watch_accessed = watch_accessed_variables
        self._recording = False
        self._records = []
        self._watched = set()
        self._keep = []          # keeps watched objects alive so their ids stay unique
        self._variables = {}     # id -> watched variable, in order of first access
        self._cuts = {}          # id of watched input -> reason its path was cut
        self._alias = {}         # id of a variable's value snapshot -> id of the variable
        self._used = False

    # -- recording -------------------------------------------------------
    def __enter__(self):
        self._push()
        return self

    def __exit__(self, exc_type, exc, tb):
        self._pop()
        return False

    def _push(self):
        if self in TAPES:
            raise ValueError("This GradientTape is already recording; do not enter it twice.")
        TAPES.append(self)
        self._recording = True

    def _pop(self):
        if self in TAPES:
            TAPES.remove(self)
        self._recording = False

    def watch(self, tensor):
        """Ensures `tensor` (or every tensor and variable in a nested structure) is traced."""
        for t in nest.flatten(tensor):
            if not isinstance(t, Tensor):
                raise ValueError(
                    f"GradientTape.watch takes tensors or variables, got {type(t).__name__}. "
                    "Convert it first: x = ts.constant(x).")
            if t._is_variable:
                self._watch_variable(t)
            elif id(t) not in self._watched:
                self._watched.add(id(t))
                self._keep.append(t)

    def _watch_variable(self, v):
        if id(v) not in self._watched:
            self._watched.add(id(v))
            self._variables[id(v)] = v

    def _note_cut(self, inputs, prim, outs):
        for x in inputs:
            if id(x) in self._watched and id(x) not in self._cuts:
                if prim.name == "StopGradient":
                    why = "it went through ts.stop_gradient"
                elif not prim.differentiable or prim._grad is None:
                    why = f"it went through {prim.name}, which has no gradient"
                else:
                    dts = ", ".join(o.dtype.name for o in outs)
                    why = (f"it went through {prim.name}, whose output is {dts}: gradients "
                           "flow only through floating-point tensors (was there a cast to an "
                           "integer type?)")
                self._cuts[id(x)] = why

    def stop_recording(self):
        """Context manager pausing recording on this tape.

        Example:
        >>> with ts.GradientTape() as t:
        ...     with t.stop_recording():
        ...         pass  # ops here are not recorded
        """
        return _Pause(self)

    def reset(self):
        """Clears everything recorded so far (the tape keeps recording if it was)."""
        self._records = []
        self._watched = set()
        self._keep = []
        self._variables = {}
        self._cuts = {}
        self._alias = {}
        self._used = False

    def watched_variables(self):
        """Returns the variables watched by this tape, in order of first access."""
        return tuple(self._variables.values())

    # -- differentiation ---------------------------------------------------
    def gradient(self, target, sources, output_gradients=None,
                 unconnected_gradients=UnconnectedGradients.NONE):
        """Computes the gradient of `target` with respect to `sources`.

        Args:
            target: a Tensor or nested structure of Tensors; non-scalar targets
                are summed (their gradient seeded with ones).
            sources: a Tensor or Variable, or any nesting (list, dict) of them.
            output_gradients: seeds, one per target, instead of ones.
            unconnected_gradients: `UnconnectedGradients.NONE` (default) or
                `"zero"`: what a source the target does not depend on gets.

        Returns:
            Gradients with the structure of `sources`. Integer sources give None.
        """
        if self._used and not self._persistent:
            raise RuntimeError(
                "A non-persistent GradientTape can only be used to compute one set of "
                "gradients (or jacobians). Create it with ts.GradientTape(persistent=True) "
                "to call gradient() several times.")
        unconnected = UnconnectedGradients(unconnected_gradients if not isinstance(
            unconnected_gradients, str) else unconnected_gradients.lower())
        flat_src = nest.flatten(sources)
        for s in flat_src:
            if not isinstance(s, Tensor):
                raise ValueError(
                    f"GradientTape.gradient sources must be tensors or variables, got "
                    f"{type(s).__name__}: {s!r}.")
        flat_tgt = [t for t in nest.flatten(target)]
        seeds = None if output_gradients is None else nest.flatten(output_gradients)
        grads = self._backprop(flat_tgt, seeds)
        ops = _load_ops()
        out = []
        for s in flat_src:
            if not s._a.dtype.kind in "fcV":
                out.append(None)
                continue
            g = grads.get(id(s))
            if g is None and unconnected is UnconnectedGradients.ZERO:
                g = ops.zeros_like(s)
            out.append(g)
        if not self._persistent:
            self._records = []
            self._keep = []
        self._used = True
        return nest.pack_sequence_as(sources, out)

    def _backprop(self, targets, seeds):
        ops = _load_ops()
        was = self._recording
        self._recording = False  # never record our own gradient computation
        try:
            grads = {}
            for i, t in enumerate(targets):
                if t is None:
                    continue
                if not isinstance(t, Tensor):
                    raise ValueError(f"GradientTape.gradient target must be a tensor, got {type(t).__name__}.")
                seed = seeds[i] if seeds is not None and seeds[i] is not None else ops.ones_like(t)
                if seeds is not None and not isinstance(seed, Tensor):
                    seed = ops.convert(seed, t.dtype)
                _accumulate(grads, id(t), seed, ops)
            for prim, ins, ids, outs, attrs in reversed(self._records):
                if type(outs) is tuple:
                    gs = [grads.get(id(o)) for o in outs]
                    if all(g is None for g in gs):
                        continue
                    gs = [ops.zeros_like(o) if g is None else g for g, o in zip(gs, outs)]
                    if prim.grad_needs:
                        watched = self._watched
                        in_grads = prim._grad(gs, list(outs), *ins,
                                              _needs=tuple(i in watched for i in ids), **attrs)
                    else:
                        in_grads = prim._grad(gs, list(outs), *ins, **attrs)
                else:
                    g = grads.get(id(outs))
                    if g is None:
                        continue
                    if prim.grad_needs:
                        watched = self._watched
                        in_grads = prim._grad(g, outs, *ins,
                                              _needs=tuple(i in watched for i in ids), **attrs)
                    else:
                        in_grads = prim._grad(g, outs, *ins, **attrs)
                if len(ids) == 1 and not isinstance(in_grads, (tuple, list)):
                    in_grads = (in_grads,)
                for xid, gi, x in zip(ids, in_grads, ins):
                    if gi is not None and xid in self._watched:
                        if gi._a.shape != x._a.shape:
                            gi = ops.unbroadcast(gi, x._a.shape)
                        _accumulate(grads, xid, gi, ops)
            return grads
        finally:
            self._recording = was

    def jacobian(self, target, sources, unconnected_gradients=UnconnectedGradients.NONE,
                 parallel_iterations=None, experimental_use_pfor=True):
        """Computes the Jacobian of `target` with respect to each source.

        Returns:
            For each source, a tensor of shape `target.shape + source.shape`.
        """
        ops = _load_ops()
        flat_src = nest.flatten(sources)
        n = int(target._a.size)
        persistent, self._persistent = self._persistent, True
        try:
            rows = [[] for _ in flat_src]
            for i in range(n):
                seed = ops.one_hot_seed(target, i)
                gs = self.gradient(target, flat_src, output_gradients=[seed],
                                   unconnected_gradients=unconnected_gradients)
                for r, g in zip(rows, gs):
                    r.append(g)
        finally:
            self._persistent = persistent
        out = []
        for s, r in zip(flat_src, rows):
            if n and all(g is None for g in r):
                out.append(None)
                continue
            r = [ops.zeros_like(s) if g is None else g for g in r]
            if n == 0:
                out.append(ops.zeros(tuple(target._a.shape) + tuple(s._a.shape), s.dtype))
            else:
                out.append(ops.reshape(ops.stack(r), tuple(target._a.shape) + tuple(s._a.shape)))
        return nest.pack_sequence_as(sources, out)

    def batch_jacobian(self, target, source, unconnected_gradients=UnconnectedGradients.NONE,
                       parallel_iterations=None, experimental_use_pfor=True):
        """Jacobian of each batch row of `target` w.r.t. the same row of `source`.

        Args:
            target: shape `(batch, ...)`; row b must depend only on `source[b]`.
            source: shape `(batch, ...)`.

        Returns:
            A tensor of shape `(batch,) + target.shape[1:] + source.shape[1:]`.
        """
        ops = _load_ops()
        tshape = tuple(target._a.shape)
        b = tshape[0]
        if source._a.shape[0] != b:
            raise ValueError(
                f"batch_jacobian needs the same batch size for target {tshape} and "
                f"source {tuple(source._a.shape)}.")
        m = int(target._a.size // b) if b else 0
        persistent, self._persistent = self._persistent, True
        cols = []
        try:
            for j in range(m):
                seed = ops.batch_one_hot_seed(target, j)
                g = self.gradient(target, source, output_gradients=seed,
                                  unconnected_gradients=unconnected_gradients)
                if g is None:
                    return None
                cols.append(g)
        finally:
            self._persistent = persistent
        sshape = tuple(source._a.shape[1:])
        if not cols:
            return ops.zeros((b,) + tshape[1:] + sshape, source.dtype)
        stacked = ops.stack(cols, axis=1)  # (b, m, *sshape)
        return ops.reshape(stacked, (b,) + tshape[1:] + sshape)

    # -- diagnosis ---------------------------------------------------------
    def explain(self, target, sources):
        """Says, for each source, why its gradient would be None (or that it is connected).

        Returns:
            A string with one line per source, e.g. `"source 0 (Variable 'w:0'):
            it went through ArgMax, which has no gradient"`.

        Call it before `gradient` on a non-persistent tape, or on a persistent one.
        """
        targets = {id(t) for t in nest.flatten(target) if isinstance(t, Tensor)}
        lines = []
        for i, s in enumerate(nest.flatten(sources)):
            label = f"source {i} ({_label(s)})"
            lines.append(f"{label}: {self._why(s, targets)}")
        return "\n".join(lines)

    def _why(self, s, targets):
        if not isinstance(s, Tensor):
            return f"is a {type(s).__name__}, not a tensor or variable"
        if not s._a.dtype.kind in "fcV":
            return (f"has dtype {s.dtype.name}: gradients are defined only for floating-point "
                    "sources (cast it: ts.cast(x, ts.float32))")
        if id(s) not in self._watched:
            if s._is_variable and not s.trainable:
                return ("is a non-trainable variable (trainable=False), which the tape does not "
                        "watch automatically: call tape.watch(v)")
            if s._is_variable and not self._watch_accessed:
                return "was not watched: the tape has watch_accessed_variables=False; call tape.watch(v)"
            if s._is_variable:
                return ("was not used inside the tape: it was never read by an op while the "
                        "tape was recording")
            return ("was not watched: constants are not traced automatically; call tape.watch(x) "
                    "before using x inside the tape (or make it a ts.Variable)")
        reach = {id(s)}
        for prim, ins, ids, outs, attrs in self._records:
            if any(i in reach for i in ids):
                for o in (outs if type(outs) is tuple else (outs,)):
                    reach.add(id(o))
        if reach & targets:
            return "is connected: its gradient is defined"
        cuts = [why for xid, why in self._cuts.items() if xid in reach]
        if cuts:
            return "; ".join(dict.fromkeys(cuts))
        if len(reach) == 1:
            return ("was not used to compute the target while the tape was recording (was the "
                    "target computed outside the `with` block, or from other tensors?)")
        return "does not lead to the target: the target was computed from other tensors"


def _label(s):
    if isinstance(s, Tensor) and s._is_variable:
        return f"Variable '{s.name}' shape={tuple(s._a.shape)}"
    if isinstance(s, Tensor):
        return f"Tensor shape={tuple(s._a.shape)} dtype={s.dtype.name}"
    return type(s).__name__


def _accumulate(grads, key, g, ops):
    prev = grads.get(key)
    grads[key] = g if prev is None else ops.add(prev, g)


class _Pause:
    __slots__ = ("_tape", "_was")

    def __init__(self, tape):
        self._tape = tape

    def __enter__(self):
        self._was = self._tape._recording
        self._tape._recording = False
        return self

    def __exit__(self, *exc):
        self._tape._recording = self._was
        return False


class stop_recording:
    """Context manager pausing every active tape (used by `custom_gradient`)."""

    def __enter__(self):
        self._saved = [(t, t._recording) for t in TAPES]
        for t, _ in self._saved:
            t._recording = False
        return self

    def __exit__(self, *exc):
        for t, was in self._saved:
            t._recording = was
        return False


def custom_gradient(f=None):
    """Decorator defining a function with its own gradient, as `tf.custom_gradient`.

    The decorated `f(*x)` returns `(y, grad_fn)`. `grad_fn(*upstream)` returns
    the gradients for each `x`; if `f` reads trainable variables, `grad_fn`
    takes a `variables=None` keyword and returns `(input_grads, variable_grads)`.

    Example:
    >>> @ts.custom_gradient
    ... def clip_grad(x):
    ...     def grad(upstream):
    ...         return ts.clip_by_value(upstream, -1.0, 1.0)
    ...     return ts.identity(x), grad
    """
    if f is None:
        return custom_gradient

    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        if not TAPES:
            y, _ = f(*args, **kwargs)
            return y
        probe = GradientTape(persistent=True)
        with stop_recording():
            probe._push()
            try:
                y, grad_fn = f(*args, **kwargs)
            finally:
                probe._pop()
        variables = list(probe.watched_variables())
        inputs = [a for a in nest.flatten(list(args)) if isinstance(a, Tensor)]
        takes_vars = "variables" in inspect.signature(grad_fn).parameters
        if variables and not takes_vars:
            raise TypeError(
                f"The custom gradient of {f.__name__} reads variables "
                f"{[v.name for v in variables]}, so its grad_fn must accept a `variables` "
                "keyword argument and return (input_grads, variable_grads).")
        flat_y = nest.flatten(y)
        outs = tuple(_wrap(t._a) if isinstance(t, Tensor) else t for t in flat_y)
        n_in = len(inputs)

        def grad(g, out, *ins):
            gs = g if isinstance(g, list) else [g]
            if takes_vars and variables:
                in_g, var_g = grad_fn(*gs, variables=variables)
            else:
                in_g, var_g = grad_fn(*gs), []
            in_g = list(in_g) if isinstance(in_g, (list, tuple)) else [in_g]
            if len(in_g) != n_in:
                raise ValueError(
                    f"The custom gradient of {f.__name__} returned {len(in_g)} gradients "
                    f"for {n_in} tensor inputs.")
            return in_g + list(var_g)

        prim = Primitive(f"CustomGradient_{f.__name__}", n_out=len(outs), register=False)
        prim._grad = grad
        rec_out = outs if len(outs) > 1 else outs[0]
        record(prim, tuple(inputs) + tuple(variables), rec_out, {})
        return nest.pack_sequence_as(y, list(outs))

    return wrapper

"""`keras.optimizers.Optimizer`: the base class of every optimizer, as in Keras 3.

The built-in optimizers update each variable with a few in-place NumPy (or CuPy)
ufunc calls on its array (`variable._a`), using preallocated scratch buffers; per-step
constants (bias corrections) are Python floats computed once per step. A user
subclass that overrides `update_step(gradient, variable, learning_rate)` gets
Tensors and the learning rate, as in Keras, and may use `self.assign*`.
"""
import math
import re
import warnings

import numpy as np

from ...backend import dtypes as _dt
from ...backend import xp as _xp
from ...core.tensor import Tensor, _wrap, to_array
from ...core.variable import Variable as _TSVariable
from ..backend import Variable, floatx, standardize_dtype
from ..saving import serialization_lib
from ..saving.object_registration import keras_export
from . import schedules as _sched
from ._common import base_optimizer_keyword_args  # noqa: F401  (Keras's docstring template)
from ._common import auto_name as _auto_name, initial_value as _initial_value
from ._common import lr_float as _lr_float, sqsum as _sqsum, var_label as _var_label

__all__ = ["Optimizer"]


_FLUSH_EVERY = 50
@keras_export("keras.optimizers")
class Optimizer:
    """Abstract optimizer base class (Keras 3's `keras.optimizers.Optimizer`).

    To write your own optimizer, subclass it and override `build(variables)`
    (create slot variables with `add_variable_from_reference`), `update_step(gradient,
    variable, learning_rate)` and `get_config()`.

    Args:
        learning_rate: a float, a `keras.optimizers.schedules.LearningRateSchedule`,
            or a callable taking no arguments and returning the learning rate.
        weight_decay: float; if set, decoupled weight decay
            `variable -= variable * weight_decay * learning_rate` is applied before each update.
        clipnorm: float; if set, each gradient is clipped to this L2 norm.
        clipvalue: float; if set, each gradient is clipped to `[-clipvalue, clipvalue]`.
        global_clipnorm: float; if set, all gradients are scaled so that their global
            L2 norm is at most this value.
        use_ema: whether to keep an exponential moving average of the model's weights.
        ema_momentum: the EMA momentum: `average = m * average + (1 - m) * variable`.
        ema_overwrite_frequency: int or None; every this many steps the weights are
            overwritten by their average (None: only by `finalize_variable_values()`).
        loss_scale_factor: float or None; `scale_loss()` multiplies the loss by it and
            the gradients are divided by it before being applied.
        gradient_accumulation_steps: int >= 2 or None; if set, gradients are
            accumulated and the variables updated (with their average) every that many steps.
        name: the optimizer's name (variables are named `"<name>/<slot>"`).

    Example:
    >>> opt = keras.optimizers.SGD(learning_rate=0.1)
    >>> v = keras.Variable(1.0)
    >>> _ = opt.apply_gradients([(ts.constant(2.0), v)])
    >>> round(float(v.numpy()), 4)
    0.8
    """


    def __init__(self, learning_rate, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        self._lock = False
        if kwargs.pop("decay", None) is not None:
            warnings.warn("Argument `decay` is no longer supported and will be ignored.")
        if kwargs:
            raise ValueError(f"{type(self).__name__}: argument(s) not recognized: {kwargs}")
        if name is None:
            name = _auto_name(type(self).__name__)
        self.name = name
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.global_clipnorm = global_clipnorm
        self.clipvalue = clipvalue
        self.use_ema = use_ema
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        if gradient_accumulation_steps:
            if not (isinstance(gradient_accumulation_steps, (int, np.integer))
                    and gradient_accumulation_steps >= 2):
                raise ValueError(
                    "`gradient_accumulation_steps` must be an integer >= 2. Received: "
                    f"gradient_accumulation_steps={gradient_accumulation_steps}")
        if use_ema:
            if ema_momentum > 1 or ema_momentum < 0:
                raise ValueError("`ema_momentum` must be in the range [0, 1]. "
                                 f"Received: ema_momentum={ema_momentum}")
            if ema_overwrite_frequency and (
                    not isinstance(ema_overwrite_frequency, (int, np.integer))
                    or ema_overwrite_frequency < 1):
                raise ValueError("`ema_overwrite_frequency` must be an integer >= 1 or None. "
                                 f"Received: ema_overwrite_frequency={ema_overwrite_frequency}")
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        if sum(a is not None for a in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError(
                "Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. "
                f"Received: clipnorm={clipnorm}, clipvalue={clipvalue}, "
                f"global_clipnorm={global_clipnorm}")
        self.built = False
        self._variables = []
        self._trainable_variables = []
        self._trainable_variables_indices = {}
        self._scratch = []
        self._gbuf = []
        self._iterations = self._new_variable(np.zeros((), np.int64), "iteration",
                                              "only_first_replica")
        if isinstance(learning_rate, _sched.LearningRateSchedule) or (
                callable(learning_rate) and not isinstance(learning_rate, Tensor)):
            self._learning_rate = learning_rate
        else:
            try:
                lr = float(learning_rate)
                if isinstance(learning_rate, (bool, str)) or learning_rate is None:
                    raise TypeError
            except (TypeError, ValueError):
                raise ValueError(
                    "Argument `learning_rate` should be float, or an instance of "
                    "LearningRateSchedule, or a callable (that takes in the current iteration "
                    "value and returns the corresponding learning rate value). Received "
                    f"instead: learning_rate={learning_rate!r}") from None
            self._learning_rate = self._new_variable(
                np.asarray(lr, dtype=_dt.np_dtype(floatx())), "learning_rate",
                "only_first_replica")

    # -- variables --------------------------------------------------------
    def __setattr__(self, name, value):
        if name != "_lock" and "_lock" not in self.__dict__:
            raise RuntimeError(
                f"In optimizer '{type(self).__name__}', you forgot to call `super().__init__()` "
                "as the first statement in the `__init__()` method. Go add it!")
        if isinstance(value, _TSVariable) and "_variables" in self.__dict__:
            self._track_variable(value)
        object.__setattr__(self, name, value)

    def _track_variable(self, variable):
        for v in self._variables:
            if v is variable:
                return
        self._variables.append(variable)

    def _untrack_variable(self, variable):
        self._variables[:] = [v for v in self._variables if v is not variable]

    def _new_variable(self, value, name, aggregation="none"):
        v = Variable(value, dtype=_dt.from_numpy(value.dtype).name, trainable=False,
                     aggregation=aggregation, name=name)
        v.path = f"{self.name}/{name}"
        self._track_variable(v)
        return v

    @property
    def variables(self):
        """All optimizer variables: `iteration`, `learning_rate` (when a float), then the
        slot variables in the order they were created (the order checkpoints use)."""
        return self._variables[:]

    @property
    def iterations(self):
        """The number of steps applied: an int64 Variable (with gradient accumulation, the
        number of real updates, `raw_steps // gradient_accumulation_steps`)."""
        if self.gradient_accumulation_steps:
            return _wrap(np.asarray(self._iters()))
        return self._iterations

    def _iters(self):
        n = int(self._iterations._a)
        s = self.gradient_accumulation_steps
        return n // s if s else n

    def _var_key(self, variable):
        return id(variable)

    def _get_variable_index(self, variable):
        try:
            return self._trainable_variables_indices[id(variable)]
        except KeyError:
            raise ValueError(
                f"Unknown variable: {_var_label(variable)}. Optimizer {self.name!r} can only be "
                "called for the variables it was originally built with. When working with a "
                "new set of variables, you should recreate a new optimizer instance.") from None

    def add_variable(self, shape, initializer="zeros", dtype=None, aggregation="none",
                     layout=None, name=None):
        """Adds a (non-trainable) optimizer variable and tracks it in `variables`.

        Args:
            shape: the shape (fully defined).
            initializer: an initializer name (`"zeros"`), object/callable or a number.
            dtype: defaults to `keras.config.floatx()`.
            aggregation: the multi-replica aggregation ("none", "mean", "sum", ...).
            layout: unused (distribution layouts are not supported).
            name: the variable's name.
        """
        self._check_super_called()
        dtype = standardize_dtype(dtype)
        shape = tuple(int(d) for d in shape)
        value = _initial_value(initializer, shape, dtype, _xp.current())
        return self._new_variable(value, name or "variable", aggregation)

    def add_variable_from_reference(self, reference_variable, name=None, initializer="zeros"):
        """Adds an optimizer variable with the shape and dtype of `reference_variable`,
        named `"<reference path with _>_<name>"` (e.g. `dense_kernel_momentum`)."""
        name = name or "var"
        path = getattr(reference_variable, "path", None)
        if path is not None:
            name = path.replace("/", "_") + "_" + name
        else:
            name = str(reference_variable.name).replace("/", "_").replace(":", "_") + "_" + name
        self._check_super_called()
        a = reference_variable._a
        value = _initial_value(initializer, tuple(a.shape), _dt.from_numpy(a.dtype).name,
                               _xp.of(a))
        return self._new_variable(value, name)

    def add_optimizer_variables(self, trainable_variables, name, initializer="zeros"):
        """Adds one slot per variable for each name in `name` (a string or a list of
        strings), interleaved per variable as Keras does. Returns a list (one name) or a
        tuple of lists."""
        names = [name] if isinstance(name, str) else list(name)
        inits = [initializer] * len(names) if isinstance(name, str) or isinstance(
            initializer, (str, int, float)) or callable(initializer) else list(initializer)
        if len(names) != len(inits):
            raise ValueError("The number of provided names must match the number of provided "
                             f"initializers. Received name={name!r}, initializer={initializer!r}")
        out = tuple([] for _ in names)
        for v in trainable_variables:
            over = getattr(v, "overwrite_with_gradient", False)
            for k, (n, init) in enumerate(zip(names, inits)):
                out[k].append(None if over else self.add_variable_from_reference(v, n, init))
        return out[0] if isinstance(name, str) else out

    def build(self, variables):
        """Creates the optimizer's state for `variables` (called by the first `apply`)."""
        variables = list(variables)
        if self.use_ema:
            self._model_variables_moving_average = self.add_optimizer_variables(
                variables, "average")
        if self.gradient_accumulation_steps:
            self._accumulated_gradients = []
        for i, v in enumerate(variables):
            self._trainable_variables_indices[id(v)] = i
            if self.gradient_accumulation_steps:
                self._accumulated_gradients.append(
                    self.add_variable_from_reference(v, name="gradient_accumulator"))
        self._trainable_variables = variables[:]
        self._scratch = [_xp.of(v._a).empty_like(v._a) for v in variables]
        self._gbuf = [None] * len(variables)
        self.built = True

    def _check_super_called(self):
        if "_lock" not in self.__dict__:
            raise RuntimeError(
                f"In optimizer '{type(self).__name__}', you forgot to call `super().__init__()` "
                "as the first statement in the `__init__()` method. Go add it!")

    def _check_variables_are_known(self, variables):
        idx = self._trainable_variables_indices
        for v in variables:
            if id(v) not in idx:
                self._get_variable_index(v)

    # -- variable updates usable by custom update_step -----------------------
    def assign(self, variable, value):
        """Assigns `value` to `variable` (use this in a custom `update_step`)."""
        variable.assign(value)

    def assign_add(self, variable, value):
        """Adds `value` to `variable`."""
        variable.assign_add(value)

    def assign_sub(self, variable, value):
        """Subtracts `value` from `variable`."""
        variable.assign_sub(value)

    # -- learning rate -----------------------------------------------------
    @property
    def learning_rate(self):
        """The current learning rate: the `learning_rate` Variable (a float learning rate),
        the schedule's value at the current step, or the callable's result."""
        lr = self._learning_rate
        if isinstance(lr, _sched.LearningRateSchedule):
            return lr(self._iterations)
        if isinstance(lr, _TSVariable):
            return lr
        if callable(lr):
            return lr()
        return lr

    @learning_rate.setter
    def learning_rate(self, learning_rate):
        prev = self._learning_rate if isinstance(self._learning_rate, _TSVariable) else None
        if isinstance(learning_rate, _sched.LearningRateSchedule) or (
                callable(learning_rate) and not isinstance(learning_rate, Tensor)):
            self._learning_rate = learning_rate
        else:
            if prev is None:
                if isinstance(self._learning_rate, _sched.LearningRateSchedule):
                    raise TypeError(
                        "This optimizer was created with a `LearningRateSchedule` object as its "
                        "`learning_rate` constructor argument, hence its learning rate is not "
                        "settable. If you need the learning rate to be settable, you should "
                        "instantiate the optimizer with a float `learning_rate` argument.")
                self._learning_rate = self._new_variable(
                    np.asarray(_lr_float(learning_rate), dtype=_dt.np_dtype(floatx())),
                    "learning_rate", "only_first_replica")
                return
            prev.assign(np.asarray(_lr_float(learning_rate), dtype=prev._a.dtype))
        if prev is not None and not isinstance(self._learning_rate, _TSVariable):
            self._untrack_variable(prev)

    def _lr_value(self):
        """The current learning rate as a Python float."""
        lr = self._learning_rate
        if isinstance(lr, _TSVariable):
            return float(lr._a)
        if isinstance(lr, _sched._Builtin):
            return lr._value(int(self._iterations._a))
        if isinstance(lr, _sched.LearningRateSchedule):
            return _lr_float(lr(self._iterations))
        return _lr_float(lr())

    # -- applying gradients ------------------------------------------------
    def update_step(self, gradient, variable, learning_rate):
        """Updates `variable` from `gradient`: override this in a custom optimizer."""
        raise NotImplementedError(
            f"Optimizer {type(self).__name__} must implement `update_step(gradient, variable, "
            "learning_rate)`.")

    def apply_gradients(self, grads_and_vars):
        """Applies `(gradient, variable)` pairs; returns `iterations` (as tf.keras does)."""
        pairs = list(grads_and_vars)
        if not pairs:
            return self._iterations
        grads, variables = zip(*pairs)
        self.apply(list(grads), list(variables))
        return self._iterations

    def apply(self, grads, trainable_variables=None):
        """Updates the variables from their gradients (one optimizer step).

        Args:
            grads: a list of gradients (None for variables without one).
            trainable_variables: the matching variables; the first call builds the
                optimizer on them. If omitted, the optimizer must be built and `grads`
                must match the variables it was built with one to one.
        """
        grads = list(grads)
        if not grads:
            return
        if trainable_variables is None:
            if not self.built:
                raise ValueError(
                    "When passing `grads` without `variables`, the optimizer must already be "
                    "built on a list of variables. Call `optimizer.build(trainable_variables)` "
                    "first.")
            if len(grads) != len(self._trainable_variables):
                raise ValueError(
                    "When passing `grads` as a list of gradient tensors, the gradients must "
                    f"match `optimizer.variables` one-to-one. Received a list of {len(grads)} "
                    f"gradients, but the optimizer is tracking "
                    f"{len(self._trainable_variables)} trainable variables.")
            trainable_variables = self._trainable_variables
        else:
            trainable_variables = list(trainable_variables)
            if len(grads) != len(trainable_variables):
                raise ValueError(
                    f"Optimizer {self.name!r}: got {len(grads)} gradients for "
                    f"{len(trainable_variables)} variables; pass one gradient per variable.")
            if not self.built:
                self.build(trainable_variables)
                self.built = True
            self._check_variables_are_known(trainable_variables)
        grads, trainable_variables = self._filter_empty_gradients(grads, trainable_variables)
        grads = [self._grad_array(g, v) for g, v in zip(grads, trainable_variables)]
        grads, trainable_variables = self._overwrite_variables_directly_with_gradients(
            grads, trainable_variables)
        if grads:
            scale = self.loss_scale_factor
            if scale is not None:
                idx = self._trainable_variables_indices
                grads = [np.divide(g, scale, out=self._buf(idx[id(v)], g))
                         for g, v in zip(grads, trainable_variables)]
            self._backend_apply_gradients(grads, trainable_variables)
            for v in trainable_variables:
                c = getattr(v, "constraint", None)
                if c is not None:
                    v.assign(c(v))
        self._iterations._a += 1

    def _grad_array(self, g, v):
        w = v._a
        if isinstance(g, Tensor):
            a = g._a
        elif hasattr(g, "indices") and hasattr(g, "values"):  # IndexedSlices: densify
            a = _xp.of(w).zeros(w.shape, dtype=w.dtype)
            vals = to_array(g.values)
            np.add.at(a, to_array(g.indices).astype(np.int64), vals.astype(w.dtype))
        else:
            a = to_array(g)
        if a.dtype != w.dtype:
            a = a.astype(w.dtype)
        if a.shape != w.shape:
            raise ValueError(
                f"Optimizer {self.name!r}: the gradient for variable {_var_label(v)!r} has "
                f"shape {tuple(a.shape)}, but the variable has shape {tuple(w.shape)}. Pass "
                "gradients in the same order as the variables.")
        return a

    def _buf(self, i, g):
        b = self._gbuf[i]
        if b is None or b.shape != g.shape or b.dtype != g.dtype:
            b = self._gbuf[i] = _xp.of(g).empty_like(g)
        return b

    def _filter_empty_gradients(self, grads, variables):
        if all(g is not None for g in grads):
            return grads, variables
        kept = [(g, v) for g, v in zip(grads, variables) if g is not None]
        missing = [_var_label(v) for g, v in zip(grads, variables) if g is None]
        if not kept:
            raise ValueError(
                "No gradients provided for any variable. Optimizer "
                f"{self.name!r} received None for the gradient of every variable: {missing}. "
                "Check that the loss is computed from these variables inside the "
                "GradientTape (and, with `model.compile()`, that a `loss` was given).")
        warnings.warn(
            f"Gradients do not exist for variables {missing} when minimizing the loss. If "
            "using `model.compile()`, did you forget to provide a `loss` argument?")
        return [g for g, _ in kept], [v for _, v in kept]

    def _overwrite_variables_directly_with_gradients(self, grads, variables):
        if not any(getattr(v, "overwrite_with_gradient", False) for v in variables):
            return grads, variables
        out_g, out_v = [], []
        steps = self.gradient_accumulation_steps
        for g, v in zip(grads, variables):
            if not getattr(v, "overwrite_with_gradient", False):
                out_g.append(g)
                out_v.append(v)
                continue
            if steps:
                acc = self._accumulated_gradients[self._get_variable_index(v)]
                if (int(self._iterations._a) + 1) % steps == 0:
                    v.assign(np.maximum(g, acc._a))
                    acc._a[...] = 0
                else:
                    np.maximum(g, acc._a, out=acc._a)
            else:
                v.assign(g)
        return out_g, out_v

    def _backend_apply_gradients(self, grads, trainable_variables):
        """Accumulation, clipping, weight decay, the update and EMA, on gradient arrays."""
        steps = self.gradient_accumulation_steps
        idx = [self._trainable_variables_indices[id(v)] for v in trainable_variables]
        if steps:
            accs = self._accumulated_gradients
            if (int(self._iterations._a) + 1) % steps == 0:
                avg = []
                for g, i in zip(grads, idx):
                    b = self._buf(i, g)
                    np.add(g, accs[i]._a, out=b)
                    np.divide(b, steps, out=b)
                    avg.append(b)
                self._clip_update_decay(avg, trainable_variables, idx)
                for a in accs:
                    if a is not None:
                        a._a[...] = 0
            else:
                for g, i in zip(grads, idx):
                    a = accs[i]._a
                    np.add(a, g, out=a)
        else:
            self._clip_update_decay(grads, trainable_variables, idx)
        if self.use_ema:
            self._update_model_variables_moving_average(self._trainable_variables)
            freq = self.ema_overwrite_frequency
            if freq and (self._iters() + 1) % freq == 0:
                self._overwrite_model_variables_with_average_value(self._trainable_variables)

    def _uses_fast_path(self):
        return type(self).update_step is Optimizer._array_update_step

    def _clip_update_decay(self, grads, variables, idx):
        grads = self._clip_gradients(grads, idx)
        fast = self._uses_fast_path()
        lr = self._lr_value() if fast or self.weight_decay is not None else None
        self._apply_weight_decay(variables, lr)
        self._backend_update_step(grads, variables, lr if fast else self.learning_rate)

    def _backend_update_step(self, grads, trainable_variables, learning_rate):
        """Calls the update for each (gradient, variable) pair."""
        if self._uses_fast_path():
            lr = _lr_float(learning_rate)
            self._prepare_step(lr)
            if not self._update_all(grads, trainable_variables):
                ind = self._trainable_variables_indices
                upd = self._update_arrays
                for g, v in zip(grads, trainable_variables):
                    upd(ind[id(v)], g, v._a, lr)
            if self._iters() % _FLUSH_EVERY == _FLUSH_EVERY - 1:
                self._flush_tiny_slots()
        else:
            for g, v in zip(grads, trainable_variables):
                self.update_step(_wrap(g) if not isinstance(g, Tensor) else g, v, learning_rate)

    def _flush_tiny_slots(self):
        """Sets slot values below 1e-30 to zero.

        A moment whose gradient stays zero decays geometrically until it is a
        denormal float, and arithmetic on denormals is many times slower on CPUs
        (frameworks that flush denormals to zero never see this). Values this small
        change no update (they are divided by sqrt(v) + epsilon), so zeroing them
        every few dozen steps keeps the update fast without changing results.
        """
        for v in self.variables:
            a = v._a
            if a.ndim and a.dtype.kind == "f":
                xp = _xp.of(a)
                xp.copyto(a, 0, where=xp.abs(a) < 1e-30)

    def _array_update_step(self, gradient, variable, learning_rate):
        """Updates `variable` in place from `gradient` with this optimizer's rule (one
        variable of one step; `apply` does the whole step)."""
        lr = _lr_float(learning_rate)
        self._prepare_step(lr)
        i = self._get_variable_index(variable)
        self._update_arrays(i, self._grad_array(gradient, variable), variable._a, lr)

    def _new_scratch(self):
        """One more scratch buffer per built variable (for rules that need two)."""
        return [_xp.of(v._a).empty_like(v._a) for v in self._trainable_variables]

    def _prepare_step(self, lr):
        """Computes the step's scalar constants (bias corrections) once per step."""

    def _update_arrays(self, i, g, w, lr):
        raise NotImplementedError

    def _update_all(self, grads, variables):
        """Updates all variables of a step at once where a rule can (a compiled kernel);
        returns False to have `_update_arrays` called per variable instead."""
        return False

    def _clip_gradients(self, grads, idx=None):
        if self.clipnorm and self.clipnorm > 0:
            c = float(self.clipnorm)
            out = []
            for k, g in enumerate(grads):
                n = math.sqrt(_sqsum(g))
                if not n <= c:
                    g = np.multiply(g, c / n, out=self._buf(idx[k], g) if idx else None)
                out.append(g)
            return out
        if self.global_clipnorm and self.global_clipnorm > 0:
            c = float(self.global_clipnorm)
            n = math.sqrt(sum(_sqsum(g) for g in grads))
            if n <= c:
                return grads
            s = c / n if math.isfinite(n) else float("nan")
            return [np.multiply(g, s, out=self._buf(idx[k], g) if idx else None)
                    for k, g in enumerate(grads)]
        if self.clipvalue and self.clipvalue > 0:
            c = float(self.clipvalue)
            return [np.clip(g, -c, c, out=self._buf(idx[k], g) if idx else None)
                    for k, g in enumerate(grads)]
        return grads

    # -- weight decay --------------------------------------------------------
    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Excludes variables from weight decay (call before the optimizer is built).

        Args:
            var_list: variables to exclude.
            var_names: strings; a variable whose name contains one of them (regular
                expressions) is excluded, e.g. `var_names=["bias"]`.
        """
        if self.built:
            raise ValueError("`exclude_from_weight_decay()` can only be configured before the "
                             "optimizer is built.")
        self._exclude_from_weight_decay = set(id(v) for v in var_list) if var_list else set()
        self._exclude_from_weight_decay_pattern = re.compile(
            "|".join(set(var_names))) if var_names else None
        self._exclude_from_weight_decay_cache = {}

    def _use_weight_decay(self, variable):
        cache = self.__dict__.get("_exclude_from_weight_decay_cache")
        if cache is None:
            cache = self._exclude_from_weight_decay_cache = {}
        key = id(variable)
        r = cache.get(key)
        if r is not None:
            return r
        r = True
        if key in self.__dict__.get("_exclude_from_weight_decay", ()):
            r = False
        pat = self.__dict__.get("_exclude_from_weight_decay_pattern")
        if r and pat is not None and re.search(pat, str(variable.name)) is not None:
            r = False
        cache[key] = r
        return r

    def _apply_weight_decay(self, variables, lr=None):
        if self.weight_decay is None:
            return
        if lr is None:
            lr = self._lr_value()
        f = 1.0 - float(self.weight_decay) * lr
        for v in variables:
            if self._use_weight_decay(v):
                w = v._a
                np.multiply(w, f, out=w)

    # -- EMA -----------------------------------------------------------------
    def _update_model_variables_moving_average(self, trainable_variables):
        m = float(self.ema_momentum) if self._iters() != 0 else 0.0
        for i, (var, avg) in enumerate(zip(trainable_variables,
                                           self._model_variables_moving_average)):
            if avg is None:
                continue
            a, w = avg._a, var._a
            if m == 0.0:
                a[...] = w
            else:
                t = self._scratch[i]
                np.subtract(w, a, out=t)
                t *= 1.0 - m
                a += t

    def _overwrite_model_variables_with_average_value(self, trainable_variables):
        avgs = self._model_variables_moving_average
        if len(trainable_variables) != len(avgs):
            raise ValueError(
                f"The length of model variables ({len(trainable_variables)}) to override does "
                f"not match the length of model variables stored in the optimizer "
                f"({len(avgs)}). Please check if the optimizer was called on your model.")
        for var, avg in zip(trainable_variables, avgs):
            if avg is not None:
                var.assign(avg._a)

    def finalize_variable_values(self, var_list):
        """Sets the final values of the model's variables: with `use_ema=True`, each
        variable is overwritten by its moving average (`fit` calls this at the end)."""
        if self.use_ema:
            self._overwrite_model_variables_with_average_value(list(var_list))

    # -- other API -------------------------------------------------------------
    def minimize(self, loss, var_list, tape=None):
        """Computes the gradients of `loss` and applies them to `var_list`.

        Args:
            loss: a callable taking no arguments and returning the loss, or a loss
                Tensor computed under `tape`.
            var_list: the variables (or a callable returning them).
            tape: the `GradientTape` that recorded a Tensor `loss`.

        Returns:
            The `iterations` variable.
        """
        from ...core.autodiff import GradientTape
        if not callable(loss) and tape is None:
            raise ValueError("`tape` is required when a `Tensor` loss is passed. "
                             f"Received: loss={loss!r}, tape=None.")
        if tape is None:
            tape = GradientTape()
        if callable(loss):
            with tape:
                if not callable(var_list):
                    tape.watch(list(var_list))
                loss = loss()
        if callable(var_list):
            var_list = var_list()
        var_list = list(var_list)
        grads = tape.gradient(loss, var_list)
        return self.apply_gradients(zip(grads, var_list))

    def scale_loss(self, loss):
        """Multiplies the loss by `loss_scale_factor` (if set), before computing gradients."""
        if self.loss_scale_factor is not None:
            return loss * self.loss_scale_factor
        return loss

    def set_weights(self, weights):
        """Sets the optimizer variables' values (in `variables` order)."""
        if not self.built:
            raise ValueError(
                "You are calling `set_weights()` on an optimizer that has not yet been built. "
                "Please call `optimizer.build(trainable_variables)` to create the optimizer "
                "weights before calling `set_weights()`.")
        for v, w in zip(self._variables, weights):
            if tuple(v.shape) != tuple(np.shape(w)):
                raise ValueError(f"Optimizer variable {_var_label(v)} has shape "
                                 f"{tuple(v.shape)} not compatible with provided weight shape "
                                 f"{tuple(np.shape(w))}.")
            v.assign(np.asarray(w, dtype=v._a.dtype) if not isinstance(w, Tensor) else w)

    def save_own_variables(self, store):
        """Writes the variables' values to `store["0"]`, `store["1"]`, ... (checkpoints)."""
        for i, v in enumerate(self.variables):
            store[str(i)] = v.numpy()

    def load_own_variables(self, store):
        """Restores the variables from `store` (written by `save_own_variables`)."""
        if len(store.keys()) != len(self.variables):
            msg = (f"Skipping variable loading for optimizer '{self.name}', because it has "
                   f"{len(self.variables)} variables whereas the saved optimizer has "
                   f"{len(store.keys())} variables. ")
            if len(self.variables) == 0:
                msg += "This is likely because the optimizer has not been called/built yet."
            warnings.warn(msg, stacklevel=2)
            return
        for i, v in enumerate(self.variables):
            v.assign(np.asarray(store[str(i)], dtype=v._a.dtype))

    def _obj_type(self):
        return "Optimizer"

    def get_config(self):
        """Returns the optimizer's config: Keras 3's keys (`name`, `learning_rate`,
        `weight_decay`, `clipnorm`, `global_clipnorm`, `clipvalue`, `use_ema`,
        `ema_momentum`, `ema_overwrite_frequency`, `loss_scale_factor`,
        `gradient_accumulation_steps`) plus the subclass's hyperparameters."""
        lr = self._learning_rate
        if isinstance(lr, _sched.LearningRateSchedule):
            lr = _sched.serialize(lr)
        elif isinstance(lr, _TSVariable):
            lr = float(lr.numpy())
        elif isinstance(lr, Tensor):
            lr = float(lr)
        elif callable(lr):
            lr = serialization_lib.serialize_keras_object(lr)
        return {
            "name": self.name,
            "learning_rate": lr,
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm,
            "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue,
            "use_ema": self.use_ema,
            "ema_momentum": self.ema_momentum,
            "ema_overwrite_frequency": self.ema_overwrite_frequency,
            "loss_scale_factor": self.loss_scale_factor,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Creates an optimizer from its config (no state is restored)."""
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = serialization_lib.deserialize_keras_object(
                config["learning_rate"], custom_objects=custom_objects)
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"

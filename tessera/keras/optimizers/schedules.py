"""`keras.optimizers.schedules`: learning-rate schedules, as in Keras 3.

A schedule maps the optimizer's step (its `iterations`) to a learning rate:
`schedule(step)` returns a float32 scalar Tensor (it supports `float()` and
`.numpy()`). Pass one as an optimizer's `learning_rate`:

>>> lr = keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=1000, decay_rate=0.9)
>>> opt = keras.optimizers.SGD(learning_rate=lr)

Values are computed in Python floats (double precision) and returned as float32.
"""
import math

import numpy as np

from ...core.tensor import _wrap
from ..saving import serialization_lib
from ..saving.object_registration import keras_export

__all__ = ["LearningRateSchedule", "ExponentialDecay", "PiecewiseConstantDecay",
           "PolynomialDecay", "InverseTimeDecay", "CosineDecay", "CosineDecayRestarts",
           "serialize", "deserialize"]

_MODULE = "keras.optimizers.schedules"


def _step_float(step, who):
    try:
        return float(step)
    except (TypeError, ValueError):
        raise TypeError(f"{who}: `step` must be a scalar number, Tensor or Variable. "
                        f"Received: step={step!r}") from None


def _scalar(value):
    return _wrap(np.asarray(value, dtype=np.float32))


def _check_positive(who, name, value):
    if value is None or not value > 0:
        raise ValueError(f"{who}: argument `{name}` must be > 0. Received: {name}={value}")


@keras_export(_MODULE)
class LearningRateSchedule:
    """The learning rate schedule base class.

    Subclasses implement `__call__(step)` (returning the learning rate for the
    given step) and `get_config()`.

    Example:
    >>> class MyLRSchedule(keras.optimizers.schedules.LearningRateSchedule):
    ...     def __init__(self, initial_learning_rate):
    ...         self.initial_learning_rate = initial_learning_rate
    ...     def __call__(self, step):
    ...         return self.initial_learning_rate / (step + 1)
    ...     def get_config(self):
    ...         return {"initial_learning_rate": self.initial_learning_rate}
    """

    def __call__(self, step):
        raise NotImplementedError(
            f"Learning rate schedule '{self.__class__.__name__}' must override "
            "`__call__(self, step)`.")

    def _value(self, step):
        """The learning rate at integer `step` as a Python float (used by optimizers)."""
        return float(self(step))

    def get_config(self):
        raise NotImplementedError(
            f"Learning rate schedule '{self.__class__.__name__}' must override `get_config()` "
            "in order to be serializable.")

    @classmethod
    def from_config(cls, config):
        """Instantiates a schedule from its config (the output of `get_config()`)."""
        return cls(**config)


class _Builtin(LearningRateSchedule):
    """Built-in schedules: `_f(step_float)` gives the value; `__call__` wraps it."""

    def __call__(self, step):
        return _scalar(self._f(_step_float(step, type(self).__name__)))

    def _value(self, step):
        return self._f(float(step))


@keras_export(_MODULE)
class ExponentialDecay(_Builtin):
    """A schedule that decays exponentially:
    `initial_learning_rate * decay_rate ** (step / decay_steps)`.

    Args:
        initial_learning_rate: a float, the initial learning rate.
        decay_steps: a positive int, the decay period.
        decay_rate: a float, the decay rate.
        staircase: if True, `step / decay_steps` is an integer division (the
            learning rate decays at discrete intervals).
        name: the schedule's name. Defaults to `"ExponentialDecay"`.
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="ExponentialDecay"):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name
        _check_positive("ExponentialDecay", "decay_steps", decay_steps)

    def _f(self, step):
        p = step / self.decay_steps
        if self.staircase:
            p = math.floor(p)
        return float(self.initial_learning_rate) * float(self.decay_rate) ** p

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


@keras_export(_MODULE)
class PiecewiseConstantDecay(_Builtin):
    """A piecewise-constant schedule from boundaries and values.

    The learning rate is `values[0]` while `step <= boundaries[0]`, `values[1]`
    while `boundaries[0] < step <= boundaries[1]`, ..., and `values[-1]` once
    `step > boundaries[-1]`.

    Args:
        boundaries: a list of increasing step numbers.
        values: a list of learning rates, one more than `boundaries`.
        name: the schedule's name. Defaults to `"PiecewiseConstant"`.

    Example:
    >>> lr = keras.optimizers.schedules.PiecewiseConstantDecay([100000, 110000], [1.0, 0.5, 0.1])
    """

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        boundaries = list(boundaries)
        values = list(values)
        if len(boundaries) != len(values) - 1:
            raise ValueError(
                "PiecewiseConstantDecay: the length of boundaries should be 1 less than the "
                f"length of values. Received: boundaries={boundaries} of length "
                f"{len(boundaries)}, and values={values} of length {len(values)}.")
        self.boundaries = boundaries
        self.values = values
        self.name = name

    def _f(self, step):
        for b, v in zip(self.boundaries, self.values):
            if step <= b:
                return float(v)
        return float(self.values[-1])

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


@keras_export(_MODULE)
class PolynomialDecay(_Builtin):
    """A schedule that decays polynomially from `initial_learning_rate` to
    `end_learning_rate` over `decay_steps`:

        step = min(step, decay_steps)
        lr = (initial - end) * (1 - step / decay_steps) ** power + end

    With `cycle=True`, `decay_steps` is multiplied by `ceil(step / decay_steps)`
    (1 at step 0) so the decay restarts instead of staying at `end_learning_rate`.

    Args:
        initial_learning_rate: a float.
        decay_steps: a positive int.
        end_learning_rate: a float. Defaults to `0.0001`.
        power: a float. Defaults to `1.0` (linear decay).
        cycle: whether to cycle beyond `decay_steps`.
        name: the schedule's name. Defaults to `"PolynomialDecay"`.
    """

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0,
                 cycle=False, name="PolynomialDecay"):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name
        _check_positive("PolynomialDecay", "decay_steps", decay_steps)

    def _f(self, step):
        decay_steps = float(self.decay_steps)
        if self.cycle:
            mult = 1.0 if step == 0 else math.ceil(step / decay_steps)
            decay_steps = decay_steps * mult
        else:
            step = min(step, decay_steps)
        frac = 1.0 - step / decay_steps
        init, end = float(self.initial_learning_rate), float(self.end_learning_rate)
        return (init - end) * frac ** float(self.power) + end

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "end_learning_rate": self.end_learning_rate,
                "power": self.power, "cycle": self.cycle, "name": self.name}


@keras_export(_MODULE)
class InverseTimeDecay(_Builtin):
    """A schedule with inverse-time decay:
    `initial_learning_rate / (1 + decay_rate * step / decay_steps)`.

    Args:
        initial_learning_rate: a float.
        decay_steps: a positive number, how often to apply the decay.
        decay_rate: a float.
        staircase: if True, `step / decay_steps` is floored (discrete decay).
        name: the schedule's name. Defaults to `"InverseTimeDecay"`.
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="InverseTimeDecay"):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name
        _check_positive("InverseTimeDecay", "decay_steps", decay_steps)

    def _f(self, step):
        p = step / self.decay_steps
        if self.staircase:
            p = math.floor(p)
        return float(self.initial_learning_rate) / (1.0 + float(self.decay_rate) * p)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


@keras_export(_MODULE)
class CosineDecay(_Builtin):
    """A cosine decay schedule, with an optional linear warmup (SGDR without restarts).

    Without warmup (`warmup_target=None`):

        step = min(step, decay_steps)
        decayed = (1 - alpha) * 0.5 * (1 + cos(pi * step / decay_steps)) + alpha
        lr = initial_learning_rate * decayed

    With warmup, the rate rises linearly from `initial_learning_rate` to
    `warmup_target` over `warmup_steps`, then decays from `warmup_target` as above
    over `decay_steps`.

    Args:
        initial_learning_rate: a float.
        decay_steps: a positive int, the number of steps to decay over.
        alpha: a float, the minimum learning rate as a fraction of the starting one.
        name: the schedule's name. Defaults to `"CosineDecay"`.
        warmup_target: a float, the learning rate reached after warmup (None: no warmup).
        warmup_steps: an int, the number of warmup steps.
    """

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay",
                 warmup_target=None, warmup_steps=0):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name
        self.warmup_target = warmup_target
        self.warmup_steps = warmup_steps
        _check_positive("CosineDecay", "decay_steps", decay_steps)

    def _decay(self, step, start_lr):
        frac = step / float(self.decay_steps)
        cos = 0.5 * (1.0 + math.cos(math.pi * frac))
        a = float(self.alpha)
        return start_lr * ((1.0 - a) * cos + a)

    def _f(self, step):
        init = float(self.initial_learning_rate)
        ds = float(self.decay_steps)
        if self.warmup_target is None:
            return self._decay(min(step, ds), init)
        ws = float(self.warmup_steps)
        target = float(self.warmup_target)
        step = min(step, ds + ws)
        if step < ws:
            return (target - init) * (step / ws) + init
        return self._decay(step - ws, target)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "alpha": self.alpha, "name": self.name,
                "warmup_target": self.warmup_target, "warmup_steps": self.warmup_steps}


@keras_export(_MODULE)
class CosineDecayRestarts(_Builtin):
    """A cosine decay schedule with warm restarts (SGDR, Loshchilov & Hutter 2016).

    The first period lasts `first_decay_steps`; each next period is `t_mul` times
    longer and starts from a rate `m_mul` times the previous start. Within a
    period: `lr = initial * ((1 - alpha) * 0.5 * m_mul**i * (1 + cos(pi * t)) + alpha)`,
    `t` being the fraction of the period elapsed.

    Args:
        initial_learning_rate: a float.
        first_decay_steps: a positive int, the length of the first period.
        t_mul: a float, the factor by which each period lengthens. Defaults to 2.0.
        m_mul: a float, the factor applied to each restart's rate. Defaults to 1.0.
        alpha: a float, the minimum learning rate as a fraction of the initial one.
        name: the schedule's name. Defaults to `"SGDRDecay"`.
    """

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0, alpha=0.0,
                 name="SGDRDecay"):
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = first_decay_steps
        self._t_mul = t_mul
        self._m_mul = m_mul
        self.alpha = alpha
        self.name = name
        _check_positive("CosineDecayRestarts", "first_decay_steps", first_decay_steps)

    def _f(self, step):
        frac = step / float(self.first_decay_steps)
        t_mul = float(self._t_mul)
        if t_mul == 1.0:
            i = math.floor(frac)
            frac = frac - i
        else:
            i = math.floor(math.log(1.0 - frac * (1.0 - t_mul)) / math.log(t_mul))
            sum_r = (1.0 - t_mul ** i) / (1.0 - t_mul)
            frac = (frac - sum_r) / t_mul ** i
        m_fac = float(self._m_mul) ** i
        cos = 0.5 * m_fac * (1.0 + math.cos(math.pi * frac))
        a = float(self.alpha)
        return float(self.initial_learning_rate) * ((1.0 - a) * cos + a)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "first_decay_steps": self.first_decay_steps, "t_mul": self._t_mul,
                "m_mul": self._m_mul, "alpha": self.alpha, "name": self.name}


_ALL = {c.__name__: c for c in (LearningRateSchedule, ExponentialDecay, PiecewiseConstantDecay,
                                PolynomialDecay, InverseTimeDecay, CosineDecay,
                                CosineDecayRestarts)}


def serialize(learning_rate_schedule):
    """Returns the config dict (`module`, `class_name`, `config`, ...) of a schedule."""
    return serialization_lib.serialize_keras_object(learning_rate_schedule)


def deserialize(config, custom_objects=None):
    """Rebuilds a `LearningRateSchedule` from what `serialize` returned.

    Args:
        config: the config dict.
        custom_objects: `{name: class}` for user-defined schedules.
    """
    return serialization_lib.deserialize_keras_object(
        config, module_objects=_ALL, custom_objects=custom_objects)

"""Adaptive-rate optimizers: `RMSprop`, `Adagrad`, `Adadelta`, `Ftrl`, `Adafactor`."""
import math

import numpy as np

from ..saving.object_registration import keras_export
from ._common import fill_doc as _doc, sqsum as _sqsum
from .base_optimizer import Optimizer

__all__ = ["RMSprop", "Adagrad", "Adadelta", "Ftrl", "Adafactor"]


class _Base(Optimizer):
    def __init__(self, learning_rate, name, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, weight_decay=weight_decay,
                         clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, **kwargs)

    update_step = Optimizer._array_update_step


@keras_export("keras.optimizers")
@_doc
class RMSprop(_Base):
    """Optimizer that implements the RMSprop algorithm.

        v = rho * v + (1 - rho) * g**2
        a = rho * a + (1 - rho) * g                    (centered only)
        increment = lr * g / sqrt(v - a**2 + epsilon)  (centered; else sqrt(v + epsilon))
        m = momentum * m + increment                   (momentum > 0 only)
        variable -= m (or increment)

    Args:
        learning_rate: a float, a `LearningRateSchedule`, or a callable. Defaults to `0.001`.
        rho: the discounting factor of the squared-gradient average. Defaults to `0.9`.
        momentum: defaults to `0.0`. If not 0, RMSprop tracks the momentum of the update.
        epsilon: a small constant for numerical stability. Defaults to `1e-7`.
        centered: if True, gradients are normalised by their estimated variance.
        {{base_optimizer_keyword_args}}
    """

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7,
                 centered=False, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name="rmsprop", **kwargs):
        super().__init__(learning_rate, name, weight_decay, clipnorm, clipvalue,
                         global_clipnorm, use_ema, ema_momentum, ema_overwrite_frequency,
                         loss_scale_factor, gradient_accumulation_steps, **kwargs)
        self.rho = rho
        self.momentum = momentum
        self.epsilon = epsilon
        self.centered = centered

    def build(self, var_list):
        """Creates `velocity` slots, then `momentum` (momentum > 0) and
        `average_gradient` (centered) slots."""
        if self.built:
            return
        super().build(var_list)
        self._velocities = self.add_optimizer_variables(var_list, "velocity")
        self._momentums = []
        if self.momentum > 0:
            self._momentums = self.add_optimizer_variables(var_list, "momentum")
        self._average_gradients = []
        if self.centered:
            self._average_gradients = self.add_optimizer_variables(var_list, "average_gradient")

    def _update_arrays(self, i, g, w, lr):
        c = 1.0 - float(self.rho)
        v = self._velocities[i]._a
        t = self._scratch[i]
        np.multiply(g, g, out=t)
        t -= v
        t *= c
        v += t
        if self.centered:
            a = self._average_gradients[i]._a
            np.subtract(g, a, out=t)
            t *= c
            a += t
            np.multiply(a, a, out=t)
            np.subtract(v, t, out=t)
            t += float(self.epsilon)
        else:
            np.add(v, float(self.epsilon), out=t)
        np.sqrt(t, out=t)
        np.divide(g, t, out=t)
        t *= lr
        if self.momentum > 0:
            m = self._momentums[i]._a
            m *= float(self.momentum)
            m += t
            w -= m
        else:
            w -= t

    def get_config(self):
        config = super().get_config()
        config.update({"rho": self.rho, "momentum": self.momentum, "epsilon": self.epsilon,
                       "centered": self.centered})
        return config


@keras_export("keras.optimizers")
@_doc
class Adagrad(_Base):
    """Optimizer that implements the Adagrad algorithm (per-parameter learning rates
    scaled by the history of squared gradients).

        accumulator += g**2
        variable -= lr * g / sqrt(accumulator + epsilon)

    Args:
        learning_rate: a float, a `LearningRateSchedule`, or a callable. Defaults to `0.001`.
        initial_accumulator_value: the starting value of the accumulators (non-negative).
            Defaults to `0.1`.
        epsilon: a small constant for numerical stability. Defaults to `1e-7`.
        {{base_optimizer_keyword_args}}
    """

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name="adagrad",
                 **kwargs):
        super().__init__(learning_rate, name, weight_decay, clipnorm, clipvalue,
                         global_clipnorm, use_ema, ema_momentum, ema_overwrite_frequency,
                         loss_scale_factor, gradient_accumulation_steps, **kwargs)
        self.initial_accumulator_value = initial_accumulator_value
        self.epsilon = epsilon

    def build(self, var_list):
        """Creates an `accumulator` slot per variable, filled with
        `initial_accumulator_value`."""
        if self.built:
            return
        super().build(var_list)
        self._accumulators = self.add_optimizer_variables(
            var_list, "accumulator", initializer=float(self.initial_accumulator_value))

    def _update_arrays(self, i, g, w, lr):
        acc = self._accumulators[i]._a
        t = self._scratch[i]
        np.multiply(g, g, out=t)
        acc += t
        np.add(acc, float(self.epsilon), out=t)
        np.sqrt(t, out=t)
        np.divide(g, t, out=t)
        t *= lr
        w -= t

    def get_config(self):
        config = super().get_config()
        config.update({"initial_accumulator_value": self.initial_accumulator_value,
                       "epsilon": self.epsilon})
        return config


@keras_export("keras.optimizers")
@_doc
class Adadelta(_Base):
    """Optimizer that implements the Adadelta algorithm (Zeiler, 2012).

        E[g²] = rho * E[g²] + (1 - rho) * g**2
        delta = -sqrt(E[dx²] + epsilon) / sqrt(E[g²] + epsilon) * g
        E[dx²] = rho * E[dx²] + (1 - rho) * delta**2
        variable += lr * delta

    Args:
        learning_rate: a float, a `LearningRateSchedule`, or a callable. Defaults to `0.001`
            (the original paper uses 1.0).
        rho: the decay rate. Defaults to `0.95`.
        epsilon: a small constant for numerical stability. Defaults to `1e-7`.
        {{base_optimizer_keyword_args}}
    """

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name="adadelta", **kwargs):
        super().__init__(learning_rate, name, weight_decay, clipnorm, clipvalue,
                         global_clipnorm, use_ema, ema_momentum, ema_overwrite_frequency,
                         loss_scale_factor, gradient_accumulation_steps, **kwargs)
        self.rho = rho
        self.epsilon = epsilon

    def build(self, var_list):
        """Creates the `accumulated_grad` and `accumulated_delta_var` slots."""
        if self.built:
            return
        super().build(var_list)
        self._accumulated_grads, self._accumulated_delta_vars = self.add_optimizer_variables(
            var_list, ["accumulated_grad", "accumulated_delta_var"])
        self._scratch2 = self._new_scratch()

    def _update_arrays(self, i, g, w, lr):
        c = 1.0 - float(self.rho)
        eps = float(self.epsilon)
        ag = self._accumulated_grads[i]._a
        ad = self._accumulated_delta_vars[i]._a
        t = self._scratch[i]
        t2 = self._scratch2[i]
        np.multiply(g, g, out=t)
        t -= ag
        t *= c
        ag += t
        np.add(ad, eps, out=t)
        np.sqrt(t, out=t)
        np.add(ag, eps, out=t2)
        np.sqrt(t2, out=t2)
        np.divide(t, t2, out=t)
        t *= g                      # t = -delta
        np.multiply(t, t, out=t2)
        t2 -= ad
        t2 *= c
        ad += t2
        t *= lr
        w -= t

    def get_config(self):
        config = super().get_config()
        config.update({"rho": self.rho, "epsilon": self.epsilon})
        return config


@keras_export("keras.optimizers")
@_doc
class Ftrl(_Base):
    """Optimizer that implements the FTRL-Proximal algorithm (McMahan et al., 2013).

    With `p = -learning_rate_power` and `n` the accumulator:

        g' = g + 2 * l2_shrinkage_regularization_strength * variable
        n_new = n + g**2
        linear += g' - (n_new**p - n**p) / lr * variable
        quadratic = n_new**p / lr + 2 * (l2_regularization_strength + beta / (2 * lr))
        variable = (clip(linear, -l1, l1) - linear) / quadratic
        n = n_new

    Args:
        learning_rate: a float, a `LearningRateSchedule`, or a callable. Defaults to `0.001`.
        learning_rate_power: a float <= 0. Defaults to `-0.5`.
        initial_accumulator_value: the accumulators' start (>= 0). Defaults to `0.1`.
        l1_regularization_strength: a float >= 0. Defaults to `0.0`.
        l2_regularization_strength: a float >= 0 (stabilisation penalty). Defaults to `0.0`.
        l2_shrinkage_regularization_strength: a float >= 0 (magnitude penalty).
            Defaults to `0.0`.
        beta: a float, as in the paper. Defaults to `0.0`.
        {{base_optimizer_keyword_args}}
    """

    def __init__(self, learning_rate=0.001, learning_rate_power=-0.5,
                 initial_accumulator_value=0.1, l1_regularization_strength=0.0,
                 l2_regularization_strength=0.0, l2_shrinkage_regularization_strength=0.0,
                 beta=0.0, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name="ftrl", **kwargs):
        super().__init__(learning_rate, name, weight_decay, clipnorm, clipvalue,
                         global_clipnorm, use_ema, ema_momentum, ema_overwrite_frequency,
                         loss_scale_factor, gradient_accumulation_steps, **kwargs)
        for arg, val in (("initial_accumulator_value", initial_accumulator_value),
                         ("l1_regularization_strength", l1_regularization_strength),
                         ("l2_regularization_strength", l2_regularization_strength),
                         ("l2_shrinkage_regularization_strength",
                          l2_shrinkage_regularization_strength)):
            if val < 0.0:
                raise ValueError(f"Ftrl: `{arg}` needs to be positive or zero. Received: "
                                 f"{arg}={val}.")
        if learning_rate_power > 0.0:
            raise ValueError("Ftrl: `learning_rate_power` needs to be negative or zero. "
                             f"Received: learning_rate_power={learning_rate_power}.")
        self.learning_rate_power = learning_rate_power
        self.initial_accumulator_value = initial_accumulator_value
        self.l1_regularization_strength = l1_regularization_strength
        self.l2_regularization_strength = l2_regularization_strength
        self.l2_shrinkage_regularization_strength = l2_shrinkage_regularization_strength
        self.beta = beta

    def build(self, var_list):
        """Creates the `accumulator` (filled with `initial_accumulator_value`) and
        `linear` slots."""
        if self.built:
            return
        super().build(var_list)
        self._accumulators, self._linears = self.add_optimizer_variables(
            var_list, ["accumulator", "linear"],
            initializer=[float(self.initial_accumulator_value), "zeros"])
        self._scratch2 = self._new_scratch()

    def _update_arrays(self, i, g, w, lr):
        p = -float(self.learning_rate_power)
        acc = self._accumulators[i]._a
        lin = self._linears[i]._a
        t = self._scratch[i]
        t2 = self._scratch2[i]

        def power(x, out):
            if p == 0.5:
                return np.sqrt(x, out=out)
            return np.power(x, p, out=out)

        power(acc, t)
        np.multiply(g, g, out=t2)
        acc += t2
        power(acc, t2)
        np.subtract(t2, t, out=t)
        t *= 1.0 / lr
        t *= w
        lin -= t
        lin += g
        shrink = float(self.l2_shrinkage_regularization_strength)
        if shrink:
            np.multiply(w, 2.0 * shrink, out=t)
            lin += t
        t2 *= 1.0 / lr
        t2 += 2.0 * (float(self.l2_regularization_strength) + float(self.beta) / (2.0 * lr))
        l1 = float(self.l1_regularization_strength)
        np.clip(lin, -l1, l1, out=t)
        t -= lin
        np.divide(t, t2, out=w)

    def get_config(self):
        config = super().get_config()
        config.update({
            "learning_rate_power": self.learning_rate_power,
            "initial_accumulator_value": self.initial_accumulator_value,
            "l1_regularization_strength": self.l1_regularization_strength,
            "l2_regularization_strength": self.l2_regularization_strength,
            "l2_shrinkage_regularization_strength": self.l2_shrinkage_regularization_strength,
            "beta": self.beta,
        })
        return config


@keras_export("keras.optimizers")
@_doc
class Adafactor(_Base):
    """Optimizer that implements the Adafactor algorithm (Shazeer & Stern, 2018).

    The second-moment estimate of a variable of rank >= 2 is factored into row and
    column statistics over its last two dimensions, which saves memory. With
    `t = iterations + 1`, `rho = min(lr, 1 / sqrt(t))` and
    `beta_2_t = 1 - t**beta_2_decay`:

        r = beta_2_t * r + (1 - beta_2_t) * mean(g**2 + epsilon_1, axis=-1)
        c = beta_2_t * c + (1 - beta_2_t) * mean(g**2 + epsilon_1, axis=-2)
        v = (r / mean(r, -1))[..., None] * c[..., None, :]   (rank < 2: an EMA of g**2)
        u = g / sqrt(v);  u /= max(1, rms(u) / clip_threshold)
        variable -= max(epsilon_2, rms(variable)) * rho * u

    Args:
        learning_rate: a float, a `LearningRateSchedule`, or a callable. Defaults to `0.001`.
        beta_2_decay: the decay rate of `beta_2`. Defaults to `-0.8`.
        epsilon_1: added to the squared gradients. Defaults to `1e-30`.
        epsilon_2: the smallest relative step size. Defaults to `1e-3`.
        clip_threshold: the update-clipping threshold. Defaults to `1.0`.
        relative_step: if True and the learning rate is a float, it is capped by
            `1 / sqrt(t)`. Defaults to `True`.
        {{base_optimizer_keyword_args}}
    """

    def __init__(self, learning_rate=0.001, beta_2_decay=-0.8, epsilon_1=1e-30, epsilon_2=1e-3,
                 clip_threshold=1.0, relative_step=True, weight_decay=None, clipnorm=None,
                 clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name="adafactor", **kwargs):
        super().__init__(learning_rate, name, weight_decay, clipnorm, clipvalue,
                         global_clipnorm, use_ema, ema_momentum, ema_overwrite_frequency,
                         loss_scale_factor, gradient_accumulation_steps, **kwargs)
        self.beta_2_decay = beta_2_decay
        self.epsilon_1 = epsilon_1
        self.epsilon_2 = epsilon_2
        self.clip_threshold = clip_threshold
        self.relative_step = relative_step

    def build(self, var_list):
        """Creates, per variable, the row (`r`) and column (`c`) statistics (scalar
        placeholders for rank < 2) and a `velocity` slot."""
        if self.built:
            return
        super().build(var_list)
        self._r, self._c, self._v = [], [], []
        for var in var_list:
            shape = tuple(var.shape)
            vname = str(var.name).split(":")[0]
            if len(shape) < 2:
                self._r.append(self.add_variable((), name=vname))
                self._c.append(self.add_variable((), name=vname))
            else:
                dt = var.dtype.name
                self._r.append(self.add_variable(shape[:-1], dtype=dt, name=vname))
                self._c.append(self.add_variable(shape[:-2] + shape[-1:], dtype=dt, name=vname))
            self._v.append(self.add_variable_from_reference(var, name="velocity"))

    def _prepare_step(self, lr):
        from ...core.variable import Variable as _TSV
        t = self._iters() + 1
        inv = 1.0 / math.sqrt(t)
        if isinstance(self._learning_rate, _TSV) and self.relative_step:
            lr = min(lr, inv)
        self._step_c = (min(lr, inv), 1.0 - t ** float(self.beta_2_decay))

    def _update_arrays(self, i, g, w, lr):
        rho, b = self._step_c
        t = self._scratch[i]
        v = self._v[i]._a
        alpha = max(float(self.epsilon_2), math.sqrt(_sqsum(w) / max(w.size, 1))) * rho
        np.multiply(g, g, out=t)
        t += float(self.epsilon_1)
        if w.ndim >= 2:
            r = self._r[i]._a
            c = self._c[i]._a
            r *= b
            r += (1.0 - b) * t.mean(axis=-1)
            c *= b
            c += (1.0 - b) * t.mean(axis=-2)
            np.multiply((r / r.mean(axis=-1, keepdims=True))[..., None], c[..., None, :], out=v)
        else:
            t -= v
            t *= 1.0 - b
            v += t
        np.sqrt(v, out=t)
        np.divide(g, t, out=t)
        rms_u = math.sqrt(_sqsum(t) / max(t.size, 1))
        t *= alpha / max(1.0, rms_u / float(self.clip_threshold))
        w -= t

    def get_config(self):
        config = super().get_config()
        config.update({"beta_2_decay": self.beta_2_decay, "epsilon_1": self.epsilon_1,
                       "epsilon_2": self.epsilon_2, "clip_threshold": self.clip_threshold,
                       "relative_step": self.relative_step})
        return config

"""Momentum-style optimizers: `SGD` (with momentum and Nesterov) and `Lion`."""
import numpy as np

from ..saving.object_registration import keras_export
from ._common import fill_doc as _doc
from .base_optimizer import Optimizer

__all__ = ["SGD", "Lion"]


@keras_export("keras.optimizers")
@_doc
class SGD(Optimizer):
    """Gradient descent (with momentum) optimizer.

    With `momentum=0`: `variable -= learning_rate * g`. Otherwise:

        m = momentum * m - learning_rate * g
        variable += m                                        (nesterov=False)
        variable += momentum * m - learning_rate * g         (nesterov=True)

    Args:
        learning_rate: a float, a `LearningRateSchedule`, or a callable. Defaults to `0.01`.
        momentum: a float in [0, 1] that accelerates descent in the relevant direction
            and dampens oscillations. Defaults to `0.0` (plain gradient descent).
        nesterov: whether to apply Nesterov momentum. Defaults to `False`.
        {{base_optimizer_keyword_args}}
    """

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name="SGD", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, weight_decay=weight_decay,
                         clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, **kwargs)
        if not isinstance(momentum, (int, float)) or isinstance(momentum, bool) \
                or momentum < 0 or momentum > 1:
            raise ValueError(f"SGD: `momentum` must be a float between [0, 1]. Received: "
                             f"momentum={momentum!r}")
        self.momentum = momentum
        self.nesterov = nesterov

    def build(self, variables):
        """Creates a `momentum` slot per variable when `momentum != 0`."""
        if self.built:
            return
        super().build(variables)
        self.momentums = []
        if self.momentum != 0:
            self.momentums = self.add_optimizer_variables(variables, "momentum")

    update_step = Optimizer._array_update_step

    def _update_arrays(self, i, g, w, lr):
        t = self._scratch[i]
        np.multiply(g, lr, out=t)
        mu = float(self.momentum)
        if mu == 0.0:
            w -= t
            return
        m = self.momentums[i]._a
        m *= mu
        m -= t
        if self.nesterov:
            w -= t
            np.multiply(m, mu, out=t)
            w += t
        else:
            w += m

    def get_config(self):
        config = super().get_config()
        config.update({"momentum": self.momentum, "nesterov": self.nesterov})
        return config


@keras_export("keras.optimizers")
@_doc
class Lion(Optimizer):
    """Optimizer that implements the Lion algorithm (Chen et al., 2023).

    Lion updates with the sign of an interpolation of the momentum and the gradient:

        variable -= lr * sign(beta_1 * m + (1 - beta_1) * g)
        m = beta_2 * m + (1 - beta_2) * g

    Use a learning rate 3-10x smaller than for AdamW (and a larger weight decay).

    Args:
        learning_rate: a float, a `LearningRateSchedule`, or a callable. Defaults to `0.001`.
        beta_1: the rate to combine the momentum and the gradient. Defaults to `0.9`.
        beta_2: the decay rate of the momentum. Defaults to `0.99`.
        {{base_optimizer_keyword_args}}
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.99, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name="lion", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, weight_decay=weight_decay,
                         clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        if beta_1 <= 0 or beta_1 > 1:
            raise ValueError(
                "Argument `beta_1` must be in the [0, 1] range. Otherwise, the optimizer "
                f"degenerates to SignSGD. Received: beta_1={beta_1}.")

    def build(self, var_list):
        """Creates a `momentum` slot per variable."""
        if self.built:
            return
        super().build(var_list)
        self._momentums = self.add_optimizer_variables(var_list, "momentum")

    update_step = Optimizer._array_update_step

    def _update_arrays(self, i, g, w, lr):
        m = self._momentums[i]._a
        t = self._scratch[i]
        np.subtract(g, m, out=t)
        t *= 1.0 - float(self.beta_1)
        t += m
        np.sign(t, out=t)
        t *= lr
        w -= t
        np.subtract(g, m, out=t)
        t *= 1.0 - float(self.beta_2)
        m += t

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2})
        return config

"""`keras.optimizers.LossScaleOptimizer`: dynamic loss scaling for float16 training."""
import numpy as np

from ...core.tensor import Tensor, _wrap
from ..saving import serialization_lib
from ..saving.object_registration import keras_export
from .base_optimizer import Optimizer

__all__ = ["LossScaleOptimizer"]

_BASE_DEFAULTS = {"weight_decay": None, "clipnorm": None, "global_clipnorm": None,
                  "clipvalue": None, "use_ema": False, "ema_momentum": 0.99,
                  "ema_overwrite_frequency": None, "loss_scale_factor": None,
                  "gradient_accumulation_steps": None}


@keras_export("keras.optimizers")
class LossScaleOptimizer(Optimizer):
    """An optimizer that dynamically scales the loss to prevent float16 underflow.

    The loss is multiplied by the loss scale (`scale_loss`), and the gradients are
    divided by it before the wrapped optimizer applies them. On a step with a
    non-finite gradient the scale is halved and the step skipped; after
    `dynamic_growth_steps` finite steps in a row the scale is doubled.

    Args:
        inner_optimizer: the `keras.optimizers.Optimizer` to wrap.
        initial_scale: the initial loss scale. Defaults to `2**15`.
        dynamic_growth_steps: how many finite steps before doubling the scale.
            Defaults to `2000`.
        name: the optimizer's name.
    """

    def __init__(self, inner_optimizer, initial_scale=2.0 ** 15, dynamic_growth_steps=2000,
                 name=None, **kwargs):
        if not kwargs.pop("dynamic", True):
            raise ValueError("LossScaleOptimizer no longer supports `dynamic=False`. Instead, "
                             "simply set `loss_scale_factor` directly on the `inner_optimizer`.")
        for arg, default in _BASE_DEFAULTS.items():
            if arg in kwargs and kwargs.pop(arg) != default:
                raise ValueError(f"LossScaleOptimizer does not support `{arg}`. Instead, set "
                                 f"`{arg}` on the `inner_optimizer`.")
        if kwargs:
            raise ValueError("LossScaleOptimizer does not support arguments: "
                             f"`{'`, `'.join(kwargs)}`.")
        if not isinstance(inner_optimizer, Optimizer):
            raise TypeError("LossScaleOptimizer: `inner_optimizer` must be a "
                            f"keras.optimizers.Optimizer. Received: {inner_optimizer!r}")
        super().__init__(learning_rate=0.0, name=name)
        self.inner_optimizer = inner_optimizer
        self.initial_scale = initial_scale
        self.dynamic_growth_steps = dynamic_growth_steps
        self.inner_optimizer.loss_scale_factor = None

    def build(self, var_list):
        """Creates `step_counter` and `dynamic_scale`, then builds the inner optimizer."""
        self.step_counter = self.add_variable((), initializer="zeros", dtype="int64",
                                              name="step_counter")
        self.dynamic_scale = self.add_variable((), initializer=float(self.initial_scale),
                                               dtype="float32", name="dynamic_scale")
        self.inner_optimizer.build(var_list)
        super().build(var_list)

    @property
    def variables(self):
        return self._variables + self.inner_optimizer.variables

    def apply(self, grads, trainable_variables=None):
        grads = list(grads)
        if not self.built:
            self.build(trainable_variables if trainable_variables is not None
                       else self.inner_optimizer._trainable_variables)
            self.built = True
        arrays = [None if g is None else (g._a if isinstance(g, Tensor) else np.asarray(g))
                  for g in grads]
        if all(bool(np.isfinite(a).all()) for a in arrays if a is not None):
            scale = float(self.dynamic_scale._a)
            tvs = trainable_variables or self._trainable_variables
            unscaled = [g if g is None or getattr(v, "overwrite_with_gradient", False)
                        else _wrap(np.divide(a, np.asarray(scale, dtype=a.dtype)))
                        for g, a, v in zip(grads, arrays, tvs)]
            self.inner_optimizer.apply(unscaled, trainable_variables=trainable_variables)
            if int(self.step_counter._a) == self.dynamic_growth_steps - 1:
                self.step_counter._a[...] = 0
                self.dynamic_scale._a *= 2.0
            else:
                self.step_counter._a += 1
        else:
            self.step_counter._a[...] = 0
            self.dynamic_scale._a *= 0.5

    def check_finite(self, grads):
        """True when every (non-None) gradient is finite."""
        return all(bool(np.isfinite(np.asarray(g)).all()) for g in grads if g is not None)

    @property
    def learning_rate(self):
        return self.inner_optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, learning_rate):
        self.inner_optimizer.learning_rate = learning_rate

    @property
    def iterations(self):
        return self.inner_optimizer.iterations

    def scale_loss(self, loss):
        """Multiplies the loss by the current loss scale."""
        scale = float(self.dynamic_scale._a) if self.built else float(self.initial_scale)
        return loss * scale

    def finalize_variable_values(self, var_list):
        self.inner_optimizer.finalize_variable_values(var_list)

    def get_config(self):
        return {"name": self.name,
                "inner_optimizer": serialization_lib.serialize_keras_object(self.inner_optimizer),
                "initial_scale": self.initial_scale,
                "dynamic_growth_steps": self.dynamic_growth_steps}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        inner = serialization_lib.deserialize_keras_object(config.pop("inner_optimizer"),
                                                           custom_objects=custom_objects)
        return cls(inner, **config)

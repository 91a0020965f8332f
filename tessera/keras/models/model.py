"""`keras.Model`: a layer with a training API (functional, or subclassed)."""
import numpy as np

from ...core import nest
from ...core.tensor import _wrap
from ..layers.layer import Layer
from ..saving.object_registration import keras_export
from ..trainers.trainer import Trainer

__all__ = ["Model"]


@keras_export("keras.models")
@keras_export("keras")
class Model(Trainer, Layer):
    """A model: layers plus `compile` / `fit` / `evaluate` / `predict`, as `keras.Model`.

    Two ways to make one:

    - functional: `keras.Model(inputs, outputs)` with `keras.Input` tensors;
    - subclassing: define layers in `__init__` and the forward pass in `call`.

    Example:
    >>> class MLP(keras.Model):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.hidden = keras.layers.Dense(32, activation="relu")
    ...         self.out = keras.layers.Dense(10)
    ...     def call(self, x):
    ...         return self.out(self.hidden(x))
    """

    def __new__(cls, *args, **kwargs):
        if cls is Model and (len(args) >= 2 or "inputs" in kwargs or
                             (args and "outputs" in kwargs)):
            from .functional import Functional
            return Functional.__new__(Functional, *args, **kwargs)
        return super().__new__(cls, *args, **kwargs)

    def __init__(self, *args, **kwargs):
        if args or "inputs" in kwargs or "outputs" in kwargs:
            if not hasattr(self, "_inputs_struct"):
                raise TypeError(
                    "A subclass of keras.Model that passes inputs/outputs to "
                    "super().__init__() is not supported by tessera yet; build a "
                    "keras.Model(inputs, outputs) and wrap it as an attribute instead.")
        trainable = kwargs.pop("trainable", True)
        name = kwargs.pop("name", None)
        dtype = kwargs.pop("dtype", None)
        Layer.__init__(self, trainable=trainable, name=name, dtype=dtype, **kwargs)
        self._trainer_init()

    def build(self, input_shape=None):
        """Creates the weights of a subclassed model by calling it on zeros of `input_shape`."""
        if self.built:
            return
        if input_shape is None:
            raise ValueError(f'Model "{self.name}" cannot be built without an input shape: '
                             "call model.build(input_shape) or call it on data.")
        if type(self).call is Layer.call:
            self.built = True
            return

        def zeros(shape):
            return _wrap(np.zeros(tuple(1 if d is None else d for d in shape), dtype=self.compute_dtype))

        is_shape = isinstance(input_shape, (tuple, list)) and all(
            d is None or isinstance(d, (int, np.integer)) for d in input_shape)
        data = zeros(input_shape) if is_shape else nest.map_structure(
            zeros, input_shape) if not isinstance(input_shape, dict) else \
            {k: zeros(v) for k, v in input_shape.items()}
        self.built = True
        try:
            self.call(data)
        except Exception:
            self.built = False
            raise

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False, layer_range=None):
        """Prints a table of the layers, their output shapes and parameter counts."""
        from ..utils.summary_utils import print_summary
        print_summary(self, line_length=line_length, positions=positions, print_fn=print_fn,
                      expand_nested=expand_nested, show_trainable=show_trainable)

    def get_layer(self, name=None, index=None):
        """Returns a layer by `name` or by `index` in `model.layers`."""
        if index is not None and name is not None:
            raise ValueError("Provide only a layer name or a layer index, not both.")
        if index is not None:
            if len(self.layers) <= index:
                raise ValueError(f"Was asked to retrieve layer at index {index} but model only "
                                 f"has {len(self.layers)} layers.")
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No such layer: {name}. Existing layers are: "
                         f"{[layer.name for layer in self.layers]}.")

    def get_config(self):
        return Layer.get_config(self) if type(self).__init__ is not Model.__init__ else \
            {"name": self.name, "trainable": self.trainable}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuilds a model: a functional config (with `input_layers`) gives a Functional."""
        if isinstance(config, dict) and "input_layers" in config and "output_layers" in config:
            from .functional_config import functional_from_config
            return functional_from_config(cls, config, custom_objects)
        return super().from_config(config)

    def save(self, filepath, overwrite=True, zipped=None, **kwargs):
        from .. import saving
        return saving.save_model(self, filepath, overwrite=overwrite, **kwargs)

    def save_weights(self, filepath, overwrite=True, **kwargs):
        from .. import saving
        return saving.save_weights(self, filepath, overwrite=overwrite, **kwargs)

    def load_weights(self, filepath, skip_mismatch=False, **kwargs):
        from .. import saving
        return saving.load_weights(self, filepath, skip_mismatch=skip_mismatch, **kwargs)

    def to_json(self, **kwargs):
        import json
        from ..saving.serialization_lib import serialize_keras_object
        return json.dumps(serialize_keras_object(self), **kwargs)

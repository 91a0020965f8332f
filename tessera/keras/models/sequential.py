"""`keras.Sequential`: a plain stack of layers."""
from ...core import nest
from ..layers import conv_pool_fusion as _fusion
from ..layers.input_layer import InputLayer
from ..layers.layer import Layer
from ..saving.object_registration import keras_export
from ..saving.serialization_lib import deserialize_keras_object, serialize_keras_object
from .model import Model
from .symbolic import KerasTensor

__all__ = ["Sequential"]


@keras_export("keras.models")
@keras_export("keras")
class Sequential(Model):
    """A model that applies a list of layers one after the other, as `keras.Sequential`.

    The model is built as soon as its input shape is known: from a first
    `keras.Input`/`InputLayer`, an `input_shape=` on the first layer, or the
    first data it is called on (deferred build).

    Example:
    >>> model = keras.Sequential([keras.Input((784,)),
    ...                           keras.layers.Dense(64, activation="relu"),
    ...                           keras.layers.Dense(10, activation="softmax")])
    """

    def __init__(self, layers=None, trainable=True, name=None):
        Model.__init__(self, trainable=trainable, name=name)
        self._stack = []
        self._functional = None
        for layer in layers or []:
            self.add(layer, rebuild=False)
        self._maybe_rebuild()

    def add(self, layer, rebuild=True):
        """Appends a layer (or a `keras.Input` tensor, which becomes the input layer)."""
        if isinstance(layer, KerasTensor):
            hist = layer._keras_history
            if hist is None or not isinstance(hist[0], InputLayer):
                raise ValueError("Only keras.Input tensors can be added to a Sequential model.")
            layer = hist[0]
        if not isinstance(layer, Layer):
            raise ValueError(f"Only instances of `keras.Layer` can be added to a Sequential "
                             f"model. Received: {layer!r} (of type {type(layer).__name__})")
        if isinstance(layer, InputLayer) and self._stack and isinstance(self._stack[0], InputLayer):
            raise ValueError(f"Sequential model '{self.name}' has already been configured to use "
                             f"input shape {self._stack[0].batch_shape}. You cannot add a second "
                             "input layer.")
        if isinstance(layer, InputLayer) and self._stack:
            raise ValueError("An InputLayer can only be the first layer of a Sequential model.")
        names = {l.name for l in self._stack}
        if layer.name in names:
            raise ValueError(f"All layers added to a Sequential model should have unique names. "
                             f"Name '{layer.name}' is already the name of a layer in this model. "
                             "Update the `name` argument to pass a unique name.")
        self._stack.append(layer)
        if rebuild:
            self._maybe_rebuild()
        else:
            self.built = False

    def pop(self, rebuild=True):
        """Removes and returns the last layer."""
        layers = self.layers
        if not layers:
            raise TypeError("There are no layers in the model.")
        layer = self._stack.pop()
        if rebuild:
            self._maybe_rebuild()
        return layer

    def _maybe_rebuild(self):
        self.built = False
        self._functional = None
        if not self._stack:
            return
        first = self._stack[0]
        if isinstance(first, InputLayer):
            shape = first.batch_shape
        elif getattr(first, "_input_shape_arg", None) is not None:
            shape = first._input_shape_arg
        else:
            return
        self.build(shape)

    def build(self, input_shape=None):
        """Builds every layer for inputs of `input_shape` (batch axis included)."""
        if input_shape is None:
            raise ValueError("Sequential.build needs an input_shape (batch axis included).")
        if isinstance(input_shape, dict) or (nest.is_nested(input_shape) and input_shape and
                                             nest.is_nested(input_shape[0])):
            raise ValueError("Sequential models take a single input; use the functional API "
                             "for several inputs.")
        if not self._stack or not isinstance(self._stack[0], InputLayer):
            dtype = getattr(self._stack[0], "_input_dtype_hint", None) if self._stack else None
            self._stack.insert(0, InputLayer(batch_shape=tuple(input_shape), dtype=dtype))
        x = self._stack[0]._input_tensor
        for layer in self._stack[1:]:
            x = layer(x)
        from .functional import Functional
        self._functional = Functional(self._stack[0]._input_tensor, x, name=self.name + "_graph")
        self.built = True

    def call(self, inputs, training=None, mask=None):
        x = inputs
        layers = self.layers
        i, n = 0, len(layers)
        while i < n:
            layer = layers[i]
            if i + 1 < n and _fusion.fusable(layer, layers[i + 1], x):
                x = _fusion.call_pair(layer, layers[i + 1], x)   # Conv2D(relu) + MaxPooling2D
                i += 2
                continue
            x = layer(x)
            i += 1
        return x

    def _sublayers(self):
        return list(self._stack)

    @property
    def layers(self):
        return [l for l in self._stack if not isinstance(l, InputLayer)]

    @property
    def inputs(self):
        return [self._functional._inputs[0]] if self._functional is not None else None

    @property
    def outputs(self):
        return self._functional._outputs if self._functional is not None else None

    @property
    def input(self):
        return self._functional.input if self._functional is not None else None

    @property
    def output(self):
        if self._functional is None:
            raise AttributeError(f"Sequential model '{self.name}' has no defined output yet: it "
                                 "is not built.")
        return self._functional.output

    @property
    def _outputs_struct(self):
        return self._functional._outputs_struct if self._functional is not None else None

    @property
    def input_shape(self):
        return self._stack[0].batch_shape if self._stack and isinstance(self._stack[0], InputLayer) else None

    @property
    def output_shape(self):
        return self._functional.output_shape if self._functional is not None else None

    def compute_output_spec(self, inputs, training=None, mask=None):
        if self._functional is not None:
            return self._functional.compute_output_spec(inputs)
        return Model.compute_output_spec(self, inputs)

    def get_config(self):
        layers = [serialize_keras_object(l) for l in self._stack]
        cfg = {"name": self.name, "trainable": self.trainable,
               "dtype": {"module": "keras", "class_name": "DTypePolicy",
                         "config": {"name": self.dtype}, "registered_name": None},
               "layers": layers}
        if self._stack and isinstance(self._stack[0], InputLayer):
            cfg["build_input_shape"] = list(self._stack[0].batch_shape)
        return cfg

    @classmethod
    def from_config(cls, config, custom_objects=None):
        layer_configs = config["layers"] if isinstance(config, dict) else config
        model = cls(name=config.get("name") if isinstance(config, dict) else None,
                    trainable=config.get("trainable", True) if isinstance(config, dict) else True)
        for lc in layer_configs:
            lc = {k: v for k, v in lc.items() if k != "build_config"} if isinstance(lc, dict) else lc
            model.add(deserialize_keras_object(lc, custom_objects=custom_objects), rebuild=False)
        model._maybe_rebuild()
        if not model.built and isinstance(config, dict) and config.get("build_input_shape"):
            model.build(tuple(config["build_input_shape"]))
        return model

    def get_build_config(self):
        return None

"""`InputSpec` and the input compatibility check every layer runs before `call`."""
from ...backend import dtypes as _dt
from ...core import nest

__all__ = ["InputSpec", "assert_input_compatibility"]


class InputSpec:
    """Constraints on a layer's input: rank, dtype, and sizes of given axes (Keras's `InputSpec`).

    Args:
        dtype: required dtype, or None.
        shape: required shape (None entries match anything), or None.
        ndim, max_ndim, min_ndim: rank constraints.
        axes: `{axis: size}` for axes whose size is fixed (e.g. `{-1: 784}`).
        allow_last_axis_squeeze: accept an input whose last axis of size 1 is missing.
        name: the input's name, for messages.
        optional: the input may be None.
    """

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None, axes=None,
                 allow_last_axis_squeeze=False, name=None, optional=False):
        self.dtype = _dt.as_dtype(dtype).name if dtype is not None else None
        self.shape = tuple(shape) if shape is not None else None
        self.ndim = len(shape) if shape is not None else ndim
        self.max_ndim = max_ndim
        self.min_ndim = min_ndim
        self.name = name
        self.optional = optional
        self.allow_last_axis_squeeze = allow_last_axis_squeeze
        self.axes = {int(k): v for k, v in (axes or {}).items()}

    def __repr__(self):
        parts = [f"{k}={v}" for k, v in (("dtype", self.dtype), ("shape", self.shape),
                                          ("ndim", self.ndim), ("max_ndim", self.max_ndim),
                                          ("min_ndim", self.min_ndim), ("axes", self.axes)) if v]
        return "InputSpec(" + ", ".join(parts) + ")"

    def get_config(self):
        return {"dtype": self.dtype, "shape": self.shape, "ndim": self.ndim,
                "max_ndim": self.max_ndim, "min_ndim": self.min_ndim, "axes": self.axes}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _batch_hint(layer, spec_ndim, shape):
    if spec_ndim is not None and len(shape) == spec_ndim - 1:
        return (" If this is a single sample, add the batch axis first: x[None] (or "
                "np.expand_dims(x, 0)).")
    return ""


def assert_input_compatibility(input_spec, inputs, layer_name):
    """Raises a ValueError naming the layer, the expected and the received shape."""
    if input_spec is None:
        return
    specs = nest.flatten(input_spec)
    flat = nest.flatten(inputs)
    if len(flat) != len(specs) and len(specs) > 1:
        raise ValueError(f'Layer "{layer_name}" expects {len(specs)} input(s), but it received '
                         f"{len(flat)} input tensors.")
    for i, (spec, x) in enumerate(zip(specs, flat)):
        if spec is None:
            continue
        if x is None:
            if spec.optional:
                continue
            raise ValueError(f'Input {i} of layer "{layer_name}" is None, which is not allowed.')
        shape = getattr(x, "shape", None)
        if shape is None:
            continue
        shape = tuple(shape)
        ndim = len(shape)
        head = f'Input {i} of layer "{layer_name}" is incompatible with the layer: '
        if spec.ndim is not None and not spec.allow_last_axis_squeeze and ndim != spec.ndim:
            raise ValueError(head + f"expected ndim={spec.ndim}, found ndim={ndim}. Full shape "
                             f"received: {shape}." + _batch_hint(layer_name, spec.ndim, shape))
        if spec.max_ndim is not None and ndim > spec.max_ndim:
            raise ValueError(head + f"expected max_ndim={spec.max_ndim}, found ndim={ndim}. "
                             f"Full shape received: {shape}.")
        if spec.min_ndim is not None and ndim < spec.min_ndim:
            raise ValueError(head + f"expected min_ndim={spec.min_ndim}, found ndim={ndim}. "
                             f"Full shape received: {shape}." + _batch_hint(layer_name, spec.min_ndim, shape))
        if spec.dtype is not None:
            dt = getattr(x, "dtype", None)
            dname = dt if isinstance(dt, str) else getattr(dt, "name", str(dt))
            if dname != spec.dtype:
                raise ValueError(head + f"expected dtype={spec.dtype}, found dtype={dname}.")
        for axis, value in spec.axes.items():
            if value is None:
                continue
            if not -ndim <= axis < ndim or shape[axis] not in (value, None):
                raise ValueError(
                    head + f"expected axis {axis} of input shape to have value {value}, but "
                    f"received input with shape {shape}. The layer was built for inputs whose "
                    f"axis {axis} has size {value}: feed data of that size, or use a new layer.")
        if spec.shape is not None:
            for a, b in zip(spec.shape, shape):
                if a is not None and b is not None and a != b:
                    raise ValueError(head + f"expected shape={spec.shape}, found shape={shape}.")

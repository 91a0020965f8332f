"""Helpers shared by the optimizer files: naming, initial values, norms, docstrings."""
import numpy as np

from ...backend import dtypes as _dt
from ...core.tensor import Tensor

__all__ = ["auto_name", "var_label", "sqsum", "lr_float", "initial_value", "fill_doc",
           "base_optimizer_keyword_args"]

_UIDS = {}


def _snake(name):
    out = []
    for i, c in enumerate(name):
        if c.isupper() and i and (not name[i - 1].isupper() or
                                  (i + 1 < len(name) and name[i + 1].islower())):
            out.append("_")
        out.append(c.lower())
    return "".join(out)


def auto_name(cls_name):
    base = _snake(cls_name)
    n = _UIDS.get(base, 0)
    _UIDS[base] = n + 1
    return base if n == 0 else f"{base}_{n}"


def var_label(v):
    return getattr(v, "path", None) or getattr(v, "name", None) or repr(v)


def sqsum(a):
    f = a.reshape(-1)
    if f.dtype.kind == "f" and f.dtype.itemsize >= 4:
        return float(np.dot(f, f))
    return float(np.sum(np.square(f, dtype=np.float32)))


def lr_float(lr):
    if type(lr) is float:
        return lr
    if isinstance(lr, Tensor):
        return float(lr._a)
    return float(lr)


def initial_value(initializer, shape, dtype, xp):
    npdt = _dt.np_dtype(dtype)
    if isinstance(initializer, str):
        key = initializer.lower()
        if key == "zeros":
            return xp.zeros(shape, dtype=npdt)
        if key == "ones":
            return xp.ones(shape, dtype=npdt)
        from .. import initializers
        initializer = initializers.get(initializer)
    if isinstance(initializer, (int, float)) and not isinstance(initializer, bool):
        return xp.full(shape, initializer, dtype=npdt)
    if callable(initializer):
        value = initializer(tuple(shape), dtype=dtype)
        return value._a.astype(npdt, copy=False) if isinstance(value, Tensor) \
            else xp.asarray(value, dtype=npdt)
    return xp.asarray(initializer, dtype=npdt).reshape(shape)


base_optimizer_keyword_args = """name: String. The name of the optimizer (its variables are
            named `"<name>/<slot>"`).
        weight_decay: Float. If set, decoupled weight decay is applied.
        clipnorm: Float. If set, the gradient of each weight is individually
            clipped so that its norm is no higher than this value.
        clipvalue: Float. If set, the gradient of each weight is clipped to be
            no higher than this value.
        global_clipnorm: Float. If set, the gradient of all weights is clipped
            so that their global norm is no higher than this value.
        use_ema: Boolean, defaults to `False`. If `True`, an exponential moving
            average (EMA) of the weights is kept.
        ema_momentum: Float, defaults to 0.99. The EMA momentum:
            `new_average = ema_momentum * old_average + (1 - ema_momentum) * value`.
        ema_overwrite_frequency: Int or None. Every this many steps the weights
            are overwritten by their moving average (None: only by
            `finalize_variable_values()`).
        loss_scale_factor: Float or `None`. The loss is multiplied by it (see
            `scale_loss`) and the gradients divided by it.
        gradient_accumulation_steps: Int or `None`. If an int, variables are
            updated every that many steps with the average of the gradients."""


def fill_doc(cls):
    """Fills the shared keyword-argument section into an optimizer's docstring."""
    cls.__doc__ = cls.__doc__.replace("{{base_optimizer_keyword_args}}",
                                      base_optimizer_keyword_args)
    return cls

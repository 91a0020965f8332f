"""The Adam family: `Adam`, `AdamW`, `Adamax`, `Nadam` (Keras 3's update rules).

Each update is a few in-place ufunc calls on the variable's array and its slots,
with one preallocated scratch buffer per variable.
"""
import ctypes
import math
import weakref

import numpy as np

from ...backend import native as _native
from ..saving.object_registration import keras_export
from ._common import fill_doc as _doc
from .base_optimizer import Optimizer

__all__ = ["Adam", "AdamW", "Adamax", "Nadam"]

_F32 = np.dtype(np.float32)
_P, _F = ctypes.c_void_p, ctypes.c_float
_ADAM_ARGS = [_P, _P, _P, _P, _P, ctypes.c_ssize_t, _F, _F, _F, _F, _F, _F]
_POINTERS = weakref.WeakKeyDictionary()   # optimizer -> (its arrays, their pointer tables)
_MULTI_ARGS = [ctypes.c_ssize_t, _P, _P, _P, _P, _P, _P, ctypes.c_ssize_t, ctypes.c_ssize_t,
               _F, _F, _F, _F, _F, _F]
_CHUNK = 1 << 16   # elements per chunk of a large variable's update (5 arrays fit in L2)


@keras_export("keras.optimizers")
@_doc
class Adam(Optimizer):
    """Optimizer that implements the Adam algorithm (Kingma & Ba, 2014).

    With `t = iterations + 1` and `alpha = lr * sqrt(1 - beta_2**t) / (1 - beta_1**t)`:

        m = beta_1 * m + (1 - beta_1) * g
        v = beta_2 * v + (1 - beta_2) * g**2
        v_hat = max(v_hat, v) if amsgrad else v
        variable -= alpha * m / (sqrt(v_hat) + epsilon)

    Args:
        learning_rate: a float, a `LearningRateSchedule`, or a callable with no
            arguments. Defaults to `0.001`.
        beta_1: the decay rate of the 1st moment estimates. Defaults to `0.9`.
        beta_2: the decay rate of the 2nd moment estimates. Defaults to `0.999`.
        epsilon: a small constant for numerical stability (the "epsilon hat" of the
            paper). Defaults to `1e-7`.
        amsgrad: whether to apply the AMSGrad variant. Defaults to `False`.
        {{base_optimizer_keyword_args}}
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name="adam", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, weight_decay=weight_decay,
                         clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.amsgrad = amsgrad

    def build(self, var_list):
        """Creates the `momentum` and `velocity` slots (and `velocity_hat` with amsgrad)."""
        if self.built:
            return
        super().build(var_list)
        self._momentums, self._velocities = self.add_optimizer_variables(
            var_list, ["momentum", "velocity"])
        if self.amsgrad:
            self._velocity_hats = self.add_optimizer_variables(var_list, "velocity_hat")

    update_step = Optimizer._array_update_step

    def _prepare_step(self, lr):
        t = self._iters() + 1
        b1, b2 = float(self.beta_1), float(self.beta_2)
        alpha = lr * math.sqrt(1.0 - b2 ** t) / (1.0 - b1 ** t)
        self._step_c = (alpha, 1.0 - b1, 1.0 - b2, float(self.epsilon))
        # (the kernels and pointer tables are ctypes objects, kept off the instance so that
        # the optimizer stays copyable and picklable)
        self._native_on = _native.lib() is not None

    def _update_all(self, grads, variables):
        # One compiled call for the whole step: bit-identical to the per-variable updates.
        if not self._native_on or not grads:
            return False
        kern = _native.kernel("tessera_adam_multi_f32", _MULTI_ARGS)
        ind = self._trainable_variables_indices
        idx = [ind[id(v)] for v in variables]
        ws = [v._a for v in variables]
        arrs = ws + [self._momentums[i]._a for i in idx] + \
            [self._velocities[i]._a for i in idx] + \
            ([self._velocity_hats[i]._a for i in idx] if self.amsgrad else [])
        cache = _POINTERS.get(self)
        # the pointer tables stay valid while every array is the same object (the cache
        # holds them, so no other array can take their place)
        if cache is None or len(cache[0]) != len(arrs) or \
                not all(a is b for a, b in zip(cache[0], arrs)):
            cache = _POINTERS[self] = (arrs, self._pointers(arrs, len(ws)))
        if cache[1] is None:
            return False
        for g, w in zip(grads, ws):
            if type(g) is not np.ndarray or g.dtype != _F32 or g.shape != w.shape:
                return False
        # (a transposed gradient view, e.g. from an einsum layer, is copied: small)
        grads = [g if g.flags.c_contiguous else np.ascontiguousarray(g) for g in grads]
        k = len(ws)
        gp = (ctypes.c_void_p * k)(*[g.ctypes.data for g in grads])
        wp, mp, vp, hp, ns, total = cache[1]
        alpha, c1, c2, eps = self._step_c
        args = (alpha, c1, 1.0 - c1, c2, 1.0 - c2, eps)
        # (splitting the range between two threads measured 4% slower in training: the
        # hand-off costs more than the second core gains on a bandwidth-bound pass)
        kern(k, wp, gp, mp, vp, hp, ns, 0, total, *args)
        return True

    def _pointers(self, arrs, k):
        """Pointer tables (variables, momentums, velocities, velocity_hats or None, sizes,
        total) for `arrs` (k of each kind), or None when an array does not suit the
        kernel (not float32 C-contiguous NumPy)."""
        if not _native.takes(*arrs):
            return None
        tab = lambda part: (ctypes.c_void_p * k)(*[a.ctypes.data for a in part])  # noqa: E731
        tabs = [tab(arrs[j:j + k]) for j in range(0, len(arrs), k)]
        ws = arrs[:k]
        ns = (ctypes.c_ssize_t * k)(*[w.size for w in ws])
        return (tabs[0], tabs[1], tabs[2], tabs[3] if self.amsgrad else None, ns,
                sum(w.size for w in ws))

    def _update_arrays(self, i, g, w, lr):
        n = w.size
        if self._native_on and _native.takes(w, g):
            # one compiled pass, bit-identical to the ufunc sequence below
            alpha, c1, c2, eps = self._step_c
            vh = self._velocity_hats[i]._a if self.amsgrad else None
            _native.kernel("tessera_adam_f32", _ADAM_ARGS)(
                w.ctypes.data, g.ctypes.data, self._momentums[i]._a.ctypes.data,
                self._velocities[i]._a.ctypes.data, _native.ptr(vh), n,
                alpha, c1, 1.0 - c1, c2, 1.0 - c2, eps)
            return
        if type(w) is np.ndarray and type(g) is np.ndarray and w.flags.c_contiguous \
                and g.flags.c_contiguous:
            if n >= 2 * _CHUNK:
                # Large variables in cache-sized chunks: the ~12 passes of the update then
                # stream each array from memory once (about 1.5x faster than whole-array
                # passes; splitting it between two threads gained nothing in training:
                # every ufunc call hands the GIL over).
                for s in range(0, n, _CHUNK):
                    self._adam_arrays(i, g, w, slice(s, min(s + _CHUNK, n)))
                return
        self._adam_arrays(i, g, w, None)

    def _adam_arrays(self, i, g, w, sl):
        alpha, c1, c2, eps = self._step_c
        m = self._momentums[i]._a
        v = self._velocities[i]._a
        t = self._scratch[i]
        if sl is not None:  # one cache-sized chunk of a large variable
            g, w, m, v, t = (a.reshape(-1)[sl] for a in (g, w, m, v, t))
        # m = b1 m + (1 - b1) g and v = b2 v + (1 - b2) g^2: Keras's `m += (g - m)(1 - b1)`
        # rearranged so that every pass but one runs in place (in-place ufunc calls run
        # about twice as fast as ones writing a third array): ~15% faster updates
        np.multiply(g, c1, out=t)
        m *= 1.0 - c1
        m += t
        np.square(g, out=t)
        t *= c2
        v *= 1.0 - c2
        v += t
        if self.amsgrad:
            vh = self._velocity_hats[i]._a
            if sl is not None:
                vh = vh.reshape(-1)[sl]
            np.maximum(vh, v, out=vh)
            v = vh
        np.sqrt(v, out=t)
        t += eps
        np.divide(m, t, out=t)
        t *= alpha
        w -= t

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon,
                       "amsgrad": self.amsgrad})
        return config


@keras_export("keras.optimizers")
@_doc
class AdamW(Adam):
    """Optimizer that implements Adam with decoupled weight decay (Loshchilov & Hutter).

    Each step first decays the weights, `variable -= variable * weight_decay * lr`,
    then applies the Adam update.

    Args:
        learning_rate: a float, a `LearningRateSchedule`, or a callable. Defaults to `0.001`.
        weight_decay: the weight decay rate. Defaults to `0.004`.
        beta_1: defaults to `0.9`.
        beta_2: defaults to `0.999`.
        epsilon: defaults to `1e-7`.
        amsgrad: whether to apply AMSGrad. Defaults to `False`.
        {{base_optimizer_keyword_args}}
    """

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-7, amsgrad=False, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name="adamw", **kwargs):
        super().__init__(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2,
                         epsilon=epsilon, amsgrad=amsgrad, name=name,
                         weight_decay=weight_decay, clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, **kwargs)
        if self.weight_decay is None:
            raise ValueError("AdamW: argument `weight_decay` must be a float. Received: "
                             "weight_decay=None")


@keras_export("keras.optimizers")
@_doc
class Adamax(Optimizer):
    """Optimizer that implements the Adamax algorithm (Adam with the infinity norm).

    With `t = iterations + 1`:

        m += (g - m) * (1 - beta_1)
        u = max(beta_2 * u, |g|)
        variable -= lr * m / ((1 - beta_1**t) * (u + epsilon))

    Args:
        learning_rate: a float, a `LearningRateSchedule`, or a callable. Defaults to `0.001`.
        beta_1: the decay rate of the 1st moment estimates. Defaults to `0.9`.
        beta_2: the decay rate of the exponentially weighted infinity norm. Defaults to `0.999`.
        epsilon: a small constant for numerical stability. Defaults to `1e-7`.
        {{base_optimizer_keyword_args}}
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name="adamax",
                 **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, weight_decay=weight_decay,
                         clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def build(self, var_list):
        """Creates the `momentum` and `norm` slots."""
        if self.built:
            return
        super().build(var_list)
        self._m, self._u = self.add_optimizer_variables(var_list, ["momentum", "norm"])

    update_step = Optimizer._array_update_step

    def _prepare_step(self, lr):
        t = self._iters() + 1
        b1 = float(self.beta_1)
        self._step_c = (lr / (1.0 - b1 ** t), 1.0 - b1, float(self.beta_2), float(self.epsilon))

    def _update_arrays(self, i, g, w, lr):
        k, c1, b2, eps = self._step_c
        m = self._m[i]._a
        u = self._u[i]._a
        t = self._scratch[i]
        np.subtract(g, m, out=t)
        t *= c1
        m += t
        u *= b2
        np.abs(g, out=t)
        np.maximum(u, t, out=u)
        np.add(u, eps, out=t)
        np.divide(m, t, out=t)
        t *= k
        w -= t

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config


@keras_export("keras.optimizers")
@_doc
class Nadam(Optimizer):
    """Optimizer that implements the Nadam algorithm (Adam with Nesterov momentum, Dozat 2015).

    With `t = iterations + 1`, `u_t = beta_1 * (1 - 0.5 * 0.96**t)`,
    `u_{t+1} = beta_1 * (1 - 0.5 * 0.96**(t+1))` and `P_t = u_1 * ... * u_t`:

        m = beta_1 * m + (1 - beta_1) * g
        v = beta_2 * v + (1 - beta_2) * g**2
        m_hat = u_{t+1} * m / (1 - P_t * u_{t+1}) + (1 - u_t) * g / (1 - P_t)
        v_hat = v / (1 - beta_2**t)
        variable -= lr * m_hat / (sqrt(v_hat) + epsilon)

    Args:
        learning_rate: a float, a `LearningRateSchedule`, or a callable. Defaults to `0.001`.
        beta_1: the decay rate of the 1st moment estimates. Defaults to `0.9`.
        beta_2: the decay rate of the 2nd moment estimates. Defaults to `0.999`.
        epsilon: a small constant for numerical stability. Defaults to `1e-7`.
        {{base_optimizer_keyword_args}}
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name="nadam",
                 **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, weight_decay=weight_decay,
                         clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def build(self, var_list):
        """Creates the `momentum` and `velocity` slots and the `u_product` scalar."""
        if self.built:
            return
        dtype = var_list[0].dtype.name if var_list else None
        super().build(var_list)
        self._momentums, self._velocities = self.add_optimizer_variables(
            var_list, ["momentum", "velocity"])
        self._u_product = self.add_variable((), initializer="ones", dtype=dtype,
                                            name="u_product")
        self._scratch2 = self._new_scratch()

    def _backend_update_step(self, grads, trainable_variables, learning_rate):
        t = self._iters() + 1
        up = self._u_product._a
        up *= float(self.beta_1) * (1.0 - 0.5 * 0.96 ** t)
        super()._backend_update_step(grads, trainable_variables, learning_rate)

    update_step = Optimizer._array_update_step

    def _prepare_step(self, lr):
        t = self._iters() + 1
        b1, b2 = float(self.beta_1), float(self.beta_2)
        u_t = b1 * (1.0 - 0.5 * 0.96 ** t)
        u_t1 = b1 * (1.0 - 0.5 * 0.96 ** (t + 1))
        up = float(self._u_product._a)
        up1 = up * u_t1
        self._step_c = (u_t1 / (1.0 - up1), (1.0 - u_t) / (1.0 - up),
                        1.0 / (1.0 - b2 ** t), 1.0 - b1, 1.0 - b2, float(self.epsilon), lr)

    def _update_arrays(self, i, g, w, lr):
        cm, cg, cv, c1, c2, eps, lr = self._step_c
        m = self._momentums[i]._a
        v = self._velocities[i]._a
        t = self._scratch[i]
        t2 = self._scratch2[i]
        np.subtract(g, m, out=t)
        t *= c1
        m += t
        np.multiply(g, g, out=t)
        t -= v
        t *= c2
        v += t
        np.multiply(v, cv, out=t)
        np.sqrt(t, out=t)
        t += eps
        np.multiply(m, cm * lr, out=t2)
        t2 /= t
        w -= t2
        np.multiply(g, cg * lr, out=t2)
        t2 /= t
        w -= t2

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config

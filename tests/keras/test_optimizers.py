"""keras.optimizers and keras.optimizers.schedules against NumPy closed forms (Keras 3 rules)."""
import math
import warnings

import numpy as np
import pytest

import tessera as ts
from tessera import keras
from tessera.keras import optimizers
from tessera.keras.optimizers import schedules

W0 = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])
GRADS = [np.array([[0.1, -0.2, 0.3], [0.4, -0.5, 0.6]]),
         np.array([[-0.3, 0.1, 0.2], [0.05, 0.7, -0.4]]),
         np.array([[0.2, 0.2, -0.1], [-0.6, 0.3, 0.1]])]


def _var(value=W0, name="w"):
    return keras.Variable(np.asarray(value, np.float32), name=name)


def _run(opt, grads=GRADS, w0=W0):
    v = _var(w0)
    for g in grads:
        opt.apply_gradients([(ts.constant(np.asarray(g, np.float32)), v)])
    return v.numpy()


# ---- NumPy references (Keras 3's update equations) ---------------------------------------
def ref_sgd(w, grads, lr=0.01, momentum=0.0, nesterov=False, wd=None):
    w = w.copy()
    m = np.zeros_like(w)
    for g in grads:
        if wd is not None:
            w = w - w * wd * lr
        if momentum == 0:
            w = w - lr * g
            continue
        m = momentum * m - lr * g
        w = w + (momentum * m - lr * g if nesterov else m)
    return w


def ref_adam(w, grads, lr=0.001, b1=0.9, b2=0.999, eps=1e-7, amsgrad=False, wd=None):
    w = w.copy()
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    vh = np.zeros_like(w)
    for t, g in enumerate(grads, 1):
        if wd is not None:
            w = w - w * wd * lr
        alpha = lr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        m = m + (g - m) * (1 - b1)
        v = v + (g * g - v) * (1 - b2)
        if amsgrad:
            vh = np.maximum(vh, v)
            w = w - alpha * m / (np.sqrt(vh) + eps)
        else:
            w = w - alpha * m / (np.sqrt(v) + eps)
    return w


def ref_rmsprop(w, grads, lr=0.001, rho=0.9, momentum=0.0, eps=1e-7, centered=False):
    w = w.copy()
    v = np.zeros_like(w)
    a = np.zeros_like(w)
    mo = np.zeros_like(w)
    for g in grads:
        v = rho * v + (1 - rho) * g * g
        if centered:
            a = rho * a + (1 - rho) * g
            inc = lr * g / np.sqrt(v - a * a + eps)
        else:
            inc = lr * g / np.sqrt(v + eps)
        if momentum > 0:
            mo = momentum * mo + inc
            w = w - mo
        else:
            w = w - inc
    return w


def ref_adagrad(w, grads, lr=0.001, init=0.1, eps=1e-7):
    w = w.copy()
    acc = np.full_like(w, init)
    for g in grads:
        acc = acc + g * g
        w = w - lr * g / np.sqrt(acc + eps)
    return w


def ref_adadelta(w, grads, lr=0.001, rho=0.95, eps=1e-7):
    w = w.copy()
    ag = np.zeros_like(w)
    ad = np.zeros_like(w)
    for g in grads:
        ag = rho * ag + (1 - rho) * g * g
        delta = -np.sqrt(ad + eps) / np.sqrt(ag + eps) * g
        ad = rho * ad + (1 - rho) * delta * delta
        w = w + lr * delta
    return w


def ref_adamax(w, grads, lr=0.001, b1=0.9, b2=0.999, eps=1e-7):
    w = w.copy()
    m = np.zeros_like(w)
    u = np.zeros_like(w)
    for t, g in enumerate(grads, 1):
        m = m + (g - m) * (1 - b1)
        u = np.maximum(b2 * u, np.abs(g))
        w = w - lr * m / ((1 - b1 ** t) * (u + eps))
    return w


def ref_nadam(w, grads, lr=0.001, b1=0.9, b2=0.999, eps=1e-7):
    w = w.copy()
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    up = 1.0
    for t, g in enumerate(grads, 1):
        u_t = b1 * (1 - 0.5 * 0.96 ** t)
        u_t1 = b1 * (1 - 0.5 * 0.96 ** (t + 1))
        up = up * u_t
        up1 = up * u_t1
        m = m + (g - m) * (1 - b1)
        v = v + (g * g - v) * (1 - b2)
        m_hat = u_t1 * m / (1 - up1) + (1 - u_t) * g / (1 - up)
        v_hat = v / (1 - b2 ** t)
        w = w - lr * m_hat / (np.sqrt(v_hat) + eps)
    return w


def ref_lion(w, grads, lr=0.001, b1=0.9, b2=0.99):
    w = w.copy()
    m = np.zeros_like(w)
    for g in grads:
        w = w - lr * np.sign(m * b1 + g * (1 - b1))
        m = m * b2 + g * (1 - b2)
    return w


def ref_ftrl(w, grads, lr=0.001, power=-0.5, init=0.1, l1=0.0, l2=0.0, shrink=0.0, beta=0.0):
    w = w.copy()
    acc = np.full_like(w, init)
    lin = np.zeros_like(w)
    for g in grads:
        l2r = l2 + beta / (2 * lr)
        gg = g + 2 * shrink * w
        new = acc + g * g
        lin = lin + gg - (new ** -power - acc ** -power) / lr * w
        quad = new ** -power / lr + 2 * l2r
        w = (np.clip(lin, -l1, l1) - lin) / quad
        acc = new
    return w


def ref_adafactor(w, grads, lr=0.001, decay=-0.8, eps1=1e-30, eps2=1e-3, clip=1.0):
    w = w.copy()
    r = np.zeros(w.shape[:-1]) if w.ndim >= 2 else 0.0
    c = np.zeros(w.shape[:-2] + w.shape[-1:]) if w.ndim >= 2 else 0.0
    v = np.zeros_like(w)
    for t, g in enumerate(grads, 1):
        lr_t = min(lr, 1 / math.sqrt(t))
        rho = min(lr_t, 1 / math.sqrt(t))
        alpha = max(eps2, np.sqrt(np.mean(w * w))) * rho
        sq = g * g + eps1
        b = 1 - t ** decay
        if w.ndim >= 2:
            r = b * r + (1 - b) * sq.mean(-1)
            c = b * c + (1 - b) * sq.mean(-2)
            v = (r / r.mean(-1, keepdims=True))[..., None] * c[..., None, :]
        else:
            v = b * v + (1 - b) * sq
        u = g / np.sqrt(v)
        u = u / max(1.0, np.sqrt(np.mean(u * u)) / clip)
        w = w - alpha * u
    return w


CASES = [
    ("sgd", lambda: optimizers.SGD(0.1), lambda: ref_sgd(W0, GRADS, 0.1)),
    ("sgd_momentum", lambda: optimizers.SGD(0.1, momentum=0.9),
     lambda: ref_sgd(W0, GRADS, 0.1, 0.9)),
    ("sgd_nesterov", lambda: optimizers.SGD(0.1, momentum=0.8, nesterov=True),
     lambda: ref_sgd(W0, GRADS, 0.1, 0.8, True)),
    ("adam", lambda: optimizers.Adam(0.01), lambda: ref_adam(W0, GRADS, 0.01)),
    ("adam_amsgrad", lambda: optimizers.Adam(0.01, beta_1=0.8, amsgrad=True),
     lambda: ref_adam(W0, GRADS, 0.01, b1=0.8, amsgrad=True)),
    ("adamw", lambda: optimizers.AdamW(0.01, weight_decay=0.1),
     lambda: ref_adam(W0, GRADS, 0.01, wd=0.1)),
    ("rmsprop", lambda: optimizers.RMSprop(0.01), lambda: ref_rmsprop(W0, GRADS, 0.01)),
    ("rmsprop_centered_momentum",
     lambda: optimizers.RMSprop(0.01, rho=0.8, momentum=0.5, centered=True),
     lambda: ref_rmsprop(W0, GRADS, 0.01, 0.8, 0.5, centered=True)),
    ("adagrad", lambda: optimizers.Adagrad(0.1), lambda: ref_adagrad(W0, GRADS, 0.1)),
    ("adadelta", lambda: optimizers.Adadelta(1.0, rho=0.9),
     lambda: ref_adadelta(W0, GRADS, 1.0, 0.9)),
    ("adamax", lambda: optimizers.Adamax(0.01), lambda: ref_adamax(W0, GRADS, 0.01)),
    ("nadam", lambda: optimizers.Nadam(0.01), lambda: ref_nadam(W0, GRADS, 0.01)),
    ("lion", lambda: optimizers.Lion(0.01), lambda: ref_lion(W0, GRADS, 0.01)),
    ("ftrl", lambda: optimizers.Ftrl(0.1), lambda: ref_ftrl(W0, GRADS, 0.1)),
    ("ftrl_regularized",
     lambda: optimizers.Ftrl(0.1, learning_rate_power=-0.3, l1_regularization_strength=0.01,
                             l2_regularization_strength=0.02,
                             l2_shrinkage_regularization_strength=0.03, beta=0.5),
     lambda: ref_ftrl(W0, GRADS, 0.1, -0.3, 0.1, 0.01, 0.02, 0.03, 0.5)),
    ("adafactor", lambda: optimizers.Adafactor(0.01), lambda: ref_adafactor(W0, GRADS, 0.01)),
    # large epsilons / other hyperparameters pin down where each constant enters
    ("adam_eps", lambda: optimizers.Adam(0.01, beta_2=0.9, epsilon=0.1),
     lambda: ref_adam(W0, GRADS, 0.01, b2=0.9, eps=0.1)),
    ("rmsprop_eps", lambda: optimizers.RMSprop(0.01, epsilon=0.05, centered=True),
     lambda: ref_rmsprop(W0, GRADS, 0.01, eps=0.05, centered=True)),
    ("adagrad_eps", lambda: optimizers.Adagrad(0.1, initial_accumulator_value=0.0, epsilon=0.2),
     lambda: ref_adagrad(W0, GRADS, 0.1, 0.0, 0.2)),
    ("adamax_eps", lambda: optimizers.Adamax(0.01, beta_2=0.5, epsilon=0.1),
     lambda: ref_adamax(W0, GRADS, 0.01, b2=0.5, eps=0.1)),
    ("nadam_eps", lambda: optimizers.Nadam(0.01, beta_1=0.5, beta_2=0.9, epsilon=0.1),
     lambda: ref_nadam(W0, GRADS, 0.01, 0.5, 0.9, 0.1)),
    ("lion_betas", lambda: optimizers.Lion(0.01, beta_1=0.3, beta_2=0.5),
     lambda: ref_lion(W0, GRADS, 0.01, 0.3, 0.5)),
    ("adafactor_params",
     lambda: optimizers.Adafactor(0.3, beta_2_decay=-0.5, epsilon_2=0.5, clip_threshold=0.5),
     lambda: ref_adafactor(W0, GRADS, 0.3, -0.5, 1e-30, 0.5, 0.5)),
]


@pytest.mark.parametrize("name,make,ref", CASES, ids=[c[0] for c in CASES])
def test_three_steps_match_closed_form(name, make, ref):
    np.testing.assert_allclose(_run(make()), ref(), rtol=2e-5, atol=2e-6)


def test_adafactor_vector_variable():
    w0 = np.array([0.5, -1.0, 2.0])
    gs = [g[0] for g in GRADS]
    np.testing.assert_allclose(_run(optimizers.Adafactor(0.01), gs, w0),
                               ref_adafactor(w0, gs, 0.01), rtol=2e-5, atol=2e-6)


def test_update_is_in_place_and_iterations_int64():
    opt = optimizers.Adam(0.1)
    v = _var()
    arr = v._a
    opt.apply_gradients([(ts.constant(GRADS[0].astype(np.float32)), v)])
    assert v._a is arr
    assert not np.allclose(arr, W0.astype(np.float32))
    assert opt.iterations.dtype.name == "int64"
    assert not opt.iterations.trainable
    assert int(opt.iterations.numpy()) == 1


def test_variables_order_and_names():
    a, b = _var(name="a"), _var(np.ones(3), name="b")
    opt = optimizers.Adam(amsgrad=True)
    opt.build([a, b])
    paths = [v.path for v in opt.variables]
    assert paths == ["adam/iteration", "adam/learning_rate", "adam/a_momentum",
                     "adam/a_velocity", "adam/b_momentum", "adam/b_velocity",
                     "adam/a_velocity_hat", "adam/b_velocity_hat"]
    assert all(not v.trainable for v in opt.variables)
    ema = optimizers.SGD(use_ema=True, momentum=0.5, gradient_accumulation_steps=2)
    ema.build([a])
    assert [v.path for v in ema.variables] == [
        "SGD/iteration", "SGD/learning_rate", "SGD/a_average", "SGD/a_gradient_accumulator",
        "SGD/a_momentum"]


def test_save_and_load_own_variables_restores_state():
    opt = optimizers.Adam(0.05)
    v = _var()
    for g in GRADS[:2]:
        opt.apply_gradients([(ts.constant(g.astype(np.float32)), v)])
    store = {}
    opt.save_own_variables(store)
    assert sorted(store, key=int) == [str(i) for i in range(4)]
    v2 = _var(v.numpy())
    opt2 = optimizers.Adam(0.05)
    opt2.build([v2])
    opt2.load_own_variables(store)
    assert int(opt2.iterations.numpy()) == 2
    g = ts.constant(GRADS[2].astype(np.float32))
    opt.apply_gradients([(g, v)])
    opt2.apply_gradients([(g, v2)])
    np.testing.assert_allclose(v2.numpy(), v.numpy(), rtol=1e-6)
    with pytest.warns(UserWarning, match="Skipping variable loading"):
        optimizers.Adam().load_own_variables(store)


def test_clipnorm_clipvalue_global_clipnorm():
    g = np.array([3.0, 4.0], np.float32)
    v = _var([0.0, 0.0])
    optimizers.SGD(1.0, clipnorm=1.0).apply_gradients([(ts.constant(g), v)])
    np.testing.assert_allclose(v.numpy(), [-0.6, -0.8], rtol=1e-6)
    v = _var([0.0, 0.0])
    optimizers.SGD(1.0, clipnorm=10.0).apply_gradients([(ts.constant(g), v)])
    np.testing.assert_allclose(v.numpy(), [-3.0, -4.0], rtol=1e-6)
    v = _var([0.0, 0.0])
    optimizers.SGD(1.0, clipvalue=3.5).apply_gradients([(ts.constant(g), v)])
    np.testing.assert_allclose(v.numpy(), [-3.0, -3.5])
    a, b = _var([0.0, 0.0], "a"), _var([0.0], "b")
    opt = optimizers.SGD(1.0, global_clipnorm=6.5)
    opt.apply_gradients([(ts.constant(g), a), (ts.constant([12.0]), b)])
    np.testing.assert_allclose(a.numpy(), -g * 0.5, rtol=1e-6)      # global norm 13
    np.testing.assert_allclose(b.numpy(), [-6.0], rtol=1e-6)
    assert np.array_equal(g, [3.0, 4.0])                            # inputs untouched
    with pytest.raises(ValueError, match="Only one of `clipnorm`, `clipvalue`"):
        optimizers.SGD(clipnorm=1.0, clipvalue=1.0)


def test_weight_decay_and_exclusions():
    np.testing.assert_allclose(_run(optimizers.SGD(0.1, weight_decay=0.2)),
                               ref_sgd(W0, GRADS, 0.1, wd=0.2), rtol=1e-5)
    k, bias, other = _var(name="kernel"), _var(name="bias"), _var(name="other")
    opt = optimizers.SGD(0.5, weight_decay=0.1)
    opt.exclude_from_weight_decay(var_list=[other], var_names=["bias"])
    zero = ts.constant(np.zeros_like(W0, np.float32))
    opt.apply_gradients([(zero, k), (zero, bias), (zero, other)])
    np.testing.assert_allclose(k.numpy(), W0 * (1 - 0.05), rtol=1e-6)
    np.testing.assert_allclose(bias.numpy(), W0, rtol=1e-7)
    np.testing.assert_allclose(other.numpy(), W0, rtol=1e-7)
    with pytest.raises(ValueError, match="before the optimizer is built"):
        opt.exclude_from_weight_decay(var_names=["x"])
    with pytest.raises(ValueError, match="weight_decay"):
        optimizers.AdamW(weight_decay=None)


def test_ema_average_overwrite_and_finalize():
    lr, mom = 0.1, 0.9
    opt = optimizers.SGD(lr, use_ema=True, ema_momentum=mom)
    v = _var()
    w, avg = W0.copy(), None
    for g in GRADS:
        opt.apply_gradients([(ts.constant(g.astype(np.float32)), v)])
        w = w - lr * g
        avg = w.copy() if avg is None else mom * avg + (1 - mom) * w
    np.testing.assert_allclose(v.numpy(), w, rtol=1e-5)
    np.testing.assert_allclose(opt._model_variables_moving_average[0].numpy(), avg, rtol=1e-5)
    opt.finalize_variable_values([v])
    np.testing.assert_allclose(v.numpy(), avg, rtol=1e-5)

    opt = optimizers.SGD(lr, use_ema=True, ema_momentum=mom, ema_overwrite_frequency=2)
    v = _var()
    opt.apply_gradients([(ts.constant(GRADS[0].astype(np.float32)), v)])
    w1 = W0 - lr * GRADS[0]
    opt.apply_gradients([(ts.constant(GRADS[1].astype(np.float32)), v)])
    w2 = w1 - lr * GRADS[1]
    np.testing.assert_allclose(v.numpy(), mom * w1 + (1 - mom) * w2, rtol=1e-5)
    with pytest.raises(ValueError, match="ema_momentum"):
        optimizers.SGD(use_ema=True, ema_momentum=1.5)
    with pytest.raises(ValueError, match="ema_overwrite_frequency"):
        optimizers.SGD(use_ema=True, ema_overwrite_frequency=0.5)


def test_gradient_accumulation():
    opt = optimizers.SGD(1.0, gradient_accumulation_steps=2)
    v = _var()
    opt.apply_gradients([(ts.constant(GRADS[0].astype(np.float32)), v)])
    np.testing.assert_allclose(v.numpy(), W0, rtol=1e-7)
    opt.apply_gradients([(ts.constant(GRADS[1].astype(np.float32)), v)])
    np.testing.assert_allclose(v.numpy(), W0 - (GRADS[0] + GRADS[1]) / 2, rtol=1e-5)
    assert int(opt.iterations) == 1 and int(opt._iterations.numpy()) == 2
    np.testing.assert_allclose(opt._accumulated_gradients[0].numpy(), 0.0)
    # Adam's bias correction counts real updates only
    opt = optimizers.Adam(0.01, gradient_accumulation_steps=2)
    v = _var()
    for g in GRADS[:2] + GRADS[:2]:
        opt.apply_gradients([(ts.constant(g.astype(np.float32)), v)])
    mean = (GRADS[0] + GRADS[1]) / 2
    np.testing.assert_allclose(v.numpy(), ref_adam(W0, [mean, mean], 0.01), rtol=2e-5)
    with pytest.raises(ValueError, match="gradient_accumulation_steps"):
        optimizers.SGD(gradient_accumulation_steps=1)


def test_loss_scale_factor():
    opt = optimizers.SGD(0.5, loss_scale_factor=4.0)
    assert float(opt.scale_loss(ts.constant(2.0))) == 8.0
    v = _var([1.0])
    opt.apply_gradients([(ts.constant([8.0]), v)])
    np.testing.assert_allclose(v.numpy(), [0.0])


def test_constraint_applied_after_update():
    v = ts.Variable(np.array([1.0, -1.0], np.float32), constraint=lambda x: ts.maximum(x, 0.0))
    optimizers.SGD(1.0).apply_gradients([(ts.constant([2.0, 2.0]), v)])
    np.testing.assert_allclose(v.numpy(), [0.0, 0.0])


def test_learning_rate_float_callable_schedule_and_setter():
    opt = optimizers.SGD(0.1)
    assert isinstance(opt.learning_rate, keras.Variable)
    assert abs(float(opt.learning_rate) - 0.1) < 1e-7
    opt.learning_rate = 0.5
    assert abs(float(opt.learning_rate) - 0.5) < 1e-7
    v = _var([1.0])
    opt.apply_gradients([(ts.constant([1.0]), v)])
    np.testing.assert_allclose(v.numpy(), [0.5])

    calls = []
    opt = optimizers.SGD(lambda: calls.append(1) or 0.25)
    v = _var([1.0])
    opt.apply_gradients([(ts.constant([1.0]), v)])
    np.testing.assert_allclose(v.numpy(), [0.75])
    assert calls and float(opt.learning_rate) == 0.25
    assert [x.path for x in opt.variables] == ["SGD/iteration"]

    sched = schedules.PiecewiseConstantDecay([1], [1.0, 0.1])
    opt = optimizers.SGD(sched)
    v = _var([0.0])
    for _ in range(3):                 # steps 0, 1 use 1.0; step 2 uses 0.1
        opt.apply_gradients([(ts.constant([1.0]), v)])
    np.testing.assert_allclose(v.numpy(), [-2.1], rtol=1e-6)
    assert abs(float(opt.learning_rate) - 0.1) < 1e-7
    with pytest.raises(TypeError, match="not settable"):
        opt.learning_rate = 0.3

    opt = optimizers.SGD(0.1)
    lr_var = opt._learning_rate
    opt.learning_rate = schedules.ExponentialDecay(0.1, 10, 0.5)
    assert all(x is not lr_var for x in opt.variables)
    with pytest.raises(ValueError, match="learning_rate"):
        optimizers.SGD("fast")


def test_weight_decay_uses_schedule_value():
    sched = schedules.ExponentialDecay(0.1, decay_steps=1, decay_rate=0.5)
    opt = optimizers.SGD(sched, weight_decay=1.0)
    v = _var([1.0])
    zero = ts.constant([0.0])
    opt.apply_gradients([(zero, v)])
    opt.apply_gradients([(zero, v)])
    np.testing.assert_allclose(v.numpy(), [(1 - 0.1) * (1 - 0.05)], rtol=1e-6)


def test_none_gradients():
    a, b = _var(name="a"), _var(name="b")
    opt = optimizers.SGD(0.1)
    with pytest.raises(ValueError, match=r"No gradients provided for any variable.*'a'.*'b'"):
        opt.apply_gradients([(None, a), (None, b)])
    with pytest.warns(UserWarning, match="Gradients do not exist for variables"):
        opt.apply_gradients([(ts.constant(GRADS[0].astype(np.float32)), a), (None, b)])
    np.testing.assert_allclose(a.numpy(), W0 - 0.1 * GRADS[0], rtol=1e-6)
    np.testing.assert_allclose(b.numpy(), W0, rtol=1e-7)


def test_apply_without_variables_and_unknown_variable():
    opt = optimizers.SGD(1.0)
    with pytest.raises(ValueError, match="must already be built"):
        opt.apply([ts.constant([1.0])])
    v = _var([1.0])
    opt.build([v])
    opt.apply([np.array([0.5], np.float32)])
    np.testing.assert_allclose(v.numpy(), [0.5])
    with pytest.raises(ValueError, match="one-to-one"):
        opt.apply([np.ones(1), np.ones(1)])
    with pytest.raises(ValueError, match="Unknown variable"):
        opt.apply_gradients([(ts.constant([1.0]), _var([1.0], name="stranger"))])
    with pytest.raises(ValueError, match="shape"):
        opt.apply_gradients([(ts.constant([1.0, 2.0]), v)])


def test_minimize_callable_and_tape():
    x = keras.Variable(np.float32(3.0), name="x")
    opt = optimizers.SGD(0.1)
    opt.minimize(lambda: x * x, [x])
    assert abs(float(x.numpy()) - 2.4) < 1e-6
    with ts.GradientTape() as tape:
        loss = x * x
    opt.minimize(loss, [x], tape=tape)
    assert abs(float(x.numpy()) - 1.92) < 1e-6
    with pytest.raises(ValueError, match="`tape` is required"):
        opt.minimize(x * x, [x])


def test_custom_optimizer_update_step_gets_tensors():
    class HalfSGD(optimizers.Optimizer):
        def __init__(self, learning_rate=0.1, **kw):
            super().__init__(learning_rate=learning_rate, **kw)

        def build(self, variables):
            super().build(variables)
            self.counts = self.add_optimizer_variables(variables, "count")

        def update_step(self, gradient, variable, learning_rate):
            assert isinstance(gradient, ts.Tensor)
            self.assign_sub(variable, gradient * 0.5 * ts.cast(learning_rate, variable.dtype))
            c = self.counts[self._get_variable_index(variable)]
            self.assign_add(c, ts.ones_like(c))

    opt = HalfSGD(0.2, clipvalue=1.0)
    v = _var([1.0, 1.0])
    opt.apply_gradients([(ts.constant([4.0, 0.5]), v)])
    np.testing.assert_allclose(v.numpy(), [0.9, 0.95], rtol=1e-6)
    np.testing.assert_allclose(opt.counts[0].numpy(), [1.0, 1.0])
    assert opt.name == "half_sgd"

    class Forgot(optimizers.Optimizer):
        def __init__(self):
            self.x = 1

    with pytest.raises(RuntimeError, match=r"forgot to call `super\(\)\.__init__\(\)`"):
        Forgot()


ALL = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "Nadam", "Lion",
       "Ftrl", "Adafactor"]


@pytest.mark.parametrize("cls_name", ALL)
def test_config_round_trip(cls_name):
    cls = getattr(optimizers, cls_name)
    opt = cls(learning_rate=0.05, clipnorm=2.0, use_ema=True, ema_momentum=0.9)
    cfg = opt.get_config()
    base_keys = {"name", "learning_rate", "weight_decay", "clipnorm", "global_clipnorm",
                 "clipvalue", "use_ema", "ema_momentum", "ema_overwrite_frequency",
                 "loss_scale_factor", "gradient_accumulation_steps"}
    assert base_keys <= set(cfg)
    again = cls.from_config(cfg)
    assert type(again) is cls and again.get_config() == cfg
    ser = optimizers.serialize(opt)
    assert ser["module"] == "keras.optimizers" and ser["class_name"] == cls_name
    back = optimizers.deserialize(ser)
    assert type(back) is cls and back.get_config() == cfg


def test_subclass_config_keys():
    assert set(optimizers.Adam().get_config()) - set(optimizers.SGD().get_config()) == \
        {"beta_1", "beta_2", "epsilon", "amsgrad"}
    assert {"momentum", "nesterov"} <= set(optimizers.SGD().get_config())
    assert {"rho", "momentum", "epsilon", "centered"} <= set(optimizers.RMSprop().get_config())
    assert optimizers.AdamW().get_config()["weight_decay"] == 0.004
    assert optimizers.Adagrad().get_config()["initial_accumulator_value"] == 0.1
    assert optimizers.Adadelta().get_config()["rho"] == 0.95
    assert optimizers.Lion().get_config()["beta_2"] == 0.99
    assert optimizers.SGD().name == "SGD" and optimizers.Adam().name == "adam"


def test_config_with_schedule_round_trip():
    sched = schedules.CosineDecay(0.1, 100, alpha=0.1, warmup_target=0.2, warmup_steps=5)
    opt = optimizers.Adam(learning_rate=sched)
    cfg = opt.get_config()
    assert cfg["learning_rate"]["class_name"] == "CosineDecay"
    assert cfg["learning_rate"]["module"] == "keras.optimizers.schedules"
    back = optimizers.Adam.from_config(cfg)
    assert isinstance(back._learning_rate, schedules.CosineDecay)
    assert back._learning_rate.get_config() == sched.get_config()


def test_get_identifiers_and_errors():
    assert isinstance(optimizers.get("adam"), optimizers.Adam)
    assert isinstance(optimizers.get("Adam"), optimizers.Adam)
    assert isinstance(optimizers.get("rmsprop"), optimizers.RMSprop)
    assert isinstance(optimizers.get("sgd"), optimizers.SGD)
    assert isinstance(optimizers.get("adamw"), optimizers.AdamW)
    opt = optimizers.Nadam()
    assert optimizers.get(opt) is opt
    assert optimizers.get(None) is None
    d = optimizers.get({"class_name": "SGD", "config": {"learning_rate": 0.3}})
    assert isinstance(d, optimizers.SGD) and abs(float(d.learning_rate) - 0.3) < 1e-7
    with pytest.raises(ValueError, match="Could not interpret optimizer identifier: 'adamz'"):
        optimizers.get("adamz")
    with pytest.raises(ValueError, match="Could not interpret optimizer identifier"):
        optimizers.get(42)
    with pytest.raises(ValueError, match="not recognized"):
        optimizers.Adam(betas=0.9)
    with pytest.raises(ValueError, match="momentum"):
        optimizers.SGD(momentum=2.0)
    with pytest.raises(ValueError, match="beta_1"):
        optimizers.Lion(beta_1=0.0)
    with pytest.raises(ValueError, match="learning_rate_power"):
        optimizers.Ftrl(learning_rate_power=0.5)
    assert keras.optimizers.Adam is optimizers.Adam and keras.Optimizer is optimizers.Optimizer


CONVERGE = [
    ("SGD", dict(learning_rate=0.1)), ("SGD", dict(learning_rate=0.05, momentum=0.9)),
    ("SGD", dict(learning_rate=0.05, momentum=0.9, nesterov=True)),
    ("Adam", dict(learning_rate=0.1)), ("AdamW", dict(learning_rate=0.1, weight_decay=0.001)),
    ("RMSprop", dict(learning_rate=0.05)), ("RMSprop", dict(learning_rate=0.02, centered=True)),
    ("Adagrad", dict(learning_rate=0.5)), ("Adadelta", dict(learning_rate=30.0)),
    ("Adamax", dict(learning_rate=0.1)), ("Nadam", dict(learning_rate=0.1)),
    ("Lion", dict(learning_rate=0.01)), ("Ftrl", dict(learning_rate=0.5)),
    ("Adafactor", dict(learning_rate=0.5)),
]


@pytest.mark.parametrize("cls_name,kw", CONVERGE, ids=[f"{c}-{i}" for i, (c, _) in
                                                        enumerate(CONVERGE)])
def test_minimising_a_quadratic_converges(cls_name, kw):
    target = np.array([[1.0, -2.0], [0.5, 3.0]], np.float32)
    scale = ts.constant(np.array([[1.0, 2.0], [0.5, 1.5]], np.float32))
    x = keras.Variable(np.zeros((2, 2), np.float32), name="x")
    opt = getattr(optimizers, cls_name)(**kw)
    t = ts.constant(target)
    for _ in range(600):
        with ts.GradientTape() as tape:
            loss = ts.reduce_sum(scale * ts.square(x - t))
        opt.apply_gradients(zip(tape.gradient(loss, [x]), [x]))
    np.testing.assert_allclose(x.numpy(), target, atol=0.05)


# ---- schedules ----------------------------------------------------------------------------
def test_exponential_and_inverse_time_decay():
    s = schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
    for step in (0, 5, 10, 23):
        assert abs(float(s(step)) - 0.1 * 0.5 ** (step / 10)) < 1e-7
    s = schedules.ExponentialDecay(0.1, 10, 0.5, staircase=True)
    assert abs(float(s(19)) - 0.05) < 1e-7 and abs(float(s(20)) - 0.025) < 1e-7
    s = schedules.InverseTimeDecay(1.0, decay_steps=4, decay_rate=0.5)
    for step in (0, 3, 8):
        assert abs(float(s(step)) - 1.0 / (1 + 0.5 * step / 4)) < 1e-6
    s = schedules.InverseTimeDecay(1.0, 4, 0.5, staircase=True)
    assert abs(float(s(7)) - 1.0 / 1.5) < 1e-6
    out = s(ts.constant(3, dtype=ts.int64))
    assert isinstance(out, ts.Tensor) and out.dtype.name == "float32"
    with pytest.raises(ValueError, match="decay_steps"):
        schedules.ExponentialDecay(0.1, 0, 0.5)


def test_piecewise_constant_decay():
    s = schedules.PiecewiseConstantDecay([10, 20], [1.0, 0.5, 0.1])
    for step, want in ((0, 1.0), (10, 1.0), (11, 0.5), (20, 0.5), (21, 0.1), (500, 0.1)):
        assert abs(float(s(step)) - want) < 1e-7
    with pytest.raises(ValueError, match="1 less than the length of values"):
        schedules.PiecewiseConstantDecay([10, 20], [1.0, 0.5])


def test_polynomial_decay():
    s = schedules.PolynomialDecay(0.1, decay_steps=10, end_learning_rate=0.01, power=2.0)
    for step in (0, 4, 10, 15):
        st = min(step, 10)
        want = (0.1 - 0.01) * (1 - st / 10) ** 2 + 0.01
        assert abs(float(s(step)) - want) < 1e-7
    s = schedules.PolynomialDecay(0.1, 10, 0.01, cycle=True)
    for step in (0, 5, 15, 25):
        ds = 10 * (1 if step == 0 else math.ceil(step / 10))
        want = (0.1 - 0.01) * (1 - step / ds) + 0.01
        assert abs(float(s(step)) - want) < 1e-7


def test_cosine_decay_with_and_without_warmup():
    s = schedules.CosineDecay(0.1, decay_steps=100, alpha=0.2)
    for step in (0, 25, 100, 150):
        st = min(step, 100)
        want = 0.1 * ((1 - 0.2) * 0.5 * (1 + math.cos(math.pi * st / 100)) + 0.2)
        assert abs(float(s(step)) - want) < 1e-7
    s = schedules.CosineDecay(0.0, decay_steps=100, warmup_target=0.1, warmup_steps=10)
    assert abs(float(s(5)) - 0.05) < 1e-7
    for step in (10, 60, 110, 200):
        st = min(step, 110) - 10
        want = 0.1 * 0.5 * (1 + math.cos(math.pi * st / 100))
        assert abs(float(s(step)) - want) < 1e-7


def _sgdr(step, lr0, first, t_mul, m_mul, alpha):
    # walk the periods explicitly
    start, length, i = 0.0, float(first), 0
    while step >= start + length:
        start += length
        length *= t_mul
        i += 1
    frac = (step - start) / length
    return lr0 * ((1 - alpha) * 0.5 * m_mul ** i * (1 + math.cos(math.pi * frac)) + alpha)


@pytest.mark.parametrize("t_mul,m_mul,alpha", [(2.0, 1.0, 0.0), (1.0, 0.5, 0.1),
                                               (1.5, 0.8, 0.05)])
def test_cosine_decay_restarts(t_mul, m_mul, alpha):
    s = schedules.CosineDecayRestarts(0.1, 10, t_mul=t_mul, m_mul=m_mul, alpha=alpha)
    for step in (0, 3, 9, 10, 17, 29, 30, 55):
        assert abs(float(s(step)) - _sgdr(step, 0.1, 10, t_mul, m_mul, alpha)) < 1e-6


def test_schedule_serialization_round_trip():
    objs = [schedules.ExponentialDecay(0.1, 10, 0.9, staircase=True),
            schedules.PiecewiseConstantDecay([5], [0.1, 0.01]),
            schedules.PolynomialDecay(0.1, 10, cycle=True, power=0.5),
            schedules.InverseTimeDecay(0.1, 10, 0.5),
            schedules.CosineDecay(0.1, 100, alpha=0.1),
            schedules.CosineDecayRestarts(0.1, 10, t_mul=1.5, m_mul=0.9, alpha=0.01)]
    for s in objs:
        cfg = schedules.serialize(s)
        assert cfg["module"] == "keras.optimizers.schedules"
        back = schedules.deserialize(cfg)
        assert type(back) is type(s) and back.get_config() == s.get_config()
        assert abs(float(back(7)) - float(s(7))) < 1e-9
        assert type(s).from_config(s.get_config()).get_config() == s.get_config()
    assert set(objs[4].get_config()) == {"initial_learning_rate", "decay_steps", "alpha",
                                         "name", "warmup_target", "warmup_steps"}
    assert set(objs[5].get_config()) == {"initial_learning_rate", "first_decay_steps",
                                         "t_mul", "m_mul", "alpha", "name"}


def test_custom_schedule_receives_iterations():
    class Halving(schedules.LearningRateSchedule):
        def __call__(self, step):
            return 1.0 / (2.0 ** float(step))

        def get_config(self):
            return {}

    opt = optimizers.SGD(Halving())
    v = _var([0.0])
    for _ in range(3):
        opt.apply_gradients([(ts.constant([1.0]), v)])
    np.testing.assert_allclose(v.numpy(), [-1.75])
    with pytest.raises(NotImplementedError, match="must override"):
        schedules.LearningRateSchedule()(0)


def test_no_warning_when_all_grads_given():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _run(optimizers.Adam())


def test_loss_scale_optimizer_dynamic_scaling():
    inner = optimizers.SGD(0.1)
    opt = optimizers.LossScaleOptimizer(inner, initial_scale=8.0, dynamic_growth_steps=2)
    assert float(opt.scale_loss(ts.constant(1.0))) == 8.0
    v = _var([1.0, 1.0])
    opt.apply_gradients([(ts.constant([8.0, 16.0]), v)])          # unscaled: [1, 2]
    np.testing.assert_allclose(v.numpy(), [0.9, 0.8], rtol=1e-6)
    assert float(opt.dynamic_scale.numpy()) == 8.0 and int(opt.step_counter.numpy()) == 1
    opt.apply_gradients([(ts.constant([8.0, 16.0]), v)])          # growth: scale doubles
    assert float(opt.dynamic_scale.numpy()) == 16.0 and int(opt.step_counter.numpy()) == 0
    before = v.numpy()
    opt.apply_gradients([(ts.constant([np.inf, 1.0]), v)])        # skipped, scale halves
    np.testing.assert_allclose(v.numpy(), before)
    assert float(opt.dynamic_scale.numpy()) == 8.0
    assert int(opt.iterations.numpy()) == 2
    assert [x.path for x in opt.variables][:4] == [
        "loss_scale_optimizer/iteration", "loss_scale_optimizer/learning_rate",
        "loss_scale_optimizer/step_counter", "loss_scale_optimizer/dynamic_scale"]
    assert len(opt.variables) == 4 + len(inner.variables)
    cfg = optimizers.serialize(opt)
    back = optimizers.deserialize(cfg)
    assert isinstance(back.inner_optimizer, optimizers.SGD)
    assert back.get_config() == opt.get_config()
    with pytest.raises(ValueError, match="does not support `clipnorm`"):
        optimizers.LossScaleOptimizer(optimizers.SGD(), clipnorm=1.0)


def test_large_variables_match_the_closed_form():
    """Variables large enough to be updated in cache-sized chunks (with a partial last one)."""
    import tessera as ts
    from tessera import keras as K
    n = 300_037
    rng = np.random.default_rng(0)
    w0 = rng.normal(size=n).astype("float32")
    grads = [rng.normal(size=n).astype("float32") for _ in range(3)]
    for opt, ref in ((K.optimizers.Adam(0.01), "adam"), (K.optimizers.SGD(0.1, momentum=0.9), "sgd")):
        v = ts.Variable(w0.copy())
        w, m, s = w0.astype(np.float64), np.zeros(n), np.zeros(n)
        for t, g in enumerate(grads, 1):
            opt.apply([ts.constant(g)], [v])
            if ref == "adam":
                m = 0.9 * m + 0.1 * g
                s = 0.999 * s + 0.001 * g * g
                alpha = 0.01 * np.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t)
                w = w - alpha * m / (np.sqrt(s) + 1e-7)
            else:
                m = 0.9 * m - 0.1 * g
                w = w + m
        np.testing.assert_allclose(v.numpy(), w, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("amsgrad", [False, True])
def test_adam_chunked_update_matches_closed_form(monkeypatch, amsgrad):
    """Large variables are updated in cache-sized chunks (a partial last chunk included)."""
    from tessera.keras.optimizers import adam as adam_mod
    monkeypatch.setattr(adam_mod, "_CHUNK", 7)
    rng = np.random.default_rng(3)
    w0 = rng.normal(size=(5, 9))
    grads = [rng.normal(size=(5, 9)) for _ in range(3)]
    got = _run(optimizers.Adam(0.01, beta_1=0.8, amsgrad=amsgrad), grads, w0)
    np.testing.assert_allclose(got, ref_adam(w0, grads, 0.01, b1=0.8, amsgrad=amsgrad),
                               rtol=2e-5, atol=2e-6)

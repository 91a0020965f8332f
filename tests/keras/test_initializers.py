"""keras.initializers: distributions against their closed forms, fans, seeds, configs, get()."""
import json
import math

import numpy as np
import pytest

import tessera as ts
from tessera import keras
from tessera.keras import initializers as I
from tessera.keras.initializers.random_initializers import compute_fans

TRUNC = 0.87962566103423978  # std of a standard normal truncated to [-2, 2]
BIG = (400, 500)             # 200k samples: sample mean/std within ~0.5% of the truth


@pytest.fixture(autouse=True)
def _clear_global_seed():
    ts.random.set_seed(None)
    yield
    ts.random.set_seed(None)


def _np(t):
    assert isinstance(t, ts.Tensor)
    return t.numpy()


# -- distributions ------------------------------------------------------------------------------
def test_random_normal_statistics():
    v = _np(I.RandomNormal(mean=1.5, stddev=2.0, seed=1)(BIG))
    assert v.shape == BIG and v.dtype == np.float32
    assert abs(v.mean() - 1.5) < 0.02
    assert abs(v.std() - 2.0) < 0.02
    assert np.abs(v - 1.5).max() > 4.0  # untruncated: tails beyond 2 stddev exist


def test_random_normal_defaults():
    init = I.RandomNormal(seed=0)
    assert (init.mean, init.stddev) == (0.0, 0.05)
    assert abs(_np(init(BIG)).std() - 0.05) < 0.001


def test_random_uniform_statistics():
    v = _np(I.RandomUniform(minval=-3.0, maxval=5.0, seed=2)(BIG))
    assert v.min() >= -3.0 and v.max() < 5.0
    assert v.min() < -2.99 and v.max() > 4.99
    assert abs(v.mean() - 1.0) < 0.03
    assert abs(v.var() - 64.0 / 12.0) < 0.05


def test_random_uniform_defaults():
    v = _np(I.RandomUniform(seed=3)(BIG))
    assert v.min() >= -0.05 and v.max() < 0.05
    assert abs(v.std() - 0.1 / math.sqrt(12)) < 0.001


def test_truncated_normal_statistics():
    v = _np(I.TruncatedNormal(mean=0.5, stddev=2.0, seed=4)(BIG))
    assert v.min() >= 0.5 - 4.0 - 1e-5 and v.max() <= 0.5 + 4.0 + 1e-5
    assert v.max() > 4.4 and v.min() < -3.4  # the bounds are reached, not a narrower clip
    assert abs(v.mean() - 0.5) < 0.02
    assert abs(v.std() - 2.0 * TRUNC) < 0.02


def test_scalar_tensor_parameters():
    v = _np(I.RandomNormal(mean=ts.constant(3.0), stddev=ts.constant(0.5), seed=5)(BIG))
    assert abs(v.mean() - 3.0) < 0.01 and abs(v.std() - 0.5) < 0.01


@pytest.mark.parametrize("dist", ["truncated_normal", "untruncated_normal", "uniform"])
@pytest.mark.parametrize("mode", ["fan_in", "fan_out", "fan_avg"])
def test_variance_scaling_statistics(mode, dist):
    shape = (300, 700)
    scale = 2.5
    n = {"fan_in": 300, "fan_out": 700, "fan_avg": 500}[mode]
    v = _np(I.VarianceScaling(scale=scale, mode=mode, distribution=dist, seed=6)(shape))
    std = math.sqrt(scale / n)
    assert abs(v.mean()) < 0.01 * std * 10
    assert abs(v.std() - std) < 0.01 * std
    if dist == "uniform":
        limit = math.sqrt(3 * scale / n)
        assert np.abs(v).max() <= limit and np.abs(v).max() > 0.99 * limit
    elif dist == "truncated_normal":
        bound = 2 * std / TRUNC
        assert np.abs(v).max() <= bound * (1 + 1e-6) and np.abs(v).max() > 0.98 * bound
    else:
        assert np.abs(v).max() > 3 * std


def test_variance_scaling_normal_means_truncated():
    init = I.VarianceScaling(distribution="Normal", seed=0)
    assert init.distribution == "truncated_normal"


@pytest.mark.parametrize("cls,scale,mode,dist", [
    (I.GlorotUniform, 1.0, "fan_avg", "uniform"),
    (I.GlorotNormal, 1.0, "fan_avg", "truncated_normal"),
    (I.HeUniform, 2.0, "fan_in", "uniform"),
    (I.HeNormal, 2.0, "fan_in", "truncated_normal"),
    (I.LecunUniform, 1.0, "fan_in", "uniform"),
    (I.LecunNormal, 1.0, "fan_in", "truncated_normal"),
])
def test_named_variance_scaling(cls, scale, mode, dist):
    init = cls(seed=11)
    assert (init.scale, init.mode, init.distribution) == (scale, mode, dist)
    assert init.get_config() == {"seed": 11}
    shape = (3, 3, 40, 60)  # a Conv2D kernel: fan_in = 9 * 40, fan_out = 9 * 60
    n = {"fan_in": 360, "fan_avg": 450}[mode]
    v = _np(init(shape))
    std = math.sqrt(scale / n)
    assert abs(v.std() - std) < 0.01 * std
    if dist == "uniform":
        assert np.abs(v).max() <= math.sqrt(3) * std
    else:
        assert np.abs(v).max() <= 2 * std / TRUNC * (1 + 1e-6)


def test_glorot_uniform_dense_limit():
    v = _np(I.GlorotUniform(seed=0)((200, 300)))
    limit = math.sqrt(6 / 500)
    assert np.abs(v).max() <= limit and np.abs(v).max() > 0.999 * limit


# -- fans -------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape,fans", [
    ((), (1, 1)),
    ((7,), (7, 7)),
    ((4, 9), (4, 9)),
    ((5, 4, 8), (20, 40)),           # Conv1D kernel (width, in, out)
    ((3, 3, 16, 32), (144, 288)),    # Conv2D kernel
    ((2, 3, 3, 4, 6), (72, 108)),    # Conv3D kernel
])
def test_compute_fans(shape, fans):
    assert compute_fans(shape) == fans


def test_fan_out_uses_receptive_field():
    v = _np(I.VarianceScaling(scale=1.0, mode="fan_out", distribution="untruncated_normal",
                              seed=1)((5, 5, 30, 80)))
    assert abs(v.std() - math.sqrt(1 / (25 * 80))) < 0.01 * math.sqrt(1 / 2000)


# -- orthogonal and identity ----------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(30, 50), (50, 30), (40, 40), (3, 3, 4, 8), (2, 5, 12)])
def test_orthogonal(shape):
    gain = 1.7
    v = _np(I.Orthogonal(gain=gain, seed=3)(shape)).astype(np.float64)
    assert v.shape == shape
    m = v.reshape(-1, shape[-1])
    rows, cols = m.shape
    if rows < cols:
        np.testing.assert_allclose(m @ m.T, gain ** 2 * np.eye(rows), atol=1e-5)
    else:
        np.testing.assert_allclose(m.T @ m, gain ** 2 * np.eye(cols), atol=1e-5)


def test_orthogonal_aliases_and_errors():
    assert I.OrthogonalInitializer is I.Orthogonal is I.orthogonal
    with pytest.raises(ValueError, match="at least two-dimensional"):
        I.Orthogonal(seed=0)((5,))


def test_identity():
    np.testing.assert_array_equal(_np(I.Identity()((3, 3))), np.eye(3, dtype=np.float32))
    np.testing.assert_array_equal(_np(I.Identity(gain=2.0)((2, 4))), 2 * np.eye(2, 4))
    assert I.IdentityInitializer is I.Identity
    assert I.Identity(gain=3.0).get_config() == {"gain": 3.0}
    with pytest.raises(ValueError, match="only be used for 2D matrices"):
        I.Identity()((2, 2, 2))


# -- constant initializers -----------------------------------------------------------------------
def test_zeros_ones_constant():
    z = I.Zeros()((2, 3))
    assert z.dtype == ts.float32 and not _np(z).any()
    o = I.Ones()((4,), dtype="float64")
    assert o.dtype == ts.float64 and (_np(o) == 1).all()
    assert I.Zeros()((2,), dtype="int32").dtype == ts.int32
    c = I.Constant(3.5)((2, 2))
    np.testing.assert_array_equal(_np(c), np.full((2, 2), 3.5, np.float32))
    np.testing.assert_array_equal(_np(I.Constant([1.0, 2.0])((3, 2))), [[1, 2]] * 3)
    with pytest.raises(ValueError, match="Constant initializer"):
        I.Constant([1.0, 2.0, 3.0])((2, 2))


def test_constant_config_with_array_round_trips_through_json():
    init = I.Constant(np.array([1.0, 2.0]))
    cfg = json.loads(json.dumps(I.serialize(init)))
    back = I.deserialize(cfg)
    np.testing.assert_array_equal(np.asarray(back.value), [1.0, 2.0])
    assert I.Constant.from_config(I.Constant(2.0).get_config()).value == 2.0


def test_stft_kernel():
    frame, bins = 16, 9
    real = _np(I.STFT("real", window=None, scaling=None)((frame, 1, bins)))
    imag = _np(I.STFT("imag", window=None, scaling=None)((frame, 1, bins)))
    t = np.arange(frame)[:, None]
    f = np.arange(bins)[None, :] / ((bins - 1) * 2)
    np.testing.assert_allclose(real[:, 0, :], np.cos(-2 * np.pi * t * f), atol=1e-6)
    np.testing.assert_allclose(imag[:, 0, :], np.sin(-2 * np.pi * t * f), atol=1e-6)
    win = np.hanning(frame)
    hann = _np(I.STFT("real", window=win, scaling="density")((frame, 1, bins)))
    np.testing.assert_allclose(hann[:, 0, :], np.cos(-2 * np.pi * t * f) * win[:, None]
                               / np.sqrt((win ** 2).sum()), atol=1e-6)
    with pytest.raises(ValueError, match="side should be"):
        I.STFT(side="both")


# -- dtypes ---------------------------------------------------------------------------------------
def test_dtypes():
    init = I.GlorotUniform(seed=0)
    assert init((3, 4)).dtype == ts.float32
    assert init((3, 4), dtype="float64").dtype == ts.float64
    assert init((3, 4), dtype=ts.float16).dtype == ts.float16
    with pytest.raises(ValueError, match="floating-point `dtype`.*int32"):
        init((3, 4), dtype="int32")


def test_floatx_default():
    keras.config.set_floatx("float64")
    try:
        assert I.RandomNormal(seed=0)((2,)).dtype == ts.float64
        assert I.Zeros()((2,)).dtype == ts.float64
    finally:
        keras.config.set_floatx("float32")


def test_shape_validation():
    with pytest.raises(ValueError, match="negative dimension"):
        I.Zeros()((2, -1))
    assert I.Ones()(3).shape == (3,)
    assert I.Ones()([2, 2]).shape == (2, 2)


# -- seeds ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", [I.RandomNormal, I.RandomUniform, I.TruncatedNormal,
                                 I.GlorotUniform, I.HeNormal, I.Orthogonal])
def test_int_seed_is_deterministic(cls):
    a = _np(cls(seed=42)((6, 5)))
    init = cls(seed=42)
    np.testing.assert_array_equal(a, _np(init((6, 5))))
    np.testing.assert_array_equal(a, _np(init((6, 5))))  # same values on every call
    assert not np.array_equal(a, _np(cls(seed=43)((6, 5))))


def test_int_seed_ignores_global_state():
    a = _np(I.RandomNormal(seed=5)((10,)))
    ts.random.set_seed(123)
    _ = ts.random.normal([3])
    np.testing.assert_array_equal(a, _np(I.RandomNormal(seed=5)((10,))))


def test_unseeded_instances_differ_and_each_repeats():
    # Keras 3: an unseeded initializer draws its seed once, so repeated calls of one
    # instance give the same values; separate instances differ.
    a, b = I.GlorotUniform(), I.GlorotUniform()
    va = _np(a((8, 8)))
    assert not np.array_equal(va, _np(b((8, 8))))
    np.testing.assert_array_equal(va, _np(a((8, 8))))
    assert a.get_config() == {"seed": None}


def test_unseeded_reproducible_after_global_seed():
    def draw():
        ts.random.set_seed(1234)
        return [_np(I.GlorotUniform()((5, 5))), _np(I.RandomNormal()((7,))),
                _np(I.Orthogonal()((4, 4)))]
    first, second = draw(), draw()
    for x, y in zip(first, second):
        np.testing.assert_array_equal(x, y)
    ts.random.set_seed(99)
    assert not np.array_equal(first[0], _np(I.GlorotUniform()((5, 5))))


def test_clone_of_unseeded_gets_new_seed():
    a = I.RandomUniform()
    b = a.clone()
    assert isinstance(b, I.RandomUniform) and (b.minval, b.maxval) == (-0.05, 0.05)
    assert not np.array_equal(_np(a((20,))), _np(b((20,))))


class _CountingSeedGenerator:
    """Duck-typed keras.random.SeedGenerator: a new shape-[2] seed per call."""

    def __init__(self):
        self.n = 0

    def next(self):
        self.n += 1
        return np.array([7, self.n], dtype=np.int64)


def test_seed_generator_gives_new_values_per_call():
    init = I.RandomNormal(seed=_CountingSeedGenerator())
    a, b = _np(init((10,))), _np(init((10,)))
    assert not np.array_equal(a, b)


def test_bad_seed():
    with pytest.raises(ValueError, match="`seed` argument should be.*'abc'"):
        I.RandomNormal(seed="abc")


# -- validation ---------------------------------------------------------------------------------
def test_variance_scaling_validation():
    with pytest.raises(ValueError, match="`scale` must be a positive float.*-1"):
        I.VarianceScaling(scale=-1)
    with pytest.raises(ValueError, match="invalid `mode`.*fan_middle"):
        I.VarianceScaling(mode="fan_middle")
    with pytest.raises(ValueError, match="invalid `distribution`.*gamma"):
        I.VarianceScaling(distribution="gamma")


def test_base_initializer_not_implemented():
    with pytest.raises(NotImplementedError, match="__call__"):
        I.Initializer()((2,))


# -- configs, serialization, get ----------------------------------------------------------------
@pytest.mark.parametrize("init,keys", [
    (I.RandomNormal(mean=1.0, stddev=2.0, seed=3), {"seed", "mean", "stddev"}),
    (I.TruncatedNormal(mean=0.1, stddev=0.3, seed=3), {"seed", "mean", "stddev"}),
    (I.RandomUniform(minval=-1.0, maxval=2.0, seed=3), {"seed", "minval", "maxval"}),
    (I.VarianceScaling(2.0, "fan_out", "uniform", seed=3),
     {"seed", "scale", "mode", "distribution"}),
    (I.GlorotNormal(seed=3), {"seed"}), (I.HeUniform(seed=3), {"seed"}),
    (I.LecunNormal(seed=3), {"seed"}),
    (I.Orthogonal(gain=2.0, seed=3), {"seed", "gain"}),
    (I.Zeros(), set()), (I.Ones(), set()), (I.Constant(2.0), {"value"}),
    (I.Identity(gain=0.5), {"gain"}),
    (I.STFT("imag", "hamming", "spectrum", True), {"side", "window", "scaling", "periodic"}),
])
def test_config_round_trip(init, keys):
    cfg = init.get_config()
    assert set(cfg) == keys
    back = type(init).from_config(cfg)
    assert back.get_config() == cfg
    ser = json.loads(json.dumps(I.serialize(init)))
    assert ser["module"] == "keras.initializers"
    assert ser["class_name"] == type(init).__name__
    again = I.deserialize(ser)
    assert type(again) is type(init) and again.get_config() == cfg
    shape = (16, 1, 9) if isinstance(init, I.STFT) else (4, 4)
    if "seed" in cfg or not keys or isinstance(init, (I.Constant, I.Identity, I.STFT)):
        np.testing.assert_array_equal(_np(init(shape)), _np(again(shape)))


@pytest.mark.parametrize("name,cls", [
    ("glorot_uniform", I.GlorotUniform), ("GlorotUniform", I.GlorotUniform),
    ("glorot_normal", I.GlorotNormal), ("he_normal", I.HeNormal), ("he_uniform", I.HeUniform),
    ("lecun_normal", I.LecunNormal), ("lecun_uniform", I.LecunUniform),
    ("random_normal", I.RandomNormal), ("normal", I.RandomNormal),
    ("random_uniform", I.RandomUniform), ("uniform", I.RandomUniform),
    ("truncated_normal", I.TruncatedNormal), ("variance_scaling", I.VarianceScaling),
    ("orthogonal", I.Orthogonal), ("Orthogonal", I.Orthogonal),
    ("OrthogonalInitializer", I.Orthogonal), ("identity", I.Identity),
    ("IdentityInitializer", I.Identity), ("zeros", I.Zeros), ("zero", I.Zeros),
    ("Zeros", I.Zeros), ("ones", I.Ones), ("one", I.Ones), ("constant", I.Constant),
])
def test_get_by_name(name, cls):
    obj = I.get(name)
    assert type(obj) is cls


def test_get_other_identifiers():
    assert I.get(None) is None
    inst = I.HeNormal(seed=1)
    assert I.get(inst) is inst
    assert type(I.get(I.Ones)) is I.Ones
    c = I.get({"class_name": "Constant", "config": {"value": 3.0}})
    assert isinstance(c, I.Constant) and c.value == 3.0
    c = I.get({"module": "keras.initializers", "class_name": "RandomUniform",
               "config": {"minval": 0.0, "maxval": 1.0, "seed": 4}, "registered_name": None})
    assert (c.minval, c.maxval, c.seed) == (0.0, 1.0, 4)

    def my_init(shape, dtype=None):
        return ts.ones(shape)
    assert I.get(my_init) is my_init
    assert I.glorot_uniform is I.GlorotUniform and I.zeros is I.Zeros


def test_get_unknown():
    with pytest.raises(ValueError, match="Could not interpret initializer identifier: 'glorot'"):
        I.get("glorot")
    with pytest.raises(ValueError, match="Could not interpret initializer identifier: 42"):
        I.get(42)


def test_get_custom_registered():
    @keras.saving.register_keras_serializable(package="test_init")
    class Twos(I.Initializer):
        def __call__(self, shape, dtype=None):
            return I.Constant(2.0)(shape, dtype)

    try:
        assert isinstance(I.get("test_init>Twos"), Twos)
        back = I.deserialize(I.serialize(Twos()))
        assert isinstance(back, Twos)
        with keras.saving.custom_object_scope({"Threes": Twos}):
            assert isinstance(I.get("Threes"), Twos)
    finally:
        keras.saving.get_custom_objects().pop("test_init>Twos", None)


def test_keras_variable_with_initializer_name():
    ts.random.set_seed(3)
    v = keras.Variable("he_uniform", shape=(10, 20))
    assert v.shape == (10, 20)
    assert np.abs(v.numpy()).max() <= math.sqrt(6 / 10)

"""The shared Keras layer-test harness: one call checks everything a layer must do.

    from tests.keras.harness import run_layer_test

    run_layer_test(
        keras.layers.Dense,
        init_kwargs={"units": 3},
        input_shape=(2, 4),
        expected_output_shape=(2, 3),
        reference_fn=lambda x, w: x @ w["kernel"] + w["bias"],
        expected_num_trainable_weights=2,
        expected_num_non_trainable_weights=0,
    )

`run_layer_test` checks, in order (each check can be switched off):

1. **config (unbuilt)**: `get_config()` is JSON-serializable and
   `from_config(get_config())` gives the same config;
2. **eager call** on NumPy data: the output shape and dtype; the output values
   against `expected_output` or a NumPy `reference_fn`; the weight counts;
   the number of losses; `supports_masking`; the output mask's shape;
   `compute_output_shape` agrees with the real output shape;
3. **symbolic call** on `keras.Input`s (a fresh layer): the KerasTensor's shape
   (batch axis None) and dtype, and the same weight counts once built;
4. **gradients**: the tape gives finite gradients of the (projected) output
   with respect to every floating-point input and every trainable weight, so
   the layer is written with differentiable Tessera ops;
5. **training**: when the layer has trainable weights, a functional model
   around it (optionally with a Flatten + Dense head) compiled with loss "mse"
   and `training_optimizer` is fitted for a few full-batch epochs on random
   targets: the loss must fall and the trainable weights must change;
6. **config (built)**: `serialize_keras_object` -> JSON -> `deserialize_keras_object`
   gives a layer with the same config which, after `set_weights`, returns the
   same output.

Inputs: give `input_shape` (batch axis included; a list of shapes for layers
taking a list of inputs, such as `Add`) and `input_dtype`, and the harness draws
random data (standard normal floats, integers in `[0, int_high)`), or give
`input_data` (an array, or a list of arrays) directly.

`reference_fn(x, w)` receives the NumPy input (a list for several inputs) and a
dict of the layer's weights as NumPy arrays keyed by weight name
(`w["kernel"]`), and returns the expected output; a one-argument
`reference_fn(x)` is accepted for weightless layers.

Returns a `LayerTestResult` (`layer`, `inputs`, `output`, `symbolic_output`,
`history`) so a test can go on to check more.
"""
import base64
import inspect
import json
import marshal
import types

import numpy as np

import tessera as ts
from tessera import keras
from tessera.keras.saving import serialization_lib
from tessera.keras.saving.object_registration import CustomObjectScope

__all__ = ["run_layer_test", "LayerTestResult", "random_inputs"]


class LayerTestResult(types.SimpleNamespace):
    """What `run_layer_test` built: `layer` (the eager, built layer), `inputs` (the
    NumPy inputs), `output` (its NumPy output), `symbolic_output` (the KerasTensor
    of the symbolic check, or None), `history` (the training check's loss values)."""


def _is_multi_shape(shape):
    return isinstance(shape, (list, tuple)) and len(shape) > 0 and all(
        isinstance(s, (list, tuple)) for s in shape)


def random_inputs(input_shape, input_dtype="float32", seed=0, int_high=10):
    """Random inputs of `input_shape` (or a list of shapes): N(0, 1) floats, or integers
    in `[0, int_high)` for integer dtypes, as NumPy arrays."""
    rng = np.random.default_rng(seed)
    multi = _is_multi_shape(input_shape)
    shapes = list(input_shape) if multi else [input_shape]
    dtypes = list(input_dtype) if isinstance(input_dtype, (list, tuple)) else [input_dtype] * len(shapes)
    out = []
    for shape, dt in zip(shapes, dtypes):
        dt = np.dtype(dt)
        if dt.kind in "iu":
            out.append(rng.integers(0, int_high, size=tuple(shape)).astype(dt))
        elif dt.kind == "b":
            out.append(rng.random(tuple(shape)) > 0.5)
        else:
            out.append(rng.standard_normal(tuple(shape)).astype(dt))
    return out if multi else out[0]


def _np(x):
    if isinstance(x, (list, tuple)):
        return [_np(v) for v in x]
    if isinstance(x, dict):
        return {k: _np(v) for k, v in x.items()}
    return None if x is None else np.asarray(x)


def _flat(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _dtype_name(x):
    dt = getattr(x, "dtype", None)
    return dt if isinstance(dt, str) else getattr(dt, "name", str(dt))


def _weights_dict(layer):
    out = {}
    for v in layer.weights:
        name = v.name.split("/")[-1].split(":")[0]
        key = name if name not in out else v.path
        out[key] = np.asarray(v.numpy())
    return out


def _call_reference(reference_fn, x, layer):
    params = [p for p in inspect.signature(reference_fn).parameters.values()
              if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if len(params) <= 1:
        return reference_fn(x)
    return reference_fn(x, _weights_dict(layer))


def _assert_shape(what, got, want):
    got = tuple(got) if not _is_multi_shape(got) else [tuple(g) for g in got]
    want = tuple(want) if not _is_multi_shape(want) else [tuple(w) for w in want]
    assert got == want, f"{what}: expected shape {want}, got {got}"


def _shape_of(out):
    if isinstance(out, (list, tuple)):
        return [tuple(o.shape) for o in out]
    return tuple(out.shape)


def _plain_kwargs(kwargs):
    """The call kwargs a symbolic call can take: no arrays or tensors."""
    return {k: v for k, v in kwargs.items()
            if not isinstance(v, (np.ndarray, ts.Tensor)) and k != "training"}


def _project(out, seed=1):
    """A scalar: sum(out * fixed random weights) over the floating-point outputs."""
    total = None
    for i, o in enumerate(_flat(out)):
        if o is None or not o.dtype.is_floating:
            continue
        w = np.random.default_rng(seed + i).uniform(0.5, 1.5, size=tuple(o.shape))
        term = ts.reduce_sum(o * ts.constant(w.astype(o.dtype.name)))
        total = term if total is None else total + term
    return total


def run_layer_test(layer_cls, init_kwargs=None, input_shape=None, input_dtype="float32",
                   input_data=None, call_kwargs=None, expected_output_shape=None,
                   expected_output_dtype=None, expected_output=None, reference_fn=None,
                   expected_num_trainable_weights=None, expected_num_non_trainable_weights=None,
                   expected_num_losses=None, supports_masking=None, input_mask=None,
                   expected_mask_shape=None, run_training_check=True, run_config_check=True,
                   run_symbolic_check=True, run_gradient_check=True,
                   expected_symbolic_output_shape=None, symbolic_batch_size=None,
                   training_optimizer="adam", training_epochs=5, training_head=False,
                   custom_objects=None, safe_mode=True, rtol=1e-5, atol=1e-5, seed=0,
                   int_high=10):
    """Runs the standard checks on a layer class (see the module docstring).

    Args:
        layer_cls: the layer class (e.g. `keras.layers.Dense`).
        init_kwargs: constructor arguments.
        input_shape: the input shape, batch axis included, or a list of shapes.
        input_dtype: the dtype of the generated inputs (or a list, one per input).
        input_data: explicit input array(s) instead of `input_shape`.
        call_kwargs: extra call arguments (e.g. `{"training": True}`); arrays are
            passed to eager calls only.
        expected_output_shape: the eager output's shape (or list of shapes).
        expected_output_dtype: the output dtype (default floatx).
        expected_output: the expected output values.
        reference_fn: `reference_fn(x, weights_dict)` or `reference_fn(x)`, the
            NumPy computation of the output.
        expected_num_trainable_weights, expected_num_non_trainable_weights,
        expected_num_losses: counts checked after the eager call.
        supports_masking: the expected `layer.supports_masking`.
        input_mask: a boolean mask attached to the (single) input for a second
            eager call, whose output mask must have `expected_mask_shape`.
        expected_mask_shape: the shape of the output's `_keras_mask` (None: the
            output mask is not checked).
        run_training_check, run_config_check, run_symbolic_check, run_gradient_check:
            switch the corresponding check off.
        expected_symbolic_output_shape: the symbolic output shape (default:
            `expected_output_shape` with its batch axis set to `symbolic_batch_size`).
        symbolic_batch_size: the batch size of the `keras.Input` (default None).
        training_optimizer: optimizer name or instance for the training check.
        training_epochs: full-batch epochs fitted in the training check.
        training_head: add `Flatten` + `Dense(1)` after the layer in the training
            check (for layers whose output cannot be regressed directly).
        custom_objects: for `from_config` / `deserialize_keras_object`.
        safe_mode: passed to deserialization (False to load Lambda bytecode).
        rtol, atol: tolerances of the value comparisons.
        seed: seed of the generated data.
        int_high: integer inputs are drawn from `[0, int_high)`.

    Returns:
        A `LayerTestResult`.
    """
    init_kwargs = dict(init_kwargs or {})
    call_kwargs = dict(call_kwargs or {})
    if input_data is None:
        if input_shape is None:
            raise ValueError("run_layer_test needs input_shape or input_data.")
        input_data = random_inputs(input_shape, input_dtype, seed=seed, int_high=int_high)
    multi = isinstance(input_data, (list, tuple)) and len(input_data) > 0 and all(
        hasattr(x, "shape") for x in input_data)
    if multi:
        input_data = [np.asarray(x) for x in input_data]
        input_shape = [tuple(x.shape) for x in input_data]
        input_dtypes = [x.dtype.name for x in input_data]
    else:
        input_data = np.asarray(input_data)
        input_shape = tuple(input_data.shape)
        input_dtypes = [input_data.dtype.name]
    if expected_output_dtype is None:
        expected_output_dtype = keras.config.floatx()
    result = LayerTestResult(layer=None, inputs=input_data, output=None, symbolic_output=None,
                             history=None)
    scope = {**(custom_objects or {})}

    def make():
        with CustomObjectScope(scope):
            return layer_cls(**init_kwargs)

    # 1. config of the unbuilt layer
    if run_config_check:
        fresh = make()
        cfg = fresh.get_config()
        json.dumps(serialization_lib.serialize_keras_object(cfg))
        with CustomObjectScope(scope), serialization_lib.SafeModeScope(safe_mode):
            revived = _from_config(layer_cls, cfg, custom_objects)
        assert _normalized(revived.get_config()) == _normalized(cfg), (
            f"{layer_cls.__name__}: from_config(get_config()) changed the config:\n"
            f"{cfg}\n!=\n{revived.get_config()}")

    # 2. eager call
    layer = make()
    result.layer = layer
    if supports_masking is not None:
        assert layer.supports_masking == supports_masking, (
            f"{layer_cls.__name__}.supports_masking is {layer.supports_masking}, expected "
            f"{supports_masking}")
    output = layer(input_data, **call_kwargs)
    result.output = _np(output)
    if expected_output_shape is not None:
        _assert_shape(f"{layer_cls.__name__} eager output", _shape_of(output),
                      expected_output_shape)
    for o in _flat(output):
        assert _dtype_name(o) == expected_output_dtype, (
            f"{layer_cls.__name__}: expected output dtype {expected_output_dtype}, got "
            f"{_dtype_name(o)}")
    if expected_num_trainable_weights is not None:
        assert len(layer.trainable_weights) == expected_num_trainable_weights, (
            f"{layer_cls.__name__}: expected {expected_num_trainable_weights} trainable weights, "
            f"got {[v.path for v in layer.trainable_weights]}")
    if expected_num_non_trainable_weights is not None:
        assert len(layer.non_trainable_weights) == expected_num_non_trainable_weights, (
            f"{layer_cls.__name__}: expected {expected_num_non_trainable_weights} non-trainable "
            f"weights, got {[v.path for v in layer.non_trainable_weights]}")
    if expected_num_losses is not None:
        assert len(layer.losses) == expected_num_losses, (
            f"{layer_cls.__name__}: expected {expected_num_losses} losses, got "
            f"{len(layer.losses)}")
    assert layer.built, f"{layer_cls.__name__} is not built after being called."
    assert layer.count_params() == sum(int(np.prod(v.shape)) for v in layer.weights)
    # inference calls (Keras 3's random image layers default a direct call to training=True)
    eval_kwargs = {**{k: v for k, v in call_kwargs.items() if k != "training"},
                   "training": False}
    if expected_output is not None:
        np.testing.assert_allclose(_np(output), expected_output, rtol=rtol, atol=atol,
                                   err_msg=f"{layer_cls.__name__}: output != expected_output")
    if reference_fn is not None:
        want = _call_reference(reference_fn, input_data, layer)
        np.testing.assert_allclose(_np(output), want, rtol=rtol, atol=atol,
                                   err_msg=f"{layer_cls.__name__}: output != reference_fn")
    if type(layer).compute_output_shape is not keras.layers.Layer.compute_output_shape:
        cos = layer.compute_output_shape(input_shape)
        _assert_shape(f"{layer_cls.__name__}.compute_output_shape", cos, _shape_of(output))
    if expected_mask_shape is not None:
        x = ts.constant(input_data)
        if input_mask is not None:
            x._keras_mask = ts.constant(np.asarray(input_mask, dtype=bool))
        masked_out = layer(x, **eval_kwargs)
        mask = getattr(masked_out, "_keras_mask", None)
        assert mask is not None, f"{layer_cls.__name__}: the output carries no mask"
        _assert_shape(f"{layer_cls.__name__} output mask", tuple(mask.shape),
                      expected_mask_shape)

    # 3. symbolic call on keras.Input
    if run_symbolic_check:
        sym_layer = make()
        shapes = input_shape if multi else [input_shape]
        ins = [keras.Input(batch_shape=(symbolic_batch_size,) + tuple(s[1:]), dtype=d)
               for s, d in zip(shapes, input_dtypes)]
        sym_out = sym_layer(ins if multi else ins[0], **_plain_kwargs(call_kwargs))
        result.symbolic_output = sym_out
        want = expected_symbolic_output_shape
        if want is None and expected_output_shape is not None:
            if _is_multi_shape(expected_output_shape):
                want = [(symbolic_batch_size,) + tuple(s[1:]) for s in expected_output_shape]
            else:
                want = (symbolic_batch_size,) + tuple(expected_output_shape[1:])
        if want is not None:
            _assert_shape(f"{layer_cls.__name__} symbolic output", _shape_of(sym_out), want)
        for o in _flat(sym_out):
            assert _dtype_name(o) == expected_output_dtype, (
                f"{layer_cls.__name__}: expected symbolic output dtype {expected_output_dtype}, "
                f"got {_dtype_name(o)}")
        assert len(sym_layer.trainable_weights) == len(layer.trainable_weights)
        assert len(sym_layer.non_trainable_weights) == len(layer.non_trainable_weights)

    # 4. gradients flow to float inputs and trainable weights
    if run_gradient_check:
        xs = [ts.constant(x) for x in _flat(input_data)]
        floats = [x for x in xs if x.dtype.is_floating]
        weights = list(layer.trainable_weights)
        if floats or weights:
            with ts.GradientTape() as tape:
                for x in floats:
                    tape.watch(x)
                loss = _project(layer(xs if multi else xs[0], **call_kwargs))
            if loss is not None:
                grads = tape.gradient(loss, floats + weights)
                names = [f"input {i}" for i in range(len(floats))] + [v.path for v in weights]
                for name, g, x in zip(names, grads, floats + weights):
                    assert g is not None, (
                        f"{layer_cls.__name__}: no gradient reaches {name}; write the layer "
                        "with differentiable Tessera ops")
                    g = np.asarray(g)
                    assert g.shape == tuple(x.shape), f"gradient of {name} has shape {g.shape}"
                    assert np.all(np.isfinite(g)), f"gradient of {name} is not finite"

    # 5. a training step lowers the loss
    if run_training_check and layer.trainable_weights:
        result.history = _training_check(make, layer_cls, input_data, multi, input_dtypes,
                                         call_kwargs, training_optimizer, training_epochs,
                                         training_head, seed)

    # 6. config round trip of the built layer, same output after set_weights
    if run_config_check:
        blob = json.dumps(serialization_lib.serialize_keras_object(layer))
        with CustomObjectScope(scope), serialization_lib.SafeModeScope(safe_mode):
            revived = serialization_lib.deserialize_keras_object(
                json.loads(blob), custom_objects=custom_objects, safe_mode=safe_mode)
        assert type(revived) is type(layer), f"revived a {type(revived).__name__}"
        assert _normalized(revived.get_config()) == _normalized(layer.get_config()), (
            f"{layer_cls.__name__}: the revived layer's config differs:\n{layer.get_config()}\n"
            f"!=\n{revived.get_config()}")
        ref = layer(input_data, **eval_kwargs)
        revived(input_data, **eval_kwargs)
        revived.set_weights(layer.get_weights())
        again = revived(input_data, **eval_kwargs)
        np.testing.assert_allclose(_np(again), _np(ref), rtol=rtol, atol=atol,
                                   err_msg=f"{layer_cls.__name__}: the revived layer computes "
                                           "a different output")
    return result


def _normalized(cfg):
    """`cfg` with Python-lambda bytecode decoded to code objects (marshal's bytes differ
    from one dump to the next; the code objects compare by content)."""
    if isinstance(cfg, dict):
        if cfg.get("class_name") == "__lambda__":
            inner = dict(cfg["config"])
            inner["code"] = marshal.loads(base64.b64decode(inner["code"]))
            return {"class_name": "__lambda__", "config": inner}
        return {k: _normalized(v) for k, v in cfg.items()}
    if isinstance(cfg, (list, tuple)):
        return type(cfg)(_normalized(v) for v in cfg)
    return cfg


def _from_config(cls, cfg, custom_objects):
    fc = cls.from_config
    if "custom_objects" in inspect.signature(fc).parameters:
        return fc(dict(cfg), custom_objects=custom_objects)
    return fc(dict(cfg))


def _training_check(make, layer_cls, input_data, multi, input_dtypes, call_kwargs, optimizer,
                    epochs, head, seed):
    layer = make()
    xs = input_data if multi else [input_data]
    ins = [keras.Input(shape=tuple(x.shape[1:]), dtype=d) for x, d in zip(xs, input_dtypes)]
    out = layer(ins if multi else ins[0], **_plain_kwargs(call_kwargs))
    if head:
        out = keras.layers.Dense(1)(keras.layers.Flatten()(out))
    model = keras.Model(ins if multi else ins[0], out)
    model.compile(optimizer=optimizer, loss="mse")
    n = xs[0].shape[0]
    pred = model.predict(input_data, verbose=0)
    y = np.random.default_rng(seed + 7).standard_normal(np.shape(pred)).astype("float32")
    before = [np.array(v.numpy()) for v in layer.trainable_weights]
    loss0 = float(model.evaluate(input_data, y, batch_size=n, verbose=0))
    model.fit(input_data, y, batch_size=n, epochs=epochs, shuffle=False, verbose=0)
    loss1 = float(model.evaluate(input_data, y, batch_size=n, verbose=0))
    assert np.isfinite(loss1), f"{layer_cls.__name__}: the training loss became {loss1}"
    assert loss1 < loss0, (f"{layer_cls.__name__}: training did not lower the loss "
                           f"({loss0} -> {loss1})")
    changed = any(not np.array_equal(b, np.asarray(v.numpy()))
                  for b, v in zip(before, layer.trainable_weights))
    assert changed, f"{layer_cls.__name__}: training did not change any trainable weight"
    return [loss0, loss1]

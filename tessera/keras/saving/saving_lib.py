"""The `.keras` zip format and the `.weights.h5` file, laid out as Keras 3 writes them.

A `.keras` file is a zip holding `metadata.json` (`keras_version`, `date_saved`),
`config.json` (`serialize_keras_object(model)`, with `compile_config`) and
`model.weights.h5`. In the HDF5 file every object that owns variables gets a group
`<path>/vars` (attribute `name`) with one dataset per variable, named `"0"`, `"1"`, ...
Paths follow Keras 3: the model's own variables sit in `/vars`; the layers of a
Sequential/Functional model sit under `layers/<snake_case_class_name>[_N]`; other
layers and the optimizer sit under the attribute that holds them
(e.g. `optimizer/vars`, `layers/lstm/cell/vars`).
"""
import datetime
import io
import json
import os
import re
import tempfile
import warnings
import zipfile

import numpy as np

__all__ = ["save_model", "load_model", "save_weights_only", "load_weights_only"]

_CONFIG = "config.json"
_METADATA = "metadata.json"
_WEIGHTS = "model.weights.h5"


def _h5py():
    try:
        import h5py
    except ImportError as e:  # pragma: no cover
        raise ImportError("Saving weights needs the `h5py` package: pip install h5py.") from e
    return h5py


def _snake(name):
    s = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", s).lower()


def _unique(name, used):
    if name in used:
        used[name] += 1
        return f"{name}_{used[name]}"
    used[name] = 0
    return name


def _name_key(name):
    return "~" + name if name.startswith("_") else name


_INTERNAL = {"_stack", "_functional", "_layers", "_operations", "_inputs", "_outputs", "_nodes",
             "_self_unconditional_dependency_names", "_trainable_variables", "_variables",
             "_own_weights", "_inputs_struct", "_outputs_struct", "_input_layers",
             "_output_layers", "_flat_cache", "_own_vars_cache"}
_skip = [None]


def _skipset():
    if _skip[0] is None:
        from ..layers.layer import Layer
        _skip[0] = set(vars(Layer()).keys()) | set(dir(Layer)) | _INTERNAL
    return _skip[0]


def _kinds():
    from ..layers.layer import Layer
    from ..optimizers.base_optimizer import Optimizer
    return Layer, Optimizer


def _own_vars(obj):
    """The variables `obj` itself owns, in Keras's order (trainable, then non-trainable)."""
    Layer, _ = _kinds()
    if isinstance(obj, Layer):
        inner = {id(v) for sub in obj._flatten_layers(include_self=False)
                 for v in sub._own_variables()}
        vs = [v for v in obj._own_variables() if id(v) not in inner]
        return [v for v in vs if getattr(v, "trainable", True)] + \
            [v for v in vs if not getattr(v, "trainable", True)]
    return list(obj.variables)


def _children(obj):
    """(attribute, child) pairs in Keras 3's walking order."""
    Layer, Optimizer = _kinds()
    from ..models.functional import Functional
    from ..models.sequential import Sequential
    if isinstance(obj, (Functional, Sequential)):
        yield "layers", obj.layers
    if isinstance(obj, Optimizer):
        return
    skip = _skipset()
    for attr in sorted(obj.__dict__, key=_name_key):
        if attr.startswith("__") or attr in skip:
            continue
        yield attr, obj.__dict__[attr]


def _walk(obj, path, visit, visited):
    """Calls `visit(obj, path)` for `obj` and every saveable under it, once each."""
    if id(obj) in visited:
        return
    visited.add(id(obj))
    visit(obj, path)
    for attr, child in _children(obj):
        _walk_child(child, f"{path}/{attr}" if path else attr, visit, visited)


def _walk_child(child, path, visit, visited, containers=None):
    Layer, Optimizer = _kinds()
    if isinstance(child, (Layer, Optimizer)):
        _walk(child, path, visit, visited)
    elif isinstance(child, (list, tuple, dict)):
        containers = set() if containers is None else containers
        if id(child) in containers:
            return
        containers.add(id(child))
        used = {}
        items = list(child.values()) if isinstance(child, dict) else child
        for item in items:
            if isinstance(item, (Layer, Optimizer)):
                _walk(item, f"{path}/{_unique(_snake(type(item).__name__), used)}", visit, visited)
            elif isinstance(item, (list, tuple, dict)):
                _walk_child(item, f"{path}/{_unique('container', used)}", visit, visited,
                            containers)


def _group_path(path):
    return f"{path}/vars" if path else "vars"


def write_weights(model, h5file):
    """Writes `model`'s (and its optimizer's) variables into an open `h5py.File`."""
    def visit(obj, path):
        vs = _own_vars(obj)
        Layer, _ = _kinds()
        name = getattr(obj, "name", None)
        if not vs and not isinstance(obj, Layer) and not isinstance(name, str):
            return
        g = h5file.require_group(_group_path(path))
        if isinstance(name, str):
            g.attrs["name"] = name
        for i, v in enumerate(vs):
            g.create_dataset(str(i), data=np.asarray(v))
    _walk(model, "", visit, set())


def _prepare_optimizer(model, h5file):
    """Builds a compiled model's optimizer when the file holds its slot variables."""
    opt = getattr(model, "optimizer", None)
    if opt is None or getattr(opt, "built", False):
        return
    g = h5file.get("optimizer/vars")
    if g is not None and len(g) > len(opt.variables):
        opt.build(model.trainable_variables)


def read_weights(model, h5file, filepath, skip_mismatch=False):
    """Assigns the variables of `model` (and its optimizer) from an open `h5py.File`."""
    _prepare_optimizer(model, h5file)
    Layer, _ = _kinds()
    problems = []

    def visit(obj, path):
        vs = _own_vars(obj)
        gp = _group_path(path)
        g = h5file.get(gp)
        what = f"{type(obj).__name__} '{getattr(obj, 'name', '?')}'"
        if g is None:
            if vs:
                problems.append(f"{what} has {len(vs)} variables but the file has no "
                                f"group '{gp}'")
            return
        if len(g) != len(vs):
            if not isinstance(obj, Layer):  # an optimizer in another state: like Keras, warn
                warnings.warn(f"Skipping variable loading for optimizer '{obj.name}': it has "
                              f"{len(vs)} variables but '{gp}' in {filepath} holds {len(g)}.")
                return
            problems.append(f"{what} expects {len(vs)} variables but '{gp}' holds {len(g)}")
            return
        values = []
        for i, v in enumerate(vs):
            if str(i) not in g:
                problems.append(f"'{gp}' lacks the dataset '{i}' for {what}")
                return
            arr = g[str(i)][()]
            if tuple(arr.shape) != tuple(v.shape):
                problems.append(f"{what}: variable {i} ('{getattr(v, 'path', v.name)}') has shape "
                                f"{tuple(v.shape)} but '{gp}/{i}' has shape {tuple(arr.shape)}")
                return
            values.append(arr)
        for v, arr in zip(vs, values):
            v.assign(arr.astype(np.asarray(v).dtype))

    _walk(model, "", visit, set())
    if problems:
        msg = (f"Could not load the weights of {type(model).__name__} '{model.name}' from "
               f"{filepath}: " + "; ".join(problems) + ".")
        if skip_mismatch:
            warnings.warn(msg + " Skipped those variables (skip_mismatch=True).")
        else:
            raise ValueError(msg)


def _atomic_write(filepath, write_fn):
    """Writes through `write_fn(tmp_path)` to a temporary file next to `filepath`, then
    renames it over `filepath`, so that a failure leaves any previous file intact."""
    folder = os.path.dirname(os.path.abspath(filepath))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(filepath) + ".", suffix=".tmp",
                               dir=folder)
    os.close(fd)
    try:
        write_fn(tmp)
        os.replace(tmp, filepath)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def _write_h5(model, target):
    h5py = _h5py()
    with h5py.File(target, "w") as f:
        write_weights(model, f)


def _keras_version():
    from .. import __version__
    return __version__


def _keras_modules(config):
    """Names Functional's module as Keras 3 does (it is not a public Keras name)."""
    if isinstance(config, dict):
        if config.get("class_name") == "Functional" and "config" in config:
            config["module"] = "keras.src.models.functional"
        for v in config.values():
            _keras_modules(v)
    elif isinstance(config, list):
        for v in config:
            _keras_modules(v)
    return config


def _builtin_models():
    from ..models.functional import Functional
    from ..models.sequential import Sequential
    return {"Functional": Functional, "Sequential": Sequential}


def save_model(model, filepath):
    """Writes `model` to the `.keras` zip at `filepath` (atomically)."""
    from .serialization_lib import serialize_keras_object
    config = _keras_modules(serialize_keras_object(model))
    config_json = json.dumps(config)
    metadata = json.dumps({"keras_version": _keras_version(),
                           "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")})

    def write(tmp):
        buf = io.BytesIO()
        _write_h5(model, buf)
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as z:
            z.writestr(_METADATA, metadata)
            z.writestr(_CONFIG, config_json)
            z.writestr(_WEIGHTS, buf.getvalue())
    _atomic_write(filepath, write)


def _open_h5(source, filepath):
    h5py = _h5py()
    try:
        return h5py.File(source, "r")
    except Exception as e:
        raise ValueError(f"The weights file {filepath} is not a readable HDF5 file (it may be "
                         f"truncated or corrupt): {e}") from e


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Reads a model written by `save_model` (or by Keras 3) from `filepath`."""
    from .serialization_lib import deserialize_keras_object
    if not zipfile.is_zipfile(filepath):
        raise ValueError(f"The file {filepath} is not a valid .keras file: it is not a zip "
                         "archive (it may be truncated, corrupt, or another format).")
    try:
        with zipfile.ZipFile(filepath, "r") as z:
            names = set(z.namelist())
            missing = [n for n in (_CONFIG, _WEIGHTS) if n not in names]
            if missing:
                raise ValueError(f"The file {filepath} is not a valid .keras file: the archive "
                                 f"lacks {', '.join(missing)} (found {sorted(names)}).")
            config_bytes = z.read(_CONFIG)
            weights_bytes = z.read(_WEIGHTS)
    except zipfile.BadZipFile as e:
        raise ValueError(f"The file {filepath} is not a valid .keras file: corrupt zip "
                         f"archive ({e}).") from e
    except (zipfile.LargeZipFile, OSError, EOFError) as e:
        raise ValueError(f"The file {filepath} could not be read as a .keras file: {e}.") from e
    try:
        config = json.loads(config_bytes.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"The file {filepath} is not a valid .keras file: its config.json is "
                         f"not valid JSON ({e}).") from e
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"The file {filepath} is not a valid .keras file: config.json does not "
                         "describe a Keras object (no 'class_name').")
    if not compile:
        config = dict(config)
        config.pop("compile_config", None)
    objects = _builtin_models()
    objects.update(custom_objects or {})
    model = deserialize_keras_object(config, custom_objects=objects, safe_mode=safe_mode)
    with _open_h5(io.BytesIO(weights_bytes), filepath) as f:
        read_weights(model, f, filepath)
    return model


def save_weights_only(model, filepath):
    """Writes the variables of `model` to the `.weights.h5` file `filepath` (atomically)."""
    _atomic_write(filepath, lambda tmp: _write_h5(model, tmp))


def load_weights_only(model, filepath, skip_mismatch=False):
    """Reads the variables of `model` from a `.weights.h5` file (or a `.keras` file)."""
    if str(filepath).endswith(".keras"):
        if not zipfile.is_zipfile(filepath):
            raise ValueError(f"The file {filepath} is not a valid .keras file: it is not a zip "
                             "archive.")
        with zipfile.ZipFile(filepath) as z:
            if _WEIGHTS not in z.namelist():
                raise ValueError(f"The file {filepath} lacks {_WEIGHTS}.")
            data = io.BytesIO(z.read(_WEIGHTS))
        with _open_h5(data, filepath) as f:
            read_weights(model, f, filepath, skip_mismatch)
        return
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"No such weights file: {filepath}.")
    with _open_h5(filepath, filepath) as f:
        read_weights(model, f, filepath, skip_mismatch)

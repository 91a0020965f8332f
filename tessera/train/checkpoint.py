"""`ts.train.Checkpoint`, `ts.train.CheckpointManager` and `ts.train.latest_checkpoint`.

A checkpoint is one HDF5 file (`<path>.h5`) holding one dataset per variable,
keyed by the object path that leads to it from the `Checkpoint`'s keyword
arguments (e.g. `model/layers/dense/vars/0`, `optimizer/vars/2`, `step`), plus a
JSON attribute with non-variable state (the save counter, and the state of
objects that define `_checkpoint_state()` / `_restore_checkpoint_state(state)`).
Files are written to a temporary name and renamed, so a crash never leaves a
half-written checkpoint behind.
"""
import json
import os

import numpy as np

from ..core.variable import Module, Variable

__all__ = ["Checkpoint", "CheckpointLoadStatus", "CheckpointManager", "latest_checkpoint",
           "get_checkpoint_state"]

_SUFFIX = ".h5"
_STATE_FILE = "checkpoint"
_JSON_ATTR = "tessera_checkpoint_json"


def _h5py():
    try:
        import h5py
    except ImportError as e:  # pragma: no cover
        raise ImportError("ts.train.Checkpoint needs the `h5py` package: pip install h5py.") from e
    return h5py


def _keras_kinds():
    from ..keras.layers.layer import Layer
    from ..keras.optimizers.base_optimizer import Optimizer
    return Layer, Optimizer


def _file_of(path):
    path = os.fspath(path)
    return path if path.endswith(_SUFFIX) else path + _SUFFIX


def _collect(objects):
    """Walks `{name: object}` and returns `(variables, stateful, optimizers)`:
    `{key: Variable}`, `{key: object with _checkpoint_state}`, `[(key_prefix, optimizer)]`."""
    from ..keras.saving import saving_lib
    Layer, Optimizer = _keras_kinds()
    variables, stateful, optimizers = {}, {}, []
    visited = set()

    def keras_visit(obj, path):
        if isinstance(obj, Optimizer):
            optimizers.append((path, obj))
        for i, v in enumerate(saving_lib._own_vars(obj)):
            if id(v) not in visited:
                visited.add(id(v))
                variables[f"{path}/vars/{i}"] = v

    def visit(obj, path):
        if isinstance(obj, Checkpoint):
            if id(obj) in visited:
                return
            visited.add(id(obj))
            for name, child in obj._objects.items():
                visit(child, f"{path}/{name}")
        elif isinstance(obj, (Layer, Optimizer)):
            saving_lib._walk(obj, path, keras_visit, visited)
        elif isinstance(obj, Variable):
            if id(obj) not in visited:
                visited.add(id(obj))
                variables[path] = obj
        elif isinstance(obj, Module):
            if id(obj) in visited:
                return
            visited.add(id(obj))
            for attr in sorted(vars(obj)):
                if not attr.startswith("__"):
                    visit(vars(obj)[attr], f"{path}/{attr}")
        elif isinstance(obj, dict):
            for k in obj:
                visit(obj[k], f"{path}/{k}")
        elif isinstance(obj, (list, tuple)):
            for i, v in enumerate(obj):
                visit(v, f"{path}/{i}")
        elif hasattr(obj, "_checkpoint_state") and hasattr(obj, "_restore_checkpoint_state"):
            if id(obj) not in visited:
                visited.add(id(obj))
                stateful[path] = obj

    for name, obj in objects.items():
        visit(obj, name)
    return variables, stateful, optimizers


class CheckpointLoadStatus:
    """What `Checkpoint.restore` / `read` matched, with TensorFlow's assertions.

    Attributes:
        unused_keys: keys in the file that no object took.
        missing_keys: variables of the checkpointed objects the file lacked.
    """

    def __init__(self, path, unused_keys, missing_keys, matched):
        self.path = path
        self.unused_keys = sorted(unused_keys)
        self.missing_keys = sorted(missing_keys)
        self.matched = matched

    def assert_consumed(self):
        """Raises `AssertionError` unless every value in the file was restored and every
        variable of the checkpointed objects got a value."""
        if self.unused_keys or self.missing_keys:
            raise AssertionError(
                f"Checkpoint {self.path} was not fully consumed: values in the file that no "
                f"object took: {self.unused_keys}; variables missing from the file: "
                f"{self.missing_keys}. Use expect_partial() if this is intended.")
        return self

    def assert_existing_objects_matched(self):
        """Raises `AssertionError` if a variable of the checkpointed objects had no value."""
        if self.missing_keys:
            raise AssertionError(f"Variables missing from checkpoint {self.path}: "
                                 f"{self.missing_keys}.")
        return self

    def assert_nontrivial_match(self):
        """Raises `AssertionError` if nothing at all was restored."""
        if not self.matched:
            raise AssertionError(f"Nothing in checkpoint {self.path} matched the objects.")
        return self

    def expect_partial(self):
        """Silences warnings about a partial restore (nothing is checked)."""
        return self


class Checkpoint:
    """Groups trackable objects so their state is saved and restored together.

    Args:
        root: an optional root object (stored under `"root"`).
        **kwargs: the objects to checkpoint, by name: Keras models/layers,
            optimizers, `ts.Variable`s, `ts.Module`s, other `Checkpoint`s, and
            lists/dicts of them.

    Example:
    >>> ckpt = ts.train.Checkpoint(model=model, optimizer=model.optimizer)
    >>> path = ckpt.save("/tmp/ckpts/ckpt")        # "/tmp/ckpts/ckpt-1"
    >>> ckpt.restore(path).assert_consumed()
    """

    def __init__(self, root=None, **kwargs):
        objects = {}
        if root is not None:
            objects["root"] = root
        for name, obj in kwargs.items():
            if obj is None or isinstance(obj, (int, float, str, bool, np.ndarray)):
                raise ValueError(
                    f"Checkpoint was expecting a trackable object (a model, layer, optimizer, "
                    f"Variable, Module or Checkpoint) for '{name}', got {obj!r}. Wrap plain "
                    "values in a ts.Variable.")
            objects[name] = obj
        self._objects = objects
        self._save_counter = 0

    @property
    def save_counter(self):
        """How many times `save` has run (restored with the checkpoint)."""
        return self._save_counter

    def __getattr__(self, name):
        objects = self.__dict__.get("_objects", {})
        if name in objects:
            return objects[name]
        raise AttributeError(f"'Checkpoint' object has no attribute '{name}'")

    # -- writing --------------------------------------------------------------
    def _write_file(self, filepath, extra_json=None):
        from ..keras.saving.saving_lib import _atomic_write
        variables, stateful, _ = _collect(self._objects)
        meta = {"save_counter": self._save_counter,
                "objects": {k: o._checkpoint_state() for k, o in stateful.items()}}
        if extra_json is not None:
            meta["extra"] = extra_json
        blob = json.dumps(meta)

        def write(tmp):
            h5py = _h5py()
            with h5py.File(tmp, "w") as f:
                for key, v in variables.items():
                    f.create_dataset(key, data=np.asarray(v))
                f.attrs[_JSON_ATTR] = blob
        _atomic_write(filepath, write)

    def write(self, file_prefix, options=None):
        """Writes a checkpoint at `file_prefix` (no numbering); returns the path."""
        file_prefix = os.fspath(file_prefix)
        self._write_file(_file_of(file_prefix))
        return file_prefix

    def save(self, file_prefix, options=None):
        """Writes a numbered checkpoint `<file_prefix>-<save_counter>`; returns its path."""
        self._save_counter += 1
        path = f"{os.fspath(file_prefix)}-{self._save_counter}"
        try:
            self._write_file(_file_of(path))
        except BaseException:
            self._save_counter -= 1
            raise
        _update_state_file(os.path.dirname(os.path.abspath(path)), path)
        return path

    # -- reading --------------------------------------------------------------
    def read(self, save_path, options=None):
        """Restores the objects from the checkpoint at `save_path` (as written by
        `write` or `save`); returns a `CheckpointLoadStatus`."""
        return self._read(save_path)[0]

    def restore(self, save_path, options=None):
        """Restores from `save_path` (None does nothing), including the save counter;
        returns a `CheckpointLoadStatus`."""
        if save_path is None:
            return CheckpointLoadStatus(None, [], [], 0)
        status, meta = self._read(save_path)
        self._save_counter = int(meta.get("save_counter", self._save_counter))
        return status

    def _read(self, save_path):
        filepath = _file_of(save_path)
        if not os.path.exists(filepath):
            raise FileNotFoundError(
                f"No checkpoint at {save_path!r} (looked for {filepath}). Pass the path "
                "returned by save()/write() or ts.train.latest_checkpoint(directory).")
        h5py = _h5py()
        try:
            f = h5py.File(filepath, "r")
        except Exception as e:
            raise ValueError(f"The checkpoint {filepath} is not a readable HDF5 file (it may be "
                             f"truncated or corrupt): {e}") from e
        with f:
            keys = []
            f.visititems(lambda k, o: keys.append(k) if isinstance(o, h5py.Dataset) else None)
            meta = json.loads(f.attrs.get(_JSON_ATTR, "{}"))
            self._build_optimizers(f)
            variables, stateful, _ = _collect(self._objects)
            problems, values = [], {}
            for key, v in variables.items():
                if key in f:
                    arr = f[key][()]
                    if tuple(arr.shape) != tuple(v.shape):
                        problems.append(f"'{key}': the variable has shape {tuple(v.shape)} but "
                                        f"the checkpoint holds shape {tuple(arr.shape)}")
                    values[key] = arr
            if problems:
                raise ValueError(f"Could not restore checkpoint {filepath}: " +
                                 "; ".join(problems) + ".")
        for key, arr in values.items():
            v = variables[key]
            v.assign(arr.astype(np.asarray(v).dtype, copy=False))
        saved_states = meta.get("objects", {})
        for key, obj in stateful.items():
            if key in saved_states:
                obj._restore_checkpoint_state(saved_states[key])
        unused = [k for k in keys if k not in variables] + \
            [k for k in saved_states if k not in stateful]
        missing = [k for k in variables if k not in values] + \
            [k for k in stateful if k not in saved_states]
        status = CheckpointLoadStatus(save_path, unused, missing, len(values))
        return status, meta

    def _build_optimizers(self, f):
        """Builds unbuilt optimizers whose slot variables are in the file, on the trainable
        variables of the model that uses them (else the first model in the checkpoint)."""
        Layer, _ = _keras_kinds()
        _, _, optimizers = _collect(self._objects)
        pending = [(p, o) for p, o in optimizers if not getattr(o, "built", False)]
        if not pending:
            return
        layers = []

        def find_layers(obj):
            if isinstance(obj, Layer):
                layers.append(obj)
            elif isinstance(obj, Checkpoint):
                for child in obj._objects.values():
                    find_layers(child)
        for obj in self._objects.values():
            find_layers(obj)
        for path, opt in pending:
            g = f.get(f"{path}/vars")
            if g is None or len(g) <= len(opt.variables):
                continue
            owner = next((m for m in layers if getattr(m, "optimizer", None) is opt),
                         layers[0] if layers else None)
            if owner is None:
                raise ValueError(
                    f"The checkpoint holds slot variables for optimizer '{opt.name}', which is "
                    "not built yet, and no model in this Checkpoint tells which variables it "
                    "trains. Call optimizer.build(model.trainable_variables) before restoring.")
            opt.build(owner.trainable_variables)


# -- the "checkpoint" state file and CheckpointManager ---------------------------------------------
def _update_state_file(directory, latest, all_paths=None):
    from ..keras.saving.saving_lib import _atomic_write
    all_paths = [latest] if all_paths is None else all_paths
    rel = lambda p: os.path.relpath(os.path.abspath(p), directory)  # noqa: E731
    state = {"model_checkpoint_path": rel(latest),
             "all_model_checkpoint_paths": [rel(p) for p in all_paths]}
    text = json.dumps(state)

    def write(tmp):
        with open(tmp, "w") as fh:
            fh.write(text)
    _atomic_write(os.path.join(directory, _STATE_FILE), write)


def get_checkpoint_state(checkpoint_dir):
    """The `{"model_checkpoint_path", "all_model_checkpoint_paths"}` record of a
    directory (absolute paths), or None when there is none."""
    path = os.path.join(os.fspath(checkpoint_dir), _STATE_FILE)
    if not os.path.exists(path):
        return None
    try:
        with open(path) as fh:
            state = json.load(fh)
    except (OSError, ValueError):
        return None
    d = os.path.abspath(checkpoint_dir)
    absolute = lambda p: p if os.path.isabs(p) else os.path.join(d, p)  # noqa: E731
    return {"model_checkpoint_path": absolute(state["model_checkpoint_path"]),
            "all_model_checkpoint_paths": [absolute(p)
                                           for p in state.get("all_model_checkpoint_paths", [])]}


def latest_checkpoint(checkpoint_dir, latest_filename=None):
    """The path of the newest checkpoint in `checkpoint_dir`, or None."""
    state = get_checkpoint_state(checkpoint_dir)
    if state is None:
        return None
    path = state["model_checkpoint_path"]
    return path if os.path.exists(_file_of(path)) else None


class CheckpointManager:
    """Saves numbered checkpoints in a directory and deletes all but the newest ones.

    Args:
        checkpoint: the `ts.train.Checkpoint` to save.
        directory: where the checkpoints go (created if needed).
        max_to_keep: how many checkpoints to keep (None keeps all).
        keep_checkpoint_every_n_hours: accepted for compatibility; checkpoints
            older than this are not kept specially.
        checkpoint_name: the file prefix, `"ckpt"` by default.

    Example:
    >>> manager = ts.train.CheckpointManager(ckpt, "/tmp/run", max_to_keep=3)
    >>> manager.save()                       # "/tmp/run/ckpt-1"
    """

    def __init__(self, checkpoint, directory, max_to_keep=5, keep_checkpoint_every_n_hours=None,
                 checkpoint_name="ckpt", step_counter=None, checkpoint_interval=None,
                 init_fn=None):
        if not isinstance(checkpoint, Checkpoint):
            raise TypeError(f"CheckpointManager expects a ts.train.Checkpoint, got "
                            f"{type(checkpoint).__name__}.")
        if max_to_keep is not None and max_to_keep <= 0:
            raise ValueError(f"max_to_keep must be a positive int or None, got {max_to_keep}.")
        self._checkpoint = checkpoint
        self._directory = os.fspath(directory)
        self._max_to_keep = max_to_keep
        self._prefix = os.path.join(self._directory, checkpoint_name)
        self._init_fn = init_fn
        state = get_checkpoint_state(self._directory)
        self._checkpoints = []
        if state is not None:
            self._checkpoints = [p for p in state["all_model_checkpoint_paths"]
                                 if os.path.exists(_file_of(p))]

    @property
    def directory(self):
        return self._directory

    @property
    def checkpoint(self):
        return self._checkpoint

    @property
    def checkpoints(self):
        """The paths of the kept checkpoints, oldest first."""
        return list(self._checkpoints)

    @property
    def latest_checkpoint(self):
        """The newest kept checkpoint's path, or None."""
        return self._checkpoints[-1] if self._checkpoints else None

    def restore_or_initialize(self):
        """Restores the latest checkpoint if any (returning its path), else runs `init_fn`."""
        if self.latest_checkpoint is not None:
            self._checkpoint.restore(self.latest_checkpoint)
            return self.latest_checkpoint
        if self._init_fn is not None:
            self._init_fn()
        return None

    def save(self, checkpoint_number=None, check_interval=True, options=None):
        """Saves a checkpoint numbered `checkpoint_number` (default: the checkpoint's next
        save count) and deletes the oldest beyond `max_to_keep`; returns its path."""
        ckpt = self._checkpoint
        if checkpoint_number is None:
            number = ckpt._save_counter + 1
        else:
            number = int(np.asarray(checkpoint_number))
        path = f"{self._prefix}-{number}"
        ckpt._save_counter += 1
        try:
            ckpt._write_file(_file_of(path))
        except BaseException:
            ckpt._save_counter -= 1
            raise
        self._checkpoints = [p for p in self._checkpoints if p != path] + [path]
        if self._max_to_keep is not None:
            while len(self._checkpoints) > self._max_to_keep:
                old = self._checkpoints.pop(0)
                try:
                    os.remove(_file_of(old))
                except FileNotFoundError:
                    pass
        _update_state_file(os.path.abspath(self._directory), path, self._checkpoints)
        return path


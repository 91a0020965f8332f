"""`compile`, `fit`, `evaluate`, `predict` and the per-batch step methods of `keras.Model`."""
import numpy as np

from ...core import nest
from ...core.autodiff import GradientTape
from ...core.tensor import Tensor, _wrap
from ...ops.math import add
from . import data_adapter as da
from .compile_utils import CompileLoss, CompileMetrics, output_names, to_float

__all__ = ["Trainer"]


def _verbose(verbose, adapter=None):
    if verbose == "auto":
        return 1
    return int(verbose)


class Trainer:
    """The training API mixed into `keras.Model` (see `compile`, `fit`, `evaluate`, `predict`)."""

    def _trainer_init(self):
        self.compiled = False
        self.optimizer = None
        self.loss = None
        self._compile_loss = None
        self._compile_metrics = None
        self._loss_tracker = None
        self.stop_training = False
        self.history = None
        self._run_eagerly = False
        self.steps_per_execution = 1
        self.jit_compile = False
        self._compile_config = None

    # -- compile -------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None,
                weighted_metrics=None, run_eagerly=False, steps_per_execution=1,
                jit_compile="auto", auto_scale_loss=True):
        """Configures the model for training.

        Args:
            optimizer: name or `keras.optimizers.Optimizer` instance.
            loss: name, function or `keras.losses.Loss`; a list or dict gives one
                loss per output.
            loss_weights: weights of the per-output losses (list or dict).
            metrics: names, functions or `keras.metrics.Metric`s ("accuracy" is
                resolved from the loss and shapes, as in Keras); for several outputs,
                a list of lists or a dict keyed by output name.
            weighted_metrics: metrics that receive `sample_weight`.
            run_eagerly, steps_per_execution, jit_compile: accepted for
                compatibility (Tessera always runs eagerly).

        Example:
        >>> model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
        ...               metrics=["accuracy"])
        """
        from .. import metrics as metrics_mod
        from .. import optimizers
        self.optimizer = optimizers.get(optimizer)
        self.loss = loss
        names = output_names(self)
        self._compile_loss = CompileLoss(loss, loss_weights, names) if loss is not None else None
        self._compile_metrics = CompileMetrics(metrics, weighted_metrics, names, loss)
        self._loss_tracker = metrics_mod.Mean(name="loss")
        self._output_loss_trackers = {}
        self._run_eagerly = bool(run_eagerly)
        self.steps_per_execution = int(steps_per_execution or 1)
        self.jit_compile = jit_compile
        self.compiled = True
        self._compile_config = {"optimizer": optimizer if isinstance(optimizer, str) else None,
                                "loss": loss if isinstance(loss, (str, type(None))) else None,
                                "metrics": metrics if _plain(metrics) else None,
                                "loss_weights": loss_weights, "weighted_metrics": None,
                                "run_eagerly": run_eagerly, "steps_per_execution": steps_per_execution,
                                "jit_compile": jit_compile}
        self._train_vars = None

    def get_compile_config(self):
        if not getattr(self, "compiled", False) or self._compile_config is None:
            return None
        from ..saving.serialization_lib import serialize_keras_object
        cfg = dict(self._compile_config)
        cfg["optimizer"] = serialize_keras_object(self.optimizer)
        if self.loss is not None and cfg["loss"] is None:
            try:
                cfg["loss"] = serialize_keras_object(self.loss)
            except TypeError:
                cfg["loss"] = None
        return cfg

    def compile_from_config(self, config):
        from ..saving.serialization_lib import deserialize_keras_object
        config = dict(config)
        opt = config.get("optimizer")
        if isinstance(opt, dict):
            config["optimizer"] = deserialize_keras_object(opt)
        loss = config.get("loss")
        if isinstance(loss, dict) and "class_name" in loss:
            config["loss"] = deserialize_keras_object(loss)
        self.compile(**{k: v for k, v in config.items() if k in (
            "optimizer", "loss", "loss_weights", "metrics", "weighted_metrics", "run_eagerly",
            "steps_per_execution", "jit_compile")})

    @property
    def run_eagerly(self):
        return self._run_eagerly

    @run_eagerly.setter
    def run_eagerly(self, value):
        self._run_eagerly = bool(value)

    def _require_compiled(self, what):
        if not getattr(self, "compiled", False):
            raise RuntimeError(f"You must call `compile()` before using the model for {what}: "
                               "e.g. model.compile(optimizer='adam', loss='mse').")

    def _check_input_ranks(self, x):
        """Catches a sample given without its batch axis before it is cut into batches."""
        try:
            specs = self.inputs
        except AttributeError:
            return
        if not specs or isinstance(x, dict) or not da._is_array_like(x) or x is None:
            return
        arrays = list(x) if isinstance(x, (list, tuple)) and len(specs) > 1 else [x]
        if len(arrays) != len(specs):
            return
        for spec, a in zip(specs, arrays):
            shape = getattr(a, "shape", None)
            if shape is None:
                continue
            if len(shape) == len(spec.shape) - 1 and tuple(shape) == tuple(
                    d for d in spec.shape[1:]) or (len(shape) == len(spec.shape) - 1 and all(
                    s is None or s == d for s, d in zip(spec.shape[1:], shape))):
                raise ValueError(
                    f'Model "{self.name}" expects inputs of shape {spec.shape} (batch axis '
                    f"first), but received one sample of shape {tuple(shape)}. Add the batch "
                    "axis: x[None] (or np.expand_dims(x, 0)).")

    # -- metrics -------------------------------------------------------------
    @property
    def metrics(self):
        """The metrics tracked during training: the loss first, then compiled metrics."""
        out = []
        if getattr(self, "_loss_tracker", None) is not None:
            out.append(self._loss_tracker)
            out.extend(self._output_loss_trackers.values())
        if getattr(self, "_compile_metrics", None) is not None:
            out.extend(self._compile_metrics.metrics)
        for layer in self._flatten_layers():
            out.extend(getattr(layer, "_user_metrics", []))
        return out

    @property
    def metrics_names(self):
        return [m.name for m in self.metrics]

    def reset_metrics(self):
        for m in self.metrics:
            m.reset_state()

    def get_metrics_result(self):
        """The current values of all metrics as a dict of floats."""
        out = {}
        for m in self.metrics:
            r = m.result()
            if isinstance(r, dict):
                out.update({k: to_float(v) for k, v in r.items()})
            else:
                out[m.name] = to_float(r)
        return out

    # -- steps ---------------------------------------------------------------
    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The total loss: the compiled loss plus the model's regularization losses.

        Override it to customise the loss while keeping `fit`.
        """
        total = None
        if self._compile_loss is not None and y is not None:
            total = self._compile_loss(y, y_pred, sample_weight)
            for k, v in self._compile_loss.last_values.items():
                tracker = self._output_loss_trackers.get(k)
                if tracker is None:
                    from .. import metrics as metrics_mod
                    tracker = self._output_loss_trackers[k] = metrics_mod.Mean(name=k)
                tracker.update_state(v)
        extra = self.losses
        for term in extra:
            total = term if total is None else add(total, term)
        if total is None:
            raise ValueError(
                "No loss to compute: pass `loss=` to compile() (and targets `y` to fit), or add "
                "losses with add_loss(), or override compute_loss()/train_step().")
        return total

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        """Updates the compiled metrics for one batch and returns all metric values."""
        if self._compile_metrics is not None and y is not None:
            if not self._compile_metrics.built:
                losses = self._compile_loss.losses if self._compile_loss is not None and \
                    self._compile_loss.built else None
                self._compile_metrics.build(y, y_pred, losses)
            self._compile_metrics.update_state(y, y_pred, sample_weight)
        return self.get_metrics_result()

    def _trainable_vars(self):
        # read after the forward pass: a subclassed model creates its weights on first call
        if not self._train_vars:
            self._train_vars = self.trainable_variables
        return self._train_vars

    def train_step(self, data):
        """One optimisation step on a batch; returns the metric values (override to customise fit)."""
        x, y, sample_weight = da.unpack_x_y_sample_weight(data)
        with GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight,
                                     training=True)
        variables = self._trainable_vars()
        self._loss_tracker.update_state(loss, sample_weight=_batch_size(x))
        if variables:
            grads = tape.gradient(loss, variables)
            self.optimizer.apply(grads, variables)
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def test_step(self, data):
        """One evaluation step on a batch; returns the metric values."""
        x, y, sample_weight = da.unpack_x_y_sample_weight(data)
        y_pred = self(x, training=False)
        loss = self.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight,
                                 training=False)
        self._loss_tracker.update_state(loss, sample_weight=_batch_size(x))
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def predict_step(self, data):
        """The model's output for one batch."""
        x, _, _ = da.unpack_x_y_sample_weight(data)
        return self(x, training=False)

    # -- loops ---------------------------------------------------------------
    def _callbacks(self, callbacks, verbose, epochs, steps, add_history):
        from ..callbacks import CallbackList
        if isinstance(callbacks, CallbackList):
            return callbacks
        return CallbackList(callbacks, add_history=add_history, add_progbar=verbose != 0,
                            model=self, verbose=verbose, epochs=epochs, steps=steps)

    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1):
        """Trains the model for a number of epochs, as `keras.Model.fit`.

        Args:
            x, y: NumPy arrays or tensors (lists/dicts for several inputs/outputs),
                or a generator / `keras.utils.PyDataset` / dataset yielding
                `(x, y[, sample_weight])` batches (then `y` is None).
            batch_size: samples per step for array data (default 32).
            epochs: the epoch to stop at (training runs `initial_epoch..epochs-1`).
            verbose: "auto"/1 progress bar, 2 one line per epoch, 0 silent.
            callbacks: `keras.callbacks.Callback` instances.
            validation_split: fraction of array data (the last samples) held out.
            validation_data: `(x_val, y_val[, sw])` or a dataset, evaluated each epoch.
            shuffle: reshuffle array data every epoch.
            class_weight: `{class: weight}` scaling the loss per sample.
            sample_weight: per-sample weights.
            steps_per_epoch, validation_steps: batches per epoch / validation.
            validation_freq: validate every N epochs.

        Returns:
            A `History` whose `history` dict maps metric names to per-epoch values.
        """
        self._require_compiled("training")
        if validation_split and validation_data is None:
            if not da._is_array_like(x):
                raise ValueError("validation_split is only supported for array data; pass "
                                 "validation_data instead.")
            (x, y, sample_weight), validation_data = da.train_validation_split(
                (x, y, sample_weight), validation_split)
        self._check_input_ranks(x)
        adapter = da.get_adapter(x, y, sample_weight, batch_size, steps_per_epoch, shuffle,
                                 class_weight)
        verbose = _verbose(verbose, adapter)
        self._train_vars = None
        self.stop_training = False
        cbs = self._callbacks(callbacks, verbose, epochs, len(adapter) if adapter.num_batches else None,
                              add_history=True)
        rng = self._fit_shuffle_rng = _shuffle_rng()
        self._initial_epoch = self._initial_step = None
        cbs.on_train_begin()
        # A callback (BackupAndRestore) may ask to resume at an epoch and step.
        if self._initial_epoch is not None:
            initial_epoch = self._initial_epoch
        skip = self._initial_step or 0
        self._initial_epoch = self._initial_step = None
        logs = {}
        for epoch in range(initial_epoch, epochs):
            self.reset_metrics()
            cbs.on_epoch_begin(epoch)
            step = -1
            for step, (bx, by, bsw) in enumerate(adapter.batches(rng)):
                if step < skip:
                    continue  # already trained before the run was interrupted
                cbs.on_train_batch_begin(step)
                logs = self.train_step(da.pack_x_y_sample_weight(bx, by, bsw))
                cbs.on_train_batch_end(step, logs)
                if self.stop_training:
                    break
            skip = 0
            if step < 0:
                raise ValueError("The training data yielded no batches: check that it is not "
                                 "empty (or that steps_per_epoch matches its size).")
            epoch_logs = {k: to_float(v) for k, v in logs.items()} if isinstance(logs, dict) \
                else dict(self.get_metrics_result())
            if validation_data is not None and (epoch + 1) % validation_freq == 0:
                vx, vy, vsw = da.unpack_x_y_sample_weight(validation_data) \
                    if isinstance(validation_data, (tuple, list)) else (validation_data, None, None)
                val = self.evaluate(vx, vy, sample_weight=vsw,
                                    batch_size=validation_batch_size or batch_size,
                                    steps=validation_steps, verbose=0, return_dict=True,
                                    _callbacks=cbs)
                epoch_logs.update({f"val_{k}": v for k, v in val.items()})
            cbs.on_epoch_end(epoch, epoch_logs)
            logs = epoch_logs
            if self.stop_training:
                break
        cbs.on_train_end(logs)
        return self.history

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
                 steps=None, callbacks=None, return_dict=False, _callbacks=None, **kwargs):
        """Computes the loss and metrics on data, batch by batch.

        Returns:
            The loss (a float) when there are no metrics, else `[loss, *metrics]`,
            or a dict when `return_dict=True`.
        """
        self._require_compiled("evaluation")
        self._check_input_ranks(x)
        adapter = da.get_adapter(x, y, sample_weight, batch_size, steps, False)
        verbose = _verbose(verbose)
        cbs = _callbacks if _callbacks is not None else self._callbacks(
            callbacks, verbose, 1, len(adapter) if adapter.num_batches else None, add_history=False)
        self.reset_metrics()
        cbs.on_test_begin()
        logs = {}
        for step, (bx, by, bsw) in enumerate(adapter.batches()):
            cbs.on_test_batch_begin(step)
            logs = self.test_step(da.pack_x_y_sample_weight(bx, by, bsw))
            cbs.on_test_batch_end(step, logs)
        logs = self.get_metrics_result()
        cbs.on_test_end(logs)
        if return_dict:
            return logs
        values = [logs[m.name] for m in self.metrics if m.name in logs]
        extra = [v for k, v in logs.items() if k not in {m.name for m in self.metrics}]
        values += extra
        return values[0] if len(values) == 1 else values

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """The model's outputs for the inputs `x`, as NumPy arrays.

        In-memory arrays take a fast path: one forward pass per batch with no
        tape; with `verbose="auto"`, the progress bar is shown only when there is
        more than one batch.
        """
        self._check_input_ranks(x)
        adapter = da.get_adapter(x, None, None, batch_size, steps, False)
        if verbose == "auto":
            verbose = 1 if (adapter.num_batches or 2) > 1 else 0
        verbose = int(verbose)
        fast = callbacks is None and verbose == 0 and type(self).predict_step is Trainer.predict_step
        if fast:
            outs = [self(bx, training=False) for bx, _, _ in adapter.batches()]
        else:
            cbs = self._callbacks(callbacks, verbose, 1, adapter.num_batches, add_history=False)
            cbs.on_predict_begin()
            outs = []
            for step, (bx, by, bsw) in enumerate(adapter.batches()):
                cbs.on_predict_batch_begin(step)
                out = self.predict_step(da.pack_x_y_sample_weight(bx, by, bsw))
                outs.append(out)
                cbs.on_predict_batch_end(step, {"outputs": out})
            cbs.on_predict_end()
        if not outs:
            raise ValueError("predict received no data: the input is empty.")
        if len(outs) == 1:
            return nest.map_structure(lambda t: np.asarray(t), outs[0])
        return nest.map_structure(lambda *ts: np.concatenate([np.asarray(t) for t in ts]), *outs)

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        """One training step on one batch; returns the metric values."""
        self._require_compiled("training")
        if class_weight is not None:
            cw = da._class_weights(np.asarray(y), class_weight)
            sample_weight = cw if sample_weight is None else np.asarray(sample_weight) * cw
        self.reset_metrics()
        logs = self.train_step(da.pack_x_y_sample_weight(*da._tensors((x, y, sample_weight))))
        return _result(self, logs, return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """One evaluation step on one batch; returns the metric values."""
        self._require_compiled("evaluation")
        self.reset_metrics()
        logs = self.test_step(da.pack_x_y_sample_weight(*da._tensors((x, y, sample_weight))))
        return _result(self, logs, return_dict)

    def predict_on_batch(self, x):
        """The model's output for one batch, as NumPy arrays."""
        out = self.predict_step((da._tensors(x),))
        return nest.map_structure(lambda t: np.asarray(t), out)


def _shuffle_rng():
    """A Philox generator for `fit`'s shuffling, seeded from `ts.random.set_seed`'s stream
    (or NumPy's global state when no seed is set); its state can be checkpointed."""
    from ...backend import random as ts_random
    if ts_random.global_seed() is not None:
        seed = int(ts_random.next_rng(None, "fit_shuffle").integers(0, 2 ** 63 - 1))
    else:
        seed = int(np.random.randint(0, 2 ** 31 - 1))
    return np.random.Generator(np.random.Philox(seed))


def _result(model, logs, return_dict):
    logs = {k: to_float(v) for k, v in logs.items()}
    if return_dict:
        return logs
    values = list(logs.values())
    return values[0] if len(values) == 1 else values


def _batch_size(x):
    for t in nest.flatten(x):
        if hasattr(t, "shape") and len(t.shape):
            return int(t.shape[0])
    return 1


def _plain(v):
    if v is None or isinstance(v, (str, int, float, bool)):
        return True
    if isinstance(v, (list, tuple)):
        return all(_plain(x) for x in v)
    if isinstance(v, dict):
        return all(_plain(x) for x in v.values())
    return False

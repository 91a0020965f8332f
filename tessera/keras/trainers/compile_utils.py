"""What `compile` sets up: the loss container and the metrics container, per output."""
import numpy as np

from ...core import nest
from ...core.tensor import Tensor
from ...ops.math import add, multiply

__all__ = ["CompileLoss", "CompileMetrics", "output_names"]


def output_names(model):
    """The names Keras gives a model's outputs (output layer names, or dict keys)."""
    outs = getattr(model, "_outputs_struct", None)
    if isinstance(outs, dict):
        return list(outs)
    if outs is None:
        return None
    names = []
    for t in nest.flatten(outs):
        hist = getattr(t, "_keras_history", None)
        names.append(hist[0].name if hist else f"output_{len(names)}")
    return names


def _per_output(spec, names, what):
    """Maps a loss/metric spec onto outputs: one entry per output (None = nothing)."""
    n = len(names) if names else 1
    if isinstance(spec, dict):
        if names is None:
            raise ValueError(f"A dict of {what} needs a model with named outputs (a functional "
                             "model); this model's outputs are unknown until it is called.")
        unknown = [k for k in spec if k not in names]
        if unknown:
            raise ValueError(f"The {what} dict has keys {unknown} that are not output names. "
                             f"The model's outputs are named {names}.")
        return [spec.get(k) for k in names]
    if isinstance(spec, (list, tuple)) and n > 1:
        if len(spec) != n:
            raise ValueError(f"The model has {n} outputs {names} but {len(spec)} {what} were "
                             "given: pass one per output (a list in output order or a dict "
                             "keyed by output name).")
        return list(spec)
    return [spec] * n


class CompileLoss:
    """The compiled loss: one loss function per output, weighted and summed."""

    def __init__(self, loss, loss_weights=None, names=None, reduction="sum_over_batch_size"):
        self._spec = loss
        self._weights_spec = loss_weights
        self._names = names
        self.built = False
        self.losses = None
        self.last_values = {}

    def build(self, y_true, y_pred):
        from .. import losses as losses_mod
        flat_pred = nest.flatten(y_pred)
        names = self._names if self._names and len(self._names) == len(flat_pred) else \
            (self._names if len(flat_pred) == 1 and self._names else
             [f"output_{i}" for i in range(len(flat_pred))])
        self._names = names
        specs = _per_output(self._spec, names if len(flat_pred) > 1 else None, "losses") \
            if len(flat_pred) > 1 else [self._spec]
        self.losses = []
        for s in specs:
            if s is None:
                self.losses.append(None)
                continue
            obj = losses_mod.get(s)
            if not isinstance(obj, losses_mod.Loss):
                obj = losses_mod.LossFunctionWrapper(obj, name=getattr(obj, "__name__", "loss"))
            self.losses.append(obj)
        w = self._weights_spec
        if w is None:
            self.weights = [1.0] * len(self.losses)
        elif isinstance(w, dict):
            self.weights = [float(w.get(n, 1.0)) for n in names]
        else:
            w = list(w) if isinstance(w, (list, tuple)) else [w]
            if len(w) != len(self.losses):
                raise ValueError(f"loss_weights has {len(w)} entries for {len(self.losses)} outputs.")
            self.weights = [float(v) for v in w]
        self.built = True

    def _align_true(self, y_true, n):
        if n == 1:
            flat = nest.flatten(y_true) if isinstance(y_true, (list, tuple)) and len(y_true) == 1 \
                else [y_true]
            return flat
        if isinstance(y_true, dict):
            missing = [k for k in self._names if k not in y_true]
            if missing:
                raise ValueError(f"Targets dict is missing outputs {missing}; the model's outputs "
                                 f"are {self._names}.")
            return [y_true[k] for k in self._names]
        flat = list(y_true) if isinstance(y_true, (list, tuple)) else [y_true]
        if len(flat) != n:
            raise ValueError(f"The model has {n} outputs but {len(flat)} targets were given.")
        return flat

    def __call__(self, y_true, y_pred, sample_weight=None):
        if not self.built:
            self.build(y_true, y_pred)
        flat_pred = nest.flatten(y_pred)
        flat_true = self._align_true(y_true, len(flat_pred))
        sws = self._align_true(sample_weight, len(flat_pred)) if isinstance(sample_weight, (list, dict)) \
            and len(flat_pred) > 1 else [sample_weight] * len(flat_pred)
        total = None
        self.last_values = {}
        for name, fn, w, yt, yp, sw in zip(self._names, self.losses, self.weights, flat_true,
                                           flat_pred, sws):
            if fn is None or yt is None:
                continue
            value = fn(yt, yp, sample_weight=sw)
            if len(flat_pred) > 1:
                self.last_values[f"{name}_loss"] = value
            if w != 1.0:
                value = multiply(value, w)
            total = value if total is None else add(total, value)
        return total


class CompileMetrics:
    """The compiled metrics: per output, resolved on the first batch (for "accuracy")."""

    def __init__(self, metrics=None, weighted_metrics=None, names=None, loss_spec=None):
        self._metrics_spec = metrics
        self._weighted_spec = weighted_metrics
        self._names = names
        self._loss_spec = loss_spec
        self.built = False
        self._per_output = []

    @property
    def metrics(self):
        out = []
        for items in self._per_output:
            out.extend(m for m, _ in items)
        return out

    def _resolve(self, spec, loss, yt, yp, prefix, weighted):
        from .. import metrics as metrics_mod
        out = []
        if spec is None:
            return out
        spec = spec if isinstance(spec, (list, tuple)) else [spec]
        for s in spec:
            if isinstance(s, str) and s in ("accuracy", "acc"):
                cls = metrics_mod.resolve_accuracy(loss, tuple(yt.shape), tuple(yp.shape))
                m = cls(name=s)
            elif isinstance(s, str) and s in ("crossentropy", "ce"):
                m = metrics_mod.get(_crossentropy_name(loss, yt, yp))
            else:
                m = metrics_mod.get(s)
                if not isinstance(m, metrics_mod.Metric):
                    name = s if isinstance(s, str) else getattr(m, "__name__", "metric")
                    m = metrics_mod.MeanMetricWrapper(m, name=name)
            if prefix:
                m.name = f"{prefix}_{m.name}"
            if weighted:
                m.name = f"weighted_{m.name}" if self._metrics_spec and not prefix else m.name
            out.append((m, weighted))
        return out

    def build(self, y_true, y_pred, losses=None):
        flat_pred = nest.flatten(y_pred)
        n = len(flat_pred)
        names = self._names if self._names and len(self._names) == n else \
            [f"output_{i}" for i in range(n)]
        multi = n > 1
        if multi and isinstance(self._metrics_spec, (list, tuple)) and self._metrics_spec and \
                not all(isinstance(m, (list, tuple, dict)) or m is None for m in self._metrics_spec):
            raise ValueError(
                f"For a model with {n} outputs {names}, `metrics` must be a list of lists (one "
                "list per output) or a dict keyed by output name, e.g. "
                f"metrics={{'{names[0]}': ['accuracy']}}.")
        specs = _per_output(self._metrics_spec, names, "metrics") if multi else [self._metrics_spec]
        wspecs = _per_output(self._weighted_spec, names, "weighted_metrics") if multi \
            else [self._weighted_spec]
        flat_true = y_true if isinstance(y_true, (list, tuple)) and multi else [y_true]
        if isinstance(y_true, dict):
            flat_true = [y_true[k] for k in names]
        losses = losses or [self._loss_spec] * n
        self._per_output = []
        for i in range(n):
            prefix = names[i] if multi else None
            items = self._resolve(specs[i], losses[i], flat_true[i], flat_pred[i], prefix, False)
            items += self._resolve(wspecs[i], losses[i], flat_true[i], flat_pred[i], prefix, True)
            self._per_output.append(items)
        self._names = names
        self.built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        flat_pred = nest.flatten(y_pred)
        n = len(flat_pred)
        if n == 1:
            flat_true = [y_true[0] if isinstance(y_true, (list, tuple)) and len(y_true) == 1 else y_true]
        elif isinstance(y_true, dict):
            flat_true = [y_true[k] for k in self._names]
        else:
            flat_true = list(y_true)
        for items, yt, yp in zip(self._per_output, flat_true, flat_pred):
            for m, weighted in items:
                m.update_state(yt, yp, sample_weight=sample_weight if weighted else None)

    def reset_state(self):
        for m in self.metrics:
            m.reset_state()

    def result(self):
        out = {}
        for m in self.metrics:
            r = m.result()
            if isinstance(r, dict):
                out.update(r)
            else:
                out[m.name] = r
        return out


def _crossentropy_name(loss, yt, yp):
    name = loss if isinstance(loss, str) else type(loss).__name__
    name = str(name).lower()
    if "sparse" in name:
        return "sparse_categorical_crossentropy"
    if "binary" in name or (yp.shape and yp.shape[-1] == 1):
        return "binary_crossentropy"
    return "categorical_crossentropy"


def to_float(v):
    """A metric or loss value as a Python float (for logs)."""
    if isinstance(v, Tensor):
        return float(np.asarray(v))
    return float(v)

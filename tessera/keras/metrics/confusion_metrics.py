"""Metrics built on confusion-matrix counts at thresholds: TP/FP/TN/FN, Precision, Recall, AUC.

Counting uses one `searchsorted` + `bincount` pass per batch (O(n log T)), not an
n x T comparison matrix, so AUC's 200 thresholds cost little per batch.
"""
from enum import Enum

import numpy as np

from ..config import epsilon
from ..saving.object_registration import keras_export
from .metric import Metric, add, divide_no_nan, read, squeeze_or_expand_to_same_rank, to_numpy, \
    write

__all__ = ["TruePositives", "FalsePositives", "TrueNegatives", "FalseNegatives", "Precision",
           "Recall", "AUC"]

NEG_INF = -1e10


class AUCCurve(Enum):
    """The curve an `AUC` metric integrates."""
    ROC = "ROC"
    PR = "PR"

    @staticmethod
    def from_str(key):
        if key in ("pr", "PR"):
            return AUCCurve.PR
        if key in ("roc", "ROC"):
            return AUCCurve.ROC
        raise ValueError(f'Invalid AUC curve value: "{key}". Expected values are ["PR", "ROC"]')


class AUCSummationMethod(Enum):
    """How `AUC` sums the areas between thresholds."""
    INTERPOLATION = "interpolation"
    MAJORING = "majoring"
    MINORING = "minoring"

    @staticmethod
    def from_str(key):
        if key in ("interpolation", "Interpolation"):
            return AUCSummationMethod.INTERPOLATION
        if key in ("majoring", "Majoring"):
            return AUCSummationMethod.MAJORING
        if key in ("minoring", "Minoring"):
            return AUCSummationMethod.MINORING
        raise ValueError(f'Invalid AUC summation method value: "{key}". Expected values are '
                         '["interpolation", "majoring", "minoring"]')


def _to_list(x):
    if isinstance(x, (list, tuple)):
        return list(x)
    if isinstance(x, np.ndarray):
        return x.tolist() if x.ndim else [x.item()]
    return [x]


def parse_init_thresholds(thresholds, default_threshold=0.5):
    """Validates thresholds (each in [0, 1]) and returns them as a list."""
    if thresholds is not None:
        bad = [t for t in _to_list(thresholds) if t is None or t < 0 or t > 1]
        if bad:
            raise ValueError(f"Threshold values must be in [0, 1]. Received: {bad}")
    return [float(t) for t in _to_list(default_threshold if thresholds is None else thresholds)]


def _filter_top_k(x, k):
    """Keeps the k largest entries of the last axis (ties: lowest index), others -> NEG_INF."""
    idx = np.argsort(-x, axis=-1, kind="stable")[..., :k]
    keep = np.zeros(x.shape, dtype=bool)
    np.put_along_axis(keep, idx, True, axis=-1)
    return np.where(keep, x, np.asarray(NEG_INF, x.dtype))


def confusion_counts(y_true, y_pred, thresholds, dtype, top_k=None, class_id=None,
                     sample_weight=None, multi_label=False, label_weights=None):
    """Weighted confusion counts of one batch at each threshold.

    A prediction is positive at threshold t when `y_pred > t`; a label is positive when
    non-zero. Returns a dict with `tp`, `fp`, `tn`, `fn`, each of shape `(T,)`, or
    `(T, num_labels)` with `multi_label` (counts per label column).
    """
    y_pred = to_numpy(y_pred, dtype)
    y_true = to_numpy(y_true, dtype)
    y_pred, y_true = squeeze_or_expand_to_same_rank(y_pred, y_true)
    if y_pred.shape != y_true.shape:
        raise ValueError(f"y_true and y_pred must have the same shape; received "
                         f"y_true.shape={y_true.shape}, y_pred.shape={y_pred.shape}.")
    sw = None
    if sample_weight is not None:
        sw = to_numpy(sample_weight, dtype)
        y_true, sw = squeeze_or_expand_to_same_rank(y_true, sw)
    if top_k is not None:
        y_pred = _filter_top_k(y_pred, top_k)
    if class_id is not None:
        if y_pred.ndim == 1:
            raise ValueError("When class_id is provided, y_pred must be a 2D array with shape "
                             f"(num_samples, num_classes), found shape: {y_pred.shape}")
        if not 0 <= class_id < y_pred.shape[-1]:
            raise ValueError(f"class_id={class_id} is out of range for y_pred with "
                             f"{y_pred.shape[-1]} classes.")
        y_true = y_true[..., class_id, None]
        y_pred = y_pred[..., class_id, None]
    weights = None
    if sw is not None:
        while sw.ndim < y_pred.ndim:  # one weight per sample
            sw = sw[..., None]
        try:
            weights = np.broadcast_to(sw, y_pred.shape).astype(np.float64)
        except ValueError:
            raise ValueError(f"sample_weight of shape {to_numpy(sample_weight).shape} cannot be "
                             f"broadcast to y_pred of shape {y_pred.shape}.") from None
    if label_weights is not None and not multi_label:
        lw = np.broadcast_to(np.asarray(label_weights, np.float64), y_pred.shape)
        weights = lw if weights is None else weights * lw
    if multi_label:
        if y_pred.ndim != 2:
            raise ValueError("`y_pred` must have rank 2 when `multi_label=True`. Found rank "
                             f"{y_pred.ndim}. Full shape received for `y_pred`: {y_pred.shape}")
        num_labels = y_pred.shape[1]
    else:
        num_labels = 1
        y_pred = y_pred.reshape(-1, 1)
        y_true = y_true.reshape(-1, 1)
        if weights is not None:
            weights = weights.reshape(-1, 1)

    thr = np.asarray(thresholds, dtype=dtype)
    order = np.argsort(thr, kind="stable")
    sorted_thr = thr[order]
    nt = thr.shape[0]
    # idx = number of thresholds strictly below the prediction: positive at t_j iff j < idx.
    idx = np.searchsorted(sorted_thr, y_pred, side="left")
    idx[np.isnan(y_pred)] = 0
    idx = idx + (nt + 1) * np.arange(num_labels)[None, :]
    pos = y_true != 0
    w = np.ones(y_pred.shape) if weights is None else weights
    out = {}
    for key, mask in (("p", pos), ("n", ~pos)):
        c = np.bincount(idx.ravel(), weights=(w * mask).ravel(), minlength=num_labels * (nt + 1))
        c = c.reshape(num_labels, nt + 1)
        rc = np.cumsum(c[:, ::-1], axis=1)[:, ::-1]  # rc[j] = sum over buckets >= j
        above = rc[:, 1:]  # (L, T): weight of predictions above each sorted threshold
        total = rc[:, :1]
        unsorted = np.empty_like(above)
        unsorted[:, order] = above
        below = total - unsorted
        if key == "p":
            out["tp"], out["fn"] = unsorted.T, below.T
        else:
            out["fp"], out["tn"] = unsorted.T, below.T
    if not multi_label:
        out = {k: v[:, 0] for k, v in out.items()}
    return out


class _ConfusionMatrixConditionCount(Metric):
    _cond = None

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.thresholds = parse_init_thresholds(thresholds, default_threshold=0.5)
        self.accumulator = self.add_variable(shape=(len(self.thresholds),), initializer="zeros",
                                             name="accumulator")

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Accumulates the count for this batch (`sample_weight` weights each sample)."""
        c = confusion_counts(y_true, y_pred, self.thresholds, self.dtype,
                             sample_weight=sample_weight)
        add(self.accumulator, c[self._cond])

    def result(self):
        a = read(self.accumulator)
        return self._out(a[0] if len(self.thresholds) == 1 else a)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "thresholds": self.init_thresholds}


@keras_export("keras.metrics")
class TruePositives(_ConfusionMatrixConditionCount):
    """Counts (weighted) true positives: predictions above `thresholds` with positive labels.

    Args:
        thresholds: a float or list of floats in [0, 1] (default 0.5); with a list the
            result has one count per threshold.
        name: the metric's name.
        dtype: its dtype.

    Example:
    >>> m = keras.metrics.TruePositives()
    >>> m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
    >>> m.result()
    2.0
    """
    _cond = "tp"


@keras_export("keras.metrics")
class FalsePositives(_ConfusionMatrixConditionCount):
    """Counts (weighted) false positives: predictions above `thresholds` with negative labels.

    Example:
    >>> m = keras.metrics.FalsePositives()
    >>> m.update_state([0, 1, 0, 0], [0, 0, 1, 1])
    >>> m.result()
    2.0
    """
    _cond = "fp"


@keras_export("keras.metrics")
class TrueNegatives(_ConfusionMatrixConditionCount):
    """Counts (weighted) true negatives: predictions at or below `thresholds`, negative labels.

    Example:
    >>> m = keras.metrics.TrueNegatives()
    >>> m.update_state([0, 1, 0, 0], [1, 1, 0, 0])
    >>> m.result()
    2.0
    """
    _cond = "tn"


@keras_export("keras.metrics")
class FalseNegatives(_ConfusionMatrixConditionCount):
    """Counts (weighted) false negatives: predictions at or below `thresholds`, positive labels.

    Example:
    >>> m = keras.metrics.FalseNegatives()
    >>> m.update_state([0, 1, 1, 1], [0, 1, 0, 0])
    >>> m.result()
    2.0
    """
    _cond = "fn"


class _PrecisionRecall(Metric):
    _conds = ()

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        default = 0.5 if top_k is None else NEG_INF
        self.thresholds = parse_init_thresholds(thresholds, default_threshold=default)
        n = len(self.thresholds)
        for attr in self._conds:
            setattr(self, attr, self.add_variable(shape=(n,), initializer="zeros", name=attr))

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Accumulates the counts for this batch (`sample_weight` weights each sample)."""
        c = confusion_counts(y_true, y_pred, self.thresholds, self.dtype, top_k=self.top_k,
                             class_id=self.class_id, sample_weight=sample_weight)
        for attr in self._conds:
            key = "".join(w[0] for w in attr.split("_"))  # true_positives -> tp
            add(getattr(self, attr), c[key])

    def _ratio(self, other):
        r = divide_no_nan(read(self.true_positives), read(self.true_positives) + read(other))
        return self._out(r[0] if len(self.thresholds) == 1 else r)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "thresholds": self.init_thresholds,
                "top_k": self.top_k, "class_id": self.class_id}


@keras_export("keras.metrics")
class Precision(_PrecisionRecall):
    """Precision `tp / (tp + fp)` of the predictions with respect to the labels.

    Args:
        thresholds: a float or list in [0, 1]; a prediction is positive above it
            (default 0.5, or "any value" with `top_k`). A list gives one value each.
        top_k: only the `k` highest predictions of each sample count as positive.
        class_id: compute the metric for this class (column) only.
        name: the metric's name.
        dtype: its dtype.

    Example:
    >>> m = keras.metrics.Precision()
    >>> m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
    >>> m.result()
    0.6666667
    """
    _conds = ("true_positives", "false_positives")

    def result(self):
        return self._ratio(self.false_positives)


@keras_export("keras.metrics")
class Recall(_PrecisionRecall):
    """Recall `tp / (tp + fn)` of the predictions with respect to the labels.

    Args:
        thresholds: a float or list in [0, 1]; a prediction is positive above it
            (default 0.5, or "any value" with `top_k`). A list gives one value each.
        top_k: only the `k` highest predictions of each sample count as positive.
        class_id: compute the metric for this class (column) only.
        name: the metric's name.
        dtype: its dtype.

    Example:
    >>> m = keras.metrics.Recall()
    >>> m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
    >>> m.result()
    0.6666667
    """
    _conds = ("true_positives", "false_negatives")

    def result(self):
        return self._ratio(self.false_negatives)


@keras_export("keras.metrics")
class AUC(Metric):
    """Approximates the area under the ROC or PR curve with a Riemann sum over thresholds.

    Predictions are counted at `num_thresholds` thresholds evenly spread over [0, 1]
    (plus one just below 0 and one just above 1); the curve through those points is
    integrated. ROC with interpolation is the trapezoidal rule; PR with interpolation
    uses Davis & Goadrich (2006)'s interpolation.

    Args:
        num_thresholds: number of thresholds (> 1; default 200).
        curve: `"ROC"` (default) or `"PR"`.
        summation_method: `"interpolation"` (default), `"minoring"` or `"majoring"`.
        name: the metric's name.
        dtype: its dtype.
        thresholds: explicit thresholds in [0, 1] (overrides `num_thresholds`).
        multi_label: treat each column of 2-D data as a separate label, compute one AUC
            per label and average them (weighted by `label_weights`).
        num_labels: number of labels when `multi_label=True` (else found on first call).
        label_weights: per-label weights (counts weights when `multi_label=False`, the
            average's weights when True).
        from_logits: apply a sigmoid to `y_pred` first.

    Example:
    >>> m = keras.metrics.AUC(num_thresholds=3)
    >>> m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
    >>> m.result()
    0.75
    """

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation",
                 name=None, dtype=None, thresholds=None, multi_label=False, num_labels=None,
                 label_weights=None, from_logits=False):
        self._direction = "up"
        self.curve = curve if isinstance(curve, AUCCurve) else AUCCurve.from_str(curve)
        self.summation_method = (summation_method if isinstance(summation_method,
                                                                AUCSummationMethod)
                                 else AUCSummationMethod.from_str(summation_method))
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            thresholds = sorted(parse_init_thresholds(thresholds))
            self.num_thresholds = len(thresholds) + 2
        else:
            if not isinstance(num_thresholds, (int, np.integer)) or num_thresholds <= 1:
                raise ValueError("Argument `num_thresholds` must be an integer > 1. Received: "
                                 f"num_thresholds={num_thresholds}")
            self.num_thresholds = int(num_thresholds)
            thresholds = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
        self._thresholds = np.array([0.0 - epsilon()] + thresholds + [1.0 + epsilon()])
        super().__init__(name=name, dtype=dtype)
        self.multi_label = multi_label
        self.num_labels = num_labels
        self.label_weights = None if label_weights is None else \
            np.asarray(to_numpy(label_weights), dtype=self.dtype)
        self._from_logits = from_logits
        self._built = False
        if multi_label:
            if num_labels:
                self._build((None, num_labels))
        else:
            if num_labels:
                raise ValueError("`num_labels` is needed only when `multi_label` is True.")
            self._build(None)

    @property
    def thresholds(self):
        """The thresholds, including the two end points."""
        return list(self._thresholds)

    def _build(self, shape):
        if self.multi_label:
            if len(shape) != 2:
                raise ValueError("`y_pred` must have rank 2 when `multi_label=True`. Found rank "
                                 f"{len(shape)}. Full shape received for `y_pred`: {shape}")
            self._num_labels = int(shape[1])
            vshape = (self.num_thresholds, self._num_labels)
        else:
            vshape = (self.num_thresholds,)
        self._build_input_shape = shape
        for attr in ("true_positives", "false_positives", "true_negatives", "false_negatives"):
            setattr(self, attr, self.add_variable(shape=vshape, initializer="zeros", name=attr))
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Accumulates the confusion counts at every threshold for this batch."""
        y_pred = to_numpy(y_pred, self.dtype)
        if not self._built:
            self._build(y_pred.shape)
        if self._from_logits:
            y_pred = (0.5 * (1.0 + np.tanh(0.5 * y_pred))).astype(self.dtype)  # stable sigmoid
        c = confusion_counts(y_true, y_pred, self._thresholds, self.dtype,
                             sample_weight=sample_weight, multi_label=self.multi_label,
                             label_weights=None if self.multi_label else self.label_weights)
        if self.multi_label and c["tp"].shape[1] != self._num_labels:
            raise ValueError(f"AUC {self.name!r} was built for {self._num_labels} labels; "
                             f"received y_pred with {c['tp'].shape[1]} columns.")
        add(self.true_positives, c["tp"])
        add(self.false_positives, c["fp"])
        add(self.true_negatives, c["tn"])
        add(self.false_negatives, c["fn"])

    def _by_label(self, terms):
        if self.multi_label:
            by_label = np.sum(terms, axis=0)
            if self.label_weights is None:
                return np.mean(by_label)
            lw = self.label_weights.astype(np.float64)
            return divide_no_nan(np.sum(by_label * lw), np.sum(lw))
        return np.sum(terms)

    def interpolate_pr_auc(self):
        """PR-AUC with Davis & Goadrich (2006)'s interpolation between thresholds."""
        tp = read(self.true_positives).astype(np.float64)
        fp = read(self.false_positives).astype(np.float64)
        fn = read(self.false_negatives).astype(np.float64)
        dtp = tp[:-1] - tp[1:]
        p = tp + fp
        dp = p[:-1] - p[1:]
        prec_slope = divide_no_nan(dtp, np.maximum(dp, 0))
        intercept = tp[1:] - prec_slope * p[1:]
        safe_ratio = np.where((p[:-1] > 0) & (p[1:] > 0),
                              divide_no_nan(p[:-1], np.maximum(p[1:], 0)), 1.0)
        inc = divide_no_nan(prec_slope * (dtp + intercept * np.log(safe_ratio)),
                            np.maximum(tp[1:] + fn[1:], 0))
        return self._by_label(inc)

    def result(self):
        if not self._built:
            return self._out(0.0)
        if (self.curve == AUCCurve.PR
                and self.summation_method == AUCSummationMethod.INTERPOLATION):
            return self._out(self.interpolate_pr_auc())
        tp = read(self.true_positives)
        fp = read(self.false_positives)
        tn = read(self.true_negatives)
        fn = read(self.false_negatives)
        recall = divide_no_nan(tp, tp + fn)
        if self.curve == AUCCurve.ROC:
            x, y = divide_no_nan(fp, fp + tn), recall
        else:
            x, y = recall, divide_no_nan(tp, tp + fp)
        if self.summation_method == AUCSummationMethod.INTERPOLATION:
            heights = (y[:-1] + y[1:]) / 2.0
        elif self.summation_method == AUCSummationMethod.MINORING:
            heights = np.minimum(y[:-1], y[1:])
        else:
            heights = np.maximum(y[:-1], y[1:])
        return self._out(self._by_label((x[:-1] - x[1:]) * heights))

    def reset_state(self):
        if self._built:
            for v in self.variables:
                write(v, 0)

    def get_config(self):
        config = {
            "name": self.name,
            "dtype": self.dtype,
            "num_thresholds": self.num_thresholds,
            "curve": self.curve.value,
            "summation_method": self.summation_method.value,
            "multi_label": self.multi_label,
            "num_labels": self.num_labels,
            "label_weights": None if self.label_weights is None else self.label_weights.tolist(),
            "from_logits": self._from_logits,
        }
        if self._init_from_thresholds:
            config["thresholds"] = [float(t) for t in self.thresholds[1:-1]]
        return config

"""Tests for tessera.keras.metrics: values against NumPy closed forms and Keras doc examples."""
import json

import numpy as np
import pytest

import tessera as ts
from tessera import keras

M = keras.metrics


def val(x):
    return np.asarray(np.asarray(x), dtype=np.float64)


def close(a, b, tol=1e-6):
    np.testing.assert_allclose(val(a), val(b), rtol=tol, atol=tol)


# -- base, Mean, Sum -----------------------------------------------------------------------
def test_mean_doc_example_and_reset():
    m = M.Mean()
    m.update_state([1, 3, 5, 7])
    close(m.result(), 4.0)
    m.reset_state()
    m.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
    close(m.result(), 2.0)
    assert m.name == "mean" and m.dtype == "float32"
    assert [v.name for v in m.variables] == ["total", "count"]
    assert all(not v.trainable for v in m.variables)
    assert isinstance(m.variables[0], keras.Variable)


def test_mean_several_batches_weighted(rng):
    m = M.Mean()
    xs = [rng.normal(size=n) for n in (3, 5, 7)]
    ws = [rng.uniform(size=n) for n in (3, 5, 7)]
    for x, w in zip(xs, ws):
        m.update_state(ts.constant(x.astype("float32")), sample_weight=w)
    x, w = np.concatenate(xs), np.concatenate(ws)
    close(m.result(), np.sum(x * w) / np.sum(w), 1e-5)


def test_mean_reduces_per_sample_with_rank1_weights():
    m = M.Mean()
    values = np.array([[1.0, 3.0], [5.0, 7.0]])
    m.update_state(values, sample_weight=[1.0, 3.0])
    close(m.result(), (2.0 * 1 + 6.0 * 3) / 4.0)
    m2 = M.Mean()
    m2.update_state(values)  # unweighted: mean over all elements, count = batch size
    close(m2.result(), 4.0)
    close(m2.variables[1], 2.0)


def test_sum_and_call():
    m = M.Sum()
    close(m([1, 3, 5, 7]), 16.0)
    close(m([1.0, 2.0], sample_weight=[2.0, 0.5]), 19.0)
    m.reset_state()
    close(m.result(), 0.0)


def test_empty_mean_is_zero():
    close(M.Mean().result(), 0.0)


def test_custom_metric_subclass_and_super_check():
    class Count(M.Metric):
        def __init__(self, name="count", **kw):
            super().__init__(name=name, **kw)
            self.n = self.add_variable(shape=(), initializer="zeros", name="n")

        def update_state(self, y_true, y_pred, sample_weight=None):
            self.n.assign_add(float(np.asarray(y_true).shape[0]))

        def result(self):
            return self.n.value

    c = Count()
    c.update_state([1, 2, 3], [1, 2, 3])
    close(c.result(), 3.0)
    assert c.variables[0].path == "count/n"
    c.reset_state()
    close(c.result(), 0.0)

    class Bad(M.Metric):
        def __init__(self):
            self.x = 1

    with pytest.raises(RuntimeError, match="super\\(\\).__init__"):
        Bad().add_variable((), "zeros")


def test_nested_metric_variables_are_tracked():
    class Two(M.Metric):
        def __init__(self):
            super().__init__(name="two")
            self.a = M.Mean(name="a")
            self.b = M.Sum(name="b")

    assert len(Two().variables) == 3


def test_mean_metric_wrapper_and_config_roundtrip():
    def sq(y_true, y_pred):
        return (np.asarray(y_true) - np.asarray(y_pred)) ** 2

    m = M.MeanMetricWrapper(sq)
    assert m.name.startswith("mean_metric_wrapper")
    m.update_state([[1.0, 2.0]], [[0.0, 0.0]])
    close(m.result(), 2.5)
    w = M.MeanMetricWrapper(M.binary_accuracy, name="ba", threshold=0.3)
    cfg = w.get_config()
    assert cfg == {"name": "ba", "dtype": "float32", "fn": "binary_accuracy", "threshold": 0.3}
    w2 = M.MeanMetricWrapper.from_config(json.loads(json.dumps(cfg)))
    w2.update_state([[1], [0]], [[0.4], [0.4]])
    close(w2.result(), 0.5)
    with pytest.raises(ValueError, match="must be callable"):
        M.MeanMetricWrapper(fn=3)


# -- accuracy ------------------------------------------------------------------------------
def test_accuracy_doc():
    m = M.Accuracy()
    m.update_state([[1], [2], [3], [4]], [[0], [2], [3], [4]])
    close(m.result(), 0.75)
    m.reset_state()
    m.update_state([[1], [2], [3], [4]], [[0], [2], [3], [4]], sample_weight=[1, 1, 0, 0])
    close(m.result(), 0.5)


def test_binary_accuracy_doc_and_threshold():
    m = M.BinaryAccuracy()
    m.update_state([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]])
    close(m.result(), 0.75)
    m.reset_state()
    m.update_state([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]], sample_weight=[1, 0, 0, 1])
    close(m.result(), 0.5)
    m = M.BinaryAccuracy(threshold=0.7)
    m.update_state([1, 1, 0, 0], [0.98, 0.65, 0.0, 0.6])
    close(m.result(), 0.75)
    with pytest.raises(ValueError, match="threshold"):
        M.BinaryAccuracy(threshold=1.5)


def test_binary_accuracy_function_matches_numpy(rng):
    yt = rng.integers(0, 2, size=(6, 4)).astype("float32")
    yp = rng.uniform(size=(6, 4)).astype("float32")
    out = M.binary_accuracy(yt, yp)
    assert isinstance(out, ts.Tensor)
    close(out, (yt == (yp > 0.5)).astype(float))


def test_categorical_accuracy_doc():
    m = M.CategoricalAccuracy()
    yt, yp = [[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]]
    m.update_state(yt, yp)
    close(m.result(), 0.5)
    m.reset_state()
    m.update_state(yt, yp, sample_weight=[0.7, 0.3])
    close(m.result(), 0.3)
    close(M.categorical_accuracy(yt, yp), [0.0, 1.0])


def test_sparse_categorical_accuracy_doc_and_shapes(rng):
    m = M.SparseCategoricalAccuracy()
    m.update_state([[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]])
    close(m.result(), 0.5)
    m.reset_state()
    m.update_state([[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]], sample_weight=[0.7, 0.3])
    close(m.result(), 0.3)
    yp = rng.normal(size=(10, 5))
    yt = rng.integers(0, 5, size=10)
    expect = (np.argmax(yp, -1) == yt).astype(float)
    close(M.sparse_categorical_accuracy(yt, yp), expect)
    close(M.sparse_categorical_accuracy(yt[:, None], yp), expect)
    # sequence outputs: (batch, time) labels against (batch, time, classes)
    yp3 = rng.normal(size=(3, 4, 5))
    yt3 = rng.integers(0, 5, size=(3, 4))
    close(M.sparse_categorical_accuracy(yt3, yp3), np.argmax(yp3, -1) == yt3)


def test_top_k_doc_and_numpy(rng):
    m = M.TopKCategoricalAccuracy(k=1)
    yt, yp = [[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]]
    m.update_state(yt, yp)
    close(m.result(), 0.5)
    m.reset_state()
    m.update_state(yt, yp, sample_weight=[0.7, 0.3])
    close(m.result(), 0.3)
    yp = rng.normal(size=(20, 6))
    labels = rng.integers(0, 6, size=20)
    onehot = np.eye(6)[labels]
    rank = np.sum(yp > yp[np.arange(20), labels][:, None], axis=1)
    for k in (1, 2, 3):
        close(M.top_k_categorical_accuracy(onehot, yp, k=k), (rank < k).astype(float))
        close(M.sparse_top_k_categorical_accuracy(labels, yp, k=k), (rank < k).astype(float))
    with pytest.raises(ValueError, match="positive integer"):
        M.TopKCategoricalAccuracy(k=0)


def test_sparse_top_k_doc_and_sorted_ids():
    m = M.SparseTopKCategoricalAccuracy(k=1)
    m.update_state([2, 1], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
    close(m.result(), 0.5)
    m.reset_state()
    m.update_state([2, 1], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]], sample_weight=[0.7, 0.3])
    close(m.result(), 0.3)
    s = M.SparseTopKCategoricalAccuracy(k=1, from_sorted_ids=True)
    s.update_state([2, 1], [[1, 0, 3], [1, 2, 3]])
    close(s.result(), 0.5)
    s2 = M.SparseTopKCategoricalAccuracy(k=2, from_sorted_ids=True)
    s2.update_state([2, 1], [[1, 2, 3], [0, 2, 1]])
    close(s2.result(), 0.5)
    assert s.get_config() == {"name": "sparse_top_k_categorical_accuracy", "dtype": "float32",
                              "k": 1, "from_sorted_ids": True}
    assert "from_sorted_ids" not in m.get_config()


def test_top_k_ties_count_as_in():
    close(M.sparse_top_k_categorical_accuracy([1], [[0.5, 0.5, 0.1]], k=1), [1.0])
    close(M.sparse_top_k_categorical_accuracy([2], [[0.5, 0.5, 0.1]], k=2), [0.0])


def test_resolve_accuracy():
    R = M.resolve_accuracy
    assert R("binary_crossentropy", (8, 1), (8, 1)) is M.BinaryAccuracy
    assert R("binary_crossentropy", (8, 3), (8, 3)) is M.BinaryAccuracy  # multi-label
    assert R("sparse_categorical_crossentropy", (8,), (8, 10)) is M.SparseCategoricalAccuracy
    assert R("categorical_crossentropy", (8, 10), (8, 10)) is M.CategoricalAccuracy
    assert R("CategoricalCrossentropy", (8, 10), (8, 10)) is M.CategoricalAccuracy
    assert R(None, (8, 1), (8, 1)) is M.BinaryAccuracy
    assert R("mse", (8,), (8, 1)) is M.BinaryAccuracy
    assert R(None, (8,), (8, 10)) is M.SparseCategoricalAccuracy
    assert R(None, (8, 1), (8, 10)) is M.SparseCategoricalAccuracy
    assert R(None, (8, 10), (8, 10)) is M.CategoricalAccuracy
    assert R(None, (None, 4, 1), (None, 4, 7)) is M.SparseCategoricalAccuracy

    def sparse_categorical_crossentropy(y_true, y_pred):
        return y_pred

    class BinaryCrossentropy:  # stands for a keras.losses.Loss instance
        pass

    assert R(sparse_categorical_crossentropy, (8, 1), (8, 1)) is M.SparseCategoricalAccuracy
    assert R(BinaryCrossentropy(), (8, 5), (8, 5)) is M.BinaryAccuracy
    assert R({"module": "keras.losses", "class_name": "CategoricalCrossentropy", "config": {}},
             (8, 1), (8, 1)) is M.CategoricalAccuracy


# -- regression ----------------------------------------------------------------------------
DOC_YT, DOC_YP = [[0, 1], [0, 0]], [[1, 1], [0, 0]]


@pytest.mark.parametrize("cls,unweighted,weighted", [
    (M.MeanSquaredError, 0.25, 0.5),
    (M.MeanAbsoluteError, 0.25, 0.5),
    (M.MeanAbsolutePercentageError, 250000000.0, 500000000.0),
    (M.MeanSquaredLogarithmicError, 0.12011322, 0.24022643),
    (M.RootMeanSquaredError, 0.5, 0.70710677),
    (M.LogCoshError, 0.10844523, 0.21689045),
    (M.Poisson, 0.49999997, 0.99999994),
])
def test_regression_doc_examples(cls, unweighted, weighted):
    m = cls()
    m.update_state(DOC_YT, DOC_YP)
    close(m.result(), unweighted, 1e-5)
    m.reset_state()
    m.update_state(DOC_YT, DOC_YP, sample_weight=[1, 0])
    close(m.result(), weighted, 1e-5)
    assert m.get_config() == {"name": m.name, "dtype": "float32"}
    m2 = cls.from_config(m.get_config())
    assert type(m2) is cls and m2.name == m.name


def test_regression_against_numpy_several_batches(rng):
    yt = rng.uniform(0.5, 2, size=(12, 3))
    yp = rng.uniform(0.5, 2, size=(12, 3))
    w = rng.uniform(size=12)
    per = {
        M.MeanSquaredError: np.mean((yt - yp) ** 2, -1),
        M.MeanAbsoluteError: np.mean(np.abs(yt - yp), -1),
        M.MeanAbsolutePercentageError: 100 * np.mean(np.abs((yt - yp) / yt), -1),
        M.MeanSquaredLogarithmicError: np.mean((np.log1p(yp) - np.log1p(yt)) ** 2, -1),
        M.LogCoshError: np.mean(np.log(np.cosh(yp - yt)), -1),
        M.CosineSimilarity: np.sum(yt * yp, -1) / np.linalg.norm(yt, axis=-1)
        / np.linalg.norm(yp, axis=-1),
    }
    for cls, expect in per.items():
        m = cls()
        for sl in (slice(0, 5), slice(5, 12)):
            m.update_state(yt[sl], yp[sl], sample_weight=w[sl])
        close(m.result(), np.sum(expect * w) / np.sum(w), 1e-5)
    r = M.RootMeanSquaredError()
    for sl in (slice(0, 5), slice(5, 12)):
        r.update_state(yt[sl], yp[sl])
    close(r.result(), np.sqrt(np.mean((yt - yp) ** 2)), 1e-5)


def test_cosine_similarity_doc():
    m = M.CosineSimilarity(axis=1)
    m.update_state([[0., 1.], [1., 1.]], [[1., 0.], [1., 1.]])
    close(m.result(), 0.49999997, 1e-6)
    m.reset_state()
    m.update_state([[0., 1.], [1., 1.]], [[1., 0.], [1., 1.]], sample_weight=[0.3, 0.7])
    close(m.result(), 0.6999999, 1e-6)


# -- probabilistic and hinge ----------------------------------------------------------------
@pytest.mark.parametrize("cls,yt,yp,unweighted,weighted", [
    (M.BinaryCrossentropy, [[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]], 0.81492424, 0.9162905),
    (M.KLDivergence, [[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]], 0.45814306, 0.9162892),
    (M.Hinge, [[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]], 1.3, 1.1),
    (M.SquaredHinge, [[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]], 1.86, 1.46),
    (M.CategoricalHinge, [[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]], 1.4000001, 1.2),
    (M.CategoricalCrossentropy, [[0, 1, 0], [0, 0, 1]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]],
     1.1769392, 1.6271976),
    (M.SparseCategoricalCrossentropy, [1, 2], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]],
     1.1769392, 1.6271976),
])
def test_probabilistic_doc_examples(cls, yt, yp, unweighted, weighted):
    m = cls()
    m.update_state(yt, yp)
    close(m.result(), unweighted, 1e-5)
    m.reset_state()
    sw = [1, 0] if cls not in (M.CategoricalCrossentropy, M.SparseCategoricalCrossentropy) \
        else [0.3, 0.7]
    m.update_state(yt, yp, sample_weight=sw)
    close(m.result(), weighted, 1e-5)


def test_crossentropy_from_logits_and_smoothing(rng):
    logits = rng.normal(size=(6, 4))
    labels = rng.integers(0, 4, size=6)
    onehot = np.eye(4)[labels]
    logp = logits - np.log(np.sum(np.exp(logits), -1, keepdims=True))
    expect = -np.mean(logp[np.arange(6), labels])
    m = M.SparseCategoricalCrossentropy(from_logits=True)
    m.update_state(labels, logits)
    close(m.result(), expect, 1e-5)
    c = M.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1)
    c.update_state(onehot, logits)
    smooth = onehot * 0.9 + 0.1 / 4
    close(c.result(), np.mean(-np.sum(smooth * logp, -1)), 1e-5)
    b = M.BinaryCrossentropy(from_logits=True, label_smoothing=0.2)
    yb = rng.integers(0, 2, size=(6, 4)).astype(float)
    b.update_state(yb, logits)
    z = yb * 0.8 + 0.1
    p = 1 / (1 + np.exp(-logits))
    close(b.result(), np.mean(-(z * np.log(p) + (1 - z) * np.log(1 - p))), 1e-5)
    assert b.get_config() == {"name": "binary_crossentropy", "dtype": "float32",
                              "from_logits": True, "label_smoothing": 0.2}
    assert c.get_config() == {"name": "categorical_crossentropy", "dtype": "float32",
                              "from_logits": True, "label_smoothing": 0.1, "axis": -1}
    assert m.get_config() == {"name": "sparse_categorical_crossentropy", "dtype": "float32",
                              "from_logits": True, "axis": -1}


def test_crossentropy_errors():
    with pytest.raises(ValueError, match="SparseCategoricalCrossentropy"):
        M.CategoricalCrossentropy().update_state([1, 2], [[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]])
    with pytest.raises(ValueError, match=r"labels must be in \[0, 3\)"):
        M.SparseCategoricalCrossentropy().update_state([1, 3], [[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]])


# -- confusion counts, precision, recall ----------------------------------------------------
@pytest.mark.parametrize("cls,yt,yp,unweighted", [
    (M.TruePositives, [0, 1, 1, 1], [1, 0, 1, 1], 2.0),
    (M.FalsePositives, [0, 1, 0, 0], [0, 0, 1, 1], 2.0),
    (M.TrueNegatives, [0, 1, 0, 0], [1, 1, 0, 0], 2.0),
    (M.FalseNegatives, [0, 1, 1, 1], [0, 1, 0, 0], 2.0),
])
def test_confusion_counts_doc(cls, yt, yp, unweighted):
    m = cls()
    m.update_state(yt, yp)
    close(m.result(), unweighted)
    m.reset_state()
    m.update_state(yt, yp, sample_weight=[0, 0, 1, 0])
    close(m.result(), 1.0)
    assert set(m.get_config()) == {"name", "dtype", "thresholds"}


def test_confusion_counts_thresholds_numpy(rng):
    yt = rng.integers(0, 2, size=(40, 3))
    yp = rng.uniform(size=(40, 3)).astype("float32")
    w = rng.uniform(size=40)
    thr = [0.7, 0.1, 0.5]  # unsorted on purpose
    pred = yp[None] > np.array(thr, dtype="float32")[:, None, None]
    pos = yt[None] == 1
    W = w[None, :, None]
    expect = {
        M.TruePositives: np.sum(W * (pred & pos), (1, 2)),
        M.FalsePositives: np.sum(W * (pred & ~pos), (1, 2)),
        M.TrueNegatives: np.sum(W * (~pred & ~pos), (1, 2)),
        M.FalseNegatives: np.sum(W * (~pred & pos), (1, 2)),
    }
    for cls, e in expect.items():
        m = cls(thresholds=thr)
        m.update_state(yt[:20], yp[:20], sample_weight=w[:20])
        m.update_state(yt[20:], yp[20:], sample_weight=w[20:])
        close(m.result(), e, 1e-5)
    with pytest.raises(ValueError, match=r"must be in \[0, 1\]"):
        M.TruePositives(thresholds=[0.5, 1.5])


def test_precision_recall_doc():
    p = M.Precision()
    p.update_state([0, 1, 1, 1], [1, 0, 1, 1])
    close(p.result(), 0.6666667)
    p.reset_state()
    p.update_state([0, 1, 1, 1], [1, 0, 1, 1], sample_weight=[0, 0, 1, 0])
    close(p.result(), 1.0)
    p = M.Precision(top_k=2)
    p.update_state([0, 0, 1, 1], [1, 1, 1, 1])
    close(p.result(), 0.0)
    p = M.Precision(top_k=4)
    p.update_state([0, 0, 1, 1], [1, 1, 1, 1])
    close(p.result(), 0.5)
    r = M.Recall()
    r.update_state([0, 1, 1, 1], [1, 0, 1, 1])
    close(r.result(), 0.6666667)
    r.reset_state()
    r.update_state([0, 1, 1, 1], [1, 0, 1, 1], sample_weight=[0, 0, 1, 0])
    close(r.result(), 1.0)
    assert p.get_config() == {"name": p.name, "dtype": "float32", "thresholds": None,
                              "top_k": 4, "class_id": None}


def test_precision_recall_class_id_top_k_numpy(rng):
    yt = (rng.uniform(size=(30, 4)) > 0.5).astype(float)
    yp = rng.uniform(size=(30, 4)).astype("float32")
    p = M.Precision(class_id=2, thresholds=[0.3, 0.6])
    r = M.Recall(class_id=2, thresholds=[0.3, 0.6])
    for m in (p, r):
        m.update_state(yt[:10], yp[:10])
        m.update_state(yt[10:], yp[10:])
    c_t, c_p = yt[:, 2] == 1, yp[:, 2]
    for i, t in enumerate((0.3, 0.6)):
        tp = np.sum((c_p > t) & c_t)
        close(val(p.result())[i], tp / np.sum(c_p > t), 1e-6)
        close(val(r.result())[i], tp / np.sum(c_t), 1e-6)
    # top_k=1: the highest score of each row is the only positive prediction
    pk = M.Precision(top_k=1)
    rk = M.Recall(top_k=1)
    pk.update_state(yt, yp)
    rk.update_state(yt, yp)
    top = np.zeros_like(yt, dtype=bool)
    top[np.arange(30), np.argmax(yp, 1)] = True
    tp = np.sum(top & (yt == 1))
    close(pk.result(), tp / 30.0, 1e-6)
    close(rk.result(), tp / np.sum(yt), 1e-6)
    with pytest.raises(ValueError, match="class_id"):
        M.Precision(class_id=1).update_state([0, 1], [0.2, 0.9])


def test_precision_shape_error_names_shapes():
    with pytest.raises(ValueError, match=r"y_true.shape=\(3,\), y_pred.shape=\(2,\)"):
        M.Precision().update_state([0, 1, 1], [0.2, 0.9])


# -- AUC -----------------------------------------------------------------------------------
def exact_roc_auc(y, s, w=None):
    w = np.ones_like(s) if w is None else w
    pos, neg = y == 1, y == 0
    greater = s[pos][:, None] > s[neg][None, :]
    return np.sum(w[pos][:, None] * w[neg][None, :] * greater) / (np.sum(w[pos]) * np.sum(w[neg]))


def exact_pr_auc(y, s):
    """Area under the PR curve through every operating point, Davis-Goadrich interpolated:
    between consecutive points, TP grows by one with FP fixed, so precision is
    (tp + x) / (tp + fp + x) for x in [0, 1]; integrated numerically here."""
    order = np.argsort(-s)
    ys = y[order]
    P = ys.sum()
    x = np.linspace(0.0, 1.0, 4001)
    area, tp, fp = 0.0, 0.0, 0.0
    for lab in ys:
        if lab == 1:
            f = (tp + x) / np.maximum(tp + fp + x, 1e-300)
            f[0] = 1.0 if tp + fp == 0 else f[0]
            area += np.sum((f[1:] + f[:-1]) / 2) * (x[1] - x[0]) / P
            tp += 1
        else:
            fp += 1
    return area


def test_auc_doc():
    m = M.AUC(num_thresholds=3)
    m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
    close(m.result(), 0.75)
    close(m.true_positives, [2, 1, 0])
    close(m.false_positives, [2, 0, 0])
    close(m.false_negatives, [0, 1, 2])
    close(m.true_negatives, [0, 2, 2])
    m.reset_state()
    m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9], sample_weight=[1, 0, 0, 1])
    close(m.result(), 1.0)


def _auc_data(rng, n=600):
    s = rng.uniform(size=n)
    y = (rng.uniform(size=n) < s ** 1.5).astype(float)  # informative, no ties
    assert len(np.unique(s)) == n
    return y, s


def test_auc_roc_default_thresholds_vs_exact(rng):
    y, s = _auc_data(rng)
    m = M.AUC()
    for i in range(0, 600, 100):
        m.update_state(y[i:i + 100], s[i:i + 100])
    exact = exact_roc_auc(y, s)
    assert 0.6 < exact < 0.95
    close(m.result(), exact, 1e-3)  # 200 thresholds: bucket-interpolation error only
    w = rng.uniform(size=600)
    mw = M.AUC()
    mw.update_state(y, s, sample_weight=w)
    close(mw.result(), exact_roc_auc(y, s, w), 1e-3)


def test_auc_exact_with_thresholds_between_points(rng):
    y, s = _auc_data(rng, 80)
    s = s.astype("float32").astype(np.float64)
    u = np.sort(s)
    mids = list((u[1:] + u[:-1]) / 2)
    roc = M.AUC(thresholds=mids)
    roc.update_state(y, s)
    close(roc.result(), exact_roc_auc(y, s), 1e-5)
    pr = M.AUC(thresholds=mids, curve="PR")
    pr.update_state(y, s)
    close(pr.result(), exact_pr_auc(y, s), 1e-4)
    cfg = roc.get_config()
    assert len(cfg["thresholds"]) == 79 and cfg["num_thresholds"] == 81


def test_auc_pr_default_thresholds_vs_exact(rng):
    y, s = _auc_data(rng)
    m = M.AUC(curve="PR")
    m.update_state(y, s)
    close(m.result(), exact_pr_auc(y, s), 2e-3)


def test_auc_summation_methods_bracket_interpolation(rng):
    y, s = _auc_data(rng)
    vals = {}
    for method in ("minoring", "interpolation", "majoring"):
        m = M.AUC(summation_method=method)
        m.update_state(y, s)
        vals[method] = float(val(m.result()))
    assert vals["minoring"] <= vals["interpolation"] <= vals["majoring"]
    assert vals["majoring"] - vals["minoring"] < 0.05


def test_auc_multi_label_and_from_logits(rng):
    y1, s1 = _auc_data(rng, 300)
    y2, s2 = _auc_data(rng, 300)
    y2 = 1 - y2
    Y, S = np.stack([y1, y2], 1), np.stack([s1, s2], 1)
    m = M.AUC(multi_label=True)
    assert m.variables == []
    m.update_state(Y, S)
    assert m.true_positives.shape == (200, 2)
    per = [exact_roc_auc(y1, s1), exact_roc_auc(y2, s2)]
    close(m.result(), np.mean(per), 5e-3)
    mw = M.AUC(multi_label=True, num_labels=2, label_weights=[3.0, 1.0])
    mw.update_state(Y, S)
    close(mw.result(), (3 * per[0] + per[1]) / 4, 5e-3)
    flat = M.AUC()
    flat.update_state(Y, S)
    close(flat.result(), exact_roc_auc(Y.ravel(), S.ravel()), 5e-3)
    logits = np.log(s1 / (1 - s1))
    ml = M.AUC(from_logits=True)
    ml.update_state(y1, logits)
    close(ml.result(), exact_roc_auc(y1, s1), 5e-3)


def test_auc_errors_and_config():
    with pytest.raises(ValueError, match="num_thresholds"):
        M.AUC(num_thresholds=1)
    with pytest.raises(ValueError, match="Invalid AUC curve value"):
        M.AUC(curve="XYZ")
    with pytest.raises(ValueError, match="summation method"):
        M.AUC(summation_method="trapezoid")
    with pytest.raises(ValueError, match="num_labels"):
        M.AUC(num_labels=3)
    with pytest.raises(ValueError, match="rank 2"):
        M.AUC(multi_label=True).update_state([1, 0], [0.3, 0.2])
    a = M.AUC(curve="PR", summation_method="majoring", name="prauc", label_weights=[1, 2],
              multi_label=True)
    cfg = a.get_config()
    assert set(cfg) == {"name", "dtype", "num_thresholds", "curve", "summation_method",
                        "multi_label", "num_labels", "label_weights", "from_logits"}
    assert cfg["curve"] == "PR" and cfg["summation_method"] == "majoring"
    b = M.AUC.from_config(json.loads(json.dumps(cfg)))
    assert b.get_config() == cfg


# -- F-scores ------------------------------------------------------------------------------
FY_T = np.array([[1, 1, 1], [1, 0, 0], [1, 1, 0]], np.int32)
FY_P = np.array([[0.2, 0.6, 0.7], [0.2, 0.6, 0.6], [0.6, 0.8, 0.0]], np.float32)


def test_f1_and_fbeta_doc():
    f1 = M.F1Score(threshold=0.5)
    f1.update_state(FY_T, FY_P)
    close(f1.result(), [0.5, 0.8, 0.6666667], 1e-5)
    fb = M.FBetaScore(beta=2.0, threshold=0.5)
    fb.update_state(FY_T, FY_P)
    close(fb.result(), [0.3846154, 0.90909094, 0.8333334], 1e-5)


def _np_fbeta(yt, pred, beta, w=None):
    w = np.ones(len(yt)) if w is None else w
    tp = np.sum(w[:, None] * pred * yt, 0)
    fp = np.sum(w[:, None] * pred * (1 - yt), 0)
    fn = np.sum(w[:, None] * (1 - pred) * yt, 0)
    return tp, fp, fn


def test_fbeta_averages_numpy(rng):
    yt = (rng.uniform(size=(25, 4)) > 0.5).astype(float)
    yp = rng.uniform(size=(25, 4)).astype("float32")
    w = rng.uniform(size=25)
    pred = (yp > 0.4).astype(float)
    tp, fp, fn = _np_fbeta(yt, pred, 1.5, w)
    b2 = 1.5 ** 2
    per = (1 + b2) * tp / ((1 + b2) * tp + b2 * fn + fp)
    support = np.sum(w[:, None] * yt, 0)
    micro_tp, micro_fp, micro_fn = tp.sum(), fp.sum(), fn.sum()
    expect = {None: per, "macro": per.mean(), "weighted": np.sum(per * support) / support.sum(),
              "micro": (1 + b2) * micro_tp / ((1 + b2) * micro_tp + b2 * micro_fn + micro_fp)}
    for average, e in expect.items():
        m = M.FBetaScore(average=average, beta=1.5, threshold=0.4)
        m.update_state(yt[:10], yp[:10], sample_weight=w[:10])
        m.update_state(yt[10:], yp[10:], sample_weight=w[10:])
        close(m.result(), e, 1e-5)


def test_f1_argmax_mode_and_errors():
    f = M.F1Score(average="micro")  # threshold None: the row's largest score is the prediction
    yt = np.array([[0, 1, 0], [1, 0, 0], [0, 0, 1]])
    yp = np.array([[0.1, 0.7, 0.2], [0.1, 0.8, 0.1], [0.0, 0.0, 0.0]])
    f.update_state(yt, yp)
    tp, fp, fn = 1, 1, 2
    close(f.result(), 2 * tp / (2 * tp + fp + fn), 1e-5)
    with pytest.raises(ValueError, match="average"):
        M.F1Score(average="samples")
    with pytest.raises(ValueError, match="beta"):
        M.FBetaScore(beta=2)
    with pytest.raises(ValueError, match="threshold"):
        M.F1Score(threshold=1.5)
    with pytest.raises(ValueError, match="2D inputs"):
        M.F1Score().update_state([1, 0], [0.3, 0.2])
    cfg = M.F1Score(average="macro", threshold=0.3).get_config()
    assert cfg == {"name": "f1_score", "dtype": "float32", "average": "macro", "threshold": 0.3}
    assert M.F1Score.from_config(cfg).get_config() == cfg
    fcfg = M.FBetaScore(beta=0.5).get_config()
    assert fcfg["beta"] == 0.5 and M.FBetaScore.from_config(fcfg).beta == 0.5


# -- get / serialize / deserialize ---------------------------------------------------------
@pytest.mark.parametrize("ident,cls", [
    ("mse", M.MeanSquaredError), ("MAE", M.MeanAbsoluteError), ("mape", M.MeanAbsolutePercentageError),
    ("msle", M.MeanSquaredLogarithmicError), ("bce", M.BinaryCrossentropy),
    ("binary_accuracy", M.BinaryAccuracy), ("sparse_categorical_accuracy", M.SparseCategoricalAccuracy),
    ("auc", M.AUC), ("AUC", M.AUC), ("precision", M.Precision), ("recall", M.Recall),
    ("top_k_categorical_accuracy", M.TopKCategoricalAccuracy), ("kl_divergence", M.KLDivergence),
    ("f1_score", M.F1Score), ("RootMeanSquaredError", M.RootMeanSquaredError),
])
def test_get_strings(ident, cls):
    assert type(M.get(ident)) is cls


def test_get_other_identifiers():
    assert M.get(None) is None
    assert type(M.get(M.AUC)) is M.AUC
    inst = M.Recall()
    assert M.get(inst) is inst
    assert M.get(M.binary_accuracy) is M.binary_accuracy
    with pytest.raises(ValueError, match="Could not interpret metric identifier: 'acc'"):
        M.get("acc")
    with pytest.raises(ValueError, match="Could not interpret metric identifier"):
        M.get("nonsense_metric")
    with pytest.raises(ValueError, match="Could not interpret metric identifier"):
        M.get(3)


ROUNDTRIP = [
    lambda: M.Mean(name="m"), lambda: M.Sum(dtype="float64"), lambda: M.Accuracy(),
    lambda: M.BinaryAccuracy(threshold=0.3), lambda: M.CategoricalAccuracy(),
    lambda: M.SparseCategoricalAccuracy(), lambda: M.TopKCategoricalAccuracy(k=3),
    lambda: M.SparseTopKCategoricalAccuracy(k=2), lambda: M.Precision(thresholds=[0.2, 0.6]),
    lambda: M.Recall(top_k=2, class_id=1), lambda: M.TruePositives(thresholds=0.3),
    lambda: M.FalseNegatives(), lambda: M.AUC(thresholds=[0.25, 0.5, 0.75], curve="PR"),
    lambda: M.F1Score(average="weighted"), lambda: M.FBetaScore(beta=2.0, threshold=0.4),
    lambda: M.MeanSquaredError(), lambda: M.CosineSimilarity(), lambda: M.LogCoshError(),
    lambda: M.BinaryCrossentropy(from_logits=True, label_smoothing=0.1),
    lambda: M.CategoricalCrossentropy(axis=-1), lambda: M.SparseCategoricalCrossentropy(),
    lambda: M.KLDivergence(), lambda: M.Poisson(), lambda: M.Hinge(),
    lambda: M.SquaredHinge(), lambda: M.CategoricalHinge(),
]


@pytest.mark.parametrize("make", ROUNDTRIP)
def test_serialize_roundtrip(make):
    m = make()
    s = M.serialize(m)
    assert s["module"] == "keras.metrics" and s["class_name"] == type(m).__name__
    s = json.loads(json.dumps(s))
    m2 = M.deserialize(s)
    assert type(m2) is type(m)
    assert m2.get_config() == m.get_config()
    assert type(m).from_config(m.get_config()).get_config() == m.get_config()


def test_deserialize_via_keras_saving():
    m = keras.saving.deserialize_keras_object(M.serialize(M.AUC(num_thresholds=50)))
    assert isinstance(m, M.AUC) and m.num_thresholds == 50
    assert M.deserialize("binary_accuracy") is M.binary_accuracy


def test_metric_dtype_float64_state():
    m = M.Mean(dtype="float64")
    m.update_state([1e-10, 1.0])
    assert m.variables[0].dtype.name == "float64"
    assert val(m.result()).dtype == np.float64
    assert str(m.result().dtype) in ("float64", "<dtype: 'float64'>")


def test_dtype_policy_config_and_tensor_inputs():
    m = M.Mean.from_config({"name": "m", "dtype": {"module": "keras", "class_name": "DTypePolicy",
                                                   "config": {"name": "float64"}}})
    assert m.dtype == "float64"
    p = M.Precision(thresholds=[0.3, 0.8])
    p.update_state(ts.constant([[0.0], [1.0], [1.0]]), ts.Variable([[0.5], [0.9], [0.2]]),
                   sample_weight=ts.constant([1.0, 2.0, 4.0]))
    close(p.true_positives, [2.0, 2.0])
    close(p.false_positives, [1.0, 0.0])
    close(p.result(), [2.0 / 3.0, 1.0])


def test_loss_function_aliases_are_lazy():
    with pytest.raises(AttributeError, match="no attribute 'not_a_metric'"):
        M.not_a_metric
    try:
        from tessera.keras import losses
    except ImportError:
        pytest.skip("keras.losses is not available yet")
    if not hasattr(losses, "mean_squared_error"):
        pytest.skip("keras.losses.mean_squared_error is not available yet")
    assert M.mean_squared_error is losses.mean_squared_error


def test_mean_scalar_fast_path_matches_array_path():
    """fit's loss tracker passes a scalar tensor and an int weight: the same state and
    result as the general path (values as arrays), NaN and the empty mean included."""
    rng = np.random.default_rng(0)
    fast, slow = keras.metrics.Mean(), keras.metrics.Mean()
    assert float(fast.result()) == 0.0
    for v, w in zip(rng.standard_normal(40) * 3, rng.integers(1, 200, 40)):
        fast.update_state(ts.constant(np.float32(v)), sample_weight=int(w))
        slow.update_state(np.array([v], np.float32), sample_weight=np.array([w]))
    assert fast.total.numpy() == slow.total.numpy()
    assert fast.count.numpy() == slow.count.numpy()
    assert float(fast.result()) == float(slow.result())
    fast.update_state(ts.constant(np.float32(np.nan)), sample_weight=3)
    assert np.isnan(float(fast.result()))

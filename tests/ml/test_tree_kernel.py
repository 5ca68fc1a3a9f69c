"""The decision tree / random forest kernel (``sparklite/ml/impl/tree.py``) against real Spark.

``golden/trees_golden.json`` holds trees PySpark 4.3 trained on the same data (see
``golden/generate_trees.py``): sparklite's trees must come out the same, line for line in
``toDebugString``. The data is split into two partitions, as ``local[2]`` splits it, so that even the
last digit of a regression leaf's mean is summed in Spark's order.
"""
from __future__ import annotations

import json
import os
import sys

import numpy as np
import pytest

from sparklite.ml.impl import tree as T
from sparklite.ml.impl.tree_splits import build_metadata, continuous_thresholds, features_per_node
from tests.ml.localdata import LocalData

GOLDEN_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden")
sys.path.insert(0, GOLDEN_DIR)
from generate_trees import categorical_data, split, weights_for  # noqa: E402

with open(os.path.join(GOLDEN_DIR, "trees_golden.json")) as f:
    GOLDEN = json.load(f)
PARAMS = {"maxDepth": "max_depth", "maxBins": "max_bins", "impurity": "impurity", "seed": "seed",
          "minInstancesPerNode": "min_instances_per_node", "minInfoGain": "min_info_gain",
          "minWeightFractionPerNode": "min_weight_fraction_per_node", "numTrees": "num_trees"}


def case_data(case):
    dataset = case["dataset"]
    if dataset.startswith("categorical:"):
        X, y = categorical_data(dataset.split(":")[1])
        return X[:240], X[240:], y[:240], y[240:]
    return split(dataset)


def train_case(case, num_partitions=2):
    Xtr, Xte, ytr, yte = case_data(case)
    classification = "Classifier" in case["estimator"]
    data = LocalData(Xtr, ytr, weights_for(case["weights"], len(ytr)), num_partitions=num_partitions)
    trees = T.train(data, algo="classification" if classification else "regression",
                    num_classes=int(max(ytr.max(), yte.max())) + 1 if classification else 0,
                    categorical={int(k): v for k, v in case.get("categorical", {}).items()},
                    **{PARAMS[k]: v for k, v in case["params"].items()})
    return trees, Xte, yte, data


SINGLE_TREES = sorted(k for k, v in GOLDEN.items() if k != "__meta__" and "Forest" not in v["estimator"])


@pytest.mark.parametrize("name", SINGLE_TREES)
def test_tree_is_sparks_tree(name):
    case = GOLDEN[name]
    (model,), Xte, yte, _ = train_case(case)
    assert T.debug_string_body(model) == case["debugString"]
    assert (model.num_nodes, model.depth) == (case["numNodes"], case["depth"])
    assert model.predict(Xte).tolist() == case["predictions"]
    np.testing.assert_allclose(T.feature_importances([model], Xte.shape[1]), case["featureImportances"],
                               rtol=0, atol=1e-12)
    if "probabilities" in case:
        np.testing.assert_allclose(model.probability(Xte[:20]), case["probabilities"], rtol=0, atol=1e-12)


# The reference table (streaming-ml-graph.md, 2.4): PySpark's test accuracy and numNodes.
REFERENCE = {  # dataset: (gini accuracy, numNodes, top feature, entropy accuracy, maxBins 256 accuracy)
    "iris": (1.0, 17, 2, 1.0, 1.0),
    "breast_cancer": (0.9737, 27, 27, 0.9561, 0.9649),
    "wine": (0.9167, 15, 6, 0.9167, 0.9722),
    "digits": (0.7333, 55, 42, 0.7861, 0.7333),
}


@pytest.mark.parametrize("dataset", sorted(REFERENCE))
def test_reference_accuracies(dataset):
    gini, num_nodes, top, entropy, bins256 = REFERENCE[dataset]
    Xtr, Xte, ytr, yte = split(dataset)
    k = int(ytr.max()) + 1

    def fit(**params):
        (model,) = T.train(LocalData(Xtr, ytr), num_classes=k, **params)
        return model, round(float(np.mean(model.predict(Xte) == yte)), 4)

    model, accuracy = fit()
    assert (accuracy, model.num_nodes) == (gini, num_nodes)
    assert np.argmax(T.feature_importances([model], Xtr.shape[1])) == top
    assert fit(impurity="entropy")[1] == entropy
    assert fit(max_bins=256)[1] == bins256


def test_one_pass_per_level_and_empty_partitions():
    case = GOLDEN["iris_gini"]
    Xtr, _, ytr, _ = case_data(case)
    data = LocalData(Xtr, ytr, num_partitions=200)                   # 120 rows: 80 partitions empty
    levels = []
    (model,) = T.train(data, num_classes=3, callback=lambda depth, nodes: levels.append((depth, nodes)))
    assert T.debug_string_body(model) == case["debugString"]
    assert data.jobs == ["DecisionTree metadata", "DecisionTree find splits", "DecisionTree bin points"] + [
        f"DecisionTree level {d}" for d in range(5)]
    assert levels == [(0, 1), (1, 1), (2, 2), (3, 3), (4, 1)]     # (depth, frontier nodes)


def test_integer_weights_act_as_repeated_rows():
    Xtr, Xte, ytr, _ = split("wine")
    w = 1.0 + np.arange(len(ytr)) % 3
    (weighted,) = T.train(LocalData(Xtr, ytr, w), num_classes=3)
    (repeated,) = T.train(LocalData(np.repeat(Xtr, w.astype(int), axis=0), np.repeat(ytr, w.astype(int))),
                          num_classes=3)
    assert T.debug_string_body(weighted) == T.debug_string_body(repeated)
    np.testing.assert_allclose(weighted.raw_prediction(Xte), repeated.raw_prediction(Xte))
    assert weighted.raw_count[0] == len(ytr) and repeated.raw_count[0] == w.sum()


def test_stopping_rules_make_leaves():
    Xtr, _, ytr, _ = split("iris")
    (stump,) = T.train(LocalData(Xtr, ytr), num_classes=3, min_info_gain=0.7)
    assert stump.num_nodes == 1 and stump.prediction[0] == np.argmax(np.bincount(ytr.astype(int)))
    assert stump.impurity[0] == -1.0       # its best split was invalid: Spark reports impurity -1
    (split_once,) = T.train(LocalData(Xtr, ytr), num_classes=3, min_instances_per_node=50)
    assert split_once.num_nodes == 3 and split_once.raw_count[1:].min() >= 50
    (root_only,) = T.train(LocalData(Xtr, ytr), num_classes=3, max_depth=0)
    assert root_only.num_nodes == 1 and root_only.depth == 0
    (shallow,) = T.train(LocalData(Xtr, ytr), num_classes=3, min_weight_fraction_per_node=0.4)
    assert shallow.depth == 1


def test_pure_data_is_one_leaf_and_sibling_leaves_merge():
    X = np.arange(20.0).reshape(-1, 1)
    (pure,) = T.train(LocalData(X, np.ones(20)), num_classes=2)
    assert pure.num_nodes == 1 and pure.prediction[0] == 1.0 and pure.impurity[0] == 0.0
    # 0..9 mostly class 0 and 10..19 all class 1: the splits inside 0..9 predict 0 on both sides
    y = (X[:, 0] >= 10).astype(float)
    y[[2, 5]] = 1.0
    (model,) = T.train(LocalData(X, y), num_classes=2, max_depth=2)
    assert model.predict(X).tolist() == [0.0] * 10 + [1.0] * 10
    assert model.num_nodes == 3


def test_categorical_features():
    X, y = categorical_data("multiclass")
    metadata = build_metadata(5, 300, 300.0, num_classes=3, categorical={1: 3, 2: 5, 4: 10}, impurity="gini",
                              max_depth=5, max_bins=32, min_instances_per_node=1, min_weight_fraction_per_node=0,
                              min_info_gain=0, num_trees=1, feature_subset_strategy="auto")
    assert metadata.unordered == {1, 2} and metadata.num_bins[[1, 2, 4]].tolist() == [3, 15, 10]
    with pytest.raises(ValueError, match=r"maxBins \(= 8\) to be at least as large as the number of values in "
                                         r"each categorical feature, but categorical feature 4 has 10 values"):
        T.train(LocalData(X, y), num_classes=3, categorical={4: 10}, max_bins=8)
    with pytest.raises(ValueError, match=r"Feature 1 is categorical with values in \{0,...,1\}, but a data "
                                         r"point gives it value 2.0"):
        T.train(LocalData(X, y), num_classes=3, categorical={1: 2})
    # a category outside 0..arity-1 is in neither stored set: Spark keeps the smaller side of the split
    # and sends what it does not contain to the other side
    column = X[:, [1]]
    (small_left,) = T.train(LocalData(column, (column[:, 0] != 1).astype(float)), num_classes=2, categorical={0: 3})
    assert small_left.left_categories[0].tolist() == [1.0]
    assert small_left.predict(np.array([[1.0], [0.0], [7.0]])).tolist() == [0.0, 1.0, 1.0]
    (large_left,) = T.train(LocalData(column, (column[:, 0] == 2).astype(float)), num_classes=2, categorical={0: 3})
    assert large_left.left_categories[0].tolist() == [0.0, 1.0]
    assert large_left.predict(np.array([[2.0], [0.0], [7.0]])).tolist() == [1.0, 0.0, 0.0]


def test_regression_tree_predicts_leaf_means():
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 10, size=(500, 2))
    y = np.where(X[:, 0] < 5, 1.0, 3.0) + 0.01 * X[:, 1]
    (model,) = T.train(LocalData(X, y), algo="regression", max_depth=1)
    leaves = model.leaf_index(X)
    for leaf in np.unique(leaves):
        assert model.prediction[leaf] == pytest.approx(y[leaves == leaf].mean(), rel=1e-12)
        assert model.impurity[leaf] == pytest.approx(y[leaves == leaf].var(), rel=1e-9)
    assert model.feature[0] == 0 and 4.9 < model.threshold[0] < 5.1


def test_many_rows_sample_the_thresholds():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(30000, 3))
    y = (X[:, 0] > 0.3).astype(float)
    data = LocalData(X, y, num_partitions=4)
    (model,) = T.train(data, num_classes=2, max_depth=2, seed=5)
    assert model.feature[0] == 0 and abs(model.threshold[0] - 0.3) < 0.05
    assert np.mean(model.predict(X) == y) > 0.99


def test_continuous_thresholds_follow_spark():
    metadata = build_metadata(1, 10, 10.0, num_classes=2, categorical={}, impurity="gini", max_depth=5,
                              max_bins=3, min_instances_per_node=1, min_weight_fraction_per_node=0,
                              min_info_gain=0, num_trees=1, feature_subset_strategy="auto")
    values = np.arange(1.0, 11.0)
    assert continuous_thresholds(values, np.ones(10), 10, metadata, 0).tolist() == [3.5, 7.5]
    # zeros are not tallied: the weight the sample misses comes back as the value 0
    metadata = build_metadata(1, 4, 4.0, num_classes=2, categorical={}, impurity="gini", max_depth=5,
                              max_bins=32, min_instances_per_node=1, min_weight_fraction_per_node=0,
                              min_info_gain=0, num_trees=1, feature_subset_strategy="auto")
    assert continuous_thresholds(np.array([1.0, 2.0]), np.ones(2), 2, metadata, 0).tolist() == [0.5, 1.5]


def test_bad_labels_and_parameters_are_refused():
    X = np.zeros((4, 2))
    with pytest.raises(ValueError, match=r"Labels MUST be in \[0, 2\), but got 2.0"):
        T.train(LocalData(X, np.array([0, 1, 2, 0.0])), num_classes=2)
    with pytest.raises(ValueError, match="Weights MUST be non-negative"):
        T.train(LocalData(X, np.zeros(4), np.array([1, -1, 1, 1.0])), num_classes=2)
    with pytest.raises(ValueError, match="only supports maxDepth <= 30"):
        T.train(LocalData(X, np.zeros(4)), num_classes=2, max_depth=31)
    with pytest.raises(ValueError, match="requires size of input RDD > 0"):
        T.train(LocalData(np.zeros((0, 2))), num_classes=2)
    with pytest.raises(ValueError, match="impurity 'variance' is not supported for classification"):
        T.train(LocalData(X, np.zeros(4)), num_classes=2, impurity="variance")


def test_feature_subset_strategies():
    assert features_per_node("auto", 64, 1, True) == 64
    assert features_per_node("auto", 64, 20, True) == 8
    assert features_per_node("auto", 10, 20, False) == 4
    assert [features_per_node(s, 64, 20, True) for s in ("all", "sqrt", "log2", "onethird", "5", "0.25")] == [
        64, 8, 6, 22, 5, 16]
    with pytest.raises(ValueError, match=r"Supported values: auto, all, onethird, sqrt, log2, \(0.0-1.0\], \[1-n\]"):
        features_per_node("half", 64, 20, True)


def test_forest_beats_one_tree_on_digits():
    Xtr, Xte, ytr, yte = split("digits")
    data = LocalData(Xtr, ytr)
    trees = T.train(data, num_classes=10, num_trees=20, seed=1)
    assert len(trees) == 20 and data.jobs[-1] == "RandomForest level 4"
    prediction, raw, probability = T.forest_predict(trees, Xte)
    accuracy = np.mean(prediction == yte)
    assert accuracy > 0.88 and accuracy > GOLDEN["digits_gini"]["test_accuracy"] + 0.1
    assert GOLDEN["digits_forest20"]["test_accuracy"] - 0.04 < accuracy
    np.testing.assert_allclose(raw.sum(axis=1), 20.0)
    np.testing.assert_allclose(probability.sum(axis=1), 1.0)
    importances = T.feature_importances(trees, 64)
    assert importances.sum() == pytest.approx(1.0) and (importances >= 0).all()


def test_forest_options():
    Xtr, _, ytr, _ = split("iris")
    unbagged = T.train(LocalData(Xtr, ytr), num_classes=3, num_trees=3, bootstrap=False,
                       feature_subset_strategy="all")
    assert len({T.debug_string_body(t) for t in unbagged}) == 1          # nothing random left
    half = T.train(LocalData(Xtr, ytr), num_classes=3, num_trees=4, bootstrap=False, subsampling_rate=0.5,
                   feature_subset_strategy="all")
    assert all(40 < t.raw_count[0] < 80 for t in half)
    bagged = T.train(LocalData(Xtr, ytr), num_classes=3, num_trees=4, feature_subset_strategy="all")
    assert len({int(t.raw_count[0]) for t in bagged}) > 1
    # bagging and feature subsets are seeded: the same seed grows the same forest
    forests = [T.train(LocalData(Xtr, ytr), num_classes=3, num_trees=5, seed=seed) for seed in (3, 3, 4)]
    bodies = [[T.debug_string_body(t) for t in forest] for forest in forests]
    assert bodies[0] == bodies[1] != bodies[2]
    regression = T.train(LocalData(Xtr, Xtr[:, 3]), algo="regression", num_trees=5)
    prediction, raw, probability = T.forest_predict(regression, Xtr)
    assert raw is None and np.mean(np.abs(prediction - Xtr[:, 3])) < 0.2


def test_java_double_formatting():
    cases = {2.45: "2.45", 100.0: "100.0", 0.001: "0.001", 1e-4: "1.0E-4", 0.00012: "1.2E-4",
             12345678.0: "1.2345678E7", 1e7: "1.0E7", 9999999.5: "9999999.5", -0.5: "-0.5",
             32.239999999999995: "32.239999999999995", 0.0: "0.0"}
    assert {v: T.java_double(v) for v in cases} == cases

"""``sparklite.mllib``, the RDD-based API, against PySpark 4.3's answers on the same rows
(``golden/mllib_golden.json``, written by ``golden/generate_mllib.py``): models, predictions,
statistics, LIBSVM files, persistence and the errors of bad input."""
from __future__ import annotations

import json
import pathlib

import numpy as np
import pytest

from sparklite.core.errors import SparkJobError
from sparklite.mllib.classification import (LogisticRegressionModel, LogisticRegressionWithLBFGS, NaiveBayes,
                                            NaiveBayesModel)
from sparklite.mllib.clustering import KMeans, KMeansModel
from sparklite.mllib.linalg import Vectors
from sparklite.mllib.regression import LabeledPoint
from sparklite.mllib.stat import Statistics
from sparklite.mllib.tree import DecisionTree, DecisionTreeModel
from sparklite.mllib.util import MLUtils
from sparklite.sql.errors import IllegalArgumentException, SparkError

GOLDEN = json.loads((pathlib.Path(__file__).parent / "golden" / "mllib_golden.json").read_text())
DATA = GOLDEN["data"]


@pytest.fixture(scope="module")
def sc(spark):
    return spark.sparkContext


def points(sc, features, labels, slices=2):
    return sc.parallelize([LabeledPoint(label, row) for row, label in zip(features, labels)], slices)


def vectors(sc, rows, slices=2):
    return sc.parallelize([Vectors.dense(row) for row in rows], slices)


def test_labeled_point_prints_as_pyspark():
    point = LabeledPoint(1, [1.0, 0.0, 3.5])
    assert (str(point), repr(point)) == (GOLDEN["labeled_point"]["str"], GOLDEN["labeled_point"]["repr"])


@pytest.mark.parametrize("case", sorted(GOLDEN["logistic"]))
def test_logistic_regression_matches_pyspark(sc, case):
    expected = GOLDEN["logistic"][case]
    labels = DATA["multi"] if case.startswith("multi") else DATA["binary"]
    model = LogisticRegressionWithLBFGS.train(points(sc, DATA["X"], labels), **expected["params"])
    np.testing.assert_allclose(model.weights.toArray(), expected["weights"], rtol=1e-9, atol=1e-12)
    assert model.intercept == pytest.approx(expected["intercept"], abs=1e-12)
    assert (model.numFeatures, model.numClasses) == (expected["numFeatures"], expected["numClasses"])
    probe = DATA["X"][:10]
    predictions = [model.predict(row) for row in probe]
    assert predictions == expected["predictions"] and all(type(p) is int for p in predictions)
    assert model.predict(vectors(sc, probe)).collect() == expected["rdd_predictions"]
    assert repr(model).split(", threshold")[0].rsplit("numFeatures", 1)[1] == \
        expected["repr"].split(", threshold")[0].rsplit("numFeatures", 1)[1]
    model.clearThreshold()
    np.testing.assert_allclose([model.predict(row) for row in probe], expected["cleared"], rtol=1e-9)


def test_logistic_regression_refuses_bad_labels_and_reg_types(sc):
    X = DATA["X"][:20]
    expected = {name: message.split(": ", 1)[1] for name, message in GOLDEN["logistic_errors"].items()}
    with pytest.raises(SparkError) as error:
        LogisticRegressionWithLBFGS.train(points(sc, X, [0.0] * 10 + [2.0] * 10))
    assert str(error.value) == expected["binary_label_2"]
    with pytest.raises(SparkError) as error:
        LogisticRegressionWithLBFGS.train(points(sc, X, [0.0] * 10 + [3.0] * 10), numClasses=3)
    assert str(error.value) == expected["multi_label_3"]
    with pytest.raises(IllegalArgumentException) as error:
        LogisticRegressionWithLBFGS.train(points(sc, X, [0.0] * 20), regType="l3")
    assert str(error.value) == expected["bad_regtype"]


@pytest.mark.parametrize("smoothing", ["1.0", "0.5"])
def test_naive_bayes_matches_pyspark(sc, smoothing):
    expected = GOLDEN["naive_bayes"][smoothing]
    model = NaiveBayes.train(points(sc, DATA["counts"], DATA["nb_labels"]), float(smoothing))
    assert model.labels.tolist() == expected["labels"]
    np.testing.assert_allclose(model.pi, expected["pi"], rtol=1e-12)
    np.testing.assert_allclose(model.theta, expected["theta"], rtol=1e-12)
    assert [float(model.predict(row)) for row in DATA["counts"][:10]] == expected["predictions"]


def test_naive_bayes_refuses_negative_features(sc):
    with pytest.raises(SparkJobError, match=r"Vector values MUST NOT be Negative, NaN or Infinity, "
                                                       r"but got \[1.0,-1.0\]"):
        NaiveBayes.train(points(sc, [[1.0, -1.0]], [0.0]))


@pytest.mark.parametrize("case", ["classifier", "classifier_entropy", "regressor"])
def test_decision_tree_matches_pyspark(sc, case):
    expected = GOLDEN["trees"][case]
    params = dict(expected["params"])
    params["categoricalFeaturesInfo"] = dict(params["categoricalFeaturesInfo"])
    if case.startswith("classifier"):
        model = DecisionTree.trainClassifier(points(sc, DATA["categorical"], DATA["tree_class"]), **params)
    else:
        model = DecisionTree.trainRegressor(points(sc, DATA["categorical"], DATA["tree_value"]), **params)
    assert (model.numNodes(), model.depth(), repr(model)) == (expected["numNodes"], expected["depth"],
                                                              expected["repr"])
    assert model.toDebugString() == expected["debug"]
    probe = DATA["categorical"][:15]
    assert [model.predict(row) for row in probe] == expected["predictions"]
    assert model.predict(vectors(sc, probe)).collect() == expected["rdd_predictions"]


def test_decision_tree_refuses_labels_out_of_range(sc):
    with pytest.raises(IllegalArgumentException) as error:
        DecisionTree.trainClassifier(points(sc, DATA["categorical"][:10], [0.0] * 5 + [3.0] * 5), 3, {})
    assert GOLDEN["trees"]["label_error"].endswith(str(error.value))


def test_kmeans_matches_pyspark(sc):
    expected = GOLDEN["kmeans"]
    blobs = vectors(sc, DATA["blobs"])
    model = KMeans.train(blobs, 3, seed=1)
    assert model.k == expected["k"]
    np.testing.assert_allclose(sorted(c.tolist() for c in model.clusterCenters), expected["centers"], rtol=1e-12)
    assert model.computeCost(blobs) == pytest.approx(expected["cost"], rel=1e-12)
    start = KMeansModel([[1.0, 1.0], [9.0, 9.0], [-9.0, 9.0]])
    fixed = KMeans.train(blobs, 3, maxIterations=2, initialModel=start)
    np.testing.assert_allclose(fixed.clusterCenters, expected["fixed_centers"], rtol=1e-12)
    assert fixed.predict(blobs).collect() == expected["fixed_predictions"]
    assert type(fixed.predict(Vectors.dense([0.0, 0.0]))) is int


def test_col_stats_and_pearson_correlation_match_pyspark(sc):
    expected = GOLDEN["stat"]
    rows = vectors(sc, DATA["stats"])
    summary = Statistics.colStats(rows)
    for name in ("mean", "variance", "numNonzeros", "max", "min", "normL1", "normL2"):
        np.testing.assert_allclose(getattr(summary, name)(), expected[name], rtol=1e-12, err_msg=name)
    assert summary.count() == expected["count"]
    np.testing.assert_allclose(Statistics.corr(rows), expected["pearson"], rtol=1e-12)
    columns = np.array(DATA["stats"])
    pair = Statistics.corr(sc.parallelize(columns[:, 0].tolist(), 2), sc.parallelize(columns[:, 2].tolist(), 2))
    assert pair == pytest.approx(expected["pair"], rel=1e-12)


def test_spearman_correlation_matches_pyspark(sc):
    np.testing.assert_allclose(Statistics.corr(vectors(sc, DATA["stats"]), method="spearman"),
                               GOLDEN["stat"]["spearman"], rtol=1e-12)


def test_libsvm_files_load_and_save_as_pyspark(sc, tmp_path):
    source = tmp_path / "sample.txt"
    source.write_text(GOLDEN["libsvm"]["text"])
    loaded = MLUtils.loadLibSVMFile(sc, str(source))
    assert [repr(p) for p in loaded.collect()] == GOLDEN["libsvm"]["points"]
    MLUtils.saveAsLibSVMFile(loaded.repartition(1), str(tmp_path / "saved"))
    written = "".join(p.read_text() for p in sorted((tmp_path / "saved").glob("part-*")))
    assert written == GOLDEN["libsvm"]["saved"]


def test_models_save_and_load(sc, tmp_path):
    X, probe = DATA["X"], [Vectors.dense(row) for row in DATA["X"][:10]]
    trained = {
        "lr": LogisticRegressionWithLBFGS.train(points(sc, X, DATA["multi"]), numClasses=3, intercept=True),
        "nb": NaiveBayes.train(points(sc, DATA["counts"], DATA["nb_labels"])),
        "tree": DecisionTree.trainRegressor(points(sc, X, DATA["multi"]), {}, maxDepth=2),
        "kmeans": KMeansModel([[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]]),
    }
    for name, model in trained.items():
        model.save(sc, str(tmp_path / name))
        loaded = type(model).load(sc, str(tmp_path / name))
        rows = [Vectors.dense(row) for row in DATA["counts"][:10]] if name == "nb" else probe
        assert [loaded.predict(v) for v in rows] == [model.predict(v) for v in rows], name
    assert isinstance(LogisticRegressionModel.load(sc, str(tmp_path / "lr")), LogisticRegressionModel)
    with pytest.raises(OSError, match="already exists"):
        trained["nb"].save(sc, str(tmp_path / "nb"))
    with pytest.raises(ValueError, match="Expected class name .*NaiveBayesModel but found class name "
                                         ".*DecisionTreeModel"):
        NaiveBayesModel.load(sc, str(tmp_path / "tree"))
    assert DecisionTreeModel.load(sc, str(tmp_path / "tree")).toDebugString() == trained["tree"].toDebugString()


def test_vectors_of_different_sizes_are_refused(sc):
    rows = sc.parallelize([LabeledPoint(0.0, [1.0]), LabeledPoint(1.0, [1.0, 2.0])], 2)
    with pytest.raises(ValueError, match="sizes 1 and 2"):
        NaiveBayes.train(rows)

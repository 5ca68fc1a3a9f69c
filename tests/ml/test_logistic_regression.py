"""LogisticRegression against scikit-learn under the exact mapping (C = 1 / (regParam n), features
standardized beforehand, ``standardization=False``) and against PySpark 4.3's reference runs
(streaming-ml-graph.md §2.4-2.5); its summary, persistence and errors."""
from __future__ import annotations

import numpy as np
import pytest

from sparklite.ml.classification import LogisticRegression, LogisticRegressionModel
from sparklite.ml.evaluation import BinaryClassificationEvaluator, MulticlassClassificationEvaluator
from sparklite.ml.linalg import Vectors
from sparklite.sql.errors import IllegalArgumentException
from tests.ml.datasets import NAMES, frame, frames, split

sklearn = pytest.importorskip("sklearn")


@pytest.mark.parametrize("name", NAMES)
def test_coefficients_equal_scikit_learns_under_the_exact_mapping(spark, name):
    from sklearn.linear_model import LogisticRegression as Reference
    X_train, _, y_train, _ = split(name, scaled=True)
    regularization = 0.01
    model = LogisticRegression(regParam=regularization, standardization=False, tol=1e-10, maxIter=500).fit(
        frame(spark, X_train, y_train))
    reference = Reference(C=1 / (regularization * len(y_train)), tol=1e-12, max_iter=100_000).fit(X_train, y_train)
    if model.numClasses == 2:
        coefficients, intercepts = model.coefficients.toArray()[None], np.array([model.intercept])
    else:
        coefficients, intercepts = model.coefficientMatrix.toArray(), model.interceptVector.toArray()
    assert np.abs(coefficients - reference.coef_).max() < 1e-5
    assert np.abs(intercepts - reference.intercept_).max() < 1e-5


# PySpark 4.3, default parameters, raw features: test accuracy and summary.totalIterations (§2.4)
SPARK_DEFAULTS = {"iris": (1.0, 59), "breast_cancer": (0.9561, 96), "digits": (0.9611, 33), "wine": (1.0, 30)}


@pytest.mark.parametrize("name", ["iris", "breast_cancer"])
def test_default_training_follows_pysparks_path(spark, name):
    train, test = frames(spark, name)
    model = LogisticRegression().fit(train)
    accuracy, iterations = SPARK_DEFAULTS[name]
    assert model.summary.totalIterations == iterations
    assert len(model.summary.objectiveHistory) == iterations + 1
    assert round(model.evaluate(test).accuracy, 4) == accuracy
    history = model.summary.objectiveHistory
    assert history[-1] < history[0]


def test_binary_summary_and_evaluators_agree_with_scikit_learn(spark):
    from sklearn.metrics import f1_score, roc_auc_score
    X_train, X_test, y_train, y_test = split("breast_cancer", scaled=True)
    model = LogisticRegression(regParam=0.01).fit(frame(spark, X_train, y_train))
    predictions = model.transform(frame(spark, X_test, y_test))
    rows = predictions.select("probability", "prediction").collect()
    probability = np.array([r.probability[1] for r in rows])
    assert BinaryClassificationEvaluator(numBins=0).evaluate(predictions) == pytest.approx(
        roc_auc_score(y_test, probability), abs=1e-12)
    f1 = MulticlassClassificationEvaluator().evaluate(predictions)
    assert f1 == pytest.approx(f1_score(y_test, [r.prediction for r in rows], average="weighted"), abs=1e-12)
    summary = model.summary
    train_probability = np.array([r.probability[1] for r in summary.predictions.select("probability").collect()])
    assert summary.areaUnderROC == pytest.approx(roc_auc_score(y_train, train_probability), abs=1e-12)
    roc = summary.roc.collect()
    assert (roc[0].FPR, roc[0].TPR, roc[-1].FPR, roc[-1].TPR) == (0.0, 0.0, 1.0, 1.0)
    assert summary.labels == [0.0, 1.0] and 0.95 < summary.accuracy <= 1.0
    assert model.predict(Vectors.dense(X_test[0])) == rows[0].prediction
    assert model.predictProbability(Vectors.dense(X_test[0]))[1] == pytest.approx(probability[0])


def test_threshold_moves_binary_predictions(spark):
    X_train, X_test, y_train, y_test = split("breast_cancer", scaled=True)
    train = frame(spark, X_train, y_train)
    model = LogisticRegression(regParam=0.1).fit(train)
    positives = model.transform(train).where("prediction = 1").count()
    model.setThreshold(0.99)
    assert model.transform(train).where("prediction = 1").count() < positives
    assert model.getThreshold() == 0.99


def test_a_model_saves_and_loads_with_the_same_predictions(spark, tmp_path):
    train, test = frames(spark, "iris")
    model = LogisticRegression(maxIter=20).fit(train)
    model.write().overwrite().save(str(tmp_path / "lr"))
    loaded = LogisticRegressionModel.load(str(tmp_path / "lr"))
    assert loaded.uid == model.uid and loaded.getMaxIter() == 20 and not loaded.hasSummary
    assert loaded.transform(test).collect() == model.transform(test).collect()


def test_bad_labels_and_families_raise_sparks_errors(spark):
    df = spark.createDataFrame([(0.0, Vectors.dense([1.0])), (2.5, Vectors.dense([2.0]))], ["label", "features"])
    with pytest.raises(IllegalArgumentException, match=r"labels should be in \[0 to 2\]"):
        LogisticRegression().fit(df)
    three = spark.createDataFrame([(float(i % 3), Vectors.dense([float(i)])) for i in range(6)], ["label", "features"])
    with pytest.raises(IllegalArgumentException, match="Binomial family only supports 1 or 2 outcome classes but found 3"):
        LogisticRegression(family="binomial").fit(three)
    with pytest.raises(IllegalArgumentException, match="parameter regParam given invalid value -1.0"):
        LogisticRegression(regParam=-1.0)
    with pytest.raises(IllegalArgumentException, match='LogisticRegression_\\w+: features column "x" does not exist'):
        LogisticRegression(featuresCol="x").fit(three)


def test_each_optimizer_pass_is_one_named_job(spark):
    from sparklite.core.api import SparkListener
    seen = []

    class Jobs(SparkListener):
        def onJobStart(self, event):
            seen.append(event.description)
    sc = spark.sparkContext
    listener = Jobs()
    sc.addSparkListener(listener)
    try:
        train, _ = frames(spark, "wine", scaled=True)
        model = LogisticRegression(maxIter=5).fit(train)
        from sparklite.core.api import wait_for_listeners
        wait_for_listeners(sc)
    finally:
        sc.removeSparkListener(listener)
    iterations = [d for d in seen if d and d.startswith("LogisticRegression iteration")]
    assert len(iterations) >= model.summary.totalIterations
    assert "LogisticRegression iteration 5" in iterations


def _golden() -> dict:
    import json
    import pathlib
    return json.loads((pathlib.Path(__file__).parent / "golden" / "logistic_golden.json").read_text())


@pytest.mark.parametrize("case", ["l2", "l1_0.05", "l1_0.01", "en", "l1_0.1"])
def test_regularized_training_takes_pysparks_iterations_to_pysparks_model(spark, case):
    """L-BFGS and OWL-QN on raw breast_cancer features: PySpark 4.3's path, step for step
    (tests/ml/golden/generate_logistic.py)."""
    from sklearn.datasets import load_breast_cancer
    expected = _golden()[case]
    regularization, mixing = {"l2": (0.01, 0.0), "l1_0.05": (0.05, 1.0), "l1_0.01": (0.01, 1.0), "en": (0.02, 0.5),
                              "l1_0.1": (0.1, 1.0)}[case]
    X, y = load_breast_cancer(return_X_y=True)
    model = LogisticRegression(regParam=regularization, elasticNetParam=mixing).fit(frame(spark, X, y))
    assert model.summary.totalIterations == expected["iters"]
    assert np.allclose(model.summary.objectiveHistory, expected["history"], rtol=1e-9, atol=0)
    assert np.allclose(model.coefficients.toArray(), expected["coef"], rtol=1e-6, atol=1e-8)
    assert model.intercept == pytest.approx(expected["intercept"], rel=1e-6)


def test_many_distinct_scores_are_binned_on_the_executors(spark):
    """Past 2 * numBins distinct scores the evaluator bins them as Spark does: the driver receives about
    numBins rows, and the area moves by little."""
    from sklearn.metrics import roc_auc_score
    from sparklite.ml.evaluation import binary_metrics
    rng = np.random.default_rng(0)
    score = rng.normal(size=20_000)
    label = (score + rng.normal(size=score.size) > 0).astype(float)
    df = spark.createDataFrame([(float(s), float(y)) for s, y in zip(score, label)], "score double, label double")
    binned = binary_metrics(df, "score", "label", num_bins=100)
    assert 100 <= len(binned.thresholds) < 150         # a partial group at most per sorted partition
    assert binned.areaUnderROC() == pytest.approx(roc_auc_score(label, score), abs=1e-3)
    assert BinaryClassificationEvaluator(rawPredictionCol="score", numBins=100).evaluate(df) == \
        pytest.approx(binned.areaUnderROC(), abs=1e-12)

"""ParamGridBuilder, CrossValidator and TrainValidationSplit against PySpark 4.3 on iris
(``golden/tuning_stat_golden.json``: the same rand-based folds, metrics and best model), with threads,
sub-models, user folds and persistence (with a Pipeline inside: SPARK-31497)."""
from __future__ import annotations

import json
import pathlib

import pytest

from sparklite.ml import Pipeline
from sparklite.ml.classification import LogisticRegression
from sparklite.ml.evaluation import BinaryClassificationEvaluator, MulticlassClassificationEvaluator
from sparklite.ml.tuning import (CrossValidator, CrossValidatorModel, ParamGridBuilder, TrainValidationSplit,
                                 TrainValidationSplitModel)
from sparklite.sql import functions as F
from sparklite.sql.errors import SparkRuntimeException
from tests.ml.datasets import frame

GOLDEN = json.loads(pathlib.Path(__file__).with_name("golden").joinpath("tuning_stat_golden.json").read_text())


@pytest.fixture(scope="module")
def iris(spark):
    from sklearn.datasets import load_iris
    X, y = load_iris(return_X_y=True)
    return frame(spark, X, y.astype(float))


def _accuracy():
    return MulticlassClassificationEvaluator(metricName="accuracy")


def test_param_grid_order_equals_pysparks():
    lr = LogisticRegression()
    grid = ParamGridBuilder().baseOn({lr.tol: 1e-6}).addGrid(lr.regParam, [0.1, 0.01]).addGrid(
        lr.maxIter, [5, 10]).build()
    assert [[[p.name, v] for p, v in m.items()] for m in grid] == GOLDEN["grid"]
    assert ParamGridBuilder().build() == [{}]
    assert ParamGridBuilder().baseOn((lr.maxIter, 3)).build() == [{lr.maxIter: 3}]
    with pytest.raises(TypeError, match="param must be an instance of Param"):
        ParamGridBuilder().addGrid("maxIter", [1])


def test_cross_validator_equals_pysparks(spark, iris):
    lr = LogisticRegression()
    grid = ParamGridBuilder().addGrid(lr.regParam, [1.0, 0.001]).build()
    cv = CrossValidator(estimator=lr, estimatorParamMaps=grid, evaluator=_accuracy(), numFolds=2, seed=11,
                        parallelism=2, collectSubModels=True)
    folds = cv._kFold(iris)
    golden = GOLDEN["cv"]
    assert [validation.count() for _, validation in folds] == golden["foldSizes"]
    model = cv.fit(iris)
    assert model.avgMetrics == pytest.approx(golden["avgMetrics"], abs=1e-9)
    assert model.stdMetrics == pytest.approx(golden["stdMetrics"], abs=1e-9)
    assert model.bestModel.getRegParam() == golden["bestRegParam"]
    assert _accuracy().evaluate(model.transform(iris)) == pytest.approx(golden["bestAccuracy"])
    assert len(model.subModels) == 2 and [m.getRegParam() for m in model.subModels[0]] == [1.0, 0.001]
    assert (model.getNumFolds(), model.getSeed(), model.getEstimator().uid) == (2, 11, lr.uid)


def test_train_validation_split_equals_pysparks(spark, iris):
    lr = LogisticRegression()
    grid = ParamGridBuilder().addGrid(lr.regParam, [1.0, 0.001]).build()
    model = TrainValidationSplit(estimator=lr, estimatorParamMaps=grid, evaluator=_accuracy(), seed=5).fit(iris)
    assert model.validationMetrics == pytest.approx(GOLDEN["tvs"]["validationMetrics"], abs=1e-9)
    assert model.bestModel.getRegParam() == GOLDEN["tvs"]["bestRegParam"]
    assert model.getTrainRatio() == 0.75 and model.subModels is None


def test_smaller_is_better_picks_the_minimum(spark, iris):
    lr = LogisticRegression(maxIter=5)
    grid = ParamGridBuilder().addGrid(lr.regParam, [1.0, 0.001]).build()
    evaluator = MulticlassClassificationEvaluator(metricName="hammingLoss")
    model = TrainValidationSplit(estimator=lr, estimatorParamMaps=grid, evaluator=evaluator, seed=5).fit(iris)
    assert model.validationMetrics[1] < model.validationMetrics[0]
    assert model.bestModel.getRegParam() == 0.001


def _binary(spark):
    rows = [(float(i % 2), float(i % 3)) for i in range(24)]
    df = spark.createDataFrame(rows, ["label", "fold"])
    from sparklite.ml.functions import array_to_vector
    return df.withColumn("features", array_to_vector(F.array(F.col("label") + F.col("fold") / 10.0)))


def test_fold_column(spark):
    df = _binary(spark)
    lr = LogisticRegression(maxIter=3)
    grid = ParamGridBuilder().addGrid(lr.regParam, [0.1]).build()
    cv = CrossValidator(estimator=lr, estimatorParamMaps=grid, evaluator=BinaryClassificationEvaluator(),
                        numFolds=3, foldCol="fold")
    assert [v.count() for _, v in cv._kFold(df)] == [8, 8, 8]
    assert cv.fit(df).avgMetrics == [1.0]
    with pytest.raises(SparkRuntimeException, match=r"USER_RAISED_EXCEPTION\] Fold number must be in range \[0, 2\), but got 2"):
        cv.copy({cv.numFolds: 2}).fit(df)
    with pytest.raises(ValueError, match="The validation data at fold 3 is empty."):
        cv.copy({cv.numFolds: 4}).fit(df.withColumn("fold", F.col("fold").cast("int")))


def test_cross_validator_with_a_pipeline_saves_and_loads(spark, iris, tmp_path):
    lr = LogisticRegression(maxIter=10)
    pipeline = Pipeline(stages=[lr])
    grid = ParamGridBuilder().addGrid(lr.regParam, [1.0, 0.01]).build()
    cv = CrossValidator(estimator=pipeline, estimatorParamMaps=grid, evaluator=_accuracy(), numFolds=2, seed=3,
                        collectSubModels=True)
    cv.save(str(tmp_path / "cv"))
    loaded_cv = CrossValidator.load(str(tmp_path / "cv"))
    assert loaded_cv.getEstimatorParamMaps()[1][loaded_cv.getEstimator().getStages()[0].regParam] == 0.01
    model = cv.fit(iris)
    model.save(str(tmp_path / "model"))
    loaded = CrossValidatorModel.load(str(tmp_path / "model"))
    assert (loaded.avgMetrics, loaded.stdMetrics, loaded.uid) == (model.avgMetrics, model.stdMetrics, model.uid)
    assert loaded.subModels[1][0].stages[0].getRegParam() == 1.0
    assert [r.prediction for r in loaded.transform(iris).collect()] == \
        [r.prediction for r in model.transform(iris).collect()]
    stage = loaded.getEstimator().getStages()[0]
    assert [m[stage.regParam] for m in loaded.getEstimatorParamMaps()] == [1.0, 0.01]
    assert loaded.getEvaluator().getMetricName() == "accuracy" and loaded.getSeed() == 3
    model.write().overwrite().option("persistSubModels", "false").save(str(tmp_path / "model"))
    assert CrossValidatorModel.load(str(tmp_path / "model")).subModels is None


def test_train_validation_split_model_saves_and_loads(spark, iris, tmp_path):
    lr = LogisticRegression(maxIter=5)
    grid = ParamGridBuilder().addGrid(lr.regParam, [1.0, 0.01]).build()
    model = TrainValidationSplit(estimator=lr, estimatorParamMaps=grid, evaluator=_accuracy(), seed=1).fit(iris)
    with pytest.raises(ValueError, match="persistSubModels to true if the tuning was done with collectSubModels"):
        model.write().option("persistSubModels", "true").save(str(tmp_path / "tvs"))
    model.save(str(tmp_path / "tvs"))
    loaded = TrainValidationSplitModel.load(str(tmp_path / "tvs"))
    assert loaded.validationMetrics == model.validationMetrics
    assert loaded.bestModel.coefficientMatrix.toArray().tolist() == model.bestModel.coefficientMatrix.toArray().tolist()


def test_saving_refuses_foreign_params(spark):
    lr, other = LogisticRegression(), LogisticRegression()
    cv = CrossValidator(estimator=lr, estimatorParamMaps=[{other.regParam: 0.1}], evaluator=_accuracy())
    with pytest.raises(ValueError, match="An extraneous Param was found"):
        cv.save("/tmp/never-written-cv")

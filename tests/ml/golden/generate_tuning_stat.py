"""Regenerate ``tuning_stat_golden.json``: PySpark 4.3's ParamGridBuilder order, CrossValidator and
TrainValidationSplit metrics on scikit-learn's iris (LogisticRegression, ``local[2]``, the data
created from a list as the tests create it), and Correlation, Summarizer and ChiSquareTest on small
data. Run once with PySpark installed (a JVM): ``python tests/ml/golden/generate_tuning_stat.py``.
Not a test dependency."""
import json
import math
import pathlib

import numpy as np
from pyspark.ml.classification import LogisticRegression
from pyspark.ml.evaluation import MulticlassClassificationEvaluator
from pyspark.ml.linalg import Vectors
from pyspark.ml.stat import ChiSquareTest, Correlation, Summarizer
from pyspark.ml.tuning import CrossValidator, ParamGridBuilder, TrainValidationSplit
from pyspark.sql import SparkSession
from sklearn.datasets import load_iris

METRICS = ["mean", "sum", "variance", "std", "count", "numNonZeros", "max", "min", "normL2", "normL1"]
CORRELATION_ROWS = [[1.0, 0.0, 0.0, -2.0], [4.0, 5.0, 0.0, 3.0], [6.0, 7.0, 0.0, 8.0], [9.0, 0.0, 0.0, 1.0],
                    [4.0, 2.0, 0.0, 3.0]]
SUMMARY_ROWS = [([1.0, 1.0, 1.0], 1.0), ({3: {1: 2.0}}, 2.0), ([0.0, -3.0, 4.0], 0.5), ([5.0, 0.0, -1.0], 0.0)]


def plain(value):
    if hasattr(value, "toArray"):
        value = value.toArray().tolist()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def vector(spec):
    if isinstance(spec, dict):
        (size, entries), = spec.items()
        return Vectors.sparse(size, entries)
    return Vectors.dense(spec)


def chi_square_data():
    rng = np.random.default_rng(3)
    label = rng.integers(0, 3, 60).astype(float)
    f0 = (label + rng.integers(0, 2, 60)) % 4
    f1 = rng.integers(0, 3, 60).astype(float) * 1.5
    f2 = np.where(rng.random(60) < 0.8, label, 5.0)
    return [[float(a), float(b), float(c), float(y)] for a, b, c, y in zip(f0, f1, f2, label)]


def tuning(spark, out):
    X, y = load_iris(return_X_y=True)
    iris = spark.createDataFrame([(float(t), Vectors.dense(row)) for row, t in zip(X, y)], ["label", "features"])
    lr = LogisticRegression()
    grid = ParamGridBuilder().baseOn({lr.tol: 1e-6}).addGrid(lr.regParam, [0.1, 0.01]).addGrid(
        lr.maxIter, [5, 10]).build()
    out["grid"] = [[[p.name, v] for p, v in m.items()] for m in grid]
    small = ParamGridBuilder().addGrid(lr.regParam, [1.0, 0.001]).build()
    evaluator = MulticlassClassificationEvaluator(metricName="accuracy")
    cv = CrossValidator(estimator=lr, estimatorParamMaps=small, evaluator=evaluator, numFolds=2, seed=11).fit(iris)
    folds = [iris.select("*", __import__("pyspark.sql.functions", fromlist=["rand"]).rand(11).alias("r"))
             .filter(f"r >= {i / 2} and r < {(i + 1) / 2}").count() for i in range(2)]
    out["cv"] = dict(avgMetrics=[float(v) for v in cv.avgMetrics], stdMetrics=[float(v) for v in cv.stdMetrics],
                     foldSizes=folds, bestRegParam=cv.bestModel.getRegParam(),
                     bestAccuracy=evaluator.evaluate(cv.transform(iris)))
    tvs = TrainValidationSplit(estimator=lr, estimatorParamMaps=small, evaluator=evaluator, seed=5).fit(iris)
    out["tvs"] = dict(validationMetrics=[float(v) for v in tvs.validationMetrics],
                      bestRegParam=tvs.bestModel.getRegParam())


def statistics(spark, out):
    corr_df = spark.createDataFrame([(Vectors.dense(r),) for r in CORRELATION_ROWS], ["features"])
    for method in ("pearson", "spearman"):
        result = Correlation.corr(corr_df, "features", method)
        out[method] = dict(columns=result.columns, matrix=plain(result.head()[0].toArray().tolist()))
    df = spark.createDataFrame([(vector(v), w) for v, w in SUMMARY_ROWS], ["features", "weight"])
    summarizer = Summarizer.metrics(*METRICS)
    weighted = df.select(summarizer.summary(df.features, df.weight))
    unweighted = df.select(summarizer.summary(df.features))
    out["summary"] = dict(
        weighted_column=weighted.columns[0], unweighted_column=unweighted.columns[0],
        fields=[f.name for f in weighted.schema[0].dataType.fields],
        types=[f.dataType.simpleString() for f in weighted.schema[0].dataType.fields],
        weighted={k: plain(v) for k, v in weighted.head()[0].asDict().items()},
        unweighted={k: plain(v) for k, v in unweighted.head()[0].asDict().items()})
    single = df.select(Summarizer.mean(df.features), Summarizer.count(df.features, df.weight))
    out["summary"]["single_columns"] = single.columns
    out["summary"]["single_types"] = [f.dataType.simpleString() for f in single.schema.fields]
    rows = chi_square_data()
    chi_df = spark.createDataFrame([(r[3], Vectors.dense(r[:3])) for r in rows], ["label", "features"])
    nested = ChiSquareTest.test(chi_df, "features", "label")
    first = nested.head()
    flat = ChiSquareTest.test(chi_df, "features", "label", flatten=True)
    out["chi_square"] = dict(
        rows=rows, columns=nested.columns, types=[f.dataType.simpleString() for f in nested.schema.fields],
        pValues=plain(first.pValues), degreesOfFreedom=list(first.degreesOfFreedom), statistics=plain(first.statistics),
        flat_columns=flat.columns, flat_types=[f.dataType.simpleString() for f in flat.schema.fields],
        flat=[[r.featureIndex, r.pValue, r.degreesOfFreedom, r.statistic] for r in flat.orderBy("featureIndex").collect()])


if __name__ == "__main__":
    session = SparkSession.builder.master("local[2]").config("spark.ui.enabled", "false").getOrCreate()
    golden = {}
    tuning(session, golden)
    statistics(session, golden)
    path = pathlib.Path(__file__).with_name("tuning_stat_golden.json")
    path.write_text(json.dumps(golden, indent=1) + "\n")
    session.stop()

"""Regenerate ``linear_golden.json``: PySpark 4.3's LinearRegression on scikit-learn's diabetes data
(one partition) under several regularisations and solvers: coefficients, intercept, iterations and
the training summary's metrics. Run once with PySpark installed: ``python tests/ml/golden/generate_linear.py``."""
import json
import pathlib

from pyspark.ml.linalg import Vectors
from pyspark.ml.regression import LinearRegression
from pyspark.sql import SparkSession
from sklearn.datasets import load_diabetes

CASES = {
    "ols": dict(), "ridge": dict(regParam=0.1), "ridge_raw": dict(regParam=0.1, standardization=False),
    "lasso": dict(regParam=0.5, elasticNetParam=1.0), "enet": dict(regParam=0.3, elasticNetParam=0.5),
    "no_intercept": dict(fitIntercept=False, regParam=0.05), "lbfgs_ridge": dict(regParam=0.1, solver="l-bfgs"),
    "weighted": dict(regParam=0.1, weightCol="weight"),
}

if __name__ == "__main__":
    spark = SparkSession.builder.master("local[1]").config("spark.ui.enabled", "false").getOrCreate()
    X, y = load_diabetes(return_X_y=True)
    X = X * 100.0          # features of a few units, as raw data usually is
    rows = [(float(label), Vectors.dense(row), 1.0 + (i % 3)) for i, (row, label) in enumerate(zip(X, y))]
    df = spark.createDataFrame(rows, ["label", "features", "weight"]).repartition(1).cache()
    out = {}
    for name, params in CASES.items():
        model = LinearRegression(**params).fit(df)
        summary = model.summary
        out[name] = dict(params=params, coef=model.coefficients.toArray().tolist(), intercept=model.intercept,
                         iterations=summary.totalIterations, history=list(summary.objectiveHistory),
                         rmse=summary.rootMeanSquaredError, r2=summary.r2, mae=summary.meanAbsoluteError,
                         explainedVariance=summary.explainedVariance)
    pathlib.Path(__file__).with_name("linear_golden.json").write_text(json.dumps(out, indent=1) + "\n")
    spark.stop()

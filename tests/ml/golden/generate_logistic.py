"""Regenerate ``logistic_golden.json``: PySpark 4.3's LogisticRegression on scikit-learn's whole
breast_cancer data (one partition, default parameters but for the regularisation), its objective
history, iteration count and coefficients. Run once with PySpark installed (a JVM):
``python tests/ml/golden/generate_logistic.py``. Not a test dependency."""
import json
import pathlib

from pyspark.ml.classification import LogisticRegression
from pyspark.ml.linalg import Vectors
from pyspark.sql import SparkSession
from sklearn.datasets import load_breast_cancer

CASES = [("reg0", 0.0, 0.0), ("l2", 0.01, 0.0), ("l1_0.05", 0.05, 1.0), ("l1_0.01", 0.01, 1.0), ("en", 0.02, 0.5),
         ("l1_0.1", 0.1, 1.0)]

if __name__ == "__main__":
    spark = SparkSession.builder.master("local[1]").config("spark.ui.enabled", "false").getOrCreate()
    X, y = load_breast_cancer(return_X_y=True)
    df = spark.createDataFrame([(float(label), Vectors.dense(row)) for row, label in zip(X, y)],
                               ["label", "features"]).repartition(1).cache()
    out = {}
    for name, regularization, mixing in CASES:
        model = LogisticRegression(regParam=regularization, elasticNetParam=mixing).fit(df)
        out[name] = dict(history=list(model.summary.objectiveHistory), iters=model.summary.totalIterations,
                         coef=model.coefficients.toArray().tolist(), intercept=model.intercept)
    path = pathlib.Path(__file__).with_name("logistic_golden.json")
    path.write_text(json.dumps(out, indent=1) + "\n")
    spark.stop()

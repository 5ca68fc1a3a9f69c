"""Regenerate ``trees_golden.json``: decision trees trained by real PySpark, the oracle for
``tests/ml/test_tree_kernel.py``.

PySpark (4.3.0 for the committed file, with a Java 17 runtime) is needed only to regenerate the
file, never to run the tests::

    python tests/ml/golden/generate_trees.py            # writes trees_golden.json beside it

Every case trains on a fixed dataset (scikit-learn's, split by ``train_test_split(test_size=0.2,
random_state=0)``, or a seeded synthetic one whose categorical arities go into the JSON) under
``local[2]`` and records what a user sees: ``numNodes``, ``depth``, ``featureImportances``, the body
of ``toDebugString``, the predictions on the test rows and, for classifiers, the probabilities of
the first 20. Random forests are recorded by their accuracy only: Spark's bootstrap and feature
sampling draw from JVM random generators.
"""
from __future__ import annotations

import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "trees_golden.json")


def split(name):
    from sklearn import datasets
    from sklearn.model_selection import train_test_split
    X, y = getattr(datasets, f"load_{name}")(return_X_y=True)
    return train_test_split(X, y, test_size=0.2, random_state=0)


def categorical_data(task: str):
    """Seeded synthetic rows: features 0 and 3 continuous, 1 (arity 3), 2 (arity 5) and 4 (arity 10)
    categorical, every category present; labels depend on all of them."""
    rng = np.random.default_rng(7)
    n = 300
    X = np.column_stack([
        np.round(rng.normal(size=n), 2), np.arange(n) % 3, rng.integers(0, 5, n),
        np.round(rng.uniform(0, 10, n), 1), rng.permutation(np.arange(n) % 10)]).astype(float)
    score = X[:, 0] + (X[:, 1] == 1) * 1.5 - (X[:, 2] >= 3) + 0.2 * X[:, 3] + (X[:, 4] % 4 == 1) \
        + rng.normal(scale=0.5, size=n)
    if task == "multiclass":
        y = np.digitize(score, np.quantile(score, [1 / 3, 2 / 3])).astype(float)
    elif task == "binary":
        y = (score > np.median(score)).astype(float)
    else:
        y = np.round(score, 3)
    return X, y


CASES = {
    # name: (dataset, estimator, params, weights rule)
    "iris_gini": ("iris", "DecisionTreeClassifier", {}, None),
    "breast_cancer_gini": ("breast_cancer", "DecisionTreeClassifier", {}, None),
    "wine_gini": ("wine", "DecisionTreeClassifier", {}, None),
    "digits_gini": ("digits", "DecisionTreeClassifier", {}, None),
    "iris_entropy": ("iris", "DecisionTreeClassifier", {"impurity": "entropy"}, None),
    "breast_cancer_entropy": ("breast_cancer", "DecisionTreeClassifier", {"impurity": "entropy"}, None),
    "wine_entropy": ("wine", "DecisionTreeClassifier", {"impurity": "entropy"}, None),
    "digits_entropy": ("digits", "DecisionTreeClassifier", {"impurity": "entropy"}, None),
    "iris_bins256": ("iris", "DecisionTreeClassifier", {"maxBins": 256}, None),
    "breast_cancer_bins256": ("breast_cancer", "DecisionTreeClassifier", {"maxBins": 256}, None),
    "wine_bins256": ("wine", "DecisionTreeClassifier", {"maxBins": 256}, None),
    "digits_bins256": ("digits", "DecisionTreeClassifier", {"maxBins": 256}, None),
    "digits_depth10_bins8": ("digits", "DecisionTreeClassifier", {"maxDepth": 10, "maxBins": 8}, None),
    "breast_cancer_min_instances": ("breast_cancer", "DecisionTreeClassifier",
                                    {"minInstancesPerNode": 10}, None),
    "wine_min_info_gain": ("wine", "DecisionTreeClassifier", {"minInfoGain": 0.05}, None),
    "iris_weighted": ("iris", "DecisionTreeClassifier", {"minWeightFractionPerNode": 0.05}, "1 + i % 3"),
    "diabetes_variance": ("diabetes", "DecisionTreeRegressor", {}, None),
    "diabetes_min_instances": ("diabetes", "DecisionTreeRegressor", {"minInstancesPerNode": 20, "maxDepth": 4},
                               None),
    "categorical_multiclass": ("categorical:multiclass", "DecisionTreeClassifier", {}, None),
    "categorical_binary": ("categorical:binary", "DecisionTreeClassifier", {}, None),
    "categorical_regression": ("categorical:regression", "DecisionTreeRegressor", {}, None),
    "digits_forest20": ("digits", "RandomForestClassifier", {"numTrees": 20, "seed": 1}, None),
}


def weights_for(rule, n):
    i = np.arange(n)
    return eval(rule, {"i": i}).astype(float) if rule else np.ones(n)


def main():
    from pyspark.sql import SparkSession
    from pyspark.ml import classification, regression
    from pyspark.ml.feature import VectorIndexer
    from pyspark.ml.linalg import Vectors

    spark = (SparkSession.builder.master("local[2]").config("spark.ui.enabled", "false")
             .config("spark.sql.shuffle.partitions", "2").getOrCreate())
    out = {"__meta__": {"pyspark": spark.version}}
    for name, (dataset, estimator, params, rule) in CASES.items():
        if dataset.startswith("categorical:"):
            X, y = categorical_data(dataset.split(":")[1])
            Xtr, ytr, Xte, yte = X[:240], y[:240], X[240:], y[240:]
        else:
            Xtr, Xte, ytr, yte = split(dataset)
        w = weights_for(rule, len(ytr))
        train = spark.createDataFrame(
            [(float(l), float(wi), Vectors.dense(row)) for row, l, wi in zip(Xtr, ytr, w)],
            ["label", "weight", "features"])
        test = spark.createDataFrame([(float(l), Vectors.dense(row)) for row, l in zip(Xte, yte)],
                                     ["label", "features"])
        if dataset.startswith("categorical:"):
            indexer = VectorIndexer(inputCol="features", outputCol="indexed", maxCategories=10).fit(train)
            train = indexer.transform(train).drop("features").withColumnRenamed("indexed", "features")
            test = indexer.transform(test).drop("features").withColumnRenamed("indexed", "features")
            params = dict(params, seed=0)
        cls = getattr(classification if "Classifier" in estimator else regression, estimator)
        est = cls(**params)
        if rule:
            est.setWeightCol("weight")
        model = est.fit(train)
        rows = model.transform(test).collect()
        pred = [r.prediction for r in rows]
        case = {"dataset": dataset, "estimator": estimator, "params": params, "weights": rule,
                "test_accuracy" if "Classifier" in estimator else "test_rmse": None,
                "predictions": pred, "featureImportances": model.featureImportances.toArray().tolist()}
        if "Classifier" in estimator:
            case["test_accuracy"] = float(np.mean(np.array(pred) == yte))
            case["probabilities"] = [r.probability.toArray().tolist() for r in rows[:20]]
        else:
            case["test_rmse"] = float(np.sqrt(np.mean((np.array(pred) - yte) ** 2)))
        if estimator == "RandomForestClassifier":
            case["totalNumNodes"] = model.totalNumNodes
        else:
            case["numNodes"] = model.numNodes
            case["depth"] = model.depth
            case["debugString"] = model.toDebugString.split("\n", 1)[1]
        if dataset.startswith("categorical:"):
            case["categorical"] = {str(k): len(v) for k, v in indexer.categoryMaps.items()}
        out[name] = case
        print(name, case.get("numNodes", case.get("totalNumNodes")),
              case.get("test_accuracy", case.get("test_rmse")), file=sys.stderr)
    spark.stop()
    write(out)


def write(cases: dict) -> None:
    """One case per line, so that a regenerated file diffs case by case."""
    lines = [f"{json.dumps(name)}: {json.dumps(cases[name], sort_keys=True)}" for name in sorted(cases)]
    with open(OUT, "w") as f:
        f.write("{\n" + ",\n".join(lines) + "\n}\n")


if __name__ == "__main__":
    main()

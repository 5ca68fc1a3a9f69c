"""Regenerate ``mllib_golden.json``: PySpark 4.3's RDD-based ``pyspark.mllib`` on small seeded data,
the oracle for ``tests/ml/test_mllib.py``. Run once with PySpark installed (a JVM)::

    python tests/ml/golden/generate_mllib.py        # writes mllib_golden.json beside it

Each dataset is made here from a seeded numpy generator and written into the JSON, so the tests
train on exactly the rows PySpark saw. What is recorded is what a user reads back: weights,
intercepts, predictions (their Python types too), ``toDebugString``, statistics, and the text of the
errors bad input raises (the Java exception's class and first line).
"""
from __future__ import annotations

import json
import os
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "mllib_golden.json")


def datasets() -> dict:
    rng = np.random.default_rng(15)
    X = np.round(rng.normal(size=(120, 3)), 3)
    binary = (X @ [1.5, -2.0, 0.5] + 0.3 + rng.normal(scale=0.8, size=120) > 0).astype(float)
    score = X @ [1.0, -1.0, 0.5] + rng.normal(scale=0.5, size=120)
    multi = np.digitize(score, np.quantile(score, [1 / 3, 2 / 3])).astype(float)
    counts = rng.integers(0, 6, size=(60, 4)).astype(float)
    nb_labels = (counts[:, 0] + counts[:, 1] > counts[:, 2] + counts[:, 3]).astype(float) * 2 - 1
    categorical = np.column_stack([np.round(rng.uniform(0, 10, 150), 1), np.arange(150) % 3,
                                   np.round(rng.normal(size=150), 2)])
    tree_score = 0.4 * categorical[:, 0] + 2.0 * (categorical[:, 1] == 1) + categorical[:, 2]
    tree_class = np.digitize(tree_score, np.quantile(tree_score, [1 / 3, 2 / 3])).astype(float)
    centers = np.array([[0.0, 0.0], [10.0, 10.0], [-10.0, 10.0]])
    blobs = np.round(np.repeat(centers, 20, axis=0) + rng.normal(scale=0.5, size=(60, 2)), 3)
    stats = np.round(rng.normal(size=(40, 3)), 3)
    stats[::4, 1] = 0.0
    return {"X": X.tolist(), "binary": binary.tolist(), "multi": multi.tolist(), "counts": counts.tolist(),
            "nb_labels": nb_labels.tolist(), "categorical": categorical.tolist(),
            "tree_class": tree_class.tolist(), "tree_value": np.round(tree_score, 3).tolist(),
            "blobs": blobs.tolist(), "stats": stats.tolist()}


def java_error(error: Exception) -> str:
    """The Java exception's ``class: message`` line (or the Python error's text)."""
    text = str(error)
    for line in text.splitlines():
        line = line.strip().lstrip(": ")
        if line.startswith(("java.", "org.apache.")) and ":" in line:
            return line
    return f"{type(error).__name__}: {text.splitlines()[0] if text else ''}"


def main() -> None:
    from pyspark import SparkContext
    from pyspark.mllib.classification import LogisticRegressionWithLBFGS, NaiveBayes
    from pyspark.mllib.clustering import KMeans, KMeansModel
    from pyspark.mllib.linalg import Vectors
    from pyspark.mllib.regression import LabeledPoint
    from pyspark.mllib.stat import Statistics
    from pyspark.mllib.tree import DecisionTree
    from pyspark.mllib.util import MLUtils

    sc = SparkContext("local[2]", "generate_mllib", conf=None)
    sc.setLogLevel("OFF")
    data = datasets()
    out = {"data": data}
    X = np.array(data["X"])
    probe = X[:10]

    def points(features, labels):
        return sc.parallelize([LabeledPoint(float(label), Vectors.dense(row)) for row, label in zip(features, labels)], 2)

    binary, multi = points(X, data["binary"]), points(X, data["multi"])
    lr = {}
    cases = {"binary_default": (binary, {}),
             "binary_intercept_l2": (binary, dict(intercept=True, regParam=0.05)),
             "binary_l1": (binary, dict(regType="l1", regParam=0.02, intercept=True)),
             "binary_noreg": (binary, dict(regType=None, intercept=True)),
             "multi_intercept": (multi, dict(numClasses=3, intercept=True)),
             "multi_l2": (multi, dict(numClasses=3, regParam=0.1))}
    for name, (rdd, params) in cases.items():
        model = LogisticRegressionWithLBFGS.train(rdd, **params)
        predictions = [model.predict(Vectors.dense(row)) for row in probe]
        entry = {"params": params, "weights": model.weights.toArray().tolist(), "intercept": model.intercept,
                 "numFeatures": model.numFeatures, "numClasses": model.numClasses,
                 "predictions": predictions, "prediction_type": type(predictions[0]).__name__,
                 "rdd_predictions": model.predict(sc.parallelize([Vectors.dense(r) for r in probe], 2)).collect(),
                 "repr": repr(model)}
        model.clearThreshold()
        entry["cleared"] = [model.predict(Vectors.dense(row)) for row in probe]
        lr[name] = entry
    errors = {}
    for name, (rdd, params) in {
            "binary_label_2": (points(X[:20], [0.0] * 10 + [2.0] * 10), {}),
            "multi_label_3": (points(X[:20], [0.0] * 10 + [3.0] * 10), {"numClasses": 3}),
            "bad_regtype": (binary, {"regType": "l3"})}.items():
        try:
            LogisticRegressionWithLBFGS.train(rdd, **params)
            errors[name] = None
        except Exception as e:  # noqa: BLE001 - recording whatever PySpark raises
            errors[name] = java_error(e)
    out["logistic"], out["logistic_errors"] = lr, errors

    counts = np.array(data["counts"])
    nb = {}
    for lam in (1.0, 0.5):
        model = NaiveBayes.train(points(counts, data["nb_labels"]), lam)
        nb[str(lam)] = {"labels": model.labels.tolist(), "pi": model.pi.tolist(), "theta": model.theta.tolist(),
                        "predictions": [float(model.predict(Vectors.dense(r))) for r in counts[:10]]}
    try:
        NaiveBayes.train(points([[1.0, -1.0]], [0.0]))
        nb["negative_error"] = None
    except Exception as e:  # noqa: BLE001
        nb["negative_error"] = java_error(e)
    out["naive_bayes"] = nb

    cat = np.array(data["categorical"])
    trees = {}
    for name, labels, train, params in (
            ("classifier", data["tree_class"], DecisionTree.trainClassifier,
             dict(numClasses=3, categoricalFeaturesInfo={1: 3}, maxDepth=3)),
            ("classifier_entropy", data["tree_class"], DecisionTree.trainClassifier,
             dict(numClasses=3, categoricalFeaturesInfo={}, impurity="entropy", maxDepth=2, maxBins=8)),
            ("regressor", data["tree_value"], DecisionTree.trainRegressor,
             dict(categoricalFeaturesInfo={1: 3}, maxDepth=3, minInstancesPerNode=5))):
        model = train(points(cat, labels), **params)
        trees[name] = {"params": {k: (list(v.items()) if isinstance(v, dict) else v) for k, v in params.items()},
                       "numNodes": model.numNodes(), "depth": model.depth(), "repr": repr(model),
                       "debug": model.toDebugString(),
                       "predictions": [model.predict(Vectors.dense(r)) for r in cat[:15]],
                       "rdd_predictions": model.predict(sc.parallelize([Vectors.dense(r) for r in cat[:15]])).collect()}
    try:
        DecisionTree.trainClassifier(points(cat[:10], [0.0] * 5 + [3.0] * 5), 3, {})
        trees["label_error"] = None
    except Exception as e:  # noqa: BLE001
        trees["label_error"] = java_error(e)
    out["trees"] = trees

    blobs = sc.parallelize([Vectors.dense(r) for r in data["blobs"]], 2)
    model = KMeans.train(blobs, 3, seed=1)
    initial = KMeansModel([[1.0, 1.0], [9.0, 9.0], [-9.0, 9.0]])
    fixed = KMeans.train(blobs, 3, maxIterations=2, initialModel=initial)
    out["kmeans"] = {"centers": sorted(c.tolist() for c in model.clusterCenters), "cost": model.computeCost(blobs),
                     "k": model.k, "fixed_centers": [c.tolist() for c in fixed.clusterCenters],
                     "fixed_cost": fixed.computeCost(blobs),
                     "fixed_predictions": fixed.predict(blobs).collect(),
                     "prediction_type": type(fixed.predict(Vectors.dense([0.0, 0.0]))).__name__}

    rows = sc.parallelize([Vectors.dense(r) for r in data["stats"]], 2)
    summary = Statistics.colStats(rows)
    stats = np.array(data["stats"])
    out["stat"] = {name: getattr(summary, name)().tolist() for name in
                   ("mean", "variance", "numNonzeros", "max", "min", "normL1", "normL2")}
    out["stat"]["count"] = summary.count()
    out["stat"]["pearson"] = Statistics.corr(rows).tolist()
    out["stat"]["spearman"] = Statistics.corr(rows, method="spearman").tolist()
    out["stat"]["pair"] = Statistics.corr(sc.parallelize(stats[:, 0].tolist(), 2),
                                          sc.parallelize(stats[:, 2].tolist(), 2))

    point = LabeledPoint(1.0, [1.0, 0.0, 3.5])
    out["labeled_point"] = {"str": str(point), "repr": repr(point)}
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "sample.txt")
        with open(path, "w") as f:
            f.write("1 1:0.5 3:2.0\n0 2:1.5\n-1 1:1 4:-3\n")
        loaded = MLUtils.loadLibSVMFile(sc, path).collect()
        out["libsvm"] = {"text": open(path).read(), "points": [repr(p) for p in loaded],
                         "saved": None}
        MLUtils.saveAsLibSVMFile(sc.parallelize(loaded, 1), os.path.join(tmp, "saved"))
        with open(os.path.join(tmp, "saved", "part-00000")) as f:
            out["libsvm"]["saved"] = f.read()
    sc.stop()
    with open(OUT, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()

"""The silhouette kernel (``sparklite/ml/impl/silhouette.py``) against scikit-learn and PySpark 4.3.

``SPARK_WEIGHTED`` and ``SPARK_UNWEIGHTED`` were printed by PySpark 4.3.0's
``ClusteringEvaluator(distanceMeasure=..., weightCol="weight")`` (and without ``weightCol``) on ``POINTS``."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.datasets import load_iris, make_blobs
from sklearn.metrics import silhouette_score

from sparklite.ml.impl.silhouette import silhouette
from tests.ml.localdata import LocalData

IRIS_X, IRIS_Y = load_iris(return_X_y=True)
SKLEARN_METRIC = {"squaredEuclidean": "sqeuclidean", "cosine": "cosine"}

# three clusters with ids 0, 3 and 7, the last of a single point
POINTS = np.array([[1.0, 2.0], [1.5, 1.8], [5.0, 8.0], [8.0, 8.0], [1.0, 0.6], [9.0, 11.0], [-4.0, 3.0]])
CLUSTERS = np.array([0.0, 0.0, 3.0, 3.0, 0.0, 3.0, 7.0])
WEIGHTS = np.array([1.0, 2.0, 1.0, 0.5, 1.0, 1.0, 2.0])
SPARK_WEIGHTED = {"squaredEuclidean": 0.683327508922469, "cosine": -0.14668859643104537}
SPARK_UNWEIGHTED = {"squaredEuclidean": 0.764534306500811, "cosine": -0.022791066507356943}


@pytest.mark.parametrize("measure", ["squaredEuclidean", "cosine"])
def test_equals_sklearn_on_iris_for_the_true_and_the_kmeans_labels(measure):
    kmeans_labels = KMeans(3, n_init=10, random_state=0).fit_predict(IRIS_X)
    for labels in (IRIS_Y, kmeans_labels):
        data = LocalData(IRIS_X, labels.astype(float), num_partitions=4)
        expected = silhouette_score(IRIS_X, labels, metric=SKLEARN_METRIC[measure])
        assert silhouette(data, measure) == pytest.approx(expected, abs=1e-9)
        assert data.jobs == ["ClusteringEvaluator cluster stats", "ClusteringEvaluator silhouette"]
    if measure == "squaredEuclidean":
        assert silhouette(LocalData(IRIS_X, kmeans_labels.astype(float)), measure) == pytest.approx(0.7357, abs=5e-5)


@pytest.mark.parametrize("measure", ["squaredEuclidean", "cosine"])
def test_weighted_with_a_single_point_cluster_equals_pyspark(measure):
    weighted = silhouette(LocalData(POINTS, CLUSTERS, WEIGHTS, num_partitions=3), measure)
    unweighted = silhouette(LocalData(POINTS, CLUSTERS, num_partitions=5), measure)
    assert weighted == pytest.approx(SPARK_WEIGHTED[measure], abs=1e-12)
    assert unweighted == pytest.approx(SPARK_UNWEIGHTED[measure], abs=1e-12)
    # scikit-learn also scores a single-point cluster 0 and ignores cluster ids' values
    expected = silhouette_score(POINTS, CLUSTERS.astype(int), metric=SKLEARN_METRIC[measure])
    assert unweighted == pytest.approx(expected, abs=1e-12)


def weighted_silhouette_by_pairs(X, labels, w):
    """Spark's weighted silhouette from all pairwise squared distances: a row's own weight is left
    out of its own cluster's average, and the mean is weighted."""
    distance = ((X[:, None, :] - X[None, :, :]) ** 2).sum(axis=2)
    clusters = np.unique(labels)
    average = np.stack([distance[:, labels == c] @ w[labels == c] for c in clusters], axis=1)
    weight_sums = np.array([w[labels == c].sum() for c in clusters])
    own = np.searchsorted(clusters, labels)
    a = average[np.arange(len(X)), own] / (weight_sums[own] - w)
    others = np.where(own[:, None] == np.arange(len(clusters)), np.inf, average / weight_sums)
    b = others.min(axis=1)
    return float(w @ ((b - a) / np.maximum(a, b)) / w.sum())


def test_weights_follow_sparks_definition_and_empty_partitions_add_nothing():
    X, labels = make_blobs(90, centers=4, n_features=3, random_state=2)
    w = np.random.default_rng(0).uniform(0.1, 3.0, len(X))
    weighted = silhouette(LocalData(X, labels.astype(float), w, num_partitions=120))
    assert weighted == pytest.approx(weighted_silhouette_by_pairs(X, labels, w), abs=1e-12)


def test_one_cluster_or_an_unknown_measure_is_refused():
    with pytest.raises(ValueError, match="Number of clusters must be greater than one"):
        silhouette(LocalData(IRIS_X, np.zeros(len(IRIS_X))))
    with pytest.raises(ValueError, match="distanceMeasure must be one of"):
        silhouette(LocalData(IRIS_X, IRIS_Y.astype(float)), "euclidean")

"""The silhouette of a clustering in O(n k), as Spark's ``ClusteringEvaluator`` computes it
(``ml/evaluation/ClusteringMetrics.scala``), for the squared Euclidean and the cosine distance.

Contract:
* ``silhouette(data, distance_measure)`` reads the features ``X``, the cluster id of each row in ``y``
  and the instance weight ``w``, in two passes: "ClusteringEvaluator cluster stats" sums, per cluster,
  the weighted features (unit-length features for cosine), the weighted squared norms and the weights;
  "ClusteringEvaluator silhouette" then scores every row from those sums alone and returns the
  weighted mean score.
* The average distance of a row to a cluster comes from the sums: ``|x|^2 + Psi/W - 2 x.Y/W``
  (squared Euclidean) or ``1 - x.Omega/W`` (cosine, ``x`` of unit length). Within its own cluster the
  row's own zero distance is taken out by scaling with ``W / (W - w)``; a row that carries all of its
  cluster's weight scores 0, as a single-point cluster does.
"""
from __future__ import annotations

import numpy as np

from sparklite.ml.impl.kmeans import row_blocks, weighted_group_sums
from sparklite.ml.impl.naive_bayes import merge_keyed_partials

SQUARED_EUCLIDEAN, COSINE = "squaredEuclidean", "cosine"


def silhouette(data, distance_measure: str = SQUARED_EUCLIDEAN) -> float:
    """Spark's silhouette score of the clustering ``y`` of the rows ``X``, weighted by ``w``."""
    cosine = distance_measure.lower() == COSINE.lower()
    if not cosine and distance_measure.lower() != SQUARED_EUCLIDEAN.lower():
        raise ValueError(f"distanceMeasure must be one of: {SQUARED_EUCLIDEAN}, {COSINE}. "
                         f"{distance_measure} provided.")

    def cluster_stats(chunk):
        clusters, rows_cluster = np.unique(chunk.y, return_inverse=True)
        k = len(clusters)
        sums, squared_norms = np.zeros((k, chunk.X.shape[1])), np.zeros(k)
        for part in row_blocks(len(chunk.y), max(k, chunk.X.shape[1])):
            rows, groups, w = _features(chunk.X[part], cosine), rows_cluster[part], chunk.w[part]
            sums += weighted_group_sums(rows, groups, w, k)
            squared_norms += np.bincount(groups, weights=w * np.einsum("ij,ij->i", rows, rows), minlength=k)
        return clusters, sums, squared_norms, np.bincount(rows_cluster, weights=chunk.w, minlength=k)

    clusters, sums, squared_norms, weights = data.aggregate(cluster_stats, merge_keyed_partials,
                                                            "ClusteringEvaluator cluster stats")
    if len(clusters) < 2:
        raise ValueError("assertion failed: Number of clusters must be greater than one.")
    scaled_sums, mean_squared_norms = sums / weights[:, None], squared_norms / weights

    def scores(chunk):
        own = np.searchsorted(clusters, chunk.y)
        total = 0.0
        for part in row_blocks(len(chunk.y), max(len(clusters), chunk.X.shape[1])):
            rows, mine, w = _features(chunk.X[part], cosine), own[part], chunk.w[part]
            if cosine:
                distance = 1.0 - rows @ scaled_sums.T
            else:
                row_norms = np.einsum("ij,ij->i", rows, rows)[:, None]
                distance = row_norms + mean_squared_norms - 2.0 * (rows @ scaled_sums.T)
            total += float(w @ _row_scores(distance, mine, weights[mine], w))
        return total, float(chunk.w.sum())

    total, weight_total = data.aggregate(scores, lambda a, b: (a[0] + b[0], a[1] + b[1]),
                                         "ClusteringEvaluator silhouette")
    return total / weight_total


def _row_scores(distance, own, own_weight, weight) -> np.ndarray:
    """Each row's silhouette from its average distances to every cluster (``distance``, rows x clusters)."""
    index = np.arange(len(own))
    with np.errstate(divide="ignore", invalid="ignore"):
        within = distance[index, own] * own_weight / (own_weight - weight)
        others = distance.copy()
        others[index, own] = np.inf
        nearest = others.min(axis=1)
        score = np.where(within < nearest, 1.0 - within / nearest,
                         np.where(within > nearest, nearest / within - 1.0, 0.0))
    return np.where(own_weight == weight, 0.0, score)


def _features(X, cosine: bool) -> np.ndarray:
    """The rows the sums take: unit-length rows for cosine (a zero row gives NaN, as in Spark)."""
    if not cosine:
        return X
    with np.errstate(divide="ignore", invalid="ignore"):
        return X / np.sqrt(np.einsum("ij,ij->i", X, X))[:, None]

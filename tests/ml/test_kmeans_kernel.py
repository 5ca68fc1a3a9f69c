"""The k-means kernel (``sparklite/ml/impl/kmeans.py``) against scikit-learn and Spark's semantics."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.datasets import load_iris, load_wine, make_blobs
from sklearn.metrics import adjusted_rand_score
from sklearn.preprocessing import StandardScaler

from sparklite.ml.impl.kmeans import local_k_means_plus_plus, predict, train_kmeans
from tests.ml.localdata import LocalData

IRIS_X, IRIS_Y = load_iris(return_X_y=True)


class ReversedFold(LocalData):
    """Combines the partials last partition first, as a tree aggregation may."""

    def aggregate(self, seq_op, comb_op, description):
        self.jobs.append(description)
        partials = [seq_op(part) for part in reversed(self.parts)]
        result = partials[0]
        for partial in partials[1:]:
            result = comb_op(result, partial)
        return result


def cost_of(X, centers, w=None):
    nearest = predict(X, centers)
    w = np.ones(len(X)) if w is None else w
    return float(w @ ((X - centers[nearest]) ** 2).sum(axis=1))


def test_iris_reaches_sklearns_clustering_and_its_inertia():
    data = LocalData(IRIS_X, num_partitions=3)
    result = train_kmeans(data, 3, seed=2)
    assert adjusted_rand_score(IRIS_Y, predict(IRIS_X, result.centers)) >= 0.70
    assert result.training_cost == pytest.approx(78.851441426146, rel=1e-9)
    assert sorted(result.cluster_sizes) == [38, 50, 62]
    assert data.jobs[:3] == ["KMeans init first center", "KMeans init step 1", "KMeans init step 2"]
    assert data.jobs[3] == "KMeans init candidate weights"
    assert data.jobs[4:] == [f"KMeans iteration {i}" for i in range(1, result.num_iter + 1)] + ["KMeans cluster sizes"]


def test_wine_scaled_band_and_the_cost_is_the_assignment_cost():
    X, y = load_wine(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    result = train_kmeans(LocalData(X, num_partitions=4), 3, seed=0, tol=0.0, max_iter=100)
    assert adjusted_rand_score(y, predict(X, result.centers)) >= 0.85
    assert result.num_iter < 100
    assert result.training_cost == pytest.approx(cost_of(X, result.centers), rel=1e-12)


def test_fixed_init_with_tol_zero_equals_sklearn_lloyd():
    X, _ = make_blobs(400, centers=5, n_features=4, cluster_std=2.5, random_state=3)
    w = np.random.default_rng(0).uniform(0.2, 3.0, len(X))
    init = X[[0, 1, 2, 3, 4]]
    ours = train_kmeans(LocalData(X, w=w), 5, tol=0.0, max_iter=300, initial_centers=init)
    theirs = KMeans(5, init=init, n_init=1, algorithm="lloyd", tol=0.0, max_iter=300).fit(X, sample_weight=w)
    np.testing.assert_allclose(ours.centers, theirs.cluster_centers_, rtol=0, atol=1e-9)
    assert ours.training_cost == pytest.approx(theirs.inertia_, rel=1e-9)


def test_training_cost_is_that_of_the_assignment_before_the_last_move():
    init = IRIS_X[[0, 1, 2]]
    seen = []
    result = train_kmeans(LocalData(IRIS_X), 3, max_iter=1, initial_centers=init,
                          callback=lambda i, centers: seen.append((i, centers)))
    assert result.num_iter == 1 and [i for i, _ in seen] == [1]
    assert result.training_cost == pytest.approx(cost_of(IRIS_X, init), rel=1e-12)
    np.testing.assert_array_equal(seen[0][1], result.centers)
    assert result.cluster_sizes.sum() == 150 and len(result.cluster_sizes) == 3


def test_stops_once_no_center_moves_more_than_tol():
    assert train_kmeans(LocalData(IRIS_X), 3, tol=1e9, seed=1).num_iter == 1
    assert train_kmeans(LocalData(IRIS_X), 3, max_iter=0, seed=1).training_cost == 0.0


def test_a_center_without_rows_keeps_its_place():
    init = np.array([IRIS_X[0], IRIS_X[100], [100.0, 100.0, 100.0, 100.0]])
    result = train_kmeans(LocalData(IRIS_X), 3, initial_centers=init)
    np.testing.assert_array_equal(result.centers[2], init[2])
    assert result.cluster_sizes[2] == 0


@pytest.mark.parametrize("init_mode", ["k-means||", "random"])
def test_more_clusters_than_distinct_points_keeps_the_distinct_points(init_mode):
    points = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 5.0], [3.0, 3.0]])
    X = np.repeat(points, 5, axis=0)
    result = train_kmeans(LocalData(X, num_partitions=3), 6, seed=4, init_mode=init_mode)
    assert sorted(map(tuple, result.centers)) == sorted(map(tuple, points))
    assert result.training_cost == 0.0
    assert sorted(result.cluster_sizes) == [0, 0, 5, 5, 5, 5]


def test_empty_partitions_and_empty_data():
    X = np.array([[0.0, 0.0], [0.1, 0.0], [9.0, 9.0], [9.1, 9.0], [9.0, 9.1]])
    result = train_kmeans(LocalData(X, num_partitions=8), 2, seed=0)
    assert sorted(result.cluster_sizes) == [2, 3]
    with pytest.raises(ValueError, match="No samples available"):
        train_kmeans(LocalData(np.empty((0, 2)), num_partitions=2), 2)


def test_integer_weights_equal_repeated_rows_and_zero_weights_do_not_pull():
    X, _ = make_blobs(120, centers=3, n_features=3, random_state=1)
    w = np.random.default_rng(1).integers(0, 4, len(X)).astype(float)
    init = X[w > 0][:3]
    weighted = train_kmeans(LocalData(X, w=w), 3, tol=0.0, max_iter=100, initial_centers=init)
    repeated = train_kmeans(LocalData(np.repeat(X, w.astype(int), axis=0)), 3, tol=0.0, max_iter=100,
                            initial_centers=init)
    np.testing.assert_allclose(weighted.centers, repeated.centers, rtol=0, atol=1e-12)
    assert weighted.training_cost == pytest.approx(repeated.training_cost, rel=1e-12)


def test_the_seed_decides_the_result_whatever_the_combine_order():
    X, _ = make_blobs(300, centers=6, n_features=2, random_state=7)
    forward = train_kmeans(LocalData(X, num_partitions=4), 6, seed=11)
    backward = train_kmeans(ReversedFold(X, num_partitions=4), 6, seed=11)
    np.testing.assert_allclose(forward.centers, backward.centers, rtol=0, atol=1e-12)   # sums in another order


def test_cosine_clusters_directions_whatever_the_lengths():
    rng = np.random.default_rng(5)
    directions = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    truth = np.repeat(np.arange(3), 40)
    X = directions[truth] + rng.normal(0, 0.1, (120, 3))
    result = train_kmeans(LocalData(X), 3, seed=3, distance_measure="cosine")
    lengths = rng.uniform(0.1, 50.0, (120, 1))
    rescaled = train_kmeans(LocalData(X * lengths), 3, seed=3, distance_measure="cosine", tol=0.0,
                            initial_centers=result.centers)
    nearest = predict(X, result.centers, "cosine")
    assert adjusted_rand_score(truth, nearest) == 1.0
    np.testing.assert_allclose(np.linalg.norm(result.centers, axis=1), 1.0)
    unit = X / np.linalg.norm(X, axis=1, keepdims=True)
    assert result.training_cost == pytest.approx(float(np.sum(1 - np.sum(unit * result.centers[nearest], axis=1))))
    np.testing.assert_array_equal(predict(X * lengths, rescaled.centers, "cosine"), nearest)
    with pytest.raises(ValueError, match="zero-length vectors"):
        train_kmeans(LocalData(np.vstack([X, np.zeros(3)])), 3, distance_measure="cosine")


def test_predict_is_the_nearest_center_and_local_k_means_plus_plus_picks_k_points():
    rng = np.random.default_rng(2)
    X, centers = rng.normal(size=(500, 6)), rng.normal(size=(7, 6))
    brute = np.argmin(((X[:, None, :] - centers[None]) ** 2).sum(axis=2), axis=1)
    np.testing.assert_array_equal(predict(X, centers), brute)
    points = np.array([[0.0], [0.1], [10.0], [10.2], [20.0]])
    picked = local_k_means_plus_plus(points, np.array([5.0, 5.0, 3.0, 3.0, 1.0]), 3, np.random.default_rng(0))
    np.testing.assert_allclose(np.sort(picked[:, 0]), [0.05, 10.1, 20.0])


def test_bad_parameters_say_what_is_allowed():
    with pytest.raises(ValueError, match="distanceMeasure must be one of: euclidean, cosine"):
        train_kmeans(LocalData(IRIS_X), 3, distance_measure="manhattan")
    with pytest.raises(ValueError, match="mismatched cluster count"):
        train_kmeans(LocalData(IRIS_X), 3, initial_centers=IRIS_X[:2])


def test_random_init_draws_k_data_rows_in_one_pass():
    data = LocalData(IRIS_X, num_partitions=3)
    result = train_kmeans(data, 3, init_mode="random", seed=5, max_iter=0)
    assert len(result.centers) == 3
    assert all(any((row == IRIS_X).all(axis=1)) for row in result.centers)
    assert data.jobs == ["KMeans init random sample", "KMeans cluster sizes"]

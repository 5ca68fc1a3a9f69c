"""k-means over partitioned data, as Spark MLlib trains it: k-means|| or random initialisation, then
Lloyd iterations (Spark's ``mllib/clustering/KMeans.scala``, ``LocalKMeans.scala`` and the dense "block"
solver of ``ml/clustering/KMeans.scala``, which ``solver="auto"`` picks for dense features).

Contract:
* ``train_kmeans(data, k, ...)`` reads the rows only through ``data.aggregate`` (one distributed pass,
  named for the UI) and returns a ``KMeansResult``. Passes: k-means|| makes one to pick the first
  center ("KMeans init first center"), one per step ("KMeans init step i"), and one to weight the
  candidates when more than k are distinct ("KMeans init candidate weights"); random init makes one
  ("KMeans init random sample"); every Lloyd iteration makes one ("KMeans iteration i"), and a last
  pass counts the rows per final center ("KMeans cluster sizes").
* Distances: "euclidean" uses squared distances through ``|x|^2 - 2 x.c + |c|^2``; "cosine" uses
  ``1 - cos(x, c)`` with unit-length centers (each a normalised mean of the normalised rows).
* Instance weights ``w`` weigh the Lloyd sums and the cost; initialisation ignores them, as Spark's does.
* Randomness is seeded per pass and partition by ``(seed, step, chunk.index)``, so a run is repeatable
  whatever the order partials are combined in; the streams are numpy's, not the JVM's, so a seed picks
  different (equally distributed) centers than in Spark.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

EUCLIDEAN, COSINE = "euclidean", "cosine"
K_MEANS_PARALLEL, RANDOM = "k-means||", "random"
LOCAL_MAX_ITER = 30            # LocalKMeans' own Lloyd iterations on the weighted candidates
BLOCK_VALUES = 1 << 21         # values per block of rows (see ``row_blocks``): 16 MB of float64


@dataclass(frozen=True)
class KMeansResult:
    """A trained k-means model and its summary, as Spark's ``KMeansModel`` / ``KMeansSummary`` hold it.

    ``centers`` has fewer than k rows when the data has fewer than k distinct points. ``training_cost``
    is the weighted cost of the last iteration's assignment (taken before that iteration moved the
    centers, as Spark reports it); ``cluster_sizes`` counts rows per final center (length k, zeros for
    empty clusters); ``num_iter`` is the number of Lloyd iterations run."""
    centers: np.ndarray
    training_cost: float
    cluster_sizes: np.ndarray
    num_iter: int


def train_kmeans(data, k: int, *, max_iter: int = 20, tol: float = 1e-4, seed: int = 0,
                 init_mode: str = K_MEANS_PARALLEL, init_steps: int = 2,
                 distance_measure: str = EUCLIDEAN, initial_centers=None, callback=None) -> KMeansResult:
    """Cluster the rows of ``data`` into at most ``k`` clusters.

    ``initial_centers`` (Spark's ``initialModel``) skips initialisation. ``callback(iteration, centers)``
    is called after every Lloyd iteration with a copy of the updated centers. Converged when no center
    with rows moved farther than ``tol`` (Euclidean distance, or cosine distance); a center that drew
    no weight keeps its place."""
    if distance_measure not in (EUCLIDEAN, COSINE):
        raise ValueError(f"distanceMeasure must be one of: {EUCLIDEAN}, {COSINE}. {distance_measure} provided.")
    if init_mode not in (K_MEANS_PARALLEL, RANDOM):
        raise ValueError(f"initMode must be one of: {RANDOM}, {K_MEANS_PARALLEL}. {init_mode} provided.")
    seed = int(seed) & 0xFFFF_FFFF_FFFF_FFFF
    if initial_centers is not None:
        centers = np.array(initial_centers, dtype=np.float64, ndmin=2)
        if len(centers) != k:
            raise ValueError("requirement failed: mismatched cluster count")
    elif init_mode == RANDOM:
        centers = init_random(data, k, seed)
    else:
        centers = init_k_means_parallel(data, k, seed, init_steps, distance_measure)
    if distance_measure == COSINE:
        centers = _unit_rows(centers)

    cost, iteration, converged = 0.0, 0, False
    while iteration < max_iter and not converged:
        iteration += 1
        sums, weights, cost = data.aggregate(_lloyd_partial(centers, distance_measure),
                                             _add_partials, f"KMeans iteration {iteration}")
        drew = weights > 0
        moved = sums[drew] / weights[drew, None]
        if distance_measure == COSINE:
            moved = _unit_rows(moved)
        converged = bool(np.all(_center_shift(centers[drew], moved, distance_measure) <= tol))
        centers[drew] = moved
        if callback is not None:
            callback(iteration, centers.copy())
    return KMeansResult(centers, float(cost), cluster_sizes(data, centers, k, distance_measure), iteration)


def predict(X, centers, distance_measure: str = EUCLIDEAN) -> np.ndarray:
    """The index of each row's closest center (the first one on a tie)."""
    X = np.asarray(X, dtype=np.float64)
    labels = np.empty(len(X), dtype=np.int64)
    for part, _, nearest, _ in _assign(X, _prepared(centers, distance_measure), distance_measure):
        labels[part] = nearest
    return labels


def cluster_sizes(data, centers, k: int, distance_measure: str = EUCLIDEAN) -> np.ndarray:
    """Rows per center (unweighted, length k), as ``KMeansSummary.clusterSizes`` counts them: one pass."""
    def count(chunk):
        return np.bincount(predict(chunk.X, centers, distance_measure), minlength=k).astype(np.int64)
    return data.aggregate(count, np.add, "KMeans cluster sizes")


# -- initialisation -------------------------------------------------------------------------------

def init_random(data, k: int, seed: int) -> np.ndarray:
    """k rows drawn uniformly without replacement (Spark's ``takeSample``), duplicates dropped."""
    def sample(chunk):
        keys = np.random.default_rng([seed, 0, chunk.index]).random(len(chunk.X))
        keep = np.argpartition(keys, k - 1)[:k] if len(keys) > k else np.arange(len(keys))
        return keys[keep], chunk.X[keep]

    def smallest_keys(a, b):
        keys, rows = np.concatenate([a[0], b[0]]), np.concatenate([a[1], b[1]])
        keep = np.argsort(keys, kind="stable")[:k]
        return keys[keep], rows[keep]

    _, rows = data.aggregate(sample, smallest_keys, "KMeans init random sample")
    if len(rows) == 0:
        raise ValueError("requirement failed: No samples available from the training data")
    return _distinct_rows(rows)


def init_k_means_parallel(data, k: int, seed: int, steps: int, distance_measure: str) -> np.ndarray:
    """Spark's k-means|| (Bahmani et al. 2012): a random first center, then ``steps`` rounds that each
    keep every row with probability ``min(1, 2k * cost / total cost)``, cost being its distance to the
    nearest center so far; more than k distinct candidates are reduced to k by a local k-means++ on
    the candidates weighted by the rows closest to each."""
    first = init_random_row(data, seed)
    candidates = [first[None, :]]
    for step in range(1, steps + 1):
        centers = np.concatenate(candidates)
        partial_costs, keys, costs, rows, _ = data.aggregate(
            _sampling_partial(centers, k, seed, step, distance_measure), _concat_sampled, f"KMeans init step {step}")
        total = float(np.sum(partial_costs))
        chosen = keys < 2.0 * costs * k / total
        candidates.append(rows[chosen])
    distinct = _distinct_rows(np.concatenate(candidates))
    if len(distinct) <= k:
        return distinct

    def closest_count(chunk):
        return np.bincount(predict(chunk.X, distinct, distance_measure), minlength=len(distinct)).astype(np.float64)
    weights = data.aggregate(closest_count, np.add, "KMeans init candidate weights")
    return local_k_means_plus_plus(distinct, weights, k, np.random.default_rng(0))


def init_random_row(data, seed: int) -> np.ndarray:
    """One row drawn uniformly from all partitions: each partition offers its row of smallest random
    key, and the smallest key wins."""
    def offer(chunk):
        if len(chunk.X) == 0:
            return np.inf, None
        keys = np.random.default_rng([seed, 0, chunk.index]).random(len(chunk.X))
        best = int(np.argmin(keys))
        return keys[best], chunk.X[best].copy()

    _, row = data.aggregate(offer, lambda a, b: a if a[0] <= b[0] else b, "KMeans init first center")
    if row is None:
        raise ValueError("requirement failed: No samples available from the training data")
    return row


def local_k_means_plus_plus(points, weights, k: int, rng, max_iter: int = LOCAL_MAX_ITER) -> np.ndarray:
    """Spark's ``LocalKMeans.kMeansPlusPlus`` on the driver, always in squared Euclidean distance:
    k-means++ seeding on weighted points, then up to ``max_iter`` weighted Lloyd iterations, stopping
    once no point changes cluster; a cluster left without weight restarts at a random point."""
    n = len(points)
    centers = np.empty((k, points.shape[1]))
    centers[0] = points[_walk(np.cumsum(weights), rng.random())]
    cost = _squared_distances(points, centers[0])
    for i in range(1, k):
        centers[i] = points[_walk(np.cumsum(weights * cost), rng.random())]
        cost = np.minimum(cost, _squared_distances(points, centers[i]))
    closest = np.full(n, -1)
    for _ in range(max_iter):
        labels = predict(points, centers)
        moved = bool(np.any(labels != closest))
        closest = labels
        totals = np.bincount(labels, weights=weights, minlength=k)
        sums = weighted_group_sums(points, labels, weights, k)
        for j in range(k):
            centers[j] = points[rng.integers(n)] if totals[j] == 0.0 else sums[j] / totals[j]
        if not moved:
            break
    return centers


def _walk(cumulative, u: float) -> int:
    """The index a walk along the cumulative weights stops at for the draw ``u * total`` (Spark's
    ``pickWeighted``: the first index whose running total reaches it)."""
    return min(int(np.searchsorted(cumulative, u * cumulative[-1], side="left")), len(cumulative) - 1)


def _sampling_partial(centers, k: int, seed: int, step: int, distance_measure: str):
    prepared = _prepared(centers, distance_measure)

    def sample(chunk):
        n = len(chunk.X)
        costs = np.empty(n)
        for part, _, _, distance in _assign(chunk.X, prepared, distance_measure):
            costs[part] = distance
        total = float(costs.sum())
        keys = np.random.default_rng([seed, step, chunk.index]).random(n)
        # the total over all partitions is at least this one's, so this keeps a superset of the rows
        # the driver's test (with the full total) keeps: a few per partition, not the partition
        keep = np.flatnonzero(keys < 2.0 * costs * k / total) if total > 0 else np.empty(0, dtype=np.int64)
        return np.array([total]), keys[keep], costs[keep], chunk.X[keep], np.full(len(keep), chunk.index)
    return sample


def _concat_sampled(a, b):
    """Concatenate two partitions' samples and keep them in partition order (Spark's ``collect``
    order), whatever order the partials are combined in."""
    merged = [np.concatenate([x, y]) for x, y in zip(a, b)]
    order = np.argsort(merged[4], kind="stable")
    return (merged[0],) + tuple(part[order] for part in merged[1:])


# -- Lloyd iterations -----------------------------------------------------------------------------

def _lloyd_partial(centers, distance_measure: str):
    prepared = _prepared(centers, distance_measure)
    k = len(centers)

    def sums_and_cost(chunk):
        sums, weights, cost = np.zeros(centers.shape), np.zeros(k), 0.0
        for part, rows, nearest, distance in _assign(chunk.X, prepared, distance_measure):
            w = chunk.w[part]
            sums += weighted_group_sums(rows, nearest, w, k)
            weights += np.bincount(nearest, weights=w, minlength=k)
            cost += float(w @ distance)
        return sums, weights, cost
    return sums_and_cost


def _add_partials(a, b):
    return a[0] + b[0], a[1] + b[1], a[2] + b[2]


def _center_shift(old, new, distance_measure: str) -> np.ndarray:
    if distance_measure == COSINE:
        return 1.0 - np.einsum("ij,ij->i", old, new)
    return np.sqrt(np.einsum("ij,ij->i", old - new, old - new))


# -- distances ------------------------------------------------------------------------------------

def _prepared(centers, distance_measure: str):
    """What every distance pass needs of the centers: their squared norms (Euclidean) or the unit
    centers (cosine)."""
    centers = np.array(centers, dtype=np.float64)      # a copy: the driver moves its centers in place
    if distance_measure == COSINE:
        return _unit_rows(centers), None
    return centers, np.einsum("ij,ij->i", centers, centers)


def _assign(X, prepared, distance_measure: str):
    """Yield ``(part, rows, nearest, distance)`` per block of rows (``part`` the block's slice): the
    rows as the sums take them (unit rows for cosine), each row's closest center and its distance."""
    centers, center_norms = prepared
    for part in row_blocks(len(X), max(len(centers), X.shape[1])):
        rows = X[part]
        if distance_measure == COSINE:
            rows = _unit_rows(rows)
            similarity = rows @ centers.T
            nearest = np.argmax(similarity, axis=1)
            distance = 1.0 - similarity[np.arange(len(rows)), nearest]
        else:
            partial = rows @ (-2.0 * centers.T)
            partial += center_norms
            nearest = np.argmin(partial, axis=1)
            distance = np.maximum(partial[np.arange(len(rows)), nearest] + np.einsum("ij,ij->i", rows, rows), 0.0)
        yield part, rows, nearest, distance


def _squared_distances(points, center) -> np.ndarray:
    difference = points - center
    return np.einsum("ij,ij->i", difference, difference)


def row_blocks(num_rows: int, width: int):
    """Slices of at most ``BLOCK_VALUES // width`` rows covering ``num_rows``: the kernels work a block
    at a time so that a (rows x width) temporary stays bounded."""
    block = max(1, BLOCK_VALUES // max(width, 1))
    return [slice(start, min(start + block, num_rows)) for start in range(0, num_rows, block)]


def weighted_group_sums(rows, groups, weights, num_groups: int) -> np.ndarray:
    """Per-group weighted sums of the rows (``groups`` in 0..num_groups-1), as one matrix product with
    the (groups x rows) matrix of weights; callers pass blocks of rows to bound that matrix."""
    membership = np.zeros((num_groups, len(rows)))
    membership[groups, np.arange(len(rows))] = weights
    return membership @ rows


def _unit_rows(rows) -> np.ndarray:
    norms = np.sqrt(np.einsum("ij,ij->i", rows, rows))
    if np.any(norms == 0):
        raise ValueError("Cosine distance is not defined for zero-length vectors.")
    return rows / norms[:, None]


def _distinct_rows(rows) -> np.ndarray:
    """The distinct rows in order of first appearance (Scala's ``distinct``)."""
    if len(rows) == 0:
        return rows
    _, first = np.unique(rows, axis=0, return_index=True)
    return rows[np.sort(first)]

"""``pyspark.mllib.clustering``: k-means over an RDD of vectors, trained by the kernel of
``sparklite.ml.impl.kmeans`` (k-means|| or random initialisation, then Lloyd iterations, one job each).

Contract: ``KMeans.train(rdd, k, maxIterations=100, initializationMode="k-means||", seed=None,
initializationSteps=2, epsilon=1e-4, initialModel=None, distanceMeasure="euclidean")``;
``initialModel`` (a ``KMeansModel`` of k centers) replaces the initialisation. ``KMeansModel`` has
``clusterCenters`` (numpy arrays), ``k``, ``predict`` (the index of the closest center by squared
Euclidean distance, as PySpark's model computes it whatever the training measure; an RDD gives an
RDD) and ``computeCost(rdd)``, the sum of squared distances to the closest centers (one job).
"""
from __future__ import annotations

import random

import numpy as np
import pyarrow as pa

from sparklite.ml.impl import kmeans as kernel
from sparklite.mllib.classification import predict_each
from sparklite.mllib.instances import RDDInstances
from sparklite.mllib.regression import as_vector
from sparklite.mllib.util import Loader, Saveable
from sparklite.sql.errors import IllegalArgumentException

__all__ = ["KMeans", "KMeansModel"]


class KMeansModel(Saveable, Loader):
    """Cluster centers; ``predict`` gives the index of a vector's closest one."""

    def __init__(self, centers):
        self.centers = [np.asarray(as_vector(c).toArray(), dtype=np.float64) for c in centers]

    @property
    def clusterCenters(self) -> list:
        return self.centers

    @property
    def k(self) -> int:
        return len(self.centers)

    def predict(self, x):
        if hasattr(x, "mapPartitions"):
            return predict_each(self, x)
        return int(kernel.predict(as_vector(x).toArray().reshape(1, -1), np.array(self.centers))[0])

    def computeCost(self, rdd) -> float:
        """The sum of the squared distances of the vectors of ``rdd`` to their closest centers."""
        centers = np.array(self.centers)
        norms = np.einsum("ij,ij->i", centers, centers)

        def cost(chunk):
            if not len(chunk):
                return 0.0
            distances = chunk.X @ (-2.0 * centers.T) + norms + np.einsum("ij,ij->i", chunk.X, chunk.X)[:, None]
            return float(np.maximum(distances.min(axis=1), 0.0).sum())
        with RDDInstances(rdd, "KMeansModel") as points:
            return points.aggregate(cost, lambda a, b: a + b, "KMeansModel cost")

    def _metadata(self) -> dict:
        return {"k": self.k}

    def _data(self) -> pa.Table:
        return pa.table({"id": list(range(self.k)), "point": [c.tolist() for c in self.centers]})

    @classmethod
    def _from_saved(cls, metadata: dict, table: pa.Table) -> "KMeansModel":
        rows = sorted(table.to_pylist(), key=lambda r: r["id"])
        return cls([r["point"] for r in rows])


class KMeans:
    """Train a k-means model."""

    @classmethod
    def train(cls, rdd, k: int, maxIterations: int = 100, initializationMode: str = "k-means||", seed=None,
              initializationSteps: int = 2, epsilon: float = 1e-4, initialModel=None,
              distanceMeasure: str = "euclidean") -> KMeansModel:
        """Cluster the vectors of ``rdd`` into at most ``k`` clusters."""
        if k <= 0:
            raise IllegalArgumentException(f"requirement failed: Number of clusters must be positive but got {k}")
        initial = None
        if initialModel is not None:
            if not isinstance(initialModel, KMeansModel):
                raise TypeError("initialModel is of " + str(type(initialModel)) + ". It needs to be of <class "
                                "'pyspark.mllib.clustering.KMeansModel'>")
            initial = np.array(initialModel.clusterCenters)
        seed = random.getrandbits(63) if seed is None else int(seed)
        with RDDInstances(rdd, "KMeans") as points:
            if points.count == 0:
                raise IllegalArgumentException("requirement failed: No samples available from the training data")
            try:
                result = kernel.train_kmeans(points, k, max_iter=maxIterations, tol=epsilon, seed=seed,
                                             init_mode=initializationMode, init_steps=initializationSteps,
                                             distance_measure=distanceMeasure, initial_centers=initial)
            except ValueError as e:
                raise IllegalArgumentException(str(e)) from None
        return KMeansModel(result.centers)

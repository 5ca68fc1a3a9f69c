"""``pyspark.ml.clustering``: k-means with k-means|| initialisation, Euclidean or cosine distance.

Contract: ``KMeans`` has Spark's parameters and defaults (``k=2``, ``maxIter=20``, ``tol=1e-4``,
``initMode="k-means||"``, ``initSteps=2``, ``distanceMeasure="euclidean"``); each initialisation
step and each Lloyd iteration is one job over the cached batches (``KMeans iteration 3``); the
model's ``clusterCenters()``, integer ``prediction`` column and ``summary`` (``trainingCost``,
``clusterSizes``, ``numIter``, ``predictions``) are Spark's.
"""
from __future__ import annotations

import numpy as np
import pyarrow as pa

from sparklite.ml.base import Estimator, HasTrainingSummary, weight_column
from sparklite.ml.impl import kmeans as kernel
from sparklite.ml.instances import Instances
from sparklite.ml.param import Param, Params, TypeConverters as TC
from sparklite.ml.param.shared import (HasDistanceMeasure, HasFeaturesCol, HasMaxBlockSizeInMB, HasMaxIter,
                                       HasPredictionCol, HasSeed, HasSolver, HasTol, HasWeightCol, one_of)
from sparklite.ml.predictors import PredictionModel
from sparklite.ml.util import MLReadable, MLWritable, read_data, write_data
from sparklite.sql import functions as F
from sparklite.sql import types as T
from sparklite.sql.errors import IllegalArgumentException

__all__ = ["KMeans", "KMeansModel", "KMeansSummary"]


class _KMeansParams(HasFeaturesCol, HasPredictionCol, HasMaxIter, HasTol, HasSeed, HasDistanceMeasure,
                    HasWeightCol, HasSolver, HasMaxBlockSizeInMB):
    k = Param(Params._dummy(), "k", "The number of clusters to create. Must be > 1.", TC.toInt, lambda v: v > 1)
    initMode = Param(Params._dummy(), "initMode", 'The initialization algorithm. This can be either "random" to choose '
                     'random points as initial cluster centers, or "k-means||" to use a parallel variant of '
                     "k-means++", TC.toString, one_of("random", "k-means||"))
    initSteps = Param(Params._dummy(), "initSteps", "The number of steps for k-means|| initialization mode. Must be "
                      "> 0.", TC.toInt, lambda v: v > 0)
    _defaults = {"k": 2, "maxIter": 20, "tol": 1e-4, "initMode": "k-means||", "initSteps": 2, "seed": 0,
                 "solver": "auto"}


class KMeans(Estimator, _KMeansParams, MLWritable, MLReadable):
    """K-means clustering over cached data: broadcast centers, per-partition sums, driver update."""

    def _fit(self, dataset) -> "KMeansModel":
        with Instances(dataset, self, self.getFeaturesCol(), None, weight_column(self)) as data:
            if data.count == 0:
                raise IllegalArgumentException(f"{self.uid}: the training data is empty")
            try:
                result = kernel.train_kmeans(data, self.getK(), max_iter=self.getMaxIter(), tol=self.getTol(),
                                             seed=self.getSeed(), init_mode=self.getInitMode(),
                                             init_steps=self.getInitSteps(),
                                             distance_measure=self.getDistanceMeasure())
            except ValueError as e:
                raise IllegalArgumentException(f"{self.uid}: {e}") from None
        model = KMeansModel(result.centers)._with_parent(self)
        model._summary = KMeansSummary(model, dataset, result)
        return model


class KMeansModel(HasTrainingSummary, PredictionModel, _KMeansParams):
    """Fitted cluster centers; ``transform`` adds each row's nearest center's index."""

    def __init__(self, centers=None):
        super().__init__()
        self._centers = np.zeros((0, 0)) if centers is None else np.asarray(centers, dtype=np.float64)
        self.num_features = self._centers.shape[1] if self._centers.ndim == 2 else 0
        self._summary = None

    def clusterCenters(self) -> list:
        return [center.copy() for center in self._centers]

    def predict(self, value) -> int:
        return int(self._scorer()(self._matrix(value))[0])

    def _output_fields(self) -> list:
        return [("predictionCol", "prediction", T.IntegerType())]

    def _scorer(self):
        centers, measure = self._centers, self.getDistanceMeasure()
        return lambda X: pa.array(kernel.predict(X, centers, measure).astype(np.int32))

    def _save_extra(self, path: str) -> None:
        write_data(path, pa.table({"clusterIdx": list(range(len(self._centers))),
                                   "clusterCenter": [c.tolist() for c in self._centers]}))

    def _load_extra(self, path: str, metadata: dict) -> None:
        rows = sorted(read_data(path).to_pylist(), key=lambda r: r["clusterIdx"])
        self._centers = np.array([r["clusterCenter"] for r in rows], dtype=np.float64)
        self.num_features, self._summary = self._centers.shape[1], None


class KMeansSummary:
    """The clustering of the training data: ``trainingCost``, ``clusterSizes``, ``numIter``, ``k``,
    ``predictions`` and its ``cluster`` column."""

    def __init__(self, model, dataset, result):
        self.predictions = model.transform(dataset)
        self.predictionCol, self.featuresCol = model.getPredictionCol(), model.getFeaturesCol()
        self.k = len(result.centers)
        self._result = result

    @property
    def trainingCost(self) -> float:
        return self._result.training_cost

    @property
    def numIter(self) -> int:
        return self._result.num_iter

    @property
    def clusterSizes(self) -> list:
        return [int(size) for size in self._result.cluster_sizes]

    @property
    def cluster(self):
        return self.predictions.select(F.col(self.predictionCol))

"""``pyspark.mllib.stat``: column statistics and correlations of RDDs of vectors.

Contract: ``Statistics.colStats(rdd)`` is ``sparklite.ml.stat.Summarizer`` over the vectors (as a
one-column DataFrame; jobs described "Statistics colStats") and gives a ``MultivariateStatisticalSummary`` (numpy arrays per column: ``mean``, sample
``variance``, ``numNonzeros``, ``max``, ``min``, ``normL1``, ``normL2``; and ``count``).
``Statistics.corr(x, y=None, method="pearson")`` is the correlation matrix of an RDD of vectors (a
numpy array) or, given two RDDs of floats zipped row by row, their correlation (a float); Pearson
or Spearman, computed as ``sparklite.ml.stat.Correlation`` does.
"""
from __future__ import annotations

import numpy as np

from sparklite.ml.instances import job_description
from sparklite.ml.stat import Correlation, Summarizer
from sparklite.mllib.linalg import Vectors, VectorUDT
from sparklite.mllib.regression import as_vector
from sparklite.sql import SparkSession
from sparklite.sql import types as T

__all__ = ["Statistics", "MultivariateStatisticalSummary"]


_METRICS = ("mean", "variance", "count", "numNonZeros", "max", "min", "normL1", "normL2")


class MultivariateStatisticalSummary:
    """Per-column statistics of an RDD of vectors."""

    def __init__(self, values: dict):
        self._values = values

    def _array(self, name: str) -> np.ndarray:
        return self._values[name].toArray().copy()

    def mean(self) -> np.ndarray:
        return self._array("mean")

    def variance(self) -> np.ndarray:
        return self._array("variance")

    def count(self) -> int:
        return int(self._values["count"])

    def numNonzeros(self) -> np.ndarray:
        return self._array("numNonZeros")

    def max(self) -> np.ndarray:
        return self._array("max")

    def min(self) -> np.ndarray:
        return self._array("min")

    def normL1(self) -> np.ndarray:
        return self._array("normL1")

    def normL2(self) -> np.ndarray:
        return self._array("normL2")


def _frame(vectors):
    """A DataFrame of one vector column, ``features``, holding the vectors of an RDD."""
    spark = SparkSession.builder.getOrCreate()
    schema = T.StructType([T.StructField("features", VectorUDT(), False)])
    return spark.createDataFrame(vectors.map(lambda v: (as_vector(v),)), schema)


class Statistics:
    """Summaries and correlations of RDDs."""

    @staticmethod
    def colStats(rdd) -> MultivariateStatisticalSummary:
        """Column statistics of an RDD of vectors."""
        frame = _frame(rdd)
        with job_description(rdd.ctx, "Statistics colStats"):
            row = frame.select(Summarizer.metrics(*_METRICS).summary(frame["features"]).alias("summary")).head()
        return MultivariateStatisticalSummary(row["summary"].asDict())

    @staticmethod
    def corr(x, y=None, method: str = None):
        """The correlation matrix of an RDD of vectors, or the correlation of two RDDs of floats."""
        if isinstance(y, str):
            raise TypeError("Use 'method=' to specify method name.")
        method = method or "pearson"
        vectors = x if y is None else x.zip(y).map(lambda pair: Vectors.dense(pair))
        with job_description(x.ctx, f"Statistics corr ({method})"):
            matrix = Correlation.corr(_frame(vectors), "features", method).head()[0].toArray()
        return matrix if y is None else float(matrix[0, 1])

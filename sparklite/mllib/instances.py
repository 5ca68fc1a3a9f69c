"""An RDD of labelled points (or of vectors) as the ML kernels see their data.

Contract: ``RDDInstances(rdd, caller)`` turns each partition's records into one ``Chunk`` (``X`` the
features as an ``n x d`` float64 matrix, ``y`` the labels, 0 for bare vectors, ``w`` weights of 1),
cached until ``close()``, and makes one summary pass ("<caller> instances"): ``count``,
``num_features`` (every vector the same size, else a ``ValueError`` naming two sizes), ``label_min``
and ``label_max``. ``aggregate(seq_op, comb_op, description)`` and ``map_chunks(fn, description)``
are ``sparklite.ml.instances.CachedPartitions``' (one job each, described for the UI, BLAS at one thread per
task); an empty partition's chunk has ``num_features`` columns, as the kernels expect.
"""
from __future__ import annotations

import numpy as np

from sparklite import StorageLevel
from sparklite.ml.instances import CachedPartitions, Chunk, job_description
from sparklite.mllib.regression import LabeledPoint, as_vector

__all__ = ["RDDInstances"]


def _chunk(index: int, records) -> list:
    rows, labels = [], []
    for record in records:
        if isinstance(record, LabeledPoint):
            rows.append(record.features.toArray())
            labels.append(record.label)
        else:
            rows.append(as_vector(record).toArray())
            labels.append(0.0)
    sizes = {len(row) for row in rows}
    if len(sizes) > 1:
        smallest, largest = sorted(sizes)[0], sorted(sizes)[-1]
        raise ValueError(f"the training vectors have sizes {smallest} and {largest}: every vector must have the "
                         "same size")
    X = np.array(rows, dtype=np.float64) if rows else np.zeros((0, 0))
    y = np.array(labels, dtype=np.float64)
    return [Chunk(index * 65536, X, y, np.ones(len(y)))]


def _summary(chunk: Chunk) -> tuple:
    """(rows, smallest and largest vector size, label min and max) of a chunk."""
    if not len(chunk):
        return 0, np.iinfo(np.int64).max, -1, np.inf, -np.inf
    width = chunk.X.shape[1]
    return len(chunk), width, width, float(chunk.y.min()), float(chunk.y.max())


def _merge_summaries(a: tuple, b: tuple) -> tuple:
    return a[0] + b[0], min(a[1], b[1]), max(a[2], b[2]), min(a[3], b[3]), max(a[4], b[4])


def _sized(num_features: int):
    def fit(chunk: Chunk) -> Chunk:
        if chunk.X.shape[1] == num_features:
            return chunk
        return Chunk(chunk.index, np.zeros((0, num_features)), chunk.y, chunk.w)
    return fit


class RDDInstances(CachedPartitions):
    """An RDD's records as cached per-partition chunks, for the kernels (see the module)."""

    def __init__(self, rdd, caller: str, depth: int = 2):
        self.sc = rdd.ctx
        self._chunks = rdd.mapPartitionsWithIndex(_chunk).persist(StorageLevel.MEMORY_AND_DISK)
        with job_description(self.sc, f"{caller} instances"):
            summary = self._chunks.map(_summary).treeReduce(_merge_summaries, depth)
        self.count, smallest, largest, self.label_min, self.label_max = summary
        if self.count and smallest != largest:
            self.close()
            raise ValueError(f"the training vectors have sizes {smallest} and {largest}: every vector must have "
                             "the same size")
        self.num_features = largest if self.count else 0
        super().__init__(self._chunks.map(_sized(self.num_features)), depth)

    def close(self) -> None:
        self._chunks.unpersist()

    def __enter__(self) -> "RDDInstances":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

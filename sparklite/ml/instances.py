"""Training rows as the ML kernels see them: per-partition numpy chunks over cached Arrow batches.

Contract (the interface every kernel in ``sparklite.ml.impl`` is written against):
* ``Instances(dataset, stage, featuresCol, labelCol=None, weightCol=None)`` checks the columns
  (naming the column and the stage when one is missing or of the wrong type), keeps the features,
  the label and the weight as doubles in Arrow memory (the DataFrame's own cache when it is cached,
  else a cache of its own that ``close()`` drops), and makes one summary pass: ``count``,
  ``weight_sum``, ``num_features`` (every vector the same size, or a ``ValueError`` naming both
  sizes), ``label_min``/``label_max`` and whether every label is a whole number.
* ``aggregate(seq_op, comb_op, description)`` is one job: ``seq_op(chunk)`` over each partition's
  ``Chunk`` (``index``, ``X`` an ``n x d`` float64 matrix read from the vector column without a
  copy when the vectors are dense, ``y``, ``w``), on the executors' threads, the partials merged with
  ``comb_op`` (through ``treeReduce`` when there are many partitions). ``description`` names the job
  in the listener bus and the UI (``LogisticRegression iteration 3``).
* ``map_chunks(fn, description)`` keeps ``fn(chunk)`` per partition cached and has the same
  ``aggregate``/``map_chunks``; ``unpersist()`` drops it.
"""
from __future__ import annotations

import functools
import math
from contextlib import contextmanager

import numpy as np
import pyarrow as pa

from sparklite import StorageLevel
from sparklite.core import api
from sparklite.ml.base import require_column
from sparklite.ml.functions import vector_sizes, vectors_to_matrix
from sparklite.ml.linalg import VectorUDT
from sparklite.sql import functions as F
from sparklite.sql import types as T
from sparklite.sql.dataframe import arrow_batches
from sparklite.sql.errors import IllegalArgumentException

__all__ = ["Chunk", "Instances", "CachedPartitions", "job_description"]

_NUMBERS = (T.NumericType, T.BooleanType)


class Chunk:
    """One partition's rows: ``index``, ``X`` (n x d float64), ``y`` and ``w`` (n float64)."""

    __slots__ = ("index", "X", "y", "w")

    def __init__(self, index: int, X: np.ndarray, y: np.ndarray, w: np.ndarray):
        self.index, self.X, self.y, self.w = index, X, y, w

    def __len__(self) -> int:
        return len(self.y)


@contextmanager
def job_description(sc, description: str):
    """The jobs this thread runs inside are described by ``description``."""
    previous = sc.getLocalProperty("spark.job.description")
    sc.setJobDescription(description)
    try:
        yield
    finally:
        sc.setLocalProperty("spark.job.description", previous)


def _chunks(index: int, batches, num_features: int | None):
    """The partition's batches as chunks: the features, label and weight columns, in that order."""
    for number, batch in enumerate(batches):
        if batch.num_rows == 0:
            continue
        X = vectors_to_matrix(batch.column(0), num_features)
        yield Chunk(index * 65536 + number, X, _doubles(batch.column(1)), _doubles(batch.column(2)))


def _doubles(column: pa.Array) -> np.ndarray:
    return column.to_numpy(zero_copy_only=False).astype(np.float64, copy=False)


def _empty_chunk(index: int, num_features: int) -> Chunk:
    return Chunk(index * 65536, np.zeros((0, num_features)), np.zeros(0), np.zeros(0))


def _bind(seq_op, comb_op, num_features):
    def run(index, batches):
        api.task_blas_threads()
        partial = None
        for chunk in _chunks(index, batches, num_features):
            value = seq_op(chunk)
            partial = value if partial is None else comb_op(partial, value)
        if partial is None:
            partial = seq_op(_empty_chunk(index, num_features or 0))
        return [partial]
    return run


def _once(fn, items):
    """``fn`` of a cached partition's one object, with the task's BLAS threads."""
    api.task_blas_threads()
    return fn(next(iter(items)))


def _first(values):
    return next(iter(values))


_first._arrow_only = True


def _merge(partials_rdd, comb_op, depth: int):
    sc = partials_rdd.ctx
    n = partials_rdd.getNumPartitions()
    scale = max(int(math.ceil(pow(n, 1.0 / depth))), 2)
    if n <= scale + n / scale:
        return functools.reduce(comb_op, api.run_job(sc, partials_rdd, _first))
    return partials_rdd.treeReduce(comb_op, depth)


class CachedPartitions:
    """An RDD of one object per partition (a chunk, or what ``map_chunks`` made of it), with the kernels'
    ``aggregate``/``map_chunks``/``unpersist``: what ``Instances.map_chunks`` returns, and the base of
    ``sparklite.mllib``'s RDD-backed data."""

    def __init__(self, rdd, depth: int):
        self.rdd, self.depth = rdd, depth

    def aggregate(self, seq_op, comb_op, description: str):
        partials = api.MapPartitionsRDD(self.rdd, lambda i, items: [_once(seq_op, items)], arrow_only=True)
        with job_description(self.rdd.ctx, description):
            return _merge(partials, comb_op, self.depth)

    def map_chunks(self, fn, description: str) -> "CachedPartitions":
        mapped = api.MapPartitionsRDD(self.rdd, lambda i, items: [_once(fn, items)], arrow_only=True)
        mapped.persist(StorageLevel.MEMORY_AND_DISK)
        return CachedPartitions(mapped, self.depth)

    def unpersist(self) -> None:
        self.rdd.unpersist()


class Instances:
    """A DataFrame's (features, label, weight) rows, cached, for the kernels (see the module)."""

    def __init__(self, dataset, stage, featuresCol: str, labelCol: str | None = None, weightCol: str | None = None,
                 depth: int = 2):
        require_column(stage, dataset, featuresCol, VectorUDT, what="features column")
        columns = [F.col(featuresCol)]
        for name, what in ((labelCol, "label column"), (weightCol, "weight column")):
            if name:
                require_column(stage, dataset, name, *_NUMBERS, what=what)
                columns.append(F.col(name).cast("double"))
            else:
                columns.append(F.lit(0.0 if what == "label column" else 1.0))
        self.stage, self.depth = stage, depth
        selected = dataset.select(*columns)
        self.sc = dataset.sparkSession.sparkContext
        rdd = arrow_batches(selected)
        self._own_cache = not dataset.is_cached
        if self._own_cache:
            rdd = rdd.map_partitions(_one_batch, arrow_only=True)
            rdd.persist(StorageLevel.MEMORY_AND_DISK)
        self.rdd = rdd
        self.num_features = None
        self._summarize(stage, featuresCol, labelCol, weightCol)

    def _summarize(self, stage, featuresCol, labelCol, weightCol) -> None:
        partials = api.MapPartitionsRDD(self.rdd, _summary, arrow_only=True)
        with job_description(self.sc, f"{type(stage).__name__} instances summary"):
            summary = _merge(partials, _merge_summaries, self.depth)
        (self.count, self.weight_sum, smallest, largest, self.label_min, self.label_max, self.integral_labels,
         nan_labels, bad_weights) = summary
        if smallest != largest and self.count:
            raise IllegalArgumentException(f"{stage.uid}: column {featuresCol} holds vectors of sizes {smallest} and "
                                           f"{largest}: every vector must have the same size")
        self.num_features = largest if self.count else 0
        if labelCol and nan_labels:
            raise IllegalArgumentException(f"{stage.uid}: label column {labelCol} has {nan_labels} NaN or null "
                                           "value(s)")
        if weightCol and bad_weights:
            raise IllegalArgumentException(f"{stage.uid}: requirement failed: weight column {weightCol} has "
                                           f"{bad_weights} negative, NaN or null value(s); weights must be >= 0")

    def num_classes(self, labelCol: str) -> int:
        """Spark's class count from the labels, which must be whole numbers from 0."""
        if self.count == 0:
            raise IllegalArgumentException(f"{self.stage.uid}: the training data is empty")
        if not self.integral_labels or self.label_min < 0:
            bad = self.label_min if self.label_min < 0 else "a non-integer label"
            raise IllegalArgumentException(f"{self.stage.uid}: Classification labels should be in [0 to "
                                           f"{int(self.label_max)}]. Found invalid label {bad} in column {labelCol}.")
        return int(self.label_max) + 1

    def aggregate(self, seq_op, comb_op, description: str):
        partials = api.MapPartitionsRDD(self.rdd, _bind(seq_op, comb_op, self.num_features), arrow_only=True)
        with job_description(self.sc, description):
            return _merge(partials, comb_op, self.depth)

    def map_chunks(self, fn, description: str) -> CachedPartitions:
        def make(index, batches):
            api.task_blas_threads()
            chunks = list(_chunks(index, batches, self_features))
            if not chunks:
                return [fn(_empty_chunk(index, self_features))]
            if len(chunks) == 1:
                return [fn(chunks[0])]
            return [fn(Chunk(chunks[0].index, np.concatenate([c.X for c in chunks]),
                             np.concatenate([c.y for c in chunks]), np.concatenate([c.w for c in chunks])))]
        self_features = self.num_features
        mapped = api.MapPartitionsRDD(self.rdd, make, arrow_only=True)
        mapped.persist(StorageLevel.MEMORY_AND_DISK)
        with job_description(self.sc, description):
            mapped.count()
        return CachedPartitions(mapped, self.depth)

    def close(self) -> None:
        """Drop the cache this made (the DataFrame's own cache stays)."""
        if self._own_cache:
            self.rdd.unpersist()

    def __enter__(self) -> "Instances":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _summary(index, batches) -> list:
    """(rows, weight sum, smallest and largest vector size, label min and max, labels all whole,
    NaN or null labels, bad weights) of a partition."""
    total = (0, 0.0, np.iinfo(np.int64).max, -1, np.inf, -np.inf, True, 0, 0)
    for batch in batches:
        if not batch.num_rows:
            continue
        if batch.column(0).null_count:
            raise ValueError(f"the features column has {batch.column(0).null_count} null vector(s)")
        sizes = vector_sizes(batch.column(0))
        y = batch.column(1).to_numpy(zero_copy_only=False).astype(np.float64)
        w = batch.column(2).to_numpy(zero_copy_only=False).astype(np.float64)
        known = y[~np.isnan(y)]
        part = (len(y), float(np.nansum(w)), int(sizes.min()), int(sizes.max()),
                float(known.min()) if len(known) else np.inf, float(known.max()) if len(known) else -np.inf,
                bool(np.all(np.mod(known, 1) == 0)), len(y) - len(known), int(((w < 0) | np.isnan(w)).sum()))
        total = _merge_summaries(total, part)
    return [total]


def _merge_summaries(a: tuple, b: tuple) -> tuple:
    return (a[0] + b[0], a[1] + b[1], min(a[2], b[2]), max(a[3], b[3]), min(a[4], b[4]), max(a[5], b[5]),
            a[6] and b[6], a[7] + b[7], a[8] + b[8])


def _one_batch(batches):
    batches = [b for b in batches if b.num_rows]
    if len(batches) <= 1:
        yield from batches
        return
    yield pa.Table.from_batches(batches).combine_chunks().to_batches()[0]

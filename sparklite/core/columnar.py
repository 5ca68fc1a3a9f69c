"""Columnar partitions: RDDs whose records are ``pyarrow.RecordBatch``es, shuffled by key columns
without making Python rows (the path ``sparklite.sql`` builds on).

Contract:
* ``hash_columns(batch, keys)`` hashes the key columns of every row at once with numpy: integers,
  floats, booleans, dates and timestamps by their 64-bit values, strings and binaries by a polynomial
  hash of their bytes, nulls as 0. The result depends only on the values, so a key lands in the same
  partition on every executor.
* ``ColumnarRDD`` is the RDD kind: batches with a driver-side schema and a partitioner.
  ``shuffle(keys, n)`` is a shuffle whose map side computes the partition of every row of a batch
  at once (``ColumnPartitioner``), splits the batch with ``take``, and hands the shuffle one Arrow
  piece per reducer; the reducer receives record batches. An input already partitioned by an
  equal ``ColumnPartitioner`` is returned as it is (no exchange), and ``zip_partitions`` combines
  co-partitioned inputs partition by partition. The record path and this one share the
  shuffle writer/reader, the map-output tracker and the block store; only the bucketing differs.
"""
from __future__ import annotations

import numpy as np
import pyarrow as pa

from sparklite.core.dependencies import OneToOneDependency
from sparklite.core.partitioner import Partitioner
from sparklite.core.rdd import RDD
from sparklite.core.rdds import MapPartitionsRDD, ShuffledRDD

_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_PRIME = np.uint64(0x100000001B3)
_SEED = np.uint64(0x9E3779B97F4A7C15)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finalizer, vectorized (wrapping uint64 arithmetic)."""
    x = x + _SEED
    x = (x ^ (x >> np.uint64(30))) * _MIX1
    x = (x ^ (x >> np.uint64(27))) * _MIX2
    return x ^ (x >> np.uint64(31))


def _bytes_hash(array) -> np.ndarray:
    """A polynomial hash of each value's bytes, computed over the whole data buffer at once."""
    if pa.types.is_string(array.type) or pa.types.is_binary(array.type):
        array = array.cast(pa.large_binary())
    elif pa.types.is_large_string(array.type):
        array = array.cast(pa.large_binary())
    n = len(array)
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int64)[array.offset:array.offset + n + 1]
    data = np.frombuffer(array.buffers()[2], dtype=np.uint8) if array.buffers()[2] is not None else np.zeros(0, np.uint8)
    lengths = np.diff(offsets)
    total = int(lengths.sum())
    out = np.zeros(n, dtype=np.uint64)
    if total:
        starts = offsets[:-1]
        owner = np.repeat(np.arange(n), lengths)
        position = np.arange(total) - np.repeat(starts - offsets[0], lengths)
        powers = np.cumprod(np.concatenate([[np.uint64(1)], np.full(int(lengths.max()), _PRIME, np.uint64)]))
        contribution = (data[offsets[0]:offsets[0] + total].astype(np.uint64) + np.uint64(1)) * powers[position]
        np.add.at(out, owner, contribution)
    return _mix(out ^ lengths.astype(np.uint64))


def _column_hash(array) -> np.ndarray:
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    t = array.type
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_binary(t) or pa.types.is_large_binary(t):
        h = _bytes_hash(array)
    elif pa.types.is_floating(t):
        values = array.cast(pa.float64()).fill_null(0.0).to_numpy(zero_copy_only=False)
        values = np.where(values == 0.0, 0.0, values)           # -0.0 and 0.0 are one key
        values = np.where(np.isnan(values), np.nan, values)      # one NaN
        h = _mix(values.view(np.uint64))
    elif pa.types.is_boolean(t) or pa.types.is_integer(t) or pa.types.is_temporal(t):
        h = _mix(array.cast(pa.int64()).fill_null(0).to_numpy(zero_copy_only=False).view(np.uint64))
    else:
        raise TypeError(f"cannot shuffle by a column of type {t}; use numbers, strings, binary, "
                        f"booleans, dates or timestamps as keys")
    if array.null_count:
        h = np.where(array.is_valid().to_numpy(zero_copy_only=False), h, np.uint64(0))
    return h


def hash_columns(batch: pa.RecordBatch, keys: list[str]) -> np.ndarray:
    """One uint64 hash per row of the key columns, identical in every process."""
    missing = [k for k in keys if k not in batch.schema.names]
    if missing:
        raise KeyError(f"key column(s) {missing} not in the batch's columns {batch.schema.names}")
    h = np.zeros(batch.num_rows, dtype=np.uint64)
    for key in keys:
        h = _mix(h * np.uint64(31) + _column_hash(batch.column(key)))
    return h


class ColumnPartitioner(Partitioner):
    """Places rows by the hash of their key columns: rows with equal keys share a partition.

    Two are equal when they have the same key columns and partition count, so a planner can see
    that two inputs are already co-partitioned and skip the exchange. It places whole record
    batches (``split``), never single Python keys."""

    columnar = True     # a shuffle with this partitioner splits record batches, not (key, value) records

    def __init__(self, keys, numPartitions: int):
        if isinstance(keys, str):
            keys = [keys]
        if not keys:
            raise ValueError("a column partitioner needs at least one key column")
        if numPartitions < 1:
            raise ValueError(f"the number of partitions must be positive, got {numPartitions}")
        super().__init__(numPartitions, None)
        self.keys = tuple(keys)

    def __eq__(self, other) -> bool:
        return (isinstance(other, ColumnPartitioner) and self.keys == other.keys
                and self.numPartitions == other.numPartitions)

    def __hash__(self) -> int:
        return hash((ColumnPartitioner, self.keys, self.numPartitions))

    def __call__(self, key) -> int:
        raise TypeError("a column partitioner places rows of record batches by their key columns; "
                        "use partition_ids(batch)")

    def __repr__(self) -> str:
        return f"ColumnPartitioner({list(self.keys)}, {self.numPartitions})"

    def partition_ids(self, batch: pa.RecordBatch) -> np.ndarray:
        """The partition of every row of ``batch``."""
        return (hash_columns(batch, list(self.keys)) % np.uint64(self.numPartitions)).astype(np.int64)

    def split(self, batch: pa.RecordBatch) -> list:
        """One piece of ``batch`` per partition (None where no row goes), rows kept in order."""
        if not isinstance(batch, pa.RecordBatch):
            raise TypeError(f"a columnar shuffle needs pyarrow.RecordBatch records, got {type(batch).__name__}")
        ids = self.partition_ids(batch)
        order = np.argsort(ids, kind="stable")
        counts = np.bincount(ids, minlength=self.numPartitions)
        ordered = batch.take(pa.array(order))
        pieces, start = [], 0
        for count in counts.tolist():
            pieces.append(ordered.slice(start, count) if count else None)
            start += count
        return pieces


class ColumnarRDD(RDD):
    """An RDD whose records are ``pyarrow.RecordBatch``es (every DataFrame partition is one), with
    the schema known on the driver and a comparable partitioner. Cached as the batches themselves;
    shuffled by key columns without making Python rows."""

    _arrow_only = True

    def __init__(self, parent: RDD, schema: pa.Schema | None = None, partitioner=None):
        super().__init__(parent.ctx, [OneToOneDependency(parent)])
        self.schema = schema
        self.partitioner = partitioner

    @classmethod
    def from_batches(cls, sc, batches, numSlices: int | None = None) -> "ColumnarRDD":
        """Distribute record batches (all of one schema) over ``numSlices`` partitions."""
        batches = list(batches)
        schemas = {b.schema for b in batches}
        if len(schemas) > 1:
            raise ValueError(f"record batches of different schemas: {sorted(map(str, schemas))}")
        return cls(sc.parallelize(batches, numSlices), batches[0].schema if batches else None)

    @classmethod
    def from_table(cls, sc, table: pa.Table, numSlices: int | None = None) -> "ColumnarRDD":
        """A table cut into ``numSlices`` partitions of contiguous rows."""
        n = max(1, numSlices or sc.defaultParallelism)
        step = -(-table.num_rows // n) or 1
        batches = [b for start in range(0, table.num_rows, step) for b in table.slice(start, step).to_batches()]
        rdd = cls(sc.parallelize(batches, n), table.schema)
        return rdd

    def getNumPartitions(self) -> int:
        return self._deps[0].rdd.getNumPartitions()

    def compute(self, split, context):
        return self._deps[0].rdd.iterator(split, context)

    def map_batches(self, f, preservesPartitioning: bool = False, schema: pa.Schema | None = None) -> "ColumnarRDD":
        """Apply ``f(batch) -> batch`` to every batch; keeps the partitioner only when told the keys
        stay in place, and the schema only when ``schema`` gives the new one."""
        mapped = MapPartitionsRDD(self, lambda _, batches: (f(b) for b in batches), preservesPartitioning)
        return ColumnarRDD(mapped, schema, self.partitioner if preservesPartitioning else None)

    def shuffle(self, keys, numPartitions: int) -> "ColumnarRDD":
        """Rows with equal key columns in one partition; no exchange when already partitioned so."""
        partitioner = ColumnPartitioner(keys, numPartitions)
        if self.partitioner == partitioner:
            return self
        return ColumnarRDD(ShuffledRDD(self, partitioner), self.schema, partitioner)

    def zip_partitions(self, others, f, schema: pa.Schema | None = None) -> "ColumnarRDD":
        """``f(iterator, *other_iterators)`` over partition i of this RDD and of each of ``others``
        (all with as many partitions): the narrow way to join inputs that are co-partitioned."""
        others = list(others)
        zipped = ZippedPartitionsRDD([self] + others, f)
        same = all(o.partitioner == self.partitioner for o in others)
        return ColumnarRDD(zipped, schema, self.partitioner if same else None)

    def to_table(self) -> pa.Table:
        """Collect every batch into one table (the schema's, or the first batch's)."""
        batches = [b for b in self.collect() if b.num_rows or self.schema is None]
        if not batches:
            return (self.schema or pa.schema([])).empty_table()
        return pa.Table.from_batches(batches, self.schema)


class ZippedPartitionsRDD(RDD):
    """Partition i is ``f`` of partition i of every parent (Spark's ``zipPartitions``)."""

    def __init__(self, rdds: list, f):
        counts = {r.getNumPartitions() for r in rdds}
        if len(counts) != 1:
            raise ValueError(f"zip_partitions needs RDDs with the same number of partitions, got {sorted(counts)}")
        super().__init__(rdds[0].ctx, [OneToOneDependency(r) for r in rdds])
        self._f = f

    def getNumPartitions(self) -> int:
        return self._deps[0].rdd.getNumPartitions()

    def compute(self, split, context):
        return self._f(*(dep.rdd.iterator(split, context) for dep in self._deps))


def shuffle_batches(rdd, keys: list[str], num_partitions: int) -> ColumnarRDD:
    """Repartition an RDD of record batches so that rows with equal keys share a partition."""
    source = rdd if isinstance(rdd, ColumnarRDD) else ColumnarRDD(rdd)
    return source.shuffle(keys, num_partitions)

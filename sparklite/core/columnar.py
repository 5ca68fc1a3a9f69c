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
from sparklite.core.rdds import CoalescedRDD, MapPartitionsRDD, ShuffledRDD, slice_positions

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


class BatchPartitioner(Partitioner):
    """Places the rows of whole record batches: ``partition_ids(batch)`` gives every row's partition
    at once. Subclasses define it (and ``__eq__``/``__hash__`` when two instances may place rows
    alike, so a planner can see co-partitioned inputs); ``split`` cuts a batch by those ids. Inside a
    shuffle's map task ``TaskContext.get().partitionId()`` is the map partition (round-robin
    placement starts from it)."""

    columnar = True     # a shuffle with this partitioner splits record batches, not (key, value) records

    def __call__(self, key) -> int:
        raise TypeError(f"{type(self).__name__} places rows of record batches; use partition_ids(batch)")

    def partition_ids(self, batch: pa.RecordBatch) -> np.ndarray:
        """The partition (an int64 in ``[0, numPartitions)``) of every row of ``batch``."""
        raise NotImplementedError

    def split(self, batch: pa.RecordBatch) -> list:
        """One piece of ``batch`` per partition (None where no row goes), rows kept in order."""
        if not isinstance(batch, pa.RecordBatch):
            raise TypeError(f"a columnar shuffle needs pyarrow.RecordBatch records, got {type(batch).__name__}")
        ids = self.partition_ids(batch)
        if self.numPartitions == 1:
            return [batch if batch.num_rows else None]
        order = np.argsort(ids, kind="stable")
        counts = np.bincount(ids, minlength=self.numPartitions)
        ordered = batch.take(pa.array(order))
        pieces, start = [], 0
        for count in counts.tolist():
            pieces.append(ordered.slice(start, count) if count else None)
            start += count
        return pieces


class ColumnPartitioner(BatchPartitioner):
    """Places rows by the hash of their key columns: rows with equal keys share a partition.

    Two are equal when they have the same key columns and partition count, so a planner can see
    that two inputs are already co-partitioned and skip the exchange."""

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

    def __repr__(self) -> str:
        return f"ColumnPartitioner({list(self.keys)}, {self.numPartitions})"

    def partition_ids(self, batch: pa.RecordBatch) -> np.ndarray:
        return (hash_columns(batch, list(self.keys)) % np.uint64(self.numPartitions)).astype(np.int64)


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
        """A table cut into ``numSlices`` partitions of contiguous rows, where ``sc.parallelize`` of
        the table's rows would put them (so a DataFrame made from local data has PySpark's layout)."""
        n = max(1, numSlices or sc.defaultParallelism)
        rows = table.num_rows
        size = max(1, min(rows // n, 1024))
        chunks = -(-rows // size)
        slices = [(a * size, min(b * size, rows)) for a, b in slice_positions(chunks, n)]
        parts = [table.slice(start, end - start).combine_chunks().to_batches() for start, end in slices]
        # one element per slice: each task unpickles only its own partition's batches
        packed = sc.parallelize(parts, n)
        return cls(MapPartitionsRDD(packed, _flatten, arrow_only=True), table.schema)

    def getNumPartitions(self) -> int:
        return self._deps[0].rdd.getNumPartitions()

    def compute(self, split, context):
        return self._deps[0].rdd.iterator(split, context)

    def map_batches(self, f, preservesPartitioning: bool = False, schema: pa.Schema | None = None,
                    arrow_only: bool = False) -> "ColumnarRDD":
        """Apply ``f(batch) -> batch`` to every batch; keeps the partitioner only when told the keys
        stay in place, and the schema only when ``schema`` gives the new one. ``arrow_only=True``
        says ``f`` runs Arrow/numpy kernels only (no per-row Python), so the tasks may run on the
        executor's threads rather than in Python worker processes."""
        return self.map_partitions(lambda batches: (f(b) for b in batches), preservesPartitioning, schema,
                                   arrow_only)

    def map_partitions(self, f, preservesPartitioning: bool = False, schema: pa.Schema | None = None,
                       arrow_only: bool = False) -> "ColumnarRDD":
        """``f(iterator of batches) -> iterator of batches`` over each partition (an operator that
        needs a whole partition, such as a sort or an aggregate); ``arrow_only`` as in ``map_batches``."""
        mapped = MapPartitionsRDD(self, lambda _, batches: f(batches), preservesPartitioning, arrow_only=arrow_only)
        return ColumnarRDD(mapped, schema, self.partitioner if preservesPartitioning else None)

    def partition_by(self, partitioner: BatchPartitioner) -> "ColumnarRDD":
        """Exchange rows among partitions as ``partitioner`` places them; no exchange when this RDD
        is already partitioned by an equal partitioner."""
        if not getattr(partitioner, "columnar", False):
            raise TypeError(f"partition_by needs a BatchPartitioner, got {type(partitioner).__name__}")
        if self.partitioner == partitioner:
            return self
        return ColumnarRDD(ShuffledRDD(self, partitioner), self.schema, partitioner)

    def shuffle(self, keys, numPartitions: int) -> "ColumnarRDD":
        """Rows with equal key columns in one partition; no exchange when already partitioned so."""
        return self.partition_by(ColumnPartitioner(keys, numPartitions))

    def coalesce_partitions(self, groups: list) -> "ColumnarRDD":
        """Partition i reads the parent partitions ``groups[i]`` one after another, without a shuffle
        (how adaptive execution merges small shuffle partitions)."""
        return ColumnarRDD(CoalescedRDD(self, len(groups), [list(g) for g in groups]), self.schema)

    def zip_partitions(self, others, f, schema: pa.Schema | None = None, arrow_only: bool = False) -> "ColumnarRDD":
        """``f(iterator, *other_iterators)`` over partition i of this RDD and of each of ``others``
        (all with as many partitions): the narrow way to join inputs that are co-partitioned."""
        others = list(others)
        zipped = ZippedPartitionsRDD([self] + others, f, arrow_only)
        same = all(o.partitioner == self.partitioner for o in others)
        return ColumnarRDD(zipped, schema, self.partitioner if same else None)

    def to_table(self) -> pa.Table:
        """Collect every batch into one table (the schema's, or the first batch's)."""
        batches = [b for b in self.collect() if b.num_rows or self.schema is None]
        if not batches:
            return (self.schema or pa.schema([])).empty_table()
        return pa.Table.from_batches(batches, self.schema)


def _flatten(_, parts):
    return (batch for part in parts for batch in part)


class ZippedPartitionsRDD(RDD):
    """Partition i is ``f`` of partition i of every parent (Spark's ``zipPartitions``)."""

    def __init__(self, rdds: list, f, arrow_only: bool = False):
        counts = {r.getNumPartitions() for r in rdds}
        if len(counts) != 1:
            raise ValueError(f"zip_partitions needs RDDs with the same number of partitions, got {sorted(counts)}")
        super().__init__(rdds[0].ctx, [OneToOneDependency(r) for r in rdds])
        self._f = f
        self._arrow_only = arrow_only

    def getNumPartitions(self) -> int:
        return self._deps[0].rdd.getNumPartitions()

    def compute(self, split, context):
        return self._f(*(dep.rdd.iterator(split, context) for dep in self._deps))


def shuffle_batches(rdd, keys: list[str], num_partitions: int) -> ColumnarRDD:
    """Repartition an RDD of record batches so that rows with equal keys share a partition."""
    source = rdd if isinstance(rdd, ColumnarRDD) else ColumnarRDD(rdd)
    return source.shuffle(keys, num_partitions)

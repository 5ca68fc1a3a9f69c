"""Columnar partitions: RDDs whose records are ``pyarrow.RecordBatch``es, shuffled by key columns
without making Python rows (the path ``sparklite.sql`` builds on).

Contract:
* ``hash_columns(batch, keys)`` hashes the key columns of every row at once with numpy: integers,
  floats, booleans, dates and timestamps by their 64-bit values, strings and binaries by a polynomial
  hash of their bytes, nulls as 0. The result depends only on the values, so a key lands in the same
  partition on every executor.
* ``shuffle_batches(rdd, keys, num_partitions)`` is a shuffle whose map side computes the partition
  of every row of a batch at once, splits the batch with ``take``, and hands the shuffle one Arrow
  piece per reducer; the reducer receives record batches. The record path and this one share the
  shuffle writer/reader, the map-output tracker and the block store; only the bucketing differs.
"""
from __future__ import annotations

import numpy as np
import pyarrow as pa

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


class BatchBucketer:
    """Splits a record batch into one piece per reducer by the hash of its key columns."""

    def __init__(self, keys: list[str], num_partitions: int):
        self.keys, self.num_partitions = list(keys), num_partitions

    def split(self, batch: pa.RecordBatch) -> list:
        if not isinstance(batch, pa.RecordBatch):
            raise TypeError(f"a columnar shuffle needs pyarrow.RecordBatch records, got {type(batch).__name__}")
        ids = (hash_columns(batch, self.keys) % np.uint64(self.num_partitions)).astype(np.int64)
        order = np.argsort(ids, kind="stable")
        counts = np.bincount(ids, minlength=self.num_partitions)
        ordered = batch.take(pa.array(order))
        pieces, start = [], 0
        for count in counts.tolist():
            pieces.append(ordered.slice(start, count) if count else None)
            start += count
        return pieces


def shuffle_batches(rdd, keys: list[str], num_partitions: int):
    """Repartition an RDD of record batches so that rows with equal keys share a partition."""
    from sparklite.core.partitioner import Partitioner
    from sparklite.core.rdds import ShuffledRDD
    shuffled = ShuffledRDD(rdd, Partitioner(num_partitions, _no_record_partitioning))
    shuffled._deps[0].bucketer = BatchBucketer(keys, num_partitions)
    shuffled.partitioner = None   # placement is by key columns, not by a record partitioner
    return shuffled


def _no_record_partitioning(key):
    raise TypeError("a columnar shuffle places rows by their key columns")

"""Columnar partitions: RDDs of Arrow record batches are cached untouched and shuffled by key
columns without Python rows."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pyarrow as pa
import pytest

from sparklite.core.columnar import hash_columns, shuffle_batches


def batches_rdd(sc, parts: int = 4, rows: int = 1000):
    def make(i):
        rng = np.random.default_rng(i)
        keys = rng.integers(0, 50, size=rows)
        return pa.record_batch({"k": pa.array(keys), "name": pa.array([f"n{k % 7}" for k in keys]),
                                "v": pa.array(rng.normal(size=rows))})
    return sc.parallelize(range(parts), parts).map(make)


def test_shuffle_by_key_columns_puts_each_key_in_one_partition(sc):
    source = batches_rdd(sc)
    expected = pa.Table.from_batches(source.collect())
    shuffled = shuffle_batches(source, ["k"], 3)
    parts = shuffled.glom().collect()
    assert len(parts) == 3
    assert all(isinstance(b, pa.RecordBatch) for part in parts for b in part)
    owner = {}
    for index, part in enumerate(parts):
        for batch in part:
            for key in set(batch.column("k").to_pylist()):
                assert owner.setdefault(key, index) == index, f"key {key} in two partitions"
    got = pa.Table.from_batches([b for part in parts for b in part])
    assert got.num_rows == expected.num_rows
    assert sorted(got.column("v").to_pylist()) == sorted(expected.column("v").to_pylist())


def test_shuffle_by_a_string_and_an_int_column(sc):
    shuffled = shuffle_batches(batches_rdd(sc), ["name", "k"], 4)
    seen = {}
    for index, part in enumerate(shuffled.glom().collect()):
        for batch in part:
            for pair in zip(batch.column("name").to_pylist(), batch.column("k").to_pylist()):
                assert seen.setdefault(pair, index) == index


def test_cached_batches_come_back_as_the_same_batches(sc):
    cached = batches_rdd(sc, parts=2).cache()
    first = cached.collect()
    again = cached.collect()
    assert all(a.equals(b) for a, b in zip(first, again))


def test_hash_is_the_same_in_every_process_and_ignores_chunking():
    batch = pa.record_batch({"s": pa.array(["a", "", None, "日本", "abc" * 20]), "x": pa.array([1.0, -0.0, 0.0, None, 2.5])})
    here = hash_columns(batch, ["s", "x"]).tolist()
    code = ("import pyarrow as pa; from sparklite.core.columnar import hash_columns;"
            "b = pa.record_batch({'s': pa.array(['a', '', None, '日本', 'abc' * 20]), 'x': pa.array([1.0, -0.0, 0.0, None, 2.5])});"
            "print(hash_columns(b, ['s', 'x']).tolist())")
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={"PYTHONHASHSEED": "123", "PATH": "/usr/bin:/bin"}).stdout.strip()
    assert str(here) == other
    sliced = batch.slice(2, 3)
    assert hash_columns(sliced, ["s", "x"]).tolist() == here[2:]
    x_only = hash_columns(batch, ["x"]).tolist()
    assert x_only[1] == x_only[2], "-0.0 and 0.0 are the same key"


def test_unknown_key_column_is_named(sc):
    with pytest.raises(Exception, match="missing_col"):
        shuffle_batches(batches_rdd(sc), ["missing_col"], 2).collect()


def test_a_layers_own_batch_partitioner_places_rows_and_is_not_shuffled_twice(sc):
    from sparklite.core.api import BatchPartitioner, ColumnarRDD, TaskContext

    class Parity(BatchPartitioner):
        def __init__(self):
            super().__init__(2, None)

        def partition_ids(self, batch):
            assert TaskContext.get().partitionId() in (0, 1, 2)      # runs in the map task
            return (batch.column("k").to_numpy() % 2).astype(np.int64)

        def __eq__(self, other):
            return isinstance(other, Parity)

        def __hash__(self):
            return hash(Parity)

    table = pa.table({"k": pa.array(range(30), pa.int64())})
    source = ColumnarRDD.from_table(sc, table, 3)
    placed = source.partition_by(Parity())
    assert placed.partition_by(Parity()) is placed
    parts = placed.map_batches(lambda b: b, preservesPartitioning=True, arrow_only=True).glom().collect()
    assert [sorted(k for b in part for k in b.column("k").to_pylist()) for part in parts] == \
        [list(range(0, 30, 2)), list(range(1, 30, 2))]
    with pytest.raises(TypeError, match="BatchPartitioner"):
        source.partition_by(object())


def test_a_table_is_cut_where_parallelize_cuts_its_rows(sc):
    from sparklite.core.api import ColumnarRDD
    for rows, n in [(10, 3), (0, 2), (5, 8), (5000, 2)]:
        table = pa.table({"x": pa.array(range(rows), pa.int64())})
        got = ColumnarRDD.from_table(sc, table, n).map_partitions(
            lambda bs: iter([pa.record_batch({"x": pa.concat_arrays([b.column(0) for b in bs] or
                                                                    [pa.array([], pa.int64())])})]),
            arrow_only=True).glom().collect()
        assert [[v for b in part for v in b.column(0).to_pylist()] for part in got] == \
            sc.parallelize(list(range(rows)), n).glom().collect()

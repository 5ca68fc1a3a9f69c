"""Micro-benchmarks of the hot paths (pytest-benchmark): task launch, the Arrow record codec, the
block store, and shuffle write/read. They run as tests; ``pytest tests/benchmarks/test_micro.py
--benchmark-only`` prints the timing table."""
from __future__ import annotations

import random

import pytest

from sparklite.core.conf import SparkConf
from sparklite.core.dependencies import Aggregator, ShuffleDependency
from sparklite.core.executor import Executor
from sparklite.core.partitioner import HashPartitioner
from sparklite.core.storage import codec
from sparklite.core.storagelevel import StorageLevel
from sparklite.core.taskcontext import TaskContext

RECORDS = [(f"w{random.Random(i).randint(0, 5000)}", i) for i in range(50_000)]


@pytest.fixture
def executor():
    ex = Executor("bench", 1, SparkConf(loadDefaults=False).set("spark.executor.memory", "512m"))
    yield ex
    ex.stop()


def test_task_launch(benchmark, make_sc):
    sc = make_sc("local[2]")
    rdd = sc.parallelize([], 200)
    assert benchmark(lambda: rdd.mapPartitions(lambda it: [1]).sum()) == 200    # every task ran


def test_codec_round_trip(benchmark):
    def round_trip():
        return codec.decode_ipc(codec.encode_ipc(RECORDS))
    assert benchmark(round_trip) == RECORDS


def test_block_store_put_get(benchmark, executor):
    table = codec.encode(RECORDS)
    store = executor.block_store

    def put_get():
        store.put(("rdd", 1, 0), table, StorageLevel.MEMORY_ONLY)
        return store.get(("rdd", 1, 0))
    assert benchmark(put_get).num_rows == len(RECORDS)


def test_shuffle_write_and_read(benchmark, sc, executor):
    rdd = sc.parallelize(RECORDS, 1)
    dep = ShuffleDependency(rdd, HashPartitioner(4), Aggregator(lambda v: v, lambda a, b: a + b, lambda a, b: a + b),
                            map_side_combine=True)

    def write_read():
        context = TaskContext(0, 0, 0, 0, 0, {}, executor, {dep.shuffle_id: [executor.executor_id]})
        sizes, rows, block = executor.shuffle.write(dep, iter(RECORDS), context)
        executor.block_store.put(("shuffle", dep.shuffle_id, 0), block, StorageLevel.MEMORY_AND_DISK)
        return sum(len(list(executor.shuffle.read(dep, r, context))) for r in range(4))
    assert benchmark(write_read) == len({k for k, _ in RECORDS})

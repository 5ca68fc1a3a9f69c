"""Exchanges: moving rows between partitions through the core's columnar shuffle.

Contract: ``ShuffleExchangeExec`` repartitions its child's batches without making Python rows:
"hash" places each row by Spark's Murmur3 hash of its keys (seed 42, ``pmod`` by the partition
count), so ``repartition(n, col)`` puts every row where Spark puts it; "roundrobin" deals each map
partition's rows out in turn starting after ``XORShiftRandom(map partition).nextInt(n)``, as
Spark's RoundRobinPartitioning does.
"""
from __future__ import annotations

import numpy as np
import pyarrow as pa

from sparklite.core.api import BatchPartitioner, TaskContext, start_position, submit_map_stage
from sparklite.sql.conf import byte_size
from sparklite.sql.execution.evaluate import evaluate_array
from sparklite.sql.execution.hashing import partition_ids as murmur3_partition_ids
from sparklite.sql.execution.physical import SparkPlan, bind


class SparkHashPartitioner(BatchPartitioner):
    """Spark's HashPartitioning: ``pmod(hash(keys), n)``; equal when over the same key columns."""

    def __init__(self, keys: list, numPartitions: int):
        super().__init__(numPartitions, None)
        self.keys = list(keys)

    def partition_ids(self, batch: pa.RecordBatch) -> np.ndarray:
        columns = [evaluate_array(k, batch) for k in self.keys]
        return np.asarray(murmur3_partition_ids(columns, self.numPartitions), dtype=np.int64)

    def __eq__(self, other):
        return (isinstance(other, SparkHashPartitioner) and other.numPartitions == self.numPartitions
                and [k.semantic_key() for k in other.keys] == [k.semantic_key() for k in self.keys])

    def __hash__(self):
        return hash((SparkHashPartitioner, self.numPartitions, len(self.keys)))


class SinglePartitioner(BatchPartitioner):
    """Spark's SinglePartition: every row to the one reduce partition, through a shuffle, so the
    stage before it keeps its tasks (a global aggregate's partial side, a global sort's input)."""

    def __init__(self):
        super().__init__(1, None)

    def partition_ids(self, batch: pa.RecordBatch) -> np.ndarray:
        return np.zeros(batch.num_rows, dtype=np.int64)

    def __eq__(self, other):
        return isinstance(other, SinglePartitioner)

    def __hash__(self):
        return hash(SinglePartitioner)


class RoundRobinPartitioner(BatchPartitioner):
    """Spark's RoundRobinPartitioning: a map partition's rows go to consecutive partitions."""

    def __init__(self, numPartitions: int):
        super().__init__(numPartitions, None)
        self._next = {}

    def partition_ids(self, batch: pa.RecordBatch) -> np.ndarray:
        context = TaskContext.get()
        key = (context.stageId(), context.partitionId(), context.attemptNumber()) if context else None
        first = self._next.get(key)
        if first is None:
            first = start_position(context.partitionId() if context else 0, self.numPartitions) + 1
        self._next[key] = first + batch.num_rows
        return (first + np.arange(batch.num_rows, dtype=np.int64)) % self.numPartitions

    def __eq__(self, other):
        return self is other

    def __hash__(self):
        return id(self)


class ShuffleExchangeExec(SparkPlan):
    def __init__(self, kind: str, keys: list, num_partitions: int | None, child: SparkPlan):
        self.kind, self.keys, self.num_partitions, self.children = kind, list(keys), num_partitions, (child,)

    @property
    def output(self):
        return self.children[0].output

    def execute(self, ctx):
        child = self.children[0]
        rdd = child.execute(ctx)
        if self.kind == "single":
            return rdd.partition_by(SinglePartitioner()) if rdd.getNumPartitions() != 1 else rdd
        n = self.num_partitions or ctx.shuffle_partitions
        if self.kind == "hash":
            partitioner = SparkHashPartitioner([bind(k, child.output) for k in self.keys], n)
        elif self.kind == "roundrobin":
            partitioner = RoundRobinPartitioner(n)
        else:
            raise NotImplementedError(f"{self.kind} partitioning")
        shuffled = rdd.partition_by(partitioner)
        if self.num_partitions is None and ctx.conf.get_bool("spark.sql.adaptive.enabled") and \
                ctx.conf.get_bool("spark.sql.adaptive.coalescePartitions.enabled"):
            return coalesce_small_partitions(ctx, shuffled)
        return shuffled

    def node_string(self):
        n = self.num_partitions if self.num_partitions is not None else "200"
        if self.kind == "hash":
            return f"Exchange hashpartitioning({', '.join(k.sql() for k in self.keys)}, {n})"
        if self.kind == "single":
            return "Exchange SinglePartition"
        return f"Exchange RoundRobinPartitioning({n})"


def coalesce_small_partitions(ctx, shuffled):
    """Adaptive execution's CoalesceShufflePartitions for one exchange."""
    groups = coalesce_groups(ctx, [shuffled])
    return shuffled.coalesce_partitions(groups) if groups is not None else shuffled


def coalesce_groups(ctx, shuffles: list):
    """Run the map sides of exchanges that share their partitioning (a join's two sides), then merge
    contiguous reduce partitions up to a target size: the advisory size, or less so that every core
    gets a partition, but never under the 1 MB minimum. None when nothing merges."""
    sizes = None
    for shuffled in shuffles:
        statistics = submit_map_stage(ctx.sc, shuffled).result()
        part = statistics.bytes_by_partition
        sizes = list(part) if sizes is None else [a + b for a, b in zip(sizes, part)]
    total = sum(sizes)
    advisory = byte_size(ctx.conf.get("spark.sql.adaptive.advisoryPartitionSizeInBytes"))
    minimum = byte_size(ctx.conf.get("spark.sql.adaptive.coalescePartitions.minPartitionSize", "1MB"))
    target = max(min(advisory, -(-total // max(ctx.sc.defaultParallelism, 1))), minimum)
    groups, current, current_size = [], [], 0
    for index, size in enumerate(sizes):
        if current and current_size + size > target:
            groups.append(current)
            current, current_size = [], 0
        current.append(index)
        current_size += size
    if current:
        groups.append(current)
    return groups if len(groups) < len(sizes) else None

"""What a stateful operator of a streaming micro-batch is given: ``StateInfo`` (its store, the version
to read, the watermark, the output mode, its metric accumulators), and where its state lives.

Contract: ``StateInfo.add(**metrics)`` adds to Spark's ``stateOperators`` progress fields (``METRICS``);
``kept_here(partition)`` records, from inside the task, the executor that keeps the partition's state;
``pinned(rdd, info)`` makes each partition of the operator's input prefer that executor in the next
batch (``StateLocalityRDD``), so a batch reads its state where it is held. ``MaxParam`` accumulates the
latest event time of a batch, ``PlacesParam`` the executors.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sparklite import AccumulatorParam
from sparklite.core.api import RDD, ColumnarRDD, OneToOneDependency, task_executor_id

METRICS = ("numRowsTotal", "numRowsUpdated", "numRowsRemoved", "numRowsDroppedByWatermark", "memoryUsedBytes",
           "commitTimeMs")


class PlacesParam(AccumulatorParam):
    """An accumulator of where each partition's state was kept: {partition: executor id}."""

    def zero(self, value):
        return {}

    def addInPlace(self, a, b):
        return {**a, **b}


class StateLocalityRDD(RDD):
    """A stateful operator's input, each partition preferring the executor that kept its state last
    batch (``locations``), so the state is read where it is held."""

    _arrow_only = True

    def __init__(self, parent, locations: dict):
        super().__init__(parent.ctx, [OneToOneDependency(parent)])
        self.parent, self.locations = parent, dict(locations)
        self.partitioner = parent.partitioner

    def getNumPartitions(self) -> int:
        return self.parent.getNumPartitions()

    def compute(self, split, context):
        return self.parent.iterator(split, context)

    def preferred_locations(self, split) -> list:
        place = self.locations.get(split)
        return [place] if place is not None else []


def pinned(rdd, info) -> ColumnarRDD:
    """``rdd`` (a stateful operator's exchanged input) placed where ``info`` says its state is."""
    return ColumnarRDD(StateLocalityRDD(rdd, info.locations), rdd.schema, rdd.partitioner)


class MaxParam(AccumulatorParam):
    """An accumulator of the largest value added (None before any)."""

    def zero(self, value):
        return None

    def addInPlace(self, a, b):
        return b if a is None else a if b is None else max(a, b)


@dataclass
class StateInfo:
    """One stateful operator's state in one micro-batch (see the module's contract)."""
    store: object
    operator_id: int
    version: int
    num_partitions: int
    output_mode: str
    watermark_ms: int | None
    metrics: dict = field(default_factory=dict)       # METRICS name -> Accumulator
    locations: dict = field(default_factory=dict)     # partition -> the executor that kept its state
    placed: object = None                             # a PlacesParam accumulator: where the tasks kept it now

    def kept_here(self, partition: int) -> None:
        if self.placed is not None:
            self.placed.add({partition: task_executor_id()})

    def add(self, **values) -> None:
        for name, value in values.items():
            if name in self.metrics and value:
                self.metrics[name].add(int(value))

"""Dependencies between RDDs: how a child partition is made from its parents' partitions.

Contract:
* ``NarrowDependency.parents(split)`` lists the parent partitions one child partition reads; the
  scheduler fuses narrow dependencies into one task.
* ``ShuffleDependency`` cuts the lineage into stages. It names the parent RDD, a partitioner that
  sends each key to a reducer, an optional ``Aggregator`` (create/merge value/merge combiners, with
  ``map_side_combine`` to combine before the shuffle). Its
  ``shuffle_id`` identifies the map outputs in the map-output tracker; every job that reaches the
  same ShuffleDependency object reuses the same map stage and outputs.
* When a dependency is pickled into a task, the shuffle's parent RDD stays behind: a reducer only
  needs the shuffle id, the partitioner and the aggregator.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Callable

_shuffle_ids = itertools.count()


class Dependency:
    rdd: "object"


class NarrowDependency(Dependency):
    def __init__(self, rdd):
        self.rdd = rdd

    def parents(self, split: int) -> list[int]:
        raise NotImplementedError


class OneToOneDependency(NarrowDependency):
    def parents(self, split: int) -> list[int]:
        return [split]


class RangeDependency(NarrowDependency):
    """Child partitions [out_start, out_start + length) are parent partitions [in_start, ...)."""

    def __init__(self, rdd, in_start: int, out_start: int, length: int):
        super().__init__(rdd)
        self.in_start, self.out_start, self.length = in_start, out_start, length

    def parents(self, split: int) -> list[int]:
        if self.out_start <= split < self.out_start + self.length:
            return [split - self.out_start + self.in_start]
        return []


class ManyToOneDependency(NarrowDependency):
    """Each child partition reads an explicit list of parent partitions (coalesce, cartesian)."""

    def __init__(self, rdd, groups: list[list[int]]):
        super().__init__(rdd)
        self.groups = groups

    def parents(self, split: int) -> list[int]:
        return self.groups[split]


def identity(x):
    """The combiner ``reduceByKey`` starts from a key's first value with (the value itself)."""
    return x


@dataclass
class Aggregator:
    create_combiner: Callable
    merge_value: Callable
    merge_combiners: Callable


class ShuffleDependency(Dependency):
    def __init__(self, rdd, partitioner, aggregator: Aggregator | None = None, map_side_combine: bool = False):
        self.rdd = rdd
        self.partitioner = partitioner
        self.aggregator = aggregator
        self.map_side_combine = map_side_combine and aggregator is not None
        self.shuffle_id = next(_shuffle_ids)
        self.num_maps = rdd.getNumPartitions()
        # a columnar shuffle (``columnar.ColumnPartitioner``) splits whole record batches by key columns
        self.bucketer = partitioner if getattr(partitioner, "columnar", False) else None
        cleaner = getattr(getattr(rdd, "ctx", None), "_cleaner", None)
        if cleaner is not None:  # made on the driver: its outputs go when the driver drops it
            cleaner.track("shuffle", self, self.shuffle_id)

    @property
    def num_partitions(self) -> int:
        return self.partitioner.numPartitions

    def __getstate__(self):
        state = dict(self.__dict__)
        state["rdd"] = None
        return state

"""The cache manager: DataFrames kept in executor memory as Arrow batches (``df.cache()``).

Contract: ``cache(df, level)`` registers the DataFrame's analyzed plan; the first query that
reads it computes its batches and keeps them in the block store untouched (a ``ColumnarRDD``
persisted at ``level``, PySpark's ``MEMORY_AND_DISK_DESER`` by default). ``use_cached(plan)``
replaces every cached subtree of a plan with an ``InMemoryRelation`` over those batches.
``uncache`` drops the blocks. Plans are matched by identity: a DataFrame derived from a cached one,
or a view over it, shares its plan object.
"""
from __future__ import annotations

from dataclasses import dataclass

from sparklite import StorageLevel
from sparklite.sql.plan import logical as L


@dataclass
class CachedData:
    plan: L.LogicalPlan
    level: StorageLevel
    rdd: object = None


class InMemoryRelation(L.LeafPlan):
    """A cached plan's output, read from its persisted batches."""

    def __init__(self, entry: CachedData, session):
        super().__init__()
        self.entry, self.session = entry, session

    @property
    def output(self):
        return self.entry.plan.output

    def node_string(self):
        return f"InMemoryRelation {L.attr_list(self.output)}, {self.entry.level}"


class CacheManager:
    def __init__(self, session):
        self.session = session
        self.entries: dict[int, CachedData] = {}

    def cache(self, df, level=None) -> None:
        key = id(df._plan)
        if key not in self.entries:
            self.entries[key] = CachedData(df._plan, level or StorageLevel.MEMORY_AND_DISK_DESER)

    def lookup(self, plan) -> CachedData | None:
        return self.entries.get(id(plan))

    def uncache(self, df, blocking: bool = False) -> None:
        entry = self.entries.pop(id(df._plan), None)
        if entry is not None and entry.rdd is not None:
            entry.rdd.unpersist(blocking)

    def clear(self) -> None:
        for entry in list(self.entries.values()):
            if entry.rdd is not None:
                entry.rdd.unpersist()
        self.entries.clear()

    def use_cached(self, plan: L.LogicalPlan) -> L.LogicalPlan:
        if not self.entries:
            return plan

        def swap(node):
            entry = self.entries.get(id(node))
            return InMemoryRelation(entry, self.session) if entry is not None else node
        return plan.transform_down(swap)

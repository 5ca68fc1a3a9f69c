"""The cache manager: DataFrames kept in executor memory as Arrow batches (``df.cache()``).

Contract: ``cache(df, level)`` registers the DataFrame's analyzed plan; the first query that
reads it computes its batches and keeps them in the block store untouched (a ``ColumnarRDD``
persisted at ``level``, PySpark's ``MEMORY_AND_DISK_DESER`` by default). ``use_cached(plan)``
replaces every cached subtree of a plan with an ``InMemoryRelation`` over those batches.
``uncache`` drops the blocks. Plans are matched by identity, seen through the wrappers a table
lookup puts around a view's plan (its alias and the projection giving its columns new ids): a
DataFrame derived from a cached one, a view over it, and every ``spark.table`` of a cached view
share the plan object (so ``CACHE TABLE v`` serves later queries of ``v``). A catalog table's
relation carries its table's key (``catalog_table``): while the table is cached every
``spark.table`` of it reads the cached relation (the files as listed when it was cached), and
``refresh_table`` (``refreshTable``, a write to its files) lists them anew and caches again, lazily,
at the same level.
"""
from __future__ import annotations

from dataclasses import dataclass

from sparklite import StorageLevel
from sparklite.sql.plan import logical as L
from sparklite.sql.plan.expressions import Alias, AttributeReference


@dataclass
class CachedData:
    plan: L.LogicalPlan
    level: StorageLevel
    rdd: object = None
    table: str | None = None        # the catalog table whose relation this is


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


def cache_key(plan: L.LogicalPlan) -> int:
    """The identity a plan is cached under: that of the plan below its aliases and its renaming
    projections (``SubqueryAlias``, and a ``Project`` giving each of its child's columns a new id
    under the same name, in order)."""
    return id(_below_renames(plan))


def _below_renames(plan: L.LogicalPlan) -> L.LogicalPlan:
    while True:
        if isinstance(plan, L.SubqueryAlias):
            plan = plan.child
        elif isinstance(plan, L.Project) and _renames_only(plan):
            plan = plan.child
        else:
            return plan


def _renames_only(plan: L.Project) -> bool:
    below = plan.child.output
    return len(plan.project_list) == len(below) and all(
        isinstance(e, Alias) and isinstance(e.child, AttributeReference) and e.child.expr_id == a.expr_id and
        e.name == a.name for e, a in zip(plan.project_list, below))


class CacheManager:
    def __init__(self, session):
        self.session = session
        self.entries: dict[int, CachedData] = {}

    def cache(self, df, level=None) -> None:
        key = cache_key(df._plan)
        if key not in self.entries:
            table = getattr(_below_renames(df._plan), "catalog_table", None)
            self.entries[key] = CachedData(df._plan, level or StorageLevel.MEMORY_AND_DISK_DESER, table=table)

    def table_plan(self, table: str) -> L.LogicalPlan | None:
        """The relation a cached catalog table is read through, None when it is not cached."""
        entry = next((e for e in self.entries.values() if e.table == table), None)
        return None if entry is None else entry.plan

    def refresh_table(self, table: str, drop: bool = False) -> None:
        """Forget a cached table's data; unless ``drop``, cache the table again (its files listed anew)."""
        for key, entry in list(self.entries.items()):
            if entry.table == table:
                del self.entries[key]
                if entry.rdd is not None:
                    entry.rdd.unpersist()
                if not drop:
                    self.cache(self.session.table(table), entry.level)

    def lookup(self, plan) -> CachedData | None:
        return self.entries.get(cache_key(plan))

    def uncache(self, df, blocking: bool = False) -> None:
        entry = self.entries.pop(cache_key(df._plan), None)
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
            entry = self.entries.get(cache_key(node))
            if entry is None:
                return node
            relation = InMemoryRelation(entry, self.session)
            if [a.expr_id for a in node.output] == [a.expr_id for a in relation.output]:
                return relation
            # the same rows under this reference's own ids
            return L.Project([Alias(cached, mine.name, mine.expr_id) for cached, mine in
                              zip(relation.output, node.output)], relation)
        return plan.transform_down(swap)

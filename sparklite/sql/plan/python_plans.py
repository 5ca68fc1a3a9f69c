"""Logical plans that run a user's Python function over whole batches: ``mapInPandas``/``mapInArrow``
and ``applyInPandas``/``applyInArrow`` on groups (``MapInBatches``), and cogrouped ``applyInPandas``/
``applyInArrow`` (``CoGroupMap``); ``output_attributes`` makes their output columns from the schema the
user gives. The planner turns them into the operators of
``execution/python_exec.py``, which run the function in the executors' Python workers.
"""
from __future__ import annotations

from sparklite.sql import types as T
from sparklite.sql.plan.expressions import AttributeReference
from sparklite.sql.plan.logical import LogicalPlan, UnaryPlan, attr_list


def output_attributes(schema) -> list:
    """The output columns of a user's function from the DDL string or StructType the user gives."""
    if isinstance(schema, str):
        schema = T._parse_datatype_string(schema)
    return [AttributeReference(f.name, f.dataType, f.nullable, metadata=f.metadata) for f in schema.fields]


class MapInBatches(UnaryPlan):
    """``mapInArrow`` / ``mapInPandas``: the user's function over each partition's batches;
    ``grouping`` set: ``applyInPandas``/``applyInArrow``, the function over each group."""

    def __init__(self, func, kind: str, attributes: list, child: LogicalPlan, grouping: list | None = None):
        super().__init__()
        self.func, self.kind, self.attributes, self.children = func, kind, list(attributes), (child,)
        self.grouping = list(grouping or [])

    @property
    def expressions(self):
        return tuple(self.grouping)

    def with_new(self, children=None, expressions=None):
        return self._same_id(MapInBatches(self.func, self.kind, self.attributes, (children or self.children)[0],
                                          list(expressions) if expressions is not None else self.grouping))

    @property
    def output(self):
        return self.attributes

    def node_string(self):
        name = {"arrow": "MapInArrow", "pandas": "MapInPandas"}[self.kind]
        if self.grouping:
            name = "FlatMapGroupsIn" + self.kind.capitalize()
        return f"{name} {getattr(self.func, '__name__', 'function')}, {attr_list(self.attributes)}"


class CoGroupMap(LogicalPlan):
    """``df1.groupBy(k).cogroup(df2.groupBy(k)).applyInPandas/applyInArrow``: the user's function
    over the rows of both sides that share each key."""

    def __init__(self, func, kind: str, attributes: list, left: LogicalPlan, right: LogicalPlan,
                 left_grouping: list, right_grouping: list):
        super().__init__()
        self.func, self.kind, self.attributes, self.children = func, kind, list(attributes), (left, right)
        self.left_grouping, self.right_grouping = list(left_grouping), list(right_grouping)

    @property
    def expressions(self):
        return tuple(self.left_grouping) + tuple(self.right_grouping)

    def with_new(self, children=None, expressions=None):
        left, right = self.left_grouping, self.right_grouping
        if expressions is not None:
            left, right = list(expressions[:len(left)]), list(expressions[len(left):])
        return self._same_id(CoGroupMap(self.func, self.kind, self.attributes, *(children or self.children), left, right))

    @property
    def output(self):
        return self.attributes

    def node_string(self):
        keys = ", ".join(e.sql() for e in self.expressions)
        return (f"FlatMapCoGroupsIn{self.kind.capitalize()} [{keys}], "
                f"{getattr(self.func, '__name__', 'function')}, {attr_list(self.attributes)}")

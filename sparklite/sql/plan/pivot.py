"""PIVOT: ``df.groupBy(...).pivot(col, values).agg(...)`` and SQL's ``PIVOT (agg FOR col IN (...))``.

Contract: a ``Pivot`` node stands unresolved until its child is resolved; the analyzer then turns it
into Spark's two aggregates: one per (grouping keys, pivot value), then one row per grouping key
with a column per pivot value (and per aggregate when there are several, named
``{value}_{aggregate}``), NULL where a key never met the value; the value NULL matches NULL. In SQL
the grouping keys are implicit: every input column that neither the pivot column nor an aggregate
reads.
"""
from __future__ import annotations

from sparklite.sql import types as T
from sparklite.sql.plan import logical as L
from sparklite.sql.plan.expressions import Alias, AttributeReference, Expression, Literal, UnresolvedFunction


class Pivot(L.UnaryPlan):
    """``grouping`` None: SQL's implicit grouping. ``values``: (value expression, column name) pairs."""

    def __init__(self, grouping: list | None, column: Expression, values: list, aggregates: list,
                 child: L.LogicalPlan):
        super().__init__()
        self.grouping = None if grouping is None else list(grouping)
        self.column, self.values, self.aggregates = column, list(values), list(aggregates)
        self.children = (child,)

    @property
    def resolved(self):
        return False

    def with_new(self, children=None, expressions=None):
        return Pivot(self.grouping, self.column, self.values, self.aggregates, (children or self.children)[0])

    def node_string(self):
        values = ", ".join(name for _, name in self.values)
        return f"'Pivot {self.column.sql()} IN ({values}), [{', '.join(a.sql() for a in self.aggregates)}]"


def resolve_pivot(analyzer, plan: Pivot) -> L.LogicalPlan:
    child = plan.child
    column = analyzer.resolve_expression(plan.column, child)
    if plan.grouping is None:
        read = {node.expr_id for e in [column] + [analyzer.resolve_expression(a, child) for a in plan.aggregates]
                for node in e.walk() if isinstance(node, AttributeReference)}
        grouping = [a for a in child.output if a.expr_id not in read]
    else:
        grouping = list(plan.grouping)
    n = len(grouping)
    inner = grouping + [Alias(column, "__pivot")] + \
        [Alias(e.child if isinstance(e, Alias) else e, f"__agg{i}") for i, e in enumerate(plan.aggregates)]
    by_value = analyzer.execute(L.Aggregate(grouping + [column], inner, child))
    output = by_value.output
    keys, pivot, results = output[:n], output[n], output[n + 1:]
    columns = []
    for value, value_name in plan.values:
        matches = UnresolvedFunction("equalnullsafe", [pivot, value])
        for e, result in zip(plan.aggregates, results):
            name = value_name
            if len(plan.aggregates) > 1:
                name = f"{name}_{e.name if isinstance(e, Alias) else e.sql()}"
            picked = UnresolvedFunction("if", [matches, result, Literal(None, T.NullType())])
            columns.append(Alias(UnresolvedFunction("first", [picked, Literal(True, T.BooleanType())]), name))
    return analyzer.execute(L.Aggregate(keys, keys + columns, by_value))

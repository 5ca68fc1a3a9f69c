"""The logical optimizer: rewrite rules run over an analyzed plan until nothing changes (Catalyst's
batches, in order).

Contract: ``optimize(plan)`` returns a plan with the same output attributes (ids, names, types)
that computes the same rows. Rules: aliases of subqueries removed, adjacent filters combined,
adjacent projections collapsed when no expression is computed twice.
"""
from __future__ import annotations

from sparklite.sql import types as T
from sparklite.sql.builtins.registry import lookup
from sparklite.sql.plan import logical as L
from sparklite.sql.plan.expressions import Alias, AttributeReference, Call, SortOrder
from sparklite.sql.plan.subquery import rewrite_subqueries


def eliminate_subquery_aliases(plan):
    return plan.child if isinstance(plan, L.SubqueryAlias) else plan


def apply_hints(plan):
    """A join reads the broadcast hints of its sides; the hint nodes then go."""
    if isinstance(plan, L.Join):
        hint = dict(plan.hint)
        children = list(plan.children)
        for i, side in enumerate(("left", "right")):
            node = children[i]
            while isinstance(node, (L.ResolvedHint, L.SubqueryAlias)):
                if isinstance(node, L.ResolvedHint):
                    hint[side] = node.hint
                node = node.child
        if hint != plan.hint:
            node = L.Join(plan.left, plan.right, plan.join_type, plan.condition, None, hint)
            node.plan_id = plan.plan_id
            return node
    return plan


def drop_hints(plan):
    return plan.child if isinstance(plan, L.ResolvedHint) else plan


def combine_filters(plan):
    if isinstance(plan, L.Filter) and isinstance(plan.child, L.Filter):
        inner = plan.child
        condition = Call(lookup("and"), [inner.condition, plan.condition], T.BooleanType(),
                         inner.condition.nullable or plan.condition.nullable)
        return L.Filter(condition, inner.child)
    return plan


def collapse_project(plan):
    """Project over Project: substitute the inner aliases into the outer list when each inner
    computed expression is used at most once and everything is deterministic."""
    if not (isinstance(plan, L.Project) and isinstance(plan.child, L.Project)):
        return plan
    inner = plan.child
    definitions = {e.expr_id: e for e in inner.project_list if isinstance(e, Alias)}
    uses: dict[int, int] = {}
    for e in plan.project_list:
        for node in e.walk():
            if isinstance(node, AttributeReference) and node.expr_id in definitions:
                uses[node.expr_id] = uses.get(node.expr_id, 0) + 1
    if any(n > 1 and not isinstance(definitions[i].child, AttributeReference) for i, n in uses.items()):
        return plan
    if not all(e.deterministic for e in inner.project_list):
        return plan

    def substitute(node):
        if isinstance(node, AttributeReference) and node.expr_id in definitions:
            return definitions[node.expr_id].child
        return node
    merged = []
    for e in plan.project_list:
        if isinstance(e, AttributeReference) and e.expr_id in definitions:
            alias = definitions[e.expr_id]
            merged.append(Alias(alias.child, e.name, e.expr_id, alias.metadata))
        elif isinstance(e, Alias):
            merged.append(Alias(e.child.transform_up(substitute), e.name, e.expr_id, e.metadata))
        else:
            merged.append(e)
    return L.Project(merged, inner.child)


RULES = [rewrite_subqueries, apply_hints, drop_hints, eliminate_subquery_aliases, combine_filters, collapse_project]


def optimize(plan: L.LogicalPlan, max_iterations: int = 100) -> L.LogicalPlan:
    for _ in range(max_iterations):
        before = plan
        for rule in RULES:
            plan = plan.transform_up(rule)
        if plan is before:
            break
    return prune_columns(plan, {a.expr_id for a in plan.output})


def _refs(expressions) -> set:
    """The attribute ids some expressions (or sort orders) read."""
    out = set()
    for e in expressions:
        out |= (e.child if isinstance(e, SortOrder) else e).references()
    return out


def prune_columns(plan: L.LogicalPlan, required: set) -> L.LogicalPlan:
    """Column pruning: a data source reads only the columns some operator above uses (Spark's
    ColumnPruning down to the scan)."""
    if isinstance(plan, L.DataSourceRelation):
        kept = [a for a in plan.output if a.expr_id in required] or plan.output[:1]
        if len(kept) == len(plan.output):
            return plan
        node = L.DataSourceRelation(kept, plan.source, [a.name for a in kept])
        node.plan_id = plan.plan_id
        return node
    if isinstance(plan, (L.Union, L.Expand, L.MapInBatches, L.LocalRelation, L.Range, L.RDDRelation)) or \
            not plan.children:
        return plan
    need = set(required)
    if isinstance(plan, L.Project):
        need = _refs(plan.project_list)
    elif isinstance(plan, L.Aggregate):
        need = _refs(plan.grouping) | _refs(plan.aggregates)
    elif isinstance(plan, L.Window):
        need = set(required) | _refs(plan.window_expressions) | _refs(plan.partition) | \
            _refs([o.child for o in plan.order])
    else:
        need = set(required) | _refs(plan.expressions)
    children = tuple(prune_columns(c, need) for c in plan.children)
    if all(a is b for a, b in zip(children, plan.children)):
        return plan
    return plan.with_new(children=children)


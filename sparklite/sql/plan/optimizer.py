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
from sparklite.sql.plan import streaming as S
from sparklite.sql.plan.python_plans import CoGroupMap, MapInBatches
from sparklite.sql.plan.predicates import and_all, conjuncts
from sparklite.sql.plan.reorder import reorder_joins
from sparklite.sql.plan.expressions import (Alias, AttributeReference, Call, SortOrder, SubqueryExpression,
                                            to_attribute)
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


def push_filter_through_project(plan):
    """Spark's PushPredicateThroughNonJoin for a projection: a filter over deterministic projections
    filters their input instead (aliases replaced by what they name), so it reaches joins and scans."""
    if not (isinstance(plan, L.Filter) and isinstance(plan.child, L.Project) and plan.condition.deterministic):
        return plan
    project = plan.child
    if not all(e.deterministic for e in project.project_list) or \
            any(isinstance(x, SubqueryExpression) for x in plan.condition.walk()):
        return plan
    aliases = {e.expr_id: e.child for e in project.project_list if isinstance(e, Alias)}

    def substitute(node):
        if isinstance(node, AttributeReference) and node.expr_id in aliases:
            return aliases[node.expr_id]
        return node
    return project.with_new(children=(L.Filter(plan.condition.transform_up(substitute), project.child),))


def push_filter_below_row_count(plan):
    """A filter over a stream's counted input goes below the count when the source takes filters."""
    if isinstance(plan, L.Filter) and isinstance(plan.child, S.CountRows) and plan.child.pushes_filters:
        count = plan.child
        return count.with_new(children=(L.Filter(plan.condition, count.child),))
    return plan


def push_filters_into_joins(plan):
    """Spark's PushPredicateThroughJoin for inner and cross joins: a WHERE conjunct reading one side
    filters that side below the join; one reading both sides joins on it (so comma joins get keys)."""
    if not (isinstance(plan, L.Filter) and isinstance(plan.child, L.Join) and
            plan.child.join_type in ("inner", "cross") and plan.condition.deterministic):
        return plan
    join = plan.child
    left_ids = {a.expr_id for a in join.left.output}
    right_ids = {a.expr_id for a in join.right.output}
    to_left, to_right, to_join, kept = [], [], [], []
    for part in [p for c in conjuncts(plan.condition) for p in _factor_or(c)]:
        refs = part.references()
        if any(isinstance(x, SubqueryExpression) for x in part.walk()):
            kept.append(part)
        elif refs and refs <= left_ids:
            to_left.append(part)
        elif refs and refs <= right_ids:
            to_right.append(part)
        elif refs <= left_ids | right_ids:
            to_join.append(part)
        else:
            kept.append(part)
    if not (to_left or to_right or to_join):
        return plan
    left = L.Filter(and_all(to_left), join.left) if to_left else join.left
    right = L.Filter(and_all(to_right), join.right) if to_right else join.right
    condition = and_all(([join.condition] if join.condition is not None else []) + to_join)
    new_join = L.Join(left, right, "inner" if condition is not None else join.join_type, condition, None, join.hint)
    new_join.plan_id = join.plan_id
    return L.Filter(and_all(kept), new_join) if kept else new_join


def _disjuncts(e) -> list:
    if isinstance(e, Call) and e.spec.name == "or":
        return _disjuncts(e.children[0]) + _disjuncts(e.children[1])
    return [e]


def _factor_or(e) -> list:
    """``(a AND b) OR (a AND c)`` as ``a`` and ``(b OR c)`` (BooleanSimplification's common factor), so a
    join key repeated in every branch becomes a join key."""
    branches = _disjuncts(e)
    if len(branches) < 2:
        return [e]
    sets = [conjuncts(b) for b in branches]
    keys = [{c.semantic_key() for c in s} for s in sets]
    common = [c for c in sets[0] if all(c.semantic_key() in k for k in keys[1:])]
    if not common:
        return [e]
    shared = {c.semantic_key() for c in common}
    rests = [[c for c in s if c.semantic_key() not in shared] for s in sets]
    if any(not r for r in rests):                   # a branch is only the common part: the OR is true there
        return common
    rest = None
    for r in rests:
        branch = and_all(r)
        rest = branch if rest is None else Call(lookup("or"), [rest, branch], T.BooleanType(),
                                                rest.nullable or branch.nullable)
    return common + [rest]


RULES = [rewrite_subqueries, apply_hints, drop_hints, eliminate_subquery_aliases, combine_filters,
         reorder_joins, push_filter_through_project, push_filter_below_row_count, push_filters_into_joins,
         collapse_project]


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


_NARROW = (T.BooleanType, T.ByteType, T.ShortType, T.IntegerType, T.DateType, T.LongType, T.FloatType,
           T.DoubleType, T.TimestampType, T.TimestampNTZType, T.DecimalType)


def _narrowest(expressions: list):
    """The expression cheapest to read and carry: a plain column of the narrowest fixed-width type."""
    def cost(e):
        t = e.data_type
        width = next((i for i, kind in enumerate(_NARROW) if isinstance(t, kind)), len(_NARROW))
        return (not isinstance(e, AttributeReference), width)
    return min(expressions, key=cost, default=None)


def prune_columns(plan: L.LogicalPlan, required: set) -> L.LogicalPlan:
    """Column pruning: a data source reads only the columns some operator above uses (Spark's
    ColumnPruning down to the scan)."""
    if isinstance(plan, L.DataSourceRelation):
        kept = [a for a in plan.output if a.expr_id in required] or [_narrowest(plan.output)][:len(plan.output)]
        if len(kept) == len(plan.output):
            return plan
        node = L.DataSourceRelation(kept, plan.source, [a.name for a in kept])
        node.plan_id = plan.plan_id
        return node
    if isinstance(plan, (L.Union, L.Expand, MapInBatches, CoGroupMap, L.LocalRelation, L.Range,
                         L.RDDRelation)) or \
            not plan.children:
        return plan
    need = set(required)
    if isinstance(plan, L.Project):
        kept = [e for e in plan.project_list if to_attribute(e).expr_id in required]
        if len(kept) < len(plan.project_list):
            # one column stays when none is used (count(*)): batches keep their row count
            kept = kept or [_narrowest(plan.project_list)][:len(plan.project_list)]
            plan = plan.with_new(expressions=kept)
        need = _refs(plan.project_list)
    elif isinstance(plan, L.Generate):
        passed = {a.expr_id for a in plan.child_output}
        kept = {i for i in passed if i in required}
        if kept != passed:
            plan = L.Generate(plan.generator, plan.generator_output, plan.child, kept)
        need = kept | _refs([plan.generator])
    elif isinstance(plan, (L.Distinct, L.SetOperation)):
        need = {a.expr_id for child in plan.children for a in child.output}
    elif isinstance(plan, L.Aggregate):
        need = _refs(plan.grouping) | _refs(plan.aggregates)
    elif isinstance(plan, L.Window):
        need = set(required) | _refs(plan.window_expressions) | _refs(plan.partition) | \
            _refs([o.child for o in plan.order])
    else:
        need = set(required) | _refs(plan.expressions)
        if isinstance(plan, L.Join) and plan.join_type == "left_existence":
            need.add(plan.right.output[-1].expr_id)         # the marker the join's flag column stands on
    children = tuple(prune_columns(c, need) for c in plan.children)
    if all(a is b for a, b in zip(children, plan.children)):
        return plan
    return plan.with_new(children=children)


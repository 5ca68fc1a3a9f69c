"""Subqueries rewritten into joins, as Catalyst's RewritePredicateSubquery and
RewriteCorrelatedScalarSubquery do.

Contract:
* ``rewrite_subqueries(plan)``: in a Filter, a conjunct ``EXISTS (q)`` becomes a left semi join with
  ``q`` (``NOT EXISTS``: left anti), ``v IN (q)`` a semi join on ``v = q's column`` and
  ``v NOT IN (q)`` a null-aware anti join (a row goes when ``q`` holds its value or a NULL, or when
  ``v`` is NULL and ``q`` is not empty). The subquery's correlated conditions (those reading
  ``OuterReference``s) move into the join condition.
* A correlated scalar subquery (``x < (SELECT avg(y) FROM t WHERE t.k = outer.k)``) becomes a left
  outer join with the subquery grouped by its correlation columns; ``count`` of an empty group stays 0.
* Uncorrelated scalar subqueries stay expressions: the query runs them first and uses their value.
"""
from __future__ import annotations

from sparklite.sql import types as T
from sparklite.sql.builtins.registry import lookup
from sparklite.sql.errors import AnalysisException
from sparklite.sql.plan import logical as L
from sparklite.sql.plan.predicates import and_all, conjuncts
from sparklite.sql.plan.expressions import Alias, Call, Expression, Literal, OuterReference, SubqueryExpression


def _has_outer(e) -> bool:
    return any(isinstance(x, OuterReference) for x in e.walk())


def _strip_outer(e):
    return e.transform_up(lambda x: x.attribute if isinstance(x, OuterReference) else x)


def decorrelate(plan: L.LogicalPlan):
    """(plan without its correlated filter conditions, those conditions with outer columns as plain
    attributes). The plan keeps every column the conditions read."""
    correlated = []

    def pull(node):
        if isinstance(node, L.Filter):
            kept, moved = [], []
            for c in conjuncts(node.condition):
                (moved if _has_outer(c) else kept).append(c)
            if moved:
                correlated.extend(_strip_outer(c) for c in moved)
                return L.Filter(and_all(kept), node.child) if kept else node.child
        return node
    pulled = plan.transform_up(pull)
    if not correlated:
        return pulled, []
    needed = {r for c in correlated for r in c.references()}
    pulled = _keep_columns(pulled, needed)
    return pulled, correlated


def _keep_columns(plan, needed: set):
    """Make ``plan`` also output the attributes in ``needed`` that its projections dropped."""
    if isinstance(plan, L.Project):
        child = _keep_columns(plan.child, needed)
        have = {a.expr_id for a in plan.output}
        extra = [a for a in child.output if a.expr_id in needed and a.expr_id not in have]
        return L.Project(plan.project_list + extra, child)
    if isinstance(plan, (L.Sort, L.Limit, L.SubqueryAlias, L.Distinct)) and plan.children:
        return plan.with_new(children=[_keep_columns(plan.children[0], needed)])
    return plan


def _semi_or_anti(outer, sub: SubqueryExpression, negated: bool):
    body, correlated = decorrelate(sub.plan)
    if any(_has_outer(e) for node in body.walk() for e in node.expressions if isinstance(e, Expression)):
        raise AnalysisException(errorClass="UNSUPPORTED_SUBQUERY_EXPRESSION_CATEGORY.CORRELATED_REFERENCE",
                                messageParameters={"sqlExprs": '"outer reference"'})
    conditions = list(correlated)
    join_type = "left_anti" if negated else "left_semi"
    if sub.kind == "in":
        value, column = sub.children[0], body.output[0]
        if negated:
            join_type = "left_anti_null_aware"
        conditions.insert(0, Call(lookup("equal"), [value, column], T.BooleanType(), True))
    return L.Join(outer, body, join_type, and_all(conditions))


def rewrite_subqueries(plan):
    if not isinstance(plan, L.Filter):
        return plan
    parts = conjuncts(plan.condition)
    if not any(isinstance(x, SubqueryExpression) for p in parts for x in p.walk()):
        return plan
    predicates, scalar_parts, plain = [], [], []
    for part in parts:
        negated = isinstance(part, Call) and part.spec.name == "not" and \
            isinstance(part.children[0], SubqueryExpression) and part.children[0].kind in ("exists", "in")
        target = part.children[0] if negated else part
        if isinstance(target, SubqueryExpression) and target.kind in ("exists", "in"):
            predicates.append((target, negated))
        elif any(isinstance(x, SubqueryExpression) and x.kind == "scalar" and x.outer_references()
                 for x in part.walk()):
            scalar_parts.append(part)
        else:
            plain.append(part)
    # the plain conditions filter (and join, when they are comma joins' keys) below the subqueries' joins
    child = L.Filter(and_all(plain), plan.child) if plain else plan.child
    for target, negated in predicates:
        child = _semi_or_anti(child, target, negated)
    remaining = []
    for part in scalar_parts:
        child, part = _join_scalar(child, part)
        remaining.append(part)
    result = L.Filter(and_all(remaining), child) if remaining else child
    width = list(plan.child.output)
    if [a.expr_id for a in result.output] != [a.expr_id for a in width]:
        result = L.Project(width, result)
    return result


def _join_scalar(child, condition):
    """Replace each correlated scalar subquery of ``condition`` with a column of ``child`` joined to
    the subquery's aggregate grouped by its correlation columns."""
    for node in list(condition.walk()):
        if not (isinstance(node, SubqueryExpression) and node.kind == "scalar" and node.outer_references()):
            continue
        body, correlated = decorrelate(node.plan)
        aggregate, above = _find_aggregate(body)
        if aggregate is None:
            raise AnalysisException(
                errorClass="UNSUPPORTED_SUBQUERY_EXPRESSION_CATEGORY.MUST_AGGREGATE_CORRELATED_SCALAR_SUBQUERY",
                messageParameters={})
        inner = {a.expr_id for a in aggregate.child.output}
        keys = []
        for c in correlated:
            for ref in c.references():
                if ref in inner and ref not in [k.expr_id for k in keys]:
                    keys.append(next(a for a in aggregate.child.output if a.expr_id == ref))
        grouped = L.Aggregate(keys, keys + aggregate.aggregates, aggregate.child)
        result = aggregate.aggregates[0]
        value = result.to_attribute() if isinstance(result, Alias) else result
        if above is not None:                       # SELECT 0.2 * avg(x) FROM ... is a projection above
            top = above.project_list[0]
            expr = top.child if isinstance(top, Alias) else top
            new_top = Alias(expr, "__scalar")
            grouped = L.Project(keys + [new_top], grouped)
            value = new_top.to_attribute()
        if _is_count(aggregate):
            value = Call(lookup("coalesce"), [value, Literal(0, T.LongType())], T.LongType(), False)
        child = L.Join(child, grouped, "left_outer", and_all(correlated))
        condition = condition.transform_up(lambda x, n=node, v=value: v if x is n else x)
    return child, condition


def _find_aggregate(plan):
    """(the aggregate of a scalar subquery, the projection above it or None)."""
    if isinstance(plan, L.Aggregate):
        return plan, None
    if isinstance(plan, L.Project) and isinstance(plan.child, L.Aggregate):
        return plan.child, plan
    if isinstance(plan, L.SubqueryAlias):
        return _find_aggregate(plan.child)
    return None, None


def _is_count(aggregate: L.Aggregate) -> bool:
    first = aggregate.aggregates[0]
    expr = first.child if isinstance(first, Alias) else first
    return isinstance(expr, Call) and expr.spec.name == "count"


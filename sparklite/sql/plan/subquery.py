"""Subqueries rewritten into joins, as Catalyst's RewritePredicateSubquery and
RewriteCorrelatedScalarSubquery do.

Contract: ``rewrite_subqueries(plan)`` (an optimizer rule) rewrites the subqueries of a Filter or a
Project; the node keeps its output. An Aggregate's select-list items holding subqueries move to a
Project above it first.
* In a Filter, a conjunct ``EXISTS (q)`` becomes a left semi join with ``q`` (``NOT EXISTS``: left
  anti), ``v IN (q)`` a semi join on ``v = q's column`` and ``v NOT IN (q)`` a null-aware anti join
  (a row goes when ``q`` holds its value or a NULL, or when ``v`` is NULL and ``q`` is not empty;
  ``(a, b) NOT IN (q)`` an anti join on ``(a = x OR (a = x) IS NULL) AND (b = y OR ...)``).
  The subquery's correlated conditions (those reading ``OuterReference``s) move into the join
  condition.
* Anywhere else (under OR, in a select list) ``EXISTS`` and ``IN`` become an existence join, whose
  boolean column stands in: true when some row of ``q`` matches. As in Spark, ``v IN (q)`` there is
  never NULL, and ``v NOT IN (q)`` is ``NOT`` of an existence join on ``v = c OR (v = c) IS NULL``.
  An uncorrelated ``EXISTS`` there is ``(SELECT 1 FROM q LIMIT 1) IS NOT NULL`` instead.
* A correlated scalar subquery (``(SELECT avg(y) FROM t WHERE t.k = outer.k)``) becomes a left outer
  join with the subquery grouped by its correlation columns; where the aggregate has a value over no
  rows (``count`` is 0), outer rows without a group get that value (Spark's count bug handling).
  Correlated by other than equalities (``t.k < outer.k``), the subquery is grouped by the distinct
  outer values it reads instead, joined to its input (a domain join), and joined back on them.
  Without an aggregate it is a ``left_single`` join, which fails when a row finds two values.
* Uncorrelated scalar subqueries stay expressions: the query runs them first and uses their value.

``in_subquery(sub)`` is the analyzer's check of a resolved ``IN`` subquery (as many values as columns,
each pair cast to a common type).
"""
from __future__ import annotations

import pyarrow as pa

from sparklite.sql import types as T
from sparklite.sql.builtins.registry import lookup
from sparklite.sql.errors import AnalysisException
from sparklite.sql.plan import logical as L
from sparklite.sql.plan.predicates import and_all, conjuncts
from sparklite.sql.plan.expressions import (Alias, AttributeReference, Call, Expression, Literal, OuterReference,
                                            SubqueryExpression)


def _has_outer(e) -> bool:
    return any(isinstance(x, OuterReference) for x in e.walk())


def _strip_outer(e):
    return e.transform_up(lambda x: x.attribute if isinstance(x, OuterReference) else x)


def _call(name: str, args: list, data_type=None, nullable: bool = True) -> Call:
    return Call(lookup(name), args, data_type or T.BooleanType(), nullable)


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


def _decorrelated(sub: SubqueryExpression):
    body, correlated = decorrelate(sub.plan)
    if any(_has_outer(e) for node in body.walk() for e in node.expressions if isinstance(e, Expression)):
        raise AnalysisException(errorClass="UNSUPPORTED_SUBQUERY_EXPRESSION_CATEGORY.CORRELATED_REFERENCE",
                                messageParameters={"sqlExprs": '"outer reference"'})
    return body, correlated


def _in_conditions(sub: SubqueryExpression, body) -> list:
    return [_call("equal", [value, column], nullable=value.nullable or column.nullable)
            for value, column in zip(sub.children, body.output)]


def _semi_or_anti(outer, sub: SubqueryExpression, negated: bool):
    body, correlated = _decorrelated(sub)
    conditions = list(correlated)
    join_type = "left_anti" if negated else "left_semi"
    if sub.kind == "in":
        equalities = _in_conditions(sub, body)
        if negated and len(equalities) == 1:
            join_type = "left_anti_null_aware"
        elif negated:               # (a, b) NOT IN: a pair where some equality is NULL matches too
            equalities = _null_aware(equalities)
        conditions = equalities + conditions
    return L.Join(outer, body, join_type, and_all(conditions))


def _null_aware(equalities: list) -> list:
    return [_call("or", [c, _call("isnull", [c], nullable=False)], nullable=False) for c in equalities]


def _is_predicate(e) -> bool:
    return isinstance(e, SubqueryExpression) and e.kind in ("exists", "in")


def _to_rewrite(e) -> bool:
    """Whether an expression holds a subquery this module turns into a join."""
    return any(_is_predicate(x) or (isinstance(x, SubqueryExpression) and x.kind == "scalar" and x.outer_references())
               for x in e.walk())


def rewrite_subqueries(plan):
    if isinstance(plan, L.Filter):
        return _rewrite_filter(plan)
    if isinstance(plan, L.Project) and any(_to_rewrite(e) for e in plan.project_list):
        child, items = plan.child, []
        for e in plan.project_list:
            e, child = _rewrite(e, child)
            items.append(e)
        return plan.with_new(children=[child], expressions=items)
    if isinstance(plan, L.Aggregate) and any(_to_rewrite(e) for e in plan.aggregates):
        return _subqueries_above_aggregate(plan)
    return plan


def _subqueries_above_aggregate(plan: L.Aggregate):
    """An aggregate whose select list holds subqueries (``HAVING sum(x) > (SELECT ...)``) computes
    its aggregates and keys alone; a projection above it evaluates those items, so that the
    Project rule joins their subqueries there."""
    kept, extra, top = [], {}, []

    def needed(attribute):
        extra.setdefault(attribute.expr_id, attribute)
        return attribute

    def lift(x):
        if isinstance(x, Call) and x.spec.aggregate:
            alias = Alias(x, x.sql())
            extra[alias.expr_id] = alias
            return alias.to_attribute()
        if isinstance(x, AttributeReference):
            return needed(x)
        if isinstance(x, SubqueryExpression):
            for ref in x.outer_references():
                needed(ref.attribute)
            return x.with_children(tuple(c.transform_down(lift) for c in x.children))
        return x
    for item in plan.aggregates:
        if _to_rewrite(item):
            top.append(item.with_children(tuple(c.transform_down(lift) for c in item.children))
                       if isinstance(item, Alias) else item.transform_down(lift))
        else:
            kept.append(item)
            top.append(item.to_attribute() if isinstance(item, Alias) else item)
    have = {a.expr_id for a in kept if isinstance(a, (Alias, AttributeReference))}
    inner = L.Aggregate(plan.grouping, kept + [e for i, e in extra.items() if i not in have], plan.child)
    return L.Project(top, inner)


def _rewrite_filter(plan: L.Filter):
    parts = conjuncts(plan.condition)
    if not any(_to_rewrite(p) for p in parts):
        return plan
    predicates, nested, plain = [], [], []
    for part in parts:
        negated = isinstance(part, Call) and part.spec.name == "not" and _is_predicate(part.children[0])
        target = part.children[0] if negated else part
        if _is_predicate(target):
            predicates.append((target, negated))
        elif _to_rewrite(part):
            nested.append(part)
        else:
            plain.append(part)
    # the plain conditions filter (and join, when they are comma joins' keys) below the subqueries' joins
    child = L.Filter(and_all(plain), plan.child) if plain else plan.child
    for target, negated in predicates:
        child = _semi_or_anti(child, target, negated)
    remaining = []
    for part in nested:
        part, child = _rewrite(part, child)
        remaining.append(part)
    result = L.Filter(and_all(remaining), child) if remaining else child
    width = list(plan.child.output)
    if [a.expr_id for a in result.output] != [a.expr_id for a in width]:
        result = L.Project(width, result)
    return result


def _rewrite(e, child):
    """(``e`` with its subqueries replaced by columns, ``child`` joined to what they read)."""
    if isinstance(e, Call) and e.spec.name == "not" and isinstance(e.children[0], Call) and \
            e.children[0].spec.name in ("and", "or", "not") and _to_rewrite(e):
        # NOT pushed down first (BooleanSimplification does so before the subqueries are rewritten in
        # Spark), so that a NOT IN under it gets its null-aware join
        inner = e.children[0]
        if inner.spec.name == "not":
            return _rewrite(inner.children[0], child)
        other = "or" if inner.spec.name == "and" else "and"
        negated = [_call("not", [c], nullable=c.nullable) for c in inner.children]
        return _rewrite(_call(other, negated, nullable=inner.nullable), child)
    if isinstance(e, Call) and e.spec.name == "not" and isinstance(e.children[0], SubqueryExpression) and \
            e.children[0].kind == "in":
        sub = e.children[0]
        exists, child = _existence_join(child, sub, null_aware=True)
        return _call("not", [exists], nullable=False), child
    if isinstance(e, SubqueryExpression) and e.kind == "in":
        return _existence_join(child, e)
    if isinstance(e, SubqueryExpression) and e.kind == "exists":
        if not e.outer_references():
            probe = L.Limit(1, L.Project([Alias(Literal(1, T.IntegerType()), "1")], e.plan))
            return _call("isnotnull", [SubqueryExpression("scalar", probe)], nullable=False), child
        return _existence_join(child, e)
    if isinstance(e, SubqueryExpression) and e.kind == "scalar" and e.outer_references():
        return _join_scalar(child, e)
    children = []
    for c in e.children:
        c, child = _rewrite(c, child)
        children.append(c)
    return e.with_children(tuple(children)), child


def _existence_join(child, sub: SubqueryExpression, null_aware: bool = False):
    """(the boolean column an existence join of ``child`` with ``sub`` adds, that join); for ``NOT IN``,
    ``null_aware``: a NULL equality matches."""
    body, correlated = _decorrelated(sub)
    in_conditions = _in_conditions(sub, body) if sub.kind == "in" else []
    if null_aware:
        in_conditions = _null_aware(in_conditions)
    marker = Alias(Literal(True, T.BooleanType()), "exists")
    right = L.Project(list(body.output) + [marker], body)
    join = L.Join(child, right, "left_existence", and_all(list(in_conditions) + list(correlated)))
    return join.output[-1], join


def _join_scalar(child, node: SubqueryExpression):
    """(the column standing for a correlated scalar subquery, ``child`` joined to the subquery's
    aggregate grouped by its correlation columns)."""
    body, correlated = _decorrelated(node)
    aggregate, above = _find_aggregate(body)
    if aggregate is None:
        # no aggregate: each outer row must find at most one row, which the join checks as it runs
        join = L.Join(child, body, "left_single", and_all(correlated))
        return join.output[len(child.output)], join
    inner = {a.expr_id for a in aggregate.child.output}
    outer = {a.expr_id for a in child.output}
    if all(_keyed(c, inner, outer) for c in correlated):
        source, keys, back = aggregate.child, [], correlated
        for c in correlated:
            for ref in c.references():
                if ref in inner and ref not in [k.expr_id for k in keys]:
                    keys.append(next(a for a in aggregate.child.output if a.expr_id == ref))
    else:
        source, keys, back = _domain_join(child, aggregate.child, correlated)
    result = aggregate.aggregates[0]
    top = result
    if above is not None:                       # SELECT 0.2 * avg(x) FROM ... is a projection above
        top = above.project_list[0]
    expr = top.child if isinstance(top, Alias) else top
    on_no_rows = _value_on_no_rows(expr, aggregate)
    grouped = L.Aggregate(keys, keys + aggregate.aggregates, source)
    items = list(keys)
    if above is not None:
        items.append(Alias(expr, "__scalar"))
    else:
        items.append(result.to_attribute() if isinstance(result, Alias) else result)
    matched = None
    if on_no_rows is not None:
        matched = Alias(Literal(True, T.BooleanType()), "__matched")
        items.append(matched)
    grouped = L.Project(items, grouped)
    join = L.Join(child, grouped, "left_outer", and_all(back))
    value = join.output[len(child.output) + len(keys)]
    if matched is not None:
        flag = join.output[-1]
        value = Call(lookup("casewhen"), [_call("isnull", [flag], nullable=False), on_no_rows, value],
                     value.data_type, value.nullable)
    return value, join


def _keyed(condition, inner: set, outer: set) -> bool:
    """Whether grouping the subquery by its columns in ``condition`` answers it: an equality of a
    subquery side and an outer side, or a condition on outer columns alone."""
    refs = condition.references()
    if refs <= outer:
        return True
    if not (isinstance(condition, Call) and condition.spec.name == "equal"):
        return False
    a, b = (c.references() for c in condition.children)
    return bool(a and b) and ((a <= inner and b <= outer) or (a <= outer and b <= inner))


def _domain_join(child, source, correlated: list):
    """A subquery correlated by other than equalities runs once per distinct value of the outer
    columns it reads (Spark's domain join): (its input joined to those values, the value columns to
    group by, the conditions joining the groups back to the outer rows)."""
    read = {r for c in correlated for r in c.references()}
    columns = [a for a in child.output if a.expr_id in read]
    renamed = [Alias(a, a.name) for a in columns]
    values = [r.to_attribute() for r in renamed]
    domain = L.Aggregate(values, values, L.Project(renamed, child))
    by_id = {a.expr_id: v for a, v in zip(columns, values)}
    conditions = [c.transform_up(lambda x: by_id.get(x.expr_id, x) if isinstance(x, AttributeReference) else x)
                  for c in correlated]
    back = [_call("equalnullsafe", [a, v], nullable=False) for a, v in zip(columns, values)]
    return L.Join(domain, source, "inner", and_all(conditions)), values, back


def _value_on_no_rows(expr, aggregate: L.Aggregate):
    """The scalar subquery's value when no row matches (its aggregates over no rows: ``count`` 0, others
    NULL), as a literal, or None when that is NULL."""
    from sparklite.sql.execution.evaluate import evaluate_array
    definitions = {a.expr_id: a.child for a in aggregate.aggregates if isinstance(a, Alias)}

    def on_empty(x):
        if isinstance(x, AttributeReference) and x.expr_id in definitions:
            return definitions[x.expr_id].transform_down(on_empty)
        if isinstance(x, Call) and x.spec.aggregate:
            zero = 0 if x.spec.name in ("count", "count_if", "approx_count_distinct") else None
            return Literal(zero, x.data_type)
        if isinstance(x, AttributeReference):
            return Literal(None, x.data_type)
        return x
    folded = expr.transform_down(on_empty)
    try:
        value = evaluate_array(folded, _ONE_ROW)[0].as_py()
    except Exception:  # a constant that cannot be had here: treated as NULL, as without the rewrite
        return None
    return None if value is None else Literal(value, expr.data_type)


_ONE_ROW = pa.RecordBatch.from_arrays([pa.array([0])], names=["_"])


def _find_aggregate(plan):
    """(the aggregate of a scalar subquery, the projection above it or None)."""
    if isinstance(plan, L.Aggregate):
        return plan, None
    if isinstance(plan, L.Project) and isinstance(plan.child, L.Aggregate):
        return plan.child, plan
    if isinstance(plan, L.SubqueryAlias):
        return _find_aggregate(plan.child)
    return None, None


def in_subquery(sub: SubqueryExpression) -> SubqueryExpression:
    """An ``IN`` subquery whose plan is resolved, type-checked: as many values as the subquery has
    columns, each pair compared in a common type (both sides cast to it)."""
    from sparklite.sql.plan.coercion import cast_to, comparison_type
    plan, values = sub.plan, list(sub.children)
    text = values[0].sql() if len(values) == 1 else \
        "named_struct(" + ", ".join(f"'{_name_of(v)}', {v.sql()}" for v in values) + ")"
    columns = plan.output
    if len(columns) != len(values):
        raise AnalysisException(
            errorClass="DATATYPE_MISMATCH.IN_SUBQUERY_LENGTH_MISMATCH",
            messageParameters={"sqlExpr": f'"({text} IN (listquery()))"', "leftLength": str(len(values)),
                               "rightLength": str(len(columns)),
                               "leftColumns": ", ".join(f'"{v.sql()}"' for v in values),
                               "rightColumns": ", ".join(f'"{c.name}"' for c in columns)})
    types = [comparison_type(v.data_type, c.data_type) for v, c in zip(values, columns)]
    if any(t is None for t in types):
        raise AnalysisException(
            errorClass="DATATYPE_MISMATCH.IN_SUBQUERY_DATA_TYPE_MISMATCH",
            messageParameters={"sqlExpr": f'"({text} IN (listquery()))"',
                               "mismatchedColumns": ", ".join(
                                   f"({v.sql()}:{v.data_type.simpleString()}, {c.name}:{c.data_type.simpleString()})"
                                   for v, c, t in zip(values, columns, types) if t is None),
                               "leftType": "[" + ", ".join(v.data_type.simpleString().upper() for v in values) + "]",
                               "rightType": "[" + ", ".join(c.data_type.simpleString().upper() for c in columns) + "]"})
    if any(c.data_type != t for c, t in zip(columns, types)):
        plan = L.Project([c if c.data_type == t else Alias(cast_to(c, t), c.name) for c, t in zip(columns, types)],
                         plan)
    return SubqueryExpression("in", plan, tuple(cast_to(v, t) for v, t in zip(values, types)))


def _name_of(e) -> str:
    from sparklite.sql.plan.expressions import output_name
    return output_name(e)

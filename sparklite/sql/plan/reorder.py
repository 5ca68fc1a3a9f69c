"""Join reordering without statistics: Spark's ReorderJoin.

A tree of inner and cross joins (with the filters directly above them) is flattened into its inputs
and its conjuncts, then joined again from the first input onwards, each time with the first input that
some condition connects to what is joined so far; an input no condition reaches is cross joined when
nothing else is left. ``FROM part, supplier, partsupp WHERE ...`` so joins part with partsupp on their
key instead of forming part x supplier. Conditions go to the lowest join that can evaluate them, a
condition on one input filters that input, and the output keeps its column order.
"""
from __future__ import annotations

from sparklite.sql.plan import logical as L
from sparklite.sql.plan.expressions import SubqueryExpression
from sparklite.sql.plan.predicates import and_all, conjuncts

_INNER = ("inner", "cross")


def _inner_join(plan) -> bool:
    return isinstance(plan, L.Join) and plan.join_type in _INNER and not plan.hint and plan.using is None


def _flatten(plan) -> tuple[list, list]:
    """(inputs, conjuncts) of a left-deep tree of inner joins and the filters on it."""
    if isinstance(plan, L.Filter) and _inner_join(plan.child) and plan.condition.deterministic:
        inputs, conditions = _flatten(plan.child)
        return inputs, conditions + conjuncts(plan.condition)
    if _inner_join(plan):
        inputs, conditions = _flatten(plan.left)
        return inputs + [plan.right], conditions + (conjuncts(plan.condition) if plan.condition is not None else [])
    return [plan], []


def _movable(condition) -> bool:
    return condition.deterministic and not any(isinstance(x, SubqueryExpression) for x in condition.walk())


def _ids(plan) -> set:
    return {a.expr_id for a in plan.output}


def _order(inputs: list, conditions: list) -> list[int]:
    """The order in which ReorderJoin joins the inputs (indexes into ``inputs``)."""
    refs = [c.references() for c in conditions if _movable(c)]
    joined, order, rest = _ids(inputs[0]), [0], list(range(1, len(inputs)))
    while rest:
        def connects(i):
            ids = _ids(inputs[i])
            return any(r and r <= joined | ids and not r <= joined and not r <= ids for r in refs)
        chosen = next((i for i in rest if connects(i)), rest[0])
        rest.remove(chosen)
        order.append(chosen)
        joined |= _ids(inputs[chosen])
    return order


def reorder_joins(plan):
    if not (_inner_join(plan) or (isinstance(plan, L.Filter) and _inner_join(plan.child))):
        return plan
    inputs, conditions = _flatten(plan)
    if len(inputs) <= 2 or not conditions:
        return plan
    order = _order(inputs, conditions)
    if order == sorted(order):
        return plan
    pending = [c for c in conditions if _movable(c)]
    kept = [c for c in conditions if not _movable(c)]

    def take(ids: set) -> list:
        nonlocal pending
        placed = [c for c in pending if c.references() <= ids]
        pending = [c for c in pending if not c.references() <= ids]
        return placed

    def filtered(node):
        ids = _ids(node)
        own = [c for c in pending if c.references() and c.references() <= ids]
        if not own:
            return node
        for c in own:
            pending.remove(c)
        return L.Filter(and_all(own), node)

    ordered = [filtered(inputs[i]) for i in order]
    tree, ids = ordered[0], _ids(ordered[0])
    for node in ordered[1:]:
        ids = ids | _ids(node)
        condition = and_all(take(ids))
        tree = L.Join(tree, node, "inner" if condition is not None else "cross", condition)
    leftover = kept + pending
    if leftover:
        tree = L.Filter(and_all(leftover), tree)
    if [a.expr_id for a in tree.output] != [a.expr_id for a in plan.output]:
        tree = L.Project(list(plan.output), tree)
    return tree

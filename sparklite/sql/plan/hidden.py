"""Hidden columns: the key columns of both sides of a ``JOIN ... USING``, which the join's projection
does not show but a qualified name still reaches (``SELECT e.dept, d.dept FROM e FULL JOIN d USING
(dept)``), as Spark's hidden output and AddMetadataColumns give them.

Contract: ``hidden_columns(plan)`` lists the hidden columns a plan's parent may name: those of a
``UsingJoinProject``, seen through filters, sorts and limits (which keep their child's rows' columns).
``expose(plan, attributes)`` is the plan also outputting those of ``attributes`` it hides, after its
own columns; a parent that reads them projects back to the columns it showed before.
"""
from __future__ import annotations

from sparklite.sql.plan import logical as L

_PASS_THROUGH = (L.Filter, L.Sort, L.Limit)


def hidden_columns(plan) -> list:
    while isinstance(plan, _PASS_THROUGH):
        plan = plan.children[0]
    return list(plan.hidden) if isinstance(plan, L.UsingJoinProject) else []


def expose(plan, attributes: list):
    """``plan`` outputting ``attributes`` too (each one of its hidden columns)."""
    have = {a.expr_id for a in plan.output}
    missing = [a for a in attributes if a.expr_id not in have]
    if not missing:
        return plan
    if isinstance(plan, _PASS_THROUGH):
        return plan.with_new(children=[expose(plan.children[0], missing)])
    return plan.with_new(expressions=list(plan.project_list) + missing)


def hidden_references(expressions, plan) -> list:
    """The hidden columns of ``plan`` that ``expressions`` read."""
    hidden = {a.expr_id: a for a in hidden_columns(plan)}
    if not hidden:
        return []
    visible = {a.expr_id for a in plan.output}
    found = {}
    for e in expressions:
        for ref in e.references():
            if ref in hidden and ref not in visible:
                found[ref] = hidden[ref]
    return list(found.values())

"""Conjunctions: split a predicate at its ANDs, and join predicates with AND."""
from __future__ import annotations

from sparklite.sql import types as T
from sparklite.sql.builtins.registry import lookup
from sparklite.sql.plan.expressions import Call


def conjuncts(e) -> list:
    """``a AND (b AND c)`` as ``[a, b, c]``."""
    if isinstance(e, Call) and e.spec.name == "and":
        return conjuncts(e.children[0]) + conjuncts(e.children[1])
    return [e]


def and_all(parts):
    """The conjunction of ``parts`` (None when there are none)."""
    result = None
    for p in parts:
        result = p if result is None else Call(lookup("and"), [result, p], T.BooleanType(),
                                               result.nullable or p.nullable)
    return result

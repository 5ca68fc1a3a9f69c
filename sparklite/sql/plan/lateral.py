"""Lateral column aliases: a select-list item naming an alias made earlier in the same list
(``SELECT 1 AS a, a + 1 AS b``), as Spark's ResolveLateralColumnAliasReference resolves it.

Contract: ``LateralScope(child, aliases)`` is what such an item resolves against: the child's columns,
then the earlier aliases (a column of the child wins over an alias of the same name, since the
analyzer tries the child alone first). ``project_with_lateral_aliases(items, child)`` turns the
resolved list into projections: each alias another item reads is computed in a projection below
(one level per chain of aliases), and the item reads its column.
"""
from __future__ import annotations

from sparklite.sql.plan import logical as L
from sparklite.sql.plan.expressions import Alias


class LateralScope(L.LeafPlan):
    def __init__(self, child, aliases: list):
        super().__init__()
        self.children, self.aliases = (child,), list(aliases)
        self.plan_id = -1

    @property
    def output(self):
        return list(self.children[0].output) + [a.to_attribute() for a in self.aliases]


def project_with_lateral_aliases(items: list, child) -> L.LogicalPlan:
    aliases = {i.expr_id: i for i in items if isinstance(i, Alias)}
    referenced = {r for i in items for r in i.references() if r in aliases}
    levels: dict[int, int] = {}

    def level(alias_id: int) -> int:
        if alias_id not in levels:
            reads = [r for r in aliases[alias_id].child.references() if r in aliases]
            levels[alias_id] = 1 + max((level(r) for r in reads), default=-1)
        return levels[alias_id]
    plan = child
    for depth in range(max((level(i) for i in referenced), default=-1) + 1):
        computed = [aliases[i] for i in sorted(referenced, key=lambda i: list(aliases).index(i)) if level(i) == depth]
        plan = L.Project(list(plan.output) + computed, plan)
    return L.Project([i.to_attribute() if isinstance(i, Alias) and i.expr_id in referenced else i for i in items],
                     plan)

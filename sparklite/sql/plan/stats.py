"""Size estimates of logical plans, in bytes, for choosing broadcast joins (Spark's
SizeInBytesOnlyStatsPlanVisitor, simplified).

Contract: ``size_in_bytes(plan)`` is an upper estimate of the plan's output size, or None when it
cannot be known before running (a plan over an RDD a user made). Leaves know their size (a local
table's buffers, 8 bytes per ``range`` row, a data source's file sizes); filters and projections
keep their child's, a limit caps it, a union sums, a join multiplies (semi and anti joins keep the
left side's).
"""
from __future__ import annotations

from sparklite.sql.plan import logical as L


def size_in_bytes(plan: L.LogicalPlan):
    if isinstance(plan, L.LocalRelation):
        return max(plan.table.nbytes, 1)
    if isinstance(plan, L.Range):
        return 8 * max(plan.num_rows, 1)
    if isinstance(plan, L.OneRowRelation):
        return 1
    if isinstance(plan, L.DataSourceRelation):
        return getattr(plan.source, "size_in_bytes", None)
    if isinstance(plan, L.Limit) and plan.limit is not None:
        child = size_in_bytes(plan.child)
        width = max(8 * len(plan.output), 8)
        return min(child, plan.limit * width) if child is not None else plan.limit * width
    if isinstance(plan, L.Union):
        sizes = [size_in_bytes(c) for c in plan.children]
        return None if None in sizes else sum(sizes)
    if isinstance(plan, L.Join):
        left, right = size_in_bytes(plan.left), size_in_bytes(plan.right)
        if plan.join_type in ("left_semi", "left_anti"):
            return left
        return None if left is None or right is None else left * right
    if len(plan.children) == 1:
        return size_in_bytes(plan.children[0])
    if hasattr(plan, "entry"):                      # a cached plan: its own estimate
        return size_in_bytes(plan.entry.plan)
    return None

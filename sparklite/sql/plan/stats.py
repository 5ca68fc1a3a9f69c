"""Size estimates of logical plans, in bytes, for choosing broadcast joins (Spark's
SizeInBytesOnlyStatsPlanVisitor, simplified).

Contract: ``size_in_bytes(plan)`` is an upper estimate of the plan's output size, or None when it
cannot be known before running (a plan over an RDD a user made). Leaves know their size (a local
table's buffers, 8 bytes per ``range`` row, a data source's file sizes); filters and projections
keep their child's, a limit caps it, a union sums, a join multiplies (semi and anti joins keep the
left side's).
"""
from __future__ import annotations

from sparklite.sql import types as T
from sparklite.sql.plan import logical as L


def default_size(t) -> int:
    """Spark's DataType.defaultSize: the bytes one value is taken to need."""
    if isinstance(t, (T.BooleanType, T.ByteType)):
        return 1
    if isinstance(t, T.ShortType):
        return 2
    if isinstance(t, (T.IntegerType, T.FloatType, T.DateType)):
        return 4
    if isinstance(t, T.DecimalType):
        return 8 if t.precision <= 18 else 16
    if isinstance(t, (T.StringType, T.BinaryType)):
        return 20
    if isinstance(t, T.StructType):
        return sum(default_size(f.dataType) for f in t.fields)
    if isinstance(t, (T.ArrayType, T.MapType)):
        return 100
    return 8


def row_width(types) -> int:
    """A row's size: 8 bytes of header and each value's default size."""
    return 8 + sum(default_size(t) for t in types)


def size_in_bytes(plan: L.LogicalPlan):
    if isinstance(plan, L.LocalRelation):
        return max(plan.table.nbytes, 1)
    if isinstance(plan, L.Range):
        return 8 * max(plan.num_rows, 1)
    if isinstance(plan, L.OneRowRelation):
        return 1
    if isinstance(plan, L.DataSourceRelation):
        size = getattr(plan.source, "size_in_bytes", None)
        schema = getattr(plan.source, "schema", None)
        if size is None or schema is None:
            return size
        # the columns read, as a share of the row (Spark scales a pruned relation by default type sizes)
        return max(size * row_width(a.data_type for a in plan.output) // row_width(f.dataType for f in schema), 1)
    if isinstance(plan, L.Project):
        child = size_in_bytes(plan.child)
        if child is None:
            return None
        return max(child * row_width(e.data_type for e in plan.project_list) //
                   row_width(a.data_type for a in plan.child.output), 1)
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

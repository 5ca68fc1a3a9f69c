"""Set operations resolved (UNION, INTERSECT, EXCEPT and their ALL forms), as Catalyst's ResolveUnion,
WidenSetOperationTypes and the rewrites of INTERSECT / EXCEPT do.

Contract:
* ``resolve_union(analyzer, union)``: the children are matched by position, or by name
  (``unionByName``: each later child reordered to the first's names; with ``allowMissingColumns`` a
  column one side lacks is NULL there, the later children's extra columns coming last), then widened
  column by column to common types. ``set_operation_type`` is that type: the wider type, or, with a
  string on one side, the other side's type as ANSI string promotion gives it (an integral type
  widens to bigint, a fractional one to double; a date, timestamp, boolean or binary type stays),
  also inside arrays, maps and structs. Casting a string that does not parse fails as the query runs
  (``CAST_INVALID_INPUT``).
* ``resolve_set_operation(analyzer, op)``: INTERSECT / EXCEPT become a left semi / anti join on
  null-safe equality of every column over the distinct left rows; the ALL forms count each row on
  both sides and replicate it (``_multiset``).
"""
from __future__ import annotations

from sparklite.sql import types as T
from sparklite.sql.builtins.registry import lookup
from sparklite.sql.errors import AnalysisException
from sparklite.sql.plan import logical as L
from sparklite.sql.plan.coercion import cast_to, is_integral, is_numeric, is_string, nested_wider, wider_type
from sparklite.sql.plan.expressions import Alias, Call, Literal, UnresolvedAttribute, UnresolvedFunction


def ordinal(i: int) -> str:
    return ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"][i] \
        if i < 10 else f"{i + 1}th"


def set_operation_type(a, b):
    """The type a column of two set-operation children widens to (None: incompatible)."""
    wide = wider_type(a, b)
    if wide is not None:
        return wide
    if is_string(a) != is_string(b):
        other = b if is_string(a) else a
        if is_integral(other):
            return T.LongType()
        if is_numeric(other):
            return T.DoubleType()
        if isinstance(other, (T.DateType, T.TimestampType, T.TimestampNTZType, T.BooleanType, T.BinaryType)):
            return other
        return None
    return nested_wider(a, b, set_operation_type)


def resolve_union(analyzer, plan: L.Union) -> L.LogicalPlan:
    children = list(plan.children)
    if plan.by_name:
        first = children[0]
        for i, other in enumerate(children[1:], 1):
            other = _by_name(analyzer, first, other, plan.allow_missing)
            if plan.allow_missing:
                first = _padded(analyzer, first, other)
            children[i] = other
        children[0] = first
        # an earlier child may lack columns a later one added to the first
        children = [children[0]] + [_padded(analyzer, c, children[0]) if plan.allow_missing else c
                                    for c in children[1:]]
    width = len(children[0].output)
    for i, c in enumerate(children[1:], 1):
        if len(c.output) != width:
            raise AnalysisException(
                errorClass="NUM_COLUMNS_MISMATCH",
                messageParameters={"operator": "UNION", "firstNumColumns": str(width),
                                   "invalidOrdinalNum": ordinal(i), "invalidNumColumns": str(len(c.output))})
    types = []
    for col in range(width):
        t = children[0].output[col].data_type
        for i, c in enumerate(children[1:], 1):
            wide = set_operation_type(t, c.output[col].data_type)
            if wide is None:
                raise AnalysisException(
                    errorClass="INCOMPATIBLE_COLUMN_TYPE",
                    messageParameters={"operator": "UNION", "columnOrdinalNumber": ordinal(col),
                                       "tableOrdinalNumber": ordinal(i),
                                       "dataType1": f'"{c.output[col].data_type.simpleString().upper()}"',
                                       "dataType2": f'"{t.simpleString().upper()}"', "hint": ""})
            t = wide
        types.append(t)
    widened = []
    for c in children:
        if all(a.data_type == t for a, t in zip(c.output, types)):
            widened.append(c)
        else:
            widened.append(L.Project([a if a.data_type == t else Alias(cast_to(a, t), a.name)
                                      for a, t in zip(c.output, types)], c))
    return L.Union(widened)


def _by_name(analyzer, first, other, allow_missing: bool):
    """``other`` with the columns of ``first`` in its order (NULL for one it lacks, when allowed),
    then its own other columns."""
    items = []
    for a in first.output:
        match = [b for b in other.output if analyzer._same(a.name, b.name)]
        if match:
            items.append(match[0])
        elif allow_missing:
            items.append(Alias(Literal(None, a.data_type), a.name))
        else:
            raise AnalysisException(
                errorClass="UNRESOLVED_COLUMN_AMONG_FIELD_NAMES",
                messageParameters={"colName": a.name, "fieldNames": ", ".join(b.name for b in other.output)})
    taken = {a.expr_id for a in items if not isinstance(a, Alias)}
    items += [b for b in other.output if b.expr_id not in taken]
    return L.Project(items, other)


def _padded(analyzer, plan, wider):
    """``plan`` with a NULL column for each column of ``wider`` it lacks, in ``wider``'s order."""
    items = []
    for a in wider.output:
        match = [b for b in plan.output if analyzer._same(a.name, b.name)]
        items.append(match[0] if match else Alias(Literal(None, a.data_type), a.name))
    if [getattr(i, "expr_id", None) for i in items] == [a.expr_id for a in plan.output]:
        return plan
    return L.Project(items, plan)


def resolve_set_operation(analyzer, plan: L.SetOperation) -> L.LogicalPlan:
    union = resolve_union(analyzer, L.Union(list(plan.children)))       # the same width and type rules
    left, right = union.children
    if plan.kind.endswith("_all"):
        return analyzer.execute(_multiset(plan.kind == "intersect_all", left, right))
    if {a.expr_id for a in left.output} & {a.expr_id for a in right.output}:
        right = L.Project([Alias(a, a.name) for a in right.output], right)
    condition = None
    for a, b in zip(left.output, right.output):
        same = Call(lookup("equalnullsafe"), [a, b], T.BooleanType(), False)
        condition = same if condition is None else Call(lookup("and"), [condition, same], T.BooleanType(), False)
    join_type = "left_semi" if plan.kind == "intersect" else "left_anti"
    distinct = L.Aggregate(list(left.output), list(left.output), left)
    return L.Join(distinct, right, join_type, condition)


def _multiset(intersect: bool, left, right) -> L.LogicalPlan:
    """INTERSECT ALL / EXCEPT ALL as Spark rewrites them: both sides marked (1, 0) and (0, 1), counted
    per distinct row, and each row replicated min(l, r) times (intersect) or l - r times (except)."""
    def column(name):
        return UnresolvedAttribute((name,))

    def call(name, *args):
        return UnresolvedFunction(name, list(args))
    names = [f"c{i}" for i in range(len(left.output))]
    one, zero = Literal(1, T.IntegerType()), Literal(0, T.IntegerType())
    sides = [L.Project([Alias(a, n) for a, n in zip(side.output, names)] + [Alias(l, "__l"), Alias(r, "__r")], side)
             for side, l, r in ((left, one, zero), (right, zero, one))]
    counts = L.Aggregate([column(n) for n in names],
                         [column(n) for n in names] + [Alias(call("sum", column("__l")), "__l"),
                                                       Alias(call("sum", column("__r")), "__r")], L.Union(sides))
    count = call("least", column("__l"), column("__r")) if intersect else \
        call("subtract", column("__l"), column("__r"))
    kept = L.Filter(call("greaterthan", count, Literal(0, T.LongType())), counts)
    replicated = L.Project([column(n) for n in names] + [call("__replicate_rows", count)], kept)
    return L.Project([Alias(column(n), a.name) for n, a in zip(names, left.output)], replicated)

"""TimeWindowing and SessionWindowing: the analyzer rules that turn ``window(ts, duration[, slide[,
start]])`` into a column ``window``, and ``session_window(ts, gap)`` into a column
``session_window`` (each a ``struct<start, end>`` of ``ts``'s timestamp type), as Catalyst's do.

Contract: ``rewrite_time_windows(plan, analyzer)`` takes a unary plan whose children are resolved
and whose expressions may call ``window`` or ``session_window``; it returns the plan unchanged when
they do not, else the plan with a new child that adds the column in front of the old child's
columns, and every call replaced by that column:

* tumbling window (slide == duration): ``Project(window, child..., Filter(ts IS NOT NULL, child))``;
  the column is not nullable.
* sliding window: ``Filter(window.start <= ts < window.end, Expand(...))``, the Expand making each
  row once per candidate window (ceil(duration / slide) of them, latest first); the column is
  nullable.
* session window: each row's own ``<ts, ts + gap>`` (rows whose gap is not positive are dropped);
  when the plan is an aggregate grouping by the session window, the sessions of each group of the
  other grouping keys that overlap or touch merge into one (window functions over the rows ordered
  by start number the sessions), as Spark's MergingSessions does.

Rows whose time is NULL belong to no window and are dropped. All the calls of one plan must be the
same (one column); two different ones raise ``_LEGACY_ERROR_TEMP_1039``.

Durations are literal strings of ``<number> <unit>`` pairs (``'1 hour 30 minutes'``, optionally
after ``interval``) or integer literals of microseconds; months and years are refused (a window
has a fixed length). A session's gap may also be a string column, read row by row.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from sparklite.sql import types as T
from sparklite.sql.builtins import extract
from sparklite.sql.builtins.timewindow import parse_duration, session_call, window_call, window_type
from sparklite.sql.errors import AnalysisException, IllegalArgumentException
from sparklite.sql.plan import coercion as C
from sparklite.sql.plan import logical as L
from sparklite.sql.plan.streaming import SESSION_KEY, is_streaming
from sparklite.sql.plan.expressions import (Alias, AttributeReference, Expression, Literal, SortOrder,
                                            UnresolvedFunction, WindowExpression, WindowFrame, strip_alias)

_NAMES = ("window", "session_window")


def is_time_window(node) -> bool:
    return isinstance(node, UnresolvedFunction) and node.name.lower() in _NAMES


def _duration_of(arg) -> int:
    if isinstance(arg, Literal) and isinstance(arg.data_type, T.StringType) and arg.value is not None:
        return parse_duration(arg.value)
    if isinstance(arg, Literal) and isinstance(arg.data_type, (T.IntegerType, T.LongType)) and arg.value is not None:
        return arg.value
    raise AnalysisException(errorClass="_LEGACY_ERROR_TEMP_1207", messageParameters={})


@dataclass(frozen=True)
class TimeWindow:
    time: Expression            # the resolved time column, a timestamp
    duration: int
    slide: int
    start: int

    name = "window"

    @property
    def key(self):
        return (self.name, self.time.semantic_key(), self.duration, self.slide, self.start)

    @property
    def tumbling(self) -> bool:
        return self.slide == self.duration


def _timestamp(time: Expression, sql: str) -> Expression:
    """The time column as a timestamp: strings and dates are cast, as Spark's implicit casts do."""
    t = time.data_type
    if isinstance(t, (T.StringType, T.DateType, T.NullType)):
        return C.cast_to(time, T.TimestampType())
    if not isinstance(t, (T.TimestampType, T.TimestampNTZType)):
        raise AnalysisException(
            errorClass="DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE",
            messageParameters={"sqlExpr": sql, "paramIndex": "first",
                               "requiredType": '("(TIMESTAMP OR TIMESTAMP WITHOUT TIME ZONE)" or '
                                               '"STRUCT<start: TIMESTAMP, end: TIMESTAMP>" or '
                                               '"STRUCT<start: TIMESTAMP_NTZ, end: TIMESTAMP_NTZ>")',
                               "inputSql": f'"{time.sql()}"', "inputType": f'"{t.simpleString().upper()}"'})
    return time


def _arity(name: str, args, expected: str, low: int, high: int) -> None:
    if not low <= len(args) <= high:
        raise AnalysisException(errorClass="WRONG_NUM_ARGS.WITHOUT_SUGGESTION",
                                messageParameters={"functionName": f"`{name}`", "expectedNum": expected,
                                                   "actualNum": str(len(args)),
                                                   "docroot": "https://spark.apache.org/docs/latest"})


def resolve_time_window(node: UnresolvedFunction, child, analyzer) -> TimeWindow:
    """``window(ts, duration[, slide[, start]])``'s arguments checked as Spark checks them."""
    args = node.children
    _arity("window", args, "[2, 3, 4]", 2, 4)
    duration = _duration_of(args[1])
    slide = _duration_of(args[2]) if len(args) > 2 else duration
    start = _duration_of(args[3]) if len(args) > 3 else 0
    time = analyzer.resolve_expression(args[0], child)
    sql = f'"window({time.sql()}, {duration}, {slide}, {start})"'
    time = _timestamp(time, sql)
    for name, value in (("window_duration", duration), ("slide_duration", slide)):
        if value <= 0:
            raise AnalysisException(
                errorClass="DATATYPE_MISMATCH.VALUE_OUT_OF_RANGE",
                messageParameters={"sqlExpr": sql, "exprName": f"`{name}`",
                                   "valueRange": "(0, 9223372036854775807]", "currentValue": f"{value}L"})
    for left, left_value, constraint, right, right_value in (
            ("`slide_duration`", slide, "<=", "`window_duration`", duration),
            ("`abs(start_time)`", abs(start), "<", "`slide_duration`", slide)):
        if not (left_value <= right_value if constraint == "<=" else left_value < right_value):
            raise AnalysisException(
                errorClass="DATATYPE_MISMATCH.PARAMETER_CONSTRAINT_VIOLATION",
                messageParameters={"sqlExpr": sql, "leftExprName": left, "leftExprValue": f"{left_value}L",
                                   "constraint": constraint, "rightExprName": right,
                                   "rightExprValue": f"{right_value}L"})
    return TimeWindow(time, duration, slide, start)


@dataclass(frozen=True)
class SessionWindow:
    time: Expression            # the resolved time column, a timestamp
    gap: object                 # microseconds, or a string expression read row by row

    name = "session_window"

    @property
    def key(self):
        gap = self.gap if isinstance(self.gap, int) else self.gap.semantic_key()
        return (self.name, self.time.semantic_key(), gap)


def resolve_session_window(node: UnresolvedFunction, child, analyzer) -> SessionWindow:
    """``session_window(ts, gap)``: a gap that is not positive or does not parse is no error (its
    rows are dropped)."""
    args = node.children
    _arity("session_window", args, "2", 2, 2)
    time = analyzer.resolve_expression(args[0], child)
    gap = analyzer.resolve_expression(args[1], child)
    sql = f'"session_window({time.sql()}, {gap.sql()})"'
    time = _timestamp(time, sql)
    if isinstance(gap, Literal) and isinstance(gap.data_type, T.StringType) and gap.value is not None:
        try:
            return SessionWindow(time, parse_duration(gap.value))
        except AnalysisException:           # a gap that does not parse: no row has a session
            return SessionWindow(time, 0)
        except IllegalArgumentException:
            raise NotImplementedError("sparklite does not run session windows with a gap of months or years yet") \
                from None
    if not isinstance(gap.data_type, (T.StringType, T.NullType)):
        raise AnalysisException(
            errorClass="DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE",
            messageParameters={"sqlExpr": sql, "paramIndex": "second", "requiredType": '"STRING"',
                               "inputSql": f'"{gap.sql()}"', "inputType": f'"{gap.data_type.simpleString().upper()}"'})
    return SessionWindow(time, C.cast_to(gap, T.StringType()))


def rewrite_time_windows(plan: L.LogicalPlan, analyzer) -> L.LogicalPlan:
    """``plan`` with its ``window(...)`` / ``session_window(...)`` calls read from a column its new
    child adds (see above)."""
    calls = [node for e in plan.expressions if isinstance(e, Expression) for node in e.walk() if is_time_window(node)]
    if not calls or len(plan.children) != 1:
        return plan
    child = plan.children[0]
    windows = [(resolve_time_window if c.name.lower() == "window" else resolve_session_window)(c, child, analyzer)
               for c in calls]
    if len({w.key for w in windows}) > 1:
        raise AnalysisException(errorClass="_LEGACY_ERROR_TEMP_1039", messageParameters={})
    w = windows[0]
    # a window of the watermarked event time is bounded by the watermark too (Spark copies the metadata)
    metadata = dict(w.time.metadata) if isinstance(w.time, AttributeReference) and w.time.metadata else None
    if isinstance(w, SessionWindow):
        merge = isinstance(plan, L.Aggregate) and any(is_time_window(strip_alias(g)) for g in plan.grouping)
        if merge and is_streaming(child):
            # a stream's sessions merge across batches in its stateful aggregate, which the mark tells
            merge, metadata = False, dict(metadata or {}, **{SESSION_KEY: True})
        column = AttributeReference(w.name, window_type(w.time.data_type), False, metadata=metadata)
        keys = [analyzer.resolve_expression(g, child) for g in plan.grouping
                if not is_time_window(strip_alias(g))] if merge else None
        new_child = _sessions(w, column, keys, child, analyzer)
    elif w.tumbling:
        column = AttributeReference(w.name, window_type(w.time.data_type), False, metadata=metadata)
        present = analyzer.resolve_expression(UnresolvedFunction("isnotnull", [w.time]), child)
        struct = window_call(w.time, w.duration, w.slide, w.start, 0, False)
        new_child = L.Project([Alias(struct, w.name, expr_id=column.expr_id, metadata=metadata)] + list(child.output),
                              L.Filter(present, child))
    else:
        column = AttributeReference(w.name, window_type(w.time.data_type), True, metadata=metadata)
        count = math.ceil(w.duration / w.slide)
        projections = [[window_call(w.time, w.duration, w.slide, w.start, i, True)] + list(child.output)
                       for i in range(count)]
        expand = L.Expand(projections, [column] + list(child.output), child)
        start, end = extract.struct_field(column, 0), extract.struct_field(column, 1)
        inside = UnresolvedFunction("and", [UnresolvedFunction("greaterthanorequal", [w.time, start]),
                                            UnresolvedFunction("lessthan", [w.time, end])])
        new_child = L.Filter(analyzer.resolve_expression(inside, expand), expand)
    expressions = [e.transform_up(lambda node: column if is_time_window(node) else node)
                   if isinstance(e, Expression) else e for e in plan.expressions]
    return plan.with_new(children=(new_child,), expressions=expressions)


def _sessions(w: SessionWindow, column: AttributeReference, keys: list | None, child, analyzer) -> L.LogicalPlan:
    """The child with the column ``column`` in front: each row's own session, or, given the other
    grouping ``keys``, the merged session it belongs to."""
    own = session_call(w.time, w.gap)
    alias = Alias(own, w.name, column.expr_id, column.metadata) if keys is None else Alias(own, "__own_session")
    rows = L.Project([alias] + list(child.output), child)
    raw = alias.to_attribute()
    rows = L.Filter(analyzer.resolve_expression(UnresolvedFunction("isnotnull", [raw]), rows), rows)
    if keys is None:
        return rows
    start, end = extract.struct_field(raw, 0), extract.struct_field(raw, 1)
    by_start = [SortOrder(start)]
    before = WindowFrame("rows", WindowFrame.UNBOUNDED_PRECEDING, -1)
    so_far = WindowFrame("rows", WindowFrame.UNBOUNDED_PRECEDING, 0)
    whole = WindowFrame("rows", WindowFrame.UNBOUNDED_PRECEDING, WindowFrame.UNBOUNDED_FOLLOWING)

    def over(plan, name, function, partition, order, frame):
        expression = analyzer.resolve_expression(WindowExpression(function, partition, order, frame), plan)
        alias = Alias(expression, name)
        return L.Window([alias], list(partition), list(order), plan), alias.to_attribute()

    # a row starts a new session when it starts after every earlier row (by start) has ended
    rows, previous_end = over(rows, "__previous_end", UnresolvedFunction("max", [end]), keys, by_start, before)
    starts_new = UnresolvedFunction("casewhen", [
        UnresolvedFunction("or", [UnresolvedFunction("isnull", [previous_end]),
                                  UnresolvedFunction("greaterthan", [start, previous_end])]),
        Literal(1, T.IntegerType()), Literal(0, T.IntegerType())])
    rows, number = over(rows, "__session_number", UnresolvedFunction("sum", [starts_new]), keys, by_start, so_far)
    rows, first = over(rows, "__session_start", UnresolvedFunction("min", [start]), keys + [number], [], whole)
    rows, last = over(rows, "__session_end", UnresolvedFunction("max", [end]), keys + [number], [], whole)
    merged = analyzer.resolve_expression(
        UnresolvedFunction("named_struct", [Literal("start", T.StringType()), first,
                                            Literal("end", T.StringType()), last]), rows)
    return L.Project([Alias(merged, w.name, column.expr_id, column.metadata)] + list(child.output), rows)

"""The logical side of streaming: a stream's leaf, the watermark, streaming deduplication, the marker of
a stateful operator, and Spark's checks of what a streaming query may do (UnsupportedOperationChecker).

Contract:
* ``StreamingRelation(attributes, source)`` is the leaf ``spark.readStream`` makes; ``source`` is
  opaque here (the streaming library's object; only its ``description`` is read). A plan is
  streaming when such a leaf is under it (``is_streaming``).
* ``EventTimeWatermark(event_time, delay_ms, child)`` outputs the child's columns, the event-time
  column carrying ``spark.watermarkDelayMs`` in its metadata, as Spark marks it; a window over that
  column carries it on, so a grouping key says whether the watermark bounds it (``watermark_key``).
* ``Deduplicate(keys, child, within_watermark)`` is ``dropDuplicates`` of a stream: each key's first
  row passes, later ones do not.
* ``Stateful(kind, child, info)`` marks the one node below it (an ``Aggregate``, a ``Deduplicate`` or
  a stream-stream ``Join``) as run with state: ``info`` is the batch's state (store, version,
  watermark, output mode), set per micro-batch by ``sparklite.sql.streams``; without ``info`` the
  node is planned as a batch operator.
* ``check_streaming(plan, output_mode)`` raises Spark's ``AnalysisException`` for an operation the
  output mode does not support.
"""
from __future__ import annotations

from sparklite.sql import types as T
from sparklite.sql.errors import AnalysisException
from sparklite.sql.plan import logical as L
from sparklite.sql.plan.expressions import AttributeReference, Call

DELAY_KEY = "spark.watermarkDelayMs"
SESSION_KEY = "spark.sessionWindow"      # marks a stream's session window, merged by its stateful aggregate


class StreamingRelation(L.LeafPlan):
    def __init__(self, attributes: list[AttributeReference], source):
        super().__init__()
        self.attributes, self.source = list(attributes), source

    @property
    def output(self):
        return self.attributes

    def node_string(self):
        return f"StreamingRelation {self.source.description}, {L.attr_list(self.attributes)}"


class EventTimeWatermark(L.UnaryPlan):
    """``tracker``, set per micro-batch, is the accumulator of the batch's latest event time."""

    def __init__(self, event_time: AttributeReference, delay_ms: int, child: L.LogicalPlan, tracker=None):
        super().__init__()
        self.event_time, self.delay_ms, self.children = event_time, int(delay_ms), (child,)
        self.tracker = tracker

    def with_new(self, children=None, expressions=None):
        return self._same_id(EventTimeWatermark(self.event_time, self.delay_ms, (children or self.children)[0],
                                                self.tracker))

    @property
    def output(self):
        return [with_delay(a, self.delay_ms) if a.expr_id == self.event_time.expr_id else a
                for a in self.child.output]

    def node_string(self):
        return f"EventTimeWatermark {self.event_time.explain_string()}, {_interval(self.delay_ms)}"


class Deduplicate(L.UnaryPlan):
    def __init__(self, keys: list[AttributeReference], child: L.LogicalPlan, within_watermark: bool = False):
        super().__init__()
        self.keys, self.children, self.within_watermark = list(keys), (child,), within_watermark

    @property
    def expressions(self):
        return tuple(self.keys)

    def with_new(self, children=None, expressions=None):
        keys = list(expressions) if expressions is not None else self.keys
        return self._same_id(Deduplicate(keys, (children or self.children)[0], self.within_watermark))

    @property
    def output(self):
        return self.child.output

    def node_string(self):
        name = "DeduplicateWithinWatermark" if self.within_watermark else "Deduplicate"
        return f"{name} {L.attr_list(self.keys)}"


class CountRows(L.UnaryPlan):
    """Its child's rows, counted into ``counter`` (an accumulator) as they pass: a source's input rows.
    Over a source that takes filters (``pushes_filters``: the file formats) the filters above go below
    it, so the count is what the scan gives after them, as Spark counts a file source's rows."""

    def __init__(self, counter, child: L.LogicalPlan, pushes_filters: bool = False):
        super().__init__()
        self.counter, self.children, self.pushes_filters = counter, (child,), pushes_filters

    def with_new(self, children=None, expressions=None):
        return self._same_id(CountRows(self.counter, (children or self.children)[0], self.pushes_filters))

    @property
    def output(self):
        return self.child.output


class Stateful(L.UnaryPlan):
    """Marks its child as a stateful operator of a streaming query (see the module's contract)."""

    def __init__(self, kind: str, child: L.LogicalPlan, operator_id: int, info=None):
        super().__init__()
        self.kind, self.children, self.operator_id, self.info = kind, (child,), operator_id, info

    def with_new(self, children=None, expressions=None):
        return self._same_id(Stateful(self.kind, (children or self.children)[0], self.operator_id, self.info))

    @property
    def output(self):
        return self.child.output

    def node_string(self):
        return f"StateStore{self.kind.capitalize()} [operator {self.operator_id}]"


def with_delay(a: AttributeReference, delay_ms: int) -> AttributeReference:
    return AttributeReference(a.name, a.data_type, a.nullable, a.expr_id, a.qualifier,
                              dict(a.metadata or {}, **{DELAY_KEY: delay_ms}))


def _interval(ms: int) -> str:
    seconds, ms = divmod(ms, 1000)
    return f"{seconds} seconds" if not ms else f"{seconds}.{ms:03d} seconds"


def is_streaming(plan: L.LogicalPlan) -> bool:
    return any(isinstance(node, StreamingRelation) for node in plan.walk())


def streaming_relations(plan: L.LogicalPlan) -> list[StreamingRelation]:
    return [node for node in plan.walk() if isinstance(node, StreamingRelation)]


def watermark_key(attributes: list) -> int | None:
    """The position of the first attribute the watermark bounds, or None."""
    return next((i for i, a in enumerate(attributes) if DELAY_KEY in (getattr(a, "metadata", None) or {})), None)


def has_watermark(plan: L.LogicalPlan) -> bool:
    return any(isinstance(node, EventTimeWatermark) for node in plan.walk())


# -- what a streaming query may do (Spark's UnsupportedOperationChecker) ----------------------------

_CORRECTNESS = ("Detected pattern of possible 'correctness' issue due to global watermark. The query contains "
                "stateful operation which can emit rows older than the current watermark plus allowed late record "
                'delay, which are "late rows" in downstream stateful operations and these rows can be discarded. '
                "Please refer the programming guide doc for more details. If you understand the possible risk of "
                "correctness issue and still need to run the query, you can disable this check by setting the config "
                "`spark.sql.streaming.statefulOperator.checkCorrectness.enabled` to false.")


def _fail(message: str, plan: L.LogicalPlan):
    """Spark's error of an unsupported streaming operation: the message, then the plan."""
    raise AnalysisException(errorClass="_LEGACY_ERROR_TEMP_3102",
                            messageParameters={"msg": f"{message};\n{plan.tree_string()}"})


def _mode_error(mode: str, operation: str):
    raise AnalysisException(errorClass="STREAMING_OUTPUT_MODE.UNSUPPORTED_OPERATION",
                            messageParameters={"outputMode": mode, "operation": operation})


def _streaming_aggregates(plan) -> list:
    return [n for n in plan.walk() if isinstance(n, L.Aggregate) and is_streaming(n.child)]


def _keyed_by_watermark(aggregate: L.Aggregate) -> bool:
    return watermark_key([g for g in aggregate.grouping]) is not None


def check_batch_use(plan: L.LogicalPlan) -> None:
    """An action on a streaming DataFrame: Spark's error, naming the stream's sources."""
    if is_streaming(plan):
        _fail("Queries with streaming sources must be executed with writeStream.start()", plan)


def check_streaming(plan: L.LogicalPlan, output_mode: str) -> None:
    mode = output_mode.lower()
    aggregates = _streaming_aggregates(plan)
    joins = [n for n in plan.walk() if isinstance(n, L.Join) and is_streaming(n.left) and is_streaming(n.right)]
    stateful = len(aggregates) + len(joins) + sum(
        isinstance(n, Deduplicate) and is_streaming(n.child) for n in plan.walk())
    if mode == "complete" and not aggregates:
        _mode_error(mode, "no streaming aggregations")
    if stateful > 1 and mode != "append":
        _fail(_CORRECTNESS, plan)
    if stateful > 1:
        raise AnalysisException("sparklite does not run chained stateful operators (two aggregations, "
                                "deduplications or stream-stream joins in one query) yet")
    for aggregate in aggregates:
        for node in aggregate.aggregates:
            if any(isinstance(c, Call) and c.options.get("distinct") for c in node.walk()):
                _fail("Distinct aggregations are not supported on streaming DataFrames/Datasets. Consider using "
                      "approx_count_distinct() instead.", plan)
        if mode == "append" and not _keyed_by_watermark(aggregate):
            _mode_error(mode, "streaming aggregations without watermark")
    for node in plan.walk():
        _check_node(node, mode, output_mode, plan)


def _check_node(node, mode: str, output_mode: str, plan: L.LogicalPlan) -> None:
    if isinstance(node, L.Sort) and is_streaming(node.child):
        if not (mode == "complete" and _streaming_aggregates(node.child)):
            _fail("Sorting is not supported on streaming DataFrames/Datasets, unless it is on aggregated "
                  "DataFrame/Dataset in Complete output mode", plan)
    elif isinstance(node, L.Limit) and is_streaming(node.child) and mode == "update":
        _fail("Limits are not supported on streaming DataFrames/Datasets in Update output mode", plan)
    elif isinstance(node, L.Join) and is_streaming(node.left) and is_streaming(node.right):
        if node.join_type not in ("inner", "cross") and not (has_watermark(node.left) and has_watermark(node.right)):
            _fail(f"Stream-stream {L.JOIN_NAMES.get(node.join_type, node.join_type)} join between two streaming "
                  "DataFrame/Datasets is not supported without a watermark in the join keys, or a watermark on "
                  "the nullable side and an appropriate range condition", plan)
        if node.join_type not in ("inner", "cross") and mode != "append":
            _fail(f"{output_mode.capitalize()} output mode not supported for stream-stream outer joins", plan)
    elif isinstance(node, L.Join) and (is_streaming(node.left) or is_streaming(node.right)):
        streaming_left = is_streaming(node.left)
        bad = ("right_outer", "full_outer") if streaming_left else ("left_outer", "full_outer", "left_semi", "left_anti")
        if node.join_type in bad:
            side = "left" if streaming_left else "right"
            _fail(f"{L.JOIN_NAMES[node.join_type]} join with a streaming DataFrame/Dataset on the {side} and a "
                  "static DataFrame/Dataset on the " + ("right" if side == "left" else "left") + " is not supported", plan)
    elif isinstance(node, L.SetOperation) and is_streaming(node):
        _fail(f"{node.kind.capitalize()} is not supported with streaming DataFrames/Datasets", plan)
    elif isinstance(node, L.Window) and is_streaming(node.child):
        _fail("Non-time-based windows are not supported on streaming DataFrames/Datasets", plan)


def check_event_time(plan: L.LogicalPlan, event_time: str) -> None:
    """Spark's checks of ``withWatermark``'s column (raised by the DataFrame method)."""
    for a in plan.output:
        if a.name == event_time and not isinstance(a.data_type, (T.TimestampType, T.TimestampNTZType)):
            raise AnalysisException(f"Event time must be defined on a window or a timestamp, but {a.name} is of "
                                    f"type {a.data_type.simpleString()}")

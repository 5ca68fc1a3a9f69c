"""What the SQL layer gives the streaming library (``sparklite.streaming``): streaming DataFrames, the
checks of a query against its output mode, and each micro-batch's plan.

Contract (the developer API of streaming; nothing here is PySpark's user API):
* ``register(library)``: the streaming library's module, whose ``DataStreamReader(session)``,
  ``DataStreamWriter(df)`` and ``StreamingQueryManager.of(session)`` back ``spark.readStream``,
  ``df.writeStream`` and ``spark.streams``, and whose ``stop_queries(sc)`` a session's ``stop`` calls. SQL imports no layer above it: when nothing has registered
  yet, the module named by ``LIBRARY`` is imported on first use and registers itself.
* ``streaming_dataframe(session, source, schema)``: a DataFrame reading the stream ``source`` (an
  object of the library's with a ``description``); ``sources(df)`` lists a query's sources, in order.
* ``check_output_mode(df, mode)`` raises Spark's error for an operation ``mode`` does not support.
* ``stateful_operators(df)``: the query's stateful operators, in operator-id order: each one's
  ``operatorName`` (Spark's) and the text of its state's ``keySchema`` and ``valueSchema``.
* ``micro_batch(df, inputs, state)`` is the query planned for one batch: each leaf of a source reads
  the batch DataFrame ``inputs[i]`` (i in ``sources(df)`` order) under the leaf's own column ids, every
  stateful operator runs with ``state`` (``BatchState``) and every watermark tracks the batch's latest
  event time. The result's ``dataframe`` is an ordinary DataFrame (the sink's); ``watermarks`` holds
  ``(delay_ms, tracker)`` per ``withWatermark``; ``operators`` the ``StateInfo`` (metrics) per operator;
  ``input_rows`` an accumulator per source of the rows its scans gave the batch (after the filters a
  source that ``pushes_filters`` takes).
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field

from sparklite.sql.execution.aggregate import aggregate_parts
from sparklite.sql.execution.stateinfo import METRICS, MaxParam, PlacesParam, StateInfo
from sparklite.sql.plan import logical as L
from sparklite.sql.plan import streaming as S
from sparklite.sql.plan.expressions import Alias, AttributeReference

LIBRARY = "sparklite.streaming"
_registered = []


def register(library) -> None:
    _registered[:] = [library]


def library():
    if not _registered:
        importlib.import_module(LIBRARY)
    return _registered[0]


def stop_queries(sc) -> None:
    """Stops the streaming queries running on ``sc`` (before a session stops its context)."""
    if _registered:
        _registered[0].stop_queries(sc)


def streaming_dataframe(session, source, schema):
    attributes = [AttributeReference(f.name, f.dataType, f.nullable, metadata=f.metadata or None)
                  for f in schema.fields]
    return session._dataframe(S.StreamingRelation(attributes, source))


def sources(df) -> list:
    """The query's sources, each once (a stream joined with itself reads one source), in plan order."""
    found = []
    for relation in S.streaming_relations(df._plan):
        if not any(relation.source is s for s in found):
            found.append(relation.source)
    return found


def check_output_mode(df, mode: str) -> None:
    S.check_streaming(df._plan, mode)


_OPERATOR_NAMES = {"aggregate": "stateStoreSave", "deduplicate": "dedupe", "join": "symmetricHashJoin"}


def stateful_operators(df) -> list[dict]:
    """Per stateful operator, in operator-id order: Spark's ``operatorName`` and the schemas of its
    state's keys and values (as text), which a restart from a checkpoint must find unchanged."""
    return [{"operatorName": _OPERATOR_NAMES[kind], **_state_schemas(kind, node)}
            for kind, node in _stateful_nodes(df._plan)]


def _struct(attributes) -> str:
    return "struct<" + ",".join(f"{a.name}:{a.data_type.simpleString()}" for a in attributes) + ">"


def _state_schemas(kind: str, node) -> dict:
    if kind == "aggregate":
        parts = aggregate_parts(node)
        return {"keySchema": _struct(parts.keys), "valueSchema": "[" + ", ".join(c.sql() for c in parts.calls) + "]"}
    if kind == "deduplicate":
        return {"keySchema": _struct(node.keys), "valueSchema": "within watermark" if node.within_watermark else ""}
    return {"keySchema": _struct(node.left.output) + " JOIN " + _struct(node.right.output),
            "valueSchema": node.join_type}


def _stateful_nodes(plan) -> list:
    """(kind, node) of each stateful operator, bottom-up (the order of their operator ids)."""
    found = []

    def visit(node):
        for child in node.children:
            visit(child)
        if isinstance(node, L.Aggregate) and S.is_streaming(node.child):
            found.append(("aggregate", node))
        elif isinstance(node, S.Deduplicate):
            found.append(("deduplicate", node))
        elif isinstance(node, L.Join) and S.is_streaming(node.left) and S.is_streaming(node.right):
            found.append(("join", node))
    visit(plan)
    return found


@dataclass
class BatchState:
    """The state of one micro-batch: ``store`` keeps every operator's state (see
    ``sparklite.sql.execution.stateful``), read at ``version`` (the batch id) and written at
    ``version + 1``; ``watermark_ms`` is the watermark in force (None without one); ``locations`` where
each operator's partitions kept their state last (each ``StateInfo.placed`` says where they keep it
now)."""
    store: object
    version: int
    num_partitions: int
    output_mode: str
    watermark_ms: int | None = None
    locations: dict = field(default_factory=dict)     # operator id -> {partition: executor keeping its state}


@dataclass
class MicroBatch:
    dataframe: object           # the batch's DataFrame
    watermarks: list = field(default_factory=list)
    operators: list = field(default_factory=list)
    input_rows: list = field(default_factory=list)    # per source, the accumulator of the rows it gave


def micro_batch(df, inputs: list, state: BatchState) -> MicroBatch:
    session = df.sparkSession
    sc = session.sparkContext
    nodes = {id(node): (kind, i) for i, (kind, node) in enumerate(_stateful_nodes(df._plan))}
    result = MicroBatch(None)
    streams_in = sources(df)
    result.input_rows = [sc.accumulator(0) for _ in streams_in]

    def rule(node):
        if isinstance(node, S.StreamingRelation):
            # each read of a source counts (a stream joined with itself: both sides' scans, as Spark counts)
            index = next(i for i, s in enumerate(streams_in) if s is node.source)
            return S.CountRows(result.input_rows[index], _reading(node, inputs[index]._plan),
                               getattr(node.source, "pushes_filters", False))
        if isinstance(node, S.EventTimeWatermark):
            tracker = sc.accumulator(None, MaxParam())
            result.watermarks.append((node.delay_ms, tracker))
            return S.EventTimeWatermark(node.event_time, node.delay_ms, node.child, tracker)
        return node

    def mark(original, node):
        # the stateful nodes are known by the user's plan's nodes, before their inputs were replaced
        if id(original) not in nodes:
            return node
        kind, operator_id = nodes[id(original)]
        info = StateInfo(state.store, operator_id, state.version, state.num_partitions, state.output_mode,
                         state.watermark_ms, {name: sc.accumulator(0) for name in METRICS},
                         state.locations.get(operator_id, {}), sc.accumulator({}, PlacesParam()))
        result.operators.append(info)
        return S.Stateful(kind, node, operator_id, info)

    result.dataframe = type(df)(_rewrite(df._plan, rule, mark), session)
    return result


def _rewrite(node, rule, mark):
    children = tuple(_rewrite(c, rule, mark) for c in node.children)
    rebuilt = node if children == tuple(node.children) else node.with_new(children=children)
    return mark(node, rule(rebuilt))


def _reading(leaf: S.StreamingRelation, batch: L.LogicalPlan) -> L.LogicalPlan:
    """The batch's rows under the leaf's column ids (and names and metadata)."""
    return L.Project([Alias(column, a.name, a.expr_id, a.metadata or None) for column, a in zip(batch.output, leaf.output)],
                     batch)

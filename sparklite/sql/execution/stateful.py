"""The physical operators of a streaming query's micro-batch: the watermark's event-time tracker, the
stateful aggregation and the streaming deduplication (Spark's EventTimeWatermarkExec,
StateStoreRestore/SaveExec and StreamingDeduplicateExec).

Contract:
* A stateful operator's input is exchanged by its keys into ``info.num_partitions`` partitions, the
  same in every batch; the task of partition ``p`` reads the state of ``p`` at version
  ``info.version`` from ``info.store`` (``load(operator_id, p, version) -> pyarrow.Table | None``),
  merges the batch into it and commits version ``info.version + 1`` (``commit(operator_id, p,
  version, table)``), so running a batch again (a replay, a second action in ``foreachBatch``) gives
  the same rows and the same state.
* The aggregation keeps each group's partial aggregation states (the final phase's input), not its
  results: every aggregate the SQL engine computes in batch works on a stream. What it outputs
  follows the output mode: ``complete`` every group, ``update`` the groups this batch changed,
  ``append`` the groups the watermark closed (each once). With a watermark on a grouping key
  (the event time or a window of it), input groups the watermark has passed are dropped as late and
  closed groups leave the state (``update`` and ``append``).
* Deduplication passes a key's first row and keeps the key; with a watermark, late rows are dropped
  and keys whose event time (``dropDuplicatesWithinWatermark``: event time plus the delay) the
  watermark has passed leave the state.
* Each operator adds to ``info.metrics`` (Spark's ``stateOperators`` progress fields).
"""
from __future__ import annotations

import time

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sparklite.core.api import TaskContext
from sparklite.sql import types as T
from sparklite.sql.builtins.aggregates import Groups, group_ids, implementation
from sparklite.sql.execution.aggregate import HashAggregateExec, _regrouped, aggregate_parts
from sparklite.sql.execution.evaluate import evaluate_array
from sparklite.sql.execution.exchange import ShuffleExchangeExec
from sparklite.sql.execution.physical import ProjectFilterExec, SparkPlan, attr_list, bind
from sparklite.sql.execution.stateful_join import plan_stream_join
from sparklite.sql.execution.stateinfo import StateInfo, pinned
from sparklite.sql.plan import streaming as S

def plan_streaming(plan, conf, plan_physical):
    """The physical plan of a streaming node; ``plan_physical`` plans its children."""
    if isinstance(plan, S.EventTimeWatermark):
        child = plan_physical(plan.child, conf)
        return EventTimeWatermarkExec(plan.event_time, plan.tracker, child, plan.output) if plan.tracker is not None \
            else child
    if isinstance(plan, S.Stateful) and plan.info is not None and plan.kind == "aggregate":
        aggregate = plan.child
        parts = aggregate_parts(aggregate)
        partial = HashAggregateExec("partial", aggregate.grouping, parts.calls, plan_physical(aggregate.child, conf),
                                    parts.keys + parts.states)
        # a session window's sessions of one key merge: the key's rows meet in one partition, whatever their session
        by = [k for k in parts.keys if S.SESSION_KEY not in (k.metadata or {})]
        exchange = ShuffleExchangeExec("hash", by, plan.info.num_partitions, partial) if by else \
            ShuffleExchangeExec("single", [], 1, partial)
        final = StateStoreAggregateExec(parts.keys, parts.calls, parts.widths, exchange,
                                        parts.keys + parts.results, plan.info)
        return ProjectFilterExec(parts.project, None, final)
    if isinstance(plan, S.Stateful) and plan.info is not None and plan.kind == "deduplicate":
        dedup = plan.child
        child = plan_physical(dedup.child, conf)
        exchange = ShuffleExchangeExec("hash", dedup.keys, plan.info.num_partitions, child)
        return StreamingDeduplicateExec(dedup.keys, dedup.within_watermark, exchange, plan.info)
    if isinstance(plan, S.Stateful) and plan.info is not None and plan.kind == "join":
        return plan_stream_join(plan, conf, plan_physical)
    if isinstance(plan, S.Deduplicate):        # explained, never run outside a micro-batch
        return StreamingDeduplicateExec(plan.keys, plan.within_watermark, plan_physical(plan.child, conf), None)
    if isinstance(plan, S.StreamingRelation):
        return StreamingRelationExec(plan.output, plan.source.description)
    if isinstance(plan, S.CountRows):
        return CountRowsExec(plan.counter, plan_physical(plan.child, conf))
    return plan_physical(plan.child, conf)


class CountRowsExec(SparkPlan):
    def __init__(self, counter, child: SparkPlan):
        self.counter, self.children = counter, (child,)

    @property
    def output(self):
        return self.children[0].output

    def execute(self, ctx):
        counter = self.counter

        def count(batch):
            counter.add(batch.num_rows)
            return batch
        return self.children[0].execute(ctx).map_batches(count, preservesPartitioning=True, schema=self.schema,
                                                          arrow_only=True)


class StreamingRelationExec(SparkPlan):
    """A stream's leaf in an explained plan (a query runs it only through its micro-batches)."""

    def __init__(self, output, description: str):
        self._output, self.description = list(output), description

    @property
    def output(self):
        return self._output

    def node_string(self):
        return f"StreamingRelation {self.description}, {attr_list(self._output)}"


class EventTimeWatermarkExec(SparkPlan):
    """Passes its input on, adding the batch's latest event time (milliseconds) to ``tracker``; its
    output's event-time column carries the watermark's delay, as the logical node's does."""

    def __init__(self, event_time, tracker, child: SparkPlan, output: list):
        self.event_time, self.tracker, self.children, self._output = event_time, tracker, (child,), list(output)

    @property
    def output(self):
        return self._output

    def execute(self, ctx):
        child = self.children[0]
        column = bind(self.event_time, child.output)
        tracker = self.tracker

        def track(batch):
            if batch.num_rows:
                latest = pc.max(evaluate_array(column, batch).cast(pa.int64())).as_py()
                if latest is not None:
                    tracker.add(latest // 1000)
            return batch
        return child.execute(ctx).map_batches(track, preservesPartitioning=True, schema=self.schema,
                                              arrow_only=True)

    def node_string(self):
        return f"EventTimeWatermark {self.event_time.explain_string()}"


def _event_times(key: pa.Array) -> np.ndarray:
    """A watermarked key's time in microseconds: the key itself, or a window's end."""
    if pa.types.is_struct(key.type):
        key = key.field(1)
    return key.cast(pa.int64()).fill_null(np.iinfo(np.int64).max).to_numpy(zero_copy_only=False)


def _concat(tables: list) -> pa.Table | None:
    """The rows of ``tables`` (None for none), the later ones under the first one's column names."""
    tables = [t for t in tables if t is not None and t.num_rows]
    if not tables:
        return None
    names = tables[0].schema.names
    return pa.concat_tables([t.rename_columns(names) for t in tables], promote_options="permissive").combine_chunks()


def merge_sessions(table: pa.Table, session: int, num_keys: int) -> pa.Table:
    """``table`` (keys, then states) with each session widened to the merged session it belongs to:
    sessions of the same other keys that overlap or touch are one, from the first start to the last end."""
    others = [table.column(i).combine_chunks() for i in range(num_keys) if i != session]
    ids = group_ids(others, table.num_rows)[0] if others else np.zeros(table.num_rows, np.int64)
    window = table.column(session).combine_chunks()
    kind = window.type.field(0).type
    starts = window.field(0).cast(pa.int64()).to_numpy(zero_copy_only=False)
    ends = window.field(1).cast(pa.int64()).to_numpy(zero_copy_only=False)
    order = np.lexsort((starts, ids))
    merged_start, merged_end = starts.copy(), ends.copy()
    reach, members = None, []
    for position in order:
        if reach is None or ids[position] != ids[members[0]] or starts[position] > reach:
            _close(members, merged_start, merged_end, starts, reach)
            members, reach = [], ends[position]
        members.append(position)
        reach = max(reach, ends[position])
    _close(members, merged_start, merged_end, starts, reach)
    merged = pa.StructArray.from_arrays([pa.array(merged_start).cast(kind), pa.array(merged_end).cast(kind)],
                                        fields=list(window.type))
    return table.set_column(session, table.schema.field(session), merged)


def _sessions_of_touched_keys(table: pa.Table, updated: np.ndarray, session: int, num_keys: int) -> np.ndarray:
    """The sessions whose other keys have an updated session: Spark keeps a key's sessions together and
    writes them all again when one changes (its ``numRowsUpdated``)."""
    others = [table.column(i).combine_chunks() for i in range(num_keys) if i != session]
    if not others:
        return np.full(table.num_rows, bool(updated.any()))
    ids = group_ids(others, table.num_rows)[0]
    return np.isin(ids, ids[updated])


def _close(members: list, merged_start, merged_end, starts, reach) -> None:
    if members:
        merged_start[members] = starts[members].min()
        merged_end[members] = reach


def _empty_global(calls: list) -> pa.Table:
    """The state of a global aggregate before any row: each aggregate's state over nothing."""
    columns = []
    for call in calls:
        columns += implementation(call).update(
            [pa.array([], T.to_arrow_type(a.data_type)) for a in call.children], Groups(np.zeros(0, np.int64), 1), call)
    return pa.Table.from_arrays(columns, names=[f"s{i}" for i in range(len(columns))])


def _finished(table: pa.Table, calls: list, widths: list, num_keys: int, schema: pa.Schema) -> pa.RecordBatch:
    """The keys and each aggregate's result from a table of keys and states."""
    columns = [table.column(i).combine_chunks() for i in range(num_keys)]
    position = num_keys
    for call, width in zip(calls, widths):
        states = [table.column(i).combine_chunks() for i in range(position, position + width)]
        columns.append(implementation(call).finish(states, call))
        position += width
    columns = [c if c.type == f.type else c.cast(f.type) for c, f in zip(columns, schema)]
    return pa.RecordBatch.from_arrays(columns, schema=schema)


class StateStoreAggregateExec(SparkPlan):
    """The final phase of a streaming aggregation: merges the batch's partial states into the state."""

    def __init__(self, keys: list, calls: list, widths: list, child: SparkPlan, output: list, info: StateInfo):
        self.keys, self.calls, self.widths, self.children = list(keys), list(calls), list(widths), (child,)
        self._output, self.info = list(output), info

    @property
    def output(self):
        return self._output

    def execute(self, ctx):
        child = self.children[0]
        num_keys, calls, widths, info = len(self.keys), self.calls, self.widths, self.info
        schema = self.schema
        event_key = S.watermark_key(self.keys)
        session_key = next((i for i, k in enumerate(self.keys) if S.SESSION_KEY in (k.metadata or {})), None)
        watermark_us = None if info.watermark_ms is None or event_key is None else info.watermark_ms * 1000
        mode = info.output_mode

        def run(batches):
            partition = TaskContext.get().partitionId()
            started = time.perf_counter()
            stored = info.store.load(info.operator_id, partition, info.version)
            new = _concat([pa.Table.from_batches([b]) for b in batches if b.num_rows])
            dropped = 0
            if watermark_us is not None and mode != "complete" and new is not None:
                on_time = _event_times(new.column(event_key).combine_chunks()) > watermark_us
                dropped = new.num_rows - int(on_time.sum())
                new = new.filter(pa.array(on_time))
            num_stored = stored.num_rows if stored is not None else 0
            state = _concat([stored, new])
            if state is None and num_keys:
                info.add(numRowsDroppedByWatermark=dropped)
                info.kept_here(partition)
                return iter(())
            if state is None:        # a global aggregate has its one row from the start
                state = _empty_global(calls)
            if session_key is not None:
                state = merge_sessions(state, session_key, num_keys)
            key_arrays, groups, columns = _regrouped(state, num_keys)
            merged, position = [], 0
            for call, width in zip(calls, widths):
                merged += implementation(call).merge(columns[position:position + width], groups, call)
                position += width
            table = pa.Table.from_arrays(list(key_arrays) + merged, names=state.schema.names)
            updated = np.zeros(table.num_rows, dtype=bool)
            updated[np.unique(groups.ids[num_stored:])] = True
            if not num_keys:
                updated[:] = True
            closed = np.zeros(table.num_rows, dtype=bool)
            if watermark_us is not None and mode != "complete":
                closed = _event_times(table.column(event_key).combine_chunks()) <= watermark_us
            emit = updated if mode == "update" else closed if mode == "append" else np.ones(table.num_rows, bool)
            kept = table.filter(pa.array(~closed))
            info.store.commit(info.operator_id, partition, info.version + 1, kept)
            info.kept_here(partition)
            rewritten = updated if session_key is None else _sessions_of_touched_keys(table, updated, session_key,
                                                                                       num_keys)
            info.add(numRowsTotal=kept.num_rows, numRowsUpdated=int(rewritten.sum()) if new is not None or not num_keys
                     else 0, numRowsRemoved=int(closed.sum()), numRowsDroppedByWatermark=dropped,
                     memoryUsedBytes=kept.nbytes, commitTimeMs=(time.perf_counter() - started) * 1000)
            out = table.filter(pa.array(emit))
            if not out.num_rows:
                return iter(())
            return iter([_finished(out, calls, widths, num_keys, schema)])
        return pinned(child.execute(ctx), info).map_partitions(run, schema=schema, arrow_only=True)

    def node_string(self):
        functions = ", ".join(c.sql() for c in self.calls)
        return (f"StateStoreAggregate(keys={attr_list(self.keys)}, functions=[{functions}], "
                f"operator={self.info.operator_id}, mode={self.info.output_mode})")


def _on_time(rows: pa.Table, event_column, watermark_us) -> tuple:
    """(the rows the watermark has not passed, their event times in microseconds (zeros without an
    event time), how many were late)."""
    if event_column is None or not rows.num_rows:
        return rows, np.zeros(rows.num_rows, np.int64), 0
    times = evaluate_array(event_column, rows.to_batches()[0]).cast(pa.int64()).to_numpy(zero_copy_only=False)
    if watermark_us is None:
        return rows, times, 0
    on_time = times > watermark_us
    return rows.filter(pa.array(on_time)), times[on_time], int((~on_time).sum())


def _seen_keys(rows: pa.Table, keys: list, expires: np.ndarray, state_schema: pa.Schema) -> pa.Table:
    """The rows' keys and when each expires, as state rows."""
    if not rows.num_rows:
        return state_schema.empty_table()
    batch = rows.to_batches()[0]
    return pa.table([evaluate_array(k, batch) for k in keys] + [pa.array(expires, pa.int64())], schema=state_schema)


class StreamingDeduplicateExec(SparkPlan):
    """A key's first row passes; the state keeps the keys seen (with their expiry under a watermark)."""

    def __init__(self, keys: list, within_watermark: bool, child: SparkPlan, info: StateInfo):
        self.keys, self.within_watermark, self.children, self.info = list(keys), within_watermark, (child,), info

    @property
    def output(self):
        return self.children[0].output

    def execute(self, ctx):
        child = self.children[0]
        keys = [bind(k, child.output) for k in self.keys]
        event = S.watermark_key(child.output)
        event_column = None if event is None else bind(child.output[event], child.output)
        delay_us = (child.output[event].metadata[S.DELAY_KEY] * 1000) if event is not None else 0
        within = self.within_watermark
        if within and event is None:
            raise ValueError("dropDuplicatesWithinWatermark needs a watermark on the stream")
        # a key expires when the watermark passes its event time, if the event time is one of the keys
        evicts = within or (event is not None and child.output[event].expr_id in {k.expr_id for k in self.keys})
        info, schema = self.info, self.schema
        watermark_us = None if info.watermark_ms is None or event is None else info.watermark_ms * 1000
        # the state: the key columns and, under a watermark, when each key expires
        state_schema = pa.schema([pa.field(f"k{i}", T.to_arrow_type(k.data_type)) for i, k in enumerate(self.keys)]
                                 + [pa.field("expires", pa.int64())])

        def deduplicate(batches):
            partition = TaskContext.get().partitionId()
            started = time.perf_counter()
            stored = info.store.load(info.operator_id, partition, info.version)
            stored = stored if stored is not None else state_schema.empty_table()
            rows = pa.Table.from_batches([b for b in batches if b.num_rows], schema).combine_chunks()
            rows, times, dropped = _on_time(rows, event_column, watermark_us)
            arriving = _seen_keys(rows, keys, times + delay_us if within else times, state_schema)
            both = pa.concat_tables([stored, arriving]).combine_chunks()
            first = group_ids([both.column(i).combine_chunks() for i in range(len(keys))], both.num_rows)[2]
            fresh = np.zeros(both.num_rows, dtype=bool)
            fresh[first] = True
            fresh = fresh[stored.num_rows:]
            out = rows.filter(pa.array(fresh))
            state = pa.concat_tables([stored, arriving.filter(pa.array(fresh))]).combine_chunks()
            removed = 0
            if watermark_us is not None and evicts:
                alive = state.column("expires").to_numpy() > watermark_us
                removed = state.num_rows - int(alive.sum())
                state = state.filter(pa.array(alive))
            info.store.commit(info.operator_id, partition, info.version + 1, state)
            info.kept_here(partition)
            info.add(numRowsTotal=state.num_rows, numRowsUpdated=out.num_rows, numRowsRemoved=removed,
                     numRowsDroppedByWatermark=dropped, memoryUsedBytes=state.nbytes,
                     commitTimeMs=(time.perf_counter() - started) * 1000)
            return iter(out.to_batches())
        return pinned(child.execute(ctx), info).map_partitions(deduplicate, schema=schema, arrow_only=True)

    def node_string(self):
        name = "StreamingDeduplicateWithinWatermark" if self.within_watermark else "StreamingDeduplicate"
        return f"{name} {attr_list(self.keys)}" + (f", operator={self.info.operator_id}" if self.info else "")

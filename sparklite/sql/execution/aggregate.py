"""Hash aggregation in two phases, as Spark plans it: a partial aggregate in every map task, an
exchange by the grouping keys, a final aggregate merging the partial states of each group.

Contract:
* ``HashAggregateExec(mode="partial")`` outputs the grouping keys then every aggregate's state
  columns; ``mode="final"`` reads that layout, merges and finishes, and outputs the grouping keys
  then one column per aggregate. With no grouping keys there is exactly one output row, even over
  no input (``count`` is 0, ``sum`` NULL).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sparklite.core.api import TaskMemory
from sparklite.sql import types as T
from sparklite.sql.builtins.aggregates import Groups, _normalized, group_ids, implementation
from sparklite.sql.execution.evaluate import evaluate_array
from sparklite.sql.plan import logical as L
from sparklite.sql.plan.expressions import Alias, AttributeReference, Call, Literal, output_name
from sparklite.sql.execution.physical import SparkPlan, attr_list, bind
from sparklite.sql.execution.sort import concat_batches
from sparklite.sql.execution.spill import within_memory


_CHUNK_ROWS = 1 << 20


def _chunks(batches, schema: pa.Schema):
    """The partition's batches in lists of about ``_CHUNK_ROWS`` rows."""
    pending, rows = [], 0
    for batch in batches:
        if not batch.num_rows:
            continue
        pending.append(batch)
        rows += batch.num_rows
        if rows >= _CHUNK_ROWS:
            yield pending
            pending, rows = [], 0
    if pending:
        yield pending


def _plain_key(t) -> bool:
    """Key types Acero groups exactly as Spark does (no float normalization, no nesting)."""
    return (pa.types.is_integer(t) or pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_date32(t)
            or pa.types.is_boolean(t) or pa.types.is_binary(t) or pa.types.is_large_binary(t))


def _acero_counts(grouping: list, calls: list) -> list | None:
    """When every aggregate is a plain ``count`` over plain keys (``groupBy(...).count()``), what each
    counts: None for rows (``count(*)``), else the argument; the partial aggregate is then one Acero hash
    aggregation. None otherwise."""
    if not grouping or not all(_plain_key(T.to_arrow_type(g.data_type)) for g in grouping):
        return None
    counts = []
    for call in calls:
        if call.options.get("distinct") or call.spec.name != "count" or len(call.children) != 1:
            return None
        child = call.children[0]
        counts.append(None if isinstance(child, Literal) and child.value is not None else child)
    return counts if counts.count(None) <= 1 else None       # Acero names each count of rows alike


def _acero_update(pieces: list, keys: list, args: list, counts: list, names: list):
    key_names = [f"k{i}" for i in range(len(keys))]
    counted = [i for i, c in enumerate(counts) if c is not None]
    batches = []
    for piece in pieces:
        arrays = [evaluate_array(k, piece) for k in keys] + [evaluate_array(args[i][0], piece) for i in counted]
        batches.append(pa.RecordBatch.from_arrays(arrays, names=key_names + [f"a{i}" for i in counted]))
    table = pa.Table.from_batches(batches)
    aggregates = [([], "count_all") if c is None else (f"a{i}", "count", pc.CountOptions("only_valid"))
                  for i, c in enumerate(counts)]
    result = table.group_by(key_names, use_threads=False).aggregate(aggregates)
    states = [result.column("count_all" if c is None else f"a{i}_count") for i, c in enumerate(counts)]
    columns = [result.column(k).combine_chunks() for k in key_names] + [c.combine_chunks() for c in states]
    return pa.RecordBatch.from_arrays(columns, names=names[:len(columns)]), [1] * len(counts)


def _regrouped(table: pa.Table, num_keys: int):
    """(distinct keys, the group of each row, the state columns) of a table of partial states."""
    key_arrays = [table.column(i).combine_chunks() for i in range(num_keys)]
    ids, count, first = group_ids(key_arrays, table.num_rows)
    key_arrays = [k.take(pa.array(first)) for k in key_arrays]
    states = [table.column(i).combine_chunks() for i in range(num_keys, table.num_columns)]
    return key_arrays, Groups(ids, count), states


class HashAggregateExec(SparkPlan):
    def __init__(self, mode: str, grouping: list, calls: list, child: SparkPlan, output: list, num_states=None):
        self.mode, self.grouping, self.calls, self.children = mode, list(grouping), list(calls), (child,)
        self._output = list(output)
        self.num_states = num_states       # final mode: how many state columns each call has

    @property
    def output(self):
        return self._output

    def execute(self, ctx):
        child = self.children[0]
        rdd = child.execute(ctx)
        if self.mode == "partial":
            keys = [bind(g, child.output) for g in self.grouping]
            args = [[bind(a, child.output) for a in c.children] for c in self.calls]
            calls = self.calls
            names = [a.name for a in self._output]

            counts = _acero_counts(self.grouping, calls)
            child_schema = child.schema          # the tasks' closures hold the schema, never the plan

            def update(pieces):
                if counts is not None:
                    return _acero_update(pieces, keys, args, counts, names)
                batch = concat_batches(pieces, child_schema)
                key_arrays = [_normalized(evaluate_array(k, batch)) for k in keys]
                ids, count, first = group_ids(key_arrays, batch.num_rows)
                groups = Groups(ids, count)
                columns = [k.take(pa.array(first)) for k in key_arrays]
                widths = []
                for call, call_args in zip(calls, args):
                    values = [evaluate_array(a, batch) for a in call_args]
                    states = implementation(call).update(values, groups, call)
                    columns += states
                    widths.append(len(states))
                return pa.RecordBatch.from_arrays(columns, names=names[:len(columns)] +
                                                  [f"s{i}" for i in range(len(columns) - len(names))]), widths

            def partial(batches):
                # a chunk of rows at a time, its groups' states merged with the earlier chunks' at the end:
                # memory follows the groups, not the partition
                updated, widths = [], []
                for chunk in _chunks(batches, child_schema):
                    batch, widths = update(chunk)
                    updated.append(batch)
                if not updated:
                    return iter(())      # the final side makes the one row of an empty global aggregate
                if len(updated) == 1:
                    return iter(updated)
                table = pa.Table.from_batches(updated).combine_chunks()
                key_arrays, groups, states = _regrouped(table, len(keys))
                columns = list(key_arrays)
                position = 0
                for call, width in zip(calls, widths):
                    columns += implementation(call).merge(states[position:position + width], groups, call)
                    position += width
                return iter([pa.RecordBatch.from_arrays(columns, names=table.schema.names)])
            return rdd.map_partitions(partial, arrow_only=True)
        num_keys = len(self.grouping)
        calls, num_states = self.calls, self.num_states
        schema = self.schema

        def final_spilling(batches):
            if not num_keys:             # one row of partial states per task: nothing to spill
                return final(batches)
            states = [(batches, lambda b: [b.column(i) for i in range(num_keys)])]
            return (batch for (group,) in within_memory(states, TaskMemory()) for batch in final(group))

        def final(batches):
            batches = [b for b in batches if b.num_rows]
            if not batches:
                if num_keys:
                    return iter(())
                states = None
                key_arrays, groups = [], Groups(np.zeros(0, dtype=np.int64), 1)
            else:
                key_arrays, groups, states = _regrouped(pa.Table.from_batches(batches).combine_chunks(), num_keys)
            columns = list(key_arrays)
            position = 0
            for call, width in zip(calls, num_states):
                impl = implementation(call)
                if states is None:
                    empty = impl.update([pa.array([], T.to_arrow_type(a.data_type)) for a in call.children],
                                        groups, call)
                    merged = empty
                else:
                    merged = impl.merge(states[position:position + width], groups, call)
                position += width
                result = impl.finish(merged, call)
                columns.append(result)
            columns = [c if c.type == f.type else c.cast(f.type) for c, f in zip(columns, schema)]
            return iter([pa.RecordBatch.from_arrays(columns, schema=schema)])
        return rdd.map_partitions(final_spilling, schema=schema, arrow_only=True)

    def node_string(self):
        prefix = "partial_" if self.mode == "partial" else ""
        functions = ", ".join(prefix + c.sql() for c in self.calls)
        keys = attr_list(self._output[:len(self.grouping)]) if self.mode == "final" else \
            "[" + ", ".join(g.sql() for g in self.grouping) + "]"
        return f"HashAggregate(keys={keys}, functions=[{functions}])"


@dataclass
class AggregateParts:
    """An aggregate taken apart for its physical operators: the aggregate calls, the grouping keys as
    columns, each call's number of state columns, the partial phase's state columns, the final phase's
    result columns and the select list computed from keys and results."""
    calls: list
    keys: list
    widths: list
    states: list
    results: list
    project: list


def aggregate_parts(plan: L.Aggregate) -> AggregateParts:
    calls, seen = [], set()
    for item in plan.aggregates:
        for node in item.walk():
            if isinstance(node, Call) and node.spec.aggregate and node.semantic_key() not in seen:
                seen.add(node.semantic_key())
                calls.append(node)
    keys = [g if isinstance(g, AttributeReference) else AttributeReference(output_name(g), g.data_type, g.nullable)
            for g in plan.grouping]
    widths = [len(state_width(c)) for c in calls]
    states = [AttributeReference(f"state{i}", T.NullType()) for i in range(sum(widths))]
    results = [AttributeReference(c.sql(), c.data_type, c.nullable) for c in calls]
    by_key = {c.semantic_key(): r for c, r in zip(calls, results)}
    by_key.update({g.semantic_key(): k for g, k in zip(plan.grouping, keys)})
    project = [item.with_children(tuple(c.transform_down(_stop_at(by_key)) for c in item.children))
               if isinstance(item, Alias) else by_key.get(item.semantic_key(), item) for item in plan.aggregates]
    return AggregateParts(calls, keys, widths, states, results, project)


def _stop_at(by_key):
    """A top-down rule replacing the first node (from the top) that is a key or an aggregate."""
    def rule(node):
        return by_key.get(node.semantic_key(), node)
    return rule


def state_width(call) -> list:
    """The state columns an aggregate's partial phase makes (known by running it on nothing)."""
    impl = implementation(call)
    empty = [pa.array([], T.to_arrow_type(a.data_type)) for a in call.children]
    return impl.update(empty, Groups(np.zeros(0, dtype=np.int64), 0), call)

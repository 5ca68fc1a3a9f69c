"""Python over whole batches: ``mapInArrow``/``mapInPandas`` over each partition and
``applyInPandas``/``applyInArrow`` over each group (rows exchanged by the grouping keys first) and
over each key's groups of two cogrouped inputs.

Contract: the user's function runs in the executors' Python workers (``arrow_only=False``); what it
returns is matched to the declared schema by column name (by position for names it does not use)
and cast to the declared types.
"""
from __future__ import annotations

import inspect

import numpy as np
import pyarrow as pa

from sparklite.sql.builtins.aggregates import group_ids
from sparklite.sql.execution.evaluate import evaluate_array
from sparklite.sql.execution.exchange import SparkHashPartitioner, coalesce_groups, coalesce_small_partitions
from sparklite.sql.execution.physical import SparkPlan, attr_list, bind
from sparklite.sql.execution.sort import concat_batches


class MapInBatchesExec(SparkPlan):
    """The user's function over each partition's batches (or each group's rows), in a Python worker."""

    def __init__(self, func, kind: str, attributes: list, grouping: list, child: SparkPlan):
        self.func, self.kind, self._output, self.grouping = func, kind, list(attributes), list(grouping)
        self.children = (child,)

    @property
    def output(self):
        return self._output

    def execute(self, ctx):
        child = self.children[0]
        func, kind, schema, child_schema = self.func, self.kind, self.schema, child.schema
        rdd = child.execute(ctx)
        conform = _conformer(schema)
        if not self.grouping:
            def run(batches):
                if kind == "arrow":
                    for out in func(iter(batches)):
                        yield conform(out)
                else:
                    for out in func(b.to_pandas() for b in batches):
                        yield conform(pa.RecordBatch.from_pandas(out, preserve_index=False))
            return rdd.map_partitions(run, schema=schema, arrow_only=False)
        keys = [bind(g, child.output) for g in self.grouping]
        rdd = coalesce_small_partitions(ctx, rdd.partition_by(SparkHashPartitioner(keys, ctx.shuffle_partitions)))
        call = _group_caller(func, kind, 1)

        def per_group(batches):
            batch = concat_batches(list(batches), child_schema)
            for key, rows in _groups(batch, [evaluate_array(k, batch) for k in keys]):
                yield from _results(call(key, rows), kind, conform)
        return rdd.map_partitions(per_group, schema=schema, arrow_only=False)

    def node_string(self):
        return f"MapInBatches {attr_list(self._output)}"


class CoGroupMapExec(SparkPlan):
    """The user's function over each key's rows of two inputs, both exchanged by their keys into
    the same partitions; a key missing on one side gets that side's rows empty."""

    def __init__(self, func, kind: str, attributes: list, left_keys: list, right_keys: list,
                 left: SparkPlan, right: SparkPlan):
        self.func, self.kind, self._output = func, kind, list(attributes)
        self.left_keys, self.right_keys, self.children = list(left_keys), list(right_keys), (left, right)

    @property
    def output(self):
        return self._output

    def execute(self, ctx):
        left, right = self.children
        kind, schema, conform = self.kind, self.schema, _conformer(self.schema)
        left_schema, right_schema = left.schema, right.schema
        left_keys = [bind(k, left.output) for k in self.left_keys]
        right_keys = [bind(k, right.output) for k in self.right_keys]
        n = ctx.shuffle_partitions
        lrdd = left.execute(ctx).partition_by(SparkHashPartitioner(left_keys, n))
        rrdd = right.execute(ctx).partition_by(SparkHashPartitioner(right_keys, n))
        if ctx.conf.get_bool("spark.sql.adaptive.enabled"):
            groups = coalesce_groups(ctx, [lrdd, rrdd])
            if groups is not None:
                lrdd, rrdd = lrdd.coalesce_partitions(groups), rrdd.coalesce_partitions(groups)
        call = _group_caller(self.func, kind, 2)

        def per_key(left_batches, right_batches):
            lbatch = concat_batches(list(left_batches), left_schema)
            rbatch = concat_batches(list(right_batches), right_schema)
            lkeys = [evaluate_array(k, lbatch) for k in left_keys]
            rkeys = [evaluate_array(k, rbatch).cast(l.type) for k, l in zip(right_keys, lkeys)]
            both = [pa.concat_arrays([l, r]) for l, r in zip(lkeys, rkeys)]
            if not lbatch.num_rows + rbatch.num_rows:
                return
            ids, count, first = group_ids(both, lbatch.num_rows + rbatch.num_rows)
            for g, (lrows, rrows) in enumerate(zip(_split(lbatch, ids[:lbatch.num_rows], count),
                                                   _split(rbatch, ids[lbatch.num_rows:], count))):
                key = tuple(k[int(first[g])] for k in both)
                yield from _results(call(key, lrows, rrows), kind, conform)
        return lrdd.zip_partitions([rrdd], per_key, schema=schema, arrow_only=False)

    def node_string(self):
        keys = ", ".join(k.sql() for k in self.left_keys + self.right_keys)
        return f"FlatMapCoGroupsIn{self.kind.capitalize()} [{keys}], {attr_list(self._output)}"


def _group_caller(func, kind: str, inputs: int):
    """``call(key, *rows)``: the user's function given each input's rows (a pandas DataFrame or an
    Arrow table) and, when it takes one argument more than the inputs, the key first (a tuple of
    Python values for pandas, of Arrow scalars for Arrow), as PySpark decides."""
    try:
        takes_key = len(inspect.signature(func).parameters) == inputs + 1
    except (TypeError, ValueError):
        takes_key = False

    def call(key, *rows):
        frames = [pa.Table.from_batches([r]) if kind == "arrow" else r.to_pandas() for r in rows]
        if not takes_key:
            return func(*frames)
        return func(tuple(key) if kind == "arrow" else tuple(k.as_py() for k in key), *frames)
    return call


def _groups(batch: pa.RecordBatch, keys: list):
    """(key scalars, rows) of each group of ``batch``, in order of first appearance."""
    if not batch.num_rows:
        return
    ids, count, first = group_ids(keys, batch.num_rows)
    for g, rows in enumerate(_split(batch, ids, count)):
        yield tuple(k[int(first[g])] for k in keys), rows


def _split(batch: pa.RecordBatch, ids: np.ndarray, count: int):
    """The rows of each group 0..count-1 (empty for a group without rows), in their order."""
    order = np.argsort(ids, kind="stable")
    ends = np.searchsorted(ids[order], np.arange(count), side="right")
    start = 0
    for end in ends:
        yield batch.take(pa.array(order[start:end]))
        start = end


def _results(out, kind: str, conform):
    """The batches of what the user's function returned, as the declared schema."""
    if kind == "arrow":
        for b in (out.to_batches() if isinstance(out, pa.Table) else [out]):
            yield conform(b)
    else:
        yield conform(pa.RecordBatch.from_pandas(out, preserve_index=False))


def _conformer(schema: pa.Schema):
    """Batches a user's function returns, by column name, as the declared schema."""
    def conform(batch: pa.RecordBatch) -> pa.RecordBatch:
        names = batch.schema.names
        columns = []
        for i, field in enumerate(schema):
            column = batch.column(names.index(field.name)) if field.name in names else batch.column(i)
            columns.append(column if column.type == field.type else column.cast(field.type))
        return pa.RecordBatch.from_arrays(columns, schema=schema)
    return conform

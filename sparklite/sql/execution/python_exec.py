"""Python over whole batches: ``mapInArrow``/``mapInPandas`` over each partition and
``applyInPandas``/``applyInArrow`` over each group (rows exchanged by the grouping keys first).

Contract: the user's function runs in the executors' Python workers (``arrow_only=False``); what it
returns is matched to the declared schema by column name (by position for names it does not use)
and cast to the declared types.
"""
from __future__ import annotations

import pyarrow as pa

from sparklite.sql.builtins.aggregates import group_ids
from sparklite.sql.execution.evaluate import evaluate_array
from sparklite.sql.execution.exchange import SparkHashPartitioner, coalesce_small_partitions
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

        def per_group(batches):
            batch = concat_batches(list(batches), child_schema)
            if not batch.num_rows:
                return
            ids, count, _ = group_ids([evaluate_array(k, batch) for k in keys], batch.num_rows)
            for g in range(count):
                rows = batch.filter(pa.array(ids == g))
                if kind == "arrow":
                    out = func(pa.Table.from_batches([rows]))
                    for b in (out.to_batches() if isinstance(out, pa.Table) else [out]):
                        yield conform(b)
                else:
                    out = func(rows.to_pandas())
                    yield conform(pa.RecordBatch.from_pandas(out, preserve_index=False))
        return rdd.map_partitions(per_group, schema=schema, arrow_only=False)

    def node_string(self):
        return f"MapInBatches {attr_list(self._output)}"


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

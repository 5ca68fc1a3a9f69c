"""Sorting record batches in Spark's order.

Contract: ``sort_indices(batch, orders)`` gives the row order for a list of (array, ascending,
nulls_first) keys, stable, with Spark's rules that pyarrow's sort does not follow by itself: NULLs
where each key says, NaN above every other number (and equal to NaN), -0.0 equal to 0.0.
``SortExec`` sorts each partition (``sortWithinPartitions``) or, for ORDER BY, the whole input
gathered into one partition.
"""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sparklite.sql.execution.evaluate import evaluate_array
from sparklite.sql.execution.exchange import SinglePartitioner
from sparklite.sql.execution.physical import SparkPlan, bind


def sort_indices(columns: list, num_rows: int) -> pa.Array:
    """``columns``: (array, ascending, nulls_first) per key, most significant first."""
    arrays, keys = [], []
    for i, (array, ascending, nulls_first) in enumerate(columns):
        if isinstance(array, pa.ChunkedArray):
            array = array.combine_chunks()
        order = "ascending" if ascending else "descending"
        if array.null_count:
            is_null = array.is_null().cast(pa.int8())
            # ascending on the flag puts valid rows (0) first; flip it for nulls first
            arrays.append(pc.subtract(pa.scalar(1, pa.int8()), is_null) if nulls_first else is_null)
            keys.append((f"n{i}", "ascending", "at_end"))
        if pa.types.is_floating(array.type):
            nan = pc.fill_null(pc.is_nan(array), False)
            if pc.any(nan).as_py():
                arrays.append(nan.cast(pa.int8()))
                keys.append((f"f{i}", order, "at_end"))
                array = pc.if_else(nan, pa.scalar(0, array.type), array)
            array = pc.add(array, pa.scalar(0, array.type))       # -0.0 + 0 is 0.0
        if pa.types.is_struct(array.type) or pa.types.is_list(array.type) or pa.types.is_map(array.type):
            array = _ranks(array)
        arrays.append(array)
        keys.append((f"v{i}", order, "at_end"))
    if not arrays:
        return pa.array(np.arange(num_rows, dtype=np.int64))
    table = pa.table(arrays, names=[k[0] for k in keys])
    return pc.sort_indices(table, sort_keys=keys)


def _ranks(array: pa.Array) -> pa.Array:
    """Nested values ranked by Spark's ordering of their Python forms (structs field by field,
    arrays element by element)."""
    values = array.to_pylist()
    order = sorted(range(len(values)), key=lambda i: _nested_key(values[i]))
    ranks = np.empty(len(values), dtype=np.int64)
    previous, rank = object(), -1
    for position, i in enumerate(order):
        key = _nested_key(values[i])
        if key != previous:
            rank, previous = position, key
        ranks[i] = rank
    return pa.array(ranks)


def _nested_key(value):
    if value is None:
        return (0,)
    if isinstance(value, dict):
        return (1, tuple(_nested_key(v) for v in value.values()))
    if isinstance(value, list):
        return (1, tuple(_nested_key(v) for v in value))
    if isinstance(value, float) and value != value:
        return (1, float("inf"), 1)
    return (1, value)


def sort_batch(batch: pa.RecordBatch, orders) -> pa.RecordBatch:
    keys = [(evaluate_array(o.child, batch), o.ascending, o.nulls_first_effective) for o in orders]
    return batch.take(sort_indices(keys, batch.num_rows))


def concat_batches(batches, schema: pa.Schema) -> pa.RecordBatch:
    batches = [b for b in batches if b.num_rows]
    if not batches:
        return pa.RecordBatch.from_arrays([pa.array([], f.type) for f in schema], schema=schema)
    if len(batches) == 1:
        return batches[0]
    return pa.Table.from_batches(batches, schema).combine_chunks().to_batches()[0]


class SortExec(SparkPlan):
    def __init__(self, order, global_sort: bool, child: SparkPlan):
        self.order, self.global_sort, self.children = list(order), global_sort, (child,)

    @property
    def output(self):
        return self.children[0].output

    def execute(self, ctx):
        child = self.children[0]
        rdd = child.execute(ctx)
        schema = self.schema
        bound = [type(o)(bind(o.child, child.output), o.ascending, o.nulls_first) for o in self.order]
        if self.global_sort and rdd.getNumPartitions() > 1:
            rdd = rdd.partition_by(SinglePartitioner())

        def run(batches):
            batch = concat_batches(list(batches), schema)
            if batch.num_rows:
                yield sort_batch(batch, bound)
        return rdd.map_partitions(run, schema=schema, arrow_only=True)

    def node_string(self):
        return f"Sort [{', '.join(o.sql() for o in self.order)}], {str(self.global_sort).lower()}, 0"

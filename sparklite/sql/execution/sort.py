"""Sorting record batches in Spark's order.

Contract: ``sort_indices(batch, orders)`` gives the row order for a list of (array, ascending,
nulls_first) keys, stable, with Spark's rules that pyarrow's sort does not follow by itself: NULLs
where each key says, NaN above every other number (and equal to NaN), -0.0 equal to 0.0.
``SortExec`` sorts each partition (``sortWithinPartitions``) or, for ORDER BY, the input
range-partitioned first (``range_exchange``, also ``repartitionByRange``). ``external_sort`` sorts a
partition in memory while the task's execution memory holds it and otherwise spills sorted runs and
merges them: each round takes from every run the rows up to the smallest of the runs' current last
keys, so the output comes in order a chunk at a time.
"""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sparklite.core.api import ArrowSpillFile, BatchPartitioner, TaskContext, TaskMemory, run_job
from sparklite.sql.execution.evaluate import evaluate_array
from sparklite.sql.execution.exchange import SinglePartitioner, coalesce_small_partitions
from sparklite.sql.execution.physical import SparkPlan, bind
from sparklite.sql.execution.spill import OVERHEAD


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


class RangePartitioner(BatchPartitioner):
    """Spark's RangePartitioning: a row goes to the partition of the first bound it does not exceed
    (the number of bounds that sort strictly before it), so partition p holds the p-th slice of the
    order and the partitions read in turn are sorted."""

    def __init__(self, orders: list, bounds: list):
        super().__init__(len(bounds[0]) + 1, None)
        self.orders, self.bounds = orders, bounds

    def partition_ids(self, batch: pa.RecordBatch) -> np.ndarray:
        keys = [evaluate_array(o.child, batch) for o in self.orders]
        return bounds_below(keys, self.bounds, [(o.ascending, o.nulls_first_effective) for o in self.orders])

    def __eq__(self, other):
        return self is other

    def __hash__(self):
        return id(self)


_SAMPLE_POINTS_PER_PARTITION = 100      # spark.sql.execution.rangeExchange.sampleSizePerPartition


def range_exchange(ctx, rdd, orders: list, partitions: int | None = None):
    """The rows range-partitioned by ``orders`` into at most ``partitions`` (by default the shuffle
    partitions, then coalesced by adaptive execution), as Spark's RangePartitioner does: a sampling
    job takes up to ``ceil(3 * min(100 * partitions, 1e6) / input partitions)`` key rows of every
    input partition (all of them when the partition is that small), each weighing rows/sampled;
    the bounds are the keys where the running weight crosses each multiple of total/partitions,
    skipping a key equal to the bound before it. Without rows, everything goes to one partition."""
    target = partitions or ctx.shuffle_partitions
    sample_size = min(_SAMPLE_POINTS_PER_PARTITION * target, 1_000_000)
    per_partition = -(-3 * sample_size // max(rdd.getNumPartitions(), 1))

    def sample(batches):
        keys = [[] for _ in orders]
        for batch in batches:
            if batch.num_rows:
                for column, o in zip(keys, orders):
                    column.append(evaluate_array(o.child, batch))
        rows = sum(len(a) for a in keys[0])
        if not rows:
            return []
        keys = [pa.concat_arrays([a.combine_chunks() if isinstance(a, pa.ChunkedArray) else a for a in column])
                for column in keys]
        if rows > per_partition:
            context = TaskContext.get()
            seed = context.partitionId() if context is not None else 0
            picks = np.sort(np.random.default_rng(seed).choice(rows, per_partition, replace=False))
            keys = [k.take(pa.array(picks)) for k in keys]
        return [(rows, keys)]
    sample._arrow_only = True
    sketches = [s for part in run_job(ctx.sc, rdd, sample) for s in part]
    if not sketches:
        return rdd.partition_by(SinglePartitioner())
    keys = [pa.concat_arrays([k[i] for _, k in sketches]) for i in range(len(orders))]
    weights = np.concatenate([np.full(len(k[0]), rows / len(k[0])) for rows, k in sketches])
    bounds = _determine_bounds(keys, weights, orders, min(target, len(weights)))
    if not len(bounds[0]):
        return rdd.partition_by(SinglePartitioner())
    shuffled = rdd.partition_by(RangePartitioner(orders, bounds))
    if partitions is None and ctx.conf.get_bool("spark.sql.adaptive.enabled") and \
            ctx.conf.get_bool("spark.sql.adaptive.coalescePartitions.enabled"):
        return coalesce_small_partitions(ctx, shuffled)
    return shuffled


def _determine_bounds(keys: list, weights: np.ndarray, orders: list, partitions: int) -> list:
    """Spark's RangePartitioner.determineBounds over weighted candidate keys."""
    ordered = sort_indices([(k, o.ascending, o.nulls_first_effective) for k, o in zip(keys, orders)],
                           len(weights)).to_numpy()
    cumulative = np.cumsum(weights[ordered], dtype=np.float64)
    step = float(cumulative[-1]) / partitions if len(cumulative) else 0.0
    values = list(zip(*[_comparable(k.take(pa.array(ordered))) for k in keys]))
    picks, target, previous = [], step, None
    for i, key in enumerate(values):
        if len(picks) >= partitions - 1:
            break
        if cumulative[i] >= target and (previous is None or key != previous):
            picks.append(int(ordered[i]))
            target += step
            previous = key
    return [k.take(pa.array(picks, pa.int64())) for k in keys]


def _comparable(array: pa.Array) -> list:
    """Values that compare equal as Spark's ordering compares keys (NaN equal to NaN)."""
    return [("NaN",) if isinstance(v, float) and v != v else v for v in array.to_pylist()]


_RUN_SLICE = 65_536


def external_sort(batches, schema: pa.Schema, orders: list, memory):
    """The partition's rows sorted by ``orders``, spilling sorted runs when memory runs out."""
    held, size, runs = [], 0, []
    for batch in batches:
        if not batch.num_rows:
            continue
        held.append(batch)
        size += batch.nbytes
        if not memory.fits(size * OVERHEAD):
            runs.append(_spilled_run(sort_batch(concat_batches(held, schema), orders), schema))
            held, size = [], 0
            memory.release()
    if not runs:
        if held:
            yield sort_batch(concat_batches(held, schema), orders)
        return
    streams = [run.read() for run in runs]
    if held:
        streams.append(iter([sort_batch(concat_batches(held, schema), orders)]))
    yield from _merge(streams, schema, orders)


def _spilled_run(batch: pa.RecordBatch, schema: pa.Schema) -> ArrowSpillFile:
    run = ArrowSpillFile(schema)
    for start in range(0, batch.num_rows, _RUN_SLICE):
        run.write(batch.slice(start, _RUN_SLICE))
    run.close()
    return run


class _Run:
    """A sorted run read a batch at a time: the rows not yet emitted of the current batch."""

    def __init__(self, stream, orders):
        self.stream, self.orders, self.batch = stream, orders, None
        self.advance()

    def advance(self) -> None:
        self.batch = next((b for b in self.stream if b.num_rows), None)

    def keys(self, batch=None) -> list:
        batch = self.batch if batch is None else batch
        return [evaluate_array(o.child, batch) for o in self.orders]


def _merge(streams: list, schema: pa.Schema, orders: list):
    runs = [r for r in (_Run(s, orders) for s in streams) if r.batch is not None]
    flags = [(o.ascending, o.nulls_first_effective) for o in orders]
    while runs:
        # the smallest of the runs' last rows: every row up to it can be emitted now
        lasts = [r.keys(r.batch.slice(r.batch.num_rows - 1, 1)) for r in runs]
        columns = [pa.concat_arrays([last[i] for last in lasts]) for i in range(len(orders))]
        smallest = sort_indices([(c, a, n) for c, (a, n) in zip(columns, flags)], len(runs)).to_numpy()[0]
        bound = [c.slice(int(smallest), 1) for c in columns]
        taken = []
        for r in runs:
            count = _rows_up_to(r.keys(), bound, flags)
            if count:
                taken.append(r.batch.slice(0, count))
                r.batch = r.batch.slice(count) if count < r.batch.num_rows else None
                if r.batch is None:
                    r.advance()
        runs = [r for r in runs if r.batch is not None]
        yield sort_batch(concat_batches(taken, schema), orders)


def _rows_up_to(keys: list, bound: list, flags: list) -> int:
    """How many rows of a sorted batch sort at or before the one-row ``bound``."""
    return int(np.count_nonzero(bounds_below(keys, bound, flags) == 0))


def bounds_below(keys: list, bounds: list, flags: list) -> np.ndarray:
    """For each row of ``keys``, how many rows of ``bounds`` sort strictly before it (a bound equal
    to the row comes after it); ``flags``: (ascending, nulls first) per key."""
    count, n = len(bounds[0]), len(keys[0])
    combined = [(pa.concat_arrays([b, k.cast(b.type)]), a, f) for k, b, (a, f) in zip(keys, bounds, flags)]
    flag = np.concatenate([np.ones(count, dtype=np.int8), np.zeros(n, dtype=np.int8)])
    order = sort_indices(combined + [(pa.array(flag), True, False)], count + n).to_numpy()
    is_bound = order < count
    before = np.cumsum(is_bound)
    ids = np.empty(n, dtype=np.int64)
    ids[order[~is_bound] - count] = before[~is_bound]
    return ids


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
            rdd = range_exchange(ctx, rdd, bound)

        def run(batches):
            return external_sort(batches, schema, bound, TaskMemory())
        return rdd.map_partitions(run, schema=schema, arrow_only=True)

    def node_string(self):
        return f"Sort [{', '.join(o.sql() for o in self.order)}], {str(self.global_sort).lower()}, 0"


class RangeExchangeExec(SparkPlan):
    """``repartitionByRange``: the child's rows range-partitioned by sort orders (see
    ``range_exchange``); without a partition count, adaptive execution coalesces the result."""

    def __init__(self, orders: list, num_partitions: int | None, child: SparkPlan):
        self.orders, self.num_partitions, self.children = list(orders), num_partitions, (child,)

    @property
    def output(self):
        return self.children[0].output

    def execute(self, ctx):
        child = self.children[0]
        bound = [type(o)(bind(o.child, child.output), o.ascending, o.nulls_first) for o in self.orders]
        return range_exchange(ctx, child.execute(ctx), bound, self.num_partitions)

    def node_string(self):
        n = self.num_partitions if self.num_partitions is not None else "200"
        return f"Exchange rangepartitioning({', '.join(o.sql() for o in self.orders)}, {n})"

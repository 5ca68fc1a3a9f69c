"""The window operator: rows exchanged by the partition keys, sorted by partition and order keys,
then every window expression of one specification computed over the sorted rows with numpy.

Contract: ``WindowExec`` outputs its child's columns then one column per window expression. Within
a task the rows are sorted once; partition boundaries, peer groups (rows with equal order keys) and
each expression's frame are numpy arrays of positions (``builtins.windows.Frame``). ROWS frames take
offsets in rows; RANGE frames with offsets compare the single numeric (or date) order key's values.
Past the task's execution memory, the rows are split by a hash of the partition keys onto disk and
each bucket's window partitions are computed in turn (``spill.within_memory``).
"""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sparklite.core.api import TaskMemory
from sparklite.sql.builtins.windows import Frame, window_function
from sparklite.sql.execution.evaluate import evaluate_array
from sparklite.sql.execution.exchange import SparkHashPartitioner, coalesce_small_partitions
from sparklite.sql.execution.physical import SparkPlan, attr_list, bind
from sparklite.sql.execution.sort import concat_batches, sort_indices
from sparklite.sql.execution.spill import within_memory
from sparklite.sql.plan.expressions import SortOrder, WindowFrame


def _boundaries(arrays: list, n: int) -> np.ndarray:
    """True where a row starts a new run of equal values (NULLs equal, NaN equal) in ``arrays``."""
    change = np.zeros(n, dtype=bool)
    if n:
        change[0] = True
    for array in arrays:
        if n < 2:
            break
        a, b = array.slice(1), array.slice(0, n - 1)
        if pa.types.is_floating(array.type):
            a, b = pc.add(a, pa.scalar(0, a.type)), pc.add(b, pa.scalar(0, b.type))
        if pa.types.is_struct(array.type) or pa.types.is_list(array.type) or pa.types.is_map(array.type):
            values = array.to_pylist()
            differs = np.array([values[i] != values[i - 1] for i in range(1, n)], dtype=bool)
        else:
            equal = pc.equal(a, b)
            if pa.types.is_floating(array.type):
                equal = pc.or_kleene(equal, pc.and_(pc.is_nan(a), pc.is_nan(b)))
            both_null = pc.and_(pc.is_null(a), pc.is_null(b))
            same = pc.or_(pc.fill_null(equal, False), both_null)
            differs = ~same.to_numpy(zero_copy_only=False)
        change[1:] |= differs
    return change


def _runs(change: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each row, the [start, end) of its run (``change`` marks run starts)."""
    n = len(change)
    starts = np.flatnonzero(change)
    ends = np.append(starts[1:], n)
    run = np.cumsum(change) - 1
    return starts[run], ends[run]


def _range_bounds(keys: pa.Array, ascending: bool, start, end, offset: int, lower: bool) -> np.ndarray:
    """RANGE frame bound: per row, the first (lower) or one past the last (upper) row of its partition
    whose order key is within ``offset`` of the row's key."""
    values = keys.cast(pa.float64()) if not pa.types.is_temporal(keys.type) else keys.cast(pa.int32()
                                                                                               if pa.types.is_date(keys.type) else pa.int64())
    v = values.to_numpy(zero_copy_only=False).astype(np.float64)
    n = len(v)
    out = np.empty(n, dtype=np.int64)
    sign = 1 if ascending else -1
    for s, e in sorted(set(zip(start.tolist(), end.tolist()))):
        segment = sign * v[s:e]
        target = sign * v[s:e] + offset
        if lower:
            out[s:e] = s + np.searchsorted(segment, target, side="left")
        else:
            out[s:e] = s + np.searchsorted(segment, target, side="right")
    return out


def frame_of(spec: WindowFrame, start, end, peer_start, peer_end, order_keys: list, orders: list) -> Frame:
    n = len(start)
    position = np.arange(n, dtype=np.int64)
    if spec.kind == "rows":
        low = start if spec.start == WindowFrame.UNBOUNDED_PRECEDING else np.clip(position + spec.start, start, end)
        high = end if spec.end == WindowFrame.UNBOUNDED_FOLLOWING else np.clip(position + spec.end + 1, start, end)
    else:
        if spec.start == WindowFrame.UNBOUNDED_PRECEDING:
            low = start
        elif spec.start == 0:
            low = peer_start
        else:
            low = _range_bounds(order_keys[0], orders[0].ascending, start, end, spec.start, True)
        if spec.end == WindowFrame.UNBOUNDED_FOLLOWING:
            high = end
        elif spec.end == 0:
            high = peer_end
        else:
            high = _range_bounds(order_keys[0], orders[0].ascending, start, end, spec.end, False)
    return Frame(start, end, peer_start, peer_end, np.asarray(low, np.int64), np.asarray(high, np.int64))


class WindowExec(SparkPlan):
    def __init__(self, window_expressions: list, partition: list, order: list, child: SparkPlan):
        self.window_expressions, self.partition, self.order = list(window_expressions), list(partition), list(order)
        self.children = (child,)

    @property
    def output(self):
        from sparklite.sql.plan.expressions import to_attribute
        return list(self.children[0].output) + [to_attribute(e) for e in self.window_expressions]

    def execute(self, ctx):
        child = self.children[0]
        inputs = child.output
        partition = [bind(p, inputs) for p in self.partition]
        order = [SortOrder(bind(o.child, inputs), o.ascending, o.nulls_first) for o in self.order]
        expressions = []
        for alias in self.window_expressions:
            w = alias.children[0]
            function = bind(w.function, inputs)
            expressions.append((function, w.frame))
        rdd = child.execute(ctx)
        if partition:
            rdd = coalesce_small_partitions(ctx, rdd.partition_by(SparkHashPartitioner(partition,
                                                                                       ctx.shuffle_partitions)))
        elif rdd.getNumPartitions() != 1:
            rdd = rdd.coalesce_partitions([list(range(rdd.getNumPartitions()))])
        child_schema, schema = child.schema, self.schema

        def run(batches):
            batch = concat_batches(list(batches), child_schema)
            if batch.num_rows == 0:
                return
            n = batch.num_rows
            part_keys = [evaluate_array(p, batch) for p in partition]
            order_keys = [evaluate_array(o.child, batch) for o in order]
            keys = [(k, True, True) for k in part_keys] + \
                [(k, o.ascending, o.nulls_first_effective) for k, o in zip(order_keys, order)]
            if keys:
                index = sort_indices(keys, n)
                batch = batch.take(index)
                part_keys = [k.take(index) for k in part_keys]
                order_keys = [k.take(index) for k in order_keys]
            start, end = _runs(_boundaries(part_keys, n))
            peers = _boundaries(part_keys, n) | _boundaries(order_keys, n)
            peer_start, peer_end = _runs(peers)
            columns = list(batch.columns)
            for function, frame_spec in expressions:
                frame = frame_of(frame_spec, start, end, peer_start, peer_end, order_keys, order)
                values = [evaluate_array(a, batch) for a in function.children]
                result = window_function(function)(values, frame, function)
                columns.append(result)
            columns = [c if c.type == f.type else c.cast(f.type) for c, f in zip(columns, schema)]
            yield pa.RecordBatch.from_arrays(columns, schema=schema)

        def run_spilling(batches):
            if not partition:           # one window over every row: nothing to split it by
                return run(batches)
            inputs = [(batches, lambda b: [evaluate_array(p, b) for p in partition])]
            return (out for (group,) in within_memory(inputs, TaskMemory()) for out in run(group))
        return rdd.map_partitions(run_spilling, schema=schema, arrow_only=True)

    def node_string(self):
        return (f"Window {attr_list(self.window_expressions)}, [{', '.join(p.sql() for p in self.partition)}], "
                f"[{', '.join(o.sql() for o in self.order)}]")

"""The join of two streams (Spark's StreamingSymmetricHashJoinExec): each side's rows wait in the state
for the other side's rows to come, until the watermark says none can come any more.

Contract:
* Both sides are exchanged by the join keys into ``info.num_partitions`` partitions; partition ``p``
  keeps each side's rows in the store under ``"<p>/left"`` and ``"<p>/right"``, each with a column
  saying whether the row has matched yet.
* A batch joins its new left rows with all right rows (kept and new) and the kept left rows with the
  new right rows, so every pair is output once, in the batch where its later row arrives. Rows the
  watermark has passed on arrival are dropped as late.
* A kept row leaves the state when no row of the other side can still match it: with the condition
  bounding the other side's event time to ``[own + low, own + high]`` (from conjuncts such as
  ``r.ts >= l.ts AND r.ts <= l.ts + interval 1 minute``), a left row goes once ``ts + high`` is at or
  below the watermark and a right row once ``ts - low`` is; without such bounds, when its watermarked
  join key is. An outer join outputs a row that goes unmatched, with NULLs for the other side.
"""
from __future__ import annotations

import time

import numpy as np
import pyarrow as pa

from sparklite.core.api import TaskContext
from sparklite.sql import types as T
from sparklite.sql.execution.evaluate import evaluate_array
from sparklite.sql.execution.exchange import ShuffleExchangeExec
from sparklite.sql.execution.join import extract_keys, join_batches, output_of, split_conjuncts
from sparklite.sql.execution.physical import SparkPlan, bind
from sparklite.sql.execution.sort import concat_batches
from sparklite.sql.execution.stateinfo import pinned
from sparklite.sql.plan import streaming as S
from sparklite.sql.plan.expressions import AttributeReference, BoundReference, Call

_NEVER = np.iinfo(np.int64).min
MATCHED = "__matched"
_COMPARISONS = {"greaterthanorequal": ">=", "greaterthan": ">", "lessthanorequal": "<=", "lessthan": "<"}


def plan_stream_join(plan, conf, plan_physical):
    join, info = plan.child, plan.info
    left, right = plan_physical(join.left, conf), plan_physical(join.right, conf)
    keys, residual = extract_keys(join.condition, join.left.output, join.right.output)
    if not keys:
        raise NotImplementedError("a join of two streams needs an equality of a column of each")
    left = ShuffleExchangeExec("hash", [k for k, _, _ in keys], info.num_partitions, left)
    right = ShuffleExchangeExec("hash", [k for _, k, _ in keys], info.num_partitions, right)
    output = output_of(join.left.output, join.right.output, join.join_type)
    return StreamingSymmetricHashJoinExec(left, right, join.join_type, keys, residual, output, info)


def _time_of(expr, attribute: AttributeReference) -> int | None:
    """``expr`` as ``attribute + c`` (c in microseconds), or None when it is not of that form."""
    if attribute.expr_id not in {r for r in expr.references()} or len(expr.references()) != 1:
        return None
    one = pa.RecordBatch.from_arrays([pa.array([0], pa.int64()).cast(T.to_arrow_type(attribute.data_type))],
                                     names=["t"])
    try:
        value = evaluate_array(bind(expr, [attribute]), one).cast(pa.int64())[0].as_py()
    except Exception:      # not a time shift of the column (a function of it): no bound from it
        return None
    return value


def time_bounds(residual, left_time, right_time) -> tuple:
    """(low, high): the right side's event time lies within ``[left + low, left + high]`` by the
    condition's conjuncts (None where unbounded)."""
    low = high = None
    if left_time is None or right_time is None:
        return low, high
    for part in split_conjuncts(residual):
        if not (isinstance(part, Call) and part.spec.name in _COMPARISONS):
            continue
        a, b = part.children
        op = _COMPARISONS[part.spec.name]
        if _time_of(a, left_time) is not None and _time_of(b, right_time) is not None:
            a, b, op = b, a, {">=": "<=", ">": "<", "<=": ">=", "<": ">"}[op]
        shift_r, shift_l = _time_of(a, right_time), _time_of(b, left_time)
        if shift_r is None or shift_l is None:
            continue
        bound = shift_l - shift_r            # right op left + bound
        if op in (">=", ">"):
            low = bound if low is None else max(low, bound)
        else:
            high = bound if high is None else min(high, bound)
    return low, high


class StreamingSymmetricHashJoinExec(SparkPlan):
    def __init__(self, left: SparkPlan, right: SparkPlan, join_type: str, keys: list, residual, output: list, info):
        self.children, self.join_type, self.keys, self.residual = (left, right), join_type, keys, residual
        self._output, self.info = list(output), info

    @property
    def output(self):
        return self._output

    def execute(self, ctx):
        left, right = self.children
        info, join_type, schema = self.info, self.join_type, self.schema
        left_keys = [bind(k, left.output) for k, _, _ in self.keys]
        right_keys = [bind(k, right.output) for _, k, _ in self.keys]
        null_safe = [safe for _, _, safe in self.keys]
        residual = bind(self.residual, list(left.output) + list(right.output)) if self.residual is not None else None
        left_schema, right_schema = left.schema, right.schema
        watermark_us = None if info.watermark_ms is None else info.watermark_ms * 1000
        sides = [_Side(left, left_keys, self.keys, 0), _Side(right, right_keys, self.keys, 1)]
        low, high = time_bounds(self.residual, sides[0].time_attribute, sides[1].time_attribute)
        # a kept row's latest partner time: left rows see right rows up to ts + high, right rows left
        # rows down to ts - low
        sides[0].reach, sides[1].reach = high, (None if low is None else -low)
        # the keys and the condition over batches with each row's position in front (_tagged)
        tagged_keys = [_shift(k) for k in left_keys], [_shift(k) for k in right_keys]
        tagged_residual = _shift_pair(residual, len(left.output))

        def run(left_batches, right_batches):
            partition = TaskContext.get().partitionId()
            started = time.perf_counter()
            new = [concat_batches(list(left_batches), left_schema), concat_batches(list(right_batches), right_schema)]
            dropped = 0
            for i, side in enumerate(sides):
                new[i], late = side.on_time(new[i], watermark_us)
                dropped += late
            kept = [side.load(info, partition, new[i].schema) for i, side in enumerate(sides)]
            old_left, old_right = kept[0].drop_columns([MATCHED]), kept[1].drop_columns([MATCHED])
            everything_right = pa.concat_tables([pa.Table.from_batches([new[1]]), old_right]).combine_chunks()
            pieces, matched = [], [np.zeros(new[0].num_rows, bool), np.zeros(new[1].num_rows, bool)]
            old_matched = [kept[0].column(MATCHED).to_numpy(zero_copy_only=False).copy(),
                           kept[1].column(MATCHED).to_numpy(zero_copy_only=False).copy()]
            for lb, rb, l_flags, r_flags in (
                    (new[0], _batch(everything_right), (matched[0], None), (matched[1], old_matched[1])),
                    (_batch(old_left), new[1], (old_matched[0], None), (matched[1], None))):
                tagged_l = _tagged(lb)
                tagged_r = _tagged(rb)
                joined = join_batches(tagged_l, tagged_r, *tagged_keys, tagged_residual, "inner",
                                      _pair_schema(tagged_l.schema, tagged_r.schema), null_safe)
                li = joined.column(0).to_numpy(zero_copy_only=False)
                ri = joined.column(lb.num_columns + 1).to_numpy(zero_copy_only=False)
                _mark(l_flags, li, 0)
                _mark(r_flags, ri, new[1].num_rows if r_flags[1] is not None else 0)
                columns = [joined.column(i) for i in range(1, lb.num_columns + 1)] + \
                    [joined.column(i) for i in range(lb.num_columns + 2, joined.num_columns)]
                if joined.num_rows:
                    pieces.append(pa.RecordBatch.from_arrays(columns, schema=schema))
            states = []
            removed = 0
            for i, side in enumerate(sides):
                rows = pa.concat_tables([_with_flags(kept[i].drop_columns([MATCHED]), old_matched[i]),
                                         _with_flags(pa.Table.from_batches([new[i]]), matched[i])]).combine_chunks()
                keep = side.alive(rows, watermark_us)
                gone = rows.filter(pa.array(~keep))
                removed += gone.num_rows
                if join_type in _OUTER[i] and gone.num_rows:
                    lonely = gone.filter(pa.array(~gone.column(MATCHED).to_numpy(zero_copy_only=False)))
                    if lonely.num_rows:
                        pieces.append(_padded(lonely.drop_columns([MATCHED]), i, left_schema, right_schema, schema))
                states.append(rows.filter(pa.array(keep)))
                side.commit(info, partition, states[-1])
            info.kept_here(partition)
            info.add(numRowsTotal=sum(t.num_rows for t in states), numRowsUpdated=new[0].num_rows + new[1].num_rows,
                     numRowsRemoved=removed, numRowsDroppedByWatermark=dropped,
                     memoryUsedBytes=sum(t.nbytes for t in states),
                     commitTimeMs=(time.perf_counter() - started) * 1000)
            return iter(pieces)
        return pinned(left.execute(ctx), info).zip_partitions([right.execute(ctx)], run, schema=schema, arrow_only=True)

    def node_string(self):
        return (f"StreamingSymmetricHashJoin {[k.sql() for k, _, _ in self.keys]}, "
                f"{[k.sql() for _, k, _ in self.keys]}, {self.join_type}, operator={self.info.operator_id}")


_OUTER = ({"left_outer", "full_outer"}, {"right_outer", "full_outer"})


class _Side:
    """One input of the join: its state, its event time and when its kept rows expire."""

    def __init__(self, plan: SparkPlan, keys: list, pairs: list, index: int):
        self.index, self.name = index, ("left", "right")[index]
        output = plan.output
        position = S.watermark_key(output)
        self.time_attribute = output[position] if position is not None else None
        self.time_column = position
        key_attributes = [pair[index] for pair in pairs]
        self.key_time = next((i for i, k in enumerate(key_attributes) if isinstance(k, AttributeReference)
                              and S.DELAY_KEY in (k.metadata or {})), None)
        self.keys = keys
        self.reach = None

    def on_time(self, batch: pa.RecordBatch, watermark_us):
        if watermark_us is None or self.time_column is None or not batch.num_rows:
            return batch, 0
        times = batch.column(self.time_column).cast(pa.int64()).fill_null(_NEVER).to_numpy(zero_copy_only=False)
        keep = times > watermark_us
        return batch.filter(pa.array(keep)), int((~keep).sum())

    def alive(self, rows: pa.Table, watermark_us) -> np.ndarray:
        keep = np.ones(rows.num_rows, dtype=bool)
        if watermark_us is None or not rows.num_rows:
            return keep
        if self.reach is not None and self.time_column is not None:
            times = rows.column(self.time_column).combine_chunks().cast(pa.int64()).to_numpy(zero_copy_only=False)
            return times + self.reach > watermark_us
        if self.key_time is not None:
            batch = _batch(rows.drop_columns([MATCHED]))
            times = evaluate_array(self.keys[self.key_time], batch).cast(pa.int64()).to_numpy(zero_copy_only=False)
            return times > watermark_us
        return keep

    def load(self, info, partition: int, schema: pa.Schema) -> pa.Table:
        table = info.store.load(info.operator_id, f"{partition}/{self.name}", info.version)
        if table is None:
            return pa.Table.from_batches([], schema.append(pa.field(MATCHED, pa.bool_())))
        return table

    def commit(self, info, partition: int, table: pa.Table) -> None:
        info.store.commit(info.operator_id, f"{partition}/{self.name}", info.version + 1, table)


def _batch(table: pa.Table) -> pa.RecordBatch:
    table = table.combine_chunks()
    if table.num_rows:
        return table.to_batches()[0]
    return pa.RecordBatch.from_arrays([pa.array([], f.type) for f in table.schema], schema=table.schema)


def _tagged(batch: pa.RecordBatch) -> pa.RecordBatch:
    """The batch with each row's position in front (to know which rows matched)."""
    return pa.RecordBatch.from_arrays([pa.array(np.arange(batch.num_rows), pa.int64())] + list(batch.columns),
                                      names=["__row"] + batch.schema.names)


def _shift(expr):
    """A bound expression over a tagged batch (one column more in front)."""
    return expr.transform_up(lambda e: BoundReference(e.ordinal + 1, e.data_type, e.nullable)
                             if isinstance(e, BoundReference) else e)


def _shift_pair(residual, left_width: int):
    if residual is None:
        return None
    return residual.transform_up(
        lambda e: BoundReference(e.ordinal + (1 if e.ordinal < left_width else 2), e.data_type, e.nullable)
        if isinstance(e, BoundReference) else e)


def _pair_schema(left: pa.Schema, right: pa.Schema) -> pa.Schema:
    return pa.schema([pa.field(f"l{i}", f.type) for i, f in enumerate(left)] +
                     [pa.field(f"r{i}", f.type) for i, f in enumerate(right)])


def _mark(flags: tuple, index: np.ndarray, split: int) -> None:
    """Sets the matched flags of the rows at ``index``: ``flags`` is (new rows' flags, kept rows'
    flags or None); with kept flags, positions from ``split`` on are kept rows."""
    new, old = flags
    if old is None:
        new[index] = True
        return
    new[index[index < split]] = True
    old[index[index >= split] - split] = True


def _with_flags(table: pa.Table, flags: np.ndarray) -> pa.Table:
    return table.append_column(MATCHED, pa.array(flags, pa.bool_()))


def _padded(rows: pa.Table, side: int, left_schema, right_schema, schema: pa.Schema) -> pa.RecordBatch:
    other = right_schema if side == 0 else left_schema
    nulls = [pa.nulls(rows.num_rows, f.type) for f in other]
    own = [rows.column(i).combine_chunks() for i in range(rows.num_columns)]
    columns = own + nulls if side == 0 else nulls + own
    return pa.RecordBatch.from_arrays([c.cast(f.type) for c, f in zip(columns, schema)], schema=schema)

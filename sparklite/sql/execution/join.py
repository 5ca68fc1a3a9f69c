"""Joins: every join type as one index-pair algorithm, planned as a shuffled hash join (both sides
exchanged by the keys), a broadcast hash join (the small side sent to every task of the other) or a
broadcast nested-loop join (no equality keys).

Contract:
* ``join_batches(left, right, ...)`` joins two batches: pyarrow's hash join matches the key columns
  and yields (left row, right row) pairs, the residual condition filters the pairs, and the join
  type decides what else is output (unmatched rows padded with NULLs for outer joins; the left rows
  alone for semi and anti joins; the left rows and whether each matched for an existence join). NULL
  keys never match; NaN matches NaN and -0.0 matches 0.0, as in
  Spark (keys are normalised before matching).
* ``extract_keys(condition, left, right)`` splits a join condition into equality key pairs (one side
  from each input) and a residual condition.
* The output is the left side's columns then the right side's (only the left's for semi/anti).
* Two joins that subqueries become (Spark's): ``left_existence`` outputs the left rows, each once, with
  a boolean column saying whether a right row matched; it is the right side's last column (a marker the
  rewrite puts there), so the column keeps that attribute. ``left_single`` is a left outer join
  (a correlated scalar subquery's value) that fails with ``SCALAR_SUBQUERY_TOO_MANY_ROWS`` when a left
  row matches more than one right row.
"""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sparklite.core.api import ColumnarRDD, TaskMemory, submit_map_stage
from sparklite.sql import types as T
from sparklite.sql.builtins.registry import lookup
from sparklite.sql.errors import SparkRuntimeException
from sparklite.sql.execution.evaluate import evaluate_array
from sparklite.sql.conf import byte_size
from sparklite.sql.execution.exchange import SparkHashPartitioner, coalesce_groups, coalesce_small_partitions
from sparklite.sql.execution.physical import SparkPlan, attr_list, bind
from sparklite.sql.execution.sort import concat_batches
from sparklite.sql.execution.spill import within_memory
from sparklite.sql.plan.expressions import AttributeReference, Call


def split_conjuncts(condition) -> list:
    if isinstance(condition, Call) and condition.spec.name == "and":
        return split_conjuncts(condition.children[0]) + split_conjuncts(condition.children[1])
    return [condition] if condition is not None else []


def conjunction(parts: list):
    if not parts:
        return None
    result = parts[0]
    for p in parts[1:]:
        result = Call(lookup("and"), [result, p], T.BooleanType(), result.nullable or p.nullable)
    return result


def extract_keys(condition, left_output, right_output):
    """([(left key, right key, null_safe)], residual): equalities (``=`` or ``<=>``) with one side on
    each input are keys."""
    left_ids = {a.expr_id for a in left_output}
    right_ids = {a.expr_id for a in right_output}
    keys, residual = [], []
    for part in split_conjuncts(condition):
        if isinstance(part, Call) and part.spec.name in ("equal", "equalnullsafe"):
            a, b = part.children
            ra, rb = a.references(), b.references()
            null_safe = part.spec.name == "equalnullsafe"
            if ra and rb and ra <= left_ids and rb <= right_ids:
                keys.append((a, b, null_safe))
                continue
            if ra and rb and ra <= right_ids and rb <= left_ids:
                keys.append((b, a, null_safe))
                continue
        residual.append(part)
    return keys, conjunction(residual)


def _normalized_key(array: pa.Array) -> pa.Array:
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if pa.types.is_floating(array.type):
        array = pc.add(array, pa.scalar(0, array.type))                    # -0.0 joins 0.0
    if pa.types.is_string_view(array.type):
        array = array.cast(pa.string())
    if pa.types.is_struct(array.type) or pa.types.is_list(array.type) or pa.types.is_map(array.type):
        # Acero joins only flat keys: nested values join by their text form
        array = pa.array([None if v is None else repr(v) for v in array.to_pylist()], pa.string())
    return array


def _zero_of(t: pa.DataType) -> pa.Scalar:
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return pa.scalar("", t)
    if pa.types.is_binary(t) or pa.types.is_large_binary(t):
        return pa.scalar(b"", t)
    if pa.types.is_boolean(t):
        return pa.scalar(False)
    if pa.types.is_date32(t):
        return pa.scalar(0, pa.int32()).cast(t)
    if pa.types.is_temporal(t):
        return pa.scalar(0, pa.int64()).cast(t)
    return pa.scalar(0, t)


def _null_safe(array: pa.Array) -> list:
    """A key where NULL equals NULL: the values with NULLs filled in, and a NULL flag beside them."""
    flag = pc.is_null(array).cast(pa.int8())
    if pa.types.is_null(array.type):
        return [pa.array(np.zeros(len(array), np.int8)), flag]
    return [array.fill_null(_zero_of(array.type)) if array.null_count else array, flag]


def matching_pairs(left_keys: list, right_keys: list, n_left: int, n_right: int,
                   null_safe: list | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Row pairs whose keys are equal (NULL matching nothing, unless the key is null-safe), by
    pyarrow's hash join; every pair when there are no keys."""
    if not left_keys:
        li = np.repeat(np.arange(n_left, dtype=np.int64), n_right)
        ri = np.tile(np.arange(n_right, dtype=np.int64), n_left)
        return li, ri
    if n_left == 0 or n_right == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    null_safe = null_safe or [False] * len(left_keys)
    left_columns, right_columns = [], []
    for lk, rk, safe in zip(left_keys, right_keys, null_safe):
        lk, rk = _normalized_key(lk), _normalized_key(rk)
        if safe:
            left_columns += _null_safe(lk)
            right_columns += _null_safe(rk)
        else:
            left_columns.append(lk)
            right_columns.append(rk)
    names = [f"k{i}" for i in range(len(left_columns))]
    lt = pa.table(left_columns + [pa.array(np.arange(n_left, dtype=np.int64))], names=names + ["__l"])
    rt = pa.table(right_columns + [pa.array(np.arange(n_right, dtype=np.int64))], names=names + ["__r"])
    joined = lt.join(rt, keys=names, join_type="inner", use_threads=False)
    li = joined.column("__l").to_numpy()
    ri = joined.column("__r").to_numpy()
    order = np.lexsort((ri, li))
    return li[order], ri[order]


def _take(batch: pa.RecordBatch, index: np.ndarray) -> list:
    return list(batch.take(pa.array(index, pa.int64())).columns) if batch.num_columns else []


def _nulls(schema: pa.Schema, n: int) -> list:
    return [pa.nulls(n, f.type) for f in schema]


def join_batches(left: pa.RecordBatch, right: pa.RecordBatch, left_keys, right_keys, residual, join_type: str,
                 schema: pa.Schema, null_safe: list | None = None) -> pa.RecordBatch:
    """Join two whole inputs (one partition of each) as ``join_type``."""
    lk = [evaluate_array(k, left) for k in left_keys]
    rk = [evaluate_array(k, right) for k in right_keys]
    li, ri = matching_pairs(lk, rk, left.num_rows, right.num_rows, null_safe)
    if residual is not None and len(li):
        pairs = pa.RecordBatch.from_arrays(_take(left, li) + _take(right, ri),
                                           names=[f"c{i}" for i in range(left.num_columns + right.num_columns)])
        keep = evaluate_array(residual, pairs).fill_null(False).to_numpy(zero_copy_only=False)
        li, ri = li[keep], ri[keep]
    if join_type == "left_semi":
        return left.take(pa.array(np.unique(li), pa.int64()))
    if join_type == "left_anti":
        matched = np.zeros(left.num_rows, dtype=bool)
        matched[li] = True
        return left.filter(pa.array(~matched))
    if join_type == "left_anti_null_aware":
        # NOT IN: a row goes when the other side holds its value or any NULL, or when its own value
        # is NULL and the other side is not empty (the whole other side is here: it is broadcast)
        if right.num_rows and any(k.null_count for k in rk):
            return left.slice(0, 0)
        matched = np.zeros(left.num_rows, dtype=bool)
        matched[li] = True
        if right.num_rows:
            for k in lk:
                matched |= k.is_null().to_numpy(zero_copy_only=False)
        return left.filter(pa.array(~matched))
    if join_type == "left_existence":
        matched = np.zeros(left.num_rows, dtype=bool)
        matched[li] = True
        return pa.RecordBatch.from_arrays(list(left.columns) + [pa.array(matched)], schema=schema)
    if join_type == "left_single" and len(np.unique(li)) < len(li):
        raise SparkRuntimeException(errorClass="SCALAR_SUBQUERY_TOO_MANY_ROWS", messageParameters={})
    columns = _take(left, li) + _take(right, ri)
    pieces = [columns]
    if join_type in ("left_outer", "full_outer", "left_single"):
        matched = np.zeros(left.num_rows, dtype=bool)
        matched[li] = True
        lonely = np.flatnonzero(~matched)
        if len(lonely):
            pieces.append(_take(left, lonely) + _nulls(right.schema, len(lonely)))
    if join_type in ("right_outer", "full_outer"):
        matched = np.zeros(right.num_rows, dtype=bool)
        matched[ri] = True
        lonely = np.flatnonzero(~matched)
        if len(lonely):
            pieces.append(_nulls(left.schema, len(lonely)) + _take(right, lonely))
    merged = [pa.concat_arrays([p[i].cast(f.type) if p[i].type != f.type else p[i] for p in pieces])
              for i, f in enumerate(schema)]
    return pa.RecordBatch.from_arrays(merged, schema=schema)


class HashJoinExec(SparkPlan):
    """Equi-join (or cross join) of two children; ``strategy`` is "shuffle" (both sides exchanged by
    the keys into the same partitions), "broadcast_right"/"broadcast_left" (that side collected and
    sent to every task of the other), or "nested_loop" (no keys: the right side broadcast)."""

    def __init__(self, left: SparkPlan, right: SparkPlan, join_type: str, keys: list, residual, strategy: str,
                 output: list):
        self.children, self.join_type, self.keys, self.residual = (left, right), join_type, keys, residual
        self.strategy, self._output = strategy, list(output)

    @property
    def output(self):
        return self._output

    def execute(self, ctx):
        left, right = self.children
        left_keys = [bind(k, left.output) for k, _, _ in self.keys]
        right_keys = [bind(k, right.output) for _, k, _ in self.keys]
        null_safe = [safe for _, _, safe in self.keys]
        residual = bind(self.residual, list(left.output) + list(right.output)) if self.residual is not None else None
        schema = self.schema
        left_schema, right_schema = left.schema, right.schema
        join_type = self.join_type

        def run(left_batches, right_batches):
            lb = concat_batches(list(left_batches), left_schema)
            rb = concat_batches(list(right_batches), right_schema)
            yield join_batches(lb, rb, left_keys, right_keys, residual, join_type, schema, null_safe)

        def run_spilling(left_batches, right_batches):
            # the build side first, then the stream side; both split by key onto disk past the task's memory
            sides = [(right_batches, lambda b: [evaluate_array(k, b) for k in right_keys]),
                     (left_batches, lambda b: [evaluate_array(k, b) for k in left_keys])]
            for rights, lefts in within_memory(sides, TaskMemory()):
                yield from run(lefts, rights)

        def broadcast(build: pa.RecordBatch, stream, build_right: bool):
            if build_right and join_type in ("right_outer", "full_outer"):
                stream = ColumnarRDD(stream.coalesce(1), left_schema)      # unmatched build rows: once
            shared = ctx.sc.broadcast(build)
            if build_right:
                return stream.map_partitions(lambda batches: run(batches, [shared.value]), schema=schema,
                                             arrow_only=True)
            return stream.map_partitions(lambda batches: run([shared.value], batches), schema=schema,
                                         arrow_only=True)

        if self.strategy == "shuffle":
            n = ctx.shuffle_partitions
            adaptive = ctx.conf.get_bool("spark.sql.adaptive.enabled")
            rrdd = right.execute(ctx).partition_by(SparkHashPartitioner(right_keys, n))
            if adaptive and join_type in _BUILD_RIGHT and _small_at_run_time(ctx, rrdd):
                # adaptive execution: the right side turned out small, so the left is not shuffled
                return broadcast(_collect(ctx, coalesce_small_partitions(ctx, rrdd), right_schema),
                                 left.execute(ctx), True)
            lrdd = left.execute(ctx).partition_by(SparkHashPartitioner(left_keys, n))
            if adaptive and join_type in _BUILD_LEFT and _small_at_run_time(ctx, lrdd):
                # the right side is shuffled already: its output is the stream, small partitions merged
                return broadcast(_collect(ctx, coalesce_small_partitions(ctx, lrdd), left_schema),
                                 coalesce_small_partitions(ctx, rrdd), False)
            if adaptive:
                groups = coalesce_groups(ctx, [lrdd, rrdd])
                if groups is not None:
                    lrdd, rrdd = lrdd.coalesce_partitions(groups), rrdd.coalesce_partitions(groups)
            return lrdd.zip_partitions([rrdd], run_spilling, schema=schema, arrow_only=True)
        if self.strategy in ("broadcast_right", "nested_loop"):
            return broadcast(_collect(ctx, right.execute(ctx), right_schema), left.execute(ctx), True)
        return broadcast(_collect(ctx, left.execute(ctx), left_schema), right.execute(ctx), False)

    def node_string(self):
        names = {"shuffle": "ShuffledHashJoin", "broadcast_right": "BroadcastHashJoin",
                 "broadcast_left": "BroadcastHashJoin", "nested_loop": "BroadcastNestedLoopJoin"}
        keys = f"{attr_list([k for k, _, _ in self.keys])}, {attr_list([k for _, k, _ in self.keys])}, " \
            if self.keys else ""
        side = {"broadcast_left": ", BuildLeft", "broadcast_right": ", BuildRight"}.get(self.strategy, "")
        cond = self.residual.sql() if self.residual is not None else ""
        return f"{names[self.strategy]} {keys}{_SPARK_TYPES[self.join_type]}{side}" + (f", {cond}" if cond else "")


_SPARK_TYPES = {"inner": "Inner", "cross": "Cross", "left_outer": "LeftOuter", "right_outer": "RightOuter",
                "full_outer": "FullOuter", "left_semi": "LeftSemi", "left_anti": "LeftAnti",
                "left_anti_null_aware": "LeftAnti", "left_existence": "ExistenceJoin", "left_single": "LeftSingle"}


_BUILD_RIGHT = ("inner", "cross", "left_outer", "left_semi", "left_anti", "left_existence", "left_single")
_BUILD_LEFT = ("inner", "cross", "right_outer")


def _small_at_run_time(ctx, shuffled) -> bool:
    """Adaptive execution's switch to a broadcast join: run the side's map stage and see whether what it
    wrote is under ``spark.sql.adaptive.autoBroadcastJoinThreshold`` (the static threshold by default).
    The map output is kept either way: the shuffled join reads it when the side is not small."""
    conf = ctx.conf
    threshold = byte_size(conf.get("spark.sql.adaptive.autoBroadcastJoinThreshold", None) or
                          conf.get("spark.sql.autoBroadcastJoinThreshold"))
    if threshold < 0:
        return False
    return sum(submit_map_stage(ctx.sc, shuffled).result().bytes_by_partition) <= threshold


def _collect(ctx, rdd, schema: pa.Schema) -> pa.RecordBatch:
    from sparklite.core.api import run_job
    return concat_batches(run_job(ctx.sc, rdd, partition_batch(schema)), schema)


def partition_batch(schema: pa.Schema):
    """A task function giving a partition's rows as one batch: many small batches (a shuffle's
    output) would each be pickled back to the driver on their own."""
    def one_batch(batches) -> pa.RecordBatch:
        return concat_batches(list(batches), schema)
    one_batch._arrow_only = True          # Arrow kernels only: the task may run on an executor thread
    return one_batch


def output_of(left_output, right_output, join_type: str) -> list[AttributeReference]:
    if join_type in ("left_semi", "left_anti", "left_anti_null_aware"):
        return list(left_output)
    if join_type == "left_existence":
        return list(left_output) + [right_output[-1].with_nullability(False)]
    left = [a.with_nullability(True) for a in left_output] if join_type in ("right_outer", "full_outer") \
        else list(left_output)
    right = [a.with_nullability(True) for a in right_output] \
        if join_type in ("left_outer", "full_outer", "left_single") \
        else list(right_output)
    return left + right


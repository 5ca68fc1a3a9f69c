"""Window functions: ranking (row_number, rank, dense_rank, percent_rank, cume_dist, ntile), offsets
(lag, lead, nth_value) and every aggregate over a window frame.

Contract: a window function's ``FunctionSpec`` has ``options["window"]`` = a callable
``(values, frame: Frame, call) -> pa.Array`` computing the result for rows sorted by partition and
order keys. ``Frame`` gives each row's partition (``segment`` start/end), its peer group (rows with
equal order keys) and the frame bounds, all as numpy arrays, so every function is vectorized.
Aggregates over a frame reuse ``builtins.aggregates`` (one group per row, built from the frame's
row ranges).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sparklite.sql import types as T
from sparklite.sql.builtins.aggregates import Groups, implementation
from sparklite.sql.builtins.registry import FunctionSpec, register
from sparklite.sql.errors import AnalysisException
from sparklite.sql.plan import coercion as C
from sparklite.sql.plan.expressions import Literal

UNBOUNDED_PRECEDING = -(1 << 63)
UNBOUNDED_FOLLOWING = (1 << 63) - 1


@dataclass
class Frame:
    """Row positions (0..n-1 in sorted order): the partition of each row as [start, end), its peers
    as [peer_start, peer_end) and its frame as [low, high) (empty when low >= high)."""
    start: np.ndarray
    end: np.ndarray
    peer_start: np.ndarray
    peer_end: np.ndarray
    low: np.ndarray
    high: np.ndarray

    @property
    def size(self) -> int:
        return len(self.start)


def _position(frame: Frame) -> np.ndarray:
    return np.arange(frame.size, dtype=np.int64)


def _row_number(values, frame, call):
    return pa.array(_position(frame) - frame.start + 1, pa.int32())


def _rank(values, frame, call):
    return pa.array(frame.peer_start - frame.start + 1, pa.int32())


def _dense_rank(values, frame, call):
    new_peer = (frame.peer_start == _position(frame)).astype(np.int64)
    counts = np.cumsum(new_peer)
    return pa.array(counts - counts[frame.start] + 1, pa.int32())


def _percent_rank(values, frame, call):
    n = frame.end - frame.start
    rank = frame.peer_start - frame.start
    with np.errstate(all="ignore"):
        value = np.where(n > 1, rank / np.maximum(n - 1, 1), 0.0)
    return pa.array(value, pa.float64())


def _cume_dist(values, frame, call):
    n = frame.end - frame.start
    return pa.array((frame.peer_end - frame.start) / n, pa.float64())


def _ntile(values, frame, call):
    buckets = int(call.options["n"])
    n = frame.end - frame.start
    i = _position(frame) - frame.start
    size, extra = n // buckets, n % buckets
    # the first ``extra`` buckets hold size + 1 rows
    big = extra * (size + 1)
    tile = np.where(i < big, i // np.maximum(size + 1, 1), extra + (i - big) // np.maximum(size, 1))
    return pa.array(tile + 1, pa.int32())


def _offset(direction: int):
    def compute(values, frame, call):
        column = values[0]
        offset = int(call.options.get("offset", 1)) * direction
        default = values[2] if len(values) > 2 else None
        target = _position(frame) + offset
        inside = (target >= frame.start) & (target < frame.end)
        ignore_nulls = call.options.get("ignore_nulls")
        if ignore_nulls:
            target, inside = _offset_ignoring_nulls(column, frame, offset)
        index = pa.array(np.where(inside, target, 0), mask=~inside)
        result = column.take(index)
        if default is not None:
            result = pc.if_else(pa.array(inside), result, default.cast(result.type))
        return result
    return compute


def _offset_ignoring_nulls(column, frame, offset):
    """lag/lead over the non-NULL values of each partition only."""
    valid = column.is_valid().to_numpy(zero_copy_only=False)
    n = frame.size
    target = np.full(n, -1, dtype=np.int64)
    for s, e in sorted(set(zip(frame.start.tolist(), frame.end.tolist()))):
        rows = np.arange(s, e)
        kept = rows[valid[s:e]]
        for i in range(s, e):
            if offset > 0:
                later = kept[kept > i]
                if len(later) >= offset:
                    target[i] = later[offset - 1]
            else:
                earlier = kept[kept < i]
                if len(earlier) >= -offset:
                    target[i] = earlier[offset]
    return target, target >= 0


def _nth_value(values, frame, call):
    column = values[0]
    k = int(call.options["n"])
    target = frame.low + k - 1
    inside = (target < frame.high) & (frame.low < frame.high)
    index = pa.array(np.where(inside, target, 0), mask=~inside)
    return column.take(index)


def frame_aggregate(impl, values: list, frame: Frame, call) -> pa.Array:
    """An aggregate over each row's frame: one group per row, holding the rows of its frame."""
    lengths = np.maximum(frame.high - frame.low, 0)
    n = frame.size
    if n == 0:
        return pa.array([], T.to_arrow_type(call.data_type))
    total = int(lengths.sum())
    owner = np.repeat(np.arange(n, dtype=np.int64), lengths)
    starts = np.repeat(frame.low, lengths)
    offsets_within = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    rows = starts + offsets_within
    taken = [v.take(pa.array(rows)) for v in values]
    groups = Groups(owner, n)
    return impl.finish(impl.update(taken, groups, call), call)


def _ranking(name: str, compute, result_type):
    def resolve(args):
        if args:
            raise AnalysisException(errorClass="WRONG_NUM_ARGS.WITHOUT_SUGGESTION",
                                    messageParameters={"functionName": f"`{name}`", "expectedNum": "0",
                                                       "actualNum": str(len(args)),
                                                       "docroot": "https://spark.apache.org/docs/latest"})
        return [], result_type, False
    register(FunctionSpec(name, resolve, options={"window": compute, "ranking": True}))


_ranking("row_number", _row_number, T.IntegerType())
_ranking("rank", _rank, T.IntegerType())
_ranking("dense_rank", _dense_rank, T.IntegerType())
_ranking("percent_rank", _percent_rank, T.DoubleType())
_ranking("cume_dist", _cume_dist, T.DoubleType())


def _literal_int(arg, name: str, position: str) -> int:
    if not isinstance(arg, Literal) or not isinstance(arg.value, int):
        raise AnalysisException(
            errorClass="DATATYPE_MISMATCH.NON_FOLDABLE_INPUT",
            messageParameters={"sqlExpr": f'"{name}"', "inputName": position, "inputType": '"INT"',
                               "inputExpr": f'"{arg.sql()}"'})
    return arg.value


def _resolve_ntile(args):
    n = _literal_int(args[0], "ntile", "`buckets`") if args else 1
    if n <= 0:
        raise AnalysisException(
            errorClass="DATATYPE_MISMATCH.VALUE_OUT_OF_RANGE",
            messageParameters={"sqlExpr": f'"ntile({n})"', "exprName": "`buckets`", "valueRange": "(0, 2147483647]",
                               "currentValue": str(n)})
    return [], T.IntegerType(), False, {"n": n, "arg_sql": str(n)}


register(FunctionSpec("ntile", _resolve_ntile, render=lambda a, c: f"ntile({c.options['arg_sql']})",
                      options={"window": _ntile, "ranking": True}))


def _resolve_offset(name: str):
    def resolve(args):
        if not 1 <= len(args) <= 3:
            raise AnalysisException(errorClass="WRONG_NUM_ARGS.WITHOUT_SUGGESTION",
                                    messageParameters={"functionName": f"`{name}`", "expectedNum": "[1, 3]",
                                                       "actualNum": str(len(args)),
                                                       "docroot": "https://spark.apache.org/docs/latest"})
        value = args[0]
        offset = _literal_int(args[1], name, "`offset`") if len(args) > 1 else 1
        out = [value]
        texts = [value.sql(), str(offset)]
        if len(args) > 2:
            default = C.cast_to(args[2], value.data_type) if not isinstance(args[2].data_type, T.NullType) \
                else Literal(None, value.data_type)
            out += [Literal(offset, T.IntegerType()), default]
            texts.append(args[2].sql())
        else:
            texts.append("NULL")
        return out, value.data_type, True, {"offset": offset, "arg_sql": ", ".join(texts)}
    return resolve


register(FunctionSpec("lag", _resolve_offset("lag"), render=lambda a, c: f"lag({c.options['arg_sql']})",
                      options={"window": _offset(-1), "ranking": True}))
register(FunctionSpec("lead", _resolve_offset("lead"), render=lambda a, c: f"lead({c.options['arg_sql']})",
                      options={"window": _offset(1), "ranking": True}))


def _resolve_nth_value(args):
    value = args[0]
    n = _literal_int(args[1], "nth_value", "`offset`")
    ignore = bool(args[2].value) if len(args) > 2 and isinstance(args[2], Literal) else False
    return [value], value.data_type, True, {"n": n, "ignore_nulls": ignore, "arg_sql": f"{value.sql()}, {n}"}


register(FunctionSpec("nth_value", _resolve_nth_value, render=lambda a, c: f"nth_value({c.options['arg_sql']})",
                      options={"window": _nth_value}))


def window_function(call):
    """The callable computing ``call`` over sorted rows: a window function's own, or an aggregate's
    over each row's frame."""
    compute = call.spec.options.get("window")
    if compute is not None:
        return compute
    impl = implementation(call)
    return lambda values, frame, c: frame_aggregate(impl, values, frame, c)

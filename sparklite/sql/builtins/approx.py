"""Approximate aggregates with Spark's own sketches, so their answers are Spark's:
``approx_count_distinct`` (HyperLogLog++) and ``percentile_approx`` (Greenwald-Khanna summaries).

Contract (see ``aggregates`` for the two phases):
* ``approx_count_distinct(c[, rsd])``: the precision ``p = ceil(2 log2(1.106 / rsd))`` sets 2^p
  registers; each non-NULL value's ``xxhash64`` (seed 42) picks a register by its top ``p`` bits and
  offers the rank of the first 1 among the others; partial states are each group's nonzero
  registers, merged by maximum. The estimate is Spark's linear counting while that stays under
  Spark's threshold for ``p`` or the raw harmonic-mean estimate is at most 2.5 * 2^p (exact in
  practice at small cardinalities), else the raw estimate less its empirical bias below 5 * 2^p
  (the mean bias of the six nearest raw estimates of the HLL++ paper's tables, ``hllpp_tables``),
  else the raw estimate: Spark's estimate, step for step.
* ``percentile_approx(c, percentage[, accuracy])``: each partition sorts its values (NaN last),
  builds a summary of (value, g, delta) samples with relative error ``1/accuracy`` and compresses it;
  the summaries are merged left to right in partition order and queried per percentage, step for step
  as Spark's ``QuantileSummaries`` (so even its NaN quirks agree: compressing drops the smallest
  sample when the next one is NaN). ``percentage`` may be an array; the result then is an array.
"""
from __future__ import annotations

import bisect
import math

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sparklite.sql import types as T
from sparklite.sql.builtins import hllpp_tables
from sparklite.sql.builtins.aggregates import Aggregate, _arity, _as_array, _numeric_arg
from sparklite.sql.builtins.registry import FunctionSpec, register
from sparklite.sql.errors import AnalysisException

# -- approx_count_distinct ------------------------------------------------------------------------



def _constant(expr):
    """The value of a constant (foldable) argument, as Python."""
    from sparklite.sql.execution.evaluate import evaluate
    from sparklite.sql.execution.physical import zero_column_batch
    value = evaluate(expr, zero_column_batch(1))
    return value.as_py() if isinstance(value, pa.Scalar) else value[0].as_py()


class HyperLogLogPlusPlus(Aggregate):
    """States: per group its nonzero registers, as a list of (register, rank) — as many as the group
    has distinct registers, so many small groups stay small."""

    def update(self, args, groups, call):
        from sparklite.sql.execution.hashing import xxhash64
        p = call.options["p"]
        values = _as_array(args[0], len(groups.ids))
        valid = values.is_valid().to_numpy(zero_copy_only=False)
        hashes = xxhash64([values.filter(pa.array(valid))]).astype(np.int64).view(np.uint64)
        register = (hashes >> np.uint64(64 - p)).astype(np.int64)
        w = (hashes << np.uint64(p)) | np.uint64(1 << (p - 1))
        rank = _leading_zeros(w) + 1           # the position of w's first 1 bit (w is never 0)
        return [_sparse_registers(groups.ids[valid], register, rank, groups.count, p)]

    def merge(self, states, groups, call):
        lists = states[0]
        lengths = pc.list_value_length(lists).fill_null(0).to_numpy(zero_copy_only=False)
        flat = pc.list_flatten(lists)
        register = flat.field("r").to_numpy(zero_copy_only=False).astype(np.int64)
        rank = flat.field("w").to_numpy(zero_copy_only=False).astype(np.int64)
        return [_sparse_registers(np.repeat(groups.ids, lengths), register, rank, groups.count, call.options["p"])]

    def finish(self, states, call):
        p = call.options["p"]
        m = 1 << p
        lists = states[0]
        k = len(lists)
        nonzero = pc.list_value_length(lists).fill_null(0).to_numpy(zero_copy_only=False)
        ranks = pc.list_flatten(lists).field("w").to_numpy(zero_copy_only=False).astype(np.float64)
        owner = np.repeat(np.arange(k), nonzero)
        inverse_sum = (m - nonzero) + np.bincount(owner, weights=np.power(2.0, -ranks), minlength=k)
        alpha = {4: 0.673, 5: 0.697, 6: 0.709}.get(p, 0.7213 / (1 + 1.079 / m))
        tabled = p - 4 < len(hllpp_tables.THRESHOLDS)
        out = []
        for total, empty in zip(inverse_sum.tolist(), (m - nonzero).tolist()):
            raw = alpha * m * m / total
            estimate = raw - _bias(raw, p) if tabled and raw < 5 * m else raw
            if empty:
                linear = m * math.log(m / empty)
                if (tabled and linear <= hllpp_tables.THRESHOLDS[p - 4]) or raw <= 2.5 * m:
                    estimate = linear
            out.append(int(math.floor(estimate + 0.5)))
        return pa.array(out, pa.int64())


def _bias(raw: float, p: int) -> float:
    """The mean measured bias of the raw estimates nearest ``raw`` at precision ``p``: the window of
    ``NEIGHBOURS`` entries slides up from the insertion point while its next entry is nearer than its
    first."""
    estimates, biases, k = hllpp_tables.RAW_ESTIMATES[p - 4], hllpp_tables.BIASES[p - 4], hllpp_tables.NEIGHBOURS
    n = len(estimates)
    low = max(bisect.bisect_left(estimates, raw) - k + 1, 0)
    high = min(low + k, n)
    while high < n and (raw - estimates[high]) ** 2 < (raw - estimates[low]) ** 2:
        low, high = low + 1, high + 1
    return sum(biases[low:high]) / (high - low)


def _leading_zeros(w: np.ndarray) -> np.ndarray:
    """Java's ``Long.numberOfLeadingZeros`` of each nonzero uint64, by halving the window."""
    zeros = np.zeros(len(w), dtype=np.int64)
    for shift in (32, 16, 8, 4, 2, 1):
        top_empty = (w >> np.uint64(64 - shift)) == 0
        zeros += np.where(top_empty, shift, 0)
        w = np.where(top_empty, w << np.uint64(shift), w)
    return zeros


def _sparse_registers(group: np.ndarray, register: np.ndarray, rank: np.ndarray, k: int, p: int) -> pa.Array:
    """Per group (0..k-1) the highest rank offered to each register it touched, as (r, w) lists."""
    key = group.astype(np.int64) * (1 << p) + register
    order = np.lexsort((rank, key))
    key, rank = key[order], rank[order]
    highest = np.ones(len(key), dtype=bool)
    highest[:-1] = key[1:] != key[:-1]                 # the last of each key has its highest rank
    key, rank = key[highest], rank[highest]
    offsets = np.zeros(k + 1, dtype=np.int32)
    np.cumsum(np.bincount(key >> p, minlength=k), out=offsets[1:])
    pairs = pa.StructArray.from_arrays([pa.array(key & ((1 << p) - 1), pa.int32()), pa.array(rank, pa.int8())],
                                       names=["r", "w"])
    return pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), pairs)


def _resolve_approx_count_distinct(args):
    _arity("approx_count_distinct", args, 1, 2)
    rsd = 0.05
    if len(args) == 2:
        if not args[1].foldable:
            raise AnalysisException(errorClass="DATATYPE_MISMATCH.NON_FOLDABLE_INPUT",
                                    messageParameters={"sqlExpr": '"approx_count_distinct"', "inputName": "`rsd`",
                                                       "inputType": '"DOUBLE"', "inputExpr": f'"{args[1].sql()}"'})
        rsd = float(_constant(args[1]))
    p = int(math.ceil(2.0 * math.log(1.106 / rsd) / math.log(2.0)))
    if p < 4:           # Spark's sketch refuses it when the function is prepared
        raise AnalysisException("Failed preparing of the function `approx_count_distinct` for call. Please, "
                                "double check function's arguments.",
                                errorClass="FAILED_FUNCTION_CALL",
                                messageParameters={"funcName": "`approx_count_distinct`"})
    return [args[0]], T.LongType(), False, {"p": p}


register(FunctionSpec("approx_count_distinct", _resolve_approx_count_distinct, aggregate=True,
                      options={"impl": HyperLogLogPlusPlus()}))

# -- percentile_approx ------------------------------------------------------------------------------

_HEAD_SIZE = 50000          # values a summary buffers before folding them in
_COMPRESS_THRESHOLD = 10000  # samples a summary holds before compressing


def _sort_key(value):
    """Java's ``Double.compare`` order: NaN last, -0.0 before 0.0."""
    if isinstance(value, float):
        return (math.isnan(value), value, math.copysign(1.0, value))
    return (False, value, 1.0)


class QuantileSummary:
    """One Greenwald-Khanna summary: ``samples`` of [value, g, delta], sorted, over ``count`` values."""

    def __init__(self, epsilon: float, samples=None, count: int = 0):
        self.epsilon, self.samples, self.count = epsilon, samples or [], count

    def inserted(self, values: list) -> "QuantileSummary":
        """The summary with a batch of new values folded in (values are sorted first)."""
        ordered = sorted(values, key=_sort_key)
        merged, i, count = [], 0, self.count
        for position, value in enumerate(ordered):
            while i < len(self.samples) and self.samples[i][0] <= value:
                merged.append(self.samples[i])
                i += 1
            count += 1
            last = i == len(self.samples) and position == len(ordered) - 1
            delta = 0 if not merged or last else math.floor(2 * self.epsilon * count)
            merged.append([value, 1, delta])
        merged += self.samples[i:]
        return QuantileSummary(self.epsilon, merged, count)

    def compressed(self) -> "QuantileSummary":
        return QuantileSummary(self.epsilon, _compress(self.samples, 2 * self.epsilon * self.count), self.count)

    def merged(self, other: "QuantileSummary") -> "QuantileSummary":
        if other.count == 0:
            return self
        if self.count == 0:
            return other
        extra_self = math.floor(2 * other.epsilon * other.count)
        extra_other = math.floor(2 * self.epsilon * self.count)
        out, i, j = [], 0, 0
        while i < len(self.samples) and j < len(other.samples):
            mine, theirs = self.samples[i], other.samples[j]
            if mine[0] < theirs[0]:
                i += 1
                out.append([mine[0], mine[1], mine[2] + (extra_self if j > 0 else 0)])
            else:
                j += 1
                out.append([theirs[0], theirs[1], theirs[2] + (extra_other if i > 0 else 0)])
        out += self.samples[i:] + other.samples[j:]
        epsilon, count = max(self.epsilon, other.epsilon), self.count + other.count
        return QuantileSummary(epsilon, _compress(out, 2 * epsilon * count), count)

    def query(self, quantile: float):
        samples = self.samples
        if quantile <= self.epsilon:
            return samples[0][0]
        if quantile >= 1 - self.epsilon:
            return samples[-1][0]
        rank = math.ceil(quantile * self.count)
        target = max(s[1] + s[2] for s in samples) // 2
        min_rank = 0
        for value, g, delta in samples[:-1]:
            min_rank += g
            if min_rank + delta - target <= rank <= min_rank + target:
                return value
        return samples[-1][0]


def _compress(samples: list, threshold: float) -> list:
    """Merge neighbouring samples whose combined rank span stays under ``threshold`` (the last sample
    is always kept; the first only when it is not above the next kept one, NaN comparing false)."""
    if not samples:
        return []
    kept = []
    head = samples[-1]
    for sample in reversed(samples[1:-1]):
        if sample[1] + head[1] + head[2] < threshold:
            head = [head[0], head[1] + sample[1], head[2]]
        else:
            kept.append(head)
            head = sample
    kept.append(head)
    if len(samples) > 1 and samples[0][0] <= head[0]:
        kept.append(samples[0])
    return kept[::-1]


def _partition_summary(values: list, epsilon: float) -> QuantileSummary:
    summary = QuantileSummary(epsilon)
    for start in range(0, len(values), _HEAD_SIZE):
        summary = summary.inserted(values[start:start + _HEAD_SIZE])
        if len(summary.samples) >= _COMPRESS_THRESHOLD:
            summary = summary.compressed()
    return summary.compressed()


class ApproximatePercentile(Aggregate):
    """States: per group its summary's samples (list of [value, g, delta]) and count."""

    def update(self, args, groups, call):
        values = _as_array(args[0], len(groups.ids)).to_pylist()
        epsilon = 1.0 / call.options["accuracy"]
        per_group = [[] for _ in range(groups.count)]
        for group, value in zip(groups.ids.tolist(), values):
            if value is not None:
                per_group[group].append(value)
        return self._states([_partition_summary(v, epsilon) for v in per_group], call)

    def merge(self, states, groups, call):
        epsilon = 1.0 / call.options["accuracy"]
        summaries = [QuantileSummary(epsilon) for _ in range(groups.count)]
        for group, samples, count in zip(groups.ids.tolist(), states[0].to_pylist(), states[1].to_pylist()):
            incoming = QuantileSummary(epsilon, [[s["v"], s["g"], s["d"]] for s in samples or []], count)
            summaries[group] = summaries[group].merged(incoming)
        return self._states(summaries, call)

    def _states(self, summaries, call):
        value_type = T.to_arrow_type(call.children[0].data_type)
        sample_type = pa.struct([("v", value_type), ("g", pa.int64()), ("d", pa.int64())])
        samples = pa.array([[{"v": v, "g": g, "d": d} for v, g, d in s.samples] for s in summaries],
                           pa.list_(sample_type))
        return [samples, pa.array([s.count for s in summaries], pa.int64())]

    def finish(self, states, call):
        percentages, single = call.options["percentages"], call.options["single"]
        out = []
        for samples, count in zip(states[0].to_pylist(), states[1].to_pylist()):
            if not count:
                out.append(None)
                continue
            summary = QuantileSummary(0.0, [[s["v"], s["g"], s["d"]] for s in samples], count)
            summary.epsilon = 1.0 / call.options["accuracy"]
            answers = [summary.query(p) for p in percentages]
            out.append(answers[0] if single else answers)
        return pa.array(out, T.to_arrow_type(call.data_type))


def _resolve_percentile_approx(args):
    from sparklite.sql.plan.expressions import Literal
    _arity("percentile_approx", args, 2, 3)
    value = _numeric_arg("percentile_approx", args[0])
    percentage = args[1]
    if not percentage.foldable:
        raise AnalysisException(errorClass="DATATYPE_MISMATCH.NON_FOLDABLE_INPUT",
                                messageParameters={"sqlExpr": '"percentile_approx"', "inputName": "`percentage`",
                                                   "inputType": '"DOUBLE"', "inputExpr": f'"{percentage.sql()}"'})
    fraction = _constant(percentage)
    single = not isinstance(fraction, list)
    percentages = (float(fraction),) if single else tuple(float(f) for f in fraction)
    accuracy = args[2] if len(args) == 3 else Literal(10000, T.IntegerType())
    result = value.data_type if single else T.ArrayType(value.data_type, False)
    options = {"percentages": percentages, "single": single, "accuracy": int(_constant(accuracy))}
    return [value, percentage, accuracy], result, True, options


register(FunctionSpec("percentile_approx", _resolve_percentile_approx, aggregate=True,
                      aliases=("approx_percentile",), options={"impl": ApproximatePercentile()}))

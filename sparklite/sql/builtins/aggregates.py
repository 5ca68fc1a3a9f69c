"""Aggregate functions: count, sum, avg, min, max, first, last, collect_list/set, count(DISTINCT),
the variance family, percentile/median, any/every, count_if, max_by/min_by, each in two phases as Spark runs them.

Contract: an aggregate's ``FunctionSpec`` has ``aggregate=True`` and its ``Aggregate`` in
``options["impl"]``. ``update(args, groups)`` turns one partition's rows into per-group partial
states, ``merge(states, groups)`` combines partial states of the same groups (after the exchange)
and ``finish(states, call)`` makes the result. ``groups`` (``Groups``) numbers the rows' groups 0..k-1;
every state and result array has one value per group. Kernels are pyarrow's hash aggregates keyed
by the group number, or numpy over it; no Python runs per row. ``group_ids(keys)`` numbers the
distinct key tuples of a batch (0..k-1, in order of first appearance) with Spark's equality: NULLs
group together, NaN with NaN, -0.0 with 0.0.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sparklite.sql import types as T
from sparklite.sql.builtins import decimals
from sparklite.sql.builtins.registry import FunctionSpec, register
from sparklite.sql.errors import AnalysisException, ArithmeticException
from sparklite.sql.plan import coercion as C


@dataclass
class Groups:
    """Row i belongs to group ``ids[i]``; there are ``count`` groups."""
    ids: np.ndarray
    count: int


def _normalized(array: pa.Array) -> pa.Array:
    """Spark's NormalizeFloatingNumbers for grouping keys: -0.0 is 0.0 (and every NaN one NaN)."""
    if pa.types.is_floating(array.type):
        array = pc.add(array, pa.scalar(0, array.type))           # -0.0 + 0 is 0.0
    return array


def group_ids(keys: list, num_rows: int) -> tuple[np.ndarray, int, np.ndarray]:
    """(group of each row, number of groups, the row where each group first appears); groups are
    numbered in order of first appearance."""
    if not keys:
        return np.zeros(num_rows, dtype=np.int64), 1, np.zeros(1, dtype=np.int64)
    combined, cardinality = None, 1
    for key in keys:
        codes, size = _codes(_normalized(key))
        if combined is None:
            combined, cardinality = codes, size
        elif cardinality * size < (1 << 62):
            combined, cardinality = combined * size + codes, cardinality * size
        else:          # too many combinations to number directly: renumber what is there so far
            combined, cardinality = _codes(pa.array(combined))
            combined, cardinality = combined * size + codes, cardinality * size
    if len(keys) > 1:
        combined, cardinality = _codes(pa.array(combined))
    # dictionary codes number values in order of first appearance, so a new group raises the running max
    if num_rows == 0:
        return combined, 0, np.zeros(0, dtype=np.int64)
    rising = np.empty(num_rows, dtype=bool)
    running = np.maximum.accumulate(combined)
    rising[0] = True
    np.greater(running[1:], running[:-1], out=rising[1:])
    return combined, cardinality, np.flatnonzero(rising)


def _codes(key: pa.Array) -> tuple[np.ndarray, int]:
    """(int64 code of each row, number of distinct values), codes in order of first appearance; NULL is
    a value of its own."""
    if isinstance(key, pa.ChunkedArray):
        key = key.combine_chunks()
    if pa.types.is_struct(key.type) and key.type.num_fields:
        return _struct_codes(key)
    if pa.types.is_struct(key.type) or pa.types.is_list(key.type) or pa.types.is_map(key.type) or \
            pa.types.is_large_list(key.type):
        key = pa.array([repr(v) for v in key.to_pylist()])
    elif pa.types.is_string_view(key.type) or pa.types.is_binary_view(key.type):
        key = key.cast(pa.large_string() if pa.types.is_string_view(key.type) else pa.large_binary())
    encoded = pc.dictionary_encode(key, null_encoding="encode")
    return encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64), len(encoded.dictionary)


def _struct_codes(key: pa.StructArray) -> tuple[np.ndarray, int]:
    """A struct's codes from its fields' codes (a NULL struct apart from one of NULL fields), without
    making Python values: a window's ``struct<start, end>`` groups at column speed."""
    combined = np.asarray(key.is_null().to_numpy(zero_copy_only=False), dtype=np.int64)
    cardinality = 2
    for field in key.flatten():
        codes, size = _codes(_normalized(field))
        if cardinality * max(size, 1) >= (1 << 62):
            combined, cardinality = _codes(pa.array(combined))
        combined, cardinality = combined * max(size, 1) + codes, cardinality * max(size, 1)
    return _codes(pa.array(combined))


def grouped(values: pa.Array, groups: Groups, function: str, options=None) -> pa.Array:
    """pyarrow's hash aggregate ``function`` of ``values`` per group, one value per group in group
    order (groups without rows get the aggregate of nothing: null, or 0 for counts)."""
    fast = _counted(values, groups, function)
    if fast is not None:
        return fast
    table = pa.table({"g": pa.array(groups.ids, pa.int64()), "v": values})
    result = table.group_by("g", use_threads=False).aggregate([("v", function, options)])
    present = result.column("g").to_numpy()
    out = result.column(1).combine_chunks() if result.num_rows else pa.array([], result.schema.field(1).type)
    if len(present) == groups.count and (len(present) == 0 or (present == np.arange(groups.count)).all()):
        return out
    index = np.full(groups.count, -1, dtype=np.int64)
    index[present] = np.arange(len(present))
    taken = out.take(pa.array(index, mask=index < 0)) if len(out) else pa.nulls(groups.count, out.type)
    if function in ("count", "count_all", "count_distinct"):
        taken = taken.fill_null(0)
    return taken


def _counted(values: pa.Array, groups: Groups, function: str) -> pa.Array | None:
    """Counts, and sums of int64 and double values, by ``numpy.bincount`` over the group numbers (one
    pass in row order, as Spark adds); None for everything else. Integer sums go through doubles only
    while every partial sum is an exact integer there."""
    if function == "count_all":
        return pa.array(np.bincount(groups.ids, minlength=groups.count), pa.int64())
    t = values.type
    if function != "sum" or not (t == pa.int64() or t == pa.float64()) or not len(values):
        return None
    numbers = values.fill_null(0).to_numpy(zero_copy_only=False) if values.null_count else \
        values.to_numpy(zero_copy_only=False)
    if t == pa.int64() and int(np.abs(numbers).max()) * len(numbers) >= 1 << 53:
        return None
    sums = np.bincount(groups.ids, weights=numbers.astype(np.float64, copy=False), minlength=groups.count)
    ids = groups.ids if not values.null_count else groups.ids[values.is_valid().to_numpy(zero_copy_only=False)]
    empty = np.bincount(ids, minlength=groups.count) == 0
    return pa.array(sums.astype(np.int64) if t == pa.int64() else sums, t, mask=empty if empty.any() else None)


def _as_array(value, n: int) -> pa.Array:
    if isinstance(value, pa.Scalar):
        return pa.repeat(value, n) if value.is_valid else pa.nulls(n, value.type)
    return value.combine_chunks() if isinstance(value, pa.ChunkedArray) else value


class Aggregate:
    """One aggregate function's two phases."""

    handles_distinct = False            # True: it de-duplicates for f(DISTINCT ...) itself

    def update(self, args: list, groups: Groups, call) -> list:
        raise NotImplementedError

    def merge(self, states: list, groups: Groups, call) -> list:
        raise NotImplementedError

    def finish(self, states: list, call) -> pa.Array:
        return states[0]


class Count(Aggregate):
    def update(self, args, groups, call):
        n = len(groups.ids)
        if not args:
            return [grouped(pa.nulls(n, pa.int8()), groups, "count_all")]
        valid = None
        for a in args:
            v = pc.is_valid(_as_array(a, n))
            valid = v if valid is None else pc.and_(valid, v)
        return [grouped(pc.cast(valid, pa.int64()), groups, "sum").fill_null(0)]

    def merge(self, states, groups, call):
        return [grouped(states[0], groups, "sum").fill_null(0)]


class Sum(Aggregate):
    """Integral sums are bigints that raise on overflow (ANSI); decimal sums widen by 10 digits."""

    def update(self, args, groups, call):
        values = _as_array(args[0], len(groups.ids))
        return [self._sum(values, groups, call)]

    def merge(self, states, groups, call):
        return [self._sum(states[0], groups, call)]

    def _sum(self, values, groups, call):
        t = call.data_type
        if isinstance(t, T.LongType):
            values = values.cast(pa.int64())
            total = grouped(values, groups, "sum", pc.ScalarAggregateOptions(min_count=1))
            check = grouped(values.cast(pa.float64(), safe=False), groups, "sum",
                            pc.ScalarAggregateOptions(min_count=1))
            if pc.any(pc.greater(pc.abs(check), 9.2e18)).as_py():
                from sparklite.sql.builtins.arithmetic import overflow
                raise overflow("long", "try_sum")
            return total
        if isinstance(t, T.DecimalType):
            fast = _decimal_sum(values, groups, t.precision, t.scale)
            if fast is not None:
                return fast
            # summed in 76 digits, then checked against the result's precision (ANSI overflow)
            values = values.cast(pa.decimal256(76, t.scale))
            total = grouped(values, groups, "sum", pc.ScalarAggregateOptions(min_count=1))
            limit = pa.scalar(10 ** (t.precision - t.scale), pa.decimal256(76, 0)).cast(pa.decimal256(76, t.scale))
            too_big = pc.fill_null(pc.greater_equal(pc.abs(total), limit), False)
            if pc.any(too_big).as_py():
                value = total.filter(too_big)[0].as_py()
                raise ArithmeticException(
                    errorClass="NUMERIC_VALUE_OUT_OF_RANGE.WITH_SUGGESTION",
                    messageParameters={"value": str(value), "precision": str(t.precision), "scale": str(t.scale),
                                       "config": '"spark.sql.ansi.enabled"'})
            return total.cast(T.to_arrow_type(t))
        return grouped(values.cast(T.to_arrow_type(t)), groups, "sum", pc.ScalarAggregateOptions(min_count=1))


def _decimal_sum(values: pa.Array, groups: Groups, precision: int, scale: int) -> pa.Array | None:
    """Per-group sums of decimals as decimal(precision, scale) on int64 unscaled values, or None when
    they could overflow int64 or the result's precision (then the exact path decides, and raises)."""
    if not pa.types.is_decimal128(values.type) or values.type.scale != scale:
        return None
    parts = decimals.unscaled(values)
    if parts is None:
        return None
    unscaled, valid = parts
    if decimals.magnitude(unscaled) * max(len(unscaled), 1) >= 1 << 62:
        return None
    array = pa.array(unscaled, pa.int64(), mask=None if valid.all() else ~valid)
    total = grouped(array, groups, "sum", pc.ScalarAggregateOptions(min_count=1))
    sums = total.fill_null(0).to_numpy(zero_copy_only=False)
    if precision < 19 and decimals.magnitude(sums) >= 10 ** precision:
        return None
    return decimals.from_unscaled(sums, total.is_valid().to_numpy(zero_copy_only=False), precision, scale)


class Average(Aggregate):
    """Partial (sum, count); the result is sum / count (double, or a decimal with 4 more digits)."""

    def update(self, args, groups, call):
        values = _as_array(args[0], len(groups.ids))
        if isinstance(call.data_type, T.DecimalType):
            values = values.cast(pa.decimal128(38, call.children[0].data_type.scale))
            total = _decimal_sum(values, groups, 38, values.type.scale)
        else:
            values, total = values.cast(pa.float64()), None
        if total is None:
            total = grouped(values, groups, "sum", pc.ScalarAggregateOptions(min_count=1))
        count = grouped(pc.cast(pc.is_valid(values), pa.int64()), groups, "sum").fill_null(0)
        return [total, count]

    def merge(self, states, groups, call):
        total = None
        if pa.types.is_decimal128(states[0].type):
            total = _decimal_sum(states[0], groups, 38, states[0].type.scale)
        if total is None:
            total = grouped(states[0], groups, "sum", pc.ScalarAggregateOptions(min_count=1))
        return [total, grouped(states[1], groups, "sum").fill_null(0)]

    def finish(self, states, call):
        total, count = states
        t = call.data_type
        if isinstance(t, T.DecimalType):
            import decimal
            quantum = decimal.Decimal(1).scaleb(-t.scale)
            out = []
            with decimal.localcontext(decimal.Context(prec=80, rounding=decimal.ROUND_HALF_UP)):
                for s, c in zip(total.to_pylist(), count.to_pylist()):
                    out.append(None if not c or s is None else (s / c).quantize(quantum))
            return pa.array(out, T.to_arrow_type(t))
        zero = pc.equal(count, 0)
        return pc.if_else(zero, pa.scalar(None, pa.float64()), pc.divide(total, count.cast(pa.float64())))


class Extreme(Aggregate):
    """min / max in Spark's order: NaN is the largest value."""

    def __init__(self, function: str):
        self.function = function

    def update(self, args, groups, call):
        return [self._reduce(_as_array(args[0], len(groups.ids)), groups)]

    def merge(self, states, groups, call):
        return [self._reduce(states[0], groups)]

    def _reduce(self, values, groups):
        if pa.types.is_floating(values.type):
            nan = pc.fill_null(pc.is_nan(values), False)
            if pc.any(nan).as_py():
                has_nan = grouped(nan, groups, "any")
                plain = grouped(pc.if_else(nan, pa.scalar(None, values.type), values), groups, self.function)
                if self.function == "max":
                    return pc.if_else(has_nan, pa.scalar(math.nan, values.type), plain)
                # min: NaN only when a group holds nothing else
                return pc.if_else(pc.and_(has_nan, pc.is_null(plain)), pa.scalar(math.nan, values.type), plain)
        if pa.types.is_struct(values.type) or pa.types.is_list(values.type):
            raise NotImplementedError("min/max of nested values")
        return grouped(values, groups, self.function)


class FirstLast(Aggregate):
    """first / last: each group's value from its first (last) row, or its first (last) non-NULL
    value with ``ignore_nulls``; picked by row number, so it works for values of any type."""

    def __init__(self, function: str):
        self.function = function

    def update(self, args, groups, call):
        return [self._pick(_as_array(args[0], len(groups.ids)), groups, call)]

    def merge(self, states, groups, call):
        return [self._pick(states[0], groups, call)]

    def _pick(self, values, groups, call):
        rows = np.arange(len(values), dtype=np.int64)
        ids = groups.ids
        if call.options.get("ignore_nulls") and values.null_count:
            valid = values.is_valid().to_numpy(zero_copy_only=False)
            rows, ids = rows[valid], ids[valid]
        if self.function == "first":
            chosen = np.full(groups.count, len(values), dtype=np.int64)
            np.minimum.at(chosen, ids, rows)
            missing = chosen == len(values)
        else:
            chosen = np.full(groups.count, -1, dtype=np.int64)
            np.maximum.at(chosen, ids, rows)
            missing = chosen < 0
        return values.take(pa.array(np.where(missing, 0, chosen), mask=missing)) if len(values) else \
            pa.nulls(groups.count, values.type)


class Collect(Aggregate):
    """collect_list / collect_set: lists per group, nulls left out."""

    def __init__(self, distinct: bool):
        self.distinct = distinct

    def update(self, args, groups, call):
        values = _as_array(args[0], len(groups.ids))
        valid = pc.is_valid(values)
        kept = Groups(groups.ids[valid.to_numpy(zero_copy_only=False)], groups.count)
        return [self._lists(values.filter(valid), kept)]

    def merge(self, states, groups, call):
        lists = states[0]
        lengths = pc.list_value_length(lists).fill_null(0).to_numpy(zero_copy_only=False)
        flat = pc.list_flatten(lists)
        return [self._lists(flat, Groups(np.repeat(groups.ids, lengths), groups.count))]

    def _lists(self, values, groups):
        if self.distinct:
            values = _normalized(values)        # a set holds 0.0 for -0.0, as Spark's collect_set
            _, _, first = group_ids([pa.array(groups.ids, pa.int64()), values], len(groups.ids))
            first = np.sort(first)
            values = values.take(pa.array(first))
            groups = Groups(groups.ids[first], groups.count)
        result = grouped(values, groups, "list")
        empty = pa.array([[]] * groups.count, result.type) if groups.count else result
        return pc.if_else(pc.is_null(result), empty, result) if result.null_count else result


class Distinct(Aggregate):
    """``f(DISTINCT args)``: the distinct argument tuples of each group, then ``f`` over them."""

    def __init__(self, inner: Aggregate):
        self.inner = inner
        self.sets = Collect(True)

    def update(self, args, groups, call):
        return self.sets.update([_tuples([_as_array(a, len(groups.ids)) for a in args])], groups, call)

    def merge(self, states, groups, call):
        return self.sets.merge(states, groups, call)

    def finish(self, states, call):
        lists = states[0]
        k = len(lists)
        lengths = pc.list_value_length(lists).fill_null(0).to_numpy(zero_copy_only=False)
        flat = pc.list_flatten(lists)
        columns = [flat] * len(call.children)        # several arguments: their tuples' text (count only)
        groups = Groups(np.repeat(np.arange(k, dtype=np.int64), lengths), k)
        return self.inner.finish(self.inner.update(columns, groups, call), call)


def implementation(call) -> Aggregate:
    """What computes an aggregate call: its function's aggregate, over the distinct argument tuples
    for ``f(DISTINCT ...)`` unless the function de-duplicates itself."""
    impl = call.spec.options["impl"]
    return Distinct(impl) if call.options.get("distinct") and not impl.handles_distinct else impl


def _tuples(arrays: list) -> pa.Array:
    """Argument tuples as one array to de-duplicate: the column itself for one argument; for several
    (``count(DISTINCT a, b)``) each tuple's text, NULL when the tuple holds a NULL."""
    if len(arrays) == 1:
        return arrays[0]
    rows = zip(*(a.to_pylist() for a in arrays))
    return pa.array([None if any(v is None for v in row) else repr(row) for row in rows], pa.string())


class Moments(Aggregate):
    """Variance, standard deviation, skewness, kurtosis: partial (n, mean, m2[, m3, m4]) merged with
    Chan's parallel formulas, as Spark's CentralMomentAgg."""

    def __init__(self, kind: str):
        self.kind = kind

    def update(self, args, groups, call):
        values = _as_array(args[0], len(groups.ids)).cast(pa.float64())
        valid = pc.is_valid(values).to_numpy(zero_copy_only=False)
        x = values.fill_null(0.0).to_numpy(zero_copy_only=False)[valid]
        ids = groups.ids[valid]
        k = groups.count
        n = np.bincount(ids, minlength=k).astype(np.float64)
        with np.errstate(all="ignore"):
            mean = np.bincount(ids, weights=x, minlength=k) / n
            d = x - mean[ids]
            m2 = np.bincount(ids, weights=d * d, minlength=k)
            m3 = np.bincount(ids, weights=d ** 3, minlength=k)
            m4 = np.bincount(ids, weights=d ** 4, minlength=k)
        mean = np.where(n > 0, mean, 0.0)
        return [pa.array(v) for v in (n, mean, m2, m3, m4)]

    def merge(self, states, groups, call):
        n_b, mean_b, m2_b, m3_b, m4_b = (s.to_numpy(zero_copy_only=False) for s in states)
        k = groups.count
        n = np.zeros(k)
        mean = np.zeros(k)
        m2 = np.zeros(k)
        m3 = np.zeros(k)
        m4 = np.zeros(k)
        for row in np.argsort(groups.ids, kind="stable"):
            g = groups.ids[row]
            na, nb = n[g], n_b[row]
            if nb == 0:
                continue
            total = na + nb
            delta = mean_b[row] - mean[g]
            delta_n = delta / total
            m4[g] += (m4_b[row] + delta * delta_n ** 3 * na * nb * (na * na - na * nb + nb * nb)
                      + 6 * delta_n ** 2 * (na * na * m2_b[row] + nb * nb * m2[g])
                      + 4 * delta_n * (na * m3_b[row] - nb * m3[g]))
            m3[g] += (m3_b[row] + delta * delta_n ** 2 * na * nb * (na - nb)
                      + 3 * delta_n * (na * m2_b[row] - nb * m2[g]))
            m2[g] += m2_b[row] + delta * delta_n * na * nb
            mean[g] += delta_n * nb
            n[g] = total
        return [pa.array(v) for v in (n, mean, m2, m3, m4)]

    def finish(self, states, call):
        n, mean, m2, m3, m4 = (s.to_numpy(zero_copy_only=False) for s in states)
        null = n == 0
        with np.errstate(all="ignore"):
            if self.kind in ("var_samp", "stddev_samp"):
                value = m2 / (n - 1)
                null = null | (n == 1)                      # Spark 4: NULL, not a division by zero
            elif self.kind in ("var_pop", "stddev_pop"):
                value = m2 / n
            elif self.kind == "skewness":
                value = np.sqrt(n) * m3 / np.power(m2, 1.5)
                null = null | (m2 == 0)
            else:
                value = n * m4 / (m2 * m2) - 3.0
                null = null | (m2 == 0)
            if self.kind.startswith("stddev"):
                value = np.sqrt(value)
        return pa.array(np.where(null, 0.0, value), pa.float64(), mask=null)


class BoolAggregate(Aggregate):
    def __init__(self, function: str):
        self.function = function

    def update(self, args, groups, call):
        values = _as_array(args[0], len(groups.ids))
        return [grouped(values, groups, self.function, pc.ScalarAggregateOptions(min_count=1))]

    def merge(self, states, groups, call):
        return [grouped(states[0], groups, self.function, pc.ScalarAggregateOptions(min_count=1))]


# -- type rules -----------------------------------------------------------------------------------

def _arity(name: str, args, low: int, high: int):
    if not low <= len(args) <= high:
        expected = str(low) if low == high else f"[{low}, {high}]"
        raise AnalysisException(errorClass="WRONG_NUM_ARGS.WITHOUT_SUGGESTION",
                                messageParameters={"functionName": f"`{name}`", "expectedNum": expected,
                                                   "actualNum": str(len(args)),
                                                   "docroot": "https://spark.apache.org/docs/latest"})


def _numeric_arg(name: str, arg):
    t = arg.data_type
    if C.is_string(t):
        return C.cast_to(arg, T.DoubleType())
    if isinstance(t, T.NullType):
        return C.cast_to(arg, T.DoubleType())
    if not C.is_numeric(t):
        raise AnalysisException(
            errorClass="DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE",
            messageParameters={"sqlExpr": f'"{name}({arg.sql()})"', "paramIndex": "first",
                               "requiredType": '"NUMERIC" or "ANSI INTERVAL"', "inputSql": f'"{arg.sql()}"',
                               "inputType": f'"{t.simpleString().upper()}"'})
    return arg


def _resolve_count(args):
    return list(args), T.LongType(), False


def _resolve_sum(args):
    _arity("sum", args, 1, 1)
    arg = _numeric_arg("sum", args[0])
    t = arg.data_type
    if C.is_integral(t):
        return [arg], T.LongType(), True
    if isinstance(t, T.DecimalType):
        return [arg], C.bounded_decimal(t.precision + 10, t.scale), True
    return [arg], T.DoubleType(), True


def _resolve_avg(args):
    _arity("avg", args, 1, 1)
    arg = _numeric_arg("avg", args[0])
    t = arg.data_type
    if isinstance(t, T.DecimalType):
        return [arg], C.bounded_decimal(t.precision + 4, t.scale + 4), True
    return [arg], T.DoubleType(), True


def _resolve_same(args):
    _arity("min", args, 1, 1)
    return [args[0]], args[0].data_type, True


def _resolve_first(args):
    _arity("first", args, 1, 2)
    ignore_nulls = False
    if len(args) == 2:
        flag = args[1]
        if not (hasattr(flag, "value") and isinstance(flag.value, bool)):
            raise AnalysisException(
                errorClass="DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE",
                messageParameters={"sqlExpr": f'"first({args[0].sql()}, {flag.sql()})"', "paramIndex": "second",
                                   "requiredType": '"BOOLEAN"', "inputSql": f'"{flag.sql()}"',
                                   "inputType": f'"{flag.data_type.simpleString().upper()}"'})
        ignore_nulls = flag.value
    return [args[0]], args[0].data_type, True, {"ignore_nulls": ignore_nulls}


def _resolve_collect(args):
    _arity("collect_list", args, 1, 1)
    return [args[0]], T.ArrayType(args[0].data_type, False), False


def _resolve_moment(args):
    _arity("stddev", args, 1, 1)
    return [C.cast_to(_numeric_arg("stddev", args[0]), T.DoubleType())], T.DoubleType(), True


def _resolve_bool(args):
    _arity("bool_and", args, 1, 1)
    arg = args[0]
    if not isinstance(arg.data_type, (T.BooleanType, T.NullType)):
        raise AnalysisException(
            errorClass="DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE",
            messageParameters={"sqlExpr": f'"bool_and({arg.sql()})"', "paramIndex": "first",
                               "requiredType": '"BOOLEAN"', "inputSql": f'"{arg.sql()}"',
                               "inputType": f'"{arg.data_type.simpleString().upper()}"'})
    return [C.cast_to(arg, T.BooleanType())], T.BooleanType(), True


def _aggregate(name, resolve, impl, aliases=(), render=None):
    register(FunctionSpec(name, resolve, aggregate=True, aliases=aliases, render=render, options={"impl": impl}))


_aggregate("count", _resolve_count, Count())
_aggregate("sum", _resolve_sum, Sum())
_aggregate("avg", _resolve_avg, Average(), aliases=("mean",))
_aggregate("min", _resolve_same, Extreme("min"))
_aggregate("max", _resolve_same, Extreme("max"))
_aggregate("first", _resolve_first, FirstLast("first"), aliases=("first_value",))
_aggregate("last", _resolve_first, FirstLast("last"), aliases=("last_value",))
_aggregate("any_value", _resolve_first, FirstLast("first"))
_aggregate("collect_list", _resolve_collect, Collect(False), aliases=("array_agg",))
_aggregate("collect_set", _resolve_collect, Collect(True))
for _kind, _names in [("var_samp", ("var_samp", "variance")), ("var_pop", ("var_pop",)),
                      ("stddev_samp", ("stddev_samp", "stddev", "std")), ("stddev_pop", ("stddev_pop",)),
                      ("skewness", ("skewness",)), ("kurtosis", ("kurtosis",))]:
    _aggregate(_names[0], _resolve_moment, Moments(_kind), aliases=_names[1:])
_aggregate("bool_and", _resolve_bool, BoolAggregate("all"), aliases=("every",))
_aggregate("bool_or", _resolve_bool, BoolAggregate("any"), aliases=("some", "any"))


def _grouping_bit_kernel(values, n, call):
    gid, position = values
    shifted = np.right_shift(gid.to_numpy(zero_copy_only=False), position.to_numpy(zero_copy_only=False))
    return pa.array((shifted & 1).astype(np.int8))


# grouping(c) of ROLLUP/CUBE/GROUPING SETS: a bit of the grouping id (the analyzer builds the call)
register(FunctionSpec("__grouping_bit", lambda args: (list(args), T.ByteType(), False), _grouping_bit_kernel,
                      render=lambda a, c: c.options["display"]))
register(FunctionSpec("__grouping_id", lambda args: (list(args), T.LongType(), False),
                      lambda values, n, call: values[0], render=lambda a, c: "grouping_id()"))


class CoMoments(Aggregate):
    """corr, covar_samp, covar_pop: partial (n, mean x, mean y, co-moment, m2 x, m2 y) merged with
    the parallel formulas, over the rows where both values are present."""

    def __init__(self, kind: str):
        self.kind = kind

    def update(self, args, groups, call):
        x, y = (_as_array(a, len(groups.ids)).cast(pa.float64()) for a in args)
        valid = pc.and_(pc.is_valid(x), pc.is_valid(y)).to_numpy(zero_copy_only=False)
        xs = x.fill_null(0.0).to_numpy(zero_copy_only=False)[valid]
        ys = y.fill_null(0.0).to_numpy(zero_copy_only=False)[valid]
        ids, k = groups.ids[valid], groups.count
        n = np.bincount(ids, minlength=k).astype(np.float64)
        with np.errstate(all="ignore"):
            mx = np.where(n > 0, np.bincount(ids, weights=xs, minlength=k) / n, 0.0)
            my = np.where(n > 0, np.bincount(ids, weights=ys, minlength=k) / n, 0.0)
        dx, dy = xs - mx[ids], ys - my[ids]
        c = np.bincount(ids, weights=dx * dy, minlength=k)
        m2x = np.bincount(ids, weights=dx * dx, minlength=k)
        m2y = np.bincount(ids, weights=dy * dy, minlength=k)
        return [pa.array(v) for v in (n, mx, my, c, m2x, m2y)]

    def merge(self, states, groups, call):
        parts = [s.to_numpy(zero_copy_only=False) for s in states]
        k = groups.count
        n, mx, my, c, m2x, m2y = (np.zeros(k) for _ in range(6))
        for row in np.argsort(groups.ids, kind="stable"):
            g = groups.ids[row]
            nb = parts[0][row]
            if nb == 0:
                continue
            na, total = n[g], n[g] + nb
            dx, dy = parts[1][row] - mx[g], parts[2][row] - my[g]
            c[g] += parts[3][row] + dx * dy * na * nb / total
            m2x[g] += parts[4][row] + dx * dx * na * nb / total
            m2y[g] += parts[5][row] + dy * dy * na * nb / total
            mx[g] += dx * nb / total
            my[g] += dy * nb / total
            n[g] = total
        return [pa.array(v) for v in (n, mx, my, c, m2x, m2y)]

    def finish(self, states, call):
        n, _, _, c, m2x, m2y = (s.to_numpy(zero_copy_only=False) for s in states)
        with np.errstate(all="ignore"):
            if self.kind == "corr":
                value = c / np.sqrt(m2x * m2y)
            elif self.kind == "covar_samp":
                value = np.where(n > 1, c / (n - 1), np.nan)
            else:
                value = c / n
        null = n == 0 if self.kind != "covar_samp" else n == 0
        return pa.array(value, pa.float64(), mask=null)


def _resolve_two_numbers(args):
    _arity("corr", args, 2, 2)
    return [C.cast_to(_numeric_arg("corr", a), T.DoubleType()) for a in args], T.DoubleType(), True


_aggregate("corr", _resolve_two_numbers, CoMoments("corr"))
_aggregate("covar_samp", _resolve_two_numbers, CoMoments("covar_samp"))
_aggregate("covar_pop", _resolve_two_numbers, CoMoments("covar_pop"))


class Percentile(Collect):
    """percentile and median: interpolated between the two nearest values, as Spark's exact
    percentile (``percentile_approx`` is in ``approx``)."""

    def __init__(self):
        super().__init__(False)

    def update(self, args, groups, call):
        return super().update(args[:1], groups, call)

    def finish(self, states, call):
        p = call.options["fraction"]
        out = []
        for values in states[0].to_pylist():
            if not values:
                out.append(None)
                continue
            values = sorted(values)
            position = p * (len(values) - 1)
            low, high = math.floor(position), math.ceil(position)
            out.append(values[low] + (values[high] - values[low]) * (position - low))
        return pa.array(out, T.to_arrow_type(call.data_type))


def _resolve_percentile(default=None):
    def resolve(args):
        value = _numeric_arg("percentile", args[0])
        fraction = default if default is not None else args[1]
        p = constant_fraction(fraction, '"percentile"', '"percentage"')
        shown = [fraction] if default is None else []       # percentile(x, p, 1) names its fraction
        return [C.cast_to(value, T.DoubleType())] + shown, T.DoubleType(), True, {"fraction": p}
    return resolve


def constant_fraction(fraction, sql_expr: str, input_expr: str) -> float:
    """A percentile's fraction, which must be a number written in the query (``NON_FOLDABLE_INPUT``)."""
    from sparklite.sql.plan.expressions import Literal
    if not isinstance(fraction, Literal) or not isinstance(fraction.value, (int, float)) and \
            not hasattr(fraction.value, "as_tuple"):
        raise AnalysisException(errorClass="DATATYPE_MISMATCH.NON_FOLDABLE_INPUT",
                                messageParameters={"sqlExpr": sql_expr, "inputName": "`percentage`",
                                                   "inputType": '"DOUBLE"', "inputExpr": input_expr})
    return float(fraction.value)


def _median_default():
    from sparklite.sql.plan.expressions import Literal
    return Literal(0.5, T.DoubleType())


_aggregate("percentile", _resolve_percentile(), Percentile(),
           render=lambda args, call: f"percentile({args[0]}, {args[1]}, 1)")
_aggregate("median", lambda args: _resolve_percentile(_median_default())(args), Percentile())


class CountIf(Aggregate):
    def update(self, args, groups, call):
        hits = pc.fill_null(_as_array(args[0], len(groups.ids)), False).cast(pa.int64())
        return [grouped(hits, groups, "sum").fill_null(0)]

    def merge(self, states, groups, call):
        return [grouped(states[0], groups, "sum").fill_null(0)]


def _resolve_count_if(args):
    _arity("count_if", args, 1, 1)
    if not isinstance(args[0].data_type, (T.BooleanType, T.NullType)):
        raise AnalysisException(
            errorClass="DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE",
            messageParameters={"sqlExpr": f'"count_if({args[0].sql()})"', "paramIndex": "first",
                               "requiredType": '"BOOLEAN"', "inputSql": f'"{args[0].sql()}"',
                               "inputType": f'"{args[0].data_type.simpleString().upper()}"'})
    return [C.cast_to(args[0], T.BooleanType())], T.LongType(), False


_aggregate("count_if", _resolve_count_if, CountIf())


class ValueAtExtreme(Aggregate):
    """max_by(x, ord) / min_by: the ``x`` of the row with the largest (smallest) ``ord``."""

    def __init__(self, largest: bool):
        self.largest = largest

    def _pick(self, values, orders, groups):
        valid = pc.is_valid(orders).to_numpy(zero_copy_only=False)
        rows = np.flatnonzero(valid)
        if not len(rows):
            return [pa.nulls(groups.count, orders.type), pa.nulls(groups.count, values.type)]
        keys = orders.take(pa.array(rows))
        order = pc.sort_indices(pa.table({"g": pa.array(groups.ids[rows]), "o": keys}),
                                sort_keys=[("g", "ascending"), ("o", "descending" if self.largest else "ascending")])
        ordered = rows[order.to_numpy()]
        first_of_group = np.ones(len(ordered), dtype=bool)
        first_of_group[1:] = groups.ids[ordered][1:] != groups.ids[ordered][:-1]
        chosen = ordered[first_of_group]
        index = np.full(groups.count, -1, dtype=np.int64)
        index[groups.ids[chosen]] = chosen
        take = pa.array(np.where(index < 0, 0, index), mask=index < 0)
        return [orders.take(take), values.take(take)]

    def update(self, args, groups, call):
        n = len(groups.ids)
        return self._pick(_as_array(args[0], n), _as_array(args[1], n), groups)

    def merge(self, states, groups, call):
        return self._pick(states[1], states[0], groups)

    def finish(self, states, call):
        return states[1]


def _resolve_by(args):
    _arity("max_by", args, 2, 2)
    return list(args), args[0].data_type, True


_aggregate("max_by", _resolve_by, ValueAtExtreme(True))
_aggregate("min_by", _resolve_by, ValueAtExtreme(False))

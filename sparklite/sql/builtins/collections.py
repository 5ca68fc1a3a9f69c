"""Array functions that take no lambda: ``size``/``cardinality``/``array_size``, ``array_contains``,
``array_position``, ``array_remove``, the set functions (``array_distinct``, ``array_union``,
``array_intersect``, ``array_except``, ``arrays_overlap``), ``array_join``, ``sort_array``/
``array_sort``, ``array_min``/``array_max``, ``array_repeat``, ``array_append``, ``array_prepend``,
``array_insert``, ``array_compact``, ``slice``, ``flatten``, ``arrays_zip`` and ``sequence``. Map
functions are in ``maps.py``; the shared toolkit in ``listkit.py``.

Contract: every kernel works on whole columns, through ``listkit.Lists`` and ``listkit.build_list``
(see there for how equality and order are coded).

Spark's rules kept: a NULL element makes ``array_contains`` and ``arrays_overlap`` NULL rather than
false when nothing matches; the set functions hold NULL as one value, keep the first of equal
elements, and give -0.0 as 0.0; ``sort_array`` puts NULLs first ascending and last descending,
``array_sort`` last.
"""
from __future__ import annotations

import functools

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sparklite.sql import types as T
from sparklite.sql.builtins.datetime import add_months
from sparklite.sql.builtins.listkit import (Lists, any_per_row, arity, array_arg, as_type, build_list,
                                          call_sql, cast_arg, check_orderable, coerce_array_and_value,
                                          element_codes, first_of_each, joint_codes, may_be_null, member_of,
                                          merge_rows, no_null_type, normalized_elements, null_mask,
                                          positions_within, sorted_order, take_elements, target_type,
                                          tightest, type_text, unexpected)
from sparklite.sql.builtins.registry import FunctionSpec, register
from sparklite.sql.errors import (AnalysisException, ArrayIndexOutOfBoundsException, IllegalArgumentException,
                                  SparkRuntimeException)
from sparklite.sql.execution import datetime_format as DF
from sparklite.sql.plan import coercion as C
from sparklite.sql.plan.expressions import Alias, AttributeReference, Literal

MAX_ARRAY_LENGTH = 2147483632           # Spark's ByteArrayMethods.MAX_ROUNDED_ARRAY_LENGTH
MICROS_PER_DAY = 86_400_000_000


# -- size -----------------------------------------------------------------------------------------

def _size_resolver(name: str, arrays_only: bool):
    def resolve(args):
        arity(name, args, 1)
        sql = call_sql(name, args)
        if arrays_only or isinstance(args[0].data_type, T.NullType):
            arg = array_arg(sql, args, 0)
        elif isinstance(args[0].data_type, (T.ArrayType, T.MapType)):
            arg = args[0]
        else:
            unexpected(sql, 0, args[0], '("ARRAY" or "MAP")')
        return [arg], T.IntegerType(), arg.nullable
    return resolve


def _size(values, n, call):
    lists = Lists.of(values[0])
    return pa.array(lists.lengths.astype(np.int32), mask=null_mask(lists.valid))


# spark.sql.legacy.sizeOfNull gives way to ANSI mode: size(NULL) is NULL, not -1
register(FunctionSpec("size", _size_resolver("size", False), _size))
register(FunctionSpec("cardinality", _size_resolver("cardinality", False), _size))
register(FunctionSpec("array_size", _size_resolver("array_size", True), _size))


# -- array_contains, array_position, array_remove -------------------------------------------------

def _resolve_contains(args):
    arity("array_contains", args, 2)
    sql = call_sql("array_contains", args)
    array, value = args
    no_null_type("array_contains", sql, array, value)
    if not isinstance(array.data_type, T.ArrayType):
        unexpected(sql, 0, array, '"ARRAY"')
    array, value = coerce_array_and_value("array_contains", sql, array, value)
    check_orderable("array_contains", sql, value.data_type)
    nullable = array.nullable or value.nullable or array.data_type.containsNull
    return [array, value], T.BooleanType(), nullable


def _resolve_position(args):
    arity("array_position", args, 2)
    sql = call_sql("array_position", args)
    no_null_type("array_position", sql, args[0])
    array, value = coerce_array_and_value("array_position", sql, *args)
    check_orderable("array_position", sql, value.data_type)
    return [array, value], T.LongType(), array.nullable or value.nullable


def _resolve_remove(args):
    arity("array_remove", args, 2)
    sql = call_sql("array_remove", args)
    array, value = coerce_array_and_value("array_remove", sql, *args)
    check_orderable("array_remove", sql, value.data_type)
    return [array, value], array.data_type, array.nullable or value.nullable


def _matches(values):
    """The array column taken apart, each element's code, and whether it equals its row's value."""
    lists, value = Lists.of(values[0]), values[1]
    codes, value_codes = joint_codes(lists.flat, value)
    match = (codes == value_codes[lists.parent]) & (codes >= 0)
    return lists, codes, match, lists.valid & value.is_valid().to_numpy(zero_copy_only=False)


def _contains(values, n, call):
    lists, codes, match, valid = _matches(values)
    found = any_per_row(lists.parent, match, n)
    has_null = any_per_row(lists.parent, codes < 0, n)
    return pa.array(found, mask=null_mask(valid & (found | ~has_null)))


def _position(values, n, call):
    lists, _, match, valid = _matches(values)
    position = np.zeros(n, np.int64)
    hits = np.flatnonzero(match)
    rows, first = np.unique(lists.parent[hits], return_index=True)
    position[rows] = lists.position[hits[first]] + 1
    return pa.array(position, mask=null_mask(valid))


def _remove(values, n, call):
    lists, _, match, valid = _matches(values)
    keep = ~match
    return build_list(lists.parent[keep], lists.flat.filter(pa.array(keep)), valid, target_type(call))


register(FunctionSpec("array_contains", _resolve_contains, _contains))
register(FunctionSpec("array_position", _resolve_position, _position))
register(FunctionSpec("array_remove", _resolve_remove, _remove))


# -- the set functions ----------------------------------------------------------------------------

def _resolve_distinct(args):
    arity("array_distinct", args, 1)
    sql = call_sql("array_distinct", args)
    array = array_arg(sql, args, 0)
    check_orderable("array_distinct", sql, array.data_type.elementType)
    return [array], array.data_type, array.nullable


def _distinct(values, n, call):
    lists = Lists.of(values[0])
    keep = first_of_each(lists.parent, element_codes(lists.flat))
    return build_list(lists.parent[keep], normalized_elements(lists.flat.take(keep)), lists.valid, target_type(call))


def _binary_set_resolver(name: str):
    def resolve(args):
        arity(name, args, 2)
        sql = call_sql(name, args)
        left, right = args
        a, b = left.data_type, right.data_type
        element = tightest(a.elementType, b.elementType) \
            if isinstance(a, T.ArrayType) and isinstance(b, T.ArrayType) else None
        if element is None:
            raise AnalysisException(errorClass="DATATYPE_MISMATCH.BINARY_ARRAY_DIFF_TYPES",
                                    messageParameters={"sqlExpr": sql, "functionName": f"`{name}`",
                                                       "arrayType": '"ARRAY"', "leftType": type_text(a),
                                                       "rightType": type_text(b)})
        check_orderable(name, sql, element)
        left = C.cast_to(left, T.ArrayType(element, a.containsNull))
        right = C.cast_to(right, T.ArrayType(element, b.containsNull))
        nullable = left.nullable or right.nullable
        if name == "arrays_overlap":
            return [left, right], T.BooleanType(), nullable or a.containsNull or b.containsNull
        contains_null = {"array_union": a.containsNull or b.containsNull,
                         "array_intersect": a.containsNull and b.containsNull,
                         "array_except": a.containsNull}[name]
        return [left, right], T.ArrayType(element, contains_null), nullable
    return resolve


def _both(values):
    a, b = Lists.of(values[0]), Lists.of(values[1])
    return a, b, a.valid & b.valid


def _union(values, n, call):
    a, b, valid = _both(values)
    parent, (flat,) = merge_rows([a.parent, b.parent], [a.flat, as_type(b.flat, a.flat.type)])
    keep = first_of_each(parent, element_codes(flat))
    return build_list(parent[keep], normalized_elements(flat.take(keep)), valid, target_type(call))


def _filtered_set(inside: bool):
    """``array_intersect`` (the left's distinct elements found in the right) or ``array_except``."""
    def kernel(values, n, call):
        a, b, valid = _both(values)
        codes_a, codes_b = joint_codes(a.flat, b.flat)
        found = member_of(a, codes_a, b, codes_b)
        chosen = np.flatnonzero(found if inside else ~found)
        keep = chosen[first_of_each(a.parent[chosen], codes_a[chosen])]
        return build_list(a.parent[keep], normalized_elements(a.flat.take(keep)), valid, target_type(call))
    return kernel


def _overlap(values, n, call):
    a, b, valid = _both(values)
    codes_a, codes_b = joint_codes(a.flat, b.flat)
    found = any_per_row(a.parent, member_of(a, codes_a, b, codes_b) & (codes_a >= 0), n)
    has_null = any_per_row(a.parent, codes_a < 0, n) | any_per_row(b.parent, codes_b < 0, n)
    unknown = ~found & has_null & (a.lengths > 0) & (b.lengths > 0)
    return pa.array(found, mask=null_mask(valid & ~unknown))


register(FunctionSpec("array_distinct", _resolve_distinct, _distinct))
register(FunctionSpec("array_union", _binary_set_resolver("array_union"), _union))
register(FunctionSpec("array_intersect", _binary_set_resolver("array_intersect"), _filtered_set(True)))
register(FunctionSpec("array_except", _binary_set_resolver("array_except"), _filtered_set(False)))
register(FunctionSpec("arrays_overlap", _binary_set_resolver("arrays_overlap"), _overlap))


# -- array_join -----------------------------------------------------------------------------------

def _resolve_join(args):
    arity("array_join", args, 2, 3)
    sql = call_sql("array_join", args)
    array = args[0]
    t = array.data_type
    if isinstance(t, T.NullType):
        array = C.cast_to(array, T.ArrayType(T.StringType()))
    elif isinstance(t, T.ArrayType) and isinstance(t.elementType, (T.AtomicType, T.NullType)) \
            and not isinstance(t.elementType, T.BinaryType):
        array = C.cast_to(array, T.ArrayType(T.StringType(), t.containsNull))
    else:
        unexpected(sql, 0, array, '"ARRAY<STRING>"')
    strings = [cast_arg(sql, args, i, (T.StringType, T.CharType, T.VarcharType), T.StringType(), '"STRING"')
               for i in range(1, len(args))]
    return [array] + strings, T.StringType(), any(a.nullable for a in args)


def _join(values, n, call):
    lists, delimiter = Lists.of(values[0]), values[1]
    valid = lists.valid & delimiter.is_valid().to_numpy(zero_copy_only=False)
    parent, flat = lists.parent, lists.flat
    if len(values) == 3:
        replacement = values[2]
        valid &= replacement.is_valid().to_numpy(zero_copy_only=False)
        flat = pc.coalesce(flat, replacement.take(parent))
    else:
        present = flat.is_valid().to_numpy(zero_copy_only=False)
        parent, flat = parent[present], flat.filter(pa.array(present))
    return pc.binary_join(build_list(parent, flat, valid, pa.list_(pa.string())), delimiter)


register(FunctionSpec("array_join", _resolve_join, _join))


# -- sort_array, array_sort, array_min, array_max ------------------------------------------------

def _resolve_sort_array(args):
    arity("sort_array", args, 1, 2)
    args = list(args) + [Literal(True, T.BooleanType())] * (2 - len(args))
    sql = call_sql("sort_array", args)
    array = array_arg(sql, args, 0)
    check_orderable("sort_array", sql, array.data_type)
    ascending = args[1]
    if not (isinstance(ascending, Literal) and isinstance(ascending.data_type, (T.BooleanType, T.NullType))):
        unexpected(sql, 1, ascending, '"BOOLEAN"')
    ascending = C.cast_to(ascending, T.BooleanType())
    return [array, ascending], array.data_type, array.nullable or ascending.value is None, \
        {"ascending": ascending.value}


def _resolve_array_sort(args):
    arity("array_sort", args, 1)
    sql = call_sql("array_sort", args)
    array = array_arg(sql, args, 0)
    check_orderable("array_sort", sql, array.data_type)
    return [array], array.data_type, array.nullable


def _sort_kernel(nulls_follow_order: bool):
    """``sort_array`` (NULLs first ascending, last descending) or ``array_sort`` (NULLs last)."""
    def kernel(values, n, call):
        lists = Lists.of(values[0])
        ascending = call.options.get("ascending", True)
        valid = lists.valid & (ascending is not None)
        ascending = ascending is not False
        order = sorted_order(lists, not ascending, nulls_follow_order and ascending)
        return build_list(lists.parent, lists.flat.take(order), valid, target_type(call))
    return kernel


# Spark names array_sort's column after the comparator it fills in
_DEFAULT_COMPARATOR = ("lambdafunction((IF(((namedlambdavariable() IS NULL) AND (namedlambdavariable() IS NULL)), 0, "
                       "(IF((namedlambdavariable() IS NULL), 1, (IF((namedlambdavariable() IS NULL), -1, "
                       "(IF((namedlambdavariable() < namedlambdavariable()), -1, "
                       "(IF((namedlambdavariable() > namedlambdavariable()), 1, 0)))))))))), "
                       "namedlambdavariable(), namedlambdavariable())")


def _resolve_extreme(name: str):
    def resolve(args):
        arity(name, args, 1)
        sql = call_sql(name, args)
        array = array_arg(sql, args, 0)
        check_orderable(name, sql, array.data_type.elementType)
        return [array], array.data_type.elementType, True
    return resolve


def _extreme(largest: bool):
    def kernel(values, n, call):
        lists = Lists.of(values[0])
        order = sorted_order(lists, largest, nulls_first=False)
        index = np.zeros(n, np.int64)
        rows = np.flatnonzero(lists.lengths > 0)
        index[rows] = order[lists.starts[rows]]
        return as_type(take_elements(lists.flat, index, lists.lengths == 0), target_type(call))
    return kernel


register(FunctionSpec("sort_array", _resolve_sort_array, _sort_kernel(True)))
register(FunctionSpec("array_sort", _resolve_array_sort, _sort_kernel(False),
                      render=lambda a, c: f"array_sort({a[0]}, {_DEFAULT_COMPARATOR})"))
register(FunctionSpec("array_min", _resolve_extreme("array_min"), _extreme(False)))
register(FunctionSpec("array_max", _resolve_extreme("array_max"), _extreme(True)))


# -- array_repeat, array_insert, array_append, array_prepend, array_compact ------------------------

def _resolve_repeat(args):
    arity("array_repeat", args, 2)
    sql = call_sql("array_repeat", args)
    element = args[0]
    count = cast_arg(sql, args, 1, (T.IntegerType,), T.IntegerType(), '"INT"')
    return [element, count], T.ArrayType(element.data_type, element.nullable), count.nullable


def _check_size(lengths: np.ndarray, function: str, parameter: str) -> None:
    biggest = int(lengths.max(initial=0))
    if biggest > MAX_ARRAY_LENGTH:
        raise SparkRuntimeException(errorClass="COLLECTION_SIZE_LIMIT_EXCEEDED.PARAMETER",
                                    messageParameters={"numberOfElements": str(biggest),
                                                       "maxRoundedArrayLength": str(MAX_ARRAY_LENGTH),
                                                       "functionName": f"`{function}`",
                                                       "parameter": f"`{parameter}`"})


def _repeat(values, n, call):
    element, count = values
    valid = count.is_valid().to_numpy(zero_copy_only=False)
    counts = np.where(valid, np.maximum(count.fill_null(0).to_numpy(zero_copy_only=False), 0), 0).astype(np.int64)
    _check_size(counts, "array_repeat", "count")
    parent = np.repeat(np.arange(n), counts)
    return build_list(parent, element.take(parent), valid, target_type(call))


def _resolve_insert(args):
    arity("array_insert", args, 3)
    sql = call_sql("array_insert", args)
    array, value = coerce_array_and_value("array_insert", sql, args[0], args[2])
    position = args[1]
    if not isinstance(position.data_type, (T.ByteType, T.ShortType, T.IntegerType)):
        unexpected(sql, 1, position, '"INT"')
    position = C.cast_to(position, T.IntegerType())
    return [array, position, value], T.ArrayType(value.data_type, True), array.nullable or position.nullable


def _edge_resolver(name: str):
    """``array_append`` / ``array_prepend``: an array and a value of its element type."""
    def resolve(args):
        arity(name, args, 2)
        sql = call_sql(name, args)
        if not isinstance(args[0].data_type, T.ArrayType):
            unexpected(sql, 0, args[0], '"ARRAY"')
        array, value = coerce_array_and_value(name, sql, *args)
        return [array, value], T.ArrayType(value.data_type, True), array.nullable
    return resolve


def _inserted(lists: Lists, position: np.ndarray, item: pa.Array, valid: np.ndarray, arrow_type) -> pa.Array:
    """Each valid row with its ``item`` put at ``position`` (1-based; negative counts from the end,
    -1 after the last element); past either end the gap is filled with NULLs."""
    n, size = len(valid), lists.lengths
    point = np.where(position > 0, position - 1, size + position + 1)      # the item's index, if in range
    before = np.clip(point, 0, size)                 # elements before the item
    gap_before = np.maximum(point - size, 0)         # NULLs between the last element and the item
    gap_after = np.maximum(-point, 0)                # NULLs between the item and the first element
    lengths = np.where(valid, size + 1 + gap_before + gap_after, 0)
    _check_size(lengths, "array_insert", "pos")
    parent = np.repeat(np.arange(n), lengths)
    q = positions_within(lengths)
    b, g1, g2, start = (np.repeat(x, lengths) for x in (before, gap_before, gap_after, lists.starts))
    item_at = b + g1
    # an index into the elements followed by the items: row r's item is at len(flat) + r
    source = np.where(q < b, start + q, np.where(q == item_at, len(lists.flat) + parent, start + q - 1 - g1 - g2))
    gap = ((q >= b) & (q < item_at)) | ((q > item_at) & (q <= item_at + g2))
    element_type = arrow_type.value_type
    combined = pa.concat_arrays([as_type(lists.flat, element_type), as_type(item, element_type)])
    return build_list(parent, take_elements(combined, source, gap), valid, arrow_type)


def _insert(values, n, call):
    array, position, item = values
    lists = Lists.of(array)
    valid = lists.valid & position.is_valid().to_numpy(zero_copy_only=False)
    position = position.fill_null(1).to_numpy(zero_copy_only=False).astype(np.int64)
    if (valid & (position == 0)).any():
        raise ArrayIndexOutOfBoundsException(errorClass="INVALID_INDEX_OF_ZERO", messageParameters={})
    return _inserted(lists, position, item, valid, target_type(call))


def _edge_kernel(position: int):
    def kernel(values, n, call):
        lists = Lists.of(values[0])
        return _inserted(lists, np.full(n, position, np.int64), values[1], lists.valid, target_type(call))
    return kernel


def _resolve_compact(args):
    arity("array_compact", args, 1)
    array = array_arg(call_sql("array_compact", args), args, 0)
    element = array.data_type.elementType
    return [array], T.ArrayType(element, may_be_null(False, element)), array.nullable


def _compact(values, n, call):
    lists = Lists.of(values[0])
    present = lists.flat.is_valid().to_numpy(zero_copy_only=False)
    return build_list(lists.parent[present], lists.flat.filter(pa.array(present)), lists.valid, target_type(call))


register(FunctionSpec("array_repeat", _resolve_repeat, _repeat))
register(FunctionSpec("array_insert", _resolve_insert, _insert))
register(FunctionSpec("array_append", _edge_resolver("array_append"), _edge_kernel(-1)))
register(FunctionSpec("array_prepend", _edge_resolver("array_prepend"), _edge_kernel(1)))
register(FunctionSpec("array_compact", _resolve_compact, _compact))


# -- slice, flatten, arrays_zip -------------------------------------------------------------------

def _resolve_slice(args):
    arity("slice", args, 3)
    sql = call_sql("slice", args)
    array = array_arg(sql, args, 0)
    bounds = [cast_arg(sql, args, i, (T.NumericType, T.StringType), T.IntegerType(), '"INT"') for i in (1, 2)]
    return [array] + bounds, array.data_type, any(a.nullable for a in [array] + bounds)


def _slice(values, n, call):
    lists, start, length = Lists.of(values[0]), values[1], values[2]
    valid = lists.valid & start.is_valid().to_numpy(zero_copy_only=False) & \
        length.is_valid().to_numpy(zero_copy_only=False)
    start = start.fill_null(1).to_numpy(zero_copy_only=False).astype(np.int64)
    length = length.fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
    if (valid & (start == 0)).any():
        raise SparkRuntimeException(errorClass="INVALID_PARAMETER_VALUE.START",
                                    messageParameters={"parameter": "`start`", "functionName": "`slice`"})
    if (valid & (length < 0)).any():
        raise SparkRuntimeException(errorClass="INVALID_PARAMETER_VALUE.LENGTH",
                                    messageParameters={"parameter": "`length`", "functionName": "`slice`",
                                                       "length": str(length[valid & (length < 0)][0])})
    first = np.where(start > 0, start - 1, lists.lengths + start)
    inside = valid & (first >= 0) & (first < lists.lengths)
    counts = np.where(inside, np.minimum(length, lists.lengths - first), 0)
    index = np.repeat(lists.starts + first, counts) + positions_within(counts)
    return build_list(np.repeat(np.arange(n), counts), lists.flat.take(index), valid, target_type(call))


def _resolve_flatten(args):
    arity("flatten", args, 1)
    array = args[0]
    t = array.data_type
    if not (isinstance(t, T.ArrayType) and isinstance(t.elementType, T.ArrayType)):
        unexpected(call_sql("flatten", args), 0, array, '"ARRAY" of "ARRAY"')
    inner = t.elementType
    return [array], T.ArrayType(inner.elementType, inner.containsNull), array.nullable or t.containsNull


def _flatten(values, n, call):
    outer = Lists.of(values[0])
    inner = Lists.of(outer.flat)
    valid = outer.valid.copy()
    valid[outer.parent[~inner.valid]] = False           # a NULL inner array makes the row NULL
    return build_list(outer.parent[inner.parent], inner.flat, valid, target_type(call))


def _zip_field_name(arg, index: int) -> str:
    return arg.name if isinstance(arg, (Alias, AttributeReference)) else str(index)


def _resolve_zip(args):
    sql = call_sql("arrays_zip", args)
    arrays = [array_arg(sql, args, i) for i in range(len(args))]
    fields = [T.StructField(_zip_field_name(original, i), a.data_type.elementType, True)
              for i, (original, a) in enumerate(zip(args, arrays))]
    return arrays, T.ArrayType(T.StructType(fields), False), any(a.nullable for a in arrays)


def _zip(values, n, call):
    target = target_type(call)
    parts = [Lists.of(v) for v in values]
    valid = np.logical_and.reduce([p.valid for p in parts]) if parts else np.ones(n, bool)
    width = np.max([p.lengths for p in parts], axis=0) if parts else np.zeros(n, np.int64)
    parent = np.repeat(np.arange(n), width)
    q = positions_within(width)
    fields = list(target.value_type)
    columns = [as_type(take_elements(p.flat, p.starts[parent] + q, q >= p.lengths[parent]), f.type)
               for p, f in zip(parts, fields)]
    entries = pa.StructArray.from_arrays(columns, fields=fields) if fields else \
        pa.array([{}] * len(parent), target.value_type)
    return build_list(parent, entries, valid, target)


register(FunctionSpec("slice", _resolve_slice, _slice))
register(FunctionSpec("flatten", _resolve_flatten, _flatten))
register(FunctionSpec("arrays_zip", _resolve_zip, _zip))


# -- sequence -------------------------------------------------------------------------------------

_DATETIMES = (T.DateType, T.TimestampType, T.TimestampNTZType)


def _resolve_sequence(args):
    arity("sequence", args, 2, 3)
    sql = call_sql("sequence", args)
    start, stop = args[:2]
    step = args[2] if len(args) == 3 else None
    bound_types = [a.data_type for a in (start, stop) if not isinstance(a.data_type, T.NullType)]
    step_type = None if step is None else step.data_type
    if all(C.is_integral(t) for t in bound_types) and (step is None or isinstance(step_type, T.NullType)
                                                      or C.is_integral(step_type)):
        integral = bound_types + ([step_type] if step is not None and C.is_integral(step_type) else [])
        element = functools.reduce(C.wider_type, integral) if integral else T.IntegerType()
        step = None if step is None else C.cast_to(step, element)
    elif bound_types and all(isinstance(t, _DATETIMES) for t in bound_types) and \
            (step is None or isinstance(step_type, (T.YearMonthIntervalType, T.DayTimeIntervalType, T.NullType))):
        element = functools.reduce(C.wider_type, bound_types)
        if step is not None and isinstance(step_type, T.NullType):
            step = C.cast_to(step, T.DayTimeIntervalType(0, 3))
    else:
        raise AnalysisException(
            errorClass="DATATYPE_MISMATCH.SEQUENCE_WRONG_INPUT_TYPES",
            messageParameters={"sqlExpr": sql, "functionName": "`sequence`",
                               "startType": '("TIMESTAMP" or "TIMESTAMP WITHOUT TIME ZONE" or "DATE")',
                               "stepType": '("INTERVAL" or "INTERVAL YEAR TO MONTH" or "INTERVAL DAY TO SECOND")',
                               "otherStartType": '"INTEGRAL"'})
    children = [C.cast_to(start, element), C.cast_to(stop, element)] + ([] if step is None else [step])
    return children, T.ArrayType(element, False), any(c.nullable for c in children)


def _integers(values: pa.Array) -> np.ndarray:
    """Integers, dates (days), timestamps and intervals as int64 numbers (0 for NULL)."""
    t = values.type
    if pa.types.is_date32(t):
        values = values.view(pa.int32())
    elif pa.types.is_timestamp(t) or pa.types.is_duration(t):
        values = values.view(pa.int64())
    return values.cast(pa.int64()).fill_null(0).to_numpy(zero_copy_only=False)


def _illegal_boundaries(call, start, stop, step):
    text = f"Illegal sequence boundaries: {start} to {stop} by {step}"
    if all(c.foldable for c in call.children):
        # Spark folds a constant sequence with its interpreted code, whose check has no condition
        return IllegalArgumentException(message=f"requirement failed: {text}")
    return IllegalArgumentException(errorClass="_LEGACY_ERROR_TEMP_3243",
                                    messageParameters={"start": str(start), "stop": str(stop), "step": str(step)})


def _counts(start: np.ndarray, stop: np.ndarray, step: np.ndarray, valid: np.ndarray, call) -> np.ndarray:
    """How many terms each row's sequence has (Spark's getSequenceLength), checking its bounds."""
    legal = ((step > 0) & (start <= stop)) | ((step < 0) & (start >= stop)) | ((step == 0) & (start == stop))
    bad = np.flatnonzero(valid & ~legal)
    if len(bad):
        i = bad[0]
        raise _illegal_boundaries(call, start[i], stop[i], step[i])
    counts = np.where(valid, 1 + (stop - start) // np.where(step == 0, 1, step), 0)
    if counts.max(initial=0) > MAX_ARRAY_LENGTH:
        raise IllegalArgumentException(
            message=f"requirement failed: Too long sequence: {counts.max()}. Should be <= {MAX_ARRAY_LENGTH}")
    return counts


def _arithmetic(start, stop, step, valid, call):
    """Rows' terms start + i * step: the row of each term and its value."""
    counts = _counts(start, stop, step, valid, call)
    parent = np.repeat(np.arange(len(counts)), counts)
    return parent, start[parent] + step[parent] * positions_within(counts)


def _step_parts(step, step_type, default: np.ndarray, n: int):
    """A temporal step as Spark adds it: (months, days, microseconds). A day-time interval's whole
    days are calendar days (a DST day is 23 or 25 hours long); the default step is one day."""
    zero = np.zeros(n, np.int64)
    if step is None:
        return zero, default, zero
    amount = _integers(step)
    if isinstance(step_type, T.YearMonthIntervalType):
        return amount, zero, zero
    days = np.trunc(amount / MICROS_PER_DAY).astype(np.int64)       # Java's division, toward zero
    return zero, days, amount - days * MICROS_PER_DAY


def _temporal(start, stop, months, days, micros, valid, call, zone):
    """Terms start + i * (months, days, micros) in wall-clock time (``start``, ``stop``: instants in
    microseconds), kept while they do not pass ``stop``. As in Spark, the number of terms is bounded
    on the wall clock with a month counted as 28 days."""
    start_local = DF.to_local(start, zone)
    estimate = (months * 28 + days) * MICROS_PER_DAY + micros
    counts = _counts(start_local, DF.to_local(stop, zone), estimate, valid, call)
    parent = np.repeat(np.arange(len(counts)), counts)
    i = positions_within(counts)
    first = start[parent]
    local_days, time_of_day = np.divmod(start_local[parent], MICROS_PER_DAY)
    local_days = add_months(local_days, months[parent] * i) + days[parent] * i
    calendar = (months != 0) | (days != 0)
    terms = np.where(calendar[parent], DF.to_utc(local_days * MICROS_PER_DAY + time_of_day, zone), first) + \
        micros[parent] * i
    keep = np.where((stop > start)[parent], terms <= stop[parent], terms >= stop[parent])
    return parent[keep], terms[keep]


def _sequence(values, n, call):
    element = call.data_type.elementType
    start, stop = values[0], values[1]
    step = values[2] if len(values) == 3 else None
    valid = np.logical_and.reduce([v.is_valid().to_numpy(zero_copy_only=False) for v in values])
    a, b = _integers(start), _integers(stop)
    default = np.where(a <= b, 1, -1)
    if not isinstance(element, _DATETIMES):
        parent, terms = _arithmetic(a, b, default if step is None else _integers(step), valid, call)
        return build_list(parent, pa.array(terms).cast(T.to_arrow_type(element)), valid, target_type(call))
    step_type = call.children[2].data_type if step is not None else None
    months, days, micros = _step_parts(step, step_type, default, n)
    zone = DF.zone("UTC" if isinstance(element, T.TimestampNTZType) else call.options.get("time_zone", "UTC"))
    if isinstance(element, T.DateType):
        if isinstance(step_type, T.DayTimeIntervalType) and (valid & (days == 0)).any():
            raise IllegalArgumentException(errorClass="_LEGACY_ERROR_TEMP_3242",
                                           messageParameters={"intervalType": "interval day to second"})
        a, b = (DF.to_utc(x * MICROS_PER_DAY, zone) for x in (a, b))      # the days' first instants
    parent, terms = _temporal(a, b, months, days, micros, valid, call, zone)
    if isinstance(element, T.DateType):
        terms = np.floor_divide(DF.to_local(terms, zone), MICROS_PER_DAY).astype(np.int32)
    return build_list(parent, pa.array(terms).view(T.to_arrow_type(element)), valid, target_type(call))


register(FunctionSpec("sequence", _resolve_sequence, _sequence, options={"needs_time_zone": True}))

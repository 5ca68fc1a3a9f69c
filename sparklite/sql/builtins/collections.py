"""Array and map functions that take no lambda: ``size``/``cardinality``/``array_size``,
``array_contains``, ``array_position``, ``array_remove``, the set functions (``array_distinct``,
``array_union``, ``array_intersect``, ``array_except``, ``arrays_overlap``), ``array_join``,
``sort_array``/``array_sort``, ``array_min``/``array_max``, ``array_repeat``, ``array_append``,
``array_prepend``, ``array_insert``, ``array_compact``, ``slice``, ``flatten``, ``arrays_zip``,
``sequence``, ``map_keys``, ``map_values``, ``map_entries``, ``map_from_arrays``,
``map_from_entries``, ``map_concat``, ``map_contains_key`` and ``str_to_map``.

Contract: every kernel works on whole columns. ``_Lists.of`` takes a list (or map) column apart once
into the validity of its rows, the length of each row and the flat elements of the valid rows;
the kernel computes numpy index arrays over the elements, and ``_build`` / ``_build_map`` put a
column back together from the elements' rows. Equality and order come from one dense code per
element (``_codes``), in Spark's terms: NaN equals NaN and sorts above every number, -0.0 equals
0.0, strings and binaries compare by their bytes, structs and arrays field by field (their codes
are the only ones built in Python, per element).

Spark's rules kept: a NULL element makes ``array_contains`` and ``arrays_overlap`` NULL rather than
false when nothing matches; the set functions hold NULL as one value, keep the first of equal
elements, and give -0.0 as 0.0; ``sort_array`` puts NULLs first ascending and last descending,
``array_sort`` last; a map refuses a NULL key (``NULL_MAP_KEY``) and, with Spark 4's
``mapKeyDedupPolicy`` EXCEPTION, a repeated one (``DUPLICATED_MAP_KEY``); ``str_to_map``'s
delimiters are regular expressions.
"""
from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sparklite.sql import types as T
from sparklite.sql.builtins.datetime import add_months
from sparklite.sql.builtins.registry import FunctionSpec, register
from sparklite.sql.errors import (AnalysisException, ArrayIndexOutOfBoundsException, IllegalArgumentException,
                                  SparkRuntimeException)
from sparklite.sql.execution import datetime_format as DF
from sparklite.sql.plan import coercion as C
from sparklite.sql.plan.expressions import Alias, AttributeReference, Literal, force_nullable

MAX_ARRAY_LENGTH = 2147483632           # Spark's ByteArrayMethods.MAX_ROUNDED_ARRAY_LENGTH
MICROS_PER_DAY = 86_400_000_000
_DOCROOT = "https://spark.apache.org/docs/latest"
_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth")
_NUMERIC_ORDER = (T.ByteType, T.ShortType, T.IntegerType, T.LongType, T.FloatType, T.DoubleType)


# -- argument checks -------------------------------------------------------------------------------

def _sql(name: str, args) -> str:
    return f'"{name}({", ".join(a.sql() for a in args)})"'


def _type(t) -> str:
    return f'"{T.sql_type_name(t)}"'


def _arity(name: str, args, *counts: int) -> None:
    if len(args) not in counts:
        expected = str(counts[0]) if len(counts) == 1 else f"[{', '.join(map(str, counts))}]"
        raise AnalysisException(errorClass="WRONG_NUM_ARGS.WITHOUT_SUGGESTION",
                                messageParameters={"functionName": f"`{name}`", "expectedNum": expected,
                                                   "actualNum": str(len(args)), "docroot": _DOCROOT})


def _unexpected(sql: str, index: int, arg, required: str):
    raise AnalysisException(errorClass="DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE",
                            messageParameters={"sqlExpr": sql, "paramIndex": _ORDINALS[index],
                                               "requiredType": required, "inputSql": f'"{arg.sql()}"',
                                               "inputType": _type(arg.data_type)})


def _array_arg(sql: str, args, index: int):
    """Argument ``index`` as an array; NULL is cast to ``array<void>``, as Spark's implicit cast does."""
    arg = args[index]
    if isinstance(arg.data_type, T.NullType):
        return C.cast_to(arg, T.ArrayType(T.NullType()))
    if not isinstance(arg.data_type, T.ArrayType):
        _unexpected(sql, index, arg, '"ARRAY"')
    return arg


def _map_arg(sql: str, args, index: int):
    """Argument ``index`` as a map; a NULL stays NULL-typed (a map of NULL keys has no Arrow type)."""
    arg = args[index]
    if not isinstance(arg.data_type, (T.MapType, T.NullType)):
        _unexpected(sql, index, arg, '"MAP"')
    return arg


def _cast_arg(sql: str, args, index: int, accepted: tuple, to, required: str):
    arg = args[index]
    if not isinstance(arg.data_type, accepted + (T.NullType,)):
        _unexpected(sql, index, arg, required)
    return C.cast_to(arg, to)


def _no_null_type(name: str, sql: str, *args) -> None:
    if any(isinstance(a.data_type, T.NullType) for a in args):
        raise AnalysisException(errorClass="DATATYPE_MISMATCH.NULL_TYPE",
                                messageParameters={"sqlExpr": sql, "functionName": f"`{name}`"})


def _orderable(t) -> bool:
    if isinstance(t, T.MapType):
        return False
    if isinstance(t, T.ArrayType):
        return _orderable(t.elementType)
    if isinstance(t, T.StructType):
        return all(_orderable(f.dataType) for f in t.fields)
    return True


def _check_orderable(name: str, sql: str, t) -> None:
    if not _orderable(t):
        raise AnalysisException(errorClass="DATATYPE_MISMATCH.INVALID_ORDERING_TYPE",
                                messageParameters={"sqlExpr": sql, "functionName": f"`{name}`", "dataType": _type(t)})


def _check_map_key(sql: str, t) -> None:
    if not _orderable(t):
        raise AnalysisException(errorClass="DATATYPE_MISMATCH.INVALID_MAP_KEY_TYPE",
                                messageParameters={"sqlExpr": sql, "keyType": _type(t)})


def _tightest(a, b):
    """Spark's findTightestCommonType: widening that loses nothing (no integer to decimal unless the
    decimal holds it, no string promotion)."""
    if a == b or isinstance(b, T.NullType):
        return a
    if isinstance(a, T.NullType):
        return b
    if isinstance(a, _NUMERIC_ORDER) and isinstance(b, _NUMERIC_ORDER):
        rank = {kind: i for i, kind in enumerate(_NUMERIC_ORDER)}
        return max(a, b, key=lambda t: rank[type(t)])
    if isinstance(a, T.DecimalType) or isinstance(b, T.DecimalType):
        wide = C.wider_type(a, b)
        return wide if wide in (a, b) else None
    if isinstance(a, T.ArrayType) and isinstance(b, T.ArrayType):
        element = _tightest(a.elementType, b.elementType)
        return None if element is None else T.ArrayType(element, a.containsNull or b.containsNull)
    if isinstance(a, T.MapType) and isinstance(b, T.MapType):
        key, value = _tightest(a.keyType, b.keyType), _tightest(a.valueType, b.valueType)
        return None if key is None or value is None else \
            T.MapType(key, value, a.valueContainsNull or b.valueContainsNull)
    if isinstance(a, T.StructType) and isinstance(b, T.StructType):
        if len(a.fields) != len(b.fields) or any(x.name.lower() != y.name.lower() for x, y in zip(a.fields, b.fields)):
            return None
        types = [_tightest(x.dataType, y.dataType) for x, y in zip(a.fields, b.fields)]
        return None if None in types else T.StructType(
            [T.StructField(x.name, t, x.nullable or y.nullable) for x, y, t in zip(a.fields, b.fields, types)])
    if isinstance(a, (T.ArrayType, T.MapType, T.StructType)) or isinstance(b, (T.ArrayType, T.MapType, T.StructType)):
        return None
    return C.wider_type(a, b)           # strings with strings, dates with timestamps


def _wider_promoting_strings(a, b):
    """ANSI ``findWiderTypeForTwo``: as ``wider_type``, and a string meeting an atomic type takes a
    type of its kind (BIGINT for integers, DOUBLE for other numbers)."""
    wide = C.wider_type(a, b)
    if wide is not None or not (C.is_string(a) or C.is_string(b)):
        return wide
    other = b if C.is_string(a) else a
    if C.is_integral(other):
        return T.LongType()
    if isinstance(other, T.NumericType):
        return T.DoubleType()
    return other if isinstance(other, (T.BooleanType, T.DateType, T.TimestampType, T.TimestampNTZType)) else None


def _coerce_array_and_value(name: str, sql: str, array, value, common=_tightest):
    """An array and a value cast to one element type (the array keeps its containsNull)."""
    t = array.data_type
    element = common(t.elementType, value.data_type) if isinstance(t, T.ArrayType) else None
    if element is None:
        raise AnalysisException(errorClass="DATATYPE_MISMATCH.ARRAY_FUNCTION_DIFF_TYPES",
                                messageParameters={"sqlExpr": sql, "functionName": f"`{name}`", "dataType": '"ARRAY"',
                                                   "leftType": _type(t), "rightType": _type(value.data_type)})
    return C.cast_to(array, T.ArrayType(element, t.containsNull)), C.cast_to(value, element)


# -- list columns taken apart and put together -----------------------------------------------------

@dataclass
class _Lists:
    """A list or map column taken apart: which rows are valid, each row's length (0 when NULL) and
    the elements of the valid rows in row order (a map's elements are its key/value entries)."""
    valid: np.ndarray
    lengths: np.ndarray
    flat: pa.Array

    @classmethod
    def of(cls, column: pa.Array) -> _Lists:
        offsets = column.offsets.to_numpy(zero_copy_only=False).astype(np.int64)
        valid = column.is_valid().to_numpy(zero_copy_only=False)
        lengths = np.diff(offsets)
        flat = column.values.slice(offsets[0], offsets[-1] - offsets[0])
        if not valid.all() and lengths[~valid].any():      # a NULL row may still span elements
            flat = flat.filter(pa.array(np.repeat(valid, lengths)))
        return cls(valid, np.where(valid, lengths, 0), flat)

    @functools.cached_property
    def starts(self) -> np.ndarray:
        """Where each row's elements begin in ``flat``."""
        return np.cumsum(self.lengths) - self.lengths

    @functools.cached_property
    def parent(self) -> np.ndarray:
        """The row of each element."""
        return np.repeat(np.arange(len(self.lengths)), self.lengths)

    @functools.cached_property
    def position(self) -> np.ndarray:
        """Each element's 0-based index in its row."""
        return _within(self.lengths)


def _within(counts: np.ndarray) -> np.ndarray:
    """0, 1, ..., counts[i] - 1 for every i, concatenated."""
    return np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)


def _as_type(values: pa.Array, arrow_type: pa.DataType) -> pa.Array:
    return values if values.type == arrow_type else values.cast(arrow_type)


def _keep_valid_rows(parent: np.ndarray, columns: list, valid: np.ndarray):
    """Drop the elements of the rows that come out NULL."""
    if valid.all():
        return parent, columns
    keep = valid[parent]
    if keep.all():
        return parent, columns
    mask = pa.array(keep)
    return parent[keep], [c.filter(mask) for c in columns]


def _offsets(parent: np.ndarray, n: int) -> pa.Array:
    offsets = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(parent, minlength=n), out=offsets[1:])
    return pa.array(offsets.astype(np.int32))


def _mask(valid: np.ndarray):
    """The null mask of a column whose valid rows are ``valid`` (None when none is NULL)."""
    return None if valid.all() else ~valid


def _arrow_mask(valid: np.ndarray):
    return None if valid.all() else pa.array(~valid)


def _build(parent: np.ndarray, flat: pa.Array, valid: np.ndarray, arrow_type: pa.DataType) -> pa.Array:
    """A list column of ``len(valid)`` rows from its elements (``parent``: the row of each, ascending)."""
    parent, (flat,) = _keep_valid_rows(parent, [flat], valid)
    return pa.ListArray.from_arrays(_offsets(parent, len(valid)), _as_type(flat, arrow_type.value_type),
                                    type=arrow_type, mask=_arrow_mask(valid))


def _merge_rows(parents: list, *streams: list) -> tuple:
    """Several columns' elements merged row by row, each row's elements of the first column first:
    the merged elements' rows, and each stream (one array per column) merged."""
    parent = np.concatenate(parents)
    order = np.argsort(parent, kind="stable")
    return parent[order], [pa.concat_arrays(arrays).take(order) for arrays in streams]


def _take(values: pa.Array, index: np.ndarray, missing: np.ndarray | None = None) -> pa.Array:
    """``values`` at ``index``, NULL where ``missing``."""
    if missing is None:
        return values.take(index)
    if not len(values):
        return pa.nulls(len(index), values.type)
    return values.take(pa.array(np.where(missing, 0, index), mask=missing))


# -- Spark's equality and order as one code per element ----------------------------------------

def _codes(values: pa.Array) -> np.ndarray:
    """Dense ranks of the values in Spark's order (equal values share one, NULL is -1): a key for
    sorting and for equality alike."""
    t, n = values.type, len(values)
    if n == 0 or pa.types.is_null(t):
        return np.full(n, -1, np.int64)
    if pa.types.is_floating(t):
        # np.unique sorts NaN last and folds every NaN into one; -0.0 == 0.0 folds them too
        codes = np.unique(values.fill_null(0.0).to_numpy(zero_copy_only=False), return_inverse=True)[1]
    elif pa.types.is_nested(t):
        codes = _python_codes(values)
    else:
        codes = pc.rank(values, sort_keys="ascending", tiebreaker="dense").to_numpy(zero_copy_only=False) - 1
    codes = codes.astype(np.int64).reshape(-1)
    codes[values.is_null().to_numpy(zero_copy_only=False)] = -1
    return codes


def _python_codes(values: pa.Array) -> np.ndarray:
    # Arrow cannot rank structs or lists: their Spark order key is built in Python, per element
    keys = [_order_key(v, values.type) for v in values.to_pylist()]
    rank = {k: i for i, k in enumerate(sorted(set(keys)))}
    return np.array([rank[k] for k in keys], np.int64)


def _order_key(value, t):
    """A Python value's key in Spark's order: NULL first, NaN above numbers, -0.0 as 0.0, arrays and
    structs element by element."""
    if value is None:
        return (0,)
    if pa.types.is_floating(t):
        return (1, 1, 0.0) if math.isnan(value) else (1, 0, value + 0.0)
    if pa.types.is_struct(t):
        return (1, tuple(_order_key(v, f.type) for v, f in zip(value.values(), t)))
    if pa.types.is_map(t):
        return (1, tuple((_order_key(k, t.key_type), _order_key(v, t.item_type)) for k, v in value))
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return (1, tuple(_order_key(v, t.value_type) for v in value))
    return (1, value)


def _joint_codes(*arrays: pa.Array) -> list:
    """The codes of several arrays of one element type, comparable across them."""
    t = arrays[0].type
    codes = _codes(pa.concat_arrays([_as_type(a, t) for a in arrays]))
    return np.split(codes, np.cumsum([len(a) for a in arrays])[:-1])


def _pair_keys(parent: np.ndarray, codes: np.ndarray, scale: int) -> np.ndarray:
    return parent * scale + codes + 1


def _first_of_each(parent: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """The elements that are the first of their value in their row, in order."""
    if not len(parent):
        return np.zeros(0, np.int64)
    return np.sort(np.unique(_pair_keys(parent, codes, codes.max() + 2), return_index=True)[1])


def _member(a: _Lists, codes_a: np.ndarray, b: _Lists, codes_b: np.ndarray) -> np.ndarray:
    """Whether each element of ``a`` equals an element in the same row of ``b`` (NULL equals NULL)."""
    scale = max(codes_a.max(initial=-1), codes_b.max(initial=-1)) + 2
    return np.isin(_pair_keys(a.parent, codes_a, scale), _pair_keys(b.parent, codes_b, scale))


def _any_per_row(parent: np.ndarray, flags: np.ndarray, n: int) -> np.ndarray:
    return np.bincount(parent[flags], minlength=n) > 0


def _sorted_order(lists: _Lists, descending: bool, nulls_first: bool) -> np.ndarray:
    """The permutation of ``lists.flat`` that sorts every row, stably."""
    codes = _codes(lists.flat)
    key = -codes if descending else codes.copy()
    nulls = codes < 0
    key[nulls] = (key.min(initial=0) - 1) if nulls_first else (key.max(initial=0) + 1)
    return np.lexsort((np.arange(len(key)), key, lists.parent))


def _has_float(t: pa.DataType) -> bool:
    if pa.types.is_floating(t):
        return True
    if pa.types.is_list(t):
        return _has_float(t.value_type)
    return pa.types.is_struct(t) and any(_has_float(f.type) for f in t)


def _normalized(values: pa.Array) -> pa.Array:
    """-0.0 as 0.0, nested ones too: the set functions give it so."""
    t = values.type
    if not _has_float(t):
        return values
    if pa.types.is_floating(t):
        return pc.add(values, pa.scalar(0.0, t))          # -0.0 + 0.0 is 0.0
    if pa.types.is_list(t):
        lists = _Lists.of(values)
        return _build(lists.parent, _normalized(lists.flat), lists.valid, t)
    return pa.StructArray.from_arrays([_normalized(f) for f in values.flatten()], fields=list(t),
                                      mask=values.is_null() if values.null_count else None)


def _target(call) -> pa.DataType:
    return T.to_arrow_type(call.data_type)


def _may_be_null(nullable: bool, t) -> bool:
    """A result's nullability flag; Arrow has no non-nullable NULL-typed field, so a NULL-typed
    element or key says nullable where Spark says not."""
    return nullable or isinstance(t, T.NullType)


# -- size -----------------------------------------------------------------------------------------

def _size_resolver(name: str, arrays_only: bool):
    def resolve(args):
        _arity(name, args, 1)
        sql = _sql(name, args)
        if arrays_only or isinstance(args[0].data_type, T.NullType):
            arg = _array_arg(sql, args, 0)
        elif isinstance(args[0].data_type, (T.ArrayType, T.MapType)):
            arg = args[0]
        else:
            _unexpected(sql, 0, args[0], '("ARRAY" or "MAP")')
        return [arg], T.IntegerType(), arg.nullable
    return resolve


def _size(values, n, call):
    lists = _Lists.of(values[0])
    return pa.array(lists.lengths.astype(np.int32), mask=_mask(lists.valid))


# spark.sql.legacy.sizeOfNull gives way to ANSI mode: size(NULL) is NULL, not -1
register(FunctionSpec("size", _size_resolver("size", False), _size))
register(FunctionSpec("cardinality", _size_resolver("cardinality", False), _size))
register(FunctionSpec("array_size", _size_resolver("array_size", True), _size))


# -- array_contains, array_position, array_remove -------------------------------------------------

def _resolve_contains(args):
    _arity("array_contains", args, 2)
    sql = _sql("array_contains", args)
    array, value = args
    _no_null_type("array_contains", sql, array, value)
    if not isinstance(array.data_type, T.ArrayType):
        _unexpected(sql, 0, array, '"ARRAY"')
    array, value = _coerce_array_and_value("array_contains", sql, array, value)
    _check_orderable("array_contains", sql, value.data_type)
    nullable = array.nullable or value.nullable or array.data_type.containsNull
    return [array, value], T.BooleanType(), nullable


def _resolve_position(args):
    _arity("array_position", args, 2)
    sql = _sql("array_position", args)
    _no_null_type("array_position", sql, args[0])
    array, value = _coerce_array_and_value("array_position", sql, *args)
    _check_orderable("array_position", sql, value.data_type)
    return [array, value], T.LongType(), array.nullable or value.nullable


def _resolve_remove(args):
    _arity("array_remove", args, 2)
    sql = _sql("array_remove", args)
    array, value = _coerce_array_and_value("array_remove", sql, *args)
    _check_orderable("array_remove", sql, value.data_type)
    return [array, value], array.data_type, array.nullable or value.nullable


def _matches(values):
    """The array column taken apart, each element's code, and whether it equals its row's value."""
    lists, value = _Lists.of(values[0]), values[1]
    codes, value_codes = _joint_codes(lists.flat, value)
    match = (codes == value_codes[lists.parent]) & (codes >= 0)
    return lists, codes, match, lists.valid & value.is_valid().to_numpy(zero_copy_only=False)


def _contains(values, n, call):
    lists, codes, match, valid = _matches(values)
    found = _any_per_row(lists.parent, match, n)
    has_null = _any_per_row(lists.parent, codes < 0, n)
    return pa.array(found, mask=_mask(valid & (found | ~has_null)))


def _position(values, n, call):
    lists, _, match, valid = _matches(values)
    position = np.zeros(n, np.int64)
    hits = np.flatnonzero(match)
    rows, first = np.unique(lists.parent[hits], return_index=True)
    position[rows] = lists.position[hits[first]] + 1
    return pa.array(position, mask=_mask(valid))


def _remove(values, n, call):
    lists, _, match, valid = _matches(values)
    keep = ~match
    return _build(lists.parent[keep], lists.flat.filter(pa.array(keep)), valid, _target(call))


register(FunctionSpec("array_contains", _resolve_contains, _contains))
register(FunctionSpec("array_position", _resolve_position, _position))
register(FunctionSpec("array_remove", _resolve_remove, _remove))


# -- the set functions ----------------------------------------------------------------------------

def _resolve_distinct(args):
    _arity("array_distinct", args, 1)
    sql = _sql("array_distinct", args)
    array = _array_arg(sql, args, 0)
    _check_orderable("array_distinct", sql, array.data_type.elementType)
    return [array], array.data_type, array.nullable


def _distinct(values, n, call):
    lists = _Lists.of(values[0])
    keep = _first_of_each(lists.parent, _codes(lists.flat))
    return _build(lists.parent[keep], _normalized(lists.flat.take(keep)), lists.valid, _target(call))


def _binary_set_resolver(name: str):
    def resolve(args):
        _arity(name, args, 2)
        sql = _sql(name, args)
        left, right = args
        a, b = left.data_type, right.data_type
        element = _tightest(a.elementType, b.elementType) \
            if isinstance(a, T.ArrayType) and isinstance(b, T.ArrayType) else None
        if element is None:
            raise AnalysisException(errorClass="DATATYPE_MISMATCH.BINARY_ARRAY_DIFF_TYPES",
                                    messageParameters={"sqlExpr": sql, "functionName": f"`{name}`",
                                                       "arrayType": '"ARRAY"', "leftType": _type(a),
                                                       "rightType": _type(b)})
        _check_orderable(name, sql, element)
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
    a, b = _Lists.of(values[0]), _Lists.of(values[1])
    return a, b, a.valid & b.valid


def _union(values, n, call):
    a, b, valid = _both(values)
    parent, (flat,) = _merge_rows([a.parent, b.parent], [a.flat, _as_type(b.flat, a.flat.type)])
    keep = _first_of_each(parent, _codes(flat))
    return _build(parent[keep], _normalized(flat.take(keep)), valid, _target(call))


def _filtered_set(inside: bool):
    """``array_intersect`` (the left's distinct elements found in the right) or ``array_except``."""
    def kernel(values, n, call):
        a, b, valid = _both(values)
        codes_a, codes_b = _joint_codes(a.flat, b.flat)
        found = _member(a, codes_a, b, codes_b)
        chosen = np.flatnonzero(found if inside else ~found)
        keep = chosen[_first_of_each(a.parent[chosen], codes_a[chosen])]
        return _build(a.parent[keep], _normalized(a.flat.take(keep)), valid, _target(call))
    return kernel


def _overlap(values, n, call):
    a, b, valid = _both(values)
    codes_a, codes_b = _joint_codes(a.flat, b.flat)
    found = _any_per_row(a.parent, _member(a, codes_a, b, codes_b) & (codes_a >= 0), n)
    has_null = _any_per_row(a.parent, codes_a < 0, n) | _any_per_row(b.parent, codes_b < 0, n)
    unknown = ~found & has_null & (a.lengths > 0) & (b.lengths > 0)
    return pa.array(found, mask=_mask(valid & ~unknown))


register(FunctionSpec("array_distinct", _resolve_distinct, _distinct))
register(FunctionSpec("array_union", _binary_set_resolver("array_union"), _union))
register(FunctionSpec("array_intersect", _binary_set_resolver("array_intersect"), _filtered_set(True)))
register(FunctionSpec("array_except", _binary_set_resolver("array_except"), _filtered_set(False)))
register(FunctionSpec("arrays_overlap", _binary_set_resolver("arrays_overlap"), _overlap))


# -- array_join -----------------------------------------------------------------------------------

def _resolve_join(args):
    _arity("array_join", args, 2, 3)
    sql = _sql("array_join", args)
    array = args[0]
    t = array.data_type
    if isinstance(t, T.NullType):
        array = C.cast_to(array, T.ArrayType(T.StringType()))
    elif isinstance(t, T.ArrayType) and isinstance(t.elementType, (T.AtomicType, T.NullType)) \
            and not isinstance(t.elementType, T.BinaryType):
        array = C.cast_to(array, T.ArrayType(T.StringType(), t.containsNull))
    else:
        _unexpected(sql, 0, array, '"ARRAY<STRING>"')
    strings = [_cast_arg(sql, args, i, (T.StringType, T.CharType, T.VarcharType), T.StringType(), '"STRING"')
               for i in range(1, len(args))]
    return [array] + strings, T.StringType(), any(a.nullable for a in args)


def _join(values, n, call):
    lists, delimiter = _Lists.of(values[0]), values[1]
    valid = lists.valid & delimiter.is_valid().to_numpy(zero_copy_only=False)
    parent, flat = lists.parent, lists.flat
    if len(values) == 3:
        replacement = values[2]
        valid &= replacement.is_valid().to_numpy(zero_copy_only=False)
        flat = pc.coalesce(flat, replacement.take(parent))
    else:
        present = flat.is_valid().to_numpy(zero_copy_only=False)
        parent, flat = parent[present], flat.filter(pa.array(present))
    return pc.binary_join(_build(parent, flat, valid, pa.list_(pa.string())), delimiter)


register(FunctionSpec("array_join", _resolve_join, _join))


# -- sort_array, array_sort, array_min, array_max ------------------------------------------------

def _resolve_sort_array(args):
    _arity("sort_array", args, 1, 2)
    args = list(args) + [Literal(True, T.BooleanType())] * (2 - len(args))
    sql = _sql("sort_array", args)
    array = _array_arg(sql, args, 0)
    _check_orderable("sort_array", sql, array.data_type)
    ascending = args[1]
    if not (isinstance(ascending, Literal) and isinstance(ascending.data_type, (T.BooleanType, T.NullType))):
        _unexpected(sql, 1, ascending, '"BOOLEAN"')
    ascending = C.cast_to(ascending, T.BooleanType())
    return [array, ascending], array.data_type, array.nullable or ascending.value is None, \
        {"ascending": ascending.value}


def _resolve_array_sort(args):
    _arity("array_sort", args, 1)
    sql = _sql("array_sort", args)
    array = _array_arg(sql, args, 0)
    _check_orderable("array_sort", sql, array.data_type)
    return [array], array.data_type, array.nullable


def _sort_kernel(nulls_follow_order: bool):
    """``sort_array`` (NULLs first ascending, last descending) or ``array_sort`` (NULLs last)."""
    def kernel(values, n, call):
        lists = _Lists.of(values[0])
        ascending = call.options.get("ascending", True)
        valid = lists.valid & (ascending is not None)
        ascending = ascending is not False
        order = _sorted_order(lists, not ascending, nulls_follow_order and ascending)
        return _build(lists.parent, lists.flat.take(order), valid, _target(call))
    return kernel


# Spark names array_sort's column after the comparator it fills in
_DEFAULT_COMPARATOR = ("lambdafunction((IF(((namedlambdavariable() IS NULL) AND (namedlambdavariable() IS NULL)), 0, "
                       "(IF((namedlambdavariable() IS NULL), 1, (IF((namedlambdavariable() IS NULL), -1, "
                       "(IF((namedlambdavariable() < namedlambdavariable()), -1, "
                       "(IF((namedlambdavariable() > namedlambdavariable()), 1, 0)))))))))), "
                       "namedlambdavariable(), namedlambdavariable())")


def _resolve_extreme(name: str):
    def resolve(args):
        _arity(name, args, 1)
        sql = _sql(name, args)
        array = _array_arg(sql, args, 0)
        _check_orderable(name, sql, array.data_type.elementType)
        return [array], array.data_type.elementType, True
    return resolve


def _extreme(largest: bool):
    def kernel(values, n, call):
        lists = _Lists.of(values[0])
        order = _sorted_order(lists, largest, nulls_first=False)
        index = np.zeros(n, np.int64)
        rows = np.flatnonzero(lists.lengths > 0)
        index[rows] = order[lists.starts[rows]]
        return _as_type(_take(lists.flat, index, lists.lengths == 0), _target(call))
    return kernel


register(FunctionSpec("sort_array", _resolve_sort_array, _sort_kernel(True)))
register(FunctionSpec("array_sort", _resolve_array_sort, _sort_kernel(False),
                      render=lambda a, c: f"array_sort({a[0]}, {_DEFAULT_COMPARATOR})"))
register(FunctionSpec("array_min", _resolve_extreme("array_min"), _extreme(False)))
register(FunctionSpec("array_max", _resolve_extreme("array_max"), _extreme(True)))


# -- array_repeat, array_insert, array_append, array_prepend, array_compact ------------------------

def _resolve_repeat(args):
    _arity("array_repeat", args, 2)
    sql = _sql("array_repeat", args)
    element = args[0]
    count = _cast_arg(sql, args, 1, (T.IntegerType,), T.IntegerType(), '"INT"')
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
    return _build(parent, element.take(parent), valid, _target(call))


def _resolve_insert(args):
    _arity("array_insert", args, 3)
    sql = _sql("array_insert", args)
    array, value = _coerce_array_and_value("array_insert", sql, args[0], args[2])
    position = args[1]
    if not isinstance(position.data_type, (T.ByteType, T.ShortType, T.IntegerType)):
        _unexpected(sql, 1, position, '"INT"')
    position = C.cast_to(position, T.IntegerType())
    return [array, position, value], T.ArrayType(value.data_type, True), array.nullable or position.nullable


def _edge_resolver(name: str):
    """``array_append`` / ``array_prepend``: an array and a value of its element type."""
    def resolve(args):
        _arity(name, args, 2)
        sql = _sql(name, args)
        if not isinstance(args[0].data_type, T.ArrayType):
            _unexpected(sql, 0, args[0], '"ARRAY"')
        array, value = _coerce_array_and_value(name, sql, *args)
        return [array, value], T.ArrayType(value.data_type, True), array.nullable
    return resolve


def _inserted(lists: _Lists, position: np.ndarray, item: pa.Array, valid: np.ndarray, arrow_type) -> pa.Array:
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
    q = _within(lengths)
    b, g1, g2, start = (np.repeat(x, lengths) for x in (before, gap_before, gap_after, lists.starts))
    item_at = b + g1
    # an index into the elements followed by the items: row r's item is at len(flat) + r
    source = np.where(q < b, start + q, np.where(q == item_at, len(lists.flat) + parent, start + q - 1 - g1 - g2))
    gap = ((q >= b) & (q < item_at)) | ((q > item_at) & (q <= item_at + g2))
    element_type = arrow_type.value_type
    combined = pa.concat_arrays([_as_type(lists.flat, element_type), _as_type(item, element_type)])
    return _build(parent, _take(combined, source, gap), valid, arrow_type)


def _insert(values, n, call):
    array, position, item = values
    lists = _Lists.of(array)
    valid = lists.valid & position.is_valid().to_numpy(zero_copy_only=False)
    position = position.fill_null(1).to_numpy(zero_copy_only=False).astype(np.int64)
    if (valid & (position == 0)).any():
        raise ArrayIndexOutOfBoundsException(errorClass="INVALID_INDEX_OF_ZERO", messageParameters={})
    return _inserted(lists, position, item, valid, _target(call))


def _edge_kernel(position: int):
    def kernel(values, n, call):
        lists = _Lists.of(values[0])
        return _inserted(lists, np.full(n, position, np.int64), values[1], lists.valid, _target(call))
    return kernel


def _resolve_compact(args):
    _arity("array_compact", args, 1)
    array = _array_arg(_sql("array_compact", args), args, 0)
    element = array.data_type.elementType
    return [array], T.ArrayType(element, _may_be_null(False, element)), array.nullable


def _compact(values, n, call):
    lists = _Lists.of(values[0])
    present = lists.flat.is_valid().to_numpy(zero_copy_only=False)
    return _build(lists.parent[present], lists.flat.filter(pa.array(present)), lists.valid, _target(call))


register(FunctionSpec("array_repeat", _resolve_repeat, _repeat))
register(FunctionSpec("array_insert", _resolve_insert, _insert))
register(FunctionSpec("array_append", _edge_resolver("array_append"), _edge_kernel(-1)))
register(FunctionSpec("array_prepend", _edge_resolver("array_prepend"), _edge_kernel(1)))
register(FunctionSpec("array_compact", _resolve_compact, _compact))


# -- slice, flatten, arrays_zip -------------------------------------------------------------------

def _resolve_slice(args):
    _arity("slice", args, 3)
    sql = _sql("slice", args)
    array = _array_arg(sql, args, 0)
    bounds = [_cast_arg(sql, args, i, (T.NumericType, T.StringType), T.IntegerType(), '"INT"') for i in (1, 2)]
    return [array] + bounds, array.data_type, any(a.nullable for a in [array] + bounds)


def _slice(values, n, call):
    lists, start, length = _Lists.of(values[0]), values[1], values[2]
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
    index = np.repeat(lists.starts + first, counts) + _within(counts)
    return _build(np.repeat(np.arange(n), counts), lists.flat.take(index), valid, _target(call))


def _resolve_flatten(args):
    _arity("flatten", args, 1)
    array = args[0]
    t = array.data_type
    if not (isinstance(t, T.ArrayType) and isinstance(t.elementType, T.ArrayType)):
        _unexpected(_sql("flatten", args), 0, array, '"ARRAY" of "ARRAY"')
    inner = t.elementType
    return [array], T.ArrayType(inner.elementType, inner.containsNull), array.nullable or t.containsNull


def _flatten(values, n, call):
    outer = _Lists.of(values[0])
    inner = _Lists.of(outer.flat)
    valid = outer.valid.copy()
    valid[outer.parent[~inner.valid]] = False           # a NULL inner array makes the row NULL
    return _build(outer.parent[inner.parent], inner.flat, valid, _target(call))


def _zip_field_name(arg, index: int) -> str:
    return arg.name if isinstance(arg, (Alias, AttributeReference)) else str(index)


def _resolve_zip(args):
    sql = _sql("arrays_zip", args)
    arrays = [_array_arg(sql, args, i) for i in range(len(args))]
    fields = [T.StructField(_zip_field_name(original, i), a.data_type.elementType, True)
              for i, (original, a) in enumerate(zip(args, arrays))]
    return arrays, T.ArrayType(T.StructType(fields), False), any(a.nullable for a in arrays)


def _zip(values, n, call):
    target = _target(call)
    parts = [_Lists.of(v) for v in values]
    valid = np.logical_and.reduce([p.valid for p in parts]) if parts else np.ones(n, bool)
    width = np.max([p.lengths for p in parts], axis=0) if parts else np.zeros(n, np.int64)
    parent = np.repeat(np.arange(n), width)
    q = _within(width)
    fields = list(target.value_type)
    columns = [_as_type(_take(p.flat, p.starts[parent] + q, q >= p.lengths[parent]), f.type)
               for p, f in zip(parts, fields)]
    entries = pa.StructArray.from_arrays(columns, fields=fields) if fields else \
        pa.array([{}] * len(parent), target.value_type)
    return _build(parent, entries, valid, target)


register(FunctionSpec("slice", _resolve_slice, _slice))
register(FunctionSpec("flatten", _resolve_flatten, _flatten))
register(FunctionSpec("arrays_zip", _resolve_zip, _zip))


# -- sequence -------------------------------------------------------------------------------------

_DATETIMES = (T.DateType, T.TimestampType, T.TimestampNTZType)


def _resolve_sequence(args):
    _arity("sequence", args, 2, 3)
    sql = _sql("sequence", args)
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
    return parent, start[parent] + step[parent] * _within(counts)


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
    i = _within(counts)
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
        return _build(parent, pa.array(terms).cast(T.to_arrow_type(element)), valid, _target(call))
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
    return _build(parent, pa.array(terms).view(T.to_arrow_type(element)), valid, _target(call))


register(FunctionSpec("sequence", _resolve_sequence, _sequence, options={"needs_time_zone": True}))


# -- maps -----------------------------------------------------------------------------------------

def _entries(lists: _Lists) -> tuple[pa.Array, pa.Array]:
    return tuple(lists.flat.flatten())


def _key_text(value) -> str:
    return "NaN" if isinstance(value, float) and math.isnan(value) else str(value)


def _build_map(parent, keys, items, valid, arrow_type) -> pa.Array:
    """A map column from its entries (``parent``: the row of each, ascending); a NULL key raises
    ``NULL_MAP_KEY`` and a key repeated within a row ``DUPLICATED_MAP_KEY``."""
    parent, (keys, items) = _keep_valid_rows(parent, [keys, items], valid)
    if keys.null_count:
        raise SparkRuntimeException(errorClass="NULL_MAP_KEY", messageParameters={})
    codes = _codes(keys)
    pairs = _pair_keys(parent, codes, codes.max(initial=0) + 2)
    order = np.argsort(pairs, kind="stable")
    repeated = order[1:][pairs[order][1:] == pairs[order][:-1]]
    if len(repeated):
        raise SparkRuntimeException(errorClass="DUPLICATED_MAP_KEY",
                                    messageParameters={"key": _key_text(keys[int(repeated.min())].as_py()),
                                                       "mapKeyDedupPolicy": '"spark.sql.mapKeyDedupPolicy"'})
    return pa.MapArray.from_arrays(_offsets(parent, len(valid)), _as_type(keys, arrow_type.key_type),
                                   _as_type(items, arrow_type.item_type), type=arrow_type, mask=_arrow_mask(valid))


def _map_part_resolver(name: str):
    def resolve(args):
        _arity(name, args, 1)
        m = _map_arg(_sql(name, args), args, 0)
        t = m.data_type
        if isinstance(t, T.NullType):
            t = T.MapType(T.NullType(), T.NullType())
        result = {"map_keys": T.ArrayType(t.keyType, True),
                  "map_values": T.ArrayType(t.valueType, t.valueContainsNull),
                  "map_entries": T.ArrayType(T.StructType([T.StructField("key", t.keyType,
                                                                         _may_be_null(False, t.keyType)),
                                                           T.StructField("value", t.valueType, t.valueContainsNull)]),
                                             False)}[name]
        return [m], result, m.nullable
    return resolve


def _map_part(part: str):
    def kernel(values, n, call):
        target = _target(call)
        if pa.types.is_null(values[0].type):
            return pa.nulls(n, target)
        lists = _Lists.of(values[0])
        keys, items = _entries(lists)
        if part == "keys":
            flat = keys
        elif part == "values":
            flat = items
        else:
            fields = list(target.value_type)
            flat = pa.StructArray.from_arrays([_as_type(keys, fields[0].type), _as_type(items, fields[1].type)],
                                              fields=fields)
        return _build(lists.parent, flat, lists.valid, target)
    return kernel


def _resolve_from_arrays(args):
    _arity("map_from_arrays", args, 2)
    sql = _sql("map_from_arrays", args)
    keys, items = (_array_arg(sql, args, i) for i in (0, 1))
    _check_map_key(sql, keys.data_type.elementType)
    result = T.MapType(keys.data_type.elementType, items.data_type.elementType, items.data_type.containsNull)
    return [keys, items], result, keys.nullable or items.nullable


def _from_arrays(values, n, call):
    keys, items = _Lists.of(values[0]), _Lists.of(values[1])
    valid = keys.valid & items.valid
    if (valid & (keys.lengths != items.lengths)).any():
        raise IllegalArgumentException(errorClass="_LEGACY_ERROR_TEMP_2128", messageParameters={})
    parent, (key_flat,) = _keep_valid_rows(keys.parent, [keys.flat], valid)
    _, (item_flat,) = _keep_valid_rows(items.parent, [items.flat], valid)
    return _build_map(parent, key_flat, item_flat, valid, _target(call))


def _resolve_from_entries(args):
    _arity("map_from_entries", args, 1)
    sql = _sql("map_from_entries", args)
    array = args[0]
    t = array.data_type
    if not (isinstance(t, T.ArrayType) and isinstance(t.elementType, T.StructType) and len(t.elementType.fields) == 2):
        _unexpected(sql, 0, array, '"ARRAY" of pair "STRUCT"')
    key, value = t.elementType.fields
    _check_map_key(sql, key.dataType)
    return [array], T.MapType(key.dataType, value.dataType, value.nullable), array.nullable or t.containsNull


def _from_entries(values, n, call):
    lists = _Lists.of(values[0])
    valid = lists.valid.copy()
    valid[lists.parent[lists.flat.is_null().to_numpy(zero_copy_only=False)]] = False   # a NULL entry: NULL map
    keys, items = _entries(lists)
    return _build_map(lists.parent, keys, items, valid, _target(call))


def _map_common(a, b):
    """The map type two maps widen to: keys only where no key's cast could give NULL."""
    key = _wider_promoting_strings(a.keyType, b.keyType)
    if key is None or force_nullable(a.keyType, key) or force_nullable(b.keyType, key):
        return None
    value = _wider_promoting_strings(a.valueType, b.valueType)
    return None if value is None else T.MapType(key, value, a.valueContainsNull or b.valueContainsNull)


def _resolve_map_concat(args):
    sql = _sql("map_concat", args)
    types = [a.data_type for a in args]
    if not all(isinstance(t, T.MapType) for t in types):
        raise AnalysisException(errorClass="DATATYPE_MISMATCH.MAP_CONCAT_DIFF_TYPES",
                                messageParameters={"sqlExpr": sql, "functionName": "`map_concat`",
                                                   "dataType": "[" + ", ".join(map(_type, types)) + "]"})
    if not args:
        return [], T.MapType(T.StringType(), T.StringType(), False), False
    common = types[0]
    for t in types[1:]:
        common = _map_common(common, t)
        if common is None:
            raise AnalysisException(errorClass="DATATYPE_MISMATCH.DATA_DIFF_TYPES",
                                    messageParameters={"sqlExpr": sql, "functionName": "`map_concat`",
                                                       "dataType": "(" + " or ".join(map(_type, types)) + ")"})
    coerced = [C.cast_to(a, T.MapType(common.keyType, common.valueType, a.data_type.valueContainsNull)) for a in args]
    return coerced, common, any(a.nullable for a in args)


def _map_concat(values, n, call):
    maps = [_Lists.of(v) for v in values]
    valid = np.logical_and.reduce([m.valid for m in maps]) if maps else np.ones(n, bool)
    target = _target(call)
    parents, keys, items = [np.zeros(0, np.int64)], [pa.array([], target.key_type)], [pa.array([], target.item_type)]
    for m in maps:
        entry_keys, entry_items = _entries(m)
        parents.append(m.parent)
        keys.append(_as_type(entry_keys, target.key_type))
        items.append(_as_type(entry_items, target.item_type))
    parent, (keys, items) = _merge_rows(parents, keys, items)
    return _build_map(parent, keys, items, valid, target)


def _resolve_contains_key(args):
    _arity("map_contains_key", args, 2)
    sql = _sql("map_contains_key", args)
    m, key = args
    t = m.data_type
    wide = C.wider_type(t.keyType, key.data_type) if isinstance(t, T.MapType) else None
    if wide is None:
        raise AnalysisException(errorClass="DATATYPE_MISMATCH.MAP_FUNCTION_DIFF_TYPES",
                                messageParameters={"sqlExpr": sql, "functionName": "`map_contains_key`",
                                                   "dataType": '"MAP"', "leftType": _type(t),
                                                   "rightType": _type(key.data_type)})
    _no_null_type("map_contains_key", sql, key)
    m = C.cast_to(m, T.MapType(wide, t.valueType, t.valueContainsNull))
    # Spark rewrites it to array_contains(map_keys(m), key), whose result it always calls nullable
    return [m, C.cast_to(key, wide)], T.BooleanType(), True


def _contains_key(values, n, call):
    lists, key = _Lists.of(values[0]), values[1]
    codes, key_codes = _joint_codes(_entries(lists)[0], key)
    found = _any_per_row(lists.parent, codes == key_codes[lists.parent], n)
    return pa.array(found, mask=_mask(lists.valid & key.is_valid().to_numpy(zero_copy_only=False)))


for _name in ("map_keys", "map_values", "map_entries"):
    register(FunctionSpec(_name, _map_part_resolver(_name), _map_part(_name[4:])))
register(FunctionSpec("map_from_arrays", _resolve_from_arrays, _from_arrays))
register(FunctionSpec("map_from_entries", _resolve_from_entries, _from_entries))
register(FunctionSpec("map_concat", _resolve_map_concat, _map_concat))
register(FunctionSpec("map_contains_key", _resolve_contains_key, _contains_key))


# -- str_to_map -----------------------------------------------------------------------------------

def _resolve_str_to_map(args):
    _arity("str_to_map", args, 1, 2, 3)
    args = list(args) + [Literal(",", T.StringType()), Literal(":", T.StringType())][len(args) - 1:]
    sql = _sql("str_to_map", args)
    strings = [_cast_arg(sql, args, i, (T.StringType, T.CharType, T.VarcharType), T.StringType(), '"STRING"')
               for i in range(3)]
    return strings, T.MapType(T.StringType(), T.StringType(), True), any(a.nullable for a in strings)


def _java_split(text: str, pattern: re.Pattern, limit: int) -> list:
    """Spark's ``UTF8String.split(pattern, limit)``: all pieces (``limit`` -1) or at most ``limit``;
    an empty pattern splits between characters, other patterns as Java's ``String.split`` (an empty
    match at the start makes no empty first piece)."""
    if not pattern.pattern and text:
        count = len(text) if limit <= 0 or limit > len(text) else limit
        return list(text[:count - 1]) + [text[count - 1:]]
    pieces, index = [], 0
    for m in pattern.finditer(text):
        if 0 < limit == len(pieces) + 1:
            break
        if m.end() == 0:
            continue
        pieces.append(text[index:m.start()])
        index = m.end()
    pieces.append(text[index:])
    return pieces


def _split(texts: pa.Array, pattern: str, limit: int) -> pa.Array:
    if pattern and re.escape(pattern) == pattern:
        return pc.split_pattern(texts, pattern, max_splits=None if limit < 0 else limit - 1)
    # a regular expression: Arrow's RE2 split never ends on one that matches empty, so Java's rules
    # run in Python, per string
    compiled = re.compile(pattern)
    return pa.array([None if t is None else _java_split(t, compiled, limit) for t in texts.to_pylist()],
                    pa.list_(pa.string()))


def _str_to_map(values, n, call):
    text, pair_delimiter, key_delimiter = values
    valid = np.logical_and.reduce([v.is_valid().to_numpy(zero_copy_only=False) for v in values])
    pair_patterns = pair_delimiter.to_numpy(zero_copy_only=False)
    key_patterns = key_delimiter.to_numpy(zero_copy_only=False)
    parents, keys, items = [np.zeros(0, np.int64)], [pa.array([], pa.string())], [pa.array([], pa.string())]
    # one split per distinct pair of delimiters (usually one)
    for pair, key in dict.fromkeys(zip(pair_patterns[valid], key_patterns[valid])):
        rows = np.flatnonzero(valid & (pair_patterns == pair) & (key_patterns == key))
        pairs = _Lists.of(_split(text.take(rows), pair, -1))
        halves = _Lists.of(_split(pairs.flat, key, 2))
        parents.append(rows[pairs.parent])
        keys.append(halves.flat.take(halves.starts))
        items.append(_take(halves.flat, halves.starts + 1, halves.lengths < 2))
    parent, (keys, items) = _merge_rows(parents, keys, items)
    return _build_map(parent, keys, items, valid, _target(call))


register(FunctionSpec("str_to_map", _resolve_str_to_map, _str_to_map))

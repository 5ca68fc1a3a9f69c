"""Map functions that take no lambda: ``map_keys``, ``map_values``, ``map_entries``,
``map_from_arrays``, ``map_from_entries``, ``map_concat``, ``map_contains_key`` and ``str_to_map``.

Contract: kernels work on whole columns through ``listkit.Lists``; ``build_map`` makes a map column
from its entries and is the one place Spark's key rules are kept: a map refuses a NULL key
(``NULL_MAP_KEY``) and, with Spark 4's ``mapKeyDedupPolicy`` EXCEPTION, a repeated one
(``DUPLICATED_MAP_KEY``; LAST_WIN keeps the last). ``str_to_map``'s delimiters are regular
expressions.
"""
from __future__ import annotations

import math
import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sparklite.sql import types as T
from sparklite.sql.builtins.listkit import (Lists, any_per_row, arity, array_arg, arrow_mask, as_type,
                                          build_list, call_sql, cast_arg, check_map_key, element_codes,
                                          joint_codes, keep_valid_rows, list_offsets, map_arg, may_be_null,
                                          merge_rows, no_null_type, null_mask, pair_keys, take_elements,
                                          target_type, type_text, unexpected, wider_promoting_strings)
from sparklite.sql.builtins.registry import FunctionSpec, register
from sparklite.sql.errors import AnalysisException, IllegalArgumentException, SparkRuntimeException
from sparklite.sql.plan import coercion as C
from sparklite.sql.plan.expressions import Literal, force_nullable


# -- maps -----------------------------------------------------------------------------------------

def _entries(lists: Lists) -> tuple[pa.Array, pa.Array]:
    return tuple(lists.flat.flatten())


def _key_text(value) -> str:
    return "NaN" if isinstance(value, float) and math.isnan(value) else str(value)


def build_map(parent, keys, items, valid, arrow_type) -> pa.Array:
    """A map column from its entries (``parent``: the row of each, ascending); a NULL key raises
    ``NULL_MAP_KEY`` and a key repeated within a row ``DUPLICATED_MAP_KEY``."""
    parent, (keys, items) = keep_valid_rows(parent, [keys, items], valid)
    if keys.null_count:
        raise SparkRuntimeException(errorClass="NULL_MAP_KEY", messageParameters={})
    codes = element_codes(keys)
    pairs = pair_keys(parent, codes, codes.max(initial=0) + 2)
    order = np.argsort(pairs, kind="stable")
    repeated = order[1:][pairs[order][1:] == pairs[order][:-1]]
    if len(repeated):
        raise SparkRuntimeException(errorClass="DUPLICATED_MAP_KEY",
                                    messageParameters={"key": _key_text(keys[int(repeated.min())].as_py()),
                                                       "mapKeyDedupPolicy": '"spark.sql.mapKeyDedupPolicy"'})
    return pa.MapArray.from_arrays(list_offsets(parent, len(valid)), as_type(keys, arrow_type.key_type),
                                   as_type(items, arrow_type.item_type), type=arrow_type, mask=arrow_mask(valid))


def _map_part_resolver(name: str):
    def resolve(args):
        arity(name, args, 1)
        m = map_arg(call_sql(name, args), args, 0)
        t = m.data_type
        if isinstance(t, T.NullType):
            t = T.MapType(T.NullType(), T.NullType())
        result = {"map_keys": T.ArrayType(t.keyType, True),
                  "map_values": T.ArrayType(t.valueType, t.valueContainsNull),
                  "map_entries": T.ArrayType(T.StructType([T.StructField("key", t.keyType,
                                                                         may_be_null(False, t.keyType)),
                                                           T.StructField("value", t.valueType, t.valueContainsNull)]),
                                             False)}[name]
        return [m], result, m.nullable
    return resolve


def _map_part(part: str):
    def kernel(values, n, call):
        target = target_type(call)
        if pa.types.is_null(values[0].type):
            return pa.nulls(n, target)
        lists = Lists.of(values[0])
        keys, items = _entries(lists)
        if part == "keys":
            flat = keys
        elif part == "values":
            flat = items
        else:
            fields = list(target.value_type)
            flat = pa.StructArray.from_arrays([as_type(keys, fields[0].type), as_type(items, fields[1].type)],
                                              fields=fields)
        return build_list(lists.parent, flat, lists.valid, target)
    return kernel


def _resolve_from_arrays(args):
    arity("map_from_arrays", args, 2)
    sql = call_sql("map_from_arrays", args)
    keys, items = (array_arg(sql, args, i) for i in (0, 1))
    check_map_key(sql, keys.data_type.elementType)
    result = T.MapType(keys.data_type.elementType, items.data_type.elementType, items.data_type.containsNull)
    return [keys, items], result, keys.nullable or items.nullable


def _from_arrays(values, n, call):
    keys, items = Lists.of(values[0]), Lists.of(values[1])
    valid = keys.valid & items.valid
    if (valid & (keys.lengths != items.lengths)).any():
        raise IllegalArgumentException(errorClass="_LEGACY_ERROR_TEMP_2128", messageParameters={})
    parent, (key_flat,) = keep_valid_rows(keys.parent, [keys.flat], valid)
    _, (item_flat,) = keep_valid_rows(items.parent, [items.flat], valid)
    return build_map(parent, key_flat, item_flat, valid, target_type(call))


def _resolve_from_entries(args):
    arity("map_from_entries", args, 1)
    sql = call_sql("map_from_entries", args)
    array = args[0]
    t = array.data_type
    if not (isinstance(t, T.ArrayType) and isinstance(t.elementType, T.StructType) and len(t.elementType.fields) == 2):
        unexpected(sql, 0, array, '"ARRAY" of pair "STRUCT"')
    key, value = t.elementType.fields
    check_map_key(sql, key.dataType)
    return [array], T.MapType(key.dataType, value.dataType, value.nullable), array.nullable or t.containsNull


def _from_entries(values, n, call):
    lists = Lists.of(values[0])
    valid = lists.valid.copy()
    valid[lists.parent[lists.flat.is_null().to_numpy(zero_copy_only=False)]] = False   # a NULL entry: NULL map
    keys, items = _entries(lists)
    return build_map(lists.parent, keys, items, valid, target_type(call))


def _map_common(a, b):
    """The map type two maps widen to: keys only where no key's cast could give NULL."""
    key = wider_promoting_strings(a.keyType, b.keyType)
    if key is None or force_nullable(a.keyType, key) or force_nullable(b.keyType, key):
        return None
    value = wider_promoting_strings(a.valueType, b.valueType)
    return None if value is None else T.MapType(key, value, a.valueContainsNull or b.valueContainsNull)


def _resolve_map_concat(args):
    sql = call_sql("map_concat", args)
    types = [a.data_type for a in args]
    if not all(isinstance(t, T.MapType) for t in types):
        raise AnalysisException(errorClass="DATATYPE_MISMATCH.MAP_CONCAT_DIFF_TYPES",
                                messageParameters={"sqlExpr": sql, "functionName": "`map_concat`",
                                                   "dataType": "[" + ", ".join(map(type_text, types)) + "]"})
    if not args:
        return [], T.MapType(T.StringType(), T.StringType(), False), False
    common = types[0]
    for t in types[1:]:
        common = _map_common(common, t)
        if common is None:
            raise AnalysisException(errorClass="DATATYPE_MISMATCH.DATA_DIFF_TYPES",
                                    messageParameters={"sqlExpr": sql, "functionName": "`map_concat`",
                                                       "dataType": "(" + " or ".join(map(type_text, types)) + ")"})
    coerced = [C.cast_to(a, T.MapType(common.keyType, common.valueType, a.data_type.valueContainsNull)) for a in args]
    return coerced, common, any(a.nullable for a in args)


def _map_concat(values, n, call):
    maps = [Lists.of(v) for v in values]
    valid = np.logical_and.reduce([m.valid for m in maps]) if maps else np.ones(n, bool)
    target = target_type(call)
    parents, keys, items = [np.zeros(0, np.int64)], [pa.array([], target.key_type)], [pa.array([], target.item_type)]
    for m in maps:
        entry_keys, entry_items = _entries(m)
        parents.append(m.parent)
        keys.append(as_type(entry_keys, target.key_type))
        items.append(as_type(entry_items, target.item_type))
    parent, (keys, items) = merge_rows(parents, keys, items)
    return build_map(parent, keys, items, valid, target)


def _resolve_contains_key(args):
    arity("map_contains_key", args, 2)
    sql = call_sql("map_contains_key", args)
    m, key = args
    t = m.data_type
    wide = C.wider_type(t.keyType, key.data_type) if isinstance(t, T.MapType) else None
    if wide is None:
        raise AnalysisException(errorClass="DATATYPE_MISMATCH.MAP_FUNCTION_DIFF_TYPES",
                                messageParameters={"sqlExpr": sql, "functionName": "`map_contains_key`",
                                                   "dataType": '"MAP"', "leftType": type_text(t),
                                                   "rightType": type_text(key.data_type)})
    no_null_type("map_contains_key", sql, key)
    m = C.cast_to(m, T.MapType(wide, t.valueType, t.valueContainsNull))
    # Spark rewrites it to array_contains(map_keys(m), key), whose result it always calls nullable
    return [m, C.cast_to(key, wide)], T.BooleanType(), True


def _contains_key(values, n, call):
    lists, key = Lists.of(values[0]), values[1]
    codes, key_codes = joint_codes(_entries(lists)[0], key)
    found = any_per_row(lists.parent, codes == key_codes[lists.parent], n)
    return pa.array(found, mask=null_mask(lists.valid & key.is_valid().to_numpy(zero_copy_only=False)))


for _name in ("map_keys", "map_values", "map_entries"):
    register(FunctionSpec(_name, _map_part_resolver(_name), _map_part(_name[4:])))
register(FunctionSpec("map_from_arrays", _resolve_from_arrays, _from_arrays))
register(FunctionSpec("map_from_entries", _resolve_from_entries, _from_entries))
register(FunctionSpec("map_concat", _resolve_map_concat, _map_concat))
register(FunctionSpec("map_contains_key", _resolve_contains_key, _contains_key))


# -- str_to_map -----------------------------------------------------------------------------------

def _resolve_str_to_map(args):
    arity("str_to_map", args, 1, 2, 3)
    args = list(args) + [Literal(",", T.StringType()), Literal(":", T.StringType())][len(args) - 1:]
    sql = call_sql("str_to_map", args)
    strings = [cast_arg(sql, args, i, (T.StringType, T.CharType, T.VarcharType), T.StringType(), '"STRING"')
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
        pairs = Lists.of(_split(text.take(rows), pair, -1))
        halves = Lists.of(_split(pairs.flat, key, 2))
        parents.append(rows[pairs.parent])
        keys.append(halves.flat.take(halves.starts))
        items.append(take_elements(halves.flat, halves.starts + 1, halves.lengths < 2))
    parent, (keys, items) = merge_rows(parents, keys, items)
    return build_map(parent, keys, items, valid, target_type(call))


register(FunctionSpec("str_to_map", _resolve_str_to_map, _str_to_map))

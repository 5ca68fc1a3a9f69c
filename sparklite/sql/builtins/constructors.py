"""Values built from columns: ``array``, ``map``/``create_map``, ``struct``, ``named_struct``, and
``typeof``.

Spark's rules kept: an array's elements (a map's keys, its values) widen to one type; a NULL map
key raises ``NULL_MAP_KEY``; ``struct(a, b)`` names its fields after the columns (``col1``, ...
for anything that is not a column or an alias); the constructed value itself is never NULL.
"""
from __future__ import annotations

import numpy as np
import pyarrow as pa

from sparklite.sql import types as T
from sparklite.sql.builtins.registry import FunctionSpec, register
from sparklite.sql.errors import AnalysisException, SparkRuntimeException
from sparklite.sql.plan import coercion as C
from sparklite.sql.plan.expressions import Alias, AttributeReference, Call, Literal


def _common_type(args, function: str):
    if not args:
        return T.NullType()
    t = args[0].data_type
    for a in args[1:]:
        wide = C.wider_type(t, a.data_type)
        if wide is None:
            wide = _string_promotion(t, a.data_type)
        if wide is None:
            raise AnalysisException(
                errorClass="DATATYPE_MISMATCH.DATA_DIFF_TYPES",
                messageParameters={"sqlExpr": f'"{function}({", ".join(x.sql() for x in args)})"',
                                   "functionName": f"`{function}`",
                                   "dataType": "(" + ", ".join(f'"{x.data_type.simpleString().upper()}"'
                                                               for x in args) + ")"})
        t = wide
    return t


def _string_promotion(a, b):
    """ANSI: a string meeting an atomic type in an array or map takes that type."""
    if C.is_string(a) and isinstance(b, (T.NumericType, T.BooleanType, T.DateType, T.TimestampType)):
        return b
    if C.is_string(b) and isinstance(a, (T.NumericType, T.BooleanType, T.DateType, T.TimestampType)):
        return a
    return None


def _resolve_array(args):
    element = _common_type(args, "array")
    coerced = [C.cast_to(a, element) for a in args]
    contains_null = any(a.nullable for a in coerced) or isinstance(element, T.NullType)
    return coerced, T.ArrayType(element, contains_null), False


def _array_kernel(values, n, call):
    element_type = T.to_arrow_type(call.data_type.elementType)
    target = T.to_arrow_type(call.data_type)
    if not values:
        return pa.array([[]] * n, target)
    k = len(values)
    columns = [v.cast(element_type) if v.type != element_type else v for v in values]
    # interleave: row i's elements are values[0][i], values[1][i], ...
    flat_index = (np.arange(n)[:, None] + np.arange(k)[None, :] * n).reshape(-1)
    flat = pa.concat_arrays(columns).take(pa.array(flat_index))
    offsets = pa.array(np.arange(0, n * k + 1, k, dtype=np.int32))
    return pa.ListArray.from_arrays(offsets, flat, type=target)


register(FunctionSpec("array", _resolve_array, _array_kernel))


def _resolve_map(args):
    if len(args) % 2:
        raise AnalysisException(
            errorClass="WRONG_NUM_ARGS.WITHOUT_SUGGESTION",
            messageParameters={"functionName": "`map`", "expectedNum": "2n (n > 0)", "actualNum": str(len(args)),
                               "docroot": "https://spark.apache.org/docs/latest"})
    keys, values = args[0::2], args[1::2]
    key_type, value_type = _common_type(keys, "map"), _common_type(values, "map")
    coerced = []
    for k, v in zip(keys, values):
        coerced += [C.cast_to(k, key_type), C.cast_to(v, value_type)]
    return coerced, T.MapType(key_type, value_type, any(v.nullable for v in values)), False


def _map_kernel(values, n, call):
    target = T.to_arrow_type(call.data_type)
    if not values:
        return pa.array([[]] * n, target)
    keys, items = values[0::2], values[1::2]
    for k in keys:
        if k.null_count:
            raise SparkRuntimeException(errorClass="NULL_MAP_KEY", messageParameters={})
    k = len(keys)
    index = pa.array((np.arange(n)[:, None] + np.arange(k)[None, :] * n).reshape(-1))
    flat_keys = pa.concat_arrays([x.cast(target.key_type) for x in keys]).take(index)
    flat_items = pa.concat_arrays([x.cast(target.item_type) for x in items]).take(index)
    offsets = pa.array(np.arange(0, n * k + 1, k, dtype=np.int32))
    # Spark keeps the last value of a repeated key (spark.sql.mapKeyDedupPolicy=LAST_WIN is not the
    # default: EXCEPTION is); duplicates raise
    if k > 1:
        rows = flat_keys.to_pylist()
        for i in range(n):
            seen = rows[i * k:(i + 1) * k]
            if len(set(map(repr, seen))) != len(seen):
                duplicate = next(x for x in seen if seen.count(x) > 1)
                raise SparkRuntimeException(
                    errorClass="DUPLICATED_MAP_KEY",
                    messageParameters={"key": str(duplicate), "mapKeyDedupPolicy": '"spark.sql.mapKeyDedupPolicy"'})
    return pa.MapArray.from_arrays(offsets, flat_keys, flat_items, type=target)


register(FunctionSpec("map", _resolve_map, _map_kernel))
register(FunctionSpec("create_map", _resolve_map, _map_kernel))


def _field_name(arg, position: int) -> str:
    if isinstance(arg, Alias):
        return arg.name
    if isinstance(arg, AttributeReference):
        return arg.name
    if isinstance(arg, Call) and arg.spec.name == "__struct_field":
        return arg.options["name"]
    return f"col{position + 1}"


def _resolve_struct(args):
    fields = [T.StructField(_field_name(a, i), a.data_type, a.nullable) for i, a in enumerate(args)]
    return list(args), T.StructType(fields), False


def _struct_kernel(values, n, call):
    target = T.to_arrow_type(call.data_type)
    if not values:
        return pa.array([{}] * n, target)
    columns = [v.cast(f.type) if v.type != f.type else v for v, f in zip(values, target)]
    return pa.StructArray.from_arrays(columns, fields=list(target))


register(FunctionSpec("struct", _resolve_struct, _struct_kernel))


def _resolve_named_struct(args):
    if len(args) % 2:
        raise AnalysisException(
            errorClass="WRONG_NUM_ARGS.WITHOUT_SUGGESTION",
            messageParameters={"functionName": "`named_struct`", "expectedNum": "2n (n > 0)",
                               "actualNum": str(len(args)), "docroot": "https://spark.apache.org/docs/latest"})
    names, values = args[0::2], args[1::2]
    for name in names:
        if not (isinstance(name, Literal) and isinstance(name.value, str)):
            raise AnalysisException(
                errorClass="DATATYPE_MISMATCH.CREATE_NAMED_STRUCT_WITHOUT_FOLDABLE_STRING",
                messageParameters={"sqlExpr": f'"named_struct({", ".join(a.sql() for a in args)})"',
                                   "inputExprs": f'[{name.sql()}]'})
    fields = [T.StructField(n.value, v.data_type, v.nullable) for n, v in zip(names, values)]
    return list(args), T.StructType(fields), False


def _named_struct_kernel(values, n, call):
    return _struct_kernel(values[1::2], n, call)


register(FunctionSpec("named_struct", _resolve_named_struct, _named_struct_kernel))


def _resolve_typeof(args):
    (arg,) = args
    return [Literal(arg.data_type.simpleString(), T.StringType())], T.StringType(), False, {"arg_sql": arg.sql()}


register(FunctionSpec("typeof", _resolve_typeof, lambda values, n, call: values[0],
                      render=lambda a, c: f"typeof({c.options['arg_sql']})"))


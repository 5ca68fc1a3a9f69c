"""Taking values out of nested ones: struct fields (``s.f``, ``getField``), array elements
(``a[i]``, 0-based; ``element_at`` is 1-based) and map values (``m[k]``, ``getItem``).

Spark's ANSI rules: ``a[i]`` past the end raises ``INVALID_ARRAY_INDEX`` (``try_element_at`` and
``get`` give NULL); a missing map key gives NULL; an unknown struct field is an analysis error.
"""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sparklite.sql import types as T
from sparklite.sql.builtins.registry import FunctionSpec, register
from sparklite.sql.errors import AnalysisException, ArrayIndexOutOfBoundsException
from sparklite.sql.plan import coercion as C
from sparklite.sql.plan.expressions import Call, Expression, Literal


def _struct_field_kernel(values, n, call):
    (struct,) = values
    index = call.options["index"]
    if isinstance(struct, pa.Scalar):
        return struct.values[index] if struct.is_valid else pa.scalar(None, struct.type.field(index).type)
    field = pc.struct_field(struct, [index])
    return field if not struct.null_count else pc.if_else(pc.is_valid(struct), field, pa.scalar(None, field.type))


_STRUCT_FIELD = register(FunctionSpec("__struct_field", lambda args: (args, None, True), _struct_field_kernel,
                                      render=lambda a, c: f"{a[0]}.{c.options['name']}"))


def struct_field(struct: Expression, index: int) -> Call:
    field = struct.data_type.fields[index]
    return Call(_STRUCT_FIELD, [struct], field.dataType, struct.nullable or field.nullable,
                {"index": index, "name": field.name})


def field_by_name(struct: Expression, name: str, case_sensitive: bool = False) -> Call:
    t = struct.data_type
    if not isinstance(t, T.StructType):
        raise AnalysisException(
            errorClass="INVALID_EXTRACT_BASE_FIELD_TYPE",
            messageParameters={"base": f'"{struct.sql()}"', "other": f'"{t.simpleString().upper()}"'})
    matches = [i for i, f in enumerate(t.fields) if (f.name == name if case_sensitive else f.name.lower() == name.lower())]
    if not matches:
        raise AnalysisException(
            errorClass="FIELD_NOT_FOUND",
            messageParameters={"fieldName": f"`{name}`", "fields": ", ".join(f"`{f.name}`" for f in t.fields)})
    if len(matches) > 1:
        raise AnalysisException(errorClass="AMBIGUOUS_REFERENCE_TO_FIELDS",
                                messageParameters={"field": f"`{name}`", "count": str(len(matches))})
    return struct_field(struct, matches[0])


def _element(values, n: int, zero_based: bool, raising: bool):
    array, index = values
    if isinstance(array, pa.Scalar):
        array = pa.array([array.as_py()], array.type)
        array = pa.repeat(array[0], n) if n != 1 else array
    lengths = pc.list_value_length(array).to_numpy(zero_copy_only=False).astype(np.int64)
    if isinstance(index, pa.Scalar):
        idx = np.full(len(array), index.as_py() if index.is_valid else 0, dtype=np.int64)
        index_null = np.full(len(array), not index.is_valid)
    else:
        idx = index.cast(pa.int64()).fill_null(0).to_numpy(zero_copy_only=False)
        index_null = index.is_null().to_numpy(zero_copy_only=False)
    if not zero_based:
        if raising and ((idx == 0) & ~index_null).any():
            raise ArrayIndexOutOfBoundsException(errorClass="INVALID_INDEX_OF_ZERO", messageParameters={})
        position = np.where(idx > 0, idx - 1, lengths + idx)
    else:
        position = idx
    array_null = array.is_null().to_numpy(zero_copy_only=False)
    outside = ((position < 0) | (position >= lengths)) & ~array_null & ~index_null
    if raising and outside.any():
        bad = int(idx[np.flatnonzero(outside)[0]])
        size = int(lengths[np.flatnonzero(outside)[0]])
        condition = "INVALID_ARRAY_INDEX" if zero_based else "INVALID_ARRAY_INDEX_IN_ELEMENT_AT"
        raise ArrayIndexOutOfBoundsException(
            errorClass=condition,
            messageParameters={"indexValue": str(bad), "arraySize": str(size),
                               "ansiConfig": '"spark.sql.ansi.enabled"'})
    offsets = array.offsets.to_numpy(zero_copy_only=False)[:len(array)]
    flat_index = offsets + np.clip(position, 0, None)
    missing = outside | array_null | index_null | (position < 0) | (position >= lengths)
    take = pa.array(np.where(missing, 0, flat_index), mask=missing)
    values_flat = array.values
    if len(values_flat) == 0:
        return pa.nulls(len(array), values_flat.type)
    return values_flat.take(take)


def _map_value(values, n):
    mapping, key = values
    if isinstance(mapping, pa.Scalar):
        mapping = pa.repeat(mapping, n)
    keys = key if not isinstance(key, pa.Scalar) else pa.repeat(key, n)
    out = []
    for m, k in zip(mapping.to_pylist(), keys.to_pylist()):
        if m is None or k is None:
            out.append(None)
            continue
        out.append(next((v for mk, v in m if mk == k), None))
    return pa.array(out, mapping.type.item_type)


def _resolve_get_item(args, raising_index: bool):
    base, key = args
    t = base.data_type
    if isinstance(t, T.ArrayType):
        if not C.is_integral(key.data_type):
            key = C.cast_to(key, T.IntegerType())
        return [base, key], t.elementType, True
    if isinstance(t, T.MapType):
        return [base, C.cast_to(key, t.keyType)], t.valueType, True
    raise AnalysisException(errorClass="INVALID_EXTRACT_BASE_FIELD_TYPE",
                            messageParameters={"base": f'"{base.sql()}"', "other": f'"{t.simpleString().upper()}"'})


def _get_item_kernel(raising: bool, zero_based: bool):
    def kernel(values, n, call):
        base_type = call.children[0].data_type
        if isinstance(base_type, T.MapType):
            return _map_value(values, n)
        return _element(values, n, zero_based, raising)
    return kernel


_GET_ITEM = register(FunctionSpec("__get_item", lambda args: _resolve_get_item(args, True),
                                  _get_item_kernel(True, True), render=lambda a, c: f"{a[0]}[{a[1]}]"))
register(FunctionSpec("element_at", lambda args: _resolve_get_item(args, True), _get_item_kernel(True, False)))
register(FunctionSpec("try_element_at", lambda args: _resolve_get_item(args, False), _get_item_kernel(False, False)))
register(FunctionSpec("get", lambda args: _resolve_get_item(args, False), _get_item_kernel(False, True)))


def resolve_extract(base: Expression, key: Expression) -> Expression:
    """``base[key]``: a struct field by name, an array element (0-based) or a map value."""
    t = base.data_type
    if isinstance(t, T.StructType):
        if not (isinstance(key, Literal) and isinstance(key.value, str)):
            raise AnalysisException(errorClass="INVALID_EXTRACT_FIELD_TYPE",
                                    messageParameters={"extraction": f'"{key.sql()}"'})
        return field_by_name(base, key.value)
    args, data_type, nullable = _resolve_get_item([base, key], True)
    return Call(_GET_ITEM, args, data_type, nullable)

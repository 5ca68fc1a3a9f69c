"""Generators: functions that turn one row into many (``explode``, ``explode_outer``, ``posexplode``,
``posexplode_outer``, ``inline``, ``inline_outer``, ``stack``).

Contract: a generator's ``FunctionSpec`` has ``options["generator"]`` = ``(outputs, generate)``:
``outputs(call)`` lists the (name, type, nullable) of the columns it adds (``col``; ``key``,
``value`` for a map; ``pos`` first for the pos- forms) and ``generate(values, n, call)`` returns
``(parent, columns)`` — for every output row the index of the input row it came from (an array, or
a function giving it, called only when the input's columns are wanted), and the new columns. An ``_outer`` form keeps a row whose array or map is NULL or empty, with NULLs.
"""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sparklite.sql import types as T
from sparklite.sql.builtins.registry import FunctionSpec, register
from sparklite.sql.errors import AnalysisException


def _collection_outputs(with_position: bool, outer: bool):
    def outputs(call):
        t = call.children[0].data_type
        cols = [("pos", T.IntegerType(), False)] if with_position else []
        if isinstance(t, T.MapType):
            cols += [("key", t.keyType, False), ("value", t.valueType, t.valueContainsNull)]
        else:
            cols.append(("col", t.elementType, t.containsNull))
        # an _outer form pads a missing collection with a NULL row, so every column it adds may be NULL
        return [(name, data_type, nullable or outer) for name, data_type, nullable in cols]
    return outputs


def _explode(with_position: bool, outer: bool):
    def generate(values, n, call):
        collection = values[0]
        if not outer and not with_position and collection.null_count == 0 and \
                pa.types.is_list(collection.type) and not isinstance(collection, pa.MapArray):
            # every element of every list, in order, and the row each came from: Arrow does both
            return (lambda: pc.list_parent_indices(collection)), [pc.list_flatten(collection)]
        offsets_all = collection.offsets.to_numpy(zero_copy_only=False).astype(np.int64)
        lengths = np.diff(offsets_all)[:n] if n else np.zeros(0, np.int64)
        lengths = np.where(collection.is_null().to_numpy(zero_copy_only=False), 0, lengths)
        counts = np.maximum(lengths, 1) if outer else lengths
        parent = np.repeat(np.arange(n, dtype=np.int64), counts)
        # position of each output row within its input row's collection
        starts = np.repeat(np.cumsum(counts) - counts, counts)
        position = np.arange(len(parent), dtype=np.int64) - starts
        present = position < np.repeat(lengths, counts)
        source = np.repeat(offsets_all[:n], counts) + position
        index = pa.array(np.where(present, source, 0), mask=~present)
        columns = [pa.array(position.astype(np.int32), mask=~present)] if with_position else []
        if isinstance(collection, pa.MapArray):
            # a map's keys and items are indexed by its offsets as they are (not re-based by a slice)
            columns += [collection.keys.take(index), collection.items.take(index)]
        else:
            flat = collection.values
            columns.append(flat.take(index) if len(flat) else pa.nulls(len(parent), flat.type))
        return parent, columns
    return generate


def _resolve_collection(name: str):
    def resolve(args):
        if len(args) != 1:
            raise AnalysisException(errorClass="WRONG_NUM_ARGS.WITHOUT_SUGGESTION",
                                    messageParameters={"functionName": f"`{name}`", "expectedNum": "1",
                                                       "actualNum": str(len(args)),
                                                       "docroot": "https://spark.apache.org/docs/latest"})
        t = args[0].data_type
        if not isinstance(t, (T.ArrayType, T.MapType)):
            raise AnalysisException(
                errorClass="DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE",
                messageParameters={"sqlExpr": f'"{name}({args[0].sql()})"', "paramIndex": "first",
                                   "requiredType": '("ARRAY" or "MAP")', "inputSql": f'"{args[0].sql()}"',
                                   "inputType": f'"{t.simpleString().upper()}"'})
        return list(args), T.NullType(), True
    return resolve


for _name, _pos, _outer in [("explode", False, False), ("explode_outer", False, True),
                            ("posexplode", True, False), ("posexplode_outer", True, True)]:
    register(FunctionSpec(_name, _resolve_collection(_name),
                          options={"generator": (_collection_outputs(_pos, _outer), _explode(_pos, _outer))}))


def _inline_outputs(call):
    element = call.children[0].data_type.elementType
    return [(f.name, f.dataType, True) for f in element.fields]


def _inline(outer: bool):
    explode = _explode(False, outer)

    def generate(values, n, call):
        parent, (structs,) = explode(values, n, call)
        fields = [structs.field(i) for i in range(structs.type.num_fields)]
        if structs.null_count:
            fields = [pc.if_else(pc.is_valid(structs), f, pa.scalar(None, f.type)) for f in fields]
        return parent, fields
    return generate


def _resolve_inline(name: str):
    def resolve(args):
        t = args[0].data_type if args else None
        if not (isinstance(t, T.ArrayType) and isinstance(t.elementType, T.StructType)):
            raise AnalysisException(
                errorClass="DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE",
                messageParameters={"sqlExpr": f'"{name}({", ".join(a.sql() for a in args)})"',
                                   "paramIndex": "first", "requiredType": '"ARRAY<STRUCT>"',
                                   "inputSql": f'"{args[0].sql() if args else ""}"',
                                   "inputType": f'"{t.simpleString().upper() if t else ""}"'})
        return list(args), T.NullType(), True
    return resolve


register(FunctionSpec("inline", _resolve_inline("inline"), options={"generator": (_inline_outputs, _inline(False))}))
register(FunctionSpec("inline_outer", _resolve_inline("inline_outer"),
                      options={"generator": (_inline_outputs, _inline(True))}))


def _stack_outputs(call):
    rows = call.options["rows"]
    values = call.children[1:]
    width = -(-len(values) // rows)
    out = []
    for c in range(width):
        column = [values[r * width + c] for r in range(rows) if r * width + c < len(values)]
        out.append((f"col{c}", column[0].data_type, True))
    return out


def _stack_generate(values, n, call):
    rows = call.options["rows"]
    data = values[1:]
    width = -(-len(data) // rows)
    parent = np.repeat(np.arange(n, dtype=np.int64), rows)
    columns = []
    for c in range(width):
        pieces = []
        for r in range(rows):
            i = r * width + c
            pieces.append(data[i] if i < len(data) else pa.nulls(n, data[c].type))
        stacked = pa.concat_arrays([p.cast(pieces[0].type) for p in pieces])
        order = (np.arange(n)[:, None] + np.arange(rows)[None, :] * n).reshape(-1)
        columns.append(stacked.take(pa.array(order)))
    return parent, columns


def _resolve_stack(args):
    from sparklite.sql.plan.expressions import Literal
    from sparklite.sql.plan.coercion import cast_to, wider_type
    if not args or not (isinstance(args[0], Literal) and isinstance(args[0].value, int)) or args[0].value < 1:
        raise AnalysisException(errorClass="DATATYPE_MISMATCH.NON_FOLDABLE_INPUT",
                                messageParameters={"sqlExpr": '"stack"', "inputName": "`n`", "inputType": '"INT"',
                                                   "inputExpr": f'"{args[0].sql() if args else ""}"'})
    rows = args[0].value
    data = list(args[1:])
    width = -(-len(data) // rows)
    for c in range(width):
        column = [r * width + c for r in range(rows) if r * width + c < len(data)]
        t = data[column[0]].data_type
        for i in column[1:]:
            t = wider_type(t, data[i].data_type) or t
        for i in column:
            data[i] = cast_to(data[i], t)
    return [args[0]] + data, T.NullType(), True, {"rows": rows}


register(FunctionSpec("stack", _resolve_stack, options={"generator": (_stack_outputs, _stack_generate)}))


def is_generator(call) -> bool:
    return getattr(call, "spec", None) is not None and "generator" in call.spec.options


def _replicate(values, n, call):
    counts = values[0].fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
    return np.repeat(np.arange(n, dtype=np.int64), np.maximum(counts, 0)), []


# EXCEPT ALL / INTERSECT ALL: each row as many times as its count (Spark's ReplicateRows)
register(FunctionSpec("__replicate_rows", lambda args: (list(args), T.NullType(), True),
                      options={"generator": (lambda call: [], _replicate)}))

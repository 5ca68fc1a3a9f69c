"""Higher-order functions: ``transform``, ``filter``, ``exists``, ``forall``, ``aggregate`` (``reduce``),
``zip_with`` and ``array_sort`` with a comparator, whose lambdas run on every element of an array, and
``map_filter``, ``transform_keys``, ``transform_values`` and ``map_zip_with``, whose lambdas run on every
entry of a map.

Contract: each spec's ``options["lambda_variables"](args, i)`` tells the analyzer, from the arguments
before it, the variables the lambda at argument ``i`` may take: ``{count: [(type, nullable), ...]}``.
The kernels are lazy: a lambda's body is evaluated once per batch on all the elements of all the rows,
flattened (``aggregate`` folds: once per element position, on the rows that have one). A body reads
its variables and the columns of its row, which are taken by each element's row index.

Spark's rules kept: a map built by ``transform_keys`` refuses a NULL key (``NULL_MAP_KEY``) and a
repeated one (``DUPLICATED_MAP_KEY``, the EXCEPTION ``mapKeyDedupPolicy``); ``map_zip_with`` gives the
first map's keys in order, then the second's that the first lacks, a missing side's value NULL;
``array_sort``'s comparator sorts stably and may not return NULL (``COMPARATOR_RETURNS_NULL``). The
one-argument ``array_sort`` is ``sparklite.sql.builtins.collections``' spec, which this one wraps.
"""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sparklite.sql import types as T
from sparklite.sql.builtins.listkit import Lists, check_map_key, element_codes, positions_within
from sparklite.sql.builtins.maps import build_map
from sparklite.sql.builtins.registry import FunctionSpec, lookup, register
from sparklite.sql.errors import AnalysisException, SparkRuntimeException
from sparklite.sql.plan.coercion import wider_type
from sparklite.sql.plan.expressions import BoundReference, LambdaFunction, NamedLambdaVariable

_INT = T.IntegerType()
_DOCROOT = "https://spark.apache.org/docs/latest"


def _typed_arg(name: str, args, i: int, kind, required: str):
    """Argument ``i``'s type, which must be a ``kind`` (Spark's UNEXPECTED_INPUT_TYPE otherwise)."""
    t = args[i].data_type
    if not isinstance(t, kind):
        raise AnalysisException(
            errorClass="DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE",
            messageParameters={"sqlExpr": f'"{name}({", ".join(a.sql() for a in args)})"',
                               "paramIndex": _ordinal(i), "inputSql": f'"{args[i].sql()}"',
                               "inputType": f'"{t.simpleString().upper()}"', "requiredType": f'"{required}"'})
    return t


def _array_arg(name: str, args, i: int = 0) -> T.ArrayType:
    return _typed_arg(name, args, i, T.ArrayType, "ARRAY")


def _ordinal(i: int) -> str:
    return ["first", "second", "third", "fourth"][i]


def _element(args, i: int = 0) -> tuple:
    t = args[i].data_type
    return (t.elementType, t.containsNull) if isinstance(t, T.ArrayType) else (T.NullType(), True)


def _lambda(args, i: int) -> LambdaFunction:
    return args[i]


def _as_array(value, n: int) -> pa.Array:
    if isinstance(value, pa.Scalar):
        return pa.repeat(value, n) if value.is_valid else pa.nulls(n, value.type)
    return value.combine_chunks() if isinstance(value, pa.ChunkedArray) else value


def _apply(function: LambdaFunction, batch: pa.RecordBatch, rows: np.ndarray, values: list, evaluate) -> pa.Array:
    """The lambda's body on ``len(rows)`` inputs: variable k takes ``values[k]``, and the columns of the
    enclosing row are those of row ``rows[j]`` of ``batch``."""
    m = len(rows)
    used = {node.ordinal for node in function.body.walk() if isinstance(node, BoundReference)}
    index = pa.array(rows, pa.int64())
    columns = [batch.column(i).take(index) if i in used else pa.nulls(m, batch.schema.field(i).type)
               for i in range(batch.num_columns)]
    ordinals = {v.expr_id: batch.num_columns + k for k, v in enumerate(function.arguments)}

    def bound(node):
        if isinstance(node, NamedLambdaVariable) and node.expr_id in ordinals:
            return BoundReference(ordinals[node.expr_id], node.data_type, node.nullable)
        return node
    body = function.body.transform_up(bound)
    arrays = columns + [_as_array(v, m) for v in values]
    extended = pa.RecordBatch.from_arrays(arrays, names=[f"c{i}" for i in range(len(arrays))])
    return _as_array(evaluate(body, extended), m)


def _elements(array: pa.Array):
    """(every element of the non-NULL arrays in order, the row of each, each row's element count)."""
    lengths = pc.list_value_length(array).fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
    rows = np.repeat(np.arange(len(array), dtype=np.int64), lengths)
    return pc.list_flatten(array), rows, lengths


def _positions(lengths: np.ndarray) -> np.ndarray:
    starts = np.cumsum(lengths) - lengths
    return np.arange(int(lengths.sum()), dtype=np.int64) - np.repeat(starts, lengths)


def _rebuilt(nulls: np.ndarray | None, lengths: np.ndarray, values: pa.Array, element_type) -> pa.Array:
    """Arrays of ``lengths`` elements taken in order from ``values``; NULL where ``nulls``."""
    offsets = np.zeros(len(lengths) + 1, dtype=np.int32)
    np.cumsum(lengths, out=offsets[1:])
    list_type = pa.list_(T.to_arrow_type(T.ArrayType(element_type)).value_field)
    return pa.ListArray.from_arrays(pa.array(offsets), values.cast(list_type.value_type), type=list_type,
                                    mask=pa.array(nulls) if nulls is not None and nulls.any() else None)


def _nulls(array: pa.Array) -> np.ndarray | None:
    return array.is_null().to_numpy(zero_copy_only=False) if array.null_count else None


# -- transform / filter -------------------------------------------------------------------------

def _element_and_index(args, i):
    element = _element(args)
    return {1: [element], 2: [element, (_INT, False)]}


def _resolve_transform(args):
    _array_arg("transform", args)
    body = _lambda(args, 1)
    return list(args), T.ArrayType(body.data_type, body.nullable), args[0].nullable


def _transform(call, batch, evaluate):
    array = _as_array(evaluate(call.children[0], batch), batch.num_rows)
    function = call.children[1]
    flat, rows, lengths = _elements(array)
    values = [flat, pa.array(_positions(lengths).astype(np.int32))][:len(function.arguments)]
    result = _apply(function, batch, rows, values, evaluate)
    return _rebuilt(_nulls(array), lengths, result, call.data_type.elementType)


def _resolve_filter(args):
    _array_arg("filter", args)
    _check_boolean("filter", args, 1)
    return list(args), args[0].data_type, args[0].nullable


def _check_boolean(name, args, i):
    t = args[i].data_type
    if not isinstance(t, (T.BooleanType, T.NullType)):
        raise AnalysisException(
            errorClass="DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE",
            messageParameters={"sqlExpr": f'"{name}({", ".join(a.sql() for a in args)})"',
                               "paramIndex": _ordinal(i), "inputSql": f'"{args[i].sql()}"',
                               "inputType": f'"{t.simpleString().upper()}"', "requiredType": '"BOOLEAN"'})


def _filter(call, batch, evaluate):
    array = _as_array(evaluate(call.children[0], batch), batch.num_rows)
    function = call.children[1]
    flat, rows, lengths = _elements(array)
    values = [flat, pa.array(_positions(lengths).astype(np.int32))][:len(function.arguments)]
    keep = pc.fill_null(_apply(function, batch, rows, values, evaluate).cast(pa.bool_()), False)
    kept = keep.to_numpy(zero_copy_only=False)
    new_lengths = np.bincount(rows[kept], minlength=len(array)).astype(np.int64) if len(rows) else lengths
    return _rebuilt(_nulls(array), new_lengths, flat.filter(keep), call.data_type.elementType)


# -- exists / forall ----------------------------------------------------------------------------

def _resolve_predicate(name):
    def resolve(args):
        _array_arg(name, args)
        _check_boolean(name, args, 1)
        return list(args), T.BooleanType(), args[0].nullable or args[1].nullable
    return resolve


def _quantifier(wanted: bool):
    """exists (``wanted`` True): true when some element gives true, else NULL when one gives NULL, else
    false; forall: false when some element gives false, else NULL when one gives NULL, else true."""
    def kernel(call, batch, evaluate):
        array = _as_array(evaluate(call.children[0], batch), batch.num_rows)
        flat, rows, _ = _elements(array)
        outcome = _apply(call.children[1], batch, rows, [flat], evaluate).cast(pa.bool_())
        n = len(array)
        hits = outcome.fill_null(not wanted).to_numpy(zero_copy_only=False) == wanted
        nulls = outcome.is_null().to_numpy(zero_copy_only=False)
        decided = np.bincount(rows[hits], minlength=n) > 0
        unknown = (np.bincount(rows[nulls], minlength=n) > 0) & ~decided
        result = np.where(decided, wanted, not wanted)
        mask = unknown | array.is_null().to_numpy(zero_copy_only=False)
        return pa.array(result, pa.bool_(), mask=mask)
    return kernel


# -- aggregate ----------------------------------------------------------------------------------

def _aggregate_variables(args, i):
    zero = args[1]
    if i == 2:
        return {2: [(zero.data_type, True), _element(args)]}
    merge = args[2]
    return {1: [(merge.data_type if isinstance(merge, LambdaFunction) else zero.data_type, True)]}


def _resolve_aggregate(args):
    if len(args) not in (3, 4):
        raise AnalysisException(errorClass="WRONG_NUM_ARGS.WITHOUT_SUGGESTION",
                                messageParameters={"functionName": "`aggregate`", "expectedNum": "[3, 4]",
                                                   "actualNum": str(len(args)), "docroot": _DOCROOT})
    _array_arg("aggregate", args)
    zero, merge = args[1], args[2]
    if merge.data_type != zero.data_type:
        raise AnalysisException(
            errorClass="DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE",
            messageParameters={"sqlExpr": f'"aggregate({", ".join(a.sql() for a in args)})"',
                               "paramIndex": "third", "inputSql": f'"{merge.sql()}"',
                               "inputType": f'"{merge.data_type.simpleString().upper()}"',
                               "requiredType": f'"{zero.data_type.simpleString().upper()}"'})
    args = list(args)
    if len(args) == 3:            # Spark's default finish: the identity, which shows in the name
        accumulator = NamedLambdaVariable("acc", merge.data_type, True)
        args.append(LambdaFunction(accumulator, [accumulator]))
    return args, args[3].data_type, True


def _aggregate(call, batch, evaluate):
    n = batch.num_rows
    array = _as_array(evaluate(call.children[0], batch), n)
    accumulator = _as_array(evaluate(call.children[1], batch), n).cast(T.to_arrow_type(call.children[1].data_type))
    merge = call.children[2]
    flat, _, lengths = _elements(array)
    starts = np.cumsum(lengths) - lengths
    for k in range(int(lengths.max(initial=0))):
        active = np.flatnonzero(lengths > k)
        element = flat.take(pa.array(starts[active] + k))
        merged = _apply(merge, batch, active, [accumulator.take(pa.array(active)), element], evaluate)
        # scatter the merged values of the active rows back into the accumulator
        position = np.full(n, -1, dtype=np.int64)
        position[active] = np.arange(len(active))
        combined = pa.chunked_array([accumulator, merged.cast(accumulator.type)]).combine_chunks()
        index = np.where(position >= 0, n + position, np.arange(n))
        accumulator = combined.take(pa.array(index))
    finish = call.children[3]
    if not (isinstance(finish.body, NamedLambdaVariable) and finish.body.expr_id == finish.arguments[0].expr_id):
        accumulator = _apply(call.children[3], batch, np.arange(n, dtype=np.int64), [accumulator], evaluate)
    if array.null_count:
        accumulator = pc.if_else(array.is_null(), pa.scalar(None, accumulator.type), accumulator)
    return accumulator.cast(T.to_arrow_type(call.data_type))


# -- zip_with -----------------------------------------------------------------------------------

def _zip_variables(args, i):
    return {2: [(_element(args, 0)[0], True), (_element(args, 1)[0], True)]}


def _resolve_zip_with(args):
    _array_arg("zip_with", args, 0)
    _array_arg("zip_with", args, 1)
    body = args[2]
    return list(args), T.ArrayType(body.data_type, body.nullable), args[0].nullable or args[1].nullable


def _zip_with(call, batch, evaluate):
    n = batch.num_rows
    left = _as_array(evaluate(call.children[0], batch), n)
    right = _as_array(evaluate(call.children[1], batch), n)
    left_flat, _, left_lengths = _elements(left)
    right_flat, _, right_lengths = _elements(right)
    lengths = np.maximum(left_lengths, right_lengths)
    null_rows = (left.is_null().to_numpy(zero_copy_only=False) | right.is_null().to_numpy(zero_copy_only=False))
    lengths = np.where(null_rows, 0, lengths)
    rows = np.repeat(np.arange(n, dtype=np.int64), lengths)
    position = _positions(lengths)

    def padded(flat, own_lengths):
        starts = np.cumsum(own_lengths) - own_lengths
        present = position < own_lengths[rows]
        index = np.where(present, starts[rows] + position, 0)
        return flat.take(pa.array(index, mask=~present)) if len(flat) else pa.nulls(len(rows), flat.type)
    result = _apply(call.children[2], batch, rows, [padded(left_flat, left_lengths),
                                                    padded(right_flat, right_lengths)], evaluate)
    return _rebuilt(null_rows, lengths, result, call.data_type.elementType)


# -- map_filter / transform_keys / transform_values ----------------------------------------------

def _map_arg(name: str, args, i: int = 0) -> T.MapType:
    return _typed_arg(name, args, i, T.MapType, "MAP")


def _key_and_value(args, i):
    t = args[0].data_type
    if not isinstance(t, T.MapType):
        return {2: [(T.NullType(), True), (T.NullType(), True)]}
    return {2: [(t.keyType, False), (t.valueType, t.valueContainsNull)]}


def _entries(array: pa.Array):
    """(the keys and the values of every entry of the non-NULL maps in order, the row of each entry,
    each row's entry count)."""
    lists = Lists.of(array)
    keys, items = lists.flat.flatten()
    return keys, items, lists.parent.astype(np.int64), lists.lengths


def _map_of(nulls: np.ndarray | None, lengths: np.ndarray, keys: pa.Array, items: pa.Array, map_type) -> pa.Array:
    """Maps of ``lengths`` entries taken in order from ``keys`` and ``items``; NULL where ``nulls``."""
    offsets = np.zeros(len(lengths) + 1, dtype=np.int32)
    np.cumsum(lengths, out=offsets[1:])
    arrow_type = T.to_arrow_type(map_type)
    mask = pa.array(nulls) if nulls is not None and nulls.any() else None
    return pa.MapArray.from_arrays(pa.array(offsets), keys.cast(arrow_type.key_type),
                                   items.cast(arrow_type.item_type), type=arrow_type, mask=mask)


def _resolve_map_filter(args):
    _map_arg("map_filter", args)
    _check_boolean("map_filter", args, 1)
    return list(args), args[0].data_type, args[0].nullable


def _map_filter(call, batch, evaluate):
    array = _as_array(evaluate(call.children[0], batch), batch.num_rows)
    keys, items, rows, _ = _entries(array)
    keep = pc.fill_null(_apply(call.children[1], batch, rows, [keys, items], evaluate).cast(pa.bool_()), False)
    kept = keep.to_numpy(zero_copy_only=False)
    new_lengths = np.bincount(rows[kept], minlength=len(array)).astype(np.int64)
    return _map_of(_nulls(array), new_lengths, keys.filter(keep), items.filter(keep), call.data_type)


def _resolve_transform_keys(args):
    t = _map_arg("transform_keys", args)
    body = args[1]
    check_map_key(f'"transform_keys({", ".join(a.sql() for a in args)})"', body.data_type)
    return list(args), T.MapType(body.data_type, t.valueType, t.valueContainsNull), args[0].nullable


def _transform_keys(call, batch, evaluate):
    array = _as_array(evaluate(call.children[0], batch), batch.num_rows)
    keys, items, rows, _ = _entries(array)
    new_keys = _apply(call.children[1], batch, rows, [keys, items], evaluate)
    valid = array.is_valid().to_numpy(zero_copy_only=False)
    return build_map(rows, new_keys, items, valid, T.to_arrow_type(call.data_type))


def _resolve_transform_values(args):
    t = _map_arg("transform_values", args)
    body = args[1]
    return list(args), T.MapType(t.keyType, body.data_type, body.nullable), args[0].nullable


def _transform_values(call, batch, evaluate):
    array = _as_array(evaluate(call.children[0], batch), batch.num_rows)
    keys, items, rows, lengths = _entries(array)
    new_items = _apply(call.children[1], batch, rows, [keys, items], evaluate)
    return _map_of(_nulls(array), lengths, keys, new_items, call.data_type)


# -- map_zip_with ---------------------------------------------------------------------------------

def _common_key(args):
    """The key type both maps are cast to, or None when they have none (or are not both maps)."""
    a, b = args[0].data_type, args[1].data_type
    if not (isinstance(a, T.MapType) and isinstance(b, T.MapType)):
        return None
    return wider_type(a.keyType, b.keyType)


def _map_zip_variables(args, i):
    a, b = args[0].data_type, args[1].data_type
    key = _common_key(args) or T.NullType()
    return {3: [(key, False), (a.valueType if isinstance(a, T.MapType) else T.NullType(), True),
                (b.valueType if isinstance(b, T.MapType) else T.NullType(), True)]}


def _resolve_map_zip_with(args):
    left, right = _map_arg("map_zip_with", args, 0), _map_arg("map_zip_with", args, 1)
    key = _common_key(args)
    if key is None:
        raise AnalysisException(
            errorClass="DATATYPE_MISMATCH.MAP_ZIP_WITH_DIFF_TYPES",
            messageParameters={"sqlExpr": f'"map_zip_with({", ".join(a.sql() for a in args)})"',
                               "functionName": "`map_zip_with`",
                               "leftType": f'"{left.keyType.simpleString().upper()}"',
                               "rightType": f'"{right.keyType.simpleString().upper()}"'})
    body = args[2]
    # the keys are widened in the kernel: a cast of the whole map would copy its values too
    return list(args), T.MapType(key, body.data_type, body.nullable), args[0].nullable or args[1].nullable


def _map_zip_with(call, batch, evaluate):
    n = batch.num_rows
    left = _as_array(evaluate(call.children[0], batch), n)
    right = _as_array(evaluate(call.children[1], batch), n)
    valid = left.is_valid().to_numpy(zero_copy_only=False) & right.is_valid().to_numpy(zero_copy_only=False)
    keys1, items1, rows1, _ = _entries(left)
    keys2, items2, rows2, _ = _entries(right)
    key_type = T.to_arrow_type(call.data_type.keyType)
    keys1, keys2 = keys1.cast(key_type), keys2.cast(key_type)
    codes = element_codes(pa.concat_arrays([keys1, keys2]))
    scale = int(codes.max(initial=0)) + 2
    pairs1, pairs2 = rows1 * scale + codes[:len(keys1)], rows2 * scale + codes[len(keys1):]
    # each entry of the first map finds its partner in the second by (row, key code)
    order2 = np.argsort(pairs2, kind="stable")
    partner = np.full(len(pairs1), -1, np.int64)
    if len(pairs2):
        slot = np.minimum(np.searchsorted(pairs2[order2], pairs1), len(pairs2) - 1)
        found = pairs2[order2][slot] == pairs1
        partner[found] = order2[slot[found]]
    extra = np.flatnonzero(~np.isin(pairs2, pairs1))
    rows = np.concatenate([rows1, rows2[extra]])
    order = np.argsort(rows, kind="stable")             # a row's first-map entries before its extras
    kept = order[valid[rows[order]]]
    rows = rows[kept]
    keys = pa.concat_arrays([keys1, keys2.take(pa.array(extra, pa.int64()))]).take(pa.array(kept, pa.int64()))
    index1 = np.concatenate([np.arange(len(keys1)), np.full(len(extra), -1)])[kept]
    index2 = np.concatenate([partner, extra])[kept]
    result = _apply(call.children[2], batch, rows, [keys, _taken(items1, index1), _taken(items2, index2)], evaluate)
    lengths = np.bincount(rows, minlength=n).astype(np.int64)
    return _map_of(~valid, lengths, keys, result, call.data_type)


def _taken(values: pa.Array, index: np.ndarray) -> pa.Array:
    """``values`` at ``index``, NULL where the index is negative."""
    if not len(values):
        return pa.nulls(len(index), values.type)
    return values.take(pa.array(np.maximum(index, 0), mask=index < 0))


# -- array_sort with a comparator ---------------------------------------------------------------

def _comparator_variables(args, i):
    if i != 1:
        raise AnalysisException(errorClass="INVALID_LAMBDA_FUNCTION_CALL.NON_HIGHER_ORDER_FUNCTION",
                                messageParameters={"class": "array_sort"})
    return {2: [_element(args), _element(args)]}


# collections' one-argument array_sort: the spec registered below replaces it under the same name
# and hands it every call without a comparator
_SORT_WITHOUT_COMPARATOR = lookup("array_sort")


def _resolve_array_sort(args):
    if len(args) == 1:
        return _SORT_WITHOUT_COMPARATOR.resolve(args)
    if len(args) != 2:
        raise AnalysisException(errorClass="WRONG_NUM_ARGS.WITHOUT_SUGGESTION",
                                messageParameters={"functionName": "`array_sort`", "expectedNum": "[1, 2]",
                                                   "actualNum": str(len(args)), "docroot": _DOCROOT})
    _array_arg("array_sort", args)
    comparator = args[1]
    if not isinstance(comparator.data_type, T.IntegerType):
        raise AnalysisException(
            errorClass="DATATYPE_MISMATCH.UNEXPECTED_RETURN_TYPE",
            messageParameters={"sqlExpr": f'"array_sort({", ".join(a.sql() for a in args)})"',
                               "functionName": "`lambdafunction`", "expectedType": '"INT"',
                               "actualType": f'"{comparator.data_type.simpleString().upper()}"'})
    return list(args), args[0].data_type, args[0].nullable


def _array_sort(call, batch, evaluate):
    array = _as_array(evaluate(call.children[0], batch), batch.num_rows)
    if len(call.children) == 1:
        return _SORT_WITHOUT_COMPARATOR.kernel([array], batch.num_rows, call)
    flat, _, lengths = _elements(array)
    order = _merge_sorted(call.children[1], batch, flat, lengths, evaluate)
    return _rebuilt(_nulls(array), lengths, flat.take(pa.array(order, pa.int64())), call.data_type.elementType)


def _merge_sorted(comparator: LambdaFunction, batch, flat, lengths, evaluate) -> np.ndarray:
    """The permutation of ``flat`` that sorts each row's elements by ``comparator``, stably.

    A bottom-up merge sort of every row at once: each pass merges neighbouring runs of ``width``
    elements, and each step of a pass compares the heads of all the runs being merged in one
    evaluation of the comparator, so a pass costs about ``2 * width`` evaluations whatever the rows."""
    starts = np.cumsum(lengths) - lengths
    order = np.arange(len(flat), dtype=np.int64)
    width = 1
    while width < lengths.max(initial=0):
        merges = (lengths + 2 * width - 1) // (2 * width)
        row = np.repeat(np.arange(len(lengths), dtype=np.int64), merges)
        end = starts[row] + lengths[row]
        low = starts[row] + 2 * width * positions_within(merges)
        mid, high = np.minimum(low + width, end), np.minimum(low + 2 * width, end)
        merged = order.copy()
        i, j, out = low.copy(), mid.copy(), low.copy()
        while True:
            active = np.flatnonzero((i < mid) & (j < high))
            if not len(active):
                break
            a, b = order[i[active]], order[j[active]]
            first, second = flat.take(pa.array(a)), flat.take(pa.array(b))
            outcome = _apply(comparator, batch, row[active], [first, second], evaluate)
            if outcome.null_count:
                k = int(np.flatnonzero(outcome.is_null().to_numpy(zero_copy_only=False))[0])
                raise SparkRuntimeException(errorClass="COMPARATOR_RETURNS_NULL",
                                            messageParameters={"firstValue": str(first[k].as_py()),
                                                               "secondValue": str(second[k].as_py())})
            left_first = outcome.to_numpy(zero_copy_only=False) <= 0
            merged[out[active]] = np.where(left_first, a, b)
            i[active] += left_first
            j[active] += ~left_first
            out[active] += 1
        # the left run's rest goes after what was merged; the right run's rest is already in place
        rest = mid - i
        merged[np.repeat(out, rest) + positions_within(rest)] = order[np.repeat(i, rest) + positions_within(rest)]
        order = merged
        width *= 2
    return order


register(FunctionSpec("transform", _resolve_transform, _transform, lazy=True,
                      options={"lambda_variables": _element_and_index}))
register(FunctionSpec("filter", _resolve_filter, _filter, lazy=True, options={"lambda_variables": _element_and_index}))
register(FunctionSpec("exists", _resolve_predicate("exists"), _quantifier(True), lazy=True,
                      options={"lambda_variables": lambda args, i: {1: [_element(args)]}}))
register(FunctionSpec("forall", _resolve_predicate("forall"), _quantifier(False), lazy=True,
                      options={"lambda_variables": lambda args, i: {1: [_element(args)]}}))
register(FunctionSpec("aggregate", _resolve_aggregate, _aggregate, lazy=True, aliases=("reduce",),
                      options={"lambda_variables": _aggregate_variables}))
register(FunctionSpec("zip_with", _resolve_zip_with, _zip_with, lazy=True,
                      options={"lambda_variables": _zip_variables}))

register(FunctionSpec("map_filter", _resolve_map_filter, _map_filter, lazy=True,
                      options={"lambda_variables": _key_and_value}))
register(FunctionSpec("transform_keys", _resolve_transform_keys, _transform_keys, lazy=True,
                      options={"lambda_variables": _key_and_value}))
register(FunctionSpec("transform_values", _resolve_transform_values, _transform_values, lazy=True,
                      options={"lambda_variables": _key_and_value}))
register(FunctionSpec("map_zip_with", _resolve_map_zip_with, _map_zip_with, lazy=True,
                      options={"lambda_variables": _map_zip_variables}))
register(FunctionSpec("array_sort", _resolve_array_sort, _array_sort, lazy=True,
                      render=lambda a, c: (_SORT_WITHOUT_COMPARATOR.display(a, c) if len(c.children) == 1
                                           else f"array_sort({', '.join(a)})"),
                      options={"lambda_variables": _comparator_variables}))

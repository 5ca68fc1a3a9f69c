"""Higher-order functions: ``transform``, ``filter``, ``exists``, ``forall``, ``aggregate`` (``reduce``)
and ``zip_with``, whose lambdas run on every element of an array.

Contract: each spec's ``options["lambda_variables"](args, i)`` tells the analyzer, from the arguments
before it, the variables the lambda at argument ``i`` may take: ``{count: [(type, nullable), ...]}``.
The kernels are lazy: a lambda's body is evaluated once per batch on all the elements of all the rows,
flattened (``aggregate`` folds: once per element position, on the rows that have one). A body reads
its variables and the columns of its row, which are taken by each element's row index.
"""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sparklite.sql import types as T
from sparklite.sql.builtins.registry import FunctionSpec, register
from sparklite.sql.errors import AnalysisException
from sparklite.sql.plan.expressions import BoundReference, LambdaFunction, NamedLambdaVariable

_INT = T.IntegerType()


def _array_arg(name: str, args, i: int = 0) -> T.ArrayType:
    t = args[i].data_type
    if not isinstance(t, T.ArrayType):
        raise AnalysisException(
            errorClass="DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE",
            messageParameters={"sqlExpr": f'"{name}({", ".join(a.sql() for a in args)})"',
                               "paramIndex": _ordinal(i), "inputSql": f'"{args[i].sql()}"',
                               "inputType": f'"{t.simpleString().upper()}"', "requiredType": '"ARRAY"'})
    return t


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
        flat, rows, lengths = _elements(array)
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
                                                   "actualNum": str(len(args)), "docroot": "https://spark.apache.org/docs/latest"})
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
    flat, rows, lengths = _elements(array)
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


register(FunctionSpec("transform", _resolve_transform, _transform, lazy=True,
                      options={"lambda_variables": _element_and_index}))
register(FunctionSpec("filter", _resolve_filter, _filter, lazy=True, options={"lambda_variables": _element_and_index}))
register(FunctionSpec("exists", _resolve_predicate("exists"), _quantifier(True), lazy=True,
                      options={"lambda_variables": lambda args, i: {1: [_element(args)]}}))
register(FunctionSpec("forall", _resolve_predicate("forall"), _quantifier(False), lazy=True,
                      options={"lambda_variables": lambda args, i: {1: [_element(args)]}}))
register(FunctionSpec("aggregate", _resolve_aggregate, _aggregate, lazy=True, aliases=("reduce",),
                      options={"lambda_variables": _aggregate_variables}))
register(FunctionSpec("zip_with", _resolve_zip_with, _zip_with, lazy=True, options={"lambda_variables": _zip_variables}))


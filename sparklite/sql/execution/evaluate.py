"""Evaluating a bound expression tree on a record batch, with Arrow kernels on whole columns.

Contract: ``evaluate(expr, batch)`` returns a ``pyarrow`` array of ``batch.num_rows`` values or a
scalar standing for every row; ``evaluate_array`` always returns an array. Columns are read by
ordinal (``BoundReference``); calls run their function's kernel, lazy ones (CASE, AND, OR,
COALESCE) on just the rows that need each argument. A kernel always receives arrays of one length:
constant arguments are broadcast, and a call of constants only is computed once on one row.
"""
from __future__ import annotations

import pyarrow as pa

from sparklite.sql import types as T
from sparklite.sql.execution.cast import cast_array
from sparklite.sql.plan.expressions import Alias, BoundReference, Call, Cast, Literal
from sparklite.sql.udf import PythonUDF, evaluate_udf


def evaluate(expr, batch: pa.RecordBatch):
    kind = type(expr)
    if kind is BoundReference:
        return batch.column(expr.ordinal)
    if kind is Literal:
        return literal_scalar(expr)
    if kind is Alias:
        return evaluate(expr.children[0], batch)
    if kind is Cast:
        value = evaluate(expr.children[0], batch)
        return cast_array(value, expr.children[0].data_type, expr.to, expr.mode, expr.time_zone or "UTC")
    if kind is Call:
        spec = expr.spec
        if spec.lazy:
            return spec.kernel(expr, batch, evaluate)
        values = [evaluate(c, batch) for c in expr.children]
        if values and all(isinstance(v, pa.Scalar) for v in values) and spec.deterministic:
            # a constant: computed once on one row, standing for every row
            result = spec.kernel([_one(v) for v in values], 1, expr)
            return result[0] if not isinstance(result, pa.Scalar) else result
        return spec.kernel([_broadcast(v, batch.num_rows) for v in values], batch.num_rows, expr)
    if kind is PythonUDF:
        return evaluate_udf(expr, [_broadcast(evaluate(c, batch), batch.num_rows) for c in expr.children],
                            batch.num_rows)
    raise TypeError(f"cannot evaluate {expr!r} ({kind.__name__}): it was not resolved and bound")


def runs_python(expressions) -> bool:
    """Whether evaluating these expressions calls a user's Python function (then a task runs in a
    Python worker rather than on the engine's threads)."""
    return any(isinstance(node, PythonUDF) for e in expressions if e is not None for node in e.walk())


def _one(value: pa.Scalar) -> pa.Array:
    return pa.array([value.as_py()], value.type) if value.is_valid else pa.nulls(1, value.type)


def _broadcast(value, n: int):
    if isinstance(value, pa.Scalar):
        return pa.repeat(value, n) if value.is_valid else pa.nulls(n, value.type)
    if isinstance(value, pa.ChunkedArray):
        return value.combine_chunks()
    return value


def evaluate_array(expr, batch: pa.RecordBatch) -> pa.Array:
    value = evaluate(expr, batch)
    if isinstance(value, pa.Scalar):
        return pa.repeat(value, batch.num_rows) if value.is_valid else pa.nulls(batch.num_rows, value.type)
    if isinstance(value, pa.ChunkedArray):
        return value.combine_chunks()
    return value


def literal_scalar(lit: Literal) -> pa.Scalar:
    arrow_type = T.to_arrow_type(lit.data_type)
    value = lit.value
    if value is None:
        return pa.scalar(None, arrow_type)
    if isinstance(lit.data_type, T.TimestampType) and getattr(value, "tzinfo", None) is None and \
            not isinstance(value, int):
        import datetime
        value = value.replace(tzinfo=datetime.timezone.utc)
    return pa.scalar(value, arrow_type)

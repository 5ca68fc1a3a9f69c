"""``pyspark.sql.functions``' higher-order functions, whose last arguments are Python functions over
columns: ``transform``, ``filter``, ``exists``, ``forall``, ``aggregate`` (``reduce``), ``zip_with``,
``map_filter``, ``transform_keys``, ``transform_values``, ``map_zip_with``, and ``array_sort_by``, the
comparator form of ``array_sort`` (whose wrapper lives with the other array functions).

Contract: a Python function becomes a lambda of the SQL function of the same name
(``sparklite.sql.builtins.higherorder``): it is called once, with one ``Column`` per parameter standing
for a fresh variable (``x_0``, ``y_1``...; PySpark names them alike), and the ``Column`` it returns is
the lambda's body. It takes 1 to 3 positional parameters, as PySpark requires.
"""
from __future__ import annotations

import inspect
import itertools

from sparklite.sql.column import Column, to_expression
from sparklite.sql.column import column_expression as _column
from sparklite.sql.errors import PySparkTypeError, PySparkValueError
from sparklite.sql.plan.expressions import UnresolvedAttribute, UnresolvedFunction, UnresolvedLambda

__all__ = ["aggregate", "exists", "filter", "forall", "map_filter", "map_zip_with", "reduce", "transform",
           "transform_keys", "transform_values", "zip_with"]

_fresh = itertools.count()


def _lambda(f) -> UnresolvedLambda:
    if not callable(f):
        raise PySparkTypeError(errorClass="NOT_EXPECTED_TYPE",
                               messageParameters={"expected_type": "function", "arg_name": "f",
                                                  "arg_type": type(f).__name__})
    parameters = [p for p in inspect.signature(f).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if not 1 <= len(parameters) <= 3:
        raise PySparkValueError(errorClass="WRONG_NUM_ARGS_FOR_HIGHER_ORDER_FUNCTION",
                                messageParameters={"func_name": getattr(f, "__name__", "lambda"),
                                                   "num_args": str(len(parameters))})
    names = tuple(f"{base}_{next(_fresh)}" for base in "xyz"[:len(parameters)])
    body = f(*[Column(UnresolvedAttribute((name,))) for name in names])
    if not isinstance(body, Column):
        raise PySparkValueError(errorClass="HIGHER_ORDER_FUNCTION_SHOULD_RETURN_COLUMN",
                                messageParameters={"func_name": getattr(f, "__name__", "lambda"),
                                                   "return_type": type(body).__name__})
    return UnresolvedLambda(names, to_expression(body))


def _call(name: str, *args) -> Column:
    return Column(UnresolvedFunction(name, list(args)))


def transform(col, f) -> Column:
    """Each element of the array through ``f(x)`` or ``f(x, index)``."""
    return _call("transform", _column(col), _lambda(f))


def filter(col, f) -> Column:
    """The elements for which ``f(x)`` (or ``f(x, index)``) is true."""
    return _call("filter", _column(col), _lambda(f))


def exists(col, f) -> Column:
    """Whether ``f(x)`` is true for some element."""
    return _call("exists", _column(col), _lambda(f))


def forall(col, f) -> Column:
    """Whether ``f(x)`` is true for every element."""
    return _call("forall", _column(col), _lambda(f))


def aggregate(col, initialValue, merge, finish=None) -> Column:
    """``merge(acc, x)`` folded over the elements from ``initialValue``, then ``finish(acc)``."""
    args = [_column(col), _column(initialValue, "initialValue"), _lambda(merge)]
    if finish is not None:
        args.append(_lambda(finish))
    return _call("aggregate", *args)


def reduce(col, initialValue, merge, finish=None) -> Column:
    """``aggregate`` under its other name."""
    args = [_column(col), _column(initialValue, "initialValue"), _lambda(merge)]
    if finish is not None:
        args.append(_lambda(finish))
    return _call("reduce", *args)


def zip_with(left, right, f) -> Column:
    """``f(x, y)`` over the elements of two arrays side by side (the shorter padded with NULLs)."""
    return _call("zip_with", _column(left), _column(right), _lambda(f))


def map_filter(col, f) -> Column:
    """The entries of the map for which ``f(key, value)`` is true."""
    return _call("map_filter", _column(col), _lambda(f))


def transform_keys(col, f) -> Column:
    """The map with each key replaced by ``f(key, value)``."""
    return _call("transform_keys", _column(col), _lambda(f))


def transform_values(col, f) -> Column:
    """The map with each value replaced by ``f(key, value)``."""
    return _call("transform_values", _column(col), _lambda(f))


def map_zip_with(col1, col2, f) -> Column:
    """A map over the keys of both maps, each value ``f(key, value1, value2)`` (NULL for a missing side)."""
    return _call("map_zip_with", _column(col1), _column(col2), _lambda(f))


def array_sort_by(col, comparator) -> Column:
    """``array_sort(col, comparator)``: the array sorted by ``comparator(left, right)``, a negative,
    zero or positive integer; not exported, ``array_sort`` calls it."""
    return _call("array_sort", _column(col), _lambda(comparator))

"""Python functions in SQL: ``udf`` (row at a time), ``pandas_udf`` (pandas Series at a time),
``arrow_udf`` (pyarrow arrays at a time), and ``spark.udf.register`` for SQL text.

Contract:
* A ``UserDefinedFunction`` called on columns makes a ``PythonUDF`` expression of its return type.
  It is evaluated on whole batches: a row UDF gets each row's values as PySpark gives them (Rows,
  lists, dicts, Decimals, dates...), a pandas UDF ``pandas.Series``, an Arrow UDF ``pyarrow``
  arrays; results are converted to the return type as ``createDataFrame`` converts values.
* Plans with a Python UDF run it in the executors' Python workers, never on the engine's threads.
* An exception raised by the function reaches the caller as ``PythonException`` whose message holds
  the function's traceback, the user's own frames first.
"""
from __future__ import annotations

import functools
import traceback

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sparklite.sql import types as T
from sparklite.sql.column import Column, name_to_expression, to_expression
from sparklite.sql.conversion import rows_to_table, table_to_rows
from sparklite.sql.errors import PySparkTypeError, PythonException
from sparklite.sql.plan.expressions import Call, PythonCall

ROW, PANDAS, ARROW, PANDAS_AGG = "row", "pandas", "arrow", "pandas_agg"


class PythonUDF(PythonCall):
    """A call of a user's Python function on its argument columns."""

    def __init__(self, name: str, func, return_type: T.DataType, children, kind: str, deterministic: bool = True):
        self.name, self.func, self.return_type = name, func, return_type
        self.children, self.kind, self._deterministic = tuple(children), kind, deterministic

    def with_children(self, children):
        return PythonUDF(self.name, self.func, self.return_type, children, self.kind, self._deterministic)

    def sql(self) -> str:
        return f"{self.name}({', '.join(c.sql() for c in self.children)})"

    def semantic_key(self):
        return ("udf", id(self.func)) + tuple(c.semantic_key() for c in self.children)


def evaluate_udf(udf: PythonUDF, arrays: list, num_rows: int) -> pa.Array:
    """Run the user's function over a batch's argument columns."""
    target = T.to_arrow_type(udf.return_type)
    try:
        if udf.kind == ARROW:
            result = udf.func(*arrays)
            result = pa.array(result) if not isinstance(result, (pa.Array, pa.ChunkedArray)) else result
            return result.cast(target) if result.type != target else result
        if udf.kind == PANDAS:
            series = [a.to_pandas() for a in arrays]
            result = udf.func(*series)
            return pa.Array.from_pandas(result, type=target)
        columns = [_python_values(a, c.data_type) for a, c in zip(arrays, udf.children)]
        values = [udf.func(*row) for row in zip(*columns)] if columns else [udf.func() for _ in range(num_rows)]
    except Exception as error:                       # the user's function failed: report it as PySpark does
        raise python_exception(error) from error
    schema = T.StructType([T.StructField("value", udf.return_type, True)])
    return rows_to_table([(v,) for v in values], schema, verify=True).column(0).combine_chunks()


def _python_values(array: pa.Array, data_type: T.DataType) -> list:
    schema = T.StructType([T.StructField("v", data_type, True)])
    return [row[0] for row in table_to_rows(pa.table({"v": array}), schema)]


_ENGINE_FRAMES = ("sparklite/sql/udf.py", "sparklite/sql/execution/python_udtf.py")


def python_exception(error: BaseException) -> PythonException:
    """A user's function failed: ``PythonException`` (``PYTHON_EXCEPTION``) whose traceback shows the
    user's frames (the engine's calling frames left out), the user's exception first when chained."""
    lines = traceback.format_exception(type(error), error, error.__traceback__)
    text = "".join(line for line in lines if not any(frame in line for frame in _ENGINE_FRAMES))
    return PythonException(errorClass="PYTHON_EXCEPTION",
                           messageParameters={"msg": "An exception was thrown from the Python worker",
                                              "traceback": text})


class UserDefinedFunction:
    """What ``udf``/``pandas_udf``/``arrow_udf`` return: call it on columns to use it."""
    evalType = 100                    # PySpark's SQL_BATCHED_UDF; pandas_udf sets its own

    def __init__(self, func, returnType="string", name: str | None = None, kind: str = ROW,
                 deterministic: bool = True):
        if not callable(func):
            raise PySparkTypeError(errorClass="NOT_EXPECTED_TYPE",
                                   messageParameters={"expected_type": "function", "arg_name": "func",
                                                      "arg_type": type(func).__name__})
        if isinstance(returnType, str):
            returnType = T._parse_datatype_string(returnType)
        self.func, self.returnType, self.kind = func, returnType, kind
        self._name = name or getattr(func, "__name__", type(func).__name__)
        self.deterministic = deterministic
        functools.update_wrapper(self, func, updated=())

    def __call__(self, *cols) -> Column:
        args = [name_to_expression(c) if isinstance(c, str) else to_expression(c) for c in cols]
        if self.kind == PANDAS_AGG:
            from sparklite.sql.builtins.registry import FunctionSpec
            spec = FunctionSpec(self._name, None, aggregate=True, deterministic=self.deterministic,
                                options={"impl": PandasAggregate(self.func)})
            return Column(Call(spec, args, self.returnType, True, {"udf": id(self.func)}))
        return Column(PythonUDF(self._name, self.func, self.returnType, args, self.kind, self.deterministic))

    def asNondeterministic(self) -> "UserDefinedFunction":
        self.deterministic = False
        return self


def udf(f=None, returnType="string", useArrow: bool | None = None):
    """A row-at-a-time Python function as a column function; usable as a decorator."""
    if f is None or isinstance(f, (str, T.DataType)):
        return_type = returnType if f is None else f
        return lambda func: UserDefinedFunction(func, return_type)
    return UserDefinedFunction(f, returnType)


SCALAR, GROUPED_MAP, GROUPED_AGG = 200, 201, 202       # PandasUDFType's values (PySpark's eval types)


class PandasUDFType:
    """The ``functionType`` values of ``pandas_udf`` (type hints are the preferred way)."""
    SCALAR = SCALAR
    SCALAR_ITER = 204
    GROUPED_MAP = GROUPED_MAP
    GROUPED_AGG = GROUPED_AGG


def pandas_udf(f=None, returnType=None, functionType=None):
    """A Python function on pandas Series (pandas must be installed); usable as a decorator. One
    whose type hints return a scalar (``def f(v: pd.Series) -> float``), or declared with
    ``functionType=PandasUDFType.GROUPED_AGG``, is an aggregate: it gets each group's values."""
    import pandas  # noqa: F401  (optional dependency: a clear ImportError when missing)

    def make(func, return_type):
        if functionType == GROUPED_MAP:
            made = UserDefinedFunction(func, return_type, kind=PANDAS)
            made.evalType = GROUPED_MAP
            return made
        aggregate = functionType == GROUPED_AGG or (functionType is None and _returns_scalar(func))
        made = UserDefinedFunction(func, return_type, kind=PANDAS_AGG if aggregate else PANDAS)
        made.evalType = GROUPED_AGG if aggregate else SCALAR
        return made
    if f is None or isinstance(f, (str, T.DataType)):
        return_type = returnType if f is None else f
        return lambda func: make(func, return_type)
    return make(f, returnType)


def _returns_scalar(func) -> bool:
    """Whether ``func``'s return type hint names neither a Series, a DataFrame nor an iterator."""
    hint = getattr(func, "__annotations__", {}).get("return")
    if hint is None:
        return False
    text = hint if isinstance(hint, str) else getattr(hint, "__name__", "") + repr(hint)
    return not any(word in text for word in ("Series", "DataFrame", "Iterator", "Iterable"))


class PandasAggregate:
    """A grouped-aggregate pandas UDF as an aggregate's two phases (see ``builtins/aggregates.py``):
    each group's argument values gathered in lists (NULLs kept, in row order), then the function
    called on them as pandas Series, once per group."""

    def __init__(self, func):
        self.func = func

    def update(self, args, groups, call):
        n = len(groups.ids)
        arrays = [(pa.repeat(a, n) if a.is_valid else pa.nulls(n, a.type)) if isinstance(a, pa.Scalar) else a
                  for a in args]
        return [_lists(a.combine_chunks() if isinstance(a, pa.ChunkedArray) else a, groups.ids, groups.count)
                for a in arrays]

    def merge(self, states, groups, call):
        merged = []
        for lists in states:
            lengths = pc.list_value_length(lists).fill_null(0).to_numpy(zero_copy_only=False)
            merged.append(_lists(pc.list_flatten(lists), np.repeat(groups.ids, lengths), groups.count))
        return merged

    def finish(self, states, call):
        results = []
        for g in range(len(states[0]) if states else 0):
            series = [lists[g].values.to_pandas() for lists in states]
            try:
                value = self.func(*series)
            except Exception as error:              # the user's function failed: report it as PySpark does
                raise python_exception(error) from error
            results.append(value.item() if hasattr(value, "item") else value)
        schema = T.StructType([T.StructField("value", call.data_type, True)])
        return rows_to_table([(v,) for v in results], schema, verify=True).column(0).combine_chunks()


def _lists(values: pa.Array, ids: np.ndarray, count: int) -> pa.ListArray:
    """One list per group 0..count-1 of the values whose row belongs to it, in row order."""
    order = np.argsort(ids, kind="stable")
    offsets = np.concatenate([[0], np.cumsum(np.bincount(ids, minlength=count))]).astype(np.int32)
    return pa.ListArray.from_arrays(pa.array(offsets), values.take(pa.array(order)))


def arrow_udf(f=None, returnType=None):
    """A Python function on pyarrow arrays, returning an array of as many values."""
    if f is None or isinstance(f, (str, T.DataType)):
        return_type = returnType if f is None else f
        return lambda func: UserDefinedFunction(func, return_type, kind=ARROW)
    return UserDefinedFunction(f, returnType, kind=ARROW)


class UDFRegistration:
    """``spark.udf``: ``register(name, f, returnType)`` makes a function callable from SQL."""

    def __init__(self, session):
        self._session = session

    def register(self, name: str, f, returnType=None):
        if isinstance(f, UserDefinedFunction):
            udf_object = UserDefinedFunction(f.func, f.returnType, name, f.kind, f.deterministic)
        else:
            udf_object = UserDefinedFunction(f, returnType or "string", name)
        self._session._session_functions[name.lower()] = udf_object
        return udf_object

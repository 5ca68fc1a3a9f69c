"""Python user-defined table functions (UDTFs), as ``pyspark.sql.udtf`` has them: ``udtf`` makes
one from a class, calling it gives a DataFrame, ``spark.udtf.register`` names it for SQL
(``SELECT * FROM f(1, 2)``, ``FROM t, LATERAL f(t.x)``).

Contract:
* The class has ``eval(*args)``, which yields (or returns an iterable of) output rows, tuples, lists,
  dicts or Rows, for each input row; optionally ``__init__()`` (called once per task),
  ``terminate()`` (its rows come once at the end of each partition, joined with that partition's
  last input row) and ``cleanup()`` (called last, also after a failure). Its return type is a
  ``StructType`` (or DDL string), given to ``udtf`` or computed by a static ``analyze`` method
  from the arguments' ``AnalyzeArgument``s.
* Calling a ``UserDefinedTableFunction`` on columns (or column names; keyword arguments too) gives
  a DataFrame of its rows. Plans and execution are ``plan/tablefunctions.py`` and
  ``execution/python_udtf.py``: the class runs on whole batches in the executors' Python workers,
  and its failures reach the caller as ``PythonException`` with PySpark's conditions.
"""
from __future__ import annotations

import functools

from sparklite.sql.errors import PySparkTypeError
from sparklite.sql.plan.tablefunctions import (SQL_ARROW_TABLE_UDF, SQL_TABLE_UDF, AnalyzeArgument,  # noqa: F401
                                               AnalyzeResult, TableFunction, TableFunctionCall, UDTFRegistration)

__all__ = ["AnalyzeArgument", "AnalyzeResult", "UDTFRegistration", "UserDefinedTableFunction", "udtf"]


class UserDefinedTableFunction(TableFunction):
    """What ``udtf`` returns: call it on columns (or column names, and keyword arguments) to get a
    DataFrame of its rows; register it with ``spark.udtf.register`` for SQL."""

    def __call__(self, *args, **kwargs):
        from sparklite.sql.column import Column, name_to_expression
        from sparklite.sql.session import SparkSession

        def expression(value):
            if isinstance(value, Column):
                return value._expr
            if isinstance(value, str):
                return name_to_expression(value)
            raise PySparkTypeError(errorClass="NOT_EXPECTED_TYPE",
                                   messageParameters={"expected_type": "Column or str", "arg_name": "col",
                                                      "arg_type": type(value).__name__})
        self.returnType                                  # a return type that is no struct fails here, as in PySpark
        exprs = [expression(a) for a in args] + [expression(v) for v in kwargs.values()]
        keywords = [None] * len(args) + list(kwargs)
        session = SparkSession.active()
        return session._dataframe(TableFunctionCall(self._name, exprs, keywords, udtf=self))


def udtf(cls=None, *, returnType=None, useArrow: bool | None = None):
    """A user-defined table function from a class with an ``eval`` method; usable as a decorator
    with or without arguments. ``useArrow`` selects the Arrow-optimized kind, which converts output
    values as Arrow does (``spark.sql.execution.pythonUDTF.arrow.enabled``, true by default, when None;
    off without an active session, as in PySpark)."""
    if cls is None:
        return functools.partial(udtf, returnType=returnType, useArrow=useArrow)
    arrow = useArrow
    if arrow is None:
        from sparklite.sql.session import SparkSession
        session = SparkSession.getActiveSession()
        value = session.conf.get("spark.sql.execution.pythonUDTF.arrow.enabled", "true") if session else "false"
        arrow = str(value).lower() == "true"
    return UserDefinedTableFunction(cls, returnType, evalType=SQL_ARROW_TABLE_UDF if arrow else SQL_TABLE_UDF)

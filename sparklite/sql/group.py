"""``GroupedData``: what ``df.groupBy(...)`` returns; ``agg`` and its shortcuts make the aggregate.

Contract: ``agg`` takes aggregate Columns, or one dict of column name -> function name (``"*"``
with ``count``); the result has the grouping columns first, then the aggregates, named as Spark
names them (``sum(x)``, ``count(1)``). The shortcuts (``count``, ``sum``, ``avg``/``mean``,
``min``, ``max``) aggregate every numeric column when given none.
"""
from __future__ import annotations

import warnings

from sparklite.sql import types as T
from sparklite.sql.column import Column, name_to_expression
from sparklite.sql.errors import AnalysisException, PySparkTypeError, PySparkValueError
from sparklite.sql.plan import logical as L
from sparklite.sql.plan.python_plans import CoGroupMap, MapInBatches, output_attributes
from sparklite.sql.plan.expressions import Alias, Literal, UnresolvedFunction
from sparklite.sql.plan.pivot import Pivot



def _value_name(value) -> str:
    """A pivot value as a column name, written as Spark writes it (``null``, ``true``)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


class GroupedData:
    def __init__(self, df, grouping: list, grouping_sets: list | None = None, pivot=None):
        self._df = df
        self._grouping = grouping
        self._sets = grouping_sets
        self._pivot = pivot              # (column expression, values) after .pivot()

    def pivot(self, pivot_col, values=None) -> "GroupedData":
        """One output column per value of ``pivot_col`` (its distinct values, sorted, when not
        given; NULL first) for each aggregate."""
        column = name_to_expression(pivot_col) if isinstance(pivot_col, str) else pivot_col._expr
        if values is None:
            distinct = self._df.select(Column(column)).distinct().collect()
            values = sorted((r[0] for r in distinct), key=lambda v: (v is not None, v))
        return GroupedData(self._df, self._grouping, self._sets, (column, list(values)))

    def _aggregate(self, expressions: list):
        if self._pivot is not None:
            return self._pivoted(expressions)
        return self._df._with(L.Aggregate(self._grouping, list(self._grouping) + expressions, self._df._plan,
                                          self._sets))

    def agg(self, *exprs):
        if not exprs:
            raise PySparkTypeError(errorClass="CANNOT_BE_EMPTY", messageParameters={"item": "exprs"})
        if len(exprs) == 1 and isinstance(exprs[0], dict):
            items = []
            for name, function in exprs[0].items():
                function = {"mean": "avg"}.get(function, function)
                arg = Literal(1, T.IntegerType()) if name == "*" else name_to_expression(name)
                items.append(UnresolvedFunction(function, [arg]))
            return self._aggregate(items)
        for e in exprs:
            if not isinstance(e, Column):
                raise PySparkTypeError(errorClass="NOT_EXPECTED_TYPE",
                                       messageParameters={"expected_type": "Column", "arg_name": "exprs", "arg_type": type(e).__name__})
        return self._aggregate([e._expr for e in exprs])

    def _pivoted(self, expressions: list):
        from sparklite.sql.column import literal
        column, values = self._pivot
        return self._df._with(Pivot(self._grouping, column, [(literal(v), _value_name(v)) for v in values],
                                    expressions, self._df._plan))

    def count(self):
        return self._aggregate([Alias(UnresolvedFunction("count", [Literal(1, T.IntegerType())]), "count")])

    def _numeric(self, function: str, cols):
        if cols:
            names = list(cols)
            fields = {f.name: f for f in self._df.schema.fields}
            for name in names:
                field = fields.get(name)
                if field is not None and not isinstance(field.dataType, T.NumericType):
                    raise AnalysisException(errorClass="_LEGACY_ERROR_TEMP_1323",
                                            messageParameters={"colName": name})
        else:
            grouped = {g.name for g in self._grouping if hasattr(g, "name")}
            names = [f.name for f in self._df.schema.fields
                     if isinstance(f.dataType, T.NumericType) and f.name not in grouped]
        return self._aggregate([UnresolvedFunction(function, [name_to_expression(n)]) for n in names])

    def sum(self, *cols):
        return self._numeric("sum", cols)

    def avg(self, *cols):
        return self._numeric("avg", cols)

    mean = avg

    def min(self, *cols):
        return self._numeric("min", cols)

    def max(self, *cols):
        return self._numeric("max", cols)

    def applyInPandas(self, func, schema):
        """``func(pandas.DataFrame of one group) -> pandas.DataFrame``; the results concatenated."""
        import pandas  # noqa: F401  (optional dependency: a clear ImportError when missing)
        return self._df._with(MapInBatches(func, "pandas", output_attributes(schema), self._df._plan, self._grouping))

    def apply(self, udf):
        """The older form of ``applyInPandas``: ``udf`` is a ``pandas_udf`` of
        ``PandasUDFType.GROUPED_MAP`` whose return type is the result's schema."""
        from sparklite.sql.udf import GROUPED_MAP
        if getattr(udf, "evalType", None) != GROUPED_MAP:
            raise PySparkTypeError(errorClass="INVALID_UDF_EVAL_TYPE",
                                   messageParameters={"eval_type": "SQL_GROUPED_MAP_PANDAS_UDF"})
        warnings.warn("It is preferred to use 'applyInPandas' over this API. This API will be deprecated in the "
                      "future releases. See SPARK-28264 for more details.", UserWarning)
        return self.applyInPandas(udf.func, udf.returnType)

    def applyInArrow(self, func, schema):
        """``func(pyarrow.Table of one group) -> pyarrow.Table``; the results concatenated."""
        return self._df._with(MapInBatches(func, "arrow", output_attributes(schema), self._df._plan, self._grouping))


    def cogroup(self, other: "GroupedData") -> "PandasCogroupedOps":
        """This grouping and ``other``'s side by side: ``applyInPandas``/``applyInArrow`` then call a
        function with both groups of each key."""
        return PandasCogroupedOps(self, other)


class PandasCogroupedOps:
    """Two grouped DataFrames cogrouped by their keys (PySpark's ``PandasCogroupedOps``)."""

    def __init__(self, left: GroupedData, right: GroupedData):
        self._left, self._right = left, right

    def applyInPandas(self, func, schema):
        """``func(left, right)`` or ``func(key, left, right)`` over pandas DataFrames of each key's
        rows on both sides (empty on a side without the key) -> a pandas DataFrame; the results
        concatenated."""
        import pandas  # noqa: F401  (optional dependency: a clear ImportError when missing)
        return self._apply(func, "pandas", schema)

    def applyInArrow(self, func, schema):
        """As ``applyInPandas``, over pyarrow Tables (the key a tuple of Arrow scalars)."""
        return self._apply(func, "arrow", schema)

    def _apply(self, func, kind: str, schema):
        left, right = self._left, self._right
        if len(left._grouping) != len(right._grouping):
            raise PySparkValueError(errorClass="CANNOT_BE_EMPTY" if not left._grouping or not right._grouping
                                    else "LENGTH_SHOULD_BE_THE_SAME",
                                    messageParameters={"item": "grouping key", "arg1": "left grouping keys",
                                                       "arg2": "right grouping keys",
                                                       "arg1_length": str(len(left._grouping)),
                                                       "arg2_length": str(len(right._grouping))})
        return left._df._with(CoGroupMap(func, kind, output_attributes(schema), left._df._plan, right._df._plan,
                                           left._grouping, right._grouping))

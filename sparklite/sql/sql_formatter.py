"""The values ``spark.sql`` puts into its query text and parameters.

Contract:
* ``SQLStringFormatter(session)`` formats ``spark.sql("... {t} ...", t=df)`` as ``str.format`` does,
  with two kinds of value made SQL: a DataFrame becomes the name of a temporary view over it (one
  view per DataFrame, however often it is named), a Column the SQL text of its column reference.
  ``clear()`` drops the views it made; ``spark.sql`` calls it once the query is analyzed.
* ``parameter_value(session, name, value)`` is a parameter (``args``) as the parser binds it: a
  Column of a literal (``F.lit(3)``) or of array / map / struct constructors over literals becomes
  that constant, other values stay.
"""
from __future__ import annotations

import string
import uuid

import pyarrow as pa

from sparklite.sql.errors import PySparkValueError


class SQLStringFormatter(string.Formatter):
    def __init__(self, session):
        super().__init__()
        self.session = session
        self.views: list = []                   # (DataFrame, view name)

    def get_field(self, field_name, args, kwargs):
        obj, first = super().get_field(field_name, args, kwargs)
        return self._sql_of(obj, field_name), first

    def _sql_of(self, value, field_name: str):
        from sparklite.sql.column import Column
        from sparklite.sql.dataframe import DataFrame
        from sparklite.sql.plan.expressions import UnresolvedAttribute
        if isinstance(value, DataFrame):
            for df, name in self.views:
                if df is value:
                    return name
            name = "_sparklite_" + uuid.uuid4().hex
            value.createOrReplaceTempView(name)
            self.views.append((value, name))
            return name
        if isinstance(value, Column):
            if isinstance(value._expr, UnresolvedAttribute):
                return ".".join(f"`{p}`" if not p.isidentifier() else p for p in value._expr.parts)
            raise PySparkValueError(errorClass="VALUE_NOT_PLAIN_COLUMN_REFERENCE",
                                    messageParameters={"val": str(value), "field_name": field_name})
        return value

    def clear(self) -> None:
        for _, name in self.views:
            self.session.catalog.dropTempView(name)
        self.views = []


_CONSTRUCTORS = frozenset({"array", "map", "create_map", "struct", "named_struct", "map_from_arrays"})


def parameter_value(session, name, value):
    """A ``spark.sql`` parameter: a Column of a literal, or of array / map / struct constructors over
    literals, as the literal it computes; any other Column is ``INVALID_SQL_ARG``."""
    from sparklite.sql.column import Column
    from sparklite.sql.errors import AnalysisException
    from sparklite.sql.execution.evaluate import evaluate_array
    from sparklite.sql.plan import logical as L
    from sparklite.sql.plan.expressions import Call, Literal
    if not isinstance(value, Column):
        return value
    expr = session.analyzer().resolve_expression(value._expr, L.OneRowRelation())

    def constant(e) -> bool:
        return isinstance(e, Literal) or (isinstance(e, Call) and e.spec.name in _CONSTRUCTORS and
                                          all(constant(c) for c in e.children))
    if not constant(expr):
        raise AnalysisException(errorClass="INVALID_SQL_ARG", messageParameters={"name": f"`{name}`"})
    if isinstance(expr, Literal):
        return expr
    one_row = pa.RecordBatch.from_arrays([pa.array([0])], names=["_"])
    return Literal(evaluate_array(expr, one_row)[0].as_py(), expr.data_type)

"""DataFrame methods about the plan itself rather than the rows: ``observe`` (metrics collected as an
action runs, see ``sparklite/sql/observation.py``), ``to(schema)`` (columns reconciled
by name to a schema), ``colRegex`` (the columns whose names match a regular expression),
``sameSemantics``/``semanticHash`` (plans compared with expression ids left out) and ``inputFiles``
(the files the scans read), and the plans of a Python function over each partition's batches
(``mapInArrow``, ``mapInPandas``). ``pandas_api`` (pandas API on Spark) is not provided: it says so.

Contract: ``PlanMethods`` is a mixin of ``DataFrame``; it uses only ``_plan``, ``_with``,
``_session`` and ``_query``. ``to`` keeps the schema's order, names and metadata, casts what
differs, makes a missing nullable field NULL, drops the other columns, and refuses a nullable
column (or a missing one) for a non-nullable field with Spark's conditions.
"""
from __future__ import annotations

import hashlib
import re

from sparklite.sql import types as T
from sparklite.sql.column import Column
from sparklite.sql.errors import (AnalysisException, PySparkNotImplementedError, PySparkTypeError,
                                  PySparkValueError, error)
from sparklite.sql.plan import logical as L
from sparklite.sql.plan.python_plans import MapInBatches, output_attributes
from sparklite.sql.plan.expressions import Literal, UnresolvedAttribute, UnresolvedStar

_QUALIFIED_REGEX = re.compile(r"^(?:(.+)\.)?`(.+)`$", re.DOTALL)
_EXPRESSION_ID = re.compile(r"#\d+")


class PlanMethods:
    def mapInArrow(self, func, schema, barrier: bool = False, profile=None):
        """``func(iterator of pyarrow.RecordBatch) -> iterator of RecordBatch`` over each partition."""
        return self._with(MapInBatches(func, "arrow", output_attributes(schema), self._plan))

    def mapInPandas(self, func, schema, barrier: bool = False, profile=None):
        """``func(iterator of pandas.DataFrame) -> iterator of pandas.DataFrame`` over each partition."""
        import pandas  # noqa: F401  (optional dependency: a clear ImportError when missing)
        return self._with(MapInBatches(func, "pandas", output_attributes(schema), self._plan))

    def pandas_api(self, index_col=None):
        """The pandas API on Spark (``pyspark.pandas``) is not part of sparklite: this raises
        ``PySparkNotImplementedError`` pointing at ``toPandas``/``toArrow`` and the DataFrame API."""
        raise error(PySparkNotImplementedError, "NOT_IMPLEMENTED",
                    feature="DataFrame.pandas_api (the pandas API on Spark; use toPandas() or toArrow() "
                            "to work in pandas or Arrow on the driver, or the DataFrame API to stay distributed)")

    def colRegex(self, colName: str) -> Column:
        """The columns whose names match a regular expression quoted in backticks (``"`(a|b)_.*`"``,
        optionally after a table name: ``"t.`x.*`"``); a name without backticks is a column name."""
        if not isinstance(colName, str):
            raise PySparkTypeError(errorClass="NOT_EXPECTED_TYPE",
                                   messageParameters={"arg_name": "colName", "expected_type": "str",
                                                      "arg_type": type(colName).__name__})
        match = _QUALIFIED_REGEX.match(colName)
        if match is None:
            return self[colName]
        qualifier, pattern = match.groups()
        return Column(UnresolvedStar(tuple(qualifier.split(".")) if qualifier else None, regex=pattern))

    def to(self, schema: T.StructType):
        """The rows with ``schema``'s columns: matched by name, in its order, cast to its types; a
        nullable field the rows lack is NULL."""
        if not isinstance(schema, T.StructType):
            raise PySparkTypeError(errorClass="NOT_EXPECTED_TYPE",
                                   messageParameters={"arg_name": "schema", "expected_type": "StructType",
                                                      "arg_type": type(schema).__name__})
        output = self._plan.output
        case_sensitive = self._session.conf.get("spark.sql.caseSensitive", "false").lower() == "true"
        fold = (lambda n: n) if case_sensitive else str.lower
        columns = []
        for field in schema.fields:
            found = [a for a in output if fold(a.name) == fold(field.name)]
            if not found and not field.nullable:
                raise self._session.analyzer().unresolved(UnresolvedAttribute((field.name,)), self._plan)
            if found and found[0].nullable and not field.nullable:
                raise AnalysisException(errorClass="NULLABLE_COLUMN_OR_FIELD",
                                        messageParameters={"name": f"`{field.name}`"})
            column = Column(found[0]) if found else Column(Literal(None, T.NullType()))
            if not found or found[0].data_type != field.dataType:
                column = column.cast(field.dataType)
            columns.append(column.alias(field.name, metadata=field.metadata or None))
        return self.select(*columns)

    def observe(self, observation, *exprs):
        """The same rows, with ``exprs`` (named aggregates) computed over them when an action runs:
        read them with ``observation.get`` (an ``Observation``)."""
        from sparklite.sql.observation import Observation
        if not exprs:
            raise PySparkValueError(errorClass="CANNOT_BE_EMPTY", messageParameters={"item": "exprs"})
        if not all(isinstance(c, Column) for c in exprs):
            raise PySparkTypeError(errorClass="NOT_EXPECTED_TYPE",
                                   messageParameters={"arg_name": "exprs", "expected_type": "list[Column]",
                                                      "arg_type": type(exprs).__name__})
        if isinstance(observation, str):
            return self._with(L.CollectMetrics(observation, [c._expr for c in exprs], self._plan, None))
        if not isinstance(observation, Observation):
            raise PySparkTypeError(errorClass="NOT_EXPECTED_TYPE",
                                   messageParameters={"arg_name": "observation", "expected_type": "Observation or str",
                                                      "arg_type": type(observation).__name__})
        return observation._on(self, *exprs)

    def sameSemantics(self, other) -> bool:
        """Whether both DataFrames compute the same rows by the same plan, whatever their
        expression ids."""
        if not isinstance(other, PlanMethods):
            raise PySparkTypeError(errorClass="NOT_EXPECTED_TYPE",
                                   messageParameters={"arg_name": "other", "expected_type": "DataFrame",
                                                      "arg_type": type(other).__name__})
        return _canonical(self) == _canonical(other)

    def semanticHash(self) -> int:
        """A hash of the plan that ``sameSemantics`` compares (a signed 32-bit int, as Spark's)."""
        digest = int.from_bytes(hashlib.sha256(_canonical(self).encode()).digest()[:4], "big")
        return digest - (1 << 32) if digest >= 1 << 31 else digest

    def inputFiles(self) -> list:
        """The files the plan's scans read (after partition pruning), each once."""
        files = []
        for node in self._query.optimized.walk():
            if isinstance(node, L.DataSourceRelation) and hasattr(node.source, "files"):
                files += [f.uri for f in node.source.files]
        # Hadoop's qualified form of a local path, as Spark prints it
        return list(dict.fromkeys("file://" + f[5:] if f.startswith("file:/") and not f.startswith("file://")
                                  else f for f in files))


def _canonical(df) -> str:
    """The optimized plan's text with expression ids numbered in order of first appearance."""
    numbering = {}
    return _EXPRESSION_ID.sub(lambda m: numbering.setdefault(m.group(), f"#{len(numbering)}"),
                              df._query.optimized.tree_string())

"""``pyspark.sql.functions``' aggregate functions that take more than columns: each builds an
unresolved call of an aggregate of ``sparklite.sql.builtins``."""
from __future__ import annotations

from sparklite.sql.column import Column, literal
from sparklite.sql.column import column_expression as _column
from sparklite.sql.plan.expressions import UnresolvedFunction

__all__ = ["mode", "listagg", "string_agg", "listagg_distinct", "string_agg_distinct"]


def mode(col, deterministic: bool = False) -> Column:
    """The most frequent non-NULL value of ``col`` in each group; with ``deterministic``, the
    smallest of the values tied for most frequent (else any one of them)."""
    return Column(UnresolvedFunction("mode", [_column(col), literal(deterministic)]))


def _concatenation(name: str, col, delimiter, distinct: bool) -> Column:
    separator = delimiter._expr if isinstance(delimiter, Column) else literal(delimiter)
    return Column(UnresolvedFunction(name, [_column(col), separator], distinct))


def listagg(col, delimiter=None) -> Column:
    """The non-NULL values of ``col`` in each group joined by ``delimiter`` (nothing when None), in
    the order the rows come; NULL for a group without values."""
    return _concatenation("listagg", col, delimiter, False)


def string_agg(col, delimiter=None) -> Column:
    """``listagg`` under its other name."""
    return _concatenation("string_agg", col, delimiter, False)


def listagg_distinct(col, delimiter=None) -> Column:
    """``listagg`` of each group's distinct values."""
    return _concatenation("listagg", col, delimiter, True)


def string_agg_distinct(col, delimiter=None) -> Column:
    """``string_agg`` of each group's distinct values."""
    return _concatenation("string_agg", col, delimiter, True)

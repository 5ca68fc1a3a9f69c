"""``pyspark.sql.functions``' aggregate functions that take more than columns: each builds an
unresolved call of an aggregate of ``sparklite.sql.builtins``."""
from __future__ import annotations

from sparklite.sql.column import Column, literal
from sparklite.sql.column import column_expression as _column
from sparklite.sql.plan.expressions import UnresolvedFunction

__all__ = ["mode"]


def mode(col, deterministic: bool = False) -> Column:
    """The most frequent non-NULL value of ``col`` in each group; with ``deterministic``, the
    smallest of the values tied for most frequent (else any one of them)."""
    return Column(UnresolvedFunction("mode", [_column(col), literal(deterministic)]))

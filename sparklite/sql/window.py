"""``Window`` and ``WindowSpec``: how a window function sees its rows (``pyspark.sql.Window``).

Contract: a spec holds partition expressions, sort orders and a frame (ROWS or RANGE between two
boundaries; ``Window.unboundedPreceding``/``unboundedFollowing``/``currentRow`` as in PySpark, and
any boundary at or beyond PySpark's sentinels means unbounded). Specs are immutable: every method
returns a new one.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from sparklite.sql.column import Column, name_to_expression
from sparklite.sql.errors import PySparkTypeError
from sparklite.sql.plan.expressions import SortOrder, SortOrderExpression

_JAVA_MAX = (1 << 63) - 1
_JAVA_MIN = -(1 << 63)
# PySpark treats anything at or past these as unbounded
_PRECEDING_THRESHOLD = -(1 << 62)
_FOLLOWING_THRESHOLD = (1 << 62) - 1


def _expressions(cols) -> list:
    if len(cols) == 1 and isinstance(cols[0], (list, tuple)):
        cols = cols[0]
    out = []
    for c in cols:
        if isinstance(c, Column):
            out.append(c._expr)
        elif isinstance(c, str):
            out.append(name_to_expression(c))
        else:
            raise PySparkTypeError(errorClass="NOT_EXPECTED_TYPE",
                                   messageParameters={"expected_type": "Column or str", "arg_name": "cols", "arg_type": type(c).__name__})
    return out


def _boundary(value: int):
    if value <= _PRECEDING_THRESHOLD:
        return _JAVA_MIN
    if value >= _FOLLOWING_THRESHOLD:
        return _JAVA_MAX
    return int(value)


@dataclass(frozen=True)
class WindowSpec:
    partition: tuple = ()
    order: tuple = ()
    frame: tuple | None = None        # ("rows" | "range", start, end)

    def partitionBy(self, *cols) -> "WindowSpec":
        return replace(self, partition=tuple(_expressions(cols)))

    def orderBy(self, *cols) -> "WindowSpec":
        orders = []
        for e in _expressions(cols):
            orders.append(e.to_order() if isinstance(e, SortOrderExpression) else SortOrder(e))
        return replace(self, order=tuple(orders))

    def rowsBetween(self, start: int, end: int) -> "WindowSpec":
        return replace(self, frame=("rows", _boundary(start), _boundary(end)))

    def rangeBetween(self, start: int, end: int) -> "WindowSpec":
        return replace(self, frame=("range", _boundary(start), _boundary(end)))


class Window:
    unboundedPreceding: int = _JAVA_MIN
    unboundedFollowing: int = _JAVA_MAX
    currentRow: int = 0

    @staticmethod
    def partitionBy(*cols) -> WindowSpec:
        return WindowSpec().partitionBy(*cols)

    @staticmethod
    def orderBy(*cols) -> WindowSpec:
        return WindowSpec().orderBy(*cols)

    @staticmethod
    def rowsBetween(start: int, end: int) -> WindowSpec:
        return WindowSpec().rowsBetween(start, end)

    @staticmethod
    def rangeBetween(start: int, end: int) -> WindowSpec:
        return WindowSpec().rangeBetween(start, end)

"""``Column``: PySpark's column expression object, a thin wrapper around an expression tree.

Contract: every operator and method builds a new unresolved expression (nothing is checked until
a DataFrame uses the column, as in PySpark); Python values become literals of PySpark's types
(``lit``). ``bool(column)`` and iterating a column raise PySpark's errors, so ``a and b`` or
``if col:`` cannot silently do the wrong thing.
"""
from __future__ import annotations

import datetime
import decimal

from sparklite.sql import types as T
from sparklite.sql.errors import IllegalArgumentException, PySparkTypeError, PySparkValueError
from sparklite.sql.plan.expressions import (Alias, Cast, Expression, Literal, SortOrderExpression,
                                            UnresolvedAttribute, UnresolvedExtract, UnresolvedFunction,
                                            UnresolvedStar, WindowExpression, WindowFrame, MultiAlias)


def parse_column_name(name: str) -> tuple:
    """``a.b`` -> ('a', 'b'); backquotes keep dots: ```a.b``` -> ('a.b',)."""
    parts, current, quoted, i = [], "", False, 0
    while i < len(name):
        ch = name[i]
        if ch == "`":
            if quoted and i + 1 < len(name) and name[i + 1] == "`":
                current += "`"
                i += 2
                continue
            quoted = not quoted
        elif ch == "." and not quoted:
            parts.append(current)
            current = ""
        else:
            current += ch
        i += 1
    parts.append(current)
    return tuple(parts)


def name_to_expression(name: str, plan_id: int | None = None) -> Expression:
    if name == "*":
        return UnresolvedStar(None, plan_id)
    parts = parse_column_name(name)
    if parts[-1] == "*" and len(parts) > 1:
        return UnresolvedStar(parts[:-1], plan_id)
    return UnresolvedAttribute(parts, plan_id)


def column_expression(value, arg_name: str = "col") -> Expression:
    """The expression of a ``ColumnOrName`` argument of a function: a Column's, or the column a
    string names."""
    if isinstance(value, Column):
        return value._expr
    if isinstance(value, str):
        return name_to_expression(value)
    raise PySparkTypeError(errorClass="NOT_EXPECTED_TYPE",
                           messageParameters={"expected_type": "Column or str", "arg_name": arg_name,
                                              "arg_type": type(value).__name__})


def literal(value) -> Literal:
    """A Python value as PySpark's ``lit`` types it."""
    if isinstance(value, Literal):
        return value
    if value is None:
        return Literal(None, T.NullType())
    if isinstance(value, bool):
        return Literal(value, T.BooleanType())
    if isinstance(value, int):
        if -(1 << 31) <= value < (1 << 31):
            return Literal(value, T.IntegerType())
        if -(1 << 63) <= value < (1 << 63):
            return Literal(value, T.LongType())
        raise PySparkValueError(errorClass="VALUE_NOT_BETWEEN",
                                messageParameters={"arg_name": "value", "min": str(-(1 << 63)),
                                                   "max": str((1 << 63) - 1)})
    if isinstance(value, float):
        return Literal(value, T.DoubleType())
    if isinstance(value, str):
        return Literal(value, T.StringType())
    if isinstance(value, decimal.Decimal):
        sign, digits, exponent = value.as_tuple()
        scale = max(-exponent, 0) if isinstance(exponent, int) else 0
        precision = max(len(digits) + max(exponent, 0) if isinstance(exponent, int) else len(digits), scale, 1)
        return Literal(value, T.DecimalType(min(precision, 38), scale))
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.astimezone()        # a naive datetime is local time, as in PySpark
        return Literal(value.astimezone(datetime.timezone.utc), T.TimestampType())
    if isinstance(value, datetime.date):
        return Literal(value, T.DateType())
    if isinstance(value, datetime.timedelta):
        return Literal(value, T.DayTimeIntervalType(0, 3))
    if isinstance(value, (bytes, bytearray)):
        return Literal(bytes(value), T.BinaryType())
    raise PySparkTypeError(errorClass="UNSUPPORTED_LITERAL",
                           messageParameters={"literal": repr(value)})


def to_expression(value) -> Expression:
    """A Column, a column name (where PySpark reads strings as names), or a literal."""
    if isinstance(value, Column):
        return value._expr
    if isinstance(value, (list, tuple)):
        return UnresolvedFunction("array", [to_expression(v) for v in value])
    return literal(value)


def _value(value) -> Expression:
    """An operand of an operator: a Column or a literal (strings are literals here)."""
    if isinstance(value, Column):
        return value._expr
    if isinstance(value, (list, tuple)):
        return UnresolvedFunction("array", [_value(v) for v in value])
    return literal(value)


_SYMBOLS = {"add": "+", "subtract": "-", "multiply": "*", "divide": "/", "remainder": "%", "equal": "=",
            "lessthan": "<", "lessthanorequal": "<=", "greaterthan": ">", "greaterthanorequal": ">=",
            "equalnullsafe": "<=>", "and": "and", "or": "or", "not": "not", "power": "power"}


def column_string(e: Expression) -> str:
    """A column as PySpark 4 prints an unresolved one: operators as calls, ``+(a, 1)``."""
    if isinstance(e, UnresolvedFunction):
        name = _SYMBOLS.get(e.name, e.name)
        return f"{name}({', '.join(column_string(c) for c in e.children)})"
    if isinstance(e, Alias):
        return f"{column_string(e.children[0])} AS {e.name}"
    if isinstance(e, Cast):
        return f"CAST({column_string(e.children[0])} AS {e.to.simpleString().upper()})"
    if isinstance(e, UnresolvedExtract):
        return f"{column_string(e.children[0])}[{column_string(e.children[1])}]"
    return e.sql()


def _call(name: str, *args) -> "Column":
    return Column(UnresolvedFunction(name, [_value(a) for a in args]))


def _binary(name: str, reverse: bool = False):
    def op(self, other):
        return _call(name, other, self) if reverse else _call(name, self, other)
    op.__name__ = name
    return op


class Column:
    """A column expression; build them with ``F.col``, ``df["x"]``, ``df.x`` or operators."""

    def __init__(self, expr: Expression):
        self._expr = expr

    # -- operators --------------------------------------------------------------------------
    __add__ = _binary("add")
    __radd__ = _binary("add")
    __sub__ = _binary("subtract")
    __rsub__ = _binary("subtract", True)
    __mul__ = _binary("multiply")
    __rmul__ = _binary("multiply")
    __truediv__ = _binary("divide")
    __rtruediv__ = _binary("divide", True)
    __div__ = __truediv__
    __mod__ = _binary("remainder")
    __rmod__ = _binary("remainder", True)
    __pow__ = _binary("power")
    __rpow__ = _binary("power", True)
    __lt__ = _binary("lessthan")
    __le__ = _binary("lessthanorequal")
    __gt__ = _binary("greaterthan")
    __ge__ = _binary("greaterthanorequal")
    __and__ = _binary("and")
    __rand__ = _binary("and")
    __or__ = _binary("or")
    __ror__ = _binary("or")
    bitwiseAND = _binary("bitwise_and")
    bitwiseOR = _binary("bitwise_or")
    bitwiseXOR = _binary("bitwise_xor")
    eqNullSafe = _binary("equalnullsafe")

    def __eq__(self, other):  # type: ignore[override]
        return _call("equal", self, other)

    def __ne__(self, other):  # type: ignore[override]
        return Column(UnresolvedFunction("not", [_call("equal", self, other)._expr]))

    def __neg__(self):
        return _call("negative", self)          # named negative(a), as Spark's Column names it

    def __invert__(self):
        return _call("not", self)

    def __bool__(self):
        raise PySparkValueError(errorClass="CANNOT_CONVERT_COLUMN_INTO_BOOL",
                                messageParameters={})

    __nonzero__ = __bool__

    def __iter__(self):
        raise PySparkTypeError(errorClass="NOT_ITERABLE", messageParameters={"objectName": "Column"})

    def __contains__(self, item):
        raise PySparkValueError(errorClass="CANNOT_APPLY_IN_FOR_COLUMN", messageParameters={})

    def __hash__(self):
        return id(self)

    def __getitem__(self, key):
        if isinstance(key, slice):
            if key.step is not None:
                raise PySparkValueError(errorClass="SLICE_WITH_STEP", messageParameters={})
            return self.substr(key.start, key.stop)
        return Column(UnresolvedExtract(self._expr, _value(key)))

    def __getattr__(self, item):
        if item.startswith("__"):
            raise AttributeError(item)
        return self[item]

    def __repr__(self):
        return f"Column<'{column_string(self._expr)}'>"

    # -- naming and types -------------------------------------------------------------------
    def alias(self, *alias: str, metadata: dict | None = None) -> "Column":
        if len(alias) != 1:
            return Column(MultiAlias(self._expr, alias))
        return Column(Alias(self._expr, alias[0], metadata=metadata))

    name = alias

    def cast(self, dataType) -> "Column":
        if isinstance(dataType, str):
            dataType = T._parse_datatype_string(dataType)
        if not isinstance(dataType, T.DataType):
            raise PySparkTypeError(errorClass="NOT_EXPECTED_TYPE",
                                   messageParameters={"expected_type": "DataType or str", "arg_name": "dataType",
                                                      "arg_type": type(dataType).__name__})
        # a DataFrame cast keeps the column's name, and shows as CAST(...) inside other expressions
        return Column(Cast(self._expr, dataType, "ansi", keeps_name=True))

    astype = cast

    def try_cast(self, dataType) -> "Column":
        if isinstance(dataType, str):
            dataType = T._parse_datatype_string(dataType)
        return Column(Cast(self._expr, dataType, "try", keeps_name=True))

    # -- ordering ---------------------------------------------------------------------------
    def asc(self):
        return Column(SortOrderExpression(self._expr, True, None))

    def asc_nulls_first(self):
        return Column(SortOrderExpression(self._expr, True, True))

    def asc_nulls_last(self):
        return Column(SortOrderExpression(self._expr, True, False))

    def desc(self):
        return Column(SortOrderExpression(self._expr, False, None))

    def desc_nulls_first(self):
        return Column(SortOrderExpression(self._expr, False, True))

    def desc_nulls_last(self):
        return Column(SortOrderExpression(self._expr, False, False))

    # -- predicates -------------------------------------------------------------------------
    def isNull(self):
        return _call("isnull", self)

    def isNotNull(self):
        return _call("isnotnull", self)

    def isNaN(self):
        return _call("isnan", self)

    def between(self, lowerBound, upperBound):
        return (self >= lowerBound) & (self <= upperBound)

    def isin(self, *cols):
        if len(cols) == 1 and isinstance(cols[0], (list, set, tuple)):
            cols = tuple(cols[0])
        return Column(UnresolvedFunction("in", [self._expr] + [_value(c) for c in cols]))

    def like(self, other: str):
        return _call("like", self, other)

    def ilike(self, other: str):
        return _call("ilike", self, other)

    def rlike(self, other: str):
        return _call("rlike", self, other)

    def contains(self, other):
        return _call("contains", self, other)

    def startswith(self, other):
        return _call("startswith", self, other)

    def endswith(self, other):
        return _call("endswith", self, other)

    def substr(self, startPos, length=None):
        if type(startPos) is not type(length) and length is not None and not (
                isinstance(startPos, int) and isinstance(length, int)):
            raise PySparkTypeError(errorClass="NOT_SAME_TYPE",
                                   messageParameters={"arg_name1": "startPos", "arg_name2": "length",
                                                      "arg_type1": type(startPos).__name__,
                                                      "arg_type2": type(length).__name__})
        if length is None:
            return _call("substr", self, startPos)
        return _call("substr", self, startPos, length)

    # -- nested values ----------------------------------------------------------------------
    def getItem(self, key):
        return Column(UnresolvedExtract(self._expr, _value(key)))

    def getField(self, name):
        return Column(UnresolvedExtract(self._expr, literal(name)))

    def withField(self, fieldName: str, col: "Column"):
        if not isinstance(fieldName, str):
            raise PySparkTypeError(errorClass="NOT_EXPECTED_TYPE", messageParameters={"expected_type": "str", "arg_name": "fieldName",
                                                                             "arg_type": type(fieldName).__name__})
        return Column(UnresolvedFunction("__with_field", [self._expr, literal(fieldName), _value(col)]))

    def dropFields(self, *fieldNames: str):
        return Column(UnresolvedFunction("__drop_fields", [self._expr] + [literal(f) for f in fieldNames]))

    # -- conditionals -----------------------------------------------------------------------
    def when(self, condition, value):
        expr = self._expr
        if not (isinstance(expr, UnresolvedFunction) and expr.name == "casewhen" and len(expr.children) % 2 == 0):
            raise IllegalArgumentException("when() can only be applied on a Column previously generated by when() "
                                           "function, and cannot be applied once otherwise() is applied")
        return Column(UnresolvedFunction("casewhen", list(expr.children) + [_value(condition), _value(value)]))

    def otherwise(self, value):
        expr = self._expr
        if not (isinstance(expr, UnresolvedFunction) and expr.name == "casewhen" and len(expr.children) % 2 == 0):
            raise IllegalArgumentException("otherwise() can only be applied on a Column previously generated by "
                                           "when(), and cannot be applied once otherwise() is applied")
        return Column(UnresolvedFunction("casewhen", list(expr.children) + [_value(value)]))

    def over(self, window):
        """This window function or aggregate over ``window`` (a ``WindowSpec``)."""
        if not hasattr(window, "partition") or not hasattr(window, "frame"):
            raise PySparkTypeError(errorClass="NOT_EXPECTED_TYPE",
                                   messageParameters={"expected_type": "WindowSpec", "arg_name": "window",
                                                      "arg_type": type(window).__name__})
        frame = WindowFrame(*window.frame) if window.frame is not None else None
        return Column(WindowExpression(self._expr, tuple(window.partition), tuple(window.order), frame))

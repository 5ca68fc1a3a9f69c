"""Which casts Spark allows (ANSI mode's ``Cast.canAnsiCast``), checked at analysis.

Contract: ``can_cast(from, to)`` answers for any pair of Spark types, nested ones recursively;
``check_cast(cast)`` raises ``DATATYPE_MISMATCH.CAST_WITHOUT_SUGGESTION`` for a cast Spark refuses
(``CAST_WITH_FUNC_SUGGESTION`` between numbers and dates, ``CAST_WITH_CONF_SUGGESTION`` for the
casts only Spark's non-ANSI mode makes).
"""
from __future__ import annotations

from sparklite.sql import types as T
from sparklite.sql.errors import AnalysisException

_DATETIME = (T.DateType, T.TimestampType, T.TimestampNTZType)


def _string(t) -> bool:
    return isinstance(t, (T.StringType, T.CharType, T.VarcharType))


def can_cast(src, dst) -> bool:
    if src == dst or isinstance(src, T.NullType):
        return True
    if _string(dst):
        return True
    if _string(src):
        return isinstance(dst, (T.NumericType, T.BooleanType, T.BinaryType, T.DayTimeIntervalType,
                                T.YearMonthIntervalType) + _DATETIME)
    if isinstance(src, T.NumericType) and isinstance(dst, (T.NumericType, T.BooleanType)):
        return True
    if isinstance(src, T.BooleanType) and isinstance(dst, T.NumericType):
        return True
    if isinstance(src, T.NumericType) and isinstance(dst, T.TimestampType):
        return True
    if isinstance(src, T.TimestampType) and isinstance(dst, T.NumericType):
        return True
    if isinstance(src, _DATETIME) and isinstance(dst, _DATETIME):
        return True
    if isinstance(src, T.ArrayType) and isinstance(dst, T.ArrayType):
        return can_cast(src.elementType, dst.elementType)
    if isinstance(src, T.MapType) and isinstance(dst, T.MapType):
        return can_cast(src.keyType, dst.keyType) and can_cast(src.valueType, dst.valueType)
    if isinstance(src, T.StructType) and isinstance(dst, T.StructType):
        return len(src.fields) == len(dst.fields) and all(
            can_cast(a.dataType, b.dataType) for a, b in zip(src.fields, dst.fields))
    if isinstance(src, (T.DayTimeIntervalType, T.YearMonthIntervalType)) and isinstance(dst, T.IntegralType):
        return True
    return False


def _legacy_only(src, dst) -> bool:
    """Casts Spark makes only with ANSI mode off: booleans to and from datetimes."""
    return (isinstance(src, T.BooleanType) and isinstance(dst, T.TimestampType)) or \
        (isinstance(src, (T.DateType, T.TimestampType)) and isinstance(dst, T.BooleanType))


def check_cast(cast) -> None:
    """Raise for a cast Spark refuses, naming the functions that do it (a number of days to a date
    and back) or the setting that allows it when there are such."""
    src, dst = cast.children[0].data_type, cast.to
    if can_cast(src, dst):
        return
    parameters = {"sqlExpr": f'"{cast.sql()}"', "srcType": f'"{src.simpleString().upper()}"',
                  "targetType": f'"{dst.simpleString().upper()}"'}
    functions = "`DATE_FROM_UNIX_DATE`" if isinstance(src, T.NumericType) and isinstance(dst, T.DateType) else \
        "`UNIX_DATE`" if isinstance(src, T.DateType) and isinstance(dst, T.NumericType) else None
    if functions is not None:
        raise AnalysisException(errorClass="DATATYPE_MISMATCH.CAST_WITH_FUNC_SUGGESTION",
                                messageParameters={**parameters, "functionNames": functions})
    if _legacy_only(src, dst):
        raise AnalysisException(errorClass="DATATYPE_MISMATCH.CAST_WITH_CONF_SUGGESTION",
                                messageParameters={**parameters, "config": '"spark.sql.ansi.enabled"',
                                                   "configVal": "'false'"})
    raise AnalysisException(errorClass="DATATYPE_MISMATCH.CAST_WITHOUT_SUGGESTION", messageParameters=parameters)

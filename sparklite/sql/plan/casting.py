"""Which casts Spark allows (ANSI mode's ``Cast.canAnsiCast``), checked at analysis.

Contract: ``can_cast(from, to)`` answers for any pair of Spark types, nested ones recursively;
``check_cast(cast)`` raises ``DATATYPE_MISMATCH.CAST_WITHOUT_SUGGESTION`` for a cast Spark refuses.
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


def check_cast(cast) -> None:
    src, dst = cast.children[0].data_type, cast.to
    if not can_cast(src, dst):
        raise AnalysisException(
            errorClass="DATATYPE_MISMATCH.CAST_WITHOUT_SUGGESTION",
            messageParameters={"sqlExpr": f'"{cast.sql()}"', "srcType": f'"{src.simpleString().upper()}"',
                               "targetType": f'"{dst.simpleString().upper()}"'})

"""Spark's type coercion in ANSI mode (Spark 4's default) and its decimal precision rules.

Contract:
* ``wider_type(a, b)`` is the type both sides of an operator or a set operation widen to (Spark's
  ``findWiderTypeForTwo``), or None when there is none.
* ``cast_to(e, t)`` wraps ``e`` in an implicit cast to ``t`` unless it already has that type.
* ``decimal_of(t)`` is the decimal an integral type widens to, ``operand_decimal(e)`` the one an
  operand of an operator beside a decimal does (an integer literal: its digits only, Spark's literal
  rule, which makes the operator's result nullable); ``bounded_decimal(p, s)`` applies
  ``spark.sql.decimalOperations.allowPrecisionLoss`` (on): past 38 digits the scale gives way,
  keeping at least 6 digits of it.
* The arithmetic result rules (``add_result``, ``multiply_result``, ``divide_result``,
  ``remainder_result``) are DecimalPrecision's.
"""
from __future__ import annotations

from sparklite.sql import types as T
from sparklite.sql.plan.expressions import Cast, Expression, Literal

MAX_PRECISION = 38
MIN_ADJUSTED_SCALE = 6

_INTEGRAL_ORDER = [T.ByteType, T.ShortType, T.IntegerType, T.LongType]
_INTEGRAL_DECIMAL = {T.ByteType: (3, 0), T.ShortType: (5, 0), T.IntegerType: (10, 0), T.LongType: (20, 0)}
_NUMERIC_ORDER = _INTEGRAL_ORDER + [T.FloatType, T.DoubleType]


def is_numeric(t) -> bool:
    return isinstance(t, T.NumericType)


def is_integral(t) -> bool:
    return isinstance(t, tuple(_INTEGRAL_ORDER))


def is_fractional_float(t) -> bool:
    return isinstance(t, (T.FloatType, T.DoubleType))


def is_string(t) -> bool:
    return isinstance(t, (T.StringType, T.CharType, T.VarcharType))


def decimal_of(t) -> T.DecimalType:
    if isinstance(t, T.DecimalType):
        return t
    for kind, (p, s) in _INTEGRAL_DECIMAL.items():
        if isinstance(t, kind):
            return T.DecimalType(p, s)
    raise TypeError(f"{t} has no decimal form")


def operand_decimal(e: Expression) -> T.DecimalType:
    """The decimal an operand beside a decimal widens to in an operator (DecimalPrecision): an
    integer literal to the fewest digits that hold it (``1`` is DECIMAL(1,0)), another integer to
    its type's ``decimal_of``."""
    if isinstance(e, Literal) and is_integral(e.data_type) and e.value is not None:
        return T.DecimalType(len(str(abs(e.value))), 0)
    return decimal_of(e.data_type)


def bounded_decimal(precision: int, scale: int) -> T.DecimalType:
    """DecimalType.adjustPrecisionScale: keep the integral digits, give up scale past 38 digits."""
    if precision <= MAX_PRECISION:
        return T.DecimalType(precision, scale)
    integral = precision - scale
    min_scale = min(scale, MIN_ADJUSTED_SCALE)
    return T.DecimalType(MAX_PRECISION, max(MAX_PRECISION - integral, min_scale))


def wider_decimal(a: T.DecimalType, b: T.DecimalType) -> T.DecimalType:
    scale = max(a.scale, b.scale)
    integral = max(a.precision - a.scale, b.precision - b.scale)
    return T.DecimalType(min(integral + scale, MAX_PRECISION), min(scale, MAX_PRECISION - min(integral, MAX_PRECISION)))


def _rank(t) -> int:
    for i, kind in enumerate(_NUMERIC_ORDER):
        if isinstance(t, kind):
            return i
    return -1


def wider_type(a, b):
    """The type two values widen to for a comparison, a CASE, a union or an IN list."""
    if a == b:
        return a
    if isinstance(a, T.NullType):
        return b
    if isinstance(b, T.NullType):
        return a
    if is_numeric(a) and is_numeric(b):
        if isinstance(a, T.DecimalType) or isinstance(b, T.DecimalType):
            if is_fractional_float(a) or is_fractional_float(b):
                return T.DoubleType()
            return wider_decimal(decimal_of(a), decimal_of(b))
        if (isinstance(a, T.FloatType) and is_integral(b)) or (isinstance(b, T.FloatType) and is_integral(a)):
            return T.DoubleType()       # ANSI: an integer does not widen to float exactly
        return a if _rank(a) >= _rank(b) else b
    if is_string(a) and is_string(b):
        return T.StringType()
    if isinstance(a, T.DateType) and isinstance(b, (T.TimestampType, T.TimestampNTZType)):
        return b
    if isinstance(b, T.DateType) and isinstance(a, (T.TimestampType, T.TimestampNTZType)):
        return a
    if {type(a), type(b)} == {T.TimestampType, T.TimestampNTZType}:
        return T.TimestampType()
    return nested_wider(a, b, wider_type)


def nested_wider(a, b, widen):
    """Arrays, maps and structs (fields matched by name, in order) widened element by element with
    ``widen``; None when they are not two of a kind or an element has no common type."""
    if isinstance(a, T.ArrayType) and isinstance(b, T.ArrayType):
        element = widen(a.elementType, b.elementType)
        return None if element is None else T.ArrayType(element, a.containsNull or b.containsNull)
    if isinstance(a, T.MapType) and isinstance(b, T.MapType):
        k, v = widen(a.keyType, b.keyType), widen(a.valueType, b.valueType)
        return None if k is None or v is None else T.MapType(k, v, a.valueContainsNull or b.valueContainsNull)
    if isinstance(a, T.StructType) and isinstance(b, T.StructType) and len(a.fields) == len(b.fields):
        fields = []
        for fa, fb in zip(a.fields, b.fields):
            if fa.name.lower() != fb.name.lower():
                return None
            t = widen(fa.dataType, fb.dataType)
            if t is None:
                return None
            fields.append(T.StructField(fa.name, t, fa.nullable or fb.nullable))
        return T.StructType(fields)
    return None


def comparison_type(a, b):
    """The type both sides of a comparison are cast to: the wider type, or (ANSI) the non-string
    side's type when one side is a string."""
    wide = wider_type(a, b)
    if wide is not None:
        return wide
    if is_string(a) and _atomic(b):
        return b
    if is_string(b) and _atomic(a):
        return a
    return None


def _atomic(t) -> bool:
    return isinstance(t, (T.NumericType, T.BooleanType, T.DateType, T.TimestampType, T.TimestampNTZType,
                          T.BinaryType))


def cast_to(e: Expression, t) -> Expression:
    if e.data_type == t:
        return e
    if isinstance(e, Literal) and e.value is None:
        return Literal(None, t)
    return Cast(e, t, "ansi", implicit=True)


def add_result(a: T.DecimalType, b: T.DecimalType) -> T.DecimalType:
    scale = max(a.scale, b.scale)
    return bounded_decimal(max(a.precision - a.scale, b.precision - b.scale) + scale + 1, scale)


def multiply_result(a: T.DecimalType, b: T.DecimalType) -> T.DecimalType:
    return bounded_decimal(a.precision + b.precision + 1, a.scale + b.scale)


def divide_result(a: T.DecimalType, b: T.DecimalType) -> T.DecimalType:
    # Spark 4 with allowPrecisionLoss: scale = max(6, s1 + p2 + 1), precision = p1 - s1 + s2 + scale,
    # then, past 38 digits, the bounded form keeps integral digits and at least 6 of scale
    scale = max(MIN_ADJUSTED_SCALE, a.scale + b.precision + 1)
    precision = a.precision - a.scale + b.scale + scale
    return bounded_decimal(precision, scale)


def remainder_result(a: T.DecimalType, b: T.DecimalType) -> T.DecimalType:
    scale = max(a.scale, b.scale)
    return bounded_decimal(min(a.precision - a.scale, b.precision - b.scale) + scale, scale)


def integral_divide_result(a: T.DecimalType, b: T.DecimalType) -> T.DecimalType:
    scale = max(a.scale, b.scale)
    return bounded_decimal(a.precision - a.scale + b.scale + max(MIN_ADJUSTED_SCALE, a.scale + b.precision + 1),
                           scale)

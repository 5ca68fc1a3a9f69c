"""The literals of Spark SQL's text, from the pieces the SQL front end (``sql.py``) finds: numbers
with their type suffixes, typed literals (``DATE '...'``, ``X'...'``) and ANSI interval literals.

Contract:
* ``number(text, suffix)`` is Spark's numeric literal: ``text`` as written (with its sign, as Spark
  reads ``-128Y`` as one literal), ``suffix`` one of ``Y S L D F BD`` or None. Without a suffix an
  integer is an INT, a BIGINT or a DECIMAL(p, 0) by its size, a number with a point a DECIMAL and
  one with an exponent a DOUBLE. A value its type cannot hold raises
  ``INVALID_NUMERIC_LITERAL_RANGE`` (a ``ParseException``); a decimal of more than 38 digits
  ``DECIMAL_PRECISION_EXCEEDS_MAX_PRECISION``.
* ``typed_literal(text, to, time_zone)`` and ``binary_literal(hex_digits)`` are ``DATE '...'``,
  ``TIMESTAMP '...'`` and ``X'...'``; a value the type cannot hold raises ``INVALID_TYPED_LITERAL``.
* ``unit_interval(pairs, text)`` is ``INTERVAL 1 DAY 2 HOURS`` (value, unit pairs; one pair for
  ``INTERVAL '10' HOUR``), ``span_interval(value, start, end)`` ``INTERVAL '1 02:03' DAY TO MINUTE``
  and ``string_interval(value)`` ``INTERVAL '1 day 2 hours'``. Each is a day-time interval (a
  ``timedelta``) or a year-month one (months) whose fields run from the first unit named to the
  last, named in column names as Spark writes it back (``INTERVAL '1 02' DAY TO HOUR``).
"""
from __future__ import annotations

import datetime
import decimal
import re

from sparklite.sql import types as T
from sparklite.sql.errors import ArithmeticException, IllegalArgumentException, ParseException
from sparklite.sql.plan.expressions import Cast, Expression, Literal

MAX_PRECISION = 38

# suffix: (type, SQL name, smallest, largest as Spark prints them)
_INTEGRAL = {"Y": (T.ByteType(), "tinyint", -(1 << 7), (1 << 7) - 1),
             "S": (T.ShortType(), "smallint", -(1 << 15), (1 << 15) - 1),
             "L": (T.LongType(), "bigint", -(1 << 63), (1 << 63) - 1)}
_FLOATING = {"D": (T.DoubleType(), "double", 1.7976931348623157e308, "1.7976931348623157E+308"),
             "F": (T.FloatType(), "float", 3.4028234663852886e38, "3.4028234663852886E+38")}


def number(text: str, suffix: str | None = None) -> Literal:
    """Spark's numeric literal for a number as written (see the module's contract)."""
    suffix = (suffix or "").upper()
    if suffix in _INTEGRAL:
        data_type, name, low, high = _INTEGRAL[suffix]
        value = int(text)
        if not low <= value <= high:
            raise _out_of_range(text, name, str(low), str(high))
        return Literal(value, data_type)
    if suffix in _FLOATING or (not suffix and "e" in text.lower()):
        data_type, name, largest, shown = _FLOATING[suffix or "D"]
        value = float(text)
        if not abs(value) <= largest:
            raise _out_of_range(text, name, "-" + shown, shown)
        return Literal(value, data_type)
    if suffix == "BD" or "." in text:
        return decimal_literal(decimal.Decimal(text))
    value = int(text)
    if -(1 << 31) <= value < (1 << 31):
        return Literal(value, T.IntegerType())
    if -(1 << 63) <= value < (1 << 63):
        return Literal(value, T.LongType())
    return decimal_literal(decimal.Decimal(value))


def decimal_literal(value: decimal.Decimal) -> Literal:
    """A DECIMAL literal of the fewest digits that hold ``value`` as written (``1.50`` is
    DECIMAL(3,2)); an exponent above zero is written out (``1E3`` is ``1000``)."""
    _, digits, exponent = value.as_tuple()
    if exponent > 0:
        with decimal.localcontext(decimal.Context(prec=len(digits) + exponent + 1)):
            value = value.quantize(decimal.Decimal(1))
        _, digits, exponent = value.as_tuple()
    scale = -exponent
    precision = max(len(digits), scale, 1)
    if precision > MAX_PRECISION:
        raise ArithmeticException(errorClass="DECIMAL_PRECISION_EXCEEDS_MAX_PRECISION",
                                  messageParameters={"precision": str(precision),
                                                     "maxPrecision": str(MAX_PRECISION)})
    return Literal(value, T.DecimalType(precision, scale))


def _out_of_range(text: str, type_name: str, low: str, high: str) -> ParseException:
    return ParseException(
        errorClass="INVALID_NUMERIC_LITERAL_RANGE",
        messageParameters={"rawStrippedQualifier": text, "minValue": low, "maxValue": high, "typeName": type_name})


def _invalid_typed(word: str, text: str) -> ParseException:
    return ParseException(errorClass="INVALID_TYPED_LITERAL",
                          messageParameters={"valueType": f'"{word}"', "value": f"'{text}'"})


def binary_literal(digits: str) -> Literal:
    """``X'..'``: an odd number of hex digits reads as if led by a zero (``X'ABC'`` is ``X'0ABC'``)."""
    if not re.fullmatch(r"[0-9a-fA-F]*", digits):
        raise _invalid_typed("X", digits)
    return Literal(bytes.fromhex(digits if len(digits) % 2 == 0 else "0" + digits), T.BinaryType())


def typed_literal(text: str, to: T.DataType, time_zone: str) -> Expression:
    """``DATE '...'``, ``TIMESTAMP '...'``, ``TIMESTAMP_NTZ '...'``: a literal of the type, a
    timestamp read in the session's time zone; other types are a cast of the string."""
    from sparklite.sql.execution.cast import parse_date, parse_timestamp
    value = None
    trimmed = text.strip()
    if isinstance(to, T.DateType):
        value = parse_date(trimmed)
    elif isinstance(to, (T.TimestampType, T.TimestampNTZType)):
        micros = parse_timestamp(trimmed, time_zone, isinstance(to, T.TimestampNTZType))
        if micros is not None:
            value = datetime.datetime(1970, 1, 1) + datetime.timedelta(microseconds=micros)
            if isinstance(to, T.TimestampType):
                value = value.replace(tzinfo=datetime.timezone.utc)
    else:
        return Cast(Literal(text, T.StringType()), to, "ansi")
    if value is None:
        raise _invalid_typed("TIMESTAMP" if isinstance(to, T.TimestampType) else to.simpleString().upper(), text)
    return Literal(value, to)


# -- intervals ---------------------------------------------------------------------------------

# unit: (year-month or day-time, field, how many months or microseconds one unit is)
_UNITS = {"year": ("ym", 0, 12), "month": ("ym", 1, 1),
          "week": ("dt", 0, 7 * 86_400_000_000), "day": ("dt", 0, 86_400_000_000),
          "hour": ("dt", 1, 3_600_000_000), "minute": ("dt", 2, 60_000_000), "second": ("dt", 3, 1_000_000),
          "millisecond": ("dt", 3, 1_000), "microsecond": ("dt", 3, 1)}
_FRACTIONAL_UNITS = {"second", "millisecond", "microsecond"}
_VALUE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_DAY_TIME_FIELDS = ("DAY", "HOUR", "MINUTE", "SECOND")


def _unit(word: str) -> str:
    unit = word.lower()
    unit = unit[:-1] if unit.endswith("s") and unit[:-1] in _UNITS else unit
    if unit not in _UNITS:
        raise ParseException(errorClass="PARSE_SYNTAX_ERROR", messageParameters={"error": f"'{word}'", "hint": ""})
    return unit


def unit_interval(pairs: list[tuple[str, str]], text: str) -> Literal:
    """``INTERVAL 1 DAY 2 HOURS``: ``pairs`` of (signed number as text, unit as written); ``text``
    is the literal as the user wrote it, for the error that mixes year-month and day-time units."""
    written = "".join(f" {value} {unit}" for value, unit in pairs)
    kinds, fields, total = set(), [], 0
    for value, word in pairs:
        unit = _unit(word)
        if not _VALUE.match(value.strip()):
            raise ParseException(errorClass="_LEGACY_ERROR_TEMP_0026", messageParameters={"value": value})
        amount = decimal.Decimal(value.strip())
        if amount != amount.to_integral_value() and unit not in _FRACTIONAL_UNITS:
            raise IllegalArgumentException(errorClass="INVALID_INTERVAL_FORMAT.INVALID_FRACTION",
                                           messageParameters={"input": written, "unit": word.lower()})
        kind, field, size = _UNITS[unit]
        kinds.add(kind)
        fields.append(field)
        total += int(amount * size)
    if len(kinds) > 1:
        raise ParseException(errorClass="_LEGACY_ERROR_TEMP_0029", messageParameters={"literal": text})
    if kinds == {"ym"}:
        return year_month_literal(total, min(fields), max(fields))
    return day_time_literal(total, min(fields), max(fields))


def string_interval(value: str) -> Literal:
    """``INTERVAL '1 day 2 hours'``: the units are inside the string."""
    words = value.split()
    if not words or len(words) % 2:
        raise ParseException(errorClass="_LEGACY_ERROR_TEMP_0026", messageParameters={"value": value})
    return unit_interval(list(zip(words[::2], words[1::2])), f"INTERVAL '{value}'")


def _span_pattern(start: str, end: str) -> tuple[str, str]:
    """The regular expression and the format Spark names for ``INTERVAL '...' start TO end``."""
    if (start, end) == ("YEAR", "MONTH"):
        return r"(\d+)-(\d+)", "[+|-]y-m"
    names = _DAY_TIME_FIELDS[_DAY_TIME_FIELDS.index(start):_DAY_TIME_FIELDS.index(end) + 1]
    seconds = r"(\d+(?:\.\d{1,9})?)"
    parts = {"DAY": (r"(\d+)", "d"), "HOUR": (r"(\d+)", "h"), "MINUTE": (r"(\d+)", "m"), "SECOND": (seconds, "s.n")}
    pattern, shown = parts[names[0]]
    for name in names[1:]:
        separator = " " if name == "HOUR" else ":"
        pattern += separator + parts[name][0]
        shown += separator + parts[name][1]
    return pattern, "[+|-]" + shown


def span_interval(value: str, start: str, end: str) -> Literal:
    """``INTERVAL '1 02:03:04.5' DAY TO SECOND``, ``INTERVAL '-1-2' YEAR TO MONTH``: the string holds
    every field from ``start`` to ``end``; all but the first keep to their clock range."""
    start, end = start.upper(), end.upper()
    year_month = (start, end) == ("YEAR", "MONTH")
    if not year_month and (start not in _DAY_TIME_FIELDS or end not in _DAY_TIME_FIELDS or
                           _DAY_TIME_FIELDS.index(start) >= _DAY_TIME_FIELDS.index(end)):
        raise ParseException(errorClass="INVALID_INTERVAL_FORMAT.UNSUPPORTED_FROM_TO_EXPRESSION",
                             messageParameters={"input": value, "from": start.lower(), "to": end.lower()})
    pattern, shown = _span_pattern(start, end)
    m = re.fullmatch(r"([+-])?" + pattern, value.strip())
    if m is None:
        kind = "year-month" if year_month else "day-time"
        type_name = f"interval {start.lower()} to {end.lower()}"
        raise ParseException(errorClass="INVALID_INTERVAL_FORMAT.UNMATCHED_FORMAT_STRING_WITH_NOTICE",
                             messageParameters={"intervalStr": kind, "typeName": type_name, "input": value,
                                                "supportedFormat": f"`{shown}`, `INTERVAL [+|-]'{shown}' "
                                                                   f"{start} TO {end}`"})
    sign = -1 if m.group(1) == "-" else 1
    numbers = m.groups()[1:]
    if year_month:
        years, months = int(numbers[0]), int(numbers[1])
        if months > 11:
            raise ParseException(errorClass="INVALID_INTERVAL_FORMAT.INTERVAL_PARSING",
                                 messageParameters={"input": value, "interval": "year-month"})
        return year_month_literal(sign * (years * 12 + months), 0, 1)
    first = _DAY_TIME_FIELDS.index(start)
    limits = {"HOUR": 23, "MINUTE": 59, "SECOND": 59}
    micros = 0
    for position, text in enumerate(numbers):
        name = _DAY_TIME_FIELDS[first + position]
        amount = decimal.Decimal(text)
        if position and amount >= limits[name] + 1:
            raise ParseException(errorClass="_LEGACY_ERROR_TEMP_0063", messageParameters={
                "msg": f"requirement failed: {name.lower()} {text} outside range [0, {limits[name]}]"})
        micros += int(amount * _UNITS[name.lower()][2])
    return day_time_literal(sign * micros, first, _DAY_TIME_FIELDS.index(end))


def day_time_literal(micros: int, start: int, end: int) -> Literal:
    from sparklite.sql.execution.cast import interval_string
    t = T.DayTimeIntervalType(start, end)
    return Literal(datetime.timedelta(microseconds=micros), t, display=interval_string(micros, t))


def year_month_literal(months: int, start: int, end: int) -> Literal:
    from sparklite.sql.execution.cast import interval_string
    t = T.YearMonthIntervalType(start, end)
    return Literal(months, t, display=interval_string(months, t))


"""CAST on whole Arrow arrays with Spark 4's ANSI semantics.

Contract: ``cast_array(values, src, dst, mode, time_zone)`` converts an array (or scalar) of Spark
type ``src`` to ``dst``. In "ansi" mode bad input raises ``CAST_INVALID_INPUT``, a value that does
not fit raises ``CAST_OVERFLOW`` (``NUMERIC_VALUE_OUT_OF_RANGE`` for decimals); in "try" mode those
rows become NULL. Strings are trimmed of whitespace before parsing, as Spark does; numbers render
to strings as Java prints them; decimals round HALF_UP. ANSI intervals render as Spark writes their
literals (``interval_string``: ``INTERVAL '1 02:03' DAY TO MINUTE``); arrays, maps and structs as
``[1, null]``, ``{a -> 1}`` and ``{1, x}``.
"""
from __future__ import annotations

import datetime
import decimal
import math
import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sparklite.sql import types as T
from sparklite.sql.errors import ArithmeticException, NumberFormatException

_INT_RANGES = {T.ByteType: (-2 ** 7, 2 ** 7 - 1), T.ShortType: (-2 ** 15, 2 ** 15 - 1),
               T.IntegerType: (-2 ** 31, 2 ** 31 - 1), T.LongType: (-2 ** 63, 2 ** 63 - 1)}
_TRUE = {"t", "true", "y", "yes", "1"}
_FALSE = {"f", "false", "n", "no", "0"}
_EPOCH_DATE = datetime.date(1970, 1, 1)


def _type_text(t) -> str:
    return f'"{t.simpleString().upper()}"'


def _sql_value(value, src) -> str:
    if isinstance(src, (T.StringType, T.CharType, T.VarcharType)):
        return "'" + str(value) + "'"
    if isinstance(value, float):
        from sparklite.sql.display import java_float_string
        text = java_float_string(value, single=isinstance(src, T.FloatType))
        return text + ("F" if isinstance(src, T.FloatType) else "D")
    if isinstance(src, T.LongType):
        return f"{value}L"
    if isinstance(src, T.ShortType):
        return f"{value}S"
    if isinstance(src, T.ByteType):
        return f"{value}Y"
    if isinstance(src, (T.DayTimeIntervalType, T.YearMonthIntervalType)):
        return interval_string(value, src)
    return str(value)


def invalid_input(value, src, dst) -> NumberFormatException:
    return NumberFormatException(
        errorClass="CAST_INVALID_INPUT",
        messageParameters={"expression": _sql_value(value, src), "sourceType": _type_text(src),
                           "targetType": _type_text(dst), "ansiConfig": '"spark.sql.ansi.enabled"'})


def cast_overflow(value, src, dst) -> ArithmeticException:
    if isinstance(dst, T.DecimalType):
        return ArithmeticException(
            errorClass="NUMERIC_VALUE_OUT_OF_RANGE.WITH_SUGGESTION",
            messageParameters={"value": str(value), "precision": str(dst.precision), "scale": str(dst.scale),
                               "config": '"spark.sql.ansi.enabled"'})
    return ArithmeticException(
        errorClass="CAST_OVERFLOW",
        messageParameters={"value": _sql_value(value, src), "sourceType": _type_text(src),
                           "targetType": _type_text(dst), "ansiConfig": '"spark.sql.ansi.enabled"'})


class _Failure:
    """How a cast treats a value it cannot convert: raise (ANSI) or NULL (try)."""

    def __init__(self, mode: str, src, dst):
        self.raising, self.src, self.dst = mode == "ansi", src, dst

    def invalid(self, value):
        if self.raising:
            raise invalid_input(value, self.src, self.dst)
        return None

    def overflow(self, value):
        if self.raising:
            raise cast_overflow(value, self.src, self.dst)
        return None


def cast_array(values, src, dst, mode: str = "ansi", time_zone: str = "UTC"):
    scalar = isinstance(values, pa.Scalar)
    array = pa.array([values.as_py()], values.type) if scalar else values
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    result = _cast(array, src, dst, _Failure(mode, src, dst), time_zone)
    return result[0] if scalar else result


def _cast(array: pa.Array, src, dst, fail: _Failure, tz: str) -> pa.Array:
    target = T.to_arrow_type(dst)
    if src == dst:
        return array
    if isinstance(src, T.NullType):
        return pa.nulls(len(array), target)
    if isinstance(dst, (T.StringType, T.CharType, T.VarcharType)):
        return to_string(array, src, tz, nested=False)
    if isinstance(src, (T.StringType, T.CharType, T.VarcharType)):
        return _from_string(array, dst, fail, tz)
    if isinstance(dst, T.BooleanType):
        return pc.not_equal(array, pa.scalar(0, array.type)) if not isinstance(src, T.BooleanType) else array
    if isinstance(src, T.BooleanType) and isinstance(dst, T.NumericType):
        return array.cast(pa.int8()).cast(target)
    if isinstance(dst, T.IntegralType):
        return _to_integral(array, src, dst, fail)
    if isinstance(dst, (T.FloatType, T.DoubleType)):
        if isinstance(src, T.TimestampType):
            micros = array.cast(pa.int64())
            return pc.divide(micros.cast(pa.float64()), 1e6).cast(target)
        return array.cast(target, safe=False)
    if isinstance(dst, T.DecimalType):
        return _to_decimal(array, src, dst, fail)
    if isinstance(dst, T.DateType):
        if isinstance(src, T.TimestampType):
            return _local(array, tz).cast(pa.date32())
        if isinstance(src, T.TimestampNTZType):
            return array.cast(pa.date32())
    if isinstance(dst, T.TimestampType):
        if isinstance(src, T.DateType):
            return _from_local(array.cast(pa.timestamp("us")), tz)
        if isinstance(src, T.TimestampNTZType):
            return _from_local(array, tz)
        if isinstance(src, T.NumericType):
            seconds = array.cast(pa.float64()) if not isinstance(src, T.IntegralType) else array.cast(pa.int64())
            micros = pc.multiply_checked(seconds, pa.scalar(1_000_000, seconds.type))
            return micros.cast(pa.int64()).cast(pa.timestamp("us", tz="UTC"))
    if isinstance(dst, T.TimestampNTZType):
        if isinstance(src, T.DateType):
            return array.cast(pa.timestamp("us"))
        if isinstance(src, T.TimestampType):
            return _local(array, tz)
    if isinstance(dst, T.BinaryType) and isinstance(src, T.BinaryType):
        return array
    if isinstance(dst, T.ArrayType) and isinstance(src, T.ArrayType):
        flat = _cast(array.flatten(), src.elementType, dst.elementType, fail, tz)
        return pa.ListArray.from_arrays(array.offsets, flat, type=target, mask=array.is_null())
    if isinstance(dst, T.StructType) and isinstance(src, T.StructType):
        fields = [_cast(array.field(i), a.dataType, b.dataType, fail, tz)
                  for i, (a, b) in enumerate(zip(src.fields, dst.fields))]
        return pa.StructArray.from_arrays(fields, fields=list(target), mask=array.is_null())
    if isinstance(dst, T.MapType) and isinstance(src, T.MapType):
        keys = _cast(array.keys, src.keyType, dst.keyType, fail, tz)
        items = _cast(array.items, src.valueType, dst.valueType, fail, tz)
        return pa.MapArray.from_arrays(array.offsets, keys, items, type=target, mask=array.is_null())
    raise TypeError(f"cannot cast {src.simpleString()} to {dst.simpleString()}")


# -- numbers -----------------------------------------------------------------------------------

def _to_integral(array, src, dst, fail):
    low, high = next(r for k, r in _INT_RANGES.items() if isinstance(dst, k))
    target = T.to_arrow_type(dst)
    if isinstance(src, T.IntegralType):
        try:
            return array.cast(target)       # safe: raises on overflow
        except pa.ArrowInvalid:
            return _row_by_row(array, lambda v: v if low <= v <= high else fail.overflow(v), target)
    if isinstance(src, (T.FloatType, T.DoubleType)):
        def convert(v):
            if math.isnan(v) or math.isinf(v):
                return fail.overflow(v)
            t = math.trunc(v)
            return t if low <= t <= high else fail.overflow(v)
        return _row_by_row(array, convert, target)
    if isinstance(src, T.DecimalType):
        def convert(v):
            t = int(v)                      # towards zero, as Spark
            return t if low <= t <= high else fail.overflow(v)
        return _row_by_row(array, convert, target)
    if isinstance(src, T.TimestampType):
        micros = array.cast(pa.int64()).to_numpy(zero_copy_only=False)
        seconds = np.floor_divide(micros, 1_000_000)
        return _row_by_row(pa.array(seconds, mask=array.is_null().to_numpy(zero_copy_only=False)),
                           lambda v: v if low <= v <= high else fail.overflow(v), target)
    if isinstance(src, (T.DayTimeIntervalType, T.YearMonthIntervalType)):
        # a whole number of the interval's last field, rounded towards zero
        unit = _FIELD_MICROS[src.endField] if isinstance(src, T.DayTimeIntervalType) else \
            12 if src.endField == 0 else 1

        def convert(v):
            whole = abs(v) // unit * (-1 if v < 0 else 1)
            return whole if low <= whole <= high else fail.overflow(v)
        return _row_by_row(array.cast(pa.int64()), convert, target)
    raise TypeError(f"cannot cast {src.simpleString()} to {dst.simpleString()}")


def _row_by_row(array, convert, target):
    return pa.array([None if v is None else convert(v) for v in array.to_pylist()], target)


def _to_decimal(array, src, dst, fail):
    if isinstance(src, T.TimestampType):
        array = pc.divide(array.cast(pa.int64()).cast(pa.float64()), 1e6)
    return _decimal_values(array.to_pylist(), dst, fail)


def _decimal_values(values: list, dst, fail) -> pa.Array:
    """Python numbers as decimals of ``dst``, rounded HALF_UP; too many digits overflow."""
    quantum = decimal.Decimal(1).scaleb(-dst.scale)
    limit = decimal.Decimal(10) ** (dst.precision - dst.scale)
    out = []
    for v in values:
        if v is None:
            out.append(None)
            continue
        if isinstance(v, float):
            if math.isnan(v) or math.isinf(v):
                out.append(fail.overflow(v))
                continue
            d = decimal.Decimal(repr(v))
        else:
            d = decimal.Decimal(int(v)) if isinstance(v, bool) else decimal.Decimal(v)
        with decimal.localcontext(decimal.Context(prec=200, rounding=decimal.ROUND_HALF_UP)):
            d = d.quantize(quantum)
        out.append(d if abs(d) < limit else fail.overflow(v))
    return pa.array(out, T.to_arrow_type(dst))


# -- from strings ------------------------------------------------------------------------------

_INTEGER = re.compile(r"^[+-]?\d+$")
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[dDfF]?$")


def _trimmed(array):
    return pc.utf8_trim_whitespace(array)


def _from_string(array, dst, fail, tz):
    target = T.to_arrow_type(dst)
    text = _trimmed(array.cast(pa.string()))
    if isinstance(dst, T.IntegralType):
        low, high = next(r for k, r in _INT_RANGES.items() if isinstance(dst, k))

        def convert(s):
            if not _INTEGER.match(s):       # ANSI: no fraction, no exponent
                return fail.invalid(s)
            v = int(s)
            return v if low <= v <= high else fail.invalid(s)
        return _row_by_row_original(array, text, convert, target)
    if isinstance(dst, (T.FloatType, T.DoubleType)):
        def convert(s):
            lower = s.lower()
            special = {"nan": math.nan, "infinity": math.inf, "+infinity": math.inf, "-infinity": -math.inf,
                       "inf": math.inf, "+inf": math.inf, "-inf": -math.inf}
            if lower in special:
                return special[lower]
            if not _NUMBER.match(s):
                return fail.invalid(s)
            return float(s.rstrip("dDfF"))
        return _row_by_row_original(array, text, convert, target)
    if isinstance(dst, T.DecimalType):
        def convert(s):
            if not _NUMBER.match(s):
                return fail.invalid(s)
            return decimal.Decimal(s.rstrip("dDfF"))
        return _decimal_values([None if s is None else convert(s) for s in text.to_pylist()], dst, fail)
    if isinstance(dst, T.BooleanType):
        def convert(s):
            lower = s.lower()
            if lower in _TRUE:
                return True
            if lower in _FALSE:
                return False
            return fail.invalid(s)
        return _row_by_row_original(array, text, convert, target)
    if isinstance(dst, T.BinaryType):
        return array.cast(pa.binary())
    if isinstance(dst, T.DateType):
        return _row_by_row_original(array, text, lambda s: parse_date(s) or fail.invalid(s), target)
    if isinstance(dst, (T.TimestampType, T.TimestampNTZType)):
        ntz = isinstance(dst, T.TimestampNTZType)

        def convert(s):
            parsed = parse_timestamp(s, tz, ntz)
            return fail.invalid(s) if parsed is None else parsed
        micros = [None if s is None else convert(s) for s in text.to_pylist()]
        return pa.array(micros, pa.int64()).cast(target)
    raise TypeError(f"cannot cast string to {dst.simpleString()}")


def _row_by_row_original(original, text, convert, target):
    # errors quote the value as the user wrote it (untrimmed)
    out = []
    for raw, s in zip(original.to_pylist(), text.to_pylist()):
        if s is None:
            out.append(None)
            continue
        try:
            out.append(convert(s))
        except NumberFormatException as e:
            raise _requote(e, raw) from None
    return pa.array(out, target)


def _requote(error, raw):
    params = error.getMessageParameters()
    params["expression"] = "'" + raw + "'"
    return NumberFormatException(errorClass=error.getCondition(), messageParameters=params)


_DATE = re.compile(r"^([+-]?\d{4,7})(?:-(\d{1,2})(?:-(\d{1,2}))?)?(?:[T ].*)?$")


def parse_date(s: str):
    """Spark's string-to-date: ``yyyy``, ``yyyy-[m]m``, ``yyyy-[m]m-[d]d``, with anything after a
    ``T`` or a space ignored."""
    m = _DATE.match(s)
    if not m:
        return None
    try:
        return datetime.date(int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1))
    except ValueError:
        return None


_TIMESTAMP = re.compile(
    r"^([+-]?\d{4,7})(?:-(\d{1,2})(?:-(\d{1,2})"
    r"(?:[T ](\d{1,2})(?::(\d{1,2})(?::(\d{1,2})(?:\.(\d{0,9}))?)?)?)?)?)?"
    r"\s*(Z|UTC|GMT|[+-]\d{1,2}(?::?\d{2})?(?::?\d{2})?|[A-Za-z]+/[A-Za-z_/+-]+)?$")


def parse_timestamp(s: str, tz: str, ntz: bool = False):
    """Microseconds since the epoch of a Spark timestamp string (in ``tz`` unless it names its own
    zone), or None when it is not one."""
    m = _TIMESTAMP.match(s)
    if not m:
        return None
    year, month, day, hour, minute, second, fraction, zone = m.groups()
    try:
        naive = datetime.datetime(int(year), int(month or 1), int(day or 1), int(hour or 0), int(minute or 0),
                                  int(second or 0), int((fraction or "0").ljust(6, "0")[:6]))
    except ValueError:
        return None
    if ntz:
        return _micros(naive)
    zone_info = _zone(zone or tz)
    if zone_info is None:
        return None
    aware = naive.replace(tzinfo=zone_info)
    return _micros(aware.astimezone(datetime.timezone.utc).replace(tzinfo=None))


def _zone(name: str):
    import zoneinfo
    if name in ("Z", "UTC", "GMT"):
        return datetime.timezone.utc
    m = re.match(r"^([+-])(\d{1,2}):?(\d{2})?:?(\d{2})?$", name)
    if m:
        sign = -1 if m.group(1) == "-" else 1
        delta = datetime.timedelta(hours=int(m.group(2)), minutes=int(m.group(3) or 0), seconds=int(m.group(4) or 0))
        return datetime.timezone(sign * delta)
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def _micros(naive: datetime.datetime) -> int:
    delta = naive - datetime.datetime(1970, 1, 1)
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


def _local(array, tz: str):
    """Instants as naive wall-clock times in ``tz``."""
    return pc.local_timestamp(array.cast(pa.timestamp("us", tz=tz if tz else "UTC")))


def _from_local(array, tz: str):
    """Wall-clock times in ``tz`` as instants (UTC timestamps)."""
    return pc.assume_timezone(array, tz, ambiguous="earliest", nonexistent="latest").cast(
        pa.timestamp("us", tz="UTC"))


# -- to strings --------------------------------------------------------------------------------

def to_string(array, src, tz: str, nested: bool) -> pa.Array:
    """Spark's cast to string (``null`` inside nested values, NULL rows stay null)."""
    if isinstance(src, (T.StringType, T.CharType, T.VarcharType)):
        return array.cast(pa.string())
    if isinstance(src, T.BooleanType):
        return pc.if_else(array, "true", "false")
    if isinstance(src, T.IntegralType):
        return array.cast(pa.string())
    if isinstance(src, (T.FloatType, T.DoubleType)):
        from sparklite.sql.display import java_float_string
        single = isinstance(src, T.FloatType)
        return pa.array([None if v is None else java_float_string(v, single=single) for v in array.to_pylist()],
                        pa.string())
    if isinstance(src, T.DecimalType):
        return pa.array([None if v is None else _plain_decimal(v) for v in array.to_pylist()], pa.string())
    if isinstance(src, T.DateType):
        return array.cast(pa.string())
    if isinstance(src, (T.TimestampType, T.TimestampNTZType)):
        local = _local(array, tz) if isinstance(src, T.TimestampType) else array
        return pa.array([None if v is None else _timestamp_text(v) for v in local.to_pylist()], pa.string())
    if isinstance(src, T.BinaryType):
        return array.cast(pa.string(), safe=False)
    if isinstance(src, T.NullType):
        return pa.nulls(len(array), pa.string())
    if isinstance(src, (T.DayTimeIntervalType, T.YearMonthIntervalType)):
        return pa.array([None if v is None else interval_string(v, src)
                         for v in array.cast(pa.int64()).to_pylist()], pa.string())
    if isinstance(src, (T.ArrayType, T.MapType, T.StructType)):
        return pa.array(_nested_texts(array, src, tz), pa.string())
    return array.cast(pa.string())


def _nested_texts(array, src, tz: str) -> list:
    """Arrays as ``[1, null]``, maps as ``{a -> 1}``, structs as ``{1, x}``: each element cast to
    string, a NULL element written ``null``; a NULL row stays NULL."""
    def texts(values, t) -> list[str]:
        return ["null" if v is None else v for v in to_string(values, t, tz, nested=True).to_pylist()]

    valid = array.is_valid().to_pylist()
    if isinstance(src, T.StructType):
        columns = [texts(child, f.dataType) for child, f in zip(array.flatten(), src.fields)]
        rows = zip(*columns) if columns else [()] * len(array)
        return ["{" + ", ".join(row) + "}" if ok else None for ok, row in zip(valid, rows)]
    offsets = array.offsets.to_pylist()     # into the children of the whole (unsliced) array
    first, count = offsets[0], offsets[-1] - offsets[0]
    if isinstance(src, T.MapType):
        keys = texts(array.keys.slice(first, count), src.keyType)
        items = texts(array.items.slice(first, count), src.valueType)
        elements = [f"{k} -> {v}" for k, v in zip(keys, items)]
        left, right = "{", "}"
    else:
        elements, left, right = texts(array.values.slice(first, count), src.elementType), "[", "]"
    return [left + ", ".join(elements[start - first:end - first]) + right if ok else None
            for ok, start, end in zip(valid, offsets, offsets[1:])]


_DAY_TIME_FIELDS = ("DAY", "HOUR", "MINUTE", "SECOND")
_FIELD_MICROS = (86_400_000_000, 3_600_000_000, 60_000_000, 1_000_000)


def interval_string(value, data_type) -> str:
    """An ANSI interval as Spark writes it back, from its start field to its end field, the first
    field holding all the rest: ``INTERVAL '1 02:03:04.5' DAY TO SECOND``, ``INTERVAL '90' MINUTE``,
    ``INTERVAL '-1-2' YEAR TO MONTH``. ``value`` is months, or microseconds (or a timedelta)."""
    if isinstance(value, datetime.timedelta):
        value = (value.days * 86_400 + value.seconds) * 1_000_000 + value.microseconds
    sign, rest = ("-" if value < 0 else ""), abs(int(value))
    start, end = data_type.startField, data_type.endField
    if isinstance(data_type, T.YearMonthIntervalType):
        names = ("YEAR", "MONTH")
        body = f"{rest // 12}-{rest % 12}" if start != end else str(rest // 12 if start == 0 else rest)
    else:
        names = _DAY_TIME_FIELDS
        body = ""
        for field in range(start, end + 1):
            if field == 3:
                seconds = format(decimal.Decimal(rest).scaleb(-6).normalize(), "f")
                part = ("0" if rest < 10_000_000 else "") + seconds
            else:
                amount, rest = divmod(rest, _FIELD_MICROS[field])
                part = str(amount) if field == 0 else f"{amount:02d}"
            body += part if field == start else (" " if field == 1 else ":") + part
    unit = names[start] if start == end else f"{names[start]} TO {names[end]}"
    return f"INTERVAL '{sign}{body}' {unit}"


def _plain_decimal(v: decimal.Decimal) -> str:
    return format(v, "f")


def _timestamp_text(v: datetime.datetime) -> str:
    text = v.strftime("%Y-%m-%d %H:%M:%S")
    if v.year < 1000:
        text = f"{v.year:04d}" + text[text.index("-"):]
    if v.microsecond:
        text += f".{v.microsecond:06d}".rstrip("0")
    return text

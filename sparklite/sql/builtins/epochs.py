"""Spark's date and time functions that build or take apart whole values: dates and timestamps made
from their fields (``make_date``, ``make_timestamp`` and kin), numbers since the epoch
(``unix_timestamp``, ``from_unixtime``, ``timestamp_seconds``, ``unix_date`` and kin) and time zone
shifts (``from_utc_timestamp``, ``to_utc_timestamp``, ``convert_timezone``). The rest of the date
and time functions, and the argument checks and conversions shared with them, are in
``datetime.py``, whose semantics (session time zone, ANSI errors, the ``try_`` forms) hold here.
"""
from __future__ import annotations

import decimal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sparklite.sql import types as T
from sparklite.sql.builtins.datetime import (CURRENT_TIMEZONE, MICROS_PER_DAY, MICROS_PER_SECOND, NEEDS_ZONE,
                                             REQUIRED, TIMESTAMPS, arity, by_pattern, converted_nullable,
                                             datetime_arg, first_index, instants_of, int_values, mismatch,
                                             month_length, resolver, session_zone, sql_of_call, string_arg,
                                             to_arrow, wall_clock)
from sparklite.sql.builtins.registry import FunctionSpec, register
from sparklite.sql.errors import ArithmeticException, DateTimeException
from sparklite.sql.execution import datetime_format as DF
from sparklite.sql.plan import coercion as C
from sparklite.sql.plan.expressions import Call


# -- dates and timestamps from their fields ---------------------------------------------------------------

class _FieldCheck:
    """java.time's checks of a date-time's fields, in its order: in ANSI mode the first failing row
    raises with Java's words (``Invalid value for MonthOfYear (valid values 1 - 12): 13``,
    ``Invalid date 'FEBRUARY 30'``); else failing rows leave ``ok``."""

    def __init__(self, valid: np.ndarray, raising: bool):
        self.ok, self.raising = valid.copy(), raising

    def fail(self, bad: np.ndarray, error) -> None:
        """The rows ``bad`` fail; ``error(row)`` is the exception for the first of them."""
        bad = bad & self.ok
        if bad.any():
            if self.raising:
                raise error(first_index(bad))
            self.ok &= ~bad

    def out_of_bounds(self, bad: np.ndarray, message) -> None:
        self.fail(bad, lambda row: DateTimeException(errorClass="DATETIME_FIELD_OUT_OF_BOUNDS.WITHOUT_SUGGESTION",
                                                     messageParameters={"rangeMessage": message(row)}))

    def field(self, name: str, values: np.ndarray, low: int, high: int, text: str | None = None) -> None:
        self.out_of_bounds((values < low) | (values > high), lambda row: f"Invalid value for {name} (valid values "
                                                                         f"{text or f'{low} - {high}'}): {values[row]}")

    def date(self, year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Days since the epoch of valid dates (0 where a check failed)."""
        self.field("Year", year, -999_999_999, 999_999_999)
        self.field("MonthOfYear", month, 1, 12)
        self.field("DayOfMonth", day, 1, 31, "1 - 28/31")
        month = np.where(self.ok, month, 1)
        too_late = day > month_length(year, month)
        self.out_of_bounds(too_late & (month == 2) & (day == 29),
                           lambda row: f"Invalid date 'February 29' as '{year[row]}' is not a leap year")
        self.out_of_bounds(too_late, lambda row: f"Invalid date '{DF.MONTHS[month[row] - 1].upper()} {day[row]}'")
        return DF.days_from_civil(np.where(self.ok, year, 1970), np.where(self.ok, month, 1),
                                  np.where(self.ok, day, 1))


def _int_args(sql: str, args, indexes) -> list:
    out = list(args)
    for i in indexes:
        if not isinstance(args[i].data_type, (T.NumericType, T.StringType, T.NullType)):
            raise mismatch(sql, i, args[i], '"INT"')
        out[i] = C.cast_to(args[i], T.IntegerType())
    return out


def _resolve_make_date(args):
    arity("make_date", args, 3)
    args = _int_args(sql_of_call("make_date", args), args, range(3))
    return args, T.DateType(), any(a.nullable for a in args)


def _make_date(values, n, call):
    (year, year_valid), (month, month_valid), (day, day_valid) = (int_values(v) for v in values)
    check = _FieldCheck(year_valid & month_valid & day_valid, raising=True)
    return to_arrow(check.date(year, month, day), check.ok, T.DateType())


register(FunctionSpec("make_date", _resolve_make_date, _make_date))


def _resolve_make_timestamp(name: str, result, try_mode: bool):
    with_zone = not isinstance(result, T.TimestampNTZType)

    def resolve(args):
        arity(name, args, *((6, 7) if with_zone else (6,)))
        sql = sql_of_call(name, args)
        args = _int_args(sql, args, range(5))
        seconds = args[5]
        if not isinstance(seconds.data_type, (T.NumericType, T.StringType, T.NullType)):
            raise mismatch(sql, 5, seconds, '"DECIMAL(16,6)"')
        args[5] = C.cast_to(seconds, T.DecimalType(16, 6))
        args[6:] = [string_arg(a) for a in args[6:]]
        return args, result, try_mode or any(a.nullable for a in args)
    return resolve


def _make_timestamp(result, try_mode: bool):
    def kernel(values, n, call):
        fields = [int_values(v) for v in values[:5]]
        scaled = pc.multiply(values[5], pa.scalar(decimal.Decimal(MICROS_PER_SECOND), pa.decimal128(7, 0)))
        micros, micros_valid = int_values(scaled.cast(pa.int64()))
        valid = micros_valid & np.logical_and.reduce([v for _, v in fields])
        (year, _), (month, _), (day, _), (hour, _), (minute, _) = fields
        check = _FieldCheck(valid, raising=not try_mode)
        days = check.date(year, month, day)
        second, fraction = np.floor_divide(micros, MICROS_PER_SECOND), micros % MICROS_PER_SECOND
        check.field("HourOfDay", hour, 0, 23)
        check.field("MinuteOfHour", minute, 0, 59)
        # a 60th second is the next minute's first (PostgreSQL's leniency), but only a whole one
        check.fail((second == 60) & (fraction != 0), lambda row: DateTimeException(
            errorClass="INVALID_FRACTION_OF_SECOND",
            messageParameters={"secAndMicros": _plain(values[5][row].as_py())}))
        second = np.where(second == 60, 0, second)
        minute = minute + (micros // MICROS_PER_SECOND == 60)
        check.field("SecondOfMinute", second, 0, 59)
        local = days * MICROS_PER_DAY + ((hour * 60 + minute) * 60 + second) * MICROS_PER_SECOND + fraction
        ok = check.ok
        if isinstance(result, T.TimestampNTZType):
            return to_arrow(local, ok, result)
        if len(values) < 7:
            return to_arrow(DF.to_utc(local, session_zone(call)), ok, result)
        out = np.zeros(n, np.int64)

        def convert(name, rows):
            out[rows] = DF.to_utc(local[rows], DF.zone(name))
        by_pattern(values[6], convert)
        return to_arrow(out, ok & values[6].is_valid().to_numpy(zero_copy_only=False), result)
    return kernel


def _plain(value: decimal.Decimal) -> str:
    return format(value.normalize(), "f")


for _name, _result, _try in [
        ("make_timestamp", T.TimestampType(), False), ("make_timestamp_ltz", T.TimestampType(), False),
        ("make_timestamp_ntz", T.TimestampNTZType(), False), ("try_make_timestamp", T.TimestampType(), True),
        ("try_make_timestamp_ltz", T.TimestampType(), True), ("try_make_timestamp_ntz", T.TimestampNTZType(), True)]:
    register(FunctionSpec(_name, _resolve_make_timestamp(_name, _result, _try), _make_timestamp(_result, _try),
                          options=NEEDS_ZONE))


# -- numbers since the epoch --------------------------------------------------------------------------------

def _resolve_unix_date(args):
    arity("unix_date", args, 1)
    value = args[0]
    if not isinstance(value.data_type, (T.DateType, T.NullType)):
        raise mismatch(sql_of_call("unix_date", args), 0, value, '"DATE"')
    return [C.cast_to(value, T.DateType())], T.IntegerType(), value.nullable


register(FunctionSpec("unix_date", _resolve_unix_date,
                      lambda values, n, call: to_arrow(*int_values(values[0]), T.IntegerType())))


def _resolve_unix_time(name: str):
    def resolve(args):
        arity(name, args, 1)
        value = args[0]
        if isinstance(value.data_type, T.NullType):
            value = C.cast_to(value, T.TimestampType())
        elif not isinstance(value.data_type, TIMESTAMPS):
            raise mismatch(sql_of_call(name, args), 0, value, REQUIRED["epoch"])
        return [value], T.LongType(), value.nullable
    return resolve


def _unix_time(unit: int):
    def kernel(values, n, call):
        micros, valid = int_values(values[0])
        return to_arrow(np.floor_divide(micros, unit), valid, T.LongType())
    return kernel


for _name, _unit in [("unix_seconds", MICROS_PER_SECOND), ("unix_millis", 1000), ("unix_micros", 1)]:
    register(FunctionSpec(_name, _resolve_unix_time(_name), _unix_time(_unit)))


def _resolve_timestamp_from(name: str, integral_only: bool):
    def resolve(args):
        arity(name, args, 1)
        value = args[0]
        if isinstance(value.data_type, T.NullType):
            value = C.cast_to(value, T.LongType())
        elif integral_only and not C.is_integral(value.data_type):
            raise mismatch(sql_of_call(name, args), 0, value, '"INTEGRAL"')
        elif not C.is_numeric(value.data_type):
            raise mismatch(sql_of_call(name, args), 0, value, '"NUMERIC"')
        return [value], T.TimestampType(), value.nullable or C.is_fractional_float(value.data_type)
    return resolve


def _timestamp_from(unit: int, unit_name: str):
    def kernel(values, n, call):
        value = values[0]
        if pa.types.is_floating(value.type):
            # Spark multiplies as doubles and converts as Java's (saturating) double-to-long
            numbers = pc.fill_null(value.cast(pa.float64()), 0.0).to_numpy(zero_copy_only=False)
            valid = value.is_valid().to_numpy(zero_copy_only=False) & np.isfinite(numbers)
            with np.errstate(invalid="ignore", over="ignore"):
                scaled = np.clip(np.nan_to_num(numbers * unit), -2.0 ** 63, 2.0 ** 63 - 1024)
            return to_arrow(scaled.astype(np.int64), valid, T.TimestampType())
        if pa.types.is_decimal(value.type):
            return to_arrow(*_decimal_micros(value, unit), T.TimestampType())
        numbers, valid = int_values(value)
        limit = np.iinfo(np.int64).max // unit
        overflow = valid & ((numbers > limit) | (numbers < -limit - 1))
        if overflow.any():
            raise ArithmeticException(errorClass="DATETIME_OVERFLOW", messageParameters={
                "operation": f"create a TIMESTAMP from {numbers[first_index(overflow)]}L {unit_name} since the epoch"})
        return to_arrow(numbers * unit, valid, T.TimestampType())
    return kernel


def _decimal_micros(value: pa.Array, unit: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact decimal seconds as microseconds; a finer fraction fails as Java's ``longValueExact``."""
    out = []
    for v in value.to_pylist():          # decimals have no exact vector kernel for this
        if v is None:
            out.append(0)
            continue
        scaled = v * unit
        if scaled != scaled.to_integral_value():
            raise ArithmeticException(message="Rounding necessary")
        out.append(int(scaled))
    return np.array(out, dtype=np.int64), value.is_valid().to_numpy(zero_copy_only=False)


for _name, _unit, _unit_name in [("timestamp_seconds", MICROS_PER_SECOND, "seconds"),
                                 ("timestamp_millis", 1000, "milliseconds"), ("timestamp_micros", 1, "microseconds")]:
    register(FunctionSpec(_name, _resolve_timestamp_from(_name, _name != "timestamp_seconds"),
                          _timestamp_from(_unit, _unit_name)))


def _resolve_date_from_unix_date(args):
    arity("date_from_unix_date", args, 1)
    args = _int_args(sql_of_call("date_from_unix_date", args), args, [0])
    return args, T.DateType(), args[0].nullable


register(FunctionSpec("date_from_unix_date", _resolve_date_from_unix_date,
                      lambda values, n, call: to_arrow(*int_values(values[0]), T.DateType())))


# -- time zones ---------------------------------------------------------------------------------------------

def _by_zone(names: pa.Array, instants: np.ndarray, convert) -> tuple[np.ndarray, np.ndarray]:
    """``convert(instants, zone)`` row by row's zone name (a name is looked up once)."""
    out = np.zeros(len(instants), np.int64)

    def apply(name, rows):
        out[rows] = convert(instants[rows], DF.zone(name))
    by_pattern(names, apply)
    return out, names.is_valid().to_numpy(zero_copy_only=False)


def _utc_shift(to_utc: bool):
    """from_utc_timestamp: the instant's wall-clock time in the zone, read as UTC;
    to_utc_timestamp: the instant's UTC wall-clock time, read in the zone."""
    def kernel(values, n, call):
        instants, valid = instants_of(values[0], call.children[0].data_type, call)
        shifted, zone_valid = _by_zone(values[1], instants, DF.to_utc if to_utc else DF.to_local)
        return to_arrow(shifted, valid & zone_valid, T.TimestampType())
    return kernel


for _name, _to_utc in [("from_utc_timestamp", False), ("to_utc_timestamp", True)]:
    register(FunctionSpec(_name, resolver(_name, ("timestamp_only", "string"), T.TimestampType()), _utc_shift(_to_utc),
                          options=NEEDS_ZONE))


def _resolve_convert_timezone(args):
    arity("convert_timezone", args, 2, 3)
    if len(args) == 2:
        args = [Call(CURRENT_TIMEZONE, [], T.StringType(), False)] + list(args)
    value = datetime_arg(sql_of_call("convert_timezone", args), args, 2, "ntz")
    zones = [string_arg(a) for a in args[:2]]
    return zones + [value], T.TimestampNTZType(), any(a.nullable for a in zones) or converted_nullable(value, "ntz")


def _convert_timezone(values, n, call):
    local, valid = wall_clock(values[2], call.children[2].data_type, call, string_as=T.TimestampNTZType())
    instants, source_valid = _by_zone(values[0], local, DF.to_utc)
    shifted, target_valid = _by_zone(values[1], instants, DF.to_local)
    return to_arrow(shifted, valid & source_valid & target_valid, T.TimestampNTZType())


register(FunctionSpec("convert_timezone", _resolve_convert_timezone, _convert_timezone, options=NEEDS_ZONE))

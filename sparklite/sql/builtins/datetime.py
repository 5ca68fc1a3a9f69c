"""Spark's date and time functions: the current time, conversions to and from strings (Spark's
datetime patterns), epoch numbers, calendar fields, date arithmetic, truncation and time zones.

Spark's semantics kept here:
* A TimestampType value is an instant; the functions that see it as a calendar date or a
  wall-clock time (``year``, ``hour``, ``date_format``, ``date_trunc``, a timestamp given where a
  date is expected) read it in the session time zone. The zone is known only at run time, so these
  conversions happen in the kernels (reading ``session_time_zone(call)``), not as casts inserted
  at analysis; a wall-clock time a zone skips or repeats resolves as ``java.time`` does.
* ANSI mode: a string that does not parse raises ``CAST_INVALID_INPUT`` (no pattern) or
  ``CANNOT_PARSE_TIMESTAMP`` (a pattern); impossible dates and times raise
  ``DATETIME_FIELD_OUT_OF_BOUNDS``; the ``try_`` forms give NULL instead. Invalid ``date_trunc`` /
  ``trunc`` units give NULL, as in Spark.
* ``current_date``, ``current_timestamp``, ``now`` and ``localtimestamp`` are fixed when the query
  is analyzed (``options["now"]``, which the analyzer sets to one instant per query for the specs
  with ``needs_current_time``), so every row and every reference sees the same instant.
"""
from __future__ import annotations

import decimal
import time

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sparklite.sql import types as T
from sparklite.sql.builtins.registry import FunctionSpec, register
from sparklite.sql.errors import (
    AnalysisException,
    ArithmeticException,
    DateTimeException,
    IllegalArgumentException,
)
from sparklite.sql.execution import datetime_format as DF
from sparklite.sql.execution.cast import cast_array
from sparklite.sql.execution.evaluate import evaluate_array
from sparklite.sql.plan import coercion as C
from sparklite.sql.plan.expressions import Call, Cast, Literal

MICROS_PER_DAY = DF.MICROS_PER_DAY
MICROS_PER_SECOND = DF.MICROS_PER_SECOND
DEFAULT_PATTERN = "yyyy-MM-dd HH:mm:ss"
_NEEDS_ZONE = {"needs_time_zone": True}
_NEEDS_NOW = {"needs_time_zone": True, "needs_current_time": True}
_ORDINALS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh"]
_TIMESTAMPS = (T.TimestampType, T.TimestampNTZType)


def session_time_zone(call) -> str:
    """The session time zone (``spark.sql.session.timeZone``) the analyzer put in the call's options."""
    return call.options.get("time_zone", "UTC")


def _session_zone(call) -> DF.Zone:
    return DF.zone(session_time_zone(call))


# -- argument checks --------------------------------------------------------------------------------

def _type_text(t) -> str:
    return f'"{t.simpleString().upper()}"'


def _sql(name: str, args) -> str:
    return f"{name}({', '.join(a.sql() for a in args)})"


def _mismatch(call_sql: str, index: int, arg, required: str) -> AnalysisException:
    return AnalysisException(
        errorClass="DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE",
        messageParameters={"sqlExpr": f'"{call_sql}"', "paramIndex": _ORDINALS[index], "inputSql": f'"{arg.sql()}"',
                           "inputType": _type_text(arg.data_type), "requiredType": required})


def _arity(name: str, args, *counts: int) -> None:
    if len(args) not in counts:
        expected = str(counts[0]) if len(counts) == 1 else f"[{', '.join(map(str, counts))}]"
        raise AnalysisException(errorClass="WRONG_NUM_ARGS.WITHOUT_SUGGESTION",
                                messageParameters={"functionName": f"`{name}`", "expectedNum": expected,
                                                   "actualNum": str(len(args)), "docroot": DF.DOCROOT})


# What each kind of datetime parameter takes: its own types as they are (converted in the kernel,
# in the session time zone) and Spark's text for the error that names what it requires.
_DATE_LIKE = (T.DateType, T.TimestampType, T.TimestampNTZType, T.StringType, T.CharType, T.VarcharType, T.NullType)
_REQUIRED = {
    "date": '"DATE"',
    "any_timestamp": '"(TIMESTAMP OR TIMESTAMP WITHOUT TIME ZONE)"',
    "timestamp": '("TIMESTAMP" or "(TIMESTAMP_LTZ(P) OR TIMESTAMP_NTZ(P) WITH P IN [7, 9])")',
    "timestamp_only": '"TIMESTAMP"',
    "formattable": '("TIMESTAMP" or "TIME" or "(TIMESTAMP_LTZ(P) OR TIMESTAMP_NTZ(P) WITH P IN [7, 9])")',
    "ntz": '"TIMESTAMP_NTZ"',
    "parseable": '("STRING" or "DATE" or "TIMESTAMP" or "TIMESTAMP_NTZ" or '
                 '"(TIMESTAMP_LTZ(P) OR TIMESTAMP_NTZ(P) WITH P IN [7, 9])")',
    "epoch": '("(TIMESTAMP OR TIMESTAMP WITHOUT TIME ZONE)" or '
             '"(TIMESTAMP_LTZ(P) OR TIMESTAMP_NTZ(P) WITH P IN [7, 9])")',
}
_CONVERSION_TARGET = {"date": T.DateType(), "any_timestamp": T.TimestampType(), "timestamp": T.TimestampType(),
                      "timestamp_only": T.TimestampType(), "formattable": T.TimestampType(),
                      "ntz": T.TimestampNTZType(), "parseable": None}


def _datetime_arg(call_sql: str, args, index: int, kind: str):
    """A date or timestamp parameter: its argument as it is when its type is one ``kind`` takes
    (the kernel converts it), else Spark's UNEXPECTED_INPUT_TYPE."""
    arg = args[index]
    if not isinstance(arg.data_type, _DATE_LIKE):
        raise _mismatch(call_sql, index, arg, _REQUIRED[kind])
    return arg


def _converted_nullable(arg, kind: str) -> bool:
    """Whether converting the argument to the parameter's type can give NULL (a cast's rule)."""
    target = _CONVERSION_TARGET[kind]
    if target is None or arg.data_type == target or isinstance(arg.data_type, T.NullType):
        return arg.nullable
    return Cast(arg, target).nullable


def _string_arg(arg):
    """A string parameter (a pattern, a unit, a zone): other atomic types are cast to string."""
    if C.is_string(arg.data_type):
        return arg
    return C.cast_to(arg, T.StringType())


def _resolver(name: str, kinds: tuple, result, always_nullable: bool = False):
    """The resolve of a function whose parameters are datetime kinds (``"date"``, ``"timestamp"``,
    ...: taken as they are, converted in the kernel) or ``"string"`` (a pattern, a unit, a zone)."""
    def resolve(args):
        _arity(name, args, len(kinds))
        sql = _sql(name, args)
        out = [_string_arg(a) if kind == "string" else _datetime_arg(sql, args, i, kind)
               for i, (a, kind) in enumerate(zip(args, kinds))]
        nullable = always_nullable or any(a.nullable if kind == "string" else _converted_nullable(a, kind)
                                          for a, kind in zip(out, kinds))
        return out, result, nullable
    return resolve


def _day_count_arg(call_sql: str, args, index: int):
    """date_add's days: int, smallint or tinyint as they are, strings and NULL cast to int."""
    arg = args[index]
    if isinstance(arg.data_type, (T.IntegerType, T.ShortType, T.ByteType)):
        return arg
    if C.is_string(arg.data_type) or isinstance(arg.data_type, T.NullType):
        return C.cast_to(arg, T.IntegerType())
    raise _mismatch(call_sql, index, arg, '("INT" or "SMALLINT" or "TINYINT")')


# -- values in and out ----------------------------------------------------------------------------

def _ints(array: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """An array's values as int64 (nulls as 0: days for dates, microseconds for timestamps) and
    its validity."""
    valid = array.is_valid().to_numpy(zero_copy_only=False)
    if pa.types.is_null(array.type):
        return np.zeros(len(array), np.int64), valid
    if pa.types.is_date32(array.type):
        array = array.cast(pa.int32())
    return pc.fill_null(array.cast(pa.int64()), 0).to_numpy(zero_copy_only=False).astype(np.int64), valid


def _arrow(values: np.ndarray, valid: np.ndarray, data_type) -> pa.Array:
    target = T.to_arrow_type(data_type)
    if pa.types.is_date32(target):
        return pa.array(values.astype(np.int32), pa.int32(), mask=~valid).cast(target)
    if pa.types.is_timestamp(target):
        return pa.array(values.astype(np.int64), pa.int64(), mask=~valid).cast(target)
    return pa.array(values, mask=~valid).cast(target)


def _days(value: pa.Array, t, call, mode: str = "ansi") -> tuple[np.ndarray, np.ndarray]:
    """Dates (days since the epoch) of a date, timestamp or string argument."""
    if C.is_string(t):
        value, t = cast_array(value, T.StringType(), T.DateType(), mode, session_time_zone(call)), T.DateType()
    values, valid = _ints(value)
    if isinstance(t, T.TimestampType):
        values = DF.to_local(values, _session_zone(call))
    if isinstance(t, _TIMESTAMPS):
        values = np.floor_divide(values, MICROS_PER_DAY)
    return values, valid


def _instants(value: pa.Array, t, call, mode: str = "ansi") -> tuple[np.ndarray, np.ndarray]:
    """Instants (microseconds since the epoch) of a timestamp argument; dates, wall-clock
    timestamps and strings are read in the session time zone."""
    if C.is_string(t):
        value, t = cast_array(value, T.StringType(), T.TimestampType(), mode, session_time_zone(call)), \
            T.TimestampType()
    values, valid = _ints(value)
    if isinstance(t, T.DateType):
        values = values * MICROS_PER_DAY
    if isinstance(t, (T.DateType, T.TimestampNTZType)):
        values = DF.to_utc(values, _session_zone(call))
    return values, valid


def _wall_clock(value: pa.Array, t, call, mode: str = "ansi", string_as=None) -> tuple[np.ndarray, np.ndarray]:
    """Wall-clock times in the session time zone (a TIMESTAMP_NTZ is one already); a string is
    read as ``string_as`` (an instant, or a wall-clock time)."""
    if C.is_string(t) and isinstance(string_as, T.TimestampNTZType):
        value, t = cast_array(value, T.StringType(), string_as, mode, session_time_zone(call)), string_as
    if isinstance(t, T.TimestampNTZType):
        return _ints(value)
    if isinstance(t, T.DateType):
        values, valid = _ints(value)
        return values * MICROS_PER_DAY, valid
    values, valid = _instants(value, t, call, mode)
    return DF.to_local(values, _session_zone(call)), valid


def _first(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0])


def _by_pattern(patterns: pa.Array, apply) -> None:
    """``apply(text, rows)`` for each distinct non-null string of ``patterns`` (a pattern, a unit, a
    zone: usually one constant), with the mask of the rows that have it."""
    for text in pc.unique(pc.drop_null(patterns)).to_pylist():
        apply(text, pc.fill_null(pc.equal(patterns, text), False).to_numpy(zero_copy_only=False))


# -- the current time -------------------------------------------------------------------------------

def _now_micros() -> int:
    return time.time_ns() // 1000


def _resolve_now(name: str, result):
    """The current-time functions carry their instant (``now``, microseconds since the epoch) in
    their options; the analyzer replaces it with one instant for the whole query."""
    def resolve(args):
        _arity(name, args, 0)
        return [], result, False, {"now": _now_micros()}
    return resolve


def _current_timestamp(values, n, call):
    return _arrow(np.full(n, call.options["now"], np.int64), np.ones(n, bool), T.TimestampType())


def _current_date(values, n, call):
    local = DF.to_local(np.array([call.options["now"]]), _session_zone(call))
    return _arrow(np.full(n, local[0] // MICROS_PER_DAY), np.ones(n, bool), T.DateType())


def _localtimestamp(values, n, call):
    local = DF.to_local(np.array([call.options["now"]]), _session_zone(call))
    return _arrow(np.full(n, local[0]), np.ones(n, bool), T.TimestampNTZType())


_CURRENT_TIMESTAMP = register(FunctionSpec("current_timestamp", _resolve_now("current_timestamp", T.TimestampType()),
                                           _current_timestamp, options=_NEEDS_NOW))
register(FunctionSpec("now", _resolve_now("now", T.TimestampType()), _current_timestamp, options=_NEEDS_NOW))
register(FunctionSpec("current_date", _resolve_now("current_date", T.DateType()), _current_date, options=_NEEDS_NOW))
register(FunctionSpec("localtimestamp", _resolve_now("localtimestamp", T.TimestampNTZType()), _localtimestamp,
                      options=_NEEDS_NOW))


def _resolve_current_timezone(args):
    _arity("current_timezone", args, 0)
    return [], T.StringType(), False


_CURRENT_TIMEZONE = register(FunctionSpec(
    "current_timezone", _resolve_current_timezone,
    lambda values, n, call: pa.repeat(pa.scalar(session_time_zone(call)), n), options=_NEEDS_ZONE))


# -- parsing strings ----------------------------------------------------------------------------------

def _parse_instants(strings: pa.Array, patterns: pa.Array, call, raising: bool, try_name: str,
                    zone_aware: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Strings read with their patterns: instants (``zone_aware``: a zone the string names, else
    the session's) or wall-clock times; a string that does not parse raises CANNOT_PARSE_TIMESTAMP
    (``raising``) or gives NULL."""
    n = len(strings)
    out, valid = np.zeros(n, np.int64), np.zeros(n, bool)
    session = _session_zone(call)
    strings_valid = strings.is_valid().to_numpy(zero_copy_only=False)

    def apply(text, rows):
        rows = rows & strings_valid
        if not rows.any():
            return
        parsed = DF.compile_pattern(text, parsing=True).parse(strings.filter(pa.array(rows)))
        if raising and parsed.failed.any():
            raise DateTimeException(errorClass="CANNOT_PARSE_TIMESTAMP",
                                    messageParameters={"message": parsed.message(_first(parsed.failed)),
                                                       "func": f"`{try_name}`"})
        local = parsed.local
        if zone_aware:
            named = parsed.zones if parsed.zones is not None else np.full(len(local), None)
            local = local.copy()
            for z in set(named):
                where = named == z if z is not None else np.equal(named, None)
                local[where] = DF.to_utc(parsed.local[where], z or session)
        out[rows], valid[rows] = local, ~parsed.failed

    _by_pattern(patterns, apply)
    return out, valid


def _resolve_parse(name: str, result, try_mode: bool, try_name: str):
    """The parsing functions take a string (with a pattern, or as a cast reads it), a date or a
    timestamp (converted; the pattern is not used); to_timestamp(x) also takes seconds since the
    epoch; any other atomic value is read as its string."""
    def resolve(args):
        _arity(name, args, 1, 2)
        value = args[0]
        if isinstance(value.data_type, (T.ArrayType, T.MapType, T.StructType)):
            raise _mismatch(_sql(name, args), 0, value, '("STRING" or "DATE" or "TIMESTAMP" or "TIMESTAMP_NTZ")')
        seconds = len(args) == 1 and isinstance(result, T.TimestampType) and C.is_numeric(value.data_type)
        if not (seconds or isinstance(value.data_type, _DATE_LIKE)):
            value = C.cast_to(value, T.StringType())
        args = [value] + [_string_arg(a) for a in args[1:]]
        if try_mode:
            nullable = True
        elif len(args) == 1:
            nullable = value.nullable if value.data_type == result else Cast(value, result).nullable
        else:
            nullable = value.nullable or args[1].nullable
        return args, result, nullable, {"try_name": try_name}
    return resolve


def _parse_kernel(result, try_mode: bool):
    def kernel(values, n, call):
        value_type = call.children[0].data_type
        mode = "try" if try_mode else "ansi"
        if C.is_string(value_type) and len(values) == 2:
            micros, valid = _parse_instants(values[0], values[1], call, not try_mode, call.options["try_name"],
                                            zone_aware=not isinstance(result, T.TimestampNTZType))
            if isinstance(result, T.DateType):
                return _arrow(np.floor_divide(DF.to_local(micros, _session_zone(call)), MICROS_PER_DAY), valid,
                              result)
            return _arrow(micros, valid, result)
        if isinstance(value_type, T.NumericType):
            return cast_array(values[0], value_type, result, mode, session_time_zone(call))
        if isinstance(result, T.DateType):
            return _arrow(*_days(values[0], value_type, call, mode), result)
        if isinstance(result, T.TimestampNTZType):     # a string's own zone is ignored
            return _arrow(*_wall_clock(values[0], value_type, call, mode, string_as=result), result)
        return _arrow(*_instants(values[0], value_type, call, mode), result)
    return kernel


for _name, _result, _try, _try_name in [
        ("to_date", T.DateType(), False, "try_to_date"), ("try_to_date", T.DateType(), True, "try_to_date"),
        ("to_timestamp", T.TimestampType(), False, "try_to_timestamp"),
        ("to_timestamp_ltz", T.TimestampType(), False, "try_to_timestamp"),
        ("to_timestamp_ntz", T.TimestampNTZType(), False, "try_to_timestamp"),
        ("try_to_timestamp", T.TimestampType(), True, "try_to_timestamp")]:
    register(FunctionSpec(_name, _resolve_parse(_name, _result, _try, _try_name), _parse_kernel(_result, _try),
                          options=_NEEDS_ZONE))


def _resolve_unix_timestamp(name: str):
    def resolve(args):
        _arity(name, args, *((0, 1, 2) if name == "unix_timestamp" else (1, 2)))
        if not args:
            args = [Call(_CURRENT_TIMESTAMP, [], T.TimestampType(), False, {"now": _now_micros()})]
        if len(args) == 1:
            args = args + [Literal(DEFAULT_PATTERN, T.StringType())]
        value = _datetime_arg(_sql(name, args), args, 0, "parseable")
        return [value, _string_arg(args[1])], T.LongType(), value.nullable or args[1].nullable, \
            {"try_name": "try_to_timestamp"}
    return resolve


def _unix_timestamp(values, n, call):
    value_type = call.children[0].data_type
    if C.is_string(value_type):
        micros, valid = _parse_instants(values[0], values[1], call, True, call.options["try_name"])
    elif isinstance(value_type, T.TimestampNTZType):
        micros, valid = _ints(values[0])       # Spark reads a wall-clock time as UTC here
    else:
        micros, valid = _instants(values[0], value_type, call)
    return _arrow(np.floor_divide(micros, MICROS_PER_SECOND), valid, T.LongType())


for _name in ("unix_timestamp", "to_unix_timestamp"):
    register(FunctionSpec(_name, _resolve_unix_timestamp(_name), _unix_timestamp, options=_NEEDS_ZONE))


# -- formatting -----------------------------------------------------------------------------------------

def _format_instants(instants: np.ndarray, valid: np.ndarray, patterns: pa.Array, call) -> pa.Array:
    """Instants rendered with their patterns, as wall-clock times in the session time zone."""
    session = _session_zone(call)
    offsets = DF.offsets_at(instants, session)
    out = pa.nulls(len(instants), pa.string())

    def apply(text, rows):
        nonlocal out
        rows = rows & valid
        if rows.any():
            rendered = DF.compile_pattern(text).format(instants[rows] + offsets[rows],
                                                       offsets[rows] // MICROS_PER_SECOND, session)
            out = pc.if_else(pa.array(rows), rendered.take(pa.array(np.maximum(np.cumsum(rows) - 1, 0))), out)

    _by_pattern(patterns, apply)
    return out


def _date_format(values, n, call):
    instants, valid = _instants(values[0], call.children[0].data_type, call)
    return _format_instants(instants, valid, values[1], call)


register(FunctionSpec("date_format", _resolver("date_format", ("formattable", "string"), T.StringType()),
                      _date_format, options=_NEEDS_ZONE))


def _resolve_from_unixtime(args):
    _arity("from_unixtime", args, 1, 2)
    if len(args) == 1:
        args = args + [Literal(DEFAULT_PATTERN, T.StringType())]
    seconds = args[0]
    if isinstance(seconds.data_type, (T.NumericType, T.StringType, T.NullType)):
        seconds = C.cast_to(seconds, T.LongType())
    else:
        raise _mismatch(_sql("from_unixtime", args), 0, seconds, '"BIGINT"')
    return [seconds, _string_arg(args[1])], T.StringType(), True


def _from_unixtime(values, n, call):
    seconds, valid = _ints(values[0])
    return _format_instants(seconds * MICROS_PER_SECOND, valid, values[1], call)


register(FunctionSpec("from_unixtime", _resolve_from_unixtime, _from_unixtime, options=_NEEDS_ZONE))


# -- calendar fields ------------------------------------------------------------------------------------

_DATE_FIELDS = {
    "year": pc.year, "quarter": pc.quarter, "month": pc.month, "day": pc.day, "dayofyear": pc.day_of_year,
    "dayofweek": lambda d: pc.day_of_week(d, count_from_zero=False, week_start=7), "weekday": pc.day_of_week,
    "dayofweek_iso": lambda d: pc.day_of_week(d, count_from_zero=False), "weekofyear": pc.iso_week,
    "yearofweek": pc.iso_year,
}
_TIME_FIELDS = {"hour": (3600 * MICROS_PER_SECOND, 24), "minute": (60 * MICROS_PER_SECOND, 60),
                "second": (MICROS_PER_SECOND, 60)}


def _date_field(field: str, value: pa.Array, t, call) -> pa.Array:
    days, valid = _days(value, t, call)
    result = _DATE_FIELDS[field](pa.array(days.astype(np.int32), pa.date32())).cast(pa.int32())
    return pc.if_else(pa.array(valid), result, pa.scalar(None, pa.int32()))


def _time_field(field: str, value: pa.Array, t, call) -> pa.Array:
    local, valid = _wall_clock(value, t, call)
    unit, modulo = _TIME_FIELDS[field]
    return _arrow(np.floor_divide(local, unit) % modulo, valid, T.IntegerType())


def _second_with_fraction(value: pa.Array, t, call) -> pa.Array:
    """EXTRACT(SECOND ...): the seconds with their fraction, as decimal(8, 6)."""
    local, valid = _wall_clock(value, t, call)
    micros = local % (60 * MICROS_PER_SECOND)
    # the microseconds are the decimal's unscaled value: its 128-bit little-endian words
    words = np.stack([micros, np.zeros_like(micros)], axis=1).astype(np.int64)
    validity = None if valid.all() else pa.array(valid).buffers()[1]
    return pa.Array.from_buffers(pa.decimal128(8, 6), len(micros), [validity, pa.py_buffer(words.tobytes())])


def _field_kernel(field: str):
    read = _time_field if field in _TIME_FIELDS else _date_field
    return lambda values, n, call: read(field, values[0], call.children[0].data_type, call)


for _name in ("year", "quarter", "month", "day", "dayofweek", "weekday", "dayofyear", "weekofyear"):
    register(FunctionSpec(_name, _resolver(_name, ("date",), T.IntegerType()), _field_kernel(_name),
                          options=_NEEDS_ZONE, aliases=("dayofmonth",) if _name == "day" else ()))
for _name in _TIME_FIELDS:
    register(FunctionSpec(_name, _resolver(_name, ("any_timestamp",), T.IntegerType()), _field_kernel(_name),
                          options=_NEEDS_ZONE))


def _name_kernel(names: list, field: str):
    def kernel(values, n, call):
        position = pc.subtract(_date_field(field, values[0], call.children[0].data_type, call), 1)
        return pa.array(names).take(position)
    return kernel


register(FunctionSpec("monthname", _resolver("monthname", ("date",), T.StringType()),
                      _name_kernel([m[:3] for m in DF.MONTHS], "month"), options=_NEEDS_ZONE))
register(FunctionSpec("dayname", _resolver("dayname", ("date",), T.StringType()),
                      _name_kernel([d[:3] for d in DF.DAYS], "dayofweek_iso"), options=_NEEDS_ZONE))


# EXTRACT's fields (Spark's DatePart.parseExtractField), each with the function it reads
_EXTRACT_FIELDS = {}
for _names, _target in [
        (("YEAR", "Y", "YEARS", "YR", "YRS"), "year"), (("YEAROFWEEK",), "yearofweek"),
        (("QUARTER", "QTR"), "quarter"), (("MONTH", "MON", "MONS", "MONTHS"), "month"),
        (("WEEK", "W", "WEEKS"), "weekofyear"), (("DAY", "D", "DAYS"), "day"),
        (("DAYOFWEEK", "DOW"), "dayofweek"), (("DAYOFWEEK_ISO", "DOW_ISO"), "dayofweek_iso"),
        (("DOY",), "dayofyear"), (("HOUR", "H", "HOURS", "HR", "HRS"), "hour"),
        (("MINUTE", "M", "MIN", "MINS", "MINUTES"), "minute"),
        (("SECOND", "S", "SEC", "SECONDS", "SECS"), "second")]:
    _EXTRACT_FIELDS.update(dict.fromkeys(_names, _target))


def _resolve_extract(name: str):
    def resolve(args):
        _arity(name, args, 2)
        field, source = args
        if not field.foldable:
            raise AnalysisException(errorClass="NON_FOLDABLE_ARGUMENT",
                                    messageParameters={"funcName": f"`{name}`", "paramName": "`field`",
                                                       "paramType": '"STRING"'})
        text = field.value if isinstance(field, Literal) else _constant(field)
        if text is None:
            return [field, source], T.DoubleType(), True, {"target": None}
        text = str(text)
        target = _EXTRACT_FIELDS.get(text.upper())
        if target is None:
            raise AnalysisException(errorClass="INVALID_EXTRACT_FIELD",
                                    messageParameters={"field": f"`{text}`", "expr": f'"{source.sql()}"'})
        # a wrong source is reported as the field's own function reports it (``year(1)``)
        kind = "any_timestamp" if target in _TIME_FIELDS else "date"
        result = T.DecimalType(8, 6) if target == "second" else T.IntegerType()
        (source,), result, nullable = _resolver(target, (kind,), result)([source])
        return [field, source], result, nullable, {"target": target}
    return resolve


def _constant(expression):
    """The value of a foldable expression, computed once."""
    one_row = pa.RecordBatch.from_struct_array(pa.array([{}], pa.struct([])))
    return evaluate_array(expression, one_row)[0].as_py()


def _extract(values, n, call):
    target = call.options["target"]
    source, source_type = values[1], call.children[1].data_type
    if target is None:
        return pa.nulls(n, pa.float64())
    if target == "second":
        return _second_with_fraction(source, source_type, call)
    read = _time_field if target in _TIME_FIELDS else _date_field
    return read(target, source, source_type, call)


def _render_extract(word: str):
    def render(args, call):
        if call.options.get("target") is None or word == "date_part":
            return f"{word}({args[0]}, {args[1]})"
        return f"{word}({args[0]} FROM {args[1]})"
    return render


for _name in ("extract", "date_part", "datepart"):
    register(FunctionSpec(_name, _resolve_extract(_name), _extract, render=_render_extract(_name),
                          options=_NEEDS_ZONE))


# -- date arithmetic ------------------------------------------------------------------------------------

def _month_length(year: np.ndarray, month: np.ndarray) -> np.ndarray:
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    return np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])[month - 1] + ((month == 2) & leap)


def _resolve_date_add(name: str):
    def resolve(args):
        _arity(name, args, 2)
        sql = _sql(name, args)
        start = _datetime_arg(sql, args, 0, "date")
        days = _day_count_arg(sql, args, 1)
        return [start, days], T.DateType(), _converted_nullable(start, "date") or days.nullable
    return resolve


def _date_add(sign: int):
    def kernel(values, n, call):
        days, valid = _days(values[0], call.children[0].data_type, call)
        delta, delta_valid = _ints(values[1])
        # Spark adds as Java ints, so a sum past the int range wraps around
        return _arrow((days + sign * delta).astype(np.int32), valid & delta_valid, T.DateType())
    return kernel


register(FunctionSpec("date_add", _resolve_date_add("date_add"), _date_add(1), aliases=("dateadd",),
                      render=lambda args, call: f"date_add({', '.join(args)})", options=_NEEDS_ZONE))
register(FunctionSpec("date_sub", _resolve_date_add("date_sub"), _date_add(-1), options=_NEEDS_ZONE))


def _datediff(values, n, call):
    end, end_valid = _days(values[0], call.children[0].data_type, call)
    start, start_valid = _days(values[1], call.children[1].data_type, call)
    return _arrow(end - start, end_valid & start_valid, T.IntegerType())


register(FunctionSpec("datediff", _resolver("datediff", ("date", "date"), T.IntegerType()), _datediff,
                      aliases=("date_diff",), options=_NEEDS_ZONE))


def _resolve_add_months(args):
    _arity("add_months", args, 2)
    sql = _sql("add_months", args)
    start = _datetime_arg(sql, args, 0, "date")
    months = args[1]
    if not isinstance(months.data_type, (T.NumericType, T.StringType, T.NullType)):
        raise _mismatch(sql, 1, months, '"INT"')
    months = C.cast_to(months, T.IntegerType())
    return [start, months], T.DateType(), _converted_nullable(start, "date") or months.nullable


def add_months(days: np.ndarray, months: np.ndarray) -> np.ndarray:
    """``LocalDate.plusMonths``: the same day of the month, or the month's last when it is shorter."""
    year, month, day = DF.civil_from_days(days)
    total = year * 12 + (month - 1) + months
    year, month = np.floor_divide(total, 12), total % 12 + 1
    return DF.days_from_civil(year, month, np.minimum(day, _month_length(year, month)))


def _add_months(values, n, call):
    days, valid = _days(values[0], call.children[0].data_type, call)
    months, months_valid = _ints(values[1])
    return _arrow(add_months(days, months), valid & months_valid, T.DateType())


register(FunctionSpec("add_months", _resolve_add_months, _add_months, options=_NEEDS_ZONE))


def _resolve_months_between(args):
    _arity("months_between", args, 2, 3)
    if len(args) == 2:
        args = args + [Literal(True, T.BooleanType())]
    sql = _sql("months_between", args)
    first, second = (_datetime_arg(sql, args, i, "timestamp_only") for i in (0, 1))
    round_off = args[2]
    if C.is_string(round_off.data_type) or isinstance(round_off.data_type, T.NullType):
        round_off = C.cast_to(round_off, T.BooleanType())
    elif not isinstance(round_off.data_type, T.BooleanType):
        raise _mismatch(sql, 2, round_off, '"BOOLEAN"')
    nullable = _converted_nullable(first, "timestamp") or _converted_nullable(second, "timestamp") or \
        round_off.nullable
    return [first, second, round_off], T.DoubleType(), nullable


def _months_between(values, n, call):
    """Spark's monthsBetween: whole months when the days of the month match or both are the
    last day, else the difference in days (and seconds) counted in months of 31 days."""
    zone = _session_zone(call)
    micros = [_instants(values[i], call.children[i].data_type, call) for i in (0, 1)]
    parts = []
    for instants, _ in micros:
        days = np.floor_divide(DF.to_local(instants, zone), MICROS_PER_DAY)
        year, month, day = DF.civil_from_days(days)
        seconds = (instants - DF.to_utc(days * MICROS_PER_DAY, zone)) // MICROS_PER_SECOND
        parts.append((year * 12 + month, day, day == _month_length(year, month), seconds))
    (months1, day1, last1, seconds1), (months2, day2, last2, seconds2) = parts
    whole = (months1 - months2).astype(np.float64)
    fraction = ((day1 - day2) * 86400 + seconds1 - seconds2) / (31 * 86400)
    diff = np.where((day1 == day2) | (last1 & last2), whole, whole + fraction)
    round_off, round_valid = values[2].fill_null(False).to_numpy(zero_copy_only=False), \
        values[2].is_valid().to_numpy(zero_copy_only=False)
    rounded = np.floor(diff * 1e8 + 0.5) / 1e8          # Java's Math.round to 8 digits
    result = np.where(round_off, rounded, diff)
    return pa.array(result, pa.float64(), mask=~(micros[0][1] & micros[1][1] & round_valid))


register(FunctionSpec("months_between", _resolve_months_between, _months_between, options=_NEEDS_ZONE))


def _last_day(values, n, call):
    days, valid = _days(values[0], call.children[0].data_type, call)
    year, month, _ = DF.civil_from_days(days)
    return _arrow(DF.days_from_civil(year, month, _month_length(year, month)), valid, T.DateType())


register(FunctionSpec("last_day", _resolver("last_day", ("date",), T.DateType()), _last_day, options=_NEEDS_ZONE))

_WEEKDAYS = {name: i + 1 for i, day in enumerate(DF.DAYS)
             for name in (day[:2].upper(), day[:3].upper(), day.upper())}


def _next_day(values, n, call):
    days, valid = _days(values[0], call.children[0].data_type, call)
    names = values[1]
    wanted = pc.index_in(pc.utf8_upper(names), value_set=pa.array(list(_WEEKDAYS)))
    known = wanted.is_valid().to_numpy(zero_copy_only=False)
    named = names.is_valid().to_numpy(zero_copy_only=False)
    bad = valid & named & ~known
    if bad.any():
        raise IllegalArgumentException(errorClass="ILLEGAL_DAY_OF_WEEK",
                                       messageParameters={"string": names[_first(bad)].as_py()})
    target = np.array(list(_WEEKDAYS.values()))[pc.fill_null(wanted, 0).to_numpy(zero_copy_only=False)]
    today = (days + 3) % 7 + 1
    return _arrow(days + (target - today - 1) % 7 + 1, valid & named & known, T.DateType())


register(FunctionSpec("next_day", _resolver("next_day", ("date", "string"), T.DateType(), True), _next_day,
                      options=_NEEDS_ZONE))


# -- truncation -----------------------------------------------------------------------------------------

_TRUNC_LEVELS = {"MICROSECOND": 0, "MILLISECOND": 1, "SECOND": 2, "MINUTE": 3, "HOUR": 4, "DAY": 5, "DD": 5,
                 "WEEK": 6, "MON": 7, "MONTH": 7, "MM": 7, "QUARTER": 8, "YEAR": 9, "YYYY": 9, "YY": 9}
_WEEK = 6


def _trunc_days(days: np.ndarray, level: int) -> np.ndarray:
    if level == _WEEK:
        return days - (days + 3) % 7              # back to Monday
    year, month, _ = DF.civil_from_days(days)
    month = {7: month, 8: (month - 1) // 3 * 3 + 1, 9: np.ones_like(month)}[level]
    return DF.days_from_civil(year, month, np.ones_like(month))


def _by_level(units: pa.Array, lowest: int, apply) -> np.ndarray:
    """``apply(level, rows)`` for each valid unit among ``units``; the rows whose unit is valid."""
    known = np.zeros(len(units), bool)

    def at_level(text, rows):
        level = _TRUNC_LEVELS.get(text)
        if level is not None and level >= lowest:
            apply(level, rows)
            known[rows] = True
    _by_pattern(pc.utf8_upper(units), at_level)
    return known


def _trunc(values, n, call):
    days, valid = _days(values[0], call.children[0].data_type, call)
    out = days.copy()

    def apply(level, rows):
        out[rows] = _trunc_days(days[rows], level)
    known = _by_level(values[1], _WEEK, apply)
    return _arrow(out, valid & known, T.DateType())


register(FunctionSpec("trunc", _resolver("trunc", ("date", "string"), T.DateType(), True), _trunc, options=_NEEDS_ZONE))


def _date_trunc(values, n, call):
    zone = _session_zone(call)
    instants, valid = _instants(values[1], call.children[1].data_type, call)
    out = instants.copy()

    def apply(level, rows):
        micros = instants[rows]
        if level <= 2:           # offsets are whole seconds: below a minute the zone does not matter
            unit = (1, 1000, MICROS_PER_SECOND)[level]
            out[rows] = micros - micros % unit
            return
        offsets = DF.offsets_at(micros, zone)
        local = micros + offsets
        if level <= 5:
            unit = (60 * MICROS_PER_SECOND, 3600 * MICROS_PER_SECOND, MICROS_PER_DAY)[level - 3]
            local = local - local % unit
        else:
            local = _trunc_days(np.floor_divide(local, MICROS_PER_DAY), level) * MICROS_PER_DAY
        # java's ZonedDateTime.truncatedTo keeps the instant's offset when it still fits
        kept = local - offsets
        out[rows] = np.where(DF.offsets_at(kept, zone) == offsets, kept, DF.to_utc(local, zone))
    known = _by_level(values[0], 0, apply)
    return _arrow(out, valid & known, T.TimestampType())


register(FunctionSpec("date_trunc", _resolver("date_trunc", ("string", "timestamp"), T.TimestampType(), True),
                      _date_trunc, options=_NEEDS_ZONE))


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
                raise error(_first(bad))
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
        too_late = day > _month_length(year, month)
        self.out_of_bounds(too_late & (month == 2) & (day == 29),
                           lambda row: f"Invalid date 'February 29' as '{year[row]}' is not a leap year")
        self.out_of_bounds(too_late, lambda row: f"Invalid date '{DF.MONTHS[month[row] - 1].upper()} {day[row]}'")
        return DF.days_from_civil(np.where(self.ok, year, 1970), np.where(self.ok, month, 1),
                                  np.where(self.ok, day, 1))


def _int_args(sql: str, args, indexes) -> list:
    out = list(args)
    for i in indexes:
        if not isinstance(args[i].data_type, (T.NumericType, T.StringType, T.NullType)):
            raise _mismatch(sql, i, args[i], '"INT"')
        out[i] = C.cast_to(args[i], T.IntegerType())
    return out


def _resolve_make_date(args):
    _arity("make_date", args, 3)
    args = _int_args(_sql("make_date", args), args, range(3))
    return args, T.DateType(), any(a.nullable for a in args)


def _make_date(values, n, call):
    (year, year_valid), (month, month_valid), (day, day_valid) = (_ints(v) for v in values)
    check = _FieldCheck(year_valid & month_valid & day_valid, raising=True)
    return _arrow(check.date(year, month, day), check.ok, T.DateType())


register(FunctionSpec("make_date", _resolve_make_date, _make_date))


def _resolve_make_timestamp(name: str, result, try_mode: bool):
    with_zone = not isinstance(result, T.TimestampNTZType)

    def resolve(args):
        _arity(name, args, *((6, 7) if with_zone else (6,)))
        sql = _sql(name, args)
        args = _int_args(sql, args, range(5))
        seconds = args[5]
        if not isinstance(seconds.data_type, (T.NumericType, T.StringType, T.NullType)):
            raise _mismatch(sql, 5, seconds, '"DECIMAL(16,6)"')
        args[5] = C.cast_to(seconds, T.DecimalType(16, 6))
        args[6:] = [_string_arg(a) for a in args[6:]]
        return args, result, try_mode or any(a.nullable for a in args)
    return resolve


def _make_timestamp(result, try_mode: bool):
    def kernel(values, n, call):
        fields = [_ints(v) for v in values[:5]]
        scaled = pc.multiply(values[5], pa.scalar(decimal.Decimal(MICROS_PER_SECOND), pa.decimal128(7, 0)))
        micros, micros_valid = _ints(scaled.cast(pa.int64()))
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
            return _arrow(local, ok, result)
        if len(values) < 7:
            return _arrow(DF.to_utc(local, _session_zone(call)), ok, result)
        out = np.zeros(n, np.int64)

        def convert(name, rows):
            out[rows] = DF.to_utc(local[rows], DF.zone(name))
        _by_pattern(values[6], convert)
        return _arrow(out, ok & values[6].is_valid().to_numpy(zero_copy_only=False), result)
    return kernel


def _plain(value: decimal.Decimal) -> str:
    return format(value.normalize(), "f")


for _name, _result, _try in [
        ("make_timestamp", T.TimestampType(), False), ("make_timestamp_ltz", T.TimestampType(), False),
        ("make_timestamp_ntz", T.TimestampNTZType(), False), ("try_make_timestamp", T.TimestampType(), True),
        ("try_make_timestamp_ltz", T.TimestampType(), True), ("try_make_timestamp_ntz", T.TimestampNTZType(), True)]:
    register(FunctionSpec(_name, _resolve_make_timestamp(_name, _result, _try), _make_timestamp(_result, _try),
                          options=_NEEDS_ZONE))


# -- numbers since the epoch --------------------------------------------------------------------------------

def _resolve_unix_date(args):
    _arity("unix_date", args, 1)
    value = args[0]
    if not isinstance(value.data_type, (T.DateType, T.NullType)):
        raise _mismatch(_sql("unix_date", args), 0, value, '"DATE"')
    return [C.cast_to(value, T.DateType())], T.IntegerType(), value.nullable


register(FunctionSpec("unix_date", _resolve_unix_date,
                      lambda values, n, call: _arrow(*_ints(values[0]), T.IntegerType())))


def _resolve_unix_time(name: str):
    def resolve(args):
        _arity(name, args, 1)
        value = args[0]
        if isinstance(value.data_type, T.NullType):
            value = C.cast_to(value, T.TimestampType())
        elif not isinstance(value.data_type, _TIMESTAMPS):
            raise _mismatch(_sql(name, args), 0, value, _REQUIRED["epoch"])
        return [value], T.LongType(), value.nullable
    return resolve


def _unix_time(unit: int):
    def kernel(values, n, call):
        micros, valid = _ints(values[0])
        return _arrow(np.floor_divide(micros, unit), valid, T.LongType())
    return kernel


for _name, _unit in [("unix_seconds", MICROS_PER_SECOND), ("unix_millis", 1000), ("unix_micros", 1)]:
    register(FunctionSpec(_name, _resolve_unix_time(_name), _unix_time(_unit)))


def _resolve_timestamp_from(name: str, integral_only: bool):
    def resolve(args):
        _arity(name, args, 1)
        value = args[0]
        if isinstance(value.data_type, T.NullType):
            value = C.cast_to(value, T.LongType())
        elif integral_only and not C.is_integral(value.data_type):
            raise _mismatch(_sql(name, args), 0, value, '"INTEGRAL"')
        elif not C.is_numeric(value.data_type):
            raise _mismatch(_sql(name, args), 0, value, '"NUMERIC"')
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
            return _arrow(scaled.astype(np.int64), valid, T.TimestampType())
        if pa.types.is_decimal(value.type):
            return _arrow(*_decimal_micros(value, unit), T.TimestampType())
        numbers, valid = _ints(value)
        limit = np.iinfo(np.int64).max // unit
        overflow = valid & ((numbers > limit) | (numbers < -limit - 1))
        if overflow.any():
            raise ArithmeticException(errorClass="DATETIME_OVERFLOW", messageParameters={
                "operation": f"create a TIMESTAMP from {numbers[_first(overflow)]}L {unit_name} since the epoch"})
        return _arrow(numbers * unit, valid, T.TimestampType())
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
    _arity("date_from_unix_date", args, 1)
    args = _int_args(_sql("date_from_unix_date", args), args, [0])
    return args, T.DateType(), args[0].nullable


register(FunctionSpec("date_from_unix_date", _resolve_date_from_unix_date,
                      lambda values, n, call: _arrow(*_ints(values[0]), T.DateType())))


# -- time zones ---------------------------------------------------------------------------------------------

def _by_zone(names: pa.Array, instants: np.ndarray, convert) -> tuple[np.ndarray, np.ndarray]:
    """``convert(instants, zone)`` row by row's zone name (a name is looked up once)."""
    out = np.zeros(len(instants), np.int64)

    def apply(name, rows):
        out[rows] = convert(instants[rows], DF.zone(name))
    _by_pattern(names, apply)
    return out, names.is_valid().to_numpy(zero_copy_only=False)


def _utc_shift(to_utc: bool):
    """from_utc_timestamp: the instant's wall-clock time in the zone, read as UTC;
    to_utc_timestamp: the instant's UTC wall-clock time, read in the zone."""
    def kernel(values, n, call):
        instants, valid = _instants(values[0], call.children[0].data_type, call)
        shifted, zone_valid = _by_zone(values[1], instants, DF.to_utc if to_utc else DF.to_local)
        return _arrow(shifted, valid & zone_valid, T.TimestampType())
    return kernel


for _name, _to_utc in [("from_utc_timestamp", False), ("to_utc_timestamp", True)]:
    register(FunctionSpec(_name, _resolver(_name, ("timestamp_only", "string"), T.TimestampType()), _utc_shift(_to_utc),
                          options=_NEEDS_ZONE))


def _resolve_convert_timezone(args):
    _arity("convert_timezone", args, 2, 3)
    if len(args) == 2:
        args = [Call(_CURRENT_TIMEZONE, [], T.StringType(), False)] + list(args)
    value = _datetime_arg(_sql("convert_timezone", args), args, 2, "ntz")
    zones = [_string_arg(a) for a in args[:2]]
    return zones + [value], T.TimestampNTZType(), any(a.nullable for a in zones) or _converted_nullable(value, "ntz")


def _convert_timezone(values, n, call):
    local, valid = _wall_clock(values[2], call.children[2].data_type, call, string_as=T.TimestampNTZType())
    instants, source_valid = _by_zone(values[0], local, DF.to_utc)
    shifted, target_valid = _by_zone(values[1], instants, DF.to_local)
    return _arrow(shifted, valid & source_valid & target_valid, T.TimestampNTZType())


register(FunctionSpec("convert_timezone", _resolve_convert_timezone, _convert_timezone, options=_NEEDS_ZONE))

"""Spark's date and time functions: the current time, conversions to and from strings (Spark's
datetime patterns), calendar fields, date arithmetic and truncation; and the argument checks and
conversions every date and time function shares (``epochs.py`` holds the functions that build
values from fields, epoch numbers and time zone shifts).

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

import time

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sparklite.sql import types as T
from sparklite.sql.builtins.registry import FunctionSpec, register
from sparklite.sql.errors import (
    AnalysisException,
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
NEEDS_ZONE = {"needs_time_zone": True}
_NEEDS_NOW = {"needs_time_zone": True, "needs_current_time": True}
_ORDINALS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh"]
TIMESTAMPS = (T.TimestampType, T.TimestampNTZType)


def session_time_zone(call) -> str:
    """The session time zone (``spark.sql.session.timeZone``) the analyzer put in the call's options."""
    return call.options.get("time_zone", "UTC")


def session_zone(call) -> DF.Zone:
    return DF.zone(session_time_zone(call))


# -- argument checks --------------------------------------------------------------------------------

def _type_text(t) -> str:
    return f'"{t.simpleString().upper()}"'


def sql_of_call(name: str, args) -> str:
    return f"{name}({', '.join(a.sql() for a in args)})"


def mismatch(call_sql: str, index: int, arg, required: str) -> AnalysisException:
    return AnalysisException(
        errorClass="DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE",
        messageParameters={"sqlExpr": f'"{call_sql}"', "paramIndex": _ORDINALS[index], "inputSql": f'"{arg.sql()}"',
                           "inputType": _type_text(arg.data_type), "requiredType": required})


def arity(name: str, args, *counts: int) -> None:
    if len(args) not in counts:
        expected = str(counts[0]) if len(counts) == 1 else f"[{', '.join(map(str, counts))}]"
        raise AnalysisException(errorClass="WRONG_NUM_ARGS.WITHOUT_SUGGESTION",
                                messageParameters={"functionName": f"`{name}`", "expectedNum": expected,
                                                   "actualNum": str(len(args)), "docroot": DF.DOCROOT})


# What each kind of datetime parameter takes: its own types as they are (converted in the kernel,
# in the session time zone) and Spark's text for the error that names what it requires.
_DATE_LIKE = (T.DateType, T.TimestampType, T.TimestampNTZType, T.StringType, T.CharType, T.VarcharType, T.NullType)
REQUIRED = {
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


def datetime_arg(call_sql: str, args, index: int, kind: str):
    """A date or timestamp parameter: its argument as it is when its type is one ``kind`` takes
    (the kernel converts it), else Spark's UNEXPECTED_INPUT_TYPE."""
    arg = args[index]
    if not isinstance(arg.data_type, _DATE_LIKE):
        raise mismatch(call_sql, index, arg, REQUIRED[kind])
    return arg


def converted_nullable(arg, kind: str) -> bool:
    """Whether converting the argument to the parameter's type can give NULL (a cast's rule)."""
    target = _CONVERSION_TARGET[kind]
    if target is None or arg.data_type == target or isinstance(arg.data_type, T.NullType):
        return arg.nullable
    return Cast(arg, target).nullable


def string_arg(arg):
    """A string parameter (a pattern, a unit, a zone): other atomic types are cast to string."""
    if C.is_string(arg.data_type):
        return arg
    return C.cast_to(arg, T.StringType())


def resolver(name: str, kinds: tuple, result, always_nullable: bool = False):
    """The resolve of a function whose parameters are datetime kinds (``"date"``, ``"timestamp"``,
    ...: taken as they are, converted in the kernel) or ``"string"`` (a pattern, a unit, a zone)."""
    def resolve(args):
        arity(name, args, len(kinds))
        sql = sql_of_call(name, args)
        out = [string_arg(a) if kind == "string" else datetime_arg(sql, args, i, kind)
               for i, (a, kind) in enumerate(zip(args, kinds))]
        nullable = always_nullable or any(a.nullable if kind == "string" else converted_nullable(a, kind)
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
    raise mismatch(call_sql, index, arg, '("INT" or "SMALLINT" or "TINYINT")')


# -- values in and out ----------------------------------------------------------------------------

def int_values(array: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """An array's values as int64 (nulls as 0: days for dates, microseconds for timestamps) and
    its validity."""
    valid = array.is_valid().to_numpy(zero_copy_only=False)
    if pa.types.is_null(array.type):
        return np.zeros(len(array), np.int64), valid
    if pa.types.is_date32(array.type):
        array = array.cast(pa.int32())
    return pc.fill_null(array.cast(pa.int64()), 0).to_numpy(zero_copy_only=False).astype(np.int64), valid


def to_arrow(values: np.ndarray, valid: np.ndarray, data_type) -> pa.Array:
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
    values, valid = int_values(value)
    if isinstance(t, T.TimestampType):
        values = DF.to_local(values, session_zone(call))
    if isinstance(t, TIMESTAMPS):
        values = np.floor_divide(values, MICROS_PER_DAY)
    return values, valid


def instants_of(value: pa.Array, t, call, mode: str = "ansi") -> tuple[np.ndarray, np.ndarray]:
    """Instants (microseconds since the epoch) of a timestamp argument; dates, wall-clock
    timestamps and strings are read in the session time zone."""
    if C.is_string(t):
        value, t = cast_array(value, T.StringType(), T.TimestampType(), mode, session_time_zone(call)), \
            T.TimestampType()
    values, valid = int_values(value)
    if isinstance(t, T.DateType):
        values = values * MICROS_PER_DAY
    if isinstance(t, (T.DateType, T.TimestampNTZType)):
        values = DF.to_utc(values, session_zone(call))
    return values, valid


def wall_clock(value: pa.Array, t, call, mode: str = "ansi", string_as=None) -> tuple[np.ndarray, np.ndarray]:
    """Wall-clock times in the session time zone (a TIMESTAMP_NTZ is one already); a string is
    read as ``string_as`` (an instant, or a wall-clock time)."""
    if C.is_string(t) and isinstance(string_as, T.TimestampNTZType):
        value, t = cast_array(value, T.StringType(), string_as, mode, session_time_zone(call)), string_as
    if isinstance(t, T.TimestampNTZType):
        return int_values(value)
    if isinstance(t, T.DateType):
        values, valid = int_values(value)
        return values * MICROS_PER_DAY, valid
    values, valid = instants_of(value, t, call, mode)
    return DF.to_local(values, session_zone(call)), valid


def first_index(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0])


def by_pattern(patterns: pa.Array, apply) -> None:
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
        arity(name, args, 0)
        return [], result, False, {"now": _now_micros()}
    return resolve


def _current_timestamp(values, n, call):
    return to_arrow(np.full(n, call.options["now"], np.int64), np.ones(n, bool), T.TimestampType())


def _current_date(values, n, call):
    local = DF.to_local(np.array([call.options["now"]]), session_zone(call))
    return to_arrow(np.full(n, local[0] // MICROS_PER_DAY), np.ones(n, bool), T.DateType())


def _localtimestamp(values, n, call):
    local = DF.to_local(np.array([call.options["now"]]), session_zone(call))
    return to_arrow(np.full(n, local[0]), np.ones(n, bool), T.TimestampNTZType())


_CURRENT_TIMESTAMP = register(FunctionSpec("current_timestamp", _resolve_now("current_timestamp", T.TimestampType()),
                                           _current_timestamp, options=_NEEDS_NOW))
register(FunctionSpec("now", _resolve_now("now", T.TimestampType()), _current_timestamp, options=_NEEDS_NOW))
register(FunctionSpec("current_date", _resolve_now("current_date", T.DateType()), _current_date, options=_NEEDS_NOW))
register(FunctionSpec("localtimestamp", _resolve_now("localtimestamp", T.TimestampNTZType()), _localtimestamp,
                      options=_NEEDS_NOW))


def _resolve_current_timezone(args):
    arity("current_timezone", args, 0)
    return [], T.StringType(), False


CURRENT_TIMEZONE = register(FunctionSpec(
    "current_timezone", _resolve_current_timezone,
    lambda values, n, call: pa.repeat(pa.scalar(session_time_zone(call)), n), options=NEEDS_ZONE))


# -- parsing strings ----------------------------------------------------------------------------------

def _parse_instants(strings: pa.Array, patterns: pa.Array, call, raising: bool, try_name: str,
                    zone_aware: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Strings read with their patterns: instants (``zone_aware``: a zone the string names, else
    the session's) or wall-clock times; a string that does not parse raises CANNOT_PARSE_TIMESTAMP
    (``raising``) or gives NULL."""
    n = len(strings)
    out, valid = np.zeros(n, np.int64), np.zeros(n, bool)
    session = session_zone(call)
    strings_valid = strings.is_valid().to_numpy(zero_copy_only=False)

    def apply(text, rows):
        rows = rows & strings_valid
        if not rows.any():
            return
        parsed = DF.compile_pattern(text, parsing=True).parse(strings.filter(pa.array(rows)))
        if raising and parsed.failed.any():
            raise DateTimeException(errorClass="CANNOT_PARSE_TIMESTAMP",
                                    messageParameters={"message": parsed.message(first_index(parsed.failed)),
                                                       "func": f"`{try_name}`"})
        local = parsed.local
        if zone_aware:
            named = parsed.zones if parsed.zones is not None else np.full(len(local), None)
            local = local.copy()
            for z in set(named):
                where = named == z if z is not None else np.equal(named, None)
                local[where] = DF.to_utc(parsed.local[where], z or session)
        out[rows], valid[rows] = local, ~parsed.failed

    by_pattern(patterns, apply)
    return out, valid


def _resolve_parse(name: str, result, try_mode: bool, try_name: str):
    """The parsing functions take a string (with a pattern, or as a cast reads it), a date or a
    timestamp (converted; the pattern is not used); to_timestamp(x) also takes seconds since the
    epoch; any other atomic value is read as its string."""
    def resolve(args):
        arity(name, args, 1, 2)
        value = args[0]
        if isinstance(value.data_type, (T.ArrayType, T.MapType, T.StructType)):
            raise mismatch(sql_of_call(name, args), 0, value, '("STRING" or "DATE" or "TIMESTAMP" or "TIMESTAMP_NTZ")')
        seconds = len(args) == 1 and isinstance(result, T.TimestampType) and C.is_numeric(value.data_type)
        if not (seconds or isinstance(value.data_type, _DATE_LIKE)):
            value = C.cast_to(value, T.StringType())
        args = [value] + [string_arg(a) for a in args[1:]]
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
                return to_arrow(np.floor_divide(DF.to_local(micros, session_zone(call)), MICROS_PER_DAY), valid,
                              result)
            return to_arrow(micros, valid, result)
        if isinstance(value_type, T.NumericType):
            return cast_array(values[0], value_type, result, mode, session_time_zone(call))
        if isinstance(result, T.DateType):
            return to_arrow(*_days(values[0], value_type, call, mode), result)
        if isinstance(result, T.TimestampNTZType):     # a string's own zone is ignored
            return to_arrow(*wall_clock(values[0], value_type, call, mode, string_as=result), result)
        return to_arrow(*instants_of(values[0], value_type, call, mode), result)
    return kernel


for _name, _result, _try, _try_name in [
        ("to_date", T.DateType(), False, "try_to_date"), ("try_to_date", T.DateType(), True, "try_to_date"),
        ("to_timestamp", T.TimestampType(), False, "try_to_timestamp"),
        ("to_timestamp_ltz", T.TimestampType(), False, "try_to_timestamp"),
        ("to_timestamp_ntz", T.TimestampNTZType(), False, "try_to_timestamp"),
        ("try_to_timestamp", T.TimestampType(), True, "try_to_timestamp")]:
    register(FunctionSpec(_name, _resolve_parse(_name, _result, _try, _try_name), _parse_kernel(_result, _try),
                          options=NEEDS_ZONE))


def _resolve_unix_timestamp(name: str):
    def resolve(args):
        arity(name, args, *((0, 1, 2) if name == "unix_timestamp" else (1, 2)))
        if not args:
            args = [Call(_CURRENT_TIMESTAMP, [], T.TimestampType(), False, {"now": _now_micros()})]
        if len(args) == 1:
            args = args + [Literal(DEFAULT_PATTERN, T.StringType())]
        value = datetime_arg(sql_of_call(name, args), args, 0, "parseable")
        return [value, string_arg(args[1])], T.LongType(), value.nullable or args[1].nullable, \
            {"try_name": "try_to_timestamp"}
    return resolve


def _unix_timestamp(values, n, call):
    value_type = call.children[0].data_type
    if C.is_string(value_type):
        micros, valid = _parse_instants(values[0], values[1], call, True, call.options["try_name"])
    elif isinstance(value_type, T.TimestampNTZType):
        micros, valid = int_values(values[0])       # Spark reads a wall-clock time as UTC here
    else:
        micros, valid = instants_of(values[0], value_type, call)
    return to_arrow(np.floor_divide(micros, MICROS_PER_SECOND), valid, T.LongType())


for _name in ("unix_timestamp", "to_unix_timestamp"):
    register(FunctionSpec(_name, _resolve_unix_timestamp(_name), _unix_timestamp, options=NEEDS_ZONE))


# -- formatting -----------------------------------------------------------------------------------------

def _format_instants(instants: np.ndarray, valid: np.ndarray, patterns: pa.Array, call) -> pa.Array:
    """Instants rendered with their patterns, as wall-clock times in the session time zone."""
    session = session_zone(call)
    offsets = DF.offsets_at(instants, session)
    out = pa.nulls(len(instants), pa.string())

    def apply(text, rows):
        nonlocal out
        rows = rows & valid
        if rows.any():
            rendered = DF.compile_pattern(text).format(instants[rows] + offsets[rows],
                                                       offsets[rows] // MICROS_PER_SECOND, session)
            out = pc.if_else(pa.array(rows), rendered.take(pa.array(np.maximum(np.cumsum(rows) - 1, 0))), out)

    by_pattern(patterns, apply)
    return out


def _date_format(values, n, call):
    instants, valid = instants_of(values[0], call.children[0].data_type, call)
    return _format_instants(instants, valid, values[1], call)


register(FunctionSpec("date_format", resolver("date_format", ("formattable", "string"), T.StringType()),
                      _date_format, options=NEEDS_ZONE))


def _resolve_from_unixtime(args):
    arity("from_unixtime", args, 1, 2)
    if len(args) == 1:
        args = args + [Literal(DEFAULT_PATTERN, T.StringType())]
    seconds = args[0]
    if isinstance(seconds.data_type, (T.NumericType, T.StringType, T.NullType)):
        seconds = C.cast_to(seconds, T.LongType())
    else:
        raise mismatch(sql_of_call("from_unixtime", args), 0, seconds, '"BIGINT"')
    return [seconds, string_arg(args[1])], T.StringType(), True


def _from_unixtime(values, n, call):
    seconds, valid = int_values(values[0])
    return _format_instants(seconds * MICROS_PER_SECOND, valid, values[1], call)


register(FunctionSpec("from_unixtime", _resolve_from_unixtime, _from_unixtime, options=NEEDS_ZONE))


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
    local, valid = wall_clock(value, t, call)
    unit, modulo = _TIME_FIELDS[field]
    return to_arrow(np.floor_divide(local, unit) % modulo, valid, T.IntegerType())


def _second_with_fraction(value: pa.Array, t, call) -> pa.Array:
    """EXTRACT(SECOND ...): the seconds with their fraction, as decimal(8, 6)."""
    local, valid = wall_clock(value, t, call)
    micros = local % (60 * MICROS_PER_SECOND)
    # the microseconds are the decimal's unscaled value: its 128-bit little-endian words
    words = np.stack([micros, np.zeros_like(micros)], axis=1).astype(np.int64)
    validity = None if valid.all() else pa.array(valid).buffers()[1]
    return pa.Array.from_buffers(pa.decimal128(8, 6), len(micros), [validity, pa.py_buffer(words.tobytes())])


def _field_kernel(field: str):
    read = _time_field if field in _TIME_FIELDS else _date_field
    return lambda values, n, call: read(field, values[0], call.children[0].data_type, call)


for _name in ("year", "quarter", "month", "day", "dayofweek", "weekday", "dayofyear", "weekofyear"):
    register(FunctionSpec(_name, resolver(_name, ("date",), T.IntegerType()), _field_kernel(_name),
                          options=NEEDS_ZONE, aliases=("dayofmonth",) if _name == "day" else ()))
for _name in _TIME_FIELDS:
    register(FunctionSpec(_name, resolver(_name, ("any_timestamp",), T.IntegerType()), _field_kernel(_name),
                          options=NEEDS_ZONE))


def _name_kernel(names: list, field: str):
    def kernel(values, n, call):
        position = pc.subtract(_date_field(field, values[0], call.children[0].data_type, call), 1)
        return pa.array(names).take(position)
    return kernel


register(FunctionSpec("monthname", resolver("monthname", ("date",), T.StringType()),
                      _name_kernel([m[:3] for m in DF.MONTHS], "month"), options=NEEDS_ZONE))
register(FunctionSpec("dayname", resolver("dayname", ("date",), T.StringType()),
                      _name_kernel([d[:3] for d in DF.DAYS], "dayofweek_iso"), options=NEEDS_ZONE))


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
        arity(name, args, 2)
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
        (source,), result, nullable = resolver(target, (kind,), result)([source])
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
                          options=NEEDS_ZONE))


# -- date arithmetic ------------------------------------------------------------------------------------

def month_length(year: np.ndarray, month: np.ndarray) -> np.ndarray:
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    return np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])[month - 1] + ((month == 2) & leap)


def _resolve_date_add(name: str):
    def resolve(args):
        arity(name, args, 2)
        sql = sql_of_call(name, args)
        start = datetime_arg(sql, args, 0, "date")
        days = _day_count_arg(sql, args, 1)
        return [start, days], T.DateType(), converted_nullable(start, "date") or days.nullable
    return resolve


def _date_add(sign: int):
    def kernel(values, n, call):
        days, valid = _days(values[0], call.children[0].data_type, call)
        delta, delta_valid = int_values(values[1])
        # Spark adds as Java ints, so a sum past the int range wraps around
        return to_arrow((days + sign * delta).astype(np.int32), valid & delta_valid, T.DateType())
    return kernel


register(FunctionSpec("date_add", _resolve_date_add("date_add"), _date_add(1), aliases=("dateadd",),
                      render=lambda args, call: f"date_add({', '.join(args)})", options=NEEDS_ZONE))
register(FunctionSpec("date_sub", _resolve_date_add("date_sub"), _date_add(-1), options=NEEDS_ZONE))


def _datediff(values, n, call):
    end, end_valid = _days(values[0], call.children[0].data_type, call)
    start, start_valid = _days(values[1], call.children[1].data_type, call)
    return to_arrow(end - start, end_valid & start_valid, T.IntegerType())


register(FunctionSpec("datediff", resolver("datediff", ("date", "date"), T.IntegerType()), _datediff,
                      aliases=("date_diff",), options=NEEDS_ZONE))


def _resolve_add_months(args):
    arity("add_months", args, 2)
    sql = sql_of_call("add_months", args)
    start = datetime_arg(sql, args, 0, "date")
    months = args[1]
    if not isinstance(months.data_type, (T.NumericType, T.StringType, T.NullType)):
        raise mismatch(sql, 1, months, '"INT"')
    months = C.cast_to(months, T.IntegerType())
    return [start, months], T.DateType(), converted_nullable(start, "date") or months.nullable


def add_months(days: np.ndarray, months: np.ndarray) -> np.ndarray:
    """``LocalDate.plusMonths``: the same day of the month, or the month's last when it is shorter."""
    year, month, day = DF.civil_from_days(days)
    total = year * 12 + (month - 1) + months
    year, month = np.floor_divide(total, 12), total % 12 + 1
    return DF.days_from_civil(year, month, np.minimum(day, month_length(year, month)))


def _add_months(values, n, call):
    days, valid = _days(values[0], call.children[0].data_type, call)
    months, months_valid = int_values(values[1])
    return to_arrow(add_months(days, months), valid & months_valid, T.DateType())


register(FunctionSpec("add_months", _resolve_add_months, _add_months, options=NEEDS_ZONE))


def _resolve_months_between(args):
    arity("months_between", args, 2, 3)
    if len(args) == 2:
        args = args + [Literal(True, T.BooleanType())]
    sql = sql_of_call("months_between", args)
    first, second = (datetime_arg(sql, args, i, "timestamp_only") for i in (0, 1))
    round_off = args[2]
    if C.is_string(round_off.data_type) or isinstance(round_off.data_type, T.NullType):
        round_off = C.cast_to(round_off, T.BooleanType())
    elif not isinstance(round_off.data_type, T.BooleanType):
        raise mismatch(sql, 2, round_off, '"BOOLEAN"')
    nullable = converted_nullable(first, "timestamp") or converted_nullable(second, "timestamp") or \
        round_off.nullable
    return [first, second, round_off], T.DoubleType(), nullable


def _months_between(values, n, call):
    """Spark's monthsBetween: whole months when the days of the month match or both are the
    last day, else the difference in days (and seconds) counted in months of 31 days."""
    zone = session_zone(call)
    micros = [instants_of(values[i], call.children[i].data_type, call) for i in (0, 1)]
    parts = []
    for instants, _ in micros:
        days = np.floor_divide(DF.to_local(instants, zone), MICROS_PER_DAY)
        year, month, day = DF.civil_from_days(days)
        seconds = (instants - DF.to_utc(days * MICROS_PER_DAY, zone)) // MICROS_PER_SECOND
        parts.append((year * 12 + month, day, day == month_length(year, month), seconds))
    (months1, day1, last1, seconds1), (months2, day2, last2, seconds2) = parts
    whole = (months1 - months2).astype(np.float64)
    fraction = ((day1 - day2) * 86400 + seconds1 - seconds2) / (31 * 86400)
    diff = np.where((day1 == day2) | (last1 & last2), whole, whole + fraction)
    round_off, round_valid = values[2].fill_null(False).to_numpy(zero_copy_only=False), \
        values[2].is_valid().to_numpy(zero_copy_only=False)
    rounded = np.floor(diff * 1e8 + 0.5) / 1e8          # Java's Math.round to 8 digits
    result = np.where(round_off, rounded, diff)
    return pa.array(result, pa.float64(), mask=~(micros[0][1] & micros[1][1] & round_valid))


register(FunctionSpec("months_between", _resolve_months_between, _months_between, options=NEEDS_ZONE))


def _last_day(values, n, call):
    days, valid = _days(values[0], call.children[0].data_type, call)
    year, month, _ = DF.civil_from_days(days)
    return to_arrow(DF.days_from_civil(year, month, month_length(year, month)), valid, T.DateType())


register(FunctionSpec("last_day", resolver("last_day", ("date",), T.DateType()), _last_day, options=NEEDS_ZONE))

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
                                       messageParameters={"string": names[first_index(bad)].as_py()})
    target = np.array(list(_WEEKDAYS.values()))[pc.fill_null(wanted, 0).to_numpy(zero_copy_only=False)]
    today = (days + 3) % 7 + 1
    return to_arrow(days + (target - today - 1) % 7 + 1, valid & named & known, T.DateType())


register(FunctionSpec("next_day", resolver("next_day", ("date", "string"), T.DateType(), True), _next_day,
                      options=NEEDS_ZONE))


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
    by_pattern(pc.utf8_upper(units), at_level)
    return known


def _trunc(values, n, call):
    days, valid = _days(values[0], call.children[0].data_type, call)
    out = days.copy()

    def apply(level, rows):
        out[rows] = _trunc_days(days[rows], level)
    known = _by_level(values[1], _WEEK, apply)
    return to_arrow(out, valid & known, T.DateType())


register(FunctionSpec("trunc", resolver("trunc", ("date", "string"), T.DateType(), True), _trunc, options=NEEDS_ZONE))


def _date_trunc(values, n, call):
    zone = session_zone(call)
    instants, valid = instants_of(values[1], call.children[1].data_type, call)
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
    return to_arrow(out, valid & known, T.TimestampType())


register(FunctionSpec("date_trunc", resolver("date_trunc", ("string", "timestamp"), T.TimestampType(), True),
                      _date_trunc, options=NEEDS_ZONE))

"""``pyspark.sql.functions``' date and time functions, with PySpark 4.3's names and signatures: each
builds an unresolved call of a function of ``sparklite.sql.builtins.datetime``.

Arguments PySpark types ``ColumnOrName`` take a Column or a column name here too (so the ``format``
of ``to_timestamp_ntz``, ``try_to_timestamp`` and ``to_unix_timestamp`` is a column, as in
PySpark: pass ``lit("yyyy")``); the ones PySpark types ``str``, ``int`` or ``bool`` (a pattern, a
unit, a day of the week, a number of days, ``roundOff``) become literals.
"""
from __future__ import annotations

from sparklite.sql.column import Column, literal
from sparklite.sql.column import column_expression as _column
from sparklite.sql.errors import PySparkTypeError, PySparkValueError
from sparklite.sql.plan.expressions import UnresolvedFunction

__all__ = [
    "add_months", "convert_timezone", "current_date", "current_timestamp", "current_timezone", "date_add",
    "date_diff", "date_format", "date_from_unix_date", "date_part", "date_sub", "date_trunc", "dateadd", "datediff",
    "datepart", "day", "dayname", "dayofmonth", "dayofweek", "dayofyear", "extract", "from_unixtime",
    "from_utc_timestamp", "hour", "last_day", "localtimestamp", "make_date", "make_timestamp", "make_timestamp_ltz",
    "make_timestamp_ntz", "minute", "month", "monthname", "months_between", "next_day", "now", "quarter", "second",
    "session_window", "timestamp_micros", "timestamp_millis", "timestamp_seconds", "to_date", "to_timestamp",
    "to_timestamp_ltz", "to_timestamp_ntz", "to_unix_timestamp", "to_utc_timestamp", "trunc", "try_make_timestamp",
    "try_make_timestamp_ltz", "try_make_timestamp_ntz", "try_to_date", "try_to_timestamp", "unix_date",
    "unix_micros", "unix_millis", "unix_seconds", "unix_timestamp", "weekday", "weekofyear", "window", "year",
]

_DEFAULT_PATTERN = "yyyy-MM-dd HH:mm:ss"


def _lit(value):
    """A Python value as a literal (a Column stays a column, as ``lit`` keeps it)."""
    return value._expr if isinstance(value, Column) else literal(value)


def _int_or_column(value, arg_name: str):
    """``date_add``'s days and ``add_months``' months: an int is a literal, else a column."""
    return literal(value) if isinstance(value, int) and not isinstance(value, bool) else _column(value, arg_name)


def _call(name: str, *args) -> Column:
    return Column(UnresolvedFunction(name, list(args)))


def _nullary(name: str, doc: str):
    def function() -> Column:
        return _call(name)
    function.__name__, function.__doc__ = name, doc
    return function


def _unary(name: str, doc: str):
    def function(col) -> Column:
        return _call(name, _column(col))
    function.__name__, function.__doc__ = name, doc
    return function


current_date = _nullary("current_date", "The date the query runs on, in the session time zone.")
current_timestamp = _nullary("current_timestamp", "The instant the query runs at.")
now = _nullary("now", "The instant the query runs at (``current_timestamp``).")
localtimestamp = _nullary("localtimestamp", "The session time zone's wall-clock time the query runs at, a "
                                            "timestamp without time zone.")
current_timezone = _nullary("current_timezone", "The session time zone.")

year = _unary("year", "The year of a date (a timestamp's in the session time zone).")
quarter = _unary("quarter", "The quarter of the year, 1 to 4.")
month = _unary("month", "The month, 1 to 12.")
day = _unary("day", "The day of the month.")
dayofmonth = _unary("dayofmonth", "The day of the month.")
dayofweek = _unary("dayofweek", "The day of the week, 1 (Sunday) to 7 (Saturday).")
weekday = _unary("weekday", "The day of the week, 0 (Monday) to 6 (Sunday).")
dayofyear = _unary("dayofyear", "The day of the year, 1 to 366.")
weekofyear = _unary("weekofyear", "The ISO 8601 week of the year (weeks start on Monday; week 1 has "
                                  "the year's first Thursday).")
monthname = _unary("monthname", "The month's three-letter English name (``Jan``).")
dayname = _unary("dayname", "The day of the week's three-letter English name (``Mon``).")
hour = _unary("hour", "The hour of a timestamp, 0 to 23.")
minute = _unary("minute", "The minute of a timestamp, 0 to 59.")
second = _unary("second", "The second of a timestamp, 0 to 59.")
last_day = _unary("last_day", "The last day of the date's month.")
unix_date = _unary("unix_date", "Days since 1970-01-01 of a date.")
unix_seconds = _unary("unix_seconds", "Whole seconds since the epoch of a timestamp (rounded down).")
unix_millis = _unary("unix_millis", "Whole milliseconds since the epoch of a timestamp (rounded down).")
unix_micros = _unary("unix_micros", "Microseconds since the epoch of a timestamp.")
timestamp_seconds = _unary("timestamp_seconds", "The timestamp of a number of seconds since the epoch.")
timestamp_millis = _unary("timestamp_millis", "The timestamp of a number of milliseconds since the epoch.")
timestamp_micros = _unary("timestamp_micros", "The timestamp of a number of microseconds since the epoch.")
date_from_unix_date = _unary("date_from_unix_date", "The date of a number of days since 1970-01-01.")


def _with_optional_pattern(name: str, col, format, format_is_column: bool) -> Column:
    if format is None:
        return _call(name, _column(col))
    return _call(name, _column(col), _column(format, "format") if format_is_column else _lit(format))


def to_date(col, format: str | None = None) -> Column:
    """A string as a date (as a cast, or read with the datetime ``format``); timestamps convert."""
    return _with_optional_pattern("to_date", col, format, False)


def try_to_date(col, format: str | None = None) -> Column:
    """``to_date``, with NULL for a string that does not parse."""
    return _with_optional_pattern("try_to_date", col, format, False)


def to_timestamp(col, format: str | None = None) -> Column:
    """A string as a timestamp (as a cast, or read with the datetime ``format``)."""
    return _with_optional_pattern("to_timestamp", col, format, False)


def to_timestamp_ltz(timestamp, format=None) -> Column:
    """``to_timestamp`` (``format`` is a column)."""
    return _with_optional_pattern("to_timestamp_ltz", timestamp, format, True)


def to_timestamp_ntz(timestamp, format=None) -> Column:
    """A string as a timestamp without time zone (``format`` is a column)."""
    return _with_optional_pattern("to_timestamp_ntz", timestamp, format, True)


def try_to_timestamp(col, format=None) -> Column:
    """``to_timestamp``, with NULL for a string that does not parse (``format`` is a column)."""
    return _with_optional_pattern("try_to_timestamp", col, format, True)


def to_unix_timestamp(timestamp, format=None) -> Column:
    """Seconds since the epoch of a string read with ``format`` (a column; default
    ``yyyy-MM-dd HH:mm:ss``), a date or a timestamp."""
    return _with_optional_pattern("to_unix_timestamp", timestamp, format, True)


def unix_timestamp(timestamp=None, format: str = _DEFAULT_PATTERN) -> Column:
    """Seconds since the epoch of a string read with ``format``, a date or a timestamp; of the
    current time without arguments."""
    if timestamp is None:
        return _call("unix_timestamp")
    return _call("unix_timestamp", _column(timestamp, "timestamp"), _lit(format))


def from_unixtime(timestamp, format: str = _DEFAULT_PATTERN) -> Column:
    """Seconds since the epoch as a string in ``format``, in the session time zone."""
    return _call("from_unixtime", _column(timestamp, "timestamp"), _lit(format))


def date_format(date, format: str) -> Column:
    """A date or timestamp as a string in the datetime pattern ``format``."""
    return _call("date_format", _column(date, "date"), _lit(format))


def date_add(start, days) -> Column:
    """The date ``days`` after ``start`` (an int or a column)."""
    return _call("date_add", _column(start, "start"), _int_or_column(days, "days"))


def dateadd(start, days) -> Column:
    """``date_add``."""
    return _call("dateadd", _column(start, "start"), _int_or_column(days, "days"))


def date_sub(start, days) -> Column:
    """The date ``days`` before ``start`` (an int or a column)."""
    return _call("date_sub", _column(start, "start"), _int_or_column(days, "days"))


def datediff(end, start) -> Column:
    """The days from ``start`` to ``end``."""
    return _call("datediff", _column(end, "end"), _column(start, "start"))


def date_diff(end, start) -> Column:
    """``datediff``."""
    return _call("date_diff", _column(end, "end"), _column(start, "start"))


def add_months(start, months) -> Column:
    """The date ``months`` after ``start``, on the same day or the month's last."""
    return _call("add_months", _column(start, "start"), _int_or_column(months, "months"))


def months_between(date1, date2, roundOff: bool = True) -> Column:
    """Months from ``date2`` to ``date1`` (fractions in months of 31 days), rounded to 8 digits
    unless ``roundOff`` is False."""
    return _call("months_between", _column(date1, "date1"), _column(date2, "date2"), literal(bool(roundOff)))


def next_day(date, dayOfWeek: str) -> Column:
    """The first date after ``date`` on ``dayOfWeek`` (``Mon``, ``Monday``, ``MO``...)."""
    return _call("next_day", _column(date, "date"), _lit(dayOfWeek))


def trunc(date, format: str) -> Column:
    """The date truncated to the ``format`` unit (``year``, ``quarter``, ``month``, ``week``)."""
    return _call("trunc", _column(date, "date"), _lit(format))


def date_trunc(format: str, timestamp) -> Column:
    """The timestamp truncated to the ``format`` unit (``year`` ... ``microsecond``)."""
    return _call("date_trunc", _lit(format), _column(timestamp, "timestamp"))


def make_date(year, month, day) -> Column:
    """The date of a year, a month and a day."""
    return _call("make_date", _column(year, "year"), _column(month, "month"), _column(day, "day"))


def _make_timestamp(name: str, fields: list, timezone=None, date=None, time=None) -> Column:
    given = [f for f in fields if f is not None]
    if given and (date is not None or time is not None) or not given and date is None:
        raise PySparkValueError(errorClass="CANNOT_SET_TOGETHER",
                                messageParameters={"arg_list": "years|months|days|hours|mins|secs and date|time"})
    columns = [_column(f) for f in (fields if given else [date, time])]
    if timezone is not None:
        columns.append(_column(timezone, "timezone"))
    return _call(name, *columns)


def make_timestamp(years=None, months=None, days=None, hours=None, mins=None, secs=None, timezone=None,
                   date=None, time=None) -> Column:
    """The timestamp of its fields (``secs`` may have a fraction), read in ``timezone`` or the
    session time zone."""
    return _make_timestamp("make_timestamp", [years, months, days, hours, mins, secs], timezone, date, time)


def try_make_timestamp(years=None, months=None, days=None, hours=None, mins=None, secs=None, timezone=None,
                       date=None, time=None) -> Column:
    """``make_timestamp``, with NULL for impossible fields."""
    return _make_timestamp("try_make_timestamp", [years, months, days, hours, mins, secs], timezone, date, time)


def make_timestamp_ltz(years, months, days, hours, mins, secs, timezone=None) -> Column:
    """``make_timestamp``."""
    return _make_timestamp("make_timestamp_ltz", [years, months, days, hours, mins, secs], timezone)


def try_make_timestamp_ltz(years, months, days, hours, mins, secs, timezone=None) -> Column:
    """``make_timestamp_ltz``, with NULL for impossible fields."""
    return _make_timestamp("try_make_timestamp_ltz", [years, months, days, hours, mins, secs], timezone)


def make_timestamp_ntz(years=None, months=None, days=None, hours=None, mins=None, secs=None, date=None,
                       time=None) -> Column:
    """The timestamp without time zone of its fields."""
    return _make_timestamp("make_timestamp_ntz", [years, months, days, hours, mins, secs], None, date, time)


def try_make_timestamp_ntz(years=None, months=None, days=None, hours=None, mins=None, secs=None, date=None,
                           time=None) -> Column:
    """``make_timestamp_ntz``, with NULL for impossible fields."""
    return _make_timestamp("try_make_timestamp_ntz", [years, months, days, hours, mins, secs], None, date, time)


def from_utc_timestamp(timestamp, tz) -> Column:
    """The instant whose UTC wall-clock time is ``timestamp``'s wall-clock time in zone ``tz``."""
    return _call("from_utc_timestamp", _column(timestamp, "timestamp"), _lit(tz))


def to_utc_timestamp(timestamp, tz) -> Column:
    """The instant whose wall-clock time in zone ``tz`` is ``timestamp``'s UTC wall-clock time."""
    return _call("to_utc_timestamp", _column(timestamp, "timestamp"), _lit(tz))


def convert_timezone(sourceTz, targetTz, sourceTs) -> Column:
    """A wall-clock time in ``sourceTz`` (default: the session time zone) as the wall-clock time
    in ``targetTz``, a timestamp without time zone."""
    zones = [targetTz] if sourceTz is None else [sourceTz, targetTz]
    return _call("convert_timezone", *[_column(z, "sourceTz") for z in zones], _column(sourceTs, "sourceTs"))


def _extract_like(name: str):
    def function(field, source) -> Column:
        return _call(name, _column(field, "field"), _column(source, "source"))
    function.__name__ = name
    function.__doc__ = (f"``{name}``: the ``field`` (a literal column: ``lit('YEAR')``, ``lit('DOW')``...) of "
                        f"``source``.")
    return function


extract = _extract_like("extract")
date_part = _extract_like("date_part")
datepart = _extract_like("datepart")


def _duration(value, arg_name: str):
    if not value or type(value) is not str:
        raise PySparkTypeError(errorClass="NOT_EXPECTED_TYPE",
                               messageParameters={"arg_name": arg_name, "expected_type": "str",
                                                  "arg_type": type(value).__name__})
    return literal(value)


def window(timeColumn, windowDuration: str, slideDuration: str | None = None,
           startTime: str | None = None) -> Column:
    """The time window(s) a timestamp falls in, a column ``window`` of ``struct<start, end>``:
    windows ``windowDuration`` long (``'10 minutes'``), starting every ``slideDuration`` (default:
    tumbling windows, one per row), offset from the epoch by ``startTime``. Rows whose time is NULL
    are dropped; a sliding window gives each row once per window holding it."""
    time = _column(timeColumn, "timeColumn")
    args = [time, _duration(windowDuration, "windowDuration")]
    if slideDuration:
        args.append(_duration(slideDuration, "slideDuration"))
    if startTime:
        if not slideDuration:
            args.append(args[1])
        args.append(_duration(startTime, "startTime"))
    return _call("window", *args)


def session_window(timeColumn, gapDuration) -> Column:
    """The session a row's time falls in, a column ``session_window`` of ``struct<start, end>``:
    grouped by it, rows less than ``gapDuration`` apart (a string such as ``'5 minutes'``, or a
    column of such strings, read row by row) join one session. Rows whose time is NULL or whose gap
    is not positive are dropped."""
    time = _column(timeColumn, "timeColumn")
    if isinstance(gapDuration, str):
        gap = literal(gapDuration)
    elif isinstance(gapDuration, Column):
        gap = gapDuration._expr
    else:
        raise PySparkTypeError(errorClass="NOT_EXPECTED_TYPE",
                               messageParameters={"expected_type": "Column or str", "arg_name": "gapDuration",
                                                  "arg_type": type(gapDuration).__name__})
    return _call("session_window", time, gap)

"""Dates and timestamps as text in the file sources: Java ``DateTimeFormatter`` patterns (Spark's
``dateFormat`` / ``timestampFormat`` options) and Spark's lenient fallback parsers.

Contract:
* ``Pattern(text)`` compiles a pattern once (an unknown letter raises ``IllegalArgumentException``).
  ``Pattern.parse(s)`` matches the whole string (case-insensitively, as Spark builds its parsers) and
  returns its ``Fields`` or None; ``Pattern.format(value, offset_seconds)`` renders a date or a
  naive wall-clock datetime. Letters: ``y u`` (year), ``M L`` (month: number, short or full name),
  ``d D H h k K m s`` (numbers), ``S`` (fraction), ``a`` (AM/PM), ``E`` (day name), ``G`` (era),
  ``X x Z`` (offsets), ``VV z`` (zone ids), literals in ``'...'`` and optional sections in ``[...]``
  (always printed when formatting, as Java prints a section whose fields are all known).
* ``DateParser`` / ``TimestampParser`` turn strings into days / microseconds: with a pattern when one
  is set, else Spark's lenient string-to-date / string-to-timestamp (the CAST rules).
* ``DateFormatter`` / ``TimestampFormatter`` turn Arrow date32 / timestamp arrays into strings with a
  pattern, timestamps shown in the session time zone; Spark's write defaults are the constants below.
"""
from __future__ import annotations

import calendar
import datetime
import re
import zoneinfo
from typing import NamedTuple

import pyarrow as pa

from sparklite.sql import types as T
from sparklite.sql.errors import IllegalArgumentException
from sparklite.sql.execution.cast import parse_date, parse_timestamp

DEFAULT_DATE = "yyyy-MM-dd"
DEFAULT_TIMESTAMP = "yyyy-MM-dd'T'HH:mm:ss.SSSXXX"
DEFAULT_TIMESTAMP_NTZ = "yyyy-MM-dd'T'HH:mm:ss[.SSS]"
_EPOCH = datetime.datetime(1970, 1, 1)
_EPOCH_DAY = datetime.date(1970, 1, 1).toordinal()
_MONTHS = [calendar.month_name[i] for i in range(1, 13)]
_DAYS = [calendar.day_name[i] for i in range(7)]
_NUMBER_FIELDS = {"y": "year", "u": "year", "M": "month", "L": "month", "d": "day", "D": "day_of_year",
                  "H": "hour", "k": "hour", "h": "hour12", "K": "hour12", "m": "minute", "s": "second"}
_SUPPORTED_LETTERS = set("aEGXxZVzS") | set(_NUMBER_FIELDS)


class Fields(NamedTuple):
    """What a pattern read from a string; unset parts are None."""
    year: int | None
    month: int | None
    day: int | None
    day_of_year: int | None
    hour: int | None
    hour12: int | None
    pm: bool | None
    minute: int | None
    second: int | None
    micros: int | None
    offset: int | None          # seconds east of UTC
    zone: str | None


def _tokens(pattern: str) -> list:
    """(kind, value) tokens: ("letter", "yyyy"), ("text", "T"), ("optional", [tokens])."""
    stack, i = [[]], 0
    while i < len(pattern):
        c = pattern[i]
        if c == "'":
            end = pattern.find("'", i + 1)
            while end != -1 and end + 1 < len(pattern) and pattern[end + 1] == "'":
                end = pattern.find("'", end + 2)
            if end == -1:
                raise IllegalArgumentException(f"Pattern ends with an incomplete string literal: {pattern}")
            literal = pattern[i + 1:end].replace("''", "'")
            stack[-1].append(("text", literal if end > i + 1 else "'"))
            i = end + 1
        elif c == "[":
            stack.append([])
            i += 1
        elif c == "]":
            if len(stack) == 1:
                raise IllegalArgumentException(f"Pattern invalid as it contains ] without previous [: {pattern}")
            inner = stack.pop()
            stack[-1].append(("optional", inner))
            i += 1
        elif c.isalpha():
            j = i
            while j < len(pattern) and pattern[j] == c:
                j += 1
            if c not in _SUPPORTED_LETTERS:
                raise IllegalArgumentException(f"Unknown pattern letter: {c}")
            stack[-1].append(("letter", pattern[i:j]))
            i = j
        else:
            stack[-1].append(("text", c))
            i += 1
    if len(stack) != 1:
        raise IllegalArgumentException(f"Pattern invalid as it contains [ without ]: {pattern}")
    return stack[0]


def _alternatives(names: list) -> str:
    return "(" + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)) + ")"


_OFFSET = r"([+-]\d{2}(?::?\d{2}(?::?\d{2})?)?)"


def _letter_regex(letters: str, adjacent_number: bool) -> tuple[str, str | None]:
    """A regex group for one run of pattern letters and the field it fills."""
    c, n = letters[0], len(letters)
    if c in "yu":
        if n == 2:
            return r"(\d{2})", "year2"
        return (rf"(\d{{{n}}})" if adjacent_number else rf"([+-]?\d{{{max(n, 1)},9}})"), "year"
    if c in "ML" and n >= 3:
        names = _MONTHS if n >= 4 else [m[:3] for m in _MONTHS]
        return _alternatives(names), "month_name"
    if c == "S":
        return rf"(\d{{1,{n}}})", "fraction"
    if c == "a":
        return "(AM|PM)", "ampm"
    if c == "E":
        return _alternatives(_DAYS if n >= 4 else [d[:3] for d in _DAYS]), None
    if c == "G":
        return "(AD|BC)", None
    if c in "XxZ":
        zulu = c == "X" or (c == "Z" and n == 5)
        return (f"(Z|{_OFFSET[1:-1]})" if zulu else _OFFSET), "offset"
    if c in "Vz":
        return r"([A-Za-z][A-Za-z0-9_/+-]*)", "zone"
    width = 3 if c == "D" else 2
    return (rf"(\d{{{n}}})" if n > 1 else rf"(\d{{1,{width}}})"), _NUMBER_FIELDS[c]


def _regex(tokens: list, groups: list) -> str:
    parts = []
    for i, (kind, value) in enumerate(tokens):
        if kind == "text":
            parts.append(re.escape(value))
        elif kind == "optional":
            parts.append("(?:" + _regex(value, groups) + ")?")
        else:
            following = tokens[i + 1] if i + 1 < len(tokens) else None
            adjacent = following is not None and following[0] == "letter" and following[1][0] in "yuMdHhkKmsSD"
            regex, field = _letter_regex(value, adjacent)
            parts.append(regex)
            groups.append(field)
    return "".join(parts)


def _offset_seconds(text: str) -> int:
    if text.upper() == "Z":
        return 0
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes, seconds = int(digits[:2]), int(digits[2:4] or 0), int(digits[4:6] or 0)
    return sign * (hours * 3600 + minutes * 60 + seconds)


class Pattern:
    """One compiled Java date-time pattern."""

    def __init__(self, text: str):
        self.text = text
        self._tokens = _tokens(text)
        self._groups: list = []
        self._regex = re.compile(_regex(self._tokens, self._groups) + r"\Z", re.IGNORECASE)

    def parse(self, s: str) -> Fields | None:
        """The fields ``s`` holds when it matches the whole pattern, else None."""
        m = self._regex.match(s)
        if m is None:
            return None
        found = {}
        for field, value in zip(self._groups, m.groups()):
            if field is None or value is None:
                continue
            if field == "year2":
                found["year"] = 2000 + int(value)
            elif field == "month_name":
                found["month"] = next(i + 1 for i, name in enumerate(_MONTHS) if name.lower().startswith(value.lower()))
            elif field == "fraction":
                found["micros"] = int(value.ljust(6, "0")[:6])
            elif field == "ampm":
                found["pm"] = value.upper() == "PM"
            elif field == "offset":
                found["offset"] = _offset_seconds(value)
            elif field == "zone":
                found["zone"] = value
            else:
                found[field] = int(value)
        return Fields(**{name: found.get(name) for name in Fields._fields})

    def format(self, value, offset: int | None = None) -> str:
        """``value`` (a date or a naive datetime) as text; ``offset`` (seconds) for the X/x/Z letters."""
        return "".join(self._format(self._tokens, value, offset))

    def _format(self, tokens, value, offset):
        for kind, token in tokens:
            if kind == "text":
                yield token
            elif kind == "optional":
                yield from self._format(token, value, offset)
            else:
                yield _format_letters(token, value, offset)


def _format_letters(letters: str, value, offset) -> str:
    c, n = letters[0], len(letters)
    hour = getattr(value, "hour", 0)
    if c in "yu":
        if n == 2:
            return f"{value.year % 100:02d}"
        text = f"{value.year:0{n}d}"
        return "+" + text if n >= 4 and value.year > 9999 else text
    if c in "ML":
        if n >= 3:
            name = _MONTHS[value.month - 1]
            return name if n >= 4 else name[:3]
        return f"{value.month:0{n}d}"
    if c == "d":
        return f"{value.day:0{n}d}"
    if c == "D":
        return f"{value.timetuple().tm_yday:0{n}d}"
    if c in "Hk":
        return f"{(24 if c == 'k' and hour == 0 else hour):0{n}d}"
    if c in "hK":
        twelve = hour % 12
        return f"{(12 if c == 'h' and twelve == 0 else twelve):0{n}d}"
    if c == "m":
        return f"{getattr(value, 'minute', 0):0{n}d}"
    if c == "s":
        return f"{getattr(value, 'second', 0):0{n}d}"
    if c == "S":
        return f"{getattr(value, 'microsecond', 0):06d}000"[:n].ljust(n, "0")
    if c == "a":
        return "PM" if hour >= 12 else "AM"
    if c == "E":
        name = _DAYS[value.weekday()]
        return name if n >= 4 else name[:3]
    if c == "G":
        return "AD"
    if c in "XxZ":
        return _format_offset(c, n, offset or 0)
    return "UTC"


def _format_offset(letter: str, n: int, offset: int) -> str:
    if offset == 0 and (letter == "X" or (letter == "Z" and n >= 4)):
        return "Z"
    sign = "-" if offset < 0 else "+"
    hours, rest = divmod(abs(offset), 3600)
    minutes = rest // 60
    if letter == "Z" and n <= 3:
        return f"{sign}{hours:02d}{minutes:02d}"
    if n == 1:
        return f"{sign}{hours:02d}" + (f"{minutes:02d}" if minutes else "")
    if n in (2, 4):
        return f"{sign}{hours:02d}{minutes:02d}"
    return f"{sign}{hours:02d}:{minutes:02d}"


def _zone(name: str):
    if name in ("UTC", "Z", "GMT"):
        return datetime.timezone.utc
    if name[:1] in "+-":
        return datetime.timezone(datetime.timedelta(seconds=_offset_seconds(name)))
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def _wall_clock(fields: Fields) -> datetime.datetime | None:
    """The naive date-time the fields name (Java's STRICT resolution: no Feb 30), or None."""
    try:
        year = fields.year if fields.year is not None else 1970
        if fields.day_of_year is not None and fields.month is None:
            day = datetime.date(year, 1, 1) + datetime.timedelta(days=fields.day_of_year - 1)
            month, dom = day.month, day.day
        else:
            month, dom = fields.month or 1, fields.day or 1
        hour = fields.hour
        if hour is None and fields.hour12 is not None:
            hour = fields.hour12 % 12 + (12 if fields.pm else 0)
        return datetime.datetime(year, month, dom, hour or 0, fields.minute or 0, fields.second or 0,
                                 fields.micros or 0)
    except ValueError:
        return None


def _micros(naive: datetime.datetime) -> int:
    delta = naive - _EPOCH
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


class DateParser:
    """Strings to days since the epoch: ``pattern`` when set, else Spark's lenient rules."""

    def __init__(self, pattern: str | None):
        self.pattern = Pattern(pattern) if pattern else None

    def __call__(self, s: str) -> int | None:
        if self.pattern is None:
            day = parse_date(s.strip())
        else:
            fields = self.pattern.parse(s)
            moment = _wall_clock(fields) if fields is not None else None
            day = moment.date() if moment is not None else None
        return None if day is None else day.toordinal() - _EPOCH_DAY


class TimestampParser:
    """Strings to microseconds since the epoch: wall-clock times are in ``time_zone`` (an instant) or
    kept as they are (``ntz``); ``pattern`` when set, else Spark's lenient rules."""

    def __init__(self, pattern: str | None, time_zone: str, ntz: bool = False):
        self.pattern = Pattern(pattern) if pattern else None
        self.time_zone, self.ntz = time_zone, ntz

    def __call__(self, s: str) -> int | None:
        if self.pattern is None:
            return parse_timestamp(s.strip(), self.time_zone, self.ntz)
        fields = self.pattern.parse(s)
        moment = _wall_clock(fields) if fields is not None else None
        if moment is None:
            return None
        if self.ntz:
            return _micros(moment)
        if fields.offset is not None:
            return _micros(moment) - fields.offset * 1_000_000
        zone = _zone(fields.zone or self.time_zone)
        if zone is None:
            return None
        return _micros(moment.replace(tzinfo=zone).astimezone(datetime.timezone.utc).replace(tzinfo=None))


class DateFormatter:
    """date32 arrays to strings with a pattern."""

    def __init__(self, pattern: str):
        self.pattern = Pattern(pattern)

    def __call__(self, array: pa.Array) -> pa.Array:
        if self.pattern.text == DEFAULT_DATE:
            return array.cast(pa.string())
        return pa.array([None if d is None else self.pattern.format(d) for d in array.to_pylist()], pa.string())


class TimestampFormatter:
    """timestamp arrays to strings with a pattern: instants as wall-clock times in ``time_zone``
    (with its offset for the X/x/Z letters), NTZ values as they are."""

    def __init__(self, pattern: str, time_zone: str):
        self.pattern = Pattern(pattern)
        self.zone = _zone(time_zone) or datetime.timezone.utc

    def __call__(self, array: pa.Array) -> pa.Array:
        micros = array.cast(pa.int64()).to_pylist()
        instant = array.type.tz is not None
        out = []
        for value in micros:
            if value is None:
                out.append(None)
                continue
            moment = _EPOCH + datetime.timedelta(microseconds=value)
            offset = None
            if instant:
                local = moment.replace(tzinfo=datetime.timezone.utc).astimezone(self.zone)
                offset = int(local.utcoffset().total_seconds())
                moment = local.replace(tzinfo=None)
            out.append(self.pattern.format(moment, offset))
        return pa.array(out, pa.string())


def write_formatters(opts, time_zone: str) -> dict:
    """The formatters a text writer (CSV, JSON) uses for dates and timestamps: its options' patterns,
    or Spark's defaults."""
    return {T.DateType: DateFormatter(opts.date_format or DEFAULT_DATE),
            T.TimestampType: TimestampFormatter(opts.timestamp_format or DEFAULT_TIMESTAMP, time_zone),
            T.TimestampNTZType: TimestampFormatter(opts.timestamp_ntz_format or DEFAULT_TIMESTAMP_NTZ, time_zone)}

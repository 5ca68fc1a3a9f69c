"""Spark's datetime patterns (``yyyy-MM-dd HH:mm:ss``) applied to whole arrays, and the time-zone
arithmetic they share with the date and time functions (and, later, the CSV and JSON readers).

Contract:
* ``zone(name)`` is the time zone Java's ``ZoneId`` rules (as Spark applies them) accept under
  ``name``: a region (``America/Los_Angeles``), an offset (``+05:30``, ``-08``, ``+1``), ``Z`` /
  ``UTC`` / ``GMT``, a prefixed offset (``GMT+1``, ``UTC+01:00``) or one of Java's short ids
  (``PST``, ``EST``); anything else raises ``INVALID_TIMEZONE``.
* Instants are int64 microseconds since the epoch (UTC); wall-clock times are int64 microseconds
  of a local date-time counted as if it were UTC. ``to_local(micros, z)`` goes from the first to
  the second; ``to_utc(local, z)`` goes back as ``java.time`` does: a wall-clock time repeated by a
  backward shift takes the earlier instant, one skipped by a forward shift is moved forward by
  the length of the gap. Both take and return numpy arrays.
* ``compile_pattern(text, parsing)`` checks a pattern as Spark 4 does (week-based letters, letters
  Spark forbids, too many letters, what ``java.time.format.DateTimeFormatter`` rejects, and
  whether the pre-3.0 parser would have taken it) and raises Spark's error; the result is cached.
  Its ``format(local, offsets, z)`` renders wall-clock times (with the zone's offsets, in
  seconds, for the zone letters) to a string array; its ``parse(strings)`` reads strings the way
  Spark's strict, case-insensitive formatter does into wall-clock times, with the zone each
  string names, if any, and a mask of the strings that did not parse (``message(i)`` says why,
  in Java's words).
"""
from __future__ import annotations

import datetime
import functools
import re
import zoneinfo
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sparklite.sql.errors import (
    DateTimeException,
    IllegalArgumentException,
    SparkRuntimeException,
    SparkUpgradeException,
)

MICROS_PER_SECOND = 1_000_000
MICROS_PER_DAY = 86_400 * MICROS_PER_SECOND
DOCROOT = "https://spark.apache.org/docs/latest"

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]   # ISO order


# -- time zones -----------------------------------------------------------------------------------

# java.time.ZoneId.SHORT_IDS, which Spark passes to ZoneId.of
_SHORT_IDS = {
    "EST": "-05:00", "HST": "-10:00", "MST": "-07:00", "ACT": "Australia/Darwin", "AET": "Australia/Sydney",
    "AGT": "America/Argentina/Buenos_Aires", "ART": "Africa/Cairo", "AST": "America/Anchorage",
    "BET": "America/Sao_Paulo", "BST": "Asia/Dhaka", "CAT": "Africa/Harare", "CNT": "America/St_Johns",
    "CST": "America/Chicago", "CTT": "Asia/Shanghai", "EAT": "Africa/Addis_Ababa", "ECT": "Europe/Paris",
    "IET": "America/Indiana/Indianapolis", "IST": "Asia/Kolkata", "JST": "Asia/Tokyo", "MIT": "Pacific/Apia",
    "NET": "Asia/Yerevan", "NST": "Pacific/Auckland", "PLT": "Asia/Karachi", "PNT": "America/Phoenix",
    "PRT": "America/Puerto_Rico", "PST": "America/Los_Angeles", "SST": "Pacific/Guadalcanal",
    "VST": "Asia/Ho_Chi_Minh",
}
# the forms java.time.ZoneOffset.of takes: +h, +hh, +hh:mm, +hhmm, +hh:mm:ss, +hhmmss
_OFFSET_ID = re.compile(r"([+-])(\d{1,2})|([+-])(\d{2})(:?)(\d{2})(?:\5(\d{2}))?")
_REGION_ID = re.compile(r"[A-Za-z][A-Za-z0-9~/._+-]+")


@dataclass(frozen=True)
class Zone:
    """A time zone: ``id`` as Java shows it (pattern ``VV``), ``arrow`` the name Arrow's kernels
    take for a region, ``offset`` the seconds east of UTC of a fixed-offset zone (else None)."""
    id: str
    arrow: str | None = None
    offset: int | None = None


def invalid_time_zone(name) -> DateTimeException:
    """Spark's error for a zone name ``ZoneId.of`` rejects."""
    return DateTimeException(errorClass="INVALID_TIMEZONE", messageParameters={"timeZone": str(name)})


@functools.lru_cache(maxsize=256)
def zone(name: str) -> Zone:
    """The zone named ``name``, by Java's ``ZoneId.of(name, SHORT_IDS)`` rules."""
    name = _SHORT_IDS.get(name, name)
    if name == "Z":
        return Zone("Z", offset=0)
    if name in ("UTC", "GMT", "UT"):
        return Zone(name, offset=0)
    if name[:1] in ("+", "-"):
        seconds = _offset_seconds(name)
        if seconds is None:
            raise invalid_time_zone(name)
        return Zone(offset_id(seconds), offset=seconds)
    for prefix in ("UTC", "GMT", "UT"):
        if name.startswith(prefix) and name[len(prefix):len(prefix) + 1] in ("+", "-"):
            seconds = _offset_seconds(name[len(prefix):])
            if seconds is None:
                raise invalid_time_zone(name)
            return Zone(prefix if seconds == 0 else prefix + offset_id(seconds), offset=seconds)
    if _REGION_ID.fullmatch(name) and name in _region_names():
        return Zone(name, arrow=name)
    raise invalid_time_zone(name)


@functools.lru_cache(maxsize=1)
def _region_names() -> frozenset:
    return frozenset(zoneinfo.available_timezones())


def _offset_seconds(text: str) -> int | None:
    text = re.sub(r"^([+-])(\d):", r"\g<1>0\2:", text)      # Spark pads a one-digit hour before a colon
    m = _OFFSET_ID.fullmatch(text)
    if not m:
        return None
    if m.group(1):
        sign, hours, minutes, seconds = m.group(1), int(m.group(2)), 0, 0
    else:
        sign, hours, minutes, seconds = m.group(3), int(m.group(4)), int(m.group(6)), int(m.group(7) or 0)
    total = hours * 3600 + minutes * 60 + seconds
    if minutes > 59 or seconds > 59 or total > 18 * 3600:
        return None
    return -total if sign == "-" else total


def offset_id(seconds: int) -> str:
    """Java's ``ZoneOffset`` id: ``Z``, ``+05:30``, ``-08:00``, ``+01:02:03``."""
    if seconds == 0:
        return "Z"
    sign = "-" if seconds < 0 else "+"
    h, rest = divmod(abs(seconds), 3600)
    m, s = divmod(rest, 60)
    return f"{sign}{h:02d}:{m:02d}" + (f":{s:02d}" if s else "")


def offsets_at(instants: np.ndarray, z: Zone) -> np.ndarray:
    """The zone's UTC offset, in microseconds, at each instant."""
    if z.offset is not None:
        return np.full(len(instants), z.offset * MICROS_PER_SECOND, dtype=np.int64)
    stamped = pa.array(instants, pa.timestamp("us", tz=z.arrow))
    local = pc.local_timestamp(stamped).cast(pa.int64()).to_numpy(zero_copy_only=False)
    return local - instants


def to_local(instants: np.ndarray, z: Zone) -> np.ndarray:
    """The wall-clock times of instants in ``z``."""
    return instants + offsets_at(instants, z)


def to_utc(local: np.ndarray, z: Zone) -> np.ndarray:
    """Instants of wall-clock times in ``z``, resolving gaps and overlaps as ``java.time`` does."""
    if z.offset is not None:
        return local - z.offset * MICROS_PER_SECOND
    before = offsets_at(local - MICROS_PER_DAY, z)
    after = offsets_at(local + MICROS_PER_DAY, z)
    if (before == after).all():
        return local - before
    # near a transition: the offset in force before it wins when it fits (an overlap's earlier
    # instant) or when neither fits (a gap, which moves the time forward by the gap's length)
    after_fits = offsets_at(local - after, z) == after
    before_fits = offsets_at(local - before, z) == before
    return np.where(~before_fits & after_fits, local - after, local - before)


def short_zone_names(instants: np.ndarray, offsets: np.ndarray, z: Zone) -> pa.Array:
    """Pattern ``z``: the zone's abbreviation at each instant (``PST``/``PDT``, ``UTC``)."""
    if z.offset is not None:
        return pa.repeat(pa.scalar(z.id), len(instants))
    info = zoneinfo.ZoneInfo(z.arrow)
    keys = np.unique(offsets)
    names = []
    # the abbreviation follows the offset, so one instant per distinct offset is asked
    for value in keys:
        instant = int(instants[np.flatnonzero(offsets == value)[0]])
        try:
            moment = _EPOCH + datetime.timedelta(microseconds=instant)
        except OverflowError:
            moment = _EPOCH
        names.append(moment.astimezone(info).tzname())
    return pa.array(names).take(pa.array(np.searchsorted(keys, offsets)))


_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def _replace_texts(array: pa.Array, mapping: dict) -> pa.Array:
    """Each string replaced by its value in ``mapping`` (kept where it has none)."""
    keys = pc.unique(array)
    values = pa.array([mapping.get(k, k) for k in keys.to_pylist()], pa.string())
    return values.take(pc.index_in(array, value_set=keys))


# Java's English (CLDR) long names for the abbreviations tzdata uses; others print the abbreviation
_LONG_ZONE_NAMES = {
    "UTC": "Coordinated Universal Time", "GMT": "Greenwich Mean Time", "BST": "British Summer Time",
    "PST": "Pacific Standard Time", "PDT": "Pacific Daylight Time", "MST": "Mountain Standard Time",
    "MDT": "Mountain Daylight Time", "CST": "Central Standard Time", "CDT": "Central Daylight Time",
    "EST": "Eastern Standard Time", "EDT": "Eastern Daylight Time", "AKST": "Alaska Standard Time",
    "AKDT": "Alaska Daylight Time", "HST": "Hawaii-Aleutian Standard Time",
    "CET": "Central European Standard Time", "CEST": "Central European Summer Time",
    "EET": "Eastern European Standard Time", "EEST": "Eastern European Summer Time",
    "WET": "Western European Standard Time", "WEST": "Western European Summer Time",
    "JST": "Japan Standard Time", "KST": "Korean Standard Time", "IST": "India Standard Time",
    "AEST": "Australian Eastern Standard Time", "AEDT": "Australian Eastern Daylight Time",
}
# the names (either form) a ``z`` field parses, and the zone each stands for
_ZONE_TEXT = {"UTC": "UTC", "GMT": "GMT", "UT": "UT", "Z": "Z", "PST": "America/Los_Angeles",
              "PDT": "America/Los_Angeles", "MST": "America/Denver", "MDT": "America/Denver",
              "CST": "America/Chicago", "CDT": "America/Chicago", "EST": "America/New_York",
              "EDT": "America/New_York", "AKST": "America/Anchorage", "AKDT": "America/Anchorage",
              "HST": "Pacific/Honolulu", "BST": "Europe/London", "CET": "CET", "CEST": "CET", "EET": "EET",
              "EEST": "EET", "WET": "WET", "WEST": "WET", "JST": "Asia/Tokyo", "KST": "Asia/Seoul",
              "IST": "Asia/Kolkata", "AEST": "Australia/Sydney", "AEDT": "Australia/Sydney"}
_ZONE_TEXT.update({_LONG_ZONE_NAMES[k]: v for k, v in _ZONE_TEXT.items() if k in _LONG_ZONE_NAMES})


# -- patterns: checking -------------------------------------------------------------------------

class _JavaPatternError(Exception):
    """What ``DateTimeFormatterBuilder.appendPattern`` rejects (an IllegalArgumentException)."""


@dataclass(frozen=True)
class _Token:
    kind: str          # "text", "field", "open" ([) or "close" (])
    value: str = ""    # the literal text, or the field's letter
    count: int = 0     # how many times the letter repeats


_WEEK_BASED = set("YWwuec")
_UNSUPPORTED = set("ABnNp")
_UNSUPPORTED_FOR_PARSING = set("EFqQ")
_TOO_LONG = ["GGGGG", "MMMMM", "LLLLL", "EEEEE", "QQQQQ", "qqqqq", "yyyyyyy"]
# the widest count java.time takes for each letter it knows (y and u: any, up to 19)
_MAX_COUNT = {"G": 5, "u": 19, "y": 19, "Q": 5, "q": 5, "M": 5, "L": 5, "D": 3, "d": 2, "E": 5, "F": 1,
              "a": 1, "h": 2, "K": 2, "k": 2, "H": 2, "m": 2, "s": 2, "S": 9, "V": 2, "z": 4, "O": 4, "X": 5,
              "x": 5, "Z": 5}
_LEGACY_LETTERS = set("GyMdkHmsSEDFwWahKzZYuXL")      # java.text.SimpleDateFormat's


def sql_string(text: str) -> str:
    """A string as Spark quotes a value in a message: ``'it\\'s'``."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


@functools.lru_cache(maxsize=256)
def compile_pattern(pattern: str, parsing: bool = False) -> DateTimePattern:
    """The pattern, checked as Spark checks it before formatting (``parsing=False``) or parsing."""
    try:
        _check_spark_letters(pattern, parsing)
        tokens = _tokenize(pattern)
    except (IllegalArgumentException, _JavaPatternError) as error:
        if _legacy_accepts(pattern):
            raise SparkUpgradeException(
                errorClass="INCONSISTENT_BEHAVIOR_CROSS_VERSION.DATETIME_PATTERN_RECOGNITION",
                messageParameters={"pattern": sql_string(pattern), "config": '"spark.sql.legacy.timeParserPolicy"',
                                   "docroot": DOCROOT}) from None
        if isinstance(error, _JavaPatternError):
            raise SparkRuntimeException(
                errorClass="INVALID_DATETIME_PATTERN.WITH_SUGGESTION",
                messageParameters={"pattern": sql_string(pattern), "docroot": DOCROOT}) from None
        raise
    # Spark reads y as the proleptic year (java's u) unless an era is printed too
    if not any(t.kind == "field" and t.value == "G" for t in tokens):
        tokens = [_Token("field", "u", t.count) if t.kind == "field" and t.value == "y" else t for t in tokens]
    return DateTimePattern(pattern, tuple(tokens), parsing)


def _check_spark_letters(pattern: str, parsing: bool) -> None:
    for index, part in enumerate((pattern + " ").split("'")):
        if index % 2:
            continue                      # quoted text
        for c in part:
            if c in _WEEK_BASED:
                raise IllegalArgumentException(
                    errorClass="INCONSISTENT_BEHAVIOR_CROSS_VERSION.DATETIME_WEEK_BASED_PATTERN",
                    messageParameters={"c": c})
        for c in part:
            if c in _UNSUPPORTED or (parsing and c in _UNSUPPORTED_FOR_PARSING):
                raise IllegalArgumentException(errorClass="INVALID_DATETIME_PATTERN.ILLEGAL_CHARACTER",
                                               messageParameters={"c": c, "pattern": pattern})
        for style in _TOO_LONG:
            if style in part:
                raise IllegalArgumentException(errorClass="INVALID_DATETIME_PATTERN.LENGTH",
                                               messageParameters={"pattern": style})


def _tokenize(pattern: str) -> list[_Token]:
    """``DateTimeFormatterBuilder.appendPattern``'s reading of a pattern."""
    tokens, i, depth = [], 0, 0
    while i < len(pattern):
        c = pattern[i]
        if c.isascii() and c.isalpha():
            j = i
            while j < len(pattern) and pattern[j] == c:
                j += 1
            count = j - i
            if c not in _MAX_COUNT or count > _MAX_COUNT[c] or (c == "V" and count != 2) or \
                    (c == "O" and count not in (1, 4)):
                raise _JavaPatternError(f"invalid pattern letters: {c * count}")
            tokens.append(_Token("field", c, count))
            i = j
        elif c == "'":
            j, text = i + 1, ""
            while True:
                if j >= len(pattern):
                    raise _JavaPatternError("Pattern ends with an incomplete string literal")
                if pattern[j] == "'":
                    if j + 1 < len(pattern) and pattern[j + 1] == "'":
                        text, j = text + "'", j + 2
                        continue
                    break
                text, j = text + pattern[j], j + 1
            tokens.append(_Token("text", text if j > i + 1 else "'"))
            i = j + 1
        elif c == "[":
            depth += 1
            tokens.append(_Token("open"))
            i += 1
        elif c == "]":
            if depth == 0:
                raise _JavaPatternError("Pattern invalid as it contains ] without previous [")
            depth -= 1
            tokens.append(_Token("close"))
            i += 1
        elif c in "{}#":
            raise _JavaPatternError(f"Pattern includes reserved character: '{c}'")
        else:
            tokens.append(_Token("text", c))
            i += 1
    tokens += [_Token("close")] * depth         # an unclosed [ runs to the end
    return tokens


def _legacy_accepts(pattern: str) -> bool:
    """Whether ``java.text.SimpleDateFormat`` (Spark before 3.0) takes the pattern."""
    i, in_quote = 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "'":
            if i + 1 < len(pattern) and pattern[i + 1] == "'":
                i += 2
                continue
            in_quote = not in_quote
        elif not in_quote and c.isascii() and c.isalpha():
            if c not in _LEGACY_LETTERS:
                return False
            if c == "X":
                j = i
                while j < len(pattern) and pattern[j] == "X":
                    j += 1
                if j - i > 3:
                    return False
        i += 1
    return not in_quote


# -- patterns: formatting -----------------------------------------------------------------------

class _Fields:
    """The calendar fields of wall-clock times, computed when first asked for."""

    def __init__(self, local: np.ndarray):
        self.local = local
        self.days = np.floor_divide(local, MICROS_PER_DAY)
        self.time = local - self.days * MICROS_PER_DAY
        self._dates = pa.array(self.days.astype(np.int32), pa.date32())

    @functools.cached_property
    def year(self):
        return pc.year(self._dates).to_numpy(zero_copy_only=False)

    @functools.cached_property
    def month(self):
        return pc.month(self._dates).to_numpy(zero_copy_only=False)

    @functools.cached_property
    def day(self):
        return pc.day(self._dates).to_numpy(zero_copy_only=False)

    @functools.cached_property
    def day_of_year(self):
        return pc.day_of_year(self._dates).to_numpy(zero_copy_only=False)

    @property
    def iso_day_of_week(self):
        return (self.days + 3) % 7 + 1           # 1970-01-01 was a Thursday

    @property
    def hour(self):
        return self.time // (3600 * MICROS_PER_SECOND)

    @property
    def minute(self):
        return self.time // (60 * MICROS_PER_SECOND) % 60

    @property
    def second(self):
        return self.time // MICROS_PER_SECOND % 60

    @property
    def micros(self):
        return self.time % MICROS_PER_SECOND


def _number(values: np.ndarray, width: int = 1, exceeds_pad: bool = False) -> pa.Array:
    """Decimal digits, zero-padded to ``width``, ``-`` before negatives and, for Java's
    EXCEEDS_PAD style, ``+`` before a value wider than ``width``."""
    text = pa.array(np.abs(values)).cast(pa.string())
    if width > 1:
        text = pc.utf8_lpad(text, width, "0")
    signs = np.where(values < 0, "-", np.where(exceeds_pad & (values >= 10 ** min(width, 18)), "+", ""))
    if (signs != "").any():
        text = pc.binary_join_element_wise(pa.array(signs), text, "")
    return text


def _names(names: list, index: np.ndarray) -> pa.Array:
    return pa.array(names).take(pa.array(index))


def _offset_text(offsets: np.ndarray, colon: bool, minutes: str, seconds: bool, zero: str | None) -> pa.Array:
    """An offset as ``+HH``, ``+HHMM``, ``+HH:MM`` and ``:ss`` forms; ``minutes`` is "always" or
    "nonzero" (print the minutes only when not zero), ``zero`` replaces a zero offset."""
    sign = np.where(offsets < 0, "-", "+")
    total = np.abs(offsets)
    h, m, s = total // 3600, total // 60 % 60, total % 60
    sep = ":" if colon else ""
    parts = [pa.array(sign), _number(h, 2)]
    show_minutes = np.ones(len(offsets), bool) if minutes == "always" else m != 0
    parts += [pa.array(np.where(show_minutes, sep, "")),
              pc.if_else(pa.array(show_minutes), _number(m, 2), pa.scalar(""))]
    if seconds:
        parts += [pa.array(np.where(s != 0, sep, "")), pc.if_else(pa.array(s != 0), _number(s, 2), pa.scalar(""))]
    text = pc.binary_join_element_wise(*parts, "")
    return pc.if_else(pa.array(offsets == 0), pa.scalar(zero), text) if zero is not None else text


def _gmt_text(offsets: np.ndarray, full: bool) -> pa.Array:
    """Pattern ``O`` (``GMT+8``, ``GMT+5:30``) and ``OOOO`` (``GMT+08:00``); ``GMT`` at zero."""
    sign = np.where(offsets < 0, "-", "+")
    total = np.abs(offsets)
    h, m, s = total // 3600, total // 60 % 60, total % 60
    parts = [pa.array(np.full(len(offsets), "GMT")), pa.array(sign), _number(h, 2 if full else 1)]
    show_minutes = np.ones(len(offsets), bool) if full else (m != 0) | (s != 0)
    parts += [pa.array(np.where(show_minutes, ":", "")), pc.if_else(pa.array(show_minutes), _number(m, 2),
                                                                     pa.scalar(""))]
    parts += [pa.array(np.where(s != 0, ":", "")), pc.if_else(pa.array(s != 0), _number(s, 2), pa.scalar(""))]
    return pc.if_else(pa.array(offsets == 0), pa.scalar("GMT"), pc.binary_join_element_wise(*parts, ""))


_X_STYLES = {1: (False, "nonzero", False), 2: (False, "always", False), 3: (True, "always", False),
             4: (False, "always", True), 5: (True, "always", True)}
_X_ZERO = {1: "+00", 2: "+0000", 3: "+00:00", 4: "+0000", 5: "+00:00"}
_QUARTER_NAMES = ["1st quarter", "2nd quarter", "3rd quarter", "4th quarter"]


def _format_field(token: _Token, f: _Fields, offsets: np.ndarray, z: Zone, era: bool) -> pa.Array:
    c, n = token.value, token.count
    if c in "uy":
        year = f.year if c == "u" or not era else np.where(f.year > 0, f.year, 1 - f.year)
        if n == 2:
            return _number(np.abs(year) % 100, 2)
        return _number(year, n, exceeds_pad=n >= 4)
    if c == "G":
        names = ["BC", "AD"] if n < 4 else ["Before Christ", "Anno Domini"]
        return _names(names, (f.year > 0).astype(np.int64))
    if c in "MLQq":
        value = f.month if c in "ML" else (f.month - 1) // 3 + 1
        if n <= 2:
            return _number(value, n)
        if c in "ML":
            return _names([m[:3] if n == 3 else m for m in MONTHS], value - 1)
        return _names([f"Q{q}" for q in range(1, 5)] if n == 3 else _QUARTER_NAMES, value - 1)
    if c == "E":
        return _names([d[:3] if n < 4 else d for d in DAYS], f.iso_day_of_week - 1)
    if c == "F":
        return _number((f.day - 1) % 7 + 1)       # java 17 reads F as the aligned day of week in month
    if c == "a":
        return _names(["AM", "PM"], (f.hour >= 12).astype(np.int64))
    if c == "S":
        digits = pc.utf8_lpad(pa.array(f.micros * 1000).cast(pa.string()), 9, "0")
        return pc.utf8_slice_codeunits(digits, 0, n)
    if c == "V":
        return pa.repeat(pa.scalar(z.id), len(offsets))
    if c == "z":
        names = short_zone_names(f.local - offsets * MICROS_PER_SECOND, offsets, z)
        return names if n < 4 else _replace_texts(names, _LONG_ZONE_NAMES)
    if c == "O" or (c == "Z" and n == 4):
        return _gmt_text(offsets, full=n == 4)
    if c in "Xx" or c == "Z":
        style = 2 if c == "Z" and n < 4 else n
        zero = "+0000" if c == "Z" and n < 4 else ("Z" if c in "XZ" else _X_ZERO[n])
        return _offset_text(offsets, *_X_STYLES[style], zero=zero)
    value = {"d": f.day, "D": f.day_of_year, "H": f.hour, "m": f.minute, "s": f.second,
             "k": np.where(f.hour == 0, 24, f.hour), "K": f.hour % 12,
             "h": np.where(f.hour % 12 == 0, 12, f.hour % 12)}[c]
    return _number(value, n)


# -- patterns: parsing --------------------------------------------------------------------------

_DIGITS_FIXED = {"d", "H", "h", "K", "k", "m", "s", "M", "L", "D"}
_FIELD_NAMES = {"M": "MonthOfYear", "L": "MonthOfYear", "d": "DayOfMonth", "D": "DayOfYear", "H": "HourOfDay",
                "k": "ClockHourOfDay", "h": "ClockHourOfAmPm", "K": "HourOfAmPm", "m": "MinuteOfHour",
                "s": "SecondOfMinute", "y": "YearOfEra", "u": "Year"}
_RANGES = {"M": (1, 12), "L": (1, 12), "d": (1, 31), "D": (1, 366), "H": (0, 23), "k": (1, 24), "h": (1, 12),
           "K": (0, 11), "m": (0, 59), "s": (0, 59), "y": (1, 999_999_999), "u": (-999_999_999, 999_999_999)}
_RANGE_TEXT = {"d": "1 - 28/31", "D": "1 - 365/366"}
_MAX_DAYS = np.iinfo(np.int64).max // MICROS_PER_DAY - 1
_ZONE_ID_REGEX = r"[A-Za-z][A-Za-z0-9~/._+-]*|[+-][0-9]{1,2}(?::?[0-9]{2}){0,2}"


def _variable_width(token: _Token) -> bool:
    """Whether a field reads a varying number of digits (Java's non-fixed-width value parsers)."""
    if token.kind != "field":
        return False
    return (token.value in _DIGITS_FIXED and token.count == 1) or (token.value == "D" and token.count == 2) or \
        (token.value in "uy" and token.count != 2) or token.value == "S"


def _fixed_width(token: _Token) -> bool:
    return token.kind == "field" and (token.count == 2 and token.value in _DIGITS_FIXED | {"u", "y"} or
                                      token.count == 3 and token.value == "D")


def _field_regex(token: _Token) -> str:
    c, n = token.value, token.count
    if c in "uy":
        if n == 2:
            return "[0-9]{2}"
        if n >= 4:
            return f"[+-]?[0-9]{{{n},19}}"
        return f"-?[0-9]{{{n},19}}"
    if c in "ML" and n >= 3:
        return "|".join(m[:3] if n == 3 else m for m in MONTHS)
    if c == "D":
        return {1: "[0-9]{1,19}", 2: "[0-9]{2,3}", 3: "[0-9]{3}"}[n]
    if c in _DIGITS_FIXED:
        return "[0-9]{1,19}" if n == 1 else "[0-9]{2}"
    if c == "S":
        return f"[0-9]{{1,{n}}}"
    if c == "a":
        return "AM|PM"
    if c == "G":
        return "AD|BC" if n < 4 else "Anno Domini|Before Christ"
    if c == "V":
        return _ZONE_ID_REGEX
    if c == "z":
        names = sorted(_ZONE_TEXT, key=len, reverse=True)
        return "|".join(re.escape(s) for s in names) + "|" + _ZONE_ID_REGEX
    if c == "O" or (c == "Z" and n == 4):
        return "GMT(?:[+-][0-9]{1,2}(?::[0-9]{2}(?::[0-9]{2})?)?)?"
    if c == "Z" and n < 4:
        return "[+-][0-9]{4}"
    body = {1: "[+-][0-9]{2}(?:[0-9]{2})?", 2: "[+-][0-9]{4}", 3: "[+-][0-9]{2}:[0-9]{2}",
            4: "[+-][0-9]{4}(?:[0-9]{2})?", 5: "[+-][0-9]{2}:[0-9]{2}(?::[0-9]{2})?"}[n]
    return ("Z|" if c != "x" else "") + body


@dataclass
class ParsedDateTimes:
    """What ``DateTimePattern.parse`` read: ``local`` wall-clock microseconds (0 where nothing
    was read), ``zones`` the ``Zone`` each string named (None where it named none; None
    altogether when the pattern has no zone field) and ``failed`` the strings that did not parse."""
    local: np.ndarray
    zones: np.ndarray | None
    failed: np.ndarray
    _messages: list
    _texts: list

    def message(self, row: int) -> str:
        """Why the string at ``row`` did not parse, as Java's parser says it."""
        for mask, explain in self._messages:
            if mask[row]:
                return f"Text '{self._texts[row]}' could not be parsed" + explain(row)
        return f"Text '{self._texts[row]}' could not be parsed"


class DateTimePattern:
    """A checked datetime pattern: formats wall-clock times and parses strings."""

    def __init__(self, text: str, tokens: tuple, parsing: bool):
        self.text, self.tokens = text, tokens
        self.era = any(t.kind == "field" and t.value == "G" for t in tokens)

    # -- formatting ---------------------------------------------------------------------------
    def format(self, local: np.ndarray, offsets_seconds: np.ndarray, z: Zone) -> pa.Array:
        """The wall-clock times ``local`` as strings; ``offsets_seconds`` are the zone's offsets
        at those times (for the zone letters)."""
        n = len(local)
        fields = _Fields(local)
        parts = [pa.repeat(pa.scalar(""), n)]
        for t in self.tokens:
            if t.kind == "text":
                parts.append(pa.scalar(t.value))
            elif t.kind == "field":
                parts.append(_format_field(t, fields, offsets_seconds, z, self.era))
        return pc.binary_join_element_wise(*parts, "")

    # -- parsing ------------------------------------------------------------------------------
    @functools.cached_property
    def _plan(self):
        """The anchored regex the whole pattern reads, the field token behind each group, the
        regexes of its top-level pieces (to find where a string stops matching), and whether it
        needs Python's atomic groups (Java's greedy, non-backtracking reading of adjacent numbers)."""
        groups, pieces, atomic = [], [], False
        stack = [[]]
        tokens = self.tokens
        for i, t in enumerate(tokens):
            if t.kind == "open":
                stack.append([])
                continue
            if t.kind == "close":
                inner = "".join(stack.pop())
                stack[-1].append(f"(?:{inner})?")
                if len(stack) == 1:
                    pieces.append(stack[0][-1])
                continue
            if t.kind == "text":
                text = re.escape(t.value)
            else:
                text = f"(?P<f{len(groups)}>{_field_regex(t)})"
                groups.append(t)
                if _variable_width(t):
                    j = i + 1
                    while j < len(tokens) and _fixed_width(tokens[j]):
                        j += 1
                    if j < len(tokens) and _variable_width(tokens[j]):
                        text, atomic = f"(?>{text})", True
            stack[-1].append(text)
            if len(stack) == 1:
                pieces.append(text)
        return "(?i)^" + "".join(stack[0]) + "$", groups, pieces, atomic

    def parse(self, strings: pa.Array) -> ParsedDateTimes:
        """Read each string with the pattern (RE2 on the whole array unless adjacent numbers need
        Java's non-backtracking reading, which Python's ``re`` does row by row), then resolve and
        check the fields it found on whole columns."""
        regex, groups, _, atomic = self._plan
        n = len(strings)
        texts = strings.to_pylist()
        present = strings.is_valid().to_numpy(zero_copy_only=False)
        if atomic:        # RE2 has no atomic groups; Python's re does
            compiled = re.compile(regex)
            matches = [compiled.match(s) if s is not None else None for s in texts]
            matched = np.array([m is not None for m in matches], dtype=bool)
            columns = [pa.array([(m.group(f"f{k}") or "") if m else "" for m in matches], pa.string())
                       for k in range(len(groups))]
        else:
            found = pc.extract_regex(strings, regex)
            matched = found.is_valid().to_numpy(zero_copy_only=False) & present
            columns = [pc.fill_null(found.field(k), "") for k in range(len(groups))]
        failed = present & ~matched
        messages = [(failed.copy(), lambda row: self._where_it_stops(texts[row]))]
        resolver = _Resolver(n, matched, messages)
        zones = None
        for token, column in zip(groups, columns):
            has = pc.not_equal(column, "").to_numpy(zero_copy_only=False) & matched
            if token.value in "VzOXxZ":
                zones = resolver.zone(column, has, zones)
            else:
                resolver.add(token, column, has)
        local = resolver.local()
        return ParsedDateTimes(np.where(resolver.failed, 0, local), zones, resolver.failed & present, messages, texts)

    def _where_it_stops(self, text: str) -> str:
        """Java's account of a string that does not match: the first index no piece reads."""
        _, _, pieces, _ = self._plan
        position = 0
        for k in range(len(pieces)):
            m = re.match("(?i)" + "".join(pieces[:k + 1]), text)
            if not m:
                return f" at index {position}"
            position = m.end()
        return f", unparsed text found at index {position}"


class _Resolver:
    """Turns the fields a pattern read into wall-clock times, checking them as Java's STRICT
    resolver does; each failed check marks rows and records how Java words it."""

    def __init__(self, n: int, matched: np.ndarray, messages: list):
        self.n, self.messages = n, messages
        self.failed = ~matched
        self.values: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def fail(self, mask: np.ndarray, explain) -> None:
        mask = mask & ~self.failed
        if mask.any():
            self.failed = self.failed | mask
            self.messages.append((mask, explain))

    def set(self, key: str, values: np.ndarray, has: np.ndarray) -> None:
        if key in self.values:
            old, old_has = self.values[key]
            both = has & old_has
            self.fail(both & (old != values),
                      lambda row: f": Conflict found: {key} {old[row]} differs from {key} {values[row]}")
            values, has = np.where(has, values, old), has | old_has
        self.values[key] = (values, has)

    def get(self, key: str, default: int = 0):
        values, has = self.values.get(key, (None, None))
        if values is None:
            return np.full(self.n, default, dtype=np.int64), np.zeros(self.n, bool)
        return np.where(has, values, default), has

    def add(self, token: _Token, column: pa.Array, has: np.ndarray) -> None:
        c, count = token.value, token.count
        if c in "ML" and count >= 3:
            names = [m[:3] if count == 3 else m for m in MONTHS]
            self.set("MonthOfYear", _lookup(column, names) + 1, has)
            return
        if c == "a":
            self.set("AmPmOfDay", _lookup(column, ["am", "pm"]), has)
            return
        if c == "G":
            self.set("Era", _lookup(column, ["bc", "ad"] if count < 4 else ["before christ", "anno domini"]), has)
            return
        if c == "S":
            digits = pc.utf8_rpad(column, 9, "0")
            nanos = _integers(pc.if_else(pa.array(has), digits, pa.scalar("0")))
            self.set("NanoOfSecond", nanos, has)
            return
        text = column
        if c in "uy":
            text, has = self._check_year_sign(token, column, has)
        too_long = pc.greater(pc.utf8_length(text), 18).to_numpy(zero_copy_only=False) & has
        self.fail(too_long, lambda row: " at index 0")
        value = _integers(pc.if_else(pa.array(has & ~too_long), text, pa.scalar("0")))
        if c == "u" and count == 2:
            self.set("Year", value + 2000, has)
            return
        low, high = _RANGES[c]
        bad = has & ((value < low) | (value > high))
        self.fail(bad, lambda row, c=c, v=value: f": Invalid value for {_FIELD_NAMES[c]} (valid values "
                                                 f"{_RANGE_TEXT.get(c, f'{low} - {high}')}): {v[row]}")
        key = {"L": "MonthOfYear", "k": "ClockHourOfDay", "h": "ClockHourOfAmPm", "K": "HourOfAmPm"}.get(
            c, _FIELD_NAMES[c])
        self.set(key, value, has)

    def _check_year_sign(self, token: _Token, column: pa.Array, has: np.ndarray):
        """Java's sign rule for years of four letters or more (EXCEEDS_PAD): ``+`` exactly
        when there are more digits than letters."""
        if token.count < 4:
            return column, has
        plus = pc.starts_with(column, "+").to_numpy(zero_copy_only=False)
        digits = pc.utf8_length(pc.replace_substring_regex(column, r"^[+-]", "")).to_numpy(zero_copy_only=False)
        self.fail(has & (plus != (digits > token.count)), lambda row: " at index 0")
        return pc.replace_substring_regex(column, r"^\+", ""), has

    def zone(self, column: pa.Array, has: np.ndarray, zones):
        out = np.full(self.n, None, dtype=object) if zones is None else zones
        unique = pc.unique(pc.filter(column, pa.array(has))).to_pylist()
        for name in unique:
            try:
                found = _zone_from_text(name)
            except DateTimeException:
                found = None
            rows = has & pc.equal(column, name).to_numpy(zero_copy_only=False)
            if found is None:
                self.fail(rows, lambda row: " at index 0")
            else:
                out[rows] = found
        return out

    def local(self) -> np.ndarray:
        year, has_year = self.get("Year", 1970)
        year_of_era, has_yoe = self.get("YearOfEra")
        era, _ = self.get("Era", 1)
        year = np.where(has_yoe, np.where(era == 1, year_of_era, 1 - year_of_era), year)
        has_year = has_year | has_yoe
        month, has_month = self.get("MonthOfYear", 1)
        day, has_day = self.get("DayOfMonth", 1)
        day_of_year, has_doy = self.get("DayOfYear")
        leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
        month_days = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])[np.clip(month, 1, 12) - 1] + \
            ((month == 2) & leap)
        bad_day = ~has_doy & (day > month_days)
        self.fail(bad_day & (month == 2) & (day == 29),
                  lambda row: f": Invalid date 'February 29' as '{year[row]}' is not a leap year")
        self.fail(bad_day, lambda row: f": Invalid date '{MONTHS[month[row] - 1].upper()} {day[row]}'")
        self.fail(has_doy & ~leap & (day_of_year == 366),
                  lambda row: f": Invalid date 'DayOfYear 366' as '{year[row]}' is not a leap year")
        days = days_from_civil(year, month, day)
        if has_doy.any():
            from_doy = days_from_civil(year, np.ones_like(year), np.ones_like(year)) + day_of_year - 1
            derived = civil_from_days(from_doy)
            for key, value, has in (("MonthOfYear", month, has_month), ("DayOfMonth", day, has_day)):
                other = derived[1] if key == "MonthOfYear" else derived[2]
                self.fail(has_doy & has & (value != other),
                          lambda row, k=key, v=value, o=other, d=from_doy: f": Conflict found: Field {k} {o[row]} "
                          f"differs from {k} {v[row]} derived from {_iso_date(d[row])}")
            days = np.where(has_doy, from_doy, days)
        # past what microseconds since the epoch can hold (about 290,000 years either way)
        self.fail(np.abs(days) > _MAX_DAYS, lambda row: " at index 0")
        return np.where(self.failed, 0, days) * MICROS_PER_DAY + self._time_of_day()

    def _time_of_day(self) -> np.ndarray:
        hour, has_hour = self.get("HourOfDay")
        clock, has_clock = self.get("ClockHourOfDay")
        hour = np.where(has_clock, clock % 24, hour)
        has_hour = has_hour | has_clock
        am_pm_hour, has_am_pm_hour = self.get("HourOfAmPm")
        clock_am_pm, has_clock_am_pm = self.get("ClockHourOfAmPm")
        am_pm_hour = np.where(has_clock_am_pm, clock_am_pm % 12, am_pm_hour)
        has_am_pm_hour = has_am_pm_hour | has_clock_am_pm
        am_pm, has_am_pm = self.get("AmPmOfDay")
        minute, _ = self.get("MinuteOfHour")
        second, _ = self.get("SecondOfMinute")
        nanos, _ = self.get("NanoOfSecond")
        self.fail(has_hour & has_am_pm & (hour // 12 != am_pm),
                  lambda row: f": Conflict found: Field AmPmOfDay {hour[row] // 12} differs from AmPmOfDay "
                              f"{am_pm[row]} derived from {hour[row]:02d}:{minute[row]:02d}:{second[row]:02d}")
        # Spark: an hour of am/pm without am/pm is taken as am; am/pm alone is its first hour
        hour = np.where(has_hour, hour, np.where(has_am_pm_hour, am_pm_hour + 12 * am_pm, 12 * am_pm))
        return ((hour * 60 + minute) * 60 + second) * MICROS_PER_SECOND + nanos // 1000


def _zone_from_text(text: str) -> Zone:
    if text.upper().startswith("GMT") and len(text) > 3:
        return zone("GMT" + text[3:])
    name = next((v for k, v in _ZONE_TEXT.items() if k.lower() == text.lower()), text)
    return zone(name)


def _lookup(column: pa.Array, names: list) -> np.ndarray:
    """The position of each (case-insensitive) text among ``names``; 0 where absent."""
    index = pc.index_in(pc.utf8_lower(column), value_set=pa.array([s.lower() for s in names]))
    return pc.fill_null(index, 0).to_numpy(zero_copy_only=False).astype(np.int64)


def _integers(column: pa.Array) -> np.ndarray:
    return column.cast(pa.int64()).to_numpy(zero_copy_only=False)


def _iso_date(days: int) -> str:
    y, m, d = (int(v[0]) for v in civil_from_days(np.array([days])))
    return f"{y:04d}-{m:02d}-{d:02d}"


def days_from_civil(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 of proleptic Gregorian dates (Howard Hinnant's algorithm)."""
    y = year - (month <= 2)
    era = np.floor_divide(y, 400)
    yoe = y - era * 400
    mp = (month + 9) % 12
    doy = (153 * mp + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def civil_from_days(days: np.ndarray):
    """(year, month, day) of days since 1970-01-01, the inverse of ``days_from_civil``."""
    z = days + 719468
    era = np.floor_divide(z, 146097)
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = np.where(mp < 10, mp + 3, mp - 9)
    return yoe + era * 400 + (month <= 2), month, day

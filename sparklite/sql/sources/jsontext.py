"""JSON text as Spark's Jackson parser reads it: the JSON options and the parser of records.

Contract:
* ``JsonOptions.of(options, settings)`` holds a read's or write's JSON options with Spark's defaults.
* ``parse_record(text, opts)`` returns the rows (dicts) of one record: the first JSON value of the
  text (what follows is ignored), an object or an array of objects, else ``Malformed``. Python's
  ``json`` reads it when it can; otherwise a parser with Jackson's leniencies (single quotes and
  ``NaN``/``Infinity`` by default; comments, unquoted names, leading zeros and any escaped character
  when their options allow) does. With ``keep_text`` values come from the latter as ``RawDict`` /
  ``RawList`` holding each value's JSON text, for string columns that take non-string values.
* ``records(text, opts)``: the records of a piece, a line each (blank lines skipped), or the whole
  text with ``multiLine``.
"""
from __future__ import annotations

import decimal
import json
import re
from dataclasses import dataclass

from sparklite.sql.sources.text import split_lines

NON_NUMERIC = {"NaN": float("nan"), "+NaN": float("nan"), "-NaN": float("nan"), "Infinity": float("inf"),
                "+Infinity": float("inf"), "+INF": float("inf"), "INF": float("inf"), "-Infinity": float("-inf"),
                "-INF": float("-inf")}
def _flag(options: dict, key: str, default: bool) -> bool:
    return str(options.get(key, default)).lower() == "true"


@dataclass(frozen=True)
class JsonOptions:
    """The JSON options of one read or write (Spark's names, lower-cased keys)."""
    primitives_as_string: bool
    prefers_decimal: bool
    allow_comments: bool
    allow_unquoted_names: bool
    allow_single_quotes: bool
    allow_leading_zeros: bool
    allow_non_numeric: bool
    allow_any_escape: bool
    mode: str
    corrupt_column: str
    date_format: str | None
    timestamp_format: str | None
    timestamp_ntz_format: str | None
    multiline: bool
    encoding: str
    line_sep: str | None
    sampling_ratio: float
    drop_all_null: bool
    infer_timestamp: bool
    ignore_null_fields: bool

    @classmethod
    def of(cls, options: dict, settings, ignore_null_fields: str = "true") -> "JsonOptions":
        """The options with Spark's defaults (``ignore_null_fields``: the session's default)."""
        mode = str(options.get("mode", "PERMISSIVE")).upper()
        return cls(
            primitives_as_string=_flag(options, "primitivesasstring", False),
            prefers_decimal=_flag(options, "prefersdecimal", False),
            allow_comments=_flag(options, "allowcomments", False),
            allow_unquoted_names=_flag(options, "allowunquotedfieldnames", False),
            allow_single_quotes=_flag(options, "allowsinglequotes", True),
            allow_leading_zeros=_flag(options, "allownumericleadingzeros", False),
            allow_non_numeric=_flag(options, "allownonnumericnumbers", True),
            allow_any_escape=_flag(options, "allowbackslashescapinganycharacter", False),
            mode=mode if mode in ("PERMISSIVE", "DROPMALFORMED", "FAILFAST") else "PERMISSIVE",
            corrupt_column=options.get("columnnameofcorruptrecord", settings.corrupt_column),
            date_format=options.get("dateformat"),
            timestamp_format=options.get("timestampformat"),
            timestamp_ntz_format=options.get("timestampntzformat"),
            multiline=_flag(options, "multiline", False),
            encoding=options.get("encoding", options.get("charset", "UTF-8")),
            line_sep=options.get("linesep"),
            sampling_ratio=float(options.get("samplingratio", 1.0)),
            drop_all_null=_flag(options, "dropfieldifallnull", False),
            infer_timestamp=_flag(options, "infertimestamp", False),
            ignore_null_fields=_flag(options, "ignorenullfields", ignore_null_fields == "true"))


# -- parsing -------------------------------------------------------------------------------------

class Malformed(Exception):
    """A record that is not a JSON object (or array of objects)."""


class RawDict(dict):
    """An object from the span-keeping parser: ``raw[key]`` is each value's JSON text."""
    raw: dict


class RawList(list):
    """An array from the span-keeping parser: ``raw[i]`` is each element's JSON text."""
    raw: list


class Number(float):
    """A number with a fraction or an exponent from the span-keeping parser, keeping its ``text``
    (decimal columns convert the text, exactly)."""
    text: str


class _Parser:
    """A JSON reader with Jackson's optional leniencies that keeps each value's text."""

    _NUMBER = re.compile(r"-?(\d+)(\.\d+)?([eE][+-]?\d+)?")
    _NAME = re.compile(r"[A-Za-z_$][\w$]*")

    def __init__(self, opts: JsonOptions, text: str):
        self.opts, self.s, self.n = opts, text, len(text)

    def fail(self):
        raise Malformed()

    def blank(self, i: int) -> int:
        s, n = self.s, self.n
        while i < n:
            c = s[i]
            if c in " \t\r\n":
                i += 1
            elif self.opts.allow_comments and s.startswith("//", i):
                end = s.find("\n", i)
                i = n if end < 0 else end + 1
            elif self.opts.allow_comments and s.startswith("/*", i):
                end = s.find("*/", i + 2)
                if end < 0:
                    self.fail()
                i = end + 2
            else:
                break
        return i

    def value(self, i: int):
        i = self.blank(i)
        if i >= self.n:
            self.fail()
        c = self.s[i]
        if c == "{":
            return self.obj(i + 1)
        if c == "[":
            return self.arr(i + 1)
        if c == '"' or (c == "'" and self.opts.allow_single_quotes):
            return self.string(i)
        for word, value in (("true", True), ("false", False), ("null", None)):
            if self.s.startswith(word, i):
                return value, i + len(word)
        for word, value in NON_NUMERIC.items():
            if self.s.startswith(word, i) and self.opts.allow_non_numeric:
                return value, i + len(word)
        m = self._NUMBER.match(self.s, i)
        if not m:
            self.fail()
        text = m.group(0)
        digits = m.group(1) or ""
        if len(digits) > 1 and digits[0] == "0" and not self.opts.allow_leading_zeros:
            self.fail()
        if m.group(2) is None and m.group(3) is None:
            return int(text), m.end()
        number = Number(float(text))
        number.text = text
        return number, m.end()

    def string(self, i: int):
        quote, s, n = self.s[i], self.s, self.n
        out, j = [], i + 1
        while True:
            if j >= n:
                self.fail()
            c = s[j]
            if c == quote:
                return "".join(out), j + 1
            if c == "\\":
                if j + 1 >= n:
                    self.fail()
                e = s[j + 1]
                simple = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
                if e in simple:
                    out.append(simple[e])
                    j += 2
                elif e == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", s[j + 2:j + 6]):
                    out.append(chr(int(s[j + 2:j + 6], 16)))
                    j += 6
                elif self.opts.allow_any_escape or e == "'":
                    out.append(e)
                    j += 2
                else:
                    self.fail()
                continue
            if ord(c) < 32:
                self.fail()
            out.append(c)
            j += 1

    def obj(self, i: int):
        result, raw = RawDict(), {}
        i = self.blank(i)
        if i < self.n and self.s[i] == "}":
            result.raw = raw
            return result, i + 1
        while True:
            i = self.blank(i)
            if i >= self.n:
                self.fail()
            c = self.s[i]
            if c == '"' or (c == "'" and self.opts.allow_single_quotes):
                key, i = self.string(i)
            elif self.opts.allow_unquoted_names and self._NAME.match(self.s, i):
                m = self._NAME.match(self.s, i)
                key, i = m.group(0), m.end()
            else:
                self.fail()
            i = self.blank(i)
            if i >= self.n or self.s[i] != ":":
                self.fail()
            start = self.blank(i + 1)
            value, i = self.value(start)
            result[key], raw[key] = value, self.s[start:i]
            i = self.blank(i)
            if i < self.n and self.s[i] == ",":
                i += 1
                continue
            if i < self.n and self.s[i] == "}":
                result.raw = raw
                return result, i + 1
            self.fail()

    def arr(self, i: int):
        result, raw = RawList(), []
        i = self.blank(i)
        if i < self.n and self.s[i] == "]":
            result.raw = raw
            return result, i + 1
        while True:
            start = self.blank(i)
            value, i = self.value(start)
            result.append(value)
            raw.append(self.s[start:i])
            i = self.blank(i)
            if i < self.n and self.s[i] == ",":
                i += 1
                continue
            if i < self.n and self.s[i] == "]":
                result.raw = raw
                return result, i + 1
            self.fail()


_DECODER = json.JSONDecoder()
_EXACT_DECODER = json.JSONDecoder(parse_float=decimal.Decimal)


def parse_record(text: str, opts: JsonOptions, exact: bool = False, keep_text: bool = False) -> list:
    """The rows (dicts) of one record; ``Malformed`` when it has none. ``keep_text``: values keep
    their JSON text (``RawDict``), for string columns that take non-string values."""
    start = len(text) - len(text.lstrip(" \t\r\n"))
    value = None
    if not keep_text:
        try:
            value = (_EXACT_DECODER if exact else _DECODER).raw_decode(text, start)[0]
        except (ValueError, RecursionError):
            value = None
        if value is not None and not opts.allow_non_numeric and re.search(r"\b(NaN|Infinity)\b", text):
            value = None
    if value is None:
        try:
            value = _Parser(opts, text).value(start)[0]
        except (RecursionError, IndexError, ValueError):
            raise Malformed() from None
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        return list(value)
    raise Malformed()


def records(text: str, opts: JsonOptions) -> list:
    """The texts of a piece's records."""
    if opts.multiline:
        return [text] if text.strip() else []
    return [line for line in split_lines(text, opts.line_sep) if line.strip(" \t\r\n")]

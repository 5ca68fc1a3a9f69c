"""Pattern matching: ``LIKE``/``ILIKE`` and the functions of Java regular expressions (``rlike``,
``regexp_replace``, ``regexp_extract``, ``regexp_extract_all``, ``regexp_count``, ``regexp_substr``,
``regexp_instr``, ``split``), with Spark 4.3's semantics.

Contract:
* ``java_regex(pattern)`` reads a Java pattern and gives a ``JavaRegex``: the same pattern for
  Python's ``re`` (compiled with ``re.ASCII``, since Java's ``\\w``, ``\\d``, ``\\s`` and ``(?i)`` are
  ASCII-only) and, where RE2 reads it the same way, for pyarrow's ``*_regex`` kernels, which then
  run on whole arrays. What the translation writes out: ``.`` stops at every Java line terminator,
  ``$`` also matches before a final ``\\r\\n``/``\\r``/``\\u0085``..., ``\\z``/``\\Z``, ``\\R``, ``\\h``,
  ``\\v``, ``\\Q...\\E``, ``\\x{h}``, ``\\e``, ``\\cX``, the POSIX and Unicode-category ``\\p{...}``
  classes, ``(?<name>...)`` and ``\\k<name>``, and inline flags in the middle of a pattern.
  Possessive quantifiers and atomic groups need Python 3.11's ``re``. Not supported (raising
  ``UnsupportedOperationException``): class intersections ``[a&&b]``, negated nested classes, ``\\G``,
  ``\\X``, script and block classes (``\\p{IsLatin}``). Known differences: ``\\b`` is ASCII (Java 17's
  is Unicode), lookbehind must have a fixed width, and the ``(?u)``/``(?U)``/``(?d)`` flags are ignored.
* Matches are found the way Java's ``Matcher.find`` finds them: after an empty match the search
  goes on one character further. ``re`` and RE2 go on otherwise after empty matches, so for a
  pattern that may match an empty string the ``re`` path loops itself (``java_matches``) and RE2
  neither replaces nor splits.
* A pattern that does not compile raises ``INVALID_PARAMETER_VALUE.PATTERN``; Java's replacement
  syntax (``$1``, ``${name}``, ``\\$``) is read as Java reads it, a bad one raising
  ``INVALID_REGEXP_REPLACE`` when a row has a match; a group index out of range raises
  ``INVALID_PARAMETER_VALUE.REGEX_GROUP_INDEX`` (also only when a row matches).
* LIKE patterns follow Spark's escaping (default escape ``\\``; an escape before anything but
  ``_``, ``%`` or itself is ``INVALID_FORMAT.ESC_IN_THE_MIDDLE``, at the end ``ESC_AT_THE_END``);
  ``ILIKE`` compares both sides in lower case.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from sparklite.sql import types as T
from sparklite.sql.builtins.registry import FunctionSpec, register
from sparklite.sql.builtins.strings import (INT, INT_MAX, STRING, VARIES, any_nullable, call_sql, check_arity, constant,
                                            integer_arg, lower_case, rowwise, string_arg, substring_array)
from sparklite.sql.errors import AnalysisException, SparkRuntimeException, UnsupportedOperationException
from sparklite.sql.plan.expressions import Literal


_LINE_TERMINATORS = "\n\r\u0085\u2028\u2029"
_DOT = f"[^{_LINE_TERMINATORS}]"
_LINE_BREAK = "(?:\r\n|[\n\x0b\f\r\u0085\u2028\u2029])"
_FINAL_TERMINATOR = f"(?:\r\n|[{_LINE_TERMINATORS}])?"
_HORIZONTAL = " \t\xa0\u1680\u180e\u2000-\u200a\u202f\u205f\u3000"
_VERTICAL = "\n\x0b\f\r\u0085\u2028\u2029"
_JAVA_SPACE = "\t\n\x0b\f\r "
_POSIX = {"Lower": "a-z", "Upper": "A-Z", "ASCII": "\x00-\x7f", "Alpha": "a-zA-Z", "Digit": "0-9",
          "Alnum": "a-zA-Z0-9", "Punct": re.escape("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"),
          "Graph": "!-~", "Print": " -~", "Blank": " \t", "Cntrl": "\x00-\x1f\x7f", "XDigit": "0-9a-fA-F",
          "Space": "\t\n\x0b\f\r "}
_CONTROL_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "f": "\f", "a": "\x07", "e": "\x1b"}
_META = set("\\.+*?()|[]{}^$")


def regex_literal(text: str) -> str:
    """``text`` matched literally, written for both ``re`` and RE2."""
    return "".join("\\" + ch if ch in _META else ch for ch in text)


def _class_literal(text: str) -> str:
    return "".join("\\" + ch if ch in "\\]^-[" else ch for ch in text)


@functools.lru_cache(maxsize=64)
def _category_ranges(categories: tuple) -> str:
    """The code points of the Unicode general categories (``L``, ``Lu``, ...) as class ranges."""
    ranges, start = [], None
    for code in range(0x110001):
        inside = code < 0x110000 and unicodedata.category(chr(code)).startswith(categories)
        if inside and start is None:
            start = code
        elif not inside and start is not None:
            ranges.append((start, code - 1))
            start = None
    return "".join(_class_literal(chr(a)) + ("-" + _class_literal(chr(b)) if b > a else "") for a, b in ranges)


# Java's binary properties and java.lang.Character classes, by the general categories they hold
# (Unicode's Other_Alphabetic and Other_Lowercase/Uppercase additions are left out)
_PROPERTIES = {"Alphabetic": ("L", "Nl"), "Letter": ("L",), "Digit": ("Nd",), "Uppercase": ("Lu",),
               "Lowercase": ("Ll",), "Punctuation": ("P",), "Control": ("Cc",), "Titlecase": ("Lt",),
               "javaLowerCase": ("Ll",), "javaUpperCase": ("Lu",), "javaLetter": ("L",), "javaDigit": ("Nd",),
               "javaLetterOrDigit": ("L", "Nd"), "javaAlphabetic": ("L", "Nl")}


def _property_class(name: str, pattern: str) -> str:
    """The members (class contents) of Java's ``\\p{name}``."""
    if name in _POSIX:
        return _POSIX[name]
    if name in ("IsWhite_Space", "IsWhiteSpace"):
        return _JAVA_SPACE + "\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
    bare = re.sub(r"^(Is|gc=|general_category=)", "", name)
    if bare in _PROPERTIES:
        return _category_ranges(_PROPERTIES[bare])
    if 1 <= len(bare) <= 2 and bare[0] in "LMNPSZC" and (len(bare) == 1 or bare[1].islower() or bare == "LC"):
        return _category_ranges(("Lu", "Ll", "Lt") if bare == "LC" else (bare,))
    raise UnsupportedOperationException(
        message=f"sparklite's regular expressions do not support the class \\p{{{name}}} (in '{pattern}')")


@dataclass(frozen=True, eq=False)
class JavaRegex:
    """A Java pattern for Python's ``re`` (``python``) and, when RE2 reads it alike, for pyarrow's
    kernels (``re2``, its capture groups named ``g1``, ``g2``...; where ``re2_spans`` is false it is
    good only for telling whether a string matches, not where). ``literal`` is the text the pattern
    matches when it has no special characters; ``group_names`` maps named groups to numbers.
    ``matches_empty``: some match may be empty, where Java, ``re`` and RE2 go on differently."""
    source: str
    python: re.Pattern
    re2: str | None
    re2_spans: bool
    group_names: dict
    literal: str | None
    matches_empty: bool

    @property
    def groups(self) -> int:
        return self.python.groups


class _Translator:
    """One pass over a Java pattern, writing the ``re`` and RE2 forms side by side."""

    def __init__(self, pattern: str):
        self.pattern, self.i = pattern, 0
        self.py: list[str] = []
        self.re2: list[str] = []
        self.re2_ok, self.re2_spans = True, True
        self.assertions = False       # anchors and lookarounds: empty matches at some places
        self.literal: list[str] | None = []
        self.groups, self.names = 0, {}
        self.closers = [0]            # scoped-flag groups to close with each open group
        self.dotall = bool(re.search(r"\(\?[a-zA-Z]*s", pattern))
        self.multiline = bool(re.search(r"\(\?[a-zA-Z]*m", pattern))

    def fail(self, what: str):
        raise re.error(what, self.pattern, self.i)

    def unsupported(self, what: str):
        raise UnsupportedOperationException(
            message=f"sparklite's regular expressions do not support {what} (in '{self.pattern}')")

    def emit(self, py: str, re2: str | None = None, literal: str | None = None):
        self.py.append(py)
        if re2 is None:
            self.re2_ok = False
        else:
            self.re2.append(re2)
        if literal is None:
            self.literal = None
        elif self.literal is not None:
            self.literal.append(literal)

    def run(self) -> JavaRegex:
        p = self.pattern
        while self.i < len(p):
            ch = p[self.i]
            self.i += 1
            if ch == "\\":
                self.escape()
            elif ch == "[":
                self.char_class()
            elif ch == "(":
                self.open_group()
            elif ch == ")":
                if len(self.closers) == 1:
                    self.fail("unbalanced parenthesis")
                self.emit(")" * (self.closers.pop() + 1), ")")
            elif ch in "*+?{":
                self.quantifier(ch)
            elif ch == ".":
                self.emit("." if self.dotall else _DOT, _DOT)
            elif ch == "$":
                if self.multiline:
                    self.emit("$")
                else:
                    self.emit(f"(?={_FINAL_TERMINATOR}\\Z)", f"{_FINAL_TERMINATOR}\\z")
                    self.re2_spans = False
                self.assertions = True
            elif ch in "^|":
                self.emit(ch, ch)
                self.assertions |= ch == "^"
            else:
                self.emit(ch, ch, ch)
        if len(self.closers) > 1:
            self.fail("missing ), unterminated subpattern")
        python_text = "".join(self.py) + ")" * self.closers[0]
        try:
            compiled = re.compile(python_text, re.ASCII)
        except re.error as failure:
            raise re.error(str(failure), self.pattern) from None
        return JavaRegex(self.pattern, compiled, "".join(self.re2) if self.re2_ok else None, self.re2_spans,
                         dict(self.names), "".join(self.literal) if self.literal is not None else None,
                         self.assertions or compiled.fullmatch("") is not None)

    def escape(self, in_class: bool = False) -> tuple[str, str | None]:
        """Reads the escape after a backslash; in a class, returns its (re, RE2) class contents."""
        p = self.pattern
        if self.i >= len(p):
            self.fail("unexpected end of pattern after \\")
        ch = p[self.i]
        self.i += 1
        text = None
        if ch == "Q":
            end = p.find("\\E", self.i)
            end = len(p) if end < 0 else end
            text, self.i = p[self.i:end], min(end + 2, len(p))
        elif ch == "x":
            if p.startswith("{", self.i):
                end = p.index("}", self.i)
                text, self.i = chr(int(p[self.i + 1:end], 16)), end + 1
            else:
                text, self.i = chr(int(p[self.i:self.i + 2], 16)), self.i + 2
        elif ch == "u":
            text, self.i = chr(int(p[self.i:self.i + 4], 16)), self.i + 4
        elif ch == "0":
            digits = re.match(r"[0-3]?[0-7]{1,2}|[0-7]", p[self.i:]) or self.fail("illegal octal escape")
            text, self.i = chr(int(digits.group(), 8)), self.i + digits.end()
        elif ch == "c":
            text, self.i = chr(ord(p[self.i]) ^ 64), self.i + 1
        elif ch == "N" and p.startswith("{", self.i):
            end = p.index("}", self.i)
            text, self.i = unicodedata.lookup(p[self.i + 1:end]), end + 1
        elif ch in _CONTROL_ESCAPES:
            text = _CONTROL_ESCAPES[ch]
        elif not ch.isalnum():
            text = ch
        if text is not None:
            if in_class:
                return _class_literal(text), _class_literal(text)
            self.emit(regex_literal(text), regex_literal(text), text)
            return "", ""
        return self.class_escape(ch, in_class)

    def class_escape(self, ch: str, in_class: bool) -> tuple[str, str | None]:
        """The escapes that stand for a set of characters, an assertion or a back reference."""
        kind, negated = ch.lower(), ch.isupper()
        if kind in "dw":
            if not in_class:
                self.emit("\\" + ch, "\\" + ch)
            return "\\" + ch, "\\" + ch
        if kind in "shv":
            members = {"s": _JAVA_SPACE, "h": _HORIZONTAL, "v": _VERTICAL}[kind]
            if in_class:
                if negated:
                    self.unsupported(f"\\{ch} inside a character class")
                return members, members
            self.emit(f"[{'^' if negated else ''}{members}]", f"[{'^' if negated else ''}{members}]")
            return "", ""
        if ch in "pP":
            p = self.pattern
            if p.startswith("{", self.i):
                end = p.index("}", self.i)
                name, self.i = p[self.i + 1:end], end + 1
            else:
                name, self.i = p[self.i], self.i + 1
            members = _property_class(name, p)
            if in_class:
                if ch == "P":
                    self.unsupported("\\P inside a character class")
                return members, members
            self.emit(f"[{'^' if ch == 'P' else ''}{members}]", f"[{'^' if ch == 'P' else ''}{members}]")
            return "", ""
        if in_class:
            self.fail(f"illegal escape \\{ch} in a character class")
        if ch in "bBAzZ":
            self.assertions = True
        if ch in "bBA":
            self.emit("\\" + ch, "\\" + ch)
        elif ch == "z":
            self.emit("\\Z", "\\z")
        elif ch == "Z":
            self.emit(f"(?={_FINAL_TERMINATOR}\\Z)", f"{_FINAL_TERMINATOR}\\z")
            self.re2_spans = False
        elif ch == "R":
            self.emit(_LINE_BREAK, _LINE_BREAK)
        elif ch == "k":
            end = self.pattern.index(">", self.i)
            name, self.i = self.pattern[self.i + 1:end], end + 1
            self.emit(f"(?P={name})")
        elif ch.isdigit():
            digits = re.match(r"\d*", self.pattern[self.i:]).group()
            number = ch
            for d in digits:
                if int(number + d) > self.groups:
                    break
                number += d
            self.i += len(number) - 1
            self.emit(f"(?:\\{number})")
        elif ch in "GX":
            self.unsupported(f"\\{ch}")
        else:
            self.fail(f"illegal/unsupported escape sequence \\{ch}")
        return "", ""

    def char_class(self):
        negated = self.pattern.startswith("^", self.i)
        self.i += negated
        py, re2 = self.class_members()
        head = "[^" if negated else "["
        self.emit(head + py + "]", head + re2 + "]")

    def class_members(self) -> tuple[str, str]:
        """A class's members up to its ``]``; a nested class adds its own (Java's union)."""
        p = self.pattern
        py, re2, first = [], [], True
        while True:
            if self.i >= len(p):
                self.fail("unclosed character class")
            ch = p[self.i]
            self.i += 1
            if ch == "]" and not first:
                return "".join(py), "".join(re2)
            first = False
            if ch == "\\":
                a, b = self.escape(in_class=True)
            elif ch == "[":
                if p.startswith("^", self.i):
                    self.unsupported("negated nested character classes")
                a, b = self.class_members()
            elif ch == "&" and p.startswith("&", self.i):
                self.unsupported("character class intersections (&&)")
            else:
                a = b = "\\]" if ch == "]" else ch
            py.append(a)
            re2.append(b)

    def open_group(self):
        p = self.pattern
        at_start = self.i == 1
        if not p.startswith("?", self.i):
            self.groups += 1
            self.emit("(", f"(?P<g{self.groups}>")
            self.closers.append(0)
            return
        rest = p[self.i + 1:]
        for prefix in ("=", "!", "<=", "<!", ">"):
            if rest.startswith(prefix):
                self.assertions |= prefix != ">"
                self.i += 1 + len(prefix)
                self.emit("(?" + prefix)
                self.closers.append(0)
                return
        if rest.startswith(":"):
            self.i += 2
            self.emit("(?:", "(?:")
            self.closers.append(0)
            return
        named = re.match(r"<([a-zA-Z][a-zA-Z0-9]*)>", rest)
        if named:
            self.i += 1 + named.end()
            self.groups += 1
            self.names[named.group(1)] = self.groups
            self.emit(f"(?P<{named.group(1)}>", f"(?P<g{self.groups}>")
            self.closers.append(0)
            return
        flags = re.match(r"([a-zA-Z]*)(?:-([a-zA-Z]*))?([:)])", rest) or self.fail("unknown group construct")
        self.i += 1 + flags.end()
        on, off = (_python_flags(f or "") for f in flags.group(1, 2))
        spec = on + (f"-{off}" if off else "")
        if flags.group(3) == ":":
            self.emit(f"(?{spec}:" if spec else "(?:")
            self.closers.append(0)
        elif spec and at_start and not off:
            self.emit(f"(?{spec})")                    # flags for the whole pattern
        elif spec:
            self.emit(f"(?{spec}:")                    # flags from here to the end of the group
            self.closers[-1] += 1
        else:
            self.re2_ok = False

    def quantifier(self, ch: str):
        p = self.pattern
        text = ch
        if ch == "{":
            bounds = re.match(r"\d+(,\d*)?}", p[self.i:]) or self.fail("illegal repetition")
            text += bounds.group()
            self.i += bounds.end()
        if p.startswith("?", self.i):
            text += "?"
            self.i += 1
            self.emit(text, text)
        elif p.startswith("+", self.i):
            self.i += 1
            self.emit(text + "+")
        else:
            self.emit(text, text)


def _python_flags(java: str) -> str:
    """Java's inline flags that Python's ``re`` has (i, m, s, x); u, U, d and c are dropped."""
    return "".join(f for f in java if f in "imsx")


@functools.lru_cache(maxsize=256)
def _translate(pattern: str) -> JavaRegex:
    return _Translator(pattern).run()


def java_regex(pattern: str, function: str) -> JavaRegex:
    try:
        return _translate(pattern)
    except (re.error, ValueError, IndexError):
        raise SparkRuntimeException(
            errorClass="INVALID_PARAMETER_VALUE.PATTERN",
            messageParameters={"parameter": "`regexp`", "functionName": f"`{function}`",
                               "value": sql_value(pattern)}) from None


def java_matches(regex: JavaRegex, s: str):
    """The matches ``Matcher.find`` finds in turn: after an empty match the next search starts one
    character further (``re.finditer`` would also try a longer match at the same place), so a
    pattern that may match empty strings is searched in a Python loop."""
    if not regex.matches_empty:
        yield from regex.python.finditer(s)
        return
    position = 0
    while position <= len(s):
        match = regex.python.search(s, position)
        if match is None:
            return
        yield match
        position = match.end() + (match.end() == match.start())


# -- LIKE -----------------------------------------------------------------------------------------

def sql_value(text: str) -> str:
    """A string as Spark quotes it in error messages (``toSQLValue``)."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _invalid_format(condition: str, pattern: str, **extra) -> AnalysisException:
    return AnalysisException(errorClass=f"INVALID_FORMAT.{condition}",
                             messageParameters={"format": sql_value(pattern), **extra})


@functools.lru_cache(maxsize=256)
def like_regex(pattern: str, escape: str = "\\") -> str:
    """Spark's ``escapeLikeRegex``: a LIKE pattern as a regular expression to match whole strings
    with (``_`` any one character, newlines too; ``%`` any run of them), for ``re`` and RE2."""
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == escape:
            if i + 1 == len(pattern):
                raise _invalid_format("ESC_AT_THE_END", pattern)
            following = pattern[i + 1]
            if following not in ("_", "%", escape):
                raise _invalid_format("ESC_IN_THE_MIDDLE", pattern, char=sql_value(following))
            out.append(regex_literal(following))
            i += 2
            continue
        out.append("." if ch == "_" else ".*" if ch == "%" else regex_literal(ch))
        i += 1
    return "".join(out)


def _resolve_like(name: str):
    def resolve(args):
        check_arity(name, args, 2, 3)
        sql = call_sql(name, args)
        coerced = [string_arg(sql, args, 0), string_arg(sql, args, 1)]
        escape = "\\"
        if len(args) == 3:
            e = args[2]
            if not (isinstance(e, Literal) and isinstance(e.value, str) and len(e.value) == 1):
                raise AnalysisException(errorClass="INVALID_ESCAPE_CHAR",
                                        messageParameters={"sqlExpr": f'"{e.sql()}"'})
            escape = e.value
        pattern = coerced[1]
        if isinstance(pattern, Literal) and pattern.value is not None:
            like_regex(pattern.value.lower() if name == "ilike" else pattern.value, escape)
        return coerced, T.BooleanType(), any_nullable(coerced), {"escape": escape}
    return resolve


def _like_render(arg_sqls, call):
    escape = call.options["escape"]
    return f"{arg_sqls[0]} LIKE {arg_sqls[1]}" + (f" ESCAPE '{escape}'" if escape != "\\" else "")


def _like_kernel(insensitive: bool):
    def kernel(values, n, call):
        strings = lower_case(values[0]) if insensitive else values[0]
        escape = call.options["escape"]
        pattern = constant(call, values, 1)
        if pattern is VARIES:
            def like(s, p):
                return re.fullmatch(like_regex(p.lower() if insensitive else p, escape), s, re.S) is not None
            return rowwise(like, [strings, values[1]], pa.bool_())
        if pattern is None:
            return pa.nulls(n, pa.bool_())
        body = like_regex(pattern.lower() if insensitive else pattern, escape)
        return pc.match_substring_regex(strings, f"(?s)\\A(?:{body})\\z")
    return kernel


register(FunctionSpec("like", _resolve_like("like"), _like_kernel(False), render=_like_render))
register(FunctionSpec("ilike", _resolve_like("ilike"), _like_kernel(True),
                      render=lambda a, c: f"ilike({a[0]}, {a[1]})"))


# -- regular expressions --------------------------------------------------------------------------

def _regex_resolver(name: str, result, defaults: tuple = (), always_nullable: bool = False):
    """``name(str, regexp[, int arguments...])``; ``defaults`` are the values of the trailing
    integer arguments a call may leave out."""
    def resolve(args):
        check_arity(name, args, *range(2, 3 + len(defaults)))
        args = list(args) + [Literal(v, INT) for v in defaults[len(args) - 2:]]
        sql = call_sql(name, args)
        coerced = [string_arg(sql, args, 0), string_arg(sql, args, 1)] + \
            [integer_arg(sql, args, i) for i in range(2, len(args))]
        return coerced, result, True if always_nullable else any_nullable(coerced)
    return resolve


def _per_pattern(values, call, name: str, function, out_type):
    """``function(regex, *row values)`` on every row; the pattern is compiled once when it is the
    same for every row. A Python loop per row: the ``re`` path."""
    pattern = constant(call, values, 1)
    if pattern is not VARIES:
        if pattern is None:
            return pa.nulls(len(values[0]), out_type)
        regex = java_regex(pattern, name)
        return rowwise(lambda s, _, *rest: function(regex, s, *rest), values, out_type)
    return rowwise(lambda s, p, *rest: function(java_regex(p, name), s, *rest), values, out_type)


def _fixed_regex(values, call, name: str):
    """The compiled pattern when it is one literal for every row and RE2 reads it as Java, else None."""
    pattern = constant(call, values, 1)
    if pattern is VARIES or pattern is None:
        return None
    regex = java_regex(pattern, name)
    return regex if regex.re2 is not None else None


def _rlike_kernel(values, n, call):
    regex = _fixed_regex(values, call, "rlike")
    if regex is not None:
        return pc.match_substring_regex(values[0], regex.re2)
    return _per_pattern(values, call, "rlike", lambda r, s: r.python.search(s) is not None, pa.bool_())


register(FunctionSpec("rlike", _regex_resolver("rlike", T.BooleanType()), _rlike_kernel,
                      render=lambda a, c: f"{c.options.get('display_name', 'rlike').upper()}({a[0]}, {a[1]})",
                      aliases=("regexp", "regexp_like")))


def _regexp_count_kernel(values, n, call):
    regex = _fixed_regex(values, call, "regexp_count")
    if regex is not None and regex.re2_spans:
        return pc.count_substring_regex(values[0], regex.re2).cast(pa.int32())
    return _per_pattern(values, call, "regexp_count", lambda r, s: sum(1 for _ in java_matches(r, s)),
                        pa.int32())


register(FunctionSpec("regexp_count", _regex_resolver("regexp_count", INT), _regexp_count_kernel))


def _check_group(function: str, regex: JavaRegex, index: int):
    if not 0 <= index <= regex.groups:
        raise SparkRuntimeException(
            errorClass="INVALID_PARAMETER_VALUE.REGEX_GROUP_INDEX",
            messageParameters={"parameter": "`idx`", "functionName": f"`{function}`",
                               "groupCount": str(regex.groups), "groupIndex": str(index)})


def _extract_value(regex: JavaRegex, s: str, index: int) -> str:
    match = regex.python.search(s)
    if match is None:
        return ""
    _check_group("regexp_extract", regex, index)
    return match.group(index) or ""


def _regexp_extract_kernel(values, n, call):
    regex, index = _fixed_regex(values, call, "regexp_extract"), constant(call, values, 2)
    if regex is None or not regex.re2_spans or index is VARIES or index is None:
        return _per_pattern(values, call, "regexp_extract", _extract_value, pa.string())
    found = pc.extract_regex(values[0], f"(?P<g0>{regex.re2})")
    if pc.any(pc.is_valid(found)).as_py():
        _check_group("regexp_extract", regex, index)
    group = pc.struct_field(found, [min(max(index, 0), regex.groups)])
    return pc.if_else(pc.is_valid(values[0]), pc.fill_null(group, ""), pa.scalar(None, pa.string()))


register(FunctionSpec("regexp_extract", _regex_resolver("regexp_extract", STRING, (1,)), _regexp_extract_kernel))


def _extract_all_value(regex: JavaRegex, s: str, index: int) -> list:
    if not 0 <= index <= regex.groups:
        if regex.python.search(s) is not None:
            _check_group("regexp_extract_all", regex, index)
        return []
    return [match.group(index) or "" for match in java_matches(regex, s)]


register(FunctionSpec(
    "regexp_extract_all", _regex_resolver("regexp_extract_all", T.ArrayType(STRING, True), (1,)),
    lambda values, n, call: _per_pattern(values, call, "regexp_extract_all", _extract_all_value,
                                         pa.list_(pa.string()))))


def _regexp_substr_kernel(values, n, call):
    """The first match, NULL when there is none or it is empty."""
    regex = _fixed_regex(values, call, "regexp_substr")
    if regex is not None and regex.re2_spans:
        group = pc.struct_field(pc.extract_regex(values[0], f"(?P<g0>{regex.re2})"), [0])
        return pc.if_else(pc.equal(group, ""), pa.scalar(None, pa.string()), group)

    def first(r, s):
        match = r.python.search(s)
        return match.group() or None if match else None
    return _per_pattern(values, call, "regexp_substr", first, pa.string())


register(FunctionSpec("regexp_substr", _regex_resolver("regexp_substr", STRING, always_nullable=True),
                      _regexp_substr_kernel))


def _instr_value(regex: JavaRegex, s: str, index: int) -> int:
    """1-based position of the first match (``index`` is only checked, as in Spark)."""
    match = regex.python.search(s)
    if match is None:
        return 0
    _check_group("regexp_instr", regex, index)
    return match.start() + 1


register(FunctionSpec("regexp_instr", _regex_resolver("regexp_instr", INT, (0,)),
                      lambda values, n, call: _per_pattern(values, call, "regexp_instr", _instr_value, pa.int32())))


# -- regexp_replace -------------------------------------------------------------------------------

def _replace_error(source: str, pattern: str, replacement: str, position: int) -> SparkRuntimeException:
    return SparkRuntimeException(errorClass="INVALID_REGEXP_REPLACE",
                                 messageParameters={"source": source, "pattern": pattern,
                                                    "replacement": replacement, "position": str(position)})


@functools.lru_cache(maxsize=256)
def java_replacement(replacement: str, regex: JavaRegex) -> tuple | None:
    """Java's replacement syntax as parts (text, or a group number): ``\\x`` is x, ``$n`` a group
    (taking as many digits as still name a group), ``${name}`` a named group. None when Java
    would refuse it."""
    parts, i = [], 0
    while i < len(replacement):
        ch = replacement[i]
        if ch == "\\":
            if i + 1 == len(replacement):
                return None
            parts.append(replacement[i + 1])
            i += 2
        elif ch == "$":
            if i + 1 == len(replacement):
                return None
            if replacement[i + 1] == "{":
                end = replacement.find("}", i)
                name = replacement[i + 2:end] if end > 0 else ""
                if not name or name not in regex.group_names:
                    return None
                parts.append(regex.group_names[name])
                i = end + 1
                continue
            if not replacement[i + 1].isdigit():
                return None
            number, i = int(replacement[i + 1]), i + 2
            while i < len(replacement) and replacement[i].isdigit() and number * 10 + int(replacement[i]) <= \
                    regex.groups:
                number, i = number * 10 + int(replacement[i]), i + 1
            if number > regex.groups:
                return None
            parts.append(number)
        else:
            parts.append(ch)
            i += 1
    return tuple(parts)


def _replace_all(regex: JavaRegex, s: str, parts: tuple) -> str:
    out, last = [], 0
    for match in java_matches(regex, s):
        out.append(s[last:match.start()])
        out.extend(p if isinstance(p, str) else match.group(p) or "" for p in parts)
        last = match.end()
    out.append(s[last:])
    return "".join(out)


def _replace_value(regex: JavaRegex, s: str, replacement: str, position: int) -> str:
    """Spark's regexp_replace: matches searched from ``position`` on; a position past the end of
    the string leaves it as it is."""
    if position > 1 and position > len(s):
        return s
    parts = java_replacement(replacement, regex)
    tail = s[position - 1:]
    if parts is None:
        if regex.python.search(tail) is not None:
            raise _replace_error(s, regex.source, replacement, position)
        return s
    return s[:position - 1] + _replace_all(regex, tail, parts)


def _re2_rewrite(parts: tuple) -> str | None:
    """The parts as an RE2 rewrite string (groups 0-9 only)."""
    if any(isinstance(p, int) and p > 9 for p in parts):
        return None
    return "".join(p.replace("\\", "\\\\") if isinstance(p, str) else f"\\{p}" for p in parts)


def _resolve_regexp_replace(args):
    check_arity("regexp_replace", args, 3, 4)
    if len(args) == 3:
        args = list(args) + [Literal(1, INT)]
    sql = call_sql("regexp_replace", args)
    position = args[3]
    if isinstance(position, Literal) and position.value is not None and position.value <= 0:
        raise AnalysisException(errorClass="DATATYPE_MISMATCH.VALUE_OUT_OF_RANGE",
                                messageParameters={"exprName": "position", "valueRange": f"(0, {INT_MAX}]",
                                                   "currentValue": str(position.value), "sqlExpr": f'"{sql}"'})
    coerced = [string_arg(sql, args, i) for i in range(3)] + [integer_arg(sql, args, 3)]
    return coerced, STRING, any_nullable(coerced)


def _regexp_replace_kernel(values, n, call):
    regex = _fixed_regex(values, call, "regexp_replace")
    replacement, position = constant(call, values, 2), constant(call, values, 3)
    fixed = regex is not None and regex.re2_spans and not regex.matches_empty and replacement is not VARIES \
        and replacement is not None and position is not VARIES and position is not None
    parts = java_replacement(replacement, regex) if fixed else None
    rewrite = _re2_rewrite(parts) if parts is not None else None
    if rewrite is None:
        return _per_pattern(values, call, "regexp_replace", _replace_value, pa.string())
    source = values[0]
    if position == 1:
        return pc.replace_substring_regex(source, regex.re2, rewrite)
    replaced = pc.replace_substring_regex(substring_array(source, position, INT_MAX), regex.re2, rewrite)
    joined = pc.binary_join_element_wise(substring_array(source, 1, position - 1), replaced, "")
    return pc.if_else(pc.less(pc.utf8_length(source), position), source, joined)


register(FunctionSpec("regexp_replace", _resolve_regexp_replace, _regexp_replace_kernel))


# -- split ----------------------------------------------------------------------------------------

def java_split(regex: JavaRegex, s: str, limit: int) -> list:
    """Spark's ``split``: an empty pattern splits into characters (``limit`` of them at most);
    otherwise Java's ``Pattern.split`` with the limit (<= 0: no limit, trailing empty strings kept),
    where an empty match at the very start adds no empty first piece."""
    if not regex.source and s:
        count = len(s) if limit <= 0 or limit > len(s) else limit
        return list(s[:count - 1]) + [s[count - 1:]]
    pieces, start = [], 0
    for match in java_matches(regex, s):
        if limit > 0 and len(pieces) == limit - 1:
            break
        if start == 0 and match.start() == match.end() == 0:
            continue
        pieces.append(s[start:match.start()])
        start = match.end()
    if start == 0 and not pieces:
        return [s]
    pieces.append(s[start:])
    return pieces


def _resolve_split(args):
    check_arity("split", args, 2, 3)
    if len(args) == 2:
        args = list(args) + [Literal(-1, INT)]
    sql = call_sql("split", args)
    coerced = [string_arg(sql, args, 0), string_arg(sql, args, 1), integer_arg(sql, args, 2)]
    return coerced, T.ArrayType(STRING, False), any_nullable(coerced)


def _split_kernel(values, n, call):
    regex, limit = _fixed_regex(values, call, "split"), constant(call, values, 2)
    if regex is not None and limit is not VARIES and limit is not None and regex.source:
        splits = None if limit <= 0 else limit - 1
        if regex.literal:
            return pc.split_pattern(values[0], regex.literal, max_splits=splits)
        if regex.re2_spans and not regex.matches_empty:
            return pc.split_pattern_regex(values[0], regex.re2, max_splits=splits)
    return _per_pattern(values, call, "split", java_split, pa.list_(pa.string()))


register(FunctionSpec("split", _resolve_split, _split_kernel))

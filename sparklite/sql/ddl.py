"""Spark's DDL type strings (``"a INT NOT NULL, b ARRAY<STRING> COMMENT 'c'"``) parsed to a type tree.

Contract: ``parse_ddl(text)`` returns the tree of the type ``text`` describes, the way PySpark's
``_parse_datatype_string`` reads it (it asks the JVM): first as a table schema (``name type, ...``),
then as one data type (``int``, ``struct<a:int>``), then as the fields of a struct in the legacy
``name: type`` form; when all three fail, the error of the first reading is raised, as Spark's parser
reports it: a ``ParseException`` whose condition, message parameters and position (line from 1,
column from 0) match Spark's, an ``ArithmeticException`` for a decimal precision above 38.
Syntax errors come before the others (an unknown type name, a missing ``CHAR`` length), which are
reported in the order of the text; an identifier such as ``a-b`` is reported where it is read.

The tree is made of tuples, so this module needs nothing of ``sparklite.sql.datatypes``:
``("struct", [(name, tree, nullable, comment or None), ...])``, ``("array", tree)``,
``("map", key_tree, value_tree)``, ``("atomic", name, arguments)`` with the names of
``ATOMIC_NAMES``' values (``("atomic", "decimal", (10, 2))``, ``("atomic", "string", ("UTF8_LCASE",))``),
``("interval", "year" | "day", start, end)`` with Spark's field numbers, and ``("atomic", "interval", ())``
for a calendar interval.

Where Spark's ANTLR parser reports a syntax error is reproduced for the cases the golden tests
record (``_Parser.trailing_error`` holds the rules): an error inside the ``<...>`` of a column's
array, map or struct type is reported at that ``<``; a last extra token as ``extra input``; a
``NOT`` without ``NULL`` as ``missing 'NULL'``.
"""
from __future__ import annotations

import re

from sparklite.sql.errors import ArithmeticException, ParseException, SparkError

# a type's name (lower case) -> the name in the tree and the numbers of arguments it takes
ATOMIC_NAMES = {
    "boolean": ("boolean", (0,)), "tinyint": ("byte", (0,)), "byte": ("byte", (0,)),
    "smallint": ("short", (0,)), "short": ("short", (0,)), "int": ("integer", (0,)),
    "integer": ("integer", (0,)), "bigint": ("long", (0,)), "long": ("long", (0,)),
    "float": ("float", (0,)), "real": ("float", (0,)), "double": ("double", (0,)), "date": ("date", (0,)),
    "timestamp": ("timestamp", (0,)), "timestamp_ltz": ("timestamp", (0,)),
    "timestamp_ntz": ("timestamp_ntz", (0,)), "string": ("string", (0,)), "binary": ("binary", (0,)),
    "void": ("void", (0,)), "char": ("char", (1,)), "character": ("char", (1,)), "varchar": ("varchar", (1,)),
    "decimal": ("decimal", (0, 1, 2)), "dec": ("decimal", (0, 1, 2)), "numeric": ("decimal", (0, 1, 2)),
    "time": ("time", (0, 1)),
}
COLLATIONS = ("UTF8_BINARY", "UTF8_LCASE", "UNICODE", "UNICODE_CI")
YEAR_MONTH_FIELDS = ("year", "month")
DAY_TIME_FIELDS = ("day", "hour", "minute", "second")
MAX_DECIMAL_PRECISION = 38

_OPERATORS = ("<=>", "<>", "<=", ">=", "!=", "==", "::", "||", "->", "=>")
_NUMBER = re.compile(r"\d*\.\d+(E[+-]?\d+)?(D|F|BD)?|\d+\.(E[+-]?\d+)?(D|F|BD)?|\d+(L|S|Y|D|F|BD|E[+-]?\d+)?",
                     re.IGNORECASE)
_ESCAPES = {"0": "\0", "b": "\b", "n": "\n", "r": "\r", "t": "\t", "Z": "\x1a"}


class Token:
    """A lexical token: its kind (word, quoted, int, number, string, op, eof), text and offset."""

    __slots__ = ("kind", "text", "offset")

    def __init__(self, kind: str, text: str, offset: int):
        self.kind, self.text, self.offset = kind, text, offset

    def is_word(self, *words: str) -> bool:
        return self.kind == "word" and (not words or self.text.lower() in words)

    def is_op(self, *ops: str) -> bool:
        return self.kind == "op" and self.text in ops

    def display(self) -> str:
        return "end of input" if self.kind == "eof" else f"'{self.text}'"


def tokenize(text: str) -> list[Token]:
    """The tokens of ``text``, ending with an ``eof`` token; an unclosed ``/*`` comment is an error."""
    tokens, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif text.startswith("--", i):
            end = text.find("\n", i)
            i = n if end < 0 else end + 1
        elif text.startswith("/*", i):
            i = _skip_bracketed_comment(text, i)
        elif c in "'\"`":
            end = _closing_quote(text, i)
            if end < 0:
                tokens.append(Token("op", c, i))
                i += 1
            else:
                tokens.append(Token("quoted" if c == "`" else "string", text[i:end + 1], i))
                i = end + 1
        elif c.isalnum() or c == "_":
            end = i
            while end < n and (text[end].isalnum() or text[end] == "_"):
                end += 1
            number = _NUMBER.match(text, i)
            if number and number.end() >= end:
                tokens.append(Token("int" if number.group().isdigit() else "number", number.group(), i))
                i = number.end()
            else:
                tokens.append(Token("word", text[i:end], i))
                i = end
        elif c == "." and i + 1 < n and text[i + 1].isdigit():
            number = _NUMBER.match(text, i)
            tokens.append(Token("number", number.group(), i))
            i = number.end()
        else:
            op = next((op for op in _OPERATORS if text.startswith(op, i)), c)
            tokens.append(Token("op", op, i))
            i += len(op)
    tokens.append(Token("eof", "", n))
    return tokens


def _skip_bracketed_comment(text: str, i: int) -> int:
    depth = 0
    while i < len(text):
        if text.startswith("/*", i):
            depth, i = depth + 1, i + 2
        elif text.startswith("*/", i):
            depth, i = depth - 1, i + 2
            if depth == 0:
                return i
        else:
            i += 1
    raise ParseException(errorClass="UNCLOSED_BRACKETED_COMMENT", command=text)


def _closing_quote(text: str, start: int) -> int:
    quote, i = text[start], start + 1
    while i < len(text):
        if text[i] == "\\" and quote != "`":
            i += 2
        elif text[i] == quote:
            if text.startswith(quote * 2, i):
                i += 2
            else:
                return i
        else:
            i += 1
    return -1


def unquote(token: Token) -> str:
    """The value of a string literal or the name of a backquoted identifier."""
    quote, body = token.text[0], token.text[1:-1]
    if quote == "`":
        return body.replace("``", "`")
    out, i = [], 0
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            if nxt == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", body[i + 2:i + 6]):
                out.append(chr(int(body[i + 2:i + 6], 16)))
                i += 6
                continue
            out.append(_ESCAPES.get(nxt, "\\" + nxt if nxt in "%_" else nxt))
            i += 2
        elif c == quote and body.startswith(quote * 2, i):
            out.append(quote)
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


class _Syntax(Exception):
    """A syntax error at ``tokens[index]`` (``hint`` is Spark's, e.g. ``: extra input 'b'``)."""

    def __init__(self, index: int, hint: str = ""):
        super().__init__(index, hint)
        self.index, self.hint = index, hint


class _Column:
    """What a column's parse leaves for the error rules: where its complex type's ``<`` is, whether
    its type is a lone keyword (``int``, not ``decimal(10,2)`` nor ``string`` that may go on with
    ``COLLATE``) with nothing after it, and whether a ``COMMENT`` followed."""

    def __init__(self, entry: tuple, complex_at: int | None, bare: bool, commented: bool):
        self.entry, self.complex_at, self.bare, self.commented = entry, complex_at, bare, commented


class _Parser:
    """One reading of a token list; semantic errors are collected and raised after a clean parse."""

    def __init__(self, text: str, tokens: list[Token]):
        self.text, self.tokens, self.i = text, tokens, 0
        self.deferred: list[SparkError] = []

    # ---- token helpers
    def peek(self, ahead: int = 0) -> Token:
        return self.tokens[min(self.i + ahead, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.peek()
        self.i += 1
        return token

    def expect_op(self, op: str) -> None:
        if not self.peek().is_op(op):
            raise _Syntax(self.i)
        self.i += 1

    def origin(self, token: Token) -> tuple[int, int]:
        before = self.text[:token.offset]
        return before.count("\n") + 1, token.offset - (before.rfind("\n") + 1)

    def parse_error(self, condition: str, token: Token | None, **parameters) -> ParseException:
        return ParseException(errorClass=condition, messageParameters=parameters,
                              origin=None if token is None else self.origin(token), command=self.text)

    def finish(self, tree):
        if self.deferred:
            raise self.deferred[0]
        return tree

    # ---- the three readings
    def table_schema(self):
        columns = []
        while True:
            column = self.column(top=True)
            columns.append(column.entry)
            if self.peek().is_op(","):
                self.advance()
                continue
            if self.peek().kind == "eof":
                return self.finish(("struct", columns))
            raise self.trailing_error(column)

    def single_type(self):
        tree = self.data_type()
        if self.peek().kind != "eof":
            raise _Syntax(self.i)
        return self.finish(tree)

    # ---- grammar
    def column(self, top: bool) -> _Column:
        name = self.identifier()
        if not top and self.peek().is_op(":"):
            self.advance()
        complex_at = self.i + 1 if self.starts_complex_type() else None
        start = self.i
        if top and complex_at is not None:
            try:
                tree = self.data_type()
            except _Syntax:
                raise _Syntax(complex_at) from None
        else:
            tree = self.data_type()
        bare = self.i == start + 1 and not self.tokens[start].is_word("string")
        nullable, comment = True, None
        if self.peek().is_word("not"):
            self.advance()
            self.expect_null()
            nullable, bare = False, False
        if self.peek().is_word("comment"):
            self.advance()
            if self.peek().kind != "string":
                raise _Syntax(self.i)
            comment, bare = unquote(self.advance()), False
        return _Column((name, tree, nullable, comment), complex_at, bare, comment is not None)

    def expect_null(self) -> None:
        token, after = self.peek(), self.peek(1)
        if token.is_word("null"):
            self.advance()
        elif after.is_word("null"):
            raise _Syntax(self.i, f": extra input {token.display()}")
        elif token.is_word("comment") or token.is_op(",") or token.kind == "eof":
            raise _Syntax(self.i, ": missing 'NULL'")
        else:
            raise _Syntax(self.i)

    def trailing_error(self, column: _Column) -> _Syntax:
        """The error for the token after a complete column that is neither ``,`` nor the end: an
        ``extra input`` when the end follows it, except where Spark's parser fails while it still
        looks ahead (after a bare type keyword, on an operator that may follow a type elsewhere in
        SQL, and after an array, map or struct type, at its ``<``)."""
        token, after = self.peek(), self.peek(1)
        extra = _Syntax(self.i, f": extra input {token.display()}")
        if column.complex_at is not None:
            if column.commented or not (after.kind == "eof" or after.is_op(",")):
                return _Syntax(column.complex_at)
            return extra if after.kind == "eof" else _Syntax(self.i)
        if token.is_op(")", "<", ">", "=", ";") or (column.bare and token.kind in ("word", "quoted")):
            return _Syntax(self.i)
        return extra if after.kind == "eof" else _Syntax(self.i)

    def identifier(self) -> str:
        token = self.peek()
        if token.kind == "quoted":
            self.advance()
            return unquote(token)
        if token.kind != "word":
            raise _Syntax(self.i)
        self.advance()
        if not token.text.isascii():
            raise self.parse_error("INVALID_IDENTIFIER", token, ident=token.text)
        if self.peek().is_op("-") and self.peek(1).kind in ("word", "int"):
            dash, parts = self.peek(), [token.text]
            while self.peek().is_op("-") and self.peek(1).kind in ("word", "int"):
                parts.append(self.tokens[self.i + 1].text)
                self.i += 2
            raise self.parse_error("INVALID_IDENTIFIER", dash, ident="-".join(parts))
        return token.text

    def starts_complex_type(self) -> bool:
        return self.peek().is_word("array", "map", "struct") and self.peek(1).is_op("<", "<>")

    def data_type(self):
        token = self.peek()
        if self.starts_complex_type():
            return self.complex_type()
        if token.is_word("interval"):
            return self.interval_type()
        if token.kind not in ("word", "quoted"):
            raise _Syntax(self.i)
        self.advance()
        if token.is_word("array", "map", "struct"):
            keyword = token.text.upper()
            self.deferred.append(self.parse_error(f"INCOMPLETE_TYPE_DEFINITION.{keyword}", token,
                                                  **({"elementType": "<INT>"} if keyword == "ARRAY" else {})))
            return ("atomic", "void", ())
        return self.atomic_type(token)

    def complex_type(self):
        keyword = self.advance().text.lower()
        if self.peek().is_op("<>"):
            if keyword != "struct":
                raise _Syntax(self.i)
            self.advance()
            return ("struct", [])
        self.advance()
        if keyword == "array":
            tree = ("array", self.data_type())
        elif keyword == "map":
            key = self.data_type()
            self.expect_op(",")
            tree = ("map", key, self.data_type())
        else:
            fields = []
            while not self.peek().is_op(">"):
                fields.append(self.column(top=False).entry)
                if not self.peek().is_op(","):
                    break
                self.advance()
                if self.peek().is_op(">"):
                    raise _Syntax(self.i)
            tree = ("struct", fields)
        self.expect_op(">")
        return tree

    def interval_type(self):
        token = self.advance()
        start = self.peek().text.lower()
        for kind, fields in (("year", YEAR_MONTH_FIELDS), ("day", DAY_TIME_FIELDS)):
            if self.peek().is_word(*fields):
                self.advance()
                end = start
                if self.peek().is_word("to") and self.peek(1).is_word(*fields[1:]):
                    end = self.peek(1).text.lower()
                    self.i += 2
                    if fields.index(end) <= fields.index(start):
                        self.deferred.append(self.parse_error(
                            "INVALID_INTERVAL_FORMAT.UNSUPPORTED_FROM_TO_EXPRESSION", token,
                            input="", **{"from": start, "to": end}))
                return ("interval", kind, fields.index(start), fields.index(end))
        return ("atomic", "interval", ())

    def atomic_type(self, token: Token):
        word = token.text.lower() if token.kind == "word" else unquote(token)
        if word == "timestamp" and self.peek().is_word("with") and self.following("local", "time", "zone"):
            self.i += 4
        elif word == "timestamp" and self.peek().is_word("without") and self.following("time", "zone"):
            self.i += 3
            word = "timestamp_ntz"
        arguments = []
        if self.peek().is_op("(") and self.peek(1).kind in ("int", "word"):
            self.advance()
            while True:
                if self.peek().kind != "int":
                    raise _Syntax(self.i)
                arguments.append(int(self.advance().text))
                if not self.peek().is_op(","):
                    break
                self.advance()
            self.expect_op(")")
        if word == "string" and self.peek().is_word("collate") and self.peek(1).kind in ("word", "quoted"):
            self.advance()
            collation = self.identifier()
            if collation.upper() not in COLLATIONS:
                self.deferred.append(SparkError(errorClass="COLLATION_INVALID_NAME",
                                                messageParameters={"collationName": collation, "proposals": ""}))
            return ("atomic", "string", (collation.upper(),))
        name, counts = ATOMIC_NAMES.get(word, (None, ()))
        if len(arguments) not in counts or token.kind == "quoted":
            if name in ("char", "varchar") and not arguments:
                self.deferred.append(self.parse_error("DATATYPE_MISSING_SIZE", token, type=f'"{word.upper()}"'))
            else:
                shown = word.upper() + (f"({','.join(map(str, arguments))})" if arguments else "")
                self.deferred.append(self.parse_error("UNSUPPORTED_DATATYPE", token, typeName=f'"{shown}"'))
            return ("atomic", "void", ())
        if name == "decimal":
            arguments += [10, 0][len(arguments):]      # DECIMAL is DECIMAL(10, 0), DECIMAL(p) DECIMAL(p, 0)
            self.check_decimal(*arguments)
        return ("atomic", name, tuple(arguments))

    def following(self, *words: str) -> bool:
        return all(self.peek(1 + k).is_word(word) for k, word in enumerate(words))

    def check_decimal(self, precision: int, scale: int) -> None:
        if scale > precision:
            self.deferred.append(self.parse_error("DECIMAL_SCALE_EXCEEDS_PRECISION", None,
                                                  scale=scale, precision=precision))
        elif precision > MAX_DECIMAL_PRECISION:
            self.deferred.append(ArithmeticException(
                errorClass="DECIMAL_PRECISION_EXCEEDS_MAX_PRECISION",
                messageParameters={"precision": precision, "maxPrecision": MAX_DECIMAL_PRECISION}))

    def syntax_error(self, error: _Syntax) -> ParseException:
        token = self.tokens[error.index]
        return self.parse_error("PARSE_SYNTAX_ERROR", token, error=token.display(), hint=error.hint)


def parse_ddl(text: str):
    """The type tree of a DDL string, read as PySpark reads it (see the module's contract)."""
    tokens = tokenize(text)
    first = _Parser(text, tokens)
    try:
        return first.table_schema()
    except _Syntax as syntax:
        failure = first.syntax_error(syntax)
    except SparkError as semantic:
        failure = semantic
    for reading in (lambda: _Parser(text, tokens).single_type(),
                    lambda: _Parser(f"struct<{text.strip()}>", tokenize(f"struct<{text.strip()}>")).single_type()):
        try:
            return reading()
        except (_Syntax, SparkError):
            continue
    raise failure

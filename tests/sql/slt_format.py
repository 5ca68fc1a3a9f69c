"""The ``.slt`` golden-file format: parse a file, run its cases, render results, compare them.

Contract: one module shared by the generator (``golden/generate.py``, which runs the cases on PySpark
and writes the expected blocks) and the driver (``test_slt.py``, which runs them on sparklite and
compares). It imports neither PySpark nor sparklite: a case runs against whatever session and names
it is handed (duck typing: ``spark.sql``, ``df.schema``, ``df.collect``, ``error.getCondition``).

A file is a sequence of comment lines (``#``), blank lines and cases; ``parse`` keeps every line so
that ``SltFile.render`` gives back the same text byte for byte, with only the expected blocks that the
generator replaced changed. A case is a directive line, a body (no blank line in it), and, for the
directives that compare something, a ``----`` line followed by the expected block:

- ``statement ok`` / ``exec``: SQL / Python statements run for effect; no ``----``. An ``exec``'s
  names persist for the rest of the file.
- ``statement error``: SQL whose block is ``error: CONDITION``.
- ``query [rowsort]``: SQL run by ``spark.sql``; ``df [rowsort]``: Python statements whose last line is
  an expression giving a DataFrame. The block is a ``schema:`` line and one line per row (or an
  ``error:`` line); it ends at a blank line or the end of the file.
- ``show`` / ``text``: Python statements; the block is their captured stdout, exactly, and ends at a
  line ``====`` (stdout has blank lines: ``show()`` ends with one).
- ``value``: Python statements whose last line is an expression; the block is its ``repr``.

The rendering of values and the comparison rules are described in ``slt/README.md``.
"""
from __future__ import annotations

import ast
import contextlib
import datetime
import io
import math
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

SEPARATOR = "----"
TEXT_END = "===="
SKIP_GEN = "# skip-gen"
NO_FINAL_NEWLINE = "\\ no newline at end of output"
REL_TOL = 1e-9

ROW_KINDS = ("query", "df")
TEXT_KINDS = ("show", "text")
# directive word -> the argument texts it accepts
DIRECTIVES = {
    "statement": {"ok", "error"},
    "query": {"", "rowsort"},
    "df": {"", "rowsort"},
    "show": {""},
    "text": {""},
    "value": {""},
    "exec": {""},
}


class SltParseError(ValueError):
    """A malformed ``.slt`` file; the message names the file and line."""


@dataclass
class Case:
    """One case of a file: its directive, body and (once generated) expected block, all as raw lines."""

    path: str
    line: int                       # 1-based line of the directive
    directive: str
    body: list[str]
    expected: list[str] | None      # None: no ``----`` yet (the generator adds it)

    @property
    def kind(self) -> str:
        return self.directive.split()[0]

    @property
    def args(self) -> list[str]:
        return self.directive.split()[1:]

    @property
    def rowsort(self) -> bool:
        return "rowsort" in self.args

    @property
    def compares(self) -> bool:
        """Whether the case has an expected block (everything but ``statement ok`` and ``exec``)."""
        return not (self.kind == "exec" or self.args == ["ok"])

    @property
    def skip_gen(self) -> bool:
        return self.body[0].strip() == SKIP_GEN

    @property
    def code(self) -> str:
        """The body to run: its lines without a leading ``# skip-gen`` (not a comment in SQL)."""
        return "\n".join(self.body[1:] if self.skip_gen else self.body)

    @property
    def where(self) -> str:
        return f"{Path(self.path).name}:{self.line}"

    def render(self) -> list[str]:
        lines = [self.directive, *self.body]
        if self.expected is not None:
            lines += [SEPARATOR, *self.expected]
            if self.kind in TEXT_KINDS:
                lines.append(TEXT_END)
        return lines


@dataclass
class SltFile:
    """A parsed file: ``items`` are raw comment/blank lines (str) and cases, in file order."""

    path: str
    items: list = field(default_factory=list)
    final_newline: bool = True

    @property
    def cases(self) -> list[Case]:
        return [item for item in self.items if isinstance(item, Case)]

    def render(self) -> str:
        lines = []
        for item in self.items:
            lines += item.render() if isinstance(item, Case) else [item]
        return "\n".join(lines) + ("\n" if self.final_newline and lines else "")


def parse(text: str, path: str = "<string>") -> SltFile:
    """Parse the text of an ``.slt`` file; raises ``SltParseError`` naming the line at fault."""
    lines = text.split("\n")
    final_newline = text.endswith("\n")
    if final_newline:
        lines.pop()
    result = SltFile(path, final_newline=final_newline)
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip() or line.startswith("#"):
            result.items.append(line)
            i += 1
            continue
        case, i = _parse_case(lines, i, path)
        result.items.append(case)
    return result


def parse_file(path) -> SltFile:
    return parse(Path(path).read_text(), str(path))


def _parse_case(lines: list[str], start: int, path: str) -> tuple[Case, int]:
    def fail(index: int, message: str):
        raise SltParseError(f"{path}:{index + 1}: {message}")

    words = lines[start].split()
    allowed = DIRECTIVES.get(words[0])
    if allowed is None:
        fail(start, f"unknown directive {words[0]!r} (expected one of {', '.join(DIRECTIVES)})")
    if " ".join(words[1:]) not in allowed:
        fail(start, f"{words[0]!r} takes {' or '.join(repr(a) if a else 'nothing' for a in sorted(allowed))}, "
                    f"not {' '.join(words[1:])!r}")
    i = start + 1
    body = []
    while i < len(lines) and lines[i].strip() and lines[i] != SEPARATOR:
        body.append(lines[i])
        i += 1
    if not body:
        fail(start, "a case needs a body on the lines after its directive")
    case = Case(path, start + 1, lines[start], body, None)
    if i == len(lines) or lines[i] != SEPARATOR:
        return case, i
    if not case.compares:
        fail(i, f"'{case.directive}' compares nothing and takes no '{SEPARATOR}' block")
    i += 1
    expected = []
    if case.kind in TEXT_KINDS:
        while i < len(lines) and lines[i] != TEXT_END:
            expected.append(lines[i])
            i += 1
        if i == len(lines):
            fail(start, f"the expected output of a '{case.kind}' case must end with a line '{TEXT_END}'")
        i += 1
    else:
        while i < len(lines) and lines[i].strip():
            expected.append(lines[i])
            i += 1
    case.expected = expected
    return case, i


# ---------------------------------------------------------------------------------------------
# rendering

_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_ESCAPES = {"\\": "\\\\", "|": "\\|", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def render_string(text: str) -> str:
    """A string as one cell: escapes ``\\ | newline CR tab``, leading/trailing spaces as ``\\s``."""
    if text == "":
        return "(empty)"
    if text in ("NULL", "(empty)"):
        return "\\" + text
    body = "".join(_ESCAPES.get(ch, ch) for ch in text)
    stripped = body.lstrip(" ")
    body = "\\s" * (len(body) - len(stripped)) + stripped
    stripped = body.rstrip(" ")
    return stripped + "\\s" * (len(body) - len(stripped))


def _trim_fraction(text: str) -> str:
    """``03:04:05.100000`` -> ``03:04:05.1``; ``03:04:05.000000`` never occurs (isoformat drops it)."""
    return text.rstrip("0") if "." in text else text


def render_value(value) -> str:
    """The canonical text of one collected value (see ``slt/README.md`` for the table)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, str):
        return render_string(value)
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).hex() or "(empty)"
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
        return _trim_fraction(value.isoformat(sep=" "))
    if isinstance(value, (datetime.date, datetime.time)):
        return _trim_fraction(value.isoformat())
    if isinstance(value, datetime.timedelta):
        return _render_duration(value)
    if isinstance(value, tuple) and getattr(value, "__fields__", None) is not None:
        pairs = zip(value.__fields__, value)
        return "{" + ", ".join(f"{name}: {render_value(item)}" for name, item in pairs) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(render_value(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{render_value(k)}: {render_value(v)}" for k, v in value.items()) + "}"
    return f"<{type(value).__name__} {value!r}>"   # unknown types stay visible and never match by accident


def _render_duration(value: datetime.timedelta) -> str:
    """``[-]D HH:MM:SS[.ffffff]``, like Spark's day-time interval text."""
    micros = (value.days * 86_400 + value.seconds) * 1_000_000 + value.microseconds
    sign = "-" if micros < 0 else ""
    seconds, micros = divmod(abs(micros), 1_000_000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    text = f"{sign}{days} {hours:02d}:{minutes:02d}:{seconds:02d}"
    return text + (f".{micros:06d}".rstrip("0") if micros else "")


def render_row(row) -> str:
    """A collected row as ``v1 | v2 | ...``; a row of no columns as ``()``."""
    return " | ".join(render_value(value) for value in row) if len(row) else "()"


def render_schema(schema) -> str:
    """``schema: name type [NOT NULL], ...`` with each top-level field's ``simpleString()`` type."""
    parts = []
    for f in schema.fields:
        name = f.name if _PLAIN_NAME.match(f.name) else "`" + f.name.replace("`", "``") + "`"
        parts.append(f"{name} {f.dataType.simpleString()}" + ("" if f.nullable else " NOT NULL"))
    return "schema: " + ", ".join(parts)


def render_text(output: str) -> list[str]:
    """Captured stdout as block lines; a last line without its newline is followed by a marker."""
    if output == "":
        return []
    if output.endswith("\n"):
        return output[:-1].split("\n")
    return output.split("\n") + [NO_FINAL_NEWLINE]


def error_name(error: BaseException) -> str:
    """The error's condition (PySpark's ``getCondition()``) or, lacking one, its type name."""
    get_condition = getattr(error, "getCondition", None)
    condition = None
    if callable(get_condition):
        with contextlib.suppress(Exception):
            condition = get_condition()
    return condition or type(error).__name__


# ---------------------------------------------------------------------------------------------
# running

def file_namespace(spark, names: dict) -> dict:
    """The names a file's Python bodies see: ``spark`` and ``names`` (F, T, Row, Window) plus stdlib."""
    return {"spark": spark, "datetime": datetime, "Decimal": Decimal, "math": math, **names}


class CaseAuthoringError(Exception):
    """The case itself is wrong (a ``df`` body that gives no DataFrame, a failing ``statement ok``)."""


def _compile(case: Case):
    """The body as a module whose line numbers are the .slt file's, so tracebacks point into it."""
    tree = ast.parse(case.code, filename=case.path)
    ast.increment_lineno(tree, case.line + (1 if case.skip_gen else 0))
    return tree


def _exec(tree: ast.Module, case: Case, namespace: dict) -> None:
    exec(compile(tree, case.path, "exec"), namespace)


def _evaluate(case: Case, namespace: dict):
    """Run the body's statements and return the value of its last line, which must be an expression."""
    tree = _compile(case)
    if not tree.body or not isinstance(tree.body[-1], ast.Expr):
        raise CaseAuthoringError(f"{case.where}: the last line of a '{case.kind}' body must be an expression")
    last = ast.Expression(tree.body.pop().value)
    _exec(tree, case, namespace)
    return eval(compile(last, case.path, "eval"), namespace)


def _rows_block(df, rowsort: bool) -> list[str]:
    schema = df.schema
    rows = [render_row(row) for row in df.collect()]
    return [render_schema(schema)] + (sorted(rows) if rowsort else rows)


def run_case(case: Case, spark, namespace: dict) -> list[str] | None:
    """Run one case; return its actual block (None for cases that compare nothing).

    ``namespace`` is the file's: ``exec`` writes into it, Python bodies run in a copy. An error raised
    by the code under test becomes an ``error: NAME`` block; a case that cannot be run as written
    raises ``CaseAuthoringError``.
    """
    if case.kind == "exec":
        try:
            _exec(_compile(case), case, namespace)
        except Exception as error:
            raise CaseAuthoringError(f"{case.where}: exec failed: {error_name(error)}: {error}") from error
        return None
    if case.kind == "statement":
        try:
            spark.sql(case.code).collect()
        except Exception as error:
            if case.args == ["ok"]:
                raise CaseAuthoringError(f"{case.where}: statement failed: {error_name(error)}: {error}") from error
            return [f"error: {error_name(error)}"]
        return None if case.args == ["ok"] else ["ok"]
    local = dict(namespace)
    try:
        if case.kind == "query":
            return _rows_block(spark.sql(case.code), case.rowsort)
        if case.kind == "df":
            df = _evaluate(case, local)
            if not (hasattr(df, "schema") and hasattr(df, "collect")):
                raise CaseAuthoringError(f"{case.where}: a 'df' body must give a DataFrame, got {type(df).__name__}")
            return _rows_block(df, case.rowsort)
        if case.kind == "value":
            return repr(_evaluate(case, local)).split("\n")
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            _exec(_compile(case), case, local)
        return render_text(out.getvalue())
    except (CaseAuthoringError, SyntaxError):
        raise
    except Exception as error:
        return [f"error: {error_name(error)}"]


def drop_temp_views(spark) -> None:
    """Forget a file's temporary views before the next file runs on the same session."""
    for table in spark.catalog.listTables():
        if table.isTemporary:
            spark.catalog.dropTempView(table.name)


# ---------------------------------------------------------------------------------------------
# comparing

_FLOAT_TOKEN = re.compile(r"(-?(?:\d+\.\d*(?:e[-+]?\d+)?|\d+e[-+]?\d+|inf|nan))")


def schema_types(schema_line: str) -> list[str]:
    """The type text of each column of a ``schema:`` line (fields split at top-level ``, ``)."""
    text = schema_line[len("schema:"):].strip()
    fields, depth, quoted, start = [], 0, False, 0
    for i, ch in enumerate(text):
        if ch == "`":
            quoted = not quoted
        elif not quoted and ch in "<(":
            depth += 1
        elif not quoted and ch in ">)":
            depth -= 1
        elif not quoted and depth == 0 and text.startswith(", ", i):
            fields.append(text[start:i])
            start = i + 2
    if text:
        fields.append(text[start:])
    types = []
    for f in fields:
        name_end = f.rindex("`") + 1 if f.startswith("`") else f.find(" ")
        types.append(f[name_end:].strip().removesuffix(" NOT NULL"))
    return types


def _floats_close(expected: str, actual: str) -> bool:
    a, b = float(expected), float(actual)
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return math.copysign(1, a) == math.copysign(1, b) and math.isclose(a, b, rel_tol=REL_TOL)


def cells_match(expected: str, actual: str, floating: bool) -> bool:
    """Cells equal as text, or, in a column whose type holds floats, equal but for float tokens within
    a relative 1e-9 (``-0.0`` and ``0.0`` still differ; ``nan`` matches ``nan``)."""
    if expected == actual:
        return True
    if not floating:
        return False
    left, right = _FLOAT_TOKEN.split(expected), _FLOAT_TOKEN.split(actual)
    if len(left) != len(right):
        return False
    # split() with a group alternates text (even indexes) and float tokens (odd indexes)
    return all(x == y if k % 2 == 0 else _floats_close(x, y) for k, (x, y) in enumerate(zip(left, right)))


def blocks_match(case: Case, expected: list[str], actual: list[str]) -> bool:
    """Whether an actual block matches the expected one under the case's rules."""
    if case.kind not in ROW_KINDS or expected[:1] != actual[:1] or not expected[0].startswith("schema:"):
        return expected == actual
    exp_rows, act_rows = expected[1:], actual[1:]
    if case.rowsort:
        exp_rows, act_rows = sorted(exp_rows), sorted(act_rows)
    if len(exp_rows) != len(act_rows):
        return False
    floating = [("float" in t or "double" in t) for t in schema_types(expected[0])]
    for exp_row, act_row in zip(exp_rows, act_rows):
        exp_cells, act_cells = exp_row.split(" | "), act_row.split(" | ")
        if len(exp_cells) != len(act_cells):
            return False
        for k, (x, y) in enumerate(zip(exp_cells, act_cells)):
            if not cells_match(x, y, k < len(floating) and floating[k]):
                return False
    return True


def mismatch_report(case: Case, expected: list[str], actual: list[str]) -> str:
    """The case, then expected and actual side by side; ``!`` marks the lines that differ."""
    width = max([len("expected")] + [len(line) for line in expected])
    lines = [f"{case.where}: {case.directive}", *("    " + line for line in case.body), "",
             f"  {'expected':<{width}}   actual"]
    for k in range(max(len(expected), len(actual))):
        left = expected[k] if k < len(expected) else ""
        right = actual[k] if k < len(actual) else ""
        mark = " " if k < len(expected) and k < len(actual) and left == right else "!"
        lines.append(f"{mark} {left:<{width}} {'|' if mark == ' ' else '≠'} {right}")
    return "\n".join(lines)

"""The CSV source and writer, with Spark's (univocity's) reading of quotes, escapes and empty values.

Contract:
* Tokenizing: fields split at ``sep`` (one or more characters); a field starting with ``quote`` runs
  to the closing quote, inside which ``escape`` + quote (or + escape) stand for themselves; blanks
  after a closing quote are skipped; a quote followed by anything else makes the field unquoted and
  raw up to the next separator (univocity's ``STOP_AT_DELIMITER``); an unterminated quote ends at the
  end of the line (or of the file with ``multiLine``, where quoted fields may span lines). Without
  ``multiLine`` blank lines and lines starting with ``comment`` are skipped and a file's first line
  is its header when ``header`` is set. An unquoted empty field is NULL; a quoted empty one is
  ``emptyValue``; any value equal to ``nullValue`` is NULL.
* Text with no quotes to interpret (or only well-formed quoted fields) and one-character separators
  is tokenized by ``pyarrow.csv``; anything else by the Python tokenizer above.
* Values convert as Spark's CSV parser converts them (Java number syntax, ``nanValue``,
  ``positiveInf``, ``negativeInf``, decimals with ``,`` grouping, lenient dates and timestamps
  unless ``dateFormat`` / ``timestampFormat`` are given). A record with a value that does not convert,
  or with fewer or more fields than the schema, is malformed: ``PERMISSIVE`` keeps what converted,
  NULLs the rest and puts the record's text in ``columnNameOfCorruptRecord`` when the schema has
  that (string) column (too few or too many fields are not malformed without it); ``DROPMALFORMED``
  drops it; ``FAILFAST`` raises ``MALFORMED_RECORD_IN_PARSING``.
* Inference (``inferSchema``): the first record names the columns (``header``; duplicates and blanks
  renamed as Spark renames them) or counts them (``_c0``...); each column's type is Spark's fold over
  its values: int, bigint, decimal (no fraction), double, date (``preferDate``, ``yyyy-MM-dd`` or
  ``dateFormat``), timestamp, boolean, else string.
* The writer quotes fields holding the separator, the quote or a line break (``quoteAll``:
  every field), escapes quotes and escapes inside quotes, trims blanks (``ignoreLeadingWhiteSpace`` /
  ``ignoreTrailingWhiteSpace``, on by default), writes NULL as ``nullValue`` and empty strings as
  ``emptyValue`` (``""``), dates and timestamps with ``dateFormat`` / ``timestampFormat``.
"""
from __future__ import annotations

import codecs
import decimal
import random
import re
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from sparklite.sql import types as T
from sparklite.sql.errors import AnalysisException, IllegalArgumentException
from sparklite.sql.execution.cast import to_string
from sparklite.sql.sources.commit import joined_lines, text_codec
from sparklite.sql.sources.datetimes import DEFAULT_DATE, DateParser, TimestampParser, write_formatters
from sparklite.sql.sources.files import (BIG_DECIMAL, INTEGER_BITS, FileSource, compression_of, finish_rows,
                                         only_corrupt_column_error, plan_splits, read_line_range, read_whole,
                                         run_tasks, select_columns, unsupported_type)
from sparklite.sql.sources.text import split_lines

_BLANKS = "".join(chr(c) for c in range(33))          # Java's trim() and univocity's whitespace
_INLINE_BLANKS = _BLANKS.replace("\r", "").replace("\n", "")
# java.lang.Double.parseDouble's syntax (after trimming), in RE2 for Arrow's kernels
_JAVA_DOUBLE = r"^[+-]?(NaN|Infinity|([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?[fFdD]?)$"
MODES = ("PERMISSIVE", "DROPMALFORMED", "FAILFAST")


def _char_option(options: dict, key: str, default: str) -> str:
    value = options.get(key, default)
    if value == "\\t":
        return "\t"
    if value.startswith("\\u") and len(value) == 6:
        return chr(int(value[2:], 16))
    return value


def _flag(options: dict, key: str, default: bool) -> bool:
    return str(options.get(key, default)).lower() == "true"


@dataclass(frozen=True)
class CsvOptions:
    """The CSV options of one read or write (Spark's names, lower-cased keys)."""
    sep: str
    quote: str               # "" when quoting is off
    escape: str
    comment: str
    header: bool
    infer: bool
    prefer_date: bool
    ignore_leading: bool
    ignore_trailing: bool
    null_value: str
    empty_value: str
    nan_value: str
    positive_inf: str
    negative_inf: str
    date_format: str | None
    timestamp_format: str | None
    timestamp_ntz_format: str | None
    enforce_schema: bool
    mode: str
    corrupt_column: str
    multiline: bool
    encoding: str
    line_sep: str | None
    sampling_ratio: float
    quote_all: bool
    escape_quotes: bool

    @classmethod
    def of(cls, options: dict, settings, writing: bool = False) -> "CsvOptions":
        """The options with Spark's defaults for reading, or for ``writing``."""
        mode = str(options.get("mode", "PERMISSIVE")).upper()
        encoding = options.get("encoding", options.get("charset", "UTF-8"))
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise IllegalArgumentException(f"Unsupported encoding: {encoding}") from None
        return cls(
            sep=_char_option(options, "sep", _char_option(options, "delimiter", ",")),
            quote=options.get("quote", '"')[:1].replace("\x00", ""),
            escape=_char_option(options, "escape", "\\"),
            comment=options.get("comment", "")[:1].replace("\x00", ""),
            header=_flag(options, "header", False),
            infer=_flag(options, "inferschema", False),
            prefer_date=_flag(options, "preferdate", True),
            ignore_leading=_flag(options, "ignoreleadingwhitespace", writing),
            ignore_trailing=_flag(options, "ignoretrailingwhitespace", writing),
            null_value=options.get("nullvalue", ""),
            empty_value=options.get("emptyvalue", '""' if writing else ""),
            nan_value=options.get("nanvalue", "NaN"),
            positive_inf=options.get("positiveinf", "Inf"),
            negative_inf=options.get("negativeinf", "-Inf"),
            date_format=options.get("dateformat"),
            timestamp_format=options.get("timestampformat"),
            timestamp_ntz_format=options.get("timestampntzformat"),
            enforce_schema=_flag(options, "enforceschema", True),
            mode=mode if mode in MODES else "PERMISSIVE",
            corrupt_column=options.get("columnnameofcorruptrecord", settings.corrupt_column),
            multiline=_flag(options, "multiline", False),
            encoding=encoding,
            line_sep=options.get("linesep"),
            sampling_ratio=float(options.get("samplingratio", 1.0)),
            quote_all=_flag(options, "quoteall", False),
            escape_quotes=_flag(options, "escapequotes", True))


# -- tokenizing ----------------------------------------------------------------------------------

class Tokenizer:
    """Univocity's parsing of records into fields (see the module's contract). A field is a string,
    ``""`` for a quoted empty field, or None for an unquoted empty one."""

    def __init__(self, opts: CsvOptions):
        self.sep, self.quote, self.escape = opts.sep, opts.quote, opts.escape
        self.leading, self.trailing, self.comment = opts.ignore_leading, opts.ignore_trailing, opts.comment
        self.field_end = re.compile(re.escape(self.sep) + r"|\r|\n")
        specials = {c for c in (self.quote, self.escape) if c}
        self.quote_or_escape = re.compile("|".join(re.escape(c) for c in specials)) if specials else None

    def record(self, s: str, i: int = 0) -> tuple[list, int]:
        """The fields of the record starting at ``s[i]`` and where the next record starts."""
        n, fields, sep = len(s), [], self.sep
        while True:
            if self.leading:
                while i < n and s[i] in _INLINE_BLANKS:
                    i += 1
            if i < n and self.quote and s[i] == self.quote:
                value, i = self._quoted(s, i, n)
            else:
                m = self.field_end.search(s, i)
                end = m.start() if m else n
                value = s[i:end].rstrip(_INLINE_BLANKS) if self.trailing else s[i:end]
                value, i = (value or None), end
            fields.append(value)
            if s.startswith(sep, i):
                i += len(sep)
                continue
            break
        if i < n and s[i] == "\r":
            i += 1
        if i < n and s[i] == "\n":
            i += 1
        return fields, i

    def _quoted(self, s: str, start: int, n: int) -> tuple[str, int]:
        q, e = self.quote, self.escape
        parts, i = [], start + 1
        chunk = i
        while True:
            m = self.quote_or_escape.search(s, i)
            if m is None:
                parts.append(s[chunk:])
                return "".join(parts), n
            j = m.start()
            c = s[j]
            if c == e and e != q:
                if j + 1 < n and s[j + 1] in (q, e):
                    parts.append(s[chunk:j] + s[j + 1])
                    i = chunk = j + 2
                else:
                    i = j + 1
                continue
            if e == q and j + 1 < n and s[j + 1] == q:
                parts.append(s[chunk:j] + q)
                i = chunk = j + 2
                continue
            content = "".join(parts) + s[chunk:j]
            k = j + 1
            while k < n and s[k] in _INLINE_BLANKS:
                k += 1
            if k >= n or s.startswith(self.sep, k) or s[k] in "\r\n":
                return content, k
            m = self.field_end.search(s, k)
            end = m.start() if m else n
            raw = q + content + s[j:end]
            return (raw.rstrip(_INLINE_BLANKS) if self.trailing else raw), end

    def records(self, text: str, with_end: bool = False):
        """(fields, raw text) of every record of a whole text (``multiLine``), blank and comment
        lines skipped; with ``with_end`` also where each record ends."""
        i, n = 0, len(text)
        while i < n:
            if text[i] in "\r\n":
                i += 1
                continue
            if self.comment and text.startswith(self.comment, i):
                m = re.compile(r"\r\n|\r|\n").search(text, i)
                i = m.end() if m else n
                continue
            fields, end = self.record(text, i)
            yield (fields, text[i:end].rstrip("\r\n"), end) if with_end else (fields, text[i:end].rstrip("\r\n"))
            i = end


@dataclass
class Tokens:
    """The fields of a piece's records as string columns (first ``count`` positions)."""
    columns: list            # pa.StringArray per position
    mismatched: pa.Array | None   # records with another number of fields than ``count``
    raw: list | None         # each record's text
    num_rows: int


def _well_formed_quotes(text: str, opts: CsvOptions, multiline: bool) -> bool:
    """Whether every quote in ``text`` belongs to a quoted field pyarrow reads as univocity does."""
    q, e, d = re.escape(opts.quote), re.escape(opts.escape), re.escape(opts.sep)
    breaks = "" if multiline else r"\r\n"
    if opts.escape == opts.quote:
        inner = f"(?:[^{q}{breaks}]|{q}{q})*"
    else:
        inner = f"(?:[^{q}{e}{breaks}]|{e}[{q}{e}])*"
    rest = re.sub(f"(?<![^{d}\\r\\n]){q}{inner}{q}(?![^{d}\\r\\n])", "", text)
    return opts.quote not in rest and (opts.escape == opts.quote or opts.escape not in rest)


def _arrow_tokens(text: str, count: int, opts: CsvOptions, multiline: bool):
    """String columns from ``pyarrow.csv``, or None when it would read ``text`` differently than
    Spark (then the Python tokenizer runs)."""
    if len(opts.sep) != 1 or opts.sep in "\r\n" or opts.ignore_leading or opts.ignore_trailing or count == 0:
        return None
    quoting = bool(opts.quote) and opts.quote in text
    if quoting and not _well_formed_quotes(text, opts, multiline):
        return None
    invalid = []

    def on_invalid(row):
        invalid.append(row)
        return "skip"
    names = [f"c{i}" for i in range(count)]
    try:
        table = pacsv.read_csv(
            pa.py_buffer(text.encode("utf-8")),
            read_options=pacsv.ReadOptions(column_names=names, use_threads=False),
            parse_options=pacsv.ParseOptions(
                delimiter=opts.sep, quote_char=opts.quote if quoting else False,
                escape_char=opts.escape if quoting and opts.escape != opts.quote else False,
                double_quote=quoting and opts.escape == opts.quote, newlines_in_values=multiline,
                ignore_empty_lines=True, invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                 strings_can_be_null=True, null_values=[""],
                                                 quoted_strings_can_be_null=False))
    except pa.ArrowInvalid:
        return None
    if invalid:
        return None
    return [table.column(i).combine_chunks() for i in range(count)]


def tokenize(text: str, count: int, opts: CsvOptions, first_in_file: bool, need_raw: bool,
             drop_line: str | None = None) -> tuple[Tokens, list | None]:
    """The records of a piece's text as ``count`` string columns and, for a file's first piece with
    ``header``, the header's fields. ``drop_line``: lines equal to it are left out (inference drops
    every copy of the header line, as Spark does)."""
    tokenizer = Tokenizer(opts)
    header = None
    if opts.multiline:
        body = text
        if opts.header and first_in_file:
            first = next(tokenizer.records(text, with_end=True), None)
            if first is not None:
                header, body = first[0], text[first[2]:]
        columns = None if need_raw or opts.comment else _arrow_tokens(body, count, opts, True)
        if columns is not None:
            return Tokens(columns, None, None, len(columns[0])), header
        records = list(tokenizer.records(body))
        rows, raw = [fields for fields, _ in records], [record for _, record in records]
    else:
        lines = [line for line in split_lines(text, opts.line_sep)
                 if line.strip(_BLANKS) and not (opts.comment and line.startswith(opts.comment))]
        if opts.header and first_in_file and lines:
            header = tokenizer.record(lines.pop(0))[0]
        if drop_line is not None:
            lines = [line for line in lines if line != drop_line]
        columns = _arrow_tokens("\n".join(lines), count, opts, False) if lines else [pa.array([], pa.string())] * count
        if columns is not None:
            return Tokens(columns, None, lines, len(lines)), header
        rows, raw = [tokenizer.record(line)[0] for line in lines], lines
    columns = [pa.array([r[j] if j < len(r) else None for r in rows], pa.string()) for j in range(count)]
    mismatched = pa.array([len(r) != count for r in rows], pa.bool_())
    return Tokens(columns, mismatched, raw, len(rows)), header


def nulls_and_empties(column: pa.Array, opts: CsvOptions) -> pa.Array:
    """Quoted empty fields become ``emptyValue``, then values equal to ``nullValue`` NULL."""
    if opts.empty_value != "":
        column = pc.if_else(pc.equal(column, ""), opts.empty_value, column)
    return pc.if_else(pc.equal(column, opts.null_value), pa.scalar(None, pa.string()), column)


# -- values --------------------------------------------------------------------------------------

def _per_distinct(column: pa.Array, convert, arrow_type) -> pa.Array:
    """``convert`` (None on failure) applied once per distinct string."""
    encoded = column.dictionary_encode()
    values = pa.array([convert(v) for v in encoded.dictionary.to_pylist()], arrow_type)
    return pc.take(values, encoded.indices)


def _java_integer(bits: int):
    low, high = -2 ** bits, 2 ** bits - 1

    def convert(s):
        if not re.fullmatch(r"[+-]?\d+", s):
            return None
        value = int(s)
        return value if low <= value <= high else None
    return convert


def _decimal(data_type: T.DecimalType):
    """Spark's CSV decimals (US locale): ``,`` grouping dropped, rounded HALF_UP, too wide is NULL."""
    quantum = decimal.Decimal(1).scaleb(-data_type.scale)
    limit = decimal.Decimal(10) ** (data_type.precision - data_type.scale)

    def convert(s):
        text = s.replace(",", "")
        if not BIG_DECIMAL.match(text):
            return None
        try:
            with decimal.localcontext(decimal.Context(prec=100, rounding=decimal.ROUND_HALF_UP)):
                value = decimal.Decimal(text).quantize(quantum)
        except decimal.InvalidOperation:
            return None       # more digits than any decimal holds
        return value if abs(value) < limit else None
    return convert


def convert_column(column: pa.Array, data_type, opts: CsvOptions, time_zone: str) -> pa.Array:
    """Strings (NULLs already NULL) to ``data_type`` as Spark's CSV parser converts them; a value
    that does not convert becomes NULL (the caller compares nulls to find them)."""
    arrow_type = T.to_arrow_type(data_type)
    if isinstance(data_type, (T.StringType, T.CharType, T.VarcharType)):
        return column
    if isinstance(data_type, T.IntegralType):
        bits = next(b for k, b in INTEGER_BITS.items() if isinstance(data_type, k))
        valid = pc.match_substring_regex(column, r"^[+-]?[0-9]+$")
        digits = pc.replace_substring_regex(pc.if_else(valid, column, pa.scalar(None, pa.string())), r"^\+", "")
        try:
            values = digits.cast(pa.int64())
            in_range = pc.and_(pc.greater_equal(values, -2 ** bits), pc.less_equal(values, 2 ** bits - 1))
            return pc.if_else(in_range, values, pa.scalar(None, pa.int64())).cast(arrow_type)
        except (pa.ArrowInvalid, OverflowError):
            return _per_distinct(column, _java_integer(bits), arrow_type)
    if isinstance(data_type, (T.DoubleType, T.FloatType)):
        trimmed = pc.utf8_trim(column, characters=_BLANKS)
        valid = pc.match_substring_regex(trimmed, _JAVA_DOUBLE)
        number = pc.replace_substring_regex(pc.if_else(valid, trimmed, pa.scalar(None, pa.string())), "[fFdD]$", "")
        try:
            values = number.cast(arrow_type)
        except pa.ArrowInvalid:
            values = _per_distinct(number, lambda v: float(v.replace("Infinity", "inf")), arrow_type)
        for text, special in ((opts.nan_value, "nan"), (opts.positive_inf, "inf"), (opts.negative_inf, "-inf")):
            values = pc.if_else(pc.equal(column, text), pa.scalar(float(special), arrow_type), values)
        return values
    if isinstance(data_type, T.DecimalType):
        return _per_distinct(column, _decimal(data_type), arrow_type)
    if isinstance(data_type, T.BooleanType):
        lower = pc.utf8_lower(column)
        return pc.if_else(pc.equal(lower, "true"), True,
                          pc.if_else(pc.equal(lower, "false"), False, pa.scalar(None, pa.bool_())))
    if isinstance(data_type, T.DateType):
        return _per_distinct(column, DateParser(opts.date_format), pa.int32()).cast(pa.date32())
    if isinstance(data_type, (T.TimestampType, T.TimestampNTZType)):
        ntz = isinstance(data_type, T.TimestampNTZType)
        parser = TimestampParser(opts.timestamp_ntz_format if ntz else opts.timestamp_format, time_zone, ntz)
        return _per_distinct(column, parser, pa.int64()).cast(arrow_type)
    if isinstance(data_type, T.BinaryType):
        return column.cast(pa.binary())
    return _per_distinct(column, lambda s: s, pa.string()).cast(arrow_type)


# -- inference -----------------------------------------------------------------------------------

_WIDER_NUMBER = [T.IntegerType, T.LongType, T.DoubleType]


def _decimal_of_integral(t):
    return T.DecimalType(10, 0) if isinstance(t, T.IntegerType) else T.DecimalType(20, 0)


def compatible_type(a, b):
    """Spark's CSV ``compatibleType`` (None when there is no common type)."""
    if a == b or isinstance(b, T.NullType):
        return a
    if isinstance(a, T.NullType):
        return b
    if isinstance(a, T.StringType) or isinstance(b, T.StringType):
        return T.StringType()
    if type(a) in _WIDER_NUMBER and type(b) in _WIDER_NUMBER:
        return max(a, b, key=lambda t: _WIDER_NUMBER.index(type(t)))
    if {type(a), type(b)} <= {T.DateType, T.TimestampType, T.TimestampNTZType}:
        return T.TimestampType() if T.TimestampType in {type(a), type(b)} else T.TimestampNTZType()
    if isinstance(a, (T.IntegerType, T.LongType)) and isinstance(b, T.DecimalType):
        return compatible_type(_decimal_of_integral(a), b)
    if isinstance(a, T.DecimalType) and isinstance(b, (T.IntegerType, T.LongType)):
        return compatible_type(a, _decimal_of_integral(b))
    if isinstance(a, T.DecimalType) and isinstance(b, T.DoubleType) or \
            isinstance(a, T.DoubleType) and isinstance(b, T.DecimalType):
        return T.DoubleType()
    if isinstance(a, T.DecimalType) and isinstance(b, T.DecimalType):
        scale = max(a.scale, b.scale)
        whole = max(a.precision - a.scale, b.precision - b.scale)
        return T.DoubleType() if whole + scale > 38 else T.DecimalType(whole + scale, scale)
    return None


class FieldInference:
    """Spark's CSV ``inferField``: the type of a column so far and its next value."""

    def __init__(self, opts: CsvOptions, time_zone: str):
        self.opts = opts
        self.date_value = DateParser(opts.date_format or DEFAULT_DATE)
        self.timestamp = TimestampParser(opts.timestamp_format, time_zone)
        self.timestamp_default = TimestampParser(opts.timestamp_ntz_format, time_zone, ntz=True)
        self.double = re.compile(_JAVA_DOUBLE)
        self.specials = {opts.nan_value, opts.positive_inf, opts.negative_inf}

    def infer_column(self, so_far, values: pa.Array):
        """The fold of ``infer`` over distinct values (no NULLs, no empty strings), at Arrow speed
        for columns of integers, of numbers with a fraction and of booleans."""
        if len(values) == 0:
            return so_far
        numeric = (T.NullType, T.IntegerType, T.LongType, T.DecimalType, T.DoubleType)
        if type(so_far) in numeric:
            integral = pc.match_substring_regex(values, r"^[+-]?[0-9]+$")
            if pc.all(integral).as_py() and type(so_far) in numeric[:3]:
                try:
                    bounds = pc.min_max(pc.replace_substring_regex(values, r"^\+", "").cast(pa.int64())).as_py()
                except pa.ArrowInvalid:
                    bounds = None       # beyond bigint: decimals, value by value
                if bounds is not None:
                    fits = -2 ** 31 <= bounds["min"] and bounds["max"] < 2 ** 31
                    return compatible_type(so_far, T.IntegerType() if fits else T.LongType())
            number = pc.or_(pc.match_substring_regex(pc.utf8_trim(values, characters=_BLANKS), _JAVA_DOUBLE),
                            pc.is_in(values, pa.array(sorted(self.specials), pa.string())))
            if pc.all(number).as_py() and not pc.all(pc.match_substring_regex(values, r"^[+-]?[0-9]+\.?$")).as_py():
                return T.DoubleType()        # a double among numbers: every number folds into double
        if type(so_far) in (T.NullType, T.BooleanType):
            if pc.all(pc.is_in(pc.utf8_lower(values), pa.array(["true", "false"]))).as_py():
                return T.BooleanType()
        for value in values.to_pylist():
            so_far = self.infer(so_far, value)
        return so_far

    def infer(self, so_far, s: str):
        steps = {T.NullType: self.integer, T.IntegerType: self.integer, T.LongType: self.long,
                 T.DecimalType: self.decimal, T.DoubleType: self.floating, T.DateType: self.date_type,
                 T.TimestampNTZType: self.timestamp_ntz, T.TimestampType: self.timestamp_type,
                 T.BooleanType: self.boolean, T.StringType: lambda _: T.StringType()}
        found = steps[type(so_far)](s)
        return compatible_type(so_far, found) or T.StringType()

    def integer(self, s):
        if re.fullmatch(r"[+-]?\d+", s) and -2 ** 31 <= int(s) < 2 ** 31:
            return T.IntegerType()
        return self.long(s)

    def long(self, s):
        if re.fullmatch(r"[+-]?\d+", s) and -2 ** 63 <= int(s) < 2 ** 63:
            return T.LongType()
        return self.decimal(s)

    def decimal(self, s):
        if BIG_DECIMAL.match(s):
            _, digits, exponent = decimal.Decimal(s).as_tuple()
            if exponent == 0 and len(digits) <= 38:
                return T.DecimalType(len(digits), 0)
        return self.floating(s)

    def floating(self, s):
        if self.double.match(s.strip(_BLANKS)) or s in self.specials:
            return T.DoubleType()
        return self.date_type(s) if self.opts.prefer_date else self.timestamp_ntz(s)

    def date_type(self, s):
        if self.date_value(s) is not None:
            return T.DateType()
        return self.timestamp_ntz(s)

    def timestamp_ntz(self, s):
        # a wall-clock time infers as spark.sql.timestampType, TIMESTAMP by default, like one with a zone
        if self.timestamp_default(s) is not None:
            return T.TimestampType()
        return self.timestamp_type(s)

    def timestamp_type(self, s):
        if self.timestamp(s) is not None:
            return T.TimestampType()
        return self.boolean(s)

    def boolean(self, s):
        return T.BooleanType() if s.lower() in ("true", "false") else T.StringType()


def safe_header(fields: list, opts: CsvOptions, case_sensitive: bool) -> list:
    """Spark's column names from a header record: blanks and ``nullValue`` become ``_c<i>``, duplicates
    get their position appended."""
    present = [f for f in fields if f is not None]
    keys = [f if case_sensitive else f.lower() for f in present]
    duplicates = {k for k in keys if keys.count(k) > 1}
    names = []
    for i, value in enumerate(fields):
        if value is None or value == "" or value == opts.null_value:
            names.append(f"_c{i}")
        elif (value if case_sensitive else value.lower()) in duplicates:
            names.append(f"{value}{i}")
        else:
            names.append(value)
    return names


# -- the source ----------------------------------------------------------------------------------

class CsvSource(FileSource):
    """CSV files (see the module's contract)."""

    name = "csv"
    type_name = "CSV"

    def __init__(self, files, data_schema, partition_schema, options, settings, roots):
        super().__init__(files, data_schema, partition_schema, options, settings, roots)
        self.csv = CsvOptions.of(options, settings)
        for field in data_schema.fields:
            if isinstance(field.dataType, (T.ArrayType, T.MapType, T.StructType)):
                raise unsupported_type(field, "CSV")
        corrupt = _field(data_schema, self.csv.corrupt_column)
        if corrupt is not None and not isinstance(corrupt.dataType, T.StringType):
            raise AnalysisException(errorClass="INVALID_CORRUPT_RECORD_TYPE", messageParameters={
                "columnName": f"`{corrupt.name}`", "actualType": f'"{T.sql_type_name(corrupt.dataType)}"'})
        self.corrupt = corrupt.name if corrupt is not None else None
        self.arrow_only = not self.csv.multiline and not self.csv.comment

    @classmethod
    def infer_schema(cls, session, files, options, settings):
        opts = CsvOptions.of(options, settings)
        if not files:
            return None
        tasks = plan_splits(files, settings, lambda uri: _splittable(opts, uri))
        first = _first_record(tasks, opts, settings)
        if first is None:
            return T.StructType([])
        fields, line = first
        names = safe_header(fields, opts, settings.case_sensitive) if opts.header else \
            [f"_c{i}" for i in range(len(fields))]
        if not opts.infer:
            return T.StructType([T.StructField(n, T.StringType(), True) for n in names])
        drop = line if opts.header else None
        partial = run_tasks(session, tasks, lambda task, index: _infer_task(task, index, len(names), opts, settings,
                                                                            drop))
        types = [T.NullType()] * len(names)
        for found in partial:
            types = [compatible_type(a, b) or T.StringType() for a, b in zip(types, found)]
        return T.StructType([T.StructField(n, T.StringType() if isinstance(t, T.NullType) else t, True)
                             for n, t in zip(names, types)])

    def splittable(self, uri: str) -> bool:
        return _splittable(self.csv, uri)

    def read_piece(self, fs, path, piece, fields):
        opts = self.csv
        data_fields = [f for f in self.data_schema.fields if f.name != self.corrupt]
        positions = {f.name: i for i, f in enumerate(data_fields)}
        wanted = [f for f in fields if f.name != self.corrupt]
        corrupt_wanted = self.corrupt is not None and any(f.name == self.corrupt for f in fields)
        if corrupt_wanted and not wanted:
            raise only_corrupt_column_error()
        text = _piece_text(fs, path, piece, opts, self.splittable(piece.uri))
        tokens, header = tokenize(text, len(data_fields), opts, piece.start == 0,
                                  need_raw=corrupt_wanted and opts.multiline)
        if header is not None and not opts.enforce_schema:
            _check_header(header, data_fields, piece.uri, self.settings.case_sensitive)
        arrays, failed = [], tokens.mismatched if (self.corrupt is not None or opts.mode != "PERMISSIVE") else None
        for field in wanted:
            strings = nulls_and_empties(tokens.columns[positions[field.name]], opts)
            converted = convert_column(strings, field.dataType, opts, self.settings.time_zone)
            arrays.append(converted)
            bad = pc.and_(strings.is_valid(), converted.is_null())
            failed = bad if failed is None else pc.or_(failed, bad)
        if not wanted:
            dropped = failed.true_count if failed is not None and opts.mode == "DROPMALFORMED" else 0
            yield select_columns({}, [], tokens.num_rows - dropped)
            return
        by_name = finish_rows(wanted, arrays, failed, tokens.raw, opts.mode, self.corrupt, [f.name for f in fields])
        yield select_columns(by_name, [f.name for f in fields], len(next(iter(by_name.values()))))


def _field(schema, name: str):
    return next((f for f in schema.fields if f.name == name), None)


def _splittable(opts: CsvOptions, uri: str) -> bool:
    return not opts.multiline and compression_of(uri) is None


def _piece_text(fs, path: str, piece, opts: CsvOptions, splittable: bool) -> str:
    if splittable:
        data = read_line_range(fs, path, piece.start, piece.length, (opts.line_sep or "\n").encode(opts.encoding))
    else:
        data = read_whole(fs, path)
    text = data.decode(opts.encoding, "replace")
    return text[1:] if piece.start == 0 and text.startswith("\ufeff") else text


def _check_header(header: list, fields: list, uri: str, case_sensitive: bool) -> None:
    names = [f.name for f in fields]
    for expected, found in zip(names, header):
        same = expected == found if case_sensitive else expected.lower() == (found or "").lower()
        if not same:
            raise IllegalArgumentException(
                "CSV header does not conform to the schema.\n Header: " + ", ".join(map(str, header)) +
                "\n Schema: " + ", ".join(names) + f"\nExpected: {expected} but found: {found}\nCSV file: {uri}")


def _first_record(tasks: list, opts: CsvOptions, settings):
    """(fields, line) of the first record of the first task that has one, as Spark takes it."""
    tokenizer = Tokenizer(opts)
    for task in tasks:
        for piece in task:
            fs, path = settings.resolve(piece.uri)
            text = _piece_text(fs, path, piece, opts, _splittable(opts, piece.uri))
            if opts.multiline:
                for fields, raw in tokenizer.records(text):
                    return fields, raw
                continue
            for line in split_lines(text, opts.line_sep):
                if line.strip(_BLANKS) and not (opts.comment and line.startswith(opts.comment)):
                    return tokenizer.record(line)[0], line
    return None


def _infer_task(task: list, index: int, count: int, opts: CsvOptions, settings, drop_line) -> list:
    """The types a task's records suggest for each column."""
    inference = FieldInference(opts, settings.time_zone)
    sampler = random.Random(1 + index) if opts.sampling_ratio < 1 else None
    types = [T.NullType()] * count
    for piece in task:
        fs, path = settings.resolve(piece.uri)
        text = _piece_text(fs, path, piece, opts, _splittable(opts, piece.uri))
        tokens, _ = tokenize(text, count, opts, piece.start == 0 and opts.multiline, need_raw=False,
                             drop_line=None if opts.multiline else drop_line)
        keep = None
        if sampler is not None:
            keep = pa.array([sampler.random() < opts.sampling_ratio for _ in range(tokens.num_rows)], pa.bool_())
        for j, column in enumerate(tokens.columns):
            column = nulls_and_empties(column, opts)
            if keep is not None:
                column = column.filter(keep)
            distinct = pc.unique(column.drop_null())
            types[j] = inference.infer_column(types[j], distinct.filter(pc.not_equal(distinct, "")))
    return types


# -- the writer ----------------------------------------------------------------------------------

class CsvWriter:
    """CSV part files (see the module's contract)."""

    def __init__(self, schema: T.StructType, options: dict, settings):
        for field in schema.fields:
            if isinstance(field.dataType, (T.ArrayType, T.MapType, T.StructType, T.NullType)):
                raise unsupported_type(field, "CSV")
        self.opts = CsvOptions.of(options, settings, writing=True)
        self.schema, self.time_zone = schema, settings.time_zone
        self.stream_compression, codec_extension = text_codec(options)
        self.extension = ".csv" + codec_extension
        self.formats = write_formatters(self.opts, self.time_zone)

    def open(self, stream):
        return _CsvFile(stream, self)


class _CsvFile:
    def __init__(self, stream, writer: CsvWriter):
        self.stream, self.writer, self.opts = stream, writer, writer.opts
        self.line_sep = self.opts.line_sep or "\n"
        if self.opts.header:
            self._emit([self._quoted(pa.array([f.name], pa.string()), i == 0)
                        for i, f in enumerate(writer.schema.fields)])

    def _formatted(self, array: pa.Array, data_type) -> pa.Array:
        formatter = self.writer.formats.get(type(data_type))
        if formatter is not None:
            return formatter(array)
        if isinstance(data_type, T.BinaryType):
            return array.cast(pa.string(), safe=False)
        return to_string(array, data_type, self.writer.time_zone, nested=False)

    def _quoted(self, text: pa.Array, first: bool = False) -> pa.Array:
        """Values as written: trimmed, quoted when they must be (a first field starting with the
        comment character too, as univocity writes it), NULL as ``nullValue``."""
        opts = self.opts
        if opts.quote_all:
            text = pc.fill_null(text, opts.null_value)
        if opts.ignore_leading:
            text = pc.utf8_ltrim(text, characters=_BLANKS)
        if opts.ignore_trailing:
            text = pc.utf8_rtrim(text, characters=_BLANKS)
        empty = pc.equal(text, "")
        if not opts.quote:
            return pc.if_else(empty, opts.empty_value, text)
        specials = [opts.sep, "\r", "\n"] + ([opts.quote] if opts.escape_quotes else [])
        pattern = "|".join(re.escape(s) for s in specials)
        if first:
            pattern += "|^" + re.escape(opts.comment or "#")
        needs = pa.repeat(True, len(text)) if opts.quote_all else pc.match_substring_regex(text, pattern)
        escaped = text
        if opts.escape != opts.quote:
            escaped = pc.replace_substring(escaped, opts.escape, opts.escape + opts.escape)
        escaped = pc.replace_substring(escaped, opts.quote, opts.escape + opts.quote)
        quoted = pc.binary_join_element_wise(opts.quote, escaped, opts.quote, "")
        return pc.fill_null(pc.if_else(empty, opts.empty_value, pc.if_else(needs, quoted, text)), opts.null_value)

    def write(self, batch: pa.RecordBatch) -> None:
        self._emit([self._quoted(self._formatted(array, field.dataType), i == 0)
                    for i, (array, field) in enumerate(zip(batch.columns, self.writer.schema.fields))])

    def _emit(self, columns: list) -> None:
        lines = pc.binary_join_element_wise(*columns, self.opts.sep) if columns else pa.array([], pa.string())
        data = joined_lines(lines, self.line_sep)
        if self.opts.encoding.lower().replace("-", "") in ("utf8", "utf_8"):
            self.stream.write(data)
        else:
            self.stream.write(data.to_pybytes().decode("utf-8").encode(self.opts.encoding, "replace"))

    def close(self) -> None:
        """Nothing is buffered: the stream is the commit protocol's to close."""

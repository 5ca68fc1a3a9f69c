"""``pyspark.sql.functions``' string, regular-expression and hash functions, with PySpark 4.3's
names and signatures.

Contract: each function returns a ``Column`` holding an unresolved call of the SQL function of the
same name (``sparklite.sql.builtins.strings``, ``regexp``, ``formatting``, ``hashes``), with its
arguments in Spark's SQL order. Where PySpark's parameter is ``ColumnOrName`` a string names a
column; where PySpark takes a Python value (``lpad``'s ``pad``, ``locate``'s ``substr``,
``regexp_extract``'s ``pattern``, ``split``'s ``pattern``, ...) a string is a literal, as in PySpark.
"""
from __future__ import annotations

from sparklite.sql.column import Column, literal
from sparklite.sql.column import column_expression as _column
from sparklite.sql.errors import PySparkTypeError, PySparkValueError
from sparklite.sql.plan.expressions import UnresolvedFunction

__all__ = [
    "ascii", "base64", "bit_length", "btrim", "char", "char_length", "character_length", "chr", "concat",
    "concat_ws", "contains", "crc32", "elt", "endswith", "find_in_set", "format_number", "format_string", "hash",
    "ilike", "initcap", "instr", "lcase", "left", "length", "levenshtein", "like", "locate", "lower", "lpad",
    "ltrim", "md5", "octet_length", "overlay", "position", "printf", "regexp", "regexp_count", "regexp_extract",
    "regexp_extract_all", "regexp_instr", "regexp_like", "regexp_replace", "regexp_substr", "repeat", "replace",
    "reverse", "right", "rlike", "rpad", "rtrim", "sha", "sha1", "sha2", "soundex", "split", "split_part",
    "startswith", "substr", "substring", "substring_index", "to_binary", "translate", "trim", "try_to_binary",
    "ucase", "unbase64", "upper", "xxhash64",
]




def _value(value):
    """A Column, or a Python value as a literal (PySpark's ``lit``)."""
    return value._expr if isinstance(value, Column) else literal(value)


def _int_or_column(value):
    """PySpark's ``Union[ColumnOrName, int]``: an int is a literal, a string names a column."""
    return literal(value) if isinstance(value, int) and not isinstance(value, bool) else _column(value)


def _call(name: str, *args) -> Column:
    return Column(UnresolvedFunction(name, list(args)))


def _columns(name: str, *cols) -> Column:
    return _call(name, *(_column(c) for c in cols))


# -- case and length ------------------------------------------------------------------------------

def upper(col) -> Column:
    """The string in upper case."""
    return _columns("upper", col)


def lower(col) -> Column:
    """The string in lower case."""
    return _columns("lower", col)


def ucase(str) -> Column:
    """The string in upper case."""
    return _columns("ucase", str)


def lcase(str) -> Column:
    """The string in lower case."""
    return _columns("lcase", str)


def initcap(col) -> Column:
    """Each space-separated word with its first letter in upper case and the rest in lower case."""
    return _columns("initcap", col)


def length(col) -> Column:
    """The number of characters of a string, or of bytes of a binary value."""
    return _columns("length", col)


def char_length(str) -> Column:
    """The number of characters of a string (bytes of a binary value)."""
    return _columns("char_length", str)


def character_length(str) -> Column:
    """The number of characters of a string (bytes of a binary value)."""
    return _columns("character_length", str)


def octet_length(col) -> Column:
    """The number of bytes of a string or binary value."""
    return _columns("octet_length", col)


def bit_length(col) -> Column:
    """The number of bits of a string or binary value."""
    return _columns("bit_length", col)


# -- trimming and padding -------------------------------------------------------------------------

def _trim(name: str, col, trim) -> Column:
    # SQL's trim(trimStr, str) takes the characters first
    return _columns(name, col) if trim is None else _call(name, _column(trim), _column(col))


def trim(col, trim=None) -> Column:
    """The string without leading and trailing spaces (or characters of ``trim``)."""
    return _trim("trim", col, trim)


def ltrim(col, trim=None) -> Column:
    """The string without leading spaces (or characters of ``trim``)."""
    return _trim("ltrim", col, trim)


def rtrim(col, trim=None) -> Column:
    """The string without trailing spaces (or characters of ``trim``)."""
    return _trim("rtrim", col, trim)


def btrim(str, trim=None) -> Column:
    """The string without leading and trailing spaces (or characters of ``trim``)."""
    return _columns("btrim", str) if trim is None else _columns("btrim", str, trim)


def lpad(col, len, pad) -> Column:
    """The string left-padded with ``pad`` to ``len`` characters (cut when longer)."""
    return _call("lpad", _column(col), _value(len), _value(pad))


def rpad(col, len, pad) -> Column:
    """The string right-padded with ``pad`` to ``len`` characters (cut when longer)."""
    return _call("rpad", _column(col), _value(len), _value(pad))


# -- substrings -----------------------------------------------------------------------------------

def substring(str, pos, len) -> Column:
    """``len`` characters from 1-based position ``pos`` (negative counts from the end)."""
    return _call("substring", _column(str), _int_or_column(pos), _int_or_column(len))


def substr(str, pos, len=None) -> Column:
    """``len`` characters (all the rest when None) from 1-based position ``pos``."""
    return _columns("substr", str, pos) if len is None else _columns("substr", str, pos, len)


def left(str, len) -> Column:
    """The leftmost ``len`` characters."""
    return _columns("left", str, len)


def right(str, len) -> Column:
    """The rightmost ``len`` characters."""
    return _columns("right", str, len)


def substring_index(str, delim: str, count: int) -> Column:
    """The text before the ``count``-th ``delim`` (after it, counting from the end, when negative)."""
    return _call("substring_index", _column(str), literal(delim), literal(count))


def overlay(src, replace, pos, len=-1) -> Column:
    """``src`` with ``len`` characters from ``pos`` replaced by ``replace``."""
    for name, value in (("pos", pos), ("len", len)):
        if not isinstance(value, (int, str, Column)):
            raise PySparkTypeError(errorClass="NOT_EXPECTED_TYPE",
                                   messageParameters={"expected_type": "Column, int or str", "arg_name": name,
                                                      "arg_type": type(value).__name__})
    return _call("overlay", _column(src), _column(replace), _int_or_column(pos), _int_or_column(len))


# -- concatenation and splitting ------------------------------------------------------------------

def concat(*cols) -> Column:
    """The values joined: strings, binary values or arrays."""
    return _columns("concat", *cols)


def concat_ws(sep: str, *cols) -> Column:
    """The non-NULL strings (and array elements) joined by ``sep``."""
    return _call("concat_ws", literal(sep), *(_column(c) for c in cols))


def split(str, pattern, limit=-1) -> Column:
    """The string split around matches of the regular expression ``pattern`` (at most ``limit``
    pieces when positive)."""
    return _call("split", _column(str), _value(pattern), _int_or_column(limit))


def split_part(src, delimiter, partNum) -> Column:
    """Piece ``partNum`` (1-based, negative from the end) of the string split at ``delimiter``."""
    return _columns("split_part", src, delimiter, partNum)


def elt(*inputs) -> Column:
    """The input chosen by the 1-based index in the first column."""
    return _columns("elt", *inputs)


# -- searching ------------------------------------------------------------------------------------

def instr(str, substr, start=None, occurrence=None) -> Column:
    """1-based position of the ``occurrence``-th ``substr`` from ``start``, 0 if there is none."""
    args = [_column(str), _value(substr)]
    if start is not None or occurrence is not None:
        args.append(_value(1 if start is None else start))
    if occurrence is not None:
        args.append(_value(occurrence))
    return _call("instr", *args)


def locate(substr: str, str, pos: int = 1) -> Column:
    """1-based position of the first ``substr`` at or after ``pos``, 0 if there is none."""
    return _call("locate", literal(substr), _column(str), literal(pos))


def position(substr, str, start=None) -> Column:
    """1-based position of the first ``substr`` at or after ``start``, 0 if there is none."""
    return _columns("position", substr, str) if start is None else _columns("position", substr, str, start)


def find_in_set(str, str_array) -> Column:
    """1-based index of ``str`` in the comma-separated list ``str_array``, 0 if absent."""
    return _columns("find_in_set", str, str_array)


def contains(left, right) -> Column:
    """Whether ``right`` occurs in ``left``."""
    return _columns("contains", left, right)


def startswith(str, prefix) -> Column:
    """Whether the string starts with ``prefix``."""
    return _columns("startswith", str, prefix)


def endswith(str, suffix) -> Column:
    """Whether the string ends with ``suffix``."""
    return _columns("endswith", str, suffix)


def like(str, pattern, escapeChar=None) -> Column:
    """SQL LIKE (``_`` one character, ``%`` any run; ``escapeChar`` defaults to a backslash)."""
    args = [_column(str), _column(pattern)]
    return _call("like", *args) if escapeChar is None else _call("like", *args, _column(escapeChar))


def ilike(str, pattern, escapeChar=None) -> Column:
    """Case-insensitive SQL LIKE."""
    args = [_column(str), _column(pattern)]
    return _call("ilike", *args) if escapeChar is None else _call("ilike", *args, _column(escapeChar))


# -- rewriting ------------------------------------------------------------------------------------

def reverse(col) -> Column:
    """The string (binary value, array) backwards."""
    return _columns("reverse", col)


def repeat(col, n) -> Column:
    """The string repeated ``n`` times."""
    return _call("repeat", _column(col), _int_or_column(n))


def translate(srcCol, matching: str, replace: str) -> Column:
    """Each character of ``matching`` replaced by the one at its place in ``replace`` (removed
    when ``replace`` is shorter)."""
    return _call("translate", _column(srcCol), literal(matching), literal(replace))


def replace(src, search, replace=None) -> Column:
    """Every ``search`` replaced by ``replace`` (removed when None)."""
    return _columns("replace", src, search) if replace is None else _columns("replace", src, search, replace)


def ascii(col) -> Column:
    """The code point of the first character (0 for an empty string)."""
    return _columns("ascii", col)


def chr(n) -> Column:
    """The character of the code ``n`` modulo 256 ('' when negative)."""
    return _columns("chr", n)


def char(col) -> Column:
    """The character of the code modulo 256 ('' when negative)."""
    return _columns("char", col)


def base64(col) -> Column:
    """The binary value in base64 (MIME lines of 76 characters)."""
    return _columns("base64", col)


def unbase64(col) -> Column:
    """The base64 text decoded to binary."""
    return _columns("unbase64", col)


def to_binary(col, format=None) -> Column:
    """The string read as 'hex' (the default), 'utf-8' or 'base64'."""
    return _columns("to_binary", col) if format is None else _columns("to_binary", col, format)


def try_to_binary(col, format=None) -> Column:
    """``to_binary`` giving NULL for malformed input."""
    return _columns("try_to_binary", col) if format is None else _columns("try_to_binary", col, format)


def format_string(format: str, *cols) -> Column:
    """``printf``-style formatting, as Java's ``String.format``."""
    return _call("format_string", literal(format), *(_column(c) for c in cols))


def printf(format, *cols) -> Column:
    """``printf``-style formatting, as Java's ``String.format``."""
    return _columns("printf", format, *cols)


def format_number(col, d: int) -> Column:
    """The number rounded half-even to ``d`` decimals, with grouping commas."""
    return _call("format_number", _column(col), literal(d))


def levenshtein(left, right, threshold: int | None = None) -> Column:
    """The Levenshtein distance of two strings (-1 when above ``threshold``)."""
    if threshold is None:
        return _columns("levenshtein", left, right)
    return _call("levenshtein", _column(left), _column(right), literal(threshold))


def soundex(col) -> Column:
    """The string's American soundex code."""
    return _columns("soundex", col)


# -- regular expressions --------------------------------------------------------------------------

def rlike(str, regexp) -> Column:
    """Whether the Java regular expression matches part of the string."""
    return _columns("rlike", str, regexp)


def regexp(str, regexp) -> Column:
    """Whether the Java regular expression matches part of the string."""
    return _columns("regexp", str, regexp)


def regexp_like(str, regexp) -> Column:
    """Whether the Java regular expression matches part of the string."""
    return _columns("regexp_like", str, regexp)


def regexp_replace(string, pattern, replacement, position=None) -> Column:
    """Every match of ``pattern`` (from ``position`` on) replaced; ``$1`` names a group."""
    args = [_column(string), _value(pattern), _value(replacement)]
    return _call("regexp_replace", *args, *([] if position is None else [_value(position)]))


def regexp_extract(str, pattern: str, idx: int) -> Column:
    """Group ``idx`` of the first match ('' when there is none)."""
    return _call("regexp_extract", _column(str), literal(pattern), literal(idx))


def regexp_extract_all(str, regexp, idx=None) -> Column:
    """Group ``idx`` (default 1) of every match."""
    args = [_column(str), _column(regexp)]
    return _call("regexp_extract_all", *args, *([] if idx is None else [_value(idx)]))


def regexp_count(str, regexp) -> Column:
    """The number of matches."""
    return _columns("regexp_count", str, regexp)


def regexp_substr(str, regexp) -> Column:
    """The first match (NULL when there is none)."""
    return _columns("regexp_substr", str, regexp)


def regexp_instr(str, regexp, idx=None) -> Column:
    """1-based position of the first match (of its group ``idx``), 0 when there is none."""
    args = [_column(str), _column(regexp)]
    return _call("regexp_instr", *args, *([] if idx is None else [_value(idx)]))


# -- digests and hashes ---------------------------------------------------------------------------

def md5(col) -> Column:
    """The MD5 digest, in hex."""
    return _columns("md5", col)


def sha1(col) -> Column:
    """The SHA-1 digest, in hex."""
    return _columns("sha1", col)


def sha(col) -> Column:
    """The SHA-1 digest, in hex."""
    return _columns("sha", col)


def sha2(col, numBits: int) -> Column:
    """The SHA-2 digest of ``numBits`` (224, 256, 384, 512; 0 means 256), in hex."""
    if numBits not in (0, 224, 256, 384, 512):
        raise PySparkValueError(errorClass="VALUE_NOT_ALLOWED",
                                messageParameters={"arg_name": "numBits",
                                                   "allowed_values": "[0, 224, 256, 384, 512]"})
    return _call("sha2", _column(col), literal(numBits))


def crc32(col) -> Column:
    """The CRC-32 checksum, as a bigint."""
    return _columns("crc32", col)


def hash(*cols) -> Column:
    """Spark's Murmur3 hash of the columns, as an int."""
    return _columns("hash", *cols)


def xxhash64(*cols) -> Column:
    """Spark's xxHash64 of the columns, as a bigint."""
    return _columns("xxhash64", *cols)

"""The text of ``DataFrame.show()``: Spark 4's pretty strings of values, and the table around them.

Contract:
* ``format_column`` turns an Arrow column into the strings Spark's ``ToPrettyString`` gives its
  values: ``NULL`` for a null at any depth, Java's ``Double.toString``/``Float.toString`` for
  floating point, plain-notation decimals with their scale, binary as ``[01 02 FF]``, dates and
  timestamps in the proleptic Gregorian calendar (years past 9999 signed ``+``), instants in the
  session time zone, durations as ANSI ``DAY TO SECOND`` interval literals, arrays ``[a, b]``,
  maps ``{k -> v}`` and structs ``{a, b}`` without field names. Columns are formatted a whole array
  at a time (Arrow compute or one pass in Python), nested ones by formatting their child arrays once.
* ``show_string`` is ``Dataset.showString``: it escapes control characters, truncates cells to
  ``truncate`` characters, measures widths in half-width units (Spark's ``Utils.stringHalfWidth``:
  UTF-16 code units, East Asian full-width characters twice) and lays out the horizontal table or
  the vertical ``-RECORD n`` listing with its footer. The text has no final newline (``show``
  prints it with one).
* ``show_table`` formats and lays out the first ``n`` rows of a ``pyarrow.Table``.

Arrow types are read with sparklite's fixed Spark mapping: ``duration`` is ``DayTimeIntervalType``,
a ``timestamp`` with a zone is an instant (``TimestampType``) and one without is wall-clock time
(``TimestampNTZType``). A ``YearMonthIntervalType`` column arrives as ``int32`` and prints as one.
"""
from __future__ import annotations

import decimal
import math
import re
import struct

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

NULL_TEXT = "NULL"
DEFAULT_TRUNCATE = 20
MIN_COLUMN_WIDTH = 3

# Spark's Utils.stringHalfWidth counts these BMP ranges as two columns wide.
_FULL_WIDTH = re.compile("[\u1100-\u115F\u2E80-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE10-\uFE19"
                         "\uFE30-\uFE6F\uFF00-\uFF60\uFFE0-\uFFE6]")
_ASTRAL = re.compile("[\U00010000-\U0010FFFF]")
# SchemaUtils.escapeMetaCharacters: control characters that would break the table's lines.
_META_ESCAPES = str.maketrans({"\n": "\\n", "\r": "\\r", "\t": "\\t", "\f": "\\f", "\b": "\\b",
                               "\v": "\\v", "\a": "\\a"})

_MICROS_PER_DAY = 86_400_000_000


def format_column(array: pa.Array | pa.ChunkedArray, time_zone: str = "UTC") -> list[str]:
    """Each value of ``array`` as ``DataFrame.show()`` prints it (before escaping and truncation).

    ``time_zone`` is the session time zone that instants (timestamps with a zone) are shown in.
    """
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks() if array.num_chunks != 1 else array.chunk(0)
    return _format(array, time_zone)


def _format(array: pa.Array, time_zone: str) -> list[str]:
    kind = array.type
    if pa.types.is_dictionary(kind):
        return _format(array.dictionary_decode(), time_zone)
    if pa.types.is_null(kind):
        return [NULL_TEXT] * len(array)
    if pa.types.is_boolean(kind):
        return _with_nulls(pc.if_else(array, "true", "false"))
    if pa.types.is_integer(kind):
        return _with_nulls(pc.cast(array, pa.string()))
    if pa.types.is_floating(kind):
        return _format_floating(array)
    if pa.types.is_decimal(kind):
        return _format_decimal(array)
    if pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_string_view(kind):
        return _with_nulls(array)
    if pa.types.is_binary(kind) or pa.types.is_large_binary(kind) or pa.types.is_fixed_size_binary(kind) \
            or pa.types.is_binary_view(kind):
        return [NULL_TEXT if b is None else "[" + b.hex(" ").upper() + "]" for b in array.to_pylist()]
    if pa.types.is_date(kind):
        return _format_date(array)
    if pa.types.is_timestamp(kind):
        return _format_timestamp(array, time_zone)
    if pa.types.is_duration(kind):
        return _format_day_time_interval(array)
    if pa.types.is_map(kind):
        return _format_map(array, time_zone)
    if pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_fixed_size_list(kind) \
            or pa.types.is_list_view(kind) or pa.types.is_large_list_view(kind):
        return _format_list(array, time_zone)
    if pa.types.is_struct(kind):
        return _format_struct(array, time_zone)
    return [NULL_TEXT if v is None else str(v) for v in array.to_pylist()]


def _with_nulls(strings: pa.Array) -> list[str]:
    return pc.fill_null(strings, NULL_TEXT).to_pylist()


# ---- numbers ----------------------------------------------------------------------------------
#
# Double.toString and Float.toString on Java 17, which PySpark 4 runs on, are FloatingDecimal's
# dtoa (Java 8 to 18; Java 19 and later print the shortest digits everywhere). dtoa prints the
# shortest round-tripping digits, as numpy does, except for integers from 2^54 (2^25 for floats)
# on, which below 2^63 print their exact digits less a count of "insignificant" ones and above it
# may keep an end of their rounding interval; exact powers of two, whose interval it narrows; and
# subnormals, which can print more digits than the shortest. Those families run through
# ``_jdk_digits``, an emulation of dtoa; the rest take numpy's shortest repr, computed in C for the
# whole array. Both agree with PySpark 4.3 on Java 17 over millions of random values.

def _format_floating(array: pa.Array) -> list[str]:
    if pa.types.is_float16(array.type):
        array = pc.cast(array, pa.float32())
    single = pa.types.is_float32(array.type)
    values = pc.fill_null(array, 0).to_numpy(zero_copy_only=False)
    magnitudes = np.abs(values)
    if single:
        bits = values.view(np.uint32)
        exponent, mantissa = (bits >> 23) & 0xFF, bits & 0x7FFFFF
        emulate = (exponent == 0) | (mantissa == 0) | (magnitudes >= 2.0 ** 25)
    else:
        bits = values.view(np.uint64)
        exponent, mantissa = (bits >> 52) & 0x7FF, bits & 0xFFFFFFFFFFFFF
        emulate = (exponent == 0) | (mantissa == 0) | (magnitudes >= 2.0 ** 54)
    positional = (magnitudes >= 1e-3) & (magnitudes < 1e7)
    texts = values.astype(str).tolist()
    valid = array.is_valid().to_pylist() if array.null_count else None
    out = []
    for i, (text, value, slow, plain) in enumerate(zip(texts, values.tolist(), emulate.tolist(),
                                                       positional.tolist())):
        if valid is not None and not valid[i]:
            out.append(NULL_TEXT)
        elif slow or not math.isfinite(value):
            out.append(java_float_string(value, single))
        elif plain and "e" not in text:
            out.append(text)        # numpy prints this range positionally with a ".0", as Java does
        else:
            digits, exponent = _decimal_digits(text.lstrip("-"))
            out.append(_java_layout("-" if value < 0 else "", digits, exponent + 1))
    return out


def java_float_string(value: float, single: bool = False) -> str:
    """``value`` as Java 17's ``Double.toString``, or ``Float.toString`` when ``single``."""
    if value != value:
        return "NaN"
    if value in (math.inf, -math.inf):
        return "Infinity" if value > 0 else "-Infinity"
    sign = "-" if math.copysign(1.0, value) < 0 else ""
    if value == 0:
        return sign + "0.0"
    if single:
        bits = struct.unpack("<I", struct.pack("<f", value))[0]
        exponent, mantissa = (bits >> 23) & 0xFF, bits & 0x7FFFFF
        if exponent:
            fraction, bin_exp, significant = mantissa | 1 << 23, exponent - 127, 24
        else:
            significant = mantissa.bit_length()
            fraction, bin_exp = mantissa << (24 - significant), -126 - (24 - significant)
        fraction <<= 29         # dtoa works on a double's 53-bit layout
    else:
        bits = struct.unpack("<Q", struct.pack("<d", value))[0]
        exponent, mantissa = (bits >> 52) & 0x7FF, bits & 0xFFFFFFFFFFFFF
        if exponent:
            fraction, bin_exp, significant = mantissa | 1 << 52, exponent - 1023, 53
        else:
            significant = mantissa.bit_length()
            fraction, bin_exp = mantissa << (53 - significant), -1022 - (53 - significant)
    digits, dec_exponent = _jdk_digits(fraction, bin_exp, significant)
    return _java_layout(sign, digits, dec_exponent)


def _java_layout(sign: str, digits: str, dec_exponent: int) -> str:
    """Java's layout of ``0.DIGITS x 10^dec_exponent``: plain from 10^-3 to 10^7, else ``d.dddEn``."""
    if 0 < dec_exponent < 8:
        if len(digits) <= dec_exponent:
            return f"{sign}{digits}{'0' * (dec_exponent - len(digits))}.0"
        return f"{sign}{digits[:dec_exponent]}.{digits[dec_exponent:]}"
    if -3 < dec_exponent <= 0:
        return f"{sign}0.{'0' * -dec_exponent}{digits}"
    return f"{sign}{digits[0]}.{digits[1:] or '0'}E{dec_exponent - 1}"


def _decimal_digits(text: str) -> tuple[str, int]:
    """``'1.25e-07'`` -> ``('125', -7)``: significant digits and the exponent of the first one."""
    mantissa, _, power = text.partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = whole + fraction
    exponent = len(whole) - 1 + (int(power) if power else 0)
    stripped = digits.lstrip("0")
    exponent -= len(digits) - len(stripped)
    return stripped.rstrip("0") or "0", exponent


# dtoa's tables: bits of 5^i (0 for i = 0), and the digits of 2^p that it counts as insignificant
_POW5_BITS = [0] + [(5 ** i).bit_length() for i in range(1, 27)]
_INSIGNIFICANT_DIGITS = [len(str(1 << p)) - 1 if p > 1 else 0 for p in range(64)]


def _jdk_digits(fraction: int, bin_exp: int, significant: int) -> tuple[str, int]:
    """FloatingDecimal's digits of ``fraction * 2^(bin_exp - 52)`` (``fraction`` has bit 52 set and
    ``significant`` meaningful bits), as ``(digits, e)`` with value ``0.digits x 10^e``."""
    tail_zeros = (fraction & -fraction).bit_length() - 1
    fraction_bits = 53 - tail_zeros
    tiny_bits = max(0, fraction_bits - bin_exp - 1)
    if -21 <= bin_exp <= 62 and tiny_bits == 0:
        # an integer below 2^63: its exact digits, rounded off past what 2^bin_exp can tell apart
        insignificant = _INSIGNIFICANT_DIGITS[bin_exp - significant - 1] if bin_exp > significant else 0
        value = fraction << (bin_exp - 52) if bin_exp >= 52 else fraction >> (52 - bin_exp)
        if insignificant:
            value, residue = divmod(value, 10 ** insignificant)
            value += residue >= 10 ** insignificant // 2
        text = str(value)
        return text.rstrip("0"), len(text) + insignificant
    dec_exp = _estimate_dec_exp(fraction, bin_exp)
    b5, s5 = max(0, -dec_exp), max(0, dec_exp)
    b2, s2 = b5 + tiny_bits + bin_exp - (fraction_bits - 1), s5 + tiny_bits
    m2 = b2 + fraction_bits - 1 - significant
    common = min(b2, s2)
    b2, s2, m2 = b2 - common, s2 - common, m2 - common
    if fraction_bits == 1:
        m2 -= 1             # a power of two: the next value down is half as far
    if m2 < 0:
        b2, s2, m2 = b2 - m2, s2 - m2, 0
    b = (fraction >> tail_zeros) * 5 ** b5 << b2
    s = 5 ** s5 << s2
    m = 5 ** b5 << m2
    b_bits = fraction_bits + b2 + (_POW5_BITS[b5] if b5 < len(_POW5_BITS) else b5 * 3)
    ten_s_bits = s2 + 1 + (_POW5_BITS[s5 + 1] if s5 + 1 < len(_POW5_BITS) else (s5 + 1) * 3)
    width = None if b_bits >= 64 or ten_s_bits >= 64 else 32 if b_bits < 32 and ten_s_bits < 32 else 64
    digits, dec_exp, round_up = _dtoa_digit_loop(b, s, m, dec_exp, width)
    dec_exponent = dec_exp + 1
    if round_up:
        dec_exponent = _round_up(digits, dec_exponent)
    return "".join(map(str, digits)), dec_exponent


def _estimate_dec_exp(fraction: int, bin_exp: int) -> int:
    """dtoa's guess at floor(log10(value)), from a linear fit of log10 over the mantissa."""
    mantissa = struct.unpack("<d", struct.pack("<Q", 1023 << 52 | fraction & 0xFFFFFFFFFFFFF))[0]
    return math.floor((mantissa - 1.5) * 0.289529654 + 0.176091259 + bin_exp * 0.301029995663981)


def _wrap(value: int, width: int) -> int:
    """``value`` in Java's ``int`` (32) or ``long`` (64) arithmetic, which wraps around."""
    value &= (1 << width) - 1
    return value - (1 << width) if value >> (width - 1) else value


def _dtoa_digit_loop(b: int, s: int, m: int, dec_exp: int, width: int | None) -> tuple[list[int], int, bool]:
    """dtoa's digits of ``b / s`` until the remainder is within ``m`` (half an ulp) of either end;
    returns them, the corrected exponent and whether the last digit rounds up.

    ``width`` 32 or 64 runs the loop in Java's wrapping ints or longs, as dtoa does when the numbers
    fit: there both stop tests are strict and an overflowed ``m`` stops the loop. ``None`` runs it
    on big integers, where the upper stop test includes its bound.
    """
    def fit(value: int) -> int:
        return _wrap(value, width) if width else value

    b, s, m = fit(b), fit(s), fit(m)
    tens = fit(s * 10)

    def next_digit(first: bool) -> tuple[int, bool, bool]:
        nonlocal b, m
        q, b, m = b // s, fit(10 * (b % s)), fit(10 * m)
        if width and not first and m <= 0:
            return q, True, True
        return q, b < m, fit(b + m) > tens if width else b + m >= tens

    q, low, high = next_digit(first=True)
    digits = [q] if q or high else []
    if not digits:
        dec_exp -= 1                # the estimate was one too high
    if dec_exp < -3 or dec_exp >= 8:
        low = high = False          # scientific notation shows at least two digits
    while not (low or high):
        q, low, high = next_digit(first=False)
        digits.append(q)
    twice_rest = fit(2 * b - tens) if width else 2 * b - tens      # against the next digit up, doubled
    return digits, dec_exp, high and (not low or twice_rest > 0 or (twice_rest == 0 and digits[-1] % 2 == 1))


def _round_up(digits: list[int], dec_exponent: int) -> int:
    """Adds one to the last digit; a carry out of the first leaves ``1`` and the other digits 0."""
    i = len(digits) - 1
    while digits[i] == 9 and i > 0:
        digits[i] = 0
        i -= 1
    if digits[i] == 9:
        digits[0] = 1
        return dec_exponent + 1
    digits[i] += 1
    return dec_exponent


def _format_decimal(array: pa.Array) -> list[str]:
    texts = _with_nulls(pc.cast(array, pa.string()))
    # Arrow writes small magnitudes in scientific notation; Spark shows BigDecimal.toPlainString
    return [f"{decimal.Decimal(t):f}" if "E" in t else t for t in texts]


# ---- dates, times, intervals ------------------------------------------------------------------

def _format_date(array: pa.Array) -> list[str]:
    if pa.types.is_date64(array.type):
        array = pc.cast(array, pa.date32())
    return _sign_long_years(pc.cast(array, pa.string()))


def _format_timestamp(array: pa.Array, time_zone: str) -> list[str]:
    if array.type.unit != "us":
        array = array.cast(pa.timestamp("us", tz=array.type.tz), safe=False)
    if array.type.tz is not None:
        array = pc.local_timestamp(array.cast(pa.timestamp("us", tz=time_zone)))
    texts = pc.cast(array, pa.string())     # always six fraction digits: drop the trailing zeros
    texts = pc.replace_substring_regex(texts, r"(\.\d*[1-9])0+$|\.0+$", r"\1")
    return _sign_long_years(texts)


def _sign_long_years(texts: pa.Array) -> list[str]:
    """Java's ISO year pattern signs years of more than four digits: ``+12345-01-01``."""
    return _with_nulls(pc.replace_substring_regex(texts, r"^(\d{5,})", r"+\1"))


def _format_day_time_interval(array: pa.Array) -> list[str]:
    if array.type.unit != "us":
        array = array.cast(pa.duration("us"), safe=False)
    return [NULL_TEXT if micros is None else day_time_interval_string(micros)
            for micros in pc.cast(array, pa.int64()).to_pylist()]


def day_time_interval_string(micros: int) -> str:
    """A ``DayTimeIntervalType`` (DAY TO SECOND) value as Spark's ANSI interval literal."""
    sign = "-" if micros < 0 else ""
    days, rest = divmod(abs(micros), _MICROS_PER_DAY)
    seconds, fraction = divmod(rest, 1_000_000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    second_text = f"{seconds:02d}" + (f".{fraction:06d}".rstrip("0") if fraction else "")
    return f"INTERVAL '{sign}{days} {hours:02d}:{minutes:02d}:{second_text}' DAY TO SECOND"


# ---- nested values ----------------------------------------------------------------------------

def _format_list(array: pa.Array, time_zone: str) -> list[str]:
    if pa.types.is_list_view(array.type) or pa.types.is_large_list_view(array.type):
        array = array.cast(pa.large_list(array.type.value_field))
    if pa.types.is_fixed_size_list(array.type):
        size = array.type.list_size
        offsets, start = list(range(0, (len(array) + 1) * size, size)), array.offset * size
    else:
        offsets, start = _relative_offsets(array)
    elements = _format(array.values.slice(start, offsets[-1]), time_zone)
    return _join_ranges(array, offsets, elements, "[", "]")


def _format_map(array: pa.MapArray, time_zone: str) -> list[str]:
    offsets, start = _relative_offsets(array)
    keys = _format(array.keys.slice(start, offsets[-1]), time_zone)
    items = _format(array.items.slice(start, offsets[-1]), time_zone)
    entries = [f"{k} -> {v}" for k, v in zip(keys, items)]
    return _join_ranges(array, offsets, entries, "{", "}")


def _relative_offsets(array: pa.Array) -> tuple[list[int], int]:
    """The rows' offsets from their first element on, and where that element sits in the child
    array, which a slice of the column still holds whole."""
    offsets = array.offsets.to_pylist() if len(array) else [0]
    return [offset - offsets[0] for offset in offsets], offsets[0]


def _join_ranges(array: pa.Array, offsets: list[int], elements: list[str], left: str, right: str) -> list[str]:
    """Row ``i`` joins ``elements[offsets[i]:offsets[i + 1]]``; a null row is ``NULL``."""
    valid = array.is_valid().to_pylist() if array.null_count else None
    return [left + ", ".join(elements[offsets[i]:offsets[i + 1]]) + right
            if valid is None or valid[i] else NULL_TEXT for i in range(len(array))]


def _format_struct(array: pa.StructArray, time_zone: str) -> list[str]:
    fields = [_format(array.field(i), time_zone) for i in range(array.type.num_fields)]
    valid = array.is_valid().to_pylist() if array.null_count else None
    rows = zip(*fields) if fields else ((),) * len(array)
    return ["{" + ", ".join(row) + "}" if valid is None or valid[i] else NULL_TEXT
            for i, row in enumerate(rows)]


# ---- layout -----------------------------------------------------------------------------------

def string_half_width(text: str) -> int:
    """The columns ``text`` takes in Spark's layout: UTF-16 code units plus one per full-width char."""
    if text.isascii():
        return len(text)
    return len(text) + len(_ASTRAL.findall(text)) + len(_FULL_WIDTH.findall(text))


def _utf16_length(text: str) -> int:
    return len(text) if text.isascii() else len(text) + len(_ASTRAL.findall(text))


def _utf16_prefix(text: str, units: int) -> str:
    """The first ``units`` UTF-16 code units, as Java's ``substring``; half of a surrogate pair
    left at the end prints as ``?``, as the JVM's encoder writes a lone surrogate."""
    if text.isascii() or not _ASTRAL.search(text):
        return text[:units]
    taken, count = [], 0
    for char in text:
        size = 2 if ord(char) > 0xFFFF else 1
        if count + size > units:
            if count < units:
                taken.append("?")
            break
        taken.append(char)
        count += size
    return "".join(taken)


def _escape(text: str) -> str:
    return text if text.isprintable() else text.translate(_META_ESCAPES)


def _truncate(text: str, truncate: int) -> str:
    if truncate <= 0 or _utf16_length(text) <= truncate:
        return text
    if truncate < 4:            # too short for an ellipsis
        return _utf16_prefix(text, truncate)
    return _utf16_prefix(text, truncate - 3) + "..."


def _truncate_setting(truncate: int | bool) -> int:
    if isinstance(truncate, bool):
        return DEFAULT_TRUNCATE if truncate else 0
    return int(truncate)


def show_string(names: list[str], rows: list[list[str]], num_rows: int, truncate: int | bool = DEFAULT_TRUNCATE,
                vertical: bool = False, has_more: bool = False) -> str:
    """Spark's ``Dataset.showString(num_rows, truncate, vertical)`` over already formatted cells.

    ``rows`` holds at least the first ``num_rows`` rows (any beyond them also mean more rows);
    ``has_more`` says that the data has rows past ``num_rows``. ``truncate`` > 0 cuts cells longer
    than that and right-aligns all cells; 0 or less keeps them whole, left-aligned; ``True`` is 20.
    """
    num_rows = max(0, num_rows)
    truncate = _truncate_setting(truncate)
    has_more = has_more or len(rows) > num_rows
    header = [_escape(name) for name in names]
    body = [[_truncate(_escape(cell), truncate) for cell in row] for row in rows[:num_rows]]
    if vertical:
        text = _vertical_layout(header, body)
        if not body:
            return text + "(0 rows)"
    else:
        text = _horizontal_layout(header, body, right_align=truncate > 0)
    if has_more:
        text += f"only showing top {num_rows} {'row' if num_rows == 1 else 'rows'}"
    return text


def _horizontal_layout(header: list[str], body: list[list[str]], right_align: bool) -> str:
    table = [header] + body
    widths = [MIN_COLUMN_WIDTH] * len(header)
    measured = [[string_half_width(cell) for cell in row] for row in table]
    for row in measured:
        widths = [max(w, m) for w, m in zip(widths, row)]

    def line(cells: list[str], sizes: list[int]) -> str:
        if right_align:
            padded = [" " * (w - s) + c for c, s, w in zip(cells, sizes, widths)]
        else:
            padded = [c + " " * (w - s) for c, s, w in zip(cells, sizes, widths)]
        return "|" + "|".join(padded) + "|\n"

    separator = "+" + "+".join("-" * w for w in widths) + "+\n"
    lines = [line(header, measured[0]), separator]
    lines.extend(line(cells, sizes) for cells, sizes in zip(body, measured[1:]))
    lines.append(separator)
    return separator + "".join(lines)


def _vertical_layout(header: list[str], body: list[list[str]]) -> str:
    name_sizes = [string_half_width(name) for name in header]
    name_width = max([MIN_COLUMN_WIDTH] + name_sizes)
    data_width = max([MIN_COLUMN_WIDTH] + [string_half_width(cell) for row in body for cell in row])
    lines = []
    for i, row in enumerate(body):
        lines.append(f"-RECORD {i}".ljust(name_width + data_width + 5, "-") + "\n")
        for name, name_size, cell in zip(header, name_sizes, row):
            lines.append(f" {name}{' ' * (name_width - name_size)} | "
                         f"{cell}{' ' * (data_width - string_half_width(cell))} \n")
    return "".join(lines)


def show_table(table: pa.Table, n: int = 20, truncate: int | bool = DEFAULT_TRUNCATE, vertical: bool = False,
               time_zone: str = "UTC") -> str:
    """``show_string`` of the first ``n`` rows of ``table``; rows past ``n`` make the footer.

    ``table`` needs to hold only ``n + 1`` rows for the footer to be right.
    """
    n = max(0, n)
    shown = table.slice(0, min(n, table.num_rows))    # a table without columns slices past its end
    columns = [format_column(column, time_zone) for column in shown.columns]
    rows = [list(row) for row in zip(*columns)] if columns else [[] for _ in range(shown.num_rows)]
    return show_string(table.column_names, rows, n, truncate, vertical, has_more=table.num_rows > n)

"""``format_string``/``printf`` (Java's ``Formatter``) and ``format_number`` (Java's
``DecimalFormat``), as Spark 4.3 runs them.

Contract:
* ``java_format(fmt, args)`` formats as ``String.format`` does with the values Spark hands it:
  conversions ``s S b B h H c C d o x X e E f g G % n`` with flags ``-#+ 0,(``, width, precision,
  explicit (``2$``) and relative (``<``) argument indexes. The values are Spark's internal ones:
  a date is its day number, a timestamp its microseconds, a decimal Spark's ``Decimal`` (which
  ``%d``/``%f`` refuse, as in Spark), arrays print ``[1,2]``, structs ``[1]``, maps
  ``keys: [...], values: [...]``. Doubles are rounded half-up from their shortest decimal form,
  as Java does (``%.1f`` of 2.25 is 2.3). Java's errors become ``IllegalArgumentException`` with
  Java's message (``Format specifier '%s'``, ``d != org.apache.spark.unsafe.types.UTF8String``,
  ``Conversion = 'q'``). Not supported: ``%a`` and the date/time conversions ``%t``.
* ``format_number(x, d)`` rounds half-even to ``d`` decimals with grouping (NULL when ``d`` < 0);
  ``format_number(x, 'pattern')`` reads a ``DecimalFormat`` pattern: prefix and suffix text,
  grouping, minimum integer digits, minimum/maximum fraction digits, ``%`` and ``‰``. Doubles are
  rounded from their exact binary value, NaN prints ``NaN`` and infinity ``∞``.
* Both loop over rows in Python: no Arrow kernel formats numbers this way.
"""
from __future__ import annotations

import datetime
import decimal
import re

import numpy as np
import pyarrow as pa

from sparklite.sql import types as T
from sparklite.sql.builtins.registry import FunctionSpec, register
from sparklite.sql.builtins.strings import STRING, call_sql, check_arity, integer_arg, string_arg, unexpected_type
from sparklite.sql.display import java_float_string
from sparklite.sql.errors import IllegalArgumentException, UnsupportedOperationException
from sparklite.sql.execution.hashing import murmur3_hash
from sparklite.sql.plan import coercion as C


_SPECIFIER = re.compile(r"%(\d+\$|<)?([-#+ 0,(<]*)?(\d+)?(\.\d+)?([tT])?([a-zA-Z%])")
_CLASSES = [(T.StringType, "org.apache.spark.unsafe.types.UTF8String"),
            (T.DecimalType, "org.apache.spark.sql.types.Decimal"),
            (T.ByteType, "java.lang.Byte"), (T.ShortType, "java.lang.Short"), (T.IntegerType, "java.lang.Integer"),
            (T.LongType, "java.lang.Long"), (T.FloatType, "java.lang.Float"), (T.DoubleType, "java.lang.Double"),
            (T.BooleanType, "java.lang.Boolean"), (T.DateType, "java.lang.Integer"),
            (T.TimestampType, "java.lang.Long"), (T.TimestampNTZType, "java.lang.Long"), (T.BinaryType, "[B"),
            (T.ArrayType, "org.apache.spark.sql.catalyst.util.GenericArrayData"),
            (T.MapType, "org.apache.spark.sql.catalyst.util.ArrayBasedMapData"),
            (T.StructType, "org.apache.spark.sql.catalyst.expressions.GenericInternalRow")]
_INTEGRAL_BITS = {T.ByteType: 8, T.ShortType: 16, T.IntegerType: 32, T.DateType: 32, T.YearMonthIntervalType: 32,
                  T.LongType: 64, T.TimestampType: 64, T.TimestampNTZType: 64, T.DayTimeIntervalType: 64}
_EPOCH = datetime.date(1970, 1, 1)


def _fail(message: str) -> IllegalArgumentException:
    return IllegalArgumentException(message=message)


def _java_class(t) -> str:
    return next((name for kind, name in _CLASSES if isinstance(t, kind)), type(t).__name__)


def _bits(t) -> int | None:
    return next((bits for kind, bits in _INTEGRAL_BITS.items() if isinstance(t, kind)), None)


def _internal(value, t):
    """A Python value as the value Spark keeps internally (what it passes to ``String.format``)."""
    if value is None:
        return None
    if isinstance(t, T.DateType):
        return (value - _EPOCH).days
    if isinstance(t, (T.TimestampType, T.TimestampNTZType)):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
        delta = value - datetime.datetime(1970, 1, 1)
        return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds
    if isinstance(t, T.DayTimeIntervalType):
        return (value.days * 86400 + value.seconds) * 1_000_000 + value.microseconds
    return value


def java_string(value, t) -> str:
    """``String.valueOf`` of a Spark internal value."""
    if value is None:
        return "null"
    if isinstance(t, T.BooleanType):
        return "true" if value else "false"
    if isinstance(t, (T.FloatType, T.DoubleType)):
        return java_float_string(value, single=isinstance(t, T.FloatType))
    if isinstance(t, T.DecimalType):
        return str(value)
    if isinstance(t, T.BinaryType):
        return f"[B@{abs(hash(bytes(value))) & 0xFFFFFFF:x}"
    if isinstance(t, T.ArrayType):
        return "[" + ",".join(java_string(_internal(v, t.elementType), t.elementType) for v in value) + "]"
    if isinstance(t, T.MapType):
        keys = ",".join(java_string(_internal(k, t.keyType), t.keyType) for k, _ in value)
        values = ",".join(java_string(_internal(v, t.valueType), t.valueType) for _, v in value)
        return f"keys: [{keys}], values: [{values}]"
    if isinstance(t, T.StructType):
        items = value.values() if isinstance(value, dict) else value
        return "[" + ",".join(java_string(_internal(v, f.dataType), f.dataType)
                              for v, f in zip(items, t.fields)) + "]"
    return str(value)


def _hash_code(value, t) -> int:
    """Java's ``hashCode`` of a Spark internal value (a UTF8String hashes its bytes with Murmur3)."""
    if isinstance(t, T.StringType):
        return int(murmur3_hash([pa.array([value], pa.string())])[0]) & 0xFFFFFFFF
    if isinstance(t, T.BooleanType):
        return 1231 if value else 1237
    bits = _bits(t)
    if bits == 64:
        return (value ^ (value >> 32)) & 0xFFFFFFFF
    if bits is not None:
        return value & 0xFFFFFFFF
    raise UnsupportedOperationException(message=f"sparklite's format_string cannot take %h of {t.simpleString()}")


def _group(digits: str, size: int = 3) -> str:
    head = len(digits) % size or size
    return ",".join([digits[:head]] + [digits[i:i + size] for i in range(head, len(digits), size)])


def _justify(text: str, flags: str, width: int | None) -> str:
    if width is None or len(text) >= width:
        return text
    return text.ljust(width) if "-" in flags else text.rjust(width)


def _signed(negative: bool, magnitude: str, flags: str, width: int | None) -> str:
    """A number's text with Java's sign flags (``+``, space, ``(``) and zero padding."""
    if negative:
        prefix, suffix = ("(", ")") if "(" in flags else ("-", "")
    else:
        prefix, suffix = ("+" if "+" in flags else " " if " " in flags else ""), ""
    if "0" in flags and width is not None:
        magnitude = magnitude.rjust(width - len(prefix) - len(suffix), "0")
    return _justify(prefix + magnitude + suffix, flags, width)


def _shortest(value: float, t) -> decimal.Decimal:
    """The shortest decimal that reads back as the float (Java's ``Double.toString`` digits)."""
    if isinstance(t, T.FloatType):
        return decimal.Decimal(np.format_float_positional(np.float32(value), unique=True, trim="-"))
    return decimal.Decimal(repr(value))


def _fixed(d: decimal.Decimal, precision: int) -> str:
    return format(d.quantize(decimal.Decimal(1).scaleb(-precision), decimal.ROUND_HALF_UP), "f")


def _scientific(d: decimal.Decimal, precision: int, upper: bool) -> str:
    if d == 0:
        mantissa, exponent = "0" + ("." + "0" * precision if precision else ""), 0
    else:
        exponent = d.adjusted()
        scaled = (d.scaleb(-exponent)).quantize(decimal.Decimal(1).scaleb(-precision), decimal.ROUND_HALF_UP)
        if scaled >= 10:
            exponent += 1
            scaled = (d.scaleb(-exponent)).quantize(decimal.Decimal(1).scaleb(-precision), decimal.ROUND_HALF_UP)
        mantissa = format(scaled, "f")
    text = f"{mantissa}e{'-' if exponent < 0 else '+'}{abs(exponent):02d}"
    return text.upper() if upper else text


def _format_float(value: float, t, conversion: str, flags: str, width, precision) -> str:
    upper = conversion.isupper()
    if value != value or value in (float("inf"), float("-inf")):
        text = "NaN" if value != value else "Infinity"
        if value != value:
            return _justify(text.upper() if upper else text, flags, width)
        return _signed(value < 0, text.upper() if upper else text, flags.replace("0", ""), width)
    d = _shortest(abs(value), t)
    negative = value < 0 or (value == 0 and str(value).startswith("-"))
    kind = conversion.lower()
    precision = 6 if precision is None else precision
    if kind == "g":
        precision = max(precision, 1)
        rounded = d if d == 0 else d.quantize(decimal.Decimal(1).scaleb(d.adjusted() - precision + 1),
                                              decimal.ROUND_HALF_UP)
        if rounded != 0 and not decimal.Decimal("0.0001") <= rounded < decimal.Decimal(10) ** precision:
            return _signed(negative, _scientific(d, precision - 1, upper), flags, width)
        digits = precision - (rounded.adjusted() + 1 if rounded != 0 else 1)
        text = _fixed(d, max(digits, 0))
    elif kind == "e":
        return _signed(negative, _scientific(d, precision, upper), flags, width)
    else:
        text = _fixed(d, precision)
    if "," in flags:
        whole, _, fraction = text.partition(".")
        text = _group(whole) + ("." + fraction if fraction else "")
    return _signed(negative, text.upper() if upper else text, flags, width)


def _format_integer(value: int, t, conversion: str, flags: str, width) -> str:
    if conversion == "d":
        magnitude = str(abs(value))
        return _signed(value < 0, _group(magnitude) if "," in flags else magnitude, flags, width)
    if value < 0:
        value += 1 << _bits(t)
    text = format(value, "o" if conversion == "o" else "x")
    if "#" in flags:
        text = ("0" if conversion == "o" else "0x") + text
    if conversion == "X":
        text = text.upper()
    if "0" in flags and width is not None:
        text = text.rjust(width, "0")
    return _justify(text, flags, width)


def _convert(spec: re.Match, value, t) -> str:
    flags, width, precision, conversion = spec.group(2) or "", spec.group(3), spec.group(4), spec.group(6)
    width = int(width) if width else None
    precision = int(precision[1:]) if precision else None
    kind = conversion.lower()
    if kind in "bhs":
        if kind == "b":
            text = "false" if value is None else ("true" if not isinstance(t, T.BooleanType) or value else "false")
        elif kind == "h":
            text = "null" if value is None else format(_hash_code(value, t), "x")
        else:
            text = java_string(value, t)
        text = text[:precision] if precision is not None else text
        return _justify(text.upper() if conversion.isupper() else text, flags, width)
    if value is None:
        return _justify("null", flags, width)
    if kind == "c":
        if _bits(t) is None or _bits(t) == 64:
            raise _fail(f"{conversion} != {_java_class(t)}")
        text = chr(value)
        return _justify(text.upper() if conversion.isupper() else text, flags, width)
    if kind in "dox":
        if _bits(t) is None:
            raise _fail(f"{conversion} != {_java_class(t)}")
        return _format_integer(value, t, conversion, flags, width)
    if kind in "efg":
        if not isinstance(t, (T.FloatType, T.DoubleType)):
            raise _fail(f"{conversion} != {_java_class(t)}")
        return _format_float(value, t, conversion, flags, width, precision)
    raise UnsupportedOperationException(message=f"sparklite's format_string does not support %{conversion}")


def java_format(fmt: str, args: list, types: list) -> str:
    """``String.format(fmt, args)`` on Spark internal values of the given Spark types."""
    out, last, ordinary, previous = [], 0, 0, None
    for spec in _SPECIFIER.finditer(fmt):
        out.append(fmt[last:spec.start()])
        last = spec.end()
        conversion, index = spec.group(6), spec.group(1)
        if spec.group(5):
            raise UnsupportedOperationException(message="sparklite's format_string does not support %t")
        if conversion == "%":
            out.append(_justify("%", spec.group(2) or "", int(spec.group(3)) if spec.group(3) else None))
            continue
        if conversion == "n":
            out.append("\n")
            continue
        if conversion.lower() not in "bhscdoxefg":
            raise _fail(f"Conversion = '{conversion}'")
        if index == "<" or "<" in (spec.group(2) or ""):
            position = previous
        elif index:
            position = int(index[:-1]) - 1
        else:
            position, ordinary = ordinary, ordinary + 1
        if position is None or position >= len(args):
            raise _fail(f"Format specifier '{spec.group()}'")
        previous = position
        out.append(_convert(spec, args[position], types[position]))
    stray = fmt.find("%", last)
    if stray >= 0:
        raise _fail(f"Conversion = '{fmt[stray + 1:stray + 2] or '%'}'")
    out.append(fmt[last:])
    return "".join(out)


def _format_string_resolver(name: str):
    def resolve(args):
        check_arity(name, args, at_least=1)
        fmt = string_arg(call_sql(name, args), args, 0)
        return [fmt] + list(args[1:]), STRING, fmt.nullable
    return resolve


def _format_string_kernel(values, n, call):
    types = [c.data_type for c in call.children[1:]]
    formats = values[0].to_pylist()
    columns = [[_internal(v, t) for v in array.to_pylist()] for array, t in zip(values[1:], types)]
    return pa.array([None if fmt is None else java_format(fmt, [c[i] for c in columns], types)
                     for i, fmt in enumerate(formats)], pa.string())


register(FunctionSpec("format_string", _format_string_resolver("format_string"), _format_string_kernel))
register(FunctionSpec("printf", _format_string_resolver("printf"), _format_string_kernel))


# -- format_number --------------------------------------------------------------------------------

_DEFAULT_PATTERN = "#,###,###,###,###,###,##0"


def _parse_pattern(pattern: str):
    """A ``DecimalFormat`` pattern's positive part: (prefix, suffix, grouping size, minimum integer
    digits, minimum and maximum fraction digits, multiplier)."""
    pattern = pattern.split(";")[0]
    body = re.search(r"[#0,.]+", pattern)
    prefix, suffix = (pattern[:body.start()], pattern[body.end():]) if body else (pattern, "")
    number = body.group() if body else "#"
    if "E" in suffix[:1]:
        raise UnsupportedOperationException(message="sparklite's format_number does not support scientific patterns")
    whole, point, fraction = number.partition(".")
    grouping = len(whole) - whole.rfind(",") - 1 if "," in whole else 0
    min_int, min_frac = whole.count("0"), fraction.count("0")
    if point and not min_int and not min_frac:
        # DecimalFormat makes "#.##" read "0.##" (and ".##" read ".0#")
        min_int, min_frac = (1, 0) if "#" in whole else (0, 1)
    multiplier = 100 if "%" in prefix + suffix else 1000 if "\u2030" in prefix + suffix else 1
    unquote = lambda text: text.replace("'", "")  # noqa: E731 - a quote only guards special characters
    return (unquote(prefix), unquote(suffix), grouping, min_int, min_frac, fraction.count("0") + fraction.count("#"),
            multiplier)


def decimal_format(value, pattern: str) -> str:
    """Java's ``DecimalFormat(pattern).format(value)``: HALF_EVEN rounding of the exact value."""
    prefix, suffix, grouping, min_int, min_frac, max_frac, multiplier = _parse_pattern(pattern)
    if isinstance(value, float) and value != value:
        return "NaN"
    negative = value < 0 or (isinstance(value, float) and value == 0 and str(value).startswith("-"))
    if isinstance(value, float) and value in (float("inf"), float("-inf")):
        return ("-" if negative else "") + prefix + "\u221e" + suffix
    with decimal.localcontext(decimal.Context(prec=1000, rounding=decimal.ROUND_HALF_EVEN)):
        rounded = (abs(decimal.Decimal(value)) * multiplier).quantize(decimal.Decimal(1).scaleb(-max_frac))
    whole, _, fraction = format(rounded, "f").partition(".")
    fraction = fraction.rstrip("0").ljust(min_frac, "0")
    whole = whole.lstrip("0").rjust(min_int, "0")
    if not whole and not fraction:
        whole = "0"
    if grouping:
        whole = _group(whole, grouping)
    return ("-" if negative else "") + prefix + whole + ("." + fraction if fraction else "") + suffix


def _resolve_format_number(args):
    check_arity("format_number", args, 2)
    sql = call_sql("format_number", args)
    number, digits = args
    if C.is_string(number.data_type) or isinstance(number.data_type, T.NullType):
        number = C.cast_to(number, T.DoubleType())
    elif not C.is_numeric(number.data_type):
        raise unexpected_type(sql, 0, '"NUMERIC"', number)
    if C.is_string(digits.data_type):
        return [number, digits], STRING, True
    if not (C.is_integral(digits.data_type) or isinstance(digits.data_type, T.NullType)):
        raise unexpected_type(sql, 1, '("INT" or "STRING")', digits)
    return [number, integer_arg(sql, args, 1)], STRING, True


def _format_number_value(value, digits):
    if isinstance(digits, str):
        return decimal_format(value, digits or _DEFAULT_PATTERN)
    if digits < 0:
        return None
    return decimal_format(value, _DEFAULT_PATTERN + ("." + "0" * digits if digits else ""))


def _format_number_kernel(values, n, call):
    numbers, digits = (v.to_pylist() for v in values)
    if isinstance(call.children[0].data_type, T.FloatType):
        numbers = [None if x is None else float(np.float32(x)) for x in numbers]
    return pa.array([None if x is None or d is None else _format_number_value(x, d)
                     for x, d in zip(numbers, digits)], pa.string())


register(FunctionSpec("format_number", _resolve_format_number, _format_number_kernel))

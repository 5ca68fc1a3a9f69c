"""Codes of characters and text: ``ascii``, ``chr``/``char``, ``base64``/``unbase64``,
``to_binary``/``try_to_binary``, ``soundex`` and ``luhn_check``, with Spark 4.3's semantics.

Contract:
* ``ascii`` is the first character's code point (0 for ''); ``chr(n)`` is '' for a negative n and
  the character of n modulo 256 otherwise.
* ``base64`` writes Java's MIME form (lines of 76 characters joined by CRLF) and ``unbase64`` reads
  as Java's MIME decoder: characters outside the alphabet are skipped, padding may be left out,
  and a malformed end raises ``IllegalArgumentException`` with Java's message.
* ``to_binary(str[, fmt])`` reads 'hex' (the default; an odd count of digits gets a leading 0),
  'utf-8'/'utf8' or 'base64', the format being a literal in any case (``INVALID_ARG_VALUE``
  otherwise, ``NON_FOLDABLE_INPUT`` for a column); malformed input raises
  ``CONVERSION_INVALID_INPUT``, which ``try_to_binary`` turns into NULL.
* ``soundex`` is Spark's American soundex (text not starting with an ASCII letter is returned as
  it is); ``luhn_check`` is false for anything but decimal digits.
* ``ascii`` and ``chr`` run on whole arrays (numpy, a lookup table); the others loop over rows in
  Python, as no Arrow kernel computes them.
"""
from __future__ import annotations

import base64
import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sparklite.sql import types as T
from sparklite.sql.builtins.registry import FunctionSpec, register
from sparklite.sql.builtins.strings import (BINARY, INT, STRING, binary_arg, call_sql, check_arity, integer_arg,
                                            one_string, rowwise, string_arg)
from sparklite.sql.errors import AnalysisException, IllegalArgumentException
from sparklite.sql.plan.expressions import Literal


# -- characters and codes --------------------------------------------------------------------------

def _first_code_points(strings: pa.Array) -> pa.Array:
    """The code point of each string's first character (0 for an empty string), decoded from its
    UTF-8 bytes with numpy."""
    first = pc.utf8_slice_codeunits(strings, 0, 1).cast(pa.binary())
    offsets = np.frombuffer(first.buffers()[1], np.int32)[first.offset:first.offset + len(first) + 1]
    data = np.frombuffer(first.buffers()[2], np.uint8) if first.buffers()[2] is not None else np.zeros(0, np.uint8)
    width, start = np.diff(offsets), offsets[:-1]
    padded = np.concatenate([data, np.zeros(4, np.uint8)]).astype(np.int64)
    b0, b1, b2, b3 = (padded[start + k] for k in range(4))
    code = np.select([width == 1, width == 2, width == 3, width == 4],
                     [b0, (b0 & 0x1F) << 6 | (b1 & 0x3F), (b0 & 0x0F) << 12 | (b1 & 0x3F) << 6 | (b2 & 0x3F),
                      (b0 & 0x07) << 18 | (b1 & 0x3F) << 12 | (b2 & 0x3F) << 6 | (b3 & 0x3F)], 0)
    return pa.array(code.astype(np.int32), mask=strings.is_null().to_numpy(zero_copy_only=False))


register(FunctionSpec("ascii", one_string("ascii", INT), lambda values, n, call: _first_code_points(values[0])))

_LATIN1 = pa.array([chr(i) for i in range(256)], pa.string())


def _resolve_chr(args):
    check_arity("chr", args, 1)
    code = integer_arg(call_sql("chr", args), args, 0, T.LongType())
    return [code], STRING, code.nullable


def _chr_kernel(values, n, call):
    """Spark's chr: '' for a negative code, else the character of the code modulo 256."""
    (codes,) = values
    chars = _LATIN1.take(pc.bit_wise_and(codes, 255))
    return pc.if_else(pc.less(codes, 0), "", chars)


register(FunctionSpec("chr", _resolve_chr, _chr_kernel, aliases=("char",)))


def _resolve_base64(args):
    check_arity("base64", args, 1)
    arg = binary_arg(call_sql("base64", args), args, 0)
    return [arg], STRING, arg.nullable


def _mime_base64(data: bytes) -> str:
    """Java's MIME encoder, which Spark's base64 uses: lines of 76 characters joined by CRLF."""
    text = base64.b64encode(data).decode("ascii")
    return "\r\n".join(text[i:i + 76] for i in range(0, len(text), 76))


_BASE64_VALUES = {c: i for i, c in enumerate(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")}


def mime_unbase64(text: str) -> bytes:
    """Java's MIME decoder, which Spark's unbase64 uses: bytes outside the alphabet are skipped,
    padding may be left out, and a malformed end raises Java's ``IllegalArgumentException``."""
    if len(text) % 4 == 0 and re.fullmatch(r"[A-Za-z0-9+/]*={0,2}", text):
        return base64.b64decode(text)
    data = text.encode("utf-8")
    bits, shift, out, position = 0, 18, bytearray(), 0
    while position < len(data):
        byte = data[position]
        position += 1
        value = _BASE64_VALUES.get(byte)
        if value is None:
            if byte != ord("="):
                continue
            # '=' ends the input: after two characters it must be doubled; it cannot start a unit
            if shift == 6 and (position == len(data) or data[position] != ord("=")) or shift == 18:
                raise IllegalArgumentException(message="Input byte array has wrong 4-byte ending unit")
            position += shift == 6
            break
        bits |= value << shift
        shift -= 6
        if shift < 0:
            out += bits.to_bytes(3, "big")
            bits, shift = 0, 18
    if shift == 12:
        raise IllegalArgumentException(message="Last unit does not have enough valid bits")
    out += bits.to_bytes(3, "big")[:{18: 0, 6: 1, 0: 2}[shift]]
    for offset, byte in enumerate(data[position:], position + 1):
        if byte in _BASE64_VALUES:
            raise IllegalArgumentException(message=f"Input byte array has incorrect ending byte at {offset}")
    return bytes(out)


# a Python loop per row: base64 has no Arrow kernel
register(FunctionSpec("base64", _resolve_base64, lambda values, n, call: rowwise(_mime_base64, values, pa.string())))
register(FunctionSpec("unbase64", one_string("unbase64", BINARY),
                      lambda values, n, call: rowwise(mime_unbase64, values, pa.binary())))


_BINARY_FORMATS = ("hex", "utf-8", "utf8", "base64")


def _to_binary_resolver(name: str):
    """The format must be a literal: 'hex' (the default), 'utf-8', 'utf8' or 'base64' in any case;
    NULL gives NULL, and ``try_to_binary`` gives NULL for an unknown format too."""
    def resolve(args):
        check_arity(name, args, 1, 2)
        sql = call_sql(name, args)
        coerced = [string_arg(sql, args, 0)] + ([string_arg(sql, args, 1)] if len(args) == 2 else [])
        if len(args) == 1:
            return coerced, BINARY, True, {"format": "hex"}
        fmt = args[1]
        if not fmt.foldable:
            raise AnalysisException(
                errorClass="DATATYPE_MISMATCH.NON_FOLDABLE_INPUT",
                messageParameters={"sqlExpr": f'"{sql}"', "inputName": "`fmt`", "inputType": '"STRING"',
                                   "inputExpr": f'"{fmt.sql()}"'})
        value = fmt.value if isinstance(fmt, Literal) else None
        if value is not None and value.lower() not in _BINARY_FORMATS:
            if name == "try_to_binary":
                value = None
            else:
                raise AnalysisException(
                    errorClass="DATATYPE_MISMATCH.INVALID_ARG_VALUE",
                    messageParameters={"sqlExpr": f'"{sql}"', "inputName": "fmt",
                                       "requireType": 'case-insensitive "STRING"',
                                       "validValues": "'hex', 'utf-8', 'utf8', or 'base64'",
                                       "inputValue": f"'{value}'"})
        fmt_value = value.lower() if value is not None else None
        nullable = fmt_value != "base64" or name == "try_to_binary" or coerced[0].nullable
        return coerced, BINARY, nullable, {"format": fmt_value}
    return resolve


def _to_binary_kernel(fail: bool):
    def convert(text: str, fmt: str):
        try:
            if fmt == "hex":
                if not re.fullmatch(r"[0-9A-Fa-f]*", text):
                    raise ValueError(text)
                return bytes.fromhex(text if len(text) % 2 == 0 else "0" + text)
            if fmt == "base64":
                return mime_unbase64(text)
            return text.encode("utf-8")
        except (ValueError, IllegalArgumentException):
            if not fail:
                return None
            raise IllegalArgumentException(
                errorClass="CONVERSION_INVALID_INPUT",
                messageParameters={"str": f"'{text}'", "fmt": f"'{fmt.upper()}'", "targetType": '"BINARY"',
                                   "suggestion": "`try_to_binary`"}) from None

    def kernel(values, n, call):
        fmt = call.options["format"]
        if fmt is None:
            return pa.nulls(n, pa.binary())
        # a Python loop per row: the formats have no Arrow kernel that fails as Spark does
        return pa.array([None if s is None else convert(s, fmt) for s in values[0].to_pylist()], pa.binary())
    return kernel


register(FunctionSpec("to_binary", _to_binary_resolver("to_binary"), _to_binary_kernel(True)))
register(FunctionSpec("try_to_binary", _to_binary_resolver("try_to_binary"), _to_binary_kernel(False)))


# -- phonetic and check codes ----------------------------------------------------------------------

_SOUNDEX_CODES = dict(zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "01230127022455012623017202"))


def soundex_value(s: str) -> str:
    """Spark's American soundex: text that does not start with an ASCII letter is returned as it
    is; H and W do not separate equal codes, other non-letters do."""
    if not s:
        return s
    head = s[0].upper() if s[0].isascii() else s[0]
    if head not in _SOUNDEX_CODES:
        return s
    out, last = [head], _SOUNDEX_CODES[head]
    for ch in s[1:]:
        code = _SOUNDEX_CODES.get(ch.upper() if ch.isascii() else "")
        if code is None:
            last = "0"
        elif code != "7":
            if code != "0" and code != last:
                out.append(code)
                if len(out) == 4:
                    break
            last = code
    return "".join(out).ljust(4, "0")


register(FunctionSpec("soundex", one_string("soundex", strict=True),
                      lambda values, n, call: rowwise(soundex_value, values, pa.string())))


def luhn_value(s: str) -> bool:
    if not s or not all(ch.isdecimal() for ch in s):
        return False
    total = 0
    for i, ch in enumerate(reversed(s)):
        digit = int(ch) * (2 if i % 2 else 1)
        total += digit - 9 if digit > 9 else digit
    return total % 10 == 0


register(FunctionSpec("luhn_check", one_string("luhn_check", T.BooleanType(), nullable=True),
                      lambda values, n, call: rowwise(luhn_value, values, pa.bool_())))

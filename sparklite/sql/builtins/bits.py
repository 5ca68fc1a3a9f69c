"""Integers as bits and as digits: the bitwise operators (``&``, ``|``, ``^``, ``~``), the shifts
(``shiftleft``, ``shiftright``, ``shiftrightunsigned``, ``<<``, ``>>``, ``>>>``), ``bit_count``,
``bit_get``/``getbit``, and ``conv``/``hex``/``unhex``/``bin``, with Spark 4.3's types, names and
errors (``conv`` past 64 bits raises ``ARITHMETIC_OVERFLOW`` in ANSI mode). The argument checks
they share with the other math functions are in ``mathfuncs.py``.
"""
from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sparklite.sql import types as T
from sparklite.sql.builtins.mathfuncs import (INT64_MAX, M64, arity, call_sql, coerced_argument,
                                              integer_values, null_array, overflow_error, type_text,
                                              unexpected)
from sparklite.sql.builtins.registry import FunctionSpec, register
from sparklite.sql.errors import AnalysisException, SparkRuntimeException
from sparklite.sql.plan import coercion as C
from sparklite.sql.plan.expressions import Literal


# -- conv, hex, unhex, bin ---------------------------------------------------------------------

def _resolve_conv(args):
    arity("conv", args, 3)
    sql = call_sql("conv", args)
    coerced = [coerced_argument(sql, args, 0, T.StringType())] + \
        [coerced_argument(sql, args, i, T.IntegerType()) for i in (1, 2)]
    return coerced, T.StringType(), True


def _digit_values(text: str, base: int) -> list[int]:
    """The leading digits of ``text`` in ``base`` (Spark stops at the first character that is not one)."""
    digits = []
    for ch in text:
        value = int(ch, 36) if ch.isascii() and ch.isalnum() else base
        if value >= base:
            break
        digits.append(value)
    return digits


def _convert(text: str, from_base: int, to_base: int) -> str | None:
    """Spark's NumberConverter: the number read as an unsigned 64-bit value (a leading '-' negates
    it), written unsigned in a positive base and signed in a negative one."""
    if not 2 <= from_base <= 36 or not 2 <= abs(to_base) <= 36 or not text:
        return None
    negative = text.startswith("-")
    value = 0
    for digit in _digit_values(text[1:] if negative else text, from_base):
        value = value * from_base + digit
        if value > M64:
            raise overflow_error("Overflow in function conv()")
    if negative and to_base > 0:
        value = M64 if value > INT64_MAX else -value & M64
    if to_base < 0 and value > INT64_MAX:
        value, negative = -value & M64, True
    base = abs(to_base)
    out = ""
    while True:
        value, digit = divmod(value, base)
        out = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[digit] + out
        if not value:
            break
    return "-" + out if negative and to_base < 0 else out


def _conv_kernel(values, n, call):
    # one number at a time: a digit-by-digit conversion with no Arrow kernel
    rows = zip(*(v.to_pylist() for v in values))
    return pa.array([None if None in row else _convert(row[0].strip(" "), row[1], row[2]) for row in rows],
                    pa.string())


register(FunctionSpec("conv", _resolve_conv, _conv_kernel))


def _resolve_hex(args):
    arity("hex", args, 1)
    arg = args[0]
    t = arg.data_type
    if C.is_string(t) or isinstance(t, T.BinaryType):
        coerced = arg
    elif isinstance(t, (T.NumericType, T.NullType)):
        coerced = C.cast_to(arg, T.LongType())
    else:
        coerced = coerced_argument(call_sql("hex", args), args, 0, T.StringType(), '("BIGINT" or "BINARY" or "STRING")')
    return [coerced], T.StringType(), coerced.nullable


def _hex_kernel(values, n, call):
    (x,) = values
    # row by row: Arrow has no hex text of integers or bytes
    if pa.types.is_integer(x.type):
        return pa.array([None if v is None else format(v & M64, "X") for v in x.to_pylist()], pa.string())
    data = x.cast(pa.binary()).to_pylist()
    return pa.array([None if v is None else v.hex().upper() for v in data], pa.string())


register(FunctionSpec("hex", _resolve_hex, _hex_kernel))

_HEX_TEXT = re.compile(r"[0-9A-Fa-f]*")


def _resolve_unhex(args):
    arity("unhex", args, 1)
    return [coerced_argument(call_sql("unhex", args), args, 0, T.StringType())], T.BinaryType(), True


def _unhex(text: str) -> bytes | None:
    if not _HEX_TEXT.fullmatch(text):
        return None
    return bytes.fromhex("0" + text if len(text) % 2 else text)


def _unhex_kernel(values, n, call):
    # row by row: Arrow has no hex decoding
    return pa.array([None if v is None else _unhex(v) for v in values[0].to_pylist()], pa.binary())


register(FunctionSpec("unhex", _resolve_unhex, _unhex_kernel))


def _resolve_bin(args):
    arity("bin", args, 1)
    arg = coerced_argument(call_sql("bin", args), args, 0, T.LongType())
    return [arg], T.StringType(), arg.nullable


def _bin_kernel(values, n, call):
    # row by row: Arrow has no binary text of integers
    return pa.array([None if v is None else format(v & M64, "b") for v in values[0].to_pylist()], pa.string())


register(FunctionSpec("bin", _resolve_bin, _bin_kernel))


# -- bitwise operators, shifts, bit_count, bit_get ---------------------------------------------

def _bitwise_operand(e, other):
    """A string operand of a bitwise operator is read as a bigint; NULL takes the other side's type."""
    t = e.data_type
    if C.is_string(t):
        return C.cast_to(e, T.LongType())
    if isinstance(t, T.NullType):
        o = other.data_type
        return C.cast_to(e, o if C.is_integral(o) else T.LongType() if C.is_string(o) else T.IntegerType())
    return e


def _decimal_operand(e, decimal_side: bool):
    """How Spark shows an integer beside a decimal in a type error: as the decimal it would widen to."""
    if decimal_side and C.is_integral(e.data_type):
        if isinstance(e, Literal) and e.value is not None:
            return T.DecimalType(max(len(str(abs(e.value))), 1), 0)
        return C.decimal_of(e.data_type)
    return e.data_type


def _bitwise_resolver(symbol: str):
    def resolve(args):
        arity(symbol, args, 2)
        left, right = _bitwise_operand(args[0], args[1]), _bitwise_operand(args[1], args[0])
        lt, rt = left.data_type, right.data_type
        sql = f'"({args[0].sql()} {symbol} {args[1].sql()})"'
        if C.is_integral(lt) and C.is_integral(rt):
            wide = C.wider_type(lt, rt)
            return [C.cast_to(left, wide), C.cast_to(right, wide)], wide, left.nullable or right.nullable
        decimal_side = isinstance(lt, T.DecimalType) or isinstance(rt, T.DecimalType)
        shown_left, shown_right = _decimal_operand(left, decimal_side), _decimal_operand(right, decimal_side)
        if shown_left == shown_right:
            raise AnalysisException(errorClass="DATATYPE_MISMATCH.BINARY_OP_WRONG_TYPE",
                                    messageParameters={"sqlExpr": sql, "inputType": '"INTEGRAL"',
                                                       "actualDataType": type_text(shown_left)})
        raise AnalysisException(errorClass="DATATYPE_MISMATCH.BINARY_OP_DIFF_TYPES",
                                messageParameters={"sqlExpr": sql, "left": type_text(shown_left),
                                                   "right": type_text(shown_right)})
    return resolve


for _name, _symbol, _kernel in (("bitwise_and", "&", pc.bit_wise_and), ("bitwise_or", "|", pc.bit_wise_or),
                                ("bitwise_xor", "^", pc.bit_wise_xor)):
    register(FunctionSpec(_name, _bitwise_resolver(_symbol), lambda values, n, call, k=_kernel: k(*values),
                          render=lambda args, call, s=_symbol: f"({args[0]} {s} {args[1]})", aliases=(_symbol,)))


def _resolve_bitwise_not(args):
    arity("~", args, 1)
    arg = args[0]
    if isinstance(arg.data_type, T.NullType):
        arg = C.cast_to(arg, T.IntegerType())
    elif not C.is_integral(arg.data_type):
        raise unexpected(f"~{arg.sql()}", 0, '"INTEGRAL"', arg)
    return [arg], arg.data_type, arg.nullable


register(FunctionSpec("~", _resolve_bitwise_not, lambda values, n, call: pc.bit_wise_not(values[0]),
                      render=lambda args, call: f"~{args[0]}"))


# name -> (its operator, the numpy shift on the value's signed or unsigned bits)
_SHIFTS = {"shiftleft": ("<<", np.left_shift, True), "shiftright": (">>", np.right_shift, False),
           "shiftrightunsigned": (">>>", np.right_shift, True)}


def _shift(name: str, symbol: str, function, unsigned: bool) -> FunctionSpec:
    def resolve(args):
        arity(name, args, 2)
        sql = call_sql(name, args)
        value = args[0]
        if not isinstance(value.data_type, T.LongType):
            value = coerced_argument(sql, args, 0, T.IntegerType(), '("INT" or "BIGINT")')
        amount = coerced_argument(sql, args, 1, T.IntegerType())
        return [value, amount], value.data_type, value.nullable or amount.nullable

    def kernel(values, n, call):
        x, amount = values
        bits = x.type.bit_width
        # Java shifts by the amount modulo the width, and >>> shifts zeros in
        numbers = integer_values(x).astype(np.int32 if bits == 32 else np.int64)
        if unsigned:
            numbers = numbers.view(np.uint32 if bits == 32 else np.uint64)
        shifted = function(numbers, (integer_values(amount) & (bits - 1)).astype(numbers.dtype))
        return pa.array(shifted.view(np.int32 if bits == 32 else np.int64), x.type, mask=null_array(x, amount))

    def render(args, call):
        shown = call.options.get("display_name", name)
        return f"({args[0]} {symbol} {args[1]})" if shown == symbol else f"{shown}({', '.join(args)})"
    return FunctionSpec(name, resolve, kernel, render=render, aliases=(symbol,))


for _name, (_symbol, _function, _unsigned) in _SHIFTS.items():
    register(_shift(_name, _symbol, _function, _unsigned))


def _resolve_bit_count(args):
    arity("bit_count", args, 1)
    arg = args[0]
    if not (C.is_integral(arg.data_type) or isinstance(arg.data_type, (T.BooleanType, T.NullType))):
        raise unexpected(call_sql("bit_count", args), 0, '("INTEGRAL" or "BOOLEAN")', arg)
    return [arg], T.IntegerType(), arg.nullable


def _bit_count_kernel(values, n, call):
    (x,) = values
    if pa.types.is_null(x.type):
        return pa.nulls(n, pa.int32())
    if pa.types.is_boolean(x.type):
        return x.cast(pa.int32())
    # a narrower integer counts the bits of its value widened to a bigint, sign bits included
    counts = np.bitwise_count(integer_values(x).view(np.uint64))
    return pa.array(counts.astype(np.int32), pa.int32(), mask=null_array(x))


register(FunctionSpec("bit_count", _resolve_bit_count, _bit_count_kernel))


def _resolve_bit_get(args):
    arity("bit_get", args, 2)
    sql = call_sql("bit_get", args)
    value = args[0]
    if isinstance(value.data_type, T.NullType):
        value = C.cast_to(value, T.IntegerType())
    elif not C.is_integral(value.data_type):
        raise unexpected(sql, 0, '"INTEGRAL"', value)
    position = coerced_argument(sql, args, 1, T.IntegerType())
    return [value, position], T.ByteType(), value.nullable or position.nullable


def _bit_get_kernel(values, n, call):
    x, position = values
    bits = x.type.bit_width
    positions = integer_values(position)
    mask = null_array(x, position)
    wrong = ~mask & ((positions < 0) | (positions >= bits))
    if wrong.any():
        raise SparkRuntimeException(
            errorClass="INVALID_PARAMETER_VALUE.BIT_POSITION_RANGE",
            messageParameters={"parameter": "`pos`", "functionName": f"`{call.options.get('display_name', 'bit_get')}`",
                               "upper": str(bits), "invalidValue": str(positions[wrong][0])})
    shifted = np.right_shift(integer_values(x), np.where(mask, 0, positions)) & 1
    return pa.array(shifted.astype(np.int8), pa.int8(), mask=mask)


register(FunctionSpec("bit_get", _resolve_bit_get, _bit_get_kernel, aliases=("getbit",)))

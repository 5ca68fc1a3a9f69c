"""Positions within strings: ``substring``/``substr``, ``left``, ``right``, ``substring_index``,
``overlay``, ``instr``, ``locate``/``position``, ``find_in_set``, ``contains``, ``startswith``,
``endswith`` and ``split_part``, with Spark 4.3's semantics.

Contract:
* Positions count characters, 1-based. ``substring`` takes 0 as the first character and -n as the
  n-th from the end, and cuts silently past either end; ``overlay`` cuts the same way around the
  replaced part (a negative length means the replacement's). ``left``/``right`` of a length <= 0 are
  empty; ``right`` is always a nullable string, as in Spark.
* ``instr(str, substr[, start[, occurrence]])`` (Spark 4.3) finds the ``occurrence``-th match from
  ``start``, backward from the end when ``start`` is negative, matches overlapping; an empty
  ``substr`` is found at 1; ``occurrence`` < 1 raises ``INVALID_PARAMETER_VALUE.OCCURRENCE``.
  ``locate(substr, str, pos)`` gives 0 for ``pos`` < 1 or NULL. ``substring_index`` finds
  overlapping delimiters as Spark does.
* ``split_part`` splits at a literal delimiter (an empty one leaves the string whole); part 0 raises
  ``INVALID_INDEX_OF_ZERO``, a part past the end is ''.
* With constant positions and needles the kernels run pyarrow's slicing, splitting and matching
  kernels on whole arrays; arguments that vary by row take a Python loop.
"""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sparklite.sql import types as T
from sparklite.sql.builtins.registry import FunctionSpec, register
from sparklite.sql.builtins.strings import (INT, INT_MAX, STRING, VARIES, any_nullable, call_sql, check_arity, constant,
                                            empty_like, integer_arg, is_binary, list_parts, rowwise, string_arg,
                                            substring_array, substring_value, types_text)
from sparklite.sql.errors import AnalysisException, SparkRuntimeException
from sparklite.sql.plan.expressions import Literal


# -- substrings ------------------------------------------------------------------------------------

def _resolve_substring(args):
    check_arity("substring", args, 2, 3)
    args = list(args) + [Literal(INT_MAX, INT)] * (3 - len(args))
    sql = call_sql("substring", args)
    coerced = [string_arg(sql, args, 0, binary=True), integer_arg(sql, args, 1), integer_arg(sql, args, 2)]
    return coerced, coerced[0].data_type, any_nullable(coerced)


def _substring_kernel(values, n, call):
    pos, length = constant(call, values, 1), constant(call, values, 2)
    if pos is VARIES or length is VARIES:
        return rowwise(substring_value, values, values[0].type)
    if pos is None or length is None:
        return pa.nulls(n, values[0].type)
    return substring_array(values[0], pos, length)


register(FunctionSpec("substring", _resolve_substring, _substring_kernel, aliases=("substr",)))


def _resolve_left(args):
    check_arity("left", args, 2)
    sql = call_sql("left", args)
    coerced = [string_arg(sql, args, 0, binary=True), integer_arg(sql, args, 1)]
    return coerced, coerced[0].data_type, any_nullable(coerced)


def _resolve_right(args):
    check_arity("right", args, 2)
    sql = call_sql("right", args)
    return [string_arg(sql, args, 0), integer_arg(sql, args, 1)], STRING, True


def _edge_kernel(from_left: bool):
    """``left`` is ``substring(s, 1, n)``, ``right`` is ``substring(s, -n, n)``."""
    def bounds(length: int) -> tuple:
        return (1, length) if from_left else (-length, length)

    def kernel(values, n, call):
        length = constant(call, values, 1)
        if length is VARIES:
            return rowwise(lambda s, k: substring_value(s, *bounds(k)), values, values[0].type)
        if length is None:
            return pa.nulls(n, values[0].type)
        return substring_array(values[0], *bounds(length))
    return kernel


register(FunctionSpec("left", _resolve_left, _edge_kernel(True)))
register(FunctionSpec("right", _resolve_right, _edge_kernel(False)))


def _substring_index_value(s: str, delim: str, count: int) -> str:
    """Spark's ``subStringIndex``: occurrences are found one character after the previous one, so
    they may overlap (``substring_index('aaa', 'aa', 2)`` is ``a``)."""
    if not delim or count == 0:
        return ""
    if count > 0:
        index = -1
        for _ in range(count):
            index = s.find(delim, index + 1)
            if index < 0:
                return s
        return s[:index]
    index = len(s) - len(delim) + 1
    for _ in range(-count):
        index = s.rfind(delim, 0, index - 1 + len(delim))
        if index < 0:
            return s
    return s[index + len(delim):]


def _overlaps_itself(delim: str) -> bool:
    return any(delim[:k] == delim[-k:] for k in range(1, len(delim)))


def _substring_index_forward(strings: pa.Array, delim: str, count: int) -> pa.Array:
    parts = pc.split_pattern(strings, delim, max_splits=count)
    joined = pc.binary_join(pc.list_slice(parts, 0, count), delim)
    return pc.if_else(pc.greater(pc.list_value_length(parts), count), joined, strings)


def _resolve_substring_index(args):
    check_arity("substring_index", args, 3)
    sql = call_sql("substring_index", args)
    coerced = [string_arg(sql, args, 0), string_arg(sql, args, 1), integer_arg(sql, args, 2)]
    return coerced, STRING, any_nullable(coerced)


def _substring_index_kernel(values, n, call):
    delim, count = constant(call, values, 1), constant(call, values, 2)
    if delim is VARIES or count is VARIES or _overlaps_itself(delim or ""):
        return rowwise(_substring_index_value, values, pa.string())
    if delim is None or count is None:
        return pa.nulls(n, pa.string())
    if not delim or count == 0:
        return empty_like(values[0])
    if count > 0:
        return _substring_index_forward(values[0], delim, count)
    # the last -count parts: the first ones of the reversed text
    backward = _substring_index_forward(pc.utf8_reverse(values[0]), delim[::-1], -count)
    return pc.utf8_reverse(backward)


register(FunctionSpec("substring_index", _resolve_substring_index, _substring_index_kernel))


# -- searching -------------------------------------------------------------------------------------

def _first_positions(strings: pa.Array, needle: str) -> pa.Array:
    """1-based character position of the first ``needle`` in each string, 0 when there is none."""
    if not needle:
        return pc.if_else(pc.is_valid(strings), 1, pa.scalar(None, pa.int32()))
    parts = pc.split_pattern(strings, needle, max_splits=1)
    before = pc.utf8_length(pc.list_element(parts, 0))
    found = pc.equal(pc.list_value_length(parts), 2)
    return pc.if_else(found, pc.add(before, 1), 0).cast(pa.int32())


def _instr_value(s: str, needle: str, start: int, occurrence: int) -> int:
    """Spark 4.3's ``instr``: the ``occurrence``-th match at or after ``start``, searching backward
    from the end when ``start`` is negative; matches may overlap; an empty needle is at 1."""
    if occurrence <= 0:
        raise SparkRuntimeException(
            errorClass="INVALID_PARAMETER_VALUE.OCCURRENCE",
            messageParameters={"parameter": "`occurrence`", "functionName": "`instr`", "actual": str(occurrence)})
    if not needle:
        return 1
    if start > 0:
        index = start - 2
        for _ in range(occurrence):
            index = s.find(needle, index + 1)
            if index < 0:
                return 0
        return index + 1
    if start == 0 or len(s) + start < 0:
        return 0
    index = len(s) + start + 1
    for _ in range(occurrence):
        index = s.rfind(needle, 0, index - 1 + len(needle))
        if index < 0:
            return 0
    return index + 1


def _resolve_instr(args):
    check_arity("instr", args, 2, 3, 4)
    if len(args) == 3:
        args = list(args) + [Literal(1, INT)]
    sql = call_sql("instr", args)
    coerced = [string_arg(sql, args, 0), string_arg(sql, args, 1)] + \
        [integer_arg(sql, args, i) for i in range(2, len(args))]
    return coerced, INT, any_nullable(coerced)


def _instr_kernel(values, n, call):
    needle = constant(call, values, 1)
    simple = len(values) == 2 or (constant(call, values, 2) == 1 and constant(call, values, 3) == 1)
    if needle is not VARIES and needle is not None and simple:
        return _first_positions(values[0], needle)
    if len(values) == 2:
        return rowwise(lambda s, sub: _instr_value(s, sub, 1, 1), values, pa.int32())
    return rowwise(_instr_value, values, pa.int32())


register(FunctionSpec("instr", _resolve_instr, _instr_kernel))


def _resolve_locate(args):
    check_arity("locate", args, 2, 3)
    if len(args) == 2:
        args = list(args) + [Literal(1, INT)]
    sql = call_sql("locate", args)
    coerced = [string_arg(sql, args, 0), string_arg(sql, args, 1), integer_arg(sql, args, 2)]
    return coerced, INT, coerced[0].nullable or coerced[1].nullable


def _locate_value(needle: str, s: str, start) -> int:
    """Spark's ``locate``: 0 for a start below 1 or NULL; an empty needle is found at 1."""
    if start is None or start < 1:
        return 0
    return 1 if not needle else s.find(needle, start - 1) + 1


def _locate_kernel(values, n, call):
    needle, s, start = values
    first = constant(call, values, 0)
    if constant(call, values, 2) == 1 and first is not VARIES and first is not None:
        return _first_positions(s, first)
    needles, strings, starts = (v.to_pylist() for v in values)
    return pa.array([None if (a is None or b is None) and c is not None else _locate_value(a, b, c)
                     for a, b, c in zip(needles, strings, starts)], pa.int32())


register(FunctionSpec("locate", _resolve_locate, _locate_kernel, aliases=("position",)))


def _find_in_set_value(s: str, items: str) -> int:
    if "," in s:
        return 0
    for i, item in enumerate(items.split(","), 1):
        if item == s:
            return i
    return 0


def _two_strings(name: str, result, binary: bool = False):
    """A function of two strings (both kept binary when both are binary and ``binary``)."""
    def resolve(args):
        check_arity(name, args, 2)
        sql = call_sql(name, args)
        if binary and all(isinstance(a.data_type, T.BinaryType) for a in args):
            return list(args), result, True
        coerced = [string_arg(sql, args, 0), string_arg(sql, args, 1)]
        return coerced, result, any_nullable(coerced)
    return resolve


register(FunctionSpec("find_in_set", _two_strings("find_in_set", INT),
                      lambda values, n, call: rowwise(_find_in_set_value, values, pa.int32())))


def _affix_kernel(name: str):
    arrow = {"contains": pc.match_substring, "startswith": pc.starts_with, "endswith": pc.ends_with}[name]
    test = {"contains": lambda s, x: x in s, "startswith": lambda s, x: s.startswith(x),
            "endswith": lambda s, x: s.endswith(x)}[name]

    def kernel(values, n, call):
        needle = constant(call, values, 1)
        if needle is VARIES or is_binary(values[0]):
            return rowwise(test, values, pa.bool_())
        if needle is None:
            return pa.nulls(n, pa.bool_())
        return arrow(values[0], needle)
    return kernel


for _name in ("contains", "startswith", "endswith"):
    register(FunctionSpec(_name, _two_strings(_name, T.BooleanType(), binary=True), _affix_kernel(_name)))


# -- splitting at a literal delimiter --------------------------------------------------------------

def _element_or_empty(lists: pa.Array, part: int) -> pa.Array:
    """Element ``part`` (1-based, negative from the end) of each list, '' when there is none."""
    flat, first, length = list_parts(lists)
    index = part - 1 if part > 0 else length + part
    inside = (index >= 0) & (index < length)
    taken = flat.take(pa.array(np.where(inside, first + index, 0), mask=~inside)) if len(flat) else \
        pa.nulls(len(lists), pa.string())
    return pc.if_else(lists.is_valid(), pc.fill_null(taken, ""), pa.scalar(None, pa.string()))


def _split_part_value(s: str, delim: str, part: int) -> str:
    pieces = s.split(delim) if delim else [s]
    index = part - 1 if part > 0 else len(pieces) + part
    return pieces[index] if 0 <= index < len(pieces) else ""


def _resolve_split_part(args):
    check_arity("split_part", args, 3)
    sql = call_sql("split_part", args)
    return [string_arg(sql, args, 0), string_arg(sql, args, 1), integer_arg(sql, args, 2)], STRING, True


def _split_part_kernel(values, n, call):
    strings, delims, parts = values
    if pc.any(pc.and_(pc.equal(parts, 0), pc.and_(strings.is_valid(), delims.is_valid()))).as_py():
        raise SparkRuntimeException(errorClass="INVALID_INDEX_OF_ZERO", messageParameters={})
    delim, part = constant(call, values, 1), constant(call, values, 2)
    if delim is VARIES or part is VARIES:
        return rowwise(_split_part_value, values, pa.string())
    if delim is None or part is None:
        return pa.nulls(n, pa.string())
    if not delim:
        return strings if part in (1, -1) else empty_like(strings)
    return _element_or_empty(pc.split_pattern(strings, delim), part)


register(FunctionSpec("split_part", _resolve_split_part, _split_part_kernel))


# -- overlay ---------------------------------------------------------------------------------------

def _resolve_overlay(args):
    check_arity("overlay", args, 3, 4)
    if len(args) == 3:
        args = list(args) + [Literal(-1, INT)]
    sql = call_sql("overlay", args)
    source, replacement = string_arg(sql, args, 0, binary=True), string_arg(sql, args, 1, binary=True)
    if isinstance(source.data_type, T.BinaryType) != isinstance(replacement.data_type, T.BinaryType):
        raise AnalysisException(errorClass="DATATYPE_MISMATCH.DATA_DIFF_TYPES",
                                messageParameters={"sqlExpr": f'"{sql}"', "functionName": "`overlay`",
                                                   "dataType": types_text([args[0].data_type,
                                                                            args[1].data_type])})
    coerced = [source, replacement, integer_arg(sql, args, 2), integer_arg(sql, args, 3)]
    return coerced, source.data_type, any_nullable(coerced)


def _overlay_value(s, replacement, pos: int, length: int):
    """Spark's overlay: the text before ``pos``, the replacement, then the text from ``pos +
    length`` on (``length`` < 0: the replacement's length), both cut as ``substring`` cuts."""
    length = length if length >= 0 else len(replacement)
    return substring_value(s, 1, pos - 1) + replacement + substring_value(s, pos + length, INT_MAX)


def _overlay_kernel(values, n, call):
    source, replacement = values[0], values[1]
    fixed_replacement, pos, length = (constant(call, values, i) for i in (1, 2, 3))
    if length is not VARIES and length is not None and length < 0:
        # a negative length stands for the replacement's own
        length = fixed_replacement if fixed_replacement in (VARIES, None) else len(fixed_replacement)
    if pos is VARIES or length is VARIES:
        return rowwise(_overlay_value, values, source.type)
    if pos is None or length is None:
        return pa.nulls(n, source.type)
    before = substring_array(source, 1, pos - 1)
    after = substring_array(source, pos + length, INT_MAX)
    return pc.binary_join_element_wise(before, replacement, after, b"" if is_binary(source) else "")


register(FunctionSpec("overlay", _resolve_overlay, _overlay_kernel))

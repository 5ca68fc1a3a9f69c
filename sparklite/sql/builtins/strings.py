"""The string family's base and its plain functions: case (``upper``, ``lower``, ``initcap``),
lengths, trimming, padding, ``concat``/``concat_ws``, ``translate``, ``replace``, ``repeat``,
``space``, ``reverse``, ``elt`` and ``levenshtein``, with Spark 4.3's semantics. The family's other
modules build on this one: ``substrings`` (positions: ``substring``, ``instr``, ``split_part``...),
``encodings`` (``ascii``, ``chr``, ``base64``, ``to_binary``, ``soundex``...), ``regexp`` (LIKE and
regular expressions), ``formatting`` (``format_string``, ``format_number``) and ``hashes``.

Contract:
* The argument checks here (``string_arg``, ``binary_arg``, ``integer_arg``, ``check_arity``) coerce
  as Spark's ANSI implicit casts do: a string parameter takes any atomic value (numbers, booleans,
  dates, binary) as its string, an integer parameter any number or numeric string; anything else
  raises ``DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE`` naming the parameter, a wrong count
  ``WRONG_NUM_ARGS``. Optional arguments get Spark's defaults at analysis, so that column names
  show them (``lpad(s, 5,  )``).
* Kernels work on whole Arrow arrays: ``constant`` tells a kernel which arguments are one value for
  every row, so pyarrow's ``utf8_*``/``binary_*``/list kernels can run; pyarrow's ``ascii_*`` case
  kernels run on ASCII rows only, since pyarrow maps case with Unicode's simple mappings and Java
  with the full ones (``upper('ß')`` is ``SS``, ``lower('ΑΣ')`` is ``ας``). ``rowwise`` is the Python
  loop for what no kernel computes; each place that uses it says why.
* ``concat`` joins strings, binary values (all binary) or arrays (all arrays, of a common element
  type); ``concat_ws`` skips NULLs and flattens arrays of strings; ``elt`` out of range raises
  ``INVALID_ARRAY_INDEX``.
"""
from __future__ import annotations

import enum

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sparklite.sql import types as T
from sparklite.sql.builtins.registry import FunctionSpec, register
from sparklite.sql.errors import AnalysisException, ArrayIndexOutOfBoundsException
from sparklite.sql.plan import coercion as C
from sparklite.sql.plan.expressions import Literal


STRING, BINARY, INT = T.StringType(), T.BinaryType(), T.IntegerType()
INT_MAX = (1 << 31) - 1
DOCROOT = "https://spark.apache.org/docs/latest"
_ORDINALS = ("first", "second", "third", "fourth", "fifth")
_ATOMIC = (T.NumericType, T.BooleanType, T.DateType, T.TimestampType, T.TimestampNTZType, T.BinaryType,
           T.DayTimeIntervalType, T.YearMonthIntervalType)


# -- argument checks shared by the string family ---------------------------------------------------

def call_sql(name: str, args) -> str:
    return f"{name}({', '.join(a.sql() for a in args)})"


def check_arity(name: str, args, *counts: int, at_least: int | None = None) -> None:
    """``WRONG_NUM_ARGS`` unless the call has one of ``counts`` arguments (or ``at_least`` some)."""
    if at_least is not None and len(args) < at_least:
        expected = f"> {at_least - 1}"
    elif at_least is None and len(args) not in counts:
        expected = str(counts[0]) if len(counts) == 1 else f"[{', '.join(map(str, counts))}]"
    else:
        return
    raise AnalysisException(errorClass="WRONG_NUM_ARGS.WITHOUT_SUGGESTION",
                            messageParameters={"functionName": f"`{name}`", "expectedNum": expected,
                                               "actualNum": str(len(args)), "docroot": DOCROOT})


def unexpected_type(sql: str, index: int, required: str, arg) -> AnalysisException:
    return AnalysisException(errorClass="DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE",
                             messageParameters={"sqlExpr": f'"{sql}"', "paramIndex": _ORDINALS[index],
                                                "requiredType": required, "inputSql": f'"{arg.sql()}"',
                                                "inputType": f'"{T.sql_type_name(arg.data_type)}"'})


def string_arg(sql: str, args, index: int, binary: bool = False, strict: bool = False):
    """Argument ``index`` as a string (or kept binary when ``binary``); ``strict`` parameters take
    no implicit cast but NULL's (``soundex``)."""
    e = args[index]
    t = e.data_type
    if C.is_string(t) or (binary and isinstance(t, T.BinaryType)):
        return e
    if isinstance(t, T.NullType) or (not strict and isinstance(t, _ATOMIC)):
        return C.cast_to(e, STRING)
    raise unexpected_type(sql, index, '("STRING" or "BINARY")' if binary else '"STRING"', e)


def binary_arg(sql: str, args, index: int):
    e = args[index]
    if isinstance(e.data_type, T.BinaryType):
        return e
    if C.is_string(e.data_type) or isinstance(e.data_type, T.NullType):
        return C.cast_to(e, BINARY)
    raise unexpected_type(sql, index, '"BINARY"', e)


def integer_arg(sql: str, args, index: int, target=INT):
    e = args[index]
    t = e.data_type
    if t == target:
        return e
    if C.is_numeric(t) or C.is_string(t) or isinstance(t, T.NullType):
        return C.cast_to(e, target)
    raise unexpected_type(sql, index, f'"{T.sql_type_name(target)}"', e)


def any_nullable(args) -> bool:
    return any(a.nullable for a in args)


# -- kernel helpers --------------------------------------------------------------------------------

class _Argument(enum.Enum):
    # an enum member, so that kernels pickled by value into tasks still compare ``is VARIES``
    VARIES = "varies"


VARIES = _Argument.VARIES


def constant(call, values, index: int):
    """Argument ``index``'s value when it is one for every row (a literal, or a folded constant),
    else ``VARIES``; None stands for NULL."""
    if not call.children[index].foldable:
        return VARIES
    return values[index][0].as_py() if len(values[index]) else None


def rowwise(function, values, out_type: pa.DataType) -> pa.Array:
    """``function`` on each row's Python values (NULL where any argument is NULL): the Python loop
    for the functions no Arrow kernel computes."""
    columns = [v.to_pylist() for v in values]
    return pa.array([None if None in row else function(*row) for row in zip(*columns)], out_type)


def is_binary(array) -> bool:
    return pa.types.is_binary(array.type)


def empty_like(array) -> pa.Array:
    """Empty values where ``array`` has values, NULL where it has NULL."""
    empty = pa.scalar(b"" if is_binary(array) else "", array.type)
    return pc.if_else(pc.is_valid(array), empty, pa.scalar(None, array.type))


def _by_ascii(strings: pa.Array, ascii_kernel, convert) -> pa.Array:
    """``ascii_kernel`` on every row, then ``convert`` (Python str -> str, Java's full case
    mappings) on the rows holding non-ASCII text: a Python loop over those rows only."""
    result = ascii_kernel(strings)
    other = pc.fill_null(pc.invert(pc.string_is_ascii(strings)), False)
    if not pc.any(other).as_py():
        return result
    fixed = pa.array([convert(s) for s in strings.filter(other).to_pylist()], pa.string())
    return pc.replace_with_mask(result, other, fixed)


# -- case ------------------------------------------------------------------------------------------

def one_string(name: str, result=STRING, binary: bool = False, strict: bool = False, nullable=None):
    def resolve(args):
        check_arity(name, args, 1)
        arg = string_arg(call_sql(name, args), args, 0, binary=binary, strict=strict)
        return [arg], result, arg.nullable if nullable is None else nullable
    return resolve


def _initcap_text(s: str) -> str:
    """Spark's initcap: each word (words are separated by spaces only) with its first character in
    title case (``ǆ`` -> ``ǅ``, ``ß`` -> ``Ss``) and the rest in lower case."""
    return " ".join(word.capitalize() for word in s.split(" "))


def _initcap_ascii(strings: pa.Array) -> pa.Array:
    words = pc.split_pattern(pc.ascii_lower(strings), " ")
    capitalized = pc.ascii_capitalize(words.flatten())
    offsets = pc.subtract(words.offsets, words.offsets[0])
    rebuilt = pa.ListArray.from_arrays(offsets, capitalized, mask=words.is_null())
    return pc.binary_join(rebuilt, " ")


def lower_case(strings: pa.Array) -> pa.Array:
    """Java's ``toLowerCase``, on a whole array."""
    return _by_ascii(strings, pc.ascii_lower, str.lower)


register(FunctionSpec("upper", one_string("upper"),
                      lambda values, n, call: _by_ascii(values[0], pc.ascii_upper, str.upper), aliases=("ucase",)))
register(FunctionSpec("lower", one_string("lower"), lambda values, n, call: lower_case(values[0]),
                      aliases=("lcase",)))
register(FunctionSpec("initcap", one_string("initcap"),
                      lambda values, n, call: _by_ascii(values[0], _initcap_ascii, _initcap_text)))


# -- lengths ---------------------------------------------------------------------------------------

def _length_kernel(unit: str):
    def kernel(values, n, call):
        (v,) = values
        if unit == "char" and not is_binary(v):
            return pc.utf8_length(v)
        octets = pc.binary_length(v)
        return pc.multiply(octets, 8) if unit == "bit" else octets
    return kernel


register(FunctionSpec("length", one_string("length", INT, binary=True), _length_kernel("char"),
                      aliases=("char_length", "character_length", "len")))
register(FunctionSpec("octet_length", one_string("octet_length", INT, binary=True), _length_kernel("octet")))
register(FunctionSpec("bit_length", one_string("bit_length", INT, binary=True), _length_kernel("bit")))


# -- trimming --------------------------------------------------------------------------------------

_TRIM_KERNELS = {"trim": pc.utf8_trim, "ltrim": pc.utf8_ltrim, "rtrim": pc.utf8_rtrim, "btrim": pc.utf8_trim}
_TRIM_WORDS = {"trim": "BOTH", "ltrim": "LEADING", "rtrim": "TRAILING"}


def _trim_resolver(name: str):
    """``trim(str)`` / ``trim(trimStr, str)`` (Spark's SQL order; ``btrim(str, trimStr)`` is the
    other way round). The call keeps ``[str, trimStr]``."""
    def resolve(args):
        check_arity(name, args, 1, 2)
        sql = call_sql(name, args)
        coerced = [string_arg(sql, args, i) for i in range(len(args))]
        if len(coerced) == 2 and name != "btrim":
            coerced.reverse()
        return coerced, STRING, any_nullable(coerced)
    return resolve


def _trim_render(name: str):
    def render(arg_sqls, call):
        if len(arg_sqls) == 1:
            return f"{name}({arg_sqls[0]})"
        return f"TRIM({_TRIM_WORDS[name]} {arg_sqls[1]} FROM {arg_sqls[0]})"
    return render


def _trim_kernel(name: str):
    strip = {"trim": str.strip, "ltrim": str.lstrip, "rtrim": str.rstrip, "btrim": str.strip}[name]

    def kernel(values, n, call):
        strings = values[0]
        characters = constant(call, values, 1) if len(values) == 2 else " "
        if characters is VARIES:
            return rowwise(strip, values, pa.string())
        if characters is None:
            return pa.nulls(n, pa.string())
        return _TRIM_KERNELS[name](strings, characters) if characters else strings
    return kernel


for _name in ("trim", "ltrim", "rtrim"):
    register(FunctionSpec(_name, _trim_resolver(_name), _trim_kernel(_name), render=_trim_render(_name)))
register(FunctionSpec("btrim", _trim_resolver("btrim"), _trim_kernel("btrim")))


# -- cutting (shared with substrings) --------------------------------------------------------------

def sql_slice(pos: int, length: int):
    """Spark's ``substring(s, pos, length)`` as a Python slice ``(start, stop)`` that holds for
    strings of every length, or None when the result is always empty."""
    if length <= 0:
        return None
    if pos > 0:
        return pos - 1, pos - 1 + length
    if pos == 0:
        return 0, length
    return pos, (pos + length if pos + length < 0 else None)


def substring_value(s, pos: int, length: int):
    bounds = sql_slice(pos, length)
    return s[:0] if bounds is None else s[bounds[0]:bounds[1]]


def substring_array(strings: pa.Array, pos: int, length: int) -> pa.Array:
    bounds = sql_slice(pos, length)
    if bounds is None:
        return empty_like(strings)
    return (pc.binary_slice if is_binary(strings) else pc.utf8_slice_codeunits)(strings, *bounds)


# -- padding ---------------------------------------------------------------------------------------

def _resolve_pad(name: str):
    def resolve(args):
        check_arity(name, args, 2, 3)
        sql = call_sql(name, args)
        source = string_arg(sql, args, 0, binary=True)
        if len(args) == 2:
            binary = isinstance(source.data_type, T.BinaryType)
            args = list(args) + [Literal(b"\x00", BINARY) if binary else Literal(" ", STRING)]
            sql = call_sql(name, args)
        pad = string_arg(sql, args, 2, binary=True)
        if isinstance(source.data_type, T.BinaryType) != isinstance(pad.data_type, T.BinaryType):
            source, pad = string_arg(sql, [source], 0), string_arg(sql, [pad], 0)
        coerced = [source, integer_arg(sql, args, 1), pad]
        return coerced, source.data_type, any_nullable(coerced)
    return resolve


def _pad_value(s, length: int, pad, left: bool):
    """Spark's lpad/rpad: cut to ``length``, or filled up with ``pad`` repeated (an empty pad adds
    nothing)."""
    missing = length - len(s)
    if missing <= 0 or not pad:
        return s[:max(length, 0)]
    fill = (pad * (missing // len(pad) + 1))[:missing]
    return fill + s if left else s + fill


def _pad_kernel(left: bool):
    def kernel(values, n, call):
        strings = values[0]
        length, pad = constant(call, values, 1), constant(call, values, 2)
        if length is VARIES or pad is VARIES:
            return rowwise(lambda s, k, p: _pad_value(s, k, p, left), values, strings.type)
        if length is None or pad is None:
            return pa.nulls(n, strings.type)
        binary = is_binary(strings)
        cut = substring_array(strings, 1, length)
        if not pad or length <= 0:
            return cut
        sizes = (pc.binary_length if binary else pc.utf8_length)(strings).fill_null(length)
        missing = np.maximum(length - sizes.to_numpy(zero_copy_only=False).astype(np.int64), 0)
        # one fill per distinct shortfall, taken to every row that needs it
        shortfalls, which = np.unique(missing, return_inverse=True)
        fill = pad * (length // len(pad) + 1)
        fills = pa.array([fill[:k] for k in shortfalls], strings.type).take(pa.array(which.ravel()))
        parts = (fills, cut) if left else (cut, fills)
        return pc.binary_join_element_wise(*parts, b"" if binary else "")
    return kernel


register(FunctionSpec("lpad", _resolve_pad("lpad"), _pad_kernel(True)))
register(FunctionSpec("rpad", _resolve_pad("rpad"), _pad_kernel(False)))


# -- concatenation ---------------------------------------------------------------------------------

def _list_segments(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The flat positions ``starts[i] .. starts[i] + lengths[i] - 1`` of every segment, in order."""
    total = int(lengths.sum())
    out_starts = np.cumsum(lengths) - lengths
    return np.arange(total, dtype=np.int64) - np.repeat(out_starts, lengths) + np.repeat(starts, lengths)


def list_parts(array: pa.Array):
    """A list array's elements (flattened), each row's first element in them and its length."""
    offsets = array.offsets.to_numpy(zero_copy_only=False).astype(np.int64)
    lengths = np.where(array.is_null().to_numpy(zero_copy_only=False), 0, np.diff(offsets))
    return array.flatten(), offsets[:-1] - offsets[0], lengths


def _concat_lists(arrays: list, out_type: pa.DataType) -> pa.Array:
    null = np.zeros(len(arrays[0]), dtype=bool)
    flats, starts, lengths, shift = [], [], [], 0
    for array in arrays:
        flat, first, length = list_parts(array)
        flats.append(flat.cast(out_type.value_type))
        starts.append(first + shift)
        lengths.append(length)
        shift += len(flat)
        null |= array.is_null().to_numpy(zero_copy_only=False)
    lengths = np.where(null[:, None], 0, np.stack(lengths, axis=1))
    index = _list_segments(np.stack(starts, axis=1).ravel(), lengths.ravel())
    values = pa.concat_arrays(flats).take(pa.array(index))
    offsets = np.concatenate([[0], np.cumsum(lengths.sum(axis=1))]).astype(np.int32)
    return pa.ListArray.from_arrays(pa.array(offsets), values, type=out_type, mask=pa.array(null))


def types_text(types) -> str:
    distinct = list(dict.fromkeys(f'"{T.sql_type_name(t)}"' for t in types))
    return "(" + " or ".join(distinct) + ")"


def _resolve_concat(args):
    if not args:
        return [], STRING, False
    sql = call_sql("concat", args)
    for i, a in enumerate(args):
        if not isinstance(a.data_type, (T.ArrayType, T.NullType) + _ATOMIC) and not C.is_string(a.data_type):
            raise unexpected_type(sql, i, '("STRING" or "BINARY" or "ARRAY")', a)
    types = [a.data_type for a in args]
    if any(isinstance(t, T.ArrayType) for t in types):
        common = types[0] if isinstance(types[0], T.ArrayType) else None
        for t in types[1:]:
            common = C.wider_type(common, t) if isinstance(t, T.ArrayType) and common is not None else None
        if common is None:
            shown = [t if isinstance(t, T.ArrayType) else STRING for t in types]
            raise AnalysisException(errorClass="DATATYPE_MISMATCH.DATA_DIFF_TYPES",
                                    messageParameters={"sqlExpr": f'"{sql}"', "functionName": "`concat`",
                                                       "dataType": types_text(shown)})
        return [C.cast_to(a, common) for a in args], common, any_nullable(args)
    if all(isinstance(t, T.BinaryType) for t in types):
        return list(args), BINARY, any_nullable(args)
    coerced = [string_arg(sql, args, i) for i in range(len(args))]
    return coerced, STRING, any_nullable(coerced)


def _concat_kernel(values, n, call):
    if not values:
        return pa.array([""] * n, pa.string())
    if isinstance(call.data_type, T.ArrayType):
        return _concat_lists(values, T.to_arrow_type(call.data_type))
    return pc.binary_join_element_wise(*values, b"" if isinstance(call.data_type, T.BinaryType) else "")


register(FunctionSpec("concat", _resolve_concat, _concat_kernel))


def _resolve_concat_ws(args):
    check_arity("concat_ws", args, at_least=1)
    sql = call_sql("concat_ws", args)
    coerced = [string_arg(sql, args, 0)]
    for i, a in enumerate(args[1:], 1):
        t = a.data_type
        if isinstance(t, T.ArrayType) and (C.is_string(t.elementType) or isinstance(t.elementType, _ATOMIC)
                                           or isinstance(t.elementType, T.NullType)):
            coerced.append(C.cast_to(a, T.ArrayType(STRING, t.containsNull)))
        elif isinstance(t, T.ArrayType):
            raise unexpected_type(sql, i, '("ARRAY<STRING>" or "STRING")', a)
        else:
            coerced.append(string_arg(sql, args, i))
    return coerced, STRING, coerced[0].nullable


def _compact(lists: pa.Array) -> pa.Array:
    """Each list without its NULL elements (a NULL list becomes empty)."""
    flat, first, length = list_parts(lists)
    valid = flat.is_valid().to_numpy(zero_copy_only=False)
    kept_before = np.concatenate([[0], np.cumsum(valid)])
    offsets = np.concatenate([[0], np.cumsum(kept_before[first + length] - kept_before[first])]).astype(np.int32)
    return pa.ListArray.from_arrays(pa.array(offsets), flat.filter(pa.array(valid)))


def _singletons(strings: pa.Array) -> pa.Array:
    """Each string as a list of itself, a NULL as an empty list."""
    valid = strings.is_valid().to_numpy(zero_copy_only=False)
    offsets = np.concatenate([[0], np.cumsum(valid)]).astype(np.int32)
    return pa.ListArray.from_arrays(pa.array(offsets), strings.filter(pa.array(valid)))


def _concat_ws_kernel(values, n, call):
    """Every row's non-NULL strings and array elements in one list, joined by the separator
    (pyarrow's ``binary_join_element_wise`` with ``skip`` loses rows whose values are all NULL)."""
    separator, *parts = values
    if not parts:
        return empty_like(separator)
    pieces = [_compact(p) if pa.types.is_list(p.type) else _singletons(p) for p in parts]
    return pc.binary_join(_concat_lists(pieces, pa.list_(pa.string())), separator)


register(FunctionSpec("concat_ws", _resolve_concat_ws, _concat_ws_kernel))


# -- rewriting -------------------------------------------------------------------------------------

def _translate_table(matching: str, replace: str) -> dict:
    """Spark's translate: the i-th character of ``matching`` becomes the i-th of ``replace`` (the
    first mapping of a character wins), or is removed when ``replace`` is shorter."""
    table: dict = {}
    for i, ch in enumerate(matching):
        table.setdefault(ord(ch), replace[i] if i < len(replace) else None)
    return table


def _resolve_strings(name: str, count: int, defaults: tuple = ()):
    def resolve(args):
        check_arity(name, args, *range(count - len(defaults), count + 1))
        args = list(args) + [Literal(v, STRING) for v in defaults[len(args) - count + len(defaults):]]
        sql = call_sql(name, args)
        coerced = [string_arg(sql, args, i) for i in range(count)]
        return coerced, STRING, any_nullable(coerced)
    return resolve


def _translate_kernel(values, n, call):
    matching, replace = constant(call, values, 1), constant(call, values, 2)
    if matching is VARIES or replace is VARIES:
        return rowwise(lambda s, m, r: s.translate(_translate_table(m, r)), values, pa.string())
    if matching is None or replace is None:
        return pa.nulls(n, pa.string())
    table = _translate_table(matching, replace)
    if all(k < 128 and (v is None or v.isascii()) for k, v in table.items()):
        return _translate_ascii(values[0], table)
    # a Python loop per row: pyarrow has no character-mapping kernel
    return pa.array([None if s is None else s.translate(table) for s in values[0].to_pylist()], pa.string())


def _translate_ascii(strings: pa.Array, table: dict) -> pa.Array:
    """An ASCII-only table applied to the UTF-8 bytes of all rows at once (no byte of a multi-byte
    character is ASCII, so the other characters pass through untouched)."""
    replacement, keep = np.arange(256, dtype=np.uint8), np.ones(256, dtype=bool)
    for code, new in table.items():
        if new is None:
            keep[code] = False
        else:
            replacement[code] = ord(new)
    n = len(strings)
    offsets = np.frombuffer(strings.buffers()[1], np.int32)[strings.offset:strings.offset + n + 1].astype(np.int64)
    data = np.frombuffer(strings.buffers()[2], np.uint8) if strings.buffers()[2] is not None else np.zeros(0, np.uint8)
    text = data[offsets[0]:offsets[-1]]
    kept = keep[text]
    kept_before = np.concatenate([[0], np.cumsum(kept)])
    result = pa.StringArray.from_buffers(n, pa.py_buffer(kept_before[offsets - offsets[0]].astype(np.int32)),
                                         pa.py_buffer(replacement[text][kept].tobytes()))
    return pc.if_else(strings.is_valid(), result, pa.scalar(None, pa.string()))


register(FunctionSpec("translate", _resolve_strings("translate", 3), _translate_kernel))


def _replace_kernel(values, n, call):
    search, replacement = constant(call, values, 1), constant(call, values, 2)
    if search is VARIES or replacement is VARIES:
        return rowwise(lambda s, a, b: s.replace(a, b) if a else s, values, pa.string())
    if search is None or replacement is None:
        return pa.nulls(n, pa.string())
    return pc.replace_substring(values[0], search, replacement) if search else values[0]


register(FunctionSpec("replace", _resolve_strings("replace", 3, ("",)), _replace_kernel))


def _resolve_repeat(args):
    check_arity("repeat", args, 2)
    sql = call_sql("repeat", args)
    coerced = [string_arg(sql, args, 0), integer_arg(sql, args, 1)]
    return coerced, STRING, any_nullable(coerced)


def _repeat_kernel(values, n, call):
    strings, times = values
    return pc.binary_repeat(strings, pc.max_element_wise(times, pa.scalar(0, times.type), skip_nulls=False))


register(FunctionSpec("repeat", _resolve_repeat, _repeat_kernel))


def _resolve_space(args):
    check_arity("space", args, 1)
    count = integer_arg(call_sql("space", args), args, 0)
    return [count], STRING, count.nullable


register(FunctionSpec("space", _resolve_space,
                      lambda values, n, call: _repeat_kernel([pa.array([" "] * n, pa.string()), values[0]], n, call)))


def _resolve_reverse(args):
    check_arity("reverse", args, 1)
    arg = args[0]
    if not isinstance(arg.data_type, T.ArrayType):
        arg = string_arg(call_sql("reverse", args), args, 0, binary=True)
    return [arg], arg.data_type, arg.nullable


def _reverse_lists(lists: pa.Array) -> pa.Array:
    flat, first, length = list_parts(lists)
    place = _list_segments(np.zeros_like(first), length)           # each element's place j in its row
    index = np.repeat(first + length - 1, length) - place          # takes element k - 1 - j of a row of k
    offsets = np.concatenate([[0], np.cumsum(length)]).astype(np.int32)
    return pa.ListArray.from_arrays(pa.array(offsets), flat.take(pa.array(index, pa.int64())), type=lists.type,
                                    mask=lists.is_null())


def _reverse_kernel(values, n, call):
    (v,) = values
    if pa.types.is_list(v.type):
        return _reverse_lists(v)
    return pc.binary_reverse(v) if is_binary(v) else pc.utf8_reverse(v)


register(FunctionSpec("reverse", _resolve_reverse, _reverse_kernel))


# -- choosing --------------------------------------------------------------------------------------

def _resolve_elt(args):
    check_arity("elt", args, at_least=2)
    sql = call_sql("elt", args)
    index = integer_arg(sql, args, 0)
    inputs = args[1:]
    if all(isinstance(a.data_type, T.BinaryType) for a in inputs):
        return [index] + list(inputs), BINARY, True
    for i, a in enumerate(inputs, 1):
        if not (C.is_string(a.data_type) or isinstance(a.data_type, (T.NullType,) + _ATOMIC)):
            raise unexpected_type(sql, i, '"STRING" or "BINARY"', a)
    return [index] + [string_arg(sql, args, i) for i in range(1, len(args))], STRING, True


def _elt_kernel(values, n, call):
    index, *inputs = values
    positions = index.fill_null(1).to_numpy(zero_copy_only=False)
    outside = (positions < 1) | (positions > len(inputs))
    if outside.any():
        raise ArrayIndexOutOfBoundsException(
            errorClass="INVALID_ARRAY_INDEX",
            messageParameters={"indexValue": str(int(positions[np.flatnonzero(outside)[0]])),
                               "arraySize": str(len(inputs))})
    return pc.choose(pc.subtract(index, 1), *inputs)


register(FunctionSpec("elt", _resolve_elt, _elt_kernel))


# -- edit distance ---------------------------------------------------------------------------------

def _resolve_levenshtein(args):
    check_arity("levenshtein", args, 2, 3)
    sql = call_sql("levenshtein", args)
    coerced = [string_arg(sql, args, 0), string_arg(sql, args, 1)] + \
        ([integer_arg(sql, args, 2)] if len(args) == 3 else [])
    return coerced, INT, any_nullable(coerced)


def levenshtein_value(a: str, b: str, threshold: int | None = None) -> int:
    """The edit distance of two strings (in characters), or -1 when it is above ``threshold``."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return -1 if threshold is not None and previous[-1] > threshold else previous[-1]


# a Python loop per row (dynamic programming): no Arrow kernel
register(FunctionSpec("levenshtein", _resolve_levenshtein,
                      lambda values, n, call: rowwise(levenshtein_value, values, pa.int32())))

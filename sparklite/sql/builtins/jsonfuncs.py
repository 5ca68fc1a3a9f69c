"""JSON functions: ``get_json_object``, ``json_tuple``, ``to_json``, ``from_json``, ``schema_of_json``,
``json_array_length`` and ``json_object_keys``, with Spark 4.3's semantics.

Contract:
* Reading: each function reads the first JSON value of its text (what follows is ignored), as
  Spark's Jackson parser does; a text that is not JSON gives NULL (``from_json``: see below).
  ``get_json_object``, ``json_tuple`` and the length/keys functions take single-quoted strings and
  raw control characters but no ``NaN``; ``from_json`` and ``schema_of_json`` take the JSON
  options of the JSON source (``sources.jsontext``).
* Writing: a JSON value taken out of a document (``get_json_object``, ``json_tuple``, a string
  field of ``from_json`` holding an object) is written back compactly as Jackson writes it:
  doubles in Java's form (``1.50`` -> ``1.5``, ``1e2`` -> ``100.0``), Jackson's escapes; a string
  found at the top of the path comes back without its quotes.
* ``get_json_object`` follows Spark's JSONPath subset (``$``, ``.name``, ``['name']``, ``[n]``,
  ``[*]``): a wildcard over an array gives one match as it is and several as an array; ``.*`` is
  parsed but never matches; an invalid path gives NULL. ``json_tuple`` is a generator of one row
  per input row, a column ``c<i>`` per field name (the last occurrence of a key wins, a JSON
  ``null`` is NULL).
* ``to_json`` writes structs (NULL fields left out unless ``ignoreNullFields`` is false), arrays
  and maps with the JSON writer of the file source; ``from_json`` converts with the file source's
  converters: PERMISSIVE gives the fields that converted (a struct of NULLs for a malformed
  record, NULL for an array or map schema), FAILFAST raises ``MALFORMED_RECORD_IN_PARSING``.
  Options are a literal map; the options argument does not show in the column name.
* Parsing and formatting loop over rows in Python with the ``json`` module: pyarrow has no kernel
  for JSON text inside a column.
"""
from __future__ import annotations

import decimal
import json
import re
from typing import NamedTuple

import numpy as np
import pyarrow as pa

from sparklite.sql import types as T
from sparklite.sql.builtins.registry import FunctionSpec, register
from sparklite.sql.builtins.strings import DOCROOT, call_sql, check_arity, constant, VARIES
from sparklite.sql.display import java_float_string
from sparklite.sql.errors import AnalysisException
from sparklite.sql.plan import coercion as C
from sparklite.sql.plan.expressions import Call, Literal
from sparklite.sql.sources.files import malformed_error
from sparklite.sql.sources.json import (JsonWriter, NeedRaw, ValueInference, _Bad, _converter, _JsonFile,
                                        _PartlyBad, canonical)
from sparklite.sql.sources.jsontext import JsonOptions, Malformed, Number, RawDict, RawList, _Parser

STRING = T.StringType()
_CORRUPT_RECORD = "_corrupt_record"


class _Settings(NamedTuple):
    """What the JSON source's options and writer read of a session's settings."""
    time_zone: str
    corrupt_column: str = _CORRUPT_RECORD


# -- reading JSON text -----------------------------------------------------------------------------

class Pairs(list):
    """A JSON object as its (key, value) pairs in document order (repeated keys kept)."""


def _no_constant(name: str):
    raise ValueError(name)


def _text_number(text: str) -> Number:
    number = Number(float(text))
    number.text = text
    return number


_PATH_DECODER = json.JSONDecoder(object_pairs_hook=Pairs, strict=False, parse_constant=_no_constant)
_LENIENT = JsonOptions.of({"allownonnumericnumbers": "false"}, _Settings("UTC"))
_MISSING = object()


def _as_pairs(value):
    if isinstance(value, dict):
        return Pairs((k, _as_pairs(v)) for k, v in value.items())
    if isinstance(value, list):
        return [_as_pairs(v) for v in value]
    return value


def read_document(text: str):
    """The first JSON value of ``text`` (objects as ``Pairs``), or ``_MISSING`` when it holds none:
    the reading of ``get_json_object``, ``json_tuple`` and the length/keys functions."""
    start = len(text) - len(text.lstrip(" \t\r\n"))
    try:
        return _PATH_DECODER.raw_decode(text, start)[0]
    except (ValueError, RecursionError):
        pass
    try:      # single-quoted strings, which Python's reader does not take
        return _as_pairs(_Parser(_LENIENT, text).value(start)[0])
    except (Malformed, RecursionError, IndexError, ValueError):
        return _MISSING


# -- writing JSON text as Jackson does -------------------------------------------------------------

_ESCAPES = {c: f"\\u{c:04X}" for c in range(32)}
_ESCAPES.update({ord('"'): '\\"', ord("\\"): "\\\\", 8: "\\b", 9: "\\t", 10: "\\n", 12: "\\f", 13: "\\r"})


def quote(text: str) -> str:
    return '"' + text.translate(_ESCAPES) + '"'


def dumps(value) -> str:
    """A parsed JSON value written compactly, as Jackson's ``copyCurrentStructure`` writes it."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return quote(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (float, decimal.Decimal)):
        return java_float_string(float(value))
    if isinstance(value, Pairs):
        return "{" + ",".join(quote(k) + ":" + dumps(v) for k, v in value) + "}"
    if isinstance(value, dict):
        return "{" + ",".join(quote(k) + ":" + dumps(v) for k, v in value.items()) + "}"
    return "[" + ",".join(dumps(v) for v in value) + "]"


# -- get_json_object -------------------------------------------------------------------------------

_KEY, _SUBSCRIPT, _WILDCARD = "key", "subscript", "wildcard"
_NAME = re.compile(r"[^.\[]+")
_QUOTED_NAME = re.compile(r"[^']+")
_INDEX = re.compile(r"\d+")


def parse_path(path: str) -> list | None:
    """Spark's JSONPath as instructions (``key``, ``("named", name)``, ``subscript``, ``wildcard``,
    ``("index", n)``), or None when Spark rejects it. Blanks between tokens are skipped, as Scala's
    parser combinators skip them."""
    i, n = 0, len(path)

    def blank(j):
        while j < n and path[j].isspace():
            j += 1
        return j

    i = blank(i)
    if not path.startswith("$", i):
        return None
    out = []
    i += 1
    while True:
        i = blank(i)
        if i >= n:
            return out
        if path.startswith(".*", i) or path.startswith("['*']", i):
            out.append(_WILDCARD)
            i += 2 if path[i] == "." else 5
        elif path[i] == ".":
            m = _NAME.match(path, blank(i + 1))
            if not m:
                return None
            out += [_KEY, ("named", m.group(0))]
            i = m.end()
        elif path.startswith("['", i):
            m = _QUOTED_NAME.match(path, blank(i + 2))
            if not m or not path.startswith("']", blank(m.end())):
                return None
            out += [_KEY, ("named", m.group(0))]
            i = blank(m.end()) + 2
        elif path[i] == "[":
            j = blank(i + 1)
            if path.startswith("*", j):
                item, j = _WILDCARD, j + 1
            else:
                m = _INDEX.match(path, j)
                if not m:
                    return None
                item, j = ("index", int(m.group(0))), m.end()
            j = blank(j)
            if not path.startswith("]", j):
                return None
            out += [_SUBSCRIPT, item]
            i = j + 1
        else:
            return None


class _Writer:
    """Jackson's generator as far as the path walk uses it: values separated inside arrays."""

    def __init__(self):
        self.parts, self.open = [], []

    def _separate(self):
        if self.open:
            if self.open[-1]:
                self.parts.append(",")
            self.open[-1] += 1

    def value(self, text: str):
        self._separate()
        self.parts.append(text)

    def raw(self, text: str):
        self.parts.append(text)

    def start_array(self):
        self._separate()
        self.parts.append("[")
        self.open.append(0)

    def end_array(self):
        self.open.pop()
        self.parts.append("]")

    def text(self) -> str:
        return "".join(self.parts)


_RAW, _QUOTED, _FLATTEN = "raw", "quoted", "flatten"


def _evaluate(node, out: _Writer, style: str, path: list) -> bool:
    """Spark's ``evaluatePath`` on a parsed value: writes the matches of ``path`` under ``node``
    and tells whether there was one."""
    if not path:
        if isinstance(node, str) and style == _RAW:
            out.raw(node)
            return True
        if isinstance(node, list) and not isinstance(node, Pairs) and style == _FLATTEN:
            dirty = False
            for element in node:
                dirty |= _evaluate(element, out, style, [])
            return dirty
        out.value(dumps(node))
        return True
    head, rest = path[0], path[1:]
    if isinstance(node, Pairs):
        if head != _KEY:
            return False
        name = rest[0][1]     # the parser puts a name after every key
        # the first field of the name that matches; a JSON null is no match
        return any(key == name and value is not None and _evaluate(value, out, style, rest[1:])
                   for key, value in node)
    if not isinstance(node, list) or head != _SUBSCRIPT or not rest:
        return False
    item, after = rest[0], rest[1:]
    if item == _WILDCARD:
        if after[:2] == [_SUBSCRIPT, _WILDCARD]:
            # Hive's double wildcard flattens the inner arrays into one
            out.start_array()
            dirty = False
            for element in node:
                dirty |= _evaluate(element, out, _FLATTEN, after[2:])
            out.end_array()
            return dirty
        if style != _QUOTED:
            inner = _Writer()
            inner.start_array()
            matched = sum(_evaluate(element, inner, _QUOTED if style == _RAW else _FLATTEN, after)
                          for element in node)
            inner.end_array()
            text = inner.text()
            if matched > 1:
                out.value(text)
            elif matched == 1:
                out.value(text[1:-1])
            return matched > 0
        out.start_array()
        dirty = False
        for element in node:
            dirty |= _evaluate(element, out, _QUOTED, after)
        out.end_array()
        return dirty
    index = item[1]
    if index >= len(node):
        return False
    next_style = _QUOTED if after[:2] == [_SUBSCRIPT, _WILDCARD] else style
    return _evaluate(node[index], out, next_style, after)


def get_json_object(text: str, path: list) -> str | None:
    """The JSON text ``path`` finds in ``text`` (None when it finds nothing)."""
    document = read_document(text)
    if document is _MISSING:
        return None
    out = _Writer()
    return out.text() if _evaluate(document, out, _RAW, path) else None


def _strict_string(name: str, args, index: int):
    e = args[index]
    if C.is_string(e.data_type):
        return e
    if isinstance(e.data_type, T.NullType):
        return C.cast_to(e, STRING)
    raise AnalysisException(errorClass="DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE",
                            messageParameters={"sqlExpr": f'"{call_sql(name, args)}"',
                                               "paramIndex": ("first", "second")[index], "requiredType": '"STRING"',
                                               "inputSql": f'"{e.sql()}"',
                                               "inputType": f'"{T.sql_type_name(e.data_type)}"'})


def _resolve_get_json_object(args):
    check_arity("get_json_object", args, 2)
    return [_strict_string("get_json_object", args, 0), _strict_string("get_json_object", args, 1)], STRING, True


def _get_json_object_kernel(values, n, call):
    texts = values[0].to_pylist()
    fixed = constant(call, values, 1)
    paths = [fixed] * n if fixed is not VARIES else values[1].to_pylist()
    parsed = {}
    out = []
    for text, path in zip(texts, paths):
        if path not in parsed:
            parsed[path] = None if path is None else parse_path(path)
        instructions = parsed[path]
        out.append(None if text is None or instructions is None else get_json_object(text, instructions))
    return pa.array(out, pa.string())


register(FunctionSpec("get_json_object", _resolve_get_json_object, _get_json_object_kernel))


# -- json_tuple ------------------------------------------------------------------------------------

def _resolve_json_tuple(args):
    if len(args) < 2:
        raise AnalysisException(errorClass="WRONG_NUM_ARGS.WITHOUT_SUGGESTION",
                                messageParameters={"functionName": "`json_tuple`", "expectedNum": "> 1",
                                                   "actualNum": str(len(args)), "docroot": DOCROOT})
    if not all(C.is_string(a.data_type) for a in args):
        raise AnalysisException(errorClass="DATATYPE_MISMATCH.NON_STRING_TYPE",
                                messageParameters={"sqlExpr": f'"{call_sql("json_tuple", args)}"',
                                                   "funcName": "`json_tuple`"})
    return list(args), T.NullType(), True


def _json_tuple_outputs(call):
    return [(f"c{i}", STRING, True) for i in range(len(call.children) - 1)]


def _json_tuple_generate(values, n, call):
    documents = values[0].to_pylist()
    names = [v.to_pylist() for v in values[1:]]
    columns = [[None] * n for _ in names]
    for row, text in enumerate(documents):
        document = _MISSING if text is None else read_document(text)
        if not isinstance(document, Pairs):
            continue
        wanted = [column[row] for column in names]
        for key, value in document:
            if value is None:
                continue
            for c, name in enumerate(wanted):
                if name == key:
                    columns[c][row] = value if isinstance(value, str) else dumps(value)
    return np.arange(n, dtype=np.int64), [pa.array(column, pa.string()) for column in columns]


register(FunctionSpec("json_tuple", _resolve_json_tuple,
                      options={"generator": (_json_tuple_outputs, _json_tuple_generate)}))


# -- json_array_length, json_object_keys -----------------------------------------------------------

def _json_array_length(text: str):
    document = read_document(text)
    return len(document) if isinstance(document, list) and not isinstance(document, Pairs) else None


def _json_object_keys(text: str):
    document = read_document(text)
    return [key for key, _ in document] if isinstance(document, Pairs) else None


def _per_text(name: str, function, result_type: T.DataType) -> FunctionSpec:
    """A function of one JSON string, ``function`` run on each text (NULL stays NULL)."""
    def resolve(args):
        check_arity(name, args, 1)
        return [_strict_string(name, args, 0)], result_type, True

    def kernel(values, n, call):
        texts = values[0].to_pylist()
        return pa.array([None if text is None else function(text) for text in texts], T.to_arrow_type(result_type))
    return FunctionSpec(name, resolve, kernel)


register(_per_text("json_array_length", _json_array_length, T.IntegerType()))
register(_per_text("json_object_keys", _json_object_keys, T.ArrayType(STRING)))


# -- options ---------------------------------------------------------------------------------------

def _options(args, index: int) -> tuple:
    """The literal map of options at ``index`` as sorted (key, value) pairs (hashable, for the
    call's options), keys lower-cased as the JSON options read them."""
    return tuple(sorted(_option_map(args, index).items()))


def _option_map(args, index: int) -> dict:
    if len(args) <= index:
        return {}
    e = args[index]
    if isinstance(e, Call) and e.spec.name in ("map", "create_map") and all(isinstance(c, Literal) for c in e.children):
        values = [c.value for c in e.children]
        return {str(k).lower(): str(v).lower() if isinstance(v, bool) else str(v)
                for k, v in zip(values[::2], values[1::2]) if k is not None and v is not None}
    if isinstance(e, Literal) and isinstance(e.data_type, T.MapType) and e.value is not None:
        return {str(k).lower(): str(v) for k, v in dict(e.value).items()}
    raise AnalysisException(errorClass="INVALID_OPTIONS.NON_MAP_FUNCTION", messageParameters={})


def _zone(call) -> str:
    return call.options.get("time_zone", "UTC")


# -- to_json ---------------------------------------------------------------------------------------

def _resolve_to_json(args):
    check_arity("to_json", args, 1, 2)
    t = args[0].data_type
    if not isinstance(t, (T.StructType, T.ArrayType, T.MapType)):
        raise AnalysisException(errorClass="DATATYPE_MISMATCH.INVALID_JSON_SCHEMA",
                                messageParameters={"sqlExpr": f'"{call_sql("to_json", args)}"',
                                                   "schema": f'"{T.sql_type_name(t)}"'})
    return [args[0]], STRING, True, {"json_options": _options(args, 1)}


def _to_json_kernel(values, n, call):
    writer = JsonWriter(T.StructType([]), dict(call.options["json_options"]), _Settings(_zone(call)))
    return _JsonFile(None, writer).render(values[0], call.children[0].data_type)


register(FunctionSpec("to_json", _resolve_to_json, _to_json_kernel, options={"needs_time_zone": True}))


# -- from_json -------------------------------------------------------------------------------------

def _schema(e) -> T.DataType:
    """The schema argument: a string literal in DDL (``a INT, b STRING``, ``ARRAY<INT>``) or in
    the JSON form of ``DataType.json()``."""
    if not (isinstance(e, Literal) and C.is_string(e.data_type) and e.value is not None):
        raise AnalysisException(errorClass="INVALID_SCHEMA.NON_STRING_LITERAL",
                                messageParameters={"inputSchema": f'"{e.sql()}"'})
    text = e.value.strip()
    if text.startswith("{"):
        return T._parse_datatype_json_string(text)
    return T._parse_datatype_string(text)


def _map_key_not_string(t) -> bool:
    if isinstance(t, T.MapType):
        return not C.is_string(t.keyType) or _map_key_not_string(t.valueType)
    if isinstance(t, T.ArrayType):
        return _map_key_not_string(t.elementType)
    if isinstance(t, T.StructType):
        return any(_map_key_not_string(f.dataType) for f in t.fields)
    return False


def _resolve_from_json(args):
    check_arity("from_json", args, 2, 3)
    schema = _schema(args[1])
    sql = f'"{call_sql("from_json", args)}"'
    if not isinstance(schema, (T.StructType, T.ArrayType, T.MapType)):
        raise AnalysisException(errorClass="DATATYPE_MISMATCH.INVALID_JSON_SCHEMA",
                                messageParameters={"sqlExpr": sql, "schema": f'"{T.sql_type_name(schema)}"'})
    if _map_key_not_string(schema):
        raise AnalysisException(errorClass="DATATYPE_MISMATCH.INVALID_JSON_MAP_KEY_TYPE",
                                messageParameters={"sqlExpr": sql, "schema": f'"{T.sql_type_name(schema)}"'})
    options = _options(args, 2)
    mode = dict(options).get("mode", "PERMISSIVE").upper()
    if mode not in ("PERMISSIVE", "FAILFAST"):
        raise AnalysisException(errorClass="PARSE_MODE_UNSUPPORTED",
                                messageParameters={"funcName": "`from_json`", "mode": mode})
    return [_strict_string("from_json", args, 0)], schema, True, {"json_options": options}


def _with_texts(value):
    """A parsed value whose objects and arrays keep each member's JSON text, for string fields
    that meet non-string values (Spark writes those back compactly)."""
    if isinstance(value, dict):
        out = RawDict((k, _with_texts(v)) for k, v in value.items())
        out.raw = {k: dumps(v) for k, v in value.items()}
        return out
    if isinstance(value, list):
        out = RawList(_with_texts(v) for v in value)
        out.raw = [dumps(v) for v in value]
        return out
    return value


class _Reader:
    """``from_json``'s reading of one text against its schema (see the module's contract)."""

    def __init__(self, schema, options: dict, time_zone: str, exact: bool = False):
        self.schema = schema
        self.opts = JsonOptions.of(options, _Settings(time_zone))
        self.decoder = json.JSONDecoder(parse_float=decimal.Decimal if exact else _text_number)
        if isinstance(schema, T.StructType):
            self.fields = [(f.name, _converter(f.dataType, self.opts, time_zone)) for f in schema.fields
                           if f.name != self.opts.corrupt_column]
            self.corrupt = any(f.name == self.opts.corrupt_column for f in schema.fields)
        else:
            self.convert = _converter(schema, self.opts, time_zone)

    def parse(self, text: str):
        """The first JSON value of ``text``; ``Malformed`` when there is none."""
        start = len(text) - len(text.lstrip(" \t\r\n"))
        # Python's reader takes NaN and Infinity, which the option may refuse
        if self.opts.allow_non_numeric or not re.search(r"\b(NaN|Infinity)\b", text):
            try:
                return self.decoder.raw_decode(text, start)[0]
            except (ValueError, RecursionError):
                pass
        try:
            return _Parser(self.opts, text).value(start)[0]
        except (RecursionError, IndexError, ValueError):
            raise Malformed() from None

    def read(self, text: str):
        """The value of ``text`` (a dict for a struct), or raises ``_Bad`` / ``_PartlyBad``."""
        try:
            value = self.parse(text)
        except Malformed:
            raise _Bad() from None
        try:
            return self._convert(value)
        except NeedRaw:
            return self._convert(_with_texts(value))

    def _convert(self, value):
        if not isinstance(self.schema, T.StructType):
            if isinstance(self.schema, T.ArrayType) and isinstance(self.schema.elementType, T.StructType) \
                    and isinstance(value, dict):
                value = [value]       # one object read as an array of one struct
            return self.convert(value, None, None)
        if not isinstance(value, dict):
            raise _Bad()
        out, bad = {}, False
        for name, convert in self.fields:
            x = value.get(name)
            try:
                out[name] = None if x is None else convert(x, value, name)
            except _PartlyBad as partly:
                out[name], bad = partly.partial, True
            except _Bad:
                out[name], bad = None, True
        if bad:
            raise _PartlyBad(out)
        return out

    def bad_record(self, text: str, partial: dict | None):
        if not isinstance(self.schema, T.StructType):
            return None
        out = dict(partial or {})
        if self.corrupt:
            out[self.opts.corrupt_column] = text
        return out


def _from_json_kernel(values, n, call):
    reader = _Reader(call.data_type, dict(call.options["json_options"]), _zone(call))
    out = []
    for text in values[0].to_pylist():
        if text is None or not text.strip():
            out.append(None)
            continue
        try:
            out.append(reader.read(text))
        except _Bad as bad:
            if reader.opts.mode == "FAILFAST":
                raise malformed_error("[null]") from None
            out.append(reader.bad_record(text, getattr(bad, "partial", None)))
    return pa.array(out, T.to_arrow_type(call.data_type))


def _render_from_json(arg_sqls, call):
    # Spark names a map result by the field its MapType converter writes
    return "entries" if isinstance(call.data_type, T.MapType) else f"from_json({arg_sqls[0]})"


register(FunctionSpec("from_json", _resolve_from_json, _from_json_kernel, render=_render_from_json,
                      options={"needs_time_zone": True}))


# -- schema_of_json --------------------------------------------------------------------------------

def _resolve_schema_of_json(args):
    check_arity("schema_of_json", args, 1, 2)
    e = args[0]
    if not e.foldable or not (C.is_string(e.data_type) or isinstance(e.data_type, T.NullType)):
        raise AnalysisException(errorClass="DATATYPE_MISMATCH.NON_FOLDABLE_INPUT",
                                messageParameters={"sqlExpr": f'"{call_sql("schema_of_json", args)}"',
                                                   "inputName": "`json`", "inputType": '"STRING"',
                                                   "inputExpr": f'"{e.sql()}"'})
    return [C.cast_to(e, STRING)], STRING, False, {"json_options": _options(args, 1)}


def schema_of_json(text: str, options: dict, time_zone: str = "UTC") -> str:
    """The DDL of the type Spark infers for the JSON value of ``text`` (SchemaOfJson's rules)."""
    reader = _Reader(T.StringType(), options, time_zone, exact=True)
    if not text.strip(" \t\r\n"):
        return "STRING"
    try:
        value = reader.parse(text)
    except Malformed:
        raise malformed_error("[null]") from None
    opts = reader.opts
    if not opts.prefers_decimal:
        value = _floats(value)
    found = ValueInference(opts, time_zone).infer(value)
    if isinstance(found, T.StructType):
        found = canonical(found, opts.drop_all_null) or T.StructType([])
    elif isinstance(found, T.ArrayType) and isinstance(found.elementType, T.StructType):
        element = canonical(found.elementType, opts.drop_all_null)
        found = T.ArrayType(element or T.StructType([]), found.containsNull)
    else:
        found = canonical(found, opts.drop_all_null) or T.StringType()
    return T.sql_type_name(found)


def _floats(value):
    """Decimals read exactly back to doubles (what inference sees without ``prefersDecimal``)."""
    if isinstance(value, dict):
        return {k: _floats(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_floats(v) for v in value]
    return float(value) if isinstance(value, decimal.Decimal) else value


def _schema_of_json_kernel(values, n, call):
    options, zone = dict(call.options["json_options"]), _zone(call)
    found = {}
    out = []
    for text in values[0].to_pylist():
        if text not in found:
            found[text] = None if text is None else schema_of_json(text, options, zone)
        out.append(found[text])
    return pa.array(out, pa.string())


register(FunctionSpec("schema_of_json", _resolve_schema_of_json, _schema_of_json_kernel,
                      options={"needs_time_zone": True}))

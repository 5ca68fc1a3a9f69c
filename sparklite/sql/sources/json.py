"""The JSON source (JSON lines, or one document per file with ``multiLine``) and writer.

Contract:
* A record is a line (or a file, with ``multiLine``), parsed as Spark's Jackson parser does (see
  ``parse_record``): an object is a row, an array of objects a row per object, anything else a
  malformed record. Lines of plain types (numbers, booleans, strings, arrays and structs of them)
  are read and inferred by ``pyarrow.json`` where it agrees with Spark; whatever it rejects (a
  malformed or mixed-type record, a number in a string column, ...) is read again in Python.
* Inference: objects are structs with their fields sorted by name, integers bigint (decimal when
  larger), other numbers double (decimal with ``prefersDecimal``), strings string (timestamp with
  ``inferTimestamp`` when they parse), ``primitivesAsString`` makes every value a string; types of
  one field merge as Spark merges them (numbers widen, structs merge, anything else is string);
  a field that is only ever null is string (dropped with ``dropFieldIfAllNull``), empty structs
  are dropped. Malformed records add ``columnNameOfCorruptRecord`` (``PERMISSIVE``), are skipped
  (``DROPMALFORMED``) or raise (``FAILFAST``).
* Reading against a schema: names match exactly; a string column takes any value as its JSON text;
  numbers, booleans, dates (``dateFormat`` or lenient), timestamps (``timestampFormat`` or lenient, or
  seconds), binaries (base64) convert as Spark's parser does. A value that does not convert is NULL
  and makes the record malformed (the mode then applies as for CSV, keeping what converted).
* The writer writes one JSON object per line with the schema's field order, leaving NULL fields out
  (``ignoreNullFields``, on by default), doubles as Java prints them (``"NaN"``, ``"Infinity"`` as
  strings), decimals plainly, dates and timestamps with ``dateFormat`` / ``timestampFormat``,
  binaries in base64, maps as objects.
"""
from __future__ import annotations

import base64
import binascii
import decimal
import json
import random
import re

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pajson

from sparklite.sql import types as T
from sparklite.sql.errors import AnalysisException
from sparklite.sql.execution.cast import to_string
from sparklite.sql.sources.commit import joined_lines, text_codec
from sparklite.sql.sources.datetimes import DateParser, TimestampParser, write_formatters
from sparklite.sql.sources.files import (BIG_DECIMAL, INTEGER_BITS, FileSource, compression_of, finish_rows,
                                         malformed_error, only_corrupt_column_error, plan_splits, read_line_range,
                                         read_whole, run_tasks, select_columns)
from sparklite.sql.sources.jsontext import NON_NUMERIC, JsonOptions, Malformed, parse_record, records

_LONG = (-2 ** 63, 2 ** 63 - 1)


class NeedRaw(Exception):
    """A string column met a non-string value of a record parsed without its texts."""


# -- inference -----------------------------------------------------------------------------------

_WIDER_NUMBER = [T.LongType, T.DoubleType]


def compatible_type(a, b):
    """Spark's JSON ``compatibleType``."""
    if a == b or isinstance(b, T.NullType):
        return a
    if isinstance(a, T.NullType):
        return b
    if type(a) in _WIDER_NUMBER and type(b) in _WIDER_NUMBER:
        return T.DoubleType()
    if isinstance(a, T.DecimalType) and isinstance(b, T.DoubleType) or \
            isinstance(a, T.DoubleType) and isinstance(b, T.DecimalType):
        return T.DoubleType()
    if isinstance(a, T.LongType) and isinstance(b, T.DecimalType):
        return compatible_type(T.DecimalType(20, 0), b)
    if isinstance(a, T.DecimalType) and isinstance(b, T.LongType):
        return compatible_type(a, T.DecimalType(20, 0))
    if isinstance(a, T.DecimalType) and isinstance(b, T.DecimalType):
        scale = max(a.scale, b.scale)
        whole = max(a.precision - a.scale, b.precision - b.scale)
        return T.DoubleType() if whole + scale > 38 else T.DecimalType(whole + scale, scale)
    if isinstance(a, T.StructType) and isinstance(b, T.StructType):
        merged = {f.name: f.dataType for f in a.fields}
        for f in b.fields:
            merged[f.name] = compatible_type(merged[f.name], f.dataType) if f.name in merged else f.dataType
        return T.StructType([T.StructField(name, merged[name], True) for name in sorted(merged)])
    if isinstance(a, T.ArrayType) and isinstance(b, T.ArrayType):
        return T.ArrayType(compatible_type(a.elementType, b.elementType), True)
    if {type(a), type(b)} == {T.TimestampType, T.TimestampNTZType}:
        return T.TimestampType()
    return T.StringType()


class ValueInference:
    """Spark's JSON ``inferField`` on parsed values."""

    def __init__(self, opts: JsonOptions, time_zone: str):
        self.opts = opts
        self.timestamp = TimestampParser(opts.timestamp_format, time_zone) if opts.infer_timestamp else None

    def infer(self, value):
        if value is None:
            return T.NullType()
        if isinstance(value, dict):
            return T.StructType([T.StructField(k, self.infer(value[k]), True) for k in sorted(value)])
        if isinstance(value, list):
            element = T.NullType()
            for v in value:
                element = compatible_type(element, self.infer(v))
            return T.ArrayType(element, True)
        if self.opts.primitives_as_string:
            return T.StringType()
        if isinstance(value, bool):
            return T.BooleanType()
        if isinstance(value, int):
            if _LONG[0] <= value <= _LONG[1]:
                return T.LongType()
            digits = len(str(abs(value)))
            return T.DecimalType(digits, 0) if digits <= 38 else T.DoubleType()
        if isinstance(value, (float, decimal.Decimal)):
            return self._fraction(value)
        if self.timestamp is not None and self.timestamp(value) is not None:
            return T.TimestampType()
        return T.StringType()

    def _fraction(self, value):
        if not self.opts.prefers_decimal or not isinstance(value, decimal.Decimal) or not value.is_finite():
            return T.DoubleType()
        _, digits, exponent = value.as_tuple()
        scale, precision = -exponent, len(digits)
        if scale < 0:
            raise AnalysisException(errorClass="NEGATIVE_SCALE_DISALLOWED", messageParameters={
                "scale": str(scale), "sqlConf": '"spark.sql.legacy.allowNegativeScaleOfDecimal"'})
        width = max(precision, scale)
        return T.DecimalType(width, scale) if width <= 38 else T.DoubleType()


def canonical(data_type, drop_all_null: bool):
    """Spark's ``canonicalizeType``: NULL-only fields string (or gone), empty structs gone."""
    if isinstance(data_type, T.NullType):
        return None if drop_all_null else T.StringType()
    if isinstance(data_type, T.ArrayType):
        element = canonical(data_type.elementType, drop_all_null)
        return None if element is None else T.ArrayType(element, True)
    if isinstance(data_type, T.StructType):
        fields = [T.StructField(f.name, t, True) for f in data_type.fields
                  if (t := canonical(f.dataType, drop_all_null)) is not None]
        return T.StructType(fields) if fields else None
    return data_type


# -- converting ----------------------------------------------------------------------------------

class _Bad(Exception):
    """A value that does not convert to its column's type."""


def _converter(data_type, opts: JsonOptions, time_zone: str):
    """A function (value, container, key) -> the Python value Arrow takes for ``data_type``."""
    if isinstance(data_type, (T.StringType, T.CharType, T.VarcharType)):
        def convert(v, container, key):
            if isinstance(v, str):
                return v
            raw = getattr(container, "raw", None)
            if raw is None:
                raise NeedRaw()
            return raw[key]
        return convert
    if isinstance(data_type, T.BooleanType):
        def convert(v, container, key):
            if isinstance(v, bool):
                return v
            raise _Bad()
        return convert
    if isinstance(data_type, T.IntegralType):
        bits = next(b for k, b in INTEGER_BITS.items() if isinstance(data_type, k))

        def convert(v, container, key):
            if isinstance(v, int) and not isinstance(v, bool) and -2 ** bits <= v < 2 ** bits:
                return v
            raise _Bad()
        return convert
    if isinstance(data_type, (T.FloatType, T.DoubleType)):
        def convert(v, container, key):
            if isinstance(v, (int, float, decimal.Decimal)) and not isinstance(v, bool):
                return float(v)
            if isinstance(v, str) and v in NON_NUMERIC:
                return NON_NUMERIC[v]
            raise _Bad()
        return convert
    if isinstance(data_type, T.DecimalType):
        quantum = decimal.Decimal(1).scaleb(-data_type.scale)
        limit = decimal.Decimal(10) ** (data_type.precision - data_type.scale)

        def convert(v, container, key):
            if isinstance(v, bool) or not isinstance(v, (int, float, decimal.Decimal, str)):
                raise _Bad()
            if isinstance(v, str) and not BIG_DECIMAL.match(v):
                raise _Bad()
            text = getattr(v, "text", None) or (repr(v) if isinstance(v, float) else str(v))
            try:
                with decimal.localcontext(decimal.Context(prec=200, rounding=decimal.ROUND_HALF_UP)):
                    d = decimal.Decimal(text).quantize(quantum)
            except decimal.InvalidOperation:
                raise _Bad() from None
            if abs(d) >= limit:
                raise _Bad()
            return d
        return convert
    if isinstance(data_type, T.DateType):
        parse_day = DateParser(opts.date_format)

        def convert(v, container, key):
            day = parse_day(v) if isinstance(v, str) else None
            if day is None:
                raise _Bad()
            return day
        return convert
    if isinstance(data_type, (T.TimestampType, T.TimestampNTZType)):
        ntz = isinstance(data_type, T.TimestampNTZType)
        parse = TimestampParser(opts.timestamp_ntz_format if ntz else opts.timestamp_format, time_zone, ntz)

        def convert(v, container, key):
            if isinstance(v, int) and not isinstance(v, bool) and not ntz:
                return v * 1_000_000
            micros = parse(v) if isinstance(v, str) else None
            if micros is None:
                raise _Bad()
            return micros
        return convert
    if isinstance(data_type, T.BinaryType):
        def convert(v, container, key):
            if not isinstance(v, str):
                raise _Bad()
            try:
                return base64.b64decode(v, validate=True)
            except binascii.Error:
                raise _Bad() from None
        return convert
    if isinstance(data_type, T.ArrayType):
        element = _converter(data_type.elementType, opts, time_zone)

        def convert(v, container, key):
            if not isinstance(v, list):
                raise _Bad()
            return [None if x is None else element(x, v, i) for i, x in enumerate(v)]
        return convert
    if isinstance(data_type, T.MapType):
        item = _converter(data_type.valueType, opts, time_zone)

        def convert(v, container, key):
            if not isinstance(v, dict):
                raise _Bad()
            return [(k, None if x is None else item(x, v, k)) for k, x in v.items()]
        return convert
    if isinstance(data_type, T.StructType):
        fields = [(f.name, _converter(f.dataType, opts, time_zone)) for f in data_type.fields]

        def convert(v, container, key):
            if not isinstance(v, dict):
                raise _Bad()
            out, bad = {}, False
            for name, field in fields:
                x = v.get(name)
                try:
                    out[name] = None if x is None else field(x, v, name)
                except _Bad:
                    out[name], bad = None, True
            if bad:
                raise _PartlyBad(out)
            return out
        return convert
    raise _Bad()


class _PartlyBad(_Bad):
    """A struct with fields that did not convert: what did convert is kept."""

    def __init__(self, partial):
        super().__init__()
        self.partial = partial


# -- the source ----------------------------------------------------------------------------------

def _has_decimal(data_type) -> bool:
    if isinstance(data_type, T.DecimalType):
        return True
    if isinstance(data_type, T.ArrayType):
        return _has_decimal(data_type.elementType)
    if isinstance(data_type, T.MapType):
        return _has_decimal(data_type.valueType)
    if isinstance(data_type, T.StructType):
        return any(_has_decimal(f.dataType) for f in data_type.fields)
    return False


def _has_map_key_not_string(data_type) -> bool:
    if isinstance(data_type, T.MapType):
        return not isinstance(data_type.keyType, T.StringType) or _has_map_key_not_string(data_type.valueType)
    if isinstance(data_type, T.ArrayType):
        return _has_map_key_not_string(data_type.elementType)
    if isinstance(data_type, T.StructType):
        return any(_has_map_key_not_string(f.dataType) for f in data_type.fields)
    return False


def _arrow_readable(data_type) -> bool:
    """Whether ``pyarrow.json`` converts values of this type as Spark does (and fails where Spark
    would not read the value as is)."""
    if isinstance(data_type, (T.BooleanType, T.IntegralType, T.FloatType, T.DoubleType, T.StringType)):
        return True
    if isinstance(data_type, T.ArrayType):
        return _arrow_readable(data_type.elementType)
    if isinstance(data_type, T.StructType):
        return all(_arrow_readable(f.dataType) for f in data_type.fields)
    return False


def _arrow_columns(texts: list, fields: list, opts: JsonOptions):
    """The fields' columns read by ``pyarrow.json``, or None when it cannot stand in for the Python
    parser: a type it converts differently, a record it rejects (a malformed one, a number where a
    string column is, ...), or a line holding more than one record."""
    if not texts or not fields or opts.multiline or not opts.allow_non_numeric or \
            not all(_arrow_readable(f.dataType) for f in fields):
        return None
    schema = pa.schema([pa.field(f.name, T.to_arrow_type(f.dataType)) for f in fields])
    try:
        table = pajson.read_json(pa.py_buffer("\n".join(texts).encode("utf-8")),
                                 read_options=pajson.ReadOptions(use_threads=False),
                                 parse_options=pajson.ParseOptions(explicit_schema=schema,
                                                                   unexpected_field_behavior="ignore"))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if table.num_rows != len(texts):
        return None
    return [table.column(f.name).combine_chunks().cast(field.type) for f, field in zip(fields, schema)]


def _piece_text(fs, path: str, piece, opts: JsonOptions, splittable: bool) -> str:
    if splittable:
        separator = (opts.line_sep or "\n").encode(opts.encoding)
        data = read_line_range(fs, path, piece.start, piece.length, separator)
    else:
        data = read_whole(fs, path)
    text = data.decode(opts.encoding, "replace")
    return text[1:] if piece.start == 0 and text.startswith("\ufeff") else text


def _splittable(opts: JsonOptions, uri: str) -> bool:
    return not opts.multiline and compression_of(uri) is None


def _spark_type(arrow_type):
    """The type Spark infers for values ``pyarrow.json`` inferred as ``arrow_type`` (None: unsure)."""
    t = pa.types
    if t.is_null(arrow_type):
        return T.NullType()
    if t.is_boolean(arrow_type):
        return T.BooleanType()
    if t.is_integer(arrow_type):
        return T.LongType()
    if t.is_floating(arrow_type):
        return T.DoubleType()
    if t.is_string(arrow_type) or t.is_timestamp(arrow_type) or t.is_date(arrow_type):
        return T.StringType()      # pyarrow sees timestamps in strings, Spark (without inferTimestamp) does not
    if t.is_list(arrow_type):
        element = _spark_type(arrow_type.value_type)
        return None if element is None else T.ArrayType(element, True)
    if t.is_struct(arrow_type):
        fields = [(f.name, _spark_type(f.type)) for f in arrow_type]
        if any(ft is None for _, ft in fields):
            return None
        return T.StructType([T.StructField(name, ft, True) for name, ft in sorted(fields)])
    return None


def _arrow_inferred(texts: list, opts: JsonOptions):
    """The struct Spark would infer from well-formed JSON lines, found by ``pyarrow.json``; None
    when it cannot tell (options it does not know, malformed or mixed-type records, integers too
    large for bigint, lines with several records)."""
    if not texts or opts.primitives_as_string or opts.prefers_decimal or opts.infer_timestamp or opts.multiline \
            or not opts.allow_non_numeric:
        return None
    joined = "\n".join(texts)
    if re.search(r"\d{19}", joined):
        return None
    try:
        table = pajson.read_json(pa.py_buffer(joined.encode("utf-8")),
                                 read_options=pajson.ReadOptions(use_threads=False))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if table.num_rows != len(texts):
        return None
    return _spark_type(pa.struct(list(table.schema)))


def _infer_task(task: list, index: int, opts: JsonOptions, settings):
    """The struct a task's records suggest (corrupt records add the corrupt column)."""
    inference = ValueInference(opts, settings.time_zone)
    sampler = random.Random(1 + index) if opts.sampling_ratio < 1 else None
    found = T.NullType()
    for piece in task:
        fs, path = settings.resolve(piece.uri)
        texts = records(_piece_text(fs, path, piece, opts, _splittable(opts, piece.uri)), opts)
        if sampler is None:
            fast = _arrow_inferred(texts, opts)
            if fast is not None:
                found = compatible_type(found, fast)
                continue
        for text in texts:
            if sampler is not None and sampler.random() >= opts.sampling_ratio:
                continue
            try:
                rows = parse_record(text, opts, exact=opts.prefers_decimal)
            except Malformed:
                if opts.mode == "FAILFAST":
                    raise malformed_error(opts.corrupt_column) from None
                if opts.mode == "PERMISSIVE":
                    found = compatible_type(found, T.StructType([T.StructField(opts.corrupt_column, T.StringType())]))
                continue
            for row in rows:
                found = compatible_type(found, inference.infer(row))
    return found


class JsonSource(FileSource):
    """JSON-lines files, or JSON documents with ``multiLine`` (see the module's contract)."""

    name = "json"
    type_name = "JSON"
    arrow_only = False

    def __init__(self, files, data_schema, partition_schema, options, settings, roots):
        super().__init__(files, data_schema, partition_schema, options, settings, roots)
        self.json = JsonOptions.of(options, settings)
        corrupt = next((f for f in data_schema.fields if f.name == self.json.corrupt_column), None)
        if corrupt is not None and not isinstance(corrupt.dataType, T.StringType):
            raise AnalysisException(errorClass="INVALID_CORRUPT_RECORD_TYPE", messageParameters={
                "columnName": f"`{corrupt.name}`", "actualType": f'"{T.sql_type_name(corrupt.dataType)}"'})
        self.corrupt = corrupt.name if corrupt is not None else None
        if _has_map_key_not_string(data_schema):
            raise AnalysisException(errorClass="INVALID_JSON_SCHEMA_MAP_TYPE",
                                    messageParameters={"jsonSchema": f'"{T.sql_type_name(data_schema)}"'})

    @classmethod
    def infer_schema(cls, session, files, options, settings):
        opts = JsonOptions.of(options, settings)
        if not files:
            return None
        tasks = plan_splits(files, settings, lambda uri: _splittable(opts, uri))
        partial = run_tasks(session, tasks, lambda task, index: _infer_task(task, index, opts, settings))
        found = T.NullType()
        for struct in partial:
            found = compatible_type(found, struct)
        if not isinstance(found, T.StructType):
            return T.StructType([])
        return canonical(found, opts.drop_all_null) or T.StructType([])

    def splittable(self, uri: str) -> bool:
        return _splittable(self.json, uri)

    def read_piece(self, fs, path, piece, fields):
        opts = self.json
        wanted = [f for f in fields if f.name != self.corrupt]
        if self.corrupt is not None and not wanted and fields:
            raise only_corrupt_column_error()
        texts = records(_piece_text(fs, path, piece, opts, self.splittable(piece.uri)), opts)
        arrays = _arrow_columns(texts, wanted, opts)
        if arrays is not None:
            by_name = finish_rows(wanted, arrays, None, texts, opts.mode, self.corrupt, [f.name for f in fields])
            yield select_columns(by_name, [f.name for f in fields], len(texts))
            return
        converters = [_converter(f.dataType, opts, self.settings.time_zone) for f in wanted]
        exact = any(_has_decimal(f.dataType) for f in wanted)
        values = [[] for _ in wanted]
        failed, raw = [], []
        for text in texts:
            try:
                rows = parse_record(text, opts, exact=exact)
            except Malformed:
                rows = None
            if rows is None:
                for column in values:
                    column.append(None)
                failed.append(True)
                raw.append(text)
                continue
            for position, row in enumerate(rows):
                try:
                    converted, bad = self._convert(row, wanted, converters)
                except NeedRaw:
                    with_text = parse_record(text, opts, exact, keep_text=True)[position]
                    converted, bad = self._convert(with_text, wanted, converters)
                for column, value in zip(values, converted):
                    column.append(value)
                failed.append(bad)
                raw.append(text)
        arrays = [pa.array(column, T.to_arrow_type(f.dataType)) for column, f in zip(values, wanted)]
        by_name = finish_rows(wanted, arrays, pa.array(failed, pa.bool_()), raw, opts.mode, self.corrupt,
                              [f.name for f in fields])
        num_rows = len(failed) - (sum(failed) if opts.mode == "DROPMALFORMED" else 0)
        yield select_columns(by_name, [f.name for f in fields], num_rows)

    @staticmethod
    def _convert(row: dict, fields: list, converters: list) -> tuple[list, bool]:
        out, bad = [], False
        for field, convert in zip(fields, converters):
            value = row.get(field.name)
            try:
                out.append(None if value is None else convert(value, row, field.name))
            except _PartlyBad as partly:
                out.append(partly.partial)
                bad = True
            except _Bad:
                out.append(None)
                bad = True
        return out, bad


# -- the writer ----------------------------------------------------------------------------------

class JsonWriter:
    """JSON-lines part files (see the module's contract)."""

    def __init__(self, schema: T.StructType, options: dict, settings, ignore_null_fields: str = "true"):
        self.opts = JsonOptions.of(options, settings, ignore_null_fields)
        self.schema, self.time_zone = schema, settings.time_zone
        self.stream_compression, codec_extension = text_codec(options)
        self.extension = ".json" + codec_extension
        self.formats = write_formatters(self.opts, self.time_zone)

    def open(self, stream):
        return _JsonFile(stream, self)


def json_strings(text: pa.Array) -> pa.Array:
    """Strings as JSON string literals (Jackson's escapes)."""
    if pc.any(pc.match_substring_regex(text, "[\\x00-\\x1f]")).as_py():
        return pa.array([None if v is None else json.dumps(v, ensure_ascii=False) for v in text.to_pylist()],
                        pa.string())
    escaped = pc.replace_substring(pc.replace_substring(text, "\\", "\\\\"), '"', '\\"')
    return pc.binary_join_element_wise('"', escaped, '"', "")


class _JsonFile:
    def __init__(self, stream, writer: JsonWriter):
        self.stream, self.writer = stream, writer

    def render(self, array: pa.Array, data_type) -> pa.Array:
        """Each value's JSON text (NULL stays NULL)."""
        from sparklite.sql.display import java_float_string
        if isinstance(data_type, (T.StringType, T.CharType, T.VarcharType)):
            return json_strings(array.cast(pa.string()))
        if isinstance(data_type, T.BooleanType) or isinstance(data_type, T.IntegralType) or \
                isinstance(data_type, T.DecimalType):
            return to_string(array, data_type, self.writer.time_zone, nested=False)
        if isinstance(data_type, (T.FloatType, T.DoubleType)):
            single = isinstance(data_type, T.FloatType)
            texts = []
            for v in array.to_pylist():
                text = None if v is None else java_float_string(v, single=single)
                texts.append(f'"{text}"' if text in ("NaN", "Infinity", "-Infinity") else text)
            return pa.array(texts, pa.string())
        if type(data_type) in self.writer.formats:
            return json_strings(self.writer.formats[type(data_type)](array))
        if isinstance(data_type, T.BinaryType):
            return pa.array([None if v is None else '"' + base64.b64encode(v).decode() + '"'
                             for v in array.to_pylist()], pa.string())
        if isinstance(data_type, T.StructType):
            body = self.members([f.name for f in data_type.fields],
                                [self.render(array.field(i), f.dataType) for i, f in enumerate(data_type.fields)],
                                len(array))
            return pc.if_else(array.is_valid(), body, pa.scalar(None, pa.string()))
        if isinstance(data_type, T.ArrayType):
            items = pc.fill_null(self.render(array.values, data_type.elementType), "null")
            return self._grouped(array, items, "[", "]")
        if isinstance(data_type, T.MapType):
            keys = json_strings(to_string(array.keys, data_type.keyType, self.writer.time_zone, nested=False))
            items = pc.fill_null(self.render(array.items, data_type.valueType), "null")
            return self._grouped(array, pc.binary_join_element_wise(keys, items, ":"), "{", "}")
        return json_strings(to_string(array, data_type, self.writer.time_zone, nested=False))

    def members(self, names: list, values: list, n: int) -> pa.Array:
        """``{"name":value,...}`` per row, NULL values left out when ``ignoreNullFields``."""
        parts = []
        for name, value in zip(names, values):
            if not self.writer.opts.ignore_null_fields:
                value = pc.fill_null(value, "null")
            # every member ends with a comma and a missing one is empty, so the join never meets NULL
            member = pc.binary_join_element_wise(json.dumps(name, ensure_ascii=False) + ":", value, ",", "")
            parts.append(pc.fill_null(member, ""))
        body = pc.binary_join_element_wise(*parts, "") if parts else pa.repeat(pa.scalar(""), n)
        return pc.binary_join_element_wise("{", pc.replace_substring_regex(body, ",$", ""), "}", "")

    @staticmethod
    def _grouped(array, items: pa.Array, opening: str, closing: str) -> pa.Array:
        joined = pc.binary_join(pa.ListArray.from_arrays(array.offsets, items), ",")
        return pc.if_else(array.is_valid(), pc.binary_join_element_wise(opening, joined, closing, ""),
                          pa.scalar(None, pa.string()))

    def write(self, batch: pa.RecordBatch) -> None:
        fields = self.writer.schema.fields
        lines = self.members([f.name for f in fields],
                             [self.render(batch.column(i), f.dataType) for i, f in enumerate(fields)], batch.num_rows)
        data = joined_lines(lines, self.writer.opts.line_sep or "\n")
        encoding = self.writer.opts.encoding
        if encoding.lower().replace("-", "").replace("_", "") == "utf8":
            self.stream.write(data)
        else:
            self.stream.write(data.to_pybytes().decode("utf-8").encode(encoding, "replace"))

    def close(self) -> None:
        """Nothing is buffered: the stream is the commit protocol's to close."""

"""The Parquet source and writer, and what Parquet and ORC share: files with their own schema.

Contract:
* ``ColumnarFileSource`` (Parquet's and ORC's base): the schema is the first file's (in path order),
  or with ``mergeSchema`` every file's merged as Spark merges them (new fields appended, nested
  structs merged, different types ``CANNOT_MERGE_SCHEMAS``); every column is nullable. Columns are
  found in a file by name, case-insensitively unless ``spark.sql.caseSensitive``; a column a file
  lacks reads as NULLs. ``conform`` turns what a file holds into the fixed Arrow mapping (large and
  view strings, dictionaries, other timestamp units, unsigned and narrower numbers, nested types
  field by field) and refuses what would change values (``PARQUET_COLUMN_DATA_TYPE_MISMATCH``).
* Parquet files are split by byte ranges; a row group belongs to the range holding its midpoint,
  as in parquet-mr. A Spark-written file's schema is read from Spark's own footer key; INT96
  timestamps are TimestampType. ``filters`` (``with_filters``) is a conjunction of
  ``(column, op, value)`` (ops ``= == != < <= > >= in``) used only to skip row groups whose
  statistics rule every row out: rows are not filtered, the plan's Filter still runs above.
* The writer writes one Parquet file per part with the ``compression`` option (or
  ``spark.sql.parquet.compression.codec``, snappy) and Spark's file extensions.
"""
from __future__ import annotations


import pyarrow as pa
import pyarrow.parquet as pq

from sparklite.sql import types as T
from sparklite.sql.errors import IllegalArgumentException, SparkRuntimeException
from sparklite.sql.sources.files import FileSource, as_nullable, select_columns, unsupported_type

_SPARK_SCHEMA_KEY = b"org.apache.spark.sql.parquet.row.metadata"
_CODECS = {"none": None, "uncompressed": None, "snappy": "snappy", "gzip": "gzip", "lzo": None, "brotli": "brotli",
           "lz4": "lz4", "lz4_raw": "lz4", "zstd": "zstd"}
_EXTENSIONS = {"snappy": ".snappy", "gzip": ".gz", "brotli": ".br", "lz4": ".lz4hadoop", "lz4_raw": ".lz4raw",
               "zstd": ".zstd"}
# whether a row group whose values lie in [low, high] may hold one that satisfies ``value op bound``
_MAY_HOLD = {"=": lambda low, high, bound: low <= bound <= high, "==": lambda low, high, bound: low <= bound <= high,
             "!=": lambda low, high, bound: not low == high == bound, "<": lambda low, high, bound: low < bound,
             "<=": lambda low, high, bound: low <= bound, ">": lambda low, high, bound: high > bound,
             ">=": lambda low, high, bound: high >= bound,
             "in": lambda low, high, bounds: any(low <= b <= high for b in bounds)}


class TypeMismatch(Exception):
    """A file's column cannot be read as the schema's type."""


def _integer_digits(arrow_type) -> int:
    return {8: 3, 16: 5, 32: 10, 64: 20}[arrow_type.bit_width]


def _widens(source: pa.DataType, target: pa.DataType) -> bool:
    """Whether a leaf of ``source`` type reads as ``target`` without changing values."""
    t = pa.types
    strings = (t.is_string, t.is_large_string, t.is_string_view)
    binaries = (t.is_binary, t.is_large_binary, t.is_binary_view, t.is_fixed_size_binary)
    if t.is_null(source):
        return True
    if any(f(source) for f in strings) and t.is_string(target):
        return True
    if any(f(source) for f in binaries) and t.is_binary(target):
        return True
    if (t.is_timestamp(source) and t.is_timestamp(target)) or (t.is_date(source) and t.is_date(target)):
        return True
    if t.is_integer(source) and t.is_integer(target):
        return _integer_digits(source) < _integer_digits(target) or (
            t.is_signed_integer(source) and source.bit_width <= target.bit_width)
    if (t.is_integer(source) or t.is_floating(source)) and t.is_floating(target):
        return t.is_float64(target) or (t.is_floating(source) and source.bit_width <= target.bit_width)
    if t.is_decimal(source) and t.is_decimal(target):
        return target.scale >= source.scale and target.precision - target.scale >= source.precision - source.scale
    if t.is_integer(source) and t.is_decimal(target):
        return target.precision - target.scale >= _integer_digits(source)
    return False


def conform(array: pa.Array, target: pa.DataType, case_sensitive: bool = False) -> pa.Array:
    """``array`` as ``target`` (the fixed mapping's type of the schema's column)."""
    source = array.type
    if source == target:
        return array
    t = pa.types
    if t.is_dictionary(source):
        return conform(array.dictionary_decode(), target, case_sensitive)
    mask = array.is_null() if array.null_count else None
    if t.is_struct(target):
        if not t.is_struct(source):
            raise TypeMismatch()
        by_name = {}
        for i in range(source.num_fields):
            name = source.field(i).name
            by_name.setdefault(name if case_sensitive else name.lower(), i)
        children = []
        for field in target:
            index = by_name.get(field.name if case_sensitive else field.name.lower())
            children.append(pa.nulls(len(array), field.type) if index is None
                            else conform(array.field(index), field.type, case_sensitive))
        return pa.StructArray.from_arrays(children, fields=list(target), mask=mask)
    if t.is_list(target):
        if t.is_fixed_size_list(source):
            size = source.list_size
            values = array.values.slice(array.offset * size, len(array) * size)
            offsets = pa.array(range(0, (len(array) + 1) * size, size), pa.int32())
        elif t.is_list(source) or t.is_large_list(source):
            values, offsets = array.values, array.offsets.cast(pa.int32())
        else:
            raise TypeMismatch()
        return pa.ListArray.from_arrays(offsets, conform(values, target.value_type, case_sensitive), type=target,
                                        mask=mask)
    if t.is_map(target):
        if not t.is_map(source):
            raise TypeMismatch()
        return pa.MapArray.from_arrays(array.offsets, conform(array.keys, target.key_type, case_sensitive),
                                       conform(array.items, target.item_type, case_sensitive), type=target, mask=mask)
    if t.is_timestamp(source) and t.is_timestamp(target) and source.unit == "ns":
        return array.cast(target, safe=False)      # Spark keeps microseconds: the nanoseconds are dropped
    if not _widens(source, target):
        raise TypeMismatch()
    return array.cast(target)


class ColumnarFileSource(FileSource):
    """A source whose files carry their schema (Parquet, ORC); see the module's contract."""

    @classmethod
    def infer_schema(cls, session, files, options, settings):
        merge = str(options.get("mergeschema", session.conf.get(f"spark.sql.{cls.name}.mergeSchema", "false")))
        ordered = sorted(files, key=lambda f: f.uri)
        if not ordered:
            return None
        chosen = ordered if merge.lower() == "true" else ordered[:1]
        merged = None
        for file in chosen:
            fs, path = settings.resolve(file.uri)
            try:
                schema = cls.file_schema(fs, path)
            except (OSError, pa.ArrowInvalid) as e:
                raise SparkRuntimeException(errorClass="FAILED_READ_FILE.CANNOT_READ_FILE_FOOTER",
                                            messageParameters={"path": file.uri}) from e
            merged = schema if merged is None else merge_schemas(merged, schema)
        return as_nullable(merged)

    @classmethod
    def file_schema(cls, fs, path: str) -> T.StructType:
        """The schema one file holds."""
        raise NotImplementedError

    def _columns(self, file_names: list, fields: list) -> list:
        """(field, the file's column name or None) for each wanted field."""
        exact = set(file_names)
        folded = {}
        for name in file_names:
            folded.setdefault(name.lower(), name)
        found = []
        for field in fields:
            if field.name in exact:
                found.append((field, field.name))
            else:
                found.append((field, None if self.settings.case_sensitive else folded.get(field.name.lower())))
        return found

    def _conformed(self, batch: pa.RecordBatch, columns: list, piece) -> pa.RecordBatch:
        arrays = {}
        for field, name in columns:
            target = T.to_arrow_type(field.dataType)
            if name is None:
                arrays[field.name] = pa.nulls(batch.num_rows, target)
                continue
            column = batch.column(name)
            try:
                arrays[field.name] = conform(column, target, self.settings.case_sensitive)
            except (TypeMismatch, pa.ArrowInvalid, pa.ArrowNotImplementedError):
                raise self.mismatch(piece.uri, name, field.dataType, column.type) from None
        return select_columns(arrays, [f.name for f, _ in columns], batch.num_rows)

    def mismatch(self, uri: str, column: str, expected, actual) -> SparkRuntimeException:
        """The error for a column whose values (of Arrow type ``actual``) cannot be read as ``expected``."""
        return SparkRuntimeException(
            errorClass="FAILED_READ_FILE.PARQUET_COLUMN_DATA_TYPE_MISMATCH",
            messageParameters={"path": uri, "column": f"[{column}]", "expectedType": expected.simpleString(),
                               "actualType": _physical_type(actual)})


def _physical_type(arrow_type) -> str:
    """The Parquet physical type that holds values of an Arrow type, as Spark's messages name it."""
    t = pa.types
    if t.is_boolean(arrow_type):
        return "BOOLEAN"
    if t.is_integer(arrow_type) or t.is_date32(arrow_type):
        return "INT64" if arrow_type.bit_width == 64 else "INT32"
    if t.is_timestamp(arrow_type) or t.is_date64(arrow_type):
        return "INT64"
    if t.is_float32(arrow_type):
        return "FLOAT"
    if t.is_float64(arrow_type):
        return "DOUBLE"
    if t.is_decimal(arrow_type) or t.is_fixed_size_binary(arrow_type):
        return "FIXED_LEN_BYTE_ARRAY"
    if t.is_dictionary(arrow_type):
        return _physical_type(arrow_type.value_type)
    return "BINARY"


def merge_schemas(left, right):
    """Spark's ``StructType.merge``: ``left``'s fields first, new ones appended, nested types merged."""
    try:
        return _merge(left, right)
    except TypeMismatch as inner:
        raise SparkRuntimeException(errorClass="CANNOT_MERGE_SCHEMAS", messageParameters={
            "left": f'"{T.sql_type_name(left)}"', "right": f'"{T.sql_type_name(right)}"'}) from inner.__cause__


def _merge(left, right):
    if isinstance(left, T.StructType) and isinstance(right, T.StructType):
        theirs = {f.name: f for f in right.fields}
        fields = []
        for field in left.fields:
            other = theirs.pop(field.name, None)
            fields.append(field if other is None else T.StructField(
                field.name, _merge(field.dataType, other.dataType), field.nullable or other.nullable, field.metadata))
        return T.StructType(fields + [f for f in right.fields if f.name in theirs])
    if isinstance(left, T.ArrayType) and isinstance(right, T.ArrayType):
        return T.ArrayType(_merge(left.elementType, right.elementType), left.containsNull or right.containsNull)
    if isinstance(left, T.MapType) and isinstance(right, T.MapType):
        return T.MapType(_merge(left.keyType, right.keyType), _merge(left.valueType, right.valueType),
                         left.valueContainsNull or right.valueContainsNull)
    if left == right:
        return left
    error = SparkRuntimeException(errorClass="CANNOT_MERGE_INCOMPATIBLE_DATA_TYPE", messageParameters={
        "left": f'"{T.sql_type_name(left)}"', "right": f'"{T.sql_type_name(right)}"'})
    raise TypeMismatch() from error


class ParquetSource(ColumnarFileSource):
    """Parquet files (see the module's contract)."""

    name = "parquet"
    type_name = "Parquet"

    @classmethod
    def file_schema(cls, fs, path):
        with fs.open_input_file(path) as f:
            parquet = pq.ParquetFile(f, coerce_int96_timestamp_unit="us")
            metadata = parquet.schema_arrow.metadata or {}
            if _SPARK_SCHEMA_KEY in metadata:
                return T._parse_datatype_json_string(metadata[_SPARK_SCHEMA_KEY].decode())
            int96 = {parquet.schema.column(i).path for i in range(len(parquet.schema))
                     if parquet.schema.column(i).physical_type == "INT96"}
            return T.StructType([
                T.StructField(f.name, T.TimestampType() if f.name in int96 else T.from_arrow_type(f.type), True)
                for f in parquet.schema_arrow])

    def splittable(self, uri: str) -> bool:
        return True

    def read_piece(self, fs, path, piece, fields):
        with fs.open_input_file(path) as f:
            parquet = pq.ParquetFile(f, coerce_int96_timestamp_unit="us")
            metadata = parquet.metadata
            names = parquet.schema_arrow.names
            groups = [g for g in range(metadata.num_row_groups)
                      if piece.start <= _midpoint(metadata.row_group(g)) < piece.start + piece.length
                      and self._may_match(metadata, g)]
            columns = self._columns(names, fields)
            read = [name for _, name in columns if name is not None]
            if not groups:
                return
            if not read:
                for g in groups:
                    batch = select_columns({}, [], metadata.row_group(g).num_rows)
                    yield self._conformed(batch, columns, piece)
                return
            for batch in parquet.iter_batches(row_groups=groups, columns=read, use_threads=False):
                yield self._conformed(batch, columns, piece)

    def _may_match(self, metadata, group: int) -> bool:
        """False when the row group's statistics show no row can satisfy ``filters``."""
        if not self.filters:
            return True
        row_group = metadata.row_group(group)
        chunks = {row_group.column(i).path_in_schema.lower(): row_group.column(i) for i in range(row_group.num_columns)}
        for column, op, value in self.filters:
            chunk = chunks.get(column.lower())
            stats = chunk.statistics if chunk is not None else None
            if stats is None or not stats.has_min_max:
                continue
            try:
                if not _MAY_HOLD[op](stats.min, stats.max, value):
                    return False
            except TypeError:      # a value not comparable with the column's: no conclusion
                continue
        return True


def _midpoint(row_group) -> float:
    """Where a row group's bytes are centred: the split holding this offset reads it (parquet-mr's rule)."""
    starts, size = [], 0
    for i in range(row_group.num_columns):
        chunk = row_group.column(i)
        starts.append(chunk.dictionary_page_offset if chunk.has_dictionary_page else chunk.data_page_offset)
        size += chunk.total_compressed_size
    return min(starts) + size / 2 if starts else 0


class ParquetWriter:
    """Parquet part files of the DataFrame's columns."""

    def __init__(self, schema: T.StructType, options: dict, settings, default_codec: str = "snappy"):
        for field in schema.fields:
            if unwritable(field.dataType):
                raise unsupported_type(field, "Parquet")
        codec = str(options.get("compression", options.get("codec", default_codec))).lower()
        if codec not in _CODECS or (codec != "none" and codec != "uncompressed" and _CODECS[codec] is None):
            raise IllegalArgumentException(
                errorClass="CODEC_NOT_AVAILABLE.WITH_AVAILABLE_CODECS_SUGGESTION",
                messageParameters={"codecName": codec, "availableCodecs": ", ".join(
                    ["brotli", "uncompressed", "lzo", "snappy", "lz4_raw", "none", "zstd", "lz4", "gzip"])})
        self.compression = _CODECS[codec] or "none"
        self.extension = _EXTENSIONS.get(codec, "") + ".parquet"
        self.stream_compression = None
        self.arrow_schema = T.to_arrow_schema(schema)

    def open(self, stream):
        return ArrowFileWriter(pq.ParquetWriter(stream, self.arrow_schema, compression=self.compression),
                          self.arrow_schema)


def unwritable(data_type) -> bool:
    """Whether Parquet and ORC files cannot hold the type (NULL type, intervals), nested too."""
    if isinstance(data_type, (T.NullType, T.DayTimeIntervalType, T.YearMonthIntervalType, T.CalendarIntervalType)):
        return True
    if isinstance(data_type, T.ArrayType):
        return unwritable(data_type.elementType)
    if isinstance(data_type, T.MapType):
        return unwritable(data_type.keyType) or unwritable(data_type.valueType)
    if isinstance(data_type, T.StructType):
        return any(unwritable(f.dataType) for f in data_type.fields)
    return False


class ArrowFileWriter:
    """A Parquet or ORC writer fed record batches of one schema. For ORC (``orc``): the writer learns
    the schema from what it is given, so an empty file gets an empty table, and it misplaces the
    values of sliced struct arrays, so batches are copied unsliced first."""

    def __init__(self, writer, schema: pa.Schema, orc: bool = False):
        self.writer, self.schema, self.orc = writer, schema, orc
        self.written = False

    def write(self, batch: pa.RecordBatch) -> None:
        columns = [c if c.type == f.type else c.cast(f.type) for c, f in zip(batch.columns, self.schema)]
        batch = pa.RecordBatch.from_arrays(columns, schema=self.schema)
        if self.orc:
            batch = batch.take(pa.array(range(batch.num_rows), pa.int64()))
        self.writer.write(pa.Table.from_batches([batch]))
        self.written = True

    def close(self) -> None:
        if self.orc and not self.written:
            self.writer.write(self.schema.empty_table())
        self.writer.close()

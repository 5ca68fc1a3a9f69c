"""The ORC source and writer (``pyarrow.orc``), reading like Parquet (see ``ColumnarFileSource``).

Contract: files are read whole, stripe by stripe; ORC timestamps (with or without a time zone)
are TimestampType, as Spark reads them; a column whose values cannot be read as the schema's type
fails with ``FAILED_READ_FILE.NO_HINT``. The writer writes one ORC file per part with the
``compression`` option (or ``spark.sql.orc.compression.codec``, zstd) and Spark's extensions.
"""
from __future__ import annotations

import pyarrow.orc as po

from sparklite.sql import types as T
from sparklite.sql.errors import IllegalArgumentException, SparkRuntimeException
from sparklite.sql.sources.files import select_columns, unsupported_type
from sparklite.sql.sources.parquet import ColumnarFileSource, ArrowFileWriter, unwritable

_CODECS = {"none": "uncompressed", "uncompressed": "uncompressed", "snappy": "snappy", "zlib": "zlib",
           "lz4": "lz4", "zstd": "zstd"}


def _instants(data_type):
    """ORC's timestamps as Spark reads them: TimestampType, nested ones too."""
    if isinstance(data_type, T.TimestampNTZType):
        return T.TimestampType()
    if isinstance(data_type, T.StructType):
        return T.StructType([T.StructField(f.name, _instants(f.dataType), f.nullable) for f in data_type.fields])
    if isinstance(data_type, T.ArrayType):
        return T.ArrayType(_instants(data_type.elementType), data_type.containsNull)
    if isinstance(data_type, T.MapType):
        return T.MapType(_instants(data_type.keyType), _instants(data_type.valueType), data_type.valueContainsNull)
    return data_type


class OrcSource(ColumnarFileSource):
    """ORC files (see the module's contract)."""

    name = "orc"
    type_name = "ORC"

    @classmethod
    def file_schema(cls, fs, path):
        with fs.open_input_file(path) as f:
            return _instants(T.from_arrow_schema(po.ORCFile(f).schema))

    def read_piece(self, fs, path, piece, fields):
        with fs.open_input_file(path) as f:
            orc = po.ORCFile(f)
            names = orc.schema.names
            columns = self._columns(names, fields)
            read = [name for _, name in columns if name is not None]
            for stripe in range(orc.nstripes):
                batch = orc.read_stripe(stripe, columns=read or names[:1])
                if not read:
                    batch = select_columns({}, [], batch.num_rows)
                yield self._conformed(batch, columns, piece)

    def mismatch(self, uri, column, expected, actual):
        return SparkRuntimeException(errorClass="FAILED_READ_FILE.NO_HINT", messageParameters={"path": uri})


class OrcWriter:
    """ORC part files of the DataFrame's columns."""

    def __init__(self, schema: T.StructType, options: dict, settings, default_codec: str = "zstd"):
        for field in schema.fields:
            if unwritable(field.dataType):
                raise unsupported_type(field, "ORC")
        codec = str(options.get("compression", options.get("codec", default_codec))).lower()
        if codec not in _CODECS:
            raise IllegalArgumentException(
                errorClass="CODEC_NOT_AVAILABLE.WITH_AVAILABLE_CODECS_SUGGESTION",
                messageParameters={"codecName": codec, "availableCodecs": ", ".join(_CODECS)})
        self.compression = _CODECS[codec]
        self.extension = ("" if self.compression == "uncompressed" else "." + codec) + ".orc"
        self.stream_compression = None
        self.arrow_schema = T.to_arrow_schema(schema)

    def open(self, stream):
        return ArrowFileWriter(po.ORCWriter(stream, compression=self.compression), self.arrow_schema,
                               orc=True)

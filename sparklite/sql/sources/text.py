"""The text source: each line of each file is a row of one string column ``value``.

Contract: lines end at ``\\n``, ``\\r\\n`` or ``\\r`` (or at ``lineSep`` when given) and lose their
ending; bytes are UTF-8, invalid ones replaced. ``wholetext`` makes each file one row. Uncompressed
files are cut into byte ranges at line starts; ``.gz``/``.bz2``/``.zst`` files are read whole. The
writer takes one string column and writes each value and a line separator (NULL as an empty line).
"""
from __future__ import annotations

import re

import pyarrow as pa

from sparklite.sql import types as T
from sparklite.sql.errors import AnalysisException
from sparklite.sql.sources.commit import joined_lines, text_codec
from sparklite.sql.sources.files import (FileSource, compression_of, read_line_range, read_whole, select_columns,
                                         unsupported_type)

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def split_lines(text: str, separator: str | None) -> list:
    """The lines of ``text`` without their endings (a final ending starts no empty line)."""
    lines = text.split(separator) if separator else _LINE_BREAK.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


class TextSource(FileSource):
    """Text files, a row per line or per file (see the module's contract)."""

    name = "text"
    type_name = "Text"

    def __init__(self, files, data_schema, partition_schema, options, settings, roots):
        super().__init__(files, data_schema, partition_schema, options, settings, roots)
        for field in data_schema.fields:
            if not isinstance(field.dataType, T.StringType):
                raise unsupported_type(field, self.type_name)

    @classmethod
    def infer_schema(cls, session, files, options, settings):
        return T.StructType([T.StructField("value", T.StringType(), True)])

    def splittable(self, uri: str) -> bool:
        return self.options.get("wholetext", "false").lower() != "true" and compression_of(uri) is None

    def read_piece(self, fs, path, piece, fields):
        separator = self.options.get("linesep")
        if self.splittable(piece.uri):
            data = read_line_range(fs, path, piece.start, piece.length, (separator or "\n").encode())
        else:
            data = read_whole(fs, path)
        text = data.decode("utf-8", "replace")
        values = [text] if self.options.get("wholetext", "false").lower() == "true" else split_lines(text, separator)
        yield select_columns({f.name: pa.array(values, pa.string()) for f in fields}, [f.name for f in fields],
                             len(values))


class TextWriter:
    """Part files of one string column, a line per row."""

    def __init__(self, schema: T.StructType, options: dict, settings):
        if len(schema.fields) != 1:
            raise AnalysisException(errorClass="_LEGACY_ERROR_TEMP_1290",
                                    messageParameters={"schemaSize": str(len(schema.fields))})
        field = schema.fields[0]
        if not isinstance(field.dataType, (T.StringType, T.CharType, T.VarcharType)):
            raise unsupported_type(field, "Text")
        self.stream_compression, codec_extension = text_codec(options)
        self.extension = ".txt" + codec_extension
        self.separator = options.get("linesep", "\n")

    def open(self, stream):
        return _TextFile(stream, self.separator)


class _TextFile:
    def __init__(self, stream, separator: str):
        self.stream, self.separator = stream, separator

    def write(self, batch: pa.RecordBatch) -> None:
        self.stream.write(joined_lines(batch.column(0), self.separator))

    def close(self) -> None:
        """Nothing is buffered: the stream is the commit protocol's to close."""

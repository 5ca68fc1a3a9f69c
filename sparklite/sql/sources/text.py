"""The text source: each line of each file is a row of one string column ``value``.

Contract: lines end at ``\\n``, ``\\r\\n`` or ``\\r`` (or at ``lineSep`` when given) and lose their
ending; bytes are UTF-8, invalid ones replaced. ``wholetext`` makes each file one row. Uncompressed
files are cut into byte ranges at line starts; ``.gz``/``.bz2``/``.zst`` files are read whole. The
writer takes one string column and writes each value and a line separator (NULL as an empty line).
"""
from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sparklite.sql import types as T
from sparklite.sql.errors import AnalysisException
from sparklite.sql.sources.commit import joined_lines, text_codec
from sparklite.sql.sources.files import (FileSource, compression_of, read_line_range, read_whole, select_columns,
                                         unsupported_type)

_BATCH_ROWS = 1 << 16
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def split_lines(text: str, separator: str | None) -> list:
    """The lines of ``text`` without their endings (a final ending starts no empty line)."""
    lines = text.split(separator) if separator else _LINE_BREAK.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def lines_array(data: bytes) -> pa.Array | None:
    """The ``\\n``-separated lines of ``data`` as a string array, cut by Arrow from the bytes as they are
    (no Python string per line); None when the general path must decide: a ``\\r`` (which also ends a
    line) or bytes that are not UTF-8."""
    if b"\r" in data or len(data) >= 1 << 31:
        return None
    whole = pa.Array.from_buffers(pa.large_string(), 1, [None, pa.py_buffer(np.array([0, len(data)], np.int64)),
                                                         pa.py_buffer(data)])
    try:
        whole.validate(full=True)
    except pa.ArrowInvalid:
        return None
    lines = pc.list_flatten(pc.split_pattern(whole, "\n")).cast(pa.string())
    if data.endswith(b"\n") or not data:
        lines = lines.slice(0, len(lines) - 1)      # a final line ending starts no empty line
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
        whole = self.options.get("wholetext", "false").lower() == "true"
        column = None if whole or separator else lines_array(data)
        if column is None:
            text = data.decode("utf-8", "replace")
            column = pa.array([text] if whole else split_lines(text, separator), pa.string())
        # zero-copy slices: operators downstream work on batches that stay in cache
        for start in range(0, max(len(column), 1), _BATCH_ROWS):
            piece = column.slice(start, _BATCH_ROWS)
            yield select_columns({f.name: piece for f in fields}, [f.name for f in fields], len(piece))


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

"""File data sources: what ``spark.read`` reads and ``df.write`` writes (CSV, JSON lines, Parquet,
ORC, text) through ``pyarrow.fs``, local paths and ``s3://`` alike.

Contract:
* ``source_class(name)`` is the ``FileSource`` of a format and ``writer_class(name)`` its writer
  (names as Spark takes them, case-insensitively: ``csv``, ``json``, ``parquet``, ``orc``, ``text``);
  an unknown name raises ``DATA_SOURCE_NOT_FOUND``.
* A source (``sparklite.sql.sources.files``) lists the files a read names, discovers Hive-style
  partition columns, infers or takes the schema and reads splits in tasks; a writer
  (``sparklite.sql.sources.commit``) writes part files that the commit protocol moves into place.
"""
from __future__ import annotations

from sparklite.sql.errors import AnalysisException
from sparklite.sql.sources.csv import CsvSource, CsvWriter
from sparklite.sql.sources.json import JsonSource, JsonWriter
from sparklite.sql.sources.orc import OrcSource, OrcWriter
from sparklite.sql.sources.parquet import ParquetSource, ParquetWriter
from sparklite.sql.sources.text import TextSource, TextWriter

FORMATS = {"csv": (CsvSource, CsvWriter), "json": (JsonSource, JsonWriter), "parquet": (ParquetSource, ParquetWriter),
           "orc": (OrcSource, OrcWriter), "text": (TextSource, TextWriter)}


def _format(name: str) -> tuple:
    key = str(name).lower()
    for prefix in ("org.apache.spark.sql.execution.datasources.", "org.apache.spark.sql."):
        key = key.removeprefix(prefix)
    key = key.split(".")[0]
    if key not in FORMATS:
        raise AnalysisException(errorClass="DATA_SOURCE_NOT_FOUND", messageParameters={"provider": str(name)})
    return FORMATS[key]


def source_class(name: str):
    """The ``FileSource`` subclass reading format ``name``."""
    return _format(name)[0]


def writer_class(name: str):
    """The writer class of format ``name``."""
    return _format(name)[1]

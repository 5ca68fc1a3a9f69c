"""``spark.readStream`` (``DataStreamReader``) and ``df.writeStream`` (``DataStreamWriter``), as in PySpark.

Contract:
* The reader makes a streaming DataFrame from a source named by ``format``: ``rate``,
  ``rate-micro-batch``, ``socket``, or a file format (``text``, ``csv``, ``json``, ``parquet``, ``orc``)
  over a directory, whose schema must be given unless ``spark.sql.streaming.schemaInference`` is on.
* The writer checks its settings as PySpark does (one trigger; an output mode of append, complete or
  update) and ``start()`` checks the query against its output mode (Spark's errors, raised by
  ``start``, before anything runs), picks the sink (``console``, ``memory``, ``foreach``,
  ``foreachBatch``, ``noop``, a file format) and the checkpoint (``checkpointLocation``, else
  ``spark.sql.streaming.checkpointLocation``/<queryName>, else a temporary folder removed when the
  query stops; a file sink needs one), and returns the running ``StreamingQuery``.
"""
from __future__ import annotations

import os
import tempfile

from sparklite.sql import streams
from sparklite.sql import types as T
from sparklite.sql.builtins.timewindow import parse_duration
from sparklite.sql.errors import (AnalysisException, IllegalArgumentException, PySparkTypeError, PySparkValueError)
from sparklite.streaming import sinks, sources
from sparklite.streaming.manager import StreamingQueryManager
from sparklite.streaming.query import MicroBatchExecution, StreamingQuery, Trigger

FILE_FORMATS = ("text", "csv", "json", "parquet", "orc")


class _Settings:
    """``format`` and ``option``/``options`` (keys kept lower-case, values as text) of both sides."""

    _format: str | None
    _options: dict

    def format(self, source: str):
        self._format = source
        return self

    def option(self, key: str, value):
        self._options[key.lower()] = str(value).lower() if isinstance(value, bool) else str(value)
        return self

    def options(self, **options):
        for key, value in options.items():
            self.option(key, value)
        return self


class DataStreamReader(_Settings):
    def __init__(self, spark):
        self._spark = spark
        self._format = None
        self._schema = None
        self._options: dict = {}

    def schema(self, schema) -> "DataStreamReader":
        if isinstance(schema, str):
            schema = T.DataType.fromDDL(schema)
        if not isinstance(schema, T.StructType):
            raise PySparkTypeError(errorClass="NOT_EXPECTED_TYPE", messageParameters={
                "arg_name": "schema", "expected_type": "str or struct type", "arg_type": type(schema).__name__})
        self._schema = schema
        return self

    def load(self, path: str | None = None, format: str | None = None, schema=None, **options):
        if format is not None:
            self.format(format)
        if schema is not None:
            self.schema(schema)
        self.options(**options)
        name = (self._format or self._spark.conf.get("spark.sql.sources.default") or "parquet").lower()
        if path is not None:
            if not isinstance(path, str) or not path.strip():
                raise PySparkValueError(errorClass="VALUE_NOT_NON_EMPTY_STR", messageParameters={
                    "arg_name": "path", "arg_value": str(path)})
        source = self._source(name, path)
        return streams.streaming_dataframe(self._spark, source, source.schema)

    def _source(self, name: str, path):
        options = dict(self._options)
        if name in ("rate", "rate-micro-batch", "socket") and self._schema is not None:
            raise AnalysisException(f"The {name} source does not support a user-specified schema.")
        if name == "rate":
            return sources.RateSource(self._spark, options)
        if name == "rate-micro-batch":
            return sources.RatePerMicroBatchSource(self._spark, options)
        if name == "socket":
            from sparklite.streaming.socket import SocketSource
            return SocketSource(self._spark, options)
        if name in FILE_FORMATS:
            from sparklite.streaming.files import FileStreamSource
            if path is None:
                path = options.get("path")
            if path is None:
                raise IllegalArgumentException("'path' is not specified")
            return FileStreamSource(self._spark, name, path, self._schema, options)
        raise AnalysisException(errorClass="DATA_SOURCE_NOT_FOUND", messageParameters={"provider": name})

    def text(self, path: str, wholetext: bool = False, lineSep: str | None = None, pathGlobFilter=None,
             recursiveFileLookup=None):
        return self._file("text", path, locals())

    def csv(self, path: str, schema=None, **options):
        return self._file("csv", path, dict(options, schema=schema))

    def json(self, path: str, schema=None, **options):
        return self._file("json", path, dict(options, schema=schema))

    def parquet(self, path: str, **options):
        return self._file("parquet", path, options)

    def orc(self, path: str, **options):
        return self._file("orc", path, options)

    def _file(self, name: str, path: str, options: dict):
        schema = options.pop("schema", None)
        for key, value in options.items():
            if key not in ("self", "path") and value is not None:
                self.option(key, value)
        return self.load(path, name, schema)

    def table(self, tableName: str):
        raise AnalysisException(f"sparklite reads no streaming table yet ({tableName}): read its files with "
                                "readStream.format(...).load(path)")


class DataStreamWriter(_Settings):
    def __init__(self, df):
        self._df = df
        self._spark = df.sparkSession
        self._mode = "append"
        self._format = None
        self._options: dict = {}
        self._trigger = Trigger()
        self._name = None
        self._partition_by = None
        self._foreach = None
        self._foreach_batch = None

    def outputMode(self, outputMode: str) -> "DataStreamWriter":
        if not isinstance(outputMode, str) or not outputMode.strip():
            raise PySparkValueError(errorClass="VALUE_NOT_NON_EMPTY_STR", messageParameters={
                "arg_name": "outputMode", "arg_value": str(outputMode)})
        if outputMode.lower() not in ("append", "complete", "update"):
            raise IllegalArgumentException(errorClass="STREAMING_OUTPUT_MODE.INVALID",
                                           messageParameters={"outputMode": outputMode})
        self._mode = outputMode.lower()
        return self

    def partitionBy(self, *cols) -> "DataStreamWriter":
        if len(cols) == 1 and isinstance(cols[0], (list, tuple)):
            cols = cols[0]
        self._partition_by = list(cols)
        return self

    def queryName(self, queryName: str) -> "DataStreamWriter":
        if not isinstance(queryName, str) or not queryName.strip():
            raise PySparkValueError(errorClass="VALUE_NOT_NON_EMPTY_STR", messageParameters={
                "arg_name": "queryName", "arg_value": str(queryName)})
        self._name = queryName
        return self

    def trigger(self, *, processingTime: str | None = None, once: bool | None = None, continuous: str | None = None,
                availableNow: bool | None = None, realTime: str | None = None) -> "DataStreamWriter":
        given = [v for v in (processingTime, once, continuous, availableNow, realTime) if v is not None]
        if len(given) > 1:
            raise PySparkValueError(errorClass="ONLY_ALLOW_SINGLE_TRIGGER", messageParameters={})
        if not given:
            raise PySparkValueError(errorClass="ONLY_ALLOW_SINGLE_TRIGGER", messageParameters={})
        if processingTime is not None:
            if not isinstance(processingTime, str) or not processingTime.strip():
                raise PySparkValueError(errorClass="VALUE_NOT_NON_EMPTY_STR", messageParameters={
                    "arg_name": "processingTime", "arg_value": str(processingTime)})
            self._trigger = Trigger("processingTime", parse_duration(processingTime) / 1e6)
        elif once is not None:
            if once is not True:
                raise PySparkValueError(errorClass="VALUE_NOT_ALLOWED", messageParameters={
                    "arg_name": "once", "allowed_values": "[True]"})
            self._trigger = Trigger("once")
        elif availableNow is not None:
            if availableNow is not True:
                raise PySparkValueError(errorClass="VALUE_NOT_ALLOWED", messageParameters={
                    "arg_name": "availableNow", "allowed_values": "[True]"})
            self._trigger = Trigger("availableNow")
        else:
            raise IllegalArgumentException("sparklite runs micro-batches only: continuous and real-time triggers are "
                                           "not supported; use processingTime")
        return self

    def foreach(self, f) -> "DataStreamWriter":
        self._foreach = sinks.ForeachSink(f)
        self._format = "foreach"
        return self

    def foreachBatch(self, func) -> "DataStreamWriter":
        self._foreach_batch = sinks.ForeachBatchSink(func)
        self._format = "foreachBatch"
        return self

    def start(self, path: str | None = None, format: str | None = None, outputMode: str | None = None,
              partitionBy=None, queryName: str | None = None, **options) -> StreamingQuery:
        if format is not None:
            self.format(format)
        if outputMode is not None:
            self.outputMode(outputMode)
        if partitionBy is not None:
            self.partitionBy(partitionBy)
        if queryName is not None:
            self.queryName(queryName)
        self.options(**options)
        if path is not None:
            self._options["path"] = path
        streams.check_output_mode(self._df, self._mode)
        sink = self._sink()
        location, temporary = self._checkpoint()
        manager = StreamingQueryManager.of(self._spark)
        execution = MicroBatchExecution(manager, self._df, sink, self._trigger, self._mode, location, self._name,
                                        temporary)
        query = StreamingQuery(execution)
        manager.register(query)
        try:
            execution.start()
        except BaseException:
            manager.terminated(execution)
            raise
        return query

    def toTable(self, tableName: str, format: str | None = None, outputMode: str | None = None,
                partitionBy=None, queryName: str | None = None, **options) -> StreamingQuery:
        raise AnalysisException(f"sparklite writes no streaming table yet ({tableName}): write files with "
                                "writeStream.format(...).start(path)")

    def _sink(self):
        name = (self._format or self._spark.conf.get("spark.sql.sources.default") or "parquet")
        if name == "foreach":
            return self._foreach
        if name == "foreachBatch":
            return self._foreach_batch
        if name.lower() == "console":
            return sinks.ConsoleSink(self._options)
        if name.lower() == "memory":
            return sinks.MemorySink(self._spark, self._name, self._mode)
        if name.lower() == "noop":
            return sinks.NoopSink()
        if name.lower() in FILE_FORMATS:
            from sparklite.streaming.files import FileStreamSink
            if self._mode != "append":
                raise AnalysisException(errorClass="STREAMING_OUTPUT_MODE.UNSUPPORTED_DATASOURCE", messageParameters={
                    "outputMode": self._mode.capitalize(), "className": name.lower()})
            if "path" not in self._options:
                raise IllegalArgumentException("'path' is not specified")
            return FileStreamSink(self._spark, name.lower(), self._options["path"], self._partition_by,
                                  dict(self._options))
        raise AnalysisException(errorClass="DATA_SOURCE_NOT_FOUND", messageParameters={"provider": name})

    def _checkpoint(self) -> tuple[str, bool]:
        location = self._options.get("checkpointlocation")
        if location is None:
            default = self._spark.conf.get("spark.sql.streaming.checkpointLocation", None)
            if default and self._name:
                location = os.path.join(default, self._name)
        if location is not None:
            return location, False
        if (self._format or "").lower() in FILE_FORMATS:
            raise AnalysisException(
                'checkpointLocation must be specified either through option("checkpointLocation", ...) or '
                'SparkSession.conf.set("spark.sql.streaming.checkpointLocation", ...).')
        return tempfile.mkdtemp(prefix="temporary-"), True

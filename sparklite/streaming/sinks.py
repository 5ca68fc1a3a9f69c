"""Streaming sinks: where each micro-batch's rows go.

Contract (Spark's ``Sink``): ``add_batch(batch_id, df, mode)`` takes batch ``batch_id``'s rows as an
ordinary DataFrame and returns the number of rows it wrote when it knows it; a batch may be
given again with the same id after a restart (a replay), with the same rows. Here:
``ForeachBatchSink`` (the user's ``f(df, batch_id)``), ``ForeachSink`` (a function per row, or a writer
with ``open(partition_id, epoch_id)``/``process(row)``/``close(error)``, once per partition),
``MemorySink`` (a table queryable by the query's name) and ``ConsoleSink`` (each batch printed).
"""
from __future__ import annotations

import threading

import pyarrow as pa

from sparklite.core.api import TaskContext
from sparklite.sql.errors import AnalysisException, PySparkAttributeError


class Sink:
    description: str = "Sink"
    recovers = True          # may resume from a checkpoint

    def add_batch(self, batch_id: int, df, mode: str) -> int | None:
        raise NotImplementedError


class ForeachBatchSink(Sink):
    def __init__(self, func):
        self.func = func
        self.description = "ForeachBatchSink"

    def add_batch(self, batch_id, df, mode):
        self.func(df, batch_id)
        return None


class ForeachSink(Sink):
    def __init__(self, writer):
        if not callable(writer) and not callable(getattr(writer, "process", None)):
            raise PySparkAttributeError(errorClass="ATTRIBUTE_NOT_CALLABLE",
                                        messageParameters={"attr_name": "process", "obj_name": "f"})
        self.writer = writer
        self.description = "ForeachSink"

    def add_batch(self, batch_id, df, mode):
        writer = self.writer

        def each_partition(rows):
            if callable(writer) and not hasattr(writer, "process"):
                for row in rows:
                    writer(row)
                return
            partition = TaskContext.get().partitionId()
            opened = writer.open(partition, batch_id) if hasattr(writer, "open") else True
            error = None
            try:
                if opened is None or opened:
                    for row in rows:
                        writer.process(row)
            except Exception as failure:
                error = failure
                raise
            finally:
                if hasattr(writer, "close"):
                    writer.close(error)
        df.foreachPartition(each_partition)
        return None


class MemorySink(Sink):
    """The rows so far, as a temporary view named by the query: appended batch after batch (append and
    update mode), or the last batch alone (complete mode)."""

    recovers = False

    def __init__(self, session, name: str, mode: str):
        if not name:
            raise AnalysisException("queryName must be specified for memory sink")
        self.session, self.name = session, name
        self.recovers = mode == "complete"
        self._table = None
        self._lock = threading.Lock()
        self.description = "MemorySink"

    def add_batch(self, batch_id, df, mode):
        table = df.toArrow()
        with self._lock:
            if mode == "complete" or self._table is None:
                self._table = table
            else:
                self._table = pa.concat_tables([self._table, table.cast(self._table.schema)])
            self.session.createDataFrame(self._table, df.schema).createOrReplaceTempView(self.name)
        return table.num_rows


class ConsoleSink(Sink):
    def __init__(self, options: dict):
        self.num_rows = int(options.get("numrows", 20))
        truncate = str(options.get("truncate", "true")).lower()
        self.truncate = truncate != "false"
        self.description = "org.apache.spark.sql.execution.streaming.ConsoleTable$"

    def add_batch(self, batch_id, df, mode):
        line = "-" * 43
        print(f"{line}\nBatch: {batch_id}\n{line}")
        df.show(self.num_rows, self.truncate)
        return None


class NoopSink(Sink):
    """Runs each batch and drops its rows (``format("noop")``: for measuring)."""

    description = "org.apache.spark.sql.execution.datasources.noop.NoopTable$"

    def add_batch(self, batch_id, df, mode):
        return df.count()

"""The socket source (``readStream.format("socket")``): lines of text read from a TCP server, for
tests and demos.

Contract: options ``host`` and ``port`` (both required) and ``includeTimestamp``. The source connects
when the query first asks it for data; a background thread reads lines (split at ``\\n``, ``\\r`` or
``\\r\\n``, decoded as UTF-8) into a buffer, each stamped with the time it arrived. The rows are one
``value`` string column, plus ``timestamp`` with ``includeTimestamp``. As in Spark, the offset is the
number of the last line received (the first line is 0; -1 before any), so a query's first batch may
be empty. ``commit(end)`` drops the lines delivered up to ``end``; ``stop()`` closes the socket and
ends the thread.

NOT fault tolerant (Spark warns likewise): lines live only in this process's memory. A restarted
query numbers the new connection's lines after the offset it had committed and cannot run again a
batch it had not committed: that raises an error.
"""
from __future__ import annotations

import logging
import socket
import threading
import time

import pyarrow as pa

from sparklite.sql import types as T
from sparklite.sql.errors import AnalysisException, NumberFormatException, SparkRuntimeException
from sparklite.streaming.sources import Source

log = logging.getLogger("sparklite.streaming")


def _options(options: dict) -> tuple:
    """(host, port, includeTimestamp), checked with Spark's errors."""
    if "host" not in options:
        raise AnalysisException('Set a host to read from with option("host", ...).',
                                errorClass="_LEGACY_ERROR_TEMP_1295")
    if "port" not in options:
        raise AnalysisException('Set a port to read from with option("port", ...).',
                                errorClass="_LEGACY_ERROR_TEMP_1296")
    port = str(options["port"])
    if not port.strip().lstrip("+-").isdigit():
        raise NumberFormatException(f'For input string: "{port}"')
    stamped = str(options.get("includetimestamp", "false")).lower()
    if stamped not in ("true", "false"):
        raise AnalysisException('IncludeTimestamp must be set to either "true" or "false".',
                                errorClass="_LEGACY_ERROR_TEMP_1297")
    return options["host"], int(port), stamped == "true"


class SocketSource(Source):
    """Lines from ``host:port``; see the module's contract."""

    def __init__(self, spark, options: dict):
        self.session = spark
        self.host, self.port, self.include_timestamp = _options(options)
        fields = [T.StructField("value", T.StringType())]
        if self.include_timestamp:
            fields.append(T.StructField("timestamp", T.TimestampType()))
        self.schema = T.StructType(fields)
        self.description = f"TextSocketV2[host: {self.host}, port: {self.port}]"
        self._lines: list = []          # (text, arrival in microseconds) of the lines not committed
        self._first = 0                 # the offset of _lines[0]
        self._given = None              # the largest offset this run has offered
        self._cap = None
        self._lock = threading.Lock()
        self._socket = None
        self._thread = None
        log.warning("The socket source should not be used for production applications! It does not support recovery.")

    def _connect(self, start) -> None:
        if self._socket is not None:
            return
        self._socket = socket.create_connection((self.host, self.port))
        self._first = (-1 if start is None else start) + 1
        self._thread = threading.Thread(target=self._receive, name=f"socket source {self.host}:{self.port}",
                                        daemon=True)
        self._thread.start()

    def _receive(self) -> None:
        try:
            with self._socket.makefile("r", encoding="utf-8", errors="replace", newline=None) as lines:
                for line in lines:
                    arrival = time.time_ns() // 1_000_000 * 1000      # milliseconds, as Spark stamps them
                    with self._lock:
                        self._lines.append((line.rstrip("\n"), arrival))
        except OSError:           # the socket was closed by stop()
            pass

    def _latest(self) -> int:
        with self._lock:
            return self._first + len(self._lines) - 1

    def prepare_available_now(self, start) -> None:
        """``availableNow`` reads the lines received until now."""
        self._connect(start)
        self._cap = self._latest()

    def latest_offset(self, start):
        """The number of the last line received (connecting first, the first time)."""
        self._connect(start)
        latest = self._latest() if self._cap is None else min(self._latest(), self._cap)
        self._given = latest if self._given is None else max(self._given, latest)
        return latest

    def get_batch(self, start, end):
        """The lines after ``start`` up to ``end``; an error for lines an earlier run received."""
        first = (-1 if start is None else start) + 1
        if self._given is None or end > self._given:
            raise SparkRuntimeException(
                f"The socket source cannot run again the batch of lines {first} to {end}: it keeps no lines across "
                "restarts (it is not fault tolerant). Start the query with a new checkpointLocation.")
        with self._lock:
            rows = self._lines[max(first - self._first, 0):end + 1 - self._first]
        columns = {"value": pa.array([text for text, _ in rows], pa.string())}
        if self.include_timestamp:
            columns["timestamp"] = pa.array([stamp for _, stamp in rows], pa.int64()).cast(
                T.to_arrow_type(T.TimestampType()))
        return self.session.createDataFrame(pa.table(columns), self.schema)

    def commit(self, end) -> None:
        """Drops the lines up to ``end``."""
        with self._lock:
            if end + 1 > self._first:
                del self._lines[:end + 1 - self._first]
                self._first = end + 1

    def stop(self) -> None:
        """Closes the socket and waits for the reading thread to end."""
        if self._socket is None:
            return
        try:
            self._socket.shutdown(socket.SHUT_RDWR)
        except OSError:           # the server closed it first
            pass
        self._socket.close()
        self._thread.join()

"""The socket source (``sparklite.streaming.socket``) against a real TCP server on 127.0.0.1 started
by the test. Expected values were checked on PySpark 4.3."""
from __future__ import annotations

import datetime
import os
import socket
import threading
import time

import pytest

from sparklite.sql.errors import AnalysisException, IllegalArgumentException, StreamingQueryException


class LineServer:
    """A TCP server on a free port of 127.0.0.1 that accepts one client and sends it what it is given."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.accepted = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        self.client, _ = self.listener.accept()
        self.accepted.set()

    def send(self, data: bytes) -> None:
        assert self.accepted.wait(10), "the socket source never connected"
        self.client.sendall(data)

    def client_closed(self) -> bool:
        self.client.settimeout(10)
        return self.client.recv(1) == b""

    def close(self) -> None:
        if self.accepted.is_set():
            self.client.close()
        self.listener.close()


@pytest.fixture
def server():
    started = LineServer()
    yield started
    started.close()


def socket_stream(spark, port, **options):
    return spark.readStream.format("socket").option("host", "127.0.0.1").option("port", port).options(**options).load()


def wait_for(query, count, seen, timeout=10.0):
    """Runs the query until ``seen`` holds ``count`` rows."""
    deadline = time.time() + timeout
    while sum(len(rows) for _, rows in seen) < count:
        assert time.time() < deadline, f"only {seen} after {timeout}s"
        query.processAllAvailable()
        time.sleep(0.01)


def test_lines_arrive_in_batches_with_their_arrival_time(spark, server):
    df = socket_stream(spark, server.port, includeTimestamp=True)
    assert df.isStreaming and df.schema.simpleString() == "struct<value:string,timestamp:timestamp>"
    seen = []
    query = df.writeStream.foreachBatch(lambda batch, batch_id: seen.append((batch_id, batch.collect()))).start()
    try:
        query.processAllAvailable()          # the first batch, before any line
        before = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
        server.send(b"hello\nworld\n")
        wait_for(query, 2, seen)
        server.send(b"caf\xc3\xa9\r\nold mac\rend\n")
        wait_for(query, 5, seen)
    finally:
        query.stop()
    rows = [row for _, batch in seen for row in batch]
    assert [sorted(row.value for row in batch) for _, batch in seen] == [[], ["hello", "world"],
                                                                         ["caf\u00e9", "end", "old mac"]]
    assert all(before - datetime.timedelta(seconds=1) <= row.timestamp <= before + datetime.timedelta(seconds=10)
               for row in rows)
    assert seen[0] == (0, [])                # as in Spark, the first batch runs before any line
    ends = [p["sources"][0]["endOffset"] for p in query.recentProgress]
    assert int(ends[0]) == -1 and int(ends[-1]) == 4       # PySpark gives them as JSON text
    assert query.recentProgress[0]["sources"][0]["description"] == f"TextSocketV2[host: 127.0.0.1, port: {server.port}]"
    assert server.client_closed()
    assert not [t for t in threading.enumerate() if t.name.startswith("socket source")]


def test_the_options_are_checked_as_spark_checks_them(spark):
    with pytest.raises(AnalysisException, match=r'^Set a host to read from with option\("host", ...\).$'):
        spark.readStream.format("socket").load()
    with pytest.raises(AnalysisException, match=r'^Set a port to read from with option\("port", ...\).$'):
        spark.readStream.format("socket").option("host", "localhost").load()
    with pytest.raises(IllegalArgumentException, match='For input string: "ab"'):
        socket_stream(spark, "ab")
    with pytest.raises(AnalysisException, match='IncludeTimestamp must be set to either "true" or "false".'):
        socket_stream(spark, 1, includeTimestamp="yes")


def test_a_refused_connection_fails_the_query(spark):
    closed = socket.create_server(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    query = socket_stream(spark, port).writeStream.format("console").start()
    with pytest.raises(StreamingQueryException, match="Connection refused"):
        query.awaitTermination(10)


def test_an_uncommitted_batch_cannot_be_run_again_after_a_restart(spark, server, tmp_path):
    seen = []
    query = (socket_stream(spark, server.port).writeStream.option("checkpointLocation", str(tmp_path))
             .foreachBatch(lambda batch, batch_id: seen.append((batch_id, batch.collect()))).start())
    server.send(b"a\nb\n")
    wait_for(query, 2, seen)
    query.stop()
    os.remove(tmp_path / "commits" / str(seen[-1][0]))
    again = LineServer()
    try:
        query = socket_stream(spark, again.port).writeStream.option("checkpointLocation", str(tmp_path)) \
            .foreachBatch(lambda batch, batch_id: None).start()
        with pytest.raises(StreamingQueryException, match="The socket source cannot run again the batch of lines"):
            query.awaitTermination(10)
    finally:
        again.close()

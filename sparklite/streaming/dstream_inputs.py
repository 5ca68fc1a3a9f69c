"""The input nodes of a DStream graph: a queue of RDDs, new files in a directory, lines from a socket.

Contract:
* An input's slide is the batch duration; ``start``/``stop`` run with the context (only the socket
  has work to do there: its receiver thread).
* ``QueueInputNode``: each batch takes the next RDD of the queue (or, with ``one_at_a_time=False``,
  the union of all that are left), then the default RDD, then an empty RDD of one partition (what
  PySpark's batches hold then). Its RDDs are not checkpointed and, as in Spark, a graph with a
  queue stream is written to the checkpoint but cannot be read back.
* ``FileInputNode``: batch ``t`` reads the files of the directory modified in (the later of the
  stream's creation and ``t`` minus the remembered minute, ``t``] that no remembered batch took;
  names starting with ``.`` are ignored. Each file is a partition (more if large); a batch without
  files has none. ``selected`` (batch time -> files) is kept for the remember duration (at least
  60 s, Spark's default ``minRememberDuration``) and checkpointed, so a restored stream reads the
  same files for those batches again.
* ``SocketInputNode``: a receiver thread connects to ``host:port`` and keeps the lines it reads
  (UTF-8, ending at ``\\n``, a ``\\r`` before it dropped) with the time they arrived; batch ``t`` takes
  the lines that arrived before ``t``, a partition per 200 ms of arrival (Spark's block interval),
  none without lines. A connection that fails or ends is made again after
  ``spark.streaming.receiverRestartDelay`` ms (2000). ``stop`` closes the connection and joins the
  thread; lines not taken yet are lost, as without Spark's write-ahead log.
"""
from __future__ import annotations

import collections
import logging
import math
import pickle
import socket
import threading
import time as clock

import pyarrow.fs as pafs

from sparklite.core.api import resolve_path
from sparklite.streaming.checkpoint import join
from sparklite.streaming.dstream_kinds import DStreamNode

_log = logging.getLogger(__name__)
MIN_REMEMBER_MS = 60_000


class InputNode(DStreamNode):
    def __init__(self, ssc):
        super().__init__(ssc)
        ssc._graph.inputs.append(self)

    @property
    def slide(self) -> int:
        return self.ssc._graph.batch_ms

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass


class QueueInputNode(InputNode):
    def __init__(self, ssc, rdds: list, one_at_a_time: bool, default=None):
        super().__init__(ssc)
        self.queue, self.one_at_a_time, self.default = collections.deque(rdds), one_at_a_time, default

    def compute(self, time: int):
        if self.queue:
            if self.one_at_a_time:
                return self.queue.popleft()
            rdds, self.queue = list(self.queue), collections.deque()
            return self.ssc.sparkContext.union(rdds)
        return self.default if self.default is not None else self.ssc.sparkContext.parallelize([], 1)

    def __getstate__(self) -> dict:
        state = super().__getstate__()
        state["queue"], state["default"] = collections.deque(), None
        return state

    def __setstate__(self, state: dict) -> None:
        raise pickle.UnpicklingError("queueStream doesn't support checkpointing. Please don't use queueStream when "
                                     "checkpointing is enabled.")


def read_text(sc, paths: list):
    return sc.union([sc.textFile(path, 1) for path in paths])


def read_binary_records(length: int, sc, paths: list):
    return sc.union([sc.binaryRecords(path, length) for path in paths])


class FileInputNode(InputNode):
    def __init__(self, ssc, directory: str, read=read_text):
        super().__init__(ssc)
        self.directory, self.read = directory, read
        self.created_ms = int(clock.time() * 1000)
        self.selected: dict = {}

    def initialize(self, zero: int) -> None:
        super().initialize(zero)
        self.remember_ms = max(self.remember_ms, self.minute_ms())

    def minute_ms(self) -> int:
        return self.slide * math.ceil(MIN_REMEMBER_MS / self.slide)

    def compute(self, time: int):
        after = max(self.created_ms, time - self.minute_ms())
        taken = set().union(*self.selected.values())
        files = sorted(path for path, modified in self._listing()
                       if after < modified <= time and path not in taken)
        self.selected[time] = files
        sc = self.ssc.sparkContext
        return self.read(sc, files) if files else sc.emptyRDD()

    def _listing(self) -> list:
        fs, root = resolve_path(self.directory, self.ssc.sparkContext.getConf())
        try:
            infos = fs.get_file_info(pafs.FileSelector(root, allow_not_found=True))
        except OSError as error:
            _log.warning("Error finding new files in %s: %s", self.directory, error)
            return []
        return [(join(self.directory, info.base_name), info.mtime_ns // 1_000_000) for info in infos
                if info.type == pafs.FileType.File and not info.base_name.startswith(".")]

    def forget(self, time: int) -> None:
        super().forget(time)
        for old in [t for t in self.selected if t < time - self.remember_ms]:
            del self.selected[old]

    def attach(self, ssc) -> None:
        super().attach(ssc)
        sc = ssc.sparkContext
        self.generated = {t: self.read(sc, files) if files else sc.emptyRDD() for t, files in self.selected.items()}


class SocketInputNode(InputNode):
    def __init__(self, ssc, host: str, port: int):
        super().__init__(ssc)
        self.host, self.port = host, port
        self._receiver = None

    def start(self) -> None:
        delay = int(self.ssc.sparkContext.getConf().get("spark.streaming.receiverRestartDelay", "2000")) / 1000
        self._receiver = SocketReceiver(self.host, self.port, delay)

    def stop(self) -> None:
        if self._receiver is not None:
            self._receiver.stop()

    def compute(self, time: int):
        blocks = self._receiver.take_before(time) if self._receiver is not None else []
        sc = self.ssc.sparkContext
        return sc.parallelize(blocks, len(blocks)).flatMap(lambda block: block, True) if blocks else sc.emptyRDD()

    def __getstate__(self) -> dict:
        state = super().__getstate__()
        state["_receiver"] = None
        return state


class SocketReceiver:
    """The thread that reads lines from a TCP server into a buffer of ``(arrival ms, line)``."""
    CONNECT_SECONDS, POLL_SECONDS = 2.0, 0.1
    BLOCK_MS = 200      # Spark's spark.streaming.blockInterval: a batch has one partition per block

    def __init__(self, host: str, port: int, restart_delay: float):
        self.address, self.restart_delay = (host, port), restart_delay
        self.lines: collections.deque = collections.deque()
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, name=f"socket receiver {host}:{port}", daemon=True)
        self.thread.start()

    def take_before(self, time_ms: int) -> list:
        """The lines that arrived before ``time_ms``, in blocks of ``BLOCK_MS`` of arrival time."""
        blocks = {}
        with self.lock:
            while self.lines and self.lines[0][0] < time_ms:
                arrived, line = self.lines.popleft()
                blocks.setdefault(arrived // self.BLOCK_MS, []).append(line)
        return list(blocks.values())

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join()

    def _run(self) -> None:
        while not self.stopped.is_set():
            try:
                with socket.create_connection(self.address, timeout=self.CONNECT_SECONDS) as connection:
                    connection.settimeout(self.POLL_SECONDS)
                    self._receive(connection)
                _log.warning("Socket data stream from %s:%s had no more data; connecting again", *self.address)
            except OSError as error:
                _log.warning("Error connecting to %s:%s (%s); trying again", *self.address, error)
            self.stopped.wait(self.restart_delay)

    def _receive(self, connection) -> None:
        pending = b""
        while not self.stopped.is_set():
            try:
                chunk = connection.recv(65536)
            except socket.timeout:
                continue
            if not chunk:
                break
            *lines, pending = (pending + chunk).split(b"\n")
            self._keep(lines)
        if pending:
            self._keep([pending])

    def _keep(self, lines: list) -> None:
        arrived = int(clock.time() * 1000)
        with self.lock:
            self.lines.extend((arrived, line.rstrip(b"\r").decode("utf-8", "replace")) for line in lines)

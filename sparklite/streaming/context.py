"""``StreamingContext``: PySpark's entry point of the DStream API (``pyspark.streaming``), deprecated
since Spark 3.4 in favour of Structured Streaming, and warning so as PySpark does.

    ssc = StreamingContext(sc, 1)                       # batches of one second
    counts = ssc.socketTextStream("localhost", 9999).flatMap(str.split).countByValue()
    counts.pprint()
    ssc.start(); ssc.awaitTermination()

Contract:
* A context is INITIALIZED (inputs, transformations and outputs may be added), then ACTIVE after
  ``start`` (at most one per process: ``getActive``), then STOPPED for good. ``start`` checks the
  graph (an output, durations, a checkpoint directory for what needs one, a graph that pickles when
  checkpointing) and on failure leaves the context STOPPED, as Spark does. The graph and the loop
  that runs it live in ``sparklite.streaming.dstream_graph``.
* ``checkpoint(directory)`` makes it the directory of the RDD checkpoints (``sc.setCheckpointDir``),
  of the state copies and of the graph's metadata; ``getOrCreate(directory, setupFunc)`` rebuilds a
  context from that metadata when there is some: the same graph, zero time and remembered
  checkpointed RDDs, on the running SparkContext (or one made from the saved configuration). Its
  ``start`` first runs again the batches from the last checkpoint's until now (and any pending
  then), as Spark does. A graph with a queue stream cannot be read back, as in Spark.
* An error in a batch is kept: ``awaitTermination`` raises it (the user's own exception); batches
  go on. ``stop`` ends the loop and every receiver thread before it returns.
"""
from __future__ import annotations

import functools
import logging
import threading
import time as clock
import warnings

import cloudpickle

from sparklite import RDD, SparkConf, SparkContext, StorageLevel
from sparklite.core.api import active_context
from sparklite.streaming.dstream import DStream
from sparklite.streaming.dstream_graph import DStreamGraph, JobScheduler, read_checkpoint
from sparklite.streaming.dstream_inputs import FileInputNode, QueueInputNode, SocketInputNode, read_binary_records
from sparklite.streaming.dstream_kinds import TransformedNode, UnionNode, duration_ms, require

__all__ = ["StreamingContext"]

_log = logging.getLogger(__name__)
INITIALIZED, ACTIVE, STOPPED = "INITIALIZED", "ACTIVE", "STOPPED"


class StreamingContext:
    """The entry point of Spark Streaming's DStreams: makes input streams of batches of
    ``batchDuration`` seconds over ``sparkContext``, and starts and stops their computation."""
    _activeContext = None
    _active_lock = threading.Lock()

    def __init__(self, sparkContext: SparkContext, batchDuration=None):
        warnings.warn("DStream is deprecated as of Spark 3.4.0. Migrate to Structured Streaming.",
                      FutureWarning, stacklevel=2)
        if batchDuration is None:
            raise ValueError("batchDuration must be given: the seconds between batches")
        self._sc = sparkContext
        self._graph = DStreamGraph(duration_ms(batchDuration))
        self._state = INITIALIZED
        self._checkpoint_path = None
        self._scheduler = None
        self._restart = None
        self._error = None
        self._changed = threading.Condition()

    @property
    def sparkContext(self) -> SparkContext:
        """The SparkContext the streams run their jobs on."""
        return self._sc

    # -- recovery -------------------------------------------------------------------------------
    @classmethod
    def getOrCreate(cls, checkpointPath: str, setupFunc) -> "StreamingContext":
        """The context saved under ``checkpointPath`` by an earlier run, rebuilt; when there is none,
        ``setupFunc()``'s new context, checkpointing to ``checkpointPath``."""
        saved = read_checkpoint(checkpointPath, _conf())
        if saved is None:
            ssc = setupFunc()
            ssc.checkpoint(checkpointPath)
            return ssc
        head, graph = saved
        sc = active_context() or SparkContext(conf=SparkConf().setAll(head["sparkConf"]))
        ssc = cls(sc, graph.batch_ms / 1000)
        ssc._graph = graph
        graph.attach(ssc)
        ssc.checkpoint(checkpointPath)
        ssc._restart = head
        return ssc

    @classmethod
    def getActive(cls) -> "StreamingContext | None":
        """The context started and not yet stopped, or None."""
        return cls._activeContext

    @classmethod
    def getActiveOrCreate(cls, checkpointPath: str | None, setupFunc) -> "StreamingContext":
        """The active context, else ``getOrCreate(checkpointPath, setupFunc)`` (``setupFunc()`` when
        ``checkpointPath`` is None)."""
        if not callable(setupFunc):
            raise TypeError("setupFunc should be callable.")
        active = cls.getActive()
        if active is not None:
            return active
        return cls.getOrCreate(checkpointPath, setupFunc) if checkpointPath is not None else setupFunc()

    # -- running --------------------------------------------------------------------------------
    def start(self) -> None:
        """Start running the streams: a batch every batch duration, from the next multiple of it."""
        if self._state == ACTIVE:
            _log.warning("StreamingContext has already been started")
            return
        if self._state == STOPPED:
            raise RuntimeError("StreamingContext has already been stopped")
        with StreamingContext._active_lock:
            if StreamingContext._activeContext is not None:
                raise RuntimeError("Only one StreamingContext may be started in this process; stop the running "
                                   "one (StreamingContext.getActive()) first")
            try:
                replay, first = self._prepare()
            except BaseException:
                self._state = STOPPED
                raise
            for source in self._graph.inputs:
                source.start()
            self._scheduler = JobScheduler(self)
            self._scheduler.start(replay, first)
            self._state = ACTIVE
            StreamingContext._activeContext = self

    def _prepare(self) -> tuple[list, int]:
        """Checks the graph; the batch times to run again (after a restart) and the first new one."""
        graph, batch = self._graph, self._graph.batch_ms
        now = int(clock.time() * 1000)
        if self._restart is None:
            first = (now // batch + 1) * batch
            graph.start(first - batch)
            replay = []
        else:
            require(bool(graph.outputs), "No output operations registered, so nothing to execute")
            first = graph.zero + ((now - graph.zero) // batch + 1) * batch
            since = self._restart["checkpointTimeMs"]
            replay = sorted(set(self._restart["pendingTimesMs"]) | set(range(since, first, batch)))
        if self._checkpoint_path is not None:
            self._check_graph_pickles()
        return [t for t in replay if t < first], first

    def _check_graph_pickles(self) -> None:
        try:
            cloudpickle.dumps(self._graph)
        except Exception as error:
            raise RuntimeError("DStream checkpointing has been enabled but the DStreams with their functions are "
                               f"not serializable: {error}. A function given to a DStream may not use the "
                               "StreamingContext or a DStream.") from error

    def awaitTermination(self, timeout=None) -> None:
        """Wait until the context is stopped (at most ``timeout`` seconds); raises the error of a
        failed batch."""
        self._wait(timeout)

    def awaitTerminationOrTimeout(self, timeout) -> bool:
        """Wait at most ``timeout`` seconds for the context to stop: True when it did; raises the
        error of a failed batch."""
        return self._wait(timeout)

    def _wait(self, timeout) -> bool:
        deadline = None if timeout is None else clock.monotonic() + timeout
        with self._changed:
            while self._state != STOPPED and self._error is None:
                left = None if deadline is None else deadline - clock.monotonic()
                if left is not None and left <= 0:
                    break
                self._changed.wait(left)
            if self._error is not None:
                raise self._error
            return self._state == STOPPED

    def _report_error(self, error: BaseException) -> None:
        with self._changed:
            self._error = error
            self._changed.notify_all()

    def stop(self, stopSparkContext: bool = True, stopGraceFully: bool = False) -> None:
        """Stop the streams (gracefully: after the batch of the next batch time, the receivers
        stopped first; otherwise at once, cancelling the running batch's jobs) and, unless
        ``stopSparkContext`` is False, the SparkContext."""
        if self._state == ACTIVE:
            self._stop_running(stopGraceFully)
        elif self._state == INITIALIZED:
            _log.warning("StreamingContext has not been started yet")
        with self._changed:
            self._state = STOPPED
            self._changed.notify_all()
        if stopSparkContext:
            self._sc.stop()

    def _stop_running(self, graceful: bool) -> None:
        if graceful:
            self._stop_inputs()
        self._scheduler.stop(graceful)
        if not graceful:
            self._stop_inputs()
        with StreamingContext._active_lock:
            if StreamingContext._activeContext is self:
                StreamingContext._activeContext = None

    def _stop_inputs(self) -> None:
        for source in self._graph.inputs:
            source.stop()

    def remember(self, duration) -> None:
        """Keep every stream's RDDs for at least ``duration`` seconds (for ``DStream.slice``)."""
        require(self._graph.remember_ms is None,
                f"Remember duration already set as {self._graph.remember_ms} ms. Cannot set it again.")
        self._graph.remember_ms = duration_ms(duration)

    def checkpoint(self, directory: str | None) -> None:
        """Checkpoint to ``directory``: the state of stateful streams every few batches (so their
        lineage stays short) and the graph every batch, for ``getOrCreate``."""
        if directory is not None:
            self._sc.setCheckpointDir(directory)
        self._checkpoint_path = directory

    # -- inputs ---------------------------------------------------------------------------------
    def queueStream(self, rdds: list, oneAtATime: bool = True, default=None) -> DStream:
        """A stream of the given RDDs (or lists, parallelized): one per batch, or all of them in the
        first batch when ``oneAtATime`` is False; then ``default`` (else empty) batches."""
        rdds = [rdd if isinstance(rdd, RDD) else self._sc.parallelize(rdd) for rdd in rdds]
        if default is not None and not isinstance(default, RDD):
            default = self._sc.parallelize(default)
        return self._stream(QueueInputNode(self, rdds, oneAtATime, default))

    def socketTextStream(self, hostname: str, port: int,
                         storageLevel: StorageLevel = StorageLevel.MEMORY_AND_DISK_2) -> DStream:
        """The UTF-8 lines read from a TCP server at ``hostname:port``, each batch those that arrived
        since the last; a lost connection is made again."""
        return self._stream(SocketInputNode(self, hostname, port))

    def textFileStream(self, directory: str) -> DStream:
        """The lines of the files that appear in ``directory`` (by modification time, after the stream
        was made; write them elsewhere and move them in), each batch those new since the last."""
        return self._stream(FileInputNode(self, directory))

    def binaryRecordsStream(self, directory: str, recordLength: int) -> DStream:
        """Like ``textFileStream``, with records of ``recordLength`` bytes."""
        return self._stream(FileInputNode(self, directory, functools.partial(read_binary_records, recordLength)))

    def union(self, *dstreams: DStream) -> DStream:
        """The elements of every stream's batch, stream after stream (same slide duration)."""
        if not dstreams:
            raise ValueError("should have at least one DStream to union")
        if len(dstreams) == 1:
            return dstreams[0]
        if len({d._node.slide for d in dstreams}) > 1:
            raise ValueError("All DStreams should have same slide duration")
        return self._stream(UnionNode(self, [d._node for d in dstreams]))

    def transform(self, dstreams: list, transformFunc) -> DStream:
        """Each batch's RDD is ``transformFunc(rdds)`` of the streams' RDDs of that time, in order."""
        require(len({d._node.slide for d in dstreams}) == 1, "Some of the DStreams have different slide durations")
        node = TransformedNode(self, [d._node for d in dstreams], lambda time, *rdds: transformFunc(rdds),
                               missing="error")
        return self._stream(node)

    def _stream(self, node) -> DStream:
        return DStream(node, self)

    # -- for the graph's nodes ------------------------------------------------------------------
    def _started(self) -> bool:
        return self._state != INITIALIZED

    def _check_can_add(self) -> None:
        if self._state == ACTIVE:
            raise RuntimeError("Adding new inputs, transformations, and output operations after starting a "
                               "context is not supported")
        if self._state == STOPPED:
            raise RuntimeError("Adding new inputs, transformations, and output operations after stopping a "
                               "context is not supported")

    def __reduce__(self):
        raise TypeError("A StreamingContext cannot be pickled: a function given to a DStream may not use it")


def _conf():
    sc = active_context()
    return sc.getConf() if sc is not None else None

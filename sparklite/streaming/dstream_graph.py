"""The DStream graph, the driver thread that runs it batch after batch, and its checkpoint.

Contract:
* ``DStreamGraph`` holds the inputs and the outputs (``ForEachNode``) in the order they were
  registered, the batch duration and the zero time (the first batch's time minus one batch). Batch
  times are multiples of the batch duration (Spark's alignment: the first is the next multiple
  after ``start``).
* ``JobScheduler`` runs one batch per batch time on its own thread, never skipping one: when a batch
  ends late the next starts at once. A batch generates the RDD of every output for its time
  (running the user's transform functions), then runs the outputs' jobs in registration order,
  then checkpoints the due RDDs and forgets RDDs older than each node's remember duration. An error
  is kept for ``awaitTermination`` to raise and the batches go on, as in Spark.
* With a checkpoint directory, the graph's metadata is written with ``MetadataLog`` to
  ``<directory>/dstream/<batch ms>`` before a batch (the batch pending) and after it: a JSON head
  (batch duration, zero time, checkpoint time, pending times, the SparkConf) and the cloudpickled
  graph, base64. The last ten batches' entries are kept. ``read_checkpoint`` returns the newest
  (a RuntimeError naming the directory when it cannot be read back).
* ``stop`` ends the thread: at once, cancelling the running batch's jobs, or gracefully, after
  the batch of the next batch time; either way it joins the thread.
"""
from __future__ import annotations

import base64
import json
import threading
import time as clock
import uuid

import cloudpickle
import pyarrow.fs as pafs

from sparklite.core.api import resolve_path
from sparklite.streaming.checkpoint import MetadataLog, join
from sparklite.streaming.dstream_kinds import batch_time, require

KEPT_ENTRIES = 10


class DStreamGraph:
    def __init__(self, batch_ms: int):
        self.batch_ms = batch_ms
        self.inputs, self.outputs = [], []
        self.zero, self.remember_ms = None, None
        self.lock = threading.RLock()
        self._next_id = 0

    def new_node_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def nodes(self) -> list:
        """Every node of the graph (the outputs, the inputs and all between), each once."""
        found, stack = {}, list(self.outputs) + list(self.inputs)
        while stack:
            node = stack.pop()
            if id(node) not in found:
                found[id(node)] = node
                stack.extend(node.parents)
        return list(found.values())

    def start(self, zero: int) -> None:
        require(bool(self.outputs), "No output operations registered, so nothing to execute")
        self.zero = zero
        for node in self.nodes():
            node.initialize(zero)
        for output in self.outputs:
            output.remember(self.remember_ms)
        for node in self.nodes():
            node.validate()

    def generate_jobs(self, time: int) -> list:
        with self.lock:
            jobs = [output.job(time) for output in self.outputs]
        return [job for job in jobs if job is not None]

    def finish_batch(self, time: int) -> None:
        with self.lock:
            for node in self.nodes():
                node.write_checkpoints()
                node.forget(time)

    def attach(self, ssc) -> None:
        for node in self.nodes():
            node.attach(ssc)

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        del state["lock"]
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state, lock=threading.RLock())


class JobScheduler:
    def __init__(self, ssc):
        self.ssc, self.graph = ssc, ssc._graph
        self.group = f"dstream-{uuid.uuid4()}"
        self.last_time = None
        self._abort = threading.Event()
        self._thread = None

    def start(self, replay: list, first: int) -> None:
        self._thread = threading.Thread(target=self._run, args=(replay, first), daemon=True,
                                        name=f"streaming job generator {self.group}")
        self._thread.start()

    def _run(self, replay: list, first: int) -> None:
        for time in replay:
            if self._abort.is_set():
                return
            self._batch(time)
        time = first
        while self.last_time is None or time <= self.last_time:
            if self._abort.wait(max(0.0, time / 1000 - clock.time())):
                return
            self._batch(time)
            time += self.graph.batch_ms

    def _batch(self, time: int) -> None:
        sc = self.ssc.sparkContext
        try:
            sc.setJobGroup(self.group, f"Streaming job generator, batch time {self._shown(time)}", True)
            jobs = self.graph.generate_jobs(time)
            self._checkpoint(time, [time])
            for index, job in enumerate(jobs):
                sc.setJobGroup(self.group, f"Streaming job from [output operation {index}, batch time "
                                           f"{self._shown(time)}]", True)
                self._run_job(job)
            self.graph.finish_batch(time)
            self._checkpoint(time, [])
        except Exception as error:          # awaitTermination raises it; the next batch still runs
            self._report(error)

    def _shown(self, time: int) -> str:
        shown = batch_time(time).strftime("%H:%M:%S.%f")
        return shown[:-3] if self.graph.batch_ms % 1000 else shown[:-7]

    def _run_job(self, job) -> None:
        try:
            job()
        except Exception as error:
            self._report(error)

    def _report(self, error: Exception) -> None:
        if not self._abort.is_set():
            self.ssc._report_error(error)

    def _checkpoint(self, time: int, pending: list) -> None:
        directory = self.ssc._checkpoint_path
        if directory is not None:
            write_checkpoint(self.ssc, directory, time, pending)

    def stop(self, graceful: bool) -> None:
        """Gracefully: after the batch of the next batch time; otherwise at once, cancelling the
        running batch's jobs. Returns once the thread has ended (unless it is the caller)."""
        if graceful:
            batch = self.graph.batch_ms
            self.last_time = (int(clock.time() * 1000) // batch + 1) * batch
        else:
            self._abort.set()
            self.ssc.sparkContext.cancelJobGroup(self.group)
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()


def write_checkpoint(ssc, directory: str, time: int, pending: list) -> None:
    graph = ssc._graph
    head = {"batchDurationMs": graph.batch_ms, "zeroTimeMs": graph.zero, "checkpointTimeMs": time,
            "pendingTimesMs": pending, "sparkConf": ssc.sparkContext.getConf().getAll()}
    with graph.lock:
        body = base64.b64encode(cloudpickle.dumps(graph)).decode()
    log = _log(directory, ssc.sparkContext.getConf())
    log.add(time, [json.dumps(head), body])
    log.purge(time - KEPT_ENTRIES * graph.batch_ms)


def read_checkpoint(directory: str, conf=None):
    """``(head, graph)`` of the newest entry under ``directory``, or None when there is none."""
    fs, root = resolve_path(directory, conf)
    if fs.get_file_info(join(root, "dstream")).type == pafs.FileType.NotFound:
        return None
    log = MetadataLog(fs, join(root, "dstream"))
    latest = log.latest()
    if latest is None:
        return None
    head, body = log.get(latest)
    try:
        return json.loads(head), cloudpickle.loads(base64.b64decode(body))
    except Exception as error:
        raise RuntimeError(f"Failed to read checkpoint from directory {directory}: {error}") from error


def _log(directory: str, conf) -> MetadataLog:
    fs, root = resolve_path(directory, conf)
    return MetadataLog(fs, join(root, "dstream"))

"""A running streaming query: the micro-batch loop on its own thread, and the ``StreamingQuery`` handle.

Contract (Spark's MicroBatchExecution):
* Each trigger asks every source for its latest offset. When one has new rows, or when the
  watermark moved past the one the last batch ran with and a stateful operator could emit or evict
  rows (a no-data batch), the batch's offsets go to ``offsets/<id>``; then the batch's DataFrame
  (``sparklite.sql.streams.micro_batch``) goes to the sink, then ``commits/<id>`` is written and the
  sources are told. A new watermark (the latest event time seen minus the delay; with several, the
  least) is used from the next batch on and never moves back.
* On start, a batch with offsets and no commit is run again with its offsets and its id; the query's
  ``id`` is the checkpoint's, its ``runId`` new each start. A failure ends the query: ``exception()``
  is a ``StreamingQueryException`` whose cause is the error (a task's error shows the user's
  traceback) and the batch stays uncommitted.
* Triggers: the default starts the next batch when the last ends (when there is nothing, at the next
  poll, every 10 ms, or as soon as a source that knows says rows arrived); ``processingTime`` starts batches on multiples of the interval; ``once`` runs one batch;
  ``availableNow`` runs what is available at start, in as many batches as the sources' limits make,
  then stops.
* ``stop()`` cancels the running batch's jobs and ends the loop; nothing of a stopped query stays in
  memory or running (its checkpoint, the user's, stays on disk; a temporary one is removed).
"""
from __future__ import annotations

import json
import shutil
import threading
import time
import traceback
import uuid

from sparklite.sql import streams
from sparklite.sql.errors import AnalysisException, PySparkValueError, StreamingQueryException
from sparklite.streaming.checkpoint import Checkpoint, read_text, write_atomically
from sparklite.streaming.progress import StreamingQueryProgress, batch_progress
from sparklite.streaming.sources import no_rows
from sparklite.streaming.state import StateStore

POLLING_DELAY = 0.01


class Trigger:
    """``kind``: "default", "processingTime", "once" or "availableNow"; ``interval`` in seconds."""

    def __init__(self, kind: str = "default", interval: float = 0.0):
        self.kind, self.interval = kind, interval

    def __repr__(self):
        return f"Trigger({self.kind}{', ' + str(self.interval) if self.interval else ''})"


class MicroBatchExecution:
    def __init__(self, manager, df, sink, trigger: Trigger, output_mode: str, checkpoint_location: str,
                 name: str | None, temporary: bool):
        self.manager, self.df, self.sink, self.trigger = manager, df, sink, trigger
        self.session = df.sparkSession
        self.output_mode, self.name, self.temporary = output_mode, name, temporary
        self.sources = streams.sources(df)
        # the session's spark.hadoop.fs.* keys (an S3 checkpoint's credentials set with spark.conf.set too)
        fs_conf = {k: v for k, v in self.session.conf.getAll().items() if k.startswith("spark.hadoop.fs.")}
        self.checkpoint = Checkpoint(checkpoint_location, fs_conf)
        self.id = self.checkpoint.query_id()
        self.run_id = str(uuid.uuid4())
        self.store = StateStore(self.checkpoint.subdir("state"), self.run_id, fs_conf)
        self.operators = streams.stateful_operators(df)
        self.has_state = bool(self.operators)
        self.has_watermark = "EventTimeWatermark" in df._plan.tree_string()
        self._thread = None
        self._stop = threading.Event()
        self._woken = threading.Event()         # set by a source whose rows just arrived, and by stop()
        self._changed = threading.Condition()
        self._idle_seen = False
        self._active = False
        self.exception = None
        self.recent, self.last_trigger_time = [], None
        self.last_batch = None          # the last batch's DataFrame: what explain() shows, as Spark's lastExecution
        self.status = {"message": "Initializing sources", "isDataAvailable": False, "isTriggerActive": False}
        for index, source in enumerate(self.sources):
            source.attach(self.checkpoint, index)
            source.watch(self._woken.set)

    # -- the loop ---------------------------------------------------------------------------------
    def start(self) -> None:
        self._resume()
        self._active = True
        self._thread = threading.Thread(target=self._run, name=f"stream execution thread for {self.name or self.id}",
                                        daemon=True)
        self._thread.start()

    def _resume(self) -> None:
        cp = self.checkpoint
        self.committed = [None] * len(self.sources)
        self.watermark_ms, self.batch_watermark_ms = 0, 0
        self.next_batch, self.pending = 0, None
        self.operator_watermarks, self.locations = {}, {}
        self.partitions = int(self.session.conf.get("spark.sql.shuffle.partitions"))
        latest = cp.offsets.latest()
        if latest is None:
            return
        if not self.sink.recovers:
            raise AnalysisException(f"This query does not support recovering from checkpoint location. "
                                    f"Delete {cp.location.rstrip('/')}/offsets to start over.")
        head, offsets = cp.read_offsets(latest)
        if len(offsets) != len(self.sources):
            raise AnalysisException(f"The query has {len(self.sources)} sources but its checkpoint "
                                    f"{cp.location} was written by a query with {len(offsets)}: start it with a new "
                                    "checkpointLocation")
        self.partitions = int(head.get("conf", {}).get("spark.sql.shuffle.partitions", self.partitions))
        self._check_state_metadata()
        commit = cp.read_commit(latest)
        if commit is not None:
            # the last batch ran with its offsets' watermark and left the commit's: when they differ, a
            # no-data batch is due, as it was before the restart
            self.committed, self.next_batch = offsets, latest + 1
            self.watermark_ms = commit.get("nextBatchWatermarkMs", 0)
            self.batch_watermark_ms = head.get("batchWatermarkMs", 0)
        else:
            self.pending = (latest, offsets)
            self.watermark_ms = self.batch_watermark_ms = head.get("batchWatermarkMs", 0)
            if latest > 0:
                self.committed = cp.read_offsets(latest - 1)[1]
            self.next_batch = latest

    def _check_state_metadata(self) -> None:
        """A restart must find the stateful operators its checkpoint's state was written by."""
        text = read_text(self.checkpoint.fs, self.checkpoint.subdir("state", "_operators"))
        stored = json.loads(text) if text is not None else []
        if not stored and not self.operators:
            return
        if not stored:
            raise AnalysisException(errorClass="STREAMING_STATEFUL_OPERATOR_MISSING_STATE_DIRECTORY",
                                    messageParameters={"OpsInCurBatchSeq": _names(self.operators)})
        if [o["operatorName"] for o in stored] != [o["operatorName"] for o in self.operators]:
            raise AnalysisException(errorClass="STREAMING_STATEFUL_OPERATOR_NOT_MATCH_IN_STATE_METADATA",
                                    messageParameters={"OpsInMetadataSeq": _names(stored),
                                                       "OpsInCurBatchSeq": _names(self.operators)})
        for old, new in zip(stored, self.operators):
            if old["keySchema"] != new["keySchema"]:
                raise AnalysisException(errorClass="STATE_STORE_KEY_SCHEMA_NOT_COMPATIBLE", messageParameters={
                    "storedKeySchema": old["keySchema"], "newKeySchema": new["keySchema"]})
            if old["valueSchema"] != new["valueSchema"]:
                raise AnalysisException(errorClass="STATE_STORE_VALUE_SCHEMA_NOT_COMPATIBLE", messageParameters={
                    "storedValueSchema": old["valueSchema"], "newValueSchema": new["valueSchema"]})

    def _write_state_metadata(self) -> None:
        if self.operators:
            self.checkpoint.fs.create_dir(self.checkpoint.subdir("state"), recursive=True)
            write_atomically(self.checkpoint.fs, self.checkpoint.subdir("state", "_operators"),
                             json.dumps(self.operators))

    def _run(self) -> None:
        sc = self.session.sparkContext
        sc.setJobGroup(self.run_id, self._job_description(None), interruptOnCancel=True)
        self.manager.post("QueryStarted", self)
        try:
            if self.trigger.kind == "availableNow":
                for source, start in zip(self.sources, self.committed):
                    source.prepare_available_now(start)
            while not self._stop.is_set():
                started = time.time()
                ran = self._trigger()
                if self.trigger.kind == "once" or (self.trigger.kind == "availableNow" and not ran):
                    break
                self._wait_for_next(started, ran)
        except BaseException as failure:          # the query ends with it; awaitTermination raises it
            if not self._stop.is_set():
                self.exception = _query_exception(failure)
        finally:
            self._finish()

    def _wait_for_next(self, started: float, ran: bool) -> None:
        interval = self.trigger.interval if self.trigger.kind == "processingTime" else 0.0
        if interval > 0:
            next_time = (int(started * 1000) // int(interval * 1000) + 1) * interval
            self._stop.wait(max(0.0, next_time - time.time()))
        elif not ran:
            self._woken.wait(POLLING_DELAY)
            self._woken.clear()

    def _finish(self) -> None:
        self._active = False
        self.status = {"message": "Stopped", "isDataAvailable": False, "isTriggerActive": False}
        for source in self.sources:
            try:
                source.stop()
            except Exception:      # a source that fails to release is not the query's failure
                pass
        self.store.forget()
        if self.temporary and self.exception is None:
            shutil.rmtree(self.checkpoint.path, ignore_errors=True)
        with self._changed:
            self._changed.notify_all()
        self.manager.terminated(self)

    # -- one trigger ------------------------------------------------------------------------------
    def _trigger(self) -> bool:
        """Runs the next batch if there is one; whether one ran."""
        timings = {}
        clock = time.perf_counter()
        self.status = {"message": "Getting offsets from sources", "isDataAvailable": False, "isTriggerActive": True}
        trigger_time = time.time()
        if self.pending is not None:
            batch_id, ends = self.pending
            self.pending = None
        else:
            latest = [source.latest_offset(start) for source, start in zip(self.sources, self.committed)]
            timings["latestOffset"] = _ms(clock)
            has_data = any(end is not None and end != start for end, start in zip(latest, self.committed))
            if not has_data and not self._no_data_batch_needed():
                self._idle()
                return False
            batch_id = self.next_batch
            ends = [end if end is not None else start for end, start in zip(latest, self.committed)]
            if batch_id == 0:
                self._write_state_metadata()
            self.batch_watermark_ms = self.watermark_ms
            wal = time.perf_counter()
            self.checkpoint.write_offsets(batch_id, self.batch_watermark_ms, int(trigger_time * 1000),
                                          {"spark.sql.shuffle.partitions": str(self.partitions)}, ends)
            timings["walCommit"] = _ms(wal)
        self.status = {"message": "Processing new data", "isDataAvailable": True, "isTriggerActive": True}
        progress = self._run_batch(batch_id, ends, timings)
        timings["triggerExecution"] = _ms(clock)
        progress = batch_progress(self, batch_id, trigger_time, timings, progress)
        self.committed, self.next_batch, self.last_trigger_time = ends, batch_id + 1, trigger_time
        self._report(progress)
        self.status = {"message": "Waiting for next trigger", "isDataAvailable": False, "isTriggerActive": False}
        return True

    def _no_data_batch_needed(self) -> bool:
        return (self.has_state and self.has_watermark and self.output_mode != "complete" and self.next_batch > 0
                and self.watermark_ms > self.batch_watermark_ms)

    def _run_batch(self, batch_id: int, ends: list, timings: dict) -> dict:
        sc = self.session.sparkContext
        clock = time.perf_counter()
        inputs = [source.get_batch(start, end) if end is not None and end != start
                  else no_rows(self.session, source.schema)
                  for source, start, end in zip(self.sources, self.committed, ends)]
        timings["getBatch"] = _ms(clock)
        clock = time.perf_counter()
        watermark = self.batch_watermark_ms if self.has_watermark else None
        batch = streams.micro_batch(self.df, inputs, streams.BatchState(
            self.store, batch_id, self.partitions, self.output_mode, watermark, self.locations))
        timings["queryPlanning"] = _ms(clock)
        self.last_batch = batch.dataframe
        clock = time.perf_counter()
        sc.setJobGroup(self.run_id, self._job_description(batch_id), interruptOnCancel=True)
        output_rows = self.sink.add_batch(batch_id, batch.dataframe, self.output_mode)
        timings["addBatch"] = _ms(clock)
        if self._stop.is_set():
            raise InterruptedError("stopped")
        self._advance_watermark(batch)
        for info in batch.operators:
            self.locations[info.operator_id] = {**self.locations.get(info.operator_id, {}), **info.placed.value}
        clock = time.perf_counter()
        self.checkpoint.write_commit(batch_id, self.watermark_ms)
        for source, end in zip(self.sources, ends):
            if end is not None:
                source.commit(end)
        retained = int(self.session.conf.get("spark.sql.streaming.minBatchesToRetain"))
        if batch_id % 10 == 0 and batch_id >= retained:
            self.checkpoint.purge(batch_id - retained)
            self.store.purge(batch_id - retained)
        timings["commitOffsets"] = _ms(clock)
        return {"batch": batch, "output_rows": output_rows, "starts": list(self.committed), "ends": ends}

    def _advance_watermark(self, batch) -> None:
        for index, (delay, tracker) in enumerate(batch.watermarks):
            if tracker.value is not None:
                candidate = tracker.value - delay
                self.operator_watermarks[index] = max(self.operator_watermarks.get(index, candidate), candidate)
            else:                 # a watermark that has seen no row yet holds the others back, as in Spark
                self.operator_watermarks.setdefault(index, 0)
        if self.operator_watermarks:
            self.watermark_ms = max(self.watermark_ms, min(self.operator_watermarks.values()))

    def _idle(self) -> None:
        self.status = {"message": "Waiting for data to arrive", "isDataAvailable": False, "isTriggerActive": False}
        with self._changed:
            self._idle_seen = True
            self._changed.notify_all()
        self.manager.post("QueryIdle", self)

    def _report(self, progress: StreamingQueryProgress) -> None:
        with self._changed:
            self.recent.append(progress)
            del self.recent[:-int(self.session.conf.get("spark.sql.streaming.numRecentProgressUpdates") or 100)]
            self._changed.notify_all()
        self.manager.post("QueryProgress", self, progress)

    def _job_description(self, batch_id) -> str:
        text = f"\n{self.name or ''}\nid = {self.id}\nrunId = {self.run_id}\nbatch = {batch_id if batch_id is not None else 'init'}"
        return text

    # -- control from other threads ---------------------------------------------------------------
    def stop(self) -> None:
        self._stop.set()
        self._woken.set()
        self.session.sparkContext.cancelJobGroup(self.run_id)
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()

    def await_termination(self, timeout: float | None) -> bool:
        if self._thread is not None:
            self._thread.join(timeout)
        if self.exception is not None:
            raise self.exception
        return not self._active

    def process_all_available(self) -> None:
        with self._changed:
            self._idle_seen = False
            while self._active and not self._idle_seen:
                self._changed.wait(1.0)
        if self.exception is not None:
            raise self.exception


def _names(operators: list) -> str:
    return ", ".join(f"(OperatorId: {i} -> OperatorName: {o['operatorName']})" for i, o in enumerate(operators))


def _ms(since: float) -> int:
    return int((time.perf_counter() - since) * 1000)


def _query_exception(failure: BaseException) -> StreamingQueryException:
    """The failure as PySpark reports it: its text, and the error itself as the cause."""
    trace = "".join(traceback.format_exception(failure))
    error = StreamingQueryException(f"[STREAM_FAILED] Query terminated with exception: {failure}\n{trace}")
    error.__cause__ = failure
    return error


class StreamingQuery:
    """PySpark's handle of a running query (``DataStreamWriter.start()`` returns one)."""

    def __init__(self, execution: MicroBatchExecution):
        self._execution = execution

    @property
    def id(self) -> str:
        return self._execution.id

    @property
    def runId(self) -> str:
        return self._execution.run_id

    @property
    def name(self) -> str | None:
        return self._execution.name

    @property
    def isActive(self) -> bool:
        return self._execution._active

    def awaitTermination(self, timeout: float | None = None):
        if timeout is not None and (not isinstance(timeout, (int, float)) or timeout <= 0):
            raise PySparkValueError(errorClass="VALUE_NOT_POSITIVE",
                                    messageParameters={"arg_name": "timeout", "arg_value": type(timeout).__name__})
        finished = self._execution.await_termination(timeout)
        return finished if timeout is not None else None

    def processAllAvailable(self) -> None:
        self._execution.process_all_available()

    def stop(self) -> None:
        self._execution.stop()

    @property
    def status(self) -> dict:
        return dict(self._execution.status)

    @property
    def recentProgress(self) -> list:
        return list(self._execution.recent)

    @property
    def lastProgress(self):
        recent = self._execution.recent
        return recent[-1] if recent else None

    def exception(self):
        return self._execution.exception

    def explain(self, extended: bool = False) -> None:
        print(self._explain_string(extended))

    def _explain_string(self, extended: bool) -> str:
        """The last batch's plan (its stateful operators, their state version), or before any batch the
        query's own."""
        df = self._execution.last_batch if self._execution.last_batch is not None else self._execution.df
        return df._explain_string("extended" if extended else "simple")

    def __repr__(self):
        return f"<StreamingQuery id={self.id} runId={self.runId} name={self.name}>"

"""The listener bus: every scheduler step becomes an event; progress bar, UI, event log and the
status tracker listen here and nowhere else.

Contract: ``post(event)`` never blocks the scheduler. Listeners added with ``add_listener`` get
events in posting order on the bus's own thread; internal listeners added with ``synchronous=True``
(the status tracker) are called on the posting thread, so their state is current when an action
returns. ``wait_until_empty`` lets tests and ``stop()`` drain the queue. A listener that raises is
logged and kept; it never breaks the job.
"""
from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass, field

log = logging.getLogger("sparklite.listener")


@dataclass
class ApplicationStart:
    app_name: str
    app_id: str
    time: float
    user: str


@dataclass
class ApplicationEnd:
    time: float


@dataclass
class JobStart:
    job_id: int
    time: float
    stage_ids: list
    properties: dict


@dataclass
class JobEnd:
    job_id: int
    time: float
    succeeded: bool
    error: str | None = None


@dataclass
class StageSubmitted:
    stage_id: int
    attempt: int
    name: str
    num_tasks: int
    parent_ids: list
    time: float


@dataclass
class StageCompleted:
    stage_id: int
    attempt: int
    name: str
    num_tasks: int
    time: float
    failure_reason: str | None = None
    skipped: bool = False


@dataclass
class TaskStart:
    stage_id: int
    stage_attempt: int
    task_id: int
    partition: int
    attempt: int
    executor_id: str
    time: float


@dataclass
class TaskEnd:
    stage_id: int
    stage_attempt: int
    task_id: int
    partition: int
    attempt: int
    executor_id: str
    time: float
    reason: str                      # "success", "exception", "fetch_failed", "killed", "executor_lost"
    metrics: dict = field(default_factory=dict)
    error: str | None = None


@dataclass
class ExecutorAdded:
    executor_id: str
    cores: int
    time: float


@dataclass
class ExecutorRemoved:
    executor_id: str
    reason: str
    time: float


@dataclass
class BlockUpdated:
    executor_id: str
    block_id: tuple
    memory_bytes: int
    disk_bytes: int


class SparkListener:
    """Subclass and override the events you care about; register with ``sc.addSparkListener``."""

    def onApplicationStart(self, event): pass
    def onApplicationEnd(self, event): pass
    def onJobStart(self, event): pass
    def onJobEnd(self, event): pass
    def onStageSubmitted(self, event): pass
    def onStageCompleted(self, event): pass
    def onTaskStart(self, event): pass
    def onTaskEnd(self, event): pass
    def onExecutorAdded(self, event): pass
    def onExecutorRemoved(self, event): pass
    def onBlockUpdated(self, event): pass


_HANDLERS = {cls: "on" + cls.__name__ for cls in (ApplicationStart, ApplicationEnd, JobStart, JobEnd,
                                                  StageSubmitted, StageCompleted, TaskStart, TaskEnd,
                                                  ExecutorAdded, ExecutorRemoved, BlockUpdated)}


def _deliver(listener, event) -> None:
    try:
        getattr(listener, _HANDLERS[type(event)])(event)
    except Exception:  # a broken listener must not break jobs
        log.exception("listener %r failed on %s", listener, type(event).__name__)


class ListenerBus:
    def __init__(self):
        self._sync: list = []
        self._async: list = []
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._pending = 0
        self._cond = threading.Condition()
        self._thread = None

    def add_listener(self, listener, synchronous: bool = False) -> None:
        (self._sync if synchronous else self._async).append(listener)
        if not synchronous and self._thread is None:
            self._thread = threading.Thread(target=self._run, name="sparklite-listener-bus", daemon=True)
            self._thread.start()

    def remove_listener(self, listener) -> None:
        for group in (self._sync, self._async):
            if listener in group:
                group.remove(listener)

    def post(self, event) -> None:
        for listener in self._sync:
            _deliver(listener, event)
        if self._async:
            with self._cond:
                self._pending += 1
            self._queue.put(event)

    def _run(self) -> None:
        while True:
            event = self._queue.get()
            if event is None:
                return
            for listener in list(self._async):
                _deliver(listener, event)
            with self._cond:
                self._pending -= 1
                if self._pending == 0:
                    self._cond.notify_all()

    def wait_until_empty(self, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._pending:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True

    def stop(self) -> None:
        self.wait_until_empty()
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=5)
            self._thread = None

"""The listener bus: every scheduler step becomes an event; progress bar, UI, event log and the
status tracker listen here and nowhere else.

Contract: ``post(event)`` never blocks the scheduler. Listeners added with ``add_listener`` get
events in posting order on the bus's own thread; internal listeners added with ``synchronous=True``
(the status tracker, the block registry) are called on the posting thread, so their state is
current when an action returns. ``wait_until_empty`` lets tests and ``stop()`` drain the queue. A listener that raises is
logged and kept; it never breaks the job. As in Spark, the blocks of shuffle map outputs (which
come and go with every job) reach only the internal listeners; cached and broadcast blocks reach all.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sparklite.core.eventloop import EventLoop
from sparklite.core.metrics import TaskMetrics

log = logging.getLogger("sparklite.listener")
_LINGER = 0.02     # seconds the bus lets events gather: asynchronous listeners hear them a little later, in batches


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
class EnvironmentUpdate:
    """Posted once at start: the application's configuration and the driver's runtime."""
    spark_properties: dict
    system_properties: dict


@dataclass
class JobStart:
    job_id: int
    time: float
    stage_ids: list
    properties: dict
    job_group: str | None = None        # spark.jobGroup.id of the submitting thread
    description: str | None = None      # spark.job.description
    sql_execution_id: str | None = None  # spark.sql.execution.id, when the SQL layer ran the job


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
    rdds: list = field(default_factory=list)   # the RDDs its tasks compute (``lineage.stage_rdds``)


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
    metrics: TaskMetrics = field(default_factory=TaskMetrics)
    error: str | None = None


@dataclass
class ExecutorAdded:
    executor_id: str
    cores: int
    time: float
    host: str = ""                   # where it runs: the driver's host name, or its Ray node's address


@dataclass
class ExecutorRemoved:
    executor_id: str
    reason: str
    time: float


@dataclass
class ExecutorDecommissioned:
    """An executor stops taking tasks and hands its blocks to the others before it is removed."""
    executor_id: str
    reason: str
    time: float


@dataclass
class BlockUpdated:
    """A block was stored, moved or removed on an executor (both sizes 0: removed)."""
    executor_id: str
    block_id: tuple
    memory_bytes: int
    disk_bytes: int


@dataclass
class SQLExecutionStart:
    """Posted by the SQL layer when a query starts; its jobs carry ``spark.sql.execution.id``."""
    execution_id: str
    description: str
    physical_plan: str
    time: float
    plan_nodes: list = field(default_factory=list)   # the plan as a graph: {id, name, detail, children}


@dataclass
class SQLExecutionEnd:
    execution_id: str
    time: float
    error: str | None = None
    rows: dict = field(default_factory=dict)          # plan node id -> the rows it output


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
    def onExecutorDecommissioned(self, event): pass
    def onBlockUpdated(self, event): pass
    def onEnvironmentUpdate(self, event): pass
    def onSQLExecutionStart(self, event): pass
    def onSQLExecutionEnd(self, event): pass


_HANDLERS = {cls: "on" + cls.__name__ for cls in (ApplicationStart, ApplicationEnd, EnvironmentUpdate, JobStart,
                                                  JobEnd, StageSubmitted, StageCompleted, TaskStart, TaskEnd,
                                                  ExecutorAdded, ExecutorRemoved, ExecutorDecommissioned,
                                                  BlockUpdated, SQLExecutionStart, SQLExecutionEnd)}


def _deliver(listener, event) -> None:
    try:
        getattr(listener, _HANDLERS[type(event)])(event)
    except Exception:  # a broken listener must not break jobs
        log.exception("listener %r failed on %s", listener, type(event).__name__)


class ListenerBus:
    def __init__(self):
        self._sync: list = []
        self._async: tuple = ()     # replaced, never changed in place: a posted event keeps the one it saw
        self._loop = EventLoop("sparklite-listener-bus", self._deliver_all, linger=_LINGER)

    def add_listener(self, listener, synchronous: bool = False) -> None:
        if synchronous:
            self._sync.append(listener)
            return
        self._async = self._async + (listener,)
        if not self._loop.running:
            self._loop.start()

    def remove_listener(self, listener) -> None:
        if listener in self._sync:
            self._sync.remove(listener)
        self._async = tuple(x for x in self._async if x is not listener)

    def post(self, event) -> None:
        for listener in self._sync:
            _deliver(listener, event)
        if self._async and not (type(event) is BlockUpdated and event.block_id[0] == "shuffle"):
            # the listeners registered now hear it (not one added while it waits in the queue); shuffle
            # blocks are the map-output tracker's business, as in Spark
            self._loop.post((event, self._async))

    def _deliver_all(self, posted) -> None:
        event, listeners = posted
        current = self._async
        for listener in listeners:
            if listener in current:      # not removed since
                _deliver(listener, event)

    def wait_until_empty(self, timeout: float = 10.0) -> bool:
        return self._loop.wait_until_empty(timeout)

    def stop(self) -> None:
        self.wait_until_empty()
        self._loop.stop(timeout=5)

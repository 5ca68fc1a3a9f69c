"""TaskContext: what a running task knows about itself, reachable from user code.

Contract: while a task runs on an executor thread, ``TaskContext.get()`` returns its context
(partition, stage, attempt, local properties); elsewhere it returns ``None``. PySpark's context is
process-wide, so helper threads of a task see it too. Here tasks share a process, so the first
executor in a process wraps two entry points to hand a task's context to its helpers:
``Thread.start`` (a thread started while a task runs inherits its context) and
``ThreadPoolExecutor.submit`` (work submitted from a task runs under its context, whichever pool
thread takes it). Either way the context is seen only until its task ends. The context also
carries the task's private state that the engine needs: the executor, the shuffle map-output
locations it may read, its accumulator updates and its metrics.
"""
from __future__ import annotations

import concurrent.futures
import logging
import threading

from sparklite.core.metrics import TaskMetrics

_current = threading.local()
_INHERITED = "_sparklite_task_context"
_wrap_lock = threading.Lock()


def hand_context_to_helper_threads() -> None:
    """Wrap ``Thread.start`` and ``ThreadPoolExecutor.submit`` (idempotent; once per process)."""
    with _wrap_lock:
        if getattr(threading.Thread.start, "_hands_task_context", False):
            return
        start, submit = threading.Thread.start, concurrent.futures.ThreadPoolExecutor.submit

        def start_with_task_context(thread: threading.Thread) -> None:
            context = TaskContext.get()
            if context is not None:
                setattr(thread, _INHERITED, context)
            start(thread)

        def submit_with_task_context(pool, fn, /, *args, **kwargs):
            context = TaskContext.get()
            if context is None:
                return submit(pool, fn, *args, **kwargs)
            return submit(pool, _under(context, fn), *args, **kwargs)

        for wrapper, original in ((start_with_task_context, start), (submit_with_task_context, submit)):
            wrapper._hands_task_context = True
            wrapper.__doc__ = original.__doc__
        threading.Thread.start = start_with_task_context
        concurrent.futures.ThreadPoolExecutor.submit = submit_with_task_context


def _under(context, fn):
    def run(*args, **kwargs):
        previous = getattr(_current, "context", None)
        _current.context = context
        try:
            return fn(*args, **kwargs)
        finally:
            _current.context = previous
    return run


class TaskContext:
    """What a running task can learn about itself: its stage, partition, attempt and properties.

    User code gets the context of the task it runs in with ``TaskContext.get()``; sparklite's
    executors create the contexts, so there is no need to build one. Threads a task starts, and
    work it submits to a ``ThreadPoolExecutor``, see the same context until the task ends.

    Example::

        def tag(iterator):
            ctx = TaskContext.get()
            return ((ctx.partitionId(), ctx.attemptNumber(), x) for x in iterator)

        sc.parallelize(range(4), 2).mapPartitions(tag).collect()
    """

    def __init__(self, stage_id: int, stage_attempt: int, partition_id: int, attempt_number: int,
                 task_attempt_id: int, properties: dict, executor=None, shuffle_locations=None,
                 cpus: int = 1, block_locations=None):
        self._stage_id = stage_id
        self._stage_attempt = stage_attempt
        self._partition_id = partition_id
        self._attempt_number = attempt_number
        self._task_attempt_id = task_attempt_id
        self._properties = properties or {}
        self._executor = executor
        self._shuffle_locations = shuffle_locations or {}
        self._block_locations = block_locations or {}
        self._cpus = cpus
        self._resources: dict = {}      # resource name -> addresses, set by the executor
        self._accumulator_updates: dict = {}
        self._updates_lock = threading.Lock()     # threads the task starts add to the same updates
        self._metrics = TaskMetrics()
        self._completion_listeners: list = []
        self._running = True      # threads the task started see it only until the task ends

    @classmethod
    def get(cls) -> "TaskContext | None":
        """The context of the task running in this thread, or ``None`` outside a task (on the
        driver, or in a helper thread after its task has ended)."""
        context = getattr(_current, "context", None) or getattr(threading.current_thread(), _INHERITED, None)
        return context if context is not None and context._running else None

    @classmethod
    def _set(cls, context: "TaskContext | None") -> None:
        _current.context = context

    def stageId(self) -> int:
        """The id of the stage this task is part of."""
        return self._stage_id

    def partitionId(self) -> int:
        """The index of the partition this task computes (0 for an RDD's first partition)."""
        return self._partition_id

    def attemptNumber(self) -> int:
        """How many earlier attempts this task had in its stage attempt: 0 for the first run,
        then 1, 2, ... when it is retried after a failure or run again speculatively."""
        return self._attempt_number

    def taskAttemptId(self) -> int:
        """An id that belongs to this one attempt of this task alone: no other attempt of any task
        of the same SparkContext has it."""
        return self._task_attempt_id

    def getLocalProperty(self, key: str):
        """The value of the local property ``key`` that the submitting thread had set with
        ``sc.setLocalProperty`` when the job started, or ``None`` if it was not set.

        Example: ``TaskContext.get().getLocalProperty("spark.job.description")``
        """
        return self._properties.get(key)

    def resources(self) -> dict:
        """The custom resources (GPUs and the like) given to this task, as a dict from resource
        name to ``ResourceInformation`` (whose ``addresses`` say which devices); empty when the
        task asked for none.

        Example: ``TaskContext.get().resources()["gpu"].addresses``
        """
        from sparklite.core.resources import ResourceInformation
        return {name: ResourceInformation(name, addresses) for name, addresses in self._resources.items()}

    def cpuAmount(self):
        """The CPUs given to this task as a ``Decimal`` (the same number as ``cpus()``)."""
        from decimal import Decimal
        return Decimal(self._cpus)

    def cpus(self) -> int:
        """How many CPUs this task was given (``spark.task.cpus``, 1 unless configured)."""
        return self._cpus

    def addTaskCompletionListener(self, listener) -> "TaskContext":
        """Call ``listener(context)`` when this task attempt ends, however it ends (success, failure,
        kill), on the thread that ran it; for releasing what the task made, such as spill files.
        Listeners run in reverse order of registration; one that raises does not stop the others."""
        self._completion_listeners.append(listener)
        return self

    def _mark_completed(self) -> None:
        listeners, self._completion_listeners = self._completion_listeners, []
        for listener in reversed(listeners):
            try:
                listener(self)
            except Exception:   # the others must still run; the task's own outcome stands
                logging.getLogger("sparklite.task").warning("A task completion listener failed", exc_info=True)

    def taskMetrics(self) -> TaskMetrics:
        """This task attempt's metrics so far; what is added here reaches every listener's ``TaskEnd``."""
        return self._metrics

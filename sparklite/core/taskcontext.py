"""TaskContext: what a running task knows about itself, reachable from user code.

Contract: while a task runs on an executor thread, ``TaskContext.get()`` returns its context
(partition, stage, attempt, local properties), and so does every thread that thread starts (PySpark's
context is process-wide; here tasks share a process, so a ``threading.Thread`` inherits the
context of the thread that starts it: the first task in a process wraps ``Thread.start`` to hand it
over); elsewhere it returns ``None``. The context also
carries the task's private state that the engine needs: the executor, the shuffle map-output
locations it may read, its accumulator updates and its metrics.
"""
from __future__ import annotations

import threading

_current = threading.local()
_INHERITED = "_sparklite_task_context"
_wrap_lock = threading.Lock()


def inherit_in_started_threads() -> None:
    """Make threads started while a task runs see its context (idempotent; once per process)."""
    with _wrap_lock:
        start = threading.Thread.start
        if getattr(start, "_hands_task_context", False):
            return

        def start_with_task_context(thread: threading.Thread) -> None:
            context = getattr(_current, "context", None) or getattr(threading.current_thread(), _INHERITED, None)
            if context is not None:
                setattr(thread, _INHERITED, context)
            start(thread)

        start_with_task_context._hands_task_context = True
        start_with_task_context.__doc__ = start.__doc__
        threading.Thread.start = start_with_task_context


class TaskContext:
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
        self._accumulator_updates: dict = {}
        self._updates_lock = threading.Lock()     # threads the task starts add to the same updates
        self._metrics: dict = {}

    @classmethod
    def get(cls) -> "TaskContext | None":
        context = getattr(_current, "context", None)
        if context is None:
            context = getattr(threading.current_thread(), _INHERITED, None)
        return context

    @classmethod
    def _set(cls, context: "TaskContext | None") -> None:
        _current.context = context

    def stageId(self) -> int:
        return self._stage_id

    def partitionId(self) -> int:
        return self._partition_id

    def attemptNumber(self) -> int:
        return self._attempt_number

    def taskAttemptId(self) -> int:
        return self._task_attempt_id

    def getLocalProperty(self, key: str):
        return self._properties.get(key)

    def resources(self) -> dict:
        return {}

    def cpus(self) -> int:
        return self._cpus

"""TaskContext: what a running task knows about itself, reachable from user code.

Contract: while a task runs on an executor thread, ``TaskContext.get()`` returns its context
(partition, stage, attempt, local properties); elsewhere it returns ``None``. The context also
carries the task's private state that the engine needs: the executor, the shuffle map-output
locations it may read, its accumulator updates and its metrics.
"""
from __future__ import annotations

import threading

_current = threading.local()


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
        self._metrics: dict = {}

    @classmethod
    def get(cls) -> "TaskContext | None":
        return getattr(_current, "context", None)

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

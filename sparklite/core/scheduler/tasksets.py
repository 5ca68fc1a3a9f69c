"""Task sets: the tasks of one stage attempt, their retries and the executors they prefer.

Contract: a ``TaskSet`` hands out its pending partitions (preferring ones whose cached data is on
the offered executor), counts failures per partition, and says when a partition has failed
``max_failures`` times. A *zombie* task set (its stage attempt superseded, aborted or cancelled)
hands out nothing more. Touched only by the DAG scheduler's thread.
"""
from __future__ import annotations

import itertools
import time
from collections import deque
from dataclasses import dataclass

_task_ids = itertools.count()


@dataclass
class RunningTask:
    task_id: int
    taskset: "TaskSet"
    partition: int
    attempt: int
    executor_id: str
    start: float
    killed: bool = False


class TaskSet:
    def __init__(self, stage, attempt: int, partitions: list[int], binary_id: int, binary: bytes,
                 max_failures: int, preferred: dict[int, list[str]], in_process: bool = False,
                 barrier: bool = False):
        self.stage = stage
        self.attempt = attempt
        self.binary_id = binary_id
        self.binary = binary
        self.max_failures = max_failures
        self.in_process = in_process
        self.barrier = barrier               # all tasks launch together (``_launch_barrier``)
        self.preferred = preferred           # partition -> executor ids holding its data
        self.pending: deque[int] = deque(partitions)
        self.failures: dict[int, int] = {}
        self.attempts: dict[int, int] = {}
        self.running: set[int] = set()      # task ids
        self.zombie = False
        self.last_local_launch = time.monotonic()
        self.waiting_for_locality = False
        self.succeeded: set[int] = set()
        self.durations: list[float] = []
        self.speculatable: list[int] = []    # partitions that should get a speculative copy
        self.running_on: dict[int, set] = {}  # partition -> executors running a copy

    @property
    def priority(self) -> tuple:
        return (self.stage.first_job_id, self.stage.id)

    def next_partition(self, executor_id: str, local_only: bool, alive=(), locality_wait: float = 0.0):
        """A pending partition whose cached data this executor holds. Unless ``local_only``, else one
        that prefers no live executor, or any once ``locality_wait`` has passed without a local launch
        (Spark's delay scheduling). None when nothing should run here now."""
        if self.zombie:
            return None
        if not self.pending:
            return None if local_only else self._speculative_for(executor_id)
        if not self.preferred:
            return None if local_only else self.pending.popleft()
        for i, p in enumerate(self.pending):
            if executor_id in self.preferred.get(p, ()):
                del self.pending[i]
                self.last_local_launch = time.monotonic()
                return p
        if local_only:
            return None
        for i, p in enumerate(self.pending):
            if not any(e in alive for e in self.preferred.get(p, ())):
                del self.pending[i]
                return p
        if time.monotonic() - self.last_local_launch >= locality_wait:
            return self.pending.popleft()
        self.waiting_for_locality = True
        return None

    def _speculative_for(self, executor_id: str) -> int | None:
        for i, p in enumerate(self.speculatable):
            if p not in self.succeeded and executor_id not in self.running_on.get(p, ()):
                del self.speculatable[i]
                return p
        return None

    def new_attempt_number(self, partition: int) -> int:
        n = self.attempts.get(partition, 0)
        self.attempts[partition] = n + 1
        return n

    def record_failure(self, partition: int) -> bool:
        """Count a failure; True when the partition has now failed too often."""
        self.failures[partition] = self.failures.get(partition, 0) + 1
        return self.failures[partition] >= self.max_failures

    def requeue(self, partition: int) -> None:
        if not self.zombie:
            self.pending.appendleft(partition)

    @property
    def finished(self) -> bool:
        return not self.pending and not self.running and not self.speculatable


def new_task_id() -> int:
    return next(_task_ids)

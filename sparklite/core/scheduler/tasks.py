"""The task scheduler: which task of which task set runs on which executor slot, and when.

Contract: the DAG scheduler hands it ``TaskSet``s (``submit``) and tells it of executors and of
ended tasks; it offers free slots (``launch``) in task-set priority order, first to tasks whose
cached data an executor holds, then, after ``spark.locality.wait`` without a local launch, to any
(Spark's delay scheduling); launches a barrier task set's tasks all at once or none; copies a
straggler once ``spark.speculation`` says so; kills the tasks of a task set that ends early. It
knows nothing of stages' meaning: ``describe(ts, partition, executor_id, task_id, attempt,
barrier_addresses)`` (the DAG scheduler's) turns a chosen partition into a ``TaskDescription``.

State, touched only on the DAG scheduler's thread: ``executors`` (executor id -> its slots: how many,
how many free, whether it is draining), ``tasksets`` (live task sets, by priority) and ``running``
(task id -> ``RunningTask``). Every task set and running task is gone once its job ended.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from sparklite.core.scheduler.tasksets import RunningTask, TaskSet, new_task_id


@dataclass
class ExecutorSlots:
    slots: int                 # tasks it runs at once (cores / spark.task.cpus, or its resources)
    free: int
    draining: bool = False     # decommissioning: no new tasks; its blocks are still served


class Revive:
    """Posted when a locality wait ends, so slots are offered again even if no other event comes."""


class TaskScheduler:
    def __init__(self, backend, conf, describe, post):
        self.backend = backend
        self.describe = describe
        self.post = post
        self.locality_wait = conf.get_seconds("spark.locality.wait", "3s")
        self.speculation_multiplier = conf.get_float("spark.speculation.multiplier", 3.0)
        self.speculation_quantile = conf.get_float("spark.speculation.quantile", 0.9)
        self.speculation_min_runtime = conf.get_seconds("spark.speculation.minTaskRuntime", "100ms")
        self.executors: dict[str, ExecutorSlots] = {}
        self.tasksets: list[TaskSet] = []
        self.running: dict[int, RunningTask] = {}
        self._revive_pending = False

    # -- executors ------------------------------------------------------------------------------
    def add_executor(self, executor_id: str, slots: int) -> None:
        self.executors[executor_id] = ExecutorSlots(slots, slots)

    def remove_executor(self, executor_id: str) -> ExecutorSlots | None:
        return self.executors.pop(executor_id, None)

    def drain(self, executor_id: str) -> bool:
        """No new tasks for this executor; True if it was taking tasks until now."""
        executor = self.executors.get(executor_id)
        if executor is None or executor.draining:
            return False
        executor.draining = True
        return True

    def _live(self) -> dict:
        return {e: s for e, s in self.executors.items() if not s.draining}

    def live_executors(self) -> list[str]:
        """The executors taking tasks now."""
        return list(self._live())

    def is_live(self, executor_id: str) -> bool:
        executor = self.executors.get(executor_id)
        return executor is not None and not executor.draining

    def total_slots(self) -> int:
        return sum(s.slots for s in self._live().values())

    def running_on(self, executor_id: str) -> list[RunningTask]:
        return [t for t in self.running.values() if t.executor_id == executor_id]

    def load(self) -> tuple[int, dict]:
        """(tasks waiting for a slot, running tasks per executor), for dynamic allocation."""
        pending = sum(len(ts.pending) for ts in self.tasksets if not ts.zombie)
        running: dict[str, int] = {}
        for task in self.running.values():
            running[task.executor_id] = running.get(task.executor_id, 0) + 1
        return pending, running

    # -- task sets --------------------------------------------------------------------------------
    def submit(self, taskset: TaskSet) -> None:
        self.tasksets.append(taskset)
        self.tasksets.sort(key=lambda ts: ts.priority)

    def kill_taskset(self, ts: TaskSet) -> None:
        """No more tasks of ``ts`` start; its running ones are asked to stop."""
        ts.zombie = True
        ts.pending.clear()
        if ts.barrier:
            self.backend.end_barrier((ts.stage.id, ts.attempt))
        for task_id in list(ts.running):
            task = self.running.get(task_id)
            if task is not None and not task.killed:
                task.killed = True
                self.backend.kill(task.executor_id, task_id)

    def kill_other_copies(self, task: RunningTask) -> None:
        """A partition succeeded: its other (speculative) attempts stop."""
        for other in [t for t in self.running.values() if t.taskset is task.taskset and t.partition == task.partition]:
            other.killed = True
            self.backend.kill(other.executor_id, other.task_id)

    def drop_finished(self, ts: TaskSet) -> None:
        if ts.finished and ts in self.tasksets:
            self.tasksets.remove(ts)
            if ts.barrier:
                self.backend.end_barrier((ts.stage.id, ts.attempt))

    def end_stage(self, stage) -> None:
        """The stage's jobs ended: its task sets stop, and go once none of their tasks runs."""
        for ts in self.tasksets:
            if ts.stage is stage:
                self.kill_taskset(ts)
        self.tasksets = [ts for ts in self.tasksets if not (ts.zombie and not ts.running)]

    def task_ended(self, task_id: int, executor_id: str) -> RunningTask | None:
        """Free the task's slot; the task, or None if it was not running (a late duplicate report)."""
        task = self.running.pop(task_id, None)
        if task is None:
            return None
        executor = self.executors.get(executor_id)
        if executor is not None:
            executor.free += 1
        ts = task.taskset
        ts.running.discard(task_id)
        ts.running_on.get(task.partition, set()).discard(executor_id)
        if ts.zombie and not ts.running and ts in self.tasksets:
            self.tasksets.remove(ts)
        return task

    # -- offering slots ---------------------------------------------------------------------------
    def launch(self) -> None:
        if not self.tasksets:
            return
        for ts in self.tasksets:
            if ts.barrier and ts.pending and not ts.zombie:
                self._launch_barrier(ts)
        live = self._live()
        free = {e: s.free for e, s in live.items()}
        # First give each executor the tasks whose cached data it holds, then anything left.
        for local_only in ((True, False) if len(live) > 1 else (False,)):
            for executor_id, slots in live.items():
                while slots.free > 0:
                    chosen = self._next_task(executor_id, local_only, free)
                    if chosen is None:
                        break
                    slots.free -= 1
                    free[executor_id] = slots.free
                    ts, partition = chosen
                    self.backend.launch(executor_id, self._start(ts, partition, executor_id))

    def _next_task(self, executor_id: str, local_only: bool, free: dict):
        for ts in self.tasksets:
            if ts.barrier:
                continue
            partition = ts.next_partition(executor_id, local_only, free, self.locality_wait)
            if partition is None:
                if ts.waiting_for_locality:
                    ts.waiting_for_locality = False
                    self._revive_later()
                continue
            return ts, partition
        return None

    def _start(self, ts: TaskSet, partition: int, executor_id: str, barrier_addresses=()):
        task_id = new_task_id()
        attempt = ts.new_attempt_number(partition)
        self.running[task_id] = RunningTask(task_id, ts, partition, attempt, executor_id, time.time())
        ts.running.add(task_id)
        ts.running_on.setdefault(partition, set()).add(executor_id)
        return self.describe(ts, partition, executor_id, task_id, attempt, barrier_addresses)

    def _launch_barrier(self, ts: TaskSet) -> None:
        """Launch every task of a barrier task set at once, or none while slots are missing."""
        live = self._live()
        if sum(s.free for s in live.values()) < len(ts.pending):
            return
        placed = []
        for executor_id, slots in live.items():
            while slots.free > 0 and ts.pending:
                slots.free -= 1
                placed.append((ts.pending.popleft(), executor_id))
        placed.sort()
        addresses = [f"{self.backend.executor_host(executor_id)}:{executor_id}" for _, executor_id in placed]
        self.backend.begin_barrier((ts.stage.id, ts.attempt))
        for partition, executor_id in placed:
            self.backend.launch(executor_id, self._start(ts, partition, executor_id, addresses))

    def _revive_later(self) -> None:
        """Offer slots again when the locality wait ends, even if no event arrives before."""
        if not self._revive_pending:
            self._revive_pending = True
            timer = threading.Timer(self.locality_wait, lambda: self.post(Revive()))
            timer.daemon = True
            timer.start()

    def revived(self) -> None:
        self._revive_pending = False

    def check_speculation(self) -> None:
        """Spark's rule: once ``quantile`` of a task set has finished, a task running longer than
        ``multiplier`` x the median successful duration gets a copy on another executor."""
        now = time.time()
        for ts in self.tasksets:
            total = len(ts.attempts)
            if ts.zombie or not ts.durations or len(ts.succeeded) < self.speculation_quantile * total:
                continue
            durations = sorted(ts.durations)
            threshold = max(self.speculation_multiplier * durations[len(durations) // 2], self.speculation_min_runtime)
            for task in list(self.running.values()):
                if (task.taskset is ts and not task.killed and task.partition not in ts.succeeded
                        and task.partition not in ts.speculatable and now - task.start > threshold
                        and sum(1 for t in self.running.values()
                                if t.taskset is ts and t.partition == task.partition) == 1):
                    ts.speculatable.append(task.partition)

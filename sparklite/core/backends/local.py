"""The ``local[N]`` backend: one executor with N task slots on a thread pool in this process.

Contract: ``launch`` runs the task on a pool thread and posts ``TaskEnded`` to the scheduler;
``kill`` marks a task killed (threads cannot be interrupted; its result is ignored). Broadcast values
are read from this process's registry. Starts in milliseconds.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sparklite.core.executor import Executor
from sparklite.core.scheduler.dag import ExecutorAdded, TaskEnded

EXECUTOR_ID = "driver"


class LocalBackend:
    def __init__(self, cores: int, conf, broadcast_lookup):
        self.cores = cores
        self.executor = Executor(EXECUTOR_ID, cores, conf, fetch_broadcast=broadcast_lookup)
        self._pool = ThreadPoolExecutor(max_workers=cores, thread_name_prefix="sparklite-task")
        self.scheduler = None

    def start(self, scheduler) -> None:
        self.scheduler = scheduler
        scheduler.post(ExecutorAdded(EXECUTOR_ID, self.cores))

    def launch(self, executor_id: str, task) -> None:
        self._pool.submit(self._run, task)

    def _run(self, task) -> None:
        outcome = self.executor.run_task(task)
        self.scheduler.post(TaskEnded(EXECUTOR_ID, outcome))

    def kill(self, executor_id: str, task_id: int) -> None:
        self.executor.kill(task_id)

    def executors(self) -> dict:
        return {EXECUTOR_ID: self.executor}

    def remove_blocks(self, kind: str, owner_id: int) -> None:
        self.executor.remove_blocks(kind, owner_id)

    def register_broadcast(self, bid: int, data: bytes) -> None:
        """Tasks here read the driver's own value; nothing to ship."""

    def unpersist_broadcast(self, bid: int) -> None:
        """The one copy is the driver's: unpersist keeps it."""

    def destroy_broadcast(self, bid: int) -> None:
        """The driver's value is dropped by ``Broadcast.destroy`` itself."""

    def add_file(self, root: str, name: str) -> None:
        """Tasks here read the driver's SparkFiles root directly."""

    def stop(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
        self.executor.stop()

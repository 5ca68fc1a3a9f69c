"""The backend protocol: what the DAG scheduler and the context ask of a place that runs executors.

Contract: every backend (``local``, ``local-cluster``, ``ray``, and the tests' fake cluster)
subclasses ``Backend`` and is driven only through these methods, never probed for attributes.
``start(scheduler)`` starts the executors and posts ``ExecutorAdded`` for each; ``launch`` runs a
task and posts ``TaskEnded`` when it ends, however it ends; ``kill`` asks a running task to stop
(its ``TaskEnded`` still follows); ``stop`` releases everything within bounded time. What a fixed
set of executors cannot do (``request_executors``, ``kill_executors``, ``decommission``,
``crash_executor``) raises ``NotImplementedError`` naming the master that can.
"""
from __future__ import annotations


class Backend:
    master_name = "this master"

    # -- lifecycle ----------------------------------------------------------------------------
    def start(self, scheduler) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def executor_ids(self) -> list:
        """The ids of the executors running now."""
        raise NotImplementedError

    def executor_host(self, executor_id: str) -> str:
        """The address of the machine the executor runs on (barrier tasks' ``getTaskInfos``)."""
        return "127.0.0.1"

    # -- tasks --------------------------------------------------------------------------------
    def launch(self, executor_id: str, task) -> None:
        raise NotImplementedError

    def kill(self, executor_id: str, task_id: int) -> None:
        raise NotImplementedError

    def begin_barrier(self, key: tuple) -> None:
        """A barrier stage attempt ``(stage id, attempt)`` is about to launch its tasks."""

    def end_barrier(self, key: tuple) -> None:
        """That attempt ended: tasks still waiting in ``barrier()`` fail."""

    # -- blocks, broadcasts and files -----------------------------------------------------------
    def remove_blocks(self, kind: str, owner_id: int, blocking: bool = False) -> None:
        raise NotImplementedError

    def register_broadcast(self, bid: int, data: bytes) -> None:
        """A new broadcast variable; a backend may ship it now or when a task first reads it."""

    def unpersist_broadcast(self, bid: int, blocking: bool = False) -> None:
        raise NotImplementedError

    def destroy_broadcast(self, bid: int, blocking: bool = False) -> None:
        raise NotImplementedError

    def add_file(self, root: str, name: str) -> None:
        """A file added under the driver's SparkFiles root; executors must be able to read it."""

    def add_python_path(self, path: str) -> None:
        raise NotImplementedError

    # -- elasticity -----------------------------------------------------------------------------
    def _fixed(self, what: str):
        return NotImplementedError(f"{what}: {self.master_name} has a fixed set of task slots; executors can be "
                                   f"added and removed on the ray master")

    def request_executors(self, count: int) -> list:
        raise self._fixed("requestExecutors")

    def kill_executors(self, executor_ids: list) -> None:
        raise self._fixed("killExecutors")

    def decommission(self, executor_id: str) -> None:
        raise self._fixed("decommissionExecutors")

    def crash_executor(self, executor_id: str) -> None:
        raise NotImplementedError(f"{self.master_name} runs tasks in the driver's executor; crash_executor needs "
                                  f"ray or local-cluster")

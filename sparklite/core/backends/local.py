"""The ``local[N]`` backend: one executor in this process with N task slots, Python in worker processes.

Contract: the executor (its block store, the shuffle's bookkeeping) lives in the driver process.
A task whose work is Python (every task of the RDD API) runs in one of N forked Python workers
(``workers.WorkerPool``), so record-at-a-time Python uses every core and a crash costs a worker;
a task made only of Arrow kernels (``TaskDescription.in_process``) runs on a thread here and reads
cached Arrow data without a copy. ``launch`` runs the task from a slot thread and posts
``TaskEnded``. ``kill`` ends a task at once and posts its ``"killed"`` outcome immediately, so the
slot is free for the next job: a worker is killed and replaced; a thread is interrupted and, if
it is stuck in C code, abandoned (its result, when it comes, is discarded). ``stop`` returns in
bounded time whatever the tasks do. Broadcast values are read from this process's registry.
"""
from __future__ import annotations

import queue
import socket
import threading
from dataclasses import replace

from sparklite.core.backends.base import Backend
from sparklite.core.backends.workers import WorkerPool
from sparklite.core.barrier import BarrierCoordinator, CoordinatedInDriver
from sparklite.core.executor import Executor
from sparklite.core.resources import discover
from sparklite.core.scheduler.dag import ExecutorAdded, TaskEnded
from sparklite.core.scheduler.stages import TaskOutcome

EXECUTOR_ID = "driver"


class DaemonThreads:
    """Runs work on daemon threads, reusing idle ones and starting more when all are busy (one
    stuck in C code never blocks the next task, nor the interpreter's exit)."""

    def __init__(self, name: str):
        self._name = name
        self._work: queue.SimpleQueue = queue.SimpleQueue()
        self._idle = 0
        self._lock = threading.Lock()
        self._stopped = False

    def submit(self, fn, *args) -> None:
        with self._lock:
            if self._stopped:
                return
            self._work.put((fn, args))
            if self._idle:
                self._idle -= 1
                return
        threading.Thread(target=self._serve, name=self._name, daemon=True).start()

    def _serve(self) -> None:
        while True:
            item = self._work.get()
            if item is None:
                return
            fn, args = item
            fn(*args)
            with self._lock:
                if self._stopped:
                    return
                self._idle += 1

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            idle, self._idle = self._idle, 0
        for _ in range(idle):
            self._work.put(None)


class LocalBackend(CoordinatedInDriver, Backend):
    def __init__(self, cores: int, conf, broadcast_lookup, broadcast_bytes, files_root: str, shared_dir: str):
        self.master_name = f"master {conf.get('spark.master', 'local')}"
        self.cores = cores
        self.coordinator = BarrierCoordinator(conf.get_seconds("spark.barrier.sync.timeout", "365d"))
        self.executor = Executor(EXECUTOR_ID, cores, conf, fetch_broadcast=broadcast_lookup, shared_dir=shared_dir,
                                 barrier_sync=self.coordinator.sync, resources=discover(conf, "executor"))
        self.workers = WorkerPool(cores, self.executor, conf, broadcast_bytes, files_root)
        self._slots = DaemonThreads("sparklite-task")
        self._active: dict[int, bool] = {}    # running task id -> in_process
        self._lock = threading.Lock()
        self.scheduler = None

    def start(self, scheduler) -> None:
        self.scheduler = scheduler
        scheduler.post(ExecutorAdded(EXECUTOR_ID, self.cores, self.executor.slots, socket.gethostname()))

    def launch(self, executor_id: str, task) -> None:
        with self._lock:
            self._active[task.task_id] = task.in_process
        self._slots.submit(self._run, task)

    def _run(self, task) -> None:
        if task.in_process:
            outcome = self.executor.run_task(task)
        else:   # the worker's executor has no resources of its own: this one lends them
            taken = self.executor.resource_pool.acquire() if self.executor.task_resources else {}
            try:
                outcome = self.workers.run(replace(task, resources=taken) if taken else task)
            finally:
                if taken:
                    self.executor.resource_pool.release(taken)
        outcome.block_updates = outcome.block_updates + self.executor.block_store.drain_updates()
        with self._lock:
            self._active.pop(task.task_id, None)
        # after a kill the scheduler has its "killed" outcome already and ignores this one, but
        # still applies its block updates
        self.scheduler.post(TaskEnded(EXECUTOR_ID, outcome))

    def kill(self, executor_id: str, task_id: int) -> None:
        with self._lock:
            if task_id not in self._active:
                return
            in_process = self._active.pop(task_id)
        if in_process:
            self.executor.kill(task_id)
        else:
            self.workers.kill(task_id)
        self.scheduler.post(TaskEnded(EXECUTOR_ID, TaskOutcome(task_id, "killed", error_text="task killed")))


    def executor_ids(self) -> list:
        return [EXECUTOR_ID]

    def remove_blocks(self, kind: str, owner_id: int, blocking: bool = False) -> None:
        self.executor.remove_blocks(kind, owner_id)     # at once: the executor is in this process

    def register_broadcast(self, bid: int, data: bytes) -> None:
        """Workers ask for the value when a task first reads it."""

    def unpersist_broadcast(self, bid: int, blocking: bool = False) -> None:
        """Workers drop their copies; the driver's value stays. Its shared file goes at once; a
        worker drops its unpickled copy before its next task, whatever ``blocking`` says."""
        self.workers.forget_broadcast(bid)

    def destroy_broadcast(self, bid: int, blocking: bool = False) -> None:
        self.workers.forget_broadcast(bid)

    def add_file(self, root: str, name: str) -> None:
        """Workers read the driver's SparkFiles root directly."""

    def add_python_path(self, path: str) -> None:
        self.workers.add_python_path(path)

    def stop(self) -> None:
        self._slots.stop()
        self.workers.stop()
        self.executor.stop()

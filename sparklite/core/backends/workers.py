"""Python workers: the processes where a ``local[N]`` executor runs its tasks' Python code.

Contract (PySpark's executor/Python-worker split, with the executor in the driver process):
* ``WorkerPool(size, executor, conf)`` starts a fork server and ``size`` workers in the background;
  ``run(task)`` takes an idle worker (waiting for one if needed), runs the task there and returns
  its ``TaskOutcome``. Record-at-a-time Python then uses every core, and a task that crashes its
  process (``os._exit``, a segfault, the OOM killer) costs that worker only: the outcome is a task
  failure naming the exit code or signal, retried by the usual rules, and a new worker is forked.
* ``kill(task_id)`` ends the task at once (SIGKILL: a Python loop and a call stuck in C code stop
  alike); its worker is replaced and the outcome is ``"killed"``.
* A worker runs the same ``Executor`` as every backend, with ``RemoteBlockStore`` in place of a
  store of its own: reading a cached block or a shuffle segment asks the driver's store where the
  block's file is and maps it (``BlockStore.locate``); a block the task makes is written to a file
  in the store's shared-memory directory and ``adopt``ed. No block data goes through the socket,
  only small messages (``wire``); memory accounting and spills follow the driver's store.
* While a task runs, the driver thread that launched it serves the worker's calls
  (``_Service``): block locations, adoption, execution memory, broadcast values.
* Each worker keeps the task binaries it was sent (the same LRU as ``Executor``), so a stage's
  binary crosses once per worker; broadcast values are read once per worker from a file.
"""
from __future__ import annotations

import logging
import os
import pickle
import queue
import signal
import sys
import threading
import uuid
from collections import OrderedDict
from dataclasses import replace

from sparklite.core.backends import wire
from sparklite.core.errors import PythonWorkerError
from sparklite.core.scheduler.stages import TaskOutcome
from sparklite.core.storage import blockstore

log = logging.getLogger("sparklite.workers")
_BINARIES_KEPT = 32
_KILLED = object()


# -- the driver side --------------------------------------------------------------------------------

class _Service:
    """What a worker may ask of the driver's executor while it runs a task."""

    def __init__(self, executor, broadcast_bytes):
        self.store = executor.block_store
        self.barrier_sync = executor._barrier_sync
        self._broadcast_bytes = broadcast_bytes
        self._broadcast_files: dict[int, str] = {}
        self._lock = threading.Lock()

    def handle(self, name: str, args: tuple):
        if name == "locate":
            return self.store.locate(*args)
        if name == "locate_segment":
            return self.store.locate_segment(*args)
        if name == "adopt":
            return self.store.adopt(*args)
        if name == "acquire_execution":
            return self.store.acquire_execution(*args)
        if name == "release_execution":
            return self.store.release_execution(*args)
        if name == "broadcast":
            return self.broadcast_file(*args)
        if name == "barrier":
            return self.barrier_sync(*args)
        raise ValueError(f"unknown worker call {name!r}")

    def broadcast_file(self, bid: int) -> str:
        """A file holding the broadcast's pickled value, written once for every worker to read."""
        with self._lock:
            path = self._broadcast_files.get(bid)
            if path is None:
                path = os.path.join(self.store.shared_dir, f"broadcast_{bid}")
                with open(path, "wb") as f:
                    f.write(self._broadcast_bytes(bid))
                self._broadcast_files[bid] = path
            return path

    def forget_broadcast(self, bid: int) -> None:
        with self._lock:
            path = self._broadcast_files.pop(bid, None)
        if path is not None:
            os.unlink(path)


class PythonWorker:
    """The driver's handle on one worker process."""

    def __init__(self, pid: int, sock):
        self.pid = pid
        self.sock = sock
        self.binaries: OrderedDict[int, None] = OrderedDict()   # mirrors the worker's LRU
        self.task_id: int | None = None
        self.killed = False
        self.news: list = []       # control messages for the worker, sent with its next task

    def run(self, task, service: _Service):
        """Run one task; the outcome, or None if the worker died meanwhile."""
        task = ship_binary_once(task, self.binaries, _BINARIES_KEPT)
        news, self.news = self.news, []
        try:
            wire.send(self.sock, ("task", task, news))
            while True:
                message = wire.recv(self.sock)
                if message[0] == "done":
                    return message[1]
                try:
                    reply = ("ok", service.handle(message[1], message[2]))
                except Exception as e:   # handed to the worker, where the task sees it raised
                    reply = ("error", e)
                wire.send(self.sock, reply)
        except (EOFError, OSError):
            return None

    def kill(self) -> None:
        self.killed = True
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def close(self) -> None:
        self.sock.close()


class WorkerPool:
    def __init__(self, size: int, executor, conf, broadcast_bytes, files_root: str):
        self.size = size
        self.executor = executor
        self.service = _Service(executor, broadcast_bytes)
        self._conf, self._files_root = conf, files_root
        self._idle: queue.SimpleQueue = queue.SimpleQueue()
        self._running: dict[int, PythonWorker] = {}
        self._workers: set[PythonWorker] = set()
        self._lock = threading.Lock()
        self._stopped = False
        self._python_paths: list[str] = []
        self._server = None
        self._failure: BaseException | None = None
        self._ready = threading.Event()
        if threading.active_count() == 1:   # the server can be a fork of this process: start it now
            self._start_server()
        threading.Thread(target=self._start, name="sparklite-worker-start", daemon=True).start()

    # -- lifecycle -------------------------------------------------------------------------
    def _start_server(self) -> None:
        from sparklite.core.backends.forkserver import ForkServer
        self._server = ForkServer()

    def _start(self) -> None:
        try:
            if self._server is None:
                self._start_server()
            self._ready.set()
            for _ in range(self.size):
                self._add_worker()
        except BaseException as e:   # noqa: BLE001 - reported to every task that needs a worker
            self._fail(e)

    def _fail(self, error: BaseException) -> None:
        self._failure = error
        self._ready.set()
        for _ in range(self.size):
            self._idle.put(None)

    def _add_worker(self) -> None:
        if self._stopped:
            return
        try:
            pid, sock = self._server.fork("sparklite.core.backends.workers:worker_main")
            worker = PythonWorker(pid, sock)
            setup = process_setup(self.executor.executor_id, self._conf, self._files_root)
            setup.update(shared_dir=self.executor.block_store.shared_dir, spill_dir=self.executor.block_store.spill_dir)
            wire.send(sock, ("setup", setup))
        except BaseException as e:   # noqa: BLE001
            if not self._stopped:
                self._fail(e)
            return
        with self._lock:
            if self._stopped:
                worker.kill()
                return
            worker.news.extend(("python_path", p) for p in self._python_paths)
            self._workers.add(worker)
        self._idle.put(worker)

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            workers = list(self._workers)
        for worker in workers:
            worker.kill()
            worker.close()
        self._ready.wait(10)
        if self._server is not None:
            self._server.stop()
        for _ in range(self.size + len(workers)):
            self._idle.put(None)

    # -- tasks -----------------------------------------------------------------------------
    def run(self, task) -> TaskOutcome:
        with self._lock:
            self._running[task.task_id] = None       # waiting for a worker
        worker = self._idle.get()
        if worker is None:
            self._idle.put(None)
            with self._lock:
                self._running.pop(task.task_id, None)
            error = self._failure or RuntimeError("the SparkContext was stopped")
            message = f"Could not start a Python worker: {error}"
            return TaskOutcome(task.task_id, "exception", error=PythonWorkerError(message), error_text=message)
        with self._lock:
            killed_early = self._running.get(task.task_id) is _KILLED
            self._running[task.task_id] = worker
        outcome = None if killed_early else worker.run(task, self.service)
        with self._lock:
            self._running.pop(task.task_id, None)
        if worker.killed:             # killed while (or just after) it ran the task: the process is gone
            lost = self._retire(worker, task)
            return outcome or lost
        if outcome is None and not killed_early:
            return self._retire(worker, task)
        self._idle.put(worker)
        return outcome or TaskOutcome(task.task_id, "killed", error_text="task killed")

    def _retire(self, worker: PythonWorker, task) -> TaskOutcome:
        """The worker's process ended under the task: say how, and fork a replacement."""
        worker.close()
        with self._lock:
            self._workers.discard(worker)
        code = self._server.exit_code(worker.pid, timeout=5.0) if self._server else None
        threading.Thread(target=self._add_worker, name="sparklite-worker-replace", daemon=True).start()
        if worker.killed or self._stopped:
            return TaskOutcome(task.task_id, "killed", error_text="task killed")
        how = describe_exit(code)
        message = (f"Python worker exited unexpectedly ({how}) while running task {task.partition} of stage "
                   f"{task.stage_id} (TID {task.task_id}); a crash in native code, os._exit() or the kernel's "
                   f"out-of-memory killer end a worker this way")
        log.warning("Python worker %d lost: %s", worker.pid, how)
        return TaskOutcome(task.task_id, "exception", error=PythonWorkerError(message), error_text=message)

    def kill(self, task_id: int) -> None:
        """Stop the task now: kill its worker, or make sure it never starts on one."""
        with self._lock:
            if task_id not in self._running:
                return
            worker = self._running[task_id]
            if worker is None:
                self._running[task_id] = _KILLED
                return
            if worker is _KILLED:
                return
        worker.kill()

    def add_python_path(self, path: str) -> None:
        """Put ``path`` on ``sys.path`` in every worker (``addPyFile``), before its next task."""
        with self._lock:
            self._python_paths.append(path)
            for worker in self._workers:
                worker.news.append(("python_path", path))

    def forget_broadcast(self, bid: int) -> None:
        self.service.forget_broadcast(bid)
        with self._lock:
            for worker in self._workers:
                worker.news.append(("drop_broadcast", bid))


def ship_binary_once(task, shipped: OrderedDict, keep: int):
    """The task to send to a process that keeps the last ``keep`` task binaries it was sent (the ids
    in ``shipped``, updated here): without its binary bytes if the process has them already."""
    if task.binary_id in shipped:
        shipped.move_to_end(task.binary_id)
        return replace(task, binary=b"")
    shipped[task.binary_id] = None
    while len(shipped) > keep:
        shipped.popitem(last=False)
    return task


def describe_exit(code: int | None) -> str:
    if code is None:
        return "exit status unknown"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"killed by {name}"
    return f"exit code {code}"


# -- the worker side --------------------------------------------------------------------------------

class _Driver:
    """The worker's line to the driver: a call waits for its answer."""

    def __init__(self, sock):
        self.sock = sock

    def call(self, name: str, *args):
        wire.send(self.sock, ("call", name, args))
        kind, value = wire.recv(self.sock)
        if kind == "error":
            raise value
        return value


class RemoteBlockStore:
    """A worker's view of the driver's block store: the methods tasks use, by message and mapping."""

    def __init__(self, driver: _Driver, shared_dir: str, spill_dir: str):
        self.driver = driver
        self.shared_dir = shared_dir
        self.spill_dir = spill_dir

    def get(self, block_id: tuple):
        return blockstore.read_located(lambda: self.driver.call("locate", block_id))

    def get_segment(self, block_id: tuple, reduce_id: int):
        return blockstore.read_located(lambda: self.driver.call("locate_segment", block_id, reduce_id))

    def put(self, block_id: tuple, value, level):
        path = os.path.join(self.shared_dir, f"{'_'.join(map(str, block_id))}.{uuid.uuid4().hex[:12]}")
        offsets = blockstore.write_block_file(path, value)
        return self.driver.call("adopt", block_id, path, level, offsets)

    def acquire_execution(self, nbytes: int) -> int:
        return self.driver.call("acquire_execution", nbytes)

    def release_execution(self, nbytes: int) -> None:
        self.driver.call("release_execution", nbytes)

    def add_updates(self, updates: list) -> None:
        """Updates are the driver store's own: it reports them."""

    def drain_updates(self) -> list:
        return []

    def clear(self) -> None:
        """The driver's store is cleared by the driver."""


def process_setup(executor_id: str, conf, files_root: str) -> dict:
    """What a forked process needs to work like the driver: its directory, ``sys.path``, the
    executor environment (``spark.executorEnv.*``), the SparkFiles root and the configuration."""
    return {"executor_id": executor_id, "conf": conf.getAll(), "files_root": files_root,
            "sys_path": list(sys.path), "cwd": os.getcwd(),
            "env": {k[len("spark.executorEnv."):]: v for k, v in conf.getAll() if k.startswith("spark.executorEnv.")}}


def receive_setup(sock) -> dict | None:
    """In a forked process: take the driver's setup (``process_setup``) and apply it."""
    from sparklite.core.sparkfiles import SparkFiles
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        _, setup = wire.recv(sock)
    except EOFError:
        return None
    os.chdir(setup["cwd"])
    sys.path[:] = setup["sys_path"]
    os.environ.update(setup["env"])
    SparkFiles._root_directory = setup["files_root"]
    return setup


def worker_main(sock) -> None:
    """A worker's life: set up like the driver, then run tasks until the driver hangs up."""
    from sparklite.core import broadcast
    from sparklite.core.conf import SparkConf
    from sparklite.core.executor import Executor, prepare_task_process
    setup = receive_setup(sock)
    if setup is None:
        return
    conf = SparkConf(loadDefaults=False).setAll(setup["conf"])
    prepare_task_process(conf)
    driver = _Driver(sock)

    def fetch_broadcast(bid: int):
        with open(driver.call("broadcast", bid), "rb") as f:
            return pickle.load(f)

    executor = Executor(setup["executor_id"], 1, conf, fetch_broadcast=fetch_broadcast,
                        barrier_sync=lambda *args: driver.call("barrier", *args),
                        block_store=RemoteBlockStore(driver, setup["shared_dir"], setup["spill_dir"]))
    while True:
        try:
            kind, task, news = wire.recv(sock)
        except EOFError:
            return
        for what, value in news:
            if what == "python_path":
                if value not in sys.path:
                    sys.path.insert(1, value)
                import importlib
                importlib.invalidate_caches()
            elif what == "drop_broadcast":
                broadcast.drop_local(value)
        outcome = executor.run_task(task)
        try:
            wire.send(sock, ("done", outcome))
        except (pickle.PicklingError, TypeError, AttributeError):
            outcome.error = RuntimeError(outcome.error_text)
            wire.send(sock, ("done", outcome))

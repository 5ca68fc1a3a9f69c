"""The ``local-cluster[N,C,M]`` backend: N executor processes on this machine, as in Spark's own tests.

Contract:
* Each executor is a process forked from a fork server, running the same ``Executor`` as every
  backend with C task slots (threads) and its own block store of M MiB, kept in shared memory and
  local files. Executors read each other's shuffle segments and cached blocks without copying
  them through the driver: they ask where a block's file is (the driver passes the question to its
  holder) and map it, since all run on this machine.
* Driver and executor talk over one socket each way (``Channel``): calls with answers, several
  in flight at once. The driver runs a task with ``run_task`` from a slot thread and posts its
  outcome; an executor asks the driver for broadcast values, block locations on its peers and
  barrier syncs.
* An executor process that ends (``os._exit`` in a task, a signal, the OOM killer) is reported as
  lost with its exit code or signal; the scheduler retries its tasks by the usual rules
  (``spark.task.maxFailures``, 4 as on any cluster) and recomputes what it held, and a new executor
  takes its place. ``kill`` interrupts the task's thread and gives its slot back at once; a task
  still running after ``spark.task.reaper.killTimeout`` costs its executor.
* ``stop`` asks every executor to remove its blocks, kills what is left, and removes the
  directories of executors that could not.
"""
from __future__ import annotations

import itertools
import logging
import os
import pickle
import shutil
import socket
import threading
import time
from collections import OrderedDict
from concurrent.futures import Future

from sparklite.core.backends.base import Backend
from sparklite.core.backends import wire
from sparklite.core.backends.workers import describe_exit, process_setup, receive_setup, ship_binary_once
from sparklite.core.barrier import BarrierCoordinator, CoordinatedInDriver
from sparklite.core.conf import kill_timeout
from sparklite.core.scheduler.dag import ExecutorAdded, ExecutorLost, TaskEnded
from sparklite.core.scheduler.stages import TaskOutcome
from sparklite.core.storage import blockstore

log = logging.getLogger("sparklite.local_cluster")
_BINARIES_MIRRORED = 16     # fewer than an executor keeps: tasks on its threads may reorder its LRU


class Channel:
    """Calls both ways over one socket. A reader thread hands answers to the calls waiting for them
    and runs each incoming call on a thread of its own, so a call may itself wait on calls."""

    def __init__(self, sock, handle, on_close=None):
        self.sock = sock
        self._handle = handle          # (name, args) -> result
        self._on_close = on_close
        self._send_lock = threading.Lock()
        self._ids = itertools.count()
        self._waiting: dict[int, Future] = {}
        self._closed = False
        threading.Thread(target=self._read, name="sparklite-channel", daemon=True).start()

    def call(self, name: str, *args, timeout: float | None = None):
        return self.call_async(name, *args).result(timeout)

    def call_async(self, name: str, *args) -> Future:
        future: Future = Future()
        call_id = next(self._ids)
        self._waiting[call_id] = future
        if self._closed:
            self._waiting.pop(call_id, None)
            future.set_exception(EOFError("the other process has gone"))
            return future
        try:
            self._send(("call", call_id, name, args))
        except (EOFError, OSError) as e:
            self._waiting.pop(call_id, None)
            future.set_exception(EOFError(f"the other process has gone: {e}"))
        return future

    def _send(self, message) -> None:
        with self._send_lock:
            wire.send(self.sock, message)

    def _read(self) -> None:
        while True:
            try:
                message = wire.recv(self.sock)
            except EOFError:
                break
            if message[0] == "answer":
                _, call_id, ok, value = message
                future = self._waiting.pop(call_id, None)
                if future is not None:
                    (future.set_result if ok else future.set_exception)(value)
            else:
                threading.Thread(target=self._answer, args=message[1:], daemon=True).start()
        self._closed = True
        if self._on_close is not None:   # first: the executor is known lost before its calls fail
            self._on_close()
        for future in list(self._waiting.values()):
            if not future.done():
                future.set_exception(EOFError("the other process has gone"))
        self._waiting.clear()

    def _answer(self, call_id: int, name: str, args: tuple) -> None:
        try:
            answer = ("answer", call_id, True, self._handle(name, args))
        except Exception as e:   # handed to the caller, who raises it
            answer = ("answer", call_id, False, e)
        try:
            self._send(answer)
        except (EOFError, OSError, pickle.PicklingError):
            pass

    def close(self) -> None:
        self._closed = True
        try:
            self.sock.close()
        except OSError:
            pass


class _Executor:
    """The driver's handle on one executor process."""

    def __init__(self, executor_id: str, pid: int, channel: Channel):
        self.executor_id = executor_id
        self.pid = pid
        self.channel = channel
        self.binaries: OrderedDict[int, None] = OrderedDict()
        self.directories: list = []
        self.shared_dir: str | None = None
        self.lost = False


class LocalClusterBackend(CoordinatedInDriver, Backend):
    def __init__(self, instances: int, cores: int, memory_mb: int, conf, broadcast_bytes, files_root: str,
                 shared_root: str):
        self.master_name = f"master {conf.get('spark.master', 'local')}"
        self.instances, self.cores = instances, cores
        self.conf = conf.copy().set("spark.executor.memory", f"{memory_mb}m").set("spark.executor.cores", cores)
        self._broadcast_bytes = broadcast_bytes
        self._files_root = files_root
        self._shared_root = shared_root
        self.coordinator = BarrierCoordinator(conf.get_seconds("spark.barrier.sync.timeout", "365d"))
        self.kill_timeout = kill_timeout(conf)
        self.executors: dict[str, _Executor] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._running: dict[int, tuple] = {}     # task id -> (executor id, started)
        self._broadcast_files: dict[int, str] = {}
        self._python_paths: list = []
        self._stopping = False
        from sparklite.core.backends.forkserver import ForkServer
        self._server = ForkServer()    # before the scheduler's thread: a fork of the driver if it can be
        self.scheduler = None

    # -- lifecycle ----------------------------------------------------------------------------
    def start(self, scheduler) -> None:
        self.scheduler = scheduler
        for _ in range(self.instances):
            self._add_executor()

    def _add_executor(self) -> None:
        executor_id = f"exec-{next(self._ids)}"
        pid, sock = self._server.fork("sparklite.core.backends.local_cluster:executor_main")
        handle = _Executor(executor_id, pid, None)
        handle.channel = Channel(sock, self._handle, lambda: self._lost(handle))
        setup = process_setup(executor_id, self.conf, self._files_root)
        setup.update(cores=self.cores, shared_root=self._shared_root, python_paths=list(self._python_paths))
        wire.send(sock, ("setup", setup))
        handle.directories, handle.shared_dir, slots = handle.channel.call("describe", timeout=60)
        with self._lock:
            if self._stopping:
                self._kill_process(handle)
                for directory in handle.directories:
                    shutil.rmtree(directory, ignore_errors=True)
                return
            self.executors[executor_id] = handle
        self.scheduler.post(ExecutorAdded(executor_id, self.cores, slots, socket.gethostname()))

    def stop(self) -> None:
        self._stopping = True
        handles = list(self.executors.values())
        calls = [h.channel.call_async("shutdown") for h in handles]
        deadline = time.monotonic() + 5
        for call in calls:
            try:
                call.result(max(0.0, deadline - time.monotonic()))
            except Exception:   # stuck or gone: killed below, its directories removed here
                pass
        for handle in handles:
            self._kill_process(handle)
            handle.channel.close()
            for directory in handle.directories:
                shutil.rmtree(directory, ignore_errors=True)
        if self._server is not None:
            self._server.stop()
        for path in self._broadcast_files.values():
            blockstore._unlink(path)

    def executor_ids(self) -> list:
        return list(self.executors)

    def crash_executor(self, executor_id: str) -> None:
        """Kill the executor's process abruptly; it is reported lost and replaced like any crash."""
        self._kill_process(self.executors[executor_id])

    def _kill_process(self, handle: _Executor) -> None:
        try:
            os.kill(handle.pid, 9)
        except ProcessLookupError:
            pass

    def _lost(self, handle: _Executor) -> None:
        """The executor's process ended: report it with its exit status and start another."""
        if handle.lost or self._stopping:
            return
        handle.lost = True
        code = self._server.exit_code(handle.pid, timeout=5.0)
        with self._lock:
            self.executors.pop(handle.executor_id, None)
        for directory in handle.directories:
            shutil.rmtree(directory, ignore_errors=True)
        self.scheduler.post(ExecutorLost(handle.executor_id, f"its process ended: {describe_exit(code)}"))
        if not self._stopping:
            threading.Thread(target=self._replace, name="sparklite-executor-replace", daemon=True).start()

    def _replace(self) -> None:
        try:
            self._add_executor()
        except Exception:   # the context stopped while the replacement started
            if not self._stopping:
                log.warning("Could not start an executor to replace a lost one", exc_info=True)

    # -- tasks --------------------------------------------------------------------------------
    def launch(self, executor_id: str, task) -> None:
        handle = self.executors.get(executor_id)
        if handle is None:
            self.scheduler.post(TaskEnded(executor_id, TaskOutcome(task.task_id, "executor_lost",
                                                                   error_text="executor is gone")))
            return
        task = ship_binary_once(task, handle.binaries, _BINARIES_MIRRORED)
        with self._lock:
            self._running[task.task_id] = (executor_id, time.monotonic())
        handle.channel.call_async("run_task", task).add_done_callback(
            lambda done: self._finished(executor_id, task.task_id, done))

    def _finished(self, executor_id: str, task_id: int, done: Future) -> None:
        with self._lock:
            self._running.pop(task_id, None)
        try:
            outcome = done.result()
        except EOFError as e:
            outcome = TaskOutcome(task_id, "executor_lost", error_text=str(e))
        except Exception as e:   # an outcome that could not travel back
            outcome = TaskOutcome(task_id, "exception", error=RuntimeError(str(e)), error_text=str(e))
        self.scheduler.post(TaskEnded(executor_id, outcome))

    def kill(self, executor_id: str, task_id: int) -> None:
        """Interrupt the task and give its slot back now; past the kill timeout its executor goes."""
        with self._lock:
            if task_id not in self._running:
                return
        handle = self.executors.get(executor_id)
        if handle is not None:
            handle.channel.call_async("kill_task", task_id)
            if self.kill_timeout != float("inf"):
                timer = threading.Timer(self.kill_timeout, self._reap, args=(handle, task_id))
                timer.daemon = True
                timer.start()
        self.scheduler.post(TaskEnded(executor_id, TaskOutcome(task_id, "killed", error_text="task killed")))

    def _reap(self, handle: _Executor, task_id: int) -> None:
        with self._lock:
            still_running = task_id in self._running
        if still_running and not handle.lost:
            log.warning("task %d did not stop within spark.task.reaper.killTimeout (%.0f s): killing executor %s",
                        task_id, self.kill_timeout, handle.executor_id)
            self._kill_process(handle)

    # -- what executors ask of the driver -----------------------------------------------------
    def _handle(self, name: str, args: tuple):
        if name == "broadcast":
            return self._broadcast_file(*args)
        if name == "barrier":
            return self.coordinator.sync(*args)
        if name in ("locate", "locate_segment", "adopt"):     # on a peer: (peer, the question)
            holder = self.executors.get(args[0])
            return None if holder is None else holder.channel.call(name, *args[1:])
        if name == "peer_dirs":
            holder = self.executors.get(args[0])
            return None if holder is None else holder.shared_dir
        if name == "core_ids":
            return sorted(self.executors)
        raise ValueError(f"unknown executor call {name!r}")

    def _broadcast_file(self, bid: int) -> str:
        with self._lock:
            path = self._broadcast_files.get(bid)
            if path is None:
                path = os.path.join(self._shared_root, f"sparklite-{self.conf.get('spark.app.id')}-broadcast-{bid}")
                with open(path, "wb") as f:
                    f.write(self._broadcast_bytes(bid))
                self._broadcast_files[bid] = path
            return path

    # -- blocks, broadcasts, files ------------------------------------------------------------
    def _to_all(self, name: str, *args, blocking: bool = False) -> None:
        """Send a call to every executor; with ``blocking``, wait (bounded) until each has done it."""
        calls = [handle.channel.call_async(name, *args) for handle in list(self.executors.values())]
        for call in calls if blocking else ():
            try:
                call.result(timeout=30)
            except Exception:   # an executor lost meanwhile holds nothing any more
                pass

    def remove_blocks(self, kind: str, owner_id: int, blocking: bool = False) -> None:
        self._to_all("remove_blocks", kind, owner_id, blocking=blocking)

    def register_broadcast(self, bid: int, data: bytes) -> None:
        """Executors ask for the value when a task first reads it."""

    def unpersist_broadcast(self, bid: int, blocking: bool = False) -> None:
        self._to_all("drop_broadcast", bid, blocking=blocking)

    def destroy_broadcast(self, bid: int, blocking: bool = False) -> None:
        with self._lock:
            path = self._broadcast_files.pop(bid, None)
        if path is not None:
            blockstore._unlink(path)
        self._to_all("drop_broadcast", bid, blocking=blocking)

    def add_file(self, root: str, name: str) -> None:
        """Executors read the driver's SparkFiles root directly (one machine)."""

    def add_python_path(self, path: str) -> None:
        self._python_paths.append(path)
        self._to_all("python_path", path)



# -- the executor process -------------------------------------------------------------------------

class _Peers:
    """How an executor process reaches the others' blocks: through the driver, then their files."""

    def __init__(self, channel: Channel):
        self.channel = channel

    def core_ids(self, exclude: str) -> list:
        return [e for e in self.channel.call("core_ids") if e != exclude]

    def get(self, executor_id: str, block_id: tuple):
        return blockstore.read_located(lambda: self.channel.call("locate", executor_id, block_id))

    def put(self, executor_id: str, block_id: tuple, value, level) -> list:
        shared_dir = self.channel.call("peer_dirs", executor_id)
        if shared_dir is None:
            return []
        path = os.path.join(shared_dir, f"{'_'.join(map(str, block_id))}.{os.getpid()}.{time.monotonic_ns()}")
        offsets = blockstore.write_block_file(path, value)
        return self.channel.call("adopt", executor_id, block_id, path, level, offsets) or []


def executor_main(sock) -> None:
    """An executor process's life: set up like the driver, then answer the driver until it hangs up."""
    import importlib
    import sys
    from sparklite.core import broadcast
    from sparklite.core.conf import SparkConf
    from sparklite.core.executor import Executor, prepare_task_process
    from sparklite.core.resources import discover
    setup = receive_setup(sock)
    if setup is None:
        return
    for path in setup["python_paths"]:
        sys.path.insert(1, path)
    conf = SparkConf(loadDefaults=False).setAll(setup["conf"])
    prepare_task_process(conf)
    closed = threading.Event()
    box = {}

    def fetch_broadcast(bid: int):
        with open(channel.call("broadcast", bid), "rb") as f:
            return pickle.load(f)

    def fetch_remote(executor_id, block_id, reduce_id):
        return blockstore.read_located(lambda: channel.call("locate_segment", executor_id, block_id, reduce_id))

    def handle(name: str, args: tuple):
        executor = box["executor"]
        store = executor.block_store
        if name == "run_task":
            return executor.run_task(args[0])
        if name == "kill_task":
            return executor.kill(args[0])
        if name == "describe":
            return [store.spill_dir, store.shared_dir], store.shared_dir, executor.slots
        if name == "locate":
            return store.locate(*args)
        if name == "locate_segment":
            return store.locate_segment(*args)
        if name == "adopt":
            store.adopt(*args)
            return store.drain_updates()
        if name == "remove_blocks":
            return executor.remove_blocks(*args)
        if name == "blocks":
            return store.blocks()
        if name == "drop_broadcast":
            return broadcast.drop_local(args[0])
        if name == "python_path":
            if args[0] not in sys.path:
                sys.path.insert(1, args[0])
            importlib.invalidate_caches()
            return None
        if name == "shutdown":
            return executor.stop()
        raise ValueError(f"unknown driver call {name!r}")

    executor = Executor(setup["executor_id"], setup["cores"], conf, fetch_remote=fetch_remote,
                        fetch_broadcast=fetch_broadcast, shared_dir=setup["shared_root"],
                        barrier_sync=lambda *args: channel.call("barrier", *args),
                        resources=discover(conf, "executor"))
    box["executor"] = executor
    channel = Channel(sock, handle, closed.set)
    executor.peers = _Peers(channel)
    closed.wait()

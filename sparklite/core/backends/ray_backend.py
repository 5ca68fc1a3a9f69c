"""The ``ray`` backend, driver side: executors are Ray actors (``ray_executor.py``, the actor side)
running the same ``Executor`` as ``local[N]``.

Contract:
* ``start`` joins the Ray cluster named by the master (``ray://host:port``, ``ray:auto``, or
  ``RAY_ADDRESS``), or starts a Ray instance on this machine (stopped again by ``stop``), then starts
  ``spark.executor.instances`` actors with ``spark.executor.cores`` task slots each. Ray restarts and
  retries are off: sparklite's scheduler alone decides what to rerun.
* ``launch`` calls the actor's ``run_task``; a completion thread waits on the outstanding calls and
  posts ``TaskEnded``. A task binary is put in Ray's object store once per stage attempt; each actor
  deserializes it once.
* Reducers fetch shuffle buffers directly from the actor that holds them (Arrow IPC bytes, never
  pickled rows); a broadcast value is put in the object store once and fetched once per executor.
* An actor that dies (its call raises ``RayActorError`` or it stops answering pings) is reported as
  ``ExecutorLost`` and replaced, to keep ``spark.executor.instances``.
"""
from __future__ import annotations

import itertools
import logging
import os
import pickle
import re
import shutil
import socket
import threading
import time
from dataclasses import replace
from functools import partial

import ray
from ray.exceptions import GetTimeoutError, OutOfMemoryError, RayActorError

from sparklite.core.backends.base import Backend
from sparklite.core import resources
from sparklite.core.backends import wire
from sparklite.core.backends.ray_executor import EXIT_STATUS_FILE, BarrierCoordinatorActor, ExecutorActor
from sparklite.core.conf import SparkConf, kill_timeout
from sparklite.core.scheduler.dag import ExecutorAdded, ExecutorLost, TaskEnded
from sparklite.core.scheduler.stages import TaskOutcome

log = logging.getLogger("sparklite.ray")
_CONNECT_TIMEOUT = 30.0
_INLINE_BINARY = 64 * 1024   # a task binary up to this size travels with each task (Ray inlines small arguments)


def _check_reachable(address: str) -> None:
    """Fail within the connect timeout, naming the address, when nothing listens there."""
    hostport = address.split("://", 1)[-1].rstrip("/")
    host, _, port = hostport.rpartition(":")
    try:
        socket.create_connection((host or "127.0.0.1", int(port)), timeout=_CONNECT_TIMEOUT).close()
    except (OSError, ValueError) as e:
        raise ConnectionError(f"Could not connect to the Ray cluster at {address!r}: {e}; check the address "
                              f"or RAY_ADDRESS, or use master 'ray' to start a local instance") from None


def describe_ray_death(error) -> str:
    """One line from Ray's multi-line account of a dead actor."""
    text = str(error)
    code = re.search(r"exit code (-?\d+)", text)
    if "ray.kill" in text:
        return "its actor was killed"
    if code:
        return f"its process ended: exit code {code.group(1)}"
    if "End of file" in text or "connection error" in text:
        return ("its process ended abruptly: killed by a signal (SIGKILL, as the kernel's out-of-memory killer "
                "sends), or a crash in native code")
    if isinstance(error, OutOfMemoryError):
        return "Ray's memory monitor killed it: the node ran low on memory"
    return text.strip().splitlines()[0] if text.strip() else type(error).__name__


_AUTH_WARNING_LOGGER = "ray._private.authentication.authentication_token_setup"


def start_local_ray(num_cpus: int, custom_resources: dict | None = None) -> None:
    """Start a Ray instance on this machine, for this process only:
    * every port it opens binds to loopback (Ray binds its node's address when it is a cluster node;
      with cluster mode off for the start, the node address is 127.0.0.1);
    * token authentication stays on (Ray's default for a new instance) with a random token of this
      process's own, held in the environment (so never written to a world-readable file); Ray's
      notice that authentication is on is not printed;
    * Ray's own lines about dead workers stay off the user's stdout (sparklite logs its own).
    It never joins a running cluster: ``address="local"``."""
    from ray._private import ray_constants
    if not (os.environ.get("RAY_AUTH_TOKEN") or os.environ.get("RAY_AUTH_TOKEN_PATH")):
        import secrets
        os.environ["RAY_AUTH_TOKEN"] = secrets.token_hex(32)
    _quiet_ray()
    notice = logging.getLogger(_AUTH_WARNING_LOGGER)
    level, notice.level = notice.level, logging.ERROR
    cluster_mode, ray_constants.ENABLE_RAY_CLUSTER = ray_constants.ENABLE_RAY_CLUSTER, False
    try:
        ray.init(address="local", num_cpus=num_cpus, resources=custom_resources or None, include_dashboard=False,
                 log_to_driver=False, logging_level=logging.WARNING)
    finally:
        ray_constants.ENABLE_RAY_CLUSTER = cluster_mode
        notice.setLevel(level)


def _quiet_ray() -> None:
    """Ray prints a line for each dead worker process to stdout whatever ``log_to_driver`` says;
    sparklite reports executor losses itself (one log line saying what is recomputed)."""
    from ray._private import worker
    if hasattr(worker, "_worker_logs_enabled"):
        worker._worker_logs_enabled = False


def ray_address(master: str) -> str | None:
    """The cluster to join for a ``ray`` master URL, or None to start a local instance."""
    if master.startswith("ray://"):
        return master
    if master == "ray:auto":
        return "auto"
    return os.environ.get("RAY_ADDRESS") or None


class RayBackend(Backend):
    def __init__(self, master: str, conf: SparkConf):
        self.master = master
        self.master_name = f"master {master}"
        self.conf = conf
        self.instances = conf.get_int("spark.executor.instances", 2)
        if conf.get_bool("spark.dynamicAllocation.enabled", False):
            self.instances = conf.get_int("spark.dynamicAllocation.initialExecutors",
                                          max(conf.get_int("spark.dynamicAllocation.minExecutors", 0), 1))
        self.task_instances = conf.get_int("spark.executor.taskInstances", 0)
        self.cores = conf.get_int("spark.executor.cores", 1)
        conf.get_bytes("spark.executor.memory")       # fail early on an unparsable size
        self.actors: dict[str, object] = {}
        self.roles: dict[str, str] = {}
        self._ids = itertools.count(1)
        self._pending: dict = {}                     # ObjectRef -> (executor_id, task_id)
        self._task_refs: dict = {}                   # task_id -> its ObjectRef, while pending
        self._abandoned: dict = {}                   # ObjectRef of a killed task -> when to kill its executor
        self.kill_timeout = kill_timeout(conf)
        self._directories: dict[str, list] = {}     # executor -> the directories it writes
        self._hosts: dict[str, str] = {}             # executor -> its node's address
        self._barrier_coordinator = None             # started with the first barrier stage
        self._binary_refs: dict[int, object] = {}
        self._broadcast_refs: dict[int, object] = {}
        self._file_refs: list = []
        self._python_paths: list = []
        self._cond = threading.Condition()
        self._stopping = False
        self._started_ray = False
        self._driver_host = None
        self._replacing: list = []                   # threads starting replacement executors
        self._stop_started = float("inf")
        self.scheduler = None

    # -- lifecycle ----------------------------------------------------------------------------
    def start(self, scheduler) -> None:
        self.scheduler = scheduler
        address = ray_address(self.master)
        if address not in (None, "auto"):
            _check_reachable(address)
        if not ray.is_initialized():
            self._init_ray(address)
            self._started_ray = address is None
        self._driver_host = ray.util.get_node_ip_address()
        for _ in range(self.instances):
            self._add_executor("core")
        for _ in range(self.task_instances):
            self._add_executor("task")
        self._update_peers()
        self._reaper = threading.Thread(target=self._reap_loop, name="sparklite-ray-reaper", daemon=True)
        self._reaper.start()
        self._health = threading.Thread(target=self._health_loop, name="sparklite-ray-health", daemon=True)
        self._health.start()
        self.allocation = None
        if self.conf.get_bool("spark.dynamicAllocation.enabled", False):
            from sparklite.core.backends.allocation import ExecutorAllocationManager
            self.allocation = ExecutorAllocationManager(self, self.conf)
            self.allocation.start()

    def _init_ray(self, address) -> None:
        if address is None:
            custom = {name: amount * (self.instances + self.task_instances)
                      for name, amount in resources.requested(self.conf, "executor").items() if name != "gpu"}
            start_local_ray(max(os.cpu_count() or 1, self.instances * self.cores), custom)
            return
        _quiet_ray()
        try:
            ray.init(address=address, include_dashboard=False, log_to_driver=False, logging_level=logging.WARNING)
        except Exception as e:
            raise ConnectionError(f"Could not connect to the Ray cluster at {address!r} ({type(e).__name__}: {e}); "
                                  f"check the address or RAY_ADDRESS, or use master 'ray' to start a local "
                                  f"instance") from e

    def _add_executor(self, role: str = "core") -> str:
        executor_id = f"{'exec' if role == 'core' else 'task'}-{next(self._ids)}"
        wanted = resources.requested(self.conf, "executor")
        actor = ExecutorActor.options(num_cpus=self.cores, num_gpus=wanted.pop("gpu", 0), resources=wanted or None,
                                      max_restarts=0, max_task_retries=0,
                                      max_concurrency=self.cores + 8, name=None).remote(
            executor_id, self.cores, self.conf.getAll(), role)
        described, deadline = actor.describe.remote(), time.monotonic() + _CONNECT_TIMEOUT * 2
        # Waited for in short steps: a stop gives a starting executor 5 s to tell its directories, and
        # stop() waits for this thread before it shuts Ray down.
        while not (ready := ray.wait([described], timeout=0.2)[0]) and time.monotonic() < deadline:
            if self._stopping:
                deadline = min(deadline, self._stop_started + 5)
        if not ready:
            ray.kill(actor)
            if self._stopping:
                return executor_id
            raise RuntimeError(f"Executor {executor_id} did not start within {_CONNECT_TIMEOUT * 2:.0f} s: the Ray "
                               f"cluster may lack the resources (num_cpus={self.cores} per executor; "
                               f"available: {ray.available_resources().get('CPU', 0)} CPUs)")
        directories, host, slots = ray.get(described)
        for bid, ref in self._broadcast_refs.items():
            actor.register_broadcast.remote(bid, [ref])
        for ref in self._file_refs:
            actor.receive_files.remote([ref])
        for name in self._python_paths:
            actor.add_python_path.remote(name)
        if self._barrier_coordinator is not None:
            actor.set_barrier_coordinator.remote([self._barrier_coordinator])
        with self._cond:
            if self._stopping:
                ray.kill(actor)
                shutil.rmtree(directories[0], ignore_errors=True)
                shutil.rmtree(directories[1], ignore_errors=True)
                return executor_id
            self.actors[executor_id] = actor
            self.roles[executor_id] = role
            self._directories[executor_id] = directories
            self._hosts[executor_id] = host
        self.scheduler.post(ExecutorAdded(executor_id, self.cores, slots, host))
        return executor_id

    def _update_peers(self) -> None:
        with self._cond:
            actors, roles = dict(self.actors), dict(self.roles)
        calls = [actor.set_peers.remote(actors, roles) for actor in actors.values()]
        for call in calls:
            try:
                ray.get(call)
            except RayActorError:
                pass   # that executor died meanwhile; the health check reports it

    def stop(self) -> None:
        if getattr(self, "allocation", None) is not None:
            self.allocation.stop()
        with self._cond:
            self._stop_started = time.monotonic()
            self._stopping = True
            self._cond.notify_all()
            actors = list(self.actors.values())
        for replacing in self._replacing:   # each gives up within 5 s of the stop
            replacing.join(max(0.0, self._stop_started + 6 - time.monotonic()))
        calls = [actor.shutdown.remote() for actor in actors]
        try:   # executors remove their own files; one stuck in a task is killed regardless
            ray.get(calls, timeout=5)
        except Exception:
            pass
        for actor in actors:
            try:
                ray.kill(actor)
            except Exception:
                pass
        self.actors.clear()
        if self._barrier_coordinator is not None:
            ray.kill(self._barrier_coordinator)
        if self._started_ray and ray.is_initialized():
            ray.shutdown()
        for executor_id in list(self._directories):
            self._forget_directories(executor_id)

    def _forget_directories(self, executor_id: str) -> None:
        """An executor is gone: when it ran on this machine, remove what it may have left (one that
        was killed had no chance to); elsewhere its own ``shutdown`` did."""
        directories = self._directories.pop(executor_id, ())
        if self._hosts.pop(executor_id, None) == self._driver_host:
            for directory in directories:
                shutil.rmtree(directory, ignore_errors=True)

    # -- tasks --------------------------------------------------------------------------------
    def launch(self, executor_id: str, task) -> None:
        boxed_binary = []
        if len(task.binary) > _INLINE_BINARY:   # shipped once through the object store, fetched once per executor
            ref = self._binary_refs.get(task.binary_id)
            if ref is None:
                ref = self._binary_refs[task.binary_id] = ray.put(task.binary)
                if len(self._binary_refs) > 64:
                    self._binary_refs.pop(next(iter(self._binary_refs)))
            boxed_binary, task = [ref], replace(task, binary=b"")
        actor = self.actors.get(executor_id)
        if actor is None:
            self.scheduler.post(TaskEnded(executor_id, TaskOutcome(task.task_id, "executor_lost",
                                                                   error_text="executor is gone")))
            return
        result = actor.run_task.remote(wire.dumps(task), boxed_binary)
        with self._cond:
            self._pending[result] = (executor_id, task.task_id)
            self._task_refs[task.task_id] = result
        # Completion is pushed by Ray (no polling): the outcome reaches the scheduler as soon as it lands.
        result.future().add_done_callback(partial(self._task_done, result))

    def kill(self, executor_id: str, task_id: int) -> None:
        """Interrupt the task on its executor and give its slot back now; if it has not stopped after
        ``spark.task.reaper.killTimeout`` (stuck in C code), its executor is killed and replaced."""
        with self._cond:
            ref = self._task_refs.get(task_id)
            if ref is None or ref in self._abandoned:
                return
            self._abandoned[ref] = time.monotonic() + self.kill_timeout
            self._cond.notify_all()
        actor = self.actors.get(executor_id)
        if actor is not None:
            actor.kill_task.remote(task_id)
        self.scheduler.post(TaskEnded(executor_id, TaskOutcome(task_id, "killed", error_text="task killed")))

    def _start_barrier_coordinator(self) -> None:
        timeout = self.conf.get_seconds("spark.barrier.sync.timeout", "365d")
        slots = max(64, 2 * self.cores * (self.instances + self.task_instances))
        self._barrier_coordinator = BarrierCoordinatorActor.options(max_concurrency=slots).remote(timeout)
        with self._cond:
            actors = list(self.actors.values())
        ray.get([actor.set_barrier_coordinator.remote([self._barrier_coordinator]) for actor in actors])

    def begin_barrier(self, key: tuple) -> None:
        """Synchronous: the tasks' calls, from other processes, must find the attempt begun."""
        if self._barrier_coordinator is None:
            self._start_barrier_coordinator()
        ray.get(self._barrier_coordinator.begin.remote(key))

    def end_barrier(self, key: tuple) -> None:
        if self._barrier_coordinator is not None:
            self._barrier_coordinator.end.remote(key)

    def executor_host(self, executor_id: str) -> str:
        return self._hosts.get(executor_id, "127.0.0.1")

    def _reap_loop(self) -> None:
        """Kill the executors of killed tasks that outlived the kill timeout."""
        while True:
            with self._cond:
                while not self._stopping:
                    now, due = time.monotonic(), min(self._abandoned.values(), default=float("inf"))
                    if due <= now:
                        break
                    self._cond.wait(None if due == float("inf") else due - now)
                if self._stopping:
                    return
                overdue = [ref for ref, deadline in self._abandoned.items() if deadline <= now]
                for ref in overdue:
                    self._abandoned[ref] = float("inf")   # killed once; forgotten when its call ends
                overdue = [(ref, *self._pending[ref]) for ref in overdue if ref in self._pending]
            for ref, executor_id, task_id in overdue:
                actor = self.actors.get(executor_id)
                if actor is None:
                    continue
                log.warning("task %d did not stop within spark.task.reaper.killTimeout (%.0f s): killing executor %s",
                            task_id, self.kill_timeout, executor_id)
                ray.kill(actor)
                self._executor_died(executor_id, f"executor {executor_id} was killed because its task {task_id} "
                                                 f"did not stop within spark.task.reaper.killTimeout")

    def _task_done(self, ref, future) -> None:
        """Runs on Ray's callback thread when a task's call has ended, however it ended."""
        with self._cond:
            entry = self._pending.pop(ref, None)
            if entry is None or self._stopping:
                return
            executor_id, task_id = entry
            self._task_refs.pop(task_id, None)
            self._abandoned.pop(ref, None)
        error = future.exception()
        if error is None:
            outcome = pickle.loads(future.result())
        elif isinstance(error, (RayActorError, OutOfMemoryError)):
            self._executor_died(executor_id, self._death_reason(executor_id, error))
            outcome = TaskOutcome(task_id, "executor_lost", error_text=str(error))
        else:   # a task outcome that could not travel back
            outcome = TaskOutcome(task_id, "exception", error=RuntimeError(str(error)), error_text=str(error))
        self.scheduler.post(TaskEnded(executor_id, outcome))

    def _health_loop(self) -> None:
        while not self._stopping:
            time.sleep(1.0)
            for executor_id, actor in list(self.actors.items()):
                try:
                    ray.get(actor.ping.remote(), timeout=10)
                except (RayActorError, GetTimeoutError) as e:
                    self._executor_died(executor_id, f"executor {executor_id} stopped answering: {e}")

    def _death_reason(self, executor_id: str, error) -> str:
        """Why an executor's process ended, in one line: its exit code or fatal signal when it could
        record one (in its directory, read here when the executor ran on this machine), else what Ray
        says of it."""
        for directory in self._directories.get(executor_id, ())[:1]:
            try:
                with open(os.path.join(directory, EXIT_STATUS_FILE)) as f:
                    recorded = f.read().strip().splitlines()
            except OSError:
                continue
            if recorded:
                return f"its process ended: {recorded[0]}"
        return describe_ray_death(error)

    def _executor_died(self, executor_id: str, reason: str) -> None:
        with self._cond:
            if self.actors.pop(executor_id, None) is None or self._stopping:
                return
            role = self.roles.pop(executor_id)
        # First the scheduler hears of it (until then it may still offer the executor's slots, and
        # each task sent there fails), then its directories go.
        self.scheduler.post(ExecutorLost(executor_id, reason))
        self._forget_directories(executor_id)
        # The replacement starts on its own thread: task completions must not wait for it.
        replacing = threading.Thread(target=self._replace, args=(role,), name="sparklite-ray-replace", daemon=True)
        self._replacing = [t for t in self._replacing if t.is_alive()] + [replacing]
        replacing.start()

    def _replace(self, role: str) -> None:
        wanted = self.instances if role == "core" else self.task_instances
        try:
            if not self._stopping and sum(1 for r in self.roles.values() if r == role) < wanted:
                self._add_executor(role)
            if not self._stopping:
                self._update_peers()
        except Exception:   # the context stopped (and Ray with it) while the replacement started
            if not self._stopping:
                log.warning("Could not start an executor to replace a lost one", exc_info=True)

    # -- blocks and broadcasts ----------------------------------------------------------------
    @staticmethod
    def _settle(refs: list, blocking: bool) -> None:
        """With ``blocking``, wait (bounded) until every executor has answered its call."""
        if blocking and refs:
            try:
                ray.get(refs, timeout=30)
            except Exception:   # an executor lost meanwhile holds nothing any more
                pass

    def remove_blocks(self, kind: str, owner_id: int, blocking: bool = False) -> None:
        self._settle([actor.remove_blocks.remote(kind, owner_id) for actor in list(self.actors.values())], blocking)

    def unpersist_broadcast(self, bid: int, blocking: bool = False) -> None:
        """Executors drop their copies and fetch the value again on next use."""
        self._settle([actor.drop_broadcast.remote(bid, False) for actor in list(self.actors.values())], blocking)

    def destroy_broadcast(self, bid: int, blocking: bool = False) -> None:
        self._broadcast_refs.pop(bid, None)
        self._settle([actor.drop_broadcast.remote(bid, True) for actor in list(self.actors.values())], blocking)

    def register_broadcast(self, bid: int, data: bytes) -> None:
        ref = self._broadcast_refs[bid] = ray.put(data)
        for actor in list(self.actors.values()):
            actor.register_broadcast.remote(bid, [ref])

    def add_file(self, root: str, name: str) -> None:
        """Ship a file (or a directory tree) from the driver's SparkFiles root to every executor."""
        path = os.path.join(root, name)
        entries = []
        for directory, _, names in os.walk(path) if os.path.isdir(path) else [(root, None, [name])]:
            for file_name in names:
                full = os.path.join(directory, file_name)
                with open(full, "rb") as f:
                    entries.append((os.path.relpath(full, root), f.read()))
        ref = ray.put(entries)
        self._file_refs.append(ref)
        ray.get([actor.receive_files.remote([ref]) for actor in list(self.actors.values())])

    def add_python_path(self, path: str) -> None:
        """Executors put a file shipped by ``add_file`` (an archive), or their SparkFiles root (a
        ``.py`` file), on their ``sys.path``."""
        name = os.path.basename(path) if path.endswith((".zip", ".egg", ".jar")) else ""
        self._python_paths.append(name)
        ray.get([actor.add_python_path.remote(name) for actor in list(self.actors.values())])

    def request_executors(self, count: int, role: str = "core") -> list:
        with self._cond:
            if role == "core":
                self.instances += count
            else:
                self.task_instances += count
        added = [self._add_executor(role) for _ in range(count)]
        self._update_peers()
        return added

    def executor_ids(self) -> list:
        return list(self.actors)

    def crash_executor(self, executor_id: str) -> None:
        """Kill the executor's actor abruptly; the scheduler learns of it as of any lost executor."""
        ray.kill(self.actors[executor_id])

    def kill_executors(self, executor_ids: list) -> None:
        for executor_id in executor_ids:
            with self._cond:
                actor = self.actors.pop(executor_id, None)
                role = self.roles.pop(executor_id, None)
                if actor is None:
                    continue
                if role == "core":
                    self.instances -= 1
                else:
                    self.task_instances -= 1
            ray.kill(actor)
            self.scheduler.post(ExecutorLost(executor_id, "killed by request"))
            self._forget_directories(executor_id)
        self._update_peers()

    def decommission(self, executor_id: str, timeout: float = 120.0) -> None:
        """Gracefully remove an executor: stop giving it tasks, let its running tasks finish, move
        its cached and shuffle blocks to the other core executors, then stop it."""
        scheduler = self.scheduler
        scheduler.call(lambda: scheduler.drain_executor(executor_id))
        deadline = time.monotonic() + timeout
        while scheduler.call(lambda: scheduler.running_on(executor_id)):
            if time.monotonic() > deadline:
                raise TimeoutError(f"executor {executor_id} still runs tasks after {timeout} s")
            time.sleep(0.02)
        targets = sorted(e for e, r in self.roles.items() if r == "core" and e != executor_id)
        moved = ray.get(self.actors[executor_id].migrate_blocks.remote(targets)) if targets else []
        scheduler.call(lambda: scheduler.blocks_migrated(executor_id, moved))
        with self._cond:
            actor = self.actors.pop(executor_id)
            role = self.roles.pop(executor_id)
            if role == "core":
                self.instances -= 1
            else:
                self.task_instances -= 1
        try:
            ray.get(actor.shutdown.remote(), timeout=10)
        except Exception:
            pass
        ray.kill(actor)
        self._forget_directories(executor_id)
        self._update_peers()
        scheduler.post(ExecutorLost(executor_id, "decommissioned"))


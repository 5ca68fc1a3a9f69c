"""The executor: runs tasks and owns a block store; every backend runs this same class.

Contract: ``run_task(TaskDescription) -> TaskOutcome`` never raises. It keeps the stage's task
binary bytes once per executor (a small LRU by binary id) and deserializes them for every task, so
each task has its own copy of its closure (a mutable zero value or a closure's state is never
shared between tasks, as in Spark), sets the thread's ``TaskContext``,
pulls the partition through the fused pipeline and either writes shuffle output (map task) or applies
the action's function and pickles the value (result task). A user exception becomes an
``"exception"`` outcome carrying the exception with its traceback trimmed to the user's frames; a
lost shuffle block becomes ``"fetch_failed"``. Block updates made during the task ride back with it.
Where remote blocks and broadcast values come from is the backend's business: it passes
``fetch_remote(executor_id, block_id, reduce_id)`` and ``fetch_broadcast(bid)`` functions, and may
pass the block store itself (a Python worker's store is the driver's, reached by messages).
``kill(task_id)`` interrupts a task running on a thread of this process: a ``TaskKilled`` exception
is raised in that thread at its next Python instruction (a thread blocked in C code sees it when
the call returns; backends give such a task's slot back at once and discard its result).
"""
from __future__ import annotations

import ctypes
import gc
import os
import pickle
import resource
import sys
import threading
import time
import traceback
from collections import OrderedDict

import cloudpickle

from sparklite.core.errors import FetchFailedError, TaskKilled
from sparklite.core.scheduler import taskbinary
from sparklite.core.scheduler.stages import TaskDescription, TaskOutcome
from sparklite.core.shuffle import ShuffleManager, takes_trailing_map
from sparklite.core.storage import codec
from sparklite.core.storage.blockstore import BlockStore
from sparklite.core.storagelevel import StorageLevel
from sparklite.core import taskcontext
from sparklite.core.barrier import BarrierTaskContext
from sparklite.core.resources import ResourcePool, requested, task_slots
from sparklite.core.taskcontext import TaskContext

_TASK_GC_THRESHOLD = 1_000_000
_gc_lock = threading.Lock()
_gc_users = [0, None]   # tasks running in this process, the GC thresholds to restore after the last


def _relax_gc() -> None:
    """A young-generation collection runs when the count of live container objects has grown by the
    threshold since the last one, and it walks every one of them. A task holds whole partitions of
    records (a join's groups, a decoded cached block), so at CPython's default (a few thousand) it
    walks the same live records again and again: half of a PageRank iteration went there. At a
    million, collections run only when a task really holds that many more objects; the cost is
    that cyclic garbage (rare in record processing) waits longer, at most about a million objects.
    The previous thresholds come back when the last task ends."""
    with _gc_lock:
        if _gc_users[0] == 0:
            _gc_users[1] = gc.get_threshold()
            gc.set_threshold(max(_TASK_GC_THRESHOLD, _gc_users[1][0]), *_gc_users[1][1:])
        _gc_users[0] += 1


def _restore_gc() -> None:
    with _gc_lock:
        _gc_users[0] -= 1
        if _gc_users[0] == 0:
            gc.set_threshold(*_gc_users[1])


_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_BINARY_CACHE = 32
_KILLS_REMEMBERED = 1024


def _user_traceback(error: BaseException):
    """The exception's traceback without the engine's leading frames (the user's code first)."""
    tb = error.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        tb = tb.tb_next
    return tb or error.__traceback__


class Executor:
    def __init__(self, executor_id: str, cores: int, conf, fetch_remote=None, fetch_broadcast=None,
                 role: str = "core", block_store=None, shared_dir: str | None = None, barrier_sync=None,
                 resources: dict | None = None):
        taskcontext.hand_context_to_helper_threads()
        self.executor_id = executor_id
        self.cores = cores
        self.task_cpus = conf.get_int("spark.task.cpus", 1)
        self.role = role            # "core" executors hold blocks; "task" executors only compute
        self.peers = None           # other executors' blocks (``core_ids``, ``get``, ``put``), set by backends with several
        if block_store is None:
            capacity = int(conf.get_bytes("spark.executor.memory") * conf.get_float("spark.memory.fraction"))
            block_store = BlockStore(executor_id, capacity, conf.get_float("spark.memory.storageFraction"),
                                     local_dir(conf), shared_dir, conf.get("spark.app.id"))
        self.block_store = block_store
        self.shuffle = ShuffleManager(self)
        self._fetch_remote = fetch_remote
        self._fetch_broadcast = fetch_broadcast
        self._barrier_sync = barrier_sync     # a barrier task's sync call: see ``core.barrier``
        self.resources = resources or {}      # name -> ResourceInformation: this executor's (``core.resources``)
        self.task_resources = requested(conf, "task")
        self.resource_pool = ResourcePool(self.resources, self.task_resources)
        self.slots = task_slots(cores, self.task_cpus, self.resources, self.task_resources)
        self._binaries: OrderedDict[int, bytes] = OrderedDict()
        self._lock = threading.Lock()
        self._killed: OrderedDict[int, None] = OrderedDict()   # recent kills, of running or queued tasks
        self._threads: dict[int, int] = {}    # task id -> the thread running it, while it runs

    # -- tasks --------------------------------------------------------------------------------
    def cached_binary(self, binary_id: int) -> bytes | None:
        """The task binary's bytes if this executor keeps them (taken once: an eviction after this
        call cannot leave the task without them)."""
        with self._lock:
            return self._binaries.get(binary_id)

    def _binary(self, task: TaskDescription):
        """The task's own (rdd, function): unpickled for every task from bytes kept per stage."""
        with self._lock:
            data = self._binaries.get(task.binary_id)
            if data is not None:
                self._binaries.move_to_end(task.binary_id)
            else:
                data = self._binaries[task.binary_id] = task.binary
                while len(self._binaries) > _BINARY_CACHE:
                    self._binaries.popitem(last=False)
        return taskbinary.deserialize(data)

    def run_task(self, task: TaskDescription) -> TaskOutcome:
        try:
            return self._run_task(task)
        except TaskKilled:   # a kill that landed after the task's own handler, as it finished
            self._stop_interrupts(task.task_id)
            return TaskOutcome(task.task_id, "killed", error_text="task killed")

    def _run_task(self, task: TaskDescription) -> TaskOutcome:
        kind = BarrierTaskContext if task.barrier_tasks else TaskContext
        context = kind(task.stage_id, task.stage_attempt, task.partition, task.attempt, task.task_id,
                       task.properties, self, task.shuffle_locations, self.task_cpus, task.block_locations)
        if task.barrier_tasks:
            context._init_barrier(task.barrier_tasks, task.barrier_addresses, self._barrier_sync)
        taken = None if task.resources or not self.task_resources else self.resource_pool.acquire()
        context._resources = task.resources or taken or {}
        TaskContext._set(context)
        _relax_gc()
        start = time.perf_counter()
        outcome = TaskOutcome(task.task_id, "success")
        with self._lock:
            self._threads[task.task_id] = threading.get_ident()
        try:
            if task.task_id in self._killed:
                raise TaskKilled(f"task {task.task_id} was killed before it started")
            rdd, action, profiler = self._binary(task)
            if profiler is None:
                outcome.value = self._compute(task, rdd, action, context)
            else:   # spark.python.profile: the whole task under the stage's profiler
                outcome.value = profiler.profile(self._compute, task, rdd, action, context)
        except FetchFailedError as e:
            outcome.status, outcome.error_text = "fetch_failed", str(e)
            outcome.fetch_failure = (e.shuffle_id, e.map_id, e.executor_id)
        except BaseException as e:  # noqa: BLE001 - any failure of user code fails the task, never the executor
            outcome.status = "killed" if task.task_id in self._killed else "exception"
            e.__traceback__ = _user_traceback(e)
            outcome.error, outcome.error_text = e, f"{type(e).__name__}: {e}"
            outcome.traceback_text = "".join(traceback.format_exception(e))
            outcome.traceback_frames = [(f.filename, f.lineno, f.name, f.line)
                                        for f in traceback.extract_tb(e.__traceback__)]
        finally:
            self._stop_interrupts(task.task_id)
            if taken:
                self.resource_pool.release(taken)
            _restore_gc()
            context._mark_completed()
            context._running = False
            TaskContext._set(None)
        metrics = context.taskMetrics()
        metrics.executor_run_time = time.perf_counter() - start
        metrics.result_bytes = len(outcome.value or b"")
        metrics.peak_rss_bytes = _peak_rss()
        outcome.metrics = metrics
        outcome.accumulator_updates = context._accumulator_updates
        outcome.block_updates = self.block_store.drain_updates()
        return outcome

    def _compute(self, task: TaskDescription, rdd, action, context) -> bytes:
        """Run the task's pipeline: write its shuffle output (a map task) or apply the action (a result task)."""
        if task.is_map:
            # A map-side combine calls a trailing map's function itself (saves a call layer per record).
            pending = rdd._before_last_map(task.partition, context) if takes_trailing_map(action) else None
            records, mapped_by = pending or (rdd.iterator(task.partition, context), None)
            sizes, rows, block = self.shuffle.write(action, records, context, mapped_by)
            location = self.store(("shuffle", action.shuffle_id, task.partition), block, StorageLevel.MEMORY_AND_DISK)
            return pickle.dumps((sizes, rows, location))
        return _dumps_result(action(rdd.iterator(task.partition, context)))

    def kill(self, task_id: int) -> None:
        """Interrupt the task if it runs on a thread here (or make it stop before it starts)."""
        with self._lock:
            self._killed[task_id] = None
            while len(self._killed) > _KILLS_REMEMBERED:
                self._killed.popitem(last=False)
            thread = self._threads.get(task_id)
            if thread is not None:
                _raise_in_thread(thread, TaskKilled)

    def _stop_interrupts(self, task_id: int) -> None:
        """The task's code has ended: no kill may reach its thread any more (a pending one is cleared)."""
        with self._lock:
            thread = self._threads.pop(task_id, None)
            if task_id in self._killed and thread is not None:
                _raise_in_thread(thread, None)
            self._killed.pop(task_id, None)

    # -- blocks -------------------------------------------------------------------------------
    def cached_table(self, rdd, split: int, context):
        """The partition's cached Arrow table, from this executor or a peer holding it; None if uncached."""
        block_id = ("rdd", rdd._id, split)
        table = self.block_store.get(block_id)
        if table is not None:
            context.taskMetrics().cache_hits += 1
            return table
        for holder in context._block_locations.get(block_id, ()):
            table = self.peers.get(holder, block_id) if self.peers is not None and holder != self.executor_id else None
            if table is not None:
                context.taskMetrics().remote_cache_hits += 1
                return table
        return None

    def get_or_compute(self, rdd, split: int, context):
        table = self.cached_table(rdd, split, context)
        if table is not None:
            return iter(codec.decode(table))
        block_id = ("rdd", rdd._id, split)
        records = list(rdd.compute(split, context))
        self.store(block_id, codec.encode(records), rdd._storage_level)
        return iter(records)

    def store(self, block_id: tuple, value, level) -> str:
        """Keep a block where this executor's role says (here, or on a core peer for a task
        executor), plus ``replication - 1`` copies on other core executors; return where it lives."""
        wants_peers = self.peers is not None and (self.role == "task" or level.replication > 1)
        peers = self.peers.core_ids(exclude=self.executor_id) if wants_peers else []
        if self.role == "task" and peers:
            home, copies = peers[hash(block_id) % len(peers)], level.replication - 1
            self.block_store.add_updates(self.peers.put(home, block_id, value, level))
            others = [p for p in peers if p != home]
        else:
            home, copies, others = self.executor_id, level.replication - 1, peers
            self.block_store.put(block_id, value, level)
        for peer in others[:max(copies, 0)]:
            self.block_store.add_updates(self.peers.put(peer, block_id, value, level))
        return home

    def read_cached(self, block_id: tuple):
        table = self.block_store.get(block_id)
        return None if table is None else codec.decode(table)

    def fetch_segment(self, executor_id: str, block_id: tuple, reduce_id: int):
        if executor_id == self.executor_id:
            return self.block_store.get_segment(block_id, reduce_id)
        if self._fetch_remote is None:
            return None
        return self._fetch_remote(executor_id, block_id, reduce_id)

    def fetch_broadcast(self, bid: int):
        if self._fetch_broadcast is None:
            raise RuntimeError(f"Broadcast {bid} is not available on executor {self.executor_id}")
        return self._fetch_broadcast(bid)

    def remove_blocks(self, kind: str, owner_id: int) -> None:
        self.block_store.remove_matching(kind, owner_id)

    def stop(self) -> None:
        self.block_store.clear()


def keep_freed_memory() -> None:
    """In an executor or worker process (never the user's driver): keep the memory tasks free for
    the next task. glibc hands freed blocks over a few hundred KB back to the system and faults them
    in again, page by page, at the next allocation: a cached 20 MB block decoded every iteration
    paid 30 ms of page faults each time, ten times the decode itself."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None)
        libc.mallopt(-3, 1 << 30)   # M_MMAP_THRESHOLD: large blocks from the heap, not fresh mappings
        libc.mallopt(-1, 1 << 30)   # M_TRIM_THRESHOLD: keep freed heap memory for reuse
    except (OSError, AttributeError):
        pass


def prepare_task_process(conf) -> None:
    """Set up a process of this machine that runs tasks side by side with others (a local[N] worker,
    a local-cluster executor): freed memory is kept, native libraries use ``spark.task.cpus`` threads."""
    keep_freed_memory()
    limit_native_threads(conf)


_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
_BLAS_SETTERS = ("openblas_set_num_threads", "scipy_openblas_set_num_threads64_", "openblas_set_num_threads64_",
                 "scipy_openblas_set_num_threads")


def limit_native_threads(conf) -> None:
    """In a process that runs tasks side by side with others: native libraries (OpenMP, BLAS) use
    ``spark.task.cpus`` threads, as PySpark sets ``OMP_NUM_THREADS`` for its Python workers, unless
    ``spark.executorEnv.OMP_NUM_THREADS`` says otherwise. Two workers each running a two-thread
    BLAS on two cores took 40 ms for what one thread each does in 26. The variables reach libraries
    loaded later; the OpenBLAS already loaded (numpy's) is told directly."""
    if conf.get("spark.executorEnv.OMP_NUM_THREADS"):
        return
    threads = conf.get_int("spark.task.cpus", 1)
    for name in _THREAD_VARIABLES:
        os.environ[name] = str(threads)
    set_blas_threads(threads)


_blas_threads_set: set = set()
_blas_lock = threading.Lock()


def set_blas_threads(threads: int) -> None:
    """Tell the OpenBLAS loaded in this process (numpy's, under any of its symbol names) to use
    ``threads`` threads; once per process and count."""
    with _blas_lock:
        if (os.getpid(), threads) in _blas_threads_set:
            return
        _blas_threads_set.add((os.getpid(), threads))
        try:
            with open("/proc/self/maps") as maps:
                libraries = {line.split()[-1] for line in maps if "openblas" in line.lower() and ".so" in line}
        except OSError:
            return
        for path in libraries:
            try:
                library = ctypes.CDLL(path)
            except OSError:
                continue
            for setter in _BLAS_SETTERS:
                if hasattr(library, setter):
                    getattr(library, setter)(threads)
                    break


def local_dir(conf) -> str | None:
    """``spark.local.dir`` (the first of a comma-separated list), created if missing as Spark does."""
    value = (conf.get("spark.local.dir") or "").split(",")[0].strip()
    if value:
        os.makedirs(value, exist_ok=True)
    return value or None


def _raise_in_thread(thread_id: int, exception) -> None:
    """Raise ``exception`` (a class) in another thread at its next bytecode; None clears a pending one."""
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id),
                                               ctypes.py_object(exception) if exception else None)


def _peak_rss() -> int:
    """The executor process's peak resident memory (cheap: one getrusage call)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _dumps_result(value) -> bytes:
    try:
        return pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, TypeError, AttributeError):
        return cloudpickle.dumps(value, pickle.HIGHEST_PROTOCOL)

"""The core's developer API: everything the layers above (``sparklite.sql``, streaming, ML, graph,
the shell and the UI) use of the core, and nothing else. docs/developer-api.md describes it.

What it holds:
* jobs: ``run_job`` / ``submit_job`` (a function over chosen partitions, with job properties such
  as the job group, description and ``spark.sql.execution.id``) and ``submit_map_stage`` (the
  map side of a shuffle alone, returning ``MapOutputStatistics``);
* RDD kinds: ``RDD`` to subclass (``getNumPartitions``, ``dependencies``, ``compute`` and the
  ``preferred_locations`` hook), the dependencies, the partitioners, and the columnar kind
  (``ColumnarRDD`` with its comparable ``ColumnPartitioner``, any ``BatchPartitioner`` a layer
  defines, and ``arrow_only`` batch functions that stay on executor threads); Spark's
  ``XORShiftRandom`` and the round-robin ``start_position`` of a map partition;
* inside tasks: ``TaskContext`` and its typed ``TaskMetrics``; ``TaskMemory`` (execution memory from
  the executor's unified pool) and ``ArrowSpillFile`` (record batches spilled to local disk);
  ``task_blas_threads`` (numpy's BLAS held to the task's cores, for a task on an executor's thread),
  ``task_executor_id`` (where the running task runs);
* events: the listener bus's event classes, ``post_event`` for the events a layer posts itself
  (SQL executions) and ``wait_for_listeners``;
* files: ``resolve_path`` (a path or URI, ``s3://`` too, to a ``pyarrow.fs`` filesystem and a path
  on it, configured from the context's ``spark.hadoop.fs.s3a.*`` keys), ``list_input_files``
  (comma-separated paths, directories and globs) and Hadoop-style line splits (``text_splits``,
  ``read_text_split``) for sources that read text;
* configuration: ``check_conf_key``, ``known_conf_key``, ``parse_bytes`` (Spark's sizes, ``128m``);
* extensions: ``on_context_start`` (the web UI and the event log start with every context);
* fault injection for tests and benchmarks: ``crash_executor``.

A layer above imports from here (or from ``sparklite``) only; tests/test_layering.py checks it.
"""
from __future__ import annotations

from sparklite.core.columnar import BatchPartitioner, ColumnarRDD, ColumnPartitioner, ZippedPartitionsRDD, hash_columns
from sparklite.core.conf import KNOWN_KEYS, check_key, parse_bytes
from sparklite.core.context import SparkContext
from sparklite.core.dependencies import (Aggregator, Dependency, ManyToOneDependency, NarrowDependency,
                                         OneToOneDependency, RangeDependency, ShuffleDependency)
from sparklite.core.files import list_input_files, read_text_split, text_splits
from sparklite.core.files import resolve as resolve_path
from sparklite.core.hashing import portable_hash
from sparklite.core.listener import (ApplicationEnd, ApplicationStart, BlockUpdated, EnvironmentUpdate,
                                     ExecutorAdded, ExecutorDecommissioned, ExecutorRemoved, JobEnd, JobStart, SparkListener,
                                     SQLExecutionEnd, SQLExecutionStart, StageCompleted, StageSubmitted,
                                     TaskEnd, TaskStart)
from sparklite.core.metrics import TaskMetrics
from sparklite.core.partitioner import HashPartitioner, Partitioner, RangePartitioner
from sparklite.core.rdd import RDD
from sparklite.core.rdds import MapPartitionsRDD, ShuffledRDD
from sparklite.core.roundrobin import XORShiftRandom, start_position
from sparklite.core.scheduler.map_output import MapOutputStatistics
from sparklite.core.scheduler.stages import JobWaiter
from sparklite.core.spill import ArrowSpillFile, TaskMemory
from sparklite.core.taskcontext import TaskContext

__all__ = [
    "run_job", "submit_job", "submit_map_stage", "is_stopped", "active_context", "check_conf_key", "known_conf_key", "parse_bytes", "post_event", "wait_for_listeners", "crash_executor",
    "on_context_start", "task_blas_threads", "task_executor_id",
    "SparkContext", "RDD", "MapPartitionsRDD", "ShuffledRDD", "ColumnarRDD", "ZippedPartitionsRDD",
    "Dependency", "NarrowDependency", "OneToOneDependency", "RangeDependency", "ManyToOneDependency",
    "ShuffleDependency", "Aggregator", "Partitioner", "HashPartitioner", "RangePartitioner", "ColumnPartitioner",
    "BatchPartitioner", "XORShiftRandom", "start_position",
    "hash_columns", "portable_hash", "JobWaiter", "MapOutputStatistics", "TaskContext", "TaskMetrics",
    "TaskMemory", "ArrowSpillFile",
    "SparkListener", "ApplicationStart", "ApplicationEnd", "JobStart", "JobEnd", "StageSubmitted",
    "StageCompleted", "TaskStart", "TaskEnd", "ExecutorAdded", "ExecutorRemoved", "BlockUpdated",
    "EnvironmentUpdate", "SQLExecutionStart", "SQLExecutionEnd", "ExecutorDecommissioned", "resolve_path",
    "list_input_files", "text_splits", "read_text_split",
]


def run_job(sc: SparkContext, rdd: RDD, func, partitions=None, properties: dict | None = None) -> list:
    """``func(iterator)`` over each of ``partitions`` (all by default); the values in partition order.

    ``properties`` apply to this job only, over the calling thread's local properties.
    """
    return sc.run_job(rdd, func, partitions, properties)


def submit_job(sc: SparkContext, rdd: RDD, func, partitions=None, properties: dict | None = None) -> JobWaiter:
    """Like ``run_job`` without waiting: ``.result(timeout)``, ``.done``, ``.cancel()``, ``.job_id``."""
    return sc.submit_job(rdd, func, partitions, properties)


def submit_map_stage(sc: SparkContext, dependency, properties: dict | None = None) -> JobWaiter:
    """Run the map side of a shuffle (a ``ShuffleDependency`` or a shuffled RDD) alone; the
    waiter's ``result()`` is its ``MapOutputStatistics``."""
    return sc.submit_map_stage(dependency, properties)


def active_context() -> SparkContext | None:
    """The context this process runs, None when there is none (a tool that ends an application,
    ``sparklite submit``, stops what it left running)."""
    return SparkContext._active


def check_conf_key(key: str) -> str:
    """A ``spark.*`` configuration key as it is, or a ValueError naming what is malformed in it."""
    return check_key(key)


def known_conf_key(key: str) -> bool:
    """Whether sparklite reads the key or knows it as a common Spark key (tools warn of others)."""
    return key in KNOWN_KEYS or key.startswith(("spark.sql.", "spark.hadoop.", "spark.executorEnv."))


def is_stopped(sc: SparkContext) -> bool:
    """Whether ``sc.stop()`` has been called (a session holding it must make a new one)."""
    return sc._stopped


def post_event(sc: SparkContext, event) -> None:
    """Post an event a layer produces itself (``SQLExecutionStart``/``End``) to every listener."""
    sc._bus.post(event)


def wait_for_listeners(sc: SparkContext, timeout: float = 10.0) -> bool:
    """Wait until every listener has had every event posted so far; False on timeout."""
    return sc._bus.wait_until_empty(timeout)


def on_context_start(hook) -> None:
    """Call ``hook(sc)`` as every later SparkContext starts, before its first event is posted (so a
    listener it adds hears them all). It returns None or an object whose ``stop()`` the context calls
    once its listener bus has drained at ``sc.stop()``; an object with a ``web_url`` gives
    ``sc.uiWebUrl``. An exception from the hook fails the context's start. Registering the same hook
    twice keeps one."""
    from sparklite.core import context
    if hook not in context._EXTENSION_HOOKS:
        context._EXTENSION_HOOKS.append(hook)


def task_executor_id() -> str | None:
    """Inside a task: the id of the executor running it (the ``executor_id`` listeners hear in
    ``TaskEnd`` and ``preferred_locations`` names), else None. A streaming state store records where
    each partition's state lives with it, so that the next batch's task runs there."""
    context = TaskContext.get()
    executor = getattr(context, "_executor", None) if context is not None else None
    return getattr(executor, "executor_id", None)


def task_blas_threads() -> None:
    """Inside a task: hold this process's BLAS (numpy's OpenBLAS) to the task's cores
    (``spark.task.cpus``), as worker processes already are. A task of whole-matrix numpy work on an
    executor's thread calls it first; otherwise every concurrent task starts a BLAS thread per core and
    they spin against each other (a k-means pass on two cores ran seven times slower)."""
    from sparklite.core.executor import set_blas_threads
    context = TaskContext.get()
    set_blas_threads(context.cpus() if context is not None else 1)


def crash_executor(sc: SparkContext, executor_id: str) -> None:
    """Kill an executor's process abruptly, without telling the scheduler, as a lost machine or a
    reclaimed spot instance would (tests and benchmarks of fault tolerance). The scheduler notices
    the loss itself. Only masters with executors of their own (``ray``, ``local-cluster``)."""
    sc._backend.crash_executor(executor_id)


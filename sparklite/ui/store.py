"""The application's status as the UI, the REST API and the history server show it, built from the
listener bus's events alone.

Contract: ``AppStatusStore`` is a ``SparkListener``; a live application feeds it on the bus's own
thread, the history server by replaying an event log (``eventlog.replay``). Readers (the web
server's threads) take ``store.lock`` and read the tables below; nothing else writes them.

State, each table bounded by Spark's retention keys so that nothing grows per job:
* ``app``: id, name, user, start and end time; ``environment``: Spark and system properties;
* ``jobs`` (job id -> ``JobData``, the last ``spark.ui.retainedJobs``), with task and stage counts;
* ``stages`` ((stage id, attempt) -> ``StageData``, the last ``spark.ui.retainedStages``): the RDDs
  the stage computes (its DAG), task counts, summed metrics and its ``tasks`` (task id ->
  ``TaskData``, the last ``spark.ui.retainedTasks`` of the stage);
* ``executors`` (id -> ``ExecutorData``): live ones, and the last ``spark.ui.retainedDeadExecutors``
  removed ones;
* ``rdds`` (RDD id -> ``RDDStorage``): every RDD with a cached block, its blocks per executor;
* ``sql`` (execution id -> ``SQLExecutionData``, the last ``spark.sql.ui.retainedExecutions``).
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from sparklite.core.api import SparkListener, TaskMetrics

# the task metrics the stage page summarises (min / quartiles / max), with their column titles
SUMMARY_METRICS = [("duration", "Duration"), ("executor_run_time", "Run Time"),
                   ("result_bytes", "Result Size"), ("shuffle_read_bytes", "Shuffle Read"),
                   ("shuffle_read_records", "Shuffle Read Records"), ("shuffle_write_bytes", "Shuffle Write"),
                   ("shuffle_write_records", "Shuffle Write Records"), ("spilled_bytes", "Spill (Disk)"),
                   ("peak_rss_bytes", "Peak Memory")]
_SUMMED = ["executor_run_time", "shuffle_read_bytes", "shuffle_read_records", "shuffle_write_bytes",
           "shuffle_write_records", "spilled_bytes", "result_bytes"]


@dataclass
class JobData:
    job_id: int
    submission_time: float
    stage_ids: list
    description: str | None
    group: str | None
    sql_execution_id: str | None
    call_site: str | None = None            # the action that ran it: ``collect at app.py:12``
    status: str = "RUNNING"                 # RUNNING, SUCCEEDED, FAILED
    completion_time: float | None = None
    error: str | None = None
    num_tasks: int = 0                      # of the stages it submitted
    active_tasks: int = 0
    completed_tasks: int = 0
    failed_tasks: int = 0
    killed_tasks: int = 0
    completed_stages: set = field(default_factory=set)
    failed_stages: set = field(default_factory=set)
    active_stages: set = field(default_factory=set)

    @property
    def skipped_stages(self) -> list:
        """The job's stages that never ran in it (their output existed), once it ended."""
        if self.status == "RUNNING":
            return []
        ran = self.completed_stages | self.failed_stages | self.active_stages
        return [s for s in self.stage_ids if s not in ran]


@dataclass
class TaskData:
    task_id: int
    partition: int
    attempt: int
    executor_id: str
    launch_time: float
    status: str = "RUNNING"                 # RUNNING, SUCCESS, FAILED, KILLED
    finish_time: float | None = None
    metrics: TaskMetrics | None = None
    error: str | None = None


@dataclass
class StageData:
    stage_id: int
    attempt: int
    name: str
    num_tasks: int
    submission_time: float
    parent_ids: list
    rdds: list                              # the RDDs it computes: dicts (see ``lineage.stage_rdds``)
    job_ids: list = field(default_factory=list)
    status: str = "ACTIVE"                  # ACTIVE, COMPLETE, FAILED
    completion_time: float | None = None
    failure_reason: str | None = None
    active_tasks: int = 0
    completed_tasks: int = 0
    failed_tasks: int = 0
    killed_tasks: int = 0
    totals: dict = field(default_factory=lambda: dict.fromkeys(_SUMMED, 0))
    tasks: OrderedDict = field(default_factory=OrderedDict)


@dataclass
class ExecutorData:
    executor_id: str
    host: str
    cores: int
    add_time: float
    active: bool = True
    decommissioned: bool = False
    remove_time: float | None = None
    remove_reason: str | None = None
    active_tasks: int = 0
    completed_tasks: int = 0
    failed_tasks: int = 0
    task_time: float = 0.0
    shuffle_read_bytes: int = 0
    shuffle_write_bytes: int = 0


@dataclass
class RDDStorage:
    rdd_id: int
    name: str
    storage_level: str
    num_partitions: int
    blocks: dict = field(default_factory=dict)   # (executor id, partition) -> (memory bytes, disk bytes)

    def memory_bytes(self) -> int:
        return sum(m for m, _ in self.blocks.values())

    def disk_bytes(self) -> int:
        return sum(d for _, d in self.blocks.values())

    def by_executor(self) -> dict:
        """executor id -> [partitions, memory bytes, disk bytes]."""
        out: dict = {}
        for (executor_id, _), (memory, disk) in self.blocks.items():
            row = out.setdefault(executor_id, [0, 0, 0])
            row[0] += 1
            row[1] += memory
            row[2] += disk
        return out


@dataclass
class SQLExecutionData:
    execution_id: str
    description: str
    physical_plan: str
    submission_time: float
    completion_time: float | None = None
    error: str | None = None
    job_ids: list = field(default_factory=list)
    plan_nodes: list = field(default_factory=list)   # {id, name, detail, children}
    rows: dict = field(default_factory=dict)         # plan node id -> output rows, once it ended

    @property
    def status(self) -> str:
        if self.completion_time is None:
            return "RUNNING"
        return "FAILED" if self.error else "COMPLETED"


def _retention(conf: dict, key: str, default: int) -> int:
    try:
        return max(int(conf.get(key, default)), 1)
    except (TypeError, ValueError):
        return default


def _trim(table: OrderedDict, keep: int) -> None:
    while len(table) > keep:
        table.popitem(last=False)


class AppStatusStore(SparkListener):
    def __init__(self, conf: dict | None = None):
        conf = conf or {}
        self.lock = threading.Lock()
        self.app = {"id": None, "name": None, "user": None, "start": None, "end": None}
        self.environment = {"spark": {}, "system": {}}
        self.jobs: OrderedDict[int, JobData] = OrderedDict()
        self.stages: OrderedDict[tuple, StageData] = OrderedDict()
        self.executors: OrderedDict[str, ExecutorData] = OrderedDict()
        self.rdds: dict[int, RDDStorage] = {}
        self.sql: OrderedDict[str, SQLExecutionData] = OrderedDict()
        self._rdd_info: OrderedDict[int, dict] = OrderedDict()   # RDD id -> its info from a stage
        self._stage_jobs: dict[int, list] = {}                      # stage id -> ids of jobs using it
        self.configure(conf)

    def configure(self, conf: dict) -> None:
        """Take the retention limits from ``conf`` (Spark's keys and defaults)."""
        self.retained_jobs = _retention(conf, "spark.ui.retainedJobs", 1000)
        self.retained_stages = _retention(conf, "spark.ui.retainedStages", 1000)
        self.retained_tasks = _retention(conf, "spark.ui.retainedTasks", 100_000)
        self.retained_dead_executors = _retention(conf, "spark.ui.retainedDeadExecutors", 100)
        self.retained_executions = _retention(conf, "spark.sql.ui.retainedExecutions", 1000)

    # -- application ------------------------------------------------------------------------------
    def onApplicationStart(self, e):
        with self.lock:
            self.app.update(id=e.app_id, name=e.app_name, user=e.user, start=e.time)

    def onApplicationEnd(self, e):
        with self.lock:
            self.app["end"] = e.time

    def onEnvironmentUpdate(self, e):
        with self.lock:
            self.environment = {"spark": dict(e.spark_properties), "system": dict(e.system_properties)}
            self.configure(self.environment["spark"])

    # -- jobs -------------------------------------------------------------------------------------
    def onJobStart(self, e):
        with self.lock:
            self.jobs[e.job_id] = JobData(e.job_id, e.time, list(e.stage_ids), e.description, e.job_group,
                                          e.sql_execution_id, e.properties.get("callSite.short"))
            for stage_id in e.stage_ids:
                self._stage_jobs.setdefault(stage_id, []).append(e.job_id)
            if e.sql_execution_id is not None and e.sql_execution_id in self.sql:
                self.sql[e.sql_execution_id].job_ids.append(e.job_id)
            while len(self.jobs) > self.retained_jobs:
                _, old = self.jobs.popitem(last=False)
                self._forget_job_stages(old)

    def _forget_job_stages(self, job: JobData) -> None:
        for stage_id in job.stage_ids:
            users = self._stage_jobs.get(stage_id)
            if users is not None:
                users[:] = [j for j in users if j != job.job_id]
                if not users:
                    del self._stage_jobs[stage_id]

    def onJobEnd(self, e):
        with self.lock:
            job = self.jobs.get(e.job_id)
            if job is not None:
                job.status = "SUCCEEDED" if e.succeeded else "FAILED"
                job.completion_time, job.error = e.time, e.error

    def _jobs_of(self, stage_id: int) -> list[JobData]:
        return [self.jobs[j] for j in self._stage_jobs.get(stage_id, ()) if j in self.jobs]

    def _running_jobs(self, stage: StageData) -> list[JobData]:
        """The running jobs a stage attempt was submitted for."""
        jobs = self.jobs
        return [jobs[j] for j in stage.job_ids if j in jobs and jobs[j].status == "RUNNING"]

    # -- stages and tasks ---------------------------------------------------------------------------
    def onStageSubmitted(self, e):
        with self.lock:
            jobs = self._jobs_of(e.stage_id)
            stage = StageData(e.stage_id, e.attempt, e.name, e.num_tasks, e.time, list(e.parent_ids),
                              list(e.rdds), [j.job_id for j in jobs if j.status == "RUNNING"])
            self.stages[(e.stage_id, e.attempt)] = stage
            _trim(self.stages, self.retained_stages)
            for info in e.rdds:
                self._rdd_info[info["id"]] = info
            _trim(self._rdd_info, 10 * self.retained_stages)
            for job in jobs:
                if job.status == "RUNNING":
                    job.active_stages.add(e.stage_id)
                    job.num_tasks += e.num_tasks

    def onStageCompleted(self, e):
        if e.skipped:          # it never ran in this job: the job's skipped stages say so
            return
        with self.lock:
            stage = self.stages.get((e.stage_id, e.attempt))
            if stage is None:
                return
            stage.completion_time = e.time
            stage.failure_reason = e.failure_reason
            stage.status = "FAILED" if e.failure_reason else "COMPLETE"
            for job in self._jobs_of(e.stage_id):
                if e.stage_id in job.active_stages:
                    job.active_stages.discard(e.stage_id)
                    (job.failed_stages if e.failure_reason else job.completed_stages).add(e.stage_id)

    def onTaskStart(self, e):
        with self.lock:
            stage = self.stages.get((e.stage_id, e.stage_attempt))
            if stage is not None:
                stage.active_tasks += 1
                stage.tasks[e.task_id] = TaskData(e.task_id, e.partition, e.attempt, e.executor_id, e.time)
                if len(stage.tasks) > self.retained_tasks:
                    stage.tasks.popitem(last=False)
                for job in self._running_jobs(stage):
                    job.active_tasks += 1
            executor = self.executors.get(e.executor_id)
            if executor is not None:
                executor.active_tasks += 1

    def onTaskEnd(self, e):
        status = {"success": "SUCCESS", "killed": "KILLED"}.get(e.reason, "FAILED")
        counter = {"SUCCESS": "completed_tasks", "KILLED": "killed_tasks"}.get(status, "failed_tasks")
        with self.lock:
            stage = self.stages.get((e.stage_id, e.stage_attempt))
            if stage is not None:
                stage.active_tasks = max(stage.active_tasks - 1, 0)
                setattr(stage, counter, getattr(stage, counter) + 1)
                for name in _SUMMED:
                    stage.totals[name] += getattr(e.metrics, name)
                task = stage.tasks.get(e.task_id)
                if task is not None:
                    task.status, task.finish_time, task.metrics, task.error = status, e.time, e.metrics, e.error
                for job in self._running_jobs(stage):
                    job.active_tasks = max(job.active_tasks - 1, 0)
                    setattr(job, counter, getattr(job, counter) + 1)
            executor = self.executors.get(e.executor_id)
            if executor is not None:
                executor.active_tasks = max(executor.active_tasks - 1, 0)
                if status == "SUCCESS":
                    executor.completed_tasks += 1
                elif status == "FAILED":
                    executor.failed_tasks += 1
                executor.task_time += e.metrics.duration
                executor.shuffle_read_bytes += e.metrics.shuffle_read_bytes
                executor.shuffle_write_bytes += e.metrics.shuffle_write_bytes

    # -- executors and storage ----------------------------------------------------------------------
    def onExecutorAdded(self, e):
        with self.lock:
            self.executors[e.executor_id] = ExecutorData(e.executor_id, e.host, e.cores, e.time)

    def onExecutorDecommissioned(self, e):
        with self.lock:
            executor = self.executors.get(e.executor_id)
            if executor is not None:
                executor.decommissioned = True

    def onExecutorRemoved(self, e):
        with self.lock:
            executor = self.executors.get(e.executor_id)
            if executor is None:
                return
            executor.active, executor.remove_time, executor.remove_reason = False, e.time, e.reason
            self.executors.move_to_end(e.executor_id)
            dead = [x for x, data in self.executors.items() if not data.active]
            for executor_id in dead[:max(len(dead) - self.retained_dead_executors, 0)]:
                del self.executors[executor_id]
            for rdd in list(self.rdds.values()):
                for key in [k for k in rdd.blocks if k[0] == e.executor_id]:
                    del rdd.blocks[key]
                if not rdd.blocks:
                    del self.rdds[rdd.rdd_id]

    def onBlockUpdated(self, e):
        if not (len(e.block_id) == 3 and e.block_id[0] == "rdd") or self.app["end"] is not None:
            return             # what the executors drop as the application stops: history shows what was cached
        _, rdd_id, partition = e.block_id
        with self.lock:
            rdd = self.rdds.get(rdd_id)
            if e.memory_bytes == 0 and e.disk_bytes == 0:
                if rdd is not None:
                    rdd.blocks.pop((e.executor_id, partition), None)
                    if not rdd.blocks:
                        del self.rdds[rdd_id]
                return
            if rdd is None:
                info = self._rdd_info.get(rdd_id, {})
                rdd = self.rdds[rdd_id] = RDDStorage(rdd_id, info.get("name", f"RDD {rdd_id}"),
                                                     info.get("storage_level", ""), info.get("num_partitions", 0))
            rdd.blocks[(e.executor_id, partition)] = (e.memory_bytes, e.disk_bytes)

    def executor_storage(self, executor_id: str) -> tuple[int, int]:
        """(memory bytes, disk bytes) of cached blocks an executor holds; call with the lock held."""
        memory = disk = 0
        for rdd in self.rdds.values():
            for (holder, _), (m, d) in rdd.blocks.items():
                if holder == executor_id:
                    memory, disk = memory + m, disk + d
        return memory, disk

    # -- SQL --------------------------------------------------------------------------------------
    def onSQLExecutionStart(self, e):
        with self.lock:
            self.sql[e.execution_id] = SQLExecutionData(e.execution_id, e.description, e.physical_plan, e.time,
                                                        plan_nodes=list(e.plan_nodes))
            _trim(self.sql, self.retained_executions)

    def onSQLExecutionEnd(self, e):
        with self.lock:
            execution = self.sql.get(e.execution_id)
            if execution is not None:
                execution.completion_time, execution.error = e.time, e.error
                execution.rows = {int(k): v for k, v in e.rows.items()}

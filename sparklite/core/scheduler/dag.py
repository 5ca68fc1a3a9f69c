"""The DAG scheduler: jobs -> stages -> tasks, on one event-loop thread.

How it works (Spark's algorithm, ported from its ``DAGScheduler``):
* ``submit_job`` posts ``JobSubmitted``. The final RDD's lineage is walked back through narrow
  dependencies to the nearest shuffle dependencies; each becomes a ``ShuffleMapStage`` keyed by
  shuffle id (created ancestors first), so every job reaching the same shuffle shares its map stage.
* ``_submit_stage`` submits a stage whose parents are available, otherwise submits the missing
  parents and parks the stage in ``_waiting``. A parent is missing unless its map outputs all exist;
  lineage behind a fully cached RDD is not consulted, so cached data cuts stages off.
* ``_submit_missing_tasks`` pickles the stage's task binary once and queues a ``TaskSet`` of just the
  missing partitions and hands it to the task scheduler (``scheduler/tasks.py``), which offers
  free executor slots, preferring executors that hold a partition's cached block.
* ``_on_task_end`` merges accumulators and block updates, records map outputs or job results, retries
  failed tasks up to ``spark.task.maxFailures``, and on a fetch failure unregisters the lost map
  output and resubmits only the missing map partitions, giving up after
  ``spark.stage.maxConsecutiveAttempts`` failed attempts of a stage.
* Executor loss unregisters its map outputs and cached blocks and reruns its running tasks.

State (touched only by the event thread, so no locks): ``_jobs`` (active jobs by id),
``_stages`` (stage id -> stage), ``_shuffle_stages`` (shuffle id -> map stage), ``_waiting``,
``_running``, ``_failed`` (stage sets), ``_job_stages`` (job id -> its stages); the task scheduler
``tasks`` holds the executors' slots, the live task sets and the running tasks. ``assert_idle()``
checks that everything but executors and map outputs is empty after jobs end, as Spark's
DAGSchedulerSuite does.
The loop runs on its own thread (``start``) or, in tests, synchronously (``run_until_idle``).
"""
from __future__ import annotations

import itertools
import logging
import pickle
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass

from sparklite.core import accumulators, barrier, lineage
from sparklite.core import listener as ev
from sparklite.core.dependencies import ShuffleDependency
from sparklite.core.errors import (JobCancelledError, ResultTooLargeError, SparkJobError, remote_traceback,
                                   TaskNotSerializableError)
from sparklite.core.eventloop import EventLoop
from sparklite.core.scheduler import taskbinary
from sparklite.core.scheduler.map_output import MapOutputTracker
from sparklite.core.scheduler.stages import (ActiveJob, JobWaiter, ResultStage, ShuffleMapStage,
                                             TaskDescription, TaskOutcome)
from sparklite.core.scheduler.tasks import Revive, TaskScheduler
from sparklite.core.scheduler.tasksets import RunningTask, TaskSet

log = logging.getLogger("sparklite.scheduler")


@dataclass
class JobSubmitted:
    job_id: int
    rdd: object
    func: object
    partitions: list
    waiter: JobWaiter
    properties: dict


@dataclass
class MapStageSubmitted:
    job_id: int
    dependency: ShuffleDependency
    waiter: JobWaiter
    properties: dict


@dataclass
class TaskEnded:
    executor_id: str
    outcome: TaskOutcome


@dataclass
class ExecutorAdded:
    executor_id: str
    cores: int
    slots: int | None = None     # tasks it runs at once, if not cores / spark.task.cpus (resources)
    host: str = ""               # where it runs (the UI's executors page)


@dataclass
class ExecutorLost:
    executor_id: str
    reason: str


@dataclass
class CancelJobs:
    job_id: int | None = None
    group: str | None = None
    tag: str | None = None
    reason: str = "cancelled"

    def matches(self, job_id: int, properties: dict) -> bool:
        if self.job_id is None and self.group is None and self.tag is None:
            return True
        tags = (properties.get("spark.job.tags") or "").split(",")
        return (self.job_id == job_id or (self.group is not None and self.group == properties.get("spark.jobGroup.id"))
                or (self.tag is not None and self.tag in tags))


@dataclass
class Call:
    fn: object
    future: Future


class _ResubmitFailedStages:
    pass


class _CheckSpeculation:
    pass


class DAGScheduler:
    def __init__(self, backend, bus, conf, block_registry, tracker: MapOutputTracker | None = None,
                 profiler_for=None):
        self.backend = backend
        self.profiler_for = profiler_for     # rdd -> the profiler its tasks run under (spark.python.profile)
        self.bus = bus
        self.registry = block_registry      # fed by the BlockUpdated events posted here
        bus.add_listener(block_registry, synchronous=True)
        self.tracker = tracker or MapOutputTracker()
        self.max_failures = conf.get_int("spark.task.maxFailures")
        self.task_cpus = conf.get_int("spark.task.cpus", 1)
        self.max_stage_attempts = conf.get_int("spark.stage.maxConsecutiveAttempts")
        self.max_result_size = conf.get_bytes("spark.driver.maxResultSize")
        self.speculation = conf.get_bool("spark.speculation", False)
        self.speculation_interval = conf.get_seconds("spark.speculation.interval", "100ms")
        self._events = EventLoop("sparklite-dag-scheduler", self._handle)
        self._job_ids = itertools.count()
        self._stage_ids = itertools.count()
        self._binary_ids = itertools.count()
        self._jobs: dict[int, ActiveJob] = {}
        self._job_stages: dict[int, set] = {}
        self._stages: dict[int, object] = {}
        self._shuffle_stages: dict[int, ShuffleMapStage] = {}
        self._waiting: set = set()
        self._running: set = set()
        self._failed: set = set()
        self._resubmit_posted = False
        self.tasks = TaskScheduler(backend, conf, self._describe_task, self.post)

    # -- the event loop -----------------------------------------------------------------------
    def start(self) -> None:
        self._events.start()
        if self.speculation:
            threading.Thread(target=self._speculation_ticks, name="sparklite-speculation", daemon=True).start()

    def _speculation_ticks(self) -> None:
        while self._events.running:
            time.sleep(self.speculation_interval)
            self.post(_CheckSpeculation())

    def stop(self) -> None:
        self._events.stop()

    def post(self, event) -> None:
        self._events.post(event)

    def run_until_idle(self) -> None:
        """Process every queued event on the calling thread (tests drive the scheduler this way)."""
        self._events.run_until_idle()

    def _handle(self, event) -> None:
        try:
            if isinstance(event, TaskEnded):
                self._on_task_end(event.executor_id, event.outcome)
            elif isinstance(event, JobSubmitted):
                self._on_job_submitted(event)
            elif isinstance(event, MapStageSubmitted):
                self._on_map_stage_submitted(event)
            elif isinstance(event, ExecutorAdded):
                slots = event.slots if event.slots is not None else event.cores // self.task_cpus
                self.tasks.add_executor(event.executor_id, slots)
                self.bus.post(ev.ExecutorAdded(event.executor_id, event.cores, time.time(), event.host))
            elif isinstance(event, ExecutorLost):
                self._on_executor_lost(event.executor_id, event.reason)
            elif isinstance(event, CancelJobs):
                self._on_cancel(event)
            elif isinstance(event, _ResubmitFailedStages):
                self._on_resubmit_failed_stages()
            elif isinstance(event, Revive):
                self.tasks.revived()
            elif isinstance(event, _CheckSpeculation):
                self.tasks.check_speculation()
            elif isinstance(event, Call):
                try:
                    event.future.set_result(event.fn())
                except Exception as e:  # handed back to the caller of ``call``
                    event.future.set_exception(e)
            self.tasks.launch()
        except Exception as e:  # a scheduler bug must fail jobs, never hang them
            log.exception("DAG scheduler error")
            for job in list(self._jobs.values()):
                self._fail_job(job, SparkJobError(f"Internal scheduler error: {e!r}"))

    def call(self, fn):
        """Run ``fn`` on the scheduler thread and return its result."""
        future: Future = Future()
        self.post(Call(fn, future))
        if not self._events.running:
            self.run_until_idle()
        return future.result()

    # -- jobs ---------------------------------------------------------------------------------
    def submit_job(self, rdd, func, partitions: list, properties: dict) -> JobWaiter:
        n = rdd.getNumPartitions()
        for p in partitions:
            if not 0 <= p < n:
                raise ValueError(f"Attempting to access a non-existent partition: {p}. "
                                 f"Total number of partitions: {n}")
        job_id = next(self._job_ids)
        waiter = JobWaiter(len(partitions))
        waiter.job_id = job_id
        self.post(JobSubmitted(job_id, rdd, func, list(partitions), waiter, dict(properties)))
        return waiter

    def submit_map_stage(self, dependency: ShuffleDependency, properties: dict) -> JobWaiter:
        """A job that runs only the map side of ``dependency``; its result is ``MapOutputStatistics``."""
        job_id = next(self._job_ids)
        waiter = JobWaiter(1, single_value=True)
        waiter.job_id = job_id
        self.post(MapStageSubmitted(job_id, dependency, waiter, dict(properties)))
        return waiter

    def _on_map_stage_submitted(self, e: MapStageSubmitted) -> None:
        try:
            stage = self._map_stage(e.dependency, e.job_id)
        except Exception as error:
            e.waiter.finish(error)
            return
        self._activate_job(ActiveJob(e.job_id, stage, e.waiter, e.properties))
        stage.map_stage_jobs.append(e.job_id)
        if stage.is_available():
            self._map_stage_jobs_done(stage)
        else:
            self._submit_stage(stage)

    def _map_stage_jobs_done(self, stage: ShuffleMapStage) -> None:
        statistics = None
        for job_id in stage.map_stage_jobs:
            job = self._jobs.get(job_id)
            if job is not None:
                statistics = statistics or self.tracker.statistics(stage.shuffle_dep.shuffle_id)
                job.waiter.results[0] = statistics
                self._finish_job(job)
        stage.map_stage_jobs.clear()

    def _activate_job(self, job: ActiveJob) -> None:
        self._jobs[job.job_id] = job
        stages = self._stages_of(job.final_stage)
        self._job_stages[job.job_id] = stages
        for s in stages:
            s.job_ids.add(job.job_id)
        props = job.properties
        self.bus.post(ev.JobStart(job.job_id, time.time(), sorted(s.id for s in stages), props,
                                  props.get("spark.jobGroup.id"), props.get("spark.job.description"),
                                  props.get("spark.sql.execution.id")))

    def _on_job_submitted(self, e: JobSubmitted) -> None:
        try:
            parents = self._parent_stages(e.rdd, e.job_id)
            if barrier.stage_is_barrier(e.rdd):
                barrier.check_chain(e.rdd, e.partitions)
        except Exception as error:
            e.waiter.finish(error)
            return
        stage = ResultStage(next(self._stage_ids), e.rdd, e.func, e.partitions, parents, e.job_id)
        self._add_stage(stage)
        job = ActiveJob(e.job_id, stage, e.waiter, e.properties)
        stage.job = job
        self._activate_job(job)
        if not e.partitions:
            self._finish_job(job)
            return
        self._submit_stage(stage)

    def _stages_of(self, stage) -> set:
        seen, stack = set(), [stage]
        while stack:
            s = stack.pop()
            if s not in seen:
                seen.add(s)
                stack.extend(s.parents)
        return seen

    def _finish_job(self, job: ActiveJob, error: BaseException | None = None) -> None:
        if error is None:   # stages of the job whose output was there already: skipped, as Spark's UI says
            for stage in sorted(self._job_stages.get(job.job_id, ()), key=lambda s: s.id):
                if stage.id not in job.ran_stages:
                    self.bus.post(ev.StageCompleted(stage.id, stage.attempt, stage.name, stage.num_tasks,
                                                    time.time(), None, skipped=True))
        self.bus.post(ev.JobEnd(job.job_id, time.time(), error is None, None if error is None else str(error)))
        self._cleanup_job(job)
        job.waiter.finish(error)

    def _fail_job(self, job: ActiveJob, error: BaseException) -> None:
        if job.job_id in self._jobs:
            self._finish_job(job, error)

    def _cleanup_job(self, job: ActiveJob) -> None:
        self._jobs.pop(job.job_id, None)
        for stage in self._job_stages.pop(job.job_id, ()):
            stage.job_ids.discard(job.job_id)
            if stage.job_ids:
                continue
            if stage in self._running:
                self.bus.post(ev.StageCompleted(stage.id, stage.attempt, stage.name, stage.num_tasks,
                                                time.time(), "job ended"))
            for group in (self._running, self._waiting, self._failed):
                group.discard(stage)
            self._stages.pop(stage.id, None)
            if isinstance(stage, ShuffleMapStage):
                self._shuffle_stages.pop(stage.shuffle_dep.shuffle_id, None)
            self.tasks.end_stage(stage)

    # -- stages -------------------------------------------------------------------------------
    def _add_stage(self, stage) -> None:
        stage.barrier = barrier.stage_is_barrier(stage.rdd)
        self._stages[stage.id] = stage

    @property
    def stage_graph(self):
        """The stages of the active jobs and their parent edges, as a networkx DiGraph, for ordering
        and drawing; derived from ``_stages`` when asked (nothing kept per job)."""
        import networkx as nx
        graph = nx.DiGraph()
        for stage in list(self._stages.values()):
            graph.add_node(stage.id, name=stage.name, kind=type(stage).__name__)
            graph.add_edges_from((parent.id, stage.id) for parent in stage.parents)
        return graph

    def _parent_stages(self, rdd, job_id: int) -> list:
        return [self._map_stage(dep, job_id) for dep in lineage.shuffle_dependencies(rdd)]

    def _map_stage(self, dep: ShuffleDependency, job_id: int) -> ShuffleMapStage:
        stage = self._shuffle_stages.get(dep.shuffle_id)
        if stage is None:
            parents = self._parent_stages(dep.rdd, job_id)
            if barrier.stage_is_barrier(dep.rdd):
                barrier.check_chain(dep.rdd, None)
            stage = ShuffleMapStage(next(self._stage_ids), dep.rdd, parents, job_id, dep, self.tracker)
            self.tracker.register_shuffle(dep.shuffle_id, dep.num_maps)
            self._shuffle_stages[dep.shuffle_id] = stage
            self._add_stage(stage)
        return stage

    def _fully_cached(self, rdd) -> bool:
        if not rdd.is_cached:
            return False
        n = rdd.getNumPartitions()
        return n > 0 and len(self.registry.cached_partitions(rdd._id)) == n

    def _missing_parent_stages(self, stage) -> list:
        """The parent stages whose output is missing; lineage behind a fully cached RDD is not read."""
        parents = (self._map_stage(dep, stage.first_job_id)
                   for dep in lineage.shuffle_dependencies(stage.rdd, stop=self._fully_cached))
        return [parent for parent in parents if not parent.is_available()]

    def _submit_stage(self, stage) -> None:
        if stage in self._waiting or stage in self._running or stage in self._failed:
            return
        missing = self._missing_parent_stages(stage)
        if not missing:
            self._submit_missing_tasks(stage)
            return
        for parent in sorted(missing, key=lambda s: s.id):
            self._submit_stage(parent)
        if stage.id in self._stages:    # a parent that failed at once (unserializable) ended its jobs
            self._waiting.add(stage)

    def _submit_missing_tasks(self, stage) -> None:
        if stage.barrier and isinstance(stage, ShuffleMapStage):   # a barrier stage always runs whole
            self.tracker.unregister_all(stage.shuffle_dep.shuffle_id)
        partitions = stage.missing_partitions()
        if stage.barrier and len(partitions) > self.tasks.total_slots():
            self._abort_stage(stage, barrier.BarrierJobSlotsNumberCheckFailed(
                f"{barrier.SLOTS_ERROR} (this barrier stage needs {len(partitions)} slots; the cluster has "
                f"{self.tasks.total_slots()})"))
            return
        stage.attempt += 1
        stage.pending = set(partitions)
        self._running.add(stage)
        for job_id in stage.job_ids:
            job = self._jobs.get(job_id)
            if job is not None:
                job.ran_stages.add(stage.id)
        self.bus.post(ev.StageSubmitted(stage.id, stage.attempt, stage.name, len(partitions),
                                        [p.id for p in stage.parents], time.time(), lineage.stage_rdds(stage.rdd)))
        if not partitions:
            self._stage_done(stage)
            return
        try:
            action = stage.shuffle_dep if isinstance(stage, ShuffleMapStage) else stage.func
            profiler = self.profiler_for(stage.rdd) if self.profiler_for is not None else None
            payload = (stage.rdd, action, profiler)
            binary = taskbinary.serialize(payload, stage.rdd)
        except TaskNotSerializableError as error:
            self._abort_stage(stage, error)
            return
        in_process = taskbinary.arrow_only(stage.rdd, action) and profiler is None
        preferred = {}
        if len(self.tasks.live_executors()) > 1:
            preferred = {p: locs for p in partitions if (locs := self._preferred_locations(stage.rdd, p))}
        self.tasks.submit(TaskSet(stage, stage.attempt, partitions, next(self._binary_ids), binary,
                                  self.max_failures, preferred, in_process, stage.barrier))

    def _preferred_locations(self, rdd, split: int) -> list:
        """Where a partition should run: the nearest cached copy of it or of a partition it reads,
        else the nearest RDD kind's own preference (``RDD.preferred_locations``)."""
        for r, s in lineage.partition_ancestors(rdd, split):
            locs = self.registry.locations(("rdd", r._id, s)) if r.is_cached else []
            locs = locs or [executor for executor in r.preferred_locations(s) if self.tasks.is_live(executor)]
            if locs:
                return locs
        return []

    def _stage_done(self, stage, failure: str | None = None) -> None:
        self._running.discard(stage)
        self.bus.post(ev.StageCompleted(stage.id, stage.attempt, stage.name, stage.num_tasks, time.time(), failure))
        if failure is None:
            if isinstance(stage, ShuffleMapStage) and stage.map_stage_jobs and stage.is_available():
                self._map_stage_jobs_done(stage)
            for child in sorted(self._waiting, key=lambda s: (s.first_job_id, s.id)):
                if stage in child.parents:
                    self._waiting.discard(child)
                    self._submit_stage(child)

    def _abort_stage(self, stage, error: BaseException) -> None:
        if stage in self._running:   # listeners see the stage end with the reason its jobs failed
            self._running.discard(stage)
            self.bus.post(ev.StageCompleted(stage.id, stage.attempt, stage.name, stage.num_tasks, time.time(),
                                            str(error) or type(error).__name__))
        for job_id in sorted(stage.job_ids):
            job = self._jobs.get(job_id)
            if job is not None:
                self._fail_job(job, error)

    def _on_resubmit_failed_stages(self) -> None:
        self._resubmit_posted = False
        failed, self._failed = sorted(self._failed, key=lambda s: (s.first_job_id, s.id)), set()
        for stage in failed:
            if stage.job_ids:
                self._submit_stage(stage)

    # -- tasks --------------------------------------------------------------------------------
    def _describe_task(self, ts: TaskSet, partition: int, executor_id: str, task_id: int, attempt: int,
                       barrier_addresses=()) -> TaskDescription:
        """Everything an executor needs to run one attempt of ``partition`` of ``ts``'s stage."""
        stage = ts.stage
        job = getattr(stage, "job", None)
        properties = job.properties if job is not None else self._jobs[min(stage.job_ids)].properties
        # the shuffles a task reads are its stage's parents' (no lineage walk per task)
        shuffles = {p.shuffle_dep.shuffle_id: self.tracker.locations(p.shuffle_dep.shuffle_id)
                    for p in stage.parents}
        self.bus.post(ev.TaskStart(stage.id, ts.attempt, task_id, partition, attempt, executor_id, time.time()))
        blocks = {}
        if len(self.tasks.executors) > 1:
            self._cached_block_locations(stage.rdd, partition, blocks)
        return TaskDescription(task_id, stage.id, ts.attempt, partition, attempt, ts.binary_id, ts.binary,
                               isinstance(stage, ShuffleMapStage), shuffles, properties, blocks,
                               ts.in_process, len(barrier_addresses), list(barrier_addresses))

    def _cached_block_locations(self, rdd, split: int, out: dict) -> None:
        """Where the cached blocks a task may read live, so it can read them remotely, not recompute."""
        # a partition found cached is not looked past (``stop`` runs after the loop body saw it)
        for r, s in lineage.partition_ancestors(rdd, split, stop=lambda r, s: ("rdd", r._id, s) in out):
            locations = self.registry.locations(("rdd", r._id, s)) if r.is_cached else []
            if locations:
                out[("rdd", r._id, s)] = locations

    def _on_task_end(self, executor_id: str, outcome: TaskOutcome) -> None:
        self._post_block_updates(outcome.block_updates)
        task = self.tasks.task_ended(outcome.task_id, executor_id)
        if task is None:
            return
        ts, stage = task.taskset, task.taskset.stage
        status = "killed" if task.killed and outcome.status != "success" else outcome.status
        outcome.metrics.duration = time.time() - task.start
        self.bus.post(ev.TaskEnd(stage.id, ts.attempt, task.task_id, task.partition, task.attempt, executor_id,
                                 time.time(), status, outcome.metrics,
                                 outcome.error_text or None))
        if status == "success" and not task.killed:
            if task.partition in ts.succeeded:
                return   # a slower copy of a speculated task: the first result already counted
            ts.succeeded.add(task.partition)
            ts.durations.append(time.time() - task.start)
            self.tasks.kill_other_copies(task)
            accumulators.merge_updates(outcome.accumulator_updates)
            if isinstance(stage, ShuffleMapStage):
                self._map_task_done(stage, task, executor_id, outcome)
            else:
                self._result_task_done(stage, task, outcome)
        elif ts.barrier and status in ("exception", "executor_lost") and not task.killed:
            self._barrier_task_failed(stage, ts, task, outcome)
        elif status == "fetch_failed":
            self._fetch_failed(stage, ts, outcome)
        elif status == "exception":
            if ts.zombie:
                return
            if ts.record_failure(task.partition):
                ts.zombie = True
                error = SparkJobError(
                    f"Job aborted due to stage failure: task {task.partition} in stage {stage.id}.{ts.attempt} "
                    f"failed {ts.failures[task.partition]} times; most recent failure: {outcome.error_text}")
                error.__cause__ = self._task_error(outcome)
                self._abort_stage(stage, error)
            else:
                ts.requeue(task.partition)
        elif status == "executor_lost" and not task.killed and task.partition not in ts.succeeded:
            # Spark counts an executor that died under a task (crash, out of memory) as a failure of
            # the task, so a task that kills every executor it runs on cannot loop forever.
            if ts.record_failure(task.partition):
                ts.zombie = True
                self._abort_stage(stage, SparkJobError(
                    f"Job aborted due to stage failure: task {task.partition} in stage {stage.id}.{ts.attempt} "
                    f"failed {ts.failures[task.partition]} times; most recent failure: executor lost: its "
                    f"process exited while running the task, most often because it ran out of memory (give "
                    f"executors more with spark.executor.memory or split the data into more partitions) "
                    f"({outcome.error_text})"))
            elif stage.id in self._stages:
                ts.requeue(task.partition)
        self.tasks.drop_finished(ts)

    def _barrier_task_failed(self, stage, ts: TaskSet, task: RunningTask, outcome: TaskOutcome) -> None:
        """One task failed: the whole barrier stage attempt fails; a map stage is run again whole."""
        if ts.zombie:
            return
        self.tasks.kill_taskset(ts)
        kind = "ShuffleMapTask" if isinstance(stage, ShuffleMapStage) else "ResultTask"
        reason = (f"Stage failed because barrier task {kind}({stage.id}, {task.partition}) finished unsuccessfully.\n"
                  f"{outcome.error_text}")
        cause = self._task_error(outcome)
        if not isinstance(stage, ShuffleMapStage):
            error = SparkJobError(f"Job aborted due to stage failure: Could not recover from a failed barrier "
                                  f"ResultStage. Most recent failure reason: {reason}")
            error.__cause__ = cause
            self._abort_stage(stage, error)
            return
        stage.failed_attempts.add(ts.attempt)
        self._stage_done(stage, failure=reason)
        if len(stage.failed_attempts) >= self.max_stage_attempts:
            error = SparkJobError(f"Job aborted due to stage failure: ShuffleMapStage {stage.id} ({stage.name}) has "
                                  f"failed the maximum allowable number of times: {len(stage.failed_attempts)}. "
                                  f"Most recent failure reason: {reason}")
            error.__cause__ = cause
            self._abort_stage(stage, error)
            return
        self._failed.add(stage)
        if not self._resubmit_posted:
            self._resubmit_posted = True
            self.post(_ResubmitFailedStages())

    @staticmethod
    def _task_error(outcome: TaskOutcome) -> BaseException:
        """The user's exception from a failed task, its traceback (drawn here) as its cause."""
        cause = outcome.error or RuntimeError(outcome.error_text)
        if cause.__cause__ is None and outcome.traceback_text:
            cause.__cause__ = remote_traceback(outcome.traceback_text, outcome.traceback_frames)
        return cause

    def _map_task_done(self, stage: ShuffleMapStage, task: RunningTask, executor_id: str, outcome) -> None:
        sizes, rows, location = pickle.loads(outcome.value)
        if location in self.tasks.executors:     # live or draining: its blocks are still served
            self.tracker.register_output(stage.shuffle_dep.shuffle_id, task.partition, location, sizes, rows)
        # else the executor holding the output died after the task finished: the partition stays missing
        stage.pending.discard(task.partition)
        if stage in self._running and not stage.pending:
            if stage.is_available():
                self._stage_done(stage)
            else:   # outputs were lost while the stage ran: run the missing ones again
                self._running.discard(stage)
                self._submit_stage(stage)

    def _result_task_done(self, stage: ResultStage, task: RunningTask, outcome) -> None:
        job = stage.job
        if job is None or job.job_id not in self._jobs:
            return
        index = stage.partitions.index(task.partition)
        if job.finished[index]:
            return
        job.result_bytes += len(outcome.value)
        if self.max_result_size and job.result_bytes > self.max_result_size:
            self._abort_stage(stage, ResultTooLargeError(
                f"Total size of serialized results of {job.num_finished + 1} tasks "
                f"({job.result_bytes / 2**20:.1f} MiB) is bigger than spark.driver.maxResultSize "
                f"({self.max_result_size / 2**20:.1f} MiB). Collect less (take(n), sample) or write the "
                f"data out (saveAsTextFile), or raise spark.driver.maxResultSize."))
            return
        job.waiter.results[index] = pickle.loads(outcome.value)
        job.finished[index] = True
        job.num_finished += 1
        if job.num_finished == len(job.finished):
            self._stage_done(stage)
            self._finish_job(job)

    def _fetch_failed(self, stage, ts: TaskSet, outcome: TaskOutcome) -> None:
        shuffle_id, map_id, executor_id = outcome.fetch_failure
        self.tracker.unregister_output(shuffle_id, map_id, executor_id)
        if ts.attempt != stage.attempt or stage not in self._running:
            return   # an older attempt; that failure has been handled
        self.tasks.kill_taskset(ts)
        stage.failed_attempts.add(ts.attempt)
        self._stage_done(stage, failure=f"fetch failed: {outcome.error_text}")
        if len(stage.failed_attempts) >= self.max_stage_attempts:
            self._abort_stage(stage, SparkJobError(
                f"Stage {stage.id} failed {len(stage.failed_attempts)} times (spark.stage.maxConsecutiveAttempts) "
                f"because shuffle output could not be fetched; most recent: {outcome.error_text}"))
            return
        self._failed.add(stage)
        map_stage = self._shuffle_stages.get(shuffle_id)
        if map_stage is not None:
            self._running.discard(map_stage)
            self._failed.add(map_stage)
        if not self._resubmit_posted:
            self._resubmit_posted = True
            self.post(_ResubmitFailedStages())

    def _on_executor_lost(self, executor_id: str, reason: str) -> None:
        known = self.tasks.remove_executor(executor_id)
        if (known is None or known.draining) and reason != "decommissioned":
            return
        outputs = self.tracker.remove_outputs_on_executor(executor_id)
        blocks = [b for b in self.registry.blocks_on(executor_id) if b[0] == "rdd"]
        running = self.tasks.running_on(executor_id)
        if reason not in ("decommissioned", "killed by request"):
            log.warning("Lost executor %s: %s. What it held is recomputed from lineage when needed: %d shuffle "
                        "map output(s), %d cached partition(s); %d running task(s) are retried.",
                        executor_id, reason, outputs, len(blocks), len(running))
        self.bus.post(ev.ExecutorRemoved(executor_id, reason, time.time()))
        for task in running:
            self._on_task_end(executor_id, TaskOutcome(task.task_id, "executor_lost", error_text=reason))
        for stage in list(self._running):
            if isinstance(stage, ShuffleMapStage) and not stage.pending and not stage.is_available():
                self._running.discard(stage)
                self._submit_stage(stage)

    def _on_cancel(self, e: CancelJobs) -> None:
        for job in list(self._jobs.values()):
            if e.matches(job.job_id, job.properties):
                self._fail_job(job, JobCancelledError(f"Job {job.job_id} cancelled: {e.reason}"))

    def load(self) -> tuple[int, dict]:
        """(tasks waiting for a slot, running tasks per executor), for dynamic allocation."""
        return self.tasks.load()

    # -- decommissioning (called on the scheduler thread through ``call``) --------------------
    def drain_executor(self, executor_id: str, reason: str = "decommissioned by request") -> None:
        """No new tasks for this executor; its blocks stay readable until they are migrated."""
        if self.tasks.drain(executor_id):
            self.bus.post(ev.ExecutorDecommissioned(executor_id, reason, time.time()))

    def running_on(self, executor_id: str) -> int:
        return len(self.tasks.running_on(executor_id))

    def blocks_migrated(self, executor_id: str, moved: list) -> None:
        """Point map outputs and cached-block locations at the executors that now hold them."""
        for block_id, target, updates in moved:
            if block_id[0] == "shuffle":
                self.tracker.move_output(block_id[1], block_id[2], target)
            self._post_block_updates(updates)
        self._post_block_updates([ev.BlockUpdated(executor_id, block_id, 0, 0)
                                  for block_id in self.registry.blocks_on(executor_id)])

    def _post_block_updates(self, updates) -> None:
        for update in updates:
            self.bus.post(ev.BlockUpdated(update.executor_id, update.block_id, update.memory_bytes,
                                          update.disk_bytes))

    # -- checks -------------------------------------------------------------------------------
    def assert_idle(self) -> None:
        """Every per-job structure is empty (the DAGSchedulerSuite check)."""
        leftovers = {name: value for name, value in [
            ("jobs", self._jobs), ("job_stages", self._job_stages), ("stages", self._stages),
            ("shuffle_stages", self._shuffle_stages), ("waiting", self._waiting), ("running", self._running),
            ("failed", self._failed), ("tasksets", self.tasks.tasksets), ("running_tasks", self.tasks.running),
            ("stage_graph", list(self.stage_graph))] if value}
        assert not leftovers, f"scheduler state left after jobs ended: {leftovers}"

"""Stages, jobs and tasks as the DAG scheduler sees them.

Contract:
* A ``ShuffleMapStage`` computes one shuffle's map outputs; it is *available* when the map-output
  tracker has an output for every map partition, and its missing partitions are exactly those
  without one.
* A ``ResultStage`` runs an action's function over some partitions of the final RDD for one job;
  its missing partitions are the job's unfinished ones.
* An ``ActiveJob`` is one action; its ``JobWaiter`` is what the calling thread blocks on.
* ``TaskDescription`` is everything an executor needs to run one task attempt; ``TaskOutcome`` is
  everything it sends back.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field

from sparklite.core.metrics import TaskMetrics


class Stage:
    def __init__(self, stage_id: int, rdd, num_tasks: int, parents: list, first_job_id: int):
        self.id = stage_id
        self.rdd = rdd
        self.num_tasks = num_tasks
        self.parents = parents
        self.first_job_id = first_job_id
        self.job_ids: set[int] = {first_job_id}
        self.attempt = -1                 # latest attempt number; -1 before the first
        self.pending: set[int] = set()    # partitions of the latest attempt still running
        self.failed_attempts: set[int] = set()
        self.barrier = False              # a barrier stage (see ``core.barrier``)
        self.name = rdd._creation_site

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.id})"


class ShuffleMapStage(Stage):
    def __init__(self, stage_id, rdd, parents, first_job_id, shuffle_dep, tracker):
        super().__init__(stage_id, rdd, rdd.getNumPartitions(), parents, first_job_id)
        self.shuffle_dep = shuffle_dep
        self._tracker = tracker
        self.map_stage_jobs: list[int] = []     # jobs submitted for this map stage alone (submit_map_stage)

    def is_available(self) -> bool:
        return not self._tracker.missing(self.shuffle_dep.shuffle_id)

    def missing_partitions(self) -> list[int]:
        return self._tracker.missing(self.shuffle_dep.shuffle_id)


class ResultStage(Stage):
    def __init__(self, stage_id, rdd, func, partitions, parents, job_id):
        super().__init__(stage_id, rdd, len(partitions), parents, job_id)
        self.func = func
        self.partitions = partitions
        self.job: ActiveJob | None = None

    def missing_partitions(self) -> list[int]:
        job = self.job
        return [p for i, p in enumerate(self.partitions) if not job.finished[i]]


class JobWaiter:
    """A submitted job: collects its results by output index; the caller waits on ``result``.

    ``canceller`` (set by the context) is called with the job id by ``cancel()`` and when the
    waiting thread is interrupted (Ctrl-C), so an interrupted action stops its job.
    """

    def __init__(self, num_outputs: int, single_value: bool = False):
        self.job_id: int | None = None
        self.single_value = single_value    # result() is results[0] (a map stage's statistics)
        self.results: list = [None] * num_outputs
        self.error: BaseException | None = None
        self.canceller = None
        self._done = threading.Event()
        if num_outputs == 0:
            self._done.set()

    def finish(self, error: BaseException | None = None) -> None:
        self.error = error
        self._done.set()

    def result(self, timeout: float | None = None) -> list:
        """The job's values (one per partition, or the map stage's statistics); raises the job's
        error, or ``TimeoutError`` when ``timeout`` seconds pass first (the job keeps running)."""
        try:
            if timeout is None and threading.current_thread() is threading.main_thread():
                # Short waits, so a Ctrl-C (SIGINT, or ``_thread.interrupt_main``) reaches the caller at
                # once even when the signal woke another thread.
                while not self._done.wait(0.1):
                    pass
            elif not self._done.wait(timeout):
                raise TimeoutError(f"job {self.job_id} did not finish within {timeout} s")
        except KeyboardInterrupt:
            if self.canceller is not None:
                self.canceller(self.job_id, "interrupted (KeyboardInterrupt)")
            raise
        if self.error is not None:
            raise self.error
        return self.results[0] if self.single_value else self.results

    def cancel(self, reason: str | None = None) -> None:
        """Cancel the job; ``result()`` then raises ``JobCancelledError``."""
        if self.canceller is not None and not self.done:
            self.canceller(self.job_id, reason)

    @property
    def done(self) -> bool:
        return self._done.is_set()


class ActiveJob:
    def __init__(self, job_id: int, final_stage: ResultStage, waiter: JobWaiter, properties: dict):
        self.job_id = job_id
        self.final_stage = final_stage
        self.waiter = waiter
        self.properties = properties
        # a map-stage job (submit_map_stage) has one output: its map-output statistics
        self.finished = [False] * (len(final_stage.partitions) if isinstance(final_stage, ResultStage) else 1)
        self.num_finished = 0
        self.result_bytes = 0
        self.ran_stages: set[int] = set()     # stages submitted while this job was active (others were skipped)


@dataclass
class TaskDescription:
    task_id: int
    stage_id: int
    stage_attempt: int
    partition: int
    attempt: int
    binary_id: int
    binary: bytes
    is_map: bool
    shuffle_locations: dict
    properties: dict
    block_locations: dict = field(default_factory=dict)   # cached block id -> executors holding it
    in_process: bool = False    # only Arrow kernels: may run on a thread of the executor's process
    barrier_tasks: int = 0      # a barrier stage's task count (0: not a barrier stage)
    barrier_addresses: list = field(default_factory=list)   # where each of those tasks runs, by partition
    resources: dict = field(default_factory=dict)   # resource name -> the addresses this task may use


@dataclass
class TaskOutcome:
    task_id: int
    status: str                      # "success", "exception", "fetch_failed", "killed", "executor_lost"
    value: bytes | None = None       # pickled result (result task) or map sizes (map task)
    accumulator_updates: dict = field(default_factory=dict)
    metrics: TaskMetrics = field(default_factory=TaskMetrics)
    block_updates: list = field(default_factory=list)
    error: BaseException | None = None   # the user's exception, its traceback text as __cause__
    error_text: str = ""
    traceback_text: str = ""          # the formatted traceback, user frames first
    traceback_frames: list = field(default_factory=list)   # its last part: (file, line, function, source)
    fetch_failure: tuple | None = None   # (shuffle_id, map_id, executor_id)

"""StatusTracker: PySpark's read-only view of jobs and stages, fed by the listener bus.

Contract: ``JobProgressListener`` is a synchronous listener; ``StatusTracker`` answers from its state
(job ids per group, active jobs and stages, per-stage task counts). Jobs and stages are kept after
they end (up to ``retained`` of each), as Spark's UI retention does.
"""
from __future__ import annotations

import threading
from collections import OrderedDict, namedtuple

from sparklite.core.listener import SparkListener

SparkJobInfo = namedtuple("SparkJobInfo", "jobId stageIds status")
SparkStageInfo = namedtuple("SparkStageInfo", "stageId currentAttemptId name numTasks numActiveTasks "
                                              "numCompletedTasks numFailedTasks")


class JobProgressListener(SparkListener):
    def __init__(self, retained: int = 1000):
        self.retained = retained
        self.lock = threading.Lock()
        self.jobs: OrderedDict = OrderedDict()     # job id -> dict(status, stage_ids, group)
        self.stages: OrderedDict = OrderedDict()   # stage id -> dict(attempt, name, counts, active)

    def _trim(self, table: OrderedDict) -> None:
        while len(table) > self.retained:
            table.popitem(last=False)

    def onJobStart(self, e):
        with self.lock:
            self.jobs[e.job_id] = {"status": "RUNNING", "stage_ids": list(e.stage_ids),
                                   "group": e.properties.get("spark.jobGroup.id")}
            self._trim(self.jobs)

    def onJobEnd(self, e):
        with self.lock:
            if e.job_id in self.jobs:
                self.jobs[e.job_id]["status"] = "SUCCEEDED" if e.succeeded else "FAILED"

    def onStageSubmitted(self, e):
        with self.lock:
            self.stages[e.stage_id] = {"attempt": e.attempt, "name": e.name, "num_tasks": e.num_tasks,
                                       "active": 0, "completed": 0, "failed": 0, "running": True}
            self._trim(self.stages)

    def onStageCompleted(self, e):
        with self.lock:
            stage = self.stages.setdefault(e.stage_id, {"attempt": e.attempt, "name": e.name,
                                                        "num_tasks": e.num_tasks, "active": 0,
                                                        "completed": 0, "failed": 0})
            stage["running"] = False
            self._trim(self.stages)

    def onTaskStart(self, e):
        with self.lock:
            if e.stage_id in self.stages:
                self.stages[e.stage_id]["active"] += 1

    def onTaskEnd(self, e):
        with self.lock:
            stage = self.stages.get(e.stage_id)
            if stage is not None:
                stage["active"] -= 1
                stage["completed" if e.reason == "success" else "failed"] += 1


class StatusTracker:
    def __init__(self, progress: JobProgressListener):
        self._p = progress

    def getJobIdsForGroup(self, jobGroup: str | None = None) -> list:
        with self._p.lock:
            return [j for j, info in self._p.jobs.items() if info["group"] == jobGroup]

    def getActiveJobsIds(self) -> list:
        with self._p.lock:
            return [j for j, info in self._p.jobs.items() if info["status"] == "RUNNING"]

    def getActiveStageIds(self) -> list:
        with self._p.lock:
            return [s for s, info in self._p.stages.items() if info.get("running")]

    def getJobInfo(self, jobId: int):
        with self._p.lock:
            info = self._p.jobs.get(jobId)
            return None if info is None else SparkJobInfo(jobId, list(info["stage_ids"]), info["status"])

    def getStageInfo(self, stageId: int):
        with self._p.lock:
            s = self._p.stages.get(stageId)
            if s is None:
                return None
            return SparkStageInfo(stageId, s["attempt"], s["name"], s["num_tasks"], s["active"],
                                  s["completed"], s["failed"])

"""The REST API's documents: an application's status in the shape of Spark's ``/api/v1`` JSON.

Contract: each function takes an ``AppStatusStore`` (and ids or filters) and returns plain dicts and
lists ready for ``json.dumps``, or raises ``NotFound``; it holds the store's lock while it reads.
Times are Spark's ``2026-12-01T10:00:00.000GMT`` strings, durations milliseconds, sizes bytes. The
HTML pages render these same documents, so the pages and the API never disagree.
"""
from __future__ import annotations

import re
import time

from sparklite.ui.store import SUMMARY_METRICS, AppStatusStore

_REDACT = re.compile(r"(?i)secret|password|token|access[.]?key")
REDACTED = "*********(redacted)"


class NotFound(LookupError):
    """A route, an application or an id the store does not have: the server answers 404."""


def _find(table, key, what: str):
    """``table[key]``, or ``NotFound`` naming ``what`` (the server's 404)."""
    found = table.get(key)
    if found is None:
        raise NotFound(f"unknown {what}")
    return found


def when(t: float | None) -> str | None:
    if t is None:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int(t * 1000) % 1000:03d}GMT"


def _ms(start: float | None, end: float | None) -> int | None:
    if start is None:
        return None
    return int(((end if end is not None else time.time()) - start) * 1000)


def application(store: AppStatusStore) -> dict:
    with store.lock:
        app = dict(store.app)
        version = store.environment["system"].get("sparklite.version")
    return {"id": app["id"], "name": app["name"],
            "attempts": [{"startTime": when(app["start"]), "endTime": when(app["end"]),
                          "lastUpdated": when(app["end"] or time.time()),
                          "duration": _ms(app["start"], app["end"]) or 0, "sparkUser": app["user"],
                          "completed": app["end"] is not None, "appSparkVersion": version,
                          "startTimeEpoch": int((app["start"] or 0) * 1000),
                          "endTimeEpoch": int(app["end"] * 1000) if app["end"] else -1}]}


def _job(store, job) -> dict:
    return {"jobId": job.job_id, "name": job.description or job.call_site or f"Job {job.job_id}",
            "description": job.description, "submissionTime": when(job.submission_time),
            "completionTime": when(job.completion_time), "stageIds": list(job.stage_ids),
            "jobGroup": job.group, "status": job.status, "numTasks": job.num_tasks,
            "numActiveTasks": job.active_tasks, "numCompletedTasks": job.completed_tasks,
            "numSkippedTasks": 0, "numFailedTasks": job.failed_tasks, "numKilledTasks": job.killed_tasks,
            "numActiveStages": len(job.active_stages), "numCompletedStages": len(job.completed_stages),
            "numSkippedStages": len(job.skipped_stages), "numFailedStages": len(job.failed_stages),
            "sqlExecutionId": job.sql_execution_id, "error": job.error,
            "duration": _ms(job.submission_time, job.completion_time)}


def jobs(store: AppStatusStore, status: str | None = None) -> list[dict]:
    with store.lock:
        out = [_job(store, j) for j in reversed(store.jobs.values())]
    return [j for j in out if status is None or j["status"] == status.upper()]


def job(store: AppStatusStore, job_id: int) -> dict:
    with store.lock:
        data = _find(store.jobs, job_id, f"job: {job_id}")
        return _job(store, data)


def _stage(stage, with_tasks: bool = False) -> dict:
    out = {"stageId": stage.stage_id, "attemptId": stage.attempt, "name": stage.name, "status": stage.status,
           "numTasks": stage.num_tasks, "numActiveTasks": stage.active_tasks,
           "numCompleteTasks": stage.completed_tasks, "numFailedTasks": stage.failed_tasks,
           "numKilledTasks": stage.killed_tasks, "submissionTime": when(stage.submission_time),
           "completionTime": when(stage.completion_time), "failureReason": stage.failure_reason,
           "executorRunTime": int(stage.totals["executor_run_time"] * 1000),
           "resultSize": stage.totals["result_bytes"],
           "shuffleReadBytes": stage.totals["shuffle_read_bytes"],
           "shuffleReadRecords": stage.totals["shuffle_read_records"],
           "shuffleWriteBytes": stage.totals["shuffle_write_bytes"],
           "shuffleWriteRecords": stage.totals["shuffle_write_records"],
           "diskBytesSpilled": stage.totals["spilled_bytes"], "jobIds": list(stage.job_ids),
           "parentIds": list(stage.parent_ids), "rdds": list(stage.rdds),
           "duration": _ms(stage.submission_time, stage.completion_time)}
    if with_tasks:
        out["tasks"] = {str(t.task_id): _task(t) for t in stage.tasks.values()}
        out["executorSummary"] = _by_executor(stage)
    return out


def stages(store: AppStatusStore, status: str | None = None) -> list[dict]:
    with store.lock:
        out = [_stage(s) for s in reversed(store.stages.values())]
    return [s for s in out if status is None or s["status"] == status.upper()]


def stage_attempts(store: AppStatusStore, stage_id: int) -> list[dict]:
    with store.lock:
        found = [_stage(s, True) for (sid, _), s in store.stages.items() if sid == stage_id]
    if not found:
        raise NotFound(f"unknown stage: {stage_id}")
    return found


def stage(store: AppStatusStore, stage_id: int, attempt: int) -> dict:
    with store.lock:
        data = _find(store.stages, (stage_id, attempt), f"stage attempt: {stage_id}.{attempt}")
        return _stage(data, True)


def _task(t) -> dict:
    m = t.metrics
    metrics = None if m is None else {
        "executorRunTime": int(m.executor_run_time * 1000), "resultSize": m.result_bytes,
        "peakExecutionMemory": m.peak_rss_bytes, "memoryBytesSpilled": 0, "diskBytesSpilled": m.spilled_bytes,
        "shuffleReadMetrics": {"remoteBytesRead": m.shuffle_read_bytes, "recordsRead": m.shuffle_read_records},
        "shuffleWriteMetrics": {"bytesWritten": m.shuffle_write_bytes, "recordsWritten": m.shuffle_write_records}}
    return {"taskId": t.task_id, "index": t.partition, "attempt": t.attempt, "launchTime": when(t.launch_time),
            "duration": _ms(t.launch_time, t.finish_time), "executorId": t.executor_id, "status": t.status,
            "errorMessage": t.error, "taskMetrics": metrics}


def task_list(store: AppStatusStore, stage_id: int, attempt: int, offset: int = 0, length: int = 20) -> list[dict]:
    with store.lock:
        data = _find(store.stages, (stage_id, attempt), f"stage attempt: {stage_id}.{attempt}")
        tasks = list(data.tasks.values())[offset:offset + length]
        return [_task(t) for t in tasks]


def _quantile(values: list, q: float) -> float:
    """Spark's task summary picks the value at index ``min(int(q * n), n - 1)`` of the sorted list."""
    ordered = sorted(values)
    return ordered[min(int(q * len(ordered)), len(ordered) - 1)]


def task_summary(store: AppStatusStore, stage_id: int, attempt: int,
                 quantiles=(0.0, 0.25, 0.5, 0.75, 1.0)) -> dict:
    """Per metric of the stage's finished tasks, its value at each quantile (min, median, max...)."""
    with store.lock:
        data = _find(store.stages, (stage_id, attempt), f"stage attempt: {stage_id}.{attempt}")
        finished = [t for t in data.tasks.values() if t.status == "SUCCESS" and t.metrics is not None]
    summary = {"quantiles": list(quantiles), "count": len(finished)}
    for name, _ in SUMMARY_METRICS:
        values = [getattr(t.metrics, name) for t in finished]
        summary[name] = [_quantile(values, q) for q in quantiles] if values else []
    return summary


def _by_executor(stage) -> dict:
    out: dict = {}
    for t in stage.tasks.values():
        row = out.setdefault(t.executor_id, {"taskTime": 0, "failedTasks": 0, "succeededTasks": 0,
                                             "killedTasks": 0, "shuffleRead": 0, "shuffleWrite": 0,
                                             "diskBytesSpilled": 0})
        if t.status == "SUCCESS":
            row["succeededTasks"] += 1
        elif t.status == "FAILED":
            row["failedTasks"] += 1
        elif t.status == "KILLED":
            row["killedTasks"] += 1
        if t.metrics is not None:
            row["taskTime"] += int(t.metrics.duration * 1000)
            row["shuffleRead"] += t.metrics.shuffle_read_bytes
            row["shuffleWrite"] += t.metrics.shuffle_write_bytes
            row["diskBytesSpilled"] += t.metrics.spilled_bytes
    return out


def executors(store: AppStatusStore, include_dead: bool = False) -> list[dict]:
    with store.lock:
        out = []
        for e in store.executors.values():
            if not (e.active or include_dead):
                continue
            memory, disk = store.executor_storage(e.executor_id)
            blocks = sum(1 for r in store.rdds.values() for (holder, _) in r.blocks if holder == e.executor_id)
            out.append({"id": e.executor_id, "hostPort": e.host, "isActive": e.active,
                        "isDecommissioned": e.decommissioned, "rddBlocks": blocks, "memoryUsed": memory,
                        "diskUsed": disk, "totalCores": e.cores, "activeTasks": e.active_tasks,
                        "failedTasks": e.failed_tasks, "completedTasks": e.completed_tasks,
                        "totalTasks": e.active_tasks + e.failed_tasks + e.completed_tasks,
                        "totalDuration": int(e.task_time * 1000), "totalShuffleRead": e.shuffle_read_bytes,
                        "totalShuffleWrite": e.shuffle_write_bytes, "addTime": when(e.add_time),
                        "removeTime": when(e.remove_time), "removeReason": e.remove_reason})
    return out


def _rdd(r, details: bool) -> dict:
    out = {"id": r.rdd_id, "name": r.name, "numPartitions": r.num_partitions, "numCachedPartitions":
           len({p for _, p in r.blocks}), "storageLevel": r.storage_level, "memoryUsed": r.memory_bytes(),
           "diskUsed": r.disk_bytes()}
    if details:
        out["dataDistribution"] = [{"address": executor_id, "memoryUsed": memory, "diskUsed": disk, "blocks": n}
                                   for executor_id, (n, memory, disk) in sorted(r.by_executor().items())]
        out["partitions"] = [{"blockName": f"rdd_{r.rdd_id}_{p}", "executors": [executor_id],
                              "memoryUsed": memory, "diskUsed": disk}
                             for (executor_id, p), (memory, disk) in sorted(r.blocks.items(), key=lambda kv: kv[0][1])]
    return out


def storage(store: AppStatusStore) -> list[dict]:
    with store.lock:
        return [_rdd(r, False) for _, r in sorted(store.rdds.items())]


def rdd(store: AppStatusStore, rdd_id: int) -> dict:
    with store.lock:
        data = _find(store.rdds, rdd_id, f"cached RDD: {rdd_id}")
        return _rdd(data, True)


def environment(store: AppStatusStore) -> dict:
    with store.lock:
        spark, system = dict(store.environment["spark"]), dict(store.environment["system"])
    redacted = sorted((k, REDACTED if _REDACT.search(k) else str(v)) for k, v in spark.items())
    return {"runtime": {"pythonVersion": system.get("python.version"), "sparkliteVersion": system.get("sparklite.version")},
            "sparkProperties": [list(kv) for kv in redacted],
            "systemProperties": [[k, str(v)] for k, v in sorted(system.items())]}


def _execution(x) -> dict:
    nodes = [{"nodeId": n["id"], "nodeName": n["name"], "description": n["detail"],
              "metrics": ([{"name": "number of output rows", "value": str(x.rows[n["id"]])}]
                          if n["id"] in x.rows else [])} for n in x.plan_nodes]
    edges = [{"fromId": child, "toId": n["id"]} for n in x.plan_nodes for child in n["children"]]
    return {"id": x.execution_id, "status": x.status, "description": x.description,
            "planDescription": x.physical_plan, "submissionTime": when(x.submission_time),
            "duration": _ms(x.submission_time, x.completion_time), "jobIds": list(x.job_ids),
            "errorMessage": x.error, "nodes": nodes, "edges": edges}


def sql_executions(store: AppStatusStore) -> list[dict]:
    with store.lock:
        return [_execution(x) for x in reversed(store.sql.values())]


def sql_execution(store: AppStatusStore, execution_id: str) -> dict:
    with store.lock:
        data = _find(store.sql, execution_id, f"SQL execution: {execution_id}")
        return _execution(data)

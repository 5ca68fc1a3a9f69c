"""The web UI's HTML pages, rendered from the REST documents (``rest``) of one application's store.

Contract: ``render(store, page, query, prefix)`` returns the HTML of one page (``jobs``, ``job``,
``stages``, ``stage``, ``storage``, ``rdd``, ``executors``, ``sql``, ``execution``, ``environment``)
or raises ``rest.NotFound``; ``prefix`` is where the application's pages live (``""`` live,
``/history/<app id>`` in the history server). Every string that comes from the application (job
descriptions, RDD names, SQL text, configuration values, errors) is escaped; pages have no script,
and load nothing from elsewhere.
"""
from __future__ import annotations

import html
import time

from sparklite.ui import dag, rest
from sparklite.ui.store import SUMMARY_METRICS, AppStatusStore

TABS = [("jobs", "Jobs"), ("stages", "Stages"), ("storage", "Storage"), ("environment", "Environment"),
        ("executors", "Executors"), ("SQL", "SQL / DataFrame")]

_CSS = """
body{font:14px/1.4 -apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:0;color:#222}
header{background:#f3f3f3;border-bottom:1px solid #ccc;padding:6px 16px;display:flex;gap:18px;align-items:center}
header .brand{font-weight:bold;color:#e25a1c}header a{color:#333;text-decoration:none;padding:4px 6px}
header a.active{border-bottom:3px solid #e25a1c}header .app{margin-left:auto;color:#555}
main{padding:8px 16px}h3{margin:18px 0 6px}table{border-collapse:collapse;margin-bottom:10px}
th,td{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}th{background:#f7f7f7}
td.num{text-align:right}.bar{background:#eee;width:140px;height:14px;position:relative;border-radius:3px}
.bar span{display:block;height:100%;background:#5cb85c;border-radius:3px}.bar b{position:absolute;left:4px;top:-2px;
font-size:11px;font-weight:normal}.FAILED,.failed{color:#b00}pre{background:#f7f7f7;padding:8px;overflow:auto}
.timeline rect.job{fill:#5c9bd1}.timeline rect.job.FAILED{fill:#d9534f}.timeline rect.job.RUNNING{fill:#f0ad4e}
.timeline text{font:11px sans-serif}.timeline line{stroke:#999}
"""


def esc(value) -> str:
    return html.escape("" if value is None else str(value))


def size(n) -> str:
    n = float(n or 0)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return ""


def duration(ms) -> str:
    if ms is None:
        return ""
    if ms < 1000:
        return f"{ms} ms"
    if ms < 60_000:
        return f"{ms / 1000:.1f} s"
    if ms < 3_600_000:
        return f"{ms / 60_000:.1f} min"
    return f"{ms / 3_600_000:.1f} h"


def _t(stamp: str | None) -> str:
    return esc(stamp.replace("GMT", "").replace("T", " ") if stamp else "")


def _table(headers: list, rows: list, css: str = "") -> str:
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table class="{css}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _progress(done: int, total: int, running: int = 0) -> str:
    share = 100 * done / total if total else 0
    extra = f" ({running} running)" if running else ""
    return f'<div class="bar"><span style="width:{share:.0f}%"></span><b>{done}/{total}{extra}</b></div>'


def _page(store: AppStatusStore, prefix: str, tab: str, title: str, body: str) -> str:
    with store.lock:
        app_name, app_id = store.app["name"], store.app["id"]
    nav = "".join(f'<a href="{prefix}/{key}/" class="{"active" if key == tab else ""}">{label}</a>'
                  for key, label in TABS)
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{esc(app_name)} - {esc(title)}</title>"
            f"<style>{_CSS}</style></head><body><header><span class='brand'>sparklite</span>{nav}"
            f"<span class='app'>{esc(app_name)} ({esc(app_id)})</span></header><main><h2>{esc(title)}</h2>"
            f"{body}</main></body></html>")


# -- jobs -----------------------------------------------------------------------------------------

def _timeline(store: AppStatusStore, jobs: list) -> str:
    """Jobs as bars over the application's time, executors' arrivals and departures as marks."""
    with store.lock:
        start, end = store.app["start"] or time.time(), store.app["end"] or time.time()
        executors = [(e.executor_id, e.add_time, e.remove_time) for e in store.executors.values()]
        times = {j.job_id: (j.submission_time, j.completion_time) for j in store.jobs.values()}
    span = max(end - start, 1e-3)
    width, row = 900, 16

    def x(t):
        return 120 + (width - 130) * (t - start) / span

    parts = ['<text x="4" y="14">Executors</text>']
    for i, (executor_id, added, removed) in enumerate(executors[:20]):
        parts.append(f'<line x1="{x(added):.1f}" y1="4" x2="{x(added):.1f}" y2="20"/>'
                     f'<text x="{x(added) + 2:.1f}" y="{16 + 11 * (i % 2)}">+{esc(executor_id)}</text>')
        if removed:
            parts.append(f'<text class="failed" x="{x(removed) + 2:.1f}" y="16">-{esc(executor_id)}</text>')
    shown = list(reversed(jobs[:50]))
    for i, j in enumerate(shown):
        y = 36 + i * row
        submitted, finished = times.get(j["jobId"], (start, end))
        finished = finished or end
        parts.append(f'<rect class="job {esc(j["status"])}" x="{x(submitted):.1f}" y="{y}" '
                     f'width="{max(x(finished) - x(submitted), 2):.1f}" height="{row - 4}"><title>Job {j["jobId"]}: '
                     f'{esc(j["name"])} ({esc(j["status"])})</title></rect>'
                     f'<text x="4" y="{y + 10}">Job {j["jobId"]}</text>')
    height = 40 + len(shown) * row
    return (f'<h3>Event Timeline</h3><svg class="timeline" xmlns="http://www.w3.org/2000/svg" width="{width}" '
            f'height="{height}">{"".join(parts)}</svg>')


def _job_rows(jobs: list, prefix: str) -> list:
    return [[f'<a href="{prefix}/jobs/job/?id={j["jobId"]}">{j["jobId"]}</a>'
             + (f' ({esc(j["jobGroup"])})' if j["jobGroup"] else ""),
             esc(j["name"]), _t(j["submissionTime"]), duration(j["duration"]),
             f'{j["numCompletedStages"]}/{len(j["stageIds"]) - j["numSkippedStages"]}'
             + (f' ({j["numSkippedStages"]} skipped)' if j["numSkippedStages"] else "")
             + (f' <span class="failed">({j["numFailedStages"]} failed)</span>' if j["numFailedStages"] else ""),
             _progress(j["numCompletedTasks"], j["numTasks"], j["numActiveTasks"])] for j in jobs]


def jobs_page(store, query, prefix):
    jobs = rest.jobs(store)
    headers = ["Job Id", "Description", "Submitted", "Duration", "Stages: Succeeded/Total",
               "Tasks (for all stages): Succeeded/Total"]
    body = _timeline(store, jobs)
    for status, title in (("RUNNING", "Active Jobs"), ("SUCCEEDED", "Completed Jobs"), ("FAILED", "Failed Jobs")):
        chosen = [j for j in jobs if j["status"] == status]
        if chosen:
            body += f'<h3 id="{status.lower()}">{title} ({len(chosen)})</h3>' + _table(headers, _job_rows(chosen, prefix), "jobs")
    if not jobs:
        body += "<p>No jobs have run yet.</p>"
    return _page(store, prefix, "jobs", "Spark Jobs", body)


def job_page(store, query, prefix):
    job_id = _int(query, "id")
    j = rest.job(store, job_id)
    stage_list = [s for s in rest.stages(store) if s["stageId"] in j["stageIds"]]
    latest = {}
    for s in stage_list:
        latest.setdefault(s["stageId"], s)
    svg = dag.job_svg([(s["stageId"], s["rdds"], [p for p in s["parentIds"] if p in latest])
                       for s in sorted(latest.values(), key=lambda s: s["stageId"])])
    body = (f"<p>Status: <b class='{esc(j['status'])}'>{esc(j['status'])}</b><br>Submitted: {_t(j['submissionTime'])}"
            f"<br>Duration: {duration(j['duration'])}"
            + (f"<br>Job group: {esc(j['jobGroup'])}" if j["jobGroup"] else "")
            + (f"<br>SQL query: <a href='{prefix}/SQL/execution/?id={esc(j['sqlExecutionId'])}'>"
               f"{esc(j['sqlExecutionId'])}</a>" if j["sqlExecutionId"] is not None else "")
            + (f"<br>Error: <pre class='failed'>{esc(j['error'])}</pre>" if j["error"] else "")
            + "</p><h3>DAG Visualization</h3>" + svg
            + "<h3>Stages</h3>" + _stage_table(stage_list, prefix))
    skipped = [s for s in j["stageIds"] if s not in latest]
    if skipped:
        body += f"<p>Skipped stages (their output existed): {esc(', '.join(map(str, skipped)))}</p>"
    return _page(store, prefix, "jobs", f"Details for Job {job_id}", body)


# -- stages ---------------------------------------------------------------------------------------

def _stage_table(stage_list: list, prefix: str) -> str:
    rows = [[f'<a href="{prefix}/stages/stage/?id={s["stageId"]}&amp;attempt={s["attemptId"]}">{s["stageId"]}'
             f'{"." + str(s["attemptId"]) if s["attemptId"] else ""}</a>', esc(s["name"]),
             f'<span class="{esc(s["status"])}">{esc(s["status"])}</span>', _t(s["submissionTime"]),
             duration(s["duration"]), _progress(s["numCompleteTasks"], s["numTasks"], s["numActiveTasks"]),
             size(s["shuffleReadBytes"]), size(s["shuffleWriteBytes"]), esc(s["failureReason"] or "")]
            for s in stage_list]
    return _table(["Stage Id", "Description", "Status", "Submitted", "Duration", "Tasks: Succeeded/Total",
                   "Shuffle Read", "Shuffle Write", "Failure Reason"], rows, "stages")


def stages_page(store, query, prefix):
    stage_list = rest.stages(store)
    body = ""
    for status, title in (("ACTIVE", "Active Stages"), ("COMPLETE", "Completed Stages"), ("FAILED", "Failed Stages")):
        chosen = [s for s in stage_list if s["status"] == status]
        if chosen:
            body += f"<h3>{title} ({len(chosen)})</h3>" + _stage_table(chosen, prefix)
    return _page(store, prefix, "stages", "Stages for All Jobs", body or "<p>No stages have run yet.</p>")


def _metric(name: str, value) -> str:
    if name in ("duration", "executor_run_time"):
        return duration(int(value * 1000))
    if name.endswith("_bytes"):
        return size(value)
    return f"{value:,}"


def stage_page(store, query, prefix):
    stage_id, attempt = _int(query, "id"), _int(query, "attempt", 0)
    s = rest.stage(store, stage_id, attempt)
    summary = rest.task_summary(store, stage_id, attempt)
    body = (f"<p>Status: <b class='{esc(s['status'])}'>{esc(s['status'])}</b> · Tasks: {s['numCompleteTasks']}"
            f"/{s['numTasks']} · Jobs: {esc(', '.join(map(str, s['jobIds'])))} · Total run time: "
            f"{duration(s['executorRunTime'])} · Shuffle read: {size(s['shuffleReadBytes'])} · Shuffle write: "
            f"{size(s['shuffleWriteBytes'])} · Spill (disk): {size(s['diskBytesSpilled'])}</p>"
            + (f"<pre class='failed'>{esc(s['failureReason'])}</pre>" if s["failureReason"] else "")
            + "<h3>DAG Visualization</h3>" + dag.stage_svg(s["rdds"], stage_id))
    if summary["count"]:
        rows = [[esc(label)] + [_metric(name, v) for v in summary[name]] for name, label in SUMMARY_METRICS]
        body += (f"<h3>Summary Metrics for {summary['count']} Completed Tasks</h3>"
                 + _table(["Metric", "Min", "25th percentile", "Median", "75th percentile", "Max"], rows, "summary"))
    executors = [[esc(e), duration(v["taskTime"]), v["succeededTasks"], v["failedTasks"], v["killedTasks"],
                  size(v["shuffleRead"]), size(v["shuffleWrite"]), size(v["diskBytesSpilled"])]
                 for e, v in sorted(s["executorSummary"].items())]
    body += "<h3>Aggregated Metrics by Executor</h3>" + _table(
        ["Executor ID", "Task Time", "Succeeded Tasks", "Failed Tasks", "Killed Tasks", "Shuffle Read",
         "Shuffle Write", "Spill (Disk)"], executors, "executors")
    tasks = sorted(s["tasks"].values(), key=lambda t: (t["index"], t["attempt"]))
    rows = [[t["index"], t["taskId"], t["attempt"], f'<span class="{esc(t["status"])}">{esc(t["status"])}</span>',
             esc(t["executorId"]), _t(t["launchTime"]), duration(t["duration"]),
             size((t["taskMetrics"] or {}).get("shuffleReadMetrics", {}).get("remoteBytesRead")),
             size((t["taskMetrics"] or {}).get("shuffleWriteMetrics", {}).get("bytesWritten")),
             f"<pre>{esc(t['errorMessage'])}</pre>" if t["errorMessage"] else ""] for t in tasks[:1000]]
    body += f"<h3>Tasks ({len(tasks)})</h3>" + _table(
        ["Index", "Task ID", "Attempt", "Status", "Executor ID", "Launch Time", "Duration", "Shuffle Read",
         "Shuffle Write", "Errors"], rows, "tasks")
    return _page(store, prefix, "stages", f"Details for Stage {stage_id} (Attempt {attempt})", body)


# -- storage, executors, environment --------------------------------------------------------------

def storage_page(store, query, prefix):
    rdds = rest.storage(store)
    rows = [[f'<a href="{prefix}/storage/rdd/?id={r["id"]}">{r["id"]}</a>', esc(r["name"]), esc(r["storageLevel"]),
             r["numCachedPartitions"], f'{100 * r["numCachedPartitions"] / max(r["numPartitions"], 1):.0f}%',
             size(r["memoryUsed"]), size(r["diskUsed"])] for r in rdds]
    body = ("<h3>RDDs</h3>" + _table(["ID", "RDD Name", "Storage Level", "Cached Partitions", "Fraction Cached",
                                      "Size in Memory", "Size on Disk"], rows, "storage")) if rdds \
        else "<p>Nothing is cached.</p>"
    return _page(store, prefix, "storage", "Storage", body)


def rdd_page(store, query, prefix):
    r = rest.rdd(store, _int(query, "id"))
    body = (f"<p>Storage level: {esc(r['storageLevel'])} · Cached partitions: {r['numCachedPartitions']} of "
            f"{r['numPartitions']} · Memory: {size(r['memoryUsed'])} · Disk: {size(r['diskUsed'])}</p>"
            "<h3>Data Distribution on Executors</h3>"
            + _table(["Executor", "Blocks", "Memory", "Disk"],
                     [[esc(d["address"]), d["blocks"], size(d["memoryUsed"]), size(d["diskUsed"])]
                      for d in r["dataDistribution"]], "distribution")
            + f"<h3>Partitions ({len(r['partitions'])})</h3>"
            + _table(["Block Name", "Executors", "Size in Memory", "Size on Disk"],
                     [[esc(p["blockName"]), esc(", ".join(p["executors"])), size(p["memoryUsed"]), size(p["diskUsed"])]
                      for p in r["partitions"][:1000]], "partitions"))
    return _page(store, prefix, "storage", f"RDD Storage Info for {r['name']}", body)


def executors_page(store, query, prefix):
    rows = [[esc(e["id"]), esc(e["hostPort"]),
             "Decommissioned" if e["isDecommissioned"] and e["isActive"] else ("Active" if e["isActive"] else
                                                                             f"Dead: {esc(e['removeReason'])}"),
             e["rddBlocks"], size(e["memoryUsed"]), size(e["diskUsed"]), e["totalCores"], e["activeTasks"],
             e["failedTasks"], e["completedTasks"], e["totalTasks"], duration(e["totalDuration"]),
             size(e["totalShuffleRead"]), size(e["totalShuffleWrite"]), _t(e["addTime"])]
            for e in rest.executors(store, include_dead=True)]
    body = _table(["Executor ID", "Address", "Status", "RDD Blocks", "Storage Memory", "Disk Used", "Cores",
                   "Active Tasks", "Failed Tasks", "Complete Tasks", "Total Tasks", "Task Time", "Shuffle Read",
                   "Shuffle Write", "Added"], rows, "executors")
    return _page(store, prefix, "executors", "Executors", body)


def environment_page(store, query, prefix):
    env = rest.environment(store)
    body = ("<h3>Runtime Information</h3>" + _table(["Name", "Value"], [[esc(k), esc(v)] for k, v in env["runtime"].items()])
            + "<h3>Spark Properties</h3>" + _table(["Name", "Value"], [[esc(k), esc(v)] for k, v in env["sparkProperties"]])
            + "<h3>System Properties</h3>" + _table(["Name", "Value"], [[esc(k), esc(v)] for k, v in env["systemProperties"]]))
    return _page(store, prefix, "environment", "Environment", body)


# -- SQL ------------------------------------------------------------------------------------------

def _job_links(job_ids: list, prefix: str) -> str:
    return ", ".join(f'<a href="{prefix}/jobs/job/?id={j}">{j}</a>' for j in job_ids)


def sql_page(store, query, prefix):
    rows = [[f'<a href="{prefix}/SQL/execution/?id={esc(x["id"])}">{esc(x["id"])}</a>',
             f"<pre>{esc(x['description'])}</pre>", esc(x["status"]), _t(x["submissionTime"]),
             duration(x["duration"]), _job_links(x["jobIds"], prefix)] for x in rest.sql_executions(store)]
    body = _table(["ID", "Description", "Status", "Submitted", "Duration", "Job IDs"], rows, "sql") if rows \
        else "<p>No SQL query has run yet.</p>"
    return _page(store, prefix, "SQL", "SQL / DataFrame", body)


def execution_page(store, query, prefix):
    x = rest.sql_execution(store, query.get("id", [""])[0])
    rows = {n["nodeId"]: int(n["metrics"][0]["value"]) for n in x["nodes"] if n["metrics"]}
    nodes = [{"id": n["nodeId"], "name": n["nodeName"], "detail": n["description"],
              "children": [e["fromId"] for e in x["edges"] if e["toId"] == n["nodeId"]]} for n in x["nodes"]]
    body = (f"<p>Status: <b class='{esc(x['status'])}'>{esc(x['status'])}</b> · Submitted: {_t(x['submissionTime'])}"
            f" · Duration: {duration(x['duration'])} · Jobs: {_job_links(x['jobIds'], prefix)}</p>"
            f"<pre>{esc(x['description'])}</pre>"
            + (f"<pre class='failed'>{esc(x['errorMessage'])}</pre>" if x["errorMessage"] else "")
            + ("<h3>Plan</h3>" + dag.plan_svg(nodes, rows) if nodes else "")
            + f"<h3>Physical Plan</h3><pre>{esc(x['planDescription'])}</pre>")
    return _page(store, prefix, "SQL", f"Details for Query {x['id']}", body)


def _int(query: dict, name: str, default: int | None = None) -> int:
    values = query.get(name)
    if not values:
        if default is None:
            raise rest.NotFound(f"missing parameter: {name}")
        return default
    try:
        return int(values[0])
    except ValueError:
        raise rest.NotFound(f"not a number: {name}={values[0]!r}") from None


PAGES = {"jobs/": jobs_page, "jobs/job/": job_page, "stages/": stages_page, "stages/stage/": stage_page,
         "storage/": storage_page, "storage/rdd/": rdd_page, "executors/": executors_page,
         "environment/": environment_page, "SQL/": sql_page, "SQL/execution/": execution_page}


def render(store: AppStatusStore, page: str, query: dict, prefix: str = "") -> str:
    """The HTML of ``page`` (a key of ``PAGES``); ``rest.NotFound`` for any other."""
    handler = PAGES.get(page)
    if handler is None:
        raise rest.NotFound(f"no page {page!r}")
    return handler(store, query, prefix)

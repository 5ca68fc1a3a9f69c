"""The web UI, its REST API, the event log and the history server, as a user reaches them: over
HTTP on loopback from a running application, and from the event logs it leaves."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import urllib.error
import urllib.request
from operator import add

import pytest

from sparklite import SparkConf, SparkContext, SparkJobError, StorageLevel
from sparklite.core.api import wait_for_listeners
from sparklite.history import HistoryApplications
from sparklite.ui import eventlog, rest
from sparklite.ui.server import UIServer
from sparklite.ui.store import AppStatusStore

HOSTILE = "<script>alert('x')</script> & \"quotes\""


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def get_json(url: str):
    status, body = get(url)
    assert status == 200, (url, status, body)
    return json.loads(body)


def run_workload(sc: SparkContext):
    """A shuffle, a named cached RDD read twice, a failing job with a hostile description, a SQL query."""
    from sparklite.sql import SparkSession
    sums = sc.parallelize(range(1000), 4).map(lambda x: (x % 10, x)).reduceByKey(add)
    assert len(sums.collect()) == 10
    cached = sc.parallelize(range(500), 5).map(lambda x: x * 2).setName("doubled numbers")
    cached.persist(StorageLevel.MEMORY_ONLY)
    assert cached.count() == 500 and cached.sum() == 249_500
    sc.setJobDescription(HOSTILE)

    def fail(x):
        raise ValueError("no odd numbers please")

    with pytest.raises(SparkJobError):
        sc.parallelize([1], 1).map(fail).collect()
    sc.setJobDescription(None)
    spark = SparkSession.builder.getOrCreate()
    rows = spark.sql("SELECT id % 3 AS k, count(*) AS n FROM range(30) GROUP BY id % 3 ORDER BY k").collect()
    assert [r.n for r in rows] == [10, 10, 10]
    wait_for_listeners(sc)
    return cached


@pytest.fixture
def live(make_sc):
    sc = make_sc("local[2]", spark_hadoop_fs_s3a_secret_key="hunter2", spark_ui_port="4040")
    cached = run_workload(sc)
    return sc, cached


def test_the_live_ui_serves_jobs_stages_storage_executors_sql_and_environment(live):
    sc, cached = live
    base = sc.uiWebUrl
    assert base.startswith("http://127.0.0.1:")
    app_id = sc.applicationId
    [app] = get_json(f"{base}/api/v1/applications")
    assert app["id"] == app_id and app["name"] == "sparklite-test" and app["attempts"][0]["completed"] is False

    api = f"{base}/api/v1/applications/{app_id}"
    jobs = get_json(f"{api}/jobs")
    assert [j["jobId"] for j in jobs] == sorted((j["jobId"] for j in jobs), reverse=True)
    failed = [j for j in jobs if j["status"] == "FAILED"]
    assert len(failed) == 1 and failed[0]["description"] == HOSTILE and "no odd numbers" in failed[0]["error"]
    shuffle_job = jobs[-1]
    assert shuffle_job["status"] == "SUCCEEDED" and len(shuffle_job["stageIds"]) == 2
    assert shuffle_job["name"].startswith("collect at test_ui.py:") and jobs[-2]["name"].startswith("count at test_ui.py:")
    assert shuffle_job["numCompletedTasks"] == shuffle_job["numTasks"] == 8
    assert get_json(f"{api}/jobs?status=failed") == failed

    map_stage = get_json(f"{api}/stages/{min(shuffle_job['stageIds'])}/0")
    assert map_stage["numCompleteTasks"] == 4 and map_stage["shuffleWriteRecords"] == 40
    assert [r["name"] for r in map_stage["rdds"]] == ["MapPartitionsRDD", "ParallelCollectionRDD"]
    tasks = get_json(f"{api}/stages/{map_stage['stageId']}/0/taskList?length=100")
    assert sorted(t["index"] for t in tasks) == [0, 1, 2, 3]
    written = sorted(t["taskMetrics"]["shuffleWriteMetrics"]["bytesWritten"] for t in tasks)
    summary = get_json(f"{api}/stages/{map_stage['stageId']}/0/taskSummary")
    assert summary["shuffle_write_bytes"] == [written[0], written[1], written[2], written[3], written[3]]

    [stored] = get_json(f"{api}/storage/rdd")
    assert stored["id"] == cached.id() and stored["name"] == "doubled numbers"
    assert stored["numCachedPartitions"] == 5 and stored["memoryUsed"] > 0
    assert stored["storageLevel"] == str(StorageLevel.MEMORY_ONLY)
    detail = get_json(f"{api}/storage/rdd/{cached.id()}")
    assert sorted(p["blockName"] for p in detail["partitions"]) == [f"rdd_{cached.id()}_{i}" for i in range(5)]

    [executor] = get_json(f"{api}/executors")
    assert executor["id"] == "driver" and executor["isActive"] and executor["totalCores"] == 2
    assert executor["completedTasks"] >= 8 and executor["failedTasks"] == 1 and executor["rddBlocks"] == 5

    environment = get_json(f"{api}/environment")
    properties = dict(environment["sparkProperties"])
    assert properties["spark.app.id"] == app_id and properties["spark.hadoop.fs.s3a.secret.key"] == rest.REDACTED

    [query] = get_json(f"{api}/sql")
    assert "GROUP BY" in query["description"] and query["status"] == "COMPLETED" and query["jobIds"]
    assert "HashAggregate" in query["planDescription"]
    rows = {n["nodeName"]: int(n["metrics"][0]["value"]) for n in query["nodes"] if n["metrics"]}
    assert rows["Range"] == 30 and rows["Sort"] == 3      # each operator's own output rows
    assert len(query["edges"]) == len(query["nodes"]) - 1
    assert {j["sqlExecutionId"] for j in jobs if j["jobId"] in query["jobIds"]} == {query["id"]}

    pages = {"/jobs/": ["Event Timeline", "Completed Jobs", "Failed Jobs"],
             f"/jobs/job/?id={shuffle_job['jobId']}": ['class="dag"', "ParallelCollectionRDD", "Stage "],
             f"/stages/stage/?id={map_stage['stageId']}&attempt=0": ['class="dag"', "Summary Metrics for 4",
                                                                     "Median", "Aggregated Metrics by Executor"],
             "/stages/": ["Completed Stages", "Failed Stages"],
             "/storage/": ["doubled numbers", "100%"],
             f"/storage/rdd/?id={cached.id()}": ["Data Distribution on Executors", f"rdd_{cached.id()}_4"],
             "/executors/": ["driver", "Active"],
             "/environment/": ["spark.app.id", rest.REDACTED],
             "/SQL/": ["GROUP BY"],
             f"/SQL/execution/?id={query['id']}": ['aria-label="physical plan"', "HashAggregate", "Range",
                                                  "number of output rows: 30", "SELECT id % 3"]}
    for path, expected in pages.items():
        status, body = get(base + path)
        assert status == 200, path
        for text in expected:
            assert text in body, (path, text)
        assert "<script" not in body, path
    status, body = get(f"{base}/jobs/")
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;quotes&quot;" in body
    assert "hunter2" not in get(f"{base}/environment/")[1] and "hunter2" not in json.dumps(environment)


def test_the_ui_answers_404_to_what_it_does_not_serve_and_never_reads_files(live):
    sc, _ = live
    base, app_id = sc.uiWebUrl, sc.applicationId
    for path in ["/nope/", "/jobs/job/?id=999", "/jobs/job/?id=x", "/stages/stage/?id=0&attempt=7",
                 "/storage/rdd/?id=12345", "/SQL/execution/?id=none", "/api/v1/applications/other-app/jobs",
                 f"/api/v1/applications/{app_id}/nothing", "/api/v2/", "/../../../etc/passwd",
                 "/static/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/history/x/jobs/"]:
        status, body = get(base + path)
        assert status == 404, (path, status)
        assert "root:" not in body
    request = urllib.request.Request(base + "/jobs/", data=b"x", method="POST")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 501


def test_the_ui_takes_the_next_port_when_taken_and_is_gone_after_stop(make_sc):
    blocker = socket.socket()
    blocker.bind(("127.0.0.1", 0))
    blocker.listen()
    port = blocker.getsockname()[1]
    try:
        sc = make_sc("local[1]", spark_ui_port=str(port))
        assert sc.uiWebUrl == f"http://127.0.0.1:{port + 1}" or int(sc.uiWebUrl.rsplit(":", 1)[1]) > port
        url = sc.uiWebUrl
        assert get(url + "/jobs/")[0] == 200
        sc.stop()
        with pytest.raises(OSError):
            urllib.request.urlopen(url + "/jobs/", timeout=5)
    finally:
        blocker.close()
    assert make_sc("local[1]", spark_ui_enabled="false").uiWebUrl is None


# -- event log and history ------------------------------------------------------------------------

def test_the_event_log_holds_every_event_and_replays_to_what_the_live_ui_showed(make_sc, tmp_path):
    sc = make_sc("local[2]", spark_eventLog_enabled="true", spark_eventLog_dir=str(tmp_path))
    cached = run_workload(sc)          # held: the cleaner would drop its blocks when it is collected
    app_id = sc.applicationId
    assert os.listdir(tmp_path) == [f"{app_id}.inprogress"]
    live_api = f"{sc.uiWebUrl}/api/v1/applications/{app_id}"
    live = {part: get_json(f"{live_api}/{part}") for part in ("jobs", "stages", "storage/rdd", "sql")}
    sc.stop()
    assert os.listdir(tmp_path) == [app_id]
    lines = (tmp_path / app_id).read_text().splitlines()
    kinds = [json.loads(line)["Event"] for line in lines]
    assert kinds[0] == "SparkListenerApplicationStart" and kinds[-1] == "SparkListenerApplicationEnd"
    assert {"SparkListenerJobStart", "SparkListenerTaskEnd", "SparkListenerBlockUpdated",
            "SparkListenerSQLExecutionStart", "SparkListenerExecutorAdded"} <= set(kinds)
    [logged] = eventlog.list_applications(str(tmp_path))
    assert logged.app_id == app_id and logged.completed
    store = AppStatusStore()
    for event in eventlog.replay(logged):
        getattr(store, "on" + type(event).__name__)(event)
    assert rest.jobs(store) == live["jobs"]
    assert rest.storage(store) == live["storage/rdd"] and [r["id"] for r in live["storage/rdd"]] == [cached.id()]
    assert [s["stageId"] for s in rest.stages(store)] == [s["stageId"] for s in live["stages"]]
    assert [x["description"] for x in rest.sql_executions(store)] == [x["description"] for x in live["sql"]]


def test_a_compressed_rolled_log_is_cut_into_files_and_read_back_whole(make_sc, tmp_path):
    sc = make_sc("local[2]", spark_ui_enabled="false", spark_eventLog_enabled="true",
                 spark_eventLog_dir=str(tmp_path), spark_eventLog_compress="true",
                 spark_eventLog_rolling_enabled="true", spark_eventLog_rolling_maxFileSize="4k")
    for i in range(30):
        assert sc.parallelize(range(10), 2).map(lambda x: x + i).count() == 10
    app_id = sc.applicationId
    folder = tmp_path / f"eventlog_v2_{app_id}"
    assert f"appstatus_{app_id}.inprogress" in os.listdir(folder)
    sc.stop()
    names = sorted(os.listdir(folder))
    events = [n for n in names if n.startswith("events_")]
    assert f"appstatus_{app_id}" in names and len(events) >= 2
    assert all(n.endswith(f"_{app_id}.zstd") for n in events)
    [logged] = eventlog.list_applications(str(tmp_path))
    assert logged.completed
    replayed = list(eventlog.replay(logged))
    assert sum(type(e).__name__ == "JobEnd" for e in replayed) == 30
    assert type(replayed[0]).__name__ == "ApplicationStart" and type(replayed[-1]).__name__ == "ApplicationEnd"


CRASHING_APP = textwrap.dedent("""
    import os, sys, time
    from sparklite import SparkConf, SparkContext
    conf = SparkConf().set("spark.eventLog.enabled", "true").set("spark.eventLog.dir", sys.argv[1])
    sc = SparkContext("local[2]", "crashes", conf=conf)
    assert sc.parallelize(range(100), 4).map(lambda x: (x % 3, 1)).reduceByKey(lambda a, b: a + b).count() == 3
    print(sc.applicationId, flush=True)
    time.sleep(1.0)               # the log is written at a job's end, or within half a second
    os._exit(3)
""")


def test_history_serves_a_finished_application_and_a_crashed_one(make_sc, tmp_path):
    sc = make_sc("local[2]", spark_eventLog_enabled="true", spark_eventLog_dir=str(tmp_path), spark_ui_enabled="false")
    cached = run_workload(sc)          # held: the cleaner would drop its blocks when it is collected
    finished = sc.applicationId
    sc.stop()
    scratch = tmp_path / "scratch"          # what the crashed driver leaves stays in the test's folder
    scratch.mkdir()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path), TMPDIR=str(scratch))
    done = subprocess.run([sys.executable, "-c", CRASHING_APP, str(tmp_path)], capture_output=True, text=True,
                          timeout=120, env=env)
    assert done.returncode == 3, done.stderr[-2000:]
    crashed = done.stdout.split()[-1]

    server = UIServer(HistoryApplications(str(tmp_path)), "127.0.0.1", 0)
    try:
        apps = {a["id"]: a for a in get_json(f"{server.url}/api/v1/applications")}
        assert set(apps) == {finished, crashed}
        assert apps[finished]["attempts"][0]["completed"] and not apps[crashed]["attempts"][0]["completed"]
        assert apps[crashed]["name"] == "crashes"
        status, listing = get(server.url + "/")
        assert status == 200 and "incomplete" in listing and f"/history/{crashed}/jobs/" in listing
        [job] = get_json(f"{server.url}/api/v1/applications/{crashed}/jobs")
        assert job["status"] == "SUCCEEDED" and job["numCompletedTasks"] == 8
        status, page = get(f"{server.url}/history/{finished}/storage/")
        assert status == 200 and "doubled numbers" in page and f"?id={cached.id()}" in page
        status, page = get(f"{server.url}/history/{finished}/jobs/")
        assert status == 200 and f'href="/history/{finished}/jobs/job/?id=' in page
        assert get(f"{server.url}/history/{crashed}/stages/")[0] == 200
        assert get(f"{server.url}/history/no-such-app/jobs/")[0] == 404
    finally:
        server.stop()


def test_the_history_command_serves_a_folder(tmp_path, no_sc):
    conf = SparkConf().set("spark.eventLog.enabled", "true").set("spark.eventLog.dir", str(tmp_path)) \
        .set("spark.ui.enabled", "false")
    with SparkContext("local[1]", "for-history", conf=conf) as sc:
        sc.parallelize(range(3)).count()
        app_id = sc.applicationId
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    server = subprocess.Popen([sys.executable, "-m", "sparklite", "history", "--dir", str(tmp_path),
                               "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        banner = server.stdout.readline()
        assert f"http://127.0.0.1:{port}" in banner, banner + server.stderr.read()
        [app] = get_json(f"http://127.0.0.1:{port}/api/v1/applications")
        assert app["id"] == app_id and app["name"] == "for-history"
    finally:
        server.terminate()
        server.wait(timeout=10)


# -- in a real browser ----------------------------------------------------------------------------

ARTIFACTS = os.environ.get("SPARKLITE_UI_SCREENSHOTS") or os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "test-artifacts", "ui")


def test_a_browser_finds_the_job_the_stage_dag_the_cached_rdd_and_the_plan_graph(live):
    from tests.tools import webdriver
    if not webdriver.available():
        pytest.skip("Debian's chromium and chromium-driver are not installed (.ci/run installs them)")
    sc, cached = live
    base, app_id = sc.uiWebUrl, sc.applicationId
    api = f"{base}/api/v1/applications/{app_id}"
    shuffle_job = get_json(f"{api}/jobs")[-1]
    [query] = get_json(f"{api}/sql")
    os.makedirs(ARTIFACTS, exist_ok=True)
    browser = webdriver.Browser()
    try:
        browser.open(base + "/jobs/")
        assert "Spark Jobs" in browser.title()
        assert str(shuffle_job["jobId"]) in [t.split()[0] for t in browser.find("table.jobs tr td:first-child")]
        assert browser.count("svg.timeline rect.job") == len(get_json(f"{api}/jobs"))
        browser.screenshot(os.path.join(ARTIFACTS, "jobs.png"))

        browser.open(f"{base}/jobs/job/?id={shuffle_job['jobId']}")
        assert browser.count("svg.dag rect.cluster") == 2 and browser.count("svg.dag line.shuffle") == 1
        browser.screenshot(os.path.join(ARTIFACTS, "job.png"))

        browser.open(f"{base}/stages/stage/?id={min(shuffle_job['stageIds'])}&attempt=0")
        assert browser.count("svg.dag g.rdd") == 2
        assert any("ParallelCollectionRDD" in t for t in browser.find("svg.dag g.rdd text"))
        assert browser.find("table.summary tr td:first-child")[:2] == ["Duration", "Run Time"]
        browser.screenshot(os.path.join(ARTIFACTS, "stage.png"))

        browser.open(base + "/storage/")
        assert "doubled numbers" in browser.find("table.storage td")
        browser.screenshot(os.path.join(ARTIFACTS, "storage.png"))

        browser.open(f"{base}/SQL/execution/?id={query['id']}")
        assert browser.count("svg.dag g.op") == len(query["nodes"])
        assert any(t.startswith("number of output rows") for t in browser.find("svg.dag g.op text.rows"))
        browser.screenshot(os.path.join(ARTIFACTS, "sql.png"))

        browser.open(base + "/executors/")
        assert browser.find("table.executors tr td:first-child") == ["driver"]
        browser.screenshot(os.path.join(ARTIFACTS, "executors.png"))
    finally:
        browser.close()
    assert sorted(os.listdir(ARTIFACTS)) >= ["executors.png", "job.png", "jobs.png", "sql.png", "stage.png", "storage.png"]


def test_a_cached_dataframe_is_on_the_storage_page_under_its_plan(make_sc):
    from sparklite.sql import SparkSession
    sc = make_sc("local[2]")
    spark = SparkSession.builder.getOrCreate()
    doubled = spark.range(50).selectExpr("id * 2 AS x").cache()
    assert doubled.count() == 50
    wait_for_listeners(sc)
    [stored] = get_json(f"{sc.uiWebUrl}/api/v1/applications/{sc.applicationId}/storage/rdd")
    assert "Range" in stored["name"] and stored["memoryUsed"] + stored["diskUsed"] > 0
    assert stored["numCachedPartitions"] == stored["numPartitions"]
    status, page = get(f"{sc.uiWebUrl}/storage/")
    assert status == 200 and "Range (0, 50" in page
    doubled.unpersist()

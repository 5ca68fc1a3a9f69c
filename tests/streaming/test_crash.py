"""Exactly-once through crashes: the job of ``jobs/crash_job.py`` is killed with SIGKILL at random
points, again and again (at least ten times), each time restarted from its checkpoints until a run
gets to the end; its file sink and its idempotent ``foreachBatch`` sink then hold exactly the rows of
an uninterrupted run (none lost, none twice)."""
from __future__ import annotations

import datetime
import json
import os
import random
import signal
import subprocess
import sys
import time

import pyarrow.parquet as pq
import pytest

JOB = os.path.join(os.path.dirname(__file__), "jobs", "crash_job.py")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FILES, ROWS = 16, 40
KILLS = 10


def make_input(folder: str) -> None:
    """Files of events, a few seconds of event time each, one minute apart in modification time."""
    os.makedirs(folder)
    rng = random.Random(7)
    start = datetime.datetime(2026, 1, 1)
    for i in range(FILES):
        with open(os.path.join(folder, f"part-{i:03d}.json"), "w") as f:
            for _ in range(ROWS):
                ts = start + datetime.timedelta(seconds=i * 4 + rng.random() * 6)
                f.write(json.dumps({"k": rng.choice("abc"), "v": rng.randint(1, 9), "ts": ts.isoformat(" ")}) + "\n")
        stamp = 1_700_000_000 + 60 * i
        os.utime(os.path.join(folder, f"part-{i:03d}.json"), (stamp, stamp))


def progress(out: str) -> int:
    """How many log entries the job's two queries have written so far."""
    folders = [os.path.join(out, "checkpoints", q, log) for q in ("files", "batches") for log in ("offsets", "commits")]
    return sum(len(os.listdir(f)) for f in folders if os.path.isdir(f))


def run_job(source: str, out: str, rng: random.Random | None = None) -> bool:
    """Runs the job; with ``rng``, kills it with SIGKILL at a random moment after it wrote its next log
    entry (so each kill lands in the middle of the stream's work); whether it finished by itself."""
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    process = subprocess.Popen([sys.executable, JOB, source, out], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, start_new_session=True)
    if rng is not None:
        before, deadline = progress(out), time.monotonic() + 120
        while process.poll() is None and progress(out) == before and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(rng.uniform(0, 0.3))
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            return False
    process.wait(timeout=300)
    assert process.returncode == 0, process.stderr.read().decode()[-3000:]
    return True


def committed_rows(out: str) -> list:
    """The file sink's rows in the files its ``_spark_metadata`` log lists, and the batch files' rows.
    The log is read as Spark reads it: the latest ``<id>.compact`` (every entry up to it) and the
    entries after it."""
    table = os.path.join(out, "table")
    log = os.path.join(table, "_spark_metadata")
    names = os.listdir(log)
    compacted = max((int(n.removesuffix(".compact")) for n in names if n.endswith(".compact")), default=-1)
    wanted = [n for n in names if n.isdigit() and int(n) > compacted]
    wanted += [f"{compacted}.compact"] if compacted >= 0 else []
    listed = []
    for entry in wanted:
        with open(os.path.join(log, entry)) as f:
            listed += [json.loads(line)["path"] for line in f.read().splitlines()[1:]]
    files = [p.removeprefix("file://") for p in listed]
    rows = [tuple(sorted(r.items())) for path in files for r in pq.read_table(path).to_pylist()]
    batches = [line for name in sorted(os.listdir(os.path.join(out, "batches"))) if name.endswith(".json")
               for line in open(os.path.join(out, "batches", name)).read().splitlines() if line]
    return sorted(map(str, rows)), sorted(batches)


@pytest.mark.slow
def test_killed_again_and_again_the_job_writes_what_an_uninterrupted_run_writes(tmp_path):
    source = str(tmp_path / "input")
    make_input(source)
    assert run_job(source, str(tmp_path / "clean"))
    expected = committed_rows(str(tmp_path / "clean"))
    assert expected[0] and expected[1]
    rng = random.Random(int(os.environ.get("CRASH_SEED", "11")))
    kills, series = 0, 0
    while kills < KILLS:
        crashed = str(tmp_path / f"crashed-{series}")
        while not run_job(source, crashed, rng):
            kills += 1
        # a restart got through to the end: the series of crashes wrote exactly the clean run's rows
        assert committed_rows(crashed) == expected, f"after {kills} kills"
        series += 1

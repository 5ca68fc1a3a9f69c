"""What watching costs: 1,000 small jobs with the web UI and the event log on, against the same jobs
with both off, measured in one run.

    python -m benchmarks.ui_bench [--jobs 1000] [--repeat 3]

Each job is a two-stage shuffle of 100 numbers over 4 partitions in ``local[2]`` (8 tasks), the
kind of job a notebook or a stream runs all day: its listener-bus events are as many as a big job's
per task, so the cost shows. The two configurations take turns in separate contexts (a drift in the
machine's speed touches both); each figure is the best of ``--repeat`` runs. Floor: <= 5% more time.
"""
from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from operator import add

from sparklite import SparkConf, SparkContext
from sparklite.core import api


def run_jobs(conf: SparkConf, jobs: int) -> float:
    with SparkContext("local[2]", "ui-bench", conf=conf) as sc:
        data = sc.parallelize(range(100), 4).map(lambda x: (x % 10, 1))
        data.reduceByKey(add).count()                       # the worker processes are up
        start = time.perf_counter()
        for _ in range(jobs):
            assert data.reduceByKey(add).count() == 10
        api.wait_for_listeners(sc)                          # the UI and the log have heard every event
        return time.perf_counter() - start


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    log_dir = tempfile.mkdtemp(prefix="sparklite-ui-bench-")
    try:
        off = SparkConf().set("spark.ui.enabled", "false").set("spark.eventLog.enabled", "false")
        on = (SparkConf().set("spark.ui.enabled", "true").set("spark.eventLog.enabled", "true")
              .set("spark.eventLog.dir", log_dir))
        off_s = on_s = float("inf")
        for _ in range(args.repeat):
            off_s = min(off_s, run_jobs(off, args.jobs))
            on_s = min(on_s, run_jobs(on, args.jobs))
        ratio = on_s / off_s
        print("| figure | UI and event log on | baseline (same run) | ratio | floor | met |")
        print("|---|---|---|---|---|---|")
        print(f"| {args.jobs:,} small jobs (2 stages, 8 tasks each), local[2] | {on_s:.2f} s | both off {off_s:.2f} s "
              f"| {ratio:.3f}x ({100 * (ratio - 1):+.1f}%) | <= 1.05x | {'yes' if ratio <= 1.05 else 'NO'} |")
    finally:
        shutil.rmtree(log_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

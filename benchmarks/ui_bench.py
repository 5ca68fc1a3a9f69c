"""What watching costs: 1,000 small jobs with the web UI and the event log on, against the same jobs
with both off, measured in one run.

    python -m benchmarks.ui_bench [--jobs 1000] [--rounds 20]

Each job is a two-stage shuffle of 100 numbers over 4 partitions in ``local[2]`` (8 tasks), the
kind of job a notebook or a stream runs all day: it posts as many listener-bus events per task as a
big job, so the cost shows. The jobs run in ``--rounds`` rounds; in each, the two configurations
run the round's jobs back to back in contexts of their own (which goes first alternates), so a drift
in this shared machine's speed touches both. The figure is the ratio of the two configurations' total
times over all rounds; the rounds' own ratios are printed to show the machine's noise. Floor: <= 5%
more time.
"""
from __future__ import annotations

import argparse
import shutil
import statistics
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
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args(argv)
    log_dir = tempfile.mkdtemp(prefix="sparklite-ui-bench-")
    try:
        off = SparkConf().set("spark.ui.enabled", "false").set("spark.eventLog.enabled", "false")
        on = (SparkConf().set("spark.ui.enabled", "true").set("spark.eventLog.enabled", "true")
              .set("spark.eventLog.dir", log_dir))
        per_round = max(args.jobs // args.rounds, 1)
        off_s = on_s = 0.0
        rounds = []
        for i in range(args.rounds):
            if i % 2:
                on_t, off_t = run_jobs(on, per_round), run_jobs(off, per_round)
            else:
                off_t, on_t = run_jobs(off, per_round), run_jobs(on, per_round)
            off_s, on_s = off_s + off_t, on_s + on_t
            rounds.append(on_t / off_t)
        ratio = on_s / off_s
        jobs = per_round * args.rounds
        print("| figure | UI and event log on | baseline (same run) | ratio | floor | met |")
        print("|---|---|---|---|---|---|")
        print(f"| {jobs:,} small jobs (2 stages, 8 tasks each) in {args.rounds} rounds, local[2] | {on_s:.2f} s | "
              f"both off {off_s:.2f} s | {ratio:.3f}x ({100 * (ratio - 1):+.1f}%) | <= 1.05x | "
              f"{'yes' if ratio <= 1.05 else 'NO'} |")
        print(f"\nper-round ratios (the machine's noise): median {statistics.median(rounds):.3f}, "
              f"{', '.join(f'{r:.2f}' for r in rounds)}")
    finally:
        shutil.rmtree(log_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

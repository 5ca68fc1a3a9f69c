"""Soak: many small jobs in one long-lived context, as a shell, a notebook or a stream makes them.

Every round of ten jobs makes a cached RDD, a shuffle, a broadcast variable and an accumulator,
uses them and drops them, then runs small one-partition jobs. The figures are jobs per second over
each tenth of the run and the resident memory of the driver at the start and at the end; the test
(tests/core/test_long_running.py) runs the same workload and checks that nothing grew.

    python -m benchmarks.soak --master local[2] --jobs 10000
"""
from __future__ import annotations

import argparse
import gc
import resource
import time
from operator import add

JOBS_PER_ROUND = 10


def rss_bytes(pid: str | int = "self") -> int:
    """The resident memory of a process now (Linux), in bytes."""
    with open(f"/proc/{pid}/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize()


def one_round(sc, seed: int) -> None:
    """Ten jobs; everything they made is unreachable when it returns."""
    offset = sc.broadcast(seed)
    seen = sc.accumulator(0)
    cached = sc.parallelize(range(40), 2).map(lambda x: (x % 4, x + offset.value)).cache()
    assert cached.count() == 40
    cached.foreach(lambda _: seen.add(1))
    totals = dict(cached.reduceByKey(add).collect())
    assert seen.value == 40 and totals[0] == sum(x + seed for x in range(0, 40, 4))
    for i in range(JOBS_PER_ROUND - 3):
        assert sc.parallelize([i], 1).map(lambda x: x * 2).collect() == [i * 2]


def run(sc, jobs: int, report=None) -> dict:
    """Run ``jobs`` jobs in rounds; returns jobs/s per tenth of the run and the driver's RSS."""
    rounds = max(1, jobs // JOBS_PER_ROUND)
    tenth = max(1, rounds // 10)
    rates, start_rss, started = [], rss_bytes(), time.perf_counter()
    mark = started
    for r in range(rounds):
        one_round(sc, r)
        if (r + 1) % tenth == 0:
            now = time.perf_counter()
            rates.append(tenth * JOBS_PER_ROUND / (now - mark))
            mark = now
            if report is not None:
                report(r + 1, rates[-1])
    gc.collect()
    return {"jobs": rounds * JOBS_PER_ROUND, "seconds": time.perf_counter() - started, "jobs_per_s": rates,
            "driver_rss_start": start_rss, "driver_rss_end": rss_bytes()}


def main(argv=None) -> int:
    from sparklite import SparkContext
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--jobs", type=int, default=10_000)
    args = parser.parse_args(argv)
    with SparkContext(args.master, "sparklite-soak") as sc:
        figures = run(sc, args.jobs)
    rates = figures["jobs_per_s"]
    print(f"{args.master}: {figures['jobs']:,} jobs in {figures['seconds']:.1f} s; jobs/s per tenth of the run: "
          f"{', '.join(f'{r:.0f}' for r in rates)}; driver RSS {figures['driver_rss_start'] / 2**20:.0f} MiB at "
          f"start, {figures['driver_rss_end'] / 2**20:.0f} MiB at the end")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

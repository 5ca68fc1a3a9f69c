"""Ray backend benchmark: four figures measured in one run, each with its baseline from the same run.

    python -m benchmarks.ray_bench [--points 1000000] [--iterations 5]

1. Empty-task throughput on Ray: a 1000-partition job that does nothing (floor >= 500 tasks/s), beside
   bare Ray's rate of no-op actor calls made the same way in the same run (Ray's own limit here).
2. Iterative job over a cached RDD of 1M ten-dimensional points parsed from text: a logistic
   regression gradient pass per iteration; later passes against the first, uncached one that reads
   and parses the text (floor: later passes >= 5x faster).
3. Cached Arrow block scan: an RDD of Arrow record batches (a columnar partition, cached untouched)
   summed by Arrow kernels; bytes scanned per second per executor (floor >= 1 GB/s).
4. An iteration during which an executor is killed, against a normal iteration of the same job
   (floor: <= 2x). The cached points are replicated (MEMORY_ONLY_2), as a job that must ride out
   spot-capacity loss would cache them.
"""
from __future__ import annotations

import argparse
import os
import threading
import time

import numpy as np

from benchmarks.data import DATA_DIR, points_text_at
from sparklite import SparkConf, SparkContext, StorageLevel
from sparklite.core import api

DIM = 10


def points_text(n: int, seed: int = 3) -> str:
    os.makedirs(DATA_DIR, exist_ok=True)
    return points_text_at(os.path.join(DATA_DIR, f"points_{n}_{DIM}d_{seed}.txt"), n, DIM, seed)


def parse(line: str):
    values = np.array(line.split(), dtype=np.float64)
    return values   # label first, then the point


def gradient_of(w):
    def partition(it):
        block = np.stack(list(it))
        y, x = block[:, 0], block[:, 1:]
        margin = y * (x @ w)
        return [((1.0 / (1.0 + np.exp(-margin)) - 1.0) * y) @ x]
    return partition


class BareRayCalls:
    """Ray's own floor under a task: two actors (no CPU reserved, so they fit beside the executors)
    answer a no-op method, one call in flight each, the next sent from the completion callback of the
    last as the scheduler launches tasks."""

    def __init__(self):
        import ray

        @ray.remote(num_cpus=0)
        class Echo:
            def call(self, payload):
                return payload

        self.actors = [Echo.remote() for _ in range(2)]
        ray.get([a.call.remote(b"") for a in self.actors])

    def seconds(self, n: int) -> float:
        left, lock, done = [n], threading.Lock(), threading.Event()

        def launch(actor):
            actor.call.remote(b"x" * 300).future().add_done_callback(lambda _: ended(actor))

        def ended(actor):
            with lock:
                left[0] -= 1
                remaining = left[0]
            if remaining >= len(self.actors):
                launch(actor)
            elif remaining <= 0:
                done.set()

        start = time.perf_counter()
        for actor in self.actors:
            launch(actor)
        done.wait()
        return time.perf_counter() - start

    def stop(self) -> None:
        import ray
        for actor in self.actors:
            ray.kill(actor)


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--iterations", type=int, default=10)
    parser.add_argument("--scan-mb", type=int, default=1024)
    args = parser.parse_args(argv)
    path = points_text(args.points)
    conf = (SparkConf().set("spark.executor.instances", 2).set("spark.executor.memory", "3g")
            .set("spark.locality.wait", "1s"))
    rows = []
    start = time.perf_counter()
    with SparkContext("ray", "ray-bench", conf=conf) as sc:
        startup = time.perf_counter() - start
        # 1. empty tasks, taking turns with bare Ray calls on the same instance (a drift touches both)
        empty = sc.parallelize([], 1000)
        empty.foreach(lambda x: None)
        bare = BareRayCalls()
        seconds = bare_seconds = float("inf")
        for _ in range(3):
            bare_seconds = min(bare_seconds, bare.seconds(1000))
            seconds = min(seconds, timed(lambda: empty.foreach(lambda x: None))[0])
        bare.stop()
        rows.append(("empty-task throughput, 1000 tasks, 2 executors", f"{1000 / seconds:,.0f} tasks/s",
                     f"bare Ray {1000 / bare_seconds:,.0f} calls/s", f"{bare_seconds / seconds:.2f}x bare Ray's rate",
                     ">= 500 tasks/s", 1000 / seconds >= 500))

        # 2. iterative job over cached points
        points = sc.textFile(path, 8).map(parse).persist(StorageLevel.MEMORY_ONLY_2)
        w = np.zeros(DIM)
        times = []
        for _ in range(args.iterations):
            t, g = timed(lambda: points.mapPartitions(gradient_of(w)).reduce(lambda a, b: a + b))
            w -= 0.1 * g / args.points
            times.append(t)
        later = float(np.median(times[1:]))
        ratio = times[0] / later
        rows.append((f"logistic regression over {args.points:,} cached 10-d points: later pass", f"{later:.3f} s",
                     f"first (uncached, parses text) {times[0]:.2f} s", f"{ratio:.1f}x faster", ">= 5x", ratio >= 5))

        # 3. cached Arrow block scan
        import pyarrow as pa
        import pyarrow.compute as pc
        per_partition = args.scan_mb * (1 << 20) // 8 // 8
        batches = sc.range(8, numSlices=8).map(
            lambda i: pa.record_batch([pa.array(np.full(per_partition, float(i)))], names=["x"])).cache()
        batches.count()
        class Scan(api.SparkListener):
            def __init__(self):
                self.runs = []

            def onTaskEnd(self, e):
                self.runs.append(e.metrics.executor_run_time)

        scan = Scan()
        sc.addSparkListener(scan)
        scan_s, total = timed(lambda: batches.map(lambda b: pc.sum(b.column(0)).as_py()).sum())
        api.wait_for_listeners(sc)
        sc.removeSparkListener(scan)
        expected = sum(float(i) * per_partition for i in range(8))
        assert abs(total - expected) < 1e-6 * expected
        scanned = 8 * per_partition * 8
        per_executor = scanned / sum(scan.runs) / 1e9
        rows.append((f"cached Arrow block scan, {scanned / 2**20:,.0f} MiB in 8 batches", f"{per_executor:.1f} GB/s per executor",
                     f"job wall time {scan_s:.2f} s", "-", ">= 1 GB/s", per_executor >= 1))
        batches.unpersist()

        # 4. an iteration during which an executor is killed
        normal, _ = timed(lambda: points.mapPartitions(gradient_of(w)).reduce(lambda a, b: a + b))
        victim = sorted(sc.getExecutorIds())[0]
        killer = threading.Timer(normal / 3, lambda: api.crash_executor(sc, victim))
        killer.start()
        faulty, g = timed(lambda: points.mapPartitions(gradient_of(w)).reduce(lambda a, b: a + b))
        killer.join()
        ratio = faulty / normal
        rows.append(("iteration with an executor killed mid-way", f"{faulty:.3f} s", f"normal iteration {normal:.3f} s",
                     f"{ratio:.2f}x", "<= 2x", ratio <= 2))
    print(f"Ray backend, session start-up {startup:.1f} s (Ray's own start included)\n")
    print("| figure | sparklite on Ray | baseline (same run) | ratio | floor | met |")
    print("|---|---|---|---|---|---|")
    for figure, value, baseline, ratio, floor, ok in rows:
        print(f"| {figure} | {value} | {baseline} | {ratio} | {floor} | {'yes' if ok else 'NO'} |")
    print(f"\nper-iteration times: {', '.join(f'{t:.3f}' for t in times)} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

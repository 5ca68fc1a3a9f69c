"""Structured Streaming benchmark: a windowed count over the ``rate`` source on sparklite ``local[2]``
and on PySpark ``local[2]``, and the cost of an empty micro-batch, measured in one run.

    python -m benchmarks.streaming_bench [--seconds 20] [--rates 200000,800000,1600000,3200000]
                                         [--engines sparklite,pyspark]      (also: sparklite bench streaming)

The job: ``spark.readStream.format("rate").option("rowsPerSecond", R)`` with 2 partitions,
``withWatermark("timestamp", "10 seconds").groupBy(window("timestamp", "5 seconds")).count()`` in
update mode into the ``noop`` sink, default trigger, ``spark.sql.shuffle.partitions=2`` (the same
settings for both engines). Each rate of ``--rates`` runs for ``--seconds`` in an engine process of
its own; the first 3 batches are warm-up. A rate is *sustained* when the engine processed its rows as
fast as they came (at least 95% of R rows a second over the measured batches) with every batch done
within 1 second. The empty micro-batch: the same windowed count fed by a ``MemoryStream`` whose every
offset holds no row, 200 batches; its figure is the wall time from adding the offset to
``processAllAvailable`` returning, per batch (sparklite only: PySpark has no memory source).

Floors, from the same run: sparklite sustains at least 200,000 rows/s with batches within 1 s; an
empty micro-batch costs at most 20 ms; at 200,000 rows/s sparklite's mean batch duration is at most
0.5x PySpark's (the ratio at every other rate is printed beside it). The record goes to
``benchmarks/results/streaming_bench.json``; the table prints in markdown.
"""
from __future__ import annotations

import argparse
import datetime
import importlib.util
import json
import subprocess
import sys
import time

from benchmarks.floors import met, save_record

RATES = [200_000, 800_000, 1_600_000, 3_200_000]
ENGINES = ["sparklite", "pyspark"]
WARM_UP = 3
FLOOR_RATE = 200_000       # the job the floors name: a windowed count over 200,000 rows a second


def _session(engine: str):
    if engine == "pyspark":
        from pyspark.sql import SparkSession, functions as F
    else:
        from sparklite.sql import SparkSession, functions as F
    spark = (SparkSession.builder.master("local[2]").config("spark.sql.shuffle.partitions", "2")
             .config("spark.ui.enabled", "false").config("spark.sql.session.timeZone", "UTC").getOrCreate())
    if engine == "pyspark":
        spark.sparkContext.setLogLevel("ERROR")
    return spark, F


def windowed_count(events, F):
    return events.withWatermark("timestamp", "10 seconds").groupBy(F.window("timestamp", "5 seconds")).count()


def run_rate(spark, F, rate: int, seconds: float) -> dict:
    events = spark.readStream.format("rate").option("rowsPerSecond", rate).option("numPartitions", 2).load()
    query = windowed_count(events, F).writeStream.outputMode("update").format("noop").start()
    time.sleep(seconds)
    query.stop()
    progress = [p for p in query.recentProgress if p["numInputRows"] > 0][WARM_UP:]
    if not progress:
        return {"rate": rate, "batches": 0, "sustained": False}
    durations = [p["durationMs"]["triggerExecution"] for p in progress]
    # the rows that came after the first measured batch ended, over the time until the last one ended
    rows = sum(p["numInputRows"] for p in progress[1:])
    first = _started(progress[0]) + durations[0] / 1000
    span = _started(progress[-1]) + durations[-1] / 1000 - first
    per_second = rows / span if span > 0 else 0.0
    return {"rate": rate, "batches": len(progress), "rows": rows, "rows_per_second": per_second,
            "mean_batch_ms": sum(durations) / len(durations), "max_batch_ms": max(durations),
            "sustained": per_second >= 0.95 * rate and max(durations) <= 1000}


def _started(progress: dict) -> float:
    return datetime.datetime.fromisoformat(progress["timestamp"].replace("Z", "+00:00")).timestamp()


def run_empty(spark, F, batches: int = 200) -> dict:
    from sparklite.streaming import MemoryStream
    source = MemoryStream(spark, "timestamp TIMESTAMP, value LONG")
    query = windowed_count(source.toDF(), F).writeStream.outputMode("update").format("noop").start()
    source.addData([])
    query.processAllAvailable()
    started = time.perf_counter()
    for _ in range(batches):
        source.addData([])
        query.processAllAvailable()
    elapsed = time.perf_counter() - started
    query.stop()
    durations = [p["durationMs"]["triggerExecution"] for p in query.recentProgress]
    return {"batches": batches, "ms_per_batch": elapsed * 1000 / batches,
            "trigger_execution_ms": sum(durations) / len(durations)}


def run_engine(engine: str, rates: list, seconds: float) -> dict:
    spark, F = _session(engine)
    result = {"rates": [run_rate(spark, F, rate, seconds) for rate in rates]}
    if engine == "sparklite":
        result["empty"] = run_empty(spark, F)
    spark.stop()
    return result


def measure(engine: str, rates: list, seconds: float) -> dict:
    command = [sys.executable, "-m", "benchmarks.streaming_bench", "--engine-child", engine,
               "--rates", ",".join(map(str, rates)), "--seconds", str(seconds)]
    out = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=True,
                         timeout=120 + 2 * seconds * len(rates)).stdout
    return json.loads(out.strip().splitlines()[-1])


def _best(result: dict) -> dict | None:
    sustained = [r for r in result["rates"] if r["sustained"]]
    return max(sustained, key=lambda r: r["rate"]) if sustained else None


def report(results: dict) -> tuple[str, list]:
    lines = ["| engine | rows/s asked | rows/s processed | mean batch (ms) | max batch (ms) | sustained |",
             "|---|---:|---:|---:|---:|---|"]
    for engine, result in results.items():
        for r in result["rates"]:
            lines.append(f"| {engine} | {r['rate']:,} | {r.get('rows_per_second', 0):,.0f} | "
                         f"{r.get('mean_batch_ms', 0):.0f} | {r.get('max_batch_ms', 0):.0f} | "
                         f"{'yes' if r['sustained'] else 'no'} |")
    checks = []
    mine = results.get("sparklite")
    if mine:
        best = _best(mine)
        checks.append(("sparklite sustained rows/s (floor >= 200,000)", best["rate"] if best else 0, 200_000, ">="))
        checks.append(("empty micro-batch ms (floor <= 20)", mine["empty"]["ms_per_batch"], 20, "<="))
        lines.append(f"\nEmpty micro-batch: {mine['empty']['ms_per_batch']:.1f} ms from a row-less offset to its "
                     f"batch done ({mine['empty']['batches']} batches; the batch itself "
                     f"{mine['empty']['trigger_execution_ms']:.1f} ms, its triggerExecution)")
    theirs = results.get("pyspark")
    if mine and theirs:
        for ours in mine["rates"]:
            other = next((t for t in theirs["rates"] if t["rate"] == ours["rate"]), None)
            if other is None or not other.get("mean_batch_ms"):
                continue
            ratio = ours["mean_batch_ms"] / other["mean_batch_ms"]
            lines.append(f"Mean batch at {ours['rate']:,} rows/s: sparklite {ours['mean_batch_ms']:.0f} ms, "
                         f"PySpark {other['mean_batch_ms']:.0f} ms ({ratio:.2f}x)")
            if ours["rate"] == FLOOR_RATE:
                checks.append((f"batch latency vs PySpark at {FLOOR_RATE:,} rows/s (floor <= 0.5x)", ratio, 0.5, "<="))
    return "\n".join(lines), checks


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--rates", default=",".join(map(str, RATES)))
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--engine-child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    rates = [int(r) for r in args.rates.split(",") if r]
    if args.engine_child:
        print(json.dumps(run_engine(args.engine_child, rates, args.seconds)))
        return 0
    results = {}
    for engine in [e for e in args.engines.split(",") if e]:
        if engine == "pyspark" and importlib.util.find_spec("pyspark") is None:
            print("pyspark: not installed, skipped", file=sys.stderr)
            continue
        print(f"{engine}: streaming ...", file=sys.stderr)
        results[engine] = measure(engine, rates, args.seconds)
    table, checks = report(results)
    print(table)
    for figure, value, limit, sense in checks:
        print(f"{figure}: {value:,.2f} {'met' if met(value, limit, sense) else 'MISSED'}")
    return save_record("streaming_bench", {"seconds": args.seconds, "results": results}, checks)


if __name__ == "__main__":
    sys.exit(main())

"""Structured Streaming scenarios pinning sparklite's micro-batch results to real PySpark's.

Contract: every scenario is plain data plus a query function, and ``run_scenario`` drives one with
nothing but the public PySpark streaming API, so the same code runs on PySpark (in
``golden/generate_scenarios.py``, which writes ``golden/scenarios.json``) and on sparklite (in the
tests, which compare with that file). This module imports neither library: the session ``spark``
and the functions module ``F`` are passed in.

How a scenario runs (``run_scenario``): for each entry of ``runs``, that run's rows are written as
ONE new JSON-lines file into the input directory (written beside it, then renamed into it, so the
file source never sees half a file); then the query is started on
``spark.readStream.schema(schema).json(input_dir)`` with ``outputMode(output_mode)``,
``trigger(availableNow=True)`` and a ``foreachBatch`` sink that records every batch, and awaited
to termination. All runs of a scenario share one checkpoint, so state and watermarks carry over;
Spark may run extra no-data batches to move the watermark, which is why a run is a list of batches.
Timestamps are written as ``"YYYY-MM-DD HH:MM:SS"`` and read in the session time zone, UTC.

The result, as JSON, is ``{"runs": [{"batches": [...], "offsets": n, "commits": n}, ...]}``, where a
batch is ``{"batchId", "rows", "numInputRows", "watermark", "state"}``: ``rows`` are dicts in
column order (structs such as ``window`` become dicts, timestamps UTC strings), sorted by their
JSON text so row order never matters (unless the scenario is ``ordered``: its query sorts);
``watermark`` is the progress report's ``eventTime.watermark`` text (None without one); ``state``
holds four counters of the first state operator (None for a stateless query); ``offsets`` and
``commits`` count the checkpoint's log files after the run. A query that Spark refuses gives
``{"error": {"error_class", "message", "raised_at"}}`` instead, ``raised_at`` being ``"start"`` or
``"awaitTermination"``.
"""
from __future__ import annotations

import datetime
import json
import os
from dataclasses import dataclass
from typing import Callable

EVENTS = "k STRING, v INT, ts TIMESTAMP"
KEYED = "id STRING, v INT, ts TIMESTAMP"
SIDES = "side STRING, key STRING, v INT, ts TIMESTAMP"
STATE_COUNTERS = ("numRowsTotal", "numRowsUpdated", "numRowsRemoved", "numRowsDroppedByWatermark")


@dataclass(frozen=True)
class Scenario:
    """One streaming query fed by a file source over several ``availableNow`` runs.

    ``schema`` is the DDL of the file source; ``runs`` lists each run's new rows (one file per
    run); ``query(spark, df, F)`` turns the streaming DataFrame into the one that is written;
    ``static`` is ``(ddl, rows)`` of the static side a stream-static join builds with
    ``spark.createDataFrame(rows, ddl)``; ``error`` says that PySpark refuses the query;
    ``ordered`` keeps each batch's rows in the order the query produced them."""
    name: str
    schema: str
    runs: list
    query: Callable
    output_mode: str = "append"
    static: tuple | None = None
    error: bool = False
    ordered: bool = False


def event(k, v, ts):
    return {"k": k, "v": v, "ts": "2026-01-01 " + ts}


def keyed(id_, v, ts):
    return {"id": id_, "v": v, "ts": "2026-01-01 " + ts}


def sided(side, key, v, ts):
    return {"side": side, "key": key, "v": v, "ts": "2026-01-01 " + ts}


# --- the queries -------------------------------------------------------------------------------

def project_filter(spark, df, F):
    return (df.filter(F.col("v") > 1).withColumn("v10", F.col("v") * 10)
            .select("k", "v10", F.upper("k").alias("K"), "ts"))


def count_sum_by_key(spark, df, F):
    return df.groupBy("k").agg(F.count("*").alias("c"), F.sum("v").alias("s"))


def global_count_max(spark, df, F):
    return df.groupBy().agg(F.count("*").alias("c"), F.max("v").alias("m"))


def buffered_aggregates(spark, df, F):
    return df.groupBy("k").agg(F.avg("v").alias("avg"), F.min("v").alias("min"), F.max("v").alias("max"),
                               F.stddev("v").alias("stddev"), F.array_sort(F.collect_set("v")).alias("set"))


def tumbling(spark, df, F):
    return df.groupBy(F.window("ts", "5 minutes")).count()


def sliding(spark, df, F):
    return df.groupBy(F.window("ts", "10 minutes", "5 minutes")).count()


def tumbling_start_time(spark, df, F):
    return df.groupBy(F.window("ts", "5 minutes", startTime="2 minutes")).count()


def watermarked_window(spark, df, F):
    return (df.withWatermark("ts", "10 minutes").groupBy(F.window("ts", "5 minutes"), "k")
            .agg(F.count("*").alias("c"), F.sum("v").alias("s")))


def watermarked_ts_key(spark, df, F):
    return (df.withWatermark("ts", "10 minutes").groupBy("ts", "k")
            .agg(F.count("*").alias("c"), F.sum("v").alias("s")))


def sessions(spark, df, F):
    return df.withWatermark("ts", "10 minutes").groupBy(F.session_window("ts", "3 minutes"), "k").count()


def dedup_forever(spark, df, F):
    return df.dropDuplicates(["id"])


def dedup_with_ts(spark, df, F):
    return df.withWatermark("ts", "10 minutes").dropDuplicates(["id", "ts"])


def dedup_within_watermark(spark, df, F):
    return df.withWatermark("ts", "10 minutes").dropDuplicatesWithinWatermark(["id"])


FRUIT = ("k STRING, name STRING", [("a", "apple"), ("b", "banana"), ("z", "zest")])


def join_fruit(how):
    def query(spark, df, F):
        return df.join(spark.createDataFrame(FRUIT[1], FRUIT[0]), "k", how)
    return query


def stream_stream_inner(spark, df, F):
    left = df.filter(F.col("side") == "L").withWatermark("ts", "10 minutes").alias("l")
    right = df.filter(F.col("side") == "R").withWatermark("ts", "10 minutes").alias("r")
    joined = left.join(right, F.expr("l.key = r.key AND r.ts >= l.ts AND r.ts <= l.ts + interval 1 minute"))
    return joined.select(F.col("l.key").alias("key"), F.col("l.v").alias("l_v"), F.col("l.ts").alias("l_ts"),
                         F.col("r.v").alias("r_v"), F.col("r.ts").alias("r_ts"))


def stream_stream_outer(how):
    def query(spark, df, F):
        left = df.filter(F.col("side") == "L").withWatermark("ts", "10 minutes").alias("l")
        right = df.filter(F.col("side") == "R").withWatermark("ts", "10 minutes").alias("r")
        joined = left.join(right, F.expr("l.key = r.key AND r.ts >= l.ts AND r.ts <= l.ts + interval 1 minute"), how)
        return joined.select(F.coalesce(F.col("l.key"), F.col("r.key")).alias("key"), F.col("l.v").alias("l_v"),
                             F.col("r.v").alias("r_v"))
    return query


def stream_stream_left_outer_unbounded(spark, df, F):
    left = df.filter(F.col("side") == "L").alias("l")
    right = df.filter(F.col("side") == "R").alias("r")
    return left.join(right, F.expr("l.key = r.key"), "left_outer").select(
        F.col("l.key").alias("key"), F.col("l.v").alias("l_v"), F.col("r.v").alias("r_v"))


def count_by_key_sorted(spark, df, F):
    return df.groupBy("k").agg(F.count("*").alias("c")).orderBy(F.desc("c"), "k")


def count_of_counts(spark, df, F):
    return df.groupBy("k").agg(F.count("*").alias("c")).groupBy("c").agg(F.count("*").alias("keys"))


def count_distinct_by_key(spark, df, F):
    return df.groupBy("k").agg(F.countDistinct("v").alias("d"))


# --- the data ----------------------------------------------------------------------------------

ABC = [[event("a", 1, "00:01:00"), event("b", 2, "00:02:00"), event("c", 3, "00:03:00")],
       [event("a", 4, "00:04:00"), event("b", 0, "00:05:00"), event("z", 5, "00:06:00")]]
DELTAS = [[event("a", 100, "00:01:00"), event("a", 4, "00:02:00"), event("b", 5, "00:03:00"),
           event("c", 1, "00:04:00")],
          [event("a", 7, "00:05:00")],
          [event("b", 2, "00:06:00"), event("d", 9, "00:07:00"), event("a", 1, "00:08:00")]]
BUFFERS = [[event("a", 1, "00:01:00"), event("a", 3, "00:02:00"), event("a", 3, "00:03:00"),
            event("b", 10, "00:04:00")],
           [event("a", 8, "00:05:00"), event("b", 20, "00:06:00"), event("c", 7, "00:07:00")]]
WINDOW_EVENTS = [[event("a", 1, "00:01:00"), event("a", 2, "00:03:00")],
                 [event("a", 3, "00:07:00"), event("a", 4, "00:10:00")]]
WATERMARK_WALK = [[event("a", 1, "00:01:00"), event("b", 5, "00:03:00"), event("a", 2, "00:04:00")],
                  [event("a", 7, "00:20:00")],
                  [event("a", 100, "00:02:00")]]
TS_KEYS = [[event("a", 1, "00:01:00"), event("a", 2, "00:01:00"), event("b", 5, "00:03:00")],
           [event("a", 4, "00:03:00"), event("a", 7, "00:20:00")],
           [event("a", 100, "00:01:00"), event("b", 6, "00:25:00")]]
SESSIONS = [[event("a", 1, "00:01:00"), event("a", 2, "00:03:00"), event("b", 3, "00:02:00")],
            [event("a", 4, "00:05:00"), event("b", 5, "00:10:00")],
            [event("a", 6, "00:30:00")]]
DUPLICATES = [[keyed("1", 10, "00:01:00"), keyed("2", 20, "00:02:00"), keyed("1", 10, "00:01:00")],
              [keyed("2", 21, "00:03:00"), keyed("3", 30, "00:04:00"), keyed("3", 30, "00:04:00"),
               keyed("1", 11, "00:05:00")]]
DUPLICATES_TS = [[keyed("1", 10, "00:01:00"), keyed("1", 10, "00:01:00"), keyed("2", 20, "00:02:00"),
                  keyed("1", 11, "00:03:00")],
                 [keyed("1", 12, "00:01:00"), keyed("3", 30, "00:20:00")],
                 [keyed("1", 13, "00:01:00"), keyed("3", 31, "00:20:00"), keyed("4", 40, "00:15:00")]]
DUPLICATES_WITHIN = [[keyed("1", 10, "00:01:00"), keyed("2", 20, "00:02:00")],
                     [keyed("1", 11, "00:05:00"), keyed("3", 30, "00:25:00")],
                     [keyed("1", 12, "00:26:00"), keyed("2", 21, "00:03:00"), keyed("3", 31, "00:27:00")]]
# b and c meet their partner one run later; R a@00:01:45 comes after the watermark passed 00:20: never matched.
JOIN_SIDES = [[sided("L", "a", 1, "00:01:00"), sided("L", "b", 2, "00:02:00"), sided("R", "a", 10, "00:01:30"),
               sided("R", "c", 30, "00:05:00")],
              [sided("R", "b", 20, "00:02:30"), sided("L", "c", 3, "00:04:30"), sided("L", "d", 4, "00:30:00"),
               sided("R", "e", 50, "00:30:00")],
              [sided("R", "a", 11, "00:01:45"), sided("R", "d", 40, "00:30:30")]]
ONE_RUN = ABC[:1]

SCENARIOS = [
    Scenario("stateless_append", EVENTS, ABC, project_filter),
    Scenario("stateless_update", EVENTS, ONE_RUN, project_filter, output_mode="update"),
    Scenario("agg_update_deltas", EVENTS, DELTAS, count_sum_by_key, output_mode="update"),
    Scenario("agg_complete", EVENTS, DELTAS, count_sum_by_key, output_mode="complete"),
    Scenario("global_agg_update", EVENTS, DELTAS[:2], global_count_max, output_mode="update"),
    Scenario("global_agg_complete", EVENTS, DELTAS[:2], global_count_max, output_mode="complete"),
    Scenario("buffered_aggs_update", EVENTS, BUFFERS, buffered_aggregates, output_mode="update"),
    Scenario("window_tumbling_complete", EVENTS, WINDOW_EVENTS, tumbling, output_mode="complete"),
    Scenario("window_sliding_complete", EVENTS, WINDOW_EVENTS, sliding, output_mode="complete"),
    Scenario("window_start_time_complete", EVENTS, WINDOW_EVENTS, tumbling_start_time, output_mode="complete"),
    Scenario("watermark_window_append", EVENTS, WATERMARK_WALK, watermarked_window),
    Scenario("watermark_window_update", EVENTS, WATERMARK_WALK, watermarked_window, output_mode="update"),
    Scenario("watermark_ts_key_append", EVENTS, TS_KEYS, watermarked_ts_key),
    Scenario("session_window_append", EVENTS, SESSIONS, sessions),
    Scenario("dedup_no_watermark", KEYED, DUPLICATES, dedup_forever),
    Scenario("dedup_watermark_id_ts", KEYED, DUPLICATES_TS, dedup_with_ts),
    Scenario("dedup_within_watermark", KEYED, DUPLICATES_WITHIN, dedup_within_watermark),
    Scenario("stream_static_inner", EVENTS, ABC, join_fruit("inner"), static=FRUIT),
    Scenario("stream_static_left_outer", EVENTS, ABC, join_fruit("left_outer"), static=FRUIT),
    Scenario("stream_stream_inner", SIDES, JOIN_SIDES, stream_stream_inner),
    Scenario("stream_stream_left_outer", SIDES, JOIN_SIDES, stream_stream_outer("left_outer")),
    Scenario("stream_stream_right_outer", SIDES, JOIN_SIDES, stream_stream_outer("right_outer")),
    # PySpark reports this one's state counters doubled (6 rows for 3 keys): the range partitioning
    # of orderBy samples its input, running the aggregation a second time in the same batch
    Scenario("sort_after_agg_complete", EVENTS, DELTAS[:2], count_by_key_sorted, output_mode="complete",
             ordered=True),
    # distinct() is dropDuplicates() over every column: allowed, with state kept forever
    Scenario("distinct_append_no_watermark", EVENTS, ABC, lambda spark, df, F: df.select("k").distinct()),
    Scenario("error_agg_append_no_watermark", EVENTS, ONE_RUN, count_sum_by_key, error=True),
    Scenario("error_projection_complete", EVENTS, ONE_RUN, project_filter, output_mode="complete", error=True),
    Scenario("error_sort_append", EVENTS, ONE_RUN, lambda spark, df, F: df.orderBy("v"), error=True),
    Scenario("error_stream_stream_left_outer_no_watermark", SIDES, JOIN_SIDES[:1],
             stream_stream_left_outer_unbounded, error=True),
    # refused by the global-watermark correctness check, not by the "multiple aggregations" rule
    Scenario("error_chained_aggs_update", EVENTS, ONE_RUN, count_of_counts, output_mode="update", error=True),
    Scenario("error_limit_update", EVENTS, ONE_RUN, lambda spark, df, F: df.limit(2), output_mode="update",
             error=True),
    Scenario("error_count_distinct_update", EVENTS, ONE_RUN, count_distinct_by_key, output_mode="update",
             error=True),
]


# --- the driver --------------------------------------------------------------------------------

def run_scenario(spark, F, scenario, workdir):
    """Run ``scenario`` on ``spark`` in the fresh directory ``workdir``; the result as described above."""
    input_dir, staging, checkpoint = (os.path.join(workdir, d) for d in ("input", "staging", "checkpoint"))
    os.makedirs(input_dir)
    os.makedirs(staging)
    runs = []
    for number, rows in enumerate(scenario.runs):
        add_file(rows, os.path.join(staging, f"run-{number:03d}.json"), input_dir)
        batches = {}

        def record(batch_df, batch_id):
            rows = [json_value(row) for row in batch_df.collect()]
            batches[batch_id] = rows if scenario.ordered else sorted(rows, key=json.dumps)

        stream = spark.readStream.schema(scenario.schema).json(input_dir)
        writer = (scenario.query(spark, stream, F).writeStream.outputMode(scenario.output_mode)
                  .option("checkpointLocation", checkpoint).trigger(availableNow=True).foreachBatch(record))
        try:
            query = writer.start()
        except Exception as exc:
            return {"error": error_json(exc, "start")}
        try:
            query.awaitTermination()
        except Exception as exc:
            return {"error": error_json(exc, "awaitTermination")}
        runs.append({"batches": batch_reports(batches, query.recentProgress),
                     "offsets": log_files(checkpoint, "offsets"), "commits": log_files(checkpoint, "commits")})
    return {"runs": runs}


def add_file(rows, staged_path, input_dir):
    """Write ``rows`` as JSON lines beside the input directory, then move the file in atomically."""
    with open(staged_path, "w") as f:
        f.writelines(json.dumps(row) + "\n" for row in rows)
    os.rename(staged_path, os.path.join(input_dir, os.path.basename(staged_path)))


def batch_reports(batches, progress):
    """One report per batch of the run, in batchId order, joining the sink's rows to the progress."""
    by_id = {p["batchId"]: p for p in progress}
    reports = []
    for batch_id in sorted(set(batches) | set(by_id)):
        p = by_id.get(batch_id)
        operators = p["stateOperators"] if p else []
        reports.append({
            "batchId": batch_id,
            "rows": batches.get(batch_id),
            "numInputRows": p["numInputRows"] if p else None,
            "watermark": (p["eventTime"] or {}).get("watermark") if p else None,
            "state": {c: operators[0][c] for c in STATE_COUNTERS} if operators else None})
    return reports


def json_value(value):
    """A collected value as JSON: Rows and structs as dicts, timestamps as UTC text."""
    if hasattr(value, "asDict"):
        return {name: json_value(v) for name, v in value.asDict().items()}
    if isinstance(value, datetime.datetime):
        # naive datetimes are local time, as PySpark's collect() returns them
        return value.astimezone(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, (list, tuple)):
        return [json_value(v) for v in value]
    return value


def error_json(exc, raised_at):
    condition = getattr(exc, "getCondition", None)
    error_class = (condition() if condition else None) or type(exc).__name__
    return {"error_class": error_class, "message": str(exc).strip().splitlines()[0], "raised_at": raised_at}


def log_files(checkpoint, log):
    path = os.path.join(checkpoint, log)
    return len([f for f in os.listdir(path) if not f.startswith(".")]) if os.path.isdir(path) else 0

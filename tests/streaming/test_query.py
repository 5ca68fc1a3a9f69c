"""The micro-batch engine as a user sees it: streaming DataFrames, triggers, sinks, checkpoints and
exactly-once replay, query management and progress, on MemoryStream and the rate sources."""
from __future__ import annotations

import datetime
import json
import os
import threading
import time

import pytest

from sparklite.sql import functions as F
from sparklite.sql.errors import (AnalysisException, IllegalArgumentException, PySparkValueError,
                                  StreamingQueryException)
from sparklite.streaming import MemoryStream, StreamingQueryListener


def collecting():
    """A foreachBatch function and the (batch id, sorted rows) it saw."""
    seen = []

    def record(df, batch_id):
        seen.append((batch_id, sorted(tuple(r) for r in df.collect())))
    return record, seen


def run_available(df, checkpoint, mode="append"):
    record, seen = collecting()
    query = (df.writeStream.outputMode(mode).option("checkpointLocation", checkpoint)
             .trigger(availableNow=True).foreachBatch(record).start())
    query.awaitTermination()
    return query, seen


def rate_batches(spark, rows=4):
    return (spark.readStream.format("rate-micro-batch").option("rowsPerBatch", rows).option("numPartitions", 2)
            .option("startTimestamp", 1000).option("advanceMillisPerBatch", 700).load())


def test_a_stream_is_a_dataframe_that_only_writeStream_runs(spark):
    stream = MemoryStream(spark, "k STRING, v INT").toDF()
    assert stream.isStreaming and not spark.range(3).isStreaming
    assert stream.where("v > 1").select("k").isStreaming
    with pytest.raises(AnalysisException, match="Queries with streaming sources must be executed with "
                                                "writeStream.start\\(\\);"):
        stream.count()
    with pytest.raises(AnalysisException, match="WRITE_STREAM_NOT_ALLOWED"):
        spark.range(3).writeStream
    assert "StreamingRelation MemoryStream[k,v]" in stream._explain_string("simple")


def test_rows_added_reach_foreachBatch_once_each_in_order(spark):
    source = MemoryStream(spark, "k STRING, v INT")
    record, seen = collecting()
    query = source.toDF().where("v > 1").writeStream.foreachBatch(record).start()
    source.addData([("a", 1), ("b", 2)])
    query.processAllAvailable()
    source.addData(("c", 3), ("d", 4))
    query.processAllAvailable()
    query.stop()
    assert seen == [(0, [("b", 2)]), (1, [("c", 3), ("d", 4)])]
    assert sum(p["numInputRows"] for p in query.recentProgress) == 4
    assert [p["sources"][0]["endOffset"] for p in query.recentProgress] == ["0", "1"]      # JSON text, as PySpark
    assert not query.isActive and query.exception() is None


def test_rate_micro_batch_is_deterministic_and_restarts_where_it_stopped(spark, stream_dir):
    first, seen_first = run_available(rate_batches(spark), stream_dir)
    second, seen_second = run_available(rate_batches(spark), stream_dir)
    stamp = datetime.datetime(1970, 1, 1, 0, 0, 1)
    assert seen_first == [(0, [(stamp, v) for v in range(4)])]
    assert seen_second == [(1, [(stamp + datetime.timedelta(milliseconds=700), v) for v in range(4, 8)])]
    assert first.id == second.id and first.runId != second.runId


def test_a_batch_without_its_commit_is_run_again_with_the_same_id_and_rows(spark, stream_dir):
    _, seen = run_available(rate_batches(spark), stream_dir)
    _, seen_more = run_available(rate_batches(spark), stream_dir)
    os.remove(os.path.join(stream_dir, "commits", "1"))
    _, replayed = run_available(rate_batches(spark), stream_dir)
    assert replayed == seen_more
    with open(os.path.join(stream_dir, "offsets", "1")) as f:
        assert f.readline().strip() == "v1" and json.loads(f.readlines()[-1]) == {"offset": 8, "timestamp": 2400}


def test_a_restart_with_nothing_new_runs_no_batch(spark, stream_dir):
    source = MemoryStream(spark, "v INT")
    source.addData([1, 2])
    run_available(source.toDF(), stream_dir)
    query, seen = run_available(source.toDF(), stream_dir)
    assert seen == [] and query.recentProgress == []


def test_update_mode_emits_only_the_changed_keys_and_state_survives_a_restart(spark, stream_dir):
    source = MemoryStream(spark, "k STRING, v INT")
    counts = source.toDF().groupBy("k").agg(F.count("*").alias("c"), F.sum("v").alias("s"), F.avg("v").alias("a"))
    source.addData([("a", 1), ("b", 2), ("a", 5)])
    _, first = run_available(counts, stream_dir, "update")
    source.addData([("a", 3)])
    query, second = run_available(counts, stream_dir, "update")
    assert first == [(0, [("a", 2, 6, 3.0), ("b", 1, 2, 2.0)])]
    assert second == [(1, [("a", 3, 9, 3.0)])]
    state = query.lastProgress["stateOperators"][0]
    assert (state["operatorName"], state["numRowsTotal"], state["numRowsUpdated"]) == ("stateStoreSave", 2, 1)


def test_a_changed_stateful_query_is_refused_against_its_old_checkpoint(spark, stream_dir):
    source = MemoryStream(spark, "k STRING, v INT")
    source.addData([("a", 1)])
    run_available(source.toDF().groupBy("k").count(), stream_dir, "update")
    source.addData([("a", 2)])
    with pytest.raises(AnalysisException, match="STATE_STORE_KEY_SCHEMA_NOT_COMPATIBLE"):
        run_available(source.toDF().groupBy("k", "v").count(), stream_dir, "update")
    with pytest.raises(AnalysisException, match="STATE_STORE_VALUE_SCHEMA_NOT_COMPATIBLE"):
        run_available(source.toDF().groupBy("k").agg(F.max("v")), stream_dir, "update")
    with pytest.raises(AnalysisException, match="STREAMING_STATEFUL_OPERATOR_NOT_MATCH_IN_STATE_METADATA"):
        run_available(source.toDF().dropDuplicates(["k"]), stream_dir, "update")


def test_a_sink_that_raises_fails_the_query_with_its_traceback_and_leaves_the_batch_uncommitted(spark, stream_dir):
    def explode(df, batch_id):
        raise ValueError(f"sink refused batch {batch_id}")

    query = (rate_batches(spark).writeStream.option("checkpointLocation", stream_dir).trigger(availableNow=True)
             .foreachBatch(explode).start())
    with pytest.raises(StreamingQueryException, match="sink refused batch 0") as failure:
        query.awaitTermination()
    assert "in explode" in str(failure.value)
    assert isinstance(query.exception(), StreamingQueryException) and not query.isActive
    assert os.listdir(os.path.join(stream_dir, "offsets")) == ["0"]
    assert not os.listdir(os.path.join(stream_dir, "commits"))
    _, replayed = run_available(rate_batches(spark), stream_dir)
    assert [batch_id for batch_id, _ in replayed] == [0]


def test_a_task_error_reaches_exception_with_the_users_traceback(spark, stream_dir):
    @F.udf("int")
    def fragile(v):
        if v == 3:
            raise RuntimeError("cannot take three")
        return v

    query = (rate_batches(spark).select(fragile("value").alias("v")).writeStream
             .option("checkpointLocation", stream_dir).trigger(availableNow=True).format("noop").start())
    with pytest.raises(StreamingQueryException, match="cannot take three"):
        query.awaitTermination()
    assert "in fragile" in str(query.exception())


def test_stop_ends_a_running_query_and_its_thread(spark):
    before = {t.name for t in threading.enumerate()}
    query = (spark.readStream.format("rate").option("rowsPerSecond", 100).load()
             .writeStream.format("noop").queryName("endless").start())
    assert query.isActive and query.name == "endless" and spark.streams.get(query.id) is query
    query.stop()
    assert not query.isActive and query.exception() is None
    assert query.awaitTermination(5) is True
    assert {t.name for t in threading.enumerate()} - before == set()
    assert spark.streams.get(query.id) is None


def test_once_runs_one_batch_and_processing_time_runs_on_its_interval(spark, stream_dir):
    source = MemoryStream(spark, "v INT")
    source.addData([1])
    source.addData([2])
    record, seen = collecting()
    source.toDF().writeStream.trigger(once=True).foreachBatch(record).start().awaitTermination()
    assert seen == [(0, [(1,), (2,)])]
    record, seen = collecting()
    query = rate_batches(spark).writeStream.trigger(processingTime="0.2 seconds").foreachBatch(record).start()
    query.awaitTermination(1.1)
    query.stop()
    assert 3 <= len(seen) <= 7


def test_the_memory_sink_is_a_table_named_by_the_query(spark, capsys):
    source = MemoryStream(spark, "k STRING")
    counts = source.toDF().groupBy("k").count()
    query = counts.writeStream.format("memory").queryName("counts_table").outputMode("complete").start()
    source.addData(["a", "b", "a"])
    query.processAllAvailable()
    query.explain()                  # the last batch's plan, with its stateful operator
    assert "StateStoreAggregate(keys=[k#" in capsys.readouterr().out
    assert sorted(tuple(r) for r in spark.sql("select * from counts_table").collect()) == [("a", 2), ("b", 1)]
    source.addData(["b"])
    query.processAllAvailable()
    assert sorted(tuple(r) for r in spark.table("counts_table").collect()) == [("a", 2), ("b", 2)]
    query.stop()


def test_the_memory_sink_in_append_mode_cannot_resume(spark, stream_dir):
    source = MemoryStream(spark, "v INT")
    source.addData([1])
    query = (source.toDF().writeStream.format("memory").queryName("appended").option("checkpointLocation", stream_dir)
             .trigger(availableNow=True).start())
    query.awaitTermination()
    assert [r.v for r in spark.table("appended").collect()] == [1]
    with pytest.raises(AnalysisException, match="This query does not support recovering from checkpoint location"):
        source.toDF().writeStream.format("memory").queryName("appended2").option(
            "checkpointLocation", stream_dir).start()


def test_the_console_sink_prints_each_batch(spark, capsys):
    source = MemoryStream(spark, "v INT")
    source.addData([7])
    source.toDF().writeStream.format("console").trigger(availableNow=True).start().awaitTermination()
    printed = capsys.readouterr().out
    assert "-------------------------------------------\nBatch: 0\n-------------------------------------------\n" in printed
    assert "|  7|" in printed


class FileWriter:
    def __init__(self, folder):
        self.folder = folder

    def open(self, partition_id, epoch_id):
        self.path = os.path.join(self.folder, f"{epoch_id}-{partition_id}.txt")
        self.rows = []
        return True

    def process(self, row):
        self.rows.append(str(row.value))

    def close(self, error):
        with open(self.path, "w") as f:
            f.write(",".join(self.rows))


def test_foreach_gives_each_partition_to_the_writer(spark, tmp_path):
    rate_batches(spark, 6).writeStream.foreach(FileWriter(str(tmp_path))).trigger(availableNow=True).start() \
        .awaitTermination()
    written = {name: open(tmp_path / name).read() for name in os.listdir(tmp_path)}
    assert sorted(written) == ["0-0.txt", "0-1.txt"]
    assert sorted(int(v) for text in written.values() for v in text.split(",")) == list(range(6))


def test_writer_settings_are_checked_as_pyspark_checks_them(spark):
    writer = MemoryStream(spark, "v INT").toDF().writeStream
    with pytest.raises(IllegalArgumentException, match="STREAMING_OUTPUT_MODE.INVALID"):
        writer.outputMode("sometimes")
    with pytest.raises(PySparkValueError, match="ONLY_ALLOW_SINGLE_TRIGGER"):
        writer.trigger(once=True, availableNow=True)
    with pytest.raises(PySparkValueError, match="VALUE_NOT_ALLOWED"):
        writer.trigger(once=False)
    with pytest.raises(AnalysisException, match="STREAMING_OUTPUT_MODE.UNSUPPORTED_OPERATION"):
        writer.outputMode("complete").format("console").start()


class Recorder(StreamingQueryListener):
    def __init__(self):
        self.events = []

    def onQueryStarted(self, event):
        self.events.append(("started", event))

    def onQueryProgress(self, event):
        self.events.append(("progress", event))

    def onQueryTerminated(self, event):
        self.events.append(("terminated", event))


def test_listeners_and_the_manager_follow_every_query(spark):
    listener = Recorder()
    spark.streams.addListener(listener)
    try:
        spark.streams.resetTerminated()
        query = rate_batches(spark).writeStream.trigger(availableNow=True).format("noop").start()
        assert spark.streams.awaitAnyTermination(10) is True
        spark.streams.wait_for_listeners()
        assert [kind for kind, _ in listener.events] == ["started", "progress", "terminated"]
        started, progress, terminated = (event for _, event in listener.events)
        assert started.id == progress.progress["id"] == terminated.id == query.id
        assert progress.progress["batchId"] == 0 and terminated.exception is None
        assert query not in spark.streams.active
    finally:
        spark.streams.removeListener(listener)
        spark.streams.resetTerminated()


def test_progress_reports_carry_sparks_fields(spark):
    source = MemoryStream(spark, "ts TIMESTAMP, k STRING")
    windowed = (source.toDF().withWatermark("ts", "1 minute").groupBy(F.window("ts", "10 seconds"), "k").count())
    source.addData([(datetime.datetime(2026, 1, 1, 0, 0, 5), "a")])
    query = windowed.writeStream.outputMode("update").format("noop").trigger(availableNow=True).start()
    query.awaitTermination()
    progress = query.recentProgress[0]
    assert {"id", "runId", "name", "timestamp", "batchId", "batchDuration", "numInputRows", "inputRowsPerSecond",
            "processedRowsPerSecond", "durationMs", "eventTime", "stateOperators", "sources", "sink"} <= set(progress)
    assert progress.numInputRows == 1 and progress["eventTime"]["watermark"] == "1970-01-01T00:00:00.000Z"
    assert query.lastProgress["eventTime"]["watermark"] == "2025-12-31T23:59:05.000Z"
    assert {"addBatch", "getBatch", "triggerExecution", "walCommit"} <= set(progress["durationMs"])
    assert json.loads(progress.json)["batchId"] == 0
    assert query.status["message"] == "Stopped"


def test_state_stays_bounded_under_a_watermark(spark, stream_dir):
    """Ten minutes of event time, ten seconds a batch: the windows the watermark closed leave the state."""
    events = (spark.readStream.format("rate-micro-batch").option("rowsPerBatch", 50).option("numPartitions", 2)
              .option("advanceMillisPerBatch", 10_000).load())
    windowed = (events.withWatermark("timestamp", "1 minute")
                .groupBy(F.window("timestamp", "30 seconds"), (F.col("value") % 5).alias("k")).count())
    totals = Recorder()
    spark.streams.addListener(totals)
    record, seen = collecting()
    query = (windowed.writeStream.outputMode("append").option("checkpointLocation", stream_dir)
             .foreachBatch(record).start())
    while query.isActive and (query.lastProgress or {}).get("batchId", -1) < 60:
        time.sleep(0.05)
    query.stop()
    spark.streams.wait_for_listeners()
    spark.streams.removeListener(totals)
    state = [event.progress["stateOperators"][0]["numRowsTotal"] for kind, event in totals.events
             if kind == "progress" and event.progress["runId"] == query.runId][:60]
    assert len(state) == 60 and max(state[15:]) == max(state[10:15]) <= 20
    emitted = sum(len(rows) for _, rows in seen)
    assert emitted >= 5 * (60 * 10 // 30 - 4)
    assert len([f for _, _, files in os.walk(os.path.join(stream_dir, "state")) for f in files]) <= 2 * 70


def test_a_left_outer_stream_join_emits_an_unmatched_row_once_the_watermark_passes_it(spark):
    source = MemoryStream(spark, "side STRING, key STRING, v INT, ts TIMESTAMP")
    stream = source.toDF()
    left = stream.filter(F.col("side") == "L").withWatermark("ts", "1 minute").alias("l")
    right = stream.filter(F.col("side") == "R").withWatermark("ts", "1 minute").alias("r")
    joined = left.join(right, F.expr("l.key = r.key AND r.ts >= l.ts AND r.ts <= l.ts + interval 1 minute"),
                       "left_outer").select("l.key", "l.v", F.col("r.v").alias("rv"))
    record, seen = collecting()
    query = joined.writeStream.foreachBatch(record).start()
    at = lambda minute: datetime.datetime(2026, 1, 1, 0, minute)    # noqa: E731
    source.addData([("L", "x", 1, at(1)), ("L", "y", 2, at(1)), ("R", "y", 20, at(2))])
    query.processAllAvailable()
    source.addData([("L", "z", 3, at(30)), ("R", "z", 30, at(30))])
    query.processAllAvailable()
    query.stop()
    rows = [row for _, batch in seen for row in batch]
    assert sorted(rows) == [("x", 1, None), ("y", 2, 20), ("z", 3, 30)]


def test_each_state_partition_stays_on_the_executor_that_holds_it(cluster_spark):
    from sparklite.core import api

    class Stages(api.SparkListener):
        def __init__(self):
            self.result_stages, self.tasks = [], []

        def onJobStart(self, event):
            self.result_stages.append(max(event.stage_ids))

        def onTaskEnd(self, event):
            self.tasks.append((event.stage_id, event.partition, event.executor_id))

    listener = Stages()
    cluster_spark.sparkContext.addSparkListener(listener)
    cluster_spark.conf.set("spark.sql.shuffle.partitions", "6")      # three state partitions an executor
    source = MemoryStream(cluster_spark, "k STRING")
    record, seen = collecting()
    query = source.toDF().groupBy("k").count().writeStream.outputMode("update").foreachBatch(record).start()
    for batch in range(4):
        source.addData([f"key{i}" for i in range(batch, batch + 6)])
        query.processAllAvailable()
    query.stop()
    api.wait_for_listeners(cluster_spark.sparkContext)
    placements = [{p: e for s, p, e in listener.tasks if s == stage} for stage in listener.result_stages]
    assert len(placements) == 4 and all(len(p) == 6 for p in placements)
    assert placements[1] == placements[2] == placements[3] == placements[0]
    assert sorted(seen[-1][1]) == [(f"key{i}", min(i + 1, 4, 9 - i)) for i in range(3, 9)]

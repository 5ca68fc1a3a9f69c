"""The file source and the file sink (``sparklite.streaming.files``) on real files: each file read once,
in batches, across restarts and replays; cleanSource; malformed rows and vanished files; the sink's
``_spark_metadata`` log and what batch readers see of it. Expected values were checked on PySpark 4.3."""
from __future__ import annotations

import json
import os
import shutil

import pytest

from sparklite.sql.errors import AnalysisException, IllegalArgumentException, StreamingQueryException


def put(folder, name: str, text: str, mtime: float) -> str:
    """Writes a file beside ``folder`` and moves it in (as a file source wants), with its modification time."""
    path = os.path.join(str(folder), name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".tmp", "w") as out:
        out.write(text)
    os.utime(path + ".tmp", (mtime, mtime))
    os.rename(path + ".tmp", path)
    return path


def lines(*values) -> str:
    return "".join(json.dumps({"a": v}) + "\n" for v in values)


def run(df, checkpoint) -> list:
    """(batch id, sorted rows) of each batch of one availableNow run."""
    seen = []
    query = (df.writeStream.option("checkpointLocation", str(checkpoint)).trigger(availableNow=True)
             .foreachBatch(lambda batch, batch_id: seen.append((batch_id, sorted(map(tuple, batch.collect()), key=str))))
             .start())
    query.awaitTermination()
    return seen


def forget_commit(checkpoint, batch_id: int) -> None:
    """Deletes ``commits/<batch_id>`` (and the checksum Spark writes beside it), as a crash before it would."""
    for name in (str(batch_id), f".{batch_id}.crc"):
        if (checkpoint / "commits" / name).exists():
            os.remove(checkpoint / "commits" / name)


def source(spark, folder, **options):
    return spark.readStream.schema("a INT").options(**options).json(str(folder))


def test_available_now_reads_each_new_file_once_in_batches_and_logs_them_as_spark(spark, tmp_path):
    inbox, checkpoint = tmp_path / "in", tmp_path / "cp"
    put(inbox, "a.json", lines(1, 2), 1000)
    put(inbox, "b.json", lines(3), 2000)
    put(inbox, "c.json", lines(4), 3000)
    assert run(source(spark, inbox, maxFilesPerTrigger=2), checkpoint) == [(0, [(1,), (2,), (3,)]), (1, [(4,)])]
    assert (checkpoint / "sources" / "0" / "1").read_text() == (
        'v1\n{"path":"file://%s/c.json","timestamp":3000000,"batchId":1}' % inbox)
    assert (checkpoint / "offsets" / "1").read_text().endswith('\n{"logOffset":1}')
    put(inbox, "d.json", lines(5), 4000)
    put(inbox, "older.json", lines(6), 500)          # new, though older than the files read
    assert run(source(spark, inbox, maxFilesPerTrigger=2), checkpoint) == [(2, [(5,), (6,)])]
    assert [json.loads(line)["path"].rsplit("/", 1)[1]
            for line in (checkpoint / "sources" / "0" / "2").read_text().split("\n")[1:]] == ["older.json", "d.json"]
    assert run(source(spark, inbox, maxFilesPerTrigger=2), checkpoint) == []


def test_latest_first_takes_the_newest_files_first(spark, tmp_path):
    for name, value, mtime in [("a.json", 1, 1000), ("b.json", 2, 2000), ("c.json", 3, 3000)]:
        put(tmp_path / "in", name, lines(value), mtime)
    df = source(spark, tmp_path / "in", maxFilesPerTrigger=2, latestFirst=True)
    assert run(df, tmp_path / "cp") == [(0, [(2,), (3,)]), (1, [(1,)])]


def test_a_replayed_batch_reads_the_files_it_read_before(spark, tmp_path):
    inbox, checkpoint = tmp_path / "in", tmp_path / "cp"
    put(inbox, "a.json", lines(1), 1000)
    put(inbox, "b.json", lines(2), 2000)
    assert run(source(spark, inbox, maxFilesPerTrigger=1), checkpoint) == [(0, [(1,)]), (1, [(2,)])]
    forget_commit(checkpoint, 1)
    put(inbox, "c.json", lines(3), 1500)          # older than b.json: had it been listed, it came first
    assert run(source(spark, inbox, maxFilesPerTrigger=1), checkpoint) == [(1, [(2,)]), (2, [(3,)])]


def test_files_taken_before_a_crash_are_read_by_the_next_batch(spark, tmp_path):
    inbox, checkpoint = tmp_path / "in", tmp_path / "cp"
    put(inbox, "a.json", lines(1), 1000)
    put(inbox, "b.json", lines(2), 2000)
    run(source(spark, inbox, maxFilesPerTrigger=1), checkpoint)
    # the source logged b.json, then the query died before writing the batch's offsets
    forget_commit(checkpoint, 1)
    os.remove(checkpoint / "offsets" / "1")
    if (checkpoint / "offsets" / ".1.crc").exists():
        os.remove(checkpoint / "offsets" / ".1.crc")
    put(inbox, "c.json", lines(3), 3000)
    # as in Spark, the next batch reads both log entries (beyond maxFilesPerTrigger)
    assert run(source(spark, inbox, maxFilesPerTrigger=1), checkpoint) == [(1, [(2,), (3,)])]


def test_clean_source_archives_or_deletes_the_files_of_committed_batches(spark, tmp_path):
    inbox = tmp_path / "in"
    put(inbox, "a.json", lines(1), 1000)
    put(inbox, "b.json", lines(2), 2000)
    archive = tmp_path / "archive"
    df = source(spark, inbox, maxFilesPerTrigger=1, cleanSource="archive", sourceArchiveDir=str(archive))
    assert run(df, tmp_path / "cp1") == [(0, [(1,)]), (1, [(2,)])]
    assert os.listdir(inbox) == []        # PySpark cleans b.json only when the next batch starts
    assert sorted(os.listdir(str(archive) + str(inbox))) == ["a.json", "b.json"]
    put(inbox, "c.json", lines(3), 3000)
    assert run(source(spark, inbox, cleanSource="delete"), tmp_path / "cp2") == [(0, [(3,)])]
    assert os.listdir(inbox) == []


def test_clean_source_options_are_checked_when_the_query_starts(spark, tmp_path):
    # PySpark raises these texts from awaitTermination, in a StreamingQueryException; sparklite from start()
    inbox = tmp_path / "in"
    inbox.mkdir()
    with pytest.raises(IllegalArgumentException, match="Archive mode must be used with 'sourceArchiveDir' option."):
        run(source(spark, inbox, cleanSource="archive"), tmp_path / "cp")
    with pytest.raises(IllegalArgumentException, match="Base archive path cannot be set to the path where archived"):
        run(source(spark, inbox, cleanSource="archive", sourceArchiveDir=str(inbox / "old")), tmp_path / "cp")
    with pytest.raises(IllegalArgumentException, match=r"Invalid mode for clean source option Some\(move\). Must be "
                                                       "one of ARCHIVE,DELETE,OFF"):
        run(source(spark, inbox, cleanSource="move"), tmp_path / "cp")
    with pytest.raises(IllegalArgumentException, match="Invalid value '0' for option 'maxFilesPerTrigger', must be a "
                                                       "positive integer"):
        run(source(spark, inbox, maxFilesPerTrigger=0), tmp_path / "cp")
    with pytest.raises(IllegalArgumentException, match="Invalid value 'yes' for option 'latestFirst', must be 'true' or "
                                                       "'false'"):
        run(source(spark, inbox, latestFirst="yes"), tmp_path / "cp")
    with pytest.raises(IllegalArgumentException, match=r"Time must be specified as seconds \(s\)"):
        run(source(spark, inbox, maxFileAge="5x"), tmp_path / "cp")


def test_malformed_rows_follow_the_readers_mode(spark, tmp_path):
    inbox = tmp_path / "in"
    put(inbox, "m.json", '{"a":1}\n{"a":"x"}\nnot json\n{"a":4}\n', 1000)
    permissive = spark.readStream.schema("a INT, _corrupt_record STRING").option("mode", "PERMISSIVE").json(str(inbox))
    assert run(permissive, tmp_path / "cp1") == [(0, [(1, None), (4, None), (None, "not json"),
                                                      (None, '{"a":"x"}')])]
    assert run(source(spark, inbox, mode="DROPMALFORMED"), tmp_path / "cp2") == [(0, [(1,), (4,)])]
    with pytest.raises(StreamingQueryException, match="MALFORMED_RECORD_IN_PARSING"):
        run(source(spark, inbox, mode="FAILFAST"), tmp_path / "cp3")
    assert not (tmp_path / "cp3" / "commits" / "0").exists()


def test_input_rows_count_after_the_filters_a_csv_or_json_scan_takes(spark, tmp_path):
    put(tmp_path / "in", "a.json", lines(1, 2, 3), 1000)
    spark.createDataFrame([(1,), (2,), (3,)], "a INT").coalesce(1).write.parquet(str(tmp_path / "pq"))
    for df, checkpoint, counted in [(source(spark, tmp_path / "in"), "cp1", 2),
                                    (spark.readStream.schema("a INT").parquet(str(tmp_path / "pq")), "cp2", 3)]:
        query = (df.filter("a > 1").writeStream.option("checkpointLocation", str(tmp_path / checkpoint))
                 .trigger(availableNow=True).foreachBatch(lambda batch, batch_id: batch.count()).start())
        query.awaitTermination()
        assert [p["numInputRows"] for p in query.recentProgress] == [counted]


def test_a_file_gone_before_its_batch_is_read_is_an_error_naming_it(spark, tmp_path):
    # PySpark 4.3 gives an empty batch here; sparklite reports the loss (issue 16)
    inbox, checkpoint = tmp_path / "in", tmp_path / "cp"
    put(inbox, "a.json", lines(1), 1000)
    gone = put(inbox, "b.json", lines(2), 2000)
    run(source(spark, inbox, maxFilesPerTrigger=1), checkpoint)
    forget_commit(checkpoint, 1)
    os.remove(gone)
    with pytest.raises(StreamingQueryException, match=f"Path does not exist: file:{gone}"):
        run(source(spark, inbox, maxFilesPerTrigger=1), checkpoint)


def test_a_schema_is_required_unless_inferred(spark, tmp_path):
    inbox = tmp_path / "in"
    put(inbox / "k=1", "a.json", lines(7), 1000)
    with pytest.raises(IllegalArgumentException, match="^Schema must be specified when creating a streaming source "
                                                       "DataFrame. If some files already exist in the directory, then "
                                                       "depending on the file format you may be able to create a static "
                                                       "DataFrame on that directory with 'spark.read.load\\(directory\\)'"
                                                       " and infer schema from it.$"):
        spark.readStream.json(str(inbox))
    assert spark.readStream.text(str(inbox)).schema.simpleString() == "struct<value:string,k:int>"
    assert spark.readStream.schema("k INT, a INT").json(str(inbox)).schema.simpleString() == "struct<a:int,k:int>"
    with pytest.raises(AnalysisException, match=f"Path does not exist: {tmp_path}/nothing"):
        spark.readStream.schema("a INT").json(str(tmp_path / "nothing"))
    spark.conf.set("spark.sql.streaming.schemaInference", "true")
    try:
        df = spark.readStream.json(str(inbox))
        assert df.schema.simpleString() == "struct<a:bigint,k:int>"
        assert run(df, tmp_path / "cp") == [(0, [(7, 1)])]
    finally:
        spark.conf.unset("spark.sql.streaming.schemaInference")


def test_file_name_only_and_max_file_age_decide_what_is_new(spark, tmp_path):
    inbox, checkpoint = tmp_path / "in", tmp_path / "cp"
    put(inbox / "x", "f.json", lines(1), 1000)
    assert run(source(spark, str(inbox) + "/*", fileNameOnly=True), checkpoint) == [(0, [(1,)])]
    put(inbox / "y", "f.json", lines(2), 2000)
    put(inbox / "y", "g.json", lines(3), 2000)
    assert run(source(spark, str(inbox) + "/*", fileNameOnly=True), checkpoint) == [(1, [(3,)])]
    aged, checkpoint = tmp_path / "aged", tmp_path / "cp2"
    put(aged, "old.json", lines(1), 1000)
    put(aged, "new.json", lines(2), 1000 + 7200)
    assert run(source(spark, aged, maxFileAge="1h"), checkpoint) == [(0, [(1,), (2,)])]
    put(aged, "late.json", lines(3), 1000 + 3000)     # older than the newest file read minus an hour
    put(aged, "next.json", lines(4), 1000 + 7300)
    assert run(source(spark, aged, maxFileAge="1h"), checkpoint) == [(1, [(4,)])]


# -- the file sink ------------------------------------------------------------------------------

def sink_run(df, out, checkpoint, fmt="parquet", partition_by=None):
    writer = df.writeStream.format(fmt).option("checkpointLocation", str(checkpoint)).trigger(availableNow=True)
    if partition_by:
        writer = writer.partitionBy(partition_by)
    query = writer.start(str(out))
    query.awaitTermination()
    return query


def log_entries(out, name: str) -> list:
    version, *entries = (out / "_spark_metadata" / name).read_text().split("\n")
    assert version == "v1"
    return [json.loads(entry) for entry in entries]


def log_names(out) -> list:
    return sorted(name for name in os.listdir(out / "_spark_metadata") if not name.startswith("."))


def data_files(out) -> list:
    return sorted(os.path.relpath(os.path.join(d, f), out) for d, _, files in os.walk(out) for f in files
                  if "_spark_metadata" not in d and not f.startswith("."))


def test_the_file_sink_logs_each_batch_and_readers_see_only_logged_files(spark, tmp_path):
    inbox, out, checkpoint = tmp_path / "in", tmp_path / "out", tmp_path / "cp"
    put(inbox, "a.json", lines(1, 2), 1000)
    put(inbox, "b.json", lines(3), 2000)
    query = sink_run(source(spark, inbox, maxFilesPerTrigger=1), out, checkpoint)
    # PySpark's file sink reports numOutputRows -1
    assert [(p["batchId"], p["sink"]["description"], p["sink"]["numOutputRows"]) for p in query.recentProgress] == [
        (0, f"FileSink[file:{out}]", 2), (1, f"FileSink[file:{out}]", 1)]
    first = log_entries(out, "0")
    assert [sorted(entry) for entry in first] == [["action", "blockReplication", "blockSize", "isDir",
                                                   "modificationTime", "path", "size"]]
    assert first[0]["path"].startswith(f"file://{out}/part-00000-") and first[0]["action"] == "add"
    assert first[0]["size"] == os.path.getsize(first[0]["path"][len("file://"):])
    written = data_files(out)
    assert len(written) == 2 and not os.path.exists(out / "_temporary")
    shutil.copy(out / written[0], out / "part-99999-not-committed.snappy.parquet")
    assert sorted(r.a for r in spark.read.parquet(str(out)).collect()) == [1, 2, 3]
    assert len(spark.read.parquet(str(out / "*.parquet")).collect()) > 3         # a glob trusts no log
    assert run(spark.readStream.schema("a INT").parquet(str(out)), tmp_path / "cp2") == [(0, [(1,), (2,), (3,)])]
    forget_commit(checkpoint, 1)
    query = sink_run(source(spark, inbox, maxFilesPerTrigger=1), out, checkpoint)
    assert [(p["batchId"], p["sink"]["numOutputRows"]) for p in query.recentProgress] == [(1, 0)]
    assert len(data_files(out)) == 3 and log_names(out) == ["0", "1"]


def test_the_file_sink_partitions_as_the_batch_writer_and_compacts_its_log(spark, tmp_path):
    inbox, out = tmp_path / "in", tmp_path / "out"
    for i, key in enumerate("xyx"):
        put(inbox, f"{i}.json", json.dumps({"k": key, "a": i}) + "\n", 1000 + i)
    df = spark.readStream.schema("k STRING, a INT").option("maxFilesPerTrigger", 1).json(str(inbox))
    spark.conf.set("spark.sql.streaming.fileSink.log.compactInterval", "2")
    try:
        sink_run(df, out, tmp_path / "cp", fmt="json", partition_by="k")
    finally:
        spark.conf.unset("spark.sql.streaming.fileSink.log.compactInterval")
    assert log_names(out) == ["0", "1.compact", "2"]
    compact = log_entries(out, "1.compact")        # batch 1's entry repeats batch 0's
    assert len(compact) == 2 and compact[0] == log_entries(out, "0")[0]
    assert [f.split("/")[0] for f in data_files(out)] == ["k=x", "k=x", "k=y"]
    assert all(f.split("/")[1].endswith(".c000.json") for f in data_files(out))
    read = spark.read.json(str(out))
    assert read.schema.simpleString() == "struct<a:bigint,k:string>"
    assert sorted(map(tuple, read.collect())) == [(0, "x"), (1, "y"), (2, "x")]


# -- S3 -------------------------------------------------------------------------------------------

@pytest.fixture
def s3_bucket(spark):
    """A bucket on a moto S3 server, with the session's s3a keys pointing at it."""
    pytest.importorskip("moto", minversion="5.2.5")
    from tests.core.test_s3 import S3Server
    server = S3Server()
    keys = server.conf()
    for key, value in keys.items():
        spark.conf.set(key, value)
    server.filesystem().create_dir("stream")
    yield server.filesystem()
    for key in keys:
        spark.conf.unset(key)
    server.stop()


def test_the_file_source_and_sink_work_on_s3(spark, s3_bucket, tmp_path):
    with s3_bucket.open_output_stream("stream/in/a b.json") as out:
        out.write(lines(1, 2).encode())
    df = spark.readStream.schema("a INT").option("cleanSource", "archive").option(
        "sourceArchiveDir", "s3a://stream/done").json("s3a://stream/in")
    sink_run(df, "s3a://stream/out", tmp_path / "cp", fmt="json")
    assert (tmp_path / "cp" / "sources" / "0" / "0").read_text().startswith(
        'v1\n{"path":"s3a://stream/in/a%20b.json","timestamp":')
    with s3_bucket.open_input_stream("stream/out/_spark_metadata/0") as log:
        assert json.loads(log.read().decode().split("\n")[1])["path"].startswith("s3a://stream/out/part-00000-")
    assert sorted(r.a for r in spark.read.json("s3a://stream/out").collect()) == [1, 2]
    assert s3_bucket.get_file_info("stream/done/stream/in/a b.json").type.name == "File"

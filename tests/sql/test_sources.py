"""Data sources (``spark.read`` / ``df.write``) against PySpark 4.3's answers, and the commit protocol.

Most cases are data: ``golden_sources/cases.py`` holds reads, writes and cross-engine round trips
written against PySpark's API, and ``golden_sources/golden.json`` what PySpark gave for them
(``golden_sources/generate.py`` makes it): the schema and rows a read returned, the files a write
left (names with the job's uuid masked, the text of CSV/JSON/text files) and what reading them back
gave, or the error raised (its condition, or its message when it has none). Each case runs here on
sparklite and must agree. ``CROSS`` cases are files sparklite wrote that PySpark read: sparklite must
read them the same. The rest checks what PySpark has no answer for: failed writes leave the
destination as it was, sources pickle small, S3 through a local moto server.
"""
from __future__ import annotations

import importlib.util
import json
import os
import pathlib
import pickle
import uuid

import pyarrow.fs as pafs
import pytest

from sparklite.sql import types as T
from sparklite.sql.errors import ArithmeticException

GOLDEN_DIR = pathlib.Path(__file__).parent / "golden_sources"
_spec = importlib.util.spec_from_file_location("source_cases", GOLDEN_DIR / "cases.py")
cases = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cases)
GOLDEN = json.loads((GOLDEN_DIR / "golden.json").read_text(encoding="utf-8"))
READS = {name: (read, ordered) for name, read, ordered in cases.READS}
WRITES = {name: (write, read) for name, write, read in cases.WRITES}
CROSS = {name: (write, read) for name, write, read in cases.CROSS}


@pytest.fixture(scope="module")
def spark():
    from sparklite.sql import SparkSession
    session = SparkSession.builder.master("local[2]").config("spark.sql.session.timeZone", "UTC").getOrCreate()
    yield session
    session.stop()


def check_error(expected: dict, error: BaseException) -> None:
    """Same condition as PySpark's error, or (sparklite's error has none) the same message."""
    condition = getattr(error, "getCondition", lambda: None)()
    if condition is not None or not expected["message"]:
        assert condition in expected["conditions"], f"{type(error).__name__}: {error}"
    else:
        assert expected["message"].replace("<D>", "file:" + cases.D) in str(error), f"{type(error).__name__}: {error}"


def check_outcome(expected: dict, run, ordered: bool) -> None:
    """What ``run()`` gives on sparklite against what PySpark gave (see ``cases.outcome``)."""
    try:
        got = cases.outcome(run())
    except Exception as error:  # noqa: BLE001 - an error is an outcome to compare
        if "error" not in expected:
            raise
        check_error(expected["error"], error)
        return
    assert "error" not in expected, f"PySpark raised {expected.get('error')}, sparklite gave {got}"
    if "value" in expected:
        assert got["value"] == expected["value"]
        return
    assert json.loads(got["schema"]) == json.loads(expected["schema"])
    rows, wanted = got["rows"], expected["rows"]
    if not ordered:
        rows, wanted = sorted(rows, key=json.dumps), sorted(wanted, key=json.dumps)
    assert rows == wanted


@pytest.mark.parametrize("name", READS)
def test_read(spark, name):
    read, ordered = READS[name]
    check_outcome(GOLDEN["reads"][name], lambda: read(spark, T), ordered)


@pytest.mark.parametrize("name", WRITES)
def test_write(spark, tmp_path, name):
    write, read = WRITES[name]
    expected = GOLDEN["writes"][name]
    try:
        write(spark, T, str(tmp_path))
    except Exception as error:  # noqa: BLE001
        if not expected["error"]:
            raise
        check_error(expected["error"], error)
    else:
        assert not expected["error"], f"PySpark raised {expected['error']}"
    written = cases.files_written(tmp_path)
    assert written["files"] == expected["files"]
    assert written["contents"] == expected["contents"]
    if read is not None:
        check_outcome(expected["read"], lambda: read(spark, T, str(tmp_path)), ordered=False)


@pytest.mark.parametrize("name", CROSS)
def test_pyspark_reads_what_sparklite_writes(spark, tmp_path, name):
    write, read = CROSS[name]
    write(spark, T, str(tmp_path))
    check_outcome(GOLDEN["cross"][name], lambda: read(spark, T, str(tmp_path)), ordered=False)


# -- the commit protocol ---------------------------------------------------------------------------

def listing(path: pathlib.Path) -> dict:
    return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


def failing(spark):
    """Two tasks; the second fails halfway (integer division by zero at id 7)."""
    return spark.range(0, 10, 1, 2).selectExpr("id", "10 div (id - 7) AS x")


def test_a_failed_write_to_a_new_path_leaves_nothing(spark, tmp_path):
    target = tmp_path / "out"
    with pytest.raises(ArithmeticException, match="DIVIDE_BY_ZERO"):
        failing(spark).write.parquet(str(target))
    assert not target.exists()


@pytest.mark.parametrize("mode", ["overwrite", "append"])
def test_a_failed_write_leaves_existing_data_as_it_was(spark, tmp_path, mode):
    target = tmp_path / "out"
    spark.range(3).selectExpr("id", "id % 2 AS p").write.partitionBy("p").csv(str(target))
    before = listing(target)
    with pytest.raises(ArithmeticException):
        failing(spark).write.mode(mode).csv(str(target))
    assert listing(target) == before
    assert sorted(tuple(r) for r in spark.read.csv(str(target)).collect()) == [("0", 0), ("1", 1), ("2", 0)]


def test_a_write_commits_every_task_under_one_job_id_and_cleans_up(spark, tmp_path):
    target = tmp_path / "out"
    spark.range(0, 6, 1, 3).write.json(str(target))
    names = sorted(os.listdir(target))
    assert names[0] == "_SUCCESS" and "_temporary" not in names
    parts = names[1:]
    assert [p[:10] for p in parts] == ["part-00000", "part-00001", "part-00002"]
    assert len({p[11:47] for p in parts}) == 1 and all(p.endswith("-c000.json") for p in parts)
    assert sorted(r.id for r in spark.read.json(str(target)).collect()) == list(range(6))


def test_overwrite_replaces_a_file_at_the_path(spark, tmp_path):
    target = tmp_path / "out"
    target.write_text("not a directory")
    spark.range(2).write.mode("overwrite").parquet(str(target))
    assert sorted(r.id for r in spark.read.parquet(str(target)).collect()) == [0, 1]


# -- sources -------------------------------------------------------------------------------------

def source_of(df):
    node = df._plan
    while not hasattr(node, "source"):
        node = node.children[0]
    return node.source


def test_a_source_pickles_small_and_reads_after_unpickling(spark):
    source = source_of(spark.read.json(f"{cases.D}/split/numbers.jsonl"))
    assert len(pickle.dumps(source)) < 4000
    copy = pickle.loads(pickle.dumps(source))
    names = [f.name for f in copy.schema.fields]
    batches = [b for split in source.splits() for b in copy.read(split, names)]
    assert sum(b.num_rows for b in batches) == 3000 and batches[0].schema.names == names
    assert copy.splits() == []       # the driver plans the splits; a task's copy only reads them
    csv = source_of(spark.read.csv(f"{cases.D}/csv/infer.csv", header=True, inferSchema=True))
    assert csv.arrow_only and csv.description.startswith("csv [")
    assert not source_of(spark.read.json(f"{cases.D}/json/basic.jsonl")).arrow_only


def test_parquet_filters_skip_row_groups_by_statistics(spark):
    source = source_of(spark.read.parquet(f"{cases.D}/split/numbers.parquet"))
    every = [b for split in source.splits() for b in source.read(split, ["i"])]
    pruned = source.with_filters([("i", ">=", 2600)])
    kept = [b for split in pruned.splits() for b in pruned.read(split, ["i"])]
    assert sum(b.num_rows for b in every) == 3000
    assert sum(b.num_rows for b in kept) == 500 and min(b.column(0)[0].as_py() for b in kept) == 2500


def test_a_file_removed_after_listing(spark, tmp_path):
    (tmp_path / "a.json").write_text('{"v": 1}\n')
    (tmp_path / "b.json").write_text('{"v": 2}\n')
    df = spark.read.schema("v int").json(str(tmp_path))
    kept = spark.read.schema("v int").option("ignoreMissingFiles", True).json(str(tmp_path))
    (tmp_path / "b.json").unlink()
    with pytest.raises(Exception, match="FAILED_READ_FILE.FILE_NOT_EXIST"):
        df.collect()
    assert [r.v for r in kept.collect()] == [1]


# -- S3 ------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def s3():
    pytest.importorskip("moto", minversion="5.2.5")
    from tests.core.test_s3 import S3Server
    server = S3Server()
    yield server
    server.stop()


@pytest.fixture
def s3_spark(spark, s3):
    keys = s3.conf()
    for key, value in keys.items():
        spark.conf.set(key, value)
    bucket = f"test-{uuid.uuid4().hex[:12]}"
    s3.filesystem().create_dir(bucket)
    yield spark, bucket
    for key in keys:
        spark.conf.unset(key)


def test_s3_write_and_read_partitioned_parquet_and_csv(s3_spark, s3):
    spark, bucket = s3_spark
    df = spark.createDataFrame([(1, "a"), (2, "b"), (3, None)], "v int, p string")
    df.write.partitionBy("p").parquet(f"s3a://{bucket}/pq")
    df.coalesce(1).write.csv(f"s3://{bucket}/csv", header=True)
    objects = sorted(i.path for i in s3.filesystem().get_file_info(pafs.FileSelector(bucket, recursive=True))
                     if i.type == pafs.FileType.File)
    assert f"{bucket}/pq/_SUCCESS" in objects and f"{bucket}/csv/_SUCCESS" in objects
    assert not [o for o in objects if "_temporary" in o]
    back = spark.read.parquet(f"s3a://{bucket}/pq")
    assert back.columns == ["v", "p"]
    assert sorted(tuple(r) for r in back.collect()) == [(1, "a"), (2, "b"), (3, None)]
    csv = spark.read.csv(f"s3a://{bucket}/c*", header=True, inferSchema=True)
    assert sorted(tuple(r) for r in csv.collect()) == [(1, "a"), (2, "b"), (3, None)]
    with pytest.raises(Exception, match="PATH_ALREADY_EXISTS"):
        df.write.parquet(f"s3a://{bucket}/pq")


def test_s3_failed_write_leaves_no_objects(s3_spark, s3):
    spark, bucket = s3_spark
    with pytest.raises(ArithmeticException):
        failing(spark).write.json(f"s3a://{bucket}/out")
    infos = s3.filesystem().get_file_info(pafs.FileSelector(bucket, recursive=True))
    assert [i.path for i in infos if i.type == pafs.FileType.File] == []


@pytest.mark.parametrize("data", [b"", b"a", b"a\n", b"a\nb", b"\n", b"\n\n", b"ab\n\ncd\n", "\u00e9\n\u00fc".encode(),
                                  b"\xff\nok\n", b"x\r\ny\rz"])
def test_text_lines_cut_by_arrow_are_the_lines_python_cuts(data):
    from sparklite.sql.sources.text import lines_array, split_lines
    fast = lines_array(data)
    expected = split_lines(data.decode("utf-8", "replace"), None)
    if b"\r" in data or b"\xff" in data:
        assert fast is None          # the general path decides line endings and bad bytes
    else:
        assert fast.to_pylist() == expected

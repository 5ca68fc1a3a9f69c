"""Regenerate ``golden.json`` for ``tests/sql/test_sources.py`` by running ``cases.py`` on real PySpark,
and the binary fixtures under ``tests/sql/data/sources`` the cases read.

PySpark is only the oracle: the tests read what this script writes and never import it. Run by hand
(PySpark 4.3.0 on Java 17 made the committed files)::

    TZ=UTC python tests/sql/golden_sources/generate.py

One PySpark session (``local[2]``, session time zone UTC) runs every case of ``READS`` and
``WRITES``; for ``CROSS`` a sparklite session writes and PySpark reads what it wrote. An error is
recorded by its Python class, the error conditions named anywhere in its text (a JVM error's causes
too) and its innermost message's first line.
"""
import bz2
import datetime
import gzip
import importlib.util
import json
import logging
import os
import pathlib
import re
import sys
import tempfile
import time

import pyarrow as pa
import pyarrow.orc as po
import pyarrow.parquet as pq

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[2]
sys.path.insert(0, str(ROOT))
_spec = importlib.util.spec_from_file_location("source_cases", HERE / "cases.py")
cases = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cases)
DATA = pathlib.Path(cases.D)


def write_binary_fixtures() -> None:
    """The fixtures that are not plain text: Parquet, ORC, compressed files, the larger split files."""
    import decimal
    utc = datetime.timezone.utc
    (DATA / "parquet" / "merge").mkdir(parents=True, exist_ok=True)
    (DATA / "parquet" / "conflict").mkdir(parents=True, exist_ok=True)
    for folder in ("orc", "compressed", "split"):
        (DATA / folder).mkdir(exist_ok=True)
    types = pa.table({
        "i8": pa.array([1, None, -3], pa.int8()), "i16": pa.array([300, 2, None], pa.int16()),
        "i32": pa.array([None, 7, 8], pa.int32()), "i64": pa.array([2 ** 40, 0, -1], pa.int64()),
        "f32": pa.array([1.5, None, float("nan")], pa.float32()), "f64": pa.array([0.1, -2.0, float("inf")]),
        "dec": pa.array([decimal.Decimal("1.25"), None, decimal.Decimal("-99999999.99")], pa.decimal128(10, 2)),
        "large": pa.array(["x", None, "zz"], pa.large_string()), "view": pa.array(["v", "w", None], pa.string_view()),
        "bin": pa.array([b"\x00\x01", None, b""], pa.binary()), "flag": pa.array([True, False, None]),
        "day": pa.array([datetime.date(2020, 1, 1), None, datetime.date(1900, 12, 31)]),
        "ts": pa.array([datetime.datetime(2020, 1, 1, 12, tzinfo=utc), None, datetime.datetime(1970, 1, 1, tzinfo=utc)],
                       pa.timestamp("us", "UTC")),
        "ts_ms": pa.array([datetime.datetime(2021, 6, 1, 1, 2, 3, 4000, tzinfo=utc), None, None],
                          pa.timestamp("ms", "UTC")),
        "ntz": pa.array([datetime.datetime(2020, 1, 1, 12), None, datetime.datetime(2000, 2, 29)], pa.timestamp("us")),
        "ints": pa.array([[1, 2], [], None], pa.list_(pa.int32())),
        "rec": pa.array([{"a": 1, "b": "x"}, None, {"a": None, "b": "y"}],
                        pa.struct([("a", pa.int64()), ("b", pa.string())])),
        "kv": pa.array([[("k", 1)], None, []], pa.map_(pa.string(), pa.int32())),
        "u8": pa.array([255, 0, None], pa.uint8()), "u32": pa.array([4000000000, 1, None], pa.uint32()),
        "dict": pa.array(["a", "b", "a"]).dictionary_encode(),
    })
    required = pa.schema(list(types.schema) + [pa.field("req", pa.int32(), nullable=False)])
    types = types.append_column("req", pa.array([1, 2, 3], pa.int32())).cast(required)
    pq.write_table(types, DATA / "parquet" / "types.parquet", row_group_size=2)
    pq.write_table(pa.table({"id": pa.array([1, 2], pa.int32()), "a": ["x", "y"]}),
                   DATA / "parquet/merge/part-a.parquet")
    pq.write_table(pa.table({"id": pa.array([3], pa.int32()), "b": [2.5], "a": pa.array([None], pa.string())}),
                   DATA / "parquet/merge/part-b.parquet")
    pq.write_table(pa.table({"id": pa.array([1], pa.int32())}), DATA / "parquet/conflict/p1.parquet")
    pq.write_table(pa.table({"id": pa.array(["s"], pa.string())}), DATA / "parquet/conflict/p2.parquet")
    orc = pa.table({
        "i8": pa.array([1, None, -3], pa.int8()), "i64": pa.array([2 ** 40, 0, -1], pa.int64()),
        "f32": pa.array([1.5, None, 2.25], pa.float32()), "f64": pa.array([0.1, -2.0, None]),
        "dec": pa.array([decimal.Decimal("1.25"), None, decimal.Decimal("-3.50")], pa.decimal128(10, 2)),
        "s": pa.array(["x", None, "zz"]), "bin": pa.array([b"\x00\x01", None, b""]),
        "flag": pa.array([True, False, None]),
        "day": pa.array([datetime.date(2020, 1, 1), None, datetime.date(1900, 12, 31)]),
        "ts": pa.array([datetime.datetime(2020, 1, 1, 12), None, datetime.datetime(1970, 1, 1)], pa.timestamp("ns")),
        "ints": pa.array([[1, 2], [], None], pa.list_(pa.int32())),
        "rec": pa.array([{"a": 1, "b": "x"}, None, {"a": None, "b": "y"}],
                        pa.struct([("a", pa.int64()), ("b", pa.string())])),
        "kv": pa.array([[("k", 1)], None, []], pa.map_(pa.string(), pa.int32())),
    })
    po.write_table(orc, str(DATA / "orc" / "types.orc"))
    csv_text = b"id,name,score\n1,alpha,1.5\n2,beta,\n3,\"gam,ma\",3\n"
    (DATA / "compressed" / "data.csv.gz").write_bytes(gzip.compress(csv_text, mtime=0))
    (DATA / "compressed" / "data.csv.bz2").write_bytes(bz2.compress(csv_text))
    (DATA / "compressed" / "lines.txt.gz").write_bytes(gzip.compress(b"one\ntwo\r\nthree\n", mtime=0))
    (DATA / "compressed" / "records.jsonl.gz").write_bytes(gzip.compress(b'{"a": 1}\n{"a": 2, "b": "x"}\n', mtime=0))
    rows = range(3000)
    (DATA / "split" / "numbers.csv").write_text("i,sq\n" + "".join(f"{i},{i * i}\n" for i in rows))
    (DATA / "split" / "numbers.jsonl").write_text("".join(f'{{"i": {i}, "sq": {i * i}}}\n' for i in rows))
    numbers = pa.table({"i": pa.array(rows, pa.int64()), "sq": pa.array([i * i for i in rows], pa.int64()),
                        "label": [f"row-{i:05d}" for i in rows]})
    pq.write_table(numbers, DATA / "split" / "numbers.parquet", row_group_size=500, compression="none",
                   use_dictionary=False)
    (DATA / "json" / "decimals.jsonl").write_text('{"a": 1.25, "b": 10}\n{"a": 123.5, "b": 1.5}\n')


def start_pyspark():
    os.environ["TZ"] = "UTC"
    time.tzset()
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession
    spark = (SparkSession.builder.master("local[2]").config("spark.sql.session.timeZone", "UTC")
             .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false").getOrCreate())
    spark.sparkContext.setLogLevel("OFF")
    for name in ("SQLQueryContextLogger", "DataFrameQueryContextLogger"):
        logging.getLogger(name).disabled = True
    return spark


def error_outcome(error: BaseException) -> dict:
    """An error as the tests compare it: its conditions, and for a JVM error (which may hold none of
    its own) the first line of its innermost cause, the data directory's path shown as ``<D>``."""
    text = str(error)
    conditions = []
    if callable(getattr(error, "getCondition", None)) and error.getCondition():
        conditions.append(error.getCondition())
        return {"error": {"type": type(error).__name__, "conditions": conditions, "message": ""}}
    for found in re.findall(r"\[([A-Z][A-Z0-9_]*(?:\.[A-Z][A-Z0-9_]*)*)\]", text):
        if found not in conditions:
            conditions.append(found)
    causes = [line for line in text.splitlines() if line.startswith("Caused by: ")]
    innermost = causes[-1][len("Caused by: "):] if causes else text.strip().splitlines()[0] if text.strip() else ""
    innermost = re.sub(r"^[\w.$]+(Exception|Error): ", "", innermost).replace("assertion failed: ", "")
    message = innermost.strip().replace("file://" + cases.D, "<D>").replace("file:" + cases.D, "<D>")
    return {"error": {"type": type(error).__name__, "conditions": conditions, "message": message}}


def run_read(spark, types, read, ordered: bool = False) -> dict:
    """A read's outcome; rows sorted unless their order is part of it (so reruns write the same)."""
    try:
        result = cases.outcome(read(spark, types))
    except Exception as error:  # noqa: BLE001 - every error is an outcome to record
        return error_outcome(error)
    if not ordered and "rows" in result:
        result["rows"].sort(key=json.dumps)
    return result


def run_write(spark, types, write, read) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        try:
            write(spark, types, tmp)
            result = {"error": None}
        except Exception as error:  # noqa: BLE001
            result = error_outcome(error)
        result.update(cases.files_written(pathlib.Path(tmp)))
        result["read"] = run_read(spark, types, lambda s, t: read(s, t, tmp)) if read is not None else None
        return result


def run_cross(spark, types, write, read) -> dict:
    from sparklite.sql import SparkSession as LiteSession
    from sparklite.sql import types as lite_types
    lite = LiteSession.builder.master("local[2]").config("spark.sql.session.timeZone", "UTC").getOrCreate()
    with tempfile.TemporaryDirectory() as tmp:
        write(lite, lite_types, tmp)
        return run_read(spark, types, lambda s, t: read(s, t, tmp))


def main() -> None:
    write_binary_fixtures()
    spark = start_pyspark()
    from pyspark.sql import types
    golden = {"reads": {}, "writes": {}, "cross": {}}
    for name, read, ordered in cases.READS:
        golden["reads"][name] = run_read(spark, types, read, ordered)
    for name, write, read in cases.WRITES:
        golden["writes"][name] = run_write(spark, types, write, read)
    for name, write, read in cases.CROSS:
        golden["cross"][name] = run_cross(spark, types, write, read)
    (HERE / "golden.json").write_text(json.dumps(golden, indent=1, ensure_ascii=False, sort_keys=True) + "\n")
    print(f"{len(cases.READS)} reads, {len(cases.WRITES)} writes, {len(cases.CROSS)} cross cases written")


if __name__ == "__main__":
    main()

"""Regenerate the golden ``DataFrame.show()`` texts of ``tests/sql/test_display.py`` from real PySpark.

PySpark is only the oracle here: the tests read the files this script writes and never import it.
Run it by hand (PySpark 4.3.0 on Java 17 made the committed files)::

    TZ=UTC python tests/sql/golden_display/generate.py

For every frame in ``FRAMES`` it writes ``<frame>.arrow`` (the frame's ``toArrow()``, an Arrow IPC
file) and, for each ``(n, truncate, vertical)`` listed with the frame, the exact text of
``df.show(n, truncate, vertical)`` (``showString``, without ``show``'s final newline) into
``cases.json``, with the session time zone the frame was shown in.
"""
import json
import math
import os
import sys
import tempfile
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

HERE = os.path.dirname(os.path.abspath(__file__))

STANDARD = [(20, 20, False), (20, 0, False), (20, 20, True)]


def frames(spark):
    """``{name: (dataframe, session_time_zone, [(n, truncate, vertical), ...])}``."""
    sql = spark.sql

    def ddl(rows, schema):
        return spark.createDataFrame(rows, schema)

    doubles = [1.0, 0.1, 1e10, 1e-5, -0.0, 0.0, math.nan, math.inf, -math.inf, 1.2345678e7, 1e7, 1234567.0,
               1e-3, 1e-4, 100.0, 5e-324, 1.7976931348623157e308, 2.2250738585072014e-308, 2.0 ** 60,
               1e23, 2e-3, 1.0 / 3, -123456.789, 9007199254740993.0, 2.0 ** 63, 1e16, 123456789012345680.0,
               0.30000000000000004, None]
    floats = [0.1, 3.4028234663852886e38, 1.401298464324817e-45, 2.0 ** 31, 123456789.0, 1e-5, 1.0, 1e7,
              16777217.0, 0.333333343267, -2.5, None]
    out = {
        "integers": (ddl([(1, 2, 3, 4), (-128, -32768, -2147483648, -9223372036854775808),
                          (127, 32767, 2147483647, 9223372036854775807), (None, None, None, None)],
                         "b byte, s short, i int, l long"), "UTC", STANDARD),
        "doubles": (ddl([(d,) for d in doubles], "d double"), "UTC", [(100, 20, False), (100, 0, False)]),
        "floats": (ddl([(f,) for f in floats], "f float"), "UTC", [(100, 20, False)]),
        "booleans_and_nulls": (sql("SELECT * FROM VALUES (true, NULL), (false, NULL), (NULL, NULL) AS t(b, n)"),
                               "UTC", STANDARD),
        "decimals": (ddl([(Decimal("1.50"), Decimal("12345"), Decimal("0.0000001"), Decimal("1" * 20 + ".5")),
                          (Decimal("0.00"), Decimal("-7"), Decimal("-0.0000000001"), Decimal("-0.000000000000000001")),
                          (Decimal("-2.75"), Decimal("0"), Decimal("0E-10"), Decimal("0")),
                          (None, None, None, None)],
                         "a decimal(10,2), b decimal(5,0), c decimal(20,10), d decimal(38,18)"), "UTC", STANDARD),
        "strings": (ddl([("plain", "中文字符"), ("", "ｆｕｌｌｗｉｄｔｈ"), ("abcdefghijklmnopqrstuvwxyz", "한국어 텍스트"),
                         ("tab\there", "emoji 😀 here"), ("line\nbreak\r\n", "e\u0301 combining"),
                         ("bell\a back\b feed\f vtab\v", "ひらがなとカタカナ"), ("NULL", None), (None, "x"),
                         ("exactly twenty chars", "中文中文中文中文中文中文中文中文中文中文中文")],
                        "s string, w string"), "UTC",
                    STANDARD + [(20, 3, False), (20, 1, False), (20, 4, False), (20, 5, False), (20, 25, False),
                                (20, 0, True), (20, 2, True), (5, 8, True), (20, -1, False)]),
        "binary": (ddl([(bytearray(b"\x01\x02\xff"),), (bytearray(b""),), (None,), (bytearray(range(16)),)],
                       "b binary"), "UTC", STANDARD),
        "dates": (sql("SELECT * FROM VALUES (DATE'2024-01-31'), (DATE'0001-01-01'), (DATE'9999-12-31'), "
                      "(DATE'1582-10-10'), (DATE'1970-01-01'), (make_date(0, 3, 1)), (make_date(-5, 1, 1)), "
                      "(make_date(12345, 6, 7)), (NULL) AS t(d)"), "UTC", STANDARD),
        "timestamps": (sql("SELECT * FROM VALUES "
                           "(TIMESTAMP'2024-01-31 10:00:00.5', TIMESTAMP_NTZ'2024-01-31 10:00:00.5'), "
                           "(TIMESTAMP'2024-01-31 10:00:00.123456', TIMESTAMP_NTZ'2024-01-31 10:00:00.123456'), "
                           "(TIMESTAMP'1969-12-31 23:59:59.999999', TIMESTAMP_NTZ'1969-12-31 23:59:59.999999'), "
                           "(TIMESTAMP'2000-06-15 00:00:00.000001', TIMESTAMP_NTZ'2000-06-15 00:00:00.000001'), "
                           "(TIMESTAMP'0001-01-01 00:00:00', TIMESTAMP_NTZ'0001-01-01 00:00:00'), "
                           "(TIMESTAMP'1900-01-01 12:00:00', TIMESTAMP_NTZ'1900-01-01 12:00:00'), "
                           "(make_timestamp(-5, 1, 1, 0, 0, 0), make_timestamp_ntz(-5, 1, 1, 0, 0, 0)), "
                           "(make_timestamp(12345, 1, 1, 1, 2, 3.01), make_timestamp_ntz(12345, 1, 1, 1, 2, 3.01)), "
                           "(TIMESTAMP'2024-03-10 10:30:00', TIMESTAMP_NTZ'2024-03-10 10:30:00'), "
                           "(NULL, NULL) AS t(ts, ntz)"), "UTC", STANDARD),
        "intervals": (sql("SELECT * FROM VALUES (INTERVAL '1 02:03:04' DAY TO SECOND), "
                          "(INTERVAL '-1 02:03:04.5' DAY TO SECOND), (make_dt_interval(0, 0, 0, 0.000001)), "
                          "(make_dt_interval(0, 0, 0, 0)), (make_dt_interval(100, 0, 0, 0)), "
                          "(make_dt_interval(0, 0, -1, -1.5)), (make_dt_interval(106751991, 4, 0, 54.775807)), "
                          "(make_dt_interval(-106751991, -4, 0, -54.775808)), (NULL) AS t(i)"), "UTC", STANDARD),
        "arrays": (ddl([([1, 2, None], ["a", None], [[1], None, []], [1.5, None], [{"x": 1, "y": "p"}, None]),
                        ([], [], [], [], []), (None, None, None, None, None),
                        ([3], ["long string inside an array"], [[None]], [1e-7], [{"x": None, "y": None}])],
                       "a array<int>, s array<string>, aa array<array<int>>, d array<double>, "
                       "st array<struct<x:int,y:string>>"), "UTC", STANDARD),
        "maps": (ddl([({"a": 1, "b": None}, {1: ["x", None]}, {"o": {"i": 2}}),
                      ({}, {}, {}), (None, None, None), ({"k": 3}, {2: []}, {"o": None})],
                     "m map<string,int>, ma map<int,array<string>>, mm map<string,map<string,int>>"),
                 "UTC", STANDARD),
        "structs": (ddl([((1, "a"), (None, None), ((1, [1, 2]), {"k": 1.0}), (bytearray(b"\x0a"), date(2024, 1, 2))),
                         (None, (2, "b"), (None, None), (None, None)),
                         ((3, None), None, ((None, []), {}), (bytearray(b""), None))],
                        "s struct<x:int,y:string>, t struct<x:int,y:string>, "
                        "n struct<p:struct<q:int,r:array<int>>,m:map<string,double>>, "
                        "o struct<b:binary,d:date>"), "UTC", STANDARD),
        "nested_times": (ddl([([datetime(2024, 1, 31, 10, 0, 0, 500000, tzinfo=timezone.utc)],
                               {"k": timedelta(days=1, hours=2)}, (date(2024, 1, 31), datetime(2024, 1, 1, 0, 0)))],
                             "t array<timestamp>, i map<string,interval day to second>, "
                             "s struct<d:date,n:timestamp_ntz>"), "UTC", STANDARD),
        "wide": (sql("SELECT 1 AS id, 'x' AS a, 2.5D AS b, CAST(3 AS DECIMAL(4,1)) AS c, true AS d, "
                     "DATE'2020-02-29' AS e, TIMESTAMP'2020-02-29 12:34:56.7' AS f, array(1, 2) AS g, "
                     "map('k', 'v') AS h, named_struct('p', 1, 'q', 'r') AS i, X'CAFE' AS j, "
                     "'中文' AS `名前`, 'z' AS `a very long column name that is never truncated`"),
                 "UTC", STANDARD + [(20, 3, False)]),
        "many_rows": (sql("SELECT id, CAST(id * 7 AS STRING) AS s FROM range(1002)"), "UTC",
                      [(20, 20, False), (1, 20, False), (0, 20, False), (-1, 20, False), (1000, 20, False),
                       (1002, 20, False), (1001, 20, True), (2, 0, True), (0, 20, True)]),
        "many_narrow_rows": (sql("SELECT id % 10 AS d FROM range(1002)"), "UTC", [(1001, 20, True)]),
        "empty": (ddl([], "a int, b string"), "UTC", STANDARD + [(0, 20, True)]),
        "no_columns": (spark.range(3).select(), "UTC", [(20, 20, False), (2, 20, False), (0, 20, False)]),
        "no_columns_no_rows": (spark.range(0).select(), "UTC", [(20, 20, False), (20, 20, True)]),
        "duplicate_names": (sql("SELECT 1 AS a, 'two' AS a, NULL AS `a\tb`"), "UTC", STANDARD),
    }
    return out


ZONED = {
    # case name: (session time zone, frame) for frames shown again in a zone other than UTC
    "timestamps_los_angeles": ("America/Los_Angeles", "timestamps"),
    "timestamps_kolkata": ("Asia/Kolkata", "timestamps"),
}


def main():
    from pyspark.sql import SparkSession
    import pyarrow as pa

    if os.environ.get("TZ") != "UTC":
        sys.exit("run with TZ=UTC")
    spark = (SparkSession.builder.master("local[2]").config("spark.sql.session.timeZone", "UTC")
             .config("spark.ui.enabled", "false").config("spark.sql.warehouse.dir", tempfile.mkdtemp())
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    built = frames(spark)
    cases = []
    for name, (df, zone, variants) in built.items():
        table = df.toArrow()
        if not table.num_columns:   # toArrow() drops the row count of a frame without columns
            table = pa.Table.from_struct_array(pa.array([{}] * df.count(), pa.struct([])))
        write_arrow(table, os.path.join(HERE, f"{name}.arrow"), pa)
        cases.extend(show_cases(spark, name, name, df, zone, variants))
    for case_name, (zone, frame) in ZONED.items():
        df, _, variants = built[frame]
        cases.extend(show_cases(spark, case_name, frame, df, zone, variants))
    with open(os.path.join(HERE, "cases.json"), "w", encoding="utf-8") as f:
        json.dump({"pyspark": __import__("pyspark").__version__, "cases": cases}, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(f"wrote {len(cases)} cases for {len(built)} frames")


def show_cases(spark, case_name, frame, df, zone, variants):
    spark.conf.set("spark.sql.session.timeZone", zone)
    try:
        return [{"name": f"{case_name}-n{n}-t{truncate}{'-vertical' if vertical else ''}", "data": frame,
                 "n": n, "truncate": truncate, "vertical": vertical, "time_zone": zone,
                 "text": df._jdf.showString(n, truncate, vertical)}
                for n, truncate, vertical in variants]
    finally:
        spark.conf.set("spark.sql.session.timeZone", "UTC")


def write_arrow(table, path, pa):
    with pa.OSFile(path, "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)


if __name__ == "__main__":
    main()

"""Regenerate the golden files for ``tests/sql/test_hashing.py`` by running real PySpark once.

PySpark (4.3.0 for the committed files, with Java 17) is the oracle here, never a test dependency::

    TZ=UTC python tests/sql/golden_hashing/generate.py

Writes, next to this script:
* ``<table>.arrow``: each input table as Arrow IPC (Feather v2), from ``DataFrame.toArrow()``, so
  its columns carry the Arrow types sparklite maps Spark's types to. Column ``id`` is the row number.
* ``expected.json``: ``hash`` (Spark's ``hash(...)``, int32) and ``xxhash64`` of column lists of
  those tables, row by row, and ``partitions``: ``spark_partition_id()`` of each row after
  ``repartition(n, *columns)`` for n = 7 and 200.

Column ``ym`` holds months as an int because ``toArrow`` cannot carry a year-month interval; the
hashes are computed on ``CAST(ym AS INTERVAL MONTH)``, which hashes like its months (an int).
Hashing maps needs ``spark.sql.legacy.allowHashOnMapType``, so the session enables it. Partitioning
by a map hashes it with its entries sorted by key (Spark 4's ``MapSort``), unlike ``hash()``, and
with null primitive map values as zeros (a quirk of ``MapSort``), so those cases are not checked
against ``pmod(hash(...), n)`` here.
"""
import datetime as dt
import json
import os
import random
import sys
from decimal import Decimal

import pyarrow as pa
import pyarrow.feather as feather
import pyspark
from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

HERE = os.path.dirname(os.path.abspath(__file__))
NUM_PARTITIONS = (7, 200)
SPARK_EXPRESSIONS = {"ym": "CAST(ym AS INTERVAL MONTH)"}
UTC = dt.timezone.utc


def scalars():
    nan, inf = float("nan"), float("inf")
    columns = {
        "b": (T.BooleanType(), [True, False, None, True, False, None, True, False, True, False, None, True]),
        "i8": (T.ByteType(), [-128, 127, 0, -1, 1, None, 42, -42, 100, -100, 7, None]),
        "i16": (T.ShortType(), [-32768, 32767, 0, -1, 1, None, 4242, -4242, 255, -256, 7, 256]),
        "i32": (T.IntegerType(), [-2**31, 2**31 - 1, 0, -1, 1, None, 123456789, -987654321, 65535, -65536, 7, 42]),
        "i64": (T.LongType(), [-2**63, 2**63 - 1, 0, -1, 1, None, 2**32, -2**32, 2**31, -2**31 - 1, 7, 42]),
        "f32": (T.FloatType(), [0.0, -0.0, nan, inf, -inf, None, 1.5, -1.5, 3.4028234663852886e38,
                                1.401298464324817e-45, 0.1, -7.0]),
        "f64": (T.DoubleType(), [0.0, -0.0, nan, inf, -inf, None, 1.5, -1.5, 1.7976931348623157e308,
                                 5e-324, 0.1, -7.0]),
        "d": (T.DateType(), [dt.date(1970, 1, 1), dt.date(1, 1, 1), dt.date(9999, 12, 31), dt.date(2024, 2, 29),
                             dt.date(1969, 12, 31), None, dt.date(2000, 1, 1), dt.date(1582, 10, 15),
                             dt.date(1900, 3, 1), dt.date(2038, 1, 19), dt.date(1970, 1, 2), None]),
        "ts": (T.TimestampType(), [dt.datetime(1970, 1, 1, tzinfo=UTC),
                                   dt.datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
                                   dt.datetime(2024, 2, 29, 12, 34, 56, 789012, tzinfo=UTC),
                                   dt.datetime(1, 1, 1, tzinfo=UTC),
                                   dt.datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
                                   None, dt.datetime(2000, 1, 1, tzinfo=UTC),
                                   dt.datetime(1970, 1, 1, 0, 0, 0, 1, tzinfo=UTC),
                                   dt.datetime(2038, 1, 19, 3, 14, 8, tzinfo=UTC),
                                   dt.datetime(1900, 1, 1, tzinfo=UTC), dt.datetime(2020, 6, 1, tzinfo=UTC), None]),
        "ts_ntz": (T.TimestampNTZType(), [dt.datetime(1970, 1, 1), dt.datetime(1969, 12, 31, 23, 59, 59, 999999),
                                          dt.datetime(2024, 2, 29, 12, 34, 56, 789012), dt.datetime(1, 1, 1),
                                          dt.datetime(9999, 12, 31, 23, 59, 59, 999999), None,
                                          dt.datetime(2000, 1, 1), dt.datetime(1970, 1, 1, 0, 0, 0, 1),
                                          dt.datetime(2038, 1, 19, 3, 14, 8), dt.datetime(1900, 1, 1),
                                          dt.datetime(2020, 6, 1), None]),
        "dti": (T.DayTimeIntervalType(), [dt.timedelta(0), dt.timedelta(microseconds=1), dt.timedelta(microseconds=-1),
                                          dt.timedelta(days=1, seconds=7384), dt.timedelta(days=-106751990),
                                          None, dt.timedelta(days=106751990), dt.timedelta(seconds=1),
                                          dt.timedelta(minutes=-5), dt.timedelta(hours=36), dt.timedelta(days=365),
                                          None]),
        "ym": (T.IntegerType(), [0, 1, -1, 12, -12, None, 178956970, -178956970, 5, 100, 1200, None]),
        "nul": (T.NullType(), [None] * 12),
    }
    return columns, [["b"], ["i8"], ["i16"], ["i32"], ["i64"], ["f32"], ["f64"], ["d"], ["ts"], ["ts_ntz"],
                     ["dti"], ["ym"], ["nul"], ["i32", "i64"], ["b", "i8", "i16", "i32", "i64", "f32", "f64"],
                     ["d", "ts", "ts_ntz", "dti", "ym"], ["i64", "nul", "f64"], ["nul", "i32"],
                     list(columns)], [["i32"], ["f64"], ["ts"], ["i64", "d"]]


def decimals():
    def column(precision, scale, values):
        return T.DecimalType(precision, scale), [None if v is None else Decimal(v) for v in values]

    edge = ["0", "1", "-1", "127", "128", "-128", "-129", "255", "256", "-256", "32767", "-32768", None]
    columns = {
        "d5_2": column(5, 2, ["0", "0.01", "-0.01", "1.27", "1.28", "-1.28", "-1.29", "999.99", "-999.99",
                              "123.45", "-0.5", "42", None]),
        "d18_0": column(18, 0, edge[:10] + ["999999999999999999", "-999999999999999999", None]),
        "d18_6": column(18, 6, ["0", "0.000001", "-0.000001", "123456789012.345678", "-123456789012.345678",
                                "1", "-1", "0.5", "-0.5", "999999999999.999999", "-999999999999.999999",
                                "3.141593", None]),
        "d19_0": column(19, 0, edge[:9] + ["9223372036854775807", "-9223372036854775808",
                                           "9999999999999999999", None]),
        "d38_0": column(38, 0, edge[:8] + ["18446744073709551616", "-18446744073709551616",
                                           "9" * 38, "-" + "9" * 38, None]),
        "d38_10": column(38, 10, ["0", "1", "-1", "0.0000000001", "-0.0000000001", "1.28", "-1.28",
                                  "1234567890123456789012345678.0123456789",
                                  "-1234567890123456789012345678.0123456789",
                                  "9" * 28 + "." + "9" * 10, "-" + "9" * 28 + "." + "9" * 10, "42.5", None]),
    }
    return columns, [[name] for name in columns] + [list(columns)], [["d18_0"], ["d38_10"], ["d5_2", "d38_0"]]


def strings():
    texts = ["abcdefghijklmnopqrst"[:n] for n in range(21)]
    texts += ["é", "ñandú", "日本語", "😀", "Grüße, Jürgen ❤", "\u0000", "aé日😀", "x" * 31, "y" * 32, "z" * 33,
              "0123456789" * 4, "é" * 32, "w" * 63, "v" * 64, "u" * 65, "the quick brown fox " * 5, None]
    binaries = [None if t is None else bytes((200 + 37 * i + k) % 256 for k in range(len(t.encode())))
                for i, t in enumerate(texts)]
    binaries[-1], binaries[1] = b"\x80\xff\x7f", None
    columns = {"s": (T.StringType(), texts), "bin": (T.BinaryType(), binaries)}
    return columns, [["s"], ["bin"], ["s", "bin"], ["bin", "s"]], [["s"], ["bin"], ["s", "bin"]]


def nested():
    point = T.StructType([T.StructField("a", T.IntegerType()), T.StructField("b", T.StringType())])
    deep = T.StructType([T.StructField("x", T.ArrayType(T.DoubleType())),
                         T.StructField("y", T.StructType([T.StructField("z", T.LongType())]))])
    nan = float("nan")
    columns = {
        "arr_i": (T.ArrayType(T.IntegerType()), [[1, 2, 3], [], None, [None], [1, None, 3], [-1],
                                                 [2**31 - 1, -2**31], [0] * 10, [7], list(range(20))]),
        "arr_s": (T.ArrayType(T.StringType()), [["a", "bc"], [], None, [None, "x"], ["", ""], ["日本", None, "é"],
                                                ["abcdefgh"], ["x" * 40], [None], ["a"] * 5]),
        "arr_arr": (T.ArrayType(T.ArrayType(T.LongType())), [[[1], [2, 3]], [[]], [None], None, [[None, 1]], [],
                                                             [[1, 2], None, [3]], [[2**63 - 1]], [[], []], [[-1]]]),
        "arr_f": (T.ArrayType(T.FloatType()), [[0.0, -0.0], [nan], None, [], [1.5, None], [-0.0], [float("inf")],
                                               [0.1, 0.2], [None, None], [3.0]]),
        "arr_dec": (T.ArrayType(T.DecimalType(20, 2)), [[Decimal("1.00")], [Decimal("-128.00"), None], None, [],
                                                        [Decimal("0")], [Decimal("123456789012345678.99")],
                                                        [Decimal("-0.01")], [None], [Decimal("1.28")],
                                                        [Decimal("2.55"), Decimal("-2.56")]]),
        "st": (point, [{"a": 1, "b": "x"}, {"a": None, "b": "y"}, None, {"a": None, "b": None}, {"a": 0, "b": ""},
                       {"a": -1, "b": "日本語"}, {"a": 2**31 - 1, "b": None}, {"a": 7, "b": "long text here!!"},
                       {"a": 1, "b": "x"}, None]),
        "st_deep": (deep, [{"x": [1.0, -0.0], "y": {"z": 1}}, {"x": None, "y": None}, None, {"x": [], "y": {"z": None}},
                           {"x": [None, nan], "y": {"z": -1}}, {"x": [2.5], "y": None}, None,
                           {"x": None, "y": {"z": 2**63 - 1}}, {"x": [0.0], "y": {"z": 0}}, {"x": [], "y": None}]),
        "m": (T.MapType(T.StringType(), T.IntegerType()), [{"a": 1, "b": None}, {}, None, {"k": 2}, {"": 0},
                                                           {"日本": -1, "x": 3, "y": 4}, {"null": None}, {"a": 1},
                                                           {"b": 2, "a": 1}, None]),
        "m_arr": (T.MapType(T.IntegerType(), T.ArrayType(T.StringType())),
                  [{1: ["a"]}, {2: None}, None, {}, {3: [], 4: [None, "b"]}, {-1: ["x", "y"]}, {0: [""]},
                   {5: None, 6: ["z"]}, {7: ["é"]}, {2**31 - 1: []}]),
        "m_f": (T.MapType(T.DoubleType(), T.DoubleType()),
                [{2.5: None, -1.0: 1.0, nan: 3.0}, {0.0: None}, None, {}, {nan: None, 1e300: -0.0},
                 {-1e300: nan, 7.0: None}, {1.0: 1.0}, {3.0: 2.0, 2.0: 3.0, 1.0: None}, {-0.0: 1.0}, {5.0: None}]),
        "k": (T.StringType(), ["a", "b", None, "d", "", "日本語", "g", "h", None, "j"]),
    }
    return columns, ([[name] for name in columns]
                     + [["arr_i", "st", "m"], ["k", "arr_s", "st_deep"], ["st", "k"], list(columns)]), \
        [["arr_i"], ["st"], ["m"], ["m_arr"], ["m_f"], ["k", "arr_arr"], ["k", "m_f"]]


def keys():
    rng = random.Random(20260101)
    alphabet = "abcxyz019 éü日😀"
    size = 200

    def maybe(value):
        return None if rng.random() < 0.05 else value

    columns = {
        "i32": (T.IntegerType(), [maybe(rng.randint(-2**31, 2**31 - 1)) for _ in range(size)]),
        "i64": (T.LongType(), [maybe(rng.randint(-2**63, 2**63 - 1)) for _ in range(size)]),
        "f64": (T.DoubleType(), [maybe(rng.uniform(-1e6, 1e6)) for _ in range(size)]),
        "s": (T.StringType(), [maybe("".join(rng.choice(alphabet) for _ in range(rng.randint(0, 24))))
                               for _ in range(size)]),
        "dec": (T.DecimalType(20, 2), [maybe(Decimal(rng.randint(-10**20 + 1, 10**20 - 1)).scaleb(-2))
                                       for _ in range(size)]),
    }
    return columns, [[name] for name in columns] + [["i32", "s"], ["f64", "s", "i64", "dec"]], \
        [["i32"], ["i64"], ["s"], ["dec"], ["i32", "s"], ["f64", "s", "i64", "dec"]]


TABLES = {"scalars": scalars, "decimals": decimals, "strings": strings, "nested": nested, "keys": keys}


def spark_column(name):
    return F.expr(SPARK_EXPRESSIONS.get(name, f"`{name}`"))


def build(spark, columns):
    schema = T.StructType([T.StructField("id", T.IntegerType(), False)]
                          + [T.StructField(name, kind) for name, (kind, _) in columns.items()])
    rows = [(i, *values) for i, values in enumerate(zip(*(values for _, values in columns.values()), strict=True))]
    return spark.createDataFrame(rows, schema).orderBy("id")


def main():
    spark = (SparkSession.builder.master("local[2]")
             .config("spark.sql.session.timeZone", "UTC")
             .config("spark.ui.enabled", "false")
             .config("spark.sql.legacy.allowHashOnMapType", "true")
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    hashes, partitions = [], []
    for table, make in TABLES.items():
        columns, hash_cases, partition_cases = make()
        df = build(spark, columns).cache()
        arrow = df.toArrow()
        assert arrow.column("id").to_pylist() == list(range(arrow.num_rows))
        feather.write_feather(arrow, os.path.join(HERE, f"{table}.arrow"), compression="uncompressed")
        for names in hash_cases:
            cols = [spark_column(n) for n in names]
            rows = df.select(F.hash(*cols), F.xxhash64(*cols)).collect()
            hashes.append({"table": table, "columns": names,
                           "hash": [r[0] for r in rows], "xxhash64": [r[1] for r in rows]})
        for names in partition_cases:
            for n in NUM_PARTITIONS:
                rows = (df.repartition(n, *[spark_column(c) for c in names])
                        .select("id", F.spark_partition_id(), F.pmod(F.hash(*[spark_column(c) for c in names]),
                                                                     F.lit(n)))
                        .collect())
                rows.sort(key=lambda r: r[0])
                # HashPartitioning's partition id is pmod(hash(keys), n): check the oracle agrees.
                # Not for maps: repartition sorts their entries by key first, hash() does not.
                has_map = any("map<" in df.schema[c].dataType.simpleString() for c in names)
                assert has_map or all(r[1] == r[2] for r in rows), (table, names, n)
                partitions.append({"table": table, "columns": names, "num_partitions": n,
                                   "ids": [r[1] for r in rows]})
        df.unpersist()
    meta = {"pyspark": pyspark.__version__, "pyarrow": pa.__version__, "python": sys.version.split()[0]}
    with open(os.path.join(HERE, "expected.json"), "w") as out:
        out.write('{"__meta__": ' + json.dumps(meta) + ',\n "hash": [\n')
        out.write(",\n".join("  " + json.dumps(case) for case in hashes))
        out.write('\n ],\n "partitions": [\n')
        out.write(",\n".join("  " + json.dumps(case) for case in partitions))
        out.write("\n ]\n}\n")
    spark.stop()


if __name__ == "__main__":
    main()

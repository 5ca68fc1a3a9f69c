"""The TPC-H kit shared by the test, its golden generator and ``benchmarks/sql_bench.py``.

Contract:

* ``QUERIES`` names the 22 queries (``q01`` .. ``q22``); ``query_text(name)`` is the text of
  ``queries/<name>.sql``: the spec's query in Spark SQL with its validation substitution parameters.
* ``TABLES`` names the 8 tables; ``register_tables(spark, paths)`` makes each a temporary view read
  from its Parquet file with ``spark.read.parquet``, on PySpark or sparklite alike.
* ``result_of(df)`` is a query's answer in the canonical form the golden files keep: column names,
  each column's ``simpleString()`` type, and rows whose values are JSON values (ints, strings, null,
  booleans) or strings for the rest (decimals in plain notation, dates in ISO form, doubles as
  ``repr``), so an answer and its golden file compare with ``==`` except for doubles.
* ``differences(expected, actual)`` lists how two such answers differ: names, types, row count, then
  each differing row in order, doubles compared with a relative tolerance of 1e-9, all else exactly.
"""
from __future__ import annotations

import datetime
import json
import math
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
QUERIES = [f"q{n:02d}" for n in range(1, 23)]
TABLES = ["customer", "lineitem", "nation", "orders", "part", "partsupp", "region", "supplier"]
GOLDEN_DIR = HERE / "golden"
DOUBLE_TYPES = ("double", "float")
RELATIVE_TOLERANCE = 1e-9


def query_text(name: str) -> str:
    """The SQL text of query ``name`` (``q01`` .. ``q22``)."""
    return (HERE / "queries" / f"{name}.sql").read_text()


def register_tables(spark, paths: dict) -> None:
    """Every table of ``paths`` ({name: Parquet path}) as a temporary view of that name."""
    for name, path in paths.items():
        spark.read.parquet(path).createOrReplaceTempView(name)


def canonical(value):
    """One collected value as a JSON value (see the module's contract)."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    raise TypeError(f"a TPC-H answer holds no {type(value).__name__}: {value!r}")


def result_of(df) -> dict:
    """The answer of a DataFrame in canonical form: ``{"columns", "types", "rows"}``."""
    fields = df.schema.fields
    return {"columns": [f.name for f in fields], "types": [f.dataType.simpleString() for f in fields],
            "rows": [[canonical(v) for v in row] for row in df.collect()]}


def golden_path(name: str, scale: str = "0.1") -> Path:
    return GOLDEN_DIR / f"sf{scale}" / f"{name}.json"


def load_golden(name: str, scale: str = "0.1") -> dict:
    return json.loads(golden_path(name, scale).read_text())


def dump_golden(result: dict) -> str:
    """The golden file's text: one line per row, so a changed answer reads as a small diff."""
    head = f'{{\n  "columns": {json.dumps(result["columns"])},\n  "types": {json.dumps(result["types"])},\n'
    rows = ",".join(f"\n    {json.dumps(row)}" for row in result["rows"])
    return head + f'  "rows": [{rows}\n  ]\n}}\n' if rows else head + '  "rows": []\n}\n'


def _same_cell(expected, actual, type_name: str) -> bool:
    if type_name in DOUBLE_TYPES and isinstance(expected, str) and isinstance(actual, str):
        want, got = float(expected), float(actual)
        return (math.isnan(want) and math.isnan(got)) or math.isclose(want, got, rel_tol=RELATIVE_TOLERANCE)
    return expected == actual and type(expected) is type(actual)


def differences(expected: dict, actual: dict, shown: int = 5) -> list[str]:
    """How ``actual`` differs from ``expected`` (both from ``result_of``); empty when they match."""
    found = []
    for part in ("columns", "types"):
        if expected[part] != actual[part]:
            found.append(f"{part}: expected {expected[part]}, got {actual[part]}")
    if found:
        return found
    want, got = expected["rows"], actual["rows"]
    if len(want) != len(got):
        found.append(f"{len(got)} rows, expected {len(want)}")
    for index, (w, g) in enumerate(zip(want, got)):
        if not all(_same_cell(a, b, t) for a, b, t in zip(w, g, expected["types"])):
            found.append(f"row {index}: expected {w}, got {g}")
            if len(found) > shown:
                found.append("...")
                break
    return found

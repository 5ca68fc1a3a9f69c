"""Write the golden answers of the 22 TPC-H queries by running them on real PySpark.

PySpark is the oracle: it is needed only here, never by the test suite (``test_tpch.py`` reads the
files this script writes). It needs ``pip install pyspark`` (4.3.0 made the committed files), a Java
17+ runtime on PATH and ``tpchgen-cli`` 4.0.0 (the project's ``test`` extra)::

    TZ=UTC python tests/sql/tpch/golden/generate.py            # every query, SF0.1
    TZ=UTC python tests/sql/tpch/golden/generate.py --check    # write nothing; exit 1 if a file would change

One session (``local[2]``, ``spark.sql.session.timeZone=UTC``, ANSI mode at its default (on)) reads the
tables that ``tpch_tables`` generates (the very files the test reads) as temporary views, runs every
query of ``queries/`` and writes its answer to ``sf0.1/qNN.json`` in the canonical form of
``result_of``; a file is rewritten only when the answer changed, so a second run changes nothing.
Each DataFrame form of ``DATAFRAME_QUERIES`` is run too and must give its SQL query's answer (names,
types and rows); a difference is reported and makes the script exit 1.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[4]))

from tests.sql.tpch import (QUERIES, differences, dump_golden, golden_path, query_text,  # noqa: E402
                            register_tables, result_of)
from tests.sql.tpch.data import tpch_tables  # noqa: E402
from tests.sql.tpch.dataframe_queries import DATAFRAME_QUERIES  # noqa: E402

SCALE = "0.1"


def start_session():
    """The one PySpark session every query runs in, with the driver and JVM in UTC."""
    os.environ["TZ"] = "UTC"
    time.tzset()
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession
    spark = (SparkSession.builder.master("local[2]")
             .config("spark.sql.session.timeZone", "UTC")
             .config("spark.ui.enabled", "false")
             .config("spark.ui.showConsoleProgress", "false")
             .getOrCreate())
    spark.sparkContext.setLogLevel("OFF")
    for name in ("SQLQueryContextLogger", "DataFrameQueryContextLogger"):
        logging.getLogger(name).disabled = True
    return spark


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if any file would change")
    args = parser.parse_args(argv)
    paths = tpch_tables(SCALE)
    spark = start_session()
    failed = False
    try:
        register_tables(spark, paths)
        for name in QUERIES:
            started = time.time()
            result = result_of(spark.sql(query_text(name)))
            path = golden_path(name, SCALE)
            text = dump_golden(result)
            changed = not path.exists() or path.read_text() != text
            if changed and not args.check:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text)
            state = ("would change" if args.check else "rewritten") if changed else "unchanged"
            print(f"{name}: {len(result['rows'])} rows, {state} ({time.time() - started:.1f} s)")
            failed |= args.check and changed
            if name in DATAFRAME_QUERIES:
                found = differences(result, result_of(DATAFRAME_QUERIES[name](spark)))
                for problem in found:
                    print(f"  PROBLEM DataFrame form of {name}: {problem}")
                failed |= bool(found)
    finally:
        spark.stop()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""Fill in the expected blocks of the ``.slt`` files by running every case on real PySpark.

PySpark is the oracle: it is needed only here, never by the test suite (``test_slt.py`` reads the
blocks this script writes). It needs ``pip install pyspark`` (4.3.0 made the committed files) and a
Java 17+ runtime on PATH::

    python tests/sql/golden/generate.py                        # every tests/sql/slt/*.slt
    python tests/sql/golden/generate.py tests/sql/slt/casts.slt
    python tests/sql/golden/generate.py --check                # write nothing; exit 1 if a file would change

All files run in one session (``local[2]``, ``spark.sql.session.timeZone=UTC``, ANSI mode at its default
(on), default shuffle partitions, the process and JVM in ``TZ=UTC``), each file's cases in order; a
file's temporary views are dropped before the next file starts. Each case's expected block is
replaced by what PySpark gave (``rowsort`` rows sorted); comments and bodies are kept byte for byte,
and a case whose body starts with ``# skip-gen`` is neither run nor touched. Rerunning changes
nothing, which ``--check`` verifies. Cases that cannot be right as written (a ``statement ok`` that
fails, a ``statement error`` that succeeds, a failing ``exec``, a ``df`` body that gives no
DataFrame) are reported and make the script exit 1; the rest of the file is still written.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SLT_DIR = HERE.parent / "slt"
sys.path.insert(0, str(HERE.parent))

import slt_format  # noqa: E402


def start_session():
    """The one PySpark session every file runs in, with the driver and JVM in UTC."""
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
    # PySpark logs every failing query's context as JSON on stderr; the error cases would flood it
    for name in ("SQLQueryContextLogger", "DataFrameQueryContextLogger"):
        logging.getLogger(name).disabled = True
    return spark


def session_names() -> dict:
    from pyspark.sql import Observation, Row, Window, functions, types
    return {"F": functions, "T": types, "Row": Row, "Window": Window, "Observation": Observation}


def generate_file(path: Path, spark, names: dict) -> tuple[str, list[str], int]:
    """Run one file; return its new text, the authoring problems found, and how many cases ran."""
    parsed = slt_format.parse_file(path)
    slt_format.drop_temp_views(spark)
    namespace = slt_format.file_namespace(spark, names)
    problems, ran = [], 0
    for case in parsed.cases:
        if case.skip_gen:
            continue
        ran += 1
        try:
            actual = slt_format.run_case(case, spark, namespace)
        except (slt_format.CaseAuthoringError, SyntaxError) as error:
            problems.append(str(error))
            continue
        if case.kind == "statement" and actual == ["ok"]:
            problems.append(f"{case.where}: 'statement error' ran without an error")
            continue
        if case.compares:
            case.expected = actual
    return parsed.render(), problems, ran


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", type=Path, help="the .slt files (default: every one in tests/sql/slt)")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if any file would change")
    args = parser.parse_args(argv)
    files = args.files or sorted(SLT_DIR.glob("*.slt"))
    spark = start_session()
    names = session_names()
    failed = False
    try:
        for path in files:
            started = time.time()
            text, problems, ran = generate_file(path, spark, names)
            changed = text != path.read_text()
            if changed and not args.check:
                path.write_text(text)
            state = ("would change" if args.check else "rewritten") if changed else "unchanged"
            print(f"{path.name}: {ran} cases run, {state} ({time.time() - started:.1f} s)")
            for problem in problems:
                print(f"  PROBLEM {problem}")
            failed |= bool(problems) or (args.check and changed)
    finally:
        spark.stop()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

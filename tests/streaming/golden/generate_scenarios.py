"""Regenerate ``scenarios.json`` by running every scenario of ``tests/streaming/scenarios.py`` on real
PySpark (``local[2]``, session time zone UTC, 2 shuffle partitions, no UI), each in fresh temporary
directories. PySpark is the oracle: it is needed only here, never by the tests. Run with PySpark and
a Java 17+ runtime installed::

    python tests/streaming/golden/generate_scenarios.py               # writes scenarios.json
    python tests/streaming/golden/generate_scenarios.py -k dedup      # a subset, printed only

The output is ``{name: result}`` (see ``run_scenario``) plus ``"__meta__"`` with the versions used.
A scenario whose outcome (rows or error) disagrees with its ``error`` flag makes the script fail.
"""
import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(HERE))))
os.environ["TZ"] = "UTC"    # PySpark's collect() returns naive local datetimes
time.tzset()

import pyspark  # noqa: E402
from pyspark.sql import SparkSession  # noqa: E402
from pyspark.sql import functions as F  # noqa: E402

from tests.streaming.scenarios import SCENARIOS, run_scenario  # noqa: E402

DEFAULT_OUT = os.path.join(HERE, "scenarios.json")


def summary(result):
    if "error" in result:
        return f"error {result['error']['error_class']} at {result['error']['raised_at']}"
    return "; ".join(f"run {i + 1}: {len(run['batches'])} batches "
                     f"({', '.join(str(len(b['rows'] or [])) for b in run['batches'])} rows), "
                     f"{run['offsets']} offsets/{run['commits']} commits"
                     for i, run in enumerate(result["runs"]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", default=DEFAULT_OUT)
    parser.add_argument("-k", dest="keyword", help="run only scenarios whose name contains this; print only")
    args = parser.parse_args()
    spark = (SparkSession.builder.master("local[2]").config("spark.sql.session.timeZone", "UTC")
             .config("spark.sql.shuffle.partitions", "2").config("spark.ui.enabled", "false")
             .config("spark.ui.showConsoleProgress", "false").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    results, mismatched = {}, []
    started = time.perf_counter()
    for scenario in SCENARIOS:
        if args.keyword and args.keyword not in scenario.name:
            continue
        workdir = tempfile.mkdtemp(prefix=f"sparklite-golden-{scenario.name}-")
        try:
            began = time.perf_counter()
            result = run_scenario(spark, F, scenario, workdir)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        results[scenario.name] = result
        if ("error" in result) != scenario.error:
            mismatched.append(scenario.name)
        print(f"{scenario.name:45s} {time.perf_counter() - began:5.1f}s  {summary(result)}", flush=True)
    spark.stop()
    print(f"{len(results)} scenarios in {time.perf_counter() - started:.0f}s")
    if mismatched:
        print("outcome disagrees with the scenario's error flag:", ", ".join(mismatched))
        sys.exit(1)
    if args.keyword:
        print(json.dumps(results, indent=1))
        return
    results["__meta__"] = {"pyspark": pyspark.__version__, "python": platform.python_version()}
    with open(args.output, "w") as f:
        json.dump(results, f, indent=1)
        f.write("\n")
    print("wrote", args.output)


if __name__ == "__main__":
    main()

"""The ``sparklite`` command: ``sparklite quickstart`` runs the quickstart job, ``sparklite bench``
runs the benchmark suite of a source checkout (the same as ``python -m benchmarks``; ``bench sql``,
``bench ml``, ``bench streaming`` and ``bench graph`` the SQL, MLlib, streaming and graph
benchmarks), ``sparklite run app.py [--as-pyspark]`` runs a program (its ``pyspark`` imports answered by sparklite),
``sparklite submit`` runs an application as ``spark-submit`` does (``sparklite/submit.py``),
``sparklite sql`` runs SQL as ``spark-sql`` does (``sparklite/sqlcli.py``), ``sparklite shell`` opens
an interactive prompt with ``spark`` and ``sc`` bound, as ``pyspark`` does (``sparklite/shell.py``),
``sparklite history`` serves the web UI of logged applications (``sparklite/history.py``),
``sparklite version`` prints the version; ``sparklite`` alone prints this list."""
from __future__ import annotations

import argparse
import sys


def quickstart(master: str) -> int:
    """Word count over generated text: the job the README's first command runs."""
    import random
    from operator import add

    from sparklite import SparkContext

    rng = random.Random(7)
    words = ["spark", "arrow", "python", "ray", "shuffle", "stage", "task", "block", "cache", "lineage"]
    lines = [" ".join(rng.choice(words) for _ in range(12)) for _ in range(20000)]
    with SparkContext(master, "sparklite-quickstart") as sc:
        counts = (sc.parallelize(lines, 8).flatMap(str.split).map(lambda w: (w, 1))
                  .reduceByKey(add).sortBy(lambda kv: -kv[1]))
        top = counts.take(5)
        total = counts.values().sum()
    print(f"sparklite quickstart: {total} words over {len(lines)} lines; most common:")
    for word, n in top:
        print(f"  {word:10s} {n}")
    return 0


def bench(argv: list) -> int:
    """Run ``benchmarks`` from the source checkout this package was installed from."""
    import os
    checkout = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if not os.path.isdir(os.path.join(checkout, "benchmarks")):
        print("sparklite bench needs a source checkout (the benchmarks/ folder beside sparklite/); "
              "install with 'pip install -e .' from a clone", file=sys.stderr)
        return 2
    sys.path.insert(0, checkout)
    if argv[:1] == ["sql"]:          # sparklite bench sql: the DataFrame/SQL benchmark (TPC-H and more)
        from benchmarks.sql_bench import main as run_sql_benchmark
        return run_sql_benchmark(argv[1:])
    if argv[:1] == ["ml"]:           # sparklite bench ml: the MLlib benchmark (four algorithms, 1M points)
        from benchmarks.ml_bench import main as run_ml_benchmark
        return run_ml_benchmark(argv[1:])
    if argv[:1] == ["streaming"]:    # sparklite bench streaming: a windowed count over the rate source
        from benchmarks.streaming_bench import main as run_streaming_benchmark
        return run_streaming_benchmark(argv[1:])
    if argv[:1] == ["graph"]:        # sparklite bench graph: PageRank and components on a 1M-edge graph
        from benchmarks.graph_bench import main as run_graph_benchmark
        return run_graph_benchmark(argv[1:])
    from benchmarks.__main__ import main as run_benchmarks
    return run_benchmarks(argv)


def run(argv: list) -> int:
    """``sparklite run app.py [args] [--as-pyspark]``: run a Python program, with ``pyspark`` imports
    answered by sparklite when asked."""
    import runpy
    as_pyspark = "--as-pyspark" in argv
    argv = [a for a in argv if a != "--as-pyspark"]
    if not argv:
        print("usage: sparklite run app.py [args ...] [--as-pyspark]", file=sys.stderr)
        return 2
    if as_pyspark:
        from sparklite import install_pyspark_alias
        install_pyspark_alias()
    sys.argv = list(argv)
    try:
        runpy.run_path(argv[0], run_name="__main__")
    except SystemExit as exit_:
        from sparklite.submit import exit_status
        return exit_status(exit_)
    return 0


# subcommands with a module of their own: its main(argv) runs them
_TOOLS = {"submit": "sparklite.submit", "sql": "sparklite.sqlcli", "shell": "sparklite.shell",
          "history": "sparklite.history"}


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["bench"]:
        return bench(argv[1:])
    if argv[:1] == ["run"]:
        return run(argv[1:])
    if argv[:1] and argv[0] in _TOOLS:
        import importlib
        return importlib.import_module(_TOOLS[argv[0]]).main(argv[1:])
    parser = argparse.ArgumentParser(prog="sparklite", description="sparklite: Spark's programming model in Python.")
    sub = parser.add_subparsers(dest="command", metavar="command")
    qs = sub.add_parser("quickstart", help="run a small word count job")
    qs.add_argument("--master", default="local[2]")
    sub.add_parser("submit", help="run an application as spark-submit does: sparklite submit [--master M] "
                                  "[--name N] [--conf k=v] [--py-files F] [--properties-file F] app.py [args]")
    sub.add_parser("sql", help="run Spark SQL as spark-sql does: sparklite sql [-e QUERY | -f FILE] "
                               "[--database D] (a prompt without -e/-f)")
    sub.add_parser("shell", help="an interactive Python prompt with spark, sc and sql bound, as pyspark: "
                                 "sparklite shell [--master M] [--name N] [--conf k=v] [--py-files F] "
                                 "[--properties-file F]")
    sub.add_parser("history", help="serve the web UI of the applications logged in a folder: sparklite history "
                                   "[--dir D] [--host H] [--port 18080]")
    sub.add_parser("run", help="run a Python program (--as-pyspark: its pyspark imports get sparklite)")
    sub.add_parser("bench", help="run the benchmark suite (options: python -m benchmarks --help; "
                                 "'bench sql': the SQL benchmark, python -m benchmarks.sql_bench --help)")
    sub.add_parser("version", help="print the version")
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    if args.command == "quickstart":
        return quickstart(args.master)
    from sparklite import __version__
    print(__version__)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Regenerate ``rdd_golden.json`` by running every golden case on real PySpark.

PySpark is the *oracle* here: it is needed only to (re)generate the golden
file, never to run sparklite's test suite, and it is not a test dependency.
Install it by hand beforehand (it needs a Java 17+ runtime on PATH), e.g.::

    pip install pyspark          # 4.3.0 was used for the committed file
    python tests/core/golden/generate_golden.py            # writes rdd_golden.json
    python tests/core/golden/generate_golden.py -o /tmp/x.json   # elsewhere
    python tests/core/golden/generate_golden.py -k sortByKey     # subset, printed only

The script makes sure ``PYTHONHASHSEED=0`` (PySpark's ``portable_hash`` and
hence every hash-partitioned layout depends on it) for the driver -- it
re-executes itself when the variable was not set at startup -- and for the
workers, and sets ``PYSPARK_PYTHON`` to this interpreter before the
SparkContext starts, and runs with master
``local[2]`` and ``spark.ui.enabled=false``, like sparklite's ``sc``
fixture.  The output is ``{case_name: normalized_result}`` with sorted keys
and ``indent=1``, plus a ``"__meta__"`` entry recording the pyspark and
Python versions (string hashes, and so str/bytes key placement, depend on
the Python version: 3.11+ uses SipHash-1-3).

Run it twice and diff the output to check that every case is deterministic.
A case that raises makes the script fail (exit status 1) after reporting it.
"""

import argparse
import importlib.util
import json
import os
import platform
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
CASES_PATH = os.path.join(os.path.dirname(HERE), "golden_cases.py")
DEFAULT_OUT = os.path.join(HERE, "rdd_golden.json")


def load_cases_module():
    spec = importlib.util.spec_from_file_location("golden_cases", CASES_PATH)
    module = importlib.util.module_from_spec(spec)
    sys.modules["golden_cases"] = module
    spec.loader.exec_module(module)
    return module


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-o", "--output", default=DEFAULT_OUT)
    parser.add_argument("-k", "--filter", help="only cases whose name contains this; prints, does not write")
    args = parser.parse_args(argv)

    # Must be set before the JVM and the Python workers start.  The driver
    # needs it too (lookup() on a partitioned RDD hashes the key in the
    # driver), and a running interpreter's str hash cannot be changed, so
    # re-exec ourselves when it was not set at startup.
    if os.environ.get("PYTHONHASHSEED") != "0":
        env = dict(os.environ, PYTHONHASHSEED="0")
        argv = [sys.executable, os.path.abspath(__file__)] + list(sys.argv[1:] if argv is None else argv)
        os.execve(sys.executable, argv, env)
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable

    import pyspark
    from pyspark import SparkConf, SparkContext

    try:
        from pyspark import cloudpickle
    except ImportError:  # pragma: no cover - very old pyspark
        import cloudpickle

    gc = load_cases_module()
    # Functions defined in golden_cases must travel by value: the worker
    # processes cannot import the module.
    cloudpickle.register_pickle_by_value(gc)

    conf = (
        SparkConf()
        .setMaster("local[2]")
        .setAppName("sparklite-golden")
        .set("spark.ui.enabled", "false")
    )
    sc = SparkContext(conf=conf)
    sc.setLogLevel("ERROR")

    names = [n for n in gc.CASES if not args.filter or args.filter in n]
    results = {}
    failures = []
    t0 = time.time()
    try:
        for name in names:
            start = time.time()
            try:
                value = gc.normalize(gc.CASES[name](sc))
                json.dumps(value, allow_nan=False)
            except Exception:  # noqa: BLE001
                failures.append(name)
                print("FAILED %s\n%s" % (name, traceback.format_exc()), file=sys.stderr)
                continue
            results[name] = value
            print("%-55s %6.2fs" % (name, time.time() - start), file=sys.stderr)
    finally:
        sc.stop()

    print("%d cases in %.1fs, %d failed" % (len(names), time.time() - t0, len(failures)), file=sys.stderr)
    if failures:
        print("failed cases: %s" % ", ".join(failures), file=sys.stderr)
        return 1

    if args.filter:
        print(json.dumps(results, sort_keys=True, indent=1, ensure_ascii=False, allow_nan=False))
        return 0

    results["__meta__"] = {
        "pyspark": pyspark.__version__,
        "python": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "master": "local[2]",
        "PYTHONHASHSEED": "0",
        "cases": len(names),
    }
    with open(args.output, "w", encoding="utf-8") as fh:
        json.dump(results, fh, sort_keys=True, indent=1, ensure_ascii=False, allow_nan=False)
        fh.write("\n")
    print("wrote %s" % args.output, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

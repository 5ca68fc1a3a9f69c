"""SQL and DataFrame benchmark: sparklite.sql against PySpark, DuckDB and Polars, all measured in one run.

    python -m benchmarks.sql_bench [--sf 1] [--engines sparklite,pyspark,duckdb,polars] [--repeat 1]
                                   [--workloads startup,tpch,groupby,wordcount] [--timeout 600]

1. Start-up: a new interpreter builds a ``local[2]`` session and answers ``SELECT 1`` (sparklite and PySpark).
2. TPC-H: the 22 queries of ``tests/sql/tpch/queries`` at scale factor ``--sf`` on tpchgen's Parquet
   files (generated once and cached by ``tests/sql/tpch/data.py``, as for the test), each engine reading
   the files itself: sparklite and PySpark as temporary views from ``spark.read.parquet``, DuckDB as
   views over ``read_parquet``, Polars as ``scan_parquet`` frames in a ``pl.SQLContext``.
3. Group-by: a 10M-row Parquet file (an int64 key with 100,000 values, two doubles) summed, averaged and
   counted per key.
4. Word count: ``spark.read.text`` -> split -> explode -> ``groupBy(word).count()`` over ~200 MB of seeded
   Zipf text (``benchmarks/data.py``), and the same in DuckDB and Polars.

Every engine runs in a process of its own, one engine after another, with two threads or two cores
(``local[2]``, DuckDB's ``threads``, ``POLARS_MAX_THREADS``). The clock runs around each query, from its
text to its collected rows; starting the engine and declaring the tables are timed apart. TPC-H queries
run ``--repeat`` times (best kept); the group-by and the word count keep the best of at least two runs
for every engine, because the first run in a new process pays for first touching hundreds of MB of
memory, which on this VM cost sparklite's group-by alone 1 to 2 s (the engines run one after another,
so the engine after the first would otherwise find that memory already touched). A query that
fails is reported with its first error line; one that takes longer than ``--timeout`` is stopped with
its process, and a new process goes on with the next query. A watchdog samples the memory of the
engine's processes every 50 ms and stops them past ``--memory-limit`` (a fraction of the memory
available at the start), so that a plan that explodes fails its query instead of taking the machine;
it limits resident memory, not address space, which allocators reserve far beyond their use.

Each answer is compared with PySpark's (DuckDB's when PySpark did not run): numbers within a relative
1e-6, the rest exactly, TPC-H rows in order, the others sorted; a difference is reported, never hidden.
Peak RSS is the largest sum, over the engine's process and its children (PySpark's JVM, sparklite's
workers), of their proportional set sizes (resident memory with shared pages split among sharers).
TPC-H totals are given per engine over the queries it answered, and over the queries every engine
answered, which is where the ratios come from. The record goes to ``benchmarks/results/sql_bench.json``;
the table is printed in markdown, and each result as it comes on stderr. A peer that is not installed
is skipped with a note.
"""
from __future__ import annotations

import argparse
import datetime
import importlib.util
import json
import math
import os
import platform
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from decimal import Decimal

import numpy as np

from benchmarks.__main__ import RESULTS_DIR
from benchmarks.data import DATA_DIR, zipf_text
from tests.sql.tpch import QUERIES, query_text, register_tables
from tests.sql.tpch.data import tpch_tables
from tests.sql.tpch.dataframe_queries import api_of

ENGINES = ["sparklite", "pyspark", "duckdb", "polars"]
WORKLOADS = ["startup", "tpch", "groupby", "wordcount"]
THREADS = 2
GROUPBY_KEYS = 100_000
TOLERANCE = 1e-6


# ---- the engines, as run inside an engine's own process -------------------------------------------------

class SparkEngine:
    """sparklite or PySpark: one ``local[2]`` session in UTC; the same DataFrame code drives both."""

    def __init__(self, name: str):
        if name == "pyspark":
            from pyspark.sql import SparkSession
            builder = (SparkSession.builder.config("spark.ui.enabled", "false")
                       .config("spark.ui.showConsoleProgress", "false").config("spark.driver.memory", "4g"))
        else:
            from sparklite.sql import SparkSession
            builder = SparkSession.builder
        self.spark = builder.master(f"local[{THREADS}]").config("spark.sql.session.timeZone", "UTC").getOrCreate()
        if name == "pyspark":
            self.spark.sparkContext.setLogLevel("OFF")
        self.F = api_of(self.spark)[0]

    def tables(self, paths: dict) -> None:
        register_tables(self.spark, paths)

    def sql(self, text: str) -> list:
        return self.spark.sql(text).collect()

    def groupby(self, path: str) -> list:
        F = self.F
        return (self.spark.read.parquet(path).groupBy("key")
                .agg(F.sum("a").alias("sum_a"), F.avg("b").alias("avg_b"), F.count("*").alias("n")).collect())

    def wordcount(self, path: str) -> list:
        F = self.F
        words = self.spark.read.text(path).select(F.explode(F.split("value", " ")).alias("word"))
        return words.groupBy("word").count().collect()

    def stop(self) -> None:
        self.spark.stop()


class DuckDBEngine:
    def __init__(self, name: str):
        import duckdb
        self.con = duckdb.connect()
        self.con.execute(f"SET threads = {THREADS}")

    def tables(self, paths: dict) -> None:
        for name, path in paths.items():
            quoted = path.replace("'", "''")
            self.con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{quoted}')")

    def sql(self, text: str) -> list:
        return self.con.execute(text).fetchall()

    def groupby(self, path: str) -> list:
        return self.con.execute("SELECT key, sum(a), avg(b), count(*) FROM read_parquet(?) GROUP BY key",
                                [path]).fetchall()

    def wordcount(self, path: str) -> list:
        return self.con.execute(
            "SELECT word, count(*) FROM (SELECT unnest(string_split(value, ' ')) AS word FROM "
            "read_csv(?, columns = {'value': 'VARCHAR'}, delim = '\x01', quote = '', escape = '', header = false)) "
            "GROUP BY word", [path]).fetchall()

    def stop(self) -> None:
        self.con.close()


class PolarsEngine:
    def __init__(self, name: str):
        import polars
        self.pl = polars
        self.context = polars.SQLContext()

    def tables(self, paths: dict) -> None:
        for name, path in paths.items():
            self.context.register(name, self.pl.scan_parquet(path))

    def sql(self, text: str) -> list:
        return self.context.execute(text).collect().rows()

    def groupby(self, path: str) -> list:
        pl = self.pl
        return (pl.scan_parquet(path).group_by("key")
                .agg(pl.col("a").sum(), pl.col("b").mean(), pl.len()).collect().rows())

    def wordcount(self, path: str) -> list:
        pl = self.pl
        lines = pl.scan_csv(path, has_header=False, new_columns=["value"], separator="\x01", quote_char=None,
                            schema_overrides={"value": pl.String})
        return lines.select(pl.col("value").str.split(" ").explode().alias("word")).group_by("word").len() \
            .collect().rows()

    def stop(self) -> None:
        pass


ENGINE_CLASSES = {"sparklite": SparkEngine, "pyspark": SparkEngine, "duckdb": DuckDBEngine, "polars": PolarsEngine}


def plain(value):
    """A collected value as JSON, numbers as floats, so that engines' answers compare whatever their types."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float, Decimal, np.number)):
        return float(value)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return str(value)


def child_main(engine_name: str, tasks: list, sf: str, repeat: int) -> None:
    """Run ``tasks`` (``["tpch", "q01"]``, ``["groupby", path]``, ``["wordcount", path]``) and print one JSON
    line for the engine's start, then one per task: its best seconds and answer, or its first error."""
    def report(**fields):
        print(json.dumps(fields), flush=True)

    def first_error(error: BaseException) -> str:
        return f"{type(error).__name__}: {(str(error).strip().splitlines() or [''])[0]}"[:300]

    started = time.perf_counter()
    try:
        engine = ENGINE_CLASSES[engine_name](engine_name)
    except Exception as error:   # reported to the driver, which marks every task with it
        report(task="start", error=first_error(error))
        return
    tables_error = None
    if any(task[0] == "tpch" for task in tasks):
        try:
            engine.tables(tpch_tables(sf))
        except Exception as error:
            tables_error = f"declaring the tables: {first_error(error)}"
    report(task="start", seconds=time.perf_counter() - started)
    for task in tasks:
        kind, argument = task
        if kind == "tpch" and tables_error:
            report(task=task, error=tables_error)
            continue
        try:
            best = math.inf
            for _ in range(repeat if kind == "tpch" else max(repeat, 2)):
                begun = time.perf_counter()
                rows = engine.sql(query_text(argument)) if kind == "tpch" else getattr(engine, kind)(argument)
                best = min(best, time.perf_counter() - begun)
        except Exception as error:   # the benchmark reports a failing query and goes on with the next
            report(task=task, error=first_error(error))
            continue
        answer = [[plain(v) for v in row] for row in rows]
        # TPC-H answers are ordered by the query; the others are compared by their first column
        report(task=task, seconds=best, answer=answer if kind == "tpch" else sorted(answer, key=lambda r: r[0]))
    engine.stop()


# ---- the driver: engine processes, timeouts, memory -----------------------------------------------------

def _descendants(pid: int) -> list[int]:
    """``pid`` and every process below it (Linux ``/proc``)."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    parent = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(parent, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        found.append(todo.pop())
        todo += children.get(found[-1], [])
    return found


def tree_memory(pid: int) -> int:
    """Bytes held by ``pid`` and its descendants: the sum of their proportional set sizes (resident
    memory with each shared page split among its sharers, so forked workers are not counted twice).
    0 where ``/proc`` has no ``smaps_rollup``."""
    total = 0
    for process in _descendants(pid) if os.path.isdir("/proc") else []:
        try:
            with open(f"/proc/{process}/smaps_rollup") as f:
                total += next(int(line.split()[1]) for line in f if line.startswith("Pss:")) * 1024
        except (OSError, StopIteration, ValueError):
            continue
    return total


def memory_limit(fraction: float) -> int | None:
    """``fraction`` of the memory available now (``/proc/meminfo``), or None for no limit."""
    if fraction <= 0:
        return None
    try:
        with open("/proc/meminfo") as f:
            available = next(int(line.split()[1]) for line in f if line.startswith("MemAvailable:")) * 1024
    except (OSError, StopIteration):
        available = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return int(available * fraction)


class EngineProcess:
    """One engine's process: tasks in, one JSON line per task out, restarted after a timeout or a crash."""

    def __init__(self, engine: str, sf: str, repeat: int, timeout: float, limit: int | None):
        self.engine, self.sf, self.repeat, self.timeout, self.limit = engine, sf, repeat, timeout, limit
        self.peak_memory, self.over_limit, self.start_seconds = 0, False, []

    def run(self, tasks: list) -> dict:
        """{task key: {"seconds", "answer"} or {"error"}} for every task."""
        results, pending = {}, list(tasks)
        while pending:
            done = self._run_process(pending, results)
            pending = pending[done:]
        return results

    def _run_process(self, tasks: list, results: dict) -> int:
        """Run ``tasks`` in a new process until they are done or one stops it; return how many are done."""
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path), PYTHONHASHSEED="0", TZ="UTC",
                   POLARS_MAX_THREADS=str(THREADS))
        command = [sys.executable, "-m", "benchmarks.sql_bench", "--child", self.engine, "--sf", self.sf,
                   "--repeat", str(self.repeat), "--tasks", json.dumps(tasks)]
        with tempfile.TemporaryFile("w+") as stderr:
            process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=stderr, text=True, env=env,
                                       start_new_session=True)
            lines, stop_sampling = queue.Queue(), threading.Event()
            threading.Thread(target=_forward_lines, args=(process.stdout, lines), daemon=True).start()
            threading.Thread(target=self._sample, args=(process.pid, stop_sampling), daemon=True).start()
            try:
                return self._collect(process, lines, stderr, tasks, results)
            finally:
                stop_sampling.set()
                if process.poll() is None:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()

    def _collect(self, process, lines: queue.Queue, stderr, tasks: list, results: dict) -> int:
        done = 0
        while done < len(tasks):
            try:
                line = lines.get(timeout=self.timeout)
            except queue.Empty:
                results[_key(tasks[done])] = {"error": f"stopped after {self.timeout:.0f} s"}
                return done + 1
            if line is None:
                code = process.wait()
                stderr.seek(0)
                last = (stderr.read().strip().splitlines() or [""])[-1][:300]
                why = (f"held more than {self.limit / 2**30:.1f} GiB and were stopped" if self.over_limit
                       else "were killed (out of memory?)" if code == -signal.SIGKILL
                       else f"exited with code {code}: {last}")
                self.over_limit = False
                results[_key(tasks[done])] = {"error": f"the engine's processes {why}"}
                return done + 1
            message = json.loads(line)
            if message["task"] == "start":
                if "error" in message:      # the engine did not start: every task fails alike
                    results.update({_key(t): {"error": f"start: {message['error']}"} for t in tasks})
                    return len(tasks)
                self.start_seconds.append(message["seconds"])
                continue
            result = results[_key(message["task"])] = {k: v for k, v in message.items() if k != "task"}
            outcome = f"{result['seconds']:.2f} s" if "seconds" in result else result["error"]
            print(f"{self.engine} {_key(message['task'])}: {outcome}", file=sys.stderr, flush=True)
            done += 1
        process.wait(timeout=120)
        return done

    def _sample(self, pid: int, stop: threading.Event) -> None:
        """The watchdog: record the process tree's peak memory and stop the tree past the limit."""
        while not stop.wait(0.05):
            held = tree_memory(pid)
            self.peak_memory = max(self.peak_memory, held)
            if self.limit and held > self.limit:
                self.over_limit = True
                os.killpg(pid, signal.SIGKILL)
                return


def _forward_lines(stream, lines: queue.Queue) -> None:
    for line in stream:
        lines.put(line)
    lines.put(None)


def _key(task) -> str:
    return task[1] if task[0] == "tpch" else task[0]


# ---- data, start-up, comparison, report -----------------------------------------------------------------

def groupby_parquet(rows: int = 10_000_000, seed: int = 7) -> str:
    """``rows`` rows of (key int64 in [0, 100000), a double, b double) as one Parquet file (cached)."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    path = os.path.join(DATA_DIR, f"groupby_{rows}_{seed}.parquet")
    if os.path.exists(path):
        return path
    os.makedirs(DATA_DIR, exist_ok=True)
    rng = np.random.default_rng(seed)
    table = pa.table({"key": rng.integers(0, GROUPBY_KEYS, size=rows), "a": rng.random(rows),
                      "b": rng.normal(100.0, 15.0, size=rows)})
    pq.write_table(table, path + ".tmp", row_group_size=1_000_000)
    os.replace(path + ".tmp", path)
    return path


STARTUP_SCRIPTS = {
    "sparklite": """
        import time
        begun = time.perf_counter()
        from sparklite.sql import SparkSession
        imported = time.perf_counter()
        spark = SparkSession.builder.master("local[2]").getOrCreate()
        assert spark.sql("SELECT 1 AS one").collect()[0][0] == 1
        print(imported - begun, time.perf_counter() - imported)
        spark.stop()
    """,
    "pyspark": """
        import time
        begun = time.perf_counter()
        from pyspark.sql import SparkSession
        imported = time.perf_counter()
        spark = (SparkSession.builder.master("local[2]").config("spark.ui.enabled", "false")
                 .config("spark.ui.showConsoleProgress", "false").getOrCreate())
        assert spark.sql("SELECT 1 AS one").collect()[0][0] == 1
        print(imported - begun, time.perf_counter() - imported)
        spark.stop()
    """}


def start_up(engine: str, repeat: int) -> dict:
    """Best of ``repeat`` fresh interpreters: the import, then the session and its first answer."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path), PYTHONHASHSEED="0")
    runs = []
    for _ in range(repeat):
        done = subprocess.run([sys.executable, "-c", textwrap.dedent(STARTUP_SCRIPTS[engine])], check=False,
                              capture_output=True, text=True, env=env, timeout=300)
        if done.returncode != 0:
            return {"error": (done.stderr.strip().splitlines() or ["failed"])[-1][:300]}
        runs.append(tuple(map(float, done.stdout.split()[-2:])))
    imported, session = min(runs, key=lambda r: r[1])
    return {"import": imported, "seconds": session}


def _close(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=TOLERANCE, abs_tol=TOLERANCE)
    return a == b


def same_answer(expected: list, actual: list) -> bool:
    return len(expected) == len(actual) and all(
        len(e) == len(a) and all(_close(x, y) for x, y in zip(e, a)) for e, a in zip(expected, actual))


def compare_answers(results: dict, engines: list, notes: list) -> None:
    """Check every answer against the reference engine's; mark a differing one and say so in the notes."""
    reference = next((e for e in ("pyspark", "duckdb") if e in engines), None)
    if reference is None:
        return
    for engine in engines:
        for key, result in results[engine].items():
            expected = results[reference].get(key, {}).get("answer")
            if engine != reference and "answer" in result and expected is not None:
                result["same_answer"] = same_answer(expected, result["answer"])
                if not result["same_answer"]:
                    notes.append(f"{key}: {engine}'s answer differs from {reference}'s")


def _seconds(result: dict | None) -> float | None:
    return result.get("seconds") if result and "error" not in result and result.get("same_answer", True) else None


def report(record: dict) -> str:
    engines = record["engines"]
    peers = [e for e in engines if e != "sparklite"]
    lines = [(f"TPC-H SF{record['sf']}, master `local[{THREADS}]`, {record['cpus']} CPUs, "
              f"Python {record['python']}, {record['time']}"), "",
             "| workload | " + " | ".join(f"{e} (s)" for e in engines) + " | " +
             " | ".join(f"{e} / sparklite" for e in peers) + " |",
             "|---" * (1 + len(engines) + len(peers)) + "|"]
    for key, row in record["results"].items():
        base = _seconds(row.get("sparklite"))
        cells = [f"{_seconds(row.get(e)):.2f}" if _seconds(row.get(e)) is not None else
                 ("differs" if row.get(e, {}).get("same_answer") is False else
                  "failed" if e in row else "-") for e in engines]
        ratios = [f"{_seconds(row.get(e)) / base:.2f}x" if base and _seconds(row.get(e)) is not None else "-"
                  for e in peers]
        lines.append(f"| {key} | " + " | ".join(cells) + " | " + " | ".join(ratios) + " |")
    totals = record["tpch_totals"]
    if totals:
        lines += ["", "TPC-H totals, each engine over the queries it answered: " +
                  ", ".join(f"{e} {seconds:.2f} s ({n} queries)" for e, (n, seconds) in totals["answered"].items())]
        if totals["common"]:
            lines.append(f"TPC-H totals over the {len(totals['common'])} queries every engine answered: " +
                         ", ".join(f"{e} {seconds:.2f} s" for e, seconds in totals["seconds"].items()))
            mine = totals["seconds"].get("sparklite")
            lines += [f"sparklite's time / {peer}'s: {mine / totals['seconds'][peer]:.2f}"
                      for peer in ("pyspark", "duckdb") if mine is not None and totals["seconds"].get(peer)]
        else:
            lines.append("No TPC-H query was answered by every engine, so there is no common total or ratio.")
    lines += ["", "Engine start and table declarations (s, not in the figures above): " +
              ", ".join(f"{e} {s:.2f}" for e, s in record["engine_start_seconds"].items())]
    lines += ["Peak RSS (MB, proportional set sizes summed over the engine's processes): " +
              ", ".join(f"{e} {mb:,.0f}" for e, mb in record["peak_memory_mb"].items())]
    failures = {}
    for key, row in record["results"].items():
        for engine, result in row.items():
            if "error" in result:
                failures.setdefault((engine, result["error"]), []).append(key)
    lines += [""] + [f"- {note}" for note in record["notes"]]
    lines += [f"- {', '.join(keys)} on {engine}: {error}" for (engine, error), keys in failures.items()]
    return "\n".join(lines)


def tpch_totals(results: dict, engines: list) -> dict:
    """Seconds per engine over the queries it answered, and over those every engine answered."""
    queries = [q for q in QUERIES if q in results]
    answered = {e: [_seconds(results[q].get(e)) for q in queries if _seconds(results[q].get(e)) is not None]
                for e in engines}
    common = [q for q in queries if all(_seconds(results[q].get(e)) is not None for e in engines)]
    return {"answered": {e: (len(times), sum(times)) for e, times in answered.items()}, "common": common,
            "seconds": {e: sum(_seconds(results[q][e]) for q in common) for e in engines}}


def installed(engine: str) -> bool:
    if engine == "pyspark":
        return importlib.util.find_spec("pyspark") is not None and shutil.which("java") is not None
    return engine == "sparklite" or importlib.util.find_spec(engine) is not None


def _read_once(path: str) -> None:
    """Read a file once, so that the first engine does not pay for a cold page cache."""
    with open(path, "rb") as f:
        while f.read(1 << 24):
            pass


def run(args) -> dict:
    notes = []
    engines = []
    for engine in args.engines:
        if installed(engine):
            engines.append(engine)
        else:
            notes.append(f"{engine} skipped: it is not installed here" +
                         (" (or Java is missing)" if engine == "pyspark" else ""))
    tasks = []
    if "tpch" in args.workloads:
        paths = tpch_tables(args.sf)
        for path in paths.values():
            _read_once(path)
        tasks += [["tpch", q] for q in args.queries]
    if "groupby" in args.workloads:
        tasks.append(["groupby", groupby_parquet(args.rows)])
        _read_once(tasks[-1][1])
    if "wordcount" in args.workloads:
        tasks.append(["wordcount", zipf_text(args.text_mb)])
        _read_once(tasks[-1][1])
    record = {"sf": args.sf, "master": f"local[{THREADS}]", "python": platform.python_version(),
              "cpus": os.cpu_count(), "time": time.strftime("%Y-%m-%dT%H:%M:%S"), "engines": engines,
              "versions": {e: _version(e) for e in engines}, "results": {}, "notes": notes,
              "engine_start_seconds": {}, "peak_memory_mb": {}}
    if "startup" in args.workloads:
        record["results"]["start-up (session + SELECT 1)"] = {
            e: start_up(e, args.repeat_startup) for e in engines if e in STARTUP_SCRIPTS}
    per_engine, limit = {}, memory_limit(args.memory_limit)
    for engine in engines:
        process = EngineProcess(engine, args.sf, args.repeat, args.timeout, limit)
        per_engine[engine] = process.run(tasks) if tasks else {}
        record["engine_start_seconds"][engine] = min(process.start_seconds, default=float("nan"))
        record["peak_memory_mb"][engine] = process.peak_memory / 2**20
    compare_answers(per_engine, engines, notes)
    for task in tasks:
        key = _key(task)
        label = {"groupby": f"group-by, {args.rows:,} Parquet rows, {GROUPBY_KEYS:,} keys",
                 "wordcount": f"word count, {args.text_mb} MB text"}.get(key, key)
        record["results"][label] = {e: {k: v for k, v in per_engine[e][key].items() if k != "answer"}
                                    for e in engines}
    record["tpch_totals"] = tpch_totals(record["results"], engines) if "tpch" in args.workloads else {}
    return record


def _version(engine: str) -> str:
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version(engine)
    except PackageNotFoundError:
        return "-"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.sql_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--sf", default="1", help="TPC-H scale factor (default 1)")
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--workloads", default=",".join(WORKLOADS))
    parser.add_argument("--queries", default=",".join(QUERIES))
    parser.add_argument("--repeat", type=int, default=1, help="runs of each query; the best is kept")
    parser.add_argument("--repeat-startup", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=600, help="seconds a query may take")
    parser.add_argument("--memory-limit", type=float, default=0.5,
                        help="an engine's memory as a fraction of the memory available at the start (0: none)")
    parser.add_argument("--rows", type=int, default=10_000_000, help="rows of the group-by's Parquet file")
    parser.add_argument("--text-mb", type=int, default=200, help="megabytes of the word count's text")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--tasks", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child_main(args.child, json.loads(args.tasks), args.sf, args.repeat)
        return 0
    for option in ("engines", "workloads", "queries"):
        setattr(args, option, [v for v in getattr(args, option).split(",") if v])
    known = {"engines": ENGINES, "workloads": WORKLOADS, "queries": QUERIES}
    unknown = [v for option, allowed in known.items() for v in getattr(args, option) if v not in allowed]
    if unknown:
        parser.error(f"unknown engine, workload or query: {', '.join(unknown)}")
    record = run(args)
    os.makedirs(RESULTS_DIR, exist_ok=True)
    with open(os.path.join(RESULTS_DIR, "sql_bench.json"), "w") as f:
        json.dump(record, f, indent=1)
    print(report(record))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

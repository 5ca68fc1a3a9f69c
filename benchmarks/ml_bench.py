"""MLlib benchmark: four algorithms trained on 1M x 20 points by sparklite (``local[2]`` and Ray),
PySpark MLlib (``local[2]``) and scikit-learn, measured in one run.

    python -m benchmarks.ml_bench [--rows 1000000] [--engines sparklite,ray,pyspark,sklearn]
                                  [--algorithms lr,kmeans,nb,dt]        (also: sparklite bench ml)

The data: ``--rows`` seeded points of 20 features around 10 Gaussian centers, with a binary label
from a noisy linear rule, written once as Parquet (``benchmarks/results/data``). Every engine runs in
a process of its own, one after another. The Spark engines read the Parquet file, make the
``features`` vector column (``array_to_vector``), cache it and count it before any clock starts; the
clock then runs around each ``fit`` alone. The algorithms, with the same parameters everywhere:
logistic regression (20 iterations: ``tol=0``), k-means (k=10, 20 iterations: ``tol=0``, k-means||
initialisation for the Spark engines, k-means++ for scikit-learn), gaussian naive Bayes, and a
depth-5 decision tree (32 bins; scikit-learn's exact splits). Per-iteration times are the training
time over the iterations run. Peak RSS is the largest resident memory, over the sampled life of
the engine's process and its children (PySpark's JVM, sparklite's workers, Ray's processes).

Floors, each a ratio from the same run: every algorithm's training on sparklite ``local[2]`` takes
at most 0.5x PySpark MLlib's time; logistic regression's and k-means' per-iteration time at most 3x
scikit-learn's. The record goes to ``benchmarks/results/ml_bench.json``; the table prints in markdown.
"""
from __future__ import annotations

import argparse
import datetime
import importlib.util
import json
import os
import platform
import subprocess
import sys
import threading
import time

import numpy as np

from benchmarks.__main__ import RESULTS_DIR
from benchmarks.data import DATA_DIR

FEATURES, CENTERS, SEED = 20, 10, 42
ITERATIONS, K, DEPTH = 20, 10, 5
ALGORITHMS = ["lr", "kmeans", "nb", "dt"]
ENGINES = ["sparklite", "ray", "pyspark", "sklearn"]
NAMES = {"lr": "logistic regression", "kmeans": "k-means", "nb": "naive Bayes", "dt": "decision tree"}


def data_path(rows: int) -> str:
    """The seeded points as Parquet: ``f0``..``f19`` and ``label``; made once."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    os.makedirs(DATA_DIR, exist_ok=True)
    path = os.path.join(DATA_DIR, f"ml_points_{rows}.parquet")
    if os.path.exists(path):
        return path
    rng = np.random.default_rng(SEED)
    centers = rng.normal(scale=1.0, size=(CENTERS, FEATURES))     # overlapping: k-means runs its 20 iterations
    X = centers[rng.integers(0, CENTERS, rows)] + rng.normal(size=(rows, FEATURES))
    weights = rng.normal(size=FEATURES)
    label = (X @ weights + rng.normal(scale=2.0, size=rows) > 0).astype(np.float64)
    columns = {f"f{j}": X[:, j] for j in range(FEATURES)}
    columns["label"] = label
    pq.write_table(pa.table(columns), path + ".part", row_group_size=125_000)
    os.replace(path + ".part", path)
    return path


# ---- inside an engine's process ------------------------------------------------------------------------

def _spark_fit(engine: str, path: str, algorithms: list) -> dict:
    if engine == "pyspark":
        from pyspark.ml.classification import DecisionTreeClassifier, LogisticRegression, NaiveBayes
        from pyspark.ml.clustering import KMeans
        from pyspark.ml.functions import array_to_vector
        from pyspark.sql import SparkSession, functions as F
        spark = (SparkSession.builder.master("local[2]").config("spark.ui.enabled", "false")
                 .config("spark.driver.memory", "6g").config("spark.ui.showConsoleProgress", "false").getOrCreate())
    else:
        from sparklite.ml.classification import DecisionTreeClassifier, LogisticRegression, NaiveBayes
        from sparklite.ml.clustering import KMeans
        from sparklite.ml.functions import array_to_vector
        from sparklite.sql import SparkSession, functions as F
        master = "ray" if engine == "ray" else "local[2]"
        spark = SparkSession.builder.master(master).config("spark.ui.enabled", "false").getOrCreate()
    raw = spark.read.parquet(path)
    df = raw.select(array_to_vector(F.array(*[f"f{j}" for j in range(FEATURES)])).alias("features"), "label")
    df = df.repartition(2).cache()
    start = time.perf_counter()
    count = df.count()
    results = {"rows": count, "load_s": time.perf_counter() - start}
    estimators = {
        "lr": lambda: LogisticRegression(maxIter=ITERATIONS, tol=0.0),
        "kmeans": lambda: KMeans(k=K, maxIter=ITERATIONS, tol=0.0, seed=SEED),
        "nb": lambda: NaiveBayes(modelType="gaussian"),
        "dt": lambda: DecisionTreeClassifier(maxDepth=DEPTH),
    }
    for name in algorithms:
        start = time.perf_counter()
        model = estimators[name]().fit(df)
        seconds = time.perf_counter() - start
        iterations = {"lr": lambda: model.summary.totalIterations, "kmeans": lambda: model.summary.numIter}.get(
            name, lambda: None)()
        results[name] = {"seconds": seconds, "iterations": iterations}
    spark.stop()
    return results


def _sklearn_fit(path: str, algorithms: list) -> dict:
    import pyarrow.parquet as pq
    from sklearn.cluster import KMeans
    from sklearn.linear_model import LogisticRegression
    from sklearn.naive_bayes import GaussianNB
    from sklearn.tree import DecisionTreeClassifier
    start = time.perf_counter()
    table = pq.read_table(path)
    X = np.column_stack([table.column(f"f{j}").to_numpy() for j in range(FEATURES)])
    y = table.column("label").to_numpy()
    results = {"rows": len(y), "load_s": time.perf_counter() - start}
    estimators = {
        "lr": lambda: LogisticRegression(max_iter=ITERATIONS, tol=0.0),
        "kmeans": lambda: KMeans(n_clusters=K, max_iter=ITERATIONS, tol=0.0, n_init=1, random_state=SEED),
        "nb": lambda: GaussianNB(),
        "dt": lambda: DecisionTreeClassifier(max_depth=DEPTH, random_state=SEED),
    }
    import warnings
    warnings.filterwarnings("ignore")            # lbfgs "did not converge" at 20 iterations, as asked
    for name in algorithms:
        start = time.perf_counter()
        model = estimators[name]().fit(X, y) if name != "kmeans" else estimators[name]().fit(X)
        seconds = time.perf_counter() - start
        iterations = {"lr": lambda: int(np.max(model.n_iter_)), "kmeans": lambda: int(model.n_iter_)}.get(
            name, lambda: None)()
        results[name] = {"seconds": seconds, "iterations": iterations}
    return results


def run_engine(engine: str, path: str, algorithms: list) -> dict:
    if engine == "sklearn":
        return _sklearn_fit(path, algorithms)
    return _spark_fit(engine, path, algorithms)


# ---- the driver of the run -----------------------------------------------------------------------------

def _descendants(root: int) -> list:
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    parents[int(entry)] = int(f.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
    found, frontier = [root], [root]
    while frontier:
        children = [pid for pid, parent in parents.items() if parent in frontier]
        found += children
        frontier = children
    return found


def _resident(pids: list) -> int:
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


def measure(engine: str, path: str, algorithms: list, timeout: float) -> dict:
    """Run one engine in a process of its own; its results and the peak RSS of its process tree."""
    command = [sys.executable, "-m", "benchmarks.ml_bench", "--engine-child", engine, "--data", path,
               "--algorithms", ",".join(algorithms)]
    child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True,
                             env={**os.environ, "PYTHONPATH": os.getcwd()})
    peak = [0]

    def watch():
        while child.poll() is None:
            peak[0] = max(peak[0], _resident(_descendants(child.pid)))
            time.sleep(0.2)
    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        out, _ = child.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        child.kill()
        return {"error": f"no answer within {timeout:.0f} s"}
    watcher.join()
    if child.returncode != 0:
        return {"error": f"exit status {child.returncode}"}
    result = json.loads(out.strip().splitlines()[-1])
    result["peak_rss_bytes"] = peak[0]
    return result


def _per_iteration(result: dict, name: str):
    entry = result.get(name) or {}
    if not entry.get("iterations"):
        return None
    return entry["seconds"] / entry["iterations"]


def report(results: dict, algorithms: list) -> tuple[str, list]:
    engines = [e for e in ENGINES if e in results and "error" not in results[e]]
    lines = ["| algorithm | " + " | ".join(f"{e} (s)" for e in engines) + " | sparklite / pyspark | floor | met |",
             "|---|" + "---|" * len(engines) + "---|---|---|"]
    checks = []
    for name in algorithms:
        cells = [f"{results[e][name]['seconds']:.2f}" if name in results[e] else "-" for e in engines]
        ratio, met = "-", "-"
        if "pyspark" in engines and "sparklite" in engines:
            value = results["sparklite"][name]["seconds"] / results["pyspark"][name]["seconds"]
            ratio, met = f"{value:.2f}x", "yes" if value <= 0.5 else "NO"
            checks.append((f"{NAMES[name]} training vs PySpark", value, 0.5))
        lines.append(f"| {NAMES[name]} | " + " | ".join(cells) + f" | {ratio} | <= 0.5x | {met} |")
    lines += ["", "| per iteration | " + " | ".join(f"{e} (ms)" for e in engines) + " | sparklite / sklearn | floor "
              "| met |", "|---|" + "---|" * len(engines) + "---|---|---|"]
    for name in [a for a in algorithms if a in ("lr", "kmeans")]:
        cells = []
        for e in engines:
            value = _per_iteration(results[e], name)
            cells.append(f"{value * 1000:.0f} ({results[e][name]['iterations']} it.)" if value else "-")
        ratio, met = "-", "-"
        ours, limit = _per_iteration(results.get("sparklite", {}), name), _per_iteration(results.get("sklearn", {}), name)
        if ours and limit:
            ratio, met = f"{ours / limit:.2f}x", "yes" if ours / limit <= 3 else "NO"
            checks.append((f"{NAMES[name]} per iteration vs scikit-learn", ours / limit, 3.0))
        lines.append(f"| {NAMES[name]} | " + " | ".join(cells) + f" | {ratio} | <= 3x | {met} |")
    lines += ["", "| engine | peak RSS (MiB) | load and cache (s) |", "|---|---|---|"]
    for e in engines:
        lines.append(f"| {e} | {results[e]['peak_rss_bytes'] / 2**20:.0f} | {results[e]['load_s']:.2f} |")
    for e in ENGINES:
        if e in results and "error" in results[e]:
            lines.append(f"\n{e}: {results[e]['error']}")
    return "\n".join(lines), checks


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--algorithms", default=",".join(ALGORITHMS))
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument("--engine-child", help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    algorithms = [a for a in args.algorithms.split(",") if a]
    if args.engine_child:
        print(json.dumps(run_engine(args.engine_child, args.data, algorithms)))
        return 0
    path = data_path(args.rows)
    results = {}
    for engine in [e for e in args.engines.split(",") if e]:
        needs = {"pyspark": "pyspark", "sklearn": "sklearn", "ray": "ray"}.get(engine)
        if needs and importlib.util.find_spec(needs) is None:
            print(f"{engine}: not installed, skipped", file=sys.stderr)
            continue
        print(f"{engine}: training ...", file=sys.stderr)
        results[engine] = measure(engine, path, algorithms, args.timeout)
        print(f"{engine}: {results[engine]}", file=sys.stderr)
    table, checks = report(results, algorithms)
    print(table)
    record = {"when": datetime.datetime.now().isoformat(timespec="minutes"), "python": platform.python_version(),
              "rows": args.rows, "features": FEATURES, "results": results,
              "floors": [{"figure": f, "value": v, "floor": limit, "met": v <= limit} for f, v, limit in checks]}
    os.makedirs(RESULTS_DIR, exist_ok=True)
    with open(os.path.join(RESULTS_DIR, "ml_bench.json"), "w") as f:
        json.dump(record, f, indent=1)
    return 0 if all(v <= limit for _, v, limit in checks) else 1


if __name__ == "__main__":
    sys.exit(main())

"""DStream scenarios pinning sparklite's ``pyspark.streaming`` to real PySpark's, and the script that
records PySpark's outputs in ``dstream_outputs.json``.

Contract: ``run_scenarios(ssc, batches)`` drives every scenario of ``SCENARIOS`` with nothing but the
public ``pyspark.streaming`` API, so the same code runs on PySpark (``python
tests/streaming/golden/generate_dstream.py``, needs pyspark and Java) and on sparklite (in
``tests/streaming/test_dstream.py``). It makes one queue stream per entry of ``INPUTS`` (one list per
batch; after the last, the queue is empty), builds each scenario's DStream from them with
durations in multiples of the batch duration, records every RDD it outputs with ``foreachRDD``, runs
``batches`` batches and stops. ``PPRINTS`` are printed with ``pprint`` and the text captured.

The result is ``{"outputs": {name: [[batch, records], ...]}, "pprint": text}``: ``batch`` counts
from 1 (a window sliding by two batches outputs at batches 2, 4, ...), ``records`` are JSON values
(tuples become lists) sorted by their JSON text, and the text has each ``Time: <datetime of the
batch>`` line replaced by ``Time: <batch n>``. ``ERRORS`` are the errors PySpark raises for misuse,
``[exception class, message]`` (the Java class when the JVM raised it), each on a new context of a
SparkContext that has no checkpoint directory yet (but for the last case, which sets one): run
them before the scenarios.
"""
from __future__ import annotations

import contextlib
import io
import json
import operator
import os
import platform
import re
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
OUTPUT = os.path.join(HERE, "dstream_outputs.json")
BATCHES = 10

INPUTS = {
    "nums": [[1, 2, 3, 4], [5, 6], [], [7], [8, 9, 10], [11], [], [12, 13]],
    "lines": [["a b", "b c"], ["c c d"], [], ["a"], ["b b", "e"], ["a d"], [], ["d"]],
    "pairs": [[("a", 1), ("b", 2)], [("a", 3)], [], [("c", 4), ("a", 5)], [("b", 6)], [], [("a", 7)]],
    "others": [[("a", "x")], [("b", "y"), ("a", "z")], [("c", "w")], [], [("b", "v")], [("a", "u")]],
}


def _words(s, b):
    return s["lines"].flatMap(str.split)


def _sorted_values(stream):
    return stream.mapValues(sorted)


def _cogrouped(stream):
    return stream.mapValues(lambda groups: [sorted(groups[0]), sorted(groups[1])])


def _running_sum(values, state):
    return sum(values) + (state or 0)


def _sum_while_fed(values, state):
    return sum(values) + (state or 0) if values else None


SCENARIOS = {
    "map_filter": lambda ssc, s, b: s["nums"].map(lambda x: x * 10).filter(lambda x: x % 20 != 0),
    "flatMap_reduceByKey": lambda ssc, s, b: _words(s, b).map(lambda w: (w, 1)).reduceByKey(operator.add),
    "count": lambda ssc, s, b: s["nums"].count(),
    "countByValue": lambda ssc, s, b: _words(s, b).countByValue(),
    "reduce": lambda ssc, s, b: s["nums"].reduce(operator.add),
    "mapPartitionsWithIndex": lambda ssc, s, b: s["nums"].mapPartitionsWithIndex(lambda i, it: [(i, sum(it))]),
    "mapPartitions": lambda ssc, s, b: s["nums"].mapPartitions(lambda it: [max(it, default=None)]),
    "glom": lambda ssc, s, b: s["nums"].glom(),
    "groupByKey": lambda ssc, s, b: _sorted_values(s["pairs"].groupByKey()),
    "combineByKey": lambda ssc, s, b: _sorted_values(s["pairs"].combineByKey(
        lambda v: [v], lambda c, v: c + [v], operator.add)),
    "mapValues_flatMapValues": lambda ssc, s, b: s["pairs"].mapValues(lambda v: v * 2)
    .flatMapValues(lambda v: [v, v + 1]),
    "partitionBy": lambda ssc, s, b: s["pairs"].partitionBy(3).glom().map(len),
    "join": lambda ssc, s, b: s["pairs"].join(s["others"]),
    "leftOuterJoin": lambda ssc, s, b: s["pairs"].leftOuterJoin(s["others"]),
    "rightOuterJoin": lambda ssc, s, b: s["pairs"].rightOuterJoin(s["others"]),
    "fullOuterJoin": lambda ssc, s, b: s["pairs"].fullOuterJoin(s["others"], 3),
    "cogroup": lambda ssc, s, b: _cogrouped(s["pairs"].cogroup(s["others"])),
    "union": lambda ssc, s, b: s["nums"].union(s["nums"].map(operator.neg)),
    "ssc_union": lambda ssc, s, b: ssc.union(s["nums"], s["nums"].map(lambda x: x + 100),
                                             s["nums"].filter(lambda x: x % 2)),
    "transform": lambda ssc, s, b: s["nums"].transform(lambda rdd: rdd.map(lambda x: x % 3).distinct()),
    "transformWith": lambda ssc, s, b: s["pairs"].transformWith(lambda x, y: x.join(y), s["others"]),
    "ssc_transform": lambda ssc, s, b: ssc.transform(
        [s["nums"], s["pairs"]], lambda rdds: rdds[0].union(rdds[1].values())),
    "repartition": lambda ssc, s, b: s["nums"].repartition(3),
    "window_3_1": lambda ssc, s, b: s["nums"].window(3 * b, b),
    "window_4_2": lambda ssc, s, b: s["nums"].window(4 * b, 2 * b),
    "window_default_slide": lambda ssc, s, b: s["nums"].window(2 * b),
    "reduceByWindow_inverse": lambda ssc, s, b: s["nums"].reduceByWindow(operator.add, operator.sub, 3 * b, b),
    "reduceByWindow_plain": lambda ssc, s, b: s["nums"].reduceByWindow(operator.add, None, 3 * b, 2 * b),
    "reduceByKeyAndWindow_inverse": lambda ssc, s, b: _words(s, b).map(lambda w: (w, 1))
    .reduceByKeyAndWindow(operator.add, operator.sub, 5 * b, b),
    "reduceByKeyAndWindow_plain": lambda ssc, s, b: _words(s, b).map(lambda w: (w, 1))
    .reduceByKeyAndWindow(operator.add, None, 5 * b, b),
    "reduceByKeyAndWindow_inverse_short": lambda ssc, s, b: _words(s, b).map(lambda w: (w, 1))
    .reduceByKeyAndWindow(operator.add, operator.sub, 2 * b, b, filterFunc=lambda kv: kv[1] > 1),
    "reduceByKeyAndWindow_inverse_slide_2": lambda ssc, s, b: _words(s, b).map(lambda w: (w, 1))
    .reduceByKeyAndWindow(operator.add, operator.sub, 4 * b, 2 * b, 3),
    "countByWindow_3": lambda ssc, s, b: s["nums"].countByWindow(3 * b, b),
    "countByWindow_5": lambda ssc, s, b: s["nums"].countByWindow(5 * b, b),
    "countByValueAndWindow": lambda ssc, s, b: _words(s, b).countByValueAndWindow(5 * b, b),
    "groupByKeyAndWindow": lambda ssc, s, b: _sorted_values(s["pairs"].groupByKeyAndWindow(3 * b, b)),
    "updateStateByKey": lambda ssc, s, b: _words(s, b).map(lambda w: (w, 1)).updateStateByKey(_running_sum),
    "updateStateByKey_removes": lambda ssc, s, b: s["pairs"].updateStateByKey(_sum_while_fed),
    "updateStateByKey_initial": lambda ssc, s, b: s["pairs"].updateStateByKey(
        _running_sum, initialRDD=[("a", 100), ("z", 1)]),
    "updateStateByKey_checkpoint_interval": lambda ssc, s, b: _words(s, b).map(lambda w: (w, 1))
    .updateStateByKey(_running_sum).checkpoint(2 * b),
    "queue_all_at_once": lambda ssc, s, b: ssc.queueStream(INPUTS["nums"][:3], oneAtATime=False),
    "queue_default": lambda ssc, s, b: ssc.queueStream([[1], [2]], default=[0]),
}

PPRINTS = {
    "nums_2": lambda ssc, s, b: s["nums"].pprint(2),
    "words": lambda ssc, s, b: _words(s, b).pprint(),
}

TIME_LINE = re.compile(r"^Time: (.*)$", re.M)


def _normalize(value):
    if isinstance(value, (list, tuple)):
        return [_normalize(v) for v in value]
    return value


def _records(rdd) -> list:
    return sorted((_normalize(r) for r in rdd.collect()), key=json.dumps)


def run_scenarios(ssc, batches: int = BATCHES, batch_seconds: float = 1.0, timeout: float = 600.0) -> dict:
    """Every scenario on ``ssc`` (checkpointed to a temporary directory, for the stateful ones), for
    ``batches`` batches; the context is stopped, the SparkContext not."""
    with tempfile.TemporaryDirectory(prefix="dstream-golden-") as checkpoint:
        ssc.checkpoint(checkpoint)
        streams = {name: ssc.queueStream(data) for name, data in INPUTS.items()}
        seen, ticks = {name: [] for name in SCENARIOS}, []
        for name, build in SCENARIOS.items():
            build(ssc, streams, batch_seconds).foreachRDD(
                lambda t, rdd, name=name: seen[name].append((t, _records(rdd))))
        for build in PPRINTS.values():
            build(ssc, streams, batch_seconds)
        streams["nums"].foreachRDD(lambda t, rdd: ticks.append(t))
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            ssc.start()
            deadline = time.monotonic() + timeout
            while len(ticks) < batches and time.monotonic() < deadline:
                time.sleep(batch_seconds / 10)
            ssc.stop(stopSparkContext=False, stopGraceFully=False)
        ssc.awaitTerminationOrTimeout(1)       # raises the error of a failed batch
        if len(ticks) < batches:
            raise TimeoutError(f"only {len(ticks)} of {batches} batches ran in {timeout} s")
    return {"outputs": _by_batch(seen, ticks[:batches]), "pprint": _numbered_times(printed.getvalue(), ticks)}


def _by_batch(seen: dict, ticks: list) -> dict:
    number = {t: i + 1 for i, t in enumerate(ticks)}
    return {name: [[number[t], records] for t, records in outputs if t in number] for name, outputs in seen.items()}


def _numbered_times(text: str, ticks: list) -> str:
    number = {str(t): i + 1 for i, t in enumerate(ticks)}
    blocks = text.split("-------------------------------------------\nTime: ")
    kept = [blocks[0]] + [b for b in blocks[1:] if b.split("\n", 1)[0] in number]
    text = "-------------------------------------------\nTime: ".join(kept)
    return TIME_LINE.sub(lambda m: f"Time: <batch {number[m.group(1)]}>", text)


ERRORS = {
    "window_not_multiple": lambda ssc, s: s.window(1.5),
    "slide_not_multiple": lambda ssc, s: s.window(2, 1.5),
    "reduceByKeyAndWindow_not_multiple": lambda ssc, s: s.map(lambda x: (x, 1))
    .reduceByKeyAndWindow(operator.add, operator.sub, 2.5, 1),
    "union_different_slides": lambda ssc, s: s.union(s.window(2, 2)),
    "ssc_union_different_slides": lambda ssc, s: ssc.union(s, s.window(2, 2)),
    "ssc_union_nothing": lambda ssc, s: ssc.union(),
    "start_without_outputs": lambda ssc, s: ssc.start(),
    "updateStateByKey_without_checkpoint": lambda ssc, s: (
        s.map(lambda x: (x, 1)).updateStateByKey(_running_sum).pprint(), ssc.start()),
    "reduceByKeyAndWindow_inverse_without_checkpoint": lambda ssc, s: (
        s.map(lambda x: (x, 1)).reduceByKeyAndWindow(operator.add, operator.sub, 2, 1).pprint(), ssc.start()),
    "checkpoint_interval_not_multiple": lambda ssc, s: (
        ssc.checkpoint(tempfile.mkdtemp()), s.checkpoint(1.5).pprint(), ssc.start()),
}


def _pyspark_error(error) -> list:
    java = getattr(error, "java_exception", None)
    if java is not None:
        return [java.getClass().getSimpleName(), java.getMessage()]
    return [type(error).__name__, str(error)]


def record_errors(sc, streaming_context) -> dict:
    """Each ``ERRORS`` case on a new context with one queue stream; what it raised."""
    found = {}
    for name, case in ERRORS.items():
        ssc = streaming_context(sc, 1)
        try:
            case(ssc, ssc.queueStream([[1]]))
            found[name] = None
        except Exception as error:  # noqa: BLE001 - the error is the result
            found[name] = _pyspark_error(error)
        finally:
            ssc.stop(stopSparkContext=False)
    return found


def main() -> int:
    if os.environ.get("PYTHONHASHSEED") != "0":
        os.execve(sys.executable, [sys.executable, os.path.abspath(__file__)] + sys.argv[1:],
                  dict(os.environ, PYTHONHASHSEED="0"))
    os.environ["PYSPARK_PYTHON"] = os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    import warnings

    import pyspark
    from pyspark import SparkConf, SparkContext
    from pyspark.streaming import StreamingContext
    warnings.simplefilter("ignore", FutureWarning)
    sc = SparkContext(conf=SparkConf().setMaster("local[2]").setAppName("sparklite-dstream-golden")
                      .set("spark.ui.enabled", "false").set("spark.ui.showConsoleProgress", "false"))
    sc.setLogLevel("OFF")
    started = time.perf_counter()
    try:
        errors = record_errors(sc, StreamingContext)
        result = dict(run_scenarios(StreamingContext(sc, 1), BATCHES, 1.0), errors=errors)
    finally:
        sc.stop()
    result["__meta__"] = {"pyspark": pyspark.__version__, "python": platform.python_version(), "batches": BATCHES}
    with open(OUTPUT, "w") as out:
        json.dump(result, out, indent=1, sort_keys=True)
        out.write("\n")
    print(f"wrote {OUTPUT} in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""What users see when things go wrong: failed tasks and their tracebacks, retries, closures that cannot
be shipped, results too large for the driver, zips that do not line up, and partitioning that must
not depend on the driver's hash seed."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import traceback

import pytest

from sparklite import SparkJobError, TaskContext, TaskNotSerializableError

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CAUSE_SEPARATOR = "The above exception was the direct cause of the following exception:"


class InventoryError(Exception):
    """A user-defined exception type."""


def _check_stock(item):
    if item == "widget":
        raise InventoryError(f"no stock left for {item!r}")
    return item.upper()


def lookup_item(item):
    return _check_stock(item)


def _cause_section(error: BaseException) -> str:
    """The formatted traceback up to the SparkJobError's own section (the user's side)."""
    text = "".join(traceback.format_exception(error))
    assert CAUSE_SEPARATOR in text
    return text.rsplit(CAUSE_SEPARATOR, 1)[0]


def _sparklite_frame_positions(text: str) -> list:
    marker = os.sep + "sparklite" + os.sep
    return [i for i, line in enumerate(text.splitlines()) if line.strip().startswith("File ") and marker in line]


def _frame_position(text: str, function: str) -> int:
    for i, line in enumerate(text.splitlines()):
        if line.strip().startswith("File ") and line.rstrip().endswith(f"in {function}"):
            return i
    raise AssertionError(f"no frame of {function} in:\n{text}")


# -- a user's function raises in a task -----------------------------------------------------------

def test_user_exception_reaches_the_driver_as_spark_job_error(sc):
    rdd = sc.parallelize(["bolt", "nut", "widget", "gear"], 2).map(lookup_item)
    with pytest.raises(SparkJobError) as info:
        rdd.collect()
    error = info.value
    message = str(error)
    assert "InventoryError" in message
    assert "no stock left for 'widget'" in message
    assert type(error.__cause__) is InventoryError
    assert str(error.__cause__) == "no stock left for 'widget'"
    # The same RDD still works for data that does not fail.
    assert sc.parallelize(["bolt"]).map(lookup_item).collect() == ["BOLT"]


def test_traceback_shows_the_users_frames_before_sparklite_frames(sc):
    with pytest.raises(SparkJobError) as info:
        sc.parallelize(["bolt", "widget"], 2).map(lookup_item).filter(bool).count()
    cause = _cause_section(info.value)
    user = _frame_position(cause, "lookup_item")
    inner = _frame_position(cause, "_check_stock")
    assert user < inner
    assert all(user < pos for pos in _sparklite_frame_positions(cause)), cause
    assert "InventoryError: no stock left for 'widget'" in cause
    full = "".join(traceback.format_exception(info.value))
    assert full.rstrip().splitlines()[-1].startswith(f"{SparkJobError.__module__}.SparkJobError")


@pytest.mark.parametrize("how", ["mapValues", "reduceByKey", "mapPartitions", "foreach", "reduce"])
def test_user_frames_lead_the_cause_for_functions_sparklite_calls(sc, how):
    def explode(*args):
        raise ZeroDivisionError("user function failed")

    pairs = sc.parallelize([("a", 1), ("a", 2), ("b", 3)], 2)
    run = {
        "mapValues": lambda: pairs.mapValues(explode).collect(),
        "reduceByKey": lambda: pairs.reduceByKey(explode).collect(),
        "mapPartitions": lambda: pairs.mapPartitions(explode).collect(),
        "foreach": lambda: pairs.foreach(explode),
        "reduce": lambda: pairs.values().reduce(explode),
    }[how]
    with pytest.raises(SparkJobError, match="ZeroDivisionError: user function failed") as info:
        run()
    assert type(info.value.__cause__) is ZeroDivisionError
    cause = _cause_section(info.value)
    user = _frame_position(cause, "explode")
    assert all(user < pos for pos in _sparklite_frame_positions(cause)), cause


def test_task_failure_is_retried_up_to_max_failures(make_sc, tmp_path):
    sc = make_sc("local[2,3]")
    log = tmp_path / "attempts.log"

    def always_fails_on_partition_1(index, it):
        ctx = TaskContext.get()
        with open(log, "a") as f:
            f.write(f"{ctx.partitionId()} {ctx.attemptNumber()}\n")
        if index == 1:
            raise RuntimeError("deterministic failure")
        return it

    with pytest.raises(SparkJobError, match="deterministic failure") as info:
        sc.parallelize(range(4), 2).mapPartitionsWithIndex(always_fails_on_partition_1).collect()
    assert "3 times" in str(info.value)
    attempts = [line.split() for line in log.read_text().splitlines()]
    assert sorted(int(a) for p, a in attempts if p == "1") == [0, 1, 2]
    assert sc.parallelize(range(4), 2).sum() == 6


def test_failure_without_retries_in_plain_local_mode(make_sc, tmp_path):
    sc = make_sc("local[2]")
    log = tmp_path / "attempts.log"

    def fails(x):
        with open(log, "a") as f:
            f.write("attempt\n")
        raise RuntimeError("once")

    with pytest.raises(SparkJobError, match="once"):
        sc.parallelize([1], 1).map(fails).collect()
    assert log.read_text().count("attempt") == 1


def test_task_that_exits_the_interpreter_fails_the_job_not_the_driver(sc):
    with pytest.raises(SparkJobError):
        sc.parallelize([1, 2], 2).map(lambda x: sys.exit(3)).collect()
    assert sc.parallelize(range(5)).sum() == 10


def test_unpicklable_task_result_fails_the_job(sc):
    with pytest.raises(SparkJobError, match="(?i)pickle"):
        sc.parallelize([1], 1).map(lambda x: threading.Lock()).collect()
    assert sc.parallelize([1, 2]).count() == 2


# -- closures that cannot be shipped ---------------------------------------------------------------

def test_closure_capturing_the_spark_context_raises_with_advice(sc):
    with pytest.raises((TaskNotSerializableError, RuntimeError)) as info:
        sc.parallelize([1, 2]).map(lambda x: x * sc.defaultParallelism).collect()
    message = str(info.value)
    assert "SparkContext" in message
    assert "driver" in message
    assert sc.parallelize([1, 2]).map(lambda x: x * 2).collect() == [2, 4]


def test_closure_capturing_an_rdd_raises_with_advice(sc):
    other = sc.parallelize([10, 20])
    with pytest.raises((TaskNotSerializableError, RuntimeError)) as info:
        sc.parallelize([1, 2]).map(lambda x: other.count() + x).collect()
    message = str(info.value)
    assert "RDD" in message
    assert "transformation" in message
    assert other.count() == 2


def test_broadcasting_the_context_or_an_rdd_raises(sc):
    with pytest.raises(Exception, match="SparkContext"):
        sc.broadcast(sc)
    with pytest.raises(Exception, match="RDD"):
        sc.broadcast(sc.parallelize([1]))


def test_unpicklable_closure_raises_task_not_serializable(sc):
    lock = threading.Lock()

    def uses_lock(x):
        with lock:
            return x + 1

    with pytest.raises(TaskNotSerializableError) as info:
        sc.parallelize([1, 2]).map(uses_lock).collect()
    message = str(info.value)
    assert "pickl" in message.lower()
    assert "lock" in message.lower()
    # The context keeps working.
    assert sc.parallelize([1, 2]).map(lambda x: x + 1).collect() == [2, 3]


def test_unpicklable_closure_in_a_shuffle_map_stage(sc):
    lock = threading.Lock()
    pairs = sc.parallelize([(1, 2), (1, 3)]).map(lambda kv: (kv[0], kv[1] + (0 if lock else 1)))
    with pytest.raises(TaskNotSerializableError):
        pairs.reduceByKey(lambda a, b: a + b).collect()
    assert sc.parallelize([(1, 2), (1, 3)]).reduceByKey(lambda a, b: a + b).collect() == [(1, 5)]


# -- results too large for the driver --------------------------------------------------------------

def test_collect_past_max_result_size_raises_and_the_context_survives(make_sc):
    sc = make_sc("local[2]", spark_driver_maxResultSize="100k")
    big = sc.parallelize(range(8), 4).map(lambda i: "x" * 50_000)   # ~400 kB of results
    with pytest.raises(SparkJobError, match=r"spark\.driver\.maxResultSize"):
        big.collect()
    # Small results still come back, and the big RDD can be reduced on the executors.
    assert big.count() == 8
    assert big.map(len).sum() == 400_000
    assert sc.parallelize(range(100)).collect() == list(range(100))
    assert big.take(1) == ["x" * 50_000]


def test_max_result_size_zero_means_unlimited(make_sc):
    sc = make_sc("local[2]", spark_driver_maxResultSize="0")
    assert len(sc.parallelize(range(8), 4).map(lambda i: "y" * 200_000).collect()) == 8


# -- zip --------------------------------------------------------------------------------------------

def test_zip_of_rdds_with_different_partition_counts_raises_value_error(sc):
    a = sc.parallelize(range(6), 2)
    b = sc.parallelize(range(6), 3)
    with pytest.raises(ValueError, match="same number of partitions"):
        a.zip(b).collect()


def test_zip_of_partitions_with_different_sizes_fails_the_job(sc):
    a = sc.parallelize(range(6), 2)
    b = sc.parallelize(range(8), 2)
    with pytest.raises(SparkJobError, match="same number of elements"):
        a.zip(b).collect()
    assert a.zip(a.map(str)).collect() == [(i, str(i)) for i in range(6)]


# -- partitioning does not depend on PYTHONHASHSEED ---------------------------------------------------

STRING_AND_TUPLE_KEYS = [
    "", "a", "bb", "hello world", "exactly8", "sixteen-chars!!!", "ünïcödé", "日本語のキー", "emoji 😀",
    "\ud800", "lone \udfff", "\ud83d then 😀",
    ("a", 1), ("b", ("c", "d")), (None, "e"), ("x", 2.5, b"raw"), (), ("nested", ("deeper", ("deepest",))),
] + [f"key-{i}" for i in range(40)] + [(f"k{i}", i) for i in range(20)]

STRING_ONLY_KEYS = [f"user-{i:04d}" for i in range(200)] + ["", "ß", "Ω" * 9, "😀" * 3, b"bytes-key"]

MIXED_SCALAR_KEYS = [f"name-{i}" for i in range(60)] + list(range(10)) + [b"raw-1", b"raw-2", 2.5]


def _layouts_in_subprocesses(key_sets, seeds=("1", "123", "0"), num_slices=3):
    """Each key set's partitionBy and reduceByKey layouts, printed by one process per hash seed."""
    script = (
        "import sys\n"
        "from sparklite import SparkContext\n"
        f"key_sets = {key_sets!r}\n"
        "sc = SparkContext('local[2]', 'hashseed')\n"
        "for keys in key_sets:\n"
        f"    pairs = sc.parallelize([(k, i) for i, k in enumerate(keys)], {num_slices})\n"
        "    print(repr(pairs.partitionBy(4).glom().collect()))\n"
        "    print(repr(sorted(pairs.reduceByKey(lambda a, b: a + b, 5).glom().map(len).collect())))\n"
        "sc.stop()\n"
    )
    procs = {}
    for seed in seeds:
        env = dict(os.environ, PYTHONHASHSEED=seed)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (REPO_ROOT, env.get("PYTHONPATH")) if p)
        procs[seed] = subprocess.Popen([sys.executable, "-c", script], env=env, cwd=REPO_ROOT,
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    outputs = {}
    for seed, proc in procs.items():
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        outputs[seed] = out
    return outputs


def test_partition_by_is_independent_of_pythonhashseed():
    """Strings and tuples, strings only, and strings mixed with numbers: the same layouts under
    three hash seeds (one process per seed runs the three key sets)."""
    outputs = _layouts_in_subprocesses([STRING_AND_TUPLE_KEYS, STRING_ONLY_KEYS, MIXED_SCALAR_KEYS])
    assert outputs["1"] == outputs["123"] == outputs["0"]
    assert len(outputs["0"].splitlines()) == 6
    layout = eval(outputs["0"].splitlines()[0])  # noqa: S307 - our own subprocess's repr output
    assert sum(len(p) for p in layout) == len(STRING_AND_TUPLE_KEYS)
    assert sum(1 for p in layout if p) > 1


@pytest.mark.skipif(sys.flags.hash_randomization == 0, reason="needs a randomized str hash in this process")
def test_reduce_by_key_merges_equal_keys_from_partitions_with_mixed_key_types(sc):
    # Partition 0 holds only string keys, partition 1 holds the same strings plus one int key.
    data = [(f"k{i}", 1) for i in range(50)] + [(f"k{i}", 1) for i in range(50)] + [(0, 1)]
    result = sc.parallelize(data, 2).reduceByKey(lambda a, b: a + b, 8).collect()
    assert len(result) == 51
    assert dict(result) == {**{f"k{i}": 2 for i in range(50)}, 0: 1}


def test_a_tasks_traceback_shows_source_lines_only_the_driver_knows(sc):
    # A notebook cell, or code a harness compiled: only the driver's linecache holds its source.
    import linecache
    filename = "<dynamic-code-17>"
    source = "def boom(x):\n    ratio = x / 0\n    return ratio\n"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace = {}
    exec(compile(source, filename, "exec"), namespace)
    try:
        with pytest.raises(SparkJobError) as info:
            sc.parallelize([1, 2], 2).map(namespace["boom"]).collect()
    finally:
        del linecache.cache[filename]
    text = "".join(traceback.format_exception(info.value))
    assert f'File "{filename}", line 2, in boom\n    ratio = x / 0\n' in text, text
    assert text.count("in boom") == 1                                      # the user's frames, once
    assert [line for line in text.splitlines() if line.startswith("ZeroDivisionError")] == \
        ["ZeroDivisionError: division by zero"]

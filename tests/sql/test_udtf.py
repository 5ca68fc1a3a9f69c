"""Python UDTFs where the golden files cannot look: which process runs them, once-per-task
``__init__`` and per-partition ``terminate``, ``cleanup`` after a failure, the error texts with the
user's traceback, the plan node, and the same queries on Ray."""
from __future__ import annotations

import os

import pytest

from sparklite.sql import functions as F
from sparklite.sql.errors import PythonException


@pytest.fixture(scope="module", params=["local[2]", pytest.param("ray", marks=pytest.mark.ray)])
def spark(request):
    from sparklite import SparkContext
    from sparklite.sql import SparkSession
    from tests.conftest import _stop_shared
    if request.param == "ray":
        request.getfixturevalue("ray_cluster")
    _stop_shared()
    if SparkContext._active is not None:
        SparkContext._active.stop()
    session = SparkSession.builder.master(request.param).config("spark.sql.session.timeZone", "UTC").getOrCreate()
    yield session
    session.stop()


@F.udtf(returnType="key: string, value: double")
class Summary:
    def __init__(self):
        self.count, self.total = 0, 0

    def eval(self, x: int):
        self.count += 1
        self.total += x
        yield "input", float(x)

    def terminate(self):
        yield "count", float(self.count)
        yield "avg", self.total / self.count


def test_terminate_runs_once_per_partition_beside_its_last_row(spark):
    spark.udtf.register("summary", Summary)
    rows = spark.sql("SELECT id, key, value FROM range(0, 12, 1, 3), LATERAL summary(id) "
                     "WHERE key != 'input'").collect()
    assert sorted(tuple(r) for r in rows) == [(3, "avg", 1.5), (3, "count", 4.0), (7, "avg", 5.5),
                                              (7, "count", 4.0), (11, "avg", 9.5), (11, "count", 4.0)]


def test_init_runs_once_per_task_and_eval_once_per_row(spark):
    @F.udtf(returnType="id: bigint, seen: int")
    class Counter:
        def __init__(self):
            self.seen = 0

        def eval(self, x):
            self.seen += 1
            yield x, self.seen

    spark.udtf.register("counter", Counter)
    rows = spark.sql("SELECT c.* FROM range(0, 6, 1, 2), LATERAL counter(id) c").collect()
    assert sorted(tuple(r) for r in rows) == [(0, 1), (1, 2), (2, 3), (3, 1), (4, 2), (5, 3)]


def test_eval_runs_in_the_executors_python_workers(spark):
    @F.udtf(returnType="pid: int")
    class Where:
        def eval(self):
            yield os.getpid(),

    (row,) = Where().collect()
    assert row.pid != os.getpid()


def test_cleanup_runs_after_a_failure_and_terminate_does_not(spark, tmp_path):
    path = str(tmp_path / "calls.txt")

    @F.udtf(returnType="x: int")
    class Failing:
        def eval(self, x: int):
            raise Exception("eval error")

        def terminate(self):
            with open(path, "a") as f:
                f.write("terminate")

        def cleanup(self):
            with open(path, "a") as f:
                f.write("cleanup")

    with pytest.raises(PythonException, match="eval error"):
        Failing(F.lit(1)).collect()
    with open(path) as f:
        calls = f.read()
    assert calls and calls.replace("cleanup", "") == ""    # once per attempt (a cluster retries the task)


def test_an_exception_in_eval_shows_the_users_traceback_first(spark):
    @F.udtf(returnType="x: int")
    class Broken:
        def eval(self, x: int):
            yield 1 // (x - 1),

    with pytest.raises(PythonException) as caught:
        Broken(F.lit(1)).collect()
    error = caught.value
    assert error.getCondition() == "PYTHON_EXCEPTION"
    text = str(error)
    assert text.startswith("An exception was thrown from the Python worker:\nTraceback (most recent call last):")
    frames = [line for line in text.splitlines() if line.strip().startswith("File ")]
    assert "in eval" in frames[0] and "sparklite" not in frames[0]
    assert "ZeroDivisionError: integer division or modulo by zero" in text


@pytest.mark.parametrize("kind, returned, condition", [
    ("rows", "yield a,", "[UDTF_RETURN_SCHEMA_MISMATCH] The number of columns in the result does not match "
                         "the specified schema. Expected column count: 2, Actual column count: 1."),
    ("iterable", "return a", "[UDTF_RETURN_NOT_ITERABLE] The return value of the 'eval' method of the UDTF is "
                             "invalid. It should be an iterable (e.g., generator or list), but got 'int'."),
    ("raise", "raise ValueError('bad input')", "[UDTF_EXEC_ERROR] User defined table function encountered an "
                                               "error in the 'eval' method: bad input"),
])
def test_wrong_output_raises_pysparks_condition(spark, kind, returned, condition):
    namespace = {}
    exec(f"class Wrong:\n    def eval(self, a):\n        {returned}\n", namespace)
    wrong = F.udtf(namespace["Wrong"], returnType="a: int, b: int")
    with pytest.raises(PythonException) as caught:
        wrong(F.lit(1)).collect()
    assert condition in str(caught.value)


def test_rows_without_arrow_must_be_tuples_lists_or_dicts(spark):
    @F.udtf(returnType="a: int", useArrow=False)
    class Bare:
        def eval(self, a: int):
            yield a

    with pytest.raises(PythonException, match=r"\[UDTF_INVALID_OUTPUT_ROW_TYPE\] The type of an individual "
                                              r"output row in the 'eval' method of the UDTF is invalid"):
        Bare(F.lit(1)).collect()


def test_arguments_that_do_not_fit_eval(spark):
    @F.udtf(returnType="a: int")
    class One:
        def eval(self, a):
            yield a,

    with pytest.raises(PythonException, match="UDTF_EVAL_METHOD_ARGUMENTS_DO_NOT_MATCH_SIGNATURE.*"
                                              r"\(too many positional arguments\)"):
        One(F.lit(1), F.lit(2)).collect()
    with pytest.raises(PythonException, match=r"missing a required argument: 'a'"):
        One().collect()


def test_conversion_error_names_the_data_and_schemas(spark):
    @F.udtf(returnType="b boolean")
    class Number:
        def eval(self):
            yield 1,

    with pytest.raises(PythonException) as caught:
        Number().collect()
    assert ("[UDTF_ARROW_DATA_CONVERSION_ERROR] Cannot convert UDTF output to Arrow. Data: [(1,)]. "
            "Schema: struct<b:boolean>. Arrow Schema: struct<b: bool>.") in str(caught.value)


def test_explain_shows_the_python_udtf_node(spark, capsys):
    @F.udtf(returnType="a: int, b: int")
    class PlusOne:
        def eval(self, a: int):
            yield a, a + 1

    spark.udtf.register("plus_one_plan", PlusOne)
    spark.sql("SELECT * FROM range(3), LATERAL plus_one_plan(id)").explain()
    F.udtf(PlusOne.func, returnType="a: int, b: int", useArrow=False)(F.lit(1)).explain()
    out = capsys.readouterr().out
    assert "ArrowEvalPythonUDTF plus_one_plan(id), [id#" in out and "], 301\n" in out
    assert "BatchEvalPythonUDTF PlusOne(1), [a#" in out and "], 300\n" in out


def test_module_mirrors_pyspark_sql_udtf():
    from sparklite.sql import udtf as module
    for name in ("AnalyzeArgument", "AnalyzeResult", "UDTFRegistration", "UserDefinedTableFunction"):
        assert hasattr(module, name)
    assert F.udtf is module.udtf


def test_a_failing_analyze_names_the_users_frame(spark):
    from sparklite.sql.errors import AnalysisException

    @F.udtf
    class Refuses:
        @staticmethod
        def analyze(a):
            raise ValueError("no schema for you")

        def eval(self, a):
            yield a,

    with pytest.raises(AnalysisException) as caught:
        Refuses(F.lit(1))
    message = caught.value.getMessageParameters()["msg"]
    assert message.startswith("Traceback (most recent call last):\n  File ")
    assert "in analyze" in message.splitlines()[1] and message.endswith("ValueError: no schema for you")

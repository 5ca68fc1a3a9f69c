"""The math family's kernels that the golden cases (``slt/math.slt``) cannot pin alone: Spark's random
generator bit for bit, a generator continued across the batches of a task, ``round`` of doubles
through their Java text, ``conv`` at the 64-bit edges, and the Python functions' PySpark surface.

Importing ``sparklite.sql.builtins.mathfuncs`` registers the family's functions.
"""
from __future__ import annotations

import inspect
import math

import pytest

import sparklite.sql.builtins.mathfuncs as builtins_math
from sparklite.sql import types as T
from sparklite.sql.builtins.registry import lookup
from sparklite.sql.errors import ArithmeticException, PySparkTypeError
from sparklite.sql.functions import mathfuncs as F
from sparklite.sql.plan.expressions import Call, Literal

# what PySpark 4.3 gives for XORShiftRandom(seed): rand(42) and randn(42) on partition 0, rand(43)
# (partition 1 of the same seed), randn(-5)
RAND_42 = [0.619189370225301, 0.5096018842446481, 0.8325259388871524, 0.26322809041172357, 0.6702867696264135]
RAND_43 = [0.8017532427858894, 0.6565552949992319, 0.2515595782593636, 0.2073428376111074, 0.6392921379278927]
RANDN_42 = [2.384479054241165, 0.1920934041293524, 0.7337336533286575, -0.5224480195716871, 2.060084179317831]
RANDN_MINUS_5 = [0.6941127287272651, -0.8530292205257551]


@pytest.fixture(scope="module")
def spark():
    from sparklite.sql import SparkSession
    session = SparkSession.builder.master("local[2]").config("spark.sql.session.timeZone", "UTC").getOrCreate()
    yield session
    session.stop()


def draws(method: str, seed: int, n: int) -> list:
    generator = builtins_math.SparkRandom(seed)
    return [getattr(generator, method)() for _ in range(n)]


def test_spark_random_draws_what_spark_draws():
    assert draws("nextDouble", 42, 5) == RAND_42
    assert draws("nextDouble", 43, 5) == RAND_43
    # nextGaussian hands out the second value of each polar pair on the next call
    assert draws("nextGaussian", 42, 5) == pytest.approx(RANDN_42, rel=1e-15)
    assert draws("nextGaussian", -5, 2) == pytest.approx(RANDN_MINUS_5, rel=1e-15)


def test_rand_continues_one_generator_through_the_batches_of_a_task(spark):
    spec = lookup("rand")
    args, data_type, nullable, options = spec.resolve([Literal(5, T.IntegerType())])
    call = Call(spec, args, data_type, nullable, options)

    def two_batches(index, rows):
        yield index, spec.kernel([], 3, call).to_pylist() + spec.kernel([], 2, call).to_pylist()

    results = dict(spark.sparkContext.parallelize([0, 1], 2).mapPartitionsWithIndex(two_batches).collect())
    assert results == {0: draws("nextDouble", 5, 5), 1: draws("nextDouble", 6, 5)}


def test_rand_seeds_each_partition_with_seed_plus_its_index(spark):
    rows = spark.range(0, 10, 1, 2).select(F.rand(42).alias("r"), F.randn(42).alias("n")).collect()
    assert [r.r for r in rows] == RAND_42 + RAND_43
    assert [r.n for r in rows[:5]] == pytest.approx(RANDN_42, rel=1e-15)


def test_rand_without_a_seed_picks_one_and_names_it(spark):
    first, second = (spark.range(1).select(F.rand()).columns[0] for _ in range(2))
    assert first.startswith("rand(") and first != second
    assert spark.sql("SELECT rand() AS r").columns == ["r"]
    assert spark.sql("SELECT rand()").columns == ["rand()"]


@pytest.mark.parametrize("sql, expected", [
    ("round(2.675D, 2)", 2.68),        # 2.675 is 2.67499999... in binary; Java's text says 2.675
    ("round(1.005D, 2)", 1.01),
    ("bround(0.125D, 2)", 0.12),
    ("round(-0.4D)", 0.0),
    ("round(1.5E300D, 2)", 1.5e300),
    ("round(4.9E-324D, 323)", 0.0),
    ("round(123456789.123456789D, -3)", 123457000.0),
])
def test_round_of_a_double_rounds_its_java_text(spark, sql, expected):
    value = spark.sql(f"SELECT {sql} AS v").collect()[0].v
    assert value == expected and math.copysign(1.0, value) == math.copysign(1.0, expected)


@pytest.mark.parametrize("number, from_base, to_base, expected", [
    ("18446744073709551615", 10, 16, "FFFFFFFFFFFFFFFF"),
    ("-18446744073709551615", 10, 16, "FFFFFFFFFFFFFFFF"),
    ("9223372036854775808", 10, -10, "-9223372036854775808"),
    ("-8000000000000000", 16, 10, "18446744073709551615"),
    ("-1", 10, -2, "-1"),
    ("7fffffffffffffff", 16, 36, "1Y2P0IJ32E8E7"),
    ("0" * 70 + "1", 2, 10, "1"),
])
def test_conv_at_the_64_bit_edges(spark, number, from_base, to_base, expected):
    assert spark.sql(f"SELECT conv('{number}', {from_base}, {to_base}) AS v").collect()[0].v == expected


def test_conv_past_64_bits_overflows(spark):
    with pytest.raises(ArithmeticException) as raised:
        spark.sql(f"SELECT conv('{'1' * 65}', 2, 10)").collect()
    assert raised.value.getCondition() == "ARITHMETIC_OVERFLOW"
    assert "Overflow in function conv()" in str(raised.value)


def test_the_python_functions_have_pysparks_signatures():
    expected = {
        "round": ["col", "scale"], "ceil": ["col", "scale"], "log": ["arg1", "arg2"], "pow": ["col1", "col2"],
        "conv": ["col", "fromBase", "toBase"], "shiftleft": ["col", "numBits"], "bit_get": ["col", "pos"],
        "width_bucket": ["v", "min", "max", "numBucket"], "rand": ["seed"], "randn": ["seed"], "pi": [],
    }
    for name, parameters in expected.items():
        assert list(inspect.signature(getattr(F, name)).parameters) == parameters, name
    assert all(callable(getattr(F, name)) for name in F.__all__)


def test_a_column_argument_must_be_a_column_or_a_name():
    with pytest.raises(PySparkTypeError) as raised:
        F.sqrt(5)
    assert raised.value.getCondition() == "NOT_EXPECTED_TYPE"


def test_the_deprecated_names_warn_as_pyspark_does():
    with pytest.warns(FutureWarning, match="use shiftleft instead"):
        F.shiftLeft("x", 1)
    with pytest.warns(FutureWarning, match="use degrees instead"):
        F.toDegrees("x")

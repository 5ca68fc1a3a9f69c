"""Correlation, Summarizer and ChiSquareTest against PySpark 4.3's outputs (``golden/tuning_stat_golden.json``,
made by ``golden/generate_tuning_stat.py``) and against numpy/scipy; their errors."""
from __future__ import annotations

import json
import pathlib

import numpy as np
import pytest

from sparklite.ml.linalg import Vectors, VectorUDT
from sparklite.ml.stat import ChiSquareTest, Correlation, Summarizer, chi_squared_p_value
from sparklite.sql import types as T
from sparklite.sql.errors import IllegalArgumentException
from tests.ml.golden.generate_tuning_stat import CORRELATION_ROWS, METRICS, SUMMARY_ROWS

GOLDEN = json.loads(pathlib.Path(__file__).with_name("golden").joinpath("tuning_stat_golden.json").read_text())
FEATURES = T.StructType([T.StructField("features", VectorUDT())])


def _vector(spec):
    if isinstance(spec, dict):
        (size, entries), = spec.items()
        return Vectors.sparse(int(size), {int(k): v for k, v in entries.items()})
    return Vectors.dense(spec)


def _same(actual, expected):
    actual = np.asarray(actual, dtype=np.float64)
    expected = np.array([np.nan if v is None else v for v in np.ravel(expected)], dtype=np.float64)
    np.testing.assert_allclose(actual.ravel(), expected, rtol=1e-12, atol=1e-14, equal_nan=True)


@pytest.mark.parametrize("method", ["pearson", "spearman"])
def test_correlation_equals_pysparks(spark, method):
    df = spark.createDataFrame([(Vectors.dense(r),) for r in CORRELATION_ROWS], FEATURES)
    result = Correlation.corr(df, "features", method)
    assert result.columns == GOLDEN[method]["columns"]
    _same(result.head()[0].toArray(), GOLDEN[method]["matrix"])


def test_correlation_errors(spark):
    one = spark.createDataFrame([(Vectors.dense([1.0, 2.0]),)], FEATURES)
    with pytest.raises(IllegalArgumentException, match="Supported correlations: pearson, spearman"):
        Correlation.corr(one, "features", "kendall")
    with pytest.raises(IllegalArgumentException, match="with only 1 rows"):
        Correlation.corr(one, "features")
    with pytest.raises(IllegalArgumentException, match='"nope" does not exist'):
        Correlation.corr(one, "nope")


def _summary_frame(spark):
    schema = T.StructType([T.StructField("features", VectorUDT()), T.StructField("weight", T.DoubleType())])
    return spark.createDataFrame([(_vector(v), w) for v, w in SUMMARY_ROWS], schema)


def test_summarizer_equals_pysparks(spark):
    df = _summary_frame(spark)
    golden = GOLDEN["summary"]
    summarizer = Summarizer.metrics(*METRICS)
    weighted = df.select(summarizer.summary(df.features, df.weight))
    unweighted = df.select(summarizer.summary("features"))
    assert [weighted.columns[0], unweighted.columns[0]] == [golden["weighted_column"], golden["unweighted_column"]]
    fields = weighted.schema[0].dataType.fields
    assert [f.name for f in fields] == golden["fields"]
    assert [f.dataType.simpleString() for f in fields] == golden["types"]
    for frame, expected in ((weighted, golden["weighted"]), (unweighted, golden["unweighted"])):
        row = frame.head()[0]
        assert row["count"] == expected["count"]
        for metric in METRICS:
            if metric != "count":
                _same(row[metric].toArray(), expected[metric])
    single = df.select(Summarizer.mean(df.features), Summarizer.count(df.features, df.weight))
    assert single.columns == golden["single_columns"]
    assert [f.dataType.simpleString() for f in single.schema.fields] == golden["single_types"]
    _same(single.head()[0].toArray(), golden["unweighted"]["mean"])


def test_summarizer_merges_partitions_and_groups(spark):
    rng = np.random.default_rng(0)
    X, w = rng.normal(size=(200, 3)), rng.random(200)
    schema = T.StructType([T.StructField("g", T.LongType()), T.StructField("features", VectorUDT()),
                           T.StructField("weight", T.DoubleType())])
    df = spark.createDataFrame([(i % 2, Vectors.dense(x), float(v)) for i, (x, v) in enumerate(zip(X, w))],
                               schema).repartition(3)
    rows = {r.g: r.s for r in df.groupBy("g").agg(Summarizer.metrics("mean", "variance").summary(
        "features", "weight").alias("s")).collect()}
    for g in (0, 1):
        Xg, wg = X[g::2], w[g::2]
        mean = wg @ Xg / wg.sum()
        variance = wg @ (Xg - mean) ** 2 / (wg.sum() - (wg * wg).sum() / wg.sum())
        np.testing.assert_allclose(rows[g]["mean"].toArray(), mean, rtol=1e-12)
        np.testing.assert_allclose(rows[g]["variance"].toArray(), variance, rtol=1e-12)


def test_summarizer_errors(spark):
    with pytest.raises(IllegalArgumentException, match=r"Metric median cannot be found. Valid metrics are List\(count"):
        Summarizer.metrics("mean", "median")
    with pytest.raises(IllegalArgumentException, match="Should include at least one metric"):
        Summarizer.metrics()
    schema = T.StructType([T.StructField("features", VectorUDT()), T.StructField("weight", T.DoubleType())])
    bad = spark.createDataFrame([(Vectors.dense([1.0, 2.0]), -1.0), (Vectors.dense([1.0, 2.0, 3.0]), 1.0)], schema)
    with pytest.raises(Exception, match=r"sample weight, -1.0 has to be >= 0.0"):
        bad.select(Summarizer.mean(bad.features, bad.weight)).head()
    with pytest.raises(Exception, match="Dimensions mismatch when adding new sample. Expecting 2 but got 3."):
        bad.coalesce(1).select(Summarizer.mean(bad.features)).head()
    with pytest.raises(Exception, match="Nothing has been added to this summarizer."):
        bad.limit(0).select(Summarizer.mean(bad.features)).head()


def _chi_frame(spark):
    schema = T.StructType([T.StructField("label", T.DoubleType()), T.StructField("features", VectorUDT())])
    return spark.createDataFrame([(r[3], Vectors.dense(r[:3])) for r in GOLDEN["chi_square"]["rows"]], schema)


def test_chi_square_test_equals_pysparks_and_scipys(spark):
    from scipy.stats import chi2_contingency
    golden = GOLDEN["chi_square"]
    df = _chi_frame(spark)
    nested = ChiSquareTest.test(df, "features", "label")
    assert nested.columns == golden["columns"]
    assert [f.dataType.simpleString() for f in nested.schema.fields] == golden["types"]
    row = nested.head()
    assert list(row.degreesOfFreedom) == golden["degreesOfFreedom"]
    _same(row.statistics.toArray(), golden["statistics"])
    np.testing.assert_allclose(row.pValues.toArray(), golden["pValues"], rtol=1e-9, atol=1e-15)
    flat = ChiSquareTest.test(df, "features", "label", flatten=True)
    assert flat.columns == golden["flat_columns"]
    assert [f.dataType.simpleString() for f in flat.schema.fields] == golden["flat_types"]
    rows = [list(r) for r in flat.orderBy("featureIndex").collect()]
    assert [(r[0], r[2]) for r in rows] == [(r[0], r[2]) for r in golden["flat"]]
    data = np.array(golden["rows"])
    labels = np.unique(data[:, 3], return_inverse=True)[1]
    for j in range(3):
        values = np.unique(data[:, j], return_inverse=True)[1]
        table = np.zeros((values.max() + 1, labels.max() + 1))
        np.add.at(table, (values, labels), 1)
        statistic, p_value, dof, _ = chi2_contingency(table, correction=False)
        assert (rows[j][2], rows[j][3]) == (dof, pytest.approx(statistic, rel=1e-12))
        assert rows[j][1] == pytest.approx(p_value, rel=1e-9, abs=1e-15)


def test_chi_squared_p_value_against_scipy():
    from scipy.stats import chi2
    for dof in (1, 2, 5, 30, 400):
        for statistic in (1e-3, 0.5, 3.0, dof, 2.5 * dof + 7, 200.0):
            assert chi_squared_p_value(statistic, dof) == pytest.approx(chi2.sf(statistic, dof), rel=1e-10, abs=1e-15)


def test_chi_square_test_errors(spark):
    schema = T.StructType([T.StructField("label", T.DoubleType()), T.StructField("features", VectorUDT())])
    constant = spark.createDataFrame([(float(i % 2), Vectors.dense([1.0])) for i in range(6)], schema)
    assert list(ChiSquareTest.test(constant, "features", "label", flatten=True).head()) == [0, 1.0, 0, 0.0]
    many = spark.createDataFrame([(float(i % 2), Vectors.dense([float(i)])) for i in range(10002)], schema)
    with pytest.raises(IllegalArgumentException, match="more than 10000 distinct values in column 0"):
        ChiSquareTest.test(many, "features", "label")
    with pytest.raises(IllegalArgumentException, match='label column "y" does not exist'):
        ChiSquareTest.test(constant, "features", "y")

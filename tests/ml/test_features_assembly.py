"""VectorAssembler, Bucketizer, QuantileDiscretizer and Imputer against PySpark 4.3's answers on the
same data (``golden/features_a_golden.json``, made by ``golden/generate_features_a.py``): outputs,
fitted values, handleInvalid modes, Spark's error messages and persistence round trips."""
from __future__ import annotations

import json
import math
import pathlib
import re

import pytest

from sparklite.ml.feature.assembly import Bucketizer, Imputer, ImputerModel, QuantileDiscretizer, VectorAssembler
from sparklite.ml.linalg import DenseVector, SparseVector, Vectors, VectorUDT
from sparklite.sql import types as T
from sparklite.sql.errors import IllegalArgumentException

GOLDEN = json.loads(pathlib.Path(__file__).with_name("golden").joinpath("features_a_golden.json").read_text())
_TYPES = {"double": T.DoubleType, "int": T.IntegerType, "boolean": T.BooleanType, "string": T.StringType,
          "vector": VectorUDT}


def _number(value):
    return float(value) if value in ("nan", "inf", "-inf") else value


def _vector(value):
    if value is None:
        return None
    if "dense" in value:
        return Vectors.dense([_number(v) for v in value["dense"]])
    size, indices, values = value["sparse"]
    return Vectors.sparse(size, indices, [_number(v) for v in values])


def frame(spark, name: str):
    """The golden data set ``name`` as a DataFrame of one partition."""
    spec = GOLDEN["data"][name]
    fields = [T.StructField(c, _TYPES[t]()) for c, t in (part.split(" ") for part in spec["schema"].split(", "))]
    rows = [tuple(_vector(v) if isinstance(f.dataType, VectorUDT) else _number(v) for v, f in zip(row, fields))
            for row in spec["rows"]]
    return spark.createDataFrame(rows, T.StructType(fields)).coalesce(1)


def encode(value):
    """A value as the golden file writes it (vectors as dicts, NaN and infinities as strings)."""
    if isinstance(value, DenseVector):
        return {"dense": [encode(v) for v in value.toArray().tolist()]}
    if isinstance(value, SparseVector):
        return {"sparse": [value.size, value.indices.tolist(), [encode(v) for v in value.values.tolist()]]}
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    return value


def rows(df, *columns):
    return [[encode(r[c]) for c in columns] for r in df.select(*columns).collect()]


def message(name: str) -> str:
    """Spark's message of the golden error ``name``, as a regular expression."""
    text = re.sub(r"(\.)?\.? SQLSTATE: \w+$", r"\1", GOLDEN[name]["message"])
    return re.escape(text)


def round_trip(stage, tmp_path):
    stage.write().overwrite().save(str(tmp_path / "stage"))
    loaded = type(stage).load(str(tmp_path / "stage"))
    assert loaded.uid == stage.uid
    return loaded


# ---- VectorAssembler

def test_vector_assembler_picks_dense_or_sparse_as_spark(spark, tmp_path):
    df = frame(spark, "assemble")
    assembler = VectorAssembler(inputCols=["a", "b", "c", "v"], outputCol="f")
    out = assembler.transform(df)
    assert isinstance(out.schema["f"].dataType, VectorUDT)
    assert rows(out, "f") == GOLDEN["assemble"]
    assert rows(round_trip(assembler, tmp_path).transform(df), "f") == GOLDEN["assemble"]
    assert VectorAssembler().getHandleInvalid() == "error"


def test_vector_assembler_sparse_rule_matches_spark_up_to_size_24(spark):
    grid = [(size, nonzeros, Vectors.dense([1.0] * nonzeros + [0.0] * (size - nonzeros)))
            for size in range(1, 25) for nonzeros in range(size + 1)]
    out = VectorAssembler(inputCols=["v"], outputCol="f").transform(spark.createDataFrame(grid, ["s", "k", "v"]))
    assert [[r.s, r.k] for r in out.collect() if isinstance(r.f, SparseVector)] == GOLDEN["assemble_sparse_when"]


@pytest.mark.parametrize("mode,columns,golden", [("keep", ["a", "b"], "assemble_keep"),
                                                 ("skip", ["a", "b", "v"], "assemble_skip"),
                                                 ("skip", ["a", "b"], "assemble_skip_numeric")])
def test_vector_assembler_handle_invalid(spark, mode, columns, golden):
    out = VectorAssembler(inputCols=columns, outputCol="f", handleInvalid=mode).transform(frame(spark,
                                                                                                "assemble_invalid"))
    assert rows(out, "a", "f") == GOLDEN[golden]


def test_vector_assembler_errors_are_sparks(spark):
    bad = frame(spark, "assemble_invalid")
    with pytest.raises(RuntimeError, match=message("assemble_keep_vector_error")):
        VectorAssembler(inputCols=["a", "b", "v"], outputCol="f", handleInvalid="keep").transform(bad)
    with pytest.raises(Exception, match=message("assemble_nan_error")):
        VectorAssembler(inputCols=["a", "b"], outputCol="f").transform(frame(spark, "assemble_nan_only")).collect()
    with pytest.raises(Exception, match=message("assemble_null_error")):
        VectorAssembler(inputCols=["a", "b"], outputCol="f").transform(frame(spark, "assemble_null_only")).collect()
    expected = message("assemble_first_row_null_error").split("java")[0]
    with pytest.raises(ValueError, match=expected):
        VectorAssembler(inputCols=["a", "v"], outputCol="f").transform(frame(spark, "assemble_null_first"))
    with pytest.raises(IllegalArgumentException, match=message("assemble_string_error")):
        VectorAssembler(inputCols=["a", "s"], outputCol="f").transform(frame(spark, "assemble_string"))
    with pytest.raises(IllegalArgumentException, match="Column a already exists"):
        VectorAssembler(inputCols=["b"], outputCol="a").transform(bad)


def test_vector_assembler_keeps_nan_inside_vectors_when_erroring(spark):
    df = spark.createDataFrame([(Vectors.dense([math.nan, 1.0]),)], ["v"])
    assert rows(VectorAssembler(inputCols=["v"], outputCol="f").transform(df), "f") == \
        GOLDEN["assemble_vector_nan_error_mode"]


# ---- Bucketizer

SPLITS = [-math.inf, -0.5, 0.0, 0.5, math.inf]


@pytest.mark.parametrize("mode", ["error", "keep", "skip"])
def test_bucketizer_matches_spark(spark, mode):
    df = frame(spark, "buckets")
    if mode == "error":
        df = df.where("not isnan(x) or x is null")
    out = Bucketizer(splits=SPLITS, inputCol="x", outputCol="b", handleInvalid=mode).transform(df)
    assert rows(out, "x", "b") == GOLDEN[f"bucket_{mode}"]


def test_bucketizer_multi_column_and_persistence(spark, tmp_path):
    df = frame(spark, "buckets")
    multi = Bucketizer(splitsArray=[SPLITS, [-math.inf, 0.5, math.inf]], inputCols=["x", "y"],
                       outputCols=["bx", "by"], handleInvalid="keep")
    assert rows(multi.transform(df), "bx", "by") == GOLDEN["bucket_multi"]
    assert multi.transform(df).schema["bx"].dataType == T.DoubleType()
    assert rows(round_trip(multi, tmp_path).transform(df), "bx", "by") == GOLDEN["bucket_multi"]


def test_bucketizer_errors(spark):
    finite = Bucketizer(splits=[-1.0, 0.0, 1.0], inputCol="x", outputCol="b")
    assert rows(finite.transform(frame(spark, "buckets_out").where("x < 1")), "x", "b") == \
        GOLDEN["bucket_upper_inclusive"]
    with pytest.raises(Exception, match=message("bucket_out_of_bounds")):
        finite.transform(frame(spark, "buckets_out")).collect()
    with pytest.raises(Exception, match=message("bucket_nan_error")):
        Bucketizer(splits=SPLITS, inputCol="x", outputCol="b").transform(frame(spark, "buckets")).collect()
    with pytest.raises(IllegalArgumentException, match=r"parameter splits given invalid value \[0.0, 1.0\]"):
        Bucketizer(splits=[0.0, 1.0])
    with pytest.raises(IllegalArgumentException, match="parameter splits given invalid value"):
        Bucketizer(splits=[0.0, 0.0, 1.0])
    with pytest.raises(IllegalArgumentException, match="requires exactly one of inputCol, inputCols Params to be set, "
                                                       "but both are set"):
        Bucketizer(splits=SPLITS, inputCol="x", inputCols=["x"], outputCol="b").transform(frame(spark, "buckets"))
    with pytest.raises(IllegalArgumentException, match="Column s must be of type numeric but was actually of type "
                                                       "string"):
        Bucketizer(splits=SPLITS, inputCol="s", outputCol="b").transform(frame(spark, "assemble_string"))


# ---- QuantileDiscretizer

@pytest.mark.parametrize("buckets", [2, 4, 10])
def test_quantile_discretizer_splits_match_spark(spark, buckets):
    df = frame(spark, "quantiles")
    for mode in ("keep", "skip"):
        bucketizer = QuantileDiscretizer(numBuckets=buckets, inputCol="x", outputCol="q", handleInvalid=mode).fit(df)
        golden = GOLDEN[f"quantile_{buckets}_{mode}"]
        assert encode(bucketizer.getSplits()) == golden["splits"]
        assert rows(bucketizer.transform(df), "x", "q") == golden["rows"]


def test_quantile_discretizer_multi_column_repeats_and_errors(spark, tmp_path):
    df = frame(spark, "quantiles")
    discretizer = QuantileDiscretizer(numBucketsArray=[3, 5], inputCols=["x", "y"], outputCols=["qx", "qy"],
                                      handleInvalid="keep")
    multi = round_trip(discretizer, tmp_path / "estimator").fit(df)
    assert encode(multi.getSplitsArray()) == GOLDEN["quantile_multi"]["splitsArray"]
    assert rows(round_trip(multi, tmp_path).transform(df), "qx", "qy") == GOLDEN["quantile_multi"]["rows"]
    few = QuantileDiscretizer(numBuckets=5, inputCol="x", outputCol="q").fit(frame(spark, "quantiles_few"))
    assert encode(few.getSplits()) == GOLDEN["quantile_few"]["splits"]
    with pytest.raises(Exception, match=message("quantile_error")):
        QuantileDiscretizer(numBuckets=3, inputCol="x", outputCol="q").fit(df).transform(df).collect()
    assert {str(p): df.approxQuantile("x", [p], 0.001)[0] for p in (0.1, 0.25, 0.5, 0.9)} == GOLDEN["quantile_approx"]
    with pytest.raises(IllegalArgumentException, match="parameter numBuckets given invalid value 1"):
        QuantileDiscretizer(numBuckets=1)


# ---- Imputer

@pytest.mark.parametrize("strategy", ["mean", "median", "mode"])
def test_imputer_matches_spark(spark, strategy, tmp_path):
    df = frame(spark, "impute")
    model = Imputer(inputCols=["a", "b"], outputCols=["ao", "bo"], strategy=strategy).fit(df)
    golden = GOLDEN[f"impute_{strategy}"]
    assert rows(model.surrogateDF, "a", "b") == golden["surrogate"]
    out = model.transform(df)
    assert rows(out, "ao", "bo") == golden["rows"]
    assert {f.name: f.dataType.simpleString() for f in out.schema.fields} == golden["types"]
    loaded = round_trip(model, tmp_path)
    assert isinstance(loaded, ImputerModel) and rows(loaded.transform(df), "ao", "bo") == golden["rows"]


def test_imputer_missing_value_and_errors(spark, tmp_path):
    df = frame(spark, "impute")
    model = round_trip(Imputer(inputCol="c", outputCol="co", missingValue=-1.0), tmp_path).fit(df)
    golden = GOLDEN["impute_missing_value"]
    assert rows(model.surrogateDF, "c") == golden["surrogate"]
    assert rows(model.transform(df), "c", "co") == golden["rows"]
    with pytest.raises(IllegalArgumentException, match=message("impute_all_missing")):
        Imputer(inputCols=["a"], outputCols=["o"]).fit(frame(spark, "impute_all_missing"))
    with pytest.raises(IllegalArgumentException, match="parameter strategy given invalid value max"):
        Imputer(inputCols=["a"], outputCols=["o"], strategy="max")
    with pytest.raises(IllegalArgumentException, match="Column s must be of type numeric"):
        Imputer(inputCols=["s"], outputCols=["o"]).fit(frame(spark, "assemble_string"))

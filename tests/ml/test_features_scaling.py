"""StandardScaler, MinMaxScaler, MaxAbsScaler, Normalizer and PCA against PySpark 4.3's outputs on
fixed rows (``tests/ml/golden/generate_features_b.py``): fitted vectors, output values and Spark's
choice of dense or sparse output; persistence; bad input."""
from __future__ import annotations

import json
import pathlib

import pytest

from sparklite.ml.feature.scaling import (MaxAbsScaler, MaxAbsScalerModel, MinMaxScaler, MinMaxScalerModel,
                                          Normalizer, PCA, PCAModel, StandardScaler, StandardScalerModel,
                                          compressed)
from sparklite.ml.linalg import Vectors
from sparklite.sql.errors import IllegalArgumentException
from tests.ml.golden.generate_features_b import DENSE_ROWS, PCA_ROWS, SPARSE_ROWS, matches, vector

GOLDEN = json.loads((pathlib.Path(__file__).parent / "golden" / "features_b.json").read_text())["scaling"]


@pytest.fixture(scope="module")
def frames(spark):
    dense = spark.createDataFrame([(i, Vectors.dense(r)) for i, r in enumerate(DENSE_ROWS)], ["id", "x"])
    sparse = spark.createDataFrame([(i, Vectors.sparse(*r)) for i, r in enumerate(SPARSE_ROWS)], ["id", "x"])
    return {"dense": dense, "sparse": sparse}


def output(df, name: str = "y") -> list:
    return [vector(r[name]) for r in df.orderBy("id").select(name).collect()]


@pytest.mark.parametrize("layout", ["dense", "sparse"])
def test_standard_scaler_matches_pyspark(frames, layout):
    df = frames[layout]
    for with_mean, with_std in ((False, True), (True, True), (True, False), (False, False)):
        model = StandardScaler(inputCol="x", outputCol="y", withMean=with_mean, withStd=with_std).fit(df)
        got = dict(mean=vector(model.mean), std=vector(model.std), output=output(model.transform(df)))
        assert matches(got, GOLDEN[f"standard_{layout}_{int(with_mean)}{int(with_std)}"]), (with_mean, with_std)


def test_standard_scaler_uses_the_sample_std_and_zero_for_one_row(spark, frames):
    model = StandardScaler(inputCol="x", outputCol="y").fit(frames["dense"])
    assert model.std[0] == pytest.approx(1.2910, abs=1e-4)
    one = spark.createDataFrame([(0, Vectors.dense([1.0, 2.0]))], ["id", "x"])
    single = StandardScaler(inputCol="x", outputCol="y").fit(one)
    assert matches(dict(mean=vector(single.mean), std=vector(single.std)), GOLDEN["standard_single_row"])


def test_fitted_vectors_are_dense_or_sparse_as_spark_compresses_them():
    for case, expected in GOLDEN["compressed"].items():
        size, nnz = map(int, case.split("_"))
        assert vector(compressed([1.0] * nnz + [0.0] * (size - nnz))) == expected, case


@pytest.mark.parametrize("layout", ["dense", "sparse"])
def test_min_max_and_max_abs_scalers_match_pyspark(frames, layout):
    df = frames[layout]
    for low, high in ((0.0, 1.0), (-1.0, 1.0)):
        model = MinMaxScaler(inputCol="x", outputCol="y", min=low, max=high).fit(df)
        got = dict(originalMin=vector(model.originalMin), originalMax=vector(model.originalMax),
                   output=output(model.transform(df)))
        assert matches(got, GOLDEN[f"minmax_{layout}_{low}"]), (low, high)
    model = MaxAbsScaler(inputCol="x", outputCol="y").fit(df)
    assert matches(dict(maxAbs=vector(model.maxAbs), output=output(model.transform(df))), GOLDEN[f"maxabs_{layout}"])


def test_min_max_scaler_keeps_nan_and_checks_its_bounds_and_sizes(spark, frames):
    model = MinMaxScaler(inputCol="x", outputCol="y").fit(frames["dense"])
    nan = spark.createDataFrame([(0, Vectors.dense([float("nan"), 5.0, 1.0, 1.0]))], ["id", "x"])
    assert matches(output(model.transform(nan)), GOLDEN["minmax_nan"])
    with pytest.raises(IllegalArgumentException, match=r"The specified min\(1.0\) is larger or equal to max\(0.0\)"):
        MinMaxScaler(inputCol="x", outputCol="y", min=1.0, max=0.0).fit(frames["dense"])
    short = spark.createDataFrame([(0, Vectors.dense([1.0, 2.0]))], ["id", "x"])
    with pytest.raises(Exception, match="Number of features must be 4 but got 2"):
        model.transform(short).collect()


@pytest.mark.parametrize("layout", ["dense", "sparse"])
def test_normalizer_matches_pyspark(frames, layout):
    for p in (1.0, 2.0, 3.0, float("inf")):
        got = output(Normalizer(inputCol="x", outputCol="y", p=p).transform(frames[layout]))
        assert matches(got, GOLDEN[f"normalizer_{layout}_{p}"]), p


def test_pca_matches_pysparks_components_signs_and_variance(spark):
    rows = spark.createDataFrame([(i, Vectors.dense(r)) for i, r in enumerate(PCA_ROWS)], ["id", "x"])
    models = {k: PCA(k=k, inputCol="x", outputCol="y").fit(rows) for k in (2, 5)}
    for k, model in models.items():
        got = dict(pc=model.pc.toArray().tolist(), explainedVariance=vector(model.explainedVariance),
                   output=output(model.transform(rows)))
        assert matches(got, GOLDEN[f"pca_{k}"], rtol=1e-10), k
    sparse = spark.createDataFrame([(0, Vectors.sparse(5, {1: 2.0, 4: -1.0}))], ["id", "x"])
    assert matches(output(models[2].transform(sparse)), GOLDEN["pca_sparse_input"], rtol=1e-10)
    with pytest.raises(IllegalArgumentException, match="source vector size 5 must be no less than k=6"):
        PCA(k=6, inputCol="x", outputCol="y").fit(rows)


def test_models_save_and_load_with_the_same_output(frames, tmp_path):
    df = frames["sparse"]
    stages = [StandardScaler(inputCol="x", outputCol="y", withMean=True).fit(df),
              MinMaxScaler(inputCol="x", outputCol="y", min=-2.0).fit(df),
              MaxAbsScaler(inputCol="x", outputCol="y").fit(df),
              PCA(k=2, inputCol="x", outputCol="y").fit(df), Normalizer(inputCol="x", outputCol="y", p=1.0),
              StandardScaler(inputCol="x", outputCol="y", withStd=False)]
    for number, stage in enumerate(stages):
        path = str(tmp_path / f"stage{number}")
        stage.write().overwrite().save(path)
        loaded = type(stage).load(path)
        assert loaded.uid == stage.uid and loaded.extractParamMap().keys() == stage.extractParamMap().keys()
        if isinstance(stage, StandardScaler):
            assert loaded.getWithStd() is False
            continue
        assert output(loaded.transform(df)) == output(stage.transform(df)), type(stage).__name__
    assert isinstance(StandardScalerModel.load(str(tmp_path / "stage0")).mean, type(stages[0].mean))
    assert MinMaxScalerModel.load(str(tmp_path / "stage1")).getMin() == -2.0
    assert MaxAbsScalerModel.load(str(tmp_path / "stage2")).maxAbs == stages[2].maxAbs
    assert PCAModel.load(str(tmp_path / "stage3")).explainedVariance == stages[3].explainedVariance


def test_bad_input_names_the_column_and_the_stage(spark, frames):
    df = frames["dense"]
    with pytest.raises(IllegalArgumentException, match=r'StandardScaler_\w+: column "nope" does not exist'):
        StandardScaler(inputCol="nope", outputCol="y").fit(df)
    with pytest.raises(IllegalArgumentException, match="Column id must be of type vector but was actually bigint"):
        MaxAbsScaler(inputCol="id", outputCol="y").fit(df)
    with pytest.raises(IllegalArgumentException, match="Column id already exists"):
        Normalizer(inputCol="x", outputCol="id").transform(df)
    with pytest.raises(IllegalArgumentException, match=r"PCA_\w+ parameter k given invalid value 0"):
        PCA(k=0)
    with pytest.raises(IllegalArgumentException, match=r"Normalizer_\w+ parameter p given invalid value 0.5"):
        Normalizer(p=0.5)
    mixed = spark.createDataFrame([(0, Vectors.dense([1.0])), (1, Vectors.dense([1.0, 2.0]))], ["id", "x"])
    with pytest.raises(IllegalArgumentException, match="sizes 1 and 2"):
        StandardScaler(inputCol="x", outputCol="y").fit(mixed.repartition(1))


def test_a_null_vector_stays_null(spark, frames):
    from sparklite.ml.linalg import VectorUDT
    from sparklite.sql import types as T
    schema = T.StructType([T.StructField("id", T.LongType()), T.StructField("x", VectorUDT())])
    df = spark.createDataFrame([(0, Vectors.dense([1.0, 2.0, 3.0, 4.0])), (1, None)], schema)
    for stage in (StandardScaler(inputCol="x", outputCol="y", withMean=True).fit(frames["dense"]),
                  MinMaxScaler(inputCol="x", outputCol="y").fit(frames["dense"]),
                  Normalizer(inputCol="x", outputCol="y")):
        values = output(stage.transform(df))
        assert values[1] is None and values[0] is not None

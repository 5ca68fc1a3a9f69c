"""The ML framework a user touches before any algorithm: vectors and their column type, params,
pipelines and persistence (a user's own Python stage among them)."""
from __future__ import annotations

import pickle

import numpy as np
import pytest

from sparklite.ml import Pipeline, PipelineModel, Transformer
from sparklite.ml.functions import array_to_vector, vector_to_array
from sparklite.ml.linalg import DenseVector, Matrices, SparseVector, Vectors, VectorUDT
from sparklite.ml.param import Param, Params, TypeConverters
from sparklite.ml.param.shared import HasInputCol, HasOutputCol
from sparklite.ml.util import DefaultParamsReadable, DefaultParamsWritable
from sparklite.sql import functions as F
from sparklite.sql.errors import IllegalArgumentException


def test_vectors_print_compare_and_pickle_as_pyspark_does():
    dense, sparse = Vectors.dense([1.0, 0.0, 3.5]), Vectors.sparse(3, {0: 1.0, 2: 3.5})
    assert (str(dense), repr(dense)) == ("[1.0,0.0,3.5]", "DenseVector([1.0, 0.0, 3.5])")
    assert (str(sparse), repr(sparse)) == ("(3,[0,2],[1.0,3.5])", "SparseVector(3, {0: 1.0, 2: 3.5})")
    assert dense == sparse and sparse == dense and hash(dense) == hash(sparse)
    assert pickle.loads(pickle.dumps(sparse)) == sparse and pickle.loads(pickle.dumps(dense)) == dense
    assert dense.dot(sparse) == 13.25 and sparse.squared_distance(Vectors.dense([0, 0, 0])) == 13.25
    assert sparse[2] == 3.5 and sparse[1] == 0.0 and sparse.numNonzeros() == 2
    assert (dense + 1).toArray().tolist() == [2.0, 1.0, 4.5]
    with pytest.raises(TypeError, match="not strictly increasing"):
        SparseVector(4, [2, 1], [1.0, 2.0])
    with pytest.raises(AssertionError, match="out of the size"):
        SparseVector(2, {5: 1.0})
    assert Matrices.dense(2, 2, [1, 2, 3, 4]).toArray().tolist() == [[1, 3], [2, 4]]
    assert Matrices.sparse(2, 2, [0, 1, 2], [1, 0], [5.0, 6.0]).toArray().tolist() == [[0, 6], [5, 0]]


def test_vector_columns_round_trip_and_show_as_spark_shows_them(spark, capsys):
    df = spark.createDataFrame([(1.0, Vectors.dense([1.0, 2.5])), (0.0, Vectors.sparse(2, {1: 3.0}))],
                               ["label", "features"])
    assert df.dtypes == [("label", "double"), ("features", "vector")]
    assert isinstance(df.schema["features"].dataType, VectorUDT)
    assert [r.features for r in df.collect()] == [DenseVector([1.0, 2.5]), SparseVector(2, {1: 3.0})]
    df.show()
    shown = capsys.readouterr().out
    assert "|    [1.0,2.5]|" in shown and "|(2,[1],[3.0])|" in shown
    df.printSchema()
    assert "features: vector (nullable = true)" in capsys.readouterr().out
    arrays = df.select(vector_to_array("features").alias("a"))
    assert [r.a for r in arrays.collect()] == [[1.0, 2.5], [0.0, 3.0]]
    back = arrays.select(array_to_vector("a").alias("v"))
    assert [r.v for r in back.collect()] == [DenseVector([1.0, 2.5]), DenseVector([0.0, 3.0])]
    assert df.select(vector_to_array("features", "float32").alias("a")).dtypes == [("a", "array<float>")]
    schema = df.schema
    with pytest.raises(ValueError, match=r"\[1.0, 2.0\] is not an instance of type VectorUDT"):
        spark.createDataFrame([(1.0, [1.0, 2.0])], schema)


class Scale(HasInputCol, HasOutputCol, Transformer, DefaultParamsReadable, DefaultParamsWritable):
    """A user's own stage: multiplies a column by ``factor``."""

    factor = Param(Params._dummy(), "factor", "the multiplier", TypeConverters.toFloat)
    _defaults = {"factor": 2.0}

    def __init__(self, *, inputCol=None, outputCol=None, factor=None):
        super().__init__()
        self._set(**{k: v for k, v in dict(inputCol=inputCol, outputCol=outputCol, factor=factor).items()
                     if v is not None})

    def _transform(self, dataset):
        return dataset.withColumn(self.getOutputCol(), F.col(self.getInputCol()) * self.getFactor())


def test_params_defaults_values_copies_and_their_errors():
    stage = Scale(inputCol="x", outputCol="y")
    assert stage.uid.startswith("Scale_") and stage.getFactor() == 2.0 and not stage.isSet("factor")
    assert "factor: the multiplier (default: 2.0)" in stage.explainParams()
    copy = stage.copy({stage.factor: 5.0})
    assert (copy.getFactor(), stage.getFactor(), copy.uid) == (5.0, 2.0, stage.uid)
    assert stage.setFactor(3).getFactor() == 3.0 and stage.isSet(stage.factor)
    with pytest.raises(TypeError, match='param "factor"'):
        stage.setFactor("three")
    with pytest.raises(TypeError, match="unexpected keyword argument 'scale'"):
        Scale(scale=1)
    with pytest.raises(ValueError, match="does not belong to"):
        stage.getOrDefault(Scale().factor)


def test_a_pipeline_with_a_users_python_stage_saves_and_loads(spark, tmp_path):
    df = spark.createDataFrame([(1.0,), (2.0,)], ["x"])
    pipeline = Pipeline(stages=[Scale(inputCol="x", outputCol="y", factor=3.0), Scale(inputCol="y", outputCol="z")])
    model = pipeline.fit(df)
    assert isinstance(model, PipelineModel)
    assert [tuple(r) for r in model.transform(df).collect()] == [(1.0, 3.0, 6.0), (2.0, 6.0, 12.0)]
    path = str(tmp_path / "model")
    model.write().save(path)
    assert (tmp_path / "model" / "metadata" / "part-00000").exists()
    assert len(list((tmp_path / "model" / "stages").iterdir())) == 2
    loaded = PipelineModel.load(path)
    assert [s.uid for s in loaded.stages] == [s.uid for s in model.stages]
    assert loaded.transform(df).collect() == model.transform(df).collect()
    with pytest.raises(OSError, match="already exists"):
        model.save(path)
    model.write().overwrite().save(path)
    pipeline.write().overwrite().save(str(tmp_path / "pipeline"))
    again = Pipeline.load(str(tmp_path / "pipeline"))
    assert [s.getFactor() for s in again.getStages()] == [3.0, 2.0]
    with pytest.raises(ValueError, match="Expected class name .*Scale but found class name .*PipelineModel"):
        Scale.load(path)


def test_a_pipeline_refuses_what_is_not_a_stage(spark):
    with pytest.raises(TypeError, match="Cannot recognize a pipeline stage"):
        Pipeline(stages=[Scale(inputCol="x", outputCol="y"), 42]).fit(spark.range(1))


def test_instances_name_the_missing_column_and_the_stage(spark):
    from sparklite.ml.instances import Instances
    df = spark.createDataFrame([(1.0, Vectors.dense([1.0]))], ["label", "features"])
    stage = Scale()
    with pytest.raises(IllegalArgumentException, match=r"Scale_\w+: features column \"feats\" does not exist"):
        Instances(df, stage, "feats", "label")
    with pytest.raises(IllegalArgumentException, match="Column label must be of type vector but was actually double"):
        Instances(df, stage, "label")
    mixed = spark.createDataFrame([(1.0, Vectors.dense([1.0])), (0.0, Vectors.dense([1.0, 2.0]))], ["label", "f"])
    with pytest.raises(IllegalArgumentException, match="holds vectors of sizes 1 and 2"):
        Instances(mixed.repartition(1), stage, "f", "label")
    data = Instances(df.union(df), stage, "features", "label")
    assert (data.count, data.num_features, data.num_classes("label")) == (2, 1, 2)
    assert np.allclose(data.aggregate(lambda c: c.X.sum(0), lambda a, b: a + b, "sum"), [2.0])
    data.close()


def test_loading_a_newer_format_or_a_missing_model_says_so(spark, tmp_path):
    import json
    stage = Scale(inputCol="x", outputCol="y")
    path = tmp_path / "scale"
    stage.save(str(path))
    metadata = path / "metadata" / "part-00000"
    record = json.loads(metadata.read_text())
    record["formatVersion"] = 99
    metadata.write_text(json.dumps(record))
    with pytest.raises(ValueError, match="saved in format version 99 .* reads format versions up to 1"):
        Scale.load(str(path))
    with pytest.raises(FileNotFoundError, match="No model saved at"):
        Scale.load(str(tmp_path / "nothing"))


def test_a_pyspark_ml_program_runs_unchanged(tmp_path):
    import subprocess
    import sys
    import textwrap
    app = tmp_path / "app.py"
    app.write_text(textwrap.dedent("""
        from pyspark.sql import SparkSession
        from pyspark.ml import Pipeline
        from pyspark.ml.feature import StringIndexer, VectorAssembler
        from pyspark.ml.classification import LogisticRegression
        from pyspark.ml.evaluation import MulticlassClassificationEvaluator
        from pyspark.ml.linalg import Vectors
        from pyspark.mllib.regression import LabeledPoint
        spark = SparkSession.builder.master("local[1]").getOrCreate()
        df = spark.createDataFrame([("a", 1.0, 0.0), ("b", 5.0, 1.0), ("a", 1.5, 0.0), ("b", 4.0, 1.0)] * 5,
                                   ["kind", "size", "label"])
        model = Pipeline(stages=[StringIndexer(inputCol="kind", outputCol="k"),
                                 VectorAssembler(inputCols=["k", "size"], outputCol="features"),
                                 LogisticRegression(regParam=0.1)]).fit(df)
        print("accuracy", MulticlassClassificationEvaluator(metricName="accuracy").evaluate(model.transform(df)))
        print(type(Vectors.dense([1.0])).__module__, LabeledPoint(1.0, [2.0]))
        spark.stop()
    """))
    done = subprocess.run([sys.executable, "-m", "sparklite", "run", str(app), "--as-pyspark"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "accuracy 1.0" in done.stdout
    assert "sparklite.ml.linalg (1.0,[2.0])" in done.stdout

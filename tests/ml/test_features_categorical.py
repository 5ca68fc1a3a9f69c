"""StringIndexer, OneHotEncoder and IndexToString against PySpark 4.3's answers on the same data
(``golden/features_a_golden.json``): label orders, numeric columns, unseen and null values under each
handleInvalid, category sizes, Spark's error messages and persistence round trips."""
from __future__ import annotations

import pytest

from sparklite.ml.feature.categorical import (IndexToString, OneHotEncoder, OneHotEncoderModel, StringIndexer,
                                              StringIndexerModel)
from sparklite.ml.linalg import VectorUDT
from sparklite.ml.pipeline import Pipeline, PipelineModel
from sparklite.sql import types as T
from sparklite.sql.errors import IllegalArgumentException
from tests.ml.test_features_assembly import GOLDEN, frame, message, round_trip, rows


# ---- StringIndexer

@pytest.mark.parametrize("order", ["frequencyDesc", "frequencyAsc", "alphabetDesc", "alphabetAsc"])
def test_string_indexer_orders_labels_as_spark(spark, order):
    df = frame(spark, "strings")
    model = StringIndexer(inputCol="s", outputCol="o", stringOrderType=order, handleInvalid="keep").fit(df)
    assert model.labels == GOLDEN[f"index_{order}"]["labels"]
    assert rows(model.transform(df), "s", "o") == GOLDEN[f"index_{order}"]["rows"]


def test_string_indexer_numeric_and_multiple_columns(spark, tmp_path):
    df = frame(spark, "strings")
    for column in ("n", "i"):
        model = StringIndexer(inputCol=column, outputCol="o", handleInvalid="skip").fit(df)
        assert model.labels == GOLDEN[f"index_numeric_{column}"]["labels"]
        assert rows(model.transform(df), column, "o") == GOLDEN[f"index_numeric_{column}"]["rows"]
    multi = StringIndexer(inputCols=["s", "n"], outputCols=["so", "no"], stringOrderType="alphabetAsc").fit(df)
    assert multi.labelsArray == GOLDEN["index_multi"]["labelsArray"]
    multi.setHandleInvalid("skip")
    loaded = round_trip(multi, tmp_path)
    assert isinstance(loaded, StringIndexerModel) and loaded.labelsArray == multi.labelsArray
    assert rows(loaded.transform(df), "so", "no") == GOLDEN["index_multi"]["rows"]
    assert loaded.transform(df).schema["so"].dataType == T.DoubleType()
    with pytest.raises(IllegalArgumentException, match="fit on multiple columns"):
        multi.labels


def test_string_indexer_unseen_and_null_values(spark):
    model = StringIndexer(inputCol="s", outputCol="o").fit(frame(spark, "strings"))
    unseen = frame(spark, "strings_unseen")
    with pytest.raises(Exception, match=message("index_unseen_error")):
        model.transform(unseen).collect()
    assert rows(model.copy().setHandleInvalid("skip").transform(unseen), "s", "o") == GOLDEN["index_unseen_skip"]
    assert rows(model.copy().setHandleInvalid("keep").transform(unseen), "s", "o") == GOLDEN["index_unseen_keep"]
    with pytest.raises(Exception, match=message("index_null_error")):
        model.transform(frame(spark, "strings_null")).collect()
    numeric = StringIndexer(inputCol="n", outputCol="o").fit(frame(spark, "strings"))
    with pytest.raises(Exception, match=message("index_numeric_unseen_error")):
        numeric.transform(unseen).collect()


def test_string_indexer_bad_input_and_missing_label_column(spark, tmp_path):
    with pytest.raises(IllegalArgumentException, match=message("index_bool_error")):
        StringIndexer(inputCol="f", outputCol="o").fit(frame(spark, "strings_bool"))
    with pytest.raises(IllegalArgumentException, match="parameter stringOrderType given invalid value random"):
        StringIndexer(inputCol="s", outputCol="o", stringOrderType="random")
    indexer = round_trip(StringIndexer(inputCol="s", outputCol="o", handleInvalid="keep"), tmp_path / "estimator")
    model = StringIndexerModel.from_labels(["x", "y"], inputCol="label", outputCol="o")
    df = frame(spark, "strings")
    assert model.transform(df).columns == df.columns
    assert indexer.getHandleInvalid() == "keep"


# ---- OneHotEncoder

@pytest.mark.parametrize("drop_last", [True, False])
@pytest.mark.parametrize("handle", ["error", "keep"])
def test_one_hot_encoder_matches_spark(spark, drop_last, handle):
    df = frame(spark, "indices")
    model = OneHotEncoder(inputCols=["x", "y"], outputCols=["xv", "yv"], dropLast=drop_last,
                          handleInvalid=handle).fit(df)
    golden = GOLDEN[f"onehot_{drop_last}_{handle}"]
    assert model.categorySizes == golden["categorySizes"]
    out = model.transform(df)
    assert isinstance(out.schema["xv"].dataType, VectorUDT)
    assert rows(out, "xv", "yv") == golden["rows"]
    if handle == "keep":
        assert rows(model.transform(frame(spark, "indices_unseen")), "xv", "yv") == golden["unseen"]
        assert rows(model.transform(frame(spark, "indices_negative")), "xv", "yv") == golden["negative"]


def test_one_hot_encoder_errors_single_column_and_persistence(spark, tmp_path):
    df = frame(spark, "indices")
    model = OneHotEncoder(inputCols=["x", "y"], outputCols=["xv", "yv"]).fit(df)
    with pytest.raises(Exception, match=message("onehot_unseen_error")):
        model.transform(frame(spark, "indices_unseen")).collect()
    with pytest.raises(Exception, match=message("onehot_negative_error")):
        model.transform(frame(spark, "indices_negative")).collect()
    for name, data in (("onehot_fraction_fit_error", "indices_fraction"), ("onehot_negative_fit_error",
                                                                           "indices_negative")):
        with pytest.raises(IllegalArgumentException, match=message(name)):
            OneHotEncoder(inputCols=["x"], outputCols=["xv"]).fit(frame(spark, data))
    with pytest.raises(IllegalArgumentException, match="parameter handleInvalid given invalid value skip"):
        OneHotEncoder(handleInvalid="skip")
    single = round_trip(OneHotEncoder(inputCol="y", outputCol="yv"), tmp_path / "estimator").fit(df)
    assert single.categorySizes == GOLDEN["onehot_single"]["categorySizes"]
    loaded = round_trip(single, tmp_path)
    assert isinstance(loaded, OneHotEncoderModel) and loaded.categorySizes == single.categorySizes
    assert rows(loaded.transform(df), "yv") == GOLDEN["onehot_single"]["rows"]


# ---- IndexToString

def test_index_to_string(spark, tmp_path):
    to_string = IndexToString(inputCol="i", outputCol="s", labels=["a", "b", "c"])
    df = frame(spark, "to_string")
    assert rows(round_trip(to_string, tmp_path).transform(df), "i", "s") == GOLDEN["to_string"]
    with pytest.raises(Exception, match=message("to_string_unseen_error")):
        to_string.transform(frame(spark, "to_string_unseen")).collect()
    with pytest.raises(IllegalArgumentException, match="labels is not set and column i has no label metadata"):
        IndexToString(inputCol="i", outputCol="s").transform(df)


def test_indexer_encoder_and_back_in_a_pipeline(spark, tmp_path):
    df = frame(spark, "strings").where("s is not null")
    indexer = StringIndexer(inputCol="s", outputCol="idx")
    pipeline = Pipeline(stages=[indexer, OneHotEncoder(inputCol="idx", outputCol="vec")])
    model = pipeline.fit(df)
    model.write().overwrite().save(str(tmp_path / "pipeline"))
    out = PipelineModel.load(str(tmp_path / "pipeline")).transform(df)
    back = IndexToString(inputCol="idx", outputCol="back", labels=model.stages[0].labels).transform(out)
    assert rows(back, "s", "back") == GOLDEN["to_string_from_metadata"]
    assert [r.vec.size for r in out.select("vec").collect()] == [3] * 6

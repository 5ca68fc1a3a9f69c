"""Regenerate ``features_a_golden.json``: what PySpark 4.3 answers for VectorAssembler, Bucketizer,
QuantileDiscretizer, Imputer, StringIndexer, OneHotEncoder and IndexToString on small data sets
(the outputs, the fitted values and the messages of the errors). Run once with PySpark installed (a
JVM): ``python tests/ml/golden/generate_features_a.py``. Not a test dependency.

The data sets are in ``DATA`` (plain Python, vectors as ``{"dense": [...]}`` or ``{"sparse": [size,
indices, values]}``) so the tests build the same DataFrames from the JSON."""
import json
import math
import pathlib
import re

from pyspark.ml.feature import (Bucketizer, Imputer, IndexToString, OneHotEncoder, QuantileDiscretizer,
                                StringIndexer, VectorAssembler)
from pyspark.ml.linalg import DenseVector, SparseVector, Vectors, VectorUDT
from pyspark.sql import SparkSession
from pyspark.sql import types as T

NAN = float("nan")
INF = float("inf")

DATA = {
    "assemble": {"schema": "a double, b int, c boolean, v vector",
                 "rows": [[1.0, 0, True, {"dense": [0.0, 0.0, 3.0]}], [0.0, 0, False, {"sparse": [3, [], []]}],
                          [2.0, 5, True, {"dense": [1.0, 2.0, 3.0]}], [0.0, 1, False, {"sparse": [3, [1], [4.0]]}]]},
    "assemble_invalid": {"schema": "a double, b int, v vector",
                         "rows": [[1.0, 2, {"dense": [1.0, 0.0]}], [NAN, 3, {"dense": [0.0, 5.0]}],
                                  [4.0, None, {"dense": [2.0, 2.0]}], [6.0, 7, None],
                                  [0.0, 0, {"sparse": [2, [], []]}]]},
    "assemble_null_first": {"schema": "a double, v vector",
                            "rows": [[1.0, None], [2.0, {"dense": [1.0, 2.0]}]]},
    "assemble_nan_only": {"schema": "a double, b int", "rows": [[1.0, 1], [NAN, 2]]},
    "assemble_null_only": {"schema": "a double, b int", "rows": [[1.0, 1], [None, 2]]},
    "assemble_string": {"schema": "a double, s string", "rows": [[1.0, "x"]]},
    "strings": {"schema": "s string, n double, i int",
                "rows": [["a", 1.0, 3], ["b", 2.0, 10], ["a", 1.0, 3], ["c", 10.0, 2], ["b", 2.5, 2], ["d", 1.0, 3],
                         [None, None, None]]},
    "strings_unseen": {"schema": "s string, n double, i int", "rows": [["a", 1.0, 3], ["e", 7.0, 4], ["c", 10.0, 2]]},
    "strings_null": {"schema": "s string, n double, i int", "rows": [["a", 1.0, 3], [None, 2.0, 10]]},
    "strings_bool": {"schema": "f boolean", "rows": [[True], [False]]},
    "indices": {"schema": "x double, y double", "rows": [[0.0, 0.0], [1.0, 0.0], [2.0, 1.0], [1.0, 3.0]]},
    "indices_unseen": {"schema": "x double, y double", "rows": [[3.0, 0.0]]},
    "indices_negative": {"schema": "x double, y double", "rows": [[-1.0, 0.0]]},
    "indices_fraction": {"schema": "x double, y double", "rows": [[1.5, 0.0]]},
    "to_string": {"schema": "i double", "rows": [[0.0], [2.0], [1.0]]},
    "to_string_unseen": {"schema": "i double", "rows": [[5.0]]},
    "buckets": {"schema": "x double, y double",
                "rows": [[-0.9, 1.0], [-0.5, 0.0], [-0.3, -1.0], [0.0, 0.5], [0.2, 1.0], [0.5, 0.9], [0.9, 0.1],
                         [NAN, 0.2], [None, 0.3]]},
    "buckets_out": {"schema": "x double", "rows": [[0.5], [2.0]]},
    "quantiles": {"schema": "x double, y double",
                  "rows": [[float(i % 37) * 1.5, float((i * 7) % 11)] for i in range(100)] + [[NAN, 1.0], [3.0, NAN]]},
    "quantiles_few": {"schema": "x double", "rows": [[1.0], [1.0], [1.0], [2.0], [2.0], [5.0]]},
    "impute": {"schema": "a double, b int, c double",
               "rows": [[1.0, 1, 4.0], [2.0, None, -1.0], [NAN, 3, 4.0], [4.0, 3, 2.0], [None, 5, -1.0],
                        [2.0, 1, 7.0], [10.0, 2, 2.0]]},
    "impute_all_missing": {"schema": "a double", "rows": [[NAN], [None]]},
}


def vector(value):
    if value is None:
        return None
    if "dense" in value:
        return Vectors.dense(value["dense"])
    return Vectors.sparse(*value["sparse"])


def encode(value):
    if isinstance(value, DenseVector):
        return {"dense": value.toArray().tolist()}
    if isinstance(value, SparseVector):
        return {"sparse": [value.size, value.indices.tolist(), value.values.tolist()]}
    return value


def frame(spark, name):
    spec = DATA[name]
    fields = []
    for part in spec["schema"].split(", "):
        column, kind = part.split(" ")
        fields.append(T.StructField(column, VectorUDT() if kind == "vector" else T._parse_datatype_string(kind)))
    schema = T.StructType(fields)
    rows = [[vector(v) if isinstance(f.dataType, VectorUDT) else v for v, f in zip(row, fields)]
            for row in spec["rows"]]
    return spark.createDataFrame(rows, schema).coalesce(1)


def rows(df, columns=None):
    columns = columns or df.columns
    return [[encode(r[c]) for c in columns] for r in df.select(*columns).collect()]


def types(df):
    return {f.name: f.dataType.simpleString() for f in df.schema.fields}


MESSAGE = re.compile(r"(Encountered [^\n]*|Can not infer[^\n]*|Data type [^\n]*|Unseen [^\n]*|StringIndexer encountered"
                     r"[^\n]*|Negative value[^\n]*|Values from column[^\n]*|Bucketizer encountered[^\n]*|Feature value"
                     r"[^\n]*|requirement failed[^\n]*|surrogate cannot[^\n]*|Input column [^\n]*|[A-Za-z]+_\w+ "
                     r"parameter [^\n]*|Split points[^\n]*|Column [^\n]*)")


def error(action):
    try:
        action()
    except Exception as e:  # noqa: BLE001 - the message is what is recorded
        text = str(e)
        found = MESSAGE.search(text)
        return {"type": type(e).__name__, "message": found.group(1).strip() if found else text[:600]}
    return None


def assembler(spark, out):
    df = frame(spark, "assemble")
    out["assemble"] = rows(VectorAssembler(inputCols=["a", "b", "c", "v"], outputCol="f").transform(df), ["f"])
    out["assemble_type"] = types(VectorAssembler(inputCols=["a", "v"], outputCol="f").transform(df))["f"]
    bad = frame(spark, "assemble_invalid")
    numeric = VectorAssembler(inputCols=["a", "b"], outputCol="f")
    out["assemble_keep"] = rows(numeric.setHandleInvalid("keep").transform(bad), ["a", "f"])
    both = VectorAssembler(inputCols=["a", "b", "v"], outputCol="f", handleInvalid="skip")
    out["assemble_skip"] = rows(both.transform(bad), ["a", "f"])
    out["assemble_skip_numeric"] = rows(numeric.setHandleInvalid("skip").transform(bad), ["a", "f"])
    out["assemble_keep_vector_error"] = error(lambda: both.setHandleInvalid("keep").transform(bad).collect())
    out["assemble_nan_error"] = error(lambda: VectorAssembler(inputCols=["a", "b"], outputCol="f").transform(
        frame(spark, "assemble_nan_only")).collect())
    out["assemble_null_error"] = error(lambda: VectorAssembler(inputCols=["a", "b"], outputCol="f").transform(
        frame(spark, "assemble_null_only")).collect())
    out["assemble_null_vector_error"] = error(lambda: VectorAssembler(inputCols=["a", "v"], outputCol="f").transform(
        bad.where("a = 6.0")).collect())
    out["assemble_first_row_null_error"] = error(lambda: VectorAssembler(inputCols=["a", "v"], outputCol="f")
                                                 .transform(frame(spark, "assemble_null_first")).collect())
    out["assemble_string_error"] = error(lambda: VectorAssembler(inputCols=["a", "s"], outputCol="f").transform(
        frame(spark, "assemble_string")))
    grid = [(size, nonzeros, Vectors.dense([1.0] * nonzeros + [0.0] * (size - nonzeros)))
            for size in range(1, 25) for nonzeros in range(size + 1)]
    assembled = VectorAssembler(inputCols=["v"], outputCol="f").transform(spark.createDataFrame(grid, ["s", "k", "v"]))
    out["assemble_sparse_when"] = [[r.s, r.k] for r in assembled.collect() if isinstance(r.f, SparseVector)]
    out["assemble_vector_nan_error_mode"] = rows(VectorAssembler(inputCols=["v"], outputCol="f").transform(
        spark.createDataFrame([(Vectors.dense([NAN, 1.0]),)], ["v"])), ["f"])


def string_indexer(spark, out):
    df = frame(spark, "strings")
    for order in ("frequencyDesc", "frequencyAsc", "alphabetDesc", "alphabetAsc"):
        model = StringIndexer(inputCol="s", outputCol="o", stringOrderType=order, handleInvalid="keep").fit(df)
        out[f"index_{order}"] = {"labels": model.labels, "rows": rows(model.transform(df), ["s", "o"])}
    for column in ("n", "i"):
        model = StringIndexer(inputCol=column, outputCol="o", handleInvalid="skip").fit(df)
        out[f"index_numeric_{column}"] = {"labels": model.labels, "rows": rows(model.transform(df), [column, "o"])}
    multi = StringIndexer(inputCols=["s", "n"], outputCols=["so", "no"], stringOrderType="alphabetAsc").fit(df)
    out["index_multi"] = {"labelsArray": multi.labelsArray,
                          "rows": rows(multi.setHandleInvalid("skip").transform(df), ["so", "no"])}
    out["index_output_type"] = types(StringIndexer(inputCol="s", outputCol="o").fit(df).transform(
        frame(spark, "strings_unseen").where("s = 'a'")))["o"]
    model = StringIndexer(inputCol="s", outputCol="o").fit(df)
    unseen = frame(spark, "strings_unseen")
    out["index_unseen_error"] = error(lambda: model.transform(unseen).collect())
    out["index_unseen_skip"] = rows(model.copy().setHandleInvalid("skip").transform(unseen), ["s", "o"])
    out["index_unseen_keep"] = rows(model.copy().setHandleInvalid("keep").transform(unseen), ["s", "o"])
    out["index_null_error"] = error(lambda: model.transform(frame(spark, "strings_null")).collect())
    numeric = StringIndexer(inputCol="n", outputCol="o").fit(df)
    out["index_numeric_unseen_error"] = error(lambda: numeric.transform(unseen).collect())
    out["index_bool_error"] = error(lambda: StringIndexer(inputCol="f", outputCol="o").fit(
        frame(spark, "strings_bool")))
    out["index_bad_order"] = error(lambda: StringIndexer(inputCol="s", outputCol="o", stringOrderType="random")
                                   .fit(df))


def one_hot(spark, out):
    df = frame(spark, "indices")
    for drop_last in (True, False):
        for handle in ("error", "keep"):
            model = OneHotEncoder(inputCols=["x", "y"], outputCols=["xv", "yv"], dropLast=drop_last,
                                  handleInvalid=handle).fit(df)
            case = {"categorySizes": list(model.categorySizes), "rows": rows(model.transform(df), ["xv", "yv"])}
            if handle == "keep":
                case["unseen"] = rows(model.transform(frame(spark, "indices_unseen")), ["xv", "yv"])
                case["negative"] = rows(model.transform(frame(spark, "indices_negative")), ["xv", "yv"])
            out[f"onehot_{drop_last}_{handle}"] = case
    model = OneHotEncoder(inputCols=["x", "y"], outputCols=["xv", "yv"]).fit(df)
    out["onehot_unseen_error"] = error(lambda: model.transform(frame(spark, "indices_unseen")).collect())
    out["onehot_negative_error"] = error(lambda: model.transform(frame(spark, "indices_negative")).collect())
    out["onehot_fraction_fit_error"] = error(lambda: OneHotEncoder(inputCols=["x"], outputCols=["xv"]).fit(
        frame(spark, "indices_fraction")))
    out["onehot_negative_fit_error"] = error(lambda: OneHotEncoder(inputCols=["x"], outputCols=["xv"]).fit(
        frame(spark, "indices_negative")))
    single = OneHotEncoder(inputCol="y", outputCol="yv").fit(df)
    out["onehot_single"] = {"categorySizes": list(single.categorySizes), "rows": rows(single.transform(df), ["yv"])}


def index_to_string(spark, out):
    to_string = IndexToString(inputCol="i", outputCol="s", labels=["a", "b", "c"])
    out["to_string"] = rows(to_string.transform(frame(spark, "to_string")), ["i", "s"])
    out["to_string_unseen_error"] = error(lambda: to_string.transform(frame(spark, "to_string_unseen")).collect())
    indexer = StringIndexer(inputCol="s", outputCol="idx").fit(frame(spark, "strings"))
    round_trip = IndexToString(inputCol="idx", outputCol="back").transform(indexer.transform(
        frame(spark, "strings").where("s is not null")))
    out["to_string_from_metadata"] = rows(round_trip, ["s", "back"])


def bucketizer(spark, out):
    df = frame(spark, "buckets")
    splits = [-INF, -0.5, 0.0, 0.5, INF]
    for handle in ("error", "keep", "skip"):
        model = Bucketizer(splits=splits, inputCol="x", outputCol="b", handleInvalid=handle)
        data = df if handle != "error" else df.where("not isnan(x) or x is null")
        out[f"bucket_{handle}"] = rows(model.transform(data), ["x", "b"])
    out["bucket_nan_error"] = error(lambda: Bucketizer(splits=splits, inputCol="x", outputCol="b").transform(df)
                                    .collect())
    finite = Bucketizer(splits=[-1.0, 0.0, 1.0], inputCol="x", outputCol="b")
    out["bucket_out_of_bounds"] = error(lambda: finite.transform(frame(spark, "buckets_out")).collect())
    out["bucket_upper_inclusive"] = rows(finite.transform(frame(spark, "buckets_out").where("x < 1")), ["x", "b"])
    multi = Bucketizer(splitsArray=[splits, [-INF, 0.5, INF]], inputCols=["x", "y"], outputCols=["bx", "by"],
                       handleInvalid="keep")
    out["bucket_multi"] = rows(multi.transform(df), ["bx", "by"])
    out["bucket_output_type"] = types(multi.transform(df))["bx"]
    out["bucket_bad_splits"] = error(lambda: Bucketizer(splits=[0.0, 0.0, 1.0]))
    out["bucket_short_splits"] = error(lambda: Bucketizer(splits=[0.0, 1.0], inputCol="x", outputCol="b").transform(df))


def quantile_discretizer(spark, out):
    df = frame(spark, "quantiles")
    for buckets in (2, 4, 10):
        for handle in ("keep", "skip"):
            model = QuantileDiscretizer(numBuckets=buckets, inputCol="x", outputCol="q", handleInvalid=handle).fit(df)
            out[f"quantile_{buckets}_{handle}"] = {"splits": model.getSplits(),
                                                   "rows": rows(model.transform(df), ["x", "q"])}
    out["quantile_error"] = error(lambda: QuantileDiscretizer(numBuckets=3, inputCol="x", outputCol="q").fit(df)
                                  .transform(df).collect())
    multi = QuantileDiscretizer(numBucketsArray=[3, 5], inputCols=["x", "y"], outputCols=["qx", "qy"],
                                handleInvalid="keep").fit(df)
    out["quantile_multi"] = {"splitsArray": multi.getSplitsArray(), "rows": rows(multi.transform(df), ["qx", "qy"])}
    few = QuantileDiscretizer(numBuckets=5, inputCol="x", outputCol="q").fit(frame(spark, "quantiles_few"))
    out["quantile_few"] = {"splits": few.getSplits()}
    out["quantile_approx"] = {str(p): df.approxQuantile("x", [p], 0.001)[0] for p in (0.1, 0.25, 0.5, 0.9)}


def imputer(spark, out):
    df = frame(spark, "impute")
    for strategy in ("mean", "median", "mode"):
        model = Imputer(inputCols=["a", "b"], outputCols=["ao", "bo"], strategy=strategy).fit(df)
        out[f"impute_{strategy}"] = {"surrogate": rows(model.surrogateDF),
                                     "rows": rows(model.transform(df), ["ao", "bo"]),
                                     "types": types(model.transform(df))}
    model = Imputer(inputCol="c", outputCol="co", missingValue=-1.0, strategy="mean").fit(df)
    out["impute_missing_value"] = {"surrogate": rows(model.surrogateDF), "rows": rows(model.transform(df), ["c", "co"])}
    out["impute_all_missing"] = error(lambda: Imputer(inputCols=["a"], outputCols=["o"]).fit(
        frame(spark, "impute_all_missing")))
    out["impute_bad_strategy"] = error(lambda: Imputer(inputCols=["a"], outputCols=["o"], strategy="max"))


def clean(value):
    """JSON with NaN and infinities as strings the tests read back."""
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return repr(value)
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    return value


if __name__ == "__main__":
    spark = SparkSession.builder.master("local[1]").config("spark.ui.enabled", "false").getOrCreate()
    out = {"data": DATA}
    for section in (assembler, string_indexer, one_hot, index_to_string, bucketizer, quantile_discretizer, imputer):
        section(spark, out)
    path = pathlib.Path(__file__).with_name("features_a_golden.json")
    path.write_text(json.dumps(clean(out), indent=1) + "\n")
    spark.stop()

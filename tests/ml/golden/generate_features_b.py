"""Regenerate ``features_b.json``: what PySpark's scaling and text feature stages give on small
fixed inputs, the oracle for ``tests/ml/test_features_scaling.py`` and ``test_features_text.py``.

PySpark (4.3.0 for the committed file, with a Java 17 runtime) is needed only to regenerate the
file, never to run the tests::

    python tests/ml/golden/generate_features_b.py      # writes features_b.json beside it

Vectors are written as ``{"dense": values}`` or ``{"sparse": [size, indices, values]}`` so the
tests check Spark's choice of dense or sparse output too; NaN and infinities as the strings
``"NaN"``, ``"Infinity"``, ``"-Infinity"``. An error is recorded as the first line of its message.
"""
from __future__ import annotations

import json
import math
import os

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "features_b.json")

DENSE_ROWS = [[1.0, 0.0, 3.0, -2.0], [2.0, 0.0, -1.0, 0.0], [3.0, 0.0, 5.0, 4.0], [4.0, 0.0, 7.0, 0.0]]
SPARSE_ROWS = [(4, {0: 1.0, 2: 3.0}), (4, {1: -2.0}), (4, {0: 3.0, 3: 6.0}), (4, {})]
PCA_ROWS = [[2.0, 0.0, 3.0, 4.0, 5.0], [4.0, 0.0, 0.0, 6.0, 7.0], [6.0, 1.0, 3.0, 2.0, -1.0],
            [1.0, 5.0, 2.0, 0.0, 3.0], [0.5, 2.0, 8.0, 1.0, 1.0], [3.0, 3.0, 1.0, 7.0, 2.0]]
SENTENCES = ["Hi I heard about Spark", "I wish Java could use case classes", "Logistic,regression,models,are neat",
             "  leading and trailing  ", "tab\tnew\nline", "", "non\u00a0breaking\u2003space",
             "ÉCOLE Straße ΣΟΦΟΣ", "a  b", "emoji \U0001F600\U0001F600 x"]
DOCS = [["a", "b", "c", "a", "a"], ["a", "b", "b", "d"], ["a", "c", "e", "e", "e", "e"], ["b", "f"]]
TIED_DOCS = [["x", "y", "z"], ["z", "y", "x", "w"], ["v"]]
COMPRESSED_CASES = [(2, 0), (3, 0), (4, 1), (4, 2), (5, 2), (6, 2), (7, 3), (8, 4), (10, 5), (11, 6)]
TERMS = ["a", "spark", "hello", "é", "abcd", "abcde", "日本語", "", "Spark MLlib", "a"]


def number(value):
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    return value


def vector(v):
    """A PySpark or sparklite vector in the JSON form (the tests encode their output the same way)."""
    if v is None:
        return None
    if hasattr(v, "indices"):
        return {"sparse": [v.size, [int(i) for i in v.indices], [number(float(x)) for x in v.values]]}
    return {"dense": [number(float(x)) for x in v.toArray()]}


def matches(got, expected, rtol: float = 1e-12) -> bool:
    """``got`` equals ``expected`` in structure and layout, numbers to ``rtol`` (NaN equal to NaN)."""
    if isinstance(expected, dict):
        return isinstance(got, dict) and got.keys() == expected.keys() and all(
            matches(got[k], expected[k], rtol) for k in expected)
    if isinstance(expected, list):
        return isinstance(got, list) and len(got) == len(expected) and all(
            matches(a, b, rtol) for a, b in zip(got, expected))
    if isinstance(expected, float) and isinstance(got, float):
        return abs(got - expected) <= rtol * max(1.0, abs(expected))
    return got == expected


def error(fn) -> str:
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - what the user sees is the record
        text = str(e).strip()
        for marker in ("IllegalArgumentException: ", "SparkException: "):
            if marker in text:
                text = text.split(marker, 1)[1]
        return text.splitlines()[0]
    return "no error"


def column(df, name: str) -> list:
    return [r[name] for r in df.orderBy("id").select(name).collect()]


def vectors(df, name: str) -> list:
    return [vector(v) for v in column(df, name)]


def scaling(spark) -> dict:
    from pyspark.ml.feature import MaxAbsScaler, MinMaxScaler, Normalizer, PCA, StandardScaler
    from pyspark.ml.linalg import Vectors
    dense = spark.createDataFrame([(i, Vectors.dense(r)) for i, r in enumerate(DENSE_ROWS)], ["id", "x"])
    sparse = spark.createDataFrame([(i, Vectors.sparse(*r)) for i, r in enumerate(SPARSE_ROWS)], ["id", "x"])
    out: dict = {}
    for name, df in (("dense", dense), ("sparse", sparse)):
        for with_mean, with_std in ((False, True), (True, True), (True, False), (False, False)):
            model = StandardScaler(inputCol="x", outputCol="y", withMean=with_mean, withStd=with_std).fit(df)
            out[f"standard_{name}_{int(with_mean)}{int(with_std)}"] = dict(
                mean=vector(model.mean), std=vector(model.std), output=vectors(model.transform(df), "y"))
        for low, high in ((0.0, 1.0), (-1.0, 1.0)):
            model = MinMaxScaler(inputCol="x", outputCol="y", min=low, max=high).fit(df)
            out[f"minmax_{name}_{low}"] = dict(originalMin=vector(model.originalMin),
                                               originalMax=vector(model.originalMax),
                                               output=vectors(model.transform(df), "y"))
        model = MaxAbsScaler(inputCol="x", outputCol="y").fit(df)
        out[f"maxabs_{name}"] = dict(maxAbs=vector(model.maxAbs), output=vectors(model.transform(df), "y"))
        for p in (1.0, 2.0, 3.0, float("inf")):
            out[f"normalizer_{name}_{p}"] = vectors(Normalizer(inputCol="x", outputCol="y", p=p).transform(df), "y")
    nan = spark.createDataFrame([(0, Vectors.dense([float("nan"), 5.0, 1.0, 1.0]))], ["id", "x"])
    minmax = MinMaxScaler(inputCol="x", outputCol="y").fit(dense)
    out["minmax_nan"] = vectors(minmax.transform(nan), "y")
    one = spark.createDataFrame([(0, Vectors.dense([1.0, 2.0]))], ["id", "x"])
    single = StandardScaler(inputCol="x", outputCol="y").fit(one)
    out["standard_single_row"] = dict(mean=vector(single.mean), std=vector(single.std))
    out["compressed"] = {}
    for size, nnz in COMPRESSED_CASES:
        row = spark.createDataFrame([(0, Vectors.dense([1.0] * nnz + [0.0] * (size - nnz)))], ["id", "x"])
        out["compressed"][f"{size}_{nnz}"] = vector(MaxAbsScaler(inputCol="x", outputCol="y").fit(row).maxAbs)
    rows = spark.createDataFrame([(i, Vectors.dense(r)) for i, r in enumerate(PCA_ROWS)], ["id", "x"])
    for k in (2, 5):
        model = PCA(k=k, inputCol="x", outputCol="y").fit(rows)
        out[f"pca_{k}"] = dict(pc=model.pc.toArray().tolist(), explainedVariance=vector(model.explainedVariance),
                               output=vectors(model.transform(rows), "y"))
    model = PCA(k=2, inputCol="x", outputCol="y").fit(rows)
    sparse_rows = spark.createDataFrame([(0, Vectors.sparse(5, {1: 2.0, 4: -1.0}))], ["id", "x"])
    out["pca_sparse_input"] = vectors(model.transform(sparse_rows), "y")
    out["errors"] = dict(
        minmax_bounds=error(lambda: MinMaxScaler(inputCol="x", outputCol="y", min=1.0, max=0.0).fit(dense)),
        pca_k_too_big=error(lambda: PCA(k=5, inputCol="x", outputCol="y").fit(dense)),
        pca_k_zero=error(lambda: PCA(k=0, inputCol="x", outputCol="y")),
        normalizer_p=error(lambda: Normalizer(inputCol="x", outputCol="y", p=0.5).transform(dense).collect()),
        standard_size=error(lambda: StandardScaler(inputCol="x", outputCol="y").fit(dense).transform(one).collect()),
        minmax_size=error(lambda: minmax.transform(one).collect()),
        output_exists=error(lambda: StandardScaler(inputCol="x", outputCol="id").fit(dense)),
    )
    out["defaults"] = dict(standard=[StandardScaler().getWithMean(), StandardScaler().getWithStd()],
                           minmax=[MinMaxScaler().getMin(), MinMaxScaler().getMax()], normalizer=Normalizer().getP())
    return out


def text(spark) -> dict:
    from pyspark.ml.feature import (CountVectorizer, CountVectorizerModel, HashingTF, IDF, RegexTokenizer,
                                    StopWordsRemover, Tokenizer)
    from pyspark.ml.linalg import Vectors
    sentences = spark.createDataFrame(list(enumerate(SENTENCES)), ["id", "s"])
    out: dict = {"sentences": SENTENCES}
    out["tokenizer"] = column(Tokenizer(inputCol="s", outputCol="t").transform(sentences), "t")
    regex_cases = {"default": {}, "words": dict(gaps=False, pattern="\\w+"), "min3": dict(minTokenLength=3),
                   "keep_case": dict(toLowercase=False), "punct": dict(pattern="[\\s\\p{Punct}]+"),
                   "letters": dict(gaps=False, pattern="\\p{L}+"), "empty_gaps": dict(pattern=""),
                   "min0": dict(minTokenLength=0, pattern="\\s"), "emoji_len": dict(minTokenLength=2)}
    out["regex"] = {name: column(RegexTokenizer(inputCol="s", outputCol="t", **params).transform(sentences), "t")
                    for name, params in regex_cases.items()}
    out["tokenizer_null"] = error(lambda: Tokenizer(inputCol="s", outputCol="t").transform(
        spark.createDataFrame([(0, None)], "id int, s string")).collect())
    out["tokenizer_type"] = error(lambda: Tokenizer(inputCol="id", outputCol="t").transform(sentences))
    out["tokenizer_schema"] = Tokenizer(inputCol="s", outputCol="t").transform(sentences).schema["t"].jsonValue()
    out["regex_schema"] = RegexTokenizer(inputCol="s", outputCol="t").transform(sentences).schema["t"].jsonValue()

    words = spark.createDataFrame([(0, ["I", "saw", "THE", "red", "balloon", None]), (1, ["Mary", "had", "a", "lamb"]),
                                   (2, [])], "id int, w array<string>")
    remover = StopWordsRemover(inputCol="w", outputCol="o")
    english = StopWordsRemover.loadDefaultStopWords("english")
    out["stopwords"] = dict(
        english_count=len(english), english_head=english[:5], default_locale=remover.getLocale(),
        default=column(remover.transform(words), "o"),
        case_sensitive=column(StopWordsRemover(inputCol="w", outputCol="o", caseSensitive=True).transform(words), "o"),
        custom=column(StopWordsRemover(inputCol="w", outputCol="o", stopWords=["red", "LAMB"]).transform(words),
                      "o"),
        multi=[column(StopWordsRemover(inputCols=["w", "w"], outputCols=["o1", "o2"]).transform(words), c)
               for c in ("o1", "o2")],
        null_row=error(lambda: remover.transform(spark.createDataFrame([(0, None)], "id int, w array<string>"))
                       .collect()),
        bad_language=error(lambda: StopWordsRemover.loadDefaultStopWords("klingon")),
        bad_locale=error(lambda: StopWordsRemover(inputCol="w", outputCol="o", locale="xx_YY").transform(words)),
        bad_type=error(lambda: StopWordsRemover(inputCol="id", outputCol="o").transform(words)),
        both_cols=error(lambda: StopWordsRemover(inputCol="w", outputCol="o", inputCols=["w"],
                                                 outputCols=["p"]).transform(words)),
        schema=StopWordsRemover(inputCol="w", outputCol="o").transform(words).schema["o"].jsonValue())

    terms = spark.createDataFrame([(0, TERMS)], ["id", "t"])
    hashing: dict = {}
    for n in (16, 1 << 18, 1000):
        hashing[f"strings_{n}"] = vectors(HashingTF(inputCol="t", outputCol="v", numFeatures=n).transform(terms), "v")
    hashing["binary"] = vectors(HashingTF(inputCol="t", outputCol="v", numFeatures=16, binary=True).transform(terms),
                                "v")
    typed = {"int": ("array<int>", [1, 2, -3, 2]), "bigint": ("array<bigint>", [1, 2 ** 40]),
             "double": ("array<double>", [1.0, -0.0, 0.0, float("nan"), 2.5]),
             "boolean": ("array<boolean>", [True, False]),
             "float": ("array<float>", [1.5, -0.0]), "null_string": ("array<string>", ["a", None])}
    for name, (kind, values) in typed.items():
        df = spark.createDataFrame([(0, values)], f"id int, t {kind}")
        hashing[name] = vectors(HashingTF(inputCol="t", outputCol="v", numFeatures=1 << 20).transform(df), "v")
    hashing["indexOf"] = {t: HashingTF(numFeatures=1 << 18).indexOf(t) for t in ["a", "spark", "hello", "é"]}
    hashing["bad_type"] = error(lambda: HashingTF(inputCol="id", outputCol="v").transform(terms))
    hashing["null_row"] = error(lambda: HashingTF(inputCol="t", outputCol="v", numFeatures=16).transform(
        spark.createDataFrame([(0, None)], "id int, t array<string>")).collect())
    out["hashing"] = hashing

    docs = spark.createDataFrame(list(enumerate(DOCS)), ["id", "d"])
    vectorizers: dict = {}
    cases = {"default": {}, "vocab3": dict(vocabSize=3), "minDF2": dict(minDF=2.0), "minDF_frac": dict(minDF=0.5),
             "maxDF2": dict(maxDF=2.0), "maxDF_frac": dict(maxDF=0.5), "binary": dict(binary=True),
             "minTF2": dict(minTF=2.0), "minTF_frac": dict(minTF=0.3)}
    for name, params in cases.items():
        model = CountVectorizer(inputCol="d", outputCol="v", **params).fit(docs)
        vectorizers[name] = dict(vocabulary=model.vocabulary, output=vectors(model.transform(docs), "v"))
    tied = spark.createDataFrame(list(enumerate(TIED_DOCS)), ["id", "d"])
    vectorizers["tied_vocabulary"] = CountVectorizer(inputCol="d", outputCol="v").fit(tied).vocabulary
    vectorizers["maxDF_below_minDF"] = error(
        lambda: CountVectorizer(inputCol="d", outputCol="v", minDF=3.0, maxDF=2.0).fit(docs))
    from_vocab = CountVectorizerModel.from_vocabulary(["e", "a", "zz"], inputCol="d", outputCol="v")
    vectorizers["from_vocabulary"] = dict(output=vectors(from_vocab.transform(docs), "v"),
                                          vocabSize=from_vocab.getVocabSize())
    out["count_vectorizer"] = vectorizers

    tf = HashingTF(inputCol="d", outputCol="tf", numFeatures=16).transform(docs)
    idf: dict = {}
    for min_doc_freq in (0, 2):
        model = IDF(inputCol="tf", outputCol="v", minDocFreq=min_doc_freq).fit(tf)
        idf[f"minDocFreq{min_doc_freq}"] = dict(idf=vector(model.idf), docFreq=list(model.docFreq),
                                                numDocs=model.numDocs, output=vectors(model.transform(tf), "v"))
    dense_tf = spark.createDataFrame([(0, Vectors.dense([1.0, 0.0, 2.0])), (1, Vectors.dense([0.0, 0.0, 3.0]))],
                                     ["id", "tf"])
    model = IDF(inputCol="tf", outputCol="v").fit(dense_tf)
    idf["dense"] = dict(idf=vector(model.idf), docFreq=list(model.docFreq), numDocs=model.numDocs,
                        output=vectors(model.transform(dense_tf), "v"))
    out["idf"] = idf
    return out


if __name__ == "__main__":
    from pyspark.sql import SparkSession
    spark = (SparkSession.builder.master("local[2]").config("spark.ui.enabled", "false")
             .config("spark.sql.session.timeZone", "UTC").getOrCreate())
    golden = {"scaling": scaling(spark), "text": text(spark)}
    with open(OUT, "w") as f:
        json.dump(golden, f, indent=1, ensure_ascii=False)
        f.write("\n")
    spark.stop()

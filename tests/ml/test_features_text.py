"""Tokenizer, RegexTokenizer, StopWordsRemover, HashingTF, CountVectorizer and IDF against PySpark
4.3's outputs on fixed text (``tests/ml/golden/generate_features_b.py``); a text pipeline saved and
loaded; bad input."""
from __future__ import annotations

import json
import pathlib
import re

import pytest

from sparklite.ml import Pipeline, PipelineModel
from sparklite.ml.feature.text import (CountVectorizer, CountVectorizerModel, HashingTF, IDF, IDFModel, RegexTokenizer,
                                       StopWordsRemover, Tokenizer)
from sparklite.ml.linalg import Vectors
from sparklite.sql.errors import IllegalArgumentException
from tests.ml.golden.generate_features_b import DOCS, SENTENCES, TERMS, TIED_DOCS, matches, vector

GOLDEN = json.loads((pathlib.Path(__file__).parent / "golden" / "features_b.json").read_text())["text"]

REGEX_CASES = {"default": {}, "words": dict(gaps=False, pattern="\\w+"), "min3": dict(minTokenLength=3),
               "keep_case": dict(toLowercase=False), "punct": dict(pattern="[\\s\\p{Punct}]+"),
               "letters": dict(gaps=False, pattern="\\p{L}+"), "empty_gaps": dict(pattern=""),
               "min0": dict(minTokenLength=0, pattern="\\s"), "emoji_len": dict(minTokenLength=2)}


@pytest.fixture(scope="module")
def sentences(spark):
    return spark.createDataFrame(list(enumerate(SENTENCES)), ["id", "s"])


@pytest.fixture(scope="module")
def docs(spark):
    return spark.createDataFrame(list(enumerate(DOCS)), ["id", "d"])


def column(df, name: str) -> list:
    return [r[name] for r in df.orderBy("id").select(name).collect()]


def vectors(df, name: str = "v") -> list:
    return [vector(v) for v in column(df, name)]


def test_tokenizers_split_as_java_does(sentences):
    tokens = Tokenizer(inputCol="s", outputCol="t").transform(sentences)
    assert column(tokens, "t") == GOLDEN["tokenizer"]
    assert tokens.schema["t"].jsonValue() == GOLDEN["tokenizer_schema"]
    for name, params in REGEX_CASES.items():
        got = column(RegexTokenizer(inputCol="s", outputCol="t", **params).transform(sentences), "t")
        expected = GOLDEN["regex"][name]
        if name == "empty_gaps":      # Java splits the emoji into lone surrogates, which PySpark shows as "?"
            got, expected = got[:-1], expected[:-1]
        assert got == expected, name


def test_stop_words_remover_matches_pyspark(spark):
    expected = GOLDEN["stopwords"]
    words = spark.createDataFrame([(0, ["I", "saw", "THE", "red", "balloon", None]), (1, ["Mary", "had", "a", "lamb"]),
                                   (2, [])], "id int, w array<string>")
    english = StopWordsRemover.loadDefaultStopWords("english")
    remover = StopWordsRemover(inputCol="w", outputCol="o")
    assert (len(english), english[:5], remover.getLocale()) == (expected["english_count"], expected["english_head"],
                                                                expected["default_locale"])
    assert column(remover.transform(words), "o") == expected["default"]
    sensitive = StopWordsRemover(inputCol="w", outputCol="o", caseSensitive=True)
    assert column(sensitive.transform(words), "o") == expected["case_sensitive"]
    custom = StopWordsRemover(inputCol="w", outputCol="o", stopWords=["red", "LAMB"])
    assert column(custom.transform(words), "o") == expected["custom"]
    both = StopWordsRemover(inputCols=["w", "w"], outputCols=["o1", "o2"]).transform(words)
    assert [column(both, "o1"), column(both, "o2")] == expected["multi"]
    assert remover.transform(words).schema["o"].jsonValue() == expected["schema"]


def test_stop_words_remover_errors_are_sparks(spark):
    expected = GOLDEN["stopwords"]
    words = spark.createDataFrame([(0, ["a"])], "id int, w array<string>")
    with pytest.raises(IllegalArgumentException) as error:
        StopWordsRemover.loadDefaultStopWords("klingon")
    assert str(error.value).startswith("requirement failed: klingon is not in the supported language list: ")
    with pytest.raises(IllegalArgumentException, match=r"StopWordsRemover_\w+ parameter locale given invalid value "
                                                       r"xx_YY\."):
        StopWordsRemover(inputCol="w", outputCol="o", locale="xx_YY")
    with pytest.raises(IllegalArgumentException) as error:
        StopWordsRemover(inputCol="id", outputCol="o").transform(words)
    assert str(error.value) == expected["bad_type"]
    both = StopWordsRemover(inputCol="w", outputCol="o", inputCols=["w"], outputCols=["p"])
    with pytest.raises(IllegalArgumentException) as error:
        both.transform(words)
    assert str(error.value) == re.sub(r"StopWordsRemover_\w+", both.uid, expected["both_cols"])


def test_hashing_tf_matches_pysparks_indices(spark):
    expected = GOLDEN["hashing"]
    terms = spark.createDataFrame([(0, TERMS)], ["id", "t"])
    for n in (16, 1 << 18, 1000):
        assert vectors(HashingTF(inputCol="t", outputCol="v", numFeatures=n).transform(terms)) == \
            expected[f"strings_{n}"], n
    binary = HashingTF(inputCol="t", outputCol="v", numFeatures=16, binary=True)
    assert vectors(binary.transform(terms)) == expected["binary"]
    typed = {"int": ("array<int>", [1, 2, -3, 2]), "bigint": ("array<bigint>", [1, 2 ** 40]),
             "double": ("array<double>", [1.0, -0.0, 0.0, float("nan"), 2.5]),
             "boolean": ("array<boolean>", [True, False]), "float": ("array<float>", [1.5, -0.0]),
             "null_string": ("array<string>", ["a", None])}
    for name, (kind, values) in typed.items():
        df = spark.createDataFrame([(0, values)], f"id int, t {kind}")
        assert vectors(HashingTF(inputCol="t", outputCol="v", numFeatures=1 << 20).transform(df)) == expected[name], \
            name
    assert {t: HashingTF().indexOf(t) for t in expected["indexOf"]} == expected["indexOf"]
    with pytest.raises(IllegalArgumentException) as error:
        HashingTF(inputCol="id", outputCol="v").transform(terms)
    assert str(error.value) == expected["bad_type"]


def test_count_vectorizer_matches_pysparks_vocabulary_and_counts(spark, docs):
    expected = GOLDEN["count_vectorizer"]
    cases = {"default": {}, "vocab3": dict(vocabSize=3), "minDF2": dict(minDF=2.0), "minDF_frac": dict(minDF=0.5),
             "maxDF2": dict(maxDF=2.0), "maxDF_frac": dict(maxDF=0.5), "binary": dict(binary=True),
             "minTF2": dict(minTF=2.0), "minTF_frac": dict(minTF=0.3)}
    for name, params in cases.items():
        model = CountVectorizer(inputCol="d", outputCol="v", **params).fit(docs)
        assert dict(vocabulary=model.vocabulary, output=vectors(model.transform(docs))) == expected[name], name
    tied = spark.createDataFrame(list(enumerate(TIED_DOCS)), ["id", "d"])
    assert CountVectorizer(inputCol="d", outputCol="v").fit(tied).vocabulary == expected["tied_vocabulary"]
    given = CountVectorizerModel.from_vocabulary(["e", "a", "zz"], inputCol="d", outputCol="v")
    assert dict(output=vectors(given.transform(docs)), vocabSize=given.getVocabSize()) == expected["from_vocabulary"]
    with pytest.raises(IllegalArgumentException) as error:
        CountVectorizer(inputCol="d", outputCol="v", minDF=3.0, maxDF=2.0).fit(docs)
    assert str(error.value) == expected["maxDF_below_minDF"]
    with pytest.raises(ValueError, match="Vocabulary list cannot be empty"):
        CountVectorizerModel.from_vocabulary([], inputCol="d")


def test_idf_matches_pyspark(spark, docs):
    tf = HashingTF(inputCol="d", outputCol="tf", numFeatures=16).transform(docs)
    for min_doc_freq in (0, 2):
        model = IDF(inputCol="tf", outputCol="v", minDocFreq=min_doc_freq).fit(tf)
        got = dict(idf=vector(model.idf), docFreq=model.docFreq, numDocs=model.numDocs,
                   output=vectors(model.transform(tf)))
        assert matches(got, GOLDEN["idf"][f"minDocFreq{min_doc_freq}"]), min_doc_freq
    dense = spark.createDataFrame([(0, Vectors.dense([1.0, 0.0, 2.0])), (1, Vectors.dense([0.0, 0.0, 3.0]))],
                                  ["id", "tf"])
    model = IDF(inputCol="tf", outputCol="v").fit(dense)
    got = dict(idf=vector(model.idf), docFreq=model.docFreq, numDocs=model.numDocs,
               output=vectors(model.transform(dense)))
    assert matches(got, GOLDEN["idf"]["dense"])


def test_a_text_pipeline_saves_and_loads_with_the_same_output(sentences, tmp_path):
    pipeline = Pipeline(stages=[RegexTokenizer(inputCol="s", outputCol="tokens", pattern="\\W+"),
                                StopWordsRemover(inputCol="tokens", outputCol="words", stopWords=["i", "and"]),
                                CountVectorizer(inputCol="words", outputCol="counts", minDF=1.0, vocabSize=10),
                                HashingTF(inputCol="words", outputCol="tf", numFeatures=64, binary=True),
                                IDF(inputCol="tf", outputCol="tfidf", minDocFreq=1),
                                Tokenizer(inputCol="s", outputCol="t")])
    model = pipeline.fit(sentences)
    model.write().overwrite().save(str(tmp_path / "model"))
    loaded = PipelineModel.load(str(tmp_path / "model"))
    assert loaded.transform(sentences).orderBy("id").collect() == model.transform(sentences).orderBy("id").collect()
    counts, idf = loaded.stages[2], loaded.stages[4]
    assert isinstance(counts, CountVectorizerModel) and counts.vocabulary == model.stages[2].vocabulary
    assert isinstance(idf, IDFModel) and (idf.docFreq, idf.numDocs) == (model.stages[4].docFreq, len(SENTENCES))
    assert loaded.stages[1].getStopWords() == ["i", "and"] and loaded.stages[0].getPattern() == "\\W+"
    pipeline.write().overwrite().save(str(tmp_path / "pipeline"))
    assert Pipeline.load(str(tmp_path / "pipeline")).getStages()[3].getNumFeatures() == 64


def test_bad_input_names_the_column_and_the_stage(spark, sentences, docs):
    with pytest.raises(IllegalArgumentException) as error:
        Tokenizer(inputCol="id", outputCol="t").transform(sentences)
    assert str(error.value) == GOLDEN["tokenizer_type"]
    with pytest.raises(IllegalArgumentException, match=r'RegexTokenizer_\w+: column "text" does not exist'):
        RegexTokenizer(inputCol="text", outputCol="t").transform(sentences)
    with pytest.raises(IllegalArgumentException, match=r"CountVectorizer_\w+: requirement failed: Column id must be "
                                                       r"of type array<string>"):
        CountVectorizer(inputCol="id", outputCol="v").fit(docs)
    with pytest.raises(IllegalArgumentException, match="Column d already exists"):
        HashingTF(inputCol="d", outputCol="d").transform(docs)
    with pytest.raises(IllegalArgumentException, match=r"IDF_\w+ parameter minDocFreq given invalid value -1"):
        IDF(minDocFreq=-1)
    mixed = spark.createDataFrame([(0, Vectors.sparse(3, {0: 1.0})), (1, Vectors.sparse(4, {0: 1.0}))], ["id", "tf"])
    with pytest.raises(Exception, match="sizes 3 and 4"):
        IDF(inputCol="tf", outputCol="v").fit(mixed.repartition(1))


def test_a_null_row_gives_a_null_output(spark):
    df = spark.createDataFrame([(0, "A b", ["a", "b"]), (1, None, None)], "id int, s string, d array<string>")
    assert column(Tokenizer(inputCol="s", outputCol="t").transform(df), "t") == [["a", "b"], None]
    assert column(RegexTokenizer(inputCol="s", outputCol="t", gaps=False, pattern="\\w").transform(df), "t") == \
        [["a", "b"], None]
    assert column(StopWordsRemover(inputCol="d", outputCol="o").transform(df), "o") == [["b"], None]
    assert vectors(HashingTF(inputCol="d", outputCol="v", numFeatures=16).transform(df))[1] is None

"""Text features: ``Tokenizer``, ``RegexTokenizer``, ``StopWordsRemover``, ``HashingTF``,
``CountVectorizer`` and ``IDF``, with Spark's parameters, outputs and fitted attributes.

Contract:
* Tokenizers lower-case as Java's ``String.toLowerCase`` does and split as Java's
  ``String.split``/``Pattern.split`` do: trailing empty tokens dropped, a leading one kept (so
  ``Tokenizer`` gives ``["", "a"]`` for ``" a"`` and ``[""]`` for ``""``), ``\\s`` being ASCII
  whitespace only (a no-break space is not a separator). ``RegexTokenizer``'s ``pattern`` is a Java
  regex, read by the SQL layer's translator (``java_regex``: ``\\w``/``\\d``/``\\s`` ASCII,
  ``\\p{..}`` classes, Java's empty-match stepping); with ``gaps`` it splits, else it keeps the
  matches; tokens shorter than ``minTokenLength`` UTF-16 code units go. Output ``array<string>``.
* ``StopWordsRemover`` drops the terms in ``stopWords`` (Spark's English list by default,
  ``loadDefaultStopWords``), comparing lower-cased under ``locale`` unless ``caseSensitive``;
  NULL terms stay. One column (``inputCol``) or several (``inputCols``/``outputCols``).
* ``HashingTF``: a term's index is ``murmur3_x86_32(term, seed 42)`` modulo ``numFeatures``
  (non-negative): strings by their UTF-8 bytes (standard Murmur3, not the SQL ``hash()``'s byte
  rule), integers, longs, floats, doubles and booleans as Spark's ``FeatureHasher`` hashes them, a
  NULL term as the seed. Output sparse vectors of counts (1.0 each with ``binary``).
* ``CountVectorizer`` counts terms with a distributed ``groupBy`` (term frequency over the corpus
  and document frequency), keeps those within ``minDF``/``maxDF`` (fractions of the document count
  below 1.0) and the top ``vocabSize`` by frequency, ties by term; the model's transform gives
  sparse count vectors, ``minTF`` filtering per document.
* ``IDF`` counts per feature the documents with a positive value in one distributed pass over
  Arrow batches; ``idf = log((numDocs + 1) / (docFreq + 1))``, 0 (and a docFreq of 0) for a
  feature in fewer than ``minDocFreq`` documents; its transform multiplies the stored values,
  sparse vectors staying sparse.
* A NULL input row gives a NULL output (Spark's UDFs fail on it with a NullPointerException).
"""
from __future__ import annotations

import locale as _locale
import os

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sparklite.core import api
from sparklite.ml.base import Estimator, Model, Transformer, append_columns, require_column, require_new_column
from sparklite.ml.feature.scaling import FlatVectors, scale_vectors, vector_array
from sparklite.ml.instances import job_description
from sparklite.ml.linalg import DenseVector, VectorUDT
from sparklite.ml.param import Param, Params, TypeConverters as TC
from sparklite.ml.param.shared import HasInputCol, HasInputCols, HasNumFeatures, HasOutputCol, HasOutputCols, at_least
from sparklite.ml.util import (DefaultParamsReadable, DefaultParamsWritable, MLReadable, MLWritable, read_data,
                               write_data)
from sparklite.sql import functions as F
from sparklite.sql import types as T
from sparklite.sql.builtins.regexp import java_matches, java_regex, java_split
from sparklite.sql.builtins.strings import lower_case
from sparklite.sql.dataframe import arrow_batches
from sparklite.sql.errors import IllegalArgumentException
from sparklite.sql.execution.hashing import murmur3_hash

__all__ = ["Tokenizer", "RegexTokenizer", "StopWordsRemover", "HashingTF", "CountVectorizer", "CountVectorizerModel",
           "IDF", "IDFModel"]

_TOKENS = T.ArrayType(T.StringType(), True)
_STOPWORDS = os.path.join(os.path.dirname(__file__), "stopwords")
# in the order Spark's error message lists them
_LANGUAGES = ("french", "spanish", "german", "finnish", "russian", "norwegian", "dutch", "danish", "hungarian",
              "italian", "swedish", "portuguese", "turkish", "english")


# ---- list columns as flat arrays

def _lists(array) -> tuple:
    """A list column's elements end to end, each element's row, and the row lengths."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    counts = pc.list_value_length(array).fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
    return array.flatten(), np.repeat(np.arange(len(array)), counts), counts


def _rebuild(elements: pa.Array, rows: np.ndarray, keep: np.ndarray, num_rows: int, nulls) -> pa.ListArray:
    """Lists of the kept elements, each in its row (rows in order)."""
    counts = np.bincount(rows[keep], minlength=num_rows)
    offsets = pa.array(np.concatenate([[0], np.cumsum(counts)]).astype(np.int32))
    mask = pa.array(nulls) if nulls is not None and nulls.any() else None
    return pa.ListArray.from_arrays(offsets, elements.filter(pa.array(keep)), mask=mask)


def _null_rows(array) -> np.ndarray | None:
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return ~array.is_valid().to_numpy(zero_copy_only=False) if array.null_count else None


def _java_lengths(strings: pa.Array) -> np.ndarray:
    """Each string's length in UTF-16 code units (Java's ``String.length``)."""
    points = pc.utf8_length(strings).fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
    binary = strings.cast(pa.large_binary())
    if not len(binary) or binary.buffers()[2] is None:
        return points
    offsets = np.frombuffer(binary.buffers()[1], np.int64)[binary.offset:binary.offset + len(binary) + 1]
    four_byte = np.concatenate([[0], np.cumsum(np.frombuffer(binary.buffers()[2], np.uint8) >= 0xF0)])
    return points + four_byte[offsets[1:]] - four_byte[offsets[:-1]]


# ---- tokenizers

class _TextStage(HasInputCol, HasOutputCol):
    """A stage from one string column to a new ``array<string>`` column."""

    def _tokens(self, strings: pa.Array) -> pa.Array:
        raise NotImplementedError

    def _transform(self, dataset):
        column = self.getInputCol()
        kind = require_column(self, dataset, column)
        if not isinstance(kind, T.StringType):
            raise IllegalArgumentException(f"requirement failed: Input type must be string type but got "
                                           f"{kind.simpleString()}.")
        require_new_column(self, dataset, self.getOutputCol())
        field = T.StructField(self.getOutputCol(), _TOKENS, True)
        return append_columns(dataset, [field], lambda batch: [self._tokens(batch.column(column))])


def _split(strings: pa.Array, regex) -> pa.Array:
    """Java's ``Pattern.split(s)``: trailing empty pieces dropped, unless nothing matched."""
    if regex.source and regex.re2 and regex.re2_spans and not regex.matches_empty:
        pieces = pc.split_pattern_regex(strings, regex.re2)
    else:
        pieces = pa.array([None if s is None else java_split(regex, s, -1) for s in strings.to_pylist()],
                          pa.list_(pa.string()))
    elements, rows, counts = _lists(pieces)
    filled = (pc.utf8_length(elements).fill_null(1).to_numpy(zero_copy_only=False) > 0)
    position = np.arange(len(elements))
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    ends = starts.copy()
    np.maximum.at(ends, rows[filled], position[filled] + 1)
    unmatched = counts == 1
    ends[unmatched] = starts[unmatched] + 1
    keep = position < ends[rows] if len(elements) else np.zeros(0, bool)
    return _rebuild(elements, rows, keep, len(counts), _null_rows(strings))


class Tokenizer(_TextStage, Transformer, DefaultParamsReadable, DefaultParamsWritable):
    """Lower-cases a string and splits it at each whitespace character."""

    def _tokens(self, strings: pa.Array) -> pa.Array:
        return _split(lower_case(strings), java_regex("\\s", "Tokenizer"))


class RegexTokenizer(_TextStage, Transformer, DefaultParamsReadable, DefaultParamsWritable):
    """Splits a string at a Java regex (``gaps``) or keeps its matches, dropping short tokens."""

    minTokenLength = Param(Params._dummy(), "minTokenLength", "minimum token length (>= 0)", TC.toInt, at_least(0))
    gaps = Param(Params._dummy(), "gaps", "whether regex splits on gaps (True) or matches tokens (False)",
                 TC.toBoolean)
    pattern = Param(Params._dummy(), "pattern", "regex pattern (Java dialect) used for tokenizing", TC.toString)
    toLowercase = Param(Params._dummy(), "toLowercase", "whether to convert all characters to lowercase before "
                        "tokenizing", TC.toBoolean)
    _defaults = {"minTokenLength": 1, "gaps": True, "pattern": "\\s+", "toLowercase": True}

    def _tokens(self, strings: pa.Array) -> pa.Array:
        regex = java_regex(self.getPattern(), "RegexTokenizer")
        if self.getToLowercase():
            strings = lower_case(strings)
        if self.getGaps():
            tokens = _split(strings, regex)
        else:
            tokens = pa.array([None if s is None else [m.group() for m in java_matches(regex, s)]
                               for s in strings.to_pylist()], pa.list_(pa.string()))
        shortest = self.getMinTokenLength()
        if shortest <= 0:
            return tokens
        elements, rows, counts = _lists(tokens)
        return _rebuild(elements, rows, _java_lengths(elements) >= shortest, len(counts), _null_rows(tokens))


# ---- StopWordsRemover

def _known_locale(value: str) -> bool:
    name = value.lower()
    return name in _locale.locale_alias or name.split("_")[0] in _locale.locale_alias


def _lower(strings: pa.Array, dotless: bool) -> pa.Array:
    """Java's ``toLowerCase(locale)``; ``dotless`` for Turkish and Azeri, where I lowers to ı and İ to i."""
    if dotless:
        strings = pc.replace_substring(pc.replace_substring(strings, "I", "ı"), "İ", "i")
    return lower_case(strings)


class StopWordsRemover(HasInputCol, HasOutputCol, HasInputCols, HasOutputCols, Transformer, DefaultParamsReadable,
                       DefaultParamsWritable):
    """Drops stop words from arrays of strings (NULL terms are kept)."""

    stopWords = Param(Params._dummy(), "stopWords", "The words to be filtered out", TC.toListString)
    caseSensitive = Param(Params._dummy(), "caseSensitive", "whether to do a case sensitive comparison over the "
                          "stop words", TC.toBoolean)
    locale = Param(Params._dummy(), "locale", "locale of the input. ignored when case sensitive is true",
                   TC.toString, _known_locale)
    _defaults = {"caseSensitive": False, "locale": "en",
                 "stopWords": lambda stage: StopWordsRemover.loadDefaultStopWords("english")}

    @staticmethod
    def loadDefaultStopWords(language: str) -> list:
        """Spark's stop words for ``language`` (only English is shipped with sparklite)."""
        if language not in _LANGUAGES:
            raise IllegalArgumentException(f"requirement failed: {language} is not in the supported language list: "
                                           f"{', '.join(_LANGUAGES)}.")
        path = os.path.join(_STOPWORDS, f"{language}.txt")
        if not os.path.exists(path):
            raise IllegalArgumentException(f"the {language} stop words are not shipped with sparklite: pass them "
                                           "with setStopWords")
        with open(path, encoding="utf-8") as f:
            return f.read().splitlines()

    def __str__(self) -> str:
        return (f"StopWordsRemover: uid={self.uid}, numStopWords={len(self.getStopWords())}, "
                f"locale={self.getLocale()}, caseSensitive={str(self.getCaseSensitive()).lower()}")

    def _columns(self) -> tuple[list, list]:
        single, multiple = self.isSet(self.inputCol), self.isSet(self.inputCols)
        if single == multiple:
            state = "both are set" if single else "neither is set"
            raise IllegalArgumentException(f"requirement failed: StopWordsRemover {self} requires exactly one of "
                                           f"inputCol, inputCols Params to be set, but {state}.")
        if single:
            return [self.getInputCol()], [self.getOutputCol()]
        inputs, outputs = self.getInputCols(), self.getOutputCols()
        if len(inputs) != len(outputs):
            raise IllegalArgumentException(f"requirement failed: The number of input columns {len(inputs)} must be "
                                           f"the same as the number of output columns {len(outputs)}.")
        return inputs, outputs

    def _transform(self, dataset):
        inputs, outputs = self._columns()
        fields = []
        for name, output in zip(inputs, outputs):
            kind = require_column(self, dataset, name)
            if kind != T.ArrayType(T.StringType(), True) and kind != T.ArrayType(T.StringType(), False):
                raise IllegalArgumentException(f"requirement failed: Input type must be array<string> but got "
                                               f"{kind.simpleString()}.")
            require_new_column(self, dataset, output)
            fields.append(T.StructField(output, kind, True))
        sensitive, dotless = self.getCaseSensitive(), self.getLocale().lower().split("_")[0] in ("tr", "az")
        words = pa.array([w for w in self.getStopWords() if w is not None], pa.string())
        stop = words if sensitive else _lower(words, dotless)

        def remove(terms):
            elements, rows, counts = _lists(terms)
            compared = elements if sensitive else _lower(elements, dotless)
            listed = pc.is_in(compared, value_set=stop).fill_null(False).to_numpy(zero_copy_only=False)
            return _rebuild(elements, rows, ~listed, len(counts), _null_rows(terms))
        return append_columns(dataset, fields, lambda batch: [remove(batch.column(name)) for name in inputs])


# ---- HashingTF

_C1, _C2 = np.uint32(0xCC9E2D51), np.uint32(0x1B873593)


def _rotl(x: np.ndarray, r: int) -> np.ndarray:
    return (x << np.uint32(r)) | (x >> np.uint32(32 - r))


def _mix_k1(k: np.ndarray) -> np.ndarray:
    return _rotl(k * _C1, 15) * _C2


def murmur3_utf8(strings: pa.Array, seed: int = 42) -> np.ndarray:
    """Standard Murmur3_x86_32 of each string's UTF-8 bytes as int32 (Spark's
    ``hashUnsafeBytes2``, what ``HashingTF`` uses); a NULL string hashes to ``seed``."""
    binary = strings.cast(pa.large_binary())
    n = len(binary)
    offsets = np.frombuffer(binary.buffers()[1], np.int64)[binary.offset:binary.offset + n + 1]
    data = binary.buffers()[2]
    data = np.concatenate([np.frombuffer(data, np.uint8) if data is not None else np.zeros(0, np.uint8),
                           np.zeros(4, np.uint8)]).astype(np.uint32)
    starts, lengths = offsets[:-1], np.diff(offsets)
    blocks = lengths // 4
    order = np.argsort(-blocks, kind="stable")
    starts, lengths, blocks = starts[order], lengths[order], blocks[order]
    h = np.full(n, seed & 0xFFFFFFFF, np.uint32)
    with np.errstate(over="ignore"):
        for j in range(int(blocks[0]) if n else 0):
            active = int(np.searchsorted(-blocks, -j, side="left"))
            at = starts[:active] + 4 * j
            k = data[at] | (data[at + 1] << 8) | (data[at + 2] << 16) | (data[at + 3] << 24)
            h[:active] = _rotl(h[:active] ^ _mix_k1(k), 13) * np.uint32(5) + np.uint32(0xE6546B64)
        tail, rest = starts + 4 * blocks, lengths % 4
        k = np.zeros(n, np.uint32)
        for t in (2, 1, 0):
            k ^= np.where(rest > t, data[np.minimum(tail + t, len(data) - 1)] << np.uint32(8 * t), 0).astype(np.uint32)
        h ^= np.where(rest > 0, _mix_k1(k), 0).astype(np.uint32)
        h ^= lengths.astype(np.uint32)
        h = (h ^ (h >> np.uint32(16))) * np.uint32(0x85EBCA6B)
        h = (h ^ (h >> np.uint32(13))) * np.uint32(0xC2B2AE35)
        h ^= h >> np.uint32(16)
    hashes = np.empty(n, np.uint32)
    hashes[order] = h
    if binary.null_count:
        hashes[~binary.is_valid().to_numpy(zero_copy_only=False)] = seed & 0xFFFFFFFF
    return hashes.view(np.int32)


def _java_float_bits(floats: pa.Array) -> pa.Array:
    """Java's ``doubleToLongBits``/``floatToIntBits``: the IEEE bits, every NaN the canonical one and
    -0.0 left as it is (the SQL ``hash()`` turns -0.0 into 0.0 first; ``HashingTF`` does not)."""
    wide = pa.types.is_float64(floats.type)
    values = floats.fill_null(0).to_numpy(zero_copy_only=False)
    bits = values.view(np.int64 if wide else np.int32).copy()
    bits[np.isnan(values)] = 0x7FF8000000000000 if wide else 0x7FC00000
    return pa.array(bits, mask=_null_rows(floats))


def _term_hashes(terms: pa.Array) -> np.ndarray:
    """Spark's ``FeatureHasher.murmur3Hash`` of each term."""
    kind = terms.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return murmur3_utf8(terms)
    if pa.types.is_float64(kind) or pa.types.is_float32(kind):
        terms = _java_float_bits(terms)
    elif not (pa.types.is_integer(kind) and pa.types.is_signed_integer(kind) or pa.types.is_boolean(kind)
              or pa.types.is_null(kind)):
        raise IllegalArgumentException(f"HashingTF with murmur3 algorithm does not support type {kind} of input data.")
    if pa.types.is_null(kind):
        return np.full(len(terms), 42, np.int32)
    return murmur3_hash([terms])


def _sparse_counts(rows: np.ndarray, indices: np.ndarray, size: int, num_rows: int, binary: bool, nulls,
                   keep=None) -> pa.StructArray:
    """Sparse vectors of the count of each (row, index) pair, rows in order."""
    keys, counts = np.unique(rows.astype(np.int64) * size + indices, return_counts=True)
    values = counts.astype(np.float64)
    if keep is not None:
        chosen = keep(keys // size, values)
        keys, values = keys[chosen], values[chosen]
    if binary:
        values = np.ones_like(values)
    per_row = np.bincount(keys // size, minlength=num_rows)
    return vector_array(np.zeros(num_rows), np.full(num_rows, size), per_row, keys % size, values,
                        pa.array(nulls) if nulls is not None else None)


class HashingTF(HasInputCol, HasOutputCol, HasNumFeatures, Transformer, DefaultParamsReadable, DefaultParamsWritable):
    """Maps arrays of terms to sparse term-count vectors by hashing each term to an index."""

    binary = Param(Params._dummy(), "binary", "If True, all non zero counts are set to 1. This is useful for "
                   "discrete probabilistic models that model binary events rather than integer counts. Default False.",
                   TC.toBoolean)
    _defaults = {"binary": False}

    def indexOf(self, term) -> int:
        """The index ``term`` maps to."""
        return int(np.mod(_term_hashes(pa.array([term])).astype(np.int64), self.getNumFeatures())[0])

    def _transform(self, dataset):
        column = self.getInputCol()
        kind = require_column(self, dataset, column)
        if not isinstance(kind, T.ArrayType):
            raise IllegalArgumentException(f"requirement failed: The input column must be array, but got "
                                           f"{kind.simpleString()}.")
        require_new_column(self, dataset, self.getOutputCol())
        size, binary = self.getNumFeatures(), self.getBinary()

        def vectors(terms):
            elements, rows, counts = _lists(terms)
            indices = np.mod(_term_hashes(elements).astype(np.int64), size)
            return _sparse_counts(rows, indices, size, len(counts), binary, _null_rows(terms))
        field = T.StructField(self.getOutputCol(), VectorUDT(), True)
        return append_columns(dataset, [field], lambda batch: [vectors(batch.column(column))])


# ---- CountVectorizer

class _CountVectorizerParams(HasInputCol, HasOutputCol):
    minTF = Param(Params._dummy(), "minTF", "Filter to ignore rare words in a document. For each document, terms with "
                  "frequency/count less than the given threshold are ignored. If this is an integer >= 1, then this "
                  "specifies a count (of times the term must appear in the document); if this is a double in [0,1), "
                  "then this specifies a fraction (out of the document's token count). Note that the parameter is "
                  "only used in transform of CountVectorizerModel and does not affect fitting. Default 1.0",
                  TC.toFloat, at_least(0))
    minDF = Param(Params._dummy(), "minDF", "Specifies the minimum number of different documents a term must appear "
                  "in to be included in the vocabulary. If this is an integer >= 1, this specifies the number of "
                  "documents the term must appear in; if this is a double in [0,1), then this specifies the fraction "
                  "of documents. Default 1.0", TC.toFloat, at_least(0))
    maxDF = Param(Params._dummy(), "maxDF", "Specifies the maximum number of different documents a term could appear "
                  "in to be included in the vocabulary. A term that appears more than the threshold will be ignored. "
                  "If this is an integer >= 1, this specifies the maximum number of documents the term could appear "
                  "in; if this is a double in [0,1), then this specifies the maximum fraction of documents the term "
                  "could appear in. Default (2^63) - 1", TC.toFloat, at_least(0))
    vocabSize = Param(Params._dummy(), "vocabSize", "max size of the vocabulary. Default 1 << 18.", TC.toInt,
                      lambda value: value > 0)
    binary = Param(Params._dummy(), "binary", "Binary toggle to control the output vector values. If True, all "
                   "nonzero counts (after minTF filter applied) are set to 1. This is useful for discrete "
                   "probabilistic models that model binary events rather than integer counts. Default False",
                   TC.toBoolean)
    _defaults = {"minTF": 1.0, "minDF": 1.0, "maxDF": float(2 ** 63 - 1), "vocabSize": 1 << 18, "binary": False}

    def _check_input(self, dataset) -> None:
        require_column(self, dataset, self.getInputCol(), T.ArrayType(T.StringType(), True),
                       T.ArrayType(T.StringType(), False))
        require_new_column(self, dataset, self.getOutputCol())


class CountVectorizer(_CountVectorizerParams, Estimator, DefaultParamsReadable, DefaultParamsWritable):
    """Learns a vocabulary of the most frequent terms of a corpus of term arrays."""

    def _bounds(self, dataset) -> tuple[float, float]:
        low, high = self.getMinDF(), self.getMaxDF()
        if (low >= 1.0) == (high >= 1.0) and high < low:
            raise IllegalArgumentException("requirement failed: maxDF must be >= minDF.")
        documents = dataset.count() if low < 1.0 or high < 1.0 else 0
        low, high = (low if low >= 1.0 else low * documents), (high if high >= 1.0 else high * documents)
        if high < low:
            raise IllegalArgumentException("requirement failed: maxDF must be >= minDF.")
        return low, high

    def _fit(self, dataset) -> "CountVectorizerModel":
        self._check_input(dataset)
        low, high = self._bounds(dataset)
        documents = dataset.select(F.col(self.getInputCol()).alias("terms")).withColumn(
            "doc", F.monotonically_increasing_id())
        terms = documents.select("doc", F.explode("terms").alias("term"))
        counts = (terms.groupBy("doc", "term").count().groupBy("term")
                  .agg(F.sum("count").alias("tf"), F.count(F.lit(1)).alias("df")))
        if self.isSet(self.minDF) or self.isSet(self.maxDF):
            counts = counts.where((F.col("df") >= low) & (F.col("df") <= high))
        top = counts.orderBy(F.desc("tf"), F.asc("term")).limit(self.getVocabSize())
        with job_description(dataset.sparkSession.sparkContext, "CountVectorizer vocabulary"):
            vocabulary = [row.term for row in top.select("term").collect()]
        return CountVectorizerModel(vocabulary)._with_parent(self)


class CountVectorizerModel(_CountVectorizerParams, Model, MLReadable, MLWritable):
    """A fitted ``CountVectorizer``: its ``vocabulary``, a term's index its position."""

    def __init__(self, vocabulary=None):
        super().__init__()
        self.vocabulary = list(vocabulary or [])

    @classmethod
    def from_vocabulary(cls, vocabulary, inputCol: str, outputCol: str | None = None, minTF: float | None = None,
                        binary: bool | None = None) -> "CountVectorizerModel":
        """A model of a given vocabulary."""
        if len(vocabulary) == 0:
            raise ValueError("Vocabulary list cannot be empty")
        model = cls(vocabulary)
        settings = dict(inputCol=inputCol, outputCol=outputCol, minTF=minTF, binary=binary)
        model._set(vocabSize=len(vocabulary), **{k: v for k, v in settings.items() if v is not None})
        return model

    def _transform(self, dataset):
        self._check_input(dataset)
        column, size = self.getInputCol(), len(self.vocabulary)
        vocabulary = pa.array(self.vocabulary, pa.string())
        min_tf, binary = self.getMinTF(), self.getBinary()

        def vectors(documents):
            elements, rows, counts = _lists(documents)
            found = pc.index_in(elements, value_set=vocabulary)
            known = found.is_valid().to_numpy(zero_copy_only=False)
            indices = found.fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
            threshold = np.full(len(counts), min_tf) if min_tf >= 1.0 else counts * min_tf
            return _sparse_counts(rows[known], indices[known], size, len(counts), binary, _null_rows(documents),
                                  keep=lambda row, value: value >= threshold[row])
        field = T.StructField(self.getOutputCol(), VectorUDT(), True)
        return append_columns(dataset, [field], lambda batch: [vectors(batch.column(column))])

    def _save_extra(self, path: str) -> None:
        write_data(path, pa.table({"vocabulary": [self.vocabulary]}))

    def _load_extra(self, path: str, metadata: dict) -> None:
        self.vocabulary = read_data(path).to_pylist()[0]["vocabulary"]


# ---- IDF

class _IDFParams(HasInputCol, HasOutputCol):
    minDocFreq = Param(Params._dummy(), "minDocFreq", "minimum number of documents in which a term should appear for "
                       "filtering", TC.toInt, at_least(0))
    _defaults = {"minDocFreq": 0}

    def _check_input(self, dataset) -> None:
        require_column(self, dataset, self.getInputCol(), VectorUDT)
        require_new_column(self, dataset, self.getOutputCol())


def _document_frequencies(index, batches) -> list:
    """(documents, size, per-feature count of documents with a positive value) of a partition."""
    documents, size, frequencies = 0, -1, np.zeros(0, np.int64)
    for batch in batches:
        flat = FlatVectors(batch.column(0))
        sizes = flat.sizes()[flat.valid]
        if not len(sizes):
            continue
        size = _same_size(size, int(sizes.min()), int(sizes.max()))
        positive = flat.features[flat.values > 0]
        frequencies = _add_counts(frequencies, np.bincount(positive, minlength=size))
        documents += len(sizes)
    return [(documents, size, frequencies)]


def _same_size(size: int, smallest: int, largest: int) -> int:
    for other in (smallest, largest):
        if size >= 0 and other != size:
            raise IllegalArgumentException(f"requirement failed: vectors of sizes {size} and {other}: every document "
                                           "vector must have the same size")
        size = other
    return size


def _add_counts(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if len(a) < len(b):
        a, b = b, a
    total = a.copy()
    total[:len(b)] += b
    return total


def _merge_frequencies(a: tuple, b: tuple) -> tuple:
    if a[1] < 0 or b[1] < 0:
        return b if a[1] < 0 else a
    return a[0] + b[0], _same_size(a[1], b[1], b[1]), _add_counts(a[2], b[2])


class IDF(_IDFParams, Estimator, DefaultParamsReadable, DefaultParamsWritable):
    """Learns each feature's inverse document frequency from term-frequency vectors."""

    def _fit(self, dataset) -> "IDFModel":
        self._check_input(dataset)
        batches = arrow_batches(dataset.select(self.getInputCol()))
        partials = api.MapPartitionsRDD(batches, _document_frequencies, arrow_only=True)
        with job_description(dataset.sparkSession.sparkContext, "IDF document frequencies"):
            documents, size, frequencies = partials.reduce(_merge_frequencies)
        if size < 0:
            raise IllegalArgumentException(f"{self.uid}: requirement failed: column {self.getInputCol()} has no "
                                           "vectors to fit on")
        kept = np.where(frequencies >= self.getMinDocFreq(), frequencies, 0)
        idf = np.where(frequencies >= self.getMinDocFreq(), np.log((documents + 1.0) / (frequencies + 1.0)), 0.0)
        return IDFModel(DenseVector(idf), kept.tolist(), documents)._with_parent(self)


class IDFModel(_IDFParams, Model, MLReadable, MLWritable):
    """A fitted ``IDF``: ``idf``, ``docFreq`` and ``numDocs``."""

    def __init__(self, idf=None, docFreq=None, numDocs: int = 0):
        super().__init__()
        self.idf = idf if idf is not None else DenseVector([])
        self.docFreq = list(docFreq or [])
        self.numDocs = int(numDocs)

    def _transform(self, dataset):
        self._check_input(dataset)
        column, weights = self.getInputCol(), self.idf.toArray()
        field = T.StructField(self.getOutputCol(), VectorUDT(), True)
        return append_columns(dataset, [field],
                              lambda batch: [scale_vectors(batch.column(column), weights, len(weights))])

    def _save_extra(self, path: str) -> None:
        write_data(path, pa.table({"idf": [self.idf.toArray().tolist()], "docFreq": [self.docFreq],
                                   "numDocs": [self.numDocs]}))

    def _load_extra(self, path: str, metadata: dict) -> None:
        row = read_data(path).to_pylist()[0]
        self.idf, self.docFreq, self.numDocs = DenseVector(row["idf"]), row["docFreq"], row["numDocs"]

"""``pyspark.ml.feature``'s categorical transformers: ``StringIndexer``, ``OneHotEncoder`` and
``IndexToString``.

Contract (PySpark 4.3's behaviour, pinned by ``tests/ml/golden/features_a_golden.json``):
* ``StringIndexer.fit`` counts each distinct value of each input column (a ``groupBy().count()``
  job per column; nulls are not labels). A numeric column is indexed by its values cast to strings
  as Spark casts them (``1.0``, ``10``). Labels are ordered by ``stringOrderType``; equal counts
  order alphabetically. ``StringIndexerModel`` maps a label to its position as a double: a null or
  unseen value is Spark's error, drops the row (``skip``) or becomes ``numLabels`` (``keep``). An
  input column missing from the DataFrame is left out, with a warning, as Spark does for a label
  column at prediction time.
* ``OneHotEncoder.fit`` learns each column's category count (its largest index + 1; every value
  must be a whole number >= 0) in one aggregation; ``OneHotEncoderModel`` writes sparse vectors of
  that size, one less with ``dropLast``, one more for the invalid category with ``keep``. A
  negative or too large index is Spark's error naming the value; null stays null.
* ``IndexToString`` maps indices back to ``labels`` (or the ``ml_attr`` labels of the input
  column's metadata); an index out of range is Spark's ``Unseen index`` error.
"""
from __future__ import annotations

import logging

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sparklite.ml.base import Estimator, Model, Transformer, append_columns, require_column
from sparklite.ml.feature.assembly import (doubles, input_output_columns, new_columns, numeric_column,
                                           task_error, vectors_from_entries)
from sparklite.ml.linalg import VectorUDT
from sparklite.ml.param import Param, Params, TypeConverters as TC
from sparklite.ml.param.shared import (HasHandleInvalid, HasInputCol, HasInputCols, HasOutputCol, HasOutputCols,
                                       one_of)
from sparklite.ml.util import DefaultParamsReadable, DefaultParamsWritable, read_data, write_data
from sparklite.sql import functions as F
from sparklite.sql import types as T
from sparklite.sql.display import java_float_string as java_double
from sparklite.sql.errors import IllegalArgumentException

__all__ = ["StringIndexer", "StringIndexerModel", "OneHotEncoder", "OneHotEncoderModel", "IndexToString"]

_log = logging.getLogger(__name__)


# ---- StringIndexer

class _StringIndexerParams(HasHandleInvalid, HasInputCol, HasOutputCol, HasInputCols, HasOutputCols):
    handleInvalid = Param(Params._dummy(), "handleInvalid", "how to handle invalid data (unseen or NULL values) in "
                          "features and label column of string type. Options are 'skip' (filter out rows with "
                          "invalid data), error (throw an error), or 'keep' (put invalid data in a special additional "
                          "bucket, at index numLabels).", TC.toString, one_of("error", "skip", "keep"))
    stringOrderType = Param(Params._dummy(), "stringOrderType", "How to order labels of string column. The first "
                            "label after ordering is assigned an index of 0. Supported options: frequencyDesc, "
                            "frequencyAsc, alphabetDesc, alphabetAsc. Default is frequencyDesc. In case of equal "
                            "frequency when under frequencyDesc/Asc, the strings are further sorted alphabetically",
                            TC.toString, one_of("frequencyDesc", "frequencyAsc", "alphabetDesc", "alphabetAsc"))
    _defaults = {"handleInvalid": "error", "stringOrderType": "frequencyDesc"}


def _indexable(stage, dataset, name: str):
    data_type = require_column(stage, dataset, name)
    if not isinstance(data_type, (T.StringType, T.NumericType)):
        raise IllegalArgumentException(f"requirement failed: The input column {name} must be either string type or "
                                       f"numeric type, but got {type(data_type).__name__}.")
    return data_type


_ORDERS = {
    "frequencyDesc": lambda counts: sorted(counts, key=lambda lc: (-lc[1], lc[0])),
    "frequencyAsc": lambda counts: sorted(counts, key=lambda lc: (lc[1], lc[0])),
    "alphabetDesc": lambda counts: sorted(counts, key=lambda lc: lc[0], reverse=True),
    "alphabetAsc": lambda counts: sorted(counts, key=lambda lc: lc[0]),
}


class StringIndexer(_StringIndexerParams, Estimator, DefaultParamsReadable, DefaultParamsWritable):
    """Maps the values of string (or numeric) columns to label indices, most frequent first by default."""

    def _fit(self, dataset) -> "StringIndexerModel":
        inputs, _, _ = input_output_columns(self)
        order = _ORDERS[self.getStringOrderType()]
        labels = []
        for name in inputs:
            _indexable(self, dataset, name)
            values = F.col(name).cast("string")
            counts = dataset.select(values.alias("label")).where(F.col("label").isNotNull()).groupBy("label").count()
            labels.append([label for label, _ in order([(r[0], r[1]) for r in counts.collect()])])
        return StringIndexerModel(labels)._with_parent(self)


class StringIndexerModel(_StringIndexerParams, Model, DefaultParamsReadable, DefaultParamsWritable):
    """A fitted ``StringIndexer``: ``labelsArray`` (``labels`` for one column)."""

    def __init__(self, labelsArray: list | None = None):
        super().__init__()
        self._labels = [list(labels) for labels in (labelsArray or [])]

    @classmethod
    def from_labels(cls, labels, inputCol: str, outputCol: str | None = None,
                    handleInvalid: str | None = None) -> "StringIndexerModel":
        """A model of the given labels for one column."""
        model = cls([TC.toListString(labels)])._set(inputCol=inputCol)
        return model._set(**{k: v for k, v in dict(outputCol=outputCol, handleInvalid=handleInvalid).items() if v})

    @classmethod
    def from_arrays_of_labels(cls, arrayOfLabels, inputCols, outputCols=None,
                              handleInvalid: str | None = None) -> "StringIndexerModel":
        """A model of the given labels for several columns."""
        model = cls([TC.toListString(labels) for labels in arrayOfLabels])._set(inputCols=inputCols)
        return model._set(**{k: v for k, v in dict(outputCols=outputCols, handleInvalid=handleInvalid).items() if v})

    @property
    def labels(self) -> list:
        """The labels of the one input column, index order."""
        if len(self._labels) != 1:
            raise IllegalArgumentException("requirement failed: This StringIndexerModel is fit on multiple columns. "
                                           "Call `labelsArray` instead.")
        return list(self._labels[0])

    @property
    def labelsArray(self) -> list:
        """The labels of each input column, index order."""
        return [list(labels) for labels in self._labels]

    def _transform(self, dataset):
        inputs, outputs, _ = input_output_columns(self)
        if len(inputs) != len(self._labels):
            raise IllegalArgumentException(f"{self.uid}: the model holds labels for {len(self._labels)} column(s) but "
                                           f"{len(inputs)} input column(s) are set")
        present = []
        for name, output, labels in zip(inputs, outputs, self._labels):
            if name in dataset.columns:
                present.append((name, output, labels))
            else:
                _log.warning("Input column %s does not exist during transformation. Skip StringIndexerModel for this "
                             "column.", name)
        if not present:
            return dataset
        new_columns(self, dataset, [output for _, output, _ in present])
        hidden = []
        for number, (name, _, _) in enumerate(present):
            if not isinstance(_indexable(self, dataset, name), T.StringType):
                hidden.append((name, f"__{self.uid}_{number}"))
                dataset = dataset.withColumn(hidden[-1][1], F.col(name).cast("string"))
        sources = [dict(hidden).get(name, name) for name, _, _ in present]
        tables = [pa.array(labels, pa.string()) for _, _, labels in present]
        handle = self.getHandleInvalid()

        def compute(batch):
            return [_index(batch.column(batch.schema.get_field_index(source)), table, handle)
                    for source, table in zip(sources, tables)]
        # Spark's nominal attribute: the labels ride in the column's metadata (IndexToString, trees read them)
        fields = [T.StructField(output, T.DoubleType(), handle == "skip", {"ml_attr": {
            "name": output, "type": "nominal", "vals": list(labels) + (["__unknown"] if handle == "keep" else [])}})
            for _, output, labels in present]
        result = append_columns(dataset, fields, compute)
        if handle == "skip":
            for field in fields:
                result = result.where(F.col(field.name).isNotNull())
        return result.drop(*[h for _, h in hidden]) if hidden else result

    def _save_extra(self, path: str) -> None:
        write_data(path, pa.table({"labelsArray": [self._labels]}))

    def _load_extra(self, path: str, metadata: dict) -> None:
        self._labels = read_data(path).column("labelsArray").to_pylist()[0]


def _index(column, labels: pa.Array, handle: str) -> pa.Array:
    """The labels' positions of a string column; an invalid value as ``handle`` says (null when skipped)."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    column = column.cast(pa.string())
    positions = pc.index_in(column, value_set=labels)
    if positions.null_count and handle == "error":
        if column.null_count:
            raise task_error("StringIndexer encountered NULL value. To handle or skip NULLS, try setting "
                             "StringIndexer.handleInvalid.")
        unseen = column.filter(positions.is_null())[0].as_py()
        raise task_error(f"Unseen label: {unseen}. To handle unseen labels, set Param handleInvalid to keep.")
    if handle == "keep":
        positions = positions.fill_null(len(labels))
    return positions.cast(pa.float64())


# ---- OneHotEncoder

class _OneHotEncoderParams(HasInputCol, HasInputCols, HasOutputCol, HasOutputCols, HasHandleInvalid):
    handleInvalid = Param(Params._dummy(), "handleInvalid", "How to handle invalid data during transform(). Options "
                          "are 'keep' (invalid data presented as an extra categorical feature) or error (throw an "
                          "error). Note that this Param is only used during transform; during fitting, invalid data "
                          "will result in an error.", TC.toString, one_of("error", "keep"))
    dropLast = Param(Params._dummy(), "dropLast", "whether to drop the last category", TC.toBoolean)
    _defaults = {"handleInvalid": "error", "dropLast": True}


class OneHotEncoder(_OneHotEncoderParams, Estimator, DefaultParamsReadable, DefaultParamsWritable):
    """Learns the number of categories of index columns, to encode them as one-hot vectors."""

    def _fit(self, dataset) -> "OneHotEncoderModel":
        inputs, _, _ = input_output_columns(self)
        for name in inputs:
            numeric_column(self, dataset, name)
        aggregates = []
        for number, name in enumerate(inputs):
            value = F.col(name).cast("double")
            invalid = (value < 0) | (value != F.floor(value)) | F.isnan(value)
            aggregates += [F.max(F.when(~invalid, value)).alias(f"max{number}"),
                           F.min(F.when(invalid, value)).alias(f"bad{number}"),
                           F.sum(F.when(value.isNull(), 1).otherwise(0)).alias(f"nulls{number}")]
        row = dataset.agg(*aggregates).first()
        sizes = []
        for number, name in enumerate(inputs):
            if row[f"bad{number}"] is not None:
                raise IllegalArgumentException(f"Values from column {name} must be indices, but got "
                                               f"{java_double(row[f'bad{number}'])}.")
            if row[f"nulls{number}"]:
                raise IllegalArgumentException(f"{self.uid}: column {name} holds {row[f'nulls{number}']} null "
                                               "value(s): category indices must not be null")
            sizes.append(0 if row[f"max{number}"] is None else int(row[f"max{number}"]) + 1)
        return OneHotEncoderModel(sizes)._with_parent(self)


class OneHotEncoderModel(_OneHotEncoderParams, Model, DefaultParamsReadable, DefaultParamsWritable):
    """A fitted ``OneHotEncoder``: ``categorySizes``, one per input column."""

    def __init__(self, categorySizes: list | None = None):
        super().__init__()
        self._sizes = [int(size) for size in (categorySizes or [])]

    @property
    def categorySizes(self) -> list:
        """The number of categories of each input column."""
        return list(self._sizes)

    def _transform(self, dataset):
        inputs, outputs, _ = input_output_columns(self)
        if len(inputs) != len(self._sizes):
            raise IllegalArgumentException(f"{self.uid}: the number of input columns ({len(inputs)}) does not match "
                                           f"the number of category sizes ({len(self._sizes)})")
        for name in inputs:
            numeric_column(self, dataset, name)
        new_columns(self, dataset, outputs)
        keep, drop_last = self.getHandleInvalid() == "keep", self.getDropLast()
        sizes = self._sizes

        def compute(batch):
            return [_one_hot(batch.column(batch.schema.get_field_index(name)), size, keep, drop_last)
                    for name, size in zip(inputs, sizes)]
        return append_columns(dataset, [T.StructField(o, VectorUDT(), True) for o in outputs], compute)

    def _save_extra(self, path: str) -> None:
        write_data(path, pa.table({"categorySizes": [self._sizes]}))

    def _load_extra(self, path: str, metadata: dict) -> None:
        self._sizes = read_data(path).column("categorySizes").to_pylist()[0]


def _one_hot(column, categories: int, keep: bool, drop_last: bool) -> pa.Array:
    values, valid = doubles(column)
    negative = valid & (values < 0)
    unseen = valid & ((values >= categories) | np.isnan(values))
    if not keep and negative.any():
        raise task_error(f"Negative value: {java_double(values[negative][0])}. Input can't be negative. To handle "
                         "invalid values, set Param handleInvalid to keep.")
    if not keep and unseen.any():
        raise task_error(f"Unseen value: {java_double(values[unseen][0])}. To handle unseen values, set Param "
                         "handleInvalid to keep.")
    index = np.where(negative | unseen | ~valid, categories, np.trunc(np.nan_to_num(values))).astype(np.int64)
    size = categories + int(keep) - int(drop_last)
    rows = np.flatnonzero(valid & (index < size))
    return vectors_from_entries(len(values), size, rows, index[rows], np.ones(len(rows)), compress=False,
                                nulls=~valid)


# ---- IndexToString

class IndexToString(HasInputCol, HasOutputCol, Transformer, DefaultParamsReadable, DefaultParamsWritable):
    """Maps a column of label indices back to the labels."""

    labels = Param(Params._dummy(), "labels", "Optional array of labels specifying index-string mapping. If not "
                   "provided or if empty, then metadata from inputCol is used instead.", TC.toListString)

    def _labels_for(self, dataset, name: str) -> list:
        if self.isSet(self.labels) and self.getLabels():
            return self.getLabels()
        labels = dataset.schema[name].metadata.get("ml_attr", {}).get("vals")
        if not labels:
            raise IllegalArgumentException(f"{self.uid}: labels is not set and column {name} has no label metadata: "
                                           "set labels, for example to a StringIndexerModel's labels")
        return list(labels)

    def _transform(self, dataset):
        name, output = self.getInputCol(), self.getOutputCol()
        numeric_column(self, dataset, name)
        new_columns(self, dataset, [output])
        labels = pa.array(self._labels_for(dataset, name), pa.string())

        def compute(batch):
            values, valid = doubles(batch.column(batch.schema.get_field_index(name)))
            index = np.trunc(np.nan_to_num(values)).astype(np.int64)
            wrong = valid & ((index < 0) | (index >= len(labels)))
            if wrong.any():
                raise task_error(f"Unseen index: {index[wrong][0]} ??")
            return [labels.take(pa.array(np.where(valid, index, 0), mask=~valid))]
        return append_columns(dataset, [T.StructField(output, T.StringType(), True)], compute)

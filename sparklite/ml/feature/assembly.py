"""``pyspark.ml.feature``'s numeric column transformers: ``VectorAssembler``, ``Bucketizer``,
``QuantileDiscretizer`` and ``Imputer``, and the helpers the categorical ones share.

Contract (PySpark 4.3's behaviour, pinned by ``tests/ml/golden/features_a_golden.json``):
* ``VectorAssembler`` concatenates numeric, boolean and vector columns into one vector per row,
  stored dense or sparse as Spark picks (sparse when ``12 * nnz + 16 < 8 * size``, the rule PySpark
  4.3's output follows for every size up to 24; NaN counts as non-zero). A vector input takes its
  own size in each row, as in Spark; a null one (``keep``) takes its column's size from the
  ``ml_attr`` metadata, and without metadata ``keep`` is Spark's error, while ``error``/``skip``
  read the first row's sizes (one small job at ``transform``, as in Spark, with its errors for a
  null or empty first row). ``error`` fails on a null or NaN number or a null vector, ``skip``
  drops rows with a null or NaN input (``na.drop``), ``keep`` writes NaN.
* ``Bucketizer`` maps each value to the bucket ``[s_i, s_i+1)`` of its splits (the last one closed);
  a value outside them is an error, NaN is an error, dropped or the extra bucket ``len(splits)-1``;
  null stays null. ``QuantileDiscretizer.fit`` is a ``Bucketizer`` whose splits are the column's
  ``approxQuantile`` at ``0, 1/n, ..., 1``, the ends made infinite and repeats dropped.
* ``Imputer.fit`` computes one surrogate per column from the values that are neither null, NaN nor
  ``missingValue`` (mean, approximate median, or the most frequent value with ties to the smallest);
  ``ImputerModel`` replaces null and ``missingValue`` by it, keeping the column's type.
* Everything is whole-batch numpy on the executors; fitting runs DataFrame aggregations. Errors
  from inside a task carry Spark's message (``SparkRuntimeException``).
"""
from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sparklite.ml.base import Estimator, Model, Transformer, append_columns, require_column, require_new_column
from sparklite.ml.functions import vector_sizes
from sparklite.ml.linalg import VectorUDT
from sparklite.ml.param import Param, Params, TypeConverters as TC
from sparklite.ml.param.shared import (HasHandleInvalid, HasInputCol, HasInputCols, HasOutputCol, HasOutputCols,
                                       HasRelativeError, at_least, one_of)
from sparklite.ml.util import DefaultParamsReadable, DefaultParamsWritable, read_data, write_data
from sparklite.sql import functions as F
from sparklite.sql import types as T
from sparklite.sql.display import java_float_string as java_double
from sparklite.sql.errors import IllegalArgumentException, SparkRuntimeException

__all__ = ["VectorAssembler", "Bucketizer", "QuantileDiscretizer", "Imputer", "ImputerModel"]

_VECTOR_ARROW = T.to_arrow_type(VectorUDT())


# ---- helpers shared with sparklite.ml.feature.categorical

def input_output_columns(stage) -> tuple[list, list, bool]:
    """``(inputs, outputs, multi)`` of a stage taking ``inputCol``/``outputCol`` or their plural
    forms: exactly one of ``inputCol`` and ``inputCols`` must be set, as Spark requires."""
    single, multi = stage.isSet(stage.inputCol), stage.isSet(stage.inputCols)
    if single == multi:
        state = "both are set" if single else "neither is set"
        raise IllegalArgumentException(f"requirement failed: {stage.uid} requires exactly one of inputCol, inputCols "
                                       f"Params to be set, but {state}.")
    if single:
        return [stage.getInputCol()], [stage.getOutputCol()], False
    inputs = stage.getInputCols()
    outputs = stage.getOutputCols() if stage.isSet(stage.outputCols) else []
    if len(inputs) != len(outputs):
        raise IllegalArgumentException(f"requirement failed: {stage.uid} has mismatched inputCols and outputCols: "
                                       f"{len(inputs)} input column(s) and {len(outputs)} output column(s).")
    return inputs, outputs, True


def numeric_column(stage, dataset, name: str):
    """The type of column ``name``, which must exist and be numeric (Spark's message otherwise)."""
    data_type = require_column(stage, dataset, name)
    if not isinstance(data_type, T.NumericType):
        raise IllegalArgumentException(f"{stage.uid}: requirement failed: Column {name} must be of type numeric but "
                                       f"was actually of type {data_type.simpleString()}.")
    return data_type


def new_columns(stage, dataset, names) -> None:
    for name in names:
        require_new_column(stage, dataset, name)


def doubles(column) -> tuple[np.ndarray, np.ndarray]:
    """A numeric Arrow column as float64 values (NaN where null) and its validity mask."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    values = column.cast(pa.float64()).to_numpy(zero_copy_only=False).astype(np.float64, copy=True)
    valid = column.is_valid().to_numpy(zero_copy_only=False) if column.null_count else np.ones(len(column), bool)
    values[~valid] = np.nan
    return values, valid


def vectors_from_entries(n: int, size, rows, cols, values, compress: bool = True, nulls=None) -> pa.StructArray:
    """``n`` vectors of ``size`` (one for all, or each row's) from their non-zero entries, sorted by
    row, then column: sparse where ``compress`` finds sparse smaller (as Spark's assembler chooses),
    else all sparse when ``compress`` is false; the rows where the boolean array ``nulls`` is true
    are null."""
    rows, cols = np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)
    size = np.broadcast_to(np.asarray(size, dtype=np.int64), (n,))
    values = np.asarray(values, dtype=np.float64)
    nnz = np.bincount(rows, minlength=n)
    sparse = 12 * nnz + 16 < 8 * size if compress else np.ones(n, dtype=bool)
    lengths = np.where(sparse, nnz, size)
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    flat = np.zeros(offsets[-1])
    rank = np.arange(len(rows)) - np.concatenate([[0], np.cumsum(nnz)[:-1]])[rows]
    on_sparse = sparse[rows]
    flat[offsets[rows[on_sparse]] + rank[on_sparse]] = values[on_sparse]
    flat[offsets[rows[~on_sparse]] + cols[~on_sparse]] = values[~on_sparse]
    index_offsets = np.concatenate([[0], np.cumsum(np.where(sparse, nnz, 0))])
    type_fields = list(_VECTOR_ARROW)
    indices = pa.ListArray.from_arrays(pa.array(index_offsets.astype(np.int32)),
                                       pa.array(cols[on_sparse].astype(np.int32)), mask=pa.array(~sparse))
    stored = pa.ListArray.from_arrays(pa.array(offsets.astype(np.int32)), pa.array(flat))
    return pa.StructArray.from_arrays(
        [pa.array(np.where(sparse, 0, 1).astype(np.int8)),
         pa.array(size.astype(np.int32), mask=~sparse),
         indices.cast(type_fields[2].type), stored.cast(type_fields[3].type)], fields=type_fields,
        mask=None if nulls is None or not nulls.any() else pa.array(nulls))


def task_error(message: str) -> SparkRuntimeException:
    return SparkRuntimeException(message)


def _handle_invalid(doc: str, choices: tuple) -> Param:
    return Param(Params._dummy(), "handleInvalid", doc, TC.toString, one_of(*choices))


# ---- VectorAssembler

class VectorAssembler(HasInputCols, HasOutputCol, HasHandleInvalid, Transformer, DefaultParamsReadable,
                      DefaultParamsWritable):
    """Concatenates numeric, boolean and vector columns into one vector column."""

    handleInvalid = _handle_invalid(
        "How to handle invalid data (NULL and NaN values). Options are 'skip' (filter out rows with invalid data), "
        "'error' (throw an error), or 'keep' (return relevant number of NaN in the output). Column lengths are taken "
        "from the size of ML Attribute Group, which can be set using `VectorSizeHint` in a pipeline before "
        "`VectorAssembler`. Column lengths can also be inferred from first rows of the data since it is safe to do so "
        "but only in case of 'error' or 'skip').", ("error", "skip", "keep"))
    _defaults = {"handleInvalid": "error"}

    def _transform(self, dataset):
        inputs, output, handle = self.getInputCols(), self.getOutputCol(), self.getHandleInvalid()
        kinds = self._input_kinds(dataset, inputs)
        require_new_column(self, dataset, output)
        if handle == "skip":
            dataset = dataset.na.drop(subset=inputs)
        lengths = self._lengths(dataset, inputs, kinds, handle)
        keep = handle == "keep"

        def compute(batch):
            parts, offsets = [], np.zeros(batch.num_rows, dtype=np.int64)
            for name, kind, length in zip(inputs, kinds, lengths):
                column = batch.column(batch.schema.get_field_index(name))
                parts.append(_entries(column, kind, length, offsets, keep))
            rows, cols, values = (np.concatenate([p[i] for p in parts]) for i in range(3))
            order = np.argsort(rows, kind="stable")
            return [vectors_from_entries(batch.num_rows, offsets, rows[order], cols[order], values[order])]
        metadata = {"ml_attr": _attribute_group(dataset, inputs, kinds, lengths)}
        return append_columns(dataset, [T.StructField(output, VectorUDT(), True, metadata)], compute)

    def _input_kinds(self, dataset, inputs) -> list:
        kinds, wrong = [], []
        for name in inputs:
            data_type = require_column(self, dataset, name)
            if isinstance(data_type, VectorUDT):
                kinds.append("vector")
            elif isinstance(data_type, (T.NumericType, T.BooleanType)):
                kinds.append("number")
            else:
                wrong.append(f"Data type {data_type.simpleString()} of column {name} is not supported.")
        if wrong:
            raise IllegalArgumentException("\n".join(wrong))
        return kinds

    def _lengths(self, dataset, inputs, kinds, handle) -> list:
        """Each input's size: 1 for a number, a vector column's from its metadata (``ml_attr.num_attrs``,
        which ``VectorSizeHint`` sets in Spark) or its first row."""
        lengths = {name: 1 for name, kind in zip(inputs, kinds) if kind == "number"}
        vectors = [name for name, kind in zip(inputs, kinds) if kind == "vector"]
        unknown = []
        for name in vectors:
            size = dataset.schema[name].metadata.get("ml_attr", {}).get("num_attrs")
            if size is None:
                unknown.append(name)
            else:
                lengths[name] = int(size)
        if unknown:
            listed = "[" + ", ".join(vectors) + "]"
            if handle == "keep":
                raise RuntimeError(f'Can not infer column lengths with handleInvalid = "keep". Consider using '
                                   f"VectorSizeHint to add metadata for columns: {listed}.")
            lengths.update(_first_row_sizes(dataset, unknown))
        return [lengths[name] for name in inputs]


def _attribute_group(dataset, inputs, kinds, lengths) -> dict:
    """Spark's attribute group of the assembled vector: each slot numeric, or nominal with its labels
    when the input column says so (a StringIndexer's output), vectors' own attributes shifted."""
    attrs: dict = {}
    start = 0
    for name, kind, length in zip(inputs, kinds, lengths):
        own = dataset.schema[name].metadata.get("ml_attr", {})
        if kind == "number":
            if own.get("type") == "nominal" and own.get("vals") is not None:
                attrs.setdefault("nominal", []).append({"idx": start, "name": name, "vals": own["vals"]})
            else:
                attrs.setdefault("numeric", []).append({"idx": start, "name": name})
        else:
            for group, entries in (own.get("attrs") or {}).items():
                for entry in entries:
                    attrs.setdefault(group, []).append({**entry, "idx": start + entry["idx"]})
        start += length
    return {"attrs": attrs, "num_attrs": start}


def _first_row_sizes(dataset, columns) -> dict:
    listed = "[" + ", ".join(columns) + "]"
    row = dataset.select(*columns).first()
    if row is None:
        raise ValueError("Encountered empty dataframe while inferring lengths from the first row. Consider using "
                         f"VectorSizeHint to add metadata for columns: {listed}. ")
    if any(row[c] is None for c in columns):
        raise ValueError("Encountered null value while inferring lengths from the first row. Consider using "
                         f"VectorSizeHint to add metadata for columns: {listed}. ")
    return {c: len(row[c]) for c in columns}


_NULL_MESSAGE = ('Encountered null while assembling a row with handleInvalid = "error". Consider\nremoving nulls from '
                 'dataset or using handleInvalid = "keep" or "skip".')
_NAN_MESSAGE = ('Encountered NaN while assembling a row with handleInvalid = "error". Consider\nremoving NaNs from '
                'dataset or using handleInvalid = "keep" or "skip".')


def _entries(column, kind: str, length: int, offsets: np.ndarray, keep: bool):
    """(rows, columns, values) of one input's non-zero entries in the assembled vectors, which
    start at ``offsets`` in each row; ``offsets`` moves past the input (a vector's own size, as
    Spark assembles, or ``length`` for a null one)."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if kind == "number":
        values, valid = doubles(column)
        if not keep and not valid.all():
            raise task_error(_NULL_MESSAGE)
        if not keep and np.isnan(values).any():
            raise task_error(_NAN_MESSAGE)
        rows = np.flatnonzero(values != 0)
        entries = rows, offsets[rows], values[rows]
        offsets += 1
        return entries
    valid = column.is_valid().to_numpy(zero_copy_only=False)
    if not keep and not valid.all():
        raise task_error(_NULL_MESSAGE)
    present = np.flatnonzero(valid)
    vectors = column.filter(pa.array(valid))
    counts = pc.list_value_length(vectors.field("values")).fill_null(0).to_numpy(zero_copy_only=False)
    rows = np.repeat(np.arange(len(vectors)), counts)
    stored = vectors.field("values").flatten().to_numpy(zero_copy_only=False)
    dense = vectors.field("type").to_numpy(zero_copy_only=False)[rows] == 1
    positions = np.arange(len(stored)) - np.concatenate([[0], np.cumsum(counts)[:-1]])[rows].astype(np.int64)
    if (~dense).any():
        positions[~dense] = vectors.field("indices").flatten().to_numpy(zero_copy_only=False)
    nonzero = stored != 0
    rows, stored = present[rows[nonzero]], stored[nonzero]
    positions = positions[nonzero] + offsets[rows]
    missing = np.flatnonzero(~valid)
    if len(missing):
        rows = np.concatenate([rows, np.repeat(missing, length)])
        positions = np.concatenate([positions, (offsets[missing][:, None] + np.arange(length)).ravel()])
        stored = np.concatenate([stored, np.full(len(missing) * length, np.nan)])
    widths = np.full(len(valid), length, dtype=np.int64)
    widths[present] = vector_sizes(vectors)
    offsets += widths
    return rows, positions, stored


# ---- Bucketizer

def _valid_splits(splits) -> bool:
    return len(splits) >= 3 and all(a < b for a, b in zip(splits, splits[1:]))


class _BucketizerParams(HasHandleInvalid, HasInputCol, HasOutputCol, HasInputCols, HasOutputCols):
    handleInvalid = _handle_invalid(
        "how to handle invalid entries containing NaN values. Values outside the splits will always be treated as "
        "errors. Options are 'skip' (filter out rows with invalid values), 'error' (throw an error), or 'keep' (keep "
        "invalid values in a special additional bucket). Note that in the multiple column case, the invalid handling "
        "is applied to all columns. That said for 'error' it will throw an error if any invalids are found in any "
        "column, for 'skip' it will skip rows with any invalids in any columns, etc.", ("error", "skip", "keep"))
    _defaults = {"handleInvalid": "error"}


class Bucketizer(_BucketizerParams, Transformer, DefaultParamsReadable, DefaultParamsWritable):
    """Maps continuous columns to bucket indices given by split points."""

    splits = Param(Params._dummy(), "splits", "Split points for mapping continuous features into buckets. With n+1 "
                   "splits, there are n buckets. A bucket defined by splits x,y holds values in the range [x,y) except "
                   "the last bucket, which also includes y. The splits should be of length >= 3 and strictly "
                   "increasing. Values at -inf, inf must be explicitly provided to cover all Double values; otherwise, "
                   "values outside the splits specified will be treated as errors.", TC.toListFloat, _valid_splits)
    splitsArray = Param(Params._dummy(), "splitsArray", "The array of split points for mapping continuous features "
                        "into buckets for multiple columns. For each input column, with n+1 splits, there are n "
                        "buckets. A bucket defined by splits x,y holds values in the range [x,y) except the last "
                        "bucket, which also includes y. The splits should be of length >= 3 and strictly increasing. "
                        "Values at -inf, inf must be explicitly provided to cover all Double values; otherwise, values "
                        "outside the splits specified will be treated as errors.", TC.toListListFloat,
                        lambda value: all(_valid_splits(s) for s in value))

    def _splits_per_column(self, multi: bool, count: int) -> list:
        if not multi:
            return [self.getSplits()]
        splits = self.getSplitsArray()
        if len(splits) != count:
            raise IllegalArgumentException(f"requirement failed: {self.uid}: splitsArray has {len(splits)} arrays "
                                           f"of splits for {count} input columns.")
        return splits

    def _transform(self, dataset):
        inputs, outputs, multi = input_output_columns(self)
        splits = [np.asarray(s, dtype=np.float64) for s in self._splits_per_column(multi, len(inputs))]
        for name in inputs:
            numeric_column(self, dataset, name)
        new_columns(self, dataset, outputs)
        handle = self.getHandleInvalid()
        if handle == "skip":
            dataset = dataset.na.drop(subset=inputs)

        def compute(batch):
            return [_bucketize(batch.column(batch.schema.get_field_index(name)), edges, handle == "keep")
                    for name, edges in zip(inputs, splits)]
        return append_columns(dataset, [T.StructField(o, T.DoubleType(), True) for o in outputs], compute)


def _bucketize(column, splits: np.ndarray, keep: bool) -> pa.Array:
    values, valid = doubles(column)
    nan = np.isnan(values) & valid
    if nan.any() and not keep:
        raise task_error("Bucketizer encountered NaN value. To handle or skip NaNs, try setting "
                         "Bucketizer.handleInvalid.")
    buckets = np.searchsorted(splits, values, side="right") - 1
    buckets[values == splits[-1]] = len(splits) - 2
    outside = valid & ~nan & ((buckets < 0) | (buckets > len(splits) - 2))
    if outside.any():
        value = values[np.flatnonzero(outside)[0]]
        raise task_error(f"Feature value {java_double(value)} out of Bucketizer bounds [{java_double(splits[0])}, "
                         f"{java_double(splits[-1])}]. Check your features, or loosen the lower/upper bound "
                         "constraints.")
    buckets = np.where(nan, len(splits) - 1, buckets).astype(np.float64)
    return pa.array(buckets, mask=~valid)


# ---- QuantileDiscretizer

class QuantileDiscretizer(_BucketizerParams, HasRelativeError, Estimator, DefaultParamsReadable,
                          DefaultParamsWritable):
    """Fits a ``Bucketizer`` whose splits are approximate quantiles of each input column."""

    handleInvalid = _handle_invalid(
        "how to handle invalid entries. Options are skip (filter out rows with invalid values), error (throw an "
        "error), or keep (keep invalid values in a special additional bucket). Note that in the multiple columns "
        "case, the invalid handling is applied to all columns. That said for 'error' it will throw an error if any "
        "invalids are found in any columns, for 'skip' it will skip rows with any invalids in any columns, etc.",
        ("error", "skip", "keep"))
    numBuckets = Param(Params._dummy(), "numBuckets", "Maximum number of buckets (quantiles, or categories) into "
                       "which data points are grouped. Must be >= 2.", TC.toInt, at_least(2))
    numBucketsArray = Param(Params._dummy(), "numBucketsArray", "Array of number of buckets (quantiles, or "
                            "categories) into which data points are grouped. This is for multiple columns input. If "
                            "transforming multiple columns and numBucketsArray is not set, but numBuckets is set, "
                            "then numBuckets will be applied across all columns.", TC.toListInt,
                            lambda value: all(v >= 2 for v in value))
    _defaults = {"numBuckets": 2}

    def _fit(self, dataset) -> Bucketizer:
        inputs, outputs, multi = input_output_columns(self)
        for name in inputs:
            numeric_column(self, dataset, name)
        counts = (self.getNumBucketsArray() if multi and self.isSet(self.numBucketsArray)
                  else [self.getNumBuckets()] * len(inputs))
        if len(counts) != len(inputs):
            raise IllegalArgumentException(f"requirement failed: {self.uid}: numBucketsArray has {len(counts)} "
                                           f"values for {len(inputs)} input columns.")
        probabilities = sorted({i / n for n in counts for i in range(n + 1)})
        quantiles = dataset.approxQuantile(inputs, probabilities, self.getRelativeError())
        splits = []
        for name, n, values in zip(inputs, counts, quantiles):
            if not values:
                raise IllegalArgumentException(f"{self.uid}: column {name} has no values that are not null or NaN to "
                                               "compute quantiles of")
            at = dict(zip(probabilities, values))
            splits.append(_distinct_splits([at[i / n] for i in range(n + 1)]))
        handle = self.getHandleInvalid()
        if multi:
            return Bucketizer(splitsArray=splits, inputCols=inputs, outputCols=outputs, handleInvalid=handle)
        return Bucketizer(splits=splits[0], inputCol=inputs[0], outputCol=outputs[0], handleInvalid=handle)


def _distinct_splits(quantiles: list) -> list:
    """Spark's splits from quantiles: infinite ends, ``-0.0`` as ``0.0``, each value once."""
    values = [-math.inf] + [v + 0.0 for v in quantiles[1:-1]] + [math.inf]
    return list(dict.fromkeys(values))


# ---- Imputer

class _ImputerParams(HasInputCol, HasInputCols, HasOutputCol, HasOutputCols, HasRelativeError):
    strategy = Param(Params._dummy(), "strategy", "strategy for imputation. If mean, then replace missing values "
                     "using the mean value of the feature. If median, then replace missing values using the median "
                     "value of the feature. If mode, then replace missing using the most frequent value of the "
                     "feature.", TC.toString, one_of("mean", "median", "mode"))
    missingValue = Param(Params._dummy(), "missingValue", "The placeholder for the missing values. All occurrences of "
                         "missingValue will be imputed.", TC.toFloat)
    _defaults = {"strategy": "mean", "missingValue": math.nan}


class Imputer(_ImputerParams, Estimator, DefaultParamsReadable, DefaultParamsWritable):
    """Fills missing values (null, NaN or ``missingValue``) with each column's mean, median or mode."""

    def _fit(self, dataset) -> "ImputerModel":
        inputs, _, _ = input_output_columns(self)
        for name in inputs:
            numeric_column(self, dataset, name)
        missing = self.getMissingValue()
        present = dataset.select(*[_present(F.col(c).cast("double"), missing).alias(c) for c in inputs])
        strategy = self.getStrategy()
        if strategy == "mean":
            row = present.agg(*[F.avg(c).alias(c) for c in inputs]).first()
            surrogates = [row[c] for c in inputs]
        elif strategy == "median":
            surrogates = [v[0] if v else None for v in present.approxQuantile(inputs, [0.5], self.getRelativeError())]
        else:
            surrogates = [_mode(present, c) for c in inputs]
        for name, value in zip(inputs, surrogates):
            if value is None or math.isnan(value):
                raise IllegalArgumentException(f"surrogate cannot be computed. All the values in {name} are Null, Nan "
                                               f"or missingValue({java_double(missing)})")
        return ImputerModel(dict(zip(inputs, map(float, surrogates))))._with_parent(self)


def _present(value, missing: float):
    """``value`` where it is not missing, else null."""
    kept = ~F.isnan(value) if math.isnan(missing) else ~F.isnan(value) & (value != missing)
    return F.when(kept, value)


def _mode(present, name: str):
    row = present.where(F.col(name).isNotNull()).groupBy(name).count().orderBy(F.desc("count"), F.asc(name)).first()
    return None if row is None else row[0]


class ImputerModel(_ImputerParams, Model, DefaultParamsReadable, DefaultParamsWritable):
    """Replaces missing values by the surrogates ``Imputer`` computed (``surrogateDF``)."""

    def __init__(self, surrogates: dict | None = None):
        super().__init__()
        self._surrogates = dict(surrogates or {})

    @property
    def surrogateDF(self):
        """One row: each input column's surrogate, as a double column of the same name."""
        from sparklite.sql import SparkSession
        names = list(self._surrogates)
        schema = T.StructType([T.StructField(n, T.DoubleType(), True) for n in names])
        return SparkSession.getActiveSession().createDataFrame([tuple(self._surrogates[n] for n in names)], schema)

    def _transform(self, dataset):
        inputs, outputs, _ = input_output_columns(self)
        types = [numeric_column(self, dataset, name) for name in inputs]
        new_columns(self, dataset, outputs)
        missing = self.getMissingValue()
        unknown = [name for name in inputs if name not in self._surrogates]
        if unknown:
            raise IllegalArgumentException(f"{self.uid}: no surrogate for column(s) {', '.join(unknown)}: the model "
                                           f"was fitted on {', '.join(self._surrogates)}")
        surrogates = [self._surrogates[name] for name in inputs]
        arrow_types = [T.to_arrow_type(t) for t in types]

        def compute(batch):
            out = []
            for name, surrogate, arrow_type in zip(inputs, surrogates, arrow_types):
                values, valid = doubles(batch.column(batch.schema.get_field_index(name)))
                replace = np.isnan(values) if math.isnan(missing) else ~valid | (values == missing)
                out.append(pa.array(np.where(replace, surrogate, values)).cast(arrow_type, safe=False))
            return out
        return append_columns(dataset, [T.StructField(o, t, True) for o, t in zip(outputs, types)], compute)

    def _save_extra(self, path: str) -> None:
        write_data(path, pa.table({name: [value] for name, value in self._surrogates.items()}))

    def _load_extra(self, path: str, metadata: dict) -> None:
        self._surrogates = {name: values[0] for name, values in read_data(path).to_pydict().items()}


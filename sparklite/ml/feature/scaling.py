"""Rescaling feature vectors: ``StandardScaler``, ``MinMaxScaler``, ``MaxAbsScaler``, ``Normalizer``
and ``PCA``, with Spark's parameters, outputs and fitted attributes.

Contract:
* Fitting is one distributed pass over the input vector column (``Instances.aggregate``): per
  partition a count and per-feature statistics (mean and centred sum of squares, merged with Chan's
  formula; minimum and maximum ignoring NaN; for PCA the centred scatter matrix), merged on the
  driver into the model. The data never comes to the driver.
* The fitted vectors are stored as Spark stores them, ``compressed`` (sparse when that is smaller):
  ``StandardScalerModel.mean``/``std``, ``MinMaxScalerModel.originalMin``/``originalMax``,
  ``MaxAbsScalerModel.maxAbs``; ``PCAModel.pc`` is a dense ``numFeatures x k`` matrix and
  ``explainedVariance`` the share of the covariance's trace each component holds.
* Transforms run on whole Arrow batches. Where Spark keeps the input's layout (``StandardScaler``
  without ``withMean``, ``MaxAbsScaler``, ``Normalizer``) only the values buffer is rescaled, so a
  sparse vector stays sparse with the same indices; ``withMean`` and ``PCA`` give dense vectors;
  ``MinMaxScaler`` gives each row dense or sparse by Spark's ``compressed`` rule. A NULL vector stays
  NULL. A vector of another size than the model's raises ``requirement failed: Number of features
  must be <model's> but got <row's>.``
* Spark's numerics: the sample standard deviation (n - 1, 0 for one row), a zero std scales by 0,
  a constant feature min-max scales to ``(min + max) / 2`` (NaN stays NaN), a zero max-abs scales by
  1, a zero-norm vector is left as it is; PCA's components are the left singular vectors of the
  covariance matrix as LAPACK's ``gesdd`` gives them (Spark's signs).
"""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sparklite.ml.base import Estimator, Model, Transformer, append_columns, require_column, require_new_column
from sparklite.ml.functions import matrix_to_vectors, vector_sizes, vectors_to_matrix
from sparklite.ml.instances import Instances
from sparklite.ml.linalg import DenseMatrix, DenseVector, SparseVector, VectorUDT
from sparklite.ml.param import Param, Params, TypeConverters as TC
from sparklite.ml.param.shared import HasInputCol, HasOutputCol, at_least
from sparklite.ml.util import (DefaultParamsReadable, DefaultParamsWritable, MLReadable, MLWritable, read_data,
                               write_data)
from sparklite.sql import types as T
from sparklite.sql.errors import IllegalArgumentException

__all__ = ["StandardScaler", "StandardScalerModel", "MinMaxScaler", "MinMaxScalerModel", "MaxAbsScaler",
           "MaxAbsScalerModel", "Normalizer", "PCA", "PCAModel", "FlatVectors", "check_sizes", "compressed",
           "scale_vectors", "vector_array"]

_VECTOR_ARROW = T.to_arrow_type(VectorUDT())
_INDICES = pa.list_(pa.field("element", pa.int32(), False))
_VALUES = pa.list_(pa.field("element", pa.float64(), False))


# ---- vector columns as flat Arrow buffers

def _sparse_is_smaller(nnz, size):
    """Spark's ``Vector.compressed`` choice, as PySpark 4.3 makes it (``compressed`` in the golden file):
    sparse when its 12 bytes a non-zero cost less than a dense vector's 8 bytes a value, with 16 to spare."""
    return 12 * nnz + 16 < 8 * size


def compressed(values) -> DenseVector | SparseVector:
    """Spark's ``Vector.compressed``: the values as a sparse vector when that is smaller, else dense."""
    values = np.asarray(values, dtype=np.float64)
    nonzero = np.flatnonzero(values != 0)
    if _sparse_is_smaller(len(nonzero), len(values)):
        return SparseVector(len(values), nonzero, values[nonzero])
    return DenseVector(values)


def vector_array(kinds, sizes, counts, indices, values, mask=None) -> pa.StructArray:
    """A ``VectorUDT`` Arrow column: per row its kind (1 dense, 0 sparse), size (ignored for dense
    rows) and number of stored values; ``indices`` (sparse rows' only) and ``values`` end to end."""
    kinds = np.asarray(kinds, dtype=np.int8)
    dense = kinds == 1
    counts = np.asarray(counts, dtype=np.int64)
    offsets = pa.array(np.concatenate([[0], np.cumsum(counts)]).astype(np.int32))
    index_offsets = np.concatenate([[0], np.cumsum(np.where(dense, 0, counts))]).astype(np.int32)
    index_list = pa.ListArray.from_arrays(pa.array(index_offsets), pa.array(np.asarray(indices, dtype=np.int32)),
                                          mask=pa.array(dense) if dense.any() else None)
    value_list = pa.ListArray.from_arrays(offsets, pa.array(np.asarray(values, dtype=np.float64)))
    return pa.StructArray.from_arrays(
        [pa.array(kinds), pa.array(np.where(dense, 0, sizes).astype(np.int32), mask=dense),
         index_list.cast(_INDICES), value_list.cast(_VALUES)],
        fields=list(_VECTOR_ARROW), mask=mask)


class FlatVectors:
    """A ``VectorUDT`` Arrow column's stored values end to end, with each value's row and feature."""

    def __init__(self, vectors: pa.Array):
        if isinstance(vectors, pa.ChunkedArray):
            vectors = vectors.combine_chunks()
        self.vectors = vectors
        self.kinds = vectors.field("type").to_numpy(zero_copy_only=False)
        self.valid = vectors.is_valid().to_numpy(zero_copy_only=False)
        values = vectors.field("values")
        self.counts = pc.list_value_length(values).fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
        self.values = values.flatten().to_numpy(zero_copy_only=False).astype(np.float64)
        self.rows = np.repeat(np.arange(len(vectors)), self.counts)
        starts = np.concatenate([[0], np.cumsum(self.counts)[:-1]]).astype(np.int64)
        self.features = np.arange(len(self.values)) - starts[self.rows] if len(self.values) else self.rows
        sparse = self.kinds[self.rows] == 0
        if sparse.any():
            self.features[sparse] = vectors.field("indices").flatten().to_numpy(zero_copy_only=False)

    def sizes(self) -> np.ndarray:
        return vector_sizes(self.vectors)

    def with_values(self, values: np.ndarray) -> pa.StructArray:
        """The same vectors (kinds, sizes, indices) holding ``values``."""
        offsets = self.vectors.field("values").offsets
        start = offsets[0].as_py()
        rebased = pc.subtract(offsets, start) if start else offsets
        new_values = pa.ListArray.from_arrays(rebased, pa.array(values, pa.float64())).cast(_VALUES)
        fields = [self.vectors.field(name) for name in ("type", "size", "indices")] + [new_values]
        mask = None if self.valid.all() else pa.array(~self.valid)
        return pa.StructArray.from_arrays(fields, fields=list(_VECTOR_ARROW), mask=mask)


def scale_vectors(vectors: pa.Array, factors: np.ndarray, expected: int | None = None) -> pa.StructArray:
    """Every stored value times its feature's factor; a sparse vector keeps its indices."""
    flat = FlatVectors(vectors)
    if expected is not None:
        check_sizes(flat.sizes(), expected)
    return flat.with_values(flat.values * factors[flat.features] if len(flat.values) else flat.values)


def check_sizes(sizes: np.ndarray, expected: int) -> None:
    """Spark's error for the first vector whose size is not ``expected`` (NULL vectors, size -1, pass)."""
    wrong = np.flatnonzero((sizes != expected) & (sizes >= 0))
    if len(wrong):
        raise IllegalArgumentException(f"requirement failed: Number of features must be {expected} but got "
                                       f"{sizes[wrong[0]]}.")


def _dense_rows(vectors: pa.Array, expected: int) -> tuple[np.ndarray, pa.Array | None]:
    """The non-NULL vectors as an ``n x expected`` matrix (NULL rows as zeros) and the NULL mask."""
    if isinstance(vectors, pa.ChunkedArray):
        vectors = vectors.combine_chunks()
    check_sizes(vector_sizes(vectors), expected)
    if not vectors.null_count:
        return vectors_to_matrix(vectors, expected), None
    valid = vectors.is_valid().to_numpy(zero_copy_only=False)
    matrix = np.zeros((len(vectors), expected))
    matrix[valid] = vectors_to_matrix(vectors.filter(pa.array(valid)), expected)
    return matrix, pa.array(~valid)


def _compressed_rows(matrix: np.ndarray, mask=None) -> pa.StructArray:
    """One vector per row, each dense or sparse by Spark's ``compressed`` rule."""
    n, size = matrix.shape
    nonzero = matrix != 0
    nnz = nonzero.sum(axis=1)
    sparse = _sparse_is_smaller(nnz, size)
    stored = np.where(sparse[:, None], nonzero, True)
    rows, columns = np.nonzero(stored)
    is_sparse_value = sparse[rows]
    return vector_array(np.where(sparse, 0, 1), np.full(n, size), stored.sum(axis=1), columns[is_sparse_value],
                        matrix[rows, columns], mask)


def _with_mask(array: pa.StructArray, mask) -> pa.StructArray:
    if mask is None:
        return array
    return pa.StructArray.from_arrays([array.field(i) for i in range(array.type.num_fields)],
                                      fields=list(array.type), mask=mask)


# ---- fitting

class _VectorStage(HasInputCol, HasOutputCol):
    """A stage from one vector column to a new vector column."""

    def _check_input(self, dataset) -> None:
        require_column(self, dataset, self.getInputCol(), VectorUDT)
        require_new_column(self, dataset, self.getOutputCol())

    def _append(self, dataset, compute):
        self._check_input(dataset)
        column = self.getInputCol()
        field = T.StructField(self.getOutputCol(), VectorUDT(), True)
        return append_columns(dataset, [field], lambda batch: [compute(batch.column(column))])


def _statistics(stage, dataset, seq_op, comb_op):
    """``comb_op`` of ``seq_op`` over every partition's rows of the stage's input vectors."""
    stage._check_input(dataset)
    with Instances(dataset, stage, stage.getInputCol()) as data:
        if data.count == 0:
            raise IllegalArgumentException(f"{stage.uid}: requirement failed: column {stage.getInputCol()} has no "
                                           "rows to fit on")
        return data.aggregate(seq_op, comb_op, f"{type(stage).__name__} statistics")


def _moments(chunk) -> tuple:
    """Rows, mean and centred sum of squares of a chunk's features."""
    X = chunk.X
    if len(X) == 0:
        return 0, np.zeros(X.shape[1]), np.zeros(X.shape[1])
    mean = X.mean(axis=0)
    return len(X), mean, ((X - mean) ** 2).sum(axis=0)


def _merge_moments(a: tuple, b: tuple) -> tuple:
    (n1, mean1, m1), (n2, mean2, m2) = a, b
    if n1 == 0 or n2 == 0:
        return b if n1 == 0 else a
    n = n1 + n2
    delta = mean2 - mean1
    return n, mean1 + delta * (n2 / n), m1 + m2 + delta * delta * (n1 * n2 / n)


def _extremes(chunk) -> tuple:
    X = chunk.X
    if len(X) == 0:
        return np.full(X.shape[1], np.nan), np.full(X.shape[1], np.nan)
    return np.fmin.reduce(X, axis=0), np.fmax.reduce(X, axis=0)


def _merge_extremes(a: tuple, b: tuple) -> tuple:
    return np.fmin(a[0], b[0]), np.fmax(a[1], b[1])


def _vector_column(vector) -> list:
    return vector.toArray().tolist()


# ---- StandardScaler

class _StandardScalerParams(_VectorStage):
    withMean = Param(Params._dummy(), "withMean", "Center data with mean", TC.toBoolean)
    withStd = Param(Params._dummy(), "withStd", "Scale to unit standard deviation", TC.toBoolean)
    _defaults = {"withMean": False, "withStd": True}


class StandardScaler(_StandardScalerParams, Estimator, DefaultParamsReadable, DefaultParamsWritable):
    """Standardizes features by the mean and the sample standard deviation of the training rows."""

    def _fit(self, dataset) -> "StandardScalerModel":
        n, mean, squares = _statistics(self, dataset, _moments, _merge_moments)
        std = np.sqrt(squares / (n - 1)) if n > 1 else np.zeros_like(mean)
        return StandardScalerModel(compressed(std), compressed(mean))._with_parent(self)


class StandardScalerModel(_StandardScalerParams, Model, MLReadable, MLWritable):
    """A fitted ``StandardScaler``: ``mean`` and ``std`` per feature."""

    def __init__(self, std=None, mean=None):
        super().__init__()
        self.std = std if std is not None else DenseVector([])
        self.mean = mean if mean is not None else DenseVector([])

    def _transform(self, dataset):
        size, with_mean, with_std = len(self.mean), self.getWithMean(), self.getWithStd()
        std = self.std.toArray()
        scale = np.divide(1.0, std, out=np.zeros_like(std), where=std != 0)
        shift = self.mean.toArray()

        def compute(vectors):
            if not with_mean:
                return scale_vectors(vectors, scale if with_std else np.ones(size), size)
            matrix, mask = _dense_rows(vectors, size)
            centred = matrix - shift
            return _with_mask(matrix_to_vectors(centred * scale if with_std else centred), mask)
        return self._append(dataset, compute)

    def _save_extra(self, path: str) -> None:
        write_data(path, pa.table({"std": [_vector_column(self.std)], "mean": [_vector_column(self.mean)]}))

    def _load_extra(self, path: str, metadata: dict) -> None:
        row = read_data(path).to_pylist()[0]
        self.std, self.mean = compressed(row["std"]), compressed(row["mean"])


# ---- MinMaxScaler

class _MinMaxScalerParams(_VectorStage):
    min = Param(Params._dummy(), "min", "Lower bound of the output feature range", TC.toFloat)
    max = Param(Params._dummy(), "max", "Upper bound of the output feature range", TC.toFloat)
    _defaults = {"min": 0.0, "max": 1.0}

    def _check_input(self, dataset) -> None:
        if not self.getMin() < self.getMax():
            raise IllegalArgumentException(f"requirement failed: The specified min({self.getMin()}) is larger or "
                                           f"equal to max({self.getMax()})")
        super()._check_input(dataset)


class MinMaxScaler(_MinMaxScalerParams, Estimator, DefaultParamsReadable, DefaultParamsWritable):
    """Rescales each feature linearly to ``[min, max]`` from its range in the training rows."""

    def _fit(self, dataset) -> "MinMaxScalerModel":
        low, high = _statistics(self, dataset, _extremes, _merge_extremes)
        return MinMaxScalerModel(compressed(low), compressed(high))._with_parent(self)


class MinMaxScalerModel(_MinMaxScalerParams, Model, MLReadable, MLWritable):
    """A fitted ``MinMaxScaler``: ``originalMin`` and ``originalMax`` per feature."""

    def __init__(self, originalMin=None, originalMax=None):
        super().__init__()
        self.originalMin = originalMin if originalMin is not None else DenseVector([])
        self.originalMax = originalMax if originalMax is not None else DenseVector([])

    def _transform(self, dataset):
        low, high = self.originalMin.toArray(), self.originalMax.toArray()
        target_min, target_max = self.getMin(), self.getMax()
        span = high - low
        scale = np.divide(target_max - target_min, span, out=np.zeros_like(span), where=span != 0)
        constant = (target_min + target_max) / 2

        def compute(vectors):
            matrix, mask = _dense_rows(vectors, len(low))
            scaled = np.where(scale != 0, (matrix - low) * scale + target_min, constant)
            return _compressed_rows(np.where(np.isnan(matrix), matrix, scaled), mask)
        return self._append(dataset, compute)

    def _save_extra(self, path: str) -> None:
        write_data(path, pa.table({"originalMin": [_vector_column(self.originalMin)],
                                   "originalMax": [_vector_column(self.originalMax)]}))

    def _load_extra(self, path: str, metadata: dict) -> None:
        row = read_data(path).to_pylist()[0]
        self.originalMin, self.originalMax = compressed(row["originalMin"]), compressed(row["originalMax"])


# ---- MaxAbsScaler

class MaxAbsScaler(_VectorStage, Estimator, DefaultParamsReadable, DefaultParamsWritable):
    """Divides each feature by its largest absolute value in the training rows (sparsity kept)."""

    def _fit(self, dataset) -> "MaxAbsScalerModel":
        low, high = _statistics(self, dataset, _extremes, _merge_extremes)
        return MaxAbsScalerModel(compressed(np.fmax(np.abs(low), np.abs(high))))._with_parent(self)


class MaxAbsScalerModel(_VectorStage, Model, MLReadable, MLWritable):
    """A fitted ``MaxAbsScaler``: ``maxAbs`` per feature."""

    def __init__(self, maxAbs=None):
        super().__init__()
        self.maxAbs = maxAbs if maxAbs is not None else DenseVector([])

    def _transform(self, dataset):
        largest = self.maxAbs.toArray()
        scale = np.divide(1.0, largest, out=np.ones_like(largest), where=largest != 0)
        return self._append(dataset, lambda vectors: scale_vectors(vectors, scale, len(largest)))

    def _save_extra(self, path: str) -> None:
        write_data(path, pa.table({"maxAbs": [_vector_column(self.maxAbs)]}))

    def _load_extra(self, path: str, metadata: dict) -> None:
        self.maxAbs = compressed(read_data(path).to_pylist()[0]["maxAbs"])


# ---- Normalizer

class Normalizer(_VectorStage, Transformer, DefaultParamsReadable, DefaultParamsWritable):
    """Scales each vector to unit ``p``-norm (a zero vector stays as it is)."""

    p = Param(Params._dummy(), "p", "the p norm value.", TC.toFloat, at_least(1))
    _defaults = {"p": 2.0}

    def _transform(self, dataset):
        p = self.getP()

        def compute(vectors):
            flat = FlatVectors(vectors)
            norms = _row_norms(flat, p)
            divisor = np.where(norms == 0, 1.0, norms)[flat.rows]
            return flat.with_values(flat.values / divisor if len(flat.values) else flat.values)
        return self._append(dataset, compute)


def _row_norms(flat: FlatVectors, p: float) -> np.ndarray:
    magnitude = np.abs(flat.values)
    rows = len(flat.counts)
    if p == np.inf:
        norms = np.zeros(rows)
        np.maximum.at(norms, flat.rows, magnitude)
        return norms
    powered = {1.0: magnitude, 2.0: magnitude * magnitude}.get(p)
    sums = np.bincount(flat.rows, weights=magnitude ** p if powered is None else powered, minlength=rows)
    return sums if p == 1.0 else np.sqrt(sums) if p == 2.0 else sums ** (1.0 / p)


# ---- PCA

class _PCAParams(_VectorStage):
    k = Param(Params._dummy(), "k", "the number of principal components", TC.toInt, lambda value: value > 0)


def _scatter(chunk) -> tuple:
    """Rows, mean and centred scatter matrix of a chunk's features."""
    X = chunk.X
    if len(X) == 0:
        return 0, np.zeros(X.shape[1]), np.zeros((X.shape[1], X.shape[1]))
    mean = X.mean(axis=0)
    centred = X - mean
    return len(X), mean, centred.T @ centred


def _merge_scatter(a: tuple, b: tuple) -> tuple:
    (n1, mean1, s1), (n2, mean2, s2) = a, b
    if n1 == 0 or n2 == 0:
        return b if n1 == 0 else a
    n = n1 + n2
    delta = mean2 - mean1
    return n, mean1 + delta * (n2 / n), s1 + s2 + np.outer(delta, delta) * (n1 * n2 / n)


class PCA(_PCAParams, Estimator, DefaultParamsReadable, DefaultParamsWritable):
    """Projects vectors onto their top ``k`` principal components."""

    def _fit(self, dataset) -> "PCAModel":
        k = self.getK()
        n, _, scatter = _statistics(self, dataset, _scatter, _merge_scatter)
        size = scatter.shape[0]
        if k > size:
            raise IllegalArgumentException(f"requirement failed: source vector size {size} must be no less than "
                                           f"k={k}")
        covariance = scatter / (n - 1) if n > 1 else np.zeros_like(scatter)
        u, s, _ = np.linalg.svd(covariance)
        total = s.sum()
        shares = s / total if total else np.zeros_like(s)
        pc = DenseMatrix(size, k, np.asfortranarray(u[:, :k]).ravel(order="F"))
        return PCAModel(pc, DenseVector(shares[:k]))._with_parent(self)


class PCAModel(_PCAParams, Model, MLReadable, MLWritable):
    """A fitted ``PCA``: ``pc`` (features x k, one component a column) and ``explainedVariance``."""

    def __init__(self, pc=None, explainedVariance=None):
        super().__init__()
        self.pc = pc if pc is not None else DenseMatrix(0, 0, [])
        self.explainedVariance = explainedVariance if explainedVariance is not None else DenseVector([])

    def _transform(self, dataset):
        components = self.pc.toArray()

        def compute(vectors):
            matrix, mask = _dense_rows(vectors, components.shape[0])
            return _with_mask(matrix_to_vectors(matrix @ components), mask)
        return self._append(dataset, compute)

    def _save_extra(self, path: str) -> None:
        write_data(path, pa.table({"numRows": [self.pc.numRows], "numCols": [self.pc.numCols],
                                   "values": [self.pc.toArray().ravel(order="F").tolist()],
                                   "explainedVariance": [_vector_column(self.explainedVariance)]}))

    def _load_extra(self, path: str, metadata: dict) -> None:
        row = read_data(path).to_pylist()[0]
        self.pc = DenseMatrix(row["numRows"], row["numCols"], row["values"])
        self.explainedVariance = DenseVector(row["explainedVariance"])

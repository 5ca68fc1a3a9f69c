"""``pyspark.ml.functions``: ``vector_to_array`` and ``array_to_vector``, and the whole-batch
conversions between vector columns and numpy matrices the ML stages compute with.

Contract:
* ``vector_to_array(col, dtype="float64")`` is a column of ``array<double>`` (or ``array<float>``)
  holding each vector's values, sparse ones filled with zeros; ``array_to_vector(col)`` makes
  dense vectors of an array column. NULL stays NULL.
* ``vectors_to_matrix(array, size)`` reads a ``VectorUDT`` Arrow column as an ``n x size`` float64
  matrix: a column of dense vectors of one size is one reshape of its values buffer, without a copy
  when it can; sparse vectors are scattered in. A vector of another size raises naming both sizes
  (``mismatched`` names the column and the stage). ``matrix_to_vectors(matrix)`` is the inverse, a
  column of dense vectors.
"""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sparklite.ml.linalg import VectorUDT
from sparklite.sql import types as T
from sparklite.sql.udf import arrow_udf

__all__ = ["vector_to_array", "array_to_vector", "vectors_to_matrix", "matrix_to_vectors", "vector_sizes"]

_VECTOR_ARROW = T.to_arrow_type(VectorUDT())


def vector_sizes(vectors: pa.Array) -> np.ndarray:
    """Each vector's size (-1 for NULL)."""
    kinds = vectors.field("type").to_numpy(zero_copy_only=False)
    values = vectors.field("values")
    lengths = pc.list_value_length(values).fill_null(0).to_numpy(zero_copy_only=False)
    sizes = vectors.field("size").fill_null(0).to_numpy(zero_copy_only=False)
    result = np.where(kinds == 1, lengths, sizes).astype(np.int64)
    if vectors.null_count:
        result[~vectors.is_valid().to_numpy(zero_copy_only=False)] = -1
    return result


def vectors_to_matrix(vectors, size: int | None = None, what: str = "features") -> np.ndarray:
    """The vectors of a ``VectorUDT`` column as rows of a float64 matrix (see the module's contract)."""
    if isinstance(vectors, pa.ChunkedArray):
        vectors = vectors.combine_chunks() if vectors.num_chunks != 1 else vectors.chunk(0)
    n = len(vectors)
    if vectors.null_count:
        raise ValueError(f"{what} has {vectors.null_count} null vector(s): vectors must not be null")
    kinds = vectors.field("type").to_numpy(zero_copy_only=False)
    values = vectors.field("values")
    flat = values.flatten().to_numpy(zero_copy_only=False)
    if n and (kinds == 1).all():
        width = len(flat) // n
        if width * n == len(flat) and (size is None or size == width) and \
                (pc.list_value_length(values).to_numpy(zero_copy_only=False) == width).all():
            return flat.reshape(n, width)
    sizes = vector_sizes(vectors)
    width = size if size is not None else (int(sizes.max()) if n else 0)
    wrong = np.flatnonzero(sizes != width)
    if len(wrong):
        raise ValueError(f"{what}: vector size {sizes[wrong[0]]} does not match the expected size {width} "
                         f"(row {wrong[0]} of its batch)")
    matrix = np.zeros((n, width))
    lengths = pc.list_value_length(values).to_numpy(zero_copy_only=False)
    rows = np.repeat(np.arange(n), lengths)
    dense = kinds[rows] == 1
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    positions = np.arange(len(flat)) - starts[rows]
    matrix[rows[dense], positions[dense]] = flat[dense]
    if (~dense).any():
        indices = vectors.field("indices").flatten().to_numpy(zero_copy_only=False)
        matrix[rows[~dense], indices] = flat[~dense]
    return matrix


def matrix_to_vectors(matrix: np.ndarray) -> pa.Array:
    """A column of dense vectors, one per row of ``matrix``."""
    n, width = matrix.shape
    values = pa.ListArray.from_arrays(pa.array(np.arange(n + 1, dtype=np.int32) * width),
                                      pa.array(np.ascontiguousarray(matrix, dtype=np.float64).ravel()))
    return pa.StructArray.from_arrays(
        [pa.array(np.ones(n, dtype=np.int8)), pa.nulls(n, pa.int32()), pa.nulls(n, pa.list_(pa.field("element", pa.int32(), False))),
         values.cast(pa.list_(pa.field("element", pa.float64(), False)))],
        fields=list(_VECTOR_ARROW))


def _to_arrays(dtype: str):
    element = {"float64": pa.float64(), "float32": pa.float32()}[dtype]

    def convert(vectors: pa.Array) -> pa.Array:
        if isinstance(vectors, pa.ChunkedArray):
            vectors = vectors.combine_chunks()
        sizes = vector_sizes(vectors)
        valid = sizes >= 0
        lengths = np.where(valid, sizes, 0)
        offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32)
        flat = np.zeros(offsets[-1])
        kinds = vectors.field("type").to_numpy(zero_copy_only=False)
        values = vectors.field("values")
        counts = pc.list_value_length(values).fill_null(0).to_numpy(zero_copy_only=False)
        rows = np.repeat(np.arange(len(vectors)), counts)
        stored = values.flatten().to_numpy(zero_copy_only=False)
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
        within = np.arange(len(stored)) - starts[rows]
        dense = kinds[rows] == 1
        flat[offsets[rows[dense]] + within[dense]] = stored[dense]
        if (~dense).any():
            indices = vectors.field("indices").flatten().to_numpy(zero_copy_only=False)
            flat[offsets[rows[~dense]] + indices] = stored[~dense]
        mask = pa.array(~valid) if not valid.all() else None
        return pa.ListArray.from_arrays(pa.array(offsets), pa.array(flat).cast(element), mask=mask)
    return convert


def vector_to_array(col, dtype: str = "float64"):
    """A column of arrays holding each vector's values (``dtype`` ``float64`` or ``float32``)."""
    if dtype not in ("float64", "float32"):
        raise ValueError(f"Unsupported dtype: {dtype}. Valid values: float64, float32.")
    element = T.DoubleType() if dtype == "float64" else T.FloatType()
    return arrow_udf(_to_arrays(dtype), T.ArrayType(element, False))(col)


def _to_vectors(arrays: pa.Array) -> pa.Array:
    if isinstance(arrays, pa.ChunkedArray):
        arrays = arrays.combine_chunks()
    lengths = pc.list_value_length(arrays).fill_null(0).to_numpy(zero_copy_only=False)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32)
    flat = arrays.flatten().cast(pa.float64())
    n = len(arrays)
    values = pa.ListArray.from_arrays(pa.array(offsets), flat).cast(pa.list_(pa.field("element", pa.float64(), False)))
    mask = pa.array(~arrays.is_valid().to_numpy(zero_copy_only=False)) if arrays.null_count else None
    return pa.StructArray.from_arrays(
        [pa.array(np.ones(n, dtype=np.int8)), pa.nulls(n, pa.int32()),
         pa.nulls(n, pa.list_(pa.field("element", pa.int32(), False))), values], fields=list(_VECTOR_ARROW), mask=mask)


def array_to_vector(col):
    """A column of dense vectors made of an array-of-numbers column."""
    return arrow_udf(_to_vectors, VectorUDT())(col)

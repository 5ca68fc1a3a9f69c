"""``pyspark.ml.linalg``: dense and sparse vectors and matrices, and their SQL types.

Contract:
* ``DenseVector`` holds a float64 numpy array; ``SparseVector`` a size, strictly increasing int32
  indices and float64 values. Both compare equal when their values are (a dense and a sparse
  vector too), hash as Spark's do, print as Spark prints them (``[1.0,2.0]``, ``(4,[1,3],[1.0,5.5])``)
  and pickle compactly. ``Vectors``/``Matrices`` are the factories; matrices are column-major.
* ``VectorUDT`` and ``MatrixUDT`` are the columns' types: a vector column holds Spark's struct
  ``<type: tinyint, size: int, indices: array<int>, values: array<double>>`` (type 1 dense, 0
  sparse), so a dense column's values lie end to end in one Arrow buffer and the ML kernels read a
  whole batch as an ``n x d`` numpy matrix without a Python object per row (``sparklite.ml.functions``).
"""
from __future__ import annotations

import struct

import numpy as np

from sparklite.sql.types import (ArrayType, BooleanType, ByteType, DoubleType, IntegerType, StructField, StructType,
                                 UserDefinedType)

__all__ = ["Vector", "DenseVector", "SparseVector", "Vectors", "Matrix", "DenseMatrix", "SparseMatrix", "Matrices",
           "VectorUDT", "MatrixUDT"]


def _short(value: float, digits: int = 4) -> str:
    """A float in a repr: rounded to ``digits`` places (PySpark's ``_format_float``)."""
    text = str(round(float(value), digits))
    return text[:text.index(".") + 1 + digits] if "." in text else text


def _java_hash(size: int, indices, values) -> int:
    """Spark's vector hash: over the size and the first 128 non-zero (index, value bits) pairs."""
    result = 31 + size
    taken = 0
    for index, value in zip(indices, values):
        if taken >= 128:
            break
        if value != 0:
            bits = struct.unpack("Q", struct.pack("d", float("nan") if np.isnan(value) else value))[0]
            result = 31 * (31 * result + int(index)) + (bits ^ (bits >> 32))
            taken += 1
    return result


def _as_vector(value) -> "Vector":
    if isinstance(value, Vector):
        return value
    if isinstance(value, (list, tuple, range, np.ndarray)):
        return DenseVector(value)
    raise TypeError(f"Cannot convert type {type(value)} into Vector")


def _size_of(value) -> int:
    if isinstance(value, np.ndarray):
        if value.ndim == 1 or (value.ndim == 2 and value.shape[1] == 1):
            return len(value)
        raise ValueError(f"Cannot treat an ndarray of shape {value.shape} as a vector")
    if isinstance(value, (Vector, list, tuple, range)):
        return len(value)
    raise TypeError(f"Cannot treat type {type(value)} as a vector")


class VectorUDT(UserDefinedType):
    """The SQL type of a vector column (``df.schema["features"].dataType``)."""

    @classmethod
    def sqlType(cls) -> StructType:
        return StructType([StructField("type", ByteType(), False), StructField("size", IntegerType(), True),
                           StructField("indices", ArrayType(IntegerType(), False), True),
                           StructField("values", ArrayType(DoubleType(), False), True)])

    @classmethod
    def module(cls) -> str:
        return "sparklite.ml.linalg"

    @classmethod
    def scalaUDT(cls) -> str:
        return "org.apache.spark.ml.linalg.VectorUDT"

    def serialize(self, obj):
        if isinstance(obj, SparseVector):
            return (0, obj.size, obj.indices.tolist(), obj.values.tolist())
        if isinstance(obj, DenseVector):
            return (1, None, None, obj.array.tolist())
        raise TypeError(f"cannot serialize {obj!r} of type {type(obj)!r}")

    def deserialize(self, datum):
        kind, size, indices, values = datum
        if kind == 0:
            return SparseVector(size, indices, values)
        if kind == 1:
            return DenseVector(values)
        raise ValueError(f"do not recognize type {kind!r}")

    def simpleString(self) -> str:
        return "vector"


class MatrixUDT(UserDefinedType):
    """The SQL type of a matrix column (a multinomial model's coefficients)."""

    @classmethod
    def sqlType(cls) -> StructType:
        return StructType([StructField("type", ByteType(), False), StructField("numRows", IntegerType(), False),
                           StructField("numCols", IntegerType(), False),
                           StructField("colPtrs", ArrayType(IntegerType(), False), True),
                           StructField("rowIndices", ArrayType(IntegerType(), False), True),
                           StructField("values", ArrayType(DoubleType(), False), True),
                           StructField("isTransposed", BooleanType(), False)])

    @classmethod
    def module(cls) -> str:
        return "sparklite.ml.linalg"

    @classmethod
    def scalaUDT(cls) -> str:
        return "org.apache.spark.ml.linalg.MatrixUDT"

    def serialize(self, obj):
        if isinstance(obj, SparseMatrix):
            return (0, obj.numRows, obj.numCols, obj.colPtrs.tolist(), obj.rowIndices.tolist(), obj.values.tolist(),
                    bool(obj.isTransposed))
        if isinstance(obj, DenseMatrix):
            return (1, obj.numRows, obj.numCols, None, None, obj.values.tolist(), bool(obj.isTransposed))
        raise TypeError(f"cannot serialize type {type(obj)!r}")

    def deserialize(self, datum):
        kind, rows, cols, col_ptrs, row_indices, values, transposed = datum
        if kind == 0:
            return SparseMatrix(rows, cols, col_ptrs, row_indices, values, transposed)
        if kind == 1:
            return DenseMatrix(rows, cols, values, transposed)
        raise ValueError(f"do not recognize type {kind!r}")

    def simpleString(self) -> str:
        return "matrix"


class Vector:
    """A dense or sparse vector of doubles (``pyspark.mllib.linalg``'s vectors are the same classes)."""

    __UDT__ = VectorUDT()

    def asML(self) -> "Vector":
        """This vector as ``pyspark.ml.linalg`` has it: the same object here."""
        return self

    def toArray(self) -> np.ndarray:
        raise NotImplementedError

    def __len__(self) -> int:
        raise NotImplementedError


class DenseVector(Vector):
    """A vector of every value; arithmetic goes to its numpy array (``v + 1``, ``v * w``)."""

    def __init__(self, ar):
        if isinstance(ar, bytes):
            array = np.frombuffer(ar, dtype=np.float64)
        elif isinstance(ar, np.ndarray):
            array = ar if ar.dtype == np.float64 else ar.astype(np.float64)
        else:
            array = np.array(ar, dtype=np.float64)
        self.array = array

    def __reduce__(self):
        return DenseVector, (self.array.tobytes(),)

    @property
    def values(self) -> np.ndarray:
        return self.array

    def toArray(self) -> np.ndarray:
        return self.array

    def numNonzeros(self) -> int:
        return int(np.count_nonzero(self.array))

    def norm(self, p) -> float:
        return np.linalg.norm(self.array, p)

    def dot(self, other):
        if isinstance(other, np.ndarray):
            if other.ndim > 1:
                assert len(self) == other.shape[0], "dimension mismatch"
            return np.dot(self.array, other)
        assert len(self) == _size_of(other), "dimension mismatch"
        if isinstance(other, SparseVector):
            return other.dot(self)
        return np.dot(self.array, other.toArray() if isinstance(other, Vector) else other)

    def squared_distance(self, other):
        assert len(self) == _size_of(other), "dimension mismatch"
        if isinstance(other, SparseVector):
            return other.squared_distance(self)
        diff = self.array - (other.toArray() if isinstance(other, Vector) else np.asarray(other, dtype=np.float64))
        return np.dot(diff, diff)

    def __getitem__(self, item):
        return self.array[item]

    def __len__(self) -> int:
        return len(self.array)

    def __iter__(self):
        return iter(self.array)

    def __str__(self) -> str:
        return "[" + ",".join(str(v) for v in self.array) + "]"

    def __repr__(self) -> str:
        return "DenseVector([" + ", ".join(_short(v) for v in self.array) + "])"

    def __eq__(self, other) -> bool:
        if isinstance(other, DenseVector):
            return np.array_equal(self.array, other.array)
        if isinstance(other, SparseVector):
            return other == self
        return False

    def __ne__(self, other) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return _java_hash(len(self), range(len(self)), self.array)

    def __getattr__(self, item: str):
        if item == "array":      # not set yet (unpickling): no recursion
            raise AttributeError(item)
        return getattr(self.array, item)

    def __neg__(self) -> "DenseVector":
        return DenseVector(-self.array)


def _elementwise(op: str):
    def apply(self: DenseVector, other) -> DenseVector:
        return DenseVector(getattr(self.array, op)(other.array if isinstance(other, DenseVector) else other))
    apply.__name__ = op
    return apply


for _op in ("__add__", "__sub__", "__mul__", "__truediv__", "__mod__", "__radd__", "__rsub__", "__rmul__",
            "__rtruediv__", "__rmod__"):
    setattr(DenseVector, _op, _elementwise(_op))


class SparseVector(Vector):
    """A vector of its non-zero entries: ``SparseVector(4, {1: 1.0, 3: 5.5})``, ``SparseVector(4, [(1, 1.0),
    (3, 5.5)])`` or ``SparseVector(4, [1, 3], [1.0, 5.5])`` (indices strictly increasing)."""

    def __init__(self, size: int, *args):
        self.size = int(size)
        assert 1 <= len(args) <= 2, "must pass either 2 or 3 arguments"
        if len(args) == 1:
            pairs = sorted(args[0].items() if isinstance(args[0], dict) else args[0])
            self.indices = np.array([p[0] for p in pairs], dtype=np.int32)
            self.values = np.array([p[1] for p in pairs], dtype=np.float64)
        elif isinstance(args[0], bytes):
            self.indices = np.frombuffer(args[0], np.int32) if args[0] else np.array([], np.int32)
            self.values = np.frombuffer(args[1], np.float64) if args[1] else np.array([], np.float64)
        else:
            self.indices = np.array(args[0], dtype=np.int32)
            self.values = np.array(args[1], dtype=np.float64)
            assert len(self.indices) == len(self.values), "index and value arrays not same length"
            steps = np.flatnonzero(np.diff(self.indices) <= 0)
            if len(steps):
                first = steps[0]
                raise TypeError(f"Indices {self.indices[first]} and {self.indices[first + 1]} are not strictly "
                                "increasing")
        if self.indices.size:
            assert self.indices.max() < self.size, \
                f"Index {self.indices.max()} is out of the size of vector with size={self.size}"
            assert self.indices.min() >= 0, f"Contains negative index {self.indices.min()}"

    def __reduce__(self):
        return SparseVector, (self.size, self.indices.tobytes(), self.values.tobytes())

    def toArray(self) -> np.ndarray:
        array = np.zeros(self.size, dtype=np.float64)
        array[self.indices] = self.values
        return array

    def numNonzeros(self) -> int:
        return int(np.count_nonzero(self.values))

    def norm(self, p) -> float:
        return np.linalg.norm(self.values, p)

    def dot(self, other):
        if isinstance(other, np.ndarray):
            if other.ndim not in (1, 2):
                raise ValueError(f"Cannot call dot with {other.ndim}-dimensional array")
            assert len(self) == other.shape[0], "dimension mismatch"
            return np.dot(self.values, other[self.indices])
        assert len(self) == _size_of(other), "dimension mismatch"
        if isinstance(other, DenseVector):
            return np.dot(other.array[self.indices], self.values)
        if isinstance(other, SparseVector):
            common, mine, theirs = np.intersect1d(self.indices, other.indices, assume_unique=True,
                                                  return_indices=True)
            return np.float64(np.dot(self.values[mine], other.values[theirs])) if len(common) else np.float64(0.0)
        return self.dot(_as_vector(other))

    def squared_distance(self, other):
        assert len(self) == _size_of(other), "dimension mismatch"
        if isinstance(other, np.ndarray) and other.ndim != 1:
            raise ValueError(f"Cannot call squared_distance with {other.ndim}-dimensional array")
        other = other.toArray() if isinstance(other, Vector) else np.asarray(other, dtype=np.float64)
        diff = other.copy()
        diff[self.indices] -= self.values
        return np.dot(diff, diff)

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, index: int):
        if not isinstance(index, (int, np.integer)):
            raise TypeError(f"Indices must be of type integer, got type {type(index)}")
        if index >= self.size or index < -self.size:
            raise IndexError(f"Index {index} out of bounds.")
        index = index + self.size if index < 0 else index
        position = np.searchsorted(self.indices, index)
        if position < len(self.indices) and self.indices[position] == index:
            return self.values[position]
        return np.float64(0.0)

    def __str__(self) -> str:
        return (f"({self.size},[" + ",".join(str(i) for i in self.indices) + "],["
                + ",".join(str(v) for v in self.values) + "])")

    def __repr__(self) -> str:
        entries = ", ".join(f"{i}: {_short(v)}" for i, v in zip(self.indices, self.values))
        return f"SparseVector({self.size}, {{{entries}}})"

    def __eq__(self, other) -> bool:
        if isinstance(other, SparseVector):
            return (other.size == self.size and np.array_equal(other.indices, self.indices)
                    and np.array_equal(other.values, self.values))
        if isinstance(other, DenseVector):
            return self.size == len(other) and np.array_equal(self.toArray(), other.array)
        return False

    def __ne__(self, other) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return _java_hash(self.size, self.indices, self.values)


class Vectors:
    """Factories and helpers for vectors."""

    @staticmethod
    def dense(*elements) -> DenseVector:
        if len(elements) == 1 and not isinstance(elements[0], (float, int)):
            return DenseVector(elements[0])
        return DenseVector([float(e) for e in elements])

    @staticmethod
    def sparse(size: int, *args) -> SparseVector:
        return SparseVector(size, *args)

    @staticmethod
    def zeros(size: int) -> DenseVector:
        return DenseVector(np.zeros(size))

    @staticmethod
    def squared_distance(v1, v2):
        return _as_vector(v1).squared_distance(v2)

    @staticmethod
    def norm(vector, p):
        return _as_vector(vector).norm(p)

    @staticmethod
    def fromML(vector) -> "Vector":
        """A ``pyspark.ml.linalg`` vector as ``pyspark.mllib.linalg`` has it: the same object here."""
        return vector


class Matrix:
    """A matrix of doubles, column-major unless ``isTransposed``."""

    __UDT__ = MatrixUDT()

    def asML(self) -> "Matrix":
        return self

    def __init__(self, numRows: int, numCols: int, isTransposed: bool = False):
        self.numRows, self.numCols, self.isTransposed = int(numRows), int(numCols), bool(isTransposed)

    def toArray(self) -> np.ndarray:
        raise NotImplementedError


class DenseMatrix(Matrix):
    """Every value, column by column (row by row when ``isTransposed``)."""

    def __init__(self, numRows: int, numCols: int, values, isTransposed: bool = False):
        super().__init__(numRows, numCols, isTransposed)
        self.values = np.frombuffer(values, np.float64) if isinstance(values, bytes) \
            else np.asarray(values, dtype=np.float64)
        assert len(self.values) == self.numRows * self.numCols

    def __reduce__(self):
        return DenseMatrix, (self.numRows, self.numCols, self.values.tobytes(), int(self.isTransposed))

    def toArray(self) -> np.ndarray:
        order = "C" if self.isTransposed else "F"
        return self.values.reshape((self.numRows, self.numCols), order=order)

    def toSparse(self) -> "SparseMatrix":
        dense = self.toArray()
        rows, cols = np.nonzero(dense.T)
        col_ptrs = np.searchsorted(rows, np.arange(self.numCols + 1))
        return SparseMatrix(self.numRows, self.numCols, col_ptrs, cols, dense.T[rows, cols])

    def __getitem__(self, indices):
        i, j = indices
        if not (0 <= i < self.numRows and 0 <= j < self.numCols):
            raise IndexError(f"Index ({i}, {j}) out of bounds for a {self.numRows} x {self.numCols} matrix")
        return self.toArray()[i, j]

    def __str__(self) -> str:
        lines = repr(self.toArray()).splitlines()
        return "\n".join([lines[0].replace("array", "DenseMatrix")] + [" " * 6 + line for line in lines[1:]])

    def __repr__(self) -> str:
        values = [_short(v) for v in self.values] if len(self.values) < 17 else \
            [_short(v) for v in self.values[:8]] + ["..."] + [_short(v) for v in self.values[-8:]]
        return f"DenseMatrix({self.numRows}, {self.numCols}, [{', '.join(values)}], {self.isTransposed})"

    def __eq__(self, other) -> bool:
        if not isinstance(other, Matrix) or (self.numRows, self.numCols) != (other.numRows, other.numCols):
            return False
        return np.array_equal(self.toArray(), other.toArray())

    __hash__ = None


class SparseMatrix(Matrix):
    """Compressed sparse columns (rows when ``isTransposed``)."""

    def __init__(self, numRows: int, numCols: int, colPtrs, rowIndices, values, isTransposed: bool = False):
        super().__init__(numRows, numCols, isTransposed)
        self.colPtrs = np.asarray(colPtrs, dtype=np.int32)
        self.rowIndices = np.asarray(rowIndices, dtype=np.int32)
        self.values = np.asarray(values, dtype=np.float64)
        expected = (self.numRows if isTransposed else self.numCols) + 1
        if len(self.colPtrs) != expected:
            raise ValueError(f"Expected colPtrs of size {expected}, got {len(self.colPtrs)}.")
        if len(self.rowIndices) != len(self.values):
            raise ValueError(f"Expected rowIndices of length {len(self.values)}, got {len(self.rowIndices)}.")

    def __reduce__(self):
        return SparseMatrix, (self.numRows, self.numCols, self.colPtrs, self.rowIndices, self.values,
                              int(self.isTransposed))

    def toArray(self) -> np.ndarray:
        major = self.numRows if self.isTransposed else self.numCols
        owners = np.repeat(np.arange(major), np.diff(self.colPtrs))
        array = np.zeros((self.numRows, self.numCols))
        if self.isTransposed:
            array[owners, self.rowIndices] = self.values
        else:
            array[self.rowIndices, owners] = self.values
        return array

    def toDense(self) -> DenseMatrix:
        return DenseMatrix(self.numRows, self.numCols, self.toArray().ravel(order="F"))

    def __getitem__(self, indices):
        i, j = indices
        if not (0 <= i < self.numRows and 0 <= j < self.numCols):
            raise IndexError(f"Index ({i}, {j}) out of bounds for a {self.numRows} x {self.numCols} matrix")
        return self.toArray()[i, j]

    def __repr__(self) -> str:
        return (f"SparseMatrix({self.numRows}, {self.numCols}, {self.colPtrs.tolist()}, {self.rowIndices.tolist()}, "
                f"[{', '.join(_short(v) for v in self.values)}], {self.isTransposed})")

    def __eq__(self, other) -> bool:
        if not isinstance(other, Matrix) or (self.numRows, self.numCols) != (other.numRows, other.numCols):
            return False
        return np.array_equal(self.toArray(), other.toArray())

    __hash__ = None


class Matrices:
    """Factories for matrices."""

    @staticmethod
    def dense(numRows: int, numCols: int, values) -> DenseMatrix:
        return DenseMatrix(numRows, numCols, values)

    @staticmethod
    def sparse(numRows: int, numCols: int, colPtrs, rowIndices, values) -> SparseMatrix:
        return SparseMatrix(numRows, numCols, colPtrs, rowIndices, values)

    @staticmethod
    def fromML(matrix) -> Matrix:
        return matrix

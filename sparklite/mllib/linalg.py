"""``pyspark.mllib.linalg``: the vectors and matrices of ``sparklite.ml.linalg``, under the names
``pyspark.mllib`` users import. They are the same classes, so an mllib vector goes into a DataFrame
as it is (``asML`` and ``fromML`` are not needed to cross over)."""
from sparklite.ml.linalg import (DenseMatrix, DenseVector, Matrices, Matrix, MatrixUDT, SparseMatrix, SparseVector,
                                 Vector, Vectors, VectorUDT)

__all__ = ["Vector", "DenseVector", "SparseVector", "Vectors", "Matrix", "DenseMatrix", "SparseMatrix", "Matrices",
           "VectorUDT", "MatrixUDT"]

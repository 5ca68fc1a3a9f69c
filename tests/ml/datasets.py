"""scikit-learn's datasets with the reference's fixed split (``train_test_split(test_size=0.2,
random_state=0)``), as DataFrames of ``label`` and ``features`` (and the numpy arrays)."""
from __future__ import annotations

import functools

import numpy as np

from sparklite.ml.linalg import DenseVector, VectorUDT
from sparklite.sql import types as T

NAMES = ("iris", "breast_cancer", "wine", "digits")
SCHEMA = T.StructType([T.StructField("label", T.DoubleType()), T.StructField("features", VectorUDT())])


@functools.lru_cache(maxsize=None)
def split(name: str, scaled: bool = False):
    """(X_train, X_test, y_train, y_test); ``scaled`` standardizes with the training rows' statistics."""
    import sklearn.datasets
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler
    X, y = getattr(sklearn.datasets, f"load_{name}")(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=0)
    if scaled:
        scaler = StandardScaler().fit(X_train)
        X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    return X_train, X_test, y_train.astype(float), y_test.astype(float)


def frame(spark, X: np.ndarray, y: np.ndarray):
    """A DataFrame of ``label`` and dense ``features``, rows in the arrays' order."""
    return spark.createDataFrame([(float(label), DenseVector(row)) for row, label in zip(X, y)], SCHEMA)


def frames(spark, name: str, scaled: bool = False):
    X_train, X_test, y_train, y_test = split(name, scaled)
    return frame(spark, X_train, y_train), frame(spark, X_test, y_test)

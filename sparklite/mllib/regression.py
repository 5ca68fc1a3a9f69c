"""``pyspark.mllib.regression``: ``LabeledPoint``, a label and a features vector, the record every
mllib trainer of a supervised model reads."""
from __future__ import annotations

from sparklite.mllib.linalg import Vector, Vectors

__all__ = ["LabeledPoint", "as_vector"]


def as_vector(value) -> Vector:
    """A Vector as it is; a list, tuple, range or numpy array as a DenseVector."""
    if isinstance(value, Vector):
        return value
    if hasattr(value, "__len__"):
        return Vectors.dense(value)
    raise TypeError(f"Cannot convert type {type(value)} into Vector")


class LabeledPoint:
    """A labelled example: ``label`` (a float) and ``features`` (a vector, or anything ``Vectors.dense``
    takes)."""

    __slots__ = ("label", "features")

    def __init__(self, label: float, features):
        self.label = float(label)
        self.features = as_vector(features)

    def __reduce__(self):
        return LabeledPoint, (self.label, self.features)

    def __eq__(self, other) -> bool:
        return isinstance(other, LabeledPoint) and self.label == other.label and self.features == other.features

    def __str__(self) -> str:
        return f"({self.label},{self.features})"

    def __repr__(self) -> str:
        return f"LabeledPoint({self.label}, {self.features})"

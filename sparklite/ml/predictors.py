"""What every predictor shares (Spark's ``Predictor``/``PredictionModel``, ``ClassificationModel``,
``ProbabilisticClassificationModel``): the columns it reads and writes and how they are computed.

Contract:
* A model gives ``_scorer()``: a picklable function of an ``n x d`` feature matrix holding only numpy
  arrays (never the model, whose summary holds DataFrames). Regression models' scorer returns the
  predictions; classifiers' returns the raw predictions (``n x K``), and probabilistic ones turn raw
  into probabilities with ``_probabilities`` (a function of the raw matrix, also picklable).
* ``transform`` checks the features column, then adds ``rawPrediction``, ``probability`` and
  ``prediction`` (each left out when its column param is set to ""), all computed batch by batch
  from one pass of the scorer. ``thresholds`` pick the class with the largest ``p / t``; without them
  the largest raw prediction wins (or ``_predict_from`` says otherwise, as binomial LR's threshold).
* ``predict(v)``, ``predictRaw(v)``, ``predictProbability(v)`` score one vector on the driver.
"""
from __future__ import annotations

import numpy as np

from sparklite.ml.base import Estimator, Model, append_columns, require_column
from sparklite.ml.functions import matrix_to_vectors, vectors_to_matrix
from sparklite.ml.linalg import DenseVector, VectorUDT
from sparklite.ml.param.shared import (HasFeaturesCol, HasLabelCol, HasPredictionCol, HasProbabilityCol,
                                       HasRawPredictionCol, HasThresholds, HasWeightCol)
from sparklite.ml.util import MLReadable, MLWritable
from sparklite.sql import types as T
from sparklite.sql.errors import IllegalArgumentException

__all__ = ["Predictor", "ProbabilisticClassifier", "PredictionModel", "ClassificationModel", "ProbabilisticClassificationModel"]


class Predictor(Estimator, HasFeaturesCol, HasLabelCol, HasPredictionCol, HasWeightCol, MLWritable, MLReadable):
    """An estimator of a label from a features vector."""


class ProbabilisticClassifier(Predictor, HasRawPredictionCol, HasProbabilityCol, HasThresholds):
    """An estimator of classes with their probabilities."""


class PredictionModel(Model, HasFeaturesCol, HasLabelCol, HasPredictionCol, HasWeightCol, MLWritable, MLReadable):
    """A model predicting a value per row from its features."""

    num_features = 0

    @property
    def numFeatures(self) -> int:
        return self.num_features

    def _scorer(self):
        raise NotImplementedError

    def _matrix(self, value) -> np.ndarray:
        array = value.toArray() if hasattr(value, "toArray") else np.asarray(value, dtype=np.float64)
        if len(array) != self.num_features:
            raise IllegalArgumentException(f"{self.uid}: the vector has size {len(array)} but the model was trained "
                                           f"on {self.num_features} features")
        return array.reshape(1, -1)

    def predict(self, value) -> float:
        return float(self._batch_outputs()(self._matrix(value))["prediction"][0])

    def _output_fields(self) -> list:
        return [("predictionCol", "prediction", T.DoubleType())]

    def _transform(self, dataset):
        features = self.getFeaturesCol()
        require_column(self, dataset, features, VectorUDT, what="features column")
        wanted = [(self.getOrDefault(param), key, data_type) for param, key, data_type in self._output_fields()
                  if self.getOrDefault(param)]
        if not wanted:
            return dataset
        outputs, size, uid = self._batch_outputs(), self.num_features, self.uid

        def compute(batch):
            X = vectors_to_matrix(batch.column(batch.schema.get_field_index(features)), size,
                                  what=f"{uid}: features column {features}")
            values = outputs(X)
            return [matrix_to_vectors(values[key]) if isinstance(data_type, VectorUDT) else values[key]
                    for _, key, data_type in wanted]
        fields = [T.StructField(name, data_type, isinstance(data_type, VectorUDT)) for name, _, data_type in wanted]
        return append_columns(dataset, fields, compute)

    def _batch_outputs(self):
        """A picklable ``X -> {key: array}`` of this model's outputs."""
        scorer = self._scorer()
        return lambda X: {"prediction": scorer(X)}


def _argmax_predictions(raw: np.ndarray) -> np.ndarray:
    return raw.argmax(axis=1).astype(np.float64) if raw.size else np.zeros(len(raw))


def _thresholded(probability: np.ndarray, thresholds) -> np.ndarray:
    t = np.asarray(thresholds, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        scaled = np.where(t == 0, np.inf, probability / np.where(t == 0, 1.0, t))
    return scaled.argmax(axis=1).astype(np.float64)


class ClassificationModel(PredictionModel, HasRawPredictionCol):
    """A classifier: raw predictions (one confidence per class) and the class they choose."""

    num_classes = 0

    @property
    def numClasses(self) -> int:
        return self.num_classes

    def predictRaw(self, value) -> DenseVector:
        return DenseVector(self._scorer()(self._matrix(value))[0])

    def _output_fields(self) -> list:
        return [("rawPredictionCol", "rawPrediction", VectorUDT()), ("predictionCol", "prediction", T.DoubleType())]

    def _predict_from(self):
        """A picklable ``(raw, probability) -> predictions``."""
        return lambda raw, probability: _argmax_predictions(raw)

    def _batch_outputs(self):
        scorer, predict = self._scorer(), self._predict_from()
        return lambda X: {"rawPrediction": (raw := scorer(X)), "prediction": predict(raw, None)}



class ProbabilisticClassificationModel(ClassificationModel, HasProbabilityCol, HasThresholds):
    """A classifier that also gives each class's probability."""

    def _probabilities(self):
        """A picklable ``raw -> probabilities`` (rows summing to 1)."""
        raise NotImplementedError

    def predictProbability(self, value) -> DenseVector:
        return DenseVector(self._batch_outputs()(self._matrix(value))["probability"][0])

    def _output_fields(self) -> list:
        return [("rawPredictionCol", "rawPrediction", VectorUDT()), ("probabilityCol", "probability", VectorUDT()),
                ("predictionCol", "prediction", T.DoubleType())]

    def _predict_from(self):
        thresholds = self.getOrDefault(self.thresholds) if self.isDefined(self.thresholds) else None
        if thresholds is not None:
            if len(thresholds) != self.num_classes:
                raise IllegalArgumentException(f"{self.uid}: thresholds has length {len(thresholds)} but the model "
                                               f"has {self.num_classes} classes")
            return lambda raw, probability: _thresholded(probability, thresholds)
        return lambda raw, probability: _argmax_predictions(raw)

    def _batch_outputs(self):
        scorer, to_probability, predict = self._scorer(), self._probabilities(), self._predict_from()

        def outputs(X):
            raw = scorer(X)
            probability = to_probability(raw)
            return {"rawPrediction": raw, "probability": probability, "prediction": predict(raw, probability)}
        return outputs

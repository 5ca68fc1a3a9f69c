"""``pyspark.mllib.classification``: logistic regression by L-BFGS and naive Bayes over RDDs of
``LabeledPoint``.

Contract:
* ``LogisticRegressionWithLBFGS.train`` follows Spark's two paths. Two classes with ``regType``
  "l2" or "l1" train as ``pyspark.ml``'s LogisticRegression does (standardized features, the
  intercept unpenalised and, when fitted, started at 1.0 as Spark's initial model has it) on the
  kernel ``sparklite.ml.impl.logistic``. Otherwise (``regType=None``, or ``numClasses > 2``) it is
  mllib's generalized linear algorithm: features divided by their sample standard deviation, a
  bias column of 1.0 appended when ``intercept``, the mean log-loss (class 0 the pivot of the
  multinomial loss) plus the updater's penalty on every weight (the intercepts too), minimised by
  ``sparklite.ml.impl.optim``'s L-BFGS with ``corrections`` pairs; one job per evaluation.
  The generalized path checks the labels first (0/1, or 0..numClasses-1; "Input validation
  failed." otherwise); the ``ml`` path refuses labels above 1 as Spark ends up doing, with its
  "Multinomial models contain a matrix of coefficients" error.
* ``LogisticRegressionModel.predict`` gives 0 or 1 (probability above ``threshold``, 0.5), the
  probability once ``clearThreshold()`` was called, or for more classes the class of the largest
  margin (0 when every margin is negative). It takes a vector or an RDD of vectors.
* ``NaiveBayes.train(data, lambda_)`` is multinomial naive Bayes with additive smoothing
  (``sparklite.ml.impl.naive_bayes``); the labels may be any values (``labels``, sorted).
"""
from __future__ import annotations

import math

import numpy as np
import pyarrow as pa

from sparklite.ml.impl import logistic
from sparklite.ml.impl import naive_bayes as nb_kernel
from sparklite.ml.impl.optim import minimize
from sparklite.mllib.instances import RDDInstances
from sparklite.mllib.linalg import DenseVector
from sparklite.mllib.regression import as_vector
from sparklite.mllib.util import Loader, Saveable
from sparklite.sql.errors import IllegalArgumentException, SparkError

__all__ = ["LogisticRegressionModel", "LogisticRegressionWithLBFGS", "NaiveBayesModel", "NaiveBayes"]


def predict_each(model, x):
    """``model.predict`` of a vector, or an RDD of the predictions of an RDD of vectors."""
    if hasattr(x, "mapPartitions"):
        return x.map(model.predict)
    return model.predict(as_vector(x))


# ---- logistic regression

class LogisticRegressionModel(Saveable, Loader):
    """Weights and intercept of a logistic regression; for ``numClasses > 2`` the weights hold
    ``numClasses - 1`` blocks (one per class but the first), each ending in its intercept when one
    was fitted."""

    def __init__(self, weights, intercept: float, numFeatures: int, numClasses: int):
        self._coeff = as_vector(weights)
        self._intercept = float(intercept)
        self._numFeatures, self._numClasses = int(numFeatures), int(numClasses)
        self._threshold = 0.5
        if self._numClasses > 2:
            self._weightsMatrix = self._coeff.toArray().reshape(self._numClasses - 1, -1)

    @property
    def weights(self) -> DenseVector:
        return self._coeff

    @property
    def intercept(self) -> float:
        return self._intercept

    @property
    def numFeatures(self) -> int:
        return self._numFeatures

    @property
    def numClasses(self) -> int:
        return self._numClasses

    @property
    def threshold(self):
        return self._threshold

    def setThreshold(self, value: float) -> None:
        """Predict 1 when the probability is above ``value``."""
        self._threshold = float(value)

    def clearThreshold(self) -> None:
        """Predict the probability itself (binary models)."""
        self._threshold = None

    def predict(self, x):
        """The prediction of a vector, or an RDD of the predictions of an RDD of vectors."""
        if hasattr(x, "mapPartitions"):
            return predict_each(self, x)
        values = as_vector(x).toArray()
        if self._numClasses == 2:
            margin = float(self._coeff.toArray() @ values) + self._intercept
            probability = 1.0 / (1.0 + math.exp(-margin)) if margin > 0 else math.exp(margin) / (1.0 + math.exp(margin))
            return probability if self._threshold is None else int(probability > self._threshold)
        with_bias = self._weightsMatrix.shape[1] == len(values) + 1
        margins = self._weightsMatrix[:, :len(values)] @ values
        if with_bias:
            margins = margins + self._weightsMatrix[:, len(values)]
        best = int(np.argmax(margins))
        return best + 1 if margins[best] > 0 else 0

    def __repr__(self) -> str:
        return (f"pyspark.mllib.LogisticRegressionModel: intercept = {self._intercept}, numFeatures = "
                f"{self._numFeatures}, numClasses = {self._numClasses}, threshold = {self._threshold}")

    def _metadata(self) -> dict:
        return {"numFeatures": self._numFeatures, "numClasses": self._numClasses}

    def _data(self) -> pa.Table:
        return pa.table({"weights": [self._coeff.toArray().tolist()], "intercept": [self._intercept],
                         "threshold": pa.array([self._threshold], pa.float64())})

    @classmethod
    def _from_saved(cls, metadata: dict, table: pa.Table) -> "LogisticRegressionModel":
        row = table.to_pylist()[0]
        model = cls(row["weights"], row["intercept"], metadata["numFeatures"], metadata["numClasses"])
        model._threshold = row["threshold"]
        return model


def _check_labels(points: RDDInstances, num_classes: int) -> None:
    """Spark's label validators: 0 or 1 for two classes, whole numbers below ``numClasses`` otherwise."""
    def invalid(chunk):
        y = chunk.y
        return int(np.count_nonzero((y < 0) | (y >= num_classes) | (y != np.floor(y))))
    if points.aggregate(invalid, lambda a, b: a + b, "LogisticRegressionWithLBFGS label validation"):
        raise SparkError("Input validation failed.")


def _check_binary_labels(points: RDDInstances) -> None:
    """The labels as ``ml``'s LogisticRegression, which Spark hands the binary case to, takes them:
    larger whole labels make it multinomial, which Spark then cannot turn into an mllib model."""
    if points.label_min < 0:
        raise SparkError(f"Classification labels should be in [0 to {int(points.label_max)}]. Found invalid label "
                         f"{points.label_min}.")
    if points.label_max > 1:
        raise SparkError("Multinomial models contain a matrix of coefficients, use coefficientMatrix instead.")


class LogisticRegressionWithLBFGS:
    """Train a logistic regression model by limited-memory BFGS (see the module)."""

    @classmethod
    def train(cls, data, iterations: int = 100, initialWeights=None, regParam: float = 0.0, regType: str = "l2",
              intercept: bool = False, corrections: int = 10, tolerance: float = 1e-6, validateData: bool = True,
              numClasses: int = 2) -> LogisticRegressionModel:
        """A model of ``data`` (an RDD of LabeledPoint); ``regType`` is "l2", "l1" or None, ``numClasses``
        above 2 trains the multinomial model."""
        if regType not in ("l2", "l1", None):
            raise IllegalArgumentException("Invalid value for 'regType' parameter. Can only be initialized using "
                                           "the following string values: ['l1', 'l2', None].")
        if numClasses < 2:
            raise IllegalArgumentException("requirement failed")
        with RDDInstances(data, "LogisticRegressionWithLBFGS") as points:
            d = points.num_features
            if numClasses == 2 and regType is not None:
                _check_binary_labels(points)
                weights, bias = _train_like_ml(points, iterations, regParam, regType, intercept, tolerance)
            else:
                if validateData:
                    _check_labels(points, numClasses)
                start = _initial_weights(initialWeights, d, numClasses, intercept)
                weights, bias = _train_glm(points, start, numClasses, intercept, iterations, regParam, regType,
                                           corrections, tolerance)
        return LogisticRegressionModel(DenseVector(weights), bias, d, numClasses)


def _initial_weights(initial, d: int, num_classes: int, intercept: bool) -> np.ndarray:
    """The optimiser's start: the given weights or zeros, and for two classes a bias of 1.0 appended
    when an intercept is fitted (mllib's ``appendBias``)."""
    size = d if num_classes == 2 else (num_classes - 1) * (d + (1 if intercept else 0))
    start = np.zeros(size) if initial is None else as_vector(initial).toArray().astype(np.float64)
    if len(start) != size:
        raise IllegalArgumentException(f"requirement failed: the initial weights have size {len(start)} but "
                                       f"{size} are needed")
    return np.append(start, 1.0) if num_classes == 2 and intercept else start


def _train_like_ml(points, iterations, reg_param, reg_type, intercept, tolerance):
    """Spark's delegation to ``ml.classification.LogisticRegression`` for two classes."""
    name = "LogisticRegressionWithLBFGS"
    mean, std, _ = logistic.summarize(points, 2, f"{name} summary")
    coefficients, intercepts, _ = logistic.train(
        points, num_classes=2, multinomial=False, mean=mean, std=std, weight_sum=float(points.count),
        reg_param=reg_param, elastic_net=1.0 if reg_type == "l1" else 0.0, fit_intercept=intercept,
        standardization=True, max_iter=iterations, tol=tolerance, initial_intercepts=np.array([1.0]),
        description=lambda k: f"{name} iteration {k}")
    return coefficients[0], float(intercepts[0]) if intercept else 0.0


def _train_glm(points, start, num_classes, intercept, iterations, reg_param, reg_type, corrections, tolerance):
    """mllib's ``GeneralizedLinearAlgorithm.run`` with ``LogisticGradient`` and L-BFGS."""
    name = "LogisticRegressionWithLBFGS"
    _, std, _ = logistic.summarize(points, num_classes, f"{name} feature scaling")
    scale = np.where(std > 0, 1.0 / np.where(std > 0, std, 1.0), 0.0)
    d, blocks, n = points.num_features, num_classes - 1, float(points.count)
    width = d + (1 if intercept else 0)
    iteration = [0]

    def objective(x):
        matrix = x.reshape(blocks, width)
        loss, gradient = points.aggregate(_logistic_gradient(matrix, scale, intercept), _add_pairs,
                                          f"{name} iteration {iteration[0] + 1}")
        penalty, penalty_gradient = _updater(x, reg_param, reg_type)
        return loss / n + penalty, gradient.ravel() / n + penalty_gradient

    def advanced(k, x, value):
        iteration[0] = k

    result = minimize(objective, start, max_iter=iterations, tol=tolerance, m=corrections, callback=advanced)
    matrix = result.x.reshape(blocks, width).copy()
    matrix[:, :d] *= scale
    if num_classes == 2 and intercept:
        return matrix[0, :d], float(matrix[0, d])
    return matrix.ravel(), 0.0


def _updater(x, reg_param, reg_type):
    """The updater's penalty and its gradient as mllib's L-BFGS cost function takes them."""
    if reg_type == "l2":
        return 0.5 * reg_param * float(x @ x), reg_param * x
    if reg_type == "l1":
        return reg_param * float(np.abs(x).sum()), np.clip(x, -reg_param, reg_param)
    return 0.0, np.zeros_like(x)


def _logistic_gradient(matrix, scale, intercept):
    """mllib's ``LogisticGradient`` summed over a chunk of scaled rows (bias last): binary when
    ``matrix`` has one row, else multinomial with class 0 the pivot."""
    blocks = len(matrix)

    def seq(chunk):
        rows = chunk.X * scale
        if intercept:
            rows = np.column_stack([rows, np.ones(len(rows))])
        margins = rows @ matrix.T
        labels = chunk.y.astype(np.int64)
        if blocks == 1:
            margin = margins[:, 0]
            loss = float(np.sum(np.logaddexp(0.0, margin) - chunk.y * margin))
            multiplier = np.exp(-np.logaddexp(0.0, -margin)) - chunk.y
            return loss, (multiplier @ rows)[None, :]
        top = np.maximum(margins.max(axis=1), 0.0)
        exp = np.exp(margins - top[:, None])
        norm = exp.sum(axis=1) + np.exp(-top)
        picked = np.where(labels > 0, margins[np.arange(len(labels)), np.maximum(labels - 1, 0)], 0.0)
        loss = float(np.sum(np.log(norm) + top - picked))
        multiplier = exp / norm[:, None]
        positive = np.flatnonzero(labels > 0)
        multiplier[positive, labels[positive] - 1] -= 1.0
        return loss, multiplier.T @ rows
    return seq


def _add_pairs(a, b):
    return a[0] + b[0], a[1] + b[1]


# ---- naive Bayes

class NaiveBayesModel(Saveable, Loader):
    """A multinomial naive Bayes model: ``labels`` (sorted), ``pi`` (log priors, one per label) and
    ``theta`` (log conditional probabilities, labels x features)."""

    def __init__(self, labels, pi, theta):
        self.labels = np.asarray(labels, dtype=np.float64)
        self.pi = np.asarray(pi, dtype=np.float64)
        self.theta = np.asarray(theta, dtype=np.float64)

    def predict(self, x):
        """The label of the largest posterior, for a vector or an RDD of vectors."""
        if hasattr(x, "mapPartitions"):
            return predict_each(self, x)
        return self.labels[int(np.argmax(self.pi + as_vector(x).toArray() @ self.theta.T))]

    def _data(self) -> pa.Table:
        return pa.table({"labels": [self.labels.tolist()], "pi": [self.pi.tolist()],
                         "theta": [self.theta.ravel().tolist()], "numFeatures": [self.theta.shape[1]]})

    @classmethod
    def _from_saved(cls, metadata: dict, table: pa.Table) -> "NaiveBayesModel":
        row = table.to_pylist()[0]
        return cls(row["labels"], row["pi"], np.array(row["theta"]).reshape(len(row["labels"]), row["numFeatures"]))


class NaiveBayes:
    """Train a multinomial naive Bayes model."""

    @classmethod
    def train(cls, data, lambda_: float = 1.0) -> NaiveBayesModel:
        """A model of ``data`` (an RDD of LabeledPoint with non-negative features), smoothed by ``lambda_``."""
        with RDDInstances(data, "NaiveBayes") as points:
            fitted = nb_kernel.train_naive_bayes(points, nb_kernel.MULTINOMIAL, lambda_)
        return NaiveBayesModel(fitted.labels, fitted.pi, fitted.theta)

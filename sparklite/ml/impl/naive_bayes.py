"""Naive Bayes over partitioned data, as Spark ML trains and applies it (``ml/classification/NaiveBayes.scala``):
multinomial, complement, bernoulli and gaussian models with additive ``smoothing``.

Contract:
* ``train_naive_bayes(data, model_type, smoothing)`` makes one pass ("NaiveBayes aggregate") that
  validates the features as Spark does for the model type and sums, per label value, the instance
  weights, the weighted features (and, for gaussian, the weighted squared features). The driver turns
  these into ``pi`` (log class priors), ``theta`` and, for gaussian, ``sigma``, exactly as Spark does,
  and returns a ``NaiveBayesModelData``.
* The model's rows follow the sorted distinct label values seen in training (``labels``); like
  Spark's, the prediction is the row index, which is the label when the labels are 0..K-1.
* ``NaiveBayesModelData.predict_raw(X)`` is Spark's ``rawPrediction``; ``predict(X)`` also gives the
  probability (softmax of the raw scores) and the prediction (the first largest raw score).
* Invalid feature values raise ``ValueError`` with Spark's message, naming the offending vector as
  Spark prints it (``spark_vector_string``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sparklite.ml.impl.kmeans import row_blocks, weighted_group_sums
from sparklite.sql.display import java_float_string as java_double_string

MULTINOMIAL, COMPLEMENT, BERNOULLI, GAUSSIAN = "multinomial", "complement", "bernoulli", "gaussian"
MODEL_TYPES = (MULTINOMIAL, COMPLEMENT, BERNOULLI, GAUSSIAN)


@dataclass(frozen=True)
class NaiveBayesPrediction:
    """Spark's three output columns for a batch of rows."""
    raw: np.ndarray            # (n, K) rawPrediction
    probability: np.ndarray    # (n, K)
    prediction: np.ndarray     # (n,) float64 row index of the model, as Spark's prediction column


@dataclass(frozen=True)
class NaiveBayesModelData:
    """Spark's ``NaiveBayesModel`` data: ``pi`` (K,), ``theta`` (K, d) and ``sigma`` ((K, d) for
    gaussian, (0, 0) otherwise); ``labels`` are the label values of the K rows."""
    model_type: str
    labels: np.ndarray
    pi: np.ndarray
    theta: np.ndarray
    sigma: np.ndarray

    def predict_raw(self, X) -> np.ndarray:
        """Spark's ``predictRaw`` for every row of ``X``: the log-posterior scores up to a constant."""
        X = np.asarray(X, dtype=np.float64)
        if self.model_type == MULTINOMIAL:
            _require_predictable(X, self.model_type)
            return self.pi + X @ self.theta.T
        if self.model_type == COMPLEMENT:
            _require_predictable(X, self.model_type)
            scores = X @ self.theta.T
            top = scores.max(axis=1, keepdims=True)
            return scores - (np.log(np.exp(scores - top).sum(axis=1, keepdims=True)) + top)
        if self.model_type == BERNOULLI:
            _require_predictable(X, self.model_type)
            log_absent = np.log1p(-np.exp(self.theta))
            return (self.pi + log_absent.sum(axis=1)) + X @ (self.theta - log_absent).T
        raw = np.empty((len(X), len(self.pi)))
        log_variance_sums = np.log(self.sigma).sum(axis=1)
        for i in range(len(self.pi)):
            deviation = X - self.theta[i]
            raw[:, i] = self.pi[i] - ((deviation * deviation / self.sigma[i]).sum(axis=1) + log_variance_sums[i]) / 2
        return raw

    def predict(self, X) -> NaiveBayesPrediction:
        """Spark's ``rawPrediction``, ``probability`` and ``prediction`` for every row of ``X``."""
        raw = self.predict_raw(X)
        return NaiveBayesPrediction(raw, softmax(raw), np.argmax(raw, axis=1).astype(np.float64))


def softmax(raw) -> np.ndarray:
    """Spark's ``Utils.softmax`` per row: a row with a +Infinity score puts all its mass on the first one."""
    with np.errstate(invalid="ignore"):
        shifted = np.exp(raw - raw.max(axis=1, keepdims=True))
        probability = shifted / shifted.sum(axis=1, keepdims=True)
    infinite = np.isposinf(raw)
    rows = np.flatnonzero(infinite.any(axis=1))
    probability[rows] = 0.0
    probability[rows, np.argmax(infinite[rows], axis=1)] = 1.0
    return probability


def train_naive_bayes(data, model_type: str = MULTINOMIAL, smoothing: float = 1.0) -> NaiveBayesModelData:
    """Fit Spark's naive Bayes of ``model_type`` on ``data`` (``y`` the label, ``w`` the weight)."""
    if model_type not in MODEL_TYPES:
        raise ValueError(f"Invalid modelType: {model_type}.")
    squares = model_type == GAUSSIAN

    def label_sums(chunk):
        _require_trainable(chunk.X, model_type)
        labels, rows_label = np.unique(chunk.y, return_inverse=True)
        weight_sums = np.bincount(rows_label, weights=chunk.w, minlength=len(labels))
        feature_sums = np.zeros((len(labels), chunk.X.shape[1]))
        square_sums = np.zeros_like(feature_sums) if squares else None
        for part in row_blocks(len(chunk.y), len(labels)):
            rows, groups, w = chunk.X[part], rows_label[part], chunk.w[part]
            feature_sums += weighted_group_sums(rows, groups, w, len(labels))
            if squares:
                square_sums += weighted_group_sums(rows * rows, groups, w, len(labels))
        return labels, weight_sums, feature_sums, square_sums

    labels, weight_sums, feature_sums, square_sums = data.aggregate(
        label_sums, merge_keyed_partials, "NaiveBayes aggregate")
    if len(labels) == 0:
        raise ValueError("Naive Bayes needs at least one training row.")
    if squares:
        return _gaussian_model(labels, weight_sums, feature_sums, square_sums)
    return _discrete_model(model_type, smoothing, labels, weight_sums, feature_sums)


def merge_keyed_partials(a, b):
    """Merge two partials ``(keys, *per-key arrays)`` (sorted keys, arrays with a row per key, or None)
    into one over the union of their keys."""
    labels = np.union1d(a[0], b[0])
    merged = [labels]
    for part_a, part_b in zip(a[1:], b[1:]):
        if part_a is None:
            merged.append(None)
            continue
        total = np.zeros((len(labels),) + part_a.shape[1:])
        total[np.searchsorted(labels, a[0])] += part_a
        total[np.searchsorted(labels, b[0])] += part_b
        merged.append(total)
    return tuple(merged)


def _discrete_model(model_type, smoothing, labels, weight_sums, feature_sums) -> NaiveBayesModelData:
    num_labels, num_features = feature_sums.shape
    if model_type == COMPLEMENT:
        feature_sums = feature_sums.sum(axis=0) - feature_sums
    pi = np.log(weight_sums + smoothing) - math.log(weight_sums.sum() + num_labels * smoothing)
    if model_type == BERNOULLI:
        theta_log_denominator = np.log(weight_sums + 2.0 * smoothing)
    else:
        theta_log_denominator = np.log(feature_sums.sum(axis=1) + num_features * smoothing)
    theta = np.log(feature_sums + smoothing) - theta_log_denominator[:, None]
    if model_type == COMPLEMENT:
        theta = -theta
    return NaiveBayesModelData(model_type, labels, pi, theta, np.zeros((0, 0)))


def _gaussian_model(labels, weight_sums, feature_sums, square_sums) -> NaiveBayesModelData:
    total_weight = weight_sums.sum()
    means = feature_sums / weight_sums[:, None]
    # Spark (after scikit-learn) adds to every variance 1e-9 of the largest feature variance
    global_sum = (means * weight_sums[:, None]).sum(axis=0)
    global_variance = square_sums.sum(axis=0) / total_weight - global_sum * global_sum / total_weight / total_weight
    epsilon = np.max(global_variance) * 1e-9
    pi = np.log(weight_sums) - math.log(total_weight)
    sigma = epsilon + square_sums / weight_sums[:, None] - means * means
    return NaiveBayesModelData(GAUSSIAN, labels, pi, means, sigma)


def _require_trainable(X, model_type: str) -> None:
    """Spark's check of the training features: non-negative and finite (multinomial, complement),
    0 or 1 (bernoulli), finite (gaussian)."""
    if model_type in (MULTINOMIAL, COMPLEMENT):
        bad, message = ~((X >= 0) & (X != np.inf)), "Vector values MUST NOT be Negative, NaN or Infinity, but got "
    elif model_type == BERNOULLI:
        bad, message = (X != 0) & (X != 1), "Vector values MUST be in {0, 1}, but got "
    else:
        bad, message = ~np.isfinite(X), "Vector values MUST NOT be NaN or Infinity, but got "
    rows = np.flatnonzero(bad.any(axis=1))
    if len(rows):
        raise ValueError(message + spark_vector_string(X[rows[0]]))


def _require_predictable(X, model_type: str) -> None:
    """Spark's check when the model scores a row: every non-zero value positive (multinomial,
    complement) or 1 (bernoulli)."""
    nonzero = X != 0
    if model_type == BERNOULLI:
        bad, message = nonzero & (X != 1), "requirement failed: Bernoulli naive Bayes requires 0 or 1 feature values"
    else:
        bad, message = nonzero & ~(X > 0), "requirement failed: Naive Bayes requires nonnegative feature values"
    rows = np.flatnonzero(bad.any(axis=1))
    if len(rows):
        raise ValueError(f"{message} but found {spark_vector_string(X[rows[0]])}.")


def spark_vector_string(values) -> str:
    """A dense vector as Spark prints it in messages: ``[1.0,-2.5E-5]`` (Java's ``Double.toString``)."""
    return "[" + ",".join(java_double_string(float(v)) for v in values) + "]"

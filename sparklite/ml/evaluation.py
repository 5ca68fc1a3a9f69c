"""``pyspark.ml.evaluation``: metrics of predictions, computed as Spark's ``mllib.evaluation`` does.

Contract:
* ``BinaryClassificationEvaluator`` (``areaUnderROC`` default, ``areaUnderPR``) ranks the positive
  class's score (element 1 of a vector ``rawPrediction``, or a double column): weighted positive and
  negative counts per distinct score are aggregated on the executors (a group-by) and, past
  ``2 * numBins`` distinct scores, binned there as Spark bins them (``binary_metrics``); the driver
  integrates the curves by trapezoids over the few rows it receives. ``binary_metrics`` returns the curves
  (the training summaries' ``roc`` and ``pr``).
* ``MulticlassClassificationEvaluator`` (``f1`` default: the weighted F-measure; ``accuracy``,
  ``weightedPrecision``, ``weightedRecall``, ``weightedTruePositiveRate``,
  ``weightedFalsePositiveRate``, ``weightedFMeasure``, the ``...ByLabel`` metrics of ``metricLabel``,
  ``logLoss``, ``hammingLoss``) reads a weighted confusion matrix aggregated by a group-by.
* ``RegressionEvaluator`` (``rmse`` default, ``mse``, ``r2``, ``mae``, ``var``) sums moments in one
  aggregation. ``ClusteringEvaluator`` is the silhouette (squared Euclidean default, or cosine),
  computed in O(n k) by ``sparklite.ml.impl.silhouette``.
"""
from __future__ import annotations

import numpy as np
import pyarrow as pa

from sparklite.ml.base import require_column, weight_column
from sparklite.ml.functions import vector_to_array
from sparklite.ml.linalg import VectorUDT
from sparklite.ml.param import Param, Params, TypeConverters as TC
from sparklite.ml.param.shared import (HasFeaturesCol, HasLabelCol, HasPredictionCol, HasProbabilityCol,
                                       HasRawPredictionCol, HasWeightCol, at_least, one_of)
from sparklite.ml.util import DefaultParamsReadable, DefaultParamsWritable
from sparklite.sql import functions as F
from sparklite.sql import types as T

__all__ = ["Evaluator", "BinaryClassificationEvaluator", "MulticlassClassificationEvaluator", "RegressionEvaluator",
           "ClusteringEvaluator", "binary_metrics", "MulticlassMetrics", "r2_score"]


class Evaluator(Params):
    """Scores a DataFrame of predictions; ``isLargerBetter`` says which way is better."""

    def _evaluate(self, dataset) -> float:
        raise NotImplementedError

    def evaluate(self, dataset, params: dict | None = None) -> float:
        if params:
            return self.copy(params)._evaluate(dataset)
        return self._evaluate(dataset)

    def isLargerBetter(self) -> bool:
        return True


def _weight(stage, dataset):
    weight = weight_column(stage)
    if weight:
        require_column(stage, dataset, weight, T.NumericType, what="weight column")
        return F.col(weight).cast("double")
    return F.lit(1.0)


def _score(dataset, name: str):
    if isinstance(dataset.schema[name].dataType, VectorUDT):
        return vector_to_array(name)[1]
    return F.col(name).cast("double")


class BinaryMetrics:
    """Spark's ``BinaryClassificationMetrics`` from per-score weighted (positive, negative) counts."""

    def __init__(self, scores: np.ndarray, positives: np.ndarray, negatives: np.ndarray, num_bins: int = 1000):
        order = np.argsort(-scores, kind="stable")
        scores, positives, negatives = scores[order], positives[order], negatives[order]
        if num_bins > 0 and len(scores) // num_bins >= 2:
            group = len(scores) // num_bins
            starts = np.arange(0, len(scores), group)
            scores = scores[starts]
            positives = np.add.reduceat(positives, starts)
            negatives = np.add.reduceat(negatives, starts)
        self.thresholds = scores
        self.tp, self.fp = np.cumsum(positives), np.cumsum(negatives)
        self.total_positives = self.tp[-1] if len(self.tp) else 0.0
        self.total_negatives = self.fp[-1] if len(self.fp) else 0.0

    def roc(self) -> np.ndarray:
        """(FPR, TPR) points from (0, 0) through each threshold to (1, 1)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            fpr = self.fp / self.total_negatives if self.total_negatives else np.zeros_like(self.fp)
            tpr = self.tp / self.total_positives if self.total_positives else np.zeros_like(self.tp)
        return np.vstack([[0.0, 0.0], np.column_stack([fpr, tpr]), [1.0, 1.0]])

    def pr(self) -> np.ndarray:
        """(recall, precision) points, starting at recall 0 with the first threshold's precision."""
        with np.errstate(invalid="ignore", divide="ignore"):
            recall = self.tp / self.total_positives if self.total_positives else np.zeros_like(self.tp)
            predicted = self.tp + self.fp
            precision = np.where(predicted > 0, self.tp / np.where(predicted > 0, predicted, 1), 1.0)
        first = precision[0] if len(precision) else 1.0
        return np.vstack([[0.0, first], np.column_stack([recall, precision])])

    @staticmethod
    def area(points: np.ndarray) -> float:
        x, y = points[:, 0], points[:, 1]
        return float(np.sum((x[1:] - x[:-1]) * (y[1:] + y[:-1]) / 2.0))

    def areaUnderROC(self) -> float:
        return self.area(self.roc())

    def areaUnderPR(self) -> float:
        return self.area(self.pr())

    def by_threshold(self, beta: float = 1.0) -> dict:
        """Precision, recall and F-measure at each threshold."""
        with np.errstate(invalid="ignore", divide="ignore"):
            predicted = self.tp + self.fp
            precision = np.where(predicted > 0, self.tp / np.where(predicted > 0, predicted, 1), 1.0)
            recall = self.tp / self.total_positives if self.total_positives else np.zeros_like(self.tp)
            b2 = beta * beta
            denominator = b2 * precision + recall
            f = np.where(denominator > 0, (1 + b2) * precision * recall / np.where(denominator > 0, denominator, 1), 0)
        return {"threshold": self.thresholds, "precision": precision, "recall": recall, "F-Measure": f}


def binary_metrics(dataset, score_col: str, label_col: str, weight=None, num_bins: int = 1000) -> BinaryMetrics:
    """The weighted positive and negative counts of each distinct score, aggregated distributed and, past
    ``2 * num_bins`` distinct scores, binned on the executors as Spark bins them: the scores sorted
    descending, each partition's run cut into groups of ``distinct // num_bins`` consecutive scores, a group
    counted at its first (highest) score. The driver receives about ``num_bins`` rows."""
    weight = F.lit(1.0) if weight is None else weight
    scored = dataset.select(_score(dataset, score_col).alias("score"), F.col(label_col).cast("double").alias("label"),
                            weight.alias("weight"))
    counts = scored.groupBy("score").agg(
        F.sum(F.when(F.col("label") > 0.5, F.col("weight")).otherwise(0.0)).alias("positives"),
        F.sum(F.when(F.col("label") > 0.5, 0.0).otherwise(F.col("weight"))).alias("negatives"))
    grouping = counts.count() // num_bins if num_bins > 0 else 0
    if grouping >= 2:
        table = counts.orderBy(F.desc("score")).mapInArrow(_binned(grouping), counts.schema).toArrow()
        num_bins = 0
    else:
        table = counts.toArrow()
    return BinaryMetrics(table.column("score").to_numpy(), table.column("positives").to_numpy(),
                         table.column("negatives").to_numpy(), num_bins)


def _binned(grouping: int):
    """A partition's sorted (score, positives, negatives) rows in groups of ``grouping``."""
    def run(batches):
        batches = [b for b in batches if b.num_rows]
        if not batches:
            return
        table = pa.Table.from_batches(batches).combine_chunks()
        starts = np.arange(0, table.num_rows, grouping)
        columns = [table.column(0).to_numpy()[starts]] + \
            [np.add.reduceat(table.column(i).to_numpy(), starts) for i in (1, 2)]
        yield pa.RecordBatch.from_arrays([pa.array(c) for c in columns], schema=table.schema)
    return run


class BinaryClassificationEvaluator(Evaluator, HasRawPredictionCol, HasLabelCol, HasWeightCol,
                                    DefaultParamsReadable, DefaultParamsWritable):
    """Area under the ROC or precision-recall curve of a binary classifier's scores."""

    metricName = Param(Params._dummy(), "metricName", "metric name in evaluation (areaUnderROC|areaUnderPR)",
                       TC.toString, one_of("areaUnderROC", "areaUnderPR"))
    numBins = Param(Params._dummy(), "numBins", "Number of bins to down-sample the curves (ROC curve, PR curve) in "
                    "area computation. If 0, no down-sampling will occur. Must be >= 0.", TC.toInt, at_least(0))
    _defaults = {"metricName": "areaUnderROC", "numBins": 1000}

    def _evaluate(self, dataset) -> float:
        raw, label = self.getRawPredictionCol(), self.getLabelCol()
        require_column(self, dataset, raw, VectorUDT, T.NumericType, what="rawPrediction column")
        require_column(self, dataset, label, T.NumericType, what="label column")
        metrics = binary_metrics(dataset, raw, label, _weight(self, dataset), self.getNumBins())
        return metrics.areaUnderROC() if self.getMetricName() == "areaUnderROC" else metrics.areaUnderPR()


class MulticlassMetrics:
    """Spark's ``MulticlassMetrics`` from a weighted confusion matrix (rows: label, columns: prediction)."""

    def __init__(self, labels: np.ndarray, confusion: np.ndarray, log_loss: float = float("nan")):
        self.labels, self.confusion, self.log_loss = labels, confusion, log_loss
        self.total = confusion.sum()
        self.tp = np.diag(confusion)
        self.label_count = confusion.sum(axis=1)
        self.predicted_count = confusion.sum(axis=0)

    @staticmethod
    def _ratio(a, b):
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(b > 0, a / np.where(b > 0, b, 1), 0.0)

    @property
    def accuracy(self) -> float:
        return float(self.tp.sum() / self.total) if self.total else 0.0

    def confusionMatrix(self):
        """Weighted counts, rows the true labels and columns the predictions, in ``labels`` order."""
        from sparklite.ml.linalg import DenseMatrix
        rows, cols = self.confusion.shape
        return DenseMatrix(rows, cols, self.confusion.ravel(order="F"))

    def precision(self) -> np.ndarray:
        return self._ratio(self.tp, self.predicted_count)

    def recall(self) -> np.ndarray:
        return self._ratio(self.tp, self.label_count)

    def false_positive_rate(self) -> np.ndarray:
        return self._ratio(self.predicted_count - self.tp, self.total - self.label_count)

    def f_measure(self, beta: float = 1.0) -> np.ndarray:
        p, r, b2 = self.precision(), self.recall(), beta * beta
        return self._ratio((1 + b2) * p * r, b2 * p + r)

    def weighted(self, values: np.ndarray) -> float:
        return float((values * self.label_count).sum() / self.total) if self.total else 0.0

    def index_of(self, label: float) -> int:
        found = np.flatnonzero(self.labels == label)
        return int(found[0]) if len(found) else -1


def multiclass_metrics(dataset, label_col: str, prediction_col: str, weight=None,
                       probability_col: str | None = None, eps: float = 1e-15) -> MulticlassMetrics:
    weight = F.lit(1.0) if weight is None else weight
    columns = [F.col(label_col).cast("double").alias("label"), F.col(prediction_col).cast("double").alias("prediction"),
               weight.alias("weight")]
    if probability_col:
        columns.append(vector_to_array(probability_col).alias("probability"))
    selected = dataset.select(*columns)
    counts = selected.groupBy("label", "prediction").agg(F.sum("weight").alias("weight")).toArrow()
    label, prediction = counts.column("label").to_numpy(), counts.column("prediction").to_numpy()
    labels = np.unique(np.concatenate([label, prediction]))
    confusion = np.zeros((len(labels), len(labels)))
    np.add.at(confusion, (np.searchsorted(labels, label), np.searchsorted(labels, prediction)),
              counts.column("weight").to_numpy())
    log_loss = float("nan")
    if probability_col:
        chosen = F.greatest(F.lit(eps), F.element_at("probability", (F.col("label") + 1).cast("int")))
        row = selected.agg(F.sum(-F.log(chosen) * F.col("weight")).alias("loss"),
                           F.sum("weight").alias("weight")).collect()[0]
        log_loss = row.loss / row.weight if row.weight else float("nan")
    return MulticlassMetrics(labels, confusion, log_loss)


class MulticlassClassificationEvaluator(Evaluator, HasLabelCol, HasPredictionCol, HasWeightCol, HasProbabilityCol,
                                        DefaultParamsReadable, DefaultParamsWritable):
    """Accuracy, F-measure, precision, recall and log-loss of a classifier's predictions."""

    _METRICS = ("f1", "accuracy", "weightedPrecision", "weightedRecall", "weightedTruePositiveRate",
                "weightedFalsePositiveRate", "weightedFMeasure", "truePositiveRateByLabel",
                "falsePositiveRateByLabel", "precisionByLabel", "recallByLabel", "fMeasureByLabel", "logLoss",
                "hammingLoss")
    metricName = Param(Params._dummy(), "metricName", "metric name in evaluation " + "|".join(_METRICS), TC.toString,
                       one_of(*_METRICS))
    metricLabel = Param(Params._dummy(), "metricLabel", "The class whose metric will be computed in "
                        "truePositiveRateByLabel|falsePositiveRateByLabel|precisionByLabel|recallByLabel|"
                        "fMeasureByLabel. Must be >= 0. The default value is 0.", TC.toFloat, at_least(0))
    beta = Param(Params._dummy(), "beta", "The beta value used in weightedFMeasure|fMeasureByLabel. Must be > 0. The "
                 "default value is 1.", TC.toFloat, lambda v: v > 0)
    eps = Param(Params._dummy(), "eps", "log-loss is undefined for p=0 or p=1, so probabilities are clipped to "
                "max(eps, min(1 - eps, p)).", TC.toFloat, lambda v: 0 < v < 0.5)
    _defaults = {"metricName": "f1", "metricLabel": 0.0, "beta": 1.0, "eps": 1e-15}

    def _evaluate(self, dataset) -> float:
        name = self.getMetricName()
        require_column(self, dataset, self.getLabelCol(), T.NumericType, what="label column")
        require_column(self, dataset, self.getPredictionCol(), T.NumericType, what="prediction column")
        probability = self.getProbabilityCol() if name == "logLoss" else None
        metrics = multiclass_metrics(dataset, self.getLabelCol(), self.getPredictionCol(), _weight(self, dataset),
                                     probability, self.getEps())
        beta = self.getBeta()
        if name == "accuracy":
            return metrics.accuracy
        if name == "hammingLoss":
            return 1.0 - metrics.accuracy
        if name == "logLoss":
            return metrics.log_loss
        if name.startswith("weighted") or name == "f1":
            values = {"f1": metrics.f_measure(1.0), "weightedFMeasure": metrics.f_measure(beta),
                      "weightedPrecision": metrics.precision(), "weightedRecall": metrics.recall(),
                      "weightedTruePositiveRate": metrics.recall(),
                      "weightedFalsePositiveRate": metrics.false_positive_rate()}[name]
            return metrics.weighted(values)
        index = metrics.index_of(self.getMetricLabel())
        if index < 0:
            return 0.0
        values = {"truePositiveRateByLabel": metrics.recall(), "recallByLabel": metrics.recall(),
                  "falsePositiveRateByLabel": metrics.false_positive_rate(), "precisionByLabel": metrics.precision(),
                  "fMeasureByLabel": metrics.f_measure(beta)}[name]
        return float(values[index])

    def isLargerBetter(self) -> bool:
        return self.getMetricName() not in ("weightedFalsePositiveRate", "falsePositiveRateByLabel", "logLoss",
                                            "hammingLoss")


def r2_score(m, through_mean: bool = True) -> float:
    """Spark's ``RegressionMetrics.r2`` from weighted sums (``w``, ``ww`` the sum of squared weights,
    ``wy``, ``wyy``, ``se``): its total sum of squares is the weighted variance with reliability weights'
    correction, ``sum w (y - mean)^2 / (W - sum w^2 / W)``, times ``W - 1``."""
    if not through_mean:
        return 1 - m.se / m.wyy
    spread = m.wyy - m.wy * m.wy / m.w
    correction = m.w - m.ww / m.w
    total = spread / correction * (m.w - 1) if correction else 0.0
    return 1 - m.se / total if total else float("nan")


class RegressionEvaluator(Evaluator, HasLabelCol, HasPredictionCol, HasWeightCol,
                          DefaultParamsReadable, DefaultParamsWritable):
    """Errors of a regression's predictions: ``rmse``, ``mse``, ``r2``, ``mae``, ``var``."""

    metricName = Param(Params._dummy(), "metricName", "metric name in evaluation - one of:\n"
                       "                       rmse - root mean squared error (default)\n"
                       "                       mse - mean squared error\n"
                       "                       r2 - r^2 metric\n"
                       "                       mae - mean absolute error\n"
                       "                       var - explained variance.", TC.toString,
                       one_of("rmse", "mse", "r2", "mae", "var"))
    throughOrigin = Param(Params._dummy(), "throughOrigin", "whether the regression is through the origin.",
                          TC.toBoolean)
    _defaults = {"metricName": "rmse", "throughOrigin": False}

    def _evaluate(self, dataset) -> float:
        require_column(self, dataset, self.getLabelCol(), T.NumericType, what="label column")
        require_column(self, dataset, self.getPredictionCol(), T.NumericType, what="prediction column")
        y, p, w = F.col(self.getLabelCol()).cast("double"), F.col(self.getPredictionCol()).cast("double"), \
            _weight(self, dataset)
        r = dataset.agg(F.sum(w).alias("w"), F.sum(w * w).alias("ww"), F.sum(w * y).alias("wy"), F.sum(w * y * y).alias("wyy"),
                        F.sum(w * (y - p) * (y - p)).alias("se"), F.sum(w * F.abs(y - p)).alias("ae"),
                        F.sum(w * p).alias("wp"), F.sum(w * p * p).alias("wpp")).collect()[0]
        name = self.getMetricName()
        if not r.w:
            return float("nan")
        mse = r.se / r.w
        if name == "rmse":
            return float(np.sqrt(mse))
        if name == "mse":
            return float(mse)
        if name == "mae":
            return float(r.ae / r.w)
        if name == "var":
            # the variance of the predictions around the labels' mean (Spark's explainedVariance)
            mean = r.wy / r.w
            return float((r.wpp - 2 * mean * r.wp + mean * mean * r.w) / r.w)
        return float(r2_score(r, not self.getThroughOrigin()))

    def isLargerBetter(self) -> bool:
        return self.getMetricName() in ("r2", "var")


class ClusteringEvaluator(Evaluator, HasPredictionCol, HasFeaturesCol, HasWeightCol,
                          DefaultParamsReadable, DefaultParamsWritable):
    """The silhouette of a clustering (squared Euclidean distances by default, or cosine)."""

    metricName = Param(Params._dummy(), "metricName", "metric name in evaluation (silhouette)", TC.toString,
                       one_of("silhouette"))
    distanceMeasure = Param(Params._dummy(), "distanceMeasure", "The distance measure. Supported options: "
                            "'squaredEuclidean' and 'cosine'.", TC.toString, one_of("squaredEuclidean", "cosine"))
    _defaults = {"metricName": "silhouette", "distanceMeasure": "squaredEuclidean"}

    def _evaluate(self, dataset) -> float:
        from sparklite.ml.impl.silhouette import silhouette
        from sparklite.ml.instances import Instances
        with Instances(dataset, self, self.getFeaturesCol(), self.getPredictionCol(), weight_column(self)) as data:
            return silhouette(data, self.getDistanceMeasure())

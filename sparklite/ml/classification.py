"""``pyspark.ml.classification``: logistic regression, naive Bayes, decision trees and random forests.

Contract: each estimator has Spark's parameters and defaults and trains through
``sparklite.ml.instances`` (cached Arrow batches, one job per pass, named by the algorithm and its
iteration) on a kernel of ``sparklite.ml.impl``; each model has Spark's attributes, transforms
through ``sparklite.ml.predictors`` and saves its fitted values as Parquet beside its params.
Labels must be whole numbers from 0 (Spark's message otherwise).
"""
from __future__ import annotations

import numpy as np
import pyarrow as pa

from sparklite.ml.base import HasTrainingSummary, weight_column
from sparklite.ml.evaluation import binary_metrics, multiclass_metrics
from sparklite.ml.impl import logistic
from sparklite.ml.impl import naive_bayes as nb_kernel
from sparklite.ml.instances import Instances
from sparklite.ml.linalg import DenseMatrix, DenseVector
from sparklite.ml.param import Param, Params, TypeConverters as TC
from sparklite.ml.param.shared import (HasAggregationDepth, HasElasticNetParam, HasFitIntercept,
                                       HasMaxBlockSizeInMB, HasMaxIter, HasRegParam, HasStandardization, HasThreshold,
                                       HasTol)
from sparklite.ml.predictors import ProbabilisticClassificationModel, ProbabilisticClassifier
from sparklite.ml.tree import (DecisionTreeParams, ForestMixin, SingleTreeMixin, TreeEnsembleParams, train_trees,
                               tree_models_from)
from sparklite.ml.util import read_data, write_data
from sparklite.sql import functions as F
from sparklite.sql.errors import IllegalArgumentException

__all__ = ["LogisticRegression", "LogisticRegressionModel", "LogisticRegressionSummary",
           "LogisticRegressionTrainingSummary", "BinaryLogisticRegressionSummary",
           "BinaryLogisticRegressionTrainingSummary", "NaiveBayes", "NaiveBayesModel", "DecisionTreeClassifier",
           "DecisionTreeClassificationModel", "RandomForestClassifier", "RandomForestClassificationModel"]



# ---- logistic regression

class _LogisticRegressionParams(HasMaxIter, HasRegParam, HasElasticNetParam, HasTol, HasFitIntercept,
                                HasStandardization, HasThreshold, HasAggregationDepth, HasMaxBlockSizeInMB):
    family = Param(Params._dummy(), "family", "The name of family which is a description of the label distribution "
                   "to be used in the model. Supported options: auto, binomial, multinomial", TC.toString,
                   lambda v: v.lower() in ("auto", "binomial", "multinomial"))
    _defaults = {"maxIter": 100, "regParam": 0.0, "tol": 1e-6, "threshold": 0.5, "family": "auto"}

    def setThreshold(self, value: float):
        self._set(threshold=value)
        self._paramMap.pop(self.thresholds, None)
        return self

    def getThreshold(self) -> float:
        thresholds = self.getOrDefault(self.thresholds) if self.isSet(self.thresholds) else None
        if thresholds:
            if len(thresholds) != 2:
                raise ValueError("Logistic Regression getThreshold only applies to binary classification, but "
                                 f"thresholds has length != 2.  thresholds: {','.join(map(str, thresholds))}")
            return 1.0 / (1.0 + thresholds[0] / thresholds[1])
        return self.getOrDefault(self.threshold)

    def setThresholds(self, value):
        self._set(thresholds=value)
        self._paramMap.pop(self.threshold, None)
        return self


class LogisticRegression(ProbabilisticClassifier, _LogisticRegressionParams):
    """Binomial or multinomial logistic regression with L2, L1 or elastic-net regularisation
    (L-BFGS, or OWL-QN when ``elasticNetParam > 0``), as Spark trains it."""

    def _fit(self, dataset) -> "LogisticRegressionModel":
        with Instances(dataset, self, self.getFeaturesCol(), self.getLabelCol(), weight_column(self),
                       self.getAggregationDepth()) as data:
            num_classes = data.num_classes(self.getLabelCol())
            family = self.getFamily().lower()
            if family == "binomial" and num_classes > 2:
                raise IllegalArgumentException(f"{self.uid}: requirement failed: Binomial family only supports 1 or "
                                               f"2 outcome classes but found {num_classes}.")
            multinomial = family == "multinomial" or (family == "auto" and num_classes > 2)
            name = type(self).__name__
            mean, std, histogram = logistic.summarize(data, num_classes, f"{name} summary")
            sets = num_classes if multinomial else 1
            if self.getFitIntercept() and np.count_nonzero(histogram) == 1 and not multinomial:
                # every label the same: Spark's infinite intercept and zero coefficients, without training
                intercept = np.inf if histogram[-1] > 0 and num_classes == 2 else -np.inf
                return self._model(np.zeros((1, data.num_features)), np.array([intercept]), num_classes, False,
                                   [0.0], 0, dataset)
            if multinomial:
                smoothed = np.log1p(histogram)
                initial = smoothed - smoothed.mean()
            else:
                initial = np.array([np.log(histogram[1] / histogram[0]) if len(histogram) > 1 and
                                    histogram[0] > 0 and histogram[1] > 0 else 0.0])
            coefficients, intercepts, result = logistic.train(
                data, num_classes=num_classes, multinomial=multinomial, mean=mean, std=std,
                weight_sum=data.weight_sum, reg_param=self.getRegParam(), elastic_net=self.getElasticNetParam(),
                fit_intercept=self.getFitIntercept(), standardization=self.getStandardization(),
                max_iter=self.getMaxIter(), tol=self.getTol(), initial_intercepts=initial[:sets],
                description=lambda k: f"{name} iteration {k}")
        if multinomial:
            if self.getRegParam() * (1 - self.getElasticNetParam()) == 0:
                # without an L2 part the multinomial solution is defined up to a constant per feature:
                # Spark centres the coefficients (glmnet's choice) and always the intercepts
                coefficients = coefficients - coefficients.mean(axis=0)
            if self.getFitIntercept():
                intercepts = intercepts - intercepts.mean()
        return self._model(coefficients, intercepts, num_classes, multinomial, result.objective_history,
                           result.iterations, dataset)

    def _model(self, coefficients, intercepts, num_classes, multinomial, history, iterations, dataset):
        model = LogisticRegressionModel(coefficients, intercepts, num_classes, multinomial)._with_parent(self)
        model._summary = LogisticRegressionTrainingSummary.create(model, dataset, history, iterations)
        return model


class LogisticRegressionModel(HasTrainingSummary, ProbabilisticClassificationModel, _LogisticRegressionParams):
    """A fitted logistic regression: ``coefficients``/``intercept`` (binomial) or
    ``coefficientMatrix``/``interceptVector``, and the training ``summary``."""

    def __init__(self, coefficients=None, intercepts=None, num_classes: int = 2, multinomial: bool = False):
        super().__init__()
        self._set_values(coefficients, intercepts, num_classes, multinomial)
        self._summary = None

    def _set_values(self, coefficients, intercepts, num_classes, multinomial) -> None:
        self._coefficients = np.zeros((1, 0)) if coefficients is None else np.asarray(coefficients, dtype=np.float64)
        self._intercepts = np.zeros(1) if intercepts is None else np.asarray(intercepts, dtype=np.float64)
        self.num_classes, self.num_features = int(num_classes), self._coefficients.shape[1]
        self._multinomial = bool(multinomial)

    @property
    def coefficients(self) -> DenseVector:
        if self._multinomial:
            raise Exception("Multinomial models contain a matrix of coefficients, use coefficientMatrix instead.")
        return DenseVector(self._coefficients[0])

    @property
    def intercept(self) -> float:
        if self._multinomial:
            raise Exception("Multinomial models contain a vector of intercepts, use interceptVector instead.")
        return float(self._intercepts[0])

    @property
    def coefficientMatrix(self) -> DenseMatrix:
        rows, cols = self._coefficients.shape
        return DenseMatrix(rows, cols, self._coefficients.ravel(order="F"))

    @property
    def interceptVector(self) -> DenseVector:
        return DenseVector(self._intercepts)

    def evaluate(self, dataset) -> "LogisticRegressionSummary":
        return LogisticRegressionSummary.create(self, dataset)

    def _scorer(self):
        coefficients, intercepts, multinomial = self._coefficients, self._intercepts, self._multinomial
        if multinomial:
            return lambda X: X @ coefficients.T + intercepts
        return lambda X: np.column_stack([-(m := X @ coefficients[0] + intercepts[0]), m])

    def _probabilities(self):
        multinomial = self._multinomial

        def probability(raw):
            if not multinomial:
                p = np.exp(-np.logaddexp(0.0, -raw[:, 1]))
                return np.column_stack([1.0 - p, p])
            top = raw.max(axis=1, keepdims=True)
            exp = np.exp(raw - top)
            return exp / exp.sum(axis=1, keepdims=True)
        return probability

    def _predict_from(self):
        if self._multinomial or self.isSet(self.thresholds):
            return super()._predict_from()
        threshold = self.getThreshold()
        return lambda raw, probability: (probability[:, 1] > threshold).astype(np.float64)

    def _save_extra(self, path: str) -> None:
        rows, cols = self._coefficients.shape
        write_data(path, pa.table({
            "numClasses": [self.num_classes], "numFeatures": [cols], "isMultinomial": [self._multinomial],
            "interceptVector": [self._intercepts.tolist()], "coefficientMatrix": [self._coefficients.ravel().tolist()],
            "coefficientRows": [rows]}))

    def _load_extra(self, path: str, metadata: dict) -> None:
        row = read_data(path).to_pylist()[0]
        matrix = np.array(row["coefficientMatrix"], dtype=np.float64).reshape(row["coefficientRows"], row["numFeatures"])
        self._set_values(matrix, row["interceptVector"], row["numClasses"], row["isMultinomial"])
        self._summary = None


class LogisticRegressionSummary:
    """Metrics of a logistic regression model's predictions on a DataFrame (Spark's
    ``LogisticRegressionSummary``; binary models have ``BinaryLogisticRegressionSummary``'s curves)."""

    @classmethod
    def create(cls, model, dataset):
        binary = model.num_classes == 2 and not model._multinomial
        kind = BinaryLogisticRegressionSummary if binary else LogisticRegressionSummary
        return kind(model, dataset)

    def __init__(self, model, dataset):
        self._model = model
        names = dict(probabilityCol=model.getProbabilityCol() or "probability",
                     predictionCol=model.getPredictionCol() or "prediction",
                     rawPredictionCol=model.getRawPredictionCol() or "rawPrediction")
        scorer = model.copy()
        for param, name in names.items():
            scorer._set(**{param: name})
        self.predictions = scorer.transform(dataset)
        self.probabilityCol, self.predictionCol = names["probabilityCol"], names["predictionCol"]
        self.labelCol, self.featuresCol = model.getLabelCol(), model.getFeaturesCol()
        self.weightCol = weight_column(model)
        self._metrics = None

    def _multiclass(self):
        if self._metrics is None:
            weight = F.col(self.weightCol).cast("double") if self.weightCol else None
            self._metrics = multiclass_metrics(self.predictions, self.labelCol, self.predictionCol, weight)
        return self._metrics

    @property
    def labels(self) -> list:
        return self._multiclass().labels.tolist()

    @property
    def accuracy(self) -> float:
        return self._multiclass().accuracy

    @property
    def truePositiveRateByLabel(self) -> list:
        return self._multiclass().recall().tolist()

    recallByLabel = truePositiveRateByLabel

    @property
    def falsePositiveRateByLabel(self) -> list:
        return self._multiclass().false_positive_rate().tolist()

    @property
    def precisionByLabel(self) -> list:
        return self._multiclass().precision().tolist()

    def fMeasureByLabel(self, beta: float = 1.0) -> list:
        return self._multiclass().f_measure(beta).tolist()

    @property
    def weightedTruePositiveRate(self) -> float:
        return self._multiclass().weighted(self._multiclass().recall())

    weightedRecall = weightedTruePositiveRate

    @property
    def weightedFalsePositiveRate(self) -> float:
        return self._multiclass().weighted(self._multiclass().false_positive_rate())

    @property
    def weightedPrecision(self) -> float:
        return self._multiclass().weighted(self._multiclass().precision())

    def weightedFMeasure(self, beta: float = 1.0) -> float:
        return self._multiclass().weighted(self._multiclass().f_measure(beta))


class BinaryLogisticRegressionSummary(LogisticRegressionSummary):
    """Adds the ROC and precision-recall curves of the positive class's probability."""

    def _binary(self):
        if getattr(self, "_curves", None) is None:
            weight = F.col(self.weightCol).cast("double") if self.weightCol else None
            self._curves = binary_metrics(self.predictions, self.probabilityCol, self.labelCol, weight, num_bins=0)
        return self._curves

    def _frame(self, points: np.ndarray, names: list):
        spark = self.predictions.sparkSession
        return spark.createDataFrame(pa.table({n: points[:, i] for i, n in enumerate(names)}))

    @property
    def roc(self):
        return self._frame(self._binary().roc(), ["FPR", "TPR"])

    @property
    def areaUnderROC(self) -> float:
        return self._binary().areaUnderROC()

    @property
    def pr(self):
        return self._frame(self._binary().pr(), ["recall", "precision"])

    def _by_threshold(self, key: str):
        values = self._binary().by_threshold()
        return self._frame(np.column_stack([values["threshold"], values[key]]), ["threshold", key])

    @property
    def fMeasureByThreshold(self):
        return self._by_threshold("F-Measure")

    @property
    def precisionByThreshold(self):
        return self._by_threshold("precision")

    @property
    def recallByThreshold(self):
        return self._by_threshold("recall")


class LogisticRegressionTrainingSummary(LogisticRegressionSummary):
    """The summary of the training data, with the optimiser's ``objectiveHistory`` and ``totalIterations``."""

    @classmethod
    def create(cls, model, dataset, history, iterations):
        binary = model.num_classes == 2 and not model._multinomial
        summary = (BinaryLogisticRegressionTrainingSummary if binary else LogisticRegressionTrainingSummary)(
            model, dataset)
        summary.objectiveHistory, summary.totalIterations = [float(v) for v in history], int(iterations)
        return summary


class BinaryLogisticRegressionTrainingSummary(BinaryLogisticRegressionSummary, LogisticRegressionTrainingSummary):
    """The binary training summary: curves, objective history and iterations."""


# ---- naive Bayes

class _NaiveBayesParams(Params):
    smoothing = Param(Params._dummy(), "smoothing", "The smoothing parameter, should be >= 0, default is 1.0",
                      TC.toFloat, lambda v: v >= 0)
    modelType = Param(Params._dummy(), "modelType", "The model type which is a string (case-sensitive). Supported "
                      "options: multinomial (default), bernoulli and gaussian.", TC.toString,
                      lambda v: v in nb_kernel.MODEL_TYPES)
    _defaults = {"smoothing": 1.0, "modelType": "multinomial"}


class NaiveBayes(ProbabilisticClassifier, _NaiveBayesParams):
    """Multinomial, complement, bernoulli or gaussian naive Bayes, in one pass over the data."""

    def _fit(self, dataset) -> "NaiveBayesModel":
        with Instances(dataset, self, self.getFeaturesCol(), self.getLabelCol(), weight_column(self)) as data:
            data.num_classes(self.getLabelCol())
            try:
                fitted = nb_kernel.train_naive_bayes(data, self.getModelType(), self.getSmoothing())
            except ValueError as e:
                raise IllegalArgumentException(f"{self.uid}: requirement failed: {e}") from None
        return NaiveBayesModel(fitted, data.num_features)._with_parent(self)


class NaiveBayesModel(ProbabilisticClassificationModel, _NaiveBayesParams):
    """A fitted naive Bayes: ``pi`` (log priors), ``theta`` (log likelihoods or means), ``sigma``
    (gaussian variances)."""

    def __init__(self, fitted=None, num_features: int = 0):
        super().__init__()
        self._fitted, self.num_features = fitted, num_features
        self.num_classes = 0 if fitted is None else len(fitted.pi)

    @property
    def pi(self) -> DenseVector:
        return DenseVector(self._fitted.pi)

    @property
    def theta(self) -> DenseMatrix:
        return _matrix(self._fitted.theta)

    @property
    def sigma(self) -> DenseMatrix:
        return _matrix(self._fitted.sigma)

    def _scorer(self):
        fitted = self._fitted
        return fitted.predict_raw

    def _probabilities(self):
        return nb_kernel.softmax

    def _save_extra(self, path: str) -> None:
        f = self._fitted
        write_data(path, pa.table({"modelType": [f.model_type], "labels": [f.labels.tolist()], "pi": [f.pi.tolist()],
                                   "theta": [f.theta.ravel().tolist()], "sigma": [f.sigma.ravel().tolist()],
                                   "numFeatures": [self.num_features]}))

    def _load_extra(self, path: str, metadata: dict) -> None:
        row = read_data(path).to_pylist()[0]
        k, d = len(row["pi"]), row["numFeatures"]
        sigma = np.array(row["sigma"], dtype=np.float64)
        self._fitted = nb_kernel.NaiveBayesModelData(
            row["modelType"], np.array(row["labels"]), np.array(row["pi"]), np.array(row["theta"]).reshape(k, d),
            sigma.reshape(k, d) if sigma.size else np.zeros((0, 0)))
        self.num_features, self.num_classes = d, k


def _matrix(array: np.ndarray) -> DenseMatrix:
    rows, cols = array.shape
    return DenseMatrix(rows, cols, array.ravel(order="F"))


# ---- decision trees and random forests

class DecisionTreeClassifier(ProbabilisticClassifier, DecisionTreeParams):
    """A decision tree for classification, grown level by level on binned features as Spark does."""

    _defaults = {"impurity": "gini"}

    def _fit(self, dataset) -> "DecisionTreeClassificationModel":
        trees, num_classes, num_features = train_trees(self, dataset, "classification", 1)
        return tree_models_from(DecisionTreeClassificationModel(), trees, num_classes, num_features)._with_parent(self)


class DecisionTreeClassificationModel(SingleTreeMixin, ProbabilisticClassificationModel, DecisionTreeParams):
    """A fitted classification tree: ``numNodes``, ``depth``, ``featureImportances``, ``toDebugString``."""

    def _scorer(self):
        tree = self._trees[0]
        return tree.raw_prediction

    def _probabilities(self):
        return _normalized


def _normalized(raw: np.ndarray) -> np.ndarray:
    total = raw.sum(axis=1, keepdims=True)
    return raw / np.where(total == 0, 1.0, total)


class RandomForestClassifier(ProbabilisticClassifier, TreeEnsembleParams):
    """A random forest for classification: bagged trees on random feature subsets, grown together."""

    _defaults = {"impurity": "gini"}

    def _fit(self, dataset) -> "RandomForestClassificationModel":
        trees, num_classes, num_features = train_trees(
            self, dataset, "classification", self.getNumTrees(), self.getFeatureSubsetStrategy(), self.getBootstrap(),
            self.getSubsamplingRate())
        model = tree_models_from(RandomForestClassificationModel(), trees, num_classes, num_features,
                                 [1.0] * len(trees))
        return model._with_parent(self)


class RandomForestClassificationModel(ForestMixin, ProbabilisticClassificationModel, TreeEnsembleParams):
    """A fitted forest: the sum of its trees' class probabilities decides."""

    _tree_model_class = DecisionTreeClassificationModel

    def _scorer(self):
        trees = self._trees
        return lambda X: sum(tree.probability(X) for tree in trees)

    def _probabilities(self):
        return _normalized

"""``pyspark.ml.regression``: linear regression, decision tree and random forest regression.

Contract: as ``sparklite.ml.classification``. ``LinearRegression`` solves the normal equations
(``solver="auto"`` up to 4,096 features, or ``"normal"``; OWL-QN on them for an L1 part) or runs
distributed L-BFGS/OWL-QN (``"l-bfgs"``, or ``auto`` above 4,096 features), with Spark's scaling of
features and label; its summary has Spark's error metrics.
"""
from __future__ import annotations

import numpy as np
import pyarrow as pa

from sparklite.ml.base import HasTrainingSummary, weight_column
from sparklite.ml.evaluation import r2_score
from sparklite.ml.impl import linear
from sparklite.ml.instances import Instances
from sparklite.ml.linalg import DenseVector
from sparklite.ml.param import Param, Params, TypeConverters as TC
from sparklite.ml.param.shared import (HasAggregationDepth, HasElasticNetParam, HasFitIntercept,
                                       HasMaxBlockSizeInMB, HasMaxIter, HasRegParam, HasSolver, HasStandardization,
                                       HasTol, HasVarianceCol, one_of)
from sparklite.ml.predictors import Predictor, PredictionModel
from sparklite.ml.tree import (DecisionTreeParams, ForestMixin, SingleTreeMixin, TreeEnsembleParams, train_trees,
                               tree_models_from)
from sparklite.ml.util import read_data, write_data
from sparklite.sql import functions as F
from sparklite.sql import types as T

__all__ = ["LinearRegression", "LinearRegressionModel", "LinearRegressionSummary", "LinearRegressionTrainingSummary",
           "DecisionTreeRegressor", "DecisionTreeRegressionModel", "RandomForestRegressor",
           "RandomForestRegressionModel"]

MAX_NORMAL_FEATURES = 4096      # Spark's WeightedLeastSquares.MAX_NUM_FEATURES



class _LinearRegressionParams(HasMaxIter, HasRegParam, HasElasticNetParam, HasTol, HasFitIntercept,
                              HasStandardization, HasSolver, HasAggregationDepth, HasMaxBlockSizeInMB):
    loss = Param(Params._dummy(), "loss", "The loss function to be optimized. Supported options: squaredError, huber.",
                 TC.toString, one_of("squaredError", "huber"))
    epsilon = Param(Params._dummy(), "epsilon", "The shape parameter to control the amount of robustness. Must be > "
                    "1.0. Only valid when loss is huber", TC.toFloat, lambda v: v > 1.0)
    _defaults = {"maxIter": 100, "regParam": 0.0, "tol": 1e-6, "solver": "auto", "loss": "squaredError",
                 "epsilon": 1.35}


class LinearRegression(Predictor, _LinearRegressionParams):
    """Least squares with L2, L1 or elastic-net regularisation."""

    def _fit(self, dataset) -> "LinearRegressionModel":
        if self.getLoss() == "huber":
            from sparklite.sql.errors import PySparkNotImplementedError
            raise PySparkNotImplementedError(errorClass="NOT_IMPLEMENTED",
                                             messageParameters={"feature": "LinearRegression(loss='huber')"})
        options = dict(fit_intercept=self.getFitIntercept(), standardization=self.getStandardization(),
                       reg_param=self.getRegParam(), elastic_net=self.getElasticNetParam(), max_iter=self.getMaxIter(),
                       tol=self.getTol())
        with Instances(dataset, self, self.getFeaturesCol(), self.getLabelCol(), weight_column(self),
                       self.getAggregationDepth()) as data:
            solver = self.getSolver()
            if solver == "normal" or (solver == "auto" and data.num_features <= MAX_NORMAL_FEATURES):
                coefficients, intercept, result = linear.normal(data, **options)
            else:
                coefficients, intercept, result = linear.lbfgs(
                    data, **options, description=lambda k: f"{type(self).__name__} iteration {k}")
        model = LinearRegressionModel(coefficients, intercept)._with_parent(self)
        history = result.objective_history if result is not None else [0.0]
        model._summary = LinearRegressionTrainingSummary(model, dataset, history,
                                                         result.iterations if result is not None else 0)
        return model


class LinearRegressionModel(HasTrainingSummary, PredictionModel, _LinearRegressionParams):
    """A fitted linear regression: ``coefficients``, ``intercept``, ``scale`` and the training ``summary``."""

    def __init__(self, coefficients=None, intercept: float = 0.0):
        super().__init__()
        self._coefficients = np.zeros(0) if coefficients is None else np.asarray(coefficients, dtype=np.float64)
        self._intercept = float(intercept)
        self.num_features = len(self._coefficients)
        self._summary = None

    @property
    def coefficients(self) -> DenseVector:
        return DenseVector(self._coefficients)

    @property
    def intercept(self) -> float:
        return self._intercept

    @property
    def scale(self) -> float:
        return 1.0

    def evaluate(self, dataset) -> "LinearRegressionSummary":
        return LinearRegressionSummary(self, dataset)

    def _scorer(self):
        coefficients, intercept = self._coefficients, self._intercept
        return lambda X: X @ coefficients + intercept

    def _save_extra(self, path: str) -> None:
        write_data(path, pa.table({"intercept": [self._intercept], "coefficients": [self._coefficients.tolist()],
                                   "scale": [1.0]}))

    def _load_extra(self, path: str, metadata: dict) -> None:
        row = read_data(path).to_pylist()[0]
        self._coefficients, self._intercept = np.array(row["coefficients"], dtype=np.float64), row["intercept"]
        self.num_features, self._summary = len(self._coefficients), None


class LinearRegressionSummary:
    """Error metrics of a linear model's predictions on a DataFrame (Spark's ``RegressionMetrics``)."""

    def __init__(self, model, dataset):
        scorer = model.copy()
        scorer._set(predictionCol=model.getPredictionCol() or "prediction")
        self.predictions = scorer.transform(dataset)
        self.predictionCol, self.labelCol = scorer.getPredictionCol(), model.getLabelCol()
        self.featuresCol, self.weightCol = model.getFeaturesCol(), weight_column(model)
        self._num_features, self._fit_intercept = model.num_features, model.getFitIntercept()
        self._sums = None

    def _moments(self):
        if self._sums is None:
            y, p = F.col(self.labelCol).cast("double"), F.col(self.predictionCol)
            w = F.col(self.weightCol).cast("double") if self.weightCol else F.lit(1.0)
            self._sums = self.predictions.agg(
                F.sum(w).alias("w"), F.sum(w * w).alias("ww"), F.sum(w * y).alias("wy"), F.sum(w * y * y).alias("wyy"),
                F.sum(w * (y - p) * (y - p)).alias("se"), F.sum(w * F.abs(y - p)).alias("ae"),
                F.sum(w * p).alias("wp"), F.sum(w * p * p).alias("wpp"), F.count(F.lit(1)).alias("n")).collect()[0]
        return self._sums

    @property
    def numInstances(self) -> int:
        return int(self._moments().n)

    @property
    def meanSquaredError(self) -> float:
        m = self._moments()
        return m.se / m.w

    @property
    def rootMeanSquaredError(self) -> float:
        return float(np.sqrt(self.meanSquaredError))

    @property
    def meanAbsoluteError(self) -> float:
        m = self._moments()
        return m.ae / m.w

    @property
    def explainedVariance(self) -> float:
        m = self._moments()
        mean = m.wy / m.w
        return (m.wpp - 2 * mean * m.wp + mean * mean * m.w) / m.w

    @property
    def r2(self) -> float:
        m = self._moments()
        return r2_score(m, self._fit_intercept)

    @property
    def r2adj(self) -> float:
        n, p = self.numInstances, self._num_features
        intercept = 1 if self._fit_intercept else 0
        return 1 - (1 - self.r2) * (n - intercept) / (n - p - intercept)

    @property
    def degreesOfFreedom(self) -> int:
        return self.numInstances - self._num_features - (1 if self._fit_intercept else 0)

    @property
    def residuals(self):
        return self.predictions.select((F.col(self.labelCol) - F.col(self.predictionCol)).alias("residuals"))


class LinearRegressionTrainingSummary(LinearRegressionSummary):
    """The training data's summary, with the solver's ``objectiveHistory`` and ``totalIterations``."""

    def __init__(self, model, dataset, history, iterations: int):
        super().__init__(model, dataset)
        self._history, self._iterations = [float(v) for v in history], int(iterations)

    @property
    def objectiveHistory(self) -> list:
        return list(self._history)

    @property
    def totalIterations(self) -> int:
        return self._iterations


# ---- decision trees and random forests

class DecisionTreeRegressor(Predictor, DecisionTreeParams, HasVarianceCol):
    """A regression tree (variance impurity), grown level by level on binned features."""

    _defaults = {"impurity": "variance"}

    def _fit(self, dataset) -> "DecisionTreeRegressionModel":
        trees, _, num_features = train_trees(self, dataset, "regression", 1)
        return tree_models_from(DecisionTreeRegressionModel(), trees, 0, num_features)._with_parent(self)


class DecisionTreeRegressionModel(SingleTreeMixin, PredictionModel, DecisionTreeParams, HasVarianceCol):
    """A fitted regression tree; ``varianceCol``, when set, holds the leaf's label variance."""

    def _scorer(self):
        return self._trees[0].predict

    def _output_fields(self) -> list:
        fields = super()._output_fields()
        if self.isDefined(self.varianceCol) and self.getVarianceCol():
            fields.append(("varianceCol", "variance", T.DoubleType()))
        return fields

    def _batch_outputs(self):
        tree = self._trees[0]
        return lambda X: {"prediction": tree.predict(X), "variance": tree.impurity[tree.leaf_index(X)]}


class RandomForestRegressor(Predictor, TreeEnsembleParams):
    """A random forest for regression: the mean of bagged trees on random feature subsets."""

    _defaults = {"impurity": "variance"}

    def _fit(self, dataset) -> "RandomForestRegressionModel":
        trees, _, num_features = train_trees(self, dataset, "regression", self.getNumTrees(),
                                             self.getFeatureSubsetStrategy(), self.getBootstrap(),
                                             self.getSubsamplingRate())
        model = tree_models_from(RandomForestRegressionModel(), trees, 0, num_features, [1.0] * len(trees))
        return model._with_parent(self)


class RandomForestRegressionModel(ForestMixin, PredictionModel, TreeEnsembleParams):
    """A fitted regression forest."""

    _tree_model_class = DecisionTreeRegressionModel

    def _scorer(self):
        trees = self._trees
        return lambda X: np.mean([tree.predict(X) for tree in trees], axis=0)

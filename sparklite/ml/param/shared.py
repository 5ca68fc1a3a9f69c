"""The parameters many stages share (``pyspark.ml.param.shared``), one mixin each, with Spark's docs."""
from __future__ import annotations

from sparklite.ml.param import Param, Params, TypeConverters as TC


def at_least(bound: float):
    return lambda value: value >= bound


def between(low: float, high: float):
    return lambda value: low <= value <= high


def one_of(*choices: str):
    return lambda value: value in choices


def _param(name: str, doc: str, converter, validator=None) -> Param:
    return Param(Params._dummy(), name, doc, converter, validator)


def _mixin(class_name: str, name: str, doc: str, converter, validator=None, default=None) -> type:
    attributes = {name: _param(name, doc, converter, validator), "__doc__": f"Mixin for param {name}: {doc}"}
    if default is not None:
        attributes["_defaults"] = {name: default}
    return type(class_name, (Params,), attributes)


HasFeaturesCol = _mixin("HasFeaturesCol", "featuresCol", "features column name.", TC.toString, default="features")
HasLabelCol = _mixin("HasLabelCol", "labelCol", "label column name.", TC.toString, default="label")
HasPredictionCol = _mixin("HasPredictionCol", "predictionCol", "prediction column name.", TC.toString,
                          default="prediction")
HasProbabilityCol = _mixin("HasProbabilityCol", "probabilityCol",
                           "Column name for predicted class conditional probabilities. Note: Not all models output "
                           "well-calibrated probability estimates! These probabilities should be treated as "
                           "confidences, not precise probabilities.", TC.toString, default="probability")
HasRawPredictionCol = _mixin("HasRawPredictionCol", "rawPredictionCol", "raw prediction (a.k.a. confidence) column "
                             "name.", TC.toString, default="rawPrediction")
HasWeightCol = _mixin("HasWeightCol", "weightCol", "weight column name. If this is not set or empty, we treat all "
                      "instance weights as 1.0.", TC.toString)
HasInputCol = _mixin("HasInputCol", "inputCol", "input column name.", TC.toString)
HasInputCols = _mixin("HasInputCols", "inputCols", "input column names.", TC.toListString)
HasOutputCol = _mixin("HasOutputCol", "outputCol", "output column name.", TC.toString,
                      default=lambda stage: stage.uid + "__output")
HasOutputCols = _mixin("HasOutputCols", "outputCols", "output column names.", TC.toListString)
HasMaxIter = _mixin("HasMaxIter", "maxIter", "max number of iterations (>= 0).", TC.toInt, at_least(0))
HasRegParam = _mixin("HasRegParam", "regParam", "regularization parameter (>= 0).", TC.toFloat, at_least(0))
HasElasticNetParam = _mixin("HasElasticNetParam", "elasticNetParam", "the ElasticNet mixing parameter, in range "
                            "[0, 1]. For alpha = 0, the penalty is an L2 penalty. For alpha = 1, it is an L1 penalty.",
                            TC.toFloat, between(0, 1), default=0.0)
HasTol = _mixin("HasTol", "tol", "the convergence tolerance for iterative algorithms (>= 0).", TC.toFloat,
                at_least(0))
HasFitIntercept = _mixin("HasFitIntercept", "fitIntercept", "whether to fit an intercept term.", TC.toBoolean,
                         default=True)
HasStandardization = _mixin("HasStandardization", "standardization", "whether to standardize the training features "
                            "before fitting the model.", TC.toBoolean, default=True)
HasThreshold = _mixin("HasThreshold", "threshold", "threshold in binary classification prediction, in range [0, 1]",
                      TC.toFloat, between(0, 1))
HasThresholds = _mixin("HasThresholds", "thresholds", "Thresholds in multi-class classification to adjust the "
                       "probability of predicting each class. Array must have length equal to the number of classes, "
                       "with values > 0, excepting that at most one value may be 0. The class with largest value p/t "
                       "is predicted, where p is the original probability of that class and t is the class's "
                       "threshold.", TC.toListFloat)
HasSeed = _mixin("HasSeed", "seed", "random seed.", TC.toInt)
HasAggregationDepth = _mixin("HasAggregationDepth", "aggregationDepth", "suggested depth for treeAggregate (>= 2).",
                             TC.toInt, at_least(2), default=2)
HasHandleInvalid = _mixin("HasHandleInvalid", "handleInvalid", "how to handle invalid entries.", TC.toString)
HasCheckpointInterval = _mixin("HasCheckpointInterval", "checkpointInterval", "set checkpoint interval (>= 1) or "
                               "disable checkpoint (-1). E.g. 10 means that the cache will get checkpointed every 10 "
                               "iterations. Note: this setting will be ignored if the checkpoint directory is not set "
                               "in the SparkContext.", TC.toInt)
HasSolver = _mixin("HasSolver", "solver", "the solver algorithm for optimization.", TC.toString)
HasMaxBlockSizeInMB = _mixin("HasMaxBlockSizeInMB", "maxBlockSizeInMB", "maximum memory in MB for stacking input "
                             "data into blocks. Data is stacked within partitions. If more than remaining data size in "
                             "a partition then it is adjusted to the data size. Default 0.0 represents choosing "
                             "optimal value, depends on specific algorithm. Must be >= 0.", TC.toFloat, at_least(0),
                             default=0.0)
HasRelativeError = _mixin("HasRelativeError", "relativeError", "the relative target precision for the approximate "
                          "quantile algorithm. Must be in the range [0, 1]", TC.toFloat, between(0, 1), default=0.001)
HasDistanceMeasure = _mixin("HasDistanceMeasure", "distanceMeasure", "the distance measure. Supported options: "
                            "'euclidean' and 'cosine'.", TC.toString, one_of("euclidean", "cosine"),
                            default="euclidean")
HasParallelism = _mixin("HasParallelism", "parallelism", "the number of threads to use when running parallel "
                        "algorithms (>= 1).", TC.toInt, at_least(1), default=1)
HasCollectSubModels = _mixin("HasCollectSubModels", "collectSubModels", "Param for whether to collect a list of "
                             "sub-models trained during tuning. If set to false, then only the single best sub-model "
                             "will be available after fitting. If set to true, then all sub-models will be "
                             "available. Warning: For large models, collecting all sub-models can cause OOMs on the "
                             "Spark driver.", TC.toBoolean, default=False)
HasNumFeatures = _mixin("HasNumFeatures", "numFeatures", "Number of features. Should be greater than 0.", TC.toInt,
                        lambda v: v > 0, default=262144)
HasVarianceCol = _mixin("HasVarianceCol", "varianceCol", "column name for the biased sample variance of prediction.",
                        TC.toString)
HasStepSize = _mixin("HasStepSize", "stepSize", "Step size to be used for each iteration of optimization (>= 0).",
                     TC.toFloat, lambda v: v > 0)

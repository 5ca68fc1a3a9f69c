"""``pyspark.ml.tuning``: grid search over param maps by k-fold cross-validation or one train/validation split.

Contract:
* ``ParamGridBuilder().baseOn(...).addGrid(param, values).build()`` is every combination of the
  grid's values as a list of param maps, in PySpark's order (the param added last varies fastest).
* ``CrossValidator(estimator, estimatorParamMaps, evaluator, numFolds=3, seed, parallelism=1,
  collectSubModels=False, foldCol="")`` splits the data as PySpark does: a ``rand(seed)`` column
  whose value falls in ``[i/k, (i+1)/k)`` puts a row in validation fold ``i`` (or the ``foldCol``
  number, which must be in ``[0, numFolds)``). Each fold's training and validation sets are cached
  while ``parallelism`` driver threads fit and evaluate one model per param map
  (``Estimator.fitMultiple``); ``avgMetrics``/``stdMetrics`` are the mean and population standard
  deviation over the folds, the evaluator's ``isLargerBetter`` picks the best map (the first of
  equals) and ``bestModel`` is refitted on all the data. ``TrainValidationSplit(trainRatio=0.75)``
  is one split, ``rand(seed) < trainRatio`` training, with ``validationMetrics``.
* Persistence is PySpark's Python layout: ``metadata`` with the param maps as
  ``{parent, name, value, isJson}`` lists (a stage-valued param saved beside as ``epm_<name><i>``),
  then ``estimator/``, ``evaluator/``, ``bestModel/`` and, when ``persistSubModels`` is set,
  ``subModels/fold<i>/<j>`` (``subModels/<j>`` for a split). Every nested stage must be writable and
  every param map must apply to the estimator or its nested stages (a Pipeline's), or saving says so.
"""
from __future__ import annotations

import itertools
import json
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from sparklite.ml.base import Estimator, Model, Transformer
from sparklite.ml.param import Param, Params, TypeConverters as TC
from sparklite.ml.param.shared import HasCollectSubModels, HasParallelism, HasSeed
from sparklite.ml.util import DefaultParamsReader, DefaultParamsWriter, MLReadable, MLWritable, MLWriter
from sparklite.sql import functions as F
from sparklite.sql.errors import SparkRuntimeException

__all__ = ["ParamGridBuilder", "CrossValidator", "CrossValidatorModel", "TrainValidationSplit",
           "TrainValidationSplitModel"]


class ParamGridBuilder:
    """Builds the grid of param maps a validator searches."""

    def __init__(self):
        self._param_grid: dict = {}

    def addGrid(self, param: Param, values: list) -> "ParamGridBuilder":
        if not isinstance(param, Param):
            raise TypeError("param must be an instance of Param")
        self._param_grid[param] = values
        return self

    def baseOn(self, *args) -> "ParamGridBuilder":
        """Fixed values for every map: a param map, or ``(param, value)`` pairs."""
        pairs = args[0].items() if args and isinstance(args[0], dict) else args
        for param, value in pairs:
            self.addGrid(param, [value])
        return self

    def build(self) -> list:
        params = list(self._param_grid)
        return [{param: param.typeConverter(value) for param, value in zip(params, values)}
                for values in itertools.product(*self._param_grid.values())]


def _java_string_hash(text: str) -> int:
    value = 0
    for character in text:
        value = (31 * value + ord(character)) & 0xFFFFFFFF
    return value - (1 << 32) if value >= 1 << 31 else value


class _ValidatorParams(HasSeed):
    estimator = Param(Params._dummy(), "estimator", "estimator to be cross-validated")
    estimatorParamMaps = Param(Params._dummy(), "estimatorParamMaps", "estimator param maps")
    evaluator = Param(Params._dummy(), "evaluator", "evaluator used to select hyper-parameters that maximize the "
                      "validator metric")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # PySpark's default is Python's salted hash of the class name; Spark's is Java's, which is stable
        self._setDefault(seed=_java_string_hash(type(self).__name__.replace("Model", "")))

    def getEstimator(self) -> Estimator:
        return self.getOrDefault(self.estimator)

    def getEstimatorParamMaps(self) -> list:
        return self.getOrDefault(self.estimatorParamMaps)

    def getEvaluator(self):
        return self.getOrDefault(self.evaluator)

    def _nested_copies(self, that, extra: dict | None):
        if self.isSet(self.estimator):
            that.set(that.estimator, self.getEstimator().copy(extra))
        if self.isSet(self.evaluator):
            that.set(that.evaluator, self.getEvaluator().copy(extra))
        return that


class _CrossValidatorParams(_ValidatorParams):
    numFolds = Param(Params._dummy(), "numFolds", "number of folds for cross validation", TC.toInt)
    foldCol = Param(Params._dummy(), "foldCol", "Param for the column name of user specified fold number. Once this "
                    "is specified, :py:class:`CrossValidator` won't do random k-fold split. Note that this column "
                    "should be integer type with range [0, numFolds) and Spark will throw exception on out-of-range "
                    "fold numbers.", TC.toString)
    _defaults = {"numFolds": 3, "foldCol": ""}


class _TrainValidationSplitParams(_ValidatorParams):
    trainRatio = Param(Params._dummy(), "trainRatio", "Param for ratio between train and     validation data. Must "
                       "be between 0 and 1.", TC.toFloat)
    _defaults = {"trainRatio": 0.75}


class _ValidatorReadWrite(MLReadable, MLWritable):
    """Saving and loading a validator or its model (see the module and ``_ValidatorWriter``)."""

    def write(self) -> MLWriter:
        return _ValidatorWriter(self)

    def _load_extra(self, path: str, metadata: dict) -> None:
        _load_validator(self, path, metadata)


class _Cached:
    """A DataFrame cached for the fits and evaluations of one split, dropped afterwards."""

    def __init__(self, dataset):
        self.dataset = dataset

    def __enter__(self):
        return self.dataset.cache()

    def __exit__(self, *exc):
        self.dataset.unpersist()


def _fit_and_evaluate(estimator, evaluator, train, validation, param_maps: list, parallelism: int,
                      collect: bool) -> tuple:
    """(metric of each param map, its model when ``collect``), fitted by up to ``parallelism`` threads."""
    models_iterator = estimator.fitMultiple(train, param_maps)

    def task(_):
        index, model = next(models_iterator)
        return index, evaluator.evaluate(model.transform(validation, param_maps[index])), model

    metrics, models = [0.0] * len(param_maps), [None] * len(param_maps)
    with ThreadPoolExecutor(max_workers=max(1, min(parallelism, len(param_maps)))) as pool:
        for index, metric, model in pool.map(task, range(len(param_maps))):
            metrics[index] = metric
            models[index] = model if collect else None
    return metrics, (models if collect else None)


def _best_index(evaluator, metrics) -> int:
    return int(np.argmax(metrics) if evaluator.isLargerBetter() else np.argmin(metrics))


class CrossValidator(Estimator, _CrossValidatorParams, HasParallelism, HasCollectSubModels, _ValidatorReadWrite):
    """K-fold cross-validation: each param map is scored by its mean metric over the folds."""

    def _fit(self, dataset) -> "CrossValidatorModel":
        estimator, evaluator = self.getEstimator(), self.getEvaluator()
        param_maps = self.getEstimatorParamMaps()
        collect = self.getCollectSubModels()
        metrics, sub_models = [], [] if collect else None
        for train, validation in self._kFold(dataset):
            with _Cached(train) as train, _Cached(validation) as validation:
                fold_metrics, fold_models = _fit_and_evaluate(estimator, evaluator, train, validation, param_maps,
                                                              self.getParallelism(), collect)
            metrics.append(fold_metrics)
            if collect:
                sub_models.append(fold_models)
        average, spread = list(np.mean(metrics, axis=0)), list(np.std(metrics, axis=0))
        best = estimator.fit(dataset, param_maps[_best_index(evaluator, average)])
        return CrossValidatorModel(best, average, sub_models, spread)._with_parent(self)

    def _kFold(self, dataset) -> list:
        """(training, validation) DataFrames of each fold."""
        folds = self.getNumFolds()
        fold_col = self.getFoldCol()
        if not fold_col:
            step = 1.0 / folds
            rand_col = self.uid + "_rand"
            df = dataset.select("*", F.rand(self.getSeed()).alias(rand_col))
            conditions = [(df[rand_col] >= i * step) & (df[rand_col] < (i + 1) * step) for i in range(folds)]
            return [(df.filter(~condition), df.filter(condition)) for condition in conditions]
        number = F.col(fold_col)
        outside = dataset.filter((number < 0) | (number >= folds)).select(fold_col).limit(1).collect()
        if outside:
            raise SparkRuntimeException(f"Fold number must be in range [0, {folds}), but got {outside[0][0]}",
                                        errorClass="USER_RAISED_EXCEPTION")
        splits = []
        for i in range(folds):
            training, validation = dataset.filter(number != i), dataset.filter(number == i)
            for name, part in (("training", training), ("validation", validation)):
                if part.isEmpty():
                    raise ValueError(f"The {name} data at fold {i} is empty.")
            splits.append((training, validation))
        return splits

    def copy(self, extra: dict | None = None) -> "CrossValidator":
        return self._nested_copies(super().copy(extra), extra)


class CrossValidatorModel(Model, _CrossValidatorParams, _ValidatorReadWrite):
    """The best model of a cross-validation, with every param map's ``avgMetrics`` and ``stdMetrics``
    (and the ``subModels[fold][map]`` when they were collected)."""

    def __init__(self, bestModel=None, avgMetrics=None, subModels=None, stdMetrics=None):
        super().__init__()
        self.bestModel = bestModel
        self.avgMetrics = list(avgMetrics or [])
        self.subModels = subModels
        self.stdMetrics = list(stdMetrics or [])

    def _transform(self, dataset):
        return self.bestModel.transform(dataset)

    def copy(self, extra: dict | None = None) -> "CrossValidatorModel":
        sub_models = None if self.subModels is None else [[m.copy() for m in fold] for fold in self.subModels]
        that = CrossValidatorModel(self.bestModel.copy(extra), self.avgMetrics, sub_models, self.stdMetrics)
        return self._copyValues(that, extra)

    def _model_metadata(self) -> dict:
        metadata = {"avgMetrics": [float(v) for v in self.avgMetrics]}
        if self.stdMetrics:
            metadata["stdMetrics"] = [float(v) for v in self.stdMetrics]
        return metadata

    def _sub_model_paths(self, path: str) -> list:
        return [[f"{path}/subModels/fold{i}/{j}" for j in range(len(self.getEstimatorParamMaps()))]
                for i in range(self.getNumFolds())]

    def _load_models(self, path: str, metadata: dict) -> None:
        self.avgMetrics, self.stdMetrics = metadata["avgMetrics"], metadata.get("stdMetrics", [])
        self.subModels = [[_load(p) for p in fold] for fold in self._sub_model_paths(path)] \
            if metadata.get("persistSubModels") else None


class TrainValidationSplit(Estimator, _TrainValidationSplitParams, HasParallelism, HasCollectSubModels,
                           _ValidatorReadWrite):
    """One random split into training (``trainRatio`` of the rows) and validation data."""

    def _fit(self, dataset) -> "TrainValidationSplitModel":
        estimator, evaluator = self.getEstimator(), self.getEvaluator()
        param_maps = self.getEstimatorParamMaps()
        rand_col = self.uid + "_rand"
        df = dataset.select("*", F.rand(self.getSeed()).alias(rand_col))
        condition = df[rand_col] >= self.getTrainRatio()
        with _Cached(df.filter(~condition)) as train, _Cached(df.filter(condition)) as validation:
            metrics, sub_models = _fit_and_evaluate(estimator, evaluator, train, validation, param_maps,
                                                    self.getParallelism(), self.getCollectSubModels())
        best = estimator.fit(dataset, param_maps[_best_index(evaluator, metrics)])
        return TrainValidationSplitModel(best, metrics, sub_models)._with_parent(self)

    def copy(self, extra: dict | None = None) -> "TrainValidationSplit":
        return self._nested_copies(super().copy(extra), extra)


class TrainValidationSplitModel(Model, _TrainValidationSplitParams, _ValidatorReadWrite):
    """The best model of a train/validation split, with every param map's ``validationMetrics``."""

    def __init__(self, bestModel=None, validationMetrics=None, subModels=None):
        super().__init__()
        self.bestModel = bestModel
        self.validationMetrics = list(validationMetrics or [])
        self.subModels = subModels

    def _transform(self, dataset):
        return self.bestModel.transform(dataset)

    def copy(self, extra: dict | None = None) -> "TrainValidationSplitModel":
        sub_models = None if self.subModels is None else [m.copy() for m in self.subModels]
        that = TrainValidationSplitModel(self.bestModel.copy(extra), self.validationMetrics, sub_models)
        return self._copyValues(that, extra)

    def _model_metadata(self) -> dict:
        return {"validationMetrics": [float(v) for v in self.validationMetrics]}

    def _sub_model_paths(self, path: str) -> list:
        return [f"{path}/subModels/{j}" for j in range(len(self.getEstimatorParamMaps()))]

    def _load_models(self, path: str, metadata: dict) -> None:
        self.validationMetrics = metadata["validationMetrics"]
        self.subModels = [_load(p) for p in self._sub_model_paths(path)] if metadata.get("persistSubModels") else None


# ---- persistence

_NESTED = ("estimator", "evaluator", "estimatorParamMaps")


def _load(path: str):
    return DefaultParamsReader.loadParamsInstance(path)


def _nested_stages(stage) -> dict:
    """uid -> stage for ``stage`` and the stages inside it (a Pipeline's, a validator's)."""
    found = {stage.uid: stage}
    inner = list(stage.getStages()) if hasattr(stage, "getStages") else []
    if isinstance(stage, _ValidatorParams):
        inner += [stage.getEstimator(), stage.getEvaluator()]
    for child in inner:
        found.update(_nested_stages(child))
    return found


def _persist_sub_models(writer: MLWriter, instance) -> bool:
    option = writer.optionMap.get("persistsubmodels")
    if option is None:
        return instance.subModels is not None
    if option.lower() not in ("true", "false"):
        raise ValueError(f"persistSubModels option value {option} is invalid, the possible values are True, 'True' "
                         "or False, 'False'")
    if option.lower() == "true" and instance.subModels is None:
        raise ValueError("When persisting tuning models, you can only set persistSubModels to true if the tuning was "
                         "done with collectSubModels set to true. To save the sub-models, try rerunning fitting with "
                         "collectSubModels set to true.")
    return option.lower() == "true"


class _ValidatorWriter(MLWriter):
    """Saves a validator or its model in PySpark's layout (see the module)."""

    def saveImpl(self, path: str) -> None:
        instance = self.instance
        stages = _nested_stages(instance.getEstimator())
        for stage in [instance.getEvaluator()] + list(stages.values()):
            if not isinstance(stage, MLWritable):
                raise ValueError(f"Validator write will fail because it contains {stage.uid} which is not writable.")
        params = {p.name: v for p, v in instance._paramMap.items() if p.name not in _NESTED}
        params["estimatorParamMaps"] = [self._param_map_json(m, stages, path, i)
                                        for i, m in enumerate(instance.getEstimatorParamMaps())]
        extra = {}
        is_model = isinstance(instance, Model)
        if is_model:
            extra = dict(instance._model_metadata(), persistSubModels=_persist_sub_models(self, instance))
        DefaultParamsWriter.saveMetadata(instance, path, paramMap=params, extraMetadata=extra)
        instance.getEvaluator().save(f"{path}/evaluator")
        instance.getEstimator().save(f"{path}/estimator")
        if is_model:
            instance.bestModel.save(f"{path}/bestModel")
            if extra["persistSubModels"]:
                paths, models = instance._sub_model_paths(path), instance.subModels
                for where, model in zip(_flat(paths), _flat(models)):
                    model.save(where)

    @staticmethod
    def _param_map_json(param_map: dict, stages: dict, path: str, index: int) -> list:
        encoded = []
        for param, value in param_map.items():
            if param.parent not in stages:
                raise ValueError("Validator save requires all Params in estimatorParamMaps to apply to its "
                                 f"Estimator, An extraneous Param was found: {param!r}")
            entry = {"parent": param.parent, "name": param.name}
            if isinstance(value, (Estimator, Transformer)) or hasattr(value, "isLargerBetter"):
                relative = f"epm_{param.name}{index}"
                value.save(f"{path}/{relative}")
                entry.update(value=relative, isJson=False)
            else:
                entry.update(value=json.dumps(value), isJson=True)
            encoded.append(entry)
        return encoded


def _flat(nested) -> list:
    return [item for part in nested for item in (part if isinstance(part, list) else [part])]


def _load_validator(instance, path: str, metadata: dict) -> None:
    estimator, evaluator = _load(f"{path}/estimator"), _load(f"{path}/evaluator")
    stages = _nested_stages(estimator)
    stages[evaluator.uid] = evaluator
    param_maps = []
    for encoded in metadata["paramMap"]["estimatorParamMaps"]:
        param_map = {}
        for entry in encoded:
            param = stages[entry["parent"]].getParam(entry["name"])
            value = json.loads(entry["value"]) if entry.get("isJson", True) else _load(f"{path}/{entry['value']}")
            param_map[param] = value
        param_maps.append(param_map)
    instance._set(estimator=estimator, evaluator=evaluator, estimatorParamMaps=param_maps)
    if isinstance(instance, Model):
        instance.bestModel = _load(f"{path}/bestModel")
        instance._load_models(path, metadata)


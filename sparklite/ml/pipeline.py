"""``pyspark.ml.Pipeline``: stages fitted in order, each estimator on what the stages before it made.

Contract: ``Pipeline(stages=[...]).fit(df)`` fits every estimator up to the last one, transforming
the data through each fitted stage that a later estimator needs, and returns a ``PipelineModel``
of transformers that ``transform`` applies in order. A stage that is neither an Estimator nor a
Transformer is a ``TypeError`` naming its type. Both save as Spark lays pipelines out
(``stages/<i>_<uid>/``, each stage in its own layout) and load back every stage by its class,
a user's own Python stage too.
"""
from __future__ import annotations

from sparklite.ml.base import Estimator, Model, Transformer
from sparklite.ml.param import Param, Params, TypeConverters
from sparklite.ml.util import DefaultParamsReader, DefaultParamsWriter, MLReadable, MLWritable

__all__ = ["Pipeline", "PipelineModel"]


def _stage_path(path: str, index: int, stage, count: int) -> str:
    return f"{path}/stages/{str(index).zfill(len(str(count)))}_{stage.uid}"


class _PipelineParts(MLWritable, MLReadable):
    """Saving and loading a list of stages (a Pipeline's or a PipelineModel's)."""

    def _stage_list(self) -> list:
        raise NotImplementedError

    def _save_extra(self, path: str) -> None:
        stages = self._stage_list()
        for index, stage in enumerate(stages):
            if not isinstance(stage, MLWritable):
                raise ValueError(f"Pipeline write will fail on this pipeline because stage {stage.uid} of type "
                                 f"{type(stage)} is not MLWritable")
            stage.write().save(_stage_path(path, index, stage, len(stages)))

    def write(self):
        writer = super().write()
        writer.saveImpl = lambda path: self._save_all(path)
        return writer

    def _save_all(self, path: str) -> None:
        uids = [stage.uid for stage in self._stage_list()]
        DefaultParamsWriter.saveMetadata(self, path, paramMap={"stageUids": uids}, extraMetadata={"language": "Python"})
        self._save_extra(path)

    @classmethod
    def _load_stages(cls, path: str, metadata: dict) -> list:
        uids = metadata["paramMap"]["stageUids"]
        return [DefaultParamsReader.loadParamsInstance(_stage_path(path, index, _Uid(uid), len(uids)))
                for index, uid in enumerate(uids)]


class _Uid:
    def __init__(self, uid: str):
        self.uid = uid


class Pipeline(Estimator, _PipelineParts):
    """A sequence of stages to fit as one estimator."""

    stages = Param(Params._dummy(), "stages", "a list of pipeline stages", TypeConverters.toList)

    def __init__(self, *, stages=None):
        super().__init__()
        if stages is not None:
            self.setStages(stages)

    def setStages(self, value) -> "Pipeline":
        return self._set(stages=value)

    def getStages(self) -> list:
        return self.getOrDefault(self.stages) if self.isDefined(self.stages) else []

    def _stage_list(self) -> list:
        return self.getStages()

    def _fit(self, dataset) -> "PipelineModel":
        stages = self.getStages()
        for stage in stages:
            if not isinstance(stage, (Estimator, Transformer)):
                raise TypeError(f"Cannot recognize a pipeline stage of type {type(stage)}.")
        last_estimator = max((i for i, s in enumerate(stages) if isinstance(s, Estimator)), default=-1)
        fitted = []
        for index, stage in enumerate(stages):
            if index > last_estimator:
                fitted.append(stage)
                continue
            model = stage.fit(dataset) if isinstance(stage, Estimator) else stage
            fitted.append(model)
            if index < last_estimator:
                dataset = model.transform(dataset)
        return PipelineModel(fitted)._with_parent(self)

    def copy(self, extra: dict | None = None) -> "Pipeline":
        that = super().copy(extra)
        return that.setStages([stage.copy(extra) for stage in self.getStages()])

    def _load_extra(self, path: str, metadata: dict) -> None:
        self._paramMap.pop(self.stages, None)
        self.setStages(self._load_stages(path, metadata))


class PipelineModel(Model, _PipelineParts):
    """The fitted stages of a Pipeline, applied in order."""

    def __init__(self, stages: list | None = None):
        super().__init__()
        self.stages = list(stages or [])

    def _stage_list(self) -> list:
        return self.stages

    def _transform(self, dataset):
        for stage in self.stages:
            dataset = stage.transform(dataset)
        return dataset

    def copy(self, extra: dict | None = None) -> "PipelineModel":
        return PipelineModel([stage.copy(extra) for stage in self.stages])._resetUid(self.uid)

    def _load_extra(self, path: str, metadata: dict) -> None:
        self._paramMap.clear()
        self.stages = self._load_stages(path, metadata)

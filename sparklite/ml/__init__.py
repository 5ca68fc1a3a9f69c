"""``pyspark.ml``: ML pipelines on sparklite DataFrames.

``Estimator``/``Transformer``/``Model`` (``sparklite.ml.base``), ``Pipeline``/``PipelineModel``
(``.pipeline``), params (``.param``), vectors (``.linalg``), persistence (``.util``); the
algorithms in ``.classification``, ``.regression``, ``.clustering``, ``.feature``, evaluated by
``.evaluation`` and tuned by ``.tuning``. Training reads cached Arrow batches through
``.instances``; the numeric kernels are in ``.impl``.
"""
from sparklite.ml.base import Estimator, Model, Transformer, UnaryTransformer
from sparklite.ml.pipeline import Pipeline, PipelineModel
from sparklite.ml.predictors import PredictionModel, Predictor

__all__ = ["Estimator", "Model", "Transformer", "UnaryTransformer", "Pipeline", "PipelineModel", "Predictor",
           "PredictionModel"]

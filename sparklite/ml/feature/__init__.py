"""``pyspark.ml.feature``: feature transformers and their estimators.

Assembling and bucketing numbers (``assembly``: VectorAssembler, Bucketizer, QuantileDiscretizer,
Imputer), categories (``categorical``: StringIndexer, OneHotEncoder, IndexToString), scaling and
projecting vectors (``scaling``) and text (``text``). Every stage transforms batch by batch on the
executors and fits with distributed aggregations.
"""
from sparklite.ml.feature.assembly import Bucketizer, Imputer, ImputerModel, QuantileDiscretizer, VectorAssembler
from sparklite.ml.feature.categorical import (IndexToString, OneHotEncoder, OneHotEncoderModel, StringIndexer,
                                              StringIndexerModel)

__all__ = ["VectorAssembler", "Bucketizer", "QuantileDiscretizer", "Imputer", "ImputerModel", "StringIndexer",
           "StringIndexerModel", "OneHotEncoder", "OneHotEncoderModel", "IndexToString"]

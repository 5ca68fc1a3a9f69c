"""``pyspark.ml.feature``: feature transformers and their estimators.

Assembling and bucketing numbers (``assembly``: VectorAssembler, Bucketizer, QuantileDiscretizer,
Imputer), categories (``categorical``: StringIndexer, OneHotEncoder, IndexToString), scaling and
projecting vectors (``scaling``) and text (``text``). Every stage transforms batch by batch on the
executors and fits with distributed aggregations.
"""
from sparklite.ml.feature.assembly import Bucketizer, Imputer, ImputerModel, QuantileDiscretizer, VectorAssembler
from sparklite.ml.feature.categorical import (IndexToString, OneHotEncoder, OneHotEncoderModel, StringIndexer,
                                              StringIndexerModel)
from sparklite.ml.feature.scaling import (PCA, MaxAbsScaler, MaxAbsScalerModel, MinMaxScaler, MinMaxScalerModel,
                                          Normalizer, PCAModel, StandardScaler, StandardScalerModel)
from sparklite.ml.feature.text import (IDF, CountVectorizer, CountVectorizerModel, HashingTF, IDFModel,
                                       RegexTokenizer, StopWordsRemover, Tokenizer)

__all__ = ["VectorAssembler", "Bucketizer", "QuantileDiscretizer", "Imputer", "ImputerModel", "StringIndexer",
           "StringIndexerModel", "OneHotEncoder", "OneHotEncoderModel", "IndexToString", "StandardScaler",
           "StandardScalerModel", "MinMaxScaler", "MinMaxScalerModel", "MaxAbsScaler", "MaxAbsScalerModel", "Normalizer",
           "PCA", "PCAModel", "Tokenizer", "RegexTokenizer", "StopWordsRemover", "HashingTF", "CountVectorizer",
           "CountVectorizerModel", "IDF", "IDFModel"]

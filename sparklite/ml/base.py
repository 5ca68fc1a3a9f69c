"""``pyspark.ml.base``: ``Estimator.fit(df) -> Model``, ``Transformer.transform(df) -> df``.

Contract:
* ``fit(df, params)``: ``params`` a param map fits a copy with those values; a list of maps fits one
  model per map (``fitMultiple``, which may run from several threads). ``transform(df, params)``
  likewise.
* Stages check their input columns before any job runs: a missing column and a column of the wrong
  type raise ``IllegalArgumentException`` naming the column, the stage (its uid) and the columns
  there are; an output column that exists already is refused the same way.
* ``append_columns(df, fields, compute)`` is how a stage adds its output columns: ``compute`` maps
  each Arrow record batch to the new columns' arrays, whole-batch numpy work on the executors.
"""
from __future__ import annotations

import threading

import pyarrow as pa

from sparklite.ml.param import Params
from sparklite.ml.param.shared import HasInputCol, HasOutputCol
from sparklite.sql import types as T
from sparklite.sql.errors import IllegalArgumentException

__all__ = ["Estimator", "Transformer", "Model", "UnaryTransformer", "HasTrainingSummary", "weight_column", "append_columns", "require_column",
           "require_new_column"]


class Estimator(Params):
    """Fits a model to a DataFrame."""

    def _fit(self, dataset):
        raise NotImplementedError

    def fit(self, dataset, params=None):
        if params is None:
            params = {}
        if isinstance(params, (list, tuple)):
            models = [None] * len(params)
            for index, model in self.fitMultiple(dataset, params):
                models[index] = model
            return models
        if isinstance(params, dict):
            return self.copy(params)._fit(dataset) if params else self._fit(dataset)
        raise TypeError(f"Params must be either a param map or a list/tuple of param maps, but got {type(params)}.")

    def fitMultiple(self, dataset, paramMaps):
        """An iterator of ``(index, model)``, one per param map, safe to consume from several threads."""
        estimator = self.copy()
        lock, counter = threading.Lock(), iter(range(len(paramMaps)))

        class Models:
            def __iter__(self):
                return self

            def __next__(self):
                with lock:
                    index = next(counter)
                return index, estimator.fit(dataset, paramMaps[index])
        return Models()


class Transformer(Params):
    """Turns a DataFrame into another, usually by adding columns."""

    def _transform(self, dataset):
        raise NotImplementedError

    def transform(self, dataset, params=None):
        if params is None:
            params = {}
        if isinstance(params, dict):
            return self.copy(params)._transform(dataset) if params else self._transform(dataset)
        raise TypeError(f"Params must be a param map but got {type(params)}.")


class Model(Transformer):
    """A fitted transformer with its estimator's uid; ``parent`` is that estimator (None once loaded)."""

    parent = None

    def _with_parent(self, estimator) -> "Model":
        """The model of ``estimator``: its uid (as Spark's models take their estimator's) and values."""
        self.parent = estimator
        self._resetUid(estimator.uid)
        estimator._copyValues(self)
        return self


class HasTrainingSummary:
    """A model that keeps the summary of its training (``self._summary``, None once loaded)."""

    _summary = None

    @property
    def hasSummary(self) -> bool:
        return self._summary is not None

    @property
    def summary(self):
        if self._summary is None:
            raise RuntimeError(f"No training summary available for this {type(self).__name__}")
        return self._summary


def weight_column(stage) -> str | None:
    """The stage's ``weightCol`` when it is set to a name (None or "" means every weight is 1)."""
    return (stage.getOrDefault(stage.weightCol) if stage.isDefined(stage.weightCol) else None) or None


def require_column(stage, dataset, name: str, *types, what: str = ""):
    """The type of column ``name``, which must exist and be one of ``types`` (any type when none)."""
    schema = dataset.schema
    if name not in schema.names:
        raise IllegalArgumentException(f"{stage.uid}: {what or 'column'} \"{name}\" does not exist. Available: "
                                       f"{', '.join(schema.names)}")
    data_type = schema[name].dataType
    if types and not any(isinstance(data_type, t) if isinstance(t, type) else data_type == t for t in types):
        wanted = " or ".join(t().simpleString() if isinstance(t, type) else t.simpleString() for t in types)
        raise IllegalArgumentException(f"{stage.uid}: requirement failed: Column {name} must be of type {wanted} but "
                                       f"was actually {data_type.simpleString()}.")
    return data_type


def require_new_column(stage, dataset, name: str) -> None:
    if name in dataset.schema.names:
        raise IllegalArgumentException(f"{stage.uid}: requirement failed: Column {name} already exists.")


def append_columns(dataset, fields: list, compute, replace: bool = False):
    """``dataset`` with ``fields`` (StructFields) added: ``compute(batch)`` gives their arrays."""
    names = [f.name for f in fields]
    kept = [f for f in dataset.schema.fields if not (replace and f.name in names)]
    schema = T.StructType(kept + list(fields))
    arrow_schema = T.to_arrow_schema(schema)
    kept_names = [f.name for f in kept]

    def run(batches):
        for batch in batches:
            columns = [batch.column(batch.schema.get_field_index(n)) for n in kept_names] + list(compute(batch))
            yield pa.RecordBatch.from_arrays(columns, schema=arrow_schema)
    return dataset.mapInArrow(run, schema)


class UnaryTransformer(HasInputCol, HasOutputCol, Transformer):
    """A transformer of one column into one new column by a Python function of a value
    (``createTransformFunc``), typed ``outputDataType()``."""

    def createTransformFunc(self):
        raise NotImplementedError

    def outputDataType(self):
        raise NotImplementedError

    def validateInputType(self, inputType) -> None:
        """Raise when the input column's type is not one this transformer takes."""

    def transformSchema(self, schema):
        input_type = schema[self.getInputCol()].dataType
        self.validateInputType(input_type)
        if self.getOutputCol() in schema.names:
            raise ValueError(f"Output column {self.getOutputCol()} already exists.")
        return T.StructType(schema.fields + [T.StructField(self.getOutputCol(), self.outputDataType(), True)])

    def _transform(self, dataset):
        from sparklite.sql.functions import udf
        self.transformSchema(dataset.schema)
        function = udf(self.createTransformFunc(), self.outputDataType())
        return dataset.withColumn(self.getOutputCol(), function(dataset[self.getInputCol()]))

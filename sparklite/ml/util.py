"""``pyspark.ml.util``: saving and loading stages (``model.write().overwrite().save(p)``, ``Cls.load(p)``).

Contract (Spark's layout, through ``pyarrow.fs`` so ``s3://`` paths work too):
* ``p/metadata/part-00000``: one JSON line ``{class, timestamp, sparkVersion, uid, paramMap,
  defaultParamMap, formatVersion, ...}``; ``class`` is the stage's Python class (``module.Name``),
  so a user's own pure-Python stage saves and loads like a built-in one.
* ``p/data/part-00000.parquet``: a model's fitted values, when it has any (``write_data`` /
  ``read_data``); ``p/stages/<i>_<uid>/``: a pipeline's stages, each in this same layout.
* Saving over an existing path without ``overwrite()`` fails naming it; loading a path saved by
  another class, or by a newer format than this one reads, says so.
* A stage takes part by subclassing ``MLWritable``/``MLReadable`` (the ``DefaultParams*`` pair for
  stages whose params are all they hold) and, when it holds fitted values, overriding
  ``_save_extra(path, spark)`` and ``_load_extra(path, metadata, spark)``.
"""
from __future__ import annotations

import importlib
import json
import time

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

import sparklite
from sparklite.core.api import resolve_path
from sparklite.ml.param import Identifiable, Params
from sparklite.sql import SparkSession

__all__ = ["MLWriter", "MLReader", "MLWritable", "MLReadable", "DefaultParamsWritable", "DefaultParamsReadable",
           "DefaultParamsWriter", "DefaultParamsReader", "GeneralMLWriter", "Identifiable", "write_data",
           "read_data"]

FORMAT_VERSION = 1


def _filesystem(path: str):
    session = SparkSession.getActiveSession()
    conf = session.sparkContext.getConf() if session is not None else None
    return resolve_path(path, conf)


def _exists(path: str) -> bool:
    fs, where = _filesystem(path)
    return fs.get_file_info(where).type != pafs.FileType.NotFound


def _write_text(path: str, text: str) -> None:
    fs, where = _filesystem(path)
    fs.create_dir(where.rsplit("/", 1)[0], recursive=True)
    with fs.open_output_stream(where) as out:
        out.write(text.encode())


def _read_text(path: str) -> str:
    fs, where = _filesystem(path)
    with fs.open_input_stream(where) as stream:
        return stream.read().decode()


def write_data(path: str, table: pa.Table) -> None:
    """A model's fitted values as ``path/data/part-00000.parquet``."""
    fs, where = _filesystem(path)
    fs.create_dir(f"{where}/data", recursive=True)
    pq.write_table(table, f"{where}/data/part-00000.parquet", filesystem=fs)


def read_data(path: str) -> pa.Table:
    fs, where = _filesystem(path)
    return pq.read_table(f"{where}/data/part-00000.parquet", filesystem=fs)


def _json_value(value):
    from sparklite.ml.linalg import DenseMatrix, Vector
    if isinstance(value, Vector):
        return {"vector": value.toArray().tolist()}
    if isinstance(value, DenseMatrix):
        return {"matrix": [value.numRows, value.numCols, value.values.tolist()]}
    return value


def _from_json_value(value):
    from sparklite.ml.linalg import DenseMatrix, DenseVector
    if isinstance(value, dict) and set(value) == {"vector"}:
        return DenseVector(value["vector"])
    if isinstance(value, dict) and set(value) == {"matrix"}:
        return DenseMatrix(*value["matrix"])
    return value


def class_name(instance_or_class) -> str:
    klass = instance_or_class if isinstance(instance_or_class, type) else type(instance_or_class)
    return f"{klass.__module__}.{klass.__qualname__}"


class MLWriter:
    """Saves a stage: ``.overwrite()``, ``.option(k, v)``, ``.session(spark)``, ``.save(path)``."""

    def __init__(self, instance=None):
        self.instance = instance
        self.shouldOverwrite = False
        self.optionMap: dict = {}
        self.sparkSession = None

    def overwrite(self) -> "MLWriter":
        self.shouldOverwrite = True
        return self

    def option(self, key: str, value) -> "MLWriter":
        self.optionMap[key.lower()] = str(value)
        return self

    def session(self, sparkSession) -> "MLWriter":
        self.sparkSession = sparkSession
        return self

    def save(self, path: str) -> None:
        if not isinstance(path, str):
            raise TypeError(f"path should be a string, got type {type(path)}")
        if _exists(path):
            if not self.shouldOverwrite:
                raise OSError(f"Path {path} already exists. To overwrite it, please use write.overwrite().save(path) "
                              "for Scala and use write().overwrite().save(path) for Java and Python.")
            fs, where = _filesystem(path)
            fs.delete_dir(where)
        self.saveImpl(path)

    def saveImpl(self, path: str) -> None:
        DefaultParamsWriter.saveMetadata(self.instance, path)
        self.instance._save_extra(path)


GeneralMLWriter = MLWriter


class DefaultParamsWriter(MLWriter):
    """Writes a stage's params (and, through the stage's ``_save_extra``, anything it holds)."""

    @staticmethod
    def saveMetadata(instance, path: str, sc=None, extraMetadata: dict | None = None, paramMap: dict | None = None):
        metadata = {
            "class": class_name(instance), "timestamp": int(time.time() * 1000),
            "sparkVersion": sparklite.__version__, "uid": instance.uid, "formatVersion": FORMAT_VERSION,
            "paramMap": paramMap if paramMap is not None else
            {p.name: _json_value(v) for p, v in instance._paramMap.items()},
            "defaultParamMap": {p.name: _json_value(v) for p, v in instance._defaultParamMap.items()},
        }
        metadata.update(extraMetadata or {})
        _write_text(f"{path}/metadata/part-00000", json.dumps(metadata, separators=(",", ":")) + "\n")
        _write_text(f"{path}/metadata/_SUCCESS", "")


class MLReader:
    """Loads a stage saved by ``MLWriter``: ``Cls.read().load(path)`` or ``Cls.load(path)``."""

    def __init__(self, clazz=None):
        self.clazz = clazz
        self.sparkSession = None

    def session(self, sparkSession) -> "MLReader":
        self.sparkSession = sparkSession
        return self

    def load(self, path: str):
        metadata = DefaultParamsReader.loadMetadata(path, class_name(self.clazz) if self.clazz else "")
        return DefaultParamsReader.loadParamsInstance(path, metadata)


class DefaultParamsReader(MLReader):
    """Reads a stage's metadata and makes the stage again from it."""

    @staticmethod
    def loadMetadata(path: str, expectedClassName: str = "", sc=None) -> dict:
        try:
            metadata = json.loads(_read_text(f"{path}/metadata/part-00000").splitlines()[0])
        except FileNotFoundError:
            raise FileNotFoundError(f"No model saved at {path}: {path}/metadata/part-00000 does not exist") from None
        found = metadata.get("class", "")
        if expectedClassName and found != expectedClassName and not _is_subclass(found, expectedClassName):
            raise ValueError(f"Error loading metadata: Expected class name {expectedClassName} but found class "
                             f"name {found}")
        version = metadata.get("formatVersion", 1)
        if version > FORMAT_VERSION:
            raise ValueError(f"The model at {path} was saved in format version {version} by sparklite "
                             f"{metadata.get('sparkVersion')}; this sparklite ({sparklite.__version__}) reads "
                             f"format versions up to {FORMAT_VERSION}")
        return metadata

    @staticmethod
    def loadParamsInstance(path: str, metadata: dict | None = None):
        metadata = metadata or DefaultParamsReader.loadMetadata(path)
        klass = _import_class(metadata["class"])
        instance = klass.__new__(klass)
        Params.__init__(instance)
        instance._resetUid(metadata["uid"])
        DefaultParamsReader.getAndSetParams(instance, metadata)
        instance._load_extra(path, metadata)
        return instance

    @staticmethod
    def getAndSetParams(instance, metadata: dict, skipParams: list | None = None) -> None:
        skip = set(skipParams or ())
        for name, value in metadata.get("defaultParamMap", {}).items():
            if instance.hasParam(name) and name not in skip:
                instance._defaultParamMap[instance.getParam(name)] = _from_json_value(value)
        for name, value in metadata.get("paramMap", {}).items():
            if instance.hasParam(name) and name not in skip:
                instance._paramMap[instance.getParam(name)] = _from_json_value(value)


def _import_class(name: str) -> type:
    module, _, qualname = name.rpartition(".")
    try:
        found = importlib.import_module(module)
        for part in qualname.split("."):
            found = getattr(found, part)
    except (ImportError, AttributeError):
        raise ValueError(f"Cannot load a stage of class {name}: it cannot be imported here") from None
    return found


def _is_subclass(found: str, expected: str) -> bool:
    try:
        return issubclass(_import_class(found), _import_class(expected))
    except ValueError:
        return False


class MLWritable:
    """A stage that can be saved: ``write()`` and ``save(path)``."""

    def write(self) -> MLWriter:
        return MLWriter(self)

    def save(self, path: str) -> None:
        self.write().save(path)

    def _save_extra(self, path: str) -> None:
        """Write what the stage holds beyond its params (a model's fitted values)."""

    def _load_extra(self, path: str, metadata: dict) -> None:
        """Read back what ``_save_extra`` wrote."""


class MLReadable:
    """A stage that can be loaded: ``Cls.read().load(path)`` and ``Cls.load(path)``."""

    @classmethod
    def read(cls) -> MLReader:
        return MLReader(cls)

    @classmethod
    def load(cls, path: str):
        return cls.read().load(path)


class DefaultParamsWritable(MLWritable):
    """Saves a stage that is its params (a user's own Python stage inherits this)."""


class DefaultParamsReadable(MLReadable):
    """Loads a stage that is its params."""


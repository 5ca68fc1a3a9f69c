"""``pyspark.mllib.util``: ``MLUtils`` (LIBSVM text files to and from RDDs of ``LabeledPoint``) and
what mllib models share to save and load (``Saveable``, ``Loader``).

Contract of persistence (``sparklite.ml.util``'s layout): ``model.save(sc, path)`` writes
``path/metadata/part-00000`` (one JSON line: the model's ``class``, ``timestamp``, ``sparkVersion``,
``formatVersion`` and the model's own sizes) and its fitted values as ``path/data/part-00000.parquet``;
it refuses a path that exists. ``Model.load(sc, path)`` checks the class (a path saved by another
model says so) and the format version, and rebuilds the model from the data.
"""
from __future__ import annotations

import json
import time

import numpy as np
import pyarrow as pa
import pyarrow.fs as pafs

import sparklite

from sparklite.core.api import resolve_path
from sparklite.ml.util import FORMAT_VERSION, DefaultParamsReader, class_name, read_data, write_data
from sparklite.mllib.linalg import SparseVector
from sparklite.mllib.regression import LabeledPoint, as_vector

__all__ = ["MLUtils", "Saveable", "Loader"]


def _create(path: str, text: str, conf) -> None:
    """Write ``text`` at ``path``, which must not exist yet."""
    fs, where = resolve_path(path, conf)
    if fs.get_file_info(where.rsplit("/metadata/", 1)[0]).type != pafs.FileType.NotFound:
        raise OSError(f"Output path {path.rsplit('/metadata/', 1)[0]} already exists: choose another path or "
                      "remove it first")
    fs.create_dir(where.rsplit("/", 1)[0], recursive=True)
    with fs.open_output_stream(where) as out:
        out.write(text.encode())


class Saveable:
    """A model that saves itself: subclasses give ``_metadata()`` (a dict) and ``_data()`` (a table)."""

    def _metadata(self) -> dict:
        return {}

    def _data(self) -> pa.Table:
        raise NotImplementedError

    def save(self, sc, path: str) -> None:
        """Save this model at ``path``, which must not exist."""
        metadata = {"class": class_name(self), "timestamp": int(time.time() * 1000),
                    "sparkVersion": sparklite.__version__, "formatVersion": FORMAT_VERSION, **self._metadata()}
        _create(f"{path}/metadata/part-00000", json.dumps(metadata, separators=(",", ":")) + "\n", sc.getConf())
        write_data(path, self._data())


class Loader:
    """A model class that loads what ``Saveable.save`` wrote: subclasses give ``_from_saved``."""

    @classmethod
    def _from_saved(cls, metadata: dict, table: pa.Table):
        raise NotImplementedError

    @classmethod
    def load(cls, sc, path: str):
        """The model saved at ``path``."""
        metadata = DefaultParamsReader.loadMetadata(path, class_name(cls))
        return cls._from_saved(metadata, read_data(path))


def _parse_libsvm_line(line: str):
    """(label, 0-based indices, values) of a LIBSVM line, None for a blank or comment line."""
    line = line.split("#", 1)[0].strip()
    if not line:
        return None
    label, *items = line.split()
    pairs = [item.split(":") for item in items]
    indices = np.array([int(index) - 1 for index, _ in pairs], dtype=np.int32)
    if len(indices) and (indices[0] < 0 or np.any(np.diff(indices) <= 0)):
        raise ValueError(f"indices should be one-based and in ascending order; line=\"{line}\"")
    return float(label), indices, np.array([float(value) for _, value in pairs])


def _libsvm_line(point: LabeledPoint) -> str:
    vector = as_vector(point.features)
    if isinstance(vector, SparseVector):
        pairs = zip(vector.indices, vector.values)
    else:
        pairs = enumerate(vector.toArray())
    return " ".join([str(point.label)] + [f"{int(i) + 1}:{float(v)}" for i, v in pairs])


class MLUtils:
    """Helpers to read and write labelled data in LIBSVM's text format."""

    @staticmethod
    def loadLibSVMFile(sc, path: str, numFeatures: int = -1, minPartitions=None):
        """An RDD of ``LabeledPoint`` with sparse features from LIBSVM text (``label index:value ...``,
        indices one-based and ascending). ``numFeatures <= 0`` takes the largest index seen (one job)."""
        parsed = sc.textFile(path, minPartitions).map(_parse_libsvm_line).filter(lambda p: p is not None)
        if numFeatures <= 0:
            parsed.cache()
            numFeatures = parsed.map(lambda p: int(p[1][-1]) + 1 if len(p[1]) else 0).reduce(max)
        size = numFeatures
        return parsed.map(lambda p: LabeledPoint(p[0], SparseVector(size, p[1], p[2])))

    @staticmethod
    def saveAsLibSVMFile(data, dir: str) -> None:
        """Write an RDD of ``LabeledPoint`` as LIBSVM text files under ``dir``."""
        data.map(_libsvm_line).saveAsTextFile(dir)

    @staticmethod
    def appendBias(data):
        """The vector with a 1.0 appended."""
        vector = as_vector(data)
        if isinstance(vector, SparseVector):
            return SparseVector(len(vector) + 1, np.append(vector.indices, len(vector)), np.append(vector.values, 1.0))
        return as_vector(np.append(vector.toArray(), 1.0))

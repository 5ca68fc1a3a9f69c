"""Running PySpark programs unchanged: ``install_pyspark_alias()`` makes ``import pyspark`` (and
``pyspark.sql``, ``pyspark.sql.functions``, ``pyspark.sql.types``, ``pyspark.sql.streaming``,
``pyspark.errors``, ``pyspark.ml.*``, ``pyspark.mllib.*``, ...) import sparklite's modules of the same role.

Contract: after installing, ``sys.modules`` answers every ``pyspark`` module name the table below
knows with the sparklite module, so ``from pyspark.sql import functions as F`` and
``from pyspark.sql.types import *`` bind sparklite's objects; an unknown ``pyspark.x`` name raises
the usual ``ModuleNotFoundError`` naming it. Installing twice is harmless; it refuses (ImportError)
when the real PySpark was already imported in this process.
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys

MODULES = {
    "pyspark": "sparklite",
    "pyspark.sql": "sparklite.sql",
    "pyspark.sql.functions": "sparklite.sql.functions",
    "pyspark.sql.types": "sparklite.sql.types",
    "pyspark.sql.window": "sparklite.sql.window",
    "pyspark.sql.column": "sparklite.sql.column",
    "pyspark.sql.dataframe": "sparklite.sql.dataframe",
    "pyspark.sql.session": "sparklite.sql.session",
    "pyspark.sql.group": "sparklite.sql.group",
    "pyspark.sql.catalog": "sparklite.sql.catalog",
    "pyspark.sql.conf": "sparklite.sql.conf",
    "pyspark.sql.readwriter": "sparklite.sql.readwriter",
    "pyspark.sql.udf": "sparklite.sql.udf",
    "pyspark.sql.utils": "sparklite.sql.errors",
    "pyspark.errors": "sparklite.sql.errors",
    "pyspark.errors.exceptions": "sparklite.sql.errors",
    "pyspark.errors.exceptions.base": "sparklite.sql.errors",
    "pyspark.errors.exceptions.captured": "sparklite.sql.errors",
    "pyspark.profiler": "sparklite.profiler",
    "pyspark.rdd": "sparklite",
    "pyspark.context": "sparklite",
    "pyspark.conf": "sparklite",
    "pyspark.storagelevel": "sparklite",
    "pyspark.taskcontext": "sparklite",
    "pyspark.accumulators": "sparklite",
    "pyspark.broadcast": "sparklite",
    "pyspark.files": "sparklite",
    "pyspark.sql.streaming": "sparklite.streaming",
    "pyspark.sql.streaming.query": "sparklite.streaming",
    "pyspark.sql.streaming.readwriter": "sparklite.streaming",
    "pyspark.sql.streaming.listener": "sparklite.streaming",
    "pyspark.streaming": "sparklite.streaming",
    "pyspark.streaming.context": "sparklite.streaming",
    "pyspark.streaming.dstream": "sparklite.streaming",
    **{f"pyspark.{name}": f"sparklite.{name}" for name in (
        "ml", "ml.base", "ml.pipeline", "ml.param", "ml.param.shared", "ml.util", "ml.linalg", "ml.functions",
        "ml.feature", "ml.classification", "ml.regression", "ml.clustering", "ml.evaluation", "ml.tuning",
        "ml.stat", "ml.tree", "mllib", "mllib.regression", "mllib.classification", "mllib.tree",
        "mllib.clustering", "mllib.stat", "mllib.linalg", "mllib.util")},
}


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, target: str):
        self.target = target

    def create_module(self, spec):
        return importlib.import_module(self.target)

    def exec_module(self, module):
        pass


class _AliasFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        if fullname in MODULES:
            return importlib.util.spec_from_loader(fullname, _AliasLoader(MODULES[fullname]))
        return None


def install_pyspark_alias() -> None:
    """Make ``pyspark`` imports resolve to sparklite in this process."""
    loaded = sys.modules.get("pyspark")
    if loaded is not None and not getattr(loaded, "__name__", "").startswith("sparklite"):
        raise ImportError("the real PySpark is already imported in this process; install the sparklite alias "
                          "before the first 'import pyspark'")
    if not any(isinstance(f, _AliasFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _AliasFinder())

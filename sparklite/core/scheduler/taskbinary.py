"""Task binaries: a stage's RDD chain and function, pickled once per stage attempt.

Contract: ``serialize(obj, rdds)`` cloudpickles ``obj`` allowing exactly the RDDs of the stage's
lineage to be pickled; an RDD or the SparkContext captured by a user's function, or any other
unpicklable object, raises ``TaskNotSerializableError`` naming the operation and how to fix it.
Code objects travel with their source file's name (cloudpickle 3.1.3 and later write
``<dynamic-code>`` instead), so a task's traceback names the user's file and the driver can show
the lines of a notebook cell it alone knows. cloudpickle's search for the submodules a function
reaches through a package it uses (``pa.compute``) reads an index of ``sys.modules`` by package,
rebuilt when modules are imported, where cloudpickle scans all of ``sys.modules`` for every package
of every function (most of a stage's pickling time); it finds the same modules in the same order.
"""
from __future__ import annotations

import io
import marshal
import pickle
import sys
import threading
import types

import cloudpickle

from sparklite.core import rdd as rdd_module
from sparklite.core.errors import TaskNotSerializableError
from sparklite.core.lineage import ancestors


def stage_rdd_ids(rdd) -> set[int]:
    """Ids of the RDDs a task of this stage computes: the chain back to shuffles and sources."""
    return {r._id for r in ancestors(rdd)}


def arrow_only(rdd, action) -> bool:
    """Whether a stage's tasks run only Arrow kernels and engine plumbing, no per-record Python: every
    RDD of the stage says so (``RDD._arrow_only``) and so do its shuffle writer or its action. Such
    tasks may run on threads of the executor's process; all others go to Python workers."""
    from sparklite.core.dependencies import ShuffleDependency
    if isinstance(action, ShuffleDependency):
        if action.bucketer is None:
            return False
    elif not (action in _ARROW_ONLY_ACTIONS or getattr(action, "_arrow_only", False)):
        return False
    return all(r._arrow_only for r in ancestors(rdd))


_ARROW_ONLY_ACTIONS = {list}


class _TaskPickler(cloudpickle.Pickler):
    """cloudpickle, with code objects as ``marshal`` writes them: file name and all (executors run the
    driver's Python version, as cloudpickled code requires anyway)."""

    dispatch_table = cloudpickle.Pickler.dispatch_table.new_child({types.CodeType: lambda code: (
        marshal.loads, (marshal.dumps(code),))})


class _SubmoduleIndex:
    """Every loaded module's name under each package that contains it, by the first name after the
    package's (``pyarrow`` -> ``compute`` -> [``pyarrow.compute``])."""

    def __init__(self):
        self.size, self.by_package, self.lock = -1, {}, threading.Lock()

    def packages(self) -> dict:
        with self.lock:
            if len(sys.modules) != self.size:
                by_package: dict = {}
                for name in [n for n in list(sys.modules) if isinstance(n, str)]:
                    parts = name.split(".")
                    for i in range(1, len(parts)):
                        by_package.setdefault(".".join(parts[:i]), {}).setdefault(parts[i], []).append(
                            (name, frozenset(parts[i:])))
                self.size, self.by_package = len(sys.modules), by_package
            return self.by_package


_index = _SubmoduleIndex()


def _imported_submodules(code, top_level_dependencies) -> list:
    """The loaded submodules of the packages among ``top_level_dependencies`` that ``code`` can reach
    by attribute (what cloudpickle's ``_find_imported_submodules`` finds, from the index)."""
    by_package, names, found = _index.packages(), set(code.co_names), []
    for module in top_level_dependencies:
        if isinstance(module, types.ModuleType) and getattr(module, "__package__", None):
            children = by_package.get(module.__name__, {})
            for first in names.intersection(children):
                found += [sys.modules[name] for name, tokens in children[first]
                          if tokens <= names and name in sys.modules]
    return found


cloudpickle.cloudpickle._find_imported_submodules = _imported_submodules


def _dumps(obj) -> bytes:
    buffer = io.BytesIO()
    _TaskPickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(obj)
    return buffer.getvalue()


def serialize(obj, stage_rdd) -> bytes:
    rdd_module._pickling.allowed = stage_rdd_ids(stage_rdd)
    try:
        return _dumps(obj)
    except Exception as e:  # cloudpickle raises many kinds (PicklingError, TypeError, RuntimeError)
        raise TaskNotSerializableError(
            f"Task not serializable: the functions of {stage_rdd!r} and its parents could not be "
            f"pickled ({type(e).__name__}: {e}). Functions passed to RDD operations are shipped to "
            f"executors, so they must not capture the SparkContext, an RDD, locks, open files or "
            f"sockets; create such objects inside the function, or pass data with sc.broadcast().") from e
    finally:
        rdd_module._pickling.allowed = None


def deserialize(data: bytes):
    return pickle.loads(data)

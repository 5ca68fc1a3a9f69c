"""Task binaries: a stage's RDD chain and function, pickled once per stage attempt.

Contract: ``serialize(obj, rdds)`` cloudpickles ``obj`` allowing exactly the RDDs of the stage's
lineage to be pickled; an RDD or the SparkContext captured by a user's function, or any other
unpicklable object, raises ``TaskNotSerializableError`` naming the operation and how to fix it.
"""
from __future__ import annotations

import pickle

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


def serialize(obj, stage_rdd) -> bytes:
    rdd_module._pickling.allowed = stage_rdd_ids(stage_rdd)
    try:
        return cloudpickle.dumps(obj, pickle.HIGHEST_PROTOCOL)
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

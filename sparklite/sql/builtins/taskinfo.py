"""Functions that read the running task: ``spark_partition_id()`` and
``monotonically_increasing_id()`` (the partition index in the upper 31 bits, the row's position
within its partition in the lower 33, as Spark makes it).

Contract: both are nondeterministic (they depend on placement); the row position continues from
batch to batch of one task, as Spark's counter continues through a partition.
"""
from __future__ import annotations

import threading
import weakref

import numpy as np
import pyarrow as pa

from sparklite.core.api import TaskContext
from sparklite.sql import types as T
from sparklite.sql.builtins.registry import FunctionSpec, register

# rows numbered so far: TaskContext -> {call: count}; an entry goes with its task's context
_COUNTERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def _partition() -> int:
    context = TaskContext.get()
    return context.partitionId() if context is not None else 0


def _spark_partition_id(values, n, call):
    return pa.array(np.full(n, _partition(), dtype=np.int32))


def _monotonically_increasing_id(values, n, call):
    context = TaskContext.get()
    start = 0
    if context is not None:
        with _LOCK:
            counters = _COUNTERS.setdefault(context, {})
            start = counters.get(id(call), 0)
            counters[id(call)] = start + n
    return pa.array((np.int64(_partition()) << np.int64(33)) + start + np.arange(n, dtype=np.int64))


register(FunctionSpec("spark_partition_id", lambda args: ([], T.IntegerType(), False), _spark_partition_id,
                      deterministic=False))
register(FunctionSpec("monotonically_increasing_id", lambda args: ([], T.LongType(), False),
                      _monotonically_increasing_id, deterministic=False))
register(FunctionSpec("input_file_name", lambda args: ([], T.StringType(), False),
                      lambda values, n, call: pa.array([""] * n, pa.string()), deterministic=False))

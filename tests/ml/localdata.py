"""A local stand-in for the ``data`` object the ML kernels train on (``sparklite/ml/impl``).

``LocalData(X, y=None, w=None, num_partitions=3)`` splits the rows into ``num_partitions`` chunks in
order (``np.array_split``: with fewer rows than partitions some chunks are empty, as in Spark).
``aggregate`` runs ``seq_op`` on every chunk and folds the partials with ``comb_op``; the functions and
every partial go through ``cloudpickle`` first, as they would between driver and executors, so a kernel
that captures unpicklable state or relies on mutating a closure fails here. ``jobs`` lists the
description of every pass in order, so a test can count the passes a kernel makes.
"""
from __future__ import annotations

from dataclasses import dataclass

import cloudpickle
import numpy as np


@dataclass
class Chunk:
    """One partition's rows."""
    index: int
    X: np.ndarray
    y: np.ndarray
    w: np.ndarray


def _through_pickle(obj):
    return cloudpickle.loads(cloudpickle.dumps(obj))


class LocalData:
    """Rows split into partitions; ``aggregate`` and ``map_chunks`` as the kernels expect."""

    def __init__(self, X, y=None, w=None, num_partitions=3, *, _parts=None, _jobs=None, _num_features=None):
        self.jobs = [] if _jobs is None else _jobs
        if _parts is not None:
            self.parts, self.num_features = _parts, _num_features
            return
        X = np.ascontiguousarray(X, dtype=np.float64)
        n = X.shape[0]
        y = np.zeros(n) if y is None else np.asarray(y, dtype=np.float64)
        w = np.ones(n) if w is None else np.asarray(w, dtype=np.float64)
        bounds = np.array_split(np.arange(n), num_partitions)
        self.parts = [Chunk(i, np.ascontiguousarray(X[rows]), y[rows].copy(), w[rows].copy())
                      for i, rows in enumerate(bounds)]
        self.num_features = X.shape[1]

    def aggregate(self, seq_op, comb_op, description: str):
        """Apply ``seq_op`` to every partition and fold the partials with ``comb_op``."""
        self.jobs.append(description)
        seq_op, comb_op = _through_pickle(seq_op), _through_pickle(comb_op)
        partials = [_through_pickle(seq_op(part)) for part in self.parts]
        result = partials[0]
        for partial in partials[1:]:
            result = comb_op(result, partial)
        return result

    def map_chunks(self, fn, description: str) -> "LocalData":
        """A data-like object over ``fn(chunk)`` per partition, computed once."""
        self.jobs.append(description)
        fn = _through_pickle(fn)
        return LocalData(None, _parts=[fn(part) for part in self.parts], _jobs=self.jobs,
                         _num_features=self.num_features)

    def unpersist(self) -> None:
        """Drop the cached per-partition objects."""
        self.parts = []

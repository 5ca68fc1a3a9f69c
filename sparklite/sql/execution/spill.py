"""Operators that outgrow their task's execution memory spill to local disk instead of failing.

Contract: ``within_memory(inputs, memory)`` gathers one partition's inputs (a join's two sides, an
aggregation's partial states) and yields them once, all in memory, while the task's ``TaskMemory``
grants room for them; past that, every input is split by a hash of its keys into ``fanout`` Arrow
spill files and the matching buckets of all inputs are yielded in turn, so rows with equal keys
always meet (Spark's hash-based spilling, as a grace hash join does it). Memory is estimated as
twice the input's bytes (the gathered copy and the result). Sorts spill sorted runs instead
(``sort.external_sort``).
"""
from __future__ import annotations

import numpy as np
import pyarrow as pa

from sparklite.core.api import ArrowSpillFile
from sparklite.sql.execution.hashing import murmur3_hash

FANOUT = 16
_SPLIT_SEED = 0x5EED             # not the exchange's 42: the rows of one partition share that hash
OVERHEAD = 2


def within_memory(inputs: list, memory, fanout: int = FANOUT):
    """``inputs``: (batches, keys) per input, ``keys(batch)`` its key arrays. Yields lists of
    batches, one list per input: everything at once, or bucket by bucket after a spill."""
    held, size, spills = [[] for _ in inputs], 0, None
    for side, (batches, keys) in enumerate(inputs):
        for batch in batches:
            if spills is None:
                size += batch.nbytes
                if memory.fits(size * OVERHEAD):
                    held[side].append(batch)
                    continue
                spills = [[None] * fanout for _ in inputs]
                for j, kept in enumerate(held):
                    for b in kept:
                        _split(b, inputs[j][1], spills[j])
                held = None
                memory.release()
            _split(batch, keys, spills[side])
    if spills is None:
        yield held
        return
    for files in spills:
        for f in files:
            if f is not None:
                f.close()
    for bucket in range(fanout):
        yield [list(files[bucket].read()) if files[bucket] is not None else [] for files in spills]


def _split(batch: pa.RecordBatch, keys, files: list) -> None:
    """The rows of ``batch`` appended to the spill files of their buckets (made on first use)."""
    if not batch.num_rows:
        return
    buckets = murmur3_hash(keys(batch), _SPLIT_SEED).astype(np.int64) % len(files)
    order = np.argsort(buckets, kind="stable")
    ends = np.cumsum(np.bincount(buckets, minlength=len(files)))
    ordered = batch.take(pa.array(order))
    start = 0
    for bucket, end in enumerate(ends):
        if end > start:
            if files[bucket] is None:
                files[bucket] = ArrowSpillFile(batch.schema)
            files[bucket].write(ordered.slice(start, end - start))
        start = end

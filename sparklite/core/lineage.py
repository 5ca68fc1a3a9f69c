"""An RDD's lineage: the RDDs one stage computes, and ``toDebugString`` drawn the way Spark draws it.

Contract: ``stage_rdds(rdd)`` yields, once each, every RDD a task of the stage ending at ``rdd``
computes: the chain of narrow dependencies back to shuffles and sources, where a checkpointed RDD
leads to its checkpoint instead of the lineage it cut. The task binary, the barrier checks and
the thread-or-worker decision all read a stage through it. ``debug_string``: one line per RDD,
``(partitions) Name[id] at op at file:line [storage level]``; narrow parents continue the column
with `` |  ``, each shuffle parent starts a new indented block with ``+-(partitions)``. The layout
follows Spark's ``RDD.debugString`` rules exactly.
"""
from __future__ import annotations

import re

from sparklite.core.dependencies import ShuffleDependency


def stage_rdds(rdd):
    seen, stack = set(), [rdd]
    while stack:
        r = stack.pop()
        if r._id in seen:
            continue
        seen.add(r._id)
        yield r
        if r._checkpointed is not None:
            stack.append(r._checkpointed)
        else:
            stack.extend(d.rdd for d in r._deps if not isinstance(d, ShuffleDependency))


def _self_lines(rdd) -> list[str]:
    level = rdd.getStorageLevel()
    persistence = f"[{level}]" if level.is_valid else "[]"
    lines = [f"{rdd!r} {persistence}"]
    if level.is_valid:
        status = rdd.ctx._rdd_storage(rdd._id)
        if status["partitions"]:
            lines.append(f"|       CachedPartitions: {status['partitions']}; "
                         f"MemorySize: {status['memory']} B; DiskSize: {status['disk']} B")
    return lines


def _children(rdd, prefix: str) -> list[str]:
    deps = rdd.dependencies
    out = []
    for i, dep in enumerate(deps):
        out += _debug(dep.rdd, prefix, isinstance(dep, ShuffleDependency), i == len(deps) - 1)
    return out


def _debug(rdd, prefix: str, is_shuffle: bool, is_last: bool) -> list[str]:
    if not is_shuffle:
        return [prefix + line for line in _self_lines(rdd)] + _children(rdd, prefix)
    part = f"({rdd.getNumPartitions()})"
    left = (len(part) - 1) // 2
    this_prefix = re.sub(r"\|\s+$", "", prefix)
    next_prefix = this_prefix + ("  " if is_last else "| ") + " " * left + "|" + " " * (len(part) - left)
    lines = [f"{this_prefix}+-{part} {desc}" if i == 0 else f"{next_prefix}{desc}"
             for i, desc in enumerate(_self_lines(rdd))]
    return lines + _children(rdd, next_prefix)


def debug_string(rdd) -> str:
    part = f"({rdd.getNumPartitions()})"
    left = (len(part) - 1) // 2
    next_prefix = " " * left + "|" + " " * (len(part) - left)
    lines = [f"{part} {desc}" if i == 0 else f"{next_prefix} {desc}" for i, desc in enumerate(_self_lines(rdd))]
    return "\n".join(lines + _children(rdd, next_prefix))

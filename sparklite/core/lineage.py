"""An RDD's lineage, walked in one place, and ``toDebugString`` drawn the way Spark draws it.

Contract: ``ancestors(rdd)`` yields, once each and nearest first, every RDD a task of the stage
ending at ``rdd`` computes: the chain of narrow dependencies back to shuffles and sources, where a
checkpointed RDD leads to its checkpoint instead of the lineage it cut (``across_shuffles`` walks
the whole lineage; ``stop(r)`` yields ``r`` but does not look past it). ``shuffle_dependencies``
are the shuffles at the edge of such a walk (a stage's parent stages), and ``partition_ancestors``
follows one partition through narrow dependencies (cache and placement lookups). The scheduler,
the task binary, the barrier checks, checkpoints and ``cleanShuffleDependencies`` all walk lineage
through these three; ``stage_rdds`` describes a stage's RDDs for listeners. ``debug_string``: one line per RDD,
``(partitions) Name[id] at op at file:line [storage level]``; narrow parents continue the column
with `` |  ``, each shuffle parent starts a new indented block with ``+-(partitions)``. The layout
follows Spark's ``RDD.debugString`` rules exactly.
"""
from __future__ import annotations

import re

from sparklite.core.dependencies import ShuffleDependency


def ancestors(rdd, stop=None, across_shuffles: bool = False):
    seen, stack = set(), [rdd]
    while stack:
        r = stack.pop()
        if r._id in seen:
            continue
        seen.add(r._id)
        yield r
        if stop is None or not stop(r):
            stack.extend(d.rdd for d in reversed(r.dependencies)
                         if d.rdd is not None and (across_shuffles or not isinstance(d, ShuffleDependency)))


def shuffle_dependencies(rdd, stop=None) -> list:
    """The shuffle dependencies the stage ending at ``rdd`` reads, once each, in the order met."""
    found = []
    for r in ancestors(rdd, stop):
        if stop is None or not stop(r):
            found += [d for d in r.dependencies if isinstance(d, ShuffleDependency) and d not in found]
    return found


def partition_ancestors(rdd, split: int, stop=None):
    """``(rdd, split)`` and every (RDD, partition) that partition reads through narrow dependencies,
    depth-first; ``stop(r, split)`` yields the pair but does not look past it."""
    stack = [(rdd, split)]
    while stack:
        r, s = stack.pop()
        yield r, s
        if stop is None or not stop(r, s):
            for dep in reversed(r.dependencies):
                if not isinstance(dep, ShuffleDependency):
                    stack.extend((dep.rdd, p) for p in reversed(dep.parents(s)))


def stage_rdds(rdd, stop=None) -> list[dict]:
    """The RDDs a task of the stage ending at ``rdd`` computes, as the UI and the event log show them:
    ``id``, ``name`` (set with ``setName``, else the kind), ``callsite``, ``num_partitions``,
    ``storage_level`` ("" when not persisted) and ``parent_ids`` (the narrow parents, inside the stage)."""
    out = []
    for r in ancestors(rdd, stop):
        level = r.getStorageLevel()
        narrow = [d.rdd._id for d in r.dependencies if d.rdd is not None and not isinstance(d, ShuffleDependency)]
        out.append({"id": r._id, "name": r.name() or r._class_name(), "callsite": r._creation_site,
                    "num_partitions": r.getNumPartitions(), "storage_level": str(level) if level.is_valid else "",
                    "parent_ids": narrow})
    return out


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

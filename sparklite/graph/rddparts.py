"""RDDs of partition objects (one ``VertexPartition`` or ``EdgePartition`` per partition): mapping and
zipping them with functions that pickle by reference where they can."""
from __future__ import annotations

from functools import partial

from sparklite.core.api import ZippedPartitionsRDD


def one(iterator):
    """The single partition object of an RDD partition."""
    return next(iter(iterator))


def apply_to_iterators(f, *iterators):
    return iter([f(*iterators)])


def _apply_to_each(f, iterator):
    return [f(p) for p in iterator]


def _flat_apply(f, iterator):
    return (out for p in iterator for out in f(p))


def zip_parts(rdds: list, f):
    """Partition i is ``f`` of partition i of each RDD (their iterators)."""
    return ZippedPartitionsRDD(rdds, partial(apply_to_iterators, f))


def map_parts(rdd, f):
    """Each partition object through ``f``."""
    return rdd.mapPartitions(partial(_apply_to_each, f), True)


def flat_map_parts(rdd, f):
    """The records ``f`` yields for each partition object."""
    return rdd.mapPartitions(partial(_flat_apply, f))

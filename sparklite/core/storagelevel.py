"""StorageLevel: where a persisted partition lives, with PySpark's constants.

Contract: the five flags of Spark (disk, memory, off-heap, deserialized, replication). In sparklite a
memory block is an Arrow table; ``deserialized`` only decides whether ``MEMORY_AND_DISK_DESER`` is
reported as such. ``replication`` > 1 asks for copies on other executors where the backend has them.
"""
from __future__ import annotations


class StorageLevel:
    """Where a persisted RDD keeps its partitions: in memory, on disk or both, and in how many copies.

    Give one to ``rdd.persist(level)``; ``rdd.getStorageLevel()`` tells which one is in use. A block
    goes to memory when the level allows it and there is room, else to disk when the level allows
    that, else it is not kept (and is recomputed when needed). Two levels with the same five flags
    are equal and hash alike.

    Parameters:
        useDisk: blocks may be written to the executor's local disk.
        useMemory: blocks may be kept in the executor's memory.
        useOffHeap: blocks would live outside the Python heap; sparklite records the flag only.
        deserialized: whether the level counts as holding live objects. In sparklite a memory
            block is an Arrow table either way; the flag shows in ``str()`` and in comparisons.
        replication: how many executors hold a copy of each block (default 1); extra copies are
            made where the backend has other executors.

    Ready-made levels are class attributes: ``NONE``, ``DISK_ONLY``, ``DISK_ONLY_2``,
    ``DISK_ONLY_3``, ``MEMORY_ONLY``, ``MEMORY_ONLY_2``, ``MEMORY_AND_DISK``,
    ``MEMORY_AND_DISK_2``, ``MEMORY_AND_DISK_DESER`` and ``OFF_HEAP`` (the ``_2``/``_3`` ones keep
    two or three copies).

    >>> from sparklite import StorageLevel
    >>> str(StorageLevel.MEMORY_AND_DISK_2)
    'Disk Memory Serialized 2x Replicated'
    """

    DISK_ONLY: "StorageLevel"
    DISK_ONLY_2: "StorageLevel"
    DISK_ONLY_3: "StorageLevel"
    MEMORY_ONLY: "StorageLevel"
    MEMORY_ONLY_2: "StorageLevel"
    MEMORY_AND_DISK: "StorageLevel"
    MEMORY_AND_DISK_2: "StorageLevel"
    MEMORY_AND_DISK_DESER: "StorageLevel"
    OFF_HEAP: "StorageLevel"
    NONE: "StorageLevel"

    def __init__(self, useDisk: bool, useMemory: bool, useOffHeap: bool, deserialized: bool,
                 replication: int = 1):
        self.useDisk = useDisk
        self.useMemory = useMemory
        self.useOffHeap = useOffHeap
        self.deserialized = deserialized
        self.replication = replication

    def _key(self):
        return (self.useDisk, self.useMemory, self.useOffHeap, self.deserialized, self.replication)

    def __eq__(self, other) -> bool:
        return isinstance(other, StorageLevel) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return "StorageLevel(%s, %s, %s, %s, %s)" % self._key()

    def __str__(self) -> str:
        parts = ["Disk " if self.useDisk else "", "Memory " if self.useMemory else "",
                 "OffHeap " if self.useOffHeap else "",
                 "Deserialized " if self.deserialized else "Serialized "]
        return "".join(parts) + "%sx Replicated" % self.replication

    @property
    def is_valid(self) -> bool:
        """True when the level stores something: some place (memory, disk or off-heap) is allowed
        and ``replication`` is at least 1. ``StorageLevel.NONE.is_valid`` is False."""
        return (self.useMemory or self.useDisk or self.useOffHeap) and self.replication > 0


StorageLevel.NONE = StorageLevel(False, False, False, False)
StorageLevel.DISK_ONLY = StorageLevel(True, False, False, False)
StorageLevel.DISK_ONLY_2 = StorageLevel(True, False, False, False, 2)
StorageLevel.DISK_ONLY_3 = StorageLevel(True, False, False, False, 3)
StorageLevel.MEMORY_ONLY = StorageLevel(False, True, False, False)
StorageLevel.MEMORY_ONLY_2 = StorageLevel(False, True, False, False, 2)
StorageLevel.MEMORY_AND_DISK = StorageLevel(True, True, False, False)
StorageLevel.MEMORY_AND_DISK_2 = StorageLevel(True, True, False, False, 2)
StorageLevel.MEMORY_AND_DISK_DESER = StorageLevel(True, True, False, True)
StorageLevel.OFF_HEAP = StorageLevel(True, True, True, False, 1)

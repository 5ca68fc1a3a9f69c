"""The driver's block registry: which executor holds which block, in memory or on disk, how big.

Contract: derived from listener-bus events alone, as a synchronous listener: ``BlockUpdated`` (which
the scheduler posts for every block update executors report with task results, and the context for
blocks it removes) and ``ExecutorRemoved`` (its blocks are gone). Read by the scheduler for cache
locality and ``missing parents`` (a fully cached RDD needs no parent stages) and by ``sc`` for
storage status (``getRDDStorageInfo``, ``getBlockStatus``). Thread-safe: written on the posting
thread, read anywhere.
"""
from __future__ import annotations

import threading
from collections import defaultdict

from sparklite.core.listener import SparkListener


class BlockRegistry(SparkListener):
    def __init__(self):
        self._lock = threading.Lock()
        self._blocks: dict[tuple, dict[str, tuple[int, int]]] = defaultdict(dict)

    def apply(self, update) -> None:
        with self._lock:
            holders = self._blocks[update.block_id]
            if update.memory_bytes or update.disk_bytes:
                holders[update.executor_id] = (update.memory_bytes, update.disk_bytes)
            else:
                holders.pop(update.executor_id, None)
                if not holders:
                    del self._blocks[update.block_id]

    def onBlockUpdated(self, event) -> None:
        self.apply(event)

    def onExecutorRemoved(self, event) -> None:
        self.remove_executor(event.executor_id)

    def locations(self, block_id: tuple) -> list[str]:
        with self._lock:
            return list(self._blocks.get(block_id, ()))

    def remove_executor(self, executor_id: str) -> list[tuple]:
        with self._lock:
            lost = []
            for block_id in list(self._blocks):
                if self._blocks[block_id].pop(executor_id, None) is not None:
                    lost.append(block_id)
                    if not self._blocks[block_id]:
                        del self._blocks[block_id]
            return lost

    def holders_matching(self, kind: str, owner_id: int) -> list[tuple]:
        """(block_id, executor_id) of every copy of the blocks of one RDD, shuffle or broadcast."""
        with self._lock:
            return [(b, e) for b, holders in self._blocks.items() if b[0] == kind and b[1] == owner_id
                    for e in holders]

    def blocks_on(self, executor_id: str) -> list[tuple]:
        with self._lock:
            return [b for b, holders in self._blocks.items() if executor_id in holders]

    def cached_partitions(self, rdd_id: int) -> set[int]:
        with self._lock:
            return {b[2] for b in self._blocks if b[0] == "rdd" and b[1] == rdd_id}

    def snapshot(self) -> list[tuple]:
        """(block_id, executor_id, memory_bytes, disk_bytes) for every copy of every block."""
        with self._lock:
            return [(b, e, m, d) for b, holders in self._blocks.items() for e, (m, d) in holders.items()]

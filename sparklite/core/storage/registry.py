"""The driver's block registry: which executor holds which block, in memory or on disk, how big.

Contract: fed by the ``BlockUpdate``s executors report with task results (and by executor loss);
read by the scheduler for cache locality and ``missing parents`` (a fully cached RDD needs no parent
stages) and by ``sc`` for storage status. Thread-safe: written on the scheduler thread, read anywhere.
"""
from __future__ import annotations

import threading
from collections import defaultdict


class BlockRegistry:
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

    def remove_matching(self, kind: str, owner_id: int) -> None:
        with self._lock:
            for block_id in [b for b in self._blocks if b[0] == kind and b[1] == owner_id]:
                del self._blocks[block_id]

    def cached_partitions(self, rdd_id: int) -> set[int]:
        with self._lock:
            return {b[2] for b in self._blocks if b[0] == "rdd" and b[1] == rdd_id}

    def snapshot(self) -> list[tuple]:
        """(block_id, executor_id, memory_bytes, disk_bytes) for every copy of every block."""
        with self._lock:
            return [(b, e, m, d) for b, holders in self._blocks.items() for e, (m, d) in holders.items()]

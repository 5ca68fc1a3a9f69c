"""The block store: one per executor, holding blocks in Arrow memory under a byte budget.

Blocks and their ids:
  ("rdd", rdd_id, split)          a cached partition, a ``pyarrow.Table`` from the record codec
  ("shuffle", shuffle_id, map_id) one map task's output, one Arrow IPC buffer per reducer
  ("broadcast", broadcast_id)     a broadcast value's pickled bytes, as a one-row table

Contract:
* Memory is one unified pool of ``capacity`` bytes (``spark.executor.memory`` x
  ``spark.memory.fraction``). Storage (blocks) and execution (shuffle and sort buffers) share it;
  execution may evict cached blocks down to the storage region (``spark.memory.storageFraction``),
  storage never takes memory execution holds.
* Memory blocks are kept in LRU order. Making room evicts the least recently used block that does
  not belong to the RDD being inserted; an evicted block whose level uses disk is written to local
  disk as Arrow IPC, otherwise it is dropped (and recomputed from lineage when next needed).
* A block that does not fit even after eviction goes to disk if its level allows, else is not
  stored (``put`` says where it went).
* Every change of a block's whereabouts is queued as a ``BlockUpdate`` that the executor reports
  back to the driver with its next task result.
* With a ``shared_dir`` (the ``local[N]`` executor, whose Python workers are other processes), a
  memory block may live in a file there (shared memory, ``/dev/shm``) instead of the heap: a
  worker writes a block it made into a file and the store ``adopt``s it, and ``locate`` tells a
  worker which file (and byte ranges) to map to read a block, so no block is copied between the
  processes. A block put from this process stays on the heap until a worker first asks for it.
  Evicting a file block moves the file to disk (or deletes it); readers that mapped it keep their
  mapping.
Thread-safe: tasks of one executor run on several threads.
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
import threading
from collections import OrderedDict
from dataclasses import dataclass

import pyarrow as pa

from sparklite.core.storagelevel import StorageLevel


@dataclass(frozen=True)
class BlockUpdate:
    """Where a block now is on one executor (sizes 0 and 0 mean removed)."""
    executor_id: str
    block_id: tuple
    memory_bytes: int
    disk_bytes: int
    level: StorageLevel


@dataclass
class _Entry:
    value: object            # pa.Table, or a list of pa.Buffer per reducer for shuffle blocks
    size: int
    level: StorageLevel
    path: str | None = None  # the shared-memory file holding the value (``shared_dir`` stores)
    offsets: list | None = None   # (offset, size) per reducer of a shuffle block's file


def _size(value) -> int:
    if isinstance(value, pa.Table):
        return value.nbytes
    return sum(b.size for b in value)


def _file_name(block_id: tuple) -> str:
    return "_".join(map(str, block_id))


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


_OWNER = re.compile(r"^sparklite-.*-pid(\d+)-[^-]+$")


def sweep_orphans(root: str) -> None:
    """Remove the shared-memory directories of stores whose process is gone without cleaning up
    (killed with SIGKILL, say): shared memory is RAM, and nothing else would ever free it."""
    for name in os.listdir(root):
        owner = _OWNER.match(name)
        if owner is None:
            continue
        try:
            os.kill(int(owner.group(1)), 0)
        except ProcessLookupError:
            shutil.rmtree(os.path.join(root, name), ignore_errors=True)
        except PermissionError:   # alive, another user's
            pass


def write_block_file(path: str, value) -> list | None:
    """Write a block as a file: a table in Arrow IPC file format (returns None), or shuffle buffers
    one after another (returns their (offset, size) list)."""
    if isinstance(value, pa.Table):
        with pa.OSFile(path, "wb") as sink, pa.ipc.new_file(sink, value.schema) as writer:
            writer.write_table(value)
        return None
    offsets = []
    with open(path, "wb") as f:
        for buf in value:
            offsets.append((f.tell(), buf.size))
            f.write(buf)
    return offsets


def read_block_file(path: str, offsets: list | None):
    """A block written by ``write_block_file``, memory-mapped (nothing is copied)."""
    mapped = pa.memory_map(path)
    if offsets is None:
        return pa.ipc.open_file(mapped).read_all()
    whole = mapped.read_buffer() if offsets else None
    return [whole.slice(offset, size) for offset, size in offsets]


def read_segment_file(path: str, offset: int, size: int):
    mapped = pa.memory_map(path)
    mapped.seek(offset)
    return mapped.read_buffer(size)


def read_located(locate):
    """A block (or one reducer's segment) another process's store holds: ``locate()`` asks it where
    (``locate`` / ``locate_segment``), then the file is mapped; None if it holds none. Asked twice,
    as the file may move to disk between the answer and the mapping."""
    for _ in range(2):
        located = locate()
        if located is None:
            return None
        try:
            return read_block_file(*located) if len(located) == 2 else read_segment_file(*located)
        except FileNotFoundError:
            continue
    return None


class BlockStore:
    def __init__(self, executor_id: str, capacity: int, storage_fraction: float = 0.5,
                 local_dir: str | None = None, shared_dir: str | None = None, app_id: str | None = None):
        self.executor_id = executor_id
        self.capacity = capacity
        self.storage_region = int(capacity * storage_fraction)
        self._lock = threading.RLock()
        self._memory: OrderedDict[tuple, _Entry] = OrderedDict()
        self._disk: dict[tuple, tuple[str, int, StorageLevel, list | None]] = {}
        self._memory_used = 0
        self._execution_used = 0
        self._updates: list[BlockUpdate] = []
        prefix = f"sparklite-{app_id}-{executor_id}-" if app_id else f"sparklite-{executor_id}-"
        self._dir = tempfile.mkdtemp(prefix=prefix, dir=local_dir or None)
        self.shared_dir = None
        if shared_dir:
            sweep_orphans(shared_dir)
            self.shared_dir = tempfile.mkdtemp(prefix=f"{prefix}pid{os.getpid()}-", dir=shared_dir)

    @property
    def spill_dir(self) -> str:
        """Where tasks write their aggregation and sort spills (removed with the store)."""
        return self._dir

    # -- putting ------------------------------------------------------------------------------
    def put(self, block_id: tuple, value, level: StorageLevel) -> str | None:
        """Store a table (or a shuffle's buffers); return "memory", "disk" or None (not stored)."""
        size = _size(value)
        protect = block_id[1] if block_id[0] == "rdd" else None
        with self._lock:
            self._remove_locked(block_id, report=False)
            if level.useMemory and self._make_room(size, protect):
                self._memory[block_id] = _Entry(value, size, level)
                self._memory_used += size
                self._report(block_id)
                return "memory"
            if level.useDisk:
                self._write_disk(block_id, value, level)
                self._report(block_id)
                return "disk"
            return None

    def adopt(self, block_id: tuple, path: str, level: StorageLevel, offsets: list | None = None) -> str | None:
        """Take a block another process wrote to a file in ``shared_dir``; like ``put``."""
        size = os.path.getsize(path)
        protect = block_id[1] if block_id[0] == "rdd" else None
        with self._lock:
            self._remove_locked(block_id, report=False)
            if level.useMemory and self._make_room(size, protect):
                self._memory[block_id] = _Entry(None, size, level, path, offsets)
                self._memory_used += size
                self._report(block_id)
                return "memory"
            if level.useDisk:
                self._move_to_disk(block_id, path, size, level, offsets)
                self._report(block_id)
                return "disk"
        _unlink(path)
        return None

    def locate(self, block_id: tuple):
        """(path, offsets) of a file holding the block, for another process to map; None if absent.
        A block held only on this process's heap is written to shared memory first."""
        with self._lock:
            entry = self._memory.get(block_id)
            if entry is not None:
                self._memory.move_to_end(block_id)
                if entry.path is None:   # the heap copy goes; this process maps the file from now on
                    entry.path = os.path.join(self.shared_dir, _file_name(block_id))
                    entry.offsets = write_block_file(entry.path, entry.value)
                    entry.value = None
                return entry.path, entry.offsets
            on_disk = self._disk.get(block_id)
            return None if on_disk is None else (on_disk[0], on_disk[3])

    def locate_segment(self, block_id: tuple, reduce_id: int):
        """(path, offset, size) of one reducer's piece of a shuffle block, or None."""
        located = self.locate(block_id)
        if located is None:
            return None
        offset, size = located[1][reduce_id]
        return located[0], offset, size

    def _make_room(self, size: int, protect_rdd) -> bool:
        limit = self.capacity - self._execution_used
        if self._memory_used + size <= limit:
            return True
        victims, freed = [], 0       # least recently used first, never blocks of the RDD being inserted
        for block_id, entry in self._memory.items():
            if self._memory_used - freed + size <= limit:
                break
            if not (block_id[0] == "rdd" and block_id[1] == protect_rdd):
                victims.append(block_id)
                freed += entry.size
        if self._memory_used - freed + size > limit:
            return False    # evicting every block it may would still not make room: evict none
        for block_id in victims:
            self._evict(block_id)
        return True

    def _evict(self, block_id: tuple) -> None:
        entry = self._memory.pop(block_id)
        self._memory_used -= entry.size
        if entry.path is not None:
            if entry.level.useDisk and block_id not in self._disk:
                self._move_to_disk(block_id, entry.path, entry.size, entry.level, entry.offsets)
            else:
                _unlink(entry.path)
        elif entry.level.useDisk and block_id not in self._disk:
            self._write_disk(block_id, entry.value, entry.level)
        self._report(block_id)

    def _move_to_disk(self, block_id: tuple, path: str, size: int, level: StorageLevel, offsets) -> None:
        target = os.path.join(self._dir, _file_name(block_id))
        shutil.move(path, target)
        self._disk[block_id] = (target, size, level, offsets)

    def _write_disk(self, block_id: tuple, value, level: StorageLevel) -> None:
        path = os.path.join(self._dir, _file_name(block_id))
        offsets = write_block_file(path, value)
        size = os.path.getsize(path)
        self._disk[block_id] = (path, size, level, offsets)

    # -- getting ------------------------------------------------------------------------------
    def get(self, block_id: tuple):
        """The block's value (a table, or the list of shuffle buffers), or None."""
        with self._lock:
            entry = self._memory.get(block_id)
            if entry is not None:
                self._memory.move_to_end(block_id)
                if entry.value is None:
                    entry.value = read_block_file(entry.path, entry.offsets)
                return entry.value
            on_disk = self._disk.get(block_id)
        if on_disk is None:
            return None
        path, _, _, offsets = on_disk
        if offsets is None:
            return pa.ipc.open_file(pa.memory_map(path)).read_all()
        return [self._read_segment(path, off) for off in offsets]

    def get_segment(self, block_id: tuple, reduce_id: int):
        """One reducer's buffer of a shuffle block, reading only that range from disk."""
        with self._lock:
            entry = self._memory.get(block_id)
            if entry is not None:
                if entry.value is None:
                    entry.value = read_block_file(entry.path, entry.offsets)
                return entry.value[reduce_id]
            on_disk = self._disk.get(block_id)
        if on_disk is None:
            return None
        return self._read_segment(on_disk[0], on_disk[3][reduce_id])

    @staticmethod
    def _read_segment(path: str, offset: tuple[int, int]):
        with open(path, "rb") as f:
            f.seek(offset[0])
            return pa.py_buffer(f.read(offset[1]))

    def contains(self, block_id: tuple) -> bool:
        with self._lock:
            return block_id in self._memory or block_id in self._disk

    def remove(self, block_id: tuple) -> None:
        with self._lock:
            self._remove_locked(block_id, report=True)

    def _remove_locked(self, block_id: tuple, report: bool) -> None:
        existed = False
        entry = self._memory.pop(block_id, None)
        if entry is not None:
            self._memory_used -= entry.size
            if entry.path is not None:
                _unlink(entry.path)
            existed = True
        on_disk = self._disk.pop(block_id, None)
        if on_disk is not None:
            _unlink(on_disk[0])
            existed = True
        if existed and report:
            self._report(block_id)

    def remove_matching(self, kind: str, owner_id: int) -> None:
        """Remove every block of one RDD, shuffle or broadcast."""
        with self._lock:
            for block_id in [b for b in [*self._memory, *self._disk] if b[0] == kind and b[1] == owner_id]:
                self._remove_locked(block_id, report=True)

    def clear(self) -> None:
        with self._lock:
            self._memory.clear()
            self._disk.clear()
            self._memory_used = 0
        shutil.rmtree(self._dir, ignore_errors=True)
        if self.shared_dir:
            shutil.rmtree(self.shared_dir, ignore_errors=True)

    # -- execution memory ---------------------------------------------------------------------
    def acquire_execution(self, nbytes: int) -> int:
        """Grant up to ``nbytes`` of execution memory, evicting cache above the storage region."""
        with self._lock:
            free = self.capacity - self._execution_used - self._memory_used
            while free < nbytes and self._memory_used > self.storage_region and self._memory:
                self._evict(next(iter(self._memory)))
                free = self.capacity - self._execution_used - self._memory_used
            granted = max(0, min(nbytes, free))
            self._execution_used += granted
            return granted

    def release_execution(self, nbytes: int) -> None:
        with self._lock:
            self._execution_used = max(0, self._execution_used - nbytes)

    # -- status -------------------------------------------------------------------------------
    def _report(self, block_id: tuple) -> None:
        entry = self._memory.get(block_id)
        disk = self._disk.get(block_id)
        level = entry.level if entry else disk[2] if disk else StorageLevel.NONE
        self._updates.append(BlockUpdate(self.executor_id, block_id, entry.size if entry else 0,
                                         disk[1] if disk else 0, level))

    def add_updates(self, updates: list) -> None:
        """Queue updates about blocks this executor placed on others, to report with its task."""
        with self._lock:
            self._updates.extend(updates)

    def drain_updates(self) -> list[BlockUpdate]:
        with self._lock:
            updates, self._updates = self._updates, []
            return updates

    def blocks(self) -> list[BlockUpdate]:
        """Every block this store holds, with its memory and disk bytes."""
        with self._lock:
            ids = list(dict.fromkeys([*self._memory, *self._disk]))
            out = []
            for block_id in ids:
                entry, disk = self._memory.get(block_id), self._disk.get(block_id)
                out.append(BlockUpdate(self.executor_id, block_id, entry.size if entry else 0,
                                       disk[1] if disk else 0, entry.level if entry else disk[2]))
            return out

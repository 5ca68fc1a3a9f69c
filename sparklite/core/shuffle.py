"""Shuffle: map tasks bucket records by reducer, reducers fetch their buckets and aggregate or sort.

Contract:
* ``ShuffleManager.write(dep, records, context)`` runs in a shuffle-map task. Records are combined
  map-side when the dependency asks (``combine_values``), bucketed by the dependency's partitioner
  and encoded with the Arrow record codec into one buffer per reducer. It returns the byte size per
  reducer and the buffers; the executor stores them as the block ``("shuffle", shuffle_id, map_id)``
  and the sizes and location become the map status the driver's map-output tracker keeps.
* ``ShuffleManager.read(dep, reduce_id, context)`` runs in the next stage. It fetches this reducer's
  buffer from every map output, in map order, from the local store or, through the backend, from the
  executor that holds it; a missing buffer raises ``FetchFailedError`` naming the map, so the scheduler
  reruns only that map task. Then it merges combiners, or just streams records in map order.
* Aggregation (``combine_values``, ``combine_combiners``) and sorting (``sort_partition``) hold records
  in Python memory, ask the executor for execution memory as they grow, and spill to local disk when
  refused, so an aggregation or sort larger than the budget still completes.
A buffer is a sequence of frames (8-byte length + Arrow IPC stream), so a map task can flush large
buckets in pieces without holding the whole partition as Python objects.
"""
from __future__ import annotations

import dis
import heapq
import inspect
import itertools
import operator
import os
import pickle
import struct
import sys
import tempfile
import types
from collections import _count_elements

import pyarrow as pa

from sparklite.core.dependencies import identity
from sparklite.core.errors import FetchFailedError
from sparklite.core.hashing import portable_hash, portable_hash_many
from sparklite.core.partitioner import HashPartitioner, Partitioner
from sparklite.core.spill import TaskMemory, spill_dir
from sparklite.core.storage import codec

_FRAME = struct.Struct("<Q")
_FLUSH_RECORDS = 1 << 16
_CHECK_EVERY = 1 << 13
_SPILL_BUCKETS = 32


def _frames(pieces: list) -> pa.Buffer:
    """The pieces, each after its length, in one buffer (each piece copied once)."""
    out = bytearray(sum(_FRAME.size + p.size for p in pieces))
    position = 0
    for p in pieces:
        _FRAME.pack_into(out, position, p.size)
        position += _FRAME.size
        out[position:position + p.size] = memoryview(p)
        position += p.size
    return pa.py_buffer(out)


def _unframe(buffer):
    view, pos = memoryview(buffer), 0
    while pos < len(view):
        (size,) = _FRAME.unpack_from(view, pos)
        pos += _FRAME.size
        yield view[pos:pos + size]
        pos += size


# -- memory estimates and spilling --------------------------------------------------------------

def _deep_size(obj, depth: int = 0) -> int:
    size = sys.getsizeof(obj)
    if depth < 2 and isinstance(obj, (tuple, list)) and obj:
        size += len(obj) * _deep_size(obj[0], depth + 1)
    return size


class _SpillFile:
    """A run of pickled chunks on local disk, deleted once read through or, at the latest, when the
    task that made it ends (a consumer may stop early: ``sortByKey().take(1)``)."""

    def __init__(self, context):
        fd, self.path = tempfile.mkstemp(prefix="spill-", dir=spill_dir(context))
        self.file = os.fdopen(fd, "wb")
        if context is not None:
            context.addTaskCompletionListener(lambda _: self.delete())

    def delete(self) -> None:
        self.file.close()
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass

    def dump(self, obj) -> None:
        pickle.dump(obj, self.file, pickle.HIGHEST_PROTOCOL)

    def close(self, context) -> None:
        self.file.close()
        if context is not None:
            context.taskMetrics().spilled_bytes += os.path.getsize(self.path)

    def load(self):
        with open(self.path, "rb") as f:
            while True:
                try:
                    yield pickle.load(f)
                except EOFError:
                    break
        self.delete()


def _entry_size(d: dict) -> int:
    sample = list(itertools.islice(reversed(d.items()), 8))
    return sum(_deep_size(k) + _deep_size(v) + 100 for k, v in sample) // max(len(sample), 1)


def _fold(d: dict, chunk, merge_new, merge_existing) -> bool:
    """Merge a chunk of (key, x) records into ``d``: one dict probe and one store per record. Returns
    False when the chunk was empty (the input is exhausted)."""
    k = _NOTHING
    for k, v in chunk:
        try:
            old = d[k]
        except KeyError:
            d[k] = merge_new(v)
        else:
            d[k] = merge_existing(old, v)
    return k is not _NOTHING


def _fold_mapped_adding(d: dict, chunk, merge_new, element_fn) -> bool:
    """``_fold_adding`` over ``element_fn(x)`` for each x: calling the user's function here, from
    Python, is cheaper than through ``map`` (3.11 inlines the call); a ``map(pair)`` word count's
    whole map side."""
    k = _NOTHING
    for x in chunk:
        k, v = element_fn(x)
        try:
            old = d[k]
        except KeyError:
            d[k] = merge_new(v)
        else:
            d[k] = old + v
    return k is not _NOTHING


def _fold_mapped_counting(d: dict, chunk, merge_new, element_fn) -> bool:
    """``_fold_mapped_adding`` when a key's first value is its combiner (``reduceByKey``): the keys
    of a run of records whose value is the int 1 are counted by ``collections``' C loop, which does
    ``d.get(k, 0) + 1`` for each, what the Python loop would do (a word count's whole map side)."""
    ones, k = [], _NOTHING
    count = ones.append
    for x in chunk:
        k, v = element_fn(x)
        if v is _ONE:
            count(k)
            continue
        if ones:   # in record order: a key's first value decides its place in the output
            _count_elements(d, ones)
            ones.clear()
        try:
            old = d[k]
        except KeyError:
            d[k] = v
        else:
            d[k] = old + v
    if ones:
        _count_elements(d, ones)
    return k is not _NOTHING


def _fold_counting_records(d: dict, chunk, merge_new, element_fn) -> bool:
    """``_fold_mapped_counting`` when ``element_fn`` is ``x -> (x, 1)`` (``pairs_with_one``): each record
    is its own key and counts one, so ``collections``' C loop counts the records themselves."""
    chunk = list(chunk)
    _count_elements(d, chunk)
    return bool(chunk)


def pairs_with_one(fn) -> bool:
    """Whether ``fn`` is exactly ``lambda x: (x, 1)``, read from its bytecode: a plain function of one
    positional parameter whose whole body builds the tuple of that parameter and the constant int 1.
    Such a function has no effect but its result, so the map side need not call it (a word count's
    ``map(lambda w: (w, 1))``)."""
    code = getattr(fn, "__code__", None)
    if type(fn) is not types.FunctionType or code.co_argcount != 1 or code.co_kwonlyargcount \
            or code.co_flags & (inspect.CO_VARARGS | inspect.CO_VARKEYWORDS):
        return False
    steps = [(i.opname, i.arg if i.opname == "LOAD_FAST" else i.argval)
             for i in dis.get_instructions(code) if i.opname not in ("RESUME", "NOP", "CACHE")]
    if len(steps) != 4 or steps[0] != ("LOAD_FAST", 0) or steps[2:] != [("BUILD_TUPLE", 2), ("RETURN_VALUE", None)]:
        return False
    return steps[1][0] == "LOAD_CONST" and steps[1][1] is _ONE


def _fold_adding(d: dict, chunk, merge_new, merge_existing) -> bool:
    """``_fold`` when ``merge_existing`` is ``operator.add``, which is ``old + v``: inlined, the addition
    skips a C call per record (a word count's whole merge)."""
    k = _NOTHING
    for k, v in chunk:
        try:
            old = d[k]
        except KeyError:
            d[k] = merge_new(v)
        else:
            d[k] = old + v
    return k is not _NOTHING


_NOTHING = object()
_ONE = 1   # CPython's one int 1: every other value (1.0, True, numpy's 1) takes the general path


def _aggregate(items, merge_new, merge_existing, context, merge_combiners, mapped_by=None):
    """Merge (key, x) items into a dict, spilling hash-split runs to disk past the memory budget.
    With ``mapped_by`` (only for ``operator.add`` merges), each item is ``mapped_by(record)``."""
    guard, d, spills = TaskMemory(context), {}, []
    items, islice = iter(items), itertools.islice
    if mapped_by is not None:
        if merge_new is identity:
            fold = _fold_counting_records if pairs_with_one(mapped_by) else _fold_mapped_counting
        else:
            fold = _fold_mapped_adding
        last = mapped_by
    else:
        fold, last = (_fold_adding if merge_existing is operator.add else _fold), merge_existing
    try:
        while fold(d, islice(items, _CHECK_EVERY), merge_new, last):   # memory checked per chunk
            if not guard.fits(len(d) * _entry_size(d)):
                spills.append(_spill_hashed(d, context))
                d = {}
                guard.release()
        if not spills:
            yield from d.items()
            return
        spills.append(_spill_hashed(d, context))
        d = None
        guard.release()
        yield from _merge_spills(spills, merge_combiners)
    finally:
        guard.release()


def _spill_hashed(d: dict, context) -> list:
    buckets = [[] for _ in range(_SPILL_BUCKETS)]
    for kv in d.items():
        buckets[hash((kv[0], 0x5BD1E995)) % _SPILL_BUCKETS].append(kv)
    files = []
    for bucket in buckets:
        spill = _SpillFile(context)
        for i in range(0, len(bucket), 4096):
            spill.dump(bucket[i:i + 4096])
        spill.close(context)
        files.append(spill)
    return files


def _merge_spills(spills: list, merge_combiners):
    for b in range(_SPILL_BUCKETS):
        merged = {}
        for run in spills:
            for chunk in run[b].load():
                for k, c in chunk:
                    merged[k] = merge_combiners(merged[k], c) if k in merged else c
        yield from merged.items()


def takes_trailing_map(dep) -> bool:
    """Whether ``write`` may be handed a trailing map's function to call itself: a map-side combine
    merging with ``operator.add`` (``_fold_mapped_adding``)."""
    return dep.map_side_combine and dep.bucketer is None and dep.aggregator.merge_value is operator.add


def combine_values(aggregator, records, context=None, mapped_by=None):
    """Combine (key, value) records, or what ``mapped_by`` makes of each record (``operator.add``
    merges only), into (key, combiner)."""
    from sparklite.core.taskcontext import TaskContext
    return _aggregate(records, aggregator.create_combiner, aggregator.merge_value,
                      context or TaskContext.get(), aggregator.merge_combiners, mapped_by)


def combine_combiners(aggregator, records, context=None):
    from sparklite.core.taskcontext import TaskContext
    return _aggregate(records, identity, aggregator.merge_combiners, context or TaskContext.get(),
                      aggregator.merge_combiners)


def sort_partition(records, key, reverse: bool = False, context=None):
    """Sort records by ``key``, merging sorted runs spilled to disk past the memory budget."""
    from sparklite.core.taskcontext import TaskContext
    context = context or TaskContext.get()
    guard, buffer, runs = TaskMemory(context), [], []
    try:
        for n, record in enumerate(records, 1):
            buffer.append(record)
            if n % _CHECK_EVERY == 0 and not guard.fits(len(buffer) * (_deep_size(buffer[-1]) + 64)):
                buffer.sort(key=key, reverse=reverse)
                spill = _SpillFile(context)
                for i in range(0, len(buffer), 4096):
                    spill.dump(buffer[i:i + 4096])
                spill.close(context)
                runs.append(spill)
                buffer = []
                guard.release()
        buffer.sort(key=key, reverse=reverse)
        if not runs:
            return iter(buffer)
        streams = [itertools.chain.from_iterable(run.load()) for run in runs] + [iter(buffer)]
        return heapq.merge(*streams, key=key, reverse=reverse)
    finally:
        guard.release()


def _partition_ids(partitioner):
    """A function from a chunk of (key, value) records to their reducer ids; hash partitioning of
    a whole chunk is vectorized."""
    if type(partitioner) in (Partitioner, HashPartitioner) and partitioner.partitionFunc is portable_hash:
        n = partitioner.numPartitions
        return lambda chunk: (portable_hash_many([kv[0] for kv in chunk]) % n).tolist()
    return lambda chunk: [partitioner(kv[0]) for kv in chunk]


# -- the shuffle manager (one per executor) -----------------------------------------------------

class ShuffleManager:
    def __init__(self, executor):
        self.executor = executor

    def write(self, dep, records, context, mapped_by=None) -> tuple:
        """Bucket a map task's records by reducer: returns (bytes per reducer, records per reducer,
        the block to store). ``mapped_by``: a function the records still go through (a trailing
        ``map``), given only when ``takes_trailing_map(dep)``; else None."""
        n = dep.num_partitions
        if dep.bucketer is not None:
            return self._write_batches(dep, records, context)
        if dep.map_side_combine:
            records = combine_values(dep.aggregator, records, context, mapped_by)
        partition_ids = _partition_ids(dep.partitioner)
        pieces: list[list] = [[] for _ in range(n)]
        rows = [0] * n
        records = iter(records)
        for chunk in iter(lambda: list(itertools.islice(records, _FLUSH_RECORDS)), []):
            if n == 1:
                rows[0] += len(chunk)
                pieces[0].append(codec.encode_ipc(chunk))
                continue
            buckets: list[list] = [[] for _ in range(n)]
            appends = [b.append for b in buckets]
            for kv, p in zip(chunk, partition_ids(chunk)):
                appends[p](kv)
            for r, bucket in enumerate(buckets):
                if bucket:
                    rows[r] += len(bucket)
                    pieces[r].append(codec.encode_ipc(bucket))
        return self._map_output(pieces, rows, context)

    @staticmethod
    def _write_batches(dep, batches, context):
        """The columnar map side: every batch is split by its key columns, no Python rows made."""
        pieces: list[list] = [[] for _ in range(dep.num_partitions)]
        rows = [0] * dep.num_partitions
        for batch in batches:
            for r, piece in enumerate(dep.bucketer.split(batch)):
                if piece is not None:
                    rows[r] += piece.num_rows
                    pieces[r].append(piece)
        # one Arrow stream per reducer: a stream per batch and reducer costs a schema message and a
        # reader each, which with 200 reducers outweighs the data
        encoded = [[codec.encode_ipc(p)] if p else [] for p in pieces]
        return ShuffleManager._map_output(encoded, rows, context)

    @staticmethod
    def _map_output(pieces: list, rows: list, context):
        """(bytes per reducer, records per reducer, the map output's one block of framed pieces)."""
        block = [_frames(p) if p else pa.py_buffer(b"") for p in pieces]
        sizes = [b.size for b in block]
        metrics = context.taskMetrics()
        metrics.shuffle_write_bytes, metrics.shuffle_write_records = sum(sizes), sum(rows)
        return sizes, rows, block

    def read(self, dep, reduce_id: int, context):
        records = self._fetch(dep.shuffle_id, reduce_id, context)
        if dep.aggregator is not None:
            if dep.map_side_combine:
                return combine_combiners(dep.aggregator, records, context)
            return combine_values(dep.aggregator, records, context)
        return records

    def _fetch(self, shuffle_id: int, reduce_id: int, context):
        locations = context._shuffle_locations[shuffle_id]
        metrics = context.taskMetrics()
        for map_id, executor_id in enumerate(locations):
            block_id = ("shuffle", shuffle_id, map_id)
            if executor_id is None:
                raise FetchFailedError(shuffle_id, map_id, None, "map output is missing")
            buffer = self.executor.fetch_segment(executor_id, block_id, reduce_id)
            if buffer is None:
                raise FetchFailedError(shuffle_id, map_id, executor_id, "block not found")
            metrics.shuffle_read_bytes += buffer.size
            for frame in _unframe(buffer):
                records = codec.decode_ipc(pa.py_buffer(frame))
                metrics.shuffle_read_records += len(records)
                yield from records

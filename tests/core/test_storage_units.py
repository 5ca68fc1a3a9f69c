"""The storage layer as units, without a SparkContext: the Arrow record codec (layouts and Python
types), one executor's block store (budget, LRU eviction, disk, bookkeeping) and the driver's block
registry. End-to-end caching of the same data sets is in ``test_persistence.py``."""
from __future__ import annotations

import collections
import os

import numpy as np
import pyarrow as pa
import pytest

from sparklite.core.listener import BlockUpdated, ExecutorRemoved
from sparklite.core.storage import codec
from sparklite.core.storage.blockstore import BlockStore, BlockUpdate
from sparklite.core.storage.registry import BlockRegistry
from sparklite.core.storagelevel import StorageLevel

from .test_persistence import DATASETS, _same

MEMORY_ONLY, MEMORY_AND_DISK, DISK_ONLY = StorageLevel.MEMORY_ONLY, StorageLevel.MEMORY_AND_DISK, StorageLevel.DISK_ONLY

# -- codec ------------------------------------------------------------------------------------------

Row = collections.namedtuple("Row", "name age")   # sparklite has no Row class; a tuple subclass stands in

MORE_DATASETS = {
    "int64_bounds_with_none": [2 ** 63 - 1, None, -(2 ** 63)],
    "int_one_past_int64": [2 ** 63, 0],
    "int_one_below_int64": [-(2 ** 63) - 1, 0],
    "big_int_in_a_tuple_field": [(1, 2 ** 64), (2, 3)],
    "big_int_in_a_list": [[1, 2 ** 64], [3]],
    "lone_surrogate_strings": ["\ud800", "a"],
    "rows": [Row("ann", 31), Row("bob", None)],
    "tuples_of_every_scalar": [(1, 2.5, "s", b"b", True, None), (-1, float("nan"), "", b"", False, None)],
    "tuple_field_of_bools_and_ints": [(1, True), (2, 3)],
    "tuple_field_of_tuples_or_none": [(1, (2, 3)), (4, None)],
    "tuple_of_lists_and_vectors": [("a", [1, 2], np.arange(3.0)), ("b", [], np.arange(3.0, 6.0))],
    "numpy_small_signed_ints": [np.array([-128, 127], dtype=np.int8), np.array([0, -1], dtype=np.int8)],
    "numpy_uint64_past_int64": [np.array([2 ** 64 - 1, 0], dtype=np.uint64)] * 2,
    "numpy_half_floats": [np.array([0.5, np.inf], dtype=np.float16)] * 2,
    "numpy_strided_views": [np.arange(10.0)[::2], np.arange(10.0, 20.0)[::2]],
    "numpy_zero_dim": [np.array(1.5), np.array(2.5)],
    "numpy_complex": [np.array([1j, 2.0])],
    "numpy_one_shape_two_dtypes": [np.arange(3, dtype=np.int64), np.arange(3, dtype=np.int32)],
    "numpy_vector_or_none": [np.arange(2.0), None],
    "lists_of_vectors": [[np.arange(2.0), np.arange(2.0, 4.0)], []],
    "lists_of_bools_and_ints": [[True], [1]],
    "many_pickled_records": [{"i": i} for i in range(10_000)],   # more than one pickled chunk
    "many_typed_records": list(range(100_000)),
}

# What the codec's contract says each data set becomes; None where the contract does not decide.
LAYOUTS = {
    "ints": "scalar", "floats": "scalar", "ints_with_none": "scalar", "floats_with_none": "scalar",
    "mixed_int_float_none": "pickle", "only_none": "scalar", "strings": "scalar", "strings_with_none": "scalar",
    "bytes": "scalar", "bytes_with_none": "scalar", "bools": "scalar", "bools_with_none": "scalar",
    "bools_and_ints": "pickle", "tuples": "tuple", "tuples_with_none_fields": "tuple",
    "width_one_tuples": "tuple", "empty_tuples": "pickle", "nested_tuples": "tuple", "ragged_tuples": "pickle",
    "tuple_or_none": "pickle", "namedtuples": "pickle", "tuple_and_namedtuple": "pickle",
    "numpy_float_vectors": "scalar", "numpy_int32_vectors": "scalar", "numpy_bool_vectors": "scalar",
    "numpy_ragged_vectors": "pickle", "numpy_matrices": "pickle", "numpy_blocks_of_one_shape": "scalar",
    "numpy_int_cubes": "scalar", "numpy_empty_rows": None, "numpy_empty_vectors": None,
    "keyed_numpy_vectors": "tuple", "numpy_scalars": "pickle", "dicts": "pickle", "lists": "pickle",
    "int_lists": "scalar", "string_lists": "scalar", "empty_lists": "scalar", "nested_int_lists": "scalar",
    "lists_of_tuples": "scalar", "list_or_none": "pickle", "keyed_string_lists": "tuple", "sets": "pickle",
    "custom_objects": "pickle", "big_ints": "pickle", "decimals_and_complex": "pickle",
    "everything_mixed": "pickle", "empty": "empty",
    "int64_bounds_with_none": "scalar", "int_one_past_int64": "pickle", "int_one_below_int64": "pickle",
    "big_int_in_a_tuple_field": "pickle", "big_int_in_a_list": "pickle", "lone_surrogate_strings": "pickle",
    "rows": "pickle", "tuples_of_every_scalar": "tuple", "tuple_field_of_bools_and_ints": "pickle",
    "tuple_field_of_tuples_or_none": "pickle", "tuple_of_lists_and_vectors": "tuple",
    "numpy_small_signed_ints": "scalar", "numpy_uint64_past_int64": "scalar", "numpy_half_floats": "scalar",
    "numpy_strided_views": "scalar", "numpy_zero_dim": "pickle", "numpy_complex": "pickle",
    "numpy_one_shape_two_dtypes": "pickle", "numpy_vector_or_none": "pickle", "lists_of_vectors": "scalar",
    "lists_of_bools_and_ints": "pickle", "many_pickled_records": "pickle", "many_typed_records": "scalar",
}
ALL_DATASETS = {**DATASETS, **MORE_DATASETS}


def test_every_data_set_has_an_expected_layout():
    assert LAYOUTS.keys() == ALL_DATASETS.keys()


@pytest.mark.parametrize("name", sorted(ALL_DATASETS))
def test_codec_round_trip_keeps_values_types_and_layout(name):
    records = ALL_DATASETS[name]
    table = codec.encode(records)
    if LAYOUTS[name] is not None:
        assert codec.layout(table) == LAYOUTS[name]
    for decoded in (codec.decode(table), codec.decode_ipc(codec.to_ipc(table))):
        assert len(decoded) == len(records)
        assert all(_same(a, b) for a, b in zip(records, decoded)), name


@pytest.mark.parametrize("records, is_type", [
    ([1, None, -2], pa.types.is_int64),
    ([1.5, float("nan"), None], pa.types.is_float64),
    (["a", None], lambda t: pa.types.is_string(t) or pa.types.is_large_string(t)),
    ([b"a", None], lambda t: pa.types.is_binary(t) or pa.types.is_large_binary(t)),
    ([True, None], pa.types.is_boolean),
    ([None, None], pa.types.is_null),
    ([np.zeros((2, 3), np.float32)] * 2,
     lambda t: pa.types.is_fixed_size_list(t) and t.list_size == 2 and t.value_type.list_size == 3
     and pa.types.is_float32(t.value_type.value_type)),
    ([[1, 2], []], lambda t: pa.types.is_large_list(t) and pa.types.is_int64(t.value_type)),
    ([((1, "a"),), ((2, "b"),)], lambda t: pa.types.is_struct(t) and t.num_fields == 2),
], ids=["int", "float", "str", "bytes", "bool", "all_none", "ndarray", "list", "nested_tuple"])
def test_typed_columns_have_the_arrow_type_the_contract_names(records, is_type):
    assert is_type(codec.encode(records).column(0).type)


def test_decoded_numpy_arrays_are_writable_copies():
    records = [np.arange(4.0), np.arange(4.0, 8.0)]
    decoded = codec.decode_ipc(codec.encode_ipc(records))
    decoded[0][0] = -1.0
    assert decoded[0][0] == -1.0 and records[0][0] == 0.0


def test_record_batch_partitions_come_back_as_the_same_batches():
    batches = [pa.record_batch({"k": [1, 2], "v": ["a", None]}), pa.record_batch({"k": [3], "v": ["c"]})]
    table = codec.encode(batches)
    assert codec.layout(table) == "batches"
    decoded = codec.decode_ipc(codec.to_ipc(table))
    assert len(decoded) == len(batches)
    assert all(type(b) is pa.RecordBatch and b.equals(a) for a, b in zip(batches, decoded))


def test_record_batches_of_two_schemas_fall_back_and_still_round_trip():
    batches = [pa.record_batch({"k": [1]}), pa.record_batch({"other": ["x"]})]
    decoded = codec.decode(codec.encode(batches))
    assert all(b.equals(a) for a, b in zip(batches, decoded))


@pytest.mark.parametrize("pairs, keys", [
    ([(i, f"v{i}") for i in range(20)], [3, 7, 19, 100]),
    ([(f"k{i % 5}", i) for i in range(20)], ["k1", "k4", "absent"]),
])
def test_rows_with_keys_keeps_the_rows_of_those_keys_in_order(pairs, keys):
    kept = codec.rows_with_keys(codec.encode(pairs), keys)
    assert codec.decode(kept) == [kv for kv in pairs if kv[0] in keys]


@pytest.mark.parametrize("pairs, keys", [
    ([(1.0, "a"), (2.0, "b")], [1.0]),              # float keys: Arrow's equality is not Python's
    ([(1, "a"), (2, "b")], [True]),                 # True == 1 in Python, a bool is not matched in Arrow
    ([(1, "a"), (2, "b")], [2 ** 64]),              # a key past int64
    ([(1, "a", "x"), (2, "b", "y")], [1]),          # not a (key, value) pair
    ([{"k": 1}], [1]),                              # pickled records
])
def test_rows_with_keys_declines_what_arrow_cannot_match_like_python(pairs, keys):
    assert codec.rows_with_keys(codec.encode(pairs), keys) is None


# -- block store ------------------------------------------------------------------------------------

SIZE = 10_000


def block(fill: int) -> pa.Table:
    """One cached partition of a single record of ``SIZE`` bytes; all such tables have one size."""
    return codec.encode([bytes([fill]) * SIZE])


BLOCK_BYTES = block(0).nbytes


@pytest.fixture
def make_store(tmp_path):
    made = []

    def make(blocks_that_fit: float, storage_fraction: float = 0.5) -> BlockStore:
        store = BlockStore("exec-1", int(blocks_that_fit * BLOCK_BYTES), storage_fraction, local_dir=str(tmp_path))
        made.append(store)
        return store

    yield make
    for store in made:
        store.clear()


def in_memory(store) -> set:
    return {u.block_id for u in store.blocks() if u.memory_bytes}


def on_disk(store) -> set:
    return {u.block_id for u in store.blocks() if u.disk_bytes}


def free_memory(store) -> int:
    """Execution memory the store would grant now (given back at once). Exact while the cache is
    within the storage region, as nothing is then evicted for it (always so with ``storage_fraction=1``)."""
    granted = store.acquire_execution(store.capacity)
    store.release_execution(granted)
    return granted


def files_in(store) -> list:
    return [os.path.join(store.spill_dir, name) for name in os.listdir(store.spill_dir)]


def test_put_then_get_a_partition_in_memory(make_store):
    store = make_store(3)
    table = block(7)
    assert store.put(("rdd", 1, 0), table, MEMORY_ONLY) == "memory"
    assert store.contains(("rdd", 1, 0))
    assert codec.decode(store.get(("rdd", 1, 0))) == codec.decode(table)
    assert store.get(("rdd", 1, 1)) is None
    assert store.blocks() == [BlockUpdate("exec-1", ("rdd", 1, 0), BLOCK_BYTES, 0, MEMORY_ONLY)]
    assert store.drain_updates() == store.blocks()
    assert store.drain_updates() == []


def test_making_room_evicts_the_least_recently_used_block(make_store):
    store = make_store(3.5)
    for rdd in (1, 2, 3):
        store.put(("rdd", rdd, 0), block(rdd), MEMORY_ONLY)
    store.get(("rdd", 1, 0))                      # 2 is now the least recently used
    store.put(("rdd", 4, 0), block(4), MEMORY_ONLY)
    assert in_memory(store) == {("rdd", 1, 0), ("rdd", 3, 0), ("rdd", 4, 0)}
    store.put(("rdd", 5, 0), block(5), MEMORY_ONLY)
    assert in_memory(store) == {("rdd", 1, 0), ("rdd", 4, 0), ("rdd", 5, 0)}
    assert not store.contains(("rdd", 2, 0)) and store.get(("rdd", 3, 0)) is None
    removed = [u.block_id for u in store.drain_updates() if u.memory_bytes == u.disk_bytes == 0]
    assert removed == [("rdd", 2, 0), ("rdd", 3, 0)]


def test_making_room_never_evicts_blocks_of_the_rdd_being_inserted(make_store):
    store = make_store(3.5)
    store.put(("rdd", 1, 0), block(0), MEMORY_ONLY)        # the oldest block
    store.put(("rdd", 2, 0), block(1), MEMORY_ONLY)
    store.put(("rdd", 1, 1), block(2), MEMORY_ONLY)
    assert store.put(("rdd", 1, 2), block(3), MEMORY_ONLY) == "memory"
    assert in_memory(store) == {("rdd", 1, 0), ("rdd", 1, 1), ("rdd", 1, 2)}
    # Only rdd 1's own blocks are left: its next partition is not stored rather than evicting them.
    assert store.put(("rdd", 1, 3), block(4), MEMORY_ONLY) is None
    assert store.put(("rdd", 1, 4), block(5), MEMORY_AND_DISK) == "disk"
    assert in_memory(store) == {("rdd", 1, 0), ("rdd", 1, 1), ("rdd", 1, 2)}
    assert on_disk(store) == {("rdd", 1, 4)}
    assert codec.decode(store.get(("rdd", 1, 4))) == codec.decode(block(5))
    # A block of another rdd may evict them.
    assert store.put(("rdd", 9, 0), block(9), MEMORY_ONLY) == "memory"
    assert in_memory(store) == {("rdd", 1, 1), ("rdd", 1, 2), ("rdd", 9, 0)}


def test_evicted_memory_and_disk_block_is_spilled_and_reads_back(make_store):
    store = make_store(2.5)
    tables = {split: block(split) for split in range(3)}
    for split in range(3):
        store.put(("rdd", split, 0), tables[split], MEMORY_AND_DISK)
    assert in_memory(store) == {("rdd", 1, 0), ("rdd", 2, 0)}
    assert on_disk(store) == {("rdd", 0, 0)}
    for split in range(3):
        assert codec.decode(store.get(("rdd", split, 0))) == codec.decode(tables[split])
    spilled = [u for u in store.drain_updates() if u.block_id == ("rdd", 0, 0)][-1]
    assert (spilled.memory_bytes, spilled.level) == (0, MEMORY_AND_DISK)
    assert spilled.disk_bytes == sum(os.path.getsize(f) for f in files_in(store)) > 0


def test_a_block_larger_than_memory_goes_where_its_level_allows(make_store):
    store = make_store(1.5)
    big = codec.encode([b"x" * (2 * SIZE)])
    assert store.put(("rdd", 1, 0), big, MEMORY_ONLY) is None
    assert not store.contains(("rdd", 1, 0)) and store.drain_updates() == []
    assert store.put(("rdd", 1, 1), big, MEMORY_AND_DISK) == "disk"
    assert store.put(("rdd", 1, 2), block(0), DISK_ONLY) == "disk"
    assert on_disk(store) == {("rdd", 1, 1), ("rdd", 1, 2)} and in_memory(store) == set()
    assert codec.decode(store.get(("rdd", 1, 1))) == codec.decode(big)


def test_removing_blocks_deletes_their_files_and_reports_them_gone(make_store):
    store = make_store(1.5)
    for split in range(3):
        store.put(("rdd", 1, split), block(split), MEMORY_AND_DISK)    # one in memory, two on disk
    store.put(("rdd", 2, 0), block(9), DISK_ONLY)
    assert len(files_in(store)) == 3
    store.drain_updates()
    store.remove(("rdd", 1, 1))
    assert len(files_in(store)) == 2
    store.remove_matching("rdd", 1)
    assert not any(store.contains(("rdd", 1, split)) for split in range(3))
    assert [u.block_id for u in store.blocks()] == [("rdd", 2, 0)] and len(files_in(store)) == 1
    gone = store.drain_updates()
    assert sorted(u.block_id for u in gone) == [("rdd", 1, 0), ("rdd", 1, 1), ("rdd", 1, 2)]
    assert all(u.memory_bytes == u.disk_bytes == 0 for u in gone)
    assert free_memory(store) == store.capacity
    store.remove(("rdd", 1, 0))                      # removing what is not there reports nothing
    assert store.drain_updates() == []


def test_byte_bookkeeping_matches_what_the_store_holds(make_store):
    store = make_store(3.5, storage_fraction=1.0)
    sizes = {}
    for i, level in enumerate([MEMORY_ONLY, MEMORY_AND_DISK, MEMORY_AND_DISK, DISK_ONLY, MEMORY_ONLY,
                               MEMORY_AND_DISK, MEMORY_ONLY]):
        table = codec.encode([bytes([i]) * (SIZE // 2 * (1 + i % 3))])
        sizes[("rdd", i, 0)] = table.nbytes
        store.put(("rdd", i, 0), table, level)
    store.put(("rdd", 4, 0), codec.encode([b"again"]), MEMORY_ONLY)   # a put replaces the old copy
    sizes[("rdd", 4, 0)] = codec.encode([b"again"]).nbytes
    store.get(("rdd", 1, 0))
    store.remove(("rdd", 5, 0))
    held = store.blocks()
    memory = sum(u.memory_bytes for u in held)
    assert all(u.memory_bytes in (0, sizes[u.block_id]) for u in held)
    assert memory <= store.capacity
    assert free_memory(store) == store.capacity - memory
    assert sum(u.disk_bytes for u in held) == sum(os.path.getsize(f) for f in files_in(store))
    assert len(files_in(store)) == len(on_disk(store))


def test_shuffle_blocks_are_read_by_reducer_from_memory_and_from_disk(make_store):
    store = make_store(1.5)
    buffers = [pa.py_buffer(bytes([r]) * (SIZE // 4 * (r + 1))) for r in range(3)]
    assert store.put(("shuffle", 0, 0), buffers, MEMORY_AND_DISK) == "memory"
    assert store.put(("shuffle", 0, 1), [pa.py_buffer(b"")] + buffers[1:], MEMORY_AND_DISK) == "memory"
    assert on_disk(store) == {("shuffle", 0, 0)}      # evicted for the second map's output
    for map_id in (0, 1):
        for r in range(3):
            expected = b"" if (map_id, r) == (1, 0) else buffers[r].to_pybytes()
            assert store.get_segment(("shuffle", 0, map_id), r).to_pybytes() == expected
    assert [b.to_pybytes() for b in store.get(("shuffle", 0, 1))] == [b""] + [b.to_pybytes() for b in buffers[1:]]
    store.remove_matching("shuffle", 0)
    assert store.get_segment(("shuffle", 0, 0), 1) is None and files_in(store) == []


def test_execution_memory_evicts_cache_only_down_to_the_storage_region(make_store):
    store = make_store(4, storage_fraction=0.5)
    for rdd in range(4):
        store.put(("rdd", rdd, 0), block(rdd), MEMORY_AND_DISK)
    granted = store.acquire_execution(3 * BLOCK_BYTES)
    # Two blocks (the region) stay cached, the two least recently used went to disk.
    assert in_memory(store) == {("rdd", 2, 0), ("rdd", 3, 0)}
    assert on_disk(store) == {("rdd", 0, 0), ("rdd", 1, 0)}
    assert granted == store.capacity - 2 * BLOCK_BYTES
    # Storage never takes memory execution holds.
    store.put(("rdd", 8, 0), block(8), MEMORY_AND_DISK)
    assert sum(u.memory_bytes for u in store.blocks()) <= store.capacity - granted
    three_blocks = codec.encode([b"y" * (3 * SIZE)])
    assert store.put(("rdd", 9, 0), three_blocks, MEMORY_AND_DISK) == "disk"
    store.release_execution(granted)
    assert store.put(("rdd", 9, 1), three_blocks, MEMORY_AND_DISK) == "memory"


def test_clear_removes_the_stores_directory(make_store):
    store = make_store(1.5)
    store.put(("rdd", 1, 0), block(1), DISK_ONLY)
    store.clear()
    assert not os.path.exists(store.spill_dir) and store.blocks() == []


# -- block registry ---------------------------------------------------------------------------------

def update(executor: str, block_id: tuple, memory: int = 0, disk: int = 0, level=MEMORY_AND_DISK):
    return BlockUpdate(executor, block_id, memory, disk, level)


def test_registry_keeps_each_executors_copy_until_it_reports_it_gone():
    registry = BlockRegistry()
    registry.apply(update("A", ("rdd", 1, 0), memory=10))
    registry.apply(update("B", ("rdd", 1, 0), disk=12))
    registry.apply(update("A", ("rdd", 1, 0), disk=11))          # A's copy moved to disk
    assert sorted(registry.locations(("rdd", 1, 0))) == ["A", "B"]
    assert sorted(registry.snapshot()) == [(("rdd", 1, 0), "A", 0, 11), (("rdd", 1, 0), "B", 0, 12)]
    registry.apply(update("A", ("rdd", 1, 0), level=StorageLevel.NONE))
    assert registry.locations(("rdd", 1, 0)) == ["B"]
    registry.apply(update("B", ("rdd", 1, 0), level=StorageLevel.NONE))
    registry.apply(update("C", ("rdd", 1, 0), level=StorageLevel.NONE))    # never held it
    assert registry.locations(("rdd", 1, 0)) == [] and registry.snapshot() == []
    assert registry.cached_partitions(1) == set()


def test_registry_forgets_a_lost_executors_blocks():
    registry = BlockRegistry()
    registry.apply(update("A", ("rdd", 1, 0), memory=1))
    registry.apply(update("A", ("shuffle", 3, 0), memory=1))
    registry.apply(update("B", ("rdd", 1, 0), memory=1))
    registry.apply(update("B", ("rdd", 1, 1), memory=1))
    assert sorted(registry.blocks_on("A")) == [("rdd", 1, 0), ("shuffle", 3, 0)]
    assert sorted(registry.remove_executor("A")) == [("rdd", 1, 0), ("shuffle", 3, 0)]
    assert registry.locations(("rdd", 1, 0)) == ["B"] and registry.locations(("shuffle", 3, 0)) == []
    assert registry.cached_partitions(1) == {0, 1} and registry.blocks_on("A") == []
    assert registry.remove_executor("A") == []
    registry.onExecutorRemoved(ExecutorRemoved("B", "lost in test", 0.0))     # the same, from the bus
    assert registry.snapshot() == []


def test_registry_lists_the_copies_of_one_owners_blocks_only():
    registry = BlockRegistry()
    held = [("A", ("rdd", 1, 0)), ("B", ("rdd", 1, 0)), ("A", ("rdd", 1, 2)), ("A", ("rdd", 10, 0)),
            ("A", ("shuffle", 1, 0)), ("B", ("broadcast", 1))]
    for executor_id, block_id in held:
        registry.onBlockUpdated(BlockUpdated(executor_id, block_id, 1, 0))
    assert registry.cached_partitions(1) == {0, 2}
    assert registry.cached_partitions(10) == {0}
    assert sorted(registry.holders_matching("rdd", 1)) == [(("rdd", 1, 0), "A"), (("rdd", 1, 0), "B"),
                                                           (("rdd", 1, 2), "A")]
    assert registry.holders_matching("shuffle", 1) == [(("shuffle", 1, 0), "A")]
    assert registry.holders_matching("broadcast", 1) == [(("broadcast", 1), "B")]
    assert registry.holders_matching("rdd", 2) == []
    for block_id, executor_id in registry.holders_matching("rdd", 1):     # how an unpersist reports them gone
        registry.onBlockUpdated(BlockUpdated(executor_id, block_id, 0, 0))
    assert registry.cached_partitions(1) == set()
    assert sorted(b for b, *_ in registry.snapshot()) == [("broadcast", 1), ("rdd", 10, 0), ("shuffle", 1, 0)]


def test_registry_fed_a_stores_updates_agrees_with_the_store(make_store):
    store, registry = make_store(2.5), BlockRegistry()
    for split in range(4):
        store.put(("rdd", 1, split), block(split), MEMORY_AND_DISK if split % 2 else MEMORY_ONLY)
    store.put(("rdd", 2, 0), block(9), MEMORY_ONLY)
    store.remove(("rdd", 1, 3))
    for u in store.drain_updates():
        registry.apply(u)
    assert sorted(registry.snapshot()) == sorted((u.block_id, u.executor_id, u.memory_bytes, u.disk_bytes)
                                                 for u in store.blocks())
    assert registry.cached_partitions(1) == {split for kind, rdd, split in in_memory(store) | on_disk(store)
                                             if rdd == 1}


def test_a_block_that_cannot_fit_even_after_evicting_evicts_nothing(make_store):
    store = make_store(2.5)
    assert store.put(("rdd", 2, 0), block(0), MEMORY_ONLY) == "memory"
    assert store.put(("rdd", 1, 0), block(1), MEMORY_ONLY) == "memory"
    double = pa.concat_tables([block(2), block(3)])        # twice a block: fits only if rdd 1's went too
    assert store.put(("rdd", 1, 1), double, MEMORY_ONLY) is None
    assert in_memory(store) == {("rdd", 2, 0), ("rdd", 1, 0)}       # rdd 2's block was not dropped for nothing

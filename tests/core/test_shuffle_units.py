"""The shuffle as a unit, without a SparkContext: map tasks' ``ShuffleManager.write`` and reducers'
``read`` (and the sort a ``sortByKey`` runs on what it reads) on real executors and block stores,
driven the way ``Executor`` drives them. End-to-end shuffles are in ``test_persistence.py`` and the
scheduler's recovery from lost map outputs in ``test_scheduler.py``."""
from __future__ import annotations

import collections
import functools
import operator
import os

import pytest

from sparklite.core.conf import SparkConf
from sparklite.core.dependencies import Aggregator, ShuffleDependency, identity
from sparklite.core.errors import FetchFailedError
from sparklite.core.executor import Executor
from sparklite.core.partitioner import HashPartitioner, RangePartitioner
from sparklite.core.shuffle import pairs_with_one, sort_partition, takes_trailing_map
from sparklite.core.storagelevel import StorageLevel
from sparklite.core.taskcontext import TaskContext

from .test_persistence import _same
from .test_storage_units import free_memory

SMALL_MEMORY = {"spark_executor_memory": "1m", "spark_memory_storageFraction": "1.0"}


class MapSide:
    """The shuffle's parent RDD, as far as a ``ShuffleDependency`` asks: how many map tasks."""

    def __init__(self, num_maps: int):
        self.num_maps = num_maps

    def getNumPartitions(self) -> int:
        return self.num_maps


@pytest.fixture
def make_executor(tmp_path):
    made = []

    def make(executor_id: str = "exec-1", fetch_remote=None, **conf) -> Executor:
        settings = SparkConf(loadDefaults=False).set("spark.local.dir", str(tmp_path))
        settings.setAll((k.replace("_", "."), v) for k, v in conf.items())
        executor = Executor(executor_id, 1, settings, fetch_remote=fetch_remote)
        made.append(executor)
        return executor

    yield make
    for executor in made:
        executor.stop()


def write_maps(executor, dep, maps, mapped_by=None, first_map: int = 0) -> list:
    """Run each map task's shuffle write and store its block, as ``Executor`` does; per map, its
    (bytes per reducer, records per reducer, task context)."""
    written = []
    for map_id, records in enumerate(maps, first_map):
        context = TaskContext(0, 0, map_id, 0, map_id, {}, executor)
        sizes, rows, block = executor.shuffle.write(dep, iter(records), context, mapped_by)
        executor.store(("shuffle", dep.shuffle_id, map_id), block, StorageLevel.MEMORY_AND_DISK)
        written.append((sizes, rows, context))
    return written


def read(executor, dep, reduce_id: int, locations: list):
    """A reducer's records (an iterator) and its task context."""
    context = TaskContext(1, 0, reduce_id, 0, 1000 + reduce_id, {}, executor, {dep.shuffle_id: locations})
    return executor.shuffle.read(dep, reduce_id, context), context


def read_all(executor, dep) -> tuple[list, list]:
    parts, contexts = [], []
    for r in range(dep.num_partitions):
        records, context = read(executor, dep, r, [executor.executor_id] * dep.num_maps)
        parts.append(list(records))
        contexts.append(context)
    return parts, contexts


def spilled(contexts) -> int:
    return sum(c.taskMetrics().spilled_bytes for c in contexts)


def assert_task_leftovers_gone(executor):
    """Only blocks remain in the executor's local directory, and no execution memory is held."""
    store = executor.block_store
    on_disk = [u for u in store.blocks() if u.disk_bytes]
    assert len(os.listdir(store.spill_dir)) == len(on_disk)
    assert free_memory(store) == store.capacity - sum(u.memory_bytes for u in store.blocks())


MIXED_KEYS = [0, -1, 2 ** 70, 1.5, -0.0, True, None, "", "word", "日本", b"raw", (1, "a"), (None, (2, b"z"))]


@pytest.mark.parametrize("reducers", [1, 4])
def test_each_record_reaches_its_reducer_once_in_map_order(make_executor, reducers):
    maps = [
        [(k, i) for i, k in enumerate(MIXED_KEYS * 3)],
        [(i % 997, f"v{i}") for i in range(70_000)],      # more than one flush of the map's buckets
        [],
        [(f"k{i % 31}", float(i)) for i in range(500)],
    ]
    executor = make_executor()
    dep = ShuffleDependency(MapSide(len(maps)), HashPartitioner(reducers))
    written = write_maps(executor, dep, maps)
    parts, _ = read_all(executor, dep)
    expected = [[] for _ in range(reducers)]
    for records in maps:
        for kv in records:
            expected[dep.partitioner(kv[0])].append(kv)
    for r, got in enumerate(parts):
        assert len(got) == len(expected[r]) and all(_same(a, b) for a, b in zip(expected[r], got)), r
    for (sizes, rows, context), records in zip(written, maps):
        owners = collections.Counter(dep.partitioner(k) for k, _ in records)
        assert rows == [owners[r] for r in range(reducers)]
        assert [size > 0 for size in sizes] == [n > 0 for n in rows]
        assert context.taskMetrics().shuffle_write_records == len(records)
    assert_task_leftovers_gone(executor)


GROUP = Aggregator(lambda v: [v], lambda c, v: c + [v], operator.add)


@pytest.mark.parametrize("map_side_combine", [True, False], ids=["map_side_combine", "reduce_side_only"])
def test_aggregation_puts_each_key_once_at_its_reducer(make_executor, map_side_combine):
    maps = [[(f"w{(i * m) % 50}" if i % 2 else i % 40, (m, i)) for i in range(600)] for m in range(1, 4)]
    executor = make_executor()
    dep = ShuffleDependency(MapSide(len(maps)), HashPartitioner(3), GROUP, map_side_combine)
    write_maps(executor, dep, maps)
    parts, _ = read_all(executor, dep)
    expected = collections.defaultdict(list)
    for records in maps:
        for k, v in records:
            expected[k].append(v)
    got = {}
    for r, part in enumerate(parts):
        for k, values in part:
            assert k not in got and dep.partitioner(k) == r
            got[k] = sorted(values)
    assert got == {k: sorted(vs) for k, vs in expected.items()}
    assert_task_leftovers_gone(executor)


@pytest.mark.parametrize("create_combiner", [identity, float], ids=["counting", "adding"])
def test_a_trailing_map_handed_to_the_writer_is_applied_once_per_record(make_executor, create_combiner):
    maps = [range(m * 1000, m * 1000 + 1500) for m in range(3)]

    def pair(x):
        return x % 13, (1 if x % 3 else x)

    dep = ShuffleDependency(MapSide(len(maps)), HashPartitioner(2),
                            Aggregator(create_combiner, operator.add, operator.add), map_side_combine=True)
    assert takes_trailing_map(dep)
    executor = make_executor()
    write_maps(executor, dep, maps, mapped_by=pair)
    parts, _ = read_all(executor, dep)
    expected = collections.Counter()
    for records in maps:
        for k, v in map(pair, records):
            expected[k] += v
    got = dict(kv for part in parts for kv in part)
    assert got == expected
    assert all(type(v) is (int if create_combiner is identity else float) for v in got.values())
    assert_task_leftovers_gone(executor)


def test_only_a_function_that_is_exactly_x_to_x_and_one_is_taken_as_pairing_with_one():
    def pair(word):
        """A docstring changes nothing."""
        return (word, 1)

    one = 1

    def counted(word):
        counted.calls += 1
        return word, 1
    counted.calls = 0

    assert pairs_with_one(pair) and pairs_with_one(lambda w: (w, 1))
    others = [lambda w: (w, 1.0), lambda w: (w, True), lambda w: (1, w), lambda w: (w, 2), lambda w: [w, 1],
              lambda w: (w, one), lambda w: (w.lower(), 1), lambda a, b=0: (a, 1), lambda *a: (a, 1),
              lambda w, *, k=1: (w, 1), counted, print, operator.itemgetter(0), functools.partial(pair)]
    assert [pairs_with_one(f) for f in others] == [False] * len(others)


@pytest.mark.parametrize("memory", [{}, SMALL_MEMORY], ids=["in_memory", "spilling"])
def test_records_paired_with_one_are_counted_in_first_seen_order(make_executor, memory):
    # The writer counts the records themselves, without calling the pairing function; what comes
    # out is what the record-at-a-time fold gives: the counts, as ints, keys in first-seen order.
    maps = [[f"w{(i * 7919 + m) % 20_000}" for i in range(12_000)] + [None, (1, 2), 3, 3.0]
            for m in range(3)]
    dep = ShuffleDependency(MapSide(len(maps)), HashPartitioner(1),
                            Aggregator(identity, operator.add, operator.add), map_side_combine=True)
    executor = make_executor(**memory)
    written = write_maps(executor, dep, maps, mapped_by=lambda w: (w, 1))
    if memory:
        assert spilled(context for *_, context in written) > 0
    parts, _ = read_all(executor, dep)
    expected = collections.Counter(w for records in maps for w in records)
    got = [kv for part in parts for kv in part]
    assert dict(got) == expected and len(got) == len(expected)
    assert all(type(v) is int for _, v in got)
    if not memory:
        assert [k for k, _ in got] == list(expected)
    assert_task_leftovers_gone(executor)


@pytest.mark.parametrize("map_side_combine", [True, False], ids=["map_side_combine", "reduce_side_only"])
def test_aggregation_larger_than_memory_spills_and_leaves_no_files(make_executor, map_side_combine):
    maps = [[((i * 7919 + m) % 20_000, 1) for i in range(12_000)] for m in range(3)]
    executor = make_executor(**SMALL_MEMORY)
    dep = ShuffleDependency(MapSide(len(maps)), HashPartitioner(2),
                            Aggregator(identity, operator.add, operator.add), map_side_combine)
    written = write_maps(executor, dep, maps)
    parts, read_contexts = read_all(executor, dep)
    assert spilled(read_contexts) > 0
    if map_side_combine:
        assert spilled(context for *_, context in written) > 0
    expected = collections.Counter(k for records in maps for k, _ in records)
    got = [kv for part in parts for kv in part]
    assert len(got) == len(expected) and dict(got) == expected
    assert_task_leftovers_gone(executor)


@pytest.mark.parametrize("ascending", [True, False], ids=["ascending", "descending"])
def test_sorted_reads_give_keys_in_order_past_the_memory_budget(make_executor, ascending):
    # What sortByKey runs: a range-partitioned shuffle, then each reducer sorts what it read.
    maps = [[((i * 7919 + m * 13) % 20_000, f"{m}:{i}" + "x" * 40) for i in range(10_000)] for m in range(3)]
    keys = [k for records in maps for k, _ in records]
    executor = make_executor(**SMALL_MEMORY)
    dep = ShuffleDependency(MapSide(len(maps)), RangePartitioner.from_sample(keys[::100], 3, ascending))
    write_maps(executor, dep, maps)
    out, contexts = [], []
    for r in range(dep.num_partitions):
        records, context = read(executor, dep, r, [executor.executor_id] * dep.num_maps)
        out.extend(sort_partition(records, lambda kv: kv[0], not ascending, context))
        contexts.append(context)
    assert spilled(contexts) > 0
    assert [k for k, _ in out] == sorted(keys, reverse=not ascending)
    assert collections.Counter(out) == collections.Counter(kv for records in maps for kv in records)
    assert_task_leftovers_gone(executor)


def test_reducer_reads_other_executors_outputs_and_names_a_missing_one(make_executor):
    executors = {}

    def fetch(executor_id, block_id, reduce_id):
        holder = executors.get(executor_id)
        return None if holder is None else holder.block_store.get_segment(block_id, reduce_id)

    for name in ("A", "B"):
        executors[name] = make_executor(name, fetch_remote=fetch)
    maps = [[(k, ("A", k)) for k in range(20)], [(k, ("B", k)) for k in range(20)]]
    dep = ShuffleDependency(MapSide(2), HashPartitioner(2))
    write_maps(executors["A"], dep, maps[:1])
    write_maps(executors["B"], dep, maps[1:], first_map=1)

    records, _ = read(executors["A"], dep, 1, ["A", "B"])
    assert list(records) == [kv for m in maps for kv in m if dep.partitioner(kv[0]) == 1]

    executors["B"].remove_blocks("shuffle", dep.shuffle_id)
    records, _ = read(executors["A"], dep, 1, ["A", "B"])
    with pytest.raises(FetchFailedError) as lost:
        list(records)
    assert (lost.value.shuffle_id, lost.value.map_id, lost.value.executor_id) == (dep.shuffle_id, 1, "B")
    records, _ = read(executors["A"], dep, 0, [None, "A"])
    with pytest.raises(FetchFailedError) as unknown:
        list(records)
    assert (unknown.value.map_id, unknown.value.executor_id) == (0, None)

"""``DStream``: PySpark's discretized stream, a sequence of RDDs, one per batch (``pyspark.streaming``).

Contract: a ``DStream`` is the user's handle on one node of its context's graph
(``sparklite.streaming.dstream_kinds``). Every operation adds a node and returns a new handle;
nothing runs until ``StreamingContext.start``. Then, at each batch time, every output operation
(``foreachRDD``, ``pprint``, ``saveAsTextFiles``) gets its stream's RDD of that time, built from the
RDDs of the streams it derives from with the core's RDD API, and runs its function on the driver.
Durations are in seconds; windows and slides must be multiples of the stream's slide. Functions
given to ``transform`` and ``foreachRDD`` take ``(rdd)`` or ``(time, rdd)``, ``time`` being the batch
time as a local ``datetime``. Stateful operations (``updateStateByKey``, ``reduceByKeyAndWindow``
with an inverse function) need ``StreamingContext.checkpoint``.
"""
from __future__ import annotations

import datetime
import inspect
import operator

from sparklite import RDD, ResultIterable, StorageLevel
from sparklite.core.api import portable_hash
from sparklite.sql.errors import UnsupportedOperationException
from sparklite.streaming.dstream_kinds import (ForEachNode, ReducedWindowedNode, StateNode, TransformedNode,
                                               WindowedNode, duration_ms)

__all__ = ["DStream"]


def with_time(func, arity: int):
    """``func`` taking the batch time first: wrapped when it takes one positional argument fewer than
    ``arity`` (the RDDs alone), as it is otherwise."""
    try:
        parameters = inspect.signature(func).parameters.values()
    except (TypeError, ValueError):
        return func
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    if sum(p.kind in kinds for p in parameters) == arity - 1:
        return lambda time, *rdds: func(*rdds)
    return func


class DStream:
    """A stream of RDDs, one per batch (PySpark's ``pyspark.streaming.DStream``); made by a
    ``StreamingContext``'s inputs and by the operations of another DStream."""

    def __init__(self, node, ssc):
        self._node, self._ssc, self._sc = node, ssc, ssc.sparkContext
        self.is_cached = False
        self.is_checkpointed = False

    def context(self):
        """The ``StreamingContext`` this stream belongs to."""
        return self._ssc

    def _derived(self, node) -> "DStream":
        return DStream(node, self._ssc)

    def _partitions(self, numPartitions):
        return self._sc.defaultParallelism if numPartitions is None else numPartitions

    # -- per-batch transformations --------------------------------------------------------------
    def transform(self, func) -> "DStream":
        """Each batch's RDD is ``func(rdd)`` or ``func(time, rdd)`` of this stream's RDD."""
        return self._derived(TransformedNode(self._ssc, [self._node], with_time(func, 2)))

    def transformWith(self, func, other: "DStream", keepSerializer: bool = False) -> "DStream":
        """Each batch's RDD is ``func(rdd, other_rdd)`` or ``func(time, rdd, other_rdd)``; a stream
        without an RDD at that time gives an empty one."""
        node = TransformedNode(self._ssc, [self._node, other._node], with_time(func, 3), missing="empty")
        return self._derived(node)

    def map(self, f, preservesPartitioning: bool = False) -> "DStream":
        """Applies ``f`` to every element."""
        return self.transform(lambda rdd: rdd.map(f, preservesPartitioning))

    def flatMap(self, f, preservesPartitioning: bool = False) -> "DStream":
        """Applies ``f`` to every element and flattens the iterables it returns."""
        return self.transform(lambda rdd: rdd.flatMap(f, preservesPartitioning))

    def filter(self, f) -> "DStream":
        """Keeps the elements for which ``f`` is true."""
        return self.transform(lambda rdd: rdd.filter(f))

    def mapPartitions(self, f, preservesPartitioning: bool = False) -> "DStream":
        """Applies ``f`` to each partition's iterator of every batch's RDD."""
        return self.transform(lambda rdd: rdd.mapPartitions(f, preservesPartitioning))

    def mapPartitionsWithIndex(self, f, preservesPartitioning: bool = False) -> "DStream":
        """Applies ``f(index, iterator)`` to each partition of every batch's RDD."""
        return self.transform(lambda rdd: rdd.mapPartitionsWithIndex(f, preservesPartitioning))

    def glom(self) -> "DStream":
        """Each partition of every batch's RDD as one list."""
        return self.transform(lambda rdd: rdd.glom())

    def repartition(self, numPartitions: int) -> "DStream":
        """Every batch's RDD shuffled into ``numPartitions`` partitions."""
        return self.transform(lambda rdd: rdd.repartition(numPartitions))

    def reduce(self, func) -> "DStream":
        """One element per batch: the batch's elements reduced with ``func`` (none for a batch whose
        RDD has no partitions)."""
        return self.map(lambda x: (None, x)).reduceByKey(func, 1).map(operator.itemgetter(1))

    def count(self) -> "DStream":
        """One element per batch: its number of elements."""
        return self.mapPartitions(lambda records: [sum(1 for _ in records)]).reduce(operator.add)

    def countByValue(self) -> "DStream":
        """``(value, count)`` of each distinct element of every batch."""
        return self.map(lambda x: (x, 1)).reduceByKey(operator.add)

    # -- pairs ----------------------------------------------------------------------------------
    def mapValues(self, f) -> "DStream":
        """Applies ``f`` to the value of every ``(key, value)`` pair, keeping the partitioning."""
        return self.transform(lambda rdd: rdd.mapValues(f))

    def flatMapValues(self, f) -> "DStream":
        """Pairs ``(key, w)`` for every ``w`` of ``f(value)``, keeping the partitioning."""
        return self.transform(lambda rdd: rdd.flatMapValues(f))

    def partitionBy(self, numPartitions: int, partitionFunc=portable_hash) -> "DStream":
        """Every batch's pairs placed in ``numPartitions`` partitions by ``partitionFunc(key)``."""
        return self.transform(lambda rdd: rdd.partitionBy(numPartitions, partitionFunc))

    def reduceByKey(self, func, numPartitions: int | None = None) -> "DStream":
        """The values of each key of every batch reduced with ``func``."""
        return self.combineByKey(lambda v: v, func, func, numPartitions)

    def combineByKey(self, createCombiner, mergeValue, mergeCombiners, numPartitions: int | None = None) -> "DStream":
        """``RDD.combineByKey`` on every batch's RDD."""
        n = self._partitions(numPartitions)
        return self.transform(lambda rdd: rdd.combineByKey(createCombiner, mergeValue, mergeCombiners, n))

    def groupByKey(self, numPartitions: int | None = None) -> "DStream":
        """``(key, values)`` of every batch."""
        n = self._partitions(numPartitions)
        return self.transform(lambda rdd: rdd.groupByKey(n))

    def cogroup(self, other: "DStream", numPartitions: int | None = None) -> "DStream":
        """``(key, (values here, values in other))`` for the keys of either stream's batch."""
        n = self._partitions(numPartitions)
        return self.transformWith(lambda a, b: a.cogroup(b, n), other)

    def join(self, other: "DStream", numPartitions: int | None = None) -> "DStream":
        """The inner join of every batch's pairs with ``other``'s batch of the same time."""
        n = self._partitions(numPartitions)
        return self.transformWith(lambda a, b: a.join(b, n), other)

    def leftOuterJoin(self, other: "DStream", numPartitions: int | None = None) -> "DStream":
        """The left outer join of every batch with ``other``'s."""
        n = self._partitions(numPartitions)
        return self.transformWith(lambda a, b: a.leftOuterJoin(b, n), other)

    def rightOuterJoin(self, other: "DStream", numPartitions: int | None = None) -> "DStream":
        """The right outer join of every batch with ``other``'s."""
        n = self._partitions(numPartitions)
        return self.transformWith(lambda a, b: a.rightOuterJoin(b, n), other)

    def fullOuterJoin(self, other: "DStream", numPartitions: int | None = None) -> "DStream":
        """The full outer join of every batch with ``other``'s."""
        n = self._partitions(numPartitions)
        return self.transformWith(lambda a, b: a.fullOuterJoin(b, n), other)

    def union(self, other: "DStream") -> "DStream":
        """Every batch's elements followed by those of ``other``'s batch (same slide duration)."""
        if self._node.slide != other._node.slide:
            raise ValueError("the two DStream should have same slide duration")
        return self.transformWith(lambda a, b: a.union(b), other, True)

    # -- storage --------------------------------------------------------------------------------
    def persist(self, storageLevel: StorageLevel) -> "DStream":
        """Keep every batch's RDD at ``storageLevel`` while it is remembered."""
        if self._ssc._started():
            raise UnsupportedOperationException(
                "Cannot change storage level of a DStream after streaming context has started")
        self.is_cached = True
        self._node.storage_level = storageLevel
        return self

    def cache(self) -> "DStream":
        """``persist(StorageLevel.MEMORY_ONLY)``."""
        return self.persist(StorageLevel.MEMORY_ONLY)

    def checkpoint(self, interval) -> "DStream":
        """Checkpoint the RDD of every ``interval`` seconds (a multiple of the slide), which cuts the
        lineage of a stream that builds on its own past; needs ``StreamingContext.checkpoint``."""
        if self._ssc._started():
            raise UnsupportedOperationException(
                "Cannot change checkpoint interval of a DStream after streaming context has started")
        self.is_checkpointed = True
        if self._node.storage_level == StorageLevel.NONE:
            self.persist(StorageLevel.MEMORY_ONLY)
        self._node.checkpoint_ms = duration_ms(interval)
        return self

    # -- windows and state ----------------------------------------------------------------------
    def _validate_window(self, window, slide) -> None:
        step = self._node.slide
        if duration_ms(window) % step:
            raise ValueError(f"windowDuration must be multiple of the parent dstream's slide (batch) duration ({step} ms)")
        if slide and duration_ms(slide) % step:
            raise ValueError(f"slideDuration must be multiple of the parent dstream's slide (batch) duration ({step} ms)")

    def _slide_ms(self, slideDuration) -> int:
        return self._node.slide if slideDuration is None else duration_ms(slideDuration)

    def window(self, windowDuration, slideDuration=None) -> "DStream":
        """Every ``slideDuration`` (default: this stream's slide), the union of the batches of the last
        ``windowDuration`` seconds."""
        self._validate_window(windowDuration, slideDuration)
        node = WindowedNode(self._ssc, self._node, duration_ms(windowDuration), self._slide_ms(slideDuration))
        return self._derived(node)

    def reduceByKeyAndWindow(self, func, invFunc, windowDuration, slideDuration=None,
                             numPartitions: int | None = None, filterFunc=None) -> "DStream":
        """The values of each key over a sliding window reduced with ``func``. With ``invFunc`` (which
        undoes ``func``) a window of at least five slides is updated from the previous one: the
        batches that left are taken out with ``invFunc`` and the new ones added, so keys whose value
        went back to zero stay unless ``filterFunc`` drops them; this needs a checkpoint directory."""
        self._validate_window(windowDuration, slideDuration)
        n = self._partitions(numPartitions)
        reduced = self.reduceByKey(func, n)
        if not invFunc:
            return reduced.window(windowDuration, slideDuration).reduceByKey(func, n)
        node = ReducedWindowedNode(self._ssc, reduced._node, _window_adder(func, n, filterFunc),
                                   _window_subtracter(func, invFunc, n), duration_ms(windowDuration),
                                   self._slide_ms(slideDuration))
        return self._derived(node)

    def reduceByWindow(self, reduceFunc, invReduceFunc, windowDuration, slideDuration) -> "DStream":
        """One element per slide: the window's elements reduced with ``reduceFunc`` (see
        ``reduceByKeyAndWindow`` for ``invReduceFunc``)."""
        keyed = self.map(lambda x: (1, x))
        windowed = keyed.reduceByKeyAndWindow(reduceFunc, invReduceFunc, windowDuration, slideDuration, 1)
        return windowed.map(operator.itemgetter(1))

    def countByWindow(self, windowDuration, slideDuration) -> "DStream":
        """One element per slide: the number of elements in the window (kept incrementally)."""
        return self.map(lambda x: 1).reduceByWindow(operator.add, operator.sub, windowDuration, slideDuration)

    def countByValueAndWindow(self, windowDuration, slideDuration, numPartitions: int | None = None) -> "DStream":
        """``(value, count)`` of each distinct element in the window, counts above zero only."""
        counts = self.map(lambda x: (x, 1)).reduceByKeyAndWindow(
            operator.add, operator.sub, windowDuration, slideDuration, numPartitions)
        return counts.filter(lambda kv: kv[1] > 0)

    def groupByKeyAndWindow(self, windowDuration, slideDuration, numPartitions: int | None = None) -> "DStream":
        """``(key, values)`` of the pairs in the window."""
        lists = self.mapValues(lambda v: [v])
        grouped = lists.reduceByKeyAndWindow(_concatenate, _drop_leading, windowDuration, slideDuration, numPartitions)
        return grouped.mapValues(ResultIterable)

    def updateStateByKey(self, updateFunc, numPartitions: int | None = None, initialRDD=None) -> "DStream":
        """A state per key across batches: every batch, ``updateFunc(new values, state or None)`` for
        every key with a state or new values; a key whose result is None is dropped. Needs
        ``StreamingContext.checkpoint``; ``initialRDD`` (pairs) is the state before the first batch."""
        if initialRDD is not None and not isinstance(initialRDD, RDD):
            initialRDD = self._sc.parallelize(initialRDD)
        update = _state_updater(updateFunc, self._partitions(numPartitions))
        return self._derived(StateNode(self._ssc, self._node, update, initialRDD))

    def slice(self, begin, end) -> list:
        """The RDDs this stream made between ``begin`` and ``end`` (datetimes or seconds since the
        epoch, both included) that it still remembers (see ``StreamingContext.remember``)."""
        with self._ssc._graph.lock:
            return self._node.slice(_to_ms(begin), _to_ms(end))

    # -- output operations ----------------------------------------------------------------------
    def foreachRDD(self, func) -> None:
        """Run ``func(rdd)`` or ``func(time, rdd)`` on the driver for every batch's RDD."""
        ForEachNode(self._ssc, self._node, with_time(func, 2))

    def pprint(self, num: int = 10) -> None:
        """Print the first ``num`` elements of every batch under a header with its time."""
        self.foreachRDD(lambda time, rdd: _print_batch(time, rdd, num))

    def saveAsTextFiles(self, prefix: str, suffix: str | None = None) -> None:
        """Save every batch's RDD with ``saveAsTextFile`` under ``prefix-<batch ms>[.suffix]``; a batch
        run again after a restart keeps the files it wrote the first time."""
        self.foreachRDD(lambda time, rdd: _save_text(prefix, suffix, time, rdd))


def _to_ms(moment) -> int:
    if isinstance(moment, datetime.datetime):
        return round(moment.timestamp() * 1000)
    return duration_ms(moment)


def _print_batch(time, rdd, num: int) -> None:
    taken = rdd.take(num + 1)
    print("-------------------------------------------")
    print(f"Time: {time}")
    print("-------------------------------------------")
    for record in taken[:num]:
        print(record)
    if len(taken) > num:
        print("...")
    print("")


def _save_text(prefix: str, suffix: str | None, time, rdd) -> None:
    path = f"{prefix}-{_to_ms(time)}" + (f".{suffix}" if suffix is not None else "")
    try:
        rdd.saveAsTextFile(path)
    except FileExistsError:
        pass


def _window_adder(func, n: int, keep):
    def add(time, window, entering):
        entering = entering.reduceByKey(func, n)
        result = window.union(entering).reduceByKey(func, n) if window is not None else entering
        return result.filter(keep) if keep else result
    return add


def _window_subtracter(func, inverse, n: int):
    def subtract(time, window, leaving):
        left = window.leftOuterJoin(leaving.reduceByKey(func, n), n)
        return left.mapValues(lambda kept_left: kept_left[0] if kept_left[1] is None
                              else inverse(kept_left[0], kept_left[1]))
    return subtract


def _state_updater(update, n: int):
    def step(time, state, batch):
        if state is None:
            inputs = batch.groupByKey(n).mapValues(lambda values: (list(values), None))
        else:
            inputs = state.cogroup(batch.partitionBy(n), n).mapValues(
                lambda old_new: (list(old_new[1]), next(iter(old_new[0]), None)))
        return inputs.mapValues(lambda values_state: update(*values_state)).filter(lambda kv: kv[1] is not None)
    return step


def _concatenate(a: list, b: list) -> list:
    return a + b


def _drop_leading(a: list, b: list) -> list:
    return a[len(b):]

"""Golden test cases pinning sparklite's RDD results to real PySpark's.

Each case is a small deterministic program that uses only the public
PySpark ``SparkContext`` / ``RDD`` API.  It takes a SparkContext ``sc``
(created with master ``local[2]``, so ``sc.defaultParallelism == 2``) and
returns a plain Python value.  ``normalize`` turns that value into a
JSON-able form.

This module must work against either implementation, so it never imports
``pyspark`` or ``sparklite``.  When a case needs a top-level class of the
library (``StorageLevel``, ``TaskContext``), it takes it from the module that
defines ``type(sc)`` (see ``_lib``).

The expected results live in ``golden/rdd_golden.json``; they are produced by
``golden/generate_golden.py`` running these cases against real PySpark.
``test_golden.py`` runs them against sparklite and compares.

Conventions:

* Results whose order PySpark does not define (shuffle output, set-like
  operations) are sorted inside the case (``_srt``), or reduced to a per-
  partition sorted layout (``_glom_sorted``), which still pins which element
  lands in which partition (hash / range partitioning) but not the order
  inside a partition.
* Cases ending in ``_layout`` pin the *raw* ``glom()`` output of a shuffle.
  PySpark is deterministic here in local mode: a reduce partition receives
  the map partitions' output in map-partition order, and combiners come out
  in first-seen key order (dict insertion order).
* A case whose PySpark result is an exception returns
  ``{"error": "ValueError"}`` / ``{"error": "TypeError"}`` (the nearest
  builtin base class of the exception, so ``PySparkValueError`` counts as
  ``ValueError``).  Errors raised inside tasks (Py4JJavaError etc.) are not
  pinned.
* Functions passed to the RDD API may only use module-level helpers and
  the standard library, because PySpark pickles them by value into worker
  processes.
"""

import math
import operator
import os
import shutil
import sys
import tempfile
from collections import Counter, defaultdict

CASES = {}


def case(fn):
    CASES[fn.__name__] = fn
    return fn


# ---------------------------------------------------------------------------
# normalization
# ---------------------------------------------------------------------------


def _sort_any(items):
    """Sort already-normalized values; fall back to a stable textual key."""
    try:
        return sorted(items)
    except TypeError:
        import json

        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True))


def normalize(value):
    """Turn a case result into a JSON-able value.

    tuples/lists/other iterables -> lists (recursively); dict (including
    defaultdict / Counter) -> sorted list of [key, value] pairs; set /
    frozenset -> sorted list; NaN -> "NaN", +/-inf -> "Infinity"/"-Infinity";
    bytes -> {"bytes": hex} (a dict marker that cannot come out of this
    function otherwise); numpy scalars -> their Python equivalents.  Floats
    stay floats and ints stay ints.
    """
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return float(value)
    if type(value).__module__ == "numpy" and hasattr(value, "item"):
        return normalize(value.item())
    if isinstance(value, (bytes, bytearray)):
        return {"bytes": bytes(value).hex()}
    if isinstance(value, (defaultdict, Counter)):
        value = dict(value)
    if isinstance(value, dict):
        pairs = [[normalize(k), normalize(v)] for k, v in value.items()]
        try:
            return sorted(pairs, key=lambda kv: kv[0])
        except TypeError:
            import json

            return sorted(pairs, key=lambda kv: json.dumps(kv[0], sort_keys=True))
    if isinstance(value, (set, frozenset)):
        return _sort_any([normalize(v) for v in value])
    if isinstance(value, (list, tuple)):
        return [normalize(v) for v in value]
    if hasattr(value, "__iter__"):
        return [normalize(v) for v in value]
    raise TypeError("cannot normalize value of type %r" % type(value).__name__)


# ---------------------------------------------------------------------------
# helpers (usable inside functions shipped to workers)
# ---------------------------------------------------------------------------

_MEANINGFUL_ERRORS = ("ValueError", "TypeError")


def _lib(sc):
    """The top-level module of the implementation that made ``sc``."""
    return sys.modules[type(sc).__module__.split(".")[0]]


def _srt(xs):
    xs = list(xs)
    try:
        return sorted(xs)
    except TypeError:
        return sorted(xs, key=repr)


def _glom_sorted(rdd):
    return [_srt(p) for p in rdd.glom().collect()]


def _sorted_groups(rdd):
    """collect() of an RDD of (k, iterable) pairs with sorted values, sorted."""
    return _srt((k, _srt(vs)) for k, vs in rdd.collect())


def _error_name(e):
    for cls in type(e).__mro__:
        if cls.__module__ == "builtins":
            return cls.__name__
    return type(e).__name__


def _expect_error(fn):
    try:
        result = fn()
    except Exception as e:  # noqa: BLE001
        name = _error_name(e)
        if name in _MEANINGFUL_ERRORS:
            return {"error": name}
        raise
    return {"no_error": result}


def _stat_fields(s):
    return {
        "count": s.count(),
        "mean": s.mean(),
        "sum": float(s.sum()),
        "stdev": float(s.stdev()),
        "max": float(s.max()),
        "min": float(s.min()),
        "variance": s.variance(),
        "sampleStdev": float(s.sampleStdev()),
        "sampleVariance": s.sampleVariance(),
    }


PAIRS = [("a", 1), ("b", 2), ("a", 3), ("c", 4), ("b", 5), ("a", 6), ("d", 7)]
OTHER = [("a", "x"), ("b", "y"), ("b", "z"), ("e", "w")]


def _pairs(sc, n=3):
    return sc.parallelize(PAIRS, n)


def _other(sc, n=2):
    return sc.parallelize(OTHER, n)


# ---------------------------------------------------------------------------
# creation and partition layout
# ---------------------------------------------------------------------------


@case
def parallelize_glom_5_into_3(sc):
    return sc.parallelize(range(5), 3).glom().collect()


@case
def parallelize_range_glom_10_into_4(sc):
    return sc.parallelize(range(10), 4).glom().collect()


@case
def parallelize_list_glom_10_into_4(sc):
    # lists are pickled in batches of len//numSlices and the *batches* are
    # sliced, so this differs from the range() layout above
    return sc.parallelize(list(range(10)), 4).glom().collect()


@case
def parallelize_list_glom_7_into_3(sc):
    return sc.parallelize(list(range(7)), 3).glom().collect()


@case
def parallelize_list_glom_11_into_3(sc):
    return sc.parallelize(list(range(11)), 3).glom().collect()


@case
def parallelize_list_glom_3_into_5(sc):
    return sc.parallelize([10, 20, 30], 5).glom().collect()


@case
def parallelize_range_glom_3_into_5(sc):
    return sc.parallelize(range(3), 5).glom().collect()


@case
def parallelize_list_large_partition_sizes(sc):
    # batch size is capped at 1024, so large lists split unevenly
    return [
        [len(p) for p in sc.parallelize(list(range(5000)), 2).glom().collect()],
        [len(p) for p in sc.parallelize(list(range(3000)), 3).glom().collect()],
        [len(p) for p in sc.parallelize(range(5000), 2).glom().collect()],
    ]


@case
def parallelize_default_slices(sc):
    return [
        sc.parallelize(range(7)).glom().collect(),
        sc.parallelize(list("abcde")).glom().collect(),
        sc.parallelize([1, 2, 3]).getNumPartitions(),
    ]


@case
def parallelize_range_step_glom(sc):
    return sc.parallelize(range(0, 20, 3), 3).glom().collect()


@case
def parallelize_range_negative_step_glom(sc):
    return sc.parallelize(range(10, 0, -2), 3).glom().collect()


@case
def parallelize_range_single_element(sc):
    return sc.parallelize(range(5, 6), 3).glom().collect()


@case
def parallelize_range_empty(sc):
    rdd = sc.parallelize(range(0), 3)
    return [rdd.getNumPartitions(), rdd.glom().collect()]


@case
def parallelize_empty_list(sc):
    rdd = sc.parallelize([], 3)
    return [rdd.getNumPartitions(), rdd.glom().collect(), rdd.count()]


@case
def parallelize_string(sc):
    return sc.parallelize("hello", 2).glom().collect()


@case
def parallelize_generator(sc):
    return sc.parallelize((x * x for x in range(6)), 2).glom().collect()


@case
def parallelize_tuple_of_tuples(sc):
    return sc.parallelize(((1, "a"), (2, "b"), (3, "c")), 2).collect()


@case
def parallelize_mixed_types(sc):
    data = [1, 2.5, "s", None, True, (1, 2), [3, 4], {"k": 1}]
    return sc.parallelize(data, 3).collect()


@case
def sc_range_end_only(sc):
    return sc.range(10).glom().collect()


@case
def sc_range_start_end_step_slices(sc):
    return sc.range(2, 20, 3, 4).glom().collect()


@case
def sc_range_num_slices(sc):
    return sc.range(10, numSlices=3).glom().collect()


@case
def sc_range_negative_step(sc):
    return sc.range(5, 0, -1, 2).glom().collect()


@case
def sc_range_more_slices_than_elements(sc):
    return sc.range(0, 4, 1, 6).glom().collect()


@case
def empty_rdd_basics(sc):
    rdd = sc.emptyRDD()
    return [
        rdd.getNumPartitions(),
        rdd.collect(),
        rdd.count(),
        rdd.isEmpty(),
        rdd.take(3),
        rdd.sum(),
        rdd.glom().collect(),
        rdd.takeOrdered(2),
        rdd.fold(0, operator.add),
    ]


@case
def default_parallelism(sc):
    return [sc.defaultParallelism, sc.defaultMinPartitions]


@case
def rdd_context_is_sc(sc):
    return sc.parallelize([1]).context is sc


# ---------------------------------------------------------------------------
# narrow transformations
# ---------------------------------------------------------------------------


@case
def map_square(sc):
    return sc.parallelize(range(6), 2).map(lambda x: x * x).collect()


@case
def map_to_tuples_glom(sc):
    return sc.parallelize(["a", "bb", "ccc"], 2).map(lambda s: (s, len(s))).glom().collect()


@case
def flatMap_range(sc):
    return sc.parallelize([1, 2, 3], 2).flatMap(lambda x: range(x)).collect()


@case
def flatMap_string_chars(sc):
    return sc.parallelize(["ab", "", "cde"], 2).flatMap(lambda s: s).glom().collect()


@case
def flatMap_generator(sc):
    def gen(x):
        for i in range(x):
            yield (x, i)

    return sc.parallelize([0, 1, 2, 3], 2).flatMap(gen).collect()


@case
def filter_even_glom(sc):
    return sc.parallelize(range(10), 3).filter(lambda x: x % 2 == 0).glom().collect()


@case
def filter_none(sc):
    return sc.parallelize(range(10), 3).filter(lambda x: x > 100).glom().collect()


@case
def mapPartitions_sum_glom(sc):
    return sc.parallelize(range(10), 4).mapPartitions(lambda it: [sum(it)]).glom().collect()


@case
def mapPartitions_generator_with_empty_partitions(sc):
    def f(it):
        items = list(it)
        yield len(items)
        for x in items:
            yield x * 10

    return sc.parallelize([1, 2], 4).mapPartitions(f).glom().collect()


@case
def mapPartitionsWithIndex_ids(sc):
    return (
        sc.parallelize(range(7), 3)
        .mapPartitionsWithIndex(lambda i, it: [(i, list(it))])
        .collect()
    )


@case
def mapPartitionsWithIndex_flat(sc):
    return (
        sc.parallelize(list("abcdef"), 4)
        .mapPartitionsWithIndex(lambda i, it: ((i, x) for x in it))
        .collect()
    )


@case
def mapPartitionsWithIndex_ids_after_union(sc):
    a = sc.parallelize([1, 2], 2)
    b = sc.parallelize([3, 4, 5], 3)
    return a.union(b).mapPartitionsWithIndex(lambda i, it: [(i, list(it))]).collect()


@case
def taskcontext_partition_id(sc):
    tc = _lib(sc).TaskContext

    def f(it):
        ctx = tc.get()
        yield (ctx.partitionId(), ctx.attemptNumber(), sorted(it))

    return sc.parallelize(range(5), 3).mapPartitions(f).collect()


@case
def glom_empty_partitions(sc):
    return sc.parallelize([1], 3).glom().collect()


@case
def keyBy_len(sc):
    return sc.parallelize(["x", "yy", "zzz"], 2).keyBy(len).collect()


@case
def keys_and_values(sc):
    rdd = _pairs(sc)
    return [rdd.keys().collect(), rdd.values().collect(), rdd.keys().getNumPartitions()]


@case
def mapValues_glom(sc):
    return _pairs(sc).mapValues(lambda v: v * 100).glom().collect()


@case
def flatMapValues_list_and_string(sc):
    rdd = sc.parallelize([("a", [1, 2]), ("b", []), ("c", "xy")], 2)
    return rdd.flatMapValues(lambda v: v).collect()


@case
def zipWithIndex_glom(sc):
    return sc.parallelize(list("abcdefg"), 3).zipWithIndex().glom().collect()


@case
def zipWithIndex_with_empty_partitions(sc):
    return sc.parallelize(["p", "q"], 4).zipWithIndex().collect()


@case
def zipWithUniqueId_glom(sc):
    return sc.parallelize(list("abcdefg"), 3).zipWithUniqueId().glom().collect()


@case
def zipWithUniqueId_uneven(sc):
    return sc.parallelize(range(7), 2).filter(lambda x: x < 5).zipWithUniqueId().collect()


@case
def zip_same_partitions(sc):
    a = sc.parallelize(range(6), 3)
    b = sc.parallelize(list("abcdef"), 3)
    return a.zip(b).glom().collect()


@case
def zip_with_mapped_self(sc):
    a = sc.parallelize(range(5), 2)
    return a.zip(a.map(lambda x: x * x)).collect()


@case
def zip_mismatched_partitions_error(sc):
    a = sc.parallelize(range(6), 2)
    b = sc.parallelize(range(6), 3)
    return _expect_error(lambda: a.zip(b).collect())


@case
def union_glom(sc):
    a = sc.parallelize([1, 2, 3], 2)
    b = sc.parallelize([4, 5], 3)
    u = a.union(b)
    return [u.getNumPartitions(), u.glom().collect()]


@case
def union_self(sc):
    a = sc.parallelize([1, 2], 2)
    return a.union(a).collect()


@case
def union_with_empty_rdd(sc):
    u = sc.parallelize([1, 2], 2).union(sc.emptyRDD())
    return [u.getNumPartitions(), u.collect()]


@case
def sc_union_three(sc):
    rdds = [sc.parallelize([i, i + 10], i + 1) for i in range(3)]
    u = sc.union(rdds)
    return [u.getNumPartitions(), u.glom().collect()]


@case
def cartesian_sorted(sc):
    a = sc.parallelize([1, 2, 3], 2)
    b = sc.parallelize(["x", "y"], 2)
    c = a.cartesian(b)
    return [c.getNumPartitions(), _srt(c.collect()), c.count()]


@case
def cartesian_glom_sorted(sc):
    a = sc.parallelize([1, 2, 3], 3)
    b = sc.parallelize([10, 20], 2)
    return _glom_sorted(a.cartesian(b))


@case
def cartesian_with_empty(sc):
    c = sc.parallelize([1, 2], 2).cartesian(sc.parallelize([], 3))
    return [c.getNumPartitions(), c.collect()]


@case
def coalesce_5_to_2_glom(sc):
    return sc.parallelize(range(10), 5).coalesce(2).glom().collect()


@case
def coalesce_5_to_3_glom(sc):
    return sc.parallelize(range(10), 5).coalesce(3).glom().collect()


@case
def coalesce_7_to_3_glom(sc):
    return sc.parallelize(range(14), 7).coalesce(3).glom().collect()


@case
def coalesce_4_to_1_glom(sc):
    return sc.parallelize(range(8), 4).coalesce(1).glom().collect()


@case
def coalesce_more_partitions_without_shuffle(sc):
    rdd = sc.parallelize(range(6), 3).coalesce(5)
    return [rdd.getNumPartitions(), rdd.glom().collect()]


@case
def coalesce_shuffle_increase(sc):
    rdd = sc.parallelize(range(20), 2).coalesce(5, shuffle=True)
    return [rdd.getNumPartitions(), _srt(rdd.collect())]


@case
def coalesce_shuffle_decrease(sc):
    rdd = sc.parallelize(range(20), 4).coalesce(3, shuffle=True)
    return [rdd.getNumPartitions(), _srt(rdd.collect())]


@case
def coalesce_zero_error(sc):
    return _expect_error(lambda: sc.parallelize(range(4), 2).coalesce(0).collect())


@case
def repartition_increase(sc):
    rdd = sc.parallelize(range(25), 2).repartition(6)
    return [rdd.getNumPartitions(), _srt(rdd.collect())]


@case
def repartition_decrease(sc):
    rdd = sc.parallelize(list("abcdefghij"), 5).repartition(2)
    return [rdd.getNumPartitions(), _srt(rdd.collect())]


@case
def repartition_glom_100_in_4_to_3(sc):
    return sc.parallelize(range(100), 4).repartition(3).glom().collect()


@case
def repartition_glom_25_in_2_to_5(sc):
    return sc.parallelize(range(25), 2).repartition(5).glom().collect()


@case
def coalesce_shuffle_glom_7_in_3_to_2(sc):
    return sc.parallelize(range(7), 3).coalesce(2, shuffle=True).glom().collect()


@case
def repartition_glom_letters(sc):
    return sc.parallelize(list("abcdefghijklmnopqrstuvwxyz"), 2).repartition(4).glom().collect()


@case
def repartition_glom_with_empty_input_partitions(sc):
    return sc.parallelize(range(3), 5).repartition(2).glom().collect()


@case
def repartition_glom_filtered_partitions(sc):
    return sc.parallelize(range(40), 4).filter(lambda x: x < 10 or x >= 30).repartition(4).glom().collect()


@case
def repartition_twice_moves_whole_batches(sc):
    return sc.parallelize(range(25), 2).repartition(3).repartition(2).glom().collect()


@case
def repartition_glom_parallelized_list(sc):
    return sc.parallelize(list(range(50)), 3).repartition(7).glom().collect()


@case
def repartition_glom_many_records(sc):
    return sc.parallelize(range(1000), 7).repartition(6).glom().collect()


@case
def repartition_glom_after_reduce_by_key(sc):
    pairs = sc.parallelize([(i % 13, i) for i in range(60)], 2).reduceByKey(lambda a, b: a + b, 2)
    return pairs.repartition(3).glom().collect()


@case
def repartition_zero_error(sc):
    return _expect_error(lambda: sc.parallelize(range(4), 2).repartition(0).collect())


@case
def pipe_cat(sc):
    return sc.parallelize(["hello", "world", "spark"], 2).pipe("cat").glom().collect()


@case
def pipe_tr_upper(sc):
    return sc.parallelize(["abc", "Def", "g h"], 2).pipe("tr a-z A-Z").collect()


@case
def pipe_ints_with_empty_partitions(sc):
    return sc.parallelize([1, 22, 333], 4).pipe("cat").glom().collect()


@case
def pipe_grep_no_match(sc):
    return sc.parallelize(["a", "b", "c"], 2).pipe("grep zzz").collect()


@case
def pipe_grep_match(sc):
    return sc.parallelize(["apple", "banana", "cherry", "avocado"], 2).pipe("grep a").collect()


@case
def toLocalIterator_list(sc):
    return list(sc.parallelize(range(7), 3).toLocalIterator())


@case
def toLocalIterator_prefetch(sc):
    return list(sc.parallelize(range(7), 3).map(str).toLocalIterator(prefetchPartitions=True))


# ---------------------------------------------------------------------------
# distinct / set-like operations
# ---------------------------------------------------------------------------


@case
def distinct_sorted(sc):
    return _srt(sc.parallelize([3, 1, 3, 2, 1, 5, 5, 5], 3).distinct().collect())


@case
def distinct_num_partitions(sc):
    rdd = sc.parallelize([3, 1, 3, 2, 1], 3)
    return [rdd.distinct().getNumPartitions(), rdd.distinct(5).getNumPartitions()]


@case
def distinct_glom_sorted(sc):
    return _glom_sorted(sc.parallelize([5, 4, 3, 2, 1, 0, 5, 4, 3, 7, 9, 11], 3).distinct())


@case
def distinct_strings_glom_sorted(sc):
    data = ["a", "b", "a", "c", "é", "日本", "b", "", "zz"]
    return _glom_sorted(sc.parallelize(data, 2).distinct(4))


@case
def distinct_layout(sc):
    return sc.parallelize([9, 1, 4, 1, 7, 3, 9, 0, 12, 6], 3).distinct().glom().collect()


@case
def distinct_tuples_sorted(sc):
    data = [(1, 2), (2, 1), (1, 2), (None, 1), (None, 1)]
    return _srt(sc.parallelize(data, 2).distinct().collect())


@case
def distinct_empty_rdd(sc):
    rdd = sc.emptyRDD().distinct()
    return [rdd.getNumPartitions(), rdd.collect()]


@case
def intersection_sorted(sc):
    a = sc.parallelize([1, 2, 3, 4, 5, 5, 6], 2)
    b = sc.parallelize([5, 6, 7, 8, 5, 1], 3)
    r = a.intersection(b)
    return [r.getNumPartitions(), _srt(r.collect())]


@case
def intersection_disjoint(sc):
    return sc.parallelize([1, 2], 2).intersection(sc.parallelize([3], 1)).collect()


@case
def subtract_sorted(sc):
    a = sc.parallelize([1, 1, 2, 3, 4, 4, 5], 3)
    b = sc.parallelize([3, 4, 9], 2)
    r = a.subtract(b)
    return [r.getNumPartitions(), _srt(r.collect())]


@case
def subtract_num_partitions_arg(sc):
    r = sc.parallelize(range(10), 3).subtract(sc.parallelize([2, 4], 2), 4)
    return [r.getNumPartitions(), _glom_sorted(r)]


@case
def subtractByKey_sorted(sc):
    r = _pairs(sc).subtractByKey(_other(sc))
    return [r.getNumPartitions(), _srt(r.collect())]


# ---------------------------------------------------------------------------
# groupBy / sortBy / sortByKey
# ---------------------------------------------------------------------------


@case
def groupBy_mod_sorted(sc):
    return _sorted_groups(sc.parallelize(range(10), 3).groupBy(lambda x: x % 3))


@case
def groupBy_num_partitions(sc):
    rdd = sc.parallelize(range(10), 3)
    return [
        rdd.groupBy(lambda x: x % 2).getNumPartitions(),
        rdd.groupBy(lambda x: x % 2, 5).getNumPartitions(),
    ]


@case
def groupBy_glom_sorted_keys(sc):
    g = sc.parallelize(range(12), 2).groupBy(lambda x: x % 5, 3)
    return [_srt(k for k, _ in p) for p in g.glom().collect()]


@case
def sortBy_identity(sc):
    return sc.parallelize([5, 3, 9, 1, 7, 2], 3).sortBy(lambda x: x).collect()


@case
def sortBy_descending(sc):
    return sc.parallelize([5, 3, 9, 1, 7, 2], 3).sortBy(lambda x: x, ascending=False).collect()


@case
def sortBy_key_len(sc):
    words = ["ccc", "a", "bb", "dddd", "ee", "f"]
    return sc.parallelize(words, 2).sortBy(lambda w: (len(w), w)).collect()


@case
def sortBy_glom_num_partitions(sc):
    rdd = sc.parallelize(range(10), 2).sortBy(lambda x: x, numPartitions=3)
    return [rdd.getNumPartitions(), rdd.glom().collect()]


@case
def sortBy_glom_default(sc):
    return sc.parallelize(list(range(10))[::-1], 2).sortBy(lambda x: x).glom().collect()


@case
def sortByKey_ascending_glom(sc):
    data = [(k, str(k)) for k in [5, 2, 8, 0, 9, 1, 7, 3, 6, 4]]
    return sc.parallelize(data, 2).sortByKey().glom().collect()


@case
def sortByKey_descending_glom(sc):
    data = [(k, str(k)) for k in [5, 2, 8, 0, 9, 1, 7, 3, 6, 4]]
    return sc.parallelize(data, 2).sortByKey(ascending=False).glom().collect()


@case
def sortByKey_three_partitions_glom(sc):
    data = [(k, None) for k in [12, 4, 7, 1, 15, 3, 9, 10, 2, 8, 5, 14, 0]]
    return sc.parallelize(data, 2).sortByKey(numPartitions=3).glom().collect()


@case
def sortByKey_one_partition(sc):
    rdd = sc.parallelize([(3, "c"), (1, "a"), (2, "b")], 3).sortByKey(numPartitions=1)
    return [rdd.getNumPartitions(), rdd.glom().collect()]


@case
def sortByKey_keyfunc_lower_glom(sc):
    data = [("b", 1), ("A", 2), ("c", 3), ("D", 4), ("e", 5), ("F", 6)]
    return sc.parallelize(data, 2).sortByKey(keyfunc=lambda k: k.lower()).glom().collect()


@case
def sortByKey_keyfunc_negate_glom(sc):
    # the range bounds are raw sampled keys compared against keyfunc(key)
    data = [(k, k) for k in range(10)]
    return sc.parallelize(data, 2).sortByKey(keyfunc=lambda k: -k).glom().collect()


@case
def sortByKey_sampled_bounds_glom(sc):
    # 200 keys > 20 * numPartitions, so bounds come from sample(False, f, seed=1)
    keys = [(i * 37) % 200 for i in range(200)]
    rdd = sc.parallelize([(k, k) for k in keys], 4).sortByKey(numPartitions=3)
    parts = rdd.glom().collect()
    return [[len(p), p[0][0], p[-1][0]] for p in parts]


@case
def sortByKey_sampled_bounds_descending(sc):
    keys = [(i * 53) % 150 for i in range(150)]
    rdd = sc.parallelize([(k, -k) for k in keys], 3).sortByKey(False, 2)
    parts = rdd.glom().collect()
    return [[len(p), p[0][0], p[-1][0]] for p in parts]


@case
def sortByKey_duplicates_stable_glom(sc):
    data = [(2, "a"), (1, "b"), (2, "c"), (1, "d"), (3, "e"), (2, "f")]
    return sc.parallelize(data, 3).sortByKey(numPartitions=2).glom().collect()


@case
def sortByKey_default_num_partitions(sc):
    return sc.parallelize([(i, i) for i in range(30)], 3).sortByKey().getNumPartitions()


@case
def sortByKey_empty_keeps_partitions(sc):
    rdd = sc.parallelize([], 3)
    return [
        rdd.sortByKey().getNumPartitions(),
        rdd.sortByKey(numPartitions=5).getNumPartitions(),
        rdd.sortByKey(numPartitions=1).getNumPartitions(),
        rdd.sortByKey().collect(),
    ]


@case
def sortByKey_string_keys(sc):
    data = [("pear", 1), ("apple", 2), ("fig", 3), ("banana", 4), ("cherry", 5)]
    return sc.parallelize(data, 2).sortByKey().collect()


@case
def repartitionAndSortWithinPartitions_glom(sc):
    data = [(k, k * 10) for k in [9, 3, 7, 1, 8, 2, 6, 0, 5, 4]]
    return sc.parallelize(data, 2).repartitionAndSortWithinPartitions(3).glom().collect()


@case
def repartitionAndSortWithinPartitions_custom(sc):
    data = [(k, str(k)) for k in [9, 3, 7, 1, 8, 2, 6, 0, 5, 4]]
    rdd = sc.parallelize(data, 3).repartitionAndSortWithinPartitions(
        2, partitionFunc=lambda k: 0 if k < 5 else 1, ascending=False
    )
    return rdd.glom().collect()


@case
def repartitionAndSortWithinPartitions_keyfunc(sc):
    data = [("b", 1), ("C", 2), ("a", 3), ("D", 4)]
    rdd = sc.parallelize(data, 2).repartitionAndSortWithinPartitions(
        1, keyfunc=lambda k: k.lower()
    )
    return rdd.glom().collect()


@case
def repartitionAndSortWithinPartitions_default_partitions(sc):
    data = [(k, None) for k in range(7)]
    rdd = sc.parallelize(data, 3).repartitionAndSortWithinPartitions()
    return [rdd.getNumPartitions(), rdd.glom().collect()]


# ---------------------------------------------------------------------------
# pair aggregations
# ---------------------------------------------------------------------------


@case
def reduceByKey_sorted(sc):
    return _srt(_pairs(sc).reduceByKey(operator.add).collect())


@case
def reduceByKey_num_partitions(sc):
    rdd = _pairs(sc, 3)
    return [
        rdd.reduceByKey(operator.add).getNumPartitions(),
        rdd.reduceByKey(operator.add, 5).getNumPartitions(),
        sc.parallelize(PAIRS, 1).reduceByKey(operator.add).getNumPartitions(),
    ]


@case
def reduceByKey_glom_sorted(sc):
    data = [(i % 7, i) for i in range(30)]
    return _glom_sorted(sc.parallelize(data, 3).reduceByKey(operator.add))


@case
def reduceByKey_layout(sc):
    data = [(i % 7, i) for i in range(40)]
    return sc.parallelize(data, 4).reduceByKey(operator.add).glom().collect()


@case
def reduceByKey_string_keys_layout(sc):
    words = "the quick brown fox jumps over the lazy dog the end".split()
    rdd = sc.parallelize(words, 3).map(lambda w: (w, 1)).reduceByKey(operator.add, 4)
    return rdd.glom().collect()


@case
def reduceByKey_custom_partitionFunc(sc):
    data = [(i, 1) for i in range(10)] * 2
    rdd = sc.parallelize(data, 2).reduceByKey(operator.add, 2, partitionFunc=lambda k: k // 5)
    return _glom_sorted(rdd)


@case
def reduceByKey_non_commutative_order(sc):
    # string concatenation exposes the merge order of values
    data = [("k", c) for c in "abcdefgh"]
    return sc.parallelize(data, 4).reduceByKey(operator.add).collect()


@case
def groupByKey_sorted(sc):
    return _srt(_pairs(sc).groupByKey().mapValues(sorted).collect())


@case
def groupByKey_num_partitions(sc):
    return [_pairs(sc, 3).groupByKey().getNumPartitions(), _pairs(sc).groupByKey(4).getNumPartitions()]


@case
def groupByKey_layout(sc):
    data = [(i % 5, i) for i in range(17)]
    return sc.parallelize(data, 3).groupByKey().mapValues(list).glom().collect()


@case
def groupByKey_len(sc):
    return _srt(_pairs(sc).groupByKey().mapValues(len).collect())


@case
def combineByKey_average(sc):
    rdd = _pairs(sc).combineByKey(
        lambda v: (v, 1),
        lambda acc, v: (acc[0] + v, acc[1] + 1),
        lambda a, b: (a[0] + b[0], a[1] + b[1]),
    )
    return _srt(rdd.mapValues(lambda sc_: sc_[0] / sc_[1]).collect())


@case
def combineByKey_lists_num_partitions(sc):
    rdd = _pairs(sc).combineByKey(lambda v: [v], lambda a, v: a + [v], lambda a, b: a + b, 2)
    return [rdd.getNumPartitions(), _srt(rdd.mapValues(sorted).collect())]


@case
def aggregateByKey_sum_count(sc):
    rdd = _pairs(sc).aggregateByKey(
        (0, 0),
        lambda acc, v: (acc[0] + v, acc[1] + 1),
        lambda a, b: (a[0] + b[0], a[1] + b[1]),
    )
    return _srt(rdd.collect())


@case
def aggregateByKey_mutable_zero(sc):
    def seq(acc, v):
        acc.append(v)
        return acc

    def comb(a, b):
        a.extend(b)
        return a

    rdd = _pairs(sc).aggregateByKey([], seq, comb)
    return _srt(rdd.mapValues(sorted).collect())


@case
def aggregateByKey_non_neutral_zero(sc):
    # the zero value is applied once per key per map partition
    data = [("a", 1), ("a", 1), ("b", 1), ("a", 1), ("b", 1), ("a", 1)]
    rdd = sc.parallelize(data, 3).aggregateByKey(100, operator.add, operator.add)
    return _srt(rdd.collect())


@case
def foldByKey_sum(sc):
    return _srt(_pairs(sc).foldByKey(0, operator.add).collect())


@case
def foldByKey_non_neutral_zero(sc):
    data = [("a", 1), ("a", 1), ("b", 1), ("a", 1), ("b", 1), ("a", 1)]
    return _srt(sc.parallelize(data, 3).foldByKey(10, operator.add).collect())


@case
def foldByKey_non_neutral_zero_prepartitioned(sc):
    data = [("a", 1), ("a", 1), ("b", 1), ("a", 1), ("b", 1), ("a", 1)]
    rdd = sc.parallelize(data, 3).partitionBy(2).foldByKey(10, operator.add, 2)
    return _srt(rdd.collect())


@case
def countByKey_dict(sc):
    return _pairs(sc).countByKey()


@case
def countByValue_dict(sc):
    return sc.parallelize(["a", "b", "a", "c", "a", "b"], 3).countByValue()


@case
def countByValue_tuples(sc):
    return sc.parallelize([(1, 2), (1, 2), (2, 1), None, None, None], 2).countByValue()


@case
def collectAsMap_last_wins(sc):
    return _pairs(sc).collectAsMap()


@case
def reduceByKeyLocally_dict(sc):
    return _pairs(sc).reduceByKeyLocally(operator.add)


@case
def lookup_unpartitioned(sc):
    rdd = _pairs(sc)
    return [rdd.lookup("a"), rdd.lookup("d"), rdd.lookup("zz")]


@case
def lookup_partitioned(sc):
    rdd = _pairs(sc).partitionBy(2)
    return [_srt(rdd.lookup("a")), rdd.lookup("b"), rdd.lookup("zz")]


@case
def lookup_after_reduceByKey(sc):
    rdd = _pairs(sc).reduceByKey(operator.add)
    return [rdd.lookup("a"), rdd.lookup("c"), rdd.lookup("q")]


# ---------------------------------------------------------------------------
# partitionBy / portable_hash placement
# ---------------------------------------------------------------------------


@case
def partitionBy_int_keys_glom(sc):
    data = [(k, k) for k in range(10)]
    return sc.parallelize(data, 2).partitionBy(3).glom().collect()


@case
def partitionBy_negative_int_keys_glom(sc):
    data = [(k, None) for k in [-1, -2, -3, -4, -5, -6, -7]]
    return sc.parallelize(data, 2).partitionBy(3).glom().collect()


@case
def partitionBy_big_int_keys_glom(sc):
    keys = [2**61 - 1, 2**61, 2**64 + 7, 10**20, -(2**63), 2**100]
    return sc.parallelize([(k, i) for i, k in enumerate(keys)], 2).partitionBy(5).glom().collect()


@case
def partitionBy_float_keys_glom(sc):
    keys = [0.5, 1.5, 2.0, -2.5, 3.25, 1e10, float("inf"), float("-inf"), -0.0]
    return sc.parallelize([(k, i) for i, k in enumerate(keys)], 2).partitionBy(4).glom().collect()


@case
def partitionBy_ascii_str_keys_glom(sc):
    keys = ["a", "b", "c", "hello", "world", "", "spark", "Z"]
    return sc.parallelize([(k, i) for i, k in enumerate(keys)], 2).partitionBy(4).glom().collect()


@case
def partitionBy_non_ascii_str_keys_glom(sc):
    keys = ["é", "日本", "naïve", "Ωmega", "😀", "ÿ", "ĀĂ"]
    return sc.parallelize([(k, i) for i, k in enumerate(keys)], 2).partitionBy(5).glom().collect()


@case
def partitionBy_bytes_keys_glom(sc):
    keys = [b"", b"a", b"abc", b"\x00\xff", b"spark"]
    return sc.parallelize([(k, i) for i, k in enumerate(keys)], 2).partitionBy(3).glom().collect()


@case
def partitionBy_none_and_bool_keys_glom(sc):
    data = [(None, 1), (True, 2), (False, 3), (None, 4), (1, 5), (0, 6)]
    return sc.parallelize(data, 2).partitionBy(3).glom().collect()


@case
def partitionBy_tuple_keys_glom(sc):
    keys = [(1, 2), (2, 1), ("a", 1), (None,), (), (1, (2, 3)), (None, None), ("é", -1)]
    return sc.parallelize([(k, i) for i, k in enumerate(keys)], 2).partitionBy(4).glom().collect()


@case
def partitionBy_custom_func_glom(sc):
    data = [(k, k * k) for k in range(8)]
    return sc.parallelize(data, 3).partitionBy(2, lambda k: k // 3).glom().collect()


@case
def partitionBy_custom_func_negative_result(sc):
    data = [(k, k) for k in range(6)]
    return sc.parallelize(data, 2).partitionBy(4, lambda k: -k).glom().collect()


@case
def partitionBy_default_num_partitions(sc):
    rdd = sc.parallelize([(k, k) for k in range(9)], 3).partitionBy(None)
    return [rdd.getNumPartitions(), rdd.glom().collect()]


@case
def partitionBy_twice_same_partitioner(sc):
    rdd = sc.parallelize([(k, k) for k in range(9)], 2).partitionBy(3)
    again = rdd.partitionBy(3)
    return [again.getNumPartitions(), again.glom().collect()]


@case
def partitionBy_more_partitions_than_keys(sc):
    return sc.parallelize([(1, "a"), (2, "b")], 1).partitionBy(6).glom().collect()


@case
def partitioner_attribute(sc):
    rdd = sc.parallelize([(k, k) for k in range(6)], 2)
    p = rdd.partitionBy(3)
    return [
        rdd.partitioner is None,
        p.partitioner.numPartitions,
        p.mapValues(lambda v: v).partitioner.numPartitions,
        p.map(lambda kv: kv).partitioner is None,
        p.filter(lambda kv: True).partitioner is not None,
        p.mapPartitions(lambda it: it, True).partitioner is not None,
        p.mapPartitions(lambda it: it).partitioner is None,
        p.reduceByKey(operator.add).partitioner.numPartitions,
        rdd.reduceByKey(operator.add).partitioner.numPartitions,
    ]


@case
def reduceByKey_on_prepartitioned_keeps_layout(sc):
    data = [(k % 6, 1) for k in range(20)]
    p = sc.parallelize(data, 2).partitionBy(3)
    r = p.reduceByKey(operator.add)
    return [r.getNumPartitions(), r.glom().collect()]


# ---------------------------------------------------------------------------
# joins / cogroup
# ---------------------------------------------------------------------------


@case
def join_sorted(sc):
    return _srt(_pairs(sc).join(_other(sc)).collect())


@case
def join_num_partitions_default(sc):
    # union of both sides, then groupByKey with the union's partition count
    return [
        _pairs(sc, 3).join(_other(sc, 2)).getNumPartitions(),
        _pairs(sc, 1).join(_other(sc, 1)).getNumPartitions(),
    ]


@case
def join_num_partitions_arg(sc):
    r = _pairs(sc, 3).join(_other(sc, 2), 4)
    return [r.getNumPartitions(), _srt(r.collect())]


@case
def join_glom_sorted(sc):
    return _glom_sorted(_pairs(sc, 2).join(_other(sc, 2), 3))


@case
def join_duplicates_cross_product(sc):
    a = sc.parallelize([(1, "a"), (1, "b"), (2, "c")], 2)
    b = sc.parallelize([(1, "x"), (1, "y"), (3, "z")], 2)
    return _srt(a.join(b).collect())


@case
def join_copartitioned_num_partitions(sc):
    a = _pairs(sc, 2).partitionBy(3)
    b = _other(sc, 2).partitionBy(3)
    j = a.join(b)
    return [a.union(b).getNumPartitions(), j.getNumPartitions(), _srt(j.collect())]


@case
def join_copartitioned_order(sc):
    # Joined in place: the exact record order in each partition, duplicates and one-sided keys included.
    a = _pairs(sc, 2).partitionBy(3)
    b = _other(sc, 2).union(sc.parallelize([("b", 7), ("zz", 8)])).partitionBy(3)
    return [a.join(b).glom().collect(), a.leftOuterJoin(b).glom().collect(),
            a.rightOuterJoin(b).glom().collect(), a.fullOuterJoin(b).glom().collect(),
            b.join(a).glom().collect()]


@case
def join_differently_partitioned_num_partitions(sc):
    a = _pairs(sc, 2).partitionBy(3)
    b = _other(sc, 2).partitionBy(2)
    return [a.union(b).getNumPartitions(), a.join(b).getNumPartitions()]


@case
def leftOuterJoin_sorted(sc):
    r = _pairs(sc).leftOuterJoin(_other(sc))
    return [r.getNumPartitions(), _srt(r.collect())]


@case
def rightOuterJoin_sorted(sc):
    r = _pairs(sc).rightOuterJoin(_other(sc))
    return [r.getNumPartitions(), _srt(r.collect())]


@case
def fullOuterJoin_sorted(sc):
    r = _pairs(sc).fullOuterJoin(_other(sc))
    return [r.getNumPartitions(), _srt(r.collect())]


@case
def fullOuterJoin_num_partitions_arg(sc):
    r = _pairs(sc).fullOuterJoin(_other(sc), 2)
    return [r.getNumPartitions(), _glom_sorted(r)]


@case
def join_with_empty(sc):
    e = sc.parallelize([], 2)
    return [
        _pairs(sc).join(e).collect(),
        _srt(_pairs(sc).leftOuterJoin(e).collect()),
        e.rightOuterJoin(_other(sc)).getNumPartitions(),
    ]


@case
def cogroup_sorted(sc):
    r = _pairs(sc).cogroup(_other(sc))
    out = _srt((k, (_srt(a), _srt(b))) for k, (a, b) in r.collect())
    return [r.getNumPartitions(), out]


@case
def cogroup_num_partitions_arg(sc):
    r = _pairs(sc).cogroup(_other(sc), 2)
    return [r.getNumPartitions(), [_srt(k for k, _ in p) for p in r.glom().collect()]]


@case
def groupWith_three(sc):
    c = sc.parallelize([("a", True), ("z", False)], 1)
    r = _pairs(sc, 3).groupWith(_other(sc, 2), c)
    out = _srt((k, tuple(_srt(vs) for vs in groups)) for k, groups in r.collect())
    return [r.getNumPartitions(), out]


@case
def groupWith_single_other(sc):
    r = _pairs(sc).groupWith(_other(sc))
    return _srt((k, [_srt(a), _srt(b)]) for k, (a, b) in r.collect())


# ---------------------------------------------------------------------------
# getNumPartitions across operations
# ---------------------------------------------------------------------------


@case
def num_partitions_narrow_ops(sc):
    rdd = sc.parallelize(range(10), 3)
    pairs = rdd.map(lambda x: (x % 2, x))
    return [
        rdd.map(lambda x: x).getNumPartitions(),
        rdd.filter(lambda x: x > 3).getNumPartitions(),
        rdd.flatMap(lambda x: [x, x]).getNumPartitions(),
        rdd.glom().getNumPartitions(),
        rdd.mapPartitions(lambda it: it).getNumPartitions(),
        rdd.keyBy(str).getNumPartitions(),
        pairs.mapValues(str).getNumPartitions(),
        pairs.flatMapValues(lambda v: [v]).getNumPartitions(),
        rdd.zipWithIndex().getNumPartitions(),
        rdd.sample(False, 0.5, 1).getNumPartitions(),
        rdd.pipe("cat").getNumPartitions(),
        rdd.cache().getNumPartitions(),
    ]


@case
def num_partitions_wide_ops(sc):
    a = sc.parallelize([(i % 3, i) for i in range(10)], 3)
    b = sc.parallelize([(i % 2, i) for i in range(4)], 2)
    return [
        a.reduceByKey(operator.add).getNumPartitions(),
        a.groupByKey().getNumPartitions(),
        a.foldByKey(0, operator.add).getNumPartitions(),
        a.aggregateByKey(0, operator.add, operator.add).getNumPartitions(),
        a.combineByKey(str, operator.add, operator.add).getNumPartitions(),
        a.union(b).getNumPartitions(),
        a.cartesian(b).getNumPartitions(),
        a.join(b).getNumPartitions(),
        b.join(a).getNumPartitions(),
        a.cogroup(b).getNumPartitions(),
        a.subtractByKey(b).getNumPartitions(),
        a.subtract(b).getNumPartitions(),
        a.intersection(b).getNumPartitions(),
        a.distinct().getNumPartitions(),
        a.sortByKey().getNumPartitions(),
        a.partitionBy(7).getNumPartitions(),
        a.coalesce(2).getNumPartitions(),
        a.repartition(5).getNumPartitions(),
        a.groupBy(lambda kv: kv[0]).getNumPartitions(),
    ]


# ---------------------------------------------------------------------------
# actions
# ---------------------------------------------------------------------------


@case
def collect_count(sc):
    rdd = sc.parallelize(range(13), 4)
    return [rdd.collect(), rdd.count()]


@case
def first_basic(sc):
    return [sc.parallelize([7, 8, 9], 2).first(), sc.parallelize([None, 1], 2).first()]


@case
def first_with_leading_empty_partitions(sc):
    return sc.parallelize([1, 2, 3], 6).filter(lambda x: x == 3).first()


@case
def first_empty_error(sc):
    return _expect_error(lambda: sc.parallelize([], 2).first())


@case
def take_across_partitions(sc):
    rdd = sc.parallelize(range(20), 5)
    return [rdd.take(0), rdd.take(1), rdd.take(3), rdd.take(9), rdd.take(50)]


@case
def take_with_empty_partitions(sc):
    rdd = sc.parallelize(range(30), 10).filter(lambda x: x > 24)
    return [rdd.take(1), rdd.take(3), rdd.take(10)]


@case
def takeOrdered_basic(sc):
    rdd = sc.parallelize([10, 1, 2, 9, 3, 4, 5, 6, 7, 2], 3)
    return [rdd.takeOrdered(4), rdd.takeOrdered(0), rdd.takeOrdered(20)]


@case
def takeOrdered_key(sc):
    rdd = sc.parallelize([10, 1, 2, 9, 3, 4, 5, 6, 7], 3)
    return [rdd.takeOrdered(4, key=lambda x: -x), rdd.takeOrdered(3, key=lambda x: x % 3)]


@case
def takeOrdered_negative_error(sc):
    return _expect_error(lambda: sc.parallelize([1, 2], 2).takeOrdered(-1))


@case
def takeOrdered_empty_partitions(sc):
    return sc.parallelize([], 3).takeOrdered(2)


@case
def top_basic(sc):
    rdd = sc.parallelize([10, 4, 2, 12, 3, 12], 3)
    return [rdd.top(1), rdd.top(3), rdd.top(10), rdd.top(0)]


@case
def top_key(sc):
    rdd = sc.parallelize(["aa", "b", "cccc", "ddd", "e"], 2)
    return [rdd.top(2, key=len), rdd.top(3, key=lambda s: s[::-1])]


@case
def top_empty(sc):
    return [
        sc.parallelize([], 2).top(3),
        _expect_error(lambda: sc.emptyRDD().top(3)),
    ]


@case
def isEmpty_variants(sc):
    return [
        sc.emptyRDD().isEmpty(),
        sc.parallelize([], 3).isEmpty(),
        sc.parallelize([1], 4).isEmpty(),
        sc.parallelize(range(10), 3).filter(lambda x: x > 8).isEmpty(),
        sc.parallelize(range(10), 3).filter(lambda x: x > 9).isEmpty(),
    ]


@case
def reduce_add(sc):
    return sc.parallelize(range(1, 11), 3).reduce(operator.add)


@case
def reduce_with_empty_partitions(sc):
    return sc.parallelize([5, 3], 5).reduce(lambda a, b: a * 10 + b)


@case
def reduce_non_commutative_order(sc):
    return sc.parallelize(list("abcdefg"), 3).reduce(operator.add)


@case
def reduce_empty_error(sc):
    return [
        _expect_error(lambda: sc.parallelize([], 2).reduce(operator.add)),
        _expect_error(lambda: sc.emptyRDD().reduce(operator.add)),
    ]


@case
def treeReduce_depths(sc):
    rdd = sc.parallelize(range(1, 101), 10)
    return [rdd.treeReduce(operator.add), rdd.treeReduce(operator.add, 1), rdd.treeReduce(operator.add, 3)]


@case
def treeReduce_max(sc):
    return sc.parallelize([3, 9, 1, 7, 5], 4).treeReduce(max)


@case
def treeReduce_errors(sc):
    return [
        _expect_error(lambda: sc.parallelize([], 3).treeReduce(operator.add)),
        _expect_error(lambda: sc.parallelize([1], 1).treeReduce(operator.add, 0)),
    ]


@case
def fold_zero_per_partition(sc):
    # zeroValue is applied in every partition and once more when merging
    return [
        sc.parallelize([1, 2, 3], 3).fold(1, operator.add),
        sc.parallelize(range(10), 4).fold(0, operator.add),
        sc.parallelize([1, 2, 3], 1).fold(1, operator.add),
    ]


@case
def fold_empty(sc):
    return [
        sc.parallelize([], 3).fold(1, operator.add),
        sc.emptyRDD().fold(1, operator.add),
    ]


@case
def fold_string_concat(sc):
    return sc.parallelize(list("abcde"), 2).fold("|", operator.add)


@case
def aggregate_sum_count(sc):
    return sc.parallelize(range(1, 11), 3).aggregate(
        (0, 0),
        lambda acc, v: (acc[0] + v, acc[1] + 1),
        lambda a, b: (a[0] + b[0], a[1] + b[1]),
    )


@case
def aggregate_non_neutral_zero(sc):
    return [
        sc.parallelize([1, 2, 3, 4], 2).aggregate(10, operator.add, operator.add),
        sc.parallelize([], 3).aggregate(10, operator.add, operator.add),
    ]


@case
def aggregate_list_zero(sc):
    return sc.parallelize(range(6), 3).aggregate([], lambda acc, v: acc + [v], lambda a, b: a + b)


@case
def treeAggregate_basic(sc):
    return sc.parallelize(range(1, 11), 3).treeAggregate(
        (0, 0),
        lambda acc, v: (acc[0] + v, acc[1] + 1),
        lambda a, b: (a[0] + b[0], a[1] + b[1]),
    )


@case
def treeAggregate_non_neutral_zero(sc):
    # unlike aggregate(), the zero is applied per partition only
    return [
        sc.parallelize([1, 2, 3], 3).treeAggregate(1, operator.add, operator.add),
        sc.parallelize(range(40), 20).treeAggregate(1, operator.add, operator.add),
        sc.parallelize(range(40), 20).treeAggregate(1, operator.add, operator.add, depth=3),
        sc.parallelize([], 3).treeAggregate(1, operator.add, operator.add),
        sc.emptyRDD().treeAggregate(1, operator.add, operator.add),
    ]


@case
def treeAggregate_depth_error(sc):
    return _expect_error(
        lambda: sc.parallelize([1], 1).treeAggregate(0, operator.add, operator.add, depth=0)
    )


@case
def max_min(sc):
    rdd = sc.parallelize([4, 8, -3, 2, 8, 0], 3)
    return [rdd.max(), rdd.min()]


@case
def max_min_key(sc):
    rdd = sc.parallelize(["apple", "fig", "banana", "kiwi", "plum"], 2)
    return [rdd.max(), rdd.min(), rdd.max(key=len), rdd.min(key=len), rdd.max(key=lambda s: s[-1])]


@case
def max_min_floats(sc):
    rdd = sc.parallelize([1.5, -2.25, 3.75, 0.0], 2)
    return [rdd.max(), rdd.min()]


@case
def max_empty_error(sc):
    return [
        _expect_error(lambda: sc.parallelize([], 2).max()),
        _expect_error(lambda: sc.emptyRDD().min()),
    ]


@case
def sum_variants(sc):
    return [
        sc.parallelize(range(101), 4).sum(),
        sc.parallelize([0.1, 0.2, 0.3], 2).sum(),
        sc.parallelize([], 2).sum(),
        sc.parallelize([1, 2.5], 2).sum(),
    ]


@case
def mean_variance_stdev(sc):
    rdd = sc.parallelize([2, 4, 4, 4, 5, 5, 7, 9], 3)
    return [rdd.mean(), rdd.variance(), rdd.stdev(), rdd.sampleVariance(), rdd.sampleStdev()]


@case
def mean_variance_floats(sc):
    rdd = sc.parallelize([1.5, 2.5, 10.25, -3.0, 0.125], 2)
    return [rdd.mean(), rdd.variance(), rdd.stdev(), rdd.sampleVariance(), rdd.sampleStdev()]


@case
def stats_fields(sc):
    return _stat_fields(sc.parallelize([1, 2, 3, 4, 10], 2).stats())


@case
def stats_single_element(sc):
    return _stat_fields(sc.parallelize([42], 3).stats())


@case
def stats_empty_partitions(sc):
    return _stat_fields(sc.parallelize([], 2).stats())


@case
def stats_skewed_partitions(sc):
    # exercises StatCounter.mergeStats' unbalanced-count branches
    data = [1.0] * 25 + [2.0, 3.0]
    return _stat_fields(sc.parallelize(data, 2).stats())


@case
def stats_empty_rdd_error(sc):
    return [
        _expect_error(lambda: sc.emptyRDD().stats()),
        _expect_error(lambda: sc.emptyRDD().mean()),
    ]


@case
def variance_single_and_empty(sc):
    one = sc.parallelize([5.0], 1)
    empty = sc.parallelize([], 1)
    return [one.variance(), one.sampleVariance(), one.sampleStdev(), empty.mean(), empty.variance()]


@case
def histogram_int_buckets_even(sc):
    return sc.parallelize(range(11), 3).histogram(2)


@case
def histogram_int_buckets_float_inc(sc):
    return sc.parallelize(range(11), 3).histogram(3)


@case
def histogram_int_buckets_floats(sc):
    return sc.parallelize([1.0, 2.5, 3.0, 4.75, 6.0, 6.0], 2).histogram(4)


@case
def histogram_explicit_even(sc):
    return sc.parallelize([0, 1, 5, 6, 9, 10, 11, -1], 2).histogram([0, 5, 10])


@case
def histogram_explicit_uneven(sc):
    return sc.parallelize([0, 1, 2, 3, 5, 9, 10, 20], 2).histogram([0, 2, 10, 20])


@case
def histogram_explicit_tuple_floats(sc):
    return sc.parallelize([0.5, 1.5, 1.0, 2.0, 2.5], 2).histogram((0.0, 1.0, 2.0))


@case
def histogram_skips_none_nan(sc):
    return sc.parallelize([1, None, 2, float("nan"), 3, 4], 2).histogram(3)


@case
def histogram_min_equals_max(sc):
    return sc.parallelize([3, 3, 3], 2).histogram(4)


@case
def histogram_one_bucket(sc):
    return sc.parallelize([1, 5, 9, 2], 2).histogram(1)


@case
def histogram_string_buckets(sc):
    return sc.parallelize(["a", "b", "c", "d", "z"], 2).histogram(["a", "c", "z"])


@case
def histogram_errors(sc):
    rdd = sc.parallelize([1, 2, 3], 2)
    return [
        _expect_error(lambda: sc.parallelize([], 2).histogram(3)),
        _expect_error(lambda: sc.emptyRDD().histogram(2)),
        _expect_error(lambda: rdd.histogram(0)),
        _expect_error(lambda: rdd.histogram([1])),
        _expect_error(lambda: rdd.histogram([3, 1, 2])),
        _expect_error(lambda: rdd.histogram([1, 1, 2])),
        _expect_error(lambda: rdd.histogram([1, float("nan")])),
        _expect_error(lambda: rdd.histogram("abc")),
        _expect_error(lambda: sc.parallelize(["a", "b"], 1).histogram(2)),
    ]


@case
def countApprox_exact_for_small(sc):
    return sc.parallelize(range(100), 3).countApprox(10000, 0.95)


@case
def sumApprox_meanApprox(sc):
    rdd = sc.parallelize(range(100), 3)
    return [float(rdd.sumApprox(10000)), float(rdd.meanApprox(10000))]


@case
def countApproxDistinct_close(sc):
    est = sc.parallelize([i % 100 for i in range(1000)], 4).countApproxDistinct()
    return abs(est - 100) <= 10


# ---------------------------------------------------------------------------
# shared variables, foreach
# ---------------------------------------------------------------------------


@case
def foreach_accumulator(sc):
    acc = sc.accumulator(0)
    sc.parallelize(range(10), 3).foreach(lambda x: acc.add(x))
    return acc.value


@case
def foreachPartition_accumulator(sc):
    acc = sc.accumulator(0)

    def f(it):
        acc.add(len(list(it)) * 100)

    sc.parallelize(range(7), 4).foreachPartition(f)
    return acc.value


@case
def accumulator_float_iadd(sc):
    acc = sc.accumulator(0.5)

    def f(x):
        acc.add(x / 4)

    sc.parallelize([1, 2, 3], 2).foreach(f)
    acc += 1.0
    return acc.value


@case
def broadcast_in_map(sc):
    b = sc.broadcast({"a": 1, "b": 2})
    return [b.value, sc.parallelize(["a", "b", "c"], 2).map(lambda k: b.value.get(k, 0)).collect()]


# ---------------------------------------------------------------------------
# sampling
# ---------------------------------------------------------------------------


@case
def sample_without_replacement_seed(sc):
    return sc.parallelize(range(30), 3).sample(False, 0.3, 42).collect()


@case
def sample_with_replacement_seed(sc):
    return sc.parallelize(range(20), 2).sample(True, 0.8, 7).collect()


@case
def sample_with_replacement_large_fraction(sc):
    # fraction >= 20 uses the exponential (log-domain) Poisson path
    return sc.parallelize([1, 2, 3], 2).sample(True, 25.0, 3).countByValue()


@case
def sample_edge_fractions(sc):
    rdd = sc.parallelize(range(10), 2)
    return [rdd.sample(False, 0.0, 1).collect(), rdd.sample(False, 1.0, 1).collect()]


@case
def sample_glom_seed(sc):
    return sc.parallelize(range(40), 4).sample(False, 0.5, 123).glom().collect()


@case
def sample_negative_fraction_error(sc):
    return _expect_error(lambda: sc.parallelize(range(5), 2).sample(False, -0.1, 1).collect())


@case
def takeSample_without_replacement(sc):
    return sc.parallelize(range(100), 4).takeSample(False, 7, 17)


@case
def takeSample_with_replacement(sc):
    return sc.parallelize(range(10), 2).takeSample(True, 12, 5)


@case
def takeSample_num_exceeds_count(sc):
    # num >= count without replacement: shuffle everything with Random(seed)
    return sc.parallelize(range(8), 3).takeSample(False, 20, 99)


@case
def takeSample_edge(sc):
    return [
        sc.parallelize(range(5), 2).takeSample(False, 0, 1),
        sc.parallelize([], 2).takeSample(True, 3, 1),
        sc.emptyRDD().takeSample(False, 3, 1),
        _expect_error(lambda: sc.parallelize(range(5), 2).takeSample(False, -1, 1)),
    ]


@case
def randomSplit_two(sc):
    return [r.collect() for r in sc.parallelize(range(20), 2).randomSplit([0.3, 0.7], 11)]


@case
def randomSplit_unnormalized_three(sc):
    parts = sc.parallelize(range(30), 3).randomSplit([1, 2, 3], seed=5)
    return [p.glom().collect() for p in parts]


@case
def randomSplit_errors(sc):
    rdd = sc.parallelize(range(5), 2)
    return [
        _expect_error(lambda: rdd.randomSplit([-1.0, 2.0], 1)),
        _expect_error(lambda: rdd.randomSplit([0.0, 0.0], 1)),
    ]


@case
def sampleByKey_without_replacement(sc):
    data = [(k, i) for i in range(30) for k in ("a", "b")]
    return sc.parallelize(data, 3).sampleByKey(False, {"a": 0.2, "b": 0.6}, 8).collect()


@case
def sampleByKey_with_replacement(sc):
    data = [(k, i) for i in range(10) for k in ("x", "y")]
    return sc.parallelize(data, 2).sampleByKey(True, {"x": 1.5, "y": 0.5}, 21).collect()


# ---------------------------------------------------------------------------
# persistence, naming, checkpointing, files
# ---------------------------------------------------------------------------


def _level_fields(level):
    return [level.useDisk, level.useMemory, level.useOffHeap, level.deserialized, level.replication]


@case
def cache_persist_storage_level(sc):
    sl = _lib(sc).StorageLevel
    rdd = sc.parallelize(range(5), 2)
    before = [rdd.is_cached, _level_fields(rdd.getStorageLevel())]
    rdd.cache()
    cached = [rdd.is_cached, _level_fields(rdd.getStorageLevel()), rdd.collect()]
    rdd.unpersist()
    after = [rdd.is_cached, _level_fields(rdd.getStorageLevel())]
    other = sc.parallelize([1], 1).persist(sl.MEMORY_AND_DISK_2)
    return [before, cached, after, _level_fields(other.getStorageLevel()), other.count()]


@case
def setName_name(sc):
    rdd = sc.parallelize([1], 1)
    before = rdd.name()
    same = rdd.setName("my-rdd") is rdd
    return [before, same, rdd.name()]


@case
def checkpoint_roundtrip(sc):
    d = tempfile.mkdtemp()
    try:
        sc.setCheckpointDir(d)
        rdd = sc.parallelize(range(6), 2).map(lambda x: x * 3)
        rdd.checkpoint()
        before = rdd.isCheckpointed()
        data = rdd.collect()
        after = rdd.isCheckpointed()
        has_file = rdd.getCheckpointFile() is not None
        again = rdd.map(lambda x: x + 1).collect()
        return [before, data, after, has_file, again, rdd.getNumPartitions()]
    finally:
        shutil.rmtree(d, ignore_errors=True)


@case
def localCheckpoint_flags(sc):
    rdd = sc.parallelize(range(6), 2).map(lambda x: -x)
    rdd.localCheckpoint()
    data = rdd.collect()
    return [data, rdd.isLocallyCheckpointed(), rdd.isCheckpointed()]


@case
def saveAsTextFile_part_files(sc):
    d = tempfile.mkdtemp()
    try:
        out = os.path.join(d, "out")
        sc.parallelize([1, "two", (3, 4), None], 3).saveAsTextFile(out)
        parts = sorted(f for f in os.listdir(out) if f.startswith("part-"))
        contents = []
        for f in parts:
            with open(os.path.join(out, f), encoding="utf-8") as fh:
                contents.append(fh.read())
        return [parts, contents, _srt(sc.textFile(out).collect())]
    finally:
        shutil.rmtree(d, ignore_errors=True)


@case
def textFile_lines(sc):
    d = tempfile.mkdtemp()
    try:
        path = os.path.join(d, "in.txt")
        with open(path, "w", encoding="utf-8", newline="") as fh:
            fh.write("alpha\r\nbeta\n\ngamma é\ndelta")
        return sc.textFile(path).collect()
    finally:
        shutil.rmtree(d, ignore_errors=True)


@case
def textFile_directory_and_unicode_roundtrip(sc):
    d = tempfile.mkdtemp()
    try:
        out = os.path.join(d, "out")
        data = ["日本", "naïve", "plain", ""]
        sc.parallelize(data, 2).saveAsTextFile(out)
        return [sc.textFile(out).collect(), sc.textFile(out).count()]
    finally:
        shutil.rmtree(d, ignore_errors=True)


@case
def wholeTextFiles_contents(sc):
    d = tempfile.mkdtemp()
    try:
        for name, text in [("a.txt", "one\ntwo\n"), ("b.txt", "three")]:
            with open(os.path.join(d, name), "w", encoding="utf-8") as fh:
                fh.write(text)
        pairs = sc.wholeTextFiles(d).collect()
        return _srt((os.path.basename(p), t) for p, t in pairs)
    finally:
        shutil.rmtree(d, ignore_errors=True)


@case
def pickleFile_roundtrip(sc):
    d = tempfile.mkdtemp()
    try:
        out = os.path.join(d, "pickled")
        data = [1, "two", (3, 4.5), None, {"k": [1, 2]}, b"raw"]
        sc.parallelize(data, 2).saveAsPickleFile(out)
        back = sc.pickleFile(out).collect()
        return _srt(back)
    finally:
        shutil.rmtree(d, ignore_errors=True)


# ---------------------------------------------------------------------------
# a few end-to-end programs
# ---------------------------------------------------------------------------


@case
def word_count(sc):
    lines = ["the cat sat", "on the mat", "the end"]
    counts = (
        sc.parallelize(lines, 2)
        .flatMap(lambda line: line.split())
        .map(lambda w: (w, 1))
        .reduceByKey(operator.add)
    )
    return _srt(counts.collect())


@case
def word_count_sorted_by_count(sc):
    text = "a b c a b a d e e e e"
    counts = (
        sc.parallelize(text.split(), 3)
        .map(lambda w: (w, 1))
        .reduceByKey(operator.add)
        .sortBy(lambda kv: (-kv[1], kv[0]))
    )
    return counts.collect()


@case
def chained_pipeline_glom(sc):
    rdd = (
        sc.parallelize(range(20), 4)
        .filter(lambda x: x % 3 != 0)
        .map(lambda x: (x % 4, x))
        .reduceByKey(operator.add, 2)
        .mapValues(lambda v: v * 2)
        .sortByKey()
    )
    return rdd.glom().collect()


@case
def join_then_aggregate(sc):
    users = sc.parallelize([(1, "ann"), (2, "bob"), (3, "cy")], 2)
    orders = sc.parallelize([(1, 9.5), (2, 3.0), (1, 0.5), (4, 1.0)], 3)
    totals = users.join(orders).map(lambda kv: (kv[1][0], kv[1][1])).reduceByKey(operator.add)
    return _srt(totals.collect())


@case
def union_distinct_sortBy(sc):
    a = sc.parallelize([5, 1, 3, 3], 2)
    b = sc.parallelize([2, 3, 4, 5], 2)
    return a.union(b).distinct().sortBy(lambda x: x).collect()

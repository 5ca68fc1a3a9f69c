"""The array and map functions without lambdas, beyond their golden cases (``slt/collections.slt``,
run by test_slt.py): the kernels' cases the golden file reaches only through one row or one batch
(sliced columns, many rows at once) and the Python API's surface."""
from __future__ import annotations

import inspect
import math
import random

import pyarrow as pa
import pytest

from sparklite.sql import types as T
from sparklite.sql.builtins.registry import lookup
from sparklite.sql.errors import PySparkTypeError
from sparklite.sql.functions import collections as F_collections
from sparklite.sql.plan.expressions import BoundReference, Call

# -- kernels on columns the golden cases do not make ------------------------------------------------

def run(name: str, columns: list, types: list) -> list:
    """The SQL function ``name`` on whole Arrow columns of the given Spark types, as an executor runs it."""
    spec = lookup(name)
    resolved = spec.resolve([BoundReference(i, t, True) for i, t in enumerate(types)])
    call = Call(spec, *resolved[:3], resolved[3] if len(resolved) > 3 else None)
    return spec.kernel(columns, len(columns[0]), call).to_pylist()


INTS = T.ArrayType(T.IntegerType())


def test_kernels_read_a_sliced_column_and_null_rows_that_span_elements():
    sliced = pa.array([[9, 9], [3, 1, 3], None, [2, None, 2], []], pa.list_(pa.int32())).slice(1)
    # row 1 is NULL but its offsets still cover two elements, as Arrow allows
    spanning = pa.ListArray.from_arrays(pa.array([0, 3, 5, 6], pa.int32()), pa.array([3, 1, 3, 7, 7, 2], pa.int32()),
                                        mask=pa.array([False, True, False]))
    assert run("array_distinct", [sliced], [INTS]) == [[3, 1], None, [2, None], []]
    assert run("array_distinct", [spanning], [INTS]) == [[3, 1], None, [2]]
    assert run("sort_array", [spanning], [INTS]) == [[1, 3, 3], None, [2]]
    assert run("array_max", [sliced], [INTS]) == [3, None, 2, None]
    assert run("array_union", [sliced, spanning.take([0, 1, 2, 0])], [INTS, INTS]) == [[3, 1], None, [2, None], [3, 1]]
    assert run("slice", [spanning, pa.array([-1] * 3, pa.int32()), pa.array([5] * 3, pa.int32())],
               [INTS, T.IntegerType(), T.IntegerType()]) == [[3], None, [2]]
    assert run("array_insert", [sliced, pa.array([-5, 2, 1, 3], pa.int32()), pa.array([0, 0, 0, 0], pa.int32())],
               [INTS, T.IntegerType(), T.IntegerType()]) == [[0, None, 3, 1, 3], None, [0, 2, None, 2], [None, None, 0]]
    assert run("flatten", [pa.array([[[1], [2, 3]], [[4], None], None, []], pa.list_(pa.list_(pa.int32()))).slice(1)],
               [T.ArrayType(INTS)]) == [None, None, []]
    maps = pa.array([[("x", 1)], [("a", 1), ("b", 2)], None, [("c", None)]], pa.map_(pa.string(), pa.int32())).slice(1)
    string_to_int = T.MapType(T.StringType(), T.IntegerType())
    assert run("map_values", [maps], [string_to_int]) == [[1, 2], None, [None]]
    assert run("map_contains_key", [maps, pa.array(["b", "b", "x"])], [string_to_int, T.StringType()]) == \
        [True, None, False]


def spark_equal_key(value):
    """A Python value as Spark's set functions compare it: NaN equals NaN, -0.0 equals 0.0."""
    if isinstance(value, float):
        return "nan" if math.isnan(value) else value + 0.0
    return value


def distinct(values):
    seen, out = set(), []
    for v in values:
        if spark_equal_key(v) not in seen:
            seen.add(spark_equal_key(v))
            out.append(v + 0.0 if isinstance(v, float) else v)
    return out


def test_set_functions_and_sorting_agree_with_a_row_by_row_model_over_many_rows():
    rng = random.Random(7)
    pool = [1.0, -1.0, 0.0, -0.0, 2.5, float("nan"), None]

    def random_array():
        return None if rng.random() < 0.1 else [rng.choice(pool) for _ in range(rng.randrange(6))]

    left = [random_array() for _ in range(400)]
    right = [random_array() for _ in range(400)]
    doubles = T.ArrayType(T.DoubleType())
    columns = [pa.array(left, pa.list_(pa.float64())), pa.array(right, pa.list_(pa.float64()))]

    def same(actual, expected):
        return [None if a is None else [spark_equal_key(x) for x in a] for a in actual] == \
            [None if e is None else [spark_equal_key(x) for x in e] for e in expected]

    pairs = list(zip(left, right))
    assert same(run("array_distinct", columns[:1], [doubles]), [None if a is None else distinct(a) for a in left])
    assert same(run("array_union", columns, [doubles, doubles]),
                [None if a is None or b is None else distinct(a + b) for a, b in pairs])
    inside = [None if a is None or b is None else
              distinct([x for x in a if spark_equal_key(x) in {spark_equal_key(y) for y in b}]) for a, b in pairs]
    assert same(run("array_intersect", columns, [doubles, doubles]), inside)

    def order(x):
        return (0,) if x is None else (1, math.isnan(x), 0.0 if math.isnan(x) else x)
    assert same(run("sort_array", columns[:1], [doubles]), [None if a is None else sorted(a, key=order) for a in left])
    assert run("array_contains", [columns[0], pa.array([0.0] * 400)], [doubles, T.DoubleType()]) == \
        [None if a is None else (True if 0.0 in a else None if None in a else False) for a in left]


# -- the Python functions -----------------------------------------------------------------------------

PYSPARK_SIGNATURES = {
    "size": ["col"], "cardinality": ["col"], "array_size": ["col"], "array_contains": ["col", "value"],
    "array_position": ["col", "value"], "array_remove": ["col", "element"], "array_distinct": ["col"],
    "array_union": ["col1", "col2"], "array_intersect": ["col1", "col2"], "array_except": ["col1", "col2"],
    "arrays_overlap": ["a1", "a2"], "array_join": ["col", "delimiter", "null_replacement"],
    "array_sort": ["col", "comparator"], "sort_array": ["col", "asc"], "array_min": ["col"], "array_max": ["col"],
    "array_repeat": ["col", "count"], "array_append": ["col", "value"], "array_prepend": ["col", "value"],
    "array_insert": ["arr", "pos", "value"], "array_compact": ["col"], "slice": ["x", "start", "length"],
    "flatten": ["col"], "arrays_zip": ["cols"], "sequence": ["start", "stop", "step"], "map_keys": ["col"],
    "map_values": ["col"], "map_entries": ["col"], "map_from_arrays": ["col1", "col2"],
    "map_from_entries": ["col"], "map_concat": ["cols"], "map_contains_key": ["col", "value"],
    "str_to_map": ["text", "pairDelim", "keyValueDelim"],
}


def test_the_python_functions_have_pysparks_signatures():
    assert sorted(F_collections.__all__) == sorted(PYSPARK_SIGNATURES)
    for name, parameters in PYSPARK_SIGNATURES.items():
        assert list(inspect.signature(getattr(F_collections, name)).parameters) == parameters, name


def test_python_functions_reject_what_pyspark_rejects():
    with pytest.raises(PySparkTypeError):
        F_collections.size(5)
    with pytest.raises(PySparkTypeError):
        F_collections.array_sort("a", "not a function")

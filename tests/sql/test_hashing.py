"""Spark's hash(), xxhash64() and hash partitioning on Arrow arrays, against PySpark's own results.

The golden files in ``golden_hashing/`` come from ``golden_hashing/generate.py`` (PySpark 4.3).
"""
import functools
import json
import math
import os
import re

import numpy as np
import pyarrow as pa
import pyarrow.feather as feather
import pytest

from sparklite.sql.execution.hashing import murmur3_hash, partition_ids, xxhash64

GOLDEN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden_hashing")
with open(os.path.join(GOLDEN, "expected.json")) as _file:
    EXPECTED = json.load(_file)


@functools.cache
def table(name: str) -> pa.Table:
    return feather.read_table(os.path.join(GOLDEN, f"{name}.arrow"))


def columns(case) -> list[pa.ChunkedArray]:
    return [table(case["table"]).column(name) for name in case["columns"]]


def case_id(case) -> str:
    suffix = f"/{case['num_partitions']}" if "num_partitions" in case else ""
    return f"{case['table']}:{','.join(case['columns'])}{suffix}"


@pytest.mark.parametrize("case", EXPECTED["hash"], ids=case_id)
def test_hash_matches_pyspark(case):
    result = murmur3_hash(columns(case))
    assert result.dtype == np.int32
    assert result.tolist() == case["hash"]


@pytest.mark.parametrize("case", EXPECTED["hash"], ids=case_id)
def test_xxhash64_matches_pyspark(case):
    result = xxhash64(columns(case))
    assert result.dtype == np.int64
    assert result.tolist() == case["xxhash64"]


@pytest.mark.parametrize("case", EXPECTED["partitions"], ids=case_id)
def test_partition_ids_match_spark_partition_id_after_repartition(case):
    result = partition_ids(columns(case), case["num_partitions"])
    assert result.dtype == np.int64
    assert result.tolist() == case["ids"]


def test_partitioning_ignores_map_entry_order_but_hash_does_not():
    maps = pa.array([[("a", 1), ("b", 2)], [("b", 2), ("a", 1)]], pa.map_(pa.string(), pa.int32()))
    assert partition_ids([maps], 200)[0] == partition_ids([maps], 200)[1]
    assert murmur3_hash([maps])[0] != murmur3_hash([maps])[1]


def test_partitioning_takes_null_primitive_map_values_as_zero_like_spark():
    # Spark 4.3's MapSort drops the null flag of primitive map values; decimals keep theirs.
    for value_type, zero in ((pa.int32(), 0), (pa.float64(), 0.0), (pa.bool_(), False)):
        maps = pa.array([[("a", None)], [("a", zero)]], pa.map_(pa.string(), value_type))
        assert partition_ids([maps], 1000)[0] == partition_ids([maps], 1000)[1]
        assert murmur3_hash([maps])[0] != murmur3_hash([maps])[1]
    decimals = pa.array([[("a", None)], [("a", 0)]], pa.map_(pa.string(), pa.decimal128(10, 2)))
    assert partition_ids([decimals], 1000)[0] != partition_ids([decimals], 1000)[1]


def test_hash_of_spark_docs_example():
    # SELECT hash('Spark', array(123), 2) and xxhash64(...) from Spark's function docs.
    cols = [pa.array(["Spark"]), pa.array([[123]], pa.list_(pa.int32())), pa.array([2], pa.int32())]
    assert murmur3_hash(cols).tolist() == [-1321691492]
    assert xxhash64(cols).tolist() == [5602566077635097486]


def test_seed_is_the_hash_of_a_row_of_nulls():
    nulls = pa.array([None, None], pa.string())
    assert murmur3_hash([nulls], seed=7).tolist() == [7, 7]
    assert xxhash64([nulls], seed=-1).tolist() == [-1, -1]


def _case(table_name, names):
    return next(c for c in EXPECTED["hash"] if c["table"] == table_name and c["columns"] == names)


@pytest.mark.parametrize("table_name,name", [("scalars", "i64"), ("strings", "s"), ("strings", "bin"),
                                             ("decimals", "d38_10"), ("nested", "arr_s"), ("nested", "st_deep"),
                                             ("nested", "m_arr")])
def test_sliced_and_chunked_inputs_hash_like_whole_arrays(table_name, name):
    case = _case(table_name, [name])
    whole = table(table_name).column(name).combine_chunks()
    middle = whole.slice(3, 5)
    assert murmur3_hash([middle]).tolist() == case["hash"][3:8]
    assert xxhash64([middle]).tolist() == case["xxhash64"][3:8]
    chunked = pa.chunked_array([whole.slice(0, 2), whole.slice(2)])
    assert murmur3_hash([chunked]).tolist() == case["hash"]
    assert xxhash64([chunked]).tolist() == case["xxhash64"]


def test_other_encodings_of_strings_hash_like_strings():
    case = _case("strings", ["s"])
    strings = table("strings").column("s").combine_chunks()
    for same in (strings.cast(pa.large_string()), strings.cast(pa.string_view()), strings.dictionary_encode()):
        assert murmur3_hash([same]).tolist() == case["hash"]
        assert xxhash64([same]).tolist() == case["xxhash64"]


@pytest.mark.parametrize("nan_bits", [np.array([0x7FF0000000000001, 0xFFF8000000000000], dtype=np.uint64),
                                      np.array([0x7F800001, 0xFFC00000], dtype=np.uint32)])
def test_every_nan_hashes_like_javas_canonical_nan(nan_bits):
    other_nans = pa.array(nan_bits.view(np.float64 if nan_bits.dtype == np.uint64 else np.float32))
    canonical = pa.array([math.nan], other_nans.type)
    for hasher in (murmur3_hash, xxhash64):
        assert hasher([other_nans]).tolist() == hasher([canonical]).tolist() * 2


def test_empty_input_gives_empty_result():
    assert murmur3_hash([pa.array([], pa.string())]).tolist() == []
    assert xxhash64([pa.array([], pa.list_(pa.int64()))]).tolist() == []
    assert partition_ids([pa.array([], pa.int32())], 7).tolist() == []


def test_misuse_is_reported():
    with pytest.raises(ValueError, match="at least one column"):
        murmur3_hash([])
    with pytest.raises(ValueError, match="differ in length"):
        xxhash64([pa.array([1]), pa.array([1, 2])])
    for unmapped in (pa.time64("us"), pa.uint32(), pa.uint64()):
        with pytest.raises(TypeError, match=re.escape(str(unmapped))):
            murmur3_hash([pa.array([1], unmapped)])
    with pytest.raises(TypeError, match="microseconds"):
        murmur3_hash([pa.array([1], pa.timestamp("ns"))])
    with pytest.raises(ValueError, match="positive"):
        partition_ids([pa.array([1])], 0)



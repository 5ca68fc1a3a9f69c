"""``DataFrame.show()`` text: every golden case from PySpark, and the edge rules on their own.

The golden cases (``golden_display/cases.json`` and the ``.arrow`` inputs beside it) come from
``golden_display/generate.py``, run once on PySpark 4.3 with Java 17.
"""
import json
import pathlib

import numpy as np
import pyarrow as pa
import pytest

from sparklite.sql.display import (day_time_interval_string, format_column, java_float_string, show_string,
                                   show_table, string_half_width)

GOLDEN = pathlib.Path(__file__).parent / "golden_display"
CASES = json.loads((GOLDEN / "cases.json").read_text(encoding="utf-8"))["cases"]


def golden_table(name: str) -> pa.Table:
    with pa.OSFile(str(GOLDEN / f"{name}.arrow")) as source:
        return pa.ipc.open_file(source).read_all()


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_show_matches_pyspark(case):
    table = golden_table(case["data"])
    text = show_table(table, case["n"], case["truncate"], case["vertical"], time_zone=case["time_zone"])
    assert text == case["text"]


def test_golden_cases_cover_every_mapped_type():
    kinds = set()

    def walk(t):
        kinds.add(str(t).split("<")[0].split("[")[0].split("(")[0])
        for i in range(t.num_fields):
            walk(t.field(i).type)

    for name in {c["data"] for c in CASES}:
        for field in golden_table(name).schema:
            walk(field.type)
    assert {"int8", "int16", "int32", "int64", "float", "double", "decimal128", "string", "binary", "bool",
            "date32", "timestamp", "duration", "null", "list", "map", "struct"} <= kinds


# ---- floating point: Java's Double.toString / Float.toString --------------------------------------

@pytest.mark.parametrize("value, text", [
    (1e7, "1.0E7"), (1234567.0, "1234567.0"), (1e-3, "0.001"), (1e-4, "1.0E-4"), (100.0, "100.0"),
    (1.0, "1.0"), (0.1, "0.1"), (1e10, "1.0E10"), (1e-5, "1.0E-5"), (-0.0, "-0.0"), (0.0, "0.0"),
    (float("nan"), "NaN"), (float("inf"), "Infinity"), (float("-inf"), "-Infinity"), (1.2345678e7, "1.2345678E7"),
    (5e-324, "4.9E-324"), (1.7976931348623157e308, "1.7976931348623157E308"), (1.0 / 3, "0.3333333333333333"),
    # Java 17 (not 19+) prints integers past 2^54 with their exact digits less the insignificant
    # ones, and 1e23 with seventeen digits
    (2.0 ** 60, "1.15292150460684698E18"), (1e23, "9.999999999999999E22"), (-123456.789, "-123456.789"),
])
def test_double_text(value, text):
    assert java_float_string(value) == text
    assert format_column(pa.array([value], pa.float64())) == [text]


@pytest.mark.parametrize("value, text", [
    (0.1, "0.1"), (3.4028234663852886e38, "3.4028235E38"), (1.401298464324817e-45, "1.4E-45"),
    (2.0 ** 31, "2.14748365E9"), (1e-5, "1.0E-5"), (1e7, "1.0E7"), (16777216.0, "1.6777216E7"), (-2.5, "-2.5"),
])
def test_float_text(value, text):
    assert java_float_string(value, single=True) == text
    assert format_column(pa.array([value], pa.float32())) == [text]


def test_float_columns_agree_with_the_emulation_for_every_value():
    rng = np.random.default_rng(7)
    doubles = np.concatenate([rng.integers(0, 2 ** 64, 3000, dtype=np.uint64).view(np.float64),
                              rng.standard_normal(3000) * 10.0 ** rng.integers(-30, 30, 3000)])
    singles = rng.integers(0, 2 ** 32, 3000, dtype=np.uint32).view(np.float32)
    for values, single in ((doubles, False), (singles, True)):
        values = values[np.isfinite(values)]
        assert format_column(pa.array(values)) == [java_float_string(v, single) for v in values.tolist()]


# ---- other values -----------------------------------------------------------------------------------

def test_nulls_print_as_null_at_every_depth():
    kind = pa.struct([pa.field("a", pa.list_(pa.int32())), pa.field("m", pa.map_(pa.string(), pa.float64()))])
    values = pa.array([None, {"a": None, "m": None}, {"a": [None], "m": [("k", None)]}], kind)
    assert format_column(values) == ["NULL", "{NULL, NULL}", "{[NULL], {k -> NULL}}"]


def test_sliced_chunked_and_dictionary_columns():
    nested = pa.array([[1], [2, 3], None, [4]], pa.list_(pa.int64())).slice(1, 3)
    assert format_column(nested) == ["[2, 3]", "NULL", "[4]"]
    structs = pa.array([{"x": 1}, {"x": 2}, {"x": 3}], pa.struct([pa.field("x", pa.int8())])).slice(1)
    assert format_column(structs) == ["{2}", "{3}"]
    maps = pa.array([[("a", 1)], [("b", 2), ("c", None)], None, [("d", 4)]], pa.map_(pa.string(), pa.int64()))
    assert format_column(maps.slice(1, 2)) == ["{b -> 2, c -> NULL}", "NULL"]
    pairs = pa.array([[1, 2], None, [5, None]], pa.list_(pa.int64(), 2)).slice(1)
    assert format_column(pairs) == ["NULL", "[5, NULL]"]
    chunked = pa.chunked_array([pa.array([1.5]), pa.array([None, 2.0])])
    assert format_column(chunked) == ["1.5", "NULL", "2.0"]
    assert format_column(pa.array(["b", None, "b"]).dictionary_encode()) == ["b", "NULL", "b"]


def test_decimals_are_plain_with_their_scale():
    values = pa.array([1, -15, 0, None], pa.int64()).cast(pa.decimal128(20, 0))
    scaled = pa.array(["1E-7", "-12.5", "0"], pa.string()).cast(pa.decimal128(20, 10))
    assert format_column(values) == ["1", "-15", "0", "NULL"]
    assert format_column(scaled) == ["0.0000001000", "-12.5000000000", "0.0000000000"]


def test_timestamps_in_the_session_time_zone():
    instants = pa.array([1706695200500000, 0], pa.timestamp("us", tz="UTC"))
    assert format_column(instants, "Asia/Tokyo") == ["2024-01-31 19:00:00.5", "1970-01-01 09:00:00"]
    wall = pa.array([1706695200000001], pa.timestamp("us"))
    assert format_column(wall, "Asia/Tokyo") == ["2024-01-31 10:00:00.000001"]


def test_day_time_intervals():
    assert day_time_interval_string(93784000000) == "INTERVAL '1 02:03:04' DAY TO SECOND"
    assert day_time_interval_string(-500000) == "INTERVAL '-0 00:00:00.5' DAY TO SECOND"
    assert format_column(pa.array([1, None], pa.duration("us"))) == [
        "INTERVAL '0 00:00:00.000001' DAY TO SECOND", "NULL"]


# ---- layout -----------------------------------------------------------------------------------------

def test_truncation_keeps_truncate_minus_three_and_an_ellipsis():
    rows = [["abcdefghij"]]
    assert show_string(["c"], rows, 20, truncate=8).splitlines()[3] == "|abcde...|"
    assert show_string(["c"], rows, 20, truncate=4).splitlines()[3] == "|a...|"
    assert show_string(["c"], rows, 20, truncate=3).splitlines()[3] == "|abc|"
    assert show_string(["c"], rows, 20, truncate=1).splitlines()[3] == "|  a|"
    assert show_string(["c"], rows, 20, truncate=10).splitlines()[3] == "|abcdefghij|"
    assert show_string(["column name"], rows, 20, truncate=4).splitlines()[1] == "|column name|"


def test_truncate_true_is_twenty_and_false_is_whole_and_left_aligned():
    rows = [["x" * 25], ["y"]]
    assert show_string(["c"], rows, 20, truncate=True) == show_string(["c"], rows, 20, truncate=20)
    assert show_string(["c"], rows, 20, truncate=False).splitlines()[4] == "|y" + " " * 24 + "|"


def test_widths_count_full_width_characters_twice_and_astral_ones_as_two_units():
    assert string_half_width("abc") == 3
    assert string_half_width("中文") == 4
    assert string_half_width("😀") == 2
    # Java cuts UTF-16 units, so a cut through a surrogate pair leaves half of it, printed as "?"
    assert show_string(["c"], [["😀😀x"]], 20, truncate=3).splitlines()[3] == "|😀?|"
    assert show_string(["c"], [["😀😀x"]], 20, truncate=4).splitlines()[3] == "|?...|"


def test_control_characters_are_escaped_before_truncation():
    text = show_string(["a\nb"], [["1\t2\r3"]], 20, truncate=6)
    assert text.splitlines()[1] == "|  a\\nb|"
    assert text.splitlines()[3] == "|1\\t...|"


def test_footers():
    rows = [["1"], ["2"]]
    assert show_string(["c"], rows, 1).endswith("+---+\nonly showing top 1 row")
    assert show_string(["c"], rows, 2, has_more=True).endswith("only showing top 2 rows")
    assert show_string(["c"], [], 20, vertical=True) == "(0 rows)"
    assert show_string(["c"], rows, 0, vertical=True) == "(0 rows)"
    assert show_string([], [[], []], 20) == "++\n||\n++\n||\n||\n++\n"


def test_show_table_reads_duplicate_names_and_rows_past_n():
    table = pa.Table.from_arrays([pa.array([1, 2, 3]), pa.array(["a", "b", "c"])], names=["x", "x"])
    assert show_table(table, 2) == ("+---+---+\n|  x|  x|\n+---+---+\n|  1|  a|\n|  2|  b|\n+---+---+\n"
                                    "only showing top 2 rows")

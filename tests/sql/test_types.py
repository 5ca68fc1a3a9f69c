"""Data types, Row, DDL, inference and the Arrow conversions against PySpark 4.3's own answers.

Most cases are data: ``golden_types/types_golden.json`` holds Python expressions with what PySpark
returned or raised for them (``golden_types/generate.py`` makes it); each is evaluated here against
sparklite and must give the same repr, or an error of the same class, condition, parameters and text.
The rest checks what PySpark has no answer for: the Arrow types, time zones, speed.
"""
from __future__ import annotations

import datetime
import decimal
import importlib.util
import json
import os
import pathlib
import pickle
import re
import time

import pyarrow as pa
import pytest

import sparklite.sql.types as T
from sparklite import errors as sparklite_errors
from sparklite.sql import error_conditions, errors
from sparklite.sql.conversion import rows_to_table, table_to_rows

GOLDEN_DIR = pathlib.Path(__file__).parent / "golden_types"
GOLDEN = json.loads((GOLDEN_DIR / "types_golden.json").read_text())

# Conditions raised in sparklite.sql that PySpark 4.3 no longer has (PySpark 3's names): they carry
# no text until their raisers move to PySpark 4's conditions.
LEGACY_CONDITIONS = {"COLUMN_INDEX_OUT_OF_RANGE", "INVALID_OTHERWISE_USAGE", "NOT_BOOL", "NOT_COLUMN",
                     "NOT_COLUMN_OR_INT_OR_LIST_OR_STR_OR_TUPLE", "NOT_COLUMN_OR_STR", "NOT_DATATYPE_OR_STR",
                     "NOT_DICT", "NOT_INT", "NOT_LIST_OF_COLUMN_OR_STR", "NOT_LIST_OR_NONE_OR_STRUCT",
                     "NOT_LIST_OR_TUPLE", "NOT_STR", "UNKNOWN_EXPLAIN_MODE"}

# Where sparklite answers differently on purpose: PySpark fails an internal assertion for a value
# its VOID or year-month interval columns cannot take; sparklite says which value, as for other types.
DIFFERENT_ON_PURPOSE = {("[(1,)]", "'x void'"), ("[(5,)]", "'x interval year to month'")}


def namespace() -> dict:
    names = {name: getattr(T, name) for name in dir(T) if not name.startswith("__")}
    exec(GOLDEN["prelude"], names)
    return names


NAMES = namespace()


def without_addresses(text):
    return re.sub(r" at 0x[0-9a-f]+", " at 0x?", text) if isinstance(text, str) else text


def outcome(source: str, names: dict = NAMES) -> dict:
    """What the generator records for an expression: its repr, or its error."""
    try:
        return {"repr": repr(eval(source, names))}
    except Exception as failure:  # noqa: BLE001 - every error is an outcome to compare
        return error_record(failure)


def error_record(failure: Exception) -> dict:
    record = {"error": type(failure).__name__,
              "bases": sorted(b.__name__ for b in (ValueError, TypeError, KeyError, IndexError, AttributeError,
                                                   RuntimeError, AssertionError) if isinstance(failure, b)),
              "str": without_addresses(str(failure))}
    if hasattr(failure, "getCondition"):
        record["condition"] = failure.getCondition()
        record["params"] = {k: without_addresses(v) for k, v in failure.getMessageParameters().items()}
        record["sqlstate"] = failure.getSqlState()
    return record


def expected_outcome(recorded: dict) -> dict:
    """The recorded outcome, made comparable: addresses blanked, no parameters an empty dict (the
    core's errors always carry a dict)."""
    expected = dict(recorded)
    if "str" in expected:
        expected["str"] = without_addresses(expected["str"])
        if "condition" in expected:
            expected["params"] = {k: without_addresses(v) for k, v in (expected["params"] or {}).items()}
    return expected


@pytest.mark.parametrize("source", list(GOLDEN["exprs"]))
def test_expressions_give_what_pyspark_gives(source):
    ours = outcome(source)
    assert ours == expected_outcome(GOLDEN["exprs"][source])


@pytest.mark.parametrize("source", list(GOLDEN["types"]))
def test_each_type_prints_as_in_pyspark(source):
    recorded = GOLDEN["types"][source]
    value = eval(source, NAMES)
    assert repr(value) == recorded["repr"]
    assert value.simpleString() == recorded["simpleString"]
    assert value.json() == recorded["json"]
    assert T._parse_datatype_json_string(value.json()) == value
    assert value.needConversion() == recorded["needConversion"]
    assert (hash(value) == hash(repr(value))) == recorded["hash_is_hash_of_repr"]
    assert [c.__name__ for c in type(value).__mro__] == recorded["ancestry"]
    assert outcome("value.typeName()", dict(NAMES, value=value)) == recorded["typeName"]
    if "treeString" in recorded:
        assert value.treeString() == recorded["treeString"] == recorded["jvm_treeString"]
        assert outcome("value.toDDL()", dict(NAMES, value=value)) == recorded["toDDL"]


@pytest.mark.parametrize("text", list(GOLDEN["ddl"]))
def test_ddl_strings_parse_as_in_pyspark(text):
    recorded = GOLDEN["ddl"][text]
    ours = outcome(f"_parse_datatype_string({text!r})")
    if "json" in recorded:
        assert ours == {"repr": recorded["repr"]}
        assert T._parse_datatype_string(text).json() == recorded["json"]
    else:
        assert ours == expected_outcome(recorded)


@pytest.mark.parametrize("case", GOLDEN["infer"], ids=lambda case: f"{case['data']}|{case['names']}")
def test_schemas_are_inferred_as_in_pyspark(case):
    names = dict(NAMES, infer_schema=T.infer_schema)
    ours = outcome(f"infer_schema({case['data']}, {case['names']})", names)
    assert ours == expected_outcome(case["result"])


def canonical(value):
    """A value compared the way it matters: maps without their order, scalars by repr (so NaN is
    NaN and 1.0 is not 1), rows with their names."""
    if isinstance(value, T.Row):
        return ("Row", tuple(getattr(value, "__fields__", ())), tuple(canonical(v) for v in value))
    if isinstance(value, list):
        return [canonical(v) for v in value]
    if isinstance(value, dict):
        return sorted((repr(k), canonical(v)) for k, v in value.items())
    return repr(value)


def round_trip(data_source: str, schema_source: str | None) -> dict:
    try:
        data = eval(data_source, NAMES)
        schema = None if schema_source is None else eval(schema_source, NAMES)
        if isinstance(schema, str):
            schema = T._parse_datatype_string(schema)
        elif not isinstance(schema, T.StructType):
            schema = T.infer_schema(data, schema)
        table = rows_to_table(data, schema, time_zone="UTC")
        assert table.schema == T.to_arrow_schema(schema)
        return {"schema": repr(schema), "rows": table_to_rows(table, schema, time_zone="UTC")}
    except Exception as failure:  # noqa: BLE001
        return error_record(failure)


@pytest.mark.parametrize("case", GOLDEN["create"], ids=lambda case: f"{case['data'][:60]}|{case['schema']}")
def test_rows_go_through_arrow_as_through_create_data_frame_and_collect(case):
    ours, recorded = round_trip(case["data"], case["schema"]), case["result"]
    if (case["data"], case["schema"]) in DIFFERENT_ON_PURPOSE:
        assert recorded["error"] == "AssertionError"
        assert ours["condition"] == "FIELD_DATA_TYPE_UNACCEPTABLE_WITH_NAME"
    elif "rows" in recorded:
        assert ours.get("schema") == recorded["schema"], ours
        expected = eval(recorded["rows"], {"Row": T.Row, "datetime": datetime, "Decimal": decimal.Decimal,
                                           "nan": float("nan"), "inf": float("inf")})
        assert canonical(ours["rows"]) == canonical(expected)
    else:
        assert ours == expected_outcome(recorded)


# ---- Arrow types

ARROW_PAIRS = [
    (T.ByteType(), pa.int8()), (T.ShortType(), pa.int16()), (T.IntegerType(), pa.int32()),
    (T.LongType(), pa.int64()), (T.FloatType(), pa.float32()), (T.DoubleType(), pa.float64()),
    (T.DecimalType(12, 3), pa.decimal128(12, 3)), (T.StringType(), pa.string()), (T.BinaryType(), pa.binary()),
    (T.BooleanType(), pa.bool_()), (T.DateType(), pa.date32()), (T.TimestampType(), pa.timestamp("us", tz="UTC")),
    (T.TimestampNTZType(), pa.timestamp("us")), (T.NullType(), pa.null()),
    (T.DayTimeIntervalType(), pa.duration("us")), (T.TimeType(), pa.time64("us")),
    (T.CalendarIntervalType(), pa.month_day_nano_interval()),
    (T.ArrayType(T.IntegerType(), False), pa.list_(pa.field("element", pa.int32(), nullable=False))),
    (T.MapType(T.StringType(), T.ArrayType(T.DoubleType())),
     pa.map_(pa.string(), pa.field("value", pa.list_(pa.field("element", pa.float64())), nullable=True))),
    (T.StructType([T.StructField("a", T.LongType(), False), T.StructField("a", T.StringType())]),
     pa.struct([pa.field("a", pa.int64(), nullable=False), pa.field("a", pa.string())])),
]


@pytest.mark.parametrize("spark_type, arrow_type", ARROW_PAIRS, ids=lambda t: str(t))
def test_types_map_to_their_arrow_types_and_back(spark_type, arrow_type):
    assert T.to_arrow_type(spark_type) == arrow_type
    assert T.from_arrow_type(arrow_type) == spark_type


def test_types_that_map_one_way():
    assert T.to_arrow_type(T.CharType(3)) == T.to_arrow_type(T.VarcharType(3)) == pa.string()
    assert T.to_arrow_type(T.YearMonthIntervalType()) == pa.int32()
    assert T.to_arrow_type(T.MapType(T.IntegerType(), T.StringType(), False)).item_field.nullable is False


@pytest.mark.parametrize("arrow_type, spark_type", [
    (pa.large_string(), T.StringType()), (pa.string_view(), T.StringType()), (pa.large_binary(), T.BinaryType()),
    (pa.binary(4), T.BinaryType()), (pa.timestamp("s"), T.TimestampNTZType()),
    (pa.timestamp("ns", tz="Europe/Paris"), T.TimestampType()), (pa.date64(), T.DateType()),
    (pa.uint8(), T.ShortType()), (pa.uint16(), T.IntegerType()), (pa.uint32(), T.LongType()),
    (pa.uint64(), T.DecimalType(20, 0)), (pa.dictionary(pa.int32(), pa.string()), T.StringType()),
    (pa.large_list(pa.int8()), T.ArrayType(T.ByteType())), (pa.list_(pa.int16(), 3), T.ArrayType(T.ShortType())),
    (pa.duration("ms"), T.DayTimeIntervalType()), (pa.float16(), T.FloatType()),
])
def test_arrow_types_of_other_writers_are_read(arrow_type, spark_type):
    assert T.from_arrow_type(arrow_type) == spark_type


def test_arrow_schemas_carry_names_and_nullability():
    schema = T.StructType([T.StructField("id", T.LongType(), False), T.StructField("name", T.StringType())])
    arrow = T.to_arrow_schema(schema)
    assert arrow.names == ["id", "name"] and [f.nullable for f in arrow] == [False, True]
    assert T.from_arrow_schema(arrow) == schema


def test_an_arrow_type_without_a_spark_type_is_refused():
    with pytest.raises(errors.PySparkTypeError) as caught:
        T.from_arrow_type(pa.large_list_view(pa.int8()))
    assert caught.value.getCondition() == "UNSUPPORTED_DATA_TYPE_FOR_ARROW_CONVERSION"


# ---- rows <-> Arrow beyond the golden cases

def test_nested_values_of_every_kind_survive_the_round_trip():
    schema = T._parse_datatype_string(
        "id bigint not null, s struct<a: int, b: array<struct<c: string, d: map<string, date>>>>, "
        "m map<int, struct<e: decimal(4,1), f: binary>>, t timestamp, n timestamp_ntz, i interval day to second")
    rows = [(1, (5, [("x", {"k": datetime.date(2020, 1, 2)}), None]), {7: (decimal.Decimal("1.5"), b"\x00")},
             datetime.datetime(2020, 5, 6, 7, 8, 9, 10), datetime.datetime(1, 1, 1), datetime.timedelta(-1, 5)),
            (2, None, None, None, None, None),
            (3, {"a": None, "b": []}, {8: None}, None, None, None)]
    back = table_to_rows(rows_to_table(rows, schema, time_zone="UTC"), schema, time_zone="UTC")
    assert back[0].s.b[0].d == {"k": datetime.date(2020, 1, 2)} and back[0].s.b[1] is None
    assert back[0].m == {7: T.Row(e=decimal.Decimal("1.5"), f=b"\x00")}
    assert back[0].t == datetime.datetime(2020, 5, 6, 7, 8, 9, 10) and back[0].n == datetime.datetime(1, 1, 1)
    assert back[0].i == datetime.timedelta(-1, 5)
    assert back[1] == (2, None, None, None, None, None)
    assert back[2].s == T.Row(a=None, b=[]) and back[2].m == {8: None}
    assert [r.__fields__ for r in back] == [schema.names] * 3


def test_repeated_names_stay_apart_at_every_level():
    schema = T.StructType([T.StructField("a", T.LongType()), T.StructField("a", T.StructType(
        [T.StructField("x", T.LongType()), T.StructField("x", T.StringType())]))])
    rows = table_to_rows(rows_to_table([(1, (2, "y"))], schema), schema)
    assert repr(rows) == "[Row(a=1, a=Row(x=2, x='y'))]"
    assert rows[0].a == 1 and rows[0].asDict() == {"a": (2, "y")} and rows[0][1].x == 2


def test_sliced_chunked_and_dictionary_encoded_columns_are_read():
    schema = T._parse_datatype_string("k string, v array<struct<w: int>>, m map<string, int>")
    table = rows_to_table([(str(i), [(i,), None], {"z": i}) for i in range(10)], schema)
    chunked = pa.concat_tables([table.slice(2, 3), table.slice(7)])
    encoded = chunked.set_column(0, "k", chunked.column(0).dictionary_encode())
    rows = table_to_rows(encoded, schema)
    assert [r.k for r in rows] == ["2", "3", "4", "7", "8", "9"]
    assert [r.v[0].w for r in rows] == [2, 3, 4, 7, 8, 9] and all(r.v[1] is None for r in rows)
    assert [r.m for r in rows] == [{"z": i} for i in (2, 3, 4, 7, 8, 9)]


def test_no_rows_and_no_columns():
    schema = T._parse_datatype_string("a int, b array<string>")
    empty = rows_to_table([], schema)
    assert empty.num_rows == 0 and empty.schema == T.to_arrow_schema(schema)
    assert table_to_rows(empty, schema) == []
    nothing = T.StructType()
    assert table_to_rows(rows_to_table([(), ()], nothing), nothing) == [T.Row(), T.Row()]


def test_naive_times_are_wall_clock_times_of_the_given_zone():
    schema = T._parse_datatype_string("t timestamp, n timestamp_ntz")
    naive = datetime.datetime(2021, 7, 1, 12, 0)
    table = rows_to_table([(naive, naive)], schema, time_zone="America/New_York")
    assert table.column("t")[0].as_py() == datetime.datetime(2021, 7, 1, 16, 0, tzinfo=datetime.timezone.utc)
    assert table.column("n")[0].as_py() == naive
    assert table_to_rows(table, schema, time_zone="America/New_York") == [(naive, naive)]
    assert table_to_rows(table, schema, time_zone="+02:00") == [(datetime.datetime(2021, 7, 1, 18, 0), naive)]
    assert table_to_rows(table, schema, time_zone="Etc/UTC") == [(datetime.datetime(2021, 7, 1, 16, 0), naive)]


def test_without_a_zone_the_process_local_zone_is_used_as_pyspark_does(monkeypatch):
    schema = T._parse_datatype_string("t timestamp")
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    try:
        table = rows_to_table([(datetime.datetime(2020, 1, 1, 9, 0),)], schema)
        assert table.column(0)[0].as_py() == datetime.datetime(2020, 1, 1, 0, 0, tzinfo=datetime.timezone.utc)
        assert table_to_rows(table, schema) == [(datetime.datetime(2020, 1, 1, 9, 0),)]
    finally:
        monkeypatch.undo()
        time.tzset()


def test_year_month_intervals_are_refused_on_collect_unless_legacy(monkeypatch):
    schema = T._parse_datatype_string("ym interval year to month")
    table = rows_to_table([(14,)], schema, verify=False)
    with pytest.raises(errors.PySparkNotImplementedError) as caught:
        table_to_rows(table, schema)
    assert caught.value.getCondition() == "NOT_IMPLEMENTED"
    monkeypatch.setenv("PYSPARK_YM_INTERVAL_LEGACY", "1")
    assert table_to_rows(table, schema) == [(14,)]


def test_without_verification_values_are_converted_as_they_come():
    schema = T._parse_datatype_string("d double, s string, v void")
    assert table_to_rows(rows_to_table([(1, 2, 3)], schema, verify=False), schema) == [(1.0, "2", None)]


def test_the_first_bad_value_in_row_order_is_reported():
    schema = T._parse_datatype_string("a int, b string, c int")
    with pytest.raises(errors.PySparkTypeError, match="field c: IntegerType"):
        rows_to_table([(1, "x", "bad"), (2 ** 40, "y", 3)], schema)
    with pytest.raises(errors.PySparkValueError, match="VALUE_OUT_OF_BOUNDS"):
        rows_to_table([(1, "x", 1), (2 ** 40, "y", "bad")], schema)


def test_sql_type_names_are_sparks():
    assert T.sql_type_name(T._parse_datatype_string(
        "array<map<string, struct<`a b`: int not null, c: decimal(5,2) comment 'x'>>>")) == \
        "ARRAY<MAP<STRING, STRUCT<`a b`: INT NOT NULL, c: DECIMAL(5,2) COMMENT 'x'>>>"
    assert [T.sql_type_name(t) for t in (T.LongType(), T.DayTimeIntervalType(1, 2), T.NullType())] == \
        ["BIGINT", "INTERVAL HOUR TO MINUTE", "VOID"]


def test_ddl_round_trips_through_to_ddl():
    schema = eval("NESTED", NAMES)
    parsed = T._parse_datatype_string(schema.toDDL())
    assert parsed.toDDL() == schema.toDDL() and parsed.names == schema.names
    assert parsed["name"] == schema["name"] and parsed["name"].metadata == {"comment": "the name"}


def test_error_classes_keep_pysparks_hierarchy_and_pickle():
    assert issubclass(errors.ParseException, errors.AnalysisException)
    assert issubclass(errors.TempTableAlreadyExistsException, errors.AnalysisException)
    assert issubclass(errors.NumberFormatException, errors.IllegalArgumentException)
    assert issubclass(errors.AnalysisException, errors.PySparkException)
    with pytest.raises(errors.ParseException) as caught:
        T._parse_datatype_string("a int,\n b int b")
    parse_error = caught.value
    again = pickle.loads(pickle.dumps(parse_error))
    assert type(again) is errors.ParseException and str(again) == str(parse_error)
    assert again.getCondition() == "PARSE_SYNTAX_ERROR" and again.getSqlState() == "42601"
    assert parse_error.getMessage() == "[PARSE_SYNTAX_ERROR] Syntax error at or near 'b'. SQLSTATE: 42601"
    failure = errors.AnalysisException(errorClass="UNSUPPORTED_DATATYPE", messageParameters={"typeName": '"X"'})
    assert str(failure) == '[UNSUPPORTED_DATATYPE] Unsupported data type "X". SQLSTATE: 0A000'
    assert str(errors.AnalysisException("plain words")) == "plain words"
    key_error = errors.error(errors.PySparkKeyError, "KEY_NOT_EXISTS", key="k")
    assert str(key_error) == "[KEY_NOT_EXISTS] Key `k` does not exist." and isinstance(key_error, KeyError)


def test_python_side_errors_are_the_cores_with_pysparks_texts():
    failure = errors.error(errors.PySparkTypeError, "NOT_EXPECTED_TYPE", arg_name="x", expected_type="str",
                           arg_type="int")
    assert isinstance(failure, sparklite_errors.PySparkTypeError) and isinstance(failure, TypeError)
    assert str(failure) == "[NOT_EXPECTED_TYPE] Argument `x` should be str, got int."
    assert failure.getSqlState() == "42K09" and str(pickle.loads(pickle.dumps(failure))) == str(failure)


def test_types_without_parameters_stay_singletons_through_pickle():
    assert pickle.loads(pickle.dumps(T.LongType())) is T.LongType()
    assert pickle.loads(pickle.dumps(T.DecimalType(5, 2))) == T.DecimalType(5, 2)


def test_a_parameter_that_looks_like_a_placeholder_is_kept():
    failure = errors.AnalysisException(errorClass="UNSUPPORTED_DATATYPE", messageParameters={"typeName": "<x>"})
    assert str(failure).startswith("[UNSUPPORTED_DATATYPE] Unsupported data type <x>.")


def test_every_condition_the_package_raises_has_its_text():
    spec = importlib.util.spec_from_file_location("generator", GOLDEN_DIR / "generate_error_conditions.py")
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    raised = generator.raised_conditions(pathlib.Path(T.__file__).parent)
    known = set(error_conditions.ERROR_CONDITIONS) | LEGACY_CONDITIONS
    assert sorted(set(raised) - known) == [], \
        "run tests/sql/golden_types/generate_error_conditions.py; what it cannot find is not a PySpark 4.3 condition"


def test_the_golden_file_was_made_with_pyspark_4_3_in_utc():
    assert GOLDEN["__meta__"]["pyspark"].startswith("4.3") and GOLDEN["__meta__"]["TZ"] == "UTC"
    assert os.path.exists(GOLDEN_DIR / "generate.py")

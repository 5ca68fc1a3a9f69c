"""Date and time functions: the datetime pattern language and time-zone arithmetic underneath them
(``sparklite.sql.execution.datetime_format``), the functions in a session time zone other than UTC
(around America/Los_Angeles' DST changes) and the Python API's signatures. ``slt/datetime.slt``
pins the rest to PySpark; the expected values here come from PySpark 4.3 runs too.
"""
from __future__ import annotations

import datetime
import time

import numpy as np
import pyarrow as pa
import pytest

import sparklite.sql.functions as F
from sparklite.sql.errors import PySparkValueError, SparkError
from sparklite.sql.execution import datetime_format as DF
from sparklite.sql.execution.evaluate import evaluate_array
from sparklite.sql.functions import datetime as datetime_functions
from sparklite.sql.plan import logical as L
from sparklite.sql.plan.analyzer import Analyzer
from sparklite.sql.plan.expressions import Call
from sparklite.sql.plan.sql import parse_expression

LA = "America/Los_Angeles"
US = 1_000_000


def _micros(text: str) -> int:
    moment = datetime.datetime.fromisoformat(text).replace(tzinfo=datetime.timezone.utc)
    return int(moment.timestamp()) * US + moment.microsecond


def evaluate_in_zone(sql: str, zone: str):
    """A SQL expression's value with the session time zone ``zone``: typed literals and the
    analyzer's casts get it, and so do the calls whose spec asks for it (as the session's analyzer
    will pass it)."""
    resolved = Analyzer(lambda parts: None, time_zone=zone).resolve_expression(parse_expression(sql, zone),
                                                                                L.OneRowRelation())

    def wire(node):
        if isinstance(node, Call) and node.spec.options.get("needs_time_zone"):
            return Call(node.spec, node.children, node.data_type, node.nullable, {**node.options, "time_zone": zone})
        return node
    batch = pa.RecordBatch.from_struct_array(pa.array([{}], pa.struct([])))
    return evaluate_array(resolved.transform_up(wire), batch)[0].as_py()


# -- patterns -----------------------------------------------------------------------------------------

def _format(pattern: str, *stamps: str, zone: str = "UTC") -> list:
    z = DF.zone(zone)
    instants = np.array([_micros(s) for s in stamps], dtype=np.int64)
    offsets = DF.offsets_at(instants, z)
    return DF.compile_pattern(pattern).format(instants + offsets, offsets // US, z).to_pylist()


def test_formatting_follows_java_letters():
    assert _format("yyyy-MM-dd'T'HH:mm:ss.SSSXXX EEE MMMM a", "2024-01-05T13:11:12.123456") == \
        ["2024-01-05T13:11:12.123Z Fri January PM"]
    assert _format("y yy yyy yyyy yyyyy G", "0099-01-05T00:00:00") == ["99 99 099 0099 00099 AD"]
    assert _format("hh KK kk HH D DDD F Q QQQ QQQQ", "2024-02-01T00:05:00") == ["12 00 24 00 32 032 1 1 Q1 1st quarter"]
    assert _format("yyyy-MM-dd ''HH'' '[x]' [mm]", "2024-01-05T13:11:12") == ["2024-01-05 '13' [x] 11"]


def test_formatting_zones_in_and_out_of_daylight_saving():
    assert _format("HH:mm z zzzz XXX Z O OOOO VV x", "2024-01-10T09:30:00", "2024-07-10T08:30:00", zone=LA) == [
        "01:30 PST Pacific Standard Time -08:00 -0800 GMT-8 GMT-08:00 America/Los_Angeles -08",
        "01:30 PDT Pacific Daylight Time -07:00 -0700 GMT-7 GMT-07:00 America/Los_Angeles -07"]
    assert _format("X XX XXX XXXXX z O", "2024-01-10T00:00:00", zone="+05:30") == \
        ["+0530 +0530 +05:30 +05:30 +05:30 GMT+5:30"]


@pytest.mark.parametrize("pattern, parsing, condition", [
    ("u", False, "INCONSISTENT_BEHAVIOR_CROSS_VERSION.DATETIME_PATTERN_RECOGNITION"),   # the pre-3.0 parser knew u
    ("e", False, "INCONSISTENT_BEHAVIOR_CROSS_VERSION.DATETIME_WEEK_BASED_PATTERN"),
    ("A", False, "INVALID_DATETIME_PATTERN.ILLEGAL_CHARACTER"),
    ("V", False, "INVALID_DATETIME_PATTERN.WITH_SUGGESTION"),
    ("'open", False, "INVALID_DATETIME_PATTERN.WITH_SUGGESTION"),
    ("EEEEE", False, "INCONSISTENT_BEHAVIOR_CROSS_VERSION.DATETIME_PATTERN_RECOGNITION"),
    ("yyyy]", False, "INCONSISTENT_BEHAVIOR_CROSS_VERSION.DATETIME_PATTERN_RECOGNITION"),
    ("yyyy QQ", True, "INVALID_DATETIME_PATTERN.ILLEGAL_CHARACTER"),
    ("E yyyy", True, "INCONSISTENT_BEHAVIOR_CROSS_VERSION.DATETIME_PATTERN_RECOGNITION"),
])
def test_patterns_spark_rejects(pattern, parsing, condition):
    with pytest.raises(SparkError) as caught:
        DF.compile_pattern(pattern, parsing)
    assert caught.value.getCondition() == condition


def _parse(pattern: str, *texts: str):
    parsed = DF.compile_pattern(pattern, parsing=True).parse(pa.array(texts, pa.string()))
    return [parsed.message(i) if parsed.failed[i] else int(parsed.local[i]) for i in range(len(texts))]


def test_parsing_is_strict_and_says_where_it_stops():
    assert _parse("yyyy-MM-dd", "2024-01-05", "2024-1-5", "2024-01-05 10:11", "2024-02-30", "2024-13-01") == [
        _micros("2024-01-05T00:00:00"),
        "Text '2024-1-5' could not be parsed at index 5",
        "Text '2024-01-05 10:11' could not be parsed, unparsed text found at index 10",
        "Text '2024-02-30' could not be parsed: Invalid date 'FEBRUARY 30'",
        "Text '2024-13-01' could not be parsed: Invalid value for MonthOfYear (valid values 1 - 12): 13"]


def test_parsing_adjacent_numbers_reads_digits_as_java_does():
    assert _parse("yyyyMMddHHmm", "202401051011") == [_micros("2024-01-05T10:11:00")]
    assert _parse("yyyyMMd", "2024015")[0].startswith("Text '2024015' could not be parsed")
    assert _parse("yyyy-MM-dd HH:mm:ss[.SSS]", "2024-01-05 10:00:00.12") == [_micros("2024-01-05T10:00:00.12")]


def test_parsing_reads_the_zone_a_string_names():
    parsed = DF.compile_pattern("yyyy-MM-dd HH:mm z", parsing=True).parse(
        pa.array(["2024-01-05 10:00 PST", "2024-01-05 10:00 +05:30", "2024-01-05 10:00 UTC"]))
    assert [z.id for z in parsed.zones] == [LA, "+05:30", "UTC"]


# -- zones ----------------------------------------------------------------------------------------------

def test_zone_ids_as_java_reads_them():
    assert DF.zone("PST") == DF.zone(LA)
    assert DF.zone("+1").id == "+01:00" and DF.zone("-08").offset == -8 * 3600
    assert DF.zone("GMT+1").id == "GMT+01:00" and DF.zone("UTC+01:00").offset == 3600
    assert DF.zone("EST").offset == -5 * 3600
    for bad in ("utc", "america/los_angeles", "+19:00", "+100", "Bogus/Zone", ""):
        with pytest.raises(SparkError) as caught:
            DF.zone(bad)
        assert caught.value.getCondition() == "INVALID_TIMEZONE"


def test_wall_clock_times_in_a_gap_move_forward_and_in_an_overlap_take_the_earlier_instant():
    z = DF.zone(LA)
    local = np.array([_micros("2024-03-10T02:30:00"), _micros("2024-11-03T01:30:00"), _micros("2024-07-01T12:00:00")])
    assert DF.to_utc(local, z).tolist() == [_micros("2024-03-10T10:30:00"), _micros("2024-11-03T08:30:00"),
                                            _micros("2024-07-01T19:00:00")]


# -- the functions in a session time zone other than UTC -----------------------------------------------

@pytest.mark.parametrize("sql, expected", [
    ("hour(TIMESTAMP '2024-03-10 03:30:00')", 3),
    ("unix_timestamp('2024-03-10 02:30:00')", 1710066600),
    ("unix_timestamp('2024-11-03 01:30:00')", 1730622600),
    ("unix_seconds(to_timestamp('2024-03-10 02:30', 'yyyy-MM-dd HH:mm'))", 1710066600),
    ("unix_timestamp(TIMESTAMP_NTZ '2024-03-10 02:30:00')", 1710037800),
    ("date_format(TIMESTAMP '2024-07-10 01:30:00', 'yyyy-MM-dd HH:mm z XXX')", "2024-07-10 01:30 PDT -07:00"),
    ("from_unixtime(1710066600, 'HH:mm z')", "03:30 PDT"),
    ("unix_seconds(date_trunc('DAY', TIMESTAMP '2024-03-10 12:00:00'))", 1710057600),
    ("unix_seconds(date_trunc('HOUR', TIMESTAMP '2024-11-03 01:30:00'))", 1730620800),
    ("unix_seconds(date_trunc('WEEK', TIMESTAMP '2024-03-12 12:00:00'))", 1710140400),
    ("to_date(TIMESTAMP '2024-03-10 01:30:00')", datetime.date(2024, 3, 10)),
    ("date_add(TIMESTAMP '2024-03-09 23:30:00', 1)", datetime.date(2024, 3, 10)),
    ("unix_seconds(make_timestamp(2024, 3, 10, 2, 30, 0))", 1710066600),
    ("unix_seconds(make_timestamp(2024, 11, 3, 1, 30, 0))", 1730622600),
    ("months_between(TIMESTAMP '2024-04-10 12:00:00', TIMESTAMP '2024-03-10 00:00:00')", 1.0),
    ("datediff(TIMESTAMP '2024-03-11 00:30:00', TIMESTAMP '2024-03-10 23:30:00')", 1),
    ("convert_timezone('Asia/Tokyo', TIMESTAMP_NTZ '2024-01-01 00:00:00')", datetime.datetime(2024, 1, 1, 17, 0)),
    ("to_timestamp_ntz(TIMESTAMP '2024-03-10 03:30:00')", datetime.datetime(2024, 3, 10, 3, 30)),
    ("current_timezone()", LA),
])
def test_functions_read_timestamps_in_the_session_time_zone(sql, expected):
    assert evaluate_in_zone(sql, LA) == expected


def test_current_date_and_localtimestamp_are_the_session_zones_wall_clock():
    today = evaluate_in_zone("current_date()", "Pacific/Kiritimati")      # UTC+14: often a day ahead
    local = evaluate_in_zone("localtimestamp()", "Pacific/Kiritimati")
    assert today == local.date()
    expected = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=14))).replace(tzinfo=None)
    assert abs(local - expected) < datetime.timedelta(minutes=1)


# -- whole arrays -------------------------------------------------------------------------------------

def test_parsing_and_formatting_a_large_batch_stay_vectorized():
    n = 200_000
    instants = np.arange(n, dtype=np.int64) * 3_600_123_457
    z = DF.zone(LA)
    offsets = DF.offsets_at(instants, z)
    start = time.perf_counter()
    texts = DF.compile_pattern("yyyy-MM-dd HH:mm:ss.SSSSSS").format(instants + offsets, offsets // US, z)
    parsed = DF.compile_pattern("yyyy-MM-dd HH:mm:ss.SSSSSS", parsing=True).parse(texts)
    elapsed = time.perf_counter() - start
    assert not parsed.failed.any()
    assert (DF.to_utc(parsed.local, z) == instants).sum() >= n - n // 1000     # but the repeated hours
    assert elapsed < 5


# -- the Python API -----------------------------------------------------------------------------------

def test_python_signatures_build_spark_calls():
    assert str(datetime_functions.date_add("d", 1)._expr.sql()) == "date_add(d, 1)"
    assert datetime_functions.unix_timestamp()._expr.sql() == "unix_timestamp()"
    assert datetime_functions.months_between("a", "b")._expr.sql() == "months_between(a, b, true)"
    assert datetime_functions.convert_timezone(None, F.lit("UTC"), "t")._expr.sql() == "convert_timezone(UTC, t)"
    with pytest.raises(PySparkValueError) as caught:
        datetime_functions.make_timestamp(F.lit(2024), date=F.lit(1))
    assert caught.value.getCondition() == "CANNOT_SET_TOGETHER"

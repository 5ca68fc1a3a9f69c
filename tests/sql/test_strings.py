"""The string, regex and hash family: its golden cases are ``slt/strings.slt``; here are the kernels'
edge cases checked directly: each whole-array (Arrow) path against its row-by-row definition, the
Java regular-expression translation, Java's replacement and split rules, the MIME base64 decoder,
and the Java formatters."""
from __future__ import annotations

import itertools

import pyarrow as pa
import pytest

import sparklite.sql.builtins.encodings as encodings
import sparklite.sql.builtins.formatting as formatting
import sparklite.sql.builtins.hashes  # noqa: F401 - importing a family module registers its functions
import sparklite.sql.builtins.regexp as regexp
import sparklite.sql.builtins.strings as strings
import sparklite.sql.builtins.substrings as substrings
from sparklite.sql import types as T
from sparklite.sql.builtins.registry import FUNCTIONS
from sparklite.sql.column import literal
from sparklite.sql.errors import (AnalysisException, IllegalArgumentException, SparkRuntimeException,
                                  UnsupportedOperationException)
from sparklite.sql.execution.evaluate import evaluate_array
from sparklite.sql.plan.expressions import BoundReference, Call

TEXTS = ["", "a", "héllo wörld", "ǆemal İSTANBUL ΑΣ", "straße", None, "😀x😀", "Hello World", "a,b,,c"]


def run(name: str, *args):
    """``name(args)`` evaluated as the engine evaluates a call: a list is a column (its type read by
    Arrow), anything else a literal."""
    columns = {f"c{i}": pa.array(a) if any(v is not None for v in a) else pa.array(a, pa.string())
               for i, a in enumerate(args) if isinstance(a, list)}
    batch = pa.RecordBatch.from_pydict(columns) if columns else pa.RecordBatch.from_pydict({"x": [0]})
    exprs = [BoundReference(list(columns).index(f"c{i}"), T.from_arrow_type(columns[f"c{i}"].type), True)
             if isinstance(a, list) else literal(a) for i, a in enumerate(args)]
    spec = FUNCTIONS[name]
    resolved = spec.resolve(exprs)
    call = Call(spec, *resolved[:3], resolved[3] if len(resolved) > 3 else {})
    return evaluate_array(call, batch).to_pylist()


# -- whole-array paths agree with the row-by-row definitions -------------------------------------------

@pytest.mark.parametrize("pos, length", itertools.product([-12, -3, -1, 0, 1, 2, 5, 20], [-1, 0, 1, 3, 100]))
def test_substring_of_constants_matches_the_rows(pos, length):
    expected = [None if s is None else strings.substring_value(s, pos, length) for s in TEXTS]
    assert run("substring", TEXTS, pos, length) == expected
    assert run("substring", TEXTS, [pos] * len(TEXTS), [length] * len(TEXTS)) == expected


def test_substring_follows_spark_on_positions_out_of_range():
    assert [strings.substring_value("Spark", p, n) for p, n in
            [(0, 2), (-10, 3), (-10, 8), (2, -1), (-2, 5), (1, 2 ** 31 - 1)]] == ["Sp", "", "Spa", "", "rk", "Spark"]
    assert run("substring", [b"\x01\x02\x03", None], -2, 1) == [b"\x02", None]


@pytest.mark.parametrize("length, pad", itertools.product([-1, 0, 3, 7, 12], ["", "x", "yz", "ü😀"]))
def test_padding_of_constants_matches_the_rows(length, pad):
    for name, left in (("lpad", True), ("rpad", False)):
        expected = [None if s is None else strings._pad_value(s, length, pad, left) for s in TEXTS]
        assert run(name, TEXTS, length, pad) == expected
        assert run(name, TEXTS, [length] * len(TEXTS), [pad] * len(TEXTS)) == expected


@pytest.mark.parametrize("delim, count", itertools.product([",", "l", "ö", "aa", ""], [-3, -1, 0, 1, 2, 5]))
def test_substring_index_of_constants_matches_the_rows(delim, count):
    expected = [None if s is None else substrings._substring_index_value(s, delim, count) for s in TEXTS]
    assert run("substring_index", TEXTS, delim, count) == expected
    assert run("substring_index", TEXTS, [delim] * len(TEXTS), [count] * len(TEXTS)) == expected


def test_substring_index_finds_overlapping_delimiters_as_spark():
    assert [substrings._substring_index_value("ababab", "aba", c) for c in (1, 2, -1, -2)] == ["", "ab", "b", "bab"]


@pytest.mark.parametrize("needle", ["l", "ö", "😀", "", "zz", ","])
def test_instr_and_locate_of_a_constant_match_the_rows(needle):
    expected = [None if s is None else substrings._instr_value(s, needle, 1, 1) for s in TEXTS]
    assert run("instr", TEXTS, needle) == expected
    assert run("instr", TEXTS, [needle] * len(TEXTS)) == expected
    assert run("locate", needle, TEXTS) == expected


def test_instr_searches_backward_from_a_negative_start():
    assert [substrings._instr_value("hello", "l", start, occurrence) for start, occurrence in
            [(-1, 1), (-1, 2), (-4, 1), (2, 2), (10, 1), (0, 1)]] == [4, 3, 0, 4, 0, 0]
    with pytest.raises(SparkRuntimeException) as failure:
        substrings._instr_value("hello", "l", 1, 0)
    assert failure.value.getCondition() == "INVALID_PARAMETER_VALUE.OCCURRENCE"


def test_case_mapping_fixes_only_the_non_ascii_rows():
    assert run("upper", TEXTS) == [None if s is None else s.upper() for s in TEXTS]
    assert run("lower", TEXTS) == [None if s is None else s.lower() for s in TEXTS]
    assert run("initcap", TEXTS) == [None if s is None else strings._initcap_text(s) for s in TEXTS]
    assert run("upper", ["ß", "ﬁ"]) == ["SS", "FI"]
    assert run("initcap", ["ǆemal İSTANBUL", "o-neil  x"]) == ["ǅemal İstanbul", "O-neil  X"]


@pytest.mark.parametrize("matching, replace", [("abc", "x"), ("lo", "01"), ("aa", "xy"), (",", ""), ("ö😀", "o"),
                                               ("ab", "äb")])
def test_translate_of_constants_matches_the_rows(matching, replace):
    table = strings._translate_table(matching, replace)
    expected = [None if s is None else s.translate(table) for s in TEXTS]
    assert run("translate", TEXTS, matching, replace) == expected
    assert run("translate", pa.array(TEXTS).slice(2).to_pylist(), matching, replace) == expected[2:]


def test_ascii_decodes_the_first_code_point_of_each_width():
    assert run("ascii", ["A", "é", "€x", "😀", "", None]) == [65, 233, 8364, 128512, 0, None]


def test_split_part_and_split_of_a_literal_match_the_rows():
    for part in (-4, -1, 1, 2, 3, 9):
        assert run("split_part", TEXTS, ",", part) == \
            [None if s is None else substrings._split_part_value(s, ",", part) for s in TEXTS]
    regex = regexp.java_regex(",", "split")
    for limit in (-1, 0, 1, 2, 3):
        assert run("split", TEXTS, ",", limit) == \
            [None if s is None else regexp.java_split(regex, s, limit) for s in TEXTS]


def test_list_kernels_take_sliced_arrays():
    lists = pa.array([[9], [1, None], None, [], [2, 3, 4]], pa.list_(pa.int32())).slice(1)
    assert strings._reverse_lists(lists).to_pylist() == [[None, 1], None, [], [4, 3, 2]]
    assert strings._concat_lists([lists, lists], lists.type).to_pylist() == \
        [[1, None, 1, None], None, [], [2, 3, 4, 2, 3, 4]]
    assert strings._compact(lists).to_pylist() == [[1], [], [], [2, 3, 4]]
    assert encodings._first_code_points(pa.array(["x", "é", None, "😀"]).slice(1)).to_pylist() == [233, None, 128512]


def test_concat_ws_skips_nulls_and_empty_arrays():
    assert run("concat_ws", ["-", "+", None, "/"], [["a", None], [], ["x"], None], ["b", None, "y", None]) == \
        ["a-b", "", None, ""]


# -- Java regular expressions --------------------------------------------------------------------------

@pytest.mark.parametrize("pattern, text, found", [
    (r"a.b", "a\nb", False), (r"(?s)a.b", "a\nb", True), (r"a.b", "a\u2028b", False), (r"b$", "ab\r\n", True),
    (r"b$", "ab\r", True), (r"b\z", "ab\n", False), (r"b\Z", "ab\n", True), (r"\w", "é", False),
    (r"(?i)é", "É", False), (r"\p{Lu}", "É", True), (r"\p{IsAlphabetic}", "ж", True), (r"\p{Punct}", "!", True),
    (r"[\p{L}\d]", "7", True), (r"a\Q.*\Eb", "a.*b", True), (r"a\Q.*\Eb", "axxb", False),
    (r"(?<x>a)\k<x>", "aa", True), (r"a++b", "aab", True), (r"\x{e9}", "é", True), (r"\u00e9", "é", True),
    (r"\h", "\u3000", True), (r"\v", "\u2029", True), (r"\s", "\x0b", True), (r"\R", "\r\n", True),
    (r"a(?i)B", "ab", True), (r"[a[bc]]", "c", True), (r"\0101", "A", True), (r"\cA", "\x01", True),
])
def test_java_patterns_keep_their_meaning(pattern, text, found):
    regex = regexp.java_regex(pattern, "rlike")
    assert (regex.python.search(text) is not None) is found
    if regex.re2 is not None:
        assert pa.compute.match_substring_regex(pa.array([text]), regex.re2).to_pylist() == [found]


def test_re2_runs_only_what_it_reads_as_java():
    assert regexp.java_regex(r"(\d+)-(\d+)", "x").re2 == r"(?P<g1>\d+)-(?P<g2>\d+)"
    for pattern in (r"(a)\1", r"a(?=b)", r"a++", r"(?i)a", r"(?<n>a)\k<n>"):
        assert regexp.java_regex(pattern, "x").re2 is None
    assert not regexp.java_regex("a$", "x").re2_spans
    assert regexp.java_regex(r"a\.b\Q|\E", "x").literal == "a.b|"
    assert regexp.java_regex("a.b", "x").literal is None


@pytest.mark.parametrize("pattern, condition", [("(", "INVALID_PARAMETER_VALUE.PATTERN"),
                                                ("a{", "INVALID_PARAMETER_VALUE.PATTERN"),
                                                (r"\q", "INVALID_PARAMETER_VALUE.PATTERN")])
def test_bad_patterns_raise_spark_errors(pattern, condition):
    with pytest.raises(SparkRuntimeException) as failure:
        regexp.java_regex(pattern, "rlike")
    assert failure.value.getCondition() == condition


@pytest.mark.parametrize("pattern", [r"[a&&b]", r"\G", r"\p{IsLatin}", r"[^a[^b]]", r"[\S]"])
def test_unsupported_java_constructs_say_so(pattern):
    with pytest.raises(UnsupportedOperationException, match="do not support"):
        regexp.java_regex(pattern, "rlike")


def test_matches_advance_as_java_after_empty_matches():
    def spans(pattern, text):
        return [m.span() for m in regexp.java_matches(regexp.java_regex(pattern, "x"), text)]
    assert spans("a??", "aa") == [(0, 0), (1, 1), (2, 2)]
    assert spans("a*", "aab") == [(0, 2), (2, 2), (3, 3)]
    assert spans("a", "aab") == [(0, 1), (1, 2)]
    assert spans(r"\b", "a b") == [(0, 0), (1, 1), (2, 2), (3, 3)]
    assert [regexp.java_regex(p, "x").matches_empty for p in ("a", "a*", "^a", "a(?=b)", r"\bx", "(?>a)")] == \
        [False, True, True, True, True, False]


@pytest.mark.parametrize("pattern, text, limit, pieces", [
    (",", "a,b,,", -1, ["a", "b", "", ""]), (",", "a,b,,", 2, ["a", "b,,"]), ("", "abc", -1, ["a", "b", "c"]),
    ("", "abc", 2, ["a", "bc"]), ("b*", "abc", -1, ["a", "", "c", ""]), ("(?=b)", "abc", -1, ["a", "bc"]),
    ("x", "", -1, [""]), ("", "", -1, [""]), (",", ",a", -1, ["", "a"]), (".", "ab", -1, ["", "", ""]),
])
def test_split_follows_java(pattern, text, limit, pieces):
    assert regexp.java_split(regexp.java_regex(pattern, "split"), text, limit) == pieces


def test_replacements_are_read_as_java_reads_them():
    regex = regexp.java_regex("(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)(k)(?<last>l)", "x")
    assert regexp.java_replacement(r"$11-$1\$-${last}", regex) == (11, "-", 1, "$", "-", 12)
    assert regexp.java_replacement("$13", regex) == (1, "3")
    for bad in ("$", "x\\", "${nope}", "$x"):
        assert regexp.java_replacement(bad, regex) is None
    assert regexp.java_replacement("$2", regexp.java_regex("(a)", "x")) is None


def test_regexp_replace_raises_only_for_rows_that_match():
    assert run("regexp_replace", ["xyz", None], "a", "$") == ["xyz", None]
    with pytest.raises(SparkRuntimeException) as failure:
        run("regexp_replace", ["xyz", "xa"], "a", "$")
    assert failure.value.getMessageParameters() == {"source": "xa", "pattern": "a", "replacement": "$",
                                                    "position": "1"}


@pytest.mark.parametrize("pattern, replacement, position", [("l+", "[$0]", 1), ("o", "0", 5), ("x*", "-", 1),
                                                              ("[aeiou]", "\\\\", 2), ("(l)(o)", "$2$1", 1)])
def test_regexp_replace_arrow_and_python_paths_agree(pattern, replacement, position):
    regex = regexp.java_regex(pattern, "regexp_replace")
    expected = [None if s is None else regexp._replace_value(regex, s, replacement, position) for s in TEXTS]
    assert run("regexp_replace", TEXTS, pattern, replacement, position) == expected


def test_like_patterns_escape_as_spark():
    assert regexp.like_regex("a_%b") == "a..*b"
    assert regexp.like_regex("a!%", "!") == "a%"
    for pattern, condition in (("a\\", "INVALID_FORMAT.ESC_AT_THE_END"), ("a\\b", "INVALID_FORMAT.ESC_IN_THE_MIDDLE")):
        with pytest.raises(AnalysisException) as failure:
            regexp.like_regex(pattern)
        assert failure.value.getCondition() == condition
    assert run("like", ["a\nb", "ab", None], "a_b") == [True, False, None]
    assert run("ilike", ["ΑΣ", "İ"], "ας") == [True, False]


# -- encodings and formats -----------------------------------------------------------------------------

@pytest.mark.parametrize("text, data", [("U3Bhcms=", b"Spark"), ("U3Bhcms", b"Spark"), ("U3Bhcm", b"Spar"),
                                        ("U3 Bh\ncms=", b"Spark"), ("U3B=", b"Sp"), ("QUJD\r\nREVG", b"ABCDEF"),
                                        ("U3Bhcms==", b"Spark"), ("", b"")])
def test_unbase64_decodes_as_javas_mime_decoder(text, data):
    assert encodings.mime_unbase64(text) == data


@pytest.mark.parametrize("text, message", [("U", "Last unit does not have enough valid bits"),
                                           ("=U3Bhcms", "Input byte array has wrong 4-byte ending unit"),
                                           ("QQ=", "Input byte array has wrong 4-byte ending unit"),
                                           ("U3Bhcms=U3Bh", "Input byte array has incorrect ending byte at 9")])
def test_unbase64_fails_as_javas_mime_decoder(text, message):
    with pytest.raises(IllegalArgumentException, match=message):
        encodings.mime_unbase64(text)


@pytest.mark.parametrize("fmt, args, text", [
    ("%.1f|%.1f|%.0f", [2.25, 0.05, 2.5], "2.3|0.1|3"), ("%g|%g|%g", [0.0001, 123456789.0, 100000.0],
                                                         "0.000100000|1.23457e+08|100000"),
    ("%08.2f|%-7.1e|%+,.1f", [-3.14159, 12345.0, 1234.56], "-0003.14|1.2e+04|+1,234.6"),
    ("%(,.2f", [-1234.5], "(1,234.50)"), ("%e", [0.0], "0.000000e+00"), ("%f", [float("nan")], "NaN"),
])
def test_java_format_rounds_doubles_half_up_from_their_shortest_form(fmt, args, text):
    assert formatting.java_format(fmt, args, [T.DoubleType()] * len(args)) == text


def test_java_format_integers_strings_and_errors():
    ints = [T.IntegerType(), T.LongType(), T.ByteType()]
    assert formatting.java_format("%x|%x|%x|%#o|%,d|%05d", [-1, -1, -1, 8, -1234567, 42],
                                  ints + [T.IntegerType()] * 3) == "ffffffff|ffffffffffffffff|ff|010|-1,234,567|00042"
    # explicit indexes do not move the ordinary one
    assert formatting.java_format("%2$s %1$s %<S %s|%-4b|%c", ["a", "b", None, 65],
                                  [T.StringType(), T.StringType(), T.BooleanType(), T.IntegerType()]) == \
        "b a A a|true|null"
    assert formatting.java_format("%-6b|%c", [None, 65], [T.BooleanType(), T.IntegerType()]) == "false |A"
    for fmt, args, types, message in [("%d", ["a"], [T.StringType()], "d != org.apache.spark.unsafe.types.UTF8String"),
                                      ("%s %s", ["a"], [T.StringType()], "Format specifier '%s'"),
                                      ("%q", [1], [T.IntegerType()], "Conversion = 'q'")]:
        with pytest.raises(IllegalArgumentException, match=message):
            formatting.java_format(fmt, args, types)


@pytest.mark.parametrize("value, pattern, text", [
    (1234.5, "#,###,###,###,###,###,##0", "1,234"), (0.125, "#,##0.00", "0.12"), (1.015, "#,##0.00", "1.01"),
    (-0.5, "#,##0", "-0"), (0.5, "#.##", "0.5"), (0.5, ".##", ".5"), (0.256, "0.0%", "25.6%"),
    (1234567, "#,####", "123,4567"), (0, "#", "0"), (5, "000", "005"), (12, "xx", "xx12"), (float("inf"), "#,##0", "∞"),
    (-1234.5, "$#,##0.00", "-$1,234.50"),
])
def test_decimal_format_rounds_half_even(value, pattern, text):
    assert formatting.decimal_format(value, pattern) == text


def test_digests_and_hashes():
    assert run("md5", [b"", None]) == ["d41d8cd98f00b204e9800998ecf8427e", None]
    assert run("sha2", [b"Spark"], 100) == [None]
    assert run("crc32", [b"Spark"]) == [1557323817]
    assert run("hash", ["a", None]) == [1485273170, 42]
    assert run("xxhash64", ["a"], [2]) == [-8186034249051070164]

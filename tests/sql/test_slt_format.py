"""The ``.slt`` parser, renderer, runner and comparer (``slt_format.py``), without PySpark or sparklite.sql:
sessions and DataFrames here are small fakes with the attributes the runner reads."""
from __future__ import annotations

import ast
import datetime
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.sql import slt_format
from tests.sql.slt_format import Case, SltParseError, parse, render_value

SAMPLE = """\
# a comment
statement ok
CREATE OR REPLACE TEMP VIEW t AS SELECT * FROM VALUES (1, 'a'), (2, NULL) AS t(id, name)

query rowsort
SELECT id, name
FROM t
----
schema: id int NOT NULL, name string
1 | a
2 | NULL

query
SELECT 1/0
----
error: DIVIDE_BY_ZERO

show
df.show()
----
+---+

+---+
====

value
df.count()

exec
x = 1
"""


def test_parse_reads_every_directive_and_renders_the_same_bytes():
    parsed = parse(SAMPLE, "sample.slt")
    assert [(c.kind, c.args, c.line) for c in parsed.cases] == [
        ("statement", ["ok"], 2), ("query", ["rowsort"], 5), ("query", [], 13), ("show", [], 18),
        ("value", [], 26), ("exec", [], 29)]
    query = parsed.cases[1]
    assert query.code == "SELECT id, name\nFROM t" and query.rowsort
    assert query.expected == ["schema: id int NOT NULL, name string", "1 | a", "2 | NULL"]
    assert parsed.cases[3].expected == ["+---+", "", "+---+"]
    assert parsed.cases[4].expected is None and not parsed.cases[5].compares
    assert parsed.render() == SAMPLE
    assert parse(SAMPLE.rstrip("\n")).render() == SAMPLE.rstrip("\n")


def test_filling_an_expected_block_touches_only_that_block():
    parsed = parse(SAMPLE)
    parsed.cases[4].expected = ["2"]
    parsed.cases[2].expected = ["error: X"]
    text = parsed.render()
    assert "value\ndf.count()\n----\n2\n\nexec" in text
    assert "SELECT 1/0\n----\nerror: X\n\nshow" in text
    assert parse(text).render() == text


@pytest.mark.parametrize("text, message", [
    ("select 1\n", "unknown directive 'select'"),
    ("query sorted\nSELECT 1\n", "'query' takes"),
    ("statement\nSELECT 1\n", "'statement' takes"),
    ("query\n\nSELECT 1\n", "needs a body"),
    ("statement ok\nSELECT 1\n----\nx\n", "compares nothing"),
    ("show\ndf.show()\n----\n+--+\n", "must end with a line '===='"),
])
def test_malformed_files_are_reported_with_their_line(text, message):
    with pytest.raises(SltParseError, match=message) as info:
        parse(text, "bad.slt")
    assert str(info.value).startswith("bad.slt:")


def test_skip_gen_is_not_part_of_the_code_run():
    case = parse("query\n# skip-gen\nSELECT 1\n").cases[0]
    assert case.skip_gen and case.code == "SELECT 1"


class FakeRow(tuple):
    """Like ``Row``: a tuple with ``__fields__``."""

    def __new__(cls, **fields):
        row = super().__new__(cls, fields.values())
        row.__fields__ = list(fields)
        return row


@pytest.mark.parametrize("value, text", [
    (None, "NULL"), (True, "true"), (False, "false"), (7, "7"), (-2**63, "-9223372036854775808"),
    (1.5, "1.5"), (float("nan"), "nan"), (float("-inf"), "-inf"), (-0.0, "-0.0"), (1e20, "1e+20"),
    (Decimal("1.50"), "1.50"), (Decimal("0E-10"), "0.0000000000"), (Decimal("-1E+2"), "-100"),
    ("x", "x"), ("", "(empty)"), ("NULL", "\\NULL"), ("(empty)", "\\(empty)"),
    ("a|b\\c", "a\\|b\\\\c"), ("l1\nl2\tx\r", "l1\\nl2\\tx\\r"), ("  a b ", "\\s\\sa b\\s"),
    (b"\x0a\xff", "0aff"), (b"", "(empty)"), (bytearray(b"\x01"), "01"),
    (datetime.date(2024, 1, 2), "2024-01-02"),
    (datetime.datetime(2024, 1, 2, 3, 4, 5), "2024-01-02 03:04:05"),
    (datetime.datetime(2024, 1, 2, 3, 4, 5, 120000), "2024-01-02 03:04:05.12"),
    (datetime.datetime(2024, 1, 2, 5, 4, 5, tzinfo=datetime.timezone(datetime.timedelta(hours=2))),
     "2024-01-02 03:04:05"),
    (datetime.time(12, 34, 56, 500), "12:34:56.0005"),
    (datetime.timedelta(days=1, hours=2, minutes=3, seconds=4, microseconds=500000), "1 02:03:04.5"),
    (-datetime.timedelta(seconds=1), "-0 00:00:01"),
    ([1, None, "a"], "[1, NULL, a]"), ([], "[]"), ({"a": 1, "b": None}, "{a: 1, b: NULL}"),
    (FakeRow(a=1, b="x"), "{a: 1, b: x}"), ([FakeRow(a=[1.0])], "[{a: [1.0]}]"),
])
def test_values_render_canonically(value, text):
    assert render_value(value) == text


def test_unknown_types_render_with_their_type_name():
    assert render_value(complex(1, 2)) == "<complex (1+2j)>"


def fake_schema(*fields):
    return SimpleNamespace(fields=[SimpleNamespace(name=n, dataType=SimpleNamespace(simpleString=lambda t=t: t),
                                                   nullable=nullable) for n, t, nullable in fields])


def test_schema_line_quotes_names_that_are_not_identifiers():
    schema = fake_schema(("id", "int", False), ("(1 + 1)", "decimal(10,2)", True), ("a`b", "struct<a:int>", True))
    line = slt_format.render_schema(schema)
    assert line == "schema: id int NOT NULL, `(1 + 1)` decimal(10,2), `a``b` struct<a:int>"
    assert slt_format.schema_types(line) == ["int", "decimal(10,2)", "struct<a:int>"]
    assert slt_format.schema_types("schema: `concat(a, b)` string, m map<string,double> NOT NULL, "
                                   "i interval day to second") == ["string", "map<string,double>",
                                                                   "interval day to second"]


def test_rows_and_text_render():
    assert slt_format.render_row(FakeRow(a=1, b=None)) == "1 | NULL"
    assert slt_format.render_row(()) == "()"
    assert slt_format.render_text("") == []
    assert slt_format.render_text("a\n\n") == ["a", ""]
    assert slt_format.render_text("\n") == [""]
    assert slt_format.render_text("a") == ["a", slt_format.NO_FINAL_NEWLINE]


def test_error_names_prefer_the_condition():
    class Conditioned(Exception):
        def getCondition(self):
            return "DIVIDE_BY_ZERO"

    class NoCondition(Exception):
        def getCondition(self):
            return None

    assert slt_format.error_name(Conditioned()) == "DIVIDE_BY_ZERO"
    assert slt_format.error_name(NoCondition()) == "NoCondition"
    assert slt_format.error_name(KeyError("x")) == "KeyError"


QUERY = Case("f.slt", 1, "query", ["SELECT x"], None)
SORTED = Case("f.slt", 1, "query rowsort", ["SELECT x"], None)


@pytest.mark.parametrize("case, expected, actual, match", [
    (QUERY, ["schema: x double", "0.30000000000000004"], ["schema: x double", "0.3"], True),
    (QUERY, ["schema: x double", "0.3"], ["schema: x double", "0.3001"], False),
    (QUERY, ["schema: x double", "-0.0"], ["schema: x double", "0.0"], False),
    (QUERY, ["schema: x double", "nan | 1"], ["schema: x double", "nan | 1"], True),
    (QUERY, ["schema: x double, y double", "nan | 1e+20"], ["schema: x double, y double", "nan | 1.0000000001e+20"],
     True),
    (QUERY, ["schema: x array<double>", "[1.0, 2.0]"], ["schema: x array<double>", "[1.0, 2.0000000000001]"], True),
    (QUERY, ["schema: x decimal(3,2)", "1.50"], ["schema: x decimal(3,2)", "1.5"], False),
    (QUERY, ["schema: x string, y double", "0.3 | 1.0"], ["schema: x string, y double", "0.30000000000000004 | 1.0"],
     False),
    (QUERY, ["schema: x int", "1", "2"], ["schema: x int", "2", "1"], False),
    (SORTED, ["schema: x int", "1", "2"], ["schema: x int", "2", "1"], True),
    (SORTED, ["schema: x int", "1", "2"], ["schema: x int", "1"], False),
    (QUERY, ["schema: x int"], ["schema: x bigint"], False),
    (QUERY, ["error: DIVIDE_BY_ZERO"], ["error: DIVIDE_BY_ZERO"], True),
    (QUERY, ["error: DIVIDE_BY_ZERO"], ["schema: x int"], False),
])
def test_blocks_compare_floats_with_a_tolerance_and_the_rest_exactly(case, expected, actual, match):
    assert slt_format.blocks_match(case, expected, actual) is match


def test_mismatch_report_shows_the_case_and_both_sides():
    report = slt_format.mismatch_report(QUERY, ["schema: x int", "1"], ["schema: x int", "2", "3"])
    assert report.splitlines() == [
        "f.slt:1: query", "    SELECT x", "",
        "  expected        actual",
        "  schema: x int | schema: x int",
        "! 1             ≠ 2",
        "!               ≠ 3"]


class FakeDataFrame:
    def __init__(self, schema, rows):
        self.schema, self.rows = schema, rows

    def collect(self):
        return self.rows

    def show(self):
        print("+--+\n|id|\n+--+\n")


class FakeSession:
    """Answers ``SELECT <int>`` and ``SELECT 1/0``; records every statement."""

    def __init__(self):
        self.statements = []

    def sql(self, text):
        self.statements.append(text)
        if text == "SELECT 1/0":
            raise ArithmeticError("division by zero")
        return FakeDataFrame(fake_schema(("n", "int", False)), [(3,), (int(text.split()[-1]),)])


def run(text):
    spark = FakeSession()
    namespace = slt_format.file_namespace(spark, {"F": None})
    return [slt_format.run_case(case, spark, namespace) for case in parse(text, "f.slt").cases], spark


def test_cases_run_against_a_duck_typed_session():
    results, spark = run("statement ok\nSELECT 5\n\nquery\nSELECT 4\n\nquery rowsort\nSELECT 4\n\n"
                         "query\nSELECT 1/0\n\nstatement error\nSELECT 1/0\n\nstatement error\nSELECT 2\n")
    assert results == [None, ["schema: n int NOT NULL", "3", "4"], ["schema: n int NOT NULL", "3", "4"],
                       ["error: ArithmeticError"], ["error: ArithmeticError"], ["ok"]]
    assert spark.statements[0] == "SELECT 5"


def test_python_bodies_see_the_file_names_and_exec_names_persist():
    results, _ = run("exec\nhelper = spark.sql('SELECT 9')\n\n"
                     "df rowsort\nrows = helper\nrows\n\n"
                     "value\nlocal = [Decimal('1.5'), math.pi > 3, datetime.date(2024, 1, 2), F]\nlocal\n\n"
                     "value\n'local' in dir()\n\n"
                     "show\nhelper.show()\n\n"
                     "value\n{}['missing']\n")
    assert results == [None, ["schema: n int NOT NULL", "3", "9"],
                       ["[Decimal('1.5'), True, datetime.date(2024, 1, 2), None]"], ["False"],
                       ["+--+", "|id|", "+--+", ""], ["error: KeyError"]]


@pytest.mark.parametrize("text, message", [
    ("df\nx = 1\n", "must be an expression"),
    ("df\n1 + 1\n", "must give a DataFrame, got int"),
    ("statement ok\nSELECT 1/0\n", "f.slt:1: statement failed: ArithmeticError"),
    ("exec\n1/0\n", "f.slt:1: exec failed: ZeroDivisionError"),
])
def test_cases_that_cannot_be_right_as_written_raise(text, message):
    with pytest.raises(slt_format.CaseAuthoringError, match=message):
        run(text)


def test_python_tracebacks_point_at_the_slt_line():
    spark = FakeSession()
    case = parse("\n\nexec\nx = 1\n1/0\n", "f.slt").cases[0]
    with pytest.raises(slt_format.CaseAuthoringError) as info:
        slt_format.run_case(case, spark, {})
    traceback = info.value.__cause__.__traceback__
    while traceback.tb_next:
        traceback = traceback.tb_next
    assert (traceback.tb_frame.f_code.co_filename, traceback.tb_lineno) == ("f.slt", 5)


def test_temp_views_are_dropped_between_files():
    dropped = []
    catalog = SimpleNamespace(
        listTables=lambda: [SimpleNamespace(name="v", isTemporary=True), SimpleNamespace(name="t", isTemporary=False)],
        dropTempView=dropped.append)
    slt_format.drop_temp_views(SimpleNamespace(catalog=catalog))
    assert dropped == ["v"]


SLT_FILES = sorted((Path(__file__).resolve().parent / "slt").glob("*.slt"))


@pytest.mark.parametrize("path", SLT_FILES, ids=lambda p: p.name)
def test_every_corpus_case_has_its_expected_block(path):
    parsed = slt_format.parse_file(path)
    assert parsed.render() == path.read_text()
    missing = [case.where for case in parsed.cases if case.compares and case.expected is None]
    assert missing == [], "run tests/sql/golden/generate.py"


def test_the_format_module_imports_neither_pyspark_nor_sparklite():
    tree = ast.parse(Path(slt_format.__file__).read_text())
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not {name for name in imported if name.split(".")[0] in ("pyspark", "sparklite")}

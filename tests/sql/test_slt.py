"""Pin sparklite's SQL and DataFrame behaviour to PySpark's: every case of ``slt/*.slt`` on sparklite.

One test per case (id ``file.slt:line``), in file order, on one module-scoped session (``local[2]``,
session time zone UTC). A file's cases share its state (temporary views, ``exec`` names): a case
selected alone (``-k``) first replays the file's earlier ``statement`` and ``exec`` cases. The expected
blocks come from ``golden/generate.py`` run on PySpark; see ``slt/README.md`` to add a case.
``sparklite.sql`` is imported only when the first case runs, so collection works without it.

``slt/PENDING`` lists the cases whose feature sparklite does not have yet, one ``file.slt:line reason``
per line: they run and are expected to fail (strict), so a case that starts passing fails the run
until its line is removed. The list only shrinks.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.sql import slt_format

SLT_DIR = Path(__file__).resolve().parent / "slt"
FILES = {path.name: slt_format.parse_file(path) for path in sorted(SLT_DIR.glob("*.slt"))}


def _pending() -> dict:
    path = SLT_DIR / "PENDING"
    entries = {}
    for line in path.read_text().splitlines() if path.exists() else []:
        if line.strip() and not line.startswith("#"):
            where, _, reason = line.partition(" ")
            entries[where] = reason.strip() or "not built yet"
    return entries


PENDING = _pending()
CASES = [pytest.param(name, index, id=case.where,
                      marks=[pytest.mark.xfail(reason=PENDING[case.where], strict=True)] if case.where in PENDING else [])
         for name, parsed in FILES.items() for index, case in enumerate(parsed.cases)]


class FileState:
    """Where the session is in the file being run: its namespace and the next case not yet run."""

    def __init__(self, spark, names: dict):
        self.spark, self.names = spark, names
        self.name, self.namespace, self.next_index = None, {}, 0

    def run(self, name: str, index: int) -> tuple[slt_format.Case, list[str] | None]:
        cases = FILES[name].cases
        if name != self.name or index < self.next_index:
            slt_format.drop_temp_views(self.spark)
            self.name, self.namespace, self.next_index = name, slt_format.file_namespace(self.spark, self.names), 0
        for earlier in cases[self.next_index:index]:
            if earlier.kind in ("statement", "exec"):
                try:
                    slt_format.run_case(earlier, self.spark, self.namespace)
                except slt_format.CaseAuthoringError as error:
                    raise AssertionError(f"an earlier case this one depends on failed: {error}") from error
        self.next_index = index + 1
        case = cases[index]
        return case, slt_format.run_case(case, self.spark, self.namespace)


@pytest.fixture(scope="module")
def file_state():
    from sparklite.sql import Observation, Row, SparkSession, Window, functions, types
    spark = SparkSession.builder.master("local[2]").config("spark.sql.session.timeZone", "UTC").getOrCreate()
    yield FileState(spark, {"F": functions, "T": types, "Row": Row, "Window": Window, "Observation": Observation})
    spark.stop()


@pytest.mark.parametrize("name, index", CASES)
def test_case(file_state, name, index):
    case = FILES[name].cases[index]
    if case.compares and case.expected is None:
        pytest.fail(f"{case.where}: no expected block; run tests/sql/golden/generate.py", pytrace=False)
    case, actual = file_state.run(name, index)
    if case.compares and not slt_format.blocks_match(case, case.expected, actual):
        pytest.fail(slt_format.mismatch_report(case, case.expected, actual), pytrace=False)


def test_every_pending_entry_names_a_case():
    known = {case.where for parsed in FILES.values() for case in parsed.cases}
    assert sorted(set(PENDING) - known) == [], "slt/PENDING names cases that do not exist"

"""docs/compatibility.md is current, and the checklist embedded in its generator is the reference's."""
from __future__ import annotations

import difflib
import importlib.util
import re
from pathlib import Path

GENERATOR = Path(__file__).resolve().parent.parent / "docs" / "gen_compatibility.py"


def _load_generator():
    spec = importlib.util.spec_from_file_location("gen_compatibility", GENERATOR)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gen = _load_generator()


def test_compatibility_doc_is_current(no_sc):
    # no_sc: the generator runs the SQL statements on a local session of its own and stops it.
    expected = gen.render()
    current = gen.DOC_PATH.read_text(encoding="utf-8") if gen.DOC_PATH.exists() else ""
    diff = "".join(difflib.unified_diff(current.splitlines(True), expected.splitlines(True),
                                        "docs/compatibility.md (on disk)", "docs/compatibility.md (generated)"))
    assert current == expected, f"docs/compatibility.md is out of date; run `{gen.COMMAND}`\n{diff}"
    assert gen.main(["--check"]) == 0


def test_checklist_counts_match_the_reference():
    # The reference lists 56 SparkContext items (57 names, `__enter__`/`__exit__` being one item)
    # although its text says 54; its RDD list has the 105 names it states.
    sc_names = gen.names_of("SparkContext")
    assert len(sc_names) == 56
    assert len([part for name in sc_names for part in name.split("/")]) == 57
    assert len(gen.names_of("RDD")) == 105
    for cls_name in ("SparkContext", "RDD"):
        names = gen.names_of(cls_name)
        assert len(set(names)) == len(names), f"a {cls_name} name is listed twice"


def _section_b_classes() -> set[str]:
    return {cls for group, classes in gen.CHECKLIST.items() if gen.section_of(group) == "B" for cls in classes}


def test_section_b_names_are_unique_per_class():
    for cls_name in _section_b_classes():
        names = gen.names_of(cls_name)
        assert len(set(names)) == len(names), f"a {cls_name} name is listed twice"


def test_section_b_counts_match_the_reference():
    # The counts the reference states: DataFrame 118 (in 4.3), Column 36 methods (plus the 19 operator
    # methods), GroupedData 15, DataFrameReader 14, DataFrameWriter 18, Catalog 37.
    stated = {"DataFrame": 118, "Column": 36 + 19, "GroupedData": 15, "DataFrameReader": 14,
              "DataFrameWriter": 18, "Catalog": 37}
    assert {cls: len(gen.names_of(cls)) for cls in stated} == stated
    assert len(gen.names_of("SparkSession")) == 22   # the core set: 16 names, builder and 5 of its methods


def test_section_b_functions_are_the_references_list():
    # The reference says "about 150 names"; its lists hold 187 words, among them `countDistinct`
    # (written `count_distinct(countDistinct)`) and `rlike` twice (as `regexp_like (rlike)` and in
    # tier 2), so 186 distinct names: every one is a row, once.
    texts = [classes["functions"] for group, classes in gen.SECTION_B_REFERENCE.items() if "functions" in classes]
    words = [w for text in texts for w in re.findall(r"\w+", text)]
    assert len(words) == 187
    assert len(gen.names_of("functions")) == len(set(words)) == 186
    assert gen.REFERENCE_NOTES["functions", "countDistinct"] == "alias of `count_distinct`"
    assert gen.REFERENCE_NOTES["functions", "rlike"] == "alias of `regexp_like`"


def test_pyspark4_names_carry_the_note():
    daggers = sum(text.count("†") for classes in gen.SECTION_B_REFERENCE.values() for text in classes.values())
    marked = [key for key, note in gen.REFERENCE_NOTES.items() if note == gen.PYSPARK4_ONLY]
    assert len(marked) == daggers == 26
    assert ("DataFrame", "metadataColumn") in marked and ("DataFrame", "select") not in marked
    rows = {(group, name): (status, note) for group, name, status, note, _ in gen.rows()}
    assert rows["B.5 DataFrameReader", "`DataFrameReader.xml`"][1].startswith(gen.PYSPARK4_ONLY)


class _Refused(Exception):
    def __init__(self, errorClass):
        super().__init__(errorClass)


class _Base:
    def stub(self):
        raise NotImplementedError("stub is not provided\nsecond line")

    def abstract(self):
        raise NotImplementedError

    def real(self):
        return 1

    @property
    def placeholder(self):
        """A documented property that only returns None."""
        return None

    def does_nothing(self, *args):
        pass

    def refused(self):
        raise _Refused(errorClass="UNSUPPORTED_OPERATION")

    def __add__(self, other):
        return 3


class _Child(_Base):
    def abstract(self):
        return 2


def test_status_by_introspection():
    assert gen.attribute_status(_Base, "real") == (gen.SUPPORTED, "")
    assert gen.attribute_status(_Base, "stub") == (gen.NOT_PROVIDED, "raises NotImplementedError: stub is not provided")
    assert gen.attribute_status(_Base, "abstract")[0] == gen.SUPPORTED
    assert gen.attribute_status(_Base, "absent") == (gen.MISSING, "")
    assert gen.attribute_status(_Base, "placeholder")[0] == gen.STUB
    assert gen.attribute_status(_Base, "does_nothing")[0] == gen.STUB
    assert gen.attribute_status(_Base, "refused") == (gen.NOT_PROVIDED, "raises _Refused [UNSUPPORTED_OPERATION]")
    # An operator counts only when the class defines it, not because `object` has one.
    assert gen.attribute_status(_Child, "__add__") == (gen.SUPPORTED, "")
    assert gen.attribute_status(_Base, "__lt__") == (gen.MISSING, "")


class _Condition(Exception):
    def getCondition(self):
        return "TABLE_OR_VIEW_NOT_FOUND"


class _FakeSession:
    """A session whose `sql(statement).collect()` raises ``error`` (returns no rows when it is None)."""

    def __init__(self, error=None):
        self.error = error

    def sql(self, statement):
        return self

    def collect(self):
        if self.error is not None:
            raise self.error
        return []


def test_sql_status_of_a_statement():
    assert gen.sql_status(_FakeSession(), "SELECT 1") == (gen.SUPPORTED, "")
    assert gen.sql_status(_FakeSession(NotImplementedError("MERGE INTO\nmore")), "MERGE") == \
        (gen.NOT_PROVIDED, "raises NotImplementedError: MERGE INTO")
    assert gen.sql_status(_FakeSession(_Condition()), "SELECT * FROM x") == \
        (gen.FAILS, "_Condition [TABLE_OR_VIEW_NOT_FOUND]")
    assert gen.sql_status(_FakeSession(ZeroDivisionError()), "SELECT 1/0") == (gen.FAILS, "ZeroDivisionError")

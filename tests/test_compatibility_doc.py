"""docs/compatibility.md is current, and the checklist embedded in its generator is the reference's."""
from __future__ import annotations

import difflib
import importlib.util
from pathlib import Path

GENERATOR = Path(__file__).resolve().parent.parent / "docs" / "gen_compatibility.py"


def _load_generator():
    spec = importlib.util.spec_from_file_location("gen_compatibility", GENERATOR)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gen = _load_generator()


def test_compatibility_doc_is_current():
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

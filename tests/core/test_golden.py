"""Pin sparklite's RDD results to real PySpark's.

Every case in ``golden_cases.py`` is run with the ``sc`` fixture (a sparklite
SparkContext, master ``local[2]``, from ``tests/conftest.py``); the normalized
result must equal the one PySpark produced, stored in
``golden/rdd_golden.json``.  Floats are compared with a relative tolerance of
1e-9; everything else (including int vs float vs bool) must match exactly.

PySpark is not needed to run these tests.  To add or change a case, edit
``golden_cases.py`` and rerun ``golden/generate_golden.py`` (see its
docstring), which needs ``pip install pyspark`` and Java.

Note: the expected layouts of str/bytes keys come from ``hash()`` under
``PYTHONHASHSEED=0`` on the Python version recorded in ``__meta__``.
"""

import importlib.util
import json
import math
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
GOLDEN_PATH = HERE / "golden" / "rdd_golden.json"
REGENERATE = "rerun `python tests/core/golden/generate_golden.py` (needs pyspark + Java) to regenerate it"

REL_TOL = 1e-9
ABS_TOL = 1e-12  # only matters for results that should be 0.0


def _load_cases():
    module = sys.modules.get("golden_cases")
    if module is None or getattr(module, "__file__", None) != str(HERE / "golden_cases.py"):
        spec = importlib.util.spec_from_file_location("golden_cases", HERE / "golden_cases.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules["golden_cases"] = module
        spec.loader.exec_module(module)
    return module


golden_cases = _load_cases()


def _load_golden():
    if not GOLDEN_PATH.exists():
        return {}
    with open(GOLDEN_PATH, encoding="utf-8") as fh:
        return json.load(fh)


GOLDEN = _load_golden()


def _kind(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int"
    if isinstance(v, float):
        return "float"
    if isinstance(v, str):
        return "str"
    if isinstance(v, list):
        return "list"
    if isinstance(v, dict):
        return "dict"
    return type(v).__name__


def mismatch(actual, expected, path="result"):
    """Return a description of the first difference, or None if equal."""
    ka, ke = _kind(actual), _kind(expected)
    if ka != ke:
        return "%s: expected %s %r, got %s %r" % (path, ke, expected, ka, actual)
    if ke == "float":
        if not math.isclose(actual, expected, rel_tol=REL_TOL, abs_tol=ABS_TOL):
            return "%s: expected %r, got %r" % (path, expected, actual)
        return None
    if ke == "list":
        if len(actual) != len(expected):
            return "%s: expected a list of %d items, got %d\n  expected: %s\n  got:      %s" % (
                path,
                len(expected),
                len(actual),
                _short(expected),
                _short(actual),
            )
        for i, (a, e) in enumerate(zip(actual, expected)):
            diff = mismatch(a, e, "%s[%d]" % (path, i))
            if diff:
                return diff
        return None
    if ke == "dict":
        if sorted(actual) != sorted(expected):
            return "%s: expected keys %s, got %s" % (path, sorted(expected), sorted(actual))
        for k in sorted(expected):
            diff = mismatch(actual[k], expected[k], "%s[%r]" % (path, k))
            if diff:
                return diff
        return None
    if actual != expected:
        return "%s: expected %r, got %r" % (path, expected, actual)
    return None


def _short(v, limit=400):
    text = json.dumps(v, ensure_ascii=False)
    return text if len(text) <= limit else text[:limit] + "..."


def test_golden_file_covers_all_cases():
    assert GOLDEN, "%s is missing or empty; %s" % (GOLDEN_PATH, REGENERATE)
    missing = sorted(set(golden_cases.CASES) - set(GOLDEN))
    stale = sorted(set(GOLDEN) - set(golden_cases.CASES) - {"__meta__"})
    assert not missing, "cases without a golden result: %s; %s" % (missing, REGENERATE)
    assert not stale, "golden results for cases that no longer exist: %s; %s" % (stale, REGENERATE)


@pytest.mark.parametrize("name", list(golden_cases.CASES))
def test_golden(sc, name):
    if name not in GOLDEN:
        pytest.fail("no golden result for case %r in %s; %s" % (name, GOLDEN_PATH, REGENERATE))
    result = golden_cases.normalize(golden_cases.CASES[name](sc))
    # round-trip through JSON so tuples/ints/floats are compared as stored
    result = json.loads(json.dumps(result, allow_nan=False))
    diff = mismatch(result, GOLDEN[name])
    if diff:
        pytest.fail(
            "%s differs from PySpark %s:\n%s\n  expected: %s\n  got:      %s"
            % (
                name,
                GOLDEN.get("__meta__", {}).get("pyspark", "?"),
                diff,
                _short(GOLDEN[name]),
                _short(result),
            )
        )

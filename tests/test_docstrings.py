"""Docstrings and comments point at things that exist: every file they cite is in this repository,
and every name they send the reader to ("see ``Name``") is defined in the package."""
from __future__ import annotations

import ast
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
SOURCES = sorted(list((ROOT / "sparklite").rglob("*.py")) + list((ROOT / "benchmarks").rglob("*.py")))
CITED_FILE = re.compile(r"``([\w./-]+\.(?:py|md))``")
SEE_NAME = re.compile(r"\bsee ``([A-Za-z_][\w.]*)``")


def defined_names() -> set:
    names = set()
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                names.add(node.name)
            elif isinstance(node, ast.Assign):
                names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        names.add(path.stem)
    return names


def resolves(cited: str, source: pathlib.Path) -> bool:
    if ".." in pathlib.PurePosixPath(cited).parts:
        return False      # outside the module's folder, and so possibly outside the repository
    bases = [ROOT, ROOT / "sparklite", ROOT / "sparklite" / "core", source.parent]
    return any((base / cited).exists() for base in bases) or any(ROOT.rglob(pathlib.PurePosixPath(cited).name))


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_cited_files_exist_in_the_repository(path):
    text = path.read_text()
    missing = [c for c in CITED_FILE.findall(text) if not resolves(c, path)]
    assert missing == [], f"{path.relative_to(ROOT)} cites files not in the repository: {missing}"


def test_names_the_reader_is_sent_to_exist():
    names = defined_names()
    missing = [(str(path.relative_to(ROOT)), name) for path in SOURCES
               for name in SEE_NAME.findall(path.read_text()) if name.split(".")[-1] not in names]
    assert missing == []


@pytest.mark.parametrize("cls_name", ["SparkContext", "RDD", "Broadcast", "Accumulator", "StorageLevel",
                                      "TaskContext", "StatCounter"])
def test_every_public_method_of_the_public_classes_has_a_docstring(cls_name):
    import inspect
    import sparklite
    cls = getattr(sparklite, cls_name)
    assert (cls.__doc__ or "").strip(), f"{cls_name} has no class docstring"
    undocumented = []
    for name in dir(cls):
        if name.startswith("_"):
            continue
        member = inspect.getattr_static(cls, name)
        function = member.fget if isinstance(member, property) else getattr(member, "__func__", member)
        if inspect.isfunction(function) and not (function.__doc__ or "").strip():
            undocumented.append(name)
    assert undocumented == [], f"{cls_name} methods without a docstring: {undocumented}"

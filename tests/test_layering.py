"""The layers above the core use only its developer API (ARCHITECTURE.md, docs/developer-api.md).

Every module of the package outside ``sparklite/core`` (sql, streaming, ml, graph, the CLI, the
shell, the UI, as they come) and the benchmark suite is imported and read: it may import the core
only through ``sparklite`` or ``sparklite.core.api`` and import no ``_``-name from it or from another
layer, and it touches no ``_``-attribute that the core defines (``sc._backend``) unless its own layer
defines one of that name too. Within one layer (``sparklite.sql.*``) modules share their own names.
"""
from __future__ import annotations

import ast
import functools
import importlib
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
# the package's public face re-exports the core's public classes under PySpark's module names
FACADES = {"sparklite/__init__.py", "sparklite/errors.py", "sparklite/profiler.py"}
ALLOWED_CORE_MODULES = {"sparklite", "sparklite.core.api"}


def layer_modules() -> list[pathlib.Path]:
    package = [p for p in (ROOT / "sparklite").rglob("*.py") if (ROOT / "sparklite" / "core") not in p.parents]
    return sorted(package + list((ROOT / "benchmarks").rglob("*.py")))


@functools.lru_cache(maxsize=None)
def private_names(folder: pathlib.Path) -> frozenset[str]:
    """The ``_``-names a folder's modules define: functions, classes and attributes they assign."""
    names = set()
    for path in folder.rglob("*.py") if folder.is_dir() else [folder]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                names.add(node.attr)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
    return frozenset(n for n in names if n.startswith("_") and not n.startswith("__"))


CORE_PRIVATE = private_names(ROOT / "sparklite" / "core")


def layer_of(module: str) -> str:
    """``sparklite.sql.plan.logical`` -> ``sparklite.sql``; ``benchmarks.x`` -> ``benchmarks``."""
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "sparklite" else parts[0]


def violations(source: str, facade: bool = False, layer: str = "", own_private: frozenset = frozenset()) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("sparklite"):
            core = node.module == "sparklite.core" or node.module.startswith("sparklite.core.")
            api_module = node.module == "sparklite.core" and [a.name for a in node.names] == ["api"]
            if core and not facade and node.module not in ALLOWED_CORE_MODULES and not api_module:
                found.append(f"line {node.lineno}: imports from {node.module}")
            if not (layer and layer_of(node.module) == layer and node.module != "sparklite"):
                found += [f"line {node.lineno}: imports the private name {a.name}" for a in node.names
                          if a.name.startswith("_") and not a.name.startswith("__")]
        elif isinstance(node, ast.Import):
            found += [f"line {node.lineno}: imports {a.name}" for a in node.names
                      if a.name.startswith("sparklite.core") and a.name not in ALLOWED_CORE_MODULES and not facade]
        elif isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
            owner = node.value
            mine = isinstance(owner, ast.Name) and owner.id in ("self", "cls")
            if not mine and node.attr in CORE_PRIVATE and node.attr not in own_private:
                found.append(f"line {node.lineno}: touches {ast.unparse(node)}")
    return sorted(found, key=lambda f: int(f.split()[1].rstrip(":")))


def module_name(path: pathlib.Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


@pytest.mark.parametrize("path", layer_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_layers_above_use_only_the_public_api(path):
    relative = str(path.relative_to(ROOT))
    try:
        importlib.import_module(module_name(path))  # a module the check reads is a real, importable one
    except ModuleNotFoundError as missing:           # an optional peer's module (mrjob) without the peer
        if (missing.name or "").split(".")[0] in ("sparklite", "benchmarks"):
            raise
        pytest.skip(f"needs the optional package {missing.name}")
    module = module_name(path)
    layer = layer_of(module)
    folder = ROOT / pathlib.Path(*layer.split(".")) if layer.startswith("sparklite.") else ROOT / layer
    own = frozenset(private_names(folder if folder.is_dir() else path))
    assert violations(path.read_text(), facade=relative in FACADES, layer=layer, own_private=own) == [], relative


def test_the_check_catches_what_it_is_for():
    source = ("from sparklite.core.context import SparkContext\n"
              "from sparklite.core.api import _private\n"
              "import sparklite.core.shuffle\n"
              "def run(sc, rdd):\n"
              "    sc._bus.post(rdd)\n"
              "    return sc._backend.actors, self._mine\n")
    found = violations(source)
    assert [f.split(":")[0] for f in found] == ["line 1", "line 2", "line 3", "line 5", "line 6"]
    assert violations("from sparklite.core import api, files\n") == ["line 1: imports from sparklite.core"]
    assert violations("from sparklite.core import api\nfrom sparklite import SparkContext\n") == []
    assert violations("from sparklite.core.api import run_job, ColumnarRDD\n") == []
    # within a layer, modules share their own names; across layers they do not
    within = "from sparklite.sql.types import _parse_datatype_string\ndef f(df):\n    return df._plan\n"
    assert violations(within, layer="sparklite.sql", own_private=frozenset({"_plan"})) == []
    assert violations(within, layer="sparklite.ml") == ["line 1: imports the private name _parse_datatype_string"]
    assert violations("def f(sc):\n    return sc._backend\n", layer="sparklite.sql") == ["line 2: touches sc._backend"]


def import_graph():
    """module -> the sparklite modules it imports, at the top or inside functions."""
    import networkx as nx
    modules = {module_name(p): p for p in (ROOT / "sparklite").rglob("*.py")}
    graph = nx.DiGraph()
    graph.add_nodes_from(modules)
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text())):
            targets = []
            if isinstance(node, ast.ImportFrom) and node.module:
                # ``from pkg import sub`` imports the submodule; a package's __init__ running first
                # is Python's doing for every submodule, not an edge of the graph
                targets = [f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in modules else node.module
                           for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            graph.add_edges_from((name, t) for t in targets if t in modules and t != name)
    return graph


def test_the_package_has_no_import_cycles():
    import networkx as nx
    cycles = sorted(nx.simple_cycles(import_graph()), key=len)
    assert cycles == [], f"import cycles (lazy imports count): {cycles[:5]}"

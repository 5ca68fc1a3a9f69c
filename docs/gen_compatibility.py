"""Generate docs/compatibility.md: every name of PySpark's core checklist and its status in sparklite.

The checklist is section "A. Spark Core" of the project's PySpark API reference, embedded below as
data (group -> class -> names, in the reference's order). The status of each name is found by
introspecting the installed ``sparklite`` package, so the page cannot drift from the code:

- ``supported``: the attribute exists and its body is not just ``raise NotImplementedError``;
- ``stub``: the attribute exists but its whole body returns ``None`` or does nothing, so a program that calls it runs without the feature behind it;
- ``not provided``: the attribute exists but only raises ``NotImplementedError`` (its message,
  when the source spells it out, goes in the note);
- ``missing``: the attribute is absent.

Usage::

    python docs/gen_compatibility.py          # rewrite docs/compatibility.md
    python docs/gen_compatibility.py --check  # exit 1 if docs/compatibility.md is out of date
"""
from __future__ import annotations

import argparse
import ast
import inspect
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC_PATH = ROOT / "docs" / "compatibility.md"
COMMAND = "python docs/gen_compatibility.py"

# Names of the checklist, grouped as in the reference. A name equal to its class's name stands for
# the class itself; "SparkContext(...)" is the constructor; "__enter__/__exit__" is one item (both
# must exist); the pseudo-class "sparklite" holds names looked up on the package itself.
CHECKLIST: dict[str, dict[str, list[str]]] = {
    "A.1 SparkContext: Lifecycle and info": {"SparkContext": [
        "SparkContext(...)", "getOrCreate", "stop", "__enter__/__exit__", "PACKAGE_EXTENSIONS", "version",
        "applicationId", "uiWebUrl", "startTime", "sparkUser", "defaultParallelism", "defaultMinPartitions",
        "resources", "getConf", "statusTracker", "setLogLevel", "setSystemProperty", "getSystemProperty"]},
    "A.1 SparkContext: RDD creation": {"SparkContext": [
        "parallelize", "range", "emptyRDD", "union", "textFile", "wholeTextFiles", "binaryFiles", "binaryRecords",
        "pickleFile", "sequenceFile", "hadoopFile", "hadoopRDD", "newAPIHadoopFile", "newAPIHadoopRDD"]},
    "A.1 SparkContext: Shared variables": {"SparkContext": ["broadcast", "accumulator"]},
    "A.1 SparkContext: Files": {"SparkContext": ["addFile", "addPyFile", "addArchive", "listFiles", "listArchives"]},
    "A.1 SparkContext: Jobs and cancellation": {"SparkContext": [
        "runJob", "setJobGroup", "setJobDescription", "setLocalProperty", "getLocalProperty", "cancelJobGroup",
        "cancelAllJobs", "addJobTag", "removeJobTag", "getJobTags", "clearJobTags", "cancelJobsWithTag",
        "setInterruptOnCancel"]},
    "A.1 SparkContext: Checkpointing": {"SparkContext": ["setCheckpointDir", "getCheckpointDir"]},
    "A.1 SparkContext: Profiling": {"SparkContext": ["show_profiles", "dump_profiles"]},
    "A.2 RDD: Narrow transformations": {"RDD": [
        "map", "flatMap", "filter", "mapPartitions", "mapPartitionsWithIndex", "mapPartitionsWithSplit", "glom",
        "keyBy", "sample", "randomSplit", "union", "zip", "zipWithIndex", "zipWithUniqueId", "pipe", "cartesian",
        "coalesce"]},
    "A.2 RDD: Wide (shuffle) transformations": {"RDD": [
        "distinct", "groupBy", "sortBy", "repartition", "intersection", "subtract"]},
    "A.2 RDD: Pair-RDD operations": {"RDD": [
        "reduceByKey", "groupByKey", "combineByKey", "aggregateByKey", "foldByKey", "partitionBy", "join",
        "leftOuterJoin", "rightOuterJoin", "fullOuterJoin", "cogroup", "groupWith", "subtractByKey", "sortByKey",
        "repartitionAndSortWithinPartitions", "sampleByKey", "keys", "values", "mapValues", "flatMapValues",
        "countByKey", "collectAsMap", "lookup", "reduceByKeyLocally"]},
    "A.2 RDD: Actions, collecting and counting": {"RDD": [
        "collect", "collectWithJobGroup", "count", "countApprox", "countApproxDistinct", "countByValue", "first",
        "take", "takeOrdered", "takeSample", "top", "isEmpty", "toLocalIterator"]},
    "A.2 RDD: Actions, aggregations and statistics": {"RDD": [
        "reduce", "treeReduce", "fold", "aggregate", "treeAggregate", "max", "min", "sum", "mean", "stdev",
        "sampleStdev", "variance", "sampleVariance", "stats", "histogram", "meanApprox", "sumApprox"]},
    "A.2 RDD: Actions, side effects": {"RDD": ["foreach", "foreachPartition"]},
    "A.2 RDD: Output": {"RDD": [
        "saveAsTextFile", "saveAsPickleFile", "saveAsSequenceFile", "saveAsHadoopFile", "saveAsHadoopDataset",
        "saveAsNewAPIHadoopFile", "saveAsNewAPIHadoopDataset"]},
    "A.2 RDD: Persistence and lineage": {"RDD": [
        "cache", "persist", "unpersist", "getStorageLevel", "checkpoint", "localCheckpoint", "isCheckpointed",
        "isLocallyCheckpointed", "getCheckpointFile", "cleanShuffleDependencies"]},
    "A.2 RDD: Misc": {
        "RDD": ["context", "id", "name", "setName", "getNumPartitions", "toDebugString", "barrier", "withResources",
                "getResourceProfile"],
        "RDDBarrier": ["RDDBarrier", "mapPartitions", "mapPartitionsWithIndex"]},
    "A.3 Companion classes": {
        "Broadcast": ["value", "unpersist", "destroy", "dump", "load", "load_from_path"],
        "Accumulator": ["add", "value"],
        "AccumulatorParam": ["zero", "addInPlace"],
        "SparkConf": ["set", "setAll", "setIfMissing", "get", "getAll", "contains", "setAppName", "setMaster",
                      "setSparkHome", "setExecutorEnv", "toDebugString"],
        "SparkFiles": ["get", "getRootDirectory"],
        "StorageLevel": ["DISK_ONLY", "DISK_ONLY_2", "DISK_ONLY_3", "MEMORY_ONLY", "MEMORY_ONLY_2", "MEMORY_AND_DISK",
                         "MEMORY_AND_DISK_2", "MEMORY_AND_DISK_DESER", "OFF_HEAP"],
        "TaskContext": ["get", "partitionId", "stageId", "attemptNumber", "taskAttemptId", "getLocalProperty",
                        "resources", "cpus"],
        # The reference: "the TaskContext methods plus barrier, allGather, getTaskInfos".
        "BarrierTaskContext": ["BarrierTaskContext", "barrier", "allGather", "getTaskInfos"],
        "sparklite": ["InheritableThread", "inheritable_thread_target"]},
}

# Remarks the reference itself makes about a name.
REFERENCE_NOTES = {
    ("RDD", "mapPartitionsWithSplit"): "deprecated in PySpark",
    ("RDD", "coalesce"): "narrow unless `shuffle=True`",
    ("BarrierTaskContext", "BarrierTaskContext"): "a TaskContext with the barrier methods",
}

# What the core issue leaves out: Hadoop-format and sequence-file I/O and stage-level scheduling
# (`withResources`).
OUT_OF_SCOPE = {
    ("SparkContext", n) for n in ("sequenceFile", "hadoopFile", "hadoopRDD", "newAPIHadoopFile", "newAPIHadoopRDD")
} | {
    ("RDD", n) for n in ("saveAsSequenceFile", "saveAsHadoopFile", "saveAsHadoopDataset", "saveAsNewAPIHadoopFile",
                         "saveAsNewAPIHadoopDataset", "withResources")
}
OUT_OF_SCOPE_NOTE = "out of scope for the core issue"

SUPPORTED, STUB, NOT_PROVIDED, MISSING = "supported", "stub", "not provided", "missing"
STATUSES = (SUPPORTED, STUB, NOT_PROVIDED, MISSING)


def names_of(cls_name: str) -> list[str]:
    """Every checklist name of one class, across groups, in order."""
    return [n for classes in CHECKLIST.values() for n in classes.get(cls_name, [])]


# -- introspection -------------------------------------------------------------------------------
def _function_of(obj):
    """The plain function behind a method, classmethod, staticmethod or property (else None)."""
    if isinstance(obj, property):
        obj = obj.fget
    elif isinstance(obj, (classmethod, staticmethod)):
        obj = obj.__func__
    obj = inspect.unwrap(obj) if callable(obj) else obj
    return obj if inspect.isfunction(obj) else None


def _static_value(node, namespace: dict):
    """The value of a message expression built from literals and module-level strings, else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name):
        value = namespace.get(node.id)
        return value if isinstance(value, str) else None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _static_value(node.left, namespace), _static_value(node.right, namespace)
        return None if left is None or right is None else left + right
    if isinstance(node, ast.JoinedStr):
        parts = [_static_value(v.value if isinstance(v, ast.FormattedValue) else v, namespace) for v in node.values]
        return None if None in parts else "".join(parts)
    return None


def _body(func) -> list | None:
    """The statements of ``func``'s body without its docstring, or None when its source is not at hand."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
    except (OSError, TypeError, SyntaxError):
        return None
    definition = tree.body[0]
    if not isinstance(definition, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    body = definition.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        body = body[1:]   # the docstring
    return body


def is_placeholder(func) -> bool:
    """Whether ``func``'s whole body is ``return None`` or ``pass``: it exists but does nothing."""
    body = _body(func)
    if not body or len(body) != 1:
        return False
    statement = body[0]
    return isinstance(statement, ast.Pass) or (isinstance(statement, ast.Return) and (
        statement.value is None or (isinstance(statement.value, ast.Constant) and statement.value.value is None)))


def stub_message(func) -> str | None:
    """If ``func``'s whole body is ``raise NotImplementedError(...)``, its message ("" if none), else None."""
    body = _body(func)
    if body is None or len(body) != 1 or not isinstance(body[0], ast.Raise) or body[0].exc is None:
        return None
    exc = body[0].exc
    target = exc.func if isinstance(exc, ast.Call) else exc
    if not (isinstance(target, ast.Name) and target.id == "NotImplementedError"):
        return None
    if isinstance(exc, ast.Call) and exc.args:
        message = (_static_value(exc.args[0], func.__globals__) or "").strip()
        return message.splitlines()[0] if message else ""
    return ""


def _implemented_by_subclass(cls, name: str) -> bool:
    """True when a (transitive) subclass overrides ``name`` with a real implementation."""
    seen, todo = set(), list(cls.__subclasses__())
    while todo:
        sub = todo.pop()
        if sub in seen:
            continue
        seen.add(sub)
        todo.extend(sub.__subclasses__())
        if name in vars(sub):
            func = _function_of(vars(sub)[name])
            if func is None or stub_message(func) is None:
                return True
    return False


def _instance_attributes(cls) -> set[str]:
    """Names assigned as ``self.<name> = ...`` in the source of ``cls`` and its bases."""
    names: set[str] = set()
    for klass in cls.__mro__:
        if klass is object:
            continue
        try:
            tree = ast.parse(textwrap.dedent(inspect.getsource(klass)))
        except (OSError, TypeError, SyntaxError):
            continue
        for node in ast.walk(tree):
            targets = node.targets if isinstance(node, ast.Assign) else \
                [node.target] if isinstance(node, (ast.AnnAssign, ast.AugAssign)) else []
            for target in targets:
                for leaf in ast.walk(target):
                    if isinstance(leaf, ast.Attribute) and isinstance(leaf.value, ast.Name) \
                            and leaf.value.id == "self":
                        names.add(leaf.attr)
    return names


def attribute_status(owner, name: str) -> tuple[str, str]:
    """(status, note) of attribute ``name`` on a class or module ``owner``."""
    try:
        raw = inspect.getattr_static(owner, name)
    except AttributeError:
        if inspect.isclass(owner) and name in _instance_attributes(owner):
            return SUPPORTED, "instance attribute"
        return MISSING, ""
    func = _function_of(raw)
    if func is None:
        return SUPPORTED, ""
    message = stub_message(func)
    if message is None:
        if is_placeholder(func):
            return STUB, "exists so programs run, but returns None and does nothing"
        return SUPPORTED, ""
    if inspect.isclass(owner) and _implemented_by_subclass(owner, name):
        return SUPPORTED, "abstract in the base class, implemented by its subclasses"
    return NOT_PROVIDED, f"raises NotImplementedError: {message}" if message else "raises NotImplementedError"


def status_of(cls_name: str, name: str) -> tuple[str, str]:
    """(status, note) of one checklist name, found by introspecting sparklite."""
    import sparklite

    if cls_name == "sparklite" or name == cls_name:
        return attribute_status(sparklite, name)
    owner = getattr(sparklite, cls_name, None)
    if owner is None:
        return MISSING, f"no class `sparklite.{cls_name}`"
    if name == f"{cls_name}(...)":
        return attribute_status(owner, "__init__")
    if "/" in name:   # "__enter__/__exit__": the worst status of the parts
        results = [attribute_status(owner, part) for part in name.split("/")]
        return max(results, key=lambda r: STATUSES.index(r[0]))
    return attribute_status(owner, name)


def display_name(cls_name: str, name: str) -> str:
    if cls_name == "sparklite":
        return f"`sparklite.{name}`"
    if name == cls_name:
        return f"`{name}` (class)"
    if name.startswith(cls_name + "("):
        return f"`{name}`"
    return "`" + "`/`".join(f"{cls_name}.{part}" for part in name.split("/")) + "`"


def rows() -> list[tuple[str, str, str, str, str]]:
    """(group, display name, status, note, class) for every checklist name, in checklist order."""
    out = []
    for group, classes in CHECKLIST.items():
        for cls_name, names in classes.items():
            for name in names:
                status, note = status_of(cls_name, name)
                notes = [REFERENCE_NOTES.get((cls_name, name), "")]
                if status != SUPPORTED and (cls_name, name) in OUT_OF_SCOPE:
                    notes.append(OUT_OF_SCOPE_NOTE)
                notes.append(note)
                out.append((group, display_name(cls_name, name), status, "; ".join(n for n in notes if n), cls_name))
    return out


# -- the page ------------------------------------------------------------------------------------
def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render() -> str:
    table = rows()
    counts = {s: sum(1 for r in table if r[2] == s) for s in STATUSES}
    lines = [
        "# PySpark core compatibility",
        "",
        "Every name of the PySpark core checklist (section \"A. Spark Core\" of the project's PySpark API "
        "reference) with its status in sparklite. This page is generated by `docs/gen_compatibility.py`, "
        "which embeds the checklist and introspects the `sparklite` package: `supported` means the "
        "attribute exists and does more than raise `NotImplementedError` or return `None`, `stub` means it "
        "exists but only returns `None` (so a program calling it runs without the feature), `not "
        "provided` means it exists but only raises `NotImplementedError`, `missing` means it is absent. Do not edit it by hand; "
        f"regenerate it with `{COMMAND}` (`{COMMAND} --check` fails when it is out of date).",
        "",
        f"**Summary:** {len(table)} names: " + ", ".join(f"{counts[s]} {s}" for s in STATUSES) + ".",
    ]
    for group in CHECKLIST:
        lines += ["", f"## {group}", "", "| name | status | note |", "| --- | --- | --- |"]
        lines += [f"| {_cell(name)} | {status} | {_cell(note)} |" for g, name, status, note, _ in table if g == group]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate docs/compatibility.md from the sparklite package.")
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if docs/compatibility.md differs from what would be generated")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = DOC_PATH.read_text(encoding="utf-8") if DOC_PATH.exists() else None
        if current != text:
            print(f"{DOC_PATH.relative_to(ROOT)} is out of date; regenerate it with `{COMMAND}`", file=sys.stderr)
            return 1
        print(f"{DOC_PATH.relative_to(ROOT)} is up to date")
        return 0
    DOC_PATH.write_text(text, encoding="utf-8")
    print(f"wrote {DOC_PATH.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))   # this checkout's sparklite, wherever the script is run from
    sys.exit(main())

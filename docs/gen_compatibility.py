"""Generate docs/compatibility.md: every name of PySpark's API checklist and its status in sparklite.

The checklist is sections "A. Spark Core" and "B. DataFrame and SQL" of the project's PySpark API
reference, embedded below as data (group -> class -> names, in the reference's order; section B's
lists are kept as the reference spells them and split here). The status of each name is found by
introspecting the installed ``sparklite`` package, so the page cannot drift from the code:

- ``supported``: the attribute exists and its body is not just ``raise NotImplementedError``;
- ``stub``: the attribute exists but its whole body returns ``None`` or does nothing, so a program
  that calls it runs without the feature behind it;
- ``not provided``: the attribute exists but only raises ``NotImplementedError`` (its message,
  when the source spells it out, goes in the note) or an error of condition ``NOT_IMPLEMENTED`` or
  ``UNSUPPORTED_OPERATION``;
- ``missing``: the attribute (or the module that should hold its class) is absent.

Section B ends with SQL statements, each with a tiny example run on a fresh local session over two
small temporary views (and a temporary warehouse directory, deleted afterwards): ``supported`` when
it runs and returns its rows, ``not provided`` when it raises ``NotImplementedError``, ``fails``
(note: the error's condition or type) for any other error.

Usage::

    python docs/gen_compatibility.py          # rewrite docs/compatibility.md
    python docs/gen_compatibility.py --check  # exit 1 if docs/compatibility.md is out of date
"""
from __future__ import annotations

import argparse
import ast
import functools
import importlib
import inspect
import re
import shutil
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC_PATH = ROOT / "docs" / "compatibility.md"
COMMAND = "python docs/gen_compatibility.py"

SECTIONS = {"A": "A. Spark Core (SparkContext, RDD)", "B": "B. DataFrame and SQL (pyspark.sql)"}

# Section A's names, grouped as in the reference. A name equal to its class's name stands for
# the class itself; "SparkContext(...)" is the constructor; "__enter__/__exit__" is one item (both
# must exist); the pseudo-class "sparklite" holds names looked up on the package itself.
SECTION_A: dict[str, dict[str, list[str]]] = {
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


PYSPARK4_ONLY = "PySpark 4 only"

# Section B, each list as the reference spells it: "name†" is a PySpark 4 name (absent from 3.5),
# "name(alias)" and "name (alias)" list an alias too. Column operators are the methods behind them;
# the builder's methods ("builder.master") are looked up on `SparkSession.Builder`.
SECTION_B_REFERENCE: dict[str, dict[str, str]] = {
    "B.1 DataFrame: Projection / rows": {"DataFrame": (
        "select selectExpr filter where withColumn withColumns withColumnRenamed withColumnsRenamed withMetadata "
        "drop toDF alias colRegex transform to limit offset sample sampleBy randomSplit distinct dropDuplicates "
        "drop_duplicates dropDuplicatesWithinWatermark replace fillna dropna na hint metadataColumn†")},
    "B.1 DataFrame: Aggregation / reshape": {"DataFrame": (
        "groupBy groupby agg rollup cube groupingSets† describe summary crosstab freqItems approxQuantile corr cov "
        "stat observe unpivot melt transpose†")},
    "B.1 DataFrame: Join / set": {"DataFrame": (
        "join crossJoin lateralJoin† nearestByJoin† union unionAll unionByName intersect intersectAll subtract "
        "exceptAll zip†")},
    "B.1 DataFrame: Order / partition": {"DataFrame": (
        "orderBy sort sortWithinPartitions repartition repartitionByRange repartitionById† coalesce")},
    "B.1 DataFrame: Actions": {"DataFrame": (
        "collect count first head take tail show isEmpty toPandas toArrow† toLocalIterator toJSON foreach "
        "foreachPartition")},
    "B.1 DataFrame: Metadata": {"DataFrame": (
        "schema columns dtypes printSchema explain executionInfo† inputFiles isLocal isStreaming sameSemantics "
        "semanticHash storageLevel sparkSession")},
    "B.1 DataFrame: Cache / views / IO": {"DataFrame": (
        "cache persist unpersist checkpoint localCheckpoint createTempView createOrReplaceTempView "
        "createGlobalTempView createOrReplaceGlobalTempView registerTempTable write writeTo writeStream mergeInto† "
        "withWatermark")},
    "B.1 DataFrame: Python / other": {"DataFrame": (
        "mapInPandas mapInArrow pandas_api rdd plot† asTable† scalar† exists† zipWithIndex†")},
    "B.2 Column: Methods": {"Column": (
        "alias name astype cast try_cast† asc asc_nulls_first asc_nulls_last desc desc_nulls_first desc_nulls_last "
        "between isin isNull isNotNull isNaN† eqNullSafe like ilike rlike contains startswith endswith substr "
        "getItem getField withField dropFields when otherwise over bitwiseAND bitwiseOR bitwiseXOR outer† "
        "transform†")},
    "B.2 Column: Operators": {"Column": (
        "__add__ __sub__ __mul__ __truediv__ __mod__ __pow__ __neg__ __invert__ __and__ __or__ "
        "__eq__ __ne__ __lt__ __le__ __gt__ __ge__ __getitem__ __getattr__ __bool__")},
    "B.3 GroupedData": {"GroupedData": (
        "agg count sum avg mean min max pivot apply applyInPandas applyInPandasWithState cogroup applyInArrow† "
        "transformWithState† transformWithStateInPandas†")},
    "B.4 DataFrameNaFunctions / DataFrameStatFunctions": {
        "DataFrameNaFunctions": "drop fill replace",
        "DataFrameStatFunctions": "approxQuantile corr cov crosstab freqItems sampleBy"},
    "B.5 DataFrameReader": {"DataFrameReader": (
        "format schema option options load table csv json parquet orc text jdbc xml† changes†")},
    "B.6 DataFrameWriter": {"DataFrameWriter": (
        "format mode option options partitionBy bucketBy sortBy clusterBy† save saveAsTable insertInto csv json "
        "parquet orc text jdbc xml†")},
    "B.7 DataFrameWriterV2": {"DataFrameWriterV2": (
        "using option options tableProperty partitionedBy clusterBy create createOrReplace replace append overwrite "
        "overwritePartitions")},
    "B.8 Window / WindowSpec": {
        "Window": "partitionBy orderBy rowsBetween rangeBetween unboundedPreceding unboundedFollowing currentRow",
        "WindowSpec": "partitionBy orderBy rowsBetween rangeBetween"},
    # The reference: "builder(.master .appName .config .getOrCreate .remote) createDataFrame ...".
    "B.9 SparkSession": {"SparkSession": (
        "builder builder.master builder.appName builder.config builder.getOrCreate builder.remote createDataFrame "
        "range sql table read readStream catalog conf udf udtf version stop newSession getActiveSession active "
        "sparkContext")},
    # The reference names six of the 37 methods and ends with "…"; the others follow in the order of
    # PySpark 4.3.0's Catalog class (found once by introspecting it).
    "B.10 Catalog": {"Catalog": (
        "listTables listColumns tableExists createTable dropTempView cacheTable "
        "currentCatalog setCurrentCatalog listCatalogs dropTable dropView createDatabase dropDatabase listPartitions "
        "listViews getTableProperties getCreateTableString truncateTable analyzeTable currentDatabase "
        "setCurrentDatabase listDatabases getDatabase databaseExists getTable listFunctions functionExists "
        "getFunction createExternalTable dropGlobalTempView registerFunction isCached uncacheTable clearCache "
        "refreshTable recoverPartitions refreshByPath")},
    "B.11 functions: Column / conditional": {"functions": (
        "col column lit expr when coalesce greatest least struct array create_map named_struct broadcast "
        "monotonically_increasing_id")},
    "B.11 functions: Nulls": {"functions": "isnull isnan nanvl ifnull nvl nullif"},
    "B.11 functions: Math": {"functions": "abs round bround ceil floor sqrt exp log log10 pow pmod signum rand randn"},
    "B.11 functions: Aggregates": {"functions": (
        "count count_distinct(countDistinct) approx_count_distinct sum sum_distinct avg mean min max first last "
        "collect_list collect_set stddev stddev_samp stddev_pop variance var_samp var_pop corr covar_samp "
        "percentile_approx median max_by min_by count_if grouping_id")},
    "B.11 functions: Window": {"functions": (
        "row_number rank dense_rank percent_rank cume_dist ntile lag lead nth_value")},
    "B.11 functions: String": {"functions": (
        "concat concat_ws length lower upper trim ltrim rtrim lpad rpad substring substring_index instr locate split "
        "initcap reverse repeat translate format_string format_number levenshtein")},
    "B.11 functions: Regex": {"functions": "regexp_extract regexp_extract_all regexp_replace regexp_like (rlike)"},
    "B.11 functions: Date / time": {"functions": (
        "current_date current_timestamp to_date to_timestamp date_format date_add date_sub datediff add_months "
        "months_between year quarter month dayofmonth dayofweek dayofyear weekofyear hour minute second date_trunc "
        "trunc unix_timestamp from_unixtime last_day window")},
    "B.11 functions: Collections": {"functions": (
        "explode explode_outer posexplode size array_contains array_distinct array_join array_sort sort_array "
        "element_at slice flatten arrays_zip map_keys map_values transform filter")},
    "B.11 functions: JSON": {"functions": "from_json to_json get_json_object json_tuple"},
    "B.11 functions: Hash / UDF": {"functions": "hash xxhash64 md5 sha2 udf pandas_udf"},
    "B.11 functions: Tier 2": {"functions": (
        "mode any_value bool_and bool_or skewness kurtosis grouping spark_partition_id input_file_name log2 contains "
        "startswith endswith ascii base64 unbase64 soundex rlike next_day make_date from_utc_timestamp "
        "to_utc_timestamp array_except array_intersect array_union array_position array_remove sequence "
        "map_from_arrays map_from_entries aggregate exists forall schema_of_json sha1 crc32")},
}

OPERATORS = {
    "__add__": "`col + other`", "__sub__": "`col - other`", "__mul__": "`col * other`", "__truediv__": "`col / other`",
    "__mod__": "`col % other`", "__pow__": "`col ** other`", "__neg__": "`-col`", "__invert__": "`~col`",
    "__and__": "`col & other`", "__or__": "`col | other`", "__eq__": "`col == other`", "__ne__": "`col != other`",
    "__lt__": "`col < other`", "__le__": "`col <= other`", "__gt__": "`col > other`", "__ge__": "`col >= other`",
    "__getitem__": "`col[...]`", "__getattr__": "`col.field`", "__bool__": "`bool(col)` must raise",
}


def reference_names(text: str) -> list[tuple[str, str]]:
    """(name, the reference's remark) for every name of one of its lists, in order."""
    out = []
    for name, dagger, alias in re.findall(r"([\w.]+)(†?)(?:\s*\((\w+)\))?", text):
        out.append((name, PYSPARK4_ONLY if dagger else ""))
        if alias:
            out.append((alias, f"alias of `{name}`"))
    return out


def _section_b() -> tuple[dict[str, dict[str, list[str]]], dict[tuple[str, str], str]]:
    """Section B's checklist and remarks, from the reference's lists. A name the reference lists twice
    for one class (`rlike` among the functions: as `regexp_like`'s alias and in tier 2) is kept once."""
    checklist, notes = {}, {}
    for group, classes in SECTION_B_REFERENCE.items():
        checklist[group] = {}
        for cls_name, text in classes.items():
            checklist[group][cls_name] = names = []
            for name, remark in reference_names(text):
                if (cls_name, name) in notes:
                    continue
                names.append(name)
                notes[cls_name, name] = remark or (OPERATORS.get(name, "") if cls_name == "Column" else "")
    return checklist, {key: note for key, note in notes.items() if note}


_SECTION_B, _SECTION_B_NOTES = _section_b()
CHECKLIST = {**SECTION_A, **_SECTION_B}

# Remarks the reference itself makes about a name.
REFERENCE_NOTES = {
    ("RDD", "mapPartitionsWithSplit"): "deprecated in PySpark",
    ("RDD", "coalesce"): "narrow unless `shuffle=True`",
    ("BarrierTaskContext", "BarrierTaskContext"): "a TaskContext with the barrier methods",
    **_SECTION_B_NOTES,
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

# Where the classes of the checklist live (the rest are on `sparklite`); "sparklite" and "functions"
# are modules whose own attributes are the names.
CLASS_MODULES = {
    **dict.fromkeys(("DataFrame", "Column", "GroupedData", "Window", "WindowSpec", "SparkSession", "Catalog"),
                    "sparklite.sql"),
    **dict.fromkeys(("DataFrameReader", "DataFrameWriter", "DataFrameWriterV2"), "sparklite.sql.readwriter"),
    **dict.fromkeys(("DataFrameNaFunctions", "DataFrameStatFunctions"), "sparklite.sql.stat"),
}
MODULES = {"sparklite": "sparklite", "functions": "sparklite.sql.functions"}

# The SQL statements of the SQL issue, each with a tiny example. They run in this order on one
# session over the temporary views SQL_VIEWS, so a later one may use what an earlier one made (`p`).
SQL_GROUP = "B.12 SQL statements"
SQL_VIEWS = {
    "t": ([(1, "ann", 10, 100), (2, "bob", 10, 200), (3, "cy", 20, 150)], "id INT, name STRING, dept INT, salary INT"),
    "d": ([(10, "eng"), (20, "ops"), (30, "hr")], "dept INT, dname STRING"),
}
SQL_STATEMENTS = [
    ("SELECT with joins", "SELECT t.name, d.dname FROM t JOIN d ON t.dept = d.dept"),
    ("scalar subquery", "SELECT name, (SELECT max(salary) FROM t) AS top FROM t"),
    ("IN subquery", "SELECT name FROM t WHERE dept IN (SELECT dept FROM d)"),
    ("EXISTS subquery", "SELECT dname FROM d WHERE EXISTS (SELECT 1 FROM t WHERE t.dept = d.dept)"),
    ("correlated subquery",
     "SELECT name FROM t WHERE salary > (SELECT avg(u.salary) FROM t AS u WHERE u.dept = t.dept)"),
    ("CTE", "WITH s AS (SELECT dept, sum(salary) AS total FROM t GROUP BY dept) SELECT * FROM s"),
    ("set operations",
     "SELECT dept FROM t UNION SELECT dept FROM d EXCEPT SELECT dept FROM d INTERSECT SELECT dept FROM t"),
    ("GROUP BY / HAVING", "SELECT dept, count(*) AS n FROM t GROUP BY dept HAVING count(*) > 1"),
    ("GROUPING SETS", "SELECT dept, name, sum(salary) AS s FROM t GROUP BY GROUPING SETS ((dept), (name), ())"),
    ("ROLLUP", "SELECT dept, name, sum(salary) AS s FROM t GROUP BY ROLLUP(dept, name)"),
    ("CUBE", "SELECT dept, name, sum(salary) AS s FROM t GROUP BY CUBE(dept, name)"),
    ("window functions", "SELECT name, rank() OVER (PARTITION BY dept ORDER BY salary DESC) AS r FROM t"),
    ("CASE", "SELECT name, CASE WHEN salary > 150 THEN 'high' ELSE 'low' END AS band FROM t"),
    ("LATERAL VIEW explode", "SELECT name, x FROM t LATERAL VIEW explode(array(1, 2)) v AS x"),
    ("hints", "SELECT /*+ BROADCAST(d) */ t.name, d.dname FROM t JOIN d ON t.dept = d.dept"),
    ("VALUES", "SELECT * FROM VALUES (1, 'a'), (2, 'b') AS v(id, tag)"),
    ("CREATE TEMP VIEW", "CREATE TEMPORARY VIEW high AS SELECT * FROM t WHERE salary > 150"),
    ("CACHE TABLE", "CACHE TABLE t"),
    ("CREATE TABLE ... USING parquet", "CREATE TABLE p (id INT, name STRING) USING parquet"),
    ("INSERT INTO", "INSERT INTO p VALUES (1, 'a')"),
    ("INSERT OVERWRITE", "INSERT OVERWRITE TABLE p SELECT id, name FROM t"),
    ("SHOW TABLES", "SHOW TABLES"),
    ("DESCRIBE", "DESCRIBE t"),
    ("EXPLAIN", "EXPLAIN SELECT * FROM t"),
    ("SET", "SET spark.sql.shuffle.partitions=4"),
]

SUPPORTED, STUB, NOT_PROVIDED, FAILS, MISSING = "supported", "stub", "not provided", "fails", "missing"
STATUSES = (SUPPORTED, STUB, NOT_PROVIDED, FAILS, MISSING)
NOT_PROVIDED_ERRORS = ("NotImplementedError", "PySparkNotImplementedError")
NOT_PROVIDED_CONDITIONS = ("NOT_IMPLEMENTED", "UNSUPPORTED_OPERATION")


def names_of(cls_name: str) -> list[str]:
    """Every checklist name of one class, across groups, in order."""
    return [n for classes in CHECKLIST.values() for n in classes.get(cls_name, [])]


def section_of(group: str) -> str:
    """The key of SECTIONS a group belongs to ("A.1 SparkContext: ..." -> "A")."""
    return group.split(".", 1)[0]


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


def _raised(exc) -> tuple[str | None, str | None, ast.expr | None]:
    """(class name, error condition, message expression) of the exception a ``raise`` builds; the
    condition comes from ``errorClass=`` or from ``error(cls, condition, ...)`` (sparklite.sql.errors)."""
    if isinstance(exc, ast.Name):
        return exc.id, None, None
    if not (isinstance(exc, ast.Call) and isinstance(exc.func, ast.Name)):
        return None, None, None
    args = exc.args
    if exc.func.id == "error" and len(args) >= 2:
        name = args[0].id if isinstance(args[0], ast.Name) else None
        return name, args[1].value if isinstance(args[1], ast.Constant) else None, None
    condition = next((k.value for k in exc.keywords if k.arg == "errorClass"), None)
    return exc.func.id, condition.value if isinstance(condition, ast.Constant) else None, args[0] if args else None


def not_provided_note(func) -> str | None:
    """If ``func``'s whole body raises ``NotImplementedError`` (or an error whose condition says the
    feature is not there), the note saying so with its message when the source spells it out, else None."""
    body = _body(func)
    if body is None or len(body) != 1 or not isinstance(body[0], ast.Raise) or body[0].exc is None:
        return None
    name, condition, message_node = _raised(body[0].exc)
    if condition in NOT_PROVIDED_CONDITIONS:
        return f"raises {name} [{condition}]"
    if name not in NOT_PROVIDED_ERRORS:
        return None
    message = (_static_value(message_node, func.__globals__) or "").strip()
    return f"raises {name}: {message.splitlines()[0]}" if message else f"raises {name}"


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
            if func is None or not_provided_note(func) is None:
                return True
    return False


@functools.cache   # parsing a whole class is slow, and every missing name of the class asks
def _instance_attributes(cls) -> frozenset[str]:
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
    return frozenset(names)


def _lookup(owner, name: str):
    """``inspect.getattr_static``, except that a dunder every class inherits from ``object``
    (``__eq__``, ``__lt__``, ...) does not count: only the class's own operators do."""
    raw = inspect.getattr_static(owner, name)
    if inspect.isclass(owner) and name.startswith("__") \
            and not any(name in vars(klass) for klass in owner.__mro__ if klass is not object):
        raise AttributeError(name)
    return raw


def attribute_status(owner, name: str) -> tuple[str, str]:
    """(status, note) of attribute ``name`` on a class or module ``owner``."""
    try:
        raw = _lookup(owner, name)
    except AttributeError:
        if inspect.isclass(owner) and name in _instance_attributes(owner):
            return SUPPORTED, "instance attribute"
        return MISSING, ""
    func = _function_of(raw)
    if func is None:
        return SUPPORTED, ""
    note = not_provided_note(func)
    if note is None:
        if is_placeholder(func):
            return STUB, "exists so programs run, but returns None and does nothing"
        return SUPPORTED, ""
    if inspect.isclass(owner) and _implemented_by_subclass(owner, name):
        return SUPPORTED, "abstract in the base class, implemented by its subclasses"
    return NOT_PROVIDED, note


def _module(path: str):
    """The module at ``path``, or None when it does not exist (yet)."""
    try:
        return importlib.import_module(path)
    except ModuleNotFoundError as exc:
        if exc.name != path:
            raise
        return None


def status_of(cls_name: str, name: str) -> tuple[str, str]:
    """(status, note) of one checklist name, found by introspecting sparklite."""
    if cls_name in MODULES:
        return attribute_status(importlib.import_module(MODULES[cls_name]), name)
    path = CLASS_MODULES.get(cls_name, "sparklite")
    module = _module(path)
    if module is None:
        return MISSING, f"no module `{path}`"
    if name == cls_name:
        return attribute_status(module, name)
    owner = getattr(module, cls_name, None)
    if owner is None:
        return MISSING, f"no class `{path}.{cls_name}`"
    if name == f"{cls_name}(...)":
        return attribute_status(owner, "__init__")
    if "/" in name:   # "__enter__/__exit__": the worst status of the parts
        results = [attribute_status(owner, part) for part in name.split("/")]
        return max(results, key=lambda r: STATUSES.index(r[0]))
    if name.startswith("builder."):
        builder = getattr(owner, "Builder", None)
        if builder is None:
            return MISSING, f"no class `{path}.{cls_name}.Builder`"
        return attribute_status(builder, name.removeprefix("builder."))
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


# -- SQL statements ------------------------------------------------------------------------------
def sql_status(spark, statement: str) -> tuple[str, str]:
    """(status, note) of running ``statement`` to the end on ``spark``."""
    try:
        spark.sql(statement).collect()
    except NotImplementedError as exc:
        message = str(exc).strip()
        name = type(exc).__name__
        return NOT_PROVIDED, f"raises {name}: {message.splitlines()[0]}" if message else f"raises {name}"
    except Exception as exc:   # noqa: BLE001 - any other error is the finding itself
        condition = exc.getCondition() if hasattr(exc, "getCondition") else None
        return FAILS, f"{type(exc).__name__} [{condition}]" if condition else type(exc).__name__
    return SUPPORTED, ""


# Starting a session is the slow part of a run; within one process the statements' statuses cannot
# change, so `render()` and `--check` in the same process share one run.
@functools.cache
def sql_rows() -> tuple[tuple[str, str, str, str], ...]:
    """(statement, example, status, note) for every SQL statement, run on a fresh local session."""
    from sparklite.sql import SparkSession

    warehouse = tempfile.mkdtemp(prefix="sparklite-compatibility-")
    spark = SparkSession.builder.master("local[1]").config("spark.sql.warehouse.dir", warehouse).getOrCreate()
    try:
        for view, (data, schema) in SQL_VIEWS.items():
            spark.createDataFrame(data, schema).createOrReplaceTempView(view)
        return tuple((item, example, *sql_status(spark, example)) for item, example in SQL_STATEMENTS)
    finally:
        spark.stop()
        shutil.rmtree(warehouse, ignore_errors=True)


# -- the page ------------------------------------------------------------------------------------
def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _counts(statuses: list[str]) -> str:
    return ", ".join(f"{statuses.count(s)} {s}" for s in STATUSES if s in statuses)


def render() -> str:
    table, sql = rows(), sql_rows()
    section_statuses = {key: [r[2] for r in table if section_of(r[0]) == key] for key in SECTIONS}
    b_names = len(section_statuses["B"])
    section_statuses["B"] += [r[2] for r in sql]
    every = [s for statuses in section_statuses.values() for s in statuses]
    lines = [
        "# PySpark compatibility",
        "",
        ("Every name of the PySpark checklist (sections \"A. Spark Core\" and \"B. DataFrame and SQL\" of the "
         "project's PySpark API reference) with its status in sparklite. This page is generated by "
         "`docs/gen_compatibility.py`, which embeds the checklist and introspects the `sparklite` package: "
         "`supported` means the attribute exists and does more than raise `NotImplementedError` or return "
         "`None`, `stub` means it exists but only returns `None` (so a program calling it runs without the "
         "feature), `not provided` means it exists but only raises `NotImplementedError` (or an error of "
         "condition `NOT_IMPLEMENTED` or `UNSUPPORTED_OPERATION`), `missing` means it is absent. The SQL "
         "statements at the end are run on a local session: `supported` means the example runs and returns, "
         "`not provided` that it raises `NotImplementedError`, `fails` that it raises another error. Do not "
         f"edit this page by hand; regenerate it with `{COMMAND}` (`{COMMAND} --check` fails when it is out "
         "of date). Names marked \"PySpark 4 only\" are absent from PySpark 3.5."),
        "",
        "**Summary:**",
        "",
        f"- {SECTIONS['A']}: {len(section_statuses['A'])} names: {_counts(section_statuses['A'])}.",
        f"- {SECTIONS['B']}: {b_names} names and {len(sql)} SQL statements: {_counts(section_statuses['B'])}.",
        f"- Total: {len(every)} items: {_counts(every)}.",
    ]
    for key, title in SECTIONS.items():
        lines += ["", f"## {title}"]
        for group in (g for g in CHECKLIST if section_of(g) == key):
            lines += ["", f"### {group}", "", "| name | status | note |", "| --- | --- | --- |"]
            lines += [f"| {_cell(name)} | {status} | {_cell(note)} |"
                      for g, name, status, note, _ in table if g == group]
    lines += ["", f"### {SQL_GROUP}", "",
              "Run in this order on one session over the temporary views " +
              " and ".join(f"`{view}({schema})`" for view, (_, schema) in SQL_VIEWS.items()) + ".",
              "", "| statement | example | status | note |", "| --- | --- | --- | --- |"]
    lines += [f"| {_cell(item)} | `{_cell(example)}` | {status} | {_cell(note)} |"
              for item, example, status, note in sql]
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

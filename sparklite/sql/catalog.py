"""The catalog: a session's temporary views, the application's global temporary views
(``global_temp.name``), and the ``spark.catalog`` API over them and the tables of ``tables``.

Contract: ``SessionCatalog.lookup(parts)`` resolves a relation name for the analyzer (a temp view
first, then ``global_temp.x``, then a table), or raises ``TABLE_OR_VIEW_NOT_FOUND``. View names are
case-insensitive. Each reference to a view gets its own attribute ids, so a view can be joined
with itself.

``Catalog`` is ``spark.catalog``. There is one catalog, ``spark_catalog``, holding one database,
``default``; asking for another raises what Spark raises for a missing one (``CATALOG_NOT_FOUND``,
``SCHEMA_NOT_FOUND``), and creating one is not supported. Functions are the builtins of
``builtins.registry`` and the session's ``spark.udf.register`` functions, all temporary as in Spark.
The current database is the session's own (``setCurrentDatabase`` keeps the spelling it is given,
as Spark does). Its results are the namedtuples of ``pyspark.sql.catalog``, with their fields.
"""
from __future__ import annotations

import os
import re
import warnings
from typing import NamedTuple

import pyarrow.fs as pafs

from sparklite.sql import tables
from sparklite.sql import types as T
from sparklite.sql.errors import AnalysisException, PySparkTypeError
from sparklite.sql.plan import logical as L
from sparklite.sql.plan.expressions import Alias

GLOBAL_TEMP_DATABASE = "global_temp"



class CatalogMetadata(NamedTuple):
    name: str
    description: str | None


class Database(NamedTuple):
    name: str
    catalog: str | None
    description: str | None
    locationUri: str


class Table(NamedTuple):
    name: str
    catalog: str | None
    namespace: list | None
    description: str | None
    tableType: str
    isTemporary: bool

    @property
    def database(self) -> str | None:
        """The namespace's one part, if it has exactly one."""
        return self.namespace[0] if self.namespace is not None and len(self.namespace) == 1 else None


class Column(NamedTuple):
    name: str
    description: str | None
    dataType: str
    nullable: bool
    isPartition: bool
    isBucket: bool
    isCluster: bool


class Function(NamedTuple):
    name: str
    catalog: str | None
    namespace: list | None
    description: str | None
    className: str
    isTemporary: bool


class TablePartition(NamedTuple):
    partition: str


def fresh_instance(plan: L.LogicalPlan) -> L.LogicalPlan:
    """The plan with new ids for its output, as a projection (so a second reference of a view has
    attributes of its own)."""
    return L.Project([Alias(a, a.name) for a in plan.output], plan)


class SessionCatalog:
    def __init__(self, global_views: dict, conf, session=None):
        self.temp_views: dict[str, L.LogicalPlan] = {}
        self.global_views = global_views
        self.conf = conf
        self.session = session

    def create_temp_view(self, name: str, plan: L.LogicalPlan, replace: bool, global_view: bool = False) -> None:
        views = self.global_views if global_view else self.temp_views
        key = name.lower()
        if key in views and not replace:
            where = f"`{GLOBAL_TEMP_DATABASE}`.`{name}`" if global_view else f"`{name}`"
            raise AnalysisException(errorClass="TEMP_TABLE_OR_VIEW_ALREADY_EXISTS",
                                    messageParameters={"relationName": where})
        views[key] = plan

    def drop_temp_view(self, name: str, global_view: bool = False) -> bool:
        views = self.global_views if global_view else self.temp_views
        return views.pop(name.lower(), None) is not None

    def lookup(self, parts: tuple) -> L.LogicalPlan:
        plan = None
        if len(parts) == 1:
            plan = self.temp_views.get(parts[0].lower())
        elif len(parts) == 2 and parts[0].lower() == GLOBAL_TEMP_DATABASE:
            plan = self.global_views.get(parts[1].lower())
        if plan is None and self.session is not None:
            info = tables.lookup(self.session, parts)
            if info is not None:
                return L.SubqueryAlias(parts[-1], self._table_plan(info))
        if plan is None:
            raise _not_found(parts)
        return L.SubqueryAlias(parts[-1], fresh_instance(plan))

    def _table_plan(self, info: tables.TableInfo) -> L.LogicalPlan:
        key = tables.table_key([info.name])
        cached = self.session._cache_manager.table_plan(key)
        if cached is not None:
            return cached
        try:
            plan = tables.relation(self.session, info)._plan
        except AnalysisException as e:
            if e.getCondition() != "PATH_NOT_FOUND":
                raise
            # an external table over a directory that does not exist yet reads as empty, as in Spark
            plan = self.session.createDataFrame([], info.schema)._plan
        plan.catalog_table = key            # what the cache manager knows the table's relation by
        return plan


SEARCH_PATH = tables.SEARCH_PATH

# Names the registry keeps for the engine's own use (operators the parser turns into calls, the
# DataFrame API's ``create_map``), which Spark does not list among its SQL functions.
_ENGINE_FUNCTION_NAMES = frozenset({
    "add", "subtract", "multiply", "divide", "remainder", "unary_negative", "unary_positive",
    "equal", "equalnullsafe", "lessthan", "lessthanorequal", "greaterthan", "greaterthanorequal",
    "bitwise_and", "bitwise_or", "bitwise_xor", "casewhen", "create_map", "iff"})


def matches_pattern(name: str, pattern: str | None) -> bool:
    """Spark's catalog patterns: alternatives split by ``|``, ``*`` for any text, the rest a regular
    expression matching the whole name, case-insensitively (an invalid one matches nothing)."""
    if pattern is None:
        return True
    for alternative in pattern.strip().split("|"):
        try:
            if re.fullmatch(alternative.replace("*", ".*"), name, re.IGNORECASE):
                return True
        except re.error:
            continue
    return False


def _quoted(parts) -> str:
    return ".".join(f"`{p}`" for p in parts)


def _schema_not_found(parts) -> AnalysisException:
    return AnalysisException(errorClass="SCHEMA_NOT_FOUND",
                             messageParameters={"schemaName": _quoted([tables.CATALOG, *parts])})


def _not_found(parts) -> AnalysisException:
    return AnalysisException(errorClass="TABLE_OR_VIEW_NOT_FOUND",
                             messageParameters={"relationName": _quoted(parts), "searchPath": SEARCH_PATH})


def _qualified_not_found(parts) -> AnalysisException:
    """Not found, with the name completed to catalog.database.name (as Spark's DROP says it)."""
    parts = list(parts)
    return _not_found([tables.CATALOG, tables.DATABASE][:max(0, 3 - len(parts))] + parts)


def _expect_table(operation: str, parts) -> AnalysisException:
    return AnalysisException(errorClass="EXPECT_TABLE_NOT_VIEW.NO_ALTERNATIVE",
                             messageParameters={"operation": f"'{operation}'", "viewName": _quoted(parts)})


def _ddl_type(data_type) -> str:
    """A type as SHOW CREATE TABLE writes it: Spark 4 spells out the default string collation."""
    from sparklite.sql.datatypes import sql_type_name
    return re.sub(r"\bSTRING\b(?!:| COLLATE)", "STRING COLLATE UTF8_BINARY", sql_type_name(data_type))


def _location_uri(path: str) -> str:
    """A location as Spark shows it: a local path as ``file:/absolute/path``."""
    if "://" in path or path.startswith("file:"):
        return path
    return "file:" + os.path.abspath(path)


def _ddl_name(name: str) -> str:
    if re.fullmatch(r"[a-zA-Z_][a-zA-Z0-9_]*", name):
        return name
    escaped = name.replace("`", "``")
    return f"`{escaped}`"


class Catalog:
    """``spark.catalog``: the session's catalog, databases, tables, views and functions."""

    def __init__(self, session):
        self._session = session
        self._current_database = tables.DATABASE

    @property
    def _catalog(self) -> SessionCatalog:
        return self._session._session_catalog

    @staticmethod
    def _parts(name: str) -> tuple:
        from sparklite.sql.column import parse_column_name
        return parse_column_name(name)

    # -- catalogs and databases -------------------------------------------------------------
    def currentCatalog(self) -> str:
        """The current catalog: always ``spark_catalog``."""
        return tables.CATALOG

    def setCurrentCatalog(self, catalogName: str) -> None:
        """Makes ``catalogName`` current; only ``spark_catalog`` exists."""
        if catalogName.lower() != tables.CATALOG:
            raise AnalysisException(errorClass="CATALOG_NOT_FOUND",
                                    messageParameters={"catalogName": f"`{catalogName}`",
                                                       "config": f'"spark.sql.catalog.{catalogName}"'})

    def listCatalogs(self, pattern: str | None = None) -> list:
        """The catalogs whose name matches ``pattern``."""
        return [CatalogMetadata(tables.CATALOG, None)] if matches_pattern(tables.CATALOG, pattern) else []

    def currentDatabase(self) -> str:
        """The session's current database, as it was last set."""
        return self._current_database

    def setCurrentDatabase(self, dbName: str) -> None:
        """Makes ``dbName`` (a database of the current catalog) current; only ``default`` exists."""
        parts = self._parts(dbName)
        if len(parts) != 1 or parts[0].lower() != tables.DATABASE:
            raise _schema_not_found(parts)
        self._current_database = dbName

    def _database(self, dbName: str) -> str:
        """The database's name as given, or ``SCHEMA_NOT_FOUND`` (``dbName`` may name the catalog)."""
        parts = list(self._parts(dbName))
        if len(parts) > 1 and parts[0].lower() == tables.CATALOG:
            parts = parts[1:]
        if len(parts) != 1 or parts[0].lower() != tables.DATABASE:
            raise _schema_not_found(parts)
        return parts[0]

    def _database_entry(self, name: str) -> Database:
        warehouse = self._session.conf.get("spark.sql.warehouse.dir", "spark-warehouse")
        return Database(name, tables.CATALOG, "default database", _location_uri(warehouse))

    def listDatabases(self, pattern: str | None = None) -> list:
        """The databases whose name matches ``pattern``."""
        return [self._database_entry(tables.DATABASE)] if matches_pattern(tables.DATABASE, pattern) else []

    def getDatabase(self, dbName: str) -> Database:
        """The database ``dbName`` (``db`` or ``catalog.db``), or ``SCHEMA_NOT_FOUND``."""
        return self._database_entry(self._database(dbName))

    def databaseExists(self, dbName: str) -> bool:
        """Whether ``dbName`` (``db`` or ``catalog.db``) exists."""
        try:
            self._database(dbName)
        except AnalysisException:
            return False
        return True

    def createDatabase(self, dbName: str, ifNotExists: bool = False, properties: dict | None = None) -> None:
        """Only ``default`` exists, so this succeeds only for it with ``ifNotExists``."""
        if self.databaseExists(dbName):
            if not ifNotExists:
                raise AnalysisException(errorClass="SCHEMA_ALREADY_EXISTS",
                                        messageParameters={"schemaName": f"`{self._database(dbName)}`"})
            return
        raise NotImplementedError(f"sparklite has one database, `{tables.DATABASE}`: cannot create `{dbName}`")

    def dropDatabase(self, dbName: str, ifExists: bool = False, cascade: bool = False) -> None:
        """Spark never drops the default database; any other one does not exist."""
        if self.databaseExists(dbName):
            raise AnalysisException(errorClass="UNSUPPORTED_FEATURE.DROP_DATABASE",
                                    messageParameters={"database": _quoted([tables.CATALOG, tables.DATABASE])})
        if not ifExists:
            self._database(dbName)

    # -- tables and views -------------------------------------------------------------------
    def _temp_view_entries(self, global_views: bool) -> list:
        found = []
        if global_views:
            found += [Table(n, None, [GLOBAL_TEMP_DATABASE], None, "TEMPORARY", True)
                      for n in sorted(self._catalog.global_views)]
        return found + [Table(n, None, [], None, "TEMPORARY", True) for n in sorted(self._catalog.temp_views)]

    @staticmethod
    def _table_entry(info: tables.TableInfo, name: str) -> Table:
        return Table(name, tables.CATALOG, [tables.DATABASE], info.description,
                     "MANAGED" if info.managed else "EXTERNAL", False)

    def _is_global_namespace(self, dbName: str | None) -> bool:
        """Whether ``dbName`` names ``global_temp`` (else it must name ``default``)."""
        if dbName is not None and [p.lower() for p in self._parts(dbName)] == [GLOBAL_TEMP_DATABASE]:
            return True
        self._database(dbName or self._current_database)
        return False

    def listTables(self, dbName: str | None = None, pattern: str | None = None) -> list:
        """The tables of ``dbName`` (the current database when None) and every temporary view (with
        ``global_temp``: its global views), whose names match ``pattern``."""
        global_namespace = self._is_global_namespace(dbName)
        found = [] if global_namespace else [
            self._table_entry(info, info.name.lower())
            for info in sorted(tables._tables(self._session).values(), key=lambda i: i.name.lower())]
        found += self._temp_view_entries(global_namespace)
        return [t for t in found if matches_pattern(t.name, pattern)]

    def listViews(self, dbName: str | None = None, pattern: str | None = None) -> list:
        """The views of ``dbName`` (the current database when None) whose names match ``pattern``:
        sparklite keeps only temporary views, listed as ``listTables`` lists them."""
        views = self._temp_view_entries(self._is_global_namespace(dbName))
        return [v for v in views if matches_pattern(v.name, pattern)]

    def _temp_view(self, parts) -> bool:
        """Whether ``parts`` names a temporary view (``name`` or ``global_temp.name``)."""
        if len(parts) == 1:
            return parts[0].lower() in self._catalog.temp_views
        return len(parts) == 2 and parts[0].lower() == GLOBAL_TEMP_DATABASE \
            and parts[1].lower() in self._catalog.global_views

    def getTable(self, tableName: str) -> Table:
        """The temporary view or table ``tableName``, or ``TABLE_OR_VIEW_NOT_FOUND``."""
        parts = self._parts(tableName)
        if self._temp_view(parts):
            return Table(parts[-1], None, list(parts[:-1]), None, "TEMPORARY", True)
        info = tables.lookup(self._session, parts)
        if info is None:
            raise _not_found(parts)
        return self._table_entry(info, parts[-1])

    def tableExists(self, tableName: str, dbName: str | None = None) -> bool:
        """Whether the table or view exists (``dbName`` is deprecated: qualify the name instead)."""
        if dbName is not None:
            warnings.warn("`dbName` has been deprecated since Spark 3.4 and might be removed in a future "
                          "version. Use tableExists(`dbName.tableName`) instead.", FutureWarning)
        parts = (dbName, tableName) if dbName else self._parts(tableName)
        try:
            self._catalog.lookup(parts)
        except AnalysisException:
            return False
        return True

    def listColumns(self, tableName: str, dbName: str | None = None) -> list:
        """The columns of a table or view (``dbName`` is deprecated: qualify the name instead)."""
        if dbName is not None:
            warnings.warn("`dbName` has been deprecated since Spark 3.4 and might be removed in a future "
                          "version. Use listColumns(`dbName.tableName`) instead.", FutureWarning)
        parts = (dbName, tableName) if dbName else self._parts(tableName)
        info = None if self._temp_view(parts) else tables.lookup(self._session, parts)
        partitions = {c.lower() for c in info.partition_columns} if info is not None else set()
        schema = info.schema if info is not None else \
            self._session._dataframe(L.UnresolvedRelation(tuple(parts))).schema
        return [Column(f.name, None, f.dataType.simpleString(), f.nullable, f.name.lower() in partitions, False, False)
                for f in schema.fields]

    def createTable(self, tableName: str, path: str | None = None, source: str | None = None,
                    schema: T.StructType | None = None, description: str | None = None, **options):
        """Creates a table and returns it as a DataFrame: external over the files at ``path``,
        else managed in the warehouse. Without ``schema``, the files' schema is inferred."""
        if schema is not None and not isinstance(schema, T.StructType):
            raise PySparkTypeError(errorClass="NOT_EXPECTED_TYPE",
                                   messageParameters={"arg_name": "schema", "expected_type": "struct type",
                                                      "arg_type": type(schema).__name__})
        path = path if path is not None else options.pop("path", None)
        source = source or self._session.conf.get("spark.sql.sources.default", "parquet")
        parts = self._parts(tableName)
        if tables.table_key(parts) is None:
            catalog_named = len(parts) == 3 and parts[0].lower() == tables.CATALOG
            raise _schema_not_found(parts[1:-1] if catalog_named else parts[:-1])
        if schema is None:
            schema = self._inferred_schema(source, path, options)
        if path is not None:        # kept among the table's options, as Spark keeps it
            options["path"] = path
        tables.create(self._session, parts, schema, source, [], path, options=options, description=description)
        return self._session.table(tableName)

    def _inferred_schema(self, source: str, path: str | None, options: dict) -> T.StructType:
        reader = self._session.read.format(source).options(**options)
        if path is not None:
            try:
                return reader.load(path).schema
            except AnalysisException as e:
                if e.getCondition() != "PATH_NOT_FOUND":
                    raise
        return reader.load().schema         # no files: UNABLE_TO_INFER_SCHEMA, naming the format

    def createExternalTable(self, tableName: str, path: str | None = None, source: str | None = None,
                            schema: T.StructType | None = None, **options):
        """Deprecated alias of ``createTable`` (managed when no ``path`` is given)."""
        warnings.warn("createExternalTable is deprecated since Spark 2.2, please use createTable instead.",
                      FutureWarning)
        return self.createTable(tableName, path, source, schema, **options)

    def dropTable(self, tableName: str, ifExists: bool = False, purge: bool = False) -> None:
        """Drops a table (its files too when it is managed); a temporary view of the name goes first,
        as with SQL's DROP TABLE."""
        parts = self._parts(tableName)
        if self._temp_view(parts):
            self._catalog.drop_temp_view(parts[-1], global_view=len(parts) == 2)
        elif tables.lookup(self._session, parts) is not None:
            tables.drop(self._session, parts, if_exists=True)
        elif not ifExists:
            raise _qualified_not_found(parts)

    def dropView(self, viewName: str, ifExists: bool = False) -> None:
        """Drops a temporary view (``name`` or ``global_temp.name``; sparklite has no persistent
        views); a table of the name is an error whatever ``ifExists`` says."""
        parts = self._parts(viewName)
        info = tables.lookup(self._session, parts)
        if self._temp_view(parts):
            self._catalog.drop_temp_view(parts[-1], global_view=len(parts) == 2)
        elif info is not None:
            raise AnalysisException(errorClass="WRONG_COMMAND_FOR_OBJECT_TYPE",
                                    messageParameters={"operation": "DROP VIEW", "requiredType": "VIEW",
                                                       "objectName": f"{tables.CATALOG}.{tables.DATABASE}.{info.name}",
                                                       "foundType": "MANAGED" if info.managed else "EXTERNAL",
                                                       "alternative": "DROP TABLE"})
        elif not ifExists:
            raise _qualified_not_found(parts)

    def dropTempView(self, viewName: str) -> bool:
        """Drops a temporary view; whether there was one."""
        return self._catalog.drop_temp_view(viewName)

    def dropGlobalTempView(self, viewName: str) -> bool:
        """Drops a global temporary view; whether there was one."""
        return self._catalog.drop_temp_view(viewName, global_view=True)

    def _table(self, tableName: str, operation: str):
        """(name parts, TableInfo) of the table a command works on: a view or a missing name raises."""
        parts = self._parts(tableName)
        if self._temp_view(parts):
            raise _expect_table(operation, parts)
        info = tables.lookup(self._session, parts)
        if info is None:
            raise _not_found(parts)
        return parts, info

    @staticmethod
    def _identifier(info: tables.TableInfo) -> str:
        return _quoted([tables.CATALOG, tables.DATABASE, info.name.lower()])

    def listPartitions(self, tableName: str) -> list:
        """The partitions of a partitioned table, as ``SHOW PARTITIONS`` writes them (``p=1/q=a``):
        the partition directories below its location."""
        from sparklite.sql.sources.files import Settings
        _, info = self._table(tableName, "Catalog.listPartitions")
        if not info.partition_columns:
            raise AnalysisException(errorClass="INVALID_PARTITION_OPERATION.PARTITION_SCHEMA_IS_EMPTY",
                                    messageParameters={"name": self._identifier(info)})
        fs, root = Settings.of(self._session, {}).resolve(info.location)
        specs = [""]
        for column in info.partition_columns:
            found = []
            for spec in specs:
                directory = root.rstrip("/") + ("/" + spec if spec else "")
                try:
                    entries = fs.get_file_info(pafs.FileSelector(directory))
                except OSError:
                    continue
                found += [(spec + "/" if spec else "") + e.base_name for e in entries
                          if e.type == pafs.FileType.Directory
                          and e.base_name.lower().startswith(column.lower() + "=")]
            specs = found
        return [TablePartition(spec) for spec in sorted(specs)]

    def recoverPartitions(self, tableName: str) -> None:
        """Checks that the table is partitioned: sparklite finds a table's partitions in its
        directories on every read, so there is nothing to recover."""
        _, info = self._table(tableName, "recoverPartitions()")
        if not info.partition_columns:
            raise AnalysisException(errorClass="NOT_A_PARTITIONED_TABLE",
                                    messageParameters={"operation": "ALTER TABLE RECOVER PARTITIONS",
                                                       "tableIdentWithDB": self._identifier(info)})

    def truncateTable(self, tableName: str) -> None:
        """Removes every row of a managed table."""
        parts, info = self._table(tableName, "Catalog.truncateTable")
        if not info.managed:
            raise AnalysisException(errorClass="CANNOT_TRUNCATE_EXTERNAL_TABLE",
                                    messageParameters={"tableName": self._identifier(info)})
        empty = self._session.createDataFrame([], info.schema)
        tables.insert(self._session, parts, empty, overwrite=True)

    def analyzeTable(self, tableName: str, noScan: bool = False) -> None:
        """Checks that the table exists: sparklite keeps no table statistics to compute."""
        self._table(tableName, "Catalog.analyzeTable")

    def getTableProperties(self, tableName: str) -> dict:
        """The table's properties: sparklite's tables and views have none."""
        parts = self._parts(tableName)
        if not self._temp_view(parts) and tables.lookup(self._session, parts) is None:
            raise _not_found(parts)
        return {}

    def getCreateTableString(self, tableName: str, asSerde: bool = False) -> str:
        """The table's ``SHOW CREATE TABLE`` statement."""
        parts = self._parts(tableName)
        if self._temp_view(parts):
            raise AnalysisException(errorClass="UNSUPPORTED_SHOW_CREATE_TABLE.ON_TEMPORARY_VIEW",
                                    messageParameters={"tableName": _quoted(parts)})
        info = tables.lookup(self._session, parts)
        if info is None:
            raise _not_found(parts)
        if asSerde:
            raise AnalysisException(errorClass="UNSUPPORTED_SHOW_CREATE_TABLE.ON_DATA_SOURCE_TABLE_WITH_AS_SERDE",
                                    messageParameters={"tableName": self._identifier(info)})
        columns = ",\n".join(f"  {_ddl_name(f.name)} {_ddl_type(f.dataType)}" for f in info.schema.fields)
        text = f"CREATE TABLE {tables.CATALOG}.{tables.DATABASE}.{info.name.lower()} (\n{columns})\n" \
               f"USING {info.provider}\n"
        if info.options:
            entries = ",\n".join(f"  '{k}' = '{_escaped(v)}'" for k, v in sorted(info.options.items()))
            text += f"OPTIONS (\n{entries})\n"
        if info.partition_columns:
            text += f"PARTITIONED BY ({', '.join(_ddl_name(c) for c in info.partition_columns)})\n"
        if info.description:
            text += f"COMMENT '{_escaped(info.description)}'\n"
        if not info.managed:
            text += f"LOCATION '{_location_uri(info.location)}'\n"
        return text

    # -- functions --------------------------------------------------------------------------
    @staticmethod
    def _builtins() -> dict:
        from sparklite.sql.builtins.registry import FUNCTIONS
        return {name: spec for name, spec in FUNCTIONS.items()
                if not name.startswith("__") and name not in _ENGINE_FUNCTION_NAMES}

    def _function_entry(self, name: str, key: str, builtins: dict) -> Function | None:
        """The temporary or builtin function ``key`` (lower case), shown under ``name``."""
        udf = self._session._session_functions.get(key)
        if udf is not None:
            return Function(name, None, None, "N/A.", f"{type(udf).__module__}.{type(udf).__qualname__}", True)
        spec = builtins.get(key)
        if spec is not None:
            return Function(name, None, None, None, spec.resolve.__module__, True)
        return None

    def _function(self, parts) -> Function | None:
        if len(parts) == 1:
            return self._function_entry(parts[0], parts[0].lower(), self._builtins())
        return None

    def listFunctions(self, dbName: str | None = None, pattern: str | None = None) -> list:
        """The builtin functions, then the temporary ones, whose names match ``pattern``, each by name."""
        self._database(dbName or self._current_database)
        builtins, temporary = self._builtins(), set(self._session._session_functions)
        names = sorted(set(builtins) - temporary) + sorted(temporary)
        return [self._function_entry(n, n, builtins) for n in names if matches_pattern(n, pattern)]

    def functionExists(self, functionName: str, dbName: str | None = None) -> bool:
        """Whether ``functionName`` is a builtin or temporary function (``dbName`` is deprecated;
        builtin and temporary functions belong to no database)."""
        if dbName is not None:
            warnings.warn("`dbName` has been deprecated since Spark 3.4 and might be removed in a future "
                          "version. Use functionExists(`dbName.tableName`) instead.", FutureWarning)
            return False
        return self._function(self._parts(functionName)) is not None

    def getFunction(self, functionName: str) -> Function:
        """The builtin or temporary function ``functionName``, or ``UNRESOLVED_ROUTINE``."""
        parts = self._parts(functionName)
        found = self._function(parts)
        if found is None:
            raise AnalysisException(errorClass="UNRESOLVED_ROUTINE",
                                    messageParameters={"routineName": _quoted(parts), "searchPath": SEARCH_PATH})
        return found

    def registerFunction(self, name: str, f, returnType=None):
        """Deprecated alias of ``spark.udf.register``."""
        warnings.warn("Deprecated in 2.3.0. Use spark.udf.register instead.", FutureWarning)
        return self._session.udf.register(name, f, returnType)

    # -- caching ----------------------------------------------------------------------------
    def cacheTable(self, tableName: str, storageLevel=None) -> None:
        """Caches the table or view (computed when first used)."""
        self._session.table(tableName).persist(*(storageLevel,) if storageLevel else ())

    def uncacheTable(self, tableName: str) -> None:
        """Drops the table or view from the cache."""
        self._session.table(tableName).unpersist()

    def isCached(self, tableName: str) -> bool:
        """Whether the table or view is cached."""
        return self._session.table(tableName).is_cached

    def clearCache(self) -> None:
        """Drops every cached table and DataFrame."""
        self._session._cache_manager.clear()

    def refreshTable(self, tableName: str) -> None:
        """Lists the table's files anew for the queries to come: a cached table is cached again
        (lazily, at its level) from what is there now. A view is only checked to exist."""
        self._session.table(tableName)
        info = tables.lookup(self._session, self._parts(tableName))
        if info is not None and not self._temp_view(self._parts(tableName)):
            self._session._cache_manager.refresh_table(tables.table_key([info.name]))

    def refreshByPath(self, path: str) -> None:
        """Refreshes every cached table whose files lie under ``path`` (as ``refreshTable``)."""
        prefix = _local_path(path)
        for key, info in list(tables._tables(self._session).items()):
            location = _local_path(info.location)
            if location == prefix or location.startswith(prefix + "/"):
                self._session._cache_manager.refresh_table(key)


def _escaped(text) -> str:
    """A value inside single quotes of a statement, as SHOW CREATE TABLE writes it."""
    return str(text).replace("'", "\\'")


def _local_path(path: str) -> str:
    """A location as one spelling: ``file:`` URIs and relative paths become absolute paths."""
    path = path.removeprefix("file://").removeprefix("file:")
    return (path if "://" in path else os.path.abspath(path)).rstrip("/")

"""Tables of the session catalog (Spark's in-memory catalog): ``CREATE TABLE ... USING``, ``CREATE TABLE
AS SELECT``, ``INSERT INTO`` / ``INSERT OVERWRITE``, ``DROP TABLE``, ``saveAsTable`` and ``insertInto``.

Contract: a table is a name in the database ``default`` of the catalog ``spark_catalog`` (``t``,
``default.t`` or ``spark_catalog.default.t``), a format (``USING parquet``, the default
``spark.sql.sources.default``), a schema (data columns, then the partition columns) and a location. A
managed table lives in ``spark.sql.warehouse.dir``/``name`` and its files go when it is dropped; an
external one (``LOCATION``) keeps its files. Tables are known to every session of the application and
forgotten when it ends, as with Spark's in-memory catalog; their files stay. Reading a table lists its
files anew, so every query sees the last committed write; a cached table (``cacheTable``) is read from
its cache until a write to its files or ``refreshTable`` caches it again. Writes go through the data sources' commit
protocol: a failed insert leaves the table as it was. Temporary views shadow tables of the same name.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field

import pyarrow.fs as pafs

from sparklite.sql import types as T
from sparklite.sql.errors import AnalysisException

CATALOG, DATABASE = "spark_catalog", "default"
SEARCH_PATH = "[`system`.`builtin`, `system`.`session`, `spark_catalog`.`default`]"


@dataclass
class TableInfo:
    name: str
    provider: str
    location: str
    schema: T.StructType
    partition_columns: list
    managed: bool
    options: dict = field(default_factory=dict)     # the source's options, for every read and write
    description: str | None = None

    @property
    def qualified(self) -> str:
        return f"`{CATALOG}`.`{DATABASE}`.`{self.name}`"


def table_key(parts) -> str | None:
    """The catalog's key for a table name, or None when the name is not one of this catalog's tables."""
    parts = [p.lower() for p in parts]
    if len(parts) == 3 and parts[0] == CATALOG:
        parts = parts[1:]
    if len(parts) == 2 and parts[0] == DATABASE:
        parts = parts[1:]
    return parts[0] if len(parts) == 1 else None


def _quoted(parts) -> str:
    parts = list(parts)
    if len(parts) == 1:
        parts = [CATALOG, DATABASE] + parts
    elif len(parts) == 2:
        parts = [CATALOG] + parts
    return ".".join(f"`{p}`" for p in parts)


def not_found(parts) -> AnalysisException:
    """``TABLE_OR_VIEW_NOT_FOUND`` for a name, with the search path Spark names."""
    return AnalysisException(errorClass="TABLE_OR_VIEW_NOT_FOUND",
                             messageParameters={"relationName": ".".join(f"`{p}`" for p in parts),
                                                "searchPath": SEARCH_PATH})


def _already_exists(parts) -> AnalysisException:
    return AnalysisException(errorClass="TABLE_OR_VIEW_ALREADY_EXISTS",
                             messageParameters={"relationName": _quoted(parts)})


def _tables(session) -> dict:
    return session._shared["tables"]


def lookup(session, parts) -> TableInfo | None:
    key = table_key(parts)
    return None if key is None else _tables(session).get(key)


def relation(session, info: TableInfo):
    """The table's rows as a DataFrame read with its schema."""
    return session.read.format(info.provider).options(**info.options).schema(info.schema).load(info.location)


def _settings(session):
    from sparklite.sql.sources.files import Settings
    return Settings.of(session, {})


def _exists(session, location: str) -> bool:
    fs, path = _settings(session).resolve(location)
    return fs.get_file_info(path.rstrip("/") or "/").type != pafs.FileType.NotFound


def _delete(session, location: str) -> None:
    fs, path = _settings(session).resolve(location)
    if fs.get_file_info(path).type == pafs.FileType.Directory:
        fs.delete_dir(path)
    elif fs.get_file_info(path).type == pafs.FileType.File:
        fs.delete_file(path)


def _managed_location(session, name: str) -> str:
    warehouse = session.conf.get("spark.sql.warehouse.dir", "spark-warehouse")
    if "://" not in warehouse:
        warehouse = os.path.abspath(warehouse)
    return warehouse.rstrip("/") + "/" + name


def _ordered(schema: T.StructType, partition_columns: list) -> T.StructType:
    """Data columns then partition columns, as Spark stores a table's schema."""
    lowered = [c.lower() for c in partition_columns]
    for column in lowered:
        if column not in {f.name.lower() for f in schema.fields}:
            raise AnalysisException(errorClass="COLUMN_NOT_DEFINED_IN_TABLE",
                                    messageParameters={"colType": "partition", "colName": f"`{column}`",
                                                       "tableName": "", "tableCols": ", ".join(
                                                           f"`{f.name}`" for f in schema.fields)})
    data = [f for f in schema.fields if f.name.lower() not in lowered]
    parts = sorted((f for f in schema.fields if f.name.lower() in lowered), key=lambda f: lowered.index(f.name.lower()))
    return T.StructType([T.StructField(f.name, f.dataType, True, f.metadata) for f in data + parts])


def create(session, parts, schema: T.StructType | None, provider: str | None, partition_columns: list,
           location: str | None, if_not_exists: bool = False, query=None, mode: str = "error",
           options: dict | None = None, description: str | None = None) -> None:
    """CREATE TABLE (with ``schema``) or CREATE TABLE AS SELECT / saveAsTable (with ``query``, a DataFrame).
    ``mode`` as ``saveAsTable``'s: error, ignore, overwrite (drop first) or append (insert when it exists).
    ``options`` (a CSV ``header``, a ``sep``) are the source's for every later read and write."""
    key = table_key(parts)
    if key is None:
        raise AnalysisException(errorClass="REQUIRES_SINGLE_PART_NAMESPACE",
                                messageParameters={"sessionCatalog": CATALOG,
                                                   "identifier": ".".join(f"`{p}`" for p in parts)})
    tables = _tables(session)
    if key in tables:
        if if_not_exists or mode == "ignore":
            return
        if mode == "append" and query is not None:
            insert(session, parts, query, overwrite=False, by_name=True)
            return
        if mode != "overwrite":
            raise _already_exists(parts)
        drop(session, parts, if_exists=True)
    provider = (provider or session.conf.get("spark.sql.sources.default", "parquet")).lower()
    if schema is None:
        schema = query.schema
    schema = _ordered(schema, list(partition_columns))
    names = [f.name for f in schema.fields]
    partition_columns = [names[[n.lower() for n in names].index(c.lower())] for c in partition_columns]
    managed = location is None
    location = _managed_location(session, key) if managed else location
    if managed and _exists(session, location):
        raise AnalysisException(errorClass="LOCATION_ALREADY_EXISTS",
                                messageParameters={"identifier": _quoted(parts), "location": f"'{location}'"})
    info = TableInfo(parts[-1], provider, location, schema, partition_columns, managed, dict(options or {}),
                     description)
    if query is not None:
        _write(session, info, query.select(*names) if query.columns != names else query, "errorifexists"
               if managed else "append")
    elif managed:
        fs, path = _settings(session).resolve(location)
        fs.create_dir(path, recursive=True)
    tables[key] = info


def _write(session, info: TableInfo, df, mode: str) -> None:
    writer = df.write.format(info.provider).options(**info.options).mode(mode)
    if info.partition_columns:
        writer = writer.partitionBy(*info.partition_columns)
    writer.save(info.location)


def insert(session, parts, df, overwrite: bool, by_name: bool = False, columns: list | None = None) -> None:
    """INSERT INTO / OVERWRITE (by position, or into the named ``columns``), insertInto, or
    saveAsTable's append (``by_name``). Values are cast to the table's types as Spark stores them."""
    from sparklite.sql.column import Column, literal
    info = lookup(session, parts)
    if info is None:
        raise not_found(parts)
    target = [f for f in info.schema.fields]
    # the query's own columns, by position: names such as ``0.5`` or repeated ones cannot be looked up
    outputs = [Column(a) for a in df._query.analyzed.output]
    position = {c.lower(): i for i, c in enumerate(df.columns)}
    if by_name:
        lowered = {c.lower(): c for c in df.columns}
        missing = [f.name for f in target if f.name.lower() not in lowered]
        if missing or len(df.columns) != len(target):
            raise AnalysisException(errorClass="INSERT_COLUMN_ARITY_MISMATCH.NOT_ENOUGH_DATA_COLUMNS"
                                    if len(df.columns) < len(target) else
                                    "INSERT_COLUMN_ARITY_MISMATCH.TOO_MANY_DATA_COLUMNS",
                                    messageParameters={"tableName": info.qualified,
                                                       "tableColumns": ", ".join(f"`{f.name}`" for f in target),
                                                       "dataColumns": ", ".join(f"`{c}`" for c in df.columns)})
        values = [outputs[position[f.name.lower()]] for f in target]
    else:
        if columns is not None:
            by_column = {c.lower(): i for i, c in enumerate(columns)}
            unknown = [c for c in columns if c.lower() not in {f.name.lower() for f in target}]
            if unknown:
                raise AnalysisException(errorClass="UNRESOLVED_COLUMN.WITH_SUGGESTION",
                                        messageParameters={"objectName": f"`{unknown[0]}`", "proposal": ", ".join(
                                            f"`{f.name}`" for f in target)})
        if len(df.columns) != (len(columns) if columns is not None else len(target)):
            raise AnalysisException(
                errorClass="INSERT_COLUMN_ARITY_MISMATCH.NOT_ENOUGH_DATA_COLUMNS"
                if len(df.columns) < len(columns if columns is not None else target)
                else "INSERT_COLUMN_ARITY_MISMATCH.TOO_MANY_DATA_COLUMNS",
                messageParameters={"tableName": info.qualified,
                                   "tableColumns": ", ".join(f"`{c}`" for c in (columns or [f.name for f in target])),
                                   "dataColumns": ", ".join(f"`{c}`" for c in df.columns)})
        if columns is not None:
            values = [outputs[by_column[f.name.lower()]] if f.name.lower() in by_column
                      else Column(literal(None)) for f in target]
        else:
            values = outputs
    typed = df.select(*values).schema.fields
    for value, f in zip(typed, target):
        if not can_store_assign(value.dataType, f.dataType):
            raise AnalysisException(errorClass="INCOMPATIBLE_DATA_FOR_TABLE.CANNOT_SAFELY_CAST",
                                    messageParameters={"tableName": info.qualified, "colName": f"`{f.name}`",
                                                       "srcType": f'"{value.dataType.simpleString().upper()}"',
                                                       "targetType": f'"{f.dataType.simpleString().upper()}"'})
    if overwrite and _reads(df, info):
        raise AnalysisException(errorClass="UNSUPPORTED_OVERWRITE.TABLE",
                                messageParameters={"table": info.qualified})
    data = df.select(*[v.cast(f.dataType).alias(f.name) for v, f in zip(values, target)])
    _write(session, info, data, "overwrite" if overwrite else "append")   # a cached table is refreshed


_NUMERIC = (T.ByteType, T.ShortType, T.IntegerType, T.LongType, T.FloatType, T.DoubleType, T.DecimalType)
_ATOMIC = _NUMERIC + (T.BooleanType, T.StringType, T.BinaryType, T.DateType, T.TimestampType, T.TimestampNTZType)


def can_store_assign(source, target) -> bool:
    """Spark's ANSI store assignment: which values a column of ``target`` type takes (checked before
    writing; numbers that overflow still fail when written)."""
    if source == target or isinstance(source, T.NullType):
        return True
    if isinstance(source, _NUMERIC) and isinstance(target, _NUMERIC):
        return True
    if isinstance(target, T.StringType):
        return isinstance(source, _ATOMIC)
    datetimes = (T.DateType, T.TimestampType, T.TimestampNTZType)
    if isinstance(source, datetimes) and isinstance(target, datetimes):
        return True
    if isinstance(source, T.ArrayType) and isinstance(target, T.ArrayType):
        return can_store_assign(source.elementType, target.elementType)
    if isinstance(source, T.MapType) and isinstance(target, T.MapType):
        return can_store_assign(source.keyType, target.keyType) and can_store_assign(source.valueType,
                                                                                    target.valueType)
    if isinstance(source, T.StructType) and isinstance(target, T.StructType):
        return len(source.fields) == len(target.fields) and all(
            can_store_assign(a.dataType, b.dataType) for a, b in zip(source.fields, target.fields))
    return False


def _reads(df, info: TableInfo) -> bool:
    """Whether the query reads the table's files (which an overwrite would delete under it)."""
    from sparklite.sql.plan import logical as L
    location = info.location.rstrip("/")
    for node in df._query.analyzed.walk():
        if isinstance(node, L.DataSourceRelation):
            roots = getattr(node.source, "roots", [])
            if any(str(r).rstrip("/") == location for r in roots):
                return True
    return False


def v1_write_error(session, parts, operation: str | None = None) -> AnalysisException:
    """What Spark raises for a DataFrameWriterV2 write its session catalog's file tables do not take:
    appends and partition overwrites (``operation`` None), REPLACE TABLE AS SELECT."""
    if operation is not None:
        return AnalysisException(errorClass="UNSUPPORTED_FEATURE.TABLE_OPERATION",
                                 messageParameters={"tableName": _quoted(parts), "operation": operation})
    if lookup(session, parts) is None:
        return not_found(parts)
    return AnalysisException(errorClass="_LEGACY_ERROR_TEMP_1012", messageParameters={"identifier": _quoted(parts)})


def drop(session, parts, if_exists: bool) -> None:
    key = table_key(parts)
    info = _tables(session).pop(key, None) if key is not None else None
    if info is None:
        if not if_exists:
            raise not_found(parts)
        return
    session._cache_manager.refresh_table(key, drop=True)
    if info.managed:
        _delete(session, info.location)


def describe_rows(info: TableInfo) -> list:
    """DESCRIBE's rows: the columns, then the partition columns under their heading."""
    rows = [(f.name, f.dataType.simpleString(), None) for f in info.schema.fields]
    if info.partition_columns:
        rows += [("# Partition Information", "", ""), ("# col_name", "data_type", "comment")]
        by_name = {f.name: f for f in info.schema.fields}
        rows += [(c, by_name[c].dataType.simpleString(), None) for c in info.partition_columns]
    return rows

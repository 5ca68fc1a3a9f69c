"""``DataFrameReader`` (``spark.read``) and ``DataFrameWriter`` (``df.write``): PySpark's API over the
file sources of ``sparklite.sql.sources``.

Contract:
* Options are kept as strings (booleans ``true``/``false``, None skipped, as PySpark sends them) under
  lower-cased keys, since Spark's option names are case-insensitive; a method's keyword arguments
  are options too (``csv(path, header=True)``).
* A read lists its files, takes the user's schema (a ``StructType`` or a DDL string) or infers one
  when ``load`` is called, and becomes a DataFrame over a ``DataSourceRelation``; the files are read
  by the query's tasks. Without a path a text read is empty, other formats need a schema.
* A write checks its mode (``error``/``errorifexists``/``default``, ``overwrite``, ``append``,
  ``ignore``), partition columns, column types and options on the driver, then runs one job (see
  ``write_files``). ``saveAsTable``, ``insertInto``, ``bucketBy``/``sortBy`` and ``jdbc`` are not
  implemented and say so.
"""
from __future__ import annotations

from sparklite.sql import types as T
from sparklite.sql.errors import AnalysisException, IllegalArgumentException, PySparkTypeError
from sparklite.sql.plan import logical as L
from sparklite.sql.plan.expressions import AttributeReference
from sparklite.sql.sources import source_class, writer_class
from sparklite.sql.sources.commit import SAVE_MODES, check_partition_columns, write_files
from sparklite.sql.sources.files import Settings


def _option_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _paths(path) -> list:
    if path is None:
        return []
    if isinstance(path, str):
        return [path]
    if isinstance(path, (list, tuple)) and all(isinstance(p, str) for p in path):
        return list(path)
    raise PySparkTypeError(errorClass="NOT_EXPECTED_TYPE", messageParameters={
        "arg_name": "path", "expected_type": "str or list", "arg_type": type(path).__name__})


class _Options:
    """The options shared by the reader and the writer."""

    def __init__(self):
        self._format = None
        self._options: dict[str, str] = {}

    def _set(self, **options) -> None:
        for key, value in options.items():
            if value is not None:
                self._options[key.lower()] = _option_value(value)

    def format(self, source: str):
        """The data source: ``csv``, ``json``, ``parquet``, ``orc`` or ``text``."""
        self._format = source
        return self

    def option(self, key: str, value):
        """Set one option (Spark's option names, case-insensitive)."""
        if value is None:
            self._options.pop(str(key).lower(), None)
        else:
            self._options[str(key).lower()] = _option_value(value)
        return self

    def options(self, **options):
        """Set several options."""
        self._set(**options)
        return self


class DataFrameReader(_Options):
    """Loads DataFrames from files: ``spark.read.format("csv").option("header", True).load(path)``."""

    def __init__(self, spark):
        super().__init__()
        self._spark = spark
        self._schema = None

    def schema(self, schema):
        """The schema to read with: a ``StructType`` or a DDL string (``"a INT, b STRING"``)."""
        if isinstance(schema, str):
            schema = T._parse_datatype_string(schema)
        if not isinstance(schema, T.StructType):
            raise PySparkTypeError(errorClass="NOT_EXPECTED_TYPE", messageParameters={
                "arg_name": "schema", "expected_type": "str or struct type", "arg_type": type(schema).__name__})
        self._schema = schema
        return self

    def load(self, path=None, format=None, schema=None, **options):
        """A DataFrame of the files at ``path`` (a path, a glob, a directory, or a list of them)."""
        if format is not None:
            self.format(format)
        if schema is not None:
            self.schema(schema)
        self._set(**options)
        paths = _paths(path) if path is not None else _paths(self._options.get("path"))
        name = self._format or self._spark.conf.get("spark.sql.sources.default")
        source = source_class(name).create(self._spark, paths, self._schema, dict(self._options),
                                           Settings.of(self._spark, self._options))
        attributes = [AttributeReference(f.name, f.dataType, f.nullable) for f in source.schema.fields]
        return self._spark._dataframe(L.DataSourceRelation(attributes, source))

    def csv(self, path, schema=None, sep=None, encoding=None, quote=None, escape=None, comment=None, header=None,
            inferSchema=None, ignoreLeadingWhiteSpace=None, ignoreTrailingWhiteSpace=None, nullValue=None,
            nanValue=None, positiveInf=None, negativeInf=None, dateFormat=None, timestampFormat=None,
            maxColumns=None, maxCharsPerColumn=None, maxMalformedLogPerPartition=None, mode=None,
            columnNameOfCorruptRecord=None, multiLine=None, charToEscapeQuoteEscaping=None, samplingRatio=None,
            enforceSchema=None, emptyValue=None, locale=None, lineSep=None, pathGlobFilter=None,
            recursiveFileLookup=None, modifiedBefore=None, modifiedAfter=None, unescapedQuoteHandling=None):
        """A DataFrame of CSV files."""
        options = {k: v for k, v in locals().items() if k not in ("self", "path", "schema")}
        return self._read("csv", path, schema, options)

    def json(self, path, schema=None, primitivesAsString=None, prefersDecimal=None, allowComments=None,
             allowUnquotedFieldNames=None, allowSingleQuotes=None, allowNumericLeadingZero=None,
             allowBackslashEscapingAnyCharacter=None, mode=None, columnNameOfCorruptRecord=None, dateFormat=None,
             timestampFormat=None, multiLine=None, allowUnquotedControlChars=None, lineSep=None,
             samplingRatio=None, dropFieldIfAllNull=None, encoding=None, locale=None, pathGlobFilter=None,
             recursiveFileLookup=None, modifiedBefore=None, modifiedAfter=None, allowNonNumericNumbers=None,
             useUnsafeRow=None):
        """A DataFrame of JSON-lines files (or JSON documents with ``multiLine``)."""
        options = {k: v for k, v in locals().items() if k not in ("self", "path", "schema")}
        return self._read("json", path, schema, options)

    def parquet(self, *paths, **options):
        """A DataFrame of Parquet files."""
        self._set(**options)
        return self.format("parquet").load(list(paths))

    def orc(self, path, mergeSchema=None, pathGlobFilter=None, recursiveFileLookup=None, modifiedBefore=None,
            modifiedAfter=None):
        """A DataFrame of ORC files."""
        options = {k: v for k, v in locals().items() if k not in ("self", "path")}
        return self._read("orc", path, None, options)

    def text(self, paths, wholetext=False, lineSep=None, pathGlobFilter=None, recursiveFileLookup=None,
             modifiedBefore=None, modifiedAfter=None):
        """A DataFrame of one string column ``value``: a row per line (or per file with ``wholetext``)."""
        options = {k: v for k, v in locals().items() if k not in ("self", "paths")}
        return self._read("text", paths, None, options)

    def _read(self, name: str, path, schema, options: dict):
        self._set(**options)
        if schema is not None:
            self.schema(schema)
        return self.format(name).load(path)

    def table(self, tableName: str):
        """The DataFrame of a table or view."""
        return self._spark.table(tableName)

    def jdbc(self, *args, **kwargs):
        """Not implemented: sparklite reads files only."""
        raise NotImplementedError("DataFrameReader.jdbc is not implemented in sparklite")


class DataFrameWriter(_Options):
    """Saves a DataFrame's rows as files: ``df.write.mode("overwrite").partitionBy("day").parquet(path)``."""

    def __init__(self, df):
        super().__init__()
        self._df = df
        self._mode = "errorifexists"
        self._partition_by: list = []

    def mode(self, saveMode):
        """What to do when the path exists: ``error``/``errorifexists`` (the default), ``overwrite``,
        ``append`` or ``ignore``."""
        if saveMode is None:
            return self
        mode = str(saveMode).lower()
        if mode not in SAVE_MODES:
            raise AnalysisException(errorClass="INVALID_SAVE_MODE", messageParameters={"mode": f'"{saveMode}"'})
        self._mode = mode
        return self

    def partitionBy(self, *cols):
        """Write Hive-style ``column=value`` directories for these columns."""
        if len(cols) == 1 and isinstance(cols[0], (list, tuple)):
            cols = tuple(cols[0])
        self._partition_by = [str(c) for c in cols]
        return self

    def _settle(self, format, mode, partitionBy, options: dict) -> None:
        """The arguments ``save`` and ``saveAsTable`` take over the builder's settings."""
        self.mode(mode)
        if format is not None:
            self.format(format)
        if partitionBy is not None:
            self.partitionBy(partitionBy)
        self._set(**options)

    def save(self, path=None, format=None, mode=None, partitionBy=None, **options):
        """Write the rows to ``path`` in the chosen format."""
        self._settle(format, mode, partitionBy, options)
        path = path if path is not None else self._options.get("path")
        if path is None:
            raise IllegalArgumentException(errorClass="_LEGACY_ERROR_TEMP_2047", messageParameters={})
        session = self._df.sparkSession
        name = self._format or session.conf.get("spark.sql.sources.default")
        settings = Settings.of(session, self._options)
        schema = self._df.schema
        seen = set()
        for field in schema.fields:
            key = field.name if settings.case_sensitive else field.name.lower()
            if key in seen:
                raise AnalysisException(errorClass="COLUMN_ALREADY_EXISTS",
                                        messageParameters={"columnName": f"`{key}`"})
            seen.add(key)
        partition_by = check_partition_columns(schema, self._partition_by, settings.case_sensitive)
        data_schema = T.StructType([f for f in schema.fields if f.name not in {c for c, _ in partition_by}])
        writer = writer_class(name)(data_schema, dict(self._options), settings, **self._defaults(name, session))
        dynamic = str(self._options.get("partitionoverwritemode", session.conf.get(
            "spark.sql.sources.partitionOverwriteMode", "static"))).lower() == "dynamic"
        write_files(self._df, path, writer, self._mode, partition_by, settings, dynamic)
        session.catalog.refreshByPath(path)     # a cached table over these files shows what was written

    @staticmethod
    def _defaults(name: str, session) -> dict:
        conf = session.conf
        key = str(name).lower()
        if key == "parquet":
            return {"default_codec": conf.get("spark.sql.parquet.compression.codec", "snappy")}
        if key == "orc":
            return {"default_codec": conf.get("spark.sql.orc.compression.codec", "zstd")}
        if key == "json":
            return {"ignore_null_fields": conf.get("spark.sql.jsonGenerator.ignoreNullFields", "true").lower()}
        return {}

    def csv(self, path, mode=None, compression=None, sep=None, quote=None, escape=None, header=None, nullValue=None,
            escapeQuotes=None, quoteAll=None, dateFormat=None, timestampFormat=None, ignoreLeadingWhiteSpace=None,
            ignoreTrailingWhiteSpace=None, charToEscapeQuoteEscaping=None, encoding=None, emptyValue=None,
            lineSep=None):
        """Write CSV files."""
        options = {k: v for k, v in locals().items() if k not in ("self", "path", "mode")}
        self._set(**options)
        self.mode(mode).format("csv").save(path)

    def json(self, path, mode=None, compression=None, dateFormat=None, timestampFormat=None, lineSep=None,
             encoding=None, ignoreNullFields=None):
        """Write JSON-lines files."""
        options = {k: v for k, v in locals().items() if k not in ("self", "path", "mode")}
        self._set(**options)
        self.mode(mode).format("json").save(path)

    def parquet(self, path, mode=None, partitionBy=None, compression=None):
        """Write Parquet files."""
        self._set(compression=compression)
        if partitionBy is not None:
            self.partitionBy(partitionBy)
        self.mode(mode).format("parquet").save(path)

    def orc(self, path, mode=None, partitionBy=None, compression=None):
        """Write ORC files."""
        self._set(compression=compression)
        if partitionBy is not None:
            self.partitionBy(partitionBy)
        self.mode(mode).format("orc").save(path)

    def text(self, path, compression=None, lineSep=None):
        """Write text files of the DataFrame's one string column."""
        self._set(compression=compression, lineSep=lineSep)
        self.format("text").save(path)

    def saveAsTable(self, name, format=None, mode=None, partitionBy=None, **options):
        """Write the rows as the table ``name`` (a managed table in ``spark.sql.warehouse.dir``); an existing
        table follows ``mode``: error, ignore, append (by column name) or overwrite (replaced)."""
        from sparklite.sql import tables
        from sparklite.sql.column import parse_column_name
        self._settle(format, mode, partitionBy, options)
        session = self._df.sparkSession
        tables.create(session, parse_column_name(name), None, self._format, self._partition_by or [],
                      self._options.get("path"), query=self._df,
                      mode="error" if self._mode in ("errorifexists", "default") else self._mode, options=self._options)

    def insertInto(self, tableName, overwrite=None):
        """Insert the rows into the existing table ``tableName``, matching columns by position."""
        from sparklite.sql import tables
        from sparklite.sql.column import parse_column_name
        tables.insert(self._df.sparkSession, parse_column_name(tableName), self._df,
                      overwrite=bool(overwrite) if overwrite is not None else self._mode == "overwrite")

    def bucketBy(self, numBuckets, col, *cols):
        """Not implemented: buckets belong to tables (``saveAsTable``)."""
        raise NotImplementedError("DataFrameWriter.bucketBy is not implemented in sparklite (it needs saveAsTable)")

    def sortBy(self, col, *cols):
        """Not implemented: sorted buckets belong to tables (``saveAsTable``)."""
        raise NotImplementedError("DataFrameWriter.sortBy is not implemented in sparklite (it needs saveAsTable)")

    def jdbc(self, *args, **kwargs):
        """Not implemented: sparklite writes files only."""
        raise NotImplementedError("DataFrameWriter.jdbc is not implemented in sparklite")


class DataFrameWriterV2:
    """``df.writeTo("t")``: a table write (see ``sparklite.sql.tables``); ``using`` picks the format,
    ``partitionedBy`` plain columns, and ``create`` / ``replace`` / ``createOrReplace`` / ``append`` /
    ``overwritePartitions`` say what happens to the table."""

    def __init__(self, df, table: str):
        from sparklite.sql.column import parse_column_name
        self._df, self._parts = df, parse_column_name(table)
        self._provider, self._partitions, self._options, self._properties = None, [], {}, {}

    def using(self, provider: str) -> "DataFrameWriterV2":
        self._provider = provider
        return self

    def option(self, key: str, value) -> "DataFrameWriterV2":
        self._options[key] = value
        return self

    def options(self, **options) -> "DataFrameWriterV2":
        self._options.update(options)
        return self

    def tableProperty(self, property: str, value: str) -> "DataFrameWriterV2":
        self._properties[property] = value
        return self

    def partitionedBy(self, col, *cols) -> "DataFrameWriterV2":
        from sparklite.sql.column import Column
        from sparklite.sql.plan.expressions import UnresolvedAttribute
        names = []
        for c in (col,) + cols:
            if isinstance(c, Column):
                if not isinstance(c._expr, UnresolvedAttribute):
                    raise NotImplementedError("partitionedBy takes plain columns in sparklite (no partition transforms)")
                c = c._expr.name
            names.append(c)
        self._partitions = names
        return self

    def clusterBy(self, col, *cols) -> "DataFrameWriterV2":
        """Not provided: clustering belongs to table formats sparklite does not write."""
        raise NotImplementedError("DataFrameWriterV2.clusterBy is not implemented in sparklite")

    def create(self) -> None:
        """Create the table from the rows; it must not exist."""
        from sparklite.sql import tables
        tables.create(self._df.sparkSession, self._parts, None, self._provider, self._partitions,
                      self._options.get("path"), query=self._df)

    def replace(self) -> None:
        """Refused, as Spark refuses REPLACE TABLE AS SELECT on its session catalog's file tables."""
        from sparklite.sql import tables
        raise tables.v1_write_error(self._df.sparkSession, self._parts, "REPLACE TABLE AS SELECT")

    def createOrReplace(self) -> None:
        """Refused, as ``replace``."""
        from sparklite.sql import tables
        raise tables.v1_write_error(self._df.sparkSession, self._parts, "REPLACE TABLE AS SELECT")

    def append(self) -> None:
        """Refused, as Spark refuses V2 appends to its session catalog's file tables (``insertInto`` or
        ``INSERT INTO`` append to them)."""
        from sparklite.sql import tables
        raise tables.v1_write_error(self._df.sparkSession, self._parts)

    def overwrite(self, condition) -> None:
        """Not provided: overwriting the rows a condition selects needs a table format with deletes."""
        raise NotImplementedError("DataFrameWriterV2.overwrite(condition) is not implemented in sparklite; "
                                  "use overwritePartitions() or createOrReplace()")

    def overwritePartitions(self) -> None:
        """Refused, as ``append`` (``spark.sql.sources.partitionOverwriteMode=dynamic`` with ``INSERT
        OVERWRITE`` or ``df.write.mode("overwrite")`` replaces only the partitions written)."""
        from sparklite.sql import tables
        raise tables.v1_write_error(self._df.sparkSession, self._parts)

"""``SparkSession``: the entry point of the DataFrame and SQL API (``pyspark.sql.SparkSession``).

Contract:
* ``SparkSession.builder.master(m).appName(n).config(k, v).getOrCreate()`` returns the active
  session, creating it (and its SparkContext) if needed; ``config`` given to a running session
  sets its SQL options, as PySpark does.
* A session owns its SQL configuration (``spark.conf``), its temporary views (``catalog``) and the
  analyzer that resolves every DataFrame it makes; ``newSession()`` shares the SparkContext and
  global temp views but has its own configuration and temp views.
* ``stop()`` stops the SparkContext.
"""
from __future__ import annotations

import threading
from collections import OrderedDict

import pyarrow as pa

from sparklite import SparkConf, SparkContext
from sparklite.core.api import is_stopped
from sparklite.sql import types as T
from sparklite.sql.cache import CacheManager
from sparklite.sql.catalog import Catalog, SessionCatalog
from sparklite.sql.conf import RuntimeConfig
from sparklite.sql.conversion import rows_to_table
from sparklite.sql.dataframe import DataFrame
from sparklite.sql.errors import IllegalArgumentException, PySparkTypeError, PySparkValueError
from sparklite.sql.plan import logical as L
from sparklite.sql.plan.analyzer import Analyzer
from sparklite.sql.plan.expressions import AttributeReference


class SparkSession:
    _lock = threading.RLock()
    _active_session: "SparkSession | None" = None
    _default_session: "SparkSession | None" = None

    class Builder:
        def __init__(self):
            self._options: dict[str, str] = {}

        def config(self, key=None, value=None, conf: SparkConf | None = None, map: dict | None = None):
            if conf is not None:
                self._options.update(dict(conf.getAll()))
            if map is not None:
                self._options.update({k: _conf_value(v) for k, v in map.items()})
            if key is not None:
                self._options[key] = _conf_value(value)
            return self

        def master(self, master: str):
            return self.config("spark.master", master)

        def appName(self, name: str):
            return self.config("spark.app.name", name)

        def remote(self, url: str):
            raise PySparkValueError(errorClass="UNSUPPORTED_OPERATION",
                                    messageParameters={"operation": "Spark Connect (remote)"})

        def enableHiveSupport(self):
            return self

        def create(self) -> "SparkSession":
            with SparkSession._lock:
                session = SparkSession(self._context(), self._sql_options())
                SparkSession._active_session = SparkSession._default_session = session
                return session

        def getOrCreate(self) -> "SparkSession":
            with SparkSession._lock:
                session = SparkSession._default_session
                if session is None or is_stopped(session.sparkContext):
                    return self.create()
                for key, value in self._sql_options().items():
                    session.conf.set(key, value)
                return session

        def _context(self) -> SparkContext:
            conf = SparkConf()
            for key, value in self._options.items():
                conf.set(key, value)
            if not conf.contains("spark.app.name"):
                conf.setAppName("sparklite-sql")
            return SparkContext.getOrCreate(conf)

        def _sql_options(self) -> dict:
            return {k: v for k, v in self._options.items() if k not in ("spark.master", "spark.app.name")}

    class _NewBuilder:
        """``SparkSession.builder``: a new ``Builder`` at each use, as in PySpark 3.4+, so options
        given to one session's builder never reach the next one's."""

        def __get__(self, instance, owner) -> "SparkSession.Builder":
            return owner.Builder()

    builder = _NewBuilder()

    def __init__(self, sparkContext: SparkContext, options: dict | None = None, shared=None):
        self._sc = sparkContext
        self._conf = RuntimeConfig(dict(sparkContext.getConf().getAll()))
        for key, value in (options or {}).items():
            self._conf.set(key, value)
        self._shared = shared if shared is not None else {"global_views": {}, "tables": {}}
        self._session_catalog = SessionCatalog(self._shared["global_views"], self._conf, self)
        self.catalog = Catalog(self)
        self._cache_manager = CacheManager(self)
        self._sql_texts: OrderedDict[int, str] = OrderedDict()   # plan id -> the SQL text it came from (UI)
        self._session_functions: dict = {}
        self._session_table_functions: dict = {}

    # -- properties -------------------------------------------------------------------------
    @property
    def sparkContext(self) -> SparkContext:
        return self._sc

    @property
    def conf(self) -> RuntimeConfig:
        return self._conf

    @property
    def read(self):
        """A ``DataFrameReader`` for loading files (csv, json, parquet, orc, text) and tables."""
        from sparklite.sql.readwriter import DataFrameReader
        return DataFrameReader(self)

    @property
    def readStream(self):
        """A ``DataStreamReader`` for streams (files, rate, socket, memory)."""
        from sparklite.sql import streams
        return streams.library().DataStreamReader(self)

    @property
    def streams(self):
        """The ``StreamingQueryManager`` of this session's streaming queries."""
        from sparklite.sql import streams
        return streams.library().StreamingQueryManager.of(self)

    @property
    def version(self) -> str:
        from sparklite import __version__
        return __version__

    @classmethod
    def getActiveSession(cls) -> "SparkSession | None":
        session = cls._active_session
        return None if session is None or is_stopped(session._sc) else session

    @classmethod
    def active(cls) -> "SparkSession":
        session = cls.getActiveSession()
        if session is None:
            raise PySparkValueError(errorClass="NO_ACTIVE_OR_DEFAULT_SESSION", messageParameters={})
        return session

    def newSession(self) -> "SparkSession":
        return SparkSession(self._sc, {}, self._shared)

    def stop(self) -> None:
        from sparklite.sql import streams
        streams.stop_queries(self._sc)
        with SparkSession._lock:
            self._sc.stop()
            if SparkSession._default_session is self:
                SparkSession._default_session = None
            if SparkSession._active_session is self:
                SparkSession._active_session = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    # -- plans ------------------------------------------------------------------------------
    def analyzer(self) -> Analyzer:
        return Analyzer(self._session_catalog.lookup, self._conf.get_bool("spark.sql.caseSensitive"),
                        self._conf.get("spark.sql.session.timeZone"), self._session_functions,
                        self._session_table_functions)

    @property
    def udf(self):
        """``spark.udf.register(name, f, returnType)``: Python functions for SQL text."""
        from sparklite.sql.udf import UDFRegistration
        return UDFRegistration(self)

    @property
    def udtf(self):
        """``spark.udtf.register(name, f)``: Python table functions for SQL's FROM clause."""
        from sparklite.sql.plan.tablefunctions import UDTFRegistration
        return UDTFRegistration(self)

    def _dataframe(self, plan: L.LogicalPlan) -> DataFrame:
        return DataFrame(self.analyzer().execute(plan), self)

    # -- making DataFrames ------------------------------------------------------------------
    def range(self, start: int, end: int | None = None, step: int = 1, numPartitions: int | None = None) -> DataFrame:
        """A DataFrame of one bigint column ``id`` from ``start`` to ``end`` (exclusive) by ``step``."""
        if end is None:
            start, end = 0, start
        if step == 0:
            raise IllegalArgumentException(f"requirement failed: step ({step}) cannot be 0")
        if numPartitions is not None and numPartitions < 1:
            raise PySparkValueError(errorClass="VALUE_NOT_POSITIVE",
                                    messageParameters={"arg_name": "numPartitions",
                                                       "arg_value": str(numPartitions)})
        return self._dataframe(L.Range(int(start), int(end), int(step), numPartitions))

    def createDataFrame(self, data, schema=None, samplingRatio=None, verifySchema: bool = True) -> DataFrame:
        """A DataFrame from local rows (tuples, lists, Rows, dicts or scalars with an atomic
        schema), an RDD of them, a pandas DataFrame or a ``pyarrow.Table``; ``schema`` is a
        ``StructType``, a DDL string, an atomic type, or a list of column names."""
        from sparklite import RDD
        names = None
        if isinstance(schema, (list, tuple)):
            names, schema = [str(n) for n in schema], None
        if isinstance(schema, str):
            schema = T._parse_datatype_string(schema)
        if schema is not None and not isinstance(schema, T.DataType):
            raise PySparkTypeError(errorClass="NOT_EXPECTED_TYPE",
                                   messageParameters={"expected_type": "list, None or StructType", "arg_name": "schema", "arg_type": type(schema).__name__})
        if isinstance(data, DataFrame):
            raise PySparkTypeError(errorClass="INVALID_TYPE",
                                   messageParameters={"arg_name": "data", "arg_type": "DataFrame"})
        if isinstance(data, pa.Table):
            return self._from_arrow(data, schema, names)
        if _is_pandas(data):
            return self._from_pandas(data, schema, names)
        if isinstance(data, RDD):
            return self._from_rdd(data, schema, names, samplingRatio, verifySchema)
        rows = list(data)
        table, struct = self._local_table(rows, schema, names, verifySchema)
        attributes = [AttributeReference(f.name, f.dataType, f.nullable, metadata=f.metadata) for f in struct.fields]
        # PySpark parallelizes local rows over defaultParallelism slices (a lone row lands in the last)
        return self._dataframe(L.LocalRelation(attributes, table, self._sc.defaultParallelism))

    def _local_table(self, rows: list, schema, names, verify: bool):
        wrap = isinstance(schema, T.DataType) and not isinstance(schema, T.StructType)
        if wrap:
            schema = T.StructType([T.StructField("value", schema, True)])
            rows = [(r,) for r in rows]
        if schema is None:
            schema = T._infer_schema_from_rows(rows, names) if hasattr(T, "_infer_schema_from_rows") else \
                T.infer_schema(rows, names)
        elif names:
            schema = _renamed(schema, names)
        # naive datetimes are the process's local times, as PySpark reads them
        table = rows_to_table(rows, schema, verify=verify)
        return table, schema

    def _from_arrow(self, table: pa.Table, schema, names) -> DataFrame:
        struct = T.from_arrow_schema(table.schema) if schema is None else schema
        if names:
            struct = _renamed(struct, names)
        table = table.rename_columns(struct.names).cast(T.to_arrow_schema(struct))
        attributes = [AttributeReference(f.name, f.dataType, f.nullable, metadata=f.metadata) for f in struct.fields]
        return self._dataframe(L.LocalRelation(attributes, table))

    def _from_pandas(self, frame, schema, names) -> DataFrame:
        table = pa.Table.from_pandas(frame, preserve_index=False)
        if schema is None:
            struct = T.from_arrow_schema(table.schema)
            struct = T.StructType([T.StructField(f.name, f.dataType, True) for f in struct.fields])
        else:
            struct = schema
        return self._from_arrow(table, struct, names or None)

    def _from_rdd(self, rdd, schema, names, sampling_ratio, verify: bool) -> DataFrame:
        from sparklite.core.api import ColumnarRDD
        if schema is None:
            sample = rdd.take(100) if not sampling_ratio else rdd.sample(False, sampling_ratio).collect()
            schema = T.infer_schema(sample, names)
        elif names:
            schema = _renamed(schema, names)
        wrap = isinstance(schema, T.DataType) and not isinstance(schema, T.StructType)
        struct = T.StructType([T.StructField("value", schema, True)]) if wrap else schema
        arrow_schema = T.to_arrow_schema(struct)

        def to_batches(_, rows):
            rows = [(r,) for r in rows] if wrap else list(rows)
            table = rows_to_table(rows, struct, verify=verify)
            return iter(table.cast(arrow_schema).to_batches() or [])
        batches = ColumnarRDD(rdd.mapPartitionsWithIndex(to_batches), arrow_schema)
        attributes = [AttributeReference(f.name, f.dataType, f.nullable, metadata=f.metadata) for f in struct.fields]
        return self._dataframe(L.RDDRelation(attributes, batches))

    def table(self, tableName: str) -> DataFrame:
        from sparklite.sql.column import parse_column_name
        return self._dataframe(L.UnresolvedRelation(parse_column_name(tableName)))

    def sql(self, sqlQuery: str, args=None, **kwargs) -> DataFrame:
        """Run a SQL statement; a query's result is a DataFrame (commands return their rows).
        ``args`` binds its parameters (``:name`` from a dict, ``?`` from a list; a value may be a
        constant Column); ``kwargs`` are put into the text as ``str.format`` does, a DataFrame as a
        temporary view's name."""
        from sparklite.sql.plan.sql import parse_statement
        from sparklite.sql.commands import run_command
        from sparklite.sql.sql_formatter import SQLStringFormatter, parameter_value
        if isinstance(args, dict):
            args = {k: parameter_value(self, k, v) for k, v in args.items()}
        elif isinstance(args, (list, tuple)):
            args = [parameter_value(self, str(i + 1), v) for i, v in enumerate(args)]
        formatter = SQLStringFormatter(self) if kwargs else None
        try:
            if formatter is not None:
                sqlQuery = formatter.format(sqlQuery, **kwargs)
            parsed = parse_statement(sqlQuery, args, self._conf.get("spark.sql.session.timeZone"))
            if isinstance(parsed, L.LogicalPlan):
                frame = self._dataframe(parsed)
                self._sql_texts[frame._plan.plan_id] = sqlQuery
                while len(self._sql_texts) > 1000:
                    self._sql_texts.popitem(last=False)
                return frame
            return run_command(self, parsed)
        finally:
            if formatter is not None:
                formatter.clear()


def _conf_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _renamed(schema, names):
    if not isinstance(schema, T.StructType):
        return schema
    fields = list(schema.fields)
    for i, name in enumerate(names[:len(fields)]):
        fields[i] = T.StructField(name, fields[i].dataType, fields[i].nullable, fields[i].metadata)
    return T.StructType(fields)


def _is_pandas(data) -> bool:
    module = type(data).__module__
    return module.startswith("pandas") and type(data).__name__ == "DataFrame"

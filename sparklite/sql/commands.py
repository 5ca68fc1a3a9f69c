"""SQL statements run for their effect (``spark.sql("SET ...")``, ``CREATE TEMP VIEW``, ``CACHE
TABLE``, ``SHOW TABLES``, ``DESCRIBE``, ``EXPLAIN``, ``DROP VIEW``, and the tables of ``tables``:
``CREATE TABLE``, ``INSERT``, ``DROP TABLE``): each returns the DataFrame
Spark returns for it (often empty, sometimes a small table of text)."""
from __future__ import annotations


from sparklite.sql import tables
from sparklite.sql.errors import AnalysisException
from sparklite.sql.plan import logical as L
from sparklite.sql.plan.sql_statements import Command


def _rows(session, rows: list, schema: str):
    return session.createDataFrame(rows, schema)


def _empty(session):
    return session._dataframe(L.LocalRelation([], _empty_table()))


def _empty_table():
    import pyarrow as pa
    return pa.table({})


def run_command(session, command: Command):
    kind, args = command.kind, command.args
    if kind == "set":
        if "key" not in args:
            return _rows(session, sorted(session.conf.getAll().items()), "key string not null, value string not null")
        if "value" in args:
            session.conf.set(args["key"], args["value"])
        return _rows(session, [(args["key"], session.conf.get(args["key"], "<undefined>"))],
                     "key string not null, value string not null")
    if kind == "create_view":
        df = session._dataframe(args["query"])
        if args["columns"]:
            df = df.toDF(*args["columns"])
        name = args["name"][-1]
        catalog = session._session_catalog
        if not args["temporary"]:
            raise NotImplementedError("sparklite keeps only temporary views (CREATE TEMPORARY VIEW)")
        exists = (name.lower() in (catalog.global_views if args["global"] else catalog.temp_views))
        if exists and args["if_not_exists"]:
            return _empty(session)
        catalog.create_temp_view(name, df._plan, replace=args["replace"], global_view=args["global"])
        return _empty(session)
    if kind == "cache":
        name = ".".join(args["name"])
        if args["query"] is not None:
            session._dataframe(args["query"]).createOrReplaceTempView(name)
        df = session.table(name)
        df.cache()
        if not args["lazy"]:
            df.count()
        return _empty(session)
    if kind == "uncache":
        try:
            session.table(".".join(args["name"])).unpersist()
        except AnalysisException:
            if not args["if_exists"]:
                raise
        return _empty(session)
    if kind == "create_table":
        if args["replace"]:
            tables.drop(session, args["name"], if_exists=True)
        query = session._dataframe(args["query"]) if args["query"] is not None else None
        tables.create(session, args["name"], args["schema"], args["provider"], args["partitions"], args["location"],
                      if_not_exists=args["if_not_exists"], query=query, options=args["options"],
                      description=args["comment"])
        return _empty(session)
    if kind == "insert":
        tables.insert(session, args["name"], session._dataframe(args["query"]), args["overwrite"],
                      columns=args["columns"])
        return _empty(session)
    if kind == "drop" and args["kind"] == "TABLE":
        tables.drop(session, args["name"], args["if_exists"])
        return _empty(session)
    if kind == "drop":
        name = args["name"]
        global_view = len(name) == 2 and name[0].lower() == "global_temp"
        dropped = session._session_catalog.drop_temp_view(name[-1], global_view=global_view)
        if not dropped and not args["if_exists"]:
            raise tables.not_found(name)
        return _empty(session)
    if kind == "describe":
        info = None if len(args["name"]) == 1 and args["name"][0].lower() in session._session_catalog.temp_views \
            else tables.lookup(session, args["name"])
        df = session.table(".".join(args["name"]))
        rows = tables.describe_rows(info) if info is not None else \
            [(f.name, f.dataType.simpleString(), None) for f in df.schema.fields]
        return _rows(session, rows, "col_name string not null, data_type string not null, comment string")
    if kind == "show_tables":
        import fnmatch
        pattern = args.get("rest", "").strip()
        if pattern.upper().startswith("LIKE"):
            pattern = pattern[4:].strip().strip("'\"")
        rows = [("default" if not t.isTemporary else "", t.name, t.isTemporary) for t in session.catalog.listTables()
                if not pattern or any(fnmatch.fnmatch(t.name, p.strip().replace("%", "*"))
                                      for p in pattern.split("|"))]
        return _rows(session, rows, "namespace string not null, tableName string not null, "
                                    "isTemporary boolean not null")
    if kind == "explain":
        statement = args["statement"]
        if not isinstance(statement, L.LogicalPlan):
            raise NotImplementedError("EXPLAIN of a command")
        text = session._dataframe(statement)._explain_string(args["mode"])
        return _rows(session, [(text,)], "plan string")
    raise NotImplementedError(f"the SQL statement {kind}")




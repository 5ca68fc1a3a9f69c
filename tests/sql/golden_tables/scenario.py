"""One session's life with catalog tables, written against PySpark's API: each step's rows (sorted) or
the error condition it raised. ``generate.py`` runs it on PySpark 4.3 into ``golden.json``;
``tests/sql/test_tables.py`` runs it on sparklite and compares."""


def _rows(df) -> list:
    return sorted((list(r) for r in df.collect()), key=repr)


def steps(spark) -> list:
    """(name, thunk) pairs, run in order; a thunk returns a value to compare (None for none)."""
    sql = spark.sql
    data = spark.createDataFrame([(1, "a", 10.5), (2, "b", 20.0), (3, "a", None)], "id int, k string, v double")
    return [
        ("create", lambda: sql("CREATE TABLE t1 (id INT, name STRING) USING parquet")),
        ("empty", lambda: _rows(sql("SELECT * FROM t1"))),
        ("insert values", lambda: sql("INSERT INTO t1 VALUES (1, 'x'), (2, 'y')")),
        ("insert select", lambda: sql("INSERT INTO TABLE t1 SELECT id + 10, upper(name) FROM t1")),
        ("read", lambda: _rows(sql("SELECT * FROM t1"))),
        ("qualified", lambda: _rows(sql("SELECT id FROM default.t1 WHERE name = 'Y'"))),
        ("insert columns", lambda: sql("INSERT INTO t1 (name, id) VALUES ('z', 99)")),
        ("after columns", lambda: _rows(sql("SELECT * FROM t1 WHERE id > 50"))),
        ("cast on insert", lambda: sql("INSERT INTO t1 SELECT '7', 8")),
        ("after cast", lambda: _rows(sql("SELECT * FROM t1 WHERE id = 7"))),
        ("overwrite", lambda: sql("INSERT OVERWRITE TABLE t1 SELECT id, name FROM t1 WHERE id < 3")),
        ("after overwrite", lambda: _rows(sql("SELECT * FROM t1"))),
        ("too many columns", lambda: sql("INSERT INTO t1 SELECT 1, 'a', 2")),
        ("create again", lambda: sql("CREATE TABLE t1 (id INT) USING parquet")),
        ("create if not exists", lambda: sql("CREATE TABLE IF NOT EXISTS t1 (id INT) USING parquet")),
        ("ctas", lambda: sql("CREATE TABLE t2 USING parquet PARTITIONED BY (k) AS "
                             "SELECT id, v, k FROM VALUES (1, 1.5D, 'p'), (2, 2.5D, 'q') AS s(id, v, k)")),
        ("ctas rows", lambda: _rows(sql("SELECT * FROM t2"))),
        ("ctas schema", lambda: [f.simpleString() for f in sql("SELECT * FROM t2").schema.fields]),
        ("describe", lambda: _rows(sql("DESCRIBE t2"))),
        ("partition pruned", lambda: _rows(sql("SELECT id FROM t2 WHERE k = 'q'"))),
        ("save as table", lambda: data.write.saveAsTable("t3")),
        ("saved", lambda: _rows(spark.table("t3"))),
        ("save exists", lambda: data.write.saveAsTable("t3")),
        ("save append", lambda: data.select("v", "k", "id").write.mode("append").saveAsTable("t3")),
        ("appended by name", lambda: _rows(spark.table("t3"))),
        ("save ignore", lambda: data.limit(1).write.mode("ignore").saveAsTable("t3")),
        ("save overwrite", lambda: data.limit(1).select("id").write.mode("overwrite").saveAsTable("t3")),
        ("overwritten", lambda: _rows(spark.table("t3"))),
        ("insert into", lambda: spark.range(5, 7).selectExpr("CAST(id AS INT)").write.insertInto("t3")),
        ("inserted", lambda: _rows(spark.table("t3"))),
        ("insert into overwrite", lambda: spark.range(1).selectExpr("42").write.insertInto("t3", overwrite=True)),
        ("overwritten again", lambda: _rows(spark.table("t3"))),
        ("list", lambda: sorted((t.name, t.tableType, t.isTemporary) for t in spark.catalog.listTables())),
        ("exists", lambda: [spark.catalog.tableExists("t2"), spark.catalog.tableExists("nope")]),
        ("view shadows", lambda: spark.range(1).createOrReplaceTempView("t2")),
        ("shadowed", lambda: _rows(sql("SELECT * FROM t2"))),
        ("qualified not shadowed", lambda: _rows(sql("SELECT id FROM spark_catalog.default.t2"))),
        ("show", lambda: _rows(sql("SHOW TABLES"))),
        ("drop view", lambda: sql("DROP VIEW t2")),
        ("drop", lambda: sql("DROP TABLE t2")),
        ("dropped", lambda: _rows(sql("SELECT * FROM t2"))),
        ("drop missing", lambda: sql("DROP TABLE t2")),
        ("drop if exists", lambda: sql("DROP TABLE IF EXISTS t2")),
        ("missing insert", lambda: sql("INSERT INTO nope VALUES (1)")),
        ("recreate dropped", lambda: sql("CREATE TABLE t2 (a INT) USING parquet")),
        ("recreated empty", lambda: _rows(sql("SELECT * FROM t2"))),
        ("v2 create", lambda: data.writeTo("t4").using("parquet").partitionedBy("k").create()),
        ("v2 created", lambda: _rows(spark.table("t4"))),
        ("v2 create exists", lambda: data.writeTo("t4").using("parquet").create()),
        ("v2 append", lambda: data.limit(1).select("v", "id", "k").writeTo("t4").append()),
        ("v2 appended", lambda: _rows(spark.table("t4"))),
        ("v2 overwrite partitions", lambda: spark.createDataFrame([(9, "a", 0.5)], "id int, k string, v double")
         .writeTo("t4").overwritePartitions()),
        ("v2 partitions replaced", lambda: _rows(spark.table("t4"))),
        ("v2 replace", lambda: data.select("id").writeTo("t4").using("parquet").replace()),
        ("v2 replaced", lambda: _rows(spark.table("t4"))),
        ("v2 replace missing", lambda: data.writeTo("t5").using("parquet").replace()),
        ("v2 create or replace", lambda: data.select("k").writeTo("t5").using("parquet").createOrReplace()),
        ("v2 created or replaced", lambda: _rows(spark.table("t5"))),
        ("v2 append missing", lambda: data.writeTo("t6").append()),
        ("dynamic overwrite", lambda: (sql("SET spark.sql.sources.partitionOverwriteMode=dynamic"),
                                       sql("INSERT OVERWRITE TABLE t4 SELECT 9, 0.5, 'a'"),
                                       sql("SET spark.sql.sources.partitionOverwriteMode=static")) and None),
        ("dynamic overwritten", lambda: _rows(spark.table("t4"))),
        ("static overwrite", lambda: sql("INSERT OVERWRITE TABLE t4 SELECT 8, 0.25, 'c'")),
        ("static overwritten", lambda: _rows(spark.table("t4"))),
    ]


def run(spark) -> list:
    """[name, result] per step: ``{"value": ...}`` or ``{"error": condition}``."""
    out = []
    for name, thunk in steps(spark):
        try:
            value = thunk()
            value = value if isinstance(value, (list, type(None))) else None
            out.append([name, {"value": value}])
        except Exception as e:  # every failure is an answer to compare
            condition = getattr(e, "getCondition", lambda: None)() or getattr(e, "getErrorClass", lambda: None)()
            out.append([name, {"error": condition or type(e).__name__}])
    return out

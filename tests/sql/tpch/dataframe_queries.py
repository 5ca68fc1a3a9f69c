"""TPC-H queries written with the DataFrame API, for PySpark and sparklite alike.

Contract: ``DATAFRAME_QUERIES`` maps a query's name (``q01``) to a function of a session whose 8 TPC-H
tables are registered as temporary views (``register_tables``); it returns a DataFrame whose answer
is the SQL query's, column names and types included, so both forms share one golden file. The
functions, column helpers and windows are taken from the session's own package (``pyspark.sql`` or
``sparklite.sql``), so the same code runs on either engine. Literals that the SQL text writes as
decimals (``7.0``, ``100.00``) are ``Decimal`` here, since a Python float would make a double column.
"""
from __future__ import annotations

import datetime
import importlib
from decimal import Decimal


def api_of(spark):
    """``(functions, Window)`` of the package ``spark`` comes from."""
    package = type(spark).__module__.split(".")[0]
    return importlib.import_module(f"{package}.sql.functions"), importlib.import_module(f"{package}.sql.window").Window


def _revenue(F):
    return F.col("l_extendedprice") * (1 - F.col("l_discount"))


def q01(spark):
    F, _ = api_of(spark)
    return (spark.table("lineitem")
            .where(F.col("l_shipdate") <= F.date_sub(F.lit(datetime.date(1998, 12, 1)), 90))
            .groupBy("l_returnflag", "l_linestatus")
            .agg(F.sum("l_quantity").alias("sum_qty"),
                 F.sum("l_extendedprice").alias("sum_base_price"),
                 F.sum(_revenue(F)).alias("sum_disc_price"),
                 F.sum(_revenue(F) * (1 + F.col("l_tax"))).alias("sum_charge"),
                 F.avg("l_quantity").alias("avg_qty"),
                 F.avg("l_extendedprice").alias("avg_price"),
                 F.avg("l_discount").alias("avg_disc"),
                 F.count("*").alias("count_order"))
            .orderBy("l_returnflag", "l_linestatus"))


def q03(spark):
    F, _ = api_of(spark)
    day = F.lit(datetime.date(1995, 3, 15))
    customers = spark.table("customer").where(F.col("c_mktsegment") == "BUILDING")
    orders = spark.table("orders").where(F.col("o_orderdate") < day)
    lines = spark.table("lineitem").where(F.col("l_shipdate") > day)
    return (customers.join(orders, F.col("c_custkey") == F.col("o_custkey"))
            .join(lines, F.col("l_orderkey") == F.col("o_orderkey"))
            .groupBy("l_orderkey", "o_orderdate", "o_shippriority")
            .agg(F.sum(_revenue(F)).alias("revenue"))
            .select("l_orderkey", "revenue", "o_orderdate", "o_shippriority")
            .orderBy(F.col("revenue").desc(), "o_orderdate")
            .limit(10))


def q05(spark):
    F, _ = api_of(spark)
    orders = spark.table("orders").where((F.col("o_orderdate") >= F.lit(datetime.date(1994, 1, 1)))
                                         & (F.col("o_orderdate") < F.lit(datetime.date(1995, 1, 1))))
    asia = spark.table("region").where(F.col("r_name") == "ASIA")
    return (spark.table("customer")
            .join(orders, F.col("c_custkey") == F.col("o_custkey"))
            .join(spark.table("lineitem"), F.col("l_orderkey") == F.col("o_orderkey"))
            .join(spark.table("supplier"), (F.col("l_suppkey") == F.col("s_suppkey"))
                  & (F.col("c_nationkey") == F.col("s_nationkey")))
            .join(spark.table("nation"), F.col("s_nationkey") == F.col("n_nationkey"))
            .join(asia, F.col("n_regionkey") == F.col("r_regionkey"))
            .groupBy("n_name")
            .agg(F.sum(_revenue(F)).alias("revenue"))
            .orderBy(F.col("revenue").desc()))


def q06(spark):
    F, _ = api_of(spark)
    return (spark.table("lineitem")
            .where((F.col("l_shipdate") >= F.lit(datetime.date(1994, 1, 1)))
                   & (F.col("l_shipdate") < F.lit(datetime.date(1995, 1, 1)))
                   & F.col("l_discount").between(Decimal("0.05"), Decimal("0.07"))
                   & (F.col("l_quantity") < 24))
            .agg(F.sum(F.col("l_extendedprice") * F.col("l_discount")).alias("revenue")))


def q10(spark):
    F, _ = api_of(spark)
    orders = spark.table("orders").where((F.col("o_orderdate") >= F.lit(datetime.date(1993, 10, 1)))
                                         & (F.col("o_orderdate") < F.lit(datetime.date(1994, 1, 1))))
    returned = spark.table("lineitem").where(F.col("l_returnflag") == "R")
    return (spark.table("customer")
            .join(orders, F.col("c_custkey") == F.col("o_custkey"))
            .join(returned, F.col("l_orderkey") == F.col("o_orderkey"))
            .join(spark.table("nation"), F.col("c_nationkey") == F.col("n_nationkey"))
            .groupBy("c_custkey", "c_name", "c_acctbal", "c_phone", "n_name", "c_address", "c_comment")
            .agg(F.sum(_revenue(F)).alias("revenue"))
            .select("c_custkey", "c_name", "revenue", "c_acctbal", "n_name", "c_address", "c_phone", "c_comment")
            .orderBy(F.col("revenue").desc())
            .limit(20))


def q12(spark):
    F, _ = api_of(spark)
    high = F.col("o_orderpriority").isin("1-URGENT", "2-HIGH")
    lines = spark.table("lineitem").where(
        F.col("l_shipmode").isin("MAIL", "SHIP")
        & (F.col("l_commitdate") < F.col("l_receiptdate"))
        & (F.col("l_shipdate") < F.col("l_commitdate"))
        & (F.col("l_receiptdate") >= F.lit(datetime.date(1994, 1, 1)))
        & (F.col("l_receiptdate") < F.lit(datetime.date(1995, 1, 1))))
    return (spark.table("orders").join(lines, F.col("o_orderkey") == F.col("l_orderkey"))
            .groupBy("l_shipmode")
            .agg(F.sum(F.when(high, 1).otherwise(0)).alias("high_line_count"),
                 F.sum(F.when(~high, 1).otherwise(0)).alias("low_line_count"))
            .orderBy("l_shipmode"))


def q13(spark):
    F, _ = api_of(spark)
    orders = spark.table("orders").where(~F.col("o_comment").like("%special%requests%"))
    per_customer = (spark.table("customer")
                    .join(orders, F.col("c_custkey") == F.col("o_custkey"), "left_outer")
                    .groupBy("c_custkey")
                    .agg(F.count("o_orderkey").alias("c_count")))
    return (per_customer.groupBy("c_count")
            .agg(F.count("*").alias("custdist"))
            .orderBy(F.col("custdist").desc(), F.col("c_count").desc()))


def q14(spark):
    F, _ = api_of(spark)
    lines = spark.table("lineitem").where((F.col("l_shipdate") >= F.lit(datetime.date(1995, 9, 1)))
                                          & (F.col("l_shipdate") < F.lit(datetime.date(1995, 10, 1))))
    promo = F.when(F.col("p_type").startswith("PROMO"), _revenue(F)).otherwise(0)
    return (lines.join(spark.table("part"), F.col("l_partkey") == F.col("p_partkey"))
            .agg((F.lit(Decimal("100.00")) * F.sum(promo) / F.sum(_revenue(F))).alias("promo_revenue")))


def q17(spark):
    """The correlated average as a window over each part's lines."""
    F, Window = api_of(spark)
    parts = spark.table("part").where((F.col("p_brand") == "Brand#23") & (F.col("p_container") == "MED BOX"))
    lines = (spark.table("lineitem").join(parts, F.col("l_partkey") == F.col("p_partkey"))
             .withColumn("part_avg", F.avg("l_quantity").over(Window.partitionBy("l_partkey"))))
    return (lines.where(F.col("l_quantity") < F.lit(Decimal("0.2")) * F.col("part_avg"))
            .agg((F.sum("l_extendedprice") / F.lit(Decimal("7.0"))).alias("avg_yearly")))


def q18(spark):
    F, _ = api_of(spark)
    lines = spark.table("lineitem")
    large = (lines.groupBy("l_orderkey").agg(F.sum("l_quantity").alias("order_qty"))
             .where(F.col("order_qty") > 300)
             .select(F.col("l_orderkey").alias("large_orderkey")))
    return (spark.table("customer")
            .join(spark.table("orders"), F.col("c_custkey") == F.col("o_custkey"))
            .join(large, F.col("o_orderkey") == F.col("large_orderkey"), "left_semi")
            .join(lines, F.col("o_orderkey") == F.col("l_orderkey"))
            .groupBy("c_name", "c_custkey", "o_orderkey", "o_orderdate", "o_totalprice")
            .agg(F.sum("l_quantity").alias("sum_qty"))
            .orderBy(F.col("o_totalprice").desc(), "o_orderdate")
            .limit(100))


DATAFRAME_QUERIES = {"q01": q01, "q03": q03, "q05": q05, "q06": q06, "q10": q10, "q12": q12, "q13": q13,
                     "q14": q14, "q17": q17, "q18": q18}

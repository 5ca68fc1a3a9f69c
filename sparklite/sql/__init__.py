"""Spark SQL and the DataFrame API (``pyspark.sql``) on Arrow record batches.

    from sparklite.sql import SparkSession, functions as F
    spark = SparkSession.builder.master("local[2]").getOrCreate()
    spark.range(5).select((F.col("id") * 2).alias("twice")).show()

The libraries above SQL (``sparklite.ml``, and streaming and graph as they come) use the public
DataFrame API plus one developer function: ``sparklite.sql.dataframe.arrow_batches(df)``, the
DataFrame's rows as a ``ColumnarRDD`` of Arrow record batches (a cached DataFrame's batches as kept),
for jobs of their own over them.
"""
from sparklite.sql import functions, types
from sparklite.sql.catalog import Catalog
from sparklite.sql.column import Column
from sparklite.sql.conf import RuntimeConfig
from sparklite.sql.dataframe import DataFrame
from sparklite.sql.session import SparkSession
from sparklite.sql.group import GroupedData
from sparklite.sql.observation import Observation
from sparklite.sql.types import Row
from sparklite.sql.window import Window, WindowSpec

__all__ = ["SparkSession", "DataFrame", "Column", "Row", "Catalog", "RuntimeConfig", "GroupedData", "Observation", "Window",
           "WindowSpec", "functions", "types"]

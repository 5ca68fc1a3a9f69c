"""Structured Streaming (``pyspark.sql.streaming``): a stream is a series of micro-batches, each an
ordinary DataFrame job over exactly the rows between two offsets, with state kept in the checkpoint.

    from sparklite.sql import SparkSession, functions as F
    spark = SparkSession.builder.master("local[2]").getOrCreate()
    counts = spark.readStream.format("rate").load().groupBy(F.window("timestamp", "10 seconds")).count()
    query = counts.writeStream.outputMode("complete").format("console").start()

The seed's DStream API (``pyspark.streaming``: ``StreamingContext``, ``DStream``) is here too, on the
RDD core. The SQL layer reaches this library through ``sparklite.sql.streams`` (``spark.readStream``,
``df.writeStream``, ``spark.streams``): importing it registers it there.
"""
import sys as _sys

from sparklite.sql import streams as _streams
from sparklite.streaming.context import StreamingContext
from sparklite.streaming.dstream import DStream
from sparklite.streaming.listener import StreamingQueryListener
from sparklite.streaming.manager import StreamingQueryManager, stop_queries
from sparklite.streaming.progress import StreamingQueryProgress
from sparklite.streaming.query import StreamingQuery
from sparklite.streaming.readwriter import DataStreamReader, DataStreamWriter
from sparklite.streaming.sources import MemoryStream, Source

__all__ = ["DStream", "DataStreamReader", "DataStreamWriter", "MemoryStream", "Source", "StreamingContext",
           "StreamingQuery", "StreamingQueryListener", "StreamingQueryManager", "StreamingQueryProgress",
           "stop_queries"]

_streams.register(_sys.modules[__name__])

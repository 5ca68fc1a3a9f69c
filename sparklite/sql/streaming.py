"""``pyspark.sql.streaming`` under sparklite's name, so that ``from sparklite.sql.streaming import
StreamingQueryListener`` works as the PySpark import it replaces. Structured Streaming is the library
``sparklite.streaming`` above SQL; this facade only re-exports it (nothing in SQL imports it).
"""
from sparklite.streaming import (DataStreamReader, DataStreamWriter, StreamingQuery,  # noqa: F401
                                 StreamingQueryListener, StreamingQueryManager, StreamingQueryProgress)

__all__ = ["DataStreamReader", "DataStreamWriter", "StreamingQuery", "StreamingQueryListener",
           "StreamingQueryManager", "StreamingQueryProgress"]

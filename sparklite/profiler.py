"""PySpark's ``pyspark.profiler``: the profiler classes ``spark.python.profile`` uses."""
from sparklite.core.profiler import BasicProfiler, Profiler, ProfilerCollector, PStatsParam  # noqa: F401

__all__ = ["BasicProfiler", "Profiler", "ProfilerCollector", "PStatsParam"]

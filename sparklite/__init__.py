"""sparklite: Apache Spark's programming model in Python, on Arrow memory, without a JVM.

Change ``pyspark`` to ``sparklite`` in your imports::

    from sparklite import SparkContext
    sc = SparkContext("local[2]", "example")
    sc.parallelize(range(10)).map(lambda x: x * x).sum()
"""
from sparklite.core.accumulators import Accumulator, AccumulatorParam
from sparklite.core.barrier import BarrierTaskContext, BarrierTaskInfo, RDDBarrier
from sparklite.core.broadcast import Broadcast
from sparklite.core.conf import SparkConf
from sparklite.core.context import SparkContext, __version__
from sparklite.core.inheritable import InheritableThread, inheritable_thread_target
from sparklite.core.errors import JobCancelledError, SparkJobError, TaskNotSerializableError
from sparklite.core.partitioner import HashPartitioner, Partitioner, RangePartitioner
from sparklite.core.profiler import BasicProfiler, Profiler
from sparklite.core.rdd import RDD
from sparklite.core.rdd_pairs import ResultIterable
from sparklite.core.sparkfiles import SparkFiles
from sparklite.core.stats import StatCounter
from sparklite.core.storagelevel import StorageLevel
from sparklite.core.taskcontext import TaskContext

from sparklite.alias import install_pyspark_alias
from sparklite.core.api import on_context_start
from sparklite import ui as _ui

on_context_start(_ui.start)    # every context serves its web UI and writes its event log (spark.ui.*, spark.eventLog.*)

__all__ = ["install_pyspark_alias", "Accumulator", "AccumulatorParam", "BarrierTaskContext", "BarrierTaskInfo", "BasicProfiler", "Broadcast", "Profiler", "RDDBarrier", "HashPartitioner", "JobCancelledError", "Partitioner",
           "RDD", "RangePartitioner", "ResultIterable", "SparkConf", "SparkContext", "SparkFiles", "SparkJobError",
           "StatCounter", "StorageLevel", "TaskContext", "TaskNotSerializableError", "__version__",
           "InheritableThread", "inheritable_thread_target"]

"""The Python profiler (``spark.python.profile``): cProfile statistics of the tasks, per RDD.

Contract (PySpark's): with ``spark.python.profile=true`` the context keeps a ``ProfilerCollector``.
When a stage's tasks are made, the scheduler asks it for the profiler of the stage's RDD
(``profiler_cls(sc)``, once per RDD); the profiler travels in the task binary and every task runs
under ``profiler.profile``. ``BasicProfiler`` sends each task's ``pstats.Stats`` back through an
accumulator, so stats add up over every task and job that ran the RDD. ``sc.show_profiles()``
prints the ones not shown yet, ``sc.dump_profiles(path)`` writes ``rdd_<id>.pstats`` files; at
exit the profiles are shown, or dumped to ``spark.python.profile.dump``. With profiling off both
raise PySpark's ``INCORRECT_CONF_FOR_PROFILE`` error.
"""
from __future__ import annotations

import atexit
import cProfile
import os
import pstats
import threading

from sparklite.core.accumulators import AccumulatorParam


class Profiler:
    """What a profiler class provides (PySpark's ``pyspark.profiler.Profiler``)."""

    def __init__(self, ctx):
        pass

    def profile(self, func, *args, **kwargs):
        """Run ``func`` and record its profile; return what it returns."""
        raise NotImplementedError

    def stats(self):
        """The statistics collected so far."""
        raise NotImplementedError

    def show(self, id: int) -> None:
        """Print the statistics of RDD ``id``."""
        stats = self.stats()
        if stats:
            print("=" * 60)
            print("Profile of RDD<id=%d>" % id)
            print("=" * 60)
            stats.sort_stats("time", "cumulative").print_stats()

    def dump(self, id: int, path: str) -> None:
        """Write the statistics of RDD ``id`` to ``<path>/rdd_<id>.pstats``."""
        os.makedirs(path, exist_ok=True)
        stats = self.stats()
        if stats:
            stats.dump_stats(os.path.join(path, "rdd_%d.pstats" % id))


class PStatsParam(AccumulatorParam):
    """Adds ``pstats.Stats`` together (None is nothing yet)."""

    @staticmethod
    def zero(value):
        return None

    @staticmethod
    def addInPlace(value1, value2):
        if value1 is None:
            return value2
        value1.add(value2)
        return value1


class BasicProfiler(Profiler):
    """cProfile around each task, statistics merged on the driver through an accumulator."""

    def __init__(self, ctx):
        super().__init__(ctx)
        self._accumulator = ctx.accumulator(None, PStatsParam)

    def profile(self, func, *args, **kwargs):
        profile = cProfile.Profile()
        result = profile.runcall(func, *args, **kwargs)
        stats = pstats.Stats(profile)
        stats.stream = None      # travels back to the driver
        stats.strip_dirs()
        self._accumulator.add(stats)
        return result

    def stats(self):
        return self._accumulator.value


class ProfilerCollector:
    """The driver's profilers, one per profiled RDD, in the order they were made."""

    def __init__(self, ctx, profiler_cls, dump_path: str | None):
        self._ctx = ctx
        self._profiler_cls = profiler_cls
        self._dump_path = dump_path
        self._profilers: list[list] = []     # [rdd id, profiler, shown]
        self._by_rdd: dict[int, Profiler] = {}
        self._lock = threading.Lock()
        self._exit_hook = False

    def profiler_for(self, rdd) -> Profiler:
        with self._lock:
            profiler = self._by_rdd.get(rdd._id)
            if profiler is None:
                profiler = self._by_rdd[rdd._id] = self._profiler_cls(self._ctx)
                self._profilers.append([rdd._id, profiler, False])
                if not self._exit_hook:
                    self._exit_hook = True
                    if self._dump_path:
                        atexit.register(self.dump_profiles, self._dump_path)
                    else:
                        atexit.register(self.show_profiles)
            return profiler

    def show_profiles(self) -> None:
        for entry in self._profilers:
            rdd_id, profiler, shown = entry
            if not shown and profiler:
                profiler.show(rdd_id)
                entry[2] = True

    def dump_profiles(self, path: str) -> None:
        for rdd_id, profiler, _ in self._profilers:
            profiler.dump(rdd_id, path)
        with self._lock:
            self._profilers, self._by_rdd = [], {}

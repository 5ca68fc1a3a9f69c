"""SparkContext: the driver's entry point, PySpark's ``SparkContext`` API.

Contract: one active context per process (``getOrCreate`` returns it). Creating one parses the
master URL, starts the backend's executors, the DAG scheduler's event loop and the listener bus.
Every action ends in ``run_job(rdd, func, partitions)``, which submits a job with the calling
thread's local properties (job group, description, tags), blocks until it ends, runs pending
checkpoints and returns one value per partition. Data sources (``parallelize``, ``range``,
``textFile``, ...) only describe partitions; nothing is read until a job runs.
"""
from __future__ import annotations

import atexit
import getpass
import logging
import os
import posixpath
import re
import shutil
import tempfile
import threading
import time
import uuid
import weakref

from sparklite.core import accumulators, files
from sparklite.core import rdds as kinds
from sparklite.core import listener as ev
from sparklite.core.accumulators import Accumulator
from sparklite.core.broadcast import Broadcast
from sparklite.core.cleaner import Cleaner
from sparklite.core import conf as conf_module
from sparklite.core.conf import SparkConf
from sparklite.core.errors import CONTEXT_IN_CLOSURE_MESSAGE, PySparkRuntimeError
from sparklite.core.scheduler.dag import CancelJobs, DAGScheduler
from sparklite.core.sparkfiles import SparkFiles
from sparklite.core.progress import ConsoleProgressBar
from sparklite.core.progress import wanted as progress_wanted
from sparklite.core.status import JobProgressListener, StatusTracker
from sparklite.core.storage.registry import BlockRegistry

__version__ = "0.1.0"
log = logging.getLogger("sparklite")
_LOCAL_MASTER = re.compile(r"^local(?:\[(\d+|\*)(?:\s*,\s*(\d+))?\])?$")
_LOCAL_CLUSTER_MASTER = re.compile(r"^local-cluster\[\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*\]$")
_LOG_LEVELS = {"ALL": logging.NOTSET, "DEBUG": logging.DEBUG, "ERROR": logging.ERROR, "FATAL": logging.CRITICAL,
               "INFO": logging.INFO, "OFF": logging.CRITICAL + 10, "TRACE": logging.DEBUG, "WARN": logging.WARNING}
_NOT_SUPPORTED = ("is a Hadoop input/output format API that sparklite does not provide; "
                  "read files with textFile/binaryFiles or write with saveAsTextFile/saveAsPickleFile")


# Called with each new context before its first event: a layer above (the web UI, the event log)
# returns an object to stop with the context, or None (``api.on_context_start``).
_EXTENSION_HOOKS: list = []


def _shared_memory_root() -> str:
    """Where a local executor keeps blocks its Python workers map: shared memory when the system has it."""
    return "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else tempfile.gettempdir()


def _system_properties() -> dict:
    """The driver's runtime, for the environment page of a UI and the event log."""
    import platform
    import sys
    return {"python.version": platform.python_version(), "python.executable": sys.executable,
            "os.name": platform.system(), "os.version": platform.release(), "os.arch": platform.machine(),
            "user.name": getpass.getuser(), "user.dir": os.getcwd(), "sparklite.version": __version__}


def _load_listener(name: str, conf):
    """An instance of the listener class ``module.Class`` (``spark.extraListeners``), made with the
    configuration if its constructor takes one argument, else with none."""
    import importlib
    import inspect
    module, _, attribute = name.rpartition(".")
    try:
        cls = getattr(importlib.import_module(module), attribute)
    except (ImportError, AttributeError, ValueError) as e:
        raise ValueError(f"spark.extraListeners: cannot load the listener class {name!r}: {e}") from e
    try:
        takes_conf = len(inspect.signature(cls).parameters) == 1
    except (TypeError, ValueError):
        takes_conf = False
    return cls(conf) if takes_conf else cls()


def _parse_local_master(master: str):
    match = _LOCAL_MASTER.match(master.strip())
    if not match:
        return None
    cores = match.group(1)
    cores = os.cpu_count() or 1 if cores == "*" else int(cores) if cores else 1
    if cores < 1:
        raise ValueError(f"Invalid master URL {master!r}: the number of cores must be positive")
    return cores, int(match.group(2)) if match.group(2) else None


class SparkContext:
    """The driver's handle on a sparklite application: it starts the executors and the scheduler,
    turns data and files into RDDs, ships broadcast variables and accumulators, and runs every job.

    One context may be active per process (a second raises ValueError until the first is stopped;
    ``getOrCreate`` returns the active one). ``master`` chooses where tasks run: ``local``,
    ``local[N]``, ``local[*]``, ``local[N,F]`` (F attempts per task), ``local-cluster[E,C,MiB]`` (E
    executor processes of C cores) or ``ray``, ``ray:auto``, ``ray://host:port``; without one it is
    ``ray``. ``appName``, ``sparkHome``, ``pyFiles``, ``environment`` and ``conf`` are as in
    PySpark; ``serializer``, ``gateway``, ``jsc`` and the UDF and memory profiler classes are
    accepted and ignored. ``master``, ``appName`` and ``startTime`` (ms since the epoch) are plain
    attributes. Used in a ``with`` block, the context is stopped at its end.

    Example::

        with SparkContext("local[4]", "word count") as sc:
            words = sc.textFile("book.txt").flatMap(str.split)
            counts = words.map(lambda w: (w, 1)).reduceByKey(lambda a, b: a + b)
    """
    _active: "SparkContext | None" = None
    _lock = threading.RLock()
    PACKAGE_EXTENSIONS = (".zip", ".egg", ".jar")

    def __init__(self, master=None, appName=None, sparkHome=None, pyFiles=None, environment=None,
                 batchSize=0, serializer=None, conf=None, gateway=None, jsc=None, profiler_cls=None,
                 udf_profiler_cls=None, memory_profiler_cls=None):
        from sparklite.core.taskcontext import TaskContext
        if TaskContext.get() is not None and not (conf and conf.get_bool("spark.executor.allowSparkContext", False)):
            raise PySparkRuntimeError(errorClass="CONTEXT_ONLY_VALID_ON_DRIVER")
        with SparkContext._lock:
            if SparkContext._active is not None:
                raise ValueError(f"Cannot run multiple SparkContexts at once; existing SparkContext"
                                 f"(app={SparkContext._active.appName}, master={SparkContext._active.master})")
            self._conf = (conf or SparkConf()).copy()
            if master:
                self._conf.setMaster(master)
            if appName:
                self._conf.setAppName(appName)
            if sparkHome:
                self._conf.setSparkHome(sparkHome)
            for key, value in (environment or {}).items():
                self._conf.setExecutorEnv(key, value)
            self.master = self._conf.get("spark.master", "ray")
            self._conf.setIfMissing("spark.master", self.master)
            self.appName = self._conf.get("spark.app.name")
            if not self.appName:
                raise ValueError("An application name must be set in your configuration")
            self.environment = environment or {}
            self._profiler_cls = profiler_cls
            self._start(batchSize)
            SparkContext._active = self
        for path in list(pyFiles or ()) + [p for p in self._conf.get("spark.submit.pyFiles", "").split(",") if p]:
            self.addPyFile(path)        # spark.submit.pyFiles: what `sparklite submit --py-files` ships

    def _start(self, batch_size: int) -> None:
        parsed = _parse_local_master(self.master)
        cluster = _LOCAL_CLUSTER_MASTER.match(self.master.strip())
        is_ray = self.master == "ray" or self.master.startswith(("ray://", "ray:"))
        if parsed is None and cluster is None and not is_ray:
            raise ValueError(f"Could not parse master URL {self.master!r}; use local, local[N], local[*], "
                             f"local[N,F], local-cluster[N,C,M], ray, ray:auto or ray://host:port")
        if cluster is not None:
            instances, per_executor, memory_mb = map(int, cluster.groups())
            if not (instances > 0 and per_executor > 0 and memory_mb > 0):
                raise ValueError(f"Invalid master URL {self.master!r}: executors, cores and MiB must be positive")
            self._conf.setIfMissing("spark.executor.instances", instances)
            self._conf.setIfMissing("spark.executor.cores", per_executor)
            cores = instances * per_executor
        elif parsed is not None:
            cores, failures = parsed
            if failures is not None:
                self._conf.set("spark.task.maxFailures", failures)
            elif not self._conf.contains("spark.task.maxFailures"):
                self._conf.set("spark.task.maxFailures", 1)   # Spark's local mode does not retry tasks
        else:
            cores = self._conf.get_int("spark.executor.instances", 2) * self._conf.get_int("spark.executor.cores", 1)
        self._default_parallelism = self._conf.get_int("spark.default.parallelism", cores)
        self._batchSize = batch_size
        self._next_rdd = 0
        self._rdd_id_lock = threading.Lock()
        self._persistent_rdds = weakref.WeakValueDictionary()   # what Spark's getPersistentRDDs shows
        self._broadcasts = weakref.WeakValueDictionary()   # bid -> Broadcast, while the program holds it
        self._local = threading.local()
        self._checkpoint_dir = None
        self.startTime = int(time.time() * 1000)
        self._app_id = (f"local-{self.startTime}" if parsed is not None or cluster is not None
                        else f"app-{time.strftime('%Y%m%d%H%M%S')}-{os.getpid():04d}")
        self._conf.set("spark.app.id", self._app_id)
        self._added_files: list[str] = []
        self._added_archives: list[str] = []
        self._bus = ev.ListenerBus()
        self._progress = JobProgressListener()
        self._bus.add_listener(self._progress, synchronous=True)
        self._block_registry = BlockRegistry()
        self._files_dir = self._scheduler = self._backend = None
        self._extensions: list = []
        from sparklite.core import resources
        resources.check(self._conf)
        self._driver_resources = resources.discover(self._conf, "driver")
        if self._conf.get_int("spark.task.cpus", 1) > (cores if parsed is not None else
                                                      self._conf.get_int("spark.executor.cores", 1)):
            raise ValueError(f"The number of cores per executor has to be >= the number of cpus per task = "
                             f"{self._conf.get_int('spark.task.cpus', 1)}.")
        try:
            for name in filter(None, (n.strip() for n in self._conf.get("spark.extraListeners", "").split(","))):
                self._bus.add_listener(_load_listener(name, self._conf))
            self._files_dir = tempfile.mkdtemp(prefix=f"sparklite-{self._app_id}-files-")
            SparkFiles._root_directory = self._files_dir
            if cluster is not None:
                from sparklite.core.backends.local_cluster import LocalClusterBackend
                self._backend = LocalClusterBackend(instances, per_executor, memory_mb, self._conf,
                                                    self._broadcast_bytes, self._files_dir, _shared_memory_root())
            elif parsed is not None:
                from sparklite.core.backends.local import LocalBackend
                self._backend = LocalBackend(cores, self._conf, self._broadcast_value, self._broadcast_bytes,
                                             self._files_dir, _shared_memory_root())
            else:
                from sparklite.core.backends.ray_backend import RayBackend
                self._backend = RayBackend(self.master, self._conf)
            # after the backend (a local one forks its fork server while this is the only thread), before
            # any event, so that their listeners hear every one
            for hook in list(_EXTENSION_HOOKS):
                extension = hook(self)
                if extension is not None:
                    self._extensions.append(extension)
            self._bus.post(ev.ApplicationStart(self.appName, self._app_id, time.time(), self.sparkUser()))
            self._bus.post(ev.EnvironmentUpdate(dict(self._conf.getAll()), _system_properties()))
            self.profiler_collector = None
            if self._conf.get("spark.python.profile", "false").lower() == "true":
                from sparklite.core.profiler import BasicProfiler, ProfilerCollector
                self.profiler_collector = ProfilerCollector(self, self._profiler_cls or BasicProfiler,
                                                            self._conf.get("spark.python.profile.dump"))
            self._scheduler = DAGScheduler(self._backend, self._bus, self._conf, self._block_registry,
                                           profiler_for=self.profiler_collector and self.profiler_collector.profiler_for)
            self._scheduler.start()
            self._backend.start(self._scheduler)
        except BaseException:   # a context that fails to start releases what it started
            self._release()
            raise
        self._cleaner = Cleaner({"rdd": lambda rdd_id: self._remove_blocks("rdd", rdd_id),
                                 "shuffle": self._remove_shuffle, "broadcast": self._forget_broadcast},
                                enabled=self._conf.get_bool("spark.cleaner.referenceTracking", True))
        self._stopped = False
        self._progress_bar = ConsoleProgressBar(self.statusTracker()) if progress_wanted(self._conf) else None
        # Spark's shutdown hook: a program that ends without stop() still leaves no files behind.
        # Registered after the backend started, so it runs before Ray's own exit handler.
        atexit.register(self.stop)

    # -- lifecycle ----------------------------------------------------------------------------
    @classmethod
    def getOrCreate(cls, conf: SparkConf | None = None) -> "SparkContext":
        """Return the active SparkContext, or create one from ``conf`` (a default ``SparkConf()``
        when None) if there is none. ``conf`` is ignored when a context is already running."""
        with cls._lock:
            if cls._active is None:
                cls(conf=conf or SparkConf())
            return cls._active

    def stop(self) -> None:
        """Shut the application down: stop the scheduler, the executors and the listener bus, and
        delete the files added with ``addFile``. Calling it again does nothing; afterwards a new
        SparkContext may be created."""
        with SparkContext._lock:
            if self._stopped:
                return
            self._stopped = True
            atexit.unregister(self.stop)
            if self._progress_bar is not None:
                self._progress_bar.stop()
            self._bus.post(ev.ApplicationEnd(time.time()))
            self._cleaner.stop()
            self._release()
            if SparkContext._active is self:
                SparkContext._active = None

    def _release(self) -> None:
        """Stop the scheduler, the executors and the bus and remove this application's files;
        each part bounded in time, whatever its tasks are doing."""
        for part in (self._scheduler, self._backend):
            if part is not None:
                try:
                    part.stop()
                except Exception:   # the rest must still be released
                    log.warning("Could not stop %s cleanly", type(part).__name__, exc_info=True)
        self._bus.stop()
        for extension in self._extensions:
            try:
                extension.stop()
            except Exception:
                log.warning("Could not stop %s cleanly", type(extension).__name__, exc_info=True)
        if self._files_dir:
            shutil.rmtree(self._files_dir, ignore_errors=True)

    def __enter__(self) -> "SparkContext":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.stop()

    def __reduce__(self):
        raise RuntimeError(CONTEXT_IN_CLOSURE_MESSAGE)

    def __repr__(self) -> str:
        return f"<SparkContext master={self.master} appName={self.appName}>"

    # -- information --------------------------------------------------------------------------
    @property
    def version(self) -> str:
        """The version of sparklite (not of the Apache Spark release whose API it follows)."""
        return __version__

    @property
    def applicationId(self) -> str:
        """This run's id, also set as ``spark.app.id``: ``local-<start time in ms>`` on the local
        and local-cluster masters, ``app-<yyyyMMddHHmmss>-<pid>`` on Ray."""
        return self._app_id

    @property
    def uiWebUrl(self):
        """The address of this application's web UI (``http://127.0.0.1:4040`` unless that port was
        taken), or None when ``spark.ui.enabled`` is false."""
        return next((e.web_url for e in self._extensions if getattr(e, "web_url", None)), None)

    @property
    def defaultParallelism(self) -> int:
        """The partition count used when none is given (``parallelize``, ``range``; shuffles too
        when ``spark.default.parallelism`` is set). It is ``spark.default.parallelism`` if set, else
        the number of task slots: N for ``local[N]``, executors x cores for ``local-cluster``, and
        ``spark.executor.instances`` x ``spark.executor.cores`` (by default 2 x 1) on Ray."""
        return self._default_parallelism

    @property
    def defaultMinPartitions(self) -> int:
        """The partition count file readers aim for when ``minPartitions`` is not given:
        ``min(defaultParallelism, 2)``."""
        return min(self.defaultParallelism, 2)

    @property
    def resources(self) -> dict:
        """The driver's custom resources (GPUs, ...) configured with ``spark.driver.resource.*``, as
        a dict of name to ``ResourceInformation``; empty when there are none."""
        return dict(self._driver_resources)

    @property
    def listFiles(self) -> list:
        """The paths given to ``addFile`` and ``addPyFile``, as they were given, oldest first."""
        return list(self._added_files)

    @property
    def listArchives(self) -> list:
        """The paths given to ``addArchive``, as they were given, oldest first."""
        return list(self._added_archives)

    def sparkUser(self) -> str:
        """The user this application runs as: ``$SPARK_USER`` if set, else the login name."""
        return os.environ.get("SPARK_USER") or getpass.getuser()

    def getConf(self) -> SparkConf:
        """A copy of this context's configuration; changing the copy does not change the running
        context."""
        return self._conf.copy()

    def statusTracker(self) -> StatusTracker:
        """A ``StatusTracker`` for watching progress: the ids of active jobs and stages, the jobs of
        a job group, and the state of one job or stage."""
        return StatusTracker(self._progress)

    def addSparkListener(self, listener) -> None:
        """Register ``listener`` (a ``SparkListener`` subclass, or any object with
        ``onJobStart``-style methods) for the scheduler's events: application, jobs, stages, tasks,
        blocks and executors. Events reach it in order on the listener bus's own thread, not the
        caller's."""
        self._bus.add_listener(listener)

    def removeSparkListener(self, listener) -> None:
        """Stop delivering events to a listener added with ``addSparkListener``; unknown ones are
        ignored."""
        self._bus.remove_listener(listener)

    def setLogLevel(self, logLevel: str) -> None:
        """Set the level of the ``sparklite`` Python logger. ``logLevel`` is one of ALL, DEBUG,
        ERROR, FATAL, INFO, OFF, TRACE (same as DEBUG) or WARN, in any case; anything else raises
        ValueError."""
        level = _LOG_LEVELS.get(str(logLevel).upper())
        if level is None:
            raise ValueError(f"Supplied level {logLevel} did not match one of: {','.join(_LOG_LEVELS)}")
        logging.getLogger("sparklite").setLevel(level)

    @classmethod
    def setSystemProperty(cls, key: str, value: str) -> None:
        """Set a process-wide property (``value`` is stored as a string). ``spark.*`` keys are
        checked and become defaults of every ``SparkConf()`` made afterwards, so set them before
        creating the context."""
        conf_module.set_system_property(key, value)

    @classmethod
    def getSystemProperty(cls, key: str):
        """The value set with ``setSystemProperty`` for ``key``, or None."""
        return conf_module.get_system_property(key)

    def show_profiles(self) -> None:
        """Print the profile of every profiled RDD not shown yet. Needs
        ``spark.python.profile=true``; raises otherwise."""
        self._profilers().show_profiles()

    def dump_profiles(self, path: str) -> None:
        """Write the profile of every profiled RDD to ``<path>/rdd_<id>.pstats`` (readable with
        ``pstats``). Needs ``spark.python.profile=true``; raises otherwise."""
        self._profilers().dump_profiles(path)

    def _profilers(self):
        if self.profiler_collector is None:
            raise PySparkRuntimeError(errorClass="INCORRECT_CONF_FOR_PROFILE")
        return self.profiler_collector

    # -- local properties, job groups and cancellation ----------------------------------------
    def _properties(self) -> dict:
        props = getattr(self._local, "properties", None)
        if props is None:
            props = self._local.properties = {}
        return props

    def setLocalProperty(self, key: str, value) -> None:
        """Set a property that the jobs this thread starts from now on carry (job group,
        description, ``spark.scheduler.pool``, ...); ``value=None`` removes it. Each thread has its
        own properties and a new thread starts with none."""
        if value is None:
            self._properties().pop(key, None)
        else:
            self._properties()[key] = value

    def getLocalProperty(self, key: str):
        """This thread's value of the local property ``key``, or None."""
        return self._properties().get(key)

    def setJobGroup(self, groupId: str, description: str, interruptOnCancel: bool = False) -> None:
        """Put the jobs this thread starts from now on into group ``groupId``, described by
        ``description``, so ``cancelJobGroup(groupId)`` (from any thread) cancels them together.
        ``interruptOnCancel`` is recorded as in Spark; sparklite stops a cancelled job's tasks
        either way.

        Example::

            sc.setJobGroup("nightly", "rebuild the search index")
            index = docs.flatMap(tokens).distinct().collect()
            # meanwhile, in another thread: sc.cancelJobGroup("nightly")
        """
        self.setLocalProperty("spark.jobGroup.id", groupId)
        self.setLocalProperty("spark.job.description", description)
        self.setLocalProperty("spark.job.interruptOnCancel", str(interruptOnCancel).lower())

    def setJobDescription(self, value: str) -> None:
        """Describe the jobs this thread starts from now on; the text appears in listener events,
        the status tracker and the UI."""
        self.setLocalProperty("spark.job.description", value)

    def setInterruptOnCancel(self, interruptOnCancel: bool) -> None:
        """Record whether cancelling this thread's future jobs should interrupt their running tasks
        (the ``spark.job.interruptOnCancel`` property). sparklite stops a cancelled job's tasks
        either way."""
        self.setLocalProperty("spark.job.interruptOnCancel", str(interruptOnCancel).lower())

    def _tags(self) -> set:
        tags = self.getLocalProperty("spark.job.tags")
        return set(tags.split(",")) if tags else set()

    def addJobTag(self, tag: str) -> None:
        """Tag the jobs this thread starts from now on with ``tag`` (a thread may hold several
        tags), so ``cancelJobsWithTag(tag)`` can cancel them. Raises ValueError for an empty tag or
        one that contains a comma."""
        if not tag or "," in tag:
            raise ValueError(f"Spark job tag cannot be empty or contain ',': {tag!r}")
        self.setLocalProperty("spark.job.tags", ",".join(sorted(self._tags() | {tag})))

    def removeJobTag(self, tag: str) -> None:
        """Stop putting ``tag`` on this thread's new jobs; a tag that is not set is ignored."""
        self.setLocalProperty("spark.job.tags", ",".join(sorted(self._tags() - {tag})) or None)

    def getJobTags(self) -> set:
        """The set of tags this thread currently puts on new jobs."""
        return self._tags()

    def clearJobTags(self) -> None:
        """Remove every job tag of this thread."""
        self.setLocalProperty("spark.job.tags", None)

    def cancelJob(self, jobId: int, reason: str | None = None) -> None:
        """Cancel the active job ``jobId`` and stop its running tasks; the action waiting for it
        raises ``JobCancelledError`` mentioning ``reason``. Returns at once; ids of jobs that are
        not active are ignored."""
        self._scheduler.post(CancelJobs(job_id=jobId, reason=reason or f"job {jobId} cancelled"))

    def cancelJobGroup(self, groupId: str) -> None:
        """Cancel every active job of the group ``groupId`` (see ``setJobGroup``)."""
        self._scheduler.post(CancelJobs(group=groupId, reason=f"part of cancelled job group {groupId}"))

    def cancelJobsWithTag(self, tag: str) -> None:
        """Cancel every active job that carries ``tag`` (see ``addJobTag``)."""
        self._scheduler.post(CancelJobs(tag=tag, reason=f"part of cancelled job tag {tag}"))

    def cancelAllJobs(self) -> None:
        """Cancel every job that is running or waiting to run."""
        self._scheduler.post(CancelJobs(reason="as part of cancellation of all jobs"))

    # -- running jobs -------------------------------------------------------------------------
    def _next_rdd_id(self) -> int:
        with self._rdd_id_lock:
            self._next_rdd += 1
            return self._next_rdd - 1

    def run_job(self, rdd, func, partitions=None, properties: dict | None = None) -> list:
        """Run ``func(iterator)`` on each of ``partitions`` of ``rdd`` (all by default) and return the
        values in partition order; the developer API's way to run a job (see docs/developer-api.md).

        ``properties`` are added to the calling thread's local properties for this job only (job
        group, description, ``spark.sql.execution.id``, ...); listeners see them on ``JobStart``.
        """
        try:
            results = self.submit_job(rdd, func, partitions, properties).result()
        finally:
            if self._progress_bar is not None:
                self._progress_bar.finish_all()
        from sparklite.core.checkpoint import do_checkpoints
        do_checkpoints(self, rdd)
        return results

    def submit_job(self, rdd, func, partitions=None, properties: dict | None = None):
        """Start a job like ``run_job`` without waiting; returns its ``JobWaiter`` (``job_id``,
        ``result(timeout)``, ``done``, ``cancel()``)."""
        if self._stopped:
            raise RuntimeError("Cannot call methods on a stopped SparkContext")
        partitions = list(range(rdd.getNumPartitions()) if partitions is None else partitions)
        waiter = self._scheduler.submit_job(rdd, func, partitions, self._job_properties(properties))
        waiter.canceller = self.cancelJob
        return waiter

    def submit_map_stage(self, dependency, properties: dict | None = None):
        """Run only the map side of a shuffle (Spark's ``submitMapStage``): its ``JobWaiter``'s
        ``result()`` is the shuffle's ``MapOutputStatistics`` (bytes and rows per reduce partition).
        ``dependency`` is a ``ShuffleDependency`` or an RDD whose first dependency is one (a
        ``ColumnarRDD`` view of such an RDD too). The reduce side that reads it later finds the map
        outputs present and runs no map task again."""
        from sparklite.core.columnar import ColumnarRDD
        from sparklite.core.dependencies import ShuffleDependency
        while isinstance(dependency, ColumnarRDD):
            dependency = dependency.dependencies[0].rdd
        if not isinstance(dependency, ShuffleDependency):
            deps = getattr(dependency, "dependencies", None) or [None]
            if not isinstance(deps[0], ShuffleDependency):
                raise TypeError(f"submit_map_stage needs a ShuffleDependency or a shuffled RDD, got {dependency!r}")
            dependency = deps[0]
        if self._stopped:
            raise RuntimeError("Cannot call methods on a stopped SparkContext")
        waiter = self._scheduler.submit_map_stage(dependency, self._job_properties(properties))
        waiter.canceller = self.cancelJob
        return waiter

    def _job_properties(self, extra: dict | None) -> dict:
        properties = dict(self._properties())
        for key, value in (extra or {}).items():
            if value is None:
                properties.pop(key, None)
            else:
                properties[key] = value
        if "callSite.short" not in properties:   # the action and the user's line that ran it (the UI's job name)
            from sparklite.core.rdd import _user_callsite
            properties["callSite.short"] = _user_callsite()
        return properties

    def runJob(self, rdd, partitionFunc, partitions=None, allowLocal: bool = False) -> list:
        """Run ``partitionFunc(iterator)`` on the given partitions of ``rdd`` (all by default) and
        return everything it yields, partition after partition, in one list. ``allowLocal`` is
        ignored.

        >>> sc.runJob(sc.parallelize(range(6), 3), lambda it: [sum(it)], [0, 2])
        [1, 9]
        """
        parts = self.run_job(rdd, lambda it: list(partitionFunc(it)), partitions)
        return [x for part in parts for x in part]

    # -- creating RDDs ------------------------------------------------------------------------
    def parallelize(self, c, numSlices: int | None = None):
        """Distribute the local collection ``c`` as an RDD of ``numSlices`` partitions (default
        ``defaultParallelism``), keeping its order. ``c`` is read into a list at once; a ``range``
        is split into smaller ranges instead, without building the list.

        >>> sc.parallelize([1, 2, 3, 4], 2).glom().collect()
        [[1, 2], [3, 4]]
        """
        return kinds.ParallelCollectionRDD(self, c, self.defaultParallelism if numSlices is None else numSlices)

    def range(self, start: int, end: int | None = None, step: int = 1, numSlices: int | None = None):
        """An RDD of the integers of ``range(start, end, step)`` (with one argument, of
        ``range(start)``) in ``numSlices`` partitions, default ``defaultParallelism``.

        >>> sc.range(1, 7, 2).collect()
        [1, 3, 5]
        """
        if end is None:
            start, end = 0, start
        return self.parallelize(range(start, end, step), numSlices)

    def emptyRDD(self):
        """An RDD with no partitions and no records."""
        return kinds.EmptyRDD(self, [])

    def union(self, rdds: list):
        """One RDD with the records of every RDD in ``rdds``, in list order, duplicates kept. When
        all of them share a partitioner, partition i of the result holds partition i of each;
        otherwise their partitions are placed end to end. Unlike ``RDD.union``, the result never
        reports a partitioner.

        >>> sc.union([sc.parallelize([1, 2]), sc.parallelize([3])]).collect()
        [1, 2, 3]
        """
        rdd = kinds.union_of(self, list(rdds))
        rdd.partitioner = None   # PySpark's sc.union does not carry the partitioner to Python
        return rdd

    def textFile(self, name: str, minPartitions: int | None = None, use_unicode: bool = True):
        """An RDD of the lines of a text file, without their line breaks. ``name`` may be a file, a
        directory, a glob or a comma-separated list of them, local or on any filesystem pyarrow
        reaches (``s3://`` ...). ``.gz``, ``.bz2`` and ``.zst`` files are decompressed and not
        split; others are cut into byte ranges aiming at ``minPartitions`` partitions or more
        (default ``defaultMinPartitions``). With ``use_unicode=False`` lines are bytes.

        Example::

            errors = sc.textFile("logs/*.log").filter(lambda line: "ERROR" in line)
        """
        splits = files.text_splits(name, minPartitions or self.defaultMinPartitions, self._conf)
        policy = files.ReadPolicy.from_conf(self._conf)
        return kinds.SourceRDD(self, splits, lambda s: files.read_text_split(s, use_unicode, policy), f"TextFile {name}")

    def wholeTextFiles(self, path: str, minPartitions: int | None = None, use_unicode: bool = True):
        """An RDD of ``(file URI, whole content as str)`` pairs, one per file named by ``path`` (as
        in ``textFile``): for many small files. The files are grouped into about ``minPartitions``
        partitions of similar size. ``use_unicode`` is ignored: the content is always decoded as
        UTF-8."""
        groups = files.whole_file_splits(path, minPartitions or self.defaultMinPartitions, self._conf)
        policy = files.ReadPolicy.from_conf(self._conf)
        return kinds.SourceRDD(self, groups, lambda g: files.read_whole_files(g, True, policy), f"WholeTextFiles {path}")

    def binaryFiles(self, path: str, minPartitions: int | None = None):
        """An RDD of ``(file URI, content as bytes)`` pairs, one per file named by ``path`` (as in
        ``textFile``), grouped into about ``minPartitions`` partitions. Nothing is decompressed."""
        groups = files.whole_file_splits(path, minPartitions or self.defaultMinPartitions, self._conf)
        policy = files.ReadPolicy.from_conf(self._conf)
        return kinds.SourceRDD(self, groups, lambda g: files.read_whole_files(g, False, policy), f"BinaryFiles {path}")

    def binaryRecords(self, path: str, recordLength: int):
        """An RDD of fixed-length records: every file named by ``path`` cut into ``bytes`` of
        ``recordLength``. A file whose size is not a multiple of ``recordLength`` fails its task
        with ValueError."""
        if recordLength <= 0:
            raise ValueError(f"recordLength must be positive, got {recordLength}")
        def records(kv):
            name, data = kv
            if len(data) % recordLength:
                raise ValueError(f"{name} has {len(data)} bytes, not a multiple of the record length "
                                 f"{recordLength}")
            return [data[i:i + recordLength] for i in range(0, len(data), recordLength)]

        return self.binaryFiles(path).flatMap(records)

    def pickleFile(self, name: str, minPartitions: int | None = None):
        """The objects an ``RDD.saveAsPickleFile`` call wrote under ``name``, in at least
        ``minPartitions`` partitions when the files hold enough batches: files are cut into byte
        ranges as Hadoop cuts SequenceFiles. Files written by PySpark cannot be read (the format
        differs)."""
        splits = files.pickle_splits(name, minPartitions or self.defaultMinPartitions, self._conf)
        policy = files.ReadPolicy.from_conf(self._conf)
        return kinds.SourceRDD(self, splits, lambda s: files.read_pickle_split(s, policy), f"PickleFile {name}")

    def sequenceFile(self, *args, **kwargs):
        """Not provided: sparklite has no Hadoop input formats; raises NotImplementedError."""
        raise NotImplementedError("sequenceFile " + _NOT_SUPPORTED)

    def hadoopFile(self, *args, **kwargs):
        """Not provided: sparklite has no Hadoop input formats; raises NotImplementedError."""
        raise NotImplementedError("hadoopFile " + _NOT_SUPPORTED)

    def hadoopRDD(self, *args, **kwargs):
        """Not provided: sparklite has no Hadoop input formats; raises NotImplementedError."""
        raise NotImplementedError("hadoopRDD " + _NOT_SUPPORTED)

    def newAPIHadoopFile(self, *args, **kwargs):
        """Not provided: sparklite has no Hadoop input formats; raises NotImplementedError."""
        raise NotImplementedError("newAPIHadoopFile " + _NOT_SUPPORTED)

    def newAPIHadoopRDD(self, *args, **kwargs):
        """Not provided: sparklite has no Hadoop input formats; raises NotImplementedError."""
        raise NotImplementedError("newAPIHadoopRDD " + _NOT_SUPPORTED)

    # -- shared variables ---------------------------------------------------------------------
    def broadcast(self, value) -> Broadcast:
        """Ship ``value`` to the executors once, as a read-only ``Broadcast`` that tasks read
        through ``.value``, instead of sending a copy inside every task's closure. ``unpersist()``
        drops the executors' copies (they are fetched again if used), ``destroy()`` releases it for
        good.

        >>> colours = sc.broadcast({"r": "red", "g": "green"})
        >>> sc.parallelize(["g", "r"]).map(lambda k: colours.value[k]).collect()
        ['green', 'red']
        """
        return Broadcast(self, value)

    def _register_broadcast(self, b: Broadcast) -> None:
        self._broadcasts[b._bid] = b
        self._backend.register_broadcast(b._bid, b._bytes)
        self._cleaner.track("broadcast", b, b._bid)

    def _destroy_broadcast(self, bid: int, blocking: bool = False) -> None:
        self._cleaner.untrack("broadcast", bid)
        self._broadcasts.pop(bid, None)
        self._backend.destroy_broadcast(bid, blocking)

    def _forget_broadcast(self, bid: int) -> None:
        """A broadcast the program dropped: its copies go from the executors and from this process."""
        from sparklite.core import broadcast
        self._backend.destroy_broadcast(bid)
        broadcast.drop_local(bid)

    def _broadcast_bytes(self, bid: int) -> bytes:
        b = self._broadcasts.get(bid)
        if b is None or b._destroyed:
            raise RuntimeError(f"Attempted to use broadcast variable {bid} after it was destroyed")
        return b._bytes

    def _broadcast_value(self, bid: int):
        b = self._broadcasts.get(bid)
        if b is None or b._destroyed:
            raise RuntimeError(f"Attempted to use broadcast variable {bid} after it was destroyed")
        return b._value

    def _unpersist_broadcast(self, bid: int, blocking: bool) -> None:
        self._backend.unpersist_broadcast(bid, blocking)

    def accumulator(self, value, accum_param=None) -> Accumulator:
        """An ``Accumulator`` starting at ``value``: tasks ``add`` to it, the driver reads
        ``.value``. Ints, floats and complex numbers are summed by default; for other types (bools
        included) pass an ``AccumulatorParam`` as ``accum_param``, else TypeError.

        >>> total = sc.accumulator(0)
        >>> sc.parallelize([1, 2, 3]).foreach(lambda x: total.add(x))
        >>> total.value
        6
        """
        if accum_param is None:
            if isinstance(value, bool) or not isinstance(value, (int, float, complex)):
                raise TypeError(f"No default accumulator param for type {type(value)}")
            accum_param = {int: accumulators.INT_ACCUMULATOR_PARAM, float: accumulators.FLOAT_ACCUMULATOR_PARAM,
                           complex: accumulators.COMPLEX_ACCUMULATOR_PARAM}[type(value)]
        return Accumulator._create(value, accum_param)

    # -- files ---------------------------------------------------------------------------------
    def addFile(self, path: str, recursive: bool = False) -> None:
        """Copy a file, or with ``recursive=True`` a directory, to the driver and every executor,
        where ``SparkFiles.get(<base name>)`` gives its local path. ``path`` is local or on any
        filesystem pyarrow reaches. Raises FileNotFoundError if it does not exist and ValueError for
        a directory without ``recursive``.

        Example::

            sc.addFile("/data/stopwords.txt")
            stop = lambda w: w in open(SparkFiles.get("stopwords.txt")).read().split()
        """
        fs, source = files.resolve(path, self._conf)
        with files.explained_errors(path):
            info = fs.get_file_info(source)
        import pyarrow.fs as pafs
        if info.type == pafs.FileType.NotFound:
            raise FileNotFoundError(f"File {path} does not exist")
        if info.type == pafs.FileType.Directory and not recursive:
            raise ValueError(f"Added file {path} is a directory and recursive is not turned on")
        target = os.path.join(self._files_dir, os.path.basename(source.rstrip("/")))
        if info.type == pafs.FileType.Directory:
            os.makedirs(target, exist_ok=True)
        pafs.copy_files(source, target, source_filesystem=fs, destination_filesystem=pafs.LocalFileSystem())
        self._backend.add_file(self._files_dir, os.path.basename(target))
        self._added_files.append(path)

    def addPyFile(self, path: str) -> None:
        """Ship a ``.py``, ``.zip`` or ``.egg`` file to every executor and make it importable there
        and here: a ``.py`` file through the SparkFiles root, an archive by putting it on
        ``sys.path``."""
        import sys
        self.addFile(path)
        name = os.path.basename(path.rstrip("/"))
        entry = os.path.join(self._files_dir, name) if name.endswith(self.PACKAGE_EXTENSIONS) else self._files_dir
        if entry not in sys.path:
            sys.path.insert(1, entry)
        import importlib
        importlib.invalidate_caches()
        self._backend.add_python_path(entry)

    def addArchive(self, path: str) -> None:
        """Unpack an archive (any format ``shutil.unpack_archive`` knows: .zip, .tar, .tar.gz, ...)
        into the directory ``SparkFiles.get(<archive file name>)`` on the driver and on every
        executor."""
        fs, source = files.resolve(path, self._conf)
        name = os.path.basename(source)
        with tempfile.TemporaryDirectory() as scratch:
            local = os.path.join(scratch, name)
            with fs.open_input_stream(source) as src, open(local, "wb") as dst:
                shutil.copyfileobj(src, dst)
            shutil.unpack_archive(local, os.path.join(self._files_dir, name))
        self._backend.add_file(self._files_dir, name)
        self._added_archives.append(path)

    # -- executors (elasticity) ----------------------------------------------------------------
    def requestExecutors(self, numAdditionalExecutors: int) -> list:
        """Add ``numAdditionalExecutors`` executors and return their ids. Only on the ``ray``
        master; the others have a fixed set of task slots and raise NotImplementedError."""
        return self._backend.request_executors(numAdditionalExecutors)

    def killExecutors(self, executorIds: list) -> None:
        """Remove executors at once; their cached blocks and shuffle outputs are recomputed if
        needed. Only on the ``ray`` master (NotImplementedError elsewhere)."""
        self._backend.kill_executors(list(executorIds))

    def decommissionExecutors(self, executorIds: list) -> None:
        """Remove executors gracefully: their blocks move to the others first, so nothing is
        recomputed. Only on the ``ray`` master (NotImplementedError elsewhere)."""
        for executor_id in executorIds:
            self._backend.decommission(executor_id)

    def getExecutorIds(self) -> list:
        """The ids of the current executors, sorted; ``["driver"]`` on ``local`` masters, where
        tasks run in the driver's process."""
        return sorted(self._backend.executor_ids())

    # -- checkpoints and storage --------------------------------------------------------------
    def setCheckpointDir(self, dirName: str) -> None:
        """Set where ``RDD.checkpoint`` writes: a new directory under ``dirName`` (local or any
        filesystem pyarrow reaches) named for this application run, as in Spark, so two runs never
        mix their files."""
        fs, root = files.resolve(dirName, self._conf)
        run_dir = posixpath.join(root, str(uuid.uuid4()))
        with files.explained_errors(dirName):
            fs.create_dir(run_dir, recursive=True)
        self._checkpoint_dir = files.uri_of(dirName, fs, run_dir)

    def getCheckpointDir(self):
        """The directory this run writes checkpoints to (the subdirectory ``setCheckpointDir``
        made), or None if it was never set."""
        return self._checkpoint_dir

    def _remove_blocks(self, kind: str, owner_id: int, blocking: bool = False) -> None:
        for block_id, executor_id in self._block_registry.holders_matching(kind, owner_id):
            self._bus.post(ev.BlockUpdated(executor_id, block_id, 0, 0))
        self._backend.remove_blocks(kind, owner_id, blocking)

    def _remove_shuffle(self, shuffle_id: int, blocking: bool = False) -> None:
        self._scheduler.call(lambda: self._scheduler.tracker.unregister_shuffle(shuffle_id))
        self._remove_blocks("shuffle", shuffle_id, blocking)

    def _rdd_storage(self, rdd_id: int) -> dict:
        rows = [r for r in self._block_registry.snapshot() if r[0][0] == "rdd" and r[0][1] == rdd_id]
        return {"partitions": len({r[0][2] for r in rows}), "memory": sum(r[2] for r in rows),
                "disk": sum(r[3] for r in rows)}

    def getBlockStatus(self) -> list[dict]:
        """Every cached or shuffle block on every executor: which RDD (or shuffle) and partition,
        which executor, and its bytes in memory and on disk. The storage page of a UI reads this."""
        rows = []
        for block_id, executor_id, memory, disk in sorted(self._block_registry.snapshot(), key=repr):
            kind, owner, part = block_id[0], block_id[1], block_id[2] if len(block_id) > 2 else None
            rows.append({"kind": kind, "id": owner, "partition": part, "executor": executor_id,
                         "memorySize": memory, "diskSize": disk})
        return rows

    def getRDDStorageInfo(self) -> list[dict]:
        """Per persisted RDD: its level, cached partitions and bytes in memory and on disk."""
        out = []
        for rdd_id, rdd in sorted(self._persistent_rdds.items()):
            status = self._rdd_storage(rdd_id)
            out.append({"id": rdd_id, "name": rdd.name() or repr(rdd), "storageLevel": str(rdd.getStorageLevel()),
                        "numPartitions": rdd.getNumPartitions(), "numCachedPartitions": status["partitions"],
                        "memorySize": status["memory"], "diskSize": status["disk"]})
        return out

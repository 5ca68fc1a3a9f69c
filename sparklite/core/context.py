"""SparkContext: the driver's entry point, PySpark's ``SparkContext`` API.

Contract: one active context per process (``getOrCreate`` returns it). Creating one parses the
master URL, starts the backend's executors, the DAG scheduler's event loop and the listener bus.
Every action ends in ``_run_job(rdd, func, partitions)``, which submits a job with the calling
thread's local properties (job group, description, tags), blocks until it ends, runs pending
checkpoints and returns one value per partition. Data sources (``parallelize``, ``range``,
``textFile``, ...) only describe partitions; nothing is read until a job runs.
"""
from __future__ import annotations

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
from sparklite.core import listener as ev
from sparklite.core.accumulators import Accumulator
from sparklite.core.broadcast import Broadcast
from sparklite.core.cleaner import Cleaner
from sparklite.core import conf as conf_module
from sparklite.core.conf import SparkConf
from sparklite.core.errors import CONTEXT_IN_CLOSURE_MESSAGE, PySparkRuntimeError
from sparklite.core.scheduler.dag import CancelJobs, DAGScheduler
from sparklite.core.sparkfiles import SparkFiles
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


def _shared_memory_root() -> str:
    """Where a local executor keeps blocks its Python workers map: shared memory when the system has it."""
    return "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else tempfile.gettempdir()


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
        for path in pyFiles or ():
            self.addPyFile(path)

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
        from sparklite.core import resources
        resources.check(self._conf)
        self._driver_resources = resources.discover(self._conf, "driver")
        if self._conf.get_int("spark.task.cpus", 1) > (cores if parsed is not None else
                                                      self._conf.get_int("spark.executor.cores", 1)):
            raise ValueError(f"The number of cores per executor has to be >= the number of cpus per task = "
                             f"{self._conf.get_int('spark.task.cpus', 1)}.")
        try:
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
        self._bus.post(ev.ApplicationStart(self.appName, self._app_id, time.time(), self.sparkUser()))

    # -- lifecycle ----------------------------------------------------------------------------
    @classmethod
    def getOrCreate(cls, conf: SparkConf | None = None) -> "SparkContext":
        with cls._lock:
            if cls._active is None:
                cls(conf=conf or SparkConf())
            return cls._active

    def stop(self) -> None:
        with SparkContext._lock:
            if self._stopped:
                return
            self._stopped = True
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
        return __version__

    @property
    def applicationId(self) -> str:
        return self._app_id

    @property
    def uiWebUrl(self):
        return None

    @property
    def defaultParallelism(self) -> int:
        return self._default_parallelism

    @property
    def defaultMinPartitions(self) -> int:
        return min(self.defaultParallelism, 2)

    @property
    def resources(self) -> dict:
        """The driver's custom resources ({name: ResourceInformation}), from spark.driver.resource.*."""
        return dict(self._driver_resources)

    @property
    def listFiles(self) -> list:
        return list(self._added_files)

    @property
    def listArchives(self) -> list:
        return list(self._added_archives)

    def sparkUser(self) -> str:
        return os.environ.get("SPARK_USER") or getpass.getuser()

    def getConf(self) -> SparkConf:
        return self._conf.copy()

    def statusTracker(self) -> StatusTracker:
        return StatusTracker(self._progress)

    def addSparkListener(self, listener) -> None:
        self._bus.add_listener(listener)

    def removeSparkListener(self, listener) -> None:
        self._bus.remove_listener(listener)

    def setLogLevel(self, logLevel: str) -> None:
        level = _LOG_LEVELS.get(str(logLevel).upper())
        if level is None:
            raise ValueError(f"Supplied level {logLevel} did not match one of: {','.join(_LOG_LEVELS)}")
        logging.getLogger("sparklite").setLevel(level)

    @classmethod
    def setSystemProperty(cls, key: str, value: str) -> None:
        """Set a process-wide property; ``spark.*`` ones are read by every later ``SparkConf()``."""
        conf_module.set_system_property(key, value)

    @classmethod
    def getSystemProperty(cls, key: str):
        return conf_module.get_system_property(key)

    def show_profiles(self) -> None:
        """Print the profile of every profiled RDD not shown yet (``spark.python.profile=true``)."""
        self._profilers().show_profiles()

    def dump_profiles(self, path: str) -> None:
        """Write every profiled RDD's statistics to ``<path>/rdd_<id>.pstats``."""
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
        if value is None:
            self._properties().pop(key, None)
        else:
            self._properties()[key] = value

    def getLocalProperty(self, key: str):
        return self._properties().get(key)

    def setJobGroup(self, groupId: str, description: str, interruptOnCancel: bool = False) -> None:
        self.setLocalProperty("spark.jobGroup.id", groupId)
        self.setLocalProperty("spark.job.description", description)
        self.setLocalProperty("spark.job.interruptOnCancel", str(interruptOnCancel).lower())

    def setJobDescription(self, value: str) -> None:
        self.setLocalProperty("spark.job.description", value)

    def setInterruptOnCancel(self, interruptOnCancel: bool) -> None:
        self.setLocalProperty("spark.job.interruptOnCancel", str(interruptOnCancel).lower())

    def _tags(self) -> set:
        tags = self.getLocalProperty("spark.job.tags")
        return set(tags.split(",")) if tags else set()

    def addJobTag(self, tag: str) -> None:
        if not tag or "," in tag:
            raise ValueError(f"Spark job tag cannot be empty or contain ',': {tag!r}")
        self.setLocalProperty("spark.job.tags", ",".join(sorted(self._tags() | {tag})))

    def removeJobTag(self, tag: str) -> None:
        self.setLocalProperty("spark.job.tags", ",".join(sorted(self._tags() - {tag})) or None)

    def getJobTags(self) -> set:
        return self._tags()

    def clearJobTags(self) -> None:
        self.setLocalProperty("spark.job.tags", None)

    def cancelJob(self, jobId: int, reason: str | None = None) -> None:
        """Cancel one active job and stop its running tasks."""
        self._scheduler.post(CancelJobs(job_id=jobId, reason=reason or f"job {jobId} cancelled"))

    def cancelJobGroup(self, groupId: str) -> None:
        self._scheduler.post(CancelJobs(group=groupId, reason=f"part of cancelled job group {groupId}"))

    def cancelJobsWithTag(self, tag: str) -> None:
        self._scheduler.post(CancelJobs(tag=tag, reason=f"part of cancelled job tag {tag}"))

    def cancelAllJobs(self) -> None:
        self._scheduler.post(CancelJobs(reason="as part of cancellation of all jobs"))

    # -- running jobs -------------------------------------------------------------------------
    def _next_rdd_id(self) -> int:
        with self._rdd_id_lock:
            self._next_rdd += 1
            return self._next_rdd - 1

    def _run_job(self, rdd, func, partitions=None) -> list:
        """Run ``func(iterator)`` on each partition; return the values in partition order."""
        results = self._await_job(self._submit_job(rdd, func, partitions))
        from sparklite.core.checkpoint import do_checkpoints
        do_checkpoints(self, rdd)
        return results

    def _submit_job(self, rdd, func, partitions=None):
        """Start a job without waiting for it; ``_await_job`` waits (``toLocalIterator`` prefetches so)."""
        if self._stopped:
            raise RuntimeError("Cannot call methods on a stopped SparkContext")
        partitions = list(range(rdd.getNumPartitions()) if partitions is None else partitions)
        return self._scheduler.submit_job(rdd, func, partitions, self._properties())

    def _await_job(self, waiter) -> list:
        try:
            return waiter.wait()
        except KeyboardInterrupt:   # Ctrl-C in a shell or a notebook: this job stops, the context stays
            self._scheduler.post(CancelJobs(job_id=waiter.job_id, reason="interrupted (KeyboardInterrupt)"))
            raise

    def runJob(self, rdd, partitionFunc, partitions=None, allowLocal: bool = False) -> list:
        parts = self._run_job(rdd, lambda it: list(partitionFunc(it)), partitions)
        return [x for part in parts for x in part]

    # -- creating RDDs ------------------------------------------------------------------------
    def parallelize(self, c, numSlices: int | None = None):
        from sparklite.core.rdds import ParallelCollectionRDD
        return ParallelCollectionRDD(self, c, self.defaultParallelism if numSlices is None else numSlices)

    def range(self, start: int, end: int | None = None, step: int = 1, numSlices: int | None = None):
        if end is None:
            start, end = 0, start
        return self.parallelize(range(start, end, step), numSlices)

    def emptyRDD(self):
        from sparklite.core.rdds import EmptyRDD
        return EmptyRDD(self, [])

    def union(self, rdds: list):
        from sparklite.core.rdds import union_of
        rdd = union_of(self, list(rdds))
        rdd.partitioner = None   # PySpark's sc.union does not carry the partitioner to Python
        return rdd

    def textFile(self, name: str, minPartitions: int | None = None, use_unicode: bool = True):
        from sparklite.core.rdds import SourceRDD
        splits = files.text_splits(name, minPartitions or self.defaultMinPartitions)
        policy = files.ReadPolicy.from_conf(self._conf)
        return SourceRDD(self, splits, lambda s: files.read_text_split(s, use_unicode, policy), f"TextFile {name}")

    def wholeTextFiles(self, path: str, minPartitions: int | None = None, use_unicode: bool = True):
        from sparklite.core.rdds import SourceRDD
        groups = files.whole_file_splits(path, minPartitions or self.defaultMinPartitions)
        policy = files.ReadPolicy.from_conf(self._conf)
        return SourceRDD(self, groups, lambda g: files.read_whole_files(g, True, policy), f"WholeTextFiles {path}")

    def binaryFiles(self, path: str, minPartitions: int | None = None):
        from sparklite.core.rdds import SourceRDD
        groups = files.whole_file_splits(path, minPartitions or self.defaultMinPartitions)
        policy = files.ReadPolicy.from_conf(self._conf)
        return SourceRDD(self, groups, lambda g: files.read_whole_files(g, False, policy), f"BinaryFiles {path}")

    def binaryRecords(self, path: str, recordLength: int):
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
        from sparklite.core.rdds import SourceRDD
        policy = files.ReadPolicy.from_conf(self._conf)
        return SourceRDD(self, files.pickle_splits(name), lambda s: files.read_pickle_file(s, policy),
                         f"PickleFile {name}")

    def sequenceFile(self, *args, **kwargs):
        raise NotImplementedError("sequenceFile " + _NOT_SUPPORTED)

    def hadoopFile(self, *args, **kwargs):
        raise NotImplementedError("hadoopFile " + _NOT_SUPPORTED)

    def hadoopRDD(self, *args, **kwargs):
        raise NotImplementedError("hadoopRDD " + _NOT_SUPPORTED)

    def newAPIHadoopFile(self, *args, **kwargs):
        raise NotImplementedError("newAPIHadoopFile " + _NOT_SUPPORTED)

    def newAPIHadoopRDD(self, *args, **kwargs):
        raise NotImplementedError("newAPIHadoopRDD " + _NOT_SUPPORTED)

    # -- shared variables ---------------------------------------------------------------------
    def broadcast(self, value) -> Broadcast:
        return Broadcast(self, value)

    def _register_broadcast(self, b: Broadcast) -> None:
        self._broadcasts[b._bid] = b
        self._backend.register_broadcast(b._bid, b._bytes)
        self._cleaner.track("broadcast", b, b._bid)

    def _destroy_broadcast(self, bid: int) -> None:
        self._cleaner.untrack("broadcast", bid)
        self._broadcasts.pop(bid, None)
        self._backend.destroy_broadcast(bid)

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
        self._backend.unpersist_broadcast(bid)

    def accumulator(self, value, accum_param=None) -> Accumulator:
        if accum_param is None:
            if isinstance(value, bool) or not isinstance(value, (int, float, complex)):
                raise TypeError(f"No default accumulator param for type {type(value)}")
            accum_param = {int: accumulators.INT_ACCUMULATOR_PARAM, float: accumulators.FLOAT_ACCUMULATOR_PARAM,
                           complex: accumulators.COMPLEX_ACCUMULATOR_PARAM}[type(value)]
        return Accumulator._create(value, accum_param)

    # -- files ---------------------------------------------------------------------------------
    def addFile(self, path: str, recursive: bool = False) -> None:
        fs, source = files.resolve(path)
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
        """Ship a ``.py``, ``.zip`` or ``.egg`` file to every executor and make it importable there and
        here: a ``.py`` file through the SparkFiles root, an archive by putting it on ``sys.path``."""
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
        """Unpack an archive into ``SparkFiles.get(<archive file name>)`` on the driver and executors."""
        fs, source = files.resolve(path)
        name = os.path.basename(source)
        with tempfile.TemporaryDirectory() as scratch:
            local = os.path.join(scratch, name)
            with fs.open_input_stream(source) as src, open(local, "wb") as dst:
                shutil.copyfileobj(src, dst)
            shutil.unpack_archive(local, os.path.join(self._files_dir, name))
        self._backend.add_file(self._files_dir, name)
        self._added_archives.append(path)

    # -- executors (elasticity) ----------------------------------------------------------------
    def _cluster(self):
        if not hasattr(self._backend, "actors"):
            raise NotImplementedError(f"master {self.master} has a fixed set of task slots; "
                                      f"executors can be added and removed on the ray master")
        return self._backend

    def requestExecutors(self, numAdditionalExecutors: int) -> list:
        """Add executors (Spark's ``requestExecutors``); returns their ids."""
        return self._cluster().request_executors(numAdditionalExecutors)

    def killExecutors(self, executorIds: list) -> None:
        """Remove executors at once; their cached blocks and shuffle outputs are recomputed if needed."""
        self._cluster().kill_executors(list(executorIds))

    def decommissionExecutors(self, executorIds: list) -> None:
        """Remove executors gracefully: their blocks move to the others first, so nothing is recomputed."""
        for executor_id in executorIds:
            self._cluster().decommission(executor_id)

    def getExecutorIds(self) -> list:
        for attribute in ("actors", "executors"):
            if isinstance(getattr(self._backend, attribute, None), dict):
                return sorted(getattr(self._backend, attribute))
        return ["driver"]

    # -- checkpoints and storage --------------------------------------------------------------
    def setCheckpointDir(self, dirName: str) -> None:
        """Checkpoints go to a new directory under ``dirName`` named for this application run, as in
        Spark, so two runs never mix their files."""
        fs, root = files.resolve(dirName)
        run_dir = posixpath.join(root, str(uuid.uuid4()))
        fs.create_dir(run_dir, recursive=True)
        self._checkpoint_dir = run_dir if "://" in dirName else files.display_path(fs, run_dir)

    def getCheckpointDir(self):
        return self._checkpoint_dir

    def _remove_blocks(self, kind: str, owner_id: int, blocking: bool = False) -> None:
        self._block_registry.remove_matching(kind, owner_id)
        self._backend.remove_blocks(kind, owner_id)

    def _remove_shuffle(self, shuffle_id: int) -> None:
        self._scheduler.call(lambda: self._scheduler.tracker.unregister_shuffle(shuffle_id))
        self._remove_blocks("shuffle", shuffle_id)

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

"""The context cleaner: blocks of RDDs and shuffles the driver program can no longer reach are removed.

Contract: ``track_rdd(rdd)`` (when an RDD is persisted) and ``track_shuffle(dep)`` (when a shuffle
dependency is made on the driver) watch the driver's object. Once it is garbage collected, the RDD's
cached blocks, or the shuffle's map outputs and blocks, are removed from every executor by the
cleaner's own thread, as Spark's ContextCleaner does. Without it a long-lived context (an iterative
job that caches each iteration's result, a stream running a job per batch) would keep every shuffle
it ever wrote. ``spark.cleaner.referenceTracking=false`` turns it off. ``untrack_rdd`` forgets an RDD unpersisted by hand. Callbacks only queue work, so they
are safe on whichever thread drops the last reference.
"""
from __future__ import annotations

import logging
import queue
import threading
import weakref

log = logging.getLogger(__name__)

_STOP = object()


class Cleaner:
    def __init__(self, remove_rdd, remove_shuffle, enabled: bool = True):
        self._enabled = enabled    # spark.cleaner.referenceTracking
        self._remove = {"rdd": remove_rdd, "shuffle": remove_shuffle}
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._rdds: dict[int, weakref.finalize] = {}
        self._thread = threading.Thread(target=self._run, name="sparklite-cleaner", daemon=True)
        self._thread.start()

    def track_rdd(self, rdd) -> None:
        if self._enabled and rdd._id not in self._rdds:
            self._rdds[rdd._id] = self._watch(rdd, ("rdd", rdd._id))

    def untrack_rdd(self, rdd_id: int) -> None:
        finalizer = self._rdds.pop(rdd_id, None)
        if finalizer is not None:
            finalizer.detach()

    def track_shuffle(self, dep) -> None:
        if self._enabled:
            self._watch(dep, ("shuffle", dep.shuffle_id))

    def _watch(self, obj, item: tuple) -> weakref.finalize:
        finalizer = weakref.finalize(obj, self._queue.put, item)
        finalizer.atexit = False
        return finalizer

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            kind, owner_id = item
            if kind == "barrier":
                owner_id.set()
                continue
            if kind == "rdd":
                self._rdds.pop(owner_id, None)
            try:
                self._remove[kind](owner_id)
            except Exception:   # a cleanup that fails must not stop the ones after it
                log.warning("Could not clean %s %d", kind, owner_id, exc_info=True)

    def wait_idle(self) -> None:
        """Block until everything queued so far has been cleaned (tests and stop use it)."""
        done = threading.Event()
        self._queue.put(("barrier", done))
        done.wait(timeout=60)

    def stop(self) -> None:
        for finalizer in list(self._rdds.values()):
            finalizer.detach()
        self._rdds.clear()
        self._queue.put(_STOP)
        self._thread.join(timeout=10)

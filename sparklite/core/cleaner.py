"""The context cleaner: what the driver program can no longer reach is removed from the executors.

Contract: ``track(kind, obj, owner_id)`` watches a driver object: a persisted RDD (``"rdd"``), a
shuffle dependency (``"shuffle"``) or a broadcast variable (``"broadcast"``). Once it is garbage
collected, the remover given for its kind runs on the cleaner's own thread: the RDD's cached
blocks, the shuffle's map outputs and blocks, or the broadcast's copies are removed from every
executor, as Spark's ContextCleaner does. Without it a long-lived context (an iterative job that
caches and broadcasts every iteration, a stream running a job per batch) would keep everything it
ever made. ``untrack`` forgets an object released by hand (``unpersist``, ``destroy``).
``spark.cleaner.referenceTracking=false`` turns tracking off. Callbacks only queue work, so they
are safe on whichever thread drops the last reference.
"""
from __future__ import annotations

import logging
import threading
import weakref

from sparklite.core.eventloop import EventLoop

log = logging.getLogger(__name__)


class Cleaner:
    def __init__(self, removers: dict, enabled: bool = True):
        self._removers = removers          # kind -> callable(owner_id)
        self._enabled = enabled
        self._tracked: dict[tuple, weakref.finalize] = {}
        self._lock = threading.Lock()
        self._loop = EventLoop("sparklite-cleaner", self._clean)
        self._loop.start()

    def track(self, kind: str, obj, owner_id: int) -> None:
        key = (kind, owner_id)
        with self._lock:
            if not self._enabled or key in self._tracked:
                return
            finalizer = weakref.finalize(obj, self._loop.post, key)
            finalizer.atexit = False
            self._tracked[key] = finalizer

    def untrack(self, kind: str, owner_id: int) -> None:
        with self._lock:
            finalizer = self._tracked.pop((kind, owner_id), None)
        if finalizer is not None:
            finalizer.detach()

    def tracked(self) -> int:
        """How many driver objects are watched now (a long-running context's check: it stays flat)."""
        with self._lock:
            return len(self._tracked)

    def _clean(self, item) -> None:
        kind, owner = item
        with self._lock:
            self._tracked.pop(item, None)
        try:
            self._removers[kind](owner)
        except Exception:   # a cleanup that fails must not stop the ones after it
            log.warning("Could not clean %s %d", kind, owner, exc_info=True)

    def wait_idle(self, timeout: float = 60.0) -> None:
        """Block until everything queued so far has been cleaned."""
        self._loop.wait_until_empty(timeout)

    def stop(self) -> None:
        with self._lock:
            finalizers, self._tracked = list(self._tracked.values()), {}
            self._enabled = False
        for finalizer in finalizers:
            finalizer.detach()
        self._loop.stop()

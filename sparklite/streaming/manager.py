"""``spark.streams``: the session's streaming queries and their listeners.

Contract: one ``StreamingQueryManager`` per session (``of(session)``): ``active``, ``get(id)``,
``awaitAnyTermination(timeout)`` (returns when a query ends, raising its exception if it failed;
``resetTerminated()`` forgets the ones that ended), ``addListener``/``removeListener``. Listeners hear
``onQueryStarted``, ``onQueryProgress``, ``onQueryIdle`` and ``onQueryTerminated`` in order, on the
manager's own thread (a slow listener never holds a query up); a listener that raises is logged and
kept. A query's name and id may each be active once in a process at a time. ``stop_queries(sc)``
stops every query running on a context (a session's ``stop`` calls it).
"""
from __future__ import annotations

import logging
import queue
import threading
import time
import weakref

from sparklite.streaming.listener import (QueryIdleEvent, QueryProgressEvent, QueryStartedEvent,
                                          QueryTerminatedEvent)
from sparklite.streaming.progress import utc_text

_log = logging.getLogger(__name__)
_managers: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_managers_lock = threading.Lock()
IDLE_EVENT_INTERVAL = 10.0


class StreamingQueryManager:
    def __init__(self, session):
        self._session = weakref.ref(session)
        self._queries: dict = {}          # id -> StreamingQuery, active ones
        self._terminated = None           # the last query to end since resetTerminated
        self._lock = threading.Condition()
        self._listeners: list = []
        self._events = queue.Queue()
        self._dispatcher = None
        self._last_idle: dict = {}

    @classmethod
    def of(cls, session) -> "StreamingQueryManager":
        with _managers_lock:
            manager = _managers.get(session)
            if manager is None:
                manager = _managers[session] = cls(session)
            return manager

    # -- queries ----------------------------------------------------------------------------------
    @property
    def active(self) -> list:
        with self._lock:
            return list(self._queries.values())

    def get(self, id: str):
        with self._lock:
            return self._queries.get(str(id))

    def register(self, query) -> None:
        """A query about to start: refused when its name or id is running already."""
        with _managers_lock:
            running = [q for m in _managers.values() for q in m.active]
        for other in running:
            if query.name is not None and other.name == query.name:
                raise ValueError(f"Cannot start query with name {query.name} as a query with that name is already "
                                 "active in this SparkSession")
            if other.id == query.id:
                raise ValueError(f"Cannot start query with id {query.id} as another query with same id is already "
                                 f"active. Perhaps you are attempting to restart a query from checkpoint that is "
                                 "already active, and you may want to set spark.sql.streaming.stopActiveRunOnRestart "
                                 "to true.")
        with self._lock:
            self._queries[query.id] = query

    def terminated(self, execution) -> None:
        with self._lock:
            query = self._queries.pop(execution.id, None)
            if query is not None:
                self._terminated = query
            self._lock.notify_all()
        self.post("QueryTerminated", execution)

    def awaitAnyTermination(self, timeout: float | None = None):
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            while self._terminated is None:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return False
                self._lock.wait(left)
            error = self._terminated.exception()
        if error is not None:
            raise error
        return True if timeout is not None else None

    def resetTerminated(self) -> None:
        with self._lock:
            self._terminated = None

    def stop_all(self) -> None:
        for query in self.active:
            query.stop()

    # -- listeners --------------------------------------------------------------------------------
    def addListener(self, listener) -> None:
        with self._lock:
            self._listeners.append(listener)
            if self._dispatcher is None:
                self._dispatcher = threading.Thread(target=self._dispatch, name="streaming query listener bus",
                                                    daemon=True)
                self._dispatcher.start()

    def removeListener(self, listener) -> None:
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def post(self, kind: str, execution, progress=None) -> None:
        if not self._listeners:
            return
        if kind == "QueryStarted":
            event = QueryStartedEvent(execution.id, execution.run_id, execution.name, _now_text())
        elif kind == "QueryProgress":
            event = QueryProgressEvent(progress)
        elif kind == "QueryIdle":
            last = self._last_idle.get(execution.run_id, 0.0)
            if time.monotonic() - last < IDLE_EVENT_INTERVAL:
                return
            self._last_idle[execution.run_id] = time.monotonic()
            event = QueryIdleEvent(execution.id, execution.run_id, _now_text())
        else:
            self._last_idle.pop(execution.run_id, None)
            error = execution.exception
            event = QueryTerminatedEvent(execution.id, execution.run_id, str(error) if error else None,
                                         "STREAM_FAILED" if error else None)
        self._events.put((kind, event))

    def wait_for_listeners(self, timeout: float = 10.0) -> None:
        """Returns when every event posted so far has reached the listeners (for tests)."""
        done = threading.Event()
        self._events.put(("_flush", done))
        done.wait(timeout)

    def _dispatch(self) -> None:
        while True:
            kind, event = self._events.get()
            if kind == "_flush":
                event.set()
                continue
            for listener in list(self._listeners):
                try:
                    getattr(listener, "on" + kind)(event)
                except Exception:     # a listener's error is logged and the listener kept, as Spark does
                    _log.exception("StreamingQueryListener %r failed on %s", listener, kind)


def _now_text() -> str:
    return utc_text(time.time())


def stop_queries(sc) -> None:
    with _managers_lock:
        managers = [m for s, m in _managers.items() if s.sparkContext is sc]
    for manager in managers:
        manager.stop_all()

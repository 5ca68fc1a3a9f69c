"""One event loop: a thread that hands queued events, in order, to one handler.

Contract: ``post`` never blocks; events are handled one at a time in posting order on the loop's
thread (``start``) or, when the loop is not started, by whoever calls ``run_until_idle`` (tests
drive the DAG scheduler so). ``wait_until_empty`` returns once every event posted before it was
handled. ``stop`` lets the events already posted be handled, then ends the thread, bounded in time.
A handler that raises is logged and the loop goes on. With ``linger``, the thread waits that long
after handling what was queued before it looks again, so a stream of events wakes it once per
``linger`` rather than once per event (the listener bus: its listeners share the interpreter with
the scheduler, and each wake-up is a hand-off of the GIL). The DAG scheduler, the listener bus and
the context cleaner each run on one.
"""
from __future__ import annotations

import logging
import queue
import threading
import time

log = logging.getLogger("sparklite.eventloop")
_STOP = object()


class EventLoop:
    def __init__(self, name: str, handle, linger: float = 0.0):
        self.name = name
        self._handle = handle
        self._linger = linger
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._pending = 0
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    @property
    def running(self) -> bool:
        return self._thread is not None

    def post(self, event) -> None:
        with self._cond:
            self._pending += 1
        self._queue.put(event)

    def _run(self) -> None:
        while True:
            event = self._queue.get()
            while event is not _STOP:       # every event queued by now, in one wake-up
                self._dispatch(event)
                try:
                    event = self._queue.get_nowait()
                except queue.Empty:
                    break
            if event is _STOP:
                return
            if self._linger:
                time.sleep(self._linger)

    def _dispatch(self, event) -> None:
        try:
            self._handle(event)
        except Exception:   # one bad event must not end the loop
            log.exception("%s failed on %r", self.name, type(event).__name__)
        finally:
            with self._cond:
                self._pending -= 1
                if self._pending == 0:
                    self._cond.notify_all()

    def run_until_idle(self) -> None:
        """Handle every queued event on the calling thread (a loop that was not started)."""
        while True:
            try:
                event = self._queue.get_nowait()
            except queue.Empty:
                return
            if event is not _STOP:
                self._dispatch(event)

    def wait_until_empty(self, timeout: float = 10.0) -> bool:
        """True once every event posted so far has been handled; False if ``timeout`` passed first."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._pending:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True

    def stop(self, timeout: float = 10.0) -> None:
        thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(_STOP)
            thread.join(timeout)

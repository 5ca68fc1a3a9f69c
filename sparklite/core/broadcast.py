"""Broadcast variables: a read-only value shipped to each executor once.

Contract: ``sc.broadcast(v)`` pickles ``v`` once on the driver. A ``Broadcast`` pickled into a task
carries only its id; on first ``.value`` in a process the executor resolves the id to the value
(in-process for ``local[N]``, fetched once per executor on other backends) and keeps it for every
later task. ``unpersist`` drops executor copies (re-fetched on next use); ``destroy`` removes the
value everywhere and makes further use an error.
"""
from __future__ import annotations

import itertools
import pickle
import threading

import cloudpickle

from sparklite.core.taskcontext import TaskContext

_ids = itertools.count()
# Values resolved in this process, by broadcast id (the driver's own values live here too).
_values: dict[int, object] = {}
_lock = threading.Lock()


class Broadcast:
    """A read-only value sent to each executor once and shared by all the tasks that run there.

    Make one with ``sc.broadcast(value)`` rather than calling the constructor. Functions that
    use it capture the ``Broadcast`` itself, which travels as a small id; a task reads the data
    through ``.value``. Useful for a lookup table that many tasks need: it is pickled once on the
    driver instead of once per task.

    Example::

        rates = sc.broadcast({"EUR": 1.08, "GBP": 1.27})
        sc.parallelize([("EUR", 10), ("GBP", 5)]).map(lambda kv: kv[1] * rates.value[kv[0]]).collect()
        rates.destroy()
    """

    def __init__(self, sc=None, value=None, pickle_registry=None, sock_file=None, path=None):
        self._sc = sc
        self._destroyed = False
        if sc is None and path is not None:  # rebuilt from a dumped file
            self._bid = next(_ids)
            self._value = self.load_from_path(path)
            return
        self._bid = next(_ids)
        self._bytes = cloudpickle.dumps(value, pickle.HIGHEST_PROTOCOL)
        self._value = value
        with _lock:
            _values[self._bid] = value
        if sc is not None:
            sc._register_broadcast(self)

    def __reduce__(self):
        if self._destroyed:
            raise RuntimeError(f"Attempted to use broadcast variable {self._bid} after it was destroyed")
        return (_resolve_handle, (self._bid,))

    @property
    def value(self):
        """The broadcast data. On the driver it is the object given to ``sc.broadcast``; in a
        task the first read in each executor process fetches it from the driver and keeps it for
        later tasks there. Treat it as read-only: tasks running in the driver's process share
        the driver's object, other executors hold their own copy, so a change made in a task may
        or may not be seen elsewhere. Raises ``RuntimeError`` once the broadcast has been destroyed."""
        if self._destroyed:
            raise RuntimeError(f"Attempted to use broadcast variable {self._bid} after it was destroyed")
        if hasattr(self, "_value"):
            return self._value
        with _lock:
            if self._bid in _values:
                return _values[self._bid]
        context = TaskContext.get()
        if context is None or context._executor is None:
            raise RuntimeError(f"Broadcast {self._bid} is not available in this process")
        value = context._executor.fetch_broadcast(self._bid)
        with _lock:
            _values[self._bid] = value
        return value

    def unpersist(self, blocking: bool = False) -> None:
        """Drop the copies held by executors; the driver keeps the value, and an executor that
        needs it again fetches it anew. Call it on the driver.

        Parameters:
            blocking: if True, return only when every executor has dropped its copy; by default
                the copies are dropped in the background.
        """
        if self._sc is not None:
            self._sc._unpersist_broadcast(self._bid, blocking)

    def destroy(self, blocking: bool = False) -> None:
        """Remove the value and everything kept for it, on the driver and on the executors. After
        this the broadcast cannot be used: reading ``.value`` raises ``RuntimeError``, and a job
        whose functions capture it fails with ``TaskNotSerializableError``. Call it on the driver.

        Parameters:
            blocking: if True, return only when the executors have removed their copies; by
                default they are removed in the background.
        """
        self.unpersist(blocking)
        if self._sc is not None:
            self._sc._destroy_broadcast(self._bid, blocking)
        self._destroyed = True
        with _lock:
            _values.pop(self._bid, None)
        if hasattr(self, "_value"):
            del self._value

    def dump(self, value, f) -> None:
        """Pickle ``value`` (with cloudpickle, so lambdas and local classes work) into the binary
        file object ``f``.

        Example: ``with open(path, "wb") as f: b.dump(b.value, f)``
        """
        cloudpickle.dump(value, f, pickle.HIGHEST_PROTOCOL)

    def load(self, file):
        """Unpickle one value from the binary file object ``file`` (as written by ``dump``) and
        return it."""
        return pickle.load(file)

    def load_from_path(self, path: str):
        """Open the file at ``path``, unpickle the value ``dump`` wrote there and return it."""
        with open(path, "rb", 1 << 20) as f:
            return self.load(f)

    def __repr__(self) -> str:
        return f"<Broadcast id={self._bid}>"


def _resolve_handle(bid: int) -> Broadcast:
    handle = Broadcast.__new__(Broadcast)
    handle._sc, handle._bid, handle._destroyed = None, bid, False
    return handle


def drop_local(bid: int) -> None:
    with _lock:
        _values.pop(bid, None)



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
        if self._sc is not None:
            self._sc._unpersist_broadcast(self._bid, blocking)

    def destroy(self, blocking: bool = False) -> None:
        self.unpersist(blocking)
        if self._sc is not None:
            self._sc._destroy_broadcast(self._bid)
        self._destroyed = True
        with _lock:
            _values.pop(self._bid, None)
        if hasattr(self, "_value"):
            del self._value

    def dump(self, value, f) -> None:
        cloudpickle.dump(value, f, pickle.HIGHEST_PROTOCOL)

    def load(self, file):
        return pickle.load(file)

    def load_from_path(self, path: str):
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



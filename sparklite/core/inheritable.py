"""Threads that inherit the creating thread's local properties (job group, description, tags), so
jobs started from them can be cancelled and grouped like their parent's (PySpark's
``InheritableThread`` and ``inheritable_thread_target``)."""
from __future__ import annotations

import functools
import threading


def _properties_now() -> dict:
    from sparklite.core.context import SparkContext
    sc = SparkContext._active
    return dict(sc._properties()) if sc is not None else {}


def _run_with(properties: dict, target, *args, **kwargs):
    from sparklite.core.context import SparkContext
    sc = SparkContext._active
    if sc is not None:
        sc._properties().clear()
        sc._properties().update(properties)
    return target(*args, **kwargs)


def inheritable_thread_target(f):
    """Wrap a thread target so it runs with the local properties of the thread that wrapped it."""
    properties = _properties_now()

    @functools.wraps(f)
    def wrapped(*args, **kwargs):
        return _run_with(properties, f, *args, **kwargs)

    return wrapped


class InheritableThread(threading.Thread):
    def __init__(self, target=None, *args, **kwargs):
        self._inherited = _properties_now()
        super().__init__(target=target, *args, **kwargs)

    def run(self):
        _run_with(self._inherited, super().run)

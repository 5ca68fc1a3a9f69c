"""Accumulators: write-only shared variables that tasks add to and the driver reads.

Contract: on the driver an ``Accumulator`` holds the value. Pickled into a task it becomes a handle
whose ``add`` goes to the running task's private partial value (starting from ``zero``); the partial
values travel back with the task's result and the scheduler merges them into the driver's value,
once per successful task. Reading ``value`` inside a task raises, as in PySpark. The driver's
registry of accumulators holds them weakly, so a long-running context keeps only live ones.
"""
from __future__ import annotations

import itertools
import threading
import weakref

from sparklite.core.taskcontext import TaskContext

_ids = itertools.count()
# held weakly: an accumulator the program dropped is forgotten (a task's late update for it is ignored)
_registry: "weakref.WeakValueDictionary[int, Accumulator]" = weakref.WeakValueDictionary()
_lock = threading.Lock()


class AccumulatorParam:
    """Tells an ``Accumulator`` how to combine values of its type.

    ``sc.accumulator`` picks one for ints, floats and complex numbers; for any other type,
    subclass this class, define ``zero`` and ``addInPlace``, and pass an instance as
    ``sc.accumulator(initial, param)``. The addition should be associative and commutative,
    since tasks' partial values reach the driver in no fixed order.

    Example::

        class ListParam(AccumulatorParam):
            def zero(self, value):
                return []
            def addInPlace(self, value1, value2):
                value1.extend(value2)
                return value1

        seen = sc.accumulator([], ListParam())
        sc.parallelize(range(3)).foreach(lambda x: seen.add([x]))
    """

    def zero(self, value):
        """Return the neutral starting value for a task's partial sum, shaped like ``value``
        (the accumulator's initial value), e.g. a vector of zeros as long as ``value``."""
        raise NotImplementedError

    def addInPlace(self, value1, value2):
        """Return the sum of ``value1`` and ``value2``. It may update ``value1`` in place and
        return it, which saves a copy for large values; ``value2`` must be left as it is."""
        raise NotImplementedError


class AddingAccumulatorParam(AccumulatorParam):
    """Adds with ``+=`` from a fixed zero (the params ``sc.accumulator`` uses for numbers)."""

    def __init__(self, zero_value):
        self.zero_value = zero_value

    def zero(self, value):
        return self.zero_value

    def addInPlace(self, value1, value2):
        value1 += value2
        return value1


INT_ACCUMULATOR_PARAM = AddingAccumulatorParam(0)
FLOAT_ACCUMULATOR_PARAM = AddingAccumulatorParam(0.0)
COMPLEX_ACCUMULATOR_PARAM = AddingAccumulatorParam(0.0j)


class Accumulator:
    """A shared variable that tasks can only add to and only the driver can read.

    Make one with ``sc.accumulator(initial)`` (and an ``AccumulatorParam`` for other types than
    numbers). In a task, ``add`` (or ``+=``) adds to that task's own partial value; when the task
    succeeds its partial value is added to the driver's. Additions of failed attempts and of
    duplicate (speculative) copies are dropped, but an addition inside a transformation runs again
    each time that transformation is recomputed (another action on an uncached RDD, a resubmitted
    stage), so add in actions such as ``foreach`` when the total must be exact.

    Example::

        total = sc.accumulator(0)
        sc.parallelize([1, 2, 3]).foreach(lambda x: total.add(x))
        total.value   # 6
    """

    def __init__(self, aid: int, value, accum_param: AccumulatorParam):
        self.aid = aid
        self.accum_param = accum_param
        self._value = value
        self._on_driver = True

    @classmethod
    def _create(cls, value, accum_param) -> "Accumulator":
        acc = cls(next(_ids), value, accum_param)
        _registry[acc.aid] = acc
        return acc

    def __reduce__(self):
        return (_task_handle, (self.aid, self.accum_param.zero(self._value), self.accum_param))

    @property
    def value(self):
        """The accumulated value, on the driver only. It can also be assigned there, e.g. to
        reset it. Reading or assigning it inside a task raises ``RuntimeError``."""
        if not self._on_driver:
            raise RuntimeError("Accumulator.value cannot be accessed inside tasks")
        return self._value

    @value.setter
    def value(self, value) -> None:
        if not self._on_driver:
            raise RuntimeError("Accumulator.value cannot be accessed inside tasks")
        self._value = value

    def add(self, term) -> None:
        """Add ``term`` with the param's ``addInPlace``. Inside a task the term goes to the
        task's partial value, sent to the driver when the task succeeds; on the driver it is
        added to the value at once. ``acc += term`` does the same."""
        context = TaskContext.get()
        if context is None:
            with _lock:
                self._value = self.accum_param.addInPlace(self._value, term)
            return
        updates = context._accumulator_updates
        with context._updates_lock:
            current = updates.get(self.aid, _MISSING)
            if current is _MISSING:
                current = self.accum_param.zero(self._zero)
            updates[self.aid] = self.accum_param.addInPlace(current, term)

    def __iadd__(self, term) -> "Accumulator":
        self.add(term)
        return self

    def __str__(self) -> str:
        return str(self._value)

    def __repr__(self) -> str:
        return f"Accumulator<id={self.aid}, value={self._value}>"


_MISSING = object()


def _task_handle(aid: int, zero, accum_param) -> Accumulator:
    acc = Accumulator(aid, zero, accum_param)
    acc._on_driver = False
    acc._zero = zero
    return acc


def merge_updates(updates: dict) -> None:
    """Merge one successful task's partial values into the driver's accumulators."""
    with _lock:
        for aid, partial in updates.items():
            acc = _registry.get(aid)
            if acc is not None:
                acc._value = acc.accum_param.addInPlace(acc._value, partial)

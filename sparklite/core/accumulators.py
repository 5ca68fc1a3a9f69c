"""Accumulators: write-only shared variables that tasks add to and the driver reads.

Contract: on the driver an ``Accumulator`` holds the value. Pickled into a task it becomes a handle
whose ``add`` goes to the running task's private partial value (starting from ``zero``); the partial
values travel back with the task's result and the scheduler merges them into the driver's value,
once per successful task. Reading ``value`` inside a task raises, as in PySpark.
"""
from __future__ import annotations

import itertools
import threading

from sparklite.core.taskcontext import TaskContext

_ids = itertools.count()
_registry: dict[int, "Accumulator"] = {}
_lock = threading.Lock()


class AccumulatorParam:
    """How to make a zero value and add two values (subclass for custom types)."""

    def zero(self, value):
        raise NotImplementedError

    def addInPlace(self, value1, value2):
        raise NotImplementedError


class AddingAccumulatorParam(AccumulatorParam):
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
        if not self._on_driver:
            raise RuntimeError("Accumulator.value cannot be accessed inside tasks")
        return self._value

    @value.setter
    def value(self, value) -> None:
        if not self._on_driver:
            raise RuntimeError("Accumulator.value cannot be accessed inside tasks")
        self._value = value

    def add(self, term) -> None:
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

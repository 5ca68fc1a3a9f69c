"""Columns of vertex and edge attributes, and the merges of messages over them.

A column is a numpy array: typed (``int64``, ``float64``, ``bool``; two-dimensional for a fixed number
of floats per vertex, as the parallel PageRank keeps) when every value has one Python type, otherwise
one-dimensional of ``object``, so that a user's attributes come back exactly as they were given.

A merge is ``"sum"``, ``"min"`` or ``"max"`` (a known aggregate: whole partitions at once in numpy) or
any Python function ``f(a, b)``. ``reduce_at(positions, values, size, merge)`` folds the messages
addressed to ``positions`` in ``0..size-1`` and returns which positions received one and their merged
messages; it is used at both ends of a message exchange (in the edge partition, then at the vertex).
"""
from __future__ import annotations

import operator

import numpy as np

_TYPED = {int: np.int64, float: np.float64, bool: np.bool_}
KNOWN_MERGES = {"sum": np.add, "min": np.minimum, "max": np.maximum}
_BUILTIN_MERGES = {operator.add: "sum", min: "min", max: "max"}
_PYTHON_MERGES = {"sum": operator.add, "min": min, "max": max}


def column(values, size: int | None = None) -> np.ndarray:
    """The values (any iterable) as a column: typed when they all share int, float or bool."""
    values = values if isinstance(values, list) else list(values)
    kinds = set(map(type, values))
    if len(kinds) == 1:
        kind = _TYPED.get(kinds.pop())
        if kind is not None:
            try:
                return np.array(values, dtype=kind)
            except OverflowError:
                pass
    return objects(values)


def objects(values: list) -> np.ndarray:
    """A one-dimensional object column holding each value as it is (tuples and lists stay whole)."""
    out = np.empty(len(values), dtype=object)
    for i, v in enumerate(values):
        out[i] = v
    return out


def filled(value, size: int) -> np.ndarray:
    """``size`` copies of ``value`` as a column."""
    kind = _TYPED.get(type(value))
    if kind is not None:
        return np.full(size, value, dtype=kind)
    out = np.empty(size, dtype=object)
    out.fill(value)
    return out


def concat(columns: list) -> np.ndarray:
    """Columns end to end; a typed and an object column give an object column."""
    columns = [c for c in columns if len(c)] or columns[:1]
    if not columns:
        return np.empty(0, dtype=object)
    if len({c.dtype for c in columns}) == 1:
        return np.concatenate(columns)
    return objects([v for c in columns for v in python_values(c)])


def python_values(col: np.ndarray) -> list:
    """The column's values as Python objects (numpy scalars become int/float/bool)."""
    return col.tolist() if col.dtype != object else list(col)


def assign(target: np.ndarray | None, size: int, positions: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``target`` (made when None) with ``values`` written at ``positions``; widened to object when the
    kinds differ."""
    if target is None:
        target = np.empty((size,) + values.shape[1:], dtype=values.dtype) if values.dtype != object \
            else np.empty(size, dtype=object)
    elif target.dtype != values.dtype or target.shape[1:] != values.shape[1:]:
        target = objects(python_values(target))
        values = objects(python_values(values))
    else:
        target = target.copy()
    target[positions] = values
    return target


def known_merge(merge):
    """The name of a known aggregate for ``merge`` (a name, ``operator.add``, ``min`` or ``max``), or None."""
    if isinstance(merge, str):
        if merge not in KNOWN_MERGES:
            raise ValueError(f"unknown merge {merge!r}: use 'sum', 'min', 'max' or a function of two messages")
        return merge
    return _BUILTIN_MERGES.get(merge)


def reduce_at(positions: np.ndarray, values: np.ndarray, size: int, merge):
    """(received, merged): a bool mask of the positions that got a message and a column of ``size``
    whose received entries hold the merge of their messages (other entries are undefined)."""
    name = known_merge(merge)
    if name is not None and values.dtype != object:
        return _reduce_numeric(positions, values, size, name)
    if name is not None:
        merge = _PYTHON_MERGES[name]
    received = np.zeros(size, dtype=bool)
    merged = [None] * size
    for p, v in zip(positions.tolist(), python_values(values)):
        merged[p] = merge(merged[p], v) if received[p] else v
        received[p] = True
    return received, objects(merged)


def _reduce_numeric(positions, values, size, name):
    received = np.bincount(positions, minlength=size).astype(bool)
    if name == "sum" and values.ndim == 1 and values.dtype == np.float64:
        return received, np.bincount(positions, weights=values, minlength=size)
    ufunc = KNOWN_MERGES[name]
    if values.dtype == np.bool_:
        ufunc = {"sum": np.logical_or, "max": np.logical_or, "min": np.logical_and}[name]
    merged = np.zeros((size,) + values.shape[1:], dtype=values.dtype)
    if len(positions):
        first = np.full(size, -1, dtype=np.int64)
        first[positions[::-1]] = np.arange(len(positions) - 1, -1, -1)
        merged[received] = values[first[received]]
        rest = np.ones(len(positions), dtype=bool)
        rest[first[received]] = False
        ufunc.at(merged, positions[rest], values[rest])
    return received, merged

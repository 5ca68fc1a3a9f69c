"""Decimals as int64 unscaled values: the vectorized path of decimal arithmetic and aggregation.

A ``decimal128(p, s)`` value is the integer ``unscaled`` read as ``unscaled / 10**s``. While every
unscaled value of a batch fits in 64 bits (always so below 19 digits, and in practice far above: TPC-H's
prices are ``decimal(15,2)``), Spark's exact decimal results come from numpy integer arithmetic. Each
helper returns ``None`` when a value does not fit or a result could overflow, and the caller takes the
exact row-by-row path, which also raises Spark's errors.
"""
from __future__ import annotations

import numpy as np
import pyarrow as pa

_SAFE = 1 << 62          # bound below which sums of two values and negations stay in int64


def unscaled(array: pa.Array) -> tuple[np.ndarray, np.ndarray] | None:
    """(int64 unscaled values with 0 at NULLs, validity) of a decimal128 array, or None when a value
    needs more than 63 bits."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if not pa.types.is_decimal128(array.type):
        return None
    n = len(array)
    buffer = array.buffers()[1]
    if buffer is None:
        return None
    words = np.frombuffer(buffer, dtype=np.int64, count=2 * (array.offset + n))[2 * array.offset:]
    low, high = words[0::2], words[1::2]
    valid = np.ones(n, dtype=bool) if array.null_count == 0 else array.is_valid().to_numpy(zero_copy_only=False)
    if array.null_count:
        low = np.where(valid, low, 0)
        high = np.where(valid, high, 0)
    if not np.array_equal(high, low >> 63) or (n and np.abs(low).max(initial=0) >= _SAFE) or \
            (n and low.min(initial=0) == np.iinfo(np.int64).min):
        return None
    return np.ascontiguousarray(low), valid


def from_unscaled(values: np.ndarray, valid: np.ndarray | None, precision: int, scale: int) -> pa.Array:
    """A decimal128(precision, scale) array of int64 unscaled ``values`` (NULL where not ``valid``)."""
    n = len(values)
    words = np.empty(2 * n, dtype=np.int64)
    words[0::2] = values
    words[1::2] = values >> 63
    validity = None
    if valid is not None and not valid.all():
        validity = pa.py_buffer(np.packbits(valid, bitorder="little"))
    return pa.Array.from_buffers(pa.decimal128(precision, scale), n, [validity, pa.py_buffer(words)])


def magnitude(values: np.ndarray) -> int:
    return int(np.abs(values).max(initial=0))


def divide_half_up(numerator: np.ndarray, divisor) -> np.ndarray:
    """``numerator / divisor`` rounded HALF_UP (away from zero at .5), as Spark rounds decimals;
    ``divisor`` is a positive int or an array without zeros."""
    sign = np.where((numerator < 0) != (np.asarray(divisor) < 0), -1, 1)
    a, b = np.abs(numerator), np.abs(divisor)
    quotient, remainder = np.divmod(a, b)
    return sign * (quotient + (2 * remainder >= b))


def rescale(values: np.ndarray, bound: int, scale: int, target: int) -> np.ndarray | None:
    """Values of ``scale`` moved to ``target`` scale (rounded HALF_UP when it is smaller); None when
    a value (of magnitude at most ``bound``) could leave int64."""
    if target == scale:
        return values
    if target > scale:
        factor = 10 ** (target - scale)
        if bound * factor >= _SAFE:
            return None
        return values * factor
    return divide_half_up(values, 10 ** (scale - target))


def arithmetic(op: str, left: pa.Array, right: pa.Array, scales: tuple[int, int], precision: int,
               scale: int) -> pa.Array | None:
    """``left op right`` (add, subtract, multiply, divide) as a decimal(precision, scale), exact and
    rounded HALF_UP as Spark computes it; None when the fast path cannot be sure of the result (a value
    beyond int64, a zero divisor, a result out of the type's range)."""
    a, b = unscaled(left), unscaled(right)
    if a is None or b is None:
        return None
    (x, x_valid), (y, y_valid) = a, b
    valid = x_valid & y_valid
    x_scale, y_scale = scales
    x_bound, y_bound = magnitude(x), magnitude(y)
    if op in ("add", "subtract"):
        common = max(x_scale, y_scale)
        x, y = rescale(x, x_bound, x_scale, common), rescale(y, y_bound, y_scale, common)
        if x is None or y is None:
            return None
        exact, exact_scale = (x + y if op == "add" else x - y), common
        bound = magnitude(exact)
    elif op == "multiply":
        if x_bound * y_bound >= _SAFE:
            return None
        exact, exact_scale = x * y, x_scale + y_scale
        bound = x_bound * y_bound
    elif op == "divide":
        if (valid & (y == 0)).any():
            return None
        shift = scale - x_scale + y_scale        # x / y * 10**scale, in units of the result
        if shift < 0 or x_bound * 10 ** shift >= _SAFE:
            return None
        values = divide_half_up(x * 10 ** shift, np.where(y == 0, 1, y))
        return _checked(values, valid, precision, scale)
    else:
        return None
    values = rescale(exact, bound, exact_scale, scale)
    if values is None:
        return None
    return _checked(values, valid, precision, scale)


def _checked(values: np.ndarray, valid: np.ndarray, precision: int, scale: int) -> pa.Array | None:
    values = np.where(valid, values, 0)
    if precision < 19 and magnitude(values) >= 10 ** precision:
        return None
    return from_unscaled(values, valid, precision, scale)

"""Where ``repartition`` / ``coalesce(shuffle=True)`` put records: exactly where PySpark puts them.

Contract: PySpark cuts each input partition into batches of ``min(10, batchSize or 1024)`` records
(batch size -1: the whole partition is one batch) and hands the batches to the JVM, which deals
them out round-robin: input partition ``i`` starts at ``XORShiftRandom(i).nextInt(n)`` and each
batch goes to the next position, modulo ``n``. A reducer reads map 0's batches first, then map 1's.
The batches of a repartition's output move whole when it is repartitioned again (PySpark does not
re-batch data already batched that way). ``start_position(i, n)`` reproduces Spark's
``XORShiftRandom`` (seeded through Scala's ``MurmurHash3.bytesHash``) and Java's
``Random.nextInt(bound)`` bit for bit.
"""
from __future__ import annotations

import itertools

_M32 = 0xFFFFFFFF
_M64 = 0xFFFFFFFFFFFFFFFF
_ARRAY_SEED = 0x3C074A61


def _rotl32(x: int, r: int) -> int:
    return ((x << r) | (x >> (32 - r))) & _M32


def _mix_last(h: int, k: int) -> int:
    k = (k * 0xCC9E2D51) & _M32
    k = _rotl32(k, 15)
    return h ^ ((k * 0x1B873593) & _M32)


def _mix(h: int, k: int) -> int:
    return (_rotl32(_mix_last(h, k), 13) * 5 + 0xE6546B64) & _M32


def _avalanche(h: int) -> int:
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & _M32
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & _M32
    return h ^ (h >> 16)


def murmur3_bytes_hash(data: bytes, seed: int) -> int:
    """Scala's ``MurmurHash3.bytesHash`` as an unsigned 32-bit value."""
    h, whole = seed & _M32, len(data) & ~3
    for i in range(0, whole, 4):
        h = _mix(h, int.from_bytes(data[i:i + 4], "little"))
    rest = data[whole:]
    if rest:
        k = 0
        for shift, byte in enumerate(rest):
            k ^= byte << (8 * shift)
        h = _mix_last(h, k)
    return _avalanche(h ^ len(data))


class XORShiftRandom:
    """Spark's ``org.apache.spark.util.random.XORShiftRandom``: ``nextInt(bound)`` only."""

    def __init__(self, seed: int):
        data = (seed & _M64).to_bytes(8, "big")
        low = murmur3_bytes_hash(data, _ARRAY_SEED)
        high = murmur3_bytes_hash(data, low)
        self._seed = (high << 32) | low

    def _next(self, bits: int) -> int:
        seed = self._seed
        seed ^= (seed << 21) & _M64
        seed ^= seed >> 35
        seed ^= (seed << 4) & _M64
        self._seed = seed
        return seed & ((1 << bits) - 1)

    def nextInt(self, bound: int) -> int:
        r, m = self._next(31), bound - 1
        if bound & m == 0:
            return (bound * r) >> 31
        u = r
        while True:
            r = u % bound
            if u - r + m < 1 << 31:      # no 32-bit overflow: Java's rejection test
                return r
            u = self._next(31)


def start_position(partition: int, num_partitions: int) -> int:
    return XORShiftRandom(partition).nextInt(num_partitions)


def batches(records, size: int):
    """Consecutive batches of ``size`` records (all records as one batch when size < 1)."""
    records = iter(records)
    if size < 1:
        whole = list(records)
        return [whole] if whole else []
    return iter(lambda: list(itertools.islice(records, size)), [])


def dealt(partition: int, num_partitions: int, partition_batches):
    """(reducer, batch) for each batch of one input partition, dealt from its start position."""
    position = start_position(partition, num_partitions)
    for batch in partition_batches:
        position += 1
        yield position % num_partitions, batch

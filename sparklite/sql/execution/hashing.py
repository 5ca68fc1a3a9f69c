"""Spark's ``hash()`` (Murmur3_x86_32) and ``xxhash64()`` (XXH64) on whole Arrow arrays, bit-exact.

Contract:
* ``murmur3_hash(columns, seed=42)`` is Spark's ``hash(c1, c2, ...)`` as int32 per row,
  ``xxhash64(columns, seed=42)`` is Spark's ``xxhash64(c1, c2, ...)`` as int64 per row, and
  ``partition_ids(columns, n)`` is where Spark's ``HashPartitioning`` (``repartition(n, cols)``,
  shuffles of joins and aggregates) puts each row: ``pmod(hash(cols), n)``, with the entries of
  maps in the keys taken in ascending key order (Spark 4's ``MapSort`` of partitioning keys).
* Chaining: the hash starts at ``seed`` and each value is hashed with the running hash as its
  seed, column after column, array element after element, struct field after field, and map key
  then value, entry after entry. A null value (top-level or nested) leaves the running hash as is.
* Per-type rules (Spark's ``HashExpression``): bool as the int 1/0; int8, int16, int32 (also
  year-month intervals) and date32 as an int; int64, timestamps and durations (microseconds) as a
  long; float32/float64 by their IEEE bits with -0.0 hashed as 0.0 and every NaN as Java's
  canonical NaN; decimal128 of precision <= 18 as its unscaled long, wider ones by the bytes of
  Java's ``BigInteger.toByteArray()`` of the unscaled value (big-endian two's complement, minimal
  length); strings (UTF-8) and binary by their bytes. Columns of type ``pa.null()`` change nothing.
* Spark's Murmur3 byte hashing is NOT standard murmur3: after the 4-byte words, each trailing
  byte is sign-extended to an int and mixed in as a whole block. Its XXH64 byte hashing is the
  standard XXH64.

Everything is vectorized over rows with wrapping numpy uint32/uint64 arithmetic, as Java's int and
long arithmetic wraps. Variable-length values (bytes, arrays, maps) are processed block by block:
one numpy pass per block position over all rows still long enough, never a Python loop per row.
"""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["murmur3_hash", "xxhash64", "partition_ids"]

ArrowColumn = pa.Array | pa.ChunkedArray

# Murmur3_x86_32 constants.
_C1 = np.uint32(0xCC9E2D51)
_C2 = np.uint32(0x1B873593)
# XXH64 primes.
_P1 = np.uint64(0x9E3779B185EBCA87)
_P2 = np.uint64(0xC2B2AE3D27D4EB4F)
_P3 = np.uint64(0x165667B19E3779F9)
_P4 = np.uint64(0x85EBCA77C2B2AE63)
_P5 = np.uint64(0x27D4EB2F165667C5)

# Java's Float.floatToIntBits / Double.doubleToLongBits map every NaN to these.
_FLOAT_NAN_BITS = np.uint32(0x7FC00000)
_DOUBLE_NAN_BITS = np.uint64(0x7FF8000000000000)


def murmur3_hash(columns: list[ArrowColumn], seed: int = 42) -> np.ndarray:
    """Spark's ``hash(c1, c2, ...)``: Murmur3_x86_32 of each row's values, as int32."""
    return _fold_columns(columns, _Murmur3, seed, sort_maps=False).view(np.int32)


def xxhash64(columns: list[ArrowColumn], seed: int = 42) -> np.ndarray:
    """Spark's ``xxhash64(c1, c2, ...)``: XXH64 of each row's values, as int64."""
    return _fold_columns(columns, _XXH64, seed, sort_maps=False).view(np.int64)


def partition_ids(columns: list[ArrowColumn], num_partitions: int) -> np.ndarray:
    """The shuffle partition of each row under Spark's ``HashPartitioning`` by ``columns``, as int64.

    This is ``pmod(hash(columns), num_partitions)``, so rows land where ``repartition(n, *cols)``
    puts them and where ``spark_partition_id()`` reports them. As Spark 4 sorts the entries of
    every map in partitioning keys by key first (its ``MapSort``), equal maps land together
    whatever their entry order; ``hash()`` itself does not sort.
    """
    if num_partitions <= 0:
        raise ValueError(f"num_partitions must be positive, got {num_partitions}")
    hashes = _fold_columns(columns, _Murmur3, 42, sort_maps=True).view(np.int32)
    # numpy's mod takes the divisor's sign, which is Spark's pmod for a positive divisor.
    return np.mod(hashes.astype(np.int64), num_partitions)


def _fold_columns(columns: list[ArrowColumn], hasher: type, seed: int, sort_maps: bool) -> np.ndarray:
    if not columns:
        raise ValueError("hashing needs at least one column (Spark's hash() takes > 0 arguments)")
    arrays = [c.combine_chunks() if isinstance(c, pa.ChunkedArray) else c for c in columns]
    num_rows = len(arrays[0])
    if any(len(a) != num_rows for a in arrays):
        raise ValueError(f"columns to hash differ in length: {[len(a) for a in arrays]}")
    hashes = np.full(num_rows, seed & hasher.mask, dtype=hasher.dtype)
    for array in arrays:
        hashes = _fold(array, hashes, hasher, sort_maps)
    return hashes


def _fold(array: pa.Array, seeds: np.ndarray, hasher: type, sort_maps: bool) -> np.ndarray:
    """Hash each value of ``array`` with the same row's ``seeds``; null rows keep their seed.

    With ``sort_maps`` each map's entries are hashed in ascending key order, not stored order.
    """
    kind = array.type
    if pa.types.is_null(kind) or len(array) == 0:
        return seeds
    if pa.types.is_dictionary(kind):
        return _fold(array.dictionary_decode(), seeds, hasher, sort_maps)
    if pa.types.is_boolean(kind):
        hashes = hasher.hash_int(array.fill_null(False).to_numpy(zero_copy_only=False).astype(np.uint32), seeds)
    elif pa.types.is_signed_integer(kind) and kind.bit_width <= 32 or pa.types.is_date32(kind):
        ints = _fixed_width_values(array, np.dtype(f"i{kind.bit_width // 8}"))
        hashes = hasher.hash_int(ints.astype(np.int32).view(np.uint32), seeds)
    elif pa.types.is_int64(kind) or pa.types.is_timestamp(kind) or pa.types.is_duration(kind):
        if getattr(kind, "unit", "us") != "us":
            raise TypeError(f"cannot hash {kind}: Spark's timestamps and intervals are microseconds")
        hashes = hasher.hash_long(_fixed_width_values(array, np.dtype(np.uint64)), seeds)
    elif pa.types.is_float32(kind):
        hashes = hasher.hash_int(_java_bits(_fixed_width_values(array, np.dtype(np.float32))), seeds)
    elif pa.types.is_float64(kind):
        hashes = hasher.hash_long(_java_bits(_fixed_width_values(array, np.dtype(np.float64))), seeds)
    elif pa.types.is_decimal128(kind):
        hashes = _fold_decimal(array, seeds, hasher)
    elif (pa.types.is_string(kind) or pa.types.is_binary(kind)
          or pa.types.is_large_string(kind) or pa.types.is_large_binary(kind)):
        hashes = hasher.hash_bytes(*_byte_rows(array), seeds)
    elif pa.types.is_string_view(kind) or pa.types.is_binary_view(kind):
        return _fold(array.cast(pa.large_binary()), seeds, hasher, sort_maps)
    elif pa.types.is_map(kind):
        entries = array.values
        hashes = _fold_elements(array, [entries.field(0), entries.field(1)], seeds, hasher, sort_maps)
    elif pa.types.is_list(kind) or pa.types.is_large_list(kind):
        hashes = _fold_elements(array, [array.values], seeds, hasher, sort_maps)
    elif pa.types.is_struct(kind):
        hashes = seeds
        for i in range(kind.num_fields):
            hashes = _fold(array.field(i), hashes, hasher, sort_maps)
    else:
        raise TypeError(f"cannot hash values of Arrow type {kind}: it maps to no Spark type")
    if array.null_count:
        return np.where(array.is_valid().to_numpy(zero_copy_only=False), hashes, seeds)
    return hashes


def _fixed_width_values(array: pa.Array, dtype: np.dtype) -> np.ndarray:
    """The values buffer of a fixed-width array (whatever sits in null slots included)."""
    return np.frombuffer(array.buffers()[1], dtype=dtype, count=len(array), offset=array.offset * dtype.itemsize)


def _java_bits(floats: np.ndarray) -> np.ndarray:
    """IEEE bits of the floats as unsigned ints, with -0.0 as 0.0 and NaN canonical, as Spark hashes them."""
    bits_type, nan_bits = (np.uint32, _FLOAT_NAN_BITS) if floats.dtype == np.float32 else (np.uint64, _DOUBLE_NAN_BITS)
    bits = floats.view(bits_type)
    bits = np.where(floats == 0, bits_type(0), bits)
    return np.where(np.isnan(floats), nan_bits, bits)


def _fold_decimal(array: pa.Array, seeds: np.ndarray, hasher: type) -> np.ndarray:
    # Each decimal128 is two little-endian uint64 words: low, then high.
    words = np.frombuffer(array.buffers()[1], dtype=np.uint64, count=2 * len(array), offset=array.offset * 16)
    if array.type.precision <= 18:
        # The unscaled value fits a long: its low 64 bits are that long.
        return hasher.hash_long(words[0::2], seeds)
    return hasher.hash_bytes(*_big_integer_bytes(words.view(np.uint8).reshape(-1, 16)), seeds)


def _big_integer_bytes(little_endian: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Java's ``BigInteger.toByteArray()`` of 128-bit two's complement values, as byte rows.

    That is the big-endian two's complement form without redundant leading sign bytes (0x00 for
    non-negative, 0xFF for negative values) while the remaining top bit still shows the sign; so
    0 is one byte 00, 128 is 00 80 and -128 is 80. Returns (starts, lengths, data) like ``_byte_rows``.
    """
    big_endian = np.ascontiguousarray(little_endian[:, ::-1])
    negative = big_endian[:, 0] >= 0x80
    sign_byte = np.where(negative, np.uint8(0xFF), np.uint8(0))
    leading = np.cumprod(big_endian == sign_byte[:, None], axis=1).sum(axis=1)
    rows = np.arange(len(big_endian))
    first_kept = big_endian[rows, np.minimum(leading, 15)]
    # Keep one sign byte when the first significant byte's top bit would flip the sign.
    sign_flips = (first_kept >= 0x80) != negative
    skipped = np.where(leading == 16, 15, leading - (sign_flips & (leading > 0)))
    return rows * 16 + skipped, 16 - skipped, big_endian.reshape(-1)


def _byte_rows(array: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(starts, lengths, data) of a string/binary array: row i is ``data[starts[i]:starts[i] + lengths[i]]``."""
    offsets = _offsets(array)
    first, end = int(offsets[0]), int(offsets[-1])
    data = np.frombuffer(array.buffers()[2], dtype=np.uint8)[first:end] if end > first else np.zeros(0, np.uint8)
    return offsets[:-1] - first, np.diff(offsets), data


def _fold_elements(array: pa.Array, children: list[pa.Array], seeds: np.ndarray, hasher: type,
                   sort_maps: bool) -> np.ndarray:
    """Fold each list (or map) row's elements in order; a map's element is its key then its value."""
    offsets = _offsets(array)
    lengths = np.diff(offsets)
    order, lengths_sorted = _by_length(lengths)
    starts = offsets[:-1][order]
    hashes = seeds[order]
    in_key_order = None
    if sort_maps and pa.types.is_map(array.type):
        in_key_order = _key_order(children[0], offsets)
        children = [children[0], _map_sort_values(children[1])]
    for index, first in enumerate(_rows_longer_than(lengths_sorted, 1)):
        positions = starts[first:] + index
        if in_key_order is not None:
            positions = in_key_order[positions - offsets[0]]
        for child in children:
            hashes[first:] = _fold(child.take(pa.array(positions)), hashes[first:], hasher, sort_maps)
    return _unsort(hashes, order)


def _key_order(keys: pa.Array, offsets: np.ndarray) -> np.ndarray:
    """Entry positions such that ``result[offsets[i] - offsets[0] + k]`` is map i's k-th smallest key.

    Arrow orders strings and binary by their bytes, numbers numerically and NaN last, as Spark's
    ``MapSort`` does; map keys are never null.
    """
    rows = np.repeat(np.arange(len(offsets) - 1), np.diff(offsets))
    entries = pa.table({"row": rows, "key": keys.slice(offsets[0], offsets[-1] - offsets[0])})
    order = pc.sort_indices(entries, sort_keys=[("row", "ascending"), ("key", "ascending")])
    return offsets[0] + order.to_numpy().astype(np.int64)


def _map_sort_values(values: pa.Array) -> pa.Array:
    """Map values as Spark's ``MapSort`` leaves them: null primitive values become zero.

    Spark 4.3's ``MapSort`` copies primitive values (bool, integers, floats, dates, timestamps,
    intervals; not decimals) without their null flags, so repartitioning hashes such a null as 0.
    """
    kind = values.type
    primitive = (pa.types.is_boolean(kind) or pa.types.is_integer(kind) or pa.types.is_floating(kind)
                 or pa.types.is_date32(kind) or pa.types.is_timestamp(kind) or pa.types.is_duration(kind))
    if not primitive or not values.null_count:
        return values
    return values.fill_null(pa.scalar(False if pa.types.is_boolean(kind) else 0, kind))


def _offsets(array: pa.Array) -> np.ndarray:
    """The ``len + 1`` value offsets of a string, binary, list or map array, as int64."""
    kind = array.type
    large = pa.types.is_large_string(kind) or pa.types.is_large_binary(kind) or pa.types.is_large_list(kind)
    offset_type = np.dtype(np.int64 if large else np.int32)
    return np.frombuffer(array.buffers()[1], dtype=offset_type, count=len(array) + 1,
                         offset=array.offset * offset_type.itemsize).astype(np.int64)


def _by_length(lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The row order by ascending length and the sorted lengths.

    In that order the rows having a block at any position form a suffix, so each block pass works
    on a slice rather than a gathered subset.
    """
    order = np.argsort(lengths, kind="stable")
    return order, lengths[order]


def _rows_longer_than(sorted_lengths: np.ndarray, block_size: int) -> np.ndarray:
    """For each block position j, the first sorted row holding a whole block j of ``block_size``."""
    if len(sorted_lengths) == 0:
        return np.zeros(0, dtype=np.int64)
    needed = block_size * np.arange(1, int(sorted_lengths[-1]) // block_size + 1)
    return np.searchsorted(sorted_lengths, needed, side="left")


def _unsort(values: np.ndarray, order: np.ndarray) -> np.ndarray:
    result = np.empty_like(values)
    result[order] = values
    return result


def _words(data: np.ndarray, dtype: str) -> np.ndarray:
    """``words[p]`` is the little-endian word of ``dtype`` starting at byte ``p`` of ``data``.

    A zero-copy unaligned view with a one-byte stride over the data plus 8 zero bytes of padding.
    """
    padded = np.concatenate([data, np.zeros(8, dtype=np.uint8)])
    return np.ndarray(shape=(len(data),), dtype=dtype, buffer=padded, strides=(1,))


def _rotl32(x: np.ndarray, r: int) -> np.ndarray:
    return (x << np.uint32(r)) | (x >> np.uint32(32 - r))


def _rotl64(x: np.ndarray, r: int) -> np.ndarray:
    return (x << np.uint64(r)) | (x >> np.uint64(64 - r))


class _Murmur3:
    """Spark's Murmur3_x86_32 on uint32 arrays (Java ints, wrapping)."""

    dtype = np.uint32
    mask = 0xFFFFFFFF

    @staticmethod
    def _mix_k1(k1: np.ndarray) -> np.ndarray:
        return _rotl32(k1 * _C1, 15) * _C2

    @staticmethod
    def _mix_h1(h1: np.ndarray, k1: np.ndarray) -> np.ndarray:
        return _rotl32(h1 ^ k1, 13) * np.uint32(5) + np.uint32(0xE6546B64)

    @staticmethod
    def _fmix(h1: np.ndarray, length) -> np.ndarray:
        h1 = h1 ^ length
        h1 = (h1 ^ (h1 >> np.uint32(16))) * np.uint32(0x85EBCA6B)
        h1 = (h1 ^ (h1 >> np.uint32(13))) * np.uint32(0xC2B2AE35)
        return h1 ^ (h1 >> np.uint32(16))

    @classmethod
    def hash_int(cls, ints: np.ndarray, seeds: np.ndarray) -> np.ndarray:
        return cls._fmix(cls._mix_h1(seeds, cls._mix_k1(ints)), np.uint32(4))

    @classmethod
    def hash_long(cls, longs: np.ndarray, seeds: np.ndarray) -> np.ndarray:
        low = longs.astype(np.uint32)
        high = (longs >> np.uint64(32)).astype(np.uint32)
        h1 = cls._mix_h1(cls._mix_h1(seeds, cls._mix_k1(low)), cls._mix_k1(high))
        return cls._fmix(h1, np.uint32(8))

    @classmethod
    def hash_bytes(cls, starts: np.ndarray, lengths: np.ndarray, data: np.ndarray, seeds: np.ndarray) -> np.ndarray:
        order, lengths = _by_length(lengths)
        starts = starts[order]
        h1 = seeds[order]
        words = _words(data, "<u4")
        for j, first in enumerate(_rows_longer_than(lengths, 4)):
            h1[first:] = cls._mix_h1(h1[first:], cls._mix_k1(words[starts[first:] + 4 * j]))
        # Spark's quirk: each trailing byte is a whole sign-extended int block.
        tail_starts = starts + (lengths - lengths % 4)
        signed = data.view(np.int8)
        for t in range(3):
            rows = np.flatnonzero(lengths % 4 > t)
            k1 = signed[tail_starts[rows] + t].astype(np.int32).view(np.uint32)
            h1[rows] = cls._mix_h1(h1[rows], cls._mix_k1(k1))
        return _unsort(cls._fmix(h1, lengths.astype(np.uint32)), order)


class _XXH64:
    """XXH64 (as Spark's ``XXH64`` class computes it) on uint64 arrays (Java longs, wrapping)."""

    dtype = np.uint64
    mask = 0xFFFFFFFFFFFFFFFF

    @staticmethod
    def _fmix(h: np.ndarray) -> np.ndarray:
        h = (h ^ (h >> np.uint64(33))) * _P2
        h = (h ^ (h >> np.uint64(29))) * _P3
        return h ^ (h >> np.uint64(32))

    @staticmethod
    def _round(acc: np.ndarray, lane: np.ndarray) -> np.ndarray:
        return _rotl64(acc + lane * _P2, 31) * _P1

    @classmethod
    def _mix_lane(cls, h: np.ndarray, lane: np.ndarray) -> np.ndarray:
        return _rotl64(h ^ cls._round(np.uint64(0), lane), 27) * _P1 + _P4

    @staticmethod
    def _mix_int(h: np.ndarray, ints: np.ndarray) -> np.ndarray:
        return _rotl64(h ^ ints.astype(np.uint64) * _P1, 23) * _P2 + _P3

    @classmethod
    def hash_int(cls, ints: np.ndarray, seeds: np.ndarray) -> np.ndarray:
        return cls._fmix(cls._mix_int(seeds + _P5 + np.uint64(4), ints))

    @classmethod
    def hash_long(cls, longs: np.ndarray, seeds: np.ndarray) -> np.ndarray:
        return cls._fmix(cls._mix_lane(seeds + _P5 + np.uint64(8), longs))

    @classmethod
    def hash_bytes(cls, starts: np.ndarray, lengths: np.ndarray, data: np.ndarray, seeds: np.ndarray) -> np.ndarray:
        order, lengths = _by_length(lengths)
        starts = starts[order]
        seeds = seeds[order]
        h = seeds + _P5
        longs = _words(data, "<u8")
        stripes = _rows_longer_than(lengths, 32)
        if len(stripes):
            h[stripes[0]:] = cls._stripes(starts, longs, seeds, stripes)
        h += lengths.astype(np.uint64)
        done = lengths - lengths % 32
        for _ in range(3):
            rows = np.flatnonzero(lengths - done >= 8)
            h[rows] = cls._mix_lane(h[rows], longs[starts[rows] + done[rows]])
            done[rows] += 8
        rows = np.flatnonzero(lengths - done >= 4)
        h[rows] = cls._mix_int(h[rows], longs[starts[rows] + done[rows]].astype(np.uint32))
        done[rows] += 4
        for _ in range(3):
            rows = np.flatnonzero(lengths > done)
            h[rows] = _rotl64(h[rows] ^ data[starts[rows] + done[rows]].astype(np.uint64) * _P5, 11) * _P1
            done[rows] += 1
        return _unsort(cls._fmix(h), order)

    @classmethod
    def _stripes(cls, starts: np.ndarray, longs: np.ndarray, seeds: np.ndarray, stripes: np.ndarray) -> np.ndarray:
        """The four-accumulator phase over 32-byte stripes, for the rows from ``stripes[0]`` on."""
        base = stripes[0]
        seeds = seeds[base:]
        acc = [seeds + _P1 + _P2, seeds + _P2, seeds.copy(), seeds - _P1]
        for j, first in enumerate(stripes - base):
            positions = starts[base + first:] + 32 * j
            for lane in range(4):
                acc[lane][first:] = cls._round(acc[lane][first:], longs[positions + 8 * lane])
        h = _rotl64(acc[0], 1) + _rotl64(acc[1], 7) + _rotl64(acc[2], 12) + _rotl64(acc[3], 18)
        for lane in range(4):
            h = (h ^ cls._round(np.uint64(0), acc[lane])) * _P1 + _P4
        return h

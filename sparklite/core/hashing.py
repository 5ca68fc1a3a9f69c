"""Process-independent hashing of keys, the way PySpark's ``portable_hash`` does it.

Contract: ``portable_hash(key)`` returns the same integer in every Python process, whatever
``PYTHONHASHSEED`` says, and that integer equals what PySpark computes for the same key (PySpark
runs its workers with ``PYTHONHASHSEED=0``). So a key lands in the same shuffle partition on every
executor, and ``partitionBy`` lays data out exactly as PySpark does.

Rules (PySpark's): ``None`` hashes to 0; a tuple mixes its items' portable hashes with CPython's old
tuple algorithm; ``str`` and ``bytes`` use CPython's SipHash with the all-zero key that
``PYTHONHASHSEED=0`` selects; everything else (int, float, bool, ...) uses ``hash()``, which CPython
never randomizes for numbers. When this process itself runs with hash randomization off, the
built-in ``hash`` already is the portable hash and is used directly; otherwise strings are hashed in
Python and memoized.
"""
from __future__ import annotations

import struct
import sys

import numpy as np

_MASK = (1 << 64) - 1
_RANDOMIZED = sys.flags.hash_randomization != 0
# CPython 3.11 switched str/bytes hashing from SipHash-2-4 to SipHash-1-3.
_C_ROUNDS, _D_ROUNDS = (1, 3) if sys.hash_info.algorithm == "siphash13" else (2, 4)


def _rotl(x: int, b: int) -> int:
    return ((x << b) | (x >> (64 - b))) & _MASK


def _sip_rounds(v0: int, v1: int, v2: int, v3: int, n: int):
    for _ in range(n):
        v0 = (v0 + v1) & _MASK
        v1 = _rotl(v1, 13) ^ v0
        v0 = _rotl(v0, 32)
        v2 = (v2 + v3) & _MASK
        v3 = _rotl(v3, 16) ^ v2
        v0 = (v0 + v3) & _MASK
        v3 = _rotl(v3, 21) ^ v0
        v2 = (v2 + v1) & _MASK
        v1 = _rotl(v1, 17) ^ v2
        v2 = _rotl(v2, 32)
    return v0, v1, v2, v3


def siphash(data: bytes, k0: int = 0, k1: int = 0) -> int:
    """CPython's SipHash of ``data`` as a signed 64-bit ``Py_hash_t`` (``-1`` becomes ``-2``)."""
    if not data:
        return 0
    v0 = k0 ^ 0x736F6D6570736575
    v1 = k1 ^ 0x646F72616E646F6D
    v2 = k0 ^ 0x6C7967656E657261
    v3 = k1 ^ 0x7465646279746573
    whole = len(data) // 8
    for (m,) in struct.iter_unpack("<Q", data[: whole * 8]):
        v3 ^= m
        v0, v1, v2, v3 = _sip_rounds(v0, v1, v2, v3, _C_ROUNDS)
        v0 ^= m
    b = ((len(data) & 0xFF) << 56) | int.from_bytes(data[whole * 8:], "little")
    v3 ^= b
    v0, v1, v2, v3 = _sip_rounds(v0, v1, v2, v3, _C_ROUNDS)
    v0 ^= b
    v2 ^= 0xFF
    v0, v1, v2, v3 = _sip_rounds(v0, v1, v2, v3, _D_ROUNDS)
    h = v0 ^ v1 ^ v2 ^ v3
    if h >= 1 << 63:
        h -= 1 << 64
    return -2 if h == -1 else h


def _str_buffer(s: str) -> bytes:
    """The bytes CPython hashes for ``s``: its compact 1-, 2- or 4-byte-per-character buffer."""
    widest = max(map(ord, s)) if s else 0
    if widest < 0x100:
        return s.encode("latin-1")
    if widest < 0x10000:
        return s.encode("utf-16-le", "surrogatepass")   # lone surrogates are code units too
    return s.encode("utf-32-le", "surrogatepass")


_memo: dict = {}
_MEMO_LIMIT = 1 << 20


def _seedless_hash(x) -> int:
    h = _memo.get(x)
    if h is None:
        h = siphash(_str_buffer(x) if isinstance(x, str) else bytes(x))
        if len(_memo) >= _MEMO_LIMIT:
            _memo.clear()
        _memo[x] = h
    return h


def portable_hash(x) -> int:
    """Hash ``x`` identically in every process (see the module docstring)."""
    if x is None:
        return 0
    if isinstance(x, tuple):
        h = 0x345678
        for item in x:
            h ^= portable_hash(item)
            h *= 1000003
            h &= sys.maxsize
        h ^= len(x)
        if h == -1:
            h = -2
        return int(h)
    if _RANDOMIZED and isinstance(x, (str, bytes)):
        return _seedless_hash(x)
    return hash(x)


def _rotl_np(x, b: int):
    return (x << np.uint64(b)) | (x >> np.uint64(64 - b))


def _sip_rounds_np(v0, v1, v2, v3, n: int):
    for _ in range(n):
        v0 += v1
        v1 = _rotl_np(v1, 13) ^ v0
        v0 = _rotl_np(v0, 32)
        v2 += v3
        v3 = _rotl_np(v3, 16) ^ v2
        v0 += v3
        v3 = _rotl_np(v3, 21) ^ v0
        v2 += v1
        v1 = _rotl_np(v1, 17) ^ v2
        v2 = _rotl_np(v2, 32)
    return v0, v1, v2, v3


def siphash_many(datas: list) -> np.ndarray:
    """``siphash`` of many byte strings at once, vectorized over strings of equal block count."""
    out = np.zeros(len(datas), dtype=np.int64)
    lengths = np.fromiter(map(len, datas), dtype=np.int64, count=len(datas))
    blocks = lengths // 8
    with np.errstate(over="ignore"):
        for nblocks in np.unique(blocks[lengths > 0]).tolist():
            idx = np.flatnonzero((blocks == nblocks) & (lengths > 0))
            width = (nblocks + 1) * 8
            words = np.frombuffer(b"".join(datas[i].ljust(width, b"\0") for i in idx.tolist()),
                                  dtype="<u8").reshape(len(idx), nblocks + 1)
            v0 = np.full(len(idx), 0x736F6D6570736575, dtype=np.uint64)
            v1 = np.full(len(idx), 0x646F72616E646F6D, dtype=np.uint64)
            v2 = np.full(len(idx), 0x6C7967656E657261, dtype=np.uint64)
            v3 = np.full(len(idx), 0x7465646279746573, dtype=np.uint64)
            for j in range(nblocks):
                m = words[:, j]
                v3 ^= m
                v0, v1, v2, v3 = _sip_rounds_np(v0, v1, v2, v3, _C_ROUNDS)
                v0 ^= m
            b = words[:, nblocks] | ((lengths[idx].astype(np.uint64) & np.uint64(0xFF)) << np.uint64(56))
            v3 ^= b
            v0, v1, v2, v3 = _sip_rounds_np(v0, v1, v2, v3, _C_ROUNDS)
            v0 ^= b
            v2 ^= np.uint64(0xFF)
            v0, v1, v2, v3 = _sip_rounds_np(v0, v1, v2, v3, _D_ROUNDS)
            out[idx] = (v0 ^ v1 ^ v2 ^ v3).view(np.int64)
    out[out == -1] = -2
    return out


def portable_hash_many(keys: list) -> np.ndarray:
    """``portable_hash`` of every key, as int64; vectorized for str and bytes keys."""
    types = set(map(type, keys))
    if _RANDOMIZED and types & {str, bytes}:
        if types <= {str, bytes}:
            # Keys repeat across partitions (a vocabulary): remember their hashes, compute the new ones at once.
            known = list(map(_memo.get, keys))
            new = [i for i, h in enumerate(known) if h is None]
            if new:
                fresh = [keys[i] for i in new]
                hashes = siphash_many([k if type(k) is bytes else _str_buffer(k) for k in fresh]).tolist()
                if len(_memo) + len(fresh) > _MEMO_LIMIT:
                    _memo.clear()
                _memo.update(zip(fresh, hashes))
                for i, h in zip(new, hashes):
                    known[i] = h
            return np.array(known, dtype=np.int64)
        return np.fromiter(map(portable_hash, keys), dtype=np.int64, count=len(keys))
    if types <= {str, bytes, int, float, bool}:
        return np.fromiter(map(hash, keys), dtype=np.int64, count=len(keys))
    return np.fromiter(map(portable_hash, keys), dtype=np.int64, count=len(keys))

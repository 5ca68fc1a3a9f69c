"""The Arrow record codec: a partition of Python records <-> one ``pyarrow.Table``.

Contract: ``decode(encode(records))`` equals ``records`` element by element, with the same Python
types. ``encode`` picks typed Arrow columns when every record has the same shape:

* scalars of one type: int -> int64, float -> float64, str -> string, bytes -> binary,
  bool -> bool (``None`` allowed anywhere; all-None -> null);
* tuples of one length -> one column per position (``_1``, ``_2``, ...), each typed the same way,
  nested tuples becoming structs;
* numpy arrays of one shape and numeric dtype -> fixed-size lists, nested once per dimension;
* lists whose elements (all lists' together) fit one column -> large lists of that column;
* ``pyarrow.RecordBatch`` records (columnar partitions) -> the batches themselves, untouched.

Anything else (mixed int/float, dicts, objects, ints past 64 bits) falls back to one binary column
of pickled chunks of records. The table's schema metadata records which layout was used.
``to_ipc``/``from_ipc`` move a table as Arrow IPC stream bytes (shuffle blocks, spills, checkpoints).
"""
from __future__ import annotations

import itertools
import pickle

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_KIND = b"sparklite.kind"
_PICKLE_CHUNK = 4096
_NONE = type(None)


class _Untypeable(Exception):
    """Raised inside the encoder when values do not fit one Arrow type."""


def _column(values: list) -> pa.Array:
    types = set(map(type, values))
    has_none = _NONE in types
    types.discard(_NONE)
    if not types:
        return pa.nulls(len(values))
    if len(types) > 1:
        raise _Untypeable
    (kind,) = types
    if kind is int:
        if has_none:
            return pa.array(values, pa.int64())
        try:
            return pa.array(np.array(values, dtype=np.int64))
        except OverflowError:
            raise _Untypeable from None
    if kind is float:
        return pa.array(values, pa.float64()) if has_none else pa.array(np.array(values, dtype=np.float64))
    if kind is str:
        return pa.array(values, pa.large_string())
    if kind is bytes:
        return pa.array(values, pa.large_binary())
    if kind is bool:
        return pa.array(values, pa.bool_())
    if kind is tuple and not has_none:
        width = len(values[0])
        if width == 0 or any(len(v) != width for v in values):
            raise _Untypeable
        children = [_column(list(c)) for c in zip(*values)]
        return pa.StructArray.from_arrays(children, names=[f"_{i + 1}" for i in range(width)])
    if kind is np.ndarray and not has_none:
        first = values[0]
        if first.ndim == 0 or first.size == 0 and first.ndim > 1 or first.dtype.kind not in "iufb":
            raise _Untypeable
        if any(v.shape != first.shape or v.dtype != first.dtype for v in values):
            raise _Untypeable
        column = pa.array(np.concatenate([v.ravel() for v in values]) if first.size else np.empty(0, first.dtype))
        for size in reversed(first.shape):    # one fixed-size list level per dimension
            column = pa.FixedSizeListArray.from_arrays(column, size)
        return column
    if kind is list and not has_none:
        offsets = np.zeros(len(values) + 1, dtype=np.int64)
        np.cumsum(np.fromiter(map(len, values), np.int64, len(values)), out=offsets[1:])
        child = _column(list(itertools.chain.from_iterable(values)))
        return pa.LargeListArray.from_arrays(pa.array(offsets), child)
    raise _Untypeable


def _values(array) -> list:
    """Python values of one encoded column (the inverse of ``_column``)."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks() if array.num_chunks != 1 else array.chunk(0)
    t = array.type
    if pa.types.is_struct(t):
        return list(zip(*(_values(array.field(i)) for i in range(t.num_fields))))
    if pa.types.is_fixed_size_list(t):
        shape, flat = [len(array)], array
        while pa.types.is_fixed_size_list(flat.type):
            shape.append(flat.type.list_size)
            flat = flat.flatten()
        rows = flat.to_numpy(zero_copy_only=False).reshape(shape).copy()  # writable, as they were cached
        return list(rows)
    if pa.types.is_large_list(t):
        offsets = array.offsets.to_numpy()
        start = int(offsets[0]) if len(offsets) else 0
        flat = _values(array.values.slice(start, int(offsets[-1]) - start if len(offsets) else 0))
        bounds = (offsets - start).tolist()
        return [flat[a:b] for a, b in zip(bounds, bounds[1:])]
    if array.null_count == 0 and (pa.types.is_integer(t) or pa.types.is_floating(t)):
        return array.to_numpy().tolist()
    return array.to_pylist()


def encode(records: list) -> pa.Table:
    """Encode one partition's records as an Arrow table (see the module docstring)."""
    if not records:
        return pa.table({}, metadata={_KIND: b"empty"})
    first = records[0]
    if isinstance(first, pa.RecordBatch) and all(isinstance(r, pa.RecordBatch) for r in records):
        try:
            table = pa.Table.from_batches(records)
            return table.replace_schema_metadata({**(table.schema.metadata or {}), _KIND: b"batches"})
        except pa.ArrowInvalid:
            pass
    try:
        if type(first) is tuple and all(type(r) is tuple for r in records):
            column = _column(records)
            if isinstance(column, pa.StructArray):
                return pa.Table.from_arrays(column.flatten(), names=[f.name for f in column.type],
                                            metadata={_KIND: b"tuple"})
        return pa.table({"value": _column(records)}, metadata={_KIND: b"scalar"})
    except (_Untypeable, pa.ArrowException, ValueError, TypeError, OverflowError):
        pass
    chunks = [pickle.dumps(records[i:i + _PICKLE_CHUNK], pickle.HIGHEST_PROTOCOL)
              for i in range(0, len(records), _PICKLE_CHUNK)]
    return pa.table({"pickled": pa.array(chunks, pa.large_binary())}, metadata={_KIND: b"pickle"})


def decode(table: pa.Table) -> list:
    """The records ``encode`` was given, as a new list."""
    kind = (table.schema.metadata or {}).get(_KIND, b"pickle")
    if kind == b"empty":
        return []
    if kind == b"scalar":
        return _values(table.column(0))
    if kind == b"tuple":
        return list(zip(*(_values(c) for c in table.columns)))
    if kind == b"batches":
        plain = table.replace_schema_metadata({k: v for k, v in table.schema.metadata.items() if k != _KIND} or None)
        return plain.to_batches()
    out: list = []
    for chunk in table.column(0).to_pylist():
        out.extend(pickle.loads(chunk))
    return out


def rows_with_keys(table: pa.Table, keys) -> pa.Table | None:
    """The rows of an encoded (key, value) partition whose key is in ``keys``, still encoded; None
    when the layout cannot tell (the caller then decodes everything). Only string and integer keys
    are matched in Arrow, where equality is exactly Python's."""
    if layout(table) != "tuple" or table.num_columns != 2:
        return None
    key_type = table.column(0).type
    if pa.types.is_large_string(key_type):
        wanted = str
    elif pa.types.is_int64(key_type):
        wanted = int
    else:
        return None
    keys = list(keys)
    if any(type(k) is not wanted for k in keys):
        return None
    try:
        return table.filter(pc.is_in(table.column(0), value_set=pa.array(keys, key_type)))
    except (pa.ArrowException, OverflowError, ValueError):   # e.g. a key with a lone surrogate
        return None


def layout(table: pa.Table) -> str:
    """Which layout ``encode`` chose: scalar, tuple, batches, pickle or empty."""
    return (table.schema.metadata or {}).get(_KIND, b"pickle").decode()


def to_ipc(table: pa.Table) -> pa.Buffer:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue()


def from_ipc(buffer) -> pa.Table:
    return pa.ipc.open_stream(buffer).read_all()


def encode_ipc(records: list) -> pa.Buffer:
    return to_ipc(encode(records))


def decode_ipc(buffer) -> list:
    return decode(from_ipc(buffer))



"""Messages between sparklite processes on this machine: length-prefixed pickles over a stream socket.

Contract: ``send(sock, obj)`` writes one message (an 8-byte length, then ``obj`` pickled; with
cloudpickle when plain pickle cannot, so user exceptions of dynamic classes travel); ``recv(sock)`` reads one and raises
``EOFError`` when the peer has gone (closed its end or died). Bulk data (blocks, broadcasts) does
not travel here: it goes through files in shared memory that both sides map (see
``storage.blockstore``), so a message is small and a copy of it is cheap.
"""
from __future__ import annotations

import pickle
import struct

import cloudpickle

_LENGTH = struct.Struct("<Q")


def dumps(obj) -> bytes:
    """``obj`` pickled: with the C pickler when it can, else with cloudpickle."""
    try:
        return pickle.dumps(obj, pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, TypeError, AttributeError):   # a dynamic class: cloudpickle carries it
        return cloudpickle.dumps(obj, pickle.HIGHEST_PROTOCOL)


def send(sock, obj) -> None:
    payload = dumps(obj)
    sock.sendall(_LENGTH.pack(len(payload)) + payload if len(payload) < 1 << 16 else _LENGTH.pack(len(payload)))
    if len(payload) >= 1 << 16:
        sock.sendall(payload)


def _recv_exactly(sock, n: int) -> memoryview:
    buffer = bytearray(n)
    view, got = memoryview(buffer), 0
    while got < n:
        chunk = sock.recv_into(view[got:], n - got)
        if chunk == 0:
            raise EOFError("the other process closed the connection")
        got += chunk
    return view


def recv(sock):
    try:
        (length,) = _LENGTH.unpack(_recv_exactly(sock, _LENGTH.size))
        return pickle.loads(_recv_exactly(sock, length))
    except (ConnectionError, OSError) as e:
        raise EOFError(f"the other process's connection broke: {e}") from e

"""Computing messages in an edge partition, as tasks do for ``aggregateMessages`` and Pregel.

A *sender* maps an edge partition (with its mirror of vertex attributes, already narrowed to the active
edges) to ``(positions, messages)``: local vertex positions and a column of messages to them. The known
senders of the algorithms work on whole columns; ``context_sender`` runs a user's ``sendMsg(ctx)`` edge by
edge and ``triplet_sender`` a Pregel ``sendMsg(triplet)`` that yields ``(vertexId, message)`` pairs.
"""
from __future__ import annotations

import numpy as np

from sparklite.graph.columns import column, concat, python_values
from sparklite.graph.edges import EdgeContext, EdgeTriplet
from sparklite.graph.partitions import DST, SRC, EdgePartition, message_blocks

_NO_POSITIONS = np.empty(0, np.int64)


def partition_messages(part: EdgePartition, sender, merge, num_vertex_partitions: int, direction: str | None):
    """The blocks of merged messages this edge partition sends each vertex partition."""
    keep = part.active_edges(direction)
    if keep is not None:
        part = part.select(keep)
    sent = sender(part)
    if not sent:
        return
    positions = np.concatenate([p for p, _ in sent]) if sent else _NO_POSITIONS
    if not len(positions):
        return
    yield from message_blocks(positions, concat([m for _, m in sent]), part, merge, num_vertex_partitions)


def _endpoint_values(part: EdgePartition, sides: int):
    mirror = python_values(part.mirror) if sides and part.mirror is not None else None
    src_i, dst_i = part.src_i.tolist(), part.dst_i.tolist()
    src_attr = [mirror[i] for i in src_i] if sides & SRC else [None] * len(src_i)
    dst_attr = [mirror[i] for i in dst_i] if sides & DST else [None] * len(dst_i)
    return src_i, dst_i, src_attr, dst_attr


def context_sender(send_msg, sides: int):
    """A sender that calls ``send_msg(ctx)`` once per edge with an ``EdgeContext``."""
    def send(part: EdgePartition):
        ctx = EdgeContext()
        src_i, dst_i, src_attr, dst_attr = _endpoint_values(part, sides)
        for s, d, a, si, di, sa, da in zip(part.src.tolist(), part.dst.tolist(), python_values(part.attr),
                                           src_i, dst_i, src_attr, dst_attr):
            ctx.srcId, ctx.dstId, ctx.attr, ctx.src_i, ctx.dst_i, ctx.srcAttr, ctx.dstAttr = s, d, a, si, di, sa, da
            send_msg(ctx)
        if not ctx.to:
            return []
        return [(np.array(ctx.to, dtype=np.int64), column(ctx.messages))]
    return send


def triplet_sender(send_msg):
    """A sender for Pregel's ``send_msg(triplet)``, which yields ``(vertexId, message)`` for either end."""
    def send(part: EdgePartition):
        to, messages = [], []
        src_i, dst_i, src_attr, dst_attr = _endpoint_values(part, SRC | DST)
        for s, d, a, si, di, sa, da in zip(part.src.tolist(), part.dst.tolist(), python_values(part.attr),
                                           src_i, dst_i, src_attr, dst_attr):
            for vid, msg in send_msg(EdgeTriplet(s, d, a, sa, da)) or ():
                if vid == s:
                    to.append(si)
                elif vid == d:
                    to.append(di)
                else:
                    raise ValueError(f"Pregel's sendMsg can only send to the source or destination vertex of "
                                     f"its triplet: edge {s} -> {d} sent to {vid!r}")
                messages.append(msg)
        if not to:
            return []
        return [(np.array(to, dtype=np.int64), column(messages))]
    return send


def triplets(part: EdgePartition, sides: int):
    """The partition's edges as ``EdgeTriplet`` objects."""
    src_i, dst_i, src_attr, dst_attr = _endpoint_values(part, sides)
    return [EdgeTriplet(s, d, a, sa, da) for s, d, a, sa, da in
            zip(part.src.tolist(), part.dst.tolist(), python_values(part.attr), src_attr, dst_attr)]

"""A graph's partitions, and the functions tasks run on them (GraphX's vertex-cut design).

* ``EdgePartition``: a partition of edges as columns ``src``, ``dst`` (int64) and ``attr``, with a local
  index: ``local`` holds the sorted distinct vertex ids the partition references and ``src_i``/``dst_i``
  each edge's endpoints as positions in it. ``mirror`` (aligned with ``local``, or None) holds the vertex
  attributes shipped to this partition, ``active`` (or None) which of those vertices Pregel counts as
  active. Every edge lives in exactly one edge partition.
* ``VertexPartition``: the vertices whose ``id % numPartitions`` is the partition, sorted ids and a
  column of attributes, plus the routing table: for every edge partition, the positions of the vertices
  it references and whether each is a source (bit 1) and/or a destination (bit 2) there.
  A partition that results from an operation also says which of its attributes ``changed`` since the
  graph it came from, so that only those travel to the edge partitions again.
* Shipping (GraphX's replicated vertex view): each vertex partition sends each edge partition the ids and
  attributes of the vertices it needs, for the side(s) a computation reads, only the changed ones when the
  edge partitions already hold the rest; the edge partition writes them into its mirror.
* Messages: an edge partition computes its messages, merges those for one vertex locally, and sends each
  vertex partition one block ``(ids, messages)``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sparklite.graph.columns import assign, column, concat, filled, objects, python_values, reduce_at

SRC, DST = 1, 2


def vertex_id(value) -> int:
    """A vertex id as a Python int; TypeError naming anything else."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        return int(value)
    raise TypeError(f"vertex ids must be integers (GraphX's VertexId is a 64-bit long); got {value!r} "
                    f"of type {type(value).__name__}")


def id_array(values: list) -> np.ndarray:
    """Vertex ids as int64, checking each (TypeError naming the first that is not an integer)."""
    try:
        if all(type(v) is int for v in values):
            return np.array(values, dtype=np.int64)
    except OverflowError:
        pass
    return np.array([vertex_id(v) for v in values], dtype=np.int64)


def vertex_partition_of(ids: np.ndarray, num_partitions: int) -> np.ndarray:
    """The vertex partition of each id (the same as ``vertex_partitioner`` on one Python int)."""
    return ids % num_partitions


def vertex_partitioner(vid: int) -> int:
    """The vertices' partition function: a vertex goes to ``id % numPartitions`` (TypeError for a
    non-integer id)."""
    return vertex_id(vid)


@dataclass
class EdgePartition:
    """One edge partition with its local vertex index (see the module docstring)."""
    src: np.ndarray
    dst: np.ndarray
    attr: np.ndarray
    local: np.ndarray
    src_i: np.ndarray
    dst_i: np.ndarray
    mirror: np.ndarray | None = None
    active: np.ndarray | None = None

    @classmethod
    def of(cls, src: np.ndarray, dst: np.ndarray, attr: np.ndarray) -> "EdgePartition":
        local, inverse = np.unique(np.concatenate([src, dst]), return_inverse=True)
        inverse = inverse.astype(np.int64)
        return cls(src, dst, attr, local, inverse[:len(src)], inverse[len(src):])

    def __len__(self) -> int:
        return len(self.src)

    def with_attr(self, attr: np.ndarray) -> "EdgePartition":
        """The same edges and mirror with other edge attributes."""
        return EdgePartition(self.src, self.dst, attr, self.local, self.src_i, self.dst_i, self.mirror, self.active)

    def bare(self) -> "EdgePartition":
        """The edges without the shipped vertex attributes."""
        return EdgePartition(self.src, self.dst, self.attr, self.local, self.src_i, self.dst_i)

    def select(self, keep: np.ndarray) -> "EdgePartition":
        """The edges where ``keep`` is true, keeping the local index and mirror."""
        return EdgePartition(self.src[keep], self.dst[keep], self.attr[keep], self.local, self.src_i[keep],
                             self.dst_i[keep], self.mirror, self.active)

    def src_attr(self) -> np.ndarray:
        return self.mirror[self.src_i]

    def dst_attr(self) -> np.ndarray:
        return self.mirror[self.dst_i]

    def active_edges(self, direction: str | None) -> np.ndarray | None:
        """Which edges Pregel runs ``sendMsg`` on: by the activeness of their endpoints (None: all)."""
        if direction is None or self.active is None:
            return None
        s, d = self.active[self.src_i], self.active[self.dst_i]
        return {"Out": s, "In": d, "Either": s | d, "Both": s & d}[direction]


def edge_partition_from_records(records) -> EdgePartition:
    """Edges given as ``Edge`` objects or ``(src, dst, attr)`` tuples."""
    src, dst, attr = [], [], []
    for e in records:
        src.append(e[0])
        dst.append(e[1])
        attr.append(e[2])
    return EdgePartition.of(id_array(src), id_array(dst), column(attr))


def edge_partition_from_pairs(records, default) -> EdgePartition:
    """Edges given as ``(src, dst)`` pairs, each with attribute ``default``."""
    src, dst = [], []
    for e in records:
        src.append(e[0])
        dst.append(e[1])
    return EdgePartition.of(id_array(src), id_array(dst), filled(default, len(src)))


def routing_messages(eid: int, part: EdgePartition, num_vertex_partitions: int):
    """What edge partition ``eid`` tells each vertex partition: the ids it references, with their sides."""
    flags = np.zeros(len(part.local), dtype=np.uint8)
    flags[part.src_i] |= SRC
    flags[part.dst_i] |= DST
    owners = vertex_partition_of(part.local, num_vertex_partitions)
    for p in np.unique(owners).tolist():
        mine = owners == p
        yield p, (eid, part.local[mine], flags[mine])


@dataclass
class VertexPartition:
    """One vertex partition (see the module docstring); ``routing`` is None for a result that is not a
    graph's vertices (messages, degrees)."""
    ids: np.ndarray
    attrs: np.ndarray
    routing: list | None = None
    changed: np.ndarray | None = None

    def pairs(self):
        return zip(self.ids.tolist(), python_values(self.attrs))

    def with_attrs(self, attrs: np.ndarray, changed: np.ndarray | None = None) -> "VertexPartition":
        return VertexPartition(self.ids, attrs, self.routing, changed)

    def positions(self, ids: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.ids, ids)


def vertex_partition(pairs, routing_blocks, default, num_edge_partitions: int) -> VertexPartition:
    """A graph's vertex partition: the given ``(id, attr)`` pairs (the first of a repeated id wins) and
    every id an edge references (with ``default``), with the routing table."""
    routing_blocks = list(routing_blocks)
    given_ids, given_attrs = [], []
    for vid, attr in pairs:
        given_ids.append(vid)
        given_attrs.append(attr)
    given = id_array(given_ids)
    referenced = [block[1] for _, block in routing_blocks]
    ids = np.unique(np.concatenate([given] + referenced)) if referenced or len(given) else np.empty(0, np.int64)
    if len(given):
        first, at = np.unique(given, return_index=True)
        attrs = column([given_attrs[i] for i in at.tolist()])
        if len(first) < len(ids):
            attrs = assign(filled(default, len(ids)), len(ids), np.searchsorted(ids, first), attrs)
    else:
        attrs = filled(default, len(ids))
    routing = [(np.empty(0, np.int64), np.empty(0, np.uint8)) for _ in range(num_edge_partitions)]
    for _, (eid, vids, flags) in routing_blocks:
        routing[eid] = (np.searchsorted(ids, vids), flags)
    return VertexPartition(ids, attrs, routing)


def ship(vpart: VertexPartition, sides: int, incremental: bool, active: np.ndarray | None = None):
    """The blocks ``(eid, (ids, attrs, active))`` this vertex partition sends the edge partitions for a
    computation reading ``sides`` (SRC|DST bits); only changed vertices when ``incremental``."""
    for eid, (positions, flags) in enumerate(vpart.routing):
        pick = (flags & sides) != 0
        if incremental and vpart.changed is not None:
            pick &= vpart.changed[positions]
        if active is not None:
            pick |= ((flags & sides) != 0) & active[positions]
        chosen = positions[pick]
        if len(chosen) or active is not None:
            yield eid, (vpart.ids[chosen], vpart.attrs[chosen], None if active is None else active[chosen])


def receive(part: EdgePartition, blocks, incremental: bool, track_active: bool) -> EdgePartition:
    """``part`` with the shipped vertex attributes written into its mirror (over the old mirror when
    ``incremental``; a mirror of another kind is replaced, as every attribute of the shipped sides then
    travels); with ``track_active`` the shipped active flags replace the active set."""
    blocks = [b for _, b in blocks]
    mirror = part.mirror if incremental else None
    active = np.zeros(len(part.local), dtype=bool) if track_active else None
    if blocks:
        ids = np.concatenate([b[0] for b in blocks])
        positions = np.searchsorted(part.local, ids)
        values = concat([b[1] for b in blocks])
        if mirror is not None and (mirror.dtype != values.dtype or mirror.shape[1:] != values.shape[1:]):
            mirror = None
        mirror = assign(mirror, len(part.local), positions, values)
        if track_active:
            active[positions] = np.concatenate([b[2] for b in blocks])
    elif mirror is None:
        mirror = np.empty(len(part.local), dtype=object)
    return EdgePartition(part.src, part.dst, part.attr, part.local, part.src_i, part.dst_i, mirror, active)


def message_blocks(positions: np.ndarray, messages: np.ndarray, part: EdgePartition, merge,
                   num_vertex_partitions: int):
    """Messages addressed to local positions, merged per vertex and cut into one block per vertex partition."""
    received, merged = reduce_at(positions, messages, len(part.local), merge)
    ids, merged = part.local[received], merged[received]
    owners = vertex_partition_of(ids, num_vertex_partitions)
    for p in np.unique(owners).tolist():
        mine = owners == p
        yield p, (ids[mine], merged[mine])


def merge_blocks(blocks, merge) -> VertexPartition:
    """The message blocks one vertex partition received, merged per vertex (sorted ids)."""
    blocks = [b for _, b in blocks]
    if not blocks:
        return VertexPartition(np.empty(0, np.int64), np.empty(0, dtype=object))
    ids = np.concatenate([b[0] for b in blocks])
    values = concat([b[1] for b in blocks])
    if len(blocks) == 1:
        return VertexPartition(ids, values)
    distinct, positions = np.unique(ids, return_inverse=True)
    _, merged = reduce_at(positions.astype(np.int64), values, len(distinct), merge)
    return VertexPartition(distinct, merged)


def locate(table: VertexPartition, ids: np.ndarray):
    """(found mask, positions) of ``ids`` in a partition sorted by id; a position is meaningful only where
    found (None when the partition is empty)."""
    if not len(table.ids):
        return np.zeros(len(ids), dtype=bool), None
    at = np.minimum(np.searchsorted(table.ids, ids), len(table.ids) - 1)
    return table.ids[at] == ids, at


def lookup(table: VertexPartition, ids: np.ndarray):
    """(found mask, values as Python objects) of ``ids`` in a partition sorted by id."""
    found, at = locate(table, ids)
    return found, [None] * len(ids) if at is None else python_values(table.attrs[at])


def table_partition(pairs, merge=None) -> VertexPartition:
    """``(id, value)`` pairs of one vertex partition as a ``VertexPartition`` sorted by id: the first value of
    a repeated id, or with ``merge`` all its values merged."""
    ids, values = [], []
    for k, v in pairs:
        ids.append(vertex_id(k))
        values.append(v)
    ids = np.array(ids, dtype=np.int64)
    if merge is not None:
        distinct, positions = np.unique(ids, return_inverse=True)
        return VertexPartition(distinct, reduce_at(positions.astype(np.int64), column(values), len(distinct), merge)[1])
    distinct, first = np.unique(ids, return_index=True)
    return VertexPartition(distinct, objects([values[i] for i in first.tolist()]))

"""The Pregel loop (GraphX's ``Pregel.apply``) over columns, and the periodic cut of an iterative
algorithm's lineage.

``run_pregel`` takes a vertex program over columns ``vprog(ids, attrs, messages) -> attrs`` and a sender
(``messages.py``); ``Graph.pregel`` adapts a user's per-vertex and per-triplet functions to them, the
algorithms of ``lib`` pass whole-column ones. Each superstep applies the messages of the last one, ships
the attributes of the vertices that received them (the active set) over the previous view, and sends
from the active edges. A superstep's messages are counted (the job that materializes it) before the
previous superstep's RDDs are dropped.
"""
from __future__ import annotations

import numpy as np

from sparklite.graph.columns import assign, filled
from sparklite.graph.partitions import VertexPartition
from sparklite.graph.rddparts import one, zip_parts

LOCAL_CHECKPOINT_INTERVAL = 5
CHECKPOINT_INTERVAL_KEY = "spark.graphx.pregel.checkpointInterval"


class LineageCutter:
    """Cut an iterative run's lineage so that it neither grows nor costs more per iteration: with
    ``spark.graphx.pregel.checkpointInterval`` set to N > 0, checkpoint the given RDDs every N iterations
    (into the checkpoint directory when the context has one, else locally); set to -1, never (Spark's
    default); unset, locally every 5 iterations (the blocks stay where they are cached, no files)."""

    def __init__(self, sc):
        self.sc = sc
        configured = sc.getConf().get(CHECKPOINT_INTERVAL_KEY, None)
        self.interval = LOCAL_CHECKPOINT_INTERVAL if configured is None else int(configured)
        self.reliable = configured is not None and sc.getCheckpointDir() is not None

    def update(self, iteration: int, *rdds) -> None:
        if self.interval <= 0 or iteration % self.interval:
            return
        reliable = self.reliable
        for rdd in rdds:
            if rdd is not None and not rdd.isCheckpointed():
                rdd.checkpoint() if reliable else rdd.localCheckpoint()


def count_vertices(parts) -> int:
    """The number of vertices in an RDD of ``VertexPartition`` (a job: materializes what it depends on)."""
    return int(parts.map(lambda p: len(p.ids)).sum())


def apply_messages(graph, messages, vprog):
    """The graph with ``vprog`` run on the vertices that received ``messages``; those are marked changed."""
    def apply(v, m) -> VertexPartition:
        p, msg = one(v), one(m)
        changed = np.zeros(len(p.ids), dtype=bool)
        if not len(msg.ids):
            return p.with_attrs(p.attrs, changed)
        at = np.searchsorted(p.ids, msg.ids)
        changed[at] = True
        return p.with_attrs(assign(p.attrs, len(p.ids), at, vprog(msg.ids, p.attrs[at], msg.attrs)), changed)
    vparts = zip_parts([graph._vparts, messages], apply).persist()
    return type(graph)._of(vparts, graph._eparts, base=graph._view_as_base())


def run_pregel(graph, initial_msg, vprog, sender, merge, sides: int, max_iterations: int, direction: str):
    """Pregel over columns (see the module docstring); the result graph carries ``converged`` and
    ``iterations``."""
    cutter = LineageCutter(graph._vparts.ctx)
    g = graph._map_vertex_columns(lambda ids, attrs: vprog(ids, attrs, filled(initial_msg, len(ids))))
    g._vparts.persist()
    messages = g._message_parts(sender, merge, sides).persist()
    active = count_vertices(messages)
    iteration = 0
    while active > 0 and iteration < max_iterations:
        previous, old_messages = g, messages
        g = apply_messages(g, messages, vprog)
        messages = g._message_parts(sender, merge, sides, direction).persist()
        iteration += 1
        cutter.update(iteration, g._vparts, g._view, messages)
        active = count_vertices(messages)
        old_messages.unpersist()
        previous.unpersistVertices()
    messages.unpersist()
    g.converged, g.iterations = active == 0, iteration
    return g

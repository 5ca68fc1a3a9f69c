"""Checkpoints into the checkpoint directory: Pregel with ``spark.graphx.pregel.checkpointInterval`` set
cuts its lineage into checkpoint files every N supersteps with the answer unchanged, and
``Graph.checkpoint`` writes a graph's partitions (each test has its own context: the key is read from
the context's configuration)."""
from __future__ import annotations

import pytest

from sparklite.graph import Graph


def test_pregel_checkpoints_into_the_checkpoint_directory(make_sc, tmp_path):
    sc = make_sc("local[2]", spark_graphx_pregel_checkpointInterval="3")
    sc.setCheckpointDir(str(tmp_path))
    chain = Graph.fromEdgeTuples(sc.parallelize([(i, i + 1) for i in range(8)], 2), 0)
    result = chain.mapVertices(lambda vid, _: 0 if vid == 0 else -1).pregel(
        -1, lambda vid, attr, msg: max(attr, msg),
        lambda t: [(t.dstId, t.srcAttr + 1)] if t.srcAttr >= 0 and t.dstAttr < 0 else [], max)
    assert result.converged and result.iterations == 8
    assert dict(result.vertices.collect()) == {i: i for i in range(9)}
    assert any(p.is_file() for p in tmp_path.rglob("*"))


def test_a_graph_checkpoints_into_the_checkpoint_directory(make_sc, tmp_path):
    sc = make_sc("local[2]")
    g = Graph.fromEdgeTuples(sc.parallelize([(1, 2), (2, 3)], 2), 0)
    with pytest.raises(RuntimeError, match="setCheckpointDir"):
        g.checkpoint()
    sc.setCheckpointDir(str(tmp_path))
    g.checkpoint()
    assert g.numEdges == 2 and sorted(g.vertices.collect()) == [(1, 0), (2, 0), (3, 0)]
    assert g.isCheckpointed() and len(g.getCheckpointFiles()) == 2
    assert all(str(tmp_path) in f for f in g.getCheckpointFiles())

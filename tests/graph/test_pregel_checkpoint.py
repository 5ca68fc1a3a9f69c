"""Pregel with ``spark.graphx.pregel.checkpointInterval`` set and a checkpoint directory: the lineage is
cut into checkpoint files every N supersteps, and the answer is unchanged (its own context: the key is
read from the context's configuration)."""
from __future__ import annotations

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
